"""Describing a stretch of a live stream with the configured modules, as a file's stretch is.

The modules are the ones `videochat-text describe` runs, loaded once (`ModuleRunner`), each
handed the stretch as `Media` (frames with timeline times, audio from the stretch's
start); the contract checks, one module's failure never losing the others' events, and
each module's `finish` are the same. Event ids count on across stretches (``speech-41``),
so ids stay unique in the stream's one growing description. What cannot run on a live
stream is skipped and says why: modules that read the whole file, or denser frames than
the stream is sampled at.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field

from ..config import Settings
from ..describing import ModuleRunner, checked, decode_gap_events, runnable_modules
from ..errors import VideoChatError, failure_message
from ..modules import get_module_class
from ..payloads import StreamGapData
from ..timeline import Description, Event, Media, ModuleFailure, VideoInfo
from .stretch import Gap, Stretch

log = logging.getLogger(__name__)

STREAM_MODULE = "stream"
"""Events the watcher itself adds: where the stream was lost, or described sparsely or not at all."""
NOT_LIVE = {"file": "it reads the whole file; a live stream has none", "clips": "it needs denser frames "
            "than a live stream is sampled at"}


@dataclass
class DescribedStretch:
    """One stretch's events (ids given), what failed, and how long each module took."""

    stretch: Stretch
    info: VideoInfo
    events: list[Event]
    failures: list[ModuleFailure] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    described_at: float = 0.0
    """Wall-clock time it was done (seconds since the epoch)."""


def live_modules(names: list[str]) -> tuple[list[str], dict[str, str]]:
    """The modules that can describe a live stream, and the others with why not."""
    skipped = {n: NOT_LIVE[want] for n in names for want in NOT_LIVE if want in get_module_class(n).consumes}
    return [n for n in names if n not in skipped], skipped


class StretchDescriber:
    """Describes stretches one after another; event ids count on across them."""

    def __init__(self, settings: Settings, runner: ModuleRunner | None = None):
        self.settings = settings
        self.runner = runner or ModuleRunner(settings)
        self.names, self.skipped = live_modules(list(settings.perception.modules))
        for name in self.skipped:
            log.warning("module %s not run on a live stream: %s", name, self.skipped[name])
        self._counts: Counter[str] = Counter()

    def load(self) -> None:
        """Load every module's models now (describing the first stretch then takes as long as the rest)."""
        for name in self.names:
            try:
                self.runner.get(name).ensure_loaded()
            except Exception as exc:  # it fails again on each stretch, recorded there
                log.warning("module %s failed to load: %s", name, failure_message(exc))

    def modules_for(self, info: VideoInfo) -> tuple[list[str], dict[str, str]]:
        """The modules that run on this stream (only audio ones on a stream without picture), the rest with why."""
        names, skipped = runnable_modules(info, self.names)
        return names, {**self.skipped, **skipped}

    def head(self, info: VideoInfo) -> Description:
        """The stream's description before anything is described: what its modules are and can report.
        A new stream: event ids count from 1 again."""
        self._counts.clear()
        names, skipped = self.modules_for(info)
        return Description(video=info, events=[], modules={n: self.runner.record(n) for n in names},
                           config={**self.settings.public_dump()}, sample_every_s=self.settings.perception.sample_every_s
                           if any("frames" in get_module_class(n).consumes for n in names) else None, skipped=skipped)

    def describe(self, stretch: Stretch, info: VideoInfo) -> DescribedStretch:
        """Run the modules over one stretch (``info.duration`` is the stretch's end)."""
        names, _ = self.modules_for(info)
        media = Media(info=info, frames=stretch.frames, audio=stretch.audio, sample_every_s=stretch.sample_every_s,
                      start=stretch.start, stop=stretch.end)
        events = gap_events(stretch, self.settings.perception.sample_every_s, info.has_video)
        events += decode_gap_events(media) if stretch.seconds > 0 else []
        done = DescribedStretch(stretch, info, [])
        for name in names:
            started = time.perf_counter()
            try:
                module = self.runner.get(name)
                own = sorted(self.runner.run(name, media), key=lambda e: (e.start, e.end))
                events += checked(module.finish(own, info), module, info)
            except Exception as exc:  # one module's failure must not lose the others' work
                message = failure_message(exc)
                log.warning("module %s failed on %.1f–%.1f s: %s", name, stretch.start, stretch.end, message,
                            exc_info=not isinstance(exc, VideoChatError))
                done.failures.append(ModuleFailure(module=name, error=message))
            done.timings[name] = round(time.perf_counter() - started, 3)
        done.events = self._numbered(events)
        done.described_at = time.time()
        return done

    def _numbered(self, events: list[Event]) -> list[Event]:
        """Events in time order, each given the next id of its module (``objects-57``)."""
        numbered = []
        for event in sorted(events, key=lambda e: (e.start, e.end, e.module)):
            self._counts[event.module] += 1
            numbered.append(event.model_copy(update={"id": f"{event.module}-{self._counts[event.module]}"}))
        return numbered

    def close(self) -> None:
        self.runner.close()


def gap_events(stretch: Stretch, every_s: float, has_video: bool) -> list[Event]:
    """Where the stream was lost, dropped undescribed, or sampled more sparsely than configured."""
    events = [_gap_event(gap) for gap in stretch.gaps if gap.end > gap.start]
    if has_video and stretch.frames and stretch.sample_every_s > every_s * 1.01:
        events.append(Event(
            start=stretch.start, end=stretch.end, module=STREAM_MODULE,
            text=f"describing was behind live: frames sampled every {stretch.sample_every_s:g} s here instead "
                 f"of every {every_s:g} s", data=StreamGapData(reason="behind", sample_every_s=stretch.sample_every_s)))
    return events


def _gap_event(gap: Gap) -> Event:
    seconds = gap.end - gap.start
    if gap.reason == "lost":
        text = f"the stream was lost here: nothing received for {seconds:.1f} s (reconnected after it)"
    else:
        text = f"not described: describing fell {seconds:.1f} s behind live and this stretch was dropped"
    return Event(start=round(gap.start, 3), end=round(gap.end, 3), module=STREAM_MODULE, text=text,
                 data=StreamGapData(reason=gap.reason, sample_every_s=gap.sample_every_s))
