"""What the routes share: one `VideoChat` (models load once), the uploaded videos, the describe
queue, the conversations and the model queue — the routes' one way to the store."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import HTTPException

from ..answering.session import ChatSession
from ..config import Settings
from ..timeline import Description
from ..videochat import VideoChat
from .jobs import DescribeQueue, Job
from .model_queue import ModelQueue
from .sessions import Conversation, SessionStore
from .store import VideoStore


class Server:
    def __init__(self, settings: Settings, videochat: VideoChat):
        self.settings = settings
        self.videochat = videochat
        s = settings.serve
        self.store = VideoStore(s.data_dir or Path(settings.cache.dir).expanduser() / "uploads")
        self.queue = DescribeQueue(videochat, workers=s.workers)
        self.sessions = SessionStore(max_sessions=s.max_sessions, ttl_s=s.session_ttl_s, turns=s.session_turns)
        self.answers = ModelQueue(videochat, self.sessions)
        self._setup = threading.Lock()
        for video in self.store.list():  # after a restart: cached descriptions come back at once
            self.queue.submit(video)

    def job(self, video_id: str) -> Job:
        job = self.queue.get(video_id)
        if job is None:
            job = self.queue.submit(self.store.get(video_id))  # raises UnknownVideoError
        return job

    def described(self, video_id: str) -> tuple[Job, Description]:
        job = self.job(video_id)
        if job.description is None:
            detail = f": {job.error}" if job.error else ""
            raise HTTPException(409, f"{job.video.name}: not described yet (status: {job.status}){detail}")
        return job, job.description

    def conversation(self, video_id: str, session_id: str | None) -> Conversation:
        """The conversation ``session_id`` continues, or a new one about ``video_id``."""
        found = self.sessions.get(session_id, video_id)
        if found is not None:
            return found
        return self.sessions.start(video_id, self.new_session(video_id))

    def new_session(self, video_id: str) -> ChatSession:
        """A fresh `ChatSession` about a described video (409 if it is not described yet)."""
        job, description = self.described(video_id)
        with self._setup:  # VideoChat keeps per-description state (timeline index, evidence)
            return self.videochat.chat(description)

    def close(self) -> None:
        self.queue.close()
