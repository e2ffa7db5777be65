"""`Watcher`: follow a live source, describe it a stretch at a time, keep it in a library, notify.

The reader thread fills a bounded queue (`reader`); this thread describes what it takes
from it (`describe`), writes each stretch to the library (`recording`) and checks the watch
rules against it (`rules`). Ctrl-C once stops reading and describes what was already read;
twice stops at once. Either way what was described stays in the library.

Example:
    >>> watcher = Watcher(settings, parse_source("udp://127.0.0.1:5000"), library)
    >>> watcher.run(progress=print)     # until Ctrl-C or the source ends
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..config import Settings
from ..errors import LiveSourceError
from ..modules import get_module_class
from ..timeline import Frame, VideoInfo
from .describe import DescribedStretch, StretchDescriber
from .reader import ReaderState, StreamReader, StretchQueue
from .recording import LiveRecording
from .rules import Match, RuleBook
from .source import Source

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)


def release_memory() -> None:
    """Hand the heap's free memory back to the system (glibc's ``malloc_trim``): a stream followed for
    hours allocates and frees frames, audio and model buffers of ever-different sizes from several
    threads, and without this the process's memory creeps up though nothing is kept."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            import ctypes

            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc: nothing to do
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim: Any = None


@dataclass(frozen=True)
class WatchStatus:
    """How the watch is going (the CLI's progress line)."""

    state: ReaderState
    described_s: float
    """The stream is described up to this timeline time."""
    behind_s: float
    """How far the description is behind live: the stream's latest moment to the latest described one."""
    stretches: int
    events: int
    sample_every_s: float
    """The interval frames are sampled at now (wider than configured while behind)."""
    skipped_s: float
    """Seconds of stream dropped undescribed because describing was too far behind."""
    reconnects: int
    last_stretch_s: float = 0.0
    """Wall-clock seconds the last stretch took to describe and store."""


Progress = Callable[[WatchStatus], None]
Notify = Callable[[Match], None]


