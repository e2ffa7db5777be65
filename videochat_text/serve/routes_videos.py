"""``/api/videos…``: upload, list, follow, read and delete videos (asking is in `routes_ask`)."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Literal

from fastapi import APIRouter, HTTPException, Request
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
    status: Status


def videos_router(server: Server) -> APIRouter:
    api = APIRouter(tags=["videos"], responses=ERROR_RESPONSES)
    _upload_route(api, server)
    _status_routes(api, server)
    _reading_routes(api, server)

    @api.delete("/videos/{video_id}", status_code=204)
    def delete(video_id: str) -> Response:
        """Forget the video: its file, its conversations (its cached description stays in the cache)."""
        server.store.delete(video_id)
        server.queue.forget(video_id)
        server.sessions.forget_video(video_id)
        return Response(status_code=204)

    return api


def _upload_route(api: APIRouter, server: Server) -> None:
    max_mb = server.settings.serve.max_upload_mb
    # The form around the file adds a little; the file itself is held to the limit exactly.
    max_body = int(max_mb * 2**20) + 64 * 1024

    @api.post("/videos", status_code=202)
    async def upload(request: Request) -> Uploaded:
        """Multipart field ``file``: the video. Described in the background; the same file gives the same id."""
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_body:
            raise UploadTooLarge.of(max_mb)
        with server.store.receive(max_mb) as received:
            filename = await read_file_field(request.stream(), request.headers.get("content-type"), "file",
                                             received.write, max_body_bytes=max_body,
                                             too_large=lambda: UploadTooLarge.of(max_mb))
            video = await run_in_threadpool(received.finish, filename)
        job = server.queue.submit(video)
        return Uploaded(id=video.id, name=video.name, status=job.status)


def _status_routes(api: APIRouter, server: Server) -> None:
    @api.get("/videos")
    def videos() -> list[VideoStatus]:
        return [job.to_status() for job in server.queue.jobs()]

    @api.get("/videos/{video_id}")
    def video(video_id: str) -> VideoStatus:
        """``status``: queued | describing | done | failed; ``progress``: ``{stage, done, total}``."""
        return server.job(video_id).to_status()

    @api.get("/videos/{video_id}/progress", response_class=StreamingResponse)
    async def progress(video_id: str) -> StreamingResponse:
        """The video's status as Server-Sent Events (``event: progress``) until done or failed."""
        job = server.job(video_id)

        async def events() -> AsyncIterator[str]:
            sent = None
            while True:
                current = job.to_status().model_dump()
                if current != sent:
                    yield sse("progress", current)
                    sent = current
                if job.status in ("done", "failed"):
                    return
                await asyncio.sleep(0.2)

        return event_stream(events())


def _reading_routes(api: APIRouter, server: Server) -> None:
    @api.get("/videos/{video_id}/description", responses={200: {"model": Description}})
    def description(video_id: str, format: Literal["json", "srt", "markdown", "text"] = "json") -> Response:
        """What ``describe --format FORMAT`` prints (409 until described)."""
        job, found = server.described(video_id)
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
        """The uploaded file; supports HTTP Range (206) so a player can seek."""
        video = server.store.get(video_id)
        return FileResponse(video.path, media_type=video.media_type)

    @api.get("/videos/{video_id}/frames/{seconds}.jpg", response_class=Response)
    def frame(video_id: str, seconds: float) -> Response:
        """The frame at ``seconds`` with the boxes found there drawn (as ``describe --annotate`` draws them)."""
        job, found = server.described(video_id)
        if not 0 <= seconds <= found.video.duration:
            raise HTTPException(404, f"{job.video.name}: no frame at {seconds:g} s "
                                     f"(the video is {found.video.duration:g} s long)")
        return Response(frame_jpeg(job.video.path, found, seconds, decoder=server.settings.perception.decoder),
                        media_type="image/jpeg")
