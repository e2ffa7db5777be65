"""Long videos: the prompt holds what a question needs and never exceeds its budget."""

import pytest
import skimage.data
from langchain_core.embeddings import Embeddings

from openai_stub import OpenAIStub
from videochat_text import VideoChat
from videochat_text.config import RetrievalSettings
from videochat_text.prompt import load_templates, render_description
from videochat_text.retrieval import TimelineIndex, make_embeddings, question_time_range, select_entries
from devkit.synthetic import Line, Shot, make_clip
from videochat_text.timeline import Description, Event, VideoInfo, timeline_entries


@pytest.mark.parametrize("question, expected", [
    ("What happens at 2:10?", (125.0, 135.0)),
    ("what is said at 0:02:10.0", (125.0, 135.0)),
    ("What happens at 0:58:03?", (3478.0, 3488.0)),
    ("What happens between 1:00 and 2:30?", (60.0, 150.0)),
    ("What happens in minute 55?", (3300.0, 3360.0)),
    ("What happens in the 3rd minute?", (180.0, 240.0)),
    ("What is shown 12 minutes in?", (720.0, 780.0)),
    ("What is said at 130 seconds?", (125.0, 135.0)),
    ("What is said at the start?", (0.0, 30.0)),
    ("What happens at the very end?", (3570.0, 3600.0)),
    ("What is the cat's name?", None),
    ("How many cats are there, 3 or 4?", None),
])
def test_question_time_range(question, expected):
    assert question_time_range(question, 3600.0) == expected


def _fenced(prompt: str) -> str:
    """The description block of a prompt (after the instructions, before the question)."""
    return "<video_description>" + prompt.split("<video_description>", 1)[1].split("</video_description>")[0]


def test_time_range_is_clipped_to_the_video():
    assert question_time_range("What happens at 0:02?", 60.0) == (0.0, 7.0)
    assert question_time_range("What happens at 9:00?", 60.0) is None


def _long_description(n_lines: int = 400, fact_at: float = 3300.0) -> Description:
    """An hour of narration, one line every 9 s, with one distinct fact."""
    events = [Event(start=t, end=t + 3, module="speech", text=f"Room {t // 9} has paintings of boats and rivers.")
              for t in range(0, 9 * n_lines, 9)]
    events.append(Event(start=fact_at, end=fact_at + 2, module="speech", text="The secret password is pineapple."))
    info = VideoInfo(path="long.mp4", duration=3600.0, width=640, height=480, fps=25.0, has_audio=True)
    return Description(video=info, events=events)


def test_focus_entries_are_kept_first_within_budget():
    description = _long_description()
    entries = timeline_entries(description)
    fact = next(i for i, e in enumerate(entries) if "pineapple" in e.text)
    templates = load_templates()
    plain = render_description(description, templates, max_tokens=300)
    focused = render_description(description, templates, max_tokens=300, focus=[fact])
    assert "pineapple" not in plain.text and "pineapple" in focused.text
    for rendered in (plain, focused):
        assert rendered.trimmed and rendered.tokens <= 300 and rendered.shown_events > 5


class CountingEmbeddings(Embeddings):
    """The real embeddings, counting how many texts were embedded."""

    def __init__(self, inner: Embeddings):
        self.inner, self.documents = inner, 0

    def embed_documents(self, texts):
        self.documents += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


@pytest.fixture(scope="module")
def minilm():
    return make_embeddings(RetrievalSettings())


def test_packaged_minilm_finds_the_entry_a_question_means(minilm, tmp_path):
    texts = ["speech: The coffee costs three dollars.", "objects: 1 cat (center)", "speech: Welcome to the museum.",
             "objects: 2 cars (left, right)", "speech: My cat is called Whiskers.", "speech: It will rain tomorrow."]
    embeddings = CountingEmbeddings(minilm)
    index = TimelineIndex.build(texts, embeddings, model_id="minilm", cache_dir=tmp_path)
    assert index.search("What is the cat's name?", 1) == [4]
    assert index.search("How much is the coffee?", 1) == [0]
    assert index.search("Are there any vehicles?", 1) == [3]
    # Persisted as a plain .npy beside the cache and reused: nothing is embedded twice.
    assert embeddings.documents == len(texts)
    (saved,) = (tmp_path / "index").glob("*.npy")
    again = TimelineIndex.build(texts, embeddings, model_id="minilm", cache_dir=tmp_path)
    assert embeddings.documents == len(texts) and again.search("What is the cat's name?", 1) == [4]
    # A changed description (or model) is a different index; a damaged file is rebuilt.
    TimelineIndex.build(texts[:-1], embeddings, model_id="minilm", cache_dir=tmp_path)
    assert embeddings.documents == 2 * len(texts) - 1
    saved.write_bytes(b"not numpy")
    TimelineIndex.build(texts, embeddings, model_id="minilm", cache_dir=tmp_path)
    assert embeddings.documents == 3 * len(texts) - 1


