"""Open, migrate and write a walk database.

SQLite in WAL mode with ``synchronous=NORMAL``: a killed process loses nothing already committed, a power cut at
most the last transaction, and the file always opens consistent. The survey loop writes through ``batch()`` and
commits about once a second, so a walk cut short keeps everything up to its last second.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import uuid as uuidlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import sqlite_utils

from . import migrations

log = logging.getLogger(__name__)

CROPS_DIR = "crops"


class StoreError(Exception):
    """A walk database cannot be opened or written."""


class DiskFullError(StoreError):
    """The disk holding the walk database is full: the walk stops, what was committed stays."""


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds") if dt else None


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


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return "disk is full" in str(exc) or "disk I/O error" in str(exc)
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


class Store:
    """One walk database file and its crops folder (``crops/`` next to it)."""

    def __init__(self, path: str | os.PathLike, *, readonly: bool = False, migrate: bool = True):
        self.path = Path(path).expanduser().resolve()
        self.root = self.path.parent
        self.readonly = readonly
        if readonly:
            if not self.path.exists():
                raise StoreError(f"no walk database at {self.path}")
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        else:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10)
            except (OSError, sqlite3.Error) as exc:
                raise StoreError(f"cannot open walk database {self.path}: {exc}") from exc
        self.db = sqlite_utils.Database(conn)
        try:
            if not readonly:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                if migrate:
                    migrations.apply(self.db)
            conn.execute("PRAGMA busy_timeout=10000")
        except sqlite3.DatabaseError as exc:
            conn.close()
            if _is_disk_full(exc):
                raise DiskFullError(f"disk full while opening {self.path}") from exc
            raise StoreError(f"{self.path} is not a usable walk database: {exc}") from exc

    # -- lifecycle -------------------------------------------------------------------------------------------
    def close(self) -> None:
        try:
            self.db.conn.close()
        except sqlite3.Error:  # pragma: no cover - closing a broken connection
            pass

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def batch(self) -> Iterator[sqlite_utils.Database]:
        """One transaction; disk-full errors become ``DiskFullError`` and the transaction rolls back."""
        conn = self.db.conn
        try:
            with conn:
                yield self.db
        except (sqlite3.OperationalError, OSError) as exc:
            if _is_disk_full(exc):
                raise DiskFullError(f"disk full writing {self.path}") from exc
            raise

    # -- walks -----------------------------------------------------------------------------------------------
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
        with self.batch() as db:
            table = db["walks"]
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
            return int(table.last_pk)

    def end_walk(self, walk_id: int, status: str = "completed", *, error: str | None = None, frames: int | None = None) -> None:
        values: dict[str, Any] = {"status": status, "ended_at": utcnow(), "pid": None}
        if error:
            values["error"] = error
        if frames is not None:
            values["frames"] = frames
        with self.batch() as db:
            db["walks"].update(walk_id, values)

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
                    db["walks"].update(walk_id, {"status": "interrupted", "ended_at": last, "pid": None})
            log.warning("marked %d interrupted walk(s): %s", len(stale), stale)
        return stale

    def walk(self, walk_id: int) -> dict[str, Any]:
        return self.db["walks"].get(walk_id)

    def walks(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM walks ORDER BY started_at DESC"))

    # -- cameras ---------------------------------------------------------------------------------------------
    def cameras(self, walk_id: int | None = None, state: str | None = None) -> list[dict[str, Any]]:
        where, args = ["merged_into IS NULL"], []
        if walk_id is not None:
            where.append("walk_id = ?")
            args.append(walk_id)
        if state is not None:
            where.append("review_state = ?")
            args.append(state)
        sql = f"SELECT * FROM cameras WHERE {' AND '.join(where)} ORDER BY first_seen, id"
        return list(self.db.query(sql, args))

    def sightings(self, camera_id: int) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM sightings WHERE camera_id = ? ORDER BY t", [camera_id]))

    # -- crops -----------------------------------------------------------------------------------------------
    def save_crop(self, walk_id: int, name: str, image: np.ndarray, *, quality: int = 90) -> str:
        """Write a JPEG crop atomically; returns its path relative to the database folder."""
        rel = Path(CROPS_DIR) / str(walk_id) / f"{name}.jpg"
        dest = self.root / rel
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise StoreError(f"could not encode crop {name}")
        tmp = dest.with_suffix(".jpg.tmp")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(buf.tobytes())
            os.replace(tmp, dest)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if _is_disk_full(exc):
                raise DiskFullError(f"disk full writing crop {rel}") from exc
            raise StoreError(f"could not write crop {rel}: {exc}") from exc
        return rel.as_posix()

    def resolve_crop(self, rel: str) -> Path:
        """Absolute path of a crop; refuses anything outside this database's crops folder."""
        base = (self.root / CROPS_DIR).resolve()
        target = (self.root / rel).resolve()
        if base != target and base not in target.parents:
            raise StoreError(f"crop path outside the walk folder: {rel!r}")
        return target
