"""Answers that must never be shown as they are: the question given back, a thing said to be both
absent and mentioned, a voice label given as a name (or as the whole answer), a video named for
what its moments do not say, an answer to "what/who/where…?" that only restates the question,
an earlier answer of the conversation copied for another question, an answer taken from a
moment that has nothing to do with the question, or a sentence most of whose new words no entry holds;
a line quoted at another time or in another voice's mouth; a personal detail (a surname, a job…) or a
name no line gives to what the question asks about.

Both were seen with the embedded model: "Where should I lock my bike?" answered with itself
(LangChain's llama.cpp wrapper overrode the model's RoPE base; fixed in `chat_models`, and
kept out here whatever the cause), and "Is there a dog?" answered "No, there is not a dog
in the video. The video description only mentions dogs and bicycles, …". A session asks
again, then answers from the timeline (`session`).
"""

from __future__ import annotations

import difflib
import itertools
import re
from typing import Callable, Mapping, NamedTuple, Sequence

from ..detections import singular
from ..timeline import Event
from .checks import addressed_names, all_said, introduced_names, parse_question, stems
from .citations import content_words, moments_named, says_not_told, stem, without_moments
from .facts import attributes_in, facts_in, numbers_in
from .language import MONTHS, WEEKDAYS
from .questions import ASKS_WHO, ASKS_YES_OR_NO


def _with_stems(words: str) -> frozenset[str]:
    """The words and their stems (`stem`: "centre" and "centr"): a set a question's or an answer's `stems` are
    taken from."""
    return frozenset(w for word in words.split() for w in (word, stem(word)))


_YES_OR_NO = re.compile(r"^\W*(?:yes|no|sí|si|oui|non|ja|nein)\b|^\W*(?:是|有|没有|不)", re.I)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_ABSENT = re.compile(
    r"\b(?:no|not\s+(?:a|an|any)|isn['’]?t\s+(?:a|an|any)|aren['’]?t\s+any|without(?:\s+(?:a|an|any))?)"
    r"\s+((?:[a-z]+\s+){0,2}[a-z]+)", re.I)
""""no dog", "not a red dog", "isn't any dog in": the next words (one of them the thing)."""
_MENTIONED = re.compile(
    r"\b(?:mentions?|mentioned|shows?|shown|includes?|contains?|features?|depicts?|detected|visible)\s+"
    r"(?:only\s+)?([a-z]+(?:\s+[a-z]+)*)", re.I)
""""mentions dogs and bicycles": the words up to the next punctuation."""
_NOT_THINGS = frozenset("information detail mention evidence indication video description clip one other such more "
                        "further but provide provided say said tell".split())


def repeats_question(answer: str, question: str) -> bool:
    """Whether the answer is the question given back (or nearly: the same words in the same order)."""
    a, q = _normal(answer), _normal(question)
    if not a or says_not_told(answer):
        return False
    if _YES_OR_NO.match(answer) and not _YES_OR_NO.match(question):
        return False  # "Yes, there is a motorcycle in the video." answers "Is there a motorcycle …?"
    if difflib.SequenceMatcher(None, a, q).ratio() >= 0.9:  # the same words, give or take a word
        return True
    if f" {a} " in f" {q} " and 2 * len(a.split()) >= len(q.split()):
        return True  # most of it, word for word: "And after that?" → "after that"
    asks = answer.rstrip().endswith(("?", "？"))
    if _CJK.search(answer):  # word sets say nothing for unsegmented text: its characters, asked back
        # ("Tom要去哪里找？" for "汤姆要去哪里找？": the name in other letters; fresh10, read after its run)
        said = set(_CJK.findall(answer))
        return asks and len(said) >= 3 and said <= set(_CJK.findall(question))
    return asks and content_words(answer) <= content_words(question)


def contradicts_itself(answer: str) -> bool:
    """Whether the answer says a thing is absent and, elsewhere, that the description names it."""
    absent = {w for m in _ABSENT.findall(answer) for w in _things(m)}
    named = {w for m in _MENTIONED.findall(answer) for w in _things(m)}
    return bool(absent & named)


_LABEL_AS_NAME = re.compile(
    r"\b(?:name\s+is|name['’]s|names?\s+are|(?:is|are)\s+(?:called|named)|called\s+is"
    r"|(?:s['’])?appel(?:le|é|ée|és|ées)|se\s+llama|llamad[oa]|heißt|hei(?:ss|ß)en|nom\s+est|nombre\s+es)"
    r"\s+[\"'“‘«„]?\s?S\d+\b", re.I)
""""The cat's name is S1.": S1, S2… are the labels the speech module gives to voices (seen with SmolLM2);
and in French, Spanish or German (fresh8: "Comment s'appelle le chat perdu ?" → 'The chat perdu est appelé
"S1".')."""


_ONLY_LABELS = re.compile(r"^\W*S\d+(?:\W+(?:(?:and|y|et|und|或|和)\W+)?S\d+)*\W*$")
""""S1", "S1, S2": an answer that is nothing but voice labels (seen for "What is the cat's name?" asked
in Spanish and French, and for "Who bakes bread every morning?")."""


_ABOUT_VOICES = re.compile(r"\b(?:says?|said|speaks?|spoke|speaking|talks?|talked|talking|asks?|asked|answers?|"
                           r"answered|replies|replied|mentions?|mentioned|voices?|speakers?)\b", re.I)
"""A question about who spoke ("Who says hello?"), for which a voice label is an answer."""


def voice_labels_only(answer: str) -> list[str]:
    """The labels an answer that is nothing but voice labels gives ("S1, S2" → ["S1", "S2"]); else []."""
    return re.findall(r"S\d+", answer) if _ONLY_LABELS.match(answer) else []


_IS_A_LABEL = re.compile(r"\b(?:is|are|was|were|it['’]s)\s+[\"'“‘«]?S\d+\b(?!\s*(?:says?|said|:))", re.I)
""""… is S3." (not "… is S2 says: …", a quote): a voice label said to be what the question asks the name of."""


def names_a_voice_label(answer: str, question: str = "") -> bool:
    """Whether the answer gives a speaker label (S1, S2…) as something's name, or is only labels
    to a question that is not about who spoke."""
    if _LABEL_AS_NAME.search(answer):
        return True
    if _name_asked_for(question) is not None and _IS_A_LABEL.search(answer):  # "What is the name of the person studying in Leeds?" → "… is S3."
        return True
    return bool(voice_labels_only(answer)) and not _ABOUT_VOICES.search(question)


_ASKS_FOR_SOMETHING = re.compile(
    r"^\W*(?:(?:and|so|also|then|ok|okay|now|well)\W+)?(?:what|which|who|whom|whose|where|when|why|how\s+(?:many|much|"
    r"old|long|far)|qu[eé]|cu[aá]l(?:es)?|qui[eé]n(?:es)?|d[oó]nde|cu[aá]ndo|cu[aá]nt[oa]s?|quel(?:le)?s?|qui|o[uù]|"
    r"quand|pourquoi|combien|was|wer|wen|wem|wo|wann|welche[rsmn]?|warum|wie\s+viele?|"
    r"c[oó]mo\s+se\s+llama[ns]?|comment\s+s['’]appelle(?:nt)?|wie\s+hei(?:ß|ss)(?:t|en))\b", re.I)
"""A question that asks for a thing, a person, a place, a number, a name (not for a yes or no)."""


def says_nothing_new(answer: str, question: str) -> bool:
    """Whether an answer to a "what/which/who/where/how many…?" question only restates it: every word
    it carries is the question's ("Which newspaper does the photographer work for?" → "The
    photographer works for a newspaper."; "Who is Priya's brother?" → "Priya's brother is Priya.")."""
    if not _ASKS_FOR_SOMETHING.match(question) or says_not_told(answer) or _CJK.search(answer + question):
        return False
    if voice_labels_only(answer):  # "S1" names a voice (its digit is no "one" of the question); see names_a_voice_label
        return False
    said = stems(answer) - _ARTICLES_ABROAD
    return bool(said) and said <= stems(question)


_ARTICLES_ABROAD = frozenset("ein eine einen einem einer eines der die das den dem des una uno unos unas los las del "
                             "une des les".split())
"""German, Spanish and French articles (the short ones are no words already): "Wer ist Lehrer?" → "Lehrer ist ein
Lehrer." (fresh26, read) holds nothing the question does not."""


def repeats_an_earlier_answer(answer: str, question: str, earlier: Sequence[tuple[str, str]]) -> bool:
    """Whether the answer says what an earlier answer of the conversation said (the same words),
    to another question: a small model asked "How much do the tickets cost?" after "When does the
    tour start?" copied its previous answer. ``earlier``: (question, answer) pairs."""
    if _ASKS_AGAIN.search(question) or not content_words(question):
        return False  # "And what is it again?", "And?": the same answer is the answer
    words = content_words(answer)
    asked = content_words(question)
    return len(words) >= 2 and any(content_words(a) == words and content_words(q) != asked for q, a in earlier)


_ASKS_AGAIN = re.compile(r"\b(?:again|repeat|once\s+more|remind\s+me|what\s+was\s+(?:it|that))\b", re.I)


class Moment(NamedTuple):
    """What was said or read at one moment, as `unrelated_sources` looks at it."""

    module: str
    words: set[str]
    """What was said or read (`stems`), without the voice label."""
    speaker: str | None
    """The voice that said it (``S1``), when the speech module told voices apart."""
    start: float
    end: float


ONE_UTTERANCE_PAUSE_S = 0.75
"""One voice's lines less than this apart are one utterance in two sentences ("Hello, Daniel." 0.5 s
before "I'm at the train station in Boston."); a longer pause ends a turn."""


def moment_words(entries: Sequence[Event]) -> list[Moment]:
    """Each moment, for `unrelated_sources` (made once per timeline). ``entries``: in time order, what
    was said or read: a detector's labels are not words of a question ("What animal is shown?" → "A
    cat (center)")."""
    return [Moment(e.module, stems(e.transcript or e.text), e.speaker, e.start, e.end) for e in entries]


def unrelated_sources(answer: str, asked: str, moments: Sequence[Moment]) -> list[int]:
    """The moments what an answer adds comes from (two or more of its words), when none of them,
    nor the line it replies to or that replies to it (`_beside`), shares a word with the question; else [].

    "How much do the tickets cost?" about a tour whose tickets have no price came back as "The
    cost of the tickets is blue giraffe." (the password, said a minute later). A question that
    names a time, or none of whose words a moment holds, is not looked at (the moment's words are
    the answer). Words alone miss a relation of meaning ("What day…?" → "Monday"): the caller
    keeps an answer whose source is among the moments nearest the question in meaning.
    """
    question = _word_stems(asked)
    if not question or _CJK.search(answer) or says_not_told(answer) or _A_TIME.search(asked):
        return []
    added = _word_stems(answer) - question
    sources = [i for i, moment in enumerate(moments) if added & moment.words]
    if len({w for i in sources for w in added & moments[i].words}) < 2:
        return []
    related = {i for i, moment in enumerate(moments) if moment.words & question}
    return [] if any(j in related for i in sources for j in _beside(moments, i)) else sources


def not_told_though_said(answer: str, asked: str, moments: Sequence[Moment]) -> bool:
    """Whether the answer says the description does not tell while a spoken or read moment holds
    every word of the question (two or more): "Who bakes bread every morning?" answered "The video
    description does not say." beside "My mother bakes bread here every morning.". The kind of value
    a "what time/day/year…?" question asks for is not a word its answer holds: a moment holding the
    other words and such a value says it ("What time do they rent the boat?" → "We rent a boat at 10.")."""
    if not says_not_told(answer):
        return False
    question = _word_stems(asked)
    kind = _ASKS_A_VALUE.match(asked)
    values = _VALUES[kind.group(1).lower()] if kind else None
    if values is not None:
        question -= stems(kind.group(1))
    return _a_moment_says_all(question, moments, values)


def _a_moment_says_all(question: set[str], moments: Sequence[Moment],
                       values: Callable[[set[str]], bool] | None = None) -> bool:
    """Whether a spoken or read moment holds every word of the question (two or more), and, given ``values``, a value
    of the kind asked for."""
    return len(question) >= 2 and any(question <= moment.words and (values is None or values(moment.words))
                                      for moment in moments)


_ASKS_A_TIME_OF_DAY = re.compile(r"^\W*(?:(?:and|so)\W+)?(?:at\s+)?what\s+time\b", re.I)
_ABOUT_THE_VIDEO = re.compile(r"\b(?:video|clip|shown|(?<!the\s)(?<!a\s)(?<!this\s)(?<!our\s)(?<!your\s)shows?|appears?"
                              r"|seen|see|visible|says?|said|mention\w*|talk\w*|speak\w*|spoken|hear|heard|narrat\w*"
                              r"|screen|scene|frame)\b", re.I)
