"""Reading videos: probe metadata, sample frames with true timestamps, extract audio.

Two frame decoders give the same frames: decord (fast random access, x86_64 Linux
wheels only) and PyAV (portable, also used for probing and audio). Timestamps come
from each frame's PTS relative to the container's start, never from ``index / fps``,
so variable-frame-rate and offset streams are timed right.
"""

from __future__ import annotations

import importlib.util
import logging
import math
from pathlib import Path
from typing import Iterable, Iterator, Literal, Sequence, TypeVar

import numpy as np

from .errors import VideoOpenError
from .timeline import Frame, VideoInfo

log = logging.getLogger(__name__)

AUDIO_RATE = 16_000
"""Hz; what Whisper-family models expect."""

DecoderName = Literal["auto", "decord", "pyav"]
T = TypeVar("T")

_FFMPEG_HINT = "re-encode it, e.g. `ffmpeg -i INPUT -c:v libx264 -c:a aac OUTPUT.mp4`"


def _import_av():
    import av  # a core dependency; imported lazily to keep `--help` fast

    return av


def _check_path(path: str | Path) -> Path:
    p = Path(path)
    if str(path) == "-":
        raise VideoOpenError("-: reading a video from standard input is not supported; save it to a file first")
    if str(path).startswith(("http://", "https://", "rtsp://", "rtmp://")):
        raise VideoOpenError(f"{path}: URLs are not supported; download the video and pass a local file")
    if not p.exists():
        raise VideoOpenError(f"{path}: no such file")
    if p.is_dir():
        raise VideoOpenError(f"{path}: is a directory, not a video file")
    if p.stat().st_size == 0:
        raise VideoOpenError(f"{path}: file is empty (0 bytes)")
    return p


def _open(path: Path):
    av = _import_av()
    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise VideoOpenError(f"{path}: not a readable video ({exc.strerror or exc}); {_FFMPEG_HINT}") from exc


def _rotation_cw(frame) -> int:
    """Clockwise degrees a player applies to this frame (FFmpeg stores counter-clockwise)."""
    rotation = getattr(frame, "rotation", 0) or 0
    return int(round(-rotation)) % 360


def _container_start(container) -> float:
    # Time zero is the container's start so that frame and audio times line up.
    return container.start_time / 1_000_000 if container.start_time is not None else 0.0


def probe(path: str | Path) -> VideoInfo:
    """Read a video's metadata (decoding only its first frame).

    Raises:
        VideoOpenError: the file is missing, empty, or has neither a video nor an audio stream.
    """
    p = _check_path(path)
    av = _import_av()
    with _open(p) as container:
        if not _moving_picture(container):
            if not container.streams.audio:
                raise VideoOpenError(f"{path}: has no video or audio stream; pass a video or audio file")
            return _probe_audio_only(path, p, container)
        stream = container.streams.video[0]
        try:
            first = next(container.decode(stream))
        except (StopIteration, av.error.FFmpegError) as exc:
            raise VideoOpenError(f"{path}: no decodable video frame; {_FFMPEG_HINT}") from exc
        rotation = _rotation_cw(first)
        width, height = first.width, first.height
        if rotation in (90, 270):
            width, height = height, width
        duration = _duration(container, stream)
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
        frame_count = stream.frames or (round(duration * fps) if fps else None)
        if duration <= 0 and fps:
            duration = (frame_count or 1) / fps
        return VideoInfo(
            path=str(path),
            duration=duration,
            fps=fps,
            width=width,
            height=height,
            rotation=rotation,
            frame_count=frame_count or None,
            has_audio=bool(container.streams.audio),
            size_bytes=p.stat().st_size,
        )


def _moving_picture(container) -> bool:
    """Whether the first video stream is a picture that moves, not an audio file's cover art."""
    if not container.streams.video:
        return False
    attached = _import_av().stream.Disposition.attached_pic
    return not container.streams.video[0].disposition & attached


def _duration(container, stream) -> float:
    if container.duration:
        return container.duration / 1_000_000
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return 0.0


