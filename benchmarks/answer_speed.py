"""How fast answers come with the local chat model: first questions and follow-ups, in-process and served.

Usage:
    python benchmarks/answer_speed.py [--config F] [--rounds 3] [--no-serve] [--json]

Two described 30-second clips (real photos, espeak-ng narration; built and described once under
benchmarks/results/answer-speed, whose cache the runs use; its kept prompt states are cleared
before each part). Then, in one Python process with the models loaded:

1. the first question about clip A with nothing kept (the description evaluated with it);
2. ``VideoChat.prepare`` of clip B (the description's state evaluated and kept on disk);
3. ``--rounds`` rounds, alternating the clips: a first question in a new conversation (the
   other clip's prompt is in llama.cpp's context, so the kept state is loaded from disk), then
   follow-ups in that conversation.

And the same through a real ``videochat-text serve`` process on 127.0.0.1 (streamed answers,
SSE): the clips uploaded and described by the server, which prepares each description's state in
the background once it is stored; the first question about each is asked as soon as the video
is described (so it waits for what is left of that), later ones load the kept state.

Each answer: seconds to the first text and to the whole answer. Reported: p50 per kind, the
load average before and after, and CPU seconds used. Targets (issue 22, 2 idle cores): first
question p50 <= 5 s, follow-up p50 <= 3 s to the whole answer. On busy cores the wall times
grow with the load; the CPU seconds do not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the CLI and server run llama.cpp
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ is at the repository root

from devkit.evaluation import picture  # noqa: E402
from devkit.synthetic import Line, Shot, make_clip  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT / "benchmarks" / "results" / "answer-speed"
CLIPS = {
    "market": ([("chelsea", 5), ("coffee", 5), ("astronaut", 5), ("horse", 5), ("rocket", 5), ("camera", 5)],
               [(0.5, "Good morning, my cat is called Whiskers."), (5.5, "The coffee costs three dollars today."),
                (10.5, "Our guest is an astronaut from Houston."), (15.5, "The horse lives on a farm in Texas."),
                (20.5, "The rocket launches on Friday at noon."), (25.5, "The red delivery van arrives at three o'clock.")]),
    "garden": ([("coffee", 5), ("chelsea", 5), ("horse", 5), ("astronaut", 5), ("camera", 5), ("rocket", 5)],
               [(0.5, "Welcome to the garden tour, I am Maria."), (5.5, "This cat sleeps under the apple tree."),
                (10.5, "The pony is named Biscuit and eats carrots."), (15.5, "My brother works at the space centre."),
                (20.5, "The camera club meets on Tuesday evenings."), (25.5, "The bakery closes at six o'clock.")]),
}
FIRST = ["What is said at the start?", "Who is the guest?", "What animal is shown?", "What does the coffee cost?",
         "What is said about the horse?", "What day is mentioned?"]
FOLLOW_UPS = ["And after that?", "Who says it?"]


def build_clips(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, (shots, lines) in CLIPS.items():
        path = folder / f"{name}.mp4"
        if not path.exists():
            make_clip(path, [Shot(picture(p), s) for p, s in shots], [Line(t, text) for t, text in lines])
        paths[name] = path
    return paths


def timed(chunks) -> tuple[float, float, str]:
    """Seconds to the first non-empty text and to the end of ``chunks``, and the text."""
    started, first, text = time.perf_counter(), None, ""
    for chunk in chunks:
        if chunk.strip() and first is None:
            first = time.perf_counter() - started
        text += chunk
    whole = time.perf_counter() - started
    return (first if first is not None else whole), whole, text


def record(results: dict, kind: str, first: float, whole: float, text: str, say) -> None:
    results.setdefault(kind, []).append({"first_text_s": round(first, 2), "whole_s": round(whole, 2)})
    say(f"  {kind:32s} first text {first:6.2f} s, whole {whole:6.2f} s  {text[:70]!r}")


def settings(config: str | None) -> dict:
    """The config with the benchmark's own cache (descriptions kept between runs, prompt states not)."""
    from videochat_text.config import load_settings

    values = load_settings(config).model_dump(mode="json")
    values["cache"] = {"enabled": True, "dir": str(MEDIA / "cache")}
    for kept in (MEDIA / "cache" / "chat-states").glob("*/*.kv"):
        kept.unlink()
    return values


