"""Measure videochat-text: per-module seconds, realtime factor, peak memory, cache and ask costs.

Usage:
    python benchmarks/run.py [VIDEO] [--modules speech,objects] [--long SECONDS | --loop N | --street]
                             [--config F] [--json]

``--long SECONDS`` builds a clip of distinct photos and spoken sentences to see how
cost grows with duration; ``--street`` builds the 10 s street clip of issue 4's
acceptance run (needs ultralytics, which ships its photos); ``--loop N`` repeats VIDEO N times (ffmpeg stream copy) —
but Whisper slows down on repeated speech, so looped clips overstate speech cost. Numbers are for this process on this
machine; the README quotes them with the machine they came from.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ (test media) is at the repository root

from videochat_text import VideoChat
from videochat_text.chat_models import token_counter


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start a new peak-memory window (Linux ≥ 4.0); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


SENTENCES = [
    "The train leaves at noon.", "My sister lives in Paris.", "The garden has red roses.",
    "We bought a new blue car.", "The museum opens on Monday.", "Our dog likes long walks.",
    "The bakery sells fresh bread.", "It will rain tomorrow evening.", "The library closes at six.",
    "My brother plays the guitar.", "The river is very cold.", "Dinner is served at eight.",
]


def long_clip(seconds: float, folder: Path) -> Path:
    """A clip of distinct photos and sentences (no repeats: Whisper slows down on repeated text)."""
    import skimage.data

    from devkit.synthetic import Line, Shot, make_clip

    photos = [skimage.data.astronaut(), skimage.data.chelsea(), skimage.data.coffee(),
              skimage.data.stereo_motorcycle()[0]]
    shots = [Shot(photos[i % len(photos)], 10.0) for i in range(int(seconds // 10))]
    lines = [Line(0.5 + 5 * i, f"Note {i + 1}. {SENTENCES[i % len(SENTENCES)]}") for i in range(int(seconds // 5))]
    return make_clip(folder / f"long-{int(seconds)}s.mp4", shots, lines)


def looped(video: Path, times: int, folder: Path) -> Path:
    if times <= 1:
        return video
    out = folder / f"{video.stem}-x{times}{video.suffix}"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", str(times - 1), "-i", str(video),
                    "-c", "copy", str(out)], check=True)
    return out


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", nargs="?", default=str(Path(__file__).parents[1] / "examples" / "demo.mp4"))
    parser.add_argument("--modules", default="speech,objects")
    parser.add_argument("--loop", type=int, default=1, help="repeat the video N times first")
    parser.add_argument("--long", type=float, help="instead of VIDEO, build a clip this many seconds long "
                        "with distinct photos and sentences (needs scikit-image, ffmpeg, espeak-ng)")
    parser.add_argument("--street", action="store_true", help="instead of VIDEO, the street clip (a pan across a "
                        "bus, a cut, two men talking; needs ultralytics, ffmpeg, espeak-ng)")
    parser.add_argument("--config", help="settings to measure (modules and cache are set by this script)")
    parser.add_argument("--question", default="What is the cat's name?")
    parser.add_argument("--no-llm", action="store_true", help="skip loading/answering with the chat model")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args()
    names = [m for m in args.modules.split(",") if m]

    with tempfile.TemporaryDirectory() as tmp:
        if args.street:
            from devkit.synthetic import make_street_clip

            video = make_street_clip(Path(tmp) / "street.mp4")
        elif args.long:
            video = long_clip(args.long, Path(tmp))
        else:
            video = looped(Path(args.video), args.loop, Path(tmp))
        vc = VideoChat.from_config(args.config, cache={"dir": tmp}, perception={"modules": names})
        report: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                        "video": str(video), "modules": names, "load_s": {}, "peak_rss_mb": {}}

        for name in names:  # model loading, per module
            reset_peak_rss()
            _, report["load_s"][name] = timed(vc.module(name).ensure_loaded)
            report["peak_rss_mb"][f"load {name}"] = round(peak_rss_mb())

        reset_peak_rss()
        description, cold = timed(lambda: vc.describe(video, use_cache=False))
        report["peak_rss_mb"]["describe"] = round(peak_rss_mb())
        duration = description.video.duration
        _, warm = timed(lambda: vc.describe(video, use_cache=False))
        report.update(duration_s=round(duration, 2), events=len(description.events),
                      failures=[f.model_dump() for f in description.failures],
                      stage_s=description.timings,
                      describe_s=round(cold, 3), describe_warm_s=round(warm, 3),
                      realtime_factor=round(warm / duration, 3))
        report["per_video_second"] = {k: round(v / duration, 4) for k, v in description.timings.items()}

        _, first = timed(lambda: vc.describe(video))  # fills the cache
        cached, hit = timed(lambda: vc.describe(video))
        report.update(cache_store_s=round(first, 3), cache_hit_s=round(hit, 4),
                      cache_speedup=round(first / hit, 1))

        if not args.no_llm:
            reset_peak_rss()
            _, report["chat_load_s"] = timed(lambda: vc.chat_model)
            session, render_s = timed(lambda: vc.chat(cached))
            # The first question of a long video also loads the embedding model and indexes the
            # timeline (once per description); later ones only pick entries and build the prompt.
            _, first_s = timed(lambda: session.messages(args.question))
            _, messages_s = timed(lambda: session.messages(args.question + " Tell me briefly."))
            report["first_ask_overhead_s"] = round(hit + render_s + first_s, 4)
            report["ask_overhead_s"] = round(hit + messages_s, 4)
            report["prompt_tokens"] = sum(token_counter(vc.chat_model)(str(m.content)) for m in session.messages(args.question))
            answer, report["answer_s"] = timed(lambda: session.ask(args.question))
            report["answer"] = answer
            report["peak_rss_mb"]["chat"] = round(peak_rss_mb())

    report = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in report.items()}
    report["load_s"] = {k: round(v, 3) for k, v in report["load_s"].items()}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"machine: {report['machine']}")
    print(f"video: {report['video']} ({report['duration_s']} s, {report['events']} events)")
    print(f"{'stage':<12}{'seconds':>10}{'s per video-s':>16}{'load s':>10}")
    for stage, seconds in report["stage_s"].items():
        load = report["load_s"].get(stage)
        print(f"{stage:<12}{seconds:>10.3f}{report['per_video_second'][stage]:>16.4f}{'' if load is None else f'{load:>10.2f}'}")
    print(f"describe: cold {report['describe_s']} s, warm {report['describe_warm_s']} s, "
          f"realtime factor {report['realtime_factor']} (warm)")
    print(f"cache: store {report['cache_store_s']} s, hit {report['cache_hit_s']} s, speed-up {report['cache_speedup']}x")
    if "answer_s" in report:
        print(f"chat: load {report['chat_load_s']} s; ask overhead (cache hit + prompt) {report['ask_overhead_s']} s, "
              f"first question {report['first_ask_overhead_s']} s; "
              f"prompt {report['prompt_tokens']} tokens; answer {report['answer_s']} s: {report['answer']!r}")
    print("peak RSS MB: " + ", ".join(f"{k} {v}" for k, v in report["peak_rss_mb"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
