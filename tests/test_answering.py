"""Answers you can check: citations, verification, "when" answers, scaffolding, other languages.

The description is the real default modules' description of the test clip (person 0–4 s,
cat 4–7 s, cup 7–10 s; "Hello. This is the astronaut Eileen Collins." at 0.5 s, "My cat
is called Whiskers." at 4.3 s, "The coffee costs three dollars." at 7.3 s). Fake chat
models script the answers, so these test the orchestration; test_chat.py runs the real model.
"""

import json
import re

import pytest
from openai_stub import OpenAIStub

from videochat_text import VideoChat
from videochat_text.answering.citations import choose, says_not_told, stem
from videochat_text.answering.facts import Corpus, facts_in, unsupported
from videochat_text.answering.facts import attributes_in
from videochat_text.answering.flaws import (a_count_no_line_gives, a_reason_no_line_gives, a_person_for_a_thing, the_look_note_as_an_answer, a_detail_no_line_states, a_when_answered_without_a_time,
                                           a_measure_asked_and_not_given, a_where_answered_with_a_time,
                                           a_who_answered_with_no_one, an_hour_in_the_other_half_of_the_day, a_day_no_line_names,
                                           a_video_moment_where_a_line_says_when,
                                           a_yes_a_line_puts_elsewhere, holds_the_value_asked, a_label_for_what_no_module_reports,
                                           a_name_no_line_gives_it, a_name_question_answered_without_one,
                                           a_time_of_day_question_answered_without_one,
                                           a_line_given_to_another_voice, a_place_name_no_entry_holds,
                                           a_value_said_of_something_else, a_video_time_for_a_time_of_day,
                                           a_number_from_an_unrelated_line, a_yes_or_no_about_what_no_entry_mentions, a_yes_a_line_says_not_there,
                                           a_who_about_what_no_entry_mentions,
                                           a_voice_label_no_line_of_it_supports, the_one_done_to_as_the_doer,
                                           the_opposite_of_what_a_line_says,
                                           a_line_given_to_whom_it_addresses, two_voices_said_to_be_one,
                                           a_doer_the_line_speaks_to, an_amount_of_what_no_entry_mentions,
                                           a_voice_given_what_it_said_of_another,
                                           a_name_given_what_its_voice_said_of_another,
                                           an_attribute_of_something_else,
                                           another_line_says_it,
                                           contradicts_itself, moment_words,
                                           names_a_voice_label, names_the_wrong_video, not_told_though_said,
                                           repeats_an_earlier_answer, repeats_question, says_nothing_new, stems,
                                           unrelated_sources, words_by_video, words_no_entry_holds)
from videochat_text.answering.language import PHRASES, is_translation, keeps_specifics, question_language, reads_as
from videochat_text.answering.scaffolding import strip
from videochat_text.answering.checks import answer_times, introduced_names
from videochat_text.answering.questions import with_time_resolved
from videochat_text.answering.session import STRICT_ENTRIES
from videochat_text.answering.when import parse_when
from videochat_text.cli import app
from videochat_text.payloads import SpeechData
from videochat_text.prompt import dialogue_text
from videochat_text.timeline import SUMMARY_MODULE, Description, Event, VideoInfo

NO_CACHE = {"cache": {"enabled": False}}


def _speech(description):
    return [e for e in description.events if e.module == "speech"]


def test_an_answer_cites_the_entry_its_facts_come_from(described, fake_chat):
    answer = VideoChat(NO_CACHE, chat_model=fake_chat("The coffee costs three dollars.")).ask(
        described, "How much is the coffee?")
    assert answer.path == "model" and 1 <= len(answer.citations) <= 5
    first = answer.citations[0]
    assert first.module == "speech" and "three dollars" in first.text and 7 <= first.start <= 8
    assert first.event_ids and all(described.event(i) is not None for i in first.event_ids)


def test_an_answer_that_says_the_description_does_not_tell_cites_nothing(described, fake_chat):
    answer = VideoChat(NO_CACHE, chat_model=fake_chat("The video description does not say.")).ask(
        described, "What is the astronaut's favourite food?")
    assert answer.citations == [] and says_not_told(answer.text)


