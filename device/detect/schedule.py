"""Detection schedules: which parts of a frame the model looks at, at which input size, on which frame.

A frame from the Pi camera is 1920x1080; the model's input is 640 px. Fed whole, a 30 cm camera 15 m away is
10 px wide in the model's input, below what it finds. Tiles at native resolution show it at 30 px, but covering a
whole frame with them every frame costs many times the model. The ``rotate`` schedule spends about the bare model's
time per frame instead: every frame it runs the whole frame at a cheaper rectangular size (640x360 for 16:9) and
ONE native-resolution tile of the band above the horizon (where cameras hang; 640x232 tiles, 16 of them for
1920x1080), the next tile on the next frame, so every part of the band is seen at native resolution every
``len(tiles)`` frames. Low-score candidates and fresh
small finds get native-resolution crops on the following frames (``roi``). All of a frame's passes share one model
input (``mosaic``): 640 wide, 1.10x the bare model's pixels (``ROTATE_COST``; 640x704 for 1920x1080). The tracker
joins what each frame saw.

``bench detect`` measures what each schedule costs in time next to the bare model (the square 640x640 input).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .settings import SCHEDULES  # the names live with the setting; re-exported here

BAND = 0.65  # tiles cover the top 65 % of the frame: cameras hang above the horizon, the ground is below it
TILE_OVERLAP_PX = 64  # a camera narrower than this is whole in at least one tile
ROTATE_COST = 1.10  # the rotation's input pixels per frame, relative to the bare model's (the target is 1.2x in time)
GAP = 16  # grey pixels between the parts of a mosaic (mosaic.py lays them out)
CROP_ROW = 80  # the input rows kept for candidate crops: each shows its candidate at 20-32 px with its surroundings


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle of frame pixels (x1/y1 exclusive)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1


@dataclass(frozen=True, slots=True)
class Pass:
    """One model call: ``region`` of the frame letterboxed into an ``input_hw`` (height, width) input."""

    kind: str  # whole | tile | roi
    region: Region
    input_hw: tuple[int, int]

    @property
    def scale(self) -> float:
        """Input pixels per frame pixel (1.0: native resolution; below 1: downscaled)."""
        return min(self.input_hw[0] / self.region.height, self.input_hw[1] / self.region.width)

    def cost(self, model_hw: tuple[int, int]) -> float:
        return self.input_hw[0] * self.input_hw[1] / (model_hw[0] * model_hw[1])


def ceil32(n: float) -> int:
    return max(32, int(math.ceil(n / 32.0)) * 32)


def spread(length: int, window: int, overlap: int) -> list[int]:
    """Start offsets of windows covering ``length`` with at least ``overlap`` between neighbours, evenly spaced."""
    if window >= length:
        return [0]
    n = math.ceil((length - overlap) / (window - overlap))
    return [round(i * (length - window) / (n - 1)) for i in range(n)]


def band_tiles(width: int, height: int, tile_hw: tuple[int, int], band: float = BAND,
               overlap: int = TILE_OVERLAP_PX) -> list[Pass]:
    """Native-resolution tiles over the top ``band`` of the frame, row by row from the horizon up.

    Tiles near the horizon come first: the far, small cameras are there (near ones are big and high in the frame,
    and the whole-frame pass finds them).
    """
    th, tw = tile_hw
    band_h = max(1, min(height, round(height * band)))
    tw, th = min(tw, width), min(th, band_h)
    rows = sorted(spread(band_h, th, overlap), reverse=True)
    cols = spread(width, tw, overlap)
    return [Pass("tile", Region(x, y, x + tw, y + th), (th, tw)) for y in rows for x in cols]


@dataclass(frozen=True, slots=True)
class Plan:
    """The fixed passes of a schedule for one frame size; ``passes(n)`` gives those of the n-th detector run."""

    whole: Pass
    tiles: tuple[Pass, ...]
    every_frame: bool  # static tiles: all of them every frame; rotation: one per frame
    canvas: tuple[int, int] | None = None  # mosaic: the passes of a frame share one input at most this size
    crop_row: int = 0  # candidate crops: the height of their row of the input (0: no crops)

    @property
    def period(self) -> int:
        """Detector runs until every tile has been looked at once."""
        return 1 if self.every_frame or not self.tiles else len(self.tiles)

    def passes(self, n: int) -> list[Pass]:
        if not self.tiles:
            return [self.whole]
        if self.every_frame:
            return [self.whole, *self.tiles]
        return [self.whole, self.tiles[n % len(self.tiles)]]


def plan_for(schedule: str, width: int, height: int, model_hw: tuple[int, int] = (640, 640),
             any_size: bool = True) -> Plan:
    """The passes of ``schedule`` for frames of ``width`` x ``height``.

    ``any_size``: the model runs at other input sizes than ``model_hw``; without it the rotation's canvas is the
    model's own input (1.0x), with it up to ``ROTATE_COST`` of it.
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown detector schedule {schedule!r}: one of {', '.join(SCHEDULES)}")
    whole_region = Region(0, 0, width, height)
    if schedule == "whole":
        return Plan(Pass("whole", whole_region, model_hw), (), every_frame=True)
    if schedule.startswith("tiles-"):
        from .tiling import tiles_for  # the old static grid, kept as it was

        grid = tiles_for(width, height, int(schedule.split("-")[1]))
        tiles = tuple(Pass("tile", Region(t.x0, t.y0, t.x1, t.y1), model_hw) for t in grid)
        return Plan(Pass("whole", whole_region, model_hw), tiles, every_frame=True)
    canvas_w = max(model_hw)
    rows = model_hw[0] if not any_size else int(ROTATE_COST * model_hw[0] * model_hw[1] / canvas_w) // 32 * 32
    gain = min(1.0, canvas_w / width, rows / height)
    whole = Pass("whole", whole_region, (round(height * gain), round(width * gain)))
    room = rows - whole.input_hw[0] - GAP - (CROP_ROW + GAP)
    tiles = tuple(band_tiles(width, height, (room, canvas_w))) if gain < 1.0 and room >= 64 else ()
    return Plan(whole, tiles, every_frame=False, canvas=(rows, canvas_w), crop_row=CROP_ROW)
