"""The survey loop on real video files and a real SQLite file, with a colour-blob detector behind the seam."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from helpers.walkmaker import BlobDetector, make_walk

from sousveillance.config import load_config
from sousveillance.device.capture import VideoFileSource
from sousveillance.device.gps.file import open_gps_file
from sousveillance.device.survey.session import align_recording, run_walk

TESTS = Path(__file__).resolve().parents[1]


def replay(tmp_path, walk, **overrides):
    config = load_config(None,
                         {"store.database": str(tmp_path / "db" / "walks.db"), "tracker.min_hits": 3, **overrides})
    fixes = open_gps_file(walk.nmea) if walk.nmea.exists() else []
    timing = align_recording(fixes)
    return run_walk(config, VideoFileSource(walk.video), detector=BlobDetector(), fixes=timing.fixes,
                    video_start_utc=timing.video_start_utc, handle_signals=False)


def test_a_replayed_walk_ends_as_located_cameras_with_crops(tmp_path):
    walk = make_walk(tmp_path / "rec", frames=50, objects=3)
    store, result = replay(tmp_path, walk)
    assert result.status == "completed" and result.frames == 50
    cams = store.cameras(result.walk_id)
    assert sorted(c.camera_type for c in cams) == ["dome", "fixed", "ptz"]
    for cam in cams:
        assert cam.has_position == 1 and cam.uncertainty_m > 0
        assert abs(cam.latitude - 43.2951) < 0.001 and abs(cam.longitude - 5.374) < 0.001
        assert (store.root / cam.best_crop).is_file()
        assert cam.context_crop != cam.best_crop and (store.root / cam.context_crop).is_file()
        sightings = store.sightings(cam.id)
        assert len(sightings) == cam.sightings_count >= 40
        assert all(s.bearing is not None for s in sightings)
    # walking north, objects left of centre have bearings west of north, right of centre east of north
    bearings = {c.camera_type: store.sightings(c.id)[0].bearing for c in cams}
    assert bearings["dome"] > 300 and 0 < bearings["ptz"] < 60
    assert store.walk(result.walk_id).status == "completed"
    assert store.db["fixes"].count >= 5


def test_no_full_frames_are_kept_by_default_only_crops(tmp_path):
    walk = make_walk(tmp_path / "rec", frames=30, objects=1)
    store, _ = replay(tmp_path, walk)
    files = [p for p in store.root.rglob("*") if p.is_file() and p.suffix == ".jpg"]
    assert files and all(p.parent.parent.name == "crops" for p in files)
    import cv2

    assert all(cv2.imread(str(p)).shape[1] < 640 for p in files)
    assert all(max(cv2.imread(str(p)).shape[:2]) <= 320 for p in files if "context" in p.name)
    assert any("context" in p.name for p in files)


def test_context_crops_can_be_switched_off(tmp_path):
    walk = make_walk(tmp_path / "rec", frames=30, objects=1)
    store, result = replay(tmp_path, walk, **{"store.context_crops": False})
    assert [c.context_crop for c in store.cameras(result.walk_id)] == [None]
    store2, _ = replay(tmp_path / "keep", walk, **{"store.keep_frames": True})
    assert len(list((store2.root / "frames").rglob("*.jpg"))) == 30


def test_a_walk_without_any_fix_keeps_cameras_without_position(tmp_path):
    walk = make_walk(tmp_path / "rec", frames=30, objects=2, gps=False)
    store, result = replay(tmp_path, walk)
    assert result.no_fix and result.status == "completed"
    cams = store.cameras(result.walk_id)
    assert len(cams) == 2 and all(c.has_position == 0 and c.latitude is None for c in cams)


def test_a_full_disk_stops_the_walk_cleanly(tmp_path):
    from sousveillance.device.store import Store

    walk = make_walk(tmp_path / "rec", frames=60, objects=3)
    config = load_config(None, {"store.database": str(tmp_path / "db" / "walks.db")})
    store = Store(config.store.database)

    class FillingDisk(BlobDetector):
        """After 20 frames, cap the database where it stands: the next commits hit SQLITE_FULL, as on a full card.

        The loop commits about once a second of wall time, so the 40 frames after the cap take 60 ms each (2.4 s,
        as a Pi would): on a fast machine they would otherwise all pass before the loop's first commit.
        """

        calls = 0

        def detect(self, image):
            self.calls += 1
            if self.calls == 20:
                pages = store.db.execute("PRAGMA page_count").fetchone()[0]
                store.db.execute(f"PRAGMA max_page_count = {pages}")
            if self.calls >= 20:
                time.sleep(0.06)
            return super().detect(image)

    timing = align_recording(open_gps_file(walk.nmea))
    store, result = run_walk(config, VideoFileSource(walk.video), detector=FillingDisk(), store=store,
                             fixes=timing.fixes, video_start_utc=timing.video_start_utc, handle_signals=False)
    assert result.status == "interrupted" and "disk full" in result.error
    assert result.frames < 60
    conn = sqlite3.connect(config.store.database)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM sightings").fetchone()[0] > 0


KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from helpers.walkmaker import BlobDetector
    from sousveillance.device.capture import VideoFileSource
    from sousveillance.config import load_config
    from sousveillance.device.gps.file import open_gps_file
    from sousveillance.device.survey.session import align_recording, run_walk

    class Slow(BlobDetector):
        def detect(self, image):
            import time; time.sleep(0.02)
            return super().detect(image)

    config = load_config(None, {{"store.database": {db!r}}})
    timing = align_recording(open_gps_file({nmea!r}))
    run_walk(config, VideoFileSource({video!r}), detector=Slow(), fixes=timing.fixes,
             video_start_utc=timing.video_start_utc)
    """
)


def test_sigkill_mid_walk_leaves_a_consistent_database_marked_interrupted(tmp_path):
    walk = make_walk(tmp_path / "rec", frames=400, objects=3)
    db = tmp_path / "db" / "walks.db"
    script = KILL_SCRIPT.format(tests=str(TESTS), db=str(db), nmea=str(walk.nmea), video=str(walk.video))
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 120
    seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
                seen = conn.execute("SELECT count(*) FROM sightings").fetchone()[0]
                conn.close()
            except sqlite3.Error:
                seen = 0
            if seen >= 30:
                break
        time.sleep(0.2)
    assert proc.poll() is None, "the walk ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM sightings").fetchone()[0] >= seen
    assert conn.execute("SELECT count(*) FROM cameras").fetchone()[0] >= 1
    conn.close()
    from sousveillance.device.store import Store

    with Store(db) as store:
        assert store.mark_stale_walks() == [1]
        assert store.walk(1).status == "interrupted"
