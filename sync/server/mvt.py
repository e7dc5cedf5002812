"""Mapbox Vector Tiles (MVT 2.1) of camera points, written into an MBTiles 1.3 file: the map for static hosting.

A small hand-written protobuf encoder (points only: one MoveTo each) and the web-mercator tile maths. Below the
highest zoom, cameras closer than a grid cell (1/64 of a tile) are drawn as one point with a ``count``, so a
low-zoom tile stays small however many cameras the campaign has.
"""

from __future__ import annotations

import gzip
import json
import math
import sqlite3
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXTENT = 4096
LAYER = "cameras"
THIN_CELLS = 64  # per tile side, below the highest zoom
MAX_LAT = 85.0511287798


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float
    properties: Mapping[str, str | int | float]


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _uint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _packed(number: int, values: Iterable[int]) -> bytes:
    return _field(number, b"".join(_varint(v) for v in values))


def _value(v: str | int | float) -> bytes:
    if isinstance(v, bool):
        return _uint(7, int(v))
    if isinstance(v, int) and v >= 0:
        return _uint(5, v)
    if isinstance(v, int):
        return _varint(6 << 3) + _varint(_zigzag(v))
    if isinstance(v, float):
        return _varint(3 << 3 | 1) + struct.pack("<d", v)
    return _field(1, str(v).encode("utf-8"))


def tile_xy(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Position in tile units at ``zoom`` (x east, y south), fractional: tile = floor, pixel = fraction."""
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    n = 1 << zoom
    x = (lon + 180.0) / 360.0 * n
    rad = math.radians(lat)
    y = (1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * n
    return min(x, n - 1e-9), min(max(y, 0.0), n - 1e-9)


def encode_tile(points: Iterable[tuple[int, int, Mapping[str, Any]]], layer: str = LAYER) -> bytes:
    """One tile with one layer of points given as (x, y) in tile pixels (0..EXTENT) with their properties."""
    keys: dict[str, int] = {}
    values: dict[tuple[type, Any], int] = {}
    features = []
    for x, y, props in points:
        tags: list[int] = []
        for k, v in props.items():
            if v is None or v == "":
                continue
            tags.append(keys.setdefault(k, len(keys)))
            tags.append(values.setdefault((type(v), v), len(values)))
        geometry = [1 | 1 << 3, _zigzag(x), _zigzag(y)]  # MoveTo(1), from the cursor at (0, 0)
        features.append(_field(2, _packed(2, tags) + _uint(3, 1) + _packed(4, geometry)))
    body = _uint(15, 2) + _field(1, layer.encode())
    body += b"".join(features)
    body += b"".join(_field(3, k.encode()) for k in keys)
    body += b"".join(_field(4, _value(v)) for (_, v) in values)
    body += _uint(5, EXTENT)
    return _field(3, body)


def tiles(points: list[Point], min_zoom: int, max_zoom: int) -> Iterable[tuple[int, int, int, bytes]]:
    """(z, x, y, gzip-compressed MVT) for every tile that holds a camera, zoom by zoom."""
    for z in range(min_zoom, max_zoom + 1):
        cells: dict[tuple[int, int], dict[Any, tuple[int, int, dict[str, Any]]]] = {}
        for p in points:
            fx, fy = tile_xy(p.latitude, p.longitude, z)
            tx, ty = int(fx), int(fy)
            px, py = int((fx - tx) * EXTENT), int((fy - ty) * EXTENT)
            tile = cells.setdefault((tx, ty), {})
            if z == max_zoom:  # every camera
                tile[len(tile)] = (px, py, {**p.properties, "count": 1})
                continue
            cell = (px * THIN_CELLS // EXTENT, py * THIN_CELLS // EXTENT)
            if cell in tile:
                tile[cell][2]["count"] += 1
            else:
                tile[cell] = (px, py, {**p.properties, "count": 1})
        for (tx, ty), pts in sorted(cells.items()):
            yield z, tx, ty, gzip.compress(encode_tile(pts.values()), mtime=0)


def write_mbtiles(path: Path, points: list[Point], *, min_zoom: int = 0, max_zoom: int = 14, name: str = "") -> int:
    """Write (replace) an MBTiles file of vector tiles; returns the number of tiles."""
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        conn.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
        count = 0
        for z, x, y, data in tiles(points, min_zoom, max_zoom):
            conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))  # TMS rows
            count += 1
        fields = {k: "String" for p in points for k, v in p.properties.items() if isinstance(v, str)}
        fields |= {k: "Number" for p in points for k, v in p.properties.items() if isinstance(v, (int, float))}
        fields["count"] = "Number"
        lats = [p.latitude for p in points] or [0.0]
        lons = [p.longitude for p in points] or [0.0]
        bounds = (min(lons), min(lats), max(lons), max(lats))
        layer = {"id": LAYER, "description": "surveillance cameras", "minzoom": min_zoom, "maxzoom": max_zoom,
                 "fields": fields}  # fmt: skip
        meta = {
            "name": name or "Surveillance cameras", "format": "pbf", "type": "overlay", "version": "1",
            "minzoom": str(min_zoom), "maxzoom": str(max_zoom), "bounds": ",".join(f"{b:.6f}" for b in bounds),
            "center": f"{(bounds[0] + bounds[2]) / 2:.6f},{(bounds[1] + bounds[3]) / 2:.6f},{max_zoom}",
            "json": json.dumps({"vector_layers": [layer]}), "attribution": "sousveillance campaign",
        }  # fmt: skip
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
        conn.commit()
    finally:
        conn.close()
    return count
