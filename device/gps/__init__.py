"""GPS sources of the survey: live gpsd, NMEA and GPX logs, and the track that gives a position at frame time.

Importing this package loads no platform library; ``GpsdSource`` talks to gpsd over a socket only once started.
"""

from __future__ import annotations

from .base import GpsError, GpsSource, rebase
from .file import FileGpsSource, open_gps_file, sniff_format
from .gpsd import GpsdSource, GpsStatus
from .gpx import read_gpx, write_gpx
from .nmea import read_nmea, write_nmea
from .track import GpsTrack

__all__ = [
    "FileGpsSource",
    "GpsError",
    "GpsSource",
    "GpsStatus",
    "GpsTrack",
    "GpsdSource",
    "open_gps_file",
    "read_gpx",
    "read_nmea",
    "rebase",
    "sniff_format",
    "write_gpx",
    "write_nmea",
]
