"""Regression guards: generous bounds (5x the targets) that catch gross slow-downs, not noise.

The targets (issue: speed) are a realtime factor of 0.5 for describe and 50 ms of ask
overhead; measured on 2 cores they are ~0.13 and ~20-40 ms (README, *Speed*).
"""

import time

from videochat_text import VideoChat


def test_describe_stays_well_under_real_time(speech_clip, fake_chat):
    vc = VideoChat({"cache": {"enabled": False}}, chat_model=fake_chat("ok"))
    vc.describe(speech_clip)  # loads the models: the bound is on warm work
    started = time.perf_counter()
    description = vc.describe(speech_clip)
    elapsed = time.perf_counter() - started
    assert description.by_module("speech") and description.by_module("objects")
    assert elapsed < 2.5 * description.video.duration, f"describe took {elapsed:.1f} s (RTF {elapsed / 10:.2f})"


def test_ask_overhead_from_cache(speech_clip, tmp_path, fake_chat):
    vc = VideoChat({"cache": {"dir": str(tmp_path)}}, chat_model=fake_chat("ok"))
    vc.describe(speech_clip)
    vc.chat(vc.describe(speech_clip)).messages("What is the cat's name?")
    timings = []
    for question in ("What is the cat's name?", "What does the coffee cost?", "Who is the astronaut?"):
        started = time.perf_counter()
        vc.chat(vc.describe(speech_clip)).messages(question)
        timings.append(time.perf_counter() - started)
    assert max(timings) < 0.25, f"ask overhead {max(timings) * 1000:.0f} ms"
