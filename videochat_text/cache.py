"""The description cache: JSON files keyed by video content and the settings that matter.

A key is the SHA-256 of the video's bytes plus the perception, module and summary
settings, so editing the video or a module option recomputes, while changing the
chat model or prompt does not. Writes go to a temp file renamed into place, so an
interrupted run never leaves a half-written entry; an unreadable entry is treated
as a miss and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .timeline import SCHEMA_VERSION, Description, Event

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


def file_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def atomic_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temp file beside ``path``, then rename it into place: readers see
    the old file or the whole new one, never a part (also after ``kill -9``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def cache_key(video_digest: str, settings: dict[str, Any]) -> str:
    payload = json.dumps({"video": video_digest, "schema": SCHEMA_VERSION, "settings": settings}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


class DescriptionCache:
    _MEMORY_ENTRIES = 4

    def __init__(self, directory: str | Path):
        self.directory = Path(directory).expanduser() / "descriptions"
        self._memory: OrderedDict[str, tuple[tuple[int, int], Description]] = OrderedDict()
        """The last entries read or written, by key, with the file's (mtime, size): asking
        many questions about one long video should not parse its JSON every time."""

    def _path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"bad cache key {key!r}")  # keys never come from users; paths stay inside
        return self.directory / f"{key}.json"

    def get(self, key: str) -> Description | None:
        path = self._path(key)
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            remembered = self._memory.get(key)
            if remembered is not None and remembered[0] == stamp:
                self._memory.move_to_end(key)
                return remembered[1].model_copy()  # events are frozen; the list is shared
            description = Description.from_json(path.read_bytes())
            self._remember(key, stamp, description)
            return description.model_copy()
        except FileNotFoundError:
            return None
        except (OSError, ValidationError, ValueError) as exc:
            log.warning("cache entry %s is unreadable (%s); recomputing", path, exc.__class__.__name__)
            return None

    def put(self, key: str, description: Description) -> Path:
        path = atomic_write(self._path(key), description.to_json(indent=None).encode("utf-8"))
        stat = path.stat()
        self._remember(key, (stat.st_mtime_ns, stat.st_size), description.model_copy())
        return path

    def _remember(self, key: str, stamp: tuple[int, int], description: Description) -> None:
        self._memory[key] = (stamp, description)
        self._memory.move_to_end(key)
        while len(self._memory) > self._MEMORY_ENTRIES:
            self._memory.popitem(last=False)

    def partial(self, key: str) -> "PartialWork":
        """Where the finished stretches of the description ``key`` wait while it is being made."""
        self._path(key)  # validates the key
        return PartialWork(self.directory.parent / "partial" / key)

    def video_digest(self, video: str | Path) -> str:
        """The SHA-256 of a video file, remembered by its path, size, mtime and inode.

        Hashing a long video takes seconds; asking about it again should not. A file
        changed in any way that touches its size or modification time is hashed again.
        """
        real = os.path.realpath(video)
        st = os.stat(real)
        stamp = {"path": real, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}
        entry = self.directory.parent / "files" / f"{hashlib.sha256(real.encode()).hexdigest()}.json"
        try:
            known = json.loads(entry.read_bytes())
            if known["stamp"] == stamp and len(known["sha256"]) == 64:
                return known["sha256"]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # not known yet, or unreadable: hash again
        digest = file_digest(real)
        atomic_write(entry, json.dumps({"stamp": stamp, "sha256": digest}).encode())
        return digest


_EVENTS = TypeAdapter(list[Event])


class PartialWork:
    """The finished units (stretches, whole-video modules) of a description being made.

    Each unit is saved as soon as it finishes, so a run that is interrupted (Ctrl-C,
    a crash, ``kill -9``) continues from there; the folder is removed once the whole
    description is cached.
    """

    def __init__(self, directory: Path):
        self.directory = directory

    def _path(self, unit: str) -> Path:
        if not unit.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"bad unit name {unit!r}")
        return self.directory / f"{unit}.json"

    def get(self, unit: str) -> tuple[list[Event], dict[str, float]] | None:
        try:
            data = json.loads(self._path(unit).read_bytes())
            return _EVENTS.validate_python(data["events"]), {k: float(v) for k, v in data["timings"].items()}
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError) as exc:
            log.warning("saved work %s is unreadable (%s); redoing it", self._path(unit), type(exc).__name__)
            return None

    def put(self, unit: str, events: list[Event], timings: dict[str, float]) -> None:
        payload = {"events": [e.model_dump(mode="json") for e in events], "timings": timings}
        try:
            atomic_write(self._path(unit), json.dumps(payload).encode("utf-8"))
        except FileNotFoundError:
            # Another run of the same video finished and cleared this folder meanwhile: the whole
            # description is cached now, and saved parts are only there to resume from.
            log.info("saved work %s was cleared by a run that finished first", self.directory)

    def done(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.json")) if self.directory.is_dir() else []

    def clear(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
