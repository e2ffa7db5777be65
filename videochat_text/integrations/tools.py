"""What an assistant can do with videos: list, describe, ask, search, look at a moment.

The MCP server's tools are these methods, one each; like the server's routes they are thin and
call `VideoChat` (describe, ask) and `Library` (add, list, search, a stored description). A
``video`` argument is a file path or a library id (the start of the file's SHA-256, the id the
library and ``serve`` give it); a file not described yet is described and added to the library.

Example:
    >>> tools = VideoTools(load_settings("config.yaml"))
    >>> tools.describe("clip.mp4").video.id
    'c3a1f09e5b7d2e44'
    >>> tools.ask("c3a1f09e5b7d2e44", "What is the cat's name?").citations[0].start
    4.3
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ..config import Settings
from ..describing import ProgressCallback, no_progress
from ..errors import LibraryError, UnknownVideoError, VideoChatError, VideoOpenError
from ..timeline import Description

if TYPE_CHECKING:
    from ..answering import Citation
    from ..library import Library, VideoRecord
    from ..videochat import VideoChat

log = logging.getLogger(__name__)


class VideoRef(BaseModel):
    """Which video: its library id, file name and path."""

    id: str
    name: str
    path: str


class LibraryVideo(BaseModel):
    """One video of the library."""

    video: VideoRef
    status: str
    """queued, describing, done or failed."""
    error: str | None = None
    """Why describing failed (one line)."""
    duration: float
    """Seconds."""
    entries: int
    """Timeline entries stored for search."""
    summary: str
    failed_modules: list[str]
    """Modules that failed on it (describing it again retries them)."""


class Moment(BaseModel):
    """A stretch of a video as a module reported it: what an answer cites and a search finds."""

    video: VideoRef
    start: float
    """Seconds from the start of the video."""
    end: float
    module: str
    text: str
    event_ids: list[str]
    """The description's events this moment stands for."""
    score: float | None = None
    """Search only: higher is better; only the order means anything."""


class VideoAnswer(BaseModel):
    """An answer about one video and the moments it rests on."""

    video: VideoRef
    answer: str
    citations: list[Moment]
    """Empty when the answer says the video does not tell."""


@dataclass(frozen=True)
class Described:
    video: VideoRef
    description: Description

    def text(self) -> str:
        """The description as ``describe`` prints it, under a line naming the video's id."""
        return f"Library id {self.video.id} ({self.video.path})\n{self.description.to_text()}"


