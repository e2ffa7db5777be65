"""Describing a video: work units, decoding, running the perception modules, the summary.

A video is described in *work units*: each ``perception.segment_s`` stretch for the
modules that take stretches, then each whole-video module. A unit is decoded once
(frames and audio for all its modules) and its events are saved as soon as it is
done, so an interrupted run resumes where it stopped. Units run through an
`Executor`: `LocalExecutor` runs them in this process, one after the other; an
executor that ships units elsewhere (a Ray actor) needs nothing but the unit and
the file, because modules consume only what the pipeline decodes for them
(`Media`), never the caller's objects.

After every unit, each module's `PerceptionModule.finish` sees all of its events
(what must hold across the whole video, like speaker labels, is settled there),
then the summarizer condenses them.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol, Sequence

from pydantic import ValidationError

from .cache import DescriptionCache, cache_key
from .config import Settings
from .errors import VideoChatError, failure_message, first_validation_error
from .modules import PerceptionModule, create_module, get_module_class
from .payloads import DecodeGapData
from .summary import Summarizer, make_summarizer
from .timeline import Description, Event, Media, ModuleFailure, ModuleRecord, VideoInfo
from .video import AUDIO_RATE, coverage_gaps, iter_frames, load_audio, probe, sample_interval

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int | None], None]
"""``(stage, done, total)``: called as work advances; ``total`` is None when unknown."""


def no_progress(stage: str, done: int, total: int | None) -> None:
    pass


DECODE_MODULE = "decode"
"""Events the pipeline itself adds: stretches the decoder could not read."""


@dataclass(frozen=True)
class WorkUnit:
    """One piece of describing: a stretch of the video (None: all of it) for some modules."""

    name: str
    """Stable across runs (``stretch-3``, ``module-scenes``): finished units are saved under it."""
    span: tuple[float, float] | None
    modules: tuple[str, ...]


@dataclass
class UnitResult:
    events: list[Event] = field(default_factory=list)
    failures: list[ModuleFailure] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def plan_units(info: VideoInfo, names: Sequence[str], segment_s: float) -> list[WorkUnit]:
    """The video's stretches (``segment_s`` long), each for all modules that take stretches,
    then one unit per whole-video module."""
    whole = [n for n in names if get_module_class(n).whole_video]
    stretch_modules = tuple(n for n in names if n not in whole)
    count = max(1, math.ceil(info.duration / segment_s - 1e-9))
    units: list[WorkUnit] = []
    if stretch_modules or not names:
        units += [WorkUnit(f"stretch-{i}", (i * segment_s, min(info.duration, (i + 1) * segment_s)) if count > 1 else None,
                           stretch_modules) for i in range(count)]
    units += [WorkUnit(f"module-{n}", None, (n,)) for n in whole]
    return units


class ModuleRunner:
    """The configured module instances, created once and kept; runs them with the contract checked.

    A module that times out is abandoned: Python cannot stop its thread, so the instance
    that is still running is dropped and the next unit gets a fresh one (a model is never
    used by two runs at once).
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._instances: dict[str, PerceptionModule] = {}

    def get(self, name: str) -> PerceptionModule:
        if name not in self._instances:
            self._instances[name] = create_module(name, self.settings.modules.get(name))
        return self._instances[name]

    def run(self, name: str, media: Media) -> list[Event]:
        module = self.get(name)
        timeout_s = self.settings.perception.module_timeout_s
        if timeout_s is None:
            return checked(module.run(media), module, media.info)
        outcome: dict[str, object] = {}

        def work() -> None:
            try:
                outcome["events"] = module.run(media)
            except BaseException as exc:  # handed to the caller below
                outcome["error"] = exc

        worker = threading.Thread(target=work, name=f"module-{name}", daemon=True)
        worker.start()
        worker.join(timeout_s)
        if worker.is_alive():
            self._instances.pop(name, None)  # still running: never call this instance again
            raise VideoChatError(f"module {name} timed out after {timeout_s:g} s")
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        return checked(outcome["events"], module, media.info)  # type: ignore[arg-type]

    def record(self, name: str) -> ModuleRecord:
        """What the module's events are evidence of and its label set, for the `Description`."""
        module = self.get(name)
        try:
            vocabulary = module.vocabulary()
        except Exception as exc:  # a module that failed to load: its labels are unknown, so no "no" answers
            log.info("%s: label set unknown (%s)", name, failure_message(exc))
            vocabulary = None
        return ModuleRecord(evidence=module.evidence, vocabulary=sorted(vocabulary) if vocabulary is not None else None)

    def close(self) -> None:
        for module in self._instances.values():
            module.close()
        self._instances.clear()


