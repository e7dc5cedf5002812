"""The ncnn-only detector gives the same boxes as Ultralytics on the shipped NCNN model, without importing torch."""

from __future__ import annotations

import subprocess
import sys

import cv2
import pytest

from sousveillance.device.commands import SAMPLE_WALK
from sousveillance.device.detect import YoloDetector, open_detector
from sousveillance.device.detect.ncnn_native import NcnnDetector
from sousveillance.models import NCNN_DIR

pytest.importorskip("ncnn")
pytestmark = pytest.mark.skipif(not (NCNN_DIR / "model.ncnn.param").exists(), reason="no shipped NCNN model")


def frames(step=10):
    cap = cv2.VideoCapture(str(SAMPLE_WALK / "walk.mp4"))
    out, i = [], 0
    while True:
        ok, img = cap.read()
        if not ok:
            return out
        if i % step == 0:
            out.append(img)
        i += 1


@pytest.mark.needs("ultralytics")
def test_same_detections_as_ultralytics_on_the_sample_walk():
    ours = NcnnDetector(NCNN_DIR, conf=0.1)
    theirs = YoloDetector(NCNN_DIR, imgsz=640, conf=0.1)
    compared = 0
    for img in frames():
        a = sorted(ours.detect(img), key=lambda d: -d.confidence)
        b = sorted(theirs.detect(img), key=lambda d: -d.confidence)
        assert len(a) == len(b)
        for da, db in zip(a, b, strict=True):
            assert da.class_name == db.class_name
            assert abs(da.confidence - db.confidence) < 0.01
            assert max(abs(da.x1 - db.x1), abs(da.y1 - db.y1), abs(da.x2 - db.x2), abs(da.y2 - db.y2)) < 1.5
            compared += 1
    assert compared >= 5  # the model does find things in the walk at this threshold


@pytest.mark.needs("ultralytics")
def test_the_ultralytics_backend_can_still_be_chosen_for_an_ncnn_model():
    assert isinstance(open_detector(NCNN_DIR, backend="ultralytics"), YoloDetector)


def test_the_device_picks_it_for_ncnn_models_and_never_imports_torch():
    assert isinstance(open_detector(NCNN_DIR), NcnnDetector)
    code = (
        "import sys, numpy as np; from sousveillance.device.detect import open_detector;"
        "d = open_detector(); d.detect(np.zeros((360, 640, 3), np.uint8));"
        "print(type(d).__name__, 'torch' in sys.modules, 'ultralytics' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["NcnnDetector", "False", "False"]


def test_head_maps_decode_to_the_exported_output():
    """The per-scale maps decoded here give exactly the export's own output at its size (so any size is the same
    model, not an approximation of it)."""
    from sousveillance.device.detect.yolo_head import decode

    det = NcnnDetector(NCNN_DIR)
    assert det.any_size
    for img in frames(step=30):
        out, *_ = det.forward(img)
        padded, *_ = det._letterbox(img, det.imgsz)
        mine = decode(det._run(padded, det._heads), det.imgsz, 0.05, len(det.names))
        confs = out[4:].max(axis=0)
        keep = confs > 0.05
        assert len(mine.scores) == keep.sum() > 0
        assert abs(mine.scores - confs[keep]).max() < 1e-4
        assert abs(mine.xywh - out[:4, keep].T).max() < 0.05  # pixels of the 640 input


def test_a_rectangular_input_finds_what_the_square_one_finds():
    det = NcnnDetector(NCNN_DIR, conf=0.2)
    compared = 0
    for img in frames(step=15):
        square = det.predict(img)
        rect = det.predict(img, size=(384, 640))  # 16:9 at 640 wide: 40 % fewer pixels than 640x640
        for a in square:
            if a.confidence < 0.35:
                continue  # boxes near the threshold may fall either side
            tol = 4 * max(img.shape[:2]) / 640  # 4 px of the model's input, in frame pixels
            assert any(b.class_name == a.class_name and abs(b.x1 - a.x1) < tol and abs(b.y2 - a.y2) < tol
                       for b in rect), a
            compared += 1
    assert compared >= 3
