"""The static tile grid of the ``tiles-N`` schedules, and merging boxes across passes (whole frame, tiles, crops)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..types import POLE_CLASS, Detection, box_iou


@dataclass(frozen=True, slots=True)
class Tile:
    x0: int
    y0: int
    x1: int
    y1: int


def tiles_for(width: int, height: int, n: int, overlap: float = 0.2) -> list[Tile]:
    """An n-column grid over the frame's upper part and middle (cameras hang high), with overlap.

    Rows: ceil(n / 2) rows of tiles with the same aspect as the frame would give too many tiles for a Pi;
    cameras are above eye level, so rows cover the top 2/3 of the frame.
    """
    if n <= 0:
        return []
    rows = max(1, (n + 1) // 2)
    tile_w = int(np.ceil(width / (n - (n - 1) * overlap)))
    cover_h = int(height * 2 / 3) if rows == 1 else height
    tile_h = int(np.ceil(cover_h / (rows - (rows - 1) * overlap)))
    tiles = []
    for r in range(rows):
        y0 = int(round(r * tile_h * (1 - overlap)))
        for c in range(n):
            x0 = int(round(c * tile_w * (1 - overlap)))
            tiles.append(Tile(x0, y0, min(x0 + tile_w, width), min(y0 + tile_h, height)))
    return tiles


iou = box_iou  # kept under its old name for the tracker


def merge_detections(dets: list[Detection], iou_threshold: float = 0.5) -> list[Detection]:
    """Greedy NMS across passes (whole frame, tiles, crops), also folding boxes that a tile border cut: a box mostly
    inside a bigger box is dropped, and so is one centred on a kept box (two passes at different scales box a small
    camera a few pixels apart: their IoU can be low). Camera classes count as one (the class of a small box flickers
    between passes, as the tracker knows); poles stay apart from cameras."""
    kept: list[Detection] = []
    for det in sorted(dets, key=lambda d: d.confidence, reverse=True):
        duplicate = False
        for k in kept:
            if (k.class_name == POLE_CLASS) != (det.class_name == POLE_CLASS):
                continue
            overlap = iou(k, det)
            ix = max(0.0, min(k.x2, det.x2) - max(k.x1, det.x1))
            iy = max(0.0, min(k.y2, det.y2) - max(k.y1, det.y1))
            inside = ix * iy / max(det.width * det.height, 1e-6)
            (kx, ky), (dx, dy) = k.center, det.center
            same_spot = abs(kx - dx) + abs(ky - dy) < 0.5 * max(k.width, k.height, det.width, det.height)
            if overlap >= iou_threshold or inside > 0.8 or same_spot:
                duplicate = True
                break
        if not duplicate:
            kept.append(det)
    return kept
