"""Conversations kept server-side, bounded in number, turns and time.

A client names its conversation with the ``session`` id it got back from its first
question; the server keeps that `ChatSession` (its earlier turns) for
``serve.session_ttl_s`` after its last use, at most ``serve.max_sessions`` of them
(least recently used dropped first), each remembering ``serve.session_turns``
question/answer pairs.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ..answering.session import ChatSession


@dataclass
class Conversation:
    id: str
    video_id: str
    session: ChatSession
    lock: threading.Lock = field(default_factory=threading.Lock)
    """One question at a time per conversation: the next one needs the last one's answer."""
    used: float = field(default_factory=time.monotonic)


class SessionStore:
    def __init__(self, *, max_sessions: int, ttl_s: float, turns: int):
        self._conversations: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()
        self.max_sessions = max_sessions
        self.ttl_s = ttl_s
        self.turns = turns

    def get(self, session_id: str | None, video_id: str) -> Conversation | None:
        """The live conversation ``session_id`` about ``video_id``, or None (unknown, expired,
        or about another video: then the client starts a new one)."""
        if not session_id:
            return None
        with self._lock:
            self._expire()
            conversation = self._conversations.get(session_id)
            if conversation is None or conversation.video_id != video_id:
                return None
            conversation.used = time.monotonic()
            self._conversations.move_to_end(session_id)
            return conversation

    def start(self, video_id: str, session: ChatSession) -> Conversation:
        conversation = Conversation(secrets.token_urlsafe(12), video_id, session)
        with self._lock:
            self._expire()
            self._conversations[conversation.id] = conversation
            while len(self._conversations) > self.max_sessions:
                self._conversations.popitem(last=False)
        return conversation

    def forget_video(self, video_id: str) -> None:
        with self._lock:
            for key in [k for k, c in self._conversations.items() if c.video_id == video_id]:
                del self._conversations[key]

    def __len__(self) -> int:
        return len(self._conversations)

    def trim(self, conversation: Conversation) -> None:
        """Keep only the last ``turns`` question/answer pairs of a conversation."""
        history = conversation.session.history
        del history[: max(0, len(history) - 2 * self.turns)]

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.ttl_s
        while self._conversations:
            oldest = next(iter(self._conversations.values()))
            if oldest.used >= cutoff:
                break
            self._conversations.popitem(last=False)


def citation_fields(citation: Any) -> dict[str, Any]:
    """A `Citation` as the API gives it: ``{"start", "end", "module", "text", "event_ids", "video"}``;
    ``event_ids`` name the description's events (the page highlights them), ``video`` is
    ``{"id", "name"}`` across videos and null for a question about one video."""
    video = None if citation.video is None else {"id": citation.video, "name": citation.video}
    return {"start": citation.start, "end": citation.end, "module": citation.module, "text": citation.text,
            "event_ids": list(citation.event_ids), "video": video}


def citations_of(answer: Any) -> list[dict[str, Any]]:
    """The citations of an `Answer` as the API gives them (`citation_fields`)."""
    return [citation_fields(c) for c in getattr(answer, "citations", [])]


def answer_fields(answer: Any) -> dict[str, Any]:
    """``{"answer", "citations"}`` from an `Answer`."""
    return {"answer": str(answer).strip(), "citations": citations_of(answer)}
