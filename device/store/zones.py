"""Privacy zones: circles (around home, work, a friend's door) whose contents never leave the device.

A zone hides, everywhere but the review page of the device itself:
- every camera placed inside it (unless the walker releases that one camera explicitly, a recorded decision);
- the walker's track inside it (views, GPX, and the walk's distance, which counts only the track outside);
- the times of cameras within ``time_margin_m`` of it (review and edit times are cut to the day), so that a camera
  near home does not tell when its walker was there.

Zones come from the config (``[privacy] zones``, the same for every walk database) and from the review page's map
(stored in the walk database's ``privacy_zones`` table, so every command reading that database applies them). The
store applies both in ``confirmed_cameras()`` (``store/privacy.py``), the one read behind every export and sync.
The zones' settings are in ``store/settings.py``; pure functions only here, no SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..geodesy import distance_m
from ..types import Fix
from .settings import PrivacyZone


def edge_distance_m(zone: PrivacyZone, lat: float, lon: float) -> float:
    """Metres from the zone's edge (negative inside)."""
    return distance_m(lat, lon, zone.latitude, zone.longitude) - zone.radius_m


def inside(lat: float | None, lon: float | None, zones: Iterable[PrivacyZone]) -> bool:
    """True when the point lies inside any zone; a point without a position counts as inside (never shown)."""
    if lat is None or lon is None:
        return True
    return any(edge_distance_m(z, lat, lon) <= 0 for z in zones)


def near(lat: float | None, lon: float | None, zones: Iterable[PrivacyZone], margin_m: float) -> bool:
    """True when the point lies inside a zone or within ``margin_m`` of one's edge."""
    if lat is None or lon is None:
        return True
    return any(edge_distance_m(z, lat, lon) <= margin_m for z in zones)


@dataclass(frozen=True, slots=True)
class Trimmed:
    """A walk's track with the parts inside privacy zones cut out."""

    segments: list[list[Fix]]  # runs of consecutive fixes outside every zone (and without a long gap)
    distance_m: float  # walked outside the zones: steps between consecutive fixes both outside every zone


def trim_track(fixes: Sequence[Fix], zones: Sequence[PrivacyZone], *, max_gap_s: float = 60.0) -> Trimmed:
    """Cut the track at every zone (and at gaps longer than ``max_gap_s``); a segment keeps at least two fixes."""
    segments: list[list[Fix]] = []
    current: list[Fix] = []
    last_t: float | None = None
    last_outside: Fix | None = None
    total = 0.0
    for fix in fixes:
        hidden = inside(fix.latitude, fix.longitude, zones)
        gap = last_t is not None and fix.t - last_t > max_gap_s
        last_t = fix.t
        if hidden or gap:
            if len(current) > 1:
                segments.append(current)
            current = []
        if hidden:
            last_outside = None
            continue
        if last_outside is not None:
            total += distance_m(last_outside.latitude, last_outside.longitude, fix.latitude, fix.longitude)
        last_outside = fix
        current.append(fix)
    if len(current) > 1:
        segments.append(current)
    return Trimmed(segments, total)
