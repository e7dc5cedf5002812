"""Wire format: one GeoJSON Feature per confirmed camera, validated against a versioned JSON Schema on both ends.

The device builds features from its walk database (``camera_feature``); the campaign server validates every
submission with the same rules (``validate_feature``) before it touches its database. The JSON Schema is the
published contract; ``validator.py`` checks the same rules by hand (a test holds both to one corpus).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sousveillance.device.store import CameraRow, WalkRow

from .tags import osm_tags
from .validator import SCHEMA_ID, FeatureError, check_feature

log = logging.getLogger(__name__)

SCHEMA_FILE = "camera-feature-v1.json"
MAX_CROP_BYTES = 2 * 1024 * 1024
JPEG_MAGIC = b"\xff\xd8\xff"


@dataclass(frozen=True)
class CropRef:
    """A camera's best crop on the device: where it is and what the server should receive."""

    path: Path
    rel: str
    sha256: str
    size: int


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    text = resources.files("sousveillance.sync").joinpath("schema", SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def validate_feature(feature: Any) -> dict[str, Any]:
    """Return the feature when it is valid, else raise ``FeatureError`` naming the field and the problem.

    The hand-written check of ``validator.py`` (the same rules as the JSON Schema, much faster than jsonschema).
    """
    return check_feature(feature)


def crop_ref(root: Path, rel: str | None) -> CropRef | None:
    """The crop file of a camera (path relative to the walk database folder), if it exists and fits the limits."""
    if not rel:
        return None
    base = (root / "crops").resolve()
    path = (root / rel).resolve()
    if base not in path.parents or not path.is_file():
        log.warning("crop %s missing or outside the crops folder: not sent", rel)
        return None
    data = path.read_bytes()
    if not data.startswith(JPEG_MAGIC) or len(data) > MAX_CROP_BYTES:
        log.warning("crop %s is not a JPEG of at most %d bytes: not sent", rel, MAX_CROP_BYTES)
        return None
    return CropRef(path=path, rel=rel, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def camera_feature(camera: CameraRow, walk: WalkRow, crop: CropRef | None = None) -> dict[str, Any]:
    """The wire feature of one confirmed camera with its walk (raises ``FeatureError`` when unsendable)."""
    if camera.review_state != "confirmed":
        raise FeatureError(f"camera {camera.uuid} is not confirmed")
    if camera.latitude is None or camera.longitude is None:
        raise FeatureError(f"camera {camera.uuid} has no position")
    uuid = str(camera.uuid).lower()
    direction = _num(camera.direction)
    feature = {
        "type": "Feature",
        "id": uuid,
        "geometry": {
            "type": "Point",
            "coordinates": [round(float(camera.longitude), 7), round(float(camera.latitude), 7)],
        },
        "properties": {
            "schema": SCHEMA_ID,
            "uuid": uuid,
            "tags": osm_tags(camera.camera_type, camera.mount, camera.direction, camera.surveillance,
                             camera.check_date),
            "camera_type": camera.camera_type,
            "mount": camera.mount or "unknown",
            "direction": None if direction is None else direction % 360,
            "surveillance": camera.surveillance or None,
            "uncertainty_m": round(float(camera.uncertainty_m or 0.0), 2),
            "sightings": int(camera.sightings_count or 0),
            "review": {
                "state": "confirmed",
                "reviewer": camera.reviewer or "",
                "reviewed_at": camera.reviewed_at or camera.updated_at or "1970-01-01T00:00:00Z",
            },
            "walk": {
                "uuid": str(walk.uuid).lower(),
                "device_id": walk.device_id or "",
                "model": walk.model or "",
                "model_version": walk.model_version or "",
            },
            "crop": None if crop is None else {"path": crop.rel, "sha256": crop.sha256, "bytes": crop.size},
            "updated_at": camera.updated_at or None,
        },
    }
    return validate_feature(feature)


def survey_date(stamp: str | None) -> str | None:
    """The UTC date (YYYY-MM-DD) of a wire time such as ``review.reviewed_at``; None when missing or unreadable."""
    try:
        when = datetime.fromisoformat(stamp or "")
    except ValueError:
        return None
    return (when.astimezone(UTC) if when.tzinfo else when).date().isoformat()


def canonical(feature: Mapping[str, Any]) -> str:
    """The feature as compact JSON with sorted keys: what is hashed, and what the server stores."""
    return json.dumps(feature, sort_keys=True, separators=(",", ":"))


def feature_hash(feature: Mapping[str, Any]) -> str:
    """Stable content hash of a feature: what the outbox compares to decide whether an edit must be re-sent."""
    return hashlib.sha256(canonical(feature).encode()).hexdigest()
