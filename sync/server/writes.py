"""Every change to the campaign map, as jobs on one group's ``MapState``: submissions merged into map features.

A job authenticates its device, looks at what it needs, raises its expected errors (``RepoError``, ``AuthError``)
and only then changes the state; ``MapState.flush`` writes the group's changes at the end. A new submission joins
the best matching map feature nearby (``merge.best_match``) or starts one; a feature that changed is then checked
against its neighbours again (**re-merge**: two features that later submissions brought within the merge distance
become one; the one with more submissions, or else the older, keeps its UUID).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid as uuidlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..wire import canonical
from . import merge, spatial
from .auth import Device, Tokens
from .errors import RepoError
from .mapstate import FEATURE_COLUMNS, Feat, MapState, Sub

log = logging.getLogger(__name__)

LOCK_M = 3 * merge.MAX_GATE_M  # PostgreSQL: the neighbourhood a write locks (the feature moves, then re-merges)
SETTLE_CONFLICT = """UPDATE conflicts SET resolved_at = ?, resolution = ?
  WHERE feature_id = ? AND field = ? AND resolved_at IS NULL"""


@dataclass(frozen=True)
class PutResult:
    status: str  # created | updated | unchanged
    feature_uuid: str
    crop_needed: bool


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def foreign() -> RepoError:
    return RepoError(403, "foreign_camera", "this camera was submitted by another device")


def observation(feature: dict[str, Any], device_id: int = 0, stamp: str = "") -> merge.Observation:
    """What the merge looks at in a wire feature."""
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    return merge.Observation(
        float(lat), float(lon), float(props["uncertainty_m"]), props["camera_type"], props["mount"],
        props.get("direction"), props.get("surveillance"), device_id, props["sightings"], stamp,
        props["review"]["reviewed_at"],
    )  # fmt: skip


def _age(feat: Feat) -> tuple[int, float]:
    """Which of two features keeps its UUID on a re-merge: more submissions, then the older (made ones are new)."""
    return feat.submissions, -feat.id if feat.id > 0 else float("-inf")


class Writes:
    """The jobs; ``postgres`` selects the neighbourhood locks."""

    def __init__(self, postgres: bool, tokens: Tokens):
        self.postgres, self.tokens = postgres, tokens

    def cells(self, lat: float, lon: float) -> set[int]:
        """PostgreSQL lock keys of the neighbourhood of a point (none on SQLite: its write lock is global)."""
        return spatial.cells(spatial.around(lat, lon, LOCK_M)) if self.postgres else set()

    async def _lock_near(self, st: MapState, feat: Feat | None) -> None:
        if self.postgres and feat is not None:
            await st.db.one(spatial.LOCK_SQL, (sorted(self.cells(feat.obs.latitude, feat.obs.longitude)),))

    async def _device(self, st: MapState, who: str | Device) -> Device:
        return who if isinstance(who, Device) else await self.tokens.device(st.db, who)

    # -- submissions ---------------------------------------------------------------------------------
    async def put_camera(
        self, st: MapState, who: str | Device, feature: dict[str, Any], raw: bytes | None = None
    ) -> PutResult:
        """Store one validated wire feature; idempotent by camera UUID; merges it into a map feature.

        ``raw``: the body as received (stored and hashed as it is); without it, the feature's canonical JSON.
        """
        device = await self._device(st, who)
        uuid = feature["id"]
        raw = canonical(feature).encode() if raw is None else raw
        digest = hashlib.sha256(raw).hexdigest()
        await st.load_submissions([uuid])
        old = st.subs.get(uuid)
        if old is not None and old.device_id != device.id:
            raise foreign()
        if old is not None and old.payload_hash == digest:  # a repeat after a lost acknowledgement
            feature_uuid = old.feature.uuid if old.feature is not None else ""
            return PutResult("unchanged", feature_uuid, bool(old.crop_sha256) and not old.crop_have)
        props, stamp = feature["properties"], st.stamp
        obs = observation(feature, device.id, stamp)
        crop_sha = (props.get("crop") or {}).get("sha256")
        values = (
            raw.decode("utf-8"), digest, obs.latitude, obs.longitude, obs.uncertainty_m, obs.camera_type, obs.mount,
            obs.direction, obs.surveillance, obs.sightings, props["walk"]["uuid"], crop_sha, obs.reviewed_at, stamp,
        )  # fmt: skip
        if old is None:  # the common case
            sub = st.subs[uuid] = Sub(uuid, device.id, digest, None, crop_sha, False, stored=False)
            st.pending.new_subs.append((uuid, device.id, stamp, *values))
            joined = await self._join(st, sub, obs)
            return PutResult("created", joined.uuid, crop_sha is not None)
        await self._lock_near(st, old.feature)
        crop_needed = crop_sha is not None and (old.crop_sha256 != crop_sha or not old.crop_have)
        if old.crop_sha256 != crop_sha:
            st.pending.dropped_crops.append(uuid)
            old.crop_have = False
        old.payload_hash, old.crop_sha256 = digest, crop_sha
        st.pending.sub_values.append((*values, uuid))
        feat = old.feature
        assert feat is not None
        members = await st.members(feat)
        if set(members) == {uuid}:  # its own map feature: edit in place, the feature keeps its UUID
            members[uuid] = obs
            return PutResult("updated", (await self._settle(st, feat)).uuid, crop_needed)
        del members[uuid]
        await self._settle(st, feat)
        st.pending.moves.add(uuid)
        return PutResult("updated", (await self._join(st, old, obs)).uuid, crop_needed)

    async def delete_camera(self, st: MapState, who: str | Device, uuid: str) -> str:
        """Withdraw a camera its walker no longer confirms; idempotent (``deleted`` then ``absent``)."""
        device = await self._device(st, who)
        await st.load_submissions([uuid])
        sub = st.subs.get(uuid)
        if sub is None:
            return "absent"
        if sub.device_id != device.id:
            raise foreign()
        await self._lock_near(st, sub.feature)
        st.pending.dropped_crops.append(uuid)
        st.pending.dropped_subs.append(uuid)
        st.subs[uuid] = None
        if sub.feature is not None:
            (await st.members(sub.feature)).pop(uuid, None)
            await self._settle(st, sub.feature)
        return "deleted"

    async def put_crop(self, st: MapState, who: str | Device, uuid: str, data: bytes) -> str:
        device = await self._device(st, who)
        digest = hashlib.sha256(data).hexdigest()
        await st.load_submissions([uuid])
        sub = st.subs.get(uuid)
        if sub is None:
            raise RepoError(404, "not_found", "send the camera before its crop")
        if sub.device_id != device.id:
            raise foreign()
        if sub.crop_sha256 != digest:
            raise RepoError(409, "crop_mismatch", "crop does not match the sha256 announced with the camera")
        if sub.crop_have:
            return "unchanged"
        await st.flush()  # the submission row (and a crop an edit dropped) before the crop itself
        sql = "INSERT INTO crops (submission_uuid, sha256, data, received_at) VALUES (?, ?, ?, ?)"
        await st.db.run(sql, (uuid, digest, data, now()))
        sub.crop_have = True
        return "created"

    # -- merging ---------------------------------------------------------------------------------------
    async def _join(self, st: MapState, sub: Sub, obs: merge.Observation) -> Feat:
        """Put a submission into the map feature it matches (then re-merge that one), or into a new one."""
        near = await st.near(obs.latitude, obs.longitude)
        match = merge.best_match(obs, {f.id: f.obs for f in near})
        if match is None:
            feat = st.new_feature(obs, str(uuidlib.uuid4()))
            assert feat.members is not None
            feat.members[sub.uuid] = obs
            sub.feature = feat
            st.moved(feat, merge.aggregate([obs]))
            return feat  # it matches nothing: nothing can match it either (the rule is symmetric)
        feat = st.feats[match]
        (await st.members(feat))[sub.uuid] = obs
        sub.feature = feat
        return await self._settle(st, feat)

    async def _settle(self, st: MapState, feat: Feat) -> Feat:
        """Aggregate a feature again, then re-merge it with any neighbour it now matches; the feature it ends in."""
        while True:
            members = await st.members(feat)
            if not members:
                st.drop(feat)
                return feat
            overrides = json.loads(feat.overrides) if feat.overrides else None
            ordered = sorted(members.values(), key=lambda o: o.received_at)  # oldest first: ties go to the latest
            st.moved(feat, merge.aggregate(ordered, overrides))
            near = await st.near(feat.obs.latitude, feat.obs.longitude)
            match = merge.best_match(feat.obs, {f.id: f.obs for f in near if f is not feat})
            if match is None:
                return feat
            other = st.feats[match]
            survivor, gone = (other, feat) if _age(other) > _age(feat) else (feat, other)
            await self._absorb(st, survivor, gone)
            log.info(
                "re-merged map feature %s into %s: later submissions brought them together", gone.uuid, survivor.uuid
            )
            feat = survivor

    async def _absorb(self, st: MapState, survivor: Feat, gone: Feat) -> None:
        """Move every submission (and the admin's resolutions) of feature ``gone`` to ``survivor``."""
        taken = await st.members(gone)
        await st.load_submissions(list(taken))
        for u in taken:
            sub = st.subs.get(u)
            if sub is not None:
                sub.feature = survivor
                if sub.stored:
                    st.pending.moves.add(u)
        (await st.members(survivor)).update(taken)
        both = (json.loads(gone.overrides) if gone.overrides else {}) | (
            json.loads(survivor.overrides) if survivor.overrides else {}
        )  # the survivor's resolutions win
        survivor.overrides = json.dumps(both) if both else None
        survivor.stored_conflicts += gone.stored_conflicts
        st.pending.absorbed.append((gone, survivor))
        st.drop(gone)

    # -- admin -------------------------------------------------------------------------------------------
    async def add_device(self, st: MapState, name: str, token_hash: str) -> None:
        if await st.db.one("SELECT id FROM devices WHERE name = ?", (name,)):
            raise RepoError(409, "device_exists", f"a device named {name!r} already exists")
        sql = "INSERT INTO devices (name, token_hash, created_at) VALUES (?, ?, ?)"
        await st.db.run(sql, (name, token_hash, now()))

    async def revoke_device(self, st: MapState, name: str) -> bool:
        sql = "UPDATE devices SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"
        if not await st.db.run(sql, (now(), name)):
            return False
        await st.db.run("UPDATE meta SET value = value + 1 WHERE key = 'revocations'")  # every process drops its cache
        return True

    async def resolve(self, st: MapState, feature_uuid: str, field_name: str, value: Any) -> None:
        """An admin settles a conflict: ``value`` wins for ``field_name`` on that map feature from now on."""
        if field_name not in ("camera_type", "mount", "direction", "surveillance"):
            raise RepoError(422, "bad_field", f"cannot resolve {field_name!r}")
        row = await st.db.one(f"SELECT {FEATURE_COLUMNS} FROM features f WHERE f.uuid = ?", (feature_uuid,))
        if row is None:
            raise RepoError(404, "not_found", f"no map feature {feature_uuid}")
        feat = st.remember(row)
        await self._lock_near(st, feat)
        overrides = json.loads(feat.overrides) if feat.overrides else {}
        overrides[field_name] = value
        feat.overrides = json.dumps(overrides)
        await st.db.run(SETTLE_CONFLICT, (now(), json.dumps(value), feat.id, field_name))
        await self._settle(st, feat)
