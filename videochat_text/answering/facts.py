"""The specific facts in a text — numbers, times, names, attributes — and whether a timeline supports them.

A small chat model invents plausible specifics: "the van arrives at 12:30 PM in
Amsterdam" when the narration said three o'clock, or "the car is red" when no module
reports colour. Every number (digits or words), clock time, name, weekday, month and attribute (a
colour, material, age, mood or size: `ATTRIBUTES`) an answer states can be looked for in
the timeline's text, its times and the question; `unsupported` lists those found nowhere.
An attribute is supported only by an entry (a caption, a spoken line), never by the
question alone: "Is the van red?" does not make "Yes, the van is red" true. Attribute
words are known in English, Spanish, French, German and Chinese and stand for one
English concept, so "rouge" in an answer is supported by "red" in a transcript; so is a weekday or a
month ("samedi" by "Saturday", "mayo" by "May": English ones are capitalised, so checked as names).
Names are only checked where a capitalised word is a name (the caller says: not in
German, whose nouns are all capitalised, nor in Chinese); numbers and times in every
language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ..timeline import SUMMARY_MODULE, Event, clock_times, format_timestamp
from .language import CHINESE_DAYS, CHINESE_WEEKDAY, MONTHS_ABROAD, WEEKDAYS_ABROAD

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
    people person man woman men women someone
    el la los las un una unos unas sí si en de del al hay es está están se lo que qué cuándo dónde quién cómo cuál
    según vídeo durante después antes también pero porque por para con sin sobre sí no ella él ellos
    le les une des du au aux il elle ils elles oui non dans selon pendant après avant aussi mais parce pour avec
    sans sur vidéo est sont ce cette ces qui quoi quand où comment quel quelle on nous vous je à ça
    il lo gli uno sì della nel nella dopo prima anche perché sono questo questa
    o os um uma sim não na no da do em depois também porque com sem sobre este esta
    de het een ja nee niet en in op van met voor na ook maar omdat dit deze zij hij""".split())
"""Words a sentence may start with (or the description's own vocabulary) that are not names, in
English, Spanish, French, Italian, Portuguese and Dutch (where only names are capitalised)."""


