"""OpenAPI 3.1 description of the campaign server API, built from the wire schema (served at /openapi.json)."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any

from sousveillance import __version__

from ..wire import schema


def _components() -> dict[str, Any]:
    feature = copy.deepcopy(schema())
    defs = feature.pop("$defs")
    for key in ("$schema", "$id"):
        feature.pop(key, None)
    text = json.dumps(feature).replace('"#/$defs/uuid"', '"#/components/schemas/Uuid"')
    text = text.replace('"#/$defs/time"', '"#/components/schemas/Time"')
    text = text.replace('"#/$defs/text"', '"#/components/schemas/Text"')
    error = {
        "type": "object",
        "required": ["error", "detail"],
        "properties": {"error": {"type": "string"}, "detail": {"type": "string"}, "field": {"type": "string"}},
    }
    return {
        "schemas": {
            "CameraFeature": json.loads(text),
            "Uuid": defs["uuid"],
            "Time": defs["time"],
            "Text": defs["text"],
            "Error": error,
        },
        "securitySchemes": {"device": {"type": "http", "scheme": "bearer", "description": "Device token"}},
    }


def _err(*codes: int) -> dict[str, Any]:
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {str(c): {"description": "error", "content": body} for c in codes}


UUID_PARAM = {"name": "uuid", "in": "path", "required": True, "schema": {"$ref": "#/components/schemas/Uuid"}}
PUT_RESULT = {
    "type": "object",
    "required": ["uuid", "status", "feature", "crop_needed"],
    "properties": {
        "uuid": {"type": "string"},
        "status": {"enum": ["created", "updated", "unchanged"]},
        "feature": {"type": "string"},
        "crop_needed": {"type": "boolean"},
    },
}


GEOJSON_OK = {"200": {"description": "GeoJSON, with an ETag (send If-None-Match for a 304)",
                      "content": {"application/geo+json": {"schema": {"type": "object"}}}}}  # fmt: skip
NOT_MODIFIED = {"304": {"description": "not modified since the ETag given in If-None-Match"}}
PAGE_PARAMS = [
    {"name": "bbox", "in": "query", "style": "form", "explode": False, "description": "minLon,minLat,maxLon,maxLat",
     "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1, "default": 0}},
    {"name": "datetime", "in": "query", "description": "when the feature last changed: a time or an interval a/b",
     "schema": {"type": "string"}},
]  # fmt: skip
COLLECTION_PARAM = {"name": "collectionId", "in": "path", "required": True, "schema": {"type": "string"}}


def _get(op: str, summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"get": {"operationId": op, "summary": summary, "responses": responses, **extra}}


def _ogc_paths() -> dict[str, Any]:
    """OGC API - Features Part 1: landing page, conformance, the collection and its items."""
    json_ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
    landing = {"200": {"description": "the landing page (JSON), or the map for a browser",
                       "content": {"application/json": {"schema": {"type": "object"}}, "text/html": {}}}}  # fmt: skip
    return {
        "/": _get("landing", "OGC API landing page (f=json), the public map (browsers)", landing,
                  parameters=[{"name": "f", "in": "query", "schema": {"enum": ["json", "html"]}}]),
        "/conformance": _get("conformance", "OGC API conformance classes", json_ok),
        "/collections": _get("collections", "The one collection: cameras", json_ok),
        "/collections/{collectionId}": {"parameters": [COLLECTION_PARAM],
                                        **_get("collection", "The cameras collection", {**json_ok, **_err(404)})},
        "/collections/{collectionId}/items": {
            "parameters": [COLLECTION_PARAM],
            **_get("items", "A page of cameras by bbox, datetime, limit and offset (with next links)",
                   {**GEOJSON_OK, **NOT_MODIFIED, **_err(400, 404)}, parameters=PAGE_PARAMS),
        },
        "/collections/{collectionId}/items/{featureId}": {
            "parameters": [COLLECTION_PARAM, {"name": "featureId", "in": "path", "required": True,
                                              "schema": {"type": "string"}}],
            **_get("item", "One camera (map feature)", {**GEOJSON_OK, **NOT_MODIFIED, **_err(404)}),
        },
    }  # fmt: skip


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    secured: list[dict[str, list[str]]] = [{"device": []}]
    ok_json = {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "sousveillance campaign server", "version": __version__},
        "components": _components(),
        "paths": {
            "/api/v1/cameras/{uuid}": {
                "parameters": [UUID_PARAM],
                "put": {
                    "operationId": "putCamera",
                    "summary": "Submit or update one confirmed camera (idempotent by UUID)",
                    "security": secured,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CameraFeature"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "updated or unchanged",
                            "content": {"application/json": {"schema": PUT_RESULT}},
                        },
                        "201": {"description": "created", "content": {"application/json": {"schema": PUT_RESULT}}},
                        **_err(400, 401, 403, 409, 413, 415, 422),
                    },
                },
                "delete": {
                    "operationId": "deleteCamera",
                    "summary": "Withdraw a camera the walker no longer confirms (idempotent)",
                    "security": secured,
                    "responses": {"200": ok_json, **_err(401, 403, 422)},
                },
                "get": {
                    "operationId": "getCamera",
                    "summary": "What the server holds for one of this device's cameras",
                    "security": secured,
                    "responses": {"200": ok_json, **_err(401, 403, 404, 422)},
                },
            },
            "/api/v1/cameras/{uuid}/crop": {
                "parameters": [UUID_PARAM],
                "put": {
                    "operationId": "putCrop",
                    "summary": "Upload the best crop (JPEG, at most 2 MiB) announced with the camera",
                    "security": secured,
                    "requestBody": {
                        "required": True,
                        "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    "responses": {"200": ok_json, "201": ok_json, **_err(401, 403, 404, 409, 413, 415, 422)},
                },
            },
            "/api/v1/crops/{uuid}": {
                "parameters": [UUID_PARAM],
                "get": {
                    "operationId": "getCrop",
                    "summary": "A crop by camera or map-feature UUID",
                    "responses": {"200": {"description": "JPEG", "content": {"image/jpeg": {}}}, **_err(404, 422)},
                },
            },
            "/api/v1/features": {
                "get": {
                    "operationId": "features",
                    "summary": "The merged map features (GeoJSON): all of them, or a page by bbox / limit / offset",
                    "parameters": PAGE_PARAMS,
                    "responses": {**GEOJSON_OK, **_err(400)},
                }
            },
            **_ogc_paths(),
            "/api/v1/conflicts": {
                "get": {
                    "operationId": "conflicts",
                    "summary": "Open merge conflicts",
                    "responses": {"200": {"description": "list"}},
                }
            },
            "/api/v1/export/{fmt}": {
                "parameters": [
                    {
                        "name": "fmt",
                        "in": "path",
                        "required": True,
                        "schema": {"enum": ["geojson", "umap", "csv", "gpx", "osm", "osc"]},
                    }
                ],
                "get": {
                    "operationId": "export",
                    "summary": "Export the map",
                    "responses": {"200": {"description": "file"}, **_err(404)},
                },
            },
            "/api/v1/health": {"get": {"operationId": "health", "responses": {"200": ok_json}}},
        },
    }
