"""The language a question is asked in, and the sentences answers made from the timeline use in it.

The language is identified by py3langid (langid.py's model, 4.5 MB, shipped in its wheel),
restricted to the languages the chat model is asked to answer in (`LANGUAGES`). Measured
on 139 short questions in 10 languages (``benchmarks/language_id.py``): py3langid 98.6%
right, lingua-language-detector 97.8% (high accuracy; 88.5% in its low-accuracy mode) at
four times the memory and load time; the word-ratio rule it replaces, 46.8% (French read
as Spanish or English, German as English).

Timelines are searched with an English embedding model and English word overlap, so a
question in another language is first translated by the chat model (one short call), and the
model answers that translation (so the answer meets the checks that read English words); the
answer is translated back by the chat model (one more short call), kept only if the translation
keeps its names, numbers and times and `reads_as` the question's language. Answers made from the
timeline use `phrase`.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable
    from py3langid.langid import LanguageIdentifier

LANGUAGES = ("en", "zh", "es", "fr", "de", "it", "pt", "ja", "ru", "nl")
"""What questions are identified as: the languages the chat model answers in that users ask in most."""

UNSURE_BELOW = 0.5
"""Below this probability the identification is a guess, and the question is taken as English."""

NAMES_CAPITALISED = frozenset({"en", "es", "fr", "it", "pt", "nl"})
"""Languages where a capitalised word inside a sentence is a name: German capitalises every noun
("Der Mann sagt Hallo."), and Chinese, Japanese and Russian answers transliterate names."""

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LETTERS = re.compile(r"[^\W\d_]")


def reads_as(text: str, language: str) -> bool:
    """Whether ``text`` reads as ``language`` rather than English: how a translation of an English answer is told
    from one left in English. Told among every language, "Anna lebt in Berlin." is English at a guess (its names are
    most of its words); German is still likelier than English."""
    if _CJK.search(text) or language in ("zh", "ja"):
        return bool(_CJK.search(text)) and language in ("zh", "ja")
    ranked = dict(_identifier().rank(text))
    return ranked.get(language, 0.0) > ranked["en"]


@functools.cache
def _identifier() -> "LanguageIdentifier":
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def _identify(text: str) -> str:
    language, probability = _identifier().classify(text)
    # Unsure ("one?", "Is Maria in Boston?" read as Dutch at 0.30): English, the timeline's language.
    return language if probability >= UNSURE_BELOW else "en"


def question_language(question: str) -> str:
    """The question's language, one of `LANGUAGES` (English when it has no letters to tell by).

    Example:
        >>> question_language("Wo wohnt Anna jetzt?")
        'de'
    """
    if _KANA.search(question):
        return "ja"
    if _CJK.search(question):
        return "zh"
    if not _LETTERS.search(question):
        return "en"
    return _identify(question)


TRANSLATE_PROMPT = ("Translate this {language} question into English, word for word. Reply with the English question "
                    "only, nothing else.\n\n{question}")
"""Naming the question's language helped the embedded 0.5B on the QA set's 18 dev questions in other
languages: "Wo lebt das Pferd?" came back as "Does the pferd sleep?" without it, "Where does the horse
live?" with it; none got worse."""
ANSWER_PROMPT = ("Translate this answer into {language}. Keep every name, number and time exactly as written{script}. "
                 "Reply with the translation only, nothing else.\n\n{answer}")
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "es": "Spanish", "fr": "French", "de": "German",
                  "it": "Italian", "pt": "Portuguese", "ja": "Japanese", "ru": "Russian", "nl": "Dutch"}
MIN_WORDS_TO_TELL = 3
"""An answer of fewer words ("Whiskers.", "Texas") is not told a language: names are in every one."""
_SPECIFIC = re.compile(r"\d+(?:[.:]\d+)*|(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+\b")
"""Numbers, times and capitalised words inside a sentence: what a translation must keep."""


