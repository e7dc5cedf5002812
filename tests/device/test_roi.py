"""The region-of-interest pass on a real frame of the sample walk: a low-score candidate where a rendered camera is
gets crops until the model confirms it, and is followed on; one on bare wall or sky gets its tries and is dropped."""

from __future__ import annotations

import cv2
import pytest

from sousveillance.device.bench.walktruth import load_walk
from sousveillance.device.commands import SAMPLE_WALK
from sousveillance.device.detect import open_detector
from sousveillance.device.detect.roi import Candidate
from sousveillance.device.detect.scheduled import ScheduledDetector
from sousveillance.device.types import Detection
from sousveillance.models import NCNN_DIR

pytest.importorskip("ncnn")
pytestmark = pytest.mark.skipif(not (NCNN_DIR / "model.ncnn.param").exists() or not (SAMPLE_WALK / "walk.mp4").exists(),
                                reason="the shipped NCNN model or the sample walk is missing")


def frame(index):
    cap = cv2.VideoCapture(str(SAMPLE_WALK / "walk.mp4"))
    for _ in range(index + 1):
        ok, image = cap.read()
        assert ok
    cap.release()
    return image


def a_camera_in_view():
    """A rendered camera 24-48 px wide with no other camera near it: (frame index, its box)."""
    walk = load_walk(SAMPLE_WALK)
    best = None
    for cam in walk.cameras:
        for f, (x1, y1, x2, y2) in cam.boxes.items():
            if not 24 <= x2 - x1 <= 48:
                continue
            others = [o.boxes[f] for o in walk.cameras if o is not cam and f in o.boxes]
            if any(abs((o[0] + o[2]) / 2 - (x1 + x2) / 2) < 150 and abs((o[1] + o[3]) / 2 - (y1 + y2) / 2) < 150 for o in others):
                continue
            if best is None or x2 - x1 > best[1][2] - best[1][0]:
                best = (f, (x1, y1, x2, y2))
    assert best is not None
    return best


def test_a_candidate_on_a_camera_is_confirmed_and_one_on_nothing_is_dropped():
    index, (x1, y1, x2, y2) = a_camera_in_view()
    image = frame(index)
    h, w = image.shape[:2]
    detector = ScheduledDetector(open_detector(NCNN_DIR), "rotate")
    roi = detector.roi
    true = Candidate(1001, Detection(x1, y1, x2, y2, 0.12, 0, "dome"))
    # the same size, on the frame's top-left corner: sky or façade, no camera there
    false = Candidate(1002, Detection(8, 8, 8 + x2 - x1, 8 + y2 - y1, 0.12, 0, "dome"))
    assert not any(x1_ < 8 + x2 - x1 + 40 and y1_ < 8 + y2 - y1 + 40 for cam in load_walk(SAMPLE_WALK).cameras
                   for f, (x1_, y1_, _, _) in cam.boxes.items() if f == index)
    roi.candidates = [true, false]
    found_at_camera = False
    for _ in range(3 * roi.max_tries):  # crops go to the least-tried candidates first: the whole frame adds some
        seen = detector.detect_frame(image)  # the walker stood still: the same frame again
        assert {p.kind for p in seen.passes} >= {"whole", "roi"}
        found_at_camera |= any(abs(d.center[0] - (x1 + x2) / 2) < (x2 - x1) and abs(d.center[1] - (y1 + y2) / 2) < (y2 - y1)
                               for d in seen.detections)
    assert true.hits >= roi.confirm_hits and found_at_camera  # confirmed: its boxes reached the detections
    assert true in roi.candidates  # and still followed: a small camera is seen every frame, not once a rotation
    assert false.hits == 0 and false.tries == roi.max_tries  # looked at every time, never found: dropped
    assert false not in roi.candidates
