"""The street of a simulated walk (Blender side): a T-junction with façades, pavements, cars, trees, street
furniture, and cameras on walls, masts and lamp posts at known places.

Street A runs north (road x in [-3.5, 3.5], pavements to x = +-6); street B runs east from y = 50 to 57 (pavements
from 47.5 to 59.5). The walker goes north on A's east pavement, crosses to the west pavement, and turns right into
B's north pavement at the T-junction.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

import bmesh
import bpy
from mathutils import Matrix, Vector

from . import bpyutil as bu
from . import materials as mt
from .builders import mounts, negatives

PAVE_X = 6.0  # façade line of street A (x = +-6)
B_SOUTH, B_NORTH = 47.5, 59.5  # façade lines of street B
CROSS_FROM, CROSS_TO = (4.4, 30.0), (-4.4, 37.0)  # the walker crosses street A here
CORNER = (-4.4, 58.2)  # then turns right into street B's north pavement


@dataclass
class WalkCamera:
    """A camera placed in the street, with the objects that make it and what the truth file says about it."""

    id: str
    class_name: str
    mount: str
    style: str
    head_objects: list
    pivot: Any  # a Blender object
    pass_index: int
    pole_objects: list = field(default_factory=list)
    pole_pass_index: int | None = None


def boxes_object(name: str, boxes, mat) -> object:
    """One mesh object made of many boxes: (centre xyz, size xyz, yaw radians)."""
    bm = bmesh.new()
    for centre, size, yaw in boxes:
        m = Matrix.Translation(Vector(centre)) @ Matrix.Rotation(yaw, 4, "Z") @ Matrix.Diagonal((*size, 1.0))
        bmesh.ops.create_cube(bm, size=1.0, matrix=m)
    mesh = bpy.data.meshes.new(name)
    bm.to_mesh(mesh)
    bm.free()
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    mesh.materials.append(mat)
    return obj


FACADE_COLOURS = [(0.75, 0.62, 0.45), (0.82, 0.74, 0.6), (0.66, 0.5, 0.38), (0.85, 0.8, 0.72), (0.7, 0.45, 0.32),
                  (0.6, 0.6, 0.58), (0.88, 0.78, 0.55)]


def facade_block(rng: random.Random, origin, u, n, length: float, height: float, depth: float = 10.0) -> None:
    """A building: a box behind the façade line from ``origin`` along ``u`` (street side normal ``n``), with
    windows, shutters and a shop front or doors."""
    origin, u, n = Vector((*origin, 0)), Vector((*u, 0)), Vector((*n, 0))
    yaw = math.atan2(u.y, u.x)
    centre = origin + u * length / 2 - n * depth / 2 + Vector((0, 0, height / 2))
    wall = mt.paint(rng, "white", name="facade")
    wall.node_tree.nodes["Principled BSDF"].inputs["Roughness"].default_value = 0.9
    colour = rng.choice(FACADE_COLOURS)
    _set_base(wall, colour)
    boxes_object("building", [(tuple(centre), (length, depth, height), yaw)], wall)
    glass, frames = [], []
    cols = max(1, int(length / rng.uniform(2.6, 3.4)))
    floor_h = rng.uniform(2.9, 3.3)
    for f in range(1, int((height - 1.0) / floor_h)):
        for c in range(cols):
            p = origin + u * (length * (c + 0.5) / cols) + n * 0.02 + Vector((0, 0, 0.6 + f * floor_h + 0.9))
            glass.append((tuple(p), (1.0, 0.08, 1.6), yaw))
            if rng.random() < 0.5:
                for side in (-0.75, 0.75):
                    frames.append((tuple(p + u * side + n * 0.02), (0.45, 0.04, 1.6), yaw))
    for c in range(cols):
        p = origin + u * (length * (c + 0.5) / cols) + n * 0.03
        if rng.random() < 0.6:
            glass.append((tuple(p + Vector((0, 0, 1.5))), (length / cols * 0.8, 0.08, 2.4), yaw))
        else:
            glass.append((tuple(p + Vector((0, 0, 1.1))), (1.1, 0.08, 2.2), yaw))
    boxes_object("windows", glass, mt.lens(rng, "window"))
    if frames:
        boxes_object("shutters", frames, mt.flat(rng.choice([(0.2, 0.35, 0.3), (0.5, 0.45, 0.4), (0.15, 0.25, 0.45)]),
                                                 "shutter", 0.7))


def _set_base(mat, colour) -> None:
    for node in mat.node_tree.nodes:
        if node.type == "MIX":
            node.inputs[6].default_value = (*colour, 1)
            return
    mat.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = (*colour, 1)


def _row(rng: random.Random, start: float, end: float, build) -> None:
    pos = start
    while pos < end - 1:
        length = min(end - pos, rng.uniform(7, 13))
        build(pos, length, rng.uniform(11, 21))
        pos += length


def build_street(rng: random.Random) -> None:
    """Ground, pavements, façades, cars, trees, lamps and signs of the T-junction."""
    asphalt = mt.flat((0.06, 0.06, 0.065), "asphalt", 0.9)
    paving = mt.flat((0.42, 0.4, 0.37), "paving", 0.85)
    boxes_object("road", [((30, 30, -0.05), (200, 200, 0.1), 0.0)], asphalt)
    boxes_object("pavements", [((PAVE_X - 1.25, 20, 0.07), (2.5, 80, 0.14), 0.0),
                               ((-PAVE_X + 1.25, 25, 0.07), (2.5, 90, 0.14), 0.0),
                               ((40, B_SOUTH + 1.25, 0.065), (80, 2.5, 0.13), 0.0),
                               ((30, B_NORTH - 1.25, 0.065), (75, 2.5, 0.13), 0.0)], paving)
    marks: list[tuple[tuple[float, float, float], tuple[float, float, float], float]]
    marks = [((0, y, 0.003), (0.15, 3, 0.01), 0.0) for y in range(-10, 46, 6)]
    marks += [((x, 53.5, 0.003), (3, 0.15, 0.01), 0.0) for x in range(8, 80, 6)]
    boxes_object("markings", marks, mt.flat((0.8, 0.8, 0.78), "paint", 0.6))
    _row(rng, -20, B_NORTH + 10, lambda y, n, h: facade_block(rng, (-PAVE_X, y), (0, 1), (1, 0), n, h))
    _row(rng, -20, B_SOUTH, lambda y, n, h: facade_block(rng, (PAVE_X, y + n), (0, -1), (-1, 0), n, h))
    _row(rng, PAVE_X + 10, 90, lambda x, n, h: facade_block(rng, (x, B_SOUTH), (1, 0), (0, 1), n, h))
    _row(rng, -PAVE_X, 90, lambda x, n, h: facade_block(rng, (x + n, B_NORTH), (-1, 0), (0, -1), n, h))
    for x, y, yaw in [(-2.6, 8, 0), (-2.6, 14, 0), (-2.6, 27, 0), (2.6, 2, 0), (2.6, 24, 0),
                      (20, 51.2, math.pi / 2), (34, 51.2, math.pi / 2), (14, 55.8, math.pi / 2)]:
        car(rng, x, y, yaw)
    for y in (5, 17, 29):
        tree(rng, -4.3, y)
    for x, y, yaw in [(-3.7, 10, -math.pi / 2), (3.8, 18, math.pi / 2), (-3.7, 24, -math.pi / 2),
                      (12, B_SOUTH + 2.3, 0.0), (30, B_NORTH - 2.3, math.pi)]:
        place(negatives.street_lamp(rng).all_objects(), x, y, yaw)
    place(negatives.traffic_light(rng).all_objects(), 3.8, 46.5, math.pi / 2)
    place(negatives.sign(rng).all_objects(), 3.9, 22, math.pi)
    place(negatives.sign(rng).all_objects(), 9, 50.0 - 2.2, math.pi)


def extend_south(to_y: float) -> None:
    """More street south of y = -20 for long walks (its own random stream: the rest of the scene is unchanged)."""
    rng = random.Random(int(-to_y))
    start = to_y - 20
    mats = (mt.flat((0.42, 0.4, 0.37), "paving", 0.85),)
    boxes_object("pavements_south", [((PAVE_X - 1.25, (start - 20) / 2, 0.07), (2.5, -20 - start, 0.14), 0.0),
                                     ((-PAVE_X + 1.25, (start - 20) / 2, 0.07), (2.5, -20 - start, 0.14), 0.0)],
                 mats[0])
    boxes_object("road_south", [((0, (start - 20) / 2, -0.05), (40, -20 - start, 0.1), 0.0)],
                 mt.flat((0.06, 0.06, 0.065), "asphalt", 0.9))
    _row(rng, start, -20, lambda y, n, h: facade_block(rng, (-PAVE_X, y), (0, 1), (1, 0), n, h))
    _row(rng, start, -20, lambda y, n, h: facade_block(rng, (PAVE_X, y + n), (0, -1), (-1, 0), n, h))
    for y in range(int(start) + 10, -20, 18):
        place(negatives.street_lamp(rng).all_objects(), 3.8 if (y // 18) % 2 else -3.7, y,
              math.pi / 2 if (y // 18) % 2 else -math.pi / 2)


def car(rng: random.Random, x: float, y: float, yaw: float) -> None:
    paint = mt.paint(rng, rng.choice(["white", "grey", "black", "darkgrey", "lightgrey"]), name="car")
    if rng.random() < 0.3:
        _set_base(paint, rng.choice([(0.5, 0.05, 0.04), (0.05, 0.12, 0.4), (0.6, 0.5, 0.1)]))
    length, width = rng.uniform(3.8, 4.6), rng.uniform(1.7, 1.85)
    u = Vector((math.sin(yaw), math.cos(yaw), 0)) if yaw else Vector((0, 1, 0))
    boxes_object("car", [((x, y, 0.6), (width, length, 0.75), -yaw)], paint)
    boxes_object("car_glass", [((x - u.x * 0.2, y - u.y * 0.2, 1.2), (width * 0.9, length * 0.55, 0.55), -yaw)],
                 mt.lens(rng, "car_glass"))


def tree(rng: random.Random, x: float, y: float) -> None:
    h = rng.uniform(3.5, 5.5)
    bu.cylinder("trunk", 0.12, h, mt.flat((0.18, 0.13, 0.08), "bark", 0.9), location=(x, y, h / 2))
    crown = bu.sphere("crown", rng.uniform(1.5, 2.2), mt.flat((0.08, 0.2, 0.05), "leaves", 0.9),
                      location=(x, y, h + 0.8), segments=12)
    crown.scale = (1, 1, rng.uniform(0.8, 1.1))


def place(objects, x: float, y: float, yaw: float) -> None:
    """Move an assembly built at the origin (street side +Y) to x, y with its +Y turned to ``yaw`` (radians,
    counter-clockwise from +Y)."""
    bu.transform(objects, Matrix.Translation((x, y, 0)) @ Matrix.Rotation(yaw, 4, "Z"))


# id, builder, kwargs, x, y, yaw (+Y of the mount turned by yaw: walls face the street)
PLACEMENTS: list[tuple[str, str, dict[str, Any], float, float, float]] = [
    ("cam-01", "wall", {"kind": "dome", "height": 3.6}, PAVE_X, 34.0, math.pi / 2),
    ("cam-02", "mast", {"kinds": ["bullet", "dome"], "height": 5.5}, -3.8, 47.0, 0.0),
    ("cam-03", "wall", {"kind": "bullet", "height": 4.0}, -PAVE_X, 43.0, -math.pi / 2),
    ("cam-04", "lamp", {"kind": "box", "height": 7.0}, 3.75, 36.0, math.pi / 2),
    ("cam-05", "wall", {"kind": "dome", "height": 3.3}, -PAVE_X, 54.0, -math.pi / 2),
    ("cam-06", "wall", {"kind": "ptz_pendant", "height": 4.5}, -1.0, B_NORTH, math.pi),
    ("cam-07", "wall", {"kind": "dome", "height": 4.0}, 4.0, B_NORTH, math.pi),
    ("cam-08", "mast", {"kinds": ["ptz_sphere"], "height": 4.8}, 9.0, B_NORTH - 2.3, 0.0),
    ("cam-09", "wall", {"kind": "box", "height": 3.8}, PAVE_X, 40.0, math.pi / 2),
]


def place_cameras(rng: random.Random) -> list[WalkCamera]:
    """Build and place the cameras of ``PLACEMENTS``; each camera head (and its pole) gets its own pass index."""
    cams: list[WalkCamera] = []
    next_pole_index = 101
    for cid, builder, kwargs, x, y, yaw in PLACEMENTS:
        if builder == "wall":
            asm = mounts.wall(rng, **kwargs)
        elif builder == "mast":
            asm = mounts.mast(rng, **kwargs)
        else:
            asm = mounts.lamp_post(rng, with_camera=True, **kwargs)
        place(asm.all_objects(), x, y, yaw)
        pole = [p for p in asm.parts if p.class_name == "pole"]
        pole_index = None
        if pole:
            pole_index = next_pole_index
            next_pole_index += 1
            for obj in pole[0].objects:
                obj.pass_index = pole_index
        heads = [p for p in asm.parts if p.class_name in ("dome", "fixed", "ptz")]
        for j, (part, hp) in enumerate(zip(heads, asm.params["heads"], strict=False)):
            index = len(cams) + 1
            for obj in part.objects:
                obj.pass_index = index
            sub = cid if len(heads) == 1 else f"{cid}{'abcd'[j]}"
            assert part.class_name is not None  # a head part
            cams.append(WalkCamera(sub, part.class_name, asm.params["mount"], hp.get("style", hp["kind"]),
                                   part.objects, part.objects[0].parent, index, pole[0].objects if pole else [],
                                   pole_index))
    return cams


def head_centre(cam: WalkCamera) -> Vector:
    verts = bu.world_vertices(cam.head_objects)
    return sum(verts, Vector()) / len(verts)


def facing_deg(cam: WalkCamera) -> float:
    """Bearing of the camera's optical axis (degrees clockwise from north) from its pivot's +Y."""
    m = cam.pivot.matrix_world
    d = m.to_3x3() @ Vector((0, 1, 0))
    return math.degrees(math.atan2(d.x, d.y)) % 360


def walker_camera(hfov_deg: float, pitch_deg: float) -> object:
    data = bpy.data.cameras.new("walker")
    data.sensor_fit = "HORIZONTAL"
    data.sensor_width = 36.0
    data.lens = 18.0 / math.tan(math.radians(hfov_deg) / 2)
    data.clip_start = 0.1
    data.clip_end = 400
    obj = bpy.data.objects.new("walker", data)
    bpy.context.scene.collection.objects.link(obj)
    bpy.context.scene.camera = obj
    obj["pitch_deg"] = pitch_deg
    return obj


def set_pose(cam_obj, x: float, y: float, z: float, heading_deg: float) -> None:
    cam_obj.location = (x, y, z)
    cam_obj.rotation_euler = (math.radians(90 + cam_obj["pitch_deg"]), 0.0, -math.radians(heading_deg))


def sky_and_sun(rng: random.Random) -> None:
    world = bpy.data.worlds.new("sky")
    bpy.context.scene.world = world
    world.use_nodes = True
    bg = world.node_tree.nodes["Background"]
    bg.inputs["Color"].default_value = (0.45, 0.62, 0.95, 1)
    bg.inputs["Strength"].default_value = 1.6
    sun = bpy.data.lights.new("sun", "SUN")
    sun.energy = 4.0
    sun.angle = math.radians(1.0)
    obj = bpy.data.objects.new("sun", sun)
    bpy.context.scene.collection.objects.link(obj)
    obj.rotation_euler = (math.radians(50), 0, math.radians(rng.uniform(120, 220)))
