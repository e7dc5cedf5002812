"""Context crops without surveillance: blur people, faces, number plates and the street below a camera.

The walk keeps, with each camera, a wider view of its surroundings (three times the camera's box, at most 320 px)
so that a reviewer can judge its mount and facing. Before that view is written to disk, every pixel that could show
a person is made unrecognisable, in three layers, because each detector misses some:

1. Everything below the camera's box (plus half a box of margin) is blurred heavily: that is where passers-by,
   their faces and cars are, as seen from the walker's camera looking up at a camera mounted above head height.
2. OpenCV's HOG people detector (``cv2.HOGDescriptor_getDefaultPeopleDetector``) and its Haar cascades shipped in
   the OpenCV wheel (``cv2.data.haarcascades``: frontal faces, profile faces, full bodies, upper bodies, number
   plates) run on the whole view; each hit, grown by a margin, is pixelated.
3. Only a window around the camera itself stays sharp; the rest above it is softened.

The shipped camera model has no person class, so it takes no part. Nothing un-blurred is ever written: callers pass
the frame region, ``redact`` returns the image to store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..types import Box

log = logging.getLogger(__name__)

CONTEXT_SCALE = 3.0  # the context crop spans this many box sizes
CONTEXT_MAX_SIDE = 320  # pixels, as stored
DETECT_MAX_SIDE = 640  # detectors see the region at up to this size (sharper than what is stored)
DETECT_MIN_SIDE = 400  # ... and small regions enlarged to at least this (up to UPSCALE_MAX times)
UPSCALE_MAX = 4.0
CASCADES = (
    "haarcascade_frontalface_default.xml", "haarcascade_profileface.xml", "haarcascade_fullbody.xml",
    "haarcascade_upperbody.xml", "haarcascade_russian_plate_number.xml",
)


@dataclass(slots=True)
class Redaction:
    """What was blurred in one context crop (for logs and tests)."""

    detections: list[tuple[str, int, int, int, int]] = field(default_factory=list)  # (detector, x, y, w, h)
    below_y: int = 0  # rows from here down are blurred


def context_region(frame_shape: tuple[int, ...], box: Box, scale: float = CONTEXT_SCALE) -> tuple[int, int, int, int]:
    """``(x1, y1, x2, y2)`` of the context window around a box, clipped to the frame."""
    h, w = frame_shape[:2]
    bw, bh = box.x2 - box.x1, box.y2 - box.y1
    side = max(bw, bh) * scale
    cx, cy = (box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2
    x1, y1 = max(int(cx - side / 2), 0), max(int(cy - side / 2), 0)
    x2, y2 = min(int(cx + side / 2), w), min(int(cy + side / 2), h)
    return x1, y1, max(x2, x1 + 1), max(y2, y1 + 1)


def context_of(frame: np.ndarray, box: Box) -> tuple[np.ndarray, Box]:
    """The context window of a box cut from a frame (a copy, at most ``DETECT_MAX_SIDE``) and the box inside it.

    Cheap: called for a track's best sighting while walking; ``redact`` runs once, when the crop is written.
    """
    x1, y1, x2, y2 = context_region(frame.shape, box)
    region = frame[y1:y2, x1:x2]
    scale = min(1.0, DETECT_MAX_SIDE / max(region.shape[:2]))
    region = cv2.resize(region, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else region.copy()
    inner = Box((box.x1 - x1) * scale, (box.y1 - y1) * scale, (box.x2 - x1) * scale, (box.y2 - y1) * scale)
    return region, inner


class _Detectors:
    """OpenCV's people detector and cascades, loaded once per process on first use."""

    _loaded: _Detectors | None = None

    def __init__(self) -> None:
        self.hog = cv2.HOGDescriptor()
        self.hog.setSVMDetector(np.asarray(cv2.HOGDescriptor.getDefaultPeopleDetector()))
        self.cascades: list[tuple[str, cv2.CascadeClassifier]] = []
        folder = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]  # cv2.data is not in OpenCV's stubs
        for name in CASCADES:
            cascade = cv2.CascadeClassifier(str(folder / name))
            if cascade.empty():
                log.warning("OpenCV cascade %s is missing: it cannot blur what it would find", name)
                continue
            self.cascades.append((name.removeprefix("haarcascade_").removesuffix(".xml"), cascade))

    @classmethod
    def get(cls) -> _Detectors:
        if cls._loaded is None:
            cls._loaded = cls()
        return cls._loaded

    def find(self, image: np.ndarray) -> list[tuple[str, int, int, int, int]]:
        """Hits as ``(detector, x, y, w, h)`` in ``image`` pixels. Small views are enlarged first: the people
        detector's window is 64x128 px, so a walker 60 px tall in a small context view is found only that way."""
        up = min(UPSCALE_MAX, max(1.0, DETECT_MIN_SIDE / min(image.shape[:2])))
        big = cv2.resize(image, None, fx=up, fy=up, interpolation=cv2.INTER_CUBIC) if up > 1 else image
        gray = cv2.equalizeHist(cv2.cvtColor(big, cv2.COLOR_BGR2GRAY))
        found: list[tuple[str, int, int, int, int]] = []
        if big.shape[0] >= 128 and big.shape[1] >= 64:
            rects, _ = self.hog.detectMultiScale(big, winStride=(8, 8), padding=(8, 8), scale=1.05)
            found += [("person", int(x), int(y), int(w), int(h)) for x, y, w, h in rects]
        for name, cascade in self.cascades:
            rects = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=3, minSize=(12, 12))
            found += [(name, int(x), int(y), int(w), int(h)) for x, y, w, h in rects]
        return [(name, int(x / up), int(y / up), int(w / up) + 1, int(h / up) + 1) for name, x, y, w, h in found]


