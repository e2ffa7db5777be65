"""A library of many videos: described in parallel (worker processes or Ray), stored in one
SQLite file, searched (full text + embeddings) and asked across.

Nothing heavy is imported here: the CLI imports this package at start.
"""

from .library import AddReport, Library, expand_paths
from .search import Moment
from .store import LibraryStore, VideoRecord

__all__ = ["AddReport", "Library", "LibraryStore", "Moment", "VideoRecord", "expand_paths"]
