"""The server's side of the library: uploads kept on disk under their content's name, and
registered as library videos.

Each upload is streamed to a temp file in chunks (never held in memory) while its SHA-256
is computed, then renamed to ``<id>.video`` in ``serve.data_dir`` and registered in the
library (`LibraryStore.register`) under that id — the start of the SHA-256, the library's
id scheme — with the client's file name as its label. The same file uploaded twice is one
video, described once; a client's file name is kept only as a label and never becomes a
path. Videos added with ``videochat-text library add`` are served from where they are.

A data folder written before the library backed the server (``<id>.video`` beside
``<id>.json``) is read at start: its videos are registered (`VideoStore.adopt_folder`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from ..errors import UnknownVideoError, VideoChatError, VideoOpenError
from ..library import Library
from ..library.store import VideoRecord, video_id
from ..video import probe

log = logging.getLogger(__name__)

_NAME_LIMIT = 200
_CHUNK = 1 << 20
_MEDIA_TYPES = {"video": "video/mp4", "audio": "audio/mp4"}


class UploadTooLarge(VideoChatError):
    """An upload is over ``serve.max_upload_mb``."""

    @classmethod
    def of(cls, max_mb: float, name: str = "the upload") -> "UploadTooLarge":
        return cls(f"{name}: larger than serve.max_upload_mb ({max_mb:g} MB)")


@dataclass(frozen=True)
class StoredVideo:
    """A video the server can play and describe: a library record's file and label."""

    id: str
    name: str
    """The file name the client gave, or the file's own name (a label only)."""
    path: Path
    kind: Literal["video", "audio"]
    record: VideoRecord

    @property
    def media_type(self) -> str:
        """What a browser is told the file is (from the name's extension; the bytes were probed)."""
        guessed = mimetypes.guess_type(self.name)[0] or ""
        return guessed if guessed.startswith(("video/", "audio/")) else _MEDIA_TYPES[self.kind]

    @classmethod
    def of(cls, record: VideoRecord) -> "StoredVideo":
        return cls(id=record.id, name=record.name, path=Path(record.path), kind=record.kind, record=record)


def _label(filename: str | None) -> str:
    """A display name from a client's file name: its last path part, printable, bounded."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:_NAME_LIMIT] or "video"


class VideoStore:
    """Uploads in ``serve.data_dir``, as videos of the server's library."""

    def __init__(self, directory: str | Path, library: Library):
        self.directory = Path(directory).expanduser()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.library = library

    def receive(self, max_mb: float) -> "Upload":
        """Start receiving an upload: written to a temp file here and hashed as it arrives."""
        return Upload(self, max_mb)

    def save(self, source: BinaryIO, filename: str | None, *, max_mb: float) -> tuple[StoredVideo, bool]:
        """Store a video copied from ``source`` in chunks (see `Upload.finish`)."""
        with self.receive(max_mb) as upload:
            while chunk := source.read(_CHUNK):
                upload.write(chunk)
            return upload.finish(filename)

    def _keep(self, tmp: Path, digest: str, name: str, info: dict[str, Any]) -> tuple[StoredVideo, bool]:
        """Keep a received file as the video ``digest`` (unless the library has it already)."""
        path = self.directory / f"{video_id(digest)}.video"
        existing = self.library.store.video(video_id(digest))
        if existing is not None and os.path.exists(existing.path):
            return StoredVideo.of(existing), False  # the same content again: the first one and its name stay
        if existing is not None:  # its file is gone (moved, deleted): this upload takes its place
            self.library.store.remove([existing.id])
        os.replace(tmp, path)
        record, new = self.library.store.register(str(path), sha256=digest, name=name, info=info, owned=True)
        return StoredVideo.of(record), new

    def get(self, video: str) -> StoredVideo:
        """Raises `UnknownVideoError` if the library has no video ``video``."""
        record = self.library.store.video(video)
        if record is None:
            raise UnknownVideoError(f"no video with id {video!r}")
        return StoredVideo.of(record)

    def file(self, video: str) -> StoredVideo:
        """The video, if its file is still there (a file added with ``library add`` may have moved).

        Raises:
            UnknownVideoError: no such video, or its file is gone.
        """
        found = self.get(video)
        if found.record.started_at is not None:
            raise UnknownVideoError(f"{found.name}: a live stream has no file to play; its latest picture is "
                                    f"/api/videos/{found.id}/live.jpg")
        if not found.path.exists():
            raise UnknownVideoError(f"{found.name}: its file {found.path} is gone (moved or deleted); "
                                    "`videochat-text library prune` forgets such videos")
        return found

    def delete(self, video: str) -> StoredVideo:
        """Remove the video from the library (and its file, if it is an upload)."""
        found = StoredVideo.of(self.library.video(video))  # raises UnknownVideoError
        self.library.remove([found.id])
        return found

    def adopt_folder(self) -> list[str]:
        """Register the videos a data folder from before the library holds (``<id>.video`` and
        ``<id>.json``); returns their ids."""
        adopted = []
        for path in sorted(self.directory.glob("*.video")):
            meta = path.with_suffix(".json")
            if self.library.store.by_path(str(path)) is not None or not meta.exists():
                continue
            try:
                info = json.loads(meta.read_bytes())
                digest = str(info["sha256"])
            except (OSError, ValueError, KeyError) as exc:
                log.warning("%s: not adopted into the library (%s)", path, exc)
                continue
            record, new = self.library.store.register(str(path), sha256=digest, name=_label(info.get("name")),
                                                      info={}, owned=True)
            if new:
                adopted.append(record.id)
                meta.unlink(missing_ok=True)  # the library holds its name now
        if adopted:
            log.info("adopted %d uploaded videos into the library %s", len(adopted), self.library.path)
        return adopted


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

    def finish(self, filename: str | None) -> tuple[StoredVideo, bool]:
        """Keep the upload as a video; the same content gives the same video.

        Returns:
            ``(the video, whether it is new)``: an upload of a file already here gives the first one.

        Raises:
            VideoOpenError: the file is empty, not a video, or cannot be decoded (nothing is kept).
        """
        self._file.close()
        name = _label(filename)
        info = _check_video(self._path, name)
        return self._store._keep(self._path, self._digest.hexdigest(), name, info)

    def discard(self) -> None:
        self._file.close()
        self._path.unlink(missing_ok=True)

    def __enter__(self) -> "Upload":
        return self

    def __exit__(self, *exc) -> None:
        self.discard()  # after finish the temp file has been renamed away: nothing to remove


def _check_video(path: Path, name: str) -> dict[str, Any]:
    """Refuse what the CLI would refuse, with its message (naming the upload, not the temp file);
    returns what probing found."""
    try:
        info = probe(path)
    except VideoOpenError as exc:
        raise VideoOpenError(str(exc).replace(str(path), name)) from None
    return info.model_dump(mode="json", exclude={"path"})
