"""Which language is spoken: Whisper's language detection, made to hold on short and late speech.

Whisper decides the language from one 30 s window padded with silence. A sentence after
a second of silence can then be decided by the silence (measured: a German sentence
after 1 s of silence came out as Latin, transcribed as gibberish). So the language is
detected on speech only (after voice-activity detection), over several overlapping
windows whose probabilities are averaged; `speech` then retries a transcript that
decodes badly in the next most likely language.
"""

from __future__ import annotations

import re

import numpy as np

from videochat_text.video import AUDIO_RATE

from .vad import speech_only
from .whisper_backends import WhisperBackend

SCRIPTS = {
    "zh": "\u4e00-\u9fff", "ja": "\u3040-\u30ff\u4e00-\u9fff", "ko": "\uac00-\ud7af\u1100-\u11ff",
    "ru": "\u0400-\u04ff", "uk": "\u0400-\u04ff", "bg": "\u0400-\u04ff", "el": "\u0370-\u03ff",
    "ar": "\u0600-\u06ff", "fa": "\u0600-\u06ff", "he": "\u0590-\u05ff", "hi": "\u0900-\u097f",
    "th": "\u0e00-\u0e7f",
}
"""Languages not written in Latin letters, with the Unicode ranges of their script."""

WINDOW_S = 30
"""Whisper hears at most 30 s at a time."""
MIN_SPEECH_S = 0.25
"""Less speech than this cannot tell a language."""


def written_in_its_script(text: str, language: str | None) -> bool:
    """Whether ``text`` has a letter of ``language``'s own script (True for Latin-script
    languages and for no text: nothing to tell)."""
    script = SCRIPTS.get(language or "")
    return not script or not text.strip() or re.search(f"[{script}]", text) is not None


def detection_windows(speech: np.ndarray, count: int) -> list[np.ndarray]:
    """Up to ``count`` windows over ``speech``, evenly spaced: 30 s each for long speech,
    three quarters of it for shorter speech (so no single start or end decides)."""
    full = WINDOW_S * AUDIO_RATE
    length = min(full, max(AUDIO_RATE, int(0.75 * len(speech))))
    if count <= 1 or len(speech) <= length:
        return [speech[:full]]
    return [speech[start : start + length] for start in np.linspace(0, len(speech) - length, count).astype(int)]


def rank_languages(backend: WhisperBackend, audio: np.ndarray, windows: int = 3) -> list[tuple[str, float]]:
    """Languages from most to least likely, probabilities averaged over ``windows`` windows of
    the speech in ``audio`` (empty when there is too little speech to tell)."""
    speech = speech_only(audio)
    if len(speech) < MIN_SPEECH_S * AUDIO_RATE:
        return []
    chosen = detection_windows(speech, windows)
    totals: dict[str, float] = {}
    for window in chosen:
        for language, p in backend.language_probabilities(window).items():
            totals[language] = totals.get(language, 0.0) + p / len(chosen)
    return sorted(totals.items(), key=lambda item: -item[1])
