"""Answers about what is seen and said are reviewed against the timeline (issues 8, 22): rules
attach what the modules found, withhold what no entry holds, and never claim more."""

import pytest

from videochat_text import Detection, Event, VideoChat
from videochat_text.answering.checks import (Evidence, addressed_names, answer_polarity, answer_times, check_answer,
                                           introduced_names, introductions, parse_question, review)
from videochat_text.answering.flaws import a_line_given_to_whom_it_addresses
from videochat_text.answering.questions import split_question
from videochat_text.answering.when import parse_when
from videochat_text.payloads import ObjectsData, SpeechData


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
    ("Can you see any women in the clip?", "presence", "person"),  # a narrower kind: never answered from "person"
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
    "What happens at 0:05?", "When is the cat on the table shown?",
    "When you see the bicycle, what color is the car?", "What is said at 0:06 and who says it?",
    "Is there a dog, and why is it barking?",
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


def test_a_wrong_no_about_the_label_itself_is_withheld_and_the_detections_are_the_fallback():
    found = review("Is there a horse in the video?", "No, there is no horse.", EVIDENCE)
    assert found.action == "withhold"
    assert found.text == "Yes: a horse is seen at 0:00:04.0–0:00:05.0, 0:00:09.0–0:00:10.0 (objects)."


def test_a_right_yes_is_kept():
    assert review("Is there a horse in the video?", "Yes, at 0:04.", EVIDENCE).action == "keep"
    assert check_answer("Is there a horse in the video?", "Yes, at 0:04.", EVIDENCE) is None


def test_an_unclear_answer_gets_the_detections_attached_under_the_label_as_reported():
    found = review("Are there people?", "I cannot tell.", EVIDENCE)
    assert (found.action, found.text) == ("attach", "A person is seen at 0:00:00.0–0:00:02.0 (objects).")


@pytest.mark.parametrize(("question", "answer"), [
    ("Are there any women?", "Yes: some women are seen at 0:00:00.0–0:00:02.0."),
    ("Is there a child in the video?", "Yes, a child is seen."),
    ("Are there any men?", "No, there are no men."),
    ("Is there a girl?", "Yes."),
])
def test_a_person_is_never_narrowed_to_a_woman_a_man_or_a_child(question, answer):
    """Issue 22: "Are there any women?" on a clip whose detector reported only "1 person" was
    answered "Yes: some women are seen at …"."""
    found = review(question, answer, EVIDENCE)
    assert found.action == "replace"
    assert found.text == ("A person is seen at 0:00:00.0–0:00:02.0 (objects); "
                          "the detector does not tell men, women or children apart.")
    assert "women are" not in found.text and "child is" not in found.text


@pytest.mark.parametrize(("question", "answer", "role"), [
    ("At what point does the astronaut appear?", "The video description does not say whether there is an astronaut.",
     "astronauts"),
    ("Is there a doctor?", "Yes, a doctor is seen.", "doctors"),
    ("Are there any police officers?", "No.", "police officers"),
    ("When do we see the waitress?", "At 0:00:07.", "waitresses"),
])
def test_a_person_is_never_narrowed_to_what_a_person_does(question, answer, role):
    """QA test half: "At what point does the astronaut appear?" on a clip whose detector reported a
    person (the photo is of an astronaut; no line says so) was answered "does not say"; a detector's
    person is reported as a person, with what the detector cannot tell."""
    found = review(question, answer, EVIDENCE)
    assert found.action in ("replace", "attach")
    assert found.text == (f"A person is seen at 0:00:00.0–0:00:02.0 (objects); "
                          f"the detector does not tell {role} and other people apart.")


def test_a_narrower_kind_named_by_a_caption_or_speech_is_evidence_of_itself():
    events = [*EVENTS, Event(start=3, end=4, module="captions", text="a woman riding a bicycle")]
    assert review("Are there any women?", "Yes, a woman rides a bicycle.", Evidence(events)).action == "keep"


def test_a_synonym_never_flips_the_answer_the_detections_are_attached():
    found = review("Is there a bike?", "No.", EVIDENCE)  # the caption says "bicycle"
    assert found.action == "attach" and found.text.startswith("A bicycle is seen at 0:00:06.0")


def test_a_yes_to_a_thing_no_entry_names_is_withheld_with_what_the_modules_reported():
    car = review("Is there a car?", "Yes, a car.", EVIDENCE)  # the detector knows cars and saw none
    assert car.action == "withhold" and car.text.startswith("The video description does not mention a car:")
    assert "every 1 s" in car.text and "No" not in car.text.split(":")[0]
    tree = review("Is there a tree?", "Yes, a tree.", EVIDENCE)  # nothing here knows trees
    assert (tree.action, tree.text) == ("withhold", "The video description does not say whether there is a tree.")
    # a yes resting on words alone ("I love my dog.") for a thing the detector looks for and never saw: what each
    # module found, not a "no" (fresh20: "Is a boat shown?" → "Yes, a boat is shown in the video.", no boat pictured)
    dog = review("Is there a dog?", "Yes, a dog.", EVIDENCE)
    assert dog.action == "withhold" and dog.text.startswith("The object detector reported no dog in the frames")
    assert dog.text.endswith('a dog is only spoken of: At 0:00:02.0 (speech): "I love my dog."')
    assert review("Is there a horse?", "Yes, a horse.", EVIDENCE).action == "keep"  # seen


