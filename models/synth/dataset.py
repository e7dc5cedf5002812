"""Build a YOLO dataset from rendered cut-outs: composites, data.yaml, data card and contact sheets.

Cut-outs are split train/val by stem (a val cut-out never appears in a train image); real camera crops come from the
real photos' TRAIN split only and go into train images only.
"""

from __future__ import annotations

import hashlib
import logging
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from . import composite as cp
from . import sources
from .labels import CLASS_NAMES, CutoutLabel, cutout_paths, list_cutouts

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    cutouts: Path
    out: Path
    count: int
    seed: int = 0
    val_fraction: float = 0.15
    width: int = 1280
    height: int = 720
    shared: Path | None = None
    real_p: float = 0.3  # chance that a train image also gets one or two real camera crops
    empty_p: float = 0.06  # chance of an image with hard negatives only


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    images: int
    boxes: int
    per_class: dict[str, dict[str, int]]
    seconds: float


def is_val(stem: str, fraction: float) -> bool:
    """A stable split of cut-outs by stem."""
    return int(hashlib.sha1(stem.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < fraction


def _load_sprite(cutouts: Path, label: CutoutLabel) -> cp.Sprite | None:
    png, ids_png, _ = cutout_paths(cutouts, label.stem)
    rgba = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
    ids = cv2.imread(str(ids_png), cv2.IMREAD_UNCHANGED)
    if rgba is None or ids is None or rgba.ndim != 3 or rgba.shape[2] != 4:
        log.warning("cut-out %s unreadable, skipped", label.stem)
        return None
    return cp.Sprite.from_cutout(label, rgba, ids)


def build_dataset(spec: DatasetSpec) -> DatasetSummary:
    """Write ``spec.count`` composite images and their labels into ``spec.out`` (resumable: existing kept)."""
    t0 = time.time()
    labels = [CutoutLabel.read(p) for p in list_cutouts(spec.cutouts)]
    if not labels:
        raise ValueError(f"no cut-outs (*.json) in {spec.cutouts}: run 'synth render' first")
    shared = sources.shared_dir(spec.shared)
    backgrounds = sources.load_backgrounds(shared)
    real = sources.load_real_crops(shared)
    log.info("%d cut-outs, %d backgrounds, %d real crops", len(labels), len(backgrounds), len(real))
    pools: dict[str, dict[str, list[Any]]] = {"train": {"cam": [], "neg": []}, "val": {"cam": [], "neg": []}}
    for lab in labels:
        split = "val" if is_val(lab.stem, spec.val_fraction) else "train"
        pools[split]["neg" if lab.negative else "cam"].append(lab)
    for split in pools:  # tiny sets: borrow so that each split has cameras
        if not pools[split]["cam"]:
            other = "train" if split == "val" else "val"
            pools[split]["cam"] = pools[other]["cam"]
    for sub in ("images/train", "images/val", "labels/train", "labels/val"):
        (spec.out / sub).mkdir(parents=True, exist_ok=True)
    n_val = int(round(spec.count * spec.val_fraction))
    per_class = {s: dict.fromkeys(CLASS_NAMES, 0) for s in ("train", "val")}
    sizes: list[float] = []
    total_boxes = 0
    for i in range(spec.count):
        split = "val" if i < n_val else "train"
        name = f"synth_{spec.seed}_{i:06d}"
        img_path = spec.out / "images" / split / f"{name}.jpg"
        txt_path = spec.out / "labels" / split / f"{name}.txt"
        if img_path.exists() and txt_path.exists():
            lines = txt_path.read_text().splitlines()
        else:
            rng = np.random.default_rng([spec.seed, i])
            comp = _one(spec, rng, pools[split], backgrounds, real if split == "train" else [])
            lines = [b.yolo_line(spec.width, spec.height) for b in comp.boxes]
            cv2.imwrite(str(img_path), comp.image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(45, 96))])
            txt_path.write_text("\n".join(lines) + ("\n" if lines else ""))
            with (spec.out / "sources.csv").open("a", encoding="utf-8") as f:  # which cut-outs/crops each image used
                f.write(f"{split},{name},{';'.join(comp.sources)}\n")
        for line in lines:
            c, _, _, w, h = line.split()
            per_class[split][CLASS_NAMES[int(c)]] += 1
            sizes.append(max(float(w) * spec.width, float(h) * spec.height))
        total_boxes += len(lines)
        if (i + 1) % 200 == 0:
            log.info("%d/%d images", i + 1, spec.count)
    _write_yaml(spec.out)
    summary = DatasetSummary(spec.count, total_boxes, per_class, time.time() - t0)
    from .datacard import write_card

    write_card(spec, summary, sizes, labels, backgrounds, real, command=_command())
    return summary


def _one(spec: DatasetSpec, rng: np.random.Generator, pool: dict, backgrounds, real) -> cp.Composite:
    if backgrounds and rng.random() < 0.8:
        _name, bg = backgrounds[int(rng.integers(len(backgrounds)))]
        background = sources.fit_background(bg, spec.width, spec.height, rng)
    else:
        background = sources.procedural_background(spec.width, spec.height, rng)
    cams = []
    if rng.random() >= spec.empty_p and pool["cam"]:
        n = int(min(6, 1 + rng.poisson(1.2)))
        for j in rng.choice(len(pool["cam"]), size=n):
            s = _load_sprite(spec.cutouts, pool["cam"][int(j)])
            if s is not None:
                cams.append(s)
    if real and rng.random() < spec.real_p:
        for j in rng.choice(len(real), size=int(rng.integers(1, 3))):
            cams.append(cp.sprite_from_real(real[int(j)], real[int(j)].source))
    negs = []
    if pool["neg"]:
        for j in rng.choice(len(pool["neg"]), size=int(rng.integers(0, 3))):
            s = _load_sprite(spec.cutouts, pool["neg"][int(j)])
            if s is not None:
                negs.append(s)
    order = rng.permutation(len(cams))
    return cp.compose(background, [cams[k] for k in order], negs, rng)


def _command() -> str:
    """The command line that is running, as a user would type it."""
    args = sys.argv[1:] if sys.argv and sys.argv[0].endswith(("__main__.py", "synth")) else sys.argv
    prefix = "python -m sousveillance.models.synth " if args is not sys.argv else ""
    return prefix + shlex.join(args)


def _write_yaml(out: Path) -> None:
    names = "\n".join(f"  {i}: {n}" for i, n in enumerate(CLASS_NAMES))
    (out / "data.yaml").write_text(f"path: {out.resolve()}\ntrain: images/train\nval: images/val\nnames:\n{names}\n",
                                   encoding="utf-8")
