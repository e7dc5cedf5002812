"""Responses of the public read endpoints: ETag and 304, gzip when the client accepts it, JSON errors.

The body is only built when the client does not already hold it: ``cached`` takes the ETag first and a function
that makes the body. CORS (any origin may GET) is the app's middleware.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .errors import ApiError

__all__ = ["ApiError", "cached", "dumps", "error"]

GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 1  # 90 % smaller for map JSON at a third of level 5's CPU


def error(
    status: int, code: str, detail: str, field: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    body: dict[str, Any] = {"error": code, "detail": detail}
    if field is not None:
        body["field"] = field
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, headers=headers or None)


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _matches(header: str, etag: str) -> bool:
    """If-None-Match with the weak comparison of RFC 9110 (W/ prefixes ignored)."""
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


async def cached(
    request: Request, etag: str, build: Callable[[], bytes], media_type: str, headers: dict[str, str] | None = None
) -> Response:
    """200 with the body ``build()`` makes in a worker thread (gzipped there when the client accepts it and it is
    worth it), or 304 without building anything when the client already has ``etag``."""
    common = {"ETag": etag, "Vary": "Accept-Encoding", "Cache-Control": "no-cache", **(headers or {})}
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=common)
    zipped = "gzip" in request.headers.get("accept-encoding", "").lower()
    body, zipped = await run_in_threadpool(_make, build, zipped)
    if zipped:
        common["Content-Encoding"] = "gzip"
    return Response(body, media_type=media_type, headers=common)


def _make(build: Callable[[], bytes], zipped: bool) -> tuple[bytes, bool]:
    body = build()
    if zipped and len(body) >= GZIP_MIN_BYTES:
        return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0), True
    return body, False
