"""Measure following a live stream (issue 26's targets) with the default modules, on a real stream.

Usage:
    python benchmarks/live.py follow [--minutes 60] [--json out.json]   # latency, memory, never twice
    python benchmarks/live.py restart [--away 10]                       # reconnect after a restart

A clip with six spoken sentences and five photos (person, cat, cup, rocket, astronaut…) is
played by FFmpeg at 1x real time (``-re``) as MPEG-TS over UDP to 127.0.0.1, looped, and
followed by a `Watcher` in this process into a fresh library, as ``videochat-text watch`` does.

``follow`` reports:

- **latency**: for each described moment, from the moment it arrived (its stream time on the
  watcher's clock, for speech the sentence's end: it cannot be answered before it is said) to
  the commit that made it searchable in the library; p50/p95/max, speech and objects apart;
- **keeping up**: how far behind live (sampled every 10 s), seconds dropped undescribed,
  stretches sampled more sparsely;
- **memory**: this process's RSS every 10 s; its value at minute 5 and the peak after it;
- **cost**: CPU seconds (all threads) per second of stream followed, models already loaded: what
  the cores must give whatever else runs (under 2 on 2 cores keeps up; the rest is theirs);
- **never twice**: stretches never overlap, event ids are unique, no sentence twice.

``restart`` kills the sender mid-stream and starts it again ``--away`` seconds later; it
reports how long after the sender came back the first moment was described, and the gap event.

Every figure comes with the machine's load average: other work on the same cores slows it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ (test media) is at the repository root

from devkit import streams  # noqa: E402
from videochat_text.config import load_settings  # noqa: E402
from videochat_text.library import Library  # noqa: E402
from videochat_text.live.describe import StretchDescriber  # noqa: E402
from videochat_text.live.source import parse_source  # noqa: E402
from videochat_text.live.watcher import Watcher  # noqa: E402

SENTENCES = ["The delivery truck is parked outside.", "My cat is called Whiskers.", "The coffee costs three dollars.",
             "The rocket launch is at noon.", "Please remember the deadline is Friday.", "The meeting room is on floor two."]


def make_clip(path: Path) -> Path:
    """60 s: five photos of 12 s each, a sentence every 10 s."""
    import skimage.data

    from devkit.synthetic import Line, Shot, make_clip as encode

    photos = [skimage.data.astronaut(), skimage.data.chelsea(), skimage.data.coffee(), skimage.data.rocket(),
              skimage.data.astronaut()[:, ::-1]]
    shots = [Shot(p, 12.0) for p in photos]
    lines = [Line(1.0 + 10.0 * i, s) for i, s in enumerate(SENTENCES)]
    return encode(path, shots, lines)


def _cpu_s() -> float:
    """This process's CPU time (all threads, user + system), in seconds."""
    times = os.times()
    return times.user + times.system


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class Timed(Watcher):
    """A watcher that notes when each stretch became searchable, and what it held."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.latencies: dict[str, list[float]] = {"speech": [], "objects": []}
        self.stretch_seconds: list[float] = []
        append = self.recording.append

        def timed_append(done):
            started = time.perf_counter()
            ok = append(done)
            committed = time.time()
            self.stretch_seconds.append(time.perf_counter() - started)
            origin = done.info.started_at or 0.0
            for event in done.events:
                if event.module == "speech":  # answerable once said: from the sentence's end
                    self.latencies["speech"].append(committed - (origin + event.end))
                elif event.module == "objects":
                    self.latencies["objects"].append(committed - (origin + event.start))
            return ok

        self.recording.append = timed_append  # type: ignore[method-assign]


def _settings(folder: Path):
    return load_settings({"cache": {"dir": str(folder / "cache")}})


def _prepared(settings):
    """The models loaded before the stream starts (a watch loads them before its timeline begins too)."""
    from videochat_text.retrieval import make_embeddings

    describer = StretchDescriber(settings)
    describer.load()
    return describer, make_embeddings(settings.retrieval)


def follow(minutes: float, out: Path | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip = make_clip(folder / "clip.mp4")
        settings = _settings(folder)
        describer, embeddings = _prepared(settings)
        port = streams.free_port()
        library = Library(settings, path=folder / "lib.sqlite")
        sender = streams.udp_sender(clip, port, loops=0)
        samples: list[dict] = []
        try:
            watcher = Timed(settings, parse_source(f"udp://127.0.0.1:{port}"), library, describer=describer,
                            embeddings=embeddings)
            watcher.start()
            began, cpu_began = time.monotonic(), _cpu_s()
            stop = threading.Event()

            def sample() -> None:
                while not stop.wait(10):
                    s = watcher.status()
                    samples.append({"minute": round((time.monotonic() - began) / 60, 2), "rss_mb": round(rss_mb(), 1),
                                    "behind_s": round(s.behind_s, 2), "skipped_s": s.skipped_s,
                                    "events": s.events, "load": os.getloadavg()[0]})
                    if time.monotonic() - began >= minutes * 60:
                        watcher.stop()
                        return

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            status = watcher.run()
            stop.set()
            cpu = _cpu_s() - cpu_began
        finally:
            streams.stop(sender)
        report = _follow_report(watcher, status, samples, library, minutes)
        # What following costs, whatever else the cores do: core-seconds per second of stream (2 cores: < 2 keeps up).
        report["cpu_s_per_stream_s"] = round(cpu / max(status.described_s, 1e-9), 3)
        describer.close()
    print(json.dumps(report, indent=2))
    if out:
        out.write_text(json.dumps({**report, "samples": samples}, indent=2))
    return report


def _follow_report(watcher: Timed, status, samples: list[dict], library: Library, minutes: float) -> dict:
    speech, objects = watcher.latencies["speech"], watcher.latencies["objects"]
    both = speech + objects
    at_5 = [s["rss_mb"] for s in samples if 4.5 <= s["minute"] <= 5.5]
    after_5 = [s["rss_mb"] for s in samples if s["minute"] > 5.5]
    rss_5 = at_5[0] if at_5 else float("nan")
    peak = max(after_5, default=float("nan"))
    return {
        "ran_minutes": round(samples[-1]["minute"], 2) if samples else 0, "asked_minutes": minutes,
        "described_s": round(status.described_s, 1), "stretches": status.stretches, "events": status.events,
        "latency_s": {"all_p50": round(percentile(both, 50), 2), "all_p95": round(percentile(both, 95), 2),
                      "max": round(max(both, default=float("nan")), 2),
                      "speech_p50": round(percentile(speech, 50), 2), "speech_p95": round(percentile(speech, 95), 2),
                      "objects_p50": round(percentile(objects, 50), 2),
                      "objects_p95": round(percentile(objects, 95), 2), "moments": len(both)},
        "stretch_write_s_p50": round(percentile(watcher.stretch_seconds, 50), 3),
        "behind_s": {"p50": round(percentile([s["behind_s"] for s in samples], 50), 2),
                     "max": max((s["behind_s"] for s in samples), default=None)},
        "skipped_s": status.skipped_s,
        "rss_mb": {"minute_5": rss_5, "peak_after_5": peak,
                   "peak_over_minute_5": round(peak / rss_5 - 1, 3) if at_5 and after_5 else None},
        "never_twice": never_twice(library, watcher.vid),
        "load_avg": {"min": min((s["load"] for s in samples), default=None),
                     "max": max((s["load"] for s in samples), default=None),
                     "mean": round(statistics.fmean([s["load"] for s in samples]), 1) if samples else None},
        "cpus": os.cpu_count(),
    }


def never_twice(library: Library, vid: str) -> dict:
    """Stretches that overlap, event ids used twice, sentences described twice (all should be 0)."""
    rows = library.store.stretch_spans(vid)
    overlaps = sum(1 for (a0, a1), (b0, b1) in zip(rows, rows[1:]) if b0 < a1 - 1e-6 and b1 > a1)
    description = library.description(vid)
    ids = [e.id for e in description.events]
    speech = description.by_module("speech")
    twice = sum(1 for a, b in zip(speech, speech[1:]) if b.start < a.end - 0.3 and a.text == b.text)
    return {"stretches": len(rows), "overlapping_stretches": overlaps, "ids_used_twice": len(ids) - len(set(ids)),
            "sentences_twice": twice}


def restart(away_s: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip = make_clip(folder / "clip.mp4")
        settings = _settings(folder)
        describer, embeddings = _prepared(settings)
        port = streams.free_port()
        library = Library(settings, path=folder / "lib.sqlite")
        first = streams.udp_sender(clip, port, loops=0)
        second = None
        try:
            watcher = Watcher(settings, parse_source(f"udp://127.0.0.1:{port}"), library, describer=describer,
                              embeddings=embeddings)
            watcher.start()
            runner = threading.Thread(target=watcher.run, daemon=True)
            runner.start()
            time.sleep(20)
            streams.stop(first)
            time.sleep(away_s)
            back = time.time()
            second = streams.udp_sender(clip, port, loops=0)
            time.sleep(25)
            watcher.stop()
            runner.join(120)
        finally:
            streams.stop(first)
            if second is not None:
                streams.stop(second)
        d = library.description(watcher.vid)
        gaps = [e for e in d.by_module("stream") if e.data.reason == "lost"]
        came_back = back - d.video.started_at
        report = {"away_s": away_s, "gaps": [e.line() for e in gaps],
                  "reconnected_after_back_s": round(gaps[0].end - came_back, 2) if gaps else None,
                  "gap_s": round(gaps[0].end - gaps[0].start, 2) if gaps else None,
                  "reconnects": watcher.reader.reconnects, "load_avg": os.getloadavg()[0], "cpus": os.cpu_count()}
        describer.close()
    print(json.dumps(report, indent=2))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    f = sub.add_parser("follow")
    f.add_argument("--minutes", type=float, default=60.0)
    f.add_argument("--json", type=Path)
    r = sub.add_parser("restart")
    r.add_argument("--away", type=float, default=10.0)
    args = parser.parse_args()
    if args.what == "follow":
        follow(args.minutes, args.json)
    else:
        restart(args.away)


if __name__ == "__main__":
    main()
