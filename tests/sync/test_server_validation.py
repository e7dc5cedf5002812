"""Hostile submissions over real HTTP: each gets a 422 naming the field and writes nothing; a client that hangs
up mid-request costs one log line, not a traceback."""

from __future__ import annotations

import json
import logging
import socket
import time

import httpx
import pytest

A = (48.86, 2.35)


def _put(live, token, feat, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(feat).encode()
    return httpx.put(
        f"{live.url}/api/v1/cameras/{feat['id']}",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def _set(feat: dict, path: str, value: object) -> dict:
    *parents, last = path.split("/")
    node = feat
    for key in parents:
        node = node[key]
    node[last] = value
    return feat


CASES = [
    ("properties/review/reviewed_at", "9999-99-99T99:99:99Z", "properties/review/reviewed_at"),
    ("properties/updated_at", "2026-02-30T10:00:00Z", "properties/updated_at"),
    ("properties/tags/camera:direction", "400", "properties/tags/camera:direction"),
    ("properties/tags/camera:direction", "north-ish", "properties/tags/camera:direction"),
    ("properties/direction", 720.0, "properties/direction"),
    ("properties/direction", "east", "properties/direction"),
    ("properties/tags/camera:type", "dome", "properties/tags/camera:type"),  # the camera_type is ptz
    ("properties/sightings", 4.0, "properties/sightings"),
    ("properties/sightings", "4", "properties/sightings"),
    ("properties/tags/note", "nul\u0000here", "properties/tags/note"),
    ("properties/tags/note", "bell\u0007", "properties/tags/note"),
    ("properties/tags/note", "half\ud83d", "properties/tags/note"),  # a lone surrogate
    ("properties/review/reviewer", "\udc00alice", "properties/review/reviewer"),
]


@pytest.mark.parametrize("path,value,field", CASES, ids=[f"{c[0].split('/')[-1]}={c[1]!r}"[:40] for c in CASES])
def test_hostile_values_get_422_naming_the_field_and_write_nothing(live, feature, path, value, field):
    token = live.repo.add_device("alice")
    feat = _set(feature(*A, "ptz"), path, value)
    response = _put(live, token, feat)  # json.dumps escapes a lone surrogate as \\udXXX: valid JSON text
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_feature" and body["field"] == field and body["detail"].startswith(field)
    assert live.repo.counts()["submissions"] == 0
    # what was refused is not there: the device's own read of that camera is a clean 404, never a 500
    got = httpx.get(f"{live.url}/api/v1/cameras/{feat['id']}", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 404


def test_the_same_camera_with_valid_values_is_accepted(live, feature):
    """The baseline of the cases above: the builder's feature with plausible values goes in."""
    token = live.repo.add_device("alice")
    feat = feature(*A, "ptz", direction=359.5)
    feat["properties"]["tags"]["note"] = "caméra sur le mât, côté rue"
    assert _put(live, token, feat).status_code == 201


def test_a_client_that_hangs_up_mid_body_is_one_log_line(live, feature, caplog):
    token = live.repo.add_device("alice")
    feat = feature(*A)
    body = json.dumps(feat).encode()
    head = (
        f"PUT /api/v1/cameras/{feat['id']} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    caplog.set_level(logging.INFO)
    with socket.create_connection(("127.0.0.1", live.port)) as sock:
        sock.sendall(head + body[: len(body) // 2])
        time.sleep(0.3)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any("went away" in r.getMessage() for r in caplog.records):
        time.sleep(0.05)
    gone = [r for r in caplog.records if "went away" in r.getMessage()]
    assert len(gone) == 1 and gone[0].exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert live.repo.counts()["submissions"] == 0
    assert _put(live, token, feat).status_code == 201  # the server is fine, the camera goes in on a retry
