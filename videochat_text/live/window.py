"""The stretch of a live stream a question is about: "in the last 10 minutes", "just now", "since 10:15".

A question about a live stream usually means *recently*. When it names a stretch of time, the
answer is made from that stretch only (the model sees nothing else, and the header says which
stretch it is); otherwise from everything described so far. Clock times are read as the wall
clock ("since 10:15" is a quarter past ten today) when they fall while the stream was watched,
and as stream times (``0:05:00``) otherwise. The window is found by these patterns, not by the
model: the small local model cannot be trusted with clock arithmetic.

Example:
    >>> question_window("what did the speaker just say?", info).label
    'just say: the last 60 s (10:44:10–10:45:10)'
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Tuple

from ..timeline import Description, VideoInfo

JUST_NOW_S = 60.0
""""Just now", "a moment ago", "right now": the last minute described."""
AROUND_S = 60.0
""""At 10:15" / "around 10:15": this long either side."""

_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
            "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
            "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90, "few": 3, "couple": 2,
            "couple of": 2, "several": 5}
_UNIT_S = {"sec": 1, "second": 1, "min": 60, "minute": 60, "hr": 3600, "hour": 3600}
_AMOUNT = r"(?P<n>\d+(?:\.\d+)?|half\s+an?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen" \
          r"|twenty|thirty|forty(?:-five)?|fifty|sixty|ninety|few|couple(?:\s+of)?|several)"
_UNIT = r"(?P<unit>secs?|seconds?|mins?|minutes?|hrs?|hours?)"
_LAST = re.compile(rf"\bthe\s+(?:last|past|previous|latest)\s+(?:{_AMOUNT}\s+)?{_UNIT}\b", re.I)
_AGO = re.compile(rf"\b{_AMOUNT}\s+{_UNIT}\s+ago\b", re.I)
_JUST = re.compile(r"\bjust\s+now\b|\bright\s+now\b|\bjust\s+(?:happened|said|say|says|did|saw|seen|showed|shown"
                   r"|came|went|left|arrived|appeared|mentioned|heard)\b|\b(?:a|one)\s+moment\s+ago\b"
                   r"|\bmoments\s+ago\b|\bat\s+the\s+moment\b|\bcurrently\b|\b(?:happening|going\s+on|on\s+screen)\s+now\b"
                   r"|\bnow\s*\??\s*$", re.I)
_TIME = r"\d{1,2}(?::\d{2}){1,2}(?:\s*[ap]\.?m\b\.?)?|\d{1,2}\s*[ap]\.?m\b\.?"
_BETWEEN = re.compile(rf"\bbetween\s+(?P<a>{_TIME})\s+and\s+(?P<b>{_TIME})", re.I)
_SINCE = re.compile(rf"\b(?:since|after|from)\s+(?P<a>{_TIME})(?:\s*(?:to|until|till|-|–)\s*(?P<b>{_TIME}))?", re.I)
_BEFORE = re.compile(rf"\b(?:before|until|till)\s+(?P<b>{_TIME})", re.I)
_AT = re.compile(rf"\b(?:at|around|about)\s+(?P<a>{_TIME})", re.I)


@dataclass(frozen=True)
class Window:
    """A stretch of a live stream's timeline, and how to say which."""

    start: float
    end: float
    label: str
    """What the question asked for and the wall-clock times it means, e.g. ``the last 5 minutes (10:40:10–10:45:10)``."""


class LiveWindow(Description):
    """A live stream's description cut to the window a question is about."""

    window: str = ""

    def header(self) -> str:
        return (f"{super().header()}. This question is about {self.window}: only what was described then is "
                "below (nothing outside it).")


def wall_clock(info: VideoInfo, seconds: float, *, with_date: bool = False) -> str:
    """The wall-clock time of stream time ``seconds`` (``10:21:05``)."""
    assert info.started_at is not None
    return time.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S", time.localtime(info.started_at + seconds))


def question_window(question: str, info: VideoInfo) -> Window | None:
    """The stretch of the stream ``question`` asks about, or None (everything described so far).

    ``info.duration`` is the latest moment described: "now" for the question.
    """
    now = info.duration
    for finder in (_between, _since, _before, _last, _ago, _at, _just):
        found = finder(question, info, now)
        if found is not None:
            start, end, said = found
            start, end = max(0.0, min(start, now)), max(0.0, min(end, now))
            if info.started_at is None:
                return Window(start, end, said)
            return Window(start, end, f"{said} ({wall_clock(info, start)}–{wall_clock(info, end)})")
    return None


