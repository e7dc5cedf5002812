"""Walks for the GPS tests: an L-shaped walk (east, then a corner, then north) at 1 Hz, built from exact fixes."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from sousveillance.device.geodesy import move
from sousveillance.device.gps.base import utc_to_t
from sousveillance.device.types import Fix

START = datetime(2026, 5, 2, 10, 0, 0, tzinfo=UTC)
LAT0, LON0 = 52.5200, 13.4050
SPEED = 1.4  # m/s, a walking pace


def make_walk(
    legs: tuple[tuple[float, int], ...] = ((90.0, 120), (0.0, 120)),
    start: datetime = START,
    eph: float = 3.0,
    speed: float = SPEED,
) -> list[Fix]:
    """1 Hz fixes along straight legs of (course in degrees, seconds); the walker turns at each leg's end."""
    fixes: list[Fix] = []
    east = north = 0.0
    i = 0
    for course, seconds in legs:
        for _ in range(seconds):
            utc = start + timedelta(seconds=i)
            lat, lon = move(LAT0, LON0, east, north)
            fixes.append(Fix(utc_to_t(utc), utc, lat, lon, 35.0, course, speed, eph, 3))
            east += speed * math.sin(math.radians(course))
            north += speed * math.cos(math.radians(course))
            i += 1
    return fixes


@pytest.fixture
def walk() -> list[Fix]:
    return make_walk()


@pytest.fixture
def walk_factory() -> Callable[..., list[Fix]]:
    return make_walk
