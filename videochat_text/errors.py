"""The errors videochat-text raises on purpose.

Every user-facing failure is a `VideoChatError`: the CLI prints its message as one
line and exits non-zero; tracebacks are for `--debug` only. Messages name the
thing that failed and say what to do.
"""

from __future__ import annotations


class VideoChatError(Exception):
    """Base class: a failure with a message fit to show the user."""

    exit_code = 1


class ConfigError(VideoChatError):
    """The configuration file or an option is invalid."""

    exit_code = 2


class VideoOpenError(VideoChatError):
    """A video file is missing, empty, not a video, or cannot be decoded."""

    exit_code = 3


class LiveSourceError(VideoOpenError):
    """A live source (a stream URL, a capture device, a file being written) cannot be opened or
    followed: it does not answer, its protocol is unknown, the device is busy."""


class UnknownModuleError(VideoChatError, KeyError):
    """A perception module name is not registered."""

    exit_code = 2

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class ModuleLoadError(VideoChatError):
    """A module's dependency or weights are missing."""

    exit_code = 4


class ChatModelError(VideoChatError):
    """The chat model could not be created or did not answer."""

    exit_code = 5


class QuestionError(VideoChatError):
    """A question that cannot be asked: empty, only punctuation, or too long for the prompt."""

    exit_code = 2


class PromptError(VideoChatError):
    """A prompt template is missing or malformed."""

    exit_code = 2


def first_validation_error(exc: "ValidationError") -> str:  # noqa: F821  (pydantic, imported by callers)
    """A pydantic validation error as one line: ``where.it.is: what is wrong``."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]

class LibraryError(VideoChatError):
    """A library of videos cannot be opened, or a request to it makes no sense (e.g. removing a
    video it does not hold)."""

    exit_code = 7


class UnknownVideoError(LibraryError, KeyError):
    """No video in the library has this id (or path)."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class LibraryFileError(LibraryError):
    """The library file cannot be used at all: written by a newer version, or not a library (the
    server answers 503 with the message)."""


def failure_message(exc: BaseException) -> str:
    """One line for a failure: our errors already read well; anything else gets its type named."""
    return str(exc) if isinstance(exc, VideoChatError) else f"{type(exc).__name__}: {exc}"
