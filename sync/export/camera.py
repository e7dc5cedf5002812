"""``ExportCamera``: one reviewed camera as every export format sees it, from the device or from the server.

The device's cameras are its confirmed cameras as on the wire (``device_cameras``: exactly what ``sync`` would
send, so an export never shows more than a submission); the server's are its merged map features.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sousveillance.device.store import Store

from ..tags import osm_tags
from ..wire import FeatureError, camera_feature, crop_ref, survey_date

log = logging.getLogger(__name__)

# GeoJSON properties every export starts with, then the origin's own provenance.
CORE = ("camera_type", "mount", "direction", "surveillance", "uncertainty_m", "sightings")


def surveyed(tags: Mapping[str, str], check_date: str | None) -> dict[str, str]:
    """The camera's tags with how it is known, as OSM says it: ``source=survey`` (a person walked past and
    confirmed it) and ``check_date`` (the last such day, YYYY-MM-DD), which every export carries."""
    out = dict(tags)
    if check_date and "check_date" not in out:
        out["check_date"] = str(check_date)[:10]
    out["source"] = "survey"
    return out


@dataclass(frozen=True)
class ExportCamera:
    uuid: str
    latitude: float
    longitude: float
    tags: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)  # flat scalars: the core fields, then provenance
    properties: dict[str, Any] | None = None  # the GeoJSON properties when richer than uuid + tags + extra
    osm_node_id: int | None = None  # already a node in OpenStreetMap (a reviewer saw a mapped camera again)


def from_wire(feature: Mapping[str, Any]) -> ExportCamera:
    """A device's camera from its wire feature; its GeoJSON properties are the wire feature's (schema-valid)."""
    p = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    extra = {
        "camera_type": p["camera_type"], "mount": p["mount"], "direction": p.get("direction"),
        "surveillance": p.get("surveillance"), "uncertainty_m": p["uncertainty_m"], "sightings": p["sightings"],
        "reviewer": p["review"]["reviewer"], "reviewed_at": p["review"]["reviewed_at"], "walk": p["walk"]["uuid"],
        "device": p["walk"]["device_id"], "model_version": p["walk"]["model_version"],
        "crop": (p.get("crop") or {}).get("path"),
    }  # fmt: skip
    tags = surveyed(p["tags"], survey_date(p["review"]["reviewed_at"]))  # seen again: its check_date is in tags
    return ExportCamera(feature["id"], lat, lon, tags, extra, {**p, "tags": tags})


def from_map_feature(row: Mapping[str, Any]) -> ExportCamera:
    """A merged map feature row of the campaign server."""
    extra = {
        k: row.get(k)
        for k in (*CORE, "contributors", "submissions", "conflicts", "updated_at")
    }  # fmt: skip
    extra["uncertainty_m"] = round(float(row["uncertainty_m"]), 2)
    tags = osm_tags(row["camera_type"], row.get("mount"), row.get("direction"), row.get("surveillance"))
    tags = surveyed(tags, row.get("check_date"))  # the latest walker's confirmation
    return ExportCamera(row["uuid"], row["latitude"], row["longitude"], tags, extra)


def device_cameras(store: Store, walk_id: int | None = None) -> list[ExportCamera]:
    """The confirmed cameras of a walk database (of one walk), as on the wire: what the device may share."""
    out = []
    for item in store.confirmed_cameras(walk_id):
        try:
            feature = camera_feature(item.camera, item.walk, crop_ref(store.root, item.camera.best_crop))
        except FeatureError as exc:
            log.warning("camera %s left out of the export: %s", item.camera.uuid, exc)
            continue
        cam = from_wire(feature)
        if item.camera.osm_node_id:
            cam = replace(cam, osm_node_id=int(item.camera.osm_node_id))
        out.append(cam)
    return out
