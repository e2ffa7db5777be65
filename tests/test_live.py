"""The live package's parts on their own: sources, the stream clock, stretch cuts, the bounded
queue, watch rules and question windows. Real streams are in test_live_streams.py."""

from __future__ import annotations

from contextlib import nullcontext as does_not_raise

import numpy as np
import pytest

from devkit.synthetic import speak
from videochat_text.errors import ConfigError, LiveSourceError
from videochat_text.live.clock import StreamClock
from videochat_text.live.reader import StretchQueue
from videochat_text.live.rules import parse_rule
from videochat_text.live.source import parse_source
from videochat_text.live.stretch import AudioTrack, Gap, Stretch, StretchBuilder, quiet_cut
from videochat_text.payloads import ObjectsData, SpeechData
from videochat_text.detections import Detection
from videochat_text.timeline import Event
from videochat_text.video import AUDIO_RATE


@pytest.mark.parametrize("text, kind, options, expectation", [
    ("rtsp://cam.local/stream", "rtsp", {"rtsp_transport": "tcp", "timeout": "5000000"}, does_not_raise()),
    ("http://127.0.0.1:8080/live/index.m3u8", "hls", {"reconnect": "1", "rw_timeout": "5000000"}, does_not_raise()),
    ("https://example.com/stream.ts", "http", {"reconnect_streamed": "1"}, does_not_raise()),
    ("udp://127.0.0.1:5000", "udp", {"timeout": "5000000", "overrun_nonfatal": "1"}, does_not_raise()),
    ("srt://127.0.0.1:9000", "srt", {"rw_timeout": "5000000"}, does_not_raise()),
    ("rtmp://127.0.0.1/live/key", "rtmp", {"rtmp_live": "live"}, does_not_raise()),
    ("gopher://old.example/1", None, {}, pytest.raises(LiveSourceError, match="unknown protocol 'gopher'")),
    ("/dev/video97", None, {}, pytest.raises(LiveSourceError, match="no such device")),
    ("/nowhere/recording.ts", None, {}, pytest.raises(LiveSourceError, match="no such file")),
])
def test_a_source_is_opened_with_its_protocols_options(text, kind, options, expectation):
    with expectation:
        source = parse_source(text)
        assert source.kind == kind
        assert options.items() <= source.options.items()
        assert source.live


def test_a_file_being_written_is_followed_unseekable_and_waited_for(tmp_path):
    recording = tmp_path / "cam.ts"
    recording.write_bytes(b"\0" * 188)
    source = parse_source(str(recording), read_timeout_s=2)
    assert source.kind == "file" and not source.live  # a file waits for its reader: nothing is dropped
    assert source.options == {"follow": "1", "seekable": "0", "rw_timeout": "2000000"}
    assert parse_source(f"file://{recording}").url == str(recording)


def test_rtmp_and_srt_can_wait_for_the_sender():
    assert parse_source("rtmp://127.0.0.1:1935/live/k", listen=True).options["listen"] == "1"
    assert parse_source("srt://127.0.0.1:9000", listen=True).options["mode"] == "listener"


class _Wall:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_clock_never_goes_backwards_when_the_stream_restarts_or_wraps():
    wall = _Wall()
    clock = StreamClock(wall=wall)
    clock.begin()
    times = []
    for pts in (50.0, 50.04, 51.0, 52.0):  # a stream whose timestamps start at 50 s
        times.append(clock.time(pts))
        wall.now += 1
    assert times[0] == pytest.approx(0.0) and times[-1] == pytest.approx(2.0)
    wall.now += 30  # the source restarts 30 s later: its timestamps begin again near 0
    restarted = [clock.time(pts) for pts in (1.4, 1.44, 2.4)]
    assert restarted[0] == pytest.approx(wall.now - 1000.0)  # placed at the wall clock: the gap is as long as the break
    assert restarted == sorted(restarted) and restarted[0] > times[-1]
    wrapped = clock.time(0.1)  # a wrap (33-bit MPEG-TS timestamps): far back again
    assert wrapped >= restarted[-1]
    assert clock.jumps == 2


def test_a_file_clock_continues_from_the_last_time_after_a_jump():
    wall = _Wall()
    clock = StreamClock(follow_wall=False, wall=wall)
    clock.begin()
    assert clock.time(10.0) == 0.0 and clock.time(12.0) == 2.0
    wall.now += 500  # a file read later is not live: no gap for the wall clock
    assert clock.time(3.0) == pytest.approx(2.0)


def test_reconnecting_places_the_next_timestamp_at_the_wall_clock():
    wall = _Wall()
    clock = StreamClock(wall=wall)
    clock.begin()
    clock.time(7.0)
    wall.now += 4
    clock.reconnected()
    assert clock.time(7.2) == pytest.approx(4.0)  # same timestamps after a reconnect: still no going back


