"""Render one transparent cut-out of a procedural asset with exact per-instance boxes (Blender side).

The view is a walker's: from 2-40 m, looking up 5-70 degrees (poles: from eye height). The frame is fitted to the
projected geometry; boxes come from Cycles' object-index pass, so they are the visible pixels of each instance.
"""

from __future__ import annotations

import logging
import math
import os
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from .labels import UNLABELLED_ID, Box, CutoutLabel, Instance, cutout_paths, instance_boxes, mask_box

log = logging.getLogger(__name__)

MAX_FOV_DEG = 62.0  # wider framings are cut at the bottom (the top of a near mast stays in view)


def item_seed(seed: int, index: int) -> int:
    """The seed of cut-out ``index`` in a run seeded ``seed`` (independent of the number of workers)."""
    return (seed * 1_000_003 + index * 7919) % (2**31 - 1)


def configure_cycles(samples: int, threads: int, width: int, height: int, transparent: bool = True) -> None:
    import bpy

    sc = bpy.context.scene
    sc.render.engine = "CYCLES"
    sc.cycles.device = "CPU"
    sc.cycles.samples = samples
    sc.cycles.use_adaptive_sampling = True
    sc.cycles.use_denoising = True
    sc.cycles.max_bounces = 4
    sc.cycles.transparent_max_bounces = 4
    sc.render.film_transparent = transparent
    sc.render.resolution_x = width
    sc.render.resolution_y = height
    sc.render.resolution_percentage = 100
    sc.render.threads_mode = "FIXED"
    sc.render.threads = max(1, threads)
    sc.render.image_settings.file_format = "PNG"
    sc.render.image_settings.color_mode = "RGBA" if transparent else "RGB"
    sc.view_settings.view_transform = "AgX"


def index_pass_output(directory: str) -> None:
    """Compositor: Composite <- Image, and the object-index pass to an EXR file in ``directory``."""
    import bpy

    sc = bpy.context.scene
    bpy.context.view_layer.use_pass_object_index = True
    sc.use_nodes = True
    nt = sc.node_tree
    for node in list(nt.nodes):
        nt.nodes.remove(node)
    rl = nt.nodes.new("CompositorNodeRLayers")
    comp = nt.nodes.new("CompositorNodeComposite")
    nt.links.new(rl.outputs["Image"], comp.inputs["Image"])
    fo = nt.nodes.new("CompositorNodeOutputFile")
    fo.base_path = directory
    fo.format.file_format = "OPEN_EXR"
    fo.format.color_depth = "32"
    fo.format.color_mode = "BW"
    fo.file_slots[0].path = "index"
    nt.links.new(rl.outputs["IndexOB"], fo.inputs[0])


def read_exr_channel(path: str) -> np.ndarray:
    """The first channel of an EXR written by Blender, flipped to image row order."""
    import bpy

    img = bpy.data.images.load(path)
    w, h = img.size
    buf = np.empty(w * h * img.channels, dtype=np.float32)
    img.pixels.foreach_get(buf)
    bpy.data.images.remove(img)
    return buf.reshape(h, w, -1)[::-1, :, 0]


def _camera_frame(cam_obj, verts):
    """Tangent-space coordinates (x/z, y/z) of ``verts`` seen from ``cam_obj`` (points behind are dropped)."""
    inv = cam_obj.matrix_world.inverted()
    pts = np.array([tuple(inv @ v) for v in verts], dtype=np.float64)
    pts = pts[pts[:, 2] < -0.05]
    return np.stack([pts[:, 0] / -pts[:, 2], pts[:, 1] / -pts[:, 2]], axis=1)


