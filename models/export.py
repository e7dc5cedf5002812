"""Export the detector to ONNX and NCNN, and check each export against the PyTorch model.

NCNN goes through PNNX: this Ultralytics version calls the ``pnnx`` Python package (PyPI wheel, which carries the
``pnnx`` binary) instead of downloading the binary from GitHub, so the export works offline once ``pnnx`` is
installed (Ultralytics pins ``pnnx==20260526``).

The check: on the same images and size, every PyTorch detection (confidence >= ``conf``) must have a detection of the
same class in the export with IoU >= ``min_iou`` and a confidence within ``max_conf_delta``, and vice versa.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .evaluate import load_model, predict
from .metrics import Box, iou_matrix
from .paths import offline_env

log = logging.getLogger(__name__)

FORMATS = ("onnx", "ncnn")


@dataclass(slots=True)
class ExportCheck:
    """How an export's detections compare with the PyTorch model's."""

    format: str
    path: Path
    images: int = 0
    reference: int = 0  # PyTorch detections at the threshold
    matched: int = 0  # of those, found again in the export
    extra: int = 0  # export detections with no PyTorch counterpart
    max_conf_delta: float = 0.0
    allowed_conf_delta: float = 0.05

    @property
    def agrees(self) -> bool:
        return (
            self.images > 0
            and self.matched == self.reference
            and self.extra == 0
            and self.max_conf_delta <= self.allowed_conf_delta
        )


def export_one(pt: Path, fmt: str, imgsz: int, out_dir: Path | None = None) -> Path:
    """Export ``pt`` to ``fmt``; the result is moved to ``out_dir`` (default: next to ``pt``)."""
    offline_env()
    from ultralytics import YOLO

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    produced = Path(YOLO(str(pt)).export(format=fmt, imgsz=imgsz, half=False, dynamic=False, simplify=True))
    if produced.is_dir():  # pnnx's sample script: a torch import and this machine's absolute paths, not model data
        (produced / "model_ncnn.py").unlink(missing_ok=True)
    if out_dir is None or produced.parent == out_dir.resolve():
        return produced
    out_dir.mkdir(parents=True, exist_ok=True)
    dest = out_dir / produced.name
    if dest.exists():
        shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
    shutil.move(str(produced), dest)
    return dest


def square(image: np.ndarray, size: int) -> np.ndarray:
    """Letterbox to ``size`` x ``size`` (grey 114): every runtime then sees exactly the same input tensor.

    PyTorch weights otherwise get a minimally padded rectangle while fixed-shape exports get a square, and the two
    inputs differ before any export difference shows.
    """
    import cv2

    h, w = image.shape[:2]
    r = min(size / h, size / w)
    nh, nw = round(h * r), round(w * r)
    out = np.full((size, size, 3), 114, np.uint8)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top : top + nh, left : left + nw] = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return out


def _pairs(ref: list[Box], got: list[Box], min_iou: float) -> tuple[int, float, int]:
    ious = iou_matrix(ref, got)
    used: set[int] = set()
    matched, delta = 0, 0.0
    for i, r in enumerate(ref):
        cands = [j for j in range(len(got))
                 if j not in used and got[j].class_id == r.class_id and ious[i, j] >= min_iou]
        if cands:
            j = max(cands, key=lambda k: ious[i, k])
            used.add(j)
            matched += 1
            delta = max(delta, abs(got[j].confidence - r.confidence))
    return matched, delta, len(got) - len(used)


def check_export(
    pt: Path,
    exported: Path,
    images: list[np.ndarray],
    imgsz: int,
    conf: float = 0.25,
    min_iou: float = 0.9,
    max_conf_delta: float = 0.05,
) -> ExportCheck:
    """Compare the export's detections with the PyTorch model's on ``images`` (BGR arrays)."""
    fmt = "ncnn" if exported.is_dir() else exported.suffix.lstrip(".")
    ref_model, exp_model = load_model(pt), load_model(exported)
    check = ExportCheck(fmt, exported, allowed_conf_delta=max_conf_delta)
    margin = max_conf_delta  # a box near the threshold may fall on either side: compare with a margin
    for image in (square(im, imgsz) for im in images):
        ref = predict(ref_model, image, imgsz, conf - margin, 0.5)
        got = predict(exp_model, image, imgsz, conf - margin, 0.5)
        ref_core = [b for b in ref if b.confidence >= conf]
        got_core = [b for b in got if b.confidence >= conf]
        m, d, _ = _pairs(ref_core, got, min_iou)  # every confident PyTorch box is in the export...
        back, _, _ = _pairs(got_core, ref, min_iou)  # ...and every confident export box in PyTorch's
        extra = len(got_core) - back
        check.images += 1
        check.reference += len(ref_core)
        check.matched += m
        check.extra += extra
        check.max_conf_delta = max(check.max_conf_delta, d)
    log.info(
        "%s export: %d/%d PyTorch detections matched, %d extra, max confidence delta %.4f",
        fmt, check.matched, check.reference, check.extra, check.max_conf_delta,
    )  # fmt: skip
    return check


def ncnn_forward_ms(folder: Path, imgsz: int, threads: int = 1, runs: int = 8) -> float:
    """Median time of one NCNN forward pass (no pre/post-processing) with ``threads`` threads.

    Measured with one thread on shared machines: ncnn's OpenMP workers spin while they wait, so two threads on two
    busy cores run ten times slower than one. A Pi with its four cores to itself uses them all.
    """
    import time

    import ncnn

    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.num_threads = threads
    param = next(folder.glob("*.param"))
    net.load_param(str(param))
    net.load_model(str(param.with_suffix(".bin")))
    x = np.random.default_rng(0).random((3, imgsz, imgsz), dtype=np.float32)
    times = []
    for _ in range(runs + 1):
        t = time.perf_counter()
        with net.create_extractor() as ex:
            ex.input(net.input_names()[0], ncnn.Mat(x))
            for name in net.output_names():
                ex.extract(name)
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times[1:]))
