"""Frames from a USB webcam through OpenCV; frame time = monotonic clock at capture."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import cv2

from ..types import Frame
from .base import CaptureError


class WebcamSource:
    def __init__(self, index: int = 0, *, width: int = 1280, height: int = 720, fps: float = 10.0):
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            raise CaptureError(f"cannot open USB webcam {index}")
        self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._cap.set(cv2.CAP_PROP_FPS, fps)
        self.frame_count: int | None = None
        self.name = f"webcam{index}"
        self._closed = False

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        while not self._closed:
            ok, image = self._cap.read()
            t = time.monotonic()
            if not ok:
                if self._closed:
                    return
                raise CaptureError("the USB webcam stopped delivering frames")
            yield Frame(image=image, index=index, t=t, utc=datetime.now(UTC))
            index += 1

    def close(self) -> None:
        self._closed = True
        self._cap.release()
