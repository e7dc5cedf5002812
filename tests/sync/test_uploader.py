"""Device uploader against a real campaign server: outbox, retries, cut connections, reboots, bad tokens."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sync_helpers import Cam, ProcessServer, make_walk_db

from sousveillance.device.store.db import Store
from sousveillance.sync.repository import SyncRepository
from sousveillance.sync.settings import SyncSettings
from sousveillance.sync.uploader import Uploader


def cams(n: int, lat0: float = 48.85) -> list[Cam]:
    return [Cam(lat0 + i * 0.001, 2.30, ["dome", "fixed", "ptz"][i % 3]) for i in range(n)]


def uploader(store, url, token, **kw) -> Uploader:
    settings = SyncSettings(server_url=url, retries=kw.pop("retries", 3), backoff_initial_s=0.5, timeout_s=5)
    return Uploader(store, settings, token, sleep=kw.pop("sleep", lambda s: None), **kw)


def test_sends_confirmed_cameras_and_crops_once(live, tmp_path):
    token = live.repo.add_device("alice")
    walk = cams(3) + [Cam(48.9, 2.3, state="pending"), Cam(48.91, 2.3, state="rejected")]
    store = make_walk_db(tmp_path / "walk.db", walk)
    report = uploader(store, live.url, token).run()
    assert (len(report.created), len(report.crops), report.pending, report.rejected) == (3, 3, 0, [])
    counts = live.repo.counts()
    assert (counts["submissions"], counts["crops"], counts["features"]) == (3, 3, 3)
    again = uploader(store, live.url, token).run()
    assert again.sent == 0 and again.crops == []
    # an edit after sending goes out again as an update, not a new camera
    with store.batch() as db:
        db["cameras"].update(1, {"camera_type": "fixed", "updated_at": "2026-11-21T09:00:00Z"})
    edit = uploader(store, live.url, token).run()
    assert len(edit.updated) == 1 and edit.created == []
    assert live.repo.counts()["submissions"] == 3


def test_server_killed_mid_upload_then_restarted_loses_and_duplicates_nothing(tmp_path):
    db = str(tmp_path / "campaign.db")
    from sousveillance.sync.server.repo import Repository

    token = Repository(db).add_device("alice")
    server = ProcessServer(db).start()
    store = make_walk_db(tmp_path / "walk.db", cams(8))
    restarts = []

    records = SyncRepository.beside(store)

    def kill_after_third(uuid: str) -> None:
        if records.counts()["sent"] == 3 and not restarts:
            server.kill()  # the connection drops in the middle of the upload

    def sleep_restarts(seconds: float) -> None:
        if not restarts and server.proc.poll() is not None:
            restarts.append(seconds)
            server.start()  # the network comes back

    try:
        report = uploader(store, server.url, token, sleep=sleep_restarts, on_sent=kill_after_third).run()
    finally:
        server.kill()
    assert restarts, "the server was never restarted"
    assert report.pending == 0 and report.stopped is None
    repo = Repository(db)
    counts = repo.counts()
    assert (counts["submissions"], counts["features"], counts["crops"]) == (8, 8, 8)
    assert records.counts()["sent"] == 8


def test_lost_acknowledgements_and_a_reboot_resend_without_duplicates(live, tmp_path):
    token = live.repo.add_device("alice")
    path = tmp_path / "walk.db"
    store = make_walk_db(path, cams(4))
    uploader(store, live.url, token).run()
    # the server stored everything but the device never heard back; then the Pi reboots
    with store.batch() as db:
        db.execute("UPDATE sync_outbox SET state = 'pending', crop_state = 'pending'")
    store.close()
    rebooted = Store(path)
    report = uploader(rebooted, live.url, token).run()
    assert sorted(report.unchanged) == sorted(c.uuid for c in rebooted.cameras())
    assert report.created == [] and report.crops == []  # the server already had the crops
    assert live.repo.counts()["submissions"] == 4


def test_unreachable_server_keeps_everything_queued_for_the_next_run(live, tmp_path):
    token = live.repo.add_device("alice")
    store = make_walk_db(tmp_path / "walk.db", cams(2))
    waits: list[float] = []
    report = uploader(store, "http://127.0.0.1:9", token, sleep=waits.append).run()
    assert report.sent == 0 and report.pending == 2 and "unreachable" in report.stopped
    assert waits == [0.5, 1.0, 2.0]  # bounded retries with exponential backoff
    with store.batch() as db:
        db.execute("UPDATE sync_outbox SET next_attempt_at = 0")  # the backoff between runs has elapsed
    assert uploader(store, live.url, token).run().created and live.repo.counts()["submissions"] == 2


def test_revoked_token_stops_with_a_clear_message_and_keeps_the_queue(live, tmp_path):
    live.repo.add_device("alice")
    token = live.repo.add_device("bob")
    live.repo.revoke_device("bob")
    store = make_walk_db(tmp_path / "walk.db", cams(2))
    report = uploader(store, live.url, token).run()
    assert report.sent == 0 and "revoked" in report.stopped and report.pending == 2
    assert live.repo.counts()["submissions"] == 0


def test_sync_command_reads_the_token_from_the_systemd_credential(live, tmp_path):
    from sousveillance.sync.cli import sync

    token = live.repo.add_device("alice")
    store = make_walk_db(tmp_path / "walk.db", cams(2))
    store.close()
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "sync-token").write_text(token + "\n")
    runner = CliRunner()
    env = {"CREDENTIALS_DIRECTORY": str(creds), "SOUSVEILLANCE_TOKEN": "", "SOUSVEILLANCE_CONFIG": ""}
    result = runner.invoke(sync, [str(tmp_path / "walk.db"), "--server", live.url], env=env)
    assert result.exit_code == 0, result.output
    assert "sent 2 camera(s) (2 new" in result.output
    result = runner.invoke(sync, [str(tmp_path / "walk.db"), "--server", live.url], env={"SOUSVEILLANCE_TOKEN": ""})
    assert result.exit_code != 0 and "no device token" in result.output
    missing = runner.invoke(sync, [str(tmp_path / "nope.db"), "--server", live.url], env={"SOUSVEILLANCE_TOKEN": "x"})
    assert missing.exit_code != 0 and "no walk database" in missing.output


@pytest.mark.parametrize("fmt", ["geojson", "csv", "umap", "gpx"])
def test_export_command_writes_only_confirmed_cameras(tmp_path, fmt):
    from sousveillance.sync.cli import export

    walk = [Cam(48.85, 2.3, "ptz", direction=45), Cam(48.86, 2.3, state="pending"), Cam(48.87, 2.3, state="rejected")]
    make_walk_db(tmp_path / "walk.db", walk).close()
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(export, [str(tmp_path / "walk.db"), "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert walk[0].uuid in text or fmt in ("umap", "gpx")
    assert walk[1].uuid not in text and walk[2].uuid not in text
    if fmt in ("geojson", "umap"):
        data = json.loads(text)
        assert len(data["features"]) == 1
        props = data["features"][0]["properties"]
        tags = props.get("tags", props)
        assert tags["camera:type"] == "panning" and tags["camera:direction"] == "45"


def test_camera_rejected_after_sending_is_withdrawn_and_can_come_back(live, tmp_path):
    token = live.repo.add_device("alice")
    store = make_walk_db(tmp_path / "walk.db", cams(2))
    uploader(store, live.url, token).run()
    first = store.cameras()[0]
    with store.batch() as db:
        db["cameras"].update(first.id, {"review_state": "rejected"})  # the reviewer changed their mind
    report = uploader(store, live.url, token).run()
    assert report.retracted == [first.uuid] and report.sent == 0
    counts = live.repo.counts()
    assert (counts["submissions"], counts["features"], counts["crops"]) == (1, 1, 1)
    assert uploader(store, live.url, token).run().retracted == []  # withdrawn once
    with store.batch() as db:
        db["cameras"].update(first.id, {"review_state": "confirmed"})
    back = uploader(store, live.url, token).run()
    assert back.created == [first.uuid] and back.crops == [first.uuid]
    assert live.repo.counts()["submissions"] == 2


def test_only_the_owner_can_withdraw_a_camera(live, tmp_path):
    import httpx

    alice, bob = live.repo.add_device("alice"), live.repo.add_device("bob")
    store = make_walk_db(tmp_path / "walk.db", cams(1))
    uploader(store, live.url, alice).run()
    uuid = store.cameras()[0].uuid
    url = f"{live.url}/api/v1/cameras/{uuid}"
    assert httpx.delete(url, headers={"Authorization": f"Bearer {bob}"}).status_code == 403
    assert httpx.delete(url, headers={"Authorization": "Bearer sv_forged"}).status_code == 401
    assert httpx.delete(url).status_code == 401
    assert live.repo.counts()["submissions"] == 1
    assert httpx.delete(url, headers={"Authorization": f"Bearer {alice}"}).json()["status"] == "deleted"
    assert httpx.delete(url, headers={"Authorization": f"Bearer {alice}"}).json()["status"] == "absent"


def test_sync_exits_75_while_cameras_remain_queued(tmp_path):
    """EX_TEMPFAIL (the sync unit's SuccessExitStatus): nothing is lost, the next run resumes."""
    from helpers.daemons import free_port

    from sousveillance.sync.cli import EXIT_QUEUED, sync

    make_walk_db(tmp_path / "walk.db", cams(2)).close()
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there: the server is away
    (tmp_path / "c.toml").write_text("[sync]\nretries = 0\nbackoff_initial_s = 0\n")
    env = {"SOUSVEILLANCE_TOKEN": "sv_x", "SOUSVEILLANCE_CONFIG": str(tmp_path / "c.toml")}
    result = CliRunner().invoke(sync, [str(tmp_path / "walk.db"), "--server", nobody], env=env)
    assert result.exit_code == EXIT_QUEUED == 75
    assert result.stderr.strip().splitlines()[-1].startswith("Error: 2 camera(s) still queued: server unreachable")


def test_sync_stopped_after_some_cameras_still_exits_75(tmp_path):
    """The server goes away after the first camera: that one is sent, the rest stay queued, and the exit says so."""
    db = str(tmp_path / "campaign.db")
    from sousveillance.sync.cli import EXIT_QUEUED, exit_status
    from sousveillance.sync.server.repo import Repository

    token = Repository(db).add_device("alice")
    server = ProcessServer(db).start()
    store = make_walk_db(tmp_path / "walk.db", cams(3))
    try:
        report = uploader(store, server.url, token, retries=0, on_sent=lambda uuid: server.kill()).run()
    finally:
        server.kill()
    assert report.sent == 1 and report.pending >= 2
    assert exit_status(report) == EXIT_QUEUED
    assert exit_status(uploader(store, server.url, token, retries=0).run()) == EXIT_QUEUED
