"""Answers that give the one asked about what the lines tie to someone else or to another time
(`answering.attribution`), and a place or a voice's own name given as the name of a thing no line speaks of
(`flaws.a_name_no_line_gives_it`). The lines are Whisper's, as the default modules heard the clips of fresh20
and fresh22 (sets written before any answer to them existed); fake chat models script the answers."""

from videochat_text import VideoChat
from videochat_text.answering.attribution import (a_job_another_name_has, something_of_another_time,
                                                  what_another_voice_said_of_itself)
from videochat_text.answering.flaws import a_name_no_line_gives_it
from videochat_text.payloads import SpeechData
from videochat_text.timeline import Description, Event, VideoInfo

NO_CACHE = {"cache": {"enabled": False}}


def _said(words, start, speaker):
    return Event(start=start, end=start + 2.5, module="speech", text=f'{speaker}: "{words}"',
                 data=SpeechData(speaker=speaker, transcript=words))


FIRST_DAY = [_said("Good morning, I'm Leila.", 0.1, "S1"), _said("Is this your first day here?", 2.6, "S1"),
             _said("Yes, I'm Marcus, the new driver.", 5.5, "S2"), _said("I moved here from the last month.", 8.7, "S2"),
             _said("Welcome, I grew up in Leeds too, but I live in York now.", 11.2, "S1"),
             _said("My wife works in York at the hospital.", 16.6, "S2"),
             _said("Thanks Leila, see you at one.", 27.3, "S2")]
GARAGE = [_said("Good morning, I'm Nora.", 0.5, "S1"), _said("My car makes a strange noise when I brake.", 2.0, "S1"),
          _said("Morning, Nora. I'm Owen, the mechanic. How long has it done that?", 6.0, "S2")]
LAKE = [_said("Are you still coming to the lake on Saturday?", 2.6, "S1"),
        _said("Is your sister who's still in Canada?", 18.0, "S2"),
        _said("No, she came back in June.", 22.6, "S1"), _said("She lives in Bristol now.", 25.1, "S1")]


def test_a_job_the_lines_give_another_name_is_not_the_one_asked_about():
    assert a_job_another_name_has("Leila's job is a driver.", "What is Leila's job?", FIRST_DAY) == "driver"
    assert a_job_another_name_has("Nora's job is a mechanic.", "What is Nora's job?", GARAGE) == "mechanic"
    assert a_job_another_name_has("Leila is the new driver.", "Who is Leila?", FIRST_DAY) == "driver"
    assert a_job_another_name_has("Leila works as a driver.", "What does Leila do?", FIRST_DAY) == "driver"
    # whose it is, a role no line gives to anyone, and a "does not say" are left alone
    assert a_job_another_name_has("Marcus is the new driver.", "What is Marcus's job?", FIRST_DAY) is None
    assert a_job_another_name_has("Owen is a mechanic.", "Who is Owen?", GARAGE) is None
    assert a_job_another_name_has("Leila is a teacher.", "What is Leila's job?", FIRST_DAY) is None
    assert a_job_another_name_has("The video description does not say.", "What is Leila's job?", FIRST_DAY) is None
    assert a_job_another_name_has("Leila is the new driver.", "Who is the new driver?", FIRST_DAY) is None
    # a role said of nobody named where it is said
    yard = [_said("The driver was late again today.", 1.0, "S1"), _said("I'm Leila.", 4.0, "S2")]
    assert a_job_another_name_has("Leila is the driver.", "Who is Leila?", yard) is None


