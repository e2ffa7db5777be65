"""The server backed by a library: search over HTTP at scale, and describing uploads in worker
processes or on a Ray cluster.

Usage:
    python benchmarks/serve_library.py search [--videos 1000] [--events 100] [--queries 200]
    python benchmarks/serve_library.py describe [--clips 6] [--modes workers1,workers2,ray2node]
    (add --json for machine-readable output)

``search`` builds a library of ``--videos`` × ``--events`` synthetic entries (random words from a
2,000-word vocabulary and random unit vectors, inserted through `LibraryStore`, as
``benchmarks/library.py search`` does), serves it with ``videochat-text serve``'s app in its own
process on 127.0.0.1, and times ``GET /api/search`` one request at a time (the real query
embedding included): wall p50/p95 as the client sees them, and the server's CPU per request.

``describe`` uploads ``--clips`` distinct 4 s clips (a photo and a spoken sentence each, the
default modules) to a fresh server at once and times until all are described: ``workersN`` with
N local worker processes (``serve.workers``), ``ray2node`` on a two-node Ray cluster on the
loopback (``ray start --head`` and a second node, one CPU each, inside a private network and
process namespace as ``tests/test_library_parallel.py`` does; needs root for ``unshare``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # devkit/ is at the repository root

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from devkit.serving import ServerProcess  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process ``pid`` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def build_search_library(path: Path, videos: int, events: int, model_id: str) -> list[str]:
    """A library of synthetic entries; returns its vocabulary."""
    from videochat_text.library.store import DescribedFile, LibraryStore
    from videochat_text.timeline import Event

    rng, np_rng = random.Random(0), np.random.default_rng(0)
    vocabulary = [f"w{n:04d}" for n in range(2000)] + "password budget meeting coffee river train".split()
    store = LibraryStore(path)
    for v in range(videos):
        entries = [Event(start=float(i), end=float(i) + 1, module="speech", id=f"speech-{i + 1}",
                         text=" ".join(rng.choice(vocabulary) for _ in range(rng.randint(5, 14)))) for i in range(events)]
        vectors = np_rng.standard_normal((events, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.put_video(DescribedFile(path=f"/videos/v{v:05d}.mp4", sha256=f"{v:016x}" + "0" * 48, settings_key="bench",
                                      info={"duration": 600.0}, summary="", failures=[], modules={}, entries=entries,
                                      vectors=vectors, embedding_model=model_id, description_json="{}"))
    store.close()
    return vocabulary


def bench_search(args) -> dict:
    from videochat_text.config import load_settings
    from videochat_text.retrieval import embeddings_id

    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-search-"))
    settings = {"cache": {"dir": str(tmp / "cache")}, "library": {"path": str(tmp / "library.sqlite")}}
    started = time.perf_counter()
    vocabulary = build_search_library(tmp / "library.sqlite", args.videos, args.events,
                                      embeddings_id(load_settings(settings).retrieval))
    built_s = time.perf_counter() - started
    rng = random.Random(1)
    queries = [" ".join(rng.choice(vocabulary) for _ in range(3)) for _ in range(args.queries)]
    with ServerProcess(settings) as server, httpx.Client(base_url=server.url, timeout=600) as client:
        t0 = time.perf_counter()
        first = client.get("/api/search", params={"q": "password budget"})  # loads the model and the matrix
        first_s = time.perf_counter() - t0
        assert first.status_code == 200, first.text
        for q in queries[:10]:  # warm
            client.get("/api/search", params={"q": q})
        walls, cpus = [], []
        for q in queries:
            c0, t0 = cpu_seconds(server.pid), time.perf_counter()
            response = client.get("/api/search", params={"q": q, "limit": 20})
            walls.append((time.perf_counter() - t0) * 1000)
            cpus.append((cpu_seconds(server.pid) - c0) * 1000)
            assert response.status_code == 200 and response.json()["groups"], response.text
    return {"videos": args.videos, "entries": args.videos * args.events, "build_s": round(built_s, 1),
            "first_search_s": round(first_s, 2), "queries": len(walls),
            "wall_p50_ms": round(statistics.median(walls), 1), "wall_p95_ms": round(percentile(walls, 0.95), 1),
            "server_cpu_p50_ms": round(statistics.median(cpus), 1), "server_cpu_mean_ms": round(statistics.mean(cpus), 1),
            "note": "server CPU is read from /proc at 10 ms resolution (the mean is the figure to read)"}


# --- describing from the server -----------------------------------------------------------------
def make_clips(folder: Path, count: int) -> list[Path]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from library import make_clips as make  # benchmarks/library.py: distinct 4 s clips

    return [Path(p) for p in make(folder, count, 4.0)]


def describe_once(settings: dict, clips: list[Path]) -> dict:
    with ServerProcess(settings) as server, httpx.Client(base_url=server.url, timeout=600) as client:
        started = time.perf_counter()
        ids = [client.post("/api/videos", files={"file": (p.name, p.read_bytes())}).json()["id"] for p in clips]
        done: dict[str, float] = {}
        stages: set[str] = set()
        while len(done) < len(ids) and time.perf_counter() - started < 3600:
            for i in ids:
                if i not in done:
                    status = client.get(f"/api/videos/{i}").json()
                    stages.add(status["progress"]["stage"])
                    if status["status"] in ("done", "failed"):
                        done[i] = time.perf_counter() - started
                        if status["status"] == "failed":
                            print(f"failed: {status['error']}", file=sys.stderr)
            time.sleep(0.2)
        total = max(done.values())
        statuses = [client.get(f"/api/videos/{i}").json()["status"] for i in ids]
    finished = sorted(done.values())
    steady = (len(finished) - 1) / (finished[-1] - finished[0]) * 60 if len(finished) > 1 else float("nan")
    return {"videos": len(ids), "described": statuses.count("done"), "seconds": round(total, 1),
            "first_video_s": round(finished[0], 1), "videos_per_min": round(len(ids) / total * 60, 1),
            "steady_videos_per_min": round(steady, 1), "stages_seen": sorted(s for s in stages if s)}


def bench_describe(args) -> dict:
    root = Path(args.folder or tempfile.mkdtemp(prefix="bench-serve-describe-"))
    clips = make_clips(root / "clips", args.clips)
    results = {}
    for mode in args.modes.split(","):
        tmp = root / mode
        shutil.rmtree(tmp, ignore_errors=True)
        settings: dict = {"cache": {"dir": str(tmp / "cache")}, "summary": {"backend": "merge"}}
        if mode.startswith("workers"):
            settings["serve"] = {"workers": int(mode[len("workers"):])}
            results[mode] = describe_once(settings, clips)
        elif mode == "ray2node":
            results[mode] = _on_two_node_ray(settings, root, clips)
        elif mode == "ray-address":  # inside the namespace the cluster runs in (see _on_two_node_ray)
            settings["library"] = {"ray": args.ray_address}
            results[mode] = describe_once(settings, clips)
        print(f"{mode}: {results[mode]}", file=sys.stderr)
    return results


_CLUSTER = """
set -e
ip link set lo up
{ray} start --head --port={port} --node-ip-address=127.0.0.1 --num-cpus=1 --include-dashboard=false \
    --disable-usage-stats --object-store-memory=100000000 >&2
{ray} start --address=127.0.0.1:{port} --node-ip-address=127.0.0.1 --num-cpus=1 --disable-usage-stats \
    --object-store-memory=100000000 >&2
