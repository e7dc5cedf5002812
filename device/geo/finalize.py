"""The end-of-walk pass (``finalize_walk``) and the reviewer's undo of a merge (``unmerge``), through the store.

The geometry is pure (``placement.place_walk``); this module reads what it needs (``Store.walk_geometry``),
takes the lens from the walk's own settings (``capture.profile``, what it was recorded with) and the parameters
from the ``[geo]`` config section, and writes the result in one transaction. A merge only sets
``cameras.merged_into`` on the hidden row and records the pair in ``camera_merges``; undoing it marks it undone
(that pair is never merged again) and re-places both rows.
"""

from __future__ import annotations

import logging

from ..store import NewMerge, Store
from ..store.rows import CameraRow
from .lens import walk_profile
from .placement import group_values, place_walk
from .settings import GeoSettings
from .walk import FinalizeReport, WalkGeometry

log = logging.getLogger(__name__)


def finalize_walk(store: Store, walk_id: int, params: GeoSettings | None = None) -> FinalizeReport:
    """Re-place every camera of a walk from its stored sightings, merge duplicates, propose facing and mount.

    Safe to run again: automatic merges are recomputed, merges a reviewer undid stay undone.
    """
    if store.walk(walk_id) is None:
        raise ValueError(f"no walk {walk_id} in {store.path}")
    report = FinalizeReport(walk_id)
    with store.batch():
        store.clear_automatic_merges(walk_id)
        record = store.walk_geometry(walk_id)
        if record is None:
            raise ValueError(f"no walk {walk_id} in {store.path}")
        placement = place_walk(
            record.fixes,
            record.sightings,
            record.cameras,
            walk_profile(record.walk.settings),
            params,
            blocked=record.blocked,
        )
        report.tracks = len(record.cameras)
        if not placement.placed:
            log.warning("walk %s has no GPS position at all: cameras left unplaced", walk_id)
            report.cameras = report.tracks
            return report
        for camera_id, values in placement.cameras.items():
            store.update_camera(camera_id, values)
        store.record_merges(
            walk_id,
            [NewMerge(m.kept_camera_id, m.merged_camera_id, m.reason, m.distance_m, m.score) for m in placement.merges],
        )
        for track_id, values in placement.poles.items():
            store.place_pole(walk_id, track_id, values)
        report.methods = store.position_methods(walk_id)
    report.merged = len(placement.merges)
    report.cameras = report.tracks - report.merged
    log.info(
        "walk %s: %d tracks -> %d cameras (%d merged), %s",
        walk_id,
        report.tracks,
        report.cameras,
        report.merged,
        report.methods,
    )
    return report


def unmerge(store: Store, camera_id: int, params: GeoSettings | None = None) -> list[int]:
    """Undo the merge of a camera row (or, for a kept row, every merge into it); returns the rows made visible.

    Both rows get their own positions back (placed with the walk's own lens); the undone pair is never merged
    again by ``finalize_walk``.
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
        record = store.walk_geometry(row.walk_id)
        if record is None:
            raise ValueError(f"no walk {row.walk_id} in {store.path}")
        geometry = WalkGeometry(record.fixes, record.sightings, walk_profile(record.walk.settings), params)
        for kept_id in {p.kept_camera_id for p in pairs}:
            members = [m.merged_camera_id for m in store.active_merges(kept_id, as_kept=True)]
            store.update_camera(kept_id, group_values(geometry, _camera(store, kept_id), members))
        for cid in freed:
            store.update_camera(cid, group_values(geometry, _camera(store, cid), []))
    log.info("unmerged camera(s) %s", freed)
    return freed


def _camera(store: Store, camera_id: int) -> CameraRow:
    row = store.camera(camera_id)
    if row is None:
        raise ValueError(f"no camera {camera_id} in {store.path}")
    return row