_ATTRIBUTE_WORDS = {
    # colours
    "red": "red rojo roja rojos rojas rouge rouges rot rote roter rotes roten 红 红色",
    "blue": "blue azul azules bleu bleue bleus bleues blau blaue blauer blaues blauen 蓝 蓝色",
    "green": "green verde verdes vert verte verts vertes grün grüne grüner grünes grünen 绿 绿色",
    "yellow": "yellow amarillo amarilla amarillos amarillas jaune jaunes gelb gelbe gelber gelbes gelben 黄色",
    "black": "black negro negra negros negras noir noire noirs noires schwarz schwarze schwarzer schwarzes "
             "schwarzen 黑 黑色",
    "white": "white blanco blanca blancos blancas blanc blanche blancs blanches weiß weiße weißer weißes weißen "
             "白色",
    "grey": "grey gray gris grise grises grau graue grauer graues grauen 灰色",
    "brown": "brown marrón marrones marron braun braune brauner braunes braunen 棕色 褐色",
    "pink": "pink rosa rosado rosada 粉色 粉红色",
    "purple": "purple violet violeta morado morada violette lila 紫色",
    "orange-colour": "naranja orangefarben 橙色 橘色",
    "silver": "silver silvery plateado plateada argenté silbern 银色",
    "golden": "golden gold dorado dorada doré dorée golden 金色",
    "beige": "beige",
    # materials
    "wood": "wooden wood madera bois holz hölzern 木头 木制",
    "metal": "metal metallic metálico metálica métal métallique metall metallisch 金属",
    "plastic": "plastic plástico plastique plastik 塑料",
    "leather": "leather cuero cuir leder 皮革",
    "steel": "steel acero acier stahl 钢",
    "stone": "stone piedra pierre stein 石头",
    "brick": "brick ladrillo brique ziegel 砖",
    "ceramic": "ceramic cerámica céramique keramik 陶瓷",
    "wool": "wool woolen woollen lana laine wolle 羊毛",
    "cotton": "cotton algodón coton baumwolle 棉",
    # age
    "young": "young younger joven jóvenes jeune jeunes jung junge junger junges jungen 年轻",
    "old": "old older elderly aged viejo vieja viejos viejas anciano anciana vieux vieil vieille âgé âgée alt alte "
           "alter altes alten 年老",
    "teenage": "teenage teenaged adolescente adolescent jugendlich 青少年",
    "middle-aged": "middle-aged",
    # mood
    "happy": "happy glad joyful cheerful feliz contento contenta heureux heureuse joyeux froh glücklich fröhlich "
             "高兴 快乐 开心",
    "sad": "sad unhappy triste tristes traurig 悲伤 难过 伤心",
    "angry": "angry furious enojado enojada enfadado enfadada fâché fâchée furieux wütend verärgert 生气 愤怒",
    "excited": "excited emocionado emocionada excité excitée aufgeregt 兴奋 激动",
    "calm": "calm relaxed tranquilo tranquila calme ruhig entspannt 平静 冷静",
    "nervous": "nervous anxious worried nervioso nerviosa preocupado preocupada nerveux nerveuse inquiet inquiète "
               "nervös besorgt 紧张 担心",
    "scared": "scared afraid frightened asustado asustada effrayé effrayée ängstlich 害怕",
    "tired": "tired exhausted cansado cansada fatigué fatiguée müde 累 疲惫",
    "surprised": "surprised sorprendido sorprendida surpris überrascht 惊讶",
    "bored": "bored aburrido aburrida ennuyé ennuyée gelangweilt 无聊",
    "smiling": "smiling smile smiles sonriendo sonriente souriant souriante lächelnd lächelt 微笑",
    "crying": "crying cries cried llorando pleure pleurant weint weinend 哭",
    "laughing": "laughing laughs riendo rit riant lacht lachend 笑",
    # size
    "large": "large big huge enormous grande grandes énorme groß große großer großes großen riesig",
    "small": "small tiny pequeño pequeña pequeños pequeñas petit petite petits petites klein kleine "
             "kleiner kleines kleinen winzig",
    "tall": "tall alto alta",
}
"""Words for an attribute no built-in module reports (colour, material, age, mood, size), in English,
Spanish, French, German and Chinese, each under one English concept."""

KINDS_OF_PEOPLE = frozenset("""woman women man men lady ladies guy guys child children kid kids boy boys girl girls
baby babies teenager teenagers mujer mujeres hombre hombres niño niña niños niñas chico chica femme femmes homme hommes
enfant enfants garçon garçons fille filles frau frauen mann männer kind kinder junge mädchen""".split())
"""Kinds of person no built-in module tells apart (a detector reports "person"): stated only if an
entry names them, like an attribute."""

ATTRIBUTES: dict[str, str] = {word: concept for concept, words in _ATTRIBUTE_WORDS.items() for word in words.split()}
"""Attribute word → its concept (``rouge`` → ``red``)."""
_CJK_ATTRIBUTES = sorted((w for w in ATTRIBUTES if re.match(r"[\u3400-\u9fff]", w)), key=len, reverse=True)
_LATIN_ATTRIBUTE = re.compile(r"(?<![\w-])(" + "|".join(sorted((re.escape(w) for w in ATTRIBUTES
                                                                if not re.match(r"[\u3400-\u9fff]", w)),
                                                               key=len, reverse=True)) + r")(?![\w-])", re.I)


def attributes_in(text: str) -> dict[str, str]:
    """The attributes ``text`` states: concept → the word as written."""
    text = re.sub(r"\b(?:years?|months?|weeks?|days?)\s+old\b", " ", text, flags=re.I)  # an age is a number
    found = {ATTRIBUTES[m.group(1).lower()]: m.group(1) for m in _LATIN_ATTRIBUTE.finditer(text)}
    rest = text
    for word in _CJK_ATTRIBUTES:  # longest first: 粉红色 before 红
        if word in rest:
            found.setdefault(ATTRIBUTES[word], word)
            rest = rest.replace(word, " ")
    return found


