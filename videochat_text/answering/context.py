"""Which parts of a description go into the prompt for a question, within the token budget.

All of it when it fits (``retrieval.mode: auto``); for a long video, per question,
the stretch the question names and the entries nearest to it in meaning
(`retrieval.select_entries`), then the rest as the budget allows. The timeline
entries, their embedding index and the answer checks' evidence are worked out once
per description and kept with it (`prepared`), so many questions cost one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

from ..config import RetrievalSettings
from ..prompt import RenderedDescription, could_fit
from ..retrieval import TimelineIndex, select_entries
from ..timeline import Description, Event, timeline_entries
from .checks import Evidence

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

log = logging.getLogger(__name__)

Render = Callable[..., RenderedDescription]
"""``render(description, entries=…, focus=…)``: the description block as the model sees it."""


@dataclass
class Prepared:
    """What is derived from a description once and kept with it: entries, their index, the evidence."""

    entries: list[Event]
    evidence: Evidence
    index: TimelineIndex | None = None
    indexed: bool = False
    roles: dict[str, str | None] = field(default_factory=dict)


def prepared(description: Description) -> Prepared:
    """The timeline entries and evidence of a description, computed on first use and kept with it
    (copies of a cached description share them)."""
    memo = description.memo
    if "prepared" not in memo:
        roles = {name: record.evidence for name, record in description.modules.items()}
        memo["prepared"] = Prepared(timeline_entries(description), Evidence.of(description), roles=roles)
    return memo["prepared"]


class ContextSelector:
    """Chooses, per question, what of one description the prompt shows."""

    def __init__(self, description: Description, render: Render, settings: RetrievalSettings, max_tokens: int,
                 index_for: Callable[[Sequence[Event]], TimelineIndex | None]):
        self.description = description
        self.prepared = prepared(description)
        self._render = render
        self._settings = settings
        self._whole: str | None = None
        self._index_for = index_for
        entries = self.prepared.entries
        if settings.mode == "never" or (settings.mode == "auto" and could_fit(entries, max_tokens)):
            whole = render(description, entries=entries)
            if settings.mode == "never" or not whole.trimmed:
                self._whole = whole.text

    @property
    def whole(self) -> str | None:
        """The description text every question gets, or None when it is chosen per question."""
        return self._whole

    def index(self) -> TimelineIndex | None:
        p = self.prepared
        if not p.indexed:
            p.index, p.indexed = self._index_for(p.entries), True
        return p.index

    def nearest(self, query: str, k: int) -> list[int]:
        """Entries nearest in meaning to ``query`` (empty when no embedding model can run)."""
        index = self.index()
        return index.search(query, k) if index is not None else []

    def for_question(self, question: str, history: Sequence["BaseMessage"], search_as: str | None = None) -> str:
        """The description text for ``question``.

        Args:
            search_as: the question to search the timeline with, e.g. its English translation.
        """
        query = search_as or question
        # A follow-up ("and after that?") is searched together with the question before it.
        earlier = [str(m.content) for m in history if m.type == "human"][-1:]
        if self._whole is not None:
            return self._whole
        r = self._settings
        entries = self.prepared.entries
        focus = select_entries(query, entries, self.description.video.duration, index=self.index(), top_k=r.top_k,
                               query=" ".join([*earlier, query]), time_margin_s=r.time_margin_s)
        if r.mode == "always":  # only what the question needs, even when everything would fit
            chosen = sorted(focus)
            position = {i: n for n, i in enumerate(chosen)}
            text = self._render(self.description, entries=[entries[i] for i in chosen],
                                focus=[position[i] for i in focus]).text
        else:
            text = self._render(self.description, entries=entries, focus=focus).text
        return text
