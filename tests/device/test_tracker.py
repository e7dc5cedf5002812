"""The tracker keeps one id per physical object and ignores one-frame flicker."""

from sousveillance.device.track import Tracker
from sousveillance.device.types import Detection


def box(x, y, s=20, conf=0.9, cls=0, name="dome"):
    return Detection(x, y, x + s, y + s, conf, cls, name)


def test_one_object_moving_across_frames_is_one_track():
    tracker = Tracker(min_hits=3, max_age=3)
    ids, confirmed = set(), []
    for i in range(10):
        update = tracker.update([box(300 - 8 * i, 100)], i)
        ids |= {t.id for t, _ in update.matches}
        confirmed += update.confirmed
    assert len(ids) == 1 and len(confirmed) == 1


def test_flicker_never_confirms_and_ends():
    tracker = Tracker(min_hits=3, max_age=2)
    update = tracker.update([box(50, 50)], 0)
    assert update.confirmed == []
    ended = []
    for i in range(1, 5):
        ended += tracker.update([], i).ended
    assert len(ended) == 1 and not ended[0].confirmed


def test_two_cameras_side_by_side_stay_apart_and_class_is_voted():
    tracker = Tracker(min_hits=2, max_age=3)
    for i in range(6):
        name = "fixed" if i != 2 else "dome"  # one frame of class flicker
        tracker.update([box(100 - 2 * i, 80, cls=1, name=name), box(160 - 2 * i, 80, cls=0)], i)
    tracks = sorted(tracker.finish(), key=lambda t: t.box.x1)
    assert len(tracks) == 2
    assert tracks[0].class_name == "fixed" and tracks[1].class_name == "dome"


def test_low_confidence_continues_a_track_but_never_starts_one():
    tracker = Tracker(min_hits=2, max_age=3)
    tracker.update([box(100, 100, conf=0.8)], 0)
    update = tracker.update([box(98, 100, conf=0.2), box(400, 300, conf=0.2)], 1)
    assert len(update.matches) == 1 and len(update.confirmed) == 1


def test_poles_do_not_steal_camera_tracks():
    tracker = Tracker(min_hits=1, max_age=3)
    tracker.update([box(100, 100, cls=0)], 0)
    update = tracker.update([box(101, 100, cls=3, name="pole")], 1)
    assert len(tracker.tracks) == 2 and update.matches[0][0].is_pole