def test_an_invented_fact_is_retried_with_the_cited_entries_then_kept_when_supported(described, fake_chat):
    model = fake_chat("The coffee costs twelve dollars in Amsterdam.", "The coffee costs three dollars.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "How much does the coffee cost?")
    assert answer.text == "The coffee costs three dollars." and answer.path == "retried"
    first = " ".join(str(m.content) for m in model.seen[0])
    strict = model.seen[1][-1].content  # the second try holds only the best entries
    shown = _entry_lines(strict.split("</video_description>")[0])
    assert strict.startswith("Here are the only parts of the video description that matter")
    assert 1 <= len(shown) <= STRICT_ENTRIES < len(_entry_lines(first))  # fewer than the whole description
    assert any("three dollars" in line for line in shown)  # with the entry the fact is in
    assert all(line.split(": ", 1)[0] in first for line in shown)  # the description's own entries
    assert answer.citations and "three dollars" in answer.citations[0].text


def _entry_lines(text: str) -> list[str]:
    """The timeline lines (``[0:00:07.3–0:00:09.1] speech: …``) in a prompt's text."""
    return re.findall(r"^\[\d+:\d\d:\d\d\.\d–\d+:\d\d:\d\d\.\d\] .*$", text, re.MULTILINE)


def test_an_answer_that_invents_twice_quotes_the_best_entry_with_its_time(described, fake_chat):
    model = fake_chat("The cat is called Sheila, from Shawshank.", "Her name is Sheila.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "What is the cat called?")
    assert answer.path == "extractive" and "Sheila" not in answer.text
    assert answer.text.startswith("The video description does not say exactly; the closest it has: At 0:00:04 ")
    assert re.search(r"At 0:00:04 (someone|S1) says:", answer.text) and "whiskers" in answer.text.lower()
    assert [c.module for c in answer.citations] == ["speech"]


def test_scaffolding_never_reaches_the_answer(described, fake_chat):
    echoed = "The video shows a cat (center) — boxes: cat 0.45 [163, 278, 98, 99] <video_description>"
    answer = VideoChat(NO_CACHE, chat_model=fake_chat(echoed)).ask(described, "What animal is shown?")
    assert answer.text == "The video shows a cat (center)"
    assert strip("Yes, a bear (0.45) is there. </video_description>") == "Yes, a bear is there."


def test_when_questions_are_answered_from_the_timeline_without_the_model(described, fake_chat):
    model = fake_chat("It is mentioned at 1:28:30.")
    vc = VideoChat(NO_CACHE, chat_model=model)
    for question in ["At what point in the video is the coffee price mentioned?",
                     "When does someone talk about the coffee?", "How far into the video is the coffee mentioned?"]:
        answer = vc.ask(described, question)
        assert answer.path == "checked" and answer.text.startswith("At 0:00:07 (speech)"), (question, answer)
        assert [c.module for c in answer.citations] == ["speech"]
    assert model.seen == []  # never asked: nothing to invent
    assert parse_when("When does the rocket launch?") is None  # a fact said in the video: the model's


def test_questions_in_chinese_and_spanish_are_searched_in_english_and_answered_in_their_language(described, fake_chat):
    model = fake_chat("What is the cat's name?", "猫的名字是 Whiskers。", "How much does the coffee cost?",
                      "El café cuesta tres dólares.")
    vc = VideoChat(NO_CACHE, chat_model=model)
    chinese = vc.ask(described, "猫叫什么名字？")
    assert chinese.text == "猫的名字是 Whiskers。" and "whiskers" in chinese.citations[0].text.lower()
    spanish = vc.ask(described, "¿Cuánto cuesta el café?")
    assert spanish.text == "El café cuesta tres dólares." and "three dollars" in spanish.citations[0].text
    assert question_language("视频里有自行车吗？") == "zh" and question_language("¿Hay un gato?") == "es"
    assert question_language("Is there a cat in the video?") == "en"


def test_a_question_in_another_language_is_put_to_the_model_in_english_and_answered_in_its_own(described, fake_chat):
    """Asked as asked, answers in other languages escaped every check that reads English words: fresh28's "¿Dónde
    está el grifo de agua?" → "El grifo de agua está en la parte inferior izquierda del edificio." beside "…the
    water tap is next to the shade, by the gate."; fresh9's "Die Video-Deskriptur hat nicht sagen." where the
    English question got the price. The model is asked the English translation; its answer is translated back."""
    model = fake_chat("How much does the coffee cost?", "The coffee costs three dollars.", "Der Kaffee kostet drei Dollar.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "Wie viel kostet der Kaffee?")
    assert "How much does the coffee cost?" in model.seen[0][-1].content and "Wie viel" not in model.seen[0][-1].content
    assert answer.text == "Der Kaffee kostet drei Dollar." and "three dollars" in answer.citations[0].text
    # its English answer meets the English checks: a place no entry holds is withheld before it is translated
    invented = fake_chat("Where is the coffee?", *["The coffee is in the bottom left corner of the building."] * 12)
    withheld = VideoChat(NO_CACHE, chat_model=invented).ask(described, "¿Dónde está el café?")
    assert "building" not in withheld.text and "edificio" not in withheld.text and withheld.path == "extractive"
    # unchecked, the model is asked as the user asked
    raw = fake_chat("How much does the coffee cost?", "Der Kaffee kostet drei Dollar.")
    VideoChat({**NO_CACHE, "chat": {"check_answers": False}}, chat_model=raw).ask(described, "Wie viel kostet der Kaffee?")
    assert "Wie viel kostet der Kaffee?" in raw.seen[0][-1].content


def test_an_english_answer_whose_translation_loses_its_number_stays_english(described, fake_chat):
    model = fake_chat("How much does the coffee cost?", "Die Videobeschreibung sagt das nicht.",
                      "The coffee costs 3 dollars.", "Der Kaffee kostet Dollar.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "Wie viel kostet der Kaffee?")
    assert answer.text == "The coffee costs 3 dollars."


def test_a_when_question_in_chinese_gets_the_time_in_chinese(described, fake_chat):
    model = fake_chat("When is the coffee price mentioned in the video?")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "视频中什么时候提到咖啡的价格？")
    assert answer.path == "checked" and answer.text.startswith("在 0:00:07")


@pytest.mark.parametrize(("answer", "invented"), [
    ("The library closes at 10:30pm.", ["10:30"]),
    ("The library closes at seven thirty.", []),
    ("There are 12 people talking.", ["12"]),
    ("Sheila is a character from the movie The Shawshank Redemption.", ["Sheila", "Shawshank", "Redemption"]),
    ("It is said at 0:00:04.", []),
    ("It is said at 1:28:30.", ["1:28:30"]),
])
def test_facts_not_in_the_timeline_are_found(answer, invented):
    entries = [Event(start=4.0, end=6.0, module="speech", text='"The library closes at seven thirty tonight."'),
               Event(start=0.0, end=3.0, module="objects", text="2 people (left, center)")]
    assert [f.text for f in unsupported(answer, Corpus.of(entries))] == invented
    assert {f.kind for f in facts_in("At 3:00 Anna paid 5 euros.")} == {"time", "name", "number", "quantity"}


def test_a_name_said_with_a_possessive_supports_the_name():
    """fresh30 (unseen): "Who reads stories to the children?" → "Ruth Reed" was withheld as naming "Reed", found in
    no entry, beside Whisper's "On Saturday morning my colleague Ruth Reed's story is to the children."."""
    corpus = Corpus.of([Event(start=27.2, end=31.2, module="speech",
                              text='S1: "On Saturday morning my colleague Ruth Reed’s story is to the children."'),
                        Event(start=2.8, end=6.2, module="speech", text='S1: "I\'m Omar, and Omar\'s books are here."')])
    assert unsupported("Ruth Reed", corpus) == [] and unsupported("Omar looks after them.", corpus) == []
    assert [f.text for f in unsupported("Ruth Reeves", corpus)] == ["Reeves"]
    # and a name given with a possessive is the name a line says bare (fresh32: "Graham's son forgot the tent pegs."
    # beside "…I'm Graham, we came up from Leeds…" had been withheld as naming "Graham's")
    corpus = Corpus.of([Event(start=6.3, end=10.3, module="speech", text='S2: "Hello Tom, I\'m Graham, we came up from Leeds."')])
    assert unsupported("Graham's son forgot the tent pegs.", corpus) == []
    assert [f.text for f in unsupported("Gordon's son forgot the tent pegs.", corpus)] == ["Gordon's"]


def test_a_number_is_supported_with_its_unit_only_by_an_entry_giving_it_that_unit():
    """QA dev half: "How long did she train for?" → "1 year" beside "She trained in Houston for two years.":
    the "1" of "1 person (center)" made it look supported."""
    corpus = Corpus.of([Event(start=5.0, end=8.0, module="speech", text='S1: "She trained in Houston for two years."'),
                        Event(start=0.0, end=1.0, module="objects", text="1 person (center)"),
                        Event(start=9.0, end=11.0, module="speech", text='"The train is delayed by 20 minutes."')])
    assert [(f.kind, f.text) for f in unsupported("1 year", corpus)] == [("quantity", "1 year")]
    assert [f.text for f in unsupported("She trained for one year.", corpus)] == ["one year"]
    for supported in ("Two years.", "She trained for 2 years.", "It is delayed by twenty minutes.",
                      "A person is seen 1 minute into the video."):
        assert unsupported(supported, corpus) == [], supported
    assert [f.kind for f in unsupported("The delay is 20 years.", corpus)] == ["quantity"]  # 20, not in years
    # a clock time on the hour is the hour said: fresh8's "…starts at 7:00…" beside "from 7 to 10"
    breakfast = Corpus.of([Event(start=14.0, end=18.0, module="speech",
                                 text='"Yes, breakfast is from 7 to 10 in the garden restaurant."')])
    assert unsupported("Breakfast starts at 7:00.", breakfast) == []
    assert [f.text for f in unsupported("Breakfast starts at 7:30.", breakfast)] == ["7:30"]
    # a price: fresh8's "How much does the room cost?" → "The room costs $12." beside "room twelve"
    hotel = Corpus.of([Event(start=6.0, end=10.0, module="speech", text='"You are in room twelve."'),
                       Event(start=11.0, end=13.0, module="speech", text='"The coffee costs three dollars."')])
    assert [(f.kind, f.text) for f in unsupported("The room costs $12.", hotel)] == [("quantity", "$12")]
    assert unsupported("The coffee costs $3.", hotel) == [] and unsupported("It is room 12.", hotel) == []


def test_a_weekday_or_month_in_another_language_is_supported_only_by_an_entry_saying_it():
    """fresh24: "Quel jour vont-ils prendre un café ?" → "Le café sera organisé le samedi à 11h." beside "Let's meet
    for coffee on Sunday."; over the 1,386 saved answers the same finds four more days no entry says (fresh4's
    "…cada sábado", fresh9's "…el viernes", fresh13's "星期二", fresh20's "…le vendredi"), each a wrong answer."""
    coffee = Corpus.of([Event(start=22.5, end=26.0, module="speech", text='S1: "Let\'s meet for coffee on Sunday."'),
                        Event(start=27.5, end=30.0, module="speech", text='S2: "Great, at the cafe by the station, at eleven."')])
    for invented, day in (("Le café sera organisé le samedi à 11h.", "samedi"), ("Am Samstag um elf.", "Samstag"),
                          ("El sábado.", "sábado"), ("星期六见面。", "星期六"),
                          ("Abre todos los sábados.", "sábados"), ("Samstags.", "Samstags")):
        assert [f.text for f in unsupported(invented, coffee, names=False) if f.kind == "date"] == [day], invented
    for told in ("Le café est dimanche à 11 heures.", "Am Sonntag.", "El domingo a las once.", "星期天。", "周日见。",
                 "On Sunday.", "Los domingos.", "Les dimanches.", "Sonntags."):
        assert unsupported(told, coffee, names=False) == [], told
    # a month: "¿Qué día deben volver?" → "…el 10 de mayo" where no month is said (fresh16, session 14's note)
    assert [f.text for f in unsupported("Deben volver el 10 de mayo.", coffee, names=False) if f.kind == "date"] == ["mayo"]
    moved = Corpus.of([Event(start=11.0, end=15.0, module="speech", text='S1: "No, I moved to Cardiff in March."')])
    for told in ("Elle a déménagé en mars.", "Im März.", "En marzo."):
        assert unsupported(told, moved, names=False) == [], told


def test_an_age_is_supported_only_by_a_line_that_speaks_of_an_age():
    """fresh24 (asked before it was read): "How old is Raj's daughter?" → "Raj's daughter is 10 years old." beside
    "I haven't seen you in 10 years", and "How old is Paolo?" → "Paolo is 3 weeks old." beside Whisper's "3 weeks
    after we've been in the lobby" (a concert with "the old church"): "old", the unit and the number anywhere
    had made the age look supported."""
    said = [Event(start=5.3, end=10.0, module="speech", text='S1: "Hannah, I haven\'t seen you in 10 years."'),
            Event(start=17.0, end=22.0, module="speech", text='S1: "We used to play in the old church."'),
            Event(start=27.8, end=30.7, module="speech", text='S1: "3 weeks after we\'ve been in the lobby."')]
    corpus = Corpus.of(said)
    for answer in ("Raj's daughter is 10 years old.", "Paolo is 3 weeks old."):
        assert "age" in [f.kind for f in unsupported(answer, corpus)], answer
    aged = Corpus.of(said + [Event(start=31.0, end=33.0, module="speech", text='S2: "My girl is ten years old now."'),
                             Event(start=34.0, end=36.0, module="speech", text='S2: "Paolo turns 3 weeks today."')])
    assert "age" not in [f.kind for f in unsupported("Raj's daughter is 10 years old.", aged)]
    assert "age" not in [f.kind for f in unsupported("Paolo is 3 weeks old.", aged)]
    # an age said without a number (fresh16: "He is a year old and he sleeps all day.")
    biscuit = Corpus.of([Event(start=11.1, end=14.0, module="speech", text='S1: "He is a year old and he sleeps all day."')])
    assert "age" not in [f.kind for f in unsupported("Biscuit is a year old.", biscuit)]
    assert "age" in [f.kind for f in unsupported("Biscuit is a year old.", corpus)]


def test_the_summarys_numbers_do_not_support_an_answer_but_its_words_do():
    """A summary's speaking time ("S1 (7 s)") once made "The cat is 7 years old." look supported."""
    entries = [Event(start=0.0, end=2.8, module="speech", text='S1: "My cat is called Whiskers."')]
    summary = 'A 12-second video, with 1 speaker: S1 (7 s), showing cat (from 0:00:00.0), Whiskers.'
    corpus = Corpus.of(entries, about=[summary])
    assert [f.text for f in unsupported("The cat is 7 years old.", corpus)] == ["7", "7 years old"]
    assert unsupported("It is shown from 0:00:00.", corpus) == [] and corpus.supports(facts_in("Whiskers")[0])
    # A stretch's summary in the timeline, likewise: "S1 (10 s)" once made "$10" look supported.
    stretch = Event(start=0.0, end=120.0, module=SUMMARY_MODULE,
                    text='The stretch 0:00:00.0–0:02:00.0, with 1 speaker: S1 (10 s), in which S1 says: "Please keep '
                         'your tickets." (and 6 more lines), showing person (from 0:00:00.0).')
    corpus = Corpus.of([*entries, stretch])
    assert [f.text for f in unsupported("The tickets cost $10.", corpus)] == ["10", "$10"]  # the number, and the price
    assert unsupported("The tickets are mentioned from 0:00:00.", corpus) == []


def test_citations_prefer_what_the_answer_adds_and_stay_few():
    entries = [Event(start=i, end=i + 1, module="speech", text=f'"Line {i} about apples."') for i in range(8)]
    entries.append(Event(start=9, end=10, module="speech", text='"The password is blue giraffe."'))
    assert choose(entries, "What is the password?", "The password is blue giraffe.") == [8]
    assert len(choose(entries, "What about apples?", "Apples are mentioned often, apples.")) <= 5


def test_a_name_answering_who_cites_the_line_saying_what_was_done_too():
    """fresh11 (read): "Who has a son?" → "Daniel" had cited "Of course, I'm Daniel," only; the name rests as
    much on "…my son needs it to paint the garage." (fresh6's dentist, fresh9's bike, fresh14's meat alike)."""
    entries = [_said("Morning! I'm Ruth from number twelve. Could I borrow your ladder?", 0.5, 5.0, "S1"),
               _said("Of course, I'm Daniel,", 5.5, 7.0, "S2"),
               _said("Take it until Sunday, my son needs it to paint the garage.", 15.5, 19.0, "S2")]
    assert choose(entries, "Who has a son?", "Daniel") == [1, 2]
    assert choose(entries, "Who has a son?", "The video description does not say.") == []
    # a "does not say" quoting a line cites that line, as the answer made from the timeline does (a model in a
    # chat copies that wording: a new user's try, session 15); a line only partly quoted, or none, is not cited
    nearest = 'The video description does not say. The moment nearest in meaning: At 0:00:15 S2 says: "{}"'
    assert choose(entries, "Why does he need it?", nearest.format(entries[2].transcript)) == [2]
    assert choose(entries, "Why does he need it?", nearest.format("Take it until Sunday")) == []
    # the names in the question are no deed: "Who is visiting Ruth?" → "Daniel" cites no line only naming Ruth
    assert choose(entries, "Who is visiting Ruth?", "Daniel") == [1]
    # a longer answer rests on its own words; a question not asking who is left as it was
    assert choose(entries, "Who has a son?", "Daniel, whose son will paint the garage on Sunday.") == [2]
    assert choose(entries, "What does the son paint?", "Daniel") == [1]



def test_a_name_asked_for_by_role_or_relation_cites_the_line_saying_it():
    """fresh5 (read): "What is the name of the music teacher?" → "Omar" had cited "And I'm Omar." only, not the
    line about teaching music; a relative is said in the family's other word ("Priya is my sister" for her
    brother) or the other way round ("my daughter Rosa" for her father)."""
    entries = [_said("Hi, I'm Lucy.", 0.5, 1.5, "S1"),
               _said("And I'm Omar.", 2.0, 3.0, "S2"),
               _said("I teach music at the school on King Street.", 3.5, 6.0, "S2"),
               _said("Priya is my sister, actually.", 7.0, 9.0, "S2"),
               _said("My daughter Rosa wants to help on Saturday.", 10.0, 12.0, "S2"),
               _said("My mother lives in Leeds.", 13.0, 14.0, "S1")]
    assert choose(entries, "What is the name of the music teacher?", "Omar") == [1, 2]
    assert choose(entries, "What's the music teacher called?", "Omar") == [1, 2]
    assert choose(entries, "Who is Priya's brother?", "Priya's brother is Omar.") == [1, 3]
    assert choose(entries, "Who is Rosa's father?", "Omar") == [1, 4]
    # the exact word goes before its family: "Who has a daughter?" rests on "my daughter", not "my mother"
    assert choose(entries, "Who has a daughter?", "Omar") == [1, 4]
    # a question asking for no name is left as it was
    assert choose(entries, "What does the music teacher teach?", "Omar") == [1]

def test_an_answer_in_another_language_cites_the_entry_giving_its_weekday_or_number():
    """fresh17's "Seit wann tropft das Rohr?" → "Seit Sonntag" (its translation, "When does the pipe break?",
    shares no word with Whisper's line) and the dev half's "…arrive à trois heures." were given with no citation."""
    entries = [_said("Hi, I'm Grace, my kitchen sink has been leaking since Sunday.", 0.2, 5.0, "S1"),
               _said("The delivery van arrived at three o'clock.", 6.0, 9.0, "S1"),
               _said("See you next Monday.", 10.0, 11.0, "S2"),
               Event(start=12.0, end=13.0, module="objects", text="1 person (center)")]
    assert choose(entries, "Seit wann tropft das Rohr? When does the pipe break?", "Seit Sonntag",
                  same_language=False) == [0]
    assert choose(entries, "À quelle heure arrive la camionnette ? At what time does the truck come?",
                  "Elle arrive à trois heures.", same_language=False) == [1]
    assert choose(entries, "¿Qué día se verán? What day will they meet?", "El próximo lunes.", same_language=False) == [2]
    assert choose(entries, "他们哪天见面？ What day will they meet?", "星期一。", same_language=False) == [2]
    assert choose(entries, "Qu'a-t-il ? What does he have?", "Un vélo neuf.", same_language=False) == []  # "un" is "a"


def test_cli_ask_prints_sources_and_json(speech_clip, tmp_path):
    from typer.testing import CliRunner
    import yaml

    with OpenAIStub("The coffee costs three dollars.") as stub:
        config = tmp_path / "c.yaml"
        config.write_text(yaml.safe_dump({"cache": {"dir": str(tmp_path / "cache")},
                                          "chat": {"provider": "openai", "base_url": stub.base_url, "model": "stub"}}))
        runner = CliRunner()
        text = runner.invoke(app, ["ask", str(speech_clip), "How much is the coffee?", "--config", str(config)])
        assert text.exit_code == 0, text.output
        lines = text.stdout.strip().splitlines()
        assert lines[0] == "The coffee costs three dollars." and lines[1] == "Sources:"
        assert lines[2].strip().startswith("[0:00:07") and "speech:" in lines[2] and "three dollars" in lines[2]
        as_json = runner.invoke(app, ["ask", str(speech_clip), "How much is the coffee?", "--config", str(config),
                                      "--format", "json"])
        payload = json.loads(as_json.stdout)
        assert payload["answer"] == "The coffee costs three dollars."
        assert set(payload["citations"][0]) == {"start", "end", "module", "text"}


@pytest.mark.parametrize(("question", "language"), [
    ("Comment s'appelle le chat ?", "fr"), ("Où dois-je attacher mon vélo ?", "fr"),
    ("Wo wohnt Anna jetzt?", "de"), ("Wie heißt die Katze?", "de"), ("¿Dónde vive Ana ahora?", "es"),
    ("我应该把自行车锁在哪里？", "zh"), ("猫の名前は何ですか？", "ja"), ("Where should I lock my bike?", "en"),
    ("Is Maria in Boston?", "en"), ("0:06?", "en"),
])
def test_the_question_language_is_identified_by_a_real_identifier(question, language):
    """Issue 22: French questions were read as Spanish, German as English (a Spanish word ratio)."""
    assert question_language(question) == language


def test_german_nouns_are_not_invented_names_and_attributes_need_an_entry(described, fake_chat):
    model = fake_chat("What does the person say at the start?", "Die Person sagt Hallo und stellt die Astronautin vor.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(
        described, "Was sagt die Person am Anfang?")
    assert answer.path == "model"  # "Person", "Hallo", "Astronautin" are nouns, not invented names
    entries = [Event(start=0, end=2, module="speech", text='"This motorcycle is red and very fast."')]
    assert [f.text for f in unsupported("La moto est rouge et la voiture est bleue.", Corpus.of(entries))] == ["bleue"]
    assert [f.text for f in unsupported("The woman looks happy.", Corpus.of(entries))] == ["happy", "woman"]


def test_an_answer_naming_a_colour_no_module_reports_says_the_description_does_not_say(described, fake_chat):
    model = fake_chat("The cup is blue.", "It is a blue cup.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "What color is the cup?")
    assert "blue" not in answer.text and answer.text.startswith("The video description does not say")


def test_an_echoed_question_or_a_self_contradiction_is_never_shown(described, fake_chat):
    """Issue 22: "Where should I lock my bike?" came back as itself; "Is there a dog?" as "No, …
    The video description only mentions dogs and bicycles, …"."""
    model = fake_chat("Where is the coffee from?", "The coffee costs three dollars.")
    echo = VideoChat(NO_CACHE, chat_model=model).ask(described, "Where is the coffee from?")
    assert echo.text == "The coffee costs three dollars." and echo.path == "retried"
    assert repeats_question("我应该把自行车锁在哪里？", "我应该把自行车锁在哪里？")
    assert repeats_question("有几只猫？", "有几只猫？")  # seen in the QA run: a question opening with 有 ("is there")
    assert not repeats_question("Maria is in Boston.", "Is Maria in Boston?")
    assert repeats_question("after that", "And after that?")  # most of the question, word for word
    assert not repeats_question("Whiskers", "Is the cat called Whiskers?")
    assert not repeats_question("In Texas.", "Where in Texas does the horse live?")
    assert contradicts_itself("No, there is not a dog in the video. The video description only mentions dogs and "
                              "bicycles, but does not provide any information about dogs or bicycles.")
    assert not contradicts_itself("No. The video shows a cat, not a dog.")
    assert names_a_voice_label("The cat's name is S1.") and names_a_voice_label('She is called "S2".')
    assert not names_a_voice_label("S1 says the cat is called Whiskers.")
    assert not names_a_voice_label("My name is Sam.")
    moments = words_by_video(['video "site_visit": S1: "The meeting room is on the fourth floor."',
                              'video "interview_anna": S1: "The password is pineapple."'])
    asked = "Which video mentions a password?"
    assert names_the_wrong_video('The video "site_visit" mentions a password.', asked, moments) == "site_visit"
    assert names_the_wrong_video('The video "interview_anna" mentions a password.', asked, moments) is None
    assert names_the_wrong_video("The password is pineapple.", "What is the password?", moments) is None


def test_two_speakers_are_shown_to_the_model_as_a_dialogue():
    said = [("S1", "Hello everyone, my name is Anna."), ("S2", "Nice to meet you, Anna. I'm Tom."),
            ("S1", "I was born in Lisbon,"), ("S1", "but these days I live in Berlin.")]
    events = [Event(start=i, end=i + 1, module="speech", text=f'{who}: "{words}"',
                    data=SpeechData(speaker=who, transcript=words)) for i, (who, words) in enumerate(said)]
    events.append(Event(start=1.5, end=2, module="objects", text="1 person (center)"))
    assert dialogue_text(sorted(events, key=lambda e: e.start)) == "\n".join([
        "Dialogue (who said what, in order):", 'S1: "Hello everyone, my name is Anna."',
        'S2: "Nice to meet you, Anna. I\'m Tom."', 'S1: "I was born in Lisbon, but these days I live in Berlin."'])
    assert dialogue_text(events[:1]) == ""  # one narrator: the timeline lines are enough


def test_found_on_the_qa_test_half_a_story_when_and_a_french_opener():
    """Both seen in the QA run's test half after the rules were written (so not held out since):
    "When will they see each other?" was answered with the time a person is seen, and a French
    answer opening with a verb ("Attachez …") had that verb taken for an invented name."""
    assert parse_when("When will they see each other?") is None
    entries = [Event(start=0, end=2, module="speech", text='"Please lock your bicycle near the bakery."')]
    assert unsupported("Attachez votre vélo près de la bakery.", Corpus.of(entries), openers_are_names=False) == []
    assert [f.text for f in unsupported("Sheila locks it.", Corpus.of(entries))] == ["Sheila"]


def test_a_yes_restating_the_question_is_an_answer_not_an_echo(described, fake_chat):
    """Seen in the QA run: "Yes, there is a motorcycle in the video." was taken for the question
    "Is there a motorcycle in the video?" given back."""
    assert not repeats_question("Yes, there is a motorcycle in the video.", "Is there a motorcycle in the video?")
    answer = VideoChat(NO_CACHE, chat_model=fake_chat("Yes, there is a cat in the video.")).ask(
        described, "Is there a cat in the video?")
    assert (answer.text, answer.path) == ("Yes, there is a cat in the video.", "model")
    brown = fake_chat("Yes, a brown cat is in the video.", "Yes, the brown cat.")
    answer = VideoChat(NO_CACHE, chat_model=brown).ask(described, "Is there a cat in the video?")
    assert answer.text.startswith("Yes: a cat is seen at 0:00:04") and "brown" not in answer.text


@pytest.mark.parametrize("answer, question", [
    ("The photographer works for a newspaper.", "Which newspaper does the photographer work for?"),
    ("Priya's brother is Priya.", "Who is Priya's brother?"),
    ("There are cats.", "How many cats are there?"),
    ("Le chat est un chat.", "Quel est le chat ?"),
    ("El café.", "¿Cómo se llama el café?"),  # a user's first try (session 5): the thing asked for, no name
    ("Le chat.", "Comment s'appelle le chat ?"), ("Die Katze heißt die Katze.", "Wie heißt die Katze?"),
    ("Lehrer ist ein Lehrer.", "Wer ist Lehrer?"),  # fresh26, read: German articles are no words either
    ("Es una profesora.", "¿Quién es profesora?"),
])
def test_an_answer_that_only_restates_a_wh_question_says_nothing_new(answer, question):
    assert says_nothing_new(answer, question)


@pytest.mark.parametrize("answer, question", [
    ("The horse lives on a farm.", "Where does the horse live?"),
    ("No, there is no dog.", "Is there a dog?"),  # a yes/no question is answered by the yes or no
    ("3", "How many cats are there?"),
    ("The video description does not say.", "Which newspaper does the photographer work for?"),
    ("Whiskers.", "¿Cómo se llama el gato?"),
    # fresh14 (read after its run): the voice that said the line, whose digit stems() reads as the question's "one"
    ("S1", "Who says that one of them doesn't eat meat?"),
    ("Sam ist ein Lehrer.", "Wer ist Lehrer?"),
])
def test_an_answer_that_adds_something_is_not_a_restatement(answer, question):
    assert not says_nothing_new(answer, question)


def test_bare_voice_labels_answer_only_questions_about_who_spoke():
    """Seen on the QA set: "¿Cómo se llama el gato?" → "S1"; "Who bakes bread every morning?" → "S1"
    (the line says "My mother bakes bread here every morning.")."""
    assert names_a_voice_label("S1", "What is the cat's name?")
    assert names_a_voice_label("S1, S2", "What day will they meet?")
    assert names_a_voice_label("S1.", "Who bakes bread every morning?")
    assert not names_a_voice_label("S1", "Who says hello?")
    assert not names_a_voice_label("S2 and S1.", "Which speakers talk about the weather?")


def test_an_earlier_answer_copied_for_another_question_is_a_flaw():
    earlier = [("When does the tour start?", "The tour starts at nine.")]
    assert repeats_an_earlier_answer("The tour starts at nine.", "How much do the tickets cost?", earlier)
    assert not repeats_an_earlier_answer("The tour starts at nine.", "When does the tour start?", earlier)  # asked again
    assert not repeats_an_earlier_answer("No, there is no dog.", "Is there a dog?", [("Is there a cat?", "No, there is no cat.")])
    assert not repeats_an_earlier_answer("The tour starts at nine.", "And what was it again?", earlier)  # asked again
    assert not repeats_an_earlier_answer("The tour starts at nine.", "And?", earlier)


def test_a_restated_question_or_a_copied_answer_is_asked_again(described, fake_chat):
    model = fake_chat("The astronaut's name is the astronaut.", "The astronaut is Eileen Collins.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "What is the astronaut's name?")
    assert (answer.text, answer.path) == ("The astronaut is Eileen Collins.", "retried")
    model = fake_chat("The coffee costs three dollars.", "The coffee costs three dollars.", "My cat is Whiskers.",
                      "My cat is Whiskers.")
    session = VideoChat(NO_CACHE, chat_model=model).chat(described)
    assert session.ask("How much is the coffee?").text == "The coffee costs three dollars."
    copied = session.ask("What is the cat called?")  # the model copies its first answer, then gets it right
    assert (copied.text, copied.path) == ("My cat is Whiskers.", "retried")


def test_a_sentence_restating_the_question_is_held_until_the_answer_follows(described, fake_chat):
    """A streamed answer may open by restating the question: it is given with the sentence after it."""
    model = fake_chat("The name of the astronaut in the video. It is Eileen Collins.")
    stream = VideoChat(NO_CACHE, chat_model=model).chat(described).stream("What is the astronaut's name?")
    chunks = list(stream)
    assert chunks == ["The name of the astronaut in the video. It is Eileen Collins."] and stream.answer.path == "model"


@pytest.mark.parametrize("key", ["not_told", "nearest", "not_exactly", "not_said", "not_detected"])
def test_every_does_not_say_sentence_of_ours_is_read_as_one_in_every_language(key):
    """French and German ones were not: such an answer was cited, and never found flawed."""
    values = {"thing": "a cat", "label": "cat", "modules": "objects", "every": "1 s", "others": "person"}
    for language, template in PHRASES[key].items():
        assert says_not_told(template.format(**values)), (key, language)


@pytest.mark.parametrize(("answer", "not_told"), [
    ("Die Video-Deskriptur hat nicht sagen.", True),  # the embedded 0.5B's, asked "Was unterrichtet Omar?"
    ("Die Beschreibung erwähnt den Preis nicht.", True), ("Dazu gibt es keine Angaben.", True),
    ("La vidéo ne mentionne pas le prix.", True), ("Ce n'est pas précisé.", True),
    ("No se menciona el precio.", True), ("Il video non dice il nome.", True),
    ("Anna wohnt nicht mehr in Lissabon.", False), ("Das Video zeigt keine Katze.", False),
    ("Le chat n'est pas noir.", False), ("Tom sagt, er kommt nicht.", False),
])
def test_an_answer_saying_the_video_does_not_tell_is_recognised_in_other_languages(answer, not_told):
    assert says_not_told(answer) is not_told


def test_a_german_does_not_say_beside_a_line_that_says_it_is_asked_again(described, fake_chat):
    """"Was unterrichtet Omar?" → "Die Video-Deskriptur hat nicht sagen." beside "I teach music":
    unread as "does not say", it was shown; now it is a flaw, and the English retry answers."""
    model = fake_chat("How much does the coffee cost?", "Die Video-Deskriptur hat nicht sagen.",
                      "The coffee costs three dollars.", "Der Kaffee kostet drei Dollar.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "Wie viel kostet der Kaffee?")
    assert answer.path == "retried" and answer.text == "Der Kaffee kostet drei Dollar."
    assert "three dollars" in answer.citations[0].text


def test_an_answer_in_english_to_a_spanish_question_is_translated_keeping_its_names(described, fake_chat):
    """The 0.5B model answered Spanish, French and German questions in English about half the time."""
    model = fake_chat("What is the cat's name?", "The cat is called Whiskers.", "El gato se llama Whiskers.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "¿Cómo se llama el gato?")
    assert answer.text == "El gato se llama Whiskers." and "whiskers" in answer.citations[0].text.lower()
    renamed = fake_chat("What is the cat's name?", "The cat is called Whiskers.", "El gato se llama Bigotes.")
    kept = VideoChat(NO_CACHE, chat_model=renamed).ask(described, "¿Cómo se llama el gato?")
    assert kept.text == "The cat is called Whiskers."  # a translation that loses the name is not shown
    # a fresh4 answer, once kept in English: a weekday or a month is translated, not kept
    assert keeps_specifics("The market opens every Sunday at 8.", "Der Markt öffnet jeden Sonntag um 8 Uhr.")
    assert not keeps_specifics("The market opens every Sunday at 8.", "Der Markt öffnet jeden Sonntag um 9 Uhr.")
    assert not keeps_specifics("Grandpa rides to the Market with Omar.", "Opa fährt mit Jan zum Markt.")
    # that the description does not say is said in our words, not the model's translation ("The aprons are not
    # mentioned…" came back "Les chaises ne sont pas mentionnées…", fresh29)
    untold = fake_chat("Where are the aprons?", "The aprons are not mentioned in the video description.")
    assert VideoChat(NO_CACHE, chat_model=untold).ask(described, "Où sont les tabliers ?").text \
        == "La description de la vidéo ne le dit pas."
    # a short answer is translated unless it is only names the lines write with a capital
    short = fake_chat("How much does the coffee cost?", "Three dollars", "Drei Dollar")
    assert VideoChat(NO_CACHE, chat_model=short).ask(described, "Wie viel kostet der Kaffee?").text == "Drei Dollar"
    named = fake_chat("What is the cat's name?", "Whiskers")
    assert VideoChat(NO_CACHE, chat_model=named).ask(described, "¿Cómo se llama el gato?").text == "Whiskers"
    # into Chinese a name may be written in Chinese (the model's spelling, unchecked) or kept; the video's names are
    # kept also where they open a sentence; a word-joined "translation" is none (session 18, asked in English)
    assert keeps_specifics("Tom comes from Glasgow.", "汤姆来自格拉斯哥。", "zh", names={"Tom", "Glasgow"})
    assert keeps_specifics("Tom comes from Glasgow.", "Tom 来自 Glasgow。", "zh")
    assert not keeps_specifics("Tom comes at 8.", "汤姆来了。", "zh")
    assert not keeps_specifics("Whiskers sleeps on the couch.", "Bigotes duerme en el sofá.", "es", names={"Whiskers"})
    assert keeps_specifics("Whiskers sleeps on the couch.", "Whiskers duerme en el sofá.", "es", names={"Whiskers"})
    kept_in_chinese = fake_chat("What is the cat's name?", "The cat is called Whiskers.", "这只猫叫 Whiskers。")
    assert VideoChat(NO_CACHE, chat_model=kept_in_chinese).ask(described, "这只猫叫什么名字？").text == "这只猫叫 Whiskers。"
    assert not keeps_specifics("The piece begins at half past seven.", "Die_piece_beginnt_um_sechsundvierzig_minuten.")
    # told between English and the language asked: "Anna lebt in Berlin." is German (among ten languages, English)
    assert reads_as("Anna lebt in Berlin.", "de") and not reads_as("Anna lives in Berlin.", "de")
    assert reads_as("汤姆来自格拉斯哥。", "zh") and not reads_as("Tom comes from Glasgow.", "zh")
    assert reads_as("Anna vit à Berlin.", "fr") and not reads_as("汤姆来自格拉斯哥。", "es")
    assert reads_as("Tom 来自 Glasgow。", "zh")
    # too short to tell a language by, a translation is one when it differs ("Rouge" for "Red", test half)
    assert is_translation("Red", "Rouge", "fr") and not is_translation("Red", "Red.", "fr")
    assert is_translation("Anna lives in Berlin.", "Anna lebt in Berlin.", "de")
    assert not is_translation("Anna lives in Berlin.", "Anna lives in Berlin.", "de")
    stream = VideoChat(NO_CACHE, chat_model=fake_chat("How much is the coffee?", "El café cuesta tres dólares.")).chat(
        described).stream("¿Cuánto cuesta el café?")
    assert list(stream) == ["El café cuesta tres dólares."]  # already in Spanish: one call fewer, given whole


def test_a_follow_up_naming_a_time_relative_to_the_question_before_is_asked_at_that_time(described, fake_chat):
    """"What is said at 0:00:01?" then "And what about three seconds later?": the model's answer is
    reviewed against what is said at 0:00:04 (the cat's name), not left to guess."""
    model = fake_chat("Hello. This is the astronaut Eileen Collins.", "Nothing much.")
    session = VideoChat(NO_CACHE, chat_model=model).chat(described)
    session.ask("What is said at 0:00:01?")
    later = session.ask("And what about four seconds later?")
    assert later.path == "checked" and "whiskers" in later.text.lower() and "0:00:04" in later.text
    assert with_time_resolved("How about 10 s before?", ["What happens at 0:50?"], answer_times) == \
        "What happens at 0:00:40.0?"
    assert with_time_resolved("What about the cat?", ["What is said at 0:50?"], answer_times) == "What about the cat?"


def _said(words, start, end, speaker=None):
    """A spoken line as the speech module gives it (labelled when it told voices apart)."""
    return Event(start=start, end=end, module="speech", text=f'{speaker}: "{words}"' if speaker else f'"{words}"',
                 data=SpeechData(speaker=speaker, transcript=words))


def test_an_answer_taken_from_a_moment_unrelated_to_the_question_is_a_flaw():
    """Seen on the QA dev half: "How much do the tickets cost?" → "The cost of the tickets is blue
    giraffe." (the password, said a minute after the tickets were mentioned)."""
    tour = moment_words([_said("Please keep your tickets with you at all times.", 0, 2),
                         _said("The old bridge was painted green last summer.", 3, 5),
                         _said("The bus leaves from platform four.", 6, 8),
                         _said("Remember, the password is blue giraffe.", 9, 11)])
    assert unrelated_sources("The cost of the tickets is blue giraffe.", "How much do the tickets cost?", tour) == [3]
    assert not unrelated_sources("The password is blue giraffe.", "What is the password?", tour)
    assert not unrelated_sources('S1 says: "the password is blue giraffe."', "What is said at 2:20?", tour)
    call = moment_words([_said("Hi Maria, it's Daniel. I'm calling from Chicago.", 0, 2),
                         Event(start=3, end=4, module="objects", text="1 person (center)"),
                         _said("Hello Daniel! I'm at the train station in Boston.", 4.5, 7)])
    # a conversation: the line before it names Maria
    assert not unrelated_sources("Maria is at the train station in Boston.", "Where is Maria right now?", call)
    assert not unrelated_sources("Boston.", "Where is Maria right now?", call)  # one word: not looked at


def test_one_narrators_next_sentence_is_not_the_context_of_an_answer_but_a_reply_is():
    """Seen on the QA test half: "Where should I lock my bike?" → "The red delivery van arrived at 3
    o'clock.", the narrator's sentence 0.9 s after "Please lock your bicycle near the bakery."; a
    reply by another voice, or the rest of one utterance, stays an answer to the line before it."""
    narration = moment_words([_said("Please lock your bicycle near the bakery.", 0.2, 3.3, "S1"),
                              _said("The red delivery van arrives at three o'clock.", 4.2, 7.3, "S1"),
                              _said("My mother bakes bread here every morning.", 8.3, 11.0, "S1")])
    assert unrelated_sources("The red delivery van arrives at three o'clock.", "Where should I lock my bike?",
                             narration) == [1]
    assert not unrelated_sources("Near the bakery, lock your bicycle.", "Where should I lock my bike?", narration)
    call = moment_words([_said("Hi, this is Marco. Are you still in Madrid?", 0.2, 3.6, "S1"),
                         _said("No, I moved to Toronto last spring.", 4.3, 6.9, "S2")])
    assert not unrelated_sources("She moved to Toronto last spring.", "Where does Marco's friend live now?", call)
    one_utterance = moment_words([_said("Hello, Daniel.", 4.7, 5.5, "S3"),
                                  _said("I'm at the train station in Boston.", 6.0, 7.9, "S3")])
    assert not unrelated_sources("She is at the train station in Boston.", "Who is Daniel talking to? Where is she?",
                                 one_utterance)
    unlabelled = moment_words([_said("Please lock your bicycle near the bakery.", 0.2, 3.3),
                               _said("The red delivery van arrives at three o'clock.", 4.2, 7.3)])
    assert not unrelated_sources("The red delivery van arrives at three o'clock.", "Where should I lock my bike?",
                                 unlabelled)  # voices not told apart: a neighbour may be a reply


def test_an_everyday_word_for_a_label_is_the_label_when_words_are_compared():
    """"bike" is "bicycle": a "does not say" beside the line about locking bicycles is not shown."""
    moments = moment_words([_said("Please lock your bicycle near the bakery.", 0.2, 3.3, "S1")])
    assert stems("my bike") == stems("bicycles") == {stem("bicycle")}
    assert not_told_though_said("The video description does not say.", "Where should I lock my bike?", moments)


BAKERY = ['S1: "Please lock your bicycle near the bakery."', 'S1: "The red delivery van arrives at three o\'clock."',
          "1 motorcycle (center)", "1 cup (center), 1 bowl (center)", 'S1: "This old bridge was painted green."']


@pytest.mark.parametrize("question, answer, attribute", [
    ("What color is the motorcycle?", "The motorcycle is red.", "red"),  # QA test half, after its run
    ("When you see the motorcycle, what color is the cup?", "The cup is red.", "red"),  # QA dev half
    ("What color is the motorcycle?", "Red.", "Red"),  # the thing is the question's, the word as written
    ("What colour is the camera?", "The camera is red.", "red"),  # a word answers also use of the video
    ("What is the person wearing?", "A green jacket.", "green"),
    ("What color is the van?", "The van is red.", None),
    ("¿De qué color es la furgoneta?", "La furgoneta es roja.", None),  # bound through the question's English
    ("What color is the van?", "Red.", None),
    ("How old is the bridge?", "The bridge is old and green.", None),
    ("What color is the motorcycle?", "The video description does not say.", None),
    ("What does the narrator say?", "She says the red delivery van arrives at three.", None),
])
def test_an_attribute_given_to_a_thing_no_entry_gives_it_to_is_a_flaw(question, answer, attribute):
    entries = [(set(found), stems(text)) for text in BAKERY for found in [attributes_in(text)] if found]
    search_as = "What color is the van?" if question.startswith("¿") else question
    assert an_attribute_of_something_else(answer, search_as, entries) == attribute


def test_an_answer_that_is_only_a_voice_label_gets_the_line_where_that_voice_says_who_it_is(fake_chat):
    """Seen on the QA dev half: "Who said they were born in Lisbon?" → "S1"."""
    said = [("S1", "Hello everyone, my name is Anna."), ("S2", "Nice to meet you, Anna. I'm Tom."),
            ("S1", "I was born in Lisbon, but these days I live in Berlin.")]
    events = [Event(start=3.0 * i, end=3.0 * i + 2, module="speech", text=f'{who}: "{words}"',
                    data=SpeechData(speaker=who, transcript=words)) for i, (who, words) in enumerate(said)]
    description = Description(video=VideoInfo(path="call.mp4", duration=9.0, fps=25.0, width=64, height=48),
                              events=events)
    answer = VideoChat(NO_CACHE, chat_model=fake_chat("S1")).ask(description, "Who speaks first?")
    assert answer.text == 'S1. At 0:00:00.0 S1 says: "Hello everyone, my name is Anna."' and answer.path == "checked"
    assert any("Anna" in c.text for c in answer.citations)
    # who mentions something: the voice of the one line holding it, named as it named itself (`checks._review_who_said`)
    answer = VideoChat(NO_CACHE, chat_model=fake_chat("S1")).ask(description, "Who mentions Berlin?")
    assert answer.text == ('Anna, going by the voice labels: At 0:00:00.0 S1 says: "Hello everyone, my name is Anna."'
                           ' At 0:00:06.0 S1 says: "I was born in Lisbon, but these days I live in Berlin."')
    # a line saying all of it in the first person: the name that voice gave itself (`checks._review_who`)
    answer = VideoChat(NO_CACHE, chat_model=fake_chat("S1")).ask(description, "Who said they were born in Lisbon?")
    assert answer.text == ('Anna, going by the voice labels: At 0:00:00.0 S1 says: "Hello everyone, my name is Anna."'
                           ' At 0:00:06.0 S1 says: "I was born in Lisbon, but these days I live in Berlin."')
    assert {c.start for c in answer.citations} >= {0.0, 6.0}
    # "whose": the thing and "mine" in one sentence are the speaker's (fresh33, asked before it was read)
    said = [("S1", "Hi, I'm looking for some blue paint."), ("S2", "Sure, I'm Victor. The paint is in aisle four."),
            ("S1", "Thanks, Victor. My name's Dylan."), ("S1", "Great, I also need a ladder, mine broke last week.")]
    events = [Event(start=3.0 * i, end=3.0 * i + 2, module="speech", text=f'{who}: "{words}"',
                    data=SpeechData(speaker=who, transcript=words)) for i, (who, words) in enumerate(said)]
    shop = Description(video=VideoInfo(path="shop.mp4", duration=12.0, fps=25.0, width=64, height=48), events=events)
    answer = VideoChat(NO_CACHE, chat_model=fake_chat("S1's ladder broke.")).ask(shop, "Whose ladder broke?")
    assert answer.text.startswith("Dylan, going by the voice labels:") and "mine broke" in answer.text
    answer = VideoChat(NO_CACHE, chat_model=fake_chat("Victor's.")).ask(shop, "Whose paint is in aisle four?")
    assert answer.text == "Victor's."  # no line says "my paint" or "mine": left to the model


def test_a_not_told_answer_while_a_spoken_line_holds_every_word_of_the_question_is_not_shown(described, fake_chat):
    """Seen on the fresh QA questions: "Where is lunch served?" → "The video description does not
    say." beside "Lunch is served in the garden behind the hotel."."""
    moments = moment_words([_said("My mother bakes bread here every morning.", 0, 2),
                            _said("Lunch is served in the garden behind the hotel.", 3, 5)])
    assert not_told_though_said("The video description does not say.", "Where is lunch served?", moments)
    assert not_told_though_said("The video description does not say.", "Who bakes bread every morning?", moments)
    assert not not_told_though_said("The video description does not say.", "What is the guide's surname?", moments)
    assert not not_told_though_said("In the garden.", "Where is lunch served?", moments)
    # asked for a time, a day, a year: the line holds a value of that kind, not the word (a fresh5 question)
    valued = moment_words([_said("We rent a boat at 10.", 0, 2), _said("Lunch is served in the garden.", 3, 5),
                           _said("The market opens every Sunday.", 6, 8)])
    assert not_told_though_said("The video description does not say.", "What time do they rent the boat?", valued)
    assert not_told_though_said("No lo dice.", "On which day does the market open?", valued)
    assert not not_told_though_said("The video description does not say.", "What time is lunch served?", valued)
    assert not not_told_though_said("The video description does not say.", "What day do they rent the boat?", valued)
    # "have to", "must", "has": what one must do is not a word the line must hold (a fresh6 question)
    tickets = moment_words([_said("Yes, and we must buy tickets at the harbor first.", 0, 3)])
    assert not_told_though_said("The video description does not say.", "Where do they have to buy tickets?", tickets)
    assert not not_told_though_said("The video description does not say.", "Where do they sell tickets?", tickets)
    model = fake_chat("The video description does not say.", "The video description does not say.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "How much does the coffee cost?")
    assert answer.path == "extractive" and "three dollars" in answer.text  # the line, quoted with its time


@pytest.mark.parametrize("question, answer, flawed", [
    ("What is the astronaut eating?", "The astronaut is eating a cup.", True),  # fresh QA questions, after their run
    ("What is the astronaut eating?", "The astronaut Eileen Collins is eating a cup.", True),  # her name says who
    ("What is the cat's favourite toy?", "The cat's favourite toy is a cup.", True),
    ("Where was the coffee bought?", "The coffee was bought in the dining table.", True),
    ("What is the person holding?", "A cup.", True),  # a cup near a person is not one held
    ("What animal is shown?", "A cat.", False),  # the label answers it
    ("Where is the cat?", "The cat is on the couch, on the left.", False),
    ("What does the cat like?", "Milk.", False),
    # asked as a new user on read clips (session 10): a line says what is on the second floor; "contains" puts
    # labels in a relation no module reports
    ("What is on the second floor?", "The second floor is showing a dining table.", True),
    ("What is on the second floor?", "The cafe.", False),
    ("What is in the red bag?", "The red bag contains a cat and a cup.", True),
    ("What is in the red bag?", "A cup and a cat.", True),
])
def test_a_label_given_for_a_relation_no_module_reports_is_a_flaw(question, answer, flawed):
    lines = ["The coffee costs three dollars.", "This is my cat. She likes milk.", "This is the astronaut Eileen Collins.",
             "The cafe on the second floor closes at four thirty."]
    described = stems('1 person (center), 1 cup (center), 1 dining table (center), 1 cat (left), 1 couch (left) '
                      + " ".join(lines))
    labels = {"person", "cup", "dining table", "cat", "couch"}
    moments = moment_words([_said(line, 2.0 * n, 2.0 * n + 1.5) for n, line in enumerate(lines)])
    assert a_label_for_what_no_module_reports(answer, question, labels, described, moments) is flawed


def test_an_amount_of_a_thing_no_entry_mentions_is_a_flaw():
    """fresh15's cooking show (read after its run): "How much sugar goes in?" → "200 grams", the flour's."""
    described = stems("1 cup (center) You need three eggs, 200 grams of flour and one lemon. Bake it for 40 minutes.")
    assert an_amount_of_what_no_entry_mentions("200 grams", "How much sugar goes in?", described) == "sugar"
    assert an_amount_of_what_no_entry_mentions("Three.", "How many apples are there?", described) == "apples"
    assert an_amount_of_what_no_entry_mentions("200 grams.", "How much flour goes in?", described) is None
    assert an_amount_of_what_no_entry_mentions("3 eggs", "How many eggs do you need?", described) is None
    assert an_amount_of_what_no_entry_mentions("Two cups.", "How many cups are there?", described) is None  # a label
    assert an_amount_of_what_no_entry_mentions("The video description does not say.", "How much sugar goes in?",
                                               described) is None
    for question in ("How much is it altogether?", "How much money does she spend?", "How many people are talking?",
                     "How much time does it take?"):
        assert an_amount_of_what_no_entry_mentions("40", question, described) is None, question


def test_a_count_no_line_speaking_of_it_gives_is_a_flaw():
    """Asked as a new user on a read clip (session 10): "How many nights is he staying?" → "1" beside "I have a
    booking for two nights." — the "1" of "1 person (center)" made it look supported."""
    lines = ["I have a booking for two nights.", "Volunteers will plant fifty trees by the river.", "My two cats sleep."]
    moments = moment_words([_said(line, 2.0 * n, 2.0 * n + 1.5) for n, line in enumerate(lines)])
    labels = {"person", "cat"}
    assert a_count_no_line_gives("1", "How many nights is he staying?", moments, lines, labels) == "1 nights"
    assert a_count_no_line_gives("Two nights.", "How many nights is he staying?", moments, lines, labels) is None
    assert a_count_no_line_gives("5", "How many trees will they plant?", moments, lines, labels) == "5 trees"
    assert a_count_no_line_gives("50 trees.", "How many trees will they plant?", moments, lines, labels) is None
    # a detector's label, the voices told apart, and what no line speaks of are other checks'
    for question in ("How many cats are there?", "How many people are talking?", "How many apples are there?"):
        assert a_count_no_line_gives("3", question, moments, lines, labels) is None, question


@pytest.mark.parametrize("question, answer, flawed", [
    ("Who is calling Nina?", "Nina is calling Felix.", "Nina"),  # fresh5
    ("Who invites Nina?", "Nina invites Felix.", "Nina"),  # asked as a new user on the same clip (session 10)
    ("Who met Anna at the station?", "Anna met Tom there.", "Anna"),
    ("Who is calling Nina?", "Paul is calling Nina.", None),
    ("Who invites Nina?", "Nina is invited by Paul.", None),  # the one done to, said so
    ("Who is Nina?", "Nina is Paul's friend.", None),
    ("Who called Nina's mother?", "Nina's mother was called by Paul.", None),
    ("Who invites Nina?", "The video description does not say.", None),
])
def test_the_one_a_who_question_asks_about_given_as_the_doer_is_a_flaw(question, answer, flawed):
    assert the_one_done_to_as_the_doer(answer, question) == flawed


def test_a_when_answered_without_saying_when_is_a_flaw():
    """Asked as a new user on a read clip (session 10): "When should Sam bring his daughter?" → "When Sam brings
    his daughter to learn the piano." beside "Bring her on Thursday afternoon."."""
    asked = "When should Sam bring his daughter?"
    assert a_when_answered_without_a_time("When Sam brings his daughter to learn the piano.", asked)
    for answer in ("On Thursday afternoon.", "The video description does not say.", "When it rains.", "Last month.",
                   "At 0:00:18 S3 says: \"Bring her on Thursday afternoon.\"", "After school."):
        assert not a_when_answered_without_a_time(answer, asked), answer
    assert not a_when_answered_without_a_time("Sam brings his daughter.", "Who brings his daughter?")
    # a price is no time (fresh25, beside "…15 pounds for each bike." and "…bring the bikes back by six.")
    back = "When must the bikes be back?"
    assert a_when_answered_without_a_time("The bikes must be back after 15 pounds for each bike.", back)
    for answer in ("The bikes must be back by six.", "By 6 pm; it costs 15 pounds.", "At 3, after paying £15."):
        assert not a_when_answered_without_a_time(answer, back), answer
    # the line to quote in its place: of the lines sharing a word with the question, one that says when
    assert holds_the_value_asked(asked, "Bring her on Thursday afternoon.")
    assert not holds_the_value_asked(asked, "Hi, I'm Sam.") and not holds_the_value_asked("Who is Sam?", "At noon.")


@pytest.mark.parametrize("question, answer, measure", [
    # wrong answers of the QA runs (dev, fresh4, fresh8: none held out)
    ("How old is Priya?", "Priya is my sister, actually.", "an age"),
    ("How much does the room cost?", "The room costs 2 nights.", "a price"),
    ("How fast can the motorcycle go?", "The motorcycle can go very fast.", "a speed"),
    ("And how much do the apples cost?", "The apples cost to your own a kilo.", "a price"),
    # written for this rule, the way people ask
    ("How far is the station?", "The station is by the river.", "a distance"),
    ("How long does the ferry take?", "The ferry takes the tourists.", "a length of time"),
    ("What does the ticket cost?", "The ticket is for the museum.", "a price"),
    ("What is the price of the bike?", "The bike is red.", "a price"),
    # fresh17, read after its first run: a time of day is no size
    ("How deep is the pool?", "The pool opens at half past six and closes at high in the evening.", "a size"),
    ("How tall is the tower?", "The tower is seen at 0:00:05.", "a size"),
    ("How heavy is the box?", "The box is on the table.", "a size"),
    # fresh20, read after its first run: a price is no length of time, nor a distance
    ("How long will the repair take?", "The repair will take 90 pounds.", "a length of time"),
    ("How long does the trip take?", "£12", "a length of time"),
    ("How far is the airport?", "Twenty euros by taxi.", "a distance"),
    ("How long does the trip take?", "Forty minutes, and it costs 5 pounds.", None),
    # how long something has gone on is no age (fresh26, read)
    ("How old is Rosa?", "Rosa runs this bakery for 12 years.", "an age"),
    ("How old is Rosa?", "Rosa is 40; she has run it for 12 years.", None),
    ("How old is the bakery?", "It has been open for 12 years.", None),  # a thing's age
    # answers that give one, or say that the video does not
    ("How old is Priya?", "She is 30.", None),
    ("How old is the dog?", "The dog is two years old.", None),
    ("How old is the baby?", "A baby, a few months old.", None),
    ("How much does the room cost?", "Ninety euros a night.", None),
    ("How much are the apples?", "Two euros a kilo.", None),
    ("How much is the ticket?", "Twelve.", None),
    ("How much does the tour cost?", "The tour is free.", None),
    ("How far is the station?", "About ten minutes on foot.", None),
    ("How far is the bakery?", "It is next door.", None),
    ("How long does the ferry take?", "Forty minutes.", None),
    ("How long will they stay?", "Until Sunday.", None),
    ("How fast can the motorcycle go?", "Up to 120 km/h.", None),
    ("How deep is the pool?", "Two metres.", None),
    ("How deep is the pool?", "It is quite shallow.", None),
    ("How tall is the tower?", "About 300 feet.", None),
    ("How big is the flat?", "Two.", None),
    ("How old is Priya?", "The video description does not say how old Priya is.", None),
    ("How old is Priya?", 'The video description does not say; the closest it has: At 0:00:04 S1 says: "Priya is my '
                          'sister."', None),
    # not asking for an amount
    ("Who pays the rent?", "Anna pays the rent.", None),
    ("How does the ferry leave?", "Slowly.", None),
    ("What is Priya doing?", "She is reading.", None),
])
def test_an_answer_without_the_amount_asked_for_is_a_flaw(question, answer, measure):
    assert a_measure_asked_and_not_given(answer, question) == measure


def test_a_where_answered_with_only_a_number_or_a_time_is_a_flaw():
    """fresh10, read after its final run: "Where is Anna going by train?" → "Anna is going by train to six."
    beside "I need them before my train at six."; it fired on no other answer of the saved runs."""
    asked = "Where is Anna going by train?"
    assert a_where_answered_with_a_time("Anna is going by train to six.", asked)
    assert a_where_answered_with_a_time("At six.", asked)
    for answer in ("At platform 4.", "To room twelve.", "To Berlin.", "In the kitchen.",
                   "The video description does not say.", 'At 0:00:12 S1 says: "I need them before my train at six."'):
        assert not a_where_answered_with_a_time(answer, asked), answer
    assert not a_where_answered_with_a_time("At six.", "When does Anna's train leave?")
    # a place asked by its kind, answered with a day (fresh14, read after its run)
    assert a_where_answered_with_a_time("The forecast is for Saturday.", "Which city is the forecast for?")
    assert a_where_answered_with_a_time("In the morning.", "Where is the cat?")
    assert not a_where_answered_with_a_time("The forecast is for Leeds on Saturday.", "Which city is the forecast for?")
    assert not a_where_answered_with_a_time("The forecast is for Saturday.", "Which day is the forecast for?")
    # asked in French, Spanish or German (fresh25, read: "…stop at the harbour for lunch", "…leaves the harbour at 3")
    assert a_where_answered_with_a_time("S'arrêtent-ils pour déjeuner à 3.", "Où s'arrêtent-ils pour déjeuner ?")
    assert a_where_answered_with_a_time("Paran para comer a las 3.", "¿Dónde paran para comer?")
    assert a_where_answered_with_a_time("Sie essen um 3.", "Wo essen sie?")
    for answer, asked in (("Ils s'arrêtent au port pour déjeuner.", "Où s'arrêtent-ils pour déjeuner ?"),
                          ("En el puerto.", "¿Dónde paran para comer?"), ("Am Hafen.", "Wo essen sie?"),
                          ("Sie essen um 3.", "Wann essen sie?")):
        assert not a_where_answered_with_a_time(answer, asked), answer


def test_a_who_answered_with_no_one_is_a_flaw():
    """fresh13, read after its final run: "Whose car is in bay seven?" → "The car in bay seven is the blue one."."""
    assert a_who_answered_with_no_one("The car in bay seven is the blue one.", "Whose car is in bay seven?")
    assert a_who_answered_with_no_one("The umbrella was left at the front desk.", "Who left the umbrella?")
    for answer in ("Lucas Moreno.", "It is Lucas's car.", "S1's.", "His.", "The customer's car.", "The agent.",
                   "The video description does not say.", "Someone left it.", "Daniel", "The music teacher."):
        assert not a_who_answered_with_no_one(answer, "Whose car is in bay seven?"), answer
    assert not a_who_answered_with_no_one("The blue one.", "Which car is in bay seven?")


def test_a_word_that_only_ends_like_a_doer_names_no_one():
    """fresh28, read: "Who removed the diving board?" → "The diving board was removed last summer." — "summer"
    had passed for a doer's word like "driver"."""
    assert a_who_answered_with_no_one("The diving board was removed last summer.", "Who removed the diving board?")
    assert a_who_answered_with_no_one("It was left under the water tower.", "Who left it?")
    for answer in ("The lifeguard removed it last summer.", "The swimming teacher.", "A newspaper."):
        assert not a_who_answered_with_no_one(answer, "Who removed the diving board?"), answer


def test_desk_introductions_roles_and_details_people_ask_for():
    """fresh13, read after its final run: "The name is Lucas Moreno." is a voice naming itself; "the agent" is
    someone named by what they do; a brand no line states; "six books" is no price."""
    assert introduced_names("The name is Lucas Moreno.") == ["Lucas"]
    desk = [_said("Hi, I booked a small car. The name is Lucas Moreno.", 0.5, 5.0, "S1"),
            _said("Welcome. Your car is the blue one in bay seven.", 6.0, 11.0, "S2")]
    assert a_name_no_line_gives_it("Lucas Moreno", "What is the agent's name?", desk) == "Lucas"
    assert a_detail_no_line_states("The car is blue.", "What brand is the car?", desk) == "brand"
    fiat = desk + [_said("It's a Fiat, the make you asked for.", 12, 14, "S2")]
    assert a_detail_no_line_states("A Fiat.", "What brand is the car?", fiat) is None
    assert a_measure_asked_and_not_given("The membership cost is six books for three weeks.",
                                         "How much does membership cost?") == "a price"
    assert a_measure_asked_and_not_given("Ten pounds for two nights.", "How much does the room cost?") is None


def test_a_place_said_of_whom_a_question_asks_about_is_not_a_name_given():
    """Asked as a new user (session 10, a narration no rule was written from): "Who is the guest?" →
    "The guest is an astronaut from Houston." was withheld as giving the guest the name "Houston"."""
    assert not a_name_question_answered_without_one("The guest is an astronaut from Houston.", "Who is the guest?")
    market = [_said("Our guest is an astronaut from Houston.", 10.0, 13.0, "S1")]
    assert a_name_no_line_gives_it("The guest is an astronaut from Houston.", "Who is the guest?", market) is None
    assert a_name_no_line_gives_it("The guest is Houston.", "Who is the guest?", market) == "Houston"
    # a name asked for is still no place: "The train station in Boston." (above) stays a flaw


def test_a_yes_where_the_lines_put_it_elsewhere_is_a_flaw():
    """Asked as a new user on a read clip (session 10): "Does Anna live in Lisbon?" → "Yes, Anna lives in
    Lisbon." beside "I was born in Lisbon, but these days I live in Berlin."."""
    said = ["I was born in Lisbon, but these days I live in Berlin.", "No, I moved to Toronto last spring."]
    assert a_yes_a_line_puts_elsewhere("Yes, Anna lives in Lisbon.", "Does Anna live in Lisbon?", said) == "live in Berlin"
    assert a_yes_a_line_puts_elsewhere("Yes.", "Did Jo move to Madrid?", said) == "moved to Toronto"
    assert a_yes_a_line_puts_elsewhere("Yes.", "Does Anna live in Berlin?", said) is None
    assert a_yes_a_line_puts_elsewhere("Yes, she was.", "Was Anna born in Lisbon?", said) is None
    assert a_yes_a_line_puts_elsewhere("No, she lives in Berlin.", "Does Anna live in Lisbon?", said) is None
    assert a_yes_a_line_puts_elsewhere("Yes.", "Does Anna work in Lisbon?", said) is None  # no line says where


def test_flaws_read_in_the_unseen_clips_answers_after_their_final_run():
    """Session 10's fresh10/fresh11 answers, read after their final run: "come back" answered with the time the
    coach leaves, the picture's "looks drawn" note given as a reason, a person given for a thing, a Chinese
    question given back with its name in Latin letters."""
    lines = ["The coach leaves the school gate at half past eight.", "Morning, I'm Ruth from number 12.",
             "Of course, I'm Daniel,"]
    moments = moment_words([_said(line, 2.0 * n, 2.0 * n + 1.5) for n, line in enumerate(lines)])
    back = "What time does the coach come back?"
    assert the_opposite_of_what_a_line_says("The coach leaves the school gate at half past eight.", back, moments,
                                            lines) == "return"
    assert the_opposite_of_what_a_line_says("The coach comes back at half past eight.", back, moments, lines) == "return"
    assert the_opposite_of_what_a_line_says("The coach leaves at half past eight.", "When does the coach leave?",
                                            moments, lines) is None
    both = ["The coach leaves at eight and comes back at five."]  # the line read as the answer is: "returns"
    assert the_opposite_of_what_a_line_says("The coach comes back at five.", back, moment_words(
        [_said(both[0], 0, 3)]), both) is None
    assert the_look_note_as_an_answer("It spills over because the picture looks drawn or animated, not filmed.",
                                      "Why does the water spill over?")
    assert not the_look_note_as_an_answer("The picture looks drawn or animated.", "Is this a cartoon?")
    assert a_person_for_a_thing("Daniel", "What does Ruth want to borrow?", lines) == "Daniel"
    assert a_person_for_a_thing("A ladder.", "What does Ruth want to borrow?", lines) is None
    assert a_person_for_a_thing("Daniel", "What is the neighbour's name?", lines) is None
    assert a_person_for_a_thing("Daniel", "Who lends the ladder?", lines) is None
    assert repeats_question("Tom要去哪里找？", "汤姆要去哪里找？") and not repeats_question("汤姆要去厨房找。", "汤姆要去哪里找？")


WEATHER = "What does the speaker say about the weather?"


@pytest.mark.parametrize("question, answer, unfounded", [
    (WEATHER, "The speaker says the weather is sunny.", ["sunny"]),  # a user's question about a garden tour
    (WEATHER, 'The speaker says: "Welcome to the garden tour."', []),
    ("Where was the coffee bought?", "The coffee was bought at a restaurant.", ["restaurant"]),  # the 1.5B, QA set
    ("What colour is the cat?", "The cat is orange and fluffy.", ["fluffy", "orang"]),
    ("How much are the tickets?", "He says the tickets cost three dollars.", []),  # most words are the line's
    ("What about the roses?", "She mentions that the roses bloom in June and smell of honey.", []),  # a limit
    (WEATHER, "She mentions that it will rain and the sky turns grey.", ["grey", "rain", "sky", "turn"]),
    ("When does the cat appear?", "The cat first appears at the beginning of the video.", []),
    ("Where is the cat?", "The cat sits on the couch.", []),
    (WEATHER, "The video description does not say what the speaker says about the weather.", []),
    ("What is the sister's job?", "The sister's job is nursing.", []),  # fresh30: "My sister and I nurse."
    ("What is the sister's job?", "The sister's job is teaching.", ["teach"]),
])
def test_a_sentence_most_of_whose_new_words_no_entry_holds_is_a_flaw(question, answer, unfounded):
    described = stems('"Welcome to the garden tour." "The roses bloom in June." "Tickets are three dollars." '
                      '1 cat (center), 1 couch (left), 1 cup (center) "The coffee costs three dollars." '
                      '"My sister and I nurse."')
    assert words_no_entry_holds(answer, question, described) == unfounded


def test_a_question_about_a_topic_nobody_mentions_is_told_so_with_the_nearest_moment_apart(described, fake_chat):
    """A user's question about a clip this project had not seen: "What does the speaker say about the
    weather?" came back as every line of a garden tour quoted, then (asked again) "The speaker says
    the weather is sunny."."""
    model = fake_chat("The speaker says the weather is sunny.", "She says it is sunny and warm.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "What does the speaker say about the weather?")
    assert answer.path == "extractive" and "sunny" not in answer.text
    assert answer.text.startswith("The video description does not say. The moment nearest in meaning: At ")


def test_an_answer_naming_a_moment_cites_the_line_said_then_not_the_summaries_of_that_stretch():
    """"The password appears in the video at 0:02:20.2." cited two stretch summaries: the digits of the
    time matched theirs ("0:02:00.0–0:03:00.0"), and the line said at 0:02:20.2 went uncited."""
    from videochat_text.answering.citations import choose

    entries = [Event(start=0.0, end=120.0, module=SUMMARY_MODULE, text="The stretch 0:00:00.0–0:02:00.0 ..."),
               Event(start=120.0, end=180.0, module=SUMMARY_MODULE, text="The stretch 0:02:00.0–0:03:00.0 ..."),
               Event(start=135.0, end=140.0, module="objects", text="1 cup (center)"),
               _said("Remember, the password is blue giraffe.", 140.24, 142.92, "S1"),
               _said("The library closes at 7:30.", 80.0, 82.0, "S1")]
    asked = "When is the password mentioned?"
    assert choose(entries, asked, "The password appears in the video at 0:02:20.2.") == [3]
    assert choose(entries, asked, "The password appears in the video at 0:02:20.") == [3]  # rounded
    assert choose(entries, "When does the library close?", "It closes at 7:30.") == [4]  # a time of day: words
    assert choose(entries, asked, "At 0:05:00.0.") == []  # no entry then


def test_a_line_quoted_at_a_time_it_was_not_said_is_a_flaw():
    """The 0.5B copied an earlier answer's form: "At 0:01:35 (speech): S1: "the library closes at seven
    thirty."" about a line said at 0:01:20."""
    from videochat_text.answering.flaws import a_line_quoted_at_another_time

    entries = [_said("the library closes at seven thirty.", 80.27, 82.97, "S1"),
               _said("Please keep your tickets with you at all times.", 95.08, 97.82, "S1")]
    assert a_line_quoted_at_another_time(
        'At 0:01:35 (speech): S1: "the library closes at seven thirty."', entries) == "the library closes at seven thirty."
    assert a_line_quoted_at_another_time('At 0:01:20 S1 says: "the library closes at seven thirty."', entries) is None
    assert a_line_quoted_at_another_time('At 0:01:36, “Please keep your tickets” is said.', entries) is None
    assert a_line_quoted_at_another_time('It closes at 7:30: "the library closes at seven thirty."', entries) is None
    assert a_line_quoted_at_another_time('At 0:00:10 someone says "nothing of the kind here".', entries) is None


def test_a_retry_that_only_says_the_description_does_not_tell_gives_the_closest_moment(described, fake_chat):
    """"Où dois-je attacher mon vélo ?": the question given back, then a retry saying only "La description
    de la vidéo ne dit pas.", beside "please lock your bicycle near the bakery": the closest line, quoted."""
    model = fake_chat("How much does the coffee cost?", "The video description does not say.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "How much does the coffee cost?")
    assert answer.path == "extractive" and "coffee" in answer.text.lower() and "does not say" in answer.text
    assert [c.module for c in answer.citations] == ["speech"]


TOUR = ["Our guide today is called Oliver.", "Tom and I both work at the hospital.", "Priya was born in May.",
        "1 person (center)"]


@pytest.mark.parametrize("question, answer, detail", [
    ("What is the guide's surname?", "Oliver", "surname"),  # the QA set's held-out question that found the rule
    ("What's Oliver's last name?", "His last name is Oliver.", "surname"),
    ("What is Jo's job?", "Jo's job is to tell him the people they call him Joe.", None),  # "work" is said here
    ("What is Oliver's phone number?", "It is 555 0134.", "phone number"),
    ("Which email address does the guide give?", "oliver@tour.com", "email address"),
    ("What is the guide's home address?", "The guide lives at the hospital.", "home address"),
    ("What is Priya's birthday?", "Priya was born in May.", None),  # a line says "born"
    ("What is the guide's surname?", "The video description does not say.", None),
    ("Is the guide's surname Oliver?", "No.", None),  # asks for a yes or no, not for the detail
    ("What is the guide called?", "Oliver", None),  # a name, said
])
def test_a_personal_detail_no_line_states_is_not_given(question, answer, detail):
    entries = [Event(start=2.0 * n, end=2.0 * n + 1.5, module="speech", text=line) for n, line in enumerate(TOUR)]
    assert a_detail_no_line_states(answer, question, entries) == detail


def test_a_job_when_no_line_says_anything_of_work_is_withheld_with_the_closest_line(described, fake_chat):
    """"What is Jo's job?" (a fresh QA question, about a call where nobody says what they do) came back
    as "Jo's job is to tell him the people they call him Joe."; asked of the astronaut clip, the same
    kind of answer gives way to the line nearest the question."""
    model = fake_chat("Her job is to drink the coffee.", "Her job is the coffee.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "What is Eileen Collins's job?")
    assert answer.path == "extractive" and "job is" not in answer.text and "does not say" in answer.text


def test_an_answer_that_cannot_be_shown_quotes_a_line_not_a_stretch_summary(described, fake_chat):
    """"What is the guide's surname?" about the QA set's three-minute tour ended in a quote of the
    stretch's summary, "…called Oliver," (and 6 more lines)…": a number no line says, and not the line."""
    from videochat_text.timeline import Summary, SummaryPiece

    piece = SummaryPiece(start=0.0, end=10.0, text='The stretch 0:00:00.0–0:00:10.0, in which S1 says: "Hello. This '
                                                   'is the astronaut Eileen Collins." (and 2 more lines).')
    summary = (described.summary or Summary(text="", source="merge")).model_copy(update={"pieces": [piece]})
    with_stretches = described.model_copy(update={"summary": summary})
    model = fake_chat("Her surname is Collins.", "Collins.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(with_stretches, "What is the astronaut's surname?")
    assert answer.path == "extractive" and "more lines" not in answer.text
    assert [c.module for c in answer.citations] == ["speech"] and "Eileen Collins" in answer.text


CALL = [_said("Hi, this is Marco. Are you still in Madrid?", 0.2, 3.6, "S1"),
        _said("No, I moved to Toronto last spring. I'm originally from Chicago.", 4.3, 9.0, "S2"),
        _said("Chicago, my brother lives there.", 10.0, 12.0, "S1"),
        _said("Really? And tell him the people they call me Joe.", 13.0, 16.0, "S2")]


def test_an_answer_from_lines_without_the_questions_words_while_one_line_has_them_all_is_a_flaw():
    """A QA dev question: "Who lives in Chicago?" → 'S2: "Really? And tell him the people they call me Joe."'."""
    moments = moment_words(CALL)
    asked = "Who lives in Chicago?"
    assert another_line_says_it('S2: "Really? And tell him the people they call me Joe."', asked, moments)
    assert not another_line_says_it("Marco's brother lives in Chicago.", asked, moments)
    assert not another_line_says_it('S1: "Chicago, my brother lives there."', asked, moments)
    # no line holds every word of the question: a reply read with its question is the answer
    assert not another_line_says_it("Marco's friend lives in Toronto.", "Where does Marco's friend live now?", moments)
    # half of them is enough: QA test half, "Who bakes bread every morning?" → the bakery line, beside
    # Whisper's "my mother makes rent here every morning"
    bakery = moment_words([_said("please lock your bicycle near the bakery", 0.2, 3.6, "S1"),
                           _said("my mother makes rent here every morning", 8.3, 10.9, "S1")])
    assert another_line_says_it('S1: "please lock your bicycle near the bakery"', "Who bakes bread every morning?", bakery)
    assert not another_line_says_it("Near the bakery.", "Where should I lock my bike?", bakery)


TOUR_HEARD = [_said("Our guide today is called Oliver,", 20.1, 22.1, "S1"),
        _said("the museum open at hide in the morning,", 35.1, 37.4, "S1"),  # (Whisper tiny.en's words)
        _said("the library closes at seven thirty to hide.", 80.3, 83.0, "S1"),
        _said("The old bridge was painted green last summer,", 110.2, 112.8, "S1")]


def test_a_one_word_answer_from_a_line_without_the_questions_words_is_a_flaw_when_another_has_them():
    """Asked as a new user would on the QA set's city tour: "Who painted the bridge?" → "Oliver" (the
    guide's name) beside "The old bridge was painted green last summer."."""
    moments = moment_words(TOUR_HEARD)
    assert another_line_says_it("Oliver", "Who painted the bridge?", moments)
    assert not another_line_says_it("Oliver", "Who is the guide?", moments)
    assert not another_line_says_it("Green.", "What colour was the bridge painted?", moments)
    # a voice that says it all may be named by its own introduction (the who-rule quotes both lines)
    talk = moment_words([_said("Hi, I'm Sam.", 0.5, 2.0, "S1"), _said("And I'm Omar.", 10.0, 11.0, "S3"),
                         _said("I teach music at the school on King Street.", 13.0, 16.0, "S3")])
    assert not another_line_says_it("Omar", "Who teaches music?", talk)


def test_a_yes_or_no_about_what_no_entry_mentions_is_a_flaw():
    """fresh26 (read): "Are pets allowed?" → "No pets are allowed." where Whisper heard "Yes, pets are fine, but the
    garden is shared…" as "Yes, that's fine, but…": no entry says pets or allowed. Over 127 saved English yes/no
    answers it fires on that one only (one-word questions are left: "Can I take pictures?" → "Yes…" beside
    "Photos are allowed")."""
    described = stems("Yes, that's fine, but the garden is shared with the neighbors. The rent is £100 a month. 1 cat")
    assert a_yes_or_no_about_what_no_entry_mentions("No pets are allowed.", "Are pets allowed?", described)
    assert a_yes_or_no_about_what_no_entry_mentions("Yes, pets are allowed.", "Are pets allowed?", described)
    for answer, asked in (("The video description does not say.", "Are pets allowed?"),
                          ("Yes, it is shared.", "Is the garden shared?"),  # a line holds its words
                          ("No, there is no dog.", "Is there a dog?"),  # the detector's question
                          ("No, nobody mentions pets.", "Does anyone mention pets?"),  # what the video says
                          ("Yes.", "Can I smoke?")):  # one word: too little to tell
        assert not a_yes_or_no_about_what_no_entry_mentions(answer, asked, described), answer


def test_a_yes_a_line_says_not_there_and_a_no_is_no_word_of_its_own():
    """A new user's try (session 20, the clip's own lines): "Can I bring my dog to the cafe?" → "No, you cannot bring
    your dog to the cafe." was withheld for "cannot", found in no entry, and the second try said "Yes, …"."""
    said = ["Dogs are welcome in the shop, but not in the cafe.", "The cafe now opens at nine."]
    asked = "Can I bring my dog to the cafe?"
    assert a_yes_a_line_says_not_there("Yes, you can bring your dog to the cafe.", asked, said) == "not in the cafe"
    assert a_yes_a_line_says_not_there("No, dogs are not allowed in the cafe.", asked, said) is None
    assert a_yes_a_line_says_not_there("Yes.", "Can I bring my dog to the shop?", said) is None
    assert a_yes_a_line_says_not_there("Yes, at nine.", "Is the cafe open in the morning?", said) is None
    assert words_no_entry_holds("No, you cannot bring your dog to the cafe.", asked, stems(" ".join(said))) == []


def test_a_who_about_what_no_entry_mentions_is_a_flaw():
    """fresh32 (asked before it was read): "Who lent them some pegs?" → "Graham lent them some pegs." where Whisper
    had heard "…forgot the tent pegs, so we borrowed some from the warden" as "…tent eggs, …from the garden"."""
    described = stems("Hello Tom, I'm Graham. Thanks, my son forgot the tent eggs, so we borrowed some from the garden.")
    assert a_who_about_what_no_entry_mentions("Graham lent them some pegs.", "Who lent them some pegs?", described)
    assert a_who_about_what_no_entry_mentions("S2.", "Who lent them some pegs?", described)
    for answer, asked in (("The video description does not say.", "Who lent them some pegs?"),
                          ("Graham's son.", "Who forgot the tent pegs?"),  # a line holds "forgot" and "tent"
                          ("Graham.", "Who is Graham?"),  # the one asked about is in a line
                          ("Tom.", "Who sang?"),  # one word: too little to tell
                          ("Graham.", "What did Graham's son lend?")):  # not a who
        assert not a_who_about_what_no_entry_mentions(answer, asked, described), answer


def test_a_number_only_lines_about_something_else_say_is_a_flaw():
    """fresh25 (read): "What time will they meet the guide?" → "The guide will meet Lucy at 3." — Whisper lost
    "ten o'clock" from the guide's line; the 3 is the coach's. Over 1,154 saved English answers it fires on
    that one alone ("how many" is left out: a count of people comes from the voice labels)."""
    coach = [_said("My name is Coffee and I'm your drive at a day.", 2.1, 5.3, "S1"),
             _said("Our guide, Lucy, will meet or set the castle at day the clock.", 6.1, 10.4, "S1"),
             _said("Decokes leaves the hammer at 3.", 28.6, 30.9, "S1")]
    moments, said = moment_words(coach), [e.transcript for e in coach]
    asked = "What time will they meet the guide?"
    assert a_number_from_an_unrelated_line("The guide will meet Lucy at 3.", asked, moments, said) == 3
    assert a_number_from_an_unrelated_line("At 3.", asked, moments, said) == 3
    for answer, question in (("The coach leaves the harbour at 3.", "When does the coach leave the harbour?"),
                             ("The video description does not say.", asked),
                             ("They meet Lucy at the castle.", asked)):
        assert a_number_from_an_unrelated_line(answer, question, moments, said) is None, answer
    # a line that may refer back to the thing asked, and the number said on the line about it
    shop = [_said("The museum opens on Monday.", 0.5, 2.5, "S1"), _said("It closes at 5.", 3.0, 4.5, "S1")]
    assert a_number_from_an_unrelated_line("The museum closes at 5.", "When does the museum close?",
                                           moment_words(shop), [e.transcript for e in shop]) is None
    both = [_said("We meet the guide at 10.", 0.5, 2.5, "S1"), _said("The coach leaves at 10.", 3.0, 4.5, "S1")]
    assert a_number_from_an_unrelated_line("At 10.", asked, moment_words(both), [e.transcript for e in both]) is None
    # an answer saying what the number's line is about shows whose number it is (fresh32: "Wann beginnen die
    # Skikurse?", put in English as "When do the ski courses start?", had been withheld)
    ski = [_said("Hi everyone, I'm Marco, and I'll be your ski instructor this week.", 0.5, 5.7, "S1"),
           _said("Lessons start at nine every morning and finish at noon.", 6.0, 11.2, "S1")]
    moments, said = moment_words(ski), [e.transcript for e in ski]
    asked = "When do the ski courses start?"
    assert a_number_from_an_unrelated_line("Lessons start at nine every morning and finish at noon.", asked, moments,
                                           said) is None
    assert a_number_from_an_unrelated_line("The ski courses start at nine.", asked, moments, said) == 9


def test_an_hour_put_in_the_other_half_of_the_day_than_its_lines_is_a_flaw():
    """fresh28, read: "What time does the pool open in the morning?" → "The pool opens at 8 o'clock in the
    morning." beside "The big pony opened till eight o'clock tonight." — the morning is the question's."""
    said = ["The big pony opened till eight o'clock tonight.", "Lockers cost one pony and you'll get the coin back."]
    assert an_hour_in_the_other_half_of_the_day("The pool opens at 8 o'clock in the morning.", said) == 8
    assert an_hour_in_the_other_half_of_the_day("Lessons are at 8 a.m.", said) == 8
    for answer in ("The pool is open until 8 o'clock tonight.", "The pool opens at 8 o'clock.",
                   "The video description does not say when it opens in the morning.",
                   "It opens at 7 in the morning.", "At 8 in the morning and 8 in the evening."):
        assert an_hour_in_the_other_half_of_the_day(answer, said) is None, answer
    # a line that gives the hour both ways, or with no half of the day, may be what the answer read
    assert an_hour_in_the_other_half_of_the_day("It opens at 8 in the morning.",
                                                said + ["We open at eight and close at ten."]) is None
    assert an_hour_in_the_other_half_of_the_day("The cafe opens at 8 in the evening.",
                                                ["Breakfast is served at eight every morning."]) == 8


def test_an_answer_for_a_day_no_line_names_is_a_flaw():
    """fresh30, unseen: "When does the library open on Sundays?" → "The library opens at 10 on Sundays." beside
    "The library opens at 10 and closes at 6 on weekdays." — the Sunday is the question's."""
    said = ["The library opens at 10 and closes at 6 on weekdays.", "On Saturday morning my colleague Ruth reads."]
    asked = "When does the library open on Sundays?"
    for answer in ("The library opens at 10 on Sundays.", "At 10.", "Yes, it is open."):
        assert a_day_no_line_names(answer, asked, said) == "Sunday", answer
    for answer in ("The video description does not say when it opens on Sundays.",
                   "It is not open on Sundays, only on weekdays.", "No."):
        assert a_day_no_line_names(answer, asked, said) is None, answer
    # a day some line names, or a word for days it is one of, may be what the answer read
    assert a_day_no_line_names("On Saturday morning.", "When does Ruth read on Saturdays?", said) is None
    assert a_day_no_line_names("At 10.", "When does it open on Tuesday?", said) is None
    assert a_day_no_line_names("At 10.", asked, said + ["We are open every day."]) is None
    assert a_day_no_line_names("At 10.", asked, ["It opens at 10 at weekends."]) is None
    assert a_day_no_line_names("At 10.", "When does it open?", said) is None


def test_a_moment_of_the_video_for_when_a_line_says_a_thing_happens_is_a_flaw():
    """fresh31 (unseen): "When does the dancing start?" → "The dancing starts at 0:00:29.1 in the video." beside
    Whisper's "The dancing starts at it, I think." (it lost the hour): the line tells when in the world."""
    heard = [_said("I'm you and I work with the room at the bank.", 7.5, 11.0, "S1"),
             _said("The dancing starts at it, I think.", 29.1, 31.0, "S1")]
    moments = moment_words(heard)
    asked = "When does the dancing start?"
    assert a_video_moment_where_a_line_says_when("The dancing starts at 0:00:29.1 in the video.", asked, moments)
    assert not a_video_moment_where_a_line_says_when("The dancing starts at 8, said at 0:00:29.1.", asked, moments)
    assert not a_video_moment_where_a_line_says_when("At 0:00:29.1.", "When is the dancing mentioned?", moments)
    assert not a_video_moment_where_a_line_says_when("At 0:00:05.", "When does the horse run?", moments)


def test_a_root_s_final_e_and_a_past_form_are_the_root_word():
    """fresh30 (unseen): "What is the sister's job?" → "The sister's job is nursing." beside Whisper's "My sister and I
    nurse." was withheld as adding a word no entry holds; fresh29 (read): "Why did Pippa run away?" → "…because she
    saw a small brown dog near the river this morning." passed, the line about running away being "She ran away when
    the firework started last night."."""
    assert stem("nursing") == stem("nurse") == stem("nursed") and stem("closing") == stem("close") == stem("closes")
    assert stem("lived") == stem("live") == stem("living") and stem("made") == stem("make") == stem("making")
    assert stem("ran") == stem("run") == stem("running") and stem("drove") == stem("drive") == stem("driven")
    assert stem("left") != stem("leave") and stem("bed") == "bed" and stem("use") == "use"
    lines = [_said("Excuse me, have you seen a small brown dog? I'm Hannah.", 0.5, 5.0, "S1"),
             _said("Hello Hannah, I'm George. I saw one near the river this morning.", 5.5, 10.5, "S2"),
             _said("Not steeper. She ran away when the firework started last night.", 11.0, 16.0, "S1")]
    asked = "Why did Pippa run away?"
    assert a_reason_no_line_gives("Pippa ran away because she saw a small brown dog near the river this morning.",
                                  asked, moment_words(lines))
    assert not a_reason_no_line_gives("She ran away because the firework started last night.", asked,
                                      moment_words(lines))


def test_a_doubled_consonant_before_ing_is_the_root_word():
    """fresh28, read: "When are the swimming lessons?" → "The swimming lessons are scheduled for 8 o'clock
    tonight." — the pool's closing time ("The big pony opened till eight o'clock tonight."); Whisper lost the
    lessons' line, and "swimming" ("swimm") was no word of "…must swim with an adult.", so no line seemed about
    the question at all."""
    assert stem("swimming") == stem("swim") == "swim" and stem("stopped") == "stop" and stem("running") == "run"
    assert stem("calling") == "call" and stem("missing") == "miss" and stem("added") == "add"
    pool = [_said("The big pony opened till eight o'clock tonight.", 6.2, 9.2, "S1"),
            _said("Children on the tin must swim with an adult.", 11.3, 13.7, "S1"),
            _said("My colleague Tom Runz is leaving this and on Friday.", 26.8, 30.6, "S1")]
    moments, said = moment_words(pool), [e.transcript for e in pool]
    asked = "When are the swimming lessons?"
    assert a_value_said_of_something_else("The swimming lessons are scheduled for 8 o'clock tonight.", asked,
                                          moments, said)
    assert not a_value_said_of_something_else("The swimming lessons are on Friday.", asked, moments, said)


def test_a_value_a_line_gives_something_else_is_a_flaw_when_another_line_is_about_the_thing_asked():
    """Asked as a new user would on the QA set's city tour: "What time does the museum close?" → "The museum
    closes at seven thirty to hide." — the library's closing time; the museum's line gives none."""
    moments, said = moment_words(TOUR_HEARD), [e.transcript for e in TOUR_HEARD]
    asked = "What time does the museum close?"
    assert a_value_said_of_something_else("The museum closes at seven thirty to hide.", asked, moments, said) == "museum"
    assert a_value_said_of_something_else("The library closes at seven thirty.", "What time does the library close?",
                                          moments, said) is None
    assert a_value_said_of_something_else("The museum opens at hide in the morning.", "When does the museum open?",
                                          moments, said) is None
    # a number is what an answer adds too (fresh9, read after its final run: "The museum opens at 4.30." from
    # "The cafe in the second floor closing at 4.30.")
    museum = [_said("Welcome to the river museum.", 0.1, 2.4, "S1"), _said("The cafe in the second floor closing at 4.30.",
                                                                          12.2, 15.6, "S1")]
    assert a_value_said_of_something_else("The museum opens at 4.30.", "What time does the museum open?",
                                          moment_words(museum), [e.transcript for e in museum]) == "museum"
    # each sentence from its own line: the cat's name, then the coffee's price (an OpenAI-compatible server's answer)
    pets = [_said("My cat is called Whiskers.", 0.5, 2.5, "S1"), _said("The coffee costs three dollars.", 5.5, 7.5, "S1")]
    assert a_value_said_of_something_else("The cat is called Whiskers. The coffee costs three dollars.",
                                          "What is the cat's name?", moment_words(pets), [e.transcript for e in pets]) is None
    # a line that may refer back ("it") may be about the thing asked: a conversation's "I can repair it by Friday"
    shop = [_said("My laptop stopped working last week.", 2.4, 4.6, "S1"),
            _said("I can repair it by Friday.", 14.0, 15.7, "S2")]
    assert a_value_said_of_something_else("The laptop will be ready on Friday.", "When will the laptop be ready?",
                                          moment_words(shop), [e.transcript for e in shop]) is None
    # "I", "we", "you" and "our" stand for people, not for the thing asked about (a new user's try, session 20; fresh33)
    centre = [_said("Our tomato plants are half price until Sunday.", 6.5, 10.0, "S1"),
              _said("On Saturday my husband Luis runs a free workshop on pruning roses.", 17.0, 22.0, "S1")]
    assert a_value_said_of_something_else("The roses are half price until Sunday.", "How much are the roses?",
                                          moment_words(centre), [e.transcript for e in centre]) is not None
    store = [_said("Hi, I'm looking for some blue paint for my kitchen.", 0.5, 5.0, "S1"),
             _said("We deliver free on Tuesdays if you spend over fifty pounds.", 17.5, 22.0, "S2")]
    assert a_value_said_of_something_else("The paint costs fifty pounds.", "How much does the paint cost?",
                                          moment_words(store), [e.transcript for e in store]) == "paint"
    # ...but "she" may be an animal, and a question about someone may be answered by their own "I"
    cat = [_said("This is my cat.", 4.5, 6.0, "S1"), _said("She likes milk.", 6.2, 7.5, "S1")]
    assert a_value_said_of_something_else("The cat likes milk.", "What does the cat like?",
                                          moment_words(cat), [e.transcript for e in cat]) is None
    route = [_said("Our driver today is Frank.", 6.0, 9.0, "S1"), _said("I've driven this route for ten years.", 12.0, 15.0, "S2")]
    assert a_value_said_of_something_else("Frank has driven this route for ten years.",
                                          "How long has Frank driven this route?",
                                          moment_words(route), [e.transcript for e in route]) is None
    # what the thing does is no thing: "come" is in another line, the wind and its value in this one (fresh14)
    weather = [_said("In the afternoon the sun comes out and it reaches 90 degrees.", 10.0, 15.0, "S1"),
               _said("Sunday brings heavy rain and strong winds from the north.", 16.5, 21.0, "S1")]
    assert a_value_said_of_something_else("The wind comes from the north.", "Where does the wind come from?",
                                          moment_words(weather), [e.transcript for e in weather]) is None
    # a bare value, the one thing asked of in no word of it (fresh17, read after its first run)
    pool = [_said("Lessons for beginners are on Tuesday and Thursday.", 16.0, 19.5, "S1"),
            _said("Lockers cost 1 pound and you get a coin back.", 20.5, 23.6, "S1"),
            _said("The flight time today is two hours and ten minutes.", 24.0, 27.0, "S1")]
    pool_moments, pool_said = moment_words(pool), [e.transcript for e in pool]
    assert a_value_said_of_something_else("1 pound", "How much is a lesson?", pool_moments, pool_said) == "lesson"
    assert a_value_said_of_something_else("One pound.", "How much is a locker?", pool_moments, pool_said) is None
    assert a_value_said_of_something_else("2 hours and 10 minutes", "How long is the flight?", pool_moments,
                                          pool_said) is None  # the line holding the value names the flight
    assert a_value_said_of_something_else("1 pound", "How much is a towel?", pool_moments, pool_said) is None  # no line of it
    # a thing of two words, the line naming it by one ("Wann öffnet das Schwimmbad?", in English)
    opens = [_said("Good morning, and welcome to the swimming pool.", 0.5, 3.5, "S1"),
             _said("The pool opens at half past six, and closes at nine in the evening.", 6.0, 10.0, "S1")]
    assert a_value_said_of_something_else("The swimming pool opens at half past six.", "When does the swimming pool open?",
                                          moment_words(opens), [e.transcript for e in opens]) is None


MARKET_HEARD = [_said("The market opens every Sunday at 8.", 0.1, 2.6, "S1"),  # (Whisper tiny.en's words)
                _said("Our neighbors can't sleep under the fruit stall.", 5.7, 8.5, "S1"),
                _said("Grandpa rides his motorcycle to the market.", 10.7, 13.2, "S1")]


def test_an_answer_that_turns_a_line_round_is_a_flaw():
    """Asked as a new user would on the QA set's market: "When does the market close?" → "The market
    closes every Sunday at 8." from "The market opens every Sunday at 8."."""
    moments, said = moment_words(MARKET_HEARD), [e.transcript for e in MARKET_HEARD]
    assert the_opposite_of_what_a_line_says("The market closes every Sunday at 8.", "When does the market close?",
                                            moments, said) == "close"
    assert the_opposite_of_what_a_line_says("The market opens every Sunday at 8.", "When does the market open?",
                                            moments, said) is None
    assert the_opposite_of_what_a_line_says("The video description does not say when it closes.",
                                            "When does the market close?", moments, said) is None
    # the opposite of what was asked: "When does the cafe open?" → "The cafe … closing at 6 to 9." (the station)
    cafe = [_said("The cafe near the main entrance closing at 6 to 9.", 12.7, 16.0, "S1")]
    assert the_opposite_of_what_a_line_says("The cafe near the main entrance closing at 6 to 9.",
                                            "When does the cafe open?", moment_words(cafe),
                                            [e.transcript for e in cafe]) == "open"
    # ("opens at 9" beside a line that only says when it closes is a value taken the wrong way round too)
    assert the_opposite_of_what_a_line_says("It opens at 9 and closes at 6.", "When does the cafe open?",
                                            moment_words(cafe), [e.transcript for e in cafe]) == "open"
    hours = [_said("The cafe opens at 9 and closes at 6.", 12.7, 16.0, "S1")]
    assert the_opposite_of_what_a_line_says("It opens at 9 and closes at 6.", "When does the cafe open?",
                                            moment_words(hours), [e.transcript for e in hours]) is None
    lake = [_said("Are you coming to the lake on Saturday?", 2.5, 4.6, "S1")]  # one trip seen from either end
    assert the_opposite_of_what_a_line_says("Paul is going to the lake on Saturday.", "Where is Paul going on Saturday?",
                                            moment_words(lake), [e.transcript for e in lake]) is None
    both = [_said("The train leaves at nine and arrives at ten.", 1.0, 4.0, "S1")]
    assert the_opposite_of_what_a_line_says("It arrives at ten.", "When does the train arrive?", moment_words(both),
                                            [e.transcript for e in both]) is None


def test_a_voice_label_given_as_who_is_a_flaw_unless_a_line_of_that_voice_says_it():
    """Asked as a new user would on the QA set's market (one narrator): "Who owns the cat?" → "The cat is
    owned by S1."; a voice whose own line says it may be the answer ("We rent a boat at 10." → S1)."""
    moments = moment_words(MARKET_HEARD)
    assert a_voice_label_no_line_of_it_supports("The cat is owned by S1.", "Who owns the cat?", moments) == "S1"
    assert a_voice_label_no_line_of_it_supports("S1 rides it to the market.", "Who rides the motorcycle?", moments) is None
    assert a_voice_label_no_line_of_it_supports('S1 says: "Grandpa rides his motorcycle to the market."',
                                                "Who owns the cat?", moments) is None  # the voice of a quote
    assert a_voice_label_no_line_of_it_supports("S1.", "Who speaks first?", moments) is None  # about the voices
    # the who of a question's second part (a new user's first try, session 14)
    cake = moment_words([_said("Of course, I'm Pablo.", 5.0, 6.5, "S2"), _said("It will cost 80 pounds.", 18.8, 20.0, "S2"),
                         _said("I'll pick it up at noon.", 22.0, 24.0, "S1")])
    compound = "When will she pick it up, and who will bake it?"
    assert a_voice_label_no_line_of_it_supports("She will pick it up at noon. S1 will bake it.", compound, cake) == "S1"
    assert a_voice_label_no_line_of_it_supports("At noon. S1 picks it up.", "When will she pick it up, and who picks it up?",
                                                cake) is None  # S1's own line says it
    assert a_voice_label_no_line_of_it_supports("At noon. S1 will bake it.", "When will she pick it up?", cake) is None


@pytest.mark.parametrize(("answer", "name"), [
    ('Jo is the person who says "See you on Monday, Joe."', "Jo"),  # the call, asked "Who is Jo?" as a new user
    ('Maria says "Hi Maria, it\'s Daniel."', "Maria"),
    ('Maria says: "Hello Daniel!"', None),
    ('Jo says "the people there call me Jo."', None),
    ("Jo lives in Toronto.", None),
])
def test_a_line_said_to_someone_is_not_said_by_them(answer, name):
    assert a_line_given_to_whom_it_addresses(answer) == name


def test_the_one_a_line_speaks_to_is_not_the_doer_of_what_its_speaker_says():
    """fresh15's ticket counter (read after its run; both voices had one label): "Who wants to pay by card?" →
    "Emma wants to pay by card." beside "Thanks, Emma. Can I pay by card?"."""
    said = ["Of course, the first train leaves at 7:15 from platform 2.", "My name is Victor and I booked a space for "
            "my bicycle by phone.", "Yes, I have it here, I'm Emma, I took your call.", "Thanks, Emma. Can I pay by card?"]
    moments = moment_words([_said(text, 5.0 * n, 5.0 * n + 4, "S1") for n, text in enumerate(said)])
    asked = "Who wants to pay by card?"
    assert a_doer_the_line_speaks_to("Emma wants to pay by card.", asked, moments, said) == "Emma"
    assert a_doer_the_line_speaks_to("Emma.", asked, moments, said) == "Emma"
    assert a_doer_the_line_speaks_to("Victor wants to pay by card.", asked, moments, said) is None
    assert a_doer_the_line_speaks_to("The video description does not say.", asked, moments, said) is None
    assert a_doer_the_line_speaks_to("Emma is the clerk.", "Who is Emma?", moments, said) is None  # who she is
    # a line quoted as the answer, opening with a place (the QA set's call: "Who lives in Chicago?")
    chicago = ["Chicago, my brother lives there."]
    assert a_doer_the_line_speaks_to("Chicago, my brother lives there.", "Who lives in Chicago?",
                                     moment_words([_said(chicago[0], 0.0, 2.0, "S2")]), chicago) is None
    # asked to do it ("Emma, can you …"), or the name's own line: she may be the one
    asking = ["Emma, can you pay by card?"]
    assert a_doer_the_line_speaks_to("Emma pays by card.", "Who pays by card?",
                                     moment_words([_said(asking[0], 0.0, 2.0, "S1")]), asking) is None
    own = ["Thanks, Emma. I'm Emma too, and I pay by card."]
    assert a_doer_the_line_speaks_to("Emma pays by card.", "Who pays by card?",
                                     moment_words([_said(own[0], 0.0, 2.0, "S1")]), own) is None


def test_two_names_two_voices_gave_themselves_are_not_one_person():
    """The call, asked "Who is Jo?" as a new user: retried, "Jo is Marco." — S1 said "Hi, this is Marco.",
    S2 "…the people there call me Jo."."""
    call = [_said("Hi, this is Marco.", 0.2, 1.8, "S1"), _said("Then tell him the people there call me Joe.", 13.0, 16.0, "S2")]
    assert two_voices_said_to_be_one("Jo is Marco.", call) == "Jo is Marco"
    assert two_voices_said_to_be_one("Jo is the person Marco calls.", call) is None
    one_voice = [_said("I'm Tom.", 0.0, 1.0, "S2"), _said("And I'm Priya.", 5.0, 6.0, "S2")]  # (two people, one label)
    assert two_voices_said_to_be_one("Tom is Priya.", one_voice) is None


def test_a_sentence_quoted_as_one_voices_that_another_voice_said_is_a_flaw():
    """The 0.5B, asked again "Who lives in Chicago?", joined two turns under one label."""
    assert a_line_given_to_another_voice('S2: "Really? Chicago, my brother lives there.', CALL) == (
        "Chicago, my brother lives there.")
    assert a_line_given_to_another_voice('At 0:00:10 S1 says: "Chicago, my brother lives there."', CALL) is None
    assert a_line_given_to_another_voice('S2 says: "tell him the people they call me Joe"', CALL) is None
    assert a_line_given_to_another_voice('S1: "Really?"', CALL) is None  # too short to be anyone's alone
    assert a_line_given_to_another_voice("Marco's brother lives in Chicago.", CALL) is None


def test_a_voice_label_given_what_that_voice_said_someone_else_does_is_a_flaw():
    """fresh6: "Who loves the island?" → "S1 loves the island." beside S1's "She loves the island.";
    a label is who spoke, not who the line is about."""
    ferry = [_said("Can Grandma come too?", 15.2, 16.6, "S1"), _said("She loves the island.", 17.0, 18.2, "S1")]
    assert a_voice_given_what_it_said_of_another("S1 loves the island.", ferry) == "S1"
    assert a_voice_given_what_it_said_of_another("S1 lives in Chicago.", CALL) == "S1"  # "my brother lives there"
    assert a_voice_given_what_it_said_of_another("S2 moved to Toronto last spring.", CALL) is None  # "I moved"
    assert a_voice_given_what_it_said_of_another('S1 says: "She loves the island."', ferry) is None
    assert a_voice_given_what_it_said_of_another("Grandma loves the island.", ferry) is None
    # an answer that is only a label does what the question asks about (a new user's try, session 19)
    roses = [_said("I'm Priya, the manager.", 3.6, 5.4, "S1"),
             _said("On Sunday my brother Sam gives a free talk about roses.", 23.2, 26.4, "S1")]
    assert a_voice_given_what_it_said_of_another("S1", roses, "Who gives the talk about roses?") == "S1"
    assert a_voice_given_what_it_said_of_another("S1", roses, "Who is the manager?") is None
    mine = roses + [_said("I give the tours myself.", 27.0, 29.0, "S1")]
    assert a_voice_given_what_it_said_of_another("S1", mine, "Who gives the tours?") is None


def test_a_name_given_what_its_voice_said_of_another_is_a_flaw():
    """fresh19 (read after its run): "Who planted the apple tree?" → "Felix planted the apple tree by the gate."
    (and "Felix plantó el manzano." asked in Spanish) beside Felix's "My grandmother planted the apple tree by
    the gate.": the name a voice gave itself is who spoke, not who the line says did it."""
    garden = [_said("I'm Felix.", 7.1, 7.9, "S2"),
              _said("My grandmother planted the apple tree by the gate.", 8.5, 11.2, "S2"),
              _said("I grew up in Dublin, but now I live on Mill Lane.", 11.6, 16.3, "S1"),
              _said("Hi, I'm Helen.", 0.2, 1.9, "S1")]
    asked = "Who planted the apple tree?"
    assert a_name_given_what_its_voice_said_of_another("Felix planted the apple tree by the gate.", asked,
                                                       garden) == "Felix"
    assert a_name_given_what_its_voice_said_of_another("Felix plantó el manzano.", asked, garden) == "Felix"
    assert a_name_given_what_its_voice_said_of_another("Felix.", asked, garden) == "Felix"
    assert a_name_given_what_its_voice_said_of_another("Marco.", "Who lives in Chicago?", CALL) == "Marco"
    # the relative named, someone who said it of themselves, a name no voice gave itself, a "who is"
    assert a_name_given_what_its_voice_said_of_another("Felix's grandmother planted it.", asked, garden) is None
    assert a_name_given_what_its_voice_said_of_another("La abuela de Felix.", asked, garden) is None
    assert a_name_given_what_its_voice_said_of_another("Helen lives on Mill Lane.", "Who lives on Mill Lane?",
                                                       garden) is None
    assert a_name_given_what_its_voice_said_of_another("Rosa planted it.", asked, garden) is None
    assert a_name_given_what_its_voice_said_of_another("Felix is.", "Who is Helen's neighbour?", garden) is None
    club = [_said("Welcome to the book club.", 0.1, 2.2, "S1"), _said("I'm Bryce, and tonight we're reading.", 2.8, 5.5, "S1")]
    assert a_name_given_what_its_voice_said_of_another("Bryce", "Who welcomes everyone to the book club?", club) is None


def test_a_time_of_day_answered_with_a_moment_of_the_video_is_a_flaw():
    """fresh6: "What time does the ferry leave?" → "The ferry leaves at 0:00:14.0" (Whisper had heard
    "the fairy leaves every lemon"): the video's clock is not the day's."""
    asked = "What time does the ferry leave?"
    assert a_video_time_for_a_time_of_day("The ferry leaves at 0:00:14.0", asked)
    assert not a_video_time_for_a_time_of_day("At eleven (said at 0:00:07).", asked)
    assert not a_video_time_for_a_time_of_day("The video description does not say.", asked)
    assert not a_video_time_for_a_time_of_day("At 0:00:04.", "What time is the horse shown?")  # the video's clock
    assert not a_video_time_for_a_time_of_day("At 0:00:04.", "What time does the video show the cat?")
    # fresh19: "À quelle heure arrosent-ils le jardin ?", translated "When do they water the garden?" (a "when"
    # may ask for either clock), answered "Ils font le jardin à 0:00:10.0.": the question as asked says which
    french = "À quelle heure arrosent-ils le jardin ?"
    assert a_video_time_for_a_time_of_day("Ils font le jardin à 0:00:10.0.", "When do they water the garden?", french)
    assert a_video_time_for_a_time_of_day("They water the garden at 0:00:10.0.", "When do they water the garden?",
                                          "花园几点浇水？")
    assert not a_video_time_for_a_time_of_day("At 0:00:10.0.", "When do they water the garden?")
    assert not a_video_time_for_a_time_of_day("À 0:00:10.", "At what time is the cat shown?",
                                              "À quelle heure voit-on le chat ?")
    # "the show" is a programme, not the video showing (fresh15, read after its run)
    assert a_video_time_for_a_time_of_day("The show starts at 0:00:24.0.", "What time does the show start?")
    assert not a_video_time_for_a_time_of_day("At 0:00:04.", "At what time does the speaker mention the ferry?")


def test_a_name_question_answered_with_no_name_is_a_flaw():
    """fresh7: "What is the name of the cafe?" → "The cafe near the main entrance closing at 6 to 9.": the
    line about the cafe, read as an answer, gives no name."""
    asked = "What is the name of the cafe?"
    assert a_name_question_answered_without_one("The cafe near the main entrance closing at 6 to 9.", asked)
    assert a_name_question_answered_without_one("The cafe is near the main entrance of the station.", asked)
    # a name given, however it is written
    assert not a_name_question_answered_without_one("The cafe is called Rosie's and is by the door.", asked)
    assert not a_name_question_answered_without_one("The cafe near the entrance is Bean Street Coffee.", asked)
    assert not a_name_question_answered_without_one("The cat's name is whiskers, the speaker says.",
                                                    "What is the cat's name?")
    assert not a_name_question_answered_without_one("whiskers.", "What is the cat's name?")
    assert not a_name_question_answered_without_one('The narrator calls the cafe "the blue door".', asked)
    # the thing asked about again, in lower-case words, is no name: three unseen sets (fresh23, fresh24, fresh27) and
    # the held-out "What are the horses called?", each where no line names it
    for answer, question in (("The church is called the church hall.", "What is the church called?"),
                             ("The school is called the primary school.", "What is the school called?"),
                             ('The cafe is called the "cafe by the station."', "What is the cafe called?"),
                             ('The horses are called "horses" (from 0:00:00.0 to 0:00:01.0).', "What are the horses called?")):
        assert a_name_question_answered_without_one(answer, question), answer
    assert not a_name_question_answered_without_one("The hotel is called the Grand Hotel.", "What is the hotel called?")
    # another thing in lower-case words after an article is no name either (fresh32, asked before it was read: no
    # line names the campsite or the resort; the answers took a word of a line)
    for answer, question in (("The campsite is called the garden.", "What is the campsite called?"),
                             ("The ski resort is called the shop next to the chatlift.", "What is the ski resort called?")):
        assert a_name_question_answered_without_one(answer, question), answer
    assert not a_name_question_answered_without_one("The dog is called biscuit.", "What is the dog called?")
    # a name followed by the thing's own words names it, also after "from" (a new user's try, session 20)
    centre = [Event(start=0.5, end=5.0, module="speech", text='S1: "Hello, this is Rosa from Greenfield Garden Centre."',
                    data=SpeechData(speaker="S1", transcript="Hello, this is Rosa from Greenfield Garden Centre."))]
    assert a_name_no_line_gives_it("Greenfield Garden Centre", "What is the garden centre called?", centre) is None
    # a title alone is no name (fresh33: "Doctor Patel sees children on Wednesday afternoons.")
    assert a_name_question_answered_without_one("Dr.", "What is Doctor Patel's first name?")
    assert not a_name_question_answered_without_one("Dr. Anil Patel", "What is Doctor Patel's first name?")
    # the video does not tell, said so; a question's own name is not an answer to it
    assert not a_name_question_answered_without_one("The video does not say what the cafe is called.", asked)
    assert a_name_question_answered_without_one("Ruth's dog ate chapter ten of the book.",
                                                "What is the name of Ruth's dog?")
    assert a_name_question_answered_without_one("Marco's brother lives in Chicago.",  # a place is not his name
                                                "What is the name of Marco's brother?")
    assert not a_name_question_answered_without_one("In Leeds, his brother is known to all as Tom.",
                                                    "What is the name of Marco's brother?")
    # not a name question
    assert not a_name_question_answered_without_one("The cafe near the main entrance closes at six.",
                                                    "When does the cafe close?")


def test_a_streamed_answer_to_a_name_question_that_gives_no_name_is_not_shown(fake_chat):
    """fresh7, streamed: the first sentence had been given before the whole answer was looked at."""
    heard = "The cafe near the main entrance closing at 6 to 9."  # Whisper's "closes at six tonight"
    events = [Event(start=12.7, end=16.0, module="speech", text=f'S1: "{heard}"',
                    data=SpeechData(speaker="S1", transcript=heard))]
    description = Description(video=VideoInfo(path="station.mp4", duration=18.0, fps=25.0, width=64, height=48),
                              events=events)
    chat = VideoChat(NO_CACHE, chat_model=fake_chat("The cafe near the main entrance closing at 6 to 9.",
                                                    "The cafe is near the main entrance."))
    stream = chat.chat(description).stream("What is the name of the cafe?")
    text = "".join(stream)
    assert text.startswith("The video description does not say exactly") and heard in text
    assert stream.whole().path == "extractive"


def test_the_note_that_a_picture_looks_drawn_is_not_quoted_as_the_nearest_answer(fake_chat):
    """fresh5's "谁来看望妮娜？" ended in "视频显示：the picture looks drawn or animated…", the nearest entry quoted:
    that note tells how a shot looks, and answers only a question about that."""
    from videochat_text.payloads import DrawnPictureData
    note = "the picture looks drawn or animated, not filmed: object labels may be wrong"
    events = [Event(start=0.0, end=8.0, module="objects", text=note,
                    data=DrawnPictureData(flat_share=0.6, area=(0.0, 0.0, 64.0, 48.0))),
              Event(start=1.0, end=3.0, module="speech", text='S1: "Hey Nina, it\'s Paul."',
                    data=SpeechData(speaker="S1", transcript="Hey Nina, it's Paul."))]
    description = Description(video=VideoInfo(path="weekend.mp4", duration=9.0, fps=25.0, width=64, height=48),
                              events=events)
    for question in ("Who was wrong?", "Is the video drawn?"):  # (the note's own words: "… may be wrong")
        model = fake_chat(question, question)  # the question given back, twice: the nearest entry is quoted
        answer = VideoChat(NO_CACHE, chat_model=model).ask(description, question)
        assert answer.path == "extractive" and (note in answer.text) == (question == "Is the video drawn?"), answer.text


def test_a_place_name_no_entry_holds_whole_is_a_flaw():
    """fresh6: "What street is the clinic on?" → "The clinic is on Riverside Street." beside "Good
    morning, Riverside Clinic…": every word is known, the address is not."""
    lines = [_said("Good morning, Riverside Clinic, Mrs.", 0.1, 3.3, "S1"),
             _said("I teach music at the school on King Street.", 10.0, 13.0, "S2")]
    asked = "What street is the clinic on?"
    assert a_place_name_no_entry_holds("The clinic is on Riverside Street.", asked, lines) == "Riverside Street"
    assert a_place_name_no_entry_holds("The school is on King Street.", asked, lines) is None
    assert a_place_name_no_entry_holds("The Riverside Clinic.", "What is the clinic called?", lines) is None
    assert a_place_name_no_entry_holds("On Elm Road.", "Is it on Elm Road?", lines) is None  # the question's
    # fresh9, read after its final run: "What is the name of the bike shop?", which no line gives
    assert a_place_name_no_entry_holds('The bike shop is called "School Bike Shop".', "What is the name of the bike shop?",
                                       lines + [_said("I ride it to school every day.", 20.4, 23.7, "S1")]) == "School Bike Shop"


def test_a_quotation_is_given_whole_never_cut_at_a_sentence_end_inside_it(described, fake_chat):
    """'S2: "Really?' was streamed alone; the rest of the answer put another voice's line under S2's
    label and was withheld, but what was given could not be taken back."""
    from videochat_text.answering.session import _sentences

    assert _sentences('S2: "Really? Chicago, my brother lives there. And') == [
        'S2: "Really? Chicago, my brother lives there. And']
    assert _sentences('She said "Hi. Bye." Then she left. Next') == ['She said "Hi. Bye." Then she left.', "Next"]
    assert _sentences("Er sagt „Hallo. Tschüss.“ Dann geht er. Und") == ["Er sagt „Hallo. Tschüss.“ Dann geht er.", "Und"]
    model = fake_chat('She says: "Hello. This is the astronaut Eileen Collins."')
    stream = VideoChat(NO_CACHE, chat_model=model).chat(described).stream("What does the astronaut say?")
    assert list(stream) == ['She says: "Hello. This is the astronaut Eileen Collins."']


def test_an_answer_stopped_at_a_flawed_first_sentence_is_not_generated_to_its_end(described, fake_chat):
    """Closing a ``prompt | model | parser`` chain's stream let llama.cpp generate on to its token limit
    before the retry began: 12 s, and 30-60 s for the QA set's Chinese questions answered with themselves."""
    echo = "What is the cat's name? " + "And so the story goes on and on. " * 40
    model = fake_chat(echo, "The cat is called Whiskers.")
    pulled = []
    generate = type(model)._stream

    def counting(self, *args, **kwargs):
        for chunk in generate(self, *args, **kwargs):
            pulled.append(chunk)
            yield chunk

    type(model)._stream = counting
    try:
        answer = VideoChat(NO_CACHE, chat_model=model).ask(described, "What is the cat's name?")
    finally:
        type(model)._stream = generate
    assert "Whiskers" in answer.text and "story" not in answer.text
    words_in_echo = len(echo.split())
    assert len(pulled) < words_in_echo / 4  # the echo stopped at its first sentence, then the retry's chunks


PETS = [_said("My cat is called Whiskers.", 0.5, 2.0), Event(start=4, end=8, module="objects", text="1 horse (center)"),
        _said("The horse lives on a farm in Texas.", 4.5, 6.0), _said("The rocket launches on Friday.", 8.5, 10.0)]
INTRODUCTIONS = [_said("Nice to meet you, Anna. I'm Tom, and I come from Glasgow.", 3.0, 8.0, "S2"),
                 _said("And I'm Priya. Tom and I both work at the hospital. Priya is my sister, actually.", 14.0, 22.0, "S2")]
FLATMATES = [_said("Hi, I'm Sam.", 0.2, 2.0, "S1"), _said("And I'm Omar.", 10.3, 10.8, "S2"),
             _said("I teach music at the school on King Street.", 11.4, 14.0, "S2"),
             _said("Music? My daughter wants to learn the piano.", 14.6, 17.4, "S1")]
TRIP = [_said("Good morning everyone. Tomorrow our class visits the science centre.", 0.5, 5.5),
        _said("The coach leaves the school gate at half past eight.", 6.0, 11.0)]
PHONE = [_said("Hello, Daniel. I'm at the train station in Boston.", 4.0, 8.0, "S3"),
         _said("Can you meet Professor Brown at the museum on Saturday?", 9.0, 12.0, "S2"),
         _said("Sure. I will bring my sister Julia at noon.", 13.0, 16.0, "S3")]


@pytest.mark.parametrize("question, answer, entries, misnamed", [
    # found on the QA set: test ("Marco's brother"), fresh2 and fresh3 (so none of these is held out)
    ("What is the horse's name?", "The horse's name is Whiskers.", PETS, "Whiskers"),
    ("What is the rocket called?", "The rocket called is Friday.", PETS, "Friday"),  # "on Friday": a day
    ("What is Marco's brother's name?", "Marco's brother's name is Joe.", CALL, "Joe"),  # the other voice's own
    ("What's the name of the hospital?", "The hospital is Priya.", INTRODUCTIONS, "Priya"),  # another sentence
    ("What is the name of the train station?", "The train station in Boston.", PHONE, "Boston"),  # "in Boston"
    ("What is the name of the school?", "The school is called the science centre.", TRIP, "science"),  # fresh10
    ("What is the cat called?", "The cat is called whiskers.", PETS, None),  # as Whisper may write it
    ("What is the cat's name?", "Whiskers", PETS, None),
    ("What is the name of Tom's sister?", "Tom's sister is Priya.", INTRODUCTIONS, None),  # "Priya is my sister"
    ("What is the name of Maria's sister?", "Maria's sister is Julia.", PHONE, None),  # "my sister Julia"
    ("What is the professor's name?", "Professor Brown", PHONE, None),
    ("What do people in Chicago call Marco's friend?", "Marco's friend is Joe.", CALL, None),
    ("What is the name of the person Marco is calling?", "Joe", CALL, None),  # a voice naming itself
    ("What is the name of Marco's friend?", "Joe", CALL, None),  # no line says "friend": not told apart
    ("Where does the horse live?", "Texas", PETS, None),  # not a question for a name
    ("What is the horse called?", "The video description does not say.", PETS, None),
    # a fresh5 answer the rule had withheld: a voice names itself, then says what it does in its own turn
    ("What is the name of the music teacher?", "The music teacher is Omar.", FLATMATES, None),
    ("What is the name of Sam's daughter?", "Sam's daughter is Omar.", FLATMATES, "Omar"),  # another voice's
    ("What is the name of the piano teacher?", "The piano teacher is Sam.", FLATMATES, "Sam"),  # turn ends at S2
])
def test_a_name_no_line_gives_to_the_thing_asked_about_is_a_flaw(question, answer, entries, misnamed):
    assert a_name_no_line_gives_it(answer, question, entries) == misnamed


def test_a_name_a_voice_gave_itself_is_not_the_name_of_a_role_no_line_names():
    """fresh8: "What is the receptionist's name?" → "The receptionist's name is Daniel Patel." beside the
    guest's "My name is Daniel Patel." (fresh6 likewise: "Marco", the caller). No line says who the
    receptionist is; even "this is Hannah speaking" at a clinic is the line to quote, not a fact."""
    hotel = [_said("Good evening. I have a booking for two nights. My name is Daniel Patel.", 0.5, 5.5, "S1"),
             _said("Welcome, Mr Patel. You are in room twelve, on the fourth floor.", 6.0, 10.5, "S2")]
    asked = "What is the receptionist's name?"
    assert a_name_no_line_gives_it("The receptionist's name is Daniel Patel.", asked, hotel) == "Daniel"
    clinic = [_said("Good morning, Riverside Clinic, this is Hannah speaking.", 0.5, 4.0, "S1"),
              _said("Hi, my name is Marco. I'd like to see a dentist this week.", 4.5, 9.0, "S2")]
    assert a_name_no_line_gives_it("The receptionist's name is Marco.", asked, clinic) == "Marco"
    assert a_name_no_line_gives_it("The video description does not say.", asked, clinic) is None
    tour = [_said("Hello, I'm Oliver, your guide today.", 0.0, 3.0, "S1")]  # the line says it
    assert a_name_no_line_gives_it("The guide is Oliver.", "What is the guide's name?", tour) is None
    # the rest of the role spoken of, the role itself in no line (fresh17, read after its first run)
    pool = [_said("Good morning, and welcome to the swimming pool.", 0.5, 3.5, "S1"),
            _said("I am Marcus, your coach today.", 3.6, 5.5, "S1")]
    assert a_name_no_line_gives_it("Marcus", "Who is the pool manager?", pool) == "Marcus"
    assert a_name_no_line_gives_it("Marcus", "Who is the swimming coach?", pool) is None
    music = [_said("And I'm Omar.", 10.0, 11.0, "S3"), _said("I teach music at the school.", 13.0, 16.0, "S3")]
    assert a_name_no_line_gives_it("Omar", "What is the name of the music teacher?", music) is None  # "I teach"


def test_a_name_a_voice_gave_itself_is_not_the_name_of_someone_by_trade():
    """fresh9, read after its final run: "What was the fisherman's name?" → "The fisherman's name was Helen."
    beside the guide's "My name is Helen…" and Whisper's "…by fishermen from Cork"."""
    museum = [_said("My name is Helen and I will be your guide.", 2.9, 5.6, "S1"),
              _said("This boat was built in 1890 by fishermen from Cork.", 6.3, 9.8, "S1")]
    assert a_name_no_line_gives_it("The fisherman's name was Helen.", "What was the fisherman's name?", museum) == "Helen"
    assert a_name_no_line_gives_it("The guide is Helen.", "What is the guide's name?", museum) is None


def test_someone_a_voice_wants_to_see_is_not_that_voice():
    """Asked as a new user would on fresh6's clinic (read in session 7): "Who is the dentist?" → "The
    dentist is Marco." beside "Hi, my name is Marco." + "I'd like to see an dentist this week." (Whisper
    split them in two lines of one turn). "Who is the X?" asks for a name like "What is the X's name?"."""
    clinic = [_said("Hi, my name is Marco.", 4.8, 6.2, "S2"), _said("I'd like to see an dentist this week.", 6.7, 9.0, "S2"),
              _said("Dr. Patel is free on Wednesday at half past two.", 9.8, 13.3, "S1")]
    assert a_name_no_line_gives_it("The dentist is Marco.", "Who is the dentist?", clinic) == "Marco"
    teacher = [_said("And I'm Omar.", 10.3, 11.0, "S3"), _said("I teach music at the school on King Street.", 11.4, 14.0, "S3")]
    assert a_name_no_line_gives_it("Omar.", "Who is the music teacher?", teacher) is None  # what he does
    assert a_name_no_line_gives_it("The guide is Oliver.", "Who is the guide?",
                                   [_said("Our guide today is called Oliver,", 20.1, 22.1, "S1")]) is None


def test_of_lines_naming_what_is_asked_the_one_holding_the_time_asked_for_is_quoted_first(fake_chat):
    """fresh8: "What time does breakfast start?" quoted "Is breakfast included?" (earlier, one word of the
    question each) before "breakfast is from 7 to 10"."""
    assert holds_the_value_asked("What time does breakfast start?", "Yes, breakfast is from 7 to 10.")
    assert not holds_the_value_asked("What time does breakfast start?", "Is breakfast included?")
    assert not holds_the_value_asked("Where is breakfast?", "Yes, breakfast is from 7 to 10.")
    said = [("Is breakfast included?", 12.0), ("Yes, breakfast is from seven to ten in the garden.", 14.0)]
    events = [Event(start=t, end=t + 2, module="speech", text=f'S1: "{words}"',
                    data=SpeechData(speaker="S1", transcript=words)) for words, t in said]
    description = Description(video=VideoInfo(path="hotel.mp4", duration=18.0, fps=25.0, width=64, height=48),
                              events=events)
    answer = VideoChat(NO_CACHE, chat_model=fake_chat("Breakfast starts at noon.", "At noon.")).ask(
        description, "What time does breakfast start?")
    assert answer.path == "extractive" and "from seven to ten" in answer.text


def test_a_what_time_question_answered_with_no_time_is_a_flaw():
    """fresh8: "What time does the library open?" → "The library opens next Monday after repairs."."""
    asked = "What time does the library open?"
    assert a_time_of_day_question_answered_without_one("The library opens next Monday after repairs.", asked)
    for answer in ("It opens at seven thirty.", "At 7:30.", "Tonight.", "At six in the evening.",
                   "The video description does not say."):
        assert not a_time_of_day_question_answered_without_one(answer, asked), answer
    # a year is no time of day (fresh9, read after its final run: "The museum opens at 1890.")
    assert a_time_of_day_question_answered_without_one("The museum opens at 1890.", "What time does the museum open?")
    assert not a_time_of_day_question_answered_without_one("It opened at nine in 2024.", "What time does it open?")
    assert not a_time_of_day_question_answered_without_one("On Monday.", "When does the library open?")
    assert not a_time_of_day_question_answered_without_one("At 0:00:12.", "What time in the video is it said?")


def test_a_voice_label_given_as_a_name_in_french_spanish_or_german_is_a_flaw():
    """fresh8: "Comment s'appelle le chat perdu ?" → 'The chat perdu est appelé "S1".'."""
    for answer in ('The chat perdu est appelé "S1".', "El gato se llama S1.", "Die Katze heißt S2."):
        assert names_a_voice_label(answer), answer
    assert not names_a_voice_label("Le chat s'appelle Pepper.") and not names_a_voice_label("S1 dit : « Bonjour. »")


def test_a_voice_label_given_as_what_something_is_called_is_a_flaw():
    assert names_a_voice_label("The cat called is S1.", "What is the cat called?")  # a fresh3 answer
    # a fresh4 answer: a name asked for, a label given (asked in Spanish; the check reads its translation)
    assert names_a_voice_label("The person studying in Leeds is S3.", "What is the name of the person studying in Leeds?")
    assert not names_a_voice_label("The person studying in Leeds is S3.", "Who studies in Leeds?")  # who spoke: a label
    assert not names_a_voice_label("It is S2 says: \"I'm Lucy.\"", "What is her name?")


def test_a_count_of_people_talking_the_names_given_confirm_is_shown_with_them(fake_chat):
    """fresh17 (read after its first run): a home owner and a plumber given one voice label, each saying
    their name; the model's "2" was taken for a number no entry holds (the transcript says no "two"),
    asked again, and ended in "does not say exactly … 1 person (center)". The count the names confirm
    is a fact the check found, and the names stand beside it."""
    said = [("Hi, I'm Grace. The pipe under my sink is leaking.", 0.5),
            ("Hello Grace, my name is Omar. I brought a new valve.", 6.0), ("Thanks, Omar.", 11.0)]
    events = [Event(start=t, end=t + 4, module="speech", text=f'S1: "{words}"',
                    data=SpeechData(speaker="S1", transcript=words)) for words, t in said]
    description = Description(video=VideoInfo(path="leak.mp4", duration=15.0, fps=25.0, width=64, height=48),
                              events=events)
    answer = VideoChat(NO_CACHE, chat_model=fake_chat("2", "2")).ask(description, "How many people are talking?")
    assert answer.path == "checked" and answer.text.startswith("2. 2 people say who they are: Grace, Omar.")
    assert answer.text.endswith("The speech module tells 1 voice apart: S1.")
    # a count the names do not confirm is still not shown
    three = VideoChat(NO_CACHE, chat_model=fake_chat("3", "3")).ask(description, "How many people are talking?")
    assert not three.text.startswith("3") and three.text.startswith("2 people say who they are")


def test_a_why_answered_with_a_reason_no_line_gives_is_a_flaw(described, fake_chat):
    """fresh17, read after its first run: "Why did Grace move the plates?" → "…because she needed space for
    the new valve." beside "The water got into the cupboard, so I moved the plates to the table."; "Why is
    the shower slow?" → "The shower is slow because it is very slow." — no line says why."""
    lines = [_said("Hi, I'm Grace. The water got into the cupboard, so I moved the plates to the table.", 0.5, 6.0),
             _said("Can you also look at the shower upstairs? It is very slow.", 7.0, 11.0),
             _said("Please wear a swimming cap, because long hair blocks the filters.", 12.0, 16.0),
             _said("The library on Mill Road reopens next Monday after repairs.", 17.0, 21.0)]
    moments = moment_words(lines)
    plates = "Why did Grace move the plates?"
    assert a_reason_no_line_gives("Grace moved the plates to the table because she needed space for the new valve.",
                                  plates, moments) == "need, new, spac, valv"
    assert a_reason_no_line_gives("The shower is slow because it is very slow.", "Why is the shower slow?",
                                  moments) == "the question's own words"
    assert a_reason_no_line_gives("How come it is slow? Because it is slow.", "How come the shower is slow?",
                                  moments) == "the question's own words"
    for answer, asked in [
            ("Because the water got into the cupboard.", plates),
            ("She moved them since water got into the cupboard.", plates),
            # one word of its own is the model's wording, not a reason
            ("Swimmers should wear a cap to protect their hair from blocking the filters.", "Why should swimmers wear a cap?"),
            ("It was closed for repairs.", "Why was the library closed?"),  # a reason told without "because"
            ("The video description does not say why.", "Why is the shower slow?"),
            ("The shower is slow because it is very slow.", "What is slow?"),  # not a why
            ("因为水进了柜子。", plates)]:
        assert a_reason_no_line_gives(answer, asked, moments) is None, answer
    # in a chat: not shown; the line nearest the question is quoted in its place
    events = [e.model_copy(update={"id": n}) for n, e in enumerate(lines)]
    description = Description(video=VideoInfo(path="leak.mp4", duration=22.0, fps=25.0, width=64, height=48),
                              events=events)
    invented = "Grace moved the plates because she needed space for the new valve."
    answer = VideoChat(NO_CACHE, chat_model=fake_chat(invented, invented)).ask(description, plates)
    assert "space" not in answer.text and "so I moved the plates to the table" in answer.text


def test_a_retry_that_says_again_what_was_shown_is_not_added_to_it(fake_chat):
    """Asked as a new user (session 16): "What day is the haircut?" → "Thursday. At 0:00:17.3 S1 says: …" — the
    second sentence misdates the line it quotes, so only "Thursday." was shown and the model asked again; its
    "Thursday" had been added: "Thursday. Thursday"."""
    salon = [_said("Hi, Mia.", 5.2, 6.0, "S1"), _said("Can I book a haircut for Thursday?", 7.4, 9.8, "S1"),
             _said("Five, please.", 15.5, 16.5, "S1"), _said("See you on Thursday.", 28.0, 29.5, "S1")]
    description = Description(video=VideoInfo(path="salon.mp4", duration=32.0, fps=25.0, width=64, height=48),
                              events=salon)
    model = fake_chat('Thursday. At 0:00:17.3 S1 says: "Can I book a haircut for Thursday?"', "Thursday")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(description, "What day is the haircut?")
    assert answer.text.count("Thursday") == 1, answer.text
