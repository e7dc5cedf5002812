"""First camera positions from one track's sightings (the seam for triangulation).

``RangeLocator`` places the camera at the walker's position at the best sighting, projected along the bearing to
the box at a range guessed from the box size and a typical physical size per class. A better locator (multi-view
triangulation) implements the same ``Locator`` protocol.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from ..geodesy import offset
from ..types import Located, Sighting
from .lens import PROFILES, CameraProfile

# Typical visible width in metres of each class, seen from the street (for the range guess).
TYPICAL_WIDTH_M = {"dome": 0.16, "fixed": 0.28, "ptz": 0.24, "pole": 0.15}
# A bullet camera's box width depends on the angle it is seen from (narrow head-on, long from the side), its
# height hardly: for ``fixed`` the range comes from the box height.
TYPICAL_HEIGHT_M = {"fixed": 0.11}
MIN_RANGE_M, MAX_RANGE_M = 2.0, 60.0


class Locator(Protocol):
    def locate(self, sightings: Sequence[Sighting], class_name: str) -> Located | None: ...


def range_guess(
    box_width_px: float,
    frame_width: int,
    class_name: str,
    profile: CameraProfile,
    box_height_px: float | None = None,
    x_center: float | None = None,
) -> float:
    """Horizontal distance in metres at which an object of the class's typical size makes a box this big.

    A pinhole image scales with the depth along the optical axis; an object ``a`` degrees off the axis (column
    ``x_center``) is ``depth / cos(a)`` away.
    """
    if box_height_px is not None and class_name in TYPICAL_HEIGHT_M:
        size_m, size_px = TYPICAL_HEIGHT_M[class_name], box_height_px
    else:
        size_m, size_px = TYPICAL_WIDTH_M.get(class_name, 0.2), box_width_px
    rng = size_m * profile.focal_px(frame_width) / max(size_px, 1.0)
    if x_center is not None:
        rng /= math.cos(math.radians(profile.angle_of(x_center, frame_width)))
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
        assert pos is not None  # one of the placed sightings
        gps_err = pos.eph if pos.eph is not None else 5.0
        if best.bearing is None:
            return Located(pos.latitude, pos.longitude, uncertainty_m=gps_err + 15.0, method="walker")
        d = best.detection
        rng = range_guess(d.width, best.frame_width, class_name, self.profile, d.height, d.center[0])
        lat, lon = offset(pos.latitude, pos.longitude, best.bearing, rng)
        uncertainty = math.hypot(gps_err, self.relative_range_error * rng)
        return Located(lat, lon, uncertainty_m=uncertainty, method="range")
