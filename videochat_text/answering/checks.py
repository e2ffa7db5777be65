"""Answer checks: answers to "is there a X?", "when is X seen?" and "what is said at T?" checked
against the timeline.

A small chat model reads "1 horse (center)" in the description and still answers
"No, there is no horse", answers "when is the horse shown?" with the time
something was said, or "what is said at 0:06?" with its own instructions. These
kinds of question — *is there a X?*, *when is the X seen?*, *what is said at T?* —
have an answer in the timeline itself: the labelled detections
(`Event.detections`), the captions and the transcript. `Evidence` indexes
them once per description; `check_answer` keeps the model's answer when it
agrees with them and otherwise answers from them, with the times.

A "no" is only given for labels a module that ran could have reported (its
`PerceptionModule.vocabulary`): a detector that knows no "tree" says nothing
about trees, and then the model's answer stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from ..detections import singular as _singular
from ..timeline import Description, Event, clock_times, format_timestamp, seconds_mentioned
from .language import phrase

_DEFAULT_ROLES = {"objects": "seen", "captions": "pictured", "tags": "pictured", "speech": "heard", "ocr": "read"}
"""What the built-in modules' events are evidence of, for descriptions that do not record it."""

SYNONYMS: Mapping[str, str] = {
    "people": "person", "persons": "person", "man": "person", "men": "person", "woman": "person",
    "women": "person", "human": "person", "humans": "person", "someone": "person", "somebody": "person",
    "child": "person", "children": "person", "kid": "person", "kids": "person", "boy": "person",
    "girl": "person", "mug": "cup", "mugs": "cup", "motorbike": "motorcycle", "motorbikes": "motorcycle",
    "bike": "bicycle", "bikes": "bicycle", "kitten": "cat", "kitty": "cat", "puppy": "dog",
    "automobile": "car", "plane": "airplane", "aeroplane": "airplane", "television": "tv",
    "phone": "cell phone", "cellphone": "cell phone", "mobile phone": "cell phone", "sofa": "couch",
    "table": "dining table", "doughnut": "donut", "ball": "sports ball", "wine": "wine glass",
}
"""Everyday words for COCO's label names (the detectors' vocabulary). Only words that mean the same
thing: "glasses" (spectacles) are not a wine glass."""

AMBIGUOUS = frozenset({"mouse", "remote", "tie", "keyboard", "bat", "glove", "kite", "orange", "apple", "mice",
                       "bow", "plant", "bench", "tv"})
"""Labels whose everyday meaning differs from the detector's (COCO's mouse is a computer mouse): not
finding one says nothing about the animal, so no "no" is claimed for them."""
MAX_SAMPLING_FOR_NO_S = 3.0
"""A "no" is only claimed when frames were sampled at least this often: sparser sampling can miss
something on screen for seconds."""

_THING = r"(?:(?:an?|any|some|the)\s+)?(?P<thing>[a-z][a-z -]{1,40}?)"
_WHERE = r"(?:\s+(?:in|on|inside)\s+(?:the|this)\s+(?:video|clip|footage|scene|picture|frames?))?"
_PRESENCE = [
    re.compile(rf"^(?:is|are|was|were)\s+there\s+{_THING}{_WHERE}$"),
    re.compile(rf"^any\s+(?P<thing>[a-z][a-z -]{{1,40}}?){_WHERE}$"),
    re.compile(rf"^(?:does|did)\s+(?:the|this)\s+(?:video|clip|footage)\s+(?:show|contain|have|include|feature)\s+{_THING}$"),
    re.compile(rf"^(?:do|can|did)\s+(?:you|we|i)\s+see\s+{_THING}{_WHERE}$"),
    re.compile(rf"^(?:is|are)\s+{_THING}\s+(?:shown|visible|seen|present|in\s+the\s+(?:video|clip|picture))$"),
]
_WHEN = [
    re.compile(rf"^when\s+(?:is|are|was|were)\s+{_THING}\s+(?:shown|visible|seen|on\s+screen|in\s+the\s+(?:video|picture))$"),
    re.compile(rf"^when\s+(?:does|do|did)\s+{_THING}\s+(?:appear|show\s+up|come\s+(?:up|into\s+view))$"),
    re.compile(rf"^when\s+(?:do|did|can)\s+(?:we|you|i)\s+see\s+{_THING}$"),
    re.compile(rf"^(?:at\s+)?what\s+time\s+(?:is|are|does|do)\s+{_THING}\s+(?:shown|visible|seen|appear)$"),
]
_SAID_AT = [
    re.compile(r"^what(?:\s+(?:is|was|gets|got)|'s|’s)\s+(?:said|spoken|heard|told)\s+(?:at|around|near)\s+(?P<time>[\w:. ]+)$"),
    re.compile(r"^what\s+(?:does|did|do)\s+(?:he|she|they|someone|somebody|anyone|the\s+\w+)\s+say\s+(?:at|around|near)\s+(?P<time>[\w:. ]+)$"),
    re.compile(r"^(?:at|around)\s+(?P<time>[\d:.]+(?:\s*s(?:ec\w*)?)?),?\s+what\s+(?:is|was)\s+(?:said|spoken)$"),
]
_NEAR_S = 1.5
"""How far from the asked time a spoken line may be and still be what was said "at" it."""
_RELATION = frozenset(
    "on in at with near under over behind beside inside next to of that which who doing holding wearing and or".split())