@dataclass(frozen=True)
class Fact:
    kind: str
    """``number``, ``time`` (a clock time), ``name``, ``attribute``, ``kind`` (of person), ``age``
    (``1 year old``), ``quantity`` (a number with its unit: ``1 year``, ``20 minutes``) or ``date`` (a weekday in
    German, Spanish, French or Chinese, or a month in the first three: ``samedi``, ``mayo``)."""
    text: str
    """As written in the answer."""


def numbers_in(text: str) -> set[float]:
    """Every number in ``text``: digits (``3``, ``3.5``, the parts of ``7:30``) and number words
    (``three``, ``thirty``; ``seven thirty`` gives 7 and 30)."""
    found = {float(n.replace(",", ".")) for n in _NUMBER.findall(text)}
    found |= {float(NUMBER_WORDS[w]) for w in re.findall(r"[a-zé]+", text.lower()) if w in NUMBER_WORDS}
    return found


def facts_in(text: str, *, openers_are_names: bool = True) -> list[Fact]:
    """The specific facts an answer states: its numbers, clock times, names and attributes."""
    facts = [Fact("time", m.group()) for m in re.finditer(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?!\d)", text)]
    without_times = re.sub(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?!\d)", " ", text)
    facts += [Fact("number", n) for n in _NUMBER.findall(without_times)]
    facts += [Fact("number", w) for w in re.findall(r"[A-Za-z]+", without_times)
              if w.lower() in NUMBER_WORDS and w.lower() not in ("one", "half")]  # "one of", "one person": too common
    for sentence in re.split(r"(?<=[.!?:;])\s+|\n+", text):
        words = _WORD.findall(sentence)
        for word in words[0 if openers_are_names else 1:]:
            clean = word.strip("'’-")
            if clean[:1].isupper() and clean.lower() not in COMMON_CAPITALIZED and clean.lower() not in NUMBER_WORDS:
                if clean.lower() not in ATTRIBUTES and clean.lower() not in KINDS_OF_PEOPLE:
                    facts.append(Fact("name", clean))
    facts += [Fact("attribute", word) for word in attributes_in(text).values()]
    facts += [Fact("kind", word) for word in dict.fromkeys(_kinds_stated(text))]
    facts += [Fact("age", m.group()) for m in _AGE.finditer(text)]
    facts += [Fact("quantity", m.group()) for m in _QUANTITY.finditer(text) if not _AGE.match(text, m.start())]
    facts += [Fact("quantity", m.group()) for m in _MONEY.finditer(text)]
    facts += [Fact("date", m.group()) for m in _DATE_ABROAD.finditer(text)]
    facts += [Fact("date", m.group()) for m in CHINESE_WEEKDAY.finditer(text)]
    return facts


_DATES_IN_ENGLISH = WEEKDAYS_ABROAD | MONTHS_ABROAD
_DATE_ABROAD = re.compile(
    r"(?<![\w-])(?:" + "|".join(sorted(_DATES_IN_ENGLISH, key=len, reverse=True)) + r")s?(?![\w-])", re.I)
"""fresh24: "Quel jour vont-ils prendre un café ?" → "Le café sera organisé le samedi à 11h." beside "Let's meet for
coffee on Sunday.": no entry says Saturday, and a lower-case "samedi" had not been looked for as a name is. Every
week's day too: "todos los sábados", "samstags", "les samedis" (fresh4: "El mercado abre todos los sábados…")."""


def _in_english(said: str) -> str:
    chinese = CHINESE_WEEKDAY.fullmatch(said)
    if chinese:
        return CHINESE_DAYS[chinese.group(1)]
    said = said.lower()
    return _DATES_IN_ENGLISH.get(said) or _DATES_IN_ENGLISH[said[:-1]]  # "sábados", "samstags": every Saturday


_UNIT = {"year": "year", "month": "month", "week": "week", "day": "day", "hour": "hour", "minute": "minute",
         "kilo": "kilo", "kilogram": "kilo", "kg": "kilo", "kilometre": "km", "kilometer": "km", "km": "km",
         "mile": "mile", "metre": "metre", "meter": "metre", "dollar": "dollar", "euro": "euro", "pound": "pound",
         "percent": "percent"}
_QUANTITY = re.compile(r"\b(?:\d+(?:[.,]\d+)?|(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r"))"
                       r"[\s-]+(?:" + "|".join(sorted(_UNIT, key=len, reverse=True)) + r")s?\b(?!\s+(?:into|in\s+the\s+video))",
                       re.I)
