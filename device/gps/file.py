"""GPS logs on disk (NMEA or GPX, told apart by content) as fixes, and as a ``GpsSource`` for replays."""

from __future__ import annotations

import logging
from pathlib import Path

from ..types import Fix
from .base import GpsError, with_offset
from .gpx import read_gpx
from .nmea import read_nmea

log = logging.getLogger(__name__)


def sniff_format(path: str | Path) -> str:
    """``"gpx"`` or ``"nmea"`` from the first bytes of the file (the extension only breaks a tie)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise GpsError(f"cannot read GPS file {path}: {exc.strerror or exc}") from None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<") or b"<gpx" in head:
        return "gpx"
    if b"$G" in head or b"$B" in head or b"$Q" in head:
        return "nmea"
    suffix = path.suffix.lower()
    if suffix == ".gpx":
        return "gpx"
    if suffix in (".nmea", ".nma", ".log", ".txt"):
        return "nmea"
    raise GpsError(f"{path} is neither an NMEA log nor a GPX file")


def open_gps_file(path: str | Path, offset_s: float = 0.0) -> list[Fix]:
    """Every fix of an NMEA or GPX file in time order; ``offset_s`` is added to each fix's UTC (and ``t``)."""
    if sniff_format(path) == "gpx":
        return read_gpx(path, offset_s=offset_s)
    return with_offset(read_nmea(path), offset_s)


class FileGpsSource:
    """A recorded log as a ``GpsSource``: the first ``poll()`` after ``start()`` returns every fix, later ones none.

    A replay usually wants the whole track up front: use ``fixes()`` (and ``rebase`` onto the video's timeline).
    """

    def __init__(self, path: str | Path, offset_s: float = 0.0) -> None:
        self.path = Path(path)
        self.offset_s = offset_s
        self._fixes: list[Fix] | None = None
        self._delivered = False

    def start(self) -> None:
        if self._fixes is None:
            self._fixes = open_gps_file(self.path, self.offset_s)
            log.info("%s: %d fixes", self.path.name, len(self._fixes))

    def fixes(self) -> list[Fix]:
        self.start()
        assert self._fixes is not None
        return list(self._fixes)

    def poll(self) -> list[Fix]:
        if self._fixes is None or self._delivered:
            return []
        self._delivered = True
        return list(self._fixes)

    def close(self) -> None:
        self._delivered = True
