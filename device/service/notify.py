"""systemd's notify protocol (``sd_notify``), spoken directly over the datagram socket in ``$NOTIFY_SOCKET``.

The survey service is ``Type=notify`` with ``WatchdogSec=``: it says ``READY=1`` once the model is loaded and the
camera and GPS answered, then ``WATCHDOG=1`` from the frame loop itself, so a loop that hangs (camera driver, stuck
inference) stops the pings and systemd restarts the service. Outside systemd (no ``$NOTIFY_SOCKET``) everything here
is a no-op. Protocol: https://www.freedesktop.org/software/systemd/man/latest/sd_notify.html
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

from ..survey.observer import LoopStats

log = logging.getLogger(__name__)

FIX_NAMES = {0: "no fix", 1: "no fix", 2: "2D fix", 3: "3D fix"}


class SystemdNotifier:
    """Sends notify messages to the service manager; never raises (a lost message must not end a walk).

    ``environ`` defaults to ``os.environ``; ``NOTIFY_SOCKET`` is a filesystem path or an abstract socket (``@name``).
    """

    def __init__(self, environ: Mapping[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.address = _socket_address(env.get("NOTIFY_SOCKET", ""))
        self.watchdog_s = _watchdog_seconds(env)
        self._sock: socket.socket | None = None
        self._warned = False

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, *lines: str) -> bool:
        """Send one datagram of ``KEY=VALUE`` lines; True when it was handed to the socket."""
        if self.address is None or not lines:
            return False
        payload = "\n".join(lines).encode()
        try:
            if self._sock is None:
                # Non-blocking: with systemd busy and its queue full, drop a message rather than stall the frame loop.
                self._sock = socket.socket(
                    socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK
                )
            self._sock.sendto(payload, self.address)
            return True
        except BlockingIOError:
            log.debug("systemd's notify queue is full: dropped %r", payload)
            return False
        except OSError as exc:
            if not self._warned:
                log.warning("cannot notify systemd at %r: %s", self.address, exc)
                self._warned = True
            return False

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1", *([f"STATUS={_one_line(status)}"] if status else []))

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={_one_line(text)}")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self, status: str = "") -> bool:
        return self.notify("STOPPING=1", *([f"STATUS={_one_line(status)}"] if status else []))

    def extend_timeout(self, seconds: float) -> bool:
        """Ask for more start-up (or stop) time, e.g. while waiting for the first GPS fix."""
        return self.notify(f"EXTEND_TIMEOUT_USEC={int(seconds * 1_000_000)}")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


class NotifyObserver:
    """A ``SurveyObserver`` that tells systemd how the walk goes.

    READY=1 on ``on_ready``; WATCHDOG=1 from ``on_frame``, at most every half watchdog period; a STATUS= line every
    ``status_every_s``; STOPPING=1 on ``on_end``. ``clock`` is injectable for tests.
    """

    stop_requested = False

    def __init__(
        self,
        notifier: SystemdNotifier | None = None,
        *,
        status_every_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.notifier = notifier or SystemdNotifier()
        self.status_every_s = status_every_s
        self.clock = clock
        wd = self.notifier.watchdog_s
        self.ping_every_s = wd / 2.0 if wd else None
        self._last_ping = float("-inf")
        self._last_status = float("-inf")

    def on_ready(self, stats: LoopStats) -> None:
        now = self.clock()
        self.notifier.ready(status_text(stats))
        self._last_ping = self._last_status = now

    def on_frame(self, stats: LoopStats) -> None:
        now = self.clock()
        if self.ping_every_s is not None and now - self._last_ping >= self.ping_every_s:
            self.notifier.watchdog()
            self._last_ping = now
        if now - self._last_status >= self.status_every_s:
            self.notifier.status(status_text(stats))
            self._last_status = now

    def on_end(self, stats: LoopStats, status: str) -> None:
        self.notifier.stopping(f"walk {stats.walk_id} {status}: {stats.frames} frames, {stats.cameras} cameras")


def status_text(stats: LoopStats) -> str:
    """The one-line STATUS= shown by ``systemctl status``."""
    fix = FIX_NAMES.get(stats.fix_mode, "no fix")
    return f"recording walk {stats.walk_id}: {stats.fps:.1f} fps, {fix}, {stats.cameras} cameras, {stats.frames} frames"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _socket_address(value: str) -> str | None:
    if not value:
        return None
    if value.startswith("@"):
        return "\0" + value[1:]  # abstract namespace socket
    if value.startswith("/"):
        return value
    log.warning("unsupported NOTIFY_SOCKET address %r: not notifying systemd", value)
    return None


def _watchdog_seconds(env: Mapping[str, str]) -> float | None:
    """The watchdog period asked by systemd, or None (unset, zero, or meant for another process)."""
    try:
        usec = int(env.get("WATCHDOG_USEC", "0"))
    except ValueError:
        return None
    if usec <= 0:
        return None
    pid = env.get("WATCHDOG_PID")
    if pid and pid.strip() != str(os.getpid()):
        return None
    return usec / 1_000_000