_LEAD = re.compile(r"^(?:and|so|also|then|ok|okay|now|well)\b[\s,]*")
_NEGATIVE = re.compile(r"\b(?:no|not|none|never|nothing|neither|nor|cannot|without)\b|n't\b|没有|不|\bno\b")
_NOT_NEGATIVE = re.compile(r"\bno\s+doubt\b|\bnot\s+only\b|\bwithout\s+(?:a\s+)?doubt\b|\bno\s+question\b", re.I)
_NEGATED_MENTION = r"\b(?:no|without|not\s+a|not\s+any|lacks?|lacking)\s+(?:a\s+|an\s+|any\s+)?(?:\w+\s+)?"
"""What stands before a word that a caption says is *not* there ("a man without a hat")."""


@dataclass(frozen=True)
class Question:
    """A question the timeline answers: ``kind`` is ``presence``, ``when`` or ``said_at``."""

    kind: str
    thing: str = ""
    """The thing asked about, as the detectors name it (``people`` → ``person``)."""
    words: tuple[str, ...] = ()
    """The forms to look for in captions (as asked, singular, the label)."""
    time: float | None = None
    """``said_at``: the time asked about, in seconds."""


def parse_question(question: str) -> Question | None:
    """Recognise "is there a X?", "when is the X shown?" and "what is said at T?".

    Example:
        >>> parse_question("Are there any people in the video?")
        Question(kind='presence', thing='person', words=('people', 'person'))
    """
    text = _LEAD.sub("", question.strip().lower().rstrip("?!. ")).strip()
    for pattern in _SAID_AT:
        match = pattern.match(text)
        times = answer_times(match.group("time")) if match else []
        if times:
            return Question("said_at", time=times[0])
    for kind, patterns in (("presence", _PRESENCE), ("when", _WHEN)):
        for pattern in patterns:
            match = pattern.match(text)
            if match:
                asked = match.group("thing").strip()
                if len(asked.split()) > 3 or _RELATION.intersection(asked.split()):
                    return None  # "a cat on the table": more than a label can say
                thing = label_for(asked)
                words = tuple(dict.fromkeys([asked, singular(asked), thing]))
                return Question(kind, thing, words)
    return None


def singular(word: str) -> str:
    """A naive singular that is right for the detectors' labels (``buses`` → ``bus``)."""
    return word if word in SYNONYMS else _singular(word)


def label_for(word: str) -> str:
    word = re.sub(r"\s+", " ", word)
    return SYNONYMS.get(word) or SYNONYMS.get(singular(word)) or singular(word)


@dataclass(frozen=True)
class Sighting:
    start: float
    end: float
    modules: tuple[str, ...]
    """The modules that saw it (more than one once sightings are merged)."""


