"""Answers that give the one asked about what the lines tie to someone else or to another time: another
person's job, or the place someone lived before given as where they live now (and the other way round).

Both were seen on clips written before any answer to them existed: "What is Nora's job?" → "Nora's job is a
mechanic." beside the other voice's "I'm Owen, the mechanic." (fresh20), "What is Leila's job?" → "Leila's job
is a driver." beside "Yes, I'm Marcus, the new driver." (fresh22); "Where did Ruth live before?" → "Ruth lived
in Bristol now." beside "She lives in Bristol now." (fresh22). The issue's own example is the second kind:
where a speaker lives now against where she comes from; fresh23 (asked before it was read) showed it in a
question and its reply ("Where did you live before?" — "In Boston, …") and beside "I just moved in next door".
Each finder names what it found; `inspection` has the answer asked again, then answered from the timeline.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Sequence

from ..timeline import Event
from .checks import introduced_names, stems
from .citations import content_words, says_not_told
from .flaws import A_ROLE, named_voices, same_name, voices_named
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


_NOW = re.compile(r"\b(?:now|currently|these\s+days|nowadays|at\s+the\s+moment|today|moved\s+(?:in|into|to)|just\s+moved)\b",
                  re.I)
_BEFORE = re.compile(r"\b(?:grew\s+up|grow\s+up|growing\s+up|originally|born|raised|used\s+to|before|previously|"
                     r"comes?\s+from|came\s+from|moved\s+(?:here\s+|there\s+|away\s+)?from|left|lived|was\s+living|"
                     r"childhood|at\s+first)\b", re.I)
_ASKS_WHERE = re.compile(r"^\W*(?:(?:and|so|then)\W+)?(?:where|which\s+(?:city|town|country|village|place|street|state))\b",
                         re.I)
_ASKS_WHAT = re.compile(r"^\W*(?:(?:and|so|then)\W+)?(?:what|which)\b", re.I)
_PLACE = re.compile(r"\b(?i:in|from|to|at|near)\s+([A-Z][a-z]+)\b")
_CLAUSE_BREAK = re.compile(r",?\s+(?:but|and|so|though|although|while)\s+|[;:]\s*|(?<=[.!?])\s+")
_NOT_PLACES = frozenset(MONTHS + WEEKDAYS)


class _Clause(NamedTuple):
    said: str
    now: bool
    """Said of now ("I live in York now", "I just moved in next door"), and not of before."""
    before: bool
    """Said of before ("I grew up in Leeds"), or the first words of a reply to a question of before
    ("Where did you live before?" — "In Boston, …")."""


def something_of_another_time(answer: str, asked: str, entries: Sequence[Event]) -> str | None:
    """What an answer gives for now when every clause of the lines holding it is said of before, while
    another is said of now — or for before when every clause holding it is said of now, while another is said
    of before; or None. "Where does Dana live now?" → "Dana lives now in Boston." beside "Where did you live
    before?" — "In Boston, …" and "I just moved in next door" (fresh23); "Which animals used to live here?" →
    "Rabbits" beside "We used to have …, but now you will mostly see rabbits." (fresh23). For "where…?" what
    is given is a place ("in Leeds"); for "what/which…?" any word the question does not hold."""
    where = bool(_ASKS_WHERE.match(asked))
    if not (where or _ASKS_WHAT.match(asked)) or says_not_told(answer):
        return None
    asks_now, asks_before = bool(_NOW.search(asked)), bool(_BEFORE.search(asked))
    if asks_now == asks_before:
        return None
    clauses = _clauses(entries)
    # what is said of the other time: of now; of before, or a place said of no time ("still in Canada?")
    if not any(c.now if asks_now else c.before or not c.now and _PLACE.search(c.said) for c in clauses):
        return None  # nothing to mix up
    asked_words = stems(asked)
    given = ([w for w in dict.fromkeys(re.findall(r"\b[A-Z][a-z]+\b", answer)) if w not in asked and w not in _NOT_PLACES]
             if where else [w for w in content_words(answer) if not w.startswith("#") and not stems(w) <= asked_words])
    for thing in given:
        holding = [c for c in clauses if (thing in _PLACE.findall(c.said) if where else stems(thing) <= stems(c.said))]
        if holding and all(c.before and not c.now for c in holding) and asks_now:
            return thing
        if holding and all(c.now and not c.before for c in holding) and asks_before:
            return thing
    return None


def _clauses(entries: Sequence[Event]) -> list[_Clause]:
    clauses: list[_Clause] = []
    asked_of_before = False
    speaker = None
    for event in entries:
        if not event.transcript:
            continue
        # a reply's first words answer the other voice's question of before ("Where did you live before?")
        replying = asked_of_before and event.speaker != speaker
        for k, said in enumerate(c for c in _CLAUSE_BREAK.split(event.transcript) if c and c.strip()):
            before = bool(_BEFORE.search(said)) and not said.rstrip().endswith("?") or replying and k == 0
            clauses.append(_Clause(said, bool(_NOW.search(said)) and not _BEFORE.search(said), before))
        last = event.transcript.rstrip()
        asked_of_before = last.endswith("?") and bool(_BEFORE.search(last.rsplit(".", 1)[-1]))
        speaker = event.speaker
    return clauses


_OF_ONESELF = re.compile(r"\b(?:I|I['’](?:m|ve|ll|d)|my|me|mine|myself)\b")
"""A line a voice says of itself: "Now I live above the shop with my brother."."""
_OPENS_WITH_NAME = re.compile(r"^\W*([A-Z][a-z]+)\b(?!['’])")
"""An answer opening with the one it is about ("Tom lives…"); "Marco's friend lives…" is about the friend."""


def what_another_voice_said_of_itself(answer: str, asked: str, entries: Sequence[Event]) -> str | None:
    """The name an answer opens with when what it adds to the question is held only by lines another voice says
    of itself ("I", "my"), a voice that gave itself another name — or None. "Where does Tom live now?" → "Tom lives
    among the shop with his brother now." beside the other voice's "Now I live among the shop with my brother."
    and Tom's voice's "My name is Tom." (fresh25); "What is Priya's job?" → "Priya works in London as a teacher."
    beside "And I'm Sam." and, in Sam's voice, "…but I work in London all as a teacher." (fresh26; Priya's voice
    also "gave itself" Whisper's "The name is Pepper."). Any word of a line of the named voice's own leaves it
    alone, and so does a line of a voice that did not give itself one other name (labels may split or merge
    voices)."""
    opens = _OPENS_WITH_NAME.match(answer)
    if not opens or says_not_told(answer) or opens.group(1) not in asked:
        return None
    person = opens.group(1)
    named = named_voices(entries)
    own = voices_named(person, entries)
    if not own:
        return None
    asked_words = stems(asked)
    added = [w for w in content_words(answer[opens.end():]) if not w.startswith("#") and not stems(w) <= asked_words]
    if not added:
        return None
    for word in added:
        holding = [e for e in entries if e.transcript and stems(word) <= stems(e.transcript)]
        if not holding or any(e.speaker in own for e in holding):
            return None
        for event in holding:
            another = event.speaker in named and not same_name(named[event.speaker], person)
            if not another or not _OF_ONESELF.search(event.transcript):
                return None
    return person


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip().strip('"“”')) if s]
