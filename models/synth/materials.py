"""Procedural Cycles materials: housing paint with dirt and rust, dome glass, lens black, IR LEDs, metal.

Every material is drawn from a ``random.Random`` so an asset's look is fixed by its seed.
"""

from __future__ import annotations

import random

import bpy

PAINTS = {
    "white": (0.80, 0.80, 0.78),
    "offwhite": (0.70, 0.69, 0.64),
    "grey": (0.35, 0.36, 0.37),
    "lightgrey": (0.55, 0.56, 0.57),
    "black": (0.025, 0.025, 0.028),
    "darkgrey": (0.08, 0.085, 0.09),
    "green": (0.05, 0.12, 0.08),
}


def _principled(name: str):
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    bsdf = mat.node_tree.nodes["Principled BSDF"]
    return mat, bsdf


def _jitter(rgb, rng: random.Random, amount: float = 0.04):
    return tuple(min(1.0, max(0.0, c * (1 + rng.uniform(-amount, amount)) + rng.uniform(-0.01, 0.01))) for c in rgb)


def paint(rng: random.Random, colour: str, dirt: float = 0.0, rust: float = 0.0, name: str = "paint"):
    """Painted metal or plastic, with optional dirt streaks (0..1) and rust patches (0..1) from noise textures."""
    mat, bsdf = _principled(name)
    base = (*_jitter(PAINTS[colour], rng), 1.0)
    bsdf.inputs["Roughness"].default_value = rng.uniform(0.25, 0.65)
    bsdf.inputs["Metallic"].default_value = rng.uniform(0.0, 0.3)
    nt = mat.node_tree
    colour_out = None
    if dirt > 0 or rust > 0:
        coord = nt.nodes.new("ShaderNodeTexCoord")
        mapping = nt.nodes.new("ShaderNodeMapping")
        mapping.inputs["Location"].default_value = (rng.uniform(0, 100), rng.uniform(0, 100), rng.uniform(0, 100))
        nt.links.new(coord.outputs["Object"], mapping.inputs["Vector"])
        prev = None
        for amount, tint, scale in ((dirt, (0.12, 0.10, 0.07, 1), 6.0), (rust, (0.25, 0.09, 0.03, 1), 14.0)):
            if amount <= 0:
                continue
            noise = nt.nodes.new("ShaderNodeTexNoise")
            noise.inputs["Scale"].default_value = scale * rng.uniform(0.6, 1.6)
            noise.inputs["Detail"].default_value = 6.0
            nt.links.new(mapping.outputs["Vector"], noise.inputs["Vector"])
            ramp = nt.nodes.new("ShaderNodeValToRGB")
            ramp.color_ramp.elements[0].position = 0.62 - 0.3 * amount
            ramp.color_ramp.elements[1].position = 0.70 - 0.25 * amount
            nt.links.new(noise.outputs["Fac"], ramp.inputs["Fac"])
            mix = nt.nodes.new("ShaderNodeMix")
            mix.data_type = "RGBA"
            nt.links.new(ramp.outputs["Color"], mix.inputs[0])
            if prev is None:
                mix.inputs[6].default_value = base
            else:
                nt.links.new(prev, mix.inputs[6])
            mix.inputs[7].default_value = tint
            prev = mix.outputs[2]
        colour_out = prev
    if colour_out is not None:
        nt.links.new(colour_out, bsdf.inputs["Base Color"])
    else:
        bsdf.inputs["Base Color"].default_value = base
    return mat


def dome_glass(rng: random.Random, smoked: bool, name: str = "dome"):
    """The bubble of a dome camera: smoked (dark, glossy) or clear (lets the black lens block show)."""
    mat, bsdf = _principled(name)
    if smoked:
        v = rng.uniform(0.01, 0.05)
        bsdf.inputs["Base Color"].default_value = (v, v, v * 1.1, 1)
        bsdf.inputs["Roughness"].default_value = rng.uniform(0.02, 0.12)
        bsdf.inputs["Coat Weight"].default_value = 1.0
    else:
        bsdf.inputs["Base Color"].default_value = (0.9, 0.9, 0.9, 1)
        bsdf.inputs["Transmission Weight"].default_value = 1.0
        bsdf.inputs["Roughness"].default_value = rng.uniform(0.0, 0.08)
        bsdf.inputs["IOR"].default_value = 1.45
    return mat


def lens(rng: random.Random, name: str = "lens"):
    """Black glossy glass of a lens or front window."""
    mat, bsdf = _principled(name)
    v = rng.uniform(0.005, 0.02)
    bsdf.inputs["Base Color"].default_value = (v, v, v, 1)
    bsdf.inputs["Roughness"].default_value = rng.uniform(0.02, 0.1)
    bsdf.inputs["Coat Weight"].default_value = 1.0
    return mat


def ir_leds(rng: random.Random, glow: float = 0.0, name: str = "ir"):
    """The IR illuminator ring: dark red-purple glass, glowing faintly red at night (``glow`` > 0)."""
    mat, bsdf = _principled(name)
    bsdf.inputs["Base Color"].default_value = (0.08, 0.02, 0.03, 1)
    bsdf.inputs["Roughness"].default_value = 0.15
    if glow > 0:
        bsdf.inputs["Emission Color"].default_value = (1.0, 0.05, 0.02, 1)
        bsdf.inputs["Emission Strength"].default_value = glow
    return mat


def metal(rng: random.Random, name: str = "metal", dark: bool = False):
    """Galvanised steel or aluminium (brackets, clamps, masts)."""
    mat, bsdf = _principled(name)
    v = rng.uniform(0.15, 0.3) if dark else rng.uniform(0.45, 0.7)
    bsdf.inputs["Base Color"].default_value = (v, v, v * 1.02, 1)
    bsdf.inputs["Metallic"].default_value = rng.uniform(0.6, 1.0)
    bsdf.inputs["Roughness"].default_value = rng.uniform(0.3, 0.6)
    return mat


def flat(rgb, name: str = "flat", roughness: float = 0.5, emission: float = 0.0):
    """A plain coloured material (cables, sign faces, lamp glass); ``emission`` > 0 makes it glow in its colour."""
    mat, bsdf = _principled(name)
    bsdf.inputs["Base Color"].default_value = (*rgb, 1)
    bsdf.inputs["Roughness"].default_value = roughness
    if emission > 0:
        bsdf.inputs["Emission Color"].default_value = (*rgb, 1)
        bsdf.inputs["Emission Strength"].default_value = emission
    return mat


def housing_paint(rng: random.Random, colours=("white", "white", "offwhite", "lightgrey", "grey", "black",
                                                "darkgrey"), name="housing"):
    """A random camera housing paint: mostly white, some grey or black; light dirt, rarely rust."""
    colour = rng.choice(colours)
    dirt = rng.choice([0.0, 0.0, rng.uniform(0.1, 0.6)])
    rust = rng.uniform(0.1, 0.4) if rng.random() < 0.1 else 0.0
    return paint(rng, colour, dirt=dirt, rust=rust, name=name), colour
