"""What an event carries besides its text: one typed payload per kind of finding.

`Event.data` is one of these models, or a plain-JSON dict for a plugin that brings its own
shape. Each model names its ``kind``, which is how a description read back from JSON (the
cache, ``describe --format json``, the server's API) knows which model its data is::

    {"kind": "objects", "detections": [{"label": "cup", "score": 0.52, "box": [1, 2, 30, 40]}],
     "frame_size": [640, 480]}

A dict whose ``kind`` is not one of these stays a plain dict. Payloads are checked when
they are made, and again when a module hands its events over (`describing.checked`), so
readers use attributes (``event.data.transcript``, `Event.detections`), never string keys.
A plugin that finds things in the picture puts them in `DetectionsData`: its boxes then show
in the prompt, the annotated frames and the web page like the built-in modules' boxes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NamedTuple, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Tag

from .detections import Box, Detection


class Payload(BaseModel):
    """Base of the typed payloads: frozen, and unknown fields are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class DetectionsData(Payload):
    """Things found in the picture (or about the whole picture: no box). Plugins use it as is."""

    kind: Literal["detections"] = "detections"
    detections: tuple[Detection, ...] = ()


class ObjectsData(DetectionsData):
    """One sampled frame's objects (the ``objects`` module)."""

    kind: Literal["objects"] = "objects"  # type: ignore[assignment]
    frame_size: tuple[int, int]
    """The video's display ``(width, height)`` the boxes are in."""


class TrackedBox(BaseModel):
    """Where a tracked object was in one sampled frame."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time: float
    """Seconds from the start of the video."""
    box: Box
    score: float


class TrackData(DetectionsData):
    """One object followed across frames (``objects`` with ``track: true``): ``detections`` holds
    its first sighting; ``boxes`` every frame it was seen in."""

    kind: Literal["track"] = "track"  # type: ignore[assignment]
    label: str
    """The class followed (the event's text numbers it, ``person 2``)."""
    boxes: tuple[TrackedBox, ...]
    frame_size: tuple[int, int]

    @property
    def frames(self) -> int:
        """How many sampled frames it was seen in."""
        return len(self.boxes)


class DrawnPictureData(Payload):
    """A shot whose picture looks drawn or animated, not filmed (``objects``: labels may be wrong)."""

    kind: Literal["drawn"] = "drawn"
    flat_share: float
    """The share of flat-filled picture that gave it away (`perception.picture.looks_photographic`)."""
    area: Box
    """The picture's area in display pixels (letterbox bars left out)."""


class OcrData(DetectionsData):
    """Lines of text read on screen: each detection's label is a line's text."""

    kind: Literal["ocr"] = "ocr"  # type: ignore[assignment]


class TagsData(DetectionsData):
    """What a keyframe shows, by an image classifier (no boxes)."""

    kind: Literal["tags"] = "tags"  # type: ignore[assignment]
    model: str


class ActionsData(DetectionsData):
    """The actions a clip may show (no boxes), and how much its picture moved."""

    kind: Literal["actions"] = "actions"  # type: ignore[assignment]
    motion: float
    """Mean pixel change between the clip's frames, 0–1."""


class Word(NamedTuple):
    """One spoken word with its time (JSON: ``[text, start, end]``)."""

    text: str
    start: float
    """Seconds from the start of the video."""
    end: float


class Voice(BaseModel):
    """A sentence's voice while a long video is described a stretch at a time (dropped once every
    stretch's voices are labelled together: `perception.speakers.relabel_video`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    group: str
    """The stretch's speaker, ``<stretch start>/<local label>``."""
    embedding: tuple[float, ...]
    """The mean GE2E voice embedding of the sentence."""


class SpeechData(Payload):
    """One sentence heard (the ``speech`` module)."""

    kind: Literal["speech"] = "speech"
    transcript: str
    """What was said, without quotes or speaker label."""
    language: str | None = None
    """Whisper's language code (``en``), None when unknown."""
    language_probability: float | None = None
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    words: tuple[Word, ...] = ()
    speaker: str | None = None
    """``S1``, ``S2``, … in order of first appearance (None: speaker labels off or unavailable)."""
    voice: Voice | None = None


class ShotData(Payload):
    """One shot between cuts (the ``scenes`` module)."""

    kind: Literal["shot"] = "shot"
    shot: int
    """Its number, from 1."""
    shots: int
    """How many shots the video has."""


class CaptionData(Payload):
    """A sentence describing a keyframe (the ``captions`` module)."""

    kind: Literal["caption"] = "caption"
    model: str


class DecodeGapData(Payload):
    """A stretch the decoder could not read (the pipeline's own ``decode`` events)."""

    kind: Literal["gap"] = "gap"
    stream: Literal["video", "audio"]


class StreamGapData(Payload):
    """Where a live stream was not described (`videochat_text.live`): the source was ``lost``
    (reconnected after it), or describing fell ``behind`` live and frames were dropped from sampling."""

    kind: Literal["stream"] = "stream"
    reason: Literal["lost", "behind"]
    sample_every_s: float | None = None
    """``behind``: the interval frames were sampled at instead of the configured one (None: none were)."""


PAYLOADS: tuple[type[Payload], ...] = (DetectionsData, ObjectsData, TrackData, DrawnPictureData, OcrData, TagsData,
                                       ActionsData, SpeechData, ShotData, CaptionData, DecodeGapData, StreamGapData)
_BY_KIND = {cls.model_fields["kind"].default: cls for cls in PAYLOADS}
_PLAIN = "plain"


def _kind(value: Any) -> str:
    """Which union member a value is: a payload's ``kind``, else a plugin's plain JSON."""
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return kind if isinstance(kind, str) and kind in _BY_KIND else _PLAIN


EventData = Annotated[
    Union[tuple(Annotated[cls, Tag(kind)] for kind, cls in _BY_KIND.items())  # type: ignore[misc]
          + (Annotated[dict[str, Any], Tag(_PLAIN)],)],
    Discriminator(_kind),
]
"""`Event.data`: a typed payload, or a plugin's plain-JSON dict."""
