"""The hand-written wire validator and the published JSON Schema give the same verdict on a corpus of payloads.

Two independent JSON Schema implementations are the reference: jsonschema_rs (Rust, checks ``format: date-time``)
and jsonschema (Python, formats off). The few rules JSON Schema cannot say are listed in the schema's ``$comment``;
for those the schema accepts and only the validator refuses, and the test holds both to exactly that.
"""

from __future__ import annotations

import copy
import hashlib

import pytest
from sync_helpers import build_feature

from sousveillance.sync.validator import FeatureError, check_feature
from sousveillance.sync.wire import CropRef, schema

jsonschema_rs = pytest.importorskip("jsonschema_rs", reason="jsonschema_rs comes with schemathesis (test extra)")
jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")

UUID = "0b7c6d2e-4a51-4f1e-9d1a-2f6a8c3e5b10"


def _base(**kw) -> dict:
    return build_feature(48.85, 2.30, kw.pop("camera_type", "fixed"), direction=kw.pop("direction", 90.0), **kw)


def _with_crop() -> dict:
    data = b"\xff\xd8\xff" + bytes(100)
    ref = CropRef(None, "crops/1/a.jpg", hashlib.sha256(data).hexdigest(), len(data))  # type: ignore[arg-type]
    return _base(crop=ref)


def _minimal() -> dict:
    f = _base(camera_type="dome", direction=None, surveillance=None, mount="unknown")
    for key in ("direction", "surveillance", "crop", "updated_at"):
        f["properties"].pop(key, None)
    return f


def _mut(path: str, value: object, base=None):
    """A copy of a valid feature with the value at ``a/b/c`` set (``...`` deletes it)."""

    def make() -> dict:
        f = copy.deepcopy(base() if base else _base())
        *parents, last = path.split("/")
        node = f
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is ...:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
        return f

    return make


VALID = {
    "fixed camera with facing": _base,
    "dome, nothing optional": _minimal,
    "with a crop": _with_crop,
    "ptz as panning": lambda: _base(camera_type="ptz", direction=None),
    "compass point facing": _mut("properties/tags/camera:direction", "NNE"),
    "offset time": _mut("properties/review/reviewed_at", "2026-11-20T11:00:00.5+01:00"),
    "leap day": _mut("properties/review/reviewed_at", "2028-02-29T23:59:59Z"),
    "direction 359.9": _mut("properties/direction", 359.9),
    "unicode reviewer": _mut("properties/review/reviewer", "Zoë \u202e \U0001f4f7"),
    "extra OSM tag": _mut("properties/tags/operator", "Ville de Paris"),
}
INVALID = {
    "impossible date": _mut("properties/review/reviewed_at", "9999-99-99T99:99:99Z"),
    "hour 24": _mut("properties/review/reviewed_at", "2026-11-20T24:00:00Z"),
    "30 February": _mut("properties/updated_at", "2026-02-30T10:00:00Z"),
    "no time zone": _mut("properties/review/reviewed_at", "2026-11-20T10:00:00"),
    "facing tag 360": _mut("properties/tags/camera:direction", "360"),
    "facing tag -5": _mut("properties/tags/camera:direction", "-5"),
    "facing tag decimal": _mut("properties/tags/camera:direction", "12.5"),
    "facing tag word": _mut("properties/tags/camera:direction", "east"),
    "facing tag padded": _mut("properties/tags/camera:direction", "090"),
    "facing 360": _mut("properties/direction", 360),
    "facing negative": _mut("properties/direction", -1),
    "facing as text": _mut("properties/direction", "90"),
    "type contradicts": _mut("properties/tags/camera:type", "dome"),
    "ptz tagged fixed": _mut("properties/tags/camera:type", "fixed", lambda: _base(camera_type="ptz")),
    "mount contradicts": _mut("properties/tags/camera:mount", "pole"),
    "mount unknown but tagged": _mut("properties/mount", "unknown"),
    "sightings as text": _mut("properties/sightings", "4"),
    "sightings fraction": _mut("properties/sightings", 4.5),
    "sightings boolean": _mut("properties/sightings", True),
    "sightings negative": _mut("properties/sightings", -1),
    "NUL in a tag": _mut("properties/tags/note", "a\u0000b"),
    "newline in a tag": _mut("properties/tags/note", "a\nb"),
    "C1 control in a tag": _mut("properties/tags/note", "a\u0085b"),
    "control in a tag key": _mut("properties/tags/no\u0007te", "x"),
    "NUL in reviewer": _mut("properties/review/reviewer", "alice\u0000"),
    "empty tag value": _mut("properties/tags/note", ""),
    "plain direction tag": _mut("properties/tags/direction", "90"),
    "longitude 200": _mut("geometry/coordinates/0", 200.0),
    "latitude as text": _mut("geometry/coordinates/1", "48.85"),
    "pending review": _mut("properties/review/state", "pending"),
    "unknown property": _mut("properties/home_address", "somewhere"),
    "missing sightings": _mut("properties/sightings", ...),
    "missing man_made": _mut("properties/tags/man_made", ...),
    "upper-case uuid": _mut("id", UUID.upper()),
    "bad crop hash": _mut("properties/crop/sha256", "abc", _with_crop),
    "crop too big": _mut("properties/crop/bytes", 3_000_000, _with_crop),
    "too many tags": _mut("properties/tags", {"man_made": "surveillance", "surveillance:type": "camera",
                                              **{f"k{i}": "v" for i in range(20)}}),
}  # fmt: skip
# The rules JSON Schema cannot say (the schema's $comment): its validators accept these, ours refuses them.
BEYOND_SCHEMA = {
    "id differs from uuid": _mut("id", UUID),
    "sightings 4.0": _mut("properties/sightings", 4.0),
    "crop bytes 100.0": _mut("properties/crop/bytes", 104.0, _with_crop),
    "lone surrogate in a tag": _mut("properties/tags/note", "a\ud800"),
    "lone surrogate in reviewer": _mut("properties/review/reviewer", "\udfffalice"),
}


