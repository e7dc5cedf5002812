"""One record per physical camera: the walk back, a track lost and found, two cameras on one pole, undo."""

from __future__ import annotations

import pytest
from geo.geo_helpers import error_m, key_of, run_walk

from sousveillance.device.geo import finalize_walk, unmerge
from sousveillance.device.geo.simulate import TrueObject
from sousveillance.device.geo.simworld import straight_street

CAMERA = TrueObject("c", "dome", 60.0, -9.0, 4.5)


def test_walk_back_past_the_same_camera_gives_one_camera(store):
    sim, walk = run_walk(store, straight_street([CAMERA], back=True))
    assert len(sim.tracks()) == 2  # seen once each way
    report = finalize_walk(store, walk)
    [camera] = store.cameras(walk)
    assert report.merged == 1 and report.cameras == 1
    assert camera.sightings_count == len(sim.sightings)
    assert len(store.group_sightings(camera.id)) == len(sim.sightings)
    assert error_m(sim, camera, "c") < 4.0
    [merge] = store.db["camera_merges"].rows
    assert merge["kept_camera_id"] == camera.id and merge["reason"] == "revisit"


def test_track_lost_and_found_again_is_merged(store):
    sim, walk = run_walk(store, straight_street([CAMERA]), break_prob=1.0)
    assert len(sim.tracks()) == 2  # the tracker lost it once
    finalize_walk(store, walk)
    assert len(store.cameras(walk)) == 1
    assert store.db["camera_merges"].get(1)["reason"] == "refound"


def test_two_cameras_on_one_pole_stay_two(store):
    pole = TrueObject("pole", "pole", 60.0, -3.0, 6.0, mount="pole")
    low = TrueObject("low", "dome", 60.0, -3.0, 4.3, mount="pole")
    high = TrueObject("high", "dome", 60.1, -3.0, 5.0, mount="pole")
    sim, walk = run_walk(store, straight_street([pole, low, high], back=True))
    finalize_walk(store, walk)
    cameras = store.cameras(walk)
    assert sorted(key_of(sim, c) for c in cameras) == ["high", "low"]  # one each, walk back merged
    assert all(c.mount == "pole" for c in cameras), [c.mount_evidence for c in cameras]
    assert store.db["poles"].count >= 1


def test_cameras_on_a_wall_are_proposed_as_wall(store):
    _sim, walk = run_walk(store, straight_street([TrueObject("w", "fixed", 60.0, -12.0, 4.0, facing=10.0)]))
    finalize_walk(store, walk)
    [camera] = store.cameras(walk)
    assert camera.mount in ("wall", "unknown")
    assert camera.mount_evidence


def test_undo_a_merge_brings_both_cameras_back_and_sticks(store):
    sim, walk = run_walk(store, straight_street([CAMERA], back=True))
    finalize_walk(store, walk)
    [kept] = store.cameras(walk)
    merged_id = store.db["camera_merges"].get(1)["merged_camera_id"]
    assert store.db["cameras"].get(merged_id)["merged_into"] == kept.id

    assert unmerge(store, merged_id) == [merged_id]
    cameras = store.cameras(walk)
    assert len(cameras) == 2
    assert sum(c.sightings_count for c in cameras) == len(sim.sightings)
    assert store.db["camera_merges"].get(1)["undone_at"] is not None
    for camera in cameras:  # each is placed again from its own sightings
        assert error_m(sim, camera, "c") < 6.0

    finalize_walk(store, walk)  # running the end-of-walk pass again does not redo what the reviewer undid
    assert len(store.cameras(walk)) == 2


def test_unmerge_of_a_camera_that_was_not_merged_is_a_clear_error(store):
    _sim, walk = run_walk(store, straight_street([CAMERA]))
    finalize_walk(store, walk)
    [camera] = store.cameras(walk)
    with pytest.raises(ValueError, match="not part of a merge"):
        unmerge(store, camera.id)
    with pytest.raises(ValueError, match="no camera 999"):
        unmerge(store, 999)


