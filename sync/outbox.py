"""The persistent outbox in the walk database: which confirmed cameras still have to reach the campaign server.

Rows survive reboots and cut connections; a camera is marked sent only after the server acknowledged it, and the
server is idempotent by camera UUID, so re-sending after a lost acknowledgement never makes a duplicate.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from sousveillance.device.store.db import Store, utcnow

from .wire import FeatureError, camera_feature, crop_ref, feature_hash

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxItem:
    camera_uuid: str
    action: str  # camera | crop | retract
    feature: dict[str, Any]
    crop_path: str | None
    attempts: int


@dataclass
class EnqueueReport:
    queued: int = 0  # new or edited cameras put (back) into the outbox
    unchanged: int = 0
    retract: int = 0  # cameras no longer confirmed (rejected or merged after sending): withdrawn from the server
    unsendable: list[str] | None = None  # "uuid: reason"


def enqueue_confirmed(store: Store) -> EnqueueReport:
    """Put every confirmed camera into the outbox; an edited camera already sent goes back to pending.

    A camera in the outbox that is no longer confirmed (the reviewer rejected, reopened or merged it) is queued
    for withdrawal from the server; confirmed again later, it is sent again.
    """
    report = EnqueueReport(unsendable=[])
    walks = {w["id"]: w for w in store.db.query("SELECT * FROM walks")}
    existing = {r["camera_uuid"]: r for r in store.db.query("SELECT camera_uuid, payload_hash, state FROM sync_outbox")}
    confirmed = set()
    with store.batch() as db:
        for camera in store.cameras(state="confirmed"):
            try:
                feature = camera_feature(
                    camera, walks[camera["walk_id"]], crop_ref(store.root, camera.get("best_crop"))
                )
            except FeatureError as exc:
                report.unsendable.append(f"{camera['uuid']}: {exc}")
                continue
            digest = feature_hash(feature)
            confirmed.add(feature["id"])
            old = existing.get(feature["id"])
            if old is not None and old["payload_hash"] == digest and old["state"] not in ("retract", "retracted"):
                report.unchanged += 1
                continue
            db["sync_outbox"].upsert(
                {
                    "camera_uuid": feature["id"],
                    "camera_id": camera["id"],
                    "payload": json.dumps(feature, sort_keys=True),
                    "payload_hash": digest,
                    "state": "pending",
                    "crop_state": "pending" if feature["properties"]["crop"] else "none",
                    "attempts": 0,
                    "last_error": None,
                    "next_attempt_at": 0.0,
                    "enqueued_at": utcnow(),
                },
                pk="camera_uuid",
            )
            report.queued += 1
        for uuid, old in existing.items():
            if uuid not in confirmed and old["state"] not in ("retract", "retracted"):
                db["sync_outbox"].update(
                    uuid, {"state": "retract", "attempts": 0, "next_attempt_at": 0.0, "last_error": None}
                )
                report.retract += 1
    for line in report.unsendable:
        log.warning("not queued: %s", line)
    return report


def due(store: Store, now: float | None = None) -> list[OutboxItem]:
    """Items still to send (camera or crop), oldest first, whose backoff has elapsed."""
    now = time.time() if now is None else now
    rows = store.db.query(
        "SELECT * FROM sync_outbox WHERE (state IN ('pending', 'retract') OR (state = 'sent' AND crop_state = 'pending')) "
        "AND next_attempt_at <= ? ORDER BY enqueued_at, camera_uuid",
        [now],
    )
    items = []
    for row in rows:
        feature = json.loads(row["payload"])
        crop = feature["properties"].get("crop")
        action = {"pending": "camera", "retract": "retract"}.get(row["state"], "crop")
        items.append(
            OutboxItem(
                camera_uuid=row["camera_uuid"],
                action=action,
                feature=feature,
                crop_path=crop["path"] if crop else None,
                attempts=row["attempts"],
            )
        )
    return items


def mark_sent(store: Store, uuid: str, status: str, feature_uuid: str | None, crop_needed: bool) -> None:
    with store.batch() as db:
        row = db["sync_outbox"].get(uuid)
        crop_state = row["crop_state"]
        if crop_state == "pending" and not crop_needed:
            crop_state = "sent"  # the server already holds this exact crop
        db["sync_outbox"].update(
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


def mark_retracted(store: Store, uuid: str) -> None:
    with store.batch() as db:
        db["sync_outbox"].update(uuid, {"state": "retracted", "sent_at": utcnow(), "attempts": 0, "last_error": None})


def mark_crop_sent(store: Store, uuid: str) -> None:
    with store.batch() as db:
        db["sync_outbox"].update(uuid, {"crop_state": "sent", "attempts": 0, "last_error": None})


def mark_failed(store: Store, uuid: str, error: str, *, retry_at: float | None, crop: bool = False) -> None:
    """A temporary failure (``retry_at`` set) keeps the item pending; a refusal marks it rejected."""
    with store.batch() as db:
        row = db["sync_outbox"].get(uuid)
        values: dict[str, Any] = {"attempts": row["attempts"] + 1, "last_error": error[:500]}
        if retry_at is None:
            values["crop_state" if crop else "state"] = "rejected"
        else:
            values["next_attempt_at"] = retry_at
        db["sync_outbox"].update(uuid, values)


def counts(store: Store) -> dict[str, int]:
    """Outbox rows per state (``pending``, ``sent``, ``rejected``, ``retract``, ``retracted``) + ``crops_pending``."""
    out = {"pending": 0, "sent": 0, "rejected": 0, "retract": 0, "retracted": 0}
    for row in store.db.query("SELECT state, count(*) AS n FROM sync_outbox GROUP BY state"):
        out[row["state"]] = row["n"]
    out["crops_pending"] = store.db.execute("SELECT count(*) FROM sync_outbox WHERE crop_state = 'pending'").fetchone()[
        0
    ]
    return out
