"""The data model that flows through the pipeline: video → frames → events → description.

Time is always float seconds from the start of the video, taken from the
stream's presentation timestamps (never a frame index). `format_timestamp` is the
one place that turns seconds into text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from .detections import Detection, boxes_text
from .injection import mark_instructions
from .payloads import DetectionsData, EventData, SpeechData

if TYPE_CHECKING:  # only frames and audio are arrays; a cached description needs no numpy (fast CLI start)
    import numpy as np

SCHEMA_VERSION = 7
"""Bump when descriptions change shape or content for the same input: old cache entries then miss.
5: events carry ids, merged timeline entries the ids they came from (``sources``); one detection
shape (``score``); descriptions record their modules' evidence and label sets.
6: event data is a typed payload naming its ``kind`` (`videochat_text.payloads`); a track's
label and boxes, a drawn shot's share and a speech sentence's words are fields of it.
7: a sentence Whisper cut across two of its segments is one speech event (`perception.speech.join_cut_sentences`)."""


def format_timestamp(seconds: float, *, srt: bool = False) -> str:
    """Format seconds as ``H:MM:SS.d`` (or SRT's ``HH:MM:SS,mmm``).

    Example:
        >>> format_timestamp(62.25)
        '0:01:02.3'
    """
    if seconds < 0:
        raise ValueError(f"negative timestamp: {seconds}")
    if srt:
        ms = round(seconds * 1000)
        h, ms = divmod(ms, 3_600_000)
        m, ms = divmod(ms, 60_000)
        s, ms = divmod(ms, 1000)
        return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"
    # Rounded half up like SRT's milliseconds, so every format agrees (1.65 s is "0:00:01.7"; the
    # epsilon keeps a float such as 1.65 = 1.6499999… from rounding down).
    tenths = int(seconds * 10 + 0.5 + 1e-6)
    h, tenths = divmod(tenths, 36_000)
    m, tenths = divmod(tenths, 600)
    s, tenths = divmod(tenths, 10)
    return f"{h}:{m:02d}:{s:02d}.{tenths}"


_CLOCK = re.compile(r"(?<![\d:.])(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:\.(\d+))?(?![\d:])")
_SECONDS = re.compile(
    r"\b(?:(\d{1,4})\s*(?:mins?|minutes?)\b\s*(?:and|,)?\s*(\d{1,5}(?:\.\d+)?)\s*(?:s|secs?|seconds?)\b"
    r"|(\d{1,5}(?:\.\d+)?)\s*(?:s|secs?|seconds?)\b)", re.IGNORECASE)
""""2 minutes and 35 seconds", "2 min 35 s", "12 seconds", "4.5 s" (not "10 minutes": "the last 10
minutes" is a stretch, not a moment)."""


def clock_times(text: str) -> list[float]:
    """Every clock time in ``text`` (``2:10``, ``0:00:04.5``, ``1:02:03``), in seconds, in order."""
    return [int(h or 0) * 3600 + int(m) * 60 + int(s) + (float(f"0.{frac}") if frac else 0.0)
            for h, m, s, frac in _CLOCK.findall(text)]


def seconds_mentioned(text: str) -> list[float]:
    """Every ``N seconds``, ``N s`` and ``N minutes and M seconds`` in ``text``, in seconds, in order."""
    return [int(m) * 60 + float(s) if m else float(alone) for m, s, alone in _SECONDS.findall(text)]


_LINE_BREAKS = re.compile(r"\s*[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+\s*")
_MARKDOWN_MARKUP = re.compile(r"([\\`*_\[\]<&|~])")


ORDER_MARK = ("[⚠ an order to AI assistants: «", "»]")
"""Around each sentence that reads as an order to an AI assistant (`videochat_text.injection`) in the
descriptions users read (text, Markdown): kept, so the user sees what the video says, and marked, so
they know the prompt fences it (`videochat_text.prompt.ORDER_FENCE`)."""


def marked(text: str) -> str:
    """``text`` with its orders to AI assistants marked (`ORDER_MARK`)."""
    return mark_instructions(text, *ORDER_MARK)


def markdown_literal(text: str) -> str:
    """``text`` as one Markdown table cell that reads as itself: line breaks (which would end
    the row) become spaces, and the characters Markdown would take for markup (emphasis, code,
    links, HTML, entities, a cell's end) are escaped — a transcript's ``*`` or ``\\`` stays literal
    (tests/test_properties.py reads it back with markdown-it)."""
    return _MARKDOWN_MARKUP.sub(r"\\\1", _LINE_BREAKS.sub(" ", text))


class VideoInfo(BaseModel):
    """What probing a video file found."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    """The path as given (not resolved), so descriptions stay portable."""
    duration: float
    """Seconds, from the container or stream."""
    fps: float
    """Average frame rate; 29.97 stays 29.97."""
    width: int
    """Display width in pixels, after rotation."""
    height: int
    rotation: int = 0
    """Clockwise degrees the player must rotate the coded frames (0, 90, 180, 270)."""
    frame_count: int | None = None
    has_audio: bool = False
    has_video: bool = True
    """False for an audio file (m4a, mp3, wav, …): no picture; width, height and fps are 0,
    and only the modules that consume audio describe it."""
    size_bytes: int = 0
    started_at: float | None = None
    """A live stream (`videochat_text.live`): the wall-clock time (seconds since the epoch) of
    time 0; ``duration`` is how much of it is described so far. None for a file."""

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def is_live(self) -> bool:
        return self.started_at is not None


@dataclass(frozen=True)
class Frame:
    """One decoded, sampled frame. Images are RGB ``uint8`` arrays, ``(h, w, 3)``."""

    index: int
    """Frame number in the stream (for debugging only; use `time`)."""
    time: float
    """Seconds from the start of the video, from the frame's PTS."""
    image: np.ndarray


@dataclass(frozen=True)
class Media:
    """Everything a perception module may consume, decoded once per video."""

    info: VideoInfo
    frames: list[Frame]
    """Sampled frames with true timestamps (empty when no module wants frames)."""
    audio: np.ndarray | None
    """16 kHz mono float32 samples, or None when the video has no audio track."""
    sample_every_s: float
    """The sampling interval the frames were taken at."""
    start: float = 0.0
    """Where this stretch begins, in seconds: long videos are described a stretch at a time.
    ``audio[0]`` is at ``start``; frame times are always from the start of the video."""
    stop: float | None = None
    """Where this stretch ends (None: the end of the video)."""
    sampler: Callable[[float, int], Iterator[Frame]] | None = None
    """For modules that consume ``clips``: ``sampler(every_s, max_side)`` decodes this stretch's
    frames at a denser rate of their choosing, lazily (see `frames_every`)."""

    def frames_every(self, every_s: float, max_side: int) -> Iterator[Frame]:
        """This stretch's frames every ``every_s`` seconds, at most ``max_side`` pixels on the longer
        side, decoded by the pipeline as they are consumed (for modules that consume ``clips``)."""
        if self.sampler is None:
            raise ValueError("frames_every needs a module that declares consumes = {'clips'}")
        return self.sampler(every_s, max_side)

    @property
    def end(self) -> float:
        return self.info.duration if self.stop is None else self.stop

    @property
    def span(self) -> tuple[float, float]:
        return (self.start, self.end)


class Event(BaseModel):
    """One timestamped observation made by one module."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: float = Field(ge=0)
    """Seconds from the start of the video."""
    end: float = Field(ge=0)
    module: str
    """Registry name of the module that made it, e.g. ``"objects"``."""
    text: str
    """How the observation reads, e.g. ``2 people (left, center)``."""
    data: EventData = Field(default_factory=dict)
    """Structured results: a typed payload (`videochat_text.payloads`: detections with label,
    score and box in display pixels; a speech sentence's transcript, words and speaker; …), or a
    plugin's plain-JSON dict."""
    id: str = ""
    """Unique within its `Description` (``speech-3``: the module's third event in time order);
    given by the `Description` when a module leaves it empty. Prompts, retrieval and
    citations refer to events by it."""
    sources: tuple[str, ...] = ()
    """A timeline entry that stands for several events (merged repeats): their ids."""

    @property
    def ids(self) -> tuple[str, ...]:
        """The ids of the events this stands for: its ``sources``, or its own id."""
        return self.sources or ((self.id,) if self.id else ())

    @model_validator(mode="after")
    def _check_order(self) -> "Event":
        if self.end < self.start:
            raise ValueError(f"event ends ({self.end}) before it starts ({self.start})")
        return self

    @field_validator("data")
    @classmethod
    def _check_json(cls, data: EventData) -> EventData:
        # Plugins must hand over plain JSON values (no numpy scalars) so that a
        # description always round-trips through the cache unchanged.
        if isinstance(data, dict):
            try:
                json.dumps(data, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"event data must be plain JSON values: {exc}") from None
        return data

    @property
    def detections(self) -> tuple[Detection, ...]:
        """What it found in the picture (any module's `DetectionsData`), else none."""
        return self.data.detections if isinstance(self.data, DetectionsData) else ()

    @property
    def transcript(self) -> str | None:
        """What was said, for a speech sentence (`SpeechData`); else None."""
        return self.data.transcript if isinstance(self.data, SpeechData) else None

    @property
    def speaker(self) -> str | None:
        """Who said it (``S1``), for a speech sentence with a speaker label; else None."""
        return self.data.speaker if isinstance(self.data, SpeechData) else None

    def line(self, *, with_boxes: bool = True) -> str:
        """Render as ``[0:00:02.0–0:00:04.5] module: text``, boxes appended if any."""
        text = self.text
        boxes = boxes_text(self.detections) if with_boxes else ""
        if boxes:
            text = f"{text} — boxes: {boxes}"
        return f"[{format_timestamp(self.start)}–{format_timestamp(self.end)}] {self.module}: {text}"


class SummaryPiece(BaseModel):
    """The summary of one time window of a long video."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: float
    end: float
    text: str


class Summary(BaseModel):
    """A short general description of the whole video, and what wrote it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    source: str
    """The summarizer that produced it, e.g. ``merge`` or ``t5:/path/to/model``; a
    fallback says so, e.g. ``merge (fallback: t5 model … not available offline)``."""
    pieces: list[SummaryPiece] = Field(default_factory=list)
    """Per-window summaries when the video was summarized piecewise."""


class ModuleFailure(BaseModel):
    """A module that failed; the other modules' events are kept."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    module: str
    error: str


class ModuleRecord(BaseModel):
    """What a module that described the video could report, kept so that asking never re-creates it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    evidence: str | None = None
    """What its events are evidence of: ``seen``, ``pictured``, ``read``, ``heard`` or None
    (`videochat_text.modules.Evidence`)."""
    vocabulary: list[str] | None = None
    """Every label it can put in its events' `Event.detections` (None: open-ended or unknown)."""


class Description(BaseModel):
    """A described video: what the modules saw and heard, in time order."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    video: VideoInfo
    events: list[Event] = Field(default_factory=list)
    summary: Summary | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    """Seconds spent per stage: ``decode``, each module, ``summary``."""
    failures: list[ModuleFailure] = Field(default_factory=list)
    config: dict[str, Any] = Field(default_factory=dict)
    """The settings that produced it (secrets removed)."""
    modules: dict[str, ModuleRecord] = Field(default_factory=dict)
    """Each module that ran, with what its findings mean and its label set."""
    sample_every_s: float | None = None
    """The interval frames were sampled at (None: no frames were sampled)."""
    skipped: dict[str, str] = Field(default_factory=dict)
    """Modules asked for but not run, and why (frame modules on an audio file): not failures."""
    _by_id: dict[str, Event] | None = PrivateAttr(default=None)
    _memo: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def memo(self) -> dict[str, Any]:
        """What answering derives from this description once (entries, index, evidence), kept with
        it; shallow copies (the cache hands out copies) share it. Not part of the data."""
        return self._memo

    @field_validator("events")
    @classmethod
    def _sort_events(cls, events: list[Event]) -> list[Event]:
        return with_ids(sorted(events, key=lambda e: (e.start, e.end, e.module)))

    def event(self, event_id: str) -> Event | None:
        """The event with this id, or None."""
        if self._by_id is None or len(self._by_id) != len(self.events):
            self._by_id = {e.id: e for e in self.events}
        return self._by_id.get(event_id)

    # --- queries -----------------------------------------------------------------
    def by_module(self, module: str) -> list[Event]:
        return [e for e in self.events if e.module == module]

    def between(self, start: float, end: float) -> list[Event]:
        """Events that overlap the interval ``[start, end]``."""
        return [e for e in self.events if e.end >= start and e.start <= end]

    @property
    def event_modules(self) -> list[str]:
        """The modules that have events in it, sorted."""
        return sorted({e.module for e in self.events})

    # --- renderings --------------------------------------------------------------
    def header(self) -> str:
        v = self.video
        if v.started_at is not None:
            import time

            since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(v.started_at))
            what = f"{v.width}x{v.height}, {v.fps:.2f} fps, {'with' if v.has_audio else 'no'} audio" if v.has_video \
                else "sound only (no picture)"
            return (f"Live stream {v.name}: followed from {since} for {format_timestamp(v.duration)} (a time in "
                    f"the lines below counts from {since[11:]}), {what}")
        if not v.has_video:
            return f"Audio recording {v.name}: {format_timestamp(v.duration)} long, sound only (no picture)"
        audio = "with audio" if v.has_audio else "no audio"
        return (
            f"Video {v.name}: {format_timestamp(v.duration)} long, {v.width}x{v.height}, "
            f"{v.fps:.2f} fps, {audio}"
        )

    def to_text(self, *, with_boxes: bool = True) -> str:
        lines = [self.header(), ""]
        lines += [marked(e.line(with_boxes=with_boxes)) for e in self.events] or ["(no events)"]
        if self.summary:
            lines += ["", f"Summary ({self.summary.source}): {marked(self.summary.text)}"]
        if self.skipped:
            lines += [""] + [f"Module {name} not run: {why}" for name, why in self.skipped.items()]
        if self.failures:
            lines += [""] + [f"Module {f.module} failed: {f.error}" for f in self.failures]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        lines = [f"# {self.video.name}", "", self.header(), ""]
        if self.summary:
            lines += ["## Summary", "", markdown_literal(marked(self.summary.text)), "", f"*Source: {self.summary.source}*", ""]
        lines += ["## Events", "", "| start | end | module | text |", "|---|---|---|---|"]
        for e in self.events:
            text = markdown_literal(marked(e.line().split(": ", 1)[1]))
            lines.append(
                f"| {format_timestamp(e.start)} | {format_timestamp(e.end)} | {e.module} | {text} |"
            )
        if self.skipped:
            lines += ["", "## Modules not run", ""] + [f"- **{name}**: {why}" for name, why in self.skipped.items()]
        if self.failures:
            lines += ["", "## Failed modules", ""] + [f"- **{f.module}**: {f.error}" for f in self.failures]
        return "\n".join(lines) + "\n"

    def to_srt(self) -> str:
        blocks = []
        for n, e in enumerate(self.events, 1):
            end = max(e.end, e.start + 0.001)  # players drop zero-length cues
            blocks.append(
                f"{n}\n{format_timestamp(e.start, srt=True)} --> {format_timestamp(end, srt=True)}\n"
                f"{e.module}: {e.text}\n"
            )
        return "\n".join(blocks)

    def to_json(self, *, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    def named(self, name: str) -> "Description":
        """A copy that calls the video ``name`` instead of its path, for handing out (a download is
        titled by the video's name and carries no path of the machine that described it)."""
        failures = [f.model_copy(update={"error": f.error.replace(self.video.path, name)}) for f in self.failures]
        config = {key: value for key, value in self.config.items() if key != "cache"}  # where it was kept
        return self.model_copy(update={"video": self.video.model_copy(update={"path": name}), "failures": failures,
                                       "config": config})

    @classmethod
    def from_json(cls, text: str | bytes) -> "Description":
        return cls.model_validate_json(text)


def with_ids(events: list[Event]) -> list[Event]:
    """``events`` (in time order) with every missing id filled in as ``module-N``, N counting
    that module's events from 1; ids a module chose are kept. Ids must be unique."""
    counts: dict[str, int] = {}
    out, taken = [], {e.id for e in events if e.id}
    for event in events:
        if not event.id:
            n = counts.get(event.module, 0)
            while True:
                n += 1
                candidate = f"{event.module}-{n}"
                if candidate not in taken:
                    break
            counts[event.module] = n
            taken.add(candidate)
            event = event.model_copy(update={"id": candidate})
        out.append(event)
    if len(taken) != len(out):
        seen: set[str] = set()
        twice = next(e.id for e in out if e.id in seen or seen.add(e.id))
        raise ValueError(f"event id {twice!r} is used twice")
    return out


def merge_repeats(events: Iterable[Event], *, max_gap_s: float = 1.5) -> list[Event]:
    """Merge consecutive events of one module whose text repeats into one span.

    Per-frame detections repeat every sample; a reader (and a prompt) needs
    "0:00–0:08 one person (center)" once, not eight times. The first event's data
    is kept; ``sources`` lists the ids of the events the span stands for.
    """
    merged: list[Event] = []
    open_by_module: dict[str, int] = {}
    for event in sorted(events, key=lambda e: (e.start, e.end)):
        i = open_by_module.get(event.module)
        if i is not None:
            last = merged[i]
            if last.text == event.text and event.start - last.end <= max_gap_s:
                merged[i] = last.model_copy(
                    update={"end": max(last.end, event.end), "sources": (*last.ids, *event.ids)}
                )
                continue
        open_by_module[event.module] = len(merged)
        merged.append(event)
    return sorted(merged, key=lambda e: (e.start, e.end, e.module))


SUMMARY_MODULE = "summary"
"""Timeline entries that stand for a time window's summary rather than one module's event."""


def timeline_entries(description: Description) -> list[Event]:
    """What a prompt can show, one line each: merged events and window summaries, in time order.

    A window's summary comes before that window's events, so an overview of the
    whole video can survive trimming before any detail does.
    """
    entries = merge_repeats(description.events)
    if description.summary is not None:
        entries += [Event(start=p.start, end=p.end, module=SUMMARY_MODULE, text=p.text, id=f"{SUMMARY_MODULE}-{n}")
                    for n, p in enumerate(description.summary.pieces, 1)]
    return sorted(entries, key=lambda e: (e.start, e.module != SUMMARY_MODULE, e.end, e.module))
