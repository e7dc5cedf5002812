"""Mounts that hold camera heads: ceiling, wall arm, camera mast ("vidéoprotection" pole), lamp post.

Each mount returns an ``Assembly`` with the camera heads as labelled parts, the mast (and its arms, cabinet,
solar panel) as one ``pole`` part when it is a pole, and wall brackets and cables unlabelled. The wall, when there is
one, is the plane y = 0 with the street on +Y; the ground is z = 0.
"""

from __future__ import annotations

import math
import random

from mathutils import Vector

from .. import bpyutil as bu
from .. import materials as mt
from . import heads as hd

CAMERA_KINDS = ["dome", "dome", "bullet", "bullet", "box", "alpr", "ptz_pendant", "ptz_sphere"]


def _tilt(head: hd.Head, rng: random.Random) -> float:
    if head.class_name == "fixed":
        return math.radians(rng.uniform(5, 35))
    if head.style == "sphere":
        return math.radians(rng.uniform(0, 20))
    return 0.0


def _cable(rng: random.Random, start: Vector, end: Vector, mat) -> object:
    """A sagging cable between two points."""
    mid = (start + end) / 2 + Vector((rng.uniform(-0.03, 0.03), rng.uniform(-0.03, 0.03), -rng.uniform(0.02, 0.12)))
    return bu.tube("cable", [start, mid, end], rng.uniform(0.003, 0.007), mat)


def _head_part(head: hd.Head) -> bu.Part:
    return bu.Part(head.objects, head.class_name)


def ceiling(rng: random.Random, kind: str = "dome", night: bool = False, height: float | None = None) -> bu.Assembly:
    """A dome (or PTZ) fixed under a porch roof or arcade at 2.5-5 m; the ceiling itself is not drawn."""
    height = height or rng.uniform(2.5, 5.0)
    head = hd.make(kind, rng, night=night, **({"style": "ceiling"} if kind == "dome" else {}))
    hd.pose(head, (0, 0, height), rng.uniform(0, 2 * math.pi), _tilt(head, rng))
    asm = bu.Assembly([_head_part(head), bu.Part(head.bracket, None)], {"mount": "ceiling", "height": height})
    asm.params["heads"] = [head.params | {"kind": kind}]
    return asm


def wall(rng: random.Random, kind: str | None = None, night: bool = False, height: float | None = None) -> bu.Assembly:
    """A camera on a wall: a plate and an L-arm (domes, PTZ) or a short bracket (fixed), with its cable."""
    kind = kind or rng.choice(CAMERA_KINDS)
    height = height or rng.uniform(2.8, 7.0)
    head = hd.make(kind, rng, night=night)
    plate_mat, _ = mt.housing_paint(rng)
    plate = bu.box("wall_plate", (rng.uniform(0.08, 0.16), 0.02, rng.uniform(0.1, 0.2)), plate_mat,
                   location=(0, 0.01, height), bevel=0.004)
    objs = [plate]
    if head.class_name == "fixed":
        reach = rng.uniform(0.08, 0.25)
        objs.append(bu.cylinder("wall_arm", 0.014, reach, plate_mat, location=(0, reach / 2, height),
                                rotation=(-math.pi / 2, 0, 0)))
        end = Vector((0, reach, height + 0.02))
        yaw = rng.uniform(-0.6, 0.6)
    else:
        reach = rng.uniform(0.18, 0.45)
        rise = rng.uniform(0.0, 0.12)
        objs.append(bu.tube("wall_arm", [Vector((0, 0.02, height)), Vector((0, reach * 0.6, height + rise)),
                                         Vector((0, reach, height + rise * 0.5))], rng.uniform(0.015, 0.03),
                            plate_mat))
        end = Vector((0, reach, height + rise * 0.5))
        yaw = rng.uniform(-math.pi, math.pi)
    hd.pose(head, end, yaw, _tilt(head, rng))
    if rng.random() < 0.4:
        objs.append(_cable(rng, Vector((0.02, 0.02, height - 0.05)), end + Vector((0, 0, -0.02)), mt.flat(
            (0.02, 0.02, 0.02), "cable")))
    asm = bu.Assembly([_head_part(head), bu.Part(objs + head.bracket, None)],
                      {"mount": "wall", "height": height, "heads": [head.params | {"kind": kind}]})
    return asm


