"""Helpers for the geolocation tests: a quiet simulator run written into a real walk database."""

from __future__ import annotations

import math
from dataclasses import replace

from sousveillance.device.geo.simulate import SimConfig, SimWalk, World, simulate
from sousveillance.device.geo.simworld import write_walk
from sousveillance.device.store import Store

# A careful walker with a good receiver: small, but not zero, noise everywhere.
QUIET = SimConfig(
    gps_sigma_m=1.0, gps_jitter_m=0.1, course_sigma_deg=2.0, dropouts_per_min=0.0, pixel_noise=0.5,
    miss_rate=0.0, break_prob=0.0, sway_deg=0.5, drift_deg=0.2, seed=3,
)


def run_walk(store: Store, world: World, **overrides) -> tuple[SimWalk, int]:
    sim = simulate(world, replace(QUIET, **overrides))
    return sim, write_walk(store, sim)


def error_m(sim: SimWalk, camera: dict, key: str) -> float:
    e, n = sim.frame.to_local(camera.latitude, camera.longitude)
    obj = sim.object(key)
    return math.hypot(float(e) - obj.east, float(n) - obj.north)


def key_of(sim: SimWalk, camera: dict) -> str:
    return sim.truth[camera.track_id]
