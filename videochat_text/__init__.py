"""videochat-text: chat with a video.

Perception modules turn a video into timestamped text events; a summarizer
condenses them; a chat model answers questions about the result.
"""

from .answering import Answer, AnswerStream, ChatSession, Citation
from .config import Settings, load_settings
from .errors import (
    ChatModelError,
    ConfigError,
    ModuleLoadError,
    PromptError,
    UnknownModuleError,
    VideoChatError,
    VideoOpenError,
)
from .modules import ModuleSettings, PerceptionModule, register_module, unregister_module
from .timeline import Description, Event, Frame, Media, ModuleFailure, Summary, VideoInfo, format_timestamp
from .videochat import VideoChat

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "AnswerStream",
    "Citation",
    "ChatModelError",
    "ChatSession",
    "ConfigError",
    "Description",
    "Event",
    "Frame",
    "Media",
    "ModuleFailure",
    "ModuleLoadError",
    "ModuleSettings",
    "PerceptionModule",
    "PromptError",
    "Settings",
    "Summary",
    "UnknownModuleError",
    "VideoChat",
    "VideoChatError",
    "VideoInfo",
    "VideoOpenError",
    "format_timestamp",
    "load_settings",
    "register_module",
    "unregister_module",
]
