"""Small real walks for the device tests: an H.264/MPEG-4 video of coloured "cameras" drifting past, with an NMEA
log written by the project's own writer, and a colour-blob detector behind the ``Detector`` seam.

The blob detector is a real (if simple) detector: it thresholds saturated colours, so tests of the loop, tracker
and store get deterministic detections without a trained network. End-to-end tests use the shipped YOLO model on
the bundled sample walk instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np

from sousveillance.device.gps.nmea import write_nmea
from sousveillance.device.types import Detection, Fix

START = datetime(2026, 5, 2, 9, 30, 0, tzinfo=UTC)
LAT0, LON0 = 43.29510, 5.37400  # Vieux-Port, Marseille
# (hue name, BGR, class id, class name): blobs of these colours are "cameras"
COLOURS = [((0, 0, 255), 0, "dome"), ((0, 200, 0), 1, "fixed"), ((255, 0, 0), 2, "ptz")]


@dataclass
class MadeWalk:
    video: Path
    nmea: Path
    frames: int
    fps: float
    objects: int


def make_walk(folder: Path, *, frames: int = 60, fps: float = 10.0, size=(640, 360), objects: int = 3,
              gps: bool = True, fix_offset_s: float = 0.0) -> MadeWalk:
    """Objects enter at the right and drift left (the walker passes them); fixes at 1 Hz walking north."""
    folder.mkdir(parents=True, exist_ok=True)
    w, h = size
    video = folder / "walk.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for i in range(frames):
        img = np.full((h, w, 3), (90, 100, 110), np.uint8)
        for k in range(objects):
            colour = COLOURS[k % len(COLOURS)][0]
            x = int(w * (0.25 + 0.25 * k) - i * 2)
            y = 60 + 50 * k
            r = 10 + (i // 20) + 2 * k
            if 0 < x < w:
                cv2.rectangle(img, (x - r, y - r // 2), (x + r, y + r // 2), colour, -1)
        writer.write(img)
    writer.release()
    nmea = folder / "walk.nmea"
    n_fixes = int(frames / fps) + 2
    fixes = [
        Fix(t=(START + timedelta(seconds=s + fix_offset_s)).timestamp(),
            utc=START + timedelta(seconds=s + fix_offset_s),
            latitude=LAT0 + s * 1.4 / 111_195.0, longitude=LON0, speed=1.4, course=0.0, eph=3.0)
        for s in range(n_fixes)
    ]
    if gps:
        write_nmea(fixes, nmea)
    return MadeWalk(video, nmea, frames, fps, objects)


class BlobDetector:
    """Finds saturated colour blobs; class from the colour (see COLOURS)."""

    names: ClassVar[dict[int, str]] = {0: "dome", 1: "fixed", 2: "ptz", 3: "pole"}
    model_path = "blob-detector"

    def detect(self, image: np.ndarray) -> list[Detection]:
        out = []
        for colour, class_id, name in COLOURS:
            mask = np.all(np.abs(image.astype(int) - np.array(colour)) < 60, axis=2).astype(np.uint8)
            n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
            for j in range(1, n):
                x, y, bw, bh, area = stats[j]
                if area >= 20:
                    out.append(Detection(float(x), float(y), float(x + bw), float(y + bh), 0.9, class_id, name))
        return out
