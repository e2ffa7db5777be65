from collections import Counter
from pathlib import Path

import pytest

from videochat_text import ConfigError, VideoChat
from videochat_text.timeline import Description, Event, ModuleRecord, Summary, VideoInfo
from devkit.evaluation import (SPLITS, ClipSpec, ModelClock, Question, QASet, Report, Result, evaluate, picture, rescore,
                               with_true_speech)
from devkit.invented import Grounds
from videochat_text.answering.citations import says_not_told
from videochat_text.answering.context import prepared

QA_PATH = Path(__file__).parent / "data" / "qa" / "qa.yaml"
CITED_TYPES = {"spoken_fact", "at_time", "when", "when_said"}


def test_the_qa_set_is_large_varied_and_split_in_balanced_halves():
    qa = QASet.load(QA_PATH)
    questions = qa.questions
    assert len(questions) >= 80 and len(qa.clips) >= 8
    wordings: dict[str, set[str]] = {}
    for q in questions:
        wordings.setdefault(q.type, set()).add(q.asked[-1])
    assert set(wordings) == {"spoken_fact", "object_presence", "count", "when", "at_time", "when_said",
                             "not_in_video", "follow_up", "two_turn"}
    assert all(len(w) >= 3 for w in wordings.values()), {t: len(w) for t, w in wordings.items()}
    assert {q.lang for q in questions} == {"en", "zh", "es", "fr", "de"}
    assert all(q.cite for q in questions if q.type in CITED_TYPES | {"two_turn"})
    # Halves balanced per type, per clip and per language (a half off by at most one).
    for key in (lambda c, q: q.type, lambda c, q: c.name, lambda c, q: q.lang):
        counts = Counter((key(c, q), q.split) for c in qa.clips for q in c.questions)
        for group in {g for g, _ in counts}:
            assert abs(counts[(group, "dev")] - counts[(group, "test")]) <= 1, (group, counts)


def test_the_qa_set_has_a_conversation_and_a_long_clip_with_when_said_questions():
    qa = QASet.load(QA_PATH)
    voices = {c.name: {line[2] for line in c.lines if len(line) == 3} for c in qa.clips}
    assert any(len(v) >= 2 for v in voices.values()), voices
    long = [c for c in qa.clips if sum(s for _, s in c.shots) >= 180]
    assert long and sum(q.type == "when_said" for q in long[0].questions) >= 3
    spoken = [t for t, _ in long[0].lines]
    assert max(b - a for a, b in zip(spoken, spoken[1:])) <= 20  # a line every ~15 s


def test_split_keeps_only_that_half():
    qa = QASet.load(QA_PATH)
    parts = {name: qa.split(name).questions for name in SPLITS}
    for name, questions in parts.items():
        assert {q.split for q in questions} == {name}
    assert len(parts["fresh"]) >= 20 and len(parts["fresh2"]) >= 20 and len(parts["fresh3"]) >= 20
    assert len(parts["fresh4"]) >= 30 and len(parts["fresh5"]) >= 25
    assert len(parts["fresh6"]) >= 35 and len(parts["fresh7"]) >= 35 and len(parts["fresh8"]) >= 35
    assert len(parts["fresh9"]) >= 35 and len(parts["fresh10"]) >= 35
    assert len(parts["fresh11"]) >= 20 and len(parts["fresh12"]) >= 35 and len(parts["fresh13"]) >= 40
    assert len(parts["fresh14"]) >= 40 and len(parts["fresh15"]) >= 45
    assert len(parts["fresh16"]) >= 45
    assert len(parts["fresh17"]) >= 45
    assert len(parts["fresh18"]) >= 45
    assert len(parts["fresh19"]) >= 50
    assert len(parts["fresh20"]) >= 50
    assert len(parts["fresh21"]) >= 50
    assert len(parts["fresh22"]) >= 50
    assert len(parts["fresh23"]) >= 50
    assert len(parts["fresh24"]) >= 50
    assert len(parts["fresh25"]) >= 50
    assert len(parts["fresh26"]) >= 50
    assert len(parts["fresh27"]) >= 50
    assert len(parts["fresh28"]) >= 50
    assert len(parts["fresh29"]) >= 50
    assert len(parts["fresh30"]) >= 50
    assert len(parts["fresh31"]) >= 50
    assert len(parts["fresh32"]) >= 50
    assert len(parts["fresh33"]) >= 50
    assert sum(len(questions) for questions in parts.values()) == len(qa.questions)
    with pytest.raises(ConfigError, match="split"):
        qa.split("train")


