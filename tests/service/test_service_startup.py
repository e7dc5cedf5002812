"""Switching the device on: no GPS fix (waits, then records anyway), too little disk (refuses, writes nothing),
and a walk left running by a crash or power cut (marked interrupted at the next start)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers.walkmaker import BlobDetector, make_walk

from sousveillance.device.capture.video import VideoFileSource
from sousveillance.device.geo import profile_for
from sousveillance.device.gps.base import GpsError
from sousveillance.device.gps.gpsd import GpsdSource
from sousveillance.device.gps.track import GpsTrack
from sousveillance.device.service.health import free_mb
from sousveillance.device.service.settings import ServiceSettings
from sousveillance.device.service.startup import preflight, wait_for_fix
from sousveillance.device.service.status import field_status
from sousveillance.device.service.storage import LowDiskSpaceError
from sousveillance.device.store import Store
from sousveillance.device.survey.loop import Survey
from sousveillance.device.types import Fix

# A receiver that talks but has no fix (indoors, cold start): GGA quality 0, RMC status V.
NO_FIX_NMEA = "$GPGGA,093000.00,,,,,0,00,99.99,,,,,,*6C\r\n$GPRMC,093000.00,V,,,,,,,020526,,,N*74\r\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gpsd_without_fix(tmp_path):
    """A real gpsd (through gpsfake) fed by a receiver that never gets a fix."""
    if shutil.which("gpsfake") is None:
        pytest.skip("needs gpsd and gpsfake (Debian: apt install gpsd gpsd-clients python3-gps)")
    log = tmp_path / "nofix.nmea"
    log.write_text(NO_FIX_NMEA)
    port = free_port()
    proc = subprocess.Popen(
        ["gpsfake", "-P", str(port), "-c", "0.2", "-q", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.skip("gpsfake did not start")
    yield port
    os.killpg(proc.pid, signal.SIGTERM)  # gpsfake and the gpsd it started (its own session)
    proc.wait(10)


def record(tmp_path: Path, gps_source) -> tuple[Store, object]:
    """What the service does after the wait: record a walk (a short real video) with whatever GPS there is."""
    walk = make_walk(tmp_path / "rec", frames=30, objects=2, gps=False)
    store = Store(tmp_path / "db" / "walks.db")
    walk_id = store.start_walk(source="live")
    survey = Survey(
        VideoFileSource(walk.video),
        BlobDetector(),
        store,
        walk_id,
        profile=profile_for("pi3"),
        gps_track=GpsTrack(),
        gps_source=gps_source,
    )
    return store, survey.run()


@pytest.mark.gpsd
def test_no_fix_from_gpsd_waits_then_records_anyway(tmp_path, gpsd_without_fix):
    gps = GpsdSource("127.0.0.1", gpsd_without_fix)
    gps.start()
    try:
        waited = wait_for_fix(gps, timeout_s=3.0, poll=0.2)
        assert waited.timed_out and waited.waited_s >= 3.0
        assert waited.gps_status.connected and waited.gps_status.message == "no fix"
        store, result = record(tmp_path, gps)
    finally:
        gps.close()
    assert result.status == "completed" and result.frames == 30 and result.no_fix
    cameras = store.cameras(result.walk_id)
    assert len(cameras) == 2 and all(c.has_position == 0 for c in cameras)  # kept, flagged for review
    store.close()


def test_no_gpsd_at_all_waits_then_records_anyway(tmp_path):
    gps = GpsdSource("127.0.0.1", free_port())  # nothing listens there
    gps.start()
    try:
        waited = wait_for_fix(gps, timeout_s=1.0, poll=0.2)
        assert waited.timed_out and not waited.gps_status.connected
        assert "no gpsd answering" in waited.gps_status.message
        store, result = record(tmp_path, gps)
    finally:
        gps.close()
    assert result.status == "completed" and result.frames == 30
    store.close()


class ScriptedGps:
    """A GpsSource answering from a script of poll results (each a list of fixes, or an exception to raise)."""

    def __init__(self, script):
        self.script = list(script)

    def start(self) -> None: ...

    def close(self) -> None: ...

    def poll(self):
        item = self.script.pop(0) if self.script else []
        if isinstance(item, Exception):
            raise item
        return item


def fix(t: float, mode: int) -> Fix:
    return Fix(t=t, utc=datetime(2026, 5, 2, 9, 30, tzinfo=UTC), latitude=43.3, longitude=5.37, mode=mode)


class FakeTime:
    def __init__(self):
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


def test_the_first_real_fix_ends_the_wait_and_no_fix_is_dropped():
    t = FakeTime()
    gps = ScriptedGps([[], GpsError("gpsd restarting"), [fix(1.0, 1)], [fix(1.5, 3), fix(2.0, 3)]])
    waits: list[float] = []
    waited = wait_for_fix(gps, timeout_s=60, poll=0.5, clock=t.clock, sleep=t.sleep, on_wait=waits.append)
    assert not waited.timed_out and waited.fix.t == 1.5 and waited.waited_s == pytest.approx(1.5)
    assert [f.t for f in waited.fixes] == [1.0, 1.5, 2.0]  # handed to the loop, never lost
    assert waits == [0.0, 0.5, 1.0]


def test_a_gps_that_keeps_failing_times_out_without_raising():
    t = FakeTime()
    waited = wait_for_fix(
        ScriptedGps([GpsError("no receiver")] * 100), timeout_s=5, poll=1, clock=t.clock, sleep=t.sleep
    )
    assert waited.timed_out and waited.waited_s == pytest.approx(5) and waited.fixes == []


def test_too_little_disk_refuses_to_start_and_writes_nothing(tmp_path):
    db = tmp_path / "state" / "walks.db"
    db.parent.mkdir()
    huge = int(free_mb(tmp_path) * 2 + 1000)
    settings = ServiceSettings(stop_free_mb=0, min_free_mb=huge, warn_free_mb=huge)
    with pytest.raises(LowDiskSpaceError, match=r"only \d+ MB free .*need \d+ MB"):
        preflight(db, settings)
    assert list(db.parent.iterdir()) == []  # no database, no crops, no status file


def test_a_walk_cut_by_a_crash_is_marked_interrupted_at_the_next_start(tmp_path):
    db = tmp_path / "walks.db"
    # A survey process that dies mid-walk without ending it (a power cut or SIGKILL looks the same to the store).
    code = textwrap.dedent(f"""
        import os
        from sousveillance.device.store import Store
        store = Store({str(db)!r})
        store.start_walk(source="live")
        os.kill(os.getpid(), 9)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert done.returncode == -9
    with Store(db) as store:
        assert [w.status for w in store.walks()] == ["running"]
    result = preflight(db, ServiceSettings(stop_free_mb=0, min_free_mb=0, warn_free_mb=0))
    assert result.interrupted_walks == [1] and result.free_mb > 0
    with Store(db) as store:
        assert store.walk(1).status == "interrupted"
        assert store.start_walk(source="live") == 2 and store.walk(2).status == "running"
    st = field_status(db, sys_root=tmp_path, vcgencmd="no-such-tool")
    assert st["walk_id"] == 2


def test_while_waiting_for_a_fix_systemd_and_the_phone_are_told_why(tmp_path):
    import socket as _socket

    from sousveillance.device.service.notify import SystemdNotifier
    from sousveillance.device.service.startup import waiting_reporter
    from sousveillance.device.service.status import StatusObserver

    address = "\0" + f"sousveillance-test-wait-{os.getpid()}"
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM)
    sock.bind(address)
    try:
        t = FakeTime()
        report = waiting_reporter(
            SystemdNotifier({"NOTIFY_SOCKET": "@" + address[1:]}), StatusObserver(tmp_path / "walks.db")
        )
        wait_for_fix(ScriptedGps([]), timeout_s=2, poll=1, clock=t.clock, sleep=t.sleep, on_wait=report)
        sock.settimeout(5)
        first = sock.recv(4096).decode()
        assert first.startswith("STATUS=waiting for a GPS fix (0 s)\nEXTEND_TIMEOUT_USEC=")
    finally:
        sock.close()
    st = field_status(tmp_path / "walks.db", sys_root=tmp_path, vcgencmd="no-such-tool")
    assert st["state"] == "starting" and not st["recording"]
    assert st["line"].startswith("○ starting: waiting for a GPS fix (1 s)")
