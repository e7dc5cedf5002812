"""The survey loop and its assembly (``session.run_walk``) for replays and the demo; the live survey as a service
wraps it in ``service/live.py``."""

from .loop import Survey, SurveyOptions, SurveyResult
from .observer import LoopStats, SurveyObserver

__all__ = ["Survey", "SurveyOptions", "SurveyResult", "LoopStats", "SurveyObserver"]