def mast(rng: random.Random, night: bool = False, height: float | None = None,
         kinds: list[str] | None = None) -> bu.Assembly:
    """A camera mast 3-12 m high (white, grey, green or galvanised) carrying 1-4 cameras on arms near the top."""
    height = height or rng.uniform(3.0, 12.0)
    rb = rng.uniform(0.06, 0.13)
    colour = rng.choice(["white", "white", "offwhite", "lightgrey", "grey", "green", "metal"])
    if colour == "metal":
        pmat = mt.metal(rng)
    else:
        pmat = mt.paint(rng, colour, dirt=rng.uniform(0, 0.5), rust=rng.uniform(0.1, 0.5) if rng.random() < 0.25
                        else 0.0, name="mast")
    pole = [bu.cylinder("mast", rb, height, pmat, location=(0, 0, height / 2), radius2=rb * rng.uniform(0.5, 0.9))]
    pole.append(bu.cylinder("mast_base", rb * 1.6, 0.03, pmat, location=(0, 0, 0.015)))
    pole.append(bu.cylinder("mast_cap", rb * 0.9, 0.04, pmat, location=(0, 0, height + 0.02)))
    top_r = rb * 0.7
    if rng.random() < 0.5:
        ch = rng.uniform(0.3, 0.6)
        pole.append(bu.box("mast_cabinet", (rng.uniform(0.2, 0.35), rng.uniform(0.12, 0.22), ch), pmat,
                           location=(0, rb + 0.08, rng.uniform(2.0, min(3.5, height - 0.8))), bevel=0.01))
    if rng.random() < 0.15:
        pole.append(bu.box("solar_panel", (rng.uniform(0.35, 0.6), 0.02, rng.uniform(0.4, 0.7)),
                           mt.flat((0.02, 0.03, 0.08), "solar", 0.2), location=(0, -0.25, height - 0.5),
                           rotation=(math.radians(rng.uniform(20, 50)), 0, rng.uniform(0, 6.3))))
    n = len(kinds) if kinds else rng.choice([1, 1, 2, 2, 2, 3, 3, 4])
    base_az = rng.uniform(0, 2 * math.pi)
    cam_parts, head_params, cable_mat = [], [], mt.flat((0.02, 0.02, 0.02), "cable")
    for i in range(n):
        kind = kinds[i] if kinds else rng.choice(CAMERA_KINDS)
        head = hd.make(kind, rng, night=night)
        az = base_az + 2 * math.pi * i / n + rng.uniform(-0.3, 0.3)
        z = height - rng.uniform(0.1, 0.5) - (0.35 * (i // 2) if n > 2 else 0)
        reach = rng.uniform(0.25, 0.7) if head.hangs else rng.uniform(0.1, 0.3)
        d = Vector((math.cos(az), math.sin(az), 0))
        arm_len = reach + 0.0
        pole.append(bu.cylinder("mast_arm", 0.02, arm_len, pmat, location=tuple(d * (top_r + arm_len / 2) +
                                                                             Vector((0, 0, z))),
                                rotation=(0, math.pi / 2, az)))
        end = d * (top_r + arm_len) + Vector((0, 0, z - 0.02))
        yaw = az - math.pi / 2 + (rng.uniform(-0.5, 0.5) if head.class_name == "fixed" else rng.uniform(-3, 3))
        hd.pose(head, tuple(end), yaw, _tilt(head, rng))
        pole.extend(head.bracket)
        if rng.random() < 0.5:
            pole.append(_cable(rng, d * top_r + Vector((0, 0, z - 0.05)), end, cable_mat))
        cam_parts.append(_head_part(head))
        head_params.append(head.params | {"kind": kind, "azimuth": az})
    asm = bu.Assembly(cam_parts + [bu.Part(pole, "pole")],
                      {"mount": "pole", "pole": "mast", "height": height, "colour": colour, "heads": head_params})
    return asm


def lamp_post(rng: random.Random, night: bool = False, with_camera: bool = True, height: float | None = None,
              kind: str | None = None) -> bu.Assembly:
    """A street lamp (mast, curved arm, luminaire); with a camera strapped to it, the post counts as a ``pole``."""
    height = height or rng.uniform(5.0, 10.0)
    rb = rng.uniform(0.07, 0.12)
    colour = rng.choice(["grey", "darkgrey", "green", "black", "metal"])
    pmat = mt.metal(rng, dark=True) if colour == "metal" else mt.paint(rng, colour, dirt=rng.uniform(0, 0.5),
                                                                        name="lamp")
    objs = [bu.cylinder("lamp_mast", rb, height, pmat, location=(0, 0, height / 2), radius2=rb * 0.6)]
    reach = rng.uniform(0.6, 1.8)
    rise = rng.uniform(0.1, 0.5)
    objs.append(bu.tube("lamp_arm", [Vector((0, 0, height - 0.3)), Vector((0, reach * 0.5, height + rise)),
                                     Vector((0, reach, height + rise * 0.6))], rb * 0.4, pmat))
    lum_w = rng.uniform(0.2, 0.35)
    objs.append(bu.box("luminaire", (lum_w, rng.uniform(0.4, 0.7), 0.08), pmat,
                       location=(0, reach + 0.15, height + rise * 0.6 - 0.03), bevel=0.02))
    glow = rng.uniform(2, 10) if night else 0.0
    objs.append(bu.box("lamp_glass", (lum_w * 0.8, 0.35, 0.01), mt.flat((1.0, 0.8, 0.55), "lampglass", 0.2, glow),
                       location=(0, reach + 0.15, height + rise * 0.6 - 0.075)))
    asm = bu.Assembly([], {"mount": "pole", "pole": "lamp_post", "height": height, "colour": colour, "heads": []})
    if with_camera:
        kind = kind or rng.choice(CAMERA_KINDS)
        head = hd.make(kind, rng, night=night)
        z = rng.uniform(3.5, height - 1.0)
        az = rng.uniform(0, 2 * math.pi)
        d = Vector((math.cos(az), math.sin(az), 0))
        arm = rng.uniform(0.12, 0.35)
        objs.append(bu.cylinder("clamp", rb * 0.85, 0.06, mt.metal(rng), location=(0, 0, z)))
        objs.append(bu.cylinder("lamp_cam_arm", 0.018, arm, pmat, location=tuple(d * (rb * 0.8 + arm / 2) +
                                                                                 Vector((0, 0, z))),
                                rotation=(0, math.pi / 2, az)))
        yaw = az - math.pi / 2 + (rng.uniform(-0.5, 0.5) if head.class_name == "fixed" else rng.uniform(-3, 3))
        hd.pose(head, tuple(d * (rb * 0.8 + arm) + Vector((0, 0, z - 0.02))), yaw, _tilt(head, rng))
        objs.extend(head.bracket)
        asm.parts.append(_head_part(head))
        asm.params["heads"].append(head.params | {"kind": kind})
    asm.parts.append(bu.Part(objs, "pole" if with_camera else None))
    return asm
