"""The language a question is asked in, and an English form of it for searching the timeline.

Timelines are searched with an English embedding model and English word overlap,
so a question in Chinese or Spanish is first translated by the chat model (one
short call); the answer is still given in the question's language (the system
prompt asks for it, and answers made from the timeline use `phrase`).
"""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPANISH = re.compile(
    r"[¿¡ñáéíóú]|\b(?:qué|que|cuál|cuáles|cuándo|dónde|quién|quiénes|cómo|cuántos|cuántas|hay|el|la|los|las|"
    r"del|dice|se|es|está|en|un|una|video|vídeo)\b", re.I)


def question_language(question: str) -> str:
    """``zh``, ``es`` or ``en`` (anything else is treated as English)."""
    if _CJK.search(question):
        return "zh"
    hits = len(_SPANISH.findall(question))
    words = max(1, len(question.split()))
    if re.search(r"[¿¡ñ]", question) or hits / words >= 0.3:
        return "es"
    return "en"


TRANSLATE_PROMPT = ("Translate this question into English. Reply with the English question only, nothing else.\n\n"
                    "{question}")

PHRASES = {
    "at": {"en": "At {time} ({module}): {text}", "zh": "在 {time}（{module}）：{text}", "es": "En {time} ({module}): {text}"},
    "seen": {"en": "{thing} is seen at {spans} ({modules}).", "zh": "{thing} 出现在 {spans}（{modules}）。",
             "es": "{thing} se ve en {spans} ({modules})."},
    "yes_seen": {"en": "Yes: {thing} is seen at {spans} ({modules}).", "zh": "是的：{thing} 出现在 {spans}（{modules}）。",
                 "es": "Sí: {thing} se ve en {spans} ({modules})."},
    "not_detected": {"en": "No: no {thing} was detected in the frames sampled every {every} (detected: {others}).",
                     "zh": "没有：在每 {every} 采样的画面中没有检测到 {thing}（检测到：{others}）。",
                     "es": "No: no se detectó {thing} en los fotogramas muestreados cada {every} (detectado: {others})."},
    "says": {"en": 'At {time} {who} says: "{text}"', "zh": "在 {time}，{who}说：“{text}”",
             "es": 'En {time} {who} dice: "{text}"'},
    "shows": {"en": "At {time} the video shows: {text}", "zh": "在 {time} 视频显示：{text}",
              "es": "En {time} el vídeo muestra: {text}"},
}


_SOMEONE = {"en": "someone", "zh": "有人", "es": "alguien"}


def phrase(key: str, language: str, **values: str) -> str:
    """An answer made from the timeline, in the question's language (``who``: a speaker label such
    as ``S2``, or empty for "someone")."""
    templates = PHRASES[key]
    if "who" in values and not values["who"]:
        values["who"] = _SOMEONE.get(language, _SOMEONE["en"])
    return templates.get(language, templates["en"]).format(**values)
