"""Render a simulated walk: video from a chest-high Pi camera, GPS log (NMEA + GPX) and ground truth.

The walker goes along the street of ``walkscene`` at 1.4 m/s; every frame is rendered with Cycles together with an
object-index pass, so ``truth.json`` lists, for every camera, the frames where its pixels are visible and their box.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import walkpath as wp
from .labels import mask_box

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WalkSpec:
    out: Path
    seed: int = 0
    duration: float = 40.0
    fps: float = 5.0
    width: int = 960
    height: int = 540
    hfov_deg: float = 66.0
    pitch_deg: float = 8.0  # the Pi camera tilted up a little, as worn on a chest strap
    samples: int = 2
    start_utc: str = "2026-06-12T09:30:00Z"
    threads: int = 2
    keep_frames: bool = False
    index_frames: int = 0  # also save this many object-index PNGs (evenly spread) for tests
    crf: int | None = None  # H.264 through ffmpeg at this quality; None: OpenCV's MPEG-4 Part 2 (mp4v)


@dataclass(frozen=True, slots=True)
class WalkSummary:
    frames: int
    cameras: int
    seconds: float

    @property
    def seconds_per_frame(self) -> float:
        return self.seconds / self.frames if self.frames else 0.0


def walk_path(duration: float) -> wp.Path:
    """North on street A's east pavement, across to the west pavement, north to the T-junction, right into B.

    Longer walks start further south; the leg into street B is about 13 % of the walk.
    """
    from .walkscene import CORNER, CROSS_FROM, CROSS_TO

    length = wp.WALK_SPEED * duration
    middle = math.dist(CROSS_FROM, CROSS_TO) + math.dist(CROSS_TO, CORNER)
    east = max(3.0, 0.13 * length)
    first = max(1.0, length - middle - east)
    return wp.Path(((CROSS_FROM[0], CROSS_FROM[1] - first), CROSS_FROM, CROSS_TO, CORNER,
                    (CORNER[0] + east + 3.0, CORNER[1])))


def render_walk(spec: WalkSpec) -> WalkSummary:
    """Render the walk described by ``spec`` into ``spec.out``."""
    import bpy
    import cv2
    from bpy_extras.object_utils import world_to_camera_view

    from sousveillance.device.gps.gpx import write_gpx
    from sousveillance.device.gps.nmea import write_nmea

    from . import bpyutil as bu
    from . import walkscene as ws
    from .render import configure_cycles, index_pass_output, read_exr_channel

    start = wp.parse_utc(spec.start_utc)
    spec.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    rng = random.Random(spec.seed)
    bu.reset_scene()
    ws.build_street(rng)
    cams = ws.place_cameras(rng)
    ws.sky_and_sun(rng)
    path = walk_path(spec.duration)
    if path.points[0][1] < -15:
        ws.extend_south(path.points[0][1])
    walker = ws.walker_camera(spec.hfov_deg, spec.pitch_deg)
    configure_cycles(spec.samples, spec.threads, spec.width, spec.height, transparent=False)
    sc = bpy.context.scene
    sc.cycles.max_bounces = 1  # direct light + fast GI: ~10x cheaper than full paths, same materials as cut-outs
    sc.cycles.use_fast_gi = True
    sc.cycles.use_adaptive_sampling = False
    sc.cycles.denoising_prefilter = "FAST"
    sc.render.use_persistent_data = True  # only the camera moves: keep the BVH between frames
    sc.cycles.seed = spec.seed
    poses = wp.poses(path, spec.duration, spec.fps, seed=spec.seed)
    centres = {c.id: ws.head_centre(c) for c in cams}
    seen: dict[str, list[dict]] = {c.id: [] for c in cams}
    in_view: dict[str, list[int]] = {c.id: [] for c in cams}
    pole_seen: dict[int, int] = {}
    index_keep = set(np.linspace(0, len(poses) - 1, spec.index_frames).astype(int)) if spec.index_frames else set()
    frames_dir = Path(tempfile.mkdtemp(prefix="synth_walk_"))
    by_index = {c.pass_index: c for c in cams}
    try:
        index_pass_output(str(frames_dir))
        for k, pose in enumerate(poses):
            ws.set_pose(walker, pose.x, pose.y, pose.z, pose.heading)
            sc.frame_current = 1
            sc.render.filepath = str(frames_dir / f"frame_{k:05d}.png")
            bpy.ops.render.render(write_still=True)
            ids = np.rint(read_exr_channel(str(frames_dir / "index0001.exr"))).astype(np.uint8)
            present = set(np.unique(ids).tolist())
            for idx in present:
                if idx in by_index:
                    box = mask_box(ids == idx)
                    assert box is not None  # the index is present in the frame
                    seen[by_index[idx].id].append({"frame": k, "box": box.as_list(), "pixels": int((ids == idx).sum())})
                elif idx > 100:
                    pole_seen[idx] = pole_seen.get(idx, 0) + 1
            for c in cams:
                p = world_to_camera_view(sc, walker, centres[c.id])
                if p.z > 0 and 0 <= p.x <= 1 and 0 <= p.y <= 1:
                    in_view[c.id].append(k)
            if k in index_keep:
                cv2.imwrite(str(spec.out / f"index_{k:05d}.png"), ids)
            if k % 10 == 0:
                log.info("frame %d/%d (%.1f s per frame)", k + 1, len(poses), (time.time() - t0) / (k + 1))
        render_s = time.time() - t0
        _write_video(frames_dir, len(poses), spec)
        if spec.keep_frames:
            shutil.copytree(frames_dir, spec.out / "frames", dirs_exist_ok=True)
    finally:
        shutil.rmtree(frames_dir, ignore_errors=True)
    fixes = wp.gps_fixes(path, spec.duration, start, spec.seed)
    write_nmea(fixes, spec.out / "walk.nmea")
    write_gpx(fixes, spec.out / "walk.gpx")
    truth = _truth(spec, cams, centres, seen, in_view, pole_seen, poses, start, ws)
    (spec.out / "truth.json").write_text(json.dumps(truth, indent=1), encoding="utf-8")
    return WalkSummary(len(poses), len(cams), render_s)


def _write_video(frames_dir: Path, n: int, spec: WalkSpec) -> None:
    import cv2

    path = spec.out / "walk.mp4"
    if spec.crf is not None:  # H.264: a 1920x1080 walk stays a few MB (yuv420p: what every player decodes)
        import subprocess

        done = subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-framerate", f"{spec.fps:g}", "-i",
                               str(frames_dir / "frame_%05d.png"), "-frames:v", str(n), "-c:v", "libx264", "-crf",
                               str(spec.crf), "-preset", "slow", "-pix_fmt", "yuv420p", str(path)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise ValueError(f"ffmpeg could not encode {path}: {done.stderr.strip()[-300:]}")
        return
    writer = None
    for fourcc in ("mp4v",):
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), spec.fps, (spec.width, spec.height))
        if writer.isOpened():
            break
        writer.release()
    if writer is None or not writer.isOpened():
        raise ValueError(f"OpenCV cannot write {path}")
    for k in range(n):
        frame = cv2.imread(str(frames_dir / f"frame_{k:05d}.png"), cv2.IMREAD_COLOR)
        writer.write(frame)
    writer.release()


def _truth(spec, cams, centres, seen, in_view, pole_seen, poses, start, ws) -> dict:
    out_cams = []
    for c in cams:
        centre = centres[c.id]
        lat, lon = wp.to_latlon(centre.x, centre.y)
        out_cams.append({
            "id": c.id, "type": c.class_name, "style": c.style, "mount": c.mount,
            "facing": round(ws.facing_deg(c), 1), "lat": round(lat, 7), "lon": round(lon, 7),
            "height": round(centre.z, 2), "x": round(centre.x, 2), "y": round(centre.y, 2),
            "pass_index": c.pass_index, "pole_pass_index": c.pole_pass_index,
            "frames": [s["frame"] for s in seen[c.id]],
            "boxes": seen[c.id],
            "in_view_frames": in_view[c.id],
        })
    return {
        "scene": "sousveillance synthetic street (T-junction), origin "
                 f"{wp.ORIGIN[0]} N {wp.ORIGIN[1]} E (Marseille, Vieux-Port); local x east, y north, metres",
        "origin": {"lat": wp.ORIGIN[0], "lon": wp.ORIGIN[1]},
        "seed": spec.seed, "fps": spec.fps, "frames": len(poses), "width": spec.width, "height": spec.height,
        "hfov_deg": spec.hfov_deg, "pitch_deg": spec.pitch_deg, "start_utc": start.isoformat(),
        "speed_mps": wp.WALK_SPEED,
        "classes": ["dome", "fixed", "ptz", "pole"],
        "cameras": out_cams,
        "walker": [{"frame": k, "t": round(p.t, 3), "x": round(p.x, 3), "y": round(p.y, 3), "z": round(p.z, 3),
                    "heading": round(p.heading, 2)} for k, p in enumerate(poses)],
        "notes": "frames: frames where the camera's pixels are visible (object-index pass); boxes: their pixel "
                 "boxes; in_view_frames: frames where the camera's centre projects inside the image (occluded "
                 "or not). Walker heading: degrees clockwise from north; camera pitched up pitch_deg.",
    }
