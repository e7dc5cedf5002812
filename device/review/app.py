"""The review web app (Starlette): pages, JSON API, crops, offline tiles and exports over one walk database.

Endpoints are ``async`` and use the database directly on the event loop: one connection, one thread, no locking
needed; each request is a few small SQLite queries. Writes go through ``decisions`` (recorded, undoable).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ...sync.export import EXTENSIONS, FORMATS, MEDIA_TYPES, device_cameras, render
from ..basemap import Basemap, BasemapError
from ..geo.settings import GeoSettings
from ..store import Store, StoreError
from ..store.settings import PrivacySettings
from . import decisions, queries, zones
from .photos import photo_routes
from .security import Guard, GuardMiddleware
from .settings import ReviewSettings
from .tiles import TilesError, open_tiles

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


@dataclass(slots=True)
class ReviewContext:
    store: Store
    settings: ReviewSettings
    guard: Guard
    geo: GeoSettings  # the end-of-walk placement's parameters, for splitting an automatic merge
    tiles: Any = None  # MBTiles | PMTiles | None
    basemap: Basemap | None = None

    def mark(self, camera: dict[str, Any] | None) -> dict[str, Any] | None:
        """Adds ``osm_node`` ({id, distance_m} of a camera already in OpenStreetMap within 15 m, or None)."""
        if camera is not None:
            near = self.basemap.nearest(camera.get("latitude"), camera.get("longitude")) if self.basemap else None
            camera["osm_node"] = near
            for other in camera.get("duplicates", []) + camera.get("members", []):
                other.setdefault("osm_node", None)
        return camera


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _int(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise decisions.DecisionError(f"{name} must be an integer, got {value!r}") from None


def field_status(db_path: Path) -> dict[str, Any] | None:
    """The device's field status (fix, fps, disk, heat) when the service module is installed, else None."""
    try:
        from ..service.status import field_status as status_of
    except ImportError:
        return None
    try:
        status = status_of(db_path)
    except Exception as exc:  # noqa: BLE001 - the status line must never break the review page
        log.warning("field status unavailable: %s", exc)
        return {"line": "status unavailable"}
    if is_dataclass(status):
        data = asdict(status)
    elif isinstance(status, dict):
        data = dict(status)
    else:
        data = {}
    line = getattr(status, "line", None)
    if callable(line):
        line = line()
    data["line"] = str(line if line is not None else (data.get("line") or status))
    return json.loads(json.dumps(data, default=str))


