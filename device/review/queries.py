"""Read the walk database for the review pages: walk summaries, privacy-filtered tracks, cameras and their crops."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

from ..store import CameraRow, Store, WalkRow
from ..store.db import parse_utc
from ..geodesy import distance_m
from .privacy import hidden, track_length_m
from .settings import PrivacyZone
from .strip import flags

TRACK_GAP_S = 60.0  # a longer gap between fixes starts a new track segment
CAMERA_FIELDS = (
    "id", "uuid", "walk_id", "camera_type", "mount", "direction", "latitude", "longitude", "uncertainty_m",
    "position_method", "has_position", "confidence", "sightings_count", "first_seen", "last_seen", "review_state",
    "reviewed_at", "reviewer", "surveillance", "merged_into", "notes", "updated_at", "check_date", "osm_node_id",
)


@dataclass(frozen=True, slots=True)
class WalkSummary:
    id: int
    uuid: str
    started_at: str
    ended_at: str | None
    status: str
    source: str
    duration_s: float | None
    distance_m: float
    cameras: int
    pending: int
    confirmed: int
    rejected: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def crop_url(rel: str | None) -> str | None:
    return f"/crops/{quote(rel)}" if rel else None


def walk_summary(store: Store, walk: WalkRow) -> WalkSummary:
    track = store.walk_fixes(walk.id)
    counts = store.camera_counts(walk.id)
    start = parse_utc(walk.started_at)
    end = parse_utc(walk.ended_at) or (track[-1].utc if track else None)
    duration = (end - start).total_seconds() if start and end else None
    return WalkSummary(
        id=walk.id, uuid=walk.uuid, started_at=walk.started_at, ended_at=walk.ended_at,
        status=walk.status, source=walk.source or "", duration_s=duration, distance_m=track_length_m(track),
        cameras=sum(counts.values()), **{k: counts.get(k, 0) for k in ("pending", "confirmed", "rejected")},
    )


def walks(store: Store) -> list[WalkSummary]:
    return [walk_summary(store, w) for w in store.walks()]


def track_segments(store: Store, walk_id: int, zones: Sequence[PrivacyZone]) -> list[list[list[float]]]:
    """The walk's track as ``[[[lat, lon], ...], ...]`` segments; points in privacy zones are dropped (gaps)."""
    segments: list[list[list[float]]] = []
    current: list[list[float]] = []
    last_t: float | None = None
    for fix in store.walk_fixes(walk_id):
        gap = last_t is not None and fix.t - last_t > TRACK_GAP_S
        last_t = fix.t
        if hidden(fix.latitude, fix.longitude, zones) or gap:
            if len(current) > 1:
                segments.append(current)
            current = []
            if not gap:
                continue
        current.append([round(fix.latitude, 7), round(fix.longitude, 7)])
    if len(current) > 1:
        segments.append(current)
    return segments


def camera_json(row: CameraRow) -> dict[str, Any]:
    out = {k: getattr(row, k) for k in CAMERA_FIELDS}
    out["crop_url"] = crop_url(row.best_crop)
    out["context_url"] = crop_url(row.context_crop)
    return out


def cameras(store: Store, walk_id: int) -> list[dict[str, Any]]:
    return [camera_json(r) for r in store.cameras(walk_id)]


def camera_detail(store: Store, camera_id: int, duplicate_radius_m: float) -> dict[str, Any] | None:
    """One camera with its sightings' crops, the cameras merged into it and nearby possible duplicates."""
    row = store.camera(camera_id)
    if row is None:
        return None
    members = store.members(camera_id)
    own = store.sightings(camera_id)
    flagged = flags(own, row.camera_type)
    everything = own + [s for m in members for s in store.sightings(m.id)]
    crops = [
        {"id": s.id, "camera_id": s.camera_id, "utc": s.utc, "confidence": s.confidence,
         "class_name": s.class_name, "crop_url": crop_url(s.crop), "flag": flagged.get(s.id)}
        for s in sorted(everything, key=lambda s: s.t or 0)
        if s.crop and s.crop != row.best_crop
    ]
    nearby = []
    if row.latitude is not None and row.merged_into is None:
        for other in store.cameras(row.walk_id):
            if other.id == camera_id or other.latitude is None:
                continue
            d = distance_m(row.latitude, row.longitude, other.latitude, other.longitude)
            if d <= duplicate_radius_m:
                nearby.append({**camera_json(other), "distance_m": round(d, 1)})
        nearby.sort(key=lambda c: c["distance_m"])
    return {
        **camera_json(row),
        "sightings": crops,
        "members": [camera_json(m) for m in members],
        "duplicates": nearby,
    }
