"""The walker's track: one model of a walk's fixes, used live (each frame) and after the walk (placing cameras).

Live, ``position_at(t)`` interpolates the walker's position and a trailing heading for the frame being processed:
distances and bearings in a local equirectangular frame around each point (exact to millimetres over the few
metres between fixes, cheap enough for every frame), O(log n) by bisection.

After the walk, the same fixes are seen as a path in a ``LocalFrame`` (metres east/north): ``path_position``
bridges dropouts of up to ``max_gap_s`` (with a larger error), ``heading`` is smoothed over metres walked rather
than time (the circular mean of the receiver's Doppler course where the fixes have one, else the chord; centred
after the walk, so it does not lag behind a turn), ``course_near`` and ``turn`` tell corners, and
``lateral_distance`` how far a point is from the path. The parameters come from the config (``gps`` live,
``geo`` after the walk).
"""

from __future__ import annotations

import itertools
import logging
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from ..geodesy import LocalFrame, bearing_deg, bearing_of, local_offset_m, move
from ..types import Fix, Position

log = logging.getLogger(__name__)

MOVING_SPEED_MPS = 0.5  # below this the receiver's course is noise
DROPOUT_S = 3.0  # fixes further apart than this are a dropout: a position bridged across one gets a larger error


@dataclass(frozen=True, slots=True)
class PathPoint:
    """The walker's interpolated position at one time, in the track's local frame."""

    east: float
    north: float
    eph: float | None


