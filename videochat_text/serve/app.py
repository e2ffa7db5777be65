"""The web app and HTTP API: one factory, `create_app(settings)`.

Routes are thin: they call the same `VideoChat` the CLI calls (``describe`` through
the background queue, ``chat`` for conversations), so the page, the JSON API and
the CLI cannot disagree. Errors are ``{"error": "<the CLI's one-line message>"}``.

Where things are: `routes_videos` and `routes_ask` (the JSON API), `openai_compat`
(``/v1``), `server` (what the routes share), `model_queue` (answering), `errors`,
`access` (the token, the bind check).

Example:
    >>> from videochat_text.serve import create_app
    >>> app = create_app({"cache": {"dir": "/tmp/vct"}})   # then: uvicorn.run(app)
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..config import Settings, load_settings
from ..integrations import mount_mcp
from ..videochat import VideoChat
from .access import token_check
from .docs import app_with_docs
from .errors import add_error_handlers
from .openai_compat import openai_router
from .routes_ask import ask_router
from .routes_library import library_router
from .routes_live import live_router
from .routes_videos import videos_router
from .server import Server, open_server

__all__ = ["create_app"]

STATIC = Path(__file__).parent / "static"
_PAGE_POLICY = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
                "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


def create_app(settings: Settings | dict[str, Any] | str | Path | None = None, *,
               videochat: VideoChat | None = None) -> FastAPI:
    """The FastAPI app: JSON API under ``/api``, OpenAI-compatible under ``/v1``, the page at ``/``.

    Args:
        settings: as for `load_settings` (``serve`` configures the server itself).
        videochat: the `VideoChat` to use (e.g. one with a given chat model); default one
            built from ``settings``.
    """
    settings = videochat.settings if videochat is not None and settings is None else load_settings(settings)
    videochat = videochat or VideoChat(settings)
    server = open_server(settings, videochat)

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
    add_error_handlers(app)
    authorized = [Depends(token_check(settings))]
    app.include_router(videos_router(server), prefix="/api", dependencies=authorized)
    app.include_router(ask_router(server), prefix="/api", dependencies=authorized)
    app.include_router(library_router(server), prefix="/api", dependencies=authorized)
    app.include_router(live_router(server), prefix="/api", dependencies=authorized)
    app.include_router(openai_router(server), prefix="/v1", dependencies=authorized)
    # The MCP tools over streamable HTTP, behind the same token, on the server's library and models
    # (the chat model itself answers one question at a time: `one_at_a_time`).
    mount_mcp(app, settings, videochat, check=token_check(settings),
              library=server.library if isinstance(server, Server) else None)

    @app.get("/api/health", tags=["server"])
    async def health() -> dict[str, str]:  # async: answered on the event loop, no thread to wait for
        """Liveness, without a token: says nothing about the videos."""
        return {"status": "ok", "version": __version__}

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": _PAGE_POLICY})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