def _pixelate(image: np.ndarray, x: int, y: int, w: int, h: int) -> None:
    ih, iw = image.shape[:2]
    x1, y1, x2, y2 = max(x, 0), max(y, 0), min(x + w, iw), min(y + h, ih)
    if x2 <= x1 or y2 <= y1:
        return
    patch = image[y1:y2, x1:x2]
    small = cv2.resize(patch, (max(1, (x2 - x1) // 12), max(1, (y2 - y1) // 12)), interpolation=cv2.INTER_AREA)
    image[y1:y2, x1:x2] = cv2.resize(small, (x2 - x1, y2 - y1), interpolation=cv2.INTER_NEAREST)


def redact(region: np.ndarray, box_in_region: Box) -> tuple[np.ndarray, Redaction]:
    """The context crop to store (at most ``CONTEXT_MAX_SIDE``), with people, faces, plates and the street blurred.

    ``region`` is the frame window from ``context_region``; ``box_in_region`` the camera's box inside it.
    """
    scale = min(1.0, DETECT_MAX_SIDE / max(region.shape[:2]))
    work = cv2.resize(region, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else region.copy()
    h, w = work.shape[:2]
    bx1, by1, bx2, by2 = (int(v * scale) for v in (box_in_region.x1, box_in_region.y1, box_in_region.x2,
                                                   box_in_region.y2))
    report = Redaction()
    report.detections = _Detectors.get().find(work)
    strong = max(3, (max(h, w) // 10) | 1)
    heavy = cv2.GaussianBlur(work, (strong, strong), 0)
    soft = cv2.GaussianBlur(work, (max(3, (strong // 3) | 1),) * 2, 0)
    out = soft.copy()
    margin_x, margin_y = (bx2 - bx1) // 2, (by2 - by1) // 2
    keep = (max(bx1 - margin_x, 0), max(by1 - margin_y, 0), min(bx2 + margin_x, w), min(by2 + margin_y // 2, h))
    out[keep[1]:keep[3], keep[0]:keep[2]] = work[keep[1]:keep[3], keep[0]:keep[2]]
    report.below_y = min(h, by2 + margin_y)
    out[report.below_y:] = heavy[report.below_y:]
    for _name, x, y, dw, dh in report.detections:
        grow_x, grow_y = dw // 5, dh // 5
        _pixelate(out, x - grow_x, y - grow_y, dw + 2 * grow_x, dh + 2 * grow_y)
    final = min(1.0, CONTEXT_MAX_SIDE / max(h, w))
    if final < 1:
        out = cv2.resize(out, (max(1, int(w * final)), max(1, int(h * final))), interpolation=cv2.INTER_AREA)
    if report.detections:
        log.debug("context crop: blurred %d detection(s): %s", len(report.detections),
                  sorted({d[0] for d in report.detections}))
    return out, report
