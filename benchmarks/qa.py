"""Answer-quality evaluation over the QA set: accuracy per question type, latency, prompt size.

Usage:
    python benchmarks/qa.py [--config F] [--per-clip N] [--judge-config F] [--json]

``--config`` evaluates another setup (e.g. an OpenAI-compatible server); the
default is the embedded offline one. ``--judge-config`` adds an LLM-judge score
from a (stronger) chat model next to the keyword score.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ (test media) is at the repository root

from videochat_text import VideoChat
from devkit.evaluation import QASet, evaluate

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qa", default=str(ROOT / "tests" / "data" / "qa" / "qa.yaml"))
    parser.add_argument("--config", help="videochat-text config to evaluate (default: embedded defaults)")
    parser.add_argument("--judge-config", help="config whose chat model grades the answers")
    parser.add_argument("--per-clip", type=int, help="only the first N questions of each clip")
    parser.add_argument("--media", default=str(ROOT / "benchmarks" / "results" / "qa-media"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every answer")
    args = parser.parse_args()

    qa = QASet.load(args.qa).subset(args.per_clip)
    vc = VideoChat.from_config(args.config)
    judge = VideoChat.from_config(args.judge_config) if args.judge_config else None

    def show(result) -> None:
        if args.verbose:
            mark = "ok " if result.right else "BAD"
            print(f"{mark} [{result.clip}/{result.question.type}] {result.question.asked[-1]} -> {result.answer!r}",
                  file=sys.stderr)

    report = evaluate(qa, vc, Path(args.media), judge=judge, on_result=show)
    print(report.to_json() if args.json else f"chat model: {vc.chat_model_name()}\n{report.table()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