"""What asks for a moment of the video ("What time is the horse shown?"); "the show" is a programme ("What time does
the show start?" → "at 0:00:24.0": fresh15, read after its run)."""


_ASKS_A_TIME_OF_DAY_ELSEWHERE = re.compile(
    r"^\W*(?:à\s+quelle\s+heure|a\s+qué\s+hora|um\s+wie\s*viel\s+uhr|um\s+welche\s+uhrzeit)\b|几点", re.I)
""""What time…?" in French, Spanish, German and Chinese ("wann", "什么时候" are "when": either clock)."""


def a_video_time_for_a_time_of_day(answer: str, asked: str, as_asked: str = "") -> bool:
    """Whether a "what time…?" about the world is answered only with a moment of the video: "What time
    does the ferry leave?" → "The ferry leaves at 0:00:14.0" (fresh6; Whisper had heard "the fairy
    leaves every lemon"). The video's clock is not the day's; "What time is the horse shown?" asks for
    the video's. ``as_asked``: the question in the user's language when ``asked`` is its English
    translation — "À quelle heure arrosent-ils le jardin ?" translated "When do they water…?" was answered
    "Ils font le jardin à 0:00:10.0." (fresh19)."""
    asks = _ASKS_A_TIME_OF_DAY.match(asked) or _ASKS_A_TIME_OF_DAY_ELSEWHERE.search(as_asked)
    if not asks or _ABOUT_THE_VIDEO.search(asked) or not moments_named(answer):
        return False
    rest = stems(without_moments(answer))
    return not _VALUES["time"](rest)


_ASKS_WHEN_IT_HAPPENS = re.compile(r"^\W*(?:(?:and|so)\W+)?when\s+(?:does|do|did|will|is|are|was|were|should|must)\b", re.I)


def a_video_moment_where_a_line_says_when(answer: str, asked: str, moments: Sequence[Moment]) -> bool:
    """Whether a "when does X happen?" about the world is answered only with a moment of the video while a spoken or
    read line holds every word of the question: that line tells when, even where Whisper lost the time — "When
    does the dancing start?" → "The dancing starts at 0:00:29.1 in the video." beside "The dancing starts at it, I
    think." (fresh31, unseen). "When is the horse shown?" asks for the video's moment."""
    if not _ASKS_WHEN_IT_HAPPENS.match(asked) or _ABOUT_THE_VIDEO.search(asked) or not moments_named(answer):
        return False
    if _VALUES["time"](stems(without_moments(answer))):
        return False
    return _a_moment_says_all(_word_stems(asked), moments)


_PART_OF_DAY = re.compile(r"\b(?:noon|midday|midnight|morning|afternoon|evening|night|tonight|o['’]?clock|dawn|dusk"
                         r"|sunrise|sunset|[ap]\.?m\b)", re.I)


def a_time_of_day_question_answered_without_one(answer: str, asked: str) -> bool:
    """Whether a "what time…?" about the world got an answer that gives no time and does not say the video
    does not tell: fresh8's "What time does the library open?" → "The library opens next Monday after
    repairs." (a day, and no "does not say" for the time it was asked). A moment of the video is
    `a_video_time_for_a_time_of_day`'s."""
    if not _ASKS_A_TIME_OF_DAY.match(asked) or _ABOUT_THE_VIDEO.search(asked) or says_not_told(answer):
        return False
    if moments_named(answer):
        return False
    # a year is no time of day: fresh9's "What time does the museum open?" → "The museum opens at 1890."
    only_years = bool(_YEAR.search(answer)) and not _A_CLOCK_NUMBER.search(_YEAR.sub(" ", answer))
    return (only_years or not _VALUES["time"](stems(answer))) and not _PART_OF_DAY.search(answer)


_BEFORE_NOON = re.compile(r"\b(?:morning|dawn|sunrise)s?\b|\d\s*am\b|\ba\.m\.", re.I)
_AFTER_NOON = re.compile(r"\b(?:afternoon|evening|night|tonight|dusk|sunset)s?\b|\d\s*pm\b|\bp\.m\.", re.I)
"""The halves of the day an hour is put in ("8 am", "8 a.m.", "in the morning"; "I am" is none)."""


def an_hour_in_the_other_half_of_the_day(answer: str, said: Sequence[str]) -> float | None:
    """An hour an answer puts in the morning (or after noon) when every line giving that hour puts it in the other
    half of the day, or None: "What time does the pool open in the morning?" → "The pool opens at 8 o'clock in the
    morning." beside "The big pony opened till eight o'clock tonight." (fresh28, read) — the question's "morning" is
    no ground for a line's evening hour."""
    stated = without_moments(answer)
    before, after = bool(_BEFORE_NOON.search(stated)), bool(_AFTER_NOON.search(stated))
    if before == after or says_not_told(answer):
        return None
    for hour in sorted(numbers_in(stated)):
        holding = [text for text in said if hour in numbers_in(text)]
        if holding and all(bool(_BEFORE_NOON.search(text)) == after != bool(_AFTER_NOON.search(text))
                           for text in holding):
            return hour
    return None


_DAYS_HOLDING = {day: r"week\s*-?\s*days?" for day in WEEKDAYS[:5]} | {day: r"week\s*-?\s*ends?" for day in WEEKDAYS[5:]}
"""A weekday → the word for the days it is one of ("weekdays", "weekends")."""
_EVERY_DAY = re.compile(r"\b(?:every\s*day|daily|each\s+day|(?:seven|7)\s+days|all\s+week)\b", re.I)
_A_NO = re.compile(r"\b(?:no|not|never|closed|none|only)\b|n['’]t\b", re.I)


def a_day_no_line_names(answer: str, asked: str, said: Sequence[str]) -> str | None:
    """A weekday the question asks about that no line names, nor a word for days it is one of ("weekends", "every
    day"), in an answer that says neither that the video does not tell nor no — or None: "When does the library open
    on Sundays?" → "The library opens at 10 on Sundays." beside "The library opens at 10 and closes at 6 on
    weekdays." (fresh30, unseen): the question's day is no ground for the weekdays' hour."""
    days = [day for day in WEEKDAYS if re.search(rf"\b{day}s?\b", asked, re.I)]
    if not days or says_not_told(answer) or _A_NO.search(answer):
        return None
    lines = "\n".join(said)
    if _EVERY_DAY.search(lines):
        return None
    return next((day for day in days if not re.search(rf"\b(?:{day}s?|{_DAYS_HOLDING[day]})\b", lines, re.I)), None)


_ASKS_WHEN = re.compile(r"^\W*(?:(?:and|so|then)\W+)?when\b", re.I)
_WHEN_VALUE = (r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|midday|midnight|morning|"
               r"afternoon|evening|night|tonight|today|tomorrow|yesterday|week|weekend|month|year|spring|summer|autumn|"
               rf"winter|{'|'.join(w.lower() for w in (*WEEKDAYS, *MONTHS))}|o['’]?clock|[ap]\.?m\.?)\b")
_WHEN_WORDS = re.compile(_WHEN_VALUE + r"|\b(?:ago|later|soon|now|before|after|since|until|till|during|while|once|"
                         r"every|daily|always|never|first|last|next|start|beginning|end|fall|rains?|raining)\b", re.I)
"""Words that say when: a number, a day, a part of the day, a season, before/after something, "when it rains"."""


def a_when_answered_without_a_time(answer: str, asked: str) -> bool:
    """Whether a "when…?" got an answer that says nothing of when and not that the description does not tell:
    "When should Sam bring his daughter?" → "When Sam brings his daughter to learn the piano." beside "Bring
    her on Thursday afternoon." (asked as a new user on a read clip, session 10). A price is no time: "When must
    the bikes be back?" → "The bikes must be back after 15 pounds for each bike." (fresh25, beside "…15 pounds for
    each bike" and "…bring the bikes back by six")."""
    if not _ASKS_WHEN.match(asked) or says_not_told(answer) or moments_named(answer):
        return False
    return not _WHEN_WORDS.search(_A_PRICE_AS_A_TIME.sub(" ", answer))


_ASKS_WHERE = re.compile(r"^\W*(?:(?:and|so|then)\W+)?(?:where\b|(?:which|what)\s+(?:city|town|village|country|"
                         r"place|street|region|state|island|address)\b|in\s+(?:which|what)\s+(?:city|town|country)\b"
                         r"|(?:d['’])?où\b|(?:a|de|en)?\s*dónde\b|adónde\b|wo(?:hin|her)?\b)", re.I)
"""English, and French, Spanish and German "where" (Chinese is left: its words are not split)."""
_A_WHEN_WORD = re.compile(_WHEN_VALUE, re.I)
_CLOCK_WORDS_ABROAD = frozenset("la las heure heures hora horas uhr".split())
"""What a time of day is said with in Spanish, French and German ("a las 3", "à 3 heures", "um 3 Uhr")."""


def a_where_answered_with_a_time(answer: str, asked: str) -> bool:
    """Whether a "where…?" ("which city…?") got an answer whose only addition to the question is a
    number, a day or a time: "Where is Anna going by train?" → "Anna is going by train to six." beside
    "I need them before my train at six." (fresh10), "Which city is the forecast for?" → "The forecast is
    for Saturday." (fresh14; both read after their final runs). A place is words, not a number or a day
    ("Platform 4" and "room twelve" hold one). In French, Spanish or German too, against the question as asked:
    "Où s'arrêtent-ils pour déjeuner ?" → "S'arrêtent-ils pour déjeuner à 3." (fresh25, read)."""
    if not _ASKS_WHERE.match(asked) or says_not_told(answer):
        return False
    place = stems(asked)
    added = [w for w in content_words(without_moments(answer)) if not stems(w) <= place]
    return bool(added) and all(w.startswith("#") or _A_WHEN_WORD.fullmatch(w) or w in _CLOCK_WORDS_ABROAD for w in added)


_SOMEONE = re.compile(r"\b(?:S\d+|I|me|my|mine|you|your|he|him|his|she|her|hers|they|them|their|we|us|our|"
                      r"person|people|speaker|narrator|caller|voice|someone|somebody|everyone|nobody|no\s+one|man|men|"
                      r"woman|women|guy|host|presenter|family|friends?|neighbou?rs?|customers?|brother|mother|father|"
                      r"sister|daughter|son|husband|wife|parents?|children|child|kids?|boss|team)\b", re.I)


def a_who_answered_with_no_one(answer: str, asked: str) -> bool:
    """Whether an English "who/whose…?" got an answer that names no one, labels no voice and speaks of no
    person: "Whose car is in bay seven?" → "The car in bay seven is the blue one." (fresh13, read after its
    final run). A name is a capitalised word after the answer's first, or its first when it is no opener."""
    if not ASKS_WHO.match(asked) or says_not_told(answer) or _CJK.search(answer):
        return False
    said = without_moments(answer)
    if _SOMEONE.search(said) or A_ROLE.search(said):
        return False
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", said)
    capitals = [w for k, w in enumerate(words) if w[0].isupper() and (k or w.lower() not in _SENTENCE_OPENERS)]
    return bool(words) and not capitals


_MEASURES: dict[str, tuple[str, str]] = {
    # the measure: (how a question asks for it, words that give one besides a number)
    "an age": (r"how\s+old\b", r"years?\s+old|teen\w*|twenties|thirties|forties|fifties|sixties|seventies|eighties|"
                               r"nineties|baby|newborn|infant|elderly|grown\W?up|adult|young|older|younger|same\s+age"),
    "a price": (r"how\s+much\s+(?:does|did|do|will|would|is|are|was|were)\b|what\s+(?:does|did|do|will|would)\b[^?]*"
                r"\bcost\b|(?:what|how\s+much)(?:\s+is|['’]s|\s+was|\s+are)\s+the\s+(?:\w+\s+)?"
                r"(?:price|fare|fee|rent)\b",
                r"free|nothing|[$€£¥]|dollars?|euros?|pounds?|cents?|pence|quid|bucks?|yuan|francs?|half|double|"
                r"same|more|less|cheap\w*|expensive"),
    "a distance": (r"how\s+far\b", r"miles?|kilomet\w+|km|met(?:er|re)s?|feet|foot|yards?|blocks?|minutes?|hours?|"
                                  r"walk\w*|drive|next\s+door|near\w*|close|corner|across|opposite|beside|behind"),
    "a length of time": (r"how\s+long\s+(?:does|did|do|will|would|is|was|are|were|has|have|had|can|could|should)\b",
                         r"seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|overnight|all\s+day|"
                         r"until|till|moment|while|ages|forever|short|miles?|kilomet\w+|met(?:er|re)s?|feet"),
    "a size": (r"how\s+(?:deep|tall|high|wide|big|large|heavy|thick)\b",
               r"met(?:er|re)s?|cm|centimet\w+|millimet\w+|mm|km|kilomet\w+|feet|foot|inch\w*|yards?|miles?|kilos?|"
               r"kg|grams?|tons?|tonnes?|pounds?|lbs?|stor(?:ey|ie|y)s?|floors?|shallow|huge|tiny|small|big|large|"
               r"tall|short|deep|heavy|light"),
    "a speed": (r"how\s+fast\b", r"km/h|mph|kilomet\w+|miles?|met(?:er|re)s?|knots?|per\s+(?:hour|second)|an\s+hour|"
                                r"slow\w*|faster|top\s+speed|speed\s+limit"),
}
"""Amounts people ask for ("How old is Priya?", "How much does the room cost?"), each with the words an
answer giving one may hold instead of a number ("free", "a few minutes", "next door")."""
_ASKS_MEASURE = {measure: re.compile(rf"^\W*(?:(?:and|so|then)\W+)?[^?]*?(?:{asked})", re.I)
                 for measure, (asked, _) in _MEASURES.items()}
