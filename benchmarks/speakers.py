"""Cost of speaker labels on speech: seconds per video-second and the memory they add.

Builds an espeak-ng conversation (three voices taking turns) of about ``--seconds`` seconds,
transcribes it once with speakers off, then times the labelling alone (voice windows, the
GE2E encoder in NumPy, clustering, splitting, and the whole-video relabel) on it.

    python benchmarks/speakers.py [--seconds 60] [--voices 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))  # devkit/ from the repository root

from devkit.synthetic import SPEECH_RATE, Line, narration, speak  # noqa: E402
from videochat_text.perception import speakers  # noqa: E402
from videochat_text.perception.ge2e import VoiceEncoder  # noqa: E402
from videochat_text.perception.speech import SpeechModule  # noqa: E402
from videochat_text.timeline import Media, VideoInfo  # noqa: E402

VOICES = [
    {"voice": "en-us+m3", "pitch": 35, "words_per_minute": 140},
    {"voice": "en-us+f2", "pitch": 70, "words_per_minute": 170},
    {"voice": "en-us+m7", "pitch": 60, "words_per_minute": 180},
]
SENTENCES = [
    "Good morning, how was the trip from Chicago?", "It was long, but the train was on time.",
    "Did you bring the maps for the meeting?", "Yes, they are in my bag, all four of them.",
    "Great, we can start with the northern route.", "I think the southern route is shorter.",
    "Let us ask the driver what she prefers.", "She said the coast road is the prettiest.",
]


def conversation(seconds: float, voices: int) -> tuple[list[Line], float]:
    lines, t, n = [], 0.5, 0
    spoken = {}
    while t < seconds:
        text, voice = SENTENCES[n % len(SENTENCES)], VOICES[n % voices]
        key = (text, voice["voice"])
        spoken.setdefault(key, len(speak(text, **voice)) / SPEECH_RATE)
        lines.append(Line(start=t, text=text, **voice))
        t += spoken[key] + 0.6
        n += 1
    return lines, t + 0.5


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--voices", type=int, default=3, choices=(1, 2, 3))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    lines, duration = conversation(args.seconds, args.voices)
    audio = narration(lines, duration)
    info = VideoInfo.model_construct(duration=duration)
    events = SpeechModule({"speakers": "off"}).run(Media(info=info, frames=[], audio=audio, sample_every_s=1.0))
    speech_s = sum(e.end - e.start for e in events)

    before = rss_mb()
    started = time.perf_counter()
    encoder = VoiceEncoder.from_package()
    load_s = time.perf_counter() - started
    tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    labelled = speakers.relabel_video(speakers.label_speakers(events, audio, 0.0, encoder))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    _, peak_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = {
        "video_s": round(duration, 1),
        "speech_s": round(speech_s, 1),
        "sentences": len(events),
        "labelled_events": len(labelled),
        "speakers_found": len({e.speaker for e in labelled}),
        "voices": args.voices,
        "encoder_load_s": round(load_s, 3),
        "label_s": round(wall, 2),
        "label_cpu_s": round(cpu, 2),
        "s_per_video_s": round(wall / duration, 4),
        "cpu_s_per_video_s": round(cpu / duration, 4),
        "peak_python_alloc_mb": round(peak_bytes / 2**20, 1),
        "peak_rss_growth_mb": round(rss_mb() - before, 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
