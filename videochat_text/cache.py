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
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .timeline import SCHEMA_VERSION, Description

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
    def __init__(self, directory: str | Path):
        self.directory = Path(directory).expanduser() / "descriptions"

    def _path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"bad cache key {key!r}")  # keys never come from users; paths stay inside
        return self.directory / f"{key}.json"

    def get(self, key: str) -> Description | None:
        path = self._path(key)
        try:
            return Description.from_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError, ValueError) as exc:
            log.warning("cache entry %s is unreadable (%s); recomputing", path, exc.__class__.__name__)
            return None

    def put(self, key: str, description: Description) -> Path:
        return atomic_write(self._path(key), description.to_json(indent=None).encode("utf-8"))

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
