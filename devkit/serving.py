"""Serving helpers for tests and benchmarks: a real uvicorn server on 127.0.0.1 in a
thread, and a chat model that echoes the question (so answers can be told apart).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from typing import Any, Iterator

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

_QUESTION = re.compile(r"Answer this question about the video:\s*(.*)", re.S)


class EchoChatModel(BaseChatModel):
    """Answers ``echo: <the question>``, streamed word by word: what a client gets back
    shows which question (and so which session) it answers."""

    delay_s: float = 0.0
    """Seconds per streamed word, to make answers overlap in time."""

    @property
    def _llm_type(self) -> str:
        return "echo"

    def _answer(self, messages: list[BaseMessage]) -> str:
        last = str(messages[-1].content)
        match = _QUESTION.search(last)
        return "echo: " + (match.group(1) if match else last).strip()

    def _generate(self, messages, stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self._answer(messages)))])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for n, word in enumerate(self._answer(messages).split(" ")):
            if self.delay_s:
                time.sleep(self.delay_s)
            yield ChatGenerationChunk(message=AIMessageChunk(content=word if n == 0 else " " + word))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``app`` served by uvicorn on 127.0.0.1 at a free port, in a thread; a context manager.

    Example:
        >>> with LiveServer(create_app(settings)) as server:
        ...     httpx.get(server.url + "/api/health")
    """

    def __init__(self, app, port: int | None = None):
        import uvicorn

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                     lifespan="on"))
        self._thread = threading.Thread(target=self._server.run, name="uvicorn", daemon=True)

    def __enter__(self) -> "LiveServer":
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on port {self.port}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
