"""Exports of confirmed cameras from a walk database: GeoJSON (wire format), CSV and GPX.

Only cameras a person confirmed are exported (merged duplicates fold into the camera they were merged into). The
walker's track appears only in GPX when asked for, and never inside a privacy zone.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any
from xml.sax.saxutils import escape

from ...sync.tags import osm_tags
from ..store import CameraRow, Store, WalkRow
from .queries import track_segments
from .settings import PrivacyZone

log = logging.getLogger(__name__)
CSV_COLUMNS = (
    "uuid", "latitude", "longitude", "uncertainty_m", "camera_type", "mount", "direction", "surveillance",
    "sightings_count", "first_seen", "reviewer", "reviewed_at", "walk_uuid", "osm_tags",
)


def _tags(cam: dict[str, Any]) -> dict[str, str]:
    return osm_tags(cam["camera_type"], cam.get("mount"), cam.get("direction"), cam.get("surveillance"))


def confirmed(store: Store, walk_id: int | None = None) -> list[dict[str, Any]]:
    """Confirmed cameras with a position, joined with their walk's provenance."""
    return [
        {**asdict(c.camera), "walk_uuid": c.walk.uuid, "device_id": c.walk.device_id, "model": c.walk.model,
         "model_version": c.walk.model_version, "_walk": asdict(c.walk)}
        for c in store.confirmed_cameras(walk_id)
    ]


def feature(camera: dict[str, Any]) -> dict[str, Any]:
    """One camera as a GeoJSON Feature with OSM-ready tags and provenance (DESIGN.md "Wire format")."""
    return {
        "type": "Feature",
        "id": camera["uuid"],
        "geometry": {"type": "Point", "coordinates": [round(camera["longitude"], 7), round(camera["latitude"], 7)]},
        "properties": {
            "uuid": camera["uuid"],
            "tags": _tags(camera),
            "camera_type": camera["camera_type"],
            "mount": camera["mount"],
            "direction": camera["direction"],
            "uncertainty_m": camera["uncertainty_m"],
            "provenance": {
                "walk": camera.get("walk_uuid"),
                "device": camera.get("device_id") or "",
                "model": camera.get("model") or "",
                "model_version": camera.get("model_version") or "",
                "review": {"state": camera["review_state"], "reviewer": camera["reviewer"],
                           "at": camera["reviewed_at"]},
                "sightings": camera["sightings_count"],
                "position_method": camera["position_method"],
                "uncertainty_m": camera["uncertainty_m"],
                "first_seen": camera["first_seen"],
            },
        },
    }


def features(store: Store, cameras: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wire-format features (``sync.wire``, what the campaign server takes) when installed, else ``feature``."""
    try:
        from ...sync.wire import FeatureError, camera_feature, crop_ref
    except ImportError:
        return [feature(c) for c in cameras]
    out = []
    for cam in cameras:
        try:
            out.append(camera_feature(CameraRow(**{k: v for k, v in cam.items() if k in CameraRow.__dataclass_fields__}),
                                      WalkRow(**cam["_walk"]), crop_ref(store.root, cam.get("best_crop"))))
        except FeatureError as exc:
            log.warning("camera %s left out of the export: %s", cam["uuid"], exc)
    return out


def to_geojson(features: Sequence[dict[str, Any]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, indent=1)


def to_osm(store: Store, walk_id: int | None = None) -> str | None:
    """A JOSM file of new nodes for the confirmed cameras (``sync.osm``), or None when that is not installed."""
    try:
        from ...sync.osm.drafts import confirmed_cameras, drafts_from
        from ...sync.osm.files import changeset_tags, josm_xml
    except ImportError:
        return None
    return josm_xml(drafts_from(confirmed_cameras(store, walk_id)), changeset_tags())


def to_csv(cameras: Sequence[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for cam in cameras:
        writer.writerow({**cam, "osm_tags": ";".join(f"{k}={v}" for k, v in _tags(cam).items())})
    return buf.getvalue()


def to_gpx(cameras: Sequence[dict[str, Any]], track: Sequence[Sequence[Sequence[float]]] = ()) -> str:
    """Waypoints for the cameras; the (already privacy-filtered) track segments when given."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx version="1.1" creator="sousveillance" xmlns="http://www.topografix.com/GPX/1/1">',
    ]
    for cam in cameras:
        tags = _tags(cam)
        desc = "; ".join(f"{k}={v}" for k, v in tags.items())
        lines.append(f'  <wpt lat="{cam["latitude"]:.7f}" lon="{cam["longitude"]:.7f}">')
        if cam.get("first_seen"):
            lines.append(f"    <time>{escape(cam['first_seen'])}</time>")
        lines.append(f"    <name>{escape(cam['camera_type'] + ' camera')}</name>")
        lines.append(f"    <desc>{escape(desc)}</desc>")
        lines.append(f"    <extensions><uuid>{escape(cam['uuid'])}</uuid></extensions>")
        lines.append("  </wpt>")
    if track:
        lines.append("  <trk><name>walk</name>")
        for segment in track:
            lines.append("    <trkseg>")
            lines.extend(f'      <trkpt lat="{lat:.7f}" lon="{lon:.7f}"/>' for lat, lon in segment)
            lines.append("    </trkseg>")
        lines.append("  </trk>")
    lines.append("</gpx>")
    return "\n".join(lines) + "\n"


def export(store: Store, fmt: str, walk_id: int | None = None, *, zones: Sequence[PrivacyZone] = (),
           with_track: bool = False) -> tuple[str, str]:
    """``(body, media type)`` of an export in ``geojson``, ``csv`` or ``gpx``."""
    cameras = confirmed(store, walk_id)
    if fmt == "geojson":
        return to_geojson(features(store, cameras)), "application/geo+json"
    if fmt == "csv":
        return to_csv(cameras), "text/csv; charset=utf-8"
    if fmt == "gpx":
        track = track_segments(store, walk_id, zones) if (with_track and walk_id is not None) else []
        return to_gpx(cameras, track), "application/gpx+xml"
    raise ValueError(f"unknown export format {fmt!r}; one of geojson, csv, gpx")


__all__ = ["export", "confirmed", "feature", "features", "to_csv", "to_geojson", "to_gpx", "to_osm"]
