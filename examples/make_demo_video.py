"""Make examples/demo.mp4: three real photos (scikit-image's sample data) with spoken lines.

Run from the repository root: ``python examples/make_demo_video.py``. Needs the
`ffmpeg` and `espeak-ng` programs and scikit-image.
"""

from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devkit/ (test media) is at the repository root

import skimage.data

from devkit.synthetic import Line, Shot, make_clip

SHOTS = [
    Shot(skimage.data.astronaut(), 4.0),  # a person
    Shot(skimage.data.chelsea(), 3.0),  # a cat
    Shot(skimage.data.coffee(), 3.0),  # a cup of coffee
]
LINES = [
    Line(0.5, "Hello. This is the astronaut Eileen Collins."),
    Line(4.3, "My cat is called Whiskers."),
    Line(7.3, "The coffee costs three dollars."),
]

if __name__ == "__main__":
    out = make_clip(Path(__file__).with_name("demo.mp4"), SHOTS, LINES)
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
