"""Asking across a library: "Which video mentions X, and what is it?" on 12 clips, 24 questions.

Usage:
    python benchmarks/library_ask.py [--split dev|test|all] [--folder DIR] [--json]

Each clip is a photo and one or two spoken sentences (espeak-ng), named neutrally (the name never
gives the fact away). The library is built once in ``--folder`` (default: a temp folder; reused
when given), with the default modules, then every question is asked with the configured chat
model (default: the embedded one) through `Library.ask` — the code ``videochat-text library ask``
and ``POST /api/ask`` run — in a fresh conversation each. Per question:

* **right**: the answer holds an accepted form of the fact;
* **cited right**: the first citation is a moment of the video that says it (**any cited right**:
  some citation is);
* **named right**: the answer names that video;
* **invented**: the answer states a number, time or name that no clip's description holds
  (`devkit.invented.Grounds`, the QA set's rule, over every clip of the library).

The ``test`` half is held out: it was not looked at while the prompt format of the moments was chosen.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ is at the repository root


@dataclass(frozen=True)
class Ask:
    clip: str
    question: str
    accept: tuple[str, ...]
    split: str


CLIPS: dict[str, tuple[str, list[str]]] = {
    "interview_anna": ("astronaut", ["The secret password is pineapple.", "I was born in Norway."]),
    "site_visit": ("camera", ["The meeting room is on the fourth floor.", "The elevator is broken today."]),
    "lecture_week_two": ("coffee", ["Water boils at one hundred degrees.", "Salt is made of sodium and chlorine."]),
    "harbor_walk": ("rocket", ["The ferry leaves at seven thirty.", "The lighthouse is painted red and white."]),
    "kitchen_session": ("chelsea", ["Add two spoons of sugar to the dough.", "Bake it for twenty minutes."]),
    "garage_notes": ("astronaut", ["My car is painted bright green.", "The tires need more air."]),
    "party_clip": ("coffee", ["Her name is Matilda and she is six years old."]),
    "travel_diary": ("camera", ["Our flight goes to Lisbon on Sunday."]),
    "garden_tour": ("chelsea", ["The tallest tree here is an oak.", "The roses bloom in June."]),
    "team_call": ("rocket", ["The budget for the project is five thousand dollars.", "The deadline is next Friday."]),
    "museum_visit": ("camera", ["The museum closes at six in the evening.", "Tickets cost twelve euros."]),
    "pet_shop": ("chelsea", ["The parrot is called Captain.", "The rabbit eats carrots."]),
}

ASKS: list[Ask] = [
    Ask("interview_anna", "Which video mentions a password, and what is it?", ("pineapple",), "test"),
    Ask("interview_anna", "Which video mentions where someone was born, and where was it?", ("norway",), "dev"),
    Ask("site_visit", "Which video mentions the meeting room, and which floor is it on?", ("fourth", "4th", " 4"), "dev"),
    Ask("site_visit", "Which video mentions an elevator, and what is wrong with it?", ("broken",), "test"),
    Ask("lecture_week_two", "Which video mentions when water boils, and at what temperature?", ("hundred", "100"), "test"),
    Ask("lecture_week_two", "Which video mentions what salt is made of, and what is it?", ("sodium", "chlorine"), "dev"),
    Ask("harbor_walk", "Which video mentions the ferry, and when does it leave?", ("seven thirty", "7:30", "7.30"), "dev"),
    Ask("harbor_walk", "Which video mentions a lighthouse, and what colours is it?", ("red",), "test"),
    Ask("kitchen_session", "Which video mentions sugar, and how much of it?", ("two", " 2 "), "test"),
    Ask("kitchen_session", "Which video says how long to bake, and for how long?", ("twenty", "20"), "dev"),
    Ask("garage_notes", "Which video mentions the colour of a car, and what colour is it?", ("green",), "dev"),
    Ask("garage_notes", "Which video mentions the tires, and what do they need?", ("air",), "test"),
    Ask("party_clip", "Which video mentions a girl's name, and what is it?", ("matilda",), "test"),
    Ask("party_clip", "Which video says how old Matilda is, and how old is she?", ("six", " 6"), "dev"),
    Ask("travel_diary", "Which video mentions a flight, and where does it go?", ("lisbon",), "dev"),
    Ask("travel_diary", "Which video mentions a day of travel, and which day is it?", ("sunday",), "test"),
    Ask("garden_tour", "Which video mentions the tallest tree, and what kind of tree is it?", ("oak",), "test"),
    Ask("garden_tour", "Which video mentions roses, and when do they bloom?", ("june",), "dev"),
    Ask("team_call", "Which video mentions a budget, and how much is it?", ("five thousand", "5,000", "5000"), "dev"),
    Ask("team_call", "Which video mentions a deadline, and when is it?", ("friday",), "test"),
    Ask("museum_visit", "Which video mentions when the museum closes, and at what time?", ("six", " 6"), "test"),
    Ask("museum_visit", "Which video mentions ticket prices, and how much are they?", ("twelve", "12"), "dev"),
    Ask("pet_shop", "Which video mentions a parrot, and what is its name?", ("captain",), "dev"),
    Ask("pet_shop", "Which video mentions a rabbit, and what does it eat?", ("carrot",), "test"),
]


def build_library(folder: Path, modules: list[str]):
    """The twelve clips, described into a library in ``folder`` (reused when already there)."""
    import skimage.data

    from devkit.synthetic import Line, Shot, make_clip
    from videochat_text.library import Library

    clips = folder / "clips"
    clips.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, (photo, lines) in CLIPS.items():
        path = clips / f"{name}.mp4"
        if not path.exists():
            spoken = [Line(0.3 + 3.5 * n, text) for n, text in enumerate(lines)]
            make_clip(path, [Shot(getattr(skimage.data, photo)(), 3.5 * len(lines) + 1.0)], spoken)
        paths.append(str(path))
    config = {"cache": {"dir": str(folder / "cache")}, "perception": {"modules": modules},
              "library": {"path": str(folder / "library.sqlite")}}
    library = Library(config)
    started = time.perf_counter()
    report = library.add(paths, workers=1)
    if report.failed:
        raise SystemExit(f"describing failed: {report.failed}")
    print(f"library: {len(report.added)} described, {len(report.unchanged)} unchanged "
          f"in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return library, config


def grounds_of(library):
    """What every clip's description holds (numbers, words, and the videos' names)."""
    from devkit.invented import Grounds

    grounds = Grounds()
    for record in library.list():
        one = Grounds.of(library.description(record.id))
        grounds.numbers |= one.numbers
        grounds.words |= one.words | {w.lower() for w in record.name.replace("_", " ").replace(".", " ").split()}
        grounds.spans += one.spans
    return grounds


def run(args) -> dict:
    from videochat_text.library import Library

    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="bench-library-ask-"))
    library, config = build_library(folder, args.modules.split(","))
    ids = {r.name.rsplit(".", 1)[0]: r.id for r in library.list()}
    grounds = grounds_of(library)
    asking = Library(config)
    rows = []
    for ask in [a for a in ASKS if args.split in ("all", a.split)]:
        started = time.perf_counter()
        answer = asking.ask(ask.question)
        seconds = time.perf_counter() - started
        text = f" {answer.text.lower()} "
        cited = [c.video for c in answer.citations]
        invented = grounds.invented(answer.text, [ask.question])
        rows.append({"split": ask.split, "clip": ask.clip, "question": ask.question, "answer": answer.text,
                     "right": any(a in text for a in ask.accept), "cited_right": bool(cited) and cited[0] == ids[ask.clip],
                     "any_cited_right": ids[ask.clip] in cited, "cited": len(cited),
                     "named_right": ask.clip.replace("_", " ") in text.replace("_", " "),
                     "invented": invented, "seconds": round(seconds, 1)})
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr)
    return {"questions": len(rows), "by_split": {split: summary([r for r in rows if r["split"] == split])
                                                 for split in ("dev", "test") if any(r["split"] == split for r in rows)},
            "all": summary(rows), "rows": rows if args.rows else None, "folder": str(folder)}


def summary(rows: list[dict]) -> dict:
    def share(key: str) -> str:
        n = sum(1 for r in rows if r[key])
        return f"{n}/{len(rows)}"

    return {"right": share("right"), "cited_right": share("cited_right"), "any_cited_right": share("any_cited_right"),
            "named_right": share("named_right"), "invented": f"{sum(1 for r in rows if r['invented'])}/{len(rows)}",
            "p50_s": round(statistics.median(r["seconds"] for r in rows), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="all", choices=["dev", "test", "all"])
    parser.add_argument("--folder", help="where the clips and the library are kept (reused)")
    parser.add_argument("--modules", default="speech,objects")
    parser.add_argument("--rows", action="store_true", help="print every answer in the result")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args)
    result["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end"
    print(json.dumps(result, indent=None if args.json else 2, ensure_ascii=False))


if __name__ == "__main__":
    main()
