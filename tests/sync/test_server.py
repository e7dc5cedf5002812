"""Campaign server over real HTTP on loopback, on SQLite and on PostgreSQL + PostGIS: same tests, both databases."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from sousveillance.sync.wire import CropRef

# About 4.5 m apart in Paris: the same camera seen by two walkers.
A = (48.86000, 2.35000)
A_NEAR = (48.86003, 2.35004)
A_CLOSE = (48.86001, 2.35002)  # about 2 m: close enough to merge even when the walkers disagree on the type
FAR = (48.86100, 2.35200)


def put(server, token, feat):
    return httpx.put(
        f"{server.url}/api/v1/cameras/{feat['id']}", json=feat, headers={"Authorization": f"Bearer {token}"}
    )


def features(server) -> list[dict]:
    return httpx.get(f"{server.url}/api/v1/features").json()["features"]


def test_two_walkers_same_camera_make_one_feature_with_two_contributors(live, feature):
    alice, bob = live.repo.add_device("alice"), live.repo.add_device("bob")
    assert put(live, alice, feature(*A, "dome", uncertainty_m=4.0)).status_code == 201
    assert put(live, bob, feature(*A_NEAR, "dome", uncertainty_m=2.0)).status_code == 201
    assert put(live, bob, feature(*FAR, "fixed")).status_code == 201
    feats = features(live)
    assert len(feats) == 2
    merged = next(f for f in feats if f["properties"]["contributors"] == 2)
    assert merged["properties"]["submissions"] == 2
    lon, lat = merged["geometry"]["coordinates"]
    assert A[0] < lat < A_NEAR[0] and A[1] < lon < A_NEAR[1]  # weighted between the two
    assert merged["properties"]["tags"]["camera:type"] == "dome"
    assert merged["properties"]["uncertainty_m"] < 2.0
    assert live.repo.open_conflicts() == []


def test_type_disagreement_merges_and_is_kept_for_an_admin(live, feature):
    alice, bob = live.repo.add_device("alice"), live.repo.add_device("bob")
    put(live, alice, feature(*A, "dome"))
    put(live, bob, feature(*A_CLOSE, "fixed"))
    assert len(features(live)) == 1
    conflicts = httpx.get(f"{live.url}/api/v1/conflicts").json()
    assert [(c["field"], c["detail"]) for c in conflicts] == [("camera_type", ["dome", "fixed"])]
    live.repo.resolve(conflicts[0]["uuid"], "camera_type", "fixed")
    assert live.repo.open_conflicts() == []
    assert features(live)[0]["properties"]["tags"]["camera:type"] == "fixed"


def test_cameras_facing_away_on_one_pole_stay_two_features(live, feature):
    alice, bob = live.repo.add_device("alice"), live.repo.add_device("bob")
    put(live, alice, feature(*A, "dome", direction=10))
    put(live, bob, feature(*A_NEAR, "dome", direction=190))
    assert len(features(live)) == 2


def test_same_camera_twice_is_one_record_and_an_edit_updates_it(live, feature):
    token = live.repo.add_device("alice")
    feat = feature(*A, "dome")
    first = put(live, token, feat)
    again = put(live, token, feat)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["status"] == "unchanged"
    assert again.json()["feature"] == first.json()["feature"]
    feat["properties"]["tags"]["camera:type"] = "fixed"
    feat["properties"]["camera_type"] = "fixed"
    edit = put(live, token, feat)
    assert edit.json()["status"] == "updated"
    assert edit.json()["feature"] == first.json()["feature"]  # the map feature keeps its id
    counts = live.repo.counts()
    assert (counts["submissions"], counts["features"]) == (1, 1)
    assert features(live)[0]["properties"]["tags"]["camera:type"] == "fixed"


def test_forged_revoked_and_foreign_tokens_write_nothing(live, feature):
    alice, bob = live.repo.add_device("alice"), live.repo.add_device("bob")
    feat = feature(*A)
    assert put(live, alice, feat).status_code == 201
    before = live.repo.counts()
    other = feature(*FAR)
    assert put(live, "sv_forged", other).status_code == 401
    assert httpx.put(f"{live.url}/api/v1/cameras/{other['id']}", json=other).status_code == 401
    # bob cannot overwrite alice's camera
    stolen = json.loads(json.dumps(feat))
    stolen["geometry"]["coordinates"] = [2.0, 48.0]
    response = put(live, bob, stolen)
    assert response.status_code == 403 and response.json()["error"] == "foreign_camera"
    live.repo.revoke_device("bob")
    response = put(live, bob, other)
    assert response.status_code == 403 and response.json()["error"] == "device_revoked"
    assert live.repo.counts() == before
    assert features(live)[0]["geometry"]["coordinates"] == feat["geometry"]["coordinates"]


def _jpeg(size: int = 2000) -> bytes:
    return b"\xff\xd8\xff\xe0" + bytes(size) + b"\xff\xd9"


def test_crop_upload_checks_type_size_and_announced_hash(live, feature, tmp_path):
    token = live.repo.add_device("alice")
    data = _jpeg()
    ref = CropRef(tmp_path / "c.jpg", "crops/1/c.jpg", hashlib.sha256(data).hexdigest(), len(data))
    feat = feature(*A, crop=ref)
    assert put(live, token, feat).json()["crop_needed"] is True
    url = f"{live.url}/api/v1/cameras/{feat['id']}/crop"
    auth = {"Authorization": f"Bearer {token}"}
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    assert httpx.put(url, content=png, headers=auth | {"Content-Type": "image/jpeg"}).status_code == 415
    assert httpx.put(url, content=data, headers=auth | {"Content-Type": "image/png"}).status_code == 415
    big = _jpeg(2 * 1024 * 1024 + 10)
    assert httpx.put(url, content=big, headers=auth | {"Content-Type": "image/jpeg"}).status_code == 413
    assert httpx.put(url, content=_jpeg(10), headers=auth | {"Content-Type": "image/jpeg"}).status_code == 409
    assert httpx.put(url, content=data, headers={"Content-Type": "image/jpeg"}).status_code == 401
    assert live.repo.counts()["crops"] == 0
    assert httpx.put(url, content=data, headers=auth | {"Content-Type": "image/jpeg"}).status_code == 201
    assert httpx.put(url, content=data, headers=auth | {"Content-Type": "image/jpeg"}).status_code == 200
    assert put(live, token, feat).json()["crop_needed"] is False
    assert httpx.get(f"{live.url}/api/v1/crops/{feat['id']}").content == data
    feature_uuid = features(live)[0]["id"]
    assert httpx.get(f"{live.url}/api/v1/crops/{feature_uuid}").content == data


HOSTILE = [
    ("not json", "application/json", 400),
    ("{" * 5000 + "}" * 5000, "application/json", 400),
    ('{"type": "Feature"}', "application/json", 422),
    ("[]", "application/json", 422),
    ('{"a": NaN}', "application/json", 400),
    ("x" * (70 * 1024), "application/json", 413),
    ("{}", "text/plain", 415),
]


@pytest.mark.parametrize("body,ctype,status", HOSTILE, ids=[h[0][:12] for h in HOSTILE])
def test_hostile_payloads_get_a_4xx_and_write_nothing(live, feature, body, ctype, status):
    token = live.repo.add_device("alice")
    feat = feature(*A)
    response = httpx.put(
        f"{live.url}/api/v1/cameras/{feat['id']}",
        content=body.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": ctype},
    )
    assert response.status_code == status, response.text
    assert {"error", "detail"} <= set(response.json()) <= {"error", "detail", "field"}
    assert live.repo.counts()["submissions"] == 0


def test_invalid_features_are_refused_with_the_reason(live, feature):
    token = live.repo.add_device("alice")
    cases = []
    f = feature(*A)
    f["properties"]["tags"]["direction"] = "90"  # plain direction is wrong for cameras
    cases.append(f)
    f = feature(*A)
    f["geometry"]["coordinates"] = [200.0, 48.0]
    cases.append(f)
    f = feature(*A)
    f["properties"]["review"]["state"] = "pending"  # only confirmed cameras are accepted
    cases.append(f)
    for bad in cases:
        response = put(live, token, bad)
        assert response.status_code == 422, response.text
    other = feature(*A)
    response = httpx.put(
        f"{live.url}/api/v1/cameras/{feature(*A)['id']}", json=other, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422 and response.json()["error"] == "uuid_mismatch"
    assert live.repo.counts()["submissions"] == 0


def test_exports_and_map_page(live, feature):
    token = live.repo.add_device("alice")
    put(live, token, feature(*A, "ptz", direction=90))
    gj = httpx.get(f"{live.url}/api/v1/export/geojson").json()
    assert gj["features"][0]["properties"]["tags"]["camera:type"] == "panning"
    assert gj["features"][0]["properties"]["tags"]["camera:direction"] == "90"
    # every format says how the camera is known: surveyed, last confirmed on the walker's review day
    assert {"check_date": "2026-11-20", "source": "survey"}.items() <= gj["features"][0]["properties"]["tags"].items()
    for fmt in ("umap", "csv", "gpx", "osm", "osc"):
        text = httpx.get(f"{live.url}/api/v1/export/{fmt}").text
        assert "2026-11-20" in text and "survey" in text, fmt
    umap = httpx.get(f"{live.url}/api/v1/export/umap").json()
    assert umap["features"][0]["properties"]["name"] == "panning camera"
    csv_text = httpx.get(f"{live.url}/api/v1/export/csv").text
    assert csv_text.splitlines()[0].startswith("uuid,latitude,longitude") and len(csv_text.splitlines()) == 2
    osm = httpx.get(f"{live.url}/api/v1/export/osm").text
    assert 'k="man_made" v="surveillance"' in osm
    assert httpx.get(f"{live.url}/api/v1/export/shapefile").status_code == 404
    page = httpx.get(f"{live.url}/")
    assert page.status_code == 200 and "/static/vendor/leaflet/leaflet.js" in page.text and "unpkg" not in page.text
    assert httpx.get(f"{live.url}/static/map.js").status_code == 200
    assert httpx.get(f"{live.url}/static/vendor/leaflet/leaflet.css").status_code == 200
    spec = httpx.get(f"{live.url}/openapi.json").json()
    assert "/api/v1/cameras/{uuid}" in spec["paths"]


def test_two_server_replicas_on_one_database_merge_concurrent_walkers(db_url, feature):
    """Two servers (own engines, as two processes would have) share one database; walkers submit at once."""
    import threading

    from sync_helpers import ThreadServer

    from sousveillance.sync.server.app import create_app
    from sousveillance.sync.server.repo import Repository

    repos = [Repository(db_url), Repository(db_url)]
    tokens = [repos[0].add_device("alice"), repos[0].add_device("bob")]
    spots = [(48.85 + i * 0.0005, 2.30) for i in range(15)]
    work = [[feature(lat + d * 0.00002, lon, "dome") for lat, lon in spots] for d in range(2)]
    with ThreadServer(create_app(repos[0])) as one, ThreadServer(create_app(repos[1])) as two:

        def walker(server, token, feats):
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as client:
                for feat in feats:
                    assert client.put(f"/api/v1/cameras/{feat['id']}", json=feat).status_code == 201

        threads = [
            threading.Thread(target=walker, args=args)
            for args in [(one, tokens[0], work[0]), (two, tokens[1], work[1])]
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        feats = features(two)
    assert len(feats) == 15 and all(f["properties"]["contributors"] == 2 for f in feats)
    for r in repos:
        r.close()


def test_odd_but_valid_strings_are_stored_safely(live, feature):
    """Markup, SQL and right-to-left marks in free-text fields: accepted as data, read back as sent, never markup."""
    token = live.repo.add_device("alice")
    feat = feature(*A)
    feat["properties"]["review"]["reviewer"] = "<script>alert(1)</script> \u202e\U0001f4f7"
    feat["properties"]["walk"]["model"] = "'; DROP TABLE features; --"
    feat["properties"]["tags"]["note"] = "caméra \u202e"
    response = put(live, token, feat)
    assert response.status_code == 201, response.text
    assert live.repo.counts()["features"] == 1
    got = httpx.get(f"{live.url}/api/v1/cameras/{feat['id']}", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200 and got.json()["payload"]["properties"]["review"]["reviewer"].endswith("\U0001f4f7")
    assert httpx.get(f"{live.url}/api/v1/export/csv").status_code == 200
