"""Where things live: the repository root, ../shared/data, the run folder outside git."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO_ROOT / "models"


def shared_data() -> Path:
    """``../shared/data`` next to the repository, or ``$SOUSVEILLANCE_SHARED``."""
    env = os.environ.get("SOUSVEILLANCE_SHARED")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def runs_dir() -> Path:
    """Training runs and checkpoints: ``$SOUSVEILLANCE_RUNS`` or ``/work/runs`` when writable, else ``~/.cache``."""
    env = os.environ.get("SOUSVEILLANCE_RUNS")
    if env:
        return Path(env)
    default = REPO_ROOT.parent / "runs"
    return default if os.access(default.parent, os.W_OK) else Path.home() / ".cache" / "sousveillance" / "runs"


def realset_images() -> Path:
    """The real-photo set's normalised images (``model realset fetch``): ``$SOUSVEILLANCE_REALSET`` or RUNS/realset."""
    env = os.environ.get("SOUSVEILLANCE_REALSET")
    return Path(env) if env else runs_dir() / "realset" / "images"


def offline_env() -> None:
    """Ultralytics never downloads or pip-installs anything, and stays quiet: the one place this is set (the CLI,
    the YOLO detector and every model command call it before Ultralytics is imported; values already in the
    environment win)."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "0")
    os.environ.setdefault("YOLO_VERBOSE", "False")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see default_model_path(): ncnn's spinning workers


def ultralytics_asset(name: str) -> Path:
    """A file shipped inside the ultralytics package (``bus.jpg``, ``zidane.jpg``)."""
    import importlib.util

    spec = importlib.util.find_spec("ultralytics")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("ultralytics is not installed")
    return Path(spec.origin).parent / "assets" / name
