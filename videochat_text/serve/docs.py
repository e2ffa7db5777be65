"""The API docs page (``/docs``) without the internet: Swagger UI from fastapi-offline's copy.

FastAPI's own ``/docs`` loads Swagger UI from a CDN and shows a blank page offline, which
is how this project runs. With fastapi-offline (in the ``serve`` extra) the same page is
served from this machine; without it there is no ``/docs`` at all (the page hides its link)
rather than a blank one. ``/openapi.json`` is there either way.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

DOCS_ASSETS = "/static-docs"
"""Where Swagger UI's script and stylesheet are served."""


def app_with_docs(**kwargs: Any) -> FastAPI:
    """``FastAPI(**kwargs)`` with ``/docs`` served offline when fastapi-offline is installed, else none."""
    try:
        from fastapi_offline import FastAPIOffline
    except ImportError:
        return FastAPI(docs_url=None, redoc_url=None, **kwargs)
    return FastAPIOffline(docs_url="/docs", redoc_url=None, static_url=DOCS_ASSETS, **kwargs)
