"""The walk database: migrations, WAL, interrupted walks, crop paths, disk full."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import numpy as np
import pytest

from sousveillance.device.store import DiskFullError, Store, StoreError, migrations


def test_new_database_is_wal_and_migrated_once(tmp_path):
    path = tmp_path / "walks.db"
    with Store(path) as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        names = [r[0] for r in store.db.execute("SELECT name FROM _migrations ORDER BY name")]
        assert names == migrations.available()
        assert {"walks", "fixes", "sightings", "cameras", "poles"} <= set(store.db.table_names())
    with Store(path) as store:  # re-opening applies nothing twice
        assert migrations.apply(store.db) == []
        # Datasette-friendly: latitude/longitude columns where positions live
        for table in ("fixes", "sightings", "cameras"):
            assert {"latitude", "longitude"} <= set(store.db[table].columns_dict)


def test_walk_of_a_dead_process_is_marked_interrupted(tmp_path):
    path = tmp_path / "walks.db"
    code = (
        "import os, sys; from sousveillance.device.store import Store;"
        f"s = Store({str(path)!r}); w = s.start_walk(source='x');"
        "s.db['fixes'].insert({'walk_id': w, 't': 1.0, 'utc': '2026-05-02T09:30:01.000+00:00', 'latitude': 43.3, "
        "'longitude': 5.37});"
        "s.db.conn.commit(); os._exit(0)"  # dies without ending the walk
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    with Store(path) as store:
        assert store.walk(1).status == "running"
        assert store.mark_stale_walks() == [1]
        walk = store.walk(1)
        assert walk.status == "interrupted" and walk.ended_at.startswith("2026-05-02T09:30:01")
        # the next walk starts fresh
        assert store.start_walk(source="y") == 2 and store.walk(2).status == "running"


def test_crops_are_written_next_to_the_database_and_paths_cannot_escape(tmp_path):
    with Store(tmp_path / "walks.db") as store:
        rel = store.save_crop(1, "cam-abc", np.zeros((20, 30, 3), np.uint8))
        assert rel == "crops/1/cam-abc.jpg" and (tmp_path / rel).is_file()
        assert store.resolve_crop(rel) == (tmp_path / rel).resolve()
        for hostile in ("../walks.db", "crops/../../etc/passwd", "/etc/passwd", "crops/1/../../walks.db"):
            with pytest.raises(StoreError, match="outside"):
                store.resolve_crop(hostile)


def test_a_full_database_raises_disk_full_and_keeps_what_was_committed(tmp_path):
    path = tmp_path / "walks.db"
    with Store(path) as store:
        walk = store.start_walk(source="x")
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(DiskFullError):
            with store.batch() as db:
                db["fixes"].insert_all({"walk_id": walk, "t": float(i), "utc": "x" * 200,
                                        "latitude": 1.0, "longitude": 2.0} for i in range(5000))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM walks").fetchone()[0] == 1


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "walks.db"
    bad.write_bytes(b"hello, this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable walk database"):
        Store(bad)
