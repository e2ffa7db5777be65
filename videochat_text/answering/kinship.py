"""Who is whose relative, as people in a conversation say it: "Priya is my sister", "my sister Julia".

A relation said in the first person binds the speaker, and the speaker is known only through the
voice labels and the names the voices give themselves; a small model reads "my" as whoever was
last named. This module only reads words — which relation a question asks for, which relations
a line states — and `checks` puts them beside the voice labels.

Example:
    >>> asked_relative("Who is Priya's brother?")
    AskedRelative(person='priya', family='sibling', word='brother')
    >>> relatives_said("Priya is my sister, actually.")
    [SaidRelative(name='Priya', family='sibling', word='sister')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .facts import COMMON_CAPITALIZED

FAMILIES = {
    "sibling": "brother sister sibling",
    "parent": "mother father mom mum dad parent",
    "child": "son daughter child kid",
    "spouse": "husband wife partner",
    "grandparent": "grandmother grandfather grandma grandpa grandparent",
    "grandchild": "grandson granddaughter grandchild",
    "aunt_or_uncle": "aunt uncle",
    "niece_or_nephew": "niece nephew",
    "cousin": "cousin",
    "friend": "friend",
    "colleague": "colleague coworker",
    "neighbour": "neighbour neighbor",
}
"""Relations by family: a question for a brother is answered by a line naming a sister or a brother
(the line tells siblings; the question supplies the sex, as the user asked it)."""

CONVERSE = {"parent": "child", "child": "parent", "grandparent": "grandchild", "grandchild": "grandparent",
            "aunt_or_uncle": "niece_or_nephew", "niece_or_nephew": "aunt_or_uncle"}
"""If Y is X's parent, X is Y's child; the families not listed are their own converse (siblings, spouses)."""

_FEMALE = frozenset("sister mother mom mum daughter wife grandmother grandma granddaughter aunt niece".split())
_MALE = frozenset("brother father dad son husband grandfather grandpa grandson uncle nephew".split())

_FAMILY_OF = {word: family for family, words in FAMILIES.items() for word in words.split()}
_KIN = "|".join(sorted(_FAMILY_OF, key=len, reverse=True))
_NAME = r"[A-Z][a-z]+"

_ASKED = [
    re.compile(rf"^(?:who\s+is|who['’]s|who\s+was|what\s+is\s+the\s+name\s+of|what['’]s\s+the\s+name\s+of)\s+"
               rf"(?P<person>[a-z]+)['’]s\s+(?P<kin>{_KIN})$"),
    re.compile(rf"^(?:what\s+is|what['’]s)\s+(?P<person>[a-z]+)['’]s\s+(?P<kin>{_KIN})(?:\s+called|['’]s\s+name)$"),
    re.compile(rf"^(?:who\s+is|who['’]s|who\s+was)\s+the\s+(?P<kin>{_KIN})\s+of\s+(?P<person>[a-z]+)$"),
]
_ADJECTIVE = r"(?:(?:little|big|older|younger|elder|best|old|twin)\s+)?"
_SAID = [
    re.compile(rf"\b(?P<name>{_NAME})\s+(?i:is\s+my\s+{_ADJECTIVE}(?P<kin>{_KIN}))\b"),
    re.compile(rf"\b(?i:my\s+{_ADJECTIVE}(?P<kin>{_KIN})),?\s+(?P<name>{_NAME})\b"),
]


@dataclass(frozen=True)
class AskedRelative:
    """"Who is Priya's brother?": the person (lowercase, as asked) and the family of the relation."""

    person: str
    family: str
    word: str


@dataclass(frozen=True)
class SaidRelative:
    """"Priya is my sister": ``name`` is the speaker's relative of ``family``."""

    name: str
    family: str
    word: str


def asked_relative(question: str) -> AskedRelative | None:
    """The relative a question asks for ("Who is Tom's sister?", "What is the name of Tom's sister?")."""
    text = re.sub(r"\s+", " ", question.strip().lower().rstrip("?!. "))
    for pattern in _ASKED:
        match = pattern.match(text)
        if match:
            return AskedRelative(match.group("person"), _FAMILY_OF[match.group("kin")], match.group("kin"))
    return None


def relatives_said(line: str) -> list[SaidRelative]:
    """The relatives a speaker names in a line, as theirs: "Priya is my sister", "my sister Julia".
    A name must be capitalised as Whisper writes names ("my sister is here" names nobody)."""
    found = []
    for pattern in _SAID:
        for match in pattern.finditer(line):
            name = match.group("name")
            if name.lower() not in COMMON_CAPITALIZED and name.lower() not in _FAMILY_OF:
                kin = match.group("kin").lower()
                found.append(SaidRelative(name, _FAMILY_OF[kin], kin))
    return found


def converse(family: str) -> str:
    """The relation the other way round: a parent's child, a sibling's sibling."""
    return CONVERSE.get(family, family)


def same_sex(word: str, other: str) -> bool:
    """Whether two relation words could name one person: not a sister for a brother, a daughter
    for a son ("parent", "friend" go with either)."""
    return not ({word, other} & _FEMALE and {word, other} & _MALE)


def family_words(word: str) -> frozenset[str]:
    """The words a line may say a relation with when ``word`` asks for it: its family's and the converse
    family's ("Who is Priya's brother?" is told by "Priya is my sister", "Rosa's father" by "my daughter
    Rosa"); a word naming no relation stands for itself."""
    family = _FAMILY_OF.get(word)
    if family is None:
        return frozenset((word,))
    return frozenset(FAMILIES[family].split()) | frozenset(FAMILIES[converse(family)].split())
