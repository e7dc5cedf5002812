"""The field status line, from a real walk database, the status file the survey writes, a /sys tree and a
vcgencmd program (the Raspberry Pi firmware tool's output)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from sousveillance.device.service.cli import status
from sousveillance.device.service.health import decode_throttled
from sousveillance.device.service.settings import ServiceSettings
from sousveillance.device.service.status import StatusObserver, field_status
from sousveillance.device.store import Store
from sousveillance.device.survey.observer import LoopStats


def pi_tree(tmp_path: Path, millidegrees: int = 61_234, throttled: str = "0x0") -> tuple[Path, str]:
    """A /sys with one CPU thermal zone and a vcgencmd printing ``throttled``, as on a Raspberry Pi."""
    zone = tmp_path / "pi" / "sys/class/thermal/thermal_zone0"
    zone.mkdir(parents=True)
    (zone / "type").write_text("cpu-thermal\n")
    (zone / "temp").write_text(f"{millidegrees}\n")
    tool = tmp_path / "pi" / "vcgencmd"
    tool.write_text(f'#!/bin/sh\n[ "$1" = get_throttled ] && echo throttled={throttled}\n')
    tool.chmod(0o755)
    return tmp_path / "pi", str(tool)


def walk_db(tmp_path: Path, cameras: int = 2, status: str = "completed") -> Store:
    store = Store(tmp_path / "walks.db")
    walk_id = store.start_walk(source="test")
    with store.batch() as db:
        for k in range(cameras):
            db["cameras"].insert({"uuid": str(uuid.uuid4()), "walk_id": walk_id, "track_id": k, "camera_type": "dome"})
    if status != "running":
        store.end_walk(walk_id, status, frames=120)
    return store


def stats(walk_id: int = 1, **kw) -> LoopStats:
    values = {"walk_id": walk_id, "frames": 240, "detected_frames": 240, "fps": 9.7, "cameras": 3, "fix_mode": 3,
              "last_frame_t": 24.0}
    values.update(kw)
    return LoopStats(**values)


def test_a_recording_walk_shows_fix_fps_cameras_disk_and_temperature(tmp_path):
    store = walk_db(tmp_path, cameras=0, status="running")
    sys_root, tool = pi_tree(tmp_path)
    StatusObserver(store.path).on_ready(stats(walk_id=1))
    st = field_status(store.path, sys_root=sys_root, vcgencmd=tool)
    assert st["recording"] and st["walk_id"] == 1 and st["fps"] == pytest.approx(9.7)
    assert st["fix"] == "3D fix" and st["cameras"] == 3 and st["temperature_c"] == pytest.approx(61.234)
    assert st["warnings"] == [] and st["throttled_now"] == []
    line = st["line"]
    for part in ("recording walk 1", "3D fix", "9.7 fps", "3 cameras", "free", "61 °C"):
        assert part in line
    assert json.loads(json.dumps(st)) == st  # ready for the review page's JSON
    store.close()


def test_heat_throttling_no_fix_and_low_disk_are_warnings(tmp_path):
    store = walk_db(tmp_path, status="running")
    sys_root, tool = pi_tree(tmp_path, millidegrees=84_000, throttled="0x50005")
    StatusObserver(store.path).on_frame(stats(fix_mode=1))
    huge = 10_000_000
    settings = ServiceSettings(stop_free_mb=0, min_free_mb=0, warn_free_mb=huge)
    st = field_status(store.path, settings, sys_root=sys_root, vcgencmd=tool)
    text = " ".join(st["warnings"])
    assert "no GPS fix" in text and "hot: 84" in text and "under-voltage" in text and "disk low" in text
    assert st["throttled_now"] == ["under-voltage", "throttled"]
    assert st["throttled_since_boot"] == ["under-voltage", "throttled"]
    assert "THROTTLED" in st["line"]
    store.close()


def test_the_decoding_of_get_throttled_follows_the_firmware_bits():
    t = decode_throttled(0x80008)
    assert t.now == ("soft temperature limit",) and t.since_boot == ("soft temperature limit",)
    assert decode_throttled(0x10000).ok and decode_throttled(0x10000).since_boot == ("under-voltage",)


def test_without_a_status_file_the_database_tells_the_last_walk(tmp_path):
    store = walk_db(tmp_path, cameras=2, status="interrupted")
    st = field_status(store.path, sys_root=tmp_path / "nothing", vcgencmd=str(tmp_path / "no-vcgencmd"))
    assert not st["recording"] and st["state"] == "interrupted" and st["cameras"] == 2 and st["frames"] == 120
    assert st["temperature_c"] is None and st["throttled_now"] == []  # not a Pi: no figures, no error
    assert st["line"].startswith("○ interrupted (walk 1)")
    store.close()


def test_no_database_yet_is_a_status_not_an_error(tmp_path):
    st = field_status(tmp_path / "none" / "walks.db", sys_root=tmp_path, vcgencmd="no-such-tool")
    assert st["state"] == "no walk" and st["disk_free_mb"] > 0 and st["line"].startswith("○ no walk")


def test_a_garbled_status_file_is_ignored(tmp_path):
    store = walk_db(tmp_path)
    (tmp_path / "status.json").write_text("{not json")
    st = field_status(store.path, sys_root=tmp_path, vcgencmd="no-such-tool")
    assert st["state"] == "completed" and st["walk_id"] == 1
    store.close()


def test_the_status_file_is_written_at_most_once_a_second_and_always_at_the_end(tmp_path):
    now = [100.0]
    obs = StatusObserver(tmp_path / "walks.db", clock=lambda: now[0])
    path = tmp_path / "status.json"
    obs.on_ready(stats(frames=1))
    obs.on_frame(stats(frames=2))
    assert json.loads(path.read_text())["frames"] == 1  # too soon after the last write
    now[0] += 1.0
    obs.on_frame(stats(frames=3))
    assert json.loads(path.read_text())["frames"] == 3
    obs.on_end(stats(frames=4), "completed")
    data = json.loads(path.read_text())
    assert data["frames"] == 4 and data["state"] == "completed"
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]  # no temporary file left


def test_status_command_prints_the_line_or_json_and_exits_1_on_warnings(tmp_path, monkeypatch):
    store = walk_db(tmp_path)
    monkeypatch.setenv("SOUSVEILLANCE_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").write_text(f'[store]\ndatabase = "{store.path}"\n')
    result = CliRunner().invoke(status, [])
    assert result.exit_code == 0 and result.output.startswith("○ completed (walk 1)")
    result = CliRunner().invoke(status, ["--json", "--db", str(store.path)])
    assert result.exit_code == 0 and json.loads(result.output)["cameras"] == 2
    (tmp_path / "config.toml").write_text("[service]\nstop_free_mb = 0\nmin_free_mb = 10\nwarn_free_mb = 10000000\n")
    result = CliRunner().invoke(status, ["--db", str(store.path)])
    assert result.exit_code == 1 and "disk low" in result.output
    (tmp_path / "config.toml").write_text("[service]\nwarn_free_mb = -3\n")
    result = CliRunner().invoke(status, [])
    assert result.exit_code == 1 and "invalid setting service.warn_free_mb" in result.output
    store.close()