def test_in_languages_keeps_only_questions_asked_in_them():
    qa = QASet.load(QA_PATH)
    chinese = qa.in_languages("zh").questions
    assert len(chinese) >= 40 and {q.lang for q in chinese} == {"zh"}
    abroad = qa.in_languages("zh,es,fr,de").questions
    assert {q.lang for q in abroad} == {"zh", "es", "fr", "de"} and len(abroad) < len(qa.questions)
    assert qa.in_languages("all").questions == qa.questions
    with pytest.raises(ConfigError, match="languages"):
        qa.in_languages("en,xx")


@pytest.mark.parametrize(
    ("answer", "right"),
    [("Yes, a horse.", True), ("No, there is no horse.", False), ("The horse lives in TEXAS.", True), ("", False)],
)
def test_keyword_scoring(answer, right):
    q = Question(type="spoken_fact", split="dev", q="?", accept=["yes", "texas"], reject=["no "])
    assert q.is_right(answer) is right


@pytest.mark.parametrize(
    ("answer", "right"),
    [("There is not a dog.", True), ("No.", True), ("I know there is a dog.", False), ("Nothing but a dog.", False),
     ("Yes, a dog.", False), ("Yesterday there was no dog.", True)],
)
def test_keywords_are_whole_words(answer, right):
    """"no" is not found inside "know" or "nothing" (it once flattered answers), nor "yes" in "Yesterday"."""
    q = Question(type="object_presence", split="dev", q="Any dogs?", accept=["no", "not"], reject=["yes"])
    assert q.is_right(answer) is right


def test_longer_keywords_take_a_plural_ending():
    q = Question(type="spoken_fact", split="dev", q="?", accept=["newspaper", "cat"])
    assert q.is_right("For newspapers.") and q.is_right("The cat's bowl.") and not q.is_right("Two cats.")


def test_a_number_keyword_takes_an_ordinal_ending():
    """fresh8: "Which floor is the room on?" → "The room on the 4th floor." (accepted: fourth, four, 4)."""
    q = Question(type="spoken_fact", split="dev", q="Which floor?", accept=["fourth", "4"])
    assert q.is_right("The room on the 4th floor.") and q.is_right("Floor 4.")
    assert not q.is_right("The 14th floor.") and not q.is_right("The 4a floor.")


def test_counts_accept_a_bare_number_but_not_one_inside_another():
    q = Question(type="count", split="dev", q="How many cats?", accept=["one", "1"], reject=["2 "])
    assert q.is_right("1") and q.is_right("There is 1 cat.") and q.is_right("One.")
    assert not q.is_right("11 cats.") and not q.is_right("At 0:00:01 someone speaks.") and not q.is_right("Someone.")


def test_chinese_keywords_match_inside_a_sentence():
    q = Question(type="object_presence", split="dev", lang="zh", q="视频里有猫吗？", accept=["有"], reject=["没有"])
    assert q.is_right("是的，视频里有一只猫。") and not q.is_right("视频里没有猫。")


@pytest.mark.parametrize(
    ("answer", "right"),
    [("At 0:02:20.3 someone says the password.", True), ("About 2 minutes and 21 seconds in.", True),
     ("在 2分20秒。", True), ("A los 141 segundos.", True), ("At 0:01:20.", False), ("At 1:28:30.", False)],
)
def test_when_answers_are_right_when_they_name_a_time_in_the_stretch(answer, right):
    q = Question(type="when_said", split="test", q="When is the password said?", times=(140, 143))
    assert q.is_right(answer) is right


def _description(*lines: tuple[float, float, str, str]) -> Description:
    info = VideoInfo(path="clip.mp4", duration=180.0, fps=25.0, width=640, height=480, has_audio=True)
    return Description(video=info, events=[Event(start=a, end=b, module=m, text=t) for a, b, m, t in lines])


