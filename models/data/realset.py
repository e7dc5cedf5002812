"""The real-photo set: openly licensed photos of cameras from public repositories, described by a committed manifest.

The photos are never committed. What is committed, in ``models/data/realset/``:

* ``manifest.csv``: one row per photo: ``file`` (its name in the set), ``repo``, ``commit``, ``path`` (where the
  original blob is), ``licence`` (one SPDX identifier), ``sha256`` (of the original blob), ``width``/``height`` (of
  the original), ``kind`` (``cams`` or ``negative``), ``view`` (street, close, ...), and free ``classes``,
  ``n_cameras``, ``notes``.
* ``labels/<stem>.txt``: YOLO labels of the normalised photo (``model realset labels`` writes them from a reviewed
  labelling database). A ``cams`` photo without a label file is *unlabelled* and stays out of every dataset.
* ``split.yaml``: which repositories are validation (``model realset split`` writes it; a repository is never in
  both splits, so near-duplicate photos of one source cannot leak from train into val).

``sousveillance model realset fetch`` rebuilds the image folder from the manifest (``fetch.py``). A row is refused,
with one line naming the reason, when its repository is excluded or its licence not allowed (``sources.py``), when
a field is malformed, or when its file name or blob repeats an earlier row.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from ..paths import MODELS_DIR
from .sources import licence_refusal, repo_refusal
from .yolo import CLASS_NAMES, YoloBox, read_labels

log = logging.getLogger(__name__)

REALSET_DIR = MODELS_DIR / "data" / "realset"
MANIFEST = REALSET_DIR / "manifest.csv"
LABELS_DIR = REALSET_DIR / "labels"
SPLIT = REALSET_DIR / "split.yaml"
KINDS = ("cams", "negative")
MAX_SIDE = 2048  # the normalised photos' long side, as ../shared/data/real
SPLIT_SEED = "sousveillance-realset-1"
VAL_SHARE = 0.3
_HEX40, _HEX64 = re.compile(r"^[0-9a-f]{40}$"), re.compile(r"^[0-9a-f]{64}$")


class ManifestError(ValueError):
    """The manifest file itself is unusable (missing, no header, required columns absent)."""


@dataclass(frozen=True, slots=True)
class RealPhoto:
    """One manifest row."""

    file: str
    repo: str
    commit: str
    path: str
    licence: str
    sha256: str
    width: int = 0
    height: int = 0
    kind: str = "cams"
    view: str = ""
    classes: str = ""
    n_cameras: int = 0
    notes: str = ""

    @property
    def image_name(self) -> str:
        """Its name in the normalised image folder (always a JPEG)."""
        return f"{Path(self.file).stem}.jpg"

    @property
    def stem(self) -> str:
        return Path(self.file).stem

    @property
    def scale(self) -> float:
        """Normalised size / original size."""
        side = max(self.width, self.height)
        return min(1.0, MAX_SIDE / side) if side else 1.0


COLUMNS = tuple(f.name for f in fields(RealPhoto))
REQUIRED = ("file", "repo", "commit", "path", "licence", "sha256", "kind")


@dataclass(frozen=True, slots=True)
class Refused:
    line: int  # in the CSV file, header = 1
    file: str
    reason: str

    def __str__(self) -> str:
        return f"manifest line {self.line} ({self.file or 'no file'}): refused: {self.reason}"


@dataclass(slots=True)
class Manifest:
    path: Path
    photos: list[RealPhoto] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def _row_refusal(row: dict[str, str]) -> str | None:
    name = row.get("file", "")
    if not name or Path(name).name != name or name.startswith("."):
        return f"file must be a plain file name, got {name!r}"
    if why := repo_refusal(row.get("repo", "")):
        return f"repository {row.get('repo')}: {why}"
    if why := licence_refusal(row.get("licence", "")):
        return why
    if not _HEX40.match(row.get("commit", "")):
        return f"commit must be 40 lower-case hex digits, got {row.get('commit')!r}"
    if not _HEX64.match(row.get("sha256", "")):
        return f"sha256 must be 64 lower-case hex digits, got {row.get('sha256')!r}"
    path = row.get("path", "")
    if not path or path.startswith(("/", "-")) or ".." in Path(path).parts:
        return f"path must be a path inside the repository, got {path!r}"
    if row.get("kind") not in KINDS:
        return f"kind must be one of {', '.join(KINDS)}, got {row.get('kind')!r}"
    for key in ("width", "height", "n_cameras"):
        if row.get(key) and not row[key].isdigit():
            return f"{key} must be a whole number, got {row[key]!r}"
    return None


def read_manifest(path: Path = MANIFEST) -> Manifest:
    """Every usable row, and every refused one with its reason. Raises ManifestError when the file is unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest {path}: {exc.strerror or exc}") from exc
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    header = ["licence" if h == "license" else h for h in header]  # the collector's spelling
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ManifestError(f"{path}: missing column(s) {', '.join(missing)} (header: {', '.join(header) or 'none'})")
    reader.fieldnames = header
    out = Manifest(path)
    names: set[str] = set()
    blobs: set[str] = set()
    for line, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k in COLUMNS}
        reason = _row_refusal(row)
        stem = Path(row.get("file", "")).stem.lower()
        if reason is None and stem in names:
            reason = f"file name {row['file']!r} repeats an earlier row"
        if reason is None and row["sha256"] in blobs:
            reason = "the same image (sha256) as an earlier row: a copy would sit in both splits"
        if reason:
            out.refused.append(Refused(line, row.get("file", ""), reason))
            continue
        names.add(stem)
        blobs.add(row["sha256"])
        ints = {k: int(row.get(k) or 0) for k in ("width", "height", "n_cameras")}
        out.photos.append(RealPhoto(**{**{k: row.get(k, "") for k in COLUMNS}, **ints}))  # type: ignore[arg-type]
    return out


