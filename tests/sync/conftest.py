"""Fixtures for sync tests: campaign databases (SQLite, PostgreSQL + PostGIS) and servers on loopback."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # sync_helpers

from sync_helpers import ThreadServer, build_feature

from sousveillance.sync.server.pgtemp import PostgresUnavailable, TempPostgres


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL + PostGIS cluster for the session (self-started in a temp dir), or None when not installed."""
    try:
        pg = TempPostgres().start()
    except PostgresUnavailable as exc:
        yield exc
        return
    yield pg
    pg.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """Campaign database URL: a fresh SQLite file, or a fresh PostGIS database on the session cluster."""
    if request.param == "sqlite":
        return str(tmp_path / "campaign.db")
    pg = request.getfixturevalue("postgres")
    if isinstance(pg, Exception):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {pg}")
        pytest.skip(str(pg))
    return pg.new_database()


@pytest.fixture
def repo(db_url):
    from sousveillance.sync.server.repo import Repository

    r = Repository(db_url)
    yield r
    r.close()


@pytest.fixture
def live(repo):
    from sousveillance.sync.server.app import create_app

    with ThreadServer(create_app(repo)) as server:
        server.repo = repo
        yield server


@pytest.fixture
def feature():
    return build_feature
