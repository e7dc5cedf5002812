"""Placing cameras: left and right of the path, straight ahead, round a corner, through a GPS dropout, one box."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from geo.geo_helpers import error_m, key_of, run_walk

from sousveillance.device.geo import PROFILES, bearing_to, default_locator, finalize_walk
from sousveillance.device.geo.simulate import TrueObject, World
from sousveillance.device.geo.simworld import straight_street
from sousveillance.device.types import Detection, Position, Sighting


def test_bearing_follows_the_box_across_the_image():
    pi3 = PROFILES["pi3"]
    assert bearing_to(960, 1920, 90.0, pi3) == pytest.approx(90.0)
    assert bearing_to(1900, 1920, 90.0, pi3) == pytest.approx(90.0 + 32.6, abs=0.5)  # right edge: south of east
    assert bearing_to(20, 1920, 10.0, pi3) == pytest.approx(360 + 10.0 - 32.6, abs=0.5)
    assert bearing_to(960, 1920, None, pi3) is None


def test_cameras_left_and_right_of_the_path_land_on_their_side(store):
    left = TrueObject("left", "dome", 60.0, 8.0, 4.0)
    right = TrueObject("right", "ptz", 90.0, -12.0, 5.0)
    sim, walk = run_walk(store, straight_street([left, right]))
    finalize_walk(store, walk)
    cameras = {key_of(sim, c): c for c in store.cameras(walk)}
    assert set(cameras) == {"left", "right"}
    for key, camera in cameras.items():
        assert error_m(sim, camera, key) < 4.0, camera
        assert camera.uncertainty_m > 0
        assert camera.has_position == 1
    left_n = sim.frame.to_local(cameras["left"].latitude, cameras["left"].longitude)[1]
    right_n = sim.frame.to_local(cameras["right"].latitude, cameras["right"].longitude)[1]
    assert left_n > 3 and right_n < -5


def test_camera_straight_ahead_is_placed_ahead_not_on_the_walker(store):
    ahead = TrueObject("ahead", "dome", 112.0, 0.5, 4.0, facing=270)
    sim, walk = run_walk(store, straight_street([ahead], length=100.0))
    finalize_walk(store, walk)
    [camera] = store.cameras(walk)
    east = float(sim.frame.to_local(camera.latitude, camera.longitude)[0])
    assert east > 100.0  # beyond the end of the walk, not where the walker stood
    assert error_m(sim, camera, "ahead") < 6.0
    assert camera.uncertainty_m >= 2.0


def test_walk_round_a_corner(store):
    world = World([(0.0, 0.0), (80.0, 0.0), (80.0, 90.0)], [
        TrueObject("before", "fixed", 50.0, -11.0, 4.0, facing=0.0),
        TrueObject("after", "dome", 88.0, 50.0, 4.5),
    ])
    sim, walk = run_walk(store, world)
    finalize_walk(store, walk)
    cameras = {key_of(sim, c): c for c in store.cameras(walk)}
    assert set(cameras) == {"before", "after"}
    for key, camera in cameras.items():
        assert error_m(sim, camera, key) < 5.0, camera


def test_gps_dropout_in_the_middle_of_a_track(store, tmp_path):
    camera_obj = TrueObject("c", "ptz", 60.0, -10.0, 4.5)
    probe, _ = run_walk(store, straight_street([camera_obj]))
    times = [s.t for s in probe.sightings]
    middle = (times[0] + times[-1]) / 2
    from sousveillance.device.store import Store

    with Store(tmp_path / "dropout.db") as other:
        sim, walk = run_walk(other, straight_street([camera_obj]), dropouts=((middle - 1.5, middle + 1.5),))
        assert any(s.position is None for s in sim.sightings)
        finalize_walk(other, walk)
        [camera] = other.cameras(walk)
        assert camera.has_position == 1
        assert error_m(sim, camera, "c") < 5.0
        assert other.db["sightings"].count == len(sim.sightings)  # nothing recorded is lost


def _single(lat: float, lon: float, heading: float) -> Sighting:
    det = Detection(1500, 300, 1530, 322, 0.8, 0, "dome")
    pos = Position(lat, lon, heading, 3.0)
    bearing = bearing_to(1515, 1920, heading, PROFILES["pi3"])
    return Sighting(1, 10, 2.5, datetime(2026, 5, 1, tzinfo=UTC), det, 1920, 1080, pos, bearing)


def test_single_sighting_track_falls_back_to_range_with_larger_uncertainty(store):
    locator = default_locator(PROFILES["pi3"])
    one = locator.locate([_single(52.52, 13.405, 90.0)], "dome")
    assert one is not None and one.method == "range"
    sim, _ = run_walk(store, straight_street([TrueObject("c", "dome", 60.0, -8.0, 4.0)]))
    [track] = sim.tracks().values()
    whole = locator.locate(track, "dome")
    alone = locator.locate(track[len(track) // 2 : len(track) // 2 + 1], "dome")
    assert alone.method == "range" and alone.uncertainty_m > whole.uncertainty_m
    # and through the database: a camera row with one sighting is placed, flagged as a range estimate
    walk2 = store.start_walk(source="test")
    store.db["cameras"].insert({"uuid": "single", "walk_id": walk2, "track_id": 1, "camera_type": "dome"})
    cam_id = store.db["cameras"].get(store.db.execute("SELECT id FROM cameras WHERE uuid='single'").fetchone()[0])["id"]
    store.add_sighting(walk2, cam_id, _single(52.52, 13.405, 90.0))
    finalize_walk(store, walk2)
    row = store.db["cameras"].get(cam_id)
    assert row["has_position"] == 1 and row["position_method"] == "range"
    assert row["uncertainty_m"] > 3.0  # more than the GPS error alone: the range is a guess from one box


def test_track_without_any_fix_is_kept_and_flagged(store):
    walk = store.start_walk(source="test")
    store.db["cameras"].insert({"uuid": "nofix", "walk_id": walk, "track_id": 1, "camera_type": "dome"})
    s = _single(52.52, 13.405, 90.0)
    s.position, s.bearing = None, None
    store.add_sighting(walk, 1, s)
    report = finalize_walk(store, walk)
    [camera] = store.cameras(walk)
    assert camera.has_position in (0, None) and camera.latitude is None
    assert report.cameras == 1


def test_unknown_walk_is_a_clear_error(store):
    with pytest.raises(ValueError, match="no walk 42"):
        finalize_walk(store, 42)


def test_fixed_camera_gets_a_facing_proposal_and_a_dome_none(store):
    from sousveillance.device.geodesy import angle_diff

    fixed = TrueObject("f", "fixed", 60.0, -6.0, 4.0, facing=330.0)  # looks up the street towards the walker
    dome = TrueObject("d", "dome", 80.0, 8.0, 4.0)
    sim, walk = run_walk(store, straight_street([fixed, dome]), profile="pi3-wide")
    finalize_walk(store, walk)
    cameras = {key_of(sim, c): c for c in store.cameras(walk)}
    assert cameras["d"].direction is None
    assert cameras["f"].direction is not None
    assert abs(float(angle_diff(cameras["f"].direction, 330.0))) < 25.0
    assert cameras["f"].direction_uncertainty_deg > 0


def test_camera_just_past_a_corner_is_placed_from_the_receivers_course(store):
    # seen only in the first metres after the turn, where a heading averaged over metres walked mixes two streets
    world = World([(0.0, 0.0), (80.0, 0.0), (80.0, 60.0)], [TrueObject("corner", "dome", 76.5, 12.0, 4.0)])
    sim, walk = run_walk(store, world)
    finalize_walk(store, walk)
    [camera] = store.cameras(walk)
    assert camera.position_method != "walker"  # it got bearing rays, not just the walker's position
    assert error_m(sim, camera, "corner") < 4.0, camera
