"""No OS user name or host name leaves the device: a walk recorded and reviewed with the defaults, then synced and
exported every way, carries the device's random pseudonym and an empty reviewer handle instead."""

from __future__ import annotations

import getpass
import json
import re
import socket

import httpx
from click.testing import CliRunner
from helpers.walkmaker import BlobDetector, make_walk
from helpers.webserver import serving
from sync_helpers import Cam, RecordingTransport, make_walk_db

from sousveillance.config import load_config
from sousveillance.device.capture import VideoFileSource
from sousveillance.device.gps.file import open_gps_file
from sousveillance.device.review.app import build_app
from sousveillance.device.store import Store
from sousveillance.device.store.identity import FILE_NAME, PATTERN
from sousveillance.device.survey.session import align_recording, run_walk
from sousveillance.sync.cli import export
from sousveillance.sync.export import FORMATS
from sousveillance.sync.settings import SyncSettings
from sousveillance.sync.uploader import Uploader


def _named(text: str, name: str) -> bool:
    """``name`` as a word of its own (a host called ``vm`` is not in ``"model_version"``)."""
    return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", text) is not None


def test_no_os_user_or_host_name_in_any_payload_or_export(tmp_path, live, monkeypatch):
    monkeypatch.setenv("SOUSVEILLANCE_CONFIG", "")
    user, host = getpass.getuser(), socket.gethostname()
    walk = make_walk(tmp_path / "rec", frames=50, objects=3)
    config = load_config(None, {"store.database": str(tmp_path / "walk" / "walks.db")})
    timing = align_recording(open_gps_file(walk.nmea))
    store, result = run_walk(config, VideoFileSource(walk.video), detector=BlobDetector(), fixes=timing.fixes,
                             video_start_utc=timing.video_start_utc, handle_signals=False)
    store.close()
    db = config.store.database
    pseudonym = (db.parent / FILE_NAME).read_text().strip()
    assert PATTERN.match(pseudonym)

    outputs = {}
    with serving(build_app(db, config.review, privacy=config.privacy)) as page, httpx.Client(base_url=page) as c:
        csrf = {"X-CSRF-Token": re.search(r'"csrf": "([^"]+)"', c.get("/").text).group(1)}
        cams = c.get(f"/api/walks/{result.walk_id}/cameras").json()["cameras"]
        assert len(cams) == 3
        for cam in cams:  # reviewed with the defaults: no handle typed
            r = c.post(f"/api/cameras/{cam['id']}/confirm", headers=csrf)
            assert r.status_code == 200 and r.json()["decision"]["reviewer"] == ""
        for fmt in FORMATS:
            outputs[f"page {fmt}"] = c.get(f"/export/{fmt}?walk={result.walk_id}&track=1").text
        outputs["page decisions"] = c.get(f"/api/walks/{result.walk_id}/decisions").text
    for fmt in FORMATS:
        out = tmp_path / f"cameras.{fmt}"
        done = CliRunner().invoke(export, [str(db), "--format", fmt, "-o", str(out)])
        assert done.exit_code == 0, done.output
        outputs[f"cli {fmt}"] = out.read_text()
    transport = RecordingTransport()
    with Store(db) as synced:
        report = Uploader(synced, SyncSettings(server_url=live.url), live.repo.add_device("walker"),
                          transport=transport).run()
    assert len(report.created) == 3
    outputs["sync"] = "\n".join(transport.sent)
    for fmt in FORMATS:
        outputs[f"server {fmt}"] = httpx.get(f"{live.url}/api/v1/export/{fmt}").text
    outputs["server features"] = httpx.get(f"{live.url}/api/v1/features").text

    for where, text in outputs.items():
        assert not _named(text, user), f"{where} names the OS user {user!r}"
        assert not _named(text, host), f"{where} names the host {host!r}"
    feature = json.loads(outputs["cli geojson"])["features"][0]["properties"]
    assert feature["walk"]["device_id"] == pseudonym and feature["review"]["reviewer"] == ""
    assert pseudonym in outputs["sync"]


def test_status_shows_the_pseudonym_every_walk_of_the_device_carries(tmp_path):
    from sousveillance.main import cli

    db = tmp_path / "state" / "walks.db"
    db.parent.mkdir()
    result = CliRunner().invoke(cli, ["status", "--db", str(db), "--json"], env={"SOUSVEILLANCE_CONFIG": ""})
    pseudonym = json.loads(result.output)["device"]
    assert PATTERN.match(pseudonym)
    line = CliRunner().invoke(cli, ["status", "--db", str(db)], env={"SOUSVEILLANCE_CONFIG": ""}).output
    assert f"device {pseudonym}" in line
    walk = make_walk(tmp_path / "rec", frames=20, objects=1)
    for _ in range(2):  # created once: both walks carry it
        config = load_config(None, {"store.database": str(db)})
        store, _ = run_walk(config, VideoFileSource(walk.video), detector=BlobDetector(), handle_signals=False)
        store.close()
    with Store(db) as store:
        assert [w.device_id for w in store.walks()] == [pseudonym, pseudonym]


def test_names_recorded_before_are_blanked_when_the_database_is_upgraded(tmp_path):
    """A walk database from before the pseudonym: its host-name device and user-name reviewer are blanked once."""
    import sqlite3

    user, host = getpass.getuser(), socket.gethostname()
    store = make_walk_db(tmp_path / "walks.db", [Cam(48.85, 2.3)], device_id=host)
    store.db["cameras"].update(1, {"reviewer": user})
    store.db.execute("DELETE FROM _migrations WHERE name = 'm008_privacy'")
    store.close()
    conn = sqlite3.connect(tmp_path / "walks.db")
    conn.execute("ALTER TABLE cameras DROP COLUMN privacy_released_at")
    conn.execute("DROP TABLE privacy_zones")
    conn.commit()
    conn.close()
    with Store(tmp_path / "walks.db") as upgraded:
        assert upgraded.walk(1).device_id == "" and upgraded.camera(1).reviewer == ""
        item = upgraded.confirmed_cameras()[0]
        assert (item.walk.device_id, item.camera.reviewer) == ("", "")
