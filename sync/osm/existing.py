"""Cameras already in OpenStreetMap (from an extract read with pyosmium, or Overpass JSON), and who is near one."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sousveillance.device.extras import require
from sousveillance.device.geodesy import distance_m

from ..export.osm import NodeDraft

log = logging.getLogger(__name__)

NEAR_M = 15.0


class ExistingDataError(Exception):
    """The OSM extract or Overpass file cannot be read."""


@dataclass(frozen=True)
class ExistingNode:
    id: int
    latitude: float
    longitude: float


@dataclass(frozen=True)
class NearExisting:
    draft: NodeDraft
    node: ExistingNode
    distance_m: float


def _overpass(path: Path) -> list[ExistingNode]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        elements = data["elements"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ExistingDataError(f"{path}: not Overpass JSON ({exc})") from exc
    out = []
    for el in elements:
        tags = el.get("tags") or {}
        if el.get("type") == "node" and tags.get("man_made") == "surveillance" and "lat" in el:
            out.append(ExistingNode(int(el["id"]), float(el["lat"]), float(el["lon"])))
    return out


def _extract(path: Path) -> list[ExistingNode]:
    osmium = require("osmium", "server", f"reading the OSM extract {path.name} (Overpass JSON needs no extra)")

    out = []
    try:
        processor = osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(
            osmium.filter.TagFilter(("man_made", "surveillance"))
        )
        for node in processor:
            out.append(ExistingNode(node.id, node.location.lat, node.location.lon))
    except RuntimeError as exc:
        raise ExistingDataError(f"{path}: pyosmium cannot read it ({exc})") from exc
    return out


def load_existing(path: Path) -> list[ExistingNode]:
    """``man_made=surveillance`` nodes from an OSM extract (.osm, .osm.pbf, .osc ...) or Overpass JSON (.json)."""
    path = Path(path)
    if not path.is_file():
        raise ExistingDataError(f"{path}: no such file")
    nodes = _overpass(path) if path.suffix.lower() in (".json", ".geojson") else _extract(path)
    log.info("%d existing surveillance node(s) in %s", len(nodes), path.name)
    return nodes


def near_existing(
    drafts: Sequence[NodeDraft], existing: Sequence[ExistingNode], within_m: float = NEAR_M
) -> list[NearExisting]:
    """New cameras within ``within_m`` of a camera already mapped (closest one reported)."""
    found = []
    for d in drafts:
        best = None
        for node in existing:
            if abs(node.latitude - d.latitude) > 0.001 or abs(node.longitude - d.longitude) > 0.002:
                continue
            dist = distance_m(d.latitude, d.longitude, node.latitude, node.longitude)
            if dist <= within_m and (best is None or dist < best.distance_m):
                best = NearExisting(d, node, dist)
        if best:
            found.append(best)
    return found
