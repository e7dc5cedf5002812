"""Walker privacy: points inside a privacy zone (a circle around home) never leave the review app."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from .settings import PrivacyZone

EARTH_RADIUS_M = 6_371_008.8
Row = TypeVar("Row", bound=Mapping[str, Any])


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


def visible(rows: Iterable[Row], zones: Sequence[PrivacyZone]) -> list[Row]:
    """The rows (with ``latitude``/``longitude``) outside every zone."""
    return [r for r in rows if not hidden(r.get("latitude"), r.get("longitude"), zones)]


def track_length_m(rows: Sequence[Mapping[str, Any]]) -> float:
    """Length of a track of fixes in metres (ignores rows without a position)."""
    total, last = 0.0, None
    for r in rows:
        if r.get("latitude") is None or r.get("longitude") is None:
            continue
        if last is not None:
            total += distance_m(last[0], last[1], r["latitude"], r["longitude"])
        last = (r["latitude"], r["longitude"])
    return total
