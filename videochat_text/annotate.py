"""Pictures of what the detector saw: sampled frames with their boxes drawn.

``videochat-text describe VIDEO --annotate DIR`` writes one JPEG per frame that
has boxes, named by its time (``0000012.000s.jpg``), so a user can check a
description against the picture. The boxes come from the description (every event's
`Event.detections`, every box of a track: `TrackData.boxes`); the frames are decoded
again by the shared reader with the sampling the description used.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from pathlib import Path

import numpy as np

from .detections import Detection
from .errors import VideoChatError
from .payloads import TrackData
from .timeline import Description
from .video import DecoderName, iter_frames, sample_interval


_TIME_TOLERANCE_S = 0.02


def sampled_every_s(description: Description) -> float:
    """The interval the description sampled frames at (boxes hold until the next sample)."""
    perception = description.config.get("perception", {})
    return sample_interval(description.video, perception.get("sample_every_s", 1.0), perception.get("max_frames", 0))


def boxes_by_time(description: Description) -> dict[float, list[Detection]]:
    """Every drawn box, keyed by the time of the frame it was found in."""
    found: dict[float, list[Detection]] = defaultdict(list)
    for event in description.events:
        if isinstance(event.data, TrackData):
            name = event.text.split(":", 1)[0]  # the track's name in the description, e.g. "person 2"
            for seen in event.data.boxes:
                found[round(seen.time, 3)].append(Detection(label=name, score=seen.score, box=seen.box))
            continue
        record = description.modules.get(event.module)
        read = record is not None and record.evidence == "read"  # text on screen is drawn quoted
        for d in event.detections:
            if d.box is not None:
                found[round(event.start, 3)].append(d.model_copy(update={"label": f'"{d.label}"'}) if read else d)
    return dict(found)


def _color(label: str) -> tuple[int, int, int]:
    """A stable, distinct colour per label (BGR); "person 1" and "person 2" differ."""
    hue = (sum(map(ord, label)) * 37) % 180
    import cv2

    pixel = cv2.cvtColor(np.uint8([[[hue, 200, 255]]]), cv2.COLOR_HSV2BGR)[0, 0]
    return int(pixel[0]), int(pixel[1]), int(pixel[2])


def draw_boxes(image: np.ndarray, boxes: list[Detection], video_size: tuple[int, int]) -> np.ndarray:
    """A BGR copy of the RGB ``image`` with ``boxes`` (in video pixels) drawn and labelled."""
    import cv2

    canvas = np.ascontiguousarray(image[..., ::-1])
    scale_x = canvas.shape[1] / video_size[0]
    scale_y = canvas.shape[0] / video_size[1]
    thickness = max(1, round(canvas.shape[1] / 400))
    for box in boxes:
        x1, y1, x2, y2 = box.box
        p1 = (round(x1 * scale_x), round(y1 * scale_y))
        p2 = (round(x2 * scale_x), round(y2 * scale_y))
        color = _color(box.label)
        cv2.rectangle(canvas, p1, p2, color, thickness)
        text = f"{box.label} {box.score:.2f}"
        (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.4 * thickness, thickness)
        top = max(p1[1] - h - base, 0)
        left = max(0, min(p1[0], canvas.shape[1] - w))  # the whole label inside the picture
        cv2.rectangle(canvas, (left, top), (left + w, top + h + base), color, -1)
        cv2.putText(canvas, text, (left, top + h), cv2.FONT_HERSHEY_SIMPLEX, 0.4 * thickness, (0, 0, 0), thickness,
                    cv2.LINE_AA)
    return canvas


def annotate(video: str | Path, description: Description, out_dir: str | Path, *,
             decoder: DecoderName = "auto", max_side: int = 1280) -> list[Path]:
    """Write every frame that has boxes, with the boxes drawn, into ``out_dir``; return the files.

    Raises:
        VideoChatError: OpenCV is missing or ``out_dir`` cannot be written.
    """
    try:
        import cv2
    except ImportError:
        raise VideoChatError("--annotate draws with OpenCV: pip install 'videochat-text[offline]'") from None
    by_time = boxes_by_time(description)
    if not by_time:
        return []
    out = Path(out_dir).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VideoChatError(f"cannot write annotated frames to {out}: {exc.strerror}") from None
    size = (description.video.width, description.video.height)
    # The boxes were found on the frames the description sampled: decode those again.
    every_s = sampled_every_s(description)
    times = sorted(by_time)
    written = []
    for frame in iter_frames(video, every_s=every_s, max_side=max_side, decoder=decoder, info=description.video):
        i = bisect.bisect_left(times, frame.time - _TIME_TOLERANCE_S)
        if i == len(times) or times[i] > frame.time + _TIME_TOLERANCE_S:
            continue
        path = out / f"{frame.time:011.3f}s.jpg"
        if not cv2.imwrite(str(path), draw_boxes(frame.image, by_time[times[i]], size)):
            raise VideoChatError(f"cannot write {path}")
        written.append(path)
        if len(written) == len(times):
            break
    return written


def frame_jpeg(video: str | Path, description: Description, seconds: float, *,
               decoder: DecoderName = "auto", max_side: int = 1280) -> bytes:
    """The frame at ``seconds`` (the first at or after it) with the boxes of the sampled frame it
    falls in drawn, as JPEG bytes: what the web page's frame links and the MCP ``get_frame`` tool show.

    Raises:
        VideoChatError: OpenCV is missing, ``seconds`` is outside the video, or no frame decodes there.
    """
    try:
        import cv2
    except ImportError:
        raise VideoChatError("frame images are drawn with OpenCV: pip install 'videochat-text[offline]'") from None
    info = description.video
    if not info.has_video:
        raise VideoChatError(f"{info.name}: a sound recording has no frames to show")
    if not 0 <= seconds <= info.duration:
        raise VideoChatError(f"{info.name}: no frame at {seconds:g} s (the video is {info.duration:g} s long)")
    step = 1.0 / info.fps if info.fps else 0.04
    frame = next(iter_frames(video, every_s=step, max_side=max_side, decoder=decoder, info=info,
                             span=(seconds, min(info.duration, seconds + 1.0))), None)
    if frame is None:
        raise VideoChatError(f"{info.name}: no frame decodes at {seconds:g} s")
    every_s = sampled_every_s(description)
    by_time = boxes_by_time(description)
    # The boxes of the sampled frame this one falls after (they hold until the next sample).
    shown = [t for t in by_time if t - _TIME_TOLERANCE_S <= frame.time < t + every_s]
    boxes = by_time[max(shown)] if shown else []
    ok, encoded = cv2.imencode(".jpg", draw_boxes(frame.image, boxes, (info.width, info.height)))
    if not ok:
        raise VideoChatError(f"{info.name}: the frame at {seconds:g} s could not be encoded")
    return encoded.tobytes()
