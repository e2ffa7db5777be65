"""Measure the library: describe throughput (1 worker, 2 workers, Ray), search latency at scale,
disk per 1,000 events, and ``library add`` of many short clips with the driver's peak memory.

Usage:
    python benchmarks/library.py describe [--clips 8] [--modes workers1,workers2,ray2] [--modules speech,objects]
    python benchmarks/library.py search [--videos 1000] [--events 100] [--queries 200]
    python benchmarks/library.py add [--clips 200] [--workers 2]
    (add --json to any for machine-readable output)

``describe`` makes distinct 4 s clips (a photo and a spoken sentence each) and describes them
with a fresh cache per mode, timing the whole run (worker start and model loading included)
and the steady rate after the first video. ``search`` inserts synthetic videos through the
`LibraryStore` API (random words from a 2,000-word vocabulary, random unit vectors: latency does not
depend on what the vectors mean) and times `Library.search` with the real query embedding.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ (test media) is at the repository root

import numpy as np

from videochat_text.library import Library
from videochat_text.timeline import Event

SENTENCES = [
    "The train leaves at noon.", "My sister lives in Paris.", "The garden has red roses.",
    "We bought a new blue car.", "The museum opens on Monday.", "Our dog likes long walks.",
    "The bakery sells fresh bread.", "It will rain tomorrow evening.", "The library closes at six.",
    "My brother plays the guitar.", "The river is very cold.", "Dinner is served at eight.",
]


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_clips(folder: Path, count: int, seconds: float) -> list[str]:
    import skimage.data

    from devkit.synthetic import Line, Shot, make_clip

    photos = [skimage.data.astronaut(), skimage.data.chelsea(), skimage.data.coffee(), skimage.data.rocket(),
              skimage.data.camera()]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"clip{i:04d}.mp4"
        if not path.exists():
            sentence = f"{SENTENCES[i % len(SENTENCES)][:-1]}, number {i}."
            make_clip(path, [Shot(photos[i % len(photos)], seconds)], [Line(0.2, sentence)])
        paths.append(str(path))
    return paths


def _config(tmp: Path, modules: list[str]) -> dict:
    return {"cache": {"dir": str(tmp / "cache")}, "perception": {"modules": modules},
            "summary": {"backend": "merge"}, "library": {"path": str(tmp / "library.sqlite")}}


def bench_describe(args) -> dict:
    root = Path(tempfile.mkdtemp(prefix="bench-library-"))
    paths = make_clips(root / "clips", args.clips, 4.0)
    results = {}
    for mode in args.modes.split(","):
        tmp = root / mode
        library = Library(_config(tmp, args.modules.split(",")))
        finished: list[float] = []
        started = time.perf_counter()

        def progress(done: int, total: int, current: str) -> None:
            if done > len(finished):
                finished.append(time.perf_counter() - started)

        workers = int(mode[-1])
        report = library.add(paths, workers=workers, ray=mode.startswith("ray") or None, progress=progress)
        total = time.perf_counter() - started
        steady = (len(finished) - 1) / (finished[-1] - finished[0]) * 60 if len(finished) > 1 else float("nan")
        results[mode] = {"videos": len(report.added), "failed": len(report.failed), "seconds": round(total, 1),
                         "first_video_s": round(finished[0], 1), "videos_per_min": round(len(paths) / total * 60, 1),
                         "steady_videos_per_min": round(steady, 1)}
        print(f"{mode}: {results[mode]}", file=sys.stderr)
    return results


def _random_text(rng: random.Random, vocabulary: list[str]) -> str:
    return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(5, 14)))


def bench_search(args) -> dict:
    from videochat_text.retrieval import embeddings_id

    tmp = Path(tempfile.mkdtemp(prefix="bench-library-search-"))
    library = Library(_config(tmp, ["speech"]))
    rng = random.Random(0)
    vocabulary = [f"w{n:04d}" for n in range(2000)] + "password budget meeting coffee river train".split()
    model = embeddings_id(library.settings.retrieval)
    np_rng = np.random.default_rng(0)
    started = time.perf_counter()
    for v in range(args.videos):
        entries = [Event(start=float(i), end=float(i) + 1, module="speech", text=_random_text(rng, vocabulary),
                         id=f"speech-{i}") for i in range(args.events)]
        vectors = np_rng.standard_normal((args.events, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        library.store.put_video(f"/videos/v{v:05d}.mp4", sha256=f"{v:064x}", settings_key="bench", duration=600.0,
                                info={}, summary="", failures=[], entries=entries, vectors=vectors,
                                embedding_model=model)
    insert_s = time.perf_counter() - started
    library.store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = library.path.stat().st_size
    events = args.videos * args.events

    queries = [f"{rng.choice(vocabulary)} {rng.choice(vocabulary)} {rng.choice(vocabulary)}" for _ in range(args.queries)]
    # The query's embedding (the model) is timed apart from the search (the index): the model's time
    # depends on the model and the machine's load, the index's on the library's size.
    from videochat_text.retrieval import make_embeddings

    model_embeddings = make_embeddings(library.settings.retrieval)
    model_embeddings.embed_query("load and warm up")
    import torch

    embed = {}
    for threads in (torch.get_num_threads(), 1):
        torch.set_num_threads(threads)
        embed[f"query_embedding_{threads}_threads"] = timed(model_embeddings.embed_query, queries[:50])
    vectors_of = {q: model_embeddings.embed_query(q) for q in queries}
    from videochat_text.library.search import VectorSearch

    library._vector_search = VectorSearch(library.store, _Precomputed(vectors_of), model)
    t0, c0 = time.perf_counter(), time.process_time()
    library.search(queries[0], top_k=10)  # a new process's first search: the matrix is read from the file
    first_search_s, first_search_cpu_s = time.perf_counter() - t0, time.process_time() - c0

    from videochat_text.library.search import CANDIDATES, fts_query  # noqa: E402

    hybrid = timed(lambda q: library.search(q, top_k=10), queries)
    words = timed(lambda q: library.store.full_text(fts_query(q), CANDIDATES), queries)
    nearest = timed(lambda q: library._vectors().search(q, CANDIDATES), queries)

    def summary(times: list[float]) -> dict:
        def p95(values: list[float]) -> float:
            return round(sorted(values)[int(0.95 * (len(values) - 1))], 1)

        cpu = CPU_TIMES.get(id(times), [])
        return {"p50_ms": round(statistics.median(times), 1), "p95_ms": p95(times), "max_ms": round(max(times), 1),
                **({"cpu_p50_ms": round(statistics.median(cpu), 1), "cpu_p95_ms": p95(cpu)} if cpu else {})}

    return {"videos": args.videos, "events": events, "insert_s": round(insert_s, 1),
            "bytes_per_1000_events": round(size / events * 1000), "file_mb": round(size / 1e6, 1),
            "first_search_s": round(first_search_s, 2), "first_search_cpu_s": round(first_search_cpu_s, 2), "hybrid_without_query_embedding": summary(hybrid),
            "full_text_only": summary(words), "vectors_only": summary(nearest),
            **{name: summary(times) for name, times in embed.items()}, "peak_rss_mb": round(peak_rss_mb())}


CPU_TIMES: dict[int, list[float]] = {}
"""CPU milliseconds of each `timed` series, by the id of its wall-time list: on a machine shared with
other work, wall time measures the queue for the cores; CPU time is what an idle machine approaches."""


def timed(fn, items) -> list[float]:
    """Wall milliseconds per call of ``fn`` on each item (CPU milliseconds in `CPU_TIMES`)."""
    times, cpu = [], []
    for item in items:
        t, c = time.perf_counter(), time.process_time()
        fn(item)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    CPU_TIMES[id(times)] = cpu
    return times


class _Precomputed:
    """Embeddings that return vectors the real model made beforehand (``embed_query`` only)."""

    def __init__(self, vectors: dict[str, list[float]]):
        self.vectors = vectors

    def embed_query(self, text: str) -> list[float]:
        return self.vectors[text]


def bench_add(args) -> dict:
    root = Path(tempfile.mkdtemp(prefix="bench-library-add-"))
    t0 = time.perf_counter()
    paths = make_clips(Path(args.folder) if args.folder else root / "clips", args.clips, 2.0)
    make_s = time.perf_counter() - t0
    library = Library(_config(root, args.modules.split(",")))
    before = peak_rss_mb()
    started = time.perf_counter()
    report = library.add(paths, workers=args.workers)
    seconds = time.perf_counter() - started
    return {"clips": args.clips, "clip_s": 2.0, "making_clips_s": round(make_s, 1), "workers": args.workers,
            "described": len(report.added), "failed": len(report.failed), "seconds": round(seconds, 1),
            "videos_per_min": round(len(report.added) / seconds * 60, 1),
            "driver_peak_rss_mb": round(peak_rss_mb()), "driver_rss_before_mb": round(before)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    sub = parser.add_subparsers(dest="what", required=True)
    d = sub.add_parser("describe")
    d.add_argument("--clips", type=int, default=8)
    d.add_argument("--modes", default="workers1,workers2,ray2")
    d.add_argument("--modules", default="speech,objects")
    s = sub.add_parser("search")
    s.add_argument("--videos", type=int, default=1000)
    s.add_argument("--events", type=int, default=100)
    s.add_argument("--queries", type=int, default=200)
    a = sub.add_parser("add")
    a.add_argument("--clips", type=int, default=200)
    a.add_argument("--workers", type=int, default=2)
    a.add_argument("--modules", default="speech,objects")
    a.add_argument("--folder", help="where the clips are (made there if missing; reused by later runs)")
    args = parser.parse_args()
    result = {"describe": bench_describe, "search": bench_search, "add": bench_add}[args.what](args)
    result["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end"
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
