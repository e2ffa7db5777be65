"""Conversations, kept in the library file and restored from it.

A client names its conversation with the ``session`` id it got back from its first
question. Each answered turn (question, answer, citations) is written to the library
(`LibraryStore.save_turn`), so a conversation survives a reload of the page and a restart
of the server: its live `ChatSession` (or `LibrarySession`, across every video) is kept in
memory for ``serve.session_ttl_s`` after its last use, at most ``serve.max_sessions`` of them
(least recently used dropped first), and rebuilt from the stored turns when asked for again.
Each remembers ``serve.session_turns`` question/answer pairs. "New conversation"
(`SessionStore.end`) leaves the stored ones as they are but no longer current.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from ..answering import Answer
from ..library.across import citation_json
from ..library.store import LibraryStore, StoredConversation, StoredTurn
from ..prompt import defang

KEEP_STORED_S = 30 * 86400.0
"""A stored conversation unused this long is deleted from the library file."""


@dataclass
class Conversation:
    id: str
    """Empty for a conversation that is not kept (the OpenAI-compatible API sends its history each time)."""
    video_id: str | None
    """None: a conversation across the whole library."""
    session: Any
    """A `ChatSession` (one video) or a `LibrarySession` (across): ``ask``, ``stream``, ``history``."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    """One question at a time per conversation: the next one needs the last one's answer."""
    used: float = field(default_factory=time.monotonic)


class SessionStore:
    def __init__(self, library: LibraryStore, *, max_sessions: int, ttl_s: float, turns: int):
        self._library = library
        self._conversations: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()
        self.max_sessions = max_sessions
        self.ttl_s = ttl_s
        self.turns = turns

    def get(self, session_id: str | None, video_id: str | None,
            make_session: Callable[[], Any] | None = None) -> Conversation | None:
        """The conversation ``session_id`` about ``video_id`` (None: across), live or restored from
        the library with ``make_session()`` and its stored turns; None if unknown or about another
        video (then the client starts a new one)."""
        if not session_id:
            return None
        with self._lock:
            self._expire()
            conversation = self._conversations.get(session_id)
            if conversation is not None:
                if conversation.video_id != video_id:
                    return None
                conversation.used = time.monotonic()
                self._conversations.move_to_end(session_id)
                return conversation
        stored = self._library.conversation(session_id)
        if stored is None or stored.video != video_id or make_session is None:
            return None
        session = make_session()
        session.history = history_of(stored.turns[-self.turns:])
        return self._keep(Conversation(stored.id, video_id, session))

    def start(self, video_id: str | None, session: Any) -> Conversation:
        """A new conversation (stored once its first question is answered)."""
        self._library.expire_conversations(time.time() - KEEP_STORED_S)
        return self._keep(Conversation(secrets.token_urlsafe(12), video_id, session))

    def _keep(self, conversation: Conversation) -> Conversation:
        with self._lock:
            self._expire()
            self._conversations[conversation.id] = conversation
            while len(self._conversations) > self.max_sessions:
                self._conversations.popitem(last=False)
        return conversation

    def current(self, video_id: str | None) -> StoredConversation | None:
        """The conversation about ``video_id`` (None: across) used last, unless a new one was started."""
        return self._library.current_conversation(video_id)

    def end(self, video_id: str | None) -> None:
        """Start afresh: the conversations about ``video_id`` (None: across) are no longer current."""
        self._library.end_conversations(video_id)
        self._drop(lambda c: c.video_id == video_id)

    def forget_video(self, video_id: str) -> None:
        """The video is deleted (the library deletes its stored conversations with it)."""
        self._drop(lambda c: c.video_id == video_id)

    def _drop(self, which: Callable[[Conversation], bool]) -> None:
        with self._lock:
            for key in [k for k, c in self._conversations.items() if which(c)]:
                del self._conversations[key]

    def __len__(self) -> int:
        return len(self._conversations)

    def remember(self, conversation: Conversation, question: str, answer: Answer) -> dict[str, Any]:
        """After an answer (under the conversation's lock): keep the last ``turns`` pairs, store the
        turn, and return ``{"answer", "citations"}`` as the API gives them."""
        self.trim(conversation)
        fields = self.answer_fields(conversation, answer)
        if conversation.id:
            self._library.save_turn(conversation.id, conversation.video_id,
                                    StoredTurn(question, fields["answer"], fields["citations"]), keep_turns=self.turns)
        return fields

    def trim(self, conversation: Conversation) -> None:
        """Keep only the last ``turns`` question/answer pairs of a conversation."""
        history = conversation.session.history
        del history[: max(0, len(history) - 2 * self.turns)]

    def answer_fields(self, conversation: Conversation, answer: Answer) -> dict[str, Any]:
        """``{"answer", "citations"}`` (`citations_of`), each cited video named as the library names it."""
        citations = citations_of(answer)
        cited = {c["video"]["id"] for c in citations if c.get("video")}
        names = self._library.names(cited) if cited else {}
        for citation in citations:
            if citation.get("video"):
                citation["video"]["name"] = names.get(citation["video"]["id"], citation["video"]["name"])
        return {"answer": answer.text.strip(), "citations": citations}

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.ttl_s
        while self._conversations:
            oldest = next(iter(self._conversations.values()))
            if oldest.used >= cutoff:
                break
            self._conversations.popitem(last=False)


def history_of(turns: list[StoredTurn]) -> list[Any]:
    """Stored turns as a session's history: the question, and the answer made safe as `ChatSession` keeps it."""
    from langchain_core.messages import AIMessage, HumanMessage

    history: list[Any] = []
    for turn in turns:
        history += [HumanMessage(turn.question), AIMessage(defang(turn.answer))]
    return history


def citations_of(answer: Answer) -> list[dict[str, Any]]:
    """An answer's citations as the API gives them: ``{"start", "end", "module", "text",
    "event_ids", "video"}``; ``event_ids`` name the description's events (the page highlights
    them), ``video`` is ``{"id", "name"}`` across the library and null for a question about one
    video (the name is the id until `SessionStore.answer_fields` looks it up)."""
    return [citation_json(c, {}) for c in answer.citations]


def conversation_json(stored: StoredConversation | None) -> dict[str, Any]:
    """``{"session", "turns": [{"question", "answer", "citations"}]}`` (no session: none yet)."""
    if stored is None:
        return {"session": None, "turns": []}
    return {"session": stored.id, "turns": [{"question": t.question, "answer": t.answer, "citations": t.citations}
                                            for t in stored.turns]}
