"""Where the picture is inside a frame, how to cut it for a square-input detector, and merging boxes.

A phone video of landscape footage is often stored as a portrait frame with black bars
above and below (letterbox), a 4:3 picture inside a 16:9 frame has bars left and right
(pillarbox). A detector that squashes the whole frame into its square input then sees a
thin strip: it misses what it finds in the same footage unpadded and draws boxes on the
bars. So frame modules detect inside the *picture area* (`picture_area`, once per shot),
on square `tiles` when the picture is far from square, and merge the boxes (`merge_boxes`).

Also a cheap look at whether the picture is a photograph at all (`looks_photographic`):
detectors and taggers trained on photos name things wrongly in cartoons and drawings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from videochat_text.detections import Detection

BAR_TOLERANCE = 24
"""How far (0–255, per channel) a bar pixel may stray from the bar's colour: H.264 at CRF 28
puts up to ~15 of noise and ringing into black bars next to a sharp picture edge."""
BAR_OUTLIERS = 0.02
"""A row or column is still a bar if at most this share of its pixels stray (compression blocks)."""
BAR_DARKEST = 40
"""Bars are black or nearly (padding, phone letterboxes); a grey or white frame edge is picture."""
MIN_BAR = 0.02
"""Bars thinner than this share of the frame are ignored (encoder borders, a dark frame edge)."""


@dataclass(frozen=True)
class Area:
    """A rectangle in pixels of an image: ``x1 <= x < x2``, ``y1 <= y < y2``."""

    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def width(self) -> int:
        return self.x2 - self.x1

    @property
    def height(self) -> int:
        return self.y2 - self.y1

    def crop(self, image: np.ndarray) -> np.ndarray:
        return image[self.y1 : self.y2, self.x1 : self.x2]


def picture_area(images: Sequence[np.ndarray]) -> Area:
    """The active picture of a shot: the frame minus uniform bars at its edges.

    A bar is a run of rows (or columns) from an edge whose pixels all keep the edge's
    colour in every image given (a few frames of one shot: a dark moment in the picture
    is not mistaken for a bar unless it stays dark). Bars are dark (`BAR_DARKEST`).

    Args:
        images: RGB frames of one shot, all the same size.
    """
    h, w = images[0].shape[:2]
    stack = np.stack([np.asarray(im, dtype=np.int16) for im in images])  # N,H,W,3
    corner = np.median(stack[:, [0, 0, -1, -1], [0, -1, 0, -1]].reshape(-1, 3), axis=0)
    if corner.max() > BAR_DARKEST:  # a plain light background is part of the picture, not a bar
        return Area(0, 0, w, h)
    strays = (np.abs(stack - corner).max(axis=3) > BAR_TOLERANCE).any(axis=0)  # H,W: not bar colour
    rows = strays.mean(axis=1) > BAR_OUTLIERS
    columns = strays.mean(axis=0) > BAR_OUTLIERS
    y1, y2 = _content_span(rows, MIN_BAR * h)
    x1, x2 = _content_span(columns, MIN_BAR * w)
    if y2 <= y1 or x2 <= x1:  # one uniform colour: no picture to find bars around
        return Area(0, 0, w, h)
    return Area(x1, y1, x2, y2)


def _content_span(content: np.ndarray, min_bar: float) -> tuple[int, int]:
    """First and one-past-last index of ``content``; a bar thinner than ``min_bar`` counts as picture."""
    found = np.flatnonzero(content)
    if len(found) == 0:
        return 0, 0
    start, stop = int(found[0]), int(found[-1]) + 1
    if start < min_bar:
        start = 0
    if len(content) - stop < min_bar:
        stop = len(content)
    return start, stop


def tiles(area: Area, *, max_aspect: float, overlap: float = 0.2) -> list[Area]:
    """Square tiles covering ``area`` when it is more than ``max_aspect`` times longer than wide
    (or tall), overlapping by at least ``overlap`` of a side; otherwise ``[area]``."""
    long_side, short_side = max(area.width, area.height), min(area.width, area.height)
    if short_side <= 0 or long_side / short_side <= max_aspect:
        return [area]
    n = math.ceil((long_side - short_side) / (short_side * (1 - overlap))) + 1
    offsets = np.linspace(0, long_side - short_side, n).round().astype(int)
    if area.width >= area.height:
        return [Area(area.x1 + o, area.y1, area.x1 + o + short_side, area.y2) for o in offsets]
    return [Area(area.x1, area.y1 + o, area.x2, area.y1 + o + short_side) for o in offsets]


def square(image: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The image padded to a square with grey (an aspect-keeping resize to a square input);
    also the left and top padding, to map boxes back."""
    h, w = image.shape[:2]
    side = max(h, w)
    top, left = (side - h) // 2, (side - w) // 2
    canvas = np.full((side, side, 3), 114, dtype=np.uint8)  # YOLO's letterbox grey
    canvas[top : top + h, left : left + w] = image
    return canvas, left, top


