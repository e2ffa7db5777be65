"""Reading a live source in a thread, into a bounded queue of stretches.

The reader (the producer) demuxes and decodes as the stream arrives, samples frames,
resamples the sound, and cuts stretches (`StretchBuilder`); describing (the consumer)
takes them from a `StretchQueue`. The queue holds at most ``live.max_pending`` stretches:

- behind live, each new stretch samples frames more sparsely (every 2 s with one stretch
  waiting, 3 s with two, …), so describing catches up;
- still full, the oldest waiting stretch is dropped and a gap says so, so memory never grows;
- a file waits for its reader instead (nothing is lost by reading it later).

A lost source (an error, a read that times out) is reconnected with back-off (0.25 s
doubling to ``live.reconnect_max_s``), and the gap is marked in the next stretch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Literal

from ..config import Settings
from ..errors import LiveSourceError
from ..timeline import Frame
from ..video import AUDIO_RATE
from .clock import StreamClock
from .source import Source
from .stretch import Gap, Stretch, StretchBuilder

log = logging.getLogger(__name__)

ReaderState = Literal["connecting", "reading", "lost", "ended"]
REPLAY_S = 120.0
"""An HLS playlist read again after a reconnect starts a few segments before its end: timestamps up to
this far before the last one read are taken as read already (a restarted source starts far lower)."""


@dataclass(frozen=True)
class StreamShape:
    """What the source carries, as the first connection found it."""

    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    fps: float = 0.0


class StretchQueue:
    """Stretches read and waiting to be described, at most ``max_pending`` of them."""

    def __init__(self, max_pending: int, *, drop_when_full: bool):
        self.max_pending = max_pending
        self.drop_when_full = drop_when_full
        self.skipped_s = 0.0
        """Seconds of stream dropped whole because describing was too far behind."""
        self._items: deque[Stretch] = deque()
        self._changed = threading.Condition()
        self._closed = False

    def pending(self) -> int:
        with self._changed:
            return len(self._items)

    def put(self, stretch: Stretch) -> None:
        """Add a stretch; when full, drop the oldest waiting one (a live source) or wait (a file)."""
        with self._changed:
            if not self.drop_when_full:
                self._changed.wait_for(lambda: len(self._items) < self.max_pending or self._closed)
            elif len(self._items) >= self.max_pending:
                dropped = self._items.popleft()
                self.skipped_s += dropped.seconds
                log.warning("describing is %.0f s behind live: %.1f–%.1f s dropped undescribed",
                            sum(s.seconds for s in self._items) + stretch.seconds, dropped.start, dropped.end)
                stretch.gaps[:0] = [*dropped.gaps, Gap(dropped.start, dropped.end, "behind")]
            self._items.append(stretch)
            self._changed.notify_all()

    def get(self, timeout: float | None = None) -> Stretch | None:
        """The oldest waiting stretch; None after ``timeout`` s, or once closed and empty."""
        with self._changed:
            self._changed.wait_for(lambda: self._items or self._closed, timeout)
            if not self._items:
                return None
            stretch = self._items.popleft()
            self._changed.notify_all()
            return stretch

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def finished(self) -> bool:
        """Closed, and nothing left to describe."""
        with self._changed:
            return self._closed and not self._items


class StreamReader:
    """Reads a source into a `StretchQueue` until stopped, the source ends, or it cannot be reached.

    Run `run` in a thread; `wait_connected` tells whether the first connection worked.
    """

    def __init__(self, source: Source, settings: Settings, queue: StretchQueue, *, video: bool = True,
                 audio: bool = True, on_frame: Callable[[Frame], None] | None = None):
        """
        Args:
            video, audio: whether anything consumes frames / sound (what nobody reads is not decoded).
            on_frame: called with each sampled frame (a live picture for the page).
        """
        self.source = source
        self.live = settings.live
        self.every_s = settings.perception.sample_every_s
        self.max_side = settings.perception.max_side
        self.queue = queue
        self.want_video, self.want_audio = video, audio
        self.on_frame = on_frame
        self.clock = StreamClock(follow_wall=source.live)
        self.state: ReaderState = "connecting"
        self.shape: StreamShape | None = None
        self.error: LiveSourceError | None = None
        """Why reading stopped, when it was not asked to."""
        self.reconnects = 0
        self.frames_read = 0
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._go = threading.Event()
        self._builder: StretchBuilder | None = None
        self._lost_at: float | None = None
        self._last_pts: float | None = None
        self._replayed_until: float | None = None
        self._index = 0

    # --- control ---------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop reading (from another thread); what was read is handed over."""
        self._stop.set()

    def go(self) -> None:
        """Start the timeline now: until then the stream is read and decoded, but nothing is kept
        (describing's models load meanwhile, and the connection stays drained)."""
        self.clock.begin()
        self._go.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Whether the first connection has been made (or failed: see `error`) within ``timeout``."""
        return self._connected.wait(timeout)

    # --- the thread ----------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._follow()
        except LiveSourceError as exc:
            self.error = exc
        except Exception as exc:  # never die silently: the watcher reports it
            log.warning("reading %s failed", self.source.url, exc_info=True)
            self.error = LiveSourceError(f"{self.source.url}: reading failed ({type(exc).__name__}: {exc})")
        finally:
            self._hand_over_partial()
            self.state = "ended"
            self._connected.set()
            self.queue.close()

    def _follow(self) -> None:
        container = self.source.open(self.live.open_timeout_s, self.live.read_timeout_s)
        while True:
            self.state = "reading"
            self._connected.set()
            try:
                ended = self._read(container)
            finally:
                container.close()
            if self._stop.is_set() or ended or not self.source.live:
                return
            self.state = "lost"
            self._hand_over_partial()
            self._lost_at = self.clock.latest
            if self.source.kind == "hls":  # a playlist read again starts a few segments back: seen already
                self._replayed_until = self._last_pts
            self._last_pts = None
            container = self._reconnect()
            if container is None:
                return
            self.reconnects += 1
            self.clock.reconnected()

    def _reconnect(self) -> Any:
        """Open the source again, waiting longer between attempts; None when stopped or given up."""
        delay, lost = 0.25, time.monotonic()
        while not self._stop.is_set():
            give_up = self.live.give_up_after_s
            if give_up is not None and time.monotonic() - lost > give_up:
                raise LiveSourceError(f"{self.source.url}: lost, and not back after {give_up:g} s")
            try:
                container = self.source.open(self.live.open_timeout_s, self.live.read_timeout_s)
                log.warning("%s: reconnected after %.1f s", self.source.url, time.monotonic() - lost)
                return container
            except LiveSourceError as exc:
                log.info("reconnecting: %s", exc)
            self._stop.wait(delay)
            delay = min(self.live.reconnect_max_s, delay * 2)
        return None

    def _read(self, container: Any) -> bool:
        """Read until the connection fails (False) or the stream ends (True)."""
        import av

        video = next((s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic),
                     None) if self.want_video else None
        audio = (container.streams.audio[0] if container.streams.audio else None) if self.want_audio else None
        if self.shape is None:
            self.shape = _shape(video, audio)
            if video is None and audio is None:
                raise LiveSourceError(f"{self.source.url}: has no video or audio stream to follow")
        if video is not None:
            video.thread_type = "AUTO"
        resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE) if audio is not None else None
        try:
            for packet in container.demux([s for s in (video, audio) if s is not None]):
                if self._stop.is_set():
                    return True
                for frame in packet.decode():
                    if frame.time is not None and self._go.is_set():
                        self._take(frame, frame.time, resampler if packet.stream is audio else None)
                self._cut()
        except (av.error.FFmpegError, OSError) as exc:
            if self._stop.is_set():
                return True
            what = getattr(exc, "strerror", None) or str(exc)
            log.warning("%s: %s", self.source.url, "it stopped growing" if self.source.kind == "file"
                        else f"lost ({what}); reconnecting")
            return False
        # A clean end: a file read to its end, an HLS playlist that says it is over (or a server gone).
        return self.source.has_ended(self.live.read_timeout_s)

    def _take(self, frame: Any, pts: float, resampler: Any) -> None:
        if self._replayed_until is not None:
            if self._replayed_until - REPLAY_S < pts <= self._replayed_until:
                return  # read before the connection was lost: never described twice
            self._replayed_until = None
        self._last_pts = pts if self._last_pts is None else max(self._last_pts, pts)
        t = self.clock.time(pts)
        builder = self._builder
        if builder is None:
            builder = self._builder = self._new_builder(t)
        if resampler is None:  # a video frame
            builder.video_time = max(builder.video_time, t)
            self.frames_read += 1
            if builder.wants_frame(t):
                width, height = _scaled(frame.width, frame.height, self.max_side)
                sampled = Frame(index=self.frames_read, time=round(t, 4),
                                image=frame.to_ndarray(format="rgb24", width=width, height=height))
                builder.frames.append(sampled)
                if self.on_frame is not None:
                    self.on_frame(sampled)
        elif builder.audio is not None:
            for out in resampler.resample(frame):
                builder.audio.add(t, out.to_ndarray().reshape(-1))
                t += out.samples / AUDIO_RATE

    def _new_builder(self, t: float) -> StretchBuilder:
        shape = self.shape or StreamShape(True, True)
        builder = StretchBuilder(self._index, t, self.current_every_s(), audio=shape.has_audio, video=shape.has_video)
        if self._lost_at is not None:
            builder.gaps.append(Gap(self._lost_at, t, "lost"))
            self._lost_at = None
        return builder

    def current_every_s(self) -> float:
        """The sampling interval for the next stretch: wider for each stretch waiting (a live source)."""
        return self.every_s * (1 + self.queue.pending()) if self.source.live else self.every_s

    def _cut(self) -> None:
        builder = self._builder
        if builder is None:
            return
        at = builder.cut_at(self.live.stretch_min_s, self.live.stretch_max_s)
        if at is not None:
            stretch, following = builder.finish(at)
            following.every_s = self.current_every_s()
            self._builder = following
            self._index = following.index
            self.queue.put(stretch)

    def _hand_over_partial(self) -> None:
        """What was read of the stretch being built goes to describing (lost source, stop)."""
        builder, self._builder = self._builder, None
        if builder is None:
            return
        at = builder.progress()
        if at - builder.start >= 0.5 or builder.gaps:
            stretch, following = builder.finish(max(at, builder.start))
            self._index = following.index
            self.queue.put(stretch)


def _shape(video: Any, audio: Any) -> StreamShape:
    if video is None:
        return StreamShape(has_video=False, has_audio=audio is not None)
    ctx = video.codec_context
    fps = float(video.average_rate or video.guessed_rate or 0.0)
    return StreamShape(True, audio is not None, int(ctx.width or 0), int(ctx.height or 0), fps)


def _scaled(width: int, height: int, max_side: int) -> tuple[int, int]:
    """Even output sizes at most ``max_side`` on the longer side (0: the frame's own)."""
    scale = min(1.0, max_side / max(width, height)) if max_side > 0 else 1.0
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)
