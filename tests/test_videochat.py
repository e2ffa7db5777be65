import json

import pytest

from videochat_text import ConfigError, UnknownModuleError, VideoChat, VideoOpenError


def test_default_pipeline_describes_speech_and_objects(described):
    assert set(described.modules) == {"speech", "objects"}
    assert not described.failures
    # No T5 weights ship on PyPI: the default T5 summarizer falls back to merge, and says so.
    assert described.summary.source == "merge (fallback from t5:google/flan-t5-base)"
    assert "whiskers" in described.summary.text.lower()
    assert {"decode", "speech", "objects", "summary"} <= set(described.timings)
    assert described.config["perception"]["modules"] == ["speech", "objects"]
    assert [e.start for e in described.events] == sorted(e.start for e in described.events)


def test_cache_hit_skips_perception(speech_clip, config, fake_modules):
    vc = VideoChat(config)
    first = vc.describe(speech_clip, modules=["counting"])
    again = vc.describe(speech_clip, modules=["counting"])
    assert fake_modules.runs == 1 and again == first
    VideoChat(config).describe(speech_clip, modules=["counting"], use_cache=False)
    assert fake_modules.runs == 2


def test_changed_module_settings_miss_the_cache(speech_clip, config, fake_modules):
    VideoChat(config).describe(speech_clip, modules=["counting"])
    VideoChat({**config, "perception": {"sample_every_s": 2.0}}).describe(speech_clip, modules=["counting"])
    assert fake_modules.runs == 2


def test_corrupt_cache_entry_is_recomputed(speech_clip, config, fake_modules, tmp_path):
    vc = VideoChat(config)
    vc.describe(speech_clip, modules=["counting"])
    (entry,) = (tmp_path / "cache" / "descriptions").glob("*.json")
    entry.write_text('{"truncated": ')
    vc.describe(speech_clip, modules=["counting"])
    assert fake_modules.runs == 2
    json.loads(entry.read_text())  # rewritten whole
    assert not list(entry.parent.glob(".tmp-*"))


def test_one_failing_module_keeps_the_others(speech_clip, config, fake_modules, tmp_path):
    d = VideoChat(config).describe(speech_clip, modules=["counting", "failing"])
    assert len(d.by_module("counting")) == 10
    assert [(f.module, f.error) for f in d.failures] == [("failing", "RuntimeError: boom")]
    assert not (tmp_path / "cache" / "descriptions").exists()  # partial results are not cached


def test_unknown_module_fails_before_decoding(tmp_path):
    with pytest.raises(UnknownModuleError, match="available:"):
        VideoChat({"cache": {"enabled": False}}).describe(tmp_path / "missing.mp4", modules=["nope"])


def test_bad_video_fails_cleanly(tmp_path):
    with pytest.raises(VideoOpenError, match="no such file"):
        VideoChat({"cache": {"enabled": False}}).describe(tmp_path / "missing.mp4")


@pytest.mark.parametrize(
    ("config", "message"),
    [({"chat": {"temprature": 0}}, "chat.temprature"), ({"perception": {"sample_every_s": 0}}, "sample_every_s"),
     ({"unknown": 1}, "unknown")],
)
def test_config_typos_fail_loudly(config, message):
    with pytest.raises(ConfigError, match=message):
        VideoChat(config)


def test_config_file_round_trip(config_file, tmp_path):
    vc = VideoChat.from_config(config_file)
    assert vc.settings.cache.dir == str(tmp_path / "cache")
    with pytest.raises(ConfigError, match="not found"):
        VideoChat.from_config(tmp_path / "nope.yaml")


def test_example_config_is_valid_and_matches_defaults():
    from pathlib import Path

    from videochat_text.config import Settings, load_settings

    import yaml

    path = Path(__file__).parents[1] / "examples" / "config.yaml"
    example = load_settings(path)
    assert example.model_dump() == Settings().model_dump() | {"modules": example.modules}
    raw = yaml.safe_load(path.read_text())  # every option is written out, not left to defaults
    assert set(raw) == set(Settings.model_fields)
    for section, model in Settings.model_fields.items():
        if section != "modules":
            assert set(raw[section]) == set(model.annotation.model_fields), section
    for name, options in example.modules.items():  # every module section validates and is complete
        settings = VideoChat({"cache": {"enabled": False}}).module(name).Settings
        settings.model_validate(options)
        assert set(options) == set(settings.model_fields), name


