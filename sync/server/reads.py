"""Reading the campaign map: pages of map features by box and time, single features, extents, counts, crops.

Read-only queries on their own pooled connection (SQLite in WAL mode lets them run beside the writer). A page is
first only the ids and revisions of its features and the number matched: its ETag, and the keys of the feature
bodies ``pages.py`` keeps; only features it has not seen yet are read in full.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import spatial
from .tables import conflicts, crops, devices, features, submissions

FEATURE_COLUMNS = [c for c in features.c if c.name != "overrides"]


@dataclass(frozen=True)
class Query:
    """What a page of features is asked for: a box, a time range on ``updated_at``, a window."""

    box: spatial.Box | None = None
    since: str | None = None  # inclusive bounds, ISO strings comparable with updated_at
    until: str | None = None
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class Page:
    """A page as (id, uuid, rev) of its features, oldest first: its ETag, and the keys of cached bodies (the
    uuid too: SQLite may give a deleted feature's id to a new one)."""

    keys: list[tuple[int, str, int]]
    matched: int
    etag: str


def _where(postgres: bool, q: Query) -> tuple[str, list[Any]]:
    clauses, params = ["1 = 1"], []
    if q.box is not None:
        sql, box_params = spatial.box_sql(postgres, q.box)
        clauses.append(sql)
        params += box_params
    if q.since is not None:
        clauses.append("f.updated_at >= ?")
        params.append(q.since)
    if q.until is not None:
        clauses.append("f.updated_at <= ?")
        params.append(q.until)
    return " AND ".join(clauses), params


def _driver(conn: Connection, postgres: bool, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """A read through the driver itself: a page of ids costs a C loop, not a query builder per row."""
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute(sql.replace("?", "%s") if postgres else sql, params)
        return list(cur.fetchall())
    finally:
        cur.close()


def page(conn: Connection, postgres: bool, q: Query, key: str = "") -> Page:
    """Which map features a page holds and how many match in all; ``key`` (the request) enters the ETag."""
    where, params = _where(postgres, q)
    sql = f"SELECT f.id, f.uuid, f.rev FROM features f WHERE {where} ORDER BY f.id"
    if q.limit is not None or q.offset:
        sql += " LIMIT ? OFFSET ?"
        params = [*params, q.limit if q.limit is not None else 2**31 - 1, q.offset]
    keys = [(r[0], r[1], r[2]) for r in _driver(conn, postgres, sql, params)]
    if q.limit is None and not q.offset:
        matched = len(keys)
    elif q.limit is not None and len(keys) < q.limit and (keys or not q.offset):
        matched = q.offset + len(keys)
    else:
        plain_box = q.box is not None and not postgres and q.since is None and q.until is None
        fast = spatial.rtree_count(q.box) if plain_box else None  # type: ignore[arg-type]
        count_sql, count_params = fast or (f"SELECT count(*) FROM features f WHERE {where}", _where(postgres, q)[1])
        matched = _driver(conn, postgres, count_sql, count_params)[0][0]
    digest = hashlib.blake2b(f"{key}|{matched}".encode(), digest_size=16)
    digest.update("".join(f"{u}:{rev};" for _, u, rev in keys).encode())
    return Page(keys, matched, f'W/"{digest.hexdigest()}"')


def rows(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Map feature rows by id (in chunks, so that a long list stays one query per thousand)."""
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for r in conn.execute(sa.select(*FEATURE_COLUMNS).where(features.c.id.in_(chunk))):
            found[r.id] = dict(r._mapping)
    return found


def all_rows(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(sa.select(*FEATURE_COLUMNS).order_by(features.c.id))]


def item(conn: Connection, uuid: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(*FEATURE_COLUMNS).where(features.c.uuid == uuid)).first()
    return dict(row._mapping) if row is not None else None


def extent(conn: Connection) -> dict[str, Any]:
    """Bounding box (west, south, east, north) and time span of the map, None when it is empty."""
    row = conn.execute(
        sa.select(
            sa.func.min(features.c.longitude),
            sa.func.min(features.c.latitude),
            sa.func.max(features.c.longitude),
            sa.func.max(features.c.latitude),
            sa.func.min(features.c.updated_at),
            sa.func.max(features.c.updated_at),
            sa.func.count(),
        )
    ).one()
    if not row[6]:
        return {"bbox": None, "interval": None, "count": 0}
    return {"bbox": [row[0], row[1], row[2], row[3]], "interval": [row[4], row[5]], "count": row[6]}


def camera(conn: Connection, uuid: str) -> Any:
    """A submission with its map feature's UUID and whether its crop is still expected."""
    return conn.execute(
        sa.select(
            submissions.c.device_id,
            submissions.c.payload,
            submissions.c.crop_sha256,
            features.c.uuid.label("feature_uuid"),
            crops.c.sha256.label("crop_have"),
        )
        .select_from(
            submissions.outerjoin(features, features.c.id == submissions.c.feature_id).outerjoin(
                crops, crops.c.submission_uuid == submissions.c.uuid
            )
        )
        .where(submissions.c.uuid == uuid)
    ).first()


def crop(conn: Connection, uuid: str) -> bytes | None:
    """A crop by camera (submission) UUID, or the first crop of a map feature by feature UUID."""
    data = conn.execute(sa.select(crops.c.data).where(crops.c.submission_uuid == uuid)).scalar()
    if data is None:
        data = conn.execute(
            sa.select(crops.c.data)
            .join(submissions, submissions.c.uuid == crops.c.submission_uuid)
            .join(features, features.c.id == submissions.c.feature_id)
            .where(features.c.uuid == uuid)
            .order_by(submissions.c.id)
            .limit(1)
        ).scalar()
    return bytes(data) if data is not None else None


def open_conflicts(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(conflicts.c.id, conflicts.c.field, conflicts.c.detail, conflicts.c.created_at, features.c.uuid)
        .join(features, features.c.id == conflicts.c.feature_id)
        .where(conflicts.c.resolved_at.is_(None))
        .order_by(conflicts.c.id)
    ).all()
    return [dict(r._mapping) | {"detail": json.loads(r.detail)} for r in rows]


def stored(conn: Connection) -> tuple[set[str], int, int]:
    """(submission UUIDs, submission rows, submissions the map features count): the benchmark's integrity check."""
    uuids = {r[0] for r in conn.execute(sa.select(submissions.c.uuid))}
    rows = conn.execute(sa.select(sa.func.count()).select_from(submissions)).scalar_one()
    counted = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(features.c.submissions), 0))).scalar_one()
    return uuids, rows, int(counted)


def counts(conn: Connection) -> dict[str, int]:
    return {
        t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
        for t in (devices, submissions, features, crops, conflicts)
    }
