"""Reviewer decisions (``decisions``): recorded with time, reviewer and before/after snapshots, undoable."""

from __future__ import annotations

import json
from typing import Any

from .connection import Connection, inserted_id
from .rows import Decision


class ReviewRecords(Connection):
    def record_decision(
        self,
        walk_id: int,
        camera_id: int,
        action: str,
        *,
        before: dict[str, Any],
        after: dict[str, Any],
        reviewer: str,
        at: str,
    ) -> int:
        with self.batch() as db:
            table = db.table("decisions")
            table.insert(
                {
                    "walk_id": walk_id,
                    "camera_id": camera_id,
                    "action": action,
                    "before": json.dumps(before),
                    "after": json.dumps(after),
                    "reviewer": reviewer,
                    "at": at,
                    "undone": 0,
                }
            )
            return inserted_id(table)

    def last_decision(self, walk_id: int, decision_id: int | None = None) -> Decision | None:
        """The walk's latest decision not yet undone (or that one decision, when it is not undone)."""
        sql = "SELECT * FROM decisions WHERE walk_id = ? AND undone = 0"
        args: list[Any] = [walk_id]
        if decision_id is not None:
            sql += " AND id = ?"
            args.append(decision_id)
        rows = list(self.db.query(sql + " ORDER BY id DESC LIMIT 1", args))
        return Decision.of(rows[0]) if rows else None

    def mark_decision_undone(self, decision_id: int, at: str) -> None:
        with self.batch() as db:
            db.table("decisions").update(decision_id, {"undone": 1, "undone_at": at})

    def decisions(self, walk_id: int, limit: int = 50) -> list[Decision]:
        """The walk's decisions, the latest first."""
        if not self.db["decisions"].exists():
            return []
        rows = self.db.query("SELECT * FROM decisions WHERE walk_id = ? ORDER BY id DESC LIMIT ?", [walk_id, limit])
        return [Decision.of(r) for r in rows]
