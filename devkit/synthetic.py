"""Make real test clips: still photos as shots, espeak-ng narration at known times.

Used by the bundled example, the tests and the benchmarks, so that all of them run
on real pixels and real speech while knowing the ground truth. Needs the `ffmpeg`
and `espeak-ng` programs (Debian: ``apt-get install ffmpeg espeak-ng``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from videochat_text.errors import VideoChatError

SPEECH_RATE = 16_000  # Hz of the narration track we write


@dataclass(frozen=True)
class Shot:
    """An RGB image shown for ``seconds``."""

    image: np.ndarray
    seconds: float


@dataclass(frozen=True)
class Line:
    """A sentence spoken starting at ``start`` seconds."""

    start: float
    text: str
    voice: str = "en-us"
    """An espeak-ng voice (``espeak-ng --voices``). Chinese characters: ``cmn-latn-pinyin``;
    plain ``cmn`` reads the tone digits of its dictionary aloud ("de5" as "d e five")."""
    pitch: int | None = None
    """espeak-ng pitch, 0–99 (None: the voice's own): with `voice`, what tells test speakers apart."""
    words_per_minute: int = 150
    """espeak-ng's speed; Whisper base transcribes some voices (Spanish) right only when slower."""


def _need(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise VideoChatError(f"`{program}` is not installed; on Debian/Ubuntu: apt-get install {program}")
    return path


def speak(text: str, *, voice: str = "en-us", words_per_minute: int = 150, pitch: int | None = None) -> np.ndarray:
    """Speak ``text`` with espeak-ng; returns 16 kHz mono float32 samples."""
    espeak = _need("espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "speech.wav"
        pitch_option = [] if pitch is None else ["-p", str(pitch)]  # -p 50 would override a voice's own pitch
        subprocess.run([espeak, "-v", voice, "-s", str(words_per_minute), *pitch_option, "-w", str(raw), text],
                       check=True, capture_output=True)
        resampled = Path(tmp) / "speech16k.wav"
        subprocess.run([_need("ffmpeg"), "-v", "error", "-y", "-i", str(raw), "-ac", "1",
                        "-ar", str(SPEECH_RATE), str(resampled)], check=True)
        return read_wav(resampled)


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return pcm.astype(np.float32) / 32768.0


def write_wav(path: Path, samples: np.ndarray, rate: int = SPEECH_RATE) -> None:
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def narration(lines: Sequence[Line], duration: float) -> np.ndarray:
    """A track of ``duration`` seconds with each line placed at its start time."""
    track = np.zeros(int(duration * SPEECH_RATE), dtype=np.float32)
    for line in lines:
        voice = speak(line.text, voice=line.voice, words_per_minute=line.words_per_minute, pitch=line.pitch)
        at = int(line.start * SPEECH_RATE)
        end = min(len(track), at + len(voice))
        track[at:end] += voice[: end - at]
    return track


def room_noise(samples: int, level: float, seed: int = 0) -> np.ndarray:
    """Pink noise peaking at ``level``: the hiss of a quiet room and a phone's microphone."""
    white = np.random.default_rng(seed).standard_normal(samples)
    pink = np.fft.irfft(np.fft.rfft(white) / np.sqrt(np.arange(1, samples // 2 + 2)), samples)
    return (pink / np.abs(pink).max() * level).astype(np.float32)


def fit_image(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Letterbox an image into ``width``×``height`` RGB (nearest-neighbour, no extra deps).

    Grey, RGBA, boolean and float images are accepted: non-8-bit values are scaled
    to 0–255 (a boolean silhouette would otherwise come out black).
    """
    if image.dtype != np.uint8:
        image = (image.astype(np.float32) / max(float(image.max()), 1e-6) * 255).astype(np.uint8)
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    nw, nh = max(1, int(w * scale)), max(1, int(h * scale))
    ys = (np.arange(nh) / scale).astype(int).clip(0, h - 1)
    xs = (np.arange(nw) / scale).astype(int).clip(0, w - 1)
    resized = image[ys][:, xs]
    if resized.ndim == 2:
        resized = np.stack([resized] * 3, axis=-1)
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    y0, x0 = (height - nh) // 2, (width - nw) // 2
    canvas[y0 : y0 + nh, x0 : x0 + nw] = resized[..., :3]
    return canvas


def with_text(photo: np.ndarray, *lines: tuple[str, tuple[int, int]], font_path: str | None = None,
              size: tuple[int, int] = (640, 360)) -> np.ndarray:
    """``photo`` letterboxed to ``size`` with each ``(text, (x, y))`` painted black on white, 30 px high.

    ``font_path``: a TrueType font for scripts Pillow's default font lacks (Chinese:
    ``fonts-wqy-microhei``'s ``/usr/share/fonts/truetype/wqy/wqy-microhei.ttc``).
    """
    from PIL import Image, ImageDraw, ImageFont

    image = Image.fromarray(fit_image(photo, *size))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(font_path, 30) if font_path else ImageFont.load_default(size=30)
    for text, (x, y) in lines:
        left, top, right, bottom = draw.textbbox((x, y), text, font=font)
        draw.rectangle([left - 6, top - 6, right + 6, bottom + 6], fill="white")
        draw.text((x, y), text, fill="black", font=font)
    return np.asarray(image)


def make_clip(
    path: str | Path,
    shots: Sequence[Shot],
    lines: Sequence[Line] = (),
    *,
    size: tuple[int, int] = (640, 480),
    fps: int = 25,
    audio: bool = True,
    soundtrack: np.ndarray | None = None,
    extra_ffmpeg: Sequence[str] = (),
) -> Path:
    """Encode ``shots`` (with narration ``lines``) as an H.264/AAC mp4 at ``path``.

    Args:
        audio: False writes no audio stream at all.
        soundtrack: 16 kHz samples mixed under the narration (e.g. music).
        extra_ffmpeg: more output options, e.g. ``["-metadata:s:v", "rotate=90"]``.
    """
    ffmpeg = _need("ffmpeg")
    path = Path(path)
    duration = sum(s.seconds for s in shots)
    width, height = size
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [ffmpeg, "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{width}x{height}", "-r", str(fps), "-i", "pipe:0"]
        if audio:
            wav = Path(tmp) / "narration.wav"
            track = narration(lines, duration)
            if soundtrack is not None:
                n = min(len(track), len(soundtrack))
                track[:n] += soundtrack[:n]
            write_wav(wav, track)
            cmd += ["-i", str(wav), "-c:a", "aac", "-b:a", "64k", "-shortest"]
        cmd += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
                *extra_ffmpeg, str(path)]
        # Raw RGB frames streamed to ffmpeg: exact shot lengths, no temp files per frame.
        encoder = subprocess.Popen(cmd, stdin=subprocess.PIPE)
        assert encoder.stdin is not None
        try:
            for shot in shots:
                data = fit_image(shot.image, width, height).tobytes()
                for _ in range(round(shot.seconds * fps)):
                    encoder.stdin.write(data)
        finally:
            encoder.stdin.close()
        if encoder.wait() != 0:
            raise VideoChatError(f"ffmpeg failed to encode {path}")
    return path


def pan(image: np.ndarray, window: tuple[int, int], start: tuple[int, int], end: tuple[int, int],
        seconds: float, fps: int = 25) -> list[Shot]:
    """A camera pan: a ``window`` (width, height) crop of ``image`` moving from the top-left
    corner ``start`` to ``end`` over ``seconds``, one shot per frame."""
    n = max(1, round(seconds * fps))
    width, height = window
    shots = []
    for i in range(n):
        f = i / max(1, n - 1)
        x = round(start[0] + (end[0] - start[0]) * f)
        y = round(start[1] + (end[1] - start[1]) * f)
        shots.append(Shot(image[y : y + height, x : x + width], 1 / fps))
    return shots


STREET_LINES = [
    Line(0.5, "The number ten bus to the city center leaves in five minutes."),
    Line(6.5, "The two coaches are arguing about the last goal."),
]


def make_street_clip(path: str | Path) -> Path:
    """10 s of real street and sideline photos (the two that ship with ultralytics): a pan
    across a bus with people in front of it (0–6 s), a cut, two men on a touchline
    (6–10 s); narration ``STREET_LINES``.

    Raises:
        VideoChatError: ultralytics (which ships the photos) is not installed.
    """
    from videochat_text.weights import package_dir

    assets = package_dir("ultralytics")
    if assets is None or not (assets / "assets" / "bus.jpg").exists():
        raise VideoChatError("the street photos ship with ultralytics: pip install 'videochat-text[yolo]'")
    import cv2

    bus = cv2.imread(str(assets / "assets" / "bus.jpg"))[..., ::-1]  # 810x1080, portrait
    coaches = cv2.imread(str(assets / "assets" / "zidane.jpg"))[..., ::-1]  # 1280x720
    shots = pan(bus, (540, 304), (0, 330), (270, 330), seconds=6.0) + [Shot(coaches, 4.0)]
    return make_clip(path, shots, STREET_LINES, size=(640, 360))


def encode_audio(samples: np.ndarray, path: str | Path, *codec: str) -> Path:
    """Encode 16 kHz samples as an audio file at 48 kHz (AAC 96 kbit/s unless ``codec`` says otherwise)."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "track.wav"
        write_wav(wav, samples)
        subprocess.run([_need("ffmpeg"), "-v", "error", "-y", "-i", str(wav), "-ar", "48000",
                        *(codec or ("-c:a", "aac", "-b:a", "96k")), str(path)], check=True)
    return path


def make_speech_after_silence(path: str | Path, text: str, voice: str = "en-us", silence_s: float = 1.0) -> Path:
    """One sentence after ``silence_s`` of silence (and half a second after it), as an audio file:
    the case where Whisper's one-window language detection failed (issue 15)."""
    silence = np.zeros(int(silence_s * SPEECH_RATE), np.float32)
    tail = np.zeros(SPEECH_RATE // 2, np.float32)
    return encode_audio(np.concatenate([silence, speak(text, voice=voice), tail]), path)


CALL_END = "Thanks for joining the call today. Let's go over the plan for next week and then we can wrap up."
"""Said from 0 to ~6.7 s in `make_call_with_murmur`; nothing after it."""


def make_call_with_murmur(path: str | Path) -> Path:
    """A call's last words, then 6 s of unintelligible talk in the background (speech played
    backwards at a third of the level) over room noise, AAC 64 kbit/s: Whisper base writes a
    repetition loop over the murmur ("Neh-y-y-y-…")."""
    murmur = speak("So that is everything from me, see you all next time, and have a good weekend.")[::-1] * 0.3
    tail = np.zeros(6 * SPEECH_RATE, np.float32)
    tail[: len(murmur)] = murmur[: len(tail)]
    track = np.concatenate([speak(CALL_END), np.zeros(SPEECH_RATE // 2, np.float32), tail])
    return encode_audio(track + room_noise(len(track), 0.003, seed=0), path, "-c:a", "aac", "-b:a", "64k")