def windowed(description: Description, window: Window) -> LiveWindow:
    """``description`` with only the events in ``window``, its header saying so."""
    events = [e for e in description.events if e.end >= window.start and e.start <= window.end]
    head = description.model_dump(exclude={"events"})
    return LiveWindow.model_validate({**head, "events": events, "window": window.label})


# --- the phrasings ----------------------------------------------------------------------------
Found = Optional[Tuple[float, float, str]]
"""``(start, end, what the question said)``."""


def _seconds(match: re.Match[str]) -> float:
    amount = (match.group("n") or "1").lower()
    amount = re.sub(r"\s+", " ", amount)
    if amount.startswith("half"):
        n = 0.5
    else:
        n = float(amount) if amount[0].isdigit() else float(_NUMBERS.get(amount, 1))
    unit = match.group("unit").lower().rstrip("s")
    return n * _UNIT_S[unit]


def _last(question: str, info: VideoInfo, now: float) -> Found:
    match = _LAST.search(question)
    if match is None:
        return None
    span = _seconds(match)
    return now - span, now, match.group(0).lower()


def _ago(question: str, info: VideoInfo, now: float) -> Found:
    match = _AGO.search(question)
    if match is None:
        return None
    back = _seconds(match)
    margin = max(30.0, back / 4)
    return now - back - margin, now - back + margin, match.group(0).lower()


def _just(question: str, info: VideoInfo, now: float) -> Found:
    match = _JUST.search(question)
    if match is None:
        return None
    return now - JUST_NOW_S, now, f"{match.group(0).lower().strip(' ?')}: the last {JUST_NOW_S:g} s"


def _between(question: str, info: VideoInfo, now: float) -> Found:
    match = _BETWEEN.search(question)
    if match is None:
        return None
    a, b = _moment(match.group("a"), info), _moment(match.group("b"), info)
    if a is None or b is None:
        return None
    return min(a, b), max(a, b), match.group(0).lower()


def _since(question: str, info: VideoInfo, now: float) -> Found:
    match = _SINCE.search(question)
    if match is None:
        return None
    a = _moment(match.group("a"), info)
    b = _moment(match.group("b"), info) if match.group("b") else now
    if a is None or b is None:
        return None
    return a, b, match.group(0).lower()


def _before(question: str, info: VideoInfo, now: float) -> Found:
    match = _BEFORE.search(question)
    if match is None:
        return None
    b = _moment(match.group("b"), info)
    return None if b is None else (0.0, b, match.group(0).lower())


def _at(question: str, info: VideoInfo, now: float) -> Found:
    match = _AT.search(question)
    if match is None:
        return None
    a = _moment(match.group("a"), info)
    return None if a is None else (a - AROUND_S, a + AROUND_S, match.group(0).lower())


def _moment(text: str, info: VideoInfo) -> float | None:
    """Stream seconds of a clock time: the wall clock (within 12 hours before the watch began: its
    start), or a stream time written from zero hours (``0:05:00``), or one that cannot be a wall time."""
    parts = re.match(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap])?", text.strip(), re.I)
    if parts is None:
        return None
    h, m, s = int(parts.group(1)), int(parts.group(2) or 0), int(parts.group(3) or 0)
    meridiem = (parts.group(4) or "").lower()
    wall = None
    if info.started_at is not None and h < 24 and m < 60 and s < 60:
        at = _latest_wall(h, m, s, meridiem, info.started_at + info.duration)
        wall = None if at is None else at - info.started_at
    stream = None
    if not meridiem:
        seconds = h * 60 + m if parts.group(3) is None else h * 3600 + m * 60 + s  # "5:30": 5 min 30 s in
        stream = float(seconds) if seconds <= info.duration + 60 else None
    if stream is not None and parts.group(3) is not None and h == 0:  # "at 0:05:00": a time in the stream
        return stream
    if wall is not None and wall >= -12 * 3600:  # the wall clock (before the watch began: from its start)
        return wall
    return stream


def _latest_wall(h: int, m: int, s: int, meridiem: str, now: float) -> float | None:
    """The latest time at or before ``now`` whose clock reads ``h:m:s`` (am/pm as said, else either)."""
    hours = [h % 12 + (12 if meridiem == "p" else 0)] if meridiem else ([h] if h > 12 or h == 0 else [h, h + 12])
    latest = datetime.fromtimestamp(now)
    found = []
    for hour in hours:
        if hour > 23:
            continue
        moment = latest.replace(hour=hour, minute=m, second=s, microsecond=0)
        if moment.timestamp() > now + 60:  # later today than now: yesterday's
            moment -= timedelta(days=1)
        found.append(moment.timestamp())
    return max(found) if found else None
