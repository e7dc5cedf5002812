"""A built basemap file (GeoJSON): its street shapes for the map, its already-mapped cameras for the review.

The file is what ``sousveillance basemap build`` writes: a FeatureCollection whose features carry ``kind`` (street,
major, footway, building, surveillance); surveillance features are OpenStreetMap's ``man_made=surveillance`` nodes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..geodesy import distance_m

log = logging.getLogger(__name__)

NEAR_M = 15.0  # a camera this close to a mapped one is "already in OSM"
KINDS = ("street", "major", "footway", "building", "surveillance")


class BasemapError(Exception):
    """The basemap cannot be built or read (one-line message)."""


@dataclass(frozen=True, slots=True)
class MappedCamera:
    """A camera already in OpenStreetMap."""

    id: int
    latitude: float
    longitude: float
    tags: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "latitude": self.latitude, "longitude": self.longitude, "tags": self.tags}


@dataclass(frozen=True, slots=True)
class Basemap:
    path: Path
    body: bytes  # the file as served to the page
    cameras: tuple[MappedCamera, ...]
    shapes: int

    @classmethod
    def load(cls, path: str | Path) -> Basemap:
        path = Path(path).expanduser()
        try:
            body = path.read_bytes()
            data = json.loads(body)
            features = data["features"]
            if data.get("type") != "FeatureCollection" or not isinstance(features, list):
                raise ValueError("not a FeatureCollection")
        except OSError as exc:
            raise BasemapError(f"cannot read the basemap {path}: {exc.strerror or exc}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise BasemapError(f"{path} is not a basemap GeoJSON file ({exc}): build one with "
                               "`sousveillance basemap build`") from None
        cameras = []
        for f in features:
            props = f.get("properties") or {}
            if props.get("kind") == "surveillance" and (f.get("geometry") or {}).get("type") == "Point":
                lon, lat = f["geometry"]["coordinates"][:2]
                cameras.append(MappedCamera(int(props.get("osm_id", 0)), float(lat), float(lon),
                                            dict(props.get("tags") or {})))
        log.info("basemap %s: %d shapes, %d mapped camera(s)", path.name, len(features) - len(cameras), len(cameras))
        return cls(path, body, tuple(cameras), len(features) - len(cameras))

    def nearest(
        self, latitude: float | None, longitude: float | None, within_m: float = NEAR_M
    ) -> dict[str, Any] | None:
        """The closest mapped camera within ``within_m`` of a point, as ``{id, distance_m}``, or None."""
        if latitude is None or longitude is None:
            return None
        best: tuple[float, MappedCamera] | None = None
        for cam in self.cameras:
            if abs(cam.latitude - latitude) > 0.001 or abs(cam.longitude - longitude) > 0.002:
                continue
            d = distance_m(latitude, longitude, cam.latitude, cam.longitude)
            if d <= within_m and (best is None or d < best[0]):
                best = (d, cam)
        return {"id": best[1].id, "distance_m": round(best[0], 1)} if best else None