class Evidence:
    """Where each label was seen (detections, captions) and what was said when, for one description."""

    def __init__(self, events: Iterable[Event], vocabulary: Iterable[str] = (), *, max_gap_s: float = 1.5,
                 roles: Mapping[str, str | None] | None = None, sample_every_s: float | None = 1.0):
        """
        Args:
            vocabulary: every label a module that ran could have reported; a label in it
                that was never seen is a "no".
            max_gap_s: sightings of one label this close together are one span.
            sample_every_s: how often frames were sampled; too sparse, and no "no" is claimed.
            roles: what each module's events are evidence of (`Description.modules`):
                ``seen``/``pictured`` labels and ``pictured`` text are sightings, ``heard`` is
                what was said; default: the built-in modules' roles.
        """
        roles = dict(_DEFAULT_ROLES if roles is None else roles)
        self._by_label: dict[str, list[Sighting]] = {}
        self._captions: list[Event] = []
        self._speech: list[Event] = []
        self.vocabulary = frozenset(v.lower() for v in vocabulary)
        self.sample_every_s = sample_every_s
        self._max_gap_s = max_gap_s
        for event in events:
            role = roles.get(event.module)
            if role in ("seen", "pictured"):
                labels = {d.label.lower() for d in event.detections}
                for label in labels - {""}:
                    self._by_label.setdefault(label, []).append(Sighting(event.start, event.end, (event.module,)))
            if role == "pictured":
                self._captions.append(event)
            elif role == "heard":
                self._speech.append(event)

    @classmethod
    def of(cls, description: Description) -> "Evidence":
        """The evidence in a description, with the label sets its modules recorded when it was made."""
        vocabulary = {label for record in description.modules.values() for label in record.vocabulary or ()}
        failed = {f.module for f in description.failures}
        if failed & set(description.modules):  # a module that failed saw nothing: no "no" answers from it
            vocabulary = {label for name, record in description.modules.items() if name not in failed
                          for label in record.vocabulary or ()}
        roles = {name: record.evidence for name, record in description.modules.items()}
        return cls(description.events, vocabulary, roles=roles or None, sample_every_s=description.sample_every_s)

    def said_near(self, time: float) -> list[Event]:
        """The spoken lines within `_NEAR_S` of ``time``."""
        return [e for e in self._speech if e.start - _NEAR_S <= time <= e.end + _NEAR_S]

    def find(self, question: Question) -> list[Sighting]:
        """The spans where the thing asked about was seen, merged, in time order."""
        found = list(self._by_label.get(question.thing, []))
        found += [Sighting(e.start, e.end, (e.module,)) for e in self._captions
                  if any(_mentions(e.text, w) for w in question.words)]
        return _merge(sorted(found, key=lambda s: (s.start, s.end)), self._max_gap_s)

    def knows(self, question: Question) -> bool:
        """Whether a module that ran could have reported the thing (so not seeing it means no):
        it is in a label set, means the same as the label, and frames were sampled densely."""
        dense = self.sample_every_s is not None and self.sample_every_s <= MAX_SAMPLING_FOR_NO_S
        return dense and question.thing in self.vocabulary and not AMBIGUOUS.intersection(question.words)

    @property
    def labels(self) -> list[str]:
        return sorted(self._by_label)

    # --- the answer check a `ChatSession` runs ----------------------------------------------
    def applies(self, question: str) -> bool:
        return parse_question(question) is not None

    def review(self, question: str, answer: str, language: str = "en") -> str | None:
        return check_answer(question, answer, self, language)


def _merge(sightings: list[Sighting], max_gap_s: float) -> list[Sighting]:
    merged: list[Sighting] = []
    for s in sightings:
        if merged and s.start - merged[-1].end <= max_gap_s:
            last = merged[-1]
            merged[-1] = Sighting(last.start, max(last.end, s.end), _union(last.modules, s.modules))
        else:
            merged.append(s)
    return merged


def _union(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m for group in groups for m in group))


def answer_polarity(answer: str) -> bool | None:
    """True for a yes, False for a no, None when the answer says neither clearly."""
    first = re.split(r"(?<=[.!?。！？])\s*", answer.strip().lower(), maxsplit=1)[0]
    if re.match(r"^\W*(?:yes|sí|si)\b", first) or re.match(r"^\W*(?:是|有|对)", first):
        return True
    first = _NOT_NEGATIVE.sub(" ", first)
    if re.match(r"^\W*no\b", first) or _NEGATIVE.search(first):
        return False
    return None


