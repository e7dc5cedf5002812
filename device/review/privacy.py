"""Walker privacy: points inside a privacy zone (a circle around home) never leave the review app."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..types import Fix
from .settings import PrivacyZone

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def hidden(lat: float | None, lon: float | None, zones: Sequence[PrivacyZone]) -> bool:
    """True when the point lies inside any zone (points without a position are not shown anyway)."""
    if lat is None or lon is None:
        return True
    return any(distance_m(lat, lon, z.latitude, z.longitude) <= z.radius_m for z in zones)


def track_length_m(points: Sequence[Fix]) -> float:
    """Length of a track of fixes in metres."""
    total, last = 0.0, None
    for p in points:
        if last is not None:
            total += distance_m(last.latitude, last.longitude, p.latitude, p.longitude)
        last = p
    return total