def _probe_audio_only(path: str | Path, p: Path, container) -> VideoInfo:
    """An audio file (m4a, mp3, wav, ogg, flac, opus): described by its audio modules only."""
    av = _import_av()
    stream = container.streams.audio[0]
    duration = _duration(container, stream)
    if duration <= 0:  # e.g. a raw stream without a header: count the decoded samples
        try:
            duration = sum(frame.samples / frame.sample_rate for frame in container.decode(stream))
        except av.error.FFmpegError as exc:
            raise VideoOpenError(f"{path}: no decodable audio; {_FFMPEG_HINT}") from exc
    return VideoInfo(path=str(path), duration=duration, fps=0.0, width=0, height=0, has_audio=True, has_video=False,
                     size_bytes=p.stat().st_size)


def sample_interval(info: VideoInfo, every_s: float, max_frames: int) -> float:
    """The sampling interval: ``every_s``, widened so at most ``max_frames`` are taken."""
    if every_s <= 0:
        raise ValueError("every_s must be positive")
    if max_frames > 0 and info.duration / every_s > max_frames:
        return info.duration / max_frames
    return every_s


def _clock(seconds: float) -> float:
    """Stream time in seconds, rounded to 0.1 ms: decord reports float32, PyAV float64."""
    return round(max(0.0, seconds), 4)


def _pick(
    timed: Iterable[tuple[float, T]], every_s: float, tolerance_s: float, duration_s: float, start_s: float = 0.0
) -> Iterator[tuple[float, T]]:
    """Keep the first ``(time, item)`` at or after each sampling target in ``[start_s, duration_s)``.

    Both decoders run this same rule over the stream's frame times, so they select
    the same frames. Targets are multiples of ``every_s`` from the video's start, so
    a stretch decoded on its own gets the frames the whole video would. A frame
    within ``tolerance_s`` (half a frame) before a target counts as on it. The first
    frame is always kept (a one-frame video has duration 0).
    """
    next_target = math.ceil(start_s / every_s - 1e-9) * every_s
    for t, item in timed:
        if next_target > 0 and next_target >= duration_s:
            return
        if t >= next_target - tolerance_s:
            yield t, item
            # Skip targets this frame already covers (frame gaps in VFR video).
            next_target = (math.floor((t + tolerance_s) / every_s) + 1) * every_s


