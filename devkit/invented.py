"""Invented answers: the specific facts an answer states that the video's description does not hold.

The QA evaluation counts these apart from wrong answers (an answer can even be right and
invent a detail beside it). The rule, also written in ``tests/data/qa/qa.yaml``:

* a **number** (digits, or English/Spanish/Chinese number words) that no entry's text holds —
  0 and 1 are left out ("a cat", "one person" is everyday phrasing); "three" and "3" are the
  same fact, "nineteen eighty" and "1980" too;
* a **video time** ("0:01:28", "1:28:30", "12 seconds in", "2 minutes 20 seconds") more
  than `NEAR_S` from every entry, unless its numbers are all in some entry's text (a clock
  time said aloud: "seven thirty" → "7:30");
* a **name**: a capitalised word that is not a common sentence opener or function word and
  is in no entry, no module label and not in the question (not in German answers, whose
  nouns are all capitalised);
  a count given with the things it counts, each of them a word of the description, is no
  invented number ("3 people say who they are: Anna, Tom, Priya"): the answer shows it;
* an **attribute** no entry holds: a colour, material, age or mood word (`ATTRIBUTE_WORDS`,
  English, Spanish, French, German; the question's own words do not count: "Is the van red?"
  does not ground "yes, it is red");
* a **kind of person** — a woman, a man, a child — stated (in a sentence without a negation)
  when no entry names one: a detector's "person" says nothing of sex or age.

The question's own words and numbers are never invented (the user said them). This is
deliberately independent of the answer checks inside `videochat_text`: the evaluation
must not grade the system with its own rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from videochat_text.timeline import SUMMARY_MODULE, Description, clock_times, timeline_entries

NEAR_S = 2.0
"""How far from every timeline entry a video time may be before it is invented."""

_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "first": 1, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10,
    # Spanish
    "cero": 0, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
    "dieciséis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19,
}
"""("second", "once" and "media" are left out: as a unit, an adverb or "medium" they are no numbers.)"""
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "veinte": 20, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60,
    "setenta": 70, "ochenta": 80, "noventa": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "cien": 100, "ciento": 100, "mil": 1000}
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(sorted({*_ONES, *_TENS, *_SCALES}, key=len, reverse=True)) + r")\b",
                          re.IGNORECASE)
_CJK_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
               "八": 8, "九": 9}
_CJK_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千]+")
_CJK_WEEKDAY = re.compile(r"(?:星期|周|礼拜)[一二三四五六日天]")
"""A weekday ("星期二", Tuesday): its character is no number (fresh17's "初学者的课程在星期几？" → "星期二和星期四")."""
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_MIN_SEC = re.compile(
    r"\b(\d+)\s*-?\s*(?:min(?:ute)?s?|minutos?|分钟?)\s*(?:(?:and|y|,)\s*)?(?:(\d+)\s*-?\s*(?:s|secs?|seconds?|segundos?|秒))?",
    re.IGNORECASE)
_SEC = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*(?:s|secs?|seconds?|segundos?|秒)(?![a-z])", re.IGNORECASE)
_CAPITALISED = re.compile(r"(?<![\w'’])([A-ZÀ-ÖØ-Þ](?:(?![\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff])[\w'’-])+)")
"""A capitalised word, ended by a Chinese character too ("Houston训练" names Houston)."""
_WORD = re.compile(r"[^\W\d_]+")
_ADDRESS = re.compile(r"\b(?!The\b)[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\s+(?:Street|Road|Avenue|Lane|Square)\b")
"""An address: capitalised words ending in a kind of street ("Riverside Street", "Elm Road")."""
_GERMAN = re.compile(r"\b(?:der|die|das|den|dem|ist|sind|und|nicht|ein|eine|sagt|um|wird|bei|hat|am|im)\b", re.I)
"""A German answer (its nouns are capitalised: no name check), when the question's language is not given:
"Die Apfel kosten…" opens with a capital."""
_ELIDED = re.compile(r"^(?:[CDJLMNST]|Qu)['’](?=[a-zà-ÿ])")
"""A French article or pronoun run into the next word ("L'astronaute", "D'accord", "C'est")."""

COMMON_CAPITALISED = frozenset("""
a an the this that these those there here it its it's i i'm i'd i'll i've me my we our you your he his she her they their them
we're we'll we'd we've you're you'll you'd you've he'd he'll she'd she'll they'll they'd they've it'll
yes no not none nothing nobody never sure okay ok well so and but or also then however though although
is are was were be been being has have had do does did can could will would should may might must shall
what when where who whom whose why how which while if because since until after before during
in on at to of for from by with without about around approximately between into over under near
according based unfortunately sorry certainly indeed yes, note please let there's that's he's she's they're
video videos clip description timeline transcript speaker narrator someone somebody answer question
speech objects summary captions tags actions ocr scenes am pm a.m p.m english chinese spanish
first second third last next one two three four five six seven eight nine ten both each every all some any
mr mrs ms dr st
el la los las un una unos unas sí si en de del al hay es está están se lo que qué cuándo dónde quién cómo cuál
según video vídeo durante después antes también pero porque por para con sin sobre
le les l' une des du au aux ce cette il elle ils elles oui non à où quand qui quoi pas je tu nous vous on dans sur sous avec pour chez vers selon pendant après avant aussi mais parce
yo tú usted ustedes nosotros ellos ellas
der die das den dem des ein eine einen einem ja nein wo wann wer was wie bei im am um
""".split())
"""Capitalised words that are not names: sentence openers and function words (English, Spanish,
French, German: "Le description …" opens with an article, not a name)."""


_RUN = re.compile(rf"{_NUMBER_WORD.pattern}(?:[\s-]+{_NUMBER_WORD.pattern})*", re.IGNORECASE)
_UNIT_AFTER = re.compile(r"\s*-?\s*(?:min(?:ute)?s?|minutos?|s\b|secs?\b|seconds?|segundos?)", re.IGNORECASE)

Reading = frozenset[float]
"""One way to read a stated number: the numbers that must all be in the description."""


def _run_readings(words: list[str]) -> list[Reading]:
    """"twenty five" → 25; "three hundred" → 300; "seven thirty" → 37, or 7 and 30 (a clock time);
    "nineteen eighty" → 1980, or 19 and 80."""
    total, current = 0, 0
    for w in words:
        if w in _SCALES:
            total, current = total + max(current, 1) * _SCALES[w], 0
        else:
            current += _ONES.get(w, 0) + _TENS.get(w, 0)
    readings = [frozenset({float(total + current)}),
                frozenset(float((_ONES | _TENS | _SCALES)[w]) for w in words)]
    if len(words) == 2 and 10 <= _ONES.get(words[0], 0) <= 20 and words[1] in _TENS:
        readings.append(frozenset({float(_ONES[words[0]] * 100 + _TENS[words[1]])}))  # "nineteen eighty"
    return readings


def _cjk_value(text: str) -> int:
    """``七`` → 7, ``十五`` → 15, ``二十`` → 20, ``三百`` → 300 (plain runs: digit by digit)."""
    total, current = 0, 0
    for ch in text:
        if ch in _CJK_DIGITS:
            current = current * 10 + _CJK_DIGITS[ch] if current and ch not in "十百千" else _CJK_DIGITS[ch]
        else:
            total += max(current, 1) * {"十": 10, "百": 100, "千": 1000}[ch]
            current = 0
    return total + current


def number_facts(text: str) -> list[tuple[str, list[Reading]]]:
    """The numbers ``text`` states, each as it is written and the ways to read it."""
    facts: list[tuple[str, list[Reading]]] = []
    for match in _DIGITS.findall(text):
        value = float(match)
        readings = [frozenset({value})]
        if value.is_integer() and 1000 <= value <= 2999:  # a year, said as two numbers: 19 and 80
            readings.append(frozenset({value // 100, value % 100}))
        facts.append((match, readings))
    for match in _RUN.finditer(text):
        facts.append((match.group(0), _run_readings(_words_of(match.group(0)))))
    facts += [(m, [frozenset({float(_cjk_value(m))})]) for m in _CJK_NUMBER.findall(_CJK_WEEKDAY.sub(" ", text))]
    return facts


def numbers_in(text: str) -> set[float]:
    """Every number ``text`` could be read as stating (generous: for what a description holds)."""
    return {n for _, readings in number_facts(text) for reading in readings for n in reading}


_COUNTED_LIST = re.compile(rf"(?P<n>\d+|{_NUMBER_WORD.pattern})\b[^.:;\d]{{0,40}}:\s*(?P<items>[^.:;]+)", re.IGNORECASE)


def _counted_lists(text: str, words: set[str]) -> set[float]:
    """The counts ``text`` gives with the things counted listed after them, each a word the description
    holds: "3 people say who they are: Anna, Tom, Priya." → {3}."""
    counts = set()
    for match in _COUNTED_LIST.finditer(text):
        items = [i.strip() for i in re.split(r",|\band\b", match.group("items")) if i.strip()]
        readings = _run_readings(_words_of(match.group("n"))) if not match.group("n").isdigit() else \
            [frozenset({float(match.group("n"))})]
        if all(len(i.split()) == 1 and i.lower() in words for i in items):
            counts |= {n for reading in readings for n in reading if n == len(items)}
    return counts


def _words_of(run: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(run)]


def _units_in_digits(text: str) -> str:
    """Number words before a unit as digits: "two minutes and twenty seconds" is a time."""
    def one(m: re.Match) -> str:
        if not _UNIT_AFTER.match(text, m.end()):
            return m.group(0)
        (total,) = _run_readings(_words_of(m.group(0)))[0]
        return f"{total:g}"
    return _RUN.sub(one, text)


def video_times(text: str) -> tuple[list[float], str]:
    """The video times ``text`` states, in seconds, and the text with them taken out."""
    times: list[float] = list(clock_times(text))
    rest = re.sub(r"(?<![\d:.])(?:\d{1,2}:)?\d{1,2}:\d{2}(?:\.\d+)?(?![\d:])", " ", text)
    rest = _units_in_digits(rest)

    def minutes(m: re.Match) -> str:
        times.append(int(m.group(1)) * 60 + int(m.group(2) or 0))
        return " "

    def seconds(m: re.Match) -> str:
        times.append(float(m.group(1)))
        return " "

    rest = _MIN_SEC.sub(minutes, rest)
    rest = _SEC.sub(seconds, rest)
    return times, rest


@dataclass
class Grounds:
    """What a description holds that an answer may state: numbers, words, and when entries are."""

    numbers: set[float] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    spans: list[tuple[float, float]] = field(default_factory=list)
    attributes: set[str] = field(default_factory=set)
    """Attribute concepts some entry states (not the question: "Is the van red?" grounds no "red")."""
    text: str = ""
    """Every entry's text, lower case, for names of several words ("riverside street")."""

    @classmethod
    def of(cls, description: Description) -> "Grounds":
        """Numbers from what the modules reported; words (for names) also from the summary.

        The summary's numbers and the header's (length, size, frame rate) are left out: the
        small models reach for them when they invent ("The cat is 640 years old", "12 years
        old" in a 12-second video); a stated video time is checked as a time instead.
        """
        entries = timeline_entries(description)
        grounds = cls(spans=[(e.start, e.end) for e in entries])
        for entry in entries:
            if entry.module == SUMMARY_MODULE:
                grounds.words |= _words(entry.text)
            else:
                grounds.add(entry.text)
        if description.summary is not None:
            grounds.words |= _words(description.summary.text)
        labels = {d.label for e in description.events for d in e.detections}
        grounds.words |= _words(" ".join(labels | {e.module for e in description.events}))
        return grounds

    def add(self, text: str) -> None:
        self.text += " " + " ".join(text.lower().split())
        self.numbers |= numbers_in(text)
        self.words |= _words(text)
        self.attributes |= attributes_of(text)

    def near_entry(self, t: float) -> bool:
        return any(start - NEAR_S <= t <= end + NEAR_S for start, end in self.spans)

    def invented(self, answer: str, asked: Iterable[str] = (), language: str | None = None) -> list[str]:
        """The specific facts in ``answer`` that neither the description nor the question holds
        (``language``: the question's, when known: a German answer's capitals are nouns)."""
        said = Grounds(numbers=set(self.numbers), words=set(self.words), spans=self.spans,
                       attributes=set(self.attributes), text=self.text)
        asked_times: set[float] = set()
        for question in asked:
            said.add(question)
            asked_times |= set(video_times(question)[0])
        everyday = {0.0, 1.0}
        facts: list[str] = []
        times, rest = video_times(answer)
        for t in times:
            parts = numbers_in(re.sub(r"[:.]", " ", _clock(t))) - everyday
            if t in asked_times or self.near_entry(t) or parts <= said.numbers:
                continue
            facts.append(f"time {_clock(t)}")
        counted = _counted_lists(rest, said.words)
        for written, readings in number_facts(rest):
            if any(reading - everyday <= said.numbers | counted for reading in readings):
                continue
            facts.append(f"number {written}")
        facts += [f"attribute {a}" for a in sorted(attributes_of(answer) - self.attributes)]
        facts += [f"kind {k}" for k in sorted(kinds_stated(answer) - self.words)]  # the question grounds none
        for address in _ADDRESS.findall(answer):  # "Riverside Street": each word known, the address not
            if address.lower() not in said.text:
                facts.append(f"name {address}")
        german = language == "de" or language is None and _GERMAN.search(answer) is not None
        for name in ([] if german else _CAPITALISED.findall(answer)):
            if _ELIDED.match(name):
                continue  # "L'astronaute": an article run into a common noun ("L'Ordinateur" is still checked)
            word = name.strip("'’-").lower()
            if word in COMMON_CAPITALISED or re.sub(r"['’]s$", "", word) in said.words | COMMON_CAPITALISED:
                continue
            if "-" in word and word in said.text:
                continue  # a hyphened word quoted from a line ("Hot-teed soul…", Whisper's): its parts are words
            facts.append(f"name {name}")
        return facts


ATTRIBUTE_WORDS = {
    "red": "red rojo roja rouge rot rote roten", "blue": "blue azul bleu bleue blau blaue",
    "green": "green verde vert verte grün grüne", "yellow": "yellow amarillo amarilla jaune gelb gelbe",
    "black": "black negro negra noir noire schwarz schwarze", "white": "white blanco blanca blanc blanche weiß weiße",
    "grey": "grey gray gris grise grau graue", "brown": "brown marrón marron braun braune",
    "silver": "silver plateado argenté silbern", "pink": "pink rosa", "purple": "purple morado violet lila",
    "wooden": "wooden madera bois hölzern holz", "metal": "metal metallic metálico métal metall",
    "plastic": "plastic plástico plastique plastik", "ceramic": "ceramic cerámica céramique keramik",
    "brick": "brick ladrillo brique ziegel", "leather": "leather cuero cuir leder",
    "young": "young joven jeune jung junge", "old": "old elderly viejo vieja vieux vieille alt alte",
    "rusty": "rusty oxidado rouillé rostig", "new": "brand-new",
    "happy": "happy glad cheerful feliz heureux heureuse glücklich froh", "sad": "sad triste traurig",
    "angry": "angry enojado enfadado fâché wütend", "tired": "tired cansado fatigué müde",
    "relaxed": "relaxed calm relajado détendu entspannt ruhig", "smiling": "smiling smiles sonriendo souriant lächelt",
    "nervous": "nervous anxious nervioso nerveux nervös", "scared": "scared afraid asustado effrayé ängstlich",
}
"""Attribute words (no built-in module reports colour, material, age or mood), per concept."""
_ATTRIBUTE = {w: concept for concept, words in ATTRIBUTE_WORDS.items() for w in words.split()}
_ATTRIBUTE_RE = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, _ATTRIBUTE), key=len, reverse=True))
                           + r")(?![\w-])", re.IGNORECASE)
