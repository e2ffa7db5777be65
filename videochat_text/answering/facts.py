"""The specific facts in a text — numbers, times, names — and whether a timeline supports them.

A small chat model invents plausible specifics: "the van arrives at 12:30 PM in
Amsterdam" when the narration said three o'clock. Every number (digits or words),
clock time and name an answer states can be looked for in the timeline's text, its
times and the question; `unsupported` lists those found nowhere. Names are only
checked in Latin script (a Chinese answer's transliterations cannot be matched
reliably); numbers and times are checked in every language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ..timeline import Event, clock_times, format_timestamp

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SPANISH = {"dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
            "once": 11, "doce": 12, "quince": 15, "veinte": 20, "treinta": 30, "cuarenta": 40, "cincuenta": 50,
            "cien": 100, "mil": 1000}
"""Spanish number words ("uno"/"una" left out: they are also the article)."""
NUMBER_WORDS = {word: n for n, word in enumerate(_UNITS)} | _TENS | {"hundred": 100, "thousand": 1000,
                                                                       "half": 0.5, "dozen": 12} | _SPANISH
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_CLOCK_TEXT = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?!\d)")
_WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’-]*")

COMMON_CAPITALIZED = frozenset(
    """a an the this that these those there here it its it's i i'm i'll i've we you he she they his her their our
    your my yes no not none nothing nobody someone somebody everyone in on at of to for from with by about as
    after before during while when where what which who whom whose why how if then than so but and or also
    is are was were be been being do does did can could will would should may might must shall has have had
    video clip footage description scene frame frames speech speaker speakers objects object summary
    based according sorry unfortunately however therefore overall first second third next finally
    mr mrs ms dr okay ok hello hi welcome good thanks thank please sure well let let's note answer question
    seconds second minutes minute hours hour at around near between start end beginning additionally
    furthermore moreover currently generally typically usually probably perhaps maybe actually certainly
    indeed specifically clearly apparently unknown none all both each some many several just only
    people person man woman men women someone""".split())
"""Words a sentence may start with (or the description's own vocabulary) that are not names."""


@dataclass(frozen=True)
class Fact:
    kind: str
    """``number``, ``time`` (a clock time) or ``name``."""
    text: str
    """As written in the answer."""


def numbers_in(text: str) -> set[float]:
    """Every number in ``text``: digits (``3``, ``3.5``, the parts of ``7:30``) and number words
    (``three``, ``thirty``; ``seven thirty`` gives 7 and 30)."""
    found = {float(n.replace(",", ".")) for n in _NUMBER.findall(text)}
    found |= {float(NUMBER_WORDS[w]) for w in re.findall(r"[a-zé]+", text.lower()) if w in NUMBER_WORDS}
    return found


def facts_in(text: str) -> list[Fact]:
    """The specific facts an answer states: its numbers, clock times and names."""
    facts = [Fact("time", m.group()) for m in re.finditer(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?!\d)", text)]
    without_times = re.sub(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?!\d)", " ", text)
    facts += [Fact("number", n) for n in _NUMBER.findall(without_times)]
    facts += [Fact("number", w) for w in re.findall(r"[A-Za-z]+", without_times)
              if w.lower() in NUMBER_WORDS and w.lower() not in ("one", "half")]  # "one of", "one person": too common
    for sentence in re.split(r"(?<=[.!?:;])\s+|\n+", text):
        words = _WORD.findall(sentence)
        for word in words:
            clean = word.strip("'’-")
            if clean[:1].isupper() and clean.lower() not in COMMON_CAPITALIZED and clean.lower() not in NUMBER_WORDS:
                facts.append(Fact("name", clean))
    return facts


@dataclass(frozen=True)
class Corpus:
    """What a description says, normalized for looking facts up: its words, numbers and times."""

    words: frozenset[str]
    numbers: frozenset[float]
    times: tuple[float, ...]
    """Entry start and end times, in seconds: an answer may name when something happens."""

    @classmethod
    def of(cls, entries: Iterable[Event], extra: Iterable[str] = ()) -> "Corpus":
        entries = list(entries)
        joined = "\n".join([e.text for e in entries] + list(extra))
        times = tuple(sorted({t for e in entries for t in (e.start, e.end)}))
        # Clock times in the text (a summary's "from 0:00:07.0") are moments, not numbers said:
        # their parts must not make "7 years old" look supported.
        said = _CLOCK_TEXT.sub(" ", joined)
        times += tuple(clock_times(joined))
        return cls(frozenset(w.lower() for w in _WORD.findall(joined)), frozenset(numbers_in(said)), times)

    def supports(self, fact: Fact, slack_s: float = 2.0) -> bool:
        if fact.kind == "name":
            word = fact.text.lower()
            return word in self.words or word.rstrip("s") in self.words or f"{word}s" in self.words
        if fact.kind == "time":
            (seconds,) = clock_times(fact.text) or [None]
            if seconds is not None and any(abs(seconds - t) <= slack_s for t in self.times):
                return True  # a moment of the video
            return numbers_in(fact.text.replace(":", " ")) <= self.numbers  # a time of day said ("7:30")
        return bool(numbers_in(fact.text) & self.numbers)


def unsupported(answer: str, corpus: Corpus, *, names: bool = True) -> list[Fact]:
    """The facts in ``answer`` that the corpus does not contain."""
    return [f for f in facts_in(answer) if (names or f.kind != "name") and not corpus.supports(f)]


def clock(seconds: float) -> str:
    """A video time as an answer gives it: ``0:02:30``."""
    return format_timestamp(seconds).rsplit(".", 1)[0]
