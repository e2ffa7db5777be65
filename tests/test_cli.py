import json
import re
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from openai_stub import OpenAIStub
from videochat_text.cli import EXIT_PARTIAL, app

runner = CliRunner()


def _run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output + (result.stderr or "")
    return result


def test_describe_json_is_one_object_with_the_schema(speech_clip, config_file, tmp_path):
    result = _run("describe", speech_clip, "--config", config_file, "--format", "json")
    assert result.exit_code == 0, result.stderr
    # the local model's evaluated description is kept, so the first `ask` evaluates only its question
    assert len(list((tmp_path / "cache" / "chat-states").glob("*/*.kv"))) == 1
    payload = json.loads(result.stdout)
    assert set(payload) >= {"video", "events", "summary", "timings", "failures", "config"}
    assert payload["video"]["duration"] == pytest.approx(10.0, abs=0.1)
    modules = {e["module"] for e in payload["events"]}
    assert modules == {"speech", "objects"}
    for e in payload["events"]:
        assert set(e) == {"id", "start", "end", "module", "text", "data", "sources"}
    assert any(d["box"] for e in payload["events"] if e["module"] == "objects" for d in e["data"]["detections"])


@pytest.mark.parametrize("fmt", ["text", "srt", "markdown"])
def test_describe_formats_and_output_file(speech_clip, config_file, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    result = _run("describe", speech_clip, "-c", config_file, "-f", fmt, "-o", out)
    assert result.exit_code == 0 and result.stdout == ""
    text = out.read_text()
    assert ("-->" in text) if fmt == "srt" else ("speech" in text)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["describe", "missing.mp4"], 3, "missing.mp4: no such file"),
        (["describe", "CLIP", "--modules", "objcts"], 2, "Unknown module 'objcts'; available:"),
        (["ask", "missing.mp4", "what?"], 3, "no such file"),
        (["describe", "CLIP", "--config", "nope.yaml"], 2, "config file not found"),
    ],
)
def test_user_errors_are_one_line_and_nonzero(speech_clip, config_file, args, code, message):
    args = [str(speech_clip) if a == "CLIP" else a for a in args]
    if "--config" not in args:
        args += ["--config", str(config_file)]
    result = _run(*args)
    assert result.exit_code == code
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]


def test_failed_module_exits_partial_but_prints_the_rest(speech_clip, config_file, fake_modules):
    result = _run("describe", speech_clip, "-c", config_file, "-m", "counting,failing")
    assert result.exit_code == EXIT_PARTIAL
    assert "frame 0" in result.stdout and "Module failing failed: RuntimeError: boom" in result.stdout
    assert "warning: module failing failed" in result.stderr


def test_modules_lists_backends_and_weights(config_file):
    result = _run("modules", "-c", config_file)
    assert result.exit_code == 0
    assert "speech" in result.stdout and "faster-whisper" in result.stdout
    assert "objects" in result.stdout and "ssd-mobilenet" in result.stdout
    assert "chat model: local" in result.stdout


