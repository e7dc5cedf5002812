"""The frame-source seam: every camera (Pi camera, video file, image folder, USB webcam) yields ``Frame``s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from ..types import Frame


class CaptureError(Exception):
    """A frame source cannot be opened or stopped delivering frames unexpectedly."""


@runtime_checkable
class FrameSource(Protocol):
    """Yields frames in order until the source ends (file) or ``close()`` is called (live).

    ``frame_count`` is the expected number of frames when known (files), else None; ``name`` describes the
    source for the walk record.
    """

    name: str
    frame_count: int | None

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...
