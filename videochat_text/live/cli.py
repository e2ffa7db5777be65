"""``videochat-text watch SOURCE``: follow a live stream into the library until Ctrl-C.

stdout carries the watch rules' matches, one line each (the result); stderr the progress
(how far behind live) and the closing summary. Registered by the main CLI, which gives it
its error handling (a source that cannot be opened is one line and exit 3).
"""

from __future__ import annotations

import time
from typing import Annotated, Any, List, Optional

import typer
from rich.console import Console

from ..library.cli import ConfigOpt, LibraryOpt
from ..library.cli import _open as open_library  # the library commands' way to open one (--library, --modules)

PROGRESS_EVERY_S = 10.0
"""Without a terminal, a progress line this often (with one, a status line updated in place)."""


def watch_command(err: Console) -> Any:
    """The ``watch`` command, printing progress to ``err``."""

    def watch(
        source: Annotated[str, typer.Argument(
            help="A live URL (rtsp://, rtmp://, srt://, udp://, tcp://, http(s):// incl. HLS .m3u8), a capture "
                 "device (/dev/video0) or a file still being written (.ts, .mkv, .flv…).", show_default=False)],
        library: LibraryOpt = None,
        config: ConfigOpt = None,
        modules: Annotated[Optional[str], typer.Option(
            "--modules", "-m", help="Comma-separated modules to run, e.g. speech,objects.")] = None,
        notify: Annotated[Optional[List[str]], typer.Option(
            "--notify", "-n", help='A watch rule, e.g. "a truck is seen", "someone says deadline", "EXIT is read"; '
                                   "each match prints a line (repeat for more rules).")] = None,
        webhook: Annotated[Optional[str], typer.Option(
            "--webhook", help="Also POST each match as JSON to this URL.")] = None,
        name: Annotated[Optional[str], typer.Option("--name", help="The video's name in the library.")] = None,
        listen: Annotated[bool, typer.Option(
            "--listen", help="Wait for the sender to connect (rtmp://, srt://, tcp://): "
                             "`ffmpeg … -f flv rtmp://HOST:PORT/live/key` pushes to us.")] = False,
        stop_after: Annotated[Optional[float], typer.Option(
            "--for", min=0.1, help="Stop after this many seconds (default: until Ctrl-C or the stream ends).")] = None,
    ) -> None:
        """Describe a live stream as it plays, into a library video that grows (search and ask it meanwhile)."""
        from .source import parse_source
        from .watcher import Watcher

        lib = open_library(config, library, modules)
        live = lib.settings.live
        parsed = parse_source(source, read_timeout_s=live.read_timeout_s, listen=listen)
        watcher = Watcher(lib.settings, parsed, lib, rules=notify or [], webhook=webhook, name=name,
                          notify=lambda match: print(match.line(), flush=True))
        err.print(f"connecting to {parsed.url} …", highlight=False)
        restore = _stop_on_signals()
        try:
            vid = watcher.start()
            err.print(f"watching {parsed.url} → {lib.path} (video {vid}); Ctrl-C to stop", highlight=False)
            if stop_after is not None:
                _stop_later(watcher, stop_after)
            progress = _Progress(err)
            try:
                status = watcher.run(progress=progress)
            finally:
                progress.close()
        finally:
            watcher.close()
            restore()
        err.print(f"stopped: {_summary(status)} → {lib.path} (video {vid})", highlight=False)

    return watch


def _stop_on_signals() -> Any:
    """Ctrl-C, ``kill -INT`` and ``kill -TERM`` (a service manager) all stop a watch cleanly. A
    process started in the background by a shell (``nohup … &``) inherits SIGINT *ignored*, and
    Python then raises no KeyboardInterrupt: the watch could not be stopped but by force.
    Returns what puts the handlers back."""
    import signal

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)
    return lambda: [signal.signal(sig, handler) for sig, handler in before.items() if handler is not None]


def _stop_later(watcher: Any, seconds: float) -> None:
    import threading

    timer = threading.Timer(seconds, watcher.stop)
    timer.daemon = True
    timer.start()


def _summary(status: Any) -> str:
    from ..timeline import format_timestamp

    text = f"{format_timestamp(status.described_s)} described, {status.events} events"
    if status.skipped_s:
        text += f", {status.skipped_s:.0f} s dropped undescribed (describing was behind live)"
    if status.reconnects:
        text += f", {status.reconnects} reconnect(s)"
    return text


class _Progress:
    """How far behind live the description is: a status line on a terminal, else a line every 10 s."""

    def __init__(self, err: Console):
        self.err = err
        self._status: Any = err.status("starting…") if err.is_terminal else None
        if self._status is not None:
            self._status.start()
        self._last = 0.0

    def __call__(self, status: Any) -> None:
        line = _line(status)
        if self._status is not None:
            self._status.update(line)
        elif time.monotonic() - self._last >= PROGRESS_EVERY_S:
            self._last = time.monotonic()
            self.err.print(line, highlight=False)

    def close(self) -> None:
        if self._status is not None:
            self._status.stop()


def _line(status: Any) -> str:
    from ..timeline import format_timestamp

    state = {"reading": "live", "lost": "LOST, reconnecting", "connecting": "connecting", "ended": "ended"}
    text = (f"{state.get(status.state, status.state)}: {format_timestamp(status.described_s)} described, "
            f"{status.behind_s:.1f} s behind live, {status.events} events")
    if status.sample_every_s > 0 and status.skipped_s == 0 and status.state == "reading":
        text += f", frames every {status.sample_every_s:g} s"
    if status.skipped_s:
        text += f", {status.skipped_s:.0f} s dropped (behind)"
    return text
