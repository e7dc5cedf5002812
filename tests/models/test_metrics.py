"""Evaluation on two labelled images whose answer is known exactly."""

import math

import pytest

from sousveillance.models.metrics import (
    CAMERA_IDS,
    Box,
    ImageResult,
    ap,
    compute,
    false_positives_per_image,
    recall_at,
)

NAMES = ("dome", "fixed", "ptz", "pole")


def two_images() -> list[ImageResult]:
    # image a: two cameras (a 20x20 px small dome, a 100x100 px large fixed camera) and a pole
    a = ImageResult(
        "a.jpg",
        truth=[Box(10, 10, 30, 30, 0), Box(200, 200, 300, 300, 1), Box(400, 0, 420, 400, 3)],
        predictions=[
            Box(200, 200, 300, 300, 1, 0.9),  # exact: TP
            Box(500, 500, 540, 540, 1, 0.8),  # nothing there: FP
            Box(10, 10, 30, 30, 2, 0.7),  # right place, wrong camera type: TP class-agnostic, FP for ptz
            Box(400, 0, 420, 400, 3, 0.6),  # the pole, exact
        ],
    )
    # image b: one medium fixed camera (50x50), never found
    b = ImageResult("b.jpg", truth=[Box(100, 100, 150, 150, 1)], predictions=[])
    return [a, b]


def test_class_agnostic_camera_ap_and_recall_are_exact():
    images = two_images()
    # camera PR points: 0.9 TP (P 1, R 1/3), 0.8 FP (P 1/2), 0.7 TP (P 2/3, R 2/3): AP = 1/3 * 1 + 1/3 * 2/3 = 5/9
    assert ap(images, CAMERA_IDS) == pytest.approx(5 / 9)
    assert recall_at(images, CAMERA_IDS, conf=0.3) == pytest.approx(2 / 3)
    assert recall_at(images, CAMERA_IDS, conf=0.75) == pytest.approx(1 / 3)


def test_per_class_size_and_map_numbers():
    m = compute(two_images(), NAMES, conf=0.3)
    assert m.camera_ap50 == pytest.approx(5 / 9)
    assert m.camera_precision == pytest.approx(2 / 3)
    assert m.per_class_boxes == {"dome": 1, "fixed": 2, "pole": 1}
    # dome: its only prediction is labelled ptz -> AP 0; fixed: 0.9 TP, 0.8 FP, one of two found -> 1/2; pole exact -> 1
    assert m.per_class_ap50 == {"dome": 0.0, "fixed": pytest.approx(0.5), "pole": pytest.approx(1.0)}
    assert m.map50 == pytest.approx(0.5)
    assert m.map50_95 == pytest.approx(0.5)  # every TP is exact, so every IoU threshold gives the same
    assert m.by_size["small"] == {"boxes": 1.0, "ap50": pytest.approx(1.0), "recall": pytest.approx(1.0)}
    assert m.by_size["medium"]["recall"] == 0.0 and m.by_size["medium"]["ap50"] == 0.0
    # large: the 0.9 TP, and the 40x40 FP is medium-sized so it is ignored for "large"
    assert m.by_size["large"] == {"boxes": 1.0, "ap50": pytest.approx(1.0), "recall": pytest.approx(1.0)}


def test_offset_box_counts_only_above_its_iou():
    truth = [Box(0, 0, 100, 100, 1)]
    shifted = Box(0, 0, 100, 58, 1, 0.9)  # IoU 0.58
    images = [ImageResult("c.jpg", truth, [shifted])]
    assert ap(images, CAMERA_IDS, 0.5) == 1.0
    assert ap(images, CAMERA_IDS, 0.65) == 0.0
    assert compute(images, NAMES, 0.3).map50_95 == pytest.approx(0.2)  # thresholds 0.50 and 0.55 of ten


def test_false_positives_per_negative_image():
    negs = [ImageResult("n1", [], [Box(0, 0, 5, 5, 0, 0.5), Box(0, 0, 5, 5, 3, 0.9)]), ImageResult("n2", [], [])]
    assert false_positives_per_image(negs, conf=0.3) == 0.5  # the pole does not count as a camera
    assert false_positives_per_image(negs, conf=0.6) == 0.0
    assert math.isnan(false_positives_per_image([], conf=0.3))
