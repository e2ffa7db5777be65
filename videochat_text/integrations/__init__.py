"""Videos for agents and apps: an MCP server (``videochat-text mcp``, ``/mcp`` in ``serve``) and
LangChain components (a retriever over a library, a loader for one video's timeline).

Thin, like the server's routes: they call `VideoChat` and `Library`. The names load on
first use (PEP 562), so importing this package pulls in neither the MCP SDK nor LangChain.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

_EXPORTS = {"VideoTools": "tools", "LibraryRetriever": "langchain", "TimelineLoader": "langchain",
            "format_moments": "langchain"}

__all__ = sorted([*_EXPORTS, "mount_mcp"])

log = logging.getLogger(__name__)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def mount_mcp(app: Any, settings: Any, videochat: Any, **options: Any) -> bool:
    """Serve the MCP tools at ``/mcp`` of a FastAPI app (`mcp_server.mount` takes ``options``);
    False, with a warning, when the ``mcp`` SDK is not installed (the rest of the app serves on)."""
    try:
        from .mcp_server import mount
    except ModuleNotFoundError as exc:
        if exc.name != "mcp" and not (exc.name or "").startswith("mcp."):
            raise
        log.warning("no MCP endpoint at /mcp: the mcp SDK is missing (pip install 'videochat-text[mcp]')")
        return False
    mount(app, settings, videochat, **options)
    return True


if TYPE_CHECKING:
    from .langchain import LibraryRetriever, TimelineLoader, format_moments
    from .tools import VideoTools