def write_manifest(photos: list[RealPhoto], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for p in photos:
            writer.writerow({c: getattr(p, c) for c in COLUMNS})


# -- split by source repository ---------------------------------------------------------------------------------
def _rank(repo: str, seed: str) -> str:
    return hashlib.sha256(f"{seed}:{repo.lower()}".encode()).hexdigest()


def assign_splits(photos: list[RealPhoto], val_share: float = VAL_SHARE, seed: str = SPLIT_SEED) -> dict[str, str]:
    """Repository (lower case) -> ``train`` | ``val``. Deterministic: repositories in the order of a seeded hash go
    to val until val holds ``val_share`` of the photos; with two or more repositories each split gets one."""
    counts: dict[str, int] = {}
    for p in photos:
        counts[p.repo.lower()] = counts.get(p.repo.lower(), 0) + 1
    order = sorted(counts, key=lambda r: _rank(r, seed))
    total, in_val = sum(counts.values()), 0
    split: dict[str, str] = {}
    for repo in order:
        take = in_val < val_share * total and (len(split) < len(order) - 1 or in_val == 0)
        split[repo] = "val" if take and len(order) > 1 else "train"
        in_val += counts[repo] if split[repo] == "val" else 0
    return split


def write_split(photos: list[RealPhoto], path: Path = SPLIT, val_share: float = VAL_SHARE,
                seed: str = SPLIT_SEED) -> dict:
    repos = assign_splits(photos, val_share, seed)
    data = {
        "rule": {"val_share": val_share, "seed": seed},
        "val_repos": sorted(r for r, s in repos.items() if s == "val"),
        "train_repos": sorted(r for r, s in repos.items() if s == "train"),
        "val": sorted(p.image_name for p in photos if repos[p.repo.lower()] == "val"),
        "train": sorted(p.image_name for p in photos if repos[p.repo.lower()] == "train"),
    }
    header = (
        "# Written by `sousveillance model realset split` from manifest.csv: split by source repository (never one\n"
        "# repository in both), repositories taken into val in the order of a seeded hash. Do not edit by hand.\n"
    )
    path.write_text(header + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return data


def read_split(path: Path = SPLIT) -> dict[str, str]:
    """Repository (lower case) -> split, from the committed split file."""
    if not path.is_file():
        raise FileNotFoundError(f"no split file {path}: run `sousveillance model realset split`")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = {r.lower(): "train" for r in data.get("train_repos") or []}
    for r in data.get("val_repos") or []:
        if out.get(r.lower()) == "train":
            raise ValueError(f"{path}: repository {r} is in both splits")
        out[r.lower()] = "val"
    return out


# -- labels and sets ---------------------------------------------------------------------------------------------
def label_file(photo: RealPhoto, labels_dir: Path = LABELS_DIR) -> Path:
    return labels_dir / f"{photo.stem}.txt"


def labels_of(photo: RealPhoto, labels_dir: Path = LABELS_DIR) -> list[YoloBox] | None:
    """The photo's boxes; ``[]`` for a negative without a label file; ``None`` when a ``cams`` photo is unlabelled."""
    path = label_file(photo, labels_dir)
    if not path.is_file():
        return [] if photo.kind == "negative" else None
    boxes = read_labels(path)
    for b in boxes:
        if not 0 <= b.class_id < len(CLASS_NAMES) or not all(0 <= v <= 1 for v in (b.cx, b.cy, b.w, b.h)):
            raise ValueError(f"{path}: box {b.line()!r} is outside the classes 0..3 or the image")
    return boxes


@dataclass(slots=True)
class SetPhoto:
    """A usable photo of the set: its normalised image, its label file and its split."""

    photo: RealPhoto
    image: Path
    labels: Path  # may not exist for a negative (no boxes)
    split: str
    boxes: list[YoloBox]


@dataclass(slots=True)
class RealSet:
    photos: list[SetPhoto] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line per photo left out, and why

    def split(self, name: str) -> list[SetPhoto]:
        return [p for p in self.photos if p.split == name]


def load_set(
    images_dir: Path, manifest: Path = MANIFEST, labels_dir: Path = LABELS_DIR, split_file: Path = SPLIT
) -> RealSet:
    """The photos of the manifest that are usable: fetched, labelled (or negatives) and in the split file.

    Every photo left out gives one line in ``notes`` (refused row, not fetched, unlabelled, no split); nothing
    aborts the set but a missing manifest or split file.
    """
    m = read_manifest(manifest)
    splits = read_split(split_file)
    out = RealSet(notes=[str(r) for r in m.refused])
    for p in m.photos:
        image = images_dir / p.image_name
        if not image.is_file():
            out.notes.append(f"{p.file}: not fetched (run `sousveillance model realset fetch`): left out")
            continue
        boxes = labels_of(p, labels_dir)
        if boxes is None:
            out.notes.append(f"{p.file}: unlabelled (label it with `sousveillance label`): left out")
            continue
        split = splits.get(p.repo.lower())
        if split is None:
            out.notes.append(f"{p.file}: repository {p.repo} is not in {split_file.name} (run `model realset split`)")
            continue
        out.photos.append(SetPhoto(p, image, label_file(p, labels_dir), split, boxes))
    return out


# What issue 18 asks of the validation set, so that it can tell models apart.
VAL_TARGETS = {"photos": 100, "boxes": 150, "small": 40}


def split_stats(photos: list[SetPhoto]) -> dict[str, int]:
    """Photos, camera boxes, small (< 32 x 32 px in the normalised photo) boxes, and boxes per class."""
    stats = {"photos": len(photos), "boxes": 0, "small": 0, **dict.fromkeys(CLASS_NAMES, 0)}
    for sp in photos:
        w, h = sp.photo.width * sp.photo.scale, sp.photo.height * sp.photo.scale
        for b in sp.boxes:
            stats[CLASS_NAMES[b.class_id]] += 1
            if b.class_id == CLASS_NAMES.index("pole"):
                continue
            stats["boxes"] += 1
            stats["small"] += int(b.w * w * b.h * h < 32.0**2)
    return stats
