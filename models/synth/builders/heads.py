"""Parametric camera heads: domes, fixed cameras (bullet, box housing, ALPR) and PTZ cameras.

Each builder makes one camera at the origin, looking along +Y, with its attachment point (where an arm, a ceiling or
a bracket holds it) at the origin, and returns a ``Head``: the objects that form the labelled camera (the detector's
box excludes arms and poles), unlabelled bracket objects, and the drawn parameters.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import bpyutil as bu
from .. import materials as mt


@dataclass
class Head:
    class_name: str  # "dome" | "fixed" | "ptz"
    style: str
    objects: list = field(default_factory=list)  # the labelled camera
    bracket: list = field(default_factory=list)  # unlabelled: joints, short brackets
    params: dict = field(default_factory=dict)
    hangs: bool = True  # True: attaches at its top (pendant); False: attaches at its back (bullet on a bracket)


def dome(rng: random.Random, style: str | None = None, night: bool = False) -> Head:
    """A dome camera: ``ceiling`` (flat base, bubble below) or ``pendant`` (cylinder housing hanging from a cap)."""
    style = style or rng.choice(["ceiling", "pendant", "pendant"])
    r = rng.uniform(0.055, 0.11)
    smoked = rng.random() < 0.6
    housing, colour = mt.housing_paint(rng)
    glass = mt.dome_glass(rng, smoked)
    black = mt.lens(rng)
    objs = []
    if style == "ceiling":
        hb = rng.uniform(0.025, 0.05)
        objs.append(bu.cylinder("dome_base", r, hb, housing, location=(0, 0, -hb / 2),
                                radius2=r * rng.uniform(0.85, 1)))
        top = -hb
    else:
        cap_h = rng.uniform(0.02, 0.05)
        hh = rng.uniform(0.05, 0.16)
        objs.append(bu.cylinder("dome_cap", r * rng.uniform(0.3, 0.5), cap_h, housing, location=(0, 0, -cap_h / 2)))
        objs.append(bu.cylinder("dome_housing", r * rng.uniform(0.75, 0.95), hh, housing,
                                location=(0, 0, -cap_h - hh / 2), radius2=r * rng.uniform(0.6, 0.8)))
        objs[-1].rotation_euler = (math.pi, 0, 0)  # wider at the bottom, where the bubble sits
        top = -cap_h - hh
    br = r * rng.uniform(0.78, 0.92)
    objs.append(bu.cylinder("dome_ring", br * 1.06, 0.012, housing, location=(0, 0, top - 0.006)))
    bubble = bu.sphere("dome_bubble", br, glass, location=(0, 0, top - 0.012))
    bubble.scale = (1, 1, rng.uniform(0.75, 1.0))
    objs.append(bubble)
    if not smoked:
        lens_ball = bu.sphere("dome_lens", br * 0.4, black, location=(0, br * 0.25, top - 0.012 - br * 0.45))
        objs.append(lens_ball)
    return Head("dome", style, objs, [], {"style": style, "radius": r, "smoked": smoked, "colour": colour})


def bullet(rng: random.Random, night: bool = False) -> Head:
    """A bullet camera: cylinder body, sun shield, black front with lens and IR LED ring, on a ball-joint bracket."""
    r = rng.uniform(0.03, 0.055)
    length = rng.uniform(0.14, 0.32)
    housing, colour = mt.housing_paint(rng, ("white", "white", "offwhite", "grey", "black", "darkgrey"))
    black = mt.lens(rng)
    ir = mt.ir_leds(rng, glow=rng.uniform(1, 4) if night else 0.0)
    z = -r - 0.03
    objs = [bu.cylinder("bullet_body", r, length, housing, location=(0, 0.02 + length / 2, z),
                        rotation=(-math.pi / 2, 0, 0), radius2=r * rng.uniform(0.92, 1.05))]
    front = 0.02 + length
    objs.append(bu.cylinder("bullet_front", r * 0.9, 0.006, black, location=(0, front + 0.002, z),
                            rotation=(-math.pi / 2, 0, 0)))
    objs.append(bu.torus("bullet_ir", r * 0.6, r * 0.09, ir, location=(0, front + 0.004, z),
                         rotation=(-math.pi / 2, 0, 0)))
    objs.append(bu.cylinder("bullet_lens", r * 0.3, 0.012, black, location=(0, front + 0.004, z),
                            rotation=(-math.pi / 2, 0, 0)))
    if rng.random() < 0.85:
        shield_len = length * rng.uniform(1.0, 1.25)
        objs.append(bu.box("bullet_shield", (r * 2.5, shield_len, 0.005), housing,
                           location=(0, 0.02 + shield_len / 2 + length * 0.05, z + r + 0.012), bevel=0.002))
    joint = bu.sphere("bullet_joint", 0.018, mt.metal(rng), location=(0, 0.03, -0.018))
    stem = bu.cylinder("bullet_stem", 0.012, 0.03, housing, location=(0, 0.03, -0.01))
    return Head("fixed", "bullet", objs, [joint, stem], {"style": "bullet", "radius": r, "length": length,
                                                         "colour": colour}, hangs=True)


def box_housing(rng: random.Random, night: bool = False) -> Head:
    """A box camera in an outdoor housing: bevelled box, sloping sun shield, recessed black front window."""
    w = rng.uniform(0.08, 0.14)
    h = rng.uniform(0.07, 0.12)
    length = rng.uniform(0.26, 0.45)
    housing, colour = mt.housing_paint(rng)
    black = mt.lens(rng)
    z = -h / 2 - 0.04
    objs = [bu.box("box_body", (w, length, h), housing, location=(0, length / 2, z), bevel=0.01)]
    objs.append(bu.box("box_window", (w * 0.8, 0.006, h * 0.75), black, location=(0, length + 0.001, z)))
    shield_len = length * rng.uniform(1.05, 1.25)
    objs.append(bu.box("box_shield", (w * 1.3, shield_len, 0.006), housing,
                       location=(0, shield_len / 2, z + h / 2 + 0.012), rotation=(rng.uniform(-0.05, 0.05), 0, 0)))
    bracket = [bu.box("box_bracket", (0.03, 0.05, 0.04), mt.metal(rng), location=(0, length * 0.35, -0.02))]
    return Head("fixed", "box", objs, bracket, {"style": "box", "size": [w, length, h], "colour": colour})


def alpr(rng: random.Random, night: bool = False) -> Head:
    """An ALPR (licence-plate reader) unit: a deep box with a lens and a panel of IR illuminators on its face."""
    w = rng.uniform(0.12, 0.24)
    h = rng.uniform(0.07, 0.13)
    length = rng.uniform(0.18, 0.4)
    housing, colour = mt.housing_paint(rng, ("black", "darkgrey", "black", "white", "grey"))
    black = mt.lens(rng)
    ir = mt.ir_leds(rng, glow=rng.uniform(2, 6) if night else 0.0)
    z = -h / 2 - 0.03
    objs = [bu.box("alpr_body", (w, length, h), housing, location=(0, length / 2, z), bevel=0.008)]
    objs.append(bu.cylinder("alpr_lens", h * 0.3, 0.01, black, location=(-w * 0.22, length + 0.003, z),
                            rotation=(-math.pi / 2, 0, 0)))
    objs.append(bu.box("alpr_ir", (w * 0.4, 0.006, h * 0.6), ir, location=(w * 0.2, length + 0.002, z)))
    if rng.random() < 0.5:
        objs.append(bu.box("alpr_hood", (w * 1.1, length * 0.4, 0.005), housing,
                           location=(0, length * 1.1, z + h / 2 + 0.005)))
    bracket = [bu.box("alpr_bracket", (0.04, 0.06, 0.03), mt.metal(rng), location=(0, length * 0.4, -0.015))]
    return Head("fixed", "alpr", objs, bracket, {"style": "alpr", "size": [w, length, h], "colour": colour})


def ptz_pendant(rng: random.Random, night: bool = False) -> Head:
    """A large PTZ pendant dome: wide housing with a sun-shield top and a big smoked bubble."""
    r = rng.uniform(0.09, 0.15)
    housing, colour = mt.housing_paint(rng, ("white", "white", "offwhite", "lightgrey", "black"))
    glass = mt.dome_glass(rng, smoked=rng.random() < 0.85)
    cap_h = rng.uniform(0.03, 0.06)
    hh = rng.uniform(0.1, 0.22)
    objs = [bu.cylinder("ptz_cap", r * 0.35, cap_h, housing, location=(0, 0, -cap_h / 2))]
    objs.append(bu.cylinder("ptz_top", r * 1.05, 0.04, housing, location=(0, 0, -cap_h - 0.02), radius2=r * 0.5))
    objs[-1].rotation_euler = (math.pi, 0, 0)
    objs.append(bu.cylinder("ptz_housing", r, hh, housing, location=(0, 0, -cap_h - 0.04 - hh / 2),
                            radius2=r * rng.uniform(0.9, 1.0)))
    bottom = -cap_h - 0.04 - hh
    bubble = bu.sphere("ptz_bubble", r * 0.9, glass, location=(0, 0, bottom))
    bubble.scale = (1, 1, rng.uniform(0.85, 1.1))
    objs.append(bubble)
    return Head("ptz", "pendant", objs, [], {"style": "pendant", "radius": r, "housing_h": hh, "colour": colour})


def ptz_sphere(rng: random.Random, night: bool = False) -> Head:
    """A spherical PTZ housing on a yoke bracket, with a black window facing +Y."""
    r = rng.uniform(0.08, 0.14)
    housing, colour = mt.housing_paint(rng, ("white", "white", "lightgrey", "grey", "black"))
    black = mt.lens(rng)
    neck = rng.uniform(0.04, 0.1)
    objs = [bu.sphere("ptzs_ball", r, housing, location=(0, 0, -neck - r))]
    objs.append(bu.cylinder("ptzs_window", r * rng.uniform(0.4, 0.6), 0.02, black,
                            location=(0, r * 0.93, -neck - r), rotation=(-math.pi / 2, 0, 0)))
    objs.append(bu.cylinder("ptzs_neck", r * 0.35, neck, housing, location=(0, 0, -neck / 2)))
    if rng.random() < 0.5:
        objs.append(bu.box("ptzs_yoke_l", (0.02, r * 0.5, r * 1.2), housing, location=(r * 1.05, 0, -neck - r * 0.7)))
        objs.append(bu.box("ptzs_yoke_r", (0.02, r * 0.5, r * 1.2), housing, location=(-r * 1.05, 0, -neck - r * 0.7)))
        objs.append(bu.box("ptzs_yoke_top", (r * 2.2, r * 0.5, 0.02), housing, location=(0, 0, -neck)))
    return Head("ptz", "sphere", objs, [], {"style": "sphere", "radius": r, "colour": colour})


HEADS: dict[str, Callable[..., Head]] = {
    "dome": dome,
    "bullet": bullet,
    "box": box_housing,
    "alpr": alpr,
    "ptz_pendant": ptz_pendant,
    "ptz_sphere": ptz_sphere,
}
CLASS_OF = {"dome": "dome", "bullet": "fixed", "box": "fixed", "alpr": "fixed", "ptz_pendant": "ptz",
            "ptz_sphere": "ptz"}


def make(kind: str, rng: random.Random, night: bool = False, **kw) -> Head:
    """Build head ``kind`` (one of ``HEADS``)."""
    return HEADS[kind](rng, night=night, **kw)


def pose(head: Head, location, yaw: float, tilt: float) -> object:
    """Parent the head to a pivot at ``location``, turned ``yaw`` radians about Z and pitched down ``tilt``."""
    pivot = bu.empty(f"{head.style}_pivot")
    bu.parent_all(head.objects + head.bracket, pivot)
    pivot.location = location
    pivot.rotation_euler = (-tilt if not head.class_name == "dome" else 0.0, 0.0, yaw)
    return pivot