def touches_inner_edge(box: Sequence[float], tile: Area, area: Area, margin: float = 2.0) -> bool:
    """True if ``box`` (in tile pixels) is cut by an edge of ``tile`` that lies inside ``area``:
    the object goes on in the next tile, whose overlap or the whole-picture pass sees it whole."""
    x1, y1, x2, y2 = box
    return ((tile.x1 > area.x1 and x1 <= margin) or (tile.x2 < area.x2 and x2 >= tile.width - margin)
            or (tile.y1 > area.y1 and y1 <= margin) or (tile.y2 < area.y2 and y2 >= tile.height - margin))


def merge_boxes(detections: Sequence[Detection], iou: float = 0.5) -> list[Detection]:
    """Non-maximum suppression per label (OpenCV's ``NMSBoxes``): of boxes of one label that overlap
    by more than ``iou``, the highest score stays. Order: highest score first."""
    import cv2

    kept: list[Detection] = []
    for label in sorted({d.label for d in detections}):
        same = [d for d in detections if d.label == label]
        boxes = [[d.box[0], d.box[1], d.box[2] - d.box[0], d.box[3] - d.box[1]] for d in same]
        keep = cv2.dnn.NMSBoxes(boxes, [d.score for d in same], 0.0, iou)
        kept += [same[int(i)] for i in np.asarray(keep).reshape(-1)]
    return sorted(kept, key=lambda d: -d.score)


def to_frame(found: Sequence[Detection], offset: tuple[float, float], scale: tuple[float, float],
             size: tuple[int, int]) -> list[Detection]:
    """Boxes in pixels of a crop at ``offset`` (pixels of the decoded frame) → display pixels
    (``scale``: display over decoded width and height), clipped to the display ``size`` (a box
    on a square's padding may reach past the picture; one wholly outside is dropped)."""
    (dx, dy), (sx, sy), (w, h) = offset, scale, size
    low, high = np.zeros(4), np.array([w, h, w, h], dtype=float)
    mapped = []
    for d in found:
        box = np.clip((np.asarray(d.box) + [dx, dy, dx, dy]) * [sx, sy, sx, sy], low, high)
        if box[2] > box[0] and box[3] > box[1]:  # wholly on the padding: nothing in the frame
            mapped.append(Detection(label=d.label, score=d.score, box=box.tolist()))
    return mapped


# --- is it a photograph? ------------------------------------------------------------
DRAWN_FLAT_SHARE = 0.45
"""`flat_share` from which a picture reads as drawn or animated. Measured on H.264 frames
(CRF 28): real photos 0–0.32 (8 of 10 scikit-image/ultralytics photos 0; the rocket's sky 0.14,
the grey cameraman's sky 0.32), flat-filled drawings 0.48–0.85 (the scikit-image logo 0.48, a
horse silhouette 0.79, a drawn rabbit 0.85). Photos turned into cartoons by colour
quantization stay at 0–0.30: textured or painted animation is not caught."""


def flat_share(image: np.ndarray) -> float:
    """Share of 8×8 blocks of the (≤256 px) picture whose pixels all lie within 3 grey levels and
    whose colour is one of at least two flat colours each filling 5 % of the picture: cameras
    and compression leave grain in every real surface, flat-filled drawings do not. A photo
    on one plain background (a slide, a screen) has a single flat colour and counts 0."""
    image = np.atleast_3d(image)
    step = max(1, max(image.shape[:2]) // 256)
    small = image[::step, ::step, :3].astype(np.float32)
    h, w = (small.shape[0] // 8) * 8, (small.shape[1] // 8) * 8
    if h == 0 or w == 0:
        return 0.0
    blocks = small[:h, :w].reshape(h // 8, 8, w // 8, 8, -1)
    grey = blocks.mean(axis=4)
    flat = (grey.max(axis=(1, 3)) - grey.min(axis=(1, 3))) <= 3
    colours = (blocks.mean(axis=(1, 3)) // 32).astype(int)  # 8 levels a channel
    codes = colours[..., 0] * 64 + colours[..., 1 % colours.shape[-1]] * 8 + colours[..., -1]
    counts = np.bincount(codes[flat], minlength=512) / flat.size
    big = counts[counts >= 0.05]
    return float(big.sum()) if len(big) >= 2 else 0.0


def looks_photographic(images: Sequence[np.ndarray]) -> tuple[bool, float]:
    """Whether keyframes look like camera footage, and the median flat share it was judged on."""
    share = float(np.median([flat_share(im) for im in images])) if images else 0.0
    return share < DRAWN_FLAT_SHARE, round(share, 3)
