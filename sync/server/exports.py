"""The campaign map in every export format, as text (shared by the HTTP API and ``sousveillance server export``)."""

from __future__ import annotations

from .. import export
from ..osm import files as osmfiles
from ..osm.drafts import drafts_from
from .repo import Repository

MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "umap": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "gpx": "application/gpx+xml",
    "osm": "application/xml",
    "osc": "application/xml",
}


def export_text(repo: Repository, fmt: str, title: str = "Surveillance cameras") -> str:
    """The merged map in ``fmt`` (one of ``MEDIA_TYPES``); OSM files carry only tags, never provenance."""
    cams = [export.from_map_feature(r) for r in repo.features()]
    if fmt == "geojson":
        return export.dumps(export.geojson(cams))
    if fmt == "umap":
        return export.dumps(export.umap(cams, title))
    if fmt == "csv":
        return export.to_csv(cams)
    if fmt == "gpx":
        return export.gpx(cams)
    if fmt == "osm":
        return osmfiles.josm_xml(drafts_from(cams), osmfiles.changeset_tags())
    if fmt == "osc":
        return osmfiles.osmchange_xml(drafts_from(cams))
    raise ValueError(f"unknown export format {fmt!r}")
