"""Tracking: one track per physical camera across frames."""

from .tracker import Track, Tracker, TrackUpdate

__all__ = ["Track", "Tracker", "TrackUpdate"]
