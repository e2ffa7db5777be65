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

_QUESTION = re.compile(r"^Question:\s*(.*?)\s*(?:\nAnswer:\s*)?$", re.S)
"""prompts/question.txt: the question between ``Question:`` and ``Answer:``."""


class EchoChatModel(BaseChatModel):
    """Answers ``echo: <the question>``, streamed word by word: what a client gets back
    shows which question (and so which session) it answers."""

    delay_s: float = 0.0
    """Seconds per streamed word, to make answers overlap in time."""
    reply: str | None = None
    """Answer this instead of echoing (streamed the same way)."""

    @property
    def _llm_type(self) -> str:
        return "echo"

    def _answer(self, messages: list[BaseMessage]) -> str:
        if self.reply is not None:
            return self.reply
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

        self.app = app
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


class ServerProcess:
    """A server in its own process (so a load generator does not share its GIL), with the echo
    chat model unless ``echo`` is False; a context manager. ``pid`` is for reading its memory."""

    def __init__(self, settings: dict[str, Any], *, echo: bool = True, word_delay_s: float = 0.0):
        """``word_delay_s``: the echo model takes this long per word and, like the local model,
        generates one answer at a time."""
        import json
        import subprocess
        import sys

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        chat = f"slow:{word_delay_s}" if word_delay_s else "echo" if echo else "configured"
        self._process = subprocess.Popen([sys.executable, "-m", "devkit.serving", json.dumps(settings), str(self.port),
                                          chat])
        self.pid = self._process.pid

    def __enter__(self) -> "ServerProcess":
        import httpx

        deadline = time.monotonic() + 120
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"the server exited ({self._process.returncode})")
            try:
                if httpx.get(f"{self.url}/api/health").status_code == 200:
                    return self
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        self._process.terminate()
        self._process.wait(30)


def build_library(path, videos: int) -> None:
    """A library file of ``videos`` described videos named ``clip-0000.mp4``…, two entries each
    (stored through the library's store as if ``library add`` had described them; the files
    themselves do not exist): for measuring and testing the page's video list."""
    from pathlib import Path

    from videochat_text.library.store import DescribedFile, LibraryStore
    from videochat_text.timeline import Description, Event, VideoInfo

    store = LibraryStore(path)
    for n in range(videos):
        info = VideoInfo(path=f"/videos/clip-{n:04d}.mp4", duration=20.0, fps=25, width=320, height=240)
        events = [Event(start=2.0, end=4.0, module="speech", text=f'"This is clip number {n}."'),
                  Event(start=8.0, end=9.0, module="objects", text="1 cup (center)")]
        description = Description(video=info, events=events)
        store.put_video(DescribedFile(
            path=info.path, sha256=f"{n:016x}" + "0" * 48, settings_key="test", info=info.model_dump(mode="json"),
            summary="", failures=[], modules={}, entries=description.events, vectors=None, embedding_model=None,
            description_json=description.to_json(), name=Path(info.path).name))
    store.close()


def _serve_from_command_line() -> None:
    import json
    import sys

    import uvicorn

    from videochat_text import VideoChat
    from videochat_text.serve import create_app

    settings, port, chat = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    model = EchoChatModel() if chat == "echo" else None
    if chat != "configured":  # the echo gives questions back by design: the answer checks would ask again
        settings = {**settings, "chat": {**settings.get("chat", {}), "check_answers": False}}
    if chat.startswith("slow:"):
        from videochat_text.one_at_a_time import one_at_a_time

        model = one_at_a_time(EchoChatModel(delay_s=float(chat[len("slow:"):])))
    videochat = VideoChat(settings, chat_model=model)
    uvicorn.run(create_app(videochat=videochat), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    _serve_from_command_line()