def test_true_speech_puts_the_clips_own_lines_in_place_of_what_was_heard():
    """`benchmarks/qa.py --speech true`: the answering measured apart from Whisper (campsite, fresh32: "…the tent
    pegs, so we borrowed some from the warden" was heard "…the tent eggs, … from the garden")."""
    spec = ClipSpec(name="campsite", shots=[("rocket", 10.0)], questions=[], lines=[
        (0.5, "Evening! I'm Tom.", "en-gb-x-gbcwmd+m1"),
        (6.0, "My son forgot the tent pegs, so we borrowed some from the warden.", "en-gb-scotland+m8"),
        (11.5, "The shop closes at six.", "en-gb-x-gbcwmd+m1")])
    heard = Description(video=VideoInfo(path="campsite.mp4", duration=14.0, fps=25.0, width=64, height=48, has_audio=True),
                        events=[Event(start=6.3, end=9.9, module="speech", text='S2: "My son forgot the tent eggs."'),
                                Event(start=0.0, end=10.0, module="objects", text="1 cup (center)")],
                        modules={"speech": ModuleRecord(evidence="heard"), "objects": ModuleRecord(evidence="seen")})
    prepared(heard)  # asked about as heard first, in the same process (a new user's try did)
    described = with_true_speech(heard, spec)
    assert "warden" in " ".join(e.text for e in prepared(described).entries)
    said = [e for e in described.events if e.module == "speech"]
    assert [(e.text, e.speaker) for e in said] == [
        ('S1: "Evening!"', "S1"), ('S1: "I\'m Tom."', "S1"),
        ('S2: "My son forgot the tent pegs, so we borrowed some from the warden."', "S2"),
        ('S1: "The shop closes at six."', "S1")]
    assert said[0].start == 0.5 and said[1].end == 5.7 and said[-1].end == 13.7  # to 0.3 s before the next line, or the end
    assert [e.module for e in described.events].count("objects") == 1  # what was seen is kept
    assert "warden" in described.summary.text and "eggs" not in described.summary.text


TOUR = _description((50.2, 52.9, "speech", "The delivery van arrives at three o'clock."),
                    (80.1, 82.5, "speech", "The library closes at seven thirty tonight."),
                    (110.0, 112.0, "speech", "My parents started the farm in 1980."),
                    (90.0, 105.0, "objects", "1 horse (center)"))


@pytest.mark.parametrize(
    ("answer", "invented"),
    [
        # What the embedded model answered in issue 17:
        ("The delivery van arrives at 12:30 PM in the city of Amsterdam.", ["time 12:30", "name Amsterdam"]),
        ("The library closes at 10:30pm.", ["time 10:30"]),
        ("Sheila is a character from the movie The Shawshank Redemption.",
         ["name Sheila", "name Shawshank", "name Redemption"]),
        ("There are 12 people talking.", ["number 12"]),
        ("The password is mentioned at 1:28:30.", ["time 1:28:30"]),
        # Facts the timeline holds, however they are written:
        ("The library closes at 7:30.", []),
        ("It arrives at 3 o'clock, at 0:00:50 in the video.", []),
        ("The farm was started in nineteen eighty.", []),
        ("We see a horse from about one minute and thirty seconds in.", []),
        ("The video does not say what the horse is called.", []),
    ],
)
def test_invented_facts_are_numbers_times_and_names_that_no_entry_holds(answer, invented):
    assert Grounds.of(TOUR).invented(answer, ["What does the horse do?"]) == invented


def test_capitals_of_german_nouns_and_french_elisions_are_no_invented_names():
    """Session 11's runs: "Doktor Patel hat Zeit am Mittag.", "Die Apfel kosten…" and "L'astronaute est…" were
    scored as inventing the names Mittag, Apfel and L'astronaute."""
    grounds = Grounds.of(TOUR)
    assert grounds.invented("Der Pferd hat Zeit am Mittag.", [], "de") == []
    assert grounds.invented("Die Apfel kosten drei.", []) == []  # German without the question's language
    assert grounds.invented("L'astronaute arrive à trois heures.", [], "fr") == []
    assert grounds.invented("L'astronaute s'appelle Sheila.", [], "fr") == ["name Sheila"]
    assert grounds.invented("Dans la ferme.", [], "fr") == []  # a French opener (the test half: "Dans la bakery.")
    assert grounds.invented("Sheila arrives at three.", [], "en") == ["name Sheila"]


