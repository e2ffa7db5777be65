"""The web page as a user feels it, measured in headless Chromium against a real server.

Usage:
    python benchmarks/page.py [--questions 6] [--real-chat] [--videos 1000] [--json]

1. **Feedback after Ask**: the demo clip is uploaded and described (default modules), then
   ``--questions`` questions are asked in the page one after another, in one conversation.
   Timed inside the page (``performance.now()``, from the form's submit): the first visible
   feedback (any status text), the first status the server sent (its stage: queued, reading,
   thinking…), the first answer text, and the answer complete. First question and follow-ups
   are reported apart (the first builds the conversation). With the echo chat model the times
   are the server's and the page's own; ``--real-chat`` also runs the packaged local model.
2. **The video list**: a library of ``--videos`` described videos (`devkit.serving.build_library`)
   served, the page opened: the time from navigation until the first page of the list is on
   screen, until a name filter has narrowed it to one video, and until every video is listed
   (paging as the list is scrolled to its end). ``--videos 0`` skips it.
Prints the figures; ``--json`` prints them as one JSON object. Timing on a shared machine varies:
report the load average beside them (printed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ is at the repository root

import httpx

from devkit.serving import ServerProcess, build_library

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo.mp4"
QUESTIONS = ["What is the cat's name?", "What is on the table?", "Who is the astronaut?",
             "How much does the coffee cost?", "What happens at the start?", "Is there a cup?"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Asks in the page and records, from the submit, when each thing first became visible.
ASK_AND_TIME = """async (question) => {
  const messages = document.querySelector('#messages');
  const before = messages.querySelectorAll('.message.assistant').length;
  const times = {};
  const t0 = performance.now();
  const look = () => {
    const bubble = messages.querySelectorAll('.message.assistant')[before];
    if (!bubble) return false;
    const status = bubble.querySelector('.status');
    const now = performance.now() - t0;
    if (status && status.textContent && times.feedback_ms === undefined) times.feedback_ms = now;
    if (status && !['sending', 'waiting', undefined].includes(status.dataset.stage) && times.server_status_ms === undefined) {
      times.server_status_ms = now; times.first_stage = status.dataset.stage; }
    if (bubble.querySelector('.body').textContent && times.text_ms === undefined) times.text_ms = now;
    if (!bubble.classList.contains('pending')) { times.done_ms = now; return true; }
    return false;
  };
  const finished = new Promise((resolve) => {
    const observer = new MutationObserver(() => { if (look()) { observer.disconnect(); resolve(); } });
    observer.observe(messages, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  document.querySelector('#question').value = question;
  document.querySelector('#ask-form').requestSubmit();
  look();
  await finished;
  times.answer = messages.querySelectorAll('.message.assistant .body')[before].textContent;
  return times;
}"""


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def launch(playwright):
    executable = shutil.which("chromium")
    if executable is None:
        sys.exit("error: the page benchmark needs Debian's chromium (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)


def describe_demo(url: str) -> str:
    with httpx.Client(base_url=url, timeout=600) as client:
        video_id = client.post("/api/videos", files={"file": (DEMO.name, DEMO.read_bytes())}).json()["id"]
        deadline = time.monotonic() + 900
        while (status := client.get(f"/api/videos/{video_id}").json())["status"] not in ("done", "failed"):
            if time.monotonic() > deadline:
                sys.exit("error: the demo clip was not described in 15 minutes")
            time.sleep(0.5)
    if status["status"] != "done":
        sys.exit(f"error: describing the demo clip failed: {status['error']}")
    return video_id


def feedback(browser, url: str, video_id: str, questions: int) -> list[dict]:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{url}/#v={video_id}")
    page.wait_for_selector("#question:enabled", timeout=120_000)
    page.click("#new-conversation")  # a fresh conversation: the first question is a first question
    page.wait_for_selector("#messages .hint")
    runs = [page.evaluate(ASK_AND_TIME, QUESTIONS[n % len(QUESTIONS)]) for n in range(questions)]
    page.close()
    return runs


def summarize(runs: list[dict]) -> dict:
    def p50(key):
        values = [r[key] for r in runs if r.get(key) is not None]
        return round(statistics.median(values), 1) if values else None

    return {"questions": len(runs), **{f"{k}_p50": p50(k) for k in ("feedback_ms", "server_status_ms", "text_ms", "done_ms")},
            "stages": sorted({r.get("first_stage") or "-" for r in runs})}


def say_feedback(label: str, runs: list[dict]) -> dict:
    first, rest = summarize(runs[:1]), summarize(runs[1:])
    for name, s in (("first question", first), ("follow-ups", rest)):
        if not s["questions"]:
            continue
        print(f"  {label}, {name} (n={s['questions']}): first feedback {s['feedback_ms_p50']} ms, "
              f"first server status {s['server_status_ms_p50']} ms ({'/'.join(s['stages'])}), "
              f"first answer text {s['text_ms_p50']} ms, answer done {s['done_ms_p50']} ms (p50)")
    return {"first": first, "follow_ups": rest, "runs": runs}


# Scrolls the list to its end until every video is listed; the times are from navigation start.
LIST_ALL = """async (total) => {
  const list = document.querySelector('#video-list');
  while (list.children.length < total) {
    list.scrollTop = list.scrollHeight;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now();
}"""


def video_list(browser, folder: Path, videos: int) -> dict:
    build_library(folder / "library.sqlite", videos)
    settings = {"cache": {"dir": f"{folder}/cache"}, "library": {"path": str(folder / "library.sqlite")}}
    with ServerProcess(settings) as server:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(server.url)  # once: the server's first answers warm its caches
        page.wait_for_selector("#video-list li")
        page.goto("about:blank")
        page.goto(server.url)
        page.wait_for_function("() => document.querySelectorAll('#video-list li').length >= 100")
        first_page_ms = page.evaluate("performance.now()")
        t0 = page.evaluate("performance.now()")
        page.fill("#video-filter", f"clip-{videos // 2:04d}")
        page.wait_for_function("() => document.querySelectorAll('#video-list li').length === 1")
        filter_ms = page.evaluate("performance.now()") - t0 - 150  # less the page's typing pause
        page.fill("#video-filter", "")
        page.wait_for_function("() => document.querySelectorAll('#video-list li').length >= 100")
        t0 = page.evaluate("performance.now()")
        all_ms = page.evaluate(LIST_ALL, videos) - t0
        shown = page.locator("#video-list li").count()
        page.close()
    result = {"videos": videos, "first_page_ms": round(first_page_ms, 1), "filter_ms": round(filter_ms, 1),
              "every_video_listed_ms": round(all_ms, 1), "listed": shown}
    print(f"  {videos} videos: first page (100) on screen {result['first_page_ms']} ms after navigation; "
          f"filtered by name to one in {result['filter_ms']} ms; all {shown} listed by scrolling in "
          f"{result['every_video_listed_ms']} ms")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=6, help="questions asked (0: skip this part)")
    parser.add_argument("--real-chat", action="store_true", help="also ask the packaged local chat model")
    parser.add_argument("--videos", type=int, default=1000, help="videos in the list benchmark (0: skip it)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    report: dict = {"load_average_before": load_average()}
    print(f"load average {report['load_average_before']} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = launch(playwright)
        settings = {"cache": {"dir": f"{tmp}/cache"}, "serve": {"data_dir": f"{tmp}/data"}}
        if args.questions:
            print("Feedback after Ask, in the page (from the submit):")
            with ServerProcess(settings) as server:
                video_id = describe_demo(server.url)
                report["echo"] = say_feedback("echo chat model", feedback(browser, server.url, video_id, args.questions))
        if args.questions and args.real_chat:
            with ServerProcess(settings, echo=False) as server:
                report["real_chat"] = say_feedback("packaged local model",
                                                   feedback(browser, server.url, video_id, args.questions))
        if args.videos:
            print("The video list, in the page:")
            report["video_list"] = video_list(browser, Path(tmp), args.videos)
        browser.close()
    report["load_average_after"] = load_average()
    print(f"load average {report['load_average_after']}")
    if args.json:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