def test_audio_lands_where_its_timestamps_say():
    track = AudioTrack(10.0)
    track.add(10.0, np.ones(AUDIO_RATE, dtype=np.float32))
    track.add(11.5, np.ones(AUDIO_RATE // 2, dtype=np.float32))  # late: 0.5 s of silence before it
    assert track.end == pytest.approx(12.0)
    assert track.samples()[int(1.2 * AUDIO_RATE)] == 0.0
    track.add(11.5, np.full(AUDIO_RATE, 2.0, dtype=np.float32))  # overlaps what is there: only the new part kept
    assert track.end == pytest.approx(12.5) and track.samples()[-1] == 2.0
    before, rest = track.split(11.0)
    assert len(before) == AUDIO_RATE and rest.start == 11.0 and rest.end == pytest.approx(12.5)


def _voiced(samples: np.ndarray) -> np.ndarray:
    """The samples from the first to the last audible one (espeak-ng pads with silence)."""
    loud = np.nonzero(np.abs(samples) > 0.02)[0]
    return samples[loud[0]: loud[-1] + 1]


def test_a_stretch_is_cut_in_the_pause_between_sentences_not_in_a_word():
    first, second = _voiced(speak("The delivery truck is late again.")), _voiced(speak("Please call the driver."))
    lead = np.zeros(int(1.5 * AUDIO_RATE), dtype=np.float32)
    pause = np.zeros(int(0.6 * AUDIO_RATE), dtype=np.float32)
    audio = np.concatenate([lead, first, pause, second])
    pause_at = (len(lead) + len(first)) / AUDIO_RATE
    assert pause_at > 3.0  # the first sentence is still being said when the stretch could end
    cut = quiet_cut(audio, 0.0, 3.0, len(audio) / AUDIO_RATE)
    assert cut is not None and pause_at <= cut <= pause_at + 0.6
    assert quiet_cut(np.ones(6 * AUDIO_RATE, dtype=np.float32) * 0.3, 0.0, 3.0, 6.0) is None  # no pause: none


def test_a_builder_samples_one_frame_per_interval_and_hands_the_rest_on():
    from videochat_text.timeline import Frame

    builder = StretchBuilder(0, 0.0, 1.0, audio=True, video=True)
    image = np.zeros((4, 4, 3), dtype=np.uint8)
    for i in range(200):  # 25 fps for 8 s, sound all the way (never quiet)
        t = i / 25
        if builder.wants_frame(t):
            builder.frames.append(Frame(i, t, image))
        builder.video_time = t
    builder.audio.add(0.0, np.ones(8 * AUDIO_RATE, dtype=np.float32) * 0.2)
    assert [f.time for f in builder.frames] == [0, 1, 2, 3, 4, 5, 6, 7]
    at = builder.cut_at(3.0, 6.0)
    assert at == 6.0  # never quiet: cut at the longest a stretch may be
    stretch, following = builder.finish(at)
    assert [f.time for f in stretch.frames] == [0, 1, 2, 3, 4, 5] and len(stretch.audio) == 6 * AUDIO_RATE
    assert following.start == 6.0 and [f.time for f in following.frames] == [6, 7]
    assert following.audio.end == pytest.approx(8.0)


def _stretch(index: int, start: float, end: float) -> Stretch:
    return Stretch(index, start, end, [], None, 1.0)


def test_a_full_queue_drops_the_oldest_stretch_and_says_so_instead_of_growing():
    queue = StretchQueue(2, drop_when_full=True)
    for i in range(5):
        queue.put(_stretch(i, i * 5.0, i * 5.0 + 5))
    assert queue.pending() == 2 and queue.skipped_s == 15.0
    kept = [queue.get(0), queue.get(0)]
    assert [s.index for s in kept] == [3, 4]
    gaps = sorted(kept[0].gaps + kept[1].gaps, key=lambda g: g.start)  # each dropped stretch's gap is kept
    assert [(g.start, g.end, g.reason) for g in gaps] == [(0, 5, "behind"), (5, 10, "behind"), (10, 15, "behind")]


def test_a_file_waits_for_describing_instead_of_dropping():
    import threading

    queue = StretchQueue(1, drop_when_full=False)
    queue.put(_stretch(0, 0, 5))
    second = threading.Thread(target=queue.put, args=(_stretch(1, 5, 10),))
    second.start()
    second.join(0.3)
    assert second.is_alive()  # waiting for room
    assert queue.get(1).index == 0
    second.join(2)
    assert queue.get(1).index == 1 and queue.skipped_s == 0


def test_gaps_become_stream_events_describing_marks_them():
    from videochat_text.live.describe import gap_events

    stretch = Stretch(3, 20.0, 26.0, [object()], None, 2.0, gaps=[Gap(12.0, 20.0, "lost")])  # type: ignore[list-item]
    events = gap_events(stretch, 1.0, has_video=True)
    assert [(e.start, e.end, e.module, e.data.reason) for e in events] == [
        (12.0, 20.0, "stream", "lost"), (20.0, 26.0, "stream", "behind")]
    assert "nothing received for 8.0 s" in events[0].text
    assert "every 2 s here instead of every 1 s" in events[1].text


@pytest.mark.parametrize("text, kind, what, expectation", [
    ("a truck is seen", "seen", "truck", does_not_raise()),
    ("Trucks appear", "seen", "trucks", does_not_raise()),
    ("someone says deadline", "said", "deadline", does_not_raise()),
    ('the speaker mentions "budget cuts"', "said", "budget cuts", does_not_raise()),
    ("deadline is said", "said", "deadline", does_not_raise()),
    ("EXIT is read", "read", "exit", does_not_raise()),
    ("text CLOSED on screen", "read", "closed", does_not_raise()),
    ("notify me", None, None, pytest.raises(ConfigError, match="seen, said or read")),
])
def test_watch_rules_say_what_is_seen_said_or_read(text, kind, what, expectation):
    with expectation:
        rule = parse_rule(text)
        assert (rule.kind, rule.what) == (kind, what)


def test_a_rule_matches_only_what_a_module_reported():
    truck = Event(start=4, end=5, module="objects", text="1 truck (left)",
                  data=ObjectsData(detections=(Detection(label="truck", score=0.7, box=(1, 2, 30, 40)),),
                                   frame_size=(640, 480)))
    said = Event(start=6, end=8, module="speech", text='S1: "The deadline is Friday."',
                 data=SpeechData(transcript="The deadline is Friday."))
    assert parse_rule("a truck is seen").matches(truck, "seen")
    assert parse_rule("trucks are seen").matches(truck, "seen")  # plural or singular, the label's
    assert not parse_rule("a truck is seen").matches(said, "heard")  # said "truck" is not seen
    assert parse_rule("someone says deadline").matches(said, "heard")
    assert not parse_rule("someone says dead").matches(said, "heard")  # whole words only
    assert not parse_rule("someone says deadline").matches(truck, "seen")
    assert not parse_rule("deadline is read").matches(said, "heard")


def _stream_info(duration: float = 1800.0):
    from datetime import datetime

    from videochat_text.timeline import VideoInfo

    started = datetime(2025, 5, 1, 10, 15, 0).timestamp()  # local time, as the wall clock is read
    return VideoInfo(path="rtsp://door/cam", duration=duration, fps=25, width=640, height=480, has_audio=True,
                     started_at=started)


@pytest.mark.parametrize("question, span", [
    ("What happened in the last 5 minutes?", (1500, 1800)),
    ("did anyone come to the door in the last ten minutes?", (1200, 1800)),
    ("What did the speaker just say?", (1740, 1800)),
    ("what is happening right now", (1740, 1800)),
    ("What happened since 10:30?", (900, 1800)),
    ("anything since 10:00?", (0, 1800)),  # before the watch began: from its start
    ("What was said between 10:20 and 10:25?", (300, 600)),
    ("What happened 10 minutes ago?", (1050, 1350)),
    ("Who spoke in the past hour?", (0, 1800)),
    ("What is shown at 0:05:00?", (240, 360)),  # a time in the stream, not the wall clock
    ("what happened after 10:40 am", (1500, 1800)),
    ("What is the password?", None),
    ("Tell me about the start", None),
])
def test_a_question_about_a_live_stream_picks_the_window_it_names(question, span):
    from videochat_text.live.window import question_window

    window = question_window(question, _stream_info())
    if span is None:
        assert window is None
    else:
        assert window is not None and (round(window.start), round(window.end)) == span


def test_a_window_keeps_only_its_events_and_the_header_says_which_with_wall_clock_times():
    from videochat_text.live.window import question_window, windowed
    from videochat_text.timeline import Description

    events = [Event(start=t, end=t + 2, module="speech", text=f"line at {t}") for t in (100.0, 1000.0, 1790.0)]
    description = Description(video=_stream_info(), events=events)
    window = question_window("what was said in the last 5 minutes?", description.video)
    cut = windowed(description, window)
    assert [e.text for e in cut.events] == ["line at 1790.0"]
    assert "the last 5 minutes (10:40:00–10:45:00)" in cut.header()
    assert cut.header().startswith("Live stream cam: followed from 2025-05-01 10:15:00")
