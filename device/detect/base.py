"""The detector seam: an image in, typed boxes out."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..types import Detection


class DetectorError(Exception):
    """The model cannot be loaded or run."""


class Detector(Protocol):
    names: dict[int, str]
    model_path: str

    def detect(self, image: np.ndarray) -> list[Detection]: ...


class RegionModel(Protocol):
    """What a detection schedule runs: the model on any part of a frame at a given input size."""

    names: dict[int, str]
    model_path: str
    conf: float
    iou: float

    @property
    def input_hw(self) -> tuple[int, int]: ...

    @property
    def any_size(self) -> bool: ...

    def predict(self, image: np.ndarray, *, size: tuple[int, int] | None = None,
                conf: float | None = None) -> list[Detection]: ...


class Model(Detector, RegionModel, Protocol):
    """A model file's detector (NCNN or Ultralytics): what the schedules and the benchmarks call beyond ``detect``."""

    def predict_raw(self, image: np.ndarray) -> object: ...
