"""The answering side of `VideoChat`: the chat model, its tokenizer, the embedding model, sessions.

Each is created once, on first use, and shared by every session; a session holds
only its own conversation.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import TYPE_CHECKING, Sequence

from ..chat_models import describe_chat_model, expect_prefix, keep_prefix, make_chat_model, token_counter
from ..config import Settings
from ..errors import failure_message
from ..prompt import RenderedDescription, TokenCounter, chat_prompt, load_templates, render_description
from ..retrieval import TimelineIndex, embeddings_id, entry_text, make_embeddings
from ..timeline import Description, Event
from .context import ContextSelector
from .session import ChatSession, check_question

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.messages import BaseMessage
    from langchain_core.runnables import Runnable

log = logging.getLogger(__name__)


class Answerer:
    """Answers questions about descriptions with the configured chat model."""

    def __init__(self, settings: Settings, chat_model: "Runnable | None" = None):
        self.settings = settings
        self.templates = load_templates(settings.prompt.templates_dir)
        self._chat_model = chat_model
        self._embeddings: "Embeddings | None" = None
        self._token_counter: TokenCounter | None = None
        self._retrieval_warnings: set[str] = set()
        self._making = threading.RLock()

    @property
    def chat_model(self) -> "Runnable":
        # Made once, whichever thread asks first: a server's question, its check of a question and
        # its background `prepare` may all ask at once, and llama.cpp must not load twice at a time.
        with self._making:
            if self._chat_model is None:
                cache = self.settings.cache
                self._chat_model = make_chat_model(self.settings.chat, states_dir=cache.dir if cache.enabled else None)
            return self._chat_model

    def chat_model_name(self) -> str:
        return describe_chat_model(self.settings.chat)

    def count_tokens(self) -> TokenCounter:
        """The chat model's token counter, remembering counts: prompts are rebuilt per question
        from the same timeline lines."""
        with self._making:
            if self._token_counter is None:
                self._token_counter = functools.lru_cache(maxsize=65536)(token_counter(self.chat_model))
            return self._token_counter

    def render(self, description: Description, *, focus: Sequence[int] = (),
               entries: Sequence[Event] | None = None) -> RenderedDescription:
        """The description block as the model will see it, within the token budget."""
        p = self.settings.prompt
        return render_description(description, self.templates, max_tokens=p.max_description_tokens,
                                  count_tokens=self.count_tokens(), include_boxes=p.include_boxes, focus=focus,
                                  entries=entries)

    def index_for(self, entries: Sequence[Event]) -> TimelineIndex | None:
        """The embedded entries (built once per description, kept beside the cache), or None if the
        embedding model cannot run — then long videos are trimmed evenly over time."""
        r = self.settings.retrieval
        try:
            if self._embeddings is None:
                self._embeddings = make_embeddings(r)
            cache_dir = self.settings.cache.dir if self.settings.cache.enabled else None
            return TimelineIndex.build([entry_text(e) for e in entries], self._embeddings,
                                       model_id=embeddings_id(r), cache_dir=cache_dir)
        except Exception as exc:  # retrieval is an aid: without it the prompt is still built, trimmed evenly
            message = self.settings.chat.redact(failure_message(exc))
            if message not in self._retrieval_warnings:
                self._retrieval_warnings.add(message)
                log.warning("retrieval unavailable (%s); the description is trimmed evenly over time instead", message)
            return None

    def context(self, description: Description) -> ContextSelector:
        return ContextSelector(description, self.render, self.settings.retrieval,
                               self.settings.prompt.max_description_tokens, self.index_for)

    def max_question_tokens(self) -> int:
        """The longest question the prompt has room for: the model's context less the description,
        the answer and the instructions around them."""
        chat, prompt = self.settings.chat, self.settings.prompt
        count = self.count_tokens()
        around = count(self.templates.system) + count(self.templates.context) + count(self.templates.question)
        return max(16, chat.context_tokens - prompt.max_description_tokens - chat.max_tokens - around)

    def check_question(self, question: str) -> str:
        """The question stripped, if it can be asked (before describing anything for it).

        Raises:
            QuestionError: it is empty, only punctuation, or longer than the prompt has room for.
        """
        return check_question(question, self.count_tokens(), self.max_question_tokens())

    def session(self, description: Description) -> ChatSession:
        """A conversation about ``description`` — one video's, or any `Description` (e.g. moments
        retrieved across a library, each event's ``data["video"]`` naming its video)."""
        context = self.context(description)
        try:  # the first question evaluates the description once, and keeps it for the next session
            variants = self._prefix_variants(context)
            if variants is not None:
                expect_prefix(self.chat_model, variants)
        except Exception as exc:  # an aid to speed: answering works without it
            log.warning("cannot keep the description's evaluated prompt (%s)", failure_message(exc))
        return ChatSession(self.chat_model, self.templates, description, context,
                           history_turns=self.settings.prompt.history_turns, redact=self.settings.chat.redact,
                           check_answers=self.settings.chat.check_answers, count_tokens=self.count_tokens(),
                           max_question_tokens=self.max_question_tokens())

    def prepare(self, description: Description) -> bool:
        """Evaluate the prompt's instructions and description now and keep their state, so the
        first question evaluates only itself. False when there was nothing to do: kept already,
        a model that keeps nothing (remote, or ``chat.kept_states_mb: 0``), or a video whose
        description is chosen per question (too long for the prompt)."""
        variants = self._prefix_variants(self.context(description))
        return bool(variants is not None and keep_prefix(self.chat_model, variants))

    def _prefix_variants(self, context: ContextSelector) -> list[list["BaseMessage"]] | None:
        """Two prompts about the video that differ right after what every prompt about it shares."""
        if context.whole is None:
            return None
        from langchain_core.messages import AIMessage, HumanMessage

        prompt = chat_prompt(self.templates)
        return [prompt.format_messages(description=context.whole, history=history, question="?")
                for history in ([], [HumanMessage("!"), AIMessage("!")])]

    def close(self) -> None:
        self._chat_model = None
        self._embeddings = None
        self._token_counter = None
