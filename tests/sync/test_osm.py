"""OpenStreetMap output: files read back by pyosmium tag by tag, near-duplicates, upload against a fake OSM API."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from fake_osm import FakeOsm
from sync_helpers import Cam, make_walk_db

from sousveillance.sync.cli import export as export_cmd
from sousveillance.sync.export import device_cameras
from sousveillance.sync.export.osm import changeset_tags, checks_from, drafts_from
from sousveillance.sync.osm.cli import osm
from sousveillance.sync.osm.files import read_back
from sousveillance.sync.osm.upload import OsmUploader, OsmUploadError, bearer_session

pytest.importorskip("osmium")

WALK = [
    Cam(48.85000, 2.30000, "dome", "wall", direction=None),
    Cam(48.85100, 2.30000, "ptz", "pole", direction=272.4, surveillance="outdoor"),
    Cam(48.85200, 2.30000, "fixed", "unknown", direction=10),
    Cam(48.85300, 2.30000, "dome", state="pending"),
    Cam(48.85400, 2.30000, "dome", state="rejected"),
]
SURVEYED = {"check_date": time.strftime("%Y-%m-%d", time.gmtime()), "source": "survey"}  # reviewed today
EXPECTED = [
    {"man_made": "surveillance", "surveillance:type": "camera", "camera:type": "dome", "camera:mount": "wall",
     "surveillance": "public", **SURVEYED},
    {"man_made": "surveillance", "surveillance:type": "camera", "camera:type": "panning", "camera:mount": "pole",
     "camera:direction": "272", "surveillance": "outdoor", **SURVEYED},
    {"man_made": "surveillance", "surveillance:type": "camera", "camera:type": "fixed", "camera:direction": "10",
     "surveillance": "public", **SURVEYED},
]  # fmt: skip


@pytest.fixture
def walk_db(tmp_path):
    cams = [Cam(**{k: v for k, v in vars(c).items() if k != "uuid"}) for c in WALK]
    make_walk_db(tmp_path / "walk.db", cams).close()
    return tmp_path / "walk.db", cams


def _by_position(nodes):
    return sorted(nodes.values(), key=lambda n: n[0])


def test_josm_file_reads_back_tag_by_tag_with_changeset_tags(walk_db, tmp_path):
    db, _ = walk_db
    out = tmp_path / "cameras.osm"
    result = CliRunner().invoke(osm, ["josm", str(db), "-o", str(out), "--comment", "CCTV survey of rue X"])
    assert result.exit_code == 0, result.output
    back = read_back(out)
    assert [tags for _, _, tags in _by_position(back.nodes)] == EXPECTED  # only the 3 confirmed cameras
    assert all(node_id < 0 for node_id in back.nodes)  # new objects for JOSM
    assert back.changeset_tags["comment"] == "CCTV survey of rue X"
    assert back.changeset_tags["source"] == "survey"
    assert back.changeset_tags["created_by"].startswith("sousveillance")
    assert 'action="modify"' in out.read_text()


def test_osmchange_file_and_its_changeset_file_read_back(walk_db, tmp_path):
    db, _ = walk_db
    out = tmp_path / "cameras.osc"
    result = CliRunner().invoke(osm, ["osmchange", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    back = read_back(out)
    assert [tags for _, _, tags in _by_position(back.nodes)] == EXPECTED
    assert [round(lat, 5) for lat, _, _ in _by_position(back.nodes)] == [48.85, 48.851, 48.852]
    cs = read_back(tmp_path / "cameras.changeset.osm")
    assert cs.changeset_tags["source"] == "survey" and cs.changeset_tags["comment"]


def test_cameras_near_a_mapped_camera_are_skipped_or_flagged(walk_db, tmp_path):
    db, cams = walk_db
    overpass = tmp_path / "overpass.json"
    elements = [
        {"type": "node", "id": 42, "lat": 48.85008, "lon": 2.30005, "tags": {"man_made": "surveillance"}},  # ~10 m
        {"type": "node", "id": 43, "lat": 48.85130, "lon": 2.30000, "tags": {"man_made": "surveillance"}},  # ~33 m
        {"type": "node", "id": 44, "lat": 48.85200, "lon": 2.30000, "tags": {"amenity": "bench"}},
    ]
    overpass.write_text(json.dumps({"elements": elements}))
    out = tmp_path / "skip.osm"
    result = CliRunner().invoke(osm, ["josm", str(db), "-o", str(out), "--existing", str(overpass)])
    assert result.exit_code == 0, result.output
    assert f"skipped {cams[0].uuid}: node 42" in result.output
    assert [t["camera:type"] for _, _, t in _by_position(read_back(out).nodes)] == ["panning", "fixed"]
    flagged = tmp_path / "flag.osm"
    CliRunner().invoke(osm, ["josm", str(db), "-o", str(flagged), "--existing", str(overpass), "--near", "flag"])
    first = _by_position(read_back(flagged).nodes)[0][2]
    assert first["fixme"].startswith("duplicate? node 42")


def test_existing_cameras_from_an_osm_extract(walk_db, tmp_path):
    db, cams = walk_db
    extract = tmp_path / "area.osm"
    extract.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="7" version="1" lat="48.8510500" lon="2.3000000"><tag k="man_made" v="surveillance"/></node>'
        '<node id="8" version="1" lat="48.8500000" lon="2.3000000"><tag k="highway" v="street_lamp"/></node></osm>'
    )
    out = tmp_path / "cameras.osc"
    result = CliRunner().invoke(osm, ["osmchange", str(db), "-o", str(out), "--existing", str(extract)])
    assert result.exit_code == 0, result.output
    assert f"skipped {cams[1].uuid}: node 7 already mapped 6 m away" in result.output
    assert len(read_back(out).nodes) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = CliRunner().invoke(osm, ["osmchange", str(db), "-o", str(out), "--existing", str(bad)])
    assert result.exit_code != 0 and "not Overpass JSON" in result.output


def _upload(db, fake, **kw):
    from sousveillance.device.store.db import Store
    from sousveillance.sync.repository import SyncRepository

    store = Store(db)
    cams = device_cameras(store)
    up = OsmUploader(SyncRepository.beside(store), bearer_session("osm-token"), fake.url, **kw)
    return store, up.upload(drafts_from(cams), changeset_tags("CCTV survey"), checks_from(cams))


def test_upload_creates_one_node_per_confirmed_camera_once(walk_db):
    db, cams = walk_db
    with FakeOsm() as fake:
        store, report = _upload(db, fake)
        assert len(report.created) == 3 and len(fake.changesets) == 1
        cs = fake.changesets[report.changeset_id]
        assert cs["tags"]["source"] == "survey" and cs["open"] is False
        assert sorted(n["tags"]["camera:type"] for n in fake.nodes.values()) == ["dome", "fixed", "panning"]
        rows = {r["camera_uuid"]: r["node_id"] for r in store.db.query("SELECT * FROM osm_nodes")}
        assert rows == report.created and set(rows) == {c.uuid for c in cams[:3]}
        _, again = _upload(db, fake)
        assert again.created == {} and len(again.already) == 3 and len(fake.nodes) == 3
        assert len(fake.changesets) == 1  # no empty changeset either
        assert all(t == "Bearer osm-token" for t in fake.tokens_seen)


def test_rate_limit_waits_and_too_large_splits(walk_db):
    db, _ = walk_db
    waits: list[float] = []
    with FakeOsm() as fake:
        fake.rate_limit_next = 2
        fake.max_nodes_per_upload = 1
        _, report = _upload(db, fake, sleep=waits.append)
        assert waits == [7.0, 7.0]  # Retry-After honoured
        assert len(report.created) == 3 and len(fake.nodes) == 3 and len(fake.changesets) == 1


def test_lost_upload_response_is_recovered_without_a_second_node(walk_db):
    db, _ = walk_db
    with FakeOsm() as fake:
        fake.drop_next_upload_response = True
        with pytest.raises(OsmUploadError, match="run again"):
            _upload(db, fake)
        assert len(fake.nodes) == 3  # the API applied it; we never heard back
        store, report = _upload(db, fake)
        assert len(report.recovered) == 3 and report.created == {} and report.changeset_id is None
        assert len(fake.nodes) == 3
        assert store.db.execute("SELECT count(*) FROM osm_nodes").fetchone()[0] == 3


def test_upload_command_refuses_without_comment_or_token(walk_db, tmp_path):
    db, _ = walk_db
    runner = CliRunner()
    result = runner.invoke(osm, ["upload", str(db)], env={"SOUSVEILLANCE_OSM_TOKEN": "t"})
    assert result.exit_code != 0 and "--comment is required" in result.output
    result = runner.invoke(
        osm, ["upload", str(db), "--comment", "x", "--token-file", str(tmp_path / "none")],
        env={"SOUSVEILLANCE_OSM_TOKEN": "", "CREDENTIALS_DIRECTORY": ""},
    )  # fmt: skip
    assert result.exit_code != 0 and "no OSM token" in result.output
    with FakeOsm() as fake:
        result = runner.invoke(
            osm, ["upload", str(db), "--comment", "Survey", "--api", fake.url], env={"SOUSVEILLANCE_OSM_TOKEN": "t"}
        )
        assert result.exit_code == 0, result.output
        assert "3 node(s) created" in result.output


def test_oauth_out_of_band_login_saves_a_private_token(tmp_path):
    import base64
    import hashlib
    import re
    import stat
    from urllib.parse import parse_qs, urlparse

    token_file = tmp_path / "osm-token"
    with FakeOsm() as fake:
        args = ["login", "--client-id", "app1", "--api", fake.url, "--token-file", str(token_file)]
        bad = CliRunner().invoke(osm, args, input="wrong-code\n")
        assert bad.exit_code != 0 and "refused" in bad.output and not token_file.exists()
        result = CliRunner().invoke(osm, args, input="good-code\n")
        assert result.exit_code == 0, result.output
        url = re.search(r"(http\S+/oauth2/authorize\S+)", result.output).group(1)
        query = parse_qs(urlparse(url).query)
        assert query["redirect_uri"] == ["urn:ietf:wg:oauth:2.0:oob"] and query["scope"] == ["write_api"]
        verifier = fake.token_requests[-1]["code_verifier"]
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        assert query["code_challenge"] == [challenge]  # PKCE: only this device can use the code
    assert token_file.read_text().strip() == "tok-123"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def _seen_again(db, uuid, node_id):
    """What the review page's "seen again" decision writes: the mapped node and today's check_date."""
    from sousveillance.device.store.db import Store

    store = Store(db)
    row = next(c for c in store.cameras() if c.uuid == uuid)
    store.update_camera(row.id, {"osm_node_id": node_id, "check_date": SURVEYED["check_date"]})
    store.close()


def test_a_camera_seen_again_is_never_a_second_node(walk_db, tmp_path):
    db, cams = walk_db
    _seen_again(db, cams[1].uuid, 4242)  # the PTZ camera is already node 4242 in OSM
    out = tmp_path / "cameras.osm"
    result = CliRunner().invoke(osm, ["josm", str(db), "-o", str(out), "--comment", "CCTV survey"])
    assert result.exit_code == 0, result.output
    assert f"no new node for {cams[1].uuid}: seen again, already OpenStreetMap node 4242" in result.output
    assert [t["camera:type"] for _, _, t in _by_position(read_back(out).nodes)] == ["dome", "fixed"]
    with FakeOsm() as fake:
        mapped = {"man_made": "surveillance", "camera:type": "panning", "note": "mapped by someone",
                  "check_date": "2019-05-01"}
        fake.nodes[4242] = {"lat": 48.85101, "lon": 2.30001, "tags": mapped, "changeset": 77, "version": 3}
        _, report = _upload(db, fake)
        assert set(report.created) == {cams[0].uuid, cams[2].uuid}
        assert sorted(n["tags"]["camera:type"] for n in fake.nodes.values()) == ["dome", "fixed", "panning"]
        # the mapped node: today's check_date, every other tag and its position as the mapper left them
        assert report.checked == {cams[1].uuid: 4242} and "check_date set on 1 node(s)" in report.summary()
        assert fake.nodes[4242]["tags"] == {**mapped, "check_date": SURVEYED["check_date"]}
        assert (fake.nodes[4242]["lat"], fake.nodes[4242]["version"]) == (48.85101, 4)
        assert len(fake.changesets) == 1  # new nodes and the check in one changeset
        _, again = _upload(db, fake)  # run again: nothing to do, no empty changeset, no second modify
        assert again.created == {} and again.checked == {} and len(fake.changesets) == 1
        assert fake.nodes[4242]["version"] == 4


def test_a_seen_again_node_edited_or_deleted_meanwhile(walk_db, monkeypatch):
    db, cams = walk_db
    _seen_again(db, cams[1].uuid, 4242)
    _seen_again(db, cams[2].uuid, 4243)
    with FakeOsm() as fake:
        tags = {"man_made": "surveillance"}
        fake.nodes[4243] = {"lat": 48.852, "lon": 2.3, "tags": tags, "changeset": 7, "version": 1, "deleted": True}
        fake.nodes[4242] = {"lat": 48.851, "lon": 2.3, "tags": tags, "changeset": 7, "version": 2}
        read = OsmUploader._to_check

        def edited_meanwhile(self, checks, report):  # someone saves node 4242 between our read and our upload
            out = read(self, checks, report)
            fake.nodes[4242]["version"] += 1
            return out

        with monkeypatch.context() as m:
            m.setattr(OsmUploader, "_to_check", edited_meanwhile)
            with pytest.raises(OsmUploadError, match="edited in OSM meanwhile"):
                _upload(db, fake)
        _, report = _upload(db, fake)  # the next run reads the node again and succeeds; the deleted one stays deleted
        assert report.checked == {cams[1].uuid: 4242} and report.gone == [cams[2].uuid]
        assert fake.nodes[4242]["tags"]["check_date"] == SURVEYED["check_date"] and fake.nodes[4242]["version"] == 4
        assert "check_date" not in fake.nodes[4243]["tags"]
    # the other exports still list it (it is a confirmed camera), with the day it was checked
    geo = json.loads(CliRunner().invoke(export_cmd, [str(db), "--format", "geojson"]).output)
    ptz = next(f for f in geo["features"] if f["id"] == cams[1].uuid)
    assert ptz["properties"]["tags"]["check_date"] == SURVEYED["check_date"]
