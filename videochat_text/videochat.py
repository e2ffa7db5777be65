"""`VideoChat`: describe a video once, then ask about it as often as you like.

Example:
    >>> from videochat_text import VideoChat
    >>> vc = VideoChat.from_config("config.yaml")
    >>> description = vc.describe("clip.mp4")
    >>> vc.ask(description, "What is said at the start?")
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from langchain_core.embeddings import Embeddings
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable

from .cache import DescriptionCache
from .describing import Describer, ProgressCallback, failure_message, no_progress
from .chat import ChatSession, ContextFor, describe_chat_model, make_chat_model, redact, token_counter
from .config import Settings, load_settings
from .errors import VideoChatError
from .grounding import Evidence
from .modules import PerceptionModule, module_names
from .prompt import RenderedDescription, TokenCounter, could_fit, load_templates, render_description
from .retrieval import TimelineIndex, embeddings_id, entry_text, make_embeddings, select_entries
from .timeline import Description, Event, timeline_entries

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ModuleStatus:
    name: str
    backend: str
    weights: str
    """``ok`` or why the module cannot run yet."""


class VideoChat:
    """The pipeline: perception modules → description (cached) → prompt → chat model.

    Modules and the chat model load lazily on first use and are kept for the life
    of the object, so one `VideoChat` describes many videos and answers many
    questions without reloading weights.
    """

    def __init__(self, settings: Settings | dict[str, Any] | None = None, *, chat_model: Runnable | None = None, **overrides: Any):
        """
        Args:
            settings: a `Settings`, a dict in the config-file shape, or None for defaults.
            chat_model: use this LangChain chat model instead of building one from settings.
            overrides: top-level sections merged over ``settings``, e.g. ``chat={"provider": "openai"}``.
        """
        self.settings = load_settings(settings, **overrides)
        self.cache = DescriptionCache(self.settings.cache.dir)
        self._describer = Describer(self.settings, self.cache)
        self._chat_model = chat_model
        self._embeddings: Embeddings | None = None
        self._token_counter: TokenCounter | None = None
        self._timelines: OrderedDict[int, _PreparedTimeline] = OrderedDict()
        self._retrieval_warnings: set[str] = set()
        self._templates = load_templates(self.settings.prompt.templates_dir)

    @classmethod
    def from_config(cls, config: str | Path | dict[str, Any] | None = None, **overrides: Any) -> "VideoChat":
        """Build from a YAML config path (or a dict in the same shape)."""
        return cls(load_settings(config, **overrides))

    # --- perception --------------------------------------------------------------
    def module(self, name: str) -> PerceptionModule:
        """The configured instance of module ``name`` (created once, loaded on first run)."""
        return self._describer.modules.get(name)

    def module_statuses(self) -> list[ModuleStatus]:
        """Every registered module with its backend and whether its weights are usable."""
        statuses = []
        for name in module_names():
            try:
                instance = self.module(name)
                statuses.append(ModuleStatus(name, instance.backend(), instance.weights_status()))
            except VideoChatError as exc:
                statuses.append(ModuleStatus(name, "-", str(exc)))
        return statuses

    def describe(
        self,
        video: str | Path,
        *,
        modules: Iterable[str] | None = None,
        use_cache: bool | None = None,
        progress: ProgressCallback = no_progress,
    ) -> Description:
        """Run the perception modules over ``video`` and summarize what they found.

        A module that fails is recorded in ``description.failures``; the other
        modules' events are kept. Descriptions with failures are not cached.

        Raises:
            VideoOpenError: the video cannot be read.
            UnknownModuleError: a module name is not registered.
        """
        return self._describer.describe(video, modules=modules, use_cache=use_cache, progress=progress)

    # --- chat --------------------------------------------------------------------
    @property
    def chat_model(self) -> Runnable:
        if self._chat_model is None:
            self._chat_model = make_chat_model(self.settings.chat)
        return self._chat_model

    def chat_model_name(self) -> str:
        return describe_chat_model(self.settings.chat)

    def render(self, description: Description, *, focus: Sequence[int] = (),
               entries: Sequence[Event] | None = None) -> RenderedDescription:
        """The description block as the model will see it, within the token budget.

        Args:
            focus: indices into ``entries`` to keep first if it must be trimmed.
            entries: the timeline entries to show (default: all of ``timeline_entries``).
        """
        p = self.settings.prompt
        return render_description(
            description,
            self._templates,
            max_tokens=p.max_description_tokens,
            count_tokens=self._count_tokens(),
            include_boxes=p.include_boxes,
            focus=focus,
            entries=entries,
        )

    def _count_tokens(self) -> TokenCounter:
        """The chat model's token counter, remembering counts: prompts are rebuilt per question
        from the same timeline lines."""
        if self._token_counter is None:
            self._token_counter = functools.lru_cache(maxsize=65536)(token_counter(self.chat_model))
        return self._token_counter

    def context(self, description: Description) -> str | ContextFor:
        """The description for the prompt: all of it when it fits, else per question the parts it needs.

        With ``retrieval.mode: auto`` a description that fits the token budget is sent
        whole. One that does not (a long video) is trimmed per question, keeping
        first the stretch the question names and the entries nearest to it in
        meaning (`retrieval.select_entries`).
        """
        r = self.settings.retrieval
        prepared = self._prepared(description)
        entries = prepared.entries
        if r.mode == "never" or (r.mode == "auto" and could_fit(entries, self.settings.prompt.max_description_tokens)):
            whole = self.render(description, entries=entries)
            if r.mode == "never" or not whole.trimmed:
                return whole.text
        if not prepared.indexed:
            prepared.index, prepared.indexed = self.timeline_index(entries), True
        index = prepared.index
        duration = description.video.duration

        def for_question(question: str, history: list[BaseMessage]) -> str:
            # A follow-up ("and after that?") is searched together with the question before it.
            earlier = [str(m.content) for m in history if m.type == "human"][-1:]
            focus = select_entries(question, entries, duration, index=index, top_k=r.top_k,
                                   query=" ".join([*earlier, question]), time_margin_s=r.time_margin_s)
            if r.mode == "always":  # only what the question needs, even when everything would fit
                chosen = sorted(focus)
                rank = {i: n for n, i in enumerate(chosen)}
                return self.render(description, entries=[entries[i] for i in chosen],
                                   focus=[rank[i] for i in focus]).text
            return self.render(description, entries=entries, focus=focus).text

        return for_question

    def _prepared(self, description: Description) -> "_PreparedTimeline":
        """The timeline entries (and, once needed, their index) of a description, kept for the
        last few descriptions: asking many questions should not redo them per question.

        Keyed by the identity of the events list, which copies from the cache share and which
        the kept entry holds on to (so the id cannot be reused by another list).
        """
        key = id(description.events)
        prepared = self._timelines.get(key)
        if prepared is None or prepared.events is not description.events:
            prepared = _PreparedTimeline(description.events, timeline_entries(description))
            self._timelines[key] = prepared
            while len(self._timelines) > 4:
                self._timelines.popitem(last=False)
        self._timelines.move_to_end(key)
        return prepared

    def timeline_index(self, entries: Sequence[Event]) -> TimelineIndex | None:
        """The embedded entries (built once per description, kept beside the cache), or None
        if the embedding model cannot run — then long videos are trimmed evenly over time."""
        r = self.settings.retrieval
        try:
            if self._embeddings is None:
                self._embeddings = make_embeddings(r)
            cache_dir = self.settings.cache.dir if self.settings.cache.enabled else None
            return TimelineIndex.build([entry_text(e) for e in entries], self._embeddings,
                                       model_id=embeddings_id(r), cache_dir=cache_dir)
        except Exception as exc:  # retrieval is an aid: without it the prompt is still built, trimmed evenly
            message = redact(failure_message(exc), self.settings.chat)
            if message not in self._retrieval_warnings:
                self._retrieval_warnings.add(message)
                log.warning("retrieval unavailable (%s); the description is trimmed evenly over time instead", message)
            return None

    def chat(self, description: Description | str | Path) -> ChatSession:
        """Start a conversation about a description (or a video path, described first)."""
        if not isinstance(description, Description):
            description = self.describe(description)
        checker = self._evidence(description) if self.settings.chat.check_answers else None
        return ChatSession(self.chat_model, self._templates, self.context(description),
                           history_turns=self.settings.prompt.history_turns,
                           redact=lambda text: redact(text, self.settings.chat), checker=checker)

    def _evidence(self, description: Description) -> Evidence:
        prepared = self._prepared(description)
        if prepared.evidence is None:
            prepared.evidence = Evidence.of(description)
        return prepared.evidence

    def ask(self, description: Description | str | Path, question: str) -> str:
        """Answer one question (no memory between calls; use `chat` for that)."""
        return self.chat(description).ask(question)

    def close(self) -> None:
        self._describer.close()
        self._chat_model = None
        self._embeddings = None
        self._token_counter = None
        self._timelines.clear()


@dataclass
class _PreparedTimeline:
    events: list[Event]
    entries: list[Event]
    index: TimelineIndex | None = None
    indexed: bool = False
    evidence: Evidence | None = None