def test_a_hyphened_word_quoted_from_a_line_is_no_invented_name():
    """fresh20: three answers quoting Whisper's "Hot-teed soul that the mac on the boat." were scored as inventing
    the name Hot-teed (the line's words are "hot" and "teed")."""
    grounds = Grounds.of(_description((21.3, 24.0, "speech", 'S1: "Hot-teed soul that the mac on the boat."')))
    assert grounds.invented('At 0:00:21 S1 says: "Hot-teed soul that the mac on the boat."', []) == []
    assert grounds.invented("The boat is the Sea-Star.", []) == ["name Sea-Star"]


def test_a_chinese_weekday_is_no_number():
    """fresh17: "初学者的课程在星期几？" → "星期二和星期四" (Tuesday and Thursday) was scored as inventing 2 and 4."""
    grounds = Grounds.of(TOUR)
    assert grounds.invented("星期二和星期四", [], "zh") == []
    assert grounds.invented("周三", [], "zh") == []
    assert grounds.invented("十二个人", [], "zh") == ["number 十二"]  # a number said in Chinese still counts


def test_an_address_no_entry_holds_whole_is_invented_though_each_word_is_known():
    """fresh6: "What street is the clinic on?" → "The clinic is on Riverside Street." beside "Riverside
    Clinic": "Riverside" is a line's, "street" the question's, the address nobody's."""
    clinic = Grounds.of(_description((0.1, 3.3, "speech", "Good morning, Riverside Clinic."),
                                     (10.0, 13.0, "speech", "I teach music at the school on King Street.")))
    asked = ["What street is the clinic on?"]
    assert clinic.invented("The clinic is on Riverside Street.", asked) == ["name Riverside Street"]
    assert clinic.invented("The school is on King Street.", asked) == []
    assert clinic.invented("It is the Riverside Clinic.", asked) == []


def test_a_pronoun_opening_a_french_or_spanish_answer_is_no_name():
    """"Où dois-je attacher mon vélo ?" → "Vous devez attacher votre vélo à la boulangerie." was scored invented
    ("name Vous"): the scorer knew French articles as openers, not its pronouns."""
    assert Grounds.of(TOUR).invented("Vous devez attacher votre vélo.") == []
    assert Grounds.of(TOUR).invented("Usted puede verlo.") == []
    assert Grounds.of(TOUR).invented("Vous devez appeler Bob.") == ["name Bob"]


def test_the_video_length_and_size_are_no_grounds_for_a_number():
    described = TOUR.model_copy(update={"summary": Summary(text="A 12-second video showing Whiskers.", source="merge")})
    assert Grounds.of(described).invented("Whiskers is 12 years old.") == ["number 12"]
    assert Grounds.of(described).invented("The cat is 640 years old.") == ["number 640"]


def test_a_count_given_with_the_things_it_counts_is_not_invented():
    """"How many people introduce themselves?" → "3 people say who they are: Anna, Tom, Priya.": no line
    says "3", the answer shows what it counted; a count the list does not bear out is still invented."""
    said = Grounds.of(_description((0.0, 2.0, "speech", 'S1: "Hello, everyone, my name is Anna."'),
                                   (3.0, 5.0, "speech", 'S2: "I\'m Tom, and I come from Glasgow."'),
                                   (6.0, 8.0, "speech", 'S2: "And I\'m Priya."')))
    assert said.invented("3 people say who they are: Anna, Tom, Priya.") == []
    assert said.invented("Three of them do: Anna, Tom and Priya.") == []
    assert said.invented("4 people say who they are: Anna, Tom, Priya.") == ["number 4"]
    assert said.invented("There are 3 people.") == ["number 3"]
    assert said.invented("3 people came: Anna, Bob, Priya.") == ["number 3", "name Bob"]


