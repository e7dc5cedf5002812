"""The walker's track: fixes in time order, and where the walker was (and was heading) at any frame time.

Distances and bearings use a local equirectangular frame around each point: exact to millimetres over the few
metres between fixes and the ``heading_distance_m`` over which heading is smoothed, and cheap enough to run once
per frame. ``position_at`` is O(log n) (bisect on time and on distance along the track).
"""

from __future__ import annotations

import logging
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import timedelta

from ..types import Fix, Position

log = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_008.8
MOVING_SPEED_MPS = 0.5  # below this the receiver's course is noise


def local_offset_m(lat0: float, lon0: float, lat1: float, lon1: float) -> tuple[float, float]:
    """East and north metres from point 0 to point 1 (local flat frame; fine up to a few kilometres)."""
    mean_lat = math.radians((lat0 + lat1) / 2.0)
    dlon = (lon1 - lon0 + 540.0) % 360.0 - 180.0
    east = math.radians(dlon) * EARTH_RADIUS_M * math.cos(mean_lat)
    north = math.radians(lat1 - lat0) * EARTH_RADIUS_M
    return east, north


def bearing_deg(east: float, north: float) -> float:
    return math.degrees(math.atan2(east, north)) % 360.0


def move(lat: float, lon: float, east: float, north: float) -> tuple[float, float]:
    """The point ``east``/``north`` metres from lat/lon."""
    dlat = math.degrees(north / EARTH_RADIUS_M)
    dlon = math.degrees(east / (EARTH_RADIUS_M * max(math.cos(math.radians(lat)), 1e-9)))
    return lat + dlat, lon + dlon


def _lerp(a: float | None, b: float | None, frac: float) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + (b - a) * frac


