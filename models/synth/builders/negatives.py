"""Hard negatives: street furniture that looks a little like a camera and must never be labelled.

Street lamps, traffic lights, road signs, smoke detectors, loudspeakers, wall lamps and sensor boxes. Every part is
unlabelled (``class_name`` None).
"""

from __future__ import annotations

import math
import random

from .. import bpyutil as bu
from .. import materials as mt
from . import mounts


def _asm(objs, kind, **params) -> bu.Assembly:
    return bu.Assembly([bu.Part(objs, None)], {"negative": kind, **params})


def street_lamp(rng: random.Random, night: bool = False) -> bu.Assembly:
    asm = mounts.lamp_post(rng, night=night, with_camera=False)
    asm.params["negative"] = "street_lamp"
    return asm


def traffic_light(rng: random.Random, night: bool = False) -> bu.Assembly:
    height = rng.uniform(2.5, 4.0)
    body = mt.paint(rng, rng.choice(["black", "darkgrey", "green"]), dirt=rng.uniform(0, 0.4), name="tl")
    objs = [bu.cylinder("tl_pole", 0.05, height, body, location=(0, 0, height / 2))]
    w, h = rng.uniform(0.2, 0.3), rng.uniform(0.6, 0.9)
    z = height + h / 2
    objs.append(bu.box("tl_box", (w, 0.2, h), body, location=(0, 0.12, z), bevel=0.02))
    lit = rng.randrange(3)
    for i, rgb in enumerate([(1, 0.05, 0.02), (1, 0.6, 0.0), (0.1, 1, 0.3)]):
        lz = z + h * (0.3 - 0.3 * i)
        objs.append(bu.cylinder("tl_lamp", w * 0.33, 0.02, mt.flat(rgb, "tl_lamp", 0.2, 6.0 if i == lit else 0.0),
                                location=(0, 0.23, lz), rotation=(-math.pi / 2, 0, 0)))
        objs.append(bu.box("tl_visor", (w * 0.8, 0.12, 0.01), body, location=(0, 0.29, lz + w * 0.36)))
    return _asm(objs, "traffic_light", height=height)


def sign(rng: random.Random, night: bool = False) -> bu.Assembly:
    height = rng.uniform(2.0, 3.2)
    grey = mt.metal(rng)
    objs = [bu.cylinder("sign_pole", 0.03, height, grey, location=(0, 0, height / 2))]
    shape = rng.choice(["disc", "triangle", "square", "rect"])
    face = mt.flat(rng.choice([(0.8, 0.05, 0.05), (0.05, 0.2, 0.7), (0.9, 0.9, 0.9), (0.9, 0.7, 0.0)]), "sign")
    size = rng.uniform(0.4, 0.8)
    z = height + size / 2
    if shape == "disc":
        objs.append(bu.cylinder("sign_face", size / 2, 0.01, face, location=(0, 0.04, z),
                                rotation=(-math.pi / 2, 0, 0), segments=32))
    elif shape == "triangle":
        objs.append(bu.cylinder("sign_face", size / 2, 0.01, face, location=(0, 0.04, z),
                                rotation=(-math.pi / 2, math.pi / 6, 0), segments=3))
    else:
        objs.append(bu.box("sign_face", (size * (1.6 if shape == "rect" else 1), 0.01, size), face,
                           location=(0, 0.04, z)))
    return _asm(objs, "sign", shape=shape)


def smoke_detector(rng: random.Random, night: bool = False) -> bu.Assembly:
    """A ceiling smoke or motion detector: a white disc with a small bump (a dome camera's worst look-alike)."""
    r = rng.uniform(0.05, 0.08)
    white = mt.paint(rng, rng.choice(["white", "offwhite"]), name="smoke")
    height = rng.uniform(2.5, 4.0)
    objs = [bu.cylinder("smoke_base", r, 0.03, white, location=(0, 0, height - 0.015), radius2=r * 0.85)]
    bump = bu.sphere("smoke_bump", r * 0.45, white, location=(0, 0, height - 0.03))
    bump.scale = (1, 1, 0.5)
    objs.append(bump)
    return _asm(objs, "smoke_detector", height=height)


