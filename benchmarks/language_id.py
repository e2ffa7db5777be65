"""Language identification of short questions: lingua-language-detector against py3langid.

The answering layer must know the language a question is asked in (to answer in it, to
translate it for searching an English timeline). Questions are short — "Any dogs?",
"Wo lebt Tom", "Et après ?" — where word-list ratios and character n-gram models differ
most. This prints, for each identifier restricted to the languages the chat model is asked
to answer in (`videochat_text.answering.language.LANGUAGES`): accuracy overall and per
language, the misread questions, load time, time per question and memory.

Usage:
    python benchmarks/language_id.py [--questions benchmarks/data/short_questions.tsv]
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGS = ["en", "zh", "es", "fr", "de", "it", "pt", "ja", "ru", "nl"]


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def lingua_identifier(low_accuracy: bool):
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in LANGS]
    builder = LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models()
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    detector = builder.build()

    def identify(text: str) -> str:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found is not None else "?"
    return identify


def py3langid_identifier():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(LANGS)
    return lambda text: identifier.classify(text)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", default=str(ROOT / "benchmarks" / "data" / "short_questions.tsv"))
    parser.add_argument("--only", choices=["lingua", "lingua-low", "py3langid", "ours"],
                        help="measure one identifier (memory figures are then its own)")
    args = parser.parse_args()
    with open(args.questions, encoding="utf-8") as f:
        rows = [(r["lang"], r["question"]) for r in csv.DictReader(f, delimiter="\t")]

    makers = {"lingua": lambda: lingua_identifier(False), "lingua-low": lambda: lingua_identifier(True),
              "py3langid": py3langid_identifier}
    try:
        from videochat_text.answering.language import question_language
        makers["ours"] = lambda: question_language
    except ImportError:
        pass
    names = [args.only] if args.only else list(makers)
    print(f"{len(rows)} questions in {len(set(l for l, _ in rows))} languages; "
          f"load average {__import__('os').getloadavg()[0]:.1f}")
    for name in names:
        before = _rss_mb()
        started = time.process_time()
        identify = makers[name]()
        load_s = time.process_time() - started
        identify("warm up")
        started = time.process_time()
        guesses = [identify(q) for _, q in rows]
        per_q_ms = (time.process_time() - started) / len(rows) * 1000
        right = Counter()
        total = Counter()
        wrong = defaultdict(list)
        for (lang, q), guess in zip(rows, guesses):
            total[lang] += 1
            if guess == lang:
                right[lang] += 1
            else:
                wrong[lang].append(f"{q} -> {guess}")
        acc = sum(right.values()) / len(rows)
        per_lang = " ".join(f"{l} {right[l]}/{total[l]}" for l in total)
        print(f"\n{name}: {acc:.1%} right ({sum(right.values())}/{len(rows)}); load {load_s:.2f} s CPU, "
              f"{per_q_ms:.3f} ms CPU a question, +{_rss_mb() - before:.0f} MB RSS\n  {per_lang}")
        for lang, misses in wrong.items():
            print(f"  misread {lang}: " + "; ".join(misses))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
