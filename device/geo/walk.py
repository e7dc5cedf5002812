"""One walk's geometry after the walk: every camera placed from all its sightings, facing and mount proposed.

Pure: built from the walk's fixes and sightings (``Store.walk_geometry`` reads them), the lens the walk was
recorded with and the ``[geo]`` parameters; it returns column values and never touches the database.

Decision on merged sightings: sightings stay on the camera row of their own track. A merge only sets
``cameras.merged_into`` on the hidden row and records the pair in ``camera_merges``; the kept row aggregates the
group (position, sightings count, first/last seen, best sighting). What a reviewer decided is never overwritten:
position, type, mount and direction are only updated on cameras whose ``review_state`` is still ``pending``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ..geodesy import LocalFrame, bearing_of
from ..gps.track import GpsTrack
from ..store.rows import CameraRow, SightingRow
from ..types import Detection, Fix, Position, Sighting
from .attributes import Box, View, propose_facing, propose_mount
from .dedupe import REFOUND_GAP_S, TrackEstimate
from .lens import CameraProfile
from .locator import sighting_quality
from .settings import GeoSettings
from .triangulate import TriangulatingLocator, radius

log = logging.getLogger(__name__)


@dataclass(slots=True)
class FinalizeReport:
    walk_id: int
    cameras: int = 0  # distinct cameras after de-duplication
    tracks: int = 0  # camera rows (tracks) placed
    merged: int = 0
    methods: dict[str, int] = field(default_factory=dict)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class WalkGeometry:
    """One walk's sightings in the local frame, re-headed from the whole GPS track, ready to place cameras."""

    def __init__(self, fixes: Sequence[Fix], sightings: Sequence[SightingRow], profile: CameraProfile,
                 params: GeoSettings | None = None):
        self.profile = profile
        self.params = params = params or GeoSettings()
        self.locator = TriangulatingLocator(profile)
        lats = [f.latitude for f in fixes] or [r.latitude for r in sightings if r.latitude is not None]
        lons = [f.longitude for f in fixes] or [r.longitude for r in sightings if r.longitude is not None]
        self.frame = LocalFrame.around(lats, lons) if lats else None
        # the walk's track, as the live loop had it, but bridging dropouts of up to bridge_gap_s (with a larger eph)
        self.line = (GpsTrack(fixes, max_gap_s=params.bridge_gap_s, frame=self.frame)
                     if self.frame and len(fixes) >= 2 else None)
        self.reheading = params.reheading and self.line is not None
        self.covariances: dict[tuple[int, ...], np.ndarray] = {}  # last placement of each group, local frame
        self.by_camera: dict[int, list[Sighting]] = {}
        self.rows: dict[int, SightingRow] = {}
        self.poles: dict[int, list[Sighting]] = {}
        self.pole_boxes: dict[int, list[Box]] = {}
        for r in sightings:
            s = self._sighting(r)
            if r.camera_id is not None:
                self.by_camera.setdefault(r.camera_id, []).append(s)
                self.rows[r.id] = r
            elif r.class_name == "pole":
                self.poles.setdefault(r.track_id, []).append(s)
                self.pole_boxes.setdefault(r.frame_index, []).append(Box(r.x1, r.y1, r.x2, r.y2))

    def _sighting(self, r: SightingRow) -> Sighting:
        det = Detection(r.x1, r.y1, r.x2, r.y2, r.confidence or 0.0, -1, r.class_name)
        heading, bearing = r.heading, r.bearing
        lat, lon, eph = r.latitude, r.longitude, r.eph
        line = self.line  # set with the frame
        if lat is None and line is not None and self.frame is not None:  # a fix that arrived too late for the live loop
            pt = line.path_position(r.t)
            if pt is not None:
                plat, plon = self.frame.to_wgs84(pt.east, pt.north)
                lat, lon, eph = float(plat), float(plon), pt.eph
        if self.reheading and line is not None and lat is not None:
            smooth = line.heading(r.t, span_m=self.params.heading_span_m, centered=True)
            turn = line.turn(r.t)
            # at a corner: the nearest fix's own course, else no ray
            if turn is not None and turn > self.params.max_turn_deg:
                smooth = line.course_near(r.t)
                if smooth is None:
                    bearing = None
            if smooth is not None:
                if heading is not None and bearing is not None:
                    lens = bearing - heading  # lens angle plus mount yaw, as the live loop computed it
                else:
                    lens = self.profile.angle_of((r.x1 + r.x2) / 2, r.frame_width)
                heading, bearing = smooth, (smooth + lens) % 360.0
        position = None if lat is None or lon is None else Position(lat, lon, heading, eph)
        return Sighting(r.track_id, r.frame_index, r.t, None, det, r.frame_width, r.frame_height, position, bearing,
                        r.id)

    def _local_frame(self) -> LocalFrame:
        if self.frame is None:
            raise ValueError("the walk has no GPS position: no local frame")
        return self.frame

    def local(self, lat: float, lon: float) -> tuple[float, float]:
        e, n = self._local_frame().to_local(lat, lon)
        return float(e), float(n)

    def place(self, camera_ids: list[int], class_name: str) -> dict[str, Any]:
        """Position columns for a group of camera rows: each pass triangulated, passes averaged."""
        sightings = sorted((s for c in camera_ids for s in self.by_camera.get(c, [])), key=lambda s: s.t)
        passes: list[list[Sighting]] = []
        for s in sightings:
            if passes and s.t - passes[-1][-1].t < REFOUND_GAP_S:
                passes[-1].append(s)
            else:
                passes.append([s])
        solutions = [self.locator.solve(p, class_name, self.frame) for p in passes]
        placed = [(sol, sol.located) for sol in solutions if sol.located is not None]
        if not placed:
            return {"latitude": None, "longitude": None, "uncertainty_m": None, "position_method": "none",
                    "has_position": 0,
                    "geo_rays": 0, "bearing_spread_deg": None, "residual_m": None, "geo_note": "no GPS position"}
        best, located = min(placed, key=lambda p: p[1].uncertainty_m)
        if len(placed) == 1:
            lat, lon, unc = located.latitude, located.longitude, located.uncertainty_m
            fused = best.covariance()
        else:  # information-weighted fusion: passes from different sides pin down each other's range
            info = [np.linalg.inv(sol.covariance() + 0.01 * np.eye(2)) for sol, _ in placed]
            en = [np.array(self.local(loc.latitude, loc.longitude)) for _, loc in placed]
            fused = np.linalg.inv(sum(info))
            e, n = fused @ sum(i @ x for i, x in zip(info, en, strict=True))
            lat, lon = (float(v) for v in self._local_frame().to_wgs84(e, n))
            unc = radius(fused)
        self.covariances[tuple(sorted(camera_ids))] = fused
        return {
            "latitude": lat, "longitude": lon, "uncertainty_m": round(unc, 2), "position_method": located.method,
            "has_position": 1, "geo_rays": sum(sol.rays for sol in solutions), "bearing_spread_deg": best.spread_deg,
            "residual_m": best.residual_m,
            "geo_note": "; ".join(sorted({sol.reason for sol in solutions if sol.reason})),
        }

    def attributes(self, camera_ids: list[int], class_name: str, placed: dict[str, Any]) -> dict[str, Any]:
        """Direction, mount and aggregate columns for a group of camera rows."""
        sightings = [s for c in camera_ids for s in self.by_camera.get(c, [])]
        out: dict[str, Any] = {"direction": None, "direction_uncertainty_deg": None}
        lateral, cam = None, None
        if placed["latitude"] is not None and self.line is not None:
            cam = self.local(placed["latitude"], placed["longitude"])
            lateral = self.line.lateral_distance(*cam)
        boxes = {s.frame_index: Box(s.detection.x1, s.detection.y1, s.detection.x2, s.detection.y2) for s in sightings}
        mount = propose_mount(boxes, self.pole_boxes, lateral_m=lateral, uncertainty_m=placed["uncertainty_m"])
        # a camera on a pole may face either way along the street: its box cannot tell front from back
        if class_name == "fixed" and cam is not None and mount.mount != "pole":
            views = []
            for s in sightings:
                if s.position is not None:
                    we, wn = self.local(s.position.latitude, s.position.longitude)
                    d = s.detection
                    # a pinhole box scales with the depth along the optical axis, not the range
                    off_axis = math.radians(self.profile.angle_of(d.center[0], s.frame_width))
                    depth = math.hypot(we - cam[0], wn - cam[1]) * math.cos(off_axis)
                    width_m = d.width * depth / self.profile.focal_px(s.frame_width)
                    views.append(View(float(bearing_of(we - cam[0], wn - cam[1])), Box(d.x1, d.y1, d.x2, d.y2),
                                      width_m))
            facing = propose_facing(views)
            if facing is not None:
                out["direction"], out["direction_uncertainty_deg"] = facing.direction, facing.uncertainty_deg
        out["mount"], out["mount_evidence"] = mount.mount, mount.evidence
        return out

    def aggregate(self, camera_ids: list[int]) -> dict[str, Any]:
        rows = [self._row(s) for c in camera_ids for s in self.by_camera.get(c, [])]
        if not rows:
            return {}
        best = max((s for c in camera_ids for s in self.by_camera.get(c, [])), key=sighting_quality)
        utcs = [r.utc for r in rows if r.utc]
        out: dict[str, Any] = {"sightings_count": len(rows), "confidence": max(r.confidence or 0.0 for r in rows),
                               "best_sighting_id": best.id}
        if utcs:
            out["first_seen"], out["last_seen"] = min(utcs), max(utcs)
        if self._row(best).crop:
            out["best_crop"] = self._row(best).crop
        return out

    def _row(self, s: Sighting) -> SightingRow:
        assert s.id is not None  # every sighting here was read from its row
        return self.rows[s.id]

    def estimate(self, camera: CameraRow) -> TrackEstimate | None:
        sightings = self.by_camera.get(camera.id, [])
        if camera.latitude is None or camera.longitude is None or not sightings:
            return None
        e, n = self.local(camera.latitude, camera.longitude)
        unc = camera.uncertainty_m or 10.0
        cov = self.covariances.get((camera.id,), np.eye(2) * unc * unc)
        return TrackEstimate(camera.id, camera.camera_type, e, n, unc,
                             frozenset(s.frame_index for s in sightings), sightings[0].t, sightings[-1].t,
                             len(sightings),
                             self.height(sightings, e, n), tuple(cov.ravel()))

    def height(self, sightings: list[Sighting], east: float, north: float) -> float | None:
        """Median height above ground of the box centre, assuming a level lens at ``lens_height_m``."""
        heights = []
        for s in sightings:
            if s.position is None:
                continue
            we, wn = self.local(s.position.latitude, s.position.longitude)
            rng = math.hypot(east - we, north - wn)
            yc = (s.detection.y1 + s.detection.y2) / 2
            heights.append(self.params.lens_height_m
                           + rng * (s.frame_height / 2 - yc) / self.profile.focal_px(s.frame_width))
        return float(np.median(heights)) if heights else None

    def group_values(self, kept: CameraRow, member_ids: list[int], class_name: str) -> dict[str, Any]:
        """The columns of one kept camera row recomputed from itself and its members (what a reviewer decided stays)."""
        ids = [kept.id, *member_ids]
        placed = self.place(ids, class_name)
        values = {**placed, **self.aggregate(ids), "updated_at": _now()}
        if kept.review_state == "pending":
            values.update(self.attributes(ids, class_name, placed))
            values["camera_type"] = class_name
        if placed["latitude"] is not None:
            e, n = self.local(placed["latitude"], placed["longitude"])
            height = self.height([s for c in ids for s in self.by_camera.get(c, [])], e, n)
            values["height_m"] = None if height is None else round(height, 1)
        else:  # never overwrite what a reviewer decided
            values = {k: v for k, v in values.items()
                      if k not in ("latitude", "longitude", "uncertainty_m", "position_method")}
        return values
