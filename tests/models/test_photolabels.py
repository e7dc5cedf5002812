"""Reviewed photos of a labelling database become the real set's labels, and training images via --walks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.photowalk import build_photo_walk

from sousveillance.device.review import decisions
from sousveillance.device.store import Store
from sousveillance.models.cli import model
from sousveillance.models.data import realset as rs
from sousveillance.models.data.photolabels import LabelsError, export_labels
from sousveillance.models.data.walks import export_walks
from sousveillance.models.data.yolo import read_labels


def _manifest(tmp_path, files: dict[str, tuple[int, int, str]]) -> Path:
    rows = [rs.RealPhoto(name, f"owner{i}/repo", "a" * 40, name, "MIT", hashlib.sha256(name.encode()).hexdigest(),
                         w, h, kind) for i, (name, (w, h, kind)) in enumerate(files.items())]  # fmt: skip
    rs.write_manifest(rows, tmp_path / "manifest.csv")
    return tmp_path / "manifest.csv"


@pytest.fixture
def reviewed(tmp_path):
    """Photo 1: box 1 confirmed as dome (the model said fixed), box 2 rejected; photo 2 left pending; photo 3 empty."""
    walk = build_photo_walk(tmp_path / "labels.db")
    with Store(walk.path) as store:
        decisions.apply(store, walk.cameras[0][0], "confirm", {"camera_type": "dome"}, "tester")
        decisions.apply(store, walk.cameras[0][1], "reject", {}, "tester")
    return walk


def test_only_fully_reviewed_photos_become_labels(reviewed, tmp_path):
    manifest = _manifest(tmp_path, {"street-1.jpg": (1920, 1280, "cams"), "street-2.jpg": (800, 600, "cams"),
                                    "street-3.jpg": (640, 480, "cams")})  # fmt: skip
    out = export_labels(reviewed.path, tmp_path / "labels", manifest)
    assert out.written == ["street-1.txt"] and out.boxes == 1
    (box,) = read_labels(tmp_path / "labels" / "street-1.txt")  # the rejected box is dropped
    assert box.class_id == 0 and box.to_pixels(960, 640) == pytest.approx((400, 120, 460, 160), abs=0.01)
    assert out.skipped == ["street-2.jpg (walk 1): 1 box(es) still pending review: skipped",
                           "street-3.jpg (walk 1): unlabelled (no box proposed or drawn): skipped"]  # fmt: skip


def test_photos_outside_the_manifest_or_of_another_shape_are_skipped(reviewed, tmp_path):
    manifest = _manifest(tmp_path, {"street-1.jpg": (1000, 1000, "cams"), "street-3.jpg": (640, 480, "negative")})
    out = export_labels(reviewed.path, tmp_path / "labels", manifest)
    assert out.written == ["street-3.txt"] and (tmp_path / "labels" / "street-3.txt").read_text() == ""  # a negative
    assert "960x640 px is not the shape of the manifest's 1000x1000" in out.skipped[0]
    assert out.skipped[1] == "street-2.jpg (walk 1): not in the manifest: skipped"


def test_realset_labels_command_and_a_file_that_is_no_database(reviewed, tmp_path):
    manifest = _manifest(tmp_path, {"street-1.jpg": (960, 640, "cams")})
    args = ["realset", "labels", "--db", str(reviewed.path), "--labels", str(tmp_path / "l"), "--manifest",
            str(manifest)]
    result = CliRunner().invoke(model, args)
    assert result.exit_code == 0 and "1 label files (1 camera boxes)" in result.output
    (tmp_path / "junk.db").write_text("not sqlite")
    with pytest.raises(LabelsError, match="not a labelling database"):
        export_labels(tmp_path / "junk.db", tmp_path / "l", manifest)


def test_reviewed_photos_are_training_images_through_walks(reviewed, tmp_path):
    s = export_walks([reviewed.path], tmp_path / "walks")
    assert (s.positives, s.negatives, s.boxes) == (1, 0, 1)  # photo 1 only: photo 2 is pending, photo 3 has no box
    (label,) = (tmp_path / "walks" / "labels").glob("*.txt")
    (box,) = read_labels(label)
    assert box.class_id == 0 and box.to_pixels(960, 640) == pytest.approx((400, 120, 460, 160), abs=0.01)
