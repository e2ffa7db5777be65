"""How fast the command line answers when there is nothing to compute.

Usage:
    python benchmarks/startup.py [VIDEO] [--runs N] [--json]

Times, as the median wall time of ``N`` fresh processes each (targets in brackets), with
their median CPU time (user + system), which a busy shared machine inflates less:

- ``videochat-text --help`` (≤ 0.3 s);
- ``videochat-text describe VIDEO`` when its description is cached (≤ 0.4 s; VIDEO
  defaults to the 10 s ``examples/demo.mp4``, described once first into a private cache);
- a bad-input error, ``videochat-text describe missing.mp4`` (≤ 0.4 s).

Then it runs each once more with ``python -X importtime`` and lists the heavy packages
(LangChain, torch, OpenCV, the model runtimes) it imported — none should appear. The code
measured is the ``videochat_text`` first on ``sys.path`` (set PYTHONPATH to a worktree).
Numbers are for this machine at this moment: on a shared machine run it twice.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("langchain", "langchain_core", "langsmith", "torch", "cv2", "transformers", "llama_cpp", "av",
         "faster_whisper", "ctranslate2", "onnxruntime", "sentence_transformers", "ultralytics")
"""Packages a start-up that computes nothing must not import."""
TARGETS_S = {"--help": 0.3, "describe (cached)": 0.4, "bad input": 0.4}


def _command() -> list[str]:
    """The installed console script beside this Python, else ``python -m videochat_text``."""
    script = Path(sys.executable).with_name("videochat-text")
    return [str(script)] if script.exists() else [sys.executable, "-m", "videochat_text"]


def _run(args: list[str], expect_code: int) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run; CPU time varies less on a shared machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([*_command(), *args], capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != expect_code:
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}, expected {expect_code}:\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _heavy_imports(args: list[str]) -> list[str]:
    """The heavy top-level packages one run of ``args`` imports (from ``-X importtime``)."""
    # The variable, not ``-X importtime -m``: ``-m`` would put the current folder first on sys.path.
    done = subprocess.run([*_command(), *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines()
             if line.startswith("import time:")}
    return sorted(names & set(HEAVY))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", nargs="?", type=Path, default=ROOT / "examples" / "demo.mp4")
    parser.add_argument("--runs", type=int, default=10, help="processes per measurement (the median is shown)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        config.write_text(f"cache:\n  dir: {json.dumps(str(Path(tmp) / 'cache'))}\n")
        describe = ["describe", str(options.video), "--config", str(config)]
        print(f"describing {options.video} once to fill a private cache …", file=sys.stderr)
        _run(describe, 0)
        cases = {
            "--help": (["--help"], 0),
            "describe (cached)": (describe, 0),
            "bad input": (["describe", str(Path(tmp) / "missing.mp4"), "--config", str(config)], 3),
        }
        results = {}
        for name, (args, code) in cases.items():
            walls, cpus = zip(*(_run(args, code) for _ in range(options.runs)))
            results[name] = {"median_s": round(statistics.median(walls), 3), "min_s": round(min(walls), 3),
                             "cpu_median_s": round(statistics.median(cpus), 3), "target_s": TARGETS_S[name],
                             "heavy_imports": _heavy_imports(args)}

    if options.json:
        print(json.dumps({"runs": options.runs, "cpus": os.cpu_count(), "load_1min": os.getloadavg()[0],
                          "python": platform.python_version(), "results": results}))
        return
    print(f"{options.runs} runs each, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"{'wall seconds':20} {'median':>8} {'fastest':>8} {'cpu':>8} {'target':>8}  heavy imports")
    for name, r in results.items():
        print(f"{name:20} {r['median_s']:7.3f}s {r['min_s']:7.3f}s {r['cpu_median_s']:7.3f}s {r['target_s']:7.1f}s  "
              f"{', '.join(r['heavy_imports']) or 'none'}")


if __name__ == "__main__":
    main()
