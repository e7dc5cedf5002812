"""Variants of the real training photos for what they lack: soft images and far, small cameras.

The real photos (``../shared/data/real``, train split only) show licence-plate readers and traffic cameras from close
to medium range, sharp: no camera in them is smaller than 38 px. A walk sees the same kinds of camera further away,
through a soft phone or Pi lens, in JPEG-compressed video. Three offline variants, all deterministic for a seed:

- **soft copies**: the photo shrunk 2-4x and enlarged back (the look of a low-resolution source upscaled, or of a
  lens out of focus), sometimes with a little Gaussian blur, then JPEG-compressed at low quality. Boxes unchanged.
- **far grids**: k x k different photos (k = 2..4) side by side in one frame, so that each photo's cameras are k
  times smaller than in the photo alone, in their real context (arm, pole, sky). Cells keep their photo's aspect
  and are padded with Ultralytics' letterbox grey; every box follows its photo, and a photo whose smallest box
  would shrink below ``MIN_BOX_PX`` at the training size is not put in a grid that small.

- **backlit grids** (``backlit``): far grids exposed as a camera pointed up at a bright sky exposes them: a steep
  tone curve with the highlights brought back to white, colour washed out and the detail of dark parts smoothed
  away, so a small camera on a mast is a dark shape against the sky, as walks often see them.

Ultralytics' own scale jitter (0.5) shrinks an object to at most half its size, and its blur is off by default;
these variants reach further without touching Ultralytics' pipeline, and they are plain files a user can look at.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .yolo import YoloBox, label_path_for, read_labels, write_labels

log = logging.getLogger(__name__)

PAD = (114, 114, 114)  # Ultralytics' letterbox grey
MIN_BOX_PX = 5.0  # smallest box side kept in a far grid, in pixels at the training size


@dataclass(frozen=True, slots=True)
class Photo:
    name: str
    image: np.ndarray  # BGR
    boxes: tuple[YoloBox, ...]

    def min_side(self) -> float:
        """The smallest side of any box, in pixels of ``image``."""
        h, w = self.image.shape[:2]
        return min((min(b.w * w, b.h * h) for b in self.boxes), default=float("inf"))


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    image: np.ndarray
    boxes: list[YoloBox]
    sources: tuple[str, ...]


def soft_copy(image: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """The image as a soft, low-resolution source would give it: same size, detail lost. Returns (image, recipe)."""
    h, w = image.shape[:2]
    f = float(rng.uniform(2.0, 4.0))
    small = cv2.resize(image, (max(1, round(w / f)), max(1, round(h / f))), interpolation=cv2.INTER_AREA)
    out = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC if rng.random() < 0.5 else cv2.INTER_LINEAR)
    sigma = float(rng.uniform(0.6, 1.6)) if rng.random() < 0.4 else 0.0
    if sigma:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    quality = int(rng.integers(25, 70))
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if ok:
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out, f"shrink {f:.1f}x, blur {sigma:.1f}, jpeg q{quality}"


def backlit(image: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """The image exposed for a bright sky: darks darker and flatter, highlights white. Returns (image, recipe)."""
    x = image.astype(np.float32) / 255.0
    gamma = float(rng.uniform(1.6, 2.6))
    x = x**gamma
    x = np.clip(x / max(float(np.percentile(x, 99)), 1e-3), 0.0, 1.0)  # re-expose: the sky back to white
    grey = x.mean(axis=2, keepdims=True)
    wash = float(rng.uniform(0.3, 0.7))
    x = x * (1 - wash) + grey * wash
    smooth = float(rng.uniform(0.5, 0.9))
    dark = (1.0 - grey) * smooth  # silhouettes lose their inner detail, the sky keeps its edges
    x = x * (1 - dark) + cv2.GaussianBlur(x, (0, 0), 2.0) * dark
    return (x * 255).round().astype(np.uint8), f"backlit gamma {gamma:.1f}, wash {wash:.1f}, smooth {smooth:.1f}"


def far_grid(photos: list[Photo], k: int, width: int, height: int) -> tuple[np.ndarray, list[YoloBox]]:
    """``k`` x ``k`` photos (row by row; fewer leave grey cells) in a ``width`` x ``height`` frame, with their boxes."""
    canvas = np.full((height, width, 3), PAD, np.uint8)
    boxes: list[YoloBox] = []
    cw, ch = width / k, height / k
    for i, photo in enumerate(photos[: k * k]):
        ph, pw = photo.image.shape[:2]
        s = min(cw / pw, ch / ph)
        nw, nh = max(1, int(pw * s)), max(1, int(ph * s))
        x0 = int((i % k) * cw + (cw - nw) / 2)
        y0 = int((i // k) * ch + (ch - nh) / 2)
        canvas[y0 : y0 + nh, x0 : x0 + nw] = cv2.resize(photo.image, (nw, nh), interpolation=cv2.INTER_AREA)
        for b in photo.boxes:
            x1, y1, x2, y2 = b.to_pixels(nw, nh)
            boxes.append(YoloBox.from_pixels(b.class_id, x0 + x1, y0 + y1, x0 + x2, y0 + y2, width, height))
    return canvas, boxes


def grid_scale(photo: Photo, k: int, width: int, height: int, imgsz: int) -> float:
    """How much ``photo`` shrinks in a k x k grid of that frame, once the frame is letterboxed to ``imgsz``."""
    ph, pw = photo.image.shape[:2]
    return min(width / k / pw, height / k / ph) * imgsz / max(width, height)


def real_variants(
    photos: list[Photo],
    soft: int = 0,
    far: int = 0,
    seed: int = 0,
    imgsz: int = 640,
    backlit_grids: int = 0,
    width: int = 1280,
    height: int = 854,
) -> list[Variant]:
    """``soft`` soft copies of every photo, ``far`` far grids drawn from all of them (k = 2, 3 or 4), and
    ``backlit_grids`` more far grids exposed for a bright sky (drawn from their own seeds: adding them leaves the
    other variants of a seed as they were)."""
    out: list[Variant] = []
    for i, photo in enumerate(photos):
        for j in range(soft):
            image, recipe = soft_copy(photo.image, np.random.default_rng([seed, 1, i, j]))
            out.append(Variant(f"soft{j}_{Path(photo.name).stem}", image, list(photo.boxes),
                               (f"{photo.name}: {recipe}",)))
    for stream, count, lit in ((2, far, False), (3, backlit_grids, True)):  # stream: the grids' own seed sequence
        for g in range(count):
            rng = np.random.default_rng([seed, stream, g])
            k = int(rng.choice([2, 3, 4], p=[0.4, 0.4, 0.2]))
            fits = [p for p in photos if p.min_side() * grid_scale(p, k, width, height, imgsz) >= MIN_BOX_PX]
            if not fits:
                continue
            picks = [fits[int(n)] for n in rng.choice(len(fits), size=min(k * k, len(fits)), replace=False)]
            if rng.random() < 0.5:  # mirrored photos: a camera's left/right facing is not a cue
                picks = [Photo(p.name, p.image[:, ::-1].copy(), tuple(_mirror(b) for b in p.boxes)) for p in picks]
            image, boxes = far_grid(picks, k, width, height)
            sources = tuple(p.name for p in picks)
            if lit:
                image, recipe = backlit(image, rng)
                out.append(Variant(f"backlit{k}_{g:04d}", image, boxes, (*sources, recipe)))
            else:
                out.append(Variant(f"far{k}_{g:04d}", image, boxes, sources))
    return out


def _mirror(b: YoloBox) -> YoloBox:
    return YoloBox(b.class_id, 1.0 - b.cx, b.cy, b.w, b.h)


def load_photos(images: list[Path] | tuple[Path, ...]) -> list[Photo]:
    """Photos and their YOLO labels (Ultralytics' images/ -> labels/ layout); an unreadable image is an error."""
    photos = []
    for path in images:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"unreadable image {path}")
        photos.append(Photo(path.name, image, tuple(read_labels(label_path_for(path)))))
    return photos


def write_variants(variants: list[Variant], out: Path) -> Path:
    """Write variants as a YOLO folder (``out/images``, ``out/labels``, ``out/sources.csv``); returns ``out``."""
    for sub in ("images", "labels"):
        d = out / sub
        d.mkdir(parents=True, exist_ok=True)
        for old in d.iterdir():
            old.unlink()
    lines = []
    for v in variants:
        cv2.imwrite(str(out / "images" / f"{v.name}.jpg"), v.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
        write_labels(out / "labels" / f"{v.name}.txt", v.boxes)
        lines.append(f"{v.name},{';'.join(v.sources)}")
    (out / "sources.csv").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    log.info("%d real variants in %s", len(variants), out)
    return out
