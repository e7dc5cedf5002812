"""Where the walker was at each frame: interpolation, dropouts, heading round a corner, standing still."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from sousveillance.device.geodesy import local_offset_m, move
from sousveillance.device.gps import GpsTrack, rebase
from sousveillance.device.types import Fix


def _dist_m(lat0, lon0, lat1, lon1) -> float:
    return math.hypot(*local_offset_m(lat0, lon0, lat1, lon1))


def _angle_diff(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def test_positions_at_frame_times_follow_the_walk(walk):
    fixes = rebase(walk, walk[0].t)  # onto a video's timeline: t = 0 at the first fix
    track = GpsTrack(fixes)
    assert len(track) == len(walk) and track.start == 0.0
    for k in range(1100):  # 10 fps along the first leg (east)
        t = k / 10.0
        pos = track.position_at(t)
        exp_lat, exp_lon = move(fixes[0].latitude, fixes[0].longitude, 1.4 * t, 0.0)
        assert _dist_m(pos.latitude, pos.longitude, exp_lat, exp_lon) < 0.05
        assert pos.eph == pytest.approx(3.0)
    mid = track.position_at(5.5)
    assert mid.utc == walk[5].utc + (walk[6].utc - walk[5].utc) / 2


def test_dropout_gives_no_position_and_edges_are_bounded(walk):
    kept = [f for i, f in enumerate(walk) if not 50 <= i < 60]
    track = GpsTrack(kept, max_gap_s=5.0, max_extrapolate_s=2.0)
    t0 = walk[0].t
    assert track.position_at(t0 + 49.0) is not None
    assert track.position_at(t0 + 55.0) is None  # 11 s without a fix
    assert track.position_at(t0 + 60.5) is not None
    assert track.position_at(t0 - 3.0) is None
    last = walk[-1]
    ahead = track.position_at(last.t + 1.0)  # dead-reckoned with the last course (north) and speed
    assert _dist_m(last.latitude, last.longitude, ahead.latitude, ahead.longitude) == pytest.approx(1.4, abs=0.01)
    assert ahead.latitude > last.latitude
    assert track.position_at(last.t + 3.0) is None


def test_heading_turns_from_east_to_north_after_the_corner(walk_factory):
    fixes = walk_factory(legs=((90.0, 60), (0.0, 60)))
    # Receivers' course is noisy at walking pace: give them a wrong one to show the track decides.
    fixes = [dataclasses.replace(f, course=(f.course + 40.0) % 360.0) for f in fixes]
    track = GpsTrack(fixes, heading_distance_m=8.0)
    corner = fixes[60].t
    assert _angle_diff(track.position_at(corner - 10.0).heading, 90.0) < 0.5
    during = track.position_at(corner + 2.0).heading
    assert 5.0 < during < 85.0  # the 8 m window straddles the corner
    assert _angle_diff(track.position_at(corner + 7.0).heading, 0.0) < 0.5  # 9.8 m past the corner
    assert _angle_diff(track.position_at(corner + 30.0).heading, 0.0) < 0.5


def test_standing_still_has_no_heading_unless_the_receiver_moves(walk):
    rng = random.Random(4)
    lat0, lon0 = walk[0].latitude, walk[0].longitude
    still = []
    for i in range(60):
        lat, lon = move(lat0, lon0, rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4))  # receiver jitter
        still.append(Fix(100.0 + i, None, lat, lon, None, None, 0.0, 4.0, 2))
    track = GpsTrack(still)
    pos = track.position_at(130.3)
    assert pos is not None and pos.heading is None
    moving_course = [dataclasses.replace(f, course=200.0, speed=0.9) for f in still]
    assert GpsTrack(moving_course).position_at(130.3).heading == pytest.approx(200.0)


def test_no_fix_modes_are_ignored_and_live_appends_stay_sorted(walk):
    track = GpsTrack()
    assert track.position_at(0.0) is None
    for f in walk[:10]:
        track.append(f)
    track.append(dataclasses.replace(walk[10], mode=1, latitude=0.0))  # no fix: ignored
    track.append(walk[12])
    track.append(walk[11])  # late arrival
    assert [f.t for f in track.fixes] == [f.t for f in walk[:10]] + [walk[11].t, walk[12].t]
    pos = track.position_at(walk[10].t + 0.5)
    assert pos is not None  # 10..11 s gap is 2 s, under max_gap_s
    assert _dist_m(pos.latitude, pos.longitude, walk[10].latitude, walk[10].longitude) == pytest.approx(0.7, abs=0.02)
    assert _angle_diff(pos.heading, 90.0) < 0.5
