"""One detection type for every module that finds things in the picture, and where a box is.

Objects, object tracks, text read on screen (ocr), frame tags and actions all report
their findings as `Detection` values (in their event's payload, `videochat_text.payloads`)::

    Detection(label="person", score=0.87, box=(89.0, 14.0, 417.0, 480.0))

``box`` is in display pixels of the video (after rotation), or None when the
finding is about the whole picture (a tag, an action). One type means one reader: the
prompt's box list, the annotated frames, the web page's overlay and the answer
checks read every module the same way (like supervision's ``Detections``), and a
detection is checked once, when it is made (a score outside 0–1, a box that is not four
finite numbers with ``x1 <= x2`` and ``y1 <= y2``, fail there).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator

Box = tuple[float, float, float, float]
"""``(x1, y1, x2, y2)``: the top-left and bottom-right corners, in pixels."""


class Detection(BaseModel):
    """One thing found: what it is, how sure the module is, and where (or None: the whole picture).

    Example:
        >>> Detection(label="cup", score=0.523456, box=[1, 2.04, 30, 40])
        Detection(label='cup', score=0.5235, box=(1.0, 2.0, 30.0, 40.0))
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    """What was found: a class name (``person``), a tag, an action, or the text read (ocr)."""
    score: float = Field(ge=0, le=1)
    """The module's confidence, 0–1, kept to 4 decimals."""
    box: Box | None = None
    """Where, in display pixels of the video (after rotation), kept to 0.1 px; None: the whole picture."""

    @field_validator("score", mode="before")
    @classmethod
    def _round_score(cls, score: Any) -> float:
        return round(float(score), 4)  # numpy scalars become plain floats (descriptions are JSON)

    @field_validator("box", mode="before")
    @classmethod
    def _round_box(cls, box: Any) -> Box | None:
        if box is None:
            return None
        values = [float(v) for v in box]
        if len(values) != 4 or not all(math.isfinite(v) for v in values):
            raise ValueError(f"a box is four finite numbers (x1, y1, x2, y2), not {values}")
        x1, y1, x2, y2 = (round(v, 1) for v in values)
        if x2 < x1 or y2 < y1:
            raise ValueError(f"a box's corners are (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2, not {values}")
        return x1, y1, x2, y2

    @property
    def area(self) -> float:
        """The box's area in square pixels (0 without a box)."""
        if self.box is None:
            return 0.0
        x1, y1, x2, y2 = self.box
        return (x2 - x1) * (y2 - y1)


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
        if d.box is not None:
            positions[d.label].append((center(d.box)[0], horizontal_position(d.box, width)))
    parts = []
    for label, found in sorted(positions.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        where = ", ".join(pos for _, pos in sorted(found))
        parts.append(f"{len(found)} {plural(label, len(found))} ({where})")
    return ", ".join(parts)


def boxes_text(detections: Iterable[Detection]) -> str:
    """``person 0.87 [89, 14, 417, 480]; cup 0.52 [1, 2, 3, 4]`` — the boxes as the prompt shows them."""
    return "; ".join(f"{d.label} {d.score:.2f} [{', '.join(str(round(v)) for v in d.box)}]"
                     for d in detections if d.box is not None)