_COUNTED_NOT_PAID = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(?!(?:dollars?|euros?|pounds?|cents?|"
    r"pence|quid|bucks?|yuan|francs?|a|an|each|per|for|and|or|to|fifty|thirty|twenty|ninety|at|in|on)\b)[a-z]+", re.I)
"""A number counting things, not money: "2 nights", "six books for three weeks" (fresh13, read after its final run:
"How much does membership cost?")."""
_GIVES_MEASURE = {measure: re.compile(rf"(?:{given})(?!\w)", re.I) for measure, (_, given) in _MEASURES.items()}


_A_TIME_OF_DAY = re.compile(r"\b(?:at|from|until|till|by|before|after)\s+(?:half\s+past\s+|(?:a\s+)?quarter\s+(?:past|to)\s+)?"
                            r"[\w:.]+(?:\s+o['’]clock|\s*[ap]\.?m\.?)?", re.I)
"""A time of day in an answer ("at half past six", "until 9 pm"): its number is no size."""
_MONEY = re.compile(r"[$€£¥]\s?\d[\d,.]*|\b[\w.,]+\s+(?:dollars?|euros?|pounds?|cents?|pence|quid|bucks?|yuan|francs?)\b",
                    re.I)
"""An amount of money in an answer ("90 pounds", "£5", "ninety euros"): its number is no length of time."""
_A_PRICE_AS_A_TIME = re.compile(rf"(?:\b(?:at|by|after|before|until|till|from|around|about)\s+)?(?:{_MONEY.pattern})",
                                re.I)
"""Money with the word that would make it a time ("after 15 pounds"): no time."""


_FOR_SO_LONG = re.compile(r"\b(?:for|since|in|over)\s+(?:the\s+(?:last|past)\s+)?[\w.,]+\s+"
                          r"(?:years?|months?|weeks?|days?)\b(?!\s+old)", re.I)
"""A length of time something has gone on ("for 12 years", "in 10 years"): no one's age (a bakery "open for 12 years"
is 12 years old)."""
_ASKS_A_PERSONS_AGE = re.compile(r"\b(?i:how\s+old\s+(?:is|was))\s+[A-Z][a-z]+\b(?!['’])")


def a_measure_asked_and_not_given(answer: str, asked: str) -> str | None:
    """The measure an English "how old / how much … cost / how far / how long / how deep / how fast…?" asks for, when
    the answer gives no number and no word for one and does not say the description does not tell, or None.

    Asked for amounts the video never gives, the models gave whatever the nearest line held: "How old
    is Priya?" → "Priya is my sister, actually.", "How much does the room cost?" → "The room costs 2
    nights." (a number, not a price), "How fast can the motorcycle go?" → "The motorcycle can go very
    fast." (the question given back), "How deep is the pool?" → "The pool opens at half past six…" (fresh17,
    read after its first run: a time of day is no size), "How long will the repair take?" → "The repair will
    take 90 pounds." (fresh20: a price is no length of time). An answer without the kind of value asked is not
    an answer."""
    if says_not_told(answer):
        return None
    for measure, question in _ASKS_MEASURE.items():
        if not question.match(asked):
            continue
        given = without_moments(answer)
        if _GIVES_MEASURE[measure].search(given):
            return None
        if measure == "a price":  # "2 nights" is a number and no price
            given = _COUNTED_NOT_PAID.sub(" ", given)
        if measure == "a size":  # "opens at half past six" is a time and no size
            given = _A_TIME_OF_DAY.sub(" ", given)
        if measure in ("a length of time", "a distance"):  # "The repair will take 90 pounds." (fresh20)
            given = _MONEY.sub(" ", given)
        if measure == "an age" and _ASKS_A_PERSONS_AGE.search(asked):  # "Rosa runs this bakery for 12 years."
            given = _FOR_SO_LONG.sub(" ", given)  # (fresh26): how long she has done it, not how old she is
        if numbers_in(given):
            return None  # "She is 30.", "Two hours.", "Twelve."
        return measure
    return None


_YEAR = re.compile(r"(?<![\d:.])1\d{3}(?![\d:.]\d)|(?<![\d:.])20\d{2}(?![\d:.]\d)")
_A_CLOCK_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|midnight)\b",
                             re.I)


_DAYS = frozenset(day.lower() for day in WEEKDAYS) | {"today", "tomorrow", "tonight"}


def _holds_a_number(words: set[str]) -> bool:
    return any(w.startswith("#") for w in words)  # `stems` writes numbers as "#10"


_VALUES = {
    "time": lambda words: _holds_a_number(words) or bool(words & {"noon", "midnight", "morn"}),
    "day": lambda words: bool(words & _DAYS),
    "year": _holds_a_number,
}
"""Whether a moment's words (`stems`) hold a value of the kind asked for: a number or "noon" for a time,
a weekday for a day, a number for a year."""
def holds_the_value_asked(asked: str, text: str) -> bool:
    """Whether ``text`` holds a value of the kind a "what time/day/year…?" question asks for, or a "when…?"
    (a day, a time, a part of the day; False for any other question): of two lines naming breakfast,
    "breakfast is from 7 to 10" answers "What time does breakfast start?" and "Is breakfast included?" does not."""
    kind = _ASKS_A_VALUE.match(asked)
    if kind is None:  # "When should Sam bring his daughter?": of the lines naming her, "Bring her on Thursday…"
        return bool(_ASKS_WHEN.match(asked)) and bool(re.search(_WHEN_VALUE, text, re.I))
    return _VALUES[kind.group(1).lower()](stems(text))


_ASKS_A_VALUE = re.compile(r"^\W*(?:(?:and|so)\W+)?(?:at\s+|on\s+|in\s+)?(?:what|which)\s+(time|day|year)\b", re.I)


def another_line_says_it(answer: str, asked: str, moments: Sequence[Moment]) -> bool:
    """Whether the answer is taken from lines holding no word of the question while another line
    holds every one of them, or half of them (two or more): "Who lives in Chicago?" → "S2: "Really?
    And tell him the people they call me Joe."", beside "Chicago, my brother lives there." (a reply,
    one turn away)."""
    question = _word_stems(asked)
    if len(question) < 2 or says_not_told(answer) or _CJK.search(answer):
        return False
    holding = [moments[i] for i in _holding_the_question(question, moments)]
    if not holding:
        return False
    added = _word_stems(answer) - question
    # A one- or two-word answer ("Oliver") rests on one word: "Who painted the bridge?" → "Oliver" (the
    # guide's name) beside "The old bridge was painted green last summer." A line of a voice that says
    # it all is that voice's ("And I'm Omar." before "I teach music…"): the name may be the speaker's.
    enough = 1 if len(added) <= 2 else 2
    speaking = {moment.speaker for moment in moments if moment.speaker}
    voices = {moment.speaker for moment in holding if moment.speaker} if len(speaking) > 1 else set()
    sources = [moment for moment in moments if len(added & moment.words) >= enough]
    return bool(sources) and not any(moment.words & question or moment.speaker in voices for moment in sources)


_WHY = re.compile(r"^\W*(?:(?:and|so|but)\W+)?(?:why|how\s+come|for\s+what\s+reason)\b", re.I)
_REASON_TALK = _with_stems("because since so as due reason cause order therefore very really")
"""Words any reason may be told in, whatever it is."""


def a_reason_no_line_gives(answer: str, asked: str, moments: Sequence[Moment]) -> str | None:
    """What a "why…?" answer gives as the reason when no line said it, or None: the question's own words
    ("Why is the shower slow?" → "The shower is slow because it is very slow.") or words most of which
    no one line holds together ("Why did Grace move the plates?" → "…because she needed space for the
    new valve." beside "The water got into the cupboard, so I moved the plates to the table." — fresh17,
    read after its first run). A reason is the riskiest thing a small model adds: nothing in the words
    of an answer shows it was made up. Two words of what the answer adds to the question, or more than
    half of them, that no spoken or read line holds make it a reason no line gives; one such word is
    the model's wording ("…a cap to protect their hair from blocking the filters" beside "…because long
    hair blocks the filters"). A reason a line gives in other words than "because" ("…reopens next
    Monday after repairs", "A bird built a nest in my gutter and the water spills over") is held. Where lines hold
    the question's words, only they and the lines next to them are looked in.

    Args:
        asked: the question in English; moments: what was said or read (`moment_words`).
    """
    if not _WHY.match(asked) or says_not_told(answer) or _CJK.search(answer):
        return None
    question = _word_stems(asked)
    added = {w for w in _word_stems(answer) - question - _REASON_TALK - _ANSWER_TALK_STEMS
             if not any(w.startswith(q) or q.startswith(w) for q in question)}  # "moved" ("mov"), "move"
    if not added:
        return "the question's own words"
    # where lines hold the question, its reason is theirs or a neighbour's: "Why did Pippa run away?" → "…because she
    # saw a small brown dog near the river this morning." (the question's line: "She ran away when the firework
    # started last night."; fresh29, read) took the dog from the first line
    holding = _holding_the_question(question, moments)
    near = {j for i in holding for j in (i - 1, i, i + 1) if 0 <= j < len(moments)} or range(len(moments))
    unsaid = added - {w for i in near for w in moments[i].words}
    return ", ".join(sorted(unsaid)) if len(unsaid) >= 2 or 2 * len(unsaid) > len(added) else None


