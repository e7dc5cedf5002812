"""A geometric walk simulator with ground truth, for the geolocation benchmark and tests.

A ``World`` is a walked path (waypoints in metres east/north of a real city origin) and the cameras and poles
beside it. ``simulate`` walks it: the true path at walking speed, a chest-worn camera swinging with the stride
and drifting slowly around the direction of travel, a GPS whose error is a first-order Gauss-Markov bias (correlated
over ``gps_tau_s``) plus jitter, with dropouts; every object is projected through the pinhole lens, detected with a
probability that grows with its box size, boxes get pixel noise, and a tracker joins detections into tracks (one per
pass, sometimes broken). What comes out are the ``Fix`` and ``Sighting`` values the survey loop would have produced,
plus each track's truth.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from ..geodesy import LocalFrame, bearing_of
from ..gps.track import DROPOUT_S, GpsTrack
from ..types import CLASS_NAMES, Detection, Fix, Position, Sighting
from .lens import PROFILES, CameraProfile, bearing_to

BERLIN = (52.5200, 13.4050)  # Alexanderplatz area: the bench's city frame
START_UTC = datetime(2026, 5, 1, 10, 0, 0, tzinfo=UTC)
LENS_HEIGHT_M = 1.5
SIZE_M = {"dome": (0.16, 0.12), "ptz": (0.24, 0.30), "fixed": (0.10, 0.11)}  # visible (width, height)
BULLET_LENGTH_M = 0.30


@dataclass(frozen=True, slots=True)
class TrueObject:
    """A camera or pole in the world, metres east/north of the origin; ``facing`` in degrees (cameras)."""

    key: str
    class_name: str
    east: float
    north: float
    height: float
    facing: float = 0.0
    mount: str = "wall"
    scale: float = 1.0  # this object's size relative to its class's typical size


@dataclass(slots=True)
class World:
    waypoints: list[tuple[float, float]]
    objects: list[TrueObject]
    origin: tuple[float, float] = BERLIN


@dataclass(frozen=True, slots=True)
class SimConfig:
    gps_sigma_m: float = 3.0  # horizontal RMS error (what the receiver reports as eph)
    gps_tau_s: float = 90.0  # correlation time of the GPS bias
    gps_jitter_m: float = 0.3  # uncorrelated part, per axis
    course_sigma_deg: float = 4.0  # the receiver's (Doppler) course at walking speed
    dropouts_per_min: float = 0.3
    dropout_s: tuple[float, float] = (4.0, 12.0)
    dropouts: tuple[tuple[float, float], ...] = ()  # explicit (start, end) seconds, added to the random ones
    fps: float = 4.0
    speed_mps: float = 1.4
    profile: str = "pi3"
    frame_width: int = 1920
    frame_height: int = 1080
    pixel_noise: float = 1.5
    miss_rate: float = 0.15
    min_box_px: float = 10.0
    track_gap_s: float = 2.5  # the tracker drops a track after this long unseen
    break_prob: float = 0.15  # chance a track is broken in two (tracker lost and re-found it)
    sway_deg: float = 3.0  # amplitude of the chest-worn camera's yaw swing with the walker's stride
    drift_deg: float = 1.0  # slow yaw drift of the body against the direction of travel (5 s correlation)
    heading_span_m: float = 6.0  # the live loop's trailing window
    seed: int = 0


@dataclass(slots=True)
class SimWalk:
    world: World
    config: SimConfig
    frame: LocalFrame
    fixes: list[Fix]
    sightings: list[Sighting]
    truth: dict[int, str] = field(default_factory=dict)  # track id -> object key
    track_class: dict[int, str] = field(default_factory=dict)

    def tracks(self) -> dict[int, list[Sighting]]:
        out: dict[int, list[Sighting]] = {}
        for s in self.sightings:
            out.setdefault(s.track_id, []).append(s)
        return out

    def object(self, key: str) -> TrueObject:
        return next(o for o in self.world.objects if o.key == key)


def _path(waypoints: list[tuple[float, float]], speed: float, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """True positions (n, 2) and direction of travel (n,) sampled every ``dt`` seconds."""
    pts = np.array(waypoints, dtype=float)
    seg = np.hypot(*np.diff(pts, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    samples = np.arange(0.0, s[-1], speed * dt)
    e, n = np.interp(samples, s, pts[:, 0]), np.interp(samples, s, pts[:, 1])
    idx = np.clip(np.searchsorted(s, samples, side="right") - 1, 0, len(seg) - 1)
    direction = bearing_of(pts[idx + 1, 0] - pts[idx, 0], pts[idx + 1, 1] - pts[idx, 1])
    return np.stack([e, n], axis=1), direction


def _gauss_markov(rng: np.random.Generator, n: int, dt: float, sigma: float, tau: float) -> np.ndarray:
    a = math.exp(-dt / tau)
    out = np.empty(n)
    out[0] = rng.normal(0, sigma)
    kicks = rng.normal(0, sigma * math.sqrt(1 - a * a), n)
    for i in range(1, n):
        out[i] = a * out[i - 1] + kicks[i]
    return out


def _fixes(rng, frame: LocalFrame, truth: np.ndarray, direction: np.ndarray, fps: float, cfg: SimConfig) -> list[Fix]:
    """1 Hz fixes from the frame-rate true path."""
    step = max(int(round(fps)), 1)
    pos, dirs = truth[::step], direction[::step]
    n = len(pos)
    bias_sigma = math.sqrt(max(cfg.gps_sigma_m**2 / 2 - cfg.gps_jitter_m**2, 0.0))
    err = np.stack([_gauss_markov(rng, n, 1.0, bias_sigma, cfg.gps_tau_s) for _ in range(2)], axis=1)
    err += rng.normal(0, cfg.gps_jitter_m, (n, 2))
    duration = n * 1.0
    gaps = list(cfg.dropouts)
    for _ in range(rng.poisson(cfg.dropouts_per_min * duration / 60.0)):
        start = rng.uniform(0, duration)
        gaps.append((start, start + rng.uniform(*cfg.dropout_s)))
    fixes = []
    for k in range(n):
        t = float(k)
        if any(a <= t < b for a, b in gaps):
            continue
        lat, lon = frame.to_wgs84(pos[k, 0] + err[k, 0], pos[k, 1] + err[k, 1])
        fixes.append(
            Fix(t, START_UTC + timedelta(seconds=t), float(lat), float(lon), 40.0,
                float((dirs[k] + rng.normal(0, cfg.course_sigma_deg)) % 360), cfg.speed_mps, cfg.gps_sigma_m, 3)
        )
    return fixes


def _project(
    obj: TrueObject, p: np.ndarray, yaw: float, focal: float, cfg: SimConfig
) -> tuple[float, float, float, float] | None:
    """Box (x1, y1, x2, y2) of an object seen from ``p`` looking along ``yaw``, or None when out of view."""
    de, dn = obj.east - p[0], obj.north - p[1]
    y = math.radians(yaw)
    fwd = de * math.sin(y) + dn * math.cos(y)
    right = de * math.cos(y) - dn * math.sin(y)
    if fwd < 1.0:
        return None
    xc = cfg.frame_width / 2 + focal * right / fwd
    if obj.class_name == "pole":
        w_m = 0.15 * obj.scale
        top, bottom = obj.height - LENS_HEIGHT_M, -LENS_HEIGHT_M
    else:
        w_m, h_m = (v * obj.scale for v in SIZE_M[obj.class_name])
        if obj.class_name == "fixed":
            phi = math.radians(obj.facing - float(bearing_of(-de, -dn)))
            w_m = BULLET_LENGTH_M * obj.scale * abs(math.sin(phi)) + w_m * abs(math.cos(phi))
        top, bottom = obj.height - LENS_HEIGHT_M + h_m / 2, obj.height - LENS_HEIGHT_M - h_m / 2
    half = focal * w_m / fwd / 2
    y1, y2 = cfg.frame_height / 2 - focal * top / fwd, cfg.frame_height / 2 - focal * bottom / fwd
    x1, x2 = xc - half, xc + half
    if x2 < 0 or x1 > cfg.frame_width or y2 < 0 or y1 > cfg.frame_height or xc < 0 or xc > cfg.frame_width:
        return None
    return x1, max(y1, 0.0), x2, min(y2, float(cfg.frame_height))


def simulate(world: World, cfg: SimConfig = SimConfig(), profile: CameraProfile | None = None) -> SimWalk:
    """Walk a world once; ``profile`` overrides ``cfg.profile`` (a custom field of view)."""
    rng = np.random.default_rng(cfg.seed)
    profile = profile or PROFILES[cfg.profile]
    focal = profile.focal_px(cfg.frame_width)
    frame = LocalFrame(*world.origin)
    dt = 1.0 / cfg.fps
    truth, direction = _path(world.waypoints, cfg.speed_mps, dt)
    fixes = _fixes(rng, frame, truth, direction, cfg.fps, cfg)
    line = GpsTrack(fixes, max_gap_s=DROPOUT_S, frame=frame)  # as the live loop sees the track
    t_frames = np.arange(len(truth)) * dt
    stride = 2 * math.pi * 0.9 * t_frames + rng.uniform(0, 2 * math.pi) + np.cumsum(rng.normal(0, 0.2, len(truth)))
    sway = cfg.sway_deg * np.sin(stride) + _gauss_markov(rng, len(truth), dt, cfg.drift_deg, 5.0)
    # detections per object: frame index -> box
    seen: dict[str, list[tuple[int, tuple[float, float, float, float]]]] = {}
    for i, p in enumerate(truth):
        yaw = (direction[i] + sway[i]) % 360
        for obj in world.objects:
            box = _project(obj, p, yaw, focal, cfg)
            if box is None:
                continue
            w, h = box[2] - box[0], box[3] - box[1]
            need = cfg.min_box_px if obj.class_name != "pole" else 5.0
            size = w if obj.class_name == "pole" else math.sqrt(w * h)  # what a detector needs is area
            p_det = min(max((size - need) / (0.5 * need), 0.0), 1.0) * (1.0 - cfg.miss_rate)
            if obj.class_name == "pole" and h < 40:
                p_det = 0.0
            if rng.random() < p_det:
                sx, sy = cfg.pixel_noise + 0.03 * w, cfg.pixel_noise + 0.03 * min(h, 200.0)
                noise = rng.normal(0, 1, 4) * np.array([sx, sy, sx, sy])
                b = np.array(box) + noise
                seen.setdefault(obj.key, []).append((i, (float(b[0]), float(b[1]), float(b[2]), float(b[3]))))
    # the tracker: a new track after a gap of more than track_gap_s, sometimes a break in the middle
    runs: list[tuple[str, list[tuple[int, tuple]]]] = []
    for key, dets in seen.items():
        current = [dets[0]]
        for prev, det in itertools.pairwise(dets):
            if (det[0] - prev[0]) * dt > cfg.track_gap_s:
                runs.append((key, current))
                current = []
            current.append(det)
        runs.append((key, current))
    split = []
    for key, run in runs:
        if len(run) >= 6 and rng.random() < cfg.break_prob:
            cut = int(rng.integers(2, len(run) - 2))
            split += [(key, run[:cut]), (key, run[cut:])]
        else:
            split.append((key, run))
    split.sort(key=lambda kr: kr[1][0][0])
    objects = {o.key: o for o in world.objects}
    sim = SimWalk(world, cfg, frame, fixes, [])
    for track_id, (key, run) in enumerate(split, start=1):
        obj = objects[key]
        sim.truth[track_id], sim.track_class[track_id] = key, obj.class_name
        for i, (x1, y1, x2, y2) in run:
            t = i * dt
            pt = line.path_position(t)
            heading = line.heading(t, span_m=cfg.heading_span_m) if pt else None
            position = None
            if pt is not None:
                lat, lon = frame.to_wgs84(pt.east, pt.north)
                position = Position(float(lat), float(lon), heading, pt.eph, START_UTC + timedelta(seconds=t))
            detection = Detection(x1, y1, x2, y2, float(rng.uniform(0.5, 0.95)), CLASS_NAMES.index(obj.class_name),
                                  obj.class_name)
            bearing = bearing_to((x1 + x2) / 2, cfg.frame_width, heading, profile) if position else None
            sim.sightings.append(
                Sighting(track_id, i, t, START_UTC + timedelta(seconds=t), detection, cfg.frame_width, cfg.frame_height,
                         position, bearing)
            )
    sim.sightings.sort(key=lambda s: (s.t, s.track_id))
    return sim
