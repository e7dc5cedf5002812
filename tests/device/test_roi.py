"""The region-of-interest pass on a real frame of the sample walk: a low-score candidate where a rendered camera is
gets crops until the model confirms it, and is followed on; one on bare wall or sky gets its tries and is dropped."""

from __future__ import annotations

import cv2
import pytest

from sousveillance.device.bench.walktruth import load_walk
from sousveillance.device.commands import SAMPLE_WALK
from sousveillance.device.detect import open_detector
from sousveillance.device.detect.mosaic import compose, pack, unpack
from sousveillance.device.detect.roi import Candidate, RoiWatch
from sousveillance.device.detect.schedule import CROP_ROW
from sousveillance.device.detect.scheduled import ScheduledDetector
from sousveillance.device.types import Detection
from sousveillance.models import NCNN_DIR

pytest.importorskip("ncnn")
pytestmark = pytest.mark.skipif(not (NCNN_DIR / "model.ncnn.param").exists() or not (SAMPLE_WALK / "walk.mp4").exists(),
                                reason="the shipped NCNN model or the sample walk is missing")


def visible_in_a_crop(model, image, box) -> bool:
    """The bare model scores the camera at conf in the very crop the ROI pass would run for it, alone on a model
    input: a camera the model cannot see is not the ROI pass's to confirm (bench detect measures the model)."""
    x1, y1, x2, y2 = box
    watch = RoiWatch(candidates=[Candidate(1, Detection(x1, y1, x2, y2, 0.12, 0, "dome"))])
    (_, crop), = watch.crops(image.shape[1], image.shape[0], CROP_ROW)
    layout = pack([[crop]], max(model.input_hw))
    found = unpack(model.predict(compose(image, layout), size=layout.canvas_hw, conf=0.3), layout)
    return any(abs(d.center[0] - (x1 + x2) / 2) < (x2 - x1) and abs(d.center[1] - (y1 + y2) / 2) < (y2 - y1)
               for _, d in found)


def a_camera_in_view(model):
    """A rendered camera 16-48 px wide with no other camera near it, that the model scores in a crop:
    (frame index, its box, the frame)."""
    walk = load_walk(SAMPLE_WALK)
    cap = cv2.VideoCapture(str(SAMPLE_WALK / "walk.mp4"))
    frames = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        frames.append(image)
    cap.release()
    for cam in walk.cameras:
        for f, (x1, y1, x2, y2) in sorted(cam.boxes.items()):
            if not 16 <= x2 - x1 <= 48 or f >= len(frames):
                continue
            others = [o.boxes[f] for o in walk.cameras if o is not cam and f in o.boxes]
            if any(abs((o[0] + o[2]) / 2 - (x1 + x2) / 2) < 150 and abs((o[1] + o[3]) / 2 - (y1 + y2) / 2) < 150
                   for o in others):
                continue
            if visible_in_a_crop(model, frames[f], (x1, y1, x2, y2)):
                return f, (x1, y1, x2, y2), frames[f]
    raise AssertionError("no camera of the sample walk is scored by the model in a crop")


def test_a_candidate_on_a_camera_is_confirmed_and_one_on_nothing_is_dropped():
    model = open_detector(NCNN_DIR)
    index, (x1, y1, x2, y2), image = a_camera_in_view(model)
    detector = ScheduledDetector(model, "rotate")
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
        found_at_camera |= any(abs(d.center[0] - (x1 + x2) / 2) < (x2 - x1)
                               and abs(d.center[1] - (y1 + y2) / 2) < (y2 - y1) for d in seen.detections)
    assert true.hits >= roi.confirm_hits and found_at_camera  # confirmed: its boxes reached the detections
    assert true in roi.candidates  # and still followed: a small camera is seen every frame, not once a rotation
    assert false.hits == 0 and false.tries == roi.max_tries  # looked at every time, never found: dropped
    assert false not in roi.candidates
