"""Rule questions: how many answers state something no module reported (target: 0).

Asks each question of ``tests/data/qa/rule_questions.yaml`` with the scripted answers a small
chat model gives (the rules are measured, not the model) and prints every final answer, its
path, and what it states that no module reported.

Usage:
    python benchmarks/rule_questions.py [--split dev|held_out]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ is at the repository root

from devkit.rules import run_rule_questions  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["dev", "held_out"], default="held_out")
    args = parser.parse_args()
    results = list(run_rule_questions(args.split))
    for r in results:
        mark = "ok " if not r.unreported else "BAD"
        print(f"{mark} [{r.scene}] {r.question} -> {r.answer!r} ({r.path}) {', '.join(r.unreported)}")
    bad = sum(bool(r.unreported) for r in results)
    print(f"\n{args.split}: {bad} of {len(results)} answers state something no module reported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
