"""``POST /api/videos/{id}/ask``: a question about a video, answered whole or streamed (SSE)."""

from __future__ import annotations

from typing import Any, AsyncIterator

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ..answering import Citation
from .errors import ERROR_RESPONSES, message_of
from .events import event_stream, sse
from .server import Server


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000)
    session: str | None = None
    """The id a previous answer returned: continue that conversation."""


class AskResponse(BaseModel):
    answer: str
    citations: list[Citation]
    """The moments the answer rests on (none until answers carry them)."""
    session: str
    """Send it back with the next question to continue the conversation."""


def ask_router(server: Server) -> APIRouter:
    api = APIRouter(tags=["videos"], responses=ERROR_RESPONSES)

    @api.post("/videos/{video_id}/ask", responses={200: {"model": AskResponse}})
    async def ask(video_id: str, body: AskRequest, request: Request) -> Response:
        """``{"answer", "citations", "session"}``; with ``Accept: text/event-stream`` the answer
        streams: ``event: chunk`` ``{"text"}`` events, then ``event: done``
        ``{"answer", "citations", "session"}`` (or ``event: error`` ``{"error"}``)."""
        if not body.question.strip():
            raise HTTPException(400, "the question is empty")
        if "text/event-stream" not in request.headers.get("accept", ""):
            def answer() -> dict[str, Any]:  # one trip to a worker thread for both steps
                return server.answers.ask(server.conversation(video_id, body.session), body.question)

            return JSONResponse(await run_in_threadpool(answer))
        conversation = await run_in_threadpool(server.conversation, video_id, body.session)

        async def events() -> AsyncIterator[str]:
            parts = []
            async for kind, value in server.answers.stream(conversation, body.question):
                if kind == "chunk":
                    parts.append(value)
                    yield sse("chunk", {"text": value})
                elif kind == "done":
                    yield sse("done", {"answer": "".join(parts).strip(), "citations": value,
                                       "session": conversation.id})
                else:
                    yield sse("error", {"error": message_of(value)})

        return event_stream(events())

    return api
