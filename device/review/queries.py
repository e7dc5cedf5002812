"""Read the walk database for the review pages: walk summaries, privacy-filtered tracks, cameras and their crops."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ..geodesy import distance_m
from ..store import CameraRow, Store, WalkRow
from ..store.db import parse_utc
from ..store.settings import PrivacyZone
from ..store.zones import trim_track
from ..types import Fix
from .strip import flags

TRACK_GAP_S = 60.0  # a longer gap between fixes starts a new track segment
CAMERA_FIELDS = (
    "id", "uuid", "walk_id", "camera_type", "mount", "direction", "latitude", "longitude", "uncertainty_m",
    "position_method", "has_position", "confidence", "sightings_count", "first_seen", "last_seen", "review_state",
    "reviewed_at", "reviewer", "surveillance", "merged_into", "notes", "updated_at", "check_date", "osm_node_id",
    "privacy_released_at",
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


def duration_s(walk: WalkRow, track: list[Fix]) -> float | None:
    """How long the walk lasted; never negative.

    ``started_at`` is the device's clock when recording began; ``ended_at`` (or, while running, the last fix) may
    come from the GPS or the recording's own clock (a replayed or interrupted walk). When the two disagree, the
    span of the walk's own fixes is its duration.
    """
    start = parse_utc(walk.started_at)
    end = parse_utc(walk.ended_at) or (track[-1].utc if track else None)
    if start is None or end is None:
        return None
    seconds = (end - start).total_seconds()
    if seconds >= 0:
        return seconds
    times = [f.utc for f in track if isinstance(f.utc, datetime)]
    return (max(times) - min(times)).total_seconds() if times else 0.0


def walk_summary(store: Store, walk: WalkRow, zones: list[PrivacyZone] | None = None) -> WalkSummary:
    """The walk as the walks list shows it; its distance counts only the track outside the privacy zones."""
    track = store.walk_fixes(walk.id)
    counts = store.camera_counts(walk.id)
    zones = store.privacy_zones() if zones is None else zones
    return WalkSummary(
        id=walk.id, uuid=walk.uuid, started_at=walk.started_at, ended_at=walk.ended_at,
        status=walk.status, source=walk.source or "", duration_s=duration_s(walk, track),
        distance_m=trim_track(track, zones, max_gap_s=TRACK_GAP_S).distance_m,
        cameras=sum(counts.values()), **{k: counts.get(k, 0) for k in ("pending", "confirmed", "rejected")},
    )


def walks(store: Store) -> list[WalkSummary]:
    zones = store.privacy_zones()
    return [walk_summary(store, w, zones) for w in store.walks()]


def track_segments(store: Store, walk_id: int) -> list[list[list[float]]]:
    """The walk's track as ``[[[lat, lon], ...], ...]`` segments; points in privacy zones are dropped (gaps)."""
    trimmed = trim_track(store.walk_fixes(walk_id), store.privacy_zones(), max_gap_s=TRACK_GAP_S)
    return [[[round(f.latitude, 7), round(f.longitude, 7)] for f in seg] for seg in trimmed.segments]


def camera_json(row: CameraRow, zones: list[PrivacyZone] | None = None, store: Store | None = None) -> dict[str, Any]:
    """A camera for the device's own review page; ``privacy`` is ``inside`` / ``released`` when in a zone."""
    out = {k: getattr(row, k) for k in CAMERA_FIELDS}
    out["crop_url"] = crop_url(row.best_crop)
    out["context_url"] = crop_url(row.context_crop)
    out["privacy"] = store.privacy_state(row, zones) if store is not None else None
    return out


def cameras(store: Store, walk_id: int) -> list[dict[str, Any]]:
    zones = store.privacy_zones()
    return [camera_json(r, zones, store) for r in store.cameras(walk_id)]


def camera_detail(store: Store, camera_id: int, duplicate_radius_m: float) -> dict[str, Any] | None:
    """One camera with its sightings' crops, the cameras merged into it and nearby possible duplicates."""
    row = store.camera(camera_id)
    if row is None:
        return None
    members = store.members(camera_id)
    zones = store.privacy_zones()
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
    if row.latitude is not None and row.longitude is not None and row.merged_into is None:
        for other in store.cameras(row.walk_id):
            if other.id == camera_id or other.latitude is None or other.longitude is None:
                continue
            d = distance_m(row.latitude, row.longitude, other.latitude, other.longitude)
            if d <= duplicate_radius_m:
                nearby.append({**camera_json(other, zones, store), "distance_m": round(d, 1)})
        nearby.sort(key=lambda c: c["distance_m"])
    return {
        **camera_json(row, zones, store),
        "sightings": crops,
        "members": [camera_json(m, zones, store) for m in members],
        "duplicates": nearby,
    }
