"""Parametric Blender builders for cameras, their mounts and hard negatives.

``ASSETS`` lists what one cut-out can show, with the weight that keeps the classes balanced; ``build`` makes one in
the current (empty) Blender scene. Blender is imported only when ``build`` runs.
"""

from __future__ import annotations

import random

# name -> (weight, night-capable builder path "module:function", keyword arguments)
ASSETS: dict[str, tuple[float, str, dict]] = {
    "dome_ceiling": (0.10, "mounts:ceiling", {"kind": "dome"}),
    "dome_wall": (0.13, "mounts:wall", {"kind": "dome"}),
    "bullet_wall": (0.08, "mounts:wall", {"kind": "bullet"}),
    "box_wall": (0.06, "mounts:wall", {"kind": "box"}),
    "alpr_wall": (0.04, "mounts:wall", {"kind": "alpr"}),
    "ptz_pendant_wall": (0.08, "mounts:wall", {"kind": "ptz_pendant"}),
    "ptz_sphere_wall": (0.05, "mounts:wall", {"kind": "ptz_sphere"}),
    "ptz_ceiling": (0.02, "mounts:ceiling", {"kind": "ptz_pendant"}),
    "mast": (0.18, "mounts:mast", {}),
    "lamp_post_camera": (0.08, "mounts:lamp_post", {}),
    "neg_street_lamp": (0.03, "negatives:street_lamp", {}),
    "neg_traffic_light": (0.02, "negatives:traffic_light", {}),
    "neg_sign": (0.02, "negatives:sign", {}),
    "neg_smoke_detector": (0.04, "negatives:smoke_detector", {}),
    "neg_loudspeaker": (0.03, "negatives:loudspeaker", {}),
    "neg_wall_lamp": (0.02, "negatives:wall_lamp", {}),
    "neg_sensor_box": (0.02, "negatives:sensor_box", {}),
}


def pick(rng: random.Random) -> str:
    """Draw an asset name with the weights of ``ASSETS``."""
    names = list(ASSETS)
    return rng.choices(names, weights=[ASSETS[n][0] for n in names])[0]


def build(name: str, rng: random.Random, night: bool = False):
    """Build asset ``name`` into the current scene; returns a ``bpyutil.Assembly``."""
    import importlib

    _, target, kwargs = ASSETS[name]
    module_name, func = target.split(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    asm = getattr(module, func)(rng, night=night, **kwargs)
    asm.params["asset"] = name
    return asm
