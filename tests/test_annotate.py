"""--annotate: the sampled frames with the detector's boxes drawn on them."""

import numpy as np
from typer.testing import CliRunner

from videochat_text import Detection, VideoChat
from videochat_text.annotate import annotate, boxes_by_time, draw_boxes
from videochat_text.cli import app
from videochat_text.payloads import TrackData


def _box_pixels_changed(before: np.ndarray, after: np.ndarray, box, scale=1.0) -> bool:
    x1, y1, x2, y2 = (round(v * scale) for v in box)
    edge = np.abs(after[y1:y1 + 2, x1:x2].astype(int) - before[y1:y1 + 2, x1:x2, ::-1].astype(int))
    return edge.mean() > 20


def test_draw_boxes_scales_video_pixels_to_the_frame():
    image = np.full((240, 320, 3), 128, np.uint8)  # frame at half the video's 640x480
    drawn = draw_boxes(image, [Detection(label="cat", score=0.9, box=(200, 200, 400, 400))], (640, 480))
    assert drawn.shape == image.shape
    assert _box_pixels_changed(image, drawn, [200, 200, 400, 400], scale=0.5)
    assert not _box_pixels_changed(image, drawn, [440, 420, 620, 470], scale=0.5)  # nothing drawn elsewhere


def test_one_picture_per_frame_with_boxes(described, speech_clip, tmp_path):
    import cv2

    by_time = boxes_by_time(described)
    objects = [e for e in described.by_module("objects") if e.detections]
    assert sorted(by_time) == sorted({round(e.start, 3) for e in objects})
    written = annotate(speech_clip, described, tmp_path / "frames")
    assert [p.name for p in written] == [f"{t:011.3f}s.jpg" for t in sorted(by_time)]
    cat_frame = next(p for p in written if 4.0 <= float(p.name[:-5]) < 7.0)
    picture = cv2.imread(str(cat_frame))
    assert picture.shape == (480, 640, 3)
    cat = next(d for e in objects if 4.0 <= e.start < 7.0 for d in e.detections if d.label == "cat")
    x1, y1, x2, _ = (round(v) for v in cat.box)
    color = picture[y1 + 1, (x1 + x2) // 2]  # the box's top edge is drawn in one saturated colour
    assert color.max() - color.min() > 100


def test_tracks_are_drawn_from_their_boxes(speech_clip, tmp_path):
    vc = VideoChat({"cache": {"enabled": False}, "perception": {"modules": ["objects"]},
                    "modules": {"objects": {"track": True}}, "summary": {"backend": "merge"}})
    description = vc.describe(speech_clip)
    tracked = [e for e in description.events if isinstance(e.data, TrackData)]
    assert tracked
    by_time = boxes_by_time(description)
    assert sum(map(len, by_time.values())) == sum(len(e.data.boxes) for e in tracked)
    names = {box.label for boxes in by_time.values() for box in boxes}
    assert names == {e.text.split(":")[0] for e in tracked}  # labelled as the description names them
    assert len(annotate(speech_clip, description, tmp_path)) == len(by_time)


def test_cli_annotate_writes_frames_and_says_where(speech_clip, config_file, tmp_path):
    folder = tmp_path / "annotated"
    result = CliRunner().invoke(app, ["describe", str(speech_clip), "-c", str(config_file), "--annotate", str(folder)])
    assert result.exit_code == 0, result.stderr
    assert f"annotated frames to {folder}" in result.stderr and any(folder.glob("*.jpg"))


def test_cli_annotate_without_boxes_warns(speech_clip, config_file, tmp_path):
    folder = tmp_path / "none"
    result = CliRunner().invoke(app, ["describe", str(speech_clip), "-c", str(config_file), "-m", "speech",
                                      "--annotate", str(folder)])
    assert result.exit_code == 0 and "no object boxes to draw" in result.stderr
    assert not folder.exists()


def test_unwritable_folder_is_a_clear_error(speech_clip, config_file, tmp_path):
    not_a_folder = tmp_path / "taken"
    not_a_folder.write_text("a file where the folder should go")
    result = CliRunner().invoke(app, ["describe", str(speech_clip), "-c", str(config_file),
                                      "--annotate", str(not_a_folder / "sub")])
    assert result.exit_code != 0 and "cannot write annotated frames" in result.stderr
    assert "Traceback" not in result.output + result.stderr
