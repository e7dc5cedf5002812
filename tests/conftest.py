"""Fixtures shared by every test folder: where ../shared/data is, and small real walks made on the fly."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "0")
os.environ.setdefault("YOLO_VERBOSE", "False")

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
sys.path.insert(0, str(REPO / "tests"))  # tests/helpers/ is importable as `helpers`


def shared_data_dir() -> Path:
    """The shared data folder itself ($SOUSVEILLANCE_SHARED, as in models/paths.py), else ../shared/data."""
    if os.environ.get("SOUSVEILLANCE_SHARED"):
        return Path(os.environ["SOUSVEILLANCE_SHARED"])
    return REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (CI has it; a user's clone does not: the test skips)."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip("../shared/data is not present (tests that need it run in CI)")
    return path


@pytest.fixture
def daemons():
    """Start real daemons with ``daemons([...args])``; all are killed (with their children) after the test."""
    from helpers.daemons import Daemon

    started: list[Daemon] = []

    def start(args: list[str]) -> Daemon:
        started.append(Daemon(args))
        return started[-1]

    yield start
    for daemon in started:
        daemon.kill()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
