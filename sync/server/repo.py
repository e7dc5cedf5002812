"""Campaign server storage: one object for the app and the admin commands over SQLite or PostgreSQL + PostGIS.

Writes from the web app go through the single writer (``writer.py``: a task with one connection, small groups, one
commit each); admin commands and tests run the same jobs (``writes.py``) in a transaction of their own. SQLite
takes its write lock up front (BEGIN IMMEDIATE), so several server processes on one file serialise; PostgreSQL
locks only the neighbourhood of each write (``spatial.LOCK_SQL``), so replicas merge walkers in different streets
side by side. Reads go through SQLAlchemy's pool (``reads.py``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import merge, reads, spatial
from .auth import Device, Tokens, hash_token
from .auth import check as check_device
from .db import Db, connect
from .engine import open_engine
from .errors import AuthError, Refusal, RepoError
from .mapstate import MapState
from .tables import devices, features, submissions
from .writer import Writer
from .writes import PutResult, Writes, now, observation

log = logging.getLogger(__name__)

__all__ = ["AuthError", "Device", "PutResult", "RepoError", "Repository"]

T = TypeVar("T")


class Job:
    """A write for the writer: an async callable on a group's ``MapState``, with what to read for it up front
    (the submission UUIDs it names, the points it places) and the PostgreSQL lock keys it needs."""

    __slots__ = ("fn", "cells", "uuids", "places")

    def __init__(
        self,
        fn: Callable[[MapState], Awaitable[Any]],
        cells: set[int] | None = None,
        uuids: tuple[str, ...] = (),
        places: tuple[merge.Observation, ...] = (),
    ):
        self.fn, self.cells, self.uuids, self.places = fn, cells or set(), uuids, places

    def __call__(self, st: MapState) -> Awaitable[Any]:
        return self.fn(st)


class Repository:
    def __init__(self, url: str):
        self.engine = open_engine(url)
        self.url = self.engine.url.render_as_string(hide_password=False)
        self.postgres = self.engine.dialect.name == "postgresql"
        self.tokens = Tokens()
        self.writes = Writes(self.postgres, self.tokens)
        self.writer = Writer(partial(connect, self.url), self._session, (Refusal,))

    def close(self) -> None:
        self.writer.close()
        self.engine.dispose()

    @asynccontextmanager
    async def _session(self, db: Db, jobs: list[Any]) -> AsyncIterator[MapState]:
        """One write transaction's map: revocations seen, the jobs' neighbourhoods locked (PostgreSQL), their
        submissions and surroundings read in one go; what they changed is written back at the end."""
        state = MapState(db, now())
        places = [o for j in jobs for o in getattr(j, "places", ())]
        if self.postgres:  # one round trip: the revocation counter, the neighbourhoods' locks, ids for new features
            keys = sorted(set().union(*(getattr(j, "cells", ()) for j in jobs)))
            row = await db.one(spatial.PROLOGUE_SQL, (keys, len(places)))
            assert row is not None
            await self.tokens.sync(db, generation=row[0])
            state.spare_ids = list(row[2])
        else:
            await self.tokens.sync(db)
        await state.load_submissions([u for j in jobs for u in getattr(j, "uuids", ())])
        await state.load_around([(o.latitude, o.longitude) for o in places])
        await state.load_members(places)
        yield state
        await state.flush()

    def _run(self, job: Callable[[MapState], Awaitable[T]]) -> T:
        """A job in a transaction of its own (admin commands, tests): same rules as the writer's groups. Called
        from a thread that already runs an event loop, it runs in a thread of its own."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.writer.run_one(job))
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="campaign-admin") as pool:
            return pool.submit(asyncio.run, self.writer.run_one(job)).result()

    def _read(self, fn: Callable[[Connection], T]) -> T:
        with self.engine.connect() as conn:
            return fn(conn)

    # -- devices -----------------------------------------------------------------------------------------
    def add_device(self, name: str) -> str:
        """Enrol a device; returns its token (shown once: only its hash is stored)."""
        token = "sv_" + secrets.token_urlsafe(32)
        self._run(partial(self.writes.add_device, name=name, token_hash=hash_token(token)))
        log.info("device %s enrolled", name)
        return token

    def revoke_device(self, name: str) -> bool:
        return self._run(partial(self.writes.revoke_device, name=name))

    def devices(self) -> list[Device]:
        rows = self._read(lambda c: c.execute(sa.select(devices).order_by(devices.c.id)).all())
        return [Device(r.id, r.name, r.created_at, r.revoked_at) for r in rows]

    def authenticate(self, token: str | None) -> Device:
        """The active device of a token (cached in memory); ``AuthError`` when missing, unknown or revoked."""
        return self.authenticate_hash(hash_token(token) if token else "")

    def warm(self) -> None:
        """Read every device's token hash now (the server's start), not on each device's first request."""
        self._read(self.tokens.sync_sa)

    def authenticate_hash(self, token_hash: str) -> Device:
        if token_hash:
            cached = self.tokens.cached(token_hash)
            if cached is not None:
                return check_device(cached)

        return self._read(partial(self.tokens.device_sa, token_hash=token_hash))

    # -- writes: sync (admin, tests) and through the writer (web app) ------------------------------------
    # ``who``: a token hash (checked in the job's transaction) or a Device the caller already checked.
    def put_job(self, who: str | Device, feature: dict[str, Any], raw: bytes | None = None) -> Job:
        lon, lat = feature["geometry"]["coordinates"]
        fn = partial(self.writes.put_camera, who=who, feature=feature, raw=raw)
        return Job(fn, self.writes.cells(lat, lon), (feature["id"],), (observation(feature),))

    def delete_job(self, who: str | Device, uuid: str) -> Job:
        return Job(partial(self.writes.delete_camera, who=who, uuid=uuid), uuids=(uuid,))

    def crop_job(self, who: str | Device, uuid: str, data: bytes) -> Job:
        return Job(partial(self.writes.put_crop, who=who, uuid=uuid, data=data), uuids=(uuid,))

    def submit(self, job: Job) -> asyncio.Future[Any]:
        """Queue a job for the writer (from the event loop); await the future for its result."""
        return self.writer.submit(job)

    def put_camera(self, device: Device, feature: dict[str, Any]) -> PutResult:
        return self._run(self.put_job(device, feature))

    def delete_camera(self, device: Device, uuid: str) -> str:
        return self._run(self.delete_job(device, uuid))

    def put_crop(self, device: Device, uuid: str, data: bytes) -> str:
        return self._run(self.crop_job(device, uuid, data))

    def resolve(self, feature_uuid: str, field_name: str, value: Any) -> None:
        """An admin settles a conflict: ``value`` wins for ``field_name`` on that map feature from now on."""
        self._run(partial(self.writes.resolve, feature_uuid=feature_uuid, field_name=field_name, value=value))

    # -- reads -------------------------------------------------------------------------------------------
    def get_camera(self, device: Device | str, uuid: str) -> dict[str, Any]:
        """What the server holds for one of the device's cameras (``device``: a Device or a token hash)."""

        def look(conn: Connection) -> dict[str, Any]:
            dev = self.tokens.device_sa(conn, device) if isinstance(device, str) else device
            row = reads.camera(conn, uuid)
            if row is None:
                raise RepoError(404, "not_found", "no such camera")
            if row.device_id != dev.id:
                raise RepoError(403, "foreign_camera", "this camera was submitted by another device")
            return {
                "uuid": uuid, "feature": row.feature_uuid or "",
                "crop_needed": bool(row.crop_sha256) and row.crop_have is None, "payload": json.loads(row.payload),
            }  # fmt: skip

        return self._read(look)

    def crop(self, uuid: str) -> bytes | None:
        return self._read(partial(reads.crop, uuid=uuid))

    def page(self, query: reads.Query, key: str = "") -> reads.Page:
        return self._read(partial(reads.page, postgres=self.postgres, q=query, key=key))

    def item(self, uuid: str) -> dict[str, Any] | None:
        return self._read(partial(reads.item, uuid=uuid))

    def extent(self) -> dict[str, Any]:
        return self._read(reads.extent)

    def rows(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        return self._read(partial(reads.rows, ids=ids))

    def features(self) -> list[dict[str, Any]]:
        """Every map feature (oldest first), as plain dicts."""
        return self._read(reads.all_rows)

    def open_conflicts(self) -> list[dict[str, Any]]:
        return self._read(reads.open_conflicts)

    def counts(self) -> dict[str, int]:
        return self._read(reads.counts)

    def stored(self) -> tuple[set[str], int, int]:
        return self._read(reads.stored)

    def bulk_load(self, device: str, feature_rows: list[dict[str, Any]], submission_rows: list[dict[str, Any]]) -> None:
        """Ready-made map features (with ids) and their submissions in one transaction, for a benchmark's big map."""
        with self.engine.begin() as conn:
            dev = conn.execute(devices.insert().values(name=device, token_hash="0" * 64, created_at=now()))
            key = dev.inserted_primary_key
            assert key is not None
            for row in submission_rows:
                row["device_id"] = key[0]
            conn.execute(features.insert(), feature_rows)
            conn.execute(submissions.insert(), submission_rows)
            if self.postgres:
                top = max(r["id"] for r in feature_rows)
                conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('features', 'id'), :n)"), {"n": top})
