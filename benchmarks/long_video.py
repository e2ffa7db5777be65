"""Long videos: describe time, and ask overhead from cache, for 1, 5, 30 and 60-minute inputs.

Usage:
    python benchmarks/long_video.py [--minutes 1 5 30 60] [--modules speech,objects] [--json]

Each input is made of one-minute clips (real photos, espeak-ng narration) joined
with ffmpeg stream copy; one minute near the end (minute 55 of 60, or the last
minute of shorter inputs) says "The secret password is pineapple." The ask
overhead is everything but the chat model's answer: the cache lookup, picking the
entries a question needs, and building the prompt, with models already loaded.
It also reports whether the fact reached the prompt and the prompt's size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ (test media) is at the repository root

sys.path.insert(0, str(Path(__file__).parent))
from run import SENTENCES, peak_rss_mb, reset_peak_rss, timed  # noqa: E402

from videochat_text import VideoChat  # noqa: E402

FACT = "The secret password is pineapple."
QUESTIONS = ["What is the secret password?", "What happens at 0:00:30?", "What is said in the last minute?"]


def minute_clips(folder: Path) -> tuple[Path, Path]:
    """Two one-minute clips with the same encoding: ordinary narration, and one with the fact."""
    import skimage.data

    from devkit.synthetic import Line, Shot, make_clip

    photos = [skimage.data.astronaut(), skimage.data.chelsea(), skimage.data.coffee(),
              skimage.data.stereo_motorcycle()[0], skimage.data.rocket(), skimage.data.cat()]
    shots = [Shot(photo, 10.0) for photo in photos]
    lines = [Line(0.5 + 5 * i, SENTENCES[i]) for i in range(12)]
    with_fact = [line if i != 6 else Line(line.start, FACT) for i, line in enumerate(lines)]
    options = {"size": (640, 360), "fps": 10}
    return (make_clip(folder / "minute.mp4", shots, lines, **options),
            make_clip(folder / "minute-fact.mp4", shots, with_fact, **options))


def joined(minutes: int, plain: Path, fact: Path, folder: Path) -> tuple[Path, int]:
    """A ``minutes``-long video; returns it and the minute that holds the fact."""
    fact_minute = 55 if minutes >= 60 else minutes - 1
    parts = [fact if i == fact_minute else plain for i in range(minutes)]
    listing = folder / f"list-{minutes}.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    out = folder / f"long-{minutes}min.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
                    "-c", "copy", str(out)], check=True)
    return out, fact_minute


def measure(vc: VideoChat, video: Path) -> dict:
    reset_peak_rss()
    description, describe_s = timed(lambda: vc.describe(video))
    peak = peak_rss_mb()
    duration = description.video.duration
    _, first_ask_s = timed(lambda: vc.chat(vc.describe(video)).messages(QUESTIONS[0]))  # builds the index
    overheads, tokens = [], []
    for _ in range(5):
        for question in QUESTIONS:
            def ask_without_llm():
                return vc.chat(vc.describe(video)).messages(question)
            messages, seconds = timed(ask_without_llm)
            overheads.append(seconds)
            tokens.append(vc.answerer.count_tokens()(str(messages[-1].content)))
    prompt = str(vc.chat(description).messages(QUESTIONS[0])[-1].content)
    return {
        "minutes": round(duration / 60, 1),
        "events": len(description.events),
        "describe_s": round(describe_s, 1),
        "realtime_factor": round(describe_s / duration, 3),
        "per_video_second": {k: round(v / duration, 4) for k, v in description.timings.items()},
        "peak_rss_mb": round(peak),
        "first_ask_s": round(first_ask_s, 3),
        "ask_overhead_ms_median": round(1000 * statistics.median(overheads), 1),
        "ask_overhead_ms_max": round(1000 * max(overheads), 1),
        "prompt_tokens_max": max(tokens),
        "fact_in_prompt": "pineapple" in prompt.lower(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, nargs="+", default=[1, 5, 30, 60])
    parser.add_argument("--modules", default="speech,objects")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain, fact = minute_clips(folder)
        vc = VideoChat({"cache": {"dir": str(folder / "cache")},
                        "perception": {"modules": [m for m in args.modules.split(",") if m]}})
        for minutes in sorted(args.minutes):
            video, fact_minute = joined(minutes, plain, fact, folder)
            row = measure(vc, video)
            row["fact_at"] = f"{fact_minute}:30"
            rows.append(row)
            if not args.json:
                print(json.dumps(row), flush=True)
    budget = vc.settings.prompt.max_description_tokens
    if args.json:
        print(json.dumps({"machine": f"{platform.machine()}, {os.cpu_count()} cores", "budget": budget,
                          "rows": rows}, indent=2))
        return 0
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores; description budget {budget} tokens")
    print(f"{'minutes':>8}{'events':>8}{'describe s':>12}{'RTF':>7}{'peak MB':>9}{'1st ask s':>10}"
          f"{'ask ms (median/max)':>21}{'prompt tok':>11}{'fact in prompt':>16}")
    for r in rows:
        print(f"{r['minutes']:>8}{r['events']:>8}{r['describe_s']:>12}{r['realtime_factor']:>7}{r['peak_rss_mb']:>9}"
              f"{r['first_ask_s']:>10}{r['ask_overhead_ms_median']:>12} / {r['ask_overhead_ms_max']:<6}"
              f"{r['prompt_tokens_max']:>11}{str(r['fact_in_prompt']):>16}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
