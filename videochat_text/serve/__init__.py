"""``videochat-text serve``: the web app, the JSON API and OpenAI-compatible endpoints.

FastAPI and uvicorn are imported only here (pip extra ``serve``), never by the CLI at start.
"""

from __future__ import annotations

from .access import check_bind
from .app import create_app

__all__ = ["check_bind", "create_app", "run"]


def run(settings, host: str | None = None, port: int | None = None) -> None:
    """Serve ``settings`` with uvicorn until interrupted (``host``/``port`` override ``serve``)."""
    import logging
    import os
    import sys

    import uvicorn

    host = host or settings.serve.host
    port = settings.serve.port if port is None else port
    check_bind(host, settings)
    app = create_app(settings)
    reason = getattr(app.state.server, "reason", None)
    if reason is not None:  # the library file cannot be used: say why (exit 7) instead of serving 503s
        raise reason
    uvicorn.run(app, host=host, port=port, log_level="info")
    if app.state.server.queue.busy():
        # A describe is still inside native code (Whisper, OpenCV, ONNX): tearing the interpreter down
        # under it aborts the process. The next start describes it again (a long video resumes from
        # its saved stretches).
        logging.getLogger(__name__).warning("stopped while describing; the next start describes the video again "
                                            "(long videos resume where they stopped)")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
