"""videochat-text: chat with a video.

Perception modules turn a video into timestamped text events; a summarizer
condenses them; a chat model answers questions about the result.

The names below load on first use (PEP 562): ``import videochat_text.cli`` must
not pull in LangChain, torch or OpenCV, so ``videochat-text --help``, a cached
``describe`` and error messages start fast.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from typing import TYPE_CHECKING, Any

# onnxruntime (≥ 1.2x on Linux) reports usage telemetry and leaves a session file (".ses") in
# the temp folder of every process that loads it (speech's VAD, ocr, tags); an offline tool sends
# nothing and leaves nothing behind (found by tests/test_fuzz.py's leak check).
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"

_EXPORTS = {
    "ChatModelError": "errors",
    "ConfigError": "errors",
    "ModuleLoadError": "errors",
    "PromptError": "errors",
    "QuestionError": "errors",
    "UnknownModuleError": "errors",
    "VideoChatError": "errors",
    "VideoOpenError": "errors",
    "Settings": "config",
    "load_settings": "config",
    "ModuleSettings": "modules",
    "PerceptionModule": "modules",
    "register_module": "modules",
    "unregister_module": "modules",
    "Detection": "detections",
    "DetectionsData": "payloads",
    "Description": "timeline",
    "Event": "timeline",
    "Frame": "timeline",
    "Media": "timeline",
    "ModuleFailure": "timeline",
    "Summary": "timeline",
    "VideoInfo": "timeline",
    "format_timestamp": "timeline",
    "Answer": "answering",
    "AnswerStream": "answering",
    "ChatSession": "answering",
    "Citation": "answering",
    "VideoChat": "videochat",
}
"""Each public name and the submodule that defines it."""

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
            return importlib.import_module(f".{name}", __name__)  # a submodule, as in videochat_text.timeline
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .answering import Answer, AnswerStream, ChatSession, Citation
    from .config import Settings, load_settings
    from .detections import Detection
    from .errors import (ChatModelError, ConfigError, ModuleLoadError, PromptError, QuestionError,
                         UnknownModuleError, VideoChatError, VideoOpenError)
    from .modules import ModuleSettings, PerceptionModule, register_module, unregister_module
    from .payloads import DetectionsData
    from .timeline import Description, Event, Frame, Media, ModuleFailure, Summary, VideoInfo, format_timestamp
    from .videochat import VideoChat