def test_where_someone_is_now_is_not_where_the_lines_say_they_were_before():
    asked_now, asked_before = "Where does Leila live now?", "Where did Ruth live before?"
    assert something_of_another_time("Leila lives in Leeds.", asked_now, FIRST_DAY) == "Leeds"
    assert something_of_another_time("Leila lives in York now.", asked_now, FIRST_DAY) is None
    assert something_of_another_time("Ruth lived in Bristol now.", asked_before, LAKE) == "Bristol"
    assert something_of_another_time("Ruth was in Canada.", asked_before, LAKE) is None
    # asked where she grew up, the place tied to before is the answer; asked neither way, nothing is looked at
    assert something_of_another_time("Leila grew up in Leeds.", "Where did Leila grow up?", FIRST_DAY) is None
    assert something_of_another_time("In Leeds.", "Where does Marcus's wife work?", FIRST_DAY) is None
    # moving to a place is living there now; nothing said of now leaves a place said of before to the model
    moved = [_said("I moved to Lisbon in May.", 1.0, "S1"), _said("I grew up in Porto, though.", 3.0, "S1")]
    assert something_of_another_time("She lives in Porto.", "Where does she live now?", moved) == "Porto"
    assert something_of_another_time("Lisbon.", "Where does she live now?", moved) is None
    assert something_of_another_time("Porto", "Where does she live now?", moved[1:]) is None


def test_a_reply_to_a_question_of_before_is_said_of_before():
    """fresh23 (asked before it was read): "Where does Dana live now?" → "Dana lives now in Boston." beside
    Callum's "Where did you live before?" and Dana's reply "In Boston, I'm a nurse…"; she had said "I just moved
    in next door". And "Which animals used to live here?" → "Rabbits" beside "…but now you will mostly see
    rabbits."."""
    neighbours = [_said("Hello, I'm Dana, I just moved in next door.", 0.1, "S1"),
                  _said("Welcome, I'm Carlin, where did you live before?", 5.3, "S2"),
                  _said("In Boston, I'm a nurse, and I started at the city hospital on Monday.", 10.6, "S1")]
    assert something_of_another_time("Dana lives now in Boston.", "Where does Dana live now?", neighbours) == "Boston"
    assert something_of_another_time("In Boston.", "Where did Dana live before?", neighbours) is None
    # the reply's later clauses are not of before; a statement ending in a question mark is asked, not said
    assert something_of_another_time("At the city hospital.", "Where does Dana work now?", neighbours) is None
    park = [_said("We used to have the appear, but now you will mostly see rabbits.", 22.1, "S1")]
    assert something_of_another_time("Rabbits", "Which animals used to live here?", park) == "rabbit"
    assert something_of_another_time("Rabbits", "Which animals will you mostly see now?", park) is None


def test_a_place_or_a_voices_own_name_is_no_name_of_a_thing_no_line_speaks_of():
    assert a_name_no_line_gives_it("Leeds", "What is the company called?", FIRST_DAY) == "Leeds"
    assert a_name_no_line_gives_it("The company is called Leila.", "What is the company called?", FIRST_DAY) == "Leila"
    # a place asked for, someone asked for, and a name said otherwise than as a place or a voice's own
    assert a_name_no_line_gives_it("York", "What is the town called?", FIRST_DAY) is None
    assert a_name_no_line_gives_it("Leila", "What is the name of Marcus's colleague?", FIRST_DAY) is None
    gym = [_said("Welcome to Fit Town gym.", 0.5, "S1"), _said("I'm Carla.", 3.0, "S1")]
    assert a_name_no_line_gives_it("Fit Town", "What is the company called?", gym) is None


def test_the_job_of_another_voice_is_withheld_and_the_lines_answer(fake_chat):
    description = Description(video=VideoInfo(path="first_day.mp4", duration=30.0, fps=25.0, width=64, height=48),
                              events=FIRST_DAY)
    model = fake_chat("Leila's job is a driver.", "Leila is a driver.")
    answer = VideoChat(NO_CACHE, chat_model=model).ask(description, "What is Leila's job?")
    assert answer.path == "extractive" and "Leila's job is a driver" not in answer.text
    assert "does not say" in answer.text


