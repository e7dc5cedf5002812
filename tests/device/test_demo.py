"""`sousveillance demo`: the shipped model on the bundled sample walk finds real cameras, placed near the truth."""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import sys

import pytest

from sousveillance.device.commands import SAMPLE_WALK
from sousveillance.models import PT_PATH

pytestmark = pytest.mark.skipif(not PT_PATH.exists() or not (SAMPLE_WALK / "walk.mp4").exists(),
                                reason="the shipped model or the sample walk is missing")


DEMO_CAMERAS = 5  # the default schedule (rotate) finds 6 on the development machine: one of margin across machines


def metres(lat1, lon1, lat2, lon2):
    dy = (lat2 - lat1) * 111_195.0
    dx = (lon2 - lon1) * 111_195.0 * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


def test_demo_finds_cameras_of_the_sample_walk_and_says_where_the_database_is(tmp_path):
    out = subprocess.run([sys.executable, "-m", "sousveillance", "demo", "--no-progress"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    db = tmp_path / "sousveillance-demo" / "walks.db"
    assert f"database: {db}" in out.stdout
    conn = sqlite3.connect(db)
    cams = conn.execute("SELECT latitude, longitude, camera_type FROM cameras WHERE merged_into IS NULL").fetchall()
    assert f"{len(cams)} cameras" in out.stdout
    truth = json.loads((SAMPLE_WALK / "truth.json").read_text())["cameras"]
    # every camera found is a real one: within 20 m of a camera of the truth (walking GPS is metres off)
    for lat, lon, _ in cams:
        assert min(metres(lat, lon, t["lat"], t["lon"]) for t in truth) < 20.0
    # and they are different ones: each truth camera taken once, nearest pairs first
    pairs = sorted((metres(lat, lon, t["lat"], t["lon"]), i, t["id"])
                   for i, (lat, lon, _) in enumerate(cams) for t in truth)
    found, seen = set(), set()
    for d, i, tid in pairs:
        if d < 20.0 and i not in found and tid not in seen:
            found.add(i)
            seen.add(tid)
    matched = len(seen)
    assert matched >= DEMO_CAMERAS, (
        f"{matched} of the 10 cameras found (the default schedule found {DEMO_CAMERAS + 1} in development)")
    assert conn.execute("SELECT status FROM walks").fetchone()[0] == "completed"
