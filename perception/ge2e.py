"""Resemblyzer's GE2E voice encoder, run in NumPy (no torch on the default path).

The PyPI package ``resemblyzer`` ships the pretrained encoder (``pretrained.pt``, a
3-layer LSTM over 40-band mel frames, Apache-2.0) but imports torch, librosa and
webrtcvad to run it. This port reads the checkpoint with `videochat_text.safe_pickle`
(torch's legacy serialization: pickles followed by raw little-endian storages)
and computes the same mel frames and LSTM in NumPy; a test checks it against
``torch.nn.LSTM`` and ``librosa`` on real speech. Install the weights with
``pip install --no-deps resemblyzer==0.1.4``.
"""

from __future__ import annotations

import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

from videochat_text import safe_pickle
from videochat_text.errors import ModuleLoadError
from videochat_text.video import AUDIO_RATE
from videochat_text.weights import packaged_file

PIP_HINT = "pip install --no-deps 'resemblyzer==0.1.4'"
N_FFT = 400  # 25 ms windows at 16 kHz
HOP = 160  # 10 ms: one mel frame every 10 ms
N_MELS = 40
FRAME_S = HOP / AUDIO_RATE
_MEL_CHUNK = 2000  # frames (20 s) per FFT batch
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64,
           "IntStorage": np.int32, "HalfStorage": np.float16, "ByteStorage": np.uint8, "BoolStorage": np.bool_}


class _Storage:
    def __init__(self, dtype: type, size: int):
        self.dtype, self.size, self.array = np.dtype(dtype), size, None


class _LazyTensor:
    """A tensor whose storage bytes come after the pickle (legacy torch format)."""

    def __init__(self, storage: _Storage, offset: int, shape: tuple[int, ...], stride: tuple[int, ...]):
        self.storage, self.offset, self.shape, self.stride = storage, offset, tuple(shape), tuple(stride)

    def numpy(self) -> np.ndarray:
        # as_strided does not check bounds: a crafted shape or stride would read past the storage.
        last = self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.stride)) if all(self.shape) else -1
        if self.storage.array is None or min((self.offset, *self.shape, *self.stride), default=0) < 0 or last >= len(self.storage.array):
            raise pickle.UnpicklingError("a tensor reaches past its storage in a weights file")
        item = self.storage.dtype.itemsize
        return np.lib.stride_tricks.as_strided(
            self.storage.array[self.offset:], shape=self.shape, strides=[s * item for s in self.stride]).copy()


def _rebuild_tensor(storage: _Storage, offset: int, shape: tuple, stride: tuple, *_: Any) -> _LazyTensor:
    numbers = (offset, *shape, *stride) if isinstance(shape, tuple) and isinstance(stride, tuple) else (None,)
    if not isinstance(storage, _Storage) or len(shape) != len(stride) or not all(type(n) is int for n in numbers):
        raise pickle.UnpicklingError("a malformed tensor in a weights file")
    return _LazyTensor(storage, offset, shape, stride)


class _StorageType:
    def __init__(self, name: str):
        self.name = name


_TORCH_LEGACY = {("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor, ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
                 **{("torch", name): _StorageType(name) for name in _DTYPES}}
"""What the legacy torch format adds to `safe_pickle`'s arrays and containers: tensors and storages."""


def _storage_loader(storages: dict[str, _Storage]) -> Callable[[Any], _Storage]:
    def persistent_load(pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and isinstance(pid[1], _StorageType)
                and isinstance(pid[2], str) and isinstance(pid[4], int) and pid[4] >= 0):
            raise pickle.UnpicklingError(f"unexpected storage {pid!r:.80} in a weights file")
        _, storage_type, key, _location, size = pid[:5]
        if key not in storages:
            storages[key] = _Storage(_DTYPES[storage_type.name], size)
        return storages[key]

    return persistent_load


def read_legacy_checkpoint(path: Path) -> dict[str, Any]:
    """Read a torch checkpoint in the legacy (non-zip) format into NumPy arrays, without torch.

    Every one of its five pickles (magic number, protocol version, system info, the
    state, the storage keys) is read by `safe_pickle`: none can run code.

    Raises:
        pickle.UnpicklingError: a pickle names something that is not data, or the parts disagree.
    """
    with open(path, "rb") as f:
        for _ in range(3):  # magic number, protocol version, system info
            safe_pickle.load(f)
        storages: dict[str, _Storage] = {}
        result = safe_pickle.load(f, extra=_TORCH_LEGACY, persistent_load=_storage_loader(storages))
        keys = safe_pickle.load(f)  # storage keys, in the order their bytes follow
        if not isinstance(keys, list) or any(not isinstance(k, str) or k not in storages for k in keys):
            raise pickle.UnpicklingError("the storage keys of the weights file do not match its tensors")
        for key in keys:
            storage = storages[key]
            count = int(np.frombuffer(f.read(8), dtype="<i8")[0])
            storage.array = np.frombuffer(f.read(count * storage.dtype.itemsize), dtype=storage.dtype.newbyteorder("<"))

    def convert(value: Any) -> Any:
        if isinstance(value, _LazyTensor):
            return value.numpy()
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value

    return convert(result)


@lru_cache(maxsize=1)
def _mel_filters() -> np.ndarray:
    """librosa's default mel filterbank (Slaney scale and area normalization), (n_mels, n_fft // 2 + 1)."""

    def hz_to_mel(hz: np.ndarray) -> np.ndarray:
        hz = np.asarray(hz, dtype=np.float64)
        linear = hz / (200.0 / 3)
        log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(hz >= 1000.0, log_part, linear)

    def mel_to_hz(mel: np.ndarray) -> np.ndarray:
        linear = mel * (200.0 / 3)
        log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
        return np.where(mel >= 15.0, log_part, linear)

    fft_hz = np.linspace(0, AUDIO_RATE / 2, N_FFT // 2 + 1)
    mel_hz = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(AUDIO_RATE / 2), N_MELS + 2))
    widths = np.diff(mel_hz)
    ramps = mel_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_hz[2:] - mel_hz[:-2]))[:, None]
    return weights.astype(np.float32)


