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


def coverage(tile_x0, tile_x1, width=1920, height=1080):
    """What one run of a rotation looked at: the whole frame downscaled (only boxes >= 48 px show), and one tile at
    native resolution."""
    from sousveillance.device.detect.schedule import Region
    from sousveillance.device.detect.scheduled import Coverage, Look

    return Coverage(width, height,
                    (Look(Region(0, 0, width, height), 48.0), Look(Region(tile_x0, 0, tile_x1, height), 16.0)))


def test_a_small_camera_seen_only_every_kth_frame_keeps_one_track():
    """A 16 px camera drifting right 1.5 px a frame sits in tile 3 of a 20-tile rotation: it is looked at natively
    every 20th run only. The runs in between did not look there, so they are no misses, and the gap is bridged."""
    k, tracker = 20, Tracker(min_hits=3, max_age=15)
    ids, confirmed = set(), []
    for n in range(6 * k):
        x = 620 + 1.5 * n
        tile = n % k
        looked = coverage(600 + 400 * (tile - 3), 1000 + 400 * (tile - 3))
        update = tracker.update([box(x, 400, s=16, conf=0.6)] if tile == 3 else [], n, looked)
        ids |= {t.id for t, _ in update.matches}
        confirmed += update.confirmed
    assert len(ids) == 1 and len(confirmed) == 1
    assert tracker.tracks[0].misses == 0  # never counted missing where no one looked


def test_a_track_looked_at_and_not_found_still_ends():
    tracker = Tracker(min_hits=1, max_age=3)
    tracker.update([box(700, 400, s=16)], 0, coverage(600, 800))
    ended = []
    for n in range(1, 6):  # the same tile every run: it looks where the camera was, and nothing is there
        ended += tracker.update([], n, coverage(600, 800)).ended
    assert len(ended) == 1 and ended[0].misses == 4


def test_a_track_nobody_looks_at_ends_after_three_times_max_age():
    tracker = Tracker(min_hits=1, max_age=3)
    tracker.update([box(700, 400, s=16)], 0, coverage(600, 800))
    ended = [n for n in range(1, 20) if tracker.update([], n, coverage(0, 200)).ended]
    assert ended == [10]


def test_faint_boxes_continue_a_track_but_never_start_or_confirm_one():
    tracker = Tracker(min_hits=3, max_age=2)
    tracker.update([box(100, 100, conf=0.8)], 0)
    confirmed = []
    for n in range(1, 8):  # the camera scores under the detector's threshold for a while: the track lives on
        update = tracker.update([], n, faint=[box(100 + n, 100, conf=0.2), box(500, 300, conf=0.2)])
        assert [t.id for t, _ in update.matches] == [1] and not update.ended
        confirmed += update.confirmed
    assert not confirmed and len(tracker.tracks) == 1 and tracker.tracks[0].hits == 1


def test_boxes_of_one_small_camera_from_two_passes_merge_into_one():
    from sousveillance.device.detect.tiling import merge_detections

    tile = box(100, 100, s=12, conf=0.6)
    crop = Detection(102, 99, 117, 113, 0.5, 1, "fixed")  # the crop boxed it a little larger, as another class
    other = box(140, 100, s=12, conf=0.4)  # a second camera two box-widths away stays
    kept = merge_detections([crop, other, tile])
    assert kept == [tile, other]
