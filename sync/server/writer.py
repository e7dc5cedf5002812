"""The single writer: one task in the server's event loop, one long-lived connection, jobs committed in groups.

Request handlers hand a job (an async callable taking the connection) to ``submit`` and await its result: one hop,
no lock to queue on, no thread to wake. The task takes every job waiting (up to ``max_group``), runs them in one
transaction and commits once, so a burst of submissions costs one commit instead of one each.

Jobs raise their expected errors (``RepoError``, ``AuthError``) before they write anything, so such an error never
leaves half a job in a group. Any other error rolls the whole group back, and its jobs are run again one per
transaction: the job that fails gets its error (logged with its traceback), the others their results.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from .db import Db

log = logging.getLogger(__name__)

Job = Callable[[Any], Awaitable[Any]]  # takes what the session yields
Session = Callable[[Db, list[Job]], AbstractAsyncContextManager[Any]]


class WriteFailed(Exception):
    """A write failed for a reason other than the request (logged with its traceback)."""


@dataclass
class _Lane:
    """The writer of one event loop: its queue, its task and its connection."""

    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    conn: Db | None = None


class Writer:
    def __init__(
        self,
        connect: Callable[..., Awaitable[Db]],
        session: Session,
        expected: tuple[type[BaseException], ...],
        max_group: int = 64,
    ) -> None:
        """``session(db, jobs)``: entered in each group's transaction, it yields what the jobs are called with and
        writes their changes back on exit (``Repository._session``: revocations, locks, the ``MapState``)."""
        self._connect, self._session, self._expected = connect, session, expected
        self.max_group = max_group
        self._lanes: dict[asyncio.AbstractEventLoop, _Lane] = {}
        self.groups = 0  # committed groups and jobs
        self.jobs = 0

    def _lane(self) -> _Lane:
        loop = asyncio.get_running_loop()
        lane = self._lanes.get(loop)
        if lane is None or lane.task is None or lane.task.done():
            lane = self._lanes[loop] = _Lane()
            lane.task = loop.create_task(self._run(lane), name="campaign-writer")
        return lane

    def submit(self, job: Job) -> asyncio.Future[Any]:
        """Queue ``job`` (from a coroutine); the returned future gets its result or its exception."""
        future = asyncio.get_running_loop().create_future()
        self._lane().queue.put_nowait((job, future))
        return future

    async def start(self) -> None:
        """Open the writer's connection now (the server's start) rather than on the first submission."""
        lane = self._lane()
        while lane.conn is None and lane.task is not None and not lane.task.done():
            await asyncio.sleep(0.01)

    async def run_one(self, job: Job) -> Any:
        """A job in a transaction on a connection of its own (admin commands; not through the queue)."""
        db = await self._connect()
        try:
            await db.begin()
            try:
                async with self._session(db, [job]) as ctx:
                    result = await job(ctx)
            except BaseException:
                await db.rollback()
                raise
            await db.commit()
            return result
        finally:
            await db.close()

    async def stop(self) -> None:
        """Finish what is queued in this loop's lane, then close its connection."""
        lane = self._lanes.pop(asyncio.get_running_loop(), None)
        if lane is not None and lane.task is not None:
            lane.queue.put_nowait(None)
            await lane.task

    def close(self) -> None:
        """From outside the loops (shutdown, tests): connections of lanes whose loop is gone are closed now."""
        for loop, lane in list(self._lanes.items()):
            if loop.is_closed() or not loop.is_running():
                if lane.conn is not None:
                    lane.conn.close_now()
                del self._lanes[loop]
            else:
                asyncio.run_coroutine_threadsafe(self._stop_lane(loop), loop).result(30)

    async def _stop_lane(self, loop: asyncio.AbstractEventLoop) -> None:
        await self.stop()

    async def _run(self, lane: _Lane) -> None:
        try:
            lane.conn = await self._connect(writer=True)
        except Exception:  # every waiting request gets a 500; the next one tries again
            log.exception("the writer cannot open its database connection")
            while not lane.queue.empty():
                item = lane.queue.get_nowait()
                if item is not None and not item[1].cancelled():
                    item[1].set_exception(WriteFailed("database unavailable (logged)"))
            return
        try:
            while True:
                item = await lane.queue.get()
                if item is None:
                    return
                batch = [item]
                while len(batch) < self.max_group and not lane.queue.empty():
                    item = lane.queue.get_nowait()
                    if item is None:
                        lane.queue.put_nowait(None)
                        break
                    batch.append(item)
                await self._group(lane, batch)
        finally:
            if lane.conn is not None:
                await lane.conn.close()
            lane.conn = None

    async def _group(self, lane: _Lane, batch: list[tuple[Job, asyncio.Future[Any]]]) -> None:
        db = lane.conn
        assert db is not None
        outcomes: list[tuple[bool, Any]] = []
        started = time.perf_counter()
        try:
            await db.begin()
            async with self._session(db, [job for job, _ in batch]) as ctx:
                for job, _ in batch:
                    try:
                        outcomes.append((True, await job(ctx)))
                    except self._expected as exc:
                        outcomes.append((False, exc))
            await db.commit()
        except Exception:  # rolled back: retry one job per transaction, each gets its own outcome
            await self._recover(lane)
            if len(batch) == 1:
                log.exception("a write failed")
                outcomes = [(False, WriteFailed("internal error (logged)"))]
            else:
                log.warning("a group of %d writes failed; retrying them one by one", len(batch), exc_info=True)
                for item in batch:
                    await self._group(lane, [item])
                return
        else:
            self.groups += 1
            self.jobs += len(batch)
            log.debug("committed a group of %d in %.1f ms", len(batch), (time.perf_counter() - started) * 1000)
        for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
            if future.cancelled():  # the client went away; the write stands (idempotent by UUID)
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    async def _recover(self, lane: _Lane) -> None:
        """Roll back; a connection the database dropped is opened again."""
        assert lane.conn is not None
        try:
            await lane.conn.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone: replace it
            log.warning("writer connection lost; reconnecting")
            try:
                await lane.conn.close()
            except Exception:  # noqa: BLE001
                pass
            lane.conn = await self._connect(writer=True)
