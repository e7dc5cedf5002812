"""Dataset assembly: the real val photos stay out of training; tiles keep boxes at native resolution."""

import cv2
import numpy as np
import pytest
import yaml

from sousveillance.models.data.assemble import assemble, folder_source, real_sources, tile_boxes
from sousveillance.models.data.yolo import YoloBox, read_labels


def test_tile_boxes_are_cut_and_renormalised():
    # a 40x20 px box at (700..740, 100..120) in a 1280x720 image, seen by the tile starting at x=640, y=0
    b = YoloBox.from_pixels(1, 700, 100, 740, 120, 1280, 720)
    (t,) = tile_boxes([b], 1280, 720, 640, 0, 640)
    assert t.to_pixels(640, 640) == pytest.approx((60, 100, 100, 120))
    assert tile_boxes([b], 1280, 720, 0, 0, 640) == []  # outside the tile
    half = YoloBox.from_pixels(1, 620, 100, 660, 120, 1280, 720)  # half inside: kept, clipped
    assert tile_boxes([half], 1280, 720, 640, 0, 640)[0].to_pixels(640, 640) == pytest.approx((0, 100, 20, 120))
    sliver = YoloBox.from_pixels(1, 600, 100, 650, 120, 1280, 720)  # 20 % inside: ambiguous, tile skipped
    assert tile_boxes([sliver], 1280, 720, 640, 0, 640) is None


def test_synthetic_folder_with_tiles(tmp_path):
    src = tmp_path / "synth"
    (src / "images" / "train").mkdir(parents=True)
    (src / "labels" / "train").mkdir(parents=True)
    img = np.zeros((720, 1280, 3), np.uint8)
    cv2.imwrite(str(src / "images" / "train" / "a.jpg"), img)
    (src / "labels" / "train" / "a.txt").write_text(YoloBox.from_pixels(0, 1000, 600, 1016, 616, 1280, 720).line())
    s = assemble(tmp_path / "ds", [folder_source("synth", src)], imgsz=640)
    assert s.images[("synth", "train")] == 1
    assert s.images[("synth-tiles", "train")] >= 1
    tiles = sorted((tmp_path / "ds" / "labels" / "train").glob("synth_tile*.txt"))
    sizes = {round(b.w * 640) for t in tiles for b in read_labels(t)}
    assert sizes == {16}  # the 16 px camera stays 16 px in its tile (it would be 8 px letterboxed to 640)


def test_bad_class_id_is_refused(tmp_path):
    src = tmp_path / "x"
    (src / "images").mkdir(parents=True)
    (src / "labels").mkdir()
    cv2.imwrite(str(src / "images" / "a.jpg"), np.zeros((64, 64, 3), np.uint8))
    (src / "labels" / "a.txt").write_text("7 0.5 0.5 0.1 0.1\n")
    with pytest.raises(ValueError, match="class id 7"):
        assemble(tmp_path / "ds", [folder_source("x", src)], imgsz=640)


@pytest.mark.shared
def test_real_val_never_in_train(shared, tmp_path):
    s = assemble(tmp_path / "ds", real_sources(shared / "real", repeat=2), imgsz=640, tile=False)
    data = yaml.safe_load((tmp_path / "ds" / "data.yaml").read_text())
    assert data["names"] == {0: "dome", 1: "fixed", 2: "ptz", 3: "pole"}
    train = {p.resolve() for p in (tmp_path / "ds" / "images" / "train").iterdir()}
    val = {p.resolve() for p in (tmp_path / "ds" / "images" / "val").iterdir()}
    assert len(val) == 10 and len(train) == 25 and not train & val
    assert s.images[("real", "train")] == 50  # oversampled twice
