"""Asking about a live stream while it plays: each question reads what has been described by then.

A `ChatSession` holds one fixed description; a live stream's grows every few seconds. So a
`LiveSession` reads the stream's description from the library for each question — only the
window the question names ("the last 5 minutes", "just now", "since 10:15"), else all of
it — and answers it through `Answerer.session`, the one answering path (the same checks,
verification, citations and streaming as a file), carrying the conversation's history from
one question to the next. A stream that has ended is asked the same way.

Example:
    >>> session = LiveSession(library, vid, library_answerer(settings))
    >>> session.ask("What did the speaker just say?").citations[0].start
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable

from ..answering import Answer, AnswerStream, Answerer
from ..errors import LibraryError
from ..timeline import Description
from .window import question_window, wall_clock, windowed

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from ..library import Library


class LiveSession:
    """A conversation about one live stream in a library; remembers earlier turns."""

    def __init__(self, library: "Library", vid: str, answerer: Answerer):
        self.library = library
        self.vid = vid
        self.answerer = answerer
        self.history: list["BaseMessage"] = []
        """Earlier turns as plain question/answer messages, as a `ChatSession` keeps them."""
        self.description: Description | None = None
        """What the last question was answered from."""

    def description_for(self, question: str) -> Description:
        """The stream as described so far, cut to the window ``question`` names.

        Raises:
            LibraryError: the stream is not in the library (any more).
        """
        whole = self.library.description(self.vid)
        if whole is None:
            raise LibraryError(f"no live stream {self.vid!r} in the library {self.library.path}")
        window = question_window(question, whole.video)
        return whole if window is None else windowed(whole, window)

    def messages(self, question: str) -> list["BaseMessage"]:
        """Exactly what the model receives for ``question`` (for ``--show-prompt``)."""
        return self.answerer.session(self.description_for(question)).messages(question)

    def ask(self, question: str) -> Answer:
        return self.stream(question).whole()

    def stream(self, question: str, on_stage: Callable[[str], None] | None = None) -> AnswerStream:
        """The answer as it is given (verified sentences), then the whole `Answer` in ``.answer``."""
        if on_stage is not None:
            on_stage("reading")
        self.description = self.description_for(question)
        session = self.answerer.session(self.description)
        session.history = list(self.history)
        accepts = "on_stage" in inspect.signature(session.stream).parameters
        inner = session.stream(question, on_stage=on_stage) if accepts and on_stage else session.stream(question)

        def finish() -> Answer:
            assert inner.answer is not None
            self.history = session.history
            return inner.answer

        return AnswerStream(iter(inner), finish)


def sources_with_wall_clock(answer: Answer, description: Description) -> str:
    """The ``Sources:`` block with each moment's wall-clock time first (a live stream), else as it is."""
    info = description.video
    if not answer.citations or info.started_at is None:
        return answer.sources_text()
    lines = [f"  {wall_clock(info, c.start)} {c.line()}" for c in answer.citations]
    return "\n".join(["Sources:", *lines])


def session_for(library: "Library", video: str, answerer: Answerer) -> "LiveSession | Any":
    """A conversation about the library's video ``video`` (its id, or its path): a `LiveSession` for a
    live stream (``answerer`` should not cache indexes: `library_answerer`), else a `ChatSession`
    over its stored description.

    Raises:
        LibraryError: no such video, or it is not described yet.
    """
    record = library.video(video)
    if record.started_at is not None:  # being watched, or watched before
        return LiveSession(library, record.id, answerer)
    description = library.description(record.id)
    if description is None:
        raise LibraryError(f"{record.name}: not described yet (status: {record.status})")
    return answerer.session(description)