class Executor(Protocol):
    """Runs work units; results come back in any order as ``(unit, result)``."""

    def run(self, video: str | Path, info: VideoInfo, units: Sequence[WorkUnit],
            progress: ProgressCallback) -> Iterator[tuple[WorkUnit, UnitResult]]: ...


class LocalExecutor:
    """Runs units in this process, one after the other, with the given `ModuleRunner`."""

    def __init__(self, settings: Settings, runner: ModuleRunner):
        self.settings = settings
        self.runner = runner

    def run(self, video: str | Path, info: VideoInfo, units: Sequence[WorkUnit],
            progress: ProgressCallback) -> Iterator[tuple[WorkUnit, UnitResult]]:
        for unit in units:
            yield unit, describe_unit(video, info, unit, self.settings, self.runner, progress)


def describe_unit(video: str | Path, info: VideoInfo, unit: WorkUnit, settings: Settings, runner: ModuleRunner,
                  progress: ProgressCallback = no_progress) -> UnitResult:
    """Decode one unit's media once and run its modules over it."""
    started = time.perf_counter()
    media = decode(video, info, unit.modules, unit.span, settings, progress)
    result = UnitResult(events=decode_gap_events(media), timings={"decode": time.perf_counter() - started})
    for done, name in enumerate(unit.modules):
        progress(f"module {name}", done, len(unit.modules))
        started = time.perf_counter()
        try:
            result.events += runner.run(name, media)
        except Exception as exc:  # one module's failure must not lose the others' work
            message = failure_message(exc)
            log.warning("module %s failed: %s", name, message, exc_info=not isinstance(exc, VideoChatError))
            result.failures.append(ModuleFailure(module=name, error=message))
        result.timings[name] = time.perf_counter() - started
    progress(f"module {unit.modules[-1]}" if unit.modules else "modules", len(unit.modules), len(unit.modules))
    return result


def decode(video: str | Path, info: VideoInfo, names: Iterable[str], span: tuple[float, float] | None,
           settings: Settings, progress: ProgressCallback = no_progress) -> Media:
    """Decode what the modules consume, once, for all of them (only ``span`` if given)."""
    names = list(names)
    wants = set().union(*(get_module_class(n).consumes for n in names)) if names else set()
    p = settings.perception
    every_s = sample_interval(info, p.sample_every_s, p.max_frames)
    frames = []
    start, end = span or (0.0, info.duration)
    if "frames" in wants:
        expected = max(1, math.ceil((end - start) / every_s))
        progress("decoding frames", 0, expected)
        # every_s is already widened for max_frames over the whole video.
        for frame in iter_frames(video, every_s=every_s, max_frames=0 if span else p.max_frames,
                                 max_side=p.max_side, decoder=p.decoder, info=info, span=span):
            frames.append(frame)
            progress("decoding frames", len(frames), expected)
    audio = None
    if "audio" in wants:
        progress("decoding audio", 0, None)
        audio = load_audio(video, info=info, span=span)

    def sample(clip_every_s: float, max_side: int):
        # Denser frames for clip modules, decoded lazily as they consume them (memory stays flat).
        return iter_frames(video, every_s=clip_every_s, max_side=max_side, decoder=p.decoder, info=info, span=span)

    return Media(info=info, frames=frames, audio=audio, sample_every_s=every_s, start=start,
                 stop=span[1] if span else None, sampler=sample if "clips" in wants else None)


