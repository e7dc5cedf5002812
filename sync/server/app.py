"""The campaign map server (Starlette, ASGI): device API, public map, OGC API Features, exports, OpenAPI spec.

Every bad request gets a 4xx with a one-line JSON error ``{"error": code, "detail": text}`` (and ``field`` when one
field is at fault); nothing is written unless the device token is valid and the payload passed the wire rules.
A submission takes one hop from the event loop to the single writer, which authenticates, merges and inserts it.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import re
from collections.abc import AsyncIterator
from html import escape
from importlib import resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..export import EXTENSIONS
from ..wire import JPEG_MAGIC, MAX_CROP_BYTES
from . import ogc
from .errors import ApiError, Refusal
from .exports import MEDIA_TYPES, export_text
from .openapi import spec
from .pages import Pages
from .reads import Query
from .repo import Repository
from .respond import cached, error
from .submit import (
    JSON_TYPES,
    MAX_FEATURE_BYTES,
    Gone,
    SubmitFastPath,
    answer,
    authorize,
    check_head,
    parse_feature,
)  # fmt: skip
from .writer import WriteFailed

log = logging.getLogger(__name__)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
JS = "text/javascript"


def _review_static() -> Path:
    return Path(str(resources.files("sousveillance.device.review"))) / "static"


async def _body(request: Request, limit: int, content_types: tuple[str, ...]) -> bytes:
    check_head(request.headers.get("content-type", ""), request.headers.get("content-length"), limit, content_types)
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise ApiError(413, "too_large", f"body larger than {limit} bytes")
    except ClientDisconnect:
        raise Gone() from None
    return bytes(body)


def _uuid(request: Request) -> str:
    uuid = request.path_params["uuid"]
    if not UUID_RE.match(uuid):
        raise ApiError(422, "bad_uuid", "camera ids are lower-case UUIDs", "uuid")
    return uuid


def create_app(repo: Repository, *, tiles: str = DEFAULT_TILES, title: str = "Surveillance cameras") -> Starlette:
    pages = Pages(repo)

    async def token_hash(request: Request) -> str:
        return await authorize(repo, request.headers.get("authorization", ""))

    async def camera(request: Request) -> Response:
        uuid = _uuid(request)
        who = await token_hash(request)
        if request.method == "GET":
            return JSONResponse(await run_in_threadpool(repo.get_camera, who, uuid))
        if request.method == "DELETE":
            status = await repo.submit(repo.delete_job(who, uuid))
            return JSONResponse({"uuid": uuid, "status": status})
        body = await _body(request, MAX_FEATURE_BYTES, JSON_TYPES)  # (SubmitFastPath answers these first)
        status, payload = answer(uuid, await repo.submit(repo.put_job(who, parse_feature(body, uuid), body)))
        return JSONResponse(payload, status_code=status)

    async def put_crop(request: Request) -> Response:
        uuid = _uuid(request)
        who = await token_hash(request)
        data = await _body(request, MAX_CROP_BYTES, ("image/jpeg",))
        if not data.startswith(JPEG_MAGIC):
            raise ApiError(415, "not_jpeg", "a crop must be a JPEG image")
        status = await repo.submit(repo.crop_job(who, uuid, data))
        return JSONResponse({"uuid": uuid, "status": status}, status_code=201 if status == "created" else 200)

    async def get_crop(request: Request) -> Response:
        uuid = _uuid(request)
        data = await run_in_threadpool(repo.crop, uuid)
        if data is None:
            raise ApiError(404, "not_found", "no crop for this camera")
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=86400"})

    async def features(request: Request) -> Response:
        """All map features as one GeoJSON FeatureCollection, or a page of them with bbox / limit / offset."""
        return await ogc.page_response(request, pages, ogc.page_query(request, default_limit=None, strict=False), False)

    async def export_file(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in MEDIA_TYPES:
            raise ApiError(404, "unknown_format", f"formats: {', '.join(MEDIA_TYPES)}")
        page = await run_in_threadpool(repo.page, Query(), fmt)
        disposition = {"Content-Disposition": f'attachment; filename="cameras.{EXTENSIONS[fmt]}"'}

        def build() -> bytes:
            return export_text(repo, fmt, title).encode("utf-8")

        return await cached(request, page.etag, build, MEDIA_TYPES[fmt], disposition)

    async def conflicts(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(repo.open_conflicts))

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, **await run_in_threadpool(repo.counts)})

    async def openapi(request: Request) -> Response:
        return JSONResponse(spec())

    async def landing(request: Request) -> Response:
        fmt, accept = request.query_params.get("f"), request.headers.get("accept", "")
        if fmt == "json" or (fmt is None and "application/json" in accept and "text/html" not in accept):
            return ogc.landing(request, title)  # OGC API clients; a browser (or */*) gets the map page
        html = resources.files("sousveillance.sync.server").joinpath("templates", "map.html").read_text()
        html = html.replace("{{ title }}", escape(title)).replace("{{ tiles }}", escape(json.dumps(tiles)))
        return HTMLResponse(html)

    async def ogc_collections(request: Request) -> Response:
        return await ogc.collections(request, repo)

    async def ogc_collection(request: Request) -> Response:
        return await ogc.collection(request, repo)

    async def ogc_items(request: Request) -> Response:
        return await ogc.items(request, pages)

    async def ogc_item(request: Request) -> Response:
        return await ogc.item(request, repo)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        return error(exc.status, exc.code, exc.detail, exc.field)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error(exc.status_code, "http_error", str(exc.detail),
                     headers=dict(exc.headers) if exc.headers is not None else None)

    async def gone(request: Request, exc: Exception) -> Response:
        log.info("client went away during %s %s", request.method, request.url.path)
        return error(400, "client_disconnected", "the request body was cut off")

    async def write_failed(request: Request, exc: Exception) -> Response:
        return error(500, "server_error", "internal error (logged)")

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error(500, "server_error", "internal error (logged)")

    static = Path(str(resources.files("sousveillance.sync.server"))) / "static"
    routes = [
        Route("/", landing),
        Route("/conformance", ogc.conformance),
        Route("/collections", ogc_collections),
        Route("/collections/{collection}", ogc_collection),
        Route("/collections/{collection}/items", ogc_items),
        Route("/collections/{collection}/items/{feature}", ogc_item),
        Route("/openapi.json", openapi),
        Route("/api/v1/health", health),
        Route("/api/v1/features", features),
        Route("/api/v1/conflicts", conflicts),
        Route("/api/v1/export/{fmt}", export_file),
        Route("/api/v1/cameras/{uuid}", camera, methods=["PUT", "GET", "DELETE"]),
        Route("/api/v1/cameras/{uuid}/crop", put_crop, methods=["PUT"]),
        Route("/api/v1/crops/{uuid}", get_crop),
        Route("/static/map-draw.js", lambda r: FileResponse(_review_static() / "map-draw.js", media_type=JS)),
        Mount(
            "/static/vendor/leaflet", StaticFiles(directory=_review_static() / "vendor" / "leaflet", check_dir=False)
        ),
        Mount("/static", StaticFiles(directory=static, check_dir=False), name="static"),
    ]
    handlers = {
        Refusal: api_error,
        HTTPException: http_error,
        Gone: gone,
        WriteFailed: write_failed,
        Exception: server_error,
    }
    cors = Middleware(
        CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD"], allow_headers=["If-None-Match", "Accept"],
        expose_headers=["ETag"], max_age=86400,
    )  # fmt: skip

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(repo.warm)
        await repo.writer.start()
        gc.freeze()  # what start-up made lives on: the collector need not walk it again on every full collection
        yield
        await repo.writer.stop()  # what is queued is committed before the server exits

    fast = Middleware(SubmitFastPath, repo=repo)
    app = Starlette(routes=routes, exception_handlers=handlers, middleware=[fast, cors], lifespan=lifespan)
    app.state.repo = repo
    return app
