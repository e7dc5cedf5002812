"""Which sightings of one camera look like another object: flagged in the strip, never shown as the same camera.

A tracker can hop from one object to a neighbour (a pole bullet, then a wall bullet, then a dome). A sighting is
flagged when the detector named it a class that is a minority in the track and differs from the camera's type, or
when its box's shape is far from the track's typical shape.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence

from ..store import SightingRow

MINORITY = 1 / 3  # a class seen in less than this share of the track's sightings is suspicious
ASPECT_RATIO_LIMIT = 2.0  # a box this much wider (or taller) than the track's median shape is suspicious


def _aspect(s: SightingRow) -> float | None:
    if None in (s.x1, s.y1, s.x2, s.y2):
        return None
    w, h = s.x2 - s.x1, s.y2 - s.y1
    return w / h if w > 0 and h > 0 else None


def flags(sightings: Sequence[SightingRow], camera_type: str) -> dict[int, str]:
    """``{sighting id: reason}`` for the sightings of one track that disagree with it."""
    if len(sightings) < 3:
        return {}
    classes = Counter(s.class_name for s in sightings)
    aspects = [a for a in (_aspect(s) for s in sightings) if a is not None]
    median = statistics.median(aspects) if aspects else None
    out: dict[int, str] = {}
    for s in sightings:
        name = s.class_name
        if name and name != camera_type and classes[name] / len(sightings) < MINORITY:
            out[s.id] = f"seen as {name}, the camera is {camera_type}"
            continue
        aspect = _aspect(s)
        if median and aspect and max(aspect / median, median / aspect) > ASPECT_RATIO_LIMIT:
            out[s.id] = "box shape unlike the camera's other sightings"
    return out
