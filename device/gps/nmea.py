"""NMEA 0183 logs: read a receiver's log into fixes, and write fixes as a log gpsd (and gpsfake) can replay.

Reading keeps what a walker needs from RMC, GGA, GSA, GST, VTG (and ZDA for the date): sentences with the same time
of day form one epoch, which becomes one ``Fix``. Lines with a bad or missing checksum are skipped and counted (one
warning per file); lines that are not NMEA at all (binary protocol bytes, comments) are ignored. A log that crosses
midnight UTC without a new date keeps counting days. ``Fix.t`` is the POSIX time of the fix's UTC.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ..types import Fix
from .base import HDOP_TO_EPH_M, GpsError, t_to_utc, utc_to_t

log = logging.getLogger(__name__)

KNOTS_TO_MPS = 1852.0 / 3600.0
_START = re.compile(r"\$([A-Z]{2})([A-Z]{3}),")
_CHECKSUM = re.compile(r"\*([0-9A-Fa-f]{2})")
_USED = {"RMC", "GGA", "GSA", "GST", "VTG", "ZDA"}
_TIMED = {"RMC", "GGA", "GST", "ZDA"}


def checksum(body: str) -> str:
    """The two hex digits of an NMEA checksum: XOR of the characters between ``$`` and ``*``."""
    value = 0
    for ch in body:
        value ^= ord(ch)
    return f"{value:02X}"


@dataclass
class _Epoch:
    tod: float  # seconds of the UTC day
    date: date | None = None
    latitude: float | None = None
    longitude: float | None = None
    altitude: float | None = None
    course: float | None = None
    speed: float | None = None
    hdop: float | None = None
    gst_eph: float | None = None
    gsa_mode: int | None = None
    invalid: bool = False


def _num(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _tod(text: str) -> float | None:
    if len(text) < 6 or not text[:6].isdigit():
        return None
    hh, mm, ss = int(text[:2]), int(text[2:4]), _num(text[4:])
    if ss is None or hh > 23 or mm > 59 or not 0 <= ss < 61:
        return None
    return hh * 3600 + mm * 60 + ss


def _coord(value: str, hemi: str, limit: float) -> float | None:
    raw = _num(value)
    if raw is None or hemi not in ("N", "S", "E", "W"):
        return None
    degrees = int(raw // 100)
    result = degrees + (raw - degrees * 100) / 60.0
    if hemi in ("S", "W"):
        result = -result
    return result if abs(result) <= limit else None


def _field(fields: list[str], i: int) -> str:
    return fields[i] if i < len(fields) else ""


def _apply(epoch: _Epoch, kind: str, f: list[str]) -> None:
    """Merge one sentence's fields into its epoch."""
    if kind == "GGA":
        quality = _num(_field(f, 5))
        if not quality:
            epoch.invalid = True
        lat, lon = _coord(_field(f, 1), _field(f, 2), 90), _coord(_field(f, 3), _field(f, 4), 180)
        if lat is not None and lon is not None:
            epoch.latitude, epoch.longitude = lat, lon
        epoch.hdop = _num(_field(f, 7)) if epoch.hdop is None else epoch.hdop
        epoch.altitude = _num(_field(f, 8))
    elif kind == "RMC":
        if _field(f, 1) != "A" or _field(f, 11)[:1] == "N":
            epoch.invalid = True
        lat, lon = _coord(_field(f, 2), _field(f, 3), 90), _coord(_field(f, 4), _field(f, 5), 180)
        if epoch.latitude is None and lat is not None and lon is not None:
            epoch.latitude, epoch.longitude = lat, lon
        knots = _num(_field(f, 6))
        if knots is not None:
            epoch.speed = knots * KNOTS_TO_MPS
        epoch.course = _num(_field(f, 7)) if epoch.course is None else epoch.course
        d = _field(f, 8)
        if len(d) == 6 and d.isdigit():
            yy = int(d[4:])
            try:
                epoch.date = date(2000 + yy if yy < 80 else 1900 + yy, int(d[2:4]), int(d[:2]))
            except ValueError:
                pass
    elif kind == "GSA":
        mode = _num(_field(f, 1))
        if mode is not None:
            epoch.gsa_mode = int(mode)
        hdop = _num(_field(f, 15))
        if hdop is not None:
            epoch.hdop = hdop
    elif kind == "GST":
        lat_sigma, lon_sigma = _num(_field(f, 5)), _num(_field(f, 6))
        if lat_sigma is not None and lon_sigma is not None:
            epoch.gst_eph = math.hypot(lat_sigma, lon_sigma)
    elif kind == "VTG":
        new_format = _field(f, 1) == "T"
        course = _num(_field(f, 0))
        kmh = _num(_field(f, 6 if new_format else 3))
        if course is not None:
            epoch.course = course
        if kmh is not None and epoch.speed is None:
            epoch.speed = kmh / 3.6
    elif kind == "ZDA":
        day, month, year = _num(_field(f, 1)), _num(_field(f, 2)), _num(_field(f, 3))
        if day and month and year:
            try:
                epoch.date = date(int(year), int(month), int(day))
            except ValueError:
                pass


def _epochs(lines: Iterable[str]) -> tuple[list[_Epoch], int]:
    epochs: list[_Epoch] = []
    bad = 0
    for line in lines:
        start = _START.search(line)
        if start is None:
            continue  # not NMEA: binary protocol bytes, comments, noise
        star = _CHECKSUM.search(line, start.end())
        body = line[start.start() + 1 : star.start()] if star else ""
        if star is None or checksum(body) != star.group(1).upper():
            bad += 1
            continue
        kind = start.group(2)
        if kind not in _USED:
            continue
        fields = body.split(",")[1:]
        if kind in _TIMED:
            tod = _tod(_field(fields, 0))
            if tod is None:
                continue
            if not epochs or abs(epochs[-1].tod - tod) > 0.0005:
                epochs.append(_Epoch(tod=tod))
        elif not epochs:
            continue
        _apply(epochs[-1], kind, fields)
    return epochs, bad


