"""Converters from public CCTV annotation formats to YOLO labels (classes 0 dome, 1 fixed, 2 ptz, 3 pole).

Supported (``sousveillance model convert FORMAT``):

* ``stanford``: Sheng, Yao & Goel (2021) "Surveilling Surveillance" ``meta.csv``: one row per 640x640 Street View
  crop, ``annotations`` a Python-literal list of detectron2 dicts (``bbox_mode`` 0 = XYXY_ABS, 1 = XYWH_ABS);
  categories 0 "Directed Camera" -> fixed, 1 "Dome Camera" -> dome.
* ``vistas``: Mapillary Vistas ``object--cctv-camera`` boxes as a CSV ``image,xmin,ymin,xmax,ymax,label`` in pixels
  of the original image (sizes vary, so the image, or ``--size``, is needed to normalise).
* ``coco``: COCO JSON (Objects365 "Surveillance Camera", Roboflow exports): categories whose name contains
  "camera" (case-insensitive) are kept; bbox is ``[x, y, w, h]`` in pixels.
* ``voc``: Pascal VOC XML files; object names are mapped by ``CLASS_SYNONYMS``.

Camera types a format does not distinguish go to ``--camera-class`` (default ``fixed``): the metrics that matter
(class-agnostic camera AP) do not depend on it.
"""

from __future__ import annotations

import ast
import csv
import json
import logging
import os
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ...device.extras import require
from .yolo import CLASS_NAMES, LabelledImage, YoloBox, write_labels

log = logging.getLogger(__name__)

FORMATS = ("stanford", "vistas", "coco", "voc")
STANFORD_CLASSES = {0: CLASS_NAMES.index("fixed"), 1: CLASS_NAMES.index("dome")}
CLASS_SYNONYMS = {
    "dome": 0, "dome camera": 0, "dome-camera": 0,
    "fixed": 1, "bullet": 1, "box": 1, "directed camera": 1, "alpr": 1, "lpr": 1, "traffic camera": 1,
    "ptz": 2, "ptz camera": 2,
    "pole": 3, "mast": 3,
}  # fmt: skip


class ConvertError(ValueError):
    """An annotation file that cannot be read as the format it was given as."""


@dataclass(slots=True)
class ConvertSummary:
    images: int = 0  # images with an annotation entry (including empty ones)
    boxes: int = 0
    written: int = 0  # label files written
    missing_size: list[str] = field(default_factory=list)  # images whose size is unknown (no file, no --size)
    per_class: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _pixels_to_yolo(cls: int, x1: float, y1: float, x2: float, y2: float, w: int, h: int) -> YoloBox | None:
    b = YoloBox.from_pixels(cls, x1, y1, x2, y2, w, h)
    return b if b.w > 0 and b.h > 0 else None


def read_stanford(meta_csv: Path, split: str | None = None) -> list[LabelledImage]:
    """Rows of ``meta.csv`` (optionally one split: train / valid); images are 640x640."""
    out = []
    with meta_csv.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "annotations" not in reader.fieldnames:
            raise ConvertError(f"{meta_csv}: not a Surveilling Surveillance meta.csv (no 'annotations' column)")
        for n, row in enumerate(reader, 2):
            if split and row.get("split") != split:
                continue
            try:
                anns = ast.literal_eval(row["annotations"] or "[]")
            except (ValueError, SyntaxError) as exc:
                raise ConvertError(f"{meta_csv}:{n}: unreadable annotations") from exc
            img = LabelledImage(Path(row["gsv_image_path"]).name, 640, 640, source=row.get("split", ""))
            for a in anns:
                x1, y1, x2, y2 = map(float, a["bbox"])
                if int(a.get("bbox_mode", 0)) == 1:  # XYWH_ABS
                    x2, y2 = x1 + x2, y1 + y2
                box = _pixels_to_yolo(STANFORD_CLASSES[int(a["category_id"])], x1, y1, x2, y2, 640, 640)
                if box:
                    img.boxes.append(box)
            out.append(img)
    return out


