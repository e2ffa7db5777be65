"""Real live streams for the tests and the benchmark, made by FFmpeg from a clip.

Each sender plays the clip at its own speed (``-re``), re-encoded with a keyframe every
second (a receiver that joins or reconnects starts decoding within a second, as with a
camera), so what arrives is what a live source sends:

- `udp_sender`: MPEG-TS over UDP to 127.0.0.1;
- `hls_stream`: HLS segments written by FFmpeg and served over HTTP by a real server on 127.0.0.1;
- `growing_file`: an MPEG-TS file written as it plays (a recorder's file, still growing);
- `rtmp_push`: FLV pushed over RTMP to a listener (the watcher, with ``--listen``).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import socket
import subprocess
import threading
from pathlib import Path
from typing import Iterator, Sequence

from videochat_text.errors import VideoChatError

_ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "25", "-keyint_min", "25",
           "-c:a", "aac", "-b:a", "64k"]


def _ffmpeg() -> str:
    path = shutil.which("ffmpeg")
    if path is None:
        raise VideoChatError("`ffmpeg` is not installed; on Debian/Ubuntu: apt-get install ffmpeg")
    return path


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 nobody listens on right now (TCP or, with SOCK_DGRAM, UDP)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _play(clip: Path, output: Sequence[str], *, loops: int = 1, audio: bool = True, video: bool = True,
          start: bool = True) -> subprocess.Popen:
    inputs = [] if loops == 1 else ["-stream_loop", str(loops - 1) if loops > 1 else "-1"]
    streams = ([] if audio else ["-an"]) + ([] if video else ["-vn"])
    cmd = [_ffmpeg(), "-v", "error", "-nostdin", "-re", *inputs, "-i", str(clip), *streams, *_ENCODE, *output]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL)


def udp_sender(clip: Path, port: int, *, loops: int = 1, audio: bool = True, video: bool = True) -> subprocess.Popen:
    """Play ``clip`` as MPEG-TS to ``udp://127.0.0.1:PORT`` (``loops`` times; 0: forever)."""
    return _play(clip, ["-f", "mpegts", f"udp://127.0.0.1:{port}?pkt_size=1316"], loops=loops, audio=audio,
                 video=video)


def growing_file(clip: Path, path: Path, *, loops: int = 1) -> subprocess.Popen:
    """Write ``clip`` as MPEG-TS to ``path`` as it plays (flushed packet by packet, as recorders do)."""
    return _play(clip, ["-flush_packets", "1", "-f", "mpegts", "-y", str(path)], loops=loops)


def rtmp_push(clip: Path, url: str, *, loops: int = 1, video: bool = True) -> subprocess.Popen:
    """Push ``clip`` as FLV to an RTMP listener at ``url`` (``video=False``: its sound only)."""
    return _play(clip, ["-f", "flv", url], loops=loops, video=video)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the test output is not an access log
        pass


@contextlib.contextmanager
def http_folder(folder: Path, port: int = 0) -> Iterator[str]:
    """Serve ``folder`` over HTTP on 127.0.0.1 (a real server, in a thread; ``port`` 0: any free one);
    yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    http.server.ThreadingHTTPServer.allow_reuse_address = True  # served again on the same port after an outage
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def hls_writer(clip: Path, folder: Path, *, loops: int = 1, segment_s: float = 1.0) -> subprocess.Popen:
    """Write ``clip`` as a live HLS playlist ``folder/live.m3u8`` with ``segment_s`` segments, as it plays."""
    folder.mkdir(parents=True, exist_ok=True)
    return _play(clip, ["-f", "hls", "-hls_time", f"{segment_s:g}", "-hls_list_size", "6",
                        "-hls_flags", "delete_segments+independent_segments", str(folder / "live.m3u8")], loops=loops)


def stop(process: subprocess.Popen, timeout: float = 5.0) -> None:
    """End a sender (kill it if it does not end by itself)."""
    if process.poll() is None:
        process.kill()
    process.wait(timeout)
