"""Pack a frame's passes into one model input: one forward pass instead of several.

A forward pass costs its input pixels plus a fixed part (thread wake-ups and ~200 layers of bookkeeping): on the
development machine a 128x128 crop takes 13 % of a 640x640 frame for 4 % of its pixels. So the ``rotate``
schedule does not run the whole frame, a tile and each crop separately: it lays them out on one canvas, rows
separated by grey bands (the letterbox grey the model knows), runs it once, and gives each box back to the part
its centre fell in. The model was trained with mosaic augmentation: it sees stitched images every epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..types import Detection
from .schedule import GAP, Pass, ceil32

GREY = (114, 114, 114)


@dataclass(frozen=True, slots=True)
class Placement:
    part: Pass
    x: int  # where its content starts on the canvas
    y: int
    w: int  # content size on the canvas (the region scaled by the part's scale)
    h: int

    @property
    def scale(self) -> float:
        return self.w / self.part.region.width


@dataclass(frozen=True, slots=True)
class Layout:
    canvas_hw: tuple[int, int]
    placements: tuple[Placement, ...]


def pack(rows: list[list[Pass]], width: int, max_height: int | None = None) -> Layout:
    """Rows of parts, left to right, top to bottom, ``GAP`` apart; each part's region scaled to fit its
    ``input_hw``. The canvas is ``width`` wide and as high as the rows (rounded up to a multiple of 32, at most
    ``max_height``): a part that does not fit is left out (crops wait for another frame)."""
    placements, y = [], 0
    for row in rows:
        x, row_h = 0, 0
        for part in row:
            r = part.region
            scale = min(part.input_hw[0] / r.height, part.input_hw[1] / r.width)
            w, h = max(1, round(r.width * scale)), max(1, round(r.height * scale))
            if x + w > width or (max_height is not None and y + h > max_height):
                continue
            placements.append(Placement(part, x, y, w, h))
            x += w + GAP
            row_h = max(row_h, h)
        if row_h:
            y += row_h + GAP
    return Layout((ceil32(max(y - GAP, 1)), width), tuple(placements))


def compose(image: np.ndarray, layout: Layout, out: np.ndarray | None = None) -> np.ndarray:
    """The canvas of ``layout`` (into ``out`` when it has the canvas's shape: no new 1.4 MB array per frame).

    Parts are resized as the bare model's letterbox resizes (bilinear), so the whole-frame part is what it sees."""
    shape = (*layout.canvas_hw, 3)
    canvas = out if out is not None and out.shape == shape else np.empty(shape, dtype=np.uint8)
    canvas[:] = GREY[0]
    for p in layout.placements:
        r = p.part.region
        crop = image[r.y0 : r.y1, r.x0 : r.x1]
        if crop.shape[1] != p.w or crop.shape[0] != p.h:
            cv2.resize(crop, (p.w, p.h), dst=canvas[p.y : p.y + p.h, p.x : p.x + p.w], interpolation=cv2.INTER_LINEAR)
        else:
            canvas[p.y : p.y + p.h, p.x : p.x + p.w] = crop
    return canvas


def unpack(dets: list[Detection], layout: Layout) -> list[tuple[Placement, Detection]]:
    """Canvas boxes back in frame pixels, each with the part its centre is in (boxes in the gaps are dropped),
    clipped to that part."""
    out = []
    for d in dets:
        cx, cy = d.center
        for p in layout.placements:
            if p.x <= cx < p.x + p.w and p.y <= cy < p.y + p.h:
                r, s = p.part.region, p.scale
                x1 = r.x0 + (max(d.x1, p.x) - p.x) / s
                y1 = r.y0 + (max(d.y1, p.y) - p.y) / s
                x2 = r.x0 + (min(d.x2, p.x + p.w) - p.x) / s
                y2 = r.y0 + (min(d.y2, p.y + p.h) - p.y) / s
                out.append((p, Detection(x1, y1, x2, y2, d.confidence, d.class_id, d.class_name)))
                break
    return out
