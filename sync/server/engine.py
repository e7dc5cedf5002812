"""The engine for a campaign database URL: a SQLite file (WAL, one pool of long-lived connections) or PostgreSQL
+ PostGIS, with the schema created or upgraded (``migrate.upgrade``) as it opens."""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ...device.extras import require
from . import migrate

log = logging.getLogger(__name__)


def database_url(value: str) -> str:
    """Accept a SQLAlchemy URL, ``postgresql://...`` (psycopg 3 is used) or a plain SQLite file path."""
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _sqlite_engine(url: str) -> Engine:
    # One pool of long-lived connections (no overflow: a connection opened per burst and closed again is waste).
    engine = sa.create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=8, max_overflow=0, pool_timeout=60
    )

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # DB-API connection
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # A write takes SQLite's write lock before it reads, so two server processes on one file serialise.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")

    return engine


def open_engine(url: str) -> Engine:
    """Engine for ``url`` with the schema created or upgraded (idempotent); PostGIS set up on PostgreSQL."""
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = _sqlite_engine(url)
    else:
        if url.startswith("postgresql+psycopg"):
            require("psycopg", "server", "a PostgreSQL campaign database")
        engine = sa.create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    migrate.upgrade(engine)
    log.info("campaign database ready: %s", engine.url.render_as_string(hide_password=True))
    return engine