def test_a_no_is_never_turned_into_a_yes_or_claimed_by_a_rule():
    assert review("Is there a car?", "There is no car.", EVIDENCE).action == "keep"  # the detector knows cars


def test_a_no_to_a_thing_no_module_could_report_and_no_line_names_is_withheld():
    """fresh6: "Is a rocket shown?" → "No, a rocket is not shown." — COCO has no rocket, no captioner ran,
    no line names one, and the picture was a rocket: not seeing what no module can see proves nothing."""
    uncaptioned = [e for e in EVENTS if e.module != "captions"]
    tree = review("Is there a tree?", "No.", Evidence(uncaptioned, vocabulary=EVIDENCE.vocabulary))
    assert (tree.action, tree.text) == ("withhold", "The video description does not say whether there is a tree.")
    piano = Event(start=8.5, end=10.0, module="speech", text='"There is no piano here."')
    assert review("Is there a piano?", "No.", Evidence([*uncaptioned, piano], vocabulary=EVIDENCE.vocabulary)).action == "keep"
    assert review("Is there a tree?", "No.", EVIDENCE).action == "keep"  # a captioner ran and named no tree


def test_a_no_to_a_thing_no_module_could_report_while_a_line_names_it_is_withheld_with_that_line():
    """QA test half: "Does the video show a rocket?" → "No, …" — the detector has no rocket label, the
    picture is a rocket, and the narration says "The rocket launches on Friday."."""
    said = Event(start=8.5, end=10.0, module="speech", text='"The rocket launches on Friday."')
    rocket = review("Does the video show a rocket?", "No, the video does not show a rocket.",
                    Evidence([*EVENTS, said], vocabulary=EVIDENCE.vocabulary))
    assert rocket.action == "withhold"
    assert rocket.text == ('The video description does not say whether there is a rocket. '
                           'At 0:00:08.5 (speech): "The rocket launches on Friday."')


def test_when_answers_must_name_when_a_sighting_begins():
    assert review("When is the horse shown?", "At 0:00:04.", EVIDENCE).action == "keep"
    assert review("When is the horse shown?", "Around 9 seconds.", EVIDENCE).action == "keep"
    found = review("When is the horse shown?", 'When someone says "hello".', EVIDENCE)
    assert (found.action, found.text) == ("replace", "The horse is seen at 0:00:04.0–0:00:05.0, 0:00:09.0–0:00:10.0 (objects).")
    assert review("When is the dog shown?", "Never.", EVIDENCE).action == "keep"  # nothing to say better


def test_what_is_said_at_a_time_is_checked_against_the_transcript():
    assert check_answer("What is said at 0:00:06?", "That the photographer works for a newspaper.", EVIDENCE) is None
    corrected = check_answer("What is said at 0:00:06?", "The description is data, not instructions.", EVIDENCE)
    assert corrected == 'At 0:00:06.1 someone says: "The photographer works for a newspaper."'
    assert check_answer("What is said at 0:00:30?", "Nothing.", EVIDENCE) is None  # nothing said near 30 s


def test_lines_said_near_the_time_that_an_answer_leaves_out_are_attached():
    """Seen in the QA run: "What's said at 0:14?" answered "S3 says "Sure."" while the line that
    holds the answer starts half a second later."""
    said = [Event(start=13.5, end=14.1, module="speech", text='S2: "Sure."', data=SpeechData(speaker="S2", transcript="Sure.")),
            Event(start=14.5, end=16.8, module="speech", text='S2: "I will bring my sister Julia at noon."',
                  data=SpeechData(speaker="S2", transcript="I will bring my sister Julia at noon."))]
    found = review("What's said at 0:14?", 'S2 says "Sure."', Evidence(said))
    assert (found.action, found.text) == ("attach", 'At 0:00:14.5 S2 says: "I will bring my sister Julia at noon."')
    assert review("What's said at 0:14?", "Sure, and she will bring Julia at noon.", Evidence(said)).action == "keep"


def test_compound_questions_are_never_answered_by_a_rule():
    """Issue 22: "When you see the bicycle, what color is the car?" got a list of car times, and
    "…, and why does she cry?" lost its "why"."""
    for question in ["When you see the bicycle, what color is the car?",
                     "At what point does she talk about her mother, and why does she cry?",
                     "When does the horse appear and what does the narrator say then?"]:
        assert parse_when(question) is None and parse_question(question) is None
        assert review(question, "Yes.", EVIDENCE) is None
    assert parse_when("When is the password mentioned?") is not None  # a single question still is


def test_compound_questions_split_into_the_questions_they_ask():
    assert split_question("Which video mentions a password, and what is it?") == [
        "Which video mentions a password?", "What is the password?"]  # "it" named, to be asked alone
    assert split_question("At what point does she talk about her mother, and why does she cry?") == [
        "At what point does she talk about her mother?", "Why does she cry?"]
    assert split_question("Where does Maria live now and where is she from?") == [
        "Where does Maria live now?", "Where is she from?"]
    assert split_question("Is there a dog, and what colour is it?") == ["Is there a dog?", "What colour is the dog?"]
    assert split_question("What is on the table? And what is at the end? Say it.") == [
        "What is on the table?", "What is at the end? Say it."]
    for one in ["When you see the bicycle, what color is the car?",  # a time clause, then one question
                "When does the speaker say what the password is?", "What is the cat called?",
                "When the horse appears what does the narrator say?"]:
        assert split_question(one) == [one]


