"""NMEA logs: what a receiver writes (with its noise) becomes the walker's fixes."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime, timedelta

import pytest

from sousveillance.device.gps import GpsError, read_nmea, write_nmea
from sousveillance.device.gps.nmea import checksum
from sousveillance.device.types import Fix


def _line(body: str) -> str:
    return f"${body}*{checksum(body)}\r\n"


def test_round_trip_keeps_positions_times_and_motion(tmp_path, walk):
    path = tmp_path / "walk.nmea"
    write_nmea(walk, path)
    back = read_nmea(path)
    assert len(back) == len(walk)
    for a, b in zip(walk, back, strict=True):
        assert b.utc == a.utc and b.t == pytest.approx(a.t)
        assert b.latitude == pytest.approx(a.latitude, abs=1e-8)
        assert b.longitude == pytest.approx(a.longitude, abs=1e-8)
        assert b.altitude == pytest.approx(35.0)
        assert b.course == pytest.approx(a.course, abs=0.01)
        assert b.speed == pytest.approx(a.speed, abs=0.001)
        assert b.eph == pytest.approx(a.eph, abs=0.001)  # from GST lat/lon sigma
        assert b.mode == 3


def test_bad_checksums_and_garbage_are_skipped_and_counted_once(tmp_path, walk, caplog):
    path = tmp_path / "noisy.nmea"
    write_nmea(walk[:30], path)
    lines = path.read_text().splitlines(keepends=True)
    # Fix 10: every sentence damaged -> dropped. Fix 20: only GGA damaged -> kept from RMC.
    for k in (30, 31):
        lines[k] = lines[k].replace(",N,", ",S,")  # body changed, checksum no longer matches
    lines[32] = lines[32].replace(",0.0,", ",9.0,")  # the GST of fix 10
    lines[60] = lines[60].replace("*", "*0")  # wrong checksum digits
    garbage = ["\xb5b\x01\x07\x5c\x00\xff\xfe binary UBX\r\n", "# comment from a logger\n", "$GPGGA,no,star\r\n", "\n"]
    noisy = lines[:5] + garbage + lines[5:]
    path.write_bytes("".join(noisy).encode("latin-1"))
    with caplog.at_level(logging.WARNING, logger="sousveillance.device.gps.nmea"):
        fixes = read_nmea(path)
    times = {f.utc for f in fixes}
    assert walk[10].utc not in times
    assert walk[20].utc in times
    assert len(fixes) == 29
    assert all(f.latitude > 0 for f in fixes)  # no damaged "S" position got through
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "5 NMEA line(s)" in warnings[0].getMessage()


def test_file_without_a_fix_is_a_clear_error(tmp_path, walk):
    path = tmp_path / "nofix.nmea"
    write_nmea([Fix(f.t, f.utc, f.latitude, f.longitude, mode=1) for f in walk[:10]], path)
    with pytest.raises(GpsError, match=r"no valid fix in .*nofix\.nmea"):
        read_nmea(path)
    junk = tmp_path / "junk.nmea"
    junk.write_bytes(b"\x00\x01 not nmea at all\n")
    with pytest.raises(GpsError, match="no valid fix"):
        read_nmea(junk)
    with pytest.raises(GpsError, match="cannot read NMEA file"):
        read_nmea(tmp_path / "missing.nmea")


def test_status_void_and_gsa_no_fix_are_not_fixes(tmp_path):
    text = (
        _line("GPRMC,120000.00,V,5231.200,N,01324.300,E,,,020526,,,N")
        + _line("GPGGA,120001.00,5231.200,N,01324.300,E,1,05,1.2,40.0,M,,M,,")
        + _line("GPGSA,A,1,,,,,,,,,,,,,,,")
        + _line("GPRMC,120002.00,A,5231.200,N,01324.300,E,2.0,45.0,020526,,,A")
        + _line("GPGGA,120002.00,5231.200,N,01324.300,E,1,05,1.2,40.0,M,,M,,")
        + _line("GPVTG,47.5,T,,M,3.9,N,7.2,K,A")
        + _line("GPGSA,A,3,01,02,03,04,05,,,,,,,,2.0,1.0,1.7")
    )
    path = tmp_path / "status.nmea"
    path.write_text(text)
    (fix,) = read_nmea(path)
    assert fix.utc == datetime(2026, 5, 2, 12, 0, 2, tzinfo=UTC)
    assert fix.latitude == pytest.approx(52.52) and fix.longitude == pytest.approx(13.405)
    assert fix.course == pytest.approx(47.5)  # VTG after RMC wins for course
    assert fix.speed == pytest.approx(2.0 * 1852 / 3600)
    assert fix.eph == pytest.approx(5.0)  # GSA HDOP 1.0 x 5 m without GST
    assert fix.mode == 3


def test_midnight_rollover_without_new_date(tmp_path, walk_factory):
    before = datetime(2026, 12, 31, 23, 59, 50, tzinfo=UTC)
    walk = walk_factory(legs=((90.0, 20),), start=before)
    path = tmp_path / "midnight.nmea"
    write_nmea(walk, path)
    # Receivers that send only GGA after the first RMC: the date must still advance at midnight.
    lines = path.read_text().splitlines(keepends=True)
    kept = [ln for i, ln in enumerate(lines) if not (ln.startswith("$GPRMC") and i > 3)]
    path.write_text("".join(kept))
    fixes = read_nmea(path)
    assert [f.utc for f in fixes] == [before + timedelta(seconds=i) for i in range(20)]
    assert fixes[-1].utc.date().isoformat() == "2027-01-01"
    assert all(b.t - a.t == pytest.approx(1.0) for a, b in itertools.pairwise(fixes))


def test_gga_only_log_has_no_utc_but_a_usable_timeline(tmp_path, walk, caplog):
    path = tmp_path / "gga.nmea"
    write_nmea(walk[:5], path)
    path.write_text("".join(ln for ln in path.read_text().splitlines(keepends=True) if ln.startswith("$GPGGA")))
    fixes = read_nmea(path)
    assert len(fixes) == 5 and all(f.utc is None for f in fixes)
    assert fixes[1].t - fixes[0].t == pytest.approx(1.0)
