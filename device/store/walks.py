"""Walks and their GPS fixes: start, end, interrupted walks, the track."""

from __future__ import annotations

import json
import logging
import os
import uuid as uuidlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..types import Fix
from .connection import Connection, DiskFullError, inserted_id, iso, parse_utc, utcnow
from .rows import Extent, WalkRow

log = logging.getLogger(__name__)

RESERVE_BYTES = 1 << 20  # kept free next to the database, so a full disk can still mark its walk interrupted


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WalkRecords(Connection):
    def start_walk(
        self,
        *,
        source: str,
        settings: dict[str, Any] | None = None,
        model: str = "",
        model_version: str = "",
        device_id: str = "",
    ) -> int:
        self.mark_stale_walks()
        self._keep_reserve()
        with self.batch() as db:
            table = db.table("walks")
            table.insert(
                {
                    "uuid": str(uuidlib.uuid4()),
                    "started_at": utcnow(),
                    "status": "running",
                    "source": source,
                    "device_id": device_id,
                    "model": model,
                    "model_version": model_version,
                    "settings": json.dumps(settings or {}, sort_keys=True, default=str),
                    "frames": 0,
                    "pid": os.getpid(),
                    "boot_id": _boot_id(),
                }
            )
            return inserted_id(table)

    def end_walk(
        self, walk_id: int, status: str = "completed", *, error: str | None = None, frames: int | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status, "ended_at": utcnow(), "pid": None}
        if error:
            values["error"] = error
        if frames is not None:
            values["frames"] = frames
        with self.batch() as db:
            db.table("walks").update(walk_id, values)

    @property
    def reserve_path(self) -> Path:
        return self.path.with_name(self.path.name + ".reserve")

    def _keep_reserve(self) -> None:
        """A small file of real bytes next to the database, deleted when the disk fills (``interrupt_walk``)."""
        if self.reserve_path.exists():
            return
        try:
            with open(self.reserve_path, "wb") as fh:
                fh.write(bytes(RESERVE_BYTES))
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            self.reserve_path.unlink(missing_ok=True)
            log.warning("no space for the %d KiB reserve next to %s: %s", RESERVE_BYTES >> 10, self.path, exc)

    def interrupt_walk(self, walk_id: int, error: str, frames: int | None = None) -> bool:
        """Mark a walk ``interrupted`` at once, even on a full disk (the reserve file makes room); True if written."""
        for attempt in range(2):
            try:
                self.end_walk(walk_id, "interrupted", error=error, frames=frames)
                return True
            except DiskFullError:
                if attempt or not self.reserve_path.exists():
                    break
                self.reserve_path.unlink(missing_ok=True)
                log.warning("disk full: released the reserve next to %s to record the walk's end", self.path)
        log.error("disk full: could not mark walk %d interrupted; the next start will", walk_id)
        return False

    def mark_stale_walks(self) -> list[int]:
        """Walks still marked running whose process is gone (killed, power cut) become ``interrupted``."""
        boot = _boot_id()
        stale = []
        for row in self.db.query("SELECT id, pid, boot_id FROM walks WHERE status = 'running'"):
            if row["boot_id"] != boot or not _pid_alive(row["pid"]):
                stale.append(row["id"])
        if stale:
            with self.batch() as db:
                for walk_id in stale:
                    last = db.execute(
                        "SELECT max(utc) FROM (SELECT utc FROM fixes WHERE walk_id = ? UNION ALL "
                        "SELECT utc FROM sightings WHERE walk_id = ?)",
                        (walk_id, walk_id),
                    ).fetchone()[0]
                    db.table("walks").update(walk_id, {"status": "interrupted", "ended_at": last, "pid": None})
            log.warning("marked %d interrupted walk(s): %s", len(stale), stale)
        return stale

    def walk(self, walk_id: int) -> WalkRow | None:
        rows = list(self.db.query("SELECT * FROM walks WHERE id = ?", [walk_id]))
        return WalkRow.of(rows[0]) if rows else None

    def walks(self) -> list[WalkRow]:
        """Every walk, the latest first."""
        return [WalkRow.of(r) for r in self.db.query("SELECT * FROM walks ORDER BY started_at DESC")]

    def latest_walk(self) -> WalkRow | None:
        rows = list(self.db.query("SELECT * FROM walks ORDER BY id DESC LIMIT 1"))
        return WalkRow.of(rows[0]) if rows else None

    def add_fixes(self, walk_id: int, fixes: Sequence[Fix]) -> None:
        if not fixes:
            return
        with self.batch() as db:
            db.table("fixes").insert_all(
                (
                    {
                        "walk_id": walk_id,
                        "t": f.t,
                        "utc": iso(f.utc),
                        "latitude": f.latitude,
                        "longitude": f.longitude,
                        "altitude": f.altitude,
                        "course": f.course,
                        "speed": f.speed,
                        "eph": f.eph,
                        "mode": f.mode,
                    }
                    for f in fixes
                ),
                batch_size=500,
            )

    def walk_fixes(self, walk_id: int) -> list[Fix]:
        """The walk's fixes with a position, in time order."""
        return [
            Fix(
                r["t"],
                parse_utc(r["utc"]),
                r["latitude"],
                r["longitude"],
                altitude=r["altitude"],
                course=r["course"],
                speed=r["speed"],
                eph=r["eph"],
                mode=r["mode"] if r["mode"] is not None else 3,
            )
            for r in self.db.query(
                "SELECT * FROM fixes WHERE walk_id = ? AND latitude IS NOT NULL ORDER BY t", [walk_id]
            )
        ]

    def extent(self) -> Extent | None:
        """The bounding box of every walk's fixes and placed cameras, or None when nothing has a position."""
        row = self.db.execute(
            "SELECT min(latitude), min(longitude), max(latitude), max(longitude) FROM ("
            "SELECT latitude, longitude FROM fixes WHERE latitude IS NOT NULL AND longitude IS NOT NULL UNION ALL "
            "SELECT latitude, longitude FROM cameras WHERE latitude IS NOT NULL AND longitude IS NOT NULL)"
        ).fetchone()
        return None if row[0] is None else Extent(south=row[0], west=row[1], north=row[2], east=row[3])

    def camera_counts(self, walk_id: int) -> dict[str, int]:
        """Visible cameras of a walk (merged ones fold into their camera) per review state."""
        counts = {"pending": 0, "confirmed": 0, "rejected": 0}
        for row in self.db.query(
            "SELECT review_state, count(*) AS n FROM cameras WHERE walk_id = ? AND merged_into IS NULL "
            "GROUP BY review_state",
            [walk_id],
        ):
            state = row["review_state"] or "pending"
            counts[state] = counts.get(state, 0) + row["n"]
        return counts