NEIGHBOURS = [_said("Hello, I'm Dana, I just moved in next door.", 0.1, "S1"),
              _said("Welcome, I'm Carlin, where did you live before?", 5.3, "S2"),
              _said("In Boston, I'm a nurse, and I started at the city hospital on Monday.", 10.6, "S1"),
              _said("I teach at the primary school, my husband in America.", 16.5, "S2"),
              _said("Lovely, is the must stop far from here.", 22.9, "S1"),
              _said("No, it's just past the charge.", 26.8, "S2")]


def _neighbours_asked(fake_chat, question, *answers):
    description = Description(video=VideoInfo(path="new_neighbours.mp4", duration=32.0, fps=25.0, width=64, height=48),
                              events=NEIGHBOURS)
    return VideoChat(NO_CACHE, chat_model=fake_chat(*answers)).ask(description, question)


def test_what_the_one_asked_about_says_of_themselves_answers_for_them(fake_chat):
    """fresh23 (asked before it was read): the model's right answers had been withheld — "What is Dana's job?" →
    "Dana's job is a nurse." (no line held a word for a job), "Where will Dana work?" → "…at the city hospital."
    (a moment unrelated to the question: no word of it), "Who is the nurse?" → "The nurse is Dana." (no line
    gave the name to the nurse) — beside S1's "Hello, I'm Dana…" and S1's "…I'm a nurse, and I started at the
    city hospital…"."""
    job = _neighbours_asked(fake_chat, "What is Dana's job?", "Dana's job is a nurse.", "A nurse.")
    assert job.path == "model" and job.text == "Dana's job is a nurse."
    work = _neighbours_asked(fake_chat, "Where will Dana work?", "Dana will work as a nurse at the city hospital.", "x")
    assert work.path == "model" and "city hospital" in work.text
    nurse = _neighbours_asked(fake_chat, "Who is the nurse?", "The nurse is Dana.", "Dana.")
    assert nurse.path == "model" and nurse.text == "The nurse is Dana."
    # what another voice says is not the one asked about's: the job no line gives her is still withheld
    teacher = _neighbours_asked(fake_chat, "What is Dana's job?", "Dana's job is a teacher.", "A teacher.")
    assert teacher.path == "extractive"


def test_a_name_the_voice_that_says_it_is_the_role_gave_itself_names_the_role():
    asked = "Who is the nurse?"
    assert a_name_no_line_gives_it("The nurse is Dana.", asked, NEIGHBOURS) is None
    assert a_name_no_line_gives_it("The nurse is Carlin.", asked, NEIGHBOURS) == "Carlin"
    # a label that gave itself two names is two people: it names neither
    merged = NEIGHBOURS + [_said("And I'm Omar.", 31.0, "S1")]
    assert a_name_no_line_gives_it("The nurse is Dana.", asked, merged) == "Dana"


BIKE_HIRE = [_said("Hello, I'd like to hire two mics for the afternoon.", 0.2, "S1"), _said("My name is Tom.", 4.7, "S1"),
             _said("Hi Tom, I'm Brace.", 6.1, "S2"), _said("Let's 15 pounds for each bike.", 8.1, "S3"),
             _said("My wife Helen is coming to.", 11.1, "S1"),
             _said("We used to cycle a lot when we lived in Oxford.", 13.6, "S1"),
             _said("Oh, I started in Oxford.", 17.0, "S2"), _said("Now I live among the shop with my brother.", 19.3, "S2")]
"""fresh25's bike hire as Whisper tiny.en heard it ("Grace" as "Brace", "above" as "among"), its labels as given."""


