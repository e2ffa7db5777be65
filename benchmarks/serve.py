"""Load on `videochat-text serve`: concurrent questions, and several uploads at once.

Usage:
    python benchmarks/serve.py [--clients 20] [--questions 10] [--uploads 5] [--workers 1] [--real-chat]

A real ``videochat-text serve`` app under uvicorn on 127.0.0.1, in its own process (the load
generator does not share its GIL; its peak memory is read from /proc):

1. ``--clients`` clients, each in its own conversation, ask ``--questions`` questions each at
   the same time about one described video. The chat model echoes the question, so the time
   measured is the server's own overhead (HTTP, sessions, prompt building), and every answer
   shows which client's question it answers: an answer reaching the wrong session is counted.
   Once as JSON, once streamed (SSE, time to the last event).
2. Then ``--uploads`` different videos (the demo clip with different metadata: distinct bytes,
   so each is described) uploaded at once to the same server; all must be described; the
   server's peak RSS is reported.
3. ``--queued 100``: a slow echo model that, like the local model, answers one question at a
   time (``serve.max_queued_questions`` = 100): 100 questions wait while health, listing, a
   video's status, its description and media are timed; ``--over`` more questions at the same
   time must get 429; every question ends in an answer or an error (none lost).
4. ``--real-chat``: the packaged local chat model. One conversation, streamed: seconds to the
   first status event, the first text and the end, for the first question and follow-ups. Then
   the same clients, a few questions each: answers queue behind the one model, none may be lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from math import nan
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ is at the repository root

import httpx

from devkit.serving import ServerProcess

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo.mp4"


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of process ``pid``, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


FOLLOW_UPS = ["What is the cat's name?", "What is said at the start?", "What happens at the end?"]


async def first_text(url: str, video_id: str, questions: list[str]) -> list[dict]:
    """One conversation, streamed: seconds to the first status event, the first text, the end."""
    turns, session = [], None
    async with httpx.AsyncClient(base_url=url, timeout=900) as client:
        for question in questions:
            started, seen = time.perf_counter(), {}
            async with client.stream("POST", f"/api/videos/{video_id}/ask", headers={"Accept": "text/event-stream"},
                                     json={"question": question, "session": session}) as response:
                response.raise_for_status()
                async for line in response.aiter_lines():
                    if line.startswith("event: "):
                        seen.setdefault(line[7:], time.perf_counter() - started)
                    elif line.startswith("data: ") and '"session"' in line:
                        session = json.loads(line[6:]).get("session", session)
            turns.append({"question": question, "status_s": seen.get("status"), "chunk_s": seen.get("chunk"),
                          "done_s": seen.get("done")})
    return turns


async def wait_described(client: httpx.AsyncClient, video_id: str, timeout_s: float = 600) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        status = (await client.get(f"/api/videos/{video_id}")).json()
        if status["status"] in ("done", "failed") or time.monotonic() > deadline:
            return status
        await asyncio.sleep(0.1)


async def described_demo(url: str) -> str:
    """The demo clip uploaded and described; its id."""
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        video_id = (await client.post("/api/videos", files={"file": (DEMO.name, DEMO.read_bytes())})).json()["id"]
        assert (await wait_described(client, video_id))["status"] == "done"
        return video_id


async def one_client(client: httpx.AsyncClient, video_id: str, n: int, questions: int, stream: bool,
                     expect_echo: bool) -> tuple[list[float], int, int]:
    """Latencies, errors, and answers that were not this client's."""
    session, latencies, errors, mixed = None, [], 0, 0
    for q in range(questions):
        question = f"client-{n} question-{q}: what happens?"
        started = time.perf_counter()
        try:
            if stream:
                answer = ""
                async with client.stream("POST", f"/api/videos/{video_id}/ask", headers={"Accept": "text/event-stream"},
                                         json={"question": question, "session": session}) as response:
                    response.raise_for_status()
                    event = None
                    async for line in response.aiter_lines():
                        if line.startswith("event: "):
                            event = line[7:]
                        elif line.startswith("data: ") and event == "done":
                            done = json.loads(line[6:])
                            answer, got_session = done["answer"], done["session"]
                        elif line.startswith("data: ") and event == "error":
                            raise RuntimeError(line)
            else:
                response = await client.post(f"/api/videos/{video_id}/ask", json={"question": question, "session": session})
                response.raise_for_status()
                answer, got_session = response.json()["answer"], response.json()["session"]
        except Exception as exc:  # counted, not fatal: the benchmark reports errors
            errors += 1
            print(f"  client {n} question {q}: {exc}", file=sys.stderr)
            continue
        latencies.append(time.perf_counter() - started)
        if session is not None and got_session != session:
            mixed += 1
        session = got_session
        if expect_echo and answer != f"echo: {question}":
            mixed += 1
        elif not expect_echo and not answer.strip():
            errors += 1
    return latencies, errors, mixed