def decode_gap_events(media: Media) -> list[Event]:
    """Mark where frames or audio are missing, so readers and the model know."""
    gaps = []
    if media.frames:
        for start, end in coverage_gaps([f.time for f in media.frames], media.end, media.sample_every_s, media.start):
            gaps.append(Event(start=start, end=end, module=DECODE_MODULE, text="no video frames could be decoded here",
                              data=DecodeGapData(stream="video")))
    if media.audio is not None:
        audio_end = media.start + len(media.audio) / AUDIO_RATE
        if media.end - audio_end > 1.0:
            gaps.append(Event(start=round(audio_end, 3), end=media.end, module=DECODE_MODULE,
                              text="no audio could be decoded here", data=DecodeGapData(stream="audio")))
    for gap in gaps:
        log.warning("%s: %s (%.1f–%.1f s)", media.info.path, gap.text, gap.start, gap.end)
    return gaps


def checked(events: list[Event], module: PerceptionModule, info: VideoInfo) -> list[Event]:
    """Enforce the module contract: Events of this module, inside the video, carrying the payloads
    it declares (`PerceptionModule.payloads`), each checked afresh (``model_copy`` skips the checks).

    Raises:
        VideoChatError: naming the module and what it returned.
    """
    name, slack = module.name, 0.5  # container durations round; a last segment may overhang slightly
    valid = []
    for event in events:
        if not isinstance(event, Event):
            raise VideoChatError(f"module {name} returned {type(event).__name__}, not Event")
        if event.module != name:
            raise VideoChatError(f"module {name} returned an event labelled {event.module!r}")
        if event.end > info.duration + slack:
            raise VideoChatError(f"module {name} returned an event ending at {event.end:.2f}s, after the video ends")
        try:
            event = Event.model_validate(event.model_dump(warnings=False))  # a dict where a payload belongs: checked below
        except ValidationError as exc:
            raise VideoChatError(f"module {name} returned an invalid event: {first_validation_error(exc)}") from None
        if module.payloads and not isinstance(event.data, module.payloads):
            expected = ", ".join(p.__name__ for p in module.payloads)
            raise VideoChatError(f"module {name} returned an event whose data is {type(event.data).__name__}, "
                                 f"not {expected}")
        valid.append(event)
    return valid


