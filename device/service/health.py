"""The device's own health: CPU temperature, Raspberry Pi throttling and free disk space.

Temperature comes from ``/sys/class/thermal`` (any Linux); throttling from ``vcgencmd get_throttled`` when the
Raspberry Pi firmware tool is installed. Both are None elsewhere. ``sys_root`` and ``vcgencmd`` are seams for tests.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Bits of `vcgencmd get_throttled` (Raspberry Pi firmware documentation).
THROTTLE_BITS = {
    0: "under-voltage",
    1: "arm frequency capped",
    2: "throttled",
    3: "soft temperature limit",
}
PAST_OFFSET = 16


@dataclass(frozen=True, slots=True)
class Throttling:
    raw: int
    now: tuple[str, ...]  # conditions active now
    since_boot: tuple[str, ...]  # conditions that happened since boot

    @property
    def ok(self) -> bool:
        return not self.now


def cpu_temperature_c(sys_root: str | os.PathLike = "/") -> float | None:
    """The CPU (or first) thermal zone in °C, or None where there is none."""
    base = Path(sys_root) / "sys" / "class" / "thermal"
    zones = sorted(base.glob("thermal_zone*"))
    chosen = None
    for zone in zones:
        try:
            kind = (zone / "type").read_text().strip().lower()
        except OSError:
            kind = ""
        if "cpu" in kind or "soc" in kind:
            chosen = zone
            break
    chosen = chosen or (zones[0] if zones else None)
    if chosen is None:
        return None
    try:
        return int((chosen / "temp").read_text().strip()) / 1000.0
    except (OSError, ValueError):
        return None


def decode_throttled(raw: int) -> Throttling:
    now = tuple(name for bit, name in THROTTLE_BITS.items() if raw & (1 << bit))
    past = tuple(name for bit, name in THROTTLE_BITS.items() if raw & (1 << (bit + PAST_OFFSET)))
    return Throttling(raw=raw, now=now, since_boot=past)


def throttling(vcgencmd: str = "vcgencmd") -> Throttling | None:
    """``vcgencmd get_throttled`` decoded, or None when the tool is absent or fails."""
    exe = shutil.which(vcgencmd)
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "get_throttled"], capture_output=True, text=True, timeout=2, check=True).stdout
        return decode_throttled(int(out.strip().split("=", 1)[1], 16))
    except (OSError, subprocess.SubprocessError, IndexError, ValueError) as exc:
        log.debug("vcgencmd get_throttled failed: %s", exc)
        return None


def free_mb(path: str | os.PathLike) -> float:
    """Free space in MB (available to unprivileged users) on the filesystem holding ``path`` or its nearest parent."""
    p = Path(path).expanduser().resolve()
    while not p.exists() and p != p.parent:
        p = p.parent
    return shutil.disk_usage(p).free / 1_000_000
