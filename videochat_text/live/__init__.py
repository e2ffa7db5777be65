"""Following a live stream: describe it as it plays, keep it in a library, notify on watch rules.

- `source`: what a source is (RTSP, RTMP, HLS, SRT, UDP, HTTP, a capture device, a file being
  written) and how FFmpeg is told to open it, with timeouts.
- `clock`: stream timestamps to timeline times that never go backwards.
- `stretch`, `reader`: the reader thread, cutting the stream into stretches at quiet moments,
  into a bounded queue (behind live: frames dropped from sampling, said so).
- `describe`: a stretch described by the configured modules.
- `recording`: the stream as one library video that grows a stretch at a time.
- `rules`: "a truck is seen", "someone says deadline" — lines, webhooks, the page's toasts.
- `window`: "the last 5 minutes", "just now", "since 10:15" — the stretch of time a question is about.
- `watcher`: `Watcher`, all of it together (``videochat-text watch``).

The names load on first use (PEP 562): the CLI imports ``videochat_text.live.cli`` at start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {"Match": "rules", "Rule": "rules", "parse_rule": "rules", "Source": "source", "parse_source": "source",
            "Watcher": "watcher", "WatchStatus": "watcher"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


if TYPE_CHECKING:
    from .rules import Match, Rule, parse_rule
    from .source import Source, parse_source
    from .watcher import Watcher, WatchStatus
