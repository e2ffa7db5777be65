import numpy as np
import pytest
from conftest import frame_media

from videochat_text import ModuleLoadError
from videochat_text.detections import Detection, count_by_position, horizontal_position, plural, singular
from videochat_text.perception.objects import ObjectsModule, detections_from_ssd

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _labels_between(events, start, end):
    return {d.label for e in events if start <= e.start < end for d in e.detections}


def test_ssd_finds_what_each_shot_shows(speech_clip):
    events = ObjectsModule().run(frame_media(speech_clip))
    assert "person" in _labels_between(events, 0, 4)
    assert "cat" in _labels_between(events, 4, 7)
    assert "cup" in _labels_between(events, 7, 10)
    assert "cat" not in _labels_between(events, 0, 4)
    for e in events:
        assert e.end == pytest.approx(min(e.start + 1.0, 10.0))
        for d in e.detections:
            x1, y1, x2, y2 = d.box
            assert 0 <= x1 < x2 <= 640 and 0 <= y1 < y2 <= 480 and d.score >= 0.4


def test_boxes_are_in_video_pixels_even_when_frames_are_downscaled(speech_clip):
    small = frame_media(speech_clip, max_side=320)
    full = frame_media(speech_clip)
    box_small = ObjectsModule().run(small)[0].detections[0].box
    box_full = ObjectsModule().run(full)[0].detections[0].box
    assert np.allclose(box_small, box_full, atol=40)


def test_detections_from_ssd_maps_ids_and_boxes():
    rows = np.array([[0, 1, 0.9, 0.1, 0.2, 0.5, 1.2], [1, 17, 0.8, 0, 0, 1, 1], [0, 3, 0.1, 0, 0, 1, 1]])
    per_image = detections_from_ssd(rows, 2, (200, 100), min_score=0.4)
    assert per_image[0] == [Detection(label="person", score=0.9, box=(20.0, 20.0, 100.0, 100.0))]
    assert per_image[1][0].label == "cat"


def test_text_counts_and_positions():
    det = lambda label, x: Detection(label=label, score=0.9, box=(x - 10, 0, x + 10, 50))
    text = count_by_position([det("person", 30), det("person", 320), det("car", 600)], 640)
    assert text == "2 people (left, center), 1 car (right)"
    assert horizontal_position([0, 0, 640, 10], 640) == "center"


@pytest.mark.parametrize("label, many", [("person", "people"), ("bus", "buses"), ("wine glass", "wine glasses"),
                                          ("mouse", "mice"), ("skis", "skis"), ("teddy bear", "teddy bears"),
                                          ("knife", "knives"), ("sports ball", "sports balls")])
def test_plural_and_singular_are_inverse_on_labels(label, many):
    assert plural(label, 2) == many and plural(label, 1) == label and singular(many) == label


@pytest.mark.slow
def test_yolo_backend_runs_ultralytics_offline(speech_clip):
    """A YOLO built from its model YAML (random weights) exercises our ultralytics path."""
    module = ObjectsModule({"backend": "yolo", "model": "yolov8n.yaml", "min_score": 0.0001, "device": "cpu"})
    events = module.run(frame_media(speech_clip, every_s=5.0))
    assert module.detector.net.__class__.__name__ == "YOLO"
    assert events  # random weights over min_score 0.0001 still box something; none means the path broke
    for e in events:
        assert e.module == "objects" and e.detections
        for d in e.detections:
            x1, y1, x2, y2 = d.box
            assert 0 <= x1 <= x2 <= 640 and 0 <= y1 <= y2 <= 480


def test_yolo_without_local_weights_says_so():
    module = ObjectsModule({"backend": "yolo", "model": "yolo11n.pt"})
    assert "not found locally" in module.weights_status()
    with pytest.raises(ModuleLoadError, match="not found locally"):
        module.load()


def test_still_shots_are_detected_once_with_the_same_events(speech_clip):
    media = frame_media(speech_clip)  # three still photos, 10 frames
    every = ObjectsModule({"still_change": 0})
    once = ObjectsModule()
    reused, fresh = once.run(media), every.run(media)
    assert [(e.start, e.end, e.text) for e in reused] == [(e.start, e.end, e.text) for e in fresh]
    for a, b in zip(reused, fresh):  # the same up to the encoder's noise between still frames
        assert np.allclose([d.box for d in a.detections], [d.box for d in b.detections], atol=3)
    assert every.frames_detected == 10 and 3 <= once.frames_detected <= 4  # one per shot (+ the encoder's first frame)


def test_a_moving_picture_is_detected_every_frame(tmp_path):
    import skimage.data

    from devkit.synthetic import make_clip, pan

    photo = skimage.data.astronaut()  # 512x512: pan down and right
    clip = make_clip(tmp_path / "pan.mp4", pan(photo, (384, 288), (0, 0), (128, 96), 5.0, fps=10), size=(640, 480),
                     fps=10, audio=False)
    module = ObjectsModule()
    module.run(frame_media(clip))
    assert module.frames_detected == 5
