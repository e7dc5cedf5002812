"""OpenStreetMap files of new cameras, written with the standard library: a JOSM ``.osm`` file, an osmChange
``.osc`` file and the changeset that goes with it. (``sync/osm/files.py`` reads them back.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from sousveillance import __version__

from .camera import ExportCamera

CREATED_BY = f"sousveillance {__version__}"
DEFAULT_COMMENT = "Add surveillance cameras surveyed on foot and reviewed by a person"


class OsmFileError(Exception):
    """An OSM file cannot be written or did not read back as written (the message names the first problem)."""


@dataclass(frozen=True)
class NodeDraft:
    """A new OSM node for one confirmed camera (negative placeholder id until uploaded)."""

    ref: int
    camera_uuid: str
    latitude: float
    longitude: float
    tags: dict[str, str]


def drafts_from(cameras: Sequence[ExportCamera]) -> list[NodeDraft]:
    """One new node per camera not yet in OpenStreetMap, placeholder ids -1, -2, ... in order; OSM gets the tags
    only, never provenance. A camera seen again (``osm_node_id``: the reviewer matched it to a mapped node) is
    left out: a second node for it would be a duplicate (``already_in_osm`` lists them)."""
    new = [c for c in cameras if c.osm_node_id is None]
    return [
        NodeDraft(-(i + 1), c.uuid, round(c.latitude, 7), round(c.longitude, 7), dict(c.tags))
        for i, c in enumerate(new)
    ]


def already_in_osm(cameras: Sequence[ExportCamera]) -> list[ExportCamera]:
    """The cameras that are already OpenStreetMap nodes (seen again by a reviewer): no new node is made for them."""
    return [c for c in cameras if c.osm_node_id is not None]


@dataclass(frozen=True)
class NodeCheck:
    """An existing OSM node a reviewer saw again: the upload sets its ``check_date`` (its other tags stay)."""

    camera_uuid: str
    node_id: int
    check_date: str  # YYYY-MM-DD


def checks_from(cameras: Sequence[ExportCamera]) -> list[NodeCheck]:
    """The seen-again cameras with the day they were seen (``check_date`` in their tags)."""
    return [
        NodeCheck(c.uuid, c.osm_node_id, c.tags["check_date"])
        for c in cameras
        if c.osm_node_id is not None and c.tags.get("check_date")
    ]


def osmchange_modify_xml(nodes: Sequence[Mapping], changeset_id: int) -> str:
    """An osmChange that modifies existing nodes (``id``, ``version``, ``lat``, ``lon``, ``tag`` as osmapi reads
    them): each keeps its position and version number, the API rejects it if someone edited the node meanwhile."""
    root = ET.Element("osmChange", version="0.6", generator=CREATED_BY)
    modify = ET.SubElement(root, "modify")
    for n in nodes:
        el = ET.SubElement(modify, "node", id=str(n["id"]), version=str(n["version"]), changeset=str(changeset_id),
                           lat=str(n["lat"]), lon=str(n["lon"]))  # fmt: skip
        _tags(el, n["tag"])
    return _document(root)


def changeset_tags(comment: str | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    tags = {"created_by": CREATED_BY, "comment": (comment or DEFAULT_COMMENT).strip(), "source": "survey"}
    tags |= dict(extra or {})
    if not tags["comment"] or len(tags["comment"]) > 255:
        raise OsmFileError("a changeset comment of 1 to 255 characters is required")
    return tags


def _node(parent: ET.Element, draft: NodeDraft, **attrs: str) -> None:
    el = ET.SubElement(
        parent, "node", {"id": str(draft.ref), "lat": f"{draft.latitude:.7f}", "lon": f"{draft.longitude:.7f}", **attrs}
    )
    for key, value in sorted(draft.tags.items()):
        ET.SubElement(el, "tag", k=key, v=value)


def _document(root: ET.Element) -> str:
    """The file's text: indented, with its XML declaration."""
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _tags(parent: ET.Element, tags: Mapping[str, str]) -> None:
    for key, value in sorted(tags.items()):
        ET.SubElement(parent, "tag", k=key, v=value)


def josm_xml(drafts: Sequence[NodeDraft], cs_tags: Mapping[str, str]) -> str:
    """JOSM file: new nodes (negative ids, ``action="modify"``) and the upload changeset's tags."""
    root = ET.Element("osm", version="0.6", generator=CREATED_BY, upload="true")
    _tags(ET.SubElement(root, "changeset"), cs_tags)
    for draft in drafts:
        _node(root, draft, action="modify", visible="true")
    return _document(root)


def osmchange_xml(drafts: Sequence[NodeDraft], changeset_id: int = 0) -> str:
    root = ET.Element("osmChange", version="0.6", generator=CREATED_BY)
    create = ET.SubElement(root, "create")
    for draft in drafts:
        _node(create, draft, version="0", changeset=str(changeset_id))
    return _document(root)


def changeset_xml(cs_tags: Mapping[str, str]) -> str:
    """The body of ``PUT /api/0.6/changeset/create``: what goes with an ``.osc`` file when it is uploaded."""
    root = ET.Element("osm", version="0.6", generator=CREATED_BY)
    _tags(ET.SubElement(root, "changeset"), cs_tags)
    return _document(root)
