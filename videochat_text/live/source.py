"""Where a live stream comes from, and how FFmpeg (through PyAV) is told to open it.

Every source is opened with explicit options, so a source that does not answer is an
error in seconds rather than a hang: PyAV's own timeouts (an interrupt callback around
opening and each read) for every protocol, plus each protocol's own (``rw_timeout``,
``timeout``, in microseconds), TCP for RTSP, reconnection for HTTP, and for a file still
being written FFmpeg's ``follow`` (read past the end as it grows; the file is read as
unseekable, or probing would wait at its end for the duration).

Example:
    >>> source = parse_source("rtsp://camera.local/stream")
    >>> source.kind, source.options["rtsp_transport"]
    ('rtsp', 'tcp')
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import LiveSourceError

SourceKind = Literal["rtsp", "rtmp", "hls", "http", "srt", "udp", "tcp", "rtp", "device", "file"]

PROTOCOLS: dict[str, SourceKind] = {
    "rtsp": "rtsp", "rtsps": "rtsp", "rtmp": "rtmp", "rtmps": "rtmp", "http": "http", "https": "http",
    "srt": "srt", "udp": "udp", "tcp": "tcp", "rtp": "rtp",
}
"""URL schemes that can be followed, by the kind of source they are."""

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_FOLLOWABLE = frozenset({".ts", ".m2ts", ".mts", ".mkv", ".webm", ".flv", ".mpg", ".mpeg", ".nut", ".aac", ".mp3",
                         ".wav", ".ogg", ".opus"})
"""Containers that can be read while they are written (an MP4's index is written at its end)."""
_PROBE_US = 1_000_000
"""How much of a stream FFmpeg reads to learn its streams (1 s, not its default 5 s: a reconnect
waits for it)."""
UDP_FIFO_PACKETS = 50_000
"""FFmpeg's UDP receive ring, in 188-byte packets: 9.4 MB, about 7 s of a 10 Mbit/s stream for the
reader thread to fall behind by. The ring's memory is touched as it fills and kept: the common
recipe of 1,000,000 packets (188 MB) made a watch grow ~4.4 MB a minute for 43 minutes at the test
stream's rate, whatever the modules (`benchmarks/live.py`: +12%, peak +16% over minute 5)."""


@dataclass(frozen=True)
class Source:
    """A live source and the options it is opened with."""

    url: str
    """As given (a URL, a device path, a file path)."""
    kind: SourceKind
    format: str | None = None
    """An FFmpeg input format to force (``video4linux2`` for a capture device), else probed."""
    options: dict[str, str] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        """Whether it plays on whether we read or not (a network stream, a device): falling behind
        then means dropping frames. A file waits for its reader."""
        return self.kind != "file"

    @property
    def name(self) -> str:
        """A short label: the last part of the URL or path (``cam1``, ``127.0.0.1:5000``)."""
        tail = self.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
        return tail or self.url

    def has_ended(self, timeout_s: float = 5.0) -> bool:
        """After a clean end of reading: whether the source says it is over (an HLS playlist with
        ``#EXT-X-ENDLIST``, a file), rather than having gone away (a server that stopped answering
        ends FFmpeg's HLS reading just as cleanly)."""
        if self.kind == "file":
            return True
        if self.kind != "hls":
            return False
        import urllib.request

        try:
            with urllib.request.urlopen(self.url, timeout=timeout_s) as playlist:
                return b"#EXT-X-ENDLIST" in playlist.read(4 * 1024 * 1024)
        except (OSError, ValueError):
            return False

    def open(self, open_timeout_s: float, read_timeout_s: float) -> Any:
        """Open it with PyAV (a container); raises `LiveSourceError` with one line saying why not."""
        import time

        import av

        started = time.monotonic()
        try:
            return av.open(self.url if self.kind != "file" else f"file:{self.url}", format=self.format,
                           options=dict(self.options), timeout=(open_timeout_s, read_timeout_s),
                           metadata_errors="ignore")
        except (av.error.FFmpegError, OSError) as exc:  # PyAV raises errno subclasses (ConnectionRefusedError, …)
            raise LiveSourceError(open_failure(self, exc, time.monotonic() - started)) from None


def parse_source(text: str, *, read_timeout_s: float = 5.0, listen: bool = False) -> Source:
    """The source ``text`` names, with the options to open it.

    Args:
        read_timeout_s: no data for this long ends a read (the source is then lost).
        listen: wait for the sender to connect (RTMP, SRT, TCP): ``ffmpeg … -f flv rtmp://HOST:PORT/app/key``
            pushes to us instead of us pulling from a server.

    Raises:
        LiveSourceError: an unknown protocol, or a path that is neither a device nor a file.
    """
    text = text.strip()
    micros = str(int(read_timeout_s * 1_000_000))
    match = _SCHEME.match(text)
    if match:
        scheme = match.group(1).lower()
        if scheme == "file":
            return _file_source(text[len("file://"):], micros)
        kind = PROTOCOLS.get(scheme)
        if kind is None:
            known = ", ".join(sorted(PROTOCOLS))
            raise LiveSourceError(f"{text}: unknown protocol {scheme!r}; a live source is one of {known}, "
                                  "a capture device (/dev/video0) or a file being written")
        return Source(text, _hls_or(kind, text), options=_options(kind, micros, listen))
    if text.startswith("/dev/"):
        if not os.path.exists(text):
            raise LiveSourceError(f"{text}: no such device (capture devices are /dev/video0, /dev/video1, …)")
        return Source(text, "device", format="video4linux2")
    return _file_source(text, micros)


def _hls_or(kind: SourceKind, url: str) -> SourceKind:
    return "hls" if kind == "http" and ".m3u8" in url.split("?", 1)[0].lower() else kind


def _options(kind: SourceKind, micros: str, listen: bool) -> dict[str, str]:
    """Each protocol's own options (values in microseconds, as FFmpeg counts)."""
    options = {"rw_timeout": micros, "analyzeduration": str(_PROBE_US)}
    if kind == "rtsp":
        options.update(rtsp_transport="tcp", timeout=micros)
    elif kind in ("http", "hls"):
        # A dropped connection is retried by FFmpeg itself for a while before we reconnect.
        options.update(reconnect="1", reconnect_streamed="1", reconnect_on_network_error="1",
                       reconnect_delay_max="2")
    elif kind == "udp":
        options.update(timeout=micros, overrun_nonfatal="1", fifo_size=str(UDP_FIFO_PACKETS))
    elif kind == "rtmp":
        options.update(rtmp_live="live")
    if listen and kind in ("rtmp", "srt", "tcp"):
        options.update({"listen": "1"} if kind != "srt" else {"mode": "listener"})
    return options


def _file_source(path: str, micros: str) -> Source:
    path = os.path.expanduser(path)
    if not os.path.exists(path):
        raise LiveSourceError(f"{path}: no such file (a file being written must exist before it can be followed)")
    if os.path.isdir(path):
        raise LiveSourceError(f"{path}: is a directory, not a video file")
    if os.path.splitext(path)[1].lower() in _FOLLOWABLE:
        # Read past the end while it grows; ends after read_timeout_s without growth.
        return Source(path, "file", options={"follow": "1", "seekable": "0", "rw_timeout": micros})
    return Source(path, "file")


def open_failure(source: Source, exc: BaseException, waited_s: float) -> str:
    """One line saying why ``source`` could not be opened, and what to do."""
    code = getattr(exc, "errno", None)
    what = getattr(exc, "strerror", None) or str(exc)
    where = source.url
    if type(exc).__name__ == "ProtocolNotFoundError":
        return f"{where}: this FFmpeg cannot read the {source.kind} protocol"
    if code == errno.ECONNREFUSED:
        return f"{where}: connection refused (nothing is serving the stream there; is the address right?)"
    if code in (errno.EBUSY,):
        return f"{where}: the device is busy (another program is using it; close it and try again)"
    if code in (errno.EACCES, errno.EPERM):
        return f"{where}: permission denied"
    if code in (errno.ENOENT,) and source.kind in ("http", "hls"):
        return f"{where}: not found (HTTP 404)"
    if code in (errno.EIO, errno.ETIMEDOUT) or "timed out" in what.lower() or "exit" in what.lower():
        return (f"{where}: no stream arrived in {waited_s:.0f} s (nothing is sending there, or it is not "
                "reachable); check the address, or raise live.open_timeout_s / live.read_timeout_s")
    if type(exc).__name__ == "InvalidDataError":
        return f"{where}: not a stream FFmpeg can read ({what})"
    return f"{where}: cannot open it ({what})"
