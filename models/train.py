"""Train the detector with Ultralytics, offline, resumable, on the CPU or a GPU when one is present.

A run lives in ``RUNS/<name>/`` (outside git). Calling ``train`` again with the same name continues from
``weights/last.pt`` when the previous process stopped early (a run that outlives a session continues in the next).

Initialisation: ``coco-tflite`` (default) is the COCO YOLOv8n rebuilt from the INT8 TFLite export by
``tflite_import``; ``scratch`` is a random YOLOv8n; anything else is a path to an Ultralytics ``.pt``, such as the
shipped model or an earlier stage. A start that already has our four classes carries over whole; one with other
classes (COCO) carries over every layer except the three class outputs, re-made for our classes (see
``WholeStartMixin``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import offline_env, runs_dir, ultralytics_asset

log = logging.getLogger(__name__)

ARCH = "yolov8n.yaml"


@dataclass(frozen=True, slots=True)
class TrainSettings:
    data: Path  # data.yaml
    name: str = "sousveillance-n"
    init: str = "coco-tflite"  # coco-tflite | scratch | path/to/weights.pt
    epochs: int = 30
    hours: float | None = None  # wall-clock budget; Ultralytics then fits the epochs into it
    imgsz: int = 640
    batch: int = 8
    device: str | None = None  # None: first GPU when present, else CPU
    threads: int = 2
    workers: int = 1
    patience: int = 50
    seed: int = 0
    fraction: float = 1.0
    recipe: str = "cpu"  # the recipe these settings came from (recipes.py), recorded for the card
    arch: str = ARCH  # the network's yaml: yolov8n.yaml, or yolov8n-p2.yaml (a stride-4 head, over budget)


@dataclass(frozen=True, slots=True)
class TrainResult:
    run_dir: Path
    best: Path
    last: Path
    seconds: float
    resumed: bool


def coco_init_checkpoint(out: Path | None = None) -> Path:
    """The imported COCO checkpoint (made once, cached under the runs folder)."""
    from . import tflite_import as ti

    out = out or runs_dir() / "init" / "yolov8n_coco_tflite.pt"
    if out.is_file():
        return out
    import cv2

    tfl = ti.default_tflite_path()
    model = ti.build_model(ti.read_convolutions(tfl), ti.coco_names(tfl.parent / "metadata.yaml"))
    calib = [ultralytics_asset("bus.jpg"), ultralytics_asset("zidane.jpg")]  # street scenes, no val photo
    ti.calibrate_bn(model, [cv2.imread(str(p)) for p in calib], imgsz=640)
    return ti.save_checkpoint(model, out, tfl)


def _whole_start_trainer() -> type:
    from ultralytics.models.yolo.detect import DetectionTrainer

    class WholeStartTrainer(WholeStartMixin, DetectionTrainer):
        pass

    return WholeStartTrainer


class WholeStartMixin:
    """Starts training from every weight of the initial model, at its own width.

    Ultralytics rebuilds the network from its yaml for the dataset's class count and copies the weights whose shapes
    match. YOLOv8n's class branch is ``max(64, classes)`` channels wide, so a 4-class rebuild of a COCO (80-class)
    start, or of our own models grown from it (the shipped one is 80 wide), matches none of the 36 tensors of that
    branch: every fine-tune, and every resume of one, silently started its classifier from random. Here a start with
    the dataset's classes is taken whole, and a start with other classes keeps its branch and gets new class outputs.
    """

    def get_model(self, cfg: Any = None, weights: Any = None, verbose: bool = True) -> Any:
        import torch

        if not isinstance(weights, torch.nn.Module):
            return super().get_model(cfg, weights, verbose)  # type: ignore[misc]
        import copy

        model: Any = copy.deepcopy(weights).float()
        names = {int(k): v for k, v in self.data["names"].items()}  # type: ignore[attr-defined]
        same_classes = dict(model.names) == names
        if not same_classes:
            _new_class_outputs(model, len(names))
        log.info("starting from the whole initial model (%s)", "same classes" if same_classes else "new class outputs")
        model.names = names
        for p in model.parameters():
            p.requires_grad_(True)
        return model


def _new_class_outputs(model: Any, nc: int) -> None:
    """Replace the detection head's three class-output convolutions by new ones for ``nc`` classes."""
    import math

    import torch

    head = model.model[-1]
    for branch, stride in zip(head.cv3, head.stride, strict=True):
        old = branch[-1]
        new: Any = torch.nn.Conv2d(old.in_channels, nc, 1)
        new.bias.data[:] = math.log(5 / nc / (640 / float(stride)) ** 2)  # Ultralytics' class prior (Detect.bias_init)
        branch[-1] = new
    head.nc, head.no = nc, nc + head.reg_max * 4
    model.nc = nc
    model.yaml["nc"] = nc


