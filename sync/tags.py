"""OpenStreetMap tags for a reviewed camera: the one place that maps our fields to OSM's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Our camera_type -> OSM camera:type (https://wiki.openstreetmap.org/wiki/Key:camera:type).
CAMERA_TYPE_TO_OSM = {"dome": "dome", "fixed": "fixed", "ptz": "panning"}
MOUNTS = {"pole", "wall", "ceiling"}


def osm_tags(camera: Mapping[str, Any]) -> dict[str, str]:
    """Tags for one row of the ``cameras`` table (or any mapping with the same keys).

    Always ``man_made=surveillance`` + ``surveillance:type=camera``; ``camera:type``, ``camera:mount``,
    ``camera:direction`` (never plain ``direction``) and ``surveillance`` only when known.
    """
    tags = {"man_made": "surveillance", "surveillance:type": "camera"}
    osm_type = CAMERA_TYPE_TO_OSM.get(camera.get("camera_type") or "")
    if osm_type:
        tags["camera:type"] = osm_type
    mount = camera.get("mount")
    if mount in MOUNTS:
        tags["camera:mount"] = mount
    direction = camera.get("direction")
    if direction is not None:
        tags["camera:direction"] = str(int(round(float(direction))) % 360)
    if camera.get("surveillance") in ("public", "outdoor", "indoor"):
        tags["surveillance"] = camera["surveillance"]
    return tags
