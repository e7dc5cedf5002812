"""One export stack for the CLI (``sousveillance export``), the review page and the campaign server.

Both ends turn their rows into ``ExportCamera`` values (``device_cameras(store)`` on the device,
``from_map_feature(row)`` on the server) and ``render`` writes every format from those, so each format has one
shape everywhere (see ``formats`` for the shapes). This package, ``sync.wire`` and ``sync.tags`` are the formats
layer: the only part of ``sync`` the device's own code imports.
"""

from __future__ import annotations

from collections.abc import Sequence

from .camera import ExportCamera, device_cameras, from_map_feature, from_wire
from .formats import dumps, geojson, gpx, to_csv, umap
from .osm import changeset_tags, drafts_from, josm_xml, osmchange_xml

MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "umap": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "gpx": "application/gpx+xml",
    "osm": "application/xml",
    "osc": "application/xml",
}
FORMATS = tuple(MEDIA_TYPES)
EXTENSIONS = {"geojson": "geojson", "umap": "umap.geojson", "csv": "csv", "gpx": "gpx", "osm": "osm", "osc": "osc"}


def render(
    cameras: Sequence[ExportCamera],
    fmt: str,
    *,
    title: str = "Surveillance cameras",
    track: Sequence[Sequence[Sequence[float]]] = (),
) -> str:
    """The export in ``fmt`` (one of ``FORMATS``) as text; ``track`` (GPX only) are privacy-filtered segments."""
    if fmt == "geojson":
        return dumps(geojson(cameras))
    if fmt == "umap":
        return dumps(umap(cameras, title))
    if fmt == "csv":
        return to_csv(cameras)
    if fmt == "gpx":
        return gpx(cameras, track)
    if fmt == "osm":
        return josm_xml(drafts_from(cameras), changeset_tags())
    if fmt == "osc":
        return osmchange_xml(drafts_from(cameras))
    raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "MEDIA_TYPES",
    "ExportCamera",
    "device_cameras",
    "dumps",
    "from_map_feature",
    "from_wire",
    "geojson",
    "gpx",
    "render",
    "to_csv",
    "umap",
]
