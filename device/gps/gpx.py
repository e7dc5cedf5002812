"""GPX tracks (a phone's logger app, a watch): read track points into fixes, and write fixes as GPX 1.1.

``offset_s`` aligns a phone's clock with a video's: every fix's UTC (and ``t``) moves by that many seconds.
Documents with a DTD or entity declarations are refused before parsing (the defusedxml rule, with the stdlib).
Course and speed are read from any extension element named ``course``/``speed`` (Garmin TrackPointExtension v2,
OsmAnd, GPSLogger), a horizontal error from ``eph``/``hacc``/``accuracy``, else 5 x ``<hdop>``.
"""

from __future__ import annotations

import logging
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from ..types import Fix
from .base import HDOP_TO_EPH_M, GpsError, t_to_utc, utc_to_t, with_offset

log = logging.getLogger(__name__)

GPX_NS = "http://www.topografix.com/GPX/1/1"
TPX_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
_EPH_NAMES = ("eph", "hacc", "accuracy", "horizontal_accuracy")
_FIX_MODES = {"none": 0, "2d": 2, "3d": 3, "dgps": 3, "pps": 3}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(el: ET.Element, name: str) -> str | None:
    for child in el:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _ext_value(point: ET.Element, names: Iterable[str]) -> float | None:
    wanted = set(names)
    for child in point:
        if _local(child.tag) != "extensions":
            continue
        for el in child.iter():
            if _local(el.tag) in wanted:
                value = _float((el.text or "").strip())
                if value is not None:
                    return value
    return None


def _parse_time(text: str) -> datetime | None:
    try:
        utc = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if utc.tzinfo is None:
        return utc.replace(tzinfo=UTC)
    return utc.astimezone(UTC)


def _parse(path: Path) -> ET.Element:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GpsError(f"cannot read GPX file {path}: {exc.strerror or exc}") from None
    head = data[:65536].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise GpsError(f"GPX file {path} declares a DTD or entities; refused for safety")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise GpsError(f"GPX file {path} is not well-formed XML: {exc}") from None


def read_gpx(path: str | Path, offset_s: float = 0.0) -> list[Fix]:
    """All track points of a GPX file as fixes in time order (``t`` = POSIX time of UTC, after ``offset_s``)."""
    path = Path(path)
    root = _parse(path)
    if _local(root.tag) != "gpx":
        raise GpsError(f"{path} is not a GPX file (root element <{_local(root.tag)}>)")
    points = [el for el in root.iter() if _local(el.tag) == "trkpt"]
    if not points:
        points = [el for el in root.iter() if _local(el.tag) == "rtept"]
    if not points:
        raise GpsError(f"GPX {path} has no track points")
    fixes: list[Fix] = []
    untimed = 0
    for p in points:
        lat, lon = _float(p.get("lat")), _float(p.get("lon"))
        if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
            continue
        time_text = _child_text(p, "time")
        utc = _parse_time(time_text) if time_text else None
        if utc is None:
            untimed += 1
            continue
        ele = _float(_child_text(p, "ele"))
        fix_text = (_child_text(p, "fix") or "").lower()
        mode = _FIX_MODES.get(fix_text, 3 if ele is not None else 2)
        if mode < 2:
            continue
        eph = _ext_value(p, _EPH_NAMES)
        if eph is None:
            hdop = _float(_child_text(p, "hdop"))
            eph = None if hdop is None else hdop * HDOP_TO_EPH_M
        course = _ext_value(p, ("course",))
        speed = _ext_value(p, ("speed",))
        if speed is None:
            speed = _float(_child_text(p, "speed"))  # GPX 1.0 puts these in the point itself
        if course is None:
            course = _float(_child_text(p, "course"))
        fixes.append(Fix(utc_to_t(utc), utc, lat, lon, ele, course, speed, eph, mode))
    if not fixes and untimed:
        raise GpsError(f"GPX {path} has no timestamps: its {untimed} track point(s) carry no <time>, so they "
                       "cannot be matched to video frames")
    if untimed:
        log.warning("%s: skipped %d track point(s) without <time>", path.name, untimed)
    if not fixes:
        raise GpsError(f"no valid fix in {path}")
    fixes.sort(key=lambda f: f.t)
    return with_offset(fixes, offset_s)


def _iso(utc: datetime) -> str:
    utc = utc.astimezone(UTC) if utc.tzinfo else utc
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def write_gpx(fixes: Iterable[Fix], path: str | Path) -> None:
    """Write fixes as one GPX 1.1 track; course and speed go in a Garmin TrackPointExtension v2."""
    ET.register_namespace("", GPX_NS)
    ET.register_namespace("gpxtpx", TPX_NS)
    root = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "sousveillance"})
    seg = ET.SubElement(ET.SubElement(root, f"{{{GPX_NS}}}trk"), f"{{{GPX_NS}}}trkseg")
    for f in fixes:
        pt = ET.SubElement(seg, f"{{{GPX_NS}}}trkpt", {"lat": f"{f.latitude:.8f}", "lon": f"{f.longitude:.8f}"})
        if f.altitude is not None:
            ET.SubElement(pt, f"{{{GPX_NS}}}ele").text = f"{f.altitude:.2f}"
        ET.SubElement(pt, f"{{{GPX_NS}}}time").text = _iso(f.utc if f.utc is not None else t_to_utc(f.t))
        ET.SubElement(pt, f"{{{GPX_NS}}}fix").text = {0: "none", 1: "none", 2: "2d"}.get(f.mode, "3d")
        if f.eph is not None:
            ET.SubElement(pt, f"{{{GPX_NS}}}hdop").text = f"{f.eph / HDOP_TO_EPH_M:.3f}"
        if f.course is not None or f.speed is not None:
            tpx = ET.SubElement(ET.SubElement(pt, f"{{{GPX_NS}}}extensions"), f"{{{TPX_NS}}}TrackPointExtension")
            if f.speed is not None:
                ET.SubElement(tpx, f"{{{TPX_NS}}}speed").text = f"{f.speed:.3f}"
            if f.course is not None:
                ET.SubElement(tpx, f"{{{TPX_NS}}}course").text = f"{f.course % 360.0:.2f}"
    ET.indent(root)
    ET.ElementTree(root).write(Path(path), encoding="utf-8", xml_declaration=True)
