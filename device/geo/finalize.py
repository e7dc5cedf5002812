"""The end-of-walk pass (``finalize_walk``) and the reviewer's undo of a merge (``unmerge``).

See ``walk.py`` for how a merge is stored: sightings stay on their own camera row, the hidden row points at the
kept row through ``cameras.merged_into`` and the pair is recorded in ``camera_merges``. Reads and writes go
through the store (``Store.walk_geometry``, ``record_merges``, ``update_camera``...); the geometry itself is pure.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from typing import Any

from ..store import NewMerge, SightingRow
from .dedupe import find_merges
from .lens import CameraProfile
from .walk import FinalizeReport, WalkGeometry

log = logging.getLogger(__name__)


def own_class(geometry: WalkGeometry, camera_ids: list[int], fallback: str) -> str:
    """The type most of the group's detections had (a row's own type when the group is one row)."""
    votes: Counter[str] = Counter(s.detection.class_name for c in camera_ids for s in geometry.by_camera.get(c, []))
    return votes.most_common(1)[0][0] if votes else fallback


def finalize_walk(store, walk_id: int, profile: CameraProfile | None = None, *, reheading: bool = True, dedupe: bool = True) -> FinalizeReport:
    """Re-place every camera of a walk from its stored sightings, merge duplicates, propose facing and mount.

    Safe to run again: automatic merges are recomputed, merges a reviewer undid stay undone.
    """
    if store.walk(walk_id) is None:
        raise ValueError(f"no walk {walk_id} in {store.path}")
    report = FinalizeReport(walk_id)
    with store.batch():
        store.clear_automatic_merges(walk_id)
        record = store.walk_geometry(walk_id)
        geometry = WalkGeometry(record, profile, reheading=reheading)
        cameras = record.cameras
        if geometry.frame is None:
            log.warning("walk %s has no GPS position at all: cameras left unplaced", walk_id)
            report.tracks = report.cameras = len(cameras)
            return report
        for i, camera in enumerate(cameras):
            values = geometry.group_values(camera, [], own_class(geometry, [camera.id], camera.camera_type))
            store.update_camera(camera.id, values)
            cameras[i] = replace(camera, **values)
        report.tracks = len(cameras)
        merges = []
        if dedupe:
            estimates = [geometry.estimate(c) for c in cameras if c.review_state == "pending" and c.merged_into is None]
            merges = find_merges([e for e in estimates if e is not None], blocked=record.blocked)
        groups: dict[int, list[int]] = {}
        for m in merges:
            groups.setdefault(m.kept_camera_id, []).append(m.merged_camera_id)
        by_id = {c.id: c for c in cameras}
        for kept_id, members in groups.items():
            kept = by_id[kept_id]
            store.update_camera(kept_id, geometry.group_values(kept, members, own_class(geometry, [kept_id, *members], kept.camera_type)))
        store.record_merges(walk_id, [NewMerge(m.kept_camera_id, m.merged_camera_id, m.reason, m.distance_m, m.score) for m in merges])
        _place_poles(store, geometry, walk_id)
        report.methods = store.position_methods(walk_id)
    report.merged = len(merges)
    report.cameras = report.tracks - report.merged
    log.info("walk %s: %d tracks -> %d cameras (%d merged), %s", walk_id, report.tracks, report.cameras, report.merged, report.methods)
    return report


def _place_poles(store, geometry: WalkGeometry, walk_id: int) -> None:
    for track_id, sightings in geometry.poles.items():
        located = geometry.locator.solve(sightings, "pole", geometry.frame).located
        values: dict[str, Any] = {
            "sightings_count": len(sightings), "confidence": max(s.detection.confidence for s in sightings),
            "latitude": located.latitude if located else None, "longitude": located.longitude if located else None,
            "uncertainty_m": located.uncertainty_m if located else None,
        }
        store.place_pole(walk_id, track_id, values)


def group_sightings(store, camera_id: int) -> list[SightingRow]:
    """A camera's sightings including those of the camera rows merged into it, in time order."""
    return store.group_sightings(camera_id)


def unmerge(store, camera_id: int, profile: CameraProfile | None = None) -> list[int]:
    """Undo the merge of a camera row (or, for a kept row, every merge into it); returns the rows made visible.

    Both rows get their own positions back; the undone pair is never merged again by ``finalize_walk``.
    """
    row = store.camera(camera_id)
    if row is None:
        raise ValueError(f"no camera {camera_id}")
    pairs = store.active_merges(camera_id, as_kept=row.merged_into is None)
    if not pairs:
        raise ValueError(f"camera {camera_id} is not part of a merge")
    freed = [p.merged_camera_id for p in pairs]
    with store.batch():
        store.undo_merges(pairs)
        geometry = WalkGeometry(store.walk_geometry(row.walk_id), profile)
        for kept_id in {p.kept_camera_id for p in pairs}:
            members = [m.merged_camera_id for m in store.active_merges(kept_id, as_kept=True)]
            kept = store.camera(kept_id)
            store.update_camera(kept_id, geometry.group_values(kept, members, own_class(geometry, [kept_id, *members], kept.camera_type)))
        for cid in freed:
            cam = store.camera(cid)
            store.update_camera(cid, geometry.group_values(cam, [], own_class(geometry, [cid], cam.camera_type)))
    log.info("unmerged camera(s) %s", freed)
    return freed
