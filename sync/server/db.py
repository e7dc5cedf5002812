"""The writer's database connection: plain driver calls behind four awaitable methods, SQLite or PostgreSQL.

The write path runs a handful of statements per submission; through the drivers directly (``sqlite3``, psycopg's
async connection) they cost microseconds where a query builder costs tens. SQL is written once with ``?``
placeholders (psycopg gets ``%s``). On SQLite every call is synchronous under an ``async`` name: the writer task
runs in the event loop and a statement never waits on a network. On PostgreSQL the task awaits the server, and the
event loop goes on reading requests meanwhile. Schema, migrations and reads stay with SQLAlchemy (``tables.py``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any, Protocol

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

Params = tuple[Any, ...] | list[Any]


class Db(Protocol):
    postgres: bool

    async def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None: ...
    async def all(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]: ...
    async def run(self, sql: str, params: Params = ()) -> int: ...
    async def many(self, sql: str, rows: Sequence[Params]) -> None: ...
    def pipeline(self) -> AbstractAsyncContextManager[Any]: ...
    async def begin(self) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...
    async def close(self) -> None: ...
    def close_now(self) -> None: ...


class Checkpointer:
    """Copies the WAL back into the database file from a thread of its own, twice a second, so that the writer's
    commits never wait for a checkpoint (the writer only checkpoints itself past ``BACKSTOP_PAGES``)."""

    BACKSTOP_PAGES = 10_000

    def __init__(self, path: str, every_s: float = 0.5):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path, every_s), name="wal-checkpoint", daemon=True)
        self._thread.start()

    def _run(self, path: str, every_s: float) -> None:
        conn = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(every_s):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as exc:  # busy or gone: the next round tries again
                    log.debug("checkpoint: %s", exc)
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


class SqliteDb:
    """One ``sqlite3`` connection in autocommit mode; ``begin`` takes the write lock (BEGIN IMMEDIATE).

    ``checkpoints=True`` (the writer's connection) moves WAL checkpoints to a ``Checkpointer`` thread."""

    postgres = False

    def __init__(self, path: str, checkpoints: bool = False):
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")
        self._checkpointer = None
        if checkpoints and path != ":memory:":
            self.conn.execute(f"PRAGMA wal_autocheckpoint={Checkpointer.BACKSTOP_PAGES}")
            self._checkpointer = Checkpointer(path)

    async def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        return self.conn.execute(sql, params).fetchone()

    async def all(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    async def run(self, sql: str, params: Params = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    async def many(self, sql: str, rows: Sequence[Params]) -> None:
        self.conn.executemany(sql, rows)

    def pipeline(self) -> AbstractAsyncContextManager[Any]:
        return nullcontext()

    async def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        self.conn.execute("COMMIT")

    async def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    async def close(self) -> None:
        self.close_now()

    def close_now(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self.conn.close()


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class PostgresDb:
    """One psycopg async connection; a transaction opens with the first statement after ``begin``."""

    postgres = True

    def __init__(self, conn: Any):
        self.conn = conn
        self._sql: dict[str, str] = {}

    @classmethod
    async def connect(cls, url: str) -> PostgresDb:
        import psycopg

        u = make_url(url)
        conn = await psycopg.AsyncConnection.connect(
            host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database, autocommit=False
        )
        return cls(conn)

    def _q(self, sql: str) -> str:
        text = self._sql.get(sql)
        if text is None:
            text = self._sql[sql] = _pg(sql)
        return text

    async def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        cur = await self.conn.execute(self._q(sql), params, prepare=True)
        return await cur.fetchone()

    async def all(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        cur = await self.conn.execute(self._q(sql), params, prepare=True)
        return await cur.fetchall()

    async def run(self, sql: str, params: Params = ()) -> int:
        cur = await self.conn.execute(self._q(sql), params, prepare=True)
        return cur.rowcount

    async def many(self, sql: str, rows: Sequence[Params]) -> None:
        async with self.conn.cursor() as cur:
            await cur.executemany(self._q(sql), rows)

    def pipeline(self) -> AbstractAsyncContextManager[Any]:
        """Statements inside go out together and are waited for once, at the end (psycopg pipeline mode)."""
        return self.conn.pipeline()

    async def begin(self) -> None:
        """psycopg opens the transaction with the first statement (autocommit is off)."""

    async def commit(self) -> None:
        await self.conn.commit()

    async def rollback(self) -> None:
        await self.conn.rollback()

    async def close(self) -> None:
        await self.conn.close()

    def close_now(self) -> None:
        self.conn.pgconn.finish()


async def connect(url: str, writer: bool = False) -> Db:
    """A connection for a SQLAlchemy URL (as ``engine.database_url`` makes them); ``writer``: the writer's own."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return SqliteDb(u.database or ":memory:", checkpoints=writer)
    return await PostgresDb.connect(url)