@pytest.mark.parametrize(
    ("ffmpeg_args", "name"),
    [(["-t", "0.3"], "short 0.3s.mp4"), (["-frames:v", "1", "-an"], "one frame.mp4"), (["-an"], "vidéo sans son.mp4")],
)
def test_odd_but_valid_videos_are_described(speech_clip, tmp_path, ffmpeg_args, name):
    import subprocess

    clip = tmp_path / name
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(speech_clip), *ffmpeg_args, str(clip)], check=True)
    d = VideoChat({"cache": {"dir": str(tmp_path / "cache")}}).describe(clip)
    assert not d.failures
    assert d.by_module("objects") and d.by_module("objects")[0].detections[0].label == "person"
    assert all(e.end <= d.video.duration + 0.5 for e in d.events)
    if "-an" in ffmpeg_args:
        assert not d.video.has_audio and not d.by_module("speech")


def test_unchanged_video_is_not_hashed_again(speech_clip, tmp_path, monkeypatch):
    import shutil

    from videochat_text import cache

    hashed = []
    real_digest = cache.file_digest
    monkeypatch.setattr(cache, "file_digest", lambda path: hashed.append(path) or real_digest(path))
    clip = tmp_path / "clip.mp4"
    shutil.copy(speech_clip, clip)
    store = cache.DescriptionCache(tmp_path / "cache")
    first = store.video_digest(clip)
    assert store.video_digest(clip) == first and len(hashed) == 1
    data = bytearray(clip.read_bytes())
    data[-1] ^= 0xFF  # same size, new content and modification time
    clip.write_bytes(bytes(data))
    assert store.video_digest(clip) != first and len(hashed) == 2


class _Interrupt(KeyboardInterrupt):
    pass


def test_interrupted_long_describe_resumes_where_it_stopped(speech_clip, config, fake_modules, tmp_path):
    """A 10 s clip in 4 s stretches: stop during the second, then finish without redoing the first."""
    from videochat_text import PerceptionModule, register_module, unregister_module

    class Stopping(PerceptionModule):
        name = "stopping"
        stop_at: float | None = 4.0

        def run(self, media):
            if media.start == self.stop_at:
                raise _Interrupt()
            return []

    register_module(Stopping)
    try:
        settings = {**config, "perception": {"segment_s": 4.0}}
        with pytest.raises(_Interrupt):
            VideoChat(settings).describe(speech_clip, modules=["counting", "stopping"])
        assert fake_modules.runs == 2  # stretch 0 finished (and saved); stretch 1 was cut off
        Stopping.stop_at = None
        resumed = VideoChat(settings).describe(speech_clip, modules=["counting", "stopping"])
        assert fake_modules.runs == 4  # stretches 1 and 2 only
        assert not (tmp_path / "cache" / "partial").exists() or not any((tmp_path / "cache" / "partial").iterdir())
        uninterrupted = VideoChat({"cache": {"enabled": False}, "perception": {"segment_s": 4.0}}).describe(
            speech_clip, modules=["counting", "stopping"])
        assert resumed.events == uninterrupted.events
        assert [e.start for e in resumed.events] == [float(t) for t in range(10)]  # one per second, none twice
    finally:
        unregister_module("stopping")


def test_long_video_stretches_match_one_pass(speech_clip, tmp_path):
    """Speech and objects over 5 s stretches find what one pass finds, at the same times."""
    one = VideoChat({"cache": {"enabled": False}}).describe(speech_clip)
    split = VideoChat({"cache": {"enabled": False}, "perception": {"segment_s": 5.0}}).describe(speech_clip)
    # The same detections at the same times; a box may move a pixel: the picture area is found per shot,
    # from the frames of the shot a stretch holds.
    assert [e.line(with_boxes=False) for e in split.by_module("objects")] == \
        [e.line(with_boxes=False) for e in one.by_module("objects")]
    for a, b in zip(split.by_module("objects"), one.by_module("objects")):
        for d, e in zip(a.detections, b.detections, strict=True):
            assert d.label == e.label and d.box == pytest.approx(e.box, abs=2)
    # Lines spoken at 0.5, 4.3 and 7.3 s: the one crossing the 5 s cut may split, never move.
    said = " ".join(e.transcript for e in split.by_module("speech")).lower()
    assert "whiskers" in said and "three dollars" in said and "astronaut" in said
    assert split.by_module("speech")[0].start == pytest.approx(one.by_module("speech")[0].start, abs=0.2)
    assert split.by_module("speech")[-1].start == pytest.approx(one.by_module("speech")[-1].start, abs=0.3)