def answer_prompt(answer: str, language: str) -> str:
    """The request to put an English answer into ``language`` (names in Latin letters where it has its own script:
    the 1.5B kept "Priya" so where it had written "普里亚")."""
    script = ", names in their Latin letters" if language in _OWN_SCRIPT else ""
    return ANSWER_PROMPT.format(language=LANGUAGE_NAMES.get(language, language), answer=answer, script=script)


def translated(model: "Runnable", prompt: str) -> str:
    """The first line of the chat model's reply to ``prompt`` (raises what the model raises)."""
    from langchain_core.messages import HumanMessage

    reply = model.invoke([HumanMessage(prompt)])
    lines = [line.strip().strip('"') for line in str(getattr(reply, "content", reply)).strip().splitlines()]
    return next((line for line in lines if line), "")


def needs_translation(answer: str, language: str, names: frozenset[str] = frozenset()) -> bool:
    """Whether an answer to a question in ``language`` is in another language (English: the model is asked in
    English). An answer of fewer words than can be told by needs it unless every word is one of ``names``
    (`names_in` the video's lines): "Red", "Three dollars", "Monday" are English; "Whiskers", "Eileen Collins" are
    the same in every language."""
    if language == "en" or reads_as(answer, language):
        return False
    words = _LETTERS_WORD.findall(answer)
    return len(words) >= MIN_WORDS_TO_TELL or any(word not in names for word in words)


def names_in(texts: Iterable[str]) -> frozenset[str]:
    """The words the texts write only with a capital: names ("Whiskers", "Texas"; not "Red" where a line says "the
    red van", nor a sentence's first "The")."""
    words = [w for text in texts for w in _LETTERS_WORD.findall(text)]
    lower = {w for w in words if w.islower()}
    return frozenset(w for w in words if w[0].isupper() and w.lower() not in lower)


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS_ABROAD: dict[str, str] = {
    day: english.lower() for names in ("montag dienstag mittwoch donnerstag freitag samstag sonntag",
                                       "lunes martes miércoles jueves viernes sábado domingo",
                                       "lundi mardi mercredi jeudi vendredi samedi dimanche")
    for day, english in zip(names.split(), WEEKDAYS)}
"""German, Spanish and French weekdays, each with the English one in lower case ("samedi" → "saturday")."""
MONTHS_ABROAD: dict[str, str] = {
    month: english.lower() for names in ("januar februar märz april mai juni juli august september oktober november "
                                         "dezember",
                                         "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
                                         "diciembre",
                                         "janvier février mars avril mai juin juillet août septembre octobre novembre "
                                         "décembre")
    for month, english in zip(names.split(), MONTHS)}
"""German, Spanish and French months, each with the English one in lower case ("mayo" → "may")."""
CHINESE_WEEKDAY = re.compile(r"(?:星期|周|礼拜)([一二三四五六日天])")
CHINESE_DAYS = dict(zip("一二三四五六日天", [*(day.lower() for day in WEEKDAYS), "sunday"]))
"""A Chinese weekday's last character → the English day ("星期六" → "saturday")."""
_TRANSLATED_NAMES = frozenset(WEEKDAYS + MONTHS)
"""Capitalised English words every language has its own word for: "Sunday" is "Sonntag", not a name to keep."""


def keeps_specifics(original: str, translation: str, language: str = "", names: Iterable[str] = ()) -> bool:
    """Whether a translation kept the original's numbers, times and names as written ("Whiskers" must not become
    "Bigotes"; "Sunday" may become "Sonntag"); ``names``: the video's (`names_in`), kept also where they open a
    sentence. Into Chinese, Japanese or Russian a name is written in their script ("Tom comes from Glasgow." →
    "汤姆来自格拉斯哥。"): there only the numbers. That spelling is the model's and goes unchecked — mostly right
    (汤姆, 都柏林, 牙买加), sometimes not ("Leeds" → "莱斯特", Leicester; fresh30) — but keeping names in Latin letters
    measured worse for users: over the QA set's 64 Chinese questions, 2 more right answers and 17 fewer in Chinese."""
    if _JOINED.search(translation):  # "Die_piece_beginnt_um_sechsundvierzig_minuten." (fresh19, asked in English)
        return False
    kept = set(_SPECIFIC.findall(original)) | (set(_LETTERS_WORD.findall(original)) & set(names))
    if language in _OWN_SCRIPT:
        kept = {s for s in kept if not s[0].isalpha()}
    return all(s in translation for s in kept if s not in _TRANSLATED_NAMES)


