"""Live fixes from gpsd, for the survey on the Pi.

This talks gpsd's JSON protocol itself (``?WATCH={"enable":true,"json":true}`` on a TCP socket) instead of using
gpsd-py3: gpsd-py3 keeps one socket in module globals with no timeout, asks for every fix with a blocking ``?POLL``
round trip, raises bare ``Exception`` on any unexpected report and never reconnects, so it can neither stay
non-blocking in the frame loop nor survive a gpsd restart.

A background thread reads reports and queues a ``Fix`` for every TPV with a 2D/3D fix, stamped with
``time.monotonic()`` at receipt (the walk's timeline). ``poll()`` only drains that queue, so it never blocks.
The thread reconnects with backoff (up to ``max_backoff_s``) when gpsd goes away, and when the socket goes quiet for
``stale_after_s`` and a ``?VERSION;`` probe gets no answer either. ``status()`` says what the field status line
shows: connected, receiver present, fix mode, satellites used, age of the last fix.
"""

from __future__ import annotations

import json
import logging
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ..types import Fix

log = logging.getLogger(__name__)

WATCH = b'?WATCH={"enable":true,"json":true}\n'
PROBE = b"?VERSION;\n"
_TICK_S = 0.2  # socket read timeout: how often the thread checks for close() and silence
_MAX_LINE = 1 << 20


