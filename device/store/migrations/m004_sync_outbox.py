"""Sync outbox: what the uploader still has to send to the campaign server, and what went to OpenStreetMap."""

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.table("sync_outbox").create(
        {
            "camera_uuid": str,
            "camera_id": int,
            "payload": str,  # the wire feature (JSON) as enqueued
            "payload_hash": str,  # sha256 of the payload: an edit after sending re-queues the camera
            "state": str,  # pending | sent | rejected (the server refused it: fix the camera, it re-queues)
            "crop_state": str,  # none | pending | sent
            "attempts": int,
            "last_error": str,
            "next_attempt_at": float,  # unix time; backoff between runs
            "enqueued_at": str,
            "sent_at": str,
            "server_status": str,  # created | updated | unchanged, as the server answered
            "server_feature": str,  # the merged map feature the server attached the camera to
        },
        pk="camera_uuid",
        not_null={"camera_id", "payload", "payload_hash", "state", "enqueued_at"},
        defaults={"state": "pending", "crop_state": "none", "attempts": 0, "next_attempt_at": 0.0},
        foreign_keys=[("camera_id", "cameras", "id")],
    )
    db.table("sync_outbox").create_index(["state", "next_attempt_at"])
    db.table("osm_changesets").create(
        {
            "id": int,  # changeset id given by the OSM API
            "api_url": str,
            "state": str,  # open | uploading | uploaded | closed
            "comment": str,
            "created_at": str,
            "closed_at": str,
        },
        pk="id",
        not_null={"api_url", "state", "created_at"},
    )
    db.table("osm_nodes").create(
        {
            "camera_uuid": str,
            "api_url": str,
            "changeset_id": int,
            "node_id": int,
            "node_version": int,
            "latitude": float,
            "longitude": float,
            "uploaded_at": str,
        },
        pk=("camera_uuid", "api_url"),  # one node per camera per OSM instance (dev sandbox, production)
        not_null={"api_url", "changeset_id", "node_id", "uploaded_at"},
    )
