"""Fixtures for the geolocation tests: a real walk database per test."""

from __future__ import annotations

import pytest

from sousveillance.device.store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "walk.db") as s:
        yield s