def test_the_question_own_words_are_never_invented():
    grounds = Grounds.of(TOUR)
    assert grounds.invented("Nothing is said about Maria at 0:02:50.", ["Is Maria mentioned at 0:02:50?"]) == []
    assert grounds.invented("Nothing is said about Maria at 0:02:50.", []) == ["time 2:50", "name Maria"]


def test_not_in_video_is_right_only_when_it_says_so_without_inventing():
    q = Question(type="not_in_video", split="dev", q="What time is lunch served?")
    assert q.is_right("The video does not say when lunch is served.")
    assert q.is_right("没有提到。") and q.is_right("No se menciona.")
    assert not q.is_right("Lunch is served at noon.")
    assert not q.is_right("It isn't said, but probably at 12:30.", invented=True)


def test_a_question_needs_accepted_answers_unless_the_video_does_not_tell():
    with pytest.raises(ValueError, match="accept"):
        Question(type="count", split="dev", q="How many cats?")
    with pytest.raises(ValueError, match="either"):
        Question(type="count", split="dev", q="How many?", turns=["a", "b"], accept=["2"])


def test_bad_qa_file_is_a_config_error(tmp_path):
    bad = tmp_path / "qa.yaml"
    bad.write_text("clips: [{name: x}]")
    with pytest.raises(ConfigError, match="qa.yaml"):
        QASet.load(bad)


def test_two_clips_of_one_name_are_a_config_error(tmp_path):
    clip = "{name: pool, shots: [[horse, 2]], questions: [{type: not_in_video, split: dev, q: Who}]}"
    twice = tmp_path / "qa.yaml"
    twice.write_text(f"clips: [{clip}, {clip}]")
    with pytest.raises(ConfigError, match="two clips are named 'pool'"):
        QASet.load(twice)


def test_side_by_side_photos_make_one_picture():
    single, double = picture("horse"), picture("horse+horse")
    assert double.shape[0] == single.shape[0] and double.shape[1] == 2 * single.shape[1]


def test_follow_ups_run_in_one_chat_score_the_last_turn_and_time_the_model(tmp_path, fake_chat):
    qa = QASet.model_validate({"clips": [{
        "name": "tiny", "shots": [["chelsea", 2]], "lines": [[0.3, "My cat is called Whiskers.", "en-us+f2"]],
        "questions": [{"type": "follow_up", "split": "test", "turns": ["Name?", "And again?"], "accept": ["whiskers"],
                       "cite": "whiskers"}]}]})
    model = fake_chat("It is a cat.", "Whiskers.")
    report = evaluate(qa, VideoChat({"cache": {"dir": str(tmp_path / "c")}}, chat_model=model), tmp_path / "m")
    (result,) = report.results
    assert result.right and result.answer == "Whiskers." and len(model.seen[-1]) == 4
    assert result.invented == []
    # Only the scored turn is timed: one model call, inside the answer's time.
    assert report.model_timed and result.model_calls == 1
    assert 0 < result.model_seconds <= result.seconds and result.overhead_seconds >= 0
    test = report.by_type("test")["all"]
    assert test["accuracy"] == 1.0 and test["citable"] == 1 and report.by_type("dev")["all"]["n"] == 0


def test_a_saved_run_is_scored_again_with_the_current_rules_without_asking(tmp_path, fake_chat):
    spec = {"name": "tiny", "shots": [["chelsea", 2]], "lines": [[0.3, "My cat is called Whiskers."]],
            "questions": [{"type": "spoken_fact", "split": "dev", "q": "Name?", "accept": ["tom"]}]}
    # The model invents an age twice (the answer and its stricter retry): the answer quotes the entry.
    vc = VideoChat({"cache": {"dir": str(tmp_path / "c")}},
                   chat_model=fake_chat("Whiskers, 7 years old.", "Whiskers, 7 years old."))
    saved = evaluate(QASet.model_validate({"clips": [spec]}), vc, tmp_path / "m").to_dict()
    assert saved["results"][0]["right"] is False and saved["results"][0]["path"] == "extractive"
    spec["questions"][0]["accept"] = ["whiskers"]
    (result,) = rescore(saved, QASet.model_validate({"clips": [spec]}), vc, tmp_path / "m").results
    assert result.right and result.answer == saved["results"][0]["answer"] and result.invented == []
    assert len(vc.chat_model.seen) == 2  # asked in the first run only (answer and retry)


