"""``sousveillance basemap build``: an offline street map cut from an OSM extract written by pyosmium's writer."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sousveillance.device.basemap import Basemap, BasemapError
from sousveillance.device.basemap.build import build
from sousveillance.device.basemap.cli import basemap
from sousveillance.device.store import Store


def test_build_cuts_streets_buildings_and_mapped_cameras_around_the_walks(walk_db, make_extract, tmp_path):
    made = make_extract(tmp_path / "town.osm.pbf", walk_db)
    result = CliRunner().invoke(basemap, ["build", str(tmp_path / "town.osm.pbf"), "--around", str(walk_db.path)])
    assert result.exit_code == 0, result.output
    assert "1 streets, 1 footpaths, 1 buildings, 1 camera(s) already in OpenStreetMap" in result.output
    out = walk_db.path.parent / "basemap.geojson"  # beside the database, where the review page looks
    data = json.loads(out.read_text())
    kinds = sorted(f["properties"]["kind"] for f in data["features"])
    assert kinds == ["building", "footway", "street", "surveillance"]  # the bench is not a street
    street = next(f for f in data["features"] if f["properties"]["kind"] == "street")
    assert street["properties"]["name"] == "Rue de la République" and len(street["geometry"]["coordinates"]) == 12
    assert next(f for f in data["features"] if f["properties"]["kind"] == "building")["geometry"]["type"] == "Polygon"
    loaded = Basemap.load(out)
    assert [c.id for c in loaded.cameras] == [made["mapped_camera"]]
    with Store(walk_db.path) as store:
        first, second = store.cameras(walk_db.walk_id)[:2]
    near = loaded.nearest(first.latitude, first.longitude)
    assert near["id"] == made["mapped_camera"] and 2 < near["distance_m"] < 5
    assert loaded.nearest(second.latitude, second.longitude) is None


def test_the_review_page_marks_cameras_already_in_osm_and_confirms_them_seen_again(walk_db, make_extract,
                                                                                   make_client, tmp_path):
    made = make_extract(tmp_path / "town.osm.pbf", walk_db)
    build(tmp_path / "town.osm.pbf", walk_db.path)
    client = make_client()
    cams = client.get(f"/api/walks/{walk_db.walk_id}/cameras").json()["cameras"]
    assert [c["osm_node"] is not None for c in cams] == [True, False, False, False, False]
    assert client.get("/basemap.geojson").json()["type"] == "FeatureCollection"
    assert '"basemap": {"url": "/basemap.geojson"}' in client.get(f"/walks/{walk_db.walk_id}").text
    h = {"X-CSRF-Token": client.csrf()}
    r = client.post(f"/api/cameras/{walk_db.camera_ids[1]}/seen-again", headers=h)
    assert r.status_code == 400 and "not within 15 m" in r.json()["error"]
    r = client.post(f"/api/cameras/{walk_db.camera_ids[0]}/seen-again", json={"osm_node_id": 999}, headers=h)
    assert r.status_code == 200
    camera = r.json()["camera"]
    assert camera["review_state"] == "confirmed" and camera["osm_node_id"] == made["mapped_camera"]  # not the page's
    assert len(camera["check_date"]) == 10
    tags = client.get(f"/export/geojson?walk={walk_db.walk_id}").json()["features"][0]["properties"]["tags"]
    assert tags["check_date"] == camera["check_date"]
    client.post(f"/api/walks/{walk_db.walk_id}/undo", headers=h)
    with Store(walk_db.path) as store:
        row = store.db["cameras"].get(walk_db.camera_ids[0])
    assert (row["review_state"], row["check_date"], row["osm_node_id"]) == ("pending", None, None)


def test_bad_extracts_give_one_clear_line(walk_db, make_extract, tmp_path):
    import osmium

    cases = {}
    (tmp_path / "notes.osm.pbf").write_text("shopping list\n" * 50)
    cases["notes.osm.pbf"] = "is not an OpenStreetMap extract (.osm.pbf)"
    (tmp_path / "zero.osm.pbf").write_bytes(b"")
    cases["zero.osm.pbf"] = "is empty"
    with osmium.SimpleWriter(str(tmp_path / "nothing.osm.pbf")):
        pass
    cases["nothing.osm.pbf"] = "holds no OpenStreetMap data"
    make_extract(tmp_path / "elsewhere.osm.pbf", walk_db, shift_deg=1.0)
    cases["elsewhere.osm.pbf"] = "does not cover the walks (around 43."
    cases["missing.osm.pbf"] = "no extract at"
    for name, message in cases.items():
        result = CliRunner().invoke(basemap, ["build", str(tmp_path / name), "--around", str(walk_db.path)])
        assert result.exit_code == 1, (name, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], (name, result.output)
    assert not (walk_db.path.parent / "basemap.geojson").exists()


def test_a_walk_database_without_positions_or_a_broken_basemap_is_refused(tmp_path, make_extract, walk_db):
    make_extract(tmp_path / "town.osm.pbf", walk_db)
    empty = Store(tmp_path / "empty" / "walks.db")
    empty.close()
    with pytest.raises(BasemapError, match="has no GPS positions yet"):
        build(tmp_path / "town.osm.pbf", tmp_path / "empty" / "walks.db")
    (tmp_path / "bad.geojson").write_text("{not json")
    with pytest.raises(BasemapError, match="is not a basemap GeoJSON file"):
        Basemap.load(tmp_path / "bad.geojson")
