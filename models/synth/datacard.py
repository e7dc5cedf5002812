"""The data card of a composited dataset: counts, box sizes, sources and licences, seeds, command, contact sheets."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from .labels import CLASS_NAMES, CutoutLabel, cutout_paths

SIZE_BINS = (0, 8, 16, 32, 64, 128, 256, 512, 100000)
COLOURS = ((0, 200, 255), (255, 120, 0), (0, 0, 255), (0, 255, 0))  # BGR per class


def contact_sheet(out: Path, images: list[Path], cols: int = 4, tile_w: int = 480) -> Path | None:
    """A grid of dataset images with their boxes drawn (class colours), for judging realism at a glance."""
    tiles = []
    for img_path in images:
        img = cv2.imread(str(img_path))
        if img is None:
            continue
        txt = img_path.parent.parent.parent / "labels" / img_path.parent.name / (img_path.stem + ".txt")
        h, w = img.shape[:2]
        for line in (txt.read_text().splitlines() if txt.exists() else []):
            c, cx, cy, bw, bh = line.split()
            x1, y1 = int((float(cx) - float(bw) / 2) * w), int((float(cy) - float(bh) / 2) * h)
            x2, y2 = int((float(cx) + float(bw) / 2) * w), int((float(cy) + float(bh) / 2) * h)
            cv2.rectangle(img, (x1 - 1, y1 - 1), (x2 + 1, y2 + 1), COLOURS[int(c)], 2)
            cv2.putText(img, CLASS_NAMES[int(c)], (x1, max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                        COLOURS[int(c)], 2)
        tiles.append(cv2.resize(img, (tile_w, int(h * tile_w / w)), interpolation=cv2.INTER_AREA))
    if not tiles:
        return None
    th = tiles[0].shape[0]
    tiles = [cv2.resize(t, (tile_w, th)) for t in tiles]
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    grid = np.vstack([np.hstack(tiles[i:i + cols]) for i in range(0, len(tiles), cols)])
    cv2.imwrite(str(out), grid)
    return out


def cutout_sheet(out: Path, cutouts: Path, labels: list[CutoutLabel], n: int = 40, tile: int = 128) -> Path | None:
    """A grid of raw cut-outs on a neutral background with their boxes."""
    tiles = []
    for lab in labels[:n]:
        rgba = cv2.imread(str(cutout_paths(cutouts, lab.stem)[0]), cv2.IMREAD_UNCHANGED)
        if rgba is None:
            continue
        s = (tile - 4) / max(rgba.shape[:2])
        small = cv2.resize(rgba, (max(1, int(rgba.shape[1] * s)), max(1, int(rgba.shape[0] * s))),
                           interpolation=cv2.INTER_AREA).astype(np.float32)
        canvas = np.full((tile, tile, 3), (150, 140, 125), np.float32)
        y, x = (tile - small.shape[0]) // 2, (tile - small.shape[1]) // 2
        a = small[..., 3:4] / 255
        canvas[y:y + small.shape[0], x:x + small.shape[1]] = small[..., :3] * a + canvas[y:y + small.shape[0],
                                                                                    x:x + small.shape[1]] * (1 - a)
        canvas = canvas.astype(np.uint8)
        for inst in lab.instances:
            b = [int(v * s) for v in inst.box]
            cv2.rectangle(canvas, (x + b[0], y + b[1]), (x + b[2], y + b[3]), COLOURS[inst.class_id], 1)
        tiles.append(canvas)
    if not tiles:
        return None
    cols = 10
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    cv2.imwrite(str(out), np.vstack([np.hstack(tiles[i:i + cols]) for i in range(0, len(tiles), cols)]))
    return out


def _licences(shared: Path, names: list[str]) -> list[str]:
    manifest = shared / "MANIFEST.csv"
    if not manifest.is_file():
        return []
    wanted = set(names)
    rows = []
    with manifest.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["file"] in wanted:
                rows.append(f"| `{row['file']}` | {row['license']} | {row['repo']} |")
    return rows


def write_card(spec, summary, sizes: list[float], labels: list[CutoutLabel], backgrounds, real, command: str) -> None:
    from .sources import shared_dir

    out = spec.out
    hist = np.histogram(sizes, bins=SIZE_BINS)[0] if sizes else np.zeros(len(SIZE_BINS) - 1, int)
    assets = Counter(lab.asset for lab in labels)
    lights = Counter(lab.lighting for lab in labels)
    seeds = sorted({lab.seed for lab in labels})
    val_imgs = sorted((out / "images" / "val").glob("*.jpg"))[:8]
    train_imgs = sorted((out / "images" / "train").glob("*.jpg"))[:8]
    contact_sheet(out / "contact_sheet.png", train_imgs + val_imgs)
    cutout_sheet(out / "cutouts_sheet.png", spec.cutouts, labels)
    shared = shared_dir(spec.shared)
    files = [f"negatives/{n}" for n, _ in backgrounds] + sorted({f"real/{c.source}" for c in real})
    lines = [
        "# Synthetic CCTV dataset (sousveillance synth)",
        "",
        f"Made {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC} by `{command}`",
        "",
        f"- images: {summary.images} ({spec.width}x{spec.height}), boxes: {summary.boxes}, "
        f"val fraction {spec.val_fraction}, seed {spec.seed}",
        f"- cut-outs: {len(labels)} from `{spec.cutouts}` (cut-out seeds {seeds[0] if seeds else '-'}.."
        f"{seeds[-1] if seeds else '-'}, derived per index from the render seed), "
        f"{sum(lab.negative for lab in labels)} hard negatives",
        "- classes: " + ", ".join(f"{i} {n}" for i, n in enumerate(CLASS_NAMES)),
        "",
        "## Boxes per class",
        "",
        "| class | train | val |",
        "| --- | --- | --- |",
        *[f"| {c} | {summary.per_class['train'][c]} | {summary.per_class['val'][c]} |" for c in CLASS_NAMES],
        "",
        "## Box size (long side, px)",
        "",
        "| size | boxes |",
        "| --- | --- |",
        *[f"| {SIZE_BINS[i]}-{SIZE_BINS[i + 1] if i + 2 < len(SIZE_BINS) else ''} | {int(hist[i])} |"
          for i in range(len(hist))],
        "",
        "## Cut-outs",
        "",
        "Assets: " + ", ".join(f"{k} {v}" for k, v in sorted(assets.items())),
        "",
        "Lighting: " + ", ".join(f"{k} {v}" for k, v in sorted(lights.items())),
        "",
        "## Sources and licences",
        "",
        "Cut-outs and procedural backgrounds are generated by the project (same licence as the project). "
        "Real files used (backgrounds; camera crops from the real TRAIN split only):",
        "",
        "| file | licence | from |",
        "| --- | --- | --- |",
        *_licences(shared, files),
        "",
        "## Contact sheets",
        "",
        "![composites, train then val](contact_sheet.png)",
        "",
        "![cut-outs](cutouts_sheet.png)",
        "",
    ]
    (out / "DATA_CARD.md").write_text("\n".join(lines), encoding="utf-8")
