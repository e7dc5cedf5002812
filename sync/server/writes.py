"""Every change to the campaign map, as jobs on one open transaction: submissions merged into map features.

A job authenticates its device, reads what it needs, raises its expected errors (``RepoError``, ``AuthError``) and
only then writes; the writer (``writer.py``) or an admin command supplies the transaction. A new submission joins
the best matching map feature nearby (``merge.best_match``) or starts one; a feature that moved is then checked
against its neighbours again (**re-merge**: two features that later submissions brought within the merge distance
become one, the one with more submissions keeping its UUID). SQL goes to the driver directly (``db.py``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..wire import canonical
from . import merge, spatial
from .auth import Device, Tokens
from .db import Db

log = logging.getLogger(__name__)

NEAR_M = merge.MAX_GATE_M + 1.0  # features a submission (or a feature that moved) can merge with
LOCK_M = 3 * merge.MAX_GATE_M  # PostgreSQL: the neighbourhood a write locks (the feature moves, then re-merges)

SUBMISSION = """SELECT s.id, s.device_id, s.payload_hash, s.feature_id, s.crop_sha256, s.latitude, s.longitude,
  f.uuid, c.sha256 FROM submissions s LEFT JOIN features f ON f.id = s.feature_id
  LEFT JOIN crops c ON c.submission_uuid = s.uuid WHERE s.uuid = ?"""
NEIGHBOURS = """SELECT id, uuid, latitude, longitude, uncertainty_m, camera_type, mount, direction, surveillance,
  submissions, conflicts, overrides FROM features
  WHERE {index} AND latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?"""
# Points are stored as boxes rounded outwards to 32-bit floats: "inside" is much faster to search than "overlaps",
# and the box is a metre wider than the merge needs, so an outward rounding never hides a candidate.
NEAR_SQLITE = NEIGHBOURS.format(
    index="id IN (SELECT id FROM features_rtree WHERE min_lat >= ? AND max_lat <= ? AND min_lon >= ? AND max_lon <= ?)"
)
NEAR_POSTGIS = NEIGHBOURS.format(index="geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)")
INSERT_FEATURE = """INSERT INTO features (uuid, latitude, longitude, uncertainty_m, camera_type, mount, direction,
  surveillance, contributors, submissions, sightings, conflicts, check_date, rev, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, 0, ?, 1, ?, ?) RETURNING id"""
SUBMISSION_VALUES = (
    "payload", "payload_hash", "latitude", "longitude", "uncertainty_m", "camera_type", "mount", "direction",
    "surveillance", "sightings", "walk_uuid", "crop_sha256", "reviewed_at", "updated_at",
)  # fmt: skip
INSERT_SUBMISSION = (
    f"INSERT INTO submissions (uuid, device_id, feature_id, received_at, {', '.join(SUBMISSION_VALUES)}) "
    f"VALUES ({', '.join('?' * (4 + len(SUBMISSION_VALUES)))})"
)
UPDATE_SUBMISSION = f"UPDATE submissions SET {', '.join(f'{c} = ?' for c in SUBMISSION_VALUES)} WHERE uuid = ?"
MEMBERS = """SELECT latitude, longitude, uncertainty_m, camera_type, mount, direction, surveillance, device_id,
  sightings, received_at, reviewed_at FROM submissions WHERE feature_id = ? ORDER BY id"""
UPDATE_FEATURE = """UPDATE features SET latitude = ?, longitude = ?, uncertainty_m = ?, camera_type = ?, mount = ?,
  direction = ?, surveillance = ?, contributors = ?, submissions = ?, sightings = ?, conflicts = ?, check_date = ?,
  updated_at = ?, rev = rev + 1 WHERE id = ?"""
DROP_OPEN_CONFLICTS = "DELETE FROM conflicts WHERE feature_id = ? AND resolved_at IS NULL"
INSERT_CONFLICT = "INSERT INTO conflicts (feature_id, field, detail, created_at) VALUES (?, ?, ?, ?)"
SETTLE_CONFLICT = """UPDATE conflicts SET resolved_at = ?, resolution = ?
  WHERE feature_id = ? AND field = ? AND resolved_at IS NULL"""
OTHER_MEMBERS = "SELECT count(*) FROM submissions WHERE feature_id = ? AND uuid <> ?"


class RepoError(Exception):
    """A request that is well-formed but cannot be applied (403/404/409/422 at the API)."""

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


@dataclass(frozen=True)
class PutResult:
    status: str  # created | updated | unchanged
    feature_uuid: str
    crop_needed: bool


@dataclass(slots=True)
class Neighbour:
    """A map feature near a write, as the merge needs it."""

    id: int
    uuid: str
    obs: merge.Observation
    submissions: int
    conflicts: int
    overrides: str | None


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def foreign() -> RepoError:
    return RepoError(403, "foreign_camera", "this camera was submitted by another device")


class Writes:
    """The jobs; ``postgres`` selects the spatial index and the neighbourhood locks."""

    def __init__(self, postgres: bool, tokens: Tokens):
        self.postgres, self.tokens = postgres, tokens
        self._near_sql = NEAR_POSTGIS if postgres else NEAR_SQLITE

    def cells(self, lat: float, lon: float) -> set[int]:
        """PostgreSQL lock keys of the neighbourhood of a point (none on SQLite: its write lock is global)."""
        return spatial.cells(spatial.around(lat, lon, LOCK_M)) if self.postgres else set()

    async def _lock_near(self, db: Db, lat: float, lon: float) -> None:
        if self.postgres:
            keys = sorted(self.cells(lat, lon))
            await db.one(spatial.LOCK_SQL, (keys,))

    async def _device(self, db: Db, who: str | Device) -> Device:
        return who if isinstance(who, Device) else await self.tokens.device(db, who)

    # -- submissions ---------------------------------------------------------------------------------
    async def put_camera(
        self, db: Db, who: str | Device, feature: dict[str, Any], raw: bytes | None = None
    ) -> PutResult:
        """Store one validated wire feature; idempotent by camera UUID; merges it into a map feature.

        ``raw``: the body as received (stored and hashed as it is); without it, the feature's canonical JSON.
        """
        device = await self._device(db, who)
        uuid = feature["id"]
        if raw is None:
            raw = canonical(feature).encode()
        text, digest = raw.decode("utf-8"), hashlib.sha256(raw).hexdigest()
        old = await db.one(SUBMISSION, (uuid,))
        if old is not None and old[1] != device.id:
            raise foreign()
        if old is not None and old[2] == digest:  # a repeat after a lost acknowledgement
            return PutResult("unchanged", old[7] or "", bool(old[4]) and old[8] is None)
        props, stamp = feature["properties"], now()
        lon, lat = feature["geometry"]["coordinates"]
        obs = merge.Observation(
            float(lat), float(lon), float(props["uncertainty_m"]), props["camera_type"], props["mount"],
            props.get("direction"), props.get("surveillance"), device.id, props["sightings"], stamp,
            props["review"]["reviewed_at"],
        )  # fmt: skip
        crop_sha = (props.get("crop") or {}).get("sha256")
        values = (
            text, digest, obs.latitude, obs.longitude, obs.uncertainty_m, obs.camera_type, obs.mount, obs.direction,
            obs.surveillance, obs.sightings, props["walk"]["uuid"], crop_sha, obs.reviewed_at, stamp,
        )  # fmt: skip
        if old is None:  # the common case, in as few statements as possible
            feature_id, feature_uuid, joined = await self._place(db, obs)
            await db.run(INSERT_SUBMISSION, (uuid, device.id, feature_id, stamp, *values))
            if joined is not None:
                feature_uuid = await self._settle(db, feature_id, feature_uuid, joined)
            return PutResult("created", feature_uuid, crop_sha is not None)
        _, _, _, old_feature, old_crop, old_lat, old_lon, old_feature_uuid, crop_have = old
        await self._lock_near(db, old_lat, old_lon)
        crop_needed = crop_sha is not None and (old_crop != crop_sha or crop_have is None)
        if old_crop != crop_sha:
            await db.run("DELETE FROM crops WHERE submission_uuid = ?", (uuid,))
        await db.run(UPDATE_SUBMISSION, (*values, uuid))
        others = await db.one(OTHER_MEMBERS, (old_feature, uuid))
        if not others or not others[0]:  # its own map feature: edit in place, the feature keeps its UUID
            return PutResult("updated", await self._settle(db, old_feature, old_feature_uuid, None), crop_needed)
        await db.run("UPDATE submissions SET feature_id = NULL WHERE uuid = ?", (uuid,))
        await self._settle(db, old_feature, old_feature_uuid, None)
        feature_id, feature_uuid, joined = await self._place(db, obs)
        await db.run("UPDATE submissions SET feature_id = ? WHERE uuid = ?", (feature_id, uuid))
        if joined is not None:
            feature_uuid = await self._settle(db, feature_id, feature_uuid, joined)
        return PutResult("updated", feature_uuid, crop_needed)

    async def delete_camera(self, db: Db, who: str | Device, uuid: str) -> str:
        """Withdraw a camera its walker no longer confirms; idempotent (``deleted`` then ``absent``)."""
        device = await self._device(db, who)
        row = await db.one(SUBMISSION, (uuid,))
        if row is None:
            return "absent"
        if row[1] != device.id:
            raise foreign()
        await self._lock_near(db, row[5], row[6])
        await db.run("DELETE FROM crops WHERE submission_uuid = ?", (uuid,))
        await db.run("DELETE FROM submissions WHERE uuid = ?", (uuid,))
        await self._settle(db, row[3], row[7], None)
        return "deleted"

    async def put_crop(self, db: Db, who: str | Device, uuid: str, data: bytes) -> str:
        device = await self._device(db, who)
        digest = hashlib.sha256(data).hexdigest()
        row = await db.one(SUBMISSION, (uuid,))
        if row is None:
            raise RepoError(404, "not_found", "send the camera before its crop")
        if row[1] != device.id:
            raise foreign()
        if row[4] != digest:
            raise RepoError(409, "crop_mismatch", "crop does not match the sha256 announced with the camera")
        if row[8] is not None:
            return "unchanged"
        await db.run("INSERT INTO crops (submission_uuid, sha256, data, received_at) VALUES (?, ?, ?, ?)",
                     (uuid, digest, data, now()))  # fmt: skip
        return "created"

    # -- merging ---------------------------------------------------------------------------------------
    async def _near(self, db: Db, lat: float, lon: float, radius_m: float) -> list[Neighbour]:
        south, north, west, east = spatial.around(lat, lon, radius_m)
        index = (west, south, east, north) if self.postgres else (south, north, west, east)
        rows = await db.all(self._near_sql, (*index, south, north, west, east))
        return [Neighbour(r[0], r[1], merge.Observation(*r[2:9]), r[9], r[10], r[11]) for r in rows]

    async def _place(self, db: Db, obs: merge.Observation) -> tuple[int, str, Neighbour | None]:
        """The map feature an observation joins, or a new one: (id, uuid, the feature joined as it was)."""
        near = await self._near(db, obs.latitude, obs.longitude, NEAR_M)
        match = merge.best_match(obs, {n.id: n.obs for n in near})
        if match is not None:
            joined = next(n for n in near if n.id == match)
            return match, joined.uuid, joined
        stamp, feature_uuid = now(), str(uuidlib.uuid4())
        row = await db.one(INSERT_FEATURE, (
            feature_uuid, obs.latitude, obs.longitude, obs.uncertainty_m, obs.camera_type, obs.mount, obs.direction,
            obs.surveillance, obs.sightings, merge.survey_date(obs.reviewed_at), stamp, stamp,
        ))  # fmt: skip
        assert row is not None
        return int(row[0]), feature_uuid, None

    async def _recompute(self, db: Db, feature_id: int, known: Neighbour | None = None) -> merge.Aggregate | None:
        """Aggregate a feature from its submissions again (deleting it when none is left)."""
        observations = [merge.Observation(*r) for r in await db.all(MEMBERS, (feature_id,))]
        if not observations:
            await db.run("DELETE FROM conflicts WHERE feature_id = ?", (feature_id,))
            await db.run("DELETE FROM features WHERE id = ?", (feature_id,))
            return None
        if known is not None:
            overrides = known.overrides
        else:
            row = await db.one("SELECT overrides FROM features WHERE id = ?", (feature_id,))
            overrides = row[0] if row else None
        agg = merge.aggregate(observations, json.loads(overrides) if overrides else None)
        await db.run(UPDATE_FEATURE, (
            agg.latitude, agg.longitude, agg.uncertainty_m, agg.camera_type, agg.mount, agg.direction,
            agg.surveillance, agg.contributors, agg.submissions, agg.sightings, len(agg.conflicts), agg.check_date,
            now(), feature_id,
        ))  # fmt: skip
        if known is None or known.conflicts or agg.conflicts:
            await db.run(DROP_OPEN_CONFLICTS, (feature_id,))
        for field_name, disagreeing in agg.conflicts.items():
            await db.run(INSERT_CONFLICT, (feature_id, field_name, json.dumps(disagreeing), now()))
        return agg

    async def _settle(self, db: Db, feature_id: int | None, feature_uuid: str, known: Neighbour | None) -> str:
        """Recompute a feature that changed, then re-merge it with any neighbour it now matches; its final UUID."""
        if feature_id is None:
            return ""
        agg = await self._recompute(db, feature_id, known)
        absorbed: set[int] = set()
        while agg is not None:
            near = await self._near(db, agg.latitude, agg.longitude, NEAR_M)
            me = merge.Observation(agg.latitude, agg.longitude, agg.uncertainty_m, agg.camera_type, agg.mount,
                                   agg.direction, agg.surveillance)  # fmt: skip
            others = {n.id: n for n in near if n.id != feature_id and n.id not in absorbed}
            match = merge.best_match(me, {k: n.obs for k, n in others.items()})
            if match is None:
                break
            other = others[match]
            keep_other = (other.submissions, -other.id) > (agg.submissions, -feature_id)
            survivor, gone = (other.id, feature_id) if keep_other else (feature_id, other.id)
            feature_uuid = other.uuid if keep_other else feature_uuid
            await self._absorb(db, survivor, gone)
            log.info("re-merged map feature %d into %d: later submissions brought them together", gone, survivor)
            absorbed.add(gone)
            feature_id = survivor
            agg = await self._recompute(db, survivor)
        return feature_uuid if agg is not None else ""

    async def _absorb(self, db: Db, survivor: int, gone: int) -> None:
        """Move every submission (and the admin's resolutions) of feature ``gone`` to ``survivor``; delete it."""
        rows = await db.all("SELECT id, overrides FROM features WHERE id IN (?, ?)", (survivor, gone))
        by_id = {r[0]: json.loads(r[1]) if r[1] else {} for r in rows}
        overrides = by_id.get(gone, {}) | by_id.get(survivor, {})  # the survivor's resolutions win
        await db.run("UPDATE submissions SET feature_id = ? WHERE feature_id = ?", (survivor, gone))
        await db.run("UPDATE conflicts SET feature_id = ? WHERE feature_id = ?", (survivor, gone))
        merged = json.dumps(overrides) if overrides else None
        await db.run("UPDATE features SET overrides = ? WHERE id = ?", (merged, survivor))
        await db.run("DELETE FROM features WHERE id = ?", (gone,))

    # -- admin -------------------------------------------------------------------------------------------
    async def add_device(self, db: Db, name: str, token_hash: str) -> None:
        if await db.one("SELECT id FROM devices WHERE name = ?", (name,)):
            raise RepoError(409, "device_exists", f"a device named {name!r} already exists")
        await db.run("INSERT INTO devices (name, token_hash, created_at) VALUES (?, ?, ?)", (name, token_hash, now()))

    async def revoke_device(self, db: Db, name: str) -> bool:
        sql = "UPDATE devices SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"
        if not await db.run(sql, (now(), name)):
            return False
        await db.run("UPDATE meta SET value = value + 1 WHERE key = 'revocations'")  # every process drops its cache
        return True

    async def resolve(self, db: Db, feature_uuid: str, field_name: str, value: Any) -> None:
        """An admin settles a conflict: ``value`` wins for ``field_name`` on that map feature from now on."""
        if field_name not in ("camera_type", "mount", "direction", "surveillance"):
            raise RepoError(422, "bad_field", f"cannot resolve {field_name!r}")
        row = await db.one("SELECT id, latitude, longitude, overrides FROM features WHERE uuid = ?", (feature_uuid,))
        if row is None:
            raise RepoError(404, "not_found", f"no map feature {feature_uuid}")
        await self._lock_near(db, row[1], row[2])
        overrides = json.loads(row[3]) if row[3] else {}
        overrides[field_name] = value
        await db.run("UPDATE features SET overrides = ? WHERE id = ?", (json.dumps(overrides), row[0]))
        await db.run(SETTLE_CONFLICT, (now(), json.dumps(value), row[0], field_name))
        await self._recompute(db, row[0])