@dataclass(frozen=True, slots=True)
class _Path:
    """The fixes as arrays in the local frame (built once per change of the fixes)."""

    t: np.ndarray
    e: np.ndarray
    n: np.ndarray
    eph: np.ndarray
    course: np.ndarray  # NaN where the receiver gave none or the walker stood still
    s: np.ndarray  # metres walked up to each fix


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
        frame: LocalFrame | None = None,
    ) -> None:
        self.max_gap_s = max_gap_s  # no position between fixes further apart than this
        self.max_extrapolate_s = max_extrapolate_s
        self.heading_distance_m = heading_distance_m  # live heading: over the last metres walked
        self._frame = frame  # after the walk: the local frame (default: around the fixes)
        self._path_cache: _Path | None = None
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
            self._path_cache = None
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
        self._path_cache = None
        self._dist = [0.0] if self._fixes else []
        for a, b in itertools.pairwise(self._fixes):
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

    # -- after the walk: the fixes as a path in a local metric frame ------------------------------------------
    @property
    def frame(self) -> LocalFrame | None:
        """The local frame of the path methods: given, else around the fixes; None without fixes."""
        if self._frame is None and self._fixes:
            self._frame = LocalFrame.around([f.latitude for f in self._fixes], [f.longitude for f in self._fixes])
        return self._frame

    def _path(self) -> _Path:
        if self._path_cache is None:
            fixes = self._fixes
            frame = self.frame
            if fixes and frame is not None:
                e, n = frame.to_local([f.latitude for f in fixes], [f.longitude for f in fixes])
            else:
                e = n = np.zeros(0)
            e, n = np.atleast_1d(e).astype(float), np.atleast_1d(n).astype(float)
            moving = [f.course is not None and (f.speed is None or f.speed >= MOVING_SPEED_MPS) for f in fixes]
            step = np.hypot(np.diff(e), np.diff(n)) if len(fixes) > 1 else np.zeros(0)
            self._path_cache = _Path(
                t=np.array(self._ts, dtype=float), e=e, n=n,
                eph=np.array([f.eph if f.eph is not None else np.nan for f in fixes], dtype=float),
                course=np.array([f.course if m else np.nan for f, m in zip(fixes, moving, strict=True)], dtype=float),
                s=np.concatenate([[0.0], np.cumsum(step)]) if fixes else np.zeros(0),
            )
        return self._path_cache

    def path_position(self, t: float) -> PathPoint | None:
        """Linear interpolation between the fixes around ``t`` in the local frame; a gap longer than ``DROPOUT_S``
        (and up to ``max_gap_s``) is bridged with a larger error; None in a longer gap or outside the walk."""
        p = self._path()
        if len(p.t) == 0:
            return None
        i = int(np.searchsorted(p.t, t))
        if i < len(p.t) and p.t[i] == t:
            return PathPoint(float(p.e[i]), float(p.n[i]), _nan_none(p.eph[i]))
        if i == 0 or i == len(p.t):
            j = 0 if i == 0 else len(p.t) - 1
            if abs(p.t[j] - t) > self.max_gap_s / 2:
                return None
            return PathPoint(float(p.e[j]), float(p.n[j]), _nan_none(p.eph[j]))
        t0, t1 = p.t[i - 1], p.t[i]
        if t1 - t0 > self.max_gap_s:
            return None
        a = (t - t0) / (t1 - t0)
        eph = np.nanmax(p.eph[i - 1 : i + 1]) if not np.all(np.isnan(p.eph[i - 1 : i + 1])) else np.nan
        if t1 - t0 > DROPOUT_S:  # bridging a dropout: the walker may not have walked straight
            chord = math.hypot(p.e[i] - p.e[i - 1], p.n[i] - p.n[i - 1])
            eph = (0.0 if np.isnan(eph) else eph) + 0.1 * chord + 0.2 * (t1 - t0)
        return PathPoint(float(p.e[i - 1] + a * (p.e[i] - p.e[i - 1])), float(p.n[i - 1] + a * (p.n[i] - p.n[i - 1])),
                         _nan_none(eph))

    def heading(
        self, t: float, *, span_m: float = 10.0, centered: bool = False, max_window_s: float = 30.0
    ) -> float | None:
        """Direction of travel at ``t`` (degrees from north) over ``span_m`` walked, trailing or ``centered``; None
        when standing still."""
        p = self._path()
        if len(p.t) < 2 or t < p.t[0] - 1.0 or t > p.t[-1] + 1.0:
            return None
        s = float(np.interp(t, p.t, p.s))
        s0, s1 = (s - span_m / 2, s + span_m / 2) if centered else (s - span_m, s)
        s0, s1 = max(s0, 0.0), min(s1, float(p.s[-1]))
        t0, t1 = float(np.interp(s0, p.s, p.t)), float(np.interp(s1, p.s, p.t))
        if s1 - s0 < 0.5 * span_m or t1 - t0 > max_window_s:
            return None
        inside = (p.t >= t0 - 0.5) & (p.t <= t1 + 0.5) & ~np.isnan(p.course)
        if np.count_nonzero(inside) >= 3:
            c = np.radians(p.course[inside])
            return float(np.degrees(np.arctan2(np.sin(c).mean(), np.cos(c).mean())) % 360.0)
        e0, n0 = float(np.interp(s0, p.s, p.e)), float(np.interp(s0, p.s, p.n))
        e1, n1 = float(np.interp(s1, p.s, p.e)), float(np.interp(s1, p.s, p.n))
        if math.hypot(e1 - e0, n1 - n0) < 0.3 * span_m:
            return None
        return float(bearing_of(e1 - e0, n1 - n0))

    def course_near(self, t: float, *, within_s: float = 1.5, agree_deg: float = 15.0) -> float | None:
        """The receiver's own course around ``t``: the mean of the fixes just before and after, when they agree.

        At a corner a window over metres walked mixes the two streets; the Doppler course of the fixes around a
        sighting follows the turn. While the walker is turning (the two courses disagree) there is none.
        """
        p = self._path()
        if len(p.t) < 2:
            return None
        i = int(np.searchsorted(p.t, t))
        pair = [j for j in (i - 1, i) if 0 <= j < len(p.t) and abs(p.t[j] - t) <= within_s]
        courses = [float(p.course[j]) for j in pair if not np.isnan(p.course[j])]
        if len(courses) < 2 or abs((courses[1] - courses[0] + 180.0) % 360.0 - 180.0) > agree_deg:
            return None
        c = np.radians(courses)
        return float(np.degrees(np.arctan2(np.sin(c).mean(), np.cos(c).mean())) % 360.0)

    def turn(self, t: float, *, span_m: float = 8.0) -> float | None:
        """Degrees the walker turned between the ``span_m`` before and after ``t``; None when unknown."""
        p = self._path()
        if len(p.t) < 2:
            return None
        s = float(np.interp(t, p.t, p.s))
        if s - span_m < 0 or s + span_m > float(p.s[-1]):
            return None
        before = self.heading(float(np.interp(s - span_m / 2, p.s, p.t)), span_m=span_m, centered=True)
        after = self.heading(float(np.interp(s + span_m / 2, p.s, p.t)), span_m=span_m, centered=True)
        if before is None or after is None:
            return None
        return abs((after - before + 180.0) % 360.0 - 180.0)

    def lateral_distance(self, east: float, north: float) -> float:
        """Shortest distance in metres from a point of the local frame to the walked path."""
        p = self._path()
        if len(p.t) == 0:
            return math.inf
        if len(p.t) == 1:
            return math.hypot(east - p.e[0], north - p.n[0])
        ax, ay, bx, by = p.e[:-1], p.n[:-1], p.e[1:], p.n[1:]
        dx, dy = bx - ax, by - ay
        ll = np.maximum(dx * dx + dy * dy, 1e-12)
        u = np.clip(((east - ax) * dx + (north - ay) * dy) / ll, 0.0, 1.0)
        return float(np.min(np.hypot(ax + u * dx - east, ay + u * dy - north)))


def _nan_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or np.isnan(x) else float(x)
