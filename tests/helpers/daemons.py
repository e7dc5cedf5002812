"""Real daemons for tests (gpsd through gpsfake, servers): started in their own process group, killed with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """A process in its own session, so that killing it also kills what it spawned (gpsfake leaves gpsd behind)."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen(args, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)


def gpsfake_args(log: Path, port: int, cycle_s: float = 0.02) -> list[str]:
    """gpsfake replaying an NMEA log once (-1) into a gpsd on 127.0.0.1:port, ``cycle_s`` between sentences."""
    return ["gpsfake", "-P", str(port), "-1", "-c", str(cycle_s), "-q", str(log)]
