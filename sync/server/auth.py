"""Device tokens, kept in memory once looked up, and dropped on revocation even when another process revoked.

Every ``server device revoke`` (CLI or any server replica) bumps the ``revocations`` counter in the ``meta`` table
in the same transaction. ``Tokens.sync`` reads that counter (one tiny query) and empties the cache when it moved;
the writer calls it at the start of every group it commits, so a revoked device cannot write once its revocation
committed, and the read endpoints that need a device (``device_sa``) check it before they answer. Each time, every
device's token hash is read again in one query, so a server (re)started does not look tokens up one by one.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .db import Db
from .errors import AuthError

log = logging.getLogger(__name__)

GENERATION_SQL = "SELECT value FROM meta WHERE key = 'revocations'"
DEVICE_SQL = "SELECT id, name, created_at, revoked_at FROM devices WHERE token_hash = ?"
ALL_DEVICES_SQL = "SELECT token_hash, id, name, created_at, revoked_at FROM devices"


@dataclass(frozen=True)
class Device:
    id: int
    name: str
    created_at: str
    revoked_at: str | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def bearer(header: str) -> str:
    """The token of an ``Authorization: Bearer ...`` header ('' when absent or another scheme)."""
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


class Tokens:
    """Token hash -> device for every enrolled device, read in one query when the server first needs a token and
    again whenever the revocation counter moved; a device enrolled since is looked up on its first request."""

    def __init__(self) -> None:
        self._by_hash: dict[str, Device] = {}
        self._generation: int | None = None
        self._lock = threading.Lock()

    def observe(self, generation: int | None, devices: list[Any] | None = None) -> bool:
        """The revocation counter as just read: True when it moved (the cache is emptied, or refilled from
        ``devices``: rows of ``ALL_DEVICES_SQL``)."""
        generation = generation or 0
        if generation == self._generation:
            return False
        with self._lock:
            if self._generation is not None:
                log.info("a device was revoked: tokens read again")
            self._by_hash = {r[0]: Device(*r[1:]) for r in devices or ()}
            self._generation = generation
        return True

    def cached(self, token_hash: str) -> Device | None:
        return self._by_hash.get(token_hash)

    def _remember(self, token_hash: str, row: Any) -> Device:
        if not token_hash:
            raise AuthError(401, "missing_token", "send 'Authorization: Bearer <device token>'")
        if row is None:
            raise AuthError(401, "invalid_token", "unknown device token")
        dev = Device(*row)
        self._by_hash[token_hash] = dev
        return check(dev)

    async def device(self, db: Db, token_hash: str) -> Device:
        """The active device of a token hash, from the cache or the writer's connection; ``AuthError`` else."""
        dev = self._by_hash.get(token_hash)
        if dev is not None:
            return check(dev)
        return self._remember(token_hash, await db.one(DEVICE_SQL, (token_hash,)) if token_hash else None)

    async def sync(self, db: Db, generation: int | None = None) -> None:
        """Check the revocation counter (``generation``: already read by the caller)."""
        if generation is None:
            generation = (await db.one(GENERATION_SQL) or (0,))[0]
        if generation != self._generation:
            self.observe(generation, await db.all(ALL_DEVICES_SQL))

    def sync_sa(self, conn: Connection) -> None:
        """``sync`` on a SQLAlchemy connection (the read endpoints, and the server's start)."""
        generation = conn.execute(sa.text(GENERATION_SQL)).scalar()
        if generation != self._generation:
            self.observe(generation, [tuple(r) for r in conn.execute(sa.text(ALL_DEVICES_SQL))])

    def device_sa(self, conn: Connection, token_hash: str) -> Device:
        """``device`` on a SQLAlchemy connection, after checking for revocations."""
        self.sync_sa(conn)
        dev = self._by_hash.get(token_hash)
        if dev is not None:
            return check(dev)
        row = conn.execute(sa.text(DEVICE_SQL.replace("?", ":h")), {"h": token_hash}).first() if token_hash else None
        return self._remember(token_hash, None if row is None else tuple(row))


def check(dev: Device) -> Device:
    if dev.revoked_at:
        raise AuthError(403, "device_revoked", f"device {dev.name} was revoked at {dev.revoked_at}")
    return dev
