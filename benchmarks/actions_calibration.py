"""Calibrate ``modules.actions.min_score`` on real footage made offline, with a held-out half.

No real action footage ships in any package we can install, so every clip here is one in which
no Kinetics-400 action happens: camera pans across real photos, still photos, a person (a crop
of a real photo) walking across real backgrounds, and the street clip. Whatever the classifier
reports on them is a false guess. The threshold is the smallest score that keeps the calibration
half's false-guess rate at or below ``--target`` (default 0: none); the held-out half (other
photos) shows how well it carries over. The motorcycle pan is reported on its own: "motorcycling"
is what the scene shows, the action the classifier should (and does) name for a parked motorcycle.

Run: ``PYTHONPATH=. python benchmarks/actions_calibration.py``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def _photos() -> dict[str, np.ndarray]:
    import cv2
    import skimage.data as sd

    from videochat_text.weights import package_dir

    assets = package_dir("ultralytics") / "assets"
    grey = lambda im: np.stack([im] * 3, axis=-1)  # noqa: E731
    return {"astronaut": sd.astronaut(), "chelsea": sd.chelsea(), "coffee": sd.coffee(), "rocket": sd.rocket(),
            "camera": grey(sd.camera()), "immunohistochemistry": sd.immunohistochemistry(),
            "bus": cv2.imread(str(assets / "bus.jpg"))[..., ::-1], "zidane": cv2.imread(str(assets / "zidane.jpg"))[..., ::-1],
            "page": grey(sd.page()), "hubble": sd.hubble_deep_field()}


def _walker(background: np.ndarray, person: np.ndarray, seconds: float, fps: int):
    """A person crop crossing ``background`` left to right with a walking bob."""
    from devkit.synthetic import Shot, fit_image

    canvas = fit_image(background, 320, 240)
    figure = fit_image(person, 60, 150)
    n = round(seconds * fps)
    shots = []
    for i in range(n):
        frame = canvas.copy()
        x = round(-60 + (320 + 60) * i / max(1, n - 1))
        y = 80 + round(4 * abs(np.sin(i * np.pi / 4)))
        x0, x1 = max(0, x), min(320, x + 60)
        if x1 > x0:
            frame[y : y + 150, x0:x1] = figure[:, x0 - x : x1 - x]
        shots.append(Shot(frame, 1 / fps))
    return shots


def clips(folder: Path) -> list[tuple[str, str, Path]]:
    """(name, photo it is made of, path) of every calibration clip, 2 s at 8 fps, 320x240."""
    from devkit.synthetic import Shot, make_clip, make_street_clip, pan

    photos = _photos()
    person = photos["bus"][400:900, 40:250]  # a man in front of the bus
    made = []
    for name, photo in photos.items():
        h, w = photo.shape[:2]
        win = (int(w * 0.6), int(h * 0.6))
        for kind, shots in [
            ("pan-right", pan(photo, win, (0, 0), (w - win[0], 0), 2.0, fps=8)),
            ("pan-down", pan(photo, win, (0, 0), (0, h - win[1]), 2.0, fps=8)),
            ("still", [Shot(photo, 2.0)]),
            ("walker", _walker(photo, person, 2.0, 8)),
        ]:
            made.append((f"{name} {kind}", name, make_clip(folder / f"{name}-{kind}.mp4", shots, size=(320, 240),
                                                           fps=8, audio=False)))
    made.append(("street clip", "street", make_street_clip(folder / "street.mp4")))
    return made


def measure() -> dict:
    """Top-1 label, score and motion of every calibration clip, and of the motorcycle pan."""
    from conftest import pipeline_media
    from devkit.synthetic import make_clip, pan
    from videochat_text.perception.actions import ActionsModule

    module = ActionsModule({"top_k": 1, "min_score": 0.0, "min_motion": 0.0, "device": "cpu"})
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, photo, path in clips(folder):
            for e in module.run(pipeline_media(path, "actions")):
                d = e.detections[0]
                rows.append({"clip": f"{name} @{e.start:g}s", "photo": photo, "score": d.score, "label": d.label,
                             "motion": e.data.motion})
        import skimage.data

        moto = skimage.data.stereo_motorcycle()[0]
        moto_clip = make_clip(folder / "moto.mp4", pan(moto, (500, moto.shape[0]), (0, 0), (210, 0), 2.0, fps=8),
                              size=(320, 240), fps=8, audio=False)
        (e,) = module.run(pipeline_media(moto_clip, "actions"))
    d = e.detections[0]
    return {"rows": rows, "motorcycle": {"label": d.label, "score": d.score, "motion": e.data.motion}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=0.1,
                        help="allowed share of moving calibration clips with a (false) guess")
    parser.add_argument("--save", type=Path, help="write the measured scores to this JSON file")
    parser.add_argument("--load", type=Path, help="analyse scores saved by --save instead of measuring")
    args = parser.parse_args()
    import json

    from videochat_text.perception.actions import ActionsSettings

    measured = json.loads(args.load.read_text()) if args.load else measure()
    if args.save:
        args.save.write_text(json.dumps(measured, indent=1))
    rows, moto = measured["rows"], measured["motorcycle"]
    min_motion = ActionsSettings().min_motion
    names = sorted({r["photo"] for r in rows})
    calibration = set(names[0::2])  # every other photo: the halves share no photo
    halves = {"calibration": [r for r in rows if r["photo"] in calibration],
              "held-out": [r for r in rows if r["photo"] not in calibration]}
    moving = sorted(r["score"] for r in halves["calibration"] if r["motion"] >= min_motion)
    allowed = int(args.target * len(moving))
    threshold = round(moving[len(moving) - 1 - allowed] + 0.01, 2) if moving else 0.5
    print(f"clips: {len(rows)}, every one without a Kinetics action (calibration photos: {', '.join(sorted(calibration))})")
    print(f"motion of stills {max(r['motion'] for r in rows if 'still' in r['clip']):.4f} at most; "
          f"of pans/walkers {min(r['motion'] for r in rows if 'still' not in r['clip']):.4f} at least; min_motion {min_motion}")
    for half, part in halves.items():
        still = [r for r in part if r["motion"] < min_motion]
        guessed = [r for r in part if r["motion"] >= min_motion and r["score"] >= threshold]
        print(f"{half:12s} {len(part):3d} clips ({len(still)} still: no event); top-1 score median "
              f"{np.median([r['score'] for r in part]):.2f}; false guesses at min_score {threshold}: "
              f"{len(guessed)} ({len(guessed) / len(part):.0%}), without the motion gate "
              f"{sum(r['score'] >= threshold for r in part)}")
        for r in sorted(part, key=lambda r: -r["score"])[:5]:
            print(f"    {r['score']:.2f} {r['label']!r:32s} motion {r['motion']:.3f}  {r['clip']}")
    print(f"chosen min_score: {threshold} (target {args.target:.0%} of moving calibration clips); motorcycle pan: "
          f"{moto['label']} {moto['score']:.2f}, motion {moto['motion']:.3f} "
          f"({'kept' if moto['score'] >= threshold and moto['motion'] >= min_motion else 'dropped'})")


if __name__ == "__main__":
    main()
