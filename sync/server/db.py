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
from typing import Any, Protocol

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

Params = tuple[Any, ...] | list[Any]


class Db(Protocol):
    postgres: bool

    async def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None: ...
    async def all(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]: ...
    async def run(self, sql: str, params: Params = ()) -> int: ...
    async def begin(self) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...
    async def close(self) -> None: ...
    def close_now(self) -> None: ...


class SqliteDb:
    """One ``sqlite3`` connection in autocommit mode; ``begin`` takes the write lock (BEGIN IMMEDIATE)."""

    postgres = False

    def __init__(self, path: str):
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")

    async def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        return self.conn.execute(sql, params).fetchone()

    async def all(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    async def run(self, sql: str, params: Params = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    async def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        self.conn.execute("COMMIT")

    async def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    async def close(self) -> None:
        self.conn.close()

    def close_now(self) -> None:
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
    async def connect(cls, url: str) -> "PostgresDb":
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


async def connect(url: str) -> Db:
    """A writer connection for a SQLAlchemy URL (as ``tables.database_url`` makes them)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return SqliteDb(u.database or ":memory:")
    return await PostgresDb.connect(url)
