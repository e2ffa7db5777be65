"""Answer-quality evaluation over the QA set (tests/data/qa/qa.yaml).

Per question type (and for Chinese/Spanish questions) and overall, for the dev half, the
test half and both: right answers, invented answers (a number, time or name in no timeline
entry: `devkit.invented`) as a count and share, citation recall (questions with a `cite`
keyword where some citation of the answer contains it), the answer paths
(model/checked/retried/extractive), answer latency p50/p95 with the models loaded, and our
overhead: the latency minus the time inside chat-model calls.

Usage:
    python benchmarks/qa.py [--split dev|test|fresh|fresh2|fresh3|fresh4|fresh5|fresh6|fresh7|fresh8|fresh9|fresh10|fresh11|fresh12|fresh13|fresh14|fresh15|fresh16|fresh17|fresh18|fresh19|fresh20|fresh21|fresh22|fresh23|fresh24|fresh25|fresh26|fresh27|fresh28|fresh29|fresh30|fresh31|fresh32|fresh33|all] [--config F] [--per-clip N] [--lang zh,es,fr,de]
                            [--speech heard|true] [--judge-config F] [--json] [-v] [--rescore RUN.json]

``--config`` evaluates another setup (e.g. ``chat: {model: packaged-qwen}``, or an
OpenAI-compatible server); the default is the embedded offline one. ``--judge-config`` adds
an LLM-judge score from a (stronger) chat model next to the keyword score. ``--rescore``
scores the answers an earlier ``--json`` run saved again, after a change to the QA set or
the scoring rules, without asking again. ``--speech true`` asks about each clip's own lines (every word
heard, every voice told apart) instead of what Whisper heard: the answering measured apart from speech
recognition. Clips are built once under
benchmarks/results/qa-media; descriptions come from the config's cache.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
from pathlib import Path

# llama.cpp's OpenMP threads spin while they wait for each other. On a machine whose cores are
# busy with other work, a spinning thread keeps its partner off the CPU: one answer of the
# embedded model took 39-75 s instead of 1.3 s on 2 shared cores (load ~20). Set before
# libgomp loads; OMP_WAIT_POLICY=ACTIVE in the environment measures spinning instead.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ (test media) is at the repository root

from videochat_text import VideoChat
from videochat_text.errors import VideoChatError
from devkit.evaluation import SPLITS, Result, QASet, evaluate, rescore

ROOT = Path(__file__).resolve().parents[1]


def show(result: Result) -> None:
    """One answer, for ``-v``: verdict, where it came from, what it invented, what it cited."""
    mark = "ok " if result.right else "BAD"
    q = result.question
    notes = [f"{result.seconds:.2f}s"]
    if result.path:
        notes.append(result.path)
    if result.cited is not None:
        notes.append("cited" if result.cited else f"not cited ({q.cite!r})")
    if result.invented:
        notes.append("INVENTED " + ", ".join(result.invented))
    turns = " / ".join(q.asked)
    print(f"{mark} [{q.split} {result.clip}/{q.type}{'' if q.lang == 'en' else ' ' + q.lang}] {turns} -> "
          f"{result.answer!r}  ({'; '.join(notes)})", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qa", default=str(ROOT / "tests" / "data" / "qa" / "qa.yaml"))
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all",
                        help="which part to ask (tune on dev, quote test and fresh); all reports each and all")
    parser.add_argument("--config", help="videochat-text config to evaluate (default: embedded defaults)")
    parser.add_argument("--judge-config", help="config whose chat model grades the answers")
    parser.add_argument("--per-clip", type=int, help="only the first N questions of each clip")
    parser.add_argument("--lang", default="all", help="only questions in these languages, e.g. zh or zh,es,fr,de")
    parser.add_argument("--media", default=str(ROOT / "benchmarks" / "results" / "qa-media"))
    parser.add_argument("--speech", choices=["heard", "true"], default="heard",
                        help="true: ask about the clips' own lines instead of what the speech module heard "
                             "(the answering measured apart from speech recognition and voice labels)")
    parser.add_argument("--json", action="store_true", help="print the figures and every answer as JSON")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every answer as it comes")
    parser.add_argument("--rescore", metavar="JSON",
                        help="score the answers saved by an earlier --json run again, without asking again")
    args = parser.parse_args()

    try:
        qa = QASet.load(args.qa).split(args.split).in_languages(args.lang).subset(args.per_clip)
        vc = VideoChat.from_config(args.config)
        judge = VideoChat.from_config(args.judge_config) if args.judge_config else None
        if args.rescore:
            report = rescore(json.loads(Path(args.rescore).read_text(encoding="utf-8")), qa, vc, Path(args.media))
            if args.verbose:
                for result in report.results:
                    show(result)
        else:
            report = evaluate(qa, vc, Path(args.media), judge=judge, warm_up=True, speech=args.speech,
                              on_result=show if args.verbose else lambda r: None)
    except VideoChatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    splits = (*SPLITS, "all") if args.split == "all" else (args.split,)
    asked = {result.question.split for result in report.results}
    splits = tuple(split for split in splits if split == "all" or split in asked)  # a rescored run holds some
    if args.json:
        print(report.to_json(splits))
        return 0
    print(f"chat model: {vc.chat_model_name()}; OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not report.model_timed:
        print("(the chat model's calls cannot be timed: no overhead figures)")
    for split in splits:
        print(f"\n== {split} ==\n{report.table(split)}")
        for kind, t in report.latency_by_turn(split).items():
            first = "-" if t["first_text_p50_s"] is None else f"{t['first_text_p50_s']:.2f}"
            print(f"{kind}: {t['n']} answers, first text p50 {first} s, whole p50 {t['whole_p50_s']:.2f} s, "
                  f"p95 {t['whole_p95_s']:.2f} s")
    print(f"\npeak memory (RSS) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
