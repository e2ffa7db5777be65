import json
from contextlib import nullcontext as does_not_raise

import pytest
from pydantic import ValidationError

from videochat_text.detections import Detection
from videochat_text.payloads import ObjectsData, SpeechData
from videochat_text.timeline import Description, Event, Summary, VideoInfo, format_timestamp, merge_repeats

INFO = VideoInfo(path="clip.mp4", duration=12.0, fps=29.97, width=640, height=480, has_audio=True)


@pytest.mark.parametrize(
    ("seconds", "srt", "expected"),
    [(0, False, "0:00:00.0"), (2.25, False, "0:00:02.3"), (62.99, False, "0:01:03.0"), (1.65, False, "0:00:01.7"),
     (4.78, False, "0:00:04.8"), (1.64, False, "0:00:01.6"), (3599.96, False, "1:00:00.0"),
     (3725.5, False, "1:02:05.5"), (4.5, True, "00:00:04,500"), (3725.0116, True, "01:02:05,012")],
)
def test_format_timestamp(seconds, srt, expected):
    assert format_timestamp(seconds, srt=srt) == expected


@pytest.mark.parametrize(
    ("kwargs", "expectation"),
    [
        (dict(start=1, end=2), does_not_raise()),
        (dict(start=2, end=1), pytest.raises(ValidationError, match="before it starts")),
        (dict(start=-1, end=1), pytest.raises(ValidationError)),
        (dict(start=0, end=1, data={"x": float("nan")}), pytest.raises(ValidationError, match="plain JSON")),
        (dict(start=0, end=1, data={"x": object()}), pytest.raises(ValidationError, match="plain JSON")),
    ],
)
def test_event_validation(kwargs, expectation):
    with expectation:
        Event(module="m", text="t", **kwargs)


def _description() -> Description:
    det = Detection(label="person", score=0.9, box=(10.0, 20.0, 110.5, 220.0))
    return Description(
        video=INFO,
        events=[
            Event(start=4.0, end=5.0, module="objects", text="1 person (left)",
                  data=ObjectsData(detections=[det], frame_size=(640, 480))),
            Event(start=0.5, end=2.0, module="speech", text='"Hello | there"', data=SpeechData(transcript="Hello | there")),
        ],
        summary=Summary(text="A test.", source="merge"),
        timings={"speech": 0.5},
    )


def test_events_sorted_and_json_round_trips_exactly():
    d = _description()
    assert [e.start for e in d.events] == [0.5, 4.0]
    text = d.to_json()
    again = Description.from_json(text)
    assert again == d
    assert again.to_json() == text
    payload = json.loads(d.to_json())
    assert set(payload) >= {"video", "events", "summary", "timings", "failures", "config"}
    assert set(payload["events"][0]) == {"id", "start", "end", "module", "text", "data", "sources"}


def test_events_get_ids_unique_within_the_description_and_merged_entries_keep_them():
    events = [Event(start=t, end=t + 1, module="objects", text="1 cat (center)") for t in range(3)]
    events += [Event(start=0.5, end=2, module="speech", text='"Hi."'), Event(start=5, end=6, module="speech",
                                                                             text='"Bye."', id="mine")]
    d = Description(video=_description().video, events=events)
    assert [e.id for e in d.events] == ["objects-1", "speech-1", "objects-2", "objects-3", "mine"]
    assert d.event("speech-1").text == '"Hi."' and d.event("nope") is None
    (cats,) = [e for e in merge_repeats(d.events) if e.module == "objects"]
    assert cats.ids == ("objects-1", "objects-2", "objects-3")
    with pytest.raises(ValueError, match="used twice"):
        Description(video=d.video, events=[*events, Event(start=7, end=8, module="x", text="y", id="mine")])


def test_renderings_carry_times_and_boxes():
    d = _description()
    text = d.to_text()
    assert '[0:00:00.5–0:00:02.0] speech: "Hello | there"' in text
    assert "person 0.90 [10, 20, 110, 220]" in text  # boxes survive into the text
    assert "00:00:04,000 --> 00:00:05,000" in d.to_srt()
    md = d.to_markdown()
    assert "Hello \\| there" in md and md.startswith("# clip.mp4")


def test_times_round_the_same_way_in_every_rendering():
    # 1.65 s and 4.78 s were cut to 0:00:01.6 and 0:00:04.7 in Markdown while SRT rounded them.
    d = Description(video=INFO, events=[Event(start=1.65, end=4.78, module="speech", text='"Hi."')])
    assert "| 0:00:01.7 | 0:00:04.8 | speech |" in d.to_markdown()
    assert "[0:00:01.7–0:00:04.8] speech" in d.to_text()
    assert "00:00:01,650 --> 00:00:04,780" in d.to_srt()


def test_a_named_copy_is_titled_by_the_name_and_carries_no_path():
    from videochat_text.timeline import ModuleFailure

    stored = "/srv/videochat/uploads/07ae1ae8d3607577.video"
    d = _description().model_copy(update={
        "video": INFO.model_copy(update={"path": stored}),
        "failures": [ModuleFailure(module="ocr", error=f"{stored}: no frames decode")],
        "config": {"cache": {"dir": "/srv/videochat/cache"}, "perception": {"sample_every_s": 1.0}}})
    named = d.named("Holiday clip.mp4")
    assert named.to_markdown().startswith("# Holiday clip.mp4\n")
    for rendered in (named.to_markdown(), named.to_json(), named.to_text()):
        assert "/srv/" not in rendered and "07ae1ae8" not in rendered
    assert json.loads(named.to_json())["failures"][0]["error"] == "Holiday clip.mp4: no frames decode"
    assert json.loads(named.to_json())["config"] == {"perception": {"sample_every_s": 1.0}}
    assert d.video.path == stored  # the original is untouched


def test_between_and_by_module():
    d = _description()
    assert [e.module for e in d.between(3.9, 4.1)] == ["objects"]
    assert len(d.by_module("speech")) == 1


def test_merge_repeats_joins_only_consecutive_equal_text():
    events = [Event(start=t, end=t + 1, module="objects", text="1 cat (center)", id=f"objects-{t}") for t in range(3)]
    events.append(Event(start=3, end=4, module="objects", text="1 cup (center)"))
    events.append(Event(start=0.5, end=1.5, module="speech", text='"hi"'))
    merged = merge_repeats(events)
    cats = [e for e in merged if e.text == "1 cat (center)"]
    assert len(cats) == 1 and (cats[0].start, cats[0].end) == (0, 3)
    assert cats[0].sources == ("objects-0", "objects-1", "objects-2")  # the events the span stands for
    assert len(merged) == 3
