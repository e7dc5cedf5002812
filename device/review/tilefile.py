"""What every basemap tile file reader shares: the tile info, the one error, the media types of raster tiles."""

from __future__ import annotations

from dataclasses import dataclass

MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}


class TilesError(Exception):
    """The tile file cannot be used as a basemap (one-line message)."""


@dataclass(frozen=True, slots=True)
class TileInfo:
    format: str  # png | jpg | webp
    media_type: str
    minzoom: int
    maxzoom: int
    bounds: tuple[float, float, float, float] | None  # west, south, east, north
    attribution: str = ""
    name: str = ""
