"""Object tracks: the same object followed across sampled frames.

Per-frame detections say "1 car (right)", "1 car (center)", "1 car (left)" three
times; a track says once that a car enters from the right, moves left and leaves
at the left, with its span. Detections are linked by Norfair (``norfair-enough``,
the maintained fork of tryolabs/norfair; a Kalman filter predicts each box) on how
far the box moved, in box sizes, and only within one label.
Every per-frame box stays in the track's payload (`TrackData.boxes`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from videochat_text.detections import Detection, center, horizontal_position
from videochat_text.errors import ModuleLoadError
from videochat_text.payloads import TrackData, TrackedBox
from videochat_text.timeline import Event


class _WithoutScalarDistanceAdvice(logging.Filter):
    """Norfair advises a vectorized distance on every tracker it makes; with a handful of
    boxes a frame, ours (a few microseconds a pair) is not worth the user's attention."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("You are using a scalar distance function")


logging.getLogger("norfair.tracker").addFilter(_WithoutScalarDistanceAdvice())

_PLACES = {"left": "at the left", "center": "in the center", "right": "at the right"}
EDGE = 0.02
"""A box within this fraction of the frame's size from a border touches it (enters/leaves there)."""
MOVE = 0.15
"""A box center travelling this fraction of the frame or more "moves"; less "stays"."""


@dataclass
class Track:
    label: str
    seen: list[tuple[float, Detection]] = field(default_factory=list)
    """``(time, detection)`` for every frame the object was detected in."""
    shot: tuple[float, float] | None = None
    """The shot it was followed in (`link_shots`: tracks never cross a cut); None: the whole stretch."""


def link(frames: Sequence[tuple[float, Sequence[Detection]]], *, max_jump: float = 1.5,
         max_missed: int = 2) -> list[Track]:
    """Follow objects through ``(time, detections)`` frames (in time order).

    Args:
        max_jump: how far an object may move between two sampled frames, in box sizes
            (diagonals): frames are sampled about a second apart, so boxes of a moving
            object often do not overlap at all.
        max_missed: frames a track survives without a detection (a missed detection does
            not split it in two).
    """
    try:
        from norfair import Detection as NorfairDetection, Tracker
    except ImportError as exc:
        raise ModuleLoadError("objects: track needs norfair-enough; pip install 'videochat-text[offline]'") from exc
    tracker = Tracker(distance_function=_jump, distance_threshold=max_jump,
                      hit_counter_max=max_missed + 1, initialization_delay=0)
    tracks: dict[int, Track] = {}
    for n, (time, detections) in enumerate(frames):
        candidates = [
            NorfairDetection(points=np.asarray(d.box, dtype=float).reshape(2, 2), label=d.label,
                             data={"frame": n, "detection": d})
            for d in detections
        ]
        for tracked in tracker.update(candidates):
            seen = tracked.last_detection.data
            if seen["frame"] == n:  # matched in this frame, not coasting through a miss
                tracks.setdefault(tracked.id, Track(str(tracked.label))).seen.append((time, seen["detection"]))
    return sorted(tracks.values(), key=lambda t: (t.seen[0][0], t.label))


def link_shots(frames: Sequence[tuple[float, Sequence[Detection]]], starts: Sequence[int],
               span: tuple[float, float], **options: Any) -> list[Track]:
    """`link` within each shot: the frames from each index in ``starts`` to the next.

    Across a cut, a person at the left of one shot and another person at the left of the
    next are not the same object, however close their boxes."""
    bounds = [*starts, len(frames)]
    tracks = []
    for a, b in zip(bounds, bounds[1:]):
        if a >= b:
            continue
        shot = (frames[a][0] if a else span[0], frames[b][0] if b < len(frames) else span[1])
        for track in link(frames[a:b], **options):
            track.shot = shot
            tracks.append(track)
    return sorted(tracks, key=lambda t: (t.seen[0][0], t.label))


def track_events(tracks: Sequence[Track], size: tuple[int, int], span: tuple[float, float],
                 sample_every_s: float, module: str = "objects") -> list[Event]:
    """One event per track: its span, a sentence on how it moved, and every box."""
    per_label: dict[str, int] = {}
    for track in tracks:
        per_label[track.label] = per_label.get(track.label, 0) + 1
    numbered: dict[str, int] = {}
    events = []
    for track in tracks:
        start = track.seen[0][0]
        end = min(track.seen[-1][0] + sample_every_s, span[1])
        name = track.label
        if per_label[track.label] > 1:
            numbered[track.label] = numbered.get(track.label, 0) + 1
            name = f"{track.label} {numbered[track.label]}"
        first = track.seen[0][1]
        text = f"{name}: {motion(track, size, track.shot or span, sample_every_s)}"
        events.append(Event(
            start=round(start, 3), end=round(max(end, start), 3), module=module, text=text,
            data=TrackData(
                detections=(first,), label=track.label, frame_size=size,
                boxes=tuple(TrackedBox(time=round(t, 3), box=d.box, score=d.score) for t, d in track.seen),
            ),
        ))
    return events


def motion(track: Track, size: tuple[int, int], span: tuple[float, float], sample_every_s: float) -> str:
    """``enters from the right, moves left, leaves at the left``, ``appears at the left, stays``
    or ``in the center, stays`` (there from the start of ``span``, the shot or stretch)."""
    width, height = size
    (t0, first), (t1, last) = track.seen[0], track.seen[-1]
    parts = []
    came_in = t0 > span[0] + sample_every_s / 2  # not there when the stretch began
    edge = _edge(first.box, size)
    place = _PLACES[horizontal_position(first.box, width)]
    parts.append(f"enters from the {edge}" if came_in and edge else f"appears {place}" if came_in else place)
    if len(track.seen) > 1:
        (x0, y0), (x1, y1) = center(first.box), center(last.box)
        dx, dy = (x1 - x0) / width, (y1 - y0) / height
        if max(abs(dx), abs(dy)) >= MOVE:
            parts.append("moves " + (("right" if dx > 0 else "left") if abs(dx) >= abs(dy) else ("down" if dy > 0 else "up")))
        else:
            parts.append("stays")
    else:
        parts.append("seen once")
    went_out = t1 + sample_every_s < span[1] - sample_every_s / 2  # gone before the stretch ended
    edge = _edge(last.box, size)
    if went_out:
        parts.append(f"leaves at the {edge}" if edge else "disappears")
    return ", ".join(parts)


def _jump(detection: Any, tracked: Any) -> float:
    """Distance between box centers, in box diagonals (Norfair's distance function)."""
    new, old = detection.points, tracked.estimate
    size = max(float(np.linalg.norm(new[1] - new[0])), float(np.linalg.norm(old[1] - old[0])), 1.0)
    return float(np.linalg.norm(new.mean(axis=0) - old.mean(axis=0))) / size


def _edge(box: Sequence[float], size: tuple[int, int]) -> str | None:
    """The frame border a box touches (``left``/``right``/``top``/``bottom``), or None.
    A box touching opposite borders (it fills the frame) touches none."""
    width, height = size
    touches = {
        "left": box[0] <= EDGE * width, "right": box[2] >= (1 - EDGE) * width,
        "top": box[1] <= EDGE * height, "bottom": box[3] >= (1 - EDGE) * height,
    }
    if touches["left"] and touches["right"]:
        touches["left"] = touches["right"] = False
    if touches["top"] and touches["bottom"]:
        touches["top"] = touches["bottom"] = False
    for side in ("left", "right", "top", "bottom"):  # sideways entries read best
        if touches[side]:
            return side
    return None
