"""LangChain components: a retriever over a library of videos and a loader for one video's timeline.

Each `Document` is one timeline entry, what one module reported over a stretch of one video:
``page_content`` is its text, ``metadata`` says where it is: ``video`` (the library id: the start
of the file's SHA-256), ``name`` (the file's name), ``start`` and ``end`` in seconds, ``module``,
``event_ids``; the retriever adds ``score``. `format_moments` writes
documents as the lines videochat-text's own prompts use, for a chain's context.

Example (a chain on the embedded local chat model):
    >>> retriever = LibraryRetriever(library=Library.from_config("config.yaml"), top_k=4)
    >>> chain = ({"moments": retriever | format_moments, "question": RunnablePassthrough()}
    ...          | prompt | make_chat_model(settings.chat) | StrOutputParser())
    >>> chain.invoke("What is the secret password?")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from ..timeline import timeline_entries

if TYPE_CHECKING:
    from ..library import Library
    from ..videochat import VideoChat


def _metadata(video: str, name: str, start: float, end: float, module: str, event_ids: Sequence[str]) -> dict[str, Any]:
    return {"video": video, "name": name, "start": start, "end": end, "module": module, "event_ids": list(event_ids)}


class LibraryRetriever(BaseRetriever):
    """The moments across a `Library` that best match a query (full text and meaning, fused), as
    Documents, best first."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    library: Any
    """The `videochat_text.library.Library` to search."""
    top_k: int = Field(default=5, ge=1)
    """How many moments to return, best first."""

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        library: "Library" = self.library
        return [Document(page_content=m.text, metadata={**_metadata(m.video, m.name, m.start, m.end, m.module, m.event_ids),
                                                        "score": m.score})
                for m in library.search(query, top_k=self.top_k)]


class TimelineLoader(BaseLoader):
    """One video's timeline (merged events and window summaries, in time order) as Documents.

    Example:
        >>> docs = TimelineLoader("clip.mp4").load()         # described first unless cached
        >>> docs[0].metadata["start"], docs[0].page_content
    """

    def __init__(self, video: str | Path, *, videochat: "VideoChat | None" = None):
        """
        Args:
            video: the video file, described with ``videochat`` (default: a `VideoChat` with the
                default settings) unless its description is cached.
        """
        self.video = video
        self.videochat = videochat

    def lazy_load(self) -> Iterator[Document]:
        from ..library.store import video_id
        from ..videochat import VideoChat

        videochat = self.videochat or VideoChat()
        description = videochat.describe(self.video)
        vid = video_id(videochat.cache.video_digest(self.video))
        for entry in timeline_entries(description):
            yield Document(page_content=entry.text, metadata=_metadata(vid, description.video.name, entry.start,
                                                                       entry.end, entry.module, entry.ids))


def format_moments(documents: Sequence[Document]) -> str:
    """Documents from this module as lines for a prompt, ``name [0:00:04.5–0:00:07.1] speech: …``,
    their text defanged as videochat-text's own prompts defang it (no orders to the model)."""
    from ..answering import Citation
    from ..prompt import defang

    lines = []
    for doc in documents:
        m = doc.metadata
        citation = Citation(start=m["start"], end=m["end"], module=m["module"], text=doc.page_content,
                            video=m["name"])
        lines.append(defang(citation.line()))
    return "\n".join(lines) or "(nothing found)"
