"""Walker heading from GPS positions, smoothed over distance rather than time.

A walker's GPS course is noise when they stand still and lags at corners. ``TrackLine`` turns a walk's fixes into
a path in the local frame and gives the heading at any time from the fixes within the last (live) or the
surrounding (after the walk, ``centered=True``) few metres walked: the circular mean of the receiver's course
(Doppler-derived, so free of the slowly wandering position error) where the fixes have one, else the direction of
the chord between the window's ends. After the walk the centred window is better: it does not lag behind a turn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..types import Fix
from .local import LocalFrame, bearing_of

MAX_GAP_S = 3.0  # no position between fixes further apart than this (a GPS dropout)
MIN_COURSE_SPEED = 0.5  # m/s; a receiver's course below this is noise


@dataclass(frozen=True, slots=True)
class PathPoint:
    """The walker's interpolated position at one time, in the local frame."""

    east: float
    north: float
    eph: float | None


class TrackLine:
    """A walk's fixes as a path: positions and distance walked against time."""

    def __init__(self, fixes: Sequence[Fix], frame: LocalFrame, *, max_gap_s: float = MAX_GAP_S):
        usable = sorted((f for f in fixes if f.mode >= 2), key=lambda f: f.t)
        self.frame = frame
        self.max_gap_s = max_gap_s
        self.t = np.array([f.t for f in usable], dtype=float)
        e, n = frame.to_local([f.latitude for f in usable], [f.longitude for f in usable])
        self.e = np.atleast_1d(e).astype(float)
        self.n = np.atleast_1d(n).astype(float)
        self.eph = np.array([f.eph if f.eph is not None else np.nan for f in usable], dtype=float)
        moving = [f.course is not None and (f.speed is None or f.speed >= MIN_COURSE_SPEED) for f in usable]
        self.course = np.array([f.course if m else np.nan for f, m in zip(usable, moving)], dtype=float)
        step = np.hypot(np.diff(self.e), np.diff(self.n)) if len(usable) > 1 else np.zeros(0)
        self.s = np.concatenate([[0.0], np.cumsum(step)]) if len(usable) else np.zeros(0)

    def __len__(self) -> int:
        return len(self.t)

    def position(self, t: float) -> PathPoint | None:
        """Linear interpolation between the fixes around ``t``; None in a dropout or outside the walk."""
        if len(self.t) == 0:
            return None
        i = int(np.searchsorted(self.t, t))
        if i < len(self.t) and self.t[i] == t:
            return PathPoint(float(self.e[i]), float(self.n[i]), _nan_none(self.eph[i]))
        if i == 0 or i == len(self.t):
            j = 0 if i == 0 else len(self.t) - 1
            if abs(self.t[j] - t) > self.max_gap_s / 2:
                return None
            return PathPoint(float(self.e[j]), float(self.n[j]), _nan_none(self.eph[j]))
        t0, t1 = self.t[i - 1], self.t[i]
        if t1 - t0 > self.max_gap_s:
            return None
        a = (t - t0) / (t1 - t0)
        eph = np.nanmax(self.eph[i - 1 : i + 1]) if not np.all(np.isnan(self.eph[i - 1 : i + 1])) else np.nan
        if t1 - t0 > MAX_GAP_S:  # bridging a dropout: the walker may not have walked straight
            chord = math.hypot(self.e[i] - self.e[i - 1], self.n[i] - self.n[i - 1])
            eph = (0.0 if np.isnan(eph) else eph) + 0.1 * chord + 0.2 * (t1 - t0)
        return PathPoint(
            float(self.e[i - 1] + a * (self.e[i] - self.e[i - 1])),
            float(self.n[i - 1] + a * (self.n[i] - self.n[i - 1])),
            _nan_none(eph),
        )

    def distance_at(self, t: float) -> float:
        return float(np.interp(t, self.t, self.s))

    def point_at_distance(self, s: float) -> tuple[float, float]:
        return float(np.interp(s, self.s, self.e)), float(np.interp(s, self.s, self.n))

    def heading(self, t: float, *, span_m: float = 10.0, centered: bool = False, max_window_s: float = 30.0) -> float | None:
        """Direction of travel at ``t`` (degrees from north) over ``span_m`` walked; None when standing still."""
        if len(self.t) < 2 or t < self.t[0] - 1.0 or t > self.t[-1] + 1.0:
            return None
        s = self.distance_at(t)
        if centered:
            s0, s1 = s - span_m / 2, s + span_m / 2
        else:
            s0, s1 = s - span_m, s
        s0, s1 = max(s0, 0.0), min(s1, float(self.s[-1]))
        t0, t1 = float(np.interp(s0, self.s, self.t)), float(np.interp(s1, self.s, self.t))
        if s1 - s0 < 0.5 * span_m or t1 - t0 > max_window_s:
            return None
        inside = (self.t >= t0 - 0.5) & (self.t <= t1 + 0.5) & ~np.isnan(self.course)
        if np.count_nonzero(inside) >= 3:
            c = np.radians(self.course[inside])
            return float(np.degrees(np.arctan2(np.sin(c).mean(), np.cos(c).mean())) % 360.0)
        e0, n0 = self.point_at_distance(s0)
        e1, n1 = self.point_at_distance(s1)
        if math.hypot(e1 - e0, n1 - n0) < 0.3 * span_m:
            return None
        return float(bearing_of(e1 - e0, n1 - n0))

    def course_near(self, t: float, *, within_s: float = 1.5, agree_deg: float = 15.0) -> float | None:
        """The receiver's own course around ``t``: the mean of the fixes just before and after, when they agree.

        At a corner a window over metres walked mixes the two streets; the Doppler course of the fixes around a
        sighting follows the turn. While the walker is turning (the two courses disagree) there is none.
        """
        if len(self.t) < 2:
            return None
        i = int(np.searchsorted(self.t, t))
        pair = [j for j in (i - 1, i) if 0 <= j < len(self.t) and abs(self.t[j] - t) <= within_s]
        courses = [float(self.course[j]) for j in pair if not np.isnan(self.course[j])]
        if len(courses) < 2 or abs((courses[1] - courses[0] + 180.0) % 360.0 - 180.0) > agree_deg:
            return None
        c = np.radians(courses)
        return float(np.degrees(np.arctan2(np.sin(c).mean(), np.cos(c).mean())) % 360.0)

    def turn(self, t: float, *, span_m: float = 8.0) -> float | None:
        """Degrees the walker turned between the ``span_m`` before and after ``t``; None when unknown."""
        s = self.distance_at(t)
        if len(self.t) < 2 or s - span_m < 0 or s + span_m > float(self.s[-1]):
            return None
        before = self.heading(float(np.interp(s - span_m / 2, self.s, self.t)), span_m=span_m, centered=True)
        after = self.heading(float(np.interp(s + span_m / 2, self.s, self.t)), span_m=span_m, centered=True)
        if before is None or after is None:
            return None
        return abs((after - before + 180.0) % 360.0 - 180.0)

    def lateral_distance(self, east: float, north: float) -> float:
        """Shortest distance in metres from a point to the walked path."""
        if len(self.t) == 0:
            return math.inf
        if len(self.t) == 1:
            return math.hypot(east - self.e[0], north - self.n[0])
        ax, ay, bx, by = self.e[:-1], self.n[:-1], self.e[1:], self.n[1:]
        dx, dy = bx - ax, by - ay
        ll = np.maximum(dx * dx + dy * dy, 1e-12)
        u = np.clip(((east - ax) * dx + (north - ay) * dy) / ll, 0.0, 1.0)
        return float(np.min(np.hypot(ax + u * dx - east, ay + u * dy - north)))


def _nan_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or np.isnan(x) else float(x)
