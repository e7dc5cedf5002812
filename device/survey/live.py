"""The live survey: Pi camera (or webcam) + gpsd, run until stopped, optionally as a systemd service."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from ..capture import Picamera2Source, WebcamSource
from ..capture.base import CaptureError
from ..config import Config
from ..store import Store
from .loop import SurveyResult
from .observer import SurveyObserver
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


def _service_observers(config: Config) -> list[SurveyObserver]:
    observers: list[SurveyObserver] = []
    db = Path(config.store.database).expanduser()
    try:
        from ..service.notify import NotifyObserver  # noqa: PLC0415

        observers.append(NotifyObserver())
    except ImportError:
        log.warning("systemd notify support is not installed")
    try:
        from ..service.status import StatusObserver  # noqa: PLC0415

        observers.append(StatusObserver(db))
    except ImportError:
        pass
    try:
        from ..service.storage import StorageObserver  # noqa: PLC0415

        observers.append(StorageObserver(db.parent, config.service.min_free_mb))
    except ImportError:
        pass
    return observers


def _check_space(config: Config) -> None:
    try:
        from ..service.storage import check_free_space  # noqa: PLC0415
    except ImportError:
        return
    db = Path(config.store.database).expanduser()
    db.parent.mkdir(parents=True, exist_ok=True)
    check_free_space(db.parent, config.service.min_free_mb)


def _wait_for_fix(gps, timeout_s: float) -> None:
    try:
        from ..service.startup import wait_for_fix  # noqa: PLC0415
    except ImportError:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any(f.mode >= 2 for f in gps.poll()):
                return
            time.sleep(0.5)
        log.warning("no GPS fix after %.0f s: recording anyway", timeout_s)
        return
    wait_for_fix(gps, timeout_s)


def run_live(config: Config, *, service: bool = False) -> tuple[Store, SurveyResult]:
    from ..gps.gpsd import GpsdSource  # noqa: PLC0415

    _check_space(config)
    detector = build_detector(config)  # load the model before READY
    gps = GpsdSource(config.gps.host, config.gps.port)
    gps.start()
    try:
        _wait_for_fix(gps, config.gps.fix_timeout_s)
        camera = open_camera(config)
        observers = _service_observers(config) if service else []
        return run_walk(config, camera, detector=detector, gps_source=gps, observers=observers)
    finally:
        gps.close()
