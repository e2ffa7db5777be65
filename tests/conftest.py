"""Shared fixtures: real clips built once per session from real photos and espeak-ng speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import skimage.data

from videochat_text import VideoChat
from devkit.synthetic import SPEECH_RATE, Line, Shot, make_clip
from videochat_text.timeline import Media
from videochat_text.video import iter_frames, probe

# Ground truth of the main test clip: what is shown and said, and when.
SHOTS = [
    Shot(skimage.data.astronaut(), 4.0),  # person
    Shot(skimage.data.chelsea(), 3.0),  # cat
    Shot(skimage.data.coffee(), 3.0),  # cup
]
LINES = [
    Line(0.5, "Hello. This is the astronaut Eileen Collins."),
    Line(4.3, "My cat is called Whiskers."),
    Line(7.3, "The coffee costs three dollars."),
]


def frame_media(path: Path, every_s: float = 1.0, max_side: int = 1280) -> Media:
    """A clip's sampled frames as the pipeline hands them to a frame module (no audio)."""
    info = probe(path)
    frames = list(iter_frames(path, every_s=every_s, max_side=max_side, info=info))
    return Media(info=info, frames=frames, audio=None, sample_every_s=every_s)


def pipeline_media(path: Path, *modules: str) -> Media:
    """What the pipeline hands these modules for the whole clip (default settings)."""
    from videochat_text.config import Settings
    from videochat_text.describing import decode

    return decode(path, probe(path), modules, None, Settings())


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def speech_clip(media_dir) -> Path:
    """10 s, 640x480, 25 fps: person 0–4 s, cat 4–7 s, cup 7–10 s; three spoken lines."""
    return make_clip(media_dir / "speech clip.mp4", SHOTS, LINES)


@pytest.fixture(scope="session")
def silent_clip(media_dir) -> Path:
    """Photos with an audio track that holds only silence."""
    return make_clip(media_dir / "silent.mp4", SHOTS[:2], [])


@pytest.fixture(scope="session")
def music_clip(media_dir) -> Path:
    """Photos with a loud chord melody and no speech: must not become words."""
    t = np.arange(int(7.0 * SPEECH_RATE)) / SPEECH_RATE
    notes = [261.6, 329.6, 392.0, 523.3]
    freq = np.array(notes)[(t * 2).astype(int) % len(notes)]
    music = 0.25 * (np.sin(2 * np.pi * freq * t) + 0.5 * np.sin(2 * np.pi * 1.5 * freq * t))
    return make_clip(media_dir / "music.mp4", SHOTS[:2], [], soundtrack=music.astype(np.float32))


@pytest.fixture(scope="session")
def no_audio_clip(media_dir) -> Path:
    return make_clip(media_dir / "no_audio.mp4", SHOTS[1:], audio=False)


@pytest.fixture(scope="session")
def truncated_clip(speech_clip, tmp_path_factory):
    """The index (moov) at the front, the second half of the data cut off."""
    import subprocess

    folder = tmp_path_factory.mktemp("truncated")
    whole = folder / "faststart.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(speech_clip), "-c", "copy", "-movflags", "+faststart",
                    str(whole)], check=True)
    cut = folder / "truncated.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    return cut


@pytest.fixture
def config(tmp_path) -> dict:
    """Default settings with a private cache folder."""
    return {"cache": {"dir": str(tmp_path / "cache")}}


@pytest.fixture
def config_file(tmp_path, config) -> Path:
    import yaml

    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="session")
def tiny_blip(tmp_path_factory):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import (BertTokenizerFast, BlipConfig, BlipForConditionalGeneration, BlipImageProcessor,
                              BlipProcessor)

    folder = tmp_path_factory.mktemp("tiny-blip")
    words = "a photo of cat person cup table sitting on the with and".split()
    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator([" ".join(words)], trainers.WordLevelTrainer(
        special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]"]))
    fast = BertTokenizerFast(tokenizer_object=tokenizer, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                             sep_token="[SEP]", mask_token="[MASK]", bos_token="[DEC]")
    processor = BlipProcessor(image_processor=BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer=fast)
    processor.save_pretrained(folder)
    vocab = tokenizer.get_vocab_size()
    config = BlipConfig(
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
                       "image_size": 32, "patch_size": 8},
        text_config={"vocab_size": vocab, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                     "num_attention_heads": 2, "encoder_hidden_size": 32, "bos_token_id": 5, "pad_token_id": 0,
                     "sep_token_id": 3, "eos_token_id": 3},
        projection_dim=32, image_text_hidden_size=32,
    )
    import torch

    torch.manual_seed(0)  # an unseeded random model sometimes generates only special tokens: an empty caption
    BlipForConditionalGeneration(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def described(speech_clip, tmp_path_factory):
    """The speech clip described once by the real default modules (shared, read-only)."""
    vc = VideoChat({"cache": {"enabled": False}})
    return vc.describe(speech_clip)


# --- fakes for testing the orchestration itself -------------------------------------
from typing import Any  # noqa: E402

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel  # noqa: E402
from langchain_core.messages import AIMessage  # noqa: E402
from pydantic import Field  # noqa: E402

from videochat_text import Event, PerceptionModule, register_module, unregister_module  # noqa: E402


class RecordingChatModel(GenericFakeChatModel):
    """Answers from a script and records every message list it was sent."""

    seen: list = Field(default_factory=list)

    def _stream(self, messages, stop=None, run_manager=None, **kwargs: Any):
        self.seen.append(list(messages))
        yield from super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs)


@pytest.fixture
def fake_chat():
    def make(*answers: str) -> RecordingChatModel:
        return RecordingChatModel(messages=iter([AIMessage(a) for a in answers]))

    return make


class CountingModule(PerceptionModule):
    """Emits one event per sampled frame and counts its runs."""

    name = "counting"
    runs = 0

    def run(self, media):
        type(self).runs += 1
        return [Event(start=f.time, end=f.time, module="counting", text=f"frame {f.index}") for f in media.frames]


class FailingModule(PerceptionModule):
    name = "failing"
    consumes = frozenset({"audio"})

    def run(self, media):
        raise RuntimeError("boom")


@pytest.fixture
def fake_modules():
    CountingModule.runs = 0
    for cls in (CountingModule, FailingModule):
        register_module(cls)
    yield CountingModule
    for cls in (CountingModule, FailingModule):
        unregister_module(cls.name)


@pytest.fixture(scope="session")
def _ray_home(tmp_path_factory):
    return tmp_path_factory.mktemp("ray-home")


@pytest.fixture
def ray_home(_ray_home, monkeypatch):
    """One ``HOME`` for every Ray started in this test process: Ray keeps a local cluster's auth
    token in ``~/.ray`` and, once it has set one up, looks for it there for the rest of the process
    (a second test's own ``HOME`` left the next cluster's servers without a token)."""
    monkeypatch.setenv("HOME", str(_ray_home))
    return _ray_home
