"""OpenStreetMap files of new cameras: a JOSM ``.osm`` file, an osmChange ``.osc`` file, the changeset tags.

Every file written is read back with pyosmium and compared node by node and tag by tag before it is reported done.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from sousveillance import __version__

log = logging.getLogger(__name__)

CREATED_BY = f"sousveillance {__version__}"
DEFAULT_COMMENT = "Add surveillance cameras surveyed on foot and reviewed by a person"


class OsmFileError(Exception):
    """An OSM file did not read back as written (the message names the first difference)."""


@dataclass(frozen=True)
class NodeDraft:
    """A new OSM node for one confirmed camera (negative placeholder id until uploaded)."""

    ref: int
    camera_uuid: str
    latitude: float
    longitude: float
    tags: dict[str, str]


def changeset_tags(comment: str | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    tags = {"created_by": CREATED_BY, "comment": (comment or DEFAULT_COMMENT).strip(), "source": "survey"}
    tags |= dict(extra or {})
    if not tags["comment"] or len(tags["comment"]) > 255:
        raise OsmFileError("a changeset comment of 1 to 255 characters is required")
    return tags


def _node(parent: ET.Element, draft: NodeDraft, **attrs: str) -> None:
    el = ET.SubElement(
        parent, "node", id=str(draft.ref), lat=f"{draft.latitude:.7f}", lon=f"{draft.longitude:.7f}", **attrs
    )
    for key, value in sorted(draft.tags.items()):
        ET.SubElement(el, "tag", k=key, v=value)


def _tags(parent: ET.Element, tags: Mapping[str, str]) -> None:
    for key, value in sorted(tags.items()):
        ET.SubElement(parent, "tag", k=key, v=value)


def josm_xml(drafts: Sequence[NodeDraft], cs_tags: Mapping[str, str]) -> str:
    """JOSM file: new nodes (negative ids, ``action="modify"``) and the upload changeset's tags."""
    root = ET.Element("osm", version="0.6", generator=CREATED_BY, upload="true")
    _tags(ET.SubElement(root, "changeset"), cs_tags)
    for draft in drafts:
        _node(root, draft, action="modify", visible="true")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def osmchange_xml(drafts: Sequence[NodeDraft], changeset_id: int = 0) -> str:
    root = ET.Element("osmChange", version="0.6", generator=CREATED_BY)
    create = ET.SubElement(root, "create")
    for draft in drafts:
        _node(create, draft, version="0", changeset=str(changeset_id))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def changeset_xml(cs_tags: Mapping[str, str]) -> str:
    """The body of ``PUT /api/0.6/changeset/create``: what goes with an ``.osc`` file when it is uploaded."""
    root = ET.Element("osm", version="0.6", generator=CREATED_BY)
    _tags(ET.SubElement(root, "changeset"), cs_tags)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


@dataclass(frozen=True)
class ReadBack:
    nodes: dict[int, tuple[float, float, dict[str, str]]]  # id -> (lat, lon, tags)
    changeset_tags: dict[str, str] | None


def read_back(path: Path) -> ReadBack:
    """Read an .osm/.osc file with pyosmium (the reference OSM parser), nodes and changeset tags."""
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
    """Write atomically, read back with pyosmium, and only then move the file into place."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp" + path.suffix)  # keeps the suffix pyosmium uses to pick the format
    tmp.write_text(text, encoding="utf-8")
    try:
        verify(tmp, drafts, cs_tags)
    except OsmFileError:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    log.info("wrote %s: %d node(s), verified with pyosmium", path, len(drafts))
    return path
