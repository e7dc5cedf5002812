"""A Picamera2 stand-in for machines without the Pi camera stack: the same API surface that
``Picamera2Source`` uses, serving a video file's frames at the configured frame rate.

Used by the tests and for trying ``sousveillance survey`` on a laptop (``--source standin`` with
``capture.standin_video``). It is never selected on a Pi unless asked for.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import cv2


class VideoPicamera2:
    def __init__(self, video: str | Path, *, loop: bool = False):
        self.video = Path(video)
        self._cap = cv2.VideoCapture(str(self.video))
        if not self._cap.isOpened():
            raise RuntimeError(f"stand-in camera cannot open {self.video}")
        self.loop = loop
        self._size: tuple[int, int] | None = None
        self._period = 0.1
        self._next = 0.0
        self.started = False

    def create_video_configuration(self, main: dict[str, Any], controls: dict[str, Any] | None = None,
                                   **_: Any) -> dict[str, Any]:
        return {"main": dict(main), "controls": dict(controls or {})}

    def configure(self, config: dict[str, Any]) -> None:
        if config["main"].get("format") != "RGB888":
            raise ValueError("the stand-in only serves RGB888 (BGR in memory), like the survey asks")
        self._size = tuple(config["main"]["size"])
        self._period = 1.0 / float(config["controls"].get("FrameRate", 10.0))

    def start(self) -> None:
        self.started = True
        self._next = time.monotonic()

    def capture_arrays(self, names: list[str]) -> tuple[list[Any], dict[str, Any]]:
        if not self.started:
            raise RuntimeError("camera not started")
        delay = self._next - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._next = max(self._next + self._period, time.monotonic())
        ok, image = self._cap.read()
        if not ok and self.loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._cap.read()
        if not ok:
            raise RuntimeError("stand-in video ended")
        if self._size and (image.shape[1], image.shape[0]) != self._size:
            image = cv2.resize(image, self._size)
        ns = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
        return [image for _ in names], {"SensorTimestamp": ns, "FrameDuration": int(self._period * 1e6)}

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self._cap.release()
