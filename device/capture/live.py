"""The live frame source the ``[capture]`` settings name: the Pi camera, a USB webcam, or the Picamera2 stand-in."""

from __future__ import annotations

from .base import CaptureError, FrameSource
from .picamera import Picamera2Source
from .settings import CaptureSettings
from .webcam import WebcamSource


def open_camera(cap: CaptureSettings) -> FrameSource:
    if cap.source == "webcam":
        return WebcamSource(cap.webcam_index, width=cap.width, height=cap.height, fps=cap.fps)
    factory = None
    if cap.source == "standin":
        if not cap.standin_video:
            raise CaptureError("capture.source = 'standin' needs capture.standin_video")
        from .standin import VideoPicamera2

        factory = lambda: VideoPicamera2(cap.standin_video)  # noqa: E731
    return Picamera2Source(width=cap.width, height=cap.height, fps=cap.fps, factory=factory)
