"""A labelling database made with the store's own methods: photos with cameras drawn at known places, and boxes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from sousveillance.device.store import PhotoRow, Store
from sousveillance.device.store.crops import crop_around
from sousveillance.device.types import Detection

# per photo: (file name, size, [(camera box, proposed class, confidence)])
PHOTOS = [
    ("street-1.jpg", (960, 640), [((400, 120, 460, 160), "fixed", 0.81), ((700, 300, 716, 312), "dome", 0.22)]),
    ("street-2.jpg", (800, 600), [((100, 100, 180, 170), "dome", 0.64)]),
    ("street-3.jpg", (640, 480), []),
]


def photo_image(size: tuple[int, int], boxes: list, seed: int) -> np.ndarray:
    """A façade-grey photo with a light housing and a dark lens drawn in each box."""
    w, h = size
    rng = np.random.default_rng(seed)
    img = cv2.add(np.full((h, w, 3), (150, 155, 160), np.uint8), rng.integers(0, 20, (h, w, 3), dtype=np.uint8))
    for (x1, y1, x2, y2), _, _ in boxes:
        cv2.rectangle(img, (x1, y1), (x2 - 1, y2 - 1), (235, 235, 230), -1)
        cv2.circle(img, ((x1 + x2) // 2, (y1 + y2) // 2), max(2, (y2 - y1) // 4), (20, 20, 20), -1)
    return img


@dataclass
class PhotoWalk:
    path: Path
    walk_id: int
    photos: list[PhotoRow] = field(default_factory=list)
    sightings: list[list[int]] = field(default_factory=list)  # per photo, its boxes' sighting ids
    cameras: list[list[int]] = field(default_factory=list)


def build_photo_walk(path: Path) -> PhotoWalk:
    store = Store(path)
    walk_id = store.start_walk(source="photos:test", settings={"photos": {"folder": "test"}})
    out = PhotoWalk(store.path, walk_id)
    for i, (name, size, boxes) in enumerate(PHOTOS):
        image = photo_image(size, boxes, i)
        photo = store.add_photo(walk_id, i, name, image, sha256=hashlib.sha256(name.encode()).hexdigest())
        out.photos.append(photo)
        out.sightings.append([])
        out.cameras.append([])
        for (x1, y1, x2, y2), kind, conf in boxes:
            det = Detection(float(x1), float(y1), float(x2), float(y2), conf, ("dome", "fixed", "ptz").index(kind),
                            kind)
            b = store.add_photo_box(photo, det, crop_around(image, det))
            out.sightings[-1].append(b.sighting.id)
            out.cameras[-1].append(b.camera.id)
        store.set_photo_proposals(photo.id, len(boxes))
    store.end_walk(walk_id, frames=len(PHOTOS))
    store.close()
    return out
