"""Merging submissions from several walkers that saw the same physical camera into one map feature.

Pure functions over small dataclasses; the repository decides which submissions belong together with
``same_camera`` and stores what ``aggregate`` computes.

Rules: two submissions are the same camera when they are closer than a gate that grows with their position
uncertainties (between 6 and 25 m), their facing directions (when both are known) differ by at most 60 degrees, and
they have the same type; a different type merges only within half the gate, and the disagreement is kept as a
conflict for an admin (detectors confuse dome and fixed cameras; two cameras on one pole are usually different
types or face different ways).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sousveillance.device.geodesy import EARTH_RADIUS_M, distance_m

from ..wire import survey_date

MIN_GATE_M = 6.0
MAX_GATE_M = 25.0
MAX_DIRECTION_DIFF = 60.0
DIRECTION_CONFLICT = 45.0
MIN_UNCERTAINTY_M = 0.5


@dataclass(slots=True)
class Observation:
    """The merge-relevant part of one submission (or of an existing map feature)."""

    latitude: float
    longitude: float
    uncertainty_m: float
    camera_type: str
    mount: str = "unknown"
    direction: float | None = None
    surveillance: str | None = None
    device_id: int = 0
    sightings: int = 0
    received_at: str = ""
    reviewed_at: str = ""  # when the walker confirmed it (RFC 3339)


@dataclass
class Aggregate:
    latitude: float
    longitude: float
    uncertainty_m: float
    camera_type: str
    mount: str
    direction: float | None
    surveillance: str | None
    contributors: int
    submissions: int
    sightings: int
    conflicts: dict[str, list[Any]] = field(default_factory=dict)  # field -> the disagreeing values
    check_date: str | None = None  # the latest walker's survey date (UTC), OSM's check_date


def gate_m(u1: float, u2: float) -> float:
    return max(MIN_GATE_M, min(MAX_GATE_M, 2.0 * math.hypot(u1, u2)))


def angle_diff(a: float, b: float) -> float:
    d = abs(a - b) % 360.0
    return min(d, 360.0 - d)


def match_score(new: Observation, feature: Observation) -> float | None:
    """Distance in metres when ``new`` is the same camera as ``feature`` (lower is better), else ``None``."""
    gate = gate_m(new.uncertainty_m, feature.uncertainty_m)
    if abs(math.radians(new.latitude - feature.latitude)) * EARTH_RADIUS_M > gate:  # the north-south part alone
        return None
    dist = distance_m(new.latitude, new.longitude, feature.latitude, feature.longitude)
    if dist > gate:
        return None
    if new.direction is not None and feature.direction is not None:
        if angle_diff(new.direction, feature.direction) > MAX_DIRECTION_DIFF:
            return None
    if new.camera_type != feature.camera_type:
        return dist + gate if dist <= gate / 2 else None  # allowed, but a same-type candidate wins
    return dist


def best_match(new: Observation, candidates: Mapping[int, Observation]) -> int | None:
    """Key of the feature ``new`` belongs to, or ``None`` for a new map feature."""
    scored = [(score, key) for key, obs in candidates.items() if (score := match_score(new, obs)) is not None]
    return min(scored)[1] if scored else None


def _majority(values: Sequence[Any]) -> Any:
    """Most frequent value; ties go to the most recent submission (values are given oldest first)."""
    counts = Counter(values)
    top = max(counts.values())
    return next(v for v in reversed(values) if counts[v] == top)


def circular_mean(angles: Sequence[float]) -> float:
    x = sum(math.cos(math.radians(a)) for a in angles)
    y = sum(math.sin(math.radians(a)) for a in angles)
    return math.degrees(math.atan2(y, x)) % 360.0


def aggregate(observations: Sequence[Observation], overrides: Mapping[str, Any] | None = None) -> Aggregate:
    """One map feature from its submissions (oldest first): weighted position, majority attributes, conflicts."""
    if not observations:
        raise ValueError("a map feature needs at least one submission")
    weights = [1.0 / max(o.uncertainty_m, MIN_UNCERTAINTY_M) ** 2 for o in observations]
    total = sum(weights)
    lat = sum(w * o.latitude for w, o in zip(weights, observations, strict=True)) / total
    lon = sum(w * o.longitude for w, o in zip(weights, observations, strict=True)) / total
    conflicts: dict[str, list[Any]] = {}
    types = [o.camera_type for o in observations]
    if len(set(types)) > 1:
        conflicts["camera_type"] = sorted(set(types))
    mounts = [o.mount for o in observations if o.mount and o.mount != "unknown"]
    if len(set(mounts)) > 1:
        conflicts["mount"] = sorted(set(mounts))
    kinds = [o.surveillance for o in observations if o.surveillance]
    if len(set(kinds)) > 1:
        conflicts["surveillance"] = sorted(set(kinds))
    directions = [o.direction for o in observations if o.direction is not None]
    direction = circular_mean(directions) if directions else None
    if direction is not None and any(angle_diff(d, direction) > DIRECTION_CONFLICT for d in directions):
        conflicts["direction"] = sorted(round(d) for d in directions)
    result = Aggregate(
        latitude=round(lat, 7),  # the wire's precision (1 cm): what the exports and the spatial index hold
        longitude=round(lon, 7),
        uncertainty_m=max(MIN_UNCERTAINTY_M, 1.0 / math.sqrt(total))
        if len(observations) > 1
        else observations[0].uncertainty_m,
        camera_type=_majority(types),
        mount=_majority(mounts) if mounts else "unknown",
        direction=None if direction is None else round(direction, 1),
        surveillance=_majority(kinds) if kinds else None,
        contributors=len({o.device_id for o in observations}),
        submissions=len(observations),
        sightings=sum(o.sightings for o in observations),
        conflicts=conflicts,
        check_date=max(filter(None, (survey_date(o.reviewed_at) for o in observations)), default=None),
    )
    for key, value in (overrides or {}).items():  # an admin's resolution wins and settles that conflict
        if hasattr(result, key) and key in ("camera_type", "mount", "direction", "surveillance"):
            setattr(result, key, value)
            result.conflicts.pop(key, None)
    return result
