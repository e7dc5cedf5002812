"""Storage safety on a real walk database with real crop files: refuse to start when the disk is short, prune old
crops by policy, and end a running walk cleanly before the card fills."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest
from helpers.walkmaker import BlobDetector, make_walk

from sousveillance.device.capture.video import VideoFileSource
from sousveillance.device.geo import profile_for
from sousveillance.device.gps.track import GpsTrack
from sousveillance.device.service.health import free_mb
from sousveillance.device.service.settings import ServiceSettings
from sousveillance.device.service.storage import (
    LowDiskSpaceError,
    StorageObserver,
    check_free_space,
    disk_level,
    prune_crops,
)
from sousveillance.device.store import Store
from sousveillance.device.survey.loop import Survey

CROP = np.full((48, 64, 3), 128, np.uint8)


def add_walk(store: Store, states: list[str], *, running: bool = False) -> dict[str, list[str]]:
    """A walk with one camera per review state, each with a best crop, two extra crops and a context view; returns
    the crop paths by role ("best:<state>", "context:<state>", "extra")."""
    walk_id = store.start_walk(source="test")
    if not running:
        store.end_walk(walk_id, "completed")
    crops: dict[str, list[str]] = {"extra": []}
    for track, state in enumerate(states):
        with store.batch() as db:
            cameras = db["cameras"].insert(
                {
                    "uuid": str(uuid.uuid4()),
                    "walk_id": walk_id,
                    "track_id": track,
                    "camera_type": "dome",
                    "review_state": state,
                }
            )
            cam_id = cameras.last_pk
        paths = [store.save_crop(walk_id, f"cam{track}_{k}", CROP) for k in range(3)]
        with store.batch() as db:
            for k, rel in enumerate(paths):
                db["sightings"].insert(
                    {
                        "walk_id": walk_id,
                        "track_id": track,
                        "camera_id": cam_id,
                        "frame_index": k,
                        "t": float(k),
                        "class_name": "dome",
                        "crop": rel,
                    }
                )
            context = store.save_crop(walk_id, f"cam{track}_context", CROP)
            db["cameras"].update(cam_id, {"best_crop": paths[0], "context_crop": context})
        crops.setdefault(f"best:{state}", []).append(paths[0])
        crops.setdefault(f"context:{state}", []).append(context)
        crops["extra"] += paths[1:]
    return crops


def exists(store: Store, rel: str) -> bool:
    return (store.root / rel).is_file()


def test_refuses_to_start_below_the_threshold_with_a_clear_message(tmp_path):
    free = free_mb(tmp_path)
    with pytest.raises(LowDiskSpaceError) as err:
        check_free_space(tmp_path, free * 2 + 1000)
    message = str(err.value)
    assert "MB free" in message and "service.min_free_mb" in message and "\n" not in message
    assert check_free_space(tmp_path, 0) > 0


def test_levels_follow_the_settings():
    s = ServiceSettings(min_free_mb=500, warn_free_mb=1000, stop_free_mb=200)
    assert [disk_level(x, s) for x in (5000, 800, 100)] == ["ok", "low", "critical"]
    with pytest.raises(ValueError, match="stop_free_mb <= min_free_mb <= warn_free_mb"):
        ServiceSettings(min_free_mb=100, stop_free_mb=300)


def test_pruning_takes_old_extra_crops_first_and_never_a_confirmed_or_pending_best_crop(tmp_path):
    store = Store(tmp_path / "walks.db")
    old = add_walk(store, ["confirmed", "pending", "rejected"])
    new = add_walk(store, ["confirmed", "rejected"])
    current = add_walk(store, ["pending"], running=True)

    # A disk that frees 1 MB per deleted crop: ask for 3 MB, the oldest walk's extras go first.
    def fake_free(_root: Path) -> float:
        kept = sum(1 for p in (store.root / "crops").rglob("*.jpg"))
        return 100.0 - kept

    start = fake_free(store.root)
    result = prune_crops(store, start + 3, free=fake_free)
    assert result.files == 3
    assert sum(not exists(store, r) for r in old["extra"]) == 3 and all(exists(store, r) for r in new["extra"])

    # Once the extras are gone, the context views of reviewed cameras go before any best crop.
    extras = len(old["extra"] + new["extra"])
    prune_crops(store, start + extras + 1, free=fake_free)
    assert not any(exists(store, r) for r in old["extra"] + new["extra"])
    assert not exists(store, old["context:confirmed"][0])
    assert all(exists(store, r) for r in old["best:rejected"] + new["best:rejected"])

    # Ask for everything: extras, reviewed context views and rejected best crops of finished walks go; the rest stays.
    prune_crops(store, 10_000, free=fake_free)
    reviewed_context = [r for w in (old, new) for k in ("context:confirmed", "context:rejected") for r in w[k]]
    assert not any(exists(store, r) for r in reviewed_context)
    assert not any(exists(store, r) for r in old["best:rejected"] + new["best:rejected"])
    for rel in old["best:confirmed"] + new["best:confirmed"] + old["best:pending"] + old["context:pending"]:
        assert exists(store, rel)
    for rel in current["best:pending"] + current["context:pending"] + current["extra"]:
        assert exists(store, rel)  # the walk being recorded is never touched
    assert all(c.context_crop is None for c in store.cameras() if c.review_state != "pending")
    # the walk being recorded is never touched
    assert all(exists(store, r) for r in current["extra"] + current["best:pending"])
    # the database no longer points at deleted files
    for row in store.db.query("SELECT crop FROM sightings WHERE crop IS NOT NULL"):
        assert exists(store, row["crop"])
    for row in store.db.query("SELECT best_crop FROM cameras WHERE best_crop IS NOT NULL"):
        assert exists(store, row["best_crop"])
    store.close()


def test_a_walk_ends_cleanly_when_the_disk_runs_low(tmp_path):
    """Thresholds above this disk's free space: the storage observer asks the loop to stop at once."""
    store = Store(tmp_path / "db" / "walks.db")
    walk_id = store.start_walk(source="test")
    huge = int(free_mb(tmp_path) * 2 + 1000)
    settings = ServiceSettings(stop_free_mb=huge, min_free_mb=huge, warn_free_mb=huge, prune_crops=False)
    guard = StorageObserver(store.path, settings)
    walk = make_walk(tmp_path / "rec", frames=30, size=(160, 90), objects=1, gps=False)
    survey = Survey(
        VideoFileSource(walk.video),
        BlobDetector(),
        store,
        walk_id,
        profile=profile_for("pi3"),
        gps_track=GpsTrack(),
        observers=[guard],
    )
    result = survey.run()
    assert guard.stop_requested and "disk nearly full" in guard.stop_reason
    assert result.status == "completed" and result.frames < 30
    assert survey.stop_reason == guard.stop_reason
    row = store.walk(walk_id)
    assert row.status == "completed" and row.frames == result.frames
    store.close()


def test_plenty_of_space_changes_nothing(tmp_path):
    store = Store(tmp_path / "walks.db")
    crops = add_walk(store, ["rejected"])
    guard = StorageObserver(store.path, ServiceSettings(stop_free_mb=0, min_free_mb=0, warn_free_mb=0))
    from sousveillance.device.survey.observer import LoopStats

    stats = LoopStats(walk_id=99, frames=1, detected_frames=1, fps=1.0, cameras=0, fix_mode=3, last_frame_t=0.0)
    guard.on_ready(stats)
    guard.on_frame(stats)
    guard.on_end(stats, "completed")
    assert not guard.stop_requested and guard.level == "ok"
    assert all(exists(store, r) for r in crops["extra"])
    store.close()
