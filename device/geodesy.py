"""Geodesy, once for the whole project: distances, bearings and a local metric frame around a walk.

WGS84 latitude/longitude everywhere outside geometry code; inside it, a local frame in metres (east, north):
``LocalFrame`` (pyproj's azimuthal equidistant projection, distortion below 1 mm per km within a few km) for the
end-of-walk geometry, ``local_offset_m`` (equirectangular, exact to millimetres over a few metres, cheap enough
for every frame) for the live track. ``distance_m`` is the great-circle (haversine) distance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
METRES_PER_DEGREE = 111_320.0  # of latitude, and of longitude at the equator (pre-filters only)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def offset(lat: float, lon: float, bearing_deg: float, distance: float) -> tuple[float, float]:
    """Point ``distance`` metres from (lat, lon) along a bearing (spherical; exact enough below a few km)."""
    d = distance / EARTH_RADIUS_M
    b = math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0


def local_offset_m(lat0: float, lon0: float, lat1: float, lon1: float) -> tuple[float, float]:
    """East and north metres from point 0 to point 1 (local flat frame; fine up to a few kilometres)."""
    mean_lat = math.radians((lat0 + lat1) / 2.0)
    dlon = (lon1 - lon0 + 540.0) % 360.0 - 180.0
    east = math.radians(dlon) * EARTH_RADIUS_M * math.cos(mean_lat)
    north = math.radians(lat1 - lat0) * EARTH_RADIUS_M
    return east, north


def move(lat: float, lon: float, east: float, north: float) -> tuple[float, float]:
    """The point ``east``/``north`` metres from lat/lon."""
    dlat = math.degrees(north / EARTH_RADIUS_M)
    dlon = math.degrees(east / (EARTH_RADIUS_M * max(math.cos(math.radians(lat)), 1e-9)))
    return lat + dlat, lon + dlon


def bbox(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) around a point: a cheap pre-filter before exact distances."""
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(0.01, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def bearing_deg(east: float, north: float) -> float:
    """Compass bearing in degrees [0, 360) of a displacement (scalar)."""
    return math.degrees(math.atan2(east, north)) % 360.0


def unit(bearing: float | np.ndarray) -> np.ndarray:
    """Unit vector(s) (east, north) of compass bearing(s) in degrees; shape (..., 2)."""
    b = np.radians(np.asarray(bearing, dtype=float))
    return np.stack([np.sin(b), np.cos(b)], axis=-1)


def bearing_of(de: float | np.ndarray, dn: float | np.ndarray) -> np.ndarray:
    """Compass bearing in degrees [0, 360) of displacement(s) (east, north)."""
    return np.degrees(np.arctan2(de, dn)) % 360.0


def angle_diff(a: float | np.ndarray, b: float | np.ndarray) -> np.ndarray:
    """Signed smallest difference a - b in degrees, in [-180, 180)."""
    return (np.asarray(a, dtype=float) - np.asarray(b, dtype=float) + 180.0) % 360.0 - 180.0


@lru_cache(maxsize=64)
def _transformers(lat0: float, lon0: float) -> tuple[object, object]:
    from pyproj import CRS, Transformer

    local = CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs")
    return (
        Transformer.from_crs("EPSG:4326", local, always_xy=True),
        Transformer.from_crs(local, "EPSG:4326", always_xy=True),
    )


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
    _fwd: Any = field(init=False, repr=False)  # pyproj Transformers
    _inv: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._fwd, self._inv = _transformers(self.lat0, self.lon0)

    @classmethod
    def around(cls, latitudes: Sequence[float], longitudes: Sequence[float]) -> LocalFrame:
        """A frame centred near the mean of some points (a walk's positions), on a 0.001° grid so that the
        survey loop's many frames in one street share one pair of pyproj transformers (building one takes ~10 ms)."""
        if len(latitudes) == 0:
            raise ValueError("a local frame needs at least one position")
        return cls(round(float(np.mean(latitudes)), 3), round(float(np.mean(longitudes)), 3))

    def to_local(self, lat: float | Sequence[float] | np.ndarray,
                 lon: float | Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
