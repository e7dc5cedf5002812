"""``model eval``: any validation set, intervals on the headline figures, and --no-card writes nothing under models/."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from sousveillance.models.cli import model
from sousveillance.models.data.yolo import YoloBox
from sousveillance.models.evaluate import validation_set


def _labelled(root, n=3, size=320):
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    for i in range(n):
        img = np.full((size, size, 3), 120 + 20 * i, np.uint8)
        cv2.rectangle(img, (100, 80), (160, 120), (240, 240, 240), -1)
        cv2.imwrite(str(root / "images" / f"v{i}.jpg"), img)
        (root / "labels" / f"v{i}.txt").write_text(YoloBox.from_pixels(1, 100, 80, 160, 120, size, size).line() + "\n")
    return root


def test_validation_set_from_a_data_yaml_or_a_folder(tmp_path):
    root = _labelled(tmp_path / "ds")
    (tmp_path / "ds" / "data.yaml").write_text(yaml.safe_dump({"path": str(root), "train": "images", "val": "images"}))
    by_yaml = validation_set(str(tmp_path / "ds" / "data.yaml"))
    by_folder = validation_set(str(root))
    assert [p.name for p in by_yaml.images] == [p.name for p in by_folder.images] == ["v0.jpg", "v1.jpg", "v2.jpg"]
    with pytest.raises(FileNotFoundError, match="validation data not found"):
        validation_set(str(tmp_path / "nowhere"))


def test_a_small_real_set_does_not_replace_the_shared_val_photos(tmp_path, monkeypatch, shared):
    monkeypatch.setenv("SOUSVEILLANCE_REALSET", str(tmp_path / "none-fetched"))
    assert validation_set(None).name == "shared"
    with pytest.raises(FileNotFoundError, match="realset fetch"):
        validation_set("realset")


def test_eval_no_card_writes_nothing_under_models(tmp_path, monkeypatch):
    pytest.importorskip("ultralytics", reason="needs the train extra (ultralytics, torch)")
    card_dir = tmp_path / "card"
    card_dir.mkdir()
    monkeypatch.setenv("SOUSVEILLANCE_CARD_DIR", str(card_dir))  # where models/card/ and the card would go
    val = _labelled(tmp_path / "val")
    negs = tmp_path / "negs"
    negs.mkdir()
    cv2.imwrite(str(negs / "n0.jpg"), np.full((240, 320, 3), 90, np.uint8))
    args = ["eval", "--data", str(val), "--negatives", str(negs), "--no-card", "--resamples", "50",
            "--json", str(tmp_path / "report.json")]  # fmt: skip
    result = CliRunner().invoke(model, args)
    assert result.exit_code == 0, result.output
    assert list(card_dir.iterdir()) == []  # no eval.json, no failure crops, no card
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["metrics"]["images"] == 3 and report["metrics"]["camera_boxes"] == 3
    iv = report["intervals"]["camera_recall"]
    assert iv["of"] == 50 and iv["low"] <= iv["value"] <= iv["high"]
    assert "camera AP50" in result.output and "[" in result.output
