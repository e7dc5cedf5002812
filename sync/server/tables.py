"""Campaign server tables (SQLAlchemy Core) and the engine for a database URL: SQLite file or PostgreSQL + PostGIS.

The same tables and queries serve both. The spatial index differs: SQLite keeps an R*Tree (``features_rtree``,
kept in step by triggers), PostgreSQL a PostGIS point generated from latitude/longitude with a GiST index (both
made by ``migrate.py``; ``engine.py`` opens a database and brings it up to date).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

log = logging.getLogger(__name__)

metadata = sa.MetaData()

devices = sa.Table(
    "devices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40)),
)

features = sa.Table(
    "features",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("latitude", sa.Float, nullable=False),
    sa.Column("longitude", sa.Float, nullable=False),
    sa.Column("uncertainty_m", sa.Float, nullable=False),
    sa.Column("camera_type", sa.String(20), nullable=False),
    sa.Column("mount", sa.String(20), nullable=False),
    sa.Column("direction", sa.Float),
    sa.Column("surveillance", sa.String(20)),
    sa.Column("contributors", sa.Integer, nullable=False),
    sa.Column("submissions", sa.Integer, nullable=False),
    sa.Column("sightings", sa.Integer, nullable=False),
    sa.Column("conflicts", sa.Integer, nullable=False, default=0),
    sa.Column("overrides", sa.Text),  # JSON {field: value} set by an admin resolving a conflict
    sa.Column("check_date", sa.String(10)),  # the latest walker's review date (YYYY-MM-DD): OSM check_date
    sa.Column("rev", sa.Integer, nullable=False, server_default="1"),  # +1 on every change: ETags of pages
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Index("ix_features_updated_at", "updated_at"),
)

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id"), nullable=False),
    sa.Column("feature_id", sa.Integer, sa.ForeignKey("features.id"), index=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("payload_hash", sa.String(64), nullable=False),
    sa.Column("latitude", sa.Float, nullable=False),
    sa.Column("longitude", sa.Float, nullable=False),
    sa.Column("uncertainty_m", sa.Float, nullable=False),
    sa.Column("camera_type", sa.String(20), nullable=False),
    sa.Column("mount", sa.String(20), nullable=False),
    sa.Column("direction", sa.Float),
    sa.Column("surveillance", sa.String(20)),
    sa.Column("sightings", sa.Integer, nullable=False),
    sa.Column("walk_uuid", sa.String(36), nullable=False),
    sa.Column("crop_sha256", sa.String(64)),
    sa.Column("reviewed_at", sa.String(40)),
    sa.Column("received_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)

crops = sa.Table(
    "crops",
    metadata,
    sa.Column("submission_uuid", sa.String(36), sa.ForeignKey("submissions.uuid"), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("received_at", sa.String(40), nullable=False),
)

conflicts = sa.Table(
    "conflicts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("feature_id", sa.Integer, sa.ForeignKey("features.id"), nullable=False, index=True),
    sa.Column("field", sa.String(20), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),  # JSON list of the disagreeing values
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("resolved_at", sa.String(40)),
    sa.Column("resolution", sa.Text),
)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),  # schema_version; revocations (bumped by every revoke)
)
