"""The write path: revocation seen across processes, groups that fail partly, re-merge of features that later
submissions bring together, withdrawal, and an upgrade of a database the first release made."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import httpx
import pytest
from click.testing import CliRunner
from sync_helpers import ProcessServer

from sousveillance.sync.server.cli import server
from sousveillance.sync.server.repo import Repository
from sousveillance.sync.server.writer import WriteFailed

NORTH_M = 1 / 111_195  # one metre of latitude in degrees
X = (48.86, 2.35)


def _put(url, token, feat):
    return httpx.put(f"{url}/api/v1/cameras/{feat['id']}", json=feat, headers={"Authorization": f"Bearer {token}"})


def test_a_revoke_from_the_command_line_stops_a_running_server_at_once(db_url, feature):
    """The server caches tokens in memory; ``server device revoke`` in another process still takes effect."""
    repo = Repository(db_url)
    alice, bob = repo.add_device("alice"), repo.add_device("bob")
    srv = ProcessServer(db_url).start()
    try:
        assert _put(srv.url, alice, feature(*X)).status_code == 201  # alice's token is now cached
        assert _put(srv.url, bob, feature(48.87, 2.36)).status_code == 201
        done = CliRunner().invoke(server, ["device", "revoke", "alice", "--db", db_url])
        assert done.exit_code == 0, done.output
        refused = _put(srv.url, alice, feature(48.88, 2.37))
        assert refused.status_code == 403 and refused.json()["error"] == "device_revoked"
        own = feature(*X)
        got = httpx.get(f"{srv.url}/api/v1/cameras/{own['id']}", headers={"Authorization": f"Bearer {alice}"})
        assert got.status_code == 403
        assert _put(srv.url, bob, feature(48.89, 2.38)).status_code == 201  # the others go on
    finally:
        srv.kill()
    assert repo.counts()["submissions"] == 3
    repo.close()


def test_one_failing_write_in_a_group_loses_none_of_the_others(tmp_path, feature):
    """Jobs queued together commit together; one that breaks rolls back alone and its neighbours still land."""
    repo = Repository(str(tmp_path / "campaign.db"))
    token = repo.add_device("alice")
    device = repo.authenticate(token)

    async def broken(st):  # writes half its work, then fails in a way no request causes
        await st.db.run("UPDATE devices SET name = 'renamed' WHERE name = 'alice'")
        raise RuntimeError("disk on fire")

    async def burst():
        jobs = [repo.put_job(device, feature(X[0] + i * 0.001, X[1])) for i in range(10)]
        futures = [repo.submit(j) for j in jobs[:5]] + [repo.writer.submit(broken)] + [repo.submit(j) for j in jobs[5:]]
        results = await asyncio.gather(*futures, return_exceptions=True)
        await repo.writer.stop()
        return results

    results = asyncio.run(burst())
    assert [type(r).__name__ for r in results].count("PutResult") == 10
    assert isinstance(results[5], WriteFailed)
    assert repo.counts()["submissions"] == 10
    assert [d.name for d in repo.devices()] == ["alice"]  # the broken job's half write was rolled back
    repo.close()


def test_features_that_later_submissions_bring_together_are_merged(repo, feature):
    """Alice and Bob put one camera 10 m apart (two features); Carol's precise find between them joins Alice's,
    which moves within Bob's merge distance: the two become one."""
    alice, bob, carol = (repo.authenticate(repo.add_device(n)) for n in ("alice", "bob", "carol"))
    a = repo.put_camera(alice, feature(*X, "dome", uncertainty_m=3.0))
    b = repo.put_camera(bob, feature(X[0] + 10 * NORTH_M, X[1], "dome", uncertainty_m=3.0))
    assert a.feature_uuid != b.feature_uuid and repo.counts()["features"] == 2
    c = repo.put_camera(carol, feature(X[0] + 4.5 * NORTH_M, X[1], "dome", uncertainty_m=1.5))
    feats = repo.features()
    assert len(feats) == 1
    assert feats[0]["contributors"] == 3 and feats[0]["submissions"] == 3
    assert c.feature_uuid == feats[0]["uuid"] == a.feature_uuid  # the feature with more submissions keeps its id
    assert repo.open_conflicts() == []


def test_cameras_a_walker_split_stay_apart_when_nothing_joins_them(repo, feature):
    alice, bob = (repo.authenticate(repo.add_device(n)) for n in ("alice", "bob"))
    repo.put_camera(alice, feature(*X, "dome", uncertainty_m=3.0))
    repo.put_camera(bob, feature(X[0] + 10 * NORTH_M, X[1], "dome", uncertainty_m=3.0))
    repo.put_camera(bob, feature(X[0] + 30 * NORTH_M, X[1], "dome", uncertainty_m=3.0))
    assert repo.counts()["features"] == 3


def test_a_withdrawn_camera_leaves_the_map_and_a_repeat_is_absent(live, feature):
    token = live.repo.add_device("alice")
    feat = feature(*X)
    assert _put(live.url, token, feat).status_code == 201
    url, auth = f"{live.url}/api/v1/cameras/{feat['id']}", {"Authorization": f"Bearer {token}"}
    assert httpx.delete(url, headers=auth).json()["status"] == "deleted"
    assert httpx.delete(url, headers=auth).json()["status"] == "absent"
    assert live.repo.counts()["features"] == 0


