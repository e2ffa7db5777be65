"""What the routes share: one `VideoChat` (models load once), the library the server is backed
by (its videos, descriptions, search and conversations), the describe queue, the conversations
and the model queue — the routes' one way to the store."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from fastapi import HTTPException

from ..config import Settings
from ..errors import LibraryFileError
from ..library import DescribeQueue, Library, LibrarySession
from ..library.store import VideoRecord
from ..library.library import default_library_path
from ..timeline import Description
from ..videochat import VideoChat
from .jobs import VideoStatus, video_status
from ..one_at_a_time import runs_one_at_a_time
from .model_queue import ModelQueue, Ticket
from .quota import StorageQuota
from .sessions import Conversation, SessionStore
from .store import StoredVideo, VideoStore

log = logging.getLogger(__name__)

DESCRIPTIONS_KEPT = 8
"""Parsed descriptions kept in memory (with what answering derives from them), most recently used."""


def server_library_path(settings: Settings) -> Path:
    """``serve.library``, else ``library.path``, else ``library.sqlite`` in ``serve.data_dir`` when
    that is set, else the one ``videochat-text library`` uses (in ``cache.dir``)."""
    s = settings.serve
    if s.library:
        return Path(s.library).expanduser()
    if s.data_dir and not settings.library.path:
        return Path(s.data_dir).expanduser() / "library.sqlite"
    return default_library_path(settings)


class Server:
    def __init__(self, settings: Settings, videochat: VideoChat):
        self.settings = settings
        self.videochat = videochat
        s = settings.serve
        # Searches embed one short query at a time: one torch thread, unless videos are described
        # in this process too (serve.describe_in: server).
        elsewhere = s.describe_in == "processes" or bool(settings.library.ray)
        self.library = Library(settings, path=server_library_path(settings),  # raises LibraryFileError
                               query_threads=1 if elsewhere else None)
        self.store = VideoStore(s.data_dir or Path(settings.cache.dir).expanduser() / "uploads", self.library)
        self.quota = StorageQuota(self.store.directory, s.max_storage_gb)
        # The chat model evaluates each new description once it is stored (`VideoChat.prepare`), so
        # even the first question about a video evaluates only its own tokens.
        self._preparing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare")
        self.queue = DescribeQueue(self.library, workers=s.workers, where=s.describe_in, ray=settings.library.ray,
                                   videochat=videochat, on_described=self._prepare_soon)
        self.sessions = SessionStore(self.library.store, max_sessions=s.max_sessions, ttl_s=s.session_ttl_s,
                                     turns=s.session_turns)
        self.answers = ModelQueue(workers=s.answers_at_once, max_waiting=s.max_queued_questions,
                                  one_at_a_time=lambda: runs_one_at_a_time(videochat.chat_model))
        self._setup = threading.Lock()
        self._descriptions: OrderedDict[str, Description] = OrderedDict()
        self._across: Any = None
        self.store.adopt_folder()  # a data folder from before the library backed the server
        for record in self.library.store.videos(status=["queued", "describing"], order="added"):
            if os.path.exists(record.path):  # after a restart: what was queued is described now
                self.queue.submit(record)

    # --- videos ------------------------------------------------------------------------------
    def video(self, video_id: str) -> StoredVideo:
        """Raises `UnknownVideoError` (404)."""
        return self.store.get(video_id)

    def status(self, video_id: str) -> VideoStatus:
        video = self.video(video_id)
        return video_status(video.record, self.queue.job(video_id))

    def page(self, *, offset: int, limit: int, name: str | None) -> tuple[list[VideoStatus], int]:
        """A page of the library's videos, oldest first, and how many there are in all."""
        records = self.library.store.videos(offset=offset, limit=limit, name=name, order="added")
        return [video_status(r, self.queue.job(r.id)) for r in records], self.library.store.total(name=name)

    def described(self, video_id: str) -> tuple[StoredVideo, Description]:
        """The video and its description (409 while it is not described)."""
        video = self.video(video_id)
        if video.record.started_at is not None:  # a live stream grows: read as described so far
            return video, self._live_description(video)
        with self._setup:
            found = self._descriptions.get(video_id)
            if found is not None:
                self._descriptions.move_to_end(video_id)
                return video, found
        status = video_status(video.record, self.queue.job(video_id))
        found = self.library.description(video_id) if status.status == "done" else None
        if found is None:
            if status.status == "done":  # a library from before descriptions were kept: describe it again
                status = video_status(video.record, self.queue.submit(video.record))
            detail = f": {status.error}" if status.error else ""
            raise HTTPException(409, f"{video.name}: not described yet (status: {status.status}){detail}")
        with self._setup:
            self._descriptions[video_id] = found
            while len(self._descriptions) > DESCRIPTIONS_KEPT:
                self._descriptions.popitem(last=False)
        return video, found

    def _prepare_soon(self, video: VideoRecord) -> None:
        # Through the model queue, like a question: llama.cpp must never tokenize for one caller
        # while it evaluates for another (measured: "double free or corruption" in the server).
        try:
            self._preparing.submit(self._queue_prepare, video.id, video.name)
        except RuntimeError:  # shutting down
            pass

    def _queue_prepare(self, video_id: str, name: str) -> None:
        async def queued() -> None:  # a ticket belongs to an event loop: this thread's own
            await self.answers.submit(lambda ticket: self._prepare(video_id, name)).result()

        try:
            asyncio.run(queued())
        except Exception as exc:  # a full queue: the first question will evaluate it instead
            log.info("%s (%s): not prepared: %s", name, video_id, exc)

    def _prepare(self, video_id: str, name: str) -> None:
        try:
            _, description = self.described(video_id)
            if self.videochat.prepare(description):
                log.info("%s (%s): the chat model's state for its description is kept", name, video_id)
        except Exception as exc:  # the first question will evaluate it instead
            log.warning("%s (%s): the chat model could not prepare for it: %s", name, video_id, exc)

    def _live_description(self, video: StoredVideo) -> Description:
        found = self.library.description(video.id)
        if found is None:
            raise HTTPException(409, f"{video.name}: nothing described yet")
        return found

    def retry(self, video_id: str) -> VideoStatus:
        """Describe a video whose describing (or one of whose modules) failed, or that was never
        described (409 if it is described without failures)."""
        video = self.video(video_id)
        job = self.queue.job(video_id)
        if job is not None:  # queued or being described already
            return video_status(video.record, job)
        if video.record.status == "done" and not video.record.failures:
            raise HTTPException(409, f"{video.name}: already described, with no failures to retry")
        self._forget_description(video_id)
        return video_status(video.record, self.queue.submit(video.record))

    def delete(self, video_id: str) -> None:
        """Remove the video from the library, with its conversations (and its file, if uploaded)."""
        self.queue.forget(video_id)
        self.store.delete(video_id)
        self.sessions.forget_video(video_id)
        self._forget_description(video_id)

    def _forget_description(self, video_id: str) -> None:
        with self._setup:
            self._descriptions.pop(video_id, None)

    # --- conversations -------------------------------------------------------------------------
    def conversation(self, video_id: str, session_id: str | None) -> Conversation:
        """The conversation ``session_id`` continues (live, or restored from the library), or a new
        one about ``video_id``."""
        found = self.sessions.get(session_id, video_id, lambda: self.new_session(video_id))
        if found is not None:
            return found
        return self.sessions.start(video_id, self.new_session(video_id))

    def new_session(self, video_id: str):
        """A fresh `ChatSession` about a described video (409 if it is not described yet); about a live
        stream, a `LiveSession` (each question reads it as described by then, in the window it names)."""
        video, description = self.described(video_id)
        if description.video.is_live:
            from ..live.asking import LiveSession

            return LiveSession(self.library, video_id, self._library_answerer())
        with self._setup:  # VideoChat keeps per-description state (timeline index, evidence)
            return self.videochat.chat(description)

    def across(self, session_id: str | None) -> Conversation:
        """The conversation across every video ``session_id`` continues, or a new one."""
        found = self.sessions.get(session_id, None, self.library_session)
        if found is not None:
            return found
        return self.sessions.start(None, self.library_session())

    def library_session(self) -> LibrarySession:
        """A fresh conversation across the library, answered by the server's chat model."""
        return self.library.chat(self._library_answerer())

    def _library_answerer(self) -> Any:
        """The server's chat model, for descriptions made per question (moments across, a live stream)."""
        with self._setup:
            if self._across is None:
                from ..library.across import library_answerer

                self._across = library_answerer(self.settings, self.videochat.chat_model)
            return self._across

    def ask(self, question: str, conversation: Callable[[], Conversation]) -> Ticket:
        """Queue ``question`` (429 when the queue is full). ``conversation`` gives the conversation it
        belongs to; it is called in the worker, as it may load models or describe the context."""
        def work(ticket: Ticket) -> dict[str, Any]:
            ticket.report("stage", "reading")
            talk = conversation()
            with talk.lock:  # one question at a time per conversation: the next needs this answer
                answer = talk.session.stream(question, on_stage=lambda stage: ticket.report("stage", stage))
                for chunk in answer:
                    if chunk:
                        ticket.report("chunk", chunk)
                fields = self.sessions.remember(talk, question, answer.answer)  # trimmed, and kept in the library
            return {**fields, "session": talk.id}

        return self.answers.submit(work)

    def close(self) -> None:
        self.queue.close()
        self._preparing.shutdown(wait=False, cancel_futures=True)
        self.answers.close()


def open_server(settings: Settings, videochat: VideoChat) -> "Server | UnavailableServer":
    """The server, or one that answers every call with 503 and why, when the library file cannot
    be used (written by a newer version, or not a library)."""
    try:
        return Server(settings, videochat)
    except LibraryFileError as exc:
        log.error("%s", exc)
        return UnavailableServer(settings, exc)


class UnavailableServer:
    """Stands in for `Server` when its library cannot be opened: every route needing it raises the reason."""

    def __init__(self, settings: Settings, reason: LibraryFileError):
        self.settings = settings
        self.reason = reason

    def __getattr__(self, name: str) -> Any:
        raise self.reason

    def close(self) -> None:
        pass