def read_vistas(ann_csv: Path, sizes: dict[str, tuple[int, int]], camera_class: int) -> list[LabelledImage]:
    """Boxes by image key; ``sizes`` maps an image name to (width, height). Unknown sizes: width = height = 0."""
    pixel_boxes: dict[str, list[tuple[float, float, float, float]]] = defaultdict(list)
    with ann_csv.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        need = {"image", "xmin", "ymin", "xmax", "ymax"}
        if not reader.fieldnames or not need <= set(reader.fieldnames):
            raise ConvertError(f"{ann_csv}: expected columns {sorted(need)}")
        for n, row in enumerate(reader, 2):
            try:
                x1, y1, x2, y2 = (float(row[k]) for k in ("xmin", "ymin", "xmax", "ymax"))
            except ValueError:
                log.warning("%s:%d: row without a box, skipped", ann_csv, n)
                continue
            pixel_boxes[row["image"]].append((x1, y1, x2, y2))
    out = []
    for name, boxes in pixel_boxes.items():
        w, h = sizes.get(name, (0, 0))
        img = LabelledImage(name, w, h, source="vistas")
        if w and h:
            img.boxes = [b for b in (_pixels_to_yolo(camera_class, *p, w, h) for p in boxes) if b]
        else:
            img.boxes = [YoloBox(camera_class, 0, 0, 0, 0) for _ in boxes]  # placeholders: counted, not written
        out.append(img)
    return out


def read_coco(coco_json: Path, camera_class: int, match: str = "camera") -> list[LabelledImage]:
    """Images and their boxes of the categories whose name contains ``match``."""
    try:
        data = json.loads(coco_json.read_text(encoding="utf-8"))
        cats = {c["id"] for c in data["categories"] if match.lower() in c["name"].lower().replace("-", " ")}
        images = {im["id"]: LabelledImage(Path(im["file_name"]).name, int(im["width"]), int(im["height"]))
                  for im in data["images"]}  # fmt: skip
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConvertError(f"{coco_json}: not a COCO annotation file ({exc})") from exc
    for a in data.get("annotations", []):
        if a["category_id"] not in cats or a.get("iscrowd", 0):
            continue
        im = images.get(a["image_id"])
        if im is None:
            continue
        x, y, w, h = map(float, a["bbox"])
        box = _pixels_to_yolo(camera_class, x, y, x + w, y + h, im.width, im.height)
        if box:
            im.boxes.append(box)
    return list(images.values())


def read_voc(xml_files: list[Path], camera_class: int) -> list[LabelledImage]:
    """Pascal VOC XML: one file per image; unknown object names containing "camera" go to ``camera_class``."""
    out = []
    for path in xml_files:
        try:
            root = ET.parse(path).getroot()
            size = root.find("size")
            w, h = int(size.findtext("width")), int(size.findtext("height"))  # type: ignore[union-attr, arg-type]
        except (ET.ParseError, AttributeError, TypeError, ValueError) as exc:
            raise ConvertError(f"{path}: not a Pascal VOC annotation ({exc})") from exc
        img = LabelledImage(root.findtext("filename") or path.with_suffix(".jpg").name, w, h, source="voc")
        for obj in root.iter("object"):
            name = (obj.findtext("name") or "").strip().lower()
            cls = CLASS_SYNONYMS.get(name, camera_class if "camera" in name or "cctv" in name else None)
            bb = obj.find("bndbox")
            if cls is None or bb is None:
                continue
            x1, y1, x2, y2 = (float(bb.findtext(k) or 0) for k in ("xmin", "ymin", "xmax", "ymax"))
            box = _pixels_to_yolo(cls, x1, y1, x2, y2, w, h)
            if box:
                img.boxes.append(box)
        out.append(img)
    return out


def image_sizes(images_dir: Path | None) -> dict[str, tuple[int, int]]:
    """(width, height) of each image in a folder, read from the file headers."""
    if images_dir is None or not images_dir.is_dir():
        return {}
    pil = require("PIL.Image", "train", "reading image sizes (--images)")

    sizes = {}
    for p in images_dir.iterdir():
        try:
            with pil.open(p) as im:  # reads the header only
                sizes[p.name] = (int(im.width), int(im.height))
        except (pil.UnidentifiedImageError, OSError):
            continue
    return sizes


def write_yolo(images: list[LabelledImage], out: Path, images_dir: Path | None = None) -> ConvertSummary:
    """Labels to ``out/labels/NAME.txt``; the image, when present in ``images_dir``, linked to ``out/images``."""
    s = ConvertSummary()
    for im in images:
        s.images += 1
        s.boxes += len(im.boxes)
        for b in im.boxes:
            s.per_class[CLASS_NAMES[b.class_id]] += 1
        if not (im.width and im.height):
            s.missing_size.append(im.name)
            continue
        stem = Path(im.name).stem
        write_labels(out / "labels" / f"{stem}.txt", im.boxes)
        s.written += 1
        src = images_dir / im.name if images_dir else None
        if src is not None and src.is_file():
            dst = out / "images" / im.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            if dst.is_symlink() or dst.exists():
                dst.unlink()
            os.symlink(src.resolve(), dst)
    s.per_class = dict(s.per_class)
    log.info("converted %d images, %d boxes, %d label files", s.images, s.boxes, s.written)
    return s
