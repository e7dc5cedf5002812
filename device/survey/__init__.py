"""The survey loop and its assembly for live walks, replays and the demo."""

from .loop import Survey, SurveyOptions, SurveyResult
from .observer import LoopStats, SurveyObserver

__all__ = ["Survey", "SurveyOptions", "SurveyResult", "LoopStats", "SurveyObserver"]
