"""Reviewer decisions on cameras: validate, apply at once, record (time, reviewer, before/after), undo.

Every decision snapshots the editable columns of each camera it touches before and after, in one transaction, so
undo restores exactly what the reviewer saw. Merging and splitting duplicates use the geolocation engine's
``unmerge`` to split what it merged itself (it re-places both rows); a reviewer's own merge sets ``merged_into``.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..store import Store
from ..store.db import utcnow
from ..types import CAMERA_CLASSES, MOUNTS

log = logging.getLogger(__name__)

# Columns a decision may change, hence snapshot and restore on undo.
EDITABLE = (
    "camera_type", "mount", "direction", "latitude", "longitude", "uncertainty_m", "position_method",
    "has_position", "review_state", "reviewed_at", "reviewer", "surveillance", "merged_into", "notes",
)
ACTIONS = ("confirm", "reject", "reopen", "set", "move", "merge", "split")
SURVEILLANCE = ("public", "outdoor", "indoor")
REVIEWER_UNCERTAINTY_M = 5.0  # a position placed by hand on the map


class DecisionError(ValueError):
    """A decision that cannot be applied: bad input or an unknown camera (one-line message)."""


@dataclass(frozen=True, slots=True)
class Decision:
    id: int
    walk_id: int
    camera_id: int
    action: str
    reviewer: str
    at: str
    before: dict[str, dict[str, Any]]
    after: dict[str, dict[str, Any]]
    undone: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "walk_id": self.walk_id, "camera_id": self.camera_id, "action": self.action,
            "reviewer": self.reviewer, "at": self.at, "before": self.before, "after": self.after,
            "undone": self.undone,
        }


def _row_to_decision(row: Mapping[str, Any]) -> Decision:
    return Decision(
        id=row["id"], walk_id=row["walk_id"], camera_id=row["camera_id"], action=row["action"],
        reviewer=row["reviewer"] or "", at=row["at"], before=json.loads(row["before"]),
        after=json.loads(row["after"]), undone=bool(row["undone"]),
    )


def _camera(store: Store, camera_id: int) -> dict[str, Any]:
    rows = list(store.db.query("SELECT * FROM cameras WHERE id = ?", [camera_id]))
    if not rows:
        raise DecisionError(f"no camera with id {camera_id}")
    return rows[0]


def _snapshot(store: Store, ids: list[int]) -> dict[str, dict[str, Any]]:
    return {str(i): {k: _camera(store, i).get(k) for k in EDITABLE} for i in ids}


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


def _merge(store: Store, camera_id: int, into: int) -> None:
    """A reviewer's merge: the camera row hides behind ``into`` (its sightings stay its own)."""
    store.db["cameras"].update(camera_id, {"merged_into": into, "updated_at": utcnow()})


def _auto_merged(store: Store, member_id: int) -> bool:
    """True when the geolocation engine merged this row (``camera_merges``): its ``unmerge`` must split it."""
    if not store.db["camera_merges"].exists():
        return False
    return bool(store.db.execute(
        "SELECT count(*) FROM camera_merges WHERE merged_camera_id = ? AND undone_at IS NULL", [member_id]
    ).fetchone()[0])


def _geo_unmerge(store: Store, member_id: int) -> None:
    """The geolocation engine's unmerge: both rows get their own positions back, never merged again."""
    from ..geo import unmerge

    try:
        unmerge(store, member_id)
    except ValueError as exc:
        raise DecisionError(str(exc)) from None


def apply(store: Store, camera_id: int, action: str, payload: Mapping[str, Any], reviewer: str) -> Decision:
    """Apply one decision to a camera and record it; raises DecisionError on bad input."""
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
    elif action in ("merge", "split"):
        key = "into" if action == "merge" else "member"
        other = int(_number(payload.get(key), key, 1, 2**62))
        target = _camera(store, other)
        if other == camera_id:
            raise DecisionError("a camera cannot be merged with itself")
        if target["walk_id"] != camera["walk_id"]:
            raise DecisionError("only cameras of the same walk can be merged")
        if action == "merge" and (camera["merged_into"] is not None or target["merged_into"] is not None):
            raise DecisionError("merge only cameras that are not already merged into another")
        if action == "split" and target["merged_into"] != camera_id:
            raise DecisionError(f"camera {other} is not merged into camera {camera_id}")
        touched.append(other)
    def record(db, before: dict, after: dict) -> int:
        table = db["decisions"]
        table.insert({
            "walk_id": camera["walk_id"], "camera_id": camera_id, "action": action,
            "before": json.dumps(before), "after": json.dumps(after), "reviewer": reviewer, "at": now, "undone": 0,
        })
        return int(table.last_pk)

    if action == "split" and _auto_merged(store, other):  # type: ignore[arg-type]
        before = _snapshot(store, touched)
        _geo_unmerge(store, other)  # type: ignore[arg-type]  # runs its own transaction
        after = _snapshot(store, touched)
        with store.batch() as db:
            decision_id = record(db, before, after)
    else:
        with store.batch(), store.db.atomic() as db:
            before = _snapshot(store, touched)
            if action == "merge":
                _merge(store, camera_id, other)  # type: ignore[arg-type]
            elif action == "split":
                db["cameras"].update(other, {"merged_into": None, "updated_at": now})
            else:
                db["cameras"].update(camera_id, {**changes, "updated_at": now})
            after = _snapshot(store, touched)
            decision_id = record(db, before, after)
    log.info("decision %d: %s camera %d", decision_id, action, camera_id)
    return Decision(decision_id, camera["walk_id"], camera_id, action, reviewer, now, before, after)


def undo(store: Store, walk_id: int, decision_id: int | None = None) -> Decision:
    """Undo one decision (default: the walk's latest not yet undone); restores each touched camera's columns."""
    sql = "SELECT * FROM decisions WHERE walk_id = ? AND undone = 0"
    args: list[Any] = [walk_id]
    if decision_id is not None:
        sql += " AND id = ?"
        args.append(decision_id)
    rows = list(store.db.query(sql + " ORDER BY id DESC LIMIT 1", args))
    if not rows:
        raise DecisionError("nothing to undo" if decision_id is None else f"no decision {decision_id} to undo")
    decision = _row_to_decision(rows[0])
    now = utcnow()
    with store.batch(), store.db.atomic() as db:
        for cam_id, values in decision.before.items():
            db["cameras"].update(int(cam_id), {**values, "updated_at": now})
        db["decisions"].update(decision.id, {"undone": 1, "undone_at": now})
    log.info("undid decision %d (%s camera %d)", decision.id, decision.action, decision.camera_id)
    return Decision(**{**decision.as_dict(), "undone": True})


def history(store: Store, walk_id: int, limit: int = 50) -> list[Decision]:
    if not store.db["decisions"].exists():
        return []
    rows = store.db.query("SELECT * FROM decisions WHERE walk_id = ? ORDER BY id DESC LIMIT ?", [walk_id, limit])
    return [_row_to_decision(r) for r in rows]