async def questions_load(url: str, video_id: str, clients: int, questions: int, stream: bool,
                         expect_echo: bool = True) -> dict:
    limits = httpx.Limits(max_connections=clients + 5)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as client:
        started = time.perf_counter()
        results = await asyncio.gather(*(one_client(client, video_id, n, questions, stream, expect_echo)
                                         for n in range(clients)))
        wall = time.perf_counter() - started
    latencies = [x for r in results for x in r[0]]
    return {"requests": clients * questions, "answered": len(latencies), "errors": sum(r[1] for r in results),
            "mixed": sum(r[2] for r in results), "wall_s": wall,
            "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
            "p95_ms": 1000 * percentile(latencies, 0.95) if latencies else None,
            "max_ms": 1000 * max(latencies) if latencies else None}


async def queued_load(url: str, video_id: str, waiting: int, over: int) -> dict:
    """``waiting + 1 + over`` questions at once (half streamed) while the other routes are timed."""
    outcomes: list[str] = []

    async def ask(http: httpx.AsyncClient, n: int) -> None:
        body = {"question": f"queued-{n}: what happens?"}
        try:
            if n % 2:
                response = await http.post(f"/api/videos/{video_id}/ask", json=body)
                ok = response.status_code == 200 and response.json()["answer"] == f"echo: {body['question']}"
            else:
                response = await http.post(f"/api/videos/{video_id}/ask", json=body,
                                           headers={"Accept": "text/event-stream"})
                ok = response.status_code == 200 and f'"answer": "echo: {body["question"]}"' in response.text
            outcomes.append("answered" if ok else str(response.status_code))
        except Exception as exc:  # a question that got neither an answer nor an error
            outcomes.append(f"lost ({type(exc).__name__})")

    routes = {"health": "/api/health", "listing": "/api/videos", "status": f"/api/videos/{video_id}",
              "description": f"/api/videos/{video_id}/description", "media": f"/api/videos/{video_id}/media"}
    timings: dict[str, list[float]] = {name: [] for name in routes}

    async def probe(http: httpx.AsyncClient, asking: asyncio.Task) -> None:
        while not asking.done():
            for name, path in routes.items():
                started = time.perf_counter()
                headers = {"Range": "bytes=0-65535"} if name == "media" else {}
                (await http.get(path, headers=headers)).raise_for_status()
                timings[name].append(time.perf_counter() - started)
            await asyncio.sleep(0.05)

    limits = httpx.Limits(max_connections=waiting + over + 20)
    async with httpx.AsyncClient(base_url=url, timeout=900, limits=limits) as http:
        started = time.perf_counter()
        asking = asyncio.ensure_future(asyncio.gather(*(ask(http, n) for n in range(waiting + 1 + over))))
        async with httpx.AsyncClient(base_url=url, timeout=60) as prober:
            await asyncio.sleep(0.5)  # the line forms
            await probe(prober, asking)
        await asking
        wall = time.perf_counter() - started
    counts = {kind: outcomes.count(kind) for kind in sorted(set(outcomes))}
    return {"questions": len(outcomes), "outcomes": counts, "wall_s": wall,
            "routes": {name: {"requests": len(t), "p50_ms": 1000 * statistics.median(t),
                              "p95_ms": 1000 * percentile(t, 0.95), "max_ms": 1000 * max(t)}
                       for name, t in timings.items() if t}}


def distinct_copies(count: int, folder: Path) -> list[Path]:
    """The demo clip ``count`` times with different metadata: other bytes, the same pictures and sound."""
    copies = []
    for n in range(count):
        path = folder / f"demo-{n}.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(DEMO), "-c", "copy", "-metadata", f"title=copy {n}",
                        str(path)], check=True)
        copies.append(path)
    return copies