def _scaled_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    scale = min(1.0, max_side / max(width, height)) if max_side > 0 else 1.0
    # Even sizes keep the scalers happy.
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def _rotate(image: np.ndarray, rotation_cw: int) -> np.ndarray:
    if rotation_cw == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=-(rotation_cw // 90)))


def _coded_size(info: VideoInfo, max_side: int) -> tuple[int, int]:
    """Output size before rotation: decoders scale the frames as they are stored."""
    w, h = (info.height, info.width) if info.rotation in (90, 270) else (info.width, info.height)
    return _scaled_size(w, h, max_side)


def _iter_pyav(path: Path, info: VideoInfo, every_s: float, max_side: int,
               span: tuple[float, float] | None = None) -> Iterator[Frame]:
    av = _import_av()
    out_w, out_h = _coded_size(info, max_side)
    tolerance = 0.5 / info.fps if info.fps else 0.0
    first_s, end_s = span or (0.0, info.duration)
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        start = _container_start(container)
        if first_s > 0 and stream.time_base:
            # Lands on the keyframe before first_s; `_pick` skips what precedes it. Frame
            # numbers then count from there (they are for debugging; times are exact).
            container.seek(int((first_s + start) / stream.time_base), stream=stream, backward=True)
        timed = (
            (_clock(f.time - start), (index, f))
            for index, f in enumerate(container.decode(stream))
            if f.time is not None
        )
        try:
            for t, (index, f) in _pick(timed, every_s, tolerance, end_s, first_s):
                image = f.to_ndarray(format="rgb24", width=out_w, height=out_h)
                yield Frame(index=index, time=t, image=_rotate(image, info.rotation))
        except av.error.FFmpegError as exc:
            # Keep what decoded; a damaged tail ends sampling early.
            log.warning("%s: decoding stopped early (%s); keeping the frames before it", path, exc)


_DECORD_DAMAGE = (RuntimeError, ValueError, IndexError, OSError)
"""What decord raises on damaged input besides its DECORDError: a plain RuntimeError ("Error
reading …") when it cannot open what PyAV could (a zzuf-mutated portrait MP4, issue 25)."""


def _iter_decord(path: Path, info: VideoInfo, every_s: float, max_side: int,
                 span: tuple[float, float] | None = None) -> Iterator[Frame]:
    import decord
    import decord.logging

    # Damaged input is reported once by us, not line by line by decord's FFmpeg.
    decord.logging.set_level(decord.logging.QUIET)
    damaged = (decord.DECORDError, *_DECORD_DAMAGE)
    # Unlike PyAV, decord applies the rotation metadata itself, so it gets the
    # display-oriented size and its frames are not rotated again.
    out_w, out_h = _scaled_size(info.width, info.height, max_side)
    try:
        reader = decord.VideoReader(str(path), ctx=decord.cpu(0), width=out_w, height=out_h, num_threads=0)
        n = len(reader)
        stamps = reader.get_frame_timestamp(range(n))[:, 0] if n else np.zeros(0)
    except damaged:
        # PyAV already opened this file in probe(); it copes with damage decord rejects.
        log.warning("%s: decord cannot index it; decoding with PyAV instead", path)
        yield from _iter_pyav(path, info, every_s, max_side, span)
        return
    first_s, end_s = span or (0.0, info.duration)
    # Align to PyAV's zero (the container start), which audio also uses.
    offset = _first_frame_time(path) - float(stamps[0]) if n else 0.0
    tolerance = 0.5 / info.fps if info.fps else 0.0
    timed = ((_clock(float(s) + offset), index) for index, s in enumerate(stamps))
    picked = list(_pick(timed, every_s, tolerance, end_s, first_s))
    batch = 16  # bounded memory: decord materializes a whole batch at once
    for i in range(0, len(picked), batch):
        chunk = picked[i : i + batch]
        try:
            images = reader.get_batch([index for _, index in chunk]).asnumpy()
        except damaged:
            # decord gives up on a whole batch; PyAV decodes up to the damage itself.
            resume_at = chunk[0][0]
            log.warning("%s: decord failed at %.1f s; continuing with PyAV", path, resume_at)
            yield from _iter_pyav(path, info, every_s, max_side, (resume_at, end_s))
            return
        for (t, index), image in zip(chunk, images):
            yield Frame(index=index, time=t, image=image)


def _first_frame_time(path: Path) -> float:
    with _open(path) as container:
        start = _container_start(container)
        for f in container.decode(container.streams.video[0]):
            if f.time is not None:
                return max(0.0, f.time - start)
    return 0.0


def available_decoders() -> list[str]:
    names = ["pyav"]
    if importlib.util.find_spec("decord") is not None:
        names.insert(0, "decord")
    return names


def resolve_decoder(decoder: DecoderName) -> str:
    if decoder == "auto":
        return available_decoders()[0]
    if decoder not in ("decord", "pyav"):
        raise VideoOpenError(f"unknown decoder {decoder!r}; choose auto, decord or pyav")
    if decoder not in available_decoders():
        raise VideoOpenError("decoder 'decord' is not installed (it has x86_64 Linux wheels only); use decoder: pyav")
    return decoder


def iter_frames(
    path: str | Path,
    *,
    every_s: float = 1.0,
    max_frames: int = 0,
    max_side: int = 1280,
    decoder: DecoderName = "auto",
    info: VideoInfo | None = None,
    span: tuple[float, float] | None = None,
) -> Iterator[Frame]:
    """Yield one frame per ``every_s`` seconds, timed by PTS.

    Args:
        span: only the stretch ``(start, end)`` in seconds (the same frames the whole
            video would give there); default the whole video.
        every_s: seconds between samples.
        max_frames: widen the interval so no more than this many frames come (0: no cap).
        max_side: downscale so the longer side is at most this many pixels (0: never).
        decoder: ``decord``, ``pyav`` or ``auto`` (decord when installed).

    Example:
        >>> for frame in iter_frames("clip.mp4", every_s=2.0):
        ...     print(frame.time, frame.image.shape)
    """
    info = info or probe(path)
    if not info.has_video:
        raise VideoOpenError(f"{path}: is an audio file; it has no frames to sample")
    every_s = sample_interval(info, every_s, max_frames)
    name = resolve_decoder(decoder)
    iterator = _iter_decord if name == "decord" else _iter_pyav
    count = 0
    for frame in iterator(Path(path), info, every_s, max_side, span):
        if max_frames and count >= max_frames:
            return
        count += 1
        yield frame


def coverage_gaps(times: Sequence[float], duration: float, every_s: float,
                  start: float = 0.0) -> list[tuple[float, float]]:
    """Stretches of ``[start, duration]`` where sampling found no frames (damaged or cut-off data).

    A stretch counts when it is longer than 2.5 sampling intervals, so ordinary
    frame jitter and variable frame rates are not reported.
    """
    limit = 2.5 * every_s
    edges = [start - every_s, *sorted(times), duration]
    return [(round(max(0.0, a + every_s), 3), round(b, 3)) for a, b in zip(edges, edges[1:]) if b - a > limit]


class _Resampler:
    """PyAV's resampler to 16 kHz mono float, remade when the stream changes its rate, layout or
    sample format midway (two MP3s joined with ``cat``; damaged headers): PyAV's own refuses such
    a frame with a ValueError."""

    def __init__(self, av):
        self._av = av
        self._resampler = self._new()

    def _new(self):
        return self._av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)

    def resample(self, frame) -> list[np.ndarray]:
        """The 16 kHz samples of ``frame`` (None: what is still buffered)."""
        try:
            out = self._resampler.resample(frame)
        except ValueError:  # "Frame does not match AudioResampler setup"
            out = self._resampler.resample(None)  # what the old setup still holds
            self._resampler = self._new()
            out += self._resampler.resample(frame)
        return [o.to_ndarray().reshape(-1) for o in out]


