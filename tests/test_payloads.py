"""One typed detection and typed event payloads: checked when made and when a module hands its
events over, read with attributes, and unchanged through JSON (cache, ``--format json``, the API)."""

from contextlib import nullcontext as does_not_raise

import pytest
from pydantic import ValidationError

from videochat_text import Detection, DetectionsData, Event, PerceptionModule, VideoChat, register_module, unregister_module
from videochat_text.cache import DescriptionCache
from videochat_text.describing import checked
from videochat_text.errors import VideoChatError
from videochat_text.payloads import (
    ActionsData, CaptionData, DecodeGapData, DrawnPictureData, ObjectsData, OcrData, ShotData, SpeechData, TagsData,
    TrackData, TrackedBox, Voice, Word,
)
from videochat_text.timeline import SCHEMA_VERSION, Description, VideoInfo

INFO = VideoInfo(path="clip.mp4", duration=12.0, fps=25.0, width=640, height=480, has_audio=True)
CUP = Detection(label="cup", score=0.52, box=(1, 2, 30, 40))


@pytest.mark.parametrize(
    ("fields", "expectation"),
    [
        (dict(label="cup", score=0.523456, box=[1, 2.04, 30, 40]), does_not_raise()),
        (dict(label="sky", score=1.0), does_not_raise()),  # the whole picture: no box
        (dict(label="cup", score=1.2), pytest.raises(ValidationError, match="less than or equal to 1")),
        (dict(label="cup", score=float("nan")), pytest.raises(ValidationError)),
        (dict(label="cup", score=0.5, box=[1, 2, 3]), pytest.raises(ValidationError, match="four finite numbers")),
        (dict(label="cup", score=0.5, box=[1, 2, 3, float("inf")]), pytest.raises(ValidationError, match="finite")),
        (dict(label="cup", score=0.5, box=[30, 2, 1, 40]), pytest.raises(ValidationError, match="x1 <= x2")),
        (dict(label="cup", score=0.5, box=[1, 2, 30, 40], colour="red"), pytest.raises(ValidationError, match="Extra")),
    ],
)
def test_a_detection_is_checked_when_made(fields, expectation):
    with expectation:
        Detection(**fields)


def test_a_detection_keeps_four_decimals_and_tenths_of_a_pixel():
    import numpy as np

    found = Detection(label="cup", score=np.float32(0.523456), box=np.array([1, 2.04, 30.06, 40], dtype=np.float32))
    assert (found.score, found.box) == (0.5235, (1.0, 2.0, 30.1, 40.0))
    assert type(found.score) is float and all(type(v) is float for v in found.box)  # plain JSON numbers
    assert found.area == pytest.approx(29.1 * 38.0)


def _every_payload() -> list[Event]:
    """One event of each payload, and a plugin's plain JSON."""
    words = (Word("Hello", 0.5, 0.9), Word("there.", 1.0, 1.4))
    return [
        Event(start=0, end=1, module="objects", text="1 cup (left)", data=ObjectsData(detections=[CUP], frame_size=(640, 480))),
        Event(start=0, end=2, module="objects", text="cup: at the left, stays",
              data=TrackData(detections=[CUP], label="cup", frame_size=(640, 480),
                             boxes=[TrackedBox(time=0, box=CUP.box, score=0.52), TrackedBox(time=1, box=(2, 2, 31, 40), score=0.6)])),
        Event(start=2, end=4, module="objects", text="drawn", data=DrawnPictureData(flat_share=0.6, area=(0, 0, 640, 480))),
        Event(start=0, end=3, module="ocr", text='"EXIT" (top)', data=OcrData(detections=[Detection(label="EXIT", score=0.9, box=(0, 0, 9, 9))])),
        Event(start=0, end=3, module="tags", text="espresso (0.41)",
              data=TagsData(detections=[Detection(label="espresso", score=0.41)], model="efficientnet-lite3")),
        Event(start=0, end=2, module="actions", text="maybe: juggling (0.30)",
              data=ActionsData(detections=[Detection(label="juggling", score=0.3)], motion=0.02)),
        Event(start=0.5, end=1.4, module="speech", text='S1: "Hello there."',
              data=SpeechData(transcript="Hello there.", language="en", language_probability=0.98, words=words,
                              speaker="S1", voice=Voice(group="0/S1", embedding=(0.6, 0.8)))),
        Event(start=0, end=12, module="scenes", text="shot 1 of 1", data=ShotData(shot=1, shots=1)),
        Event(start=0, end=3, module="captions", text="a cup on a table", data=CaptionData(model="blip")),
        Event(start=9, end=12, module="decode", text="no audio could be decoded here", data=DecodeGapData(stream="audio")),
        Event(start=0, end=1, module="faces", text="a face", data=DetectionsData(detections=[CUP])),
        Event(start=0, end=1, module="brightness", text="the picture is dark", data={"brightness": 0.1, "kind": "mine"}),
    ]


def test_every_payload_round_trips_through_json_with_its_type():
    described = Description(video=INFO, events=_every_payload())
    again = Description.from_json(described.to_json())
    assert again == described
    assert [type(e.data) for e in again.events] == [type(e.data) for e in described.events]
    by_module = {e.module: e for e in again.events}
    assert by_module["brightness"].data == {"brightness": 0.1, "kind": "mine"}  # a plugin's own JSON stays a dict
    assert by_module["speech"].data.words[1].end == 1.4 and by_module["speech"].speaker == "S1"
    assert by_module["faces"].detections == (CUP,)  # a plugin's boxes are read like the built-in ones
    assert '"kind":"track"' in described.to_json(indent=None)


