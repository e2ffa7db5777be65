"""tags: the packaged EfficientNet-Lite3 (TFLite) on real photos."""

import numpy as np
import pytest
import skimage.data
from conftest import frame_media

from videochat_text import ModuleLoadError
from videochat_text.answering.checks import Evidence, parse_question
from devkit.synthetic import fit_image
from videochat_text.perception.tags import TagsModule


@pytest.fixture(scope="module")
def tags():
    module = TagsModule()
    yield module
    module.close()


@pytest.mark.parametrize("photo, expected", [
    (skimage.data.chelsea, {"Egyptian cat", "tabby", "tiger cat"}),
    (skimage.data.coffee, {"espresso", "cup", "coffee mug"}),
    (lambda: skimage.data.stereo_motorcycle()[0], {"moped", "motor scooter"}),
])
def test_packaged_classifier_names_real_photos(tags, photo, expected):
    tags.ensure_loaded()
    probabilities = tags._classify(fit_image(photo(), 640, 360))
    assert probabilities.shape == (1000,) and 0.5 < probabilities.sum() <= 1.01  # int8: small ones round to 0
    assert tags._labels[int(np.argmax(probabilities))] in expected


SHOTS_S = [(0.0, 4.0), (4.0, 7.0), (7.0, 10.0)]
"""The speech clip's shots: astronaut, cat, coffee."""


def test_each_shot_tagged_once_and_held_until_the_next(tags, speech_clip):
    media = frame_media(speech_clip)
    every = TagsModule({"min_score": 0.0})  # no floor: every shot's keyframe gets its tags
    try:
        every_shot = every.run(media)
    finally:
        every.close()
    spans = [(e.start, e.end) for e in every_shot]
    assert [t for span in spans for t in span] == pytest.approx([t for s in SHOTS_S for t in s], abs=0.05)
    # With the default floor a shot whose best class scores below it gives no event, and the
    # others keep their spans (held until the next shot, not the next tagged one) and their tags.
    floor = tags.settings.min_score
    expected = [(e.start, e.end, kept) for e in every_shot if (kept := tuple(t for t in e.detections if t.score >= floor))]
    assert [(e.start, e.end, e.detections) for e in tags.run(media)] == expected
    for e in every_shot:
        scores = [t.score for t in e.detections]
        assert scores == sorted(scores, reverse=True) and len(scores) == tags.settings.top_k


def test_tags_are_evidence_of_presence_only(tags, speech_clip):
    evidence = Evidence(tags.run(frame_media(speech_clip)), vocabulary=())
    seen = evidence.find(parse_question("Is there an espresso in the video?"))
    assert [(round(s.start), round(s.end)) for s in seen] == [(7, 10)] and seen[0].modules == ("tags",)
    assert tags.vocabulary() is None  # open-ended: a class never on top is no evidence of absence


def test_missing_model_and_label_mismatch_are_clear(tmp_path):
    with pytest.raises(ModuleLoadError, match="modules.tags.model"):
        TagsModule({"model": str(tmp_path / "nope.tflite")}).load()
    labels = tmp_path / "labels.txt"
    labels.write_text("cat\ndog\n")
    model = TagsModule()._files()[0]
    with pytest.raises(ModuleLoadError, match="2 labels but the model has 1000 classes"):
        TagsModule({"model": str(model), "labels": str(labels)}).load()
    with pytest.raises(ModuleLoadError, match="modules.tags.labels"):
        TagsModule({"model": str(model)}).check_weights()
