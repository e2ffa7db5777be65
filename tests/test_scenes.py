import pytest

from videochat_text import VideoChat
from videochat_text.timeline import Media  # noqa: F401  (scenes reads the file: an empty Media is enough)
from videochat_text.video import probe
from videochat_text.perception.scenes import ScenesModule, shot_events


def _run(path, **settings):
    return ScenesModule(settings).run(Media(info=probe(path), frames=[], audio=None, sample_every_s=1.0))


def test_cuts_are_found_where_the_photos_change(speech_clip):
    events = _run(speech_clip)
    assert [e.text for e in events] == ["shot 1 of 3", "shot 2 of 3", "shot 3 of 3"]
    assert [e.start for e in events] == pytest.approx([0.0, 4.0, 7.0], abs=0.1)
    assert events[-1].end == pytest.approx(10.0, abs=0.1)


def test_threshold_is_configurable(speech_clip):
    assert len(_run(speech_clip, threshold=255.0)) == 1  # nothing counts as a cut


def test_shot_events_stay_inside_the_video():
    events = shot_events([(0.0, 3.0), (3.0, 12.5)], duration=12.0)
    assert [(e.start, e.end, e.data.shot) for e in events] == [(0.0, 3.0, 1), (3.0, 12.0, 2)]


def test_scenes_alone_decodes_no_frames(speech_clip, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("videochat_text.describing.iter_frames", lambda *a, **k: calls.append(1) or iter(()))
    d = VideoChat({"cache": {"dir": str(tmp_path)}}).describe(speech_clip, modules=["scenes"])
    assert calls == [] and len(d.by_module("scenes")) == 3
