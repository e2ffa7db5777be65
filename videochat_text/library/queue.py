"""Describing videos as they come (a server's uploads), through the library's runners.

A `DescribeQueue` takes videos registered in the library, hands their files to a runner —
worker processes by default (a crash in a native decoder costs a worker, not the server),
Ray, or threads of this process — and writes each outcome to the library: the description,
or the failure with its one-line message (tried again when submitted again). While a video
is being described its progress (the stage its worker reports) is kept here; its status is
in the library, so a restarted server finds what it had queued, and what failed.

Example:
    >>> queue = DescribeQueue(library, workers=1)
    >>> record, _ = library.store.register(path, sha256=digest, name="talk.mp4", info={}, owned=True)
    >>> queue.submit(record).status
    'queued'
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from ..errors import failure_message
from .library import Library, make_runner
from .store import Status, VideoRecord
from .workers import Feed, InProcessRunner, Outcome, Runner

log = logging.getLogger(__name__)

IDLE_S = 300.0
"""Worker processes stop after this long without a video (their models' memory is freed); the
next upload starts them again."""


@dataclass
class Job:
    """One video on its way through the queue: written by the queue's threads, read by the API."""

    video: VideoRecord
    status: Status = "queued"
    stage: str = ""
    done: int = 0
    total: int | None = None
    error: str | None = None
    changed: float = field(default_factory=time.monotonic)
    """When anything above last changed (progress streams send only changes)."""

    def update(self, **changes: Any) -> None:
        for key, value in changes.items():
            setattr(self, key, value)
        self.changed = time.monotonic()


class DescribeQueue:
    """Describes submitted videos in the background through the library's runners, ``workers`` at a time."""

    def __init__(self, library: Library, *, workers: int = 1, where: Literal["processes", "server"] = "processes",
                 ray: str | None = None, videochat: Any = None, idle_s: float | None = IDLE_S,
                 on_described: Callable[[VideoRecord], None] | None = None):
        """
        Args:
            workers: videos described at once (worker processes, or threads here).
            where: ``processes`` (worker processes) or ``server`` (threads of this process).
            ray: describe on this Ray cluster instead (``local``: a new one here); its actors are
                ``library.workers`` (0: one per CPU).
            videochat: the `VideoChat` the first thread here describes with (models shared with answering).
            on_described: called with each video once its description is stored.
        """
        self.library = library
        self._jobs: dict[str, Job] = {}
        self._by_path: dict[str, str] = {}
        self._lock = threading.Lock()
        self._feed = Feed()
        self._on_described = on_described
        settings = library.settings
        runners: list[Runner]
        if ray:
            runners = [make_runner(settings, ray=ray)]
        elif where == "server":
            runners = [make_runner(settings, in_process=True, videochat=videochat if n == 0 else None)
                       for n in range(workers)]
        else:
            runner = make_runner(settings, workers=workers, ray=False, idle_s=idle_s, videochat=videochat)
            # Modules registered at run time force threads here: one per worker, like `server`.
            runners = [runner] + [make_runner(settings, in_process=True) for _ in range(workers - 1)] \
                if isinstance(runner, InProcessRunner) else [runner]
        self._runners = runners
        self._threads = [threading.Thread(target=self._work, args=(runner,), name=f"describe-{n}", daemon=True)
                         for n, runner in enumerate(runners)]
        for thread in self._threads:
            thread.start()

    def submit(self, video: VideoRecord) -> Job:
        """Queue ``video`` unless it is already queued or being described."""
        with self._lock:
            job = self._jobs.get(video.id)
            if job is not None:
                return job
            job = self._jobs[video.id] = Job(video)
            self._by_path[video.path] = video.id
        if video.status != "queued":
            self.library.store.set_status(video.id, "queued")
        self._feed.put(video.path)
        return job

    def job(self, video_id: str) -> Job | None:
        """The video's job while it is queued or being described (None otherwise: the library has its status)."""
        return self._jobs.get(video_id)

    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def forget(self, video_id: str) -> None:
        """Drop a video that is being deleted: if a worker is describing it, its result is not stored."""
        with self._lock:
            job = self._jobs.pop(video_id, None)
            if job is not None:
                self._by_path.pop(job.video.path, None)
                self._feed.discard(job.video.path)

    def busy(self) -> bool:
        """Whether a video is being described (after `close`: in this process, by a thread that
        could not be stopped)."""
        return any(thread.is_alive() for thread in self._threads) and any(
            job.status == "describing" for job in self.jobs())

    def close(self) -> None:
        """Stop now: worker processes (or Ray actors) end with the videos they are on, which stay
        queued in the library for the next start, as do the others."""
        self._feed.close()
        for runner in self._runners:
            runner.stop()
        for thread in self._threads:
            thread.join(timeout=1.0)  # a long describe is not waited for: the threads are daemons

    # --- the threads ---------------------------------------------------------------------------
    def _work(self, runner: Runner) -> None:
        while not self._feed.is_closed:
            try:
                for outcome in runner.run(self._feed, self._started, self._progress):
                    self._finish(outcome)
            except Exception as exc:  # e.g. Ray cannot be reached: the videos fail with the reason
                message = failure_message(exc)
                log.warning("describing stopped: %s", message)
                while (path := self._feed.take(timeout=0)) is not None:
                    self._finish(Outcome(path, error=message))
                for job in [j for j in self.jobs() if j.status == "describing"]:
                    self._finish(Outcome(job.video.path, error=message))
                time.sleep(1.0)

    def _job_of(self, path: str) -> Job | None:
        with self._lock:
            video_id = self._by_path.get(path)
            return None if video_id is None else self._jobs.get(video_id)

    def _started(self, path: str) -> None:
        job = self._job_of(path)
        if job is not None:
            job.update(status="describing", stage="starting", done=0, total=None)
            self.library.store.set_status(job.video.id, "describing")

    def _progress(self, path: str, stage: str, done: int, total: int | None) -> None:
        job = self._job_of(path)
        if job is not None and job.status == "describing":  # a late report after the outcome is dropped
            job.update(stage=stage, done=done, total=total)

    def _finish(self, outcome: Outcome) -> None:
        with self._lock:  # `forget` waits: a video deleted meanwhile is not written back
            video_id = self._by_path.pop(outcome.path, None)
            job = self._jobs.pop(video_id, None) if video_id is not None else None
            if job is None:
                return
            if outcome.error is not None:
                error = outcome.error.replace(job.video.path, job.video.name)  # the server's path is not the user's
                log.warning("%s (%s): %s", job.video.name, job.video.id, error)
                outcome = Outcome(outcome.path, error=error)
            stored = False
            try:
                self.library.store_outcome(outcome, job.video.sha256)
                stored = outcome.result is not None
            except Exception:  # the library file went away (deleted, disk full): the queue goes on
                log.exception("could not store %s (%s)", job.video.name, job.video.id)
            job.update(status="failed" if outcome.result is None else "done", error=outcome.error)
        if stored and self._on_described is not None:
            self._on_described(job.video)
