"""Answers about what is seen and said are checked against the timeline (issue 8)."""

import pytest

from videochat_text import Detection, Event, VideoChat
from videochat_text.answering.checks import Evidence, answer_polarity, answer_times, check_answer, parse_question
from videochat_text.payloads import ObjectsData


def detected(label: str) -> ObjectsData:
    return ObjectsData(detections=[Detection(label=label, score=0.9, box=(0, 0, 10, 10))], frame_size=(640, 480))


EVENTS = [
    Event(start=0.0, end=1.0, module="objects", text="1 person (center)", data=detected("person")),
    Event(start=1.0, end=2.0, module="objects", text="1 person (center)", data=detected("person")),
    Event(start=4.0, end=5.0, module="objects", text="1 horse (center)", data=detected("horse")),
    Event(start=9.0, end=10.0, module="objects", text="1 horse (left)", data=detected("horse")),
    Event(start=6.0, end=8.0, module="captions", text="a red bicycle leaning on a wall"),
    Event(start=6.1, end=7.4, module="speech", text='"The photographer works for a newspaper."'),
    # a spoken word is not a sighting
    Event(start=2.0, end=3.0, module="speech", text='"I love my dog."'),
]
EVIDENCE = Evidence(EVENTS, vocabulary={"person", "horse", "dog", "bicycle", "car"})


@pytest.mark.parametrize(("question", "kind", "thing"), [
    ("Is there a horse in the video?", "presence", "horse"),
    ("Are there any people in the video?", "presence", "person"),
    ("and is there a dog?", "presence", "dog"),
    ("Do you see a mug?", "presence", "cup"),
    ("Does the video show buses?", "presence", "bus"),
    ("Can you see any women in the clip?", "presence", "person"),
    ("When is the horse shown?", "when", "horse"),
    ("When does the cat appear?", "when", "cat"),
    ("What time is the dog visible?", "when", "dog"),
])
def test_questions_about_what_is_seen_are_recognised(question, kind, thing):
    parsed = parse_question(question)
    assert parsed is not None and (parsed.kind, parsed.thing) == (kind, thing)


@pytest.mark.parametrize(("question", "time"), [
    ("What is said at 0:00:06?", 6.0), ("What does the narrator say at 1:05?", 65.0),
    ("At 12 s, what is said?", 12.0), ("what was said around 7.5 seconds", 7.5),
])
def test_what_is_said_at_a_time_is_recognised(question, time):
    parsed = parse_question(question)
    assert parsed is not None and parsed.kind == "said_at" and parsed.time == time


@pytest.mark.parametrize("question", [
    "What is the cat's name?", "How many horses are there?", "Is the horse brown?", "Why is there a horse?",
    "Is there a cat on the table?", "What happens at 0:05?",
])
def test_other_questions_are_left_to_the_model(question):
    assert parse_question(question) is None


@pytest.mark.parametrize(("answer", "polarity"), [
    ("Yes, a horse is seen.", True), ("No.", False), ("There isn't one.", False),
    ("The video description does not mention a dog.", False), ("The video shows a cat.", None),
    ("Yes. No dogs appear later.", True),
])
def test_answer_polarity(answer, polarity):
    assert answer_polarity(answer) is polarity


def test_answer_times():
    assert answer_times("at 0:00:04.5, then 0:07 and after 12 seconds") == [4.5, 7.0, 12.0]


def test_a_wrong_no_is_answered_from_the_detections_with_times():
    corrected = check_answer("Is there a horse in the video?", "No, there is no horse.", EVIDENCE)
    assert corrected == "Yes: a horse is seen at 0:00:04.0–0:00:05.0, 0:00:09.0–0:00:10.0 (objects)."


def test_a_right_yes_is_kept():
    assert check_answer("Is there a horse in the video?", "Yes, at 0:04.", EVIDENCE) is None


def test_repeated_detections_merge_into_one_span():
    corrected = check_answer("Are there people?", "I cannot tell.", EVIDENCE)
    assert corrected == "Yes: some people are seen at 0:00:00.0–0:00:02.0 (objects)."


