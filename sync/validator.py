"""A hand-written validator of the wire format: the rules of ``schema/camera-feature-v1.json``, in plain Python.

The JSON Schema stays the published contract (other implementations validate against it); the server and the
device run this check instead, which gives the same verdict (a test compares both on a corpus) in a few
microseconds and names the offending field. Errors are ``FeatureError("path/to/field: reason")``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NoReturn

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME_RE = re.compile(
    r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)
SHA256_RE = re.compile(r"[0-9a-f]{64}")
# Control characters (C0, DEL, C1) and lone surrogates: never text (a surrogate cannot even be encoded as UTF-8).
BAD_CHAR_RE = re.compile("[\u0000-\u001f\u007f-\u009f\ud800-\udfff]")
DIRECTION_TAG_RE = re.compile(
    r"[0-9]|[1-9][0-9]|[12][0-9]{2}|3[0-5][0-9]|N|NNE|NE|ENE|E|ESE|SE|SSE|S|SSW|SW|WSW|W|WNW|NW|NNW"
)

CAMERA_TYPES = {"dome": "dome", "fixed": "fixed", "ptz": "panning"}  # ours -> OSM camera:type (as sync/tags.py)
MOUNTS = ("pole", "wall", "ceiling", "unknown")
SURVEILLANCE = ("public", "outdoor", "indoor")
TAG_ENUMS = {
    "camera:type": ("dome", "fixed", "panning"),
    "camera:mount": ("pole", "wall", "ceiling"),
    "surveillance": SURVEILLANCE,
}
ROOT_KEYS = {"type", "id", "geometry", "properties"}
PROPERTY_KEYS = {
    "schema", "uuid", "tags", "camera_type", "mount", "direction", "surveillance", "uncertainty_m", "sightings",
    "review", "walk", "crop", "updated_at",
}  # fmt: skip
REQUIRED_PROPERTIES = ("schema", "uuid", "tags", "camera_type", "mount", "uncertainty_m", "sightings", "review", "walk")
SCHEMA_ID = "sousveillance/camera-feature/v1"


class FeatureError(ValueError):
    """A camera feature does not match the wire schema; the message names the field, then the problem."""

    def __init__(self, field: str, reason: str | None = None):
        super().__init__(field if reason is None else f"{field}: {reason}")
        self.field = None if reason is None else field  # None: a whole-feature problem (not confirmed, no position)
        self.reason = field if reason is None else reason


def _fail(field: str, reason: str) -> NoReturn:
    raise FeatureError(field, reason)


def _object(value: Any, field: str, allowed: set[str], required: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(field, "must be an object")
    for key in required:
        if key not in value:
            _fail(field, f"'{key}' is a required property")
    extra = set(value) - allowed
    if extra:
        _fail(field, f"Additional properties are not allowed ({', '.join(sorted(map(repr, extra)))})")
    return value


def _text(value: Any, field: str, max_len: int, min_len: int = 0) -> str:
    if not isinstance(value, str):
        _fail(field, "must be a string")
    if not min_len <= len(value) <= max_len:
        _fail(field, f"must be {min_len} to {max_len} characters long")
    bad = BAD_CHAR_RE.search(value)
    if bad:
        _fail(field, f"control character or lone surrogate U+{ord(bad.group()):04X} is not allowed")
    return value


def _number(value: Any, field: str, low: float, high: float, *, below_high: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(field, "must be a number")
    if not (low <= value < high if below_high else low <= value <= high):  # NaN fails too
        _fail(field, f"must be between {low:g} and {high:g}{' (exclusive)' if below_high else ''}")
    return float(value)


def _integer(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(field, "must be an integer (written without a fraction or exponent)")
    if not low <= value <= high:
        _fail(field, f"must be between {low} and {high}")
    return value


def _uuid(value: Any, field: str) -> str:
    if not isinstance(value, str) or not UUID_RE.fullmatch(value):
        _fail(field, "must be a lower-case UUID")
    return value


def _time(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) > 40 or not TIME_RE.fullmatch(value):
        _fail(field, "must be an RFC 3339 date-time such as 2026-11-20T10:00:00Z")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        _fail(field, "is not a date that exists in the calendar")
    return value


def _enum(value: Any, field: str, allowed: tuple[Any, ...]) -> Any:
    if value not in allowed or isinstance(value, bool):
        _fail(field, f"must be one of {', '.join(map(repr, allowed))}")
    return value


def _geometry(value: Any) -> None:
    geom = _object(value, "geometry", {"type", "coordinates"}, ("type", "coordinates"))
    if geom["type"] != "Point":
        _fail("geometry/type", "must be 'Point'")
    coords = geom["coordinates"]
    if not isinstance(coords, list) or len(coords) != 2:
        _fail("geometry/coordinates", "must be [longitude, latitude]")
    _number(coords[0], "geometry/coordinates/0", -180, 180)
    _number(coords[1], "geometry/coordinates/1", -90, 90)


def _tags(value: Any, props: dict[str, Any]) -> None:
    field = "properties/tags"
    if not isinstance(value, dict):
        _fail(field, "must be an object")
    if "direction" in value:
        _fail(field + "/direction", "a camera's facing is camera:direction, never direction")
    for key in ("man_made", "surveillance:type"):
        if key not in value:
            _fail(field, f"'{key}' is a required property")
    if len(value) > 20:
        _fail(field, "at most 20 tags")
    for key, tag in value.items():
        _text(key, f"{field} (a key)", 255, 1)
        _text(tag, f"{field}/{key}", 255, 1)
    if value["man_made"] != "surveillance":
        _fail(field + "/man_made", "must be 'surveillance'")
    if value["surveillance:type"] != "camera":
        _fail(field + "/surveillance:type", "must be 'camera'")
    for key, allowed in TAG_ENUMS.items():
        if key in value:
            _enum(value[key], f"{field}/{key}", allowed)
    if "camera:direction" in value and not DIRECTION_TAG_RE.fullmatch(value["camera:direction"]):
        _fail(field + "/camera:direction", "must be whole degrees 0 to 359 or a compass point (N, NNE, ... NNW)")
    osm_type = CAMERA_TYPES.get(props["camera_type"])
    if "camera:type" in value and value["camera:type"] != osm_type:
        _fail(field + "/camera:type", f"contradicts camera_type {props['camera_type']!r} (expected {osm_type!r})")
    if "camera:mount" in value and value["camera:mount"] != props["mount"]:
        _fail(field + "/camera:mount", f"contradicts mount {props['mount']!r}")


def _crop(value: Any) -> None:
    if value is None:
        return
    crop = _object(value, "properties/crop", {"path", "sha256", "bytes"}, ("sha256", "bytes"))
    if "path" in crop:
        _text(crop["path"], "properties/crop/path", 500)
    if not isinstance(crop["sha256"], str) or not SHA256_RE.fullmatch(crop["sha256"]):
        _fail("properties/crop/sha256", "must be 64 lower-case hex digits")
    _integer(crop["bytes"], "properties/crop/bytes", 1, 2097152)


def check_feature(feature: Any) -> dict[str, Any]:
    """Return ``feature`` when it is a valid wire feature, else raise ``FeatureError`` naming the first problem."""
    root = _object(feature, "(root)", ROOT_KEYS, ("type", "id", "geometry", "properties"))
    if root["type"] != "Feature":
        _fail("type", "must be 'Feature'")
    _uuid(root["id"], "id")
    _geometry(root["geometry"])
    props = _object(root["properties"], "properties", PROPERTY_KEYS, REQUIRED_PROPERTIES)
    if props["schema"] != SCHEMA_ID:
        _fail("properties/schema", f"must be {SCHEMA_ID!r}")
    _uuid(props["uuid"], "properties/uuid")
    _enum(props["camera_type"], "properties/camera_type", tuple(CAMERA_TYPES))
    _enum(props["mount"], "properties/mount", MOUNTS)
    _tags(props["tags"], props)
    if props.get("direction") is not None:
        _number(props["direction"], "properties/direction", 0, 360, below_high=True)
    if props.get("surveillance") is not None:
        _enum(props["surveillance"], "properties/surveillance", SURVEILLANCE)
    _number(props["uncertainty_m"], "properties/uncertainty_m", 0, 10000)
    _integer(props["sightings"], "properties/sightings", 0, 1000000)
    review_keys = ("state", "reviewer", "reviewed_at")
    review = _object(props["review"], "properties/review", set(review_keys), review_keys)
    if review["state"] != "confirmed":
        _fail("properties/review/state", "must be 'confirmed' (only confirmed cameras leave the device)")
    _text(review["reviewer"], "properties/review/reviewer", 200)
    _time(review["reviewed_at"], "properties/review/reviewed_at")
    walk_keys = ("uuid", "device_id", "model", "model_version")
    walk = _object(props["walk"], "properties/walk", set(walk_keys), walk_keys)
    _uuid(walk["uuid"], "properties/walk/uuid")
    for key in walk_keys[1:]:
        _text(walk[key], f"properties/walk/{key}", 200)
    _crop(props.get("crop", None))
    if props.get("updated_at") is not None:
        _time(props["updated_at"], "properties/updated_at")
    if root["id"] != props["uuid"]:
        _fail("properties/uuid", "differs from the feature id")
    return feature
