"""Spatial queries on map features (SQLite R*Tree or PostGIS GiST) and PostgreSQL's neighbourhood locks.

A box is (south, north, west, east) in degrees. SQLite's R*Tree holds each feature's point as integers of 1e-7
degree (``rtree_i32``): a search by box is exact to a centimetre without reading the features table. On
PostgreSQL a merge locks the grid cells its neighbourhood touches (transaction-scoped advisory locks on a ~100 m
grid, taken in ascending order), so two walkers submitting the same camera through two server replicas serialise
while walkers in other streets do not wait at all.
"""

from __future__ import annotations

import math
from typing import Any

from sousveillance.device import geodesy

Box = tuple[float, float, float, float]  # south, north, west, east

CELL_DEG = 0.001  # lock grid: 111 m north-south, less east-west away from the equator
LOCK_SPACE = 7202 << 40  # keeps these keys apart from any other advisory lock of the database

SCALE = 10_000_000  # the R*Tree (rtree_i32) holds degrees x 1e7 as integers: exact, unlike its float boxes
RTREE_INSIDE = "min_lat >= ? AND max_lat <= ? AND min_lon >= ? AND max_lon <= ?"  # a point is a box of no size
RTREE_IDS = f"SELECT id FROM features_rtree WHERE {RTREE_INSIDE}"


def around(lat: float, lon: float, radius_m: float) -> Box:
    """The box of ``radius_m`` around a point (the candidate pre-filter; exact distances come after)."""
    return geodesy.bbox(lat, lon, radius_m)


def scaled(box: Box) -> tuple[int, int, int, int]:
    """A box in the R*Tree's integer units (1e-7 degree, about 1 cm: the wire's precision), rounded outwards."""
    south, north, west, east = box
    return (math.floor(south * SCALE), math.ceil(north * SCALE), math.floor(west * SCALE), math.ceil(east * SCALE))


def box_sql(postgres: bool, box: Box) -> tuple[str, list[Any]]:
    """A ``WHERE`` condition (alias ``f`` for features, ``?`` placeholders) for features inside ``box``, through the
    spatial index; an east < west box crosses the antimeridian."""
    south, north, west, east = box
    if west > east:
        (a, pa), (b, pb) = (
            box_sql(postgres, (south, north, west, 180.0)),
            box_sql(postgres, (south, north, -180.0, east)),
        )
        return f"(({a}) OR ({b}))", pa + pb
    if postgres:
        sql = (
            "f.geom && ST_MakeEnvelope(?, ?, ?, ?, 4326) AND f.latitude BETWEEN ? AND ? AND f.longitude BETWEEN ? AND ?"
        )
        return sql, [west, south, east, north, south, north, west, east]
    return f"f.id IN ({RTREE_IDS})", list(scaled(box))


def rtree_count(box: Box) -> tuple[str, list[Any]] | None:
    """SQLite: how many points a box holds, from the R*Tree alone (None for a box across the antimeridian)."""
    if box[2] > box[3]:
        return None
    return f"SELECT count(*) FROM features_rtree WHERE {RTREE_INSIDE}", list(scaled(box))


def cells(box: Box) -> set[int]:
    """Lock keys of the grid cells a box touches."""
    south, north, west, east = box
    keys = set()
    for i in range(math.floor(south / CELL_DEG), math.floor(north / CELL_DEG) + 1):
        for j in range(math.floor(west / CELL_DEG), math.floor(east / CELL_DEG) + 1):
            keys.add(LOCK_SPACE + (i + 90_000) * 400_000 + (j + 180_000))
    return keys


# PostgreSQL: take the advisory locks of a list of keys in ascending order, so that no two writers deadlock;
# a write group's first statement also reads the revocation counter and draws ids for the features it may make.
LOCK_SQL = "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(CAST(? AS bigint[])) AS k ORDER BY 1) AS cells"
PROLOGUE_SQL = """SELECT (SELECT value FROM meta WHERE key = 'revocations'),
  (SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(CAST(? AS bigint[])) AS k ORDER BY 1) AS cells),
  ARRAY(SELECT nextval(pg_get_serial_sequence('features', 'id')) FROM generate_series(1, ?))"""
