"""Shared fixtures of the model tests."""

import os
from pathlib import Path

import pytest

from sousveillance.models.paths import shared_data

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "0")


@pytest.fixture(scope="session")
def shared() -> Path:
    root = shared_data()
    if not root.is_dir():
        pytest.skip("../shared/data is not available (a user's clone)")
    return root


@pytest.fixture(scope="session")
def annotations(shared: Path) -> Path:
    return shared / "annotations"


@pytest.fixture(scope="session")
def coco_checkpoint(shared, tmp_path_factory) -> Path:
    """The COCO YOLOv8n imported from the shared TFLite file, as an Ultralytics checkpoint."""
    pytest.importorskip("ai_edge_litert")
    from sousveillance.models.train import coco_init_checkpoint

    return coco_init_checkpoint(tmp_path_factory.mktemp("coco") / "coco.pt")
