"""Raster tiles from an MBTiles file (SQLite; https://github.com/mapbox/mbtiles-spec), opened read-only."""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .tilefile import MEDIA_TYPES, TileInfo, TilesError

log = logging.getLogger(__name__)


@dataclass(slots=True)
class MBTiles:
    """Tiles from an MBTiles file (https://github.com/mapbox/mbtiles-spec): ``tiles`` rows in TMS order."""

    path: Path
    info: TileInfo = field(init=False)
    _conn: sqlite3.Connection = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not self.path.is_file():
            raise TilesError(f"no tile file at {self.path}")
        try:
            self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            meta = dict(self._conn.execute("SELECT name, value FROM metadata").fetchall())
            zooms = self._conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
        except sqlite3.DatabaseError as exc:
            raise TilesError(f"{self.path} is not an MBTiles file: {exc}") from None
        fmt = str(meta.get("format", "png")).lower()
        if fmt not in MEDIA_TYPES:
            raise TilesError(f"{self.path.name} holds {fmt} tiles; only raster png/jpg/webp tiles can be shown")
        bounds = None
        if meta.get("bounds"):
            try:
                west, south, east, north = (float(v) for v in str(meta["bounds"]).split(","))
                bounds = (west, south, east, north)
            except ValueError:
                log.warning("ignoring unreadable bounds in %s", self.path.name)
        self.info = TileInfo(
            format=fmt,
            media_type=MEDIA_TYPES[fmt],
            minzoom=int(meta.get("minzoom", zooms[0] if zooms[0] is not None else 0)),
            maxzoom=int(meta.get("maxzoom", zooms[1] if zooms[1] is not None else 19)),
            bounds=bounds,
            attribution=str(meta.get("attribution", "")),
            name=str(meta.get("name", self.path.stem)),
        )

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ (web) coordinates, or None."""
        tms_y = (1 << z) - 1 - y
        with self._lock:
            row = self._conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, tms_y),
            ).fetchone()
        return bytes(row[0]) if row else None

    def close(self) -> None:
        self._conn.close()
