"""Answering questions: one generation at a time on the local model, each in its own thread.

The routes hand a conversation and a question here and get the answer back, whole
(`ModelQueue.ask`) or as it is generated (`ModelQueue.stream`).
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager
from typing import Any, AsyncIterator, Iterator

from ..videochat import VideoChat
from .sessions import Conversation, SessionStore, answer_fields, citations_of


class ModelQueue:
    def __init__(self, videochat: VideoChat, sessions: SessionStore):
        self._videochat = videochat
        self._sessions = sessions
        self._model_lock = threading.Lock()
        self._one_at_a_time: bool | None = None

    @contextmanager
    def answering(self, conversation: Conversation) -> Iterator[None]:
        if self._one_at_a_time is None:
            # llama.cpp (the local model) runs one generation at a time; chat servers queue themselves.
            self._one_at_a_time = type(self._videochat.chat_model).__name__ == "ChatLlamaCpp"
        with conversation.lock:
            if self._one_at_a_time:
                with self._model_lock:
                    yield
            else:
                yield
            self._sessions.trim(conversation)

    def ask(self, conversation: Conversation, question: str) -> dict[str, Any]:
        with self.answering(conversation):
            answer = conversation.session.ask(question)
        return {**answer_fields(answer), "session": conversation.id}

    async def stream(self, conversation: Conversation, question: str) -> AsyncIterator[tuple[str, Any]]:
        """``("chunk", text)``… then ``("done", citations)`` or ``("error", exc)``.

        The answer is generated in its own thread to the end even if the client goes away,
        so the conversation always remembers complete turns and the locks are released.
        """
        loop = asyncio.get_running_loop()
        items: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

        def put(kind: str, value: Any) -> None:
            try:
                loop.call_soon_threadsafe(items.put_nowait, (kind, value))
            except RuntimeError:  # the request's event loop is gone (server shutting down): finish anyway
                pass

        def produce() -> None:
            try:
                with self.answering(conversation):
                    answer = conversation.session.stream(question)
                    for chunk in answer:
                        if chunk:
                            put("chunk", chunk)
                    put("done", citations_of(answer.answer))
            except Exception as exc:  # handed to the client as an error event
                put("error", exc)

        threading.Thread(target=produce, name="answer", daemon=True).start()
        while True:
            kind, value = await items.get()
            yield kind, value
            if kind != "chunk":
                return
