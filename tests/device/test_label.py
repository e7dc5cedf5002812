"""``sousveillance label``: a folder of photos as a walk without GPS; bad photos are skipped with one line each."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from helpers.walkmaker import BlobDetector

from sousveillance.device.store import Store
from sousveillance.device.survey.photos import label_photos, photo_tiles
from sousveillance.main import cli

SAMPLE = Path(__file__).resolve().parents[2] / "device" / "sample_walk"
RED, GREEN, BLUE = (0, 0, 255), (0, 200, 0), (255, 0, 0)


def _photo(path: Path, size, blobs, gps_exif: bool = False) -> None:
    """A grey photo with saturated blobs (the blob detector's cameras); optionally a phone's GPS position in EXIF."""
    from PIL import Image

    w, h = size
    img = np.full((h, w, 3), 128, np.uint8)
    for (x1, y1, x2, y2), colour in blobs:
        cv2.rectangle(img, (x1, y1), (x2 - 1, y2 - 1), colour, -1)
    exif = Image.Exif()
    if gps_exif:
        exif.get_ifd(0x8825).update({1: "N", 2: (43.0, 17.0, 47.0), 3: "E", 4: (5.0, 22.0, 12.0)})
    buf = io.BytesIO()
    Image.fromarray(img[:, :, ::-1]).save(buf, "JPEG", quality=95, exif=exif.tobytes())
    path.write_bytes(buf.getvalue())


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "photos"
    d.mkdir()
    _photo(d / "a-two-cameras.jpg", (800, 600), [((100, 100, 140, 130), RED), ((500, 300, 560, 340), GREEN)], True)
    _photo(d / "b-large.jpg", (3000, 2000), [((1480, 980, 1520, 1010), BLUE)])  # tiled: found once
    (d / "c-empty.jpg").write_bytes(b"")
    (d / "d-noise.jpg").write_bytes(np.random.default_rng(0).integers(0, 255, 4000, dtype=np.uint8).tobytes())
    (tmp_path / "notes.txt").write_text("not a photo\n")
    (d / "e-link.jpg").symlink_to(tmp_path / "notes.txt")
    (d / "f-dangling.jpg").symlink_to(tmp_path / "gone.jpg")
    (d / "readme.txt").write_text("ignored: not a photo file\n")
    return d


def test_each_photo_is_its_own_frame_and_bad_photos_are_skipped(folder, tmp_path):
    lines: list[str] = []
    with Store(tmp_path / "labels.db") as store:
        r = label_photos(folder, store, BlobDetector().detect, echo=lines.append)
        photos = store.photos(r.walk_id)
        boxes = {p.file: store.photo_boxes(p) for p in photos}
        walk = store.walk(r.walk_id)
        fixes = store.walk_fixes(r.walk_id)
        cameras = store.cameras(r.walk_id)
        sightings = {c.id: store.sightings(c.id) for c in cameras}
    assert (r.photos, r.proposals) == (2, 3)
    assert lines == r.skipped and len(lines) == 4  # one line per bad photo, none aborted the set
    assert lines[0] == "c-empty.jpg: empty file: skipped"
    assert lines[1] == "d-noise.jpg: not a readable image: skipped"
    assert lines[2] == "e-link.jpg: not a readable image: skipped"
    assert lines[3].startswith("f-dangling.jpg: cannot be read (") and lines[3].endswith("): skipped")
    assert [p.file for p in photos] == ["a-two-cameras.jpg", "b-large.jpg"] and walk.status == "completed"
    assert fixes == [] and all(c.has_position == 0 and c.latitude is None for c in cameras)  # no GPS, no position
    assert all(len(s) == 1 for s in sightings.values())  # nothing tracked from one photo to the next
    assert all(c.review_state == "pending" and c.best_crop for c in cameras)
    (big,) = boxes["b-large.jpg"]
    assert (big.sighting.x1, big.sighting.y1, big.sighting.x2, big.sighting.y2) == (1480, 980, 1520, 1010)
    assert {b.camera.camera_type for b in boxes["a-two-cameras.jpg"]} == {"dome", "fixed"}
    kept = tmp_path / photos[0].frame
    from PIL import Image

    with Image.open(kept) as im:
        assert im.size == (800, 600) and not im.getexif().get_ifd(0x8825)  # kept, without the phone's position
    for c in cameras:
        assert (tmp_path / c.best_crop).is_file()


def test_labelling_again_skips_the_photos_already_there(folder, tmp_path):
    with Store(tmp_path / "labels.db") as store:
        label_photos(folder, store, BlobDetector().detect, echo=lambda line: None)
        again = label_photos(folder, store, BlobDetector().detect, echo=lambda line: None)
    assert again.photos == 0 and again.already == 2
    assert any(s.startswith("a-two-cameras.jpg: already labelled (walk 1") for s in again.skipped)


def test_tiles_cover_a_large_photo_at_native_resolution():
    assert photo_tiles(900, 600, 640) == []  # small enough for the whole-photo pass
    tiles = photo_tiles(4000, 3000, 640)
    assert len(tiles) == 9 and all(t.x1 - t.x0 >= 640 and t.y1 - t.y0 >= 640 for t in tiles)
    covered = np.zeros((3000, 4000), bool)
    for t in tiles:
        covered[t.y0 : t.y1, t.x0 : t.x1] = True
    assert covered.all()


def test_label_command_with_the_shipped_model(folder, tmp_path):
    for name in ("index_00021.png", "index_00042.png"):
        shutil.copy(SAMPLE / name, folder / name)
    db = tmp_path / "out" / "labels.db"
    result = CliRunner().invoke(cli, ["label", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output  # no GPS: still a success
    assert "unblurred" in result.output and result.output.count(": skipped") == 4
    assert "walk 1: 4 photos" in result.output and "/walks/1/photos" in result.output
    with Store(db) as store:
        cameras = store.cameras(1)
        assert all(len(store.sightings(c.id)) == 1 for c in cameras)
        assert all(c.review_state == "pending" and c.camera_type in ("dome", "fixed", "ptz") for c in cameras)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "x.jpg").write_bytes(b"")
    bad = CliRunner().invoke(cli, ["label", str(empty), "--db", str(db)])
    assert bad.exit_code == 1 and "no readable photo" in bad.output
