"""Where speech is in 16 kHz audio: Silero voice-activity detection, bundled with faster-whisper."""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)


def speech_regions(audio: np.ndarray) -> list[tuple[int, int]] | None:
    """``(start, end)`` sample ranges that hold speech, or None when VAD is not installed."""
    try:
        from faster_whisper.vad import VadOptions, get_speech_timestamps
    except ImportError:
        log.warning("speech: voice-activity detection needs faster-whisper; using all of the audio")
        return None
    return [(chunk["start"], chunk["end"]) for chunk in get_speech_timestamps(audio, VadOptions())]


def silence_non_speech(audio: np.ndarray) -> np.ndarray:
    """Zero the audio outside speech regions, keeping times unchanged."""
    regions = speech_regions(audio)
    if regions is None:
        return audio
    kept = np.zeros_like(audio)
    for start, end in regions:
        kept[start:end] = audio[start:end]
    return kept


def speech_only(audio: np.ndarray) -> np.ndarray:
    """The speech regions joined end to end (empty when nobody speaks)."""
    regions = speech_regions(audio)
    if regions is None:
        return audio
    return np.concatenate([audio[start:end] for start, end in regions]) if regions else audio[:0]
