"""OGC API - Features, Part 1 (Core + GeoJSON) over the campaign map: what QGIS, GDAL and pygeoapi clients read.

One collection, ``cameras``: the merged map features. Items can be asked for by ``bbox`` (CRS84, an east < west box
crosses the antimeridian), ``datetime`` (an instant or an interval on when the feature last changed), ``limit``
(default 100, at most 10,000) and ``offset``; each page links to the next. Pages carry an ETag (304 on a repeat).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .pages import Pages, feature_json
from .reads import Page, Query
from .repo import Repository
from .respond import ApiError, cached, dumps
from .submit import DIGITS

COLLECTION = "cameras"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 2**31 - 1
GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
BBOX_HELP = "bbox: minLon,minLat,maxLon,maxLat with longitudes in -180..180, latitudes in -90..90, south <= north"
DATETIME_HELP = "datetime: an RFC 3339 time, or an interval a/b, ../b, a/.."
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
ITEM_PARAMS = {"bbox", "limit", "offset", "datetime", "f"}


def base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _link(href: str, rel: str, media: str = "application/json", title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": media}
    if title:
        link["title"] = title
    return link


def landing(request: Request, title: str) -> Response:
    root = base(request)
    return JSONResponse(
        {
            "title": title,
            "description": "Surveillance cameras mapped by walkers and merged by the campaign server.",
            "links": [
                _link(root + "/?f=json", "self", title="this document"),
                _link(root + "/", "alternate", "text/html", "the map"),
                _link(root + "/openapi.json", "service-desc", "application/vnd.oai.openapi+json;version=3.1", "API"),
                _link(root + "/conformance", "conformance", title="conformance classes"),
                _link(root + "/collections", "data", title="collections"),
            ],
        }
    )


def conformance(request: Request) -> Response:
    return JSONResponse({"conformsTo": CONFORMANCE})


def _collection(root: str, ext: dict[str, Any]) -> dict[str, Any]:
    extent: dict[str, Any] = {"spatial": {"bbox": [ext["bbox"] or [-180, -90, 180, 90]], "crs": CRS84}}
    extent["temporal"] = {"interval": [ext["interval"] or [None, None]], "trs": TRS}
    href = f"{root}/collections/{COLLECTION}"
    return {
        "id": COLLECTION,
        "title": "Surveillance cameras",
        "description": "One feature per physical camera, merged from walkers' confirmed submissions; "
        "its time (datetime) is when it last changed.",
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [_link(href, "self"), _link(href + "/items", "items", GEOJSON, "the cameras")],
    }


async def collections(request: Request, repo: Repository) -> Response:
    root = base(request)
    ext = await run_in_threadpool(repo.extent)
    links = [_link(root + "/collections", "self")]
    return JSONResponse({"links": links, "collections": [_collection(root, ext)]})


async def collection(request: Request, repo: Repository) -> Response:
    _known(request)
    return JSONResponse(_collection(base(request), await run_in_threadpool(repo.extent)))


def _known(request: Request) -> None:
    if request.path_params.get("collection", COLLECTION) != COLLECTION:
        raise ApiError(404, "not_found", f"the only collection is {COLLECTION!r}")


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """``minLon,minLat,maxLon,maxLat`` (or the 6-number form with heights) -> (south, north, west, east)."""
    try:
        nums = [float(v) for v in value.split(",")]
    except ValueError:
        raise ApiError(400, "bad_parameter", "bbox: four numbers, minLon,minLat,maxLon,maxLat", "bbox") from None
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    if len(nums) != 4 or any(math.isnan(n) for n in nums):
        raise ApiError(400, "bad_parameter", "bbox: four numbers, minLon,minLat,maxLon,maxLat", "bbox")
    west, south, east, north = nums
    if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
        raise ApiError(400, "bad_parameter", BBOX_HELP, "bbox")
    return south, north, west, east


def _instant(text: str, end: bool) -> str | None:
    if text in ("", ".."):
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, "bad_parameter", DATETIME_HELP, "datetime") from None
    if len(text) == 10 and end:  # a bare date as the end of an interval: the whole day
        when = when.replace(hour=23, minute=59, second=59, microsecond=999000)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_datetime(value: str) -> tuple[str | None, str | None]:
    if "/" in value:
        start, _, stop = value.partition("/")
        return _instant(start, False), _instant(stop, True)
    if len(value) == 10:  # a date: that whole day
        return _instant(value, False), _instant(value, True)
    at = _instant(value, False)
    return at, at


def _int(request: Request, name: str, default: int, low: int, high: int = MAX_OFFSET) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise ApiError(400, "bad_parameter", f"{name}: a whole number from {low} to {high}", name)
    return int(raw)


def page_query(request: Request, *, default_limit: int | None = DEFAULT_LIMIT, strict: bool = True) -> Query:
    """The page a request asks for (400 for a malformed or, on OGC endpoints, unknown parameter)."""
    params = request.query_params
    if strict and (unknown := set(params) - ITEM_PARAMS):
        raise ApiError(400, "bad_parameter", f"unknown parameter(s): {', '.join(sorted(unknown))}", sorted(unknown)[0])
    box = parse_bbox(params["bbox"]) if "bbox" in params else None
    since, until = parse_datetime(params["datetime"]) if "datetime" in params else (None, None)
    limit: int | None = None
    if "limit" in params or default_limit is not None:
        limit = min(_int(request, "limit", default_limit or MAX_LIMIT, 1), MAX_LIMIT)  # more than the most: the most
    return Query(box, since, until, limit, _int(request, "offset", 0, 0))


def page_members(request: Request, q: Query, page: Page, links: bool = True) -> dict[str, Any]:
    """The members of a page beside its features: numbers, time stamp and (OGC) the self / next / prev links."""
    members: dict[str, Any] = {
        "numberMatched": page.matched,
        "numberReturned": len(page.keys),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    if links:
        url = request.url
        found = [_link(str(url), "self", GEOJSON)]
        if q.limit is not None and q.offset + len(page.keys) < page.matched:
            following = url.include_query_params(offset=q.offset + q.limit, limit=q.limit)
            found.append(_link(str(following), "next", GEOJSON))
        if q.offset and q.limit is not None:
            found.append(_link(str(url.include_query_params(offset=max(0, q.offset - q.limit))), "prev", GEOJSON))
        found.append(_link(f"{base(request)}/collections/{COLLECTION}", "collection"))
        members["links"] = found
    return members


async def page_response(request: Request, pages: Pages, q: Query, links: bool = True) -> Response:
    """A page of map features with its ETag (304 when the client has it), built off the event loop."""
    page = await run_in_threadpool(pages.repo.page, q, str(request.url))
    build = partial(pages.collection, page.keys, page_members(request, q, page, links))
    return await cached(request, page.etag, build, GEOJSON)


async def items(request: Request, pages: Pages) -> Response:
    _known(request)
    return await page_response(request, pages, page_query(request))


async def item(request: Request, repo: Repository) -> Response:
    _known(request)
    uuid = request.path_params["feature"]
    row = await run_in_threadpool(repo.item, uuid)
    if row is None:
        raise ApiError(404, "not_found", "no such camera on the map")
    root = f"{base(request)}/collections/{COLLECTION}"
    etag = f'W/"{row["id"]}-{row["rev"]}"'

    def build() -> bytes:
        feat = feature_json(row)
        feat["links"] = [_link(f"{root}/items/{uuid}", "self", GEOJSON), _link(root, "collection")]
        return dumps(feat)

    return await cached(request, etag, build, GEOJSON)
