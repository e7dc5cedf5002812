"""Photo walks in the review app, through a real HTTP server: list, photo file, draw a box, fix a box, bad input."""

from __future__ import annotations

import json
import re

import cv2
import httpx
import numpy as np
import pytest
from helpers.photowalk import build_photo_walk
from helpers.webserver import serving

from sousveillance.device.review.app import build_app
from sousveillance.device.review.settings import ReviewSettings
from sousveillance.device.store import Store


@pytest.fixture
def photo_walk(tmp_path):
    return build_photo_walk(tmp_path / "labels" / "labels.db")


@pytest.fixture
def http(photo_walk):
    """A client of the review app served by uvicorn, holding the page's session cookie and CSRF token."""
    with serving(build_app(photo_walk.path, ReviewSettings(reviewer="tester"))) as url:
        with httpx.Client(base_url=url, timeout=10) as client:
            html = client.get(f"/walks/{photo_walk.walk_id}/photos").text
            config = json.loads(re.search(r'<script id="config" type="application/json">(.*?)</script>', html, re.S)[1])
            client.headers["X-CSRF-Token"] = config["csrf"]
            yield client


def test_photos_with_their_boxes_and_the_photo_file(http, photo_walk):
    r = http.get(f"/walks/{photo_walk.walk_id}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/walks/{photo_walk.walk_id}/photos"  # no map page
    data = http.get(f"/api/walks/{photo_walk.walk_id}/photos").json()
    assert [p["file"] for p in data["photos"]] == ["street-1.jpg", "street-2.jpg", "street-3.jpg"]
    assert [p["state"] for p in data["photos"]] == ["pending", "pending", "unlabelled"]
    first = data["photos"][0]
    assert (first["width"], first["height"], first["proposals"]) == (960, 640, 2)
    assert [(b["x1"], b["y1"], b["x2"], b["y2"], b["camera_type"]) for b in first["boxes"]] == [
        (400, 120, 460, 160, "fixed"), (700, 300, 716, 312, "dome")]
    image = cv2.imdecode(np.frombuffer(http.get(first["url"]).content, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (640, 960, 3)
    assert http.get(first["boxes"][0]["crop_url"]).headers["content-type"] == "image/jpeg"
    assert http.get("/photos/999").status_code == 404
    assert http.get("/walks/999/photos").status_code == 404


def test_draw_a_missed_camera_then_undo_it(http, photo_walk, tmp_path):
    photo = photo_walk.photos[2]
    r = http.post(f"/api/photos/{photo.id}/boxes", json={"x1": 300, "y1": 50, "x2": 250, "y2": 90,
                                                          "camera_type": "ptz"})  # corners in any order
    assert r.status_code == 201, r.text
    body = r.json()
    (box,) = body["photo"]["boxes"]
    assert (box["x1"], box["y1"], box["x2"], box["y2"]) == (250, 50, 300, 90)
    assert box["camera_type"] == "ptz" and box["review_state"] == "confirmed" and box["drawn"]
    assert body["photo"]["state"] == "done" and body["decision"]["reviewer"] == "tester"
    crop = cv2.imdecode(np.frombuffer(http.get(box["crop_url"]).content, np.uint8), cv2.IMREAD_COLOR)
    assert crop is not None and crop.shape[1] > 50  # the box with its context
    assert http.post(f"/api/walks/{photo_walk.walk_id}/undo").status_code == 200
    with Store(photo_walk.path) as store:
        assert store.camera(box["camera_id"]).review_state == "pending"  # undo: back to be decided


def test_fix_a_box_moves_it_and_replaces_its_crop(http, photo_walk):
    sid = photo_walk.sightings[0][1]
    old_crop = http.get(f"/api/walks/{photo_walk.walk_id}/photos").json()["photos"][0]["boxes"][1]["crop_url"]
    r = http.post(f"/api/boxes/{sid}", json={"x1": 696.5, "y1": 297, "x2": 720, "y2": 316})
    assert r.status_code == 200, r.text
    box = next(b for b in r.json()["photo"]["boxes"] if b["sighting_id"] == sid)
    assert (box["x1"], box["y1"], box["x2"], box["y2"]) == (696.5, 297, 720, 316)
    assert box["crop_url"] != old_crop and http.get(box["crop_url"]).status_code == 200
    assert http.get(old_crop).status_code == 404  # the old crop is not left behind
    assert box["review_state"] == "pending"  # fixing is not deciding


@pytest.mark.parametrize(
    "url, body, status, message",
    [
        ("/api/photos/{p}/boxes", {"x1": 1, "y1": 1, "x2": 50, "y2": 50, "camera_type": "pole"}, 400, "camera_type"),
        ("/api/photos/{p}/boxes", {"x1": "1", "y1": 1, "x2": 50, "y2": 50, "camera_type": "dome"}, 400, "x1 must"),
        ("/api/photos/{p}/boxes", {"x1": 2000, "y1": 1, "x2": 3000, "y2": 50, "camera_type": "dome"}, 400, "inside"),
        ("/api/photos/{p}/boxes", [1, 2, 3, 4], 400, "JSON object"),
        ("/api/photos/999/boxes", {"x1": 1, "y1": 1, "x2": 50, "y2": 50, "camera_type": "dome"}, 404, "no such"),
        ("/api/boxes/{s}", {"x1": 1, "y1": 1, "x2": 1.5, "y2": 50}, 400, "at least"),
        ("/api/boxes/{s}", {"x1": True, "y1": 1, "x2": 30, "y2": 50}, 400, "x1 must"),
        ("/api/boxes/999", {"x1": 1, "y1": 1, "x2": 30, "y2": 50}, 404, "no such box"),
    ],
)
def test_bad_boxes_are_refused_and_change_nothing(http, photo_walk, url, body, status, message):
    with Store(photo_walk.path) as store:
        before = len(store.walk_cameras(photo_walk.walk_id)), store.sighting(photo_walk.sightings[0][0])
    r = http.post(url.format(p=photo_walk.photos[0].id, s=photo_walk.sightings[0][0]), json=body)
    assert r.status_code == status and message in r.json()["error"]
    with Store(photo_walk.path) as store:
        assert (len(store.walk_cameras(photo_walk.walk_id)), store.sighting(photo_walk.sightings[0][0])) == before


def test_writes_need_the_csrf_token_and_valid_json(http, photo_walk):
    url = f"/api/photos/{photo_walk.photos[0].id}/boxes"
    token = http.headers.pop("X-CSRF-Token")
    assert http.post(url, json={"x1": 1, "y1": 1, "x2": 50, "y2": 50, "camera_type": "dome"}).status_code == 403
    http.headers["X-CSRF-Token"] = token
    r = http.post(url, content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]


def test_read_only_refuses_boxes(photo_walk):
    with serving(build_app(photo_walk.path, ReviewSettings(read_only=True))) as url, httpx.Client(base_url=url) as c:
        html = c.get(f"/walks/{photo_walk.walk_id}/photos").text
        csrf = json.loads(re.search(r'<script id="config" type="application/json">(.*?)</script>', html,
                                    re.S)[1])["csrf"]
        r = c.post(f"/api/photos/{photo_walk.photos[0].id}/boxes", headers={"X-CSRF-Token": csrf},
                   json={"x1": 1, "y1": 1, "x2": 50, "y2": 50, "camera_type": "dome"})  # fmt: skip
        assert r.status_code == 403 and "read-only" in r.json()["error"]


def test_a_walk_database_from_before_photo_labelling_opens_read_only(tmp_path):
    store = Store(tmp_path / "old" / "walks.db")
    walk_id = store.start_walk(source="old.mp4")
    store.end_walk(walk_id)
    store.db.execute("DROP TABLE photos")
    store.db.execute("DELETE FROM _migrations WHERE name = 'm007_photos'")
    store.db.conn.commit()
    store.close()
    app = build_app(tmp_path / "old" / "walks.db", ReviewSettings(read_only=True))
    with serving(app) as url, httpx.Client(base_url=url) as c:
        assert c.get(f"/walks/{walk_id}").status_code == 200  # the map page, not a photo walk
        assert c.get(f"/walks/{walk_id}/photos").status_code == 404
        assert c.get(f"/api/walks/{walk_id}/photos").json()["photos"] == []


def test_a_photo_row_pointing_outside_the_frames_folder_is_not_served(http, photo_walk, tmp_path):
    (tmp_path / "labels" / "secret.jpg").write_bytes(b"\xff\xd8 not for the web")
    with Store(photo_walk.path) as store:
        store.db["photos"].update(photo_walk.photos[0].id, {"frame": "frames/../secret.jpg"})
        store.db.conn.commit()
    assert http.get(f"/photos/{photo_walk.photos[0].id}").status_code == 404
