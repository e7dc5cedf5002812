"""Numbered schema migrations for walk databases on deployed devices.

Each module ``mNNN_name.py`` defines ``up(db: sqlite_utils.Database) -> None``. They run in name order, each inside
a transaction, and are recorded in the ``_migrations`` table so that each runs once per database. Never edit a
migration that has shipped: add the next number. Numbers reserved by subsystem: 001 core survey, 002 geolocation,
003 review, 004 sync outbox, 005 device service, 006 review context, 007 photo labelling,
008 privacy.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime

import sqlite_utils


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("m") and m.name[1:4].isdigit())


def apply(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; returns the names applied now."""
    conn = db.conn
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    applied = []
    for name in available():
        if name in done:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        with conn:
            module.up(db)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        applied.append(name)
    return applied
