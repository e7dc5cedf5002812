"""Assemble one Ultralytics YOLO dataset from several sources.

Layout written (outside git, under the runs folder by default)::

    DATASET/images/{train,val}/*.jpg   (symlinks to the sources, or tiles written here)
    DATASET/labels/{train,val}/*.txt
    DATASET/data.yaml                  (path, train, val, names: 0 dome, 1 fixed, 2 ptz, 3 pole)
    DATASET/manifest.json              (images and boxes per source and split)

Validation is the real photos' ``val`` split only: it is the evaluation set and is never trained on.

Tiling (small objects): a distant camera is 8-20 px in a full frame; letterboxing a 1920 px frame to 640 px shrinks
it to 3-7 px, below what a stride-8 head can find. So images whose long side exceeds ``1.5 * imgsz`` also
contribute ``imgsz`` x ``imgsz`` tiles cut at native resolution (25 % overlap), the way the device's tiled inference
(``detector.tiles``) sees them. Boxes cut by a tile edge are kept when at least half of their area is inside.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .yolo import CLASS_NAMES, YoloBox, find_images, label_path_for, read_labels, write_labels

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Source:
    """A folder of YOLO images+labels going into one split, repeated ``repeat`` times (oversampling)."""

    name: str
    images: tuple[Path, ...]
    split: str = "train"
    repeat: int = 1
    tile: bool = True  # add native-resolution tiles of large train images
    labels: tuple[Path, ...] = ()  # label file of each image; default: Ultralytics' images/ -> labels/ convention


@dataclass(slots=True)
class DatasetSummary:
    root: Path
    data_yaml: Path
    images: Counter = field(default_factory=Counter)  # (source, split) -> images
    boxes: Counter = field(default_factory=Counter)  # (split, class name) -> boxes

    def as_dict(self) -> dict:
        return {
            "root": str(self.root),
            "images": {f"{s}/{sp}": n for (s, sp), n in sorted(self.images.items())},
            "boxes": {f"{sp}/{c}": n for (sp, c), n in sorted(self.boxes.items())},
        }


def folder_source(
    name: str, root: Path, split: str = "train", repeat: int = 1, tile: bool = True, limit: int | None = None
) -> Source:
    """Every image under ``root`` whose label file follows Ultralytics' images/ -> labels/ convention.

    ``limit``: keep that many, evenly spread over the sorted list (a fixed, reproducible subset).
    """
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder not found: {root}")
    images = tuple(find_images(root / "images") if (root / "images").is_dir() else find_images(root))
    if not images:
        raise ValueError(f"no images under {root}")
    if limit is not None and 0 < limit < len(images):
        images = tuple(images[round(i * len(images) / limit)] for i in range(limit))
    return Source(name, images, split, repeat, tile)


def real_sources(real_root: Path, repeat: int = 1) -> list[Source]:
    """The hand-labelled real photos, split by ``split.yaml`` (train / val)."""
    split = yaml.safe_load((real_root / "split.yaml").read_text(encoding="utf-8"))
    return [
        Source("real", tuple(real_root / p for p in split["train"]), "train", repeat),
        Source("real", tuple(real_root / p for p in split["val"]), "val", 1),
    ]


def realset_sources(images_dir: Path, repeat: int = 1, **files: Path) -> tuple[list[Source], list[str]]:
    """The real-photo set of the committed manifest (fetched into ``images_dir``), split by source repository.

    Returns the train and val sources and one line per photo left out (refused manifest row, such as one from an
    excluded evaluation repository; not fetched; unlabelled). ``files``: ``manifest``, ``labels_dir``, ``split_file``
    other than the committed ones.
    """
    from .realset import load_set

    s = load_set(images_dir, **files)
    out = []
    for split, k in (("train", repeat), ("val", 1)):
        photos = s.split(split)
        if photos:
            out.append(Source("realset", tuple(p.image for p in photos), split, k,
                              labels=tuple(p.labels for p in photos)))
    return out, s.notes


def _tiles(width: int, height: int, size: int, overlap: float = 0.25) -> list[tuple[int, int]]:
    def starts(n: int) -> list[int]:
        if n <= size:
            return [0]
        step = int(size * (1 - overlap))
        s = list(range(0, n - size, step))
        return s + [n - size]

    return [(x, y) for y in starts(height) for x in starts(width)]


def tile_boxes(boxes: list[YoloBox], width: int, height: int, x0: int, y0: int, size: int) -> list[YoloBox] | None:
    """Boxes of one tile; None when a box is cut badly (10-50 % inside: ambiguous, tile skipped)."""
    tw, th = min(size, width - x0), min(size, height - y0)
    out = []
    for b in boxes:
        x1, y1, x2, y2 = b.to_pixels(width, height)
        area = max(1e-9, (x2 - x1) * (y2 - y1))
        cx1, cy1, cx2, cy2 = max(x1, x0), max(y1, y0), min(x2, x0 + tw), min(y2, y0 + th)
        inside = max(0.0, cx2 - cx1) * max(0.0, cy2 - cy1) / area
        if inside >= 0.5:
            out.append(YoloBox.from_pixels(b.class_id, cx1 - x0, cy1 - y0, cx2 - x0, cy2 - y0, tw, th))
        elif inside > 0.1:
            return None
    return out


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.is_symlink() or dst.exists():
        dst.unlink()
    os.symlink(src.resolve(), dst)


def assemble(
    out: Path,
    sources: list[Source],
    imgsz: int = 640,
    tile: bool = True,
    empty_tiles: float = 0.25,
) -> DatasetSummary:
    """Write the dataset folder (replacing image and label entries of the same names); returns counts."""
    import cv2

    summary = DatasetSummary(out, out / "data.yaml")
    for split in ("train", "val"):
        for kind in ("images", "labels"):
            d = out / kind / split
            d.mkdir(parents=True, exist_ok=True)
            for old in d.iterdir():
                old.unlink()
    for src in sources:
        for n, img in enumerate(src.images):
            if not img.is_file():
                raise FileNotFoundError(f"{src.name}: image not found: {img}")
            label = src.labels[n] if src.labels else label_path_for(img)
            boxes = read_labels(label)
            bad = [b for b in boxes if not 0 <= b.class_id < len(CLASS_NAMES)]
            if bad:
                raise ValueError(f"{label}: class id {bad[0].class_id} outside 0..3")
            for k in range(src.repeat):
                stem = f"{src.name}_{k}_{img.stem}" if src.repeat > 1 else f"{src.name}_{img.stem}"
                _link(img, out / "images" / src.split / f"{stem}{img.suffix.lower()}")
                write_labels(out / "labels" / src.split / f"{stem}.txt", boxes)
                summary.images[(src.name, src.split)] += 1
                for b in boxes:
                    summary.boxes[(src.split, CLASS_NAMES[b.class_id])] += 1
            if not (tile and src.tile) or src.split != "train":
                continue
            image = cv2.imread(str(img))
            if image is None:
                raise ValueError(f"{src.name}: unreadable image {img}")
            h, w = image.shape[:2]
            if max(w, h) <= 1.5 * imgsz:
                continue
            kept_empty = 0
            for i, (x0, y0) in enumerate(_tiles(w, h, imgsz)):
                tb = tile_boxes(boxes, w, h, x0, y0, imgsz)
                if tb is None:
                    continue
                if not tb:  # a share of empty tiles teaches the background at native scale
                    if kept_empty >= max(1, int(empty_tiles * len(boxes))):
                        continue
                    kept_empty += 1
                stem = f"{src.name}_tile{i}_{img.stem}"
                cv2.imwrite(str(out / "images" / "train" / f"{stem}.jpg"), image[y0 : y0 + imgsz, x0 : x0 + imgsz])
                write_labels(out / "labels" / "train" / f"{stem}.txt", tb)
                summary.images[(f"{src.name}-tiles", "train")] += 1
                for b in tb:
                    summary.boxes[("train", CLASS_NAMES[b.class_id])] += 1
    data = {
        "path": str(out.resolve()),
        "train": "images/train",
        "val": "images/val",
        "names": dict(enumerate(CLASS_NAMES)),
    }
    summary.data_yaml.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(summary.as_dict(), indent=2), encoding="utf-8")
    log.info("dataset %s: %s", out, summary.as_dict())
    return summary