def loudspeaker(rng: random.Random, night: bool = False) -> bu.Assembly:
    """A horn loudspeaker or a cabinet speaker on a wall bracket."""
    mat = mt.paint(rng, rng.choice(["white", "grey", "lightgrey", "black"]), dirt=rng.uniform(0, 0.4), name="spk")
    height = rng.uniform(3.0, 6.0)
    objs = [bu.box("spk_plate", (0.1, 0.02, 0.14), mat, location=(0, 0.01, height))]
    if rng.random() < 0.6:
        length = rng.uniform(0.2, 0.4)
        objs.append(bu.cylinder("spk_horn", 0.03, length, mat, location=(0, 0.12 + length / 2, height - 0.05),
                                rotation=(-math.pi / 2 + 0.3, 0, 0), radius2=rng.uniform(0.1, 0.18)))
    else:
        objs.append(bu.box("spk_cabinet", (rng.uniform(0.15, 0.25), rng.uniform(0.12, 0.2), rng.uniform(0.25, 0.4)),
                           mat, location=(0, 0.15, height - 0.1), rotation=(0.25, 0, 0), bevel=0.015))
    objs.append(bu.cylinder("spk_arm", 0.012, 0.12, mat, location=(0, 0.06, height), rotation=(-math.pi / 2, 0, 0)))
    return _asm(objs, "loudspeaker", height=height)


def wall_lamp(rng: random.Random, night: bool = False) -> bu.Assembly:
    """A wall lantern or a flood light on a bracket."""
    mat = mt.paint(rng, rng.choice(["black", "darkgrey", "grey", "white"]), name="wl")
    height = rng.uniform(2.5, 5.0)
    glow = rng.uniform(3, 12) if night else 0.0
    objs = [bu.box("wl_plate", (0.08, 0.02, 0.12), mat, location=(0, 0.01, height))]
    if rng.random() < 0.5:
        objs.append(bu.box("wl_flood", (rng.uniform(0.15, 0.3), 0.06, rng.uniform(0.12, 0.22)), mat,
                           location=(0, 0.12, height - 0.05), rotation=(0.6, 0, 0), bevel=0.01))
        objs.append(bu.box("wl_glass", (0.12, 0.005, 0.1), mt.flat((1, 0.95, 0.85), "glass", 0.1, glow),
                           location=(0, 0.158, height - 0.07), rotation=(0.6, 0, 0)))
    else:
        objs.append(bu.box("wl_lantern", (0.14, 0.14, 0.25), mt.flat((1, 0.85, 0.6), "glass", 0.1, glow),
                           location=(0, 0.2, height - 0.1), bevel=0.01))
        objs.append(bu.cylinder("wl_cap", 0.12, 0.06, mat, location=(0, 0.2, height + 0.06), radius2=0.02))
    return _asm(objs, "wall_lamp", height=height)


def sensor_box(rng: random.Random, night: bool = False) -> bu.Assembly:
    """A small utility box (radar, counter, Wi-Fi antenna box) on a wall."""
    mat = mt.paint(rng, rng.choice(["white", "lightgrey", "grey"]), dirt=rng.uniform(0, 0.5), name="sensor")
    height = rng.uniform(2.5, 5.0)
    w, h = rng.uniform(0.12, 0.3), rng.uniform(0.15, 0.35)
    objs = [bu.box("sensor_box", (w, rng.uniform(0.06, 0.12), h), mat, location=(0, 0.05, height), bevel=0.01)]
    if rng.random() < 0.5:
        objs.append(bu.cylinder("antenna", 0.01, rng.uniform(0.1, 0.3), mat, location=(w / 3, 0.05, height + h / 2 +
                                                                                        0.1)))
    return _asm(objs, "sensor_box", height=height)


NEGATIVES = {
    "street_lamp": street_lamp,
    "traffic_light": traffic_light,
    "sign": sign,
    "smoke_detector": smoke_detector,
    "loudspeaker": loudspeaker,
    "wall_lamp": wall_lamp,
    "sensor_box": sensor_box,
}
