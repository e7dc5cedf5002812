"""Offline basemaps: raster tiles from a user-supplied MBTiles (SQLite) or PMTiles (v3) file.

Vector tiles (pbf/mvt) need a renderer the page does not ship, so such files are refused with a clear message.
The readers are ``mbtiles.MBTiles`` and ``pmtiles.PMTiles``; both give a ``TileInfo`` and ``get(z, x, y)``.
"""

from __future__ import annotations

from pathlib import Path

from .mbtiles import MBTiles
from .pmtiles import PMTiles
from .tilefile import MEDIA_TYPES, TileInfo, TilesError

__all__ = ["MEDIA_TYPES", "MBTiles", "PMTiles", "TileInfo", "TilesError", "open_tiles"]


def open_tiles(path: str | Path) -> MBTiles | PMTiles:
    """An MBTiles or PMTiles tile source, chosen by the file's extension."""
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    if suffix == ".mbtiles":
        return MBTiles(path)
    if suffix == ".pmtiles":
        return PMTiles(path)
    raise TilesError(f"unknown tile file type {path.name!r}: give a .mbtiles or .pmtiles file")