class GpsTrack:
    """Fixes of one walk sorted by ``t``; ``position_at(t)`` interpolates the walker's position and heading."""

    def __init__(
        self,
        fixes: Iterable[Fix] = (),
        *,
        max_gap_s: float = 5.0,
        max_extrapolate_s: float = 2.0,
        heading_distance_m: float = 8.0,
    ) -> None:
        self.max_gap_s = max_gap_s
        self.max_extrapolate_s = max_extrapolate_s
        self.heading_distance_m = heading_distance_m
        self._fixes: list[Fix] = []
        self._ts: list[float] = []
        self._dist: list[float] = []  # metres along the track up to each fix
        self.extend(fixes)

    # -- building -------------------------------------------------------------------------------------------------
    def append(self, fix: Fix) -> None:
        """Add one fix (live use). Fixes without a position fix (mode < 2) are ignored; a fix at a time already
        held replaces it; an out-of-order fix is inserted in place (rare, rebuilds the distances)."""
        if fix.mode < 2 or not (math.isfinite(fix.latitude) and math.isfinite(fix.longitude)):
            return
        if not self._fixes or fix.t > self._ts[-1]:
            step = 0.0
            if self._fixes:
                last = self._fixes[-1]
                step = math.hypot(*local_offset_m(last.latitude, last.longitude, fix.latitude, fix.longitude))
            self._fixes.append(fix)
            self._ts.append(fix.t)
            self._dist.append((self._dist[-1] if self._dist else 0.0) + step)
            return
        i = bisect_left(self._ts, fix.t)
        if i < len(self._ts) and self._ts[i] == fix.t:
            self._fixes[i] = fix
        else:
            self._fixes.insert(i, fix)
            self._ts.insert(i, fix.t)
        self._rebuild_distances()

    def extend(self, fixes: Iterable[Fix]) -> None:
        """Add many fixes at once (a whole file): one sort and one pass, later duplicates of a time win."""
        fresh = [f for f in fixes if f.mode >= 2 and math.isfinite(f.latitude) and math.isfinite(f.longitude)]
        if not fresh:
            return
        by_t = {f.t: f for f in self._fixes}
        by_t.update((f.t, f) for f in fresh)
        self._fixes = [by_t[t] for t in sorted(by_t)]
        self._ts = [f.t for f in self._fixes]
        self._rebuild_distances()

    def _rebuild_distances(self) -> None:
        self._dist = [0.0] if self._fixes else []
        for a, b in zip(self._fixes, self._fixes[1:]):
            step = math.hypot(*local_offset_m(a.latitude, a.longitude, b.latitude, b.longitude))
            self._dist.append(self._dist[-1] + step)

    # -- reading --------------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._fixes)

    @property
    def fixes(self) -> list[Fix]:
        return list(self._fixes)

    @property
    def start(self) -> float | None:
        return self._ts[0] if self._ts else None

    @property
    def end(self) -> float | None:
        return self._ts[-1] if self._ts else None

    def position_at(self, t: float) -> Position | None:
        """Where the walker was at ``t``; None without a usable fix near ``t`` (dropout or outside the track)."""
        n = len(self._fixes)
        if n == 0:
            return None
        i = bisect_right(self._ts, t)
        if i == 0:
            return self._extrapolate(0, t)
        if t == self._ts[i - 1]:
            return self._at_fix(i - 1)
        if i == n:
            return self._extrapolate(n - 1, t)
        a, b = self._fixes[i - 1], self._fixes[i]
        if b.t - a.t > self.max_gap_s:
            return None
        frac = (t - a.t) / (b.t - a.t)
        lat = a.latitude + (b.latitude - a.latitude) * frac
        lon = a.longitude + (b.longitude - a.longitude) * frac
        dist = self._dist[i - 1] + (self._dist[i] - self._dist[i - 1]) * frac
        near = a if frac < 0.5 else b
        utc = None
        if a.utc is not None and b.utc is not None:
            utc = a.utc + (b.utc - a.utc) * frac
        return Position(
            latitude=lat,
            longitude=lon,
            heading=self._heading(lat, lon, dist, near),
            eph=_lerp(a.eph, b.eph, frac),
            utc=utc,
        )

    def _at_fix(self, k: int) -> Position:
        f = self._fixes[k]
        return Position(f.latitude, f.longitude, self._heading(f.latitude, f.longitude, self._dist[k], f), f.eph, f.utc)

    def _extrapolate(self, k: int, t: float) -> Position | None:
        """Beyond the track by at most ``max_extrapolate_s``: dead-reckon from fix ``k`` with its course and speed
        (or the last segment's velocity), else hold its position."""
        f = self._fixes[k]
        dt = t - f.t
        if abs(dt) > self.max_extrapolate_s:
            return None
        lat, lon = f.latitude, f.longitude
        velocity = self._velocity(k)
        if velocity is not None:
            lat, lon = move(lat, lon, velocity[0] * dt, velocity[1] * dt)
        utc = None if f.utc is None else f.utc + timedelta(seconds=dt)
        return Position(lat, lon, self._heading(f.latitude, f.longitude, self._dist[k], f), f.eph, utc)

    def _velocity(self, k: int) -> tuple[float, float] | None:
        f = self._fixes[k]
        if f.course is not None and f.speed is not None and math.isfinite(f.course) and math.isfinite(f.speed):
            rad = math.radians(f.course)
            return f.speed * math.sin(rad), f.speed * math.cos(rad)
        j = k - 1 if k > 0 else k + 1
        if j >= len(self._fixes):
            return None
        a, b = (self._fixes[j], f) if j < k else (f, self._fixes[j])
        if b.t - a.t <= 0 or b.t - a.t > self.max_gap_s:
            return None
        east, north = local_offset_m(a.latitude, a.longitude, b.latitude, b.longitude)
        return east / (b.t - a.t), north / (b.t - a.t)

    def _heading(self, lat: float, lon: float, dist: float, near: Fix) -> float | None:
        """Bearing from the point ``heading_distance_m`` back along the track to here; the receiver's course when the
        walker has not moved far enough in a straight-ish line (standing still, jitter); None when neither."""
        back = dist - self.heading_distance_m
        j = bisect_right(self._dist, back)  # first fix beyond the back point
        if j == 0:
            blat, blon = self._fixes[0].latitude, self._fixes[0].longitude
        else:
            p, q = self._fixes[j - 1], self._fixes[min(j, len(self._fixes) - 1)]
            seg = self._dist[min(j, len(self._dist) - 1)] - self._dist[j - 1]
            frac = (back - self._dist[j - 1]) / seg if seg > 0 else 0.0
            blat = p.latitude + (q.latitude - p.latitude) * frac
            blon = p.longitude + (q.longitude - p.longitude) * frac
        east, north = local_offset_m(blat, blon, lat, lon)
        if math.hypot(east, north) >= self.heading_distance_m / 2.0:
            return bearing_deg(east, north)
        if near.course is not None and near.speed is not None and near.speed > MOVING_SPEED_MPS:
            return near.course % 360.0
        return None
