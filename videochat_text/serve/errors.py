"""How the server says what went wrong: ``{"error": "<the CLI's one-line message>"}``.

OpenAI-compatible routes (``/v1/…``) answer in OpenAI's error shape instead, since
OpenAI clients read ``error.message``. Every error is JSON and the server keeps serving.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (ChatModelError, LibraryError, LibraryFileError, QuestionError, UnknownVideoError, VideoChatError,
                      VideoOpenError)
from .model_queue import QueueClosed, QueueFull
from .quota import StorageFull
from .store import UploadTooLarge

_STATUS = {UnknownVideoError: 404, UploadTooLarge: 413, VideoOpenError: 422, QuestionError: 422, QueueFull: 429, ChatModelError: 502,
           QueueClosed: 503, StorageFull: 507, LibraryFileError: 503, LibraryError: 400}


class ErrorBody(BaseModel):
    error: str
    """The CLI's one-line message."""


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 404, 409, 413, 422, 429, 502, 503, 507)}
"""What the API's routes document as their error answers (OpenAPI)."""


def error_body(path: str, status: int, message: str) -> dict[str, Any]:
    if not path.startswith("/v1/"):
        return {"error": message}
    if status == 429:  # as OpenAI says it
        return {"error": {"message": message, "type": "requests", "param": None, "code": "rate_limit_exceeded"}}
    # OpenAI clients read error.message
    return {"error": {"message": message, "type": "invalid_request_error" if status < 500 else "server_error",
                      "code": status}}


def error_response(request: Request, status: int, message: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(request.url.path, status, message), status_code=status, headers=headers)


def status_of(exc: VideoChatError) -> int:
    for kind in type(exc).__mro__:
        if kind in _STATUS:
            return _STATUS[kind]
    return 500  # configuration, missing modules: the server's side


def message_of(exc: BaseException) -> str:
    """What a client is told about ``exc``: our one-line message, never an internal one."""
    return str(exc) if isinstance(exc, VideoChatError) else f"internal error ({type(exc).__name__})"


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(VideoChatError)
    async def our_error(request: Request, exc: VideoChatError) -> JSONResponse:
        retry = getattr(exc, "retry_after_s", None)
        return error_response(request, status_of(exc), str(exc), {"Retry-After": str(retry)} if retry else None)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        return error_response(request, 422, f"{where}: {err.get('msg', 'invalid')}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return error_response(request, 500, f"internal error ({type(exc).__name__}); the server log has the details")
