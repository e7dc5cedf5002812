"""Crops: JPEG files in ``crops/`` next to the database (paths relative to it), and which of them may be pruned."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..types import Box
from .connection import Connection, DiskFullError, StoreError, is_disk_full
from .rows import PrunableCrop

if TYPE_CHECKING:
    from ..types import Box

CROPS_DIR = "crops"
CROP_MARGIN = 0.35  # context around the box, as a fraction of its size (and 4 px more)
CROP_MAX_SIDE = 320


def crop_around(image: np.ndarray, box: Box) -> np.ndarray:
    """The crop kept for a box: the box with context, clipped to the image, long side at most ``CROP_MAX_SIDE``."""
    mx, my = box.width * CROP_MARGIN + 4, box.height * CROP_MARGIN + 4
    h, w = image.shape[:2]
    x1, y1 = max(int(box.x1 - mx), 0), max(int(box.y1 - my), 0)
    x2, y2 = min(int(box.x2 + mx), w), min(int(box.y2 + my), h)
    crop = image[y1:y2, x1:x2]
    side = max(crop.shape[:2])
    if side > CROP_MAX_SIDE:
        import cv2

        scale = CROP_MAX_SIDE / side
        size = (max(1, int(crop.shape[1] * scale)), max(1, int(crop.shape[0] * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    return crop.copy()

# Extra views of a camera (not its best crop) and pole crops, of finished walks, oldest walk first.
_EXTRA_CROPS = """
SELECT s.id AS sighting_id, s.crop AS crop, NULL AS camera_id, 0 AS context
FROM sightings s JOIN walks w ON w.id = s.walk_id
WHERE s.crop IS NOT NULL AND w.status != 'running' AND s.walk_id IS NOT :keep
  AND (s.camera_id IS NULL OR s.crop IS NOT (SELECT c.best_crop FROM cameras c WHERE c.id = s.camera_id))
ORDER BY w.started_at, w.id, s.id
"""
# Context views (the wider, redacted street around a camera) of cameras already reviewed, either way, of finished
# walks, oldest walk first: a context view is for deciding; once decided it is only more street kept on the card.
_REVIEWED_CONTEXT = """
SELECT NULL AS sighting_id, c.context_crop AS crop, c.id AS camera_id, 1 AS context FROM cameras c
JOIN walks w ON w.id = c.walk_id
WHERE c.context_crop IS NOT NULL AND c.review_state IN ('confirmed', 'rejected') AND w.status != 'running'
  AND c.walk_id IS NOT :keep
ORDER BY w.started_at, w.id, c.id
"""
# Best crops of cameras the reviewer rejected, of finished walks, oldest walk first.
_REJECTED_BEST = """
SELECT NULL AS sighting_id, c.best_crop AS crop, c.id AS camera_id, 0 AS context
FROM cameras c JOIN walks w ON w.id = c.walk_id
WHERE c.best_crop IS NOT NULL AND c.review_state = 'rejected' AND w.status != 'running' AND c.walk_id IS NOT :keep
ORDER BY w.started_at, w.id, c.id
"""
# What the storage guard may delete, by kind, in the order it deletes them.
_PRUNABLE = {"extra": _EXTRA_CROPS, "context": _REVIEWED_CONTEXT, "rejected": _REJECTED_BEST}
PRUNE_ORDER = tuple(_PRUNABLE)


class CropFiles(Connection):
    def save_crop(self, walk_id: int, name: str, image: np.ndarray, *, quality: int = 90) -> str:
        """Write a JPEG crop atomically; returns its path relative to the database folder."""
        return self.write_jpeg(Path(CROPS_DIR) / str(walk_id) / f"{name}.jpg", image, quality=quality)

    def write_jpeg(self, rel: Path, image: np.ndarray, *, quality: int = 90) -> str:
        """Write a JPEG next to the database (``rel`` relative to its folder) atomically; returns ``rel``."""
        import cv2

        dest = self.root / rel
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise StoreError(f"could not encode {rel.name}")
        tmp = dest.with_suffix(".jpg.tmp")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(buf.tobytes())
            os.replace(tmp, dest)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if is_disk_full(exc):
                raise DiskFullError(f"disk full writing {rel}") from exc
            raise StoreError(f"could not write {rel}: {exc}") from exc
        return rel.as_posix()

    def save_context(self, walk_id: int, name: str, region: np.ndarray, box: Box) -> str:
        """Write a camera's context crop: people, faces, plates and the street below it blurred first (``redact``).

        ``region`` and ``box`` come from ``redact.context_of``; the only way a context view reaches the disk.
        """
        from .redact import redact  # OpenCV's detectors, loaded on first use

        image, _ = redact(region, box)
        return self.save_crop(walk_id, name, image, quality=85)

    def resolve_crop(self, rel: str) -> Path:
        """Absolute path of a crop; refuses anything outside this database's crops folder (or not a path at all)."""
        if "\x00" in rel:
            raise StoreError(f"not a crop path: {rel!r}")
        base = (self.root / CROPS_DIR).resolve()
        target = (self.root / rel).resolve()
        if base != target and base not in target.parents:
            raise StoreError(f"crop path outside the walk folder: {rel!r}")
        return target

    def prunable_crops(self, kind: str, *, keep_walk_id: int | None = None) -> list[PrunableCrop]:
        """Crops the storage guard may delete, of one ``kind`` (``PRUNE_ORDER``), in the order to delete them: the
        extra views of sightings, the context views of reviewed cameras, the best crops of rejected cameras; never
        of a running walk or of ``keep_walk_id``, never what a pending camera's review needs."""
        sql = _PRUNABLE[kind]
        return [
            PrunableCrop(r["crop"], r["sighting_id"], r["camera_id"], context=bool(r["context"]))
            for r in self.db.query(sql, {"keep": keep_walk_id})
        ]

    def forget_crop(self, crop: PrunableCrop) -> None:
        """The crop file is gone: clear the rows that pointed at it."""
        with self.batch() as db:
            if crop.context:
                db.execute("UPDATE cameras SET context_crop = NULL WHERE id = ?", [crop.camera_id])
            elif crop.sighting_id is not None:
                db.execute("UPDATE sightings SET crop = NULL WHERE id = ?", [crop.sighting_id])
            else:
                db.execute("UPDATE cameras SET best_crop = NULL WHERE id = ?", [crop.camera_id])
                db.execute(
                    "UPDATE sightings SET crop = NULL WHERE camera_id = ? AND crop = ?", [crop.camera_id, crop.crop]
                )
