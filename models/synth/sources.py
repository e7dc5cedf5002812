"""Image sources for compositing: street backgrounds (real negatives or procedural façades and sky) and camera
crops cut out of the real labelled photos' training split (pure OpenCV/numpy).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def shared_dir(explicit: Path | None = None) -> Path:
    """The shared data folder: ``explicit``, else ``models.paths.shared_data()`` (../shared/data or
    $SOUSVEILLANCE_SHARED)."""
    if explicit is not None:
        return Path(explicit)
    from ..paths import shared_data

    return shared_data()


def load_backgrounds(shared: Path, max_side: int = 1600) -> list[tuple[str, np.ndarray]]:
    """The negative street photos (name, BGR image), downscaled to ``max_side``; empty when absent."""
    folder = shared / "negatives"
    out: list[tuple[str, np.ndarray]] = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            log.warning("unreadable background %s skipped", path.name)
            continue
        s = max_side / max(img.shape[:2])
        if s < 1:
            img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        out.append((path.name, img))
    return out


def fit_background(img: np.ndarray, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A random crop of ``img`` with the target aspect, resized to width x height, maybe mirrored."""
    h, w = img.shape[:2]
    aspect = width / height
    scale = rng.uniform(0.7, 1.0)
    cw = min(w, int(h * aspect)) * scale
    ch = cw / aspect
    x = rng.uniform(0, w - cw)
    y = rng.uniform(0, h - ch)
    crop = img[int(y):int(y + ch), int(x):int(x + cw)]
    out = cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR)
    return out[:, ::-1].copy() if rng.random() < 0.5 else out


def procedural_background(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A façade with windows, a band of sky and a pavement edge, with light and noise (no real photo needed)."""
    sky_h = int(height * rng.uniform(0.0, 0.45))
    img = np.empty((height, width, 3), np.float32)
    top = np.array([rng.uniform(150, 230), rng.uniform(120, 190), rng.uniform(80, 150)])  # BGR blue-ish sky
    bottom = np.array([rng.uniform(190, 250)] * 3)
    t = np.linspace(0, 1, max(sky_h, 1))[:, None, None]
    if sky_h:
        img[:sky_h] = top * (1 - t) + bottom * t
    wall = np.array([rng.uniform(120, 220), rng.uniform(130, 225), rng.uniform(140, 235)])  # stone, ochre, render
    img[sky_h:] = wall
    img[sky_h:] *= rng.uniform(0.85, 1.1, size=(1, 1, 3))
    cols, floors = int(rng.integers(3, 9)), int(rng.integers(2, 6))
    cell_w, cell_h = width / cols, max(1, (height - sky_h)) / floors
    dark = np.array([rng.uniform(20, 70)] * 3)
    for fy in range(floors):
        for fx in range(cols):
            if rng.random() < 0.15:
                continue
            x0 = int(fx * cell_w + cell_w * rng.uniform(0.2, 0.3))
            x1 = int((fx + 1) * cell_w - cell_w * rng.uniform(0.2, 0.3))
            y0 = int(sky_h + fy * cell_h + cell_h * rng.uniform(0.15, 0.25))
            y1 = int(sky_h + (fy + 1) * cell_h - cell_h * rng.uniform(0.1, 0.2))
            cv2.rectangle(img, (x0, y0), (x1, y1), (dark * rng.uniform(0.7, 1.4)).tolist(), -1)
            cv2.rectangle(img, (x0 - 3, y0 - 3), (x1 + 3, y1 + 3), (wall * 1.1).tolist(), 2)
    if rng.random() < 0.6:
        y = int(height * rng.uniform(0.8, 0.95))
        img[y:] = np.array([rng.uniform(60, 110)] * 3)
    shade = np.linspace(rng.uniform(0.7, 1.1), rng.uniform(0.8, 1.2), width)[None, :, None]
    img *= shade
    from .composite import gaussian_noise

    img += gaussian_noise(img.shape, rng.uniform(2, 8), rng)
    return np.clip(img, 0, 255).astype(np.uint8)


@dataclass(frozen=True, slots=True)
class RealCrop:
    """One camera cut out of a real training photo: BGRA with a GrabCut alpha, and its class."""

    source: str
    class_name: str
    rgba: np.ndarray
    box: tuple[float, float, float, float]  # the labelled box inside ``rgba``


def _train_images(real: Path) -> list[str]:
    split = real / "split.yaml"
    if not split.is_file():
        return []
    train, section = [], None
    for line in split.read_text(encoding="utf-8").splitlines():  # tiny fixed format; no YAML dependency needed
        stripped = line.strip()
        if stripped.endswith(":") and not stripped.startswith("-"):
            section = stripped[:-1]
        elif stripped.startswith("- ") and section == "train":
            train.append(stripped[2:].strip())
    return train


def load_real_crops(shared: Path, classes: tuple[str, ...] = ("dome", "fixed", "ptz"),
                    max_side: int = 320) -> list[RealCrop]:
    """Camera crops from the TRAIN split of ``shared/real`` (never val), each with a GrabCut foreground alpha."""
    real = shared / "real"
    names = ("dome", "fixed", "ptz", "pole")
    crops: list[RealCrop] = []
    for rel in _train_images(real):
        img = cv2.imread(str(real / rel), cv2.IMREAD_COLOR)
        label = real / "labels" / (Path(rel).stem + ".txt")
        if img is None or not label.is_file():
            continue
        h, w = img.shape[:2]
        for line in label.read_text().splitlines():
            parts = line.split()
            if len(parts) != 5 or names[int(parts[0])] not in classes:
                continue
            cx, cy, bw, bh = (float(v) for v in parts[1:])
            x1, y1, x2, y2 = (cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h
            if min(x2 - x1, y2 - y1) < 12:
                continue
            m = 0.12 * max(x2 - x1, y2 - y1)
            X1, Y1 = int(max(0, x1 - m)), int(max(0, y1 - m))
            X2, Y2 = int(min(w, x2 + m)), int(min(h, y2 + m))
            crop = img[Y1:Y2, X1:X2]
            s = min(1.0, max_side / max(crop.shape[:2]))
            if s < 1:
                crop = cv2.resize(crop, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
            rect = (int((x1 - X1) * s), int((y1 - Y1) * s), int((x2 - x1) * s), int((y2 - y1) * s))
            rgba = np.dstack([crop, _grabcut(crop, rect)])
            crops.append(RealCrop(rel, names[int(parts[0])], rgba,
                                  ((x1 - X1) * s, (y1 - Y1) * s, (x2 - X1) * s, (y2 - Y1) * s)))
    log.info("%d real camera crops from the training split", len(crops))
    return crops


def _grabcut(crop: np.ndarray, rect: tuple[int, int, int, int]) -> np.ndarray:
    """A soft foreground alpha for the object in ``rect``; falls back to a feathered box when GrabCut fails."""
    h, w = crop.shape[:2]
    fallback = np.zeros((h, w), np.uint8)
    x, y, rw, rh = rect
    cv2.rectangle(fallback, (x, y), (x + rw, y + rh), 255, -1)
    try:
        mask = np.zeros((h, w), np.uint8)
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        cv2.grabCut(crop, mask, (max(0, x), max(0, y), max(1, rw), max(1, rh)), bgd, fgd, 2, cv2.GC_INIT_WITH_RECT)
        fg = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
        if fg.sum() < 0.25 * 255 * rw * rh:
            fg = fallback
    except cv2.error:
        fg = fallback
    return cv2.GaussianBlur(fg, (3, 3), 0)
