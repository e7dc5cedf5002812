"""Tiled inference helpers: overlapping tiles for small, distant cameras, and merging boxes across tiles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..types import Detection, box_iou


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
    """Class-aware greedy NMS across full-frame and tile detections, also folding boxes that a tile border cut:
    a box mostly inside a bigger box of the same class is dropped."""
    kept: list[Detection] = []
    for det in sorted(dets, key=lambda d: d.confidence, reverse=True):
        duplicate = False
        for k in kept:
            if k.class_id != det.class_id:
                continue
            overlap = iou(k, det)
            ix = max(0.0, min(k.x2, det.x2) - max(k.x1, det.x1))
            iy = max(0.0, min(k.y2, det.y2) - max(k.y1, det.y1))
            inside = ix * iy / max(det.width * det.height, 1e-6)
            if overlap >= iou_threshold or inside > 0.8:
                duplicate = True
                break
        if not duplicate:
            kept.append(det)
    return kept


def detect_tiled(predict: Callable[[np.ndarray], list[Detection]], image: np.ndarray, tiles: int, iou_threshold: float) -> list[Detection]:
    """``predict`` on the whole frame, plus on ``tiles_for`` tiles when ``tiles`` > 0, merged into frame pixels."""
    dets = predict(image)
    if tiles <= 0:
        return dets
    h, w = image.shape[:2]
    for tile in tiles_for(w, h, tiles):
        for d in predict(image[tile.y0 : tile.y1, tile.x0 : tile.x1]):
            dets.append(Detection(d.x1 + tile.x0, d.y1 + tile.y0, d.x2 + tile.x0, d.y2 + tile.y0, d.confidence, d.class_id, d.class_name))
    return merge_detections(dets, iou_threshold)
