"""Detection: the YOLO detector behind the ``Detector`` seam."""

from .base import Detector, DetectorError
from .yolo import YoloDetector, resolve_model

__all__ = ["Detector", "DetectorError", "YoloDetector", "resolve_model"]
