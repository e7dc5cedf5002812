"""The picture's shift between frames (the walker's sway), measured on the sample walk, and what it does for tracks."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from sousveillance.device.bench.walktruth import load_walk
from sousveillance.device.commands import SAMPLE_WALK
from sousveillance.device.detect.motion import GlobalMotion
from sousveillance.device.track import Tracker
from sousveillance.device.types import Detection

pytestmark = pytest.mark.skipif(not (SAMPLE_WALK / "walk.mp4").exists(), reason="the sample walk is missing")


def frames(n):
    cap = cv2.VideoCapture(str(SAMPLE_WALK / "walk.mp4"))
    out = [cap.read()[1] for _ in range(n)]
    cap.release()
    return out


def test_a_known_translation_is_measured():
    image = frames(40)[-1]
    h, w = image.shape[:2]
    moved = cv2.warpAffine(image, np.float32([[1, 0, 0.04 * w], [0, 1, -0.01 * h]]), (w, h),
                           borderMode=cv2.BORDER_REFLECT)
    motion = GlobalMotion()
    assert motion.shift(image) == (0.0, 0.0)  # nothing to compare the first frame with
    dx, dy = motion.shift(moved)
    assert dx == pytest.approx(0.04 * w, abs=0.003 * w) and dy == pytest.approx(-0.01 * h, abs=0.003 * h)


def test_the_shift_explains_how_far_cameras_move_between_frames():
    """On the rendered walk, a camera's box moves between two frames mostly because the walker swayed: the measured
    shift takes most of that motion out."""
    walk = load_walk(SAMPLE_WALK)
    video = frames(walk.frames)
    motion = GlobalMotion()
    shifts = [motion.shift(image) for image in video]
    raw, left = [], []
    for cam in walk.cameras:
        for f, box in cam.boxes.items():
            before = cam.boxes.get(f - 1)
            if before is None or box[2] - box[0] < 8:
                continue
            dx = (box[0] + box[2] - before[0] - before[2]) / 2
            dy = (box[1] + box[3] - before[1] - before[3]) / 2
            raw.append(math.hypot(dx, dy))
            left.append(math.hypot(dx - shifts[f][0], dy - shifts[f][1]))
    assert len(raw) > 100
    assert np.median(left) < 0.5 * np.median(raw)


def test_a_swaying_camera_keeps_one_track_when_tracks_move_with_the_picture():
    """A 16 px camera swung 45 px left and right by the walker's steps (the sample walk's sway at 1920 px)."""
    tracker = Tracker(min_hits=3, max_age=5)
    ids, last_x = set(), 900.0
    for n in range(40):
        x = 900 + 45 * math.sin(2 * math.pi * n / 5.5)
        update = tracker.update([Detection(x, 400, x + 16, 416, 0.6, 0, "dome")], n, shift=(x - last_x, 0.0))
        ids |= {t.id for t, _ in update.matches}
        last_x = x
    assert len(ids) == 1
