"""Uploaded videos on disk, named by their content.

Each upload is streamed to a temp file in chunks (never held in memory) while its
SHA-256 is computed, then renamed to ``<id>.video`` beside ``<id>.json`` (the
client's file name and when it came). The id is the start of the SHA-256, so the
same file uploaded twice is one video, described once; a client's file name is
kept only as a label and never becomes a path.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..cache import atomic_write
from ..errors import VideoChatError, VideoOpenError
from ..video import probe

ID_LENGTH = 16
"""Hex digits of the SHA-256 kept as the id (64 bits: collisions are not a concern)."""

_ID = re.compile(rf"[0-9a-f]{{{ID_LENGTH}}}")
_NAME_LIMIT = 200
_CHUNK = 1 << 20


class UploadTooLarge(VideoChatError):
    """An upload is over ``serve.max_upload_mb``."""

    @classmethod
    def of(cls, max_mb: float, name: str = "the upload") -> "UploadTooLarge":
        return cls(f"{name}: larger than serve.max_upload_mb ({max_mb:g} MB)")


class UnknownVideoError(VideoChatError, KeyError):
    """No stored video has this id."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class StoredVideo:
    id: str
    name: str
    """The file name the client gave (a label only)."""
    path: Path
    uploaded: float
    """Seconds since the epoch."""

    @property
    def media_type(self) -> str:
        """What a browser is told the file is (from the name's extension; the bytes were probed)."""
        guessed = mimetypes.guess_type(self.name)[0] or ""
        return guessed if guessed.startswith("video/") else "video/mp4"


def _label(filename: str | None) -> str:
    """A display name from a client's file name: its last path part, printable, bounded."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:_NAME_LIMIT] or "video"


class VideoStore:
    """The folder of uploaded videos (``serve.data_dir``)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory).expanduser()
        self.directory.mkdir(parents=True, exist_ok=True)

    def _paths(self, video_id: str) -> tuple[Path, Path]:
        if not _ID.fullmatch(video_id):
            raise UnknownVideoError(f"no video with id {video_id!r}")
        return self.directory / f"{video_id}.video", self.directory / f"{video_id}.json"

    def receive(self, max_mb: float) -> "Upload":
        """Start receiving an upload: written to a temp file here and hashed as it arrives."""
        return Upload(self, max_mb)

    def save(self, source: BinaryIO, filename: str | None, *, max_mb: float) -> StoredVideo:
        """Store a video copied from ``source`` in chunks (see `Upload.finish`)."""
        with self.receive(max_mb) as upload:
            while chunk := source.read(_CHUNK):
                upload.write(chunk)
            return upload.finish(filename)

    def _keep(self, tmp: Path, digest: str, name: str) -> StoredVideo:
        video_id = digest[:ID_LENGTH]
        path, meta = self._paths(video_id)
        if path.exists():  # the same content again: keep the first upload and its name
            return self.get(video_id)
        os.replace(tmp, path)
        atomic_write(meta, json.dumps({"name": name, "uploaded": time.time(), "sha256": digest}).encode())
        return self.get(video_id)

    def get(self, video_id: str) -> StoredVideo:
        path, meta = self._paths(video_id)
        if not path.exists():
            raise UnknownVideoError(f"no video with id {video_id!r}")
        try:
            info = json.loads(meta.read_bytes())
        except (OSError, ValueError):
            info = {}  # the label is lost; the video itself is fine
        return StoredVideo(id=video_id, name=str(info.get("name") or "video"), path=path,
                           uploaded=float(info.get("uploaded") or path.stat().st_mtime))

    def list(self) -> list[StoredVideo]:
        """Every stored video, oldest upload first."""
        videos = [self.get(p.stem) for p in self.directory.glob("*.video") if _ID.fullmatch(p.stem)]
        return sorted(videos, key=lambda v: v.uploaded)

    def delete(self, video_id: str) -> None:
        path, meta = self._paths(video_id)
        if not path.exists():
            raise UnknownVideoError(f"no video with id {video_id!r}")
        path.unlink()
        meta.unlink(missing_ok=True)


class Upload:
    """One upload on its way in: bytes go straight to a temp file in the store's folder (never
    held in memory, never in the system's temp folder) and into its SHA-256. A context manager:
    an upload not finished is removed.
    """

    def __init__(self, store: VideoStore, max_mb: float):
        self._store = store
        self.max_mb = max_mb
        self._max_bytes = int(max_mb * 2**20)
        self._digest = hashlib.sha256()
        self.size = 0
        fd, tmp = tempfile.mkstemp(dir=store.directory, prefix=".upload-")
        self._path = Path(tmp)
        self._file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        """Raises `UploadTooLarge` past ``max_mb``."""
        self.size += len(data)
        if self.size > self._max_bytes:
            raise UploadTooLarge.of(self.max_mb)
        self._digest.update(data)
        self._file.write(data)

    def finish(self, filename: str | None) -> StoredVideo:
        """Keep the upload as a video; the same content gives the same video.

        Raises:
            VideoOpenError: the file is empty, not a video, or cannot be decoded (nothing is kept).
        """
        self._file.close()
        name = _label(filename)
        _check_video(self._path, name)
        return self._store._keep(self._path, self._digest.hexdigest(), name)

    def discard(self) -> None:
        self._file.close()
        self._path.unlink(missing_ok=True)

    def __enter__(self) -> "Upload":
        return self

    def __exit__(self, *exc) -> None:
        self.discard()  # after finish the temp file has been renamed away: nothing to remove


def _check_video(path: Path, name: str) -> None:
    """Refuse what the CLI would refuse, with its message (naming the upload, not the temp file)."""
    try:
        probe(path)
    except VideoOpenError as exc:
        raise VideoOpenError(str(exc).replace(str(path), name)) from None
