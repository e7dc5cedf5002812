"""Variants of the real train photos: soft copies lose detail, far grids shrink cameras and keep every box on its
camera, and the val photos never go into a variant."""

import csv

import cv2
import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from sousveillance.models.cli import model
from sousveillance.models.data import augment
from sousveillance.models.data.yolo import YoloBox, read_labels


def _photo(name, w, h, box, seed=0):
    """A noisy dark photo with one white 'camera' at ``box`` (pixels), labelled."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)
    x1, y1, x2, y2 = box
    image[y1:y2, x1:x2] = 255
    return augment.Photo(name, image, (YoloBox.from_pixels(1, x1, y1, x2, y2, w, h),))


def _sharpness(image):
    return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())


def test_soft_copy_keeps_the_frame_and_loses_detail():
    photo = _photo("a.jpg", 600, 400, (200, 100, 300, 160))
    soft, recipe = augment.soft_copy(photo.image, np.random.default_rng(1))
    assert soft.shape == photo.image.shape
    assert _sharpness(soft) < 0.3 * _sharpness(photo.image)
    assert "shrink" in recipe and "jpeg" in recipe
    again, _ = augment.soft_copy(photo.image, np.random.default_rng(1))
    assert np.array_equal(soft, again)  # deterministic for a seed
    # the camera is still where its box says
    assert soft[110:150, 210:290].mean() > 200


def test_backlit_darkens_and_flattens_the_camera_against_a_white_sky():
    image = np.full((300, 400, 3), 200, np.uint8)  # a pale sky
    image[100:200, 150:250] = (40, 50, 60)  # a dark camera body in the shade...
    image[100:200:4, 150:250] = (80, 90, 100)  # ...with detail on it
    out, recipe = augment.backlit(image, np.random.default_rng(5))
    assert out.shape == image.shape and "backlit" in recipe
    assert out[:50].mean() > 240  # the sky exposed to white
    body, body_before = out[110:190, 160:240].astype(float), image[110:190, 160:240].astype(float)
    # the camera is a darker shape against the sky than before (body/sky ratio down by a quarter or more)...
    assert body.mean() / out[:50].mean() < 0.75 * body_before.mean() / 200
    assert body.std() < 0.6 * body_before.std()  # ...with less detail inside, and washed-out colour
    assert np.ptp(body.reshape(-1, 3).mean(axis=0)) < np.ptp(body_before.reshape(-1, 3).mean(axis=0))
    again, _ = augment.backlit(image, np.random.default_rng(5))
    assert np.array_equal(out, again)


def test_backlit_grids_keep_boxes_and_leave_the_other_variants_unchanged():
    photos = [_photo(f"p{i}.jpg", 900, 600, (300, 200, 420, 280), seed=i) for i in range(6)]
    plain = augment.real_variants(photos, soft=1, far=3, seed=4)
    mixed = augment.real_variants(photos, soft=1, far=3, seed=4, backlit_grids=5)
    assert [v.name for v in mixed[: len(plain)]] == [v.name for v in plain]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(plain, mixed, strict=False))  # mixed adds more
    lit = mixed[len(plain) :]
    assert len(lit) == 5 and all(v.name.startswith("backlit") for v in lit)

    def share_black(v):  # the photos' backgrounds are dark noise (0-60): exposed for the sky, they go black
        return float((v.image.max(axis=2) < 15).mean())

    assert min(share_black(v) for v in lit) > 1.5 * max(share_black(v) for v in plain if v.name.startswith("far"))
    for v in lit:
        assert "backlit gamma" in v.sources[-1] and all(s.endswith(".jpg") for s in v.sources[:-1])
        h, w = v.image.shape[:2]
        for b in v.boxes:  # every box still frames its (white) camera, now the brightest thing in its cell
            x1, y1, x2, y2 = (int(round(c)) for c in b.to_pixels(w, h))
            assert v.image[y1 + 1 : y2 - 1, x1 + 1 : x2 - 1].mean() > 200


@pytest.mark.parametrize("k", [2, 3, 4])
def test_far_grid_shrinks_cameras_and_boxes_stay_on_them(k):
    photos = [_photo(f"p{i}.jpg", 1200, 800, (100 + 40 * i, 200, 260 + 40 * i, 300), seed=i) for i in range(k * k)]
    image, boxes = augment.far_grid(photos, k, 1280, 854)
    assert image.shape == (854, 1280, 3) and len(boxes) == k * k
    for b in boxes:
        x1, y1, x2, y2 = (int(round(v)) for v in b.to_pixels(1280, 854))
        inner = image[y1 + 1 : y2 - 1, x1 + 1 : x2 - 1]
        assert inner.size and inner.mean() > 200  # on the white camera
        # k times smaller than in the photo (160 px wide at 1200 -> 1280 / k wide cells)
        assert (x2 - x1) == pytest.approx(160 * (1280 / k) / 1200, abs=2)
    assert len({(round(b.cx, 2), round(b.cy, 2)) for b in boxes}) == k * k  # one camera per cell


def test_far_grids_leave_out_photos_whose_cameras_would_vanish():
    big = [_photo(f"big{i}.jpg", 1200, 800, (100, 100, 400, 300), seed=i) for i in range(16)]
    tiny = _photo("tiny.jpg", 1200, 800, (100, 100, 124, 116))  # 16 px: ~4 px at 640 in a 2x2 grid, below 5
    variants = augment.real_variants([*big, tiny], soft=0, far=30, seed=3)
    assert len(variants) == 30
    assert all("tiny.jpg" not in v.sources for v in variants)
    assert {v.name[:4] for v in variants} >= {"far2", "far3", "far4"}
    for v in variants:  # every box still at least MIN_BOX_PX at the training size
        assert min(min(b.w, b.h * 854 / 1280) for b in v.boxes) * 640 >= augment.MIN_BOX_PX - 0.5


def test_variants_are_reproducible_and_name_their_sources():
    photos = [_photo(f"p{i}.jpg", 900, 600, (300, 200, 420, 280), seed=i) for i in range(5)]
    a = augment.real_variants(photos, soft=2, far=3, seed=7)
    b = augment.real_variants(photos, soft=2, far=3, seed=7)
    assert [v.name for v in a] == [v.name for v in b]
    assert all(np.array_equal(x.image, y.image) for x, y in zip(a, b, strict=True))
    assert sum(v.name.startswith("soft") for v in a) == 10
    assert all(v.sources for v in a)


def test_dataset_command_builds_variants_from_train_photos_only(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    (shared / "real" / "images").mkdir(parents=True)
    (shared / "real" / "labels").mkdir()
    names = ["t1", "t2", "t3", "v1"]
    for i, n in enumerate(names):
        p = _photo(f"{n}.jpg", 800, 600, (200 + 20 * i, 150, 360 + 20 * i, 260), seed=i)
        cv2.imwrite(str(shared / "real" / "images" / f"{n}.jpg"), p.image)
        (shared / "real" / "labels" / f"{n}.txt").write_text(p.boxes[0].line() + "\n")
    split = {"train": [f"images/{n}.jpg" for n in names[:3]], "val": ["images/v1.jpg"]}
    (shared / "real" / "split.yaml").write_text(yaml.safe_dump(split))
    monkeypatch.setenv("SOUSVEILLANCE_SHARED", str(shared))
    out = tmp_path / "ds"
    result = CliRunner().invoke(model, ["dataset", "-o", str(out), "--real-repeat", "1", "--real-soft", "2",
                                        "--real-far", "4", "--real-backlit", "2", "--no-tile"])  # fmt: skip
    assert result.exit_code == 0, result.output
    variants = sorted((out / "images" / "train").glob("realvar_*"))
    assert len(variants) == 3 * 2 + 4 + 2
    with (tmp_path / "ds-real-variants" / "sources.csv").open() as f:
        used = " ".join(row[1] for row in csv.reader(f))
    assert "t1.jpg" in used and "v1.jpg" not in used
    assert [p.name for p in (out / "images" / "val").iterdir()] == ["real_v1.jpg"]
    for img in variants:  # every variant is labelled
        assert read_labels(out / "labels" / "train" / f"{img.stem}.txt")


def test_dataset_command_refuses_variants_without_real_photos(tmp_path):
    result = CliRunner().invoke(model, ["dataset", "-o", str(tmp_path / "ds"), "--no-real", "--real-far", "3"])
    assert result.exit_code != 0 and "need the real photos" in result.output
    result = CliRunner().invoke(model, ["dataset", "-o", str(tmp_path / "ds"), "--no-real", "--real-backlit", "3"])
    assert result.exit_code != 0 and "need the real photos" in result.output
