"""A library of many videos: described in parallel (worker processes or Ray), stored in one
SQLite file, searched (full text + embeddings) and asked across. The server is backed by it:
its uploads are library videos, described by the same runners (`DescribeQueue`).

The names load on first use (PEP 562): the CLI imports ``videochat_text.library.cli`` at start,
which must not pull in numpy, the store or the describing code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {"AddReport": "library", "Library": "library", "expand_paths": "library", "Moment": "search",
            "LibraryStore": "store", "VideoRecord": "store", "LibrarySession": "across", "DescribeQueue": "queue"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


if TYPE_CHECKING:
    from .across import LibrarySession
    from .library import AddReport, Library, expand_paths
    from .queue import DescribeQueue
    from .search import Moment
    from .store import LibraryStore, VideoRecord
