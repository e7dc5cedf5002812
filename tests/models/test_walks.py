"""Reviewed cameras of a real walk database become training images: confirmed -> boxes, rejected -> negatives."""

from datetime import UTC, datetime

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from sousveillance.device.store import Store
from sousveillance.device.survey.recorder import crop_of
from sousveillance.device.types import Detection, Sighting
from sousveillance.models.cli import model
from sousveillance.models.data.walks import WalkExportError, export_walks
from sousveillance.models.data.yolo import read_labels

W, H = 1280, 720


def _frame(boxes):
    img = np.full((H, W, 3), 90, np.uint8)
    for x1, y1, x2, y2 in boxes:
        cv2.rectangle(img, (x1, y1), (x2 - 1, y2 - 1), (0, 0, 255), -1)
    return img


def _walk(tmp_path, keep_frame=False):
    store = Store(tmp_path / "walk" / "walks.db")
    walk = store.start_walk(source="test")
    boxes = {"confirmed": (100, 200, 140, 230), "rejected": (600, 50, 612, 62), "pending": (1000, 500, 1100, 700)}
    frame = _frame(boxes.values())
    with store.batch() as db:
        for n, (state, box) in enumerate(boxes.items()):
            cameras = db["cameras"]
            cameras.insert({"uuid": f"u{n}", "walk_id": walk, "track_id": n, "camera_type": "dome",
                                  "review_state": state})  # fmt: skip
            cam = cameras.last_pk
            det = Detection(*map(float, box), 0.9, 0, "dome")
            s = Sighting(n, 7, 1.0, datetime.now(UTC), det, W, H, None, None)
            rel = store.save_crop(walk, f"cam-u{n}", crop_of(frame, s))
            db["sightings"].insert({"walk_id": walk, "track_id": n, "camera_id": cam, "frame_index": 7, "t": 1.0,
                                    "class_name": "dome", "confidence": 0.9, "x1": box[0], "y1": box[1],
                                    "x2": box[2], "y2": box[3], "frame_width": W, "frame_height": H,
                                    "crop": rel})  # fmt: skip
    if keep_frame:
        (store.root / "frames" / str(walk)).mkdir(parents=True)
        cv2.imwrite(str(store.root / "frames" / str(walk) / "000007.jpg"), frame)
    store.close()
    return store.path


def _red_box(path):
    img = cv2.imread(str(path))
    ys, xs = np.nonzero((img[:, :, 2] > 200) & (img[:, :, 1] < 80))
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1, img.shape[1], img.shape[0]


def test_crops_become_positives_and_hard_negatives(tmp_path):
    db = _walk(tmp_path)
    s = export_walks([db], tmp_path / "out")
    assert (s.positives, s.negatives, s.boxes) == (1, 1, 1)  # the pending camera is not used
    labels = sorted((tmp_path / "out" / "labels").glob("*.txt"))
    assert len(labels) == 2
    pos = next(p for p in labels if p.read_text())
    (box,) = read_labels(pos)
    assert box.class_id == 0  # the reviewed camera type
    x1, y1, x2, y2, cw, ch = _red_box(tmp_path / "out" / "images" / (pos.stem + ".jpg"))
    assert box.to_pixels(cw, ch) == pytest.approx((x1, y1, x2, y2), abs=1.5)  # the label sits on the camera


def test_kept_frame_with_a_pending_camera_is_skipped(tmp_path):
    db = _walk(tmp_path, keep_frame=True)
    s = export_walks([db], tmp_path / "out")
    assert s.skipped == 1 and s.positives == 0  # its label would be wrong for the pending camera


def test_not_a_walk_database(tmp_path):
    bad = tmp_path / "x.db"
    bad.write_text("hello")
    with pytest.raises(WalkExportError):
        export_walks([bad], tmp_path / "out")
    result = CliRunner().invoke(model, ["dataset", "--no-real", "--walks", str(bad), "-o", str(tmp_path / "ds")])
    assert result.exit_code != 0 and "not a walk database" in result.output
