"""Detection: the YOLO detector behind the ``Detector`` seam."""

from .base import Detector, DetectorError, Model
from .yolo import YoloDetector, resolve_model


def open_detector(model=None, *, backend: str = "auto", imgsz: int = 640, conf: float = 0.3,
                  iou: float = 0.5) -> Model:
    """The detector for a model file: NCNN folders run on the ncnn runtime alone unless ``backend`` says
    ``ultralytics``; .pt/.onnx files (and ``backend="ultralytics"``) go through Ultralytics."""
    import importlib.util

    from .ncnn_native import NcnnDetector, is_ncnn_model

    path = resolve_model(model)
    if backend == "ncnn" or (backend == "auto" and is_ncnn_model(path) and importlib.util.find_spec("ncnn")):
        return NcnnDetector(path, conf=conf, iou=iou, imgsz=imgsz)
    return YoloDetector(path, imgsz=imgsz, conf=conf, iou=iou)


__all__ = ["Detector", "DetectorError", "Model", "YoloDetector", "open_detector", "resolve_model"]
