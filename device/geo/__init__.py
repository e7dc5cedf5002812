"""Geolocation: bearings through the lens, camera positions, de-duplication of tracks.

The survey loop uses ``bearing_to`` for each sighting, ``default_locator(profile).locate(...)`` when a track ends,
and ``finalize_walk(store, walk_id, params)`` when the walk ends; the review view uses ``unmerge``. The geometry
is pure: ``placement.place_walk(fixes, sightings, cameras, profile, params)`` (built on ``walk.WalkGeometry``,
``triangulate`` for rays, ``dedupe`` for merges, ``attributes`` for facing and mount); ``finalize`` reads and
writes through the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..geodesy import offset
from .lens import PROFILES, CameraProfile, bearing_to, lens_profile, profile_for, walk_profile
from .locator import Locator, RangeLocator
from .settings import GeoSettings

if TYPE_CHECKING:
    from .triangulate import TriangulatingLocator
    from .walk import FinalizeReport


def default_locator(profile: CameraProfile | None = None) -> TriangulatingLocator:
    """The locator the survey loop uses when a track ends: triangulation, falling back to the range estimate."""
    from .triangulate import TriangulatingLocator

    return TriangulatingLocator(profile)


def finalize_walk(store: Any, walk_id: int, params: GeoSettings | None = None) -> FinalizeReport:
    """Re-place, de-duplicate and annotate all cameras of a finished walk (see ``finalize.finalize_walk``)."""
    from .finalize import finalize_walk as run

    return run(store, walk_id, params)


def unmerge(store: Any, camera_id: int, params: GeoSettings | None = None) -> list[int]:
    """Undo a de-duplication merge (see ``finalize.unmerge``)."""
    from .finalize import unmerge as run

    return run(store, camera_id, params)


__all__ = [
    "PROFILES", "CameraProfile", "GeoSettings", "bearing_to", "lens_profile", "profile_for", "walk_profile",
    "Locator", "RangeLocator", "offset", "default_locator", "finalize_walk", "unmerge",
]
