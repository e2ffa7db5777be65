"""The line of questions in front of the chat model: bounded, in order, off the event loop.

A question is a ticket. Up to ``serve.max_queued_questions`` wait (in order); one more is
refused at once with `QueueFull` (429 with ``Retry-After``), so a crowd of questions
costs memory for their tickets, not threads. Questions are answered in this queue's own
worker threads — never in AnyIO's thread pool, which serves every other sync route (the
token check, listing, media, health) and must stay free — ``serve.answers_at_once`` at a
time, or one at a time when the chat model is a local one (`runs_one_at_a_time`).

A ticket reports what happens to its question (its stage, text, the end) to the event
loop of the request that asked; the request reads them with `Ticket.events`, which also
says, at least every second, how long it has waited and its place in the line.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, AsyncIterator, Callable

from ..errors import VideoChatError

Work = Callable[["Ticket"], Any]
"""What answers a question, in a worker thread: reports stages and text on the ticket, returns the result."""

HEARTBEAT_S = 0.75
"""A status event is sent when nothing else was for this long (the contract says: at least every second)."""


class QueueFull(VideoChatError):
    """Too many questions are waiting for the chat model."""

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class QueueClosed(VideoChatError):
    """The server stopped before a worker began this question."""


class Ticket:
    """One question's way through the queue; created in the request's event loop."""

    def __init__(self, queue: "ModelQueue", number: int):
        self._queue = queue
        self.number = number
        """The how-manieth question this queue took (its place in the line is computed from it)."""
        self.asked = time.monotonic()
        self.stage = "queued"
        self._loop = asyncio.get_running_loop()
        self._items: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._items.put_nowait(("stage", "queued"))  # the first status, whatever the worker does meanwhile

    def report(self, kind: str, value: Any = None) -> None:
        """From the worker thread: ``("stage", name)``, ``("chunk", text)``, ``("done", result)``,
        ``("error", exc)``."""
        if kind == "stage":
            if value == self.stage:
                return
            self.stage = value
        try:
            self._loop.call_soon_threadsafe(self._items.put_nowait, (kind, value))
        except RuntimeError:  # the request's event loop is gone (the server is stopping): finish anyway
            pass

    def status(self, stage: str | None = None) -> dict[str, Any]:
        stage = stage or self.stage
        return {"stage": stage, "elapsed_s": round(time.monotonic() - self.asked, 1),
                "position": self._queue.position(self) if stage == "queued" else None}

    async def events(self, heartbeat_s: float | None = HEARTBEAT_S) -> AsyncIterator[tuple[str, Any]]:
        """``("status", {"stage", "elapsed_s", "position"})`` at once (``queued``), at each new stage and after
        ``heartbeat_s`` without any event; ``("chunk", text)``…; then ``("done", result)`` or
        ``("error", exc)``. Without ``heartbeat_s`` only the worker's own reports come."""
        while True:
            try:
                kind, value = await asyncio.wait_for(self._items.get(), heartbeat_s)
            except TimeoutError:
                yield "status", self.status()
                continue
            if kind == "stage":
                yield "status", self.status(value)
                continue
            yield kind, value
            if kind in ("done", "error"):
                return

    async def result(self) -> Any:
        """The work's result, or its exception raised here."""
        async for kind, value in self.events(heartbeat_s=None):
            if kind == "done":
                return value
            if kind == "error":
                raise value


def _end_if_cancelled(done: Future, ticket: Ticket) -> None:
    """A question still waiting when the queue closes is cancelled: its ticket must still end, or
    whoever awaits it (a request, the server's own `prepare` thread) waits for ever — and a thread
    of a ThreadPoolExecutor waiting for ever keeps the process from exiting."""
    if done.cancelled():
        ticket.report("error", QueueClosed("the server stopped before this question's turn came"))


class ModelQueue:
    """``workers`` threads answer questions in the order they came; at most ``max_waiting`` wait.

    ``one_at_a_time`` is asked once, in a worker thread (it may build the chat model): when
    true, one question is answered at a time whatever ``workers`` says.
    """

    def __init__(self, *, workers: int, max_waiting: int, one_at_a_time: Callable[[], bool] = lambda: False):
        self.workers = workers
        self.max_waiting = max_waiting
        self._one_at_a_time = one_at_a_time
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="answer")
        self._lock = threading.Lock()
        self._taken = 0  # tickets handed out
        self._started = 0  # tickets a worker began answering (in the same order)
        self._unfinished = 0
        self._limit: threading.Semaphore | None = None
        self._at_once = workers  # questions answered at the same time: 1 once the model turns out to need it
        self._deciding = threading.Lock()
        self._seconds_per_answer = 5.0  # a running mean; only for Retry-After
        self._closed = False

    def submit(self, work: Work) -> Ticket:
        """Queue ``work`` (called from the event loop). Raises `QueueFull` when ``max_waiting`` wait already."""
        with self._lock:
            if self._closed:
                raise QueueClosed("the server is stopping: no more questions are answered")
            if self._unfinished >= self._at_once + self.max_waiting:
                raise QueueFull(self._full_message(), self._retry_after_s())
            self._taken += 1
            self._unfinished += 1
            ticket = Ticket(self, self._taken)
            running = self._pool.submit(self._run, ticket, work)
        running.add_done_callback(lambda done: _end_if_cancelled(done, ticket))
        return ticket

    def position(self, ticket: Ticket) -> int:
        """1 for the next question a worker takes."""
        return max(1, ticket.number - self._started)

    def waiting(self) -> int:
        return self._taken - self._started

    def close(self) -> None:
        """Answer no more: the question being answered finishes, the waiting ones end with `QueueClosed`."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, ticket: Ticket, work: Work) -> None:
        with self._concurrency():
            with self._lock:
                self._started += 1
            began = time.monotonic()
            try:
                ticket.report("done", work(ticket))
            except Exception as exc:  # the request reports it; the queue goes on
                ticket.report("error", exc)
            finally:
                with self._lock:
                    self._unfinished -= 1
                    self._seconds_per_answer += (time.monotonic() - began - self._seconds_per_answer) / 8

    def _concurrency(self) -> threading.Semaphore:
        with self._deciding:  # the first question decides (it may build the model); the others wait for it
            if self._limit is None:
                try:
                    one = self._one_at_a_time()
                except Exception:  # the model cannot be built: this question's work meets the same error
                    return threading.Semaphore(1)
                self._at_once = 1 if one else self.workers
                self._limit = threading.Semaphore(self._at_once)
        return self._limit

    def _full_message(self) -> str:
        return (f"{self.max_waiting} questions are already waiting for the chat model "
                f"(serve.max_queued_questions): ask again in {self._retry_after_s()} s")

    def _retry_after_s(self) -> int:
        return max(1, min(600, math.ceil(self._seconds_per_answer * (self.max_waiting + 1) / self._at_once)))
