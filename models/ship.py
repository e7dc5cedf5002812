"""Ship a trained run: copy its best weights into ``models/weights/``, stamp the version, record the training."""

from __future__ import annotations

import csv
import json
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from . import card
from .paths import offline_env

log = logging.getLogger(__name__)

SIZE_RATIONALE = (
    "the device runs 640 px by default (8.x GFLOPs for YOLOv8n, inside the nano budget); a 16 px camera in a 1920 px "
    "frame shrinks to ~5 px at 640, below what the stride-8 head resolves, so training adds 640 px tiles cut at native "
    "resolution from large images (what the device's `detector.schedule` tiles show the model) while mosaic and scale "
    "jitter (0.5) keep far, small cameras in every batch. Larger training sizes were out of reach on 2 CPU cores."
)


def run_record(run_dir: Path) -> dict[str, Any]:
    """What a run did: its arguments, epochs, time and dataset manifest."""
    args = yaml.safe_load((run_dir / "args.yaml").read_text(encoding="utf-8"))
    results = run_dir / "results.csv"
    rows = list(csv.DictReader(results.open(encoding="utf-8"))) if results.is_file() else []
    meta_path = run_dir / "sousveillance.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    manifest_path = Path(args["data"]).parent / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    return {
        "run": str(run_dir),
        "command": meta.get("command", ""),
        "minutes": meta.get("seconds", float(rows[-1]["time"]) if rows else 0.0) / 60,
        "device": meta.get("device_name") or meta.get("device", args.get("device")),
        "recipe": meta.get("recipe"),
        "arch": meta.get("arch", "yolov8n.yaml"),
        "epochs": len(rows),
        "imgsz": args.get("imgsz"),
        "batch": args.get("batch"),
        "init": meta.get("init", args.get("pretrained")),
        "dataset": manifest,
        "size_rationale": SIZE_RATIONALE,
    }


def compute_cost(weights: Path, imgsz: int = 640) -> tuple[float, int]:
    """(GFLOPs at ``imgsz``, parameters)."""
    offline_env()
    from ultralytics import YOLO
    from ultralytics.utils.torch_utils import get_flops

    m: Any = YOLO(str(weights)).model
    return float(get_flops(m, imgsz)), int(sum(p.numel() for p in m.parameters()))


def ship(run_dir: Path, weights_dir: Path, name: str = "sousveillance-n", pick: str = "best") -> Path:
    """Copy ``best.pt`` (else ``last.pt``) of ``run_dir`` to ``weights_dir/NAME.pt``; write VERSION and train.json.

    ``pick="last"`` ships the final epoch: Ultralytics chooses ``best.pt`` by its fitness on the validation
    images, so the final epoch is the choice that keeps those images out of model selection. ``pick="soup"`` ships
    the run averaged with its start (``soup.pt``, written by ``sousveillance model soup``).
    """
    if pick not in ("best", "last", "soup"):
        raise ValueError(f"pick must be best, last or soup, got {pick!r}")
    src = run_dir / "weights" / f"{pick}.pt"
    if not src.is_file():
        if pick == "soup":
            raise FileNotFoundError(f"no soup.pt in {run_dir / 'weights'} (make it with `sousveillance model soup`)")
        src = run_dir / "weights" / "last.pt"
    if not src.is_file():
        raise FileNotFoundError(f"no weights in {run_dir / 'weights'}")
    weights_dir.mkdir(parents=True, exist_ok=True)
    dest = weights_dir / f"{name}.pt"
    shutil.copyfile(src, dest)
    from ultralytics.utils.torch_utils import strip_optimizer

    strip_optimizer(str(dest))  # drops optimizer state and EMA duplicates: the shipped file is inference-only
    stamp = datetime.now(UTC).strftime("%Y.%m.%d")
    rec = run_record(run_dir)
    version = f"{name} {stamp} ({rec['epochs']} epochs, {rec['imgsz']} px, init {Path(str(rec['init'])).stem})"
    if pick == "soup":
        import torch

        rec["soup"] = torch.load(dest, map_location="cpu", weights_only=False).get("soup")
        if rec["soup"]:
            w = rec["soup"]["weight"]
            version = version[:-1] + f", averaged {w:.2f}/{1 - w:.2f} with {Path(rec['soup']['start']).stem})"
    (weights_dir / "VERSION").write_text(version + "\n", encoding="utf-8")
    gflops, params = compute_cost(dest)
    rec["picked"] = src.stem
    card.record("train", {**rec, "version": version, "gflops": gflops, "params": params, "weights": str(dest)})
    log.info("shipped %s -> %s (%s)", src, dest, version)
    return dest
