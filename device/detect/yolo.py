"""Ultralytics YOLO detector: .pt, ONNX and NCNN exports. Always offline."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from ...models.paths import offline_env
from ..extras import require
from ..types import Detection
from .base import DetectorError

log = logging.getLogger(__name__)


def resolve_model(path: str | os.PathLike | None) -> Path:
    if path is None:
        from ...models import default_model_path

        resolved = default_model_path()
    else:
        resolved = Path(path).expanduser()
    if not resolved.exists():
        raise DetectorError(f"model file not found: {resolved}")
    return resolved


class YoloDetector:
    """Runs a YOLO model on BGR frames (a ``.pt`` at any input size; exported models at their export size)."""

    def __init__(
        self,
        model: str | os.PathLike | None = None,
        *,
        imgsz: int = 640,
        conf: float = 0.3,
        iou: float = 0.5,
        device: str | None = None,
    ):
        offline_env()
        path = resolve_model(model)
        # Heavy, only when a detector is built; the base install runs NCNN models without it (see open_detector).
        purpose = f"running {path.name} through Ultralytics (NCNN models need only the base install)"
        YOLO = require("ultralytics", "train", purpose).YOLO
        try:
            self._model = YOLO(str(path), task="detect")
        except Exception as exc:  # ultralytics raises many kinds
            raise DetectorError(f"cannot load model {path}: {exc}") from exc
        self.model_path = str(path)
        self.imgsz, self.conf, self.iou = imgsz, conf, iou
        self.any_size = path.suffix == ".pt"
        self.device = device
        names = getattr(self._model, "names", None) or {}
        self.names = {int(k): str(v) for k, v in dict(names).items()}

    @property
    def input_hw(self) -> tuple[int, int]:
        return (self.imgsz, self.imgsz)

    def predict(self, image: np.ndarray, *, size: tuple[int, int] | None = None,
                conf: float | None = None) -> list[Detection]:
        """Boxes in ``image`` pixels at input ``size`` (height, width) for a ``.pt`` model, else the export size."""
        imgsz = list(size) if size and self.any_size else self.imgsz
        kwargs: dict[str, Any] = {"imgsz": imgsz, "conf": self.conf if conf is None else conf, "iou": self.iou,
                                  "verbose": False}
        if self.device:
            kwargs["device"] = self.device
        result = self._model.predict(image, **kwargs)[0]
        if result.names:
            self.names = {int(k): str(v) for k, v in result.names.items()}
        boxes = result.boxes
        if boxes is None or len(boxes) == 0:
            return []
        xyxy = boxes.xyxy.cpu().numpy()
        confs = boxes.conf.cpu().numpy()
        classes = boxes.cls.cpu().numpy().astype(int)
        return [
            Detection(float(b[0]), float(b[1]), float(b[2]), float(b[3]), float(c), int(k),
                      self.names.get(int(k), str(k)))
            for b, c, k in zip(xyxy, confs, classes, strict=True)
        ]

    def detect(self, image: np.ndarray) -> list[Detection]:
        """The whole frame at ``imgsz`` (what the ``whole`` schedule runs)."""
        return self.predict(image)

    def predict_raw(self, image: np.ndarray) -> object:
        """Bare ``model.predict`` on one frame (for the benchmark's side-by-side baseline)."""
        return self._model.predict(image, imgsz=self.imgsz, conf=self.conf, iou=self.iou, verbose=False)