def test_readers_use_the_typed_views():
    events = {e.module + type(e.data).__name__: e for e in _every_payload()}
    speech = events["speechSpeechData"]
    assert (speech.transcript, speech.speaker, speech.detections) == ("Hello there.", "S1", ())
    assert events["ocrOcrData"].detections[0].label == "EXIT" and events["ocrOcrData"].transcript is None
    assert events["objectsObjectsData"].line().endswith("— boxes: cup 0.52 [1, 2, 30, 40]")
    assert events["objectsTrackData"].data.frames == 2
    assert events["brightnessdict"].detections == () and events["brightnessdict"].speaker is None


@pytest.mark.parametrize(
    ("data", "expectation"),
    [
        ({"kind": "objects", "detections": []}, pytest.raises(ValidationError, match="frame_size")),
        ({"kind": "speech", "transcript": "hi", "speaker": 3}, pytest.raises(ValidationError, match="speaker")),
        ({"kind": "speech", "transcript": "hi", "words": [["hi", 0.1]]}, pytest.raises(ValidationError, match="words")),
        ({"kind": "ocr", "detections": [{"label": "A", "score": 2}]}, pytest.raises(ValidationError, match="score")),
        ({"kind": "unknown-to-us", "x": 1}, does_not_raise()),  # a plugin's own "kind": plain JSON
        ({"brightness": float("nan")}, pytest.raises(ValidationError, match="plain JSON")),
    ],
)
def test_payloads_from_json_are_checked(data, expectation):
    with expectation:
        Event(start=0, end=1, module="m", text="t", data=data)


def test_a_description_of_the_previous_schema_reads_without_crashing():
    old = ('{"schema_version": 5, "video": {"path": "a.mp4", "duration": 2.0, "fps": 25.0, "width": 64, "height": 48},'
           ' "events": [{"start": 0, "end": 1, "module": "objects", "text": "1 cup (left)",'
           ' "data": {"detections": [{"label": "cup", "score": 0.5, "box": [1, 2, 3, 4]}], "frame_size": [64, 48]}}]}')
    described = Description.from_json(old)
    assert described.schema_version == 5 < SCHEMA_VERSION and described.events[0].detections == ()
    assert described.to_text().endswith("objects: 1 cup (left)")


def test_a_cached_description_of_the_previous_schema_is_described_again(speech_clip, config, fake_modules, monkeypatch):
    vc = VideoChat(config)
    monkeypatch.setattr("videochat_text.cache.SCHEMA_VERSION", SCHEMA_VERSION - 1)
    vc.describe(speech_clip, modules=["counting"])  # cached under the previous schema's key
    monkeypatch.undo()
    assert len(list(DescriptionCache(config["cache"]["dir"]).directory.glob("*.json"))) == 1
    vc.describe(speech_clip, modules=["counting"])
    assert fake_modules.runs == 2


# --- the module boundary -------------------------------------------------------------------------
class _Typed(PerceptionModule):
    name = "typed"
    payloads = (ObjectsData,)

    def __init__(self, events):
        super().__init__()
        self.events = events

    def run(self, media):
        return self.events


def _objects(**update) -> Event:
    event = Event(start=0, end=1, module="typed", text="1 cup", data=ObjectsData(detections=[CUP], frame_size=(640, 480)))
    return event.model_copy(update=update)  # model_copy does not check: as a module's careless copy would


@pytest.mark.parametrize(
    ("event", "expectation"),
    [
        (_objects(), does_not_raise()),
        (_objects(data={"detections": [], "frame_size": [640, 480]}),
         pytest.raises(VideoChatError, match="module typed returned an event whose data is dict, not ObjectsData")),
        (_objects(data=SpeechData(transcript="hi")), pytest.raises(VideoChatError, match="data is SpeechData, not ObjectsData")),
        (_objects(data={"kind": "objects", "detections": [{"label": "cup", "score": 7}], "frame_size": [640, 480]}),
         pytest.raises(VideoChatError, match="module typed returned an invalid event: data.objects.detections.0.score")),
        (_objects(end=-1.0), pytest.raises(VideoChatError, match="invalid event")),
    ],
)
def test_a_module_hands_over_only_the_payloads_it_declares(event, expectation):
    module = _Typed([event])
    with expectation:
        (handed,) = checked(module.run(None), module, INFO)
        assert isinstance(handed.data, ObjectsData) and handed.detections == (CUP,)


class _Careless(PerceptionModule):
    """A plugin that copies an event with a value JSON cannot hold (model_copy skips the checks)."""

    name = "careless"

    def run(self, media):
        event = Event(start=0, end=1, module=self.name, text="odd", data={"level": 0.5})
        return [event.model_copy(update={"data": {"level": float("inf")}})]


def test_a_module_whose_events_fail_the_checks_fails_alone(speech_clip, config, fake_modules):
    register_module(_Careless)
    try:
        described = VideoChat(config).describe(speech_clip, modules=["counting", "careless"])
    finally:
        unregister_module("careless")
    assert len(described.by_module("counting")) == 10 and not described.by_module("careless")
    assert [f.module for f in described.failures] == ["careless"]
    assert "returned an invalid event: data" in described.failures[0].error and "plain JSON" in described.failures[0].error
