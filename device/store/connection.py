"""One SQLite connection to a walk database: open, migrate, transactions, disk-full errors.

SQLite in WAL mode with ``synchronous=NORMAL``: a killed process loses nothing already committed, a power cut at
most the last transaction, and the file always opens consistent. Writers group their statements with ``batch()``
(re-entrant: only the outermost one commits), so the survey loop commits about once a second and a walk cut short
keeps everything up to its last second.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from . import migrations
from .rows import R, from_mapping

log = logging.getLogger(__name__)


class StoreError(Exception):
    """A walk database cannot be opened or written."""


class DiskFullError(StoreError):
    """The disk holding the walk database is full: the walk stops, what was committed stays."""


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds") if dt else None


def parse_utc(text: str | None) -> datetime | None:
    """An ISO 8601 time as stored (``...+00:00`` or ``...Z``); None when absent or unreadable."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return "disk is full" in str(exc) or "disk I/O error" in str(exc)
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


SQLITE_INT_MAX = 2**63 - 1


class _Database(sqlite_utils.Database):
    """sqlite-utils' database, where a read naming an integer beyond SQLite's 64-bit range matches no row.

    Such a number (``/walks/99999999999999999999``, ``export --walk 1e30``) can be the id of nothing; SQLite's
    driver would raise OverflowError instead of answering "no such walk". Writes still raise.
    """

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        return super().execute(sql, _for_read(sql, parameters))

    def query(self, sql: str, params: Any = None) -> Generator[dict, None, None]:
        return super().query(sql, _for_read(sql, params))


def inserted_id(table: sqlite_utils.db.Table) -> int:
    """The id sqlite-utils recorded for the row the table's last ``insert`` wrote."""
    if table.last_pk is None:
        raise sqlite3.DatabaseError(f"no row id after an insert into {table.name}")
    return int(table.last_pk)


def _for_read(sql: str, parameters: Any) -> Any:
    if parameters and sql.lstrip()[:6].upper() in ("SELECT", "WITH") and _overflows(parameters):
        return _clamped(parameters)
    return parameters


def _out_of_range(value: Any) -> bool:
    return isinstance(value, int) and not -SQLITE_INT_MAX - 1 <= value <= SQLITE_INT_MAX


def _overflows(parameters: Any) -> bool:
    values = parameters.values() if isinstance(parameters, dict) else parameters
    return any(_out_of_range(v) for v in values)


def _clamped(parameters: Any) -> Any:
    """NULL for every out-of-range integer: ``id = NULL`` matches nothing."""
    if isinstance(parameters, dict):
        return {k: None if _out_of_range(v) else v for k, v in parameters.items()}
    return [None if _out_of_range(v) else v for v in parameters]


def _open_readonly(path: Path) -> sqlite3.Connection:
    """Open without writing anything: ``mode=ro``, or ``immutable=1`` when the folder cannot hold SQLite's shared-
    memory file (read-only media: a card locked read-only, a read-only mount, an immutable folder)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        log.info("%s: %s; opening it as immutable (read-only media)", path, exc)
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"cannot read walk database {path}: {exc}") from exc
    return conn


class Connection:
    """A walk database file (crops go in ``crops/`` next to it), migrated on open unless read-only."""

    def __init__(self, path: str | os.PathLike, *, readonly: bool = False, migrate: bool = True):
        self.path = Path(path).expanduser().resolve()
        self.root = self.path.parent
        self.readonly = readonly
        self._depth = 0
        if readonly:
            if not self.path.exists():
                raise StoreError(f"no walk database at {self.path}")
            conn = _open_readonly(self.path)
        else:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10)
            except (OSError, sqlite3.Error) as exc:
                raise StoreError(f"cannot open walk database {self.path}: {exc}") from exc
        self.db = _Database(conn)  # tests and Datasette-style inspection only; code uses the methods
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
            if is_disk_full(exc):
                raise DiskFullError(f"disk full while opening {self.path}") from exc
            raise StoreError(f"{self.path} is not a usable walk database: {exc}") from exc

    def close(self) -> None:
        try:
            self.db.conn.close()
        except sqlite3.Error:  # pragma: no cover - closing a broken connection
            pass

    def __enter__(self):  # the subclass
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def batch(self) -> Iterator[sqlite_utils.Database]:
        """One transaction (nested batches join the outer one); disk-full errors become ``DiskFullError``."""
        if self._depth:
            self._depth += 1
            try:
                yield self.db
            finally:
                self._depth -= 1
            return
        conn = self.db.conn
        self._depth = 1
        try:
            with conn:
                yield self.db
        except (sqlite3.OperationalError, OSError) as exc:
            if is_disk_full(exc):
                raise DiskFullError(f"disk full writing {self.path}") from exc
            raise
        finally:
            self._depth = 0

    def rows(self, cls: type[R], sql: str, args: Sequence[Any] | Mapping[str, Any] = ()) -> list[R]:
        """Typed rows of a query (the mixins' one way to read)."""
        return [from_mapping(cls, r) for r in self.db.query(sql, args)]

    def row(self, cls: type[R], sql: str, args: Sequence[Any] = ()) -> R | None:
        found = self.rows(cls, sql, args)
        return found[0] if found else None
