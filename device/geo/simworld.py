"""Worlds for the simulator and writing a simulated walk into a walk database as the survey loop would."""

from __future__ import annotations

import itertools
import math
import uuid as uuidlib
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from ..geodesy import bearing_of
from ..types import CAMERA_CLASSES
from .lens import PROFILES, CameraProfile
from .simulate import SimWalk, TrueObject, World


def _leg_frame(a: tuple[float, float], b: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, float]:
    pa, pb = np.array(a, float), np.array(b, float)
    length = float(np.hypot(*(pb - pa)))
    u = (pb - pa) / length
    return u, np.array([-u[1], u[0]]), length  # along, left normal, length


def city_world(seed: int, *, walk_back: bool = True) -> World:
    """Three streets with two corners, cameras on both façades, on poles and at street ends; then back again."""
    rng = np.random.default_rng(10_000 + seed)
    out = [(0.0, 0.0), (220.0, 0.0), (220.0, 150.0), (340.0, 150.0)]
    route = out + (list(reversed(out[:-1]))[:2] + [(90.0, 0.0)] if walk_back else [])
    objects: list[TrueObject] = []
    count = 0

    def add(cls: str, e: float, n: float, h: float, facing: float, mount: str, key: str | None = None) -> None:
        nonlocal count
        count += 1
        scale = float(rng.uniform(0.8, 1.25))
        objects.append(TrueObject(key or f"c{count}", cls, float(e), float(n), float(h), float(facing % 360), mount,
                                  scale))

    for leg, (a, b) in enumerate(itertools.pairwise(out)):
        u, left, length = _leg_frame(a, b)
        along = rng.uniform(10, 25)
        while along < length - 8:
            kind = rng.choice(["far", "near", "pole"], p=[0.45, 0.3, 0.25])
            cls = str(rng.choice(CAMERA_CLASSES, p=[0.45, 0.4, 0.15]))
            base = np.array(a) + along * u
            if kind == "pole":
                p = base - 2.5 * left
                objects.append(TrueObject(f"p{leg}-{along:.0f}", "pole", p[0], p[1], rng.uniform(4.5, 6.5),
                                          mount="pole"))
                street = float(bearing_of(*u))
                add(cls, p[0], p[1], rng.uniform(4.0, 5.0), street + rng.choice([0, 180]) + rng.normal(0, 20), "pole")
                if rng.random() < 0.4:  # a second camera on the same pole, facing the other way, a little higher
                    q = p + 0.15 * u
                    add(str(rng.choice(CAMERA_CLASSES)), q[0], q[1], objects[-1].height + 0.5, objects[-1].facing + 180,
                        "pole")
            else:
                lateral = 3.5 if kind == "near" else -rng.uniform(12, 16)
                p = base + lateral * left
                inward = float(bearing_of(*(-np.sign(lateral) * left)))
                add(cls, p[0], p[1], rng.uniform(3.0, 6.0), inward + rng.normal(0, 35), "wall")
            along += rng.uniform(15, 35)
        end = np.array(b) + 9.0 * u + rng.normal(0, 1.0) * left  # a camera straight ahead at the street's end
        add(str(rng.choice(CAMERA_CLASSES)), end[0], end[1], rng.uniform(3.5, 5.5), float(bearing_of(*(-u))), "wall")
    return World(route, objects)


def write_walk(store, sim: SimWalk, profile: CameraProfile | None = None, *, locator=None) -> int:
    """Store a simulated walk (fixes, sightings, one camera or pole row per track); returns the walk id."""
    from . import default_locator

    profile = profile or PROFILES[sim.config.profile]
    locator = locator or default_locator(profile)
    capture = ({"profile": profile.name} if profile.name in PROFILES
               else {"profile": "pi3", "hfov_deg": profile.hfov_deg})
    walk_id = store.start_walk(source="simulated", settings={"capture": capture, "seed": sim.config.seed})
    tracks = sim.tracks()
    with store.batch():
        store.add_fixes(walk_id, sim.fixes)
        for track_id, sightings in sorted(tracks.items()):
            cls = sim.track_class[track_id]
            located = locator.locate(sightings, cls)
            common = {
                "sightings_count": len(sightings), "last_seen": _iso(sightings[-1].utc),
                "confidence": max(s.detection.confidence for s in sightings),
                "latitude": located.latitude if located else None,
                "longitude": located.longitude if located else None,
                "uncertainty_m": located.uncertainty_m if located else None,
            }
            first_seen = _iso(sightings[0].utc)
            camera_id = None
            if cls == "pole":
                store.add_pole(walk_id, track_id, first_seen, **common)
            else:
                camera_id = store.add_camera(
                    walk_id, track_id, str(uuidlib.uuid4()), cls, first_seen, **common,
                    position_method=located.method if located else "none", has_position=int(located is not None),
                )
            for s in sightings:
                store.add_sighting(walk_id, camera_id, s)
        store.end_walk(walk_id, frames=max((s.frame_index for s in sim.sightings), default=0) + 1)
    return walk_id


def straight_street(objects: Sequence[TrueObject], length: float = 120.0, back: bool = False) -> World:
    """A walk due east along y = 0 (and back to the start when ``back``) past the given objects."""
    points = [(0.0, 0.0), (length, 0.0)] + ([(0.0, 0.0)] if back else [])
    return World(points, list(objects))


def distance(a: TrueObject, b: TrueObject) -> float:
    return math.hypot(a.east - b.east, a.north - b.north)


def _iso(utc: datetime | None) -> str:
    if utc is None:
        raise ValueError("a simulated sighting has a UTC time")
    return utc.isoformat()
