"""One detection shape for every module that finds things in the picture, and where a box is.

Objects, object tracks, text read on screen (ocr) and frame tags all put their
findings in ``event.data["detections"]`` as the same plain-JSON dict::

    {"label": "person", "score": 0.87, "box": [x1, y1, x2, y2]}

``box`` is in display pixels of the video (after rotation), or None when the
finding is about the whole picture (a tag). One shape means one reader: the
prompt's box list, the annotated frames, the web page's overlay and the answer
checks read every module the same way (like supervision's ``Detections``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Sequence

Detection = dict[str, Any]
"""``{"label": str, "score": float, "box": [x1, y1, x2, y2] | None}``, box in display pixels."""


def detection(label: str, score: float, box: Sequence[float] | None) -> Detection:
    """A detection as stored in events: score rounded to 4 places, box to 0.1 px."""
    return {"label": str(label), "score": round(float(score), 4),
            "box": None if box is None else [round(float(v), 1) for v in box]}


def center(box: Sequence[float]) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def horizontal_position(box: Sequence[float], width: float) -> str:
    """``left``, ``center`` or ``right``: which third of the frame the box center is in."""
    x = center(box)[0]
    return "left" if x < width / 3 else "right" if x > 2 * width / 3 else "center"


def region(box: Sequence[float], size: tuple[float, float]) -> str:
    """``top left`` … ``bottom right``, or ``center``: which ninth of the frame the box center is in."""
    x, y = center(box)
    x, y = x / size[0], y / size[1]
    row = "top" if y < 1 / 3 else "bottom" if y > 2 / 3 else ""
    column = "left" if x < 1 / 3 else "right" if x > 2 / 3 else ""
    return " ".join(p for p in (row, column) if p) or "center"


_IRREGULAR = {"person": "people", "mouse": "mice", "knife": "knives", "skis": "skis", "scissors": "scissors"}


def plural(label: str, count: int = 2) -> str:
    """The label's plural for counts other than one (``person`` → ``people``, ``bus`` → ``buses``)."""
    if count == 1:
        return label
    head, _, last = label.rpartition(" ")
    word = _IRREGULAR.get(last)
    if word is None:
        if last.endswith(("s", "x", "ch", "sh")):
            word = last + "es"
        elif last.endswith("y") and last[-2:-1] not in tuple("aeiou"):
            word = last[:-1] + "ies"
        else:
            word = last + "s"
    return f"{head} {word}" if head else word


def singular(word: str) -> str:
    """The inverse of `plural` for words a user types (``buses`` → ``bus``, ``people`` → ``person``)."""
    head, _, last = word.rpartition(" ")
    for single, many in _IRREGULAR.items():
        if last == many:
            last = single
            break
    else:
        for many, single in (("ies", "y"), ("sses", "ss"), ("shes", "sh"), ("ches", "ch"), ("xes", "x"),
                             ("uses", "us")):
            if last.endswith(many):
                last = last[: -len(many)] + single
                break
        else:
            if last.endswith("s") and not last.endswith(("ss", "us")) and len(last) > 3:
                last = last[:-1]
    return f"{head} {last}" if head else last


def count_by_position(detections: Iterable[Detection], width: float) -> str:
    """``2 people (left, center), 1 cup (right)`` — most frequent label first."""
    positions: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for d in detections:
        box = d.get("box")
        if box is None:
            continue
        positions[d["label"]].append((center(box)[0], horizontal_position(box, width)))
    parts = []
    for label, found in sorted(positions.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        where = ", ".join(pos for _, pos in sorted(found))
        parts.append(f"{len(found)} {plural(label, len(found))} ({where})")
    return ", ".join(parts)


def boxes_text(detections: Iterable[Detection]) -> str:
    """``person 0.87 [89, 14, 417, 480]; cup 0.52 [1, 2, 3, 4]`` — the boxes as the prompt shows them."""
    return "; ".join(f"{d['label']} {d['score']:.2f} [{', '.join(str(round(v)) for v in d['box'])}]"
                     for d in detections if d.get("box") is not None)
