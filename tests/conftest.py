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


# Markers that imply a library: a PostgreSQL test talks to it through psycopg, a Blender test through bpy.
MARKER_NEEDS = {"postgres": ("psycopg",), "bpy": ("bpy",)}


@pytest.hookimpl(tryfirst=True)  # before the fixtures are set up
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip, with the pip command in the reason, a test whose extra is not installed (``@pytest.mark.needs``)."""
    from sousveillance.device.extras import EXTRA_OF, available, install_hint

    needed = [m for mark in item.iter_markers("needs") for m in mark.args]
    needed += [m for name, modules in MARKER_NEEDS.items() if item.get_closest_marker(name) for m in modules]
    for module in needed:
        if not available(module):
            pytest.skip(f"needs {module}, from the {EXTRA_OF[module]} extra: {install_hint(EXTRA_OF[module])}")


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