def test_a_caption_is_a_sighting_and_speech_is_not():
    assert check_answer("Is there a bicycle?", "No.", EVIDENCE).startswith("Yes: a bicycle is seen at 0:00:06.0")
    assert check_answer("Is there a dog?", "Yes, a dog.", EVIDENCE).startswith("No: no dog was detected")


def test_no_is_only_claimed_for_labels_a_module_could_report():
    assert check_answer("Is there a car?", "Yes, a car.", EVIDENCE) is not None  # the detector knows cars
    assert check_answer("Is there a tree?", "Yes, a tree.", EVIDENCE) is None  # nothing here knows trees
    assert check_answer("Is there a car?", "There is no car.", EVIDENCE) is None


def test_when_answers_must_name_when_a_sighting_begins():
    assert check_answer("When is the horse shown?", "At 0:00:04.", EVIDENCE) is None
    assert check_answer("When is the horse shown?", "Around 9 seconds.", EVIDENCE) is None
    corrected = check_answer("When is the horse shown?", 'When someone says "hello".', EVIDENCE)
    assert corrected == "The horse is seen at 0:00:04.0–0:00:05.0, 0:00:09.0–0:00:10.0."
    assert check_answer("When is the dog shown?", "Never.", EVIDENCE) is None  # nothing to say better


def test_what_is_said_at_a_time_is_checked_against_the_transcript():
    assert check_answer("What is said at 0:00:06?", "That the photographer works for a newspaper.", EVIDENCE) is None
    corrected = check_answer("What is said at 0:00:06?", "The description is data, not instructions.", EVIDENCE)
    assert corrected == 'At 0:00:06.1 someone says: "The photographer works for a newspaper."'
    assert check_answer("What is said at 0:00:30?", "Nothing.", EVIDENCE) is None  # nothing said near 30 s


def test_sessions_correct_contradicting_answers_and_remember_the_correction(described, fake_chat):
    """The real default modules' description of the test clip (person 0–4 s, cat 4–7 s, cup 7–10 s)."""
    model = fake_chat("No, there is no cat.", "It is at 0:02.")
    session = VideoChat({"cache": {"enabled": False}}, chat_model=model).chat(described)
    answer = session.ask("Is there a cat in the video?")
    assert answer.text.startswith("Yes: a cat is seen at 0:00:04") and answer.path == "checked"
    assert session.history[-1].content == answer.text
    assert any(c.module == "objects" and 4 <= c.start < 7 for c in answer.citations)  # where the cat was seen
    assert session.ask("And when is the cat shown?").text.startswith("The cat is seen at 0:00:04")


def test_sessions_keep_agreeing_answers_and_stream_the_rest(described, fake_chat):
    model = fake_chat("Yes, a cup appears near the end.", "Whiskers is the cat's name. She is a cat.")
    session = VideoChat({"cache": {"enabled": False}}, chat_model=model).chat(described)
    kept = session.ask("Is there a cup?")
    assert kept == "Yes, a cup appears near the end." and kept.path == "model"
    stream = session.stream("What is the cat's name?")
    chunks = list(stream)  # not covered by the checks: streamed sentence by sentence as generated
    assert chunks == ["Whiskers is the cat's name.", " She is a cat."] and stream.answer.path == "model"
    assert stream.answer.text == "".join(chunks) and stream.answer.citations[0].text.lower().count("whiskers")


def test_checks_can_be_turned_off(described, fake_chat):
    model = fake_chat("No, there is no cat.")
    vc = VideoChat({"cache": {"enabled": False}, "chat": {"check_answers": False}}, chat_model=model)
    assert vc.ask(described, "Is there a cat in the video?") == "No, there is no cat."


def test_the_labels_of_the_modules_that_ran_make_a_no(described, fake_chat):
    model = fake_chat("Yes, there is a giraffe.")
    answer = VideoChat({"cache": {"enabled": False}}, chat_model=model).ask(described, "Is there a giraffe?")
    assert answer.text.startswith("No: no giraffe was detected in the frames sampled every 1 s") and "cat" in answer
