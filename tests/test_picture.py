"""objects on the picture, not the frame: letterboxed, pillarboxed, rotated and wide footage, and drawings."""

import subprocess

import numpy as np
import pytest
import skimage.data
from conftest import frame_media

from devkit.synthetic import Shot, make_clip
from videochat_text.detections import Detection
from videochat_text.payloads import DrawnPictureData
from videochat_text.perception.objects import DRAWN_TEXT, ObjectsModule
from videochat_text.perception.picture import Area, merge_boxes, picture_area, tiles
from videochat_text.video import probe


def _ffmpeg(source, target, vf, *extra):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-vf", vf, "-c:v", "libx264", "-preset",
                    "veryfast", "-crf", "28", "-an", *extra, str(target)], check=True)
    return target


@pytest.fixture(scope="module")
def street(tmp_path_factory):
    pytest.importorskip("ultralytics", reason="the street photos ship with ultralytics (make test installs it)")
    from devkit.synthetic import make_street_clip

    return make_street_clip(tmp_path_factory.mktemp("street") / "street.mp4")


@pytest.fixture(scope="module")
def phone_video(street, tmp_path_factory):
    """The street clip letterboxed into a 640x1136 portrait frame (the picture band at y 388–748),
    stored on its side (1136x640) with a 90° rotation in its metadata, as phones do."""
    folder = tmp_path_factory.mktemp("phone")
    sideways = _ffmpeg(street, folder / "sideways.mp4", "pad=640:1136:0:388,transpose=1")
    phone = folder / "phone.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(sideways), "-c", "copy", "-metadata:s:v:0", "rotate=90",
                    str(phone)], check=True)
    return phone


def _labels(events):
    return {d.label for e in events for d in e.detections}


def _share_inside(events, area):
    centres = [((d.box[0] + d.box[2]) / 2, (d.box[1] + d.box[3]) / 2)
               for e in events for d in e.detections]
    assert centres
    return np.mean([area[0] <= x <= area[2] and area[1] <= y <= area[3] for x, y in centres])


def _run(clip, **settings):
    return ObjectsModule({"still_change": 0, **settings}).run(frame_media(clip, every_s=2.0))


def test_a_rotated_portrait_phone_video_is_detected_on_its_picture_band(street, phone_video):
    info = probe(phone_video)
    assert (info.width, info.height) == (640, 1136) and info.rotation  # displayed upright, portrait
    module = ObjectsModule({"still_change": 0})
    padded = module.run(frame_media(phone_video, every_s=2.0))
    assert module.pictures[0][1].y1 in range(384, 392) and module.pictures[0][1].y2 in range(745, 753)
    unpadded = _run(street)
    assert {"bus", "person"} <= _labels(padded) and _labels(padded) == _labels(unpadded)
    assert _share_inside(padded, (0, 388, 640, 748)) >= 0.8
    for e in padded:  # display pixels of the whole portrait frame
        for d in e.detections:
            assert 0 <= d.box[0] < d.box[2] <= 640 and 388 - 8 <= d.box[1] < d.box[3] <= 748 + 8
    assert "bus" not in _labels(_run(phone_video, find_picture=False, wide_picture="squash"))  # the old way


def test_a_4_3_pillarbox_gives_the_labels_of_the_4_3_picture(street, tmp_path):
    picture = _ffmpeg(street, tmp_path / "4x3.mp4", "crop=480:360:80:0")
    pillarbox = _ffmpeg(street, tmp_path / "pillarbox.mp4", "crop=480:360:80:0,pad=640:360:80:0")
    module = ObjectsModule({"still_change": 0})
    padded = module.run(frame_media(pillarbox, every_s=2.0))
    assert all(area == Area(80, 0, 560, 360) for _, area in module.pictures)
    assert _labels(padded) == _labels(_run(picture)) and "person" in _labels(padded)
    assert _share_inside(padded, (80, 0, 560, 360)) >= 0.8


def test_picture_area_keeps_a_full_frame_and_a_dark_moment(street, speech_clip):
    assert picture_area([frame_media(speech_clip).frames[0].image]) == Area(80, 0, 560, 480)  # a square photo in 4:3
    frames = frame_media(street).frames
    assert picture_area([frames[0].image]) == Area(0, 0, 640, 360)
    dark = frames[0].image.copy()
    dark[:100] = 0  # a dark top in one frame of the shot is not a bar while other frames show it
    assert picture_area([dark, frames[1].image]) == Area(0, 0, 640, 360)
    assert picture_area([dark]).y1 >= 90


