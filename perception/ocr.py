"""``ocr``: text on screen — signs, titles, subtitles — read from keyframes.

RapidOCR (``rapidocr-onnxruntime``, Apache-2.0) ships PaddleOCR's PP-OCRv4 text
detector and recognizer as ONNX files inside its wheel, so it runs offline. Its
recognizer reads Chinese and English; it often drops the space between words set
far apart ("OPEN24HOURS"). About 0.2–0.3 s a keyframe on two cores with text, half
that without, so only keyframes are read (`videochat_text.keyframes`; text
changes are small, hence a lower ``min_change`` than captions use).

Each keyframe with text becomes ``"Fresh coffee $3" (bottom right), …`` holding
until the next keyframe; its payload (`OcrData`) keeps each line as a `Detection` (its
text as the label), with score and box ``(x1, y1, x2, y2)`` in pixels of the video.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from pydantic import Field

from videochat_text.detections import Detection, region
from videochat_text.errors import ModuleLoadError
from videochat_text.keyframes import KeyframeSettings, holds_until, keyframes
from videochat_text.modules import PerceptionModule
from videochat_text.payloads import OcrData
from videochat_text.timeline import Event, Media

_PIP_HINT = "pip install 'videochat-text[ocr]'"


class OcrSettings(KeyframeSettings):
    min_change: float = Field(0.03, ge=0)
    """Mean pixel change (0–1) that counts as a new picture; a new subtitle changes little."""
    min_score: float = Field(0.6, ge=0, le=1)
    """Lines the recognizer is less sure of than this are left out."""
    max_side: int = Field(640, ge=32)
    """Frames are scaled so the longer side is at most this for text detection (speed vs small text)."""
    max_lines: int = Field(10, ge=1)
    """Per keyframe, largest text first."""
    threads: int = Field(2, ge=1)


class OcrModule(PerceptionModule):
    """Read the text visible in each keyframe."""

    name = "ocr"
    consumes = frozenset({"frames"})
    evidence = "read"
    payloads = (OcrData,)
    Settings = OcrSettings
    settings: OcrSettings

    def __init__(self, settings: Any = None):
        super().__init__(settings)
        self._engine: Any = None

    def backend(self) -> str:
        return "rapidocr (packaged PP-OCRv4, ONNX)"

    def check_weights(self) -> None:
        if importlib.util.find_spec("rapidocr_onnxruntime") is None:
            raise ModuleLoadError(f"ocr: rapidocr-onnxruntime (which ships the OCR models) is not installed; {_PIP_HINT}")

    def load(self) -> None:
        self.check_weights()
        from rapidocr_onnxruntime import RapidOCR

        s = self.settings
        self._engine = RapidOCR(det_limit_side_len=s.max_side, det_limit_type="max", text_score=s.min_score,
                                intra_op_num_threads=s.threads, inter_op_num_threads=1)

    def run(self, media: Media) -> list[Event]:
        chosen = keyframes(media.frames, self.settings)
        if not chosen:
            return []
        self.ensure_loaded()
        size = (media.info.width, media.info.height)
        scale_x = media.info.width / chosen[0].image.shape[1]
        scale_y = media.info.height / chosen[0].image.shape[0]
        events = []
        for frame, end in zip(chosen, holds_until(chosen, media.info.duration)):
            found, _ = self._engine(np.ascontiguousarray(frame.image[..., ::-1]))  # RapidOCR reads BGR
            lines = []
            for corners, text, score in found or []:
                xs = [p[0] * scale_x for p in corners]
                ys = [p[1] * scale_y for p in corners]
                if text.strip() and score >= self.settings.min_score:
                    lines.append(Detection(label=text.strip(), score=score, box=(min(xs), min(ys), max(xs), max(ys))))
            if not lines:
                continue
            lines = sorted(lines, key=lambda line: line.area, reverse=True)[: self.settings.max_lines]
            lines.sort(key=lambda line: (line.box[1], line.box[0]))  # reading order
            events.append(Event(
                start=round(frame.time, 3), end=round(max(end, frame.time), 3), module=self.name,
                text=", ".join(f'"{line.label}" ({region(line.box, size)})' for line in lines),
                data=OcrData(detections=tuple(lines)),
            ))
        return events

    def close(self) -> None:
        self._engine = None
        super().close()

