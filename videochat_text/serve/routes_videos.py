"""``/api/videos…``: upload, list, follow, read and delete videos (asking is in `routes_ask`)."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel

from ..timeline import Description
from .errors import ERROR_RESPONSES
from .events import event_stream, sse
from .frames import boxes_timeline, frame_jpeg
from .jobs import Status, VideoStatus
from .multipart import read_file_field
from .server import Server
from .store import UploadTooLarge


class Uploaded(BaseModel):
    id: str
    """The start of the file's SHA-256: the same file is the same video."""
    name: str
    """The name it is known by: the upload's, or the one it had when the same file came before."""
    status: Status
    new: bool
    """False: the same file was already in the library (as ``name``)."""


class VideoPage(BaseModel):
    videos: list[VideoStatus]
    """Oldest first."""
    total: int
    """How many videos match (all pages)."""


def videos_router(server: Server) -> APIRouter:
    api = APIRouter(tags=["videos"], responses=ERROR_RESPONSES)
    _upload_route(api, server)
    _status_routes(api, server)
    _reading_routes(api, server)

    @api.delete("/videos/{video_id}", status_code=204)
    def delete(video_id: str) -> Response:
        """Remove the video from the library, with its conversations, and its file if it was uploaded
        (a video added with ``videochat-text library add`` keeps its file; its cached description
        stays in the cache)."""
        server.delete(video_id)
        return Response(status_code=204)

    return api


def _upload_route(api: APIRouter, server: Server) -> None:
    max_mb = server.settings.serve.max_upload_mb
    # The form around the file adds a little; the file itself is held to the limit exactly.
    max_body = int(max_mb * 2**20) + 64 * 1024

    @api.post("/videos", status_code=202)
    async def upload(request: Request) -> Uploaded:
        """Multipart field ``file``: the video. Described in the background; the same file gives the same id.
        413 past ``serve.max_upload_mb``; 507 past ``serve.max_storage_gb`` (nothing is kept)."""
        declared = request.headers.get("content-length")
        if declared and declared.isdigit():
            if int(declared) > max_body:
                raise UploadTooLarge.of(max_mb)
            server.quota.check(int(declared))  # 507 before a byte is written
        with server.store.receive(max_mb) as received, server.quota.counting(received.write) as write:
            filename = await read_file_field(request.stream(), request.headers.get("content-type"), "file",
                                             write, max_body_bytes=max_body,
                                             too_large=lambda: UploadTooLarge.of(max_mb))
            video, new = await run_in_threadpool(received.finish, filename)
        status = await run_in_threadpool(server.status, video.id)
        if new or status.status == "failed":  # uploading a file that failed tries it again
            status = await run_in_threadpool(server.retry, video.id)
        return Uploaded(id=video.id, name=video.name, status=status.status, new=new)


def _status_routes(api: APIRouter, server: Server) -> None:
    @api.get("/videos")
    def videos(offset: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000),
               name: str | None = Query(None, max_length=200)) -> VideoPage:
        """The library's videos (uploaded, or added with ``videochat-text library add``), oldest first,
        a page at a time; ``name``: only those whose name contains it (any case)."""
        page, total = server.page(offset=offset, limit=limit, name=name or None)
        return VideoPage(videos=page, total=total)

    @api.get("/videos/{video_id}")
    def video(video_id: str) -> VideoStatus:
        """``status``: queued | describing | done | failed (``error`` says why); ``progress``: ``{stage, done, total}``."""
        return server.status(video_id)

    @api.get("/videos/{video_id}/progress", response_class=StreamingResponse)
    async def progress(video_id: str) -> StreamingResponse:
        """The video's status as Server-Sent Events (``event: progress``) until done or failed (a live
        stream: until its first stretch is described; then ``GET …/description`` as it grows)."""
        await run_in_threadpool(server.status, video_id)  # 404 before the stream starts

        async def events() -> AsyncIterator[str]:
            sent = None
            while True:
                current = (await run_in_threadpool(server.status, video_id)).model_dump()
                if current != sent:
                    yield sse("progress", current)
                    sent = current
                if current["status"] in ("done", "failed", "live"):  # live: described so far, and growing
                    return
                await asyncio.sleep(0.2)

        return event_stream(events())


def _reading_routes(api: APIRouter, server: Server) -> None:
    @api.get("/videos/{video_id}/description", responses={200: {"model": Description}})
    def description(video_id: str, format: Literal["json", "srt", "markdown", "text"] = "json") -> Response:
        """What ``describe --format FORMAT`` prints (409 until described)."""
        video, found = server.described(video_id)
        found = found.named(video.name)  # titled by the video's name, no path of this machine
        if format == "json":
            return Response(found.to_json(indent=None), media_type="application/json")
        rendered = {"srt": found.to_srt, "markdown": found.to_markdown, "text": found.to_text}[format]()
        media = {"srt": "application/x-subrip", "markdown": "text/markdown", "text": "text/plain"}[format]
        return PlainTextResponse(rendered, media_type=f"{media}; charset=utf-8")

    @api.get("/videos/{video_id}/boxes")
    def boxes(video_id: str) -> dict[str, Any]:
        """Every box to draw over the video, by the time of the frame it was found on."""
        return boxes_timeline(server.described(video_id)[1])

    @api.get("/videos/{video_id}/media")
    def media(video_id: str) -> FileResponse:
        """The video's file; supports HTTP Range (206) so a player can seek."""
        video = server.store.file(video_id)
        return FileResponse(video.path, media_type=video.media_type)

    @api.get("/videos/{video_id}/frames/{seconds}.jpg", response_class=Response)
    def frame(video_id: str, seconds: float) -> Response:
        """The frame at ``seconds`` with the boxes found there drawn (as ``describe --annotate`` draws them)."""
        video, found = server.described(video_id)
        if found.video.is_live:
            raise HTTPException(404, f"{video.name}: a live stream's frames are not kept (only its latest picture)")
        if not 0 <= seconds <= found.video.duration:
            raise HTTPException(404, f"{video.name}: no frame at {seconds:g} s "
                                     f"(the video is {found.video.duration:g} s long)")
        return Response(frame_jpeg(video.path, found, seconds, decoder=server.settings.perception.decoder),
                        media_type="image/jpeg")
