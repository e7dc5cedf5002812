"""sousveillance.models: the detector's data, training, evaluation, export and shipped weights.

Nothing heavy is imported here: the device imports this package on a Pi to find its weights.

>>> from sousveillance.models import default_model_path, MODEL_VERSION
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MODEL_NAME = "sousveillance-n"
PT_PATH = WEIGHTS_DIR / f"{MODEL_NAME}.pt"
NCNN_DIR = WEIGHTS_DIR / f"{MODEL_NAME}_ncnn_model"
ONNX_PATH = WEIGHTS_DIR / f"{MODEL_NAME}.onnx"
VERSION_FILE = WEIGHTS_DIR / "VERSION"
CLASS_NAMES = ("dome", "fixed", "ptz", "pole")


def _ncnn_available() -> bool:
    if importlib.util.find_spec("ncnn") is None:
        return False
    # ncnn's OpenMP workers spin while they wait: on cores shared with the camera, GPS and review web (or other
    # processes), two spinning threads ran a 640 px frame 4-10x slower than passive waiting. Must be set before the
    # ncnn library loads its OpenMP runtime; an explicit OMP_WAIT_POLICY in the environment wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import ncnn  # noqa: F401  (small native module; only imported when asked for the model path)
    except ImportError:
        return False
    return True


def default_model_path(weights_dir: Path | None = None) -> Path:
    """The shipped model the device loads: the NCNN folder when it exists and ``ncnn`` imports, else the ``.pt``."""
    folder = weights_dir or WEIGHTS_DIR
    ncnn_dir = folder / NCNN_DIR.name
    if (ncnn_dir / "model.ncnn.param").is_file() and _ncnn_available():
        return ncnn_dir
    return folder / PT_PATH.name


def _read_version() -> str:
    try:
        text = VERSION_FILE.read_text(encoding="utf-8").strip()
    except OSError:
        return "unknown"
    return text.splitlines()[0].strip() if text else "unknown"


MODEL_VERSION: str = _read_version()

__all__ = ["CLASS_NAMES", "MODEL_NAME", "MODEL_VERSION", "NCNN_DIR", "ONNX_PATH", "PT_PATH", "default_model_path"]
