"""The background queue that describes uploaded videos.

``serve.workers`` threads take videos in upload order and run `VideoChat.describe`
on them, so describing never blocks the API. The first worker uses the server's own
`VideoChat` (models load once and are shared with answering); each extra worker has
its own, since one set of perception models is not safe to run from two threads.
A description already in the cache comes back at once, which is how a restarted
server finds the videos it described before.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from pydantic import BaseModel

from ..errors import VideoChatError
from ..timeline import Description
from ..videochat import VideoChat
from .store import StoredVideo

log = logging.getLogger(__name__)

Status = Literal["queued", "describing", "done", "failed"]


class Progress(BaseModel):
    stage: str
    """What is being done, e.g. ``decoding frames``, ``module speech``."""
    done: int
    total: int | None
    """None while unknown."""


class VideoStatus(BaseModel):
    """A video's way through the queue, as ``GET /api/videos/{id}`` gives it."""

    id: str
    name: str
    """The uploaded file's name (a label only)."""
    status: Status
    progress: Progress
    error: str | None
    """Why describing failed (the CLI's message)."""
    duration: float | None
    """Seconds, once described."""


@dataclass
class Job:
    """One video's way through the queue; read by the API, written by one worker."""

    video: StoredVideo
    status: Status = "queued"
    stage: str = ""
    done: int = 0
    total: int | None = None
    error: str | None = None
    description: Description | None = None
    changed: float = field(default_factory=time.monotonic)
    """When anything above last changed (progress streams send only changes)."""

    def to_status(self) -> VideoStatus:
        return VideoStatus(id=self.video.id, name=self.video.name, status=self.status,
                           progress=Progress(stage=self.stage, done=self.done, total=self.total), error=self.error,
                           duration=self.description.video.duration if self.description else None)

    def _update(self, **changes: Any) -> None:
        for key, value in changes.items():
            setattr(self, key, value)
        self.changed = time.monotonic()


class DescribeQueue:
    """Describes submitted videos in the background, ``workers`` at a time."""

    def __init__(self, videochat: VideoChat, workers: int = 1,
                 make_videochat: Callable[[], VideoChat] | None = None):
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job | None] = queue.Queue()
        make = make_videochat or (lambda: VideoChat(videochat.settings))
        self._threads = [
            threading.Thread(target=self._work, args=(videochat if n == 0 else None, make),
                             name=f"describe-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, video: StoredVideo) -> Job:
        """Queue ``video`` unless it is already queued, being described or described."""
        with self._lock:
            job = self._jobs.get(video.id)
            if job is not None and job.status != "failed":
                return job
            job = self._jobs[video.id] = Job(video)
        self._queue.put(job)
        return job

    def get(self, video_id: str) -> Job | None:
        return self._jobs.get(video_id)

    def jobs(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.video.uploaded)

    def forget(self, video_id: str) -> None:
        """Drop a deleted video (a worker still describing it finishes into nothing)."""
        with self._lock:
            self._jobs.pop(video_id, None)

    def busy(self) -> bool:
        """Whether a worker is still describing (after `close`: one that did not stop in time)."""
        return any(thread.is_alive() for thread in self._threads) and any(
            job.status == "describing" for job in self.jobs())

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=1.0)  # a long describe is not waited for: the threads are daemons

    def _work(self, videochat: VideoChat | None, make: Callable[[], VideoChat]) -> None:
        while (job := self._queue.get()) is not None:
            if self._jobs.get(job.video.id) is not job:
                continue  # deleted while queued
            if videochat is None:
                videochat = make()
            self._describe(videochat, job)

    def _describe(self, videochat: VideoChat, job: Job) -> None:
        job._update(status="describing", stage="starting")

        def progress(stage: str, done: int, total: int | None) -> None:
            job._update(stage=stage, done=done, total=total)

        try:
            description = videochat.describe(job.video.path, progress=progress)
        except VideoChatError as exc:
            log.warning("%s (%s): %s", job.video.name, job.video.id, exc)
            job._update(status="failed", error=str(exc).replace(str(job.video.path), job.video.name))
            return
        except Exception as exc:  # the queue must outlive one bad video
            log.exception("describing %s (%s) failed", job.video.name, job.video.id)
            job._update(status="failed", error=f"{type(exc).__name__}: {exc}")
            return
        job._update(status="done", stage="done", description=description,
                    done=job.total if job.total is not None else job.done)
