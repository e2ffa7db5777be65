"""What shape a question has, before any rule may touch it: one question, or several in one.

"When you see the bicycle, what colour is the car?" starts with "when" but asks a colour;
"At what point does she talk about her mother, and why does she cry?" asks a moment and a
reason. A rule that answers only the first part drops the second, so the answer checks and
the "when" answers leave compound questions to the model (`is_compound`).
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
