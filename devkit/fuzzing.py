"""Hostile media by the thousand: zzuf mutants of real seeds, described in a child process.

Seeds are real media made here (scikit-image photos, espeak-ng speech, ffmpeg) in nine
containers; `mutate` flips bits of one with Debian's ``zzuf``. `Describer` feeds mutants
to `VideoChat.describe` in a child process that keeps its models loaded (one process a
mutant would spend most of its time importing), under a time limit each: a child that
dies is a crash and a child that does not answer in time is a hang; either is recorded
and a fresh child takes the next mutant. `upload` sends a mutant to a running server.
Used by ``tests/test_fuzz.py`` and ``benchmarks/fuzz.py``.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import skimage.data

from devkit.synthetic import Line, Shot, _need, encode_audio, make_clip, narration

ROOT = Path(__file__).resolve().parents[1]

SEED_LINES = [Line(0.2, "The cat is called Whiskers.")]
SEED_SECONDS = 2.0
VIDEO_SEEDS = {  # name: ffmpeg options re-encoding the H.264/AAC mp4 (None: the mp4 itself)
    "mp4": None,
    "portrait.mp4": None,  # rotation metadata: the portrait clip of the first zzuf run (issue 25)
    "mkv": ["-c:v", "mpeg4", "-q:v", "8", "-c:a", "libmp3lame", "-b:a", "64k"],
    "webm": ["-c:v", "libvpx", "-b:v", "200k", "-deadline", "realtime", "-c:a", "libvorbis"],
    "mov": ["-c:v", "mjpeg", "-q:v", "8", "-c:a", "pcm_s16le"],
}
AUDIO_SEEDS = {  # name: ffmpeg codec options
    "m4a": ["-c:a", "aac", "-b:a", "64k"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
    "wav": ["-c:a", "pcm_s16le"],
    "flac": ["-c:a", "flac"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "2"],
}
FORMATS = [*VIDEO_SEEDS, *AUDIO_SEEDS]

FUZZ_CONFIG: dict[str, Any] = {
    # Every default module (objects, speech) on short clips; the summary that needs no model.
    "summary": {"backend": "merge"},
}


def make_seeds(folder: Path, formats: Iterable[str] = FORMATS) -> dict[str, Path]:
    """One small real file per format in ``folder`` (2 s: a photo, a spoken sentence)."""
    folder.mkdir(parents=True, exist_ok=True)
    shots = [Shot(skimage.data.chelsea(), SEED_SECONDS / 2), Shot(skimage.data.coffee(), SEED_SECONDS / 2)]
    base = make_clip(folder / "base.mp4", shots, SEED_LINES, size=(320, 240), fps=10)
    seeds = {}
    for name in formats:
        target = folder / f"seed.{name}"
        if name == "mp4":
            shutil.copy(base, target)
        elif name == "portrait.mp4":
            make_clip(target, [Shot(skimage.data.astronaut(), SEED_SECONDS)], SEED_LINES, size=(180, 320), fps=10,
                      extra_ffmpeg=["-metadata:s:v", "rotate=90"])
        elif name in VIDEO_SEEDS:
            subprocess.run([_need("ffmpeg"), "-v", "error", "-y", "-i", str(base), *VIDEO_SEEDS[name], str(target)],
                           check=True)
        else:
            encode_audio(narration(SEED_LINES, SEED_SECONDS), target, *AUDIO_SEEDS[name])
        seeds[name] = target
    return seeds


def mutate(seed: Path, target: Path, *, ratio: float, seed_number: int) -> Path:
    """``seed`` with a ``ratio`` of its bits flipped by zzuf (the same ``seed_number`` gives the same mutant)."""
    with seed.open("rb") as source, target.open("wb") as out:
        subprocess.run([_need("zzuf"), "-s", str(seed_number), "-r", str(ratio)], stdin=source, stdout=out, check=True)
    return target


RATIOS = (0.0001, 0.0005, 0.002, 0.01)
"""zzuf ratios: from a few flipped bits (decoders get deep into the file) to noise."""


@dataclass
class Mutant:
    path: Path
    format: str
    ratio: float
    seed_number: int


def mutants(seeds: dict[str, Path], folder: Path, count: int, start: int = 0) -> Iterator[Mutant]:
    """``count`` mutants, round-robin over the formats and ratios (zzuf seeds from ``start``)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = list(seeds)
    for n in range(start, start + count):
        name, ratio = names[n % len(names)], RATIOS[(n // len(names)) % len(RATIOS)]
        suffix = seeds[name].name.split(".", 1)[1]
        path = mutate(seeds[name], folder / f"m{n:05d}.{suffix}", ratio=ratio, seed_number=n)
        yield Mutant(path, name, ratio, n)


@dataclass
class Outcome:
    """How describing one mutant ended."""

    mutant: Mutant
    kind: str
    """described | partial (some module failed) | error (one line) | traceback | crash | hang"""
    seconds: float
    message: str = ""
    exit_code: int = 0
    """What the CLI would exit with: 0, 6 (partial), the error's code, 1 (traceback), -signal (crash)."""
    leaked: list[str] = field(default_factory=list)


class Describer:
    """A child process that describes the files it is given, one at a time, models kept loaded.

    Its temp folder and cache are private, so anything left in them after a mutant is a leak.
    """

    def __init__(self, workdir: Path, warm_up: Path, config: dict[str, Any] | None = None, timeout_s: float = 60.0):
        self.workdir, self.warm_up, self.timeout_s = workdir, warm_up, timeout_s
        self.tmp, self.cache = workdir / "tmp", workdir / "cache"
        self.config = {**(config or FUZZ_CONFIG), "cache": {"dir": str(self.cache)}}
        self.process: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        self.tmp.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "TMPDIR": str(self.tmp), "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devkit.fuzzing", json.dumps(self.config), str(self.warm_up)], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        if self._read(timeout_s=600.0) is None:  # "ready": the models are loaded
            raise RuntimeError(f"the describing child did not start (exit {self.process.poll()})")
        return self.process

    def _read(self, timeout_s: float) -> dict[str, Any] | None:
        """The child's next answer; None if it died or did not answer in time."""
        assert self.process is not None and self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout_s)
        line = self.process.stdout.readline() if ready else ""
        return json.loads(line) if line else None

    def describe(self, mutant: Mutant) -> Outcome:
        process = self.process if self.process and self.process.poll() is None else self._start()
        started = time.perf_counter()
        assert process.stdin is not None
        process.stdin.write(f"{mutant.path}\n")
        answer = self._read(self.timeout_s)
        seconds = time.perf_counter() - started
        if answer is None:
            hung = process.poll() is None
            if hung:
                process.kill()
            code = process.wait()
            self.process = None
            outcome = Outcome(mutant, "hang" if hung else "crash", seconds, exit_code=code,
                              message=f"no answer within {self.timeout_s:.0f} s" if hung else _signal_name(code))
        else:
            outcome = Outcome(mutant, answer["kind"], seconds, answer["message"], answer["exit_code"])
        outcome.leaked = self.leaks()
        return outcome

    def leaks(self) -> list[str]:
        """Temp files, half-written cache files and leftover partial work in the child's folders."""
        found = [str(p) for p in self.tmp.rglob("*")] if self.tmp.exists() else []
        found += [str(p) for p in self.cache.rglob(".tmp-*")]
        partial = self.cache / "partial"
        found += [str(p) for p in partial.rglob("*") if p.is_file()] if partial.exists() else []
        for entry in (self.cache / "descriptions").glob("*.json"):
            try:
                json.loads(entry.read_bytes())
            except ValueError:
                found.append(str(entry))
        for path in found:  # reported once, then cleared, so the next mutant is judged on its own
            shutil.rmtree(path, ignore_errors=True) if Path(path).is_dir() else Path(path).unlink(missing_ok=True)
        return found

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def _signal_name(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with {code} without answering"


class ServerProcess:
    """``videochat-text serve`` in its own process on 127.0.0.1 (private cache, uploads and temp
    folder), so a crash in it is seen as its exit, not ours. A context manager.

    Example:
        >>> with ServerProcess(workdir) as server:
        ...     upload(server.client, mutant)
    """

    def __init__(self, workdir: Path, config: dict[str, Any] | None = None):
        import yaml

        from devkit.serving import free_port

        self.workdir, self.port = workdir, free_port()
        self.tmp, self.cache = workdir / "tmp", workdir / "cache"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.config_file = workdir / "config.yaml"
        self.config_file.write_text(yaml.safe_dump({**(config or FUZZ_CONFIG), "cache": {"dir": str(self.cache)}}))
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "server.log"
        self.process: subprocess.Popen | None = None
        self.client: Any = None

    def __enter__(self) -> "ServerProcess":
        import httpx

        env = {**os.environ, "TMPDIR": str(self.tmp)}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "videochat_text", "serve", "--config", str(self.config_file), "--port",
                 str(self.port)], env=env, stdout=log, stderr=subprocess.STDOUT)
        self.client = httpx.Client(base_url=self.url, timeout=120)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and self.alive():
            try:
                if self.client.get("/api/health").status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exit_reason(self) -> str:
        """Why the server stopped: its signal or exit code and the last lines it wrote."""
        code = self.process.poll() if self.process else None
        tail = self.log.read_text(errors="replace").strip().splitlines()[-5:] if self.log.exists() else []
        return f"{_signal_name(code) if code is not None else 'running'}; last output: {' | '.join(tail)}"

    def leaks(self) -> list[str]:
        """Temp files of uploads, of the process, and half-written cache files."""
        found = [str(p) for p in self.tmp.rglob("*")]
        found += [str(p) for p in self.cache.rglob(".tmp-*")] + [str(p) for p in self.cache.rglob(".upload-*")]
        return found

    def __exit__(self, *exc: Any) -> None:
        if self.client is not None:
            self.client.close()
        if self.alive():
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def upload(client: Any, mutant: Mutant, timeout_s: float = 60.0) -> tuple[str, str, float]:
    """Upload ``mutant`` to a running server (an httpx client) and wait until it is described or failed.

    Returns:
        (status, message, seconds): ``done``/``failed`` with the job's error, ``rejected`` with
        the HTTP error, or ``hang``; a dropped connection raises.
    """
    started = time.perf_counter()
    with mutant.path.open("rb") as f:
        response = client.post("/api/videos", files={"file": (mutant.path.name, f)})
    if response.status_code != 202:
        try:
            message = response.json()["error"]
        except (ValueError, KeyError, TypeError):  # not the server's JSON error: recorded as it came
            message = f"HTTP {response.status_code} without a JSON error: {response.text[:200]!r}"
        return "rejected", message, time.perf_counter() - started
    video_id = response.json()["id"]
    while time.perf_counter() - started < timeout_s:
        status = client.get(f"/api/videos/{video_id}").json()
        if status["status"] in ("done", "failed"):
            return status["status"], status.get("error") or "", time.perf_counter() - started
        time.sleep(0.05)
    return "hang", f"not described within {timeout_s:.0f} s", time.perf_counter() - started


