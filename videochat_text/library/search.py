"""Hybrid ranking across a library: full text (FTS5 bm25) and meaning (embeddings), fused by rank.

Words find exact names, numbers and rare terms ("pineapple", "3:30"); embeddings find
the same thing said differently ("the cost" for "three dollars"). Each ranks the
entries its own way on scales that cannot be compared, so they are combined by
reciprocal-rank fusion (Cormack et al., 2009): an entry scores ``sum 1 / (k + rank)``
over the lists it appears in; an entry near the top of both wins.

Vectors are one float32 matrix in memory, loaded from the store when it changed, and
searched with the same matrix product as single-video retrieval
(`retrieval.TimelineIndex`). Measured in ``benchmarks/library.py``.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .store import LibraryStore

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from ..retrieval import TimelineIndex

RRF_K = 60
"""The fusion constant from the paper: ranks far down either list still count a little."""
CANDIDATES = 50
"""How many entries each ranking contributes before fusion."""
SEARCH_DEPTH = 200
"""How deep each ranking goes for a page of results (the API's ``total`` counts the fused ones)."""

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Moment:
    """One search hit: a timeline entry of one video."""

    video: str
    """The video's id."""
    name: str
    """The video's name (a label)."""
    start: float
    end: float
    module: str
    text: str
    score: float
    """Reciprocal-rank fusion score: higher is better; only the order means anything."""
    event_ids: tuple[str, ...] = ()

    def to_json_dict(self, *, with_video: bool = True) -> dict[str, Any]:
        moment = {"start": self.start, "end": self.end, "module": self.module, "text": self.text,
                  "event_ids": list(self.event_ids), "score": round(self.score, 6)}
        return {"video": {"id": self.video, "name": self.name}, **moment} if with_video else moment


def group_by_video(moments: Sequence[Moment]) -> list[dict[str, Any]]:
    """``[{"video": {"id", "name"}, "moments": [...]}]``: the videos in the order of their best
    moment, each with its moments best first."""
    groups: dict[str, dict[str, Any]] = {}
    for m in moments:
        group = groups.setdefault(m.video, {"video": {"id": m.video, "name": m.name}, "moments": []})
        group["moments"].append(m.to_json_dict(with_video=False))
    return list(groups.values())


def limit_query_threads(threads: int) -> None:
    """Let torch embed with ``threads`` threads (process-wide). One short query at a time gains
    nothing from more: with two threads a query took 40x the CPU on 2 cores, the threads
    spinning (``benchmarks/library.py search``: 404 ms against 10.5 ms). Nothing to do for
    embeddings that do not run on torch (an OpenAI-compatible server)."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)


def fts_query(text: str) -> str | None:
    """An FTS5 query matching entries with any word of ``text`` (bm25 ranks those with more, and
    rarer, words first), or None when ``text`` has no words. Every word is quoted, so nothing the
    user types is read as FTS5 syntax (``AND``, ``NEAR``, ``*``, quotes)."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))
    return " OR ".join(f'"{w}"' for w in words) or None


def fuse(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion: ``(id, score)`` best first; ties keep the first ranking's order.

    Example:
        >>> fuse([[7, 3], [3, 9]])[0][0]
        3
    """
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    order = {item: n for n, item in enumerate(i for ranking in rankings for i in ranking)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))


class VectorSearch:
    """The library's embeddings as one matrix, reloaded only when the store's entries have changed.

    Shared by the server's threads: a reload happens under a lock (one thread reads the file,
    the others wait for its result), and a search uses one consistent ``(ids, index)`` pair.
    """

    def __init__(self, store: LibraryStore, embeddings: "Embeddings", model_id: str):
        self.store = store
        self.embeddings = embeddings
        self.model_id = model_id
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._loaded: tuple[np.ndarray, "TimelineIndex | None"] = (np.zeros(0, dtype=np.int64), None)

    def _current(self) -> tuple[np.ndarray, "TimelineIndex | None"]:
        from ..retrieval import TimelineIndex

        generation = self.store.generation()
        with self._lock:
            if generation != self._generation:
                ids, matrix = self.store.vectors(self.model_id)
                self._loaded = (ids, TimelineIndex(matrix, self.embeddings) if len(ids) else None)
                self._generation = generation
            return self._loaded

    def search(self, query: str, k: int) -> list[int]:
        """Entry row ids nearest to ``query`` in meaning, nearest first."""
        ids, index = self._current()
        if index is None:
            return []
        return [int(ids[i]) for i in index.search(query, k)]
