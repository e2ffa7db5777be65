"""Keyframes: the sampled frames worth looking at closely.

Captioning, tagging and reading text cost far more per frame than detecting
objects, and a still shot captioned every second says the same thing each time.
These modules look at a frame when the picture changed since the last one they
looked at (a new shot), at most one per ``min_gap_s``, and at a long unchanged
shot again every ``every_s`` seconds.

The same cheap picture measures serve other frame modules: `thumbnail` (is this the
same picture?) and `shot_starts` (where are the cuts?).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from .modules import ModuleSettings
from .timeline import Frame


class KeyframeSettings(ModuleSettings):
    """The settings of a module that looks at keyframes only."""

    min_gap_s: float = Field(2.0, ge=0)
    """At most one keyframe per this many seconds (a cap for busy footage)."""
    every_s: float = Field(10.0, gt=0)
    """Look at an unchanged picture again after this many seconds."""
    min_change: float = Field(0.08, ge=0)
    """Mean pixel difference (0–1) from the last keyframe that counts as a new picture."""


def thumbnail(image: np.ndarray) -> np.ndarray:
    """A 32×32 grey thumbnail as floats in 0–1, for cheap near-duplicate checks."""
    h, w = image.shape[:2]
    ys = np.linspace(0, h - 1, 32).astype(int)
    xs = np.linspace(0, w - 1, 32).astype(int)
    return image[ys][:, xs].mean(axis=2) / 255.0


def keyframes(frames: list[Frame], settings: KeyframeSettings) -> list[Frame]:
    """The frames worth a look: new pictures (rate-capped) and long unchanged ones again."""
    chosen: list[Frame] = []
    last_thumb = None
    for frame in frames:
        thumb = thumbnail(frame.image)
        if chosen:
            since = frame.time - chosen[-1].time
            changed = np.abs(thumb - last_thumb).mean() >= settings.min_change
            if since < settings.min_gap_s - 1e-6 or not (changed or since >= settings.every_s - 1e-6):
                continue
        chosen.append(frame)
        last_thumb = thumb
    return chosen


def holds_until(chosen: list[Frame], duration: float) -> list[float]:
    """When what each keyframe shows stops holding: the next keyframe, or the end of the video."""
    return [f.time for f in chosen[1:]] + [duration]


CUT_DISTANCE = 0.3
"""Colour-histogram distance (Bhattacharyya, 0–1) between consecutive samples that marks a cut.
Measured: a camera pan moves it 0.07–0.10 per second sampled, cuts between photos 0.56–0.74."""


def shot_starts(frames: list[Frame], threshold: float = CUT_DISTANCE) -> list[int]:
    """Indices of the frames that begin a shot (0 first), from hue/saturation histograms.

    Pixel differences cannot tell a pan from a cut at one frame a second; the colours in
    the picture can. Cheaper and rougher than the ``scenes`` module, and usable inside
    any frame module (object tracks must not run across a cut).
    """
    import cv2

    starts = [0] if frames else []
    previous = None
    for i, frame in enumerate(frames):
        hsv = cv2.cvtColor(frame.image, cv2.COLOR_RGB2HSV)
        histogram = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256])
        histogram = cv2.normalize(histogram, histogram).flatten()
        if previous is not None and cv2.compareHist(previous, histogram, cv2.HISTCMP_BHATTACHARYYA) > threshold:
            starts.append(i)
        previous = histogram
    return starts
