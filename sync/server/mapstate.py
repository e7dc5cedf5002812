"""The map as one group of writes sees it: read once, changed in memory, written back in a few statements.

A group of submissions (``writer.py``) starts by reading the submissions it names and every map feature near
them (one query each); the jobs then merge, re-merge and withdraw in memory, and ``flush`` writes the outcome
with one ``executemany`` per kind of change. A feature's members (its submissions' observations) are read when a
job first needs them. On PostgreSQL this turns some 350 round trips of a group of fifty into about twenty.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from . import merge, spatial
from .db import Db

NEAR_M = merge.MAX_GATE_M + 1.0  # what a submission (or a feature that moved) can merge with
PREFETCH_M = 2 * merge.MAX_GATE_M + 1.0  # read up front: room for the feature to move, then re-merge
GRID_DEG = 0.0005  # in-memory grid of the features read (55 m north-south)

SUBMISSIONS = """SELECT s.uuid, s.id, s.device_id, s.payload_hash, s.feature_id, s.crop_sha256, f.uuid, c.sha256
  FROM submissions s LEFT JOIN features f ON f.id = s.feature_id LEFT JOIN crops c ON c.submission_uuid = s.uuid
  WHERE s.uuid IN ({marks})"""
FEATURE_COLUMNS = """f.id, f.uuid, f.latitude, f.longitude, f.uncertainty_m, f.camera_type, f.mount, f.direction,
  f.surveillance, f.submissions, f.conflicts, f.overrides"""
BOX_SQLITE = f"SELECT {FEATURE_COLUMNS} FROM features f WHERE f.id IN ({spatial.RTREE_IDS})"
BOXES_POSTGIS = f"""SELECT DISTINCT {FEATURE_COLUMNS} FROM features f
  JOIN unnest(CAST(? AS float8[]), CAST(? AS float8[]), CAST(? AS float8[]), CAST(? AS float8[])) AS b(w, s, e, n)
  ON f.geom && ST_MakeEnvelope(b.w, b.s, b.e, b.n, 4326)"""
MEMBER_COLUMNS = """uuid, latitude, longitude, uncertainty_m, camera_type, mount, direction, surveillance, device_id,
  sightings, received_at, reviewed_at"""
MEMBERS = f"SELECT {MEMBER_COLUMNS} FROM submissions WHERE feature_id = ? ORDER BY id"
MEMBERS_OF = f"SELECT feature_id, {MEMBER_COLUMNS} FROM submissions WHERE feature_id IN ({{marks}}) ORDER BY id"
INSERT_FEATURE = """INSERT INTO features (id, uuid, latitude, longitude, uncertainty_m, camera_type, mount, direction,
  surveillance, contributors, submissions, sightings, conflicts, check_date, rev, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)"""
UPDATE_FEATURE = """UPDATE features SET latitude = ?, longitude = ?, uncertainty_m = ?, camera_type = ?, mount = ?,
  direction = ?, surveillance = ?, contributors = ?, submissions = ?, sightings = ?, conflicts = ?, check_date = ?,
  overrides = ?, updated_at = ?, rev = rev + 1 WHERE id = ?"""
SUBMISSION_VALUES = (
    "payload", "payload_hash", "latitude", "longitude", "uncertainty_m", "camera_type", "mount", "direction",
    "surveillance", "sightings", "walk_uuid", "crop_sha256", "reviewed_at", "updated_at",
)  # fmt: skip
INSERT_SUBMISSION = (
    f"INSERT INTO submissions (uuid, device_id, feature_id, received_at, {', '.join(SUBMISSION_VALUES)}) "
    f"VALUES ({', '.join('?' * (4 + len(SUBMISSION_VALUES)))})"
)
UPDATE_SUBMISSION = f"UPDATE submissions SET {', '.join(f'{c} = ?' for c in SUBMISSION_VALUES)} WHERE uuid = ?"
NEXT_IDS_POSTGIS = "SELECT nextval(pg_get_serial_sequence('features', 'id')) FROM generate_series(1, ?)"


@dataclass(slots=True)
class Sub:
    """A submission as a write needs it (what was read up front, or what this group wrote)."""

    uuid: str
    device_id: int
    payload_hash: str
    feature: Feat | None
    crop_sha256: str | None
    crop_have: bool
    stored: bool = True  # False: this group inserts it


@dataclass(slots=True, eq=False)
class Feat:
    """A map feature in memory: its merge figures, and what this group changed."""

    id: int  # negative until flushed: a feature this group made
    uuid: str
    obs: merge.Observation  # its aggregate position, type, facing...: what new submissions are matched against
    submissions: int
    stored_conflicts: int
    overrides: str | None
    members: dict[str, merge.Observation] | None = None  # submission uuid -> observation, read when needed
    agg: merge.Aggregate | None = None
    changed: bool = False
    gone: bool = False


@dataclass
class Writes:
    """What ``flush`` will write, in order."""

    new_subs: list[tuple[Any, ...]] = field(default_factory=list)  # rows: uuid, device_id, received_at, *values
    sub_values: list[tuple[Any, ...]] = field(default_factory=list)  # UPDATE_SUBMISSION rows
    moves: set[str] = field(default_factory=set)  # stored submissions that changed feature
    dropped_subs: list[str] = field(default_factory=list)
    dropped_crops: list[str] = field(default_factory=list)
    absorbed: list[tuple[Feat, Feat]] = field(default_factory=list)  # (gone, survivor)


class MapState:
    def __init__(self, db: Db, stamp: str):
        self.db, self.stamp = db, stamp
        self.subs: dict[str, Sub | None] = {}
        self.feats: dict[int, Feat] = {}
        self._grid: dict[tuple[int, int], list[Feat]] = defaultdict(list)
        self._loaded: list[spatial.Box] = []
        self._next_temp = -1
        self.pending = Writes()
        self.spare_ids: list[int] = []  # PostgreSQL: ids drawn from the sequence up front

    # -- reading ------------------------------------------------------------------------------------------
    async def load_submissions(self, uuids: list[str]) -> None:
        wanted = [u for u in dict.fromkeys(uuids) if u not in self.subs]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for u in chunk:
                self.subs[u] = None
            rows = await self.db.all(SUBMISSIONS.format(marks=", ".join("?" * len(chunk))), chunk)
            for uuid, _, device_id, digest, feature_id, crop, _feature_uuid, have in rows:
                feat = self.feats.get(feature_id) if feature_id is not None else None
                if feature_id is not None and feat is None:  # a stub: its figures are read with its neighbours
                    feat = await self._feature_by_id(feature_id)
                self.subs[uuid] = Sub(uuid, device_id, digest, feat, crop, have is not None)

    async def _feature_by_id(self, feature_id: int) -> Feat:
        row = await self.db.one(f"SELECT {FEATURE_COLUMNS} FROM features f WHERE f.id = ?", (feature_id,))
        assert row is not None, f"submission points at a missing map feature {feature_id}"
        return self.remember(row)

    def remember(self, row: tuple[Any, ...]) -> Feat:
        """A feature row (``FEATURE_COLUMNS``) as this group's feature: the one already in memory if any."""
        known = self.feats.get(row[0])
        if known is not None:
            return known
        feat = Feat(row[0], row[1], merge.Observation(*row[2:9]), row[9], row[10], row[11])
        self.feats[feat.id] = feat
        self._grid[self._cell(feat.obs.latitude, feat.obs.longitude)].append(feat)
        return feat

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / GRID_DEG), math.floor(lon / GRID_DEG)

    async def load_around(self, points: list[tuple[float, float]], radius_m: float = PREFETCH_M) -> None:
        """Read every map feature within ``radius_m`` of the points (one query on PostgreSQL)."""
        boxes = [spatial.around(lat, lon, radius_m) for lat, lon in points]
        boxes = [b for b in boxes if not self._covered(b)]
        if not boxes:
            return
        if self.db.postgres:
            columns = list(zip(*((w, s, e, n) for s, n, w, e in boxes), strict=True))
            rows = await self.db.all(BOXES_POSTGIS, [list(c) for c in columns])
        else:
            rows = [r for b in boxes for r in await self.db.all(BOX_SQLITE, spatial.scaled(b))]
        for row in rows:
            self.remember(row)
        self._loaded += boxes

    def _covered(self, box: spatial.Box) -> bool:
        s, n, w, e = box
        return any(ls <= s and n <= ln and lw <= w and e <= le for ls, ln, lw, le in self._loaded)

    async def near(self, lat: float, lon: float, radius_m: float = NEAR_M) -> list[Feat]:
        """Map features (as this group has them) within about ``radius_m`` of a point."""
        await self.load_around([(lat, lon)], radius_m)
        s, n, w, e = spatial.around(lat, lon, radius_m)
        (i0, j0), (i1, j1) = self._cell(s, w), self._cell(n, e)
        found = []
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                for f in self._grid.get((i, j), ()):
                    if not f.gone and s <= f.obs.latitude <= n and w <= f.obs.longitude <= e:
                        found.append(f)
        return found

    async def load_members(self, observations: list[merge.Observation]) -> None:
        """Read at once the members of the features these observations would join (as the map stands now):
        the merges of a group then rarely wait for the database one by one."""
        wanted: set[int] = set()
        for obs in observations:
            near = await self.near(obs.latitude, obs.longitude)
            match = merge.best_match(obs, {f.id: f.obs for f in near})
            if match is not None and match > 0 and self.feats[match].members is None:
                wanted.add(match)
        ids = sorted(wanted)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = await self.db.all(MEMBERS_OF.format(marks=", ".join("?" * len(chunk))), chunk)
            for fid in chunk:
                self.feats[fid].members = {}
            for r in rows:
                self.feats[r[0]].members[r[1]] = merge.Observation(*r[2:])  # type: ignore[index]

    async def members(self, feat: Feat) -> dict[str, merge.Observation]:
        if feat.members is None:
            rows = await self.db.all(MEMBERS, (feat.id,))
            feat.members = {r[0]: merge.Observation(*r[1:]) for r in rows}
        return feat.members

    # -- changing -------------------------------------------------------------------------------------------
    def new_feature(self, obs: merge.Observation, feature_uuid: str) -> Feat:
        feat = Feat(self._next_temp, feature_uuid, obs, 0, 0, None, members={}, changed=True)
        self._next_temp -= 1
        self.feats[feat.id] = feat
        self._grid[self._cell(obs.latitude, obs.longitude)].append(feat)
        return feat

    def moved(self, feat: Feat, agg: merge.Aggregate) -> None:
        """A feature's figures changed: it is matched at its new place from now on."""
        old = self._cell(feat.obs.latitude, feat.obs.longitude)
        feat.obs = merge.Observation(agg.latitude, agg.longitude, agg.uncertainty_m, agg.camera_type, agg.mount,
                                     agg.direction, agg.surveillance)  # fmt: skip
        feat.agg, feat.submissions, feat.changed = agg, agg.submissions, True
        new = self._cell(agg.latitude, agg.longitude)
        if new != old:
            self._grid[old].remove(feat)
            self._grid[new].append(feat)

    def drop(self, feat: Feat) -> None:
        feat.gone, feat.changed = True, True
        self._grid[self._cell(feat.obs.latitude, feat.obs.longitude)].remove(feat)

    # -- writing back ---------------------------------------------------------------------------------------
    def _feature_id(self, sub_uuid: str) -> int | None:
        sub = self.subs.get(sub_uuid)
        return sub.feature.id if sub is not None and sub.feature is not None else None

    async def _real_ids(self, made: list[Feat]) -> None:
        if self.db.postgres:
            more = len(made) - len(self.spare_ids)
            if more > 0:
                self.spare_ids += [r[0] for r in await self.db.all(NEXT_IDS_POSTGIS, (more,))]
            ids, self.spare_ids = self.spare_ids[: len(made)], self.spare_ids[len(made) :]
        else:  # the write lock is held, and SQLite would hand out max(id) + 1 itself
            top = (await self.db.one("SELECT coalesce(max(id), 0) FROM features"))[0]  # type: ignore[index]
            ids = list(range(top + 1, top + 1 + len(made)))
        for feat, real in zip(made, ids, strict=True):
            del self.feats[feat.id]
            feat.id = real
            self.feats[real] = feat

    async def flush(self) -> None:
        """Write what the group changed: features first (new ones get their ids), then submissions, then what
        is gone (submissions and conflicts moved off a feature before it is deleted). PostgreSQL gets it all in
        one pipeline."""
        async with self.db.pipeline():
            await self._flush()

    async def _flush(self) -> None:
        p, stamp, db = self.pending, self.stamp, self.db
        made = [f for f in self.feats.values() if f.id < 0 and not f.gone]
        if made:
            await self._real_ids(made)
            await db.many(INSERT_FEATURE, [_feature_row(f, stamp) for f in made])
        if p.new_subs:
            await db.many(INSERT_SUBMISSION, [(r[0], r[1], self._feature_id(r[0]), *r[2:]) for r in p.new_subs])
        if p.sub_values:
            await db.many(UPDATE_SUBMISSION, p.sub_values)
        if p.moves:
            moves = [(self._feature_id(u), u) for u in p.moves]
            await db.many("UPDATE submissions SET feature_id = ? WHERE uuid = ?", moves)
        gone_real = [(g, s) for g, s in p.absorbed if g.id > 0]
        if gone_real:
            absorbed = [(s.id, g.id) for g, s in gone_real]
            await db.many("UPDATE conflicts SET feature_id = ? WHERE feature_id = ?", absorbed)
        fresh = set(made)
        changed = [f for f in self.feats.values() if f.changed and not f.gone and f.agg is not None]
        if any(f not in fresh for f in changed):
            await db.many(UPDATE_FEATURE, [_update_row(f, stamp) for f in changed if f not in fresh])
        stale = [f for f in changed if f.stored_conflicts or f.agg.conflicts]  # type: ignore[union-attr]
        if stale:
            await db.many(
                "DELETE FROM conflicts WHERE feature_id = ? AND resolved_at IS NULL", [(f.id,) for f in stale]
            )
            rows = [(f.id, k, json.dumps(v), stamp) for f in stale for k, v in f.agg.conflicts.items()]  # type: ignore[union-attr]
            if rows:
                await db.many("INSERT INTO conflicts (feature_id, field, detail, created_at) VALUES (?, ?, ?, ?)", rows)
        if p.dropped_crops:
            await db.many("DELETE FROM crops WHERE submission_uuid = ?", [(u,) for u in p.dropped_crops])
        if p.dropped_subs:
            await db.many("DELETE FROM submissions WHERE uuid = ?", [(u,) for u in p.dropped_subs])
        dead = [f for f in self.feats.values() if f.gone and f.id > 0]
        if dead:
            await db.many("DELETE FROM conflicts WHERE feature_id = ?", [(f.id,) for f in dead])
            await db.many("DELETE FROM features WHERE id = ?", [(f.id,) for f in dead])
        self.pending = Writes()
        for f in self.feats.values():
            f.changed = False
            if f.agg is not None:
                f.stored_conflicts = len(f.agg.conflicts)


def _feature_row(f: Feat, stamp: str) -> tuple[Any, ...]:
    a = f.agg
    assert a is not None
    return (
        f.id, f.uuid, a.latitude, a.longitude, a.uncertainty_m, a.camera_type, a.mount, a.direction, a.surveillance,
        a.contributors, a.submissions, a.sightings, len(a.conflicts), a.check_date, stamp, stamp,
    )  # fmt: skip


def _update_row(f: Feat, stamp: str) -> tuple[Any, ...]:
    a = f.agg
    assert a is not None
    return (
        a.latitude, a.longitude, a.uncertainty_m, a.camera_type, a.mount, a.direction, a.surveillance, a.contributors,
        a.submissions, a.sightings, len(a.conflicts), a.check_date, f.overrides, stamp, f.id,
    )  # fmt: skip
