"""``sousveillance server dump``: the whole map as files for offline use and static hosting.

``cameras.geojson`` is the GeoJSON export (the same shape as ``/api/v1/export/geojson``); ``cameras.mbtiles`` holds
vector tiles of the cameras (MVT in MBTiles 1.3, one layer ``cameras``), which MapLibre, QGIS and GDAL open as
they are, or which ``pmtiles convert`` turns into a PMTiles file for a static web host.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..export import ExportCamera, render
from .mvt import Point, write_mbtiles

log = logging.getLogger(__name__)

TILE_FIELDS = ("camera:type", "camera:mount", "camera:direction", "surveillance", "check_date", "source")


def tile_points(cameras: list[ExportCamera]) -> list[Point]:
    """One tile point per map feature: its OSM tags that a map styles by, and how many walkers saw it."""
    points = []
    for cam in cameras:
        props: dict[str, str | int | float] = {"uuid": cam.uuid}
        props |= {k: v for k, v in cam.tags.items() if k in TILE_FIELDS}
        if cam.extra.get("contributors"):
            props["contributors"] = int(cam.extra["contributors"])
        points.append(Point(cam.latitude, cam.longitude, props))
    return points


def dump(cameras: list[ExportCamera], out: Path, tiles: bool, min_zoom: int, max_zoom: int, title: str) -> list[str]:
    """Write the files into ``out``; returns one line per file written."""
    out.mkdir(parents=True, exist_ok=True)
    geojson = out / "cameras.geojson"
    geojson.write_text(render(cameras, "geojson", title=title), encoding="utf-8")
    lines = [f"wrote {geojson} ({len(cameras)} cameras)"]
    if tiles:
        mbtiles = out / "cameras.mbtiles"
        n = write_mbtiles(mbtiles, tile_points(cameras), min_zoom=min_zoom, max_zoom=max_zoom, name=title)
        lines.append(f"wrote {mbtiles} ({n} tiles, zoom {min_zoom}-{max_zoom})")
    return lines
