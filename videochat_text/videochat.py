"""`VideoChat`: describe a video once, then ask about it as often as you like.

A thin facade over `describing.Describer` (perception modules → cached `Description`)
and `answering.Answerer` (chat model → cited `Answer`).

Example:
    >>> from videochat_text import VideoChat
    >>> vc = VideoChat.from_config("config.yaml")
    >>> description = vc.describe("clip.mp4")
    >>> answer = vc.ask(description, "What is said at the start?")
    >>> print(answer, answer.citations)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .cache import DescriptionCache
from .config import Settings, load_settings
from .describing import Describer, ProgressCallback, no_progress
from .errors import VideoChatError
from .modules import PerceptionModule, module_names
from .timeline import Description, Event

if TYPE_CHECKING:  # answering pulls in LangChain: imported on first question, not for a cached describe
    from langchain_core.runnables import Runnable

    from .answering import Answer, Answerer, ChatSession
    from .prompt import RenderedDescription


@dataclass(frozen=True)
class ModuleStatus:
    name: str
    backend: str
    weights: str
    """``ok`` or why the module cannot run yet."""


class VideoChat:
    """The pipeline: perception modules → description (cached) → prompt → chat model → answer.

    Modules and the chat model load lazily on first use and are kept for the life
    of the object, so one `VideoChat` describes many videos and answers many
    questions without reloading weights.
    """

    def __init__(self, settings: Settings | dict[str, Any] | None = None, *, chat_model: "Runnable | None" = None,
                 **overrides: Any):
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
        self._answerer: "Answerer | None" = None
        if self.settings.prompt.templates_dir:  # a bad templates folder fails now, not at the first question
            self.answerer  # noqa: B018

    @classmethod
    def from_config(cls, config: str | Path | dict[str, Any] | None = None, **overrides: Any) -> "VideoChat":
        """Build from a YAML config path (or a dict in the same shape)."""
        return cls(load_settings(config, **overrides))

    # --- describing ----------------------------------------------------------------
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

    def describe(self, video: str | Path, *, modules: Iterable[str] | None = None, use_cache: bool | None = None,
                 progress: ProgressCallback = no_progress) -> Description:
        """Run the perception modules over ``video`` and summarize what they found.

        A module that fails is recorded in ``description.failures``; the other
        modules' events are kept. Descriptions with failures are not cached.

        Raises:
            VideoOpenError: the video cannot be read.
            UnknownModuleError: a module name is not registered.
        """
        return self._describer.describe(video, modules=modules, use_cache=use_cache, progress=progress)

    # --- answering -----------------------------------------------------------------
    @property
    def answerer(self) -> "Answerer":
        if self._answerer is None:
            from .answering import Answerer

            self._answerer = Answerer(self.settings, self._chat_model)
        return self._answerer

    @property
    def chat_model(self) -> "Runnable":
        return self.answerer.chat_model

    def chat_model_name(self) -> str:
        from .chat_models import describe_chat_model

        return describe_chat_model(self.settings.chat)

    def render(self, description: Description, *, focus: Sequence[int] = (),
               entries: Sequence[Event] | None = None) -> "RenderedDescription":
        """The description block as the model will see it, within the token budget."""
        return self.answerer.render(description, focus=focus, entries=entries)

    def chat(self, description: Description | str | Path) -> "ChatSession":
        """Start a conversation about a description (or a video path, described first)."""
        if not isinstance(description, Description):
            description = self.describe(description)
        return self.answerer.session(description)

    def prepare(self, description: Description) -> bool:
        """Make the first question about ``description`` fast: the local chat model evaluates the
        prompt's instructions and description now and keeps that state on disk beside the cache
        (cheap when kept already). True when it was computed now; False when there was nothing to
        do (kept already, a remote model, or a video too long for one prompt)."""
        return self.answerer.prepare(description)

    def ask(self, description: Description | str | Path, question: str) -> "Answer":
        """Answer one question (no memory between calls; use `chat` for that). ``str(answer)`` is
        the text; ``answer.citations`` the moments it rests on."""
        return self.chat(description).ask(question)

    def close(self) -> None:
        self._describer.close()
        if self._answerer is not None:
            self._answerer.close()
        self._answerer = None
        self._chat_model = None
