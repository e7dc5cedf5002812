"""Cut-out labels: one JSON file per rendered cut-out, boxes from the object-index pass (pure numpy, no Blender).

A cut-out is three files with one stem: ``NNNNNN.png`` (RGBA, transparent background), ``NNNNNN_ids.png`` (uint8
instance ids: 0 background, 1..N labelled instances, ``UNLABELLED_ID`` mounts, cables and hard negatives) and
``NNNNNN.json`` (written last: its presence means the cut-out is complete).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ...device.types import Box

UNLABELLED_ID = 200
CLASS_NAMES = ("dome", "fixed", "ptz", "pole")


@dataclass(slots=True)
class Instance:
    """One labelled object in a cut-out: its id in the ids image, class, box and visible pixel count."""

    id: int
    class_name: str
    box: list[float]
    pixels: int
    geom_box: list[float] | None = None  # the projected geometry's box, clipped to the image (before any occlusion)

    @property
    def class_id(self) -> int:
        return CLASS_NAMES.index(self.class_name)


@dataclass(slots=True)
class CutoutLabel:
    """Everything about one cut-out: instances, the asset and view parameters, and the seed that made it."""

    stem: str
    seed: int
    width: int
    height: int
    asset: str
    lighting: str
    instances: list[Instance] = field(default_factory=list)
    negative: bool = False
    truncated_bottom: bool = False  # a pole runs out of the bottom edge: composite it touching the frame bottom
    view: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    render_s: float = 0.0

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1, default=str), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> CutoutLabel:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data["instances"] = [Instance(**i) for i in data.get("instances", [])]
        return cls(**data)


def mask_box(mask: np.ndarray) -> Box | None:
    """The tight box (x2/y2 exclusive) around the True pixels of ``mask``, or None when it is empty."""
    ys = np.flatnonzero(mask.any(axis=1))
    if ys.size == 0:
        return None
    xs = np.flatnonzero(mask.any(axis=0))
    return Box(float(xs[0]), float(ys[0]), float(xs[-1] + 1), float(ys[-1] + 1))


def instance_boxes(ids: np.ndarray, instance_ids) -> dict[int, tuple[Box, int]]:
    """Box and pixel count of every id in ``instance_ids`` present in the ids image."""
    out: dict[int, tuple[Box, int]] = {}
    for i in instance_ids:
        m = ids == i
        b = mask_box(m)
        if b is not None:
            out[int(i)] = (b, int(m.sum()))
    return out


def cutout_paths(directory: Path, stem: str) -> tuple[Path, Path, Path]:
    directory = Path(directory)
    return directory / f"{stem}.png", directory / f"{stem}_ids.png", directory / f"{stem}.json"


def list_cutouts(directory: Path) -> list[Path]:
    """The label files of complete cut-outs in ``directory``, sorted."""
    return sorted(p for p in Path(directory).glob("*.json") if not p.name.endswith(".tmp"))
