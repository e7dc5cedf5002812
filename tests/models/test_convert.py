"""Converters on the real public annotation files (their images are not available: labels are checked)."""

import pytest
from click.testing import CliRunner

from sousveillance.models.cli import model
from sousveillance.models.data.convert import ConvertError, read_coco, read_stanford, read_vistas, read_voc, write_yolo
from sousveillance.models.data.yolo import read_labels

pytestmark = pytest.mark.shared
FIXED, DOME = 1, 0


def test_stanford_meta_csv_counts_and_known_rows(annotations):
    images = read_stanford(annotations / "stanford-surveilling-surveillance" / "meta.csv")
    assert len(images) == 3155
    boxes = [b for im in images for b in im.boxes]
    assert len(boxes) == 2021 - 5  # the paper's 2,021, less 5 zero-area boxes of the source (e.g. image 423)
    assert sum(b.class_id == DOME for b in boxes) == 1067 - 4  # "Dome Camera" (category 1), 4 of them zero-area
    by_name = {im.name: im for im in images}
    # row 1: Directed Camera, XYXY [511, 172, 516, 180] in a 640x640 crop
    (b,) = by_name["nEOdMbry0GAKtuxaZltq1A_176.jpg"].boxes
    assert b.class_id == FIXED
    assert (b.cx, b.cy, b.w, b.h) == pytest.approx((513.5 / 640, 176 / 640, 5 / 640, 8 / 640))
    assert len(read_stanford(annotations / "stanford-surveilling-surveillance" / "meta.csv", split="valid")) == 755


def test_coco_objects365_and_roboflow(annotations, tmp_path):
    obj = read_coco(annotations / "seaberry-resurveilling" / "obj365" / "val-coco.json", camera_class=FIXED)
    assert len(obj) == 554 and sum(len(im.boxes) for im in obj) == 1487
    first = next(im for im in obj if im.name == "objects365_v1_00211627.jpg")
    assert (first.width, first.height) == (748, 512) and len(first.boxes) == 5
    b = first.boxes[0]  # [x, y, w, h] = [281.416, 163.517, 15.870, 13.851]
    assert (b.cx, b.cy) == pytest.approx(((281.4160156104 + 15.8704834024 / 2) / 748,
                                          (163.5169677824 + 13.8505859072 / 2) / 512))
    assert (b.w, b.h) == pytest.approx((15.8704834024 / 748, 13.8505859072 / 512))
    rf = read_coco(annotations / "seaberry-resurveilling" / "cams_coco" / "train" / "_annotations.coco.json", FIXED)
    assert len(rf) == 2512 and sum(len(im.boxes) for im in rf) == 4610
    summary = write_yolo(obj, tmp_path / "obj365")
    assert summary.written == 554 and summary.boxes == 1487
    again = read_labels(tmp_path / "obj365" / "labels" / "objects365_v1_00211627.txt")[0]
    assert (again.cx, again.cy, again.w, again.h) == pytest.approx((b.cx, b.cy, b.w, b.h), abs=1e-6)


def test_vistas_needs_image_sizes(annotations, tmp_path):
    csv_path = annotations / "seaberry-resurveilling" / "vista" / "vista_ann.csv"
    images = read_vistas(csv_path, {}, FIXED)
    assert sum(len(im.boxes) for im in images) == 5247 - 6  # 6 rows of the file carry no coordinates
    summary = write_yolo(images, tmp_path / "none")
    assert summary.written == 0 and len(summary.missing_size) == len(images)  # nothing written without sizes
    # with the image at hand (a stand-in of the Vistas size), the first row is normalised by it
    Image = pytest.importorskip("PIL.Image", reason="Pillow reads image sizes; it is in the train extra")
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    Image.new("RGB", (4000, 3000)).save(imgs / "ne5RZhzSB8dNEefSISm-QA.jpg")
    result = CliRunner().invoke(
        model, ["convert", "vistas", str(csv_path), "--images", str(imgs), "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    boxes = read_labels(tmp_path / "out" / "labels" / "ne5RZhzSB8dNEefSISm-QA.txt")
    assert len(boxes) == 2
    assert (boxes[0].cx, boxes[0].cy, boxes[0].w, boxes[0].h) == pytest.approx(
        (1534 / 4000, 1298.5 / 3000, 10 / 4000, 15 / 3000), abs=1e-6
    )
    assert (tmp_path / "out" / "images" / "ne5RZhzSB8dNEefSISm-QA.jpg").is_file()


def test_voc_xml(tmp_path):
    xml = tmp_path / "a.xml"
    xml.write_text(
        "<annotation><filename>a.jpg</filename><size><width>200</width><height>100</height></size>"
        "<object><name>Dome Camera</name><bndbox><xmin>10</xmin><ymin>20</ymin><xmax>30</xmax><ymax>40</ymax>"
        "</bndbox></object><object><name>car</name><bndbox><xmin>0</xmin><ymin>0</ymin><xmax>5</xmax>"
        "<ymax>5</ymax></bndbox></object><object><name>cctv</name><bndbox><xmin>100</xmin><ymin>0</ymin>"
        "<xmax>200</xmax><ymax>100</ymax></bndbox></object></annotation>"
    )
    (im,) = read_voc([xml], camera_class=FIXED)
    assert [(b.class_id, b.cx, b.cy, b.w, b.h) for b in im.boxes] == [
        (DOME, 0.1, 0.3, 0.1, 0.2),
        (FIXED, 0.75, 0.5, 0.5, 1.0),
    ]


def test_bad_files_give_one_line_errors(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ConvertError, match=r"meta\.csv"):
        read_stanford(bad)
    result = CliRunner().invoke(model, ["convert", "coco", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code != 0 and "not a COCO annotation file" in result.output
    assert not (tmp_path / "o" / "labels").exists()