def frame_view(rng: random.Random, asm, long_side: int) -> dict:
    """Place the Blender camera like a walker would see the asset and fit the frame to it."""
    import bpy
    from mathutils import Vector

    from . import bpyutil as bu

    all_verts = bu.world_vertices(asm.all_objects())
    labelled = [o for p in asm.parts if p.class_name in ("dome", "fixed", "ptz") for o in p.objects]
    focus_verts = bu.world_vertices(labelled) or all_verts
    focus = sum(focus_verts, Vector()) / len(focus_verts)
    is_pole = any(p.class_name == "pole" for p in asm.parts) or asm.params.get("pole")
    a = math.radians(rng.uniform(-80, 80) if rng.random() < 0.8 else rng.uniform(-180, 180))
    hdir = Vector((math.sin(a), math.cos(a), 0.0))
    if is_pole:
        eye = rng.uniform(1.1, 1.8)
        dist_h = math.exp(rng.uniform(math.log(3.0), math.log(40.0)))
        cam_loc = focus + hdir * dist_h
        cam_loc.z = eye
        distance = (cam_loc - focus).length
        elevation = math.degrees(math.atan2(focus.z - eye, dist_h))
    else:
        distance = math.exp(rng.uniform(math.log(2.0), math.log(40.0)))
        elevation = rng.uniform(5, 70) if asm.params.get("mount") != "ceiling" else rng.uniform(20, 75)
        e = math.radians(elevation)
        cam_loc = focus + hdir * distance * math.cos(e) - Vector((0, 0, distance * math.sin(e)))
    cam_data = bpy.data.cameras.new("view")
    cam_data.sensor_fit = "HORIZONTAL"
    cam_data.sensor_width = 36.0
    cam_data.clip_start = 0.05
    cam_obj = bpy.data.objects.new("view", cam_data)
    bpy.context.scene.collection.objects.link(cam_obj)
    bpy.context.scene.camera = cam_obj
    cam_obj.location = cam_loc
    bu.look_at(cam_obj, focus)
    bpy.context.view_layer.update()
    max_t = 2 * math.tan(math.radians(MAX_FOV_DEG / 2))
    truncated = False
    for _ in range(3):  # re-aim at the centre of the projected extent, then fit the field of view to it
        t = _camera_frame(cam_obj, all_verts)
        x0, y0 = t.min(axis=0)
        x1, y1 = t.max(axis=0)
        if y1 - y0 > max_t:  # too tall to fit: keep the top (camera heads), cut the bottom
            y0 = y1 - max_t
            truncated = True
        if x1 - x0 > max_t:
            cx = float(np.mean(_camera_frame(cam_obj, focus_verts)[:, 0]))
            x0, x1 = cx - max_t / 2, cx + max_t / 2
        centre = cam_obj.matrix_world @ Vector(((x0 + x1) / 2, (y0 + y1) / 2, -1.0))
        bu.look_at(cam_obj, centre)
        bpy.context.view_layer.update()
    t = _camera_frame(cam_obj, all_verts)
    span_x = max(float(np.abs(t[:, 0]).max()) * 2, 1e-3)
    span_y = max(float(np.abs(t[:, 1]).max()) * 2, 1e-3)
    span_x, span_y = min(span_x, max_t) * 1.06, min(span_y, max_t) * 1.06
    k = long_side / max(span_x, span_y)
    width, height = max(24, int(math.ceil(span_x * k))), max(24, int(math.ceil(span_y * k)))
    cam_data.lens = 36.0 / (width / k)  # horizontal tangent span of the image = width / k
    return {"distance_m": round(distance, 2), "elevation_deg": round(elevation, 1),
            "azimuth_deg": round(math.degrees(a), 1), "width": width, "height": height,
            "px_per_rad": round(k, 1), "truncated": truncated,
            "focus": [round(focus.x, 3), round(focus.y, 3), round(focus.z, 3)]}


