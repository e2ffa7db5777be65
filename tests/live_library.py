"""A live stream in a library, written stretch by stretch as `videochat-text watch` writes it (the real
`LiveRecording`), with scripted events: for testing what reads a growing stream (the API, the page)
without following a real one."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import skimage.data

from videochat_text.config import Settings
from videochat_text.library import Library
from videochat_text.live.describe import DescribedStretch
from videochat_text.live.recording import LiveRecording
from videochat_text.live.stretch import Stretch
from videochat_text.payloads import ObjectsData, SpeechData
from videochat_text.detections import Detection
from videochat_text.timeline import Description, Event, Frame, ModuleRecord, VideoInfo


def said(start: float, end: float, text: str, n: int) -> Event:
    return Event(start=start, end=end, module="speech", text=f'S1: "{text}"', id=f"speech-{n}",
                 data=SpeechData(transcript=text, speaker="S1"))


def seen(start: float, label: str, n: int) -> Event:
    detection = Detection(label=label, score=0.8, box=(10, 20, 200, 180))
    return Event(start=start, end=start + 1, module="objects", text=f"1 {label} (left)", id=f"objects-{n}",
                 data=ObjectsData(detections=(detection,), frame_size=(640, 480)))


class ScriptedStream:
    """A stream being watched into ``library``: `add` appends a stretch of given events."""

    def __init__(self, settings: Settings, library_file: Path, *, started_ago_s: float = 0.0):
        self.library = Library(settings, path=library_file)
        self.recording = LiveRecording(self.library, name="door camera")
        self.recording._embeddings_failed = True  # searched by words only: no embedding model to load here
        self.info = VideoInfo(path="udp://127.0.0.1:5000", duration=0.0, fps=25.0, width=640, height=480,
                              has_audio=True, started_at=time.time() - started_ago_s)
        records = {"speech": ModuleRecord(evidence="heard"),
                   "objects": ModuleRecord(evidence="seen", vocabulary=["person", "truck", "cat", "cup"])}
        self.vid = self.recording.start(Description(video=self.info, events=[], modules=records, sample_every_s=1.0))
        self.stretches = 0

    def add(self, end: float, *events: Event) -> None:
        start = self.info.duration
        self.info = self.info.model_copy(update={"duration": end})
        stretch = Stretch(self.stretches, start, end, [], None, 1.0)
        self.recording.append(DescribedStretch(stretch, self.info, list(events)))
        self.stretches += 1

    def picture(self) -> None:
        """A real latest picture, as the watcher keeps it."""
        image = np.ascontiguousarray(skimage.data.astronaut()[::2, ::2])
        self.recording.keep_frame(Frame(0, self.info.duration, image), every_s=0)

    def end(self) -> None:
        self.recording.finish()
