"""Questions across a library, answered by the one answering path.

Per question: the library is searched for it (and, for a follow-up, for it together with
the question before); the best moments become a `Description` whose events are those
moments, each line naming its video, under a header saying it is a library of N videos;
and `Answerer.session` answers it — the same verification, answer checks, translation,
history and streaming as one video. The citations it chooses are mapped back to the
moments' own videos and event ids. A conversation's history carries from one question to
the next (each question gets its own moments).

Example:
    >>> session = Library(settings).chat()
    >>> answer = session.ask("Which video mentions the password, and what is it?")
    >>> answer.citations[0].video          # the video's id
"""

from __future__ import annotations

import inspect
import os
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..answering import Answer, AnswerStream, Answerer, Citation
from ..config import Settings
from ..errors import LibraryError
from ..timeline import Description, Event, ModuleRecord, Summary, VideoInfo
from .search import fuse
from .store import StoredEntry

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage
    from langchain_core.runnables import Runnable

    from .store import LibraryStore

OnStage = Callable[[str], None]
Rank = Callable[[str, int], Sequence[StoredEntry]]
"""``rank(query, k)``: the library's best ``k`` moments for ``query`` (`Library.ranked`), best first;
raises `LibraryError` when the query has no words."""


class LibraryMoments(Description):
    """The moments retrieved for one question, as the description the answering path reads."""

    library_videos: int = 0
    """How many videos the library holds."""
    videos_shown: int = 0
    """How many of them the moments come from."""

    def header(self) -> str:
        return (f"A library of {self.library_videos} videos, searched for the question: below are the moments "
                f"that match it best, from {self.videos_shown} of the videos. Each line starts with the name of its "
                "video.")


def library_answerer(settings: Settings, chat_model: "Runnable | None" = None) -> Answerer:
    """An `Answerer` for moments: each question's moments are new, so their embedding index is
    not kept in the cache folder (it would grow by one file a question)."""
    quiet = settings.model_copy(update={"cache": settings.cache.model_copy(update={"enabled": False})})
    return Answerer(quiet, chat_model)


def video_labels(entries: Sequence[StoredEntry]) -> dict[str, str]:
    """How each video is named in the prompt: its name without the extension, with its id when two
    share it. (A word every line shared, like ``mp4``, would make an answer naming one video seem
    to rest on every moment: citations follow the words an answer takes from a line.)"""
    stems = {e.video: os.path.splitext(e.name)[0] or e.name for e in entries}
    taken = Counter(stems.values())
    return {vid: stem if taken[stem] == 1 else f"{stem} {vid[:8]}" for vid, stem in stems.items()}


def moments_description(hits: Sequence[StoredEntry], *, videos: int,
                        modules: dict[str, dict[str, Any]]) -> tuple[LibraryMoments, dict[str, StoredEntry]]:
    """The moments as a description, and which stored entry each of its events stands for (so
    which video: an event's payload stays the module's own, typed).

    Args:
        videos: how many videos the library holds (for the header).
        modules: each video's module records (what its modules' findings mean).
    """
    labels = video_labels(hits)
    events, sources = [], {}
    for n, entry in enumerate(hits, 1):
        event_id = f"moment-{n}"
        events.append(Event(start=entry.start, end=entry.end, module=entry.module,
                            text=f'video "{labels[entry.video]}": {entry.text}', data=entry.data, id=event_id))
        sources[event_id] = entry
    records: dict[str, ModuleRecord] = {}
    for vid in dict.fromkeys(e.video for e in hits):
        for name, record in (modules.get(vid) or {}).items():
            # No label set: a label missing from these few moments may well be in the videos, so
            # the answer checks must not say "no" for it.
            records.setdefault(name, ModuleRecord(evidence=record.get("evidence"), vocabulary=None))
    end = max((e.end for e in hits), default=0.0)
    info = VideoInfo(path="library", duration=end, fps=0.0, width=0, height=0, has_audio=True, has_video=True)
    summary = Summary(text="the moments of the library's videos that best match the question, in time order.",
                      source="library search")
    description = LibraryMoments(video=info, events=events, summary=summary, modules=records,
                                 sample_every_s=None, library_videos=videos, videos_shown=len(labels))
    return description, sources


