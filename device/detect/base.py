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
