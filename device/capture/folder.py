"""Frames from a folder of images (sorted by name), at a nominal frame rate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2

from ..types import Frame
from .base import CaptureError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


class ImageFolderSource:
    def __init__(self, folder: str | Path, *, fps: float = 2.0):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise CaptureError(f"image folder not found: {self.folder}")
        self.files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise CaptureError(f"no images in {self.folder}")
        self.fps = fps
        self.frame_count = len(self.files)
        self.name = self.folder.name

    def __iter__(self) -> Iterator[Frame]:
        for index, path in enumerate(self.files):
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise CaptureError(f"cannot read image {path}")
            yield Frame(image=image, index=index, t=index / self.fps, metadata={"file": path.name})

    def close(self) -> None:
        pass
