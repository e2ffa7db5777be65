"""Weights never run code: a payload in every slot of every pickle format the project reads is refused.

Each payload is live: the same bytes read by plain ``pickle.load`` (or Ultralytics' default
loading) run it, which the tests check first, so a refusal is the loader's doing.
"""

import io
import os
import pickle
import pickletools
from collections import OrderedDict

import numpy as np
import pytest

from videochat_text import ModuleLoadError, safe_pickle
from videochat_text.perception import ge2e


class Payload:
    """Unpickling it runs a shell command that leaves a file behind."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class ArrayOfOtherClass(np.ndarray):
    """An ndarray subclass: pickled through numpy's _reconstruct with this class as its first argument."""


@pytest.fixture
def marker(tmp_path):
    return tmp_path / "ran"


def _assert_live(data: bytes, marker, load=pickle.load) -> None:
    """An unrestricted reader (plain pickle by default) runs the payload in ``data``."""
    with io.BytesIO(data) as f:
        try:
            load(f)
        except Exception:  # the payload ran before the rest failed to parse
            pass
    assert marker.exists(), "the payload did not run under plain pickle: the test proves nothing"
    marker.unlink()


# --- the loader itself -------------------------------------------------------------------------
def test_arrays_and_plain_containers_come_back_equal():
    value = {"params": OrderedDict(w=np.arange(6, dtype=np.float32).reshape(2, 3)),
             "names": ["a", "b"], "shape": (2, 3), "flags": {True, None}, "raw": b"\x00", "half": np.float16(1.5)}
    del value["half"]  # numpy scalars are not arrays: refused (no weights file here holds one)
    loaded = safe_pickle.load(io.BytesIO(pickle.dumps(value)))
    assert loaded["names"] == ["a", "b"] and loaded["shape"] == (2, 3) and loaded["flags"] == {True, None}
    assert isinstance(loaded["params"], OrderedDict) and loaded["params"]["w"].dtype == np.float32
    np.testing.assert_array_equal(loaded["params"]["w"], value["params"]["w"])


def test_a_list_that_holds_itself_is_read():
    loop = [1]
    loop.append(loop)
    loaded = safe_pickle.load(io.BytesIO(pickle.dumps(loop)))
    assert loaded[1] is loaded


def _slots(payload):
    """Where a payload can sit in a weights pickle: at the top, as a value, a key, in a tuple, in a list."""
    weights = np.zeros((2, 2), np.float32)
    return {
        "top": payload,
        "value": {"params": {"conv": {"kernel": payload}}},
        "key": {"params": {payload: weights}},
        "tuple": {"shape": (2, payload)},
        "list": {"names": ["a", payload]},
        "beside an array": {"w": weights, "b": payload},
    }


@pytest.mark.parametrize("slot", list(_slots(None)))
def test_a_payload_in_any_slot_of_a_pickle_is_refused(marker, slot):
    data = pickle.dumps(_slots(Payload(marker))[slot])
    _assert_live(data, marker)
    with pytest.raises(pickle.UnpicklingError, match="posix.system"):
        safe_pickle.load(io.BytesIO(data))
    assert not marker.exists()


def test_an_array_of_another_class_or_of_python_objects_is_refused():
    with pytest.raises(pickle.UnpicklingError, match="ArrayOfOtherClass"):
        safe_pickle.load(io.BytesIO(pickle.dumps(np.zeros(2).view(ArrayOfOtherClass))))
    with pytest.raises(pickle.UnpicklingError, match="Python objects"):
        safe_pickle.load(io.BytesIO(pickle.dumps({"w": np.array([1, "x"], dtype=object)})))


def test_a_numpy_1_array_in_protocol_2_is_read():
    """NumPy 1 names its module numpy.core; protocol 2 (legacy torch files) writes bytes via _codecs.encode."""
    data = pickle.dumps(np.arange(3, dtype=np.int64), protocol=2)
    assert b"_codecs\nencode" in data
    data = data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert safe_pickle.load(io.BytesIO(data)).tolist() == [0, 1, 2]
    with pytest.raises(pickle.UnpicklingError, match="_codecs.encode"):
        safe_pickle.load(io.BytesIO(data.replace(b"latin1", b"rot13_")))


# --- GE2E: torch's legacy format, five pickles then raw storages --------------------------------
def _legacy_checkpoint(state) -> bytes:
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    torch.save(state, buffer, _use_new_zipfile_serialization=False)
    return buffer.getvalue()


def _legacy_slots(data: bytes) -> list[bytes]:
    """The five pickles of a legacy checkpoint, then the storages' bytes (split where each pickle stops)."""
    parts, start = [], 0
    for _ in range(5):
        stop = next(pos for op, _, pos in pickletools.genops(io.BytesIO(data[start:])) if op.name == "STOP")
        parts.append(data[start:start + stop + 1])
        start += stop + 1
    return parts + [data[start:]]


@pytest.fixture(scope="module")
def legacy():
    torch = pytest.importorskip("torch")
    return _legacy_checkpoint({"model_state": OrderedDict(w=torch.arange(6, dtype=torch.float32).reshape(2, 3))})


def test_a_legacy_checkpoint_reads_back_its_tensors(tmp_path, legacy):
    path = tmp_path / "ok.pt"
    path.write_bytes(legacy)
    state = ge2e.read_legacy_checkpoint(path)["model_state"]
    np.testing.assert_array_equal(state["w"], np.arange(6, dtype=np.float32).reshape(2, 3))


