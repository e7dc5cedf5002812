"""Spatial queries on map features (SQLite R*Tree or PostGIS GiST) and PostgreSQL's neighbourhood locks.

A box is (south, north, west, east) in degrees. On PostgreSQL a merge locks the grid cells its neighbourhood
touches (transaction-scoped advisory locks on a ~100 m grid, taken in ascending order), so two walkers submitting
the same camera through two server replicas serialise while walkers in other streets do not wait at all.
"""

from __future__ import annotations

import math
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from sousveillance.device import geodesy

from .tables import features

Box = tuple[float, float, float, float]  # south, north, west, east

CELL_DEG = 0.001  # lock grid: 111 m north-south, less east-west away from the equator
LOCK_SPACE = 7202 << 40  # keeps these keys apart from any other advisory lock of the database

_rtree = sa.table("features_rtree", sa.column("id"), sa.column("min_lat"), sa.column("max_lat"),
                  sa.column("min_lon"), sa.column("max_lon"))  # fmt: skip


def around(lat: float, lon: float, radius_m: float) -> Box:
    """The box of ``radius_m`` around a point (the candidate pre-filter; exact distances come after)."""
    return geodesy.bbox(lat, lon, radius_m)


def in_box(postgres: bool, box: Box) -> ColumnElement[bool]:
    """Features inside ``box`` through the spatial index (an east < west box crosses the antimeridian)."""
    south, north, west, east = box
    if west > east:
        return sa.or_(in_box(postgres, (south, north, west, 180.0)), in_box(postgres, (south, north, -180.0, east)))
    exact = sa.and_(features.c.latitude.between(south, north), features.c.longitude.between(west, east))
    if postgres:
        envelope = sa.func.ST_MakeEnvelope(west, south, east, north, 4326)
        return sa.and_(sa.literal_column("features.geom").op("&&")(envelope), exact)
    ids = sa.select(_rtree.c.id).where(
        _rtree.c.max_lat >= south, _rtree.c.min_lat <= north, _rtree.c.max_lon >= west, _rtree.c.min_lon <= east
    )
    return sa.and_(features.c.id.in_(ids), exact)  # the R*Tree stores 32-bit floats: the exact test follows


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