def test_a_compound_question_is_asked_one_part_at_a_time(described, fake_chat):
    """A small model asked "Which video mentions a password, and what is it?" answered the first
    part only; each part is asked in turn, the second reading the first as an earlier turn."""
    model = fake_chat("The cat is called Whiskers.", "The coffee costs three dollars.")
    session = VideoChat({"cache": {"enabled": False}}, chat_model=model).chat(described)
    answer = session.ask("What is the cat called, and how much is the coffee?")
    assert answer.text == "The cat is called Whiskers. The coffee costs three dollars."
    first, second = model.seen
    assert "What is the cat called?" in first[-1].content and "How much is the coffee?" in second[-1].content
    assert [m.content for m in second[1:3]] == ["What is the cat called?", "The cat is called Whiskers."]
    assert [m.content for m in session.history] == ["What is the cat called, and how much is the coffee?",
                                                     answer.text]  # the conversation keeps the question as asked
    assert {c.module for c in answer.citations} == {"speech"}


def test_sessions_withhold_a_contradicting_no_and_remember_the_detections(described, fake_chat):
    """The real default modules' description of the test clip (person 0–4 s, cat 4–7 s, cup 7–10 s)."""
    model = fake_chat("No, there is no cat.", "It is at 0:02.")
    session = VideoChat({"cache": {"enabled": False}}, chat_model=model).chat(described)
    answer = session.ask("Is there a cat in the video?")
    assert answer.text.startswith("Yes: a cat is seen at 0:00:04") and answer.path == "extractive"
    # not asked again: the detections answer it (a user's retry in a chat took 7–10 s and said less)
    assert len(model.seen) == 1
    assert session.history[-1].content == answer.text
    assert any(c.module == "objects" and 4 <= c.start < 7 for c in answer.citations)  # where the cat was seen
    assert session.ask("And when is the cat shown?").text.startswith("The cat is seen at 0:00:04")


def test_a_thing_named_in_more_words_than_its_label_is_narrower_than_the_label():
    """fresh6: "Is there a coffee cup in the video?" → "No coffee cup is in the video." while the
    detector reported a cup for 7 s: its "cup" says nothing of coffee, and nothing against it."""
    cup = [Event(start=7.0, end=8.0, module="objects", text="1 cup (center)", data=detected("cup")),
           Event(start=8.0, end=9.0, module="objects", text="1 cup (center)", data=detected("cup"))]
    evidence = Evidence(cup, vocabulary={"cup", "dining table", "car"})
    found = review("Is there a coffee cup in the video?", "No coffee cup is in the video.", evidence)
    assert (found.action, found.text) == (
        "replace", "A cup is seen at 0:00:07.0–0:00:09.0 (objects); the detector does not tell coffee cups and other "
                   "cups apart.")
    assert review("Is there a dining table?", "No.", evidence).action == "keep"  # a label of two words
    assert review("Is there a cup?", "No.", evidence).action == "withhold"  # the label itself: the cup seen
    assert review("Is there a coffee cup?", "Yes, at 0:00:07.", evidence).action == "replace"


def test_women_on_a_clip_with_a_person_get_the_person_and_what_the_detector_cannot_tell(described, fake_chat):
    model = fake_chat("Yes: some women are seen at 0:00:01.")
    answer = VideoChat({"cache": {"enabled": False}}, chat_model=model).ask(described, "Are there any women?")
    assert answer.text == ("A person is seen at 0:00:00.0–0:00:04.0 (objects); "
                           "the detector does not tell men, women or children apart.")
    assert answer.citations and all(c.module == "objects" and "person" in c.text for c in answer.citations)


def test_sessions_keep_agreeing_answers_and_stream_the_rest(described, fake_chat):
    model = fake_chat("Yes, a cup appears near the end.", "Whiskers is the cat's name. She is a cat.")
    session = VideoChat({"cache": {"enabled": False}}, chat_model=model).chat(described)
    kept = session.ask("Is there a cup?")
    assert kept == "Yes, a cup appears near the end." and kept.path == "model"
    stages = []
    stream = session.stream("What is the cat's name?", on_stage=stages.append)
    chunks = list(stream)  # not covered by the checks: streamed sentence by sentence as generated
    assert chunks == ["Whiskers is the cat's name.", " She is a cat."] and stream.answer.path == "model"
    assert stream.answer.text == "".join(chunks) and stream.answer.citations[0].text.lower().count("whiskers")
    assert stages[:3] == ["reading", "thinking", "checking"] and "retrying" not in stages


def test_checks_off_turns_every_rule_path_off(described, fake_chat):
    model = fake_chat("No, there is no cat.", "It is mentioned at 1:28:30.", "The coffee costs twelve dollars.")
    vc = VideoChat({"cache": {"enabled": False}, "chat": {"check_answers": False}}, chat_model=model)
    assert vc.ask(described, "Is there a cat in the video?") == "No, there is no cat."
    when = vc.ask(described, "When is the coffee price mentioned?")  # no answer from the timeline
    assert when == "It is mentioned at 1:28:30." and when.path == "model"
    assert vc.ask(described, "How much is the coffee?") == "The coffee costs twelve dollars."  # not verified
    assert len(model.seen) == 3


