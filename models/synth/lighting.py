"""Light setups for renders: sun, overcast, dusk and night (street-lit), drawn from a seed (Blender side)."""

from __future__ import annotations

import math
import random

import bpy
from mathutils import Euler

LIGHTINGS = ("sun", "overcast", "dusk", "night")
WEIGHTS = (0.35, 0.3, 0.15, 0.2)


def pick(rng: random.Random) -> str:
    return rng.choices(LIGHTINGS, weights=WEIGHTS)[0]


def _world(colour, strength: float) -> None:
    world = bpy.data.worlds.new("world")
    bpy.context.scene.world = world
    world.use_nodes = True
    bg = world.node_tree.nodes["Background"]
    bg.inputs["Color"].default_value = (*colour, 1)
    bg.inputs["Strength"].default_value = strength


def _sun(rng: random.Random, elevation_deg: float, colour, strength: float) -> None:
    light = bpy.data.lights.new("sun", "SUN")
    light.energy = strength
    light.color = colour
    light.angle = math.radians(rng.uniform(0.5, 3))
    obj = bpy.data.objects.new("sun", light)
    bpy.context.scene.collection.objects.link(obj)
    obj.rotation_euler = Euler((math.radians(90 - elevation_deg), 0, rng.uniform(0, 2 * math.pi)), "XYZ")


def _lamp(rng: random.Random, near, colour, power: float) -> None:
    light = bpy.data.lights.new("street_light", "POINT")
    light.energy = power
    light.color = colour
    light.shadow_soft_size = rng.uniform(0.05, 0.3)
    obj = bpy.data.objects.new("street_light", light)
    bpy.context.scene.collection.objects.link(obj)
    obj.location = near


def setup(name: str, rng: random.Random, focus=(0.0, 0.0, 4.0)) -> dict:
    """Light the scene around ``focus`` (the object's centre) and return what was drawn, for the label file."""
    fx, fy, fz = focus
    if name == "sun":
        elev = rng.uniform(15, 70)
        strength = rng.uniform(2.5, 5.0)
        _sun(rng, elev, (1.0, rng.uniform(0.93, 1.0), rng.uniform(0.85, 0.97)), strength)
        _world((0.45, 0.6, 0.9), rng.uniform(0.5, 1.1))
        return {"lighting": name, "sun_elevation": elev, "sun_strength": strength}
    if name == "overcast":
        v = rng.uniform(0.7, 1.0)
        _world((v, v, v * rng.uniform(1.0, 1.08)), rng.uniform(0.9, 2.0))
        return {"lighting": name}
    if name == "dusk":
        elev = rng.uniform(1, 10)
        _sun(rng, elev, (1.0, rng.uniform(0.45, 0.7), rng.uniform(0.2, 0.4)), rng.uniform(1.0, 3.0))
        _world((0.25, 0.3, 0.55), rng.uniform(0.2, 0.5))
        return {"lighting": name, "sun_elevation": elev}
    # night: a dark sky and one or two street lights near the object (sodium orange or white LED)
    _world((0.05, 0.07, 0.15), rng.uniform(0.03, 0.12))
    n = rng.choice([1, 1, 2])
    for _ in range(n):
        colour = rng.choice([(1.0, 0.6, 0.25), (1.0, 0.95, 0.85), (0.9, 0.95, 1.0)])
        near = (fx + rng.uniform(-3, 3), fy + rng.uniform(-1, 4), fz + rng.uniform(-2, 2))
        _lamp(rng, near, colour, rng.uniform(150, 900))
    return {"lighting": name, "street_lights": n}