set +e
{python} {script} --json describe --modes ray-address --ray-address 127.0.0.1:{port} --clips {clips} --folder {folder}
status=$?
{ray} stop >&2
exit $status
"""


def _on_two_node_ray(settings: dict, root: Path, clips: list[Path]) -> dict:
    unshare = shutil.which("unshare")
    if not unshare:
        return {"skipped": "needs unshare (util-linux) and root"}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Ray's command line run by this interpreter: the nodes' workers then import this checkout.
    ray = f"{sys.executable} -c 'from ray.scripts.scripts import main; main()'"
    script = _CLUSTER.format(port=port, python=sys.executable, ray=ray, script=Path(__file__).resolve(), clips=len(clips),
                             folder=root)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update({"RAY_USAGE_STATS_ENABLED": "0", "HOME": str(root), "PYTHONPATH": str(ROOT),
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
    run = subprocess.run([unshare, "--net", "--pid", "--fork", "--mount-proc", "bash", "-c", script],
                         capture_output=True, text=True, env=env, timeout=7200)
    if run.returncode != 0:
        return {"failed": run.stderr[-3000:]}
    result = json.loads(run.stdout.strip().splitlines()[-1])["ray-address"]
    failures = [line for line in run.stderr.splitlines() if line.startswith("failed: ")]
    return {**result, **({"failures": failures[:3]} if failures else {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    sub = parser.add_subparsers(dest="what", required=True)
    s = sub.add_parser("search")
    s.add_argument("--videos", type=int, default=1000)
    s.add_argument("--events", type=int, default=100)
    s.add_argument("--queries", type=int, default=200)
    d = sub.add_parser("describe")
    d.add_argument("--clips", type=int, default=6)
    d.add_argument("--modes", default="workers1,workers2,ray2node")
    d.add_argument("--ray-address")
    d.add_argument("--folder", help="where the clips are made (reused)")
    args = parser.parse_args()
    result = {"search": bench_search, "describe": bench_describe}[args.what](args)
    if not args.json:
        result["machine"] = (f"{platform.machine()}, {os.cpu_count()} cores, load average "
                             f"{os.getloadavg()[0]:.1f} at the end")
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
