"""Prompt scaffolding that must never reach an answer: fence tags, box lists, raw scores, instructions.

A small model sometimes echoes its prompt: ``The video shows a bear (left) — boxes:
bear 0.45 [163, 278, 98, 99] <video_description> …``. `strip` removes the pieces a
user must never see; what is left is the answer (it may be empty: then the caller
asks again or answers from the timeline).
"""

from __future__ import annotations

import re

_PATTERNS = [
    re.compile(r"</?\s*video_description\s*>", re.I),
    re.compile(r"\s*—\s*boxes:[^\n]*"),  # "— boxes: bear 0.45 [163, 278, 98, 99]; …" up to the line's end
    re.compile(r"\[\s*\d+(?:\.\d+)?\s*(?:,\s*\d+(?:\.\d+)?\s*){3}\]"),  # a bare box [x1, y1, x2, y2]
    re.compile(r"\[…?\s*\d+ events omitted\s*…?\]"),
    re.compile(r"\(Shortened to fit:[^)]*\)"),
    re.compile(r"\[\d+:\d{2}:\d{2}\.\d[–-]\d+:\d{2}:\d{2}\.\d\]\s*\w+:\s*"),  # an echoed timeline line's prefix
    re.compile(r"(?i)here is the video description:?"),
    re.compile(r"(?i)answer this question about the video:[^\n]*"),
]
_SCORE = re.compile(r"\b([a-z][a-z ]{1,30}?) \((?:0\.\d{2,})\)")
"""``bear (0.45)``: a label with its raw score."""


def strip(answer: str, system_prompt: str = "") -> str:
    """The answer without scaffolding, whitespace tidied."""
    text = answer
    for pattern in _PATTERNS:
        text = pattern.sub(" ", text)
    text = _SCORE.sub(r"\1", text)
    if system_prompt:
        for sentence in re.split(r"(?<=[.!?])\s+", system_prompt):
            if len(sentence) > 30 and sentence in text:  # the model recited its instructions
                text = text.replace(sentence, " ")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return text.strip(" \n-—:;")


def has_scaffolding(answer: str, system_prompt: str = "") -> bool:
    return strip(answer, system_prompt) != answer.strip()