def is_translation(original: str, translation: str, language: str, names: Iterable[str] = ()) -> bool:
    """Whether ``translation`` is ``original`` put into ``language``: it keeps its specifics (`keeps_specifics`)
    and reads as that language (`reads_as`) — or, too short to tell by ("Rouge" for "Red"), differs from it."""
    if not translation or not keeps_specifics(original, translation, language, names):
        return False
    if len(_LETTERS_WORD.findall(translation)) < MIN_WORDS_TO_TELL:
        return translation.casefold().strip(" .") != original.casefold().strip(" .")
    return reads_as(translation, language)


_OWN_SCRIPT = frozenset({"zh", "ja", "ru"})
"""Languages written in a script of their own: names may be written in it, and are asked in Latin letters
(`answer_prompt`)."""
_JOINED = re.compile(r"[^\W\d_]_[^\W\d_]")


_LETTERS_WORD = re.compile(r"[^\W\d_]{2,}")

PHRASES = {
    "at": {"en": "At {time} ({module}): {text}", "zh": "在 {time}（{module}）：{text}",
           "es": "En {time} ({module}): {text}", "fr": "À {time} ({module}) : {text}",
           "de": "Bei {time} ({module}): {text}"},
    "seen": {"en": "{thing} seen at {spans} ({modules}).", "zh": "“{label}”出现在 {spans}（{modules}）。",
             "es": "Se ve «{label}» en {spans} ({modules}).", "fr": "« {label} » est vu à {spans} ({modules}).",
             "de": "„{label}“ ist bei {spans} zu sehen ({modules})."},
    "yes_seen": {"en": "Yes: {thing} seen at {spans} ({modules}).", "zh": "是的：“{label}”出现在 {spans}（{modules}）。",
                 "es": "Sí: se ve «{label}» en {spans} ({modules}).",
                 "fr": "Oui : « {label} » est vu à {spans} ({modules}).",
                 "de": "Ja: „{label}“ ist bei {spans} zu sehen ({modules})."},
    "cannot_tell": {"en": "; the detector does not tell {kinds} apart.", "zh": "；检测器不区分{kinds}。",
                    "es": "; el detector no distingue {kinds}.", "fr": " ; le détecteur ne distingue pas {kinds}.",
                    "de": "; der Detektor unterscheidet nicht zwischen {kinds}."},
    "not_detected": {
        "en": "The video description does not mention {thing}: {modules} reported none in the frames sampled every "
              "{every} (it reported: {others}).",
        "zh": "视频描述中没有提到“{label}”：{modules} 在每 {every} 采样的画面中没有检测到（检测到：{others}）。",
        "es": "La descripción del vídeo no menciona «{label}»: {modules} no lo detectó en los fotogramas muestreados "
              "cada {every} (detectó: {others}).",
        "fr": "La description de la vidéo ne mentionne pas « {label} » : {modules} n'en a pas détecté dans les images "
              "prises toutes les {every} (détecté : {others}).",
        "de": "Die Videobeschreibung erwähnt „{label}“ nicht: {modules} hat in den alle {every} entnommenen Bildern "
              "nichts davon erkannt (erkannt: {others})."},
    "only_mentioned": {
        "en": "{modules} reported no {label} in the frames sampled every {every} (it reported: {others}); {thing} is "
              "only spoken of:",
        "zh": "{modules} 在每 {every} 采样的画面中没有检测到“{label}”（检测到：{others}）；只是在话语中提到：",
        "es": "{modules} no detectó «{label}» en los fotogramas muestreados cada {every} (detectó: {others}); solo se "
              "habla de ello:",
        "fr": "{modules} n'a pas détecté « {label} » dans les images prises toutes les {every} (détecté : {others}) ; "
              "on en parle seulement :",
        "de": "{modules} hat in den alle {every} entnommenen Bildern kein(e) „{label}“ erkannt (erkannt: {others}); "
              "nur davon gesprochen wird:"},
    "not_said": {"en": "The video description does not say whether there is {thing}.",
                 "zh": "视频描述没有说明是否有“{label}”。", "es": "La descripción del vídeo no dice si hay «{label}».",
                 "fr": "La description de la vidéo ne dit pas s'il y a « {label} ».",
                 "de": "Die Videobeschreibung sagt nicht, ob es „{label}“ gibt."},
    "says": {"en": 'At {time} {who} says: "{text}"', "zh": "在 {time}，{who}说：“{text}”",
             "es": 'En {time} {who} dice: "{text}"', "fr": "À {time}, {who} dit : « {text} »",
             "de": "Bei {time} sagt {who}: „{text}“"},
    "shows": {"en": "At {time} the video shows: {text}", "zh": "在 {time} 视频显示：{text}",
              "es": "En {time} el vídeo muestra: {text}", "fr": "À {time}, la vidéo montre : {text}",
              "de": "Bei {time} zeigt das Video: {text}"},
    "voices": {"en": "The speech module tells {count} apart: {labels}.", "zh": "语音模块区分出 {n} 个声音：{labels}。",
               "es": "El módulo de voz distingue {n} voces: {labels}.",
               "fr": "Le module de parole distingue {n} voix : {labels}.",
               "de": "Das Sprachmodul unterscheidet {n} Stimmen: {labels}."},
    "introduced": {"en": "{count} who they are: {names}.", "zh": "有 {n} 个人说了自己是谁：{names}。",
                   "es": "{n} personas dicen quiénes son: {names}.", "fr": "{n} personnes disent qui elles sont : {names}.",
                   "de": "{n} Personen sagen, wer sie sind: {names}."},
    "who_by_voice": {"en": "{name}, going by the voice labels: {quotes}", "zh": "按语音标签是 {name}：{quotes}",
                     "es": "{name}, según las etiquetas de voz: {quotes}",
                     "fr": "{name}, d'après les étiquettes de voix : {quotes}",
                     "de": "{name}, nach den Sprecherkennungen: {quotes}"},
    "not_told": {"en": "The video description does not say.", "zh": "视频描述中没有提到。",
                 "es": "La descripción del vídeo no lo dice.", "fr": "La description de la vidéo ne le dit pas.",
                 "de": "Die Videobeschreibung sagt das nicht."},
    "nearest": {"en": "The video description does not say. The moment nearest in meaning:",
                "zh": "视频描述中没有提到。意思最接近的是：",
                "es": "La descripción del vídeo no lo dice. Lo más cercano en significado:",
                "fr": "La description de la vidéo ne le dit pas. Le moment le plus proche par le sens :",
                "de": "Die Videobeschreibung sagt das nicht. Am nächsten der Bedeutung nach:"},
    "not_exactly": {"en": "The video description does not say exactly; the closest it has:",
                    "zh": "视频描述没有直接说明；最接近的是：",
                    "es": "La descripción del vídeo no lo dice exactamente; lo más cercano:",
                    "fr": "La description de la vidéo ne le dit pas exactement ; le plus proche :",
                    "de": "Die Videobeschreibung sagt das nicht genau; am nächsten kommt:"},
}
"""Answers made from the timeline, per language; a language without its own falls back to English."""

_SOMEONE = {"en": "someone", "zh": "有人", "es": "alguien", "fr": "quelqu'un", "de": "jemand"}


def phrase(key: str, language: str, **values: str) -> str:
    """An answer made from the timeline, in the question's language (``who``: a speaker label such
    as ``S2``, or empty for "someone")."""
    templates = PHRASES[key]
    if "who" in values and not values["who"]:
        values["who"] = _SOMEONE.get(language, _SOMEONE["en"])
    return templates.get(language, templates["en"]).format(**values)
