"""Objects on padded footage: the street clip letterboxed to a rotated 640x1136 phone video, in a 4:3
pillarbox and as 2.39:1 letterboxed cinema, detected the old way (whole frame squashed into SSD's
300x300) and on the picture area (squashed, fitted with its aspect kept, or tiled + NMS).

Prints per clip and way: the labels found, the share of box centres inside the picture, and
seconds per frame (the module's whole run on decoded frames, median of ``--repeat`` runs), as CPU
time of the process (all threads: steadier than wall time on a shared machine) and wall time.

Run: ``PYTHONPATH=. python benchmarks/objects_picture.py``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

WAYS = {
    "before (whole frame)": {"find_picture": False, "wide_picture": "squash"},
    "picture, squash": {"wide_picture": "squash"},
    "picture, fit": {"wide_picture": "fit", "max_aspect": 1.0},
    "picture, tiles": {"wide_picture": "tiles", "max_aspect": 1.0},
    "default": {},
}


def _ffmpeg(source: Path, target: Path, vf: str, rotate: bool = False) -> Path:
    encoded = target.with_suffix(".enc.mp4") if rotate else target
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-vf", vf, "-c:v", "libx264", "-preset",
                    "veryfast", "-crf", "28", "-an", str(encoded)], check=True)
    if rotate:
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(encoded), "-c", "copy", "-metadata:s:v:0",
                        "rotate=90", str(target)], check=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from conftest import frame_media
    from devkit.synthetic import make_street_clip
    from videochat_text.perception.objects import ObjectsModule

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        street = make_street_clip(d / "street.mp4")
        pairs = {  # name: (padded clip, its picture area in display pixels, the unpadded picture)
            "phone 640x1136 rotated": (_ffmpeg(street, d / "phone.mp4", "pad=640:1136:0:388,transpose=1", True),
                                       (0, 388, 640, 748), street),
            "4:3 pillarbox": (_ffmpeg(street, d / "pillar.mp4", "crop=480:360:80:0,pad=640:360:80:0"),
                              (80, 0, 560, 360), _ffmpeg(street, d / "43.mp4", "crop=480:360:80:0")),
            "2.39:1 letterbox": (_ffmpeg(street, d / "scope_lb.mp4", "crop=640:268:0:46,pad=640:360:0:46"),
                                 (0, 46, 640, 314), _ffmpeg(street, d / "scope.mp4", "crop=640:268:0:46")),
        }
        for name, (padded, area, plain) in pairs.items():
            print(f"\n{name} (picture {area}); unpadded picture detected the old way:")
            for label, clip, settings in [("unpadded", plain, WAYS["before (whole frame)"])] + [
                    (way, padded, s) for way, s in WAYS.items()]:
                media = frame_media(clip)
                module = ObjectsModule({"still_change": 0, "check_photographic": False, **settings})
                module.ensure_loaded()
                times, cpu = [], []
                for _ in range(args.repeat):
                    t, c = time.perf_counter(), time.process_time()
                    events = module.run(media)
                    times.append((time.perf_counter() - t) / len(media.frames))
                    cpu.append((time.process_time() - c) / len(media.frames))
                found = [d for e in events for d in e.detections]
                inside = np.mean([area[0] <= (b[0] + b[2]) / 2 <= area[2] and area[1] <= (b[1] + b[3]) / 2 <= area[3]
                                  for b in (f.box for f in found)]) if found else 0.0
                counts = ", ".join(f"{k} {v}" for k, v in Counter(f.label for f in found).most_common())
                where = "   -" if clip is plain else f"{inside:4.0%}"
                print(f"  {label:22s} cpu {np.median(cpu):.3f} s/frame (wall {np.median(times):.3f})  inside {where}  {counts}")


if __name__ == "__main__":
    main()
