"""``captions``: what a frame shows, in words — BLIP (or any image-to-text model) via transformers.

Only keyframes are captioned (`videochat_text.keyframes`: a new shot, a long
unchanged one again every ``every_s`` seconds). No captioner ships on PyPI, so
the weights come from a local folder or the Hugging Face cache; without them the
module says exactly that.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from videochat_text.errors import ModuleLoadError
from videochat_text.keyframes import KeyframeSettings, holds_until, keyframes
from videochat_text.modules import PerceptionModule
from videochat_text.payloads import CaptionData
from videochat_text.timeline import Event, Media
from videochat_text.weights import TRANSFORMERS_LOADING, hf_model_available, torch_device

log = logging.getLogger(__name__)

_PIP_HINT = "pip install 'videochat-text[t5]' (transformers)"


class CaptionsSettings(KeyframeSettings):
    model: str = "Salesforce/blip-image-captioning-base"
    """A local folder or a Hugging Face id in the local cache; BLIP or any image-text-to-text model."""
    prompt: str | None = None
    """Conditional captioning text, e.g. ``"a photo of"`` (BLIP continues it)."""
    max_new_tokens: int = Field(30, ge=1)
    batch_size: int = Field(4, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"


class CaptionsModule(PerceptionModule):
    """Describe representative frames in a sentence."""

    name = "captions"
    consumes = frozenset({"frames"})
    evidence = "pictured"
    payloads = (CaptionData,)
    Settings = CaptionsSettings
    settings: CaptionsSettings

    def __init__(self, settings: Any = None):
        super().__init__(settings)
        self._processor: Any = None
        self._model: Any = None

    def _source(self) -> str:
        if importlib.util.find_spec("transformers") is None:
            raise ModuleLoadError(f"captions: transformers is not installed; {_PIP_HINT}")
        folder = Path(self.settings.model).expanduser()
        if folder.is_dir():
            return str(folder)
        if not hf_model_available(self.settings.model):
            raise ModuleLoadError(
                f"captions: model {self.settings.model!r} is not a local folder nor in the Hugging Face cache, "
                "and model hubs are unreachable; set modules.captions.model to a local BLIP folder"
            )
        return self.settings.model

    def backend(self) -> str:
        return f"transformers ({self.settings.model})"

    def check_weights(self) -> None:
        self._source()

    def load(self) -> None:
        source = self._source()
        from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor, BlipForConditionalGeneration

        device = torch_device(self.settings.device)
        with TRANSFORMERS_LOADING:
            kind = AutoConfig.from_pretrained(source, local_files_only=True).model_type
            model_class = BlipForConditionalGeneration if kind == "blip" else AutoModelForImageTextToText
            self._processor = AutoProcessor.from_pretrained(source, local_files_only=True)
            self._model = model_class.from_pretrained(source, local_files_only=True).to(device).eval()

    def run(self, media: Media) -> list[Event]:
        chosen = keyframes(media.frames, self.settings)
        if not chosen:
            return []
        self.ensure_loaded()
        events: list[Event] = []
        ends = holds_until(chosen, media.info.duration)
        for i in range(0, len(chosen), self.settings.batch_size):
            batch = chosen[i : i + self.settings.batch_size]
            for frame, end, caption in zip(batch, ends[i:], self._caption([f.image for f in batch])):
                if caption:
                    events.append(Event(start=round(frame.time, 3), end=round(max(end, frame.time), 3),
                                        module=self.name, text=caption, data=CaptionData(model=self.settings.model)))
        return events

    def _caption(self, images: list[np.ndarray]) -> list[str]:
        import torch

        kwargs: dict[str, Any] = {"images": images, "return_tensors": "pt"}
        if self.settings.prompt:
            kwargs["text"] = [self.settings.prompt] * len(images)
        inputs = self._processor(**kwargs).to(self._model.device)
        with torch.inference_mode():
            output = self._model.generate(**inputs, max_new_tokens=self.settings.max_new_tokens, do_sample=False)
        return [" ".join(t.split()) for t in self._processor.batch_decode(output, skip_special_tokens=True)]

    def close(self) -> None:
        self._processor = self._model = None
        super().close()
