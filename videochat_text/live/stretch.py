"""A stretch of a live stream: its sampled frames and its sound, cut where the sound is quiet.

`StretchBuilder` collects what the reader decodes; `Stretch` is what is handed to
describing: a few seconds of frames (true timeline times) and 16 kHz mono audio starting
at ``start``. Stretches are cut after at least ``min_s`` at the quietest moment, at most
``max_s`` long, so a sentence is rarely split between two of them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..timeline import Frame
from ..video import AUDIO_RATE

_WINDOW_S = 0.25
"""Length of the windows whose loudness is compared to find a quiet cut."""
_QUIET_RATIO = 0.15
"""A window this much softer than the stretch's loudest is quiet (speech pauses are far softer)."""
_DRIFT_S = 0.05
"""Audio that lands this close to where the track ends is appended as is (a resampler's delay,
rounding), not padded or trimmed."""
_STALL_S = 3.0
"""One stream this far behind the other (say, audio that stopped) no longer holds the cut back."""


@dataclass(frozen=True)
class Gap:
    """Where the stream was not described, and why."""

    start: float
    end: float
    reason: Literal["lost", "behind"]
    sample_every_s: float | None = None
    """``behind``: the interval frames were sampled at there (None: nothing was described)."""


@dataclass
class Stretch:
    """A few seconds of a live stream, ready to describe."""

    index: int
    start: float
    end: float
    frames: list[Frame]
    audio: np.ndarray | None
    """16 kHz mono float32 from ``start`` (None: the stream has no sound)."""
    sample_every_s: float
    """The interval frames were sampled at (wider than configured when describing fell behind)."""
    gaps: list[Gap] = field(default_factory=list)
    """Breaks before or in it: the source lost, stretches skipped because describing fell behind."""
    read_at: float = 0.0
    """Wall-clock time it was complete (seconds since the epoch)."""

    @property
    def seconds(self) -> float:
        return self.end - self.start


class AudioTrack:
    """Samples placed on the timeline: a late chunk is padded with silence, an early one trimmed."""

    def __init__(self, start: float):
        self.start = start
        self._chunks: list[np.ndarray] = []
        self._samples = 0

    @property
    def end(self) -> float:
        return self.start + self._samples / AUDIO_RATE

    def add(self, t: float, samples: np.ndarray) -> None:
        """Add ``samples`` that begin at timeline time ``t`` (never rewinds what is there)."""
        if t < self.start:  # begins before this track: keep only what falls in it
            samples = samples[int(round((self.start - t) * AUDIO_RATE)):]
            t = self.start
        offset = int(round((t - self.end) * AUDIO_RATE))
        if abs(offset) < _DRIFT_S * AUDIO_RATE:
            offset = 0
        if offset > 0:
            self._append(np.zeros(offset, dtype=np.float32))
        elif offset < 0:
            samples = samples[-offset:]
        self._append(samples)

    def _append(self, samples: np.ndarray) -> None:
        if len(samples):
            self._chunks.append(samples.astype(np.float32, copy=False))
            self._samples += len(samples)

    def samples(self) -> np.ndarray:
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        return self._chunks[0] if self._chunks else np.zeros(0, dtype=np.float32)

    def split(self, at: float) -> tuple[np.ndarray, "AudioTrack"]:
        """The samples before ``at``, and a track of the rest starting at ``at``."""
        every = self.samples()
        cut = max(0, min(len(every), int(round((at - self.start) * AUDIO_RATE))))
        rest = AudioTrack(at)
        rest._append(every[cut:].copy())
        return every[:cut], rest


def quiet_cut(audio: np.ndarray, start: float, min_s: float, max_s: float) -> float | None:
    """The timeline time to cut at: the middle of the quietest window between ``start + min_s``
    and ``start + max_s`` (as far as ``audio`` goes); None when no window there is quiet."""
    window = int(_WINDOW_S * AUDIO_RATE)
    first, last = int(min_s * AUDIO_RATE), min(len(audio), int(max_s * AUDIO_RATE))
    if last - first < window:
        return None
    usable = audio[: last - last % window].reshape(-1, window)
    loudness = np.sqrt(np.mean(usable.astype(np.float64) ** 2, axis=1))
    candidates = range(first // window, len(loudness))
    if not len(candidates):
        return None
    best = min(candidates, key=lambda i: loudness[i])
    if loudness[best] > max(1e-3, _QUIET_RATIO * float(loudness.max())):
        return None
    return start + (best + 0.5) * _WINDOW_S


class StretchBuilder:
    """Collects one stretch's frames and audio as they are read, and says when and where to cut it."""

    def __init__(self, index: int, start: float, every_s: float, *, audio: bool, video: bool):
        self.index = index
        self.start = start
        self.every_s = every_s
        self.frames: list[Frame] = []
        self.audio = AudioTrack(start) if audio else None
        self.video = video
        self.gaps: list[Gap] = []
        self.video_time = start
        """The latest frame time read (sampled or not)."""
        self._next_sample = start
        self._next_check = start

    def wants_frame(self, t: float) -> bool:
        """Whether a frame at ``t`` is sampled (one per ``every_s``; the first one always)."""
        if t < self._next_sample or (self.frames and t <= self.frames[-1].time):
            return False
        self._next_sample = self.start + (int((t - self.start) / self.every_s) + 1) * self.every_s
        return True

    def progress(self) -> float:
        """How far both streams have been read: the trailing one, unless it has stalled."""
        times = ([self.video_time] if self.video else []) + ([self.audio.end] if self.audio is not None else [])
        if not times:
            return self.start
        lead, trail = max(times), min(times)
        return trail if lead - trail < _STALL_S else lead - _STALL_S

    def cut_at(self, min_s: float, max_s: float) -> float | None:
        """Where to end this stretch now, or None to keep reading (looked at once per quiet window
        read: not for every packet)."""
        progress = self.progress()
        reached = progress - self.start
        if reached < min_s or progress < self._next_check:
            return None
        self._next_check = progress + _WINDOW_S
        if self.audio is None:  # nothing to cut a sentence of: as short as allowed
            return self.start + min_s
        quiet = quiet_cut(self.audio.samples(), self.start, min_s, min(reached, max_s))
        if quiet is not None:
            return quiet
        return self.start + max_s if reached >= max_s else None

    def finish(self, at: float) -> tuple[Stretch, "StretchBuilder"]:
        """The stretch up to ``at``, and the builder for the next one (with what lies past ``at``)."""
        kept = [f for f in self.frames if f.time < at]
        audio, rest = self.audio.split(at) if self.audio is not None else (None, None)
        stretch = Stretch(self.index, self.start, at, kept, audio, self.every_s, list(self.gaps), time.time())
        following = StretchBuilder(self.index + 1, at, self.every_s, audio=self.audio is not None, video=self.video)
        following.frames = [f for f in self.frames if f.time >= at]
        following.audio = rest
        following.video_time = max(at, self.video_time)
        following._next_sample = max(at, self._next_sample)
        following._next_check = following.start
        return stretch, following
