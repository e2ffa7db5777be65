"""Hostile media by the hundred: zzuf mutants of real media through `describe` and HTTP upload.

Seeds in nine containers are made here (`devkit.fuzzing.make_seeds`); each mutant must end
in a description or the one-line error within the time limit, leave no temp file and no
half-written cache entry, and never take the server down. ``python benchmarks/fuzz.py``
runs the thousand.
"""

from __future__ import annotations

import shutil

import pytest

from devkit.fuzzing import FORMATS, Describer, ServerProcess, make_seeds, mutants, mutate, one_line_error, upload
from videochat_text import VideoOpenError
from videochat_text.video import iter_frames, probe

pytestmark = pytest.mark.skipif(shutil.which("zzuf") is None, reason="make test installs zzuf (Debian)")

DESCRIBED = 270  # 27 a format
UPLOADED = 30
TIME_LIMIT_S = 120.0  # a busy 2-core machine once took 47 s for a mutant (a dark frame: the objects module looks closer)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    return make_seeds(tmp_path_factory.mktemp("seeds"))


def _summary(outcomes) -> str:
    return "\n".join(f"{o.kind} {o.mutant.path.name} (zzuf -s {o.mutant.seed_number} -r {o.mutant.ratio}): "
                     f"{o.message[-800:]} {o.leaked or ''}" for o in outcomes)


def test_the_seeds_are_real_media_in_every_format(seeds):
    assert list(seeds) == FORMATS
    for name, path in seeds.items():
        info = probe(path)
        assert info.has_audio and info.duration == pytest.approx(2.0, abs=0.15)
        assert info.has_video == (name in ("mp4", "portrait.mp4", "mkv", "webm", "mov"))


@pytest.mark.slow
def test_mutants_end_in_a_description_or_a_one_line_error(seeds, tmp_path):
    describer = Describer(tmp_path / "child", seeds["mp4"], timeout_s=TIME_LIMIT_S)
    try:
        outcomes = [describer.describe(m) for m in mutants(seeds, tmp_path / "mutants", DESCRIBED)]
    finally:
        describer.close()
    wrong = [o for o in outcomes if not (o.kind in ("described", "partial") or one_line_error(o))]
    assert not wrong, _summary(wrong)  # no traceback, crash, hang, or error of several lines
    leaked = [o for o in outcomes if o.leaked]
    assert not leaked, _summary(leaked)
    assert {o.mutant.format for o in outcomes} == set(FORMATS)
    kinds = {o.kind for o in outcomes}
    assert {"described", "error"} <= kinds  # mutants both get through and get refused: the test sees both paths


@pytest.mark.slow
def test_uploaded_mutants_never_take_the_server_down(seeds, tmp_path):
    with ServerProcess(tmp_path / "server") as server:
        results = []
        for mutant in mutants(seeds, tmp_path / "uploads", UPLOADED, start=DESCRIBED):
            status, message, _ = upload(server.client, mutant, TIME_LIMIT_S)
            results.append((status, message, mutant))
            assert server.alive(), server.exit_reason()
        assert server.client.get("/api/health").status_code == 200
        assert not server.leaks()
    wrong = [(s, m, mu.path.name) for s, m, mu in results
             if s not in ("done", "failed", "rejected") or (s != "done" and (not m.strip() or "\n" in m))]
    assert not wrong
    assert {s for s, _, _ in results} & {"failed", "rejected"} and "done" in {s for s, _, _ in results}


def test_a_file_decord_cannot_open_is_decoded_by_pyav_or_refused_in_one_line(seeds, tmp_path):
    """The first zzuf run's bug: decord raised a plain RuntimeError ("Error reading …") on a
    mutated clip that PyAV opens, and describe ended in a traceback."""
    decord = pytest.importorskip("decord")
    found = None
    for n in range(300):  # mutants until one that PyAV probes and decord cannot open (a few dozen, measured)
        for name in ("mov", "portrait.mp4", "mp4"):
            candidate = mutate(seeds[name], tmp_path / f"m{n}-{name}", ratio=0.0005 if n % 2 else 0.0001, seed_number=n)
            try:
                info = probe(candidate)
            except VideoOpenError:
                continue
            try:
                decord.VideoReader(str(candidate))
            except RuntimeError as exc:
                if not isinstance(exc, decord.DECORDError):
                    found = candidate
                    break
            except decord.DECORDError:
                pass
        if found:
            break
    assert found is not None, "no mutant that decord refuses with a plain RuntimeError"
    try:
        frames = list(iter_frames(found, decoder="decord", info=info))
    except VideoOpenError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(f.image.ndim == 3 for f in frames)


@pytest.mark.parametrize("suffix, codec", [("aac", ["-c:a", "aac", "-f", "adts"]), ("mp3", ["-c:a", "libmp3lame"])])
def test_audio_that_changes_its_rate_and_channels_midway_is_decoded(tmp_path, suffix, codec):
    """Two files joined with ``cat`` (the 1,000-mutant run found it as a mutated MKV): PyAV's
    resampler refused the second part's frames with a ValueError, and describe ended in a traceback."""
    import subprocess

    from videochat_text.video import AUDIO_RATE, load_audio

    parts = []
    for n, (rate, channels) in enumerate([(44100, 1), (22050, 2)]):
        part = tmp_path / f"{n}.{suffix}"
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=f={440 + 220 * n}:d=1", "-ar", str(rate),
                        "-ac", str(channels), *codec, str(part)], check=True)
        parts.append(part.read_bytes())
    joined = tmp_path / f"joined.{suffix}"
    joined.write_bytes(b"".join(parts))
    samples = load_audio(joined)
    assert len(samples) >= 0.95 * AUDIO_RATE and abs(samples).max() > 0.05
    if suffix == "aac":  # ADTS frames carry their own headers: both parts decode
        assert len(samples) >= 1.9 * AUDIO_RATE
