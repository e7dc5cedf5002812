"""The GPS seam: what every GPS source returns, its error type, and the time helpers shared by the file readers.

Time contract (see ``device/types.py``): ``Fix.t`` is seconds on the walk's timeline. A live source stamps each fix
with ``time.monotonic()`` when it arrives; a file source (NMEA, GPX) sets ``t`` to the POSIX timestamp of the fix's
UTC time, and the replay moves the fixes onto the video's timeline with ``rebase(fixes, t0)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from ..types import Fix

# Rough metres of horizontal error per unit of HDOP, used where a receiver gives only HDOP (NMEA GGA, GPX <hdop>).
HDOP_TO_EPH_M = 5.0


class GpsError(Exception):
    """A GPS source or file that cannot be used; the message is one line a walker can act on."""


@runtime_checkable
class GpsSource(Protocol):
    """Anything that delivers fixes to the survey loop.

    ``poll()`` never blocks: it returns the fixes received since the previous call (often none).
    """

    def start(self) -> None: ...

    def poll(self) -> list[Fix]: ...

    def close(self) -> None: ...


def utc_to_t(utc: datetime) -> float:
    """POSIX seconds of a UTC time; a naive datetime counts as UTC."""
    if utc.tzinfo is None:
        utc = utc.replace(tzinfo=UTC)
    return utc.timestamp()


def t_to_utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC)


def rebase(fixes: Iterable[Fix], t0: float) -> list[Fix]:
    """The same fixes with ``t0`` subtracted from ``t`` (puts a file's POSIX times on a video's timeline)."""
    return [dataclasses.replace(f, t=f.t - t0) for f in fixes]


def with_offset(fixes: Iterable[Fix], offset_s: float) -> list[Fix]:
    """Shift both ``utc`` and ``t`` by ``offset_s`` seconds (aligning a phone's log with a video's clock)."""
    if not offset_s:
        return list(fixes)
    delta = timedelta(seconds=offset_s)
    return [
        dataclasses.replace(f, t=f.t + offset_s, utc=None if f.utc is None else f.utc + delta) for f in fixes
    ]
