"""Training examples from walk databases: the loop that lets a campaign improve its model from its own walks.

Reviewed cameras only: ``confirmed`` ones become positives (class = the reviewed ``camera_type``), ``rejected`` ones
hard negatives (an image with no box). Pending cameras are never used.

* Frames kept with ``--keep-frames`` (``frames/<walk_id>/<frame_index>.jpg`` next to the database): the full frame
  with the boxes of every reviewed sighting in it; a frame that also shows a pending camera is skipped (its label
  would be unknown).
* Otherwise the sightings' crops (``crops/...``, a box plus ``CROP_MARGIN`` context, at most ``CROP_MAX_SIDE`` px,
  written by the device's recorder): the box is placed in the crop by redoing the recorder's crop geometry.

The database is opened read-only; the output is a YOLO folder (``images/`` + ``labels/``) for
``sousveillance model dataset --extra``.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sousveillance.device.store import ReviewedSighting, SightingRow, Store, StoreError

from .yolo import CLASS_NAMES, YoloBox, write_labels

log = logging.getLogger(__name__)

CROP_MARGIN = 0.35  # as device/survey/recorder.py crops: box + 0.35 x size + 4 px, clipped, long side <= 320
CROP_PAD = 4
CROP_MAX_SIDE = 320


class WalkExportError(ValueError):
    """A file that is not a walk database."""


@dataclass(slots=True)
class WalkExport:
    positives: int = 0  # images with at least one confirmed camera box
    negatives: int = 0  # images of rejected cameras (no box)
    boxes: int = 0
    skipped: int = 0  # frames with a pending camera, crops missing on disk
    per_class: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(frozen=True, slots=True)
class CropWindow:
    """Where a crop was cut from its frame (pixels) and how it was scaled."""

    x1: int
    y1: int
    x2: int
    y2: int


def crop_window(box: tuple[float, float, float, float], frame_w: int, frame_h: int) -> CropWindow:
    """The recorder's crop rectangle for a detection box (same arithmetic as ``recorder.crop_of``)."""
    x1, y1, x2, y2 = box
    mx, my = (x2 - x1) * CROP_MARGIN + CROP_PAD, (y2 - y1) * CROP_MARGIN + CROP_PAD
    return CropWindow(
        max(int(x1 - mx), 0), max(int(y1 - my), 0), min(int(x2 + mx), frame_w), min(int(y2 + my), frame_h)
    )


def box_in_crop(s: SightingRow, crop_w: int, crop_h: int, class_id: int) -> YoloBox:
    """The sighting's box, normalised to its crop image."""
    win = crop_window((s.x1, s.y1, s.x2, s.y2), int(s.frame_width), int(s.frame_height))
    sx, sy = crop_w / max(1, win.x2 - win.x1), crop_h / max(1, win.y2 - win.y1)
    return YoloBox.from_pixels(
        class_id, (s.x1 - win.x1) * sx, (s.y1 - win.y1) * sy, (s.x2 - win.x1) * sx, (s.y2 - win.y1) * sy, crop_w, crop_h
    )


def _reviewed(db_path: Path) -> list[ReviewedSighting]:
    """Every camera sighting of a walk database (opened read-only) with its camera's review state and type."""
    if not db_path.is_file():
        raise WalkExportError(f"no walk database at {db_path}")
    try:
        with Store(db_path, readonly=True) as store:
            return store.reviewed_sightings()
    except (StoreError, sqlite3.DatabaseError) as exc:
        raise WalkExportError(f"{db_path} is not a walk database: {exc}") from exc


def _class_of(camera_type: str | None) -> int:
    name = (camera_type or "fixed").lower()
    return CLASS_NAMES.index(name) if name in CLASS_NAMES[:3] else CLASS_NAMES.index("fixed")


def export_walks(databases: list[Path], out: Path) -> WalkExport:
    """Write images (frames or crops) and labels of every reviewed camera of the databases into ``out``."""
    import cv2

    summary = WalkExport()
    for db_path in databases:
        rows = _reviewed(db_path)
        root, tag = db_path.parent, db_path.stem
        by_frame: dict[tuple[int, int], list[ReviewedSighting]] = defaultdict(list)
        for r in rows:
            by_frame[(r.sighting.walk_id, r.sighting.frame_index)].append(r)
        for (walk_id, index), group in sorted(by_frame.items()):
            frame = root / "frames" / str(walk_id) / f"{index:06d}.jpg"
            reviewed = [r for r in group if r.review_state in ("confirmed", "rejected")]
            if not reviewed:
                continue
            if frame.is_file():
                if any(r.review_state == "pending" for r in group):
                    summary.skipped += 1
                    continue
                stem = f"walk_{tag}_{walk_id}_f{index:06d}"
                w, h = int(group[0].sighting.frame_width), int(group[0].sighting.frame_height)
                boxes = [
                    YoloBox.from_pixels(_class_of(r.camera_type), r.sighting.x1, r.sighting.y1, r.sighting.x2,
                                        r.sighting.y2, w, h)
                    for r in reviewed
                    if r.review_state == "confirmed"
                ]
                _emit(frame, out, stem, boxes, summary)
                continue
            for r in reviewed:
                if not r.sighting.crop:
                    continue
                crop = root / r.sighting.crop
                image = cv2.imread(str(crop))
                if image is None:
                    summary.skipped += 1
                    log.warning("crop missing or unreadable: %s", crop)
                    continue
                stem = f"walk_{tag}_{walk_id}_s{r.sighting.id}"
                boxes = []
                if r.review_state == "confirmed":
                    ch, cw = image.shape[:2]
                    boxes = [box_in_crop(r.sighting, cw, ch, _class_of(r.camera_type))]
                _emit(crop, out, stem, boxes, summary)
    summary.per_class = dict(summary.per_class)
    log.info("walk export: %s", summary)
    return summary


def _emit(image: Path, out: Path, stem: str, boxes: list[YoloBox], summary: WalkExport) -> None:
    dst = out / "images" / f"{stem}{image.suffix.lower()}"
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(image, dst)  # a copy: the walk folder may be on a card that goes back to the Pi
    write_labels(out / "labels" / f"{stem}.txt", boxes)
    if boxes:
        summary.positives += 1
        summary.boxes += len(boxes)
        for b in boxes:
            summary.per_class[CLASS_NAMES[b.class_id]] += 1
    else:
        summary.negatives += 1
