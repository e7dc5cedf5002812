"""Campaign server storage: devices, idempotent submissions, crops, merged map features, conflicts.

Every write that can change the map runs inside one transaction holding the campaign's merge lock (SQLite's
write lock taken up front with BEGIN IMMEDIATE, a PostgreSQL advisory lock), also across server processes, so two
walkers submitting the same camera at once still end up as one map feature.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import uuid as uuidlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sousveillance.device.geodesy import bbox

from ..wire import feature_hash
from . import merge
from .tables import conflicts, crops, devices, features, open_engine, submissions

log = logging.getLogger(__name__)

MERGE_LOCK = 7202
# Hot statements built once (SQLAlchemy then reuses their compiled form); values go in as parameters.
SUBMISSION_BY_UUID = sa.select(submissions).where(submissions.c.uuid == sa.bindparam("u"))
CANDIDATES_BBOX = sa.select(features).where(
    features.c.latitude.between(sa.bindparam("la0"), sa.bindparam("la1")),
    features.c.longitude.between(sa.bindparam("lo0"), sa.bindparam("lo1")),
)
CANDIDATES_POSTGIS = sa.select(features).where(
    sa.text("ST_DWithin(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :r)")
)


class AuthError(Exception):
    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


class RepoError(Exception):
    """A request that is well-formed but cannot be applied (409/422 at the API)."""

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


@dataclass(frozen=True)
class Device:
    id: int
    name: str
    created_at: str
    revoked_at: str | None


@dataclass(frozen=True)
class PutResult:
    status: str  # created | updated | unchanged
    feature_uuid: str
    crop_needed: bool


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _obs(row: Any) -> merge.Observation:
    m = row._mapping
    return merge.Observation(
        latitude=m["latitude"], longitude=m["longitude"], uncertainty_m=m["uncertainty_m"],
        camera_type=m["camera_type"], mount=m["mount"], direction=m["direction"], surveillance=m["surveillance"],
        device_id=m.get("device_id", 0), sightings=m["sightings"], received_at=m.get("received_at", ""),
    )  # fmt: skip


class Repository:
    def __init__(self, url: str):
        self.engine = open_engine(url)
        self.postgres = self.engine.dialect.name == "postgresql"
        self._lock = threading.Lock()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if self.postgres:
            with self.engine.begin() as conn:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": MERGE_LOCK})
                yield conn
        else:
            with self._lock, self.engine.connect() as conn:
                conn.execution_options(immediate=True)
                with conn.begin():
                    yield conn

    # -- devices -----------------------------------------------------------------------------------------
    def add_device(self, name: str) -> str:
        """Enrol a device; returns its token (shown once: only its hash is stored)."""
        token = "sv_" + secrets.token_urlsafe(32)
        with self._write() as conn:
            if conn.execute(sa.select(devices.c.id).where(devices.c.name == name)).first():
                raise RepoError(409, "device_exists", f"a device named {name!r} already exists")
            conn.execute(devices.insert().values(name=name, token_hash=hash_token(token), created_at=now()))
        log.info("device %s enrolled", name)
        return token

    def revoke_device(self, name: str) -> bool:
        with self._write() as conn:
            result = conn.execute(
                devices.update().where(devices.c.name == name, devices.c.revoked_at.is_(None)).values(revoked_at=now())
            )
        return result.rowcount > 0

    def devices(self) -> list[Device]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(devices).order_by(devices.c.id)).all()
        return [Device(r.id, r.name, r.created_at, r.revoked_at) for r in rows]

    def authenticate(self, token: str | None) -> Device:
        if not token:
            raise AuthError(401, "missing_token", "send 'Authorization: Bearer <device token>'")
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(devices).where(devices.c.token_hash == hash_token(token))).first()
        if row is None:
            raise AuthError(401, "invalid_token", "unknown device token")
        if row.revoked_at:
            raise AuthError(403, "device_revoked", f"device {row.name} was revoked at {row.revoked_at}")
        return Device(row.id, row.name, row.created_at, row.revoked_at)

    # -- submissions -------------------------------------------------------------------------------------
    def put_camera(self, device: Device, feature: dict[str, Any]) -> PutResult:
        """Store one validated wire feature; idempotent by camera UUID; merges it into a map feature."""
        uuid = feature["id"]
        digest = feature_hash(feature)
        with self.engine.connect() as conn:  # fast path: a repeat after a lost acknowledgement
            old = conn.execute(SUBMISSION_BY_UUID, {"u": uuid}).first()
            if old is not None and old.device_id == device.id and old.payload_hash == digest:
                return PutResult("unchanged", self._feature_uuid(conn, old.feature_id), self._crop_needed(conn, old))
        with self._write() as conn:
            old = conn.execute(SUBMISSION_BY_UUID, {"u": uuid}).first()
            if old is not None and old.device_id != device.id:
                raise RepoError(403, "foreign_camera", "this camera was submitted by another device")
            if old is not None and old.payload_hash == digest:
                return PutResult("unchanged", self._feature_uuid(conn, old.feature_id), self._crop_needed(conn, old))
            props = feature["properties"]
            lon, lat = feature["geometry"]["coordinates"]
            values = {
                "payload": json.dumps(feature, sort_keys=True), "payload_hash": digest,
                "latitude": lat, "longitude": lon, "uncertainty_m": float(props["uncertainty_m"]),
                "camera_type": props["camera_type"], "mount": props["mount"], "direction": props.get("direction"),
                "surveillance": props.get("surveillance"), "sightings": props["sightings"],
                "walk_uuid": props["walk"]["uuid"], "crop_sha256": (props.get("crop") or {}).get("sha256"),
                "updated_at": now(),
            }  # fmt: skip
            if old is None:  # the common case, in as few statements as possible
                obs = merge.Observation(
                    latitude=lat, longitude=lon, uncertainty_m=values["uncertainty_m"], camera_type=values["camera_type"],
                    mount=values["mount"], direction=values["direction"], surveillance=values["surveillance"],
                    device_id=device.id, sightings=values["sightings"],
                )  # fmt: skip
                feature_id, feature_uuid, is_new = self._place(conn, obs)
                params = {
                    "uuid": uuid,
                    "device_id": device.id,
                    "feature_id": feature_id,
                    "received_at": now(),
                    **values,
                }
                conn.execute(submissions.insert(), params)
                if not is_new:
                    self._recompute(conn, feature_id)
                return PutResult("created", feature_uuid, values["crop_sha256"] is not None)
            else:
                status = "updated"
                if old.crop_sha256 != values["crop_sha256"]:
                    conn.execute(crops.delete().where(crops.c.submission_uuid == uuid))
                others = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(submissions)
                    .where(submissions.c.feature_id == old.feature_id, submissions.c.uuid != uuid)
                ).scalar_one()
                if not others:  # its own map feature: edit in place, the feature keeps its UUID
                    conn.execute(submissions.update().where(submissions.c.uuid == uuid).values(**values))
                    self._recompute(conn, old.feature_id)
                    row = conn.execute(sa.select(submissions).where(submissions.c.uuid == uuid)).one()
                    return PutResult(status, self._feature_uuid(conn, old.feature_id), self._crop_needed(conn, row))
                conn.execute(submissions.update().where(submissions.c.uuid == uuid).values(feature_id=None, **values))
                self._recompute(conn, old.feature_id)
            row = conn.execute(sa.select(submissions).where(submissions.c.uuid == uuid)).one()
            feature_id = self._attach(conn, row)
            return PutResult(status, self._feature_uuid(conn, feature_id), self._crop_needed(conn, row))

    def delete_camera(self, device: Device, uuid: str) -> str:
        """Withdraw a camera its walker no longer confirms; idempotent (``deleted`` then ``absent``)."""
        with self._write() as conn:
            row = conn.execute(sa.select(submissions).where(submissions.c.uuid == uuid)).first()
            if row is None:
                return "absent"
            if row.device_id != device.id:
                raise RepoError(403, "foreign_camera", "this camera was submitted by another device")
            conn.execute(crops.delete().where(crops.c.submission_uuid == uuid))
            conn.execute(submissions.delete().where(submissions.c.uuid == uuid))
            self._recompute(conn, row.feature_id)
        return "deleted"

    def get_camera(self, device: Device, uuid: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(submissions).where(submissions.c.uuid == uuid)).first()
            if row is None:
                raise RepoError(404, "not_found", "no such camera")
            if row.device_id != device.id:
                raise RepoError(403, "foreign_camera", "this camera was submitted by another device")
            return {
                "uuid": uuid, "feature": self._feature_uuid(conn, row.feature_id),
                "crop_needed": self._crop_needed(conn, row), "payload": json.loads(row.payload),
            }  # fmt: skip

    def put_crop(self, device: Device, uuid: str, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        with self._write() as conn:
            row = conn.execute(sa.select(submissions).where(submissions.c.uuid == uuid)).first()
            if row is None:
                raise RepoError(404, "not_found", "send the camera before its crop")
            if row.device_id != device.id:
                raise RepoError(403, "foreign_camera", "this camera was submitted by another device")
            if row.crop_sha256 != digest:
                raise RepoError(409, "crop_mismatch", "crop does not match the sha256 announced with the camera")
            if conn.execute(sa.select(crops.c.sha256).where(crops.c.submission_uuid == uuid)).first():
                return "unchanged"
            conn.execute(crops.insert().values(submission_uuid=uuid, sha256=digest, data=data, received_at=now()))
            return "created"

    def crop(self, uuid: str) -> bytes | None:
        """A crop by camera (submission) UUID, or the first crop of a map feature by feature UUID."""
        with self.engine.connect() as conn:
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

    # -- merge -------------------------------------------------------------------------------------------
    @staticmethod
    def _feature_uuid(conn: Connection, feature_id: int | None) -> str:
        return conn.execute(sa.select(features.c.uuid).where(features.c.id == feature_id)).scalar() or ""

    @staticmethod
    def _crop_needed(conn: Connection, row: Any) -> bool:
        if not row.crop_sha256:
            return False
        return conn.execute(sa.select(crops.c.sha256).where(crops.c.submission_uuid == row.uuid)).first() is None

    def _candidates(self, conn: Connection, lat: float, lon: float) -> dict[int, tuple[merge.Observation, str]]:
        if self.postgres:
            rows = conn.execute(CANDIDATES_POSTGIS, {"lon": lon, "lat": lat, "r": merge.MAX_GATE_M}).all()
        else:
            la0, la1, lo0, lo1 = bbox(lat, lon, merge.MAX_GATE_M)
            rows = conn.execute(CANDIDATES_BBOX, {"la0": la0, "la1": la1, "lo0": lo0, "lo1": lo1}).all()
        return {r.id: (_obs(r), r.uuid) for r in rows}

    def _place(self, conn: Connection, obs: merge.Observation) -> tuple[int, str, bool]:
        """The map feature an observation belongs to, created when none matches: (id, uuid, created)."""
        candidates = self._candidates(conn, obs.latitude, obs.longitude)
        match = merge.best_match(obs, {k: v[0] for k, v in candidates.items()})
        if match is not None:
            return match, candidates[match][1], False
        stamp, feature_uuid = now(), str(uuidlib.uuid4())
        params = {
            "uuid": feature_uuid, "latitude": obs.latitude, "longitude": obs.longitude, "uncertainty_m": obs.uncertainty_m,
            "camera_type": obs.camera_type, "mount": obs.mount, "direction": obs.direction,
            "surveillance": obs.surveillance, "contributors": 1, "submissions": 1, "sightings": obs.sightings,
            "conflicts": 0, "created_at": stamp, "updated_at": stamp,
        }  # fmt: skip
        feature_id = conn.execute(features.insert(), params).inserted_primary_key[0]
        self._set_geom(conn, int(feature_id), obs.latitude, obs.longitude)
        return int(feature_id), feature_uuid, True

    def _set_geom(self, conn: Connection, feature_id: int, lat: float, lon: float) -> None:
        if self.postgres:
            conn.execute(
                sa.text(
                    "UPDATE features SET geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography WHERE id = :id"
                ),
                {"lon": lon, "lat": lat, "id": feature_id},
            )

    def _attach(self, conn: Connection, row: Any) -> int:
        """Attach a stored submission to the map feature it belongs to (or a new one); returns the feature id."""
        feature_id, _, is_new = self._place(conn, _obs(row))
        conn.execute(submissions.update().where(submissions.c.id == row.id).values(feature_id=feature_id))
        if not is_new:
            self._recompute(conn, feature_id)
        return feature_id

    def _recompute(self, conn: Connection, feature_id: int | None) -> None:
        if feature_id is None:
            return
        rows = conn.execute(
            sa.select(submissions).where(submissions.c.feature_id == feature_id).order_by(submissions.c.id)
        ).all()
        if not rows:
            conn.execute(conflicts.delete().where(conflicts.c.feature_id == feature_id))
            conn.execute(features.delete().where(features.c.id == feature_id))
            return
        overrides = conn.execute(sa.select(features.c.overrides).where(features.c.id == feature_id)).scalar()
        agg = merge.aggregate([_obs(r) for r in rows], json.loads(overrides) if overrides else None)
        conn.execute(
            features.update().where(features.c.id == sa.bindparam("fid")),  # statement built once, cached
            {
                "fid": feature_id, "latitude": agg.latitude, "longitude": agg.longitude,
                "uncertainty_m": agg.uncertainty_m, "camera_type": agg.camera_type, "mount": agg.mount,
                "direction": agg.direction, "surveillance": agg.surveillance, "contributors": agg.contributors,
                "submissions": agg.submissions, "sightings": agg.sightings, "conflicts": len(agg.conflicts),
                "updated_at": now(),
            },
        )  # fmt: skip
        self._set_geom(conn, feature_id, agg.latitude, agg.longitude)
        conn.execute(conflicts.delete().where(conflicts.c.feature_id == feature_id, conflicts.c.resolved_at.is_(None)))
        for field_name, values in agg.conflicts.items():
            conn.execute(
                conflicts.insert().values(
                    feature_id=feature_id, field=field_name, detail=json.dumps(values), created_at=now()
                )
            )

    # -- admin and reading -------------------------------------------------------------------------------
    def resolve(self, feature_uuid: str, field_name: str, value: Any) -> None:
        """An admin settles a conflict: ``value`` wins for ``field_name`` on that map feature from now on."""
        if field_name not in ("camera_type", "mount", "direction", "surveillance"):
            raise RepoError(422, "bad_field", f"cannot resolve {field_name!r}")
        with self._write() as conn:
            row = conn.execute(sa.select(features).where(features.c.uuid == feature_uuid)).first()
            if row is None:
                raise RepoError(404, "not_found", f"no map feature {feature_uuid}")
            overrides = json.loads(row.overrides) if row.overrides else {}
            overrides[field_name] = value
            conn.execute(features.update().where(features.c.id == row.id).values(overrides=json.dumps(overrides)))
            conn.execute(
                conflicts.update()
                .where(
                    conflicts.c.feature_id == row.id, conflicts.c.field == field_name, conflicts.c.resolved_at.is_(None)
                )
                .values(resolved_at=now(), resolution=json.dumps(value))
            )
            self._recompute(conn, row.id)

    def features(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(features).order_by(features.c.id)).all()
        return [{k: v for k, v in r._mapping.items() if k not in ("geom", "overrides")} for r in rows]

    def open_conflicts(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    conflicts.c.id, conflicts.c.field, conflicts.c.detail, conflicts.c.created_at, features.c.uuid
                )
                .join(features, features.c.id == conflicts.c.feature_id)
                .where(conflicts.c.resolved_at.is_(None))
                .order_by(conflicts.c.id)
            ).all()
        return [dict(r._mapping) | {"detail": json.loads(r.detail)} for r in rows]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in (devices, submissions, features, crops, conflicts)
            }