def test_model_clock_times_every_model_behind_fallbacks(fake_chat):
    first, second = fake_chat("a"), fake_chat("b")
    clock = ModelClock()
    assert clock.attach(first.with_fallbacks([second]))
    first.invoke("hi")
    second.invoke("hi")
    assert clock.calls == 2 and clock.seconds > 0
    assert not ModelClock().attach(lambda x: x)


def _result(right: bool, invented: list[str], citations: list[str], path: str, split: str = "test") -> Result:
    q = Question(type="when_said", split=split, lang="zh", q="什么时候提到密码？", times=(140, 143), cite="giraffe")
    return Result("tour", q, "…", right, 1.0, 100, invented=invented, citations=citations, path=path,
                  model_seconds=0.9)


def test_report_counts_invented_answers_citation_recall_paths_and_overhead():
    report = Report([
        _result(True, [], ["Remember, the password is blue giraffe."], "model"),
        _result(False, ["time 1:28:30"], ["The library closes at seven thirty."], "model"),
        _result(True, [], ["REMEMBER THE PASSWORD IS BLUE GIRAFFE"], "extractive"),
        _result(True, [], [], "checked", split="dev"),
    ], clip_seconds={"tour": 180.0})
    test = report.by_type("test")
    assert test["all"]["n"] == 3 and test["all"]["right"] == 2
    assert test["all"]["invented"] == 1 and test["all"]["invented_share"] == 0.333
    assert test["all"]["cited"] == 2 and test["all"]["citation_recall"] == 0.667
    assert test["all"]["paths"] == {"model": 2, "extractive": 1}
    assert test["lang zh"]["n"] == 3 and test["when_said"]["n"] == 3
    assert test["all"]["overhead_p50_ms"] == 100.0
    assert report.by_type("all")["all"]["citation_recall"] == 0.5
    assert "when_said" in report.table("test") and '"invented_share": 0.333' in report.to_json()


@pytest.mark.slow
def test_answer_checks_make_presence_answers_right_with_the_embedded_model(tmp_path):
    """Measures the answer checks (`answering.checks`), not the model: every "is X shown?" question
    of the four 10–12 s clips, in every wording and language the QA set asks it (none left out
    for being hard to parse or about a thing the detector cannot name, like the rocket), asked
    of the real offline pipeline with the checks and without them (``chat.check_answers``). The
    checks must never turn a right answer wrong, never make fewer answers right than the model
    alone, and every answer they gave themselves must be right."""
    qa = QASet.load(QA_PATH)
    clips = [c.model_copy(update={"questions": [q for q in c.questions if q.type == "object_presence"]})
             for c in qa.clips if c.name in {"pets", "kitchen", "garage", "visit"}]
    cache = {"cache": {"dir": str(tmp_path / "cache")}}
    checked = evaluate(QASet(clips=clips), VideoChat(cache), tmp_path / "media")
    alone = evaluate(QASet(clips=clips), VideoChat({**cache, "chat": {"check_answers": False}}), tmp_path / "media")
    pairs = list(zip(alone.results, checked.results, strict=True))
    assert len(pairs) >= 10 and all(a.question == c.question for a, c in pairs)
    table = "\n".join(f"{c.question.asked[-1]!r}: alone {a.answer!r} ({a.right}), checked {c.answer!r} "
                      f"({c.right}, {c.path})" for a, c in pairs)
    # never right → wrong, but for a claim no module supports made honest: the 1.5B alone says "Yes, the
    # video shows a rocket." from the line "The rocket launches on Friday." (the QA key says yes; no module
    # can see a rocket), and the checks give "does not say exactly" with that line
    honest = [c for a, c in pairs if a.right and not c.right and says_not_told(c.answer) and "rocket" in c.answer]
    assert not [c for a, c in pairs if a.right and not c.right and c not in honest], table
    assert sum(c.right for _, c in pairs) >= sum(a.right for a, _ in pairs) - len(honest), table
    assert all(c.right for _, c in pairs if c.path == "checked"), table
    assert not [a for a, _ in pairs if a.path == "checked"], table  # off means off
