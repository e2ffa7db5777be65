import numpy as np
import pytest

from videochat_text.errors import VideoOpenError
from devkit.synthetic import Shot, make_clip
from videochat_text.video import available_decoders, iter_frames, load_audio, probe

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_probe_reads_metadata(speech_clip):
    info = probe(speech_clip)
    assert info.duration == pytest.approx(10.0, abs=0.1)
    assert info.fps == pytest.approx(25.0)
    assert (info.width, info.height, info.rotation) == (640, 480, 0)
    assert info.has_audio and info.frame_count == 250


@pytest.mark.parametrize("decoder", ["pyav", "decord"])
def test_frames_are_sampled_at_true_times(speech_clip, decoder):
    if decoder not in available_decoders():
        pytest.skip("decord not installed on this platform")
    frames = list(iter_frames(speech_clip, every_s=1.0, decoder=decoder))
    assert [f.time for f in frames] == pytest.approx([float(t) for t in range(10)], abs=0.02)
    assert [f.index for f in frames] == [25 * t for t in range(10)]
    assert frames[0].image.shape == (480, 640, 3) and frames[0].image.dtype == np.uint8


def test_decoders_give_the_same_frames(speech_clip):
    if "decord" not in available_decoders():
        pytest.skip("decord not installed on this platform")
    a = list(iter_frames(speech_clip, every_s=0.7, decoder="pyav"))
    b = list(iter_frames(speech_clip, every_s=0.7, decoder="decord"))
    assert [f.time for f in a] == pytest.approx([f.time for f in b], abs=1e-3)
    for x, y in zip(a, b):
        assert np.abs(x.image.astype(int) - y.image.astype(int)).mean() < 2.0


def test_timestamps_come_from_pts_not_index(media_dir):
    """At 12.5 fps a frame index over 25 would be wrong by half; PTS times are right."""
    clip = make_clip(media_dir / "fps12.mp4", [Shot(np.full((64, 64, 3), 90, np.uint8), 4.0)], audio=False, fps=12)
    for decoder in available_decoders():
        frames = list(iter_frames(clip, every_s=1.0, decoder=decoder))
        assert [round(f.time, 2) for f in frames] == pytest.approx([0.0, 1.0, 2.0, 3.0], abs=0.05)
        assert [f.index for f in frames] == [0, 12, 24, 36]


def test_max_frames_spreads_samples(speech_clip):
    frames = list(iter_frames(speech_clip, every_s=0.5, max_frames=4))
    assert len(frames) == 4
    assert [f.time for f in frames] == pytest.approx([0.0, 2.5, 5.0, 7.5], abs=0.05)


def test_max_side_downscales(speech_clip):
    frame = next(iter_frames(speech_clip, max_side=320))
    assert frame.image.shape == (240, 320, 3)


def test_audio_is_16k_mono_on_the_video_clock(speech_clip):
    audio = load_audio(speech_clip)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) / 16000 == pytest.approx(10.0, abs=0.1)
    # The first line starts at 0.5 s: silence before it, speech after it.
    assert np.abs(audio[: 6000]).max() < 0.01
    assert np.abs(audio[9000:24000]).max() > 0.1


def test_no_audio_track_gives_none(no_audio_clip):
    info = probe(no_audio_clip)
    assert not info.has_audio
    assert load_audio(no_audio_clip, info=info) is None


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.mp4", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _write(d / "empty.mp4", b""), "empty"),
        (lambda d: _write(d / "notes.mp4", b"just text\n" * 50), "not a readable video"),
    ],
    ids=["missing", "directory", "empty", "text-as-mp4"],
)
def test_bad_paths_raise_clear_errors(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(VideoOpenError, match=message) as info:
        probe(path)
    assert str(path) in str(info.value)


def test_url_is_not_supported():
    with pytest.raises(VideoOpenError, match="URLs are not supported"):
        probe("https://example.com/video.mp4")


def test_rotation_metadata_is_applied_like_ffmpeg(speech_clip, tmp_path):
    import subprocess

    rotated = tmp_path / "portrait.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(speech_clip), "-c", "copy",
                    "-metadata:s:v:0", "rotate=90", str(rotated)], check=True)
    info = probe(rotated)
    assert (info.width, info.height) == (480, 640) and info.rotation in (90, 270)
    # ffmpeg's own autorotated first frame is the reference.
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(rotated), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    reference = np.frombuffer(raw, np.uint8).reshape(640, 480, 3).astype(int)
    for decoder in available_decoders():
        frame = next(iter_frames(rotated, decoder=decoder))
        assert frame.image.shape == (640, 480, 3)
        assert np.abs(frame.image.astype(int) - reference).mean() < 3.0


@pytest.mark.parametrize("decoder", ["pyav", "decord"])
def test_truncated_file_keeps_what_decodes(truncated_clip, decoder):
    if decoder not in available_decoders():
        pytest.skip("decord not installed on this platform")
    frames = list(iter_frames(truncated_clip, decoder=decoder))
    assert 1 <= len(frames) < 10
    assert [f.time for f in frames] == pytest.approx([float(i) for i in range(len(frames))], abs=0.05)
    audio = load_audio(truncated_clip)
    assert 0 < len(audio) / 16000 <= 10.1


def test_truncated_file_without_index_is_a_clear_error(speech_clip, tmp_path):
    data = speech_clip.read_bytes()
    cut = _write(tmp_path / "cut.mp4", data[: len(data) // 2])  # moov sits at the end: lost
    with pytest.raises(VideoOpenError, match="not a readable video"):
        probe(cut)


@pytest.mark.parametrize("decoder", ["pyav", "decord"])
def test_stretches_give_the_frames_the_whole_video_gives(speech_clip, decoder):
    whole = [(f.time, f.image.sum()) for f in iter_frames(speech_clip, every_s=0.7, decoder=decoder)]
    pieces = [(f.time, f.image.sum()) for span in [(0.0, 3.5), (3.5, 7.0), (7.0, 10.0)]
              for f in iter_frames(speech_clip, every_s=0.7, decoder=decoder, span=span)]
    assert pieces == whole and len(whole) == 15


def test_audio_stretch_matches_the_whole_track(speech_clip):
    whole = load_audio(speech_clip)
    part = load_audio(speech_clip, span=(4.0, 7.5))
    assert len(part) == pytest.approx(3.5 * 16000, abs=2)
    offset = 4 * 16000
    # Same samples up to resampler edge effects (checked on correlation, not bit equality).
    assert np.corrcoef(part[1000:-1000], whole[offset + 1000 : offset + len(part) - 1000])[0, 1] > 0.99
