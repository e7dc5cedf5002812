"""The review app's photo walks (``sousveillance label``): each photo with its boxes; confirm, reject, fix, draw.

Confirming and rejecting a box are the usual camera decisions (``/api/cameras/{id}/confirm|reject``, recorded and
undoable). The routes here add what photos need: the list of a walk's photos with their boxes, the photo file, a
box a person draws on a photo (a new camera, confirmed by that person in a recorded decision: undo returns it to
pending) and a box a person moves ("fix this box": its corners and crop; not a camera decision, so not undone).
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ..store import PhotoBox, PhotoRow, Store, StoreError
from ..store.crops import crop_around
from ..types import CAMERA_CLASSES, Box, Detection
from . import decisions
from .queries import crop_url

log = logging.getLogger(__name__)

MIN_SIDE_PX = 2.0


class BoxError(ValueError):
    """A box a request cannot give (one-line message)."""


def photo_state(boxes: list[PhotoBox]) -> str:
    """``unlabelled`` (no box yet), ``pending`` (a box not decided) or ``done`` (every box decided)."""
    if not boxes:
        return "unlabelled"
    return "pending" if any(b.camera.review_state == "pending" for b in boxes) else "done"


def box_json(b: PhotoBox) -> dict[str, Any]:
    s, c = b.sighting, b.camera
    return {
        "sighting_id": s.id, "camera_id": c.id, "x1": s.x1, "y1": s.y1, "x2": s.x2, "y2": s.y2,
        "camera_type": c.camera_type, "confidence": c.confidence, "review_state": c.review_state,
        "drawn": s.confidence is None, "crop_url": crop_url(s.crop),
    }  # fmt: skip


def photo_json(store: Store, photo: PhotoRow) -> dict[str, Any]:
    boxes = store.photo_boxes(photo)
    return {
        "id": photo.id, "walk_id": photo.walk_id, "index": photo.frame_index, "file": photo.file,
        "width": photo.width, "height": photo.height, "url": f"/photos/{photo.id}", "proposals": photo.proposals,
        "state": photo_state(boxes), "boxes": [box_json(b) for b in boxes],
    }  # fmt: skip


def parse_box(payload: Any, photo: PhotoRow) -> Box:
    """Pixel corners from a request body, ordered and clipped to the photo; refused when not numbers or empty."""
    if not isinstance(payload, dict):
        raise BoxError("request body must be a JSON object")
    values = []
    for key in ("x1", "y1", "x2", "y2"):
        v = payload.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise BoxError(f"{key} must be a number of pixels")
        values.append(float(v))
    x1, x2 = sorted((max(0.0, min(values[0], photo.width)), max(0.0, min(values[2], photo.width))))
    y1, y2 = sorted((max(0.0, min(values[1], photo.height)), max(0.0, min(values[3], photo.height))))
    if x2 - x1 < MIN_SIDE_PX or y2 - y1 < MIN_SIDE_PX:
        raise BoxError(f"the box must be at least {MIN_SIDE_PX:g} px wide and high inside the photo")
    return Box(x1, y1, x2, y2)


def _photo_image(store: Store, photo: PhotoRow):
    import cv2

    image = cv2.imread(str(store.resolve_frame(photo.frame)))
    if image is None:
        raise StoreError(f"the kept photo {photo.frame} is missing or unreadable")
    return image


def photo_routes(store: Store, reviewer: Callable[[dict], str], page: Callable[..., Response]) -> list[Route]:
    """Routes of the photo walks, for the review app (``reviewer(payload)``: who decides; ``page``: a template)."""
    def error(message: str, status: int = 400) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    async def write(request: Request, fn: Callable[[Any], Response]) -> Response:
        """``fn(payload)`` with the request's JSON body; bad input is a 400, a full disk or a busy database 503."""
        try:
            raw = await request.body()
            try:
                payload = await request.json() if raw else {}
            except ValueError:
                raise BoxError("request body is not valid JSON") from None
            return fn(payload)
        except (BoxError, decisions.DecisionError) as exc:
            return error(str(exc))
        except StoreError as exc:  # disk full, a kept photo gone
            return error(str(exc), 503)
        except sqlite3.OperationalError as exc:
            return error(f"database busy, nothing was changed: try again ({exc})", 503)

    async def photos_page(request: Request) -> Response:
        walk = store.walk(request.path_params["walk_id"])
        if walk is None or not store.is_photo_walk(walk.id):
            return HTMLResponse("no such photo walk\n", status_code=404)
        return page(request, "photos.html", walk=walk, config={"walk_id": walk.id, "types": list(CAMERA_CLASSES)})

    async def api_photos(request: Request) -> Response:
        walk_id = request.path_params["walk_id"]
        if store.walk(walk_id) is None:
            return error("no such walk", 404)
        return JSONResponse({"walk_id": walk_id, "photos": [photo_json(store, p) for p in store.photos(walk_id)]})

    async def photo_file(request: Request) -> Response:
        photo = store.photo(request.path_params["photo_id"])
        if photo is None:
            return error("no such photo", 404)
        try:
            path = store.resolve_frame(photo.frame)
        except StoreError:
            return error("no such photo", 404)
        if not path.is_file():
            return error("the kept photo is missing", 404)
        return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})

    async def api_add_box(request: Request) -> Response:
        photo = store.photo(request.path_params["photo_id"])
        if photo is None:
            return error("no such photo", 404)

        def add(payload: Any) -> Response:
            box = parse_box(payload, photo)
            kind = payload.get("camera_type")
            if kind not in CAMERA_CLASSES:
                raise BoxError(f"camera_type must be one of {', '.join(CAMERA_CLASSES)}")
            det = Detection(box.x1, box.y1, box.x2, box.y2, 1.0, CAMERA_CLASSES.index(kind), kind)
            added = store.add_photo_box(photo, det, crop_around(_photo_image(store, photo), det), drawn=True)
            decision = decisions.apply(store, added.camera.id, "confirm", {"camera_type": kind}, reviewer(payload))
            log.info("box drawn on photo %d: camera %d", photo.id, added.camera.id)
            return JSONResponse({"decision": decision.as_dict(), "photo": photo_json(store, photo)}, status_code=201)

        return await write(request, add)

    async def api_fix_box(request: Request) -> Response:
        found = store.photo_box(request.path_params["sighting_id"])
        if found is None:
            return error("no such box on a photo", 404)
        photo, old = found

        def fix(payload: Any) -> Response:
            box = parse_box(payload, photo)
            store.set_photo_box(old.sighting.id, box, crop_around(_photo_image(store, photo), box))
            return JSONResponse({"photo": photo_json(store, photo)})

        return await write(request, fix)

    return [
        Route("/walks/{walk_id:int}/photos", photos_page),
        Route("/api/walks/{walk_id:int}/photos", api_photos),
        Route("/photos/{photo_id:int}", photo_file),
        Route("/api/photos/{photo_id:int}/boxes", api_add_box, methods=["POST"]),
        Route("/api/boxes/{sighting_id:int}", api_fix_box, methods=["POST"]),
    ]
