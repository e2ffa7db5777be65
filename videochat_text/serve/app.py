"""The web app and HTTP API: one factory, `create_app(settings)`.

Routes are thin: they call the same `VideoChat` the CLI calls (``describe`` through
the background queue, ``chat`` for conversations), so the page, the JSON API and
the CLI cannot disagree. Errors are ``{"error": "<the CLI's one-line message>"}``.

Example:
    >>> from videochat_text.serve import create_app
    >>> app = create_app({"cache": {"dir": "/tmp/vct"}})   # then: uvicorn.run(app)
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Iterator, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..answering import Citation
from ..answering.session import ChatSession
from ..config import Settings, load_settings
from ..errors import ChatModelError, VideoChatError, VideoOpenError
from ..timeline import Description
from ..videochat import VideoChat
from .docs import app_with_docs
from .frames import boxes_timeline, frame_jpeg
from .multipart import read_file_field
from .jobs import DescribeQueue, Job, Status, VideoStatus
from .sessions import Conversation, SessionStore, answer_fields, citations_of
from .store import UnknownVideoError, UploadTooLarge, VideoStore

STATIC = Path(__file__).parent / "static"
TOKEN_COOKIE = "videochat_text_token"
"""The page keeps the token here too, because a <video> element cannot send a header."""

_STATUS = {UnknownVideoError: 404, UploadTooLarge: 413, VideoOpenError: 422, ChatModelError: 502}
_PAGE_POLICY = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
                "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


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


class Uploaded(BaseModel):
    id: str
    """The start of the file's SHA-256: the same file is the same video."""
    name: str
    status: Status
    existing: bool = False
    """The same bytes were uploaded before (``name`` is the name they were given then)."""


class ErrorBody(BaseModel):
    error: str
    """The CLI's one-line message."""


_ERRORS = {code: {"model": ErrorBody} for code in (401, 404, 409, 413, 422, 502)}


class Server:
    """What the routes share: one `VideoChat` (models load once), the store, the queue, sessions."""

    def __init__(self, settings: Settings, videochat: VideoChat):
        self.settings = settings
        self.videochat = videochat
        s = settings.serve
        self.store = VideoStore(s.data_dir or Path(settings.cache.dir).expanduser() / "uploads")
        self.queue = DescribeQueue(videochat, workers=s.workers)
        self.sessions = SessionStore(max_sessions=s.max_sessions, ttl_s=s.session_ttl_s, turns=s.session_turns)
        self._setup = threading.Lock()
        self._model_lock = threading.Lock()
        self._one_at_a_time: bool | None = None
        for video in self.store.list():  # after a restart: cached descriptions come back at once
            self.queue.submit(video)

    def job(self, video_id: str) -> Job:
        job = self.queue.get(video_id)
        if job is None:
            job = self.queue.submit(self.store.get(video_id))  # raises UnknownVideoError
        return job

    def described(self, video_id: str) -> tuple[Job, Description]:
        job = self.job(video_id)
        if job.description is None:
            detail = f": {job.error}" if job.error else ""
            raise HTTPException(409, f"{job.video.name}: not described yet (status: {job.status}){detail}")
        return job, job.description

    def conversation(self, video_id: str, session_id: str | None) -> Conversation:
        """The conversation ``session_id`` continues, or a new one about ``video_id``."""
        found = self.sessions.get(session_id, video_id)
        if found is not None:
            return found
        return self.sessions.start(video_id, self.new_session(video_id))

    def new_session(self, video_id: str) -> ChatSession:
        """A fresh `ChatSession` about a described video (409 if it is not described yet)."""
        job, description = self.described(video_id)
        with self._setup:  # VideoChat keeps per-description state (timeline index, evidence)
            return self.videochat.chat(description)

    @contextmanager
    def answering(self, conversation: Conversation) -> Iterator[None]:
        if self._one_at_a_time is None:
            # llama.cpp (the local model) runs one generation at a time; chat servers queue themselves.
            self._one_at_a_time = type(self.videochat.chat_model).__name__ == "ChatLlamaCpp"
        with conversation.lock:
            if self._one_at_a_time:
                with self._model_lock:
                    yield
            else:
                yield
            self.sessions.trim(conversation)

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

    def close(self) -> None:
        self.queue.close()


def check_bind(host: str, settings: Settings) -> None:
    """Refuse to serve beyond this machine without a token.

    Raises:
        ConfigError: ``host`` is not a loopback address and ``serve.token`` is not set.
    """
    import ipaddress

    from ..errors import ConfigError

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and settings.serve.token is None:
        raise ConfigError(
            f"serving on {host} would let anyone on the network use it: set serve.token in the config "
            "(or the environment variable VIDEOCHAT_TEXT_TOKEN), or bind 127.0.0.1")


def _error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    if request.url.path.startswith("/v1/"):  # OpenAI clients read error.message
        body: dict[str, Any] = {"error": {"message": message, "type": "invalid_request_error" if status < 500
                                          else "server_error", "code": status}}
    else:
        body = {"error": message}
    return JSONResponse(body, status_code=status, headers=headers)


