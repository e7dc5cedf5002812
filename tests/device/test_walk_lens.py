"""A walk is placed with the lens it was recorded with: in the loop, when placed again, and on a reviewer's split."""

from __future__ import annotations

from helpers.walkmaker import BlobDetector, make_walk

from sousveillance.config import load_config
from sousveillance.device.capture import VideoFileSource
from sousveillance.device.geo import finalize_walk
from sousveillance.device.gps.file import open_gps_file
from sousveillance.device.review import decisions
from sousveillance.device.store import NewMerge
from sousveillance.device.survey.session import align_recording, run_walk


def _positions(store, walk_id):
    return {c.id: (round(c.latitude, 9), round(c.longitude, 9), c.uncertainty_m) for c in store.cameras(walk_id)}


def test_a_wide_lens_walk_is_placed_again_and_split_with_its_own_lens(tmp_path):
    walk = make_walk(tmp_path / "rec", frames=60, objects=3)
    config = load_config(None, {"store.database": str(tmp_path / "db" / "walks.db"), "capture.profile": "pi3-wide"})
    timing = align_recording(open_gps_file(walk.nmea))
    store, result = run_walk(
        config,
        VideoFileSource(walk.video),
        detector=BlobDetector(),
        fixes=timing.fixes,
        video_start_utc=timing.video_start_utc,
        handle_signals=False,
    )
    assert store.walk(result.walk_id).settings["capture"]["profile"] == "pi3-wide"
    placed = _positions(store, result.walk_id)  # the loop's end-of-walk pass, with the configured lens
    assert len(placed) == 3 and all(lat is not None for lat, _, _ in placed.values())

    finalize_walk(store, result.walk_id)  # placed again later (e.g. after an update): the walk's own lens
    assert _positions(store, result.walk_id) == placed

    kept, member = sorted(placed)[:2]  # the reviewer splits a merge: both cameras are placed on their own again
    store.record_merges(result.walk_id, [NewMerge(kept, member, "revisit", 3.0, 1.0)])
    assert set(_positions(store, result.walk_id)) == set(placed) - {member}
    decisions.apply(store, kept, "split", {"member": member}, "tester")
    assert _positions(store, result.walk_id) == placed
