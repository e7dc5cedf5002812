"""Paste cut-outs onto a street background at a walker's scale, with light matching, blur, noise and occlusion.

Pure OpenCV/numpy. A ``Sprite`` is an RGBA cut-out plus an instance-id image; ``compose`` pastes several into one
frame and returns the image with the boxes of what stays visible (occluded or cropped-away instances are dropped).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from .labels import CLASS_NAMES, UNLABELLED_ID, Box, CutoutLabel, mask_box

MIN_CAMERA_PX, MAX_CAMERA_PX = 8.0, 300.0


@dataclass(slots=True)
class Sprite:
    """An RGBA cut-out (straight alpha, uint8) with its instance ids (0 none, k -> ``classes[k]``)."""

    rgba: np.ndarray
    ids: np.ndarray
    classes: dict[int, str]
    source: str
    negative: bool = False
    truncated_bottom: bool = False
    pole: bool = False

    @classmethod
    def from_cutout(cls, label: CutoutLabel, rgba: np.ndarray, ids: np.ndarray) -> Sprite:
        classes = {i.id: i.class_name for i in label.instances}
        return cls(rgba, ids, classes, label.stem, label.negative, label.truncated_bottom,
                   any(c == "pole" for c in classes.values()))

    def camera_size(self) -> float:
        """The long side of the largest camera instance (or of the whole sprite for negatives and poles alone)."""
        best = 0.0
        for k, name in self.classes.items():
            if name == "pole":
                continue
            b = mask_box(self.ids == k)
            if b is not None:
                best = max(best, b.width, b.height)
        return best or float(max(self.rgba.shape[:2]))


@dataclass(frozen=True, slots=True)
class YoloBox:
    class_id: int
    box: Box

    def yolo_line(self, width: int, height: int) -> str:
        b = self.box
        return (f"{self.class_id} {(b.x1 + b.x2) / 2 / width:.6f} {(b.y1 + b.y2) / 2 / height:.6f} "
                f"{b.width / width:.6f} {b.height / height:.6f}")


@dataclass(slots=True)
class Composite:
    image: np.ndarray
    boxes: list[YoloBox] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def sample_camera_px(rng: np.random.Generator) -> float:
    """A camera's long side in a 1280x720 walk frame: 8-300 px, log-uniform skewed towards small."""
    u = rng.random() ** 1.35
    return MIN_CAMERA_PX * (MAX_CAMERA_PX / MIN_CAMERA_PX) ** u


def _premultiplied(rgba: np.ndarray) -> np.ndarray:
    f = rgba.astype(np.float32) / 255.0
    f[..., :3] *= f[..., 3:4]
    return f


def _scaled(sprite: Sprite, scale: float, blur_sigma: float) -> tuple[np.ndarray, np.ndarray]:
    h, w = sprite.rgba.shape[:2]
    nw, nh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    pm = cv2.resize(_premultiplied(sprite.rgba), (nw, nh), interpolation=interp)
    if pm.ndim == 2:
        pm = pm[..., None]
    ids = cv2.resize(sprite.ids, (nw, nh), interpolation=cv2.INTER_NEAREST)
    if blur_sigma > 0.3:
        pm = cv2.GaussianBlur(pm, (0, 0), blur_sigma)
    return pm, ids


