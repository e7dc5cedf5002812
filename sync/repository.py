"""The walk database's sync tables: the outbox (what the campaign server still has to receive) and the OSM
changesets and nodes (what went to OpenStreetMap). This module is their only reader and writer.

It opens its own connection on the walk database file (``SyncRepository.beside(store)``); the tables themselves
are created by the store's migrations (``m004_sync_outbox``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sousveillance.device.store import Store
from sousveillance.device.store.connection import Connection, utcnow


@dataclass(frozen=True, slots=True)
class OutboxRow:
    camera_uuid: str
    camera_id: int
    feature: dict[str, Any]  # the wire feature as enqueued
    payload_hash: str
    state: str  # pending | sent | rejected | retract | retracted
    crop_state: str  # none | pending | sent | rejected
    attempts: int
    ever_sent: bool = False  # the server acknowledged it once (so withdrawing it means asking the server)


@dataclass(frozen=True, slots=True)
class OsmNode:
    camera_uuid: str
    node_id: int
    node_version: int
    latitude: float
    longitude: float


def _outbox_row(r: dict[str, Any]) -> OutboxRow:
    return OutboxRow(
        r["camera_uuid"],
        r["camera_id"],
        json.loads(r["payload"]),
        r["payload_hash"],
        r["state"],
        r["crop_state"],
        r["attempts"],
        r["sent_at"] is not None,
    )


class SyncRepository(Connection):
    @classmethod
    def beside(cls, store: Store) -> SyncRepository:
        """The sync tables of the walk database ``store`` has open."""
        return cls(store.path)

    # -- outbox ------------------------------------------------------------------------------------------------
    def queued(self) -> dict[str, OutboxRow]:
        """Every camera ever put into the outbox, by UUID."""
        return {r["camera_uuid"]: _outbox_row(r) for r in self.db.query("SELECT * FROM sync_outbox")}

    def queue(self, camera_uuid: str, camera_id: int, feature: dict[str, Any], digest: str) -> None:
        """Put a camera (back) into the outbox as pending, with its crop when the feature names one."""
        with self.batch() as db:
            db.table("sync_outbox").upsert(
                {
                    "camera_uuid": camera_uuid,
                    "camera_id": camera_id,
                    "payload": json.dumps(feature, sort_keys=True),
                    "payload_hash": digest,
                    "state": "pending",
                    "crop_state": "pending" if feature["properties"].get("crop") else "none",
                    "attempts": 0,
                    "last_error": None,
                    "next_attempt_at": 0.0,
                    "enqueued_at": utcnow(),
                },
                pk="camera_uuid",
            )

    def forget(self, camera_uuid: str) -> None:
        """Drop a camera the server never received from the outbox (its payload with it): nothing is sent."""
        with self.batch() as db:
            db.execute("DELETE FROM sync_outbox WHERE camera_uuid = ?", [camera_uuid])

    def queue_retraction(self, camera_uuid: str) -> None:
        with self.batch() as db:
            db.table("sync_outbox").update(
                camera_uuid, {"state": "retract", "attempts": 0, "next_attempt_at": 0.0, "last_error": None}
            )

    def due(self, now: float | None = None) -> list[OutboxRow]:
        """Rows still to send (camera, crop or withdrawal), oldest first, whose backoff has elapsed."""
        now = time.time() if now is None else now
        rows = self.db.query(
            "SELECT * FROM sync_outbox WHERE (state IN ('pending', 'retract') "
            "OR (state = 'sent' AND crop_state = 'pending')) "
            "AND next_attempt_at <= ? ORDER BY enqueued_at, camera_uuid",
            [now],
        )
        return [_outbox_row(r) for r in rows]

    def mark_sent(self, uuid: str, status: str, feature_uuid: str | None, crop_needed: bool) -> None:
        with self.batch() as db:
            crop_state = db.table("sync_outbox").get(uuid)["crop_state"]
            if crop_state == "pending" and not crop_needed:
                crop_state = "sent"  # the server already holds this exact crop
            db.table("sync_outbox").update(
                uuid,
                {
                    "state": "sent",
                    "crop_state": crop_state,
                    "sent_at": utcnow(),
                    "server_status": status,
                    "server_feature": feature_uuid,
                    "attempts": 0,
                    "last_error": None,
                },
            )

    def mark_retracted(self, uuid: str) -> None:
        with self.batch() as db:
            db.table("sync_outbox").update(
                uuid, {"state": "retracted", "sent_at": utcnow(), "attempts": 0, "last_error": None}
            )

    def mark_crop_sent(self, uuid: str) -> None:
        with self.batch() as db:
            db.table("sync_outbox").update(uuid, {"crop_state": "sent", "attempts": 0, "last_error": None})

    def mark_failed(self, uuid: str, error: str, *, retry_at: float | None, crop: bool = False) -> None:
        """A temporary failure (``retry_at`` set) keeps the item pending; a refusal marks it rejected."""
        with self.batch() as db:
            row = db.table("sync_outbox").get(uuid)
            values: dict[str, Any] = {"attempts": row["attempts"] + 1, "last_error": error[:500]}
            if retry_at is None:
                values["crop_state" if crop else "state"] = "rejected"
            else:
                values["next_attempt_at"] = retry_at
            db.table("sync_outbox").update(uuid, values)

    def counts(self) -> dict[str, int]:
        """Outbox rows per state (pending, sent, rejected, retract, retracted) and ``crops_pending``."""
        out = {"pending": 0, "sent": 0, "rejected": 0, "retract": 0, "retracted": 0}
        for row in self.db.query("SELECT state, count(*) AS n FROM sync_outbox GROUP BY state"):
            out[row["state"]] = row["n"]
        out["crops_pending"] = self.db.execute(
            "SELECT count(*) FROM sync_outbox WHERE crop_state = 'pending'"
        ).fetchone()[0]
        return out

    # -- OpenStreetMap -----------------------------------------------------------------------------------------
    def uploaded_to(self, api_url: str) -> set[str]:
        """Cameras that already have a node on this OSM instance."""
        return {
            r["camera_uuid"] for r in self.db.query("SELECT camera_uuid FROM osm_nodes WHERE api_url = ?", [api_url])
        }

    def interrupted_changesets(self, api_url: str) -> list[int]:
        """Changesets a run was uploading to when it died: their outcome is unknown until checked."""
        return [
            r["id"]
            for r in self.db.query("SELECT id FROM osm_changesets WHERE api_url = ? AND state = 'uploading'", [api_url])
        ]

    def open_changeset(self, changeset_id: int, api_url: str, comment: str) -> None:
        with self.batch() as db:
            db.table("osm_changesets").insert(
                {"id": changeset_id, "api_url": api_url, "state": "open", "comment": comment, "created_at": utcnow()}
            )

    def set_changeset_state(self, changeset_id: int, state: str) -> None:
        values: dict[str, Any] = {"state": state}
        if state == "closed":
            values["closed_at"] = utcnow()
        with self.batch() as db:
            db.table("osm_changesets").update(changeset_id, values)

    def record_nodes(self, changeset_id: int, api_url: str, nodes: list[OsmNode], state: str) -> None:
        """The nodes a changeset created, recorded in the same transaction that moves the changeset to ``state``."""
        with self.batch() as db:
            for n in nodes:
                db.table("osm_nodes").insert(
                    {
                        "camera_uuid": n.camera_uuid,
                        "api_url": api_url,
                        "changeset_id": changeset_id,
                        "node_id": n.node_id,
                        "node_version": n.node_version,
                        "latitude": n.latitude,
                        "longitude": n.longitude,
                        "uploaded_at": utcnow(),
                    },
                    replace=True,
                )
            db.table("osm_changesets").update(changeset_id, {"state": state})
