"""Which language is spoken: Whisper's language detection, made to hold on short and late speech.

Whisper decides the language from one 30 s window padded with silence. A sentence after
a second of silence can then be decided by the silence (measured: a German sentence
after 1 s of silence came out as Latin, transcribed as gibberish). So the language is
detected on speech only (after voice-activity detection), over several overlapping
windows whose probabilities are averaged; `speech` then retries a transcript that
decodes badly in the next most likely language.
"""

from __future__ import annotations

import numpy as np

from videochat_text.video import AUDIO_RATE

from .vad import speech_only
from .whisper_backends import WhisperBackend

WINDOW_S = 30
"""Whisper hears at most 30 s at a time."""
MIN_SPEECH_S = 0.25
"""Less speech than this cannot tell a language."""


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
