"""Cut the streets, buildings, footpaths and already-mapped cameras around the walks out of an OpenStreetMap extract.

pyosmium (the ``basemap`` extra) reads the extract; the output is one small GeoJSON file the review map draws with
the vendored Leaflet, with no network. Ways are kept whole when any of their nodes lies in the walks' bounding box
(plus a margin), so streets do not stop at the edge of the box.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..store import Store, StoreError
from .mapped import BasemapError

log = logging.getLogger(__name__)

MARGIN_M = 250.0
MAJOR = {"motorway", "trunk", "primary", "secondary", "tertiary"}
FOOT = {"footway", "path", "pedestrian", "steps", "cycleway", "bridleway", "corridor", "track"}
NOT_STREETS = {"proposed", "construction", "abandoned", "platform", "raceway", "bus_stop", "elevator"}
KEPT_TAGS = ("camera:type", "camera:mount", "camera:direction", "surveillance", "surveillance:type", "check_date")


@dataclass(frozen=True, slots=True)
class Box:
    south: float
    west: float
    north: float
    east: float

    def grown(self, margin_m: float) -> Box:
        dlat = margin_m / 111_320
        dlon = margin_m / (111_320 * max(math.cos(math.radians((self.south + self.north) / 2)), 0.01))
        return Box(self.south - dlat, self.west - dlon, self.north + dlat, self.east + dlon)

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    def text(self) -> str:
        return f"{(self.south + self.north) / 2:.4f},{(self.west + self.east) / 2:.4f}"


@dataclass(frozen=True, slots=True)
class BuildResult:
    path: Path
    streets: int
    footways: int
    buildings: int
    cameras: int
    box: Box

    def line(self) -> str:
        return (f"wrote {self.path}: {self.streets} streets, {self.footways} footpaths, {self.buildings} buildings, "
                f"{self.cameras} camera(s) already in OpenStreetMap")


def _kind(tags: Any) -> str | None:
    highway = tags.get("highway")
    if highway:
        base = highway.removesuffix("_link")
        if base in NOT_STREETS:
            return None
        if base in FOOT:
            return "footway"
        return "major" if base in MAJOR else "street"
    if tags.get("building") and tags.get("building") != "no":
        return "building"
    return None


def check_extract(path: Path) -> None:
    """One clear line when the file is missing or not an OSM extract (PBF, or OSM XML)."""
    if not path.is_file():
        raise BasemapError(f"no extract at {path}")
    with open(path, "rb") as fh:
        head = fh.read(512)
    if not head:
        raise BasemapError(f"{path.name} is empty: give an OpenStreetMap extract (.osm.pbf)")
    is_pbf = len(head) > 15 and head[4:6] == b"\x0a\x09" and head[6:15] == b"OSMHeader"
    is_xml = head.lstrip().startswith(b"<?xml") and b"<osm" in head
    if not (is_pbf or is_xml):
        raise BasemapError(f"{path.name} is not an OpenStreetMap extract (.osm.pbf): download one for your town, "
                           "e.g. from a regional extract service")


def walks_box(db: Path) -> Box:
    if not Path(db).is_file():
        raise BasemapError(f"no walk database at {db}")
    try:
        with Store(db, readonly=True) as store:
            extent = store.extent()
    except StoreError as exc:
        raise BasemapError(str(exc)) from None
    if extent is None:
        raise BasemapError(f"{Path(db).name} has no GPS positions yet: record a walk first")
    return Box(extent.south, extent.west, extent.north, extent.east)


def _osmium():
    try:
        import osmium
    except ImportError:
        raise BasemapError("pyosmium is not installed: pip install 'sousveillance[basemap]'") from None
    return osmium


def _round(lon: float, lat: float) -> list[float]:
    return [round(lon, 6), round(lat, 6)]


def cut(extract: Path, box: Box) -> tuple[list[dict[str, Any]], int]:
    """Features of the extract around ``box``, and how many objects the extract held in all."""
    osmium = _osmium()
    features: list[dict[str, Any]] = []
    total = 0
    try:
        processor = osmium.FileProcessor(str(extract), osmium.osm.NODE | osmium.osm.WAY).with_locations()
        for obj in processor:
            total += 1
            if obj.is_node():
                if obj.tags.get("man_made") != "surveillance" or not obj.location.valid():
                    continue
                lat, lon = obj.location.lat, obj.location.lon
                if box.contains(lat, lon):
                    tags = {k: obj.tags[k] for k in KEPT_TAGS if k in obj.tags}
                    features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": _round(lon, lat)},
                                     "properties": {"kind": "surveillance", "osm_id": obj.id, "tags": tags}})
                continue
            kind = _kind(obj.tags)
            if kind is None:
                continue
            points = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
            if len(points) < 2 or not any(box.contains(lat, lon) for lon, lat in points):
                continue
            coords = [_round(lon, lat) for lon, lat in points]
            closed = kind == "building" and obj.is_closed() and len(coords) >= 4
            geometry = {"type": "Polygon", "coordinates": [coords]} if closed else {"type": "LineString",
                                                                                    "coordinates": coords}
            props: dict[str, Any] = {"kind": kind}
            if obj.tags.get("name"):
                props["name"] = obj.tags["name"]
            features.append({"type": "Feature", "geometry": geometry, "properties": props})
    except RuntimeError as exc:
        raise BasemapError(f"{extract.name}: pyosmium cannot read it ({str(exc).splitlines()[0]})") from None
    return features, total


def build(extract: str | Path, db: str | Path, out: str | Path | None = None, *,
          margin_m: float = MARGIN_M) -> BuildResult:
    """Write the basemap of the walks in ``db`` (default: ``basemap.geojson`` beside the database)."""
    extract, db = Path(extract).expanduser(), Path(db).expanduser()
    out = Path(out).expanduser() if out else db.parent / "basemap.geojson"
    check_extract(extract)
    box = walks_box(db).grown(margin_m)
    features, total = cut(extract, box)
    if total == 0:
        raise BasemapError(f"{extract.name} holds no OpenStreetMap data")
    if not features:
        raise BasemapError(f"{extract.name} does not cover the walks (around {box.text()}): "
                           "use an extract of the town you walked in")
    counts = {k: sum(1 for f in features if f["properties"]["kind"] == k) for k in
              ("street", "major", "footway", "building", "surveillance")}
    collection = {
        "type": "FeatureCollection",
        "bbox": [round(box.west, 6), round(box.south, 6), round(box.east, 6), round(box.north, 6)],
        "source": extract.name, "attribution": "© OpenStreetMap contributors (ODbL)",
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "features": features,
    }
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BasemapError(f"cannot write {out}: {exc.strerror or exc}") from None
    result = BuildResult(out, counts["street"] + counts["major"], counts["footway"], counts["building"],
                         counts["surveillance"], box)
    log.info("%s", result.line())
    return result