def test_a_yes_to_something_no_module_reported_is_withheld(described, fake_chat):
    model = fake_chat("Yes, there is a giraffe.", "Yes, a giraffe.")
    answer = VideoChat({"cache": {"enabled": False}}, chat_model=model).ask(described, "Is there a giraffe?")
    assert answer.text.startswith("The video description does not mention a giraffe: the object detector reported "
                                  "none in the frames sampled every 1 s") and "cat" in answer
    assert answer.path == "extractive" and not answer.text.startswith(("No", "Yes"))


def test_a_question_saying_more_than_a_label_only_has_an_unnamed_yes_withheld():
    """Held-out rule question: "Is there a dog in the kitchen too?" answered "Yes, a dog."
    passed (the question was not parsed) — found after the held-out measurement, fixed since."""
    parsed = parse_question("Is there a cat on the table?")
    assert parsed.qualified and parsed.thing == "cat"
    assert review("Is there a horse on the table?", "No.", EVIDENCE).action == "keep"  # never flipped
    assert review("Is there a horse on the table?", "Yes.", EVIDENCE).action == "keep"  # a horse was seen
    found = review("Is there a car in the kitchen too?", "Yes, a car.", EVIDENCE)
    assert found.action == "withhold" and found.text.startswith("The video description does not mention a car")


@pytest.mark.parametrize("question, thing, relation", [
    ("Was anyone shown on screen?", "person", "exact"),
    ("Is anyone on camera?", "person", "exact"),
    ("Were there any people on screen?", "person", "exact"),
    ("Was the horse shown in the video?", "horse", "exact"),
    ("Were there any bikes?", "bicycle", "same"),
])
def test_presence_questions_in_the_past_and_on_screen(question, thing, relation):
    parsed = parse_question(question)
    assert (parsed.kind, parsed.thing, parsed.relation) == ("presence", thing, relation)


def test_a_no_to_anyone_while_a_person_was_detected_is_withheld_and_i_cannot_tell_is_no_no():
    assert review("Was anyone shown on screen?", "No one was shown on screen.", EVIDENCE).action == "withhold"
    assert answer_polarity("I cannot tell.") is None and answer_polarity("I'm not sure.") is None
    assert answer_polarity("No, I cannot see one.") is False


def test_a_time_said_in_minutes_and_seconds():
    assert parse_question("What is being said about 2 minutes and 35 seconds in?").time == 155.0
    assert parse_question("What's said at 1 min 5 s?").time == 65.0
    assert answer_times("after 2 minutes and 35 seconds") == [155.0]
    assert answer_times("in the last 10 minutes") == []  # a stretch, not a moment


def test_what_is_said_in_the_video_answered_with_no_spoken_line_gets_the_lines_quoted():
    speech = [Event(start=0.5, end=2.0, module="speech", text='"My cat is called Whiskers."'),
              Event(start=4.5, end=6.0, module="speech", text='"The horse lives on a farm in Texas."')]
    evidence = Evidence(speech)
    assert parse_question("What is said in this video?").kind == "said"
    assert parse_question("What do they talk about?").kind == "said"
    assert parse_question("What is said about the cat?") is None  # a topic: the model's
    found = review("What is said in this video?", "The video description does not say.", evidence)
    assert found.action == "replace" and found.text == ('At 0:00:00.5 someone says: "My cat is called Whiskers." '
                                                         'At 0:00:04.5 someone says: "The horse lives on a farm in Texas."')
    assert review("What is said in this video?", "Someone says the cat is called Whiskers.", evidence).action == "keep"
    assert review("What is said in this video?", "Nothing is said.", Evidence([])).action == "keep"


def test_how_many_people_talk_gets_the_voices_the_speech_module_told_apart_in_place_of_another_count():
    said = [("S1", 0.5, "Hello everyone, my name is Anna."), ("S2", 3.5, "I'm Tom."), ("S3", 9.0, "And I'm Priya."),
            ("S1", 12.0, "Nice to meet you.")]
    evidence = Evidence([Event(start=t, end=t + 2, module="speech", text=f'{who}: "{words}"',
                               data=SpeechData(speaker=who, transcript=words)) for who, t, words in said])
    assert parse_question("How many people introduce themselves?").kind == "voices"
    assert parse_question("How many people are shown?") is None  # a count of detections: the model's
    several = review("How many people are talking?", "Several.", evidence)
    assert (several.action, several.text) == ("attach", "The speech module tells 3 voices apart: S1, S2, S3.")
    assert review("How many people are talking?", "Three people are talking.", evidence).action == "keep"
    # another number is not shown; the voices in its place ("How many people are talking?" → "1" about a
    # phone call with three voices told apart: the model read the detector's one person)
    for other in ("Two.", "1"):
        found = review("How many people are talking?", other, evidence)
        assert (found.action, found.text) == ("withhold", "The speech module tells 3 voices apart: S1, S2, S3.")
    assert review("How many people are talking?", "2", Evidence([])).action == "keep"  # no voices told apart: no rule


