"""Typed rows of the walk database: what the store hands out (never bare dicts or tuples).

One dataclass per table (only the columns code outside the store reads), plus ``ConfirmedCamera`` (a confirmed
camera with its walk's provenance, outside every privacy zone: what may leave the device) and ``WalkRecord``
(everything the end-of-walk geometry reads for one walk).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from ..types import Fix

R = TypeVar("R")


def from_mapping(cls: type[R], row: Mapping[str, Any]) -> R:
    """A row dataclass from a database row (columns the dataclass does not name are ignored)."""
    return cls(**{f.name: row.get(f.name) for f in fields(cls)})  # type: ignore[arg-type]


def _settings(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class Extent:
    """A bounding box in WGS84 degrees."""

    south: float
    west: float
    north: float
    east: float


@dataclass(frozen=True, slots=True)
class WalkRow:
    id: int
    uuid: str
    started_at: str
    status: str  # running | completed | interrupted | failed
    ended_at: str | None = None
    source: str | None = None
    device_id: str | None = None
    model: str | None = None
    model_version: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # the configuration it was recorded with
    frames: int | None = None
    error: str | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> WalkRow:
        return from_mapping(cls, {**row, "settings": _settings(row.get("settings"))})


@dataclass(frozen=True, slots=True)
class CameraRow:
    id: int
    uuid: str
    walk_id: int
    camera_type: str  # dome | fixed | ptz
    track_id: int | None = None
    mount: str | None = None  # pole | wall | ceiling | unknown
    direction: float | None = None  # facing, degrees from north
    latitude: float | None = None
    longitude: float | None = None
    uncertainty_m: float | None = None
    position_method: str | None = None  # range | triangulation | walker | reviewer | none
    has_position: int | None = None
    confidence: float | None = None
    sightings_count: int | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    best_sighting_id: int | None = None
    best_crop: str | None = None  # path relative to the database folder
    review_state: str | None = None  # pending | confirmed | rejected
    reviewed_at: str | None = None
    reviewer: str | None = None
    surveillance: str | None = None  # public | outdoor | indoor
    merged_into: int | None = None
    notes: str | None = None
    updated_at: str | None = None
    geo_rays: int | None = None
    bearing_spread_deg: float | None = None
    residual_m: float | None = None
    geo_note: str | None = None
    mount_evidence: str | None = None
    direction_uncertainty_deg: float | None = None
    height_m: float | None = None
    context_crop: str | None = None  # wider view around it, people and plates blurred (path beside the db)
    osm_node_id: int | None = None  # its OpenStreetMap node, when a reviewer saw a mapped camera again
    check_date: str | None = None  # YYYY-MM-DD that reviewer saw it again (OSM check_date)
    privacy_released_at: str | None = None  # a reviewer released this camera from its privacy zone (m008)


CAMERA_COLUMNS = frozenset(f.name for f in fields(CameraRow)) - {"id"}


@dataclass(frozen=True, slots=True)
class PoleRow:
    id: int
    walk_id: int
    track_id: int
    latitude: float | None
    longitude: float | None
    uncertainty_m: float | None
    confidence: float | None
    sightings_count: int | None
    first_seen: str | None
    last_seen: str | None


POLE_COLUMNS = frozenset(f.name for f in fields(PoleRow)) - {"id"}


@dataclass(frozen=True, slots=True)
class SightingRow:
    id: int
    walk_id: int
    track_id: int
    camera_id: int | None  # None for pole sightings
    frame_index: int
    t: float
    utc: str | None
    class_name: str
    confidence: float | None
    x1: float
    y1: float
    x2: float
    y2: float
    frame_width: int
    frame_height: int
    latitude: float | None  # the walker at frame time (None without a fix)
    longitude: float | None
    heading: float | None
    eph: float | None
    bearing: float | None
    crop: str | None


@dataclass(frozen=True, slots=True)
class MergeRow:
    """One automatic de-duplication merge (``camera_merges``); ``undone_at`` is set once a reviewer split it."""

    id: int
    walk_id: int
    kept_camera_id: int
    merged_camera_id: int
    reason: str
    distance_m: float | None
    score: float | None
    created_at: str
    undone_at: str | None


@dataclass(frozen=True, slots=True)
class NewMerge:
    kept_camera_id: int
    merged_camera_id: int
    reason: str
    distance_m: float
    score: float


@dataclass(frozen=True, slots=True)
class Decision:
    """One reviewer decision: the editable columns of every camera it touched, before and after."""

    id: int
    walk_id: int
    camera_id: int
    action: str
    reviewer: str
    at: str
    before: dict[str, dict[str, Any]]
    after: dict[str, dict[str, Any]]
    undone: bool = False

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Decision:
        return cls(
            id=row["id"],
            walk_id=row["walk_id"],
            camera_id=row["camera_id"],
            action=row["action"],
            reviewer=row["reviewer"] or "",
            at=row["at"],
            before=json.loads(row["before"]),
            after=json.loads(row["after"]),
            undone=bool(row["undone"]),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "walk_id": self.walk_id,
            "camera_id": self.camera_id,
            "action": self.action,
            "reviewer": self.reviewer,
            "at": self.at,
            "before": self.before,
            "after": self.after,
            "undone": self.undone,
        }


@dataclass(frozen=True, slots=True)
class ConfirmedCamera:
    """A camera a person confirmed, with a position, and the walk it was found on: what may leave the device."""

    camera: CameraRow
    walk: WalkRow


@dataclass(frozen=True, slots=True)
class PrivacyZoneRow:
    """A privacy zone as the review page lists it: from the config (``id`` None, cannot be removed there) or set
    on the device's map (``privacy_zones`` table)."""

    id: int | None
    latitude: float
    longitude: float
    radius_m: float
    source: str  # config | device
    created_at: str | None = None
    created_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class PrunableCrop:
    """A crop file the storage guard may delete: an extra sighting crop, a reviewed camera's context view, or the
    best crop of a rejected camera."""

    crop: str
    sighting_id: int | None = None
    camera_id: int | None = None
    context: bool = False  # a camera's context view (``cameras.context_crop``)


@dataclass(frozen=True, slots=True)
class ReviewedSighting:
    """A sighting of a reviewed camera (confirmed or rejected, or still pending), for training data."""

    sighting: SightingRow
    review_state: str | None
    camera_type: str | None


@dataclass(slots=True)
class WalkRecord:
    """What the end-of-walk geometry reads for one walk: its settings, fixes, sightings, cameras and split pairs."""

    walk: WalkRow
    fixes: list[Fix]  # with a position, in time order
    sightings: list[SightingRow]  # in time order
    cameras: list[CameraRow]  # every camera row of the walk (merged ones too), by id
    blocked: set[frozenset[int]] = field(default_factory=set)  # camera pairs a reviewer split: never merged again