SLOTS = ["magic number", "protocol version", "system info", "state", "storage keys"]


@pytest.mark.parametrize("slot", range(len(SLOTS)), ids=SLOTS)
def test_a_weights_file_cannot_run_code_from_any_of_its_pickles(tmp_path, marker, legacy, slot):
    parts = _legacy_slots(legacy)
    evil = {"model_state": {"w": Payload(marker)}} if SLOTS[slot] == "state" else [Payload(marker)]
    parts[slot] = pickle.dumps(evil, protocol=2)
    data = b"".join(parts)
    torch = pytest.importorskip("torch")
    _assert_live(data, marker, lambda f: torch.load(f, weights_only=False))  # resemblyzer's own loading
    path = tmp_path / "evil.pt"
    path.write_bytes(data)
    with pytest.raises(pickle.UnpicklingError, match="posix.system"):
        ge2e.read_legacy_checkpoint(path)
    assert not marker.exists()


@pytest.mark.parametrize("kept", [6, 5, 0])
def test_a_tensor_reaching_past_its_storage_is_refused(tmp_path, kept):
    """A file whose storage holds fewer numbers than its tensor spans: as_strided, unchecked,
    would read the memory after it."""
    torch = pytest.importorskip("torch")
    parts = _legacy_slots(_legacy_checkpoint({"model_state": {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3)}}))
    raw = parts[5]
    assert int.from_bytes(raw[:8], "little") == 6
    parts[5] = kept.to_bytes(8, "little") + raw[8:8 + 4 * kept]
    path = tmp_path / "short.pt"
    path.write_bytes(b"".join(parts))
    if kept == 6:  # the control: the whole storage
        assert ge2e.read_legacy_checkpoint(path)["model_state"]["w"].tolist() == [[0, 1, 2], [3, 4, 5]]
    else:
        with pytest.raises(pickle.UnpicklingError, match="past its storage"):
            ge2e.read_legacy_checkpoint(path)


def test_the_packaged_voice_encoder_still_loads():
    state = ge2e.read_legacy_checkpoint(ge2e.packaged_file("resemblyzer", "pretrained.pt", pip_hint="", what=""))
    assert state["model_state"]["linear.weight"].shape == (256, 256)


# --- I3D: one pickle of numpy arrays in plain dicts ----------------------------------------------
@pytest.mark.parametrize("slot", list(_slots(None)))
def test_an_i3d_checkpoint_cannot_run_code(tmp_path, marker, slot):
    pytest.importorskip("torch")
    from videochat_text.perception.i3d import load_i3d

    data = pickle.dumps(_slots(Payload(marker))[slot])
    _assert_live(data, marker)
    path = tmp_path / "evil.ckpt"
    path.write_bytes(data)
    with pytest.raises(ModuleLoadError, match=r"actions: cannot read the I3D checkpoint .*posix\.system"):
        load_i3d(path)
    assert not marker.exists()


def test_the_packaged_i3d_checkpoint_loads_through_the_restricted_loader():
    pytest.importorskip("torch")
    from videochat_text.perception.actions import ActionsSettings
    from videochat_text.perception.classifiers import I3d
    from videochat_text.perception.i3d import load_i3d

    checkpoint = I3d(ActionsSettings()).checkpoint()
    with open(checkpoint, "rb") as f:
        plain = pickle.load(f)
    model = load_i3d(checkpoint)
    kernel = plain["params"]["Conv3d_1a_7x7"]["Conv_0"]["kernel"]
    np.testing.assert_array_equal(model.unit("Conv3d_1a_7x7").conv.weight.detach().numpy(),
                                  kernel.transpose(4, 3, 0, 1, 2))


# --- YOLO: Ultralytics .pt files (torch's zip format, whole model objects) -----------------------
@pytest.mark.slow
def test_a_yolo_weights_file_cannot_run_code(tmp_path, marker, monkeypatch):
    """Ultralytics loads with weights_only and its allow-list once our module has loaded it."""
    pytest.importorskip("ultralytics")
    torch = pytest.importorskip("torch")
    from ultralytics import YOLO
    from ultralytics.nn import tasks

    from videochat_text.perception.objects import ObjectsModule

    monkeypatch.chdir(tmp_path)  # Ultralytics writes settings next to where it runs
    YOLO("yolov8n.yaml").save(str(tmp_path / "good.pt"))
    checkpoint = torch.load(tmp_path / "good.pt", weights_only=False)
    checkpoint["train_args"] = Payload(marker)
    torch.save(checkpoint, tmp_path / "evil.pt")
    monkeypatch.setattr(tasks, "SAFE_LOAD", False)
    torch.load(tmp_path / "evil.pt", weights_only=False)  # Ultralytics' default loading: the payload runs
    assert marker.exists()
    marker.unlink()

    good = ObjectsModule({"backend": "yolo", "model": str(tmp_path / "good.pt"), "device": "cpu"})
    good.detector.load()
    assert good.detector.net is not None
    evil = ObjectsModule({"backend": "yolo", "model": str(tmp_path / "evil.pt"), "device": "cpu"})
    with pytest.raises(ModuleLoadError, match="objects: cannot load the YOLO weights .*evil.pt"):
        evil.detector.load()
    assert not marker.exists()
