"""A walk's state stays true when things go wrong: a killed walk, a full disk, unreadable images."""

from __future__ import annotations

import logging
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import httpx
import numpy as np
from helpers.mounts import tmpfs
from helpers.walkmaker import BlobDetector, make_walk
from helpers.webserver import serving

from sousveillance.config import load_config
from sousveillance.device.capture import ImageFolderSource, VideoFileSource
from sousveillance.device.gps.file import open_gps_file
from sousveillance.device.review.app import build_app
from sousveillance.device.store import Store
from sousveillance.device.survey.session import align_recording, run_walk

KILLED_WALK = textwrap.dedent(
    """
    import os, signal
    from datetime import datetime, timedelta, timezone
    from sousveillance.device.store import Store
    from sousveillance.device.types import Fix

    store = Store({db!r})
    walk = store.start_walk(source="walk.mp4")
    t0 = datetime(2026, 5, 2, 9, 30, tzinfo=timezone.utc)  # the recording's own GPS times, months ago
    store.add_fixes(walk, [Fix(t=float(i), utc=t0 + timedelta(seconds=i), latitude=43.3 + i * 1e-5, longitude=5.37)
                           for i in range(600)])
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_walk_killed_midway_has_a_duration_that_is_never_negative(tmp_path):
    db = tmp_path / "walks.db"
    proc = subprocess.run([sys.executable, "-c", KILLED_WALK.format(db=str(db))], timeout=60, check=False)
    assert proc.returncode == -signal.SIGKILL
    with Store(db) as store:
        store.start_walk(source="next.mp4")  # the next start marks the killed walk interrupted
        assert store.walk(1).status == "interrupted"
    with serving(build_app(db)) as page:
        walks = {w["id"]: w for w in httpx.get(f"{page}/api/walks").json()["walks"]}
        assert walks[1]["duration_s"] == 599.0  # the span of what it recorded
        assert walks[2]["duration_s"] is None or walks[2]["duration_s"] >= 0
        assert httpx.get(f"{page}/api/walks/1").json()["walk"]["duration_s"] == 599.0


def test_a_full_disk_marks_the_walk_interrupted_at_once(tmp_path):
    walk = make_walk(tmp_path / "rec", frames=400, objects=3)
    with tmpfs(tmp_path / "card", "3m") as card:  # the database, the 1 MiB reserve, then about 150 kept frames
        config = load_config(None, {"store.database": str(card / "walks.db"), "store.keep_frames": True})
        timing = align_recording(open_gps_file(walk.nmea))
        store, result = run_walk(config, VideoFileSource(walk.video), detector=BlobDetector(), fixes=timing.fixes,
                                 video_start_utc=timing.video_start_utc, handle_signals=False)
        store.close()
        assert result.status == "interrupted" and result.error.startswith("disk full:"), result
        assert 3 < result.frames < 400
        conn = sqlite3.connect(card / "walks.db")  # read before any next start could mark it
        try:
            status, error, ended = conn.execute("SELECT status, error, ended_at FROM walks").fetchone()
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("SELECT count(*) FROM cameras").fetchone()[0] >= 1
        finally:
            conn.close()
        assert status == "interrupted" and error.startswith("disk full:") and ended is not None


def _image_folder(folder: Path, good: int) -> list[str]:
    folder.mkdir(parents=True)
    walk = make_walk(folder.parent / "rec", frames=good, objects=2)
    cap = cv2.VideoCapture(str(walk.video))
    for i in range(good):
        ok, frame = cap.read()
        assert ok
        cv2.imwrite(str(folder / f"img{i:03d}.jpg"), frame)
    cap.release()
    (folder / "img005.jpg").write_bytes(b"")  # empty
    (folder / "img015.jpg").write_bytes(np.random.default_rng(1).bytes(5000))  # noise
    (folder / "img025.jpg").write_bytes((folder / "img024.jpg").read_bytes()[:300])  # truncated
    (folder / "img035.jpg").unlink()
    (folder / "img035.jpg").symlink_to("/etc/passwd")  # a link to something that is not an image
    return ["img005.jpg", "img015.jpg", "img025.jpg", "img035.jpg"]


def test_unreadable_images_in_a_folder_walk_are_skipped_and_counted_once(tmp_path, caplog):
    bad = _image_folder(tmp_path / "photos", good=40)
    config = load_config(None, {"store.database": str(tmp_path / "db" / "walks.db"), "tracker.min_hits": 2})
    caplog.set_level(logging.WARNING)
    source = ImageFolderSource(tmp_path / "photos", fps=10)
    store, result = run_walk(config, source, detector=BlobDetector(), handle_signals=False)
    assert result.status == "completed" and result.frames == 40 - len(bad)
    assert [s.split(":")[0] for s in source.skipped] == bad
    warnings = [r.getMessage() for r in caplog.records if r.name == "sousveillance.device.capture.folder"]
    assert len(warnings) == 1 and warnings[0].startswith(f"skipped {len(bad)} unreadable image(s) of 40 in ")
    assert "img035.jpg: not a readable image" in warnings[0] and "img005.jpg: empty file" in warnings[0]
    assert len(store.cameras(result.walk_id)) == 2
    store.close()


def test_a_folder_without_one_readable_image_fails_in_one_line(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"")
    config = load_config(None, {"store.database": str(tmp_path / "db" / "walks.db")})
    store, result = run_walk(config, ImageFolderSource(folder), detector=BlobDetector(), handle_signals=False)
    assert result.status == "failed" and result.error == f"no readable image in {folder} (1 skipped)"
    store.close()