@dataclass(frozen=True, slots=True)
class GpsStatus:
    """What the field status line shows about the GPS."""

    connected: bool  # a gpsd answered on the socket
    active: bool  # gpsd has a receiver attached
    mode: int  # 0 unknown, 1 no fix, 2 2D, 3 3D (last TPV)
    satellites: int | None  # used in the fix, when gpsd reported a sky view
    last_fix_age_s: float | None  # seconds since the last 2D/3D fix arrived; None before the first
    message: str  # one line for a person: "3D fix", "no fix", "GPS not active", "no gpsd at ..."


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _parse_utc(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        utc = datetime.fromisoformat(text)
    except ValueError:
        return None
    return utc if utc.tzinfo else utc.replace(tzinfo=UTC)


def tpv_to_fix(tpv: dict, t: float) -> Fix | None:
    """A ``Fix`` from one gpsd TPV report, or None without a 2D/3D fix or position."""
    mode = int(_number(tpv.get("mode")) or 0)
    lat, lon = _number(tpv.get("lat")), _number(tpv.get("lon"))
    if mode < 2 or lat is None or lon is None:
        return None
    eph = _number(tpv.get("eph"))
    if eph is None:
        epx, epy = _number(tpv.get("epx")), _number(tpv.get("epy"))
        if epx is not None and epy is not None:
            eph = math.hypot(epx, epy)
    alt = _number(tpv.get("altMSL"))
    if alt is None:
        alt = _number(tpv.get("alt"))
    return Fix(
        t=t,
        utc=_parse_utc(tpv.get("time")),
        latitude=lat,
        longitude=lon,
        altitude=alt if mode >= 3 else None,
        course=_number(tpv.get("track")),
        speed=_number(tpv.get("speed")),
        eph=eph,
        mode=mode,
    )


class GpsdSource:
    """Fixes from a gpsd daemon; ``start()``, then ``poll()`` once per frame, ``close()`` at the end."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 2947,
        *,
        connect_timeout_s: float = 2.0,
        stale_after_s: float = 3.0,
        max_backoff_s: float = 4.0,
        max_queue: int = 36_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host, self.port = host, port
        self.connect_timeout_s = connect_timeout_s
        self.stale_after_s = stale_after_s
        self.max_backoff_s = max_backoff_s
        self._clock = clock
        self._queue: deque[Fix] = deque(maxlen=max_queue)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._connected = False
        self._devices: set[str] = set()
        self._mode = 0
        self._satellites: int | None = None
        self._last_fix_at: float | None = None
        self._last_utc: datetime | None = None
        self.reconnects = 0  # connections lost after they were made (gpsd restarted, socket went stale)

    # -- the GpsSource seam ---------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"gpsd-{self.host}:{self.port}", daemon=True)
        self._thread.start()

    def poll(self) -> list[Fix]:
        out: list[Fix] = []
        while True:
            try:
                out.append(self._queue.popleft())
            except IndexError:
                return out

    def close(self) -> None:
        self._stop.set()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=self.connect_timeout_s + 1.0)
            self._thread = None

    def __enter__(self) -> GpsdSource:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def status(self) -> GpsStatus:
        with self._lock:
            connected, active, mode = self._connected, bool(self._devices), self._mode
            sats, last = self._satellites, self._last_fix_at
        age = None if last is None else max(0.0, self._clock() - last)
        if not connected:
            message = f"no gpsd answering at {self.host}:{self.port}"
        elif not active:
            message = "GPS not active (gpsd has no receiver)"
        elif mode < 2:
            message = "no fix"
        else:
            message = f"{mode}D fix"
        return GpsStatus(connected, active, mode if connected else 0, sats, age, message)

    # -- the reader thread ----------------------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = 0.25
        while not self._stop.is_set():
            answered = False
            try:
                answered = self._session()
            except OSError as exc:
                log.debug("gpsd %s:%s: %s", self.host, self.port, exc)
            finally:
                with self._lock:
                    self._connected = False
                    self._devices.clear()
                    self._mode = 0
                self._sock = None
            if self._stop.is_set():
                break
            if answered:
                backoff = 0.25
            (log.info if answered else log.debug)("gpsd %s:%s: reconnecting in %.2f s", self.host, self.port, backoff)
            self._stop.wait(backoff)
            backoff = min(backoff * 2.0, self.max_backoff_s)

    def _session(self) -> bool:
        """One connection, until it fails, goes stale or close() is called; True when gpsd answered."""
        with socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s) as sock:
            self._sock = sock
            try:
                return self._read(sock)
            finally:
                if not self._stop.is_set():
                    self.reconnects += 1

    def _read(self, sock: socket.socket) -> bool:
        answered = False
        if self._stop.is_set():
            return answered
        sock.settimeout(_TICK_S)
        sock.sendall(WATCH)
        buf = b""
        last_rx = self._clock()
        probed_at: float | None = None
        while not self._stop.is_set():
            try:
                data = sock.recv(65536)
            except TimeoutError:
                now = self._clock()
                if probed_at is not None and now - probed_at > self.stale_after_s:
                    log.warning("gpsd %s:%s stopped answering; reconnecting", self.host, self.port)
                    return answered
                if probed_at is None and now - last_rx > self.stale_after_s:
                    sock.sendall(PROBE)
                    probed_at = now
                continue
            if not data:
                log.warning("gpsd %s:%s closed the connection", self.host, self.port)
                return answered
            last_rx, probed_at = self._clock(), None
            buf += data
            *lines, buf = buf.split(b"\n")
            if len(buf) > _MAX_LINE:
                buf = b""
            for line in lines:
                answered = self._handle_line(line) or answered
        return answered

    def _handle_line(self, line: bytes) -> bool:
        try:
            msg = json.loads(line)
        except ValueError:
            log.debug("gpsd: not JSON: %r", line[:80])
            return False
        if not isinstance(msg, dict):
            return False
        kind = msg.get("class")
        now = self._clock()
        with self._lock:
            if kind == "VERSION":
                if not self._connected:
                    log.info("gpsd %s:%s: connected (gpsd %s)", self.host, self.port, msg.get("release"))
                self._connected = True
            elif kind == "DEVICES":
                devices = msg.get("devices") or []
                self._devices = {str(d.get("path")) for d in devices if isinstance(d, dict)}
            elif kind == "DEVICE":
                path = str(msg.get("path"))
                if msg.get("deactivated") or msg.get("activated") == 0:
                    self._devices.discard(path)
                else:
                    self._devices.add(path)
            elif kind == "TPV":
                self._connected = True
                self._devices.add(str(msg.get("device", "?")))
                self._mode = int(_number(msg.get("mode")) or 0)
                fix = tpv_to_fix(msg, now)
                if fix is not None and (fix.utc is None or fix.utc != self._last_utc):
                    self._last_utc = fix.utc
                    self._last_fix_at = now
                    self._queue.append(fix)
            elif kind == "SKY":
                used = _number(msg.get("uSat"))
                sats = msg.get("satellites")
                if used is None and isinstance(sats, list):
                    used = float(sum(1 for s in sats if isinstance(s, dict) and s.get("used")))
                if used is not None:
                    self._satellites = int(used)
            elif kind == "ERROR":
                log.warning("gpsd %s:%s: %s", self.host, self.port, msg.get("message"))
        return kind == "VERSION"
