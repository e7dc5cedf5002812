"""Reading OpenStreetMap files back before they count as written.

The files themselves are written by the export stack (``sync.export.osm``, the standard library's XML writer), so
the base install makes them. Every file written is read back and compared node by node and tag by tag before it is
reported done: with pyosmium (the reference OSM parser, in the ``server`` extra) where it is installed, else with
the standard library's XML parser.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from ...device.extras import available
from ..export.osm import NodeDraft, OsmFileError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadBack:
    nodes: dict[int, tuple[float, float, dict[str, str]]]  # id -> (lat, lon, tags)
    changeset_tags: dict[str, str] | None


def reader() -> str:
    """What ``read_back`` reads files with here: ``pyosmium`` when it is installed, else the standard library."""
    return "pyosmium" if available("osmium") else "the XML parser"


def read_back(path: Path) -> ReadBack:
    """Read an .osm/.osc file's nodes and changeset tags (see ``reader``)."""
    return read_with_osmium(path) if available("osmium") else read_with_xml(path)


def read_with_osmium(path: Path) -> ReadBack:
    """Nodes and changeset tags as pyosmium (libosmium, the reference OSM parser) reads them."""
    import osmium

    nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
    cs: dict[str, str] | None = None
    try:
        for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.CHANGESET):
            if isinstance(obj, osmium.osm.Node):
                nodes[obj.id] = (obj.location.lat, obj.location.lon, {t.k: t.v for t in obj.tags})
            else:
                cs = {t.k: t.v for t in obj.tags}
    except RuntimeError as exc:
        raise OsmFileError(f"{path.name}: pyosmium cannot read it: {exc}") from exc
    return ReadBack(nodes, cs)


def read_with_xml(path: Path) -> ReadBack:
    """Nodes and changeset tags as the standard library's XML parser reads them (the base install's check)."""
    nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
    cs: dict[str, str] | None = None
    try:
        root = ET.parse(path).getroot()
        for el in root.iter("node"):
            tags = {t.attrib["k"]: t.attrib["v"] for t in el.iter("tag")}
            nodes[int(el.attrib["id"])] = (float(el.attrib["lat"]), float(el.attrib["lon"]), tags)
        for el in root.iter("changeset"):
            cs = {t.attrib["k"]: t.attrib["v"] for t in el.iter("tag")}
    except (ET.ParseError, KeyError, ValueError) as exc:
        raise OsmFileError(f"{path.name}: cannot read it back as OSM XML: {exc}") from exc
    return ReadBack(nodes, cs)


def verify(path: Path, drafts: Sequence[NodeDraft], cs_tags: Mapping[str, str] | None) -> None:
    """Raise ``OsmFileError`` unless ``path`` holds exactly these nodes, positions and tags."""
    back = read_back(path)
    if set(back.nodes) != {d.ref for d in drafts}:
        raise OsmFileError(f"{path.name}: node ids read back {sorted(back.nodes)} differ from those written")
    for d in drafts:
        lat, lon, tags = back.nodes[d.ref]
        if abs(lat - d.latitude) > 1e-6 or abs(lon - d.longitude) > 1e-6:
            raise OsmFileError(f"{path.name}: node {d.ref} position read back differs")
        if tags != d.tags:
            raise OsmFileError(f"{path.name}: node {d.ref} tags read back {tags} differ from {d.tags}")
    if cs_tags is not None and back.changeset_tags != dict(cs_tags):
        raise OsmFileError(f"{path.name}: changeset tags read back {back.changeset_tags} differ")


def write_verified(path: Path, text: str, drafts: Sequence[NodeDraft], cs_tags: Mapping[str, str] | None) -> Path:
    """Write atomically, read back (see ``reader``), and only then move the file into place."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp" + path.suffix)  # keeps the suffix pyosmium uses to pick the format
    try:
        tmp.write_text(text, encoding="utf-8")
        verify(tmp, drafts, cs_tags)
    except BaseException:  # nothing half-checked is left behind, whatever stopped the check
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    log.info("wrote %s: %d node(s), verified with %s", path, len(drafts), reader())
    return path