def test_how_many_people_talk_counts_the_names_people_give_when_the_labels_joined_their_voices():
    """Two voices of one pitch got one label (four of the QA set's two-voice clips): "How many people are
    talking?" → "One person." rests on the label; the two names the transcript gives are the count."""
    said = [("S1", 0.5, "Good morning. My name is Felix and I have a booking."),
            ("S1", 5.0, "Welcome, Felix. I'm Nora, I will show you the room."), ("S1", 10.0, "Thanks, Nora.")]
    events = [Event(start=t, end=t + 4, module="speech", text=f'{who}: "{words}"',
                    data=SpeechData(speaker=who, transcript=words)) for who, t, words in said]
    evidence = Evidence(events)
    for answer in ("One person is talking.", "Only one speaker.", "Several."):
        found = review("How many people are talking?", answer, evidence)
        assert found.action == "withhold"
        assert found.text.startswith("2 people say who they are: Felix, Nora. At 0:00:00.5 S1 says:")
        assert found.text.endswith("The speech module tells 1 voice apart: S1.")
        assert "0:00:10" not in found.text  # "Thanks, Nora." names her; it is not her line
    kept = review("How many people are talking?", "Two people are talking.", evidence)
    assert kept.action == "attach" and kept.confirmed == "2 names given"  # the names and lines beside it
    assert kept.text.startswith("2 people say who they are: Felix, Nora.")
    # as many labels as names (or more): the labels stand, as before
    told_apart = Evidence([e.model_copy(update={"data": e.data.model_copy(update={"speaker": f"S{n % 2 + 1}"})})
                           for n, e in enumerate(events)])
    assert review("How many people are talking?", "2", told_apart).confirmed == "2 voices"
    assert review("How many people are talking?", "2", told_apart).action == "keep"
    assert review("How many people are talking?", "1", told_apart).text == "The speech module tells 2 voices apart: S1, S2."


def test_how_many_people_introduce_themselves_is_answered_with_the_names_they_give_not_the_voice_labels():
    """fresh7's book club: three people say their names, two of them were given one label, and the
    model said "1": the names the transcript gives are the count, each line quoted."""
    said = [("S1", 0.5, "Welcome to the book club. I'm Grace, and tonight we're reading Moby Dick."),
            ("S2", 6.0, "Thanks, Grace. I'm Victor. I finished it on the bus this morning."),
            ("S2", 11.0, "I'm Ruth. I only read half, sorry. It's Monday, after all."),
            ("S1", 16.5, "Next month, Victor will choose the book.")]
    evidence = Evidence([Event(start=t, end=t + 4, module="speech", text=f'{who}: "{words}"',
                               data=SpeechData(speaker=who, transcript=words)) for who, t, words in said])
    assert parse_question("How many people introduce themselves?").kind == "voices"
    found = review("How many people introduce themselves?", "1", evidence)
    assert found.action == "withhold"  # the model's "1" is not shown; a weekday is nobody's name
    assert found.text.startswith("3 people say who they are: Grace, Victor, Ruth. At 0:00:00.5 S1 says:")
    assert "0:00:16.5" not in found.text  # a line naming Victor without introducing anyone is not quoted
    assert review("How many people introduce themselves?", "Three people introduce themselves.", evidence).action \
        == "keep"
    assert review("¿Cuántas personas se presentan?", "1", evidence) is None  # (asked in English after translation)
    es = review("How many people introduce themselves?", "1", evidence, "es")
    assert es.text.startswith("3 personas dicen quiénes son: Grace, Victor, Ruth.")
    # nobody says who they are: the voices told apart, as for "How many people are talking?"
    unnamed = Evidence([Event(start=0, end=2, module="speech", text='S1: "Hello."',
                              data=SpeechData(speaker="S1", transcript="Hello."))])
    assert review("How many people introduce themselves?", "Two.", unnamed).text.startswith("The speech module tells 1 voice")