V1_SCHEMA = """
CREATE TABLE devices (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL UNIQUE, token_hash VARCHAR(64) NOT NULL UNIQUE,
  created_at VARCHAR(40) NOT NULL, revoked_at VARCHAR(40));
CREATE TABLE features (id INTEGER PRIMARY KEY, uuid VARCHAR(36) NOT NULL UNIQUE, latitude FLOAT NOT NULL,
  longitude FLOAT NOT NULL, uncertainty_m FLOAT NOT NULL, camera_type VARCHAR(20) NOT NULL, mount VARCHAR(20) NOT NULL,
  direction FLOAT, surveillance VARCHAR(20), contributors INTEGER NOT NULL, submissions INTEGER NOT NULL,
  sightings INTEGER NOT NULL, conflicts INTEGER NOT NULL, overrides TEXT, created_at VARCHAR(40) NOT NULL,
  updated_at VARCHAR(40) NOT NULL);
CREATE INDEX ix_features_lat_lon ON features (latitude, longitude);
CREATE TABLE submissions (id INTEGER PRIMARY KEY, uuid VARCHAR(36) NOT NULL UNIQUE, device_id INTEGER NOT NULL
  REFERENCES devices (id), feature_id INTEGER REFERENCES features (id), payload TEXT NOT NULL,
  payload_hash VARCHAR(64) NOT NULL, latitude FLOAT NOT NULL, longitude FLOAT NOT NULL, uncertainty_m FLOAT NOT NULL,
  camera_type VARCHAR(20) NOT NULL, mount VARCHAR(20) NOT NULL, direction FLOAT, surveillance VARCHAR(20),
  sightings INTEGER NOT NULL, walk_uuid VARCHAR(36) NOT NULL, crop_sha256 VARCHAR(64), received_at VARCHAR(40) NOT NULL,
  updated_at VARCHAR(40) NOT NULL);
CREATE TABLE conflicts (id INTEGER PRIMARY KEY, feature_id INTEGER NOT NULL REFERENCES features (id),
  field VARCHAR(20) NOT NULL, detail TEXT NOT NULL, created_at VARCHAR(40) NOT NULL, resolved_at VARCHAR(40),
  resolution TEXT);
CREATE TABLE crops (submission_uuid VARCHAR(36) PRIMARY KEY REFERENCES submissions (uuid), sha256 VARCHAR(64) NOT NULL,
  data BLOB NOT NULL, received_at VARCHAR(40) NOT NULL);
"""


OLD_FEATURE = "f0000000-0000-4000-8000-000000000001"


def test_a_database_of_the_first_release_is_upgraded_in_place(tmp_path, feature):
    """Schema 1 (no meta table, no R*Tree, no check_date): opened by this server, it keeps its map and merges on."""
    path = tmp_path / "campaign.db"
    old = feature(*X, "dome")
    old["properties"]["review"]["reviewed_at"] = "2025-06-01T09:00:00Z"
    lon, lat = old["geometry"]["coordinates"]
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SCHEMA)
        conn.execute("INSERT INTO devices VALUES (1, 'alice', 'h', '2025-06-01', NULL)")
        conn.execute(
            "INSERT INTO features VALUES (1, ?, ?, ?, 3.0, 'dome', 'wall', NULL, 'public', 1, 1, 4, 0, NULL, "
            "'2025-06-01', '2025-06-01')",
            (OLD_FEATURE, lat, lon),
        )
        conn.execute(
            "INSERT INTO submissions VALUES (1, ?, 1, 1, ?, 'x', ?, ?, 3.0, 'dome', 'wall', NULL, 'public', 4, ?, NULL,"
            " '2025-06-01', '2025-06-01')",
            (old["id"], json.dumps(old), lat, lon, old["properties"]["walk"]["uuid"]),
        )
    repo = Repository(str(path))
    feats = repo.features()
    assert len(feats) == 1 and feats[0]["check_date"] == "2025-06-01"
    bob = repo.authenticate(repo.add_device("bob"))
    joined = repo.put_camera(bob, feature(X[0] + 2 * NORTH_M, X[1], "dome"))
    assert joined.feature_uuid == OLD_FEATURE  # found through the new R*Tree
    assert repo.features()[0]["contributors"] == 2
    repo.close()
    Repository(str(path)).close()  # opening it again changes nothing
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (2,)


@pytest.mark.parametrize("n", [40])
def test_concurrent_walkers_through_the_writer_lose_nothing(live, feature, n):
    tokens = [live.repo.add_device(f"walker-{i}") for i in range(4)]

    async def walk(client, token, feats):
        for feat in feats:
            auth = {"Authorization": f"Bearer {token}"}
            response = await client.put(f"/api/v1/cameras/{feat['id']}", json=feat, headers=auth)
            assert response.status_code == 201, response.text

    async def main():
        async with httpx.AsyncClient(base_url=live.url, timeout=60) as client:
            work = [[feature(X[0] + i * 0.0005, X[1] + w * 0.00001) for i in range(n // 4)] for w in range(4)]
            await asyncio.gather(*(walk(client, t, w) for t, w in zip(tokens, work, strict=True)))

    asyncio.run(main())
    counts = live.repo.counts()
    assert counts["submissions"] == n and counts["features"] == n // 4  # four walkers, each camera seen by all
    assert {f["contributors"] for f in live.repo.features()} == {4}
