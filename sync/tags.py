"""OpenStreetMap tags for a reviewed camera: the one place that maps our fields to OSM's."""

from __future__ import annotations

# Our camera_type -> OSM camera:type (https://wiki.openstreetmap.org/wiki/Key:camera:type).
CAMERA_TYPE_TO_OSM = {"dome": "dome", "fixed": "fixed", "ptz": "panning"}
MOUNTS = {"pole", "wall", "ceiling"}


def osm_tags(camera_type: str | None, mount: str | None = None, direction: float | None = None,
             surveillance: str | None = None, check_date: str | None = None) -> dict[str, str]:
    """Tags for one reviewed camera.

    Always ``man_made=surveillance`` + ``surveillance:type=camera``; ``camera:type``, ``camera:mount``,
    ``camera:direction`` (never plain ``direction``), ``surveillance`` and ``check_date`` (a camera already in
    OpenStreetMap that a reviewer saw again) only when known.
    """
    tags = {"man_made": "surveillance", "surveillance:type": "camera"}
    osm_type = CAMERA_TYPE_TO_OSM.get(camera_type or "")
    if osm_type:
        tags["camera:type"] = osm_type
    if mount in MOUNTS:
        tags["camera:mount"] = mount
    if direction is not None:
        tags["camera:direction"] = str(int(round(float(direction))) % 360)
    if surveillance in ("public", "outdoor", "indoor"):
        tags["surveillance"] = surveillance
    if check_date:
        tags["check_date"] = str(check_date)[:10]
    return tags