def test_what_another_voice_says_of_itself_is_not_given_to_the_one_asked_about():
    """fresh25 (read): "Where does Tom live now?" → "Tom lives among the shop with his brother now." beside the other
    voice's "Now I live among the shop with my brother." — Tom's voice said "My name is Tom."."""
    asked = "Where does Tom live now?"
    assert what_another_voice_said_of_itself("Tom lives among the shop with his brother now.", asked, BIKE_HIRE) == "Tom"
    # said of Brace, whose voice said it of itself; Tom's own line; what Tom's voice also says; told it is not said
    assert what_another_voice_said_of_itself("Brace lives among the shop with her brother.", "Where does Brace live now?",
                                             BIKE_HIRE) is None
    assert what_another_voice_said_of_itself("Tom's wife is Helen.", "Who is Tom's wife?", BIKE_HIRE) is None
    # about someone of Tom's, who may be the other voice (the held-out "Where does Marco's friend live now?")
    assert what_another_voice_said_of_itself("Tom's friend lives among the shop.", "Where does Tom's friend live now?",
                                             BIKE_HIRE) is None
    assert what_another_voice_said_of_itself("Tom lived in Oxford.", "Where did Tom live before?", BIKE_HIRE) is None
    assert what_another_voice_said_of_itself("The video description does not say where Tom lives.", asked,
                                             BIKE_HIRE) is None
    # a voice that gave itself no name may be Tom's, split off by the labels
    unnamed = [e for e in BIKE_HIRE if e.speaker != "S2"] + [_said("Now I live among the shop with my brother.", 19.3, "S4")]
    assert what_another_voice_said_of_itself("Tom lives among the shop with his brother now.", asked, unnamed) is None


def test_what_another_voice_says_of_itself_is_not_given_though_the_voice_asked_about_gave_itself_two_names():
    """fresh26 (read): "What is Priya's job?" → "Priya works in London as a teacher." — Sam's line; Priya's voice's
    "Her name is Pepper." (the cat's) came out of Whisper as "The name is Pepper.", a second name for it."""
    viewing = [_said("Hi, I'm all in from Hillletting.", 0.2, "S1"), _said("You must be Priya and Sam.", 3.4, "S1"),
               _said("Yes, I'm Priya.", 6.1, "S2"), _said("We live in a tiny flat in Christ on the moment.", 8.0, "S2"),
               _said("And I'm Sam.", 11.5, "S1"), _said("I grew up in Jamaica, but I work in London all as a teacher.", 13.0, "S1"),
               _said("Can we keep my card?", 24.1, "S2"), _said("The name is Pepper.", 26.0, "S2")]
    assert what_another_voice_said_of_itself("Priya works in London as a teacher.", "What is Priya's job?", viewing) == "Priya"
    assert what_another_voice_said_of_itself("Sam works in London as a teacher.", "What is Sam's job?", viewing) is None
    assert what_another_voice_said_of_itself("Priya lives in a tiny flat.", "Where does Priya live now?", viewing) is None


SCHOOL_GATE = [_said("Morning, I'm Alice, Leo's mum.", 0.1, "S1"), _said("Are you new here?", 3.5, "S1"),
               _said("Yes, I'm Ben.", 5.5, "S2"), _said("We moved here from Dublin in September.", 7.3, "S2"),
               _said("Welcome, I drive the school bus, so I know every family.", 11.1, "S1"),
               _said("My son Max is in Leo's class.", 16.6, "S2")]


def test_what_someone_says_they_do_for_a_living_states_a_job(fake_chat):
    """fresh27 (read): "What is Alice's job?" → "Alice's job is to drive the school bus." had been withheld as a job
    no entry states, beside Alice's own "Welcome, I drive the school bus, …"."""
    description = Description(video=VideoInfo(path="school_gate.mp4", duration=32.0, fps=25.0, width=64, height=48),
                              events=SCHOOL_GATE)
    job = VideoChat(NO_CACHE, chat_model=fake_chat("Alice's job is to drive the school bus.", "x")).ask(
        description, "What is Alice's job?")
    assert job.path == "model" and job.text == "Alice's job is to drive the school bus."
    # with no such line, a job is still no entry's
    silent = Description(video=description.video, events=[e for e in SCHOOL_GATE if "drive" not in e.text])
    guess = VideoChat(NO_CACHE, chat_model=fake_chat("Alice's job is a teacher.", "A teacher.")).ask(
        silent, "What is Alice's job?")
    assert guess.path == "extractive"