def _holding_the_question(question: set[str], moments: Sequence[Moment]) -> list[int]:
    """The moments holding every word of the question, or at least half of them (two or more): "Who bakes
    bread every morning?" → the bakery line, beside Whisper's "my mother makes rent here every morning"."""
    enough = max(2, (len(question) + 1) // 2)
    return [i for i, moment in enumerate(moments) if len(question & moment.words) >= enough]


_WHO_PART = re.compile(r"(?:^\W*|,\s*|\band\s+)(?:(?:and|so|then)\W+)?(?:who|whom|whose)\b[^?]*", re.I)
"""A question, or its part after "and" or a comma, asking who ("…, and who will bake it?")."""
_LABEL_NOT_QUOTED = re.compile(r"\bS(\d+)\b(?!\s*(?:says?|said|asks?|asked|replies|replied|answers?|answered)\b|\s*:)")


def a_voice_label_no_line_of_it_supports(answer: str, asked: str, moments: Sequence[Moment]) -> str | None:
    """A voice label (``S1``) given as who did or owns something when no line of that voice holds
    the question's words: "Who owns the cat?" → "The cat is owned by S1." about a narration whose one
    voice never says whose the cat is ("Our neighbour's cat sleeps under the fruit stall"). A label
    quoted as the voice of a line ("S1 says: …") is not looked at. A question's second part asks it too:
    "When will she pick it up, and who will bake it?" → "She will pick it up at noon. S1 will bake it." (a
    new user's first try, session 14: no line says who bakes). The label, or None."""
    part = _WHO_PART.search(asked)
    if part is None or _ABOUT_VOICES.search(asked):
        return None
    wanted = _word_stems(part.group())
    if not wanted:
        return None
    for number in dict.fromkeys(_LABEL_NOT_QUOTED.findall(answer)):
        label = f"S{number}"
        own = [moment for moment in moments if moment.speaker == label]
        if own and not any(all_said(wanted, moment.words) for moment in own):
            return label
    return None


_OPPOSITE_PAIRS = ("open close", "opens closes", "opened closed", "opening closing", "arrive leave", "arrives leaves",
                   "arrived left", "start end", "starts ends", "started ended", "start finish", "starts finishes",
                   "begin end", "begins ends", "buy sell", "buys sells", "bought sold", "before after",
                   "early late", "win lose", "won lost", "return leave", "returns leaves", "returned left")
_OPPOSITES: dict[str, set[str]] = {}
for _pair in _OPPOSITE_PAIRS:
    _one, _other = _pair.split()
    _OPPOSITES.setdefault(_one, set()).add(_other)
    _OPPOSITES.setdefault(_other, set()).add(_one)
"""Words a line may say where the answer says the other: "The market opens every Sunday at 8." is no
answer to "When does the market close?" ("The market closes every Sunday at 8."). Not "come" and "go"
(one trip seen from either end: "Are you coming to the lake?" → "Paul is going to the lake", fresh5),
nor "first" and "last"."""


_BACK = re.compile(r"\b(come|comes|coming|came|get|gets|getting|got|go|goes|going|went)\s+back\b", re.I)
_RETURN_FORMS = {"come": "return", "comes": "returns", "coming": "returning", "came": "returned", "get": "return",
                 "gets": "returns", "getting": "returning", "got": "returned", "go": "return", "goes": "returns",
                 "going": "returning", "went": "returned"}


def _returning(match: re.Match[str]) -> str:
    """"comes back" as "returns": one word, the opposite of "leaves" (fresh10: "What time does the coach come
    back?" → "The coach leaves the school gate at half past eight.", read after its final run)."""
    return _RETURN_FORMS[match.group(1).lower()]


def the_opposite_of_what_a_line_says(answer: str, asked: str, moments: Sequence[Moment], said: Sequence[str]) -> str | None:
    """A word of the question the answer repeats ("close") where the line the answer is taken from says
    its opposite ("opens") and not the word: the answer turned the line round. The word, or None."""
    if says_not_told(answer) or _CJK.search(answer):
        return None
    asked, answer = _BACK.sub(_returning, asked), _BACK.sub(_returning, answer)
    asked_words = set(re.findall(r"[a-z]+", asked.lower()))
    whole = set(re.findall(r"[a-z]+", answer.lower()))
    for word in sorted(asked_words):
        forms = _forms(word)
        if not forms & _OPPOSITES.keys():
            continue
        opposites = {o for f in forms & _OPPOSITES.keys() for other in _OPPOSITES[f] for o in _forms(other)}
        if not forms & whole:
            # "When does the cafe open?" → "The cafe … closing at 6": the opposite of what was asked
            if word in _ACTIONS and opposites & whole:
                return word
            continue
        for sentence in _SENTENCE.findall(answer) or [answer]:  # each from its own line
            if not forms & set(re.findall(r"[a-z]+", sentence.lower())):
                continue
            sources = [set(re.findall(r"[a-z]+", _BACK.sub(_returning, said[i]).lower()))  # read as the answer is
                       for i in _taken_from(sentence, asked, moments)]
            if sources and all(source & opposites and not source & forms for source in sources):
                return word
    return None


def _forms(word: str) -> set[str]:
    """A word and its forms with the endings `_OPPOSITES` lists (close, closes, closed, closing)."""
    root = re.sub(r"(?:es|s|ed|d|ing)$", "", word) if len(word) > 3 else word
    forms = {word, root, root + "s", root + "es", root + "ed", root + "d", root + "ing", root + "e"}
    return forms | {root[:-1] + "ing"} if root.endswith("e") else forms


_ACTIONS = frozenset(w for root in "open close arrive leave start end begin finish buy sell return".split()
                     for w in _forms(root))
"""Opposites an answer may not give for what was asked (not "before"/"after", "first"/"last": any
answer may use them)."""


_REFERS_BACK = re.compile(r"\b(?:it|its|they|them|their|he|him|his|she|her|this|that|these|those|there|here|I|me|my|"
                          r"we|us|our|you|your)\b|['’](?:m|re|ve|ll|d)\b", re.I)
"""Words by which a line may be about something it does not name ("I can fix it by Thursday")."""
_REFERS_BACK_TO_A_THING = re.compile(r"\b(?:it|its|they|them|their|he|him|his|she|her|this|that|these|those|there|"
                                     r"here)\b", re.I)
"""The words of `_REFERS_BACK` that may stand for a thing or an animal ("This is my cat. She likes milk."): "I", "we",
"you" stand for people, and "our" in "Our tomato plants are half price" is whose the named plants are."""


def _refers_back(asked: str) -> re.Pattern[str]:
    """The words by which a line may be about what ``asked`` asks about: any pronoun when it asks about someone (a
    name, a role, a person: "How long has Frank driven this route?" beside "I've driven it for ten years"), only
    those that may stand for a thing otherwise ("How much are the roses?" → "…half price…" from "Our tomato plants
    are half price until Sunday." is not about the roses: a new user's try, session 20; fresh33's "How much does the
    paint cost?" → "…fifty pounds." from "We deliver free … if you spend over fifty pounds")."""
    about_someone = (re.search(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]+", asked.strip()) or _SOMEONE.search(asked)
                     or A_ROLE.search(asked))
    return _REFERS_BACK if about_someone else _REFERS_BACK_TO_A_THING


_VALUE_WORDS = _with_stems("time day date year month week price cost much many long old far often")


def a_value_said_of_something_else(answer: str, asked: str, moments: Sequence[Moment],
                                   said: Sequence[str]) -> str | None:
    """The thing asked about (a word of the question the answer repeats, and some line holds) when
    what the answer adds comes only from lines that neither name it nor could refer to it: "What time
    does the museum close?" → "The museum closes at seven thirty." from "the library closes at seven
    thirty" while another line is about the museum. ``said``: each moment's text, for its pronouns. A bare
    value ("1 pound" for "How much is a lesson?") is of the one thing asked about: it is said of something
    else when every line it comes from gives it to another thing it names ("Lockers cost 1 pound…") and
    another line is about the thing."""
    question = _word_stems(asked) - _VALUE_WORDS - _ANSWER_TALK_STEMS - _word_stems(" ".join(_DONE.findall(asked)))
    if not question or says_not_told(answer) or _CJK.search(answer):
        return None
    refers_back = _refers_back(asked)
    # sentence by sentence: "The cat is called Whiskers. The coffee costs three dollars." takes each
    # from its own line, and the second does not say the coffee's price is the cat's
    for sentence in _SENTENCE.findall(answer) or [answer]:
        sources = _taken_from(sentence, asked, moments)
        if not sources:
            continue
        if not question & _word_stems(answer) and len(question) == 1 and _asks_a_value(asked):
            thing = next(iter(question))  # a bare value ("1 pound"): of the one thing asked about
            values = numbers_in(without_moments(sentence))
            if any(thing in moment.words for moment in moments) and all(
                    thing not in moments[i].words and _another_things_value(said[i], thing, values) for i in sources):
                return thing
            continue
        if any(refers_back.search(said[i]) for i in sources):
            continue
        if any(question & moments[i].words for i in sources):
            continue  # "the swimming pool" asked, "The pool opens at half past six" the line: of the pool
        for word in sorted(question & _word_stems(sentence)):
            elsewhere = any(word in moment.words for i, moment in enumerate(moments) if i not in sources)
            if elsewhere:
                return word
    return None


_ASKS_A_NUMBER = re.compile(r"^\W*(?:(?:and|so|then)\W+)?(?:what\s+time|when|how\s+(?:much|long|old|far))\b", re.I)
"""Questions a number answers ("how many" is left: a count of people comes from the voice labels, not a line)."""


def a_number_from_an_unrelated_line(answer: str, asked: str, moments: Sequence[Moment],
                                    said: Sequence[str]) -> float | None:
    """A number a "what time / when / how much / how long…?" answer gives that only lines holding no word of the
    question say (nor a word referring back to something), while the lines about what is asked hold no such
    number — or None. fresh25 (read): "What time will they meet the guide?" → "The guide will meet Lucy at 3."
    beside "Our guide, Lucy, will meet or set the castle at day the clock." (Whisper lost "ten o'clock") and
    "Decokes leaves the hammer at 3.": the 3 is the coach's. An answer saying what the number's line is about
    shows whose number it is, and is left alone: "When do the ski courses start?" (a German question put in
    English) → "Lessons start at nine every morning and finish at noon." beside that very line (fresh32)."""
    if not _ASKS_A_NUMBER.match(asked) or says_not_told(answer):
        return None
    question = _word_stems(asked) - _VALUE_WORDS - _ANSWER_TALK_STEMS
    related = [i for i, moment in enumerate(moments) if question & moment.words]
    if not question or not related:
        return None
    plain, refers_back = without_moments(answer), _refers_back(asked)
    added = _word_stems(plain) - question - _ANSWER_TALK_STEMS
    for number in sorted(numbers_in(plain) - numbers_in(asked)):
        holding = [i for i, text in enumerate(said) if number in numbers_in(text)]
        if holding and not any(question & moments[i].words or refers_back.search(said[i]) for i in holding) \
                and not any(number in numbers_in(said[i]) for i in related) \
                and not any(len(added & moments[i].words) >= 2 for i in holding):
            return number
    return None


def _asks_a_value(asked: str) -> bool:
    return any(question.match(asked) for question in _ASKS_MEASURE.values())


_SUBJECT_AND_VALUE = re.compile(r"\b([a-z]{3,})\s+(?:costs?|is|are|was|were)\s+([^.,;!?]*)", re.I)


def _another_things_value(line: str, thing: str, values: set[float]) -> bool:
    """Whether ``line`` gives one of ``values`` to a thing it names other than ``thing``: "Lockers cost one
    pound…" gives 1 to the lockers, not to "a lesson" (fresh17, read after its first run: "How much is a
    lesson?" → "1 pound", beside "Lessons for beginners are on Tuesday and Thursday.")."""
    for match in _SUBJECT_AND_VALUE.finditer(line):
        subject = stems(match.group(1))
        if values and numbers_in(match.group(2)) & values and subject and thing not in subject \
                and not _REFERS_BACK.fullmatch(match.group(1)):
            return True
    return False


_DONE = re.compile(r"\b(?:does|do|did|will|can|could|would|should)\s+(?:(?:the|a|an|this|that|his|her|their|its|my|your|our)"
                   r"\s+)?(?:\w+['’]s\s+)?\w+\s+(\w+)", re.I)
"""What a "does/will … ?" question asks its thing to do ("Where does the wind *come* from?"): no thing of its own, so
a line saying the value in other words ("strong winds from the north") is still about the thing (fresh14, read after
its run: "The wind comes from the north." was withheld because "the sun comes out" holds "come")."""


def _taken_from(answer: str, asked: str, moments: Sequence[Moment]) -> list[int]:
    """The moments holding the most of what ``answer`` adds to the question (numbers too: "opens at 4.30"
    from the cafe's line), none when it adds nothing a moment holds."""
    added = stems(answer) - stems(asked) - _ANSWER_TALK_STEMS
    held = [len(added & moment.words) for moment in moments]
    most = max(held, default=0)
    return [i for i, n in enumerate(held) if n and n == most]


_SENTENCE = re.compile(r"(?:[^.!?;\n]|[.!?;](?!\s|$))+[.!?;]?")
"""A sentence: up to a full stop, ! ? or ; followed by a space or the end (not inside 0:00:04.3)."""
_ANSWER_TALK = frozenset("""video description clip recording timeline moment scene frame entry screen camera picture
image view beginning start end middle later earlier throughout whole entire time point second minute hour mention
mentioned appear visible detected talk speak speaker narrator voice also just only still again seem around
approximately roughly exactly clearly specifically first last next near close soon after before during while toward
towards once briefly several few one two three four five six seven eight nine ten twice""".split())
"""Words any answer may use about the video and its times, whatever its entries say."""


_NEGATION_STEMS = _with_stems("cannot can't won't don't doesn't didn't isn't aren't wasn't weren't shouldn't mustn't "
                               "never nobody nothing none neither nor")
"""Words that say no, which an answer may use whatever the entries say: "No, you cannot bring your dog to the cafe."
beside "Dogs are welcome in the shop, but not in the cafe." had been withheld for "cannot", and the model's second
try said yes (a new user's try, session 20)."""


def words_no_entry_holds(answer: str, asked: str, described: set[str]) -> list[str]:
    """The words a sentence of the answer adds to the question that no entry holds, when they are
    most of what it adds; else []. For English answers (entries are English).

    "What does the speaker say about the weather?" about a garden tour that never mentions it:
    "The speaker says the weather is sunny."; "Where was the coffee bought?" → "The coffee was
    bought at a restaurant." (the 1.5B model). A sentence keeping most of its words from the
    entries passes ("He says the tickets cost three dollars" beside "Tickets are three dollars";
    "The cat sits on the couch" beside "1 cat (left), 1 couch (left)").

    Args:
        described: every entry's words (`stems`).
    """
    if _CJK.search(answer) or says_not_told(answer):
        return []
    question = _word_stems(asked) | _ANSWER_TALK_STEMS | _NEGATION_STEMS
    for sentence in _SENTENCE.findall(answer):
        if sentence.endswith("?"):  # a question back asks; it claims nothing
            continue
        added = _word_stems(sentence) - question
        missing = added - described
        if missing and len(missing) > len(added - missing):
            return sorted(missing)
    return []


def an_attribute_of_something_else(answer: str, asked: str, entries: Sequence[tuple[set[str], set[str]]]) -> str | None:
    """An attribute (colour, material, age, mood, size) the answer gives to a thing while no entry
    that states it names that thing or a word of the question, or None.

    Seen on the QA test half: "What color is the motorcycle?" → "The motorcycle is red." beside "The
    red delivery van arrives at three o'clock." and a detector's "1 motorcycle": some entry says red,
    none says the motorcycle is red. The thing is the sentence's other words and the question's, in
    English (`Asked.search_as`), so "La furgoneta es roja." is bound to "van" through its question.

    Args:
        entries: each entry's attribute concepts (`facts.attributes_in`) and words (`stems`).
    """
    if says_not_told(answer):
        return None
    talk = _ANSWER_TALK_STEMS - _THINGS_TOO
    question = _word_stems(asked) - talk - _GENERIC_STEMS
    for sentence in _SENTENCE.findall(answer) or [answer]:
        stated = attributes_in(sentence)
        attribute_words = {w for word in stated.values() for w in _word_stems(word)}
        things = (_word_stems(sentence) - attribute_words - talk - _GENERIC_STEMS) | question
        for concept, word in stated.items():
            holders = [words for concepts, words in entries if concept in concepts]
            if holders and things and not any(things & words for words in holders):
                return word
    return None


_THINGS_TOO = frozenset(stems("camera screen picture image frame"))
"""Words answers use of the video ("on camera") that are also things with a colour ("What colour is the
camera?" → "The camera is red." beside "This motorcycle is red": the garage, asked as a new user)."""
_ASKS_FOR_A_THING = re.compile(r"^\W*(?:(?:and|so|then)\W+)?(?:what|which|where)\b", re.I)
_POSITIONS = _with_stems("left right center centre top bottom middle")
_GENERIC = frozenset("""animal vehicle object thing item food furniture pet creature device kind type sort appear
shown visible first last next present there colour color""".split())
"""Question words a label answers by itself ("What animal is shown?" → "A cat.")."""


def a_label_for_what_no_module_reports(answer: str, asked: str, labels: set[str], described: set[str],
                                       moments: Sequence[Moment] = ()) -> bool:
    """Whether the answer gives a detector's label (and where it was) for a relation no module
    reports: "What is the astronaut eating?" → "The astronaut is eating a cup."; "Where was the
    coffee bought?" → "in the dining table". A word of the question ("eating", "bought") is in no
    entry, and all the answer adds is labels and positions, besides the words of a line that names
    what the question is about ("The astronaut Eileen Collins is eating a cup." beside "This is the
    astronaut Eileen Collins.": her name says who, not what she eats).

    Args:
        labels: the labels the detectors reported; described: every entry's words (`stems`);
        moments: what was said or read (`moment_words`).
    """
    if not _ASKS_FOR_A_THING.match(asked) or says_not_told(answer) or _CJK.search(answer):
        return False
    question = _word_stems(asked)
    unknown = question - described - _GENERIC_STEMS
    # or a line says it: "What is on the second floor?" → "The second floor is showing a dining table."
    # beside "The cafe on the second floor closes at four thirty."
    said = _a_moment_says_all(question, moments)
    naming = {w for moment in moments if moment.words & question for w in moment.words}
    added = _word_stems(answer) - question - naming - _HOLDING_STEMS
    label_words = _label_stems(labels) | _POSITIONS
    return (bool(unknown) or said) and bool(added) and added <= label_words


def _label_stems(labels: set[str]) -> set[str]:
    """Each word of the detectors' labels, stemmed as `stems` stems a question's words."""
    return {_stem(w) for label in labels for w in label.split()}


_HOLDING = frozenset("contain contains containing hold holds holding include includes including carry carries inside "
                     "show shows showing".split())
"""Words that put labels in a relation the labels do not report ("The red bag contains a horse and a cat.")."""


_HOW_MANY = re.compile(r"^\W*(?:(?:and|so)\W+)?how\s+many\s+([a-z]+)\b", re.I)
_COUNTED_BY_OTHERS = frozenset("people persons person voices speakers times".split())
"""Counts the answer checks give from the voices told apart, or that no line states ("how many times…")."""


def a_count_no_line_gives(answer: str, asked: str, moments: Sequence[Moment], said: Sequence[str],
                          labels: set[str]) -> str | None:
    """A "how many X?" about something lines speak of (not a detector's label) answered with a number that
    no line speaking of X gives, or None: "How many nights is he staying?" → "1" beside "I have a booking for
    two nights." (the "1" of "1 person (center)" made it look supported). The count as "N X"."""
    asked_for = _HOW_MANY.match(asked)
    if not asked_for or says_not_told(answer) or _CJK.search(answer):
        return None
    noun = asked_for.group(1).lower()
    thing = _stem(noun)
    if noun in _COUNTED_BY_OTHERS or thing in _label_stems(labels):
        return None
    speaking_of = [i for i, moment in enumerate(moments) if thing in moment.words]
    stated = numbers_in(without_moments(answer))
    if not speaking_of or not stated:
        return None
    given = {n for i in speaking_of for n in numbers_in(said[i])}
    missing = sorted(stated - given)
    return f"{missing[0]:g} {noun}" if missing else None


_HOW_MUCH_OR_MANY = re.compile(r"^\W*(?:(?:and|so)\W+)?how\s+(?:much|many)\s+([a-z]+)\b", re.I)
_NOT_A_THING = frozenset("is are was were does do did will would can could should has have had time money more "
                         "longer of".split())
"""Words after "how much/many" that name no thing ("How much is it?", "How much money…": a price is money)."""


def an_amount_of_what_no_entry_mentions(answer: str, asked: str, described: set[str]) -> str | None:
    """The thing a "how much/many X?" asks about when no entry mentions X at all and the answer gives a
    number anyway (some other thing's), or None: "How much sugar goes in?" → "200 grams" beside "200 grams
    of flour" (fresh15, read after its run). The number is in an entry, so no check of numbers could tell."""
    asked_for = _HOW_MUCH_OR_MANY.match(asked)
    if not asked_for or says_not_told(answer) or _CJK.search(answer):
        return None
    noun = asked_for.group(1).lower()
    if noun in _NOT_A_THING or noun in _COUNTED_BY_OTHERS or _stem(noun) in described:
        return None
    return noun if numbers_in(without_moments(answer)) else None


_DETAILS: dict[str, tuple[str, str]] = {
    # detail: (how a question asks for it, how a line states it), as regular expressions
    "surname": (r"surname|last\s+name|family\s+name", r"surname|last\s+name|family\s+name"),
    "job": (r"job|occupation|profession|do\s+for\s+(?:a\s+)?(?:living|work)",
            r"jobs?|work\w*|occupation|profession|employ\w*|career"),
    "phone number": (r"(?:tele)?phone\s+number|mobile\s+number", r"(?:tele)?phone|mobile|cell"),
    "email address": (r"e-?mail", r"e-?mail"),
    "home address": (r"(?:home\s+|street\s+)?address", r"address|street|road|avenue|lane"),
    "birthday": (r"birthday|date\s+of\s+birth", r"birthday|born|birth"),
    "salary": (r"salary|wage|income|how\s+much\s+does\s+\w+\s+earn", r"salary|wages?|income|earn\w*|paid|pay"),
    "brand": (r"brand|make\s+of|manufacturer", r"brand|make|model|manufactur\w*"),
}
"""Personal details people ask for ("What is the guide's surname?", "What is Jo's job?"), each with the
words a line stating it would hold."""
_ASKS_DETAIL = {detail: re.compile(rf"\b(?:{asked})\b", re.I) for detail, (asked, _) in _DETAILS.items()}
_STATES_DETAIL = {detail: re.compile(rf"\b(?:{stated})\b", re.I) for detail, (_, stated) in _DETAILS.items()}


def a_detail_no_line_states(answer: str, asked: str, entries: Sequence[Event]) -> str | None:
    """The personal detail a "what/which…?" question asks for (a surname, a job, a phone number, an
    address…) when the answer gives one while no entry says anything of that kind, or None.

    A small model gives the nearest fact instead: "What is the guide's surname?" → "Oliver" beside
    "Our guide today is called Oliver."; "What is Jo's job?" → "Jo's job is to tell him the people
    they call him Joe.". Words cannot tell whose detail a line states, only whether any line states
    one; a job is also stated by someone saying what they are ("I'm a nurse", "I'm Marcus, the new
    driver", "I teach at the primary school"): "What is Dana's job?" → "Dana's job is a nurse." had been
    withheld beside Dana's "I'm a nurse" (fresh23, asked before it was read). Whose job a line gives is
    `attribution.a_job_another_name_has`'s to tell.

    Args:
        asked: the question in English; entries: the timeline's entries.
    """
    if not _ASKS_FOR_SOMETHING.match(asked) or says_not_told(answer):
        return None
    for detail, question in _ASKS_DETAIL.items():
        if question.search(asked) and not any(_STATES_DETAIL[detail].search(e.text)
                                              or detail == "job" and _SAYS_WHAT_THEY_ARE.search(e.text) for e in entries):
            return detail
    return None


_SAYS_WHAT_THEY_ARE = re.compile(
    r"\b(?:I['’]m|I\s+am|[A-Z][a-z]+\s+is|[A-Z][a-z]+,)\s+(?:a|an|the|your|our)\s+(?:[a-z]+\s+)?"
    r"(?!(?:water|other|number|order|letter|corner|summer|winter|dinner|after|member)s?\b)"
    r"(?:[a-z]{3,}(?:er|or|ist|ian)|[a-z]{3,}(?:man|woman)|nurse|chef|guide|host|pilot|vet|mechanic|"
    r"agent|assistant|attendant|clerk)\b|\bI\s+teach\b"
    r"|\bI\s+(?:drive|run|manage|own|coach|fly|repair|fix|deliver)\s+(?:the|a|an|this|our)\s")
"""Someone saying what they are: "I'm a nurse", "I'm Marcus, the new driver", "Owen is the mechanic", "I teach…",
"I drive the school bus" (fresh27, read: "What is Alice's job?" → "Alice's job is to drive the school bus." had been
withheld beside Alice's own line)."""


_NAMED = (r"(?:what|which)(?:\s+is|\s+are|\s+was|\s+were|['’]s)\s+")
_ASKS_A_NAME = [re.compile(pattern, re.I) for pattern in (
    _NAMED + r"(?P<x>[^?]+?)['’]s?\s+(?:first\s+|last\s+|full\s+|nick)?names?\b",  # "What is the horse's name?"
    _NAMED + r"the\s+(?:first\s+|last\s+|full\s+)?names?\s+of\s+(?P<x>[^?]+)",  # "What is the name of the hotel?"
    _NAMED + r"(?P<x>[^?]+?)\s+called\b",  # "What is the rocket called?"
    r"what\s+do(?:es)?\s+[^?]+?\s+call\s+(?P<x>[^?]+)",  # "What do people in Chicago call Marco's friend?"
    r"^\W*who(?:\s+is|['’]s|\s+was)\s+(?P<x>the\s+[a-z]+(?:\s+[a-z]+)?)\W*$",  # "Who is the dentist?"
)]
_ASKS_WHO_SOMEONE_IS = _ASKS_A_NAME[-1]


def _name_asked_for(asked: str) -> str | None:
    """What a question asks the name of ("the horse" in "What is the horse's name?"), or None."""
    return next((m.group("x") for pattern in _ASKS_A_NAME for m in [pattern.search(asked)] if m), None)


_NAMING_WORDS = frozenset({"name", "call", "named", "nam"})
"""Words every naming line may hold ("my name is", "is called"; "nam" is `stems` of "named", "names"):
they bind a name to nothing."""
A_ROLE = re.compile(r"\b(?!(?:brother|mother|father|sister|daughter)s?\b)"
                    r"(?!(?:summer|winter|water|after|under|over|other|never|ever|later|together|number|corner|dinner|"
                    r"order|river|weather|letter|tower|power|flower|center|computer|matter|silver|finger|error|motor|"
                    r"floor|door|color|whether|either|neither|rather|further|october|november|december|september)s?\b)"
                    r"(?:[a-z]{3,}(?:er|or|ist|ian)s?|"
                    r"[a-z]{3,}(?:man|men|woman|women)|(?:agent|assistant|attendant|clerk|nurse|chef|guide|host|"
                    r"pilot|student|patient|client|guest|vet|mechanic|(?:life)?guard|coach|cook|staff|boss|captain|crew|"
                    r"chief|police|judge|surgeon|priest|nanny|maid)s?)\b", re.I)
"""Someone named by what they do ("the music teacher", "the driver", "the fisherman", "the agent"; not a
relative, not a place, not one of the common words that only end like a doer: "…removed last summer." names no
one (fresh28, read: "Who removed the diving board?")."""
_ANYONE = _with_stems("person people speaker narrator caller voice someone somebody man woman guy host presenter")
"""Words for whoever speaks, which a line where a voice names itself ("call me Jo") is about."""


def a_name_no_line_gives_it(answer: str, asked: str, entries: Sequence[Event]) -> str | None:
    """A name the answer gives to what the question asks the name of, when every line holding the name
    is about something else (`_names_it`), or None.

    Asked for names the video never gives, the 0.5B gave the nearest name it had: "What is the horse's
    name?" → "Whiskers" (the cat's), "What is Marco's brother's name?" → "Joe" (the other voice's own
    name), "What was the name of the mission?" → "June". A line where a voice names itself ("…call me
    Jo") is about whoever speaks ("the person Marco is calling"). The question's own names ("Marco")
    are not what it asks about; when no line holds a word of what it asks about ("Marco's friend"),
    lines cannot be told apart by it, and the answer is left to the other checks — unless it asks
    about someone by what they do and the answer gives a name a voice gave itself: "What is the
    receptionist's name?" → "Daniel Patel" beside the guest's "My name is Daniel Patel" (fresh8;
    fresh6: "Marco", the caller), when no line says who the receptionist is — though lines speak of the
    rest of it ("Who is the pool manager?" → "Marcus" beside "I am Marcus, your coach today." and
    "…welcome to the swimming pool."; fresh17, read after its first run).

    Args:
        asked: the question in English; entries: the timeline's entries.
    """
    asked_for = _name_asked_for(asked)
    if asked_for is None or says_not_told(answer):
        return None
    who = bool(_ASKS_WHO_SOMEONE_IS.search(asked))
    named = {w for name in re.findall(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]+", asked) for w in stems(name)}
    about = _word_stems(asked) - named - _NAMING_WORDS - _ANSWER_TALK_STEMS - _GENERIC_STEMS
    anyone = bool(_word_stems(asked_for) & _ANYONE)
    role = A_ROLE.search(asked_for)
    lines = [(e, stems(e.transcript or e.text)) for e in entries]
    asked_words = {w.lower() for w in re.findall(r"[A-Za-z]+", asked)}
    # "the pool manager" where lines speak of the pool and none of a manager: no line says who the manager is
    # ("the music teacher" beside "I teach music": a line saying what they do says it)
    role_unsaid = bool(role) and not any(w.startswith(r) or r.startswith(w) for _, words in lines for w in words
                                         for r in stems(role.group()) if min(len(w), len(r)) >= 4)
    if not anyone and (role_unsaid or not any(words & about for _, words in lines)):
        if role:  # "the receptionist", said by no line: a voice's own name does not make it the receptionist
            introduced = {n for e, _ in lines for n in introduced_names(e.transcript or e.text)}
            return next((f.text for f in facts_in(answer) if f.kind == "name" and f.text in introduced
                         and f.text.lower() not in asked_words), None)
        if _SOMEONE.search(asked_for) or re.search(r"\b[A-Z]", asked_for) or _A_PLACE_KIND.search(asked_for):
            return None  # "Marco's friend": no line says "friend", so none can be told apart as about it
        return _a_place_or_own_name(answer, asked_words, entries)
    given = [f.text for f in facts_in(answer) if f.kind == "name"] + _UNCAPITALISED_NAME.findall(answer)
    for name in dict.fromkeys(given):
        placed = who and re.search(rf"\b(?:from|in|at|near|into)\s+{re.escape(name)}\b", answer)
        if name.lower() in asked_words or placed:
            continue  # "Who is the guest?" → "An astronaut from Houston.": a place said of them, not their name
        holding = [i for i, (e, _) in enumerate(lines) if re.search(rf"\b{re.escape(name)}\b", e.text, re.I)]
        if not holding:
            continue  # a name in no entry: `facts.unsupported` says so
        if not any(_names_it(lines, i, name, about, anyone, bool(role)) for i in holding):
            return name
    return None


_A_PLACE_KIND = re.compile(r"\b(?:city|town|village|country|place|street|road|state|area|island|region|"
                           r"neighbou?rhood|district)s?\b", re.I)
_IN_A_PLACE = re.compile(r"(?<![Ww]elcome\s)\b(?:in|from|to|at|near)\s+([A-Z][a-z]+)\b(?!\s+[A-Z])")
"""A one-word place ("in Leeds"); not "Welcome to Fit Town gym", a business named."""


def _a_place_or_own_name(answer: str, asked_words: set[str], entries: Sequence[Event]) -> str | None:
    """A name the answer gives to a thing no line speaks of, which every line holding it says as a place
    ("I grew up in Leeds") or as someone's name ("I'm Leila", "Thanks Leila"): "What is the company called?" → "Leeds"
    (fresh22, asked before its answers were read; no line speaks of a company). A name said otherwise ("Welcome
    to Fit Town") may be the thing's, and is left alone."""
    for name in dict.fromkeys(f.text for f in facts_in(answer) if f.kind == "name"):
        if name.lower() in asked_words:
            continue
        holding = [e.transcript or e.text for e in entries if re.search(rf"\b{re.escape(name)}\b", e.text)]
        if holding and all(name in _IN_A_PLACE.findall(text) or name in introduced_names(text)
                           or name in addressed_names(text) for text in holding):
            return name
    return None


_UNCAPITALISED_NAME = re.compile(r"\b(?:called|named|name\s+is|name\s+was)\s+(?:the\s+|a\s+|an\s+)?([a-z]{3,})\b")
"""The first word of a name written in lower case: "The school is called the science centre." (fresh10, beside
"Tomorrow our class visits the science centre."; the school's name is never given)."""
_GIVES_A_NAME = re.compile(r"\b(?:called|named|name\s+is|name\s+was|name['’]s|known\s+as|goes\s+by)\s+\W*\w", re.I)
_QUOTED_WORD = re.compile(r'["“„«\'‘]\s*\w[^"”“„«»\'’]{0,40}["”“»\'’]')


_CALLED_WHAT = re.compile(r"\b(?:called|named|name\s+is|name\s+was|known\s+as)\s+(?P<given>[^.,;!?]+)", re.I)


def _a_common_noun_as_its_name(answer: str, thing: str) -> bool:
    """Whether what an answer gives as the name is lower-case words that are the thing asked about again or a
    thing after an article: "The church is called the church hall." (fresh27), "The school is called the primary
    school." (fresh23), 'The cafe is called the "cafe by the station."' (fresh24); "The campsite is called the
    garden." and "The ski resort is called the shop next to the chatlift." (fresh32, beside Whisper's "…borrowed
    some from the garden" and "…the shop next to the chatlift") — each asked before it was read, each where no
    line names it. A capitalised word ("the Grand Hotel") is a name, and so is a bare lower-case word ("called
    whiskers": Whisper writes some lines in lower case)."""
    given = _CALLED_WHAT.search(answer)
    if not given or not thing:
        return False
    words = re.findall(r"[A-Za-z]+", given["given"])
    if not words or any(w[0].isupper() for w in words):
        return False
    return words[0] in ("the", "a", "an") or bool(_word_stems(thing) & _word_stems(given["given"]))


_ONLY_A_TITLE = re.compile(r"^\W*(?:the\s+)?(?:dr|doctor|mr|mrs|ms|miss|mister|sir|madam|prof|professor)\W*$", re.I)
"""A title alone ("Dr."): no name."""


def a_name_question_answered_without_one(answer: str, asked: str) -> bool:
    """Whether a question asking for a name got an answer that gives none and does not say the video
    does not tell: it reads as an answer and answers nothing.

    fresh7: "What is the name of the cafe?" → "The cafe near the main entrance closing at 6 to 9.", the
    line about the cafe and no name. A name is a capitalised word the question does not hold, a word
    after "called", "named", "name is"…, something quoted, or an answer of three words or fewer
    ("whiskers."). English answers only: how other languages capitalise and name differs."""
    if _name_asked_for(asked) is None or says_not_told(answer):
        return False
    if _ONLY_A_TITLE.match(answer):
        return True  # "What is Doctor Patel's first name?" → "Dr." (fresh33, read after its first run)
    if len(answer.split()) <= 3:
        return False
    if _ASKS_WHO_SOMEONE_IS.search(asked):
        return False  # "Who is the guest?" → "An astronaut from Houston.": who they are, where no name is given
    if _a_common_noun_as_its_name(answer, _name_asked_for(asked) or ""):
        return True
    if _GIVES_A_NAME.search(answer) or _QUOTED_WORD.search(answer):
        return False
    asked_words = {w.lower() for w in re.findall(r"[A-Za-z]+", asked)}
    # A place is not a name for what is asked about: "Marco's brother lives in Chicago."
    unplaced = re.sub(rf"\b(?:{'|'.join(_PLACE_OR_TIME)})\s+[A-Z]\w*", " ", answer)
    names = {re.sub(r"['’]s$", "", f.text).lower() for f in facts_in(unplaced) if f.kind == "name"}
    return not names - asked_words


def _names_it(lines: Sequence[tuple[Event, set[str]]], i: int, name: str, about: set[str], anyone: bool,
              role: bool = False) -> bool:
    """Whether line ``i`` gives ``name`` to what the question asks about: a word of it a few words from
    the name in one sentence ("My cat is called Whiskers", "Priya is my sister"), the name not a place
    or a time ("launches on Friday", "near Dublin"); or a voice naming itself, when asked about anyone,
    or about someone by what they do (``role``) and its own turn says it ("I'm Omar. I teach music")."""
    event, _ = lines[i]
    said = event.transcript or event.text
    if name in introduced_names(said):
        if anyone or role and _own_turn_words(lines, i) & about:
            return True  # "And I'm Omar." + "I teach music…" (the same voice's turn): the music teacher
        if stems(" ".join(_I_AM.findall(said))) & about:
            return True  # "My name is Helen and I will be your guide." (fresh9: "the guide" was 6 words away)
        if role and _its_voice_says_it_is(lines, event.speaker, about):
            return True  # "Hello, I'm Dana…" and, a turn later, "…I'm a nurse…" (fresh23: "Who is the nurse?")
    for sentence in _SENTENCE.findall(said):
        words = re.findall(r"[A-Za-z][A-Za-z'’-]*", sentence)
        for k, word in enumerate(words):
            if word.lower() != name.lower():
                continue
            if stems(" ".join(itertools.takewhile(lambda w: w[0].isupper(), words[k + 1:k + 4]))) & about:
                return True  # "…this is Rosa from Greenfield Garden Centre": the garden centre's name, after "from" too
            if k and words[k - 1].lower() in _PLACE_OR_TIME:
                continue
            near = words[max(0, k - NAME_REACH_WORDS):k] + words[k + 1:k + 1 + NAME_REACH_WORDS]
            if stems(" ".join(near)) & about:
                return True
    return False


_I_AM = re.compile(r"\bI(?:['’]m|\s+am|\s+will\s+be|['’]ll\s+be|\s+work\s+as)\s+(?:your|the|a|an|our)\s+((?:\w+\s+)?\w+)",
                   re.I)
"""What a voice says it is ("I will be your guide", "I'm the new teacher")."""


def _its_voice_says_it_is(lines: Sequence[tuple[Event, set[str]]], speaker: str | None, about: set[str]) -> bool:
    """Whether the voice ``speaker``, which gave itself one name only, says in any of its lines that it is
    what the question asks about ("I'm a nurse"). A label that gave itself two names is two people."""
    if speaker is None or not _gave_one_name(speaker, _names_given([e for e, _ in lines])):
        return False
    return any(e.speaker == speaker and stems(" ".join(_I_AM.findall(e.transcript or e.text))) & about
               for e, _ in lines)


def _own_turn_words(lines: Sequence[tuple[Event, set[str]]], i: int) -> set[str]:
    """The words of line ``i`` and of the lines after it the same voice says before another voice speaks:
    what a voice that names itself says of itself — not someone it wants, sees or needs ("I'd like to
    see a dentist" does not make the caller the dentist: fresh6's clinic, "Who is the dentist?" → "Marco")."""
    event, _ = lines[i]
    turn = [event]
    for later, _ in lines[i + 1:]:
        if later.module != event.module:
            continue
        if event.speaker is None or later.speaker != event.speaker:
            break
        turn.append(later)
    return stems(" ".join(_SOMEONE_WANTED.sub(" ", e.transcript or e.text) for e in turn))


_SOMEONE_WANTED = re.compile(r"\b(?:see|seeing|visit|visiting|meet|meeting|call|calling|need|needs|want|wants|find|book|"
                             r"ask\s+for|look(?:ing)?\s+for|wait(?:ing)?\s+for)\s+(?:a|an|the|my|your|our|some)\s+\w+", re.I)
"""Someone a voice wants, sees or needs: no word of what that voice is or does."""


NAME_REACH_WORDS = 5
"""How far from a name a word of the thing it names may be: "Our guide today is called Oliver" (4)."""
_PLACE_OR_TIME = frozenset("in on at from near to of by since until till into onto toward towards".split())
"""A capitalised word after these is a place or a time, not the name of the thing beside it."""


def _stem(word: str) -> str:
    return next(iter(stems(word)), word)


def _word_stems(text: str) -> set[str]:
    """`stems` without the numbers (``#3``): the words a question or an answer is about."""
    return {w for w in stems(text) if not w.startswith("#")}


_A_TIME = re.compile(r"\d+:\d{2}|\b\d+\s*(?:s|secs?|seconds?|min\w*)\b|\bsecond\s+\d", re.I)


def _beside(moments: Sequence[Moment], i: int) -> list[int]:
    """``i`` and the lines of the same module either side of it that belong to one exchange with it: a
    reply by another voice ("Are you still in Madrid?" → "No, I moved to Toronto."), the rest of one
    utterance, or any neighbour when voices were not told apart. One narrator's next sentence is a
    new topic: "Where should I lock my bike?" was answered with "The red delivery van arrives at
    three o'clock.", said 0.9 s after "Please lock your bicycle near the bakery."."""
    module = moments[i].module
    before = next((j for j in range(i - 1, -1, -1) if moments[j].module == module), None)
    after = next((j for j in range(i + 1, len(moments)) if moments[j].module == module), None)
    return [i] + [j for j in (before, after) if j is not None and _one_exchange(moments[min(i, j)], moments[max(i, j)])]


def _one_exchange(first: Moment, then: Moment) -> bool:
    if first.speaker is None or first.speaker != then.speaker:
        return True
    return then.start - first.end < ONE_UTTERANCE_PAUSE_S


_VIDEO_LINE = re.compile(r'^video "([^"]+)": ')
"""How a moment across a library names its video (`library.across.moments_description`)."""


def words_by_video(lines: Sequence[str]) -> dict[str, set[str]]:
    """The content words of each video's moments, from timeline lines starting ``video "NAME": ``
    (empty for one video's timeline)."""
    said: dict[str, set[str]] = {}
    for line in lines:
        found = _VIDEO_LINE.match(line)
        if found:
            said.setdefault(found.group(1), set()).update(content_words(line[found.end():]))
    return said


def names_the_wrong_video(answer: str, question: str, said: Mapping[str, set[str]]) -> str | None:
    """The video an answer names for what none of its moments say, or None.

    Across a library, "Which video mentions a password?" came back as ``The video "site_visit"
    mentions a password.`` while the password was said in another video: the words the question
    asks about that some moment holds ("password") must be in a moment of the video named.
    ``said``: `words_by_video` of the timeline.
    """
    everywhere = set().union(*said.values()) if said else set()
    asked = content_words(question) & everywhere
    if not asked:
        return None
    for name, words in said.items():
        if re.search(rf'(?<![\w-]){re.escape(name)}(?![\w-])', answer) and not asked & words:
            return name
    return None


def _things(words: str) -> set[str]:
    return {singular(w) for w in content_words(words) if not w.startswith("#")} - _NOT_THINGS


_QUOTED = re.compile(r'["“„«]\s*([^"”“„«»]{8,}?)\s*["”“»]')
"""A quotation in an answer ("…", “…”, „…“, «…»), of at least a few words."""
QUOTE_TIME_SLACK_S = 2.0


def a_line_quoted_at_another_time(answer: str, entries: Sequence[Event]) -> str | None:
    """A line of the timeline the answer quotes beside times none of which is when it was said or
    shown: the 0.5B copied an earlier answer's form, "At 0:01:35 (speech): S1: "the library closes at
    seven thirty."", a line said at 0:01:20 (the quote, None when there is none)."""
    times = moments_named(answer)  # "0:01:35", not a time of day ("closes at 7:30: "…"")
    if not times:
        return None
    for quote in _QUOTED.findall(answer):
        said = _normal(quote)
        starts = [e.start for e in entries if said and said in _normal(e.transcript or e.text)]
        if starts and not any(abs(t - start) <= QUOTE_TIME_SLACK_S for t in times for start in starts):
            return quote
    return None


_VOICE_QUOTE = re.compile(r'\b(S\d+)(?:\s+(?:says?|said))?\s*:?\s*["“„«]\s*([^"”“„«»]{8,}?)\s*(?:["”“»]|$)')
"""A voice label and the line it is said to have said: ``S2: "Really? …"``, ``S1 says: “…”``."""


def a_line_given_to_another_voice(answer: str, entries: Sequence[Event]) -> str | None:
    """A sentence the answer quotes as one voice's that only another voice said, or None.

    The 0.5B, asked again "Who lives in Chicago?", joined two turns under one label: ``S2: "Really?
    Chicago, my brother lives there.`` — S2 said "Really?", S1 said the rest.
    """
    said = [(_normal(e.transcript), e.speaker) for e in entries if e.transcript and e.speaker]
    for voice, quote in _VOICE_QUOTE.findall(answer):
        for sentence in re.split(r"(?<=[.!?])\s+", quote):
            words = _normal(sentence)
            if len(words.split()) < 3:
                continue  # "Really?", "Great." are anyone's
            voices = {speaker for line, speaker in said if f" {words} " in f" {line} "}
            if voices and voice not in voices:
                return sentence
    return None


_VOICE_DOES = re.compile(r"(?:^|(?<=[.!?;]\s))\s*(S\d+)\s+(?!says?\b|said\b)(?:(?:is|was|also|really)\s+)?([a-z]{3,})\b")
"""An answer's sentence that has a voice label do something: "S1 loves the island." (not "S1 says: …")."""
_SELF = frozenset("i i'm i've i'd i'll we we're we've we'd we'll".split())
_SAID_OF = 3
"""How many words before its verb a line may name who does it ("She really loves…", "I also teach…")."""


def a_voice_given_what_it_said_of_another(answer: str, entries: Sequence[Event], asked: str = "") -> str | None:
    """A voice label the answer says does what that voice said someone else does, or None.

    fresh6: "Who loves the island?" → "S1 loves the island." beside S1's "Can Grandma come too? She
    loves the island.": a label is who spoke, and "she" is not the speaker. Only when every line of that
    voice holding the verb has someone other than "I" or "we" just before it ("My mother bakes bread"),
    so "S3 teaches music" beside S3's "I teach music at the school" stands. An answer that is only labels does
    the deed ``asked`` about: "Who gives the talk about roses?" → "S1" beside S1's "On Sunday my brother Sam gives a
    free talk about roses." (a new user's try on an unseen clip, session 19)."""
    deeds = _VOICE_DOES.findall(answer)
    who_did = _WHO_DID.match(asked)
    if not deeds and who_did:
        deeds = [(voice, who_did["verb"]) for voice in voice_labels_only(answer)]
    for voice, verb in deeds:
        if _said_of_another({voice}, _stem(verb), entries):
            return voice
    return None


def _said_of_another(voices: set[str], verb: str, entries: Sequence[Event]) -> bool:
    """Whether the voices say ``verb`` (a stem) in some line, each time with someone other than "I" or
    "we" just before it ("My grandmother planted…"); a line opening with it is the speaker's own ("Welcome to
    the book club." is the host welcoming: fresh7)."""
    doers = []
    for event in entries:
        if event.speaker not in voices or not event.transcript:
            continue
        words = re.findall(r"[a-z']+", event.transcript.lower().replace("’", "'"))
        doers += [words[max(0, k - _SAID_OF):k] for k, word in enumerate(words) if _stem(word) == verb]
    return bool(doers) and not any(not before or _SELF & set(before) for before in doers)


_WHO_DID = re.compile(r"^\W*(?:(?:and|so|then)\W+)?who\s+(?:(?:did|does|do|will|would|has|had|can|could)\s+)?"
                      r"(?P<verb>[a-z]{3,})\b", re.I)
_NAMED_FIRST = re.compile(r"\W*([A-Z][a-z]+)\b(?!['’]s)(?!\s+(?:de|du|von)\s)")


def a_name_given_what_its_voice_said_of_another(answer: str, asked: str, entries: Sequence[Event]) -> str | None:
    """The name a "who <did>…?" answer opens with, when the voice that gave itself that name says the deed
    only of someone else, or None: "Who planted the apple tree?" → "Felix planted the apple tree by the
    gate." beside Felix's "My grandmother planted the apple tree by the gate." (fresh19, in English, Spanish
    and French alike). The deed is the question's verb (the English question, so the answer may be in any
    language); "Felix's grandmother…", "La abuela de Felix…" open with no doer named so."""
    asked_for = _WHO_DID.match(asked)
    named = _NAMED_FIRST.match(answer)
    if not asked_for or not named or asked_for["verb"].lower() in _BEING or says_not_told(answer):
        return None
    name = named.group(1)
    voices = _voices_of(name, _names_given(entries))
    if len(voices) != 1:
        return None
    return name if _said_of_another(voices, _stem(asked_for["verb"].lower()), entries) else None


_SAYS_QUOTE = re.compile(r"\b([A-Z][a-z]+)\b[^\"“.!?]{0,40}?\b(?:says?|said|asks?|asked|replies|replied)\b\W{0,3}[\"“]([^\"”]+)[\"”]")


_WHO_DOES_TO = re.compile(r"^\W*(?i:(?:and|so|then)\W+)?(?i:who)\s+(?:(?:is|was|will|would|did|does|has|had|can)\s+)?"
                          r"(?P<verb>[a-z]+)\s+(?P<name>[A-Z][a-z]+)\b(?!['’]s)")
_BEING = frozenset("is was are were be been".split())


def the_one_done_to_as_the_doer(answer: str, asked: str) -> str | None:
    """The name a "who <does something to> <name>?" question asks about, when the answer makes that name the
    doer: "Who is calling Nina?" → "Nina is calling Felix." (fresh5), "Who invites Nina?" → "Nina invites
    Felix." (asked as a new user, session 10); or None. "Who is Nina?" and "Who called Nina's mother?" are
    not such questions."""
    asked_about = _WHO_DOES_TO.match(asked)
    if not asked_about or asked_about["verb"] in _BEING or says_not_told(answer):
        return None
    name = asked_about["name"]
    doer = re.match(rf"\W*{re.escape(name)}\b(?!['’]s)\s+(?:is\s+|was\s+|will\s+|did\s+)?[a-z]+", answer)
    done_to = re.match(rf"\W*{re.escape(name)}\s+(?:is|was|will\s+be|has\s+been)\s+\w+\s+by\b", answer)  # passive
    return name if doer and not done_to else None


_YES = re.compile(r"^\W*yes\b", re.I)
_DOES_WHERE = re.compile(r"\b([a-z]+)\s+(in|at|to|from)\s+([A-Z][a-z]+)")
"""A verb and the place it is put in: "live in Berlin", "moved to Toronto"."""


def a_yes_or_no_about_what_no_entry_mentions(answer: str, asked: str, described: set[str]) -> bool:
    """Whether a yes/no question about the world (not what the video shows or says) got a yes or a no while no
    entry holds any of its words (two or more): "Are pets allowed?" → "No pets are allowed." where Whisper had
    heard "Yes, pets are fine, …" as "Yes, that's fine, …" (fresh26, read). Nothing said either way is no answer;
    "Is there a dog?" is the detector's, and "Does anyone mention a dog?" is answered by no line mentioning one.
    ``described``: every entry's words (`stems`)."""
    if not ASKS_YES_OR_NO.match(asked) or not _YES_OR_NO.match(answer) or _ABOUT_THE_VIDEO.search(asked):
        return False
    if parse_question(asked) is not None:
        return False
    return _no_entry_holds_the_question(asked, described)


def _no_entry_holds_the_question(asked: str, described: set[str]) -> bool:
    """Whether no entry holds any word of the question, which has two or more (fewer: too little to tell)."""
    question = _word_stems(asked) - _ANSWER_TALK_STEMS
    return len(question) >= 2 and not question & described


def a_who_about_what_no_entry_mentions(answer: str, asked: str, described: set[str]) -> bool:
    """Whether a "who…?" got someone while no entry holds any word of the question (two or more): "Who lent them
    some pegs?" → "Graham lent them some pegs." where Whisper had heard "…forgot the tent pegs, so we borrowed some
    from the warden" as "…the tent eggs, so we borrowed some from the garden" (fresh32, asked before it was read):
    no line speaks of lending or of pegs, so nothing says who. ``described``: every entry's words (`stems`)."""
    if not ASKS_WHO.match(asked) or says_not_told(answer) or _CJK.search(answer):
        return False
    return _no_entry_holds_the_question(asked, described)


def a_yes_a_line_puts_elsewhere(answer: str, asked: str, said: Sequence[str]) -> str | None:
    """A "yes" to "does X <verb> in <place>?" when the lines that use that verb with "in" put it in another
    place and none in the one asked about, or None: "Does Anna live in Lisbon?" → "Yes, Anna lives in Lisbon."
    beside "I was born in Lisbon, but these days I live in Berlin." (asked as a new user on a read clip,
    session 10). What the line says, as "live in Berlin"."""
    if not _YES.match(answer):
        return None
    for verb, preposition, place in _DOES_WHERE.findall(asked):
        wanted = _forms(verb)  # "live" and "lives", "move" and "moved"
        found = [(p, f"{v} {pre} {p}") for text in said for v, pre, p in _DOES_WHERE.findall(text)
                 if _forms(v) & wanted and pre == preposition]
        if found and all(p != place for p, _ in found):
            return found[0][1]
    return None


_NOT_THERE = re.compile(r"\b(?:not|never|no)\s+(?:allowed\s+|permitted\s+)?(?:in|at|on|inside|into)\s+(?:the\s+|our\s+)?"
                        r"([a-z]+)\b", re.I)
"""A line keeping something out of a place: "Dogs are welcome in the shop, but not in the cafe."."""


def a_yes_a_line_says_not_there(answer: str, asked: str, said: Sequence[str]) -> str | None:
    """A "yes" to a question about a place when a line holding the question's other words says "not in" that place,
    or None: "Can I bring my dog to the cafe?" → "Yes, you can bring your dog to the cafe." beside "Dogs are welcome in
    the shop, but not in the cafe." (a new user's try, session 20). What the line says, as "not in the cafe"."""
    if not _YES.match(answer):
        return None
    question = _word_stems(asked) - _ANSWER_TALK_STEMS
    for text in said:
        for kept_out in _NOT_THERE.finditer(text):
            place = stems(kept_out.group(1))
            if place and place <= question and (question - place) & stems(text):
                return kept_out.group(0)
    return None


_ABOUT_THE_LOOK = re.compile(r"\b(?:drawn|draw\w*|animat\w*|cartoon\w*|film\w*|real|look\w*|style|photo\w*|picture\w*|"
                             r"paint\w*|illustrat\w*|fake|labels?)\b", re.I)
_THE_LOOK_NOTE = re.compile(r"\b(?:looks?|looking)\s+drawn\s+or\s+animated\b|\bdrawn\s+or\s+animated\b", re.I)


def asks_about_the_look(asked: str) -> bool:
    """Whether a question is about how the picture looks (drawn, animated, filmed, real…)."""
    return bool(_ABOUT_THE_LOOK.search(asked))


def the_look_note_as_an_answer(answer: str, asked: str) -> bool:
    """Whether the answer gives the objects module's note that a picture looks drawn or animated as the answer
    to a question not about how it looks: "Why does the water spill over?" → "…because the picture looks drawn
    or animated, not filmed." (fresh11, read after its final run; the QA set's older clips had it too:
    "Comment s'appelle le chat perdu ?" → "…appelé "la photo semble dessinée ou animée…"")."""
    return bool(_THE_LOOK_NOTE.search(answer)) and not asks_about_the_look(asked)


_ASKS_WHAT = re.compile(r"^\W*(?:(?:and|so|then)\W+)?what\b(?!.*\b(?:name|names|called|call|calls)\b)", re.I)


def a_person_for_a_thing(answer: str, asked: str, said: Sequence[str]) -> str | None:
    """The name of someone in the video given as the whole answer to a "what…?" that asks for a thing, or None:
    "What does Ruth want to borrow?" → "Daniel" (the neighbour: fresh11, read after its final run). A name is
    one a voice gives itself or calls another by; "What is her name?" and "What do they call him?" ask for one."""
    if not _ASKS_WHAT.match(asked):
        return None
    word = answer.strip().strip(".!\"'").strip()
    if not re.fullmatch(r"[A-Z][a-z]+", word):
        return None
    people = {n for text in said for n in [*introduced_names(text), *addressed_names(text)]}
    return word if any(same_name(word, person) for person in people) else None


def a_line_given_to_whom_it_addresses(answer: str) -> str | None:
    """A name the answer has say a line that speaks to that name, or None: "Who is Jo?" → "Jo is the
    person who says "See you on Monday, Joe."" (the call, asked as a new user) — a line ending ", Jo."
    or opening "Hi Jo," is said to Jo, not by Jo. Whisper's spelling of the name may differ by a letter."""
    for name, quote in _SAYS_QUOTE.findall(answer):
        if any(same_name(called, name) for called in addressed_names(quote)):
            return name
    return None


_FIRST_PERSON = re.compile(r"\b(?:I|I['’](?:m|ll|ve|d)|me|my|mine|we|us|our)\b")
_SECOND_PERSON = re.compile(r"\byou\b", re.I)
_WHO_IS_ASKED = re.compile(r"^\W*who\s+(?:is|are|was|were)\s+[a-z]", re.I)
"""Any "who is/are/was/were …?" ("Who is Emma?", "Who is paying by card?"): left to the other checks. (Written as
"[A-Z]" under re.I at first, which read as "a name follows" and matched every letter: what it does is said here.)"""
_NOT_DOERS = frozenset("the a an it this that there they he she we i yes no nobody someone somebody everyone".split())


def a_doer_the_line_speaks_to(answer: str, asked: str, moments: Sequence[Moment], said: Sequence[str]) -> str | None:
    """The name a "who …?" answer gives as the doer when every line holding the question says it of the
    speaker ("I") to that name, or None: "Who wants to pay by card?" → "Emma wants to pay by card."
    beside "Thanks, Emma. Can I pay by card?" (fresh15, read after its run: the two voices shared one label,
    so no voice rule could tell). "Emma, can you pay by card?" is said to Emma about her: not looked at."""
    if not ASKS_WHO.match(asked) or _WHO_IS_ASKED.match(asked) or says_not_told(answer):
        return None
    first = re.match(r"\W*([A-Z][a-z]+)(?:\s+[a-z]|\W*$)", answer)  # "Emma wants…", "Emma." (not "Chicago, my…")
    if not first or first.group(1).lower() in _NOT_DOERS:
        return None
    name = first.group(1)
    holding = [said[i] for i in _holding_the_question(_word_stems(asked), moments)]
    if not holding or any(same_name(given, name) for text in holding for given in introduced_names(text)):
        return None
    spoken_to = all(any(same_name(called, name) for called in addressed_names(text))
                    and _FIRST_PERSON.search(text) and not _SECOND_PERSON.search(text) for text in holding)
    return name if spoken_to else None


def same_name(one: str, other: str) -> bool:
    """Whether two spellings are one name, as Whisper may write it ("Joe" for the asked "Jo")."""
    return difflib.SequenceMatcher(None, one.lower(), other.lower()).ratio() >= 0.8


def two_voices_said_to_be_one(answer: str, entries: Sequence[Event]) -> str | None:
    """"X is Y" where X and Y are names two different voices gave themselves, or None: "Who is Jo?" →
    "Jo is Marco." (the call, asked as a new user: Marco's "Hi, this is Marco." is S1, "…call me Jo" S2)."""
    voices = _names_given(entries)
    for one, other in re.findall(r"\b([A-Z][a-z]+)\s+(?:is|was)\s+(?:also\s+)?([A-Z][a-z]+)\b", answer):
        a, b = _voices_of(one, voices), _voices_of(other, voices)
        if len(a) == 1 and len(b) == 1 and a != b:
            return f"{one} is {other}"
    return None


def _names_given(entries: Sequence[Event]) -> dict[str, set[str]]:
    """The names voices gave themselves (lower-case), each with the voices that gave it."""
    voices: dict[str, set[str]] = {}
    for event in entries:
        if event.speaker and event.transcript:
            for name in introduced_names(event.transcript):
                voices.setdefault(name.lower(), set()).add(event.speaker)
    return voices


def voices_named_in(asked: str, entries: Sequence[Event]) -> set[str]:
    """The voices that gave themselves a name the question holds, each a voice that gave itself no other
    ("Where will Dana work?" → {"S1"} beside S1's "Hello, I'm Dana."): what they say is about them."""
    given = _names_given(entries)
    voices = {v for name in re.findall(r"\b[A-Z][a-z]+\b", asked) for v in _voices_of(name, given)}
    return {v for v in voices if _gave_one_name(v, given)}


def named_voices(entries: Sequence[Event]) -> dict[str, str]:
    """Each voice that gave itself exactly one name, with that name (lower-case, as Whisper heard it)."""
    given = _names_given(entries)
    return {voice: name for name, voices in given.items() for voice in voices if _gave_one_name(voice, given)}


def voices_named(name: str, entries: Sequence[Event]) -> set[str]:
    """The voices that gave themselves ``name`` (with any other name too), as Whisper may spell it."""
    return _voices_of(name, _names_given(entries))


def _gave_one_name(voice: str, given: Mapping[str, set[str]]) -> bool:
    """Whether ``voice`` gave itself exactly one of the names ``given`` (`_names_given`): a label that gave itself
    two is two people given one label, and names neither."""
    return sum(voice in labels for labels in given.values()) == 1


def _voices_of(name: str, voices: Mapping[str, set[str]]) -> set[str]:
    """The voices that gave themselves ``name``, as Whisper may spell it ("Jo" asked, "Joe" heard)."""
    return {v for said, labels in voices.items() if same_name(said, name) for v in labels}


_PLACE_NAME = re.compile(
    r"\b((?:[A-Z][a-z]+\s+)+(?:Street|Road|Avenue|Lane|Drive|Square|Place|Way|Park|Bridge|Station|Airport|Clinic|"
    r"Hospital|School|University|College|Hotel|Cafe|Café|Restaurant|Market|Museum|Library|Church|Lake|River|Beach|"
    r"Shop|Store|Bakery|Gallery|Theatre|Theater|Cinema|Centre|Center|Mall|Studio|Garage|Pub|Bar|Hall|Harbour|Harbor|"
    r"Zoo|Garden|Gardens))\b")
"""A place named in capitalised words ending in a kind of place: "Riverside Street", "King Street", "School Bike
Shop" (fresh9: "What is the name of the bike shop?", no line names one)."""


def a_place_name_no_entry_holds(answer: str, asked: str, entries: Sequence[Event]) -> str | None:
    """A place name the answer puts together that no entry (nor the question) holds whole, or None.

    fresh6: "What street is the clinic on?" → "The clinic is on Riverside Street." beside "Good
    morning, Riverside Clinic…": each word is in the question or a line, the address is in neither.
    An address is a confident claim; its words being known is not evidence of it."""
    held = " ".join(" ".join([asked, *(e.text for e in entries)]).lower().split())
    for name in _PLACE_NAME.findall(answer):
        words = name.split()
        while words and words[0].lower() in _SENTENCE_OPENERS:
            words = words[1:]  # "The Riverside Clinic", "On King Street"
        if len(words) >= 2 and " ".join(words).lower() not in held:
            return " ".join(words)
    return None


_SENTENCE_OPENERS = frozenset("the a an on at in near by from to it its this that yes no".split())


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


_GENERIC_STEMS = frozenset(_stem(g) for g in _GENERIC)
"""`_GENERIC` as `stems` gives them (made once, after `stems` is defined)."""
_HOLDING_STEMS = frozenset(w for h in _HOLDING for w in _word_stems(h))
_ANSWER_TALK_STEMS = frozenset(_ANSWER_TALK) | {w for talk in _ANSWER_TALK for w in _word_stems(talk)}
"""(Each word as it is — "video" is a stop word, but "videos" is cut to it — and every stem of it: `_stem` of
"three" may be its number, #3.)"""
