"""YOLO labels: one ``class cx cy w h`` line per box, coordinates normalised to the image size."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

CLASS_NAMES = ("dome", "fixed", "ptz", "pole")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


@dataclass(frozen=True, slots=True)
class YoloBox:
    """One box, normalised: centre x/y, width, height in 0..1."""

    class_id: int
    cx: float
    cy: float
    w: float
    h: float

    @classmethod
    def from_pixels(cls, class_id: int, x1: float, y1: float, x2: float, y2: float, width: float,
                    height: float) -> YoloBox:
        """From a pixel box, clipped to the image."""
        x1, x2 = max(0.0, min(x1, x2)), min(float(width), max(x1, x2))
        y1, y2 = max(0.0, min(y1, y2)), min(float(height), max(y1, y2))
        return cls(class_id, (x1 + x2) / 2 / width, (y1 + y2) / 2 / height, (x2 - x1) / width, (y2 - y1) / height)

    def to_pixels(self, width: float, height: float) -> tuple[float, float, float, float]:
        """(x1, y1, x2, y2) in pixels."""
        return (
            (self.cx - self.w / 2) * width,
            (self.cy - self.h / 2) * height,
            (self.cx + self.w / 2) * width,
            (self.cy + self.h / 2) * height,
        )

    def line(self) -> str:
        return f"{self.class_id} {self.cx:.6f} {self.cy:.6f} {self.w:.6f} {self.h:.6f}"


@dataclass(slots=True)
class LabelledImage:
    """One image (which may not be available locally) and its boxes."""

    name: str  # the image's file name (or key) in its source
    width: int
    height: int
    boxes: list[YoloBox] = field(default_factory=list)
    image: Path | None = None
    source: str = ""


def read_labels(path: Path) -> list[YoloBox]:
    """Boxes of one label file (missing file: no boxes). A malformed line raises ValueError naming the file."""
    if not path.is_file():
        return []
    boxes = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            cls_, cx, cy, w, h = int(parts[0]), *map(float, parts[1:5])
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a YOLO box line: {line!r}") from exc
        boxes.append(YoloBox(cls_, cx, cy, w, h))
    return boxes


def write_labels(path: Path, boxes: list[YoloBox]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(b.line() + "\n" for b in boxes), encoding="utf-8")


def label_path_for(image: Path) -> Path:
    """Ultralytics' convention: the last ``images`` folder of the path becomes ``labels``, suffix ``.txt``."""
    parts = list(image.parts)
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            break
    return Path(*parts).with_suffix(".txt")


def find_images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