def _fix_times(epochs: list[_Epoch]) -> list[tuple[datetime | None, float]]:
    """UTC and t of every epoch: days counted across midnight, dated by the nearest RMC/ZDA date."""
    offsets: list[int] = []
    day, prev = 0, None
    for e in epochs:
        if prev is not None and e.tod < prev - 43200:
            day += 1
        offsets.append(day)
        prev = e.tod
    anchors = [(e.date - timedelta(days=o)) for e, o in zip(epochs, offsets, strict=True) if e.date is not None]
    if not anchors:
        return [(None, o * 86400.0 + e.tod) for e, o in zip(epochs, offsets, strict=True)]
    base = anchors[0]
    out: list[tuple[datetime | None, float]] = []
    for e, o in zip(epochs, offsets, strict=True):
        if e.date is not None:
            base = e.date - timedelta(days=o)
        midnight = datetime.combine(base + timedelta(days=o), datetime.min.time(), tzinfo=UTC)
        utc = midnight + timedelta(seconds=e.tod)
        out.append((utc, utc_to_t(utc)))
    return out


def read_nmea(path: str | Path) -> list[Fix]:
    """All fixes of an NMEA log in time order; GpsError when the file holds none."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("latin-1")
    except OSError as exc:
        raise GpsError(f"cannot read NMEA file {path}: {exc.strerror or exc}") from None
    epochs, bad = _epochs(text.splitlines())
    if bad:
        log.warning("%s: skipped %d NMEA line(s) with a bad or missing checksum", path.name, bad)
    times = _fix_times(epochs)
    if epochs and times[0][0] is None:
        log.warning("%s: no RMC/ZDA date in the log; fixes carry no UTC, t counts from the first day", path.name)
    fixes: list[Fix] = []
    for e, (utc, t) in zip(epochs, times, strict=True):
        if e.invalid or e.latitude is None or e.longitude is None:
            continue
        mode = e.gsa_mode if e.gsa_mode is not None else (3 if e.altitude is not None else 2)
        if mode < 2:
            continue
        eph = e.gst_eph if e.gst_eph is not None else (None if e.hdop is None else e.hdop * HDOP_TO_EPH_M)
        fixes.append(Fix(t, utc, e.latitude, e.longitude, e.altitude, e.course, e.speed, eph, mode))
    if not fixes:
        raise GpsError(f"no valid fix in {path}")
    fixes.sort(key=lambda f: f.t)
    return fixes


# -- writing ------------------------------------------------------------------------------------------------------
def _fmt_coord(value: float, width: int, hemis: str) -> tuple[str, str]:
    units = round(abs(value) * 60 * 10**7)  # 1e-7 minutes
    deg, rest = divmod(units, 60 * 10**7)
    return f"{deg:0{width}d}{rest // 10**7:02d}.{rest % 10**7:07d}", hemis[0] if value >= 0 else hemis[1]


def _opt(value: float | None, fmt: str) -> str:
    return "" if value is None else format(value, fmt)


def _sentence(body: str) -> str:
    return f"${body}*{checksum(body)}\r\n"


def nmea_sentences(fix: Fix) -> list[str]:
    """``$GPGGA``, ``$GPRMC`` and (with an error estimate) ``$GPGST`` lines for one fix."""
    utc = fix.utc if fix.utc is not None else t_to_utc(fix.t)
    if utc.tzinfo is None:
        utc = utc.replace(tzinfo=UTC)
    utc = t_to_utc(round(utc.timestamp() * 1000) / 1000)
    hms = f"{utc:%H%M%S}.{utc.microsecond // 1000:03d}"
    lat, ns = _fmt_coord(fix.latitude, 2, "NS")
    lon, ew = _fmt_coord(fix.longitude, 3, "EW")
    valid = fix.mode >= 2
    if not valid:  # receivers leave the position empty without a fix
        lat = ns = lon = ew = ""
    hdop = None if fix.eph is None else fix.eph / HDOP_TO_EPH_M
    alt = fix.altitude if fix.mode >= 3 else None
    gga = f"GPGGA,{hms},{lat},{ns},{lon},{ew},{1 if valid else 0},08,{_opt(hdop, '.2f')},{_opt(alt, '.2f')},M,0.0,M,,"
    knots = None if fix.speed is None else fix.speed / KNOTS_TO_MPS
    course = None if fix.course is None else fix.course % 360.0
    rmc = (
        f"GPRMC,{hms},{'A' if valid else 'V'},{lat},{ns},{lon},{ew},{_opt(knots, '.4f')},{_opt(course, '.2f')},"
        f"{utc:%d%m%y},,,{'A' if valid else 'N'}"
    )
    lines = [_sentence(gga), _sentence(rmc)]
    if fix.eph is not None:
        sigma = fix.eph / math.sqrt(2.0)
        gst = f"GPGST,{hms},{fix.eph:.4f},{sigma:.4f},{sigma:.4f},0.0,{sigma:.4f},{sigma:.4f},{fix.eph * 1.5:.4f}"
        lines.append(_sentence(gst))
    return lines


def write_nmea(fixes: Iterable[Fix], path: str | Path) -> None:
    """Write fixes as an NMEA log (GGA + RMC + GST per fix, valid checksums), readable by ``read_nmea`` and gpsfake."""
    path = Path(path)
    with path.open("w", encoding="ascii", newline="") as out:
        for fix in fixes:
            out.writelines(nmea_sentences(fix))
