"""`sousveillance survey` live: Picamera2 stand-in + a real gpsd fed by gpsfake; SIGTERM ends the walk cleanly."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.daemons import free_port, gpsfake_args
from helpers.walkmaker import make_walk

from sousveillance.models import PT_PATH

pytestmark = [
    pytest.mark.gpsd,
    pytest.mark.skipif(shutil.which("gpsfake") is None, reason="gpsfake not installed (apt-get install gpsd-clients)"),
    pytest.mark.skipif(not PT_PATH.exists(), reason="the shipped model is not in this checkout"),
]


def count(db: Path, sql: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_live_survey_records_fixes_and_ends_cleanly_on_sigterm(tmp_path, daemons):
    walk = make_walk(tmp_path / "rec", frames=600, objects=2)
    port = free_port()
    daemons(gpsfake_args(walk.nmea, port, cycle_s=0.3))
    db = tmp_path / "walks" / "walks.db"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[capture]\nsource = "standin"\nstandin_video = "{walk.video}"\nwidth = 640\nheight = 360\nfps = 5\n'
        f'[gps]\nport = {port}\nfix_timeout_s = 30\n'
        f'[detector]\nimgsz = 320\n'
        f'[store]\ndatabase = "{db}"\n'
    )
    proc = subprocess.Popen([sys.executable, "-m", "sousveillance", "survey", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and proc.poll() is None:
        if count(db, "SELECT count(*) FROM fixes") >= 3 and count(db, "SELECT max(frames) FROM walks") == 0:
            break
        time.sleep(0.5)
    assert proc.poll() is None, proc.communicate()[1]
    time.sleep(2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "walk 1: completed" in out
    conn = sqlite3.connect(db)
    status, frames, source = conn.execute("SELECT status, frames, source FROM walks").fetchone()
    assert (status, source) == ("completed", "picamera2") and frames > 0
    # fixes came from gpsd, on the monotonic timeline, with GPS time
    n, first_utc = conn.execute("SELECT count(*), min(utc) FROM fixes").fetchone()
    assert n >= 3 and first_utc.startswith("2026-05-02T09:30")
