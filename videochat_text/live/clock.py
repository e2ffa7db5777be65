"""Stream time to timeline time: PTS for order and spacing, the wall clock across breaks.

Within one connection the stream's own timestamps (PTS) time every frame and sample. A
new connection (a reconnect) or a jump in the timestamps (the source restarted, a wrap)
starts a new *anchor*: its first timestamp is placed at the wall-clock time since the
watch began, never before anything already handed out. So timeline time never goes
backwards, a break shows as a gap as long as the break, and timeline time stays close to
"seconds since the watch started" (the wall clock of time ``t`` is ``started_at + t``).
A file being written has no wall clock to follow: a jump there continues from the last time.
"""

from __future__ import annotations

import time
from typing import Callable

JUMP_BACK_S = 2.0
"""Timestamps this far before the last ones mean the stream restarted (audio and video
interleave up to about a second apart, so a little backwards is normal)."""
JUMP_AHEAD_S = 10.0
"""Timestamps this far after the last ones mean the stream jumped (no live stream has a gap this
long between two packets without saying so)."""


class StreamClock:
    """Places each stream timestamp on the timeline (seconds since the first one was read)."""

    def __init__(self, *, follow_wall: bool = True, wall: Callable[[], float] = time.time):
        """
        Args:
            follow_wall: re-anchor at the wall clock (a live source), or right after the last time
                handed out (a file).
            wall: the wall clock (seconds since the epoch), a parameter for tests.
        """
        self.follow_wall = follow_wall
        self._wall = wall
        self.started_at: float | None = None
        """Wall-clock time of timeline time 0 (when the stream was first opened, or its first timestamp read)."""
        self.latest = 0.0
        """The latest timeline time handed out."""
        self._anchor: tuple[float, float] | None = None  # (stream pts, timeline time)
        self._last_pts: float | None = None
        self.jumps = 0
        """How many times the stream's timestamps jumped (restarts, wraps) or a connection began anew."""

    def begin(self) -> None:
        """The stream is open: timeline time 0 is now (if it was not already)."""
        if self.started_at is None:
            self.started_at = self._wall()

    def reconnected(self) -> None:
        """A new connection: its timestamps have nothing to do with the last one's."""
        if self._anchor is not None:
            self._anchor = None
            self._last_pts = None

    def now(self) -> float:
        """The wall clock as timeline time (how long since the watch started)."""
        return 0.0 if self.started_at is None else self._wall() - self.started_at

    def time(self, pts: float) -> float:
        """The timeline time of a frame or sample whose stream timestamp is ``pts`` seconds."""
        if self.started_at is None:
            self.started_at = self._wall()
        jumped = self._last_pts is not None and not (-JUMP_BACK_S <= pts - self._last_pts <= JUMP_AHEAD_S)
        if self._anchor is None or jumped:
            if self._anchor is not None or self.latest > 0:
                self.jumps += 1
            at = max(self.latest, self.now()) if self.follow_wall else self.latest
            self._anchor = (pts, at)
        self._last_pts = pts if self._last_pts is None else max(self._last_pts, pts)
        if jumped:
            self._last_pts = pts
        t = self._anchor[1] + (pts - self._anchor[0])
        self.latest = max(self.latest, t)
        return max(0.0, t)
