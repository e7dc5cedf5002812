"""New-node drafts for OpenStreetMap from confirmed cameras (walk database) or merged map features (server)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sousveillance.device.store.db import Store

from ..export import ExportCamera, from_wire
from ..wire import FeatureError, camera_feature, crop_ref
from .files import NodeDraft

log = logging.getLogger(__name__)


def drafts_from(cameras: Sequence[ExportCamera]) -> list[NodeDraft]:
    """One node per camera, placeholder ids -1, -2, ... in order."""
    return [
        NodeDraft(-(i + 1), c.uuid, round(c.latitude, 7), round(c.longitude, 7), dict(c.tags))
        for i, c in enumerate(cameras)
    ]


def confirmed_cameras(store: Store, walk_id: int | None = None) -> list[ExportCamera]:
    """Confirmed cameras of a walk database, as on the wire (only what a person confirmed ever leaves)."""
    out = []
    for item in store.confirmed_cameras(walk_id):
        try:
            feature = camera_feature(item.camera, item.walk, crop_ref(store.root, item.camera.best_crop))
        except FeatureError as exc:
            log.warning("camera %s left out: %s", item.camera.uuid, exc)
            continue
        out.append(from_wire(feature))
    return out
