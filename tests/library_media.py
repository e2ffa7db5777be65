"""Short real clips for the library tests: one photo each and one spoken sentence, known per clip."""

from __future__ import annotations

from pathlib import Path

import skimage.data

from devkit.synthetic import Line, Shot, make_clip

SENTENCES = {
    "meeting": "The meeting starts at nine.",
    "cat": "My cat is called Oscar.",  # a name tiny.en spells the same on Intel and AMD CPUs ("Whiskers" came out "wiskers" on AMD)
    "coffee": "The coffee costs three dollars.",
    "password": "The secret password is pineapple.",
    "beach": "We drove to the beach today.",
}
PHOTOS = {
    "meeting": skimage.data.astronaut,
    "cat": skimage.data.chelsea,
    "coffee": skimage.data.coffee,
    "password": skimage.data.rocket,
    "beach": skimage.data.camera,
}
CLIP_S = 3.5


def make_library_clips(folder: Path) -> dict[str, Path]:
    """Five 3.5 s clips named after what is said in them (``password.mp4`` says the password)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: make_clip(folder / f"{name}.mp4", [Shot(PHOTOS[name](), CLIP_S)], [Line(0.3, sentence)])
            for name, sentence in SENTENCES.items()}


def library_config(tmp: Path, *, embeddings: bool = True) -> dict:
    """Speech only (enough to search what is said), the deterministic summary, private cache.

    ``embeddings=False`` points retrieval at a model that is not there: search uses words only, and
    worker processes skip loading torch (the parallel tests are about orchestration, not ranking)."""
    config: dict = {"cache": {"dir": str(tmp / "cache")}, "perception": {"modules": ["speech"]},
                    "summary": {"backend": "merge"}, "library": {"path": str(tmp / "library.sqlite")}}
    if not embeddings:
        config["retrieval"] = {"model": str(tmp / "no-embedding-model")}
    return config
