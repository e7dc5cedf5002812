"""Typed values passed between the survey stages (see ../shared/DESIGN.md "Vocabulary").

Time: every ``Frame`` and ``Fix`` carries ``t``, seconds on one monotonic timeline shared by the frame source and
the GPS source of a walk (live: ``time.monotonic()``; replay: seconds since the start of the video), and ``utc`` when
it is known. Fixes are interpolated to frame time on ``t``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

CAMERA_CLASSES = ("dome", "fixed", "ptz")
POLE_CLASS = "pole"
CLASS_NAMES = (*CAMERA_CLASSES, POLE_CLASS)  # the detector's class order: 0 dome, 1 fixed, 2 ptz, 3 pole
MOUNTS = ("pole", "wall", "ceiling", "unknown")
REVIEW_STATES = ("pending", "confirmed", "rejected")


@dataclass(frozen=True, slots=True)
class Frame:
    """One image: BGR uint8 HxWx3, its index in the walk and its capture time."""

    image: np.ndarray
    index: int
    t: float
    utc: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True, slots=True)
class Fix:
    """One GPS reading. ``eph`` is the horizontal error estimate in metres; ``mode`` 0/1 = no fix, 2 = 2D, 3 = 3D."""

    t: float
    utc: datetime | None
    latitude: float
    longitude: float
    altitude: float | None = None
    course: float | None = None  # degrees clockwise from true north, as reported by the receiver
    speed: float | None = None  # metres per second
    eph: float | None = None
    mode: int = 3


@dataclass(frozen=True, slots=True)
class Position:
    """Where the walker was at one instant (interpolated from fixes), with the heading of travel."""

    latitude: float
    longitude: float
    heading: float | None  # degrees clockwise from north, smoothed over the last metres; None when unknown
    eph: float | None = None
    utc: datetime | None = None


def box_iou(a: Any, b: Any) -> float:
    """Intersection over union of two boxes given by ``x1, y1, x2, y2`` attributes (``Box``, ``Detection``)."""
    ix = max(0.0, min(a.x2, b.x2) - max(a.x1, b.x1))
    iy = max(0.0, min(a.y2, b.y2) - max(a.y1, b.y1))
    inter = ix * iy
    union = max(0.0, a.x2 - a.x1) * max(0.0, a.y2 - a.y1) + max(0.0, b.x2 - b.x1) * max(0.0, b.y2 - b.y1) - inter
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Box:
    """A pixel box (x2/y2 exclusive), without class or confidence."""

    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)

    def iou(self, other: Any) -> float:
        return box_iou(self, other)

    def as_list(self) -> list[float]:
        return [round(self.x1, 2), round(self.y1, 2), round(self.x2, 2), round(self.y2, 2)]


@dataclass(frozen=True, slots=True)
class Detection(Box):
    """One box from the detector, in pixels of the full frame."""

    confidence: float
    class_id: int
    class_name: str

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x1 + self.x2) / 2.0, (self.y1 + self.y2) / 2.0)

    def moved(self, dx: float, dy: float) -> Detection:
        """The same detection ``dx``, ``dy`` pixels further (into a frame from a tile, or with the picture)."""
        return Detection(self.x1 + dx, self.y1 + dy, self.x2 + dx, self.y2 + dy, self.confidence, self.class_id,
                         self.class_name)


@dataclass(slots=True)
class Sighting:
    """One detection that belongs to a track, with where the walker was and the bearing to the object."""

    track_id: int
    frame_index: int
    t: float
    utc: datetime | None
    detection: Detection
    frame_width: int
    frame_height: int
    position: Position | None  # None when there was no GPS fix at frame time
    bearing: float | None  # degrees clockwise from north, walker -> object; None without heading
    id: int | None = None  # row id once stored


@dataclass(frozen=True, slots=True)
class Located:
    """A camera position estimate in WGS84 with a 1-sigma-ish radius in metres."""

    latitude: float
    longitude: float
    uncertainty_m: float
    method: str  # "range" (walker + bearing + size-based range), "triangulation", "walker"