KINDS_OF_PEOPLE = frozenset("""woman women man men lady ladies guy guys child children kid kids boy boys girl girls
baby babies teenager teenagers mujer mujeres hombre hombres niño niña niños niñas femme femmes homme hommes enfant
enfants garçon fille frau frauen mann männer kind kinder junge mädchen""".split())
"""Narrower words than a detector's "person"."""
_NEGATION = re.compile(r"\b(?:no|not|never|none|nor|cannot|n't|pas|nicht|kein\w*|ningún|ninguna?)\b|n't", re.I)


def attributes_of(text: str) -> set[str]:
    """The attribute concepts ``text`` states (`ATTRIBUTE_WORDS`)."""
    text = re.sub(r"\b(?:years?|months?|weeks?|days?)\s+old\b", " ", text, flags=re.IGNORECASE)  # an age: a number
    return {_ATTRIBUTE[m.group(1).lower()] for m in _ATTRIBUTE_RE.finditer(text)}


def kinds_stated(text: str) -> set[str]:
    """Kinds of people a text states, in sentences without a negation."""
    found = set()
    for sentence in re.split(r"(?<=[.!?;。！？])\s*", text):
        if not _NEGATION.search(sentence):
            found |= {w.lower() for w in _WORD.findall(sentence) if w.lower() in KINDS_OF_PEOPLE}
    return found


def _words(text: str) -> set[str]:
    # Letters, and letters with digits: a speaker label ("S1") in an entry grounds it in an answer.
    return {w.lower() for w in _WORD.findall(text)} | {w.lower() for w in re.findall(r"[^\W_]+", text)}


def _clock(t: float) -> str:
    h, rest = divmod(int(t), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
