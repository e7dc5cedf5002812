"""ONNX and NCNN exports load and give the PyTorch model's detections."""

import cv2
import pytest

from sousveillance.models.export import check_export, export_one, square
from sousveillance.models.paths import ultralytics_asset

pytestmark = [pytest.mark.shared, pytest.mark.slow, pytest.mark.needs("ultralytics")]


@pytest.fixture(scope="module")
def images():
    return [cv2.imread(str(ultralytics_asset(n))) for n in ("bus.jpg", "zidane.jpg")]


@pytest.mark.parametrize("fmt", ["onnx", "ncnn"])
def test_export_agrees_with_pytorch(fmt, coco_checkpoint, images, tmp_path):
    if fmt == "ncnn":
        pytest.importorskip("ncnn")
        pytest.importorskip("pnnx")
    out = export_one(coco_checkpoint, fmt, 320, tmp_path)
    assert out.exists() and out.parent == tmp_path
    check = check_export(coco_checkpoint, out, images, 320)
    assert check.reference >= 5  # people and the bus: the comparison is not vacuous
    assert check.agrees, check


def test_square_letterbox_keeps_the_aspect():
    img = cv2.imread(str(ultralytics_asset("bus.jpg")))  # 810 x 1080
    sq = square(img, 320)
    assert sq.shape == (320, 320, 3)
    assert (sq[:, :20] == 114).all() and (sq[:, -20:] == 114).all()  # side bars, image centred


def test_unknown_format(coco_checkpoint):
    with pytest.raises(ValueError, match="unknown export format"):
        export_one(coco_checkpoint, "tflite", 320)


def test_boxes_near_the_threshold_are_not_extra():
    """A PyTorch box just under the threshold that the export also scores just under it is no disagreement."""
    from sousveillance.models.export import _pairs
    from sousveillance.models.metrics import Box

    ref = [Box(0, 0, 10, 10, 0, 0.9), Box(50, 50, 60, 60, 3, 0.21)]
    got_core = [Box(0, 0, 10, 10, 0, 0.9)]
    back, _, _ = _pairs(got_core, ref, 0.9)
    assert len(got_core) - back == 0
