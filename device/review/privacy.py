"""Walker privacy: points inside a privacy zone (a circle around home) never leave the review app."""

from __future__ import annotations

from collections.abc import Sequence

from ..geodesy import distance_m
from ..types import Fix
from .settings import PrivacyZone


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
