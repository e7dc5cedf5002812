"""Evaluate a detector on the real validation photos and the street negatives (``sousveillance model eval``).

Predictions for AP are taken at confidence 0.001 (the whole precision/recall curve); recall, precision and the false
positives per negative image are read at the operating threshold (the device's ``detector.conf``). Images are run
whole at the device's default size (640), the way the survey loop runs them without tiling. The headline figures
carry a bootstrap 90 % interval (``bootstrap.py``).

The validation set (``validation_set``): the real-photo set's val split once it is the size issue 18 asks for
(``realset.VAL_TARGETS``), else the val split of ``../shared/data/real``; or any data.yaml or YOLO folder.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .data.yolo import CLASS_NAMES, IMAGE_SUFFIXES, label_path_for, read_labels
from .metrics import CAMERA_IDS, Box, ImageResult, Metrics, compute, false_positives_per_image, iou_matrix
from .paths import offline_env, shared_data

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EvalSettings:
    model: Path
    imgsz: int = 640
    conf: float = 0.30  # the device's default operating threshold
    iou: float = 0.5  # NMS, as on the device
    val_images: tuple[Path, ...] = ()
    negatives: tuple[Path, ...] = ()
    threads: int = 2
    val_labels: tuple[Path, ...] = ()  # label file of each val image; default: the images/ -> labels/ convention
    resamples: int = 1000  # bootstrap resamples of the intervals
    seed: int = 0


@dataclass(slots=True)
class Speed:
    imgsz: int
    ms_per_image: float  # median over runs, this machine
    threads: int
    runtime: str  # pytorch | ncnn | onnx
    load_avg: float | None = None  # the machine's 1-minute load average when measured: other work on the cores
    cores: int | None = None


@dataclass(slots=True)
class EvalReport:
    model: str
    metrics: Metrics
    negatives: int
    fp_per_negative: float
    fp_per_negative_by_conf: dict[str, float]
    recall_by_conf: dict[str, float]
    speed: list[Speed] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # example crops, relative to models/
    intervals: dict[str, dict[str, Any]] = field(default_factory=dict)  # metric -> value, low, high (90 %)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=float)


@dataclass(frozen=True, slots=True)
class ValSet:
    """Images to evaluate on, their label files (empty: the images/ -> labels/ convention) and what they are."""

    name: str  # realset | shared | the path given
    description: str
    images: tuple[Path, ...]
    labels: tuple[Path, ...] = ()


def _realset_val() -> ValSet | None:
    from .data.realset import SPLIT, load_set
    from .paths import realset_images

    if not SPLIT.is_file() or not realset_images().is_dir():
        return None
    val = load_set(realset_images()).split("val")
    if not val:
        return None
    return ValSet(
        "realset", "the val split of the real-photo set (`models/data/realset/`, split by source repository)",
        tuple(p.image for p in val), tuple(p.labels for p in val),
    )


def validation_set(data: str | None = None) -> ValSet:
    """``data``: None (the real set's val split when it is big enough, else the shared val photos), ``realset``,
    ``shared``, a data.yaml (its ``val`` images) or a folder of labelled images (YOLO layout)."""
    from .data.realset import VAL_TARGETS
    from .data.yolo import find_images

    if data in (None, "realset"):
        rs = _realset_val()
        if data == "realset" and rs is None:
            raise FileNotFoundError("no labelled val photos of the real-photo set: run `model realset fetch` first")
        if rs is not None and (data == "realset" or len(rs.images) >= VAL_TARGETS["photos"]):
            return rs
    if data in (None, "shared"):
        return ValSet("shared", "the `val` split of `../shared/data/real/split.yaml`", real_val_images())
    path = Path(str(data))
    if path.is_file() and path.suffix in (".yaml", ".yml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        root = Path(spec.get("path") or path.parent)
        root = root if root.is_absolute() else path.parent / root
        vals = spec.get("val") or []
        images = [im for v in ([vals] if isinstance(vals, str) else vals) for im in find_images(root / v)]
        return ValSet(str(path), f"the val images of `{path}`", tuple(images))
    if path.is_dir():
        return ValSet(str(path), f"the labelled images of `{path}`", tuple(find_images(path)))
    raise FileNotFoundError(f"validation data not found: {data} (give a data.yaml, a folder, realset or shared)")


def real_val_images(real_root: Path | None = None) -> tuple[Path, ...]:
    root = real_root or shared_data() / "real"
    if not (root / "split.yaml").is_file():
        raise FileNotFoundError(f"real validation photos not found ({root / 'split.yaml'}): pass --val FOLDER")
    split = yaml.safe_load((root / "split.yaml").read_text(encoding="utf-8"))
    return tuple(root / p for p in split["val"])


def negative_images(root: Path | None = None) -> tuple[Path, ...]:
    root = root or shared_data() / "negatives"
    if not root.is_dir():
        raise FileNotFoundError(f"street negatives not found ({root}): pass --negatives FOLDER")
    return tuple(sorted(p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))


def truth_boxes(image: Path, width: int, height: int, labels: Path | None = None) -> list[Box]:
    out = []
    for b in read_labels(labels or label_path_for(image)):
        x1, y1, x2, y2 = b.to_pixels(width, height)
        out.append(Box(x1, y1, x2, y2, b.class_id))
    return out


def load_model(path: Path) -> Any:
    offline_env()
    from ultralytics import YOLO

    if not path.exists():
        raise FileNotFoundError(f"model not found: {path}")
    return YOLO(str(path), task="detect")


def predict(model: Any, image: np.ndarray, imgsz: int, conf: float, iou: float) -> list[Box]:
    r = model.predict(image, imgsz=imgsz, conf=conf, iou=iou, verbose=False, max_det=300)[0]
    if r.boxes is None or len(r.boxes) == 0:
        return []
    xyxy, cf, cl = r.boxes.xyxy.cpu().numpy(), r.boxes.conf.cpu().numpy(), r.boxes.cls.cpu().numpy()
    return [Box(float(b[0]), float(b[1]), float(b[2]), float(b[3]), int(k), float(c))
            for b, c, k in zip(xyxy, cf, cl, strict=True)]


def measure_speed(model: Any, image: np.ndarray, imgsz: int, threads: int, runtime: str, runs: int = 10) -> Speed:
    predict(model, image, imgsz, 0.25, 0.5)  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        predict(model, image, imgsz, 0.25, 0.5)
        times.append((time.perf_counter() - t) * 1000)
    return Speed(imgsz, float(np.median(times)), threads, runtime, round(os.getloadavg()[0], 1), os.cpu_count())


def _save_crop(image: np.ndarray, box: Box, out: Path, label: str) -> None:
    import cv2

    h, w = image.shape[:2]
    bw, bh = box.x2 - box.x1, box.y2 - box.y1
    x1, y1 = int(max(0, box.x1 - bw)), int(max(0, box.y1 - bh))
    x2, y2 = int(min(w, box.x2 + bw)), int(min(h, box.y2 + bh))
    crop = image[y1:y2, x1:x2].copy()
    cv2.rectangle(crop, (int(box.x1) - x1, int(box.y1) - y1), (int(box.x2) - x1, int(box.y2) - y1), (0, 0, 255), 2)
    scale = 240 / max(crop.shape[:2])
    if scale < 1:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), crop, [cv2.IMWRITE_JPEG_QUALITY, 85])
    log.info("failure example %s: %s", out.name, label)


def read_image(path: Path) -> np.ndarray:
    """The image as BGR pixels; a clear error when it is missing or unreadable."""
    import cv2

    image = cv2.imread(str(path))
    if image is None:
        raise FileNotFoundError(f"cannot read image: {path}")
    return image


def _best_score(truth: Box, res: ImageResult) -> str:
    """What the model made of a missed camera: its best camera score at IoU >= 0.5, or that it never boxed it."""
    cams = [b for b in res.predictions if b.class_id in CAMERA_IDS]
    scores = [b.confidence for b, v in zip(cams, iou_matrix([truth], cams)[0], strict=True) if v >= 0.5]
    return f", best score {max(scores):.2f}" if scores else ", never boxed"


def evaluate(s: EvalSettings, failures_dir: Path | None = None, max_missed: int = 12, max_false: int = 3) -> EvalReport:
    """Run the model on the validation photos and the negatives; compute every metric of the card.

    With ``failures_dir``, crops of the failures are written there for the card, replacing those of an earlier run:
    every missed camera (up to ``max_missed``, the largest first: a big camera missed says more than a far one) with
    the best score the model gave it, and the ``max_false`` most confident false positives on the negatives.
    """
    import torch

    torch.set_num_threads(s.threads)
    model = load_model(s.model)
    results: list[ImageResult] = []
    probe: np.ndarray | None = None  # the first validation photo, for the speed figure
    missed: list[tuple[np.ndarray, Box, str]] = []
    for n, path in enumerate(s.val_images):
        image = read_image(path)
        probe = image if probe is None else probe
        h, w = image.shape[:2]
        truth = truth_boxes(path, w, h, s.val_labels[n] if s.val_labels else None)
        res = ImageResult(path.name, truth, predict(model, image, s.imgsz, 0.001, s.iou))
        results.append(res)
        cams = [b for b in res.truth if b.class_id in CAMERA_IDS]
        kept = [b for b in res.predictions if b.confidence >= s.conf and b.class_id in CAMERA_IDS]
        ious = iou_matrix(cams, kept)
        for i, b in enumerate(cams):
            if not kept or ious[i].max() < 0.5:
                missed.append((image, b, f"missed {CLASS_NAMES[b.class_id]} in {path.name}{_best_score(b, res)}"))
    metrics = compute(results, CLASS_NAMES, s.conf)
    negatives: list[ImageResult] = []
    false_pos: list[tuple[np.ndarray, Box, str]] = []
    for path in s.negatives:
        image = read_image(path)
        preds = predict(model, image, s.imgsz, 0.05, s.iou)
        negatives.append(ImageResult(path.name, [], preds))
        false_pos += [
            (image, b, f"false {CLASS_NAMES[b.class_id]} {b.confidence:.2f} in {path.name}")
            for b in preds
            if b.confidence >= s.conf and b.class_id in CAMERA_IDS
        ]
    grid = (0.1, 0.2, 0.25, 0.3, 0.4, 0.5)
    from .bootstrap import headline_intervals
    from .metrics import recall_at

    report = EvalReport(
        model=str(s.model),
        metrics=metrics,
        negatives=len(negatives),
        fp_per_negative=false_positives_per_image(negatives, s.conf),
        fp_per_negative_by_conf={f"{c:.2f}": false_positives_per_image(negatives, c) for c in grid},
        recall_by_conf={f"{c:.2f}": recall_at(results, CAMERA_IDS, c) for c in grid},
        intervals=headline_intervals(results, negatives, s.conf, s.resamples, s.seed),
    )
    if probe is not None:
        runtime = "ncnn" if s.model.is_dir() else s.model.suffix.lstrip(".").replace("pt", "pytorch")
        report.speed.append(measure_speed(model, probe, s.imgsz, s.threads, runtime))
    if failures_dir is not None:
        for old in [*failures_dir.glob("missed-*.jpg"), *failures_dir.glob("false-*.jpg")]:
            old.unlink()  # an earlier model's failures must not stay on the card
        false_pos.sort(key=lambda x: -x[1].confidence)
        missed.sort(key=lambda x: -x[1].area)
        for kind, items, limit in (("missed", missed, max_missed), ("false", false_pos, max_false)):
            for i, (image, box, label) in enumerate(items[:limit]):
                out = failures_dir / f"{kind}-{i}.jpg"
                _save_crop(image, box, out, label)
                report.failures.append(f"{out.name}: {label} ({box.x2 - box.x1:.0f}x{box.y2 - box.y1:.0f} px)")
    return report