class VideoTools:
    """The operations, over one `VideoChat` and one `Library`, both made on first use."""

    def __init__(self, settings: Settings, *, videochat: "VideoChat | None" = None, library: "Library | None" = None,
                 library_path: str | Path | None = None, allow_paths: bool = True):
        """
        Args:
            videochat: share this one (and its loaded models), e.g. the web server's.
            library: share this one; default: ``library_path``, else ``library.path`` of ``settings``.
            allow_paths: take file paths as ``video``; False takes library ids only (a server that
                others reach must not read any file on its disk for them).
        """
        self.settings = settings
        self._videochat = videochat
        self._library = library
        self._library_path = library_path
        self._owns_library = library is None
        self._setup = threading.Lock()
        self.allow_paths = allow_paths

    @property
    def videochat(self) -> "VideoChat":
        with self._setup:
            if self._videochat is None:
                from ..videochat import VideoChat

                self._videochat = VideoChat(self.settings)
            return self._videochat

    @property
    def library(self) -> "Library":
        with self._setup:
            if self._library is None:
                from ..library import Library

                self._library = Library(self.settings, path=self._library_path)
            return self._library

    # --- the operations -------------------------------------------------------------------
    def list_videos(self) -> list[LibraryVideo]:
        return [LibraryVideo(video=_ref(r), status=r.status, error=r.error, duration=r.duration, entries=r.entries,
                             summary=r.summary, failed_modules=[f.get("module", "?") for f in r.failures])
                for r in self.library.list()]

    def describe(self, video: str, progress: ProgressCallback = no_progress) -> Described:
        """``video``'s description: the library's for an id; for a file, made now (or taken from
        the cache) and added to the library (`Library.add` does nothing for an unchanged file).

        Raises:
            VideoOpenError: no such file nor library id, or the file is not a video.
        """
        by_id = self._record(video.strip())
        if by_id is not None and by_id.id == video.strip():
            stored = self.library.description(by_id.id)
            if stored is not None:
                return Described(_ref(by_id), stored)
            path = by_id.path  # not described yet, or its describing failed: try it here
        else:
            path = self._file_path(video)
        description = self.videochat.describe(path, progress=progress)
        report = self.library.add([path], in_process=True)  # the description is cached: no second describe
        for failed, why in report.failed:
            log.warning("%s: not stored in the library %s: %s", failed, self.library.path, why)
        added = self._record(path)
        if added is None:
            raise LibraryError(f"{path}: described, but the library {self.library.path} did not keep it "
                               f"({'; '.join(why for _, why in report.failed) or 'no reason given'})")
        return Described(_ref(added), description)

    def ask(self, video: str, question: str, progress: ProgressCallback = no_progress) -> VideoAnswer:
        """Answer ``question`` about ``video``, citing the moments the answer rests on."""
        if not question.strip():
            raise VideoChatError("the question is empty")
        described = self.describe(video, progress)
        answer = self.videochat.ask(described.description, question)  # the model takes turns itself
        return VideoAnswer(video=described.video, answer=answer.text.strip(),
                           citations=[_moment(described.video, c) for c in answer.citations])

    def search(self, query: str) -> list[Moment]:
        """The moments across the library that best match ``query`` (words and meaning).

        Raises:
            LibraryError: the query has no words.
        """
        found = self.library.search(query)
        videos = {r.id: _ref(r) for r in self.library.list()}
        return [Moment(video=videos.get(m.video) or VideoRef(id=m.video, name=m.name, path=""), start=m.start,
                       end=m.end, module=m.module, text=m.text, event_ids=list(m.event_ids), score=round(m.score, 6))
                for m in found]

    def frame(self, video: str, seconds: float, progress: ProgressCallback = no_progress) -> bytes:
        """The frame at ``seconds`` with the boxes found there drawn, as JPEG bytes."""
        from ..annotate import frame_jpeg

        described = self.describe(video, progress)
        perception = self.settings.perception
        return frame_jpeg(described.video.path, described.description, seconds, decoder=perception.decoder,
                          max_side=perception.max_side)

    # --- which video ----------------------------------------------------------------------
    def _record(self, video: str) -> "VideoRecord | None":
        """The library's video with this id or at this path, or None."""
        try:
            return self.library.video(video)
        except UnknownVideoError:
            return None

    def _file_path(self, video: str) -> str:
        """The file ``video`` names (absolute, as the library keeps paths)."""
        text = video.strip()
        if not text:
            raise VideoOpenError("no video given: pass a file path or a library id (list_videos shows the ids)")
        if not self.allow_paths:
            raise VideoOpenError(f"{video}: no video in the library has this id (list_videos shows the ids; "
                                 "this server takes library ids, not paths on its disk)")
        path = os.path.abspath(os.path.expanduser(text))
        if not os.path.exists(path):
            raise VideoOpenError(f"{video}: no such file, and no video in the library {self.library.path} has "
                                 "this id (list_videos shows the ids)")
        return path

    def close(self) -> None:
        """Close what this made (a shared `VideoChat` or `Library` is left to its owner)."""
        if self._library is not None and self._owns_library:
            self._library.close()


def _ref(record: "VideoRecord") -> VideoRef:
    return VideoRef(id=record.id, name=record.name, path=record.path)


def _moment(video: VideoRef, citation: "Citation") -> Moment:
    return Moment(video=video, start=citation.start, end=citation.end, module=citation.module, text=citation.text,
                  event_ids=list(citation.event_ids))
