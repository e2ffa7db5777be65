"""Guards against what Whisper invents: repetition loops and words over silence.

Whisper sometimes decodes trailing audio (room tone, a breath, a cut-off word) into a
phrase repeated dozens of times ("thank you so much for watching, and thank you so much
for watching, …") or into words where nobody speaks. Each rule here looks at one
segment and says why it is not speech; the rules are openai-whisper's own
(compression ratio above 2.4; no-speech probability above 0.6 while the decoding was
unsure) plus two that catch loops its rules miss on short segments: an n-gram
repeated back to back, and more words than the segment's duration can hold.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from typing import Any, Sequence

Segment = dict[str, Any]
"""A Whisper segment: ``start``, ``end``, ``text``, ``avg_logprob``, ``no_speech_prob``, ``words``."""


@dataclass(frozen=True)
class Guards:
    """Limits a segment must stay within to count as speech (None: that rule is off)."""

    max_compression_ratio: float | None = 2.4
    """openai-whisper's rule: text that zlib compresses this well is repeating itself."""
    max_repeated_words: int | None = 5
    """A phrase (1–8 words, or Chinese/Japanese characters) said again back to back, when its
    repeats add more than this many words ("no, no, no" adds 2; "let it go" said three times, 6;
    a looped 5-word phrase said 3 times, 10)."""
    max_words_per_s: float | None = 6.0
    """Fast speech is 3–4 words (or Chinese syllables) a second; a few words of slack are added."""
    no_speech_threshold: float | None = 0.6
    logprob_threshold: float = -1.0
    """Whisper's silence rule: no-speech probability above the threshold *and* mean token log-probability below this."""


def compression_ratio(text: str) -> float:
    """Bytes of ``text`` over bytes of it zlib-compressed, as openai-whisper computes it."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


_WORD = re.compile(r"\w+", re.UNICODE)


_SYLLABIC = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
"""Kana and Han: one character is one syllable (or mora), and words are not spaced."""


def _syllabic(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in _SYLLABIC)


def tokens(text: str) -> list[str]:
    """Lower-case words, with each Chinese or Japanese character on its own."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        if any(_syllabic(c) for c in word):
            out += list(word)
        else:
            out.append(word)
    return out


def word_count(words: Sequence[str]) -> float:
    """Words as speaking time goes: a Chinese or Japanese character counts half (Mandarin is
    spoken at ~5 syllables a second, Japanese at ~7 morae, English at ~3 words)."""
    return sum(0.5 if len(w) == 1 and _syllabic(w) else 1.0 for w in words)


def repeated_words(words: Sequence[str], max_n: int = 8) -> int:
    """How many words the longest back-to-back repetition of an n-gram (n ≤ ``max_n``) adds
    beyond its first occurrence."""
    best = 0
    for n in range(1, max_n + 1):
        for start in range(n):  # every phase of the n-gram grid
            run = 1
            for i in range(start + n, len(words) - n + 1, n):
                if words[i : i + n] == words[i - n : i]:
                    run += 1
                    best = max(best, (run - 1) * n)
                else:
                    run = 1
    return best


def drop_reason(segment: Segment, guards: Guards) -> str | None:
    """Why ``segment`` is not speech to keep, or None if it passes every guard."""
    text = str(segment.get("text", ""))
    if guards.max_compression_ratio is not None:
        ratio = compression_ratio(text)
        if ratio > guards.max_compression_ratio:
            return f"compression ratio {ratio:.2f} > {guards.max_compression_ratio:g}"
    words = tokens(text)
    if guards.max_repeated_words is not None:
        repeated = repeated_words(words)
        if repeated > guards.max_repeated_words:
            return f"a phrase repeated back to back ({repeated} words of repeats)"
    if guards.max_words_per_s is not None:
        duration = max(0.0, float(segment.get("end", 0.0)) - float(segment.get("start", 0.0)))
        allowed = math.ceil(guards.max_words_per_s * duration) + 3
        count = word_count(words)
        if count > allowed:
            return f"{count:g} words in {duration:.2f} s"
    if guards.no_speech_threshold is not None:
        no_speech = float(segment.get("no_speech_prob", 0.0))
        logprob = float(segment.get("avg_logprob", 0.0))
        if no_speech > guards.no_speech_threshold and logprob < guards.logprob_threshold:
            return f"no-speech probability {no_speech:.2f} with log-probability {logprob:.2f}"
    return None


def keep_speech(segments: Sequence[Segment], guards: Guards) -> tuple[list[Segment], list[tuple[Segment, str]]]:
    """The segments that pass the guards, and the dropped ones with the reason."""
    kept, dropped = [], []
    for segment in segments:
        reason = drop_reason(segment, guards)
        if reason is None:
            kept.append(segment)
        else:
            dropped.append((segment, reason))
    return kept, dropped


def mean_logprob(segments: Sequence[Segment]) -> float:
    """Mean token log-probability over segments, weighted by their text length (-inf: no segments)."""
    weights = [max(1, len(str(s.get("text", "")).strip())) for s in segments]
    if not segments:
        return -math.inf
    return sum(w * float(s.get("avg_logprob", 0.0)) for w, s in zip(weights, segments)) / sum(weights)
