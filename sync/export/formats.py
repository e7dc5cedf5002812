"""The export files, written from ``ExportCamera`` values: GeoJSON, uMap GeoJSON, CSV and GPX.

Shapes (the same from ``sousveillance export``, the review page and the campaign server):

- GeoJSON: a FeatureCollection, one Point Feature per camera, ``id`` = the camera UUID, coordinates rounded to
  7 decimals (1 cm). From a device the properties are the wire format (``sync/schema/camera-feature-v1.json``:
  ``tags``, type, mount, direction, ``review``, ``walk``, ``crop`` — what the campaign server accepts); from the
  server the same core properties with the merge figures (contributors, submissions, conflicts).
- uMap: GeoJSON uMap imports as it is: name, description and colour per marker, the OSM tags as properties.
- CSV: ``uuid,latitude,longitude`` (7 decimals), the core fields, the origin's provenance columns (sorted), and
  ``osm_tags`` (``k=v;k=v``); text cells that a spreadsheet would run as a formula are prefixed with ``'``.
- GPX 1.1: one waypoint per camera (name from ``camera:type``, the tags in the description), and the walk's
  track (already privacy-filtered) when given. No times: when a camera was seen stays on the device.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from .camera import ExportCamera

UMAP_COLORS = {"dome": "DarkRed", "fixed": "DarkOrange", "panning": "Purple"}
CSV_COLUMNS = ["uuid", "latitude", "longitude", "camera_type", "mount", "direction", "surveillance", "uncertainty_m"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _point(c: ExportCamera) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(c.longitude, 7), round(c.latitude, 7)]}


def geojson(cameras: Iterable[ExportCamera]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": c.uuid,
                "geometry": _point(c),
                "properties": c.properties if c.properties is not None else {"uuid": c.uuid, "tags": c.tags, **c.extra},
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
                "geometry": _point(c),
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
    if isinstance(value, str) and value[:1] in FORMULA_START:
        return "'" + value
    return "" if value is None else value


def to_csv(cameras: Iterable[ExportCamera]) -> str:
    cameras = list(cameras)
    extra_cols = sorted({k for c in cameras for k in c.extra} - set(CSV_COLUMNS))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[*CSV_COLUMNS, *extra_cols, "osm_tags"], lineterminator="\n")
    writer.writeheader()
    for c in cameras:
        row = {"uuid": _cell(c.uuid), "latitude": f"{c.latitude:.7f}", "longitude": f"{c.longitude:.7f}"}
        row |= {k: _cell(v) for k, v in c.extra.items()}
        row["osm_tags"] = _cell(";".join(f"{k}={v}" for k, v in sorted(c.tags.items())))
        writer.writerow(row)
    return buf.getvalue()


def gpx(cameras: Iterable[ExportCamera], track: Sequence[Sequence[Sequence[float]]] = ()) -> str:
    """Waypoints for the cameras; the track segments (``[[lat, lon], ...]``, already privacy-filtered) when given."""
    root = ET.Element("gpx", version="1.1", creator="sousveillance", xmlns="http://www.topografix.com/GPX/1/1")
    for c in cameras:
        wpt = ET.SubElement(root, "wpt", lat=f"{c.latitude:.7f}", lon=f"{c.longitude:.7f}")
        ET.SubElement(wpt, "name").text = f"{c.tags.get('camera:type', 'camera')} camera"
        ET.SubElement(wpt, "desc").text = "; ".join(f"{k}={v}" for k, v in sorted(c.tags.items()))
        ET.SubElement(wpt, "type").text = "surveillance"
    if track:
        trk = ET.SubElement(root, "trk")
        ET.SubElement(trk, "name").text = "walk"
        for segment in track:
            seg = ET.SubElement(trk, "trkseg")
            for lat, lon in segment:
                ET.SubElement(seg, "trkpt", lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def dumps(data: Any) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
