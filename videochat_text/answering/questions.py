"""What shape a question has, before any rule may touch it: one question, or several in one.

"When you see the bicycle, what colour is the car?" starts with "when" but asks a colour;
"At what point does she talk about her mother, and why does she cry?" asks a moment and a
reason. A rule that answers only the first part drops the second, so the answer checks and
the "when" answers leave compound questions to the model (`is_compound`), which is asked one
part at a time (`split_question`): a small model asked both at once answered the first only.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from ..timeline import format_timestamp
from .facts import numbers_in

ASKS_WHO = re.compile(r"^\W*(?:(?:and|so|then)\W+)?(?:who|whom|whose)\b", re.I)
"""A question asking who ("Who has a son?", "And whose dog is it?"): a name answers it."""

_WH = r"(?:what|why|who|whom|whose|where|which|how|when)"
_AUX = r"(?:is|are|was|were|does|do|did|can|could|would|will|should|has|have|had)"
_CLAUSE_BREAK = re.compile(rf"[,;:]\s*(?:(?:and|but|or|then|so)\s+)?(?:{_WH}|{_AUX})\b", re.I)
"""", what colour …", ", and why …", "; is it …": a second question after a clause boundary (when the
part before it is a question or a "when …" clause itself: "At 12 s, what is said?" is one question)."""
_ASKS = re.compile(rf"^\s*(?:{_WH}|{_AUX})\b", re.I)
ASKS_YES_OR_NO = re.compile(rf"^\W*(?:(?:and|so)\W+)?(?:{_AUX}|must|may)\b", re.I)
"""A question a yes or a no answers ("Are pets allowed?", "And can I park here?")."""
_JOINED = re.compile(rf"\b(?:and|but|or|also)\s+(?:{_WH})\b", re.I)
""""… and why does she cry": a second question joined by a conjunction."""
_INNER_QUESTION = re.compile(rf"(?<!^)\b(?:what|why|who|where|which|how)\s+(?:{_AUX}|colou?r|kind|many|much|old)\b",
                             re.I)
""""When the horse appears what does the narrator say": a question word with its verb inside
the sentence ("… say what the password is" is a relative clause and does not match)."""


_LEAD = re.compile(r"^\s*(?:(?:and|so|also|then|ok|okay|now|well|hi|hello|hey|please)\b[\s,]*)*"
                   r"(?:(?:at|around|in|on|after|before|during|near)\b[^,?]{1,30},\s*)?", re.I)
"""What may stand before the question itself: "And", "Hi,", "At 12 s,"."""


def is_compound(question: str) -> bool:
    """Whether ``question`` asks more than one thing (then no rule answers it alone).

    Example:
        >>> is_compound("When you see the bicycle, what color is the car?")
        True
        >>> is_compound("When does the speaker say what the password is?")
        False
    """
    text = question.strip()
    if len([part for part in re.split(r"[?？]", text) if part.strip()]) > 1:
        return True
    body = _LEAD.sub("", text)
    second = _CLAUSE_BREAK.search(body)
    if second and _ASKS.match(body[: second.start()]):
        return True
    return bool(_JOINED.search(body) or _INNER_QUESTION.search(body))


MAX_PARTS = 3
"""A question splits into at most this many parts; one that would split into more is asked whole."""
_WHEN_CLAUSE = re.compile(rf"^\s*when\s+(?!{_AUX}\b)", re.I)
""""When you see …": a time clause, not a question about a time ("When does …", "When is …")."""
_LAST_THING = re.compile(r"\b(?:a|an|the|any|some)\s+((?:[a-z]+\s+)?[a-z]+)$", re.I)
_IT = re.compile(r"\bit\b", re.I)
_OPENING_CONJUNCTION = re.compile(r"^(?:and|but|or|then|so|also)\b[\s,]*", re.I)


def split_question(question: str) -> list[str]:
    """The questions ``question`` asks, in order, each a sentence of its own; ``[question]`` when it
    asks one thing, or when its parts cannot be told apart (a question inside a "when …" clause).

    Example:
        >>> split_question("Which video mentions a password, and what is it?")
        ['Which video mentions a password?', 'What is the password?']
        >>> split_question("At what point does she talk about her mother and why does she cry?")
        ['At what point does she talk about her mother?', 'Why does she cry?']
    """
    text = question.strip()
    if not is_compound(text):
        return [text]
    marks = re.findall(r"[^?？]+[?？]?", text)
    if len([m for m in marks if m.strip()]) > 1:  # several sentences: each question, with what follows it
        parts: list[str] = []
        for piece in (m.strip() for m in marks if m.strip()):
            if parts and not piece.endswith(("?", "？")):
                parts[-1] = f"{parts[-1]} {piece}"  # "Say it." belongs to the question before it
            else:
                parts.append(piece)
    else:
        parts = _split_one(text)
    parts = [_sentence(p) for p in parts if p.strip(" ,;:?？")]
    if not 1 < len(parts) <= MAX_PARTS:
        return [text]
    return parts[:1] + [_named(part, parts[0]) for part in parts[1:]]


def _named(part: str, first: str) -> str:
    """``part`` with "it" standing for the thing the first part ends on, so it can be asked alone
    ("What is it?" after "Which video mentions a password?" → "What is the password?")."""
    thing = _LAST_THING.search(first.rstrip("?？.! "))
    asked = re.match(r"[^?？]*[?？]?", part).group()  # the question, not a sentence after it ("Say it.")
    if thing is None or not _IT.search(asked):
        return part
    return _IT.sub(f"the {thing.group(1)}", asked, count=1) + part[len(asked):]


def _split_one(text: str) -> list[str]:
    """One sentence asking two things: split at the clause break or the joining conjunction."""
    lead = _LEAD.match(text)
    offset = lead.end() if lead else 0
    body = text[offset:]
    second = _CLAUSE_BREAK.search(body)
    if second and _ASKS.match(body[: second.start()]):
        if _WHEN_CLAUSE.match(body):  # "When you see the bicycle, what colour is the car?": one question
            return [text]
        cut = offset + second.start()
        return [text[:cut], text[cut + 1:]]
    joined = _JOINED.search(body)
    if joined:
        cut = offset + joined.start()
        return [text[:cut], text[cut:]]
    return [text]


def _sentence(part: str) -> str:
    part = _OPENING_CONJUNCTION.sub("", part.strip(" ,;:"))
    part = part[:1].upper() + part[1:]
    return part if part.endswith(("?", "？", ".", "!")) else part.rstrip() + "?"


_RELATIVE = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|then)\W+)?(?:what\s+about|how\s+about|and|what\s+(?:is|was)\s+said)?\s*"
    r"(?P<amount>(?:a\s+)?[\w.]+(?:[\s-]+\w+)?)\s+(?P<unit>seconds?|secs?|s|minutes?|mins?)\s+"
    r"(?P<way>later|after(?:wards?)?|on|earlier|before)\W*$", re.I)
""""And what about fifteen seconds later?", "How about 10 s before?", "30 seconds later?"."""


_TIME = re.compile(r"(?<![\d:.])(?:\d{1,2}:)?\d{1,2}:\d{2}(?:\.\d+)?(?![\d:])"
                   r"|\b\d{1,4}\s*(?:mins?|minutes?)\s*(?:and|,)?\s*\d{1,5}(?:\.\d+)?\s*(?:s|secs?|seconds?)\b"
                   r"|\b\d{1,5}(?:\.\d+)?\s*(?:s|secs?|seconds?)\b", re.I)
"""A video time in a question: ``0:50``, ``0:00:04.5``, ``2 minutes and 35 seconds``, ``12 s``."""


def with_time_resolved(question: str, earlier: Sequence[str], seconds: Callable[[str], list[float]]) -> str:
    """A follow-up that names a time relative to the question before it, asked as that question at
    the new time: "And what about fifteen seconds later?" after "What is said at 0:50?" → "What
    is said at 0:01:05.0?". ``seconds``: the times a text names, in seconds. Otherwise ``question``."""
    found = _RELATIVE.match(question.strip())
    named = _TIME.search(earlier[-1]) if found and earlier else None
    if not found or not named or not seconds(named.group()):
        return question
    amount = numbers_in(found.group("amount")) or ({1.0} if found.group("amount").lower() in ("a", "one") else set())
    if len(amount) != 1:
        return question
    shift = amount.pop() * (60 if found.group("unit").lower().startswith("m") else 1)
    sign = -1 if found.group("way").lower() in ("earlier", "before") else 1
    at = format_timestamp(max(0.0, seconds(named.group())[0] + sign * shift))
    return earlier[-1][:named.start()] + at + earlier[-1][named.end():]
