"""The review page's privacy-zone API: list the zones in force, add one from the map, remove one added there.

Zones added here go to the walk database's ``privacy_zones`` table, so every command that reads this database
(``export``, ``sync``, ``osm``, the review page) applies them; zones from the config are listed but can only be
changed in the config. Releasing one camera from its zone is a reviewer decision (``/api/cameras/{id}/release``).
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..store import StoreError
from ..store.settings import PrivacyZone

log = logging.getLogger(__name__)


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def routes(ctx: Any) -> list[Route]:
    """The zone endpoints over the review app's context (``ctx.store``, ``ctx.settings``)."""
    store = ctx.store

    async def list_zones(request: Request) -> Response:
        return JSONResponse({"zones": [z.as_dict() for z in store.privacy_zone_rows()],
                             "time_margin_m": store.privacy.time_margin_m})

    async def add_zone(request: Request) -> Response:
        try:
            payload = await request.json()
        except ValueError:
            return _error("request body is not valid JSON")
        if not isinstance(payload, dict):
            return _error("request body must be a JSON object")
        try:
            zone = PrivacyZone.model_validate({k: payload.get(k) for k in ("latitude", "longitude", "radius_m")})
        except (ValidationError, TypeError) as exc:
            first = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": ("zone",), "msg": str(exc)}
            return _error(f"invalid zone: {'.'.join(map(str, first['loc']))}: {first['msg']}")
        by = str(payload.get("reviewer") or ctx.settings.reviewer)[:80]
        try:
            zone_id = store.add_privacy_zone(zone, by)
        except StoreError as exc:  # disk full
            return _error(str(exc), 503)
        except sqlite3.OperationalError as exc:
            return _error(f"database busy, nothing was changed: try again ({exc})", 503)
        log.info("privacy zone %d added from the review page (radius %.0f m)", zone_id, zone.radius_m)
        row = next(r for r in store.privacy_zone_rows() if r.id == zone_id)
        return JSONResponse({"zone": row.as_dict()}, status_code=201)

    async def remove_zone(request: Request) -> Response:
        zone_id = request.path_params["zone_id"]
        try:
            removed = store.remove_privacy_zone(zone_id)
        except StoreError as exc:
            return _error(str(exc), 503)
        except sqlite3.OperationalError as exc:
            return _error(f"database busy, nothing was changed: try again ({exc})", 503)
        if not removed:
            return _error("no such zone (zones from the config are changed in the config)", 404)
        log.info("privacy zone %d removed from the review page", zone_id)
        return JSONResponse({"removed": zone_id})

    return [
        Route("/api/privacy/zones", list_zones),
        Route("/api/privacy/zones", add_zone, methods=["POST"]),
        Route("/api/privacy/zones/{zone_id:int}", remove_zone, methods=["DELETE"]),
    ]