def one_line_error(outcome: Outcome) -> bool:
    return outcome.kind == "error" and "\n" not in outcome.message and bool(outcome.message.strip())


# --- the child --------------------------------------------------------------------------------
def _serve_describe(config: dict[str, Any], warm_up: str) -> None:
    """Describe ``warm_up`` (models load), then read paths from stdin, describe each, and
    answer one JSON line each on the real stdout."""
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # a library that prints must not garble the answers
    import logging
    import traceback

    logging.disable(logging.WARNING)  # damaged input warns by design; the parent judges outcomes
    from videochat_text import VideoChat, VideoChatError

    vc = VideoChat(config)
    vc.describe(warm_up, use_cache=False)  # models load on first use: the time limits start after this
    answers.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        path = line.rstrip("\n")
        try:
            description = vc.describe(path)
            failures = "; ".join(f"{f.module}: {f.error}" for f in description.failures)
            answer = {"kind": "partial" if failures else "described", "message": failures,
                      "exit_code": 6 if failures else 0}
        except VideoChatError as exc:
            answer = {"kind": "error", "message": str(exc), "exit_code": exc.exit_code}
        except Exception:
            answer = {"kind": "traceback", "message": traceback.format_exc(limit=-4), "exit_code": 1}
        answers.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    _serve_describe(json.loads(sys.argv[1]), sys.argv[2])
