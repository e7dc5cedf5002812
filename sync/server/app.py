"""The campaign map server (Starlette, ASGI): device API, public map, exports, OpenAPI spec.

Every bad request gets a 4xx with a one-line JSON error ``{"error": code, "detail": text}``; nothing is written
unless the device token is valid and the payload passed the wire schema.
"""

from __future__ import annotations

import json
import logging
from html import escape
import re
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import export
from ..export import EXTENSIONS
from ..wire import JPEG_MAGIC, MAX_CROP_BYTES, FeatureError, validate_feature
from .exports import MEDIA_TYPES, export_text
from .openapi import spec
from .repo import AuthError, Repository, RepoError

log = logging.getLogger(__name__)

MAX_FEATURE_BYTES = 64 * 1024
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def _error(status: int, code: str, detail: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def _leaflet_dir() -> Path:
    return Path(str(resources.files("sousveillance.device.review"))) / "static" / "vendor" / "leaflet"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


async def _body(request: Request, limit: int, content_types: tuple[str, ...]) -> bytes:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in content_types:
        raise ApiError(415, "unsupported_media_type", f"send Content-Type {' or '.join(content_types)}")
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise ApiError(413, "too_large", f"body larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, "too_large", f"body larger than {limit} bytes")
    return bytes(body)


def _uuid(request: Request) -> str:
    uuid = request.path_params["uuid"]
    if not UUID_RE.match(uuid):
        raise ApiError(422, "bad_uuid", "camera ids are lower-case UUIDs")
    return uuid


def create_app(repo: Repository, *, tiles: str = DEFAULT_TILES, title: str = "Surveillance cameras") -> Starlette:
    async def device(request: Request) -> Any:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        return await run_in_threadpool(repo.authenticate, token)

    async def put_camera(request: Request) -> Response:
        uuid = _uuid(request)
        dev = await device(request)
        body = await _body(request, MAX_FEATURE_BYTES, ("application/json", "application/geo+json"))
        try:
            feature = json.loads(body, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise ApiError(400, "bad_json", f"body is not JSON: {str(exc)[:120]}") from None
        try:
            validate_feature(feature)
        except FeatureError as exc:
            raise ApiError(422, "invalid_feature", str(exc)) from None
        except RecursionError:
            raise ApiError(422, "invalid_feature", "nested too deeply") from None
        if feature["id"] != uuid:
            raise ApiError(422, "uuid_mismatch", "the URL and the feature id differ")
        result = await run_in_threadpool(repo.put_camera, dev, feature)
        body_out = {
            "uuid": uuid,
            "status": result.status,
            "feature": result.feature_uuid,
            "crop_needed": result.crop_needed,
        }
        return JSONResponse(body_out, status_code=201 if result.status == "created" else 200)

    async def get_camera(request: Request) -> Response:
        uuid = _uuid(request)
        dev = await device(request)
        return JSONResponse(await run_in_threadpool(repo.get_camera, dev, uuid))

    async def delete_camera(request: Request) -> Response:
        uuid = _uuid(request)
        dev = await device(request)
        status = await run_in_threadpool(repo.delete_camera, dev, uuid)
        return JSONResponse({"uuid": uuid, "status": status})

    async def put_crop(request: Request) -> Response:
        uuid = _uuid(request)
        dev = await device(request)
        data = await _body(request, MAX_CROP_BYTES, ("image/jpeg",))
        if not data.startswith(JPEG_MAGIC):
            raise ApiError(415, "not_jpeg", "a crop must be a JPEG image")
        status = await run_in_threadpool(repo.put_crop, dev, uuid, data)
        return JSONResponse({"uuid": uuid, "status": status}, status_code=201 if status == "created" else 200)

    async def get_crop(request: Request) -> Response:
        uuid = _uuid(request)
        data = await run_in_threadpool(repo.crop, uuid)
        if data is None:
            raise ApiError(404, "not_found", "no crop for this camera")
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=86400"})

    async def features(request: Request) -> Response:
        rows = await run_in_threadpool(repo.features)
        return JSONResponse(export.geojson(export.from_map_feature(r) for r in rows), media_type="application/geo+json")

    async def export_file(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in MEDIA_TYPES:
            raise ApiError(404, "unknown_format", f"formats: {', '.join(MEDIA_TYPES)}")
        text = await run_in_threadpool(export_text, repo, fmt, title)
        disposition = f'attachment; filename="cameras.{EXTENSIONS[fmt]}"'
        return Response(text, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition})

    async def conflicts(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(repo.open_conflicts))

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, **await run_in_threadpool(repo.counts)})

    async def openapi(request: Request) -> Response:
        return JSONResponse(spec())

    async def page(request: Request) -> Response:
        html = resources.files("sousveillance.sync.server").joinpath("templates", "map.html").read_text()
        html = html.replace("{{ title }}", escape(title)).replace("{{ tiles }}", escape(json.dumps(tiles)))
        return HTMLResponse(html)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, (ApiError, AuthError, RepoError))
        return _error(exc.status, exc.code, exc.detail)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _error(exc.status_code, "http_error", str(exc.detail))

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(500, "server_error", "internal error (logged)")

    static = Path(str(resources.files("sousveillance.sync.server"))) / "static"
    routes = [
        Route("/", page),
        Route("/openapi.json", openapi),
        Route("/api/v1/health", health),
        Route("/api/v1/features", features),
        Route("/api/v1/conflicts", conflicts),
        Route("/api/v1/export/{fmt}", export_file),
        Route("/api/v1/cameras/{uuid}", put_camera, methods=["PUT"]),
        Route("/api/v1/cameras/{uuid}", get_camera, methods=["GET"]),
        Route("/api/v1/cameras/{uuid}", delete_camera, methods=["DELETE"]),
        Route("/api/v1/cameras/{uuid}/crop", put_crop, methods=["PUT"]),
        Route("/api/v1/crops/{uuid}", get_crop),
        Mount("/static/vendor/leaflet", StaticFiles(directory=_leaflet_dir(), check_dir=False), name="leaflet"),
        Mount("/static", StaticFiles(directory=static, check_dir=False), name="static"),
    ]
    handlers = {
        ApiError: api_error,
        AuthError: api_error,
        RepoError: api_error,
        HTTPException: http_error,
        Exception: server_error,
    }
    app = Starlette(routes=routes, exception_handlers=handlers)  # type: ignore[arg-type]
    app.state.repo = repo
    return app
