"""A small reader of PMTiles v3 raster archives (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md).

Reads the 127-byte header, then directories (varint-encoded, usually gzip-compressed) by seeking in the local file:
the same range reads a browser would make over HTTP. Tile ids follow the Hilbert curve of each zoom level.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import threading
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .tilefile import MEDIA_TYPES, TileInfo, TilesError

HEADER_LEN = 127
COMPRESSION = {0: "unknown", 1: "none", 2: "gzip", 3: "brotli", 4: "zstd"}
TILE_TYPES = {1: "mvt", 2: "png", 3: "jpg", 4: "webp", 5: "avif"}
MAX_DEPTH = 4  # root + at most three levels of leaf directories


@dataclass(frozen=True, slots=True)
class Entry:
    tile_id: int
    offset: int
    length: int
    run_length: int  # 0: a leaf directory


def zxy_to_tileid(z: int, x: int, y: int) -> int:
    """Tile id of z/x/y: tiles of lower zooms first, then the Hilbert index within the zoom."""
    acc = ((1 << (2 * z)) - 1) // 3
    for a in range(z - 1, -1, -1):
        s = 1 << a
        rx, ry = s & x, s & y
        acc += ((3 * rx) ^ ry) << a
        if ry == 0:
            if rx:
                x, y = s - 1 - x, s - 1 - y
            x, y = y, x
    return acc


def _varint(buf: io.BytesIO) -> int:
    shift = result = 0
    while True:
        byte = buf.read(1)
        if not byte:
            raise TilesError("truncated PMTiles directory")
        result |= (byte[0] & 0x7F) << shift
        if byte[0] < 0x80:
            return result
        shift += 7


def parse_directory(data: bytes) -> list[Entry]:
    buf = io.BytesIO(data)
    n = _varint(buf)
    ids, last = [], 0
    for _ in range(n):
        last += _varint(buf)
        ids.append(last)
    runs = [_varint(buf) for _ in range(n)]
    lengths = [_varint(buf) for _ in range(n)]
    entries: list[Entry] = []
    for i in range(n):
        raw = _varint(buf)
        offset = entries[i - 1].offset + entries[i - 1].length if (raw == 0 and i > 0) else raw - 1
        entries.append(Entry(ids[i], offset, lengths[i], runs[i]))
    return entries


@dataclass(frozen=True, slots=True)
class Directory:
    ids: list[int]
    entries: list[Entry]

    @classmethod
    def parse(cls, data: bytes) -> Directory:
        entries = parse_directory(data)
        return cls([e.tile_id for e in entries], entries)


def find(directory: Directory, tile_id: int) -> Entry | None:
    """The entry holding tile_id: an exact/run match, or the leaf directory covering it."""
    entries = directory.entries
    i = bisect_right(directory.ids, tile_id) - 1
    if i < 0:
        return None
    entry = entries[i]
    if entry.run_length == 0 or tile_id - entry.tile_id < entry.run_length:
        return entry
    return None


@dataclass(slots=True)
class PMTiles:
    path: Path
    info: TileInfo = field(init=False)
    _fh: io.BufferedReader = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    _header: dict = field(init=False, repr=False)
    _root: Directory = field(init=False, repr=False)
    _leaf: Callable[[int, int], Directory] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.path.is_file():
            raise TilesError(f"no tile file at {self.path}")
        self._fh = open(self.path, "rb")
        head = self._fh.read(HEADER_LEN)
        if len(head) < HEADER_LEN or head[:7] != b"PMTiles":
            raise TilesError(f"{self.path.name} is not a PMTiles file")
        if head[7] != 3:
            raise TilesError(f"{self.path.name} is PMTiles version {head[7]}; only version 3 is supported")
        (root_off, root_len, meta_off, meta_len, leaf_off, _leaf_len, data_off, _data_len) = struct.unpack_from(
            "<8Q", head, 8)
        internal, tile_comp, tile_type, minzoom, maxzoom = head[97], head[98], head[99], head[100], head[101]
        min_lon, min_lat, max_lon, max_lat = (v / 1e7 for v in struct.unpack_from("<4i", head, 102))
        fmt = TILE_TYPES.get(tile_type, "unknown")
        if fmt not in MEDIA_TYPES:
            raise TilesError(f"{self.path.name} holds {fmt} tiles; only raster png/jpg/webp tiles can be shown")
        if internal not in (1, 2) or tile_comp not in (0, 1):
            raise TilesError(f"{self.path.name} uses {COMPRESSION.get(internal)} directories or compressed tiles; "
                             "re-create it with gzip directories and uncompressed raster tiles")
        self._header = {"internal": internal, "leaf_off": leaf_off, "data_off": data_off}
        self._root = Directory.parse(self._decompress(self._read(root_off, root_len)))
        meta = {}
        if meta_len:
            try:
                meta = json.loads(self._decompress(self._read(meta_off, meta_len)) or b"{}")
            except (ValueError, OSError):
                meta = {}
        self.info = TileInfo(
            format=fmt, media_type=MEDIA_TYPES[fmt], minzoom=minzoom, maxzoom=maxzoom,
            bounds=(min_lon, min_lat, max_lon, max_lat), attribution=str(meta.get("attribution", "")),
            name=str(meta.get("name", self.path.stem)),
        )
        self._leaf = lru_cache(maxsize=64)(self._read_leaf)

    def _read(self, offset: int, length: int) -> bytes:
        with self._lock:
            self._fh.seek(offset)
            data = self._fh.read(length)
        if len(data) != length:
            raise TilesError(f"{self.path.name} is truncated")
        return data

    def _decompress(self, data: bytes) -> bytes:
        if self._header["internal"] == 2:
            try:
                return gzip.decompress(data)
            except (OSError, EOFError) as exc:
                raise TilesError(f"{self.path.name}: damaged directory ({exc})") from None
        return data

    def _read_leaf(self, offset: int, length: int) -> Directory:
        return Directory.parse(self._decompress(self._read(self._header["leaf_off"] + offset, length)))

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ (web) coordinates, or None."""
        tile_id = zxy_to_tileid(z, x, y)
        directory = self._root
        for _ in range(MAX_DEPTH):
            entry = find(directory, tile_id)
            if entry is None:
                return None
            if entry.run_length > 0:
                return self._read(self._header["data_off"] + entry.offset, entry.length)
            directory = self._leaf(entry.offset, entry.length)
        return None

    def close(self) -> None:
        self._fh.close()