def in_process(config: str | None, clips: dict[str, Path], rounds: int, say) -> dict:
    from videochat_text import VideoChat

    vc = VideoChat(settings(config))
    a, b = (vc.describe(path) for path in clips.values())
    vc.chat_model  # noqa: B018  (loaded before the clock starts, as in a running server)
    results: dict = {}
    cpu = time.process_time()
    record(results, "first question, nothing kept", *timed(vc.chat(a).stream(FIRST[0])), say)
    started = time.perf_counter()
    vc.prepare(b)
    results["prepare_s"] = round(time.perf_counter() - started, 2)
    say(f"  prepare (description evaluated and kept): {results['prepare_s']:.2f} s")
    for r in range(rounds):
        for d in (b, a):
            session = vc.chat(d)
            record(results, "first question, kept state", *timed(session.stream(FIRST[(r + 1) % len(FIRST)])), say)
            for follow_up in FOLLOW_UPS:
                record(results, "follow-up", *timed(session.stream(follow_up)), say)
    results["cpu_s"] = round(time.process_time() - cpu, 1)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    results["model"] = vc.chat_model_name()
    return results


def served(config: str | None, clips: dict[str, Path], rounds: int, say) -> dict:
    import httpx

    from devkit.serving import ServerProcess

    results: dict = {}
    with ServerProcess(settings(config), echo=False) as server, httpx.Client(base_url=server.url, timeout=600) as client:
        ids = [client.post("/api/videos", files={"file": (p.name, p.read_bytes())}).json()["id"] for p in clips.values()]
        for video in ids:
            while client.get(f"/api/videos/{video}").json()["status"] not in ("done", "failed"):
                time.sleep(0.2)
        cpu = _cpu_seconds(server.pid)

        def ask(video: str, question: str, session: str | None) -> tuple[float, float, str, str | None]:
            started, first, answer = time.perf_counter(), None, ""
            with client.stream("POST", f"/api/videos/{video}/ask", headers={"Accept": "text/event-stream"},
                               json={"question": question, "session": session}) as response:
                event = None
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: ") and event == "chunk" and first is None:
                        first = time.perf_counter() - started
                    elif line.startswith("data: ") and event == "done":
                        done = json.loads(line[6:])
                        answer, session = done["answer"], done["session"]
                    elif line.startswith("data: ") and event == "error":
                        raise RuntimeError(line[6:])
            whole = time.perf_counter() - started
            return (first if first is not None else whole), whole, answer, session

        for n, video in enumerate(ids):
            first, whole, text, _ = ask(video, FIRST[n], None)
            record(results, "first question, asked as soon as described", first, whole, text, say)
        for r in range(rounds):
            for video in reversed(ids):
                first, whole, text, session = ask(video, FIRST[(r + 2) % len(FIRST)], None)
                record(results, "first question, kept state", first, whole, text, say)
                for follow_up in FOLLOW_UPS:
                    first, whole, text, session = ask(video, follow_up, session)
                    record(results, "follow-up", first, whole, text, say)
        results["cpu_s"] = round(_cpu_seconds(server.pid) - cpu, 1)
    return results


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(results: dict) -> dict:
    out = {}
    for kind, answers in results.items():
        if isinstance(answers, list):
            out[kind] = {"n": len(answers), "first_text_p50_s": statistics.median(a["first_text_s"] for a in answers),
                         "whole_p50_s": statistics.median(a["whole_s"] for a in answers)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="videochat-text config (default: the embedded defaults)")
    parser.add_argument("--rounds", type=int, default=3, help="first question + follow-ups per clip, alternating")
    parser.add_argument("--no-serve", action="store_true", help="only in-process")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, flush=True))
    clips = build_clips(MEDIA)
    report: dict = {"load_before": os.getloadavg(), "cores": os.cpu_count()}
    say(f"load average {report['load_before'][0]:.1f} on {report['cores']} cores")
    say("in-process:")
    report["in_process"] = in_process(args.config, clips, args.rounds, say)
    if not args.no_serve:
        say("through serve (SSE):")
        report["serve"] = served(args.config, clips, args.rounds, say)
    report["load_after"] = os.getloadavg()
    for where in ("in_process", "serve"):
        if where in report:
            report[f"{where}_p50"] = summary(report[where])
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    say(f"\nchat model: {report['in_process']['model']}; load average {report['load_before'][0]:.1f} before, "
        f"{report['load_after'][0]:.1f} after")
    for where in ("in_process", "serve"):
        if where not in report:
            continue
        r = report[where]
        say(f"{where}: CPU {r['cpu_s']} s" + (f", prepare {r['prepare_s']} s, peak RSS {r['peak_rss_mb']} MB"
                                              if where == "in_process" else ""))
        for kind, s in report[f"{where}_p50"].items():
            say(f"  {kind:32s} n={s['n']:2d}  p50 first text {s['first_text_p50_s']:5.2f} s, "
                f"whole {s['whole_p50_s']:5.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
