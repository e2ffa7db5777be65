"""Objects followed across frames (issue 4): one event per object, every box kept."""

import numpy as np
import pytest
import skimage.data

from videochat_text import Detection, VideoChat
from videochat_text.answering.checks import Evidence, check_answer
from devkit.synthetic import Shot, fit_image, make_clip
from videochat_text.perception.tracks import link, link_shots, track_events

SIZE = (640, 480)


@pytest.fixture(scope="module")
def moving_cat(tmp_path_factory):
    """A grey screen for 1 s, then a photo of a cat gliding from the right edge to near the
    left one for 8 s, then grey again for 1 s."""
    cat = fit_image(skimage.data.chelsea(), 240, 180)
    ys, xs = np.nonzero(cat.sum(-1))
    cat = cat[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    h, w = cat.shape[:2]
    grey = np.full((480, 640, 3), 110, np.uint8)
    shots = [Shot(grey, 1.0)]
    for i in range(40):
        frame = grey.copy()
        x = round((640 - w) * (1 - i / 39))
        frame[150: 150 + h, x: x + w] = cat
        shots.append(Shot(frame, 0.2))
    shots.append(Shot(grey, 1.0))
    return make_clip(tmp_path_factory.mktemp("tracks") / "moving cat.mp4", shots, audio=False)


def describe(clip, track: bool):
    vc = VideoChat({"cache": {"enabled": False}, "perception": {"modules": ["objects"]},
                    "modules": {"objects": {"track": track}}})
    return vc.describe(clip)


def test_a_moving_object_becomes_one_event_saying_how_it_moved(moving_cat):
    per_frame = describe(moving_cat, track=False).by_module("objects")
    tracked = describe(moving_cat, track=True).by_module("objects")
    assert len(per_frame) >= 6 and all("cat" in e.text for e in per_frame)
    (event,) = tracked
    assert event.text.startswith("cat: enters from the right, moves left")
    assert event.start == pytest.approx(per_frame[0].start) and event.end == pytest.approx(per_frame[-1].end)
    # every per-frame box is kept, with its time, and moves right to left
    boxes = event.data.boxes
    assert [b.time for b in boxes] == [e.start for e in per_frame]
    assert boxes[0].box[0] > 300 > boxes[-1].box[0]
    assert event.detections[0].label == "cat"


def test_tracked_objects_still_answer_presence_questions(moving_cat):
    evidence = Evidence(describe(moving_cat, track=True).events, vocabulary={"cat", "dog"})
    assert check_answer("Is there a cat?", "No.", evidence).startswith("Yes: a cat is seen at 0:00:01.0")
    assert check_answer("Is there a dog?", "Yes.", evidence).startswith("The video description does not mention a dog")


def box(x, label="person", y=100):
    return Detection(label=label, score=0.9, box=(x, y, x + 100, y + 200))


def test_a_missed_frame_does_not_split_a_track():
    frames = [(0.0, [box(100)]), (1.0, [box(110)]), (2.0, []), (3.0, [box(130)])]
    (track,) = link(frames)
    assert [t for t, _ in track.seen] == [0.0, 1.0, 3.0]


def test_labels_never_share_a_track_and_same_labels_are_numbered():
    frames = [(float(t), [box(20 + 10 * t), box(400, "dog"), box(420 - 5 * t, y=250)]) for t in range(4)]
    tracks = link(frames)
    assert sorted(t.label for t in tracks) == ["dog", "person", "person"]
    texts = sorted(e.text for e in track_events(tracks, SIZE, (0.0, 10.0), 1.0))
    assert texts[0].startswith("dog: ") and texts[1].startswith("person 1: ") and texts[2].startswith("person 2: ")


def test_motion_words():
    still = [(float(t), [box(270)]) for t in range(3)]
    (event,) = track_events(link(still), SIZE, (0.0, 3.0), 1.0)
    assert event.text == "person: in the center, stays"
    leaving = [(2.0, [box(300)]), (3.0, [box(150)]), (4.0, [box(2)])]
    (event,) = track_events(link(leaving), SIZE, (0.0, 10.0), 1.0)
    assert event.text == "person: appears in the center, moves left, leaves at the left"
    assert (event.start, event.end) == (2.0, 5.0)


def test_tracks_never_cross_a_cut():
    # The same place in two shots: another person, however close the boxes.
    frames = [(float(t), [box(200 + t)]) for t in range(6)]
    tracks = link_shots(frames, [0, 3], (0.0, 6.0))
    assert [(t.shot, [s for s, _ in t.seen]) for t in tracks] == [((0.0, 3.0), [0.0, 1.0, 2.0]),
                                                                 ((3.0, 6.0), [3.0, 4.0, 5.0])]
    texts = [e.text for e in track_events(tracks, SIZE, (0.0, 6.0), 1.0)]
    # each is there from the start of its shot to the end of it: no "appears", no "leaves"
    assert texts == ["person 1: in the center, stays", "person 2: in the center, stays"]


def test_shot_starts_tell_cuts_from_a_pan(speech_clip, tmp_path):
    from conftest import frame_media

    from videochat_text.keyframes import shot_starts
    from devkit.synthetic import pan

    assert shot_starts(frame_media(speech_clip).frames) == [0, 4, 7]  # cuts at 4 s and 7 s
    photo = skimage.data.stereo_motorcycle()[0]  # 500x750: pan 240 px right over 6 s
    panning = make_clip(tmp_path / "pan.mp4", pan(photo, (500, 375), (0, 0), (240, 0), 6.0, fps=10),
                        size=(640, 480), fps=10, audio=False)
    assert shot_starts(frame_media(panning).frames) == [0]
