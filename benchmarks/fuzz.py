"""Hostile media by the thousand: zzuf mutants through `describe` and through HTTP upload.

Usage:
    python benchmarks/fuzz.py [--mutants 1000] [--http 200] [--timeout 60] [--workdir DIR] [--start 0]

Seeds are real media made here in nine containers (MP4, a portrait MP4, MKV, WebM, MOV,
M4A, MP3, WAV, FLAC, OGG; `devkit.fuzzing.make_seeds`), each mutated by Debian's ``zzuf``
at ratios from 0.0001 to 0.01 (zzuf seeds ``--start`` on, so a run is repeatable with the
same seeds). Each mutant is described by a child process that keeps its models loaded
(`devkit.fuzzing.Describer`); a child that dies is a crash, one that does not answer within
``--timeout`` seconds a hang. Then ``--http`` mutants are uploaded to a real
``videochat-text serve`` process and followed until described or failed.

Prints the mutants, outcomes by kind and exit code (0 described, 6 described with a failed
module, the error's code for a one-line error; tracebacks, crashes and hangs listed with the
zzuf command that makes them again), outcomes per format, the slowest, leaked files, and
whether the server survived (and, if not, what killed it). Targets (issue 25): 0 crashes,
0 hangs, 0 tracebacks, 0 leaked files. The workdir keeps the seeds and every mutant that
was not a description or a one-line error.
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # devkit/ is at the repository root

from devkit.fuzzing import Describer, Outcome, ServerProcess, make_seeds, mutants, one_line_error, upload  # noqa: E402

GOOD = ("described", "partial")


def describe_run(seeds: dict[str, Path], workdir: Path, count: int, start: int, timeout_s: float) -> list[Outcome]:
    describer = Describer(workdir / "describe", seeds["mp4"], timeout_s=timeout_s)
    outcomes = []
    started = time.perf_counter()
    try:
        for n, mutant in enumerate(mutants(seeds, workdir / "mutants", count, start), 1):
            outcome = describer.describe(mutant)
            outcomes.append(outcome)
            if outcome.kind in GOOD or one_line_error(outcome):
                if not outcome.leaked:
                    mutant.path.unlink()
            if n % 100 == 0:
                print(f"  … {n} mutants, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    finally:
        describer.close()
    return outcomes


def report_describe(outcomes: list[Outcome], seeds: dict[str, Path], wall_s: float, cpu_s: float) -> None:
    print(f"describe: {len(outcomes)} mutants in {wall_s:.0f} s wall, {cpu_s:.0f} s CPU of child processes "
          f"(describing, zzuf; {wall_s / max(1, len(outcomes)):.2f} s a mutant)")
    by_kind = collections.Counter((o.kind, o.exit_code) for o in outcomes)
    for (kind, code), n in sorted(by_kind.items()):
        print(f"  {kind:<10} exit {code:>3}: {n}")
    multi = [o for o in outcomes if o.kind == "error" and not one_line_error(o)]
    print(f"  errors that are not one line: {len(multi)}")
    print("  by format (described / error / other):")
    for name in seeds:
        mine = [o for o in outcomes if o.mutant.format == name]
        good = sum(o.kind in GOOD for o in mine)
        errors = sum(o.kind == "error" for o in mine)
        print(f"    {name:<13} {good:>4} / {errors:>4} / {len(mine) - good - errors:>3}")
    print("  slowest:")
    for o in sorted(outcomes, key=lambda o: -o.seconds)[:5]:
        print(f"    {o.seconds:6.1f} s  {o.mutant.path.name} (ratio {o.mutant.ratio}) {o.kind}: {o.message[:100]}")
    bad = [o for o in outcomes if o.kind in ("traceback", "crash", "hang")] + multi
    print(f"  tracebacks {sum(o.kind == 'traceback' for o in outcomes)}, crashes {sum(o.kind == 'crash' for o in outcomes)}, "
          f"hangs {sum(o.kind == 'hang' for o in outcomes)}")
    for o in bad:
        seed = seeds[o.mutant.format]
        print(f"    {o.kind}: zzuf -s {o.mutant.seed_number} -r {o.mutant.ratio} < {seed} > {o.mutant.path}")
        print("      " + o.message.strip().replace("\n", "\n      ")[-1500:])
    leaked = [path for o in outcomes for path in o.leaked]
    print(f"  leaked files: {len(leaked)}")
    for path in leaked[:20]:
        print(f"    {path}")


def http_run(seeds: dict[str, Path], workdir: Path, count: int, start: int, timeout_s: float) -> None:
    results: collections.Counter[str] = collections.Counter()
    problems, slowest = [], []
    started = time.perf_counter()
    with ServerProcess(workdir / "server") as server:
        for mutant in mutants(seeds, workdir / "uploads", count, start):
            try:
                status, message, seconds = upload(server.client, mutant, timeout_s)
            except Exception as exc:  # a dropped connection: the server died (or hung up)
                status, message, seconds = "dropped", f"{type(exc).__name__}: {exc}", 0.0
            results[status] += 1
            slowest.append((seconds, mutant.path.name, status))
            if status in ("hang", "dropped") or (status in ("failed", "rejected") and (not message or "\n" in message)):
                problems.append((mutant, status, message))
            if not server.alive():
                problems.append((mutant, "server died", server.exit_reason()))
                break
            mutant.path.unlink()
        alive = server.alive()
        reason = "" if alive else server.exit_reason()
        leaked = server.leaks()
    print(f"http upload: {sum(results.values())} mutants in {time.perf_counter() - started:.0f} s: "
          + ", ".join(f"{k} {v}" for k, v in sorted(results.items())))
    print(f"  server alive after all: {'yes' if alive else 'no: ' + reason}")
    for seconds, name, status in sorted(slowest, reverse=True)[:3]:
        print(f"  slowest: {seconds:.1f} s {name} {status}")
    for mutant, status, message in problems:
        print(f"  {status}: {mutant.path.name} (zzuf -s {mutant.seed_number} -r {mutant.ratio}): {message[:300]}")
    print(f"  leaked files: {len(leaked)}")
    for path in leaked[:20]:
        print(f"    {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mutants", type=int, default=1000, help="mutants through describe")
    parser.add_argument("--http", type=int, default=200, help="mutants uploaded to a real server")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one mutant may take")
    parser.add_argument("--start", type=int, default=0, help="the first zzuf seed")
    parser.add_argument("--workdir", type=Path, default=None, help="keep seeds and odd mutants here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="vct-fuzz-"))
    seeds = make_seeds(workdir / "seeds")
    print(f"seeds ({len(seeds)}): " + ", ".join(f"{name} {path.stat().st_size // 1024} KiB" for name, path in seeds.items()))
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at start")
    if args.mutants:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        outcomes = describe_run(seeds, workdir, args.mutants, args.start, args.timeout)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        report_describe(outcomes, seeds, time.perf_counter() - started, cpu)
    if args.http:
        http_run(seeds, workdir, args.http, args.start + args.mutants, args.timeout)
    if args.workdir is None and not any(workdir.glob("mutants/*")):
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"kept in {workdir}")


if __name__ == "__main__":
    main()
