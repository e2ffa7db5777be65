"""`videochat-text watch` on real live streams made by FFmpeg in the test: MPEG-TS over UDP, HLS
served over HTTP by a real server on 127.0.0.1, sound only pushed over RTMP to the listening
watcher, a file that grows while it is read, a sender killed and restarted mid-run, and the
command line itself (rules, a webhook received by a real server, Ctrl-C). The default modules
(speech, objects) describe.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from devkit import streams

ROOT = Path(__file__).resolve().parents[1]
from videochat_text.cli import app
from videochat_text.config import load_settings
from videochat_text.library import Library
from videochat_text.live.describe import StretchDescriber
from videochat_text.live.source import parse_source
from videochat_text.live.watcher import Watcher

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live_settings(tmp_path_factory):
    cache = tmp_path_factory.mktemp("live-cache")
    # Room for every stretch of a short test stream: busy cores must not make a test lose one.
    return load_settings({"cache": {"dir": str(cache)},
                          "live": {"max_pending": 50, "read_timeout_s": 2, "reconnect_max_s": 0.5}})


@pytest.fixture(scope="module")
def describer(live_settings):
    shared = StretchDescriber(live_settings)  # the models load once for all the streams here
    shared.load()
    yield shared
    shared.close()


@pytest.fixture(scope="module")
def embeddings(live_settings):
    from videochat_text.retrieval import make_embeddings

    return make_embeddings(live_settings.retrieval)


class Watch:
    """A `Watcher` run in a thread, so the test can look at the library while it plays."""

    def __init__(self, settings, source: str, library_file: Path, describer, embeddings, *, listen: bool = False,
                 **kwargs):
        self.library = Library(settings, path=library_file)
        parsed = parse_source(source, read_timeout_s=settings.live.read_timeout_s, listen=listen)
        self.watcher = Watcher(settings, parsed, self.library, describer=describer, embeddings=embeddings, **kwargs)
        self.started = time.time()
        self.vid = self.watcher.start()
        self.status = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.status = self.watcher.run()
        except BaseException as exc:  # shown by finish()
            self.error = exc

    def finish(self, timeout: float = 90) -> None:
        """Stop reading, wait for what was read to be described."""
        self.watcher.stop()
        self.wait(timeout)

    def wait(self, timeout: float = 90) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the watcher did not finish"
        if self.error is not None:
            raise self.error

    def description(self):
        return self.library.description(self.vid)


def _wait_for(condition, timeout: float, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    return None


def _said(description) -> str:
    return " ".join(e.text for e in description.by_module("speech")).lower()


def _labels(description) -> set[str]:
    return {d.label for e in description.by_module("objects") for d in e.detections}


def _never_twice_never_backwards(description, plays: int = 1) -> None:
    """Ids unique, no sentence over another or said more often than the clip was played, frames in order."""
    from collections import Counter

    ids = [e.id for e in description.events]
    assert len(ids) == len(set(ids))
    speech = description.by_module("speech")
    for a, b in zip(speech, speech[1:]):  # one sentence is never described twice
        assert b.start >= a.end - 0.3, (a.line(), b.line())
    said = Counter(e.transcript for e in speech)
    assert max(said.values(), default=0) <= plays, said
    frames = [e.start for e in description.by_module("objects")]
    assert frames == sorted(frames) and len(frames) == len(set(frames))


def test_a_udp_stream_grows_a_library_video_searchable_while_it_plays(live_settings, describer, embeddings,
                                                                      speech_clip, tmp_path):
    port = streams.free_port()
    sender = streams.udp_sender(speech_clip, port, loops=2)
    try:
        watch = Watch(live_settings, f"udp://127.0.0.1:{port}", tmp_path / "lib.sqlite", describer, embeddings)
        # Another connection (as `library search` or a server would) finds the moment while it is live.
        reader = Library(live_settings, path=tmp_path / "lib.sqlite")
        found = _wait_for(lambda: [m for m in reader.search("whiskers", top_k=3) if m.video == watch.vid], 40, 1.0)
        assert found, "the moment was not searchable while the stream played"
        assert reader.video(watch.vid).status == "live"
        _wait_for(lambda: sender.poll() is not None, 30)
    finally:
        streams.stop(sender)
    watch.finish()
    d = watch.description()
    assert d.video.is_live and abs(d.video.started_at - watch.started) < 15
    assert "whiskers" in _said(d) and ("dollars" in _said(d) or "$3" in _said(d))
    assert {"cat", "person"} <= _labels(d)
    assert 12 < d.video.duration < 25  # two plays of the 10 s clip, joined a moment after the first began
    _never_twice_never_backwards(d, plays=2)
    assert Library(live_settings, path=tmp_path / "lib.sqlite").video(watch.vid).status == "done"
    assert d.header().startswith("Live stream")


def test_hls_served_over_http_survives_an_outage_and_is_followed_to_its_end(live_settings, describer, embeddings,
                                                                            speech_clip, tmp_path):
    folder = tmp_path / "hls"
    writer = streams.hls_writer(speech_clip, folder, loops=2)
    port = streams.free_port()
    try:
        with streams.http_folder(folder, port) as base:
            assert _wait_for(lambda: (folder / "live.m3u8").exists() and len(list(folder.glob("*.ts"))) >= 2, 20)
            watch = Watch(live_settings, f"{base}/live.m3u8", tmp_path / "lib.sqlite", describer, embeddings)
            time.sleep(4)
        time.sleep(4)  # the web server is away; the writer goes on
        with streams.http_folder(folder, port):
            watch.wait(90)  # the playlist says it is over (the writer finished): the watch ends by itself
    finally:
        streams.stop(writer)
    d = watch.description()
    assert watch.status.state == "ended"
    assert "whiskers" in _said(d)
    assert "cat" in _labels(d)
    _never_twice_never_backwards(d, plays=2)  # segments read again after the outage are not described again


def test_a_file_still_being_written_is_followed_until_it_stops_growing(live_settings, describer, embeddings,
                                                                      speech_clip, tmp_path):
    recording = tmp_path / "door.ts"
    writer = streams.growing_file(speech_clip, recording)
    try:
        assert _wait_for(lambda: recording.exists() and recording.stat().st_size > 20_000, 15)
        watch = Watch(live_settings, str(recording), tmp_path / "lib.sqlite", describer, embeddings)
        watch.wait(90)  # ends read_timeout_s after the writer stopped
    finally:
        streams.stop(writer)
    d = watch.description()
    # Read from its start, nothing dropped (a file waits for its reader): the whole clip, said and seen.
    said = _said(d)
    assert "astronaut" in said and "whiskers" in said and ("dollars" in said or "$3" in said)
    assert {"person", "cat", "cup"} <= _labels(d)
    assert 9 < d.video.duration < 11.5
    _never_twice_never_backwards(d)


def test_a_sender_killed_and_restarted_is_reconnected_and_the_gap_marked(live_settings, describer, embeddings,
                                                                        speech_clip, tmp_path):
    port = streams.free_port()
    first = streams.udp_sender(speech_clip, port)
    try:
        watch = Watch(live_settings, f"udp://127.0.0.1:{port}", tmp_path / "lib.sqlite", describer, embeddings)
        time.sleep(5)
        streams.stop(first)
        time.sleep(5)
        back = time.time()
        second = streams.udp_sender(speech_clip, port)
        _wait_for(lambda: second.poll() is not None, 30)
    finally:
        streams.stop(first)
        if "second" in locals():
            streams.stop(second)
    watch.finish()
    d = watch.description()
    gaps = [e for e in d.by_module("stream") if e.data.reason == "lost"]
    assert len(gaps) == 1, [e.line() for e in d.by_module("stream")]
    gap = gaps[0]
    assert gap.end - gap.start >= 4  # the sender was away 5 s
    came_back = back - d.video.started_at
    assert gap.end - came_back <= 5, f"reconnected {gap.end - came_back:.1f} s after the sender came back"
    after = [e for e in d.events if e.module != "stream" and e.start >= gap.end]
    assert after and "astronaut" in " ".join(e.text for e in after if e.module == "speech").lower()
    assert watch.status.reconnects == 1
    _never_twice_never_backwards(d, plays=2)


def test_sound_only_pushed_over_rtmp_to_the_listening_watcher_is_followed_as_audio(live_settings, describer,
                                                                                  embeddings, speech_clip, tmp_path):
    url = f"rtmp://127.0.0.1:{streams.free_port()}/live/door"
    pushed: list = []

    def push() -> None:  # the sender connects once the watcher listens
        time.sleep(1.0)
        pushed.append(streams.rtmp_push(speech_clip, url, video=False))

    threading.Thread(target=push, daemon=True).start()
    try:
        watch = Watch(live_settings, url, tmp_path / "lib.sqlite", describer, embeddings, listen=True)
        assert _wait_for(lambda: pushed and pushed[0].poll() is not None, 40)
    finally:
        for sender in pushed:
            streams.stop(sender)
    watch.finish()
    d = watch.description()
    assert not d.video.has_video and "objects" in d.skipped
    assert "whiskers" in _said(d) and not d.by_module("objects")
    assert Library(live_settings, path=tmp_path / "lib.sqlite").video(watch.vid).kind == "audio"
    _never_twice_never_backwards(d)


@pytest.mark.parametrize("source, says", [
    ("gopher://127.0.0.1/1", "unknown protocol 'gopher'"),
    ("http://127.0.0.1:{tcp}/live.m3u8", "connection refused"),
    ("udp://127.0.0.1:{udp}", "no stream arrived"),
    ("/dev/video97", "no such device"),
])
def test_a_source_that_cannot_be_followed_is_one_line_and_exit_3_within_15_s(source, says, config_file, tmp_path):
    source = source.format(tcp=streams.free_port(), udp=streams.free_port())
    started = time.monotonic()
    result = CliRunner().invoke(app, ["watch", source, "--config", str(config_file),
                                      "--library", str(tmp_path / "lib.sqlite")])
    assert time.monotonic() - started < 15
    assert result.exit_code == 3, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and says in errors[0] and "Traceback" not in result.output


class _Hooks(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hooks.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_watch_prints_rule_matches_posts_them_and_stops_cleanly_on_ctrl_c(speech_clip, tmp_path):
    hooks = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hooks)
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    port = streams.free_port()
    sender = streams.udp_sender(speech_clip, port, loops=0)
    library = tmp_path / "lib.sqlite"
    command = [sys.executable, "-m", "videochat_text", "watch", f"udp://127.0.0.1:{port}", "--library", str(library),
               "--notify", "someone says whiskers", "--notify", "a cat is seen",
               "--webhook", f"http://127.0.0.1:{hooks.server_address[1]}/hook"]
    config = tmp_path / "config.yaml"
    config.write_text(f"cache: {{dir: {tmp_path / 'cache'}}}\nlive: {{max_pending: 50}}\n")
    # stderr to a file: the progress lines of a watch that falls behind on busy cores filled a pipe
    # nobody read, and the watcher blocked on writing instead of stopping on Ctrl-C
    err = (tmp_path / "stderr.txt").open("w")
    watcher = subprocess.Popen([*command, "--config", str(config)], stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(watcher.stdout), daemon=True)
        reader.start()
        assert _wait_for(lambda: len(lines) >= 2, 150, 0.5), "no rule matched"
        watcher.send_signal(signal.SIGINT)
        code = watcher.wait(60)
    finally:
        streams.stop(sender)
        if watcher.poll() is None:
            watcher.kill()
        hooks.shutdown()
        err.close()
    stderr = (tmp_path / "stderr.txt").read_text()
    assert code == 0, stderr
    assert any('"someone says whiskers": speech reported' in line and "whiskers" in line.lower() for line in lines)
    assert any('"a cat is seen": objects reported' in line and "cat" in line for line in lines)
    assert "stopped:" in stderr and "described" in stderr and "Traceback" not in stderr
    assert {h["rule"] for h in _Hooks.received} == {"someone says whiskers", "a cat is seen"}
    assert all(h["event_ids"] and h["video"] for h in _Hooks.received)
    lib = Library(load_settings(config), path=library)
    record = lib.list()[0]
    assert record.status == "done" and record.entries > 0  # what was described is kept
    assert {a["rule"] for a in lib.store.alerts(record.id)} == {"someone says whiskers", "a cat is seen"}


_READ_UDP = '''
import sys, time
import av
from videochat_text.live.source import parse_source

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

source = parse_source(sys.argv[1])
container = av.open(source.url, options=source.options, timeout=20)
received, first = 0, None
for packet in container.demux():
    received += packet.size
    if first is None and received > 1_000_000:
        first = rss_mb()
    if packet.size == 0 and received:
        break
    if first is not None and received > 30_000_000:
        break
print(received, first, rss_mb(), flush=True)
'''


def test_a_udp_stream_read_for_long_holds_a_bounded_receive_ring(tmp_path):
    """FFmpeg's UDP ring is touched as it fills, and kept: with the common 1,000,000-packet recipe
    (188 MB) a watch grew ~4.4 MB a minute for 43 minutes (`benchmarks/live.py`). 30 MB of a real
    16 Mbit/s stream read here must not grow this process by more than the ring (9.4 MB) and slack."""
    port = streams.free_port(socket.SOCK_DGRAM)
    reader = subprocess.Popen([sys.executable, "-c", _READ_UDP, f"udp://127.0.0.1:{port}"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    time.sleep(2)  # listening before the sender starts
    sender = subprocess.Popen(["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                               "-t", "25", "-c:v", "mpeg2video", "-b:v", "16M", "-maxrate", "16M", "-bufsize", "4M",
                               "-f", "mpegts", f"udp://127.0.0.1:{port}?pkt_size=1316"])
    try:
        out, err = reader.communicate(timeout=90)
    finally:
        streams.stop(sender)
        reader.kill()
    received, first, last = out.split()
    assert int(received) > 25_000_000, err[-2000:]  # the stream was read, not cut short
    assert float(last) - float(first) < 16, (first, last)
