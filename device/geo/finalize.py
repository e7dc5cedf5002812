"""The end-of-walk pass (``finalize_walk``) and the reviewer's undo of a merge (``unmerge``).

See ``walk.py`` for how a merge is stored: sightings stay on their own camera row, the hidden row points at the
kept row through ``cameras.merged_into`` and the pair is recorded in ``camera_merges``.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from .dedupe import find_merges
from .lens import CameraProfile
from .walk import FinalizeReport, WalkGeometry, _now

log = logging.getLogger(__name__)


def own_class(geometry: WalkGeometry, camera_ids: list[int], fallback: str) -> str:
    """The type most of the group's detections had (a row's own type when the group is one row)."""
    votes: Counter[str] = Counter(s.detection.class_name for c in camera_ids for s in geometry.by_camera.get(c, []))
    return votes.most_common(1)[0][0] if votes else fallback


def finalize_walk(store, walk_id: int, profile: CameraProfile | None = None, *, reheading: bool = True, dedupe: bool = True) -> FinalizeReport:
    """Re-place every camera of a walk from its stored sightings, merge duplicates, propose facing and mount.

    Safe to run again: automatic merges are recomputed, merges a reviewer undid stay undone.
    """
    if store.db["walks"].count_where("id = ?", [walk_id]) == 0:
        raise ValueError(f"no walk {walk_id} in {store.path}")
    geometry = WalkGeometry(store, walk_id, profile, reheading=reheading)
    report = FinalizeReport(walk_id)
    db = store.db
    with store.batch():
        for m in db.query("SELECT merged_camera_id FROM camera_merges WHERE walk_id = ? AND undone_at IS NULL", [walk_id]):
            db["cameras"].update(m["merged_camera_id"], {"merged_into": None})
        db.execute("DELETE FROM camera_merges WHERE walk_id = ? AND undone_at IS NULL", [walk_id])
        blocked = {
            frozenset((r["kept_camera_id"], r["merged_camera_id"]))
            for r in db.query("SELECT kept_camera_id, merged_camera_id FROM camera_merges WHERE walk_id = ?", [walk_id])
        }
        cameras = list(db.query("SELECT * FROM cameras WHERE walk_id = ? ORDER BY id", [walk_id]))
        if geometry.frame is None:
            log.warning("walk %s has no GPS position at all: cameras left unplaced", walk_id)
            report.tracks = report.cameras = len(cameras)
            return report
        for camera in cameras:
            camera.update(geometry.update_group(camera, [], own_class(geometry, [camera["id"]], camera["camera_type"])))
        report.tracks = len(cameras)
        merges = []
        if dedupe:
            estimates = [
                geometry.estimate(c) for c in cameras if c["review_state"] == "pending" and c["merged_into"] is None
            ]
            merges = find_merges([e for e in estimates if e is not None], blocked=blocked)
        groups: dict[int, list[int]] = {}
        for m in merges:
            groups.setdefault(m.kept_camera_id, []).append(m.merged_camera_id)
        by_id = {c["id"]: c for c in cameras}
        for kept_id, members in groups.items():
            ids = [kept_id, *members]
            geometry.update_group(by_id[kept_id], members, own_class(geometry, ids, by_id[kept_id]["camera_type"]))
        now = _now()
        for m in merges:
            db["cameras"].update(m.merged_camera_id, {"merged_into": m.kept_camera_id, "updated_at": now})
            db["camera_merges"].insert({
                "walk_id": walk_id, "kept_camera_id": m.kept_camera_id, "merged_camera_id": m.merged_camera_id,
                "reason": m.reason, "distance_m": m.distance_m, "score": m.score, "created_at": now,
            })
        _place_poles(geometry, walk_id)
        visible = db.query("SELECT position_method, count(*) AS n FROM cameras WHERE walk_id = ? AND merged_into IS NULL "
                           "GROUP BY position_method", [walk_id])
        report.methods = {r["position_method"] or "none": r["n"] for r in visible}
    report.merged = len(merges)
    report.cameras = report.tracks - report.merged
    log.info("walk %s: %d tracks -> %d cameras (%d merged), %s", walk_id, report.tracks, report.cameras, report.merged, report.methods)
    return report


def _place_poles(geometry: WalkGeometry, walk_id: int) -> None:
    table = geometry.store.db["poles"]
    for track_id, sightings in geometry.poles.items():
        located = geometry.locator.solve(sightings, "pole", geometry.frame).located
        values: dict[str, Any] = {
            "walk_id": walk_id, "track_id": track_id, "sightings_count": len(sightings),
            "confidence": max(s.detection.confidence for s in sightings),
            "latitude": located.latitude if located else None, "longitude": located.longitude if located else None,
            "uncertainty_m": located.uncertainty_m if located else None,
        }
        row = next(table.rows_where("walk_id = ? AND track_id = ?", [walk_id, track_id]), None)
        if row:
            table.update(row["id"], values)
        else:
            table.insert(values)


def group_sightings(store, camera_id: int) -> list[dict[str, Any]]:
    """A camera's sightings including those of the camera rows merged into it, in time order."""
    return list(store.db.query(
        "SELECT * FROM sightings WHERE camera_id = ? OR camera_id IN "
        "(SELECT id FROM cameras WHERE merged_into = ?) ORDER BY t, id", [camera_id, camera_id]))


def unmerge(store, camera_id: int, profile: CameraProfile | None = None) -> list[int]:
    """Undo the merge of a camera row (or, for a kept row, every merge into it); returns the rows made visible.

    Both rows get their own positions back; the undone pair is never merged again by ``finalize_walk``.
    """
    db = store.db
    row = next(db["cameras"].rows_where("id = ?", [camera_id]), None)
    if row is None:
        raise ValueError(f"no camera {camera_id}")
    column = "merged_camera_id" if row["merged_into"] is not None else "kept_camera_id"
    pairs = list(db.query(f"SELECT * FROM camera_merges WHERE {column} = ? AND undone_at IS NULL", [camera_id]))
    if not pairs:
        raise ValueError(f"camera {camera_id} is not part of a merge")
    geometry = WalkGeometry(store, row["walk_id"], profile)
    now = _now()
    freed = [p["merged_camera_id"] for p in pairs]
    with store.batch():
        for p in pairs:
            db["camera_merges"].update(p["id"], {"undone_at": now})
            db["cameras"].update(p["merged_camera_id"], {"merged_into": None, "updated_at": now})
        for kept_id in {p["kept_camera_id"] for p in pairs}:
            members = [r["merged_camera_id"] for r in db.query(
                "SELECT merged_camera_id FROM camera_merges WHERE kept_camera_id = ? AND undone_at IS NULL", [kept_id])]
            kept = db["cameras"].get(kept_id)
            geometry.update_group(kept, members, own_class(geometry, [kept_id, *members], kept["camera_type"]))
        for cid in freed:
            cam = db["cameras"].get(cid)
            geometry.update_group(cam, [], own_class(geometry, [cid], cam["camera_type"]))
    log.info("unmerged camera(s) %s", freed)
    return freed
