"""Review decisions: every change a reviewer makes to a camera, with time, reviewer and undo."""

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.table("decisions").create(
        {
            "id": int,
            "walk_id": int,
            "camera_id": int,  # the camera the reviewer acted on
            "action": str,  # confirm | reject | reopen | set | move | merge | split
            "before": str,  # JSON {camera_id: {column: value}} of every camera the decision touched
            "after": str,  # JSON, same shape, after the decision
            "reviewer": str,
            "at": str,  # ISO 8601 UTC
            "undone": int,  # 1 once undone
            "undone_at": str,
        },
        pk="id",
        not_null={"walk_id", "camera_id", "action", "before", "after", "at"},
        defaults={"undone": 0},
        foreign_keys=[("walk_id", "walks", "id"), ("camera_id", "cameras", "id")],
    )
    db.table("decisions").create_index(["walk_id", "undone", "id"])
    db.table("decisions").create_index(["camera_id"])
