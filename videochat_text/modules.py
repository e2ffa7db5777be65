"""The perception-module interface and the plugin registry.

A module turns decoded media into `Event`s. Built-in modules and third-party
plugins register the same way, through the ``videochat_text.modules`` entry-point
group::

    [project.entry-points."videochat_text.modules"]
    faces = "my_package.faces:FaceModule"

Entry points are imported only when their module is used, so a plugin with a
missing dependency breaks only itself.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from importlib.metadata import entry_points
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import ConfigError, ModuleLoadError, UnknownModuleError, first_validation_error
from .payloads import Payload
from .timeline import Event, Media, VideoInfo

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "videochat_text.modules"

Consumes = Literal["frames", "audio", "clips", "file"]
"""What the pipeline hands a module: sampled ``frames``, 16 kHz ``audio``, ``clips`` (denser frames
of its choosing, decoded as it reads them: `Media.frames_every`), or the ``file`` itself
(`Media.info.path`, for a module that must read every frame with its own reader)."""
Evidence = Literal["seen", "pictured", "read", "heard"]
"""What a module's findings are evidence of, for the answer checks (`answering.checks`):
``seen`` things in the picture with labels from a fixed vocabulary (a label in it never
found means "not seen"); ``pictured`` what the whole picture shows (tags, captions: evidence
that something is there, never that it is not); ``read`` text on screen; ``heard`` speech."""


class ModuleSettings(BaseModel):
    """Base for a module's settings; unknown keys are errors (typos fail loudly)."""

    model_config = ConfigDict(extra="forbid")


class PerceptionModule(ABC):
    """One perception module: lazy model loading, then ``run(media) -> events``.

    Subclasses set `name`, `consumes` and `Settings`, and implement `run`. Heavy
    imports and weight loading belong in `load`, which runs once, on first use.
    """

    name: ClassVar[str]
    """Registry key, short and lowercase, e.g. ``"objects"``."""
    consumes: ClassVar[frozenset[Consumes]] = frozenset({"frames"})
    """What the pipeline must give it (see `Consumes`)."""
    Settings: ClassVar[type[ModuleSettings]] = ModuleSettings
    evidence: ClassVar[Evidence | None] = None
    """What its events are evidence of (see `Evidence`); None: nothing the answer checks use."""
    payloads: ClassVar[tuple[type[Payload], ...]] = ()
    """The payload types its events carry (`videochat_text.payloads`), checked when it hands them
    over; empty: any payload or plain-JSON dict (plugins)."""
    whole_video: ClassVar[bool] = False
    """Long videos are described a stretch at a time (``perception.segment_s``): `run` gets
    one stretch (``media.span``; ``media.audio`` starts at ``media.start``). A module that
    must see the whole video at once (e.g. to number its shots) sets this to True."""

    def __init__(self, settings: ModuleSettings | dict[str, Any] | None = None):
        if not isinstance(settings, self.Settings):
            try:
                settings = self.Settings.model_validate(settings or {})
            except ValidationError as exc:
                raise ConfigError(f"modules.{self.name}: {first_validation_error(exc)}") from None
        self.settings = settings
        self._loaded = False

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.load()
            self._loaded = True

    def load(self) -> None:
        """Load weights; raise `ModuleLoadError` saying what to install or configure."""

    @abstractmethod
    def run(self, media: Media) -> list[Event]:
        """Observe the media and return events (any order; times from the start of the video,
        within ``media.span``)."""

    def finish(self, events: list[Event], info: VideoInfo) -> list[Event]:
        """Revise this module's events once the whole video is done (all stretches, in time order).

        Long videos are described a stretch at a time; what must hold across the whole video
        (e.g. speaker labels: a voice keeps its label in every stretch) is settled here. Runs
        after cached and resumed stretches too. Default: the events unchanged."""
        return events

    def vocabulary(self) -> frozenset[str] | None:
        """Every label this module can put in its events' `Event.detections`, or None (open-ended or unknown).

        Answers are checked against it (`answering.checks`): a label the module knows but never
        reported counts as not seen."""
        return None

    def backend(self) -> str:
        """Which implementation/weights this instance uses, for ``videochat-text modules``."""
        return getattr(self.settings, "backend", "-")

    def check_weights(self) -> None:
        """Raise `ModuleLoadError` if weights or dependencies are missing (without loading them)."""

    def weights_status(self) -> str:
        """``"ok"`` or why the module cannot run yet, for ``videochat-text modules``."""
        try:
            self.check_weights()
        except ModuleLoadError as exc:
            return str(exc)
        return "ok"

    def close(self) -> None:
        """Free models; the object may be loaded again later."""
        self._loaded = False


_extra: dict[str, type[PerceptionModule]] = {}
"""Modules registered at run time (tests, notebooks) on top of the entry points."""


def register_module(cls: type[PerceptionModule]) -> type[PerceptionModule]:
    """Register a module class without packaging it (usable as a decorator)."""
    _extra[cls.name] = cls
    return cls


def unregister_module(name: str) -> None:
    _extra.pop(name, None)


def run_time_modules() -> set[str]:
    """Names registered with `register_module` (not installed): only this process knows them, so
    videos that need them are described here, not in worker processes."""
    return set(_extra)


_imported: dict[str, type[PerceptionModule]] = {}
"""Entry-point classes already imported."""

_scanned: dict[str, Any] = {}
"""The entry points found by the last scan: scanning installed packages costs ~15 ms a time
(more the first time), and a cached ``describe`` looks up each of its modules."""


def _entry_points(rescan: bool = False) -> dict[str, Any]:
    if rescan or not _scanned:
        _scanned.clear()
        _scanned.update({ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)})
    return _scanned


def module_names() -> list[str]:
    """Every registered module name, installed plugins included (scanned afresh)."""
    return sorted(set(_entry_points(rescan=True)) | set(_extra))


def get_module_class(name: str) -> type[PerceptionModule]:
    """The class registered as ``name``.

    Raises:
        UnknownModuleError: no such module; the message lists the known ones.
        ModuleLoadError: the plugin is installed but its code fails to import.
    """
    if name in _extra:
        return _extra[name]
    if name in _imported:
        return _imported[name]
    eps = _entry_points()
    if name not in eps:  # maybe installed since the last scan
        eps = _entry_points(rescan=True)
    if name not in eps:
        known = ", ".join(sorted(set(eps) | set(_extra))) or "none"
        raise UnknownModuleError(f"Unknown module {name!r}; available: {known}")
    try:
        cls = eps[name].load()
    except ImportError as exc:
        raise ModuleLoadError(
            f"module {name!r} cannot be imported ({exc}); install its dependencies, "
            f"e.g. pip install 'videochat-text[offline]'"
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, PerceptionModule)):
        raise ModuleLoadError(f"entry point {name!r} ({eps[name].value}) is not a PerceptionModule subclass")
    _imported[name] = cls
    return cls


def create_module(name: str, settings: dict[str, Any] | None = None) -> PerceptionModule:
    return get_module_class(name)(settings)
