"""Triage in-process: batch confirm with one undo, merges of different types that ask first, one-tap profiles."""

from __future__ import annotations

import pytest

from sousveillance.config import ConfigError, load_config
from sousveillance.device.store import Store


def _states(walk_db) -> list[str]:
    with Store(walk_db.path) as store:
        return [store.db["cameras"].get(c)["review_state"] for c in walk_db.camera_ids]


def test_batch_confirm_is_one_decision_and_one_undo_takes_it_all_back(client, walk_db):
    h = {"X-CSRF-Token": client.csrf()}
    ids = walk_db.camera_ids[1:4]
    r = client.post(f"/api/walks/{walk_db.walk_id}/batch", json={"action": "confirm", "camera_ids": ids,
                                                                  "reviewer": "Awa"}, headers=h)
    assert r.status_code == 200 and r.json()["count"] == 3
    assert _states(walk_db) == ["pending", "confirmed", "confirmed", "confirmed", "pending"]
    with Store(walk_db.path) as store:
        assert [(d["action"], d["reviewer"]) for d in store.db.query("SELECT * FROM decisions")] == [
            ("batch-confirm", "Awa")]
    assert len(client.get(f"/export/geojson?walk={walk_db.walk_id}").json()["features"]) == 3
    r = client.post(f"/api/walks/{walk_db.walk_id}/undo", headers=h)
    assert r.status_code == 200 and r.json()["decision"]["action"] == "batch-confirm"
    assert _states(walk_db) == ["pending"] * 5


def test_bad_batches_change_nothing(client, walk_db):
    h = {"X-CSRF-Token": client.csrf()}
    client.post(f"/api/cameras/{walk_db.camera_ids[0]}/reject", headers=h)
    cases = [
        ({"camera_ids": []}, "non-empty list"),
        ({"camera_ids": "1,2"}, "non-empty list"),
        ({"camera_ids": [walk_db.camera_ids[1], "two"]}, "camera id must be a number"),
        ({"camera_ids": [walk_db.camera_ids[1], 9999]}, "no camera with id 9999"),
        ({"camera_ids": walk_db.camera_ids[:2]}, "is already rejected"),
        ({"camera_ids": list(range(1, 600))}, "at most 500"),
        ({"action": "merge", "camera_ids": walk_db.camera_ids[1:3]}, "a batch can only confirm or reject"),
    ]
    for body, message in cases:
        r = client.post(f"/api/walks/{walk_db.walk_id}/batch", json=body, headers=h)
        assert r.status_code in (400, 404) and message in r.json()["error"], (body, r.text)
    assert client.post(f"/api/walks/{walk_db.walk_id}/batch", json={"camera_ids": walk_db.camera_ids[1:3]}
                       ).status_code == 403  # CSRF, like every write
    r = client.post("/api/walks/99/batch", json={"camera_ids": walk_db.camera_ids[1:3]}, headers=h)
    assert r.status_code == 400 and "is not from walk 99" in r.json()["error"]
    assert _states(walk_db) == ["rejected"] + ["pending"] * 4


def test_merge_of_different_types_asks_and_names_both(client, walk_db):
    h = {"X-CSRF-Token": client.csrf()}
    a, b = walk_db.camera_ids[0], walk_db.camera_ids[1]  # a dome and a fixed camera
    r = client.post(f"/api/cameras/{b}/merge", json={"into": a}, headers=h)
    assert r.status_code == 409 and r.json()["ask"] is True
    assert r.json()["error"] == (f"camera {b} is a fixed and camera {a} is a dome: merge them only if they are "
                                 "one camera")
    with Store(walk_db.path) as store:
        assert store.db["cameras"].get(b)["merged_into"] is None and store.db["decisions"].count == 0
    r = client.post(f"/api/cameras/{b}/merge", json={"into": a, "force": True}, headers=h)
    assert r.status_code == 200
    same = walk_db.camera_ids[3], walk_db.camera_ids[4]  # two fixed cameras merge without a question
    assert client.post(f"/api/cameras/{same[1]}/merge", json={"into": same[0]}, headers=h).status_code == 200


def test_profiles_come_from_the_config_and_are_validated(tmp_path, make_client, walk_db):
    page = make_client().get(f"/walks/{walk_db.walk_id}/review").text
    assert page.count('data-profile="') == 3 and "ceiling · outdoor" in page
    config = tmp_path / "config.toml"
    config.write_text('[[review.profiles]]\ncamera_type = "ptz"\nmount = "pole"\n')
    profiles = load_config(config).review.profiles
    assert [(p.camera_type, p.mount, p.surveillance) for p in profiles] == [("ptz", "pole", "public")]
    page = make_client(profiles=[p.model_dump() for p in profiles]).get(f"/walks/{walk_db.walk_id}/review").text
    assert page.count('data-profile="') == 1 and "pole · public" in page
    for text, message in (
        ('[[review.profiles]]\ncamera_type = "bullet"\nmount = "pole"\n', "review.profiles.0.camera_type"),
        ('[[review.profiles]]\ncamera_type = "dome"\nmount = "wall"\ncolour = "red"\n', "review.profiles.0.colour"),
        ('[[review.profiles]]\ncamera_type = "dome"\nmount = "wall"\n' * 2, "each profile must differ"),
    ):
        config.write_text(text)
        with pytest.raises(ConfigError, match=message):
            load_config(config)


def test_the_strip_flags_a_sighting_of_another_object(client, walk_db):
    cam = walk_db.camera_ids[1]  # a fixed camera; one of its sightings was a dome next to it
    with Store(walk_db.path) as store:
        sightings = list(store.db.query("SELECT * FROM sightings WHERE camera_id = ? ORDER BY t", [cam]))
        store.db["sightings"].update(sightings[2]["id"], {"class_name": "dome"})
        extra = dict(sightings[1], t=sightings[1]["t"] + 1, x2=200.0, y2=52.0)  # a long thin box
        store.db["sightings"].insert({k: v for k, v in extra.items() if k != "id"})
    detail = client.get(f"/api/cameras/{cam}").json()
    flags = {s["id"]: s["flag"] for s in detail["sightings"]}
    assert flags[sightings[2]["id"]] == "seen as dome, the camera is fixed"
    assert [f for f in flags.values() if f and "box shape" in f]
    assert flags[sightings[1]["id"]] is None
