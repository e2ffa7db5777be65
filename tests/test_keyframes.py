"""Keyframe selection, shared by the modules that look closely at few frames (captions, tags)."""

import numpy as np
import pytest

from videochat_text.keyframes import KeyframeSettings, holds_until, keyframes
from videochat_text.timeline import Frame
from videochat_text.video import iter_frames


def test_one_keyframe_per_static_shot(speech_clip):
    # speech_clip: three still photos, cut at 4 s and 7 s, sampled once a second
    chosen = keyframes(list(iter_frames(speech_clip, every_s=1.0)), KeyframeSettings())
    assert [f.time for f in chosen] == pytest.approx([0.0, 4.0, 7.0], abs=0.05)
    assert holds_until(chosen, 10.0) == pytest.approx([4.0, 7.0, 10.0], abs=0.05)


def test_busy_footage_is_rate_capped_and_still_shots_looked_at_again():
    busy = [Frame(index=i, time=float(i), image=np.full((8, 8, 3), i * 20, np.uint8)) for i in range(10)]
    capped = keyframes(busy, KeyframeSettings(min_gap_s=3.0, every_s=10.0, min_change=0.01))
    assert [f.time for f in capped] == [0, 3, 6, 9]
    still = [Frame(index=i, time=float(i), image=np.zeros((8, 8, 3), np.uint8)) for i in range(21)]
    assert [f.time for f in keyframes(still, KeyframeSettings())] == [0, 10, 20]
