"""Storage safety: never start without room, warn when low, prune old crops by policy, stop before the card fills.

Three levels, from ``ServiceSettings``: below ``min_free_mb`` a walk refuses to start; below ``warn_free_mb`` the
status line warns and old crops are pruned; below ``stop_free_mb`` (during a walk) the walk ends cleanly, with
everything recorded so far kept.

Pruning policy, in order, oldest walks first, never the walk being recorded:
1. crops that are not their camera's best crop (the extra views kept for review), and pole crops;
2. context views (the wider, redacted street) of cameras already reviewed, confirmed or rejected;
3. best crops of cameras the reviewer rejected.
A confirmed camera's best crop, and a pending camera's best crop and context view, are never deleted.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..store import Store, StoreError
from ..store.crops import PRUNE_ORDER
from ..survey.observer import LoopStats
from .health import free_mb
from .settings import ServiceSettings

log = logging.getLogger(__name__)


EXIT_LOW_DISK = 4  # exit status of `survey` refusing to start for lack of space (the unit will not restart it)


class LowDiskSpaceError(Exception):
    """Not enough free space to record a walk; the message says how much there is and how to fix it."""


def check_free_space(path: str | os.PathLike, min_free_mb: float) -> float:
    """Free MB on the filesystem of ``path``; raises ``LowDiskSpaceError`` below ``min_free_mb``."""
    free = free_mb(path)
    if free < min_free_mb:
        raise LowDiskSpaceError(
            f"only {free:.0f} MB free on the disk holding {path} (need {min_free_mb:.0f} MB, "
            "service.min_free_mb): sync and delete old walks, or lower the limit"
        )
    return free


def disk_level(free: float, settings: ServiceSettings) -> str:
    """``ok``, ``low`` (below warn_free_mb) or ``critical`` (below stop_free_mb)."""
    if free < settings.stop_free_mb:
        return "critical"
    if free < settings.warn_free_mb:
        return "low"
    return "ok"


@dataclass(frozen=True, slots=True)
class PruneResult:
    files: int  # crop files deleted
    freed_mb: float
    free_mb: float  # free space afterwards


def prune_crops(
    store: Store,
    target_free_mb: float,
    *,
    keep_walk_id: int | None = None,
    free: Callable[[Path], float] = free_mb,
) -> PruneResult:
    """Delete crops by the policy above until ``target_free_mb`` is free (or nothing prunable is left)."""
    start = now_free = free(store.root)
    files = 0
    for kind in PRUNE_ORDER:
        if now_free >= target_free_mb:
            break
        for crop in store.prunable_crops(kind, keep_walk_id=keep_walk_id):
            if now_free >= target_free_mb:
                break
            try:
                target = store.resolve_crop(crop.crop)
            except StoreError:
                log.warning("not pruning crop outside the crops folder: %r", crop.crop)
                continue
            try:
                target.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not delete crop %s: %s", crop.crop, exc)
                continue
            store.forget_crop(crop)
            files += 1
            now_free = free(store.root)
    if files:
        log.warning("pruned %d old crop(s), %.1f MB freed, %.0f MB free", files, now_free - start, now_free)
    return PruneResult(files=files, freed_mb=max(0.0, now_free - start), free_mb=now_free)


class StorageObserver:
    """A ``SurveyObserver`` that checks free space every ``settings.disk_check_s`` during a walk.

    Below ``warn_free_mb`` it prunes old crops (when ``settings.prune_crops``); below ``stop_free_mb`` it sets
    ``stop_requested`` (with ``stop_reason``) so that the loop ends the walk cleanly before the card fills.
    """

    def __init__(
        self,
        db_path: str | os.PathLike,
        settings: ServiceSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        free: Callable[[Path], float] = free_mb,
    ):
        if settings is not None and not isinstance(settings, ServiceSettings):
            raise TypeError("StorageObserver(db_path, settings) takes the walk database and config.service")
        self.db_path = Path(db_path).expanduser()
        self.settings = settings or ServiceSettings()
        self.clock = clock
        self.free = free
        self.level = "ok"
        self.free_mb: float | None = None
        self.stop_requested = False
        self.stop_reason = ""
        self._last_check = float("-inf")
        self._store: Store | None = None

    def on_ready(self, stats: LoopStats) -> None:
        self._check(stats)

    def on_frame(self, stats: LoopStats) -> None:
        if self.clock() - self._last_check >= self.settings.disk_check_s:
            self._check(stats)

    def on_end(self, stats: LoopStats, status: str) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _check(self, stats: LoopStats) -> None:
        self._last_check = self.clock()
        s = self.settings
        free = self.free(self.db_path.parent)
        if free < s.warn_free_mb and s.prune_crops:
            try:
                if self._store is None:
                    self._store = Store(self.db_path, migrate=False)
                free = prune_crops(self._store, s.warn_free_mb, keep_walk_id=stats.walk_id, free=self.free).free_mb
            except StoreError as exc:
                log.warning("could not prune crops: %s", exc)
        level = disk_level(free, s)
        if level != self.level:
            log.warning("disk space %s: %.0f MB free", level, free)
        self.level, self.free_mb = level, free
        if level == "critical" and not self.stop_requested:
            self.stop_requested = True
            self.stop_reason = f"disk nearly full: {free:.0f} MB free (stops below {s.stop_free_mb} MB)"
            log.error("ending walk %s: %s", stats.walk_id, self.stop_reason)
