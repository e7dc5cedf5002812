"""Frames from a folder of images (sorted by name), at a nominal frame rate.

An image that cannot be read (empty, truncated, noise, not an image at all, a link to something that is not one)
is skipped and counted: the walk goes on, and one warning at the end names what was left out (``skipped``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..types import Frame
from .base import CaptureError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
MAX_IMAGE_BYTES = 100 * 1024 * 1024
NAMED_IN_WARNING = 5  # the warning names this many skipped files, then counts the rest


class UnreadableImage(Exception):
    """One image file cannot be used (one-line reason)."""


def read_image(path: Path) -> np.ndarray:
    """The image as BGR uint8 pixels; ``UnreadableImage`` with the reason when it is not a usable image."""
    return load_image(path)[0]


def load_image(path: Path) -> tuple[np.ndarray, bytes]:
    """The image's pixels (EXIF orientation applied) and the file's bytes; ``UnreadableImage`` when unusable.

    Shared by every folder of images: a folder walk (``ImageFolderSource``) and photo labelling.
    """
    import cv2

    try:
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            raise UnreadableImage(f"larger than {MAX_IMAGE_BYTES >> 20} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableImage(f"cannot be read ({exc.strerror or exc})") from None
    if not data:
        raise UnreadableImage("empty file")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise UnreadableImage("not a readable image")
    return image, data


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
        self.skipped: list[str] = []  # "name: reason", one per image left out

    def __iter__(self) -> Iterator[Frame]:
        self.skipped = []
        read = 0
        for index, path in enumerate(self.files):
            try:
                image = read_image(path)
            except UnreadableImage as exc:
                self.skipped.append(f"{path.name}: {exc}")
                continue
            read += 1
            # the index (hence the time) stays the file's place in the folder, so GPS alignment holds
            yield Frame(image=image, index=index, t=index / self.fps, metadata={"file": path.name})
        if self.skipped:
            names = "; ".join(self.skipped[:NAMED_IN_WARNING])
            more = len(self.skipped) - NAMED_IN_WARNING
            log.warning("skipped %d unreadable image(s) of %d in %s: %s%s", len(self.skipped), len(self.files),
                        self.folder, names, f"; and {more} more" if more > 0 else "")
        if not read:
            raise CaptureError(f"no readable image in {self.folder} ({len(self.skipped)} skipped)")

    def close(self) -> None:
        pass
