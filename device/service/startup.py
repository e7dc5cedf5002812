"""What the survey service does when the device is switched on, before the walk records.

1. ``preflight``: refuse to start with too little free space (clear message, nothing written), and mark the walks a
   crash or power cut left ``running`` as ``interrupted`` (``Store.mark_stale_walks``).
2. ``wait_for_fix``: wait up to ``gps.fix_timeout_s`` for a 2D/3D fix, then record anyway (cameras found before the
   first fix are kept and flagged for review). The fixes received while waiting are returned, never dropped.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..gps.base import GpsError, GpsSource
from ..store.db import Store
from ..types import Fix
from .settings import ServiceSettings
from .storage import check_free_space

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Preflight:
    free_mb: float
    interrupted_walks: list[int]  # walks found running from a previous boot or a killed process


def preflight(db_path: str | os.PathLike, settings: ServiceSettings | None = None) -> Preflight:
    """Check free space (raises ``LowDiskSpaceError``) then mark stale walks interrupted."""
    s = settings or ServiceSettings()
    path = Path(db_path).expanduser()
    free = check_free_space(path.parent, s.min_free_mb)
    with Store(path) as store:
        stale = store.mark_stale_walks()
    return Preflight(free_mb=free, interrupted_walks=stale)


@dataclass(slots=True)
class FixWait:
    fix: Fix | None  # the first usable fix, None when timed out
    waited_s: float
    fixes: list[Fix] = field(default_factory=list)  # everything polled while waiting (hand it to the loop)
    gps_status: object = None  # the source's status() at the end, when it has one

    @property
    def timed_out(self) -> bool:
        return self.fix is None


def wait_for_fix(
    gps_source: GpsSource,
    timeout_s: float,
    poll: float = 0.5,
    *,
    min_mode: int = 2,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[float], None] | None = None,
) -> FixWait:
    """Poll ``gps_source`` every ``poll`` seconds until a fix of at least ``min_mode`` or ``timeout_s``.

    ``on_wait(elapsed_s)`` is called each round (e.g. to update systemd's STATUS= or extend its start timeout).
    A source that raises ``GpsError`` counts as no fix yet: the walk records anyway after the timeout.
    """
    start = clock()
    fixes: list[Fix] = []
    warned = False
    while True:
        try:
            got = gps_source.poll()
        except GpsError as exc:
            if not warned:
                log.warning("GPS not answering yet: %s", exc)
                warned = True
            got = []
        fixes.extend(got)
        usable = [f for f in got if f.mode >= min_mode]
        elapsed = clock() - start
        if usable:
            log.info("GPS fix after %.0f s", elapsed)
            return FixWait(fix=usable[0], waited_s=elapsed, fixes=fixes, gps_status=_status(gps_source))
        if elapsed >= timeout_s:
            log.warning("no GPS fix after %.0f s: recording anyway, cameras will lack positions", elapsed)
            return FixWait(fix=None, waited_s=elapsed, fixes=fixes, gps_status=_status(gps_source))
        if on_wait is not None:
            on_wait(elapsed)
        sleep(min(poll, max(0.0, timeout_s - elapsed)))


def waiting_reporter(notifier=None, status_observer=None, *, extend_s: float = 30.0) -> Callable[[float], None]:
    """An ``on_wait`` for ``wait_for_fix`` that tells systemd (STATUS=, and more start-up time so that a long
    ``gps.fix_timeout_s`` never trips ``TimeoutStartSec=``) and the phone's status line why nothing records yet."""

    def report(elapsed: float) -> None:
        text = f"waiting for a GPS fix ({elapsed:.0f} s)"
        if notifier is not None:
            notifier.notify(f"STATUS={text}", f"EXTEND_TIMEOUT_USEC={int(extend_s * 1_000_000)}")
        if status_observer is not None:
            status_observer.on_starting(text)

    return report


def _status(source: object) -> object:
    status = getattr(source, "status", None)
    if not callable(status):
        return None
    try:
        return status()
    except GpsError as exc:
        return str(exc)
