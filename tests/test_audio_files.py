"""Audio files (podcasts, meetings, voice memos): described by the audio modules, frame modules skipped."""

import json
import subprocess

import pytest
from typer.testing import CliRunner

from devkit.synthetic import Line, narration, write_wav
from videochat_text import VideoChat, VideoOpenError
from videochat_text.cli import app
from videochat_text.video import iter_frames, load_audio, probe

ENCODERS = {"m4a": ["-c:a", "aac"], "mp3": ["-c:a", "libmp3lame"], "wav": [], "ogg": ["-c:a", "libvorbis"],
            "flac": [], "opus": ["-c:a", "libopus"]}
MEMO = [Line(0.5, "Remember to buy milk and bread."), Line(3.5, "The dentist appointment is on Friday.")]


@pytest.fixture(scope="module")
def memo_wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("audio") / "memo.wav"
    write_wav(path, narration(MEMO, 6.0))
    return path


def _encode(source, target, codec):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-ar", "48000", *codec, str(target)], check=True)
    return target


@pytest.fixture(scope="module")
def memo_m4a(memo_wav):
    return _encode(memo_wav, memo_wav.with_name("voice memo.m4a"), ENCODERS["m4a"])


@pytest.mark.parametrize("ext", sorted(ENCODERS))
def test_audio_files_probe_as_sound_only(memo_wav, ext):
    path = memo_wav if ext == "wav" else _encode(memo_wav, memo_wav.with_name(f"memo-{ext}.{ext}"), ENCODERS[ext])
    info = probe(path)
    assert (info.has_video, info.has_audio, info.width, info.height) == (False, True, 0, 0)
    assert info.duration == pytest.approx(6.0, abs=0.1)
    audio = load_audio(path, info=info)
    assert len(audio) / 16_000 == pytest.approx(6.0, abs=0.1) and abs(audio).max() > 0.05
    with pytest.raises(VideoOpenError, match="audio file; it has no frames"):
        next(iter_frames(path, info=info))


def test_cover_art_does_not_make_a_recording_a_video(memo_wav, tmp_path):
    path = tmp_path / "episode.mp3"  # podcasts and music carry a cover picture as a one-frame video stream
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(memo_wav), "-f", "lavfi", "-i", "color=c=red:s=64x64:d=1",
                    "-map", "0:a", "-map", "1:v", "-frames:v", "1", "-c:a", "libmp3lame", "-c:v", "mjpeg",
                    "-disposition:v", "attached_pic", str(path)], check=True)
    info = probe(path)
    assert not info.has_video and info.has_audio and info.duration == pytest.approx(6.0, abs=0.1)


def test_file_with_neither_picture_nor_sound_is_refused(tmp_path):
    subtitles = tmp_path / "only.srt"
    subtitles.write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n")
    path = tmp_path / "only.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(subtitles), str(path)], check=True)
    with pytest.raises(VideoOpenError, match="has no video or audio stream"):
        probe(path)


@pytest.fixture(scope="module")
def memo_description(memo_m4a, tmp_path_factory):
    vc = VideoChat({"cache": {"dir": str(tmp_path_factory.mktemp("cache"))}, "summary": {"backend": "merge"},
                    "perception": {"modules": ["speech", "objects", "scenes"]}})
    return vc.describe(memo_m4a)


def test_audio_file_is_described_by_speech_and_frame_modules_are_skipped(memo_description):
    d = memo_description
    said = " ".join(e.transcript.lower() for e in d.by_module("speech"))
    assert "milk" in said and "dentist" in said
    assert d.event_modules == ["speech"]
    assert set(d.skipped) == {"objects", "scenes"} and "audio only" in d.skipped["objects"]
    assert d.failures == [] and set(d.modules) == {"speech"}  # no label set: "no cat" is not evidence
    assert d.sample_every_s is None and d.config["perception"]["modules"] == ["speech", "objects", "scenes"]
    assert d.header() == "Audio recording voice memo.m4a: 0:00:06.0 long, sound only (no picture)"
    assert "Module objects not run: the file is audio only" in d.to_text()
    assert "## Modules not run" in d.to_markdown()
    assert d.summary.text.startswith("A 6.0-second audio recording")


def test_asking_about_an_audio_file_sends_the_transcript(memo_description, fake_chat):
    model = fake_chat("On Friday.")
    vc = VideoChat({"cache": {"enabled": False}}, chat_model=model)
    assert str(vc.ask(memo_description, "When is the dentist?")) == "On Friday."
    prompt = model.seen[0][0].content  # instructions and description
    assert "Audio recording voice memo.m4a" in prompt and "dentist" in prompt.lower()


def test_cli_describes_an_audio_file(memo_m4a, tmp_path):
    result = CliRunner().invoke(app, ["describe", str(memo_m4a), "--modules", "speech,objects", "--format", "json",
                                      "--no-cache"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["video"]["has_video"] is False and payload["skipped"] == {"objects": "the file is audio only (no picture)"}
    assert any("milk" in e["text"].lower() for e in payload["events"])


def test_a_long_recording_is_described_a_stretch_at_a_time(memo_wav, tmp_path):
    mp3 = _encode(memo_wav, tmp_path / "memo.mp3", ENCODERS["mp3"])
    vc = VideoChat({"cache": {"enabled": False}, "summary": {"backend": "merge"},
                    "perception": {"modules": ["speech"], "segment_s": 3.0}})
    d = vc.describe(mp3)
    said = " ".join(e.transcript.lower() for e in d.events)
    assert "milk" in said and "dentist" in said and d.failures == []
    assert any(e.start >= 3.0 for e in d.events)  # the second stretch's speech is timed from the file's start
