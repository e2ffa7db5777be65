"""Answers that give the one asked about what the lines tie to someone else or to another time: another
person's job, or the place someone lived before given as where they live now (and the other way round).

Both were seen on clips written before any answer to them existed: "What is Nora's job?" → "Nora's job is a
mechanic." beside the other voice's "I'm Owen, the mechanic." (fresh20), "What is Leila's job?" → "Leila's job
is a driver." beside "Yes, I'm Marcus, the new driver." (fresh22); "Where did Ruth live before?" → "Ruth lived
in Bristol now." beside "She lives in Bristol now." (fresh22). The issue's own example is the second kind:
where a speaker lives now against where she comes from. Each finder names what it found; `inspection` has the
answer asked again, then answered from the timeline.
"""

from __future__ import annotations

import re
from typing import Sequence

from ..timeline import Event
from .checks import introduced_names
from .citations import says_not_told
from .flaws import A_ROLE, same_name
from .language import MONTHS, WEEKDAYS

_JOB_ASKED = re.compile(
    r"\b(?i:what\s+(?:is|was)\s+)(?P<a>[A-Z][a-z]+)['’]s?\s+(?i:job|work|profession|occupation|role|trade)\b"
    r"|\b(?i:what\s+(?:does|did)\s+)(?P<b>[A-Z][a-z]+)\s+(?i:do)\b(?!\s+(?:with|to|about|at|on|in|after|before)\b)"
    r"|\b(?i:what\s+(?:job|work)\s+(?:does|did)\s+)(?P<c>[A-Z][a-z]+)\b"
    r"|^\W*(?i:who\s+(?:is|was)\s+)(?P<d>[A-Z][a-z]+)\W*$")
""""What is Nora's job?", "What does Leila do?", "What work does Leila do?", "Who is Leila?": what someone is."""


def a_job_another_name_has(answer: str, asked: str, entries: Sequence[Event]) -> str | None:
    """The role an answer gives the person a question asks about ("What is Leila's job?" → "Leila's job is a
    driver."), when every sentence of the lines holding that role gives it to another name, one a voice gave
    itself or one the role stands beside ("I'm Marcus, the new driver.", "Owen is the mechanic"), or None.
    A role the lines give to nobody is left to the other checks."""
    asked_about = _JOB_ASKED.search(asked)
    if not asked_about or says_not_told(answer):
        return None
    person = next(name for name in asked_about.groups() if name)
    given = re.search(rf"\b{re.escape(person)}\b(?:['’]s\s+(?:job|work|profession|occupation|role|trade))?"
                      rf"\s+(?:is|was|works\s+as)\s+(?:an?\s+|the\s+)?(?P<words>(?:[a-z]+\s+){{0,2}}[a-z]+)", answer)
    if not given:
        return None
    words = re.split(r"\s+(?:at|in|for|of|who|and|with|from|on)\b", given["words"])[0].split()
    roles = [w.lower() for w in words if A_ROLE.fullmatch(w)]  # "the new driver": the last of them
    if not roles or roles[-1] in asked.lower():
        return None
    role = roles[-1]
    holding = [sentence for event in entries for sentence in _sentences(event.transcript or event.text)
               if re.search(rf"\b{re.escape(role)}s?\b", sentence, re.I)]
    if not holding:
        return None
    for sentence in holding:
        owners = introduced_names(sentence) + re.findall(
            rf"\b([A-Z][a-z]+)(?:,|\s+is)\s+(?:an?\s+|the\s+|our\s+|your\s+)?(?:[a-z]+\s+)?{re.escape(role)}s?\b", sentence)
        if not owners or any(same_name(owner, person) for owner in owners):
            return None
    return role


_NOW = re.compile(r"\b(?:now|currently|these\s+days|nowadays|at\s+the\s+moment|today)\b", re.I)
_BEFORE = re.compile(r"\b(?:grew\s+up|grow\s+up|growing\s+up|originally|born|raised|used\s+to|before|previously|"
                     r"comes?\s+from|came\s+from|moved\s+(?:here\s+|there\s+|away\s+)?from|left|lived|was\s+living|"
                     r"childhood|at\s+first)\b", re.I)
_ASKS_WHERE = re.compile(r"^\W*(?:(?:and|so|then)\W+)?(?:where|which\s+(?:city|town|country|village|place|street|state))\b",
                         re.I)
_PLACE = re.compile(r"\b(?:in|from|to|at|near)\s+([A-Z][a-z]+)\b")
_CLAUSE_BREAK = re.compile(r",?\s+(?:but|and|so|though|although|while)\s+|[;:]\s*|(?<=[.!?])\s+")
_NOT_PLACES = frozenset(MONTHS + WEEKDAYS)


def a_place_of_another_time(answer: str, asked: str, entries: Sequence[Event]) -> str | None:
    """The place a "where… now?" answer gives when every clause of the lines holding it ties it to before
    ("I grew up in Leeds", "originally from Chicago") and another clause puts someone in another place now
    ("I live in York now"), or a "where… before?" answer gives a place only said of now; else None."""
    if not _ASKS_WHERE.match(asked) or says_not_told(answer):
        return None
    asks_now, asks_before = bool(_NOW.search(asked)), bool(_BEFORE.search(asked))
    if asks_now == asks_before:
        return None
    clauses = [(clause, set(_PLACE.findall(clause)) - _NOT_PLACES) for event in entries
               for clause in _CLAUSE_BREAK.split(event.transcript or "") if clause]
    said_now = [(places, bool(_NOW.search(c)) and not _BEFORE.search(c)) for c, places in clauses if places]
    for place in dict.fromkeys(re.findall(r"\b[A-Z][a-z]+\b", answer)):
        if place in asked or place in _NOT_PLACES:
            continue
        times = [now for places, now in said_now if place in places]
        others = [now for places, now in said_now if places - {place}]
        if not times:
            continue
        if asks_now and not any(times) and all(_BEFORE.search(c) for c, places in clauses if place in places) \
                and any(others):
            return place
        if asks_before and all(times) and any(not now for now in others):
            return place
    return None


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip().strip('"“”')) if s]
