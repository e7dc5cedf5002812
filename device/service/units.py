"""The systemd units of a sousveillance device, as templates.

They live here (inside the Python package) so that ``sousveillance install-service`` works from a wheel; the files in
the repository's ``systemd/`` folder are these templates rendered with the defaults of the Pi guide (venv in
``/opt/sousveillance/venv``). A test keeps both in step; regenerate with
``python -m sousveillance.device.service.units systemd/``.

Hardening notes: no ``PrivateDevices=``, ``DeviceAllow=`` or ``ProtectClock=`` on the survey (they close ``/dev``,
and libcamera needs ``/dev/video*``, ``/dev/media*`` and ``/dev/dma_heap``). ``ProtectSystem=strict`` leaves only the
state directory writable, so the venv must not live in a home folder (``ProtectHome=yes``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_EXEC = "/opt/sousveillance/venv/bin/sousveillance"
DEFAULT_CONFIG = "/etc/sousveillance/config.toml"
DEFAULT_USER = "sousveillance"
STATE_DIR = "sousveillance"  # StateDirectory= -> /var/lib/sousveillance
TOKEN_PATH = "/etc/sousveillance/sync-token"
WATCHDOG_SEC = 30

HEADER = "# Rendered from device/service/units.py by `sousveillance install-service`; edit the template there.\n"

_HARDENING = """\
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
NoNewPrivileges=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"""

_COMMON = """\
User={user}
Group={user}
StateDirectory={state}
StateDirectoryMode=0750
WorkingDirectory=/var/lib/{state}
Environment=SOUSVEILLANCE_CONFIG={config}
Environment=YOLO_OFFLINE=1 YOLO_AUTOINSTALL=0 YOLO_CONFIG_DIR=/var/lib/{state}/ultralytics
"""

SURVEY = (
    """\
[Unit]
Description=sousveillance survey: record the surveillance cameras along the walk
Documentation=file:///usr/share/doc/sousveillance/PI_GUIDE.md
Wants=gpsd.socket
After=gpsd.socket time-sync.target
StartLimitIntervalSec=600
StartLimitBurst=5

[Service]
# READY=1 once the model is loaded and camera and GPS answered; WATCHDOG=1 from the frame loop itself.
Type=notify
NotifyAccess=main
ExecStart={exec} survey --config {config} --service
WatchdogSec={watchdog}
# Model load plus the wait for a first GPS fix (gps.fix_timeout_s); the service extends it while waiting.
TimeoutStartSec=300
# SIGTERM ends the walk cleanly: everything recorded is committed, then the walk-level geolocation runs.
TimeoutStopSec=90
Restart=on-failure
RestartSec=5
# 3: the walk completed without any GPS fix (a warning, not a failure).
SuccessExitStatus=3
# 4: refused to start, too little free disk: restarting cannot help.
RestartPreventExitStatus=4
"""
    + _COMMON
    + "SupplementaryGroups=video\n"
    + _HARDENING
    + """

[Install]
WantedBy=multi-user.target
"""
)

REVIEW = (
    """\
[Unit]
Description=sousveillance review: web view to confirm or reject the cameras found
Documentation=file:///usr/share/doc/sousveillance/PI_GUIDE.md
After=network.target

[Service]
Type=simple
ExecStart={exec} review --config {config} --create
Restart=on-failure
RestartSec=5
"""
    + _COMMON
    + _HARDENING
    + """

[Install]
WantedBy=multi-user.target
"""
)

SYNC = (
    """\
[Unit]
Description=sousveillance sync: send confirmed cameras to the campaign server
Documentation=file:///usr/share/doc/sousveillance/PI_GUIDE.md
Wants=network-online.target
After=network-online.target
# No token, no sync: the timer stays quiet on a device that does not sync.
ConditionPathExists={token}

[Service]
Type=oneshot
# The config comes from $SOUSVEILLANCE_CONFIG (below); the command takes no --config.
ExecStart={exec} sync
# 75 (EX_TEMPFAIL): server unreachable, try again at the next timer run.
SuccessExitStatus=75
# The token reaches the command as $CREDENTIALS_DIRECTORY/sync-token, never through the config file.
LoadCredential=sync-token:{token}
"""
    + _COMMON
    + _HARDENING
    + "\n"
)

SYNC_TIMER = """\
[Unit]
Description=sousveillance sync whenever the network is up

[Timer]
OnBootSec=2min
OnUnitInactiveSec=15min
RandomizedDelaySec=60

[Install]
WantedBy=timers.target
"""

TEMPLATES = {
    "sousveillance-survey.service": SURVEY,
    "sousveillance-review.service": REVIEW,
    "sousveillance-sync.service": SYNC,
    "sousveillance-sync.timer": SYNC_TIMER,
}
# What `install-service` enables (the sync service is started by its timer).
ENABLE = ("sousveillance-survey.service", "sousveillance-review.service", "sousveillance-sync.timer")


@dataclass(frozen=True, slots=True)
class UnitOptions:
    exec_path: str = DEFAULT_EXEC
    config: str = DEFAULT_CONFIG
    user: str = DEFAULT_USER


def render(options: UnitOptions | None = None) -> dict[str, str]:
    """Unit file name -> text."""
    o = options or UnitOptions()
    for value in (o.exec_path, o.config, o.user):
        if not value or any(ch.isspace() for ch in value):
            raise ValueError(f"unit value must be non-empty and without spaces: {value!r}")
    values = {
        "exec": o.exec_path,
        "config": o.config,
        "user": o.user,
        "state": STATE_DIR,
        "watchdog": WATCHDOG_SEC,
        "token": TOKEN_PATH,
    }
    return {name: HEADER + text.format(**values) for name, text in TEMPLATES.items()}


def write(folder: str | Path, options: UnitOptions | None = None) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render(options).items():
        (folder / name).write_text(text)
        written.append(folder / name)
    return written


if __name__ == "__main__":  # python -m sousveillance.device.service.units systemd/
    for path in write(sys.argv[1] if len(sys.argv) > 1 else "systemd"):
        print(path)
