"""The walker's path through the synthetic street and the GPS track it would log (pure Python, no Blender).

Local frame: metres east (x) and north (y) of the scene origin, z up. The GPS error is a first-order Gauss-Markov
process per axis (correlated over ``tau_s``), with occasional dropouts of a few seconds.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sousveillance.device.geodesy import move
from sousveillance.device.types import Fix

ORIGIN = (43.2951, 5.3740)  # Marseille, Vieux-Port
WALK_SPEED = 1.4  # m/s


@dataclass(frozen=True, slots=True)
class Pose:
    """Where the walker's camera is at one instant: position (m), heading (deg from north), time (s from start)."""

    t: float
    x: float
    y: float
    z: float
    heading: float


@dataclass(frozen=True, slots=True)
class Path:
    """A polyline walked at constant speed."""

    points: tuple[tuple[float, float], ...]

    @property
    def length(self) -> float:
        return sum(math.dist(a, b) for a, b in zip(self.points, self.points[1:], strict=False))

    def at(self, s: float) -> tuple[float, float]:
        """The point ``s`` metres along the path (clamped to its ends)."""
        s = max(0.0, s)
        for a, b in zip(self.points, self.points[1:], strict=False):
            seg = math.dist(a, b)
            if s <= seg:
                f = s / seg if seg else 0.0
                return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
            s -= seg
        return self.points[-1]


def poses(path: Path, duration: float, fps: float, eye: float = 1.3, lookahead: float = 3.0,
          sway_deg: float = 1.5, seed: int = 0) -> list[Pose]:
    """One pose per frame: walking at 1.4 m/s, looking at the point ``lookahead`` m ahead (smooth corners), with a
    little body sway and step bounce."""
    rng = random.Random(seed)
    phase = rng.uniform(0, 2 * math.pi)
    out = []
    n = int(round(duration * fps))
    for k in range(n):
        t = k / fps
        s = WALK_SPEED * t
        x, y = path.at(s)
        ax, ay = path.at(s + lookahead)
        bx, by = path.at(s - lookahead * 0.3)
        heading = math.degrees(math.atan2(ax - bx, ay - by)) % 360
        heading += sway_deg * math.sin(2 * math.pi * 0.9 * t + phase)
        z = eye + 0.015 * math.sin(2 * math.pi * 1.8 * t + phase)
        out.append(Pose(t, x, y, z, heading % 360))
    return out


def to_latlon(x: float, y: float) -> tuple[float, float]:
    return move(ORIGIN[0], ORIGIN[1], x, y)


def gps_fixes(path: Path, duration: float, start: datetime, seed: int, sigma_m: float = 3.0, tau_s: float = 20.0,
              rate_hz: float = 1.0, dropout_rate: float = 1 / 25, altitude: float = 4.0) -> list[Fix]:
    """The GPS log of the walk: true position + Gauss-Markov error, 1 Hz, ``t`` = POSIX seconds, dropouts."""
    rng = random.Random(seed * 7 + 3)
    phi = math.exp(-1.0 / (tau_s * rate_hz))
    q = sigma_m * math.sqrt(1 - phi * phi)
    ex, ey = rng.gauss(0, sigma_m), rng.gauss(0, sigma_m)
    fixes, gap = [], 0
    for k in range(int(duration * rate_hz) + 1):
        t = k / rate_hz
        ex, ey = phi * ex + rng.gauss(0, q), phi * ey + rng.gauss(0, q)
        if gap > 0:
            gap -= 1
            continue
        if k > 3 and rng.random() < dropout_rate / rate_hz:
            gap = rng.randint(2, 5) - 1  # this and the next few epochs are lost (under a balcony, in a narrow street)
            continue
        x, y = path.at(WALK_SPEED * t)
        x2, y2 = path.at(WALK_SPEED * t + 1.0)
        course = (math.degrees(math.atan2(x2 - x, y2 - y)) + rng.gauss(0, 4)) % 360
        lat, lon = to_latlon(x + ex, y + ey)
        utc = start + timedelta(seconds=t)
        fixes.append(Fix(t=utc.timestamp(), utc=utc, latitude=lat, longitude=lon,
                         altitude=altitude + rng.gauss(0, 2), course=course,
                         speed=max(0.0, WALK_SPEED + rng.gauss(0, 0.15)), eph=round(sigma_m * rng.uniform(0.9, 1.6), 2),
                         mode=3))
    return fixes


def parse_utc(text: str) -> datetime:
    """An ISO time; naive times are taken as UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not an ISO date-time: {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)