def geometry_box(cam_obj, objects, width: int, height: int) -> Box | None:
    """The box of the objects' projected vertices, clipped to the image."""
    import bpy
    from bpy_extras.object_utils import world_to_camera_view

    from . import bpyutil as bu

    sc = bpy.context.scene
    pts = [world_to_camera_view(sc, cam_obj, v) for v in bu.world_vertices(objects)]
    pts = [p for p in pts if p.z > 0]
    if not pts:
        return None
    xs = np.clip([p.x * width for p in pts], 0, width)
    ys = np.clip([(1 - p.y) * height for p in pts], 0, height)
    b = Box(float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
    return b if b.area > 0 else None


def render_cutout(out_dir: Path, index: int, seed: int, threads: int = 2, samples: int = 16,
                  asset: str | None = None, long_side: int = 256) -> CutoutLabel | None:
    """Render cut-out ``index`` of the run seeded ``seed`` into ``out_dir`` unless it exists; returns its label."""
    import bpy
    import cv2

    from . import bpyutil as bu
    from . import builders, lighting

    stem = f"{index:06d}"
    png, ids_png, label_path = cutout_paths(out_dir, stem)
    if label_path.exists():
        return None
    t0 = time.time()
    s = item_seed(seed, index)
    rng = random.Random(s)
    bu.reset_scene()
    light = lighting.pick(rng)
    name = asset or builders.pick(rng)
    asm = builders.build(name, rng, night=light == "night")
    classes: dict[int, str] = {}
    for part in asm.parts:
        pid = UNLABELLED_ID
        if part.class_name is not None:
            pid = len(classes) + 1
            classes[pid] = part.class_name
        for obj in part.objects:
            obj.pass_index = pid
    is_pole = any(c == "pole" for c in classes.values())
    view = frame_view(rng, asm, long_side=min(640, long_side * 2) if is_pole else long_side)
    light_info = lighting.setup(light, rng, focus=tuple(view["focus"]))
    width, height = view["width"], view["height"]
    configure_cycles(samples, threads, width, height)
    bpy.context.scene.cycles.seed = s % 100000
    with tempfile.TemporaryDirectory(prefix="synth_idx_") as tmp:
        index_pass_output(tmp)
        bpy.context.scene.render.filepath = str(Path(tmp) / "rgba.png")
        bpy.ops.render.render(write_still=True)
        ids_full = np.rint(read_exr_channel(str(Path(tmp) / "index0001.exr"))).astype(np.uint8)
        rgba = cv2.imread(str(Path(tmp) / "rgba.png"), cv2.IMREAD_UNCHANGED)
    alpha_box = mask_box((rgba[..., 3] > 8) | (ids_full > 0))
    if alpha_box is None:
        log.warning("cut-out %s rendered empty (asset %s); skipped", stem, name)
        return None
    x1, y1 = max(0, int(alpha_box.x1) - 2), max(0, int(alpha_box.y1) - 2)
    x2, y2 = min(width, int(alpha_box.x2) + 2), min(height, int(alpha_box.y2) + 2)
    rgba, ids = rgba[y1:y2, x1:x2], ids_full[y1:y2, x1:x2]
    cam_obj = bpy.context.scene.camera
    instances = []
    for pid, (b, npx) in instance_boxes(ids, classes).items():
        g = geometry_box(cam_obj, [o for p in asm.parts for o in p.objects if o.pass_index == pid], width, height)
        gl = [g.x1 - x1, g.y1 - y1, g.x2 - x1, g.y2 - y1] if g else None
        instances.append(Instance(pid, classes[pid], b.as_list(), npx, [round(v, 2) for v in gl] if gl else None))
    truncated = bool(view["truncated"] and (ids[-1] > 0).any())
    label = CutoutLabel(stem=stem, seed=s, width=int(rgba.shape[1]), height=int(rgba.shape[0]), asset=name,
                        lighting=light, instances=instances, negative=not classes, truncated_bottom=truncated,
                        view=view | light_info, params=asm.params, render_s=round(time.time() - t0, 2))
    cv2.imwrite(str(png), rgba)
    cv2.imwrite(str(ids_png), ids)
    label.write(label_path)
    return label


def _quiet_stdout() -> None:
    """Send Blender's per-sample progress lines (C stdout) to /dev/null in a worker process."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)


def worker(out_dir: str, indices: list[int], seed: int, threads: int, samples: int, long_side: int,
           quiet: bool = True) -> int:
    """Render ``indices`` one after the other (one Blender per process); returns how many were rendered."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if quiet:
        _quiet_stdout()
    done = 0
    for i in indices:
        label = render_cutout(Path(out_dir), i, seed, threads=threads, samples=samples, long_side=long_side)
        if label is not None:
            done += 1
            log.info("cut-out %s %s %s %dx%d %.1fs", label.stem, label.asset, label.lighting, label.width,
                     label.height, label.render_s)
    return done