async def uploads_load(url: str, paths: list[Path]) -> dict:
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        started = time.perf_counter()
        responses = await asyncio.gather(*(client.post("/api/videos", files={"file": (p.name, p.read_bytes())})
                                           for p in paths))
        ids = [r.json()["id"] for r in responses]
        statuses = await asyncio.gather(*(wait_described(client, i) for i in ids))
        wall = time.perf_counter() - started
    return {"uploads": len(paths), "distinct_ids": len(set(ids)),
            "described": sum(s["status"] == "done" for s in statuses), "wall_s": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--sequential", type=int, default=50, help="questions one client asks first, alone")
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1, help="serve.workers: videos described at once")
    parser.add_argument("--queued", type=int, default=100, help="questions waiting for a one-at-a-time model "
                        "while other routes are timed (0: skip)")
    parser.add_argument("--over", type=int, default=20, help="questions beyond --queued at once (each must get 429)")
    parser.add_argument("--real-chat", action="store_true", help="also load the packaged local chat model")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    say = (lambda *a: None) if args.json else print
    report: dict = {"questions": []}

    with tempfile.TemporaryDirectory() as tmp:
        settings = {"cache": {"dir": f"{tmp}/cache"}, "serve": {"workers": args.workers, "max_sessions": 1000}}
        with ServerProcess(settings) as server:
            video_id = asyncio.run(described_demo(server.url))
            say("Questions about one described video, echo chat model (the time is the server's overhead):")
            for clients, questions in [(1, args.sequential), (args.clients, args.questions)]:
                for stream in (False, True):
                    r = asyncio.run(questions_load(server.url, video_id, clients, questions, stream))
                    report["questions"].append({"clients": clients, "questions": questions, "stream": stream, **r})
                    say(f"  {clients:2d} clients x {questions} questions, {'SSE ' if stream else 'JSON'}: "
                        f"{r['answered']}/{r['requests']} answered, {r['errors']} errors, {r['mixed']} answers in the "
                        f"wrong session; p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, max {r['max_ms']:.1f} ms; "
                        f"{r['requests'] / r['wall_s']:.0f} questions/s")
            report["questions_peak_rss_mb"] = peak_rss_mb(server.pid)
            say(f"  server peak RSS so far {report['questions_peak_rss_mb']:.0f} MB")

            paths = distinct_copies(args.uploads, Path(tmp))
            u = report["uploads"] = asyncio.run(uploads_load(server.url, paths))
            u["peak_rss_mb"] = peak_rss_mb(server.pid)
            say(f"{u['uploads']} uploads at once (serve.workers={args.workers}, default modules): "
                f"{u['described']}/{u['uploads']} described ({u['distinct_ids']} distinct ids) in {u['wall_s']:.1f} s; "
                f"server peak RSS {u['peak_rss_mb']:.0f} MB")

        if args.queued:
            report["queued"] = queued_report(settings, args.queued, args.over, say)

        if args.real_chat:
            with ServerProcess(settings, echo=False) as server:
                f = report["first_text"] = asyncio.run(first_text(server.url, video_id, FOLLOW_UPS))
                for turn, t in enumerate(f):
                    say(f"packaged local chat model, {'first question' if turn == 0 else 'follow-up':14s} streamed: "
                        f"first status {t['status_s'] or nan:.2f} s, first text {t['chunk_s'] or nan:.1f} s, "
                        f"done {t['done_s'] or nan:.1f} s "
                        f"({t['question']!r})")
                clients, questions = min(args.clients, 5), 2
                r = report["real_chat"] = asyncio.run(questions_load(server.url, video_id, clients, questions, False,
                                                                     expect_echo=False))
                say(f"packaged local chat model, {clients} clients x {questions} questions: {r['answered']}/"
                    f"{r['requests']} answered, {r['errors']} errors; p50 {(r['p50_ms'] or 0) / 1000:.1f} s, "
                    f"max {(r['max_ms'] or 0) / 1000:.1f} s (queued behind one model)")
    if args.json:
        print(json.dumps(report))


def queued_report(settings: dict, waiting: int, over: int, say) -> dict:
    queue_settings = {**settings, "serve": {**settings["serve"], "max_queued_questions": waiting}}
    with ServerProcess(queue_settings, word_delay_s=0.02) as server:
        video_id = asyncio.run(described_demo(server.url))
        q = asyncio.run(queued_load(server.url, video_id, waiting, over))
    say(f"{q['questions']} questions at once to a one-at-a-time model (serve.max_queued_questions={waiting}): "
        f"{q['outcomes']} in {q['wall_s']:.1f} s; meanwhile:")
    for name, r in q["routes"].items():
        say(f"  {name:12s} {r['requests']:4d} requests: p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, "
            f"max {r['max_ms']:.1f} ms")
    return q


if __name__ == "__main__":
    main()