def test_python_dash_m_works():
    result = subprocess.run([sys.executable, "-m", "videochat_text", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "describe" in result.stdout


HEAVY = {"langchain", "langchain_core", "langsmith", "torch", "cv2", "transformers", "llama_cpp"}
"""What a start-up that computes nothing must not import (each costs 0.2–2 s)."""

_RUN_CLI = """
import atexit, sys
from pathlib import Path
from videochat_text import Event, PerceptionModule, register_module

@register_module
class Counting(PerceptionModule):
    name = "counting"
    def run(self, media):
        return [Event(start=f.time, end=f.time, module="counting", text=f"frame {f.index}") for f in media.frames]

# Written at exit, after the command has run (typer ends it with SystemExit).
listing = Path(sys.argv[1])
atexit.register(lambda: listing.write_text(" ".join(sorted(sys.modules))))
from videochat_text.cli import main
sys.argv = ["videochat-text", *sys.argv[2:]]
main()
"""


def _imported_by(tmp_path, *args, code=0):
    """Run the CLI with ``args`` in a fresh process; the top-level packages it imported."""
    listing = tmp_path / "modules.txt"
    done = subprocess.run([sys.executable, "-c", _RUN_CLI, str(listing), *map(str, args)],
                          capture_output=True, text=True)
    assert done.returncode == code, done.stderr
    return {name.split(".")[0] for name in listing.read_text().split()}, done


def test_importing_the_cli_loads_no_heavy_library():
    """`--help`, a cached describe and error messages must start fast: heavy libraries load
    inside the commands that use them (benchmarks/startup.py measures the seconds)."""
    listing = subprocess.run([sys.executable, "-c", "import sys, videochat_text.cli; print(*sys.modules)"],
                             capture_output=True, text=True, check=True).stdout.split()
    loaded = {name.split(".")[0] for name in listing}
    assert "videochat_text" in loaded and "typer" in loaded
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_help_lists_the_commands_without_heavy_imports(tmp_path):
    loaded, done = _imported_by(tmp_path, "--help")
    assert all(command in done.stdout for command in ("describe", "ask", "chat", "modules"))
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_bad_input_errors_without_heavy_imports(tmp_path, config_file):
    loaded, done = _imported_by(tmp_path, "describe", tmp_path / "missing.mp4", "-c", config_file, code=3)
    assert done.stderr.startswith("error:") and "missing.mp4: no such file" in done.stderr
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_cached_describe_imports_no_heavy_library(speech_clip, config_file, tmp_path):
    args = ("describe", speech_clip, "-c", config_file, "-m", "counting", "-f", "json")
    _, first = _imported_by(tmp_path, *args)
    loaded, again = _imported_by(tmp_path, *args)
    assert json.loads(again.stdout) == json.loads(first.stdout)  # the cached description, not a new one
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


PRICE = re.compile(r"\b(?:three|3)\s+(?:dollars|usd)\b|\$\s?3(?:\.00)?(?!\d)(?![.,]\d)", re.IGNORECASE)
"""The coffee's price as said in the clip; a stray "3" (a time such as 0:00:03, "$30") is no answer."""


@pytest.mark.slow
def test_ask_with_the_real_local_model(speech_clip, config_file):
    result = _run("ask", speech_clip, "How much does the coffee cost?", "-c", config_file, "--show-prompt")
    assert result.exit_code == 0, result.stderr
    # The price as said in the clip ("three dollars"): any other "3" (a time such as 0:00:03) is not an answer.
    assert PRICE.search(result.stdout), result.stdout
    assert "<video_description>" in result.stderr and "tokens" in result.stderr


def test_chat_keeps_a_conversation(speech_clip, tmp_path):
    """The second question only makes sense after the first: the model must be sent both turns."""
    with OpenAIStub("The cat is called Whiskers.") as stub:
        config = tmp_path / "chat.yaml"
        # the stub gives one answer to both questions: the answer checks would take the second for a copy
        config.write_text(yaml.safe_dump({"cache": {"dir": str(tmp_path / "cache")}, "perception": {"modules": ["speech"]},
                                          "chat": {"provider": "openai", "base_url": stub.base_url, "max_retries": 0,
                                                   "check_answers": False}}))
        result = runner.invoke(app, ["chat", str(speech_clip), "-c", str(config)],
                               input="What is the cat's name?\nHow do you spell that name backwards?\nexit\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("video> The cat is called Whiskers.") == 2 and len(stub.requests) == 2
    first, second = ([(m["role"], m["content"]) for m in r["messages"]] for r in stub.requests)
    # The description leads the prompt (the system message: its evaluated state is reused), the question ends it.
    assert first[0][0] == "system" and "whiskers" in first[0][1].lower() and "whiskers" not in first[-1][1].lower()
    assert first[-1][0] == "user" and "What is the cat's name?" in first[-1][1]
    # The earlier turn, then the new question: "that name" can be resolved.
    assert ("user", "What is the cat's name?") in second and ("assistant", "The cat is called Whiskers.") in second
    assert second.index(("assistant", "The cat is called Whiskers.")) < len(second) - 1
    assert "How do you spell that name backwards?" in second[-1][1]


