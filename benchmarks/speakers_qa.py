"""How right the speaker labels are on the QA set's conversations (clips with two or more voices).

Each clip's narration is rebuilt from its lines (`tests/data/qa/qa.yaml`), transcribed once with
speakers off, then labelled (`perception.speakers`: windows, GE2E, clustering, the whole-video
relabel). A word's true voice is the line spoken at its middle; a clip's score is the share of
word time under the best one-to-one mapping of labels to voices. Prints per clip the score and the
count of labels found against voices spoken, then the mean; then how many of the clips spoken in one
voice got one label (a voice split in two is as wrong as two voices joined).

    python benchmarks/speakers_qa.py [CLIP ...] [--min-voice-s S] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # devkit/ from the repository root

from devkit.evaluation import QASet  # noqa: E402
from devkit.synthetic import Line, narration  # noqa: E402
from videochat_text.perception import speakers  # noqa: E402
from videochat_text.perception.ge2e import VoiceEncoder  # noqa: E402
from videochat_text.perception.speech import SpeechModule  # noqa: E402
from videochat_text.timeline import Media, VideoInfo  # noqa: E402


def best_share(time_by_pair: dict[tuple[str, tuple], float]) -> float:
    """Share of word time whose label maps to its true voice, under the best one-to-one mapping."""
    labels = sorted({label for label, _ in time_by_pair})
    voices = sorted({voice for _, voice in time_by_pair}, key=str)
    total = sum(time_by_pair.values())
    best = 0.0
    for chosen in itertools.permutations(labels, min(len(labels), len(voices))):
        for matched in itertools.permutations(voices, len(chosen)):
            best = max(best, sum(time_by_pair.get(pair, 0.0) for pair in zip(chosen, matched)))
    return best / total if total else 0.0


def score_clip(lines: list[Line], duration: float, module: SpeechModule, encoder: VoiceEncoder) -> tuple[float, int, int]:
    audio = narration(lines, duration)
    media = Media(info=VideoInfo.model_construct(duration=duration), frames=[], audio=audio, sample_every_s=1.0)
    labelled = speakers.relabel_video(speakers.label_speakers(module.run(media), audio, 0.0, encoder))
    starts = [line.start for line in lines]
    time_by_pair: dict[tuple[str, tuple], float] = {}
    for event in labelled:
        for word in event.data.words or ():
            middle = (word.start + word.end) / 2
            line = lines[max([k for k, start in enumerate(starts) if start <= middle], default=0)]
            pair = (event.data.speaker, (line.voice, line.pitch))
            time_by_pair[pair] = time_by_pair.get(pair, 0.0) + word.end - word.start
    spoken = len({(line.voice, line.pitch) for line in lines})
    return best_share(time_by_pair), len({label for label, _ in time_by_pair}), spoken


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clips", nargs="*", help="only these clips (default: every conversation)")
    parser.add_argument("--min-voice-s", type=float, default=speakers.MIN_VOICE_S,
                        help=f"try another MIN_VOICE_S (default {speakers.MIN_VOICE_S})")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    speakers.MIN_VOICE_S = args.min_voice_s
    module, encoder = SpeechModule({"speakers": "off"}), VoiceEncoder.from_package()
    results, one_voice = {}, {}
    for clip in QASet.load(ROOT / "tests" / "data" / "qa" / "qa.yaml").clips:
        lines = [Line(*line) for line in clip.lines]
        if not lines or (args.clips and clip.name not in args.clips):
            continue
        share, found, spoken = score_clip(lines, sum(seconds for _, seconds in clip.shots), module, encoder)
        if spoken < 2:
            one_voice[clip.name] = found
            continue
        results[clip.name] = {"right_share": round(share, 3), "labels": found, "voices": spoken}
        if not args.json:
            print(f"{clip.name:14s} {share:5.2f} of word time right; {found} labels for {spoken} voices", flush=True)
    if not results:
        print("no conversation clip matched", file=sys.stderr)
        return 1
    mean = sum(r["right_share"] for r in results.values()) / len(results)
    exact = sum(r["labels"] == r["voices"] for r in results.values())
    split = {name: found for name, found in one_voice.items() if found != 1}
    if args.json:
        print(json.dumps({"clips": results, "mean": round(mean, 3), "right_count": exact,
                          "one_voice_clips": len(one_voice), "one_voice_split": split}))
    else:
        print(f"mean {mean:.3f} over {len(results)} clips; the right number of labels on {exact}")
        print(f"one voice: {len(one_voice) - len(split)} of {len(one_voice)} clips got one label"
              + "".join(f"; {name} {found}" for name, found in split.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
