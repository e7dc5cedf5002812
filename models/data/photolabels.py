"""The reviewed photos of a labelling database (``sousveillance label``) as the real-photo set's YOLO labels.

A photo whose every box is decided gives a label file: its confirmed boxes, with their reviewed type; rejected ones
are dropped. A photo with a box still pending, or with no box at all (unlabelled: nothing proposed, nothing
drawn; unless the manifest calls it a negative), gives one line and is skipped, as is a photo that is not in the
manifest or whose shape differs from the manifest's (another photo of the same name). The database is opened read-only
through the store.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sousveillance.device.store import Store, StoreError

from .realset import LABELS_DIR, MANIFEST, read_manifest
from .yolo import CLASS_NAMES, YoloBox, write_labels

log = logging.getLogger(__name__)

ASPECT_TOLERANCE = 0.01


class LabelsError(ValueError):
    """A file that is not a labelling database."""


@dataclass(slots=True)
class LabelExport:
    written: list[str] = field(default_factory=list)  # label files written
    boxes: int = 0
    skipped: list[str] = field(default_factory=list)  # one line per photo left out


def export_labels(db: Path, labels_dir: Path = LABELS_DIR, manifest: Path = MANIFEST) -> LabelExport:
    """Write ``labels_dir/<stem>.txt`` for every fully reviewed photo of the database that is in the manifest."""
    rows = {p.stem.lower(): p for p in read_manifest(manifest).photos}
    out = LabelExport()
    if not db.is_file():
        raise LabelsError(f"no labelling database at {db}")
    try:
        with Store(db, readonly=True) as store:
            photos = [(p, store.photo_boxes(p)) for w in store.walks() for p in store.photos(w.id)]
    except (StoreError, sqlite3.DatabaseError) as exc:
        raise LabelsError(f"{db} is not a labelling database (made by `sousveillance label`): {exc}") from exc
    for photo, boxes in photos:
        row = rows.get(Path(photo.file).stem.lower())
        pending = sum(b.camera.review_state == "pending" for b in boxes)
        why = None
        if row is None:
            why = "not in the manifest"
        elif pending:
            why = f"{pending} box(es) still pending review"
        elif not boxes and row.kind != "negative":  # a negative of the manifest: its empty label is right
            why = "unlabelled (no box proposed or drawn)"
        elif (row.width and abs(photo.width / photo.height - row.width / row.height)
              > ASPECT_TOLERANCE * row.width / row.height):
            why = f"{photo.width}x{photo.height} px is not the shape of the manifest's {row.width}x{row.height}"
        if why:
            out.skipped.append(f"{photo.file} (walk {photo.walk_id}): {why}: skipped")
            continue
        assert row is not None
        yolo = [
            YoloBox.from_pixels(CLASS_NAMES.index(b.camera.camera_type), b.sighting.x1, b.sighting.y1, b.sighting.x2,
                                b.sighting.y2, photo.width, photo.height)
            for b in boxes
            if b.camera.review_state == "confirmed" and b.camera.camera_type in CLASS_NAMES
        ]
        path = labels_dir / f"{row.stem}.txt"
        write_labels(path, yolo)
        out.written.append(path.name)
        out.boxes += len(yolo)
    log.info("labels from %s: %d written, %d skipped", db, len(out.written), len(out.skipped))
    return out
