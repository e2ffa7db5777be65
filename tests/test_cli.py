import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from videochat_text.cli import EXIT_PARTIAL, app

runner = CliRunner()


def _run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output + (result.stderr or "")
    return result


def test_describe_json_is_one_object_with_the_schema(speech_clip, config_file):
    result = _run("describe", speech_clip, "--config", config_file, "--format", "json")
    assert result.exit_code == 0, result.stderr
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


@pytest.mark.slow
def test_ask_with_the_real_local_model(speech_clip, config_file):
    result = _run("ask", speech_clip, "How much does the coffee cost?", "-c", config_file, "--show-prompt")
    assert result.exit_code == 0, result.stderr
    assert "three" in result.stdout.lower() or "3" in result.stdout
    assert "<video_description>" in result.stderr and "tokens" in result.stderr


@pytest.mark.slow
def test_chat_keeps_a_conversation(speech_clip, config_file):
    result = runner.invoke(app, ["chat", str(speech_clip), "-c", str(config_file)],
                           input="What is the cat's name?\nexit\n")
    assert result.exit_code == 0, result.stderr
    assert "video> " in result.stdout and "whiskers" in result.stdout.lower()
