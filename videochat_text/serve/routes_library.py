"""The library's API: search across every video, conversations (per video and across), retry.

Asking across the library is ``POST /api/ask`` (`routes_ask`); the paged video list is
``GET /api/videos`` (`routes_videos`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from .errors import ERROR_RESPONSES
from .jobs import VideoStatus
from .routes_ask import VideoRef
from .server import Server
from .sessions import conversation_json


class SearchMoment(BaseModel):
    start: float
    end: float
    module: str
    text: str
    event_ids: list[str]
    score: float
    """Reciprocal-rank fusion of the word and meaning rankings: only the order means anything."""


class SearchGroup(BaseModel):
    video: VideoRef
    moments: list[SearchMoment]
    """Best first."""


class SearchResults(BaseModel):
    query: str
    total: int
    """How many moments the search found (pages of them: ``offset``, ``limit``)."""
    groups: list[SearchGroup]
    """This page's moments grouped by video, the video of the best moment first."""


class Turn(BaseModel):
    question: str
    answer: str
    citations: list[dict[str, Any]]


class ConversationTurns(BaseModel):
    session: str | None
    """Send it with the next question to continue; null: no conversation yet (or a new one was started)."""
    turns: list[Turn]


def library_router(server: Server) -> APIRouter:
    api = APIRouter(tags=["library"], responses=ERROR_RESPONSES)

    @api.get("/search")
    def search(q: str = Query(min_length=1, max_length=1000), offset: int = Query(0, ge=0),
               limit: int = Query(20, ge=1, le=100)) -> SearchResults:
        """The moments of every video that best match ``q``, by words (full text) and meaning (embeddings)."""
        from ..library.search import group_by_video

        moments, total = server.library.search_page(q, offset=offset, limit=limit)
        return SearchResults.model_validate({"query": q, "total": total, "groups": group_by_video(moments)})

    @api.get("/videos/{video_id}/conversation")
    def conversation(video_id: str) -> ConversationTurns:
        """The conversation about the video used last, as the page shows it again after a reload."""
        server.video(video_id)  # 404 for an unknown video
        return ConversationTurns.model_validate(conversation_json(server.sessions.current(video_id)))

    @api.delete("/videos/{video_id}/conversation", status_code=204)
    def new_conversation(video_id: str) -> Response:
        """Start a new conversation about the video (the next question without ``session`` begins it)."""
        server.video(video_id)
        server.sessions.end(video_id)
        return Response(status_code=204)

    @api.get("/conversation")
    def conversation_across() -> ConversationTurns:
        """The conversation across every video used last."""
        return ConversationTurns.model_validate(conversation_json(server.sessions.current(None)))

    @api.delete("/conversation", status_code=204)
    def new_conversation_across() -> Response:
        """Start a new conversation across every video."""
        server.sessions.end(None)
        return Response(status_code=204)

    @api.post("/videos/{video_id}/retry", status_code=202)
    def retry(video_id: str) -> VideoStatus:
        """Describe again a video whose describing failed (or one of whose modules did)."""
        return server.retry(video_id)

    return api
