"""Frames from the Raspberry Pi camera through Picamera2 (imported lazily: it only exists on a Pi).

The main stream is "RGB888", which Picamera2 lays out as BGR in memory: exactly what OpenCV and Ultralytics expect.
Frame and metadata come from the same request (``capture_arrays``), so the sensor timestamp belongs to the frame.

The default main stream is 1920x1080: the Camera Module 3 delivers it from its full-field 2304x1296 mode, and the
detector's native-resolution tiles need those pixels (a 640 px whole frame shows a camera 15 m away at 10 px). A
frame is 6 MB; the four buffers 25 MB. No frame outlives its loop iteration: the loop keeps only crops of detections.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from ..types import Frame
from .base import CaptureError

log = logging.getLogger(__name__)


def _default_factory() -> Any:
    try:
        from picamera2 import Picamera2  # platform-only library
    except ImportError as exc:
        raise CaptureError(
            "picamera2 is not available: on a Pi install python3-picamera2 with apt and create the venv with "
            "--system-site-packages (see systemd/PI_GUIDE.md)"
        ) from exc
    return Picamera2()


def _boottime_minus_monotonic() -> float:
    try:
        return time.clock_gettime(time.CLOCK_BOOTTIME) - time.monotonic()
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return 0.0


class Picamera2Source:
    """``factory`` builds the Picamera2 object (tests pass a stand-in with the same API)."""

    def __init__(
        self,
        *,
        width: int = 1920,
        height: int = 1080,
        fps: float = 10.0,
        factory: Callable[[], Any] | None = None,
    ):
        self._cam = (factory or _default_factory)()
        config = self._cam.create_video_configuration(
            main={"size": (width, height), "format": "RGB888"},
            controls={"FrameRate": float(fps)},
            buffer_count=4,
        )
        self._cam.configure(config)
        self._cam.start()
        self.frame_count: int | None = None
        self.name = "picamera2"
        self._closed = False
        self._clock_offset = _boottime_minus_monotonic()

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        while not self._closed:
            try:
                (image,), metadata = self._cam.capture_arrays(["main"])
            except Exception as exc:  # libcamera raises bare RuntimeErrors
                if self._closed:
                    return
                raise CaptureError(f"the Pi camera stopped delivering frames: {exc}") from exc
            sensor_ns = metadata.get("SensorTimestamp")
            # SensorTimestamp is CLOCK_BOOTTIME in ns; move it onto the monotonic timeline the GPS uses.
            t = sensor_ns / 1e9 - self._clock_offset if sensor_ns else time.monotonic()
            yield Frame(image=image, index=index, t=t, utc=datetime.now(UTC), metadata=dict(metadata))
            index += 1

    def close(self) -> None:
        self._closed = True
        try:
            self._cam.stop()
            self._cam.close()
        except Exception:
            log.debug("picamera2 close failed", exc_info=True)
