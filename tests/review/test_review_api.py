"""The review web view's JSON API and pages, in-process (httpx ASGITransport) against a real walk database."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from sousveillance.device.store import Store


def test_walks_list_shows_date_duration_distance_and_counts(client, walk_db):
    walks = client.get("/api/walks").json()["walks"]
    assert len(walks) == 1
    w = walks[0]
    assert w["started_at"].startswith("2026-05-09T09:30")
    assert 700 < w["duration_s"] < 720
    assert 700 < w["distance_m"] < 800  # Vieux-Port -> La Joliette along the street
    assert (w["cameras"], w["pending"], w["confirmed"], w["rejected"]) == (5, 5, 0, 0)
    page = client.get("/").text
    assert "5 found" in page and "5 pending" in page and "0.76 km" in page


def test_pages_load(client, walk_db):
    for url in ("/", f"/walks/{walk_db.walk_id}", f"/walks/{walk_db.walk_id}/review"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "/static/vendor/leaflet/leaflet.js" in r.text
    assert client.get("/walks/999").status_code == 404
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert "Volodymyr Agafonkin" in client.get("/static/vendor/leaflet/LICENSE").text


def test_decisions_are_written_at_once_with_time_and_reviewer_and_undo_restores(client, walk_db):
    token = client.csrf()
    cam = walk_db.camera_ids[1]
    h = {"X-CSRF-Token": token}
    assert client.post(f"/api/cameras/{cam}/set", json={"camera_type": "dome"}, headers=h).status_code == 200
    assert client.post(f"/api/cameras/{cam}/set", json={"direction": 95}, headers=h).status_code == 200
    r = client.post(f"/api/cameras/{cam}/confirm", json={"mount": "wall", "reviewer": "Awa"}, headers=h)
    assert r.status_code == 200 and r.json()["camera"]["review_state"] == "confirmed"
    with Store(walk_db.path) as store:
        row = store.db["cameras"].get(cam)
        assert ((row["camera_type"], row["mount"], row["direction"], row["review_state"])
                == ("dome", "wall", 95, "confirmed"))
        assert row["reviewer"] == "Awa" and row["reviewed_at"].startswith("20")
        log = list(store.db.query("SELECT action, reviewer, at, undone FROM decisions ORDER BY id"))
    assert [d["action"] for d in log] == ["set", "set", "confirm"] and log[2]["reviewer"] == "Awa"
    r = client.post(f"/api/walks/{walk_db.walk_id}/undo", headers=h)
    assert r.status_code == 200 and r.json()["decision"]["action"] == "confirm"
    with Store(walk_db.path) as store:
        row = store.db["cameras"].get(cam)
        assert (row["review_state"], row["mount"], row["direction"]) == ("pending", "pole", 95)
        assert store.db["decisions"].get(3)["undone"] == 1
    history = client.get(f"/api/walks/{walk_db.walk_id}/decisions").json()["decisions"]
    assert [(d["action"], d["undone"]) for d in history] == [("confirm", True), ("set", False), ("set", False)]


def test_move_merge_split(client, walk_db):
    h = {"X-CSRF-Token": client.csrf()}
    a, b = walk_db.camera_ids[3], walk_db.camera_ids[4]
    r = client.post(f"/api/cameras/{a}/move", json={"latitude": 43.30201, "longitude": 5.36731}, headers=h)
    assert r.status_code == 200
    cam = r.json()["camera"]
    assert (cam["latitude"], cam["longitude"], cam["position_method"]) == (43.30201, 5.36731, "reviewer")
    detail = client.get(f"/api/cameras/{a}").json()
    assert [d["id"] for d in detail["duplicates"]] == [b]
    r = client.post(f"/api/cameras/{b}/merge", json={"into": a}, headers=h)
    assert r.status_code == 200
    cams = client.get(f"/api/walks/{walk_db.walk_id}/cameras").json()["cameras"]
    assert b not in [c["id"] for c in cams] and len(cams) == 4
    detail = client.get(f"/api/cameras/{a}").json()
    assert [m["id"] for m in detail["members"]] == [b]
    assert len(detail["sightings"]) == 5  # its own other crops and the merged camera's
    r = client.post(f"/api/cameras/{a}/split", json={"member": b}, headers=h)
    assert r.status_code == 200
    assert len(client.get(f"/api/walks/{walk_db.walk_id}/cameras").json()["cameras"]) == 5
    client.post(f"/api/walks/{walk_db.walk_id}/undo", headers=h)  # undo the split: merged again
    assert len(client.get(f"/api/walks/{walk_db.walk_id}/cameras").json()["cameras"]) == 4


def test_bad_input_gives_one_line_error_and_changes_nothing(client, walk_db):
    h = {"X-CSRF-Token": client.csrf()}
    cam = walk_db.camera_ids[0]
    cases = [
        (f"/api/cameras/{cam}/set", {"camera_type": "bullet"}, 400, "camera_type must be one of"),
        (f"/api/cameras/{cam}/set", {"mount": "tree"}, 400, "mount must be one of"),
        (f"/api/cameras/{cam}/set", {"direction": 400}, 400, "direction must be between"),
        (f"/api/cameras/{cam}/set", {}, 400, "nothing to change"),
        (f"/api/cameras/{cam}/move", {"latitude": "north", "longitude": 5.3}, 400, "latitude must be a number"),
        (f"/api/cameras/{cam}/merge", {"into": cam}, 400, "cannot be merged with itself"),
        (f"/api/cameras/{cam}/explode", {}, 400, "unknown action"),
        ("/api/cameras/9999/confirm", {}, 404, "no camera with id 9999"),
    ]
    for url, body, status, message in cases:
        r = client.post(url, json=body, headers=h)
        assert r.status_code == status, (url, body, r.text)
        assert message in r.json()["error"] and "\n" not in r.json()["error"]
    r = client.post(f"/api/cameras/{cam}/confirm", content=b"{not json", headers=h)
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]
    r = client.post(f"/api/walks/{walk_db.walk_id}/undo", headers=h)
    assert r.status_code == 400 and r.json()["error"] == "nothing to undo"
    with Store(walk_db.path) as store:
        assert store.db["decisions"].count == 0
        assert store.db["cameras"].get(cam)["review_state"] == "pending"


def test_new_cameras_appear_in_the_polled_endpoint(client, walk_db):
    before = client.get(f"/api/walks/{walk_db.walk_id}/cameras").json()["cameras"]
    with Store(walk_db.path) as store:  # the survey loop, writing while the page is open
        store.db["cameras"].insert({"uuid": "live-1", "walk_id": walk_db.walk_id, "track_id": 99, "camera_type": "dome",
                                    "latitude": 43.3, "longitude": 5.368, "first_seen": "2026-05-09T09:50:00+00:00"})
    after = client.get(f"/api/walks/{walk_db.walk_id}/cameras").json()
    assert len(after["cameras"]) == len(before) + 1 and after["walk"]["pending"] == 6


def _confirm_two(client, walk_db):
    h = {"X-CSRF-Token": client.csrf()}
    client.post(f"/api/cameras/{walk_db.camera_ids[0]}/confirm", headers=h)
    client.post(f"/api/cameras/{walk_db.camera_ids[1]}/confirm", json={"direction": 120}, headers=h)
    client.post(f"/api/cameras/{walk_db.camera_ids[2]}/reject", headers=h)


def test_exports_hold_confirmed_cameras_only(client, walk_db):
    _confirm_two(client, walk_db)
    gj = client.get(f"/export/geojson?walk={walk_db.walk_id}")
    assert gj.status_code == 200 and "attachment" in gj.headers["content-disposition"]
    features = gj.json()["features"]
    assert len(features) == 2
    tags = features[1]["properties"]["tags"]
    assert tags["man_made"] == "surveillance" and tags["surveillance:type"] == "camera"
    assert (tags["camera:type"], tags["camera:mount"], tags["camera:direction"]) == ("fixed", "pole", "120")
    wire = pytest.importorskip("sousveillance.sync.wire")
    for f in features:  # the campaign server's wire format
        wire.validate_feature(f)
    rows = list(csv.DictReader(io.StringIO(client.get("/export/csv").text)))
    assert [r["camera_type"] for r in rows] == ["dome", "fixed"]
    assert "man_made=surveillance" in rows[0]["osm_tags"]
    gpx = ET.fromstring(client.get(f"/export/gpx?walk={walk_db.walk_id}").text)
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    assert len(gpx.findall("g:wpt", ns)) == 2 and not gpx.findall("g:trk", ns)
    assert client.get("/export/shapefile").status_code == 404


FORMULA = '=HYPERLINK("http://x","y")'


def test_csv_export_neutralises_a_reviewers_formula(client, walk_db):
    h = {"X-CSRF-Token": client.csrf()}
    client.post(f"/api/cameras/{walk_db.camera_ids[0]}/confirm", json={"reviewer": FORMULA}, headers=h)
    rows = list(csv.DictReader(io.StringIO(client.get("/export/csv").text)))
    assert [r["reviewer"] for r in rows] == ["'" + FORMULA]  # a spreadsheet shows it as text, never runs it


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpx", "umap", "osm", "osc"])
def test_the_review_page_and_the_export_command_write_the_same_file(client, walk_db, tmp_path, fmt):
    from click.testing import CliRunner

    from sousveillance.sync.cli import export

    _confirm_two(client, walk_db)
    for walk in (["--walk", str(walk_db.walk_id)], []):
        page = client.get(f"/export/{fmt}" + (f"?walk={walk_db.walk_id}" if walk else ""))
        assert page.status_code == 200
        out = tmp_path / f"cameras.{fmt}"
        result = CliRunner().invoke(export, [str(walk_db.path), "--format", fmt, *walk, "-o", str(out)],
                                    env={"SOUSVEILLANCE_CONFIG": ""})
        assert result.exit_code == 0, result.output
        assert out.read_bytes() == page.content
        assert page.content.count(b"surveillance") >= 2  # both confirmed cameras are in it


def test_privacy_zone_hides_track_in_views_and_exports(make_client, walk_db):
    start_lat, start_lon = walk_db.fixes[0]
    zone = {"latitude": start_lat, "longitude": start_lon, "radius_m": 150}
    plain = make_client().get(f"/api/walks/{walk_db.walk_id}").json()["track"]
    client = make_client(privacy_zones=[zone])
    track = client.get(f"/api/walks/{walk_db.walk_id}").json()["track"]
    points = [p for seg in track for p in seg]
    assert 0 < len(points) < sum(len(s) for s in plain)
    from sousveillance.device.geodesy import distance_m

    assert min(distance_m(start_lat, start_lon, *p) for p in points) > 150
    gpx = client.get(f"/export/gpx?walk={walk_db.walk_id}&track=1").text
    trkpts = ET.fromstring(gpx).findall(".//{http://www.topografix.com/GPX/1/1}trkpt")
    assert len(trkpts) == len(points)
    assert all(distance_m(start_lat, start_lon, float(t.get("lat")), float(t.get("lon"))) > 150 for t in trkpts)
    assert f"{start_lat:.5f}" not in client.get(f"/walks/{walk_db.walk_id}").text


def test_status_endpoint_answers_even_without_the_service_module(client):
    data = client.get("/api/status").json()
    assert "available" in data and isinstance(data["line"], str)


def test_geojson_export_is_valid_json_with_feature_ids(client, walk_db):
    _confirm_two(client, walk_db)
    data = json.loads(client.get("/export/geojson").text)
    assert data["type"] == "FeatureCollection"
    assert all(f["id"] == f["properties"]["uuid"] for f in data["features"])


def test_osm_export_when_the_sync_subsystem_is_installed(client, walk_db):
    pytest.importorskip("sousveillance.sync.osm.files")
    _confirm_two(client, walk_db)
    assert "/export/osm" in client.get(f"/walks/{walk_db.walk_id}").text
    r = client.get(f"/export/osm?walk={walk_db.walk_id}")
    assert r.status_code == 200, r.text
    nodes = ET.fromstring(r.text).findall("node")
    assert len(nodes) == 2
    assert {t.get("k"): t.get("v") for t in nodes[0].findall("tag")}["man_made"] == "surveillance"


def test_split_of_an_automatic_merge_uses_the_geolocation_engine(client, walk_db):
    """A merge made by the end-of-walk pass (``camera_merges``) is split by ``geo.unmerge``; undo re-merges."""
    pytest.importorskip("sousveillance.device.geo.finalize")
    kept, merged = walk_db.camera_ids[3], walk_db.camera_ids[4]
    with Store(walk_db.path) as store:
        if not store.db["camera_merges"].exists():
            pytest.skip("no camera_merges table in this version")
        store.db["cameras"].update(merged, {"merged_into": kept})
        store.db["camera_merges"].insert({"walk_id": walk_db.walk_id, "kept_camera_id": kept,
                                          "merged_camera_id": merged,
                                          "reason": "test", "distance_m": 2.2, "score": 0.9,
                                          "created_at": "2026-05-09T10:00:00+00:00"})
    h = {"X-CSRF-Token": client.csrf()}
    assert [m["id"] for m in client.get(f"/api/cameras/{kept}").json()["members"]] == [merged]
    r = client.post(f"/api/cameras/{kept}/split", json={"member": merged}, headers=h)
    assert r.status_code == 200, r.text
    with Store(walk_db.path) as store:
        assert store.db["cameras"].get(merged)["merged_into"] is None
        assert store.db["camera_merges"].get(1)["undone_at"] is not None  # never merged again automatically
    assert client.post(f"/api/walks/{walk_db.walk_id}/undo", headers=h).status_code == 200
    with Store(walk_db.path) as store:
        assert store.db["cameras"].get(merged)["merged_into"] == kept


def test_a_locked_database_refuses_the_decision_cleanly(client, walk_db):
    """The survey holding a write lock: the reviewer gets a one-line 503, nothing half-written."""
    import sqlite3

    h = {"X-CSRF-Token": client.csrf()}
    client.app.state.review.store.db.conn.execute("PRAGMA busy_timeout=100")
    other = sqlite3.connect(walk_db.path)
    other.execute("BEGIN IMMEDIATE")
    try:
        r = client.post(f"/api/cameras/{walk_db.camera_ids[0]}/confirm", headers=h)
        assert r.status_code == 503 and "database busy" in r.json()["error"]
    finally:
        other.rollback()
        other.close()
    with Store(walk_db.path) as store:
        assert store.db["decisions"].count == 0
        assert store.db["cameras"].get(walk_db.camera_ids[0])["review_state"] == "pending"
    assert client.post(f"/api/cameras/{walk_db.camera_ids[0]}/confirm", headers=h).status_code == 200