def cite_videos(answer: Answer, sources: dict[str, StoredEntry]) -> Answer:
    """The answer with each citation pointing at its moment's own video, time, text and event ids."""
    cited: list[Citation] = []
    for citation in answer.citations:
        entries = [sources[i] for i in citation.event_ids if i in sources]
        if not entries:
            continue
        first = entries[0]
        ids = tuple(dict.fromkeys(i for e in entries for i in e.event_ids))
        cited.append(Citation(start=min(e.start for e in entries), end=max(e.end for e in entries),
                              module=first.module, text=first.text, event_ids=ids, video=first.video))
    return answer.model_copy(update={"citations": cited})


def citation_json(citation: Citation, names: dict[str, str]) -> dict[str, Any]:
    """A citation as the API and ``--format json`` give it: ``video`` is ``{"id", "name"}`` or null."""
    video = None if citation.video is None else {"id": citation.video, "name": names.get(citation.video, citation.video)}
    return {"start": citation.start, "end": citation.end, "module": citation.module, "text": citation.text,
            "event_ids": list(citation.event_ids), "video": video}


def answer_json(answer: Answer, names: dict[str, str]) -> dict[str, Any]:
    """``{"answer", "citations"}`` with each citation's video named."""
    return {"answer": answer.text, "citations": [citation_json(c, names) for c in answer.citations]}


class LibrarySession:
    """A conversation across every video of a library; remembers earlier turns.

    Each question is answered from the moments found for it, through `Answerer.session` (the
    one answering path); ``history`` carries over from one question to the next.
    """

    def __init__(self, store: "LibraryStore", rank: Rank, answerer: Answerer, *, top_k: int):
        """
        Args:
            rank: finds the moments for a question (`Library.ranked`).
            top_k: how many moments a question gets (``library.ask_top_k``), before the token budget.
        """
        self.store = store
        self.rank = rank
        self.answerer = answerer
        self.top_k = top_k
        self.history: list["BaseMessage"] = []
        """Earlier turns as plain question/answer messages, as a `ChatSession` keeps them."""

    def names(self, answer: Answer) -> dict[str, str]:
        """The names of the videos an answer cites, by id."""
        return self.store.names({c.video for c in answer.citations if c.video})

    def ask(self, question: str) -> Answer:
        return self.stream(question).whole()

    def stream(self, question: str, on_stage: OnStage | None = None) -> AnswerStream:
        """The answer as it is given (verified sentences), then the whole `Answer` in ``.answer``.

        Raises:
            LibraryError: the library has no described video.
        """
        store = self.store
        videos = store.total(status=["done"])
        if not videos:
            raise LibraryError(f"the library {store.path} has no described videos: add videos with "
                               "`videochat-text library add PATH` (or upload them to the server)")
        if on_stage is not None:
            on_stage("reading")
        hits = self._retrieve(question)
        description, sources = moments_description(hits, videos=videos, modules=store.modules({e.video for e in hits}))
        session = self.answerer.session(description)
        session.history = list(self.history)
        if on_stage is not None and "on_stage" in inspect.signature(session.stream).parameters:
            inner = session.stream(question, on_stage=on_stage)
        else:
            inner = session.stream(question)

        def finish() -> Answer:
            assert inner.answer is not None
            self.history = session.history
            return cite_videos(inner.answer, sources)

        return AnswerStream(iter(inner), finish)

    def _retrieve(self, question: str) -> list[StoredEntry]:
        """The best moments for the question; for a follow-up ("and in the other one?"), fused with
        those for it and the question before."""
        queries = [question]
        earlier = [str(m.content) for m in self.history if m.type == "human"][-1:]
        if earlier:
            queries.append(f"{earlier[0]} {question}")
        found: dict[int, StoredEntry] = {}
        rankings = []
        for query in queries:
            try:
                hits = self.rank(query, self.top_k)
            except LibraryError:  # no words to search by: the model says the moments do not tell
                hits = []
            found.update((e.rowid, e) for e in hits)
            rankings.append([e.rowid for e in hits])
        return [found[rowid] for rowid, _ in fuse(rankings)[:self.top_k]]
