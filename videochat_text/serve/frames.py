"""Boxes over the video: as data for the page's overlay, and drawn on one frame as a JPEG.

Both come from `annotate.boxes_by_time` (the boxes ``describe --annotate`` draws), so
the page, the frame images and the CLI show the same boxes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..annotate import boxes_by_time, draw_boxes
from ..errors import VideoChatError
from ..timeline import Description
from ..video import DecoderName, iter_frames, sample_interval


def _every_s(description: Description) -> float:
    """The interval the description sampled frames at (boxes hold until the next sample)."""
    perception = description.config.get("perception", {})
    return sample_interval(description.video, perception.get("sample_every_s", 1.0), perception.get("max_frames", 0))


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
            "every_s": _every_s(description), "frames": frames,
            "cuts": _cuts(description)}


def _cuts(description: Description) -> list[float]:
    """Where a new shot begins (the scenes module's shots), in time order."""
    return sorted({e.start for e in description.by_module("scenes") if e.start > 0})


def frame_jpeg(video: str | Path, description: Description, seconds: float, *,
               decoder: DecoderName = "auto", max_side: int = 1280) -> bytes:
    """The frame at ``seconds`` (the first at or after it) with the boxes of the sampled frame it
    falls in drawn, as JPEG bytes.

    Raises:
        VideoChatError: OpenCV is missing, or no frame decodes there.
    """
    try:
        import cv2
    except ImportError:
        raise VideoChatError("frame images are drawn with OpenCV: pip install 'videochat-text[offline]'") from None
    info = description.video
    step = 1.0 / info.fps if info.fps else 0.04
    frame = next(iter_frames(video, every_s=step, max_side=max_side, decoder=decoder, info=info,
                             span=(seconds, min(info.duration, seconds + 1.0))), None)
    if frame is None:
        raise VideoChatError(f"{info.name}: no frame decodes at {seconds:g} s")
    every_s = _every_s(description)
    by_time = boxes_by_time(description)
    # The boxes of the sampled frame this one falls after (they hold until the next sample).
    shown = [t for t in by_time if t - 0.02 <= frame.time < t + every_s]
    boxes = by_time[max(shown)] if shown else []
    ok, encoded = cv2.imencode(".jpg", draw_boxes(frame.image, boxes, (info.width, info.height)))
    if not ok:
        raise VideoChatError(f"{info.name}: the frame at {seconds:g} s could not be encoded")
    return encoded.tobytes()