""""1 year", "twenty minutes", "3 kilos": a number with what it counts. "She trained for two years" does
not support "1 year" because some entry says "1 person"; "2 minutes into the video" is a moment."""


_MONEY = re.compile(r"([$€£])\s?(\d+(?:[.,]\d+)?)")
""""$12", "€5": a price. fresh8: "How much does the room cost?" → "The room costs $12." beside "room twelve"."""
_CURRENCY = {"$": "dollar", "€": "euro", "£": "pound"}


def quantities_in(text: str) -> set[tuple[float, str]]:
    """The (value, unit) pairs ``text`` states: "two years" → {(2.0, "year")}, "$3" → {(3.0, "dollar")}."""
    found = {(float(m.group(2).replace(",", ".")), _CURRENCY[m.group(1)]) for m in _MONEY.finditer(text)}
    for m in _QUANTITY.finditer(text):
        *number, unit = re.split(r"[\s-]+", m.group().lower())
        unit = _UNIT[unit if unit in _UNIT else unit[:-1]]
        found |= {(n, unit) for n in numbers_in(" ".join(number))}
    return found


_AGE = re.compile(r"\b(?:\d+|[a-z]+)[\s-]+(?:years?|months?|weeks?)[\s-]+old\b", re.I)
""""1 year old", "three-month-old": an age, stated only if an entry says one (a "1" elsewhere in
the description does not make the cat one year old)."""


_SPEAKS_OF_AGE = re.compile(r"\b(?:old|aged?|birthday|turn(?:s|ed)?)\b", re.I)


_NEGATION = re.compile(r"\b(?:no|not|never|none|nor|cannot|pas|nicht|kein\w*|ningún|ninguna?|ni)\b|n['’]t\b", re.I)


def _kinds_stated(text: str) -> list[str]:
    """Kinds of person named in sentences that do not deny them ("does not tell men, women … apart")."""
    found = []
    for sentence in re.split(r"(?<=[.!?;。！？])\s*", text):
        if not _NEGATION.search(sentence):
            found += [w for w in _WORD.findall(sentence) if w.lower() in KINDS_OF_PEOPLE]
    return found


