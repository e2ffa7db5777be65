"""What shape a question has, before any rule may touch it: one question, or several in one.

"When you see the bicycle, what colour is the car?" starts with "when" but asks a colour;
"At what point does she talk about her mother, and why does she cry?" asks a moment and a
reason. A rule that answers only the first part drops the second, so the answer checks and
the "when" answers leave compound questions to the model (`is_compound`), which is asked one
part at a time (`split_question`): a small model asked both at once answered the first only.
"""

from __future__ import annotations

import re

_WH = r"(?:what|why|who|whom|whose|where|which|how|when)"
_AUX = r"(?:is|are|was|were|does|do|did|can|could|would|will|should|has|have|had)"
_CLAUSE_BREAK = re.compile(rf"[,;:]\s*(?:(?:and|but|or|then|so)\s+)?(?:{_WH}|{_AUX})\b", re.I)
"""", what colour …", ", and why …", "; is it …": a second question after a clause boundary (when the
part before it is a question or a "when …" clause itself: "At 12 s, what is said?" is one question)."""
_ASKS = re.compile(rf"^\s*(?:{_WH}|{_AUX})\b", re.I)
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
