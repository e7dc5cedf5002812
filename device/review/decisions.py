"""Reviewer decisions on cameras: validate, apply at once, record (time, reviewer, before/after), undo.

Every decision snapshots the editable columns of each camera it touches before and after, in one transaction, so
undo restores exactly what the reviewer saw. Merging and splitting duplicates use the geolocation engine's
``unmerge`` to split what it merged itself (it re-places both rows); a reviewer's own merge sets ``merged_into``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..geo.settings import GeoSettings
from ..store import CameraRow, Decision, Store
from ..store.db import utcnow
from ..types import CAMERA_CLASSES, MOUNTS

log = logging.getLogger(__name__)

# Columns a decision may change, hence snapshot and restore on undo.
EDITABLE = (
    "camera_type", "mount", "direction", "latitude", "longitude", "uncertainty_m", "position_method",
    "has_position", "review_state", "reviewed_at", "reviewer", "surveillance", "merged_into", "notes",
    "check_date", "osm_node_id", "privacy_released_at",
)
# release: a camera inside a privacy zone may leave the device after all; withhold: it may not (again).
ACTIONS = ("confirm", "reject", "reopen", "set", "move", "merge", "split", "seen-again", "release", "withhold")
BATCH_ACTIONS = ("confirm", "reject")
MAX_BATCH = 500
SURVEILLANCE = ("public", "outdoor", "indoor")
REVIEWER_UNCERTAINTY_M = 5.0  # a position placed by hand on the map


class DecisionError(ValueError):
    """A decision that cannot be applied: bad input or an unknown camera (one-line message)."""


class DecisionQuestion(DecisionError):
    """A decision that needs the reviewer's explicit go-ahead (``force``), e.g. merging a dome into a fixed camera."""


def _camera(store: Store, camera_id: int) -> CameraRow:
    camera = store.camera(camera_id)
    if camera is None:
        raise DecisionError(f"no camera with id {camera_id}")
    return camera


def _snapshot(store: Store, ids: list[int]) -> dict[str, dict[str, Any]]:
    return {str(i): {k: getattr(_camera(store, i), k) for k in EDITABLE} for i in ids}


def _types_differ(camera: CameraRow, target: CameraRow, force: bool) -> None:
    if force or camera.camera_type == target.camera_type:
        return
    raise DecisionQuestion(
        f"camera {camera.id} is a {camera.camera_type} and camera {target.id} is a {target.camera_type}: "
        "merge them only if they are one camera"
    )


def _number(value: Any, name: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise DecisionError(f"{name} must be a number")
    try:
        number = float(value)
    except ValueError:
        raise DecisionError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number) or not lo <= number <= hi:
        raise DecisionError(f"{name} must be between {lo:g} and {hi:g}, got {value!r}")
    return number