def load_audio(path: str | Path, *, info: VideoInfo | None = None,
               span: tuple[float, float] | None = None) -> np.ndarray | None:
    """Decode the first audio track as 16 kHz mono float32, or None if there is none.

    Samples are placed on the container's time axis, so a track that starts late is
    padded with silence and speech times match frame times. With ``span=(start, end)``
    only that stretch is decoded; sample 0 is then at ``start``.
    """
    info = info or probe(path)
    if not info.has_audio:
        return None
    av = _import_av()
    first_s, end_s = span or (0.0, None)
    chunks: list[np.ndarray] = []
    with _open(Path(path)) as container:
        stream = container.streams.audio[0]
        start = _container_start(container)
        if first_s > 0 and stream.time_base:
            container.seek(int((first_s + start) / stream.time_base), stream=stream, backward=True)
        resampler = _Resampler(av)
        lead_s: float | None = None  # where the first decoded sample lies, relative to first_s
        try:
            for frame in container.decode(stream):
                t = (frame.time if frame.time is not None else start) - start
                if end_s is not None and t >= end_s:
                    break
                if lead_s is None:
                    lead_s = t - first_s if first_s > 0 else max(0.0, t)
                chunks += resampler.resample(frame)
            chunks += resampler.resample(None)
        except av.error.FFmpegError as exc:
            log.warning("%s: audio decoding stopped early (%s); keeping what decoded", path, exc)
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    samples = np.concatenate(chunks).astype(np.float32, copy=False)
    shift = int(round((lead_s or 0.0) * AUDIO_RATE))
    if shift >= 0:  # the track starts late: pad with silence
        samples = np.concatenate([np.zeros(shift, dtype=np.float32), samples])
    else:  # seeking landed before first_s: drop the samples before it
        samples = samples[-shift:]
    if end_s is not None:
        samples = samples[: max(0, int(round((end_s - first_s) * AUDIO_RATE)))]
    return samples