@dataclass(frozen=True)
class Corpus:
    """What a description says, normalized for looking facts up: its words, numbers and times."""

    words: frozenset[str]
    numbers: frozenset[float]
    attributes: frozenset[str]
    """The attribute concepts (`ATTRIBUTES`) its text states."""
    times: tuple[float, ...]
    """Entry start and end times, in seconds: an answer may name when something happens."""
    quantities: frozenset[tuple[float, str]] = frozenset()
    """Numbers with their units (`quantities_in`)."""
    ages: frozenset[tuple[float, str]] = frozenset()
    """The numbers with units of the lines that speak of an age ("three years old", "aged 12"): "How old is
    Raj's daughter?" → "10 years old" beside "I haven't seen you in 10 years" (fresh24, asked before it was
    read) is no age said; the words "old", "years" and "10" anywhere had made it look supported."""
    aged: tuple[str, ...] = ()
    """Those lines in lower case: an age without a number ("a year old") is looked for in them as written."""

    @classmethod
    def of(cls, entries: Iterable[Event], extra: Iterable[str] = (), *, about: Iterable[str] = ()) -> "Corpus":
        """
        Args:
            extra: more text that states facts (e.g. the question).
            about: text about the video rather than in it — its header and summary: their words
                and moments count, their numbers do not (a summary's "S1 (7 s)", speaking time,
                once made "The cat is 7 years old" look supported).
        """
        entries = list(entries)
        # A stretch's summary is about the video too: "S1 (10 s), … (and 6 more lines)" once made
        # "The tickets cost $10." look supported. What it quotes is in the entries it summarises.
        summaries = [e.text for e in entries if e.module == SUMMARY_MODULE]
        stated = "\n".join([e.text for e in entries if e.module != SUMMARY_MODULE] + list(extra))
        joined = "\n".join([stated, *summaries, *about])
        times = tuple(sorted({t for e in entries for t in (e.start, e.end)}))
        # Clock times in the text (a summary's "from 0:00:07.0") are moments, not numbers said:
        # their parts must not make "7 years old" look supported.
        said = _CLOCK_TEXT.sub(" ", stated)
        times += tuple(clock_times(joined))
        aged = [_CLOCK_TEXT.sub(" ", e.text) for e in entries if e.module != SUMMARY_MODULE and _SPEAKS_OF_AGE.search(e.text)]
        aged += [text for text in extra if _SPEAKS_OF_AGE.search(text)]
        return cls(frozenset(w.lower() for w in _WORD.findall(joined)), frozenset(numbers_in(said)),
                   frozenset(attributes_in(joined)), times, frozenset(quantities_in(said)),
                   frozenset(q for text in aged for q in quantities_in(text)), tuple(" ".join(t.lower().split()) for t in aged))

    def supports(self, fact: Fact, slack_s: float = 2.0) -> bool:
        if fact.kind == "attribute":
            return ATTRIBUTES.get(fact.text.lower(), ATTRIBUTES.get(fact.text)) in self.attributes
        if fact.kind == "kind":
            return fact.text.lower() in self.words
        if fact.kind == "age":
            said = " ".join(fact.text.lower().split())
            return bool(quantities_in(fact.text) & self.ages) or any(said in text for text in self.aged)
        if fact.kind == "quantity":
            return bool(quantities_in(fact.text) & self.quantities)
        if fact.kind == "date":
            return _in_english(fact.text) in self.words or fact.text.lower() in self.words
        if fact.kind == "name":
            word = fact.text.lower()
            # a name said with its possessive: "Ruth Reed" beside Whisper's "…Ruth Reed's story is to the children"
            # (fresh30: the name had been found in no entry), and the other way round: "Graham's son forgot…" beside
            # "…I'm Graham" (fresh32: "Whose son forgot the tent pegs?" had been withheld)
            bare = re.sub(r"['’]s$", "", word)
            return any(said in self.words for said in (word, bare, word.rstrip("s"), f"{word}s", f"{word}'s", f"{word}’s"))
        if fact.kind == "time":
            (seconds,) = clock_times(fact.text) or [None]
            if seconds is not None and any(abs(seconds - t) <= slack_s for t in self.times):
                return True  # a moment of the video
            # a time of day said ("7:30" as "seven thirty"); ":00" is the hour said alone ("from 7 to 10" holds
            # "7:00": fresh8's "What time does breakfast start?" → "…at 7:00…" had been withheld)
            hour, *minutes = fact.text.split(":")
            said = numbers_in(hour) | (numbers_in(" ".join(minutes)) - {0.0})
            return said <= self.numbers
        return bool(numbers_in(fact.text) & self.numbers)


def unsupported(answer: str, corpus: Corpus, *, names: bool = True, openers_are_names: bool = True) -> list[Fact]:
    """The facts in ``answer`` that the corpus does not contain.

    Args:
        names: check capitalised words as names at all (not in German or Chinese answers).
        openers_are_names: a sentence's first word may be a name (English: its openers are
            listed; French or Spanish answers often open with a verb, "Attachez …").
    """
    return [f for f in facts_in(answer, openers_are_names=openers_are_names)
            if (names or f.kind != "name") and not corpus.supports(f)]


def clock(seconds: float) -> str:
    """A video time as an answer gives it: ``0:02:30``."""
    return format_timestamp(seconds).rsplit(".", 1)[0]