def _ours(feature: dict) -> str | None:
    try:
        check_feature(feature)
    except FeatureError as exc:
        return exc.field or "?"
    return None


def _rs(feature: dict) -> bool | None:
    """jsonschema_rs's verdict, or None when the payload cannot even be handed to it (a lone surrogate)."""
    try:
        return jsonschema_rs.validator_for(schema(), validate_formats=True).is_valid(feature)
    except UnicodeEncodeError:
        return None


def _py(feature: dict) -> bool:
    return jsonschema.Draft202012Validator(schema()).is_valid(feature)


@pytest.mark.parametrize("name", VALID)
def test_valid_payloads_pass_both(name):
    feature = VALID[name]()
    assert _ours(feature) is None
    assert _rs(feature) is True and _py(feature) is True


@pytest.mark.parametrize("name", INVALID)
def test_invalid_payloads_fail_both_and_name_the_field(name):
    feature = INVALID[name]()
    field = _ours(feature)
    assert field is not None, "the validator accepted it"
    assert field.startswith(("properties", "geometry", "id", "(root)"))
    assert _rs(feature) is False
    if name != "30 February":  # jsonschema (Python) checks no formats
        assert _py(feature) is False


@pytest.mark.parametrize("name", BEYOND_SCHEMA)
def test_rules_beyond_json_schema_are_the_validators_alone(name):
    feature = BEYOND_SCHEMA[name]()
    assert _ours(feature) is not None
    assert _rs(feature) in (True, None) and _py(feature) is True


def test_the_error_names_the_field_that_is_wrong():
    with pytest.raises(FeatureError) as err:
        check_feature(INVALID["impossible date"]())
    assert err.value.field == "properties/review/reviewed_at"
    assert str(err.value).startswith("properties/review/reviewed_at: ")
    with pytest.raises(FeatureError) as err:
        check_feature(INVALID["type contradicts"]())
    assert err.value.field == "properties/tags/camera:type" and "camera_type" in err.value.reason