def answer_times(answer: str) -> list[float]:
    """Every time an answer names, in seconds (``0:00:04.5``, ``0:04``, ``4 seconds``)."""
    return clock_times(answer) + seconds_mentioned(answer)


def spans_text(sightings: list[Sighting], limit: int = 3) -> str:
    parts = [f"{format_timestamp(s.start)}–{format_timestamp(s.end)}" for s in sightings[:limit]]
    more = len(sightings) - limit
    text = ", ".join(parts)
    return f"{text} and {more} more time{'s' if more > 1 else ''}" if more > 0 else text


def check_answer(question: str, answer: str, evidence: Evidence, language: str = "en") -> str | None:
    """A corrected answer when ``answer`` contradicts what was seen, else None (keep it).

    For "Is there a horse in the video?" answered "No." where the detector saw a horse
    from 4 s to 8 s, the corrected answer is ``Yes: a horse is seen at
    0:00:04.0–0:00:08.0 (objects).`` ``question`` is in English (a translation, if the user
    asked in another language); the corrected answer is in ``language``.
    """
    parsed = parse_question(question)
    if parsed is None:
        return None
    if parsed.kind == "said_at":
        return _check_said_at(parsed, answer, evidence, language)
    seen = evidence.find(parsed)
    name = parsed.words[0]
    modules = "+".join(_union(*(s.modules for s in seen)))
    if parsed.kind == "presence":
        said = answer_polarity(answer)
        if seen:
            if said is True:
                return None
            if language == "en":
                return f"Yes: {_some(name)} seen at {spans_text(seen)} ({modules})."
            return phrase("yes_seen", language, thing=name, spans=spans_text(seen), modules=modules)
        if evidence.knows(parsed) and said is not False:
            others = ", ".join(evidence.labels) or "nothing"
            every = f"{evidence.sample_every_s:g} s"
            return phrase("not_detected", language, thing=name, every=every, others=others)
        return None
    # kind == "when": right if the answer names when a sighting begins (give or take a second)
    if not seen:
        return None
    if any(abs(t - s.start) <= 1.0 for t in answer_times(answer) for s in seen):
        return None
    if language == "en":
        return f"{_some(name, definite=True).capitalize()} seen at {spans_text(seen)}."
    return phrase("seen", language, thing=name, spans=spans_text(seen), modules=modules)


def sightings_for(question: str, evidence: Evidence) -> list[Sighting]:
    """Where the thing a presence/when question asks about was seen (for citing them)."""
    parsed = parse_question(question)
    return evidence.find(parsed) if parsed is not None and parsed.kind != "said_at" else []


def _mentions(text: str, word: str) -> bool:
    """Whether a caption mentions ``word`` as present (not "without a hat", "no hat")."""
    for match in re.finditer(rf"\b{re.escape(word)}\b", text, re.I):
        before = text[max(0, match.start() - 30): match.start()]
        if not re.search(_NEGATED_MENTION + r"$", before, re.I):
            return True
    return False


def _check_said_at(question: Question, answer: str, evidence: Evidence, language: str = "en") -> str | None:
    assert question.time is not None
    lines = evidence.said_near(question.time)
    if not lines or any(_quotes(answer, line.text) for line in lines):
        return None
    return " ".join(phrase("says", language, time=format_timestamp(line.start), who=line.speaker or "",
                           text=line.transcript or _unquoted(line.text)) for line in lines)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", text.lower()) if len(w) > 2}


def _quotes(answer: str, line: str) -> bool:
    """Whether the answer carries most of a spoken line's words."""
    wanted = _words(line)
    return bool(wanted) and len(wanted & _words(answer)) >= 0.5 * len(wanted)


def _unquoted(text: str) -> str:
    return text.strip().strip('"“”').strip()


def _some(noun: str, *, definite: bool = False) -> str:
    """``a horse is``, ``an apple is``, ``some people are`` (``the people are`` when definite)."""
    plural = singular(noun) != noun or noun in _IRREGULAR_PLURALS
    article = "the" if definite else "some" if plural else "an" if noun[:1] in "aeiou" else "a"
    return f"{article} {noun} {'are' if plural else 'is'}"


_IRREGULAR_PLURALS = frozenset({"people", "men", "women", "children"})

