"""Live fixes through a real gpsd (fed by gpsfake): positions, gpsd restarts, a dead socket, no receiver."""

from __future__ import annotations

import itertools
import shutil
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.daemons import Daemon, free_port, gpsfake_args

from sousveillance.device.gps import GpsdSource, write_nmea
from sousveillance.device.types import Fix

pytestmark = [
    pytest.mark.gpsd,
    pytest.mark.skipif(shutil.which("gpsfake") is None, reason="gpsfake not installed (apt-get install gpsd-clients)"),
]


def gpsfake(start: Callable[[list[str]], Daemon], log: Path, port: int) -> Daemon:
    return start(gpsfake_args(log, port))


def collect(source: GpsdSource, until: Callable[[list[Fix]], bool], got: list[Fix], limit_s: float = 40.0) -> None:
    """Poll like the frame loop does (every 50 ms) until ``until(got)`` or a generous limit."""
    deadline = time.monotonic() + limit_s
    while not until(got) and time.monotonic() < deadline:
        got.extend(source.poll())
        time.sleep(0.05)


def _matches_file(fixes: list[Fix], walk: list[Fix]) -> None:
    by_utc = {f.utc: f for f in walk}
    timed = [f for f in fixes if f.utc is not None]
    assert timed
    for f in timed:
        ref = by_utc[f.utc]
        assert f.latitude == pytest.approx(ref.latitude, abs=1e-7)
        assert f.longitude == pytest.approx(ref.longitude, abs=1e-7)
        assert f.course == pytest.approx(ref.course, abs=0.01)
        assert f.speed == pytest.approx(ref.speed, abs=0.01)
        assert f.mode in (2, 3)  # gpsd may close an epoch on RMC alone (2D) before GGA adds altitude


def test_fixes_from_gpsd_match_the_log(tmp_path, walk, daemons):
    log = tmp_path / "walk.nmea"
    write_nmea(walk[:100], log)
    port = free_port()
    gpsfake(daemons, log, port)
    got: list[Fix] = []
    with GpsdSource(port=port) as source:
        collect(source, lambda g: any(f.utc == walk[99].utc for f in g), got)
        status = source.status()
    assert len(got) >= 30  # gpsd needs a few sentences to lock onto the stream, then reports every epoch
    _matches_file(got, walk)
    assert all(b.t > a.t for a, b in itertools.pairwise(got))  # stamped on the monotonic clock at receipt
    assert status.connected and status.last_fix_age_s is not None


def test_source_reconnects_when_gpsd_restarts(tmp_path, walk, daemons):
    first, second = tmp_path / "first.nmea", tmp_path / "second.nmea"
    write_nmea(walk[:80], first)
    write_nmea(walk[80:200], second)
    port = free_port()
    fake = gpsfake(daemons, first, port)
    got: list[Fix] = []
    with GpsdSource(port=port) as source:
        collect(source, lambda g: len([f for f in g if f.utc]) >= 5, got)
        assert got, "no fix before the restart"
        fake.kill()  # gpsd dies mid-walk
        before = len(got)
        gpsfake(daemons, second, port)  # and comes back on the same port
        collect(source, lambda g: any(f.utc and f.utc >= walk[80].utc for f in g[before:]), got)
        assert source.reconnects >= 1
    after = [f for f in got[before:] if f.utc and f.utc >= walk[80].utc]
    assert after, "no fix after gpsd restarted"
    _matches_file(got, walk)


def test_a_socket_that_never_answers_does_not_block_the_frame_loop():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_ignore() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_ignore, daemon=True)
    thread.start()
    source = GpsdSource(port=server.getsockname()[1], stale_after_s=0.3)
    source.start()
    try:
        polls = 0
        deadline = time.monotonic() + 20
        while source.reconnects < 1 and time.monotonic() < deadline:
            assert source.poll() == []  # returns at once, every frame
            polls += 1
            time.sleep(0.01)
        status = source.status()
        assert source.reconnects >= 1 and len(accepted) >= 1  # silence noticed, connection dropped and retried
        assert polls > 10
        assert not status.connected and status.last_fix_age_s is None
        assert "no gpsd answering" in status.message
    finally:
        source.close()
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()
    assert not any(t.name.startswith("gpsd-") and t.is_alive() for t in threading.enumerate())


def test_gpsd_without_a_receiver_reports_gps_not_active(daemons, tmp_path):
    if shutil.which("gpsd") is None:
        pytest.skip("gpsd not installed")
    port = free_port()
    daemons(["gpsd", "-N", "-S", str(port), "-F", str(tmp_path / "gpsd.sock")])  # a control socket, no device
    with GpsdSource(port=port, stale_after_s=0.5) as source:
        deadline = time.monotonic() + 20
        while not source.status().connected and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # let the keep-alive probe run against an idle gpsd
        status = source.status()
        assert source.poll() == []
    assert status.connected and not status.active
    assert status.mode == 0 and status.last_fix_age_s is None
    assert status.message == "GPS not active (gpsd has no receiver)"
    assert source.reconnects == 0  # an idle gpsd answers the probe: no reconnect storm


def test_receiver_without_a_fix_gives_no_fixes_but_a_status(tmp_path, walk, daemons):
    log = tmp_path / "nofix.nmea"
    write_nmea([Fix(f.t, f.utc, f.latitude, f.longitude, mode=1) for f in walk[:120]], log)
    port = free_port()
    gpsfake(daemons, log, port)
    got: list[Fix] = []
    with GpsdSource(port=port) as source:
        deadline = time.monotonic() + 40
        while source.status().mode != 1 and time.monotonic() < deadline:
            got.extend(source.poll())
            time.sleep(0.05)
        status = source.status()
        got.extend(source.poll())
    assert got == []
    assert status.connected and status.active and status.mode == 1
    assert status.message == "no fix" and status.last_fix_age_s is None
