"""Compositing: boxes follow what stays visible, the scale matches a walk, and the dataset loads in Ultralytics."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from sousveillance.models.synth import composite as cp
from sousveillance.models.synth import sources
from sousveillance.models.synth.cli import synth
from sousveillance.models.synth.labels import Box


def _disc_sprite(size: int = 60, class_name: str = "dome") -> cp.Sprite:
    """A drawn 'camera': an opaque grey disc (instance 1) on a transparent background, with an unlabelled arm."""
    rgba = np.zeros((size, size + 20, 4), np.uint8)
    cv2.circle(rgba, (size // 2, size // 2), size // 3, (120, 120, 120, 255), -1)
    cv2.rectangle(rgba, (size // 2, size // 2 - 2), (size + 19, size // 2 + 2), (90, 90, 90, 255), -1)
    ids = np.zeros(rgba.shape[:2], np.uint8)
    ids[rgba[..., 3] > 0] = 200
    disc = np.zeros_like(ids)
    cv2.circle(disc, (size // 2, size // 2), size // 3, 1, -1)
    ids[disc > 0] = 1
    return cp.Sprite(rgba, ids, {1: class_name}, "drawn")


def test_pasted_box_matches_the_pasted_pixels():
    rng = np.random.default_rng(0)
    frame = np.full((360, 640, 3), 0.5, np.float32)
    idmap = np.zeros((360, 640), np.uint16)
    added = cp.paste(frame, idmap, _disc_sprite(), 1.0, (100, 50), 0, rng)
    boxes = cp.boxes_from_idmap(idmap, added)
    assert len(boxes) == 1 and boxes[0].class_id == 0
    assert boxes[0].box.iou(Box(110, 60, 151, 101)) > 0.85  # the disc, not the arm


def test_fully_occluded_camera_gets_no_box():
    rng = np.random.default_rng(1)
    frame = np.full((360, 640, 3), 0.5, np.float32)
    idmap = np.zeros((360, 640), np.uint16)
    added = cp.paste(frame, idmap, _disc_sprite(), 1.0, (100, 50), 0, rng)
    cover = cp.Sprite(np.full((120, 120, 4), 255, np.uint8), np.full((120, 120), 200, np.uint8), {}, "wall")
    cp.paste(frame, idmap, cover, 1.0, (60, 20), 10, rng)
    assert cp.boxes_from_idmap(idmap, added) == []


def test_camera_sizes_follow_a_walk_skewed_small():
    rng = np.random.default_rng(2)
    sizes = np.array([cp.sample_camera_px(rng) for _ in range(5000)])
    assert sizes.min() >= 8 and sizes.max() <= 300
    assert np.median(sizes) < 50 and (sizes > 150).mean() > 0.03


def test_gaussian_noise_reaches_every_colour_channel():
    # cv2.randn given a bare float for mean and deviation noised the blue channel alone of a BGR image
    noise = cp.gaussian_noise((64, 64, 3), 2.0, np.random.default_rng(1))
    assert noise.dtype == np.float32
    assert noise.std(axis=(0, 1)) == pytest.approx([2.0, 2.0, 2.0], rel=0.1)


def test_compose_draws_foliage_and_keeps_boxes_inside_the_frame():
    rng = np.random.default_rng(3)
    bg = sources.procedural_background(640, 360, rng)
    comp = cp.compose(bg, [_disc_sprite(80) for _ in range(4)], [], rng, occlusion_p=1.0)
    assert comp.image.shape == (360, 640, 3) and comp.image.dtype == np.uint8
    for b in comp.boxes:
        assert 0 <= b.box.x1 < b.box.x2 <= 640 and 0 <= b.box.y1 < b.box.y2 <= 360


@pytest.mark.bpy
@pytest.mark.needs("ultralytics")
def test_dataset_loads_in_ultralytics_and_keeps_val_cutouts_out_of_train(tiny_cutouts, tmp_path):
    from ultralytics.data.utils import check_det_dataset

    out = tmp_path / "ds"
    result = CliRunner().invoke(synth, ["dataset", "--cutouts", str(tiny_cutouts), "--out", str(out), "--count", "16",
                                        "--seed", "1", "--width", "640", "--height", "360",
                                        "--val-fraction", "0.25"])
    assert result.exit_code == 0, result.output
    data = check_det_dataset(str(out / "data.yaml"))
    assert data["names"] == {0: "dome", 1: "fixed", 2: "ptz", 3: "pole"}
    assert len(list((out / "images" / "train").glob("*.jpg"))) == 12
    assert len(list((out / "images" / "val").glob("*.jpg"))) == 4
    lines = [ln for p in (out / "labels").rglob("*.txt") for ln in p.read_text().splitlines()]
    assert lines, "the dataset has boxes"
    for ln in lines:
        c, *xywh = ln.split()
        assert int(c) in range(4) and all(0 <= float(v) <= 1 for v in xywh)
    card = (out / "DATA_CARD.md").read_text()
    assert "Boxes per class" in card and "dataset" in card and (out / "contact_sheet.png").is_file()
    with (out / "sources.csv").open() as f:
        rows = list(csv.reader(f))
    from sousveillance.models.synth.dataset import is_val

    for split, _, used in rows:
        stems = [s for s in used.split(";") if s.isdigit()]
        if split == "train" and any(not is_val(s, 0.25) for s in stems):  # tiny sets may borrow when a pool is empty
            assert all(not is_val(s, 0.25) for s in stems)

    # resumable: a second run keeps the images
    again = CliRunner().invoke(synth, ["dataset", "--cutouts", str(tiny_cutouts), "--out", str(out), "--count", "16",
                                       "--seed", "1", "--width", "640", "--height", "360", "--val-fraction", "0.25"])
    assert again.exit_code == 0
    assert len(lines) == len([ln for p in (out / "labels").rglob("*.txt") for ln in p.read_text().splitlines()])


def test_dataset_without_cutouts_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(synth, ["dataset", "--cutouts", str(tmp_path / "empty"), "--out", str(tmp_path / "o"),
                                        "--count", "3"])
    assert result.exit_code != 0
    assert "no cut-outs" in result.output and "Traceback" not in result.output


@pytest.mark.shared
def test_real_crops_come_from_the_training_split_only(shared_data):
    crops = sources.load_real_crops(shared_data)
    assert crops, "the real training photos have camera boxes"
    val = (shared_data / "real" / "split.yaml").read_text().split("val:")[1]
    for crop in crops:
        assert crop.source not in val
        assert crop.rgba.shape[2] == 4 and crop.class_name in ("dome", "fixed", "ptz")
