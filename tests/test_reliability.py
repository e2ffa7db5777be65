"""Faults: damaged input, slow or failing modules, unreachable or hanging chat servers, secrets, cache."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from openai_stub import OpenAIStub
from videochat_text import ChatModelError, Event, PerceptionModule, VideoChat, register_module, unregister_module


def test_decode_gaps_are_marked_and_the_rest_is_kept(truncated_clip, config):
    d = VideoChat(config).describe(truncated_clip)
    gaps = d.by_module("decode")
    assert {g.data.stream for g in gaps} == {"video", "audio"}
    video_gap = next(g for g in gaps if g.data.stream == "video")
    assert 3.0 <= video_gap.start <= 6.0 and video_gap.end == pytest.approx(d.video.duration)
    assert d.by_module("objects") and d.by_module("speech")  # what decoded is described
    assert "no video frames could be decoded here" in d.to_text()


def test_a_slow_module_times_out_and_the_others_survive(speech_clip, config):
    class Sleepy(PerceptionModule):
        name = "sleepy"

        def run(self, media):
            time.sleep(5)
            return []

    class Quick(PerceptionModule):
        name = "quick"

        def run(self, media):
            return [Event(start=0, end=1, module="quick", text="seen")]

    register_module(Sleepy)
    register_module(Quick)
    try:
        vc = VideoChat({**config, "perception": {"module_timeout_s": 0.5}})
        started = time.perf_counter()
        d = vc.describe(speech_clip, modules=["sleepy", "quick"])
        assert time.perf_counter() - started < 4
    finally:
        unregister_module("sleepy")
        unregister_module("quick")
    assert [f.error for f in d.failures] == ["module sleepy timed out after 0.5 s"]
    assert [e.text for e in d.by_module("quick")] == ["seen"]


def test_a_timed_out_module_is_never_called_again_while_its_run_goes_on(speech_clip, config):
    """Each stretch gets a fresh instance after a timeout: one model is never used by two runs at once."""
    busy: list[int] = []
    overlapped: list[bool] = []

    class Slow(PerceptionModule):
        name = "slow"

        def run(self, media):
            overlapped.append(id(self) in busy)
            busy.append(id(self))
            time.sleep(1.5)
            busy.remove(id(self))
            return []

    register_module(Slow)
    try:  # 10 s clip in 2 s stretches: 5 runs, each timing out while the one before still sleeps
        vc = VideoChat({**config, "perception": {"module_timeout_s": 0.3, "segment_s": 2.0}})
        d = vc.describe(speech_clip, modules=["slow"], use_cache=False)
    finally:
        unregister_module("slow")
    assert len(d.failures) == 5 and len(overlapped) == 5 and not any(overlapped)


def _chat(config, **chat):
    return VideoChat({**config, "chat": {"provider": "openai", "max_retries": 0, "timeout_s": 5, **chat}})


def test_openai_compatible_server_gets_the_fenced_prompt_and_streams(described, config, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with OpenAIStub("The cat is called Whiskers. The coffee costs three dollars.") as stub:
        session = _chat(config, base_url=stub.base_url, model="llama3").chat(described)
        chunks = list(session.stream("What is the cat's name?"))
    # Streamed a verified sentence at a time, as the server generates them.
    assert chunks == ["The cat is called Whiskers.", " The coffee costs three dollars."]
    request = stub.requests[0]
    assert request["model"] == "llama3" and request["stream"] is True
    system = request["messages"][0]["content"]  # instructions and description first, the question last
    assert "<video_description>" in system and "whiskers" in system.lower()
    assert "What is the cat's name?" in request["messages"][-1]["content"]


def test_a_hanging_server_times_out_instead_of_hanging(described, config):
    with OpenAIStub(delay_s=10) as stub:
        vc = _chat(config, base_url=stub.base_url, timeout_s=1)
        started = time.perf_counter()
        with pytest.raises(ChatModelError, match="failed to answer"):
            vc.ask(described, "hello?")
    assert time.perf_counter() - started < 6


def test_fallback_model_answers_when_the_primary_is_down(described, config):
    with OpenAIStub("from the fallback") as backup:  # a marker, not an answer: no answer checks
        vc = _chat(config, base_url="http://127.0.0.1:9/v1", check_answers=False,
                   fallback={"provider": "openai", "base_url": backup.base_url, "max_retries": 0})
        assert vc.ask(described, "hello?").text == "from the fallback"


def test_api_keys_never_reach_errors_descriptions_or_the_cache(speech_clip, config, fake_modules, tmp_path):
    secret = "sk-test-SECRET-0123456789"
    with OpenAIStub(status=401, error=f"Incorrect API key provided: {secret}.") as stub:
        vc = _chat(config, base_url=stub.base_url, api_key=secret)
        d = vc.describe(speech_clip, modules=["counting"])
        with pytest.raises(ChatModelError) as info:
            vc.ask(d, "hello?")
    assert secret not in str(info.value) and "***" in str(info.value)
    assert secret not in d.to_json()
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert secret not in path.read_text()


SLOW_DESCRIBE = textwrap.dedent("""
    import sys, time
    from videochat_text import Event, PerceptionModule, VideoChat, register_module

    class Slow(PerceptionModule):
        name = "slow"
        def run(self, media):
            time.sleep(float(sys.argv[3]))
            return [Event(start=0, end=1, module="slow", text="done")]

    register_module(Slow)
    VideoChat({"cache": {"dir": sys.argv[2]}}).describe(sys.argv[1], modules=["slow"])
    print("described")