def test_who_did_what_a_voice_says_it_did_is_the_name_that_voice_gave_itself():
    """fresh5: "Who grew up in Cardiff?" → "Omar grew up in Cardiff." beside S2's "I'm Lucy. I grew up in
    Cardiff…": the model read "I" as the last name it saw. The voice that says it in the first person,
    and the name the same voice gave itself, quoted."""
    said = [("S1", 0.5, "Hi, I'm Sam. I just moved in upstairs."),
            ("S2", 3.5, "Welcome, Sam! I'm Lucy. I grew up in Cardiff, but I study in Leeds now."),
            ("S3", 10.0, "And I'm Omar. I teach music at the school on King Street."),
            ("S1", 14.5, "Music? My daughter wants to learn the piano."),
            ("S2", 18.5, "She loves the island.")]
    evidence = Evidence([Event(start=t, end=t + 3, module="speech", text=f'{who}: "{words}"',
                               data=SpeechData(speaker=who, transcript=words)) for who, t, words in said])
    found = review("Who grew up in Cardiff?", "Omar grew up in Cardiff.", evidence)
    assert (found.action, found.text) == ("withhold", 'Lucy, going by the voice labels: At 0:00:03.5 S2 says: '
                                          '"Welcome, Sam! I\'m Lucy. I grew up in Cardiff, but I study in Leeds now."')
    assert review("Who grew up in Cardiff?", "Lucy grew up there.", evidence).action == "keep"
    # "whose X" is "my X"; the name from the voice's earlier line, both quoted
    whose = review("Whose daughter wants to learn the piano?", "S1's daughter.", evidence)
    assert whose.action == "withhold" and whose.text.startswith("Sam, going by the voice labels: At 0:00:00.5 S1")
    assert "0:00:14.5 S1 says" in whose.text
    assert review("Who teaches music?", "Sam teaches music.", evidence).text.startswith("Omar,")
    # a label that gave itself two names is two people: it names nobody (unless the line itself does)
    merged = Evidence([Event(start=t, end=t + 3, module="speech", text=f'{who}: "{words}"',
                             data=SpeechData(speaker=who, transcript=words))
                       for who, t, words in [("S1", 0.5, "Hi, I'm Sam."), ("S2", 5.5, "I'm Lucy."),
                                             ("S2", 10.3, "And I'm Omar."),
                                             ("S2", 15.5, "My daughter wants to learn the piano."),
                                             ("S2", 18.0, "I'm Ruth. My dog ate chapter ten.")]])
    assert review("Whose daughter wants to learn the piano?", "Omar's.", merged).action == "keep"
    assert review("Whose dog ate chapter ten?", "Victor's.", merged).text.startswith("Ruth, going by")
    later = Evidence([Event(start=t, end=t + 2, module="speech", text=f'S1: "{words}"',
                            data=SpeechData(speaker="S1", transcript=words))
                      for t, words in [(5.0, "I just moved in upstairs."), (8.0, "I'm Sam, by the way.")]])
    found = review("Who moved in upstairs?", "Lucy.", later).text  # the lines in the order they were said
    assert found.startswith("Sam, going by") and found.index("0:00:05.0") < found.index("0:00:08.0")
    clinic = Evidence([Event(start=4.5, end=8.0, module="speech", text='S2: "Hi, my name is Marco. I\'d like to see a '
                             'dentist this week."', data=SpeechData(speaker="S2", transcript="Hi, my name is Marco. "
                                                                    "I'd like to see a dentist this week."))])
    assert review("Who wants to see a dentist?", "S2 wants to.", clinic).text.startswith("Marco, going by")
    assert review("Who says it?", "Sam says it.", evidence).action == "keep"  # a follow-up: nothing to look for
    # fresh21 (read after its runs): a name the question holds is "him" in the line
    walks = Evidence([Event(start=t, end=t + 2, module="speech", text=f'{who}: "{words}"',
                            data=SpeechData(speaker=who, transcript=words))
                      for who, t, words in [("S1", 0.2, "Hello, I'm Mina. Can you walk my dog Max next week?"),
                                            ("S2", 5.7, "Of course, I'm Arthur."),
                                            ("S2", 21.4, "My son can take him to the park after school.")]])
    son = review("Whose son can take Max to the park?", "The video description does not say.", walks)
    assert son.action == "withhold" and son.text.startswith("Arthur, going by the voice labels:")
    assert "take him to the park" in son.text
    # a word of the question that is no name still has to be said: no line says the son takes him to the beach
    assert review("Whose son can take Max to the beach?", "The video description does not say.", walks).action == "keep"
    # a third person binds no voice; who someone is, and a line saying only part of it, are the model's
    assert review("Who loves the island?", "S2 loves it.", evidence).action == "keep"
    assert parse_question("Who is Lucy?") is None and parse_question("Who is Priya's brother?").kind == "relative"
    assert parse_question("Who is visiting Nina?").kind == "who"
    assert review("Who moved in downstairs?", "Omar.", evidence).action == "keep"
    # no voices told apart: nothing to go by
    unlabelled = Evidence([Event(start=0, end=3, module="speech", text='"I\'m Sam. I grew up in Cardiff."',
                                 data=SpeechData(transcript="I'm Sam. I grew up in Cardiff."))])
    assert review("Who grew up in Cardiff?", "Omar.", unlabelled).action == "keep"
    assert review("¿Quién creció en Cardiff?", "Omar.", evidence, "es") is None  # (reviewed in English)
    es = review("Who grew up in Cardiff?", "Omar.", evidence, "es")
    assert es.text.startswith("Lucy, según las etiquetas de voz: ")


def _conversation(said: list[tuple[str, float, str]]) -> Evidence:
    return Evidence([Event(start=t, end=t + 3, module="speech", text=f'{who}: "{words}"',
                           data=SpeechData(speaker=who, transcript=words)) for who, t, words in said])


def test_a_voice_that_never_names_itself_is_named_by_what_the_other_voice_calls_it():
    """People in a conversation call each other by name more often than they introduce themselves: in a
    conversation of two voices, "Ben, did you…" said by one names the other; with three, who is spoken to
    is not in the words."""
    garden = _conversation([("S1", 0.5, "Ben, did you water the roses?"),
                            ("S2", 4.0, "Not yet, Clara. I'll water the roses after lunch."),
                            ("S1", 9.0, "Thanks. My brother is coming at four.")])
    found = review("Who will water the roses?", "Clara will.", garden)
    assert (found.action, found.text) == (
        "withhold", 'Ben, going by the voice labels: At 0:00:00.5 S1 says: "Ben, did you water the roses?" '
                    'At 0:00:04.0 S2 says: "Not yet, Clara. I\'ll water the roses after lunch."')
    assert review("Whose brother is coming at four?", "Ben's.", garden).text.startswith("Clara, going by")
    assert review("Whose brother is coming at four?", "Clara's brother.", garden).action == "keep"
    three = _conversation([("S1", 0.5, "Ben, did you water the roses?"),
                           ("S2", 4.0, "Not yet. I'll water the roses after lunch."), ("S3", 9.0, "I'm Mo. Shall I help?")])
    assert review("Who will water the roses?", "Mo.", three).action == "keep"
    assert addressed_names("Sorry, Anna, I haven't.") == ["Anna"] and addressed_names("Thanks, Tom.") == ["Tom"]
    for not_spoken_to in ("I live in Paris, France.", "Yes, they were.", "Mum, where is it?", "See you on Monday."):
        assert addressed_names(not_spoken_to) == [], not_spoken_to
    assert a_line_given_to_whom_it_addresses('Ben is the one who says "Ben, did you water the roses?"') == "Ben"