def _edits(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Validated optional edits (type, mount, facing, surveillance, notes) from a request body."""
    edits: dict[str, Any] = {}
    if payload.get("camera_type") is not None:
        if payload["camera_type"] not in CAMERA_CLASSES:
            raise DecisionError(f"camera_type must be one of {', '.join(CAMERA_CLASSES)}")
        edits["camera_type"] = payload["camera_type"]
    if payload.get("mount") is not None:
        if payload["mount"] not in MOUNTS:
            raise DecisionError(f"mount must be one of {', '.join(MOUNTS)}")
        edits["mount"] = payload["mount"]
    if "direction" in payload:
        direction = payload["direction"]
        edits["direction"] = None if direction is None else _number(direction, "direction", 0, 360) % 360
    if payload.get("surveillance") is not None:
        if payload["surveillance"] not in SURVEILLANCE:
            raise DecisionError(f"surveillance must be one of {', '.join(SURVEILLANCE)}")
        edits["surveillance"] = payload["surveillance"]
    if payload.get("notes") is not None:
        edits["notes"] = str(payload["notes"])[:2000]
    return edits


def _geo_unmerge(store: Store, member_id: int, geo: GeoSettings | None) -> None:
    """The geolocation engine's unmerge: both rows get their own positions back, never merged again."""
    from ..geo import unmerge

    try:
        unmerge(store, member_id, geo)
    except ValueError as exc:
        raise DecisionError(str(exc)) from None


def apply(store: Store, camera_id: int, action: str, payload: Mapping[str, Any], reviewer: str,
          geo: GeoSettings | None = None) -> Decision:
    """Apply one decision to a camera and record it; raises DecisionError on bad input.

    ``geo``: the end-of-walk placement's parameters (config ``[geo]``), for a split of an automatic merge.
    """
    if action not in ACTIONS:
        raise DecisionError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    camera = _camera(store, camera_id)
    now = utcnow()
    reviewed = {"reviewed_at": now, "reviewer": reviewer}
    touched = [camera_id]
    changes: dict[str, Any] = {}
    other: int | None = None
    if action in ("confirm", "reject", "reopen"):
        changes = {**_edits(payload), **reviewed}
        changes["review_state"] = {"confirm": "confirmed", "reject": "rejected", "reopen": "pending"}[action]
    elif action == "seen-again":  # already in OpenStreetMap and still there: confirm with today's check_date
        node = int(_number(payload.get("osm_node_id"), "osm_node_id", 1, 2**62))
        changes = {**_edits(payload), **reviewed, "review_state": "confirmed", "osm_node_id": node,
                   "check_date": now[:10]}
    elif action == "set":
        changes = _edits(payload)
        if not changes:
            raise DecisionError("nothing to change: give camera_type, mount, direction, surveillance or notes")
        changes.update(reviewed)
    elif action == "move":
        lat = _number(payload.get("latitude"), "latitude", -90, 90)
        lon = _number(payload.get("longitude"), "longitude", -180, 180)
        changes = {"latitude": lat, "longitude": lon, "has_position": 1, "position_method": "reviewer",
                   "uncertainty_m": REVIEWER_UNCERTAINTY_M, **reviewed}
    elif action in ("release", "withhold"):
        state = store.privacy_state(camera)
        if state is None:
            raise DecisionError(f"camera {camera_id} is not inside a privacy zone")
        if (state == "released") == (action == "release"):
            raise DecisionError(f"camera {camera_id} is already {'released' if state == 'released' else 'withheld'}")
        changes = {"privacy_released_at": now if action == "release" else None}
    elif action in ("merge", "split"):
        key = "into" if action == "merge" else "member"
        other = int(_number(payload.get(key), key, 1, 2**62))
        target = _camera(store, other)
        if other == camera_id:
            raise DecisionError("a camera cannot be merged with itself")
        if target.walk_id != camera.walk_id:
            raise DecisionError("only cameras of the same walk can be merged")
        if action == "merge" and (camera.merged_into is not None or target.merged_into is not None):
            raise DecisionError("merge only cameras that are not already merged into another")
        if action == "merge":
            _types_differ(camera, target, bool(payload.get("force")))
        if action == "split" and target.merged_into != camera_id:
            raise DecisionError(f"camera {other} is not merged into camera {camera_id}")
        touched.append(other)

    def record(before: dict, after: dict) -> int:
        return store.record_decision(
            camera.walk_id, camera_id, action, before=before, after=after, reviewer=reviewer, at=now
        )

    if action == "split" and store.active_merges(other, as_kept=False):  # type: ignore[arg-type]
        # the geolocation engine merged this row: its unmerge re-places both rows (and never merges them again)
        before = _snapshot(store, touched)
        _geo_unmerge(store, other, geo)  # type: ignore[arg-type]  # runs its own transaction
        after = _snapshot(store, touched)
        decision_id = record(before, after)
    else:
        with store.batch():
            before = _snapshot(store, touched)
            if action == "merge":  # a reviewer's merge: the camera row hides behind ``other`` (its sightings stay)
                store.update_camera(camera_id, {"merged_into": other, "updated_at": utcnow()})
            elif action == "split":
                store.update_camera(other, {"merged_into": None, "updated_at": now})  # type: ignore[arg-type]
            else:
                store.update_camera(camera_id, {**changes, "updated_at": now})
            after = _snapshot(store, touched)
            decision_id = record(before, after)
    log.info("decision %d: %s camera %d", decision_id, action, camera_id)
    return Decision(decision_id, camera.walk_id, camera_id, action, reviewer, now, before, after)


def apply_batch(store: Store, walk_id: int, action: str, camera_ids: Any, reviewer: str) -> Decision:
    """Confirm (or reject) several pending cameras of one walk as one decision: one undo takes them all back."""
    if action not in BATCH_ACTIONS:
        raise DecisionError(f"a batch can only {' or '.join(BATCH_ACTIONS)}, not {action!r}")
    if not isinstance(camera_ids, list) or not camera_ids:
        raise DecisionError("camera_ids must be a non-empty list of camera ids")
    if len(camera_ids) > MAX_BATCH:
        raise DecisionError(f"at most {MAX_BATCH} cameras in one batch, got {len(camera_ids)}")
    ids = list(dict.fromkeys(int(_number(i, "camera id", 1, 2**62)) for i in camera_ids))
    for camera in (_camera(store, i) for i in ids):
        if camera.walk_id != walk_id:
            raise DecisionError(f"camera {camera.id} is not from walk {walk_id}")
        if camera.review_state != "pending" or camera.merged_into is not None:
            raise DecisionError(f"camera {camera.id} is already {camera.review_state}: batch only pending cameras")
    now = utcnow()
    state = {"confirm": "confirmed", "reject": "rejected"}[action]
    with store.batch():
        before = _snapshot(store, ids)
        for i in ids:
            store.update_camera(i, {"review_state": state, "reviewed_at": now, "reviewer": reviewer, "updated_at": now})
        after = _snapshot(store, ids)
        decision_id = store.record_decision(walk_id, ids[0], f"batch-{action}", before=before, after=after,
                                            reviewer=reviewer, at=now)
    log.info("decision %d: batch %s of %d cameras", decision_id, action, len(ids))
    return Decision(decision_id, walk_id, ids[0], f"batch-{action}", reviewer, now, before, after)


def undo(store: Store, walk_id: int, decision_id: int | None = None) -> Decision:
    """Undo one decision (default: the walk's latest not yet undone); restores each touched camera's columns."""
    decision = store.last_decision(walk_id, decision_id)
    if decision is None:
        raise DecisionError("nothing to undo" if decision_id is None else f"no decision {decision_id} to undo")
    now = utcnow()
    with store.batch():
        for cam_id, values in decision.before.items():
            store.update_camera(int(cam_id), {**values, "updated_at": now})
        store.mark_decision_undone(decision.id, now)
    log.info("undid decision %d (%s camera %d)", decision.id, decision.action, decision.camera_id)
    return replace(decision, undone=True)


def history(store: Store, walk_id: int, limit: int = 50) -> list[Decision]:
    return store.decisions(walk_id, limit)