def test_finalize_twice_gives_the_same_cameras(store):
    _sim, walk = run_walk(store, straight_street([CAMERA, TrueObject("d", "ptz", 100.0, 8.0, 5.0)], back=True))
    finalize_walk(store, walk)
    first = sorted((c.id, round(c.latitude, 7)) for c in store.cameras(walk))
    finalize_walk(store, walk)
    assert sorted((c.id, round(c.latitude, 7)) for c in store.cameras(walk)) == first
    assert store.db["camera_merges"].count == 2


def test_bench_command_has_help_with_an_example_and_rejects_a_bad_profile():
    from click.testing import CliRunner

    from sousveillance.device.bench.geolocate import geolocate

    result = CliRunner().invoke(geolocate, ["--help"])
    assert result.exit_code == 0 and "Example:" in result.output
    bad = CliRunner().invoke(geolocate, ["--profile", "fisheye", "--walks", "1"])
    assert bad.exit_code == 2 and "unknown camera profile 'fisheye'" in bad.output


def test_bench_scores_a_walk_database_against_a_truth_file(store, tmp_path):
    import json

    from click.testing import CliRunner

    from sousveillance.device.bench.geolocate import geolocate

    far = TrueObject("d", "ptz", 100.0, 8.0, 5.0)
    sim, walk = run_walk(store, straight_street([CAMERA, far], back=True))
    finalize_walk(store, walk)
    cams = []
    for obj in (CAMERA, far):
        lat, lon = sim.frame.to_wgs84(obj.east, obj.north)
        cams.append({"id": obj.key, "type": obj.class_name, "lat": float(lat), "lon": float(lon),
                     "in_view_frames": [1]})
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"origin": {"lat": sim.world.origin[0], "lon": sim.world.origin[1]}, "cameras": cams}))
    result = CliRunner().invoke(geolocate, ["--sample", str(store.path), "--truth", str(truth)])
    assert result.exit_code == 0, result.output
    assert "matched 2, unmatched (duplicates or false) 0, missed 0" in result.output
    missing = CliRunner().invoke(geolocate, ["--sample", str(store.path), "--truth", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "cannot read ground truth" in missing.output


def test_unmerge_from_the_kept_camera_splits_the_whole_group(store):
    sim, walk = run_walk(store, straight_street([CAMERA], back=True), break_prob=1.0)
    assert len(sim.tracks()) >= 3
    finalize_walk(store, walk)
    [kept] = store.cameras(walk)
    freed = unmerge(store, kept.id)
    assert len(freed) == len(sim.tracks()) - 1
    assert len(store.cameras(walk)) == len(sim.tracks())


def test_empty_walk_finalizes_to_nothing(store):
    walk = store.start_walk(source="test")
    report = finalize_walk(store, walk)
    assert report.cameras == 0 and report.merged == 0
    assert store.cameras(walk) == []


def _estimate(camera_id: int, east: float, t_first: float, sd: float, frames: range):
    from sousveillance.device.geo.dedupe import TrackEstimate

    return TrackEstimate(camera_id, "fixed", east, 10.0, sd, frozenset(frames), t_first, t_first + 2.0, 8, 4.0,
                         (sd * sd, 0.0, 0.0, sd * sd))


def test_vague_track_lost_and_found_is_merged_even_when_far_apart():
    from sousveillance.device.geo.dedupe import find_merges

    # two range-only guesses of one far camera, 3 s apart: 18 m apart but each uncertain by 10 m
    merges = find_merges([_estimate(1, 0.0, 100.0, 10.0, range(8)), _estimate(2, 18.0, 105.0, 10.0, range(20, 28))])
    assert [(m.kept_camera_id, m.merged_camera_id, m.reason) for m in merges] == [(1, 2, "refound")]


def test_vague_tracks_minutes_apart_and_far_apart_stay_two_cameras():
    from sousveillance.device.geo.dedupe import find_merges

    # the same pair seen on the way back (minutes later) 25 m apart: two cameras, not one
    assert find_merges([_estimate(1, 0.0, 100.0, 10.0, range(8)),
                        _estimate(2, 25.0, 400.0, 10.0, range(900, 908))]) == []