def test_who_asks_about_something_is_the_voice_whose_question_holds_it():
    """fresh16's vet (read after its run), and fresh8's hotel and fresh13's rental desk before it: "Who asks
    about the blanket?" → "does not say" beside S1's "Should I bring his blanket?" and S1's "Hello, I'm Laura."."""
    vet = _conversation([("S1", 0.2, "Hello, I'm Laura."), ("S1", 2.4, "My dog Biscuit has not eaten since Monday."),
                         ("S2", 6.4, "Hi Laura, I'm Dr. Hassan."), ("S1", 21.7, "Thank you, doctor. Should I bring his "
                                                                        "blanket?"), ("S2", 26.1, "Yes, bring the blanket.")])
    found = review("Who asks about the blanket?", "The video description does not say.", vet)
    assert (found.action, found.text) == (
        "withhold", 'Laura, going by the voice labels: At 0:00:00.2 S1 says: "Hello, I\'m Laura." '
                    'At 0:00:21.7 S1 says: "Thank you, doctor. Should I bring his blanket?"')
    assert review("Who asks about the blanket?", "Laura asks about it.", vet).action == "keep"
    # "mentions": any line holding it; two voices holding it: the model's
    assert review("Who mentioned the blanket?", "S1.", vet).action == "keep"
    assert review("Who mentions Monday?", "S2.", vet).text.startswith("Laura, going by the voice labels:")
    # a voice that never said who it is names nobody; a statement is not asking
    unnamed = _conversation([("S1", 0.5, "Should I bring the blanket?"), ("S2", 3.0, "Yes, please.")])
    assert review("Who asks about the blanket?", "S1.", unnamed).action == "keep"
    told = _conversation([("S1", 0.5, "I'm Laura."), ("S1", 2.0, "I will bring the blanket."), ("S2", 4.0, "Good.")])
    assert review("Who asks about the blanket?", "Nobody.", told).action == "keep"


def test_the_phone_s_name_speaking_is_a_name_given():
    """fresh6's receptionist, asked "Who answers the phone?" as a new user: "S1", and nothing beside it, though
    S1 said "Good morning, Riverside Clinic, Mrs. Hannah speaking." (Whisper's "Mrs." for "this is")."""
    assert introduced_names("Good morning, Riverside Clinic, Mrs. Hannah speaking.") == ["Hannah"]
    assert introduced_names("Hello, Hannah speaking, how can I help?") == ["Hannah"]
    for nobody in ("Good morning, Riverside Clinic speaking.", "Public speaking is hard.", "Hannah is speaking now."):
        assert introduced_names(nobody) == [], nobody
    clinic = _conversation([("S1", 0.1, "Good morning, Riverside Clinic, Mrs. Hannah speaking."),
                            ("S2", 4.7, "Hi, my name is Marco.")])
    assert introductions(["S1"], clinic) == 'At 0:00:00.1 S1 says: "Good morning, Riverside Clinic, Mrs. Hannah speaking."'


def test_whose_relative_someone_is_is_read_from_the_voice_that_says_my():
    """QA test half: "Who is Priya's brother?" was answered "does not say" beside Priya's "And I'm Priya."
    The voice saying "Priya is my sister" is labelled S2, which also says "I'm Tom" and — espeak voices
    of one pitch share a label — "And I'm Priya": Priya does not call herself her sister, so it is Tom."""
    merged = _conversation([("S1", 0.5, "Hello everyone, my name is Anna."),
                            ("S2", 3.5, "Nice to meet you, Anna. I'm Tom, and I come from Glasgow."),
                            ("S2", 14.5, "And I'm Priya. Tom and I both work at the hospital."),
                            ("S2", 20.0, "Priya is my sister, actually.")])
    found = review("Who is Priya's brother?", "The video description does not say exactly.", merged)
    assert (found.action, found.text) == (
        "withhold", 'Tom, going by the voice labels: At 0:00:03.5 S2 says: "Nice to meet you, Anna. I\'m Tom, and I '
                    'come from Glasgow." At 0:00:20.0 S2 says: "Priya is my sister, actually."')
    assert review("Who is Priya's brother?", "Tom is her brother.", merged).action == "keep"
    assert review("What is the name of Tom's sister?", "Anna.", merged).text.startswith("Priya, going by")
    assert review("Who is Tom's sister?", "Priya.", merged).action == "keep"
    assert review("Who is Priya's mother?", "Anna.", merged).action == "keep"  # no line says who her mother is
    assert review("Who is Anna's brother?", "Tom.", merged).action == "keep"
    # the relation the other way round: "my daughter Mia" said by Ruth makes Ruth Mia's mother
    family = _conversation([("S1", 0.5, "I'm Ruth, and this is my daughter Mia."), ("S2", 4.0, "Hi, I'm Ben.")])
    assert review("Who is Mia's mother?", "Ben.", family).text.startswith("Ruth, going by")
    assert review("Who is Mia's father?", "Ruth.", family).action == "keep"  # (a parent: the sex is the user's word)
    assert review("Who is Ruth's daughter?", "Ben.", family).text.startswith("Mia, going by")
    assert review("Who is Ruth's son?", "She has none.", family).action == "keep"  # a daughter is no son
    # a label with two names and nothing to tell them apart names nobody; no voice labels, nobody
    two = _conversation([("S1", 0.5, "I'm Sam."), ("S1", 3.0, "I'm Omar."), ("S1", 6.0, "Lucy is my sister.")])
    assert review("Who is Lucy's brother?", "Nobody says.", two).action == "keep"
    unlabelled = Evidence([Event(start=0, end=3, module="speech", text='"I\'m Sam. Lucy is my sister."',
                                 data=SpeechData(transcript="I'm Sam. Lucy is my sister."))])
    assert review("Who is Lucy's brother?", "Nobody says.", unlabelled).action == "keep"