def test_tiles_overlap_and_cover_a_wide_picture():
    area = Area(0, 40, 1000, 240)  # 5:1
    cut = tiles(area, max_aspect=2.5)
    assert all(t.width == t.height == 200 for t in cut) and cut[0].x1 == 0 and cut[-1].x2 == 1000
    assert all(a.x2 - b.x1 >= 0.2 * 200 for a, b in zip(cut, cut[1:]))
    assert tiles(Area(0, 0, 640, 360), max_aspect=2.5) == [Area(0, 0, 640, 360)]


def test_merge_keeps_the_best_of_overlapping_boxes_per_label():
    boxes = [Detection(label="cat", score=0.9, box=(0, 0, 100, 100)), Detection(label="cat", score=0.6, box=(5, 5, 100, 100)),
             Detection(label="dog", score=0.5, box=(5, 5, 100, 100)), Detection(label="cat", score=0.7, box=(300, 0, 400, 90))]
    assert [d.score for d in merge_boxes(boxes)] == [0.9, 0.7, 0.5]


def test_a_wide_panorama_is_detected_on_tiles(tmp_path):
    """Three photos side by side (3:1): squashed into SSD's square, the cat and the cup shrink away."""
    import cv2

    squares = [skimage.data.astronaut(), skimage.data.chelsea()[:, 75:375], skimage.data.coffee()[:, 100:500]]
    panorama = np.concatenate([cv2.resize(p, (400, 400), interpolation=cv2.INTER_AREA) for p in squares], axis=1)
    clip = make_clip(tmp_path / "panorama.mp4", [Shot(panorama, 1.0)], size=(1200, 400), fps=5, audio=False)
    events = _run(clip)
    found = {d.label: (d.box[0] + d.box[2]) / 2 for e in events for d in e.detections[::-1]}
    assert {"person", "cat", "cup"} <= set(found)
    assert found["person"] < 400 < found["cat"] < 800 < found["cup"]


def _drawn_rabbit() -> np.ndarray:
    """A flat-coloured cartoon rabbit on grass under a sky, as animation draws it."""
    import cv2

    canvas = np.full((480, 640, 3), (120, 200, 90), np.uint8)
    canvas[:200] = (135, 206, 235)
    for center, axes in [((320, 330), (110, 80)), ((400, 240), (55, 50)), ((380, 150), (15, 60)), ((420, 150), (15, 60))]:
        cv2.ellipse(canvas, center, axes, 0, 0, 360, (240, 240, 240), -1)
        cv2.ellipse(canvas, center, axes, 0, 0, 360, (0, 0, 0), 3)
    cv2.circle(canvas, (415, 235), 8, (0, 0, 0), -1)
    cv2.circle(canvas, (120, 80), 40, (255, 220, 0), -1)
    return canvas


@pytest.fixture(scope="module")
def drawn_clip(tmp_path_factory):
    """A photo for 2 s, then a cartoon rabbit for 2 s."""
    return make_clip(tmp_path_factory.mktemp("drawn") / "drawn.mp4",
                     [Shot(skimage.data.astronaut(), 2.0), Shot(_drawn_rabbit(), 2.0)], fps=5, audio=False)


def test_a_drawn_shot_is_flagged_and_photos_are_not(drawn_clip):
    clip = drawn_clip
    events = ObjectsModule().run(frame_media(clip))
    flagged = [e for e in events if e.text == DRAWN_TEXT]
    assert [(e.start, e.end) for e in flagged] == [(2.0, 4.0)]
    assert isinstance(flagged[0].data, DrawnPictureData) and flagged[0].data.flat_share > 0.45
    assert not [e for e in ObjectsModule({"check_photographic": False}).run(frame_media(clip)) if e.text == DRAWN_TEXT]


def test_the_prompt_says_a_drawn_picture_may_be_misnamed(drawn_clip, fake_chat):
    from videochat_text import VideoChat

    model = fake_chat("A rabbit.", "A rabbit.")  # no module reports a rabbit: asked again, then the timeline quoted
    vc = VideoChat({"cache": {"enabled": False}, "perception": {"modules": ["objects"]}}, chat_model=model)
    vc.ask(vc.describe(drawn_clip), "What animal is shown?")
    system = model.seen[0][0]  # the instructions, then the description
    assert "drawn or animated" in str(system.content)
    assert DRAWN_TEXT in str(system.content).split("<video_description>")[1]


def test_boxes_on_a_squares_padding_stay_inside_the_frame():
    from videochat_text.perception.picture import to_frame

    found = [Detection(label="cat", score=0.9, box=(10, 100, 50, 200)), Detection(label="dog", score=0.8, box=(0, 0, 9, 99))]
    # A wide picture at the top of the frame, padded 140 px above to a square: boxes reach into the padding.
    assert to_frame(found, (0, -140), (2.0, 2.0), (1280, 720)) == [Detection(label="cat", score=0.9, box=(20.0, 0.0, 100.0, 120.0))]