def _status_of(exc: VideoChatError) -> int:
    for kind in type(exc).__mro__:
        if kind in _STATUS:
            return _STATUS[kind]
    return 500  # configuration, missing modules: the server's side


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def _token_check(settings: Settings):
    token = settings.serve.token.get_secret_value() if settings.serve.token else None

    def require_token(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not value:
            # <video> and <img> cannot send headers: the page's cookie counts for reading media
            value = request.cookies.get(TOKEN_COOKIE, "") if request.method == "GET" else ""
        if not secrets.compare_digest(value.strip().encode(), token.encode()):
            raise HTTPException(401, "this server needs a token: send 'Authorization: Bearer <serve.token>'",
                                headers={"WWW-Authenticate": "Bearer"})

    return require_token


def create_app(settings: Settings | dict[str, Any] | str | Path | None = None, *,
               videochat: VideoChat | None = None) -> FastAPI:
    """The FastAPI app: JSON API under ``/api``, OpenAI-compatible under ``/v1``, the page at ``/``.

    Args:
        settings: as for `load_settings` (``serve`` configures the server itself).
        videochat: the `VideoChat` to use (e.g. one with a given chat model); default one
            built from ``settings``.
    """
    settings = videochat.settings if videochat is not None and settings is None else load_settings(settings)
    server = Server(settings, videochat or VideoChat(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        server.close()

    app = app_with_docs(title="videochat-text", version=__version__, lifespan=lifespan,
                        description="Chat with a video: upload it, it is described in the background, then ask.")
    app.state.server = server
    if settings.serve.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.serve.cors_origins,
                           allow_methods=["GET", "POST", "DELETE"], allow_headers=["Authorization", "Content-Type"])
    _add_error_handlers(app)
    authorized = [Depends(_token_check(settings))]
    app.include_router(_api_router(server), prefix="/api", dependencies=authorized)
    from .openai_compat import openai_router

    app.include_router(openai_router(server), prefix="/v1", dependencies=authorized)

    @app.get("/api/health", tags=["server"])
    def health() -> dict[str, str]:
        """Liveness, without a token: says nothing about the videos."""
        return {"status": "ok", "version": __version__}

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": _PAGE_POLICY})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(VideoChatError)
    async def our_error(request: Request, exc: VideoChatError) -> JSONResponse:
        return _error(request, _status_of(exc), str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        return _error(request, 422, f"{where}: {err.get('msg', 'invalid')}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _error(request, 500, f"internal error ({type(exc).__name__}); the server log has the details")


def _api_router(server: Server) -> APIRouter:
    api = APIRouter(tags=["videos"], responses=_ERRORS)
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
        existing = server.queue.get(video.id) is not None
        job = server.queue.submit(video)
        return Uploaded(id=video.id, name=video.name, status=job.status, existing=existing)

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
                    yield _sse("progress", current)
                    sent = current
                if job.status in ("done", "failed"):
                    return
                await asyncio.sleep(0.2)

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    @api.get("/videos/{video_id}/description", responses={200: {"model": Description}})
    def description(video_id: str, format: Literal["json", "srt", "markdown", "text"] = "json") -> Response:
        """What ``describe --format FORMAT`` prints (409 until described)."""
        job, found = server.described(video_id)
        found = found.named(job.video.name)  # titled by the video's name, no path of this machine
        if format == "json":
            return Response(found.to_json(indent=None), media_type="application/json")
        rendered = {"srt": found.to_srt, "markdown": found.to_markdown, "text": found.to_text}[format]()
        media = {"srt": "application/x-subrip", "markdown": "text/markdown", "text": "text/plain"}[format]
        return PlainTextResponse(rendered, media_type=f"{media}; charset=utf-8")

    @api.get("/videos/{video_id}/boxes")
    def boxes(video_id: str) -> dict[str, Any]:
        """Every box to draw over the video, by the time of the frame it was found on."""
        return boxes_timeline(server.described(video_id)[1])

    @api.post("/videos/{video_id}/ask", responses={200: {"model": AskResponse}})
    async def ask(video_id: str, body: AskRequest, request: Request) -> Response:
        """``{"answer", "citations", "session"}``; with ``Accept: text/event-stream`` the answer
        streams: ``event: chunk`` ``{"text"}`` events, then ``event: done``
        ``{"answer", "citations", "session"}`` (or ``event: error`` ``{"error"}``)."""
        if not body.question.strip():
            raise HTTPException(400, "the question is empty")
        if "text/event-stream" not in request.headers.get("accept", ""):
            def answer() -> dict[str, Any]:  # one trip to a worker thread for both steps
                return server.ask(server.conversation(video_id, body.session), body.question)

            return JSONResponse(await run_in_threadpool(answer))
        conversation = await run_in_threadpool(server.conversation, video_id, body.session)

        async def events() -> AsyncIterator[str]:
            parts = []
            async for kind, value in server.stream(conversation, body.question):
                if kind == "chunk":
                    parts.append(value)
                    yield _sse("chunk", {"text": value})
                elif kind == "done":
                    yield _sse("done", {"answer": "".join(parts).strip(), "citations": value,
                                        "session": conversation.id})
                else:
                    message = str(value) if isinstance(value, VideoChatError) else f"internal error ({type(value).__name__})"
                    yield _sse("error", {"error": message})

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

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

    @api.delete("/videos/{video_id}", status_code=204)
    def delete(video_id: str) -> Response:
        """Forget the video: its file, its conversations (its cached description stays in the cache)."""
        server.store.delete(video_id)
        server.queue.forget(video_id)
        server.sessions.forget_video(video_id)
        return Response(status_code=204)

    return api
