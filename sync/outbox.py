"""The persistent outbox: which confirmed cameras still have to reach the campaign server.

Rows survive reboots and cut connections; a camera is marked sent only after the server acknowledged it, and the
server is idempotent by camera UUID, so re-sending after a lost acknowledgement never makes a duplicate. The rows
live in the walk database's ``sync_outbox`` table, read and written through ``SyncRepository``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sousveillance.device.store import Store

from .repository import OutboxRow, SyncRepository
from .wire import FeatureError, camera_feature, crop_ref, feature_hash

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxItem:
    camera_uuid: str
    action: str  # camera | crop | retract
    feature: dict
    crop_path: str | None
    attempts: int

    @classmethod
    def of(cls, row: OutboxRow) -> OutboxItem:
        crop = row.feature["properties"].get("crop")
        action = {"pending": "camera", "retract": "retract"}.get(row.state, "crop")
        return cls(row.camera_uuid, action, row.feature, crop["path"] if crop else None, row.attempts)


@dataclass
class EnqueueReport:
    queued: int = 0  # new or edited cameras put (back) into the outbox
    unchanged: int = 0
    retract: int = 0  # cameras no longer confirmed (rejected or merged after sending): withdrawn from the server
    withdrawn: int = 0  # queued but never sent, now not to be sent (rejected, or inside a privacy zone): dropped
    unsendable: list[str] = field(default_factory=list)  # "uuid: reason"


def enqueue_confirmed(store: Store, repo: SyncRepository) -> EnqueueReport:
    """Put every confirmed camera outside the privacy zones into the outbox; an edited camera already sent goes
    back to pending.

    A camera in the outbox that may no longer leave the device (the reviewer rejected, reopened or merged it, or it
    lies inside a privacy zone) is withdrawn: dropped from the outbox when the server never received it, else
    queued for withdrawal from the server. Confirmed (or released) again later, it is sent again.
    """
    report = EnqueueReport()
    existing = repo.queued()
    confirmed = set()
    with repo.batch():
        for item in store.confirmed_cameras():
            try:
                feature = camera_feature(item.camera, item.walk, crop_ref(store.root, item.camera.best_crop))
            except FeatureError as exc:
                report.unsendable.append(f"{item.camera.uuid}: {exc}")
                continue
            digest = feature_hash(feature)
            confirmed.add(feature["id"])
            old = existing.get(feature["id"])
            if old is not None and old.payload_hash == digest and old.state not in ("retract", "retracted"):
                report.unchanged += 1
                continue
            repo.queue(feature["id"], item.camera.id, feature, digest)
            report.queued += 1
        for uuid, old in existing.items():
            if uuid in confirmed or old.state in ("retract", "retracted"):
                continue
            if old.ever_sent:
                repo.queue_retraction(uuid)
                report.retract += 1
            else:
                repo.forget(uuid)
                report.withdrawn += 1
    report.unsendable += [
        f"{c.uuid}: no position (place it on the review map to send it)"
        for c in store.cameras(state="confirmed")
        if c.latitude is None or c.longitude is None
    ]
    for line in report.unsendable:
        log.warning("not queued: %s", line)
    return report


def due(repo: SyncRepository, now: float | None = None) -> list[OutboxItem]:
    """Items still to send (camera, crop or withdrawal), oldest first, whose backoff has elapsed."""
    return [OutboxItem.of(row) for row in repo.due(now)]