""")


SLOW_WRITES = textwrap.dedent("""
    import os, sys, time, types
    import videochat_text.cache
    from videochat_text import Event, PerceptionModule, VideoChat, register_module

    class Slow(PerceptionModule):
        name = "slow"
        def run(self, media):
            print("module", flush=True)
            time.sleep(float(sys.argv[3]))
            return [Event(start=0, end=1, module="slow", text="done")]

    class SlowFile:
        # What the cache writes goes to disk 64 bytes at a time, each piece announced on stdout,
        # so that the test can kill this process in the middle of any write.
        def __init__(self, f):
            self.f = f
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.f.__exit__(*exc)
        def write(self, data):
            for i in range(0, len(data), 64):
                self.f.write(data[i:i + 64])
                self.f.flush()
                print("piece", flush=True)
                time.sleep(0.005)
        def __getattr__(self, name):
            return getattr(self.f, name)

    slow_os = types.ModuleType("os")  # the cache module's view of os only
    slow_os.__dict__.update(os.__dict__)
    slow_os.fdopen = lambda fd, *args, **kwargs: SlowFile(os.fdopen(fd, *args, **kwargs))
    videochat_text.cache.os = slow_os
    register_module(Slow)
    VideoChat({"cache": {"dir": sys.argv[2]}, "summary": {"backend": "merge"}}).describe(sys.argv[1], modules=["slow"])
    print("described", flush=True)
""")


def _cache_is_whole(cache):
    """Every entry the cache would read parses completely (temp files are never read)."""
    from videochat_text import Description

    entries = [path for path in cache.rglob("*.json") if not path.name.startswith(".tmp-")]
    for path in entries:
        data = path.read_bytes()
        json.loads(data)
        if path.parent.name == "descriptions":
            assert [e.text for e in Description.from_json(data).events] == ["done"]
    return [path for path in entries if path.parent.name == "descriptions"]


class Done(PerceptionModule):
    """The subprocess's "slow" module without the sleep: same name and settings, same cache key."""

    name = "slow"

    def run(self, media):
        return [Event(start=0, end=1, module="slow", text="done")]


