"""What the end-of-walk geometry reads and writes: a walk's whole record, de-duplication merges and their undo.

A merge only sets ``cameras.merged_into`` on the hidden row and records the pair in ``camera_merges``; sightings
stay on the row of their own track. Undoing a merge marks it undone (that pair is never merged again).
"""

from __future__ import annotations

from collections.abc import Sequence

from .cameras import CameraRecords
from .connection import utcnow
from .rows import MergeRow, NewMerge, WalkRecord
from .walks import WalkRecords


class MergeRecords(WalkRecords, CameraRecords):
    def walk_geometry(self, walk_id: int) -> WalkRecord | None:
        """Everything the geometry needs to place a walk's cameras; None when there is no such walk."""
        walk = self.walk(walk_id)
        if walk is None:
            return None
        blocked = {
            frozenset((r["kept_camera_id"], r["merged_camera_id"]))
            for r in self.db.query(
                "SELECT kept_camera_id, merged_camera_id FROM camera_merges "
                "WHERE walk_id = ? AND undone_at IS NOT NULL",
                [walk_id],
            )
        }
        return WalkRecord(
            walk, self.walk_fixes(walk_id), self.walk_sightings(walk_id), self.walk_cameras(walk_id), blocked
        )

    def clear_automatic_merges(self, walk_id: int) -> None:
        """Forget the merges the last end-of-walk pass made (not those a reviewer undid): they are recomputed."""
        with self.batch() as db:
            for m in db.query(
                "SELECT merged_camera_id FROM camera_merges WHERE walk_id = ? AND undone_at IS NULL", [walk_id]
            ):
                db.table("cameras").update(m["merged_camera_id"], {"merged_into": None})
            db.execute("DELETE FROM camera_merges WHERE walk_id = ? AND undone_at IS NULL", [walk_id])

    def record_merges(self, walk_id: int, merges: Sequence[NewMerge]) -> None:
        now = utcnow()
        with self.batch() as db:
            for m in merges:
                db.table("cameras").update(m.merged_camera_id, {"merged_into": m.kept_camera_id, "updated_at": now})
                db.table("camera_merges").insert(
                    {
                        "walk_id": walk_id,
                        "kept_camera_id": m.kept_camera_id,
                        "merged_camera_id": m.merged_camera_id,
                        "reason": m.reason,
                        "distance_m": m.distance_m,
                        "score": m.score,
                        "created_at": now,
                    }
                )

    def active_merges(self, camera_id: int, *, as_kept: bool) -> list[MergeRow]:
        """Merges not undone in which the camera is the kept row (``as_kept``) or the hidden one."""
        if not self.db["camera_merges"].exists():
            return []
        column = "kept_camera_id" if as_kept else "merged_camera_id"
        return self.rows(
            MergeRow, f"SELECT * FROM camera_merges WHERE {column} = ? AND undone_at IS NULL ORDER BY id", [camera_id]
        )

    def undo_merges(self, merges: Sequence[MergeRow]) -> None:
        """Mark merges undone and show their hidden rows again."""
        now = utcnow()
        with self.batch() as db:
            for m in merges:
                db.table("camera_merges").update(m.id, {"undone_at": now})
                db.table("cameras").update(m.merged_camera_id, {"merged_into": None, "updated_at": now})
