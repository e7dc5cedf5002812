"""Photos labelled as a walk without GPS (``photos``): the kept photo, and each box on it as a camera + sighting.

A photo walk is a walk whose frames are unrelated photos (``sousveillance label``): each photo is its own frame,
kept at ``frames/<walk_id>/<frame_index>.jpg`` next to the database (the layout ``model dataset --walks`` reads), and
each box on it is one camera row (review state, reviewed type) with one sighting (the box, in photo pixels) and its
crop. Nothing is placed on a map: the cameras have no position.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..types import Box, Detection, Sighting
from .cameras import CameraRecords
from .connection import StoreError, inserted_id, parse_utc, utcnow
from .crops import CropFiles
from .rows import CameraRow, SightingRow

FRAMES_DIR = "frames"


@dataclass(frozen=True, slots=True)
class PhotoRow:
    id: int
    walk_id: int
    frame_index: int
    file: str  # its name in the folder it was labelled from
    frame: str  # the kept copy, relative to the database folder
    width: int
    height: int
    sha256: str | None = None
    proposals: int | None = None
    added_at: str | None = None


@dataclass(frozen=True, slots=True)
class PhotoBox:
    """One box on a photo: the sighting holds the box, the camera its type and review state."""

    sighting: SightingRow
    camera: CameraRow


class PhotoRecords(CameraRecords, CropFiles):
    # -- photos --------------------------------------------------------------------------------------------------
    def add_photo(self, walk_id: int, frame_index: int, file: str, image: np.ndarray, *, sha256: str,
                  proposals: int = 0) -> PhotoRow:  # fmt: skip
        """Keep the photo (re-encoded: its EXIF, GPS position included, is not kept) and record it."""
        rel = self.write_jpeg(Path(FRAMES_DIR) / str(walk_id) / f"{frame_index:06d}.jpg", image, quality=95)
        h, w = image.shape[:2]
        row: dict[str, Any] = {"walk_id": walk_id, "frame_index": frame_index, "file": file, "frame": rel, "width": w,
                               "height": h, "sha256": sha256, "proposals": proposals, "added_at": utcnow()}  # fmt: skip
        with self.batch() as db:
            table = db.table("photos")
            table.insert(row)
            return PhotoRow(id=inserted_id(table), **row)

    def set_photo_proposals(self, photo_id: int, proposals: int) -> None:
        with self.batch() as db:
            db.table("photos").update(photo_id, {"proposals": proposals})

    def photos(self, walk_id: int) -> list[PhotoRow]:
        if not self.db["photos"].exists():
            return []
        return self.rows(PhotoRow, "SELECT * FROM photos WHERE walk_id = ? ORDER BY frame_index", [walk_id])

    def photo(self, photo_id: int) -> PhotoRow | None:
        return self.row(PhotoRow, "SELECT * FROM photos WHERE id = ?", [photo_id])

    def photo_with_sha256(self, sha256: str) -> PhotoRow | None:
        """The photo already labelled from the same file, in any walk of this database."""
        return self.row(PhotoRow, "SELECT * FROM photos WHERE sha256 = ? ORDER BY id LIMIT 1", [sha256])

    def is_photo_walk(self, walk_id: int) -> bool:
        if not self.db["photos"].exists():  # a database made before photo labelling, opened read-only
            return False
        return bool(self.db.execute("SELECT count(*) FROM photos WHERE walk_id = ?", [walk_id]).fetchone()[0])

    def resolve_frame(self, rel: str) -> Path:
        """Absolute path of a kept photo; refuses anything outside this database's frames folder."""
        base = (self.root / FRAMES_DIR).resolve()
        target = (self.root / rel).resolve()
        if base not in target.parents:
            raise StoreError(f"photo path outside the walk folder: {rel!r}")
        return target

    # -- boxes ---------------------------------------------------------------------------------------------------
    def photo_boxes(self, photo: PhotoRow) -> list[PhotoBox]:
        """The boxes on a photo, in the order they were added."""
        sightings = self.rows(
            SightingRow,
            "SELECT * FROM sightings WHERE walk_id = ? AND frame_index = ? AND camera_id IS NOT NULL ORDER BY id",
            [photo.walk_id, photo.frame_index],
        )
        cameras = {c.id: c for c in (self.camera(s.camera_id) for s in sightings if s.camera_id) if c}
        return [PhotoBox(s, cameras[s.camera_id]) for s in sightings if s.camera_id in cameras]

    def photo_box(self, sighting_id: int) -> tuple[PhotoRow, PhotoBox] | None:
        s = self.sighting(sighting_id)
        if s is None or s.camera_id is None:
            return None
        photo = self.row(PhotoRow, "SELECT * FROM photos WHERE walk_id = ? AND frame_index = ?",
                         [s.walk_id, s.frame_index])  # fmt: skip
        camera = self.camera(s.camera_id)
        if photo is None or camera is None:
            return None
        return photo, PhotoBox(s, camera)

    def _next_track(self, walk_id: int) -> int:
        return int(self.db.execute("SELECT coalesce(max(track_id), 0) + 1 FROM cameras WHERE walk_id = ?",
                                   [walk_id]).fetchone()[0])  # fmt: skip

    def add_photo_box(self, photo: PhotoRow, det: Detection, crop: np.ndarray, *, drawn: bool = False) -> PhotoBox:
        """A box on the photo: a camera pending review (type = the box's class) with one sighting and its crop.

        ``drawn``: a person drew it (no detector confidence: NULL on the camera and the sighting)."""
        now = utcnow()
        with self.batch():
            track = self._next_track(photo.walk_id)
            rel = self.save_crop(photo.walk_id, _crop_name(photo, track, det), crop)
            confidence = None if drawn else det.confidence
            camera_id = self.add_camera(photo.walk_id, track, str(uuidlib.uuid4()), det.class_name, now,
                                        last_seen=now, confidence=confidence, sightings_count=1,
                                        best_crop=rel)  # fmt: skip
            sighting = Sighting(track, photo.frame_index, float(photo.frame_index), parse_utc(now), det, photo.width,
                                photo.height, None, None)  # fmt: skip
            sighting_id = self.add_sighting(photo.walk_id, camera_id, sighting, crop=rel)
            self.update_camera(camera_id, {"best_sighting_id": sighting_id})
            if drawn:
                self.db.table("sightings").update(sighting_id, {"confidence": None})
        found = self.photo_box(sighting_id)
        assert found is not None
        return found[1]

    def set_photo_box(self, sighting_id: int, box: Box, crop: np.ndarray) -> PhotoBox:
        """Move a box (a reviewer's fix): its sighting's corners and its crop, the old crop file removed."""
        found = self.photo_box(sighting_id)
        if found is None:
            raise StoreError(f"no box {sighting_id} on a photo")
        photo, old = found
        rel = self.save_crop(photo.walk_id, _crop_name(photo, old.sighting.track_id or 0, box), crop)
        values: dict[str, Any] = {"x1": box.x1, "y1": box.y1, "x2": box.x2, "y2": box.y2, "crop": rel}
        with self.batch() as db:
            db.table("sightings").update(sighting_id, values)
            self.update_camera(old.camera.id, {"best_crop": rel, "updated_at": utcnow()})
        if old.sighting.crop and old.sighting.crop != rel:
            try:
                self.resolve_crop(old.sighting.crop).unlink(missing_ok=True)
            except (StoreError, OSError):
                pass  # a crop already gone or moved by hand: the new one is written
        found = self.photo_box(sighting_id)
        assert found is not None
        return found[1]


def _crop_name(photo: PhotoRow, track: int, box: Box) -> str:
    """Named by the box, so that a moved box gets a new crop file (and browsers no stale copy)."""
    return f"photo{photo.frame_index:06d}-t{track}-{box.x1:.0f}-{box.y1:.0f}-{box.x2:.0f}-{box.y2:.0f}"