@pytest.mark.slow  # ~10 short-lived processes, each importing the pipeline
def test_kill_9_during_describe_leaves_no_broken_cache(speech_clip, tmp_path):
    """Killed while a module runs, and at every few pieces of every cache write (the video's
    hash, the finished stretch, the description): the cache is never broken, and the next run
    gives the right description."""
    script = tmp_path / "slow_writes.py"
    script.write_text(SLOW_WRITES)

    def start(cache, sleep_s):
        return subprocess.Popen([sys.executable, str(script), str(speech_clip), str(cache), str(sleep_s)],
                                stdout=subprocess.PIPE, text=True)

    whole = start(tmp_path / "whole", 0)
    lines = whole.communicate(timeout=120)[0].splitlines()
    assert whole.returncode == 0 and lines[-1] == "described"
    pieces = lines.count("piece")
    assert pieces > 20  # the three writes really are slow enough to be cut

    kill_after = ["module", *range(1, pieces + 1, max(1, pieces // 6)), pieces]
    for n, point in enumerate(kill_after):
        cache = tmp_path / f"killed-{n}"
        proc = start(cache, 30 if point == "module" else 0)
        seen = 0
        for line in proc.stdout:
            seen += line.strip() == "piece"
            if line.strip() == point or seen == point:
                break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        _cache_is_whole(cache)
        # The next run reads what survived (or redoes it) and gets the right description.
        register_module(Done)
        try:
            again = VideoChat({"cache": {"dir": str(cache)}, "summary": {"backend": "merge"}}).describe(
                speech_clip, modules=["slow"])
        finally:
            unregister_module("slow")
        assert [e.text for e in again.events] == ["done"]
        assert len(_cache_is_whole(cache)) == 1


def test_concurrent_describes_of_one_file_share_the_cache_safely(speech_clip, tmp_path):
    script = tmp_path / "slow.py"
    script.write_text(SLOW_DESCRIBE)
    cache = tmp_path / "cache"
    procs = [subprocess.Popen([sys.executable, str(script), str(speech_clip), str(cache), "1"],
                              stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs) and all("described" in o for o in outputs)
    (entry,) = cache.glob("descriptions/*.json")
    json.loads(entry.read_text())
    assert not list(cache.glob("descriptions/.tmp-*"))


def test_variable_frame_rate_frames_are_timed_by_pts(speech_clip, tmp_path):
    """25 fps for 2 s, then every third frame: an index-based clock would drift by seconds."""
    import numpy as np

    from videochat_text.video import available_decoders, iter_frames

    vfr = tmp_path / "vfr.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(speech_clip), "-an", "-vf",
                    "select='lt(t,2)+not(mod(n,3))'", "-fps_mode", "vfr", str(vfr)], check=True)
    # Every original frame by its time (multiples of 0.04 s); VFR frames keep their times.
    reference = {round(f.time, 2): f.image.astype(int) for f in iter_frames(speech_clip, every_s=0.04, decoder="pyav")}
    for decoder in available_decoders():
        frames = list(iter_frames(vfr, decoder=decoder))
        assert [f.time for f in frames] == pytest.approx([float(t) for t in range(10)], abs=0.13)
        assert frames[-1].index < 9 * 25  # fewer frames than a 25 fps clock would assume
        for f in frames:  # the picture shown at time t is the one the original shows at t
            assert np.abs(f.image.astype(int) - reference[round(f.time, 2)]).mean() < 6


@pytest.mark.slow
def test_4k_video_is_downscaled_and_memory_stays_bounded(tmp_path):
    import numpy as np

    from devkit.synthetic import Shot, make_clip

    limit_mb, frames = 1500, 80
    photo = np.kron(skimage_photo(), np.ones((8, 8, 1), dtype=np.uint8))  # a real photo blown up to 4K
    # Every frame is sampled: kept at 4K they alone would take 80 x 24.9 MB = 2.0 GB, over the
    # limit; downscaled to 1280 x 720 they take 220 MB.
    assert frames * 3840 * 2160 * 3 / 2**20 > limit_mb
    clip = make_clip(tmp_path / "4k.mp4", [Shot(photo, frames / 10)], size=(3840, 2160), fps=10, audio=False)
    script = textwrap.dedent(f"""
        from pathlib import Path
        from videochat_text import VideoChat
        d = VideoChat({{"cache": {{"enabled": False}}, "summary": {{"backend": "merge"}},
                       "perception": {{"modules": ["objects"], "sample_every_s": 0.1}}}}).describe({str(clip)!r})
        box = d.by_module("objects")[0].detections[0].box
        peak = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM")][0]
        print(d.video.width, d.video.height, len(d.by_module("objects")), max(box), int(peak.split()[1]) // 1024)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    width, height, sampled, box_max, peak_mb = map(float, out)
    print(f"4K describe of {sampled:.0f} frames: peak RSS {peak_mb:.0f} MB")
    assert (width, height) == (3840, 2160) and sampled == frames  # one objects event per sampled frame
    assert box_max > 1280  # boxes are in 4K pixels even though frames were decoded at 1280
    assert peak_mb < limit_mb, f"peak RSS {peak_mb} MB"


def skimage_photo():
    import skimage.data

    return skimage.data.astronaut()[:270, :480]


def test_stdin_is_a_clear_error():
    from videochat_text import VideoOpenError
    from videochat_text.video import probe

    with pytest.raises(VideoOpenError, match="standard input is not supported"):
        probe("-")


def test_rate_limits_are_retried_then_reported(described, config):
    with OpenAIStub(status=429, error="Rate limit reached") as stub:
        vc = _chat(config, base_url=stub.base_url, max_retries=1)
        with pytest.raises(ChatModelError, match="RateLimitError"):
            vc.ask(described, "hello?")
    assert len(stub.requests) == 2  # one retry with backoff, then a clear error


@pytest.mark.parametrize(
    ("blocked", "build", "hint"),
    [
        ("ultralytics", lambda: __import__("videochat_text.perception.objects", fromlist=["x"]).ObjectsModule(
            {"backend": "yolo", "model": "yolov8n.yaml"}).load(), "videochat-text[yolo]"),
        ("whisper", lambda: __import__("videochat_text.perception.speech", fromlist=["x"]).SpeechModule(
            {"backend": "openai-whisper"}).load(), "videochat-text[whisper]"),
        ("llama_cpp", lambda: VideoChat({"cache": {"enabled": False}}).chat_model, "videochat-text[offline]"),
    ],
)
def test_missing_optional_dependencies_name_the_extra(monkeypatch, blocked, build, hint):
    from videochat_text import VideoChatError

    monkeypatch.setitem(sys.modules, blocked, None)  # makes `import blocked` raise ImportError
    with pytest.raises(VideoChatError, match=hint.replace("[", r"\[").replace("]", r"\]")):
        build()
