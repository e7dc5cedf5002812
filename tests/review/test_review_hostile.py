"""Requests a hostile tester sent the review page (each used to answer 500), through a real server on loopback,
and the review command on read-only media and on a path that does not exist."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import httpx
import pytest
from helpers.daemons import free_port
from helpers.mounts import remount_read_only, tmpfs
from helpers.webserver import serving

from sousveillance.device.review.app import build_app
from sousveillance.device.review.settings import ReviewSettings
from sousveillance.device.store import Store

HUGE = "99999999999999999999999999"  # beyond SQLite's 64-bit integers


@pytest.fixture
def live(walk_db):
    with serving(build_app(walk_db.path, ReviewSettings())) as server:
        yield server


def test_ids_beyond_64_bits_are_not_found(live, walk_db):
    with httpx.Client(base_url=live) as client:
        for path in (f"/walks/{HUGE}", f"/walks/{HUGE}/review", f"/api/walks/{HUGE}", f"/api/walks/{HUGE}/cameras",
                     f"/api/cameras/{HUGE}", f"/export/gpx?walk={HUGE}&track=1", f"/export/geojson?walk={HUGE}",
                     f"/export/csv?walk=-{HUGE}"):
            r = client.get(path)
            assert r.status_code == 404, (path, r.status_code, r.text[:200])
        assert client.get(f"/api/walks/{HUGE}/decisions").json() == {"decisions": []}
        html = client.get("/").text
        import re

        token = {"X-CSRF-Token": re.search(r'"csrf": "([^"]+)"', html).group(1)}
        r = client.post(f"/api/cameras/{HUGE}/confirm", headers=token)
        assert r.status_code == 404 and r.json()["error"] == f"no camera with id {HUGE}"
        r = client.post(f"/api/walks/{HUGE}/undo", headers=token)
        assert r.status_code == 400 and r.json()["error"] == "nothing to undo"
        r = client.post(f"/api/cameras/{walk_db.camera_ids[0]}/merge", json={"into": int(HUGE)}, headers=token)
        assert r.status_code == 400 and "into must be between" in r.json()["error"]
        # the same ids of real rows still answer
        assert client.get(f"/export/gpx?walk={walk_db.walk_id}&track=1").status_code == 200


def test_a_null_byte_in_a_crop_path_is_not_found(live):
    with httpx.Client(base_url=live) as client:
        for path in ("/crops/crops/1/%00.jpg", "/crops/%00", "/crops/crops/1/cam0-best.jpg%00.png"):
            r = client.get(path)
            assert r.status_code == 404, (path, r.status_code)
            assert "\n" not in r.json()["error"]
        assert client.get("/crops/crops/1/cam0-best.jpg").status_code == 200


def _review(args: list[str], port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SOUSVEILLANCE_CONFIG": os.devnull}
    return subprocess.Popen([sys.executable, "-m", "sousveillance", "review", *args, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def _wait_up(proc: subprocess.Popen, url: str) -> None:
    import time

    for _ in range(200):
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read())
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("the review command did not come up")


def test_read_only_mode_serves_a_database_on_a_read_only_mount(walk_db, tmp_path):
    """A walk database on a read-only file system (a card locked read-only): every page answers, nothing is written.

    SQLite cannot create the database's shared-memory file there, so ``mode=ro`` alone fails ("unable to open
    database file" on every page); the store opens it immutable instead.
    """
    with Store(walk_db.path) as store:  # a reviewed camera, for the exports
        store.update_camera(walk_db.camera_ids[0], {"review_state": "confirmed"})
    with tmpfs(tmp_path / "card", "20m") as card:
        shutil.copytree(walk_db.path.parent, card / "walk")
        assert not (card / "walk" / "walks.db-shm").exists()
        remount_read_only(card)
        db = card / "walk" / "walks.db"
        with pytest.raises(OSError):
            (card / "walk" / "probe").write_text("x")
        port = free_port()
        proc = _review([str(db), "--read-only"], port)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_up(proc, base + "/static/style.css")
            with httpx.Client(base_url=base) as client:
                for path in ("/", "/walks/1", "/walks/1/review", "/api/walks", "/api/walks/1", "/api/walks/1/cameras",
                             f"/api/cameras/{walk_db.camera_ids[0]}", "/export/geojson", "/export/gpx?walk=1&track=1",
                             "/crops/crops/1/cam0-best.jpg", "/api/walks/1/decisions"):
                    r = client.get(path)
                    assert r.status_code == 200, (path, r.status_code, r.text[:300])
                assert len(client.get("/export/geojson").json()["features"]) == 1
                assert client.get("/api/walks").json()["walks"][0]["cameras"] == 5
        finally:
            proc.terminate()
            proc.wait(10)
        written = sorted(p.name for p in (card / "walk").iterdir())
        assert written == sorted(p.name for p in walk_db.path.parent.iterdir())


def test_review_refuses_a_database_that_does_not_exist_unless_create(tmp_path):
    missing = tmp_path / "typo" / "walsk.db"
    port = free_port()
    proc = _review([str(missing)], port)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1
    last = out.strip().splitlines()[-1]
    assert last == f"Error: no walk database at {missing} (check the path; --create makes an empty one)"
    assert not missing.exists() and not missing.parent.exists()
    proc = _review([str(missing), "--create"], port)
    try:
        _wait_up(proc, f"http://127.0.0.1:{port}/api/walks")
        assert httpx.get(f"http://127.0.0.1:{port}/api/walks").json() == {"walks": []}
        assert missing.is_file()
    finally:
        proc.terminate()
        proc.wait(10)