class Describer:
    """Describes videos with the configured modules: cached, resumable, one failing module never
    losing the others' events."""

    def __init__(self, settings: Settings, cache: DescriptionCache, executor: Executor | None = None):
        self.settings = settings
        self.cache = cache
        self.modules = ModuleRunner(settings)
        self.executor = executor or LocalExecutor(settings, self.modules)
        self._summarizer: Summarizer | None = None

    def cache_key(self, names: Sequence[str], digest: str) -> str:
        """What a description depends on: the video's bytes and the settings that change it."""
        settings = {
            "perception": self.settings.perception.model_dump(mode="json", exclude={"modules"}),
            "modules": {n: self.modules.get(n).settings.model_dump(mode="json") for n in names},
            "summary": self.settings.summary.model_dump(mode="json"),
        }
        return cache_key(digest, settings)

    def describe(self, video: str | Path, *, modules: Iterable[str] | None = None, use_cache: bool | None = None,
                 progress: ProgressCallback = no_progress) -> Description:
        """See `VideoChat.describe`."""
        names = list(modules) if modules is not None else list(self.settings.perception.modules)
        for name in names:
            get_module_class(name)  # unknown names fail before any decoding
        use_cache = self.settings.cache.enabled if use_cache is None else use_cache
        key = None
        if use_cache:
            try:
                key = self.cache_key(names, self.cache.video_digest(video))
            except OSError:
                key = None  # missing or unreadable: probe() below says so clearly
            cached = self.cache.get(key) if key is not None else None
            if cached is not None:  # checked before probing: asking again about a video must be fast
                log.info("%s: description from cache", video)
                return cached
        info = probe(video)
        requested = names
        names, skipped = runnable_modules(info, requested)
        units = plan_units(info, names, self.settings.perception.segment_s)
        work = self.cache.partial(key) if key is not None else None
        result = UnitResult()
        todo = []
        for unit in units:  # finished by an earlier, interrupted run: taken as saved
            saved = work.get(unit.name) if work is not None else None
            if saved is None:
                todo.append(unit)
            else:
                _add(result, UnitResult(events=saved[0], timings=saved[1]))
        if len(todo) < len(units):
            log.warning("%s: resumed an interrupted run (%d of %d parts were already done)", video,
                        len(units) - len(todo), len(units))
        for done, (unit, found) in enumerate(self.executor.run(video, info, todo, progress), len(units) - len(todo)):
            if len(units) > 1:
                progress("video stretches", done + 1, len(units))
            if work is not None and not found.failures:
                work.put(unit.name, found.events, found.timings)
            _add(result, found)
        self._finish(names, result, info)
        records = {n: self.modules.record(n) for n in names}
        started = time.perf_counter()
        if self._summarizer is None:  # models load once per Describer
            self._summarizer = make_summarizer(self.settings.summary)
        summary = self._summarizer.summarize(result.events, info, records)
        result.timings["summary"] = round(time.perf_counter() - started, 3)
        p = self.settings.perception
        wants_frames = any("frames" in get_module_class(n).consumes for n in names)
        description = Description(
            video=info, events=result.events, summary=summary, timings=result.timings, failures=result.failures,
            config={**self.settings.public_dump(), "perception": {**p.model_dump(mode="json"), "modules": requested}},
            modules=records, sample_every_s=sample_interval(info, p.sample_every_s, p.max_frames) if wants_frames else None,
            skipped=skipped,
        )
        if key is not None and not result.failures:
            self.cache.put(key, description)
            work.clear()
        return description

    def _finish(self, names: Sequence[str], result: UnitResult, info: VideoInfo) -> None:
        """Each module's `finish` over its events of the whole video; a module whose `finish`
        fails keeps its events as they were and is recorded as failed."""
        failed = {f.module for f in result.failures}
        events = [e for e in result.events if e.module not in names or e.module in failed]
        for name in names:
            if name in failed:
                continue
            own = sorted((e for e in result.events if e.module == name), key=lambda e: (e.start, e.end))
            try:
                module = self.modules.get(name)
                events += checked(module.finish(own, info), module, info)
            except Exception as exc:  # one module's failure must not lose the others' work
                message = failure_message(exc)
                log.warning("module %s failed to finish: %s", name, message)
                result.failures.append(ModuleFailure(module=name, error=message))
                events += own
        result.events = events

    def close(self) -> None:
        self.modules.close()
        self._summarizer = None


# --- audio files -------------------------------------------------------------------
NO_PICTURE = "the file is audio only (no picture)"


def runnable_modules(info: VideoInfo, names: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """The modules that can describe this file, and the skipped ones with why: an audio file
    (``info.has_video`` false) is described only by modules that consume nothing but audio."""
    if info.has_video:
        return list(names), {}
    runnable = [n for n in names if get_module_class(n).consumes <= {"audio"}]
    skipped = {n: NO_PICTURE for n in names if n not in runnable}
    if skipped:
        log.info("%s: audio only; not running %s", info.path, ", ".join(skipped))
    return runnable, skipped


def _add(total: UnitResult, part: UnitResult) -> None:
    total.events += part.events
    total.failures += part.failures
    for stage, seconds in part.timings.items():
        total.timings[stage] = round(total.timings.get(stage, 0.0) + seconds, 3)
