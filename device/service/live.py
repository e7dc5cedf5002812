"""The live survey: Pi camera (or webcam) + gpsd, run until stopped, optionally as a systemd service.

The service wraps the survey loop (``survey.session.run_walk``): storage check, interrupted walks, the wait for a
fix, systemd notify/watchdog and the field status; the loop knows none of it (it only calls its observers).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sousveillance.config import Config

from ..capture.live import open_camera
from ..gps.gpsd import GpsdSource
from ..store import Store
from ..survey.loop import SurveyResult
from ..survey.session import build_detector, run_walk
from .notify import SystemdNotifier
from .observers import service_observers
from .startup import preflight, wait_for_fix, waiting_reporter
from .status import StatusObserver

log = logging.getLogger(__name__)


def run_live(config: Config, *, service: bool = False) -> tuple[Store, SurveyResult]:
    """Check the disk and mark interrupted walks, load the model, wait for a fix (or the time-out), then record
    until stopped. Raises ``LowDiskSpaceError`` before anything starts when the card is too full."""
    db = Path(config.store.database).expanduser()
    preflight(db, config.service)
    detector = build_detector(config)  # the model is loaded before READY is sent
    notifier = SystemdNotifier() if service else None
    observers = service_observers(config, notifier) if service else []
    status_obs = next((o for o in observers if isinstance(o, StatusObserver)), None)
    gps = GpsdSource(config.gps.host, config.gps.port)
    gps.start()
    try:
        waited = wait_for_fix(gps, config.gps.fix_timeout_s, on_wait=waiting_reporter(notifier, status_obs))
        camera = open_camera(config.capture)
        return run_walk(config, camera, detector=detector, gps_source=gps, fixes=waited.fixes, observers=observers)
    finally:
        gps.close()
