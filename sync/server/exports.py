"""The campaign map in every export format, as text (shared by the HTTP API and ``sousveillance server export``)."""

from __future__ import annotations

from ..export import MEDIA_TYPES, ExportCamera, from_map_feature, render
from .repo import Repository

__all__ = ["MEDIA_TYPES", "export_text", "map_cameras"]


def map_cameras(repo: Repository) -> list[ExportCamera]:
    """Every merged map feature of the campaign, as the export stack sees it."""
    return [from_map_feature(r) for r in repo.features()]


def export_text(repo: Repository, fmt: str, title: str = "Surveillance cameras") -> str:
    """The merged map in ``fmt`` (one of ``MEDIA_TYPES``); OSM files carry only tags, never provenance."""
    return render(map_cameras(repo), fmt, title=title)
