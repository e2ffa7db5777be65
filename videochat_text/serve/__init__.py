"""``videochat-text serve``: the web app, the JSON API and OpenAI-compatible endpoints.

FastAPI and uvicorn are imported only here (pip extra ``serve``), never by the CLI at start.
"""

from __future__ import annotations

from .app import check_bind, create_app

__all__ = ["check_bind", "create_app", "run"]


def run(settings, host: str | None = None, port: int | None = None) -> None:
    """Serve ``settings`` with uvicorn until interrupted (``host``/``port`` override ``serve``)."""
    import uvicorn

    host = host or settings.serve.host
    port = settings.serve.port if port is None else port
    check_bind(host, settings)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