def _match_light(pm: np.ndarray, bg_patch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pull the sprite's mean colour part of the way towards the background's around it."""
    a = pm[..., 3]
    if a.sum() < 1:
        return pm
    fg_mean = pm[..., :3].reshape(-1, 3).sum(0) / a.sum()
    bg_mean = bg_patch.reshape(-1, 3).mean(0) / 255.0
    beta = rng.uniform(0.15, 0.45)
    gain = np.clip(((bg_mean + 0.02) / (fg_mean + 0.02)) ** beta, 0.55, 1.6)
    out = pm.copy()
    out[..., :3] = np.minimum(out[..., :3] * gain, out[..., 3:4])
    return out


def _place(sprite: Sprite, sw: int, sh: int, width: int, height: int, rng: np.random.Generator) -> tuple[int, int]:
    x = int(rng.uniform(-0.15 * sw, width - 0.85 * sw))
    if sprite.truncated_bottom:
        y = int(height - sh + rng.uniform(0, 0.25) * sh)
    elif sprite.pole:
        y = int(rng.uniform(0.55, 1.1) * height - sh)
    else:
        y = int(rng.uniform(0.02, 0.72) * height - sh / 2)
    return x, y


def paste(frame: np.ndarray, idmap: np.ndarray, sprite: Sprite, scale: float, xy: tuple[int, int],
          first_id: int, rng: np.random.Generator, blur_sigma: float = 0.0) -> dict[int, tuple[str, int]]:
    """Alpha-blend ``sprite`` into ``frame`` (float BGR 0..1) at ``xy``; mark its instances in ``idmap``.

    Returns {global id: (class name, pixel count of the whole scaled instance)} for the instances it added.
    """
    pm, ids = _scaled(sprite, scale, blur_sigma)
    sh, sw = ids.shape
    H, W = idmap.shape
    x, y = xy
    fx1, fy1, fx2, fy2 = max(0, x), max(0, y), min(W, x + sw), min(H, y + sh)
    if fx1 >= fx2 or fy1 >= fy2:
        return {}
    sub = pm[fy1 - y:fy2 - y, fx1 - x:fx2 - x]
    sub_ids = ids[fy1 - y:fy2 - y, fx1 - x:fx2 - x]
    region = frame[fy1:fy2, fx1:fx2]
    sub = _match_light(sub, (region * 255).astype(np.uint8), rng)
    a = sub[..., 3:4]
    frame[fy1:fy2, fx1:fx2] = sub[..., :3] + region * (1 - a)
    opaque = a[..., 0] > 0.5
    added: dict[int, tuple[str, int]] = {}
    local = idmap[fy1:fy2, fx1:fx2]
    local[opaque] = 0
    for k, name in sprite.classes.items():
        gid = first_id + k
        local[opaque & (sub_ids == k)] = gid
        added[gid] = (name, int((ids == k).sum()))
    return added


def occlude(frame: np.ndarray, idmap: np.ndarray, rng: np.random.Generator, around: Box) -> None:
    """Draw foliage (a cluster of leaf blobs) or a sign panel over part of ``around``; clears ids under it."""
    H, W = idmap.shape
    mask = np.zeros((H, W), np.uint8)
    cx = around.x1 + around.width * rng.uniform(-0.2, 1.2)
    cy = around.y1 + around.height * rng.uniform(-0.2, 1.2)
    size = max(around.width, around.height) * rng.uniform(0.4, 1.2) + 4
    colour = None
    if rng.random() < 0.7:  # foliage
        base = np.array([rng.uniform(20, 70), rng.uniform(60, 140), rng.uniform(20, 70)]) / 255.0
        layer = np.zeros_like(frame)
        for _ in range(int(rng.integers(15, 50))):
            px, py = cx + rng.normal(0, size / 2), cy + rng.normal(0, size / 2)
            ax = max(1, int(size * rng.uniform(0.05, 0.2)))
            c = np.clip(base * rng.uniform(0.6, 1.4), 0, 1)
            cv2.ellipse(mask, (int(px), int(py)), (ax, max(1, int(ax * 0.6))), rng.uniform(0, 180), 0, 360,
                        (255,), -1)
            cv2.ellipse(layer, (int(px), int(py)), (ax, max(1, int(ax * 0.6))), rng.uniform(0, 180), 0, 360,
                        c.tolist(), -1)
        colour = layer
    else:  # a sign panel or a post
        c = rng.choice([(0.1, 0.1, 0.75), (0.7, 0.3, 0.05), (0.9, 0.9, 0.9), (0.25, 0.25, 0.25)])
        if rng.random() < 0.5:
            cv2.circle(mask, (int(cx), int(cy)), int(size / 2), (255,), -1)
        else:
            cv2.rectangle(mask, (int(cx - size / 2), int(cy - size / 3)), (int(cx + size / 2), int(cy + size / 3)),
                          255, -1)
        colour = np.empty_like(frame)
        colour[:] = c
    m = mask > 0
    frame[m] = colour[m]
    idmap[m] = 0


def finish(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Camera effects on the whole frame: motion or lens blur, exposure, sensor noise; returns uint8 BGR."""
    img = frame
    if rng.random() < 0.25:
        length = int(rng.integers(3, 12))
        kernel = np.zeros((length, length), np.float32)
        angle = rng.uniform(0, math.pi)
        c = (length - 1) / 2
        for t in np.linspace(-c, c, length * 2):
            kernel[int(round(c + t * math.sin(angle))), int(round(c + t * math.cos(angle)))] = 1
        img = cv2.filter2D(img, -1, kernel / kernel.sum())
    elif rng.random() < 0.25:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 1.3))
    if rng.random() < 0.4:
        img = np.clip(img, 0, 1) ** rng.uniform(0.75, 1.3) * rng.uniform(0.8, 1.15)
    img = img + gaussian_noise(img.shape, rng.uniform(0.003, 0.025), rng)
    return np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)


