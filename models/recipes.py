"""Training recipes: the whole set of settings one ``sousveillance model train --recipe`` stands for.

* ``cpu``: what fits this project's 2 shared CPU cores: 640 px, batch 8, 30 epochs (or a ``--hours`` budget).
* ``gpu``: a full training when an accelerator is present: 1280 px (a 30 cm camera at 15 m stays about twice as
  many pixels wide as at 640, closer to what the device's native-resolution tiles show the model), batch 32,
  150 epochs with early stopping, 8 data-loading workers.
* ``auto`` (default): ``gpu`` when PyTorch sees a CUDA device, else ``cpu``.

The model is the same YOLOv8n (8.7 GFLOPs at 640 px, inside the device's 9 GFLOPs budget) whatever the recipe: the
device still runs it at 640 px and on 640 px tiles. ``--arch p2`` adds a stride-4 head for the smallest cameras; it
costs about 17 GFLOPs at 640 px, twice that budget, so it is an experiment, never the shipped default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .train import TrainSettings

ARCHS = {
    "n": ("yolov8n.yaml", "YOLOv8n: 8.7 GFLOPs at 640 px, within the device's 9 GFLOPs budget"),
    "p2": ("yolov8n-p2.yaml", "YOLOv8n with a P2 (stride-4) head: about 17 GFLOPs at 640 px, OVER the 9 GFLOPs budget"),
}


@dataclass(frozen=True, slots=True)
class Recipe:
    name: str
    imgsz: int
    batch: int
    epochs: int
    workers: int
    threads: int
    device: str  # what Ultralytics is given unless --device says otherwise
    patience: int
    why: str


RECIPES = {
    "cpu": Recipe("cpu", 640, 8, 30, workers=1, threads=2, device="cpu", patience=50,
                  why="640 px, batch 8: what 2 shared CPU cores train in an hour or two"),
    "gpu": Recipe("gpu", 1280, 32, 150, workers=8, threads=8, device="0", patience=50,
                  why="1280 px, batch 32, 150 epochs (early stop after 50 without gain): a full training on one GPU"),
}  # fmt: skip


class RecipeError(ValueError):
    """A recipe that cannot run here (one-line message)."""


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # no train extra: nothing trains here anyway, and not on a GPU
        return False
    return bool(torch.cuda.is_available())


def pick_recipe(name: str = "auto", cuda: Callable[[], bool] = cuda_available, device: str | None = None) -> Recipe:
    """The recipe ``name`` stands for here. ``auto``: gpu when ``cuda()`` says a CUDA device is present.

    An explicit ``gpu`` without a CUDA device is refused unless ``device`` names one (``mps``, ``0``, ...)."""
    if name == "auto":
        return RECIPES["gpu" if cuda() else "cpu"]
    if name not in RECIPES:
        raise RecipeError(f"unknown recipe {name!r}: auto, gpu or cpu")
    if name == "gpu" and device is None and not cuda():
        raise RecipeError("the gpu recipe needs a CUDA device and PyTorch sees none: use --recipe cpu (or --device)")
    return RECIPES[name]


def settings_for(
    recipe: Recipe, data: Path, *, arch: str = "n", imgsz: int | None = None, batch: int | None = None,
    epochs: int | None = None, device: str | None = None, threads: int | None = None, **rest,
) -> TrainSettings:  # fmt: skip
    """TrainSettings from a recipe; every value given explicitly wins over the recipe's."""
    if arch not in ARCHS:
        raise RecipeError(f"unknown architecture {arch!r}: {', '.join(ARCHS)}")
    base = TrainSettings(data, **rest)
    return replace(
        base, imgsz=imgsz or recipe.imgsz, batch=batch or recipe.batch, epochs=epochs or recipe.epochs,
        device=device or recipe.device, threads=threads or recipe.threads, workers=recipe.workers,
        patience=recipe.patience, recipe=recipe.name, arch=ARCHS[arch][0],
    )  # fmt: skip
