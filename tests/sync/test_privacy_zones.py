"""A privacy zone around home hides its cameras from every way out: each export format of the CLI and of the
review page, ``osm``, the sync payloads and so the campaign server's public API; the review page of the device
itself still shows them, marked, and one can be released by a recorded decision.

Real parts: the walk database file, the commands through click, the review app and the campaign server under
uvicorn on loopback, the uploader's HTTP through a recording (real) transport.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from click.testing import CliRunner
from helpers.webserver import serving
from sync_helpers import Cam, RecordingTransport, make_walk_db

from sousveillance.config import load_config
from sousveillance.device.geodesy import distance_m, move
from sousveillance.device.review.app import build_app
from sousveillance.device.review.settings import ReviewSettings
from sousveillance.device.store import Store
from sousveillance.device.types import Fix
from sousveillance.sync.cli import export, sync
from sousveillance.sync.export import FORMATS
from sousveillance.sync.repository import SyncRepository
from sousveillance.sync.settings import SyncSettings
from sousveillance.sync.uploader import Uploader

HOME = (48.85, 2.30)
RADIUS = 25.0


def _walk(tmp_path, cams):
    """A walk from home (inside the zone) 300 m east, with the given cameras confirmed on it."""
    store = make_walk_db(tmp_path / "walk" / "walks.db", cams)
    t0 = datetime(2026, 11, 20, 7, 58, tzinfo=UTC)
    fixes = []
    for i in range(31):
        lat, lon = move(*HOME, i * 10.0, 0.0)
        fixes.append(Fix(t=i * 8.0, utc=t0 + timedelta(seconds=i * 8), latitude=lat, longitude=lon))
    store.add_fixes(1, fixes)
    store.close()
    return tmp_path / "walk" / "walks.db"


def _config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f"[privacy]\nzones = [{{latitude = {HOME[0]}, longitude = {HOME[1]}, radius_m = {RADIUS}}}]\n")
    return path


def _absent(text: str, cam: Cam, where: str) -> None:
    assert cam.uuid not in text, where
    assert f"{cam.lat:.6f}" not in text, where


def test_a_zone_hides_its_camera_from_every_export_sync_and_the_public_map(tmp_path, live):
    home = Cam(*move(*HOME, 0.0, 7.0), "dome")  # 7 m from the centre of a 25 m zone
    near = Cam(*move(*HOME, 70.0, 0.0), "fixed")  # outside, but near: exported without its times
    far = Cam(48.87, 2.30, "ptz")
    db = _walk(tmp_path, [home, near, far])
    config_path = _config(tmp_path)
    env = {"SOUSVEILLANCE_CONFIG": str(config_path)}
    with Store(db) as store:  # reviewed on the way home
        store.db["cameras"].update(2, {"reviewed_at": "2026-11-20T08:13:37.250+00:00",
                                       "updated_at": "2026-11-20T08:13:41.000+00:00"})
        reviewed_at = {c.uuid: c.reviewed_at for c in store.cameras()}
    near_time = "T08:13:"

    # every format of `sousveillance export` and `osm josm`
    outputs = {}
    for fmt in FORMATS:
        out = tmp_path / f"cameras.{fmt}"
        result = CliRunner().invoke(export, [str(db), "--format", fmt, "-o", str(out)], env=env)
        assert result.exit_code == 0, result.output
        outputs[f"cli {fmt}"] = out.read_text()
    from sousveillance.sync.osm.cli import osm

    result = CliRunner().invoke(osm, ["josm", str(db), "-o", str(tmp_path / "j.osm")], env=env)
    assert result.exit_code == 0, result.output
    outputs["osm josm"] = (tmp_path / "j.osm").read_text()

    # every format of the review page's export links, of the walk and of all walks, and its track
    config = load_config(config_path)
    with serving(build_app(db, ReviewSettings(), privacy=config.privacy)) as page:
        for fmt in FORMATS:
            for query in ("?walk=1", "", "?walk=1&track=1"):
                r = httpx.get(f"{page}/export/{fmt}{query}")
                assert r.status_code == 200, r.text
                outputs[f"page {fmt}{query}"] = r.text
        assert outputs["page geojson?walk=1"] == outputs["cli geojson"]
        own = httpx.get(f"{page}/api/walks/1/cameras").json()["cameras"]
        walk = httpx.get(f"{page}/api/walks/1").json()
    # the device's own review page shows it, marked
    assert {c["uuid"]: c["privacy"] for c in own} == {home.uuid: "inside", near.uuid: None, far.uuid: None}
    assert all(distance_m(*HOME, *p) > RADIUS for seg in walk["track"] for p in seg)
    assert walk["walk"]["distance_m"] == pytest.approx(300 - 30, abs=1)  # the first 30 m are inside the zone

    # sync: the payloads never name it
    transport = RecordingTransport()
    token = live.repo.add_device("alice")
    from sousveillance.sync.cli_common import open_store

    store = open_store(db, config)
    report = Uploader(store, SyncSettings(server_url=live.url), token, transport=transport).run()
    store.close()
    assert sorted(report.created) == sorted([near.uuid, far.uuid]) and report.pending == 0
    outputs["sync payloads"] = "\n".join(transport.sent)
    # the campaign server's public API
    for fmt in FORMATS:
        outputs[f"server {fmt}"] = httpx.get(f"{live.url}/api/v1/export/{fmt}").text
    features = httpx.get(f"{live.url}/api/v1/features").json()["features"]
    outputs["server features"] = json.dumps(features)
    assert len(features) == 2
    assert all(distance_m(*HOME, f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]) > RADIUS
               for f in features)

    for where, text in outputs.items():
        _absent(text, home, where)
        assert near_time not in text, f"{where}: the review time of a camera near the zone"
        if "track=1" in where and "gpx" in where:
            points = re.findall(r'<trkpt lat="([-0-9.]+)" lon="([-0-9.]+)"', text)
            assert points and all(distance_m(*HOME, float(a), float(b)) > RADIUS for a, b in points)
    assert far.uuid in outputs["cli geojson"] and far.uuid in outputs["sync payloads"]
    near_feature = next(f for f in json.loads(outputs["cli geojson"])["features"] if f["id"] == near.uuid)
    assert near_feature["properties"]["review"]["reviewed_at"] == reviewed_at[near.uuid][:10] + "T00:00:00Z"
    assert near_feature["properties"]["updated_at"] is None
    far_row = next(r for r in csv.DictReader(io.StringIO(outputs["cli csv"])) if r["uuid"] == far.uuid)
    assert far_row["reviewed_at"] == reviewed_at[far.uuid]  # far from every zone: as recorded


def test_a_zone_set_on_the_map_withdraws_what_was_queued_and_a_release_lets_one_camera_out(tmp_path, live):
    sent_before = Cam(*move(*HOME, -10.0, 0.0), "fixed")  # synced before the zone existed
    queued = Cam(*move(*HOME, 0.0, 7.0), "dome", state="pending")
    db = _walk(tmp_path, [sent_before, queued])
    token = live.repo.add_device("alice")
    env = {"SOUSVEILLANCE_CONFIG": "", "SOUSVEILLANCE_TOKEN": token}
    runner = CliRunner()
    assert runner.invoke(sync, [str(db), "--server", live.url], env=env).exit_code == 0
    assert live.repo.counts()["submissions"] == 1

    with serving(build_app(db, ReviewSettings(reviewer="walker-7"))) as page, httpx.Client(base_url=page) as c:
        csrf = {"X-CSRF-Token": re.search(r'"csrf": "([^"]+)"', c.get("/").text).group(1)}
        queued_id = next(x["id"] for x in c.get("/api/walks/1/cameras").json()["cameras"] if x["uuid"] == queued.uuid)
        assert c.post(f"/api/cameras/{queued_id}/confirm", headers=csrf).status_code == 200
        status = runner.invoke(sync, [str(db), "--status"], env=env)  # the camera is now in the outbox
        assert "pending=1" in status.output
        with SyncRepository(db) as records:
            assert queued.uuid in records.queued()
        # the walker marks home on the map
        r = c.post("/api/privacy/zones", json={"latitude": HOME[0], "longitude": HOME[1], "radius_m": RADIUS},
                   headers=csrf)
        assert r.status_code == 201 and r.json()["zone"]["source"] == "device"
        assert c.post("/api/privacy/zones", json={"latitude": 91, "longitude": 0, "radius_m": 5},
                      headers=csrf).status_code == 400
        assert c.delete("/api/privacy/zones/99", headers=csrf).status_code == 404
        cams = {x["uuid"]: x for x in c.get("/api/walks/1/cameras").json()["cameras"]}
        assert cams[queued.uuid]["privacy"] == "inside" and cams[sent_before.uuid]["privacy"] == "inside"

        result = runner.invoke(sync, [str(db), "--server", live.url], env=env)
        assert result.exit_code == 0, result.output
        assert "1 withdrawn" in result.output
        with SyncRepository(db) as records:
            assert queued.uuid not in records.queued()  # dropped, its payload with it: never sent
        assert live.repo.counts()["submissions"] == 0  # the one sent before is withdrawn from the server
        assert httpx.get(f"{live.url}/api/v1/features").json()["features"] == []
        out = tmp_path / "after.geojson"
        assert runner.invoke(export, [str(db), "-o", str(out)], env=env).exit_code == 0
        assert json.loads(out.read_text())["features"] == []  # the CLI applies the map's zone too

        # one camera released, explicitly: a decision with who and when
        sent_id = cams[sent_before.uuid]["id"]
        r = c.post(f"/api/cameras/{sent_id}/release", headers=csrf)
        assert r.status_code == 200 and r.json()["camera"]["privacy"] == "released"
        decision = r.json()["decision"]
        assert (decision["action"], decision["reviewer"]) == ("release", "walker-7") and decision["at"]
        again = c.post(f"/api/cameras/{sent_id}/release", headers=csrf)
        assert again.status_code == 400 and again.json()["error"] == f"camera {sent_id} is already released"
        far_id = c.post(f"/api/cameras/{queued_id}/move", json={"latitude": 48.9, "longitude": 2.3}, headers=csrf)
        assert far_id.status_code == 200
        r = c.post(f"/api/cameras/{queued_id}/release", headers=csrf)
        assert r.status_code == 400 and r.json()["error"] == f"camera {queued_id} is not inside a privacy zone"
    result = runner.invoke(sync, [str(db), "--server", live.url], env=env)
    assert result.exit_code == 0, result.output
    features = httpx.get(f"{live.url}/api/v1/features").json()["features"]
    assert len(features) == 2  # the released one and the moved one


def test_the_old_review_privacy_zones_key_still_works_and_now_hides_cameras_too(tmp_path, caplog):
    home = Cam(*move(*HOME, 0.0, 7.0), "dome")
    db = _walk(tmp_path, [home, Cam(48.87, 2.30, "ptz")])
    old = tmp_path / "old.toml"
    old.write_text(
        f"[review]\nprivacy_zones = [{{latitude = {HOME[0]}, longitude = {HOME[1]}, radius_m = {RADIUS}}}]\n")
    config = load_config(old)
    assert [(z.latitude, z.longitude, z.radius_m) for z in config.privacy.zones] == [(*HOME, RADIUS)]
    assert "review.privacy_zones is now [privacy] zones" in caplog.text
    out = tmp_path / "cameras.geojson"
    result = CliRunner().invoke(export, [str(db), "-o", str(out)], env={"SOUSVEILLANCE_CONFIG": str(old)})
    assert result.exit_code == 0, result.output
    assert home.uuid not in out.read_text() and len(json.loads(out.read_text())["features"]) == 1
