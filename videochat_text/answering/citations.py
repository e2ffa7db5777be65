"""Which timeline entries an answer rests on, chosen by the system — never by trusting the model.

An entry is cited when the answer's words, numbers and names come from it (most
weight), when it matches the question, and when the answer checks found it as
evidence. Entries nearest in meaning to the question and answer (the embedding
index, when one is built) break ties. At most a handful, best first; an answer
saying the description does not tell cites only a line it quotes.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from ..timeline import SUMMARY_MODULE, Event, clock_times
from .answer import Citation
from .facts import numbers_in
from .kinship import family_words
from .language import CHINESE_DAYS, CHINESE_WEEKDAY, WEEKDAYS_ABROAD
from .questions import ASKS_WHO

MAX_CITATIONS = 5

_STOP = frozenset(
    """the a an and or of to in on at is are was were be been it its this that these those there here what which who
    whom whose when where why how does do did can could would should will video clip description says said say
    someone somebody shown show seen see about with for from by as into than then so not no yes any some
    answer question they he she we you i me my your our their his her them us much many have has had must""".split())
_NOT_TOLD = re.compile(
    # English
    r"(?:descriptions?|videos?|clips?)\s+(?:does|do)\s*(?:n['’]?t|\s+not)\s+(?:say|tell|mention|show|specify|include)"
    r"|no\s+(?:information|mention)|not\s+(?:mentioned|stated|specified)|cannot\s+(?:tell|determine)"
    # Chinese, Japanese
    r"|没有(?:直接|明确)?(?:提到|说明|提及)|未提及|无法确定|言及されていません|書かれていません"
    # Spanish, Portuguese, Italian
    r"|no\s+(?:lo\s+|se\s+)?(?:dice|menciona|indica|especifica)\b|ninguna\s+(?:información|mención)"
    r"|(?:descrição|vídeo)\b[^.!?]{0,40}?\bnão\b[^.!?]{0,20}?\b(?:diz|menciona|especifica|indica)\b"
    r"|(?:descrizione|video)\b[^.!?]{0,40}?\bnon\b[^.!?]{0,20}?\b(?:dice|menziona|specifica|indica)\b"
    # French: "La description de la vidéo ne le dit pas", "ne mentionne pas « chat »"
    r"|(?:description|vidéo)\b[^.!?]{0,40}?\bne\b[^.!?]{0,30}?\b(?:dit|mentionne|précise|indique|parle)\b"
    r"[^.!?]{0,30}?\bpas\b|\bn['’](?:indique|précise|mentionne)\b[^.!?]{0,20}?\bpas\b"
    r"|\bpas\s+(?:mentionnée?s?|précisée?s?|indiquée?s?)\b|\baucune\s+(?:information|mention|indication)\b"
    # German: "Die Videobeschreibung sagt das nicht", "…erwähnt „Katze“ nicht", "…hat nicht sagen" (the 0.5B's)
    r"|(?:beschreibung|video)\w*\b[^.!?]{0,40}?\b(?:sagt|erwähnt|nennt|beschreibt|enthält)\b[^.!?]{0,40}?\bnicht\b"
    r"|(?:beschreibung|video)\w*\b[^.!?]{0,40}?\bnicht\b[^.!?]{0,20}?\b(?:sagen|gesagt|erwähnt|genannt|angegeben)\b"
    r"|\bkeine\s+(?:angaben?|informationen?|erwähnung)\b"
    # Dutch, Russian
    r"|(?:beschrijving|video)\w*\b[^.!?]{0,40}?\b(?:zegt|vermeldt|noemt)\b[^.!?]{0,20}?\bniet\b"
    r"|не\s+(?:сказано|упоминается|указано|говорится)",
    re.IGNORECASE)
"""An answer saying the description does not tell, in each language questions are answered in
(`language.LANGUAGES`): the model's own wordings and this project's (`language.PHRASES`)."""


def says_not_told(answer: str) -> bool:
    """Whether the answer says the description does not tell (then it cites nothing)."""
    return _NOT_TOLD.search(answer) is not None


_CJK = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[^\W_{_CJK}]+|[{_CJK}]+")
"""A run of letters and digits, a Latin name apart from the Chinese around it ("Houston训练")."""


def is_content_word(word: str) -> bool:
    """Whether a lower-case word carries meaning (three letters or more, not a stop word)."""
    return len(word) >= 3 and word not in _STOP


_NUMBERS = ("- deux trois quatre cinq six sept huit - dix onze douze",  # ("un" is also "a", "neuf" "new")
            "- zwei drei vier fünf sechs sieben acht neun zehn elf zwölf")
_IN_ENGLISH = {
    **WEEKDAYS_ABROAD,
    **{word: f"#{n}" for words in _NUMBERS for n, word in enumerate(words.split(), start=1) if word != "-"},
}
"""Weekdays and small numbers in the other languages answers are given in, as an English entry says them: an
answer "Seit Sonntag" or "…arrive à trois heures." rests on "…since Sunday" or "…at three o'clock" (fresh17 and the
dev half: both had been given with no citation). (Spanish numbers are `facts.numbers_in`'s.)"""


def content_words(text: str) -> set[str]:
    """Lower-case words that carry meaning (no stop words), singularized crudely, plus numbers as digits; a
    weekday or a small number in German, Spanish, French or Chinese also as English says it."""
    words = set()
    for word in _WORD.findall(text.lower()):
        if word in _IN_ENGLISH:
            words.add(_IN_ENGLISH[word])
        if not is_content_word(word):
            continue
        words.add(word[:-1] if word.endswith("s") and len(word) > 3 else word)
    words |= {CHINESE_DAYS[day] for day in CHINESE_WEEKDAY.findall(text)}
    return words | {f"#{n:g}" for n in numbers_in(text)}


def stem(word: str) -> str:
    """A content word cut to a crude stem, so "calling" and "call", "works" and "work", "swimming" and "swim",
    "nursing" and "nurse", "ran" and "run" are one word."""
    word = _IRREGULAR.get(word, word)
    if len(word) > 4:
        cut = re.sub(r"(?:ing|ed|es|s)$", "", word)
        # a consonant doubled before -ing/-ed is the root's single one ("swimming", "stopped"); "calling" keeps its ll
        word = cut[:-1] if word.endswith(("ing", "ed")) and _DOUBLED.search(cut) else cut
    # the root's final e, which -ing and -ed drop: "nurse" and "nursing", "close" and "closed", "live" and "lived"
    # (fresh30: "What is the sister's job?" → "…nursing." beside Whisper's "My sister and I nurse." was withheld)
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


_DOUBLED = re.compile(r"([bfgkmnprt])\1$")
_IRREGULAR = {said: root for root, forms in (
    ("run", "ran"), ("go", "went gone"), ("see", "saw seen"), ("come", "came"), ("take", "took taken"),
    ("give", "gave given"), ("make", "made"), ("find", "found"), ("lose", "lost"), ("buy", "bought"),
    ("bring", "brought"), ("tell", "told"), ("say", "said"), ("meet", "met"), ("sit", "sat"), ("drive", "drove driven"),
    ("grow", "grew grown"), ("know", "knew known"), ("teach", "taught"), ("think", "thought"),
    ("write", "wrote written"), ("speak", "spoke spoken"), ("break", "broke broken"), ("begin", "began begun"),
    ("swim", "swam swum"), ("fly", "flew flown"), ("fall", "fell fallen"), ("feel", "felt"), ("keep", "kept"),
    ("sleep", "slept"), ("sell", "sold"), ("build", "built"), ("send", "sent"), ("spend", "spent"), ("win", "won"),
    ("wear", "wore worn"), ("ride", "rode ridden"), ("steal", "stole stolen"), ("hide", "hid hidden"),
    ("get", "got gotten"), ("eat", "ate eaten"), ("drink", "drank drunk"), ("sing", "sang sung"),
    ("catch", "caught"), ("hear", "heard"), ("pay", "paid"), ("lend", "lent"), ("understand", "understood"),
    ("stand", "stood"), ("forget", "forgot forgotten"), ("choose", "chose chosen"), ("throw", "threw thrown"),
    ("draw", "drew drawn"), ("wake", "woke woken"), ("lead", "led"), ("hold", "held"))
    for said in forms.split()}
"""Past forms → their verb, so "Why did Pippa run away?" is about the line "She ran away…" (fresh29, read: a reason
taken from unrelated lines had passed). "left" (a side), "rose", "lay", "ground", "bit" are other words too, and stay."""


def citation(entry: Event, video: str | None = None) -> Citation:
    return Citation(start=entry.start, end=entry.end, module=entry.module, text=entry.text,
                    event_ids=entry.ids, video=video)


def choose(entries: Sequence[Event], question: str, answer: str, *, evidence: Iterable[int] = (),
           nearest: Sequence[int] = (), limit: int = MAX_CITATIONS, same_language: bool = True) -> list[int]:
    """Indices of the entries the answer rests on, best first.

    Args:
        evidence: entries the answer checks found (e.g. where the thing asked about was seen).
        nearest: entries nearest in meaning to the question and answer, nearest first.
        same_language: False when the answer is in another language than the entries (a Chinese
            answer about an English transcript): then entries matching the (translated) question
            may be cited even when no word of the answer is in them.
    """
    if says_not_told(answer):
        # "…does not say. The moment nearest in meaning: At 0:00:14 S1 says: "…"": the line quoted, as the
        # answer made from the timeline cites it (a model in a chat copies that wording: a new user's try, session 15)
        return [i for i, entry in enumerate(entries) if _quoted_whole(entry, answer)][:limit]
    # A moment of the video the answer names ("at 0:02:20.2") is where it rests; its digits are not
    # numbers the answer states (they matched every summary whose stretch starts at 0:02).
    at_moments = [_starting_nearest(entries, t) for t in moments_named(answer)]
    from_answer = content_words(without_moments(answer)) - content_words(question)  # what the answer adds
    asked = content_words(question)
    asked_stems = {stem(w) for w in asked}  # "Where did Daniel call from?" rests on "I'm calling from Chicago."
    evidence = list(dict.fromkeys(evidence))
    rank = {i: n for n, i in enumerate(nearest)}
    deed = _deed_asked(question, asked, from_answer)
    deed_line, deed_held = None, 0
    scored = []
    for i, entry in enumerate(entries):
        words = content_words(entry.text)
        added = len(from_answer & words) + sum(1 for named in at_moments if i in named)
        entry_stems = {stem(w) for w in words}
        matched = len(asked_stems & entry_stems)
        held = sum(deed.get(w, 0) for w in entry_stems) if entry.transcript else 0
        if held > deed_held:
            deed_line, deed_held = i, held
        score = 3.0 * added + 1.0 * matched + (4.0 if i in evidence else 0.0)
        if i in rank:
            score += 1.5 / (1 + rank[i])
        if entry.module == SUMMARY_MODULE:
            score *= 0.5  # a window's summary restates entries: cite the entry itself first
        if added or i in evidence or (not same_language and matched):  # the answer must rest on it
            scored.append((score, i))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    best = scored[0][0] if scored else 0.0
    chosen = [i for score, i in scored if score >= 0.34 * best][:limit]
    return chosen if not chosen or deed_line is None or deed_line in chosen else [*chosen[:limit - 1], deed_line]


_NAME_OF = re.compile(r"^\W*(?:(?:and|so|then)\W+)?(?:what\s+is|what['’]s)\s+(?:the\s+name\s+of\b|.+['’]s\s+name\b"
                      r"|.+\bcalled\b)", re.I)
_NAME_IN_QUESTION = re.compile(r"(?<!^)\b[A-Z][a-z]+")
_NAMING = frozenset(("name", "call"))  # stems: "called" is "call"


def _deed_asked(question: str, asked: set[str], from_answer: set[str]) -> dict[str, int]:
    """For a "who…?" or "what is the name of…?" answered with a name (two words added at most), what the
    question says the one named did or is, as stems weighed: its words but the names in it and "name" (2),
    and the words of a relation's family (1: "Who is Priya's brother?" is told by "Priya is my sister");
    empty otherwise. The name rests on the spoken line holding the most of them as much as on the line
    where the name is said: "Who has a son?" → "Daniel" had cited "Of course, I'm Daniel," and not "…my son
    needs it to paint the garage." (fresh11; fresh6, fresh9 and fresh14 alike); "What is the name of the
    music teacher?" → "Omar" only "And I'm Omar." (fresh5), not the line about teaching music."""
    if not (ASKS_WHO.match(question) or _NAME_OF.match(question)) or len(from_answer) > 2:
        return {}
    deed = asked - content_words(" ".join(_NAME_IN_QUESTION.findall(question)))
    weights = {stem(kin): 1 for word in deed for kin in family_words(word)}
    weights.update({stem(word): 2 for word in deed})
    return {word: weight for word, weight in weights.items() if word not in _NAMING}


def _quoted_whole(entry: Event, answer: str) -> bool:
    """Whether ``answer`` quotes the whole of what the entry says (three words or more), as it was heard."""
    said = (entry.transcript or "").strip()
    return len(said.split()) >= 3 and re.search(r"[\"“«„]\s*" + re.escape(said), answer) is not None


_VIDEO_POSITION = re.compile(r"(?<![\d:.])\d{1,2}:\d{2}:\d{2}(?:\.\d+)?(?![\d:])")
"""A moment of the video as the timeline writes it (``0:02:20.2``); a time of day is ``7:30``."""


def without_moments(text: str) -> str:
    """``text`` with the moments of the video it names (``0:02:20.2``) left out."""
    return _VIDEO_POSITION.sub(" ", text)


def moments_named(text: str) -> list[float]:
    """The moments of the video ``text`` names as the timeline writes them, in seconds (not times of day)."""
    return clock_times(" ".join(_VIDEO_POSITION.findall(text)))


MOMENT_TOLERANCE_S = 0.5
"""How far from an entry's span a moment the answer names may be and still be the entry's (answers
round ``0:02:20.24`` to ``0:02:20``)."""


def _starting_nearest(entries: Sequence[Event], moment: float) -> set[int]:
    """The entries (not summaries) around ``moment`` that start nearest to it: "said at 0:02:20.2"
    is the line starting then, not the detections of the five seconds around it."""
    around = [(abs(e.start - moment), i) for i, e in enumerate(entries) if e.module != SUMMARY_MODULE
              and e.start - MOMENT_TOLERANCE_S <= moment <= e.end + MOMENT_TOLERANCE_S]
    nearest = min((d for d, _ in around), default=None)
    return {i for d, i in around if d == nearest}