def gaussian_noise(shape, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Float32 Gaussian noise, fast (OpenCV's generator, seeded from ``rng`` so results stay deterministic)."""
    cv2.setRNGSeed(int(rng.integers(2**31 - 1)))
    noise = np.empty(shape, np.float32)
    # one mean and one deviation per channel: a bare float noised the first channel only
    channels = shape[2] if len(shape) == 3 else 1
    cv2.randn(noise, np.zeros(channels), np.full(channels, float(sigma)))
    return noise


def boxes_from_idmap(idmap: np.ndarray, added: dict[int, tuple[str, int]]) -> list[YoloBox]:
    """Boxes of instances still visible enough: >= 40 % of their pixels (poles 25 %) and >= 3 px each side."""
    out = []
    for gid, (name, full) in sorted(added.items()):
        m = idmap == gid
        visible = int(m.sum())
        need = 0.25 if name == "pole" else 0.4
        if full == 0 or visible < need * full:
            continue
        b = mask_box(m)
        if b is None or b.width < 3 or b.height < 3:
            continue
        out.append(YoloBox(CLASS_NAMES.index(name), b))
    return out


def compose(background: np.ndarray, sprites: list[Sprite], negatives: list[Sprite], rng: np.random.Generator,
            occlusion_p: float = 0.25) -> Composite:
    """Paste hard negatives, then camera sprites, onto ``background`` (BGR uint8); returns image and boxes."""
    H, W = background.shape[:2]
    frame = background.astype(np.float32) / 255.0
    idmap = np.zeros((H, W), np.uint16)
    added: dict[int, tuple[str, int]] = {}
    next_id = 1
    sources = []
    for sprite in negatives:
        target = math.exp(rng.uniform(math.log(20), math.log(450)))
        scale = target / max(sprite.rgba.shape[:2]) * (W / 1280)
        sh, sw = int(sprite.rgba.shape[0] * scale), int(sprite.rgba.shape[1] * scale)
        paste(frame, idmap, sprite, scale, _place(sprite, sw, sh, W, H, rng), 0, rng, rng.uniform(0, 0.8))
        sources.append(sprite.source)
    for sprite in sprites:
        target = sample_camera_px(rng) * (W / 1280)
        scale = min(target / sprite.camera_size(), 3.0)
        sh, sw = int(sprite.rgba.shape[0] * scale), int(sprite.rgba.shape[1] * scale)
        new = paste(frame, idmap, sprite, scale, _place(sprite, sw, sh, W, H, rng), next_id - 1, rng,
                    rng.uniform(0, 0.9) if target > 30 else 0.0)
        added.update(new)
        next_id += max(list(sprite.classes) + [0]) + 1
        sources.append(sprite.source)
        if new and rng.random() < occlusion_p:
            gid = rng.choice(list(new))
            b = mask_box(idmap == gid)
            if b is not None:
                occlude(frame, idmap, rng, b)
    return Composite(finish(frame, rng), boxes_from_idmap(idmap, added), sources)


def sprite_from_real(crop, source: str) -> Sprite:
    """A ``Sprite`` from a ``sources.RealCrop``: the labelled box, inside the GrabCut alpha, is instance 1."""
    rgba = crop.rgba
    ids = np.zeros(rgba.shape[:2], np.uint8)
    x1, y1, x2, y2 = (int(round(v)) for v in crop.box)
    inside = np.zeros_like(ids, dtype=bool)
    inside[max(0, y1):y2, max(0, x1):x2] = True
    ids[inside & (rgba[..., 3] > 128)] = 1
    ids[~inside & (rgba[..., 3] > 128)] = UNLABELLED_ID
    return Sprite(rgba, ids, {1: crop.class_name}, source)
