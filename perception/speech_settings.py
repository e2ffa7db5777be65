"""Settings of the ``speech`` module, in a module of their own.

Both the module (`videochat_text.perception.speech`) and the Whisper backends
(`videochat_text.perception.whisper_backends`) read them; keeping them here lets the
backends import them without importing the module that imports the backends.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from videochat_text.modules import ModuleSettings

from .transcript import Guards


class SpeechSettings(ModuleSettings):
    backend: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    model: str | None = None
    """faster-whisper: a CTranslate2 model folder, or ``packaged-base`` (multilingual Whisper
    base from PyPI packages; detects the language), or None / ``packaged-tiny.en`` (the packaged
    English tiny.en; chosen by `benchmarks/speech_default.py`: 4x less CPU; base makes fewer word
    errors on the QA clips, 0.09 against 0.14, yet answered the QA set no better: docs/answers.md);
    openai-whisper: a checkpoint path or model name cached in ~/.cache/whisper."""
    language: str | None = None
    """ISO code such as ``en``: forces it; None lets a multilingual model detect it."""
    language_windows: int = Field(3, ge=1)
    """Windows of speech (after voice-activity detection) whose language probabilities are averaged."""
    language_candidates: int = Field(2, ge=1)
    """Languages tried at most, most likely first, when a transcript decodes badly (1: never retry)."""
    retry_below_logprob: float = -0.8
    """Mean token log-probability below which the next most likely language is tried. The retry
    is kept only if its log-probability plus the log of its language's probability beats the
    first choice's by `SWITCH_MARGIN` (a transliteration into another script can decode with a
    higher log-probability than the right language: measured, Japanese kana over German)."""
    vad: bool = True
    """Drop non-speech audio before transcribing (no words invented over music)."""
    beam_size: int = 5
    temperatures: list[float] = Field(default_factory=lambda: [0.0])
    """Decoding temperatures Whisper falls back through when a window decodes badly. Whisper's
    own default (0, 0.2, …, 1.0) samples at random on those retries, so the same video could
    be transcribed differently run to run (measured: 14 vs 16 lines on a repetitive 4-minute
    narration); [0.0] keeps descriptions reproducible."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compute_type: str = "int8"
    """CTranslate2 precision (faster-whisper only): int8, int8_float16, float16, float32."""
    cpu_threads: int = 0
    """0: let the backend decide."""
    guards: bool = True
    """Drop segments that are not speech: repetition loops and words over silence (the rules below)."""
    max_compression_ratio: float = 2.4
    """Whisper's rule: a segment whose text zlib compresses more than this repeats itself."""
    max_repeated_words: int = 5
    """A segment repeating a phrase (1–8 words) back to back is a loop when the repeats add more
    than this many words ("no, no, no" adds 2)."""
    max_words_per_s: float = 6.0
    """A segment with more words (or Chinese/Japanese/Thai characters) than this per second, plus
    three, cannot have been said in its time."""
    no_speech_threshold: float = 0.6
    """Drop a segment whose no-speech probability is above this and whose log-prob is below -1."""
    speakers: Literal["auto", "off"] | int = "auto"
    """Speaker labels (``S1``, ``S2``, … in ``data.speaker`` and the text): ``auto`` estimates how
    many voices there are (skipped with a warning if the voice encoder is not installed), an
    int fixes the count, ``off`` labels none."""

    @field_validator("speakers", mode="before")
    @classmethod
    def _speakers(cls, value: Any) -> Any:
        if isinstance(value, bool):  # YAML reads a bare off/on as a boolean
            return "auto" if value else "off"
        if isinstance(value, int) and value < 1:
            raise ValueError("must be auto, off or a number of speakers >= 1")
        return value

    def segment_guards(self) -> Guards:
        return Guards(max_compression_ratio=self.max_compression_ratio, max_repeated_words=self.max_repeated_words,
                      max_words_per_s=self.max_words_per_s, no_speech_threshold=self.no_speech_threshold)
