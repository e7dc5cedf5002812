"""Context crops: the wider view kept with each camera has people, faces, plates and the street below it blurred."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from sousveillance.device.store import Store
from sousveillance.device.store.redact import CONTEXT_MAX_SIDE, context_of, redact
from sousveillance.device.types import Box


def _detail(image: np.ndarray) -> float:
    """Fine detail of an image (variance of its Laplacian): what a blur takes away."""
    return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())


def _street(seed: int = 1) -> tuple[np.ndarray, Box, tuple[int, int, int, int]]:
    """A self-made street scene: a textured wall, a camera on it, and a sharply patterned figure below it."""
    rng = np.random.default_rng(seed)
    frame = np.full((720, 1280, 3), (150, 160, 170), np.uint8)
    frame = cv2.add(frame, rng.integers(0, 40, frame.shape, dtype=np.uint8))
    cv2.rectangle(frame, (600, 200), (680, 240), (235, 235, 230), -1)  # the camera housing
    cv2.rectangle(frame, (670, 208), (690, 232), (25, 25, 25), -1)
    for i in range(0, 60, 6):  # a striped "person" walking past, below the camera
        cv2.line(frame, (610 + i, 300), (610 + i, 420), (20, 20, 20) if i % 12 else (250, 250, 250), 3)
    cv2.circle(frame, (640, 285), 14, (60, 90, 200), -1)
    return frame, Box(600, 200, 690, 240), (605, 270, 675, 420)


def test_the_figure_below_the_camera_is_blurred_and_the_camera_stays_sharp(tmp_path):
    frame, box, (px1, _py1, px2, _py2) = _street()
    region, inner = context_of(frame, box)
    assert max(region.shape[:2]) <= 3 * 90 + 1  # three box sizes, no more of the street
    image, report = redact(region, inner)
    assert max(image.shape[:2]) <= CONTEXT_MAX_SIDE
    scale = image.shape[1] / region.shape[1]
    ox, oy = frame.shape[1] // 2, 0  # region offset, from context_of's window around the box centre
    x0, y0 = int((box.x1 + box.x2) / 2 - 135), int((box.y1 + box.y2) / 2 - 135)

    def cut(img, x1, y1, x2, y2, s):
        return img[int((y1 - y0) * s):int((y2 - y0) * s), int((x1 - x0) * s):int((x2 - x0) * s)]

    before = cv2.resize(region, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_AREA)
    person_before, person_after = cut(before, px1, 300, px2, 400, scale), cut(image, px1, 300, px2, 400, scale)
    assert person_after.size and _detail(person_after) < 0.1 * _detail(person_before)
    assert np.abs(person_after.astype(int) - person_before.astype(int)).mean() > 10  # it differs where the figure was
    camera_before = cut(before, box.x1, box.y1, box.x2, box.y2, scale)
    camera_after = cut(image, box.x1, box.y1, box.x2, box.y2, scale)
    assert _detail(camera_after) > 0.8 * _detail(camera_before)  # the reviewer still sees the camera
    assert report.below_y > 0 and ox and oy == 0


def test_the_store_writes_only_the_blurred_view(tmp_path):
    frame, box, _ = _street(2)
    store = Store(tmp_path / "walks.db")
    walk = store.start_walk(source="test")
    region, inner = context_of(frame, box)
    rel = store.save_context(walk, "cam-x-context", region, inner)
    written = cv2.imread(str(store.root / rel))
    expected, _ = redact(region, inner)
    assert written.shape == expected.shape
    assert np.abs(written.astype(int) - expected.astype(int)).mean() < 3  # JPEG noise only
    raw = cv2.resize(region, (written.shape[1], written.shape[0]), interpolation=cv2.INTER_AREA)
    assert np.abs(written.astype(int) - raw.astype(int)).mean() > 3
    assert [p.name for p in (store.root / "crops").rglob("*") if p.is_file()] == ["cam-x-context.jpg"]
    store.close()


@pytest.mark.shared
def test_a_real_pedestrian_above_the_cut_is_found_and_pixelated(shared_data):
    """A CamVid street photo with a walking person beside the (pretend) camera: the people detector must act."""
    frame = cv2.imread(str(shared_data / "negatives" / "camvid_train-0006R0_f02880.png"))
    assert frame is not None
    box = Box(255, 250, 325, 300)  # a pretend camera at the person's knee height: the street cut spares the person
    region, inner = context_of(frame, box)
    image, report = redact(region, inner)
    people = [d for d in report.detections if d[0] in ("person", "fullbody", "upperbody")]
    assert people, report.detections
    person = (205 - 185, 145 - 170, 270 - 185, 265 - 170)  # the walker, in region coordinates (window 185..395)
    s = image.shape[1] / region.shape[1]
    x1, y1, x2, y2 = (max(0, int(v * s)) for v in person)
    before = cv2.resize(region, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_AREA)[y1:y2, x1:x2]
    after = image[y1:y2, x1:x2]
    assert _detail(after) < 0.3 * _detail(before)
    assert np.abs(after.astype(int) - before.astype(int)).mean() > 5