def mel_frames(audio: np.ndarray) -> np.ndarray:
    """Power mel spectrogram as Resemblyzer computes it (librosa defaults), shape (frames, 40).

    Frame ``i`` is centred on sample ``i * 160`` (10 ms steps), zero-padded at the edges.
    """
    audio = np.asarray(audio, dtype=np.float32)
    padded = np.pad(audio, N_FFT // 2)
    count = 1 + (len(padded) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(padded, shape=(count, N_FFT), strides=(padded.strides[0] * HOP, padded.strides[0]))
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann
    mel = np.empty((count, N_MELS), np.float32)
    for at in range(0, count, _MEL_CHUNK):  # in chunks: a whole 5-minute stretch at once took 250 MB
        power = np.abs(np.fft.rfft(frames[at:at + _MEL_CHUNK] * window, axis=1)) ** 2
        mel[at:at + _MEL_CHUNK] = power.astype(np.float32) @ _mel_filters().T
    return mel


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # no overflow warnings for large |x|


class VoiceEncoder:
    """GE2E speaker encoder: mel windows → 256-d L2-normalized voice embeddings."""

    def __init__(self, state: dict[str, np.ndarray], layers: int = 3):
        self.layers = [
            (state[f"lstm.weight_ih_l{i}"].T.copy(), state[f"lstm.weight_hh_l{i}"].T.copy(),
             state[f"lstm.bias_ih_l{i}"] + state[f"lstm.bias_hh_l{i}"])
            for i in range(layers)
        ]
        self.linear_w = state["linear.weight"].T.copy()
        self.linear_b = state["linear.bias"]

    @classmethod
    def from_package(cls) -> VoiceEncoder:
        """The encoder Resemblyzer ships.

        Raises:
            ModuleLoadError: resemblyzer is not installed or its weights cannot be read.
        """
        path = packaged_file("resemblyzer", "pretrained.pt", pip_hint=PIP_HINT, what="speech speakers")
        try:
            checkpoint = read_legacy_checkpoint(path)
            return cls(checkpoint["model_state"])
        except (OSError, pickle.UnpicklingError, KeyError, ValueError, TypeError, EOFError) as exc:
            raise ModuleLoadError(f"speech speakers: cannot read the voice encoder {path}: {exc}; "
                                  f"reinstall it with {PIP_HINT}") from exc

    def embed(self, mels: np.ndarray) -> np.ndarray:
        """Embed a batch of equally long mel windows, (batch, frames, 40) → (batch, 256).

        BLAS runs on one thread here: the LSTM is hundreds of small matrix products, and
        OpenBLAS's threads spin between them (measured on 2 busy cores: 4 ms of CPU per window
        on one thread, 64 ms on two, and 11× the wall time).
        """
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return self._embed(np.asarray(mels, dtype=np.float32))

    def _embed(self, x: np.ndarray) -> np.ndarray:
        batch, steps, _ = x.shape
        for w_ih, w_hh, bias in self.layers:
            hidden_size = w_hh.shape[0]
            gates_in = x @ w_ih  # the input part of every step at once
            gates_in += bias
            h = np.zeros((batch, hidden_size), np.float32)
            c = np.zeros((batch, hidden_size), np.float32)
            outputs = np.empty((batch, steps, hidden_size), np.float32)
            for t in range(steps):
                gates = gates_in[:, t] + h @ w_hh
                i, f, g, o = np.split(gates, 4, axis=1)  # torch's gate order
                c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
                h = _sigmoid(o) * np.tanh(c)
                outputs[:, t] = h
            x = outputs
        raw = np.maximum(h @ self.linear_w + self.linear_b, 0.0)
        return raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-9)
