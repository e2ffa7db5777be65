"""A video's status as the API gives it: the library's record of it, with the describe queue's
progress while it is being described (`videochat_text.library.DescribeQueue` does the work)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from ..library.queue import Job
from ..library.store import VideoRecord

Status = Literal["queued", "describing", "done", "failed", "live"]


class Progress(BaseModel):
    stage: str
    """What is being done, e.g. ``decoding frames``, ``module speech``."""
    done: int
    total: int | None
    """None while unknown."""


class VideoStatus(BaseModel):
    """A video's way through describing, as ``GET /api/videos/{id}`` gives it."""

    id: str
    """The start of the file's SHA-256: the same id in the API, the page and ``videochat-text library``."""
    name: str
    """The uploaded file's name, or the file's own name (a label only)."""
    kind: Literal["video", "audio"]
    """``audio``: a sound file, no picture."""
    status: Status
    progress: Progress
    error: str | None
    """Why describing failed (the CLI's one-line message); ``POST /api/videos/{id}/retry`` tries again."""
    duration: float | None
    """Seconds (None while unknown); a live stream's grows as it is described."""
    started_at: float | None = None
    """A live stream (status ``live`` while it is watched): the wall-clock time of its 0 s (seconds
    since the epoch); it has no file to play, but its latest picture (``…/live.jpg``). None for a file."""


def video_status(record: VideoRecord, job: Job | None) -> VideoStatus:
    """The API's view of a video: its job's live state while queued or described, else the library's."""
    if job is not None:
        status, error = job.status, job.error
        progress = Progress(stage=job.stage, done=job.done, total=job.total)
    else:
        status, error = record.status, record.error
        done = status == "done"
        progress = Progress(stage="done" if done else "", done=1 if done else 0, total=1 if done else None)
    return VideoStatus(id=record.id, name=record.name, kind=record.kind, status=status, progress=progress,
                       error=error if status == "failed" else None, duration=record.duration or None,
                       started_at=record.started_at)