def build_app(db_path: str | Path, settings: ReviewSettings | None = None, *, guard: Guard | None = None,
              geo: GeoSettings | None = None, privacy: PrivacySettings | None = None) -> Starlette:
    """The ASGI app for one walk database. Raises StoreError / TilesError with a one-line message.

    ``privacy``: the config's ``[privacy]`` section (its zones apply to the exports and the track shown here).
    """
    settings = settings or ReviewSettings()
    store = Store(db_path, readonly=settings.read_only, privacy=privacy)
    ctx = ReviewContext(
        store=store, settings=settings,
        guard=guard or Guard.for_host(settings.host, pin=settings.pin, read_only=settings.read_only),
        geo=geo or GeoSettings(),
    )
    if settings.tiles is not None:
        ctx.tiles = open_tiles(settings.tiles)
    beside = store.path.parent / "basemap.geojson"
    if settings.basemap is not None or beside.is_file():
        ctx.basemap = Basemap.load(settings.basemap or beside)
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    def page(request: Request, name: str, **extra: Any) -> HTMLResponse:
        tiles = None
        if ctx.tiles is not None:
            info = ctx.tiles.info
            tiles = {"url": "/tiles/{z}/{x}/{y}", "minzoom": info.minzoom, "maxzoom": info.maxzoom,
                     "bounds": info.bounds, "attribution": info.attribution or info.name}
        config = {
            "csrf": request.state.session.csrf, "read_only": settings.read_only, "poll_ms": int(settings.poll_s * 1000),
            "tiles": tiles, "osm": settings.osm_tiles, "view_cone_m": settings.view_cone_m,
            "reviewer": settings.reviewer, **extra.pop("config", {}),
            "basemap": {"url": "/basemap.geojson"} if ctx.basemap else None,
        }
        context = {"config": config, "read_only": settings.read_only, "basemap": ctx.basemap is not None, **extra}
        return templates.TemplateResponse(request, name, context)

    # -- pages -----------------------------------------------------------------------------------------------
    async def index(request: Request) -> Response:
        return page(request, "walks.html", walks=[w.as_dict() for w in queries.walks(store)])

    async def walk_page(request: Request) -> Response:
        walk = store.walk(request.path_params["walk_id"])
        if walk is None:
            return HTMLResponse("no such walk\n", status_code=404)
        if store.is_photo_walk(walk.id):  # photos labelled without GPS: no map, their own page
            return RedirectResponse(f"/walks/{walk.id}/photos", status_code=303)
        summary = queries.walk_summary(store, walk).as_dict()
        return page(request, "walk.html", walk=summary, config={"walk_id": walk.id})

    async def review_page(request: Request) -> Response:
        walk = store.walk(request.path_params["walk_id"])
        if walk is None:
            return HTMLResponse("no such walk\n", status_code=404)
        summary = queries.walk_summary(store, walk).as_dict()
        start = request.query_params.get("camera")
        profiles = [p.model_dump() for p in settings.profiles]
        return page(request, "review.html", walk=summary, profiles=profiles,
                    config={"walk_id": walk.id, "start_camera": int(start) if start and start.isdigit() else None,
                            "duplicate_radius_m": settings.duplicate_radius_m, "profiles": profiles})

    async def login(request: Request) -> Response:
        error = None
        if request.method == "POST":
            form = await request.form()
            session = request.state.session
            if not ctx.guard.check_csrf(session, str(form.get("csrf_token") or "")):
                error = "the form expired: try again"
            elif (error := ctx.guard.check_pin(str(form.get("pin") or ""),
                                               request.client.host if request.client else "")) is None:
                session.authed = True
                request.state.session_changed = True
                return RedirectResponse("/", status_code=303)
        if request.state.session.authed and request.method == "GET":
            return RedirectResponse("/", status_code=303)
        response = templates.TemplateResponse(
            request, "login.html", {"csrf": request.state.session.csrf, "error": error, "config": {}},
            status_code=401 if error else 200,
        )
        return response

    # -- JSON API --------------------------------------------------------------------------------------------
    async def api_walks(request: Request) -> Response:
        return JSONResponse({"walks": [w.as_dict() for w in queries.walks(store)]})

    async def api_walk(request: Request) -> Response:
        walk = store.walk(request.path_params["walk_id"])
        if walk is None:
            return _error("no such walk", 404)
        return JSONResponse({
            "walk": queries.walk_summary(store, walk).as_dict(),
            "track": queries.track_segments(store, walk.id),
            "mapped": [c.as_dict() for c in ctx.basemap.cameras] if ctx.basemap else [],
        })

    async def api_cameras(request: Request) -> Response:
        walk = store.walk(request.path_params["walk_id"])
        if walk is None:
            return _error("no such walk", 404)
        return JSONResponse({"walk": queries.walk_summary(store, walk).as_dict(),
                             "cameras": [ctx.mark(c) for c in queries.cameras(store, walk.id)]})

    def detail_of(camera_id: int) -> dict[str, Any] | None:
        return ctx.mark(queries.camera_detail(store, camera_id, settings.duplicate_radius_m))

    async def api_camera(request: Request) -> Response:
        detail = detail_of(request.path_params["camera_id"])
        return JSONResponse(detail) if detail else _error("no such camera", 404)

    async def read_body(request: Request) -> dict[str, Any]:
        try:
            payload = await request.json() if await request.body() else {}
        except ValueError:
            raise decisions.DecisionError("request body is not valid JSON") from None
        if not isinstance(payload, dict):
            raise decisions.DecisionError("request body must be a JSON object")
        return payload

    async def api_decide(request: Request) -> Response:
        camera_id, action = request.path_params["camera_id"], request.path_params["action"]
        try:
            payload = await read_body(request)
        except decisions.DecisionError as exc:
            return _error(str(exc))
        reviewer = str(payload.get("reviewer") or settings.reviewer)[:80]
        if action == "seen-again":  # the mapped node comes from the basemap, never from the page
            near = (detail_of(camera_id) or {}).get("osm_node")
            if near is None:
                return _error("this camera is not within 15 m of one already in OpenStreetMap (no basemap?)", 400)
            payload = {**payload, "osm_node_id": near["id"]}
        try:
            decision = decisions.apply(store, camera_id, action, payload, reviewer, ctx.geo)
        except decisions.DecisionQuestion as exc:
            return JSONResponse({"error": str(exc), "ask": True}, status_code=409)
        except decisions.DecisionError as exc:
            status = 404 if str(exc).startswith("no camera") else 400
            return _error(str(exc), status)
        except StoreError as exc:  # disk full
            return _error(str(exc), 503)
        except sqlite3.OperationalError as exc:  # the survey held the database too long
            log.warning("decision on camera %s not written: %s", camera_id, exc)
            return _error(f"database busy, nothing was changed: try again ({exc})", 503)
        return JSONResponse({"decision": decision.as_dict(), "camera": detail_of(camera_id)})

    async def api_batch(request: Request) -> Response:
        walk_id = request.path_params["walk_id"]
        try:
            payload = await read_body(request)
            reviewer = str(payload.get("reviewer") or settings.reviewer)[:80]
            decision = decisions.apply_batch(store, walk_id, str(payload.get("action") or "confirm"),
                                             payload.get("camera_ids"), reviewer)
        except decisions.DecisionError as exc:
            return _error(str(exc), 404 if str(exc).startswith("no camera") else 400)
        except StoreError as exc:
            return _error(str(exc), 503)
        except sqlite3.OperationalError as exc:
            return _error(f"database busy, nothing was changed: try again ({exc})", 503)
        return JSONResponse({"decision": decision.as_dict(), "count": len(decision.before)})

    async def api_undo(request: Request) -> Response:
        walk_id = request.path_params["walk_id"]
        try:
            payload = await request.json() if await request.body() else {}
            decision_id = _int(str(payload.get("decision_id")) if payload.get("decision_id") is not None else None,
                               "decision_id")
            decision = decisions.undo(store, walk_id, decision_id)
        except ValueError as exc:  # DecisionError, bad JSON
            return _error(str(exc).splitlines()[0], 400)
        except (AttributeError, TypeError):
            return _error("request body must be a JSON object")
        except sqlite3.OperationalError as exc:
            return _error(f"database busy, nothing was changed: try again ({exc})", 503)
        return JSONResponse({"decision": decision.as_dict(), "camera": detail_of(decision.camera_id)})

    async def api_decisions(request: Request) -> Response:
        items = decisions.history(store, request.path_params["walk_id"])
        return JSONResponse({"decisions": [d.as_dict() for d in items]})

    async def api_status(request: Request) -> Response:
        status = field_status(store.path)
        return JSONResponse({"available": status is not None, **(status or {"line": ""})})

    # -- files -----------------------------------------------------------------------------------------------
    async def crop(request: Request) -> Response:
        rel = request.path_params["path"]
        try:
            path = store.resolve_crop(rel)
        except StoreError as exc:  # outside the walk folder, or not a path at all (a null byte)
            return _error(str(exc), 404)
        if not path.is_file() or path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
            return _error("no such crop", 404)
        return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})

    async def basemap_file(request: Request) -> Response:
        if ctx.basemap is None:
            return _error("no basemap: build one with `sousveillance basemap build`", 404)
        return Response(ctx.basemap.body, media_type="application/geo+json", headers={"Cache-Control": "max-age=3600"})

    async def tile(request: Request) -> Response:
        if ctx.tiles is None:
            return _error("no tile file given (--tiles)", 404)
        z, x, y = (request.path_params[k] for k in ("z", "x", "y"))
        if not (0 <= z <= 24 and 0 <= x < (1 << z) and 0 <= y < (1 << z)):
            return _error("tile out of range", 404)
        data = ctx.tiles.get(z, x, y)
        if data is None:
            return Response(status_code=204)
        return Response(data, media_type=ctx.tiles.info.media_type, headers={"Cache-Control": "max-age=86400"})

    async def export_file(request: Request) -> Response:
        """The same files as ``sousveillance export`` (the one export stack), of one walk or all."""
        fmt = request.path_params["fmt"]
        if fmt not in FORMATS:
            return _error(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}", 404)
        try:
            walk_id = _int(request.query_params.get("walk"), "walk")
        except ValueError as exc:
            return _error(str(exc))
        if walk_id is not None and store.walk(walk_id) is None:
            return _error("no such walk", 404)
        track = []
        if fmt == "gpx" and walk_id is not None and request.query_params.get("track") == "1":
            track = queries.track_segments(store, walk_id)
        body = render(device_cameras(store, walk_id), fmt, track=track)
        name = f"cameras-walk{walk_id}.{EXTENSIONS[fmt]}" if walk_id else f"cameras.{EXTENSIONS[fmt]}"
        disposition = f'attachment; filename="{name}"'
        return Response(body, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition})

    def reviewer_of(payload: dict) -> str:
        return str(payload.get("reviewer") or settings.reviewer)[:80]

    routes = [
        *photo_routes(store, reviewer_of, page),
        Route("/", index),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/walks/{walk_id:int}", walk_page),
        Route("/walks/{walk_id:int}/review", review_page),
        Route("/api/walks", api_walks),
        Route("/api/walks/{walk_id:int}", api_walk),
        Route("/api/walks/{walk_id:int}/cameras", api_cameras),
        Route("/api/walks/{walk_id:int}/undo", api_undo, methods=["POST"]),
        Route("/api/walks/{walk_id:int}/batch", api_batch, methods=["POST"]),
        Route("/api/walks/{walk_id:int}/decisions", api_decisions),
        Route("/api/cameras/{camera_id:int}", api_camera),
        Route("/api/cameras/{camera_id:int}/{action:str}", api_decide, methods=["POST"]),
        Route("/api/status", api_status),
        Route("/crops/{path:path}", crop),
        Route("/tiles/{z:int}/{x:int}/{y:int}", tile),
        Route("/basemap.geojson", basemap_file),
        Route("/export/{fmt:str}", export_file),
        *zones.routes(ctx),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(GuardMiddleware, guard=ctx.guard)])
    app.state.review = ctx
    return app


__all__ = ["build_app", "ReviewContext", "TilesError", "BasemapError"]