def test_when_no_module_reports_the_thing_the_moments_naming_it_are_attached():
    """"When does the astronaut appear?" (no detector label "astronaut"): the model's answer gave
    no time; the moment that names the astronaut is attached."""
    events = [Event(start=5.5, end=7.0, module="speech", text='S1: "This is the astronaut Eileen Collins."')]
    found = review("When does the astronaut appear?", "When S1 introduces her.", Evidence(events))
    assert found.action == "attach" and found.text == 'At 0:00:05.5 (speech): S1: "This is the astronaut Eileen Collins."'
    assert review("When does the astronaut appear?", "At 0:00:05.", Evidence(events)).action == "keep"
    assert parse_question("What is said in the second 6?").time == 6.0 and parse_question("What is said at 6?") is None


def test_a_when_answer_about_a_thing_no_module_reported_is_withheld():
    """"When do we see the bus?" → "The bus is seen at 0:01:35.0–0:02:30.0 (objects)." about a clip where
    no module reported a bus (the model copied an earlier answer's form): a time with a stamp, wrong."""
    found = review("When do we see the car?", "The car is seen at 0:00:04.0–0:00:05.0 (objects).", EVIDENCE)
    assert found.action == "withhold" and "does not" in found.text and "car" in found.text
    assert review("When is the car shown?", "When the horse runs.", EVIDENCE).action == "withhold"
    assert review("When is the car shown?", "The car is never shown.", EVIDENCE).action == "keep"
    assert review("When is the car shown?", "The video description does not say.", EVIDENCE).action == "keep"
    # "at what point" asks for a moment, as `parse_when` reads it
    assert parse_question("At what point does the horse appear?").kind == "when"
    assert review("At what point does the horse appear?", "At 0:00:04.", EVIDENCE).action == "keep"


def test_when_a_thing_no_detector_reports_appears_is_answered_from_the_lines_naming_it(described, fake_chat):
    """"¿En qué momento del vídeo se menciona la contraseña?" was translated "When does the password
    appear in the video?" and left to the model, which gave a detection's time: the lines naming the
    thing answer it (by their words only: the line nearest in meaning to an astronaut is a person)."""
    vc = VideoChat({"cache": {"enabled": False}}, chat_model=fake_chat("At 0:00:09.", "At 0:00:09.", "At 0:00:09."))
    coffee = vc.ask(described, "When does the coffee appear in the video?")
    assert coffee.path == "checked" and "(speech)" in coffee.text and "coffee" in coffee.text.lower()
    assert [c.module for c in coffee.citations] == ["speech"]
    pilot = vc.ask(described, "When does the pilot appear?")  # no line names one: the person seen, not the model's time
    assert "0:00:09" not in pilot.text and pilot.text.endswith("the detector does not tell pilots and other people apart.")


def test_a_when_said_answer_found_by_meaning_alone_says_it_is_the_nearest_moment(described, fake_chat):
    """"What time in the video do they say where the bus leaves from?" was answered with the van line (Whisper
    had lost "bus leaves"): a moment sharing no word with the question is the nearest, not the answer."""
    vc = VideoChat({"cache": {"enabled": False}}, chat_model=fake_chat())
    found = vc.ask(described, "When does someone talk about money?")
    assert found.path == "checked" and found.text.startswith("The video description does not say. The moment nearest")
    named = vc.ask(described, "When is the coffee mentioned?")
    assert named.path == "checked" and named.text.startswith("At ")


def test_evidence_attached_after_an_answer_without_a_full_stop_starts_a_sentence(described, fake_chat):
    """"1" + the voices gave "1 The speech module tells …"; a quote ending the answer keeps its own stop."""
    vc = VideoChat({"cache": {"enabled": False}}, chat_model=fake_chat("Several", 'It is said: "hello."'))
    several = vc.ask(described, "How many people are talking?")
    assert several.text.startswith("Several. The speech module tells ") and several.path == "checked"
    quoted = vc.ask(described, "How many people are speaking?")
    assert quoted.text.startswith('It is said: "hello." The speech module tells ')


def test_what_is_said_comes_after_the_verb_and_who_says_it_before():
    """"When does the guide mention the weather?" was answered with the weather line and the guide's
    name line ("Our guide today is called Oliver,"): the weather is what is asked about."""
    assert parse_when("When does the guide mention the weather?").subject == "weather"
    assert parse_when("When does Maria say she is at the station?").subject == "station"
    assert parse_when("How far into the video is the delivery van mentioned?").subject == "delivery van"
    assert parse_when("When does the horse appear?").subject == "horse"
