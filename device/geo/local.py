"""A local metric frame (east, north in metres) centred on a walk, through pyproj's azimuthal equidistant projection.

Geometry code works in this frame; the database and the wire stay in WGS84 latitude/longitude.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=64)
def _transformers(lat0: float, lon0: float) -> tuple[object, object]:
    from pyproj import CRS, Transformer  # noqa: PLC0415

    local = CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs")
    return (Transformer.from_crs("EPSG:4326", local, always_xy=True),
            Transformer.from_crs(local, "EPSG:4326", always_xy=True))


@dataclass(frozen=True, slots=True)
class LocalPoint:
    """A point in the local frame: metres east and north of the frame's centre."""

    east: float
    north: float


@dataclass(slots=True)
class LocalFrame:
    """East/north metres around ``(lat0, lon0)``; distortion is below 1 mm per km within a few km."""

    lat0: float
    lon0: float
    _fwd: object = field(init=False, repr=False)
    _inv: object = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._fwd, self._inv = _transformers(self.lat0, self.lon0)

    @classmethod
    def around(cls, latitudes: Sequence[float], longitudes: Sequence[float]) -> "LocalFrame":
        """A frame centred near the mean of some points (a walk's positions), on a 0.001° grid so that the
        survey loop's many frames in one street share one pair of pyproj transformers (building one takes ~10 ms)."""
        if len(latitudes) == 0:
            raise ValueError("a local frame needs at least one position")
        return cls(round(float(np.mean(latitudes)), 3), round(float(np.mean(longitudes)), 3))

    def to_local(self, lat: float | np.ndarray, lon: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(east, north) in metres; accepts scalars or arrays."""
        e, n = self._fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(e), np.asarray(n)

    def to_wgs84(self, east: float | np.ndarray, north: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(latitude, longitude) in degrees; accepts scalars or arrays."""
        lon, lat = self._inv.transform(np.asarray(east, dtype=float), np.asarray(north, dtype=float))
        return np.asarray(lat), np.asarray(lon)

    def point(self, lat: float, lon: float) -> LocalPoint:
        e, n = self.to_local(lat, lon)
        return LocalPoint(float(e), float(n))

    def distance_m(self, lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        e1, n1 = self.to_local(lat1, lon1)
        e2, n2 = self.to_local(lat2, lon2)
        return float(math.hypot(float(e1) - float(e2), float(n1) - float(n2)))


def unit(bearing_deg: float | np.ndarray) -> np.ndarray:
    """Unit vector(s) (east, north) of compass bearing(s) in degrees; shape (..., 2)."""
    b = np.radians(np.asarray(bearing_deg, dtype=float))
    return np.stack([np.sin(b), np.cos(b)], axis=-1)


def bearing_of(de: float | np.ndarray, dn: float | np.ndarray) -> np.ndarray:
    """Compass bearing in degrees [0, 360) of displacement(s) (east, north)."""
    return np.degrees(np.arctan2(de, dn)) % 360.0


def angle_diff(a: float | np.ndarray, b: float | np.ndarray) -> np.ndarray:
    """Signed smallest difference a - b in degrees, in [-180, 180)."""
    return (np.asarray(a, dtype=float) - np.asarray(b, dtype=float) + 180.0) % 360.0 - 180.0
