"""Measure issue 15's audio half: language detection after leading silence, the repetition guards,
audio-only files.

Usage:
    python benchmarks/speech_audio.py [--json]

Builds espeak-ng narrations in German, Spanish and Mandarin (pinyin voice), each one sentence
after 1 s of silence, AAC 48 kHz .m4a, and transcribes them with the packaged multilingual
Whisper base two ways: as before (one detection window, no retry, no guards) and as now
(speech-only detection voted over 3 windows, retry in the next language, guards). Then the
trailing-murmur call of `tests/test_speech_guards.py` with and without the guards, and a voice
memo described as an audio file. Prints per-clip language, transcript and seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ (test media) is at the repository root

from devkit.synthetic import Line, encode_audio, make_call_with_murmur, make_speech_after_silence, narration
from videochat_text import VideoChat
from videochat_text.perception.speech import SpeechModule
from videochat_text.perception.transcript import compression_ratio
from videochat_text.timeline import Media
from videochat_text.video import load_audio, probe

PINYIN = "cmn-latn-pinyin"  # espeak-ng's `cmn` reads most Han characters as English digits
CLIPS = [
    ("de", "de", "Das Wetter ist heute schön."),
    ("de", "de", "Ich heiße Anna und wohne in Hamburg."),
    ("de", "de", "Der Hund schläft im Garten."),
    ("de", "de", "Wir treffen uns morgen um acht Uhr am Bahnhof."),
    ("es", "es", "El perro duerme en el jardín."),
    ("es", "es", "Mañana vamos a la playa con mis amigos."),
    ("zh", PINYIN, "zao3 shang4 hao3. jin1 tian1 wo3 men5 zuo4 huo3 che1 qu4 bei3 jing1."),
    ("zh", PINYIN, "ni3 hao3. wo3 jiao4 li3 ming2. wo3 zhu4 zai4 bei3 jing1. wo3 xi3 huan1 he1 cha2."),
]
BEFORE = {"language_windows": 1, "language_candidates": 1, "guards": False}


def transcribe(module: SpeechModule, path: Path) -> tuple[list, float]:
    info = probe(path)
    media = Media(info=info, frames=[], audio=load_audio(path, info=info), sample_every_s=1.0)
    started = time.perf_counter()
    events = module.run(media)
    return events, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    before, now = SpeechModule({"model": "packaged-base", **BEFORE}), SpeechModule({"model": "packaged-base"})
    for module in (before, now):
        module.ensure_loaded()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, (expected, voice, text) in enumerate(CLIPS):
            path = make_speech_after_silence(folder / f"clip{i}.m4a", text, voice)
            for name, module in (("before", before), ("now", now)):
                events, seconds = transcribe(module, path)
                languages = sorted({e.data.language for e in events})
                rows.append({"kind": "language", "clip": text, "expected": expected, "how": name,
                             "languages": languages, "right": languages == [expected], "seconds": round(seconds, 2),
                             "loops": sum(compression_ratio(e.transcript) > 2.4 for e in events),
                             "transcript": " ".join(e.transcript for e in events)[:120]})
        call = make_call_with_murmur(folder / "call.m4a")  # the guard test's clip
        for guards in (False, True):
            module = SpeechModule({"model": "packaged-base", "language": "en", "guards": guards})
            events, seconds = transcribe(module, call)
            rows.append({"kind": "guards", "guards": guards, "events": len(events), "seconds": round(seconds, 2),
                         "after_speech": [e.transcript[:60] for e in events if e.start >= 7.0]})
        memo = encode_audio(narration([Line(0.5, "Remember to buy milk and bread."),
                                       Line(3.5, "The dentist appointment is on Friday.")], 6.0), folder / "memo.m4a")
        vc = VideoChat({"cache": {"enabled": False}, "perception": {"modules": ["speech", "objects"]}})
        started = time.perf_counter()
        description = vc.describe(memo)
        rows.append({"kind": "audio file", "seconds": round(time.perf_counter() - started, 2),
                     "timings": description.timings, "skipped": description.skipped,
                     "events": len(description.events), "header": description.header()})
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for how in ("before", "now"):
        runs = [r for r in rows if r.get("how") == how]
        right = {lang: f"{sum(r['right'] for r in runs if r['expected'] == lang)}/"
                       f"{sum(r['expected'] == lang for r in runs)}" for lang in ("de", "es", "zh")}
        print(f"{how:6s} right: {right}  loops kept: {sum(r['loops'] for r in runs)}  "
              f"mean {np.mean([r['seconds'] for r in runs]):.1f} s per clip")
    for r in rows:
        if r["kind"] == "language":
            print(f"  {r['how']:6s} {r['expected']} -> {','.join(r['languages']) or '-':5s} {r['seconds']:5.1f} s  "
                  f"{r['transcript'][:70]}")
        else:
            print(r)


if __name__ == "__main__":
    main()
