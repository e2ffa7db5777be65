"""Boxes over the video: as data for the page's overlay, and drawn on one frame as a JPEG.

Both come from `annotate.boxes_by_time` (the boxes ``describe --annotate`` draws), so
the page, the frame images and the CLI show the same boxes.
"""

from __future__ import annotations

from typing import Any

from ..annotate import boxes_by_time, frame_jpeg, sampled_every_s
from ..timeline import Description

__all__ = ["boxes_timeline", "frame_jpeg"]


def boxes_timeline(description: Description) -> dict[str, Any]:
    """``{"width", "height", "every_s", "cuts", "frames": [{"time", "boxes": [{"label", "score", "box"}]}]}``;
    boxes in video pixels, frames in time order. A frame's boxes stand until the next sample
    (``every_s``) and never past a cut (``cuts``: where the scenes module found a new shot)."""
    frames = []
    for time, boxes in sorted(boxes_by_time(description).items()):
        frames.append({"time": time, "boxes": [
            {"label": b.label, "score": b.score, "box": list(b.box)}
            for b in boxes]})
    return {"width": description.video.width, "height": description.video.height,
            "every_s": sampled_every_s(description), "frames": frames,
            "cuts": _cuts(description)}


def _cuts(description: Description) -> list[float]:
    """Where a new shot begins (the scenes module's shots), in time order."""
    return sorted({e.start for e in description.by_module("scenes") if e.start > 0})
