"""Small helpers over Blender's Python API: empty scene, mesh primitives built with bmesh, curves, look-at.

Only imported inside Blender-side code (builders, renderer, walk scene): importing it imports ``bpy``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import bmesh
import bpy
from mathutils import Matrix, Vector

log = logging.getLogger(__name__)


@dataclass
class Part:
    """Objects that together form one labelled instance (``class_name`` None: visible but never labelled)."""

    objects: list = field(default_factory=list)
    class_name: str | None = None


@dataclass
class Assembly:
    """What one builder made: labelled parts plus unlabelled ones (mounts, cables), and the parameters it drew."""

    parts: list[Part] = field(default_factory=list)
    params: dict = field(default_factory=dict)

    def all_objects(self) -> list:
        return [o for p in self.parts for o in p.objects]

    def extend(self, other: Assembly, key: str | None = None) -> None:
        self.parts.extend(other.parts)
        if key:
            self.params[key] = other.params


def reset_scene() -> None:
    """Start from an empty factory scene (no default cube, camera or light)."""
    bpy.ops.wm.read_factory_settings(use_empty=True)


def _link(name: str, mesh, mat=None, location=(0, 0, 0), rotation=(0, 0, 0)):
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.location = location
    obj.rotation_euler = rotation
    if mat is not None:
        mesh.materials.append(mat)
    for poly in mesh.polygons:
        poly.use_smooth = True
    return obj


def _finish(bm: bmesh.types.BMesh, name: str):
    mesh = bpy.data.meshes.new(name)
    bm.to_mesh(mesh)
    bm.free()
    return mesh


def cylinder(name, radius, depth, mat=None, location=(0, 0, 0), rotation=(0, 0, 0), segments=24, radius2=None):
    """A (possibly tapered) cylinder along local Z, centred on its origin."""
    bm = bmesh.new()
    bmesh.ops.create_cone(bm, cap_ends=True, cap_tris=False, segments=segments, radius1=radius,
                          radius2=radius if radius2 is None else radius2, depth=depth)
    return _link(name, _finish(bm, name), mat, location, rotation)


def box(name, size, mat=None, location=(0, 0, 0), rotation=(0, 0, 0), bevel=0.0):
    """An axis-aligned box of ``size`` (x, y, z) metres, centred on its origin, optionally bevelled."""
    bm = bmesh.new()
    bmesh.ops.create_cube(bm, size=1.0)
    bmesh.ops.scale(bm, vec=Vector(size), verts=bm.verts)
    if bevel > 0:
        bmesh.ops.bevel(bm, geom=bm.edges[:] + bm.verts[:], offset=min(bevel, min(size) * 0.45), segments=2,
                        affect="EDGES")
    return _link(name, _finish(bm, name), mat, location, rotation)


def sphere(name, radius, mat=None, location=(0, 0, 0), rotation=(0, 0, 0), hemisphere=False, segments=24):
    """A UV sphere; ``hemisphere`` keeps the lower half (z <= 0), open at the top like a dome bubble."""
    bm = bmesh.new()
    bmesh.ops.create_uvsphere(bm, u_segments=segments, v_segments=segments // 2, radius=radius)
    if hemisphere:
        bmesh.ops.delete(bm, geom=[v for v in bm.verts if v.co.z > 1e-5], context="VERTS")
    return _link(name, _finish(bm, name), mat, location, rotation)


def torus(name, major, minor, mat=None, location=(0, 0, 0), rotation=(0, 0, 0), segments=24):
    """A ring in the local XY plane (IR LED rings, lens bezels)."""
    bm = bmesh.new()
    ring = 8
    verts = []
    for i in range(segments):
        a = 2 * math.pi * i / segments
        row = []
        for j in range(ring):
            b = 2 * math.pi * j / ring
            r = major + minor * math.cos(b)
            row.append(bm.verts.new((r * math.cos(a), r * math.sin(a), minor * math.sin(b))))
        verts.append(row)
    for i in range(segments):
        for j in range(ring):
            bm.faces.new((verts[i][j], verts[(i + 1) % segments][j], verts[(i + 1) % segments][(j + 1) % ring],
                          verts[i][(j + 1) % ring]))
    return _link(name, _finish(bm, name), mat, location, rotation)


def tube(name, points, radius, mat=None):
    """A bevelled poly curve through ``points`` (cables, bent arms); renders as a round tube in Cycles."""
    curve = bpy.data.curves.new(name, "CURVE")
    curve.dimensions = "3D"
    curve.bevel_depth = radius
    curve.bevel_resolution = 2
    spline = curve.splines.new("BEZIER")
    spline.bezier_points.add(len(points) - 1)
    for bp, p in zip(spline.bezier_points, points, strict=False):
        bp.co = p
        bp.handle_left_type = bp.handle_right_type = "AUTO"
    obj = bpy.data.objects.new(name, curve)
    bpy.context.scene.collection.objects.link(obj)
    if mat is not None:
        curve.materials.append(mat)
    return obj


def parent_all(objects, parent) -> None:
    """Parent ``objects`` to ``parent`` keeping their current world transforms."""
    bpy.context.view_layer.update()
    for obj in objects:
        world = obj.matrix_world.copy()
        obj.parent = parent
        obj.matrix_parent_inverse = parent.matrix_world.inverted()
        obj.matrix_world = world


def empty(name, location=(0, 0, 0), rotation=(0, 0, 0)):
    obj = bpy.data.objects.new(name, None)
    bpy.context.scene.collection.objects.link(obj)
    obj.location = location
    obj.rotation_euler = rotation
    return obj


def transform(objects, matrix: Matrix) -> None:
    """Apply ``matrix`` on the left of the world matrix of each object's root parent (moves a whole assembly)."""
    bpy.context.view_layer.update()
    roots = {}
    for obj in objects:
        while obj.parent is not None:
            obj = obj.parent
        roots[obj.name] = obj
    for obj in roots.values():
        obj.matrix_world = matrix @ obj.matrix_world


def world_vertices(objects) -> list[Vector]:
    """Every vertex of the evaluated meshes (curves included) in world coordinates."""
    bpy.context.view_layer.update()
    deps = bpy.context.evaluated_depsgraph_get()
    out: list[Vector] = []
    for obj in objects:
        ev = obj.evaluated_get(deps)
        try:
            mesh = ev.to_mesh()
        except RuntimeError:
            continue
        if mesh is None:
            continue
        mw = ev.matrix_world
        out.extend(mw @ v.co for v in mesh.vertices)
        ev.to_mesh_clear()
    return out


def look_at(obj, target: Vector) -> None:
    """Point a camera (or spot light) object's -Z axis at ``target``, keeping +Y up."""
    direction = Vector(target) - obj.location
    obj.rotation_euler = direction.to_track_quat("-Z", "Y").to_euler()
