"""Summarizers: events → a short general description of the whole video.

The slot is meant for T5; this module holds the interface and the deterministic
``merge`` summarizer, which always works and keeps the prompt supplied with a
summary when no model is available.
"""

from __future__ import annotations

from collections import Counter
from typing import Protocol, Sequence

from .config import SummarySettings
from .errors import ConfigError
from .timeline import Event, Summary, VideoInfo, format_timestamp, merge_repeats


class Summarizer(Protocol):
    name: str

    def summarize(self, events: Sequence[Event], info: VideoInfo) -> Summary: ...


class MergeSummarizer:
    """Merge repeated events, then name what was said and what was seen, in order."""

    name = "merge"

    def __init__(self, max_items: int = 8):
        self.max_items = max_items

    def summarize(self, events: Sequence[Event], info: VideoInfo) -> Summary:
        merged = merge_repeats(events)
        seconds = f"{info.duration:.0f}" if info.duration >= 10 else f"{info.duration:.1f}"
        parts = [f"A {seconds}-second video"]
        speech = [e for e in merged if e.module == "speech"]
        if speech:
            said = " ".join(e.data.get("transcript", e.text) for e in speech[: self.max_items])
            more = f" (and {len(speech) - self.max_items} more lines)" if len(speech) > self.max_items else ""
            parts.append(f'in which someone says: "{said}"{more}')
        seen = _first_seen([e for e in events if e.data.get("detections")])
        if seen:
            names = [f"{label} (from {format_timestamp(t)})" for label, t in seen[: self.max_items]]
            parts.append("showing " + ", ".join(names))
        others = Counter(e.module for e in merged if e.module != "speech" and not e.data.get("detections"))
        if others:
            parts.append("with " + ", ".join(f"{n} {m} events" for m, n in sorted(others.items())))
        if len(parts) == 1:
            parts.append("in which the modules observed nothing")
        return Summary(text=", ".join(parts) + ".", source=self.name)


def _first_seen(events: Sequence[Event]) -> list[tuple[str, float]]:
    """Each detected label with the time it first appears, in order of appearance."""
    first: dict[str, float] = {}
    for event in sorted(events, key=lambda e: e.start):
        for d in event.data["detections"]:
            first.setdefault(d["label"], event.start)
    return sorted(first.items(), key=lambda kv: kv[1])


def make_summarizer(settings: SummarySettings) -> Summarizer:
    if settings.backend == "merge":
        return MergeSummarizer(settings.max_items)
    raise ConfigError(f"summary.backend {settings.backend!r} is not available; use: merge")
