"""A rendered walk's ground truth (``truth.json``) and how a walk database's cameras score against it.

Each camera the survey recorded is attributed to the truth camera whose rendered boxes its sightings overlap (same
frame, same place in the image), so the score does not depend on GPS error. A recorded camera that overlaps none is
false; so is one placed further than ``gate_m`` from the camera it overlaps. A second recorded camera of one truth
camera is a duplicate. A truth camera is *passed* when it is visible in at least ``min_frames`` frames (fewer can
never make a track); its distance is the walker's closest approach while it is visible, its size the widest box.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..gps.track import local_offset_m
from ..store.rows import CameraRow, SightingRow

DISTANCE_BANDS = ((0.0, 5.0), (5.0, 10.0), (10.0, 20.0), (20.0, 30.0), (30.0, math.inf))
SIZE_BANDS = ((0, 16), (16, 32), (32, 64), (64, 10**6))
NEAR_M = 15.0  # the target: at least 80 % of the cameras passed within this distance are found


def band_name(band: tuple[float, float], unit: str) -> str:
    lo, hi = band
    return f">={lo:g} {unit}" if math.isinf(hi) or hi >= 10**6 else f"{lo:g}-{hi:g} {unit}"


@dataclass(frozen=True, slots=True)
class TruthCamera:
    id: str
    type: str
    lat: float
    lon: float
    x: float
    y: float
    boxes: dict[int, tuple[float, float, float, float]]  # frame -> box in video pixels
    closest_m: float
    max_width_px: float


@dataclass(frozen=True, slots=True)
class Walk:
    name: str
    folder: Path
    video: Path
    gps: Path
    width: int
    height: int
    frames: int
    start_utc: str
    origin: tuple[float, float]
    cameras: tuple[TruthCamera, ...]
    walker: dict[int, tuple[float, float]]  # frame -> walker x, y (local metres)

    def first(self, n: int) -> Walk:
        """The walk cut after ``n`` frames (what a replay with ``--max-frames`` saw)."""
        if n >= self.frames:
            return self
        cams = tuple(_camera(c.id, c.type, c.lat, c.lon, c.x, c.y, {f: b for f, b in c.boxes.items() if f < n},
                             self.walker)
                     for c in self.cameras)
        return replace(self, frames=n, cameras=cams)


def _camera(cid: str, kind: str, lat: float, lon: float, x: float, y: float,
            boxes: dict[int, tuple[float, float, float, float]], walker: dict[int, tuple[float, float]]) -> TruthCamera:
    dists = [math.hypot(walker[f][0] - x, walker[f][1] - y) for f in boxes if f in walker]
    return TruthCamera(cid, kind, lat, lon, x, y, boxes, min(dists, default=math.inf),
                       max((b[2] - b[0] for b in boxes.values()), default=0.0))


class WalkError(Exception):
    """A folder is not a rendered walk (video, GPS log and truth.json)."""


def load_walk(folder: Path) -> Walk:
    try:
        truth = json.loads((folder / "truth.json").read_text())
        walker = {w["frame"]: (w["x"], w["y"]) for w in truth["walker"]}
        cams = [_camera(c["id"], c["type"], c["lat"], c["lon"], c["x"], c["y"],
                        {b["frame"]: tuple(b["box"]) for b in c["boxes"]}, walker) for c in truth["cameras"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WalkError(f"{folder}: not a rendered walk with a readable truth.json ({exc})") from None
    video = folder / "walk.mp4"
    gps = next((folder / n for n in ("walk.nmea", "walk.gpx") if (folder / n).is_file()), None)
    if not video.is_file() or gps is None:
        raise WalkError(f"{folder}: walk.mp4 and walk.nmea (or walk.gpx) are needed next to truth.json")
    return Walk(folder.name, folder, video, gps, int(truth["width"]), int(truth["height"]), int(truth["frames"]),
                truth["start_utc"], (truth["origin"]["lat"], truth["origin"]["lon"]), tuple(cams), walker)


def find_walks(root: Path) -> list[Path]:
    """``root`` itself when it is a walk, else its sub-folders that are (sorted)."""
    if (root / "truth.json").is_file():
        return [root]
    return sorted(p for p in root.iterdir() if (p / "truth.json").is_file()) if root.is_dir() else []


@dataclass
class WalkScore:
    passed: list[TruthCamera] = field(default_factory=list)
    found: set[str] = field(default_factory=set)
    false: int = 0  # recorded cameras that are no truth camera (or placed beyond the gate)
    duplicates: int = 0
    unplaced: int = 0  # recorded cameras without a position (counted as found when they overlap a truth camera)
    tracked: set[str] = field(default_factory=set)  # truth cameras some track saw, before de-duplication and placing


def overlaps(box: tuple[float, float, float, float], seen: SightingRow) -> bool:
    """Whether a sighting's box is on a truth box of the same frame (centres within the larger box's size)."""
    tx1, ty1, tx2, ty2 = box
    cx, cy = (seen.x1 + seen.x2) / 2, (seen.y1 + seen.y2) / 2
    tcx, tcy = (tx1 + tx2) / 2, (ty1 + ty2) / 2
    reach = max(tx2 - tx1, ty2 - ty1, seen.x2 - seen.x1, seen.y2 - seen.y1) + 4.0
    return abs(cx - tcx) <= reach and abs(cy - tcy) <= reach


def attribute(walk: Walk, sightings: list[SightingRow]) -> TruthCamera | None:
    """The truth camera most of a recorded camera's sightings overlap (a third of them at least), or None."""
    votes: Counter[str] = Counter()
    for row in sightings:
        for cam in walk.cameras:
            box = cam.boxes.get(row.frame_index)
            if box is not None and overlaps(box, row):
                votes[cam.id] += 1
    if not votes:
        return None
    best, n = votes.most_common(1)[0]
    return next(c for c in walk.cameras if c.id == best) if 3 * n >= len(sightings) else None


def score_walk(walk: Walk, recorded: list[tuple[CameraRow, list[SightingRow]]], *, gate_m: float = 20.0,
               min_frames: int = 3, tracks: Sequence[list[SightingRow]] = ()) -> WalkScore:
    """``recorded``: each camera row of the walk (merged ones left out) with all its sightings; ``tracks``: the
    sightings of every track (every camera row, merged or not), for what the detector and tracker saw."""
    out = WalkScore(passed=[c for c in walk.cameras if len(c.boxes) >= min_frames])
    out.tracked = {cam.id for cam in (attribute(walk, s) for s in tracks) if cam is not None}
    per_truth: Counter[str] = Counter()
    for row, sightings in recorded:
        cam = attribute(walk, sightings)
        if cam is None:
            out.false += 1
            continue
        if row.latitude is None or row.longitude is None:
            out.unplaced += 1
        elif math.hypot(*local_offset_m(row.latitude, row.longitude, cam.lat, cam.lon)) > gate_m:
            out.false += 1
            continue
        per_truth[cam.id] += 1
    passed_ids = {c.id for c in out.passed}
    out.found = {k for k in per_truth if k in passed_ids}
    out.tracked &= passed_ids
    out.duplicates = sum(n - 1 for n in per_truth.values())
    return out
