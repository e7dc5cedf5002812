"""GPX tracks from a phone: read, aligned with a video by an offset, and refused clearly when unusable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sousveillance.device.gps import (
    FileGpsSource,
    GpsdSource,
    GpsError,
    GpsSource,
    open_gps_file,
    read_gpx,
    write_gpx,
    write_nmea,
)


def test_round_trip_keeps_positions_times_and_motion(tmp_path, walk):
    path = tmp_path / "walk.gpx"
    write_gpx(walk, path)
    back = read_gpx(path)
    assert len(back) == len(walk)
    for a, b in zip(walk, back, strict=True):
        assert b.utc == a.utc and b.t == pytest.approx(a.t)
        assert b.latitude == pytest.approx(a.latitude, abs=1e-8)
        assert b.longitude == pytest.approx(a.longitude, abs=1e-8)
        assert b.altitude == pytest.approx(35.0)
        assert b.course == pytest.approx(a.course, abs=0.01)
        assert b.speed == pytest.approx(a.speed, abs=0.001)
        assert b.eph == pytest.approx(a.eph, abs=0.01)
        assert b.mode == 3


def test_offset_moves_the_fixes_onto_the_video_clock(tmp_path, walk):
    path = tmp_path / "phone.gpx"
    write_gpx(walk[:10], path)
    shifted = read_gpx(path, offset_s=-2.5)
    assert shifted[0].utc == walk[0].utc - timedelta(seconds=2.5)
    assert shifted[0].t == pytest.approx(walk[0].t - 2.5)
    assert shifted[0].latitude == pytest.approx(walk[0].latitude)
    assert open_gps_file(path, offset_s=1.0)[3].utc == walk[3].utc + timedelta(seconds=1)


PHONE_GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.0" creator="SomeLogger" xmlns="http://www.topografix.com/GPX/1/0">
 <trk><trkseg>
  <trkpt lat="52.5200" lon="13.4050"><time>2026-05-02T12:00:00+02:00</time><hdop>0.8</hdop></trkpt>
  <trkpt lat="52.5201" lon="13.4050"><ele>40.5</ele><time>2026-05-02T10:00:01.5Z</time>
   <extensions><accuracy>4.2</accuracy><speed>1.2</speed><course>12.0</course></extensions></trkpt>
  <trkpt lat="52.5202" lon="13.4050"><time>2026-05-02T10:00:03Z</time><fix>none</fix></trkpt>
 </trkseg></trk>
</gpx>"""


def test_phone_gpx_with_hdop_accuracy_and_time_zones(tmp_path):
    path = tmp_path / "phone.gpx"
    path.write_text(PHONE_GPX)
    a, b = read_gpx(path)  # the <fix>none</fix> point is not a fix
    assert a.utc == datetime(2026, 5, 2, 10, 0, 0, tzinfo=UTC)
    assert a.eph == pytest.approx(4.0) and a.mode == 2 and a.altitude is None
    assert b.utc == datetime(2026, 5, 2, 10, 0, 1, 500000, tzinfo=UTC)
    assert (b.eph, b.speed, b.course, b.altitude, b.mode) == (4.2, 1.2, 12.0, 40.5, 3)


def test_gpx_without_times_says_so(tmp_path):
    path = tmp_path / "route.gpx"
    path.write_text(PHONE_GPX.replace("<time>", "<name>").replace("</time>", "</name>"))
    with pytest.raises(GpsError, match=r"GPX .*route.gpx has no timestamps"):
        read_gpx(path)


@pytest.mark.parametrize(
    "text, message",
    [
        ("<gpx><trk><trkseg><trkpt lat='1' lon='2'>", "not well-formed XML"),
        ('<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x "boom">]><gpx>&x;</gpx>', "DTD or entities"),
        ("<kml><Document/></kml>", "not a GPX file"),
        ("<gpx version='1.1'></gpx>", "has no track points"),
    ],
)
def test_broken_gpx_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.gpx"
    path.write_text(text)
    with pytest.raises(GpsError, match=message):
        read_gpx(path)


def test_open_gps_file_tells_formats_apart_by_content(tmp_path, walk):
    nmea, gpx, other = tmp_path / "a.gpx", tmp_path / "b.txt", tmp_path / "c.gpx"
    write_nmea(walk[:5], nmea)  # misnamed on purpose
    write_gpx(walk[:5], gpx)
    other.write_bytes(b"hello")
    assert [f.utc for f in open_gps_file(nmea)] == [f.utc for f in open_gps_file(gpx)] == [f.utc for f in walk[:5]]
    with pytest.raises(GpsError, match=r"no track points|not well-formed"):
        open_gps_file(other)
    plain = tmp_path / "c.bin"
    plain.write_bytes(b"hello")
    with pytest.raises(GpsError, match="neither an NMEA log nor a GPX file"):
        open_gps_file(plain)


def test_file_source_delivers_the_log_once(tmp_path, walk):
    path = tmp_path / "walk.gpx"
    write_gpx(walk[:20], path)
    source = FileGpsSource(path)
    assert isinstance(source, GpsSource) and isinstance(GpsdSource(), GpsSource)  # one seam for both
    source.start()
    assert len(source.fixes()) == 20
    assert len(source.poll()) == 20
    assert source.poll() == []
    source.close()
