"""Frames from a recorded video file, decoded by OpenCV; frame time = position in the video."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from ..types import Frame
from .base import CaptureError

log = logging.getLogger(__name__)


class VideoFileSource:
    """A video file. Raises ``CaptureError`` for unreadable files, and at the end for a truncated one
    (after yielding every frame that could be decoded)."""

    def __init__(self, path: str | Path, *, start_s: float = 0.0, max_frames: int | None = None):
        self.path = Path(path)
        if not self.path.is_file():
            raise CaptureError(f"video not found: {self.path}")
        self._cap = cv2.VideoCapture(str(self.path))
        ok = self._cap.isOpened()
        read, image = self._cap.read() if ok else (False, None)
        if not ok or not read or image is None:
            self._cap.release()
            raise CaptureError(f"cannot decode video {self.path}: not a video file or corrupt")
        self._first: np.ndarray | None = image
        self.fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0) or 10.0
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frame_count = count if count > 0 else None
        if max_frames is not None:
            self.frame_count = min(self.frame_count or max_frames, max_frames)
        self.max_frames = max_frames
        self.start_s = start_s
        self.name = self.path.name
        self.width, self.height = int(image.shape[1]), int(image.shape[0])
        self.frames_read = 0

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        image = self._first
        while image is not None:
            if self.max_frames is not None and index >= self.max_frames:
                return
            pos_ms = self._cap.get(cv2.CAP_PROP_POS_MSEC)
            t = pos_ms / 1000.0 if index > 0 and pos_ms > 0 else index / self.fps
            yield Frame(image=image, index=index, t=self.start_s + t)
            index += 1
            self.frames_read = index
            ok, image = self._cap.read()
            if not ok:
                image = None
        expected = self.frame_count
        if expected and self.max_frames is None and index < expected - 1:
            raise CaptureError(
                f"video {self.path.name} is truncated or corrupt: decoded {index} of {expected} frames"
            )

    def close(self) -> None:
        self._cap.release()
