"""Exports of reviewed cameras: GeoJSON, CSV, uMap-ready GeoJSON and GPX, from a walk database or the server.

Both ends first turn their rows into ``ExportCamera`` values; every format is written from those.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from .tags import osm_tags

UMAP_COLORS = {"dome": "DarkRed", "fixed": "DarkOrange", "panning": "Purple"}
CSV_COLUMNS = ["uuid", "latitude", "longitude", "camera_type", "mount", "direction", "surveillance", "uncertainty_m"]


@dataclass(frozen=True)
class ExportCamera:
    uuid: str
    latitude: float
    longitude: float
    tags: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)  # provenance / merge figures, flat scalars


def from_wire(feature: Mapping[str, Any]) -> ExportCamera:
    p = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    extra = {
        "camera_type": p["camera_type"], "mount": p["mount"], "direction": p.get("direction"),
        "surveillance": p.get("surveillance"), "uncertainty_m": p["uncertainty_m"], "sightings": p["sightings"],
        "reviewer": p["review"]["reviewer"], "reviewed_at": p["review"]["reviewed_at"], "walk": p["walk"]["uuid"],
        "device": p["walk"]["device_id"], "model_version": p["walk"]["model_version"],
        "crop": (p.get("crop") or {}).get("path"),
    }  # fmt: skip
    return ExportCamera(feature["id"], lat, lon, dict(p["tags"]), extra)


def from_map_feature(row: Mapping[str, Any]) -> ExportCamera:
    """A merged map feature row of the campaign server."""
    extra = {
        k: row.get(k)
        for k in ("camera_type", "mount", "direction", "surveillance", "uncertainty_m", "sightings", "contributors",
                  "submissions", "conflicts", "updated_at")
    }  # fmt: skip
    extra["uncertainty_m"] = round(float(row["uncertainty_m"]), 2)
    return ExportCamera(row["uuid"], row["latitude"], row["longitude"], osm_tags(row["camera_type"], row.get("mount"), row.get("direction"), row.get("surveillance")), extra)


def geojson(cameras: Iterable[ExportCamera]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": c.uuid,
                "geometry": {"type": "Point", "coordinates": [round(c.longitude, 7), round(c.latitude, 7)]},
                "properties": {"uuid": c.uuid, "tags": c.tags, **c.extra},
            }
            for c in cameras
        ],
    }


def umap(cameras: Sequence[ExportCamera], name: str = "Surveillance cameras") -> dict[str, Any]:
    """GeoJSON that uMap imports as it is: a name and description per marker, colour by camera type."""
    features = []
    for c in cameras:
        kind = c.tags.get("camera:type", "camera")
        lines = [f"{k}={v}" for k, v in sorted(c.tags.items())]
        for key in ("contributors", "uncertainty_m", "sightings"):
            if c.extra.get(key) is not None:
                lines.append(f"{key}: {c.extra[key]}")
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(c.longitude, 7), round(c.latitude, 7)]},
                "properties": {
                    "name": f"{kind} camera",
                    "description": "\n".join(lines),
                    "_umap_options": {"color": UMAP_COLORS.get(kind, "Red"), "iconClass": "Circle"},
                    **c.tags,
                },
            }
        )
    return {"type": "FeatureCollection", "_umap_options": {"name": name}, "features": features}


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (CSV injection): '=cmd' becomes "'=cmd"."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def to_csv(cameras: Iterable[ExportCamera]) -> str:
    cameras = list(cameras)
    extra_cols = sorted({k for c in cameras for k in c.extra} - set(CSV_COLUMNS))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[*CSV_COLUMNS, *extra_cols, "osm_tags"], lineterminator="\n")
    writer.writeheader()
    for c in cameras:
        row = {"uuid": c.uuid, "latitude": f"{c.latitude:.7f}", "longitude": f"{c.longitude:.7f}"}
        row |= {k: _cell(v) for k, v in c.extra.items()}
        row["osm_tags"] = _cell(";".join(f"{k}={v}" for k, v in sorted(c.tags.items())))
        writer.writerow(row)
    return buf.getvalue()


def gpx(cameras: Iterable[ExportCamera]) -> str:
    root = ET.Element("gpx", version="1.1", creator="sousveillance", xmlns="http://www.topografix.com/GPX/1/1")
    for c in cameras:
        wpt = ET.SubElement(root, "wpt", lat=f"{c.latitude:.7f}", lon=f"{c.longitude:.7f}")
        ET.SubElement(wpt, "name").text = f"{c.tags.get('camera:type', 'camera')} camera"
        ET.SubElement(wpt, "desc").text = "; ".join(f"{k}={v}" for k, v in sorted(c.tags.items()))
        ET.SubElement(wpt, "type").text = "surveillance"
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def dumps(data: Any) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
