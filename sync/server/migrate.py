"""Schema versions of the campaign database, applied in order when the server (or an admin command) opens it.

1: the first release (no ``meta`` table). 2: ``meta`` (schema version, revocation counter), ``features.rev`` and
``features.check_date``, ``submissions.reviewed_at``; the spatial index becomes an R*Tree on SQLite and a GiST index
on a generated PostGIS point on PostgreSQL. Each step is idempotent and runs in one transaction.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .tables import meta, metadata

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
STARTUP_LOCK = 7201  # PostgreSQL: replicas starting together upgrade one at a time

_LAT, _LON = "CAST(round(new.latitude * 1e7) AS INTEGER)", "CAST(round(new.longitude * 1e7) AS INTEGER)"
SQLITE_SPATIAL = [  # integer coordinates (1e-7 degree, spatial.SCALE): an exact index, no float rounding
    "CREATE VIRTUAL TABLE IF NOT EXISTS features_rtree USING rtree_i32(id, min_lat, max_lat, min_lon, max_lon)",
    f"""CREATE TRIGGER IF NOT EXISTS features_rtree_insert AFTER INSERT ON features BEGIN
         INSERT INTO features_rtree VALUES (new.id, {_LAT}, {_LAT}, {_LON}, {_LON}); END""",
    f"""CREATE TRIGGER IF NOT EXISTS features_rtree_update AFTER UPDATE OF latitude, longitude ON features BEGIN
         UPDATE features_rtree SET min_lat = {_LAT}, max_lat = {_LAT}, min_lon = {_LON}, max_lon = {_LON}
         WHERE id = new.id; END""",
    """CREATE TRIGGER IF NOT EXISTS features_rtree_delete AFTER DELETE ON features BEGIN
         DELETE FROM features_rtree WHERE id = old.id; END""",
    """INSERT INTO features_rtree SELECT id, CAST(round(latitude * 1e7) AS INTEGER), CAST(round(latitude * 1e7) AS
         INTEGER), CAST(round(longitude * 1e7) AS INTEGER), CAST(round(longitude * 1e7) AS INTEGER) FROM features
         WHERE id NOT IN (SELECT id FROM features_rtree)""",
]
POSTGIS_POINT = (
    "ALTER TABLE features ADD COLUMN IF NOT EXISTS geom geometry(Point, 4326) "
    "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)) STORED"
)


def _version(conn: Connection) -> int:
    names = set(sa.inspect(conn).get_table_names())
    if "meta" in names:
        value = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
        if value is not None:
            return int(value)
    return 1 if "features" in names else 0


def _columns(conn: Connection, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(conn).get_columns(table)}


def _to_v2(conn: Connection, postgres: bool) -> None:
    """Columns a version-1 database lacks, filled from what it already holds."""
    if "check_date" not in _columns(conn, "features"):
        conn.exec_driver_sql("ALTER TABLE features ADD COLUMN check_date VARCHAR(10)")
        conn.exec_driver_sql("ALTER TABLE features ADD COLUMN rev INTEGER NOT NULL DEFAULT 1")
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_features_updated_at ON features (updated_at)")
    if "reviewed_at" not in _columns(conn, "submissions"):
        conn.exec_driver_sql("ALTER TABLE submissions ADD COLUMN reviewed_at VARCHAR(40)")
        field = (
            "(payload::json #>> '{properties,review,reviewed_at}')"
            if postgres
            else ("json_extract(payload, '$.properties.review.reviewed_at')")
        )
        conn.exec_driver_sql(f"UPDATE submissions SET reviewed_at = {field}")
        conn.exec_driver_sql(
            "UPDATE features SET check_date = (SELECT substr(max(reviewed_at), 1, 10) FROM submissions "
            "WHERE submissions.feature_id = features.id)"
        )
    if postgres:  # version 1 had a plain geography column: replace it by the generated geometry
        generated = conn.exec_driver_sql(
            "SELECT is_generated FROM information_schema.columns WHERE table_name = 'features' AND column_name = 'geom'"
        ).scalar()
        if generated == "NEVER":
            conn.exec_driver_sql("ALTER TABLE features DROP COLUMN geom")


def _spatial(conn: Connection, postgres: bool) -> None:
    if postgres:
        conn.exec_driver_sql(POSTGIS_POINT)
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_features_geom ON features USING GIST (geom)")
    else:
        for statement in SQLITE_SPATIAL:
            conn.exec_driver_sql(statement)


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to ``SCHEMA_VERSION`` (idempotent, safe when replicas start together)."""
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        conn.execution_options(immediate=True)
        with conn.begin():
            if postgres:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": STARTUP_LOCK})
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
            version = _version(conn)
            if version > SCHEMA_VERSION:
                raise RuntimeError(f"database schema {version} is newer than this server ({SCHEMA_VERSION})")
            metadata.create_all(conn)
            if version == 1:
                log.info("upgrading the campaign database from schema 1 to %d", SCHEMA_VERSION)
                _to_v2(conn, postgres)
            _spatial(conn, postgres)
            for key, value in (("schema_version", SCHEMA_VERSION), ("revocations", 0)):
                exists = conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).first()
                if exists is None:
                    conn.execute(meta.insert().values(key=key, value=value))
            conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=SCHEMA_VERSION))
