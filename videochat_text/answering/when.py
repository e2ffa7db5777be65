""""When was X said / shown / read?" — answered with the times of the matching entries, never invented.

A question asks *when in the video* something happens when it asks for a moment
("when", "at what point", "what time in the video", "how far into the video") about
something said, shown, read or happening there. Which entries match is found by
retrieval over the timeline — words shared with the subject, then the embedding
index — not by a pattern per phrasing; the verb only narrows the kind of entry
(said → speech, shown → what is seen, read → text on screen). "When does the rocket
launch?" names no such verb: it asks about a fact in the video, and goes to the model, as
does a compound question ("When you see the bicycle, what colour is the car?", "At what point
does she talk about her mother, and why does she cry?": `questions.is_compound`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from ..timeline import SUMMARY_MODULE, Event
from .citations import content_words
from .questions import is_compound

_ASKS_A_MOMENT = re.compile(
    r"^\s*(?:and\s+)?(?:when|at\s+what\s+(?:point|time|moment|second|minute)|what\s+time\s+in\s+the\s+(?:video|clip)"
    r"|how\s+(?:far|long|many\s+(?:seconds|minutes))\s+into|how\s+soon|which\s+(?:moment|part|second|minute)"
    r"|in\s+which\s+(?:moment|part|second|minute)|at\s+which\s+(?:point|moment|time))\b", re.I)
_VERBS = {
    "said": r"sa(?:y|ys|id)|mention(?:s|ed)?|spoken|speak(?:s|ing)?|talk(?:s|ed|ing)?|told|tell(?:s)?|heard|hear"
            r"|announce(?:s|d)?|narrat\w*|bring(?:s)?\s+up|br(?:ought|ings)\s+up",
    "seen": r"seen|see|shown|show(?:s|n)?|appear(?:s|ed)?|visible|on\s+screen|come(?:s)?\s+into\s+view|show\s+up",
    "read": r"written|read|displayed|sign|caption",
    "any": r"happen(?:s|ed)?|occur(?:s|red)?|in\s+the\s+(?:video|clip)",
}
_STORY_TIME = re.compile(r"\b(?:will|shall|going\s+to|gonna|would)\b", re.I)
""""When will they see each other?" asks when something happens in the story (Monday), not in the video."""
_KIND_ROLES = {"said": ("heard",), "seen": ("seen", "pictured"), "read": ("read",)}
_FILLER = re.compile(
    r"\b(?:when|what|time|point|moment|second|minute|how|far|long|soon|into|which|part|the|video|clip|in|at|is|are"
    r"|was|were|does|do|did|someone|somebody|anyone|speaker|narrator|person|people|we|you|they|he|she|first|get|gets"
    r"|about|there|a|an|it|of)\b", re.I)


@dataclass(frozen=True)
class WhenQuestion:
    kind: str
    """``said``, ``seen``, ``read`` or ``any``."""
    subject: str
    """What it asks about, the rest of the question (``the password``)."""


def parse_when(question: str) -> WhenQuestion | None:
    """A single question asking when in the video something is said, shown, read or happens; else None."""
    if is_compound(question) or _STORY_TIME.search(question):
        return None
    text = question.strip().rstrip("?!. ")
    if not _ASKS_A_MOMENT.search(text):
        return None
    for kind, verbs in _VERBS.items():
        match = re.search(rf"\b(?:{verbs})\b", text, re.I)
        if match:
            # What is said comes after the verb, who says it before: "When does the guide mention the
            # weather?" is about the weather (the guide's name line answered it too); with nothing
            # after the verb, the subject is before it ("When is the password mentioned?").
            after, before = _subject(text[match.end():]), _subject(_ASKS_A_MOMENT.sub(" ", text[: match.start()], count=1))
            subject = after if kind in ("said", "read") and after else " ".join(filter(None, (before, after)))
            return WhenQuestion(kind, subject) if subject else None
    return None


def _subject(words: str) -> str:
    for verbs in _VERBS.values():
        words = re.sub(rf"\b(?:{verbs})\b", " ", words, flags=re.I)
    return " ".join(_FILLER.sub(" ", words).split())


def find_moments(question: WhenQuestion, entries: Sequence[Event], roles: Mapping[str, str | None], *,
                 nearest: Sequence[int] = (), limit: int = 3) -> list[int]:
    """The entries where the subject is said/shown/read, earliest first.

    Entries sharing the most of the subject's words win; without any, the entry nearest
    in meaning (``nearest``, from the embedding index) of the right kind, if any.
    """
    wanted_roles = _KIND_ROLES.get(question.kind)
    usable = [i for i, e in enumerate(entries) if e.module != SUMMARY_MODULE
              and (wanted_roles is None or roles.get(e.module) in wanted_roles)]
    words = content_words(question.subject)
    if not words:
        return []
    overlap = {i: len(words & content_words(entries[i].text)) for i in usable}
    best = max(overlap.values(), default=0)
    if best and best >= max(1, len(words) // 2):
        return sorted(i for i, n in overlap.items() if n == best)[:limit]
    allowed = set(usable)
    close = [i for i in nearest[:2] if i in allowed]
    return sorted(close[:1])