def test_select_entries_puts_the_named_time_first(minilm):
    description = _long_description()
    entries = timeline_entries(description)
    index = TimelineIndex.build([e.text for e in entries], minilm, model_id="minilm")
    at_time = select_entries("What is said at 27:00?", entries, 3600.0, index=index, top_k=5)
    assert entries[at_time[0]].start == 1620.0  # the line spoken at 27:00
    by_meaning = select_entries("What is the password?", entries, 3600.0, index=index, top_k=5)
    assert "pineapple" in entries[by_meaning[0]].text


def test_long_description_prompt_carries_the_fact_within_budget(fake_chat, tmp_path):
    budget = 400
    vc = VideoChat({"cache": {"dir": str(tmp_path)}, "prompt": {"max_description_tokens": budget}},
                   chat_model=fake_chat("pineapple", "boats"))
    session = vc.chat(_long_description())
    for question in ("What is the secret password?", "And what is in room 100?"):
        description = _fenced(str(session.messages(question)[0].content))
        assert vc.answerer.count_tokens()(description) <= budget
        session.ask(question)
    assert "pineapple" in str(vc.chat_model.seen[0][0].content)  # the description: in the system message
    assert "Room 100 has" in str(vc.chat_model.seen[1][0].content)
    # Without retrieval the same budget is spread evenly over the hour and misses the fact.
    never = VideoChat({"cache": {"dir": str(tmp_path)}, "prompt": {"max_description_tokens": budget},
                       "retrieval": {"mode": "never"}}, chat_model=fake_chat("?"))
    assert "pineapple" not in never.chat(_long_description()).messages("What is the secret password?")[0].content


def test_openai_compatible_embeddings_server(fake_chat, tmp_path):
    with OpenAIStub() as server:
        vc = VideoChat({"cache": {"dir": str(tmp_path)}, "prompt": {"max_description_tokens": 300},
                        "retrieval": {"provider": "openai", "model": "stub-embed", "base_url": server.base_url}},
                       chat_model=fake_chat("?"))
        messages = vc.chat(_long_description()).messages("Tell me the secret password")
    assert "pineapple" in messages[0].content
    assert any(r.get("model") == "stub-embed" for r in server.requests)


def test_unavailable_embeddings_warn_and_still_fit(fake_chat, tmp_path, caplog):
    vc = VideoChat({"cache": {"dir": str(tmp_path)}, "prompt": {"max_description_tokens": 300},
                    "retrieval": {"model": str(tmp_path / "no-such-model")}}, chat_model=fake_chat("?"))
    session = vc.chat(_long_description())
    text = session.messages("What is the secret password?")[0].content
    assert "no-such-model" in caplog.text and "trimmed evenly" in caplog.text
    assert "Shortened to fit" in text


FACT = "The secret password is pineapple."


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory):
    """Four minutes of real photos with a narrated line every 15 s; the fact comes near the end."""
    photos = [skimage.data.astronaut(), skimage.data.chelsea(), skimage.data.coffee(), skimage.data.rocket()]
    shots = [Shot(photos[i % len(photos)], 20.0) for i in range(12)]
    lines = [Line(t, f"Please look at painting number {n} on the wall.") for n, t in enumerate(range(2, 236, 15))]
    lines = [line for line in lines if not 218 <= line.start <= 232] + [Line(222.0, FACT)]
    return make_clip(tmp_path_factory.mktemp("long") / "long.mp4", shots, lines, size=(320, 240), fps=10)


@pytest.mark.slow
def test_fact_near_the_end_of_a_long_video_is_answered(long_clip, tmp_path):
    budget = 400
    vc = VideoChat({"cache": {"dir": str(tmp_path)}, "prompt": {"max_description_tokens": budget},
                    "summary": {"max_items": 3}})
    description = vc.describe(long_clip)
    assert description.video.duration == pytest.approx(240, abs=1)
    assert len(description.summary.pieces) == 2  # two 120 s windows, each summarized
    assert not vc.render(description).text.count("pineapple")  # the whole does not fit; spread misses it
    session = vc.chat(description)
    prompt = session.messages("What is the secret password?")[0].content
    assert "pineapple" in prompt.lower(), (description.failures, prompt)
    assert vc.answerer.count_tokens()(_fenced(prompt)) <= budget
    # Whether the 135M default model then answers right is answer quality (benchmarks/qa.py);
    # here the guarantee is that the fact reaches the model, within the budget.
    # A question naming a time pulls that moment.
    at_time = session.messages("What is said at 1:32?")[0].content
    assert "painting number six" in at_time, (description.to_text(with_boxes=False), at_time)  # Whisper writes 6 as a word
