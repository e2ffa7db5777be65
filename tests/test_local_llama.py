"""The local chat model's llama.cpp: the CPU backend it loads, and description prefixes kept.

Real llama.cpp on the light packaged model (SmolLM2-135M, greedy): a kept prefix must give
exactly the answer a full evaluation gives, while evaluating only the question's tokens.
"""

import subprocess
import sys

import pytest

from videochat_text import VideoChat
from videochat_text.chat_models import keep_prefix, make_chat_model, packaged_smollm2_path
from videochat_text.config import ChatSettings
from videochat_text.timeline import Description, Event, Summary, VideoInfo

llama_cpp = pytest.importorskip("llama_cpp")
from videochat_text import local_llama  # noqa: E402  (needs llama_cpp)

SMOL = {"model": "packaged-smollm2", "max_tokens": 12, "threads": 2}


def _description(name: str, said: str) -> Description:
    info = VideoInfo(path=f"{name}.mp4", duration=12.0, fps=25, width=640, height=480, has_audio=True)
    events = [Event(start=i, end=i + 1, module="objects", text=f"{i % 3 + 1} persons (left)") for i in range(0, 12, 2)]
    events.append(Event(start=4.5, end=6.0, module="speech", text=f'"{said}"'))
    return Description(video=info, events=sorted(events, key=lambda e: e.start),
                       summary=Summary(text=f"People; someone says {said}", source="merge"))


class EvalLog:
    """Counts the tokens llama.cpp evaluates, per call (generation evaluates one at a time)."""

    def __init__(self, llama, monkeypatch):
        self.calls: list[int] = []
        original = llama.eval

        def eval_(tokens):
            self.calls.append(len(tokens))
            return original(tokens)

        monkeypatch.setattr(llama, "eval", eval_)

    def prompt(self) -> int:
        """Prompt tokens evaluated by the last question (the calls before the one-token steps)."""
        return self.calls[0] if self.calls else 0


def test_llama_cpp_loads_a_cpu_backend_that_runs_here_and_never_amx():
    """The build the Makefile makes ships a CPU backend per CPU generation; the one loaded is the
    best this CPU runs by llama.cpp's own score, never an AMX one; it answers."""
    name = local_llama.load_cpu_backend()
    variants = local_llama.cpu_variants()
    if variants:  # GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS (make demo / make test)
        assert name in variants and name not in local_llama._AMX_VARIANTS
        scores = {v: local_llama._score(p) for v, p in variants.items() if v not in local_llama._AMX_VARIANTS}
        assert scores[name] == max(scores.values()) > 0
    else:  # the CPU code linked in (a build without GGML_BACKEND_DL)
        assert name == "built-in"
    llama = llama_cpp.Llama(model_path=str(packaged_smollm2_path()), n_ctx=256, verbose=False)
    assert llama.create_completion("The capital of France is", max_tokens=3, temperature=0)["choices"][0]["text"]


def test_loading_the_cpu_backend_prints_nothing():
    """ggml announced "load_backend: loaded CPU backend from …" on stderr before every CLI answer."""
    loaded = subprocess.run([sys.executable, "-c", "from videochat_text import local_llama; "
                             "print(local_llama.load_cpu_backend())"], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0 and loaded.stdout.strip() and loaded.stderr == ""


def test_a_named_variant_this_build_lacks_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(local_llama, "_loaded_variant", None)
    monkeypatch.setattr(local_llama, "cpu_variants", lambda: {"haswell": None})  # a build with one variant
    with pytest.raises(RuntimeError, match="VIDEOCHAT_TEXT_LLAMA_CPU=pentium: this llama.cpp build has haswell"):
        local_llama.load_cpu_backend("pentium")


def test_a_kept_description_prefix_answers_the_same_evaluating_only_the_question(tmp_path, monkeypatch):
    d, other = _description("van", "The red van arrives at three."), _description("boat", "The boat leaves at noon.")
    question = "What arrives at three?"

    reference = VideoChat({"cache": {"enabled": False}, "chat": SMOL})
    full = EvalLog(reference.chat_model.client, monkeypatch)
    expected = reference.chat(d).ask(question).text
    assert full.prompt() > 200  # the whole prompt: instructions, description, question

    config = {"cache": {"dir": str(tmp_path)}, "chat": SMOL}
    vc = VideoChat(config)
    assert vc.prepare(d) is True
    assert vc.prepare(d) is False  # kept already: nothing evaluated
    kept = list((tmp_path / "chat-states").rglob("*.kv"))
    assert len(kept) == 1

    fresh = VideoChat(config)  # a new process, as the CLI's next `ask` is
    log = EvalLog(fresh.chat_model.client, monkeypatch)
    assert fresh.chat(d).ask(question).text == expected
    assert 0 < log.prompt() < 30, log.calls  # only the question's tokens

    log.calls.clear()
    fresh.chat(other).ask("When does the boat leave?")  # evaluates the other video, keeps it too
    assert log.prompt() > 200 and len(list((tmp_path / "chat-states").rglob("*.kv"))) == 2
    log.calls.clear()
    session = fresh.chat(d)
    assert session.ask(question).text == expected and log.prompt() < 30  # back to the first: loaded
    log.calls.clear()
    session.ask("And who is seen?")  # a follow-up: the earlier turn and the question only
    assert log.prompt() < 60, log.calls


def test_a_kept_state_that_is_gone_is_evaluated_again(tmp_path, monkeypatch):
    d = _description("van", "The red van arrives at three.")
    config = {"cache": {"dir": str(tmp_path)}, "chat": SMOL}
    VideoChat(config).prepare(d)
    fresh = VideoChat(config)
    for path in (tmp_path / "chat-states").rglob("*.kv"):
        path.write_bytes(b"not a llama.cpp state")  # another llama.cpp's, or damaged
    log = EvalLog(fresh.chat_model.client, monkeypatch)
    assert fresh.chat(d).ask("What arrives at three?").text
    assert log.prompt() > 200


def test_kept_states_stay_within_their_disk_budget(tmp_path):
    states = local_llama.KeptStates(tmp_path, limit_bytes=2500)
    for n in range(3):
        with states.writing(list(range(n + 10))) as path:
            path.write_bytes(b"x" * 1000)
    assert sorted(p.name.split("-")[0] for p in tmp_path.glob("*.kv")) == ["11", "12"]  # the oldest went
    assert states.longest(list(range(20))).name.startswith("12-")
    assert states.longest(list(range(5))) is None and not states.has(list(range(10)))


def test_nothing_to_prepare_for_remote_models_or_long_videos(fake_chat, tmp_path):
    d = _description("van", "The red van arrives at three.")
    assert VideoChat({"cache": {"dir": str(tmp_path)}}, chat_model=fake_chat("ok")).prepare(d) is False
    tight = VideoChat({"cache": {"dir": str(tmp_path)}, "chat": SMOL, "prompt": {"max_description_tokens": 100},
                       "retrieval": {"mode": "auto"}})
    assert tight.prepare(d) is False  # the description is chosen per question: no fixed prefix
    model = make_chat_model(ChatSettings(**SMOL), states_dir=None)
    assert keep_prefix(model, []) is None  # keeps nothing without a folder
