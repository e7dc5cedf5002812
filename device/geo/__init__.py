"""Geolocation: bearings through the lens, camera positions, de-duplication of tracks.

The survey loop uses ``bearing_to`` for each sighting, ``default_locator(profile).locate(...)`` when a track ends,
and ``finalize_walk(store, walk_id, profile)`` when the walk ends; the review view uses ``unmerge`` and
``group_sightings``. Heavy lifting lives in ``triangulate`` (rays), ``dedupe`` (merges), ``attributes`` (facing,
mount) and ``walk``/``finalize`` (the database side).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .lens import PROFILES, CameraProfile, bearing_to, profile_for
from .locator import Locator, RangeLocator, offset

if TYPE_CHECKING:
    from ..store import SightingRow
    from .triangulate import TriangulatingLocator


def default_locator(profile: CameraProfile | None = None) -> "TriangulatingLocator":
    """The locator the survey loop uses when a track ends: triangulation, falling back to the range estimate."""
    from ..store import SightingRow
    from .triangulate import TriangulatingLocator

    return TriangulatingLocator(profile)


def finalize_walk(store: Any, walk_id: int, profile: CameraProfile | None = None, **kwargs: Any):
    """Re-place, de-duplicate and annotate all cameras of a finished walk (see ``finalize.finalize_walk``)."""
    from .finalize import finalize_walk as run

    return run(store, walk_id, profile, **kwargs)


def unmerge(store: Any, camera_id: int, profile: CameraProfile | None = None) -> list[int]:
    """Undo a de-duplication merge (see ``finalize.unmerge``)."""
    from .finalize import unmerge as run

    return run(store, camera_id, profile)


def group_sightings(store: Any, camera_id: int) -> list["SightingRow"]:
    """A kept camera's sightings including those of rows merged into it."""
    from .finalize import group_sightings as run

    return run(store, camera_id)


__all__ = [
    "PROFILES", "CameraProfile", "bearing_to", "profile_for", "Locator", "RangeLocator", "offset",
    "default_locator", "finalize_walk", "unmerge", "group_sightings",
]
