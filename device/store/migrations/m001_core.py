"""Core survey tables: walks, fixes, sightings, cameras, poles."""

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.table("walks").create(
        {
            "id": int,
            "uuid": str,
            "started_at": str,  # ISO 8601 UTC
            "ended_at": str,
            "status": str,  # running | completed | interrupted | failed
            "source": str,  # "live" or the replayed file name
            "device_id": str,
            "model": str,
            "model_version": str,
            "settings": str,  # JSON
            "frames": int,
            "pid": int,  # process writing the walk while running (stale-walk detection)
            "boot_id": str,
            "error": str,
        },
        pk="id",
        not_null={"uuid", "started_at", "status"},
        defaults={"status": "running", "frames": 0},
    )
    db.table("walks").create_index(["uuid"], unique=True)
    db.table("fixes").create(
        {
            "id": int,
            "walk_id": int,
            "t": float,
            "utc": str,
            "latitude": float,
            "longitude": float,
            "altitude": float,
            "course": float,
            "speed": float,
            "eph": float,
            "mode": int,
        },
        pk="id",
        foreign_keys=[("walk_id", "walks", "id")],
    )
    db.table("fixes").create_index(["walk_id", "t"])
    db.table("cameras").create(
        {
            "id": int,
            "uuid": str,
            "walk_id": int,
            "track_id": int,
            "camera_type": str,  # dome | fixed | ptz (detector's proposal; review may change it)
            "mount": str,  # pole | wall | ceiling | unknown
            "direction": float,  # facing, degrees from north (camera:direction); NULL when unknown
            "latitude": float,
            "longitude": float,
            "uncertainty_m": float,
            "position_method": str,  # range | triangulation | walker | none
            "has_position": int,  # 0 when no GPS fix was available (flagged for review)
            "confidence": float,  # best detection confidence
            "sightings_count": int,
            "first_seen": str,
            "last_seen": str,
            "best_sighting_id": int,
            "best_crop": str,  # path relative to the database folder
            "review_state": str,  # pending | confirmed | rejected
            "reviewed_at": str,
            "reviewer": str,
            "surveillance": str,  # public | outdoor (OSM surveillance=*) as the reviewer chose
            "merged_into": int,  # camera id this one was merged into (de-duplication), NULL otherwise
            "notes": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"uuid", "walk_id", "camera_type"},
        defaults={"review_state": "pending", "mount": "unknown", "has_position": 0, "sightings_count": 0},
        foreign_keys=[("walk_id", "walks", "id")],
    )
    db.table("cameras").create_index(["uuid"], unique=True)
    db.table("cameras").create_index(["walk_id", "track_id"], unique=True)
    db.table("cameras").create_index(["review_state"])
    db.table("poles").create(
        {
            "id": int,
            "walk_id": int,
            "track_id": int,
            "latitude": float,
            "longitude": float,
            "uncertainty_m": float,
            "confidence": float,
            "sightings_count": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk="id",
        foreign_keys=[("walk_id", "walks", "id")],
    )
    db.table("poles").create_index(["walk_id", "track_id"], unique=True)
    db.table("sightings").create(
        {
            "id": int,
            "walk_id": int,
            "track_id": int,
            "camera_id": int,  # NULL for pole sightings
            "frame_index": int,
            "t": float,
            "utc": str,
            "class_name": str,
            "confidence": float,
            "x1": float,
            "y1": float,
            "x2": float,
            "y2": float,
            "frame_width": int,
            "frame_height": int,
            "latitude": float,  # the walker's position at frame time (NULL without a fix)
            "longitude": float,
            "heading": float,
            "eph": float,
            "bearing": float,  # walker -> object, degrees from north
            "crop": str,  # path relative to the database folder, for the track's kept crops
        },
        pk="id",
        foreign_keys=[("walk_id", "walks", "id"), ("camera_id", "cameras", "id")],
    )
    db.table("sightings").create_index(["walk_id", "track_id"])
    db.table("sightings").create_index(["camera_id"])
