"""The end-of-walk placement as a pure function: fixes, sightings and camera rows in, column values and merges out.

``place_walk`` re-places every camera row of a walk from its stored sightings (re-headed from the whole track),
proposes facing and mount, and finds the rows that are one physical camera (``dedupe.find_merges``); the caller
writes the result (``finalize.finalize_walk`` through the store). ``group_values`` recomputes one kept row and its
members (a reviewer's split uses it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..store.rows import CameraRow, SightingRow
from ..types import Fix
from .dedupe import Merge, find_merges
from .lens import CameraProfile
from .settings import GeoSettings
from .walk import WalkGeometry


@dataclass(slots=True)
class WalkPlacement:
    placed: bool  # False when the walk has no GPS position at all: nothing was placed
    cameras: dict[int, dict[str, Any]] = field(default_factory=dict)  # new column values per camera row
    merges: list[Merge] = field(default_factory=list)
    poles: dict[int, dict[str, Any]] = field(default_factory=dict)  # column values per pole track id


def own_class(geometry: WalkGeometry, camera_ids: Sequence[int], fallback: str) -> str:
    """The type most of the group's detections had (a row's own type when the group is one row)."""
    votes: Counter[str] = Counter(s.detection.class_name for c in camera_ids for s in geometry.by_camera.get(c, []))
    return votes.most_common(1)[0][0] if votes else fallback


def group_values(geometry: WalkGeometry, kept: CameraRow, member_ids: Sequence[int]) -> dict[str, Any]:
    """The columns of a kept camera row recomputed from itself and the rows merged into it."""
    ids = [kept.id, *member_ids]
    return geometry.group_values(kept, list(member_ids), own_class(geometry, ids, kept.camera_type))


def place_walk(
    fixes: Sequence[Fix],
    sightings: Sequence[SightingRow],
    cameras: Sequence[CameraRow],
    profile: CameraProfile,
    params: GeoSettings | None = None,
    *,
    blocked: Iterable[frozenset[int]] = (),
) -> WalkPlacement:
    """Place a walk's camera rows and poles; merge the rows of one camera unless a reviewer split them (``blocked``)."""
    params = params or GeoSettings()
    geometry = WalkGeometry(fixes, sightings, profile, params)
    if geometry.frame is None:
        return WalkPlacement(placed=False)
    out = WalkPlacement(placed=True)
    current = []
    for camera in cameras:
        values = group_values(geometry, camera, [])
        out.cameras[camera.id] = values
        current.append(replace(camera, **values))
    if params.dedupe:
        estimates = [geometry.estimate(c) for c in current if c.review_state == "pending" and c.merged_into is None]
        out.merges = find_merges([e for e in estimates if e is not None], blocked=blocked)
    groups: dict[int, list[int]] = {}
    for m in out.merges:
        groups.setdefault(m.kept_camera_id, []).append(m.merged_camera_id)
    by_id = {c.id: c for c in current}
    for kept_id, members in groups.items():
        out.cameras[kept_id] = {**out.cameras[kept_id], **group_values(geometry, by_id[kept_id], members)}
    for track_id, pole_sightings in geometry.poles.items():
        located = geometry.locator.solve(pole_sightings, "pole", geometry.frame).located
        out.poles[track_id] = {
            "sightings_count": len(pole_sightings),
            "confidence": max(s.detection.confidence for s in pole_sightings),
            "latitude": located.latitude if located else None,
            "longitude": located.longitude if located else None,
            "uncertainty_m": located.uncertainty_m if located else None,
        }
    return out