def pick_device(device: str | None) -> str:
    if device:
        return device
    import torch

    return "0" if torch.cuda.is_available() else "cpu"


def _resumable(last: Path) -> bool:
    import torch

    try:
        ckpt = torch.load(last, map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001 - a truncated file from a killed process: start again
        log.warning("cannot read %s (%s): starting a new run", last, exc)
        return False
    return ckpt.get("optimizer") is not None and int(ckpt.get("epoch", -1)) >= 0


def train(
    s: TrainSettings, project: Path | None = None, callbacks: dict[str, Callable[[Any], None]] | None = None
) -> TrainResult:
    """Train (or resume) one run; returns where its weights are. ``callbacks``: Ultralytics event -> function."""
    offline_env()
    if not s.data.is_file():
        raise FileNotFoundError(f"data.yaml not found: {s.data} (make one with `sousveillance model dataset`)")
    os.environ.setdefault("OMP_NUM_THREADS", str(s.threads))
    import torch

    torch.set_num_threads(s.threads)
    from ultralytics import YOLO

    project = (project or runs_dir()).resolve()
    run_dir = project / s.name
    last = run_dir / "weights" / "last.pt"
    t0 = time.monotonic()
    device = pick_device(s.device)
    resumed = last.is_file() and _resumable(last)
    if last.is_file() and not resumed and (run_dir / "weights" / "best.pt").is_file():
        log.info("run %s is complete (%s): nothing to do; use another --name to train again", s.name, run_dir)
        return TrainResult(run_dir, run_dir / "weights" / "best.pt", last, 0.0, False)
    if resumed:
        log.info("resuming %s from %s", s.name, last)
        yolo = YOLO(str(last))
        _add_callbacks(yolo, callbacks)
        yolo.train(resume=True, device=device, workers=s.workers, trainer=_whole_start_trainer())
    else:
        if s.init == "coco-tflite":
            pretrained: str | bool = str(coco_init_checkpoint())
        elif s.init == "scratch":
            pretrained = False
        else:
            if not Path(s.init).is_file():
                raise FileNotFoundError(f"initial weights not found: {s.init}")
            pretrained = s.init
        args = {
            "data": str(s.data),
            "epochs": s.epochs,
            "imgsz": s.imgsz,
            "batch": s.batch,
            "device": device,
            "workers": s.workers,
            "project": str(project),
            "name": s.name,
            "exist_ok": True,
            "pretrained": pretrained,
            "patience": s.patience,
            "seed": s.seed,
            "fraction": s.fraction,
            "cache": "ram",
            "plots": False,
            "amp": device != "cpu",
            "verbose": False,
            # small, far cameras: keep mosaic (it shrinks objects) and scale jitter; no vertical flips (cameras hang)
            "mosaic": 1.0,
            "scale": 0.5,
            "fliplr": 0.5,
            "flipud": 0.0,
        }
        if s.hours:
            args["time"] = s.hours
        log.info("training %s (%s recipe, %s): %s", s.name, s.recipe, s.arch, args)
        if s.arch != ARCH:  # another network: built from its yaml, the start's matching layers loaded into it
            yolo = YOLO(s.arch)
        else:
            yolo = YOLO(pretrained if isinstance(pretrained, str) else ARCH)
        _add_callbacks(yolo, callbacks)
        yolo.train(**args, trainer=_whole_start_trainer())
    seconds = time.monotonic() - t0
    _record_run(run_dir, s, device, seconds)
    best = run_dir / "weights" / "best.pt"
    return TrainResult(run_dir, best if best.is_file() else last, last, seconds, resumed)


def _add_callbacks(yolo: Any, callbacks: dict[str, Callable[[Any], None]] | None) -> None:
    for event, fn in (callbacks or {}).items():
        yolo.add_callback(event, fn)


def device_name(device: str) -> str:
    """What ran the training, in words: the GPU's name, or the CPU."""
    if device == "cpu":
        return "cpu"
    import torch

    try:
        index = int(device.split(",")[0])
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    except (ValueError, RuntimeError, AssertionError):
        return device


def _record_run(run_dir: Path, s: TrainSettings, device: str, seconds: float, name: str | None = None) -> None:
    """Command, recipe, device and wall time summed over resumed sessions, for the model card."""
    path = run_dir / "sousveillance.json"
    meta = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    meta["seconds"] = float(meta.get("seconds", 0.0)) + seconds
    meta["sessions"] = int(meta.get("sessions", 0)) + 1
    meta.setdefault("command", " ".join(["sousveillance", *sys.argv[1:]]) if sys.argv[1:2] == ["model"] else "")
    meta.setdefault("recipe", s.recipe)  # a resumed run keeps the recipe it started with
    meta.setdefault("arch", s.arch)
    meta.update(device=device, device_name=name or device_name(device), init=s.init)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