class Watcher:
    """Follows one source into one library video until stopped or the source ends."""

    def __init__(self, settings: Settings, source: Source, library: "Library", *, rules: Sequence[str] = (),
                 webhook: str | None = None, name: str | None = None, notify: Notify | None = None,
                 describer: StretchDescriber | None = None, embeddings: Any = None):
        """
        Args:
            rules: watch rules (``"a truck is seen"``, ``"someone says deadline"``); more may be added
                to the video in the library while it is watched (the API, the page).
            webhook: a URL each match is POSTed to as JSON.
            notify: called with each match (the CLI prints a line).
            describer: describe with this (its modules already loaded) instead of a new one.
            embeddings: index the stream's entries with these (default: ``retrieval``'s, loaded on start).
        """
        self.settings = settings
        self.source = source
        self.recording = LiveRecording(library, name=name, embeddings=embeddings)
        self.describer = describer or StretchDescriber(settings)
        wants = set().union(*(get_module_class(n).consumes for n in self.describer.names)) if self.describer.names else set()
        self.queue = StretchQueue(settings.live.max_pending, drop_when_full=source.live)
        self.reader = StreamReader(source, settings, self.queue, video="frames" in wants, audio="audio" in wants,
                                   on_frame=self._keep_frame)
        self.rules = RuleBook(settings.live, library.store, webhook=webhook, notify=notify)
        self._initial_rules = list(rules)
        self._thread: threading.Thread | None = None
        self.info: VideoInfo | None = None
        self.stretches = 0
        self.events = 0
        self._last_stretch_s = 0.0

    @property
    def vid(self) -> str | None:
        """The stream's id in the library (once connected)."""
        return self.recording.vid

    # --- running ---------------------------------------------------------------------------
    def start(self) -> str:
        """Connect and add the stream to the library; returns its id.

        Raises:
            LiveSourceError: the source cannot be opened (within ``live.open_timeout_s``).
            ConfigError: a rule no running module could ever match.
        """
        self.rules.check(self._initial_rules, self.describer)
        self._thread = threading.Thread(target=self.reader.run, name="live-reader", daemon=True)
        self._thread.start()
        self.reader.wait_connected()
        if self.reader.shape is None:  # never connected
            self._join()
            raise self.reader.error or LiveSourceError(f"{self.source.url}: the stream ended before anything was read")
        self.describer.load()  # before the timeline starts: nothing is dropped while models load
        self.recording.load()
        self.reader.go()
        self.info = self._info(0.0)
        vid = self.recording.start(self.describer.head(self.info))
        self.rules.attach(vid, self._initial_rules)
        return vid

    def run(self, progress: Progress | None = None) -> WatchStatus:
        """Describe until the source ends or Ctrl-C (see the module docstring); returns the last status.

        Raises:
            LiveSourceError: the source could not be opened, or was lost for ``live.give_up_after_s``.
        """
        if self.vid is None:
            self.start()
        report = progress or (lambda status: None)
        try:
            self._describe_until_done(report)
        finally:
            self.reader.stop()
            self._join()
            self.recording.finish()
            self.rules.close()
        if self.reader.error is not None and not self.reader.stopping:
            raise self.reader.error
        return self.status()

    def _describe_until_done(self, report: Progress) -> None:
        stretch, interrupted = None, False
        while True:
            try:
                if stretch is None:
                    stretch = self.queue.get(timeout=0.5)
                    if stretch is None:
                        if self.queue.finished:
                            return
                        report(self.status())
                        continue
                started = time.perf_counter()
                self.info = self._info(stretch.end)
                done = self.describer.describe(stretch, self.info)  # interrupted: described again
                stretch = None  # from here on it is written once, or not at all (never twice)
                self._keep(done)
                del done
                release_memory()
                self._last_stretch_s = time.perf_counter() - started
                report(self.status())
            except KeyboardInterrupt:
                if interrupted:
                    raise
                interrupted = True  # stop reading; describe what was read (Ctrl-C again: at once)
                log.warning("stopping: describing what was already read (Ctrl-C again to stop at once)")
                self.reader.stop()

    def _keep(self, done: DescribedStretch) -> None:
        """Write a described stretch to the library, then check the watch rules on it."""
        if not self.recording.append(done):
            log.warning("the stream was removed from the library; stopping")
            self.reader.stop()
            return
        self.stretches += 1
        self.events += len(done.events)
        self.rules.check_stretch(done)

    def stop(self) -> None:
        """Stop reading (from another thread); `run` describes what was read and returns."""
        self.reader.stop()

    def status(self) -> WatchStatus:
        described = self.info.duration if self.info is not None else 0.0
        live_edge = self.reader.clock.now() if self.source.live else self.reader.clock.latest
        builder_every = self.reader.current_every_s()
        return WatchStatus(state=self.reader.state, described_s=described, behind_s=max(0.0, live_edge - described),
                           stretches=self.stretches, events=self.events, sample_every_s=builder_every,
                           skipped_s=self.queue.skipped_s, reconnects=self.reader.reconnects,
                           last_stretch_s=self._last_stretch_s)

    # --- helpers -------------------------------------------------------------------------------
    def _info(self, duration: float) -> VideoInfo:
        shape = self.reader.shape
        assert shape is not None and self.reader.clock.started_at is not None
        return VideoInfo(path=self.source.url, duration=round(duration, 3), fps=shape.fps, width=shape.width,
                         height=shape.height, has_audio=shape.has_audio, has_video=shape.has_video,
                         started_at=self.reader.clock.started_at)

    def _keep_frame(self, frame: Frame) -> None:
        self.recording.keep_frame(frame)

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=self.settings.live.read_timeout_s + self.settings.live.open_timeout_s + 5)

    def close(self) -> None:
        self.describer.close()
