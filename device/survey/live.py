"""The live survey: Pi camera (or webcam) + gpsd, run until stopped, optionally as a systemd service."""

from __future__ import annotations

import logging
from pathlib import Path

from ..capture import Picamera2Source, WebcamSource
from ..capture.base import CaptureError
from ..config import Config
from ..gps.gpsd import GpsdSource
from ..service.notify import SystemdNotifier
from ..service.observers import service_observers
from ..service.startup import preflight, wait_for_fix, waiting_reporter
from ..service.status import StatusObserver
from ..store import Store
from .loop import SurveyResult
from .session import build_detector, run_walk

log = logging.getLogger(__name__)


def open_camera(config: Config):
    cap = config.capture
    if cap.source == "webcam":
        return WebcamSource(cap.webcam_index, width=cap.width, height=cap.height, fps=cap.fps)
    factory = None
    if cap.source == "standin":
        if not cap.standin_video:
            raise CaptureError("capture.source = 'standin' needs capture.standin_video")
        from ..capture.standin import VideoPicamera2  # noqa: PLC0415

        factory = lambda: VideoPicamera2(cap.standin_video)  # noqa: E731
    return Picamera2Source(width=cap.width, height=cap.height, fps=cap.fps, factory=factory)


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
        camera = open_camera(config)
        return run_walk(config, camera, detector=detector, gps_source=gps, fixes=waited.fixes, observers=observers)
    finally:
        gps.close()
