"""Hooks the survey loop calls, so that services (systemd notify/watchdog, field status) attach without the loop
knowing about them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class LoopStats:
    """Figures of a running walk, updated every frame."""

    walk_id: int
    frames: int  # frames read so far
    detected_frames: int  # frames the detector ran on
    fps: float  # frames per second over the last few seconds
    cameras: int  # cameras (confirmed tracks) so far
    fix_mode: int  # 0/1 no fix, 2 = 2D, 3 = 3D at the last frame
    last_frame_t: float  # timeline seconds of the last frame


class SurveyObserver(Protocol):
    """An observer may also expose ``stop_requested`` (bool) and ``stop_reason`` (str): when any observer asks,
    the loop ends the walk cleanly after the current frame, as ``completed`` with that reason."""

    def on_ready(self, stats: LoopStats) -> None:
        """Model loaded, first frame read and the GPS source answered: the walk is recording."""

    def on_frame(self, stats: LoopStats) -> None:
        """Called from the frame loop itself after each frame (a stuck loop stops calling it)."""

    def on_end(self, stats: LoopStats, status: str) -> None:
        """The walk ended: status is completed | interrupted | failed."""
