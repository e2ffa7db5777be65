"""``POST /api/videos/{id}/ask`` and ``POST /api/ask`` (across the library): a question, answered
whole or streamed (SSE), in its conversation."""

from __future__ import annotations

from typing import AsyncIterator

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from .errors import ERROR_RESPONSES, message_of
from .events import event_stream, sse
from .model_queue import Ticket
from .server import Server


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000)
    session: str | None = None
    """The id a previous answer returned: continue that conversation."""


class VideoRef(BaseModel):
    id: str
    name: str


class Citation(BaseModel):
    """A moment an answer rests on: a timeline entry as the user can check it."""

    start: float
    end: float
    module: str
    text: str
    event_ids: list[str]
    """The description's events this entry stands for (``GET …/description`` has them by id)."""
    video: VideoRef | None
    """Which video the moment is in."""


class AskResponse(BaseModel):
    answer: str
    citations: list[Citation]
    """The moments the answer rests on."""
    session: str
    """Send it back with the next question to continue the conversation."""


def ask_router(server: Server) -> APIRouter:
    api = APIRouter(tags=["videos"], responses=ERROR_RESPONSES)

    @api.post("/videos/{video_id}/ask", responses={200: {"model": AskResponse}})
    async def ask(video_id: str, body: AskRequest, request: Request) -> Response:
        """``{"answer", "citations", "session"}``; with ``Accept: text/event-stream`` the answer streams:
        ``event: status`` ``{"stage", "elapsed_s", "position"}`` at once and at least every second
        while waiting (stages ``queued``, ``reading``, ``thinking``, ``checking``, ``retrying``),
        ``event: chunk`` ``{"text"}`` (verified sentences as they come), then ``event: done``
        ``{"answer", "citations", "session"}`` (or ``event: error`` ``{"error"}``). 429 with
        ``Retry-After`` when ``serve.max_queued_questions`` questions wait already."""
        if not body.question.strip():
            raise HTTPException(400, "the question is empty")
        await run_in_threadpool(server.described, video_id)  # 404 / 409 now, not once queued
        ticket = server.ask(body.question, lambda: server.conversation(video_id, body.session))
        return await _answer(ticket, request)

    @api.post("/ask", tags=["library"], responses={200: {"model": AskResponse}})
    async def ask_across(body: AskRequest, request: Request) -> Response:
        """A question across every video of the library, answered from the moments that match it
        best; each citation's ``video`` is ``{"id", "name"}``. JSON or streamed as
        ``POST /api/videos/{id}/ask``; ``session`` continues a conversation across the library."""
        if not body.question.strip():
            raise HTTPException(400, "the question is empty")
        ticket = server.ask(body.question, lambda: server.across(body.session))
        return await _answer(ticket, request)

    return api


async def _answer(ticket: Ticket, request: Request) -> Response:
    """The answer whole (JSON), or as Server-Sent Events with ``Accept: text/event-stream``."""
    if "text/event-stream" not in request.headers.get("accept", ""):
        return JSONResponse(await ticket.result())
    return event_stream(answer_events(ticket))


async def answer_events(ticket: Ticket) -> AsyncIterator[str]:
    """A queued question's events as Server-Sent Events (the contract in `ask`'s docstring)."""
    async for kind, value in ticket.events():
        if kind == "status":
            yield sse("status", value)
        elif kind == "chunk":
            yield sse("chunk", {"text": value})
        elif kind == "done":
            yield sse("done", value)
        else:
            yield sse("error", {"error": message_of(value)})
