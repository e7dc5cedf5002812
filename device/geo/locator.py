"""First camera positions from one track's sightings (the seam for triangulation).

``RangeLocator`` places the camera at the walker's position at the best sighting, projected along the bearing to
the box at a range guessed from the box size and a typical physical size per class. A better locator (multi-view
triangulation) implements the same ``Locator`` protocol.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from ..types import Located, Sighting
from .lens import CameraProfile, PROFILES

EARTH_RADIUS_M = 6_371_008.8

# Typical visible width in metres of each class, seen from the street (for the range guess).
TYPICAL_WIDTH_M = {"dome": 0.16, "fixed": 0.28, "ptz": 0.24, "pole": 0.16}
MIN_RANGE_M, MAX_RANGE_M = 2.0, 60.0


class Locator(Protocol):
    def locate(self, sightings: Sequence[Sighting], class_name: str) -> Located | None: ...


def offset(lat: float, lon: float, bearing_deg: float, distance_m: float) -> tuple[float, float]:
    """Point ``distance_m`` from (lat, lon) along a bearing (spherical; exact enough below a few km)."""
    d = distance_m / EARTH_RADIUS_M
    b = math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0


def range_guess(box_width_px: float, frame_width: int, class_name: str, profile: CameraProfile) -> float:
    width_m = TYPICAL_WIDTH_M.get(class_name, 0.2)
    rng = width_m * profile.focal_px(frame_width) / max(box_width_px, 1.0)
    return min(max(rng, MIN_RANGE_M), MAX_RANGE_M)


def sighting_quality(s: Sighting) -> float:
    """Frigate-like score: confidence times box area, halved when the box touches the frame edge."""
    d = s.detection
    area = max(d.width, 0.0) * max(d.height, 0.0)
    margin = 2.0
    touches = d.x1 <= margin or d.y1 <= margin or d.x2 >= s.frame_width - margin or d.y2 >= s.frame_height - margin
    return d.confidence * math.sqrt(area) * (0.5 if touches else 1.0)


class RangeLocator:
    """Walker position at the best sighting + bearing + size-based range, with an uncertainty in metres."""

    def __init__(self, profile: CameraProfile | None = None, relative_range_error: float = 0.5):
        self.profile = profile or PROFILES["pi3"]
        self.relative_range_error = relative_range_error

    def locate(self, sightings: Sequence[Sighting], class_name: str) -> Located | None:
        placed = [s for s in sightings if s.position is not None]
        if not placed:
            return None
        best = max(placed, key=sighting_quality)
        pos = best.position
        gps_err = pos.eph if pos.eph is not None else 5.0
        if best.bearing is None:
            return Located(pos.latitude, pos.longitude, uncertainty_m=gps_err + 15.0, method="walker")
        rng = range_guess(best.detection.width, best.frame_width, class_name, self.profile)
        lat, lon = offset(pos.latitude, pos.longitude, best.bearing, rng)
        uncertainty = math.hypot(gps_err, self.relative_range_error * rng)
        return Located(lat, lon, uncertainty_m=uncertainty, method="range")
