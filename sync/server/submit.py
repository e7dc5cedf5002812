"""The device's submission, ``PUT /api/v1/cameras/{uuid}``: checked in order (token, media type, size, JSON, wire
rules, id), then one hop to the writer. The hottest request of the server, so it is answered by ``SubmitFastPath``,
a plain ASGI middleware in front of the router: same checks, same answers, without the routing, request and
response objects per call (about a third of what the rest of the app costs a request). A malformed UUID and
every other request go on to the Starlette app.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from ..wire import FeatureError, validate_feature
from .auth import bearer, check, hash_token
from .errors import ApiError, AuthError, Refusal
from .repo import Repository
from .writer import WriteFailed
from .writes import PutResult

log = logging.getLogger(__name__)

MAX_FEATURE_BYTES = 64 * 1024
JSON_TYPES = ("application/json", "application/geo+json")
DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII digits only: str.isdigit() also takes '²'
CAMERA_PATH = re.compile(r"/api/v1/cameras/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


class Gone(Exception):
    """The client closed the connection before its request was read: nothing to answer."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # built once: NaN and Infinity are not JSON


async def authorize(repo: Repository, authorization: str) -> str:
    """The caller's token hash, checked before the body is read (from memory once the token was seen)."""
    token = bearer(authorization)
    if not token:
        raise AuthError(401, "missing_token", "send 'Authorization: Bearer <device token>'")
    digest = hash_token(token)
    known = repo.tokens.cached(digest)
    if known is not None:
        check(known)
    else:
        await run_in_threadpool(repo.authenticate_hash, digest)
    return digest


def check_head(content_type: str, length: str | None, limit: int, types: tuple[str, ...]) -> None:
    if content_type.split(";")[0].strip().lower() not in types:
        raise ApiError(415, "unsupported_media_type", f"send Content-Type {' or '.join(types)}")
    if length is not None and (not DIGITS.fullmatch(length) or int(length) > limit):
        raise ApiError(413, "too_large", f"body larger than {limit} bytes")


def parse_feature(body: bytes, uuid: str) -> dict[str, Any]:
    try:
        feature = DECODER.decode(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise ApiError(400, "bad_json", f"body is not JSON: {str(exc)[:120]}") from None
    try:
        validate_feature(feature)
    except FeatureError as exc:
        raise ApiError(422, "invalid_feature", str(exc), exc.field) from None
    if feature["id"] != uuid:
        raise ApiError(422, "uuid_mismatch", "the URL and the feature id differ", "id")
    return feature


def answer(uuid: str, result: PutResult) -> tuple[int, dict[str, Any]]:
    body = {"uuid": uuid, "status": result.status, "feature": result.feature_uuid, "crop_needed": result.crop_needed}
    return (201 if result.status == "created" else 200), body


Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def _read(receive: Receive, limit: int) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Gone()
        body += message.get("body", b"")
        if len(body) > limit:
            raise ApiError(413, "too_large", f"body larger than {limit} bytes")
        if not message.get("more_body"):
            return bytes(body)


class SubmitFastPath:
    """ASGI middleware answering well-formed ``PUT /api/v1/cameras/{uuid}`` itself."""

    def __init__(self, app: Callable[..., Awaitable[None]], repo: Repository):
        self.app, self.repo = app, repo

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        match = CAMERA_PATH.fullmatch(scope["path"]) if scope["type"] == "http" and scope["method"] == "PUT" else None
        if match is None:
            return await self.app(scope, receive, send)
        uuid, headers = match.group(1), dict(scope["headers"])
        extra: list[tuple[bytes, bytes]] = []
        try:
            who = await authorize(self.repo, headers.get(b"authorization", b"").decode("latin-1"))
            length = headers.get(b"content-length")
            ctype = headers.get(b"content-type", b"").decode("latin-1")
            check_head(ctype, length.decode("latin-1") if length else None, MAX_FEATURE_BYTES, JSON_TYPES)
            body = await _read(receive, MAX_FEATURE_BYTES)
            result = await self.repo.submit(self.repo.put_job(who, parse_feature(body, uuid), body))
            status, payload = answer(uuid, result)
        except Refusal as exc:
            status, payload = exc.status, {"error": exc.code, "detail": exc.detail}
            if exc.field is not None:
                payload["field"] = exc.field
            if status == 401:
                extra.append((b"www-authenticate", b"Bearer"))
        except Gone:
            log.info("client went away during PUT %s", scope["path"])
            return
        except WriteFailed:
            status, payload = 500, {"error": "server_error", "detail": "internal error (logged)"}
        out = json.dumps(payload, separators=(",", ":")).encode()
        head = [(b"content-type", b"application/json"), (b"content-length", str(len(out)).encode()), *extra]
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": out})
