"""``sousveillance label PHOTOS``: a folder of photos of cameras labelled as a walk without GPS.

The model proposes, a person verifies each box in the review page. Each photo is its own frame: nothing is tracked
from one photo to the next (unrelated photos, unlike ``replay``'s video frames). The detector runs with a low
proposal threshold on the whole photo and, when the photo is large, on native-resolution tiles of it; each camera
it proposes becomes a camera pending review, with its crop. The photo itself is kept next to the database
(``frames/<walk_id>/<index>.jpg``): these are the user's own photos of cameras, taken to be labelled, so nothing in
them is blurred, which the command says when it runs. Photos are re-encoded: their EXIF data (a phone's GPS
position among it) is not kept. No GPS is needed, and the cameras get no position.

A photo that cannot be read (empty, not an image, a link to something else) gives one line and is skipped; the set
goes on. A photo already labelled in the same database (same sha256) is skipped too.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click
import numpy as np

from ..capture.folder import IMAGE_SUFFIXES, UnreadableImage, load_image
from ..detect.tiling import Tile, merge_detections
from ..store import PhotoRow, Store, StoreError
from ..store.crops import crop_around
from ..types import CAMERA_CLASSES, Detection

log = logging.getLogger(__name__)

PROPOSAL_CONF = 0.10  # low: a person verifies every box, a missed camera costs more than a rejected proposal
MAX_PROPOSALS = 20  # per photo, the most confident


class PhotoError(Exception):
    """One photo cannot be used (one-line reason)."""


@dataclass(slots=True)
class LabelResult:
    walk_id: int
    photos: int = 0
    proposals: int = 0
    skipped: list[str] = field(default_factory=list)  # one line per photo left out
    already: int = 0  # photos labelled before in this database


def read_photo(path: Path) -> tuple[np.ndarray, str]:
    """The photo's pixels (EXIF orientation applied) and the sha256 of its file; PhotoError when unusable."""
    try:
        image, data = load_image(path)
    except UnreadableImage as exc:
        raise PhotoError(str(exc)) from None
    return image, hashlib.sha256(data).hexdigest()


def photo_tiles(width: int, height: int, size: int, overlap: float = 0.2) -> list[Tile]:
    """Native-resolution tiles of a large photo: a grid of at most 3 x 3 tiles, each at least ``size`` px, with
    overlap; none when the photo is small enough for the whole-photo pass (long side <= 1.5 x ``size``)."""
    if max(width, height) <= 1.5 * size:
        return []

    def starts(n: int) -> tuple[list[int], int]:
        k = min(3, math.ceil(n / size))
        side = min(n, max(size, math.ceil(n / (k - (k - 1) * overlap))))
        if k <= 1 or side >= n:
            return [0], n
        step = (n - side) / (k - 1)
        return [round(i * step) for i in range(k)], side

    xs, tw = starts(width)
    ys, th = starts(height)
    return [Tile(x, y, x + tw, y + th) for y in ys for x in xs]


def propose(detect: Callable[[np.ndarray], list[Detection]], image: np.ndarray, size: int) -> list[Detection]:
    """Camera proposals on the whole photo and its tiles, merged, the most confident first."""
    dets = list(detect(image))
    h, w = image.shape[:2]
    for t in photo_tiles(w, h, size):
        for d in detect(image[t.y0 : t.y1, t.x0 : t.x1]):
            dets.append(Detection(d.x1 + t.x0, d.y1 + t.y0, d.x2 + t.x0, d.y2 + t.y0, d.confidence, d.class_id,
                                  d.class_name))  # fmt: skip
    cams = [d for d in merge_detections(dets) if d.class_name in CAMERA_CLASSES]
    return sorted(cams, key=lambda d: -d.confidence)[:MAX_PROPOSALS]


def photo_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def label_photos(
    folder: Path, store: Store, detect: Callable[[np.ndarray], list[Detection]], *, size: int = 640,
    model: str = "", model_version: str = "", settings: dict | None = None, echo: Callable[[str], None] = log.warning,
) -> LabelResult:  # fmt: skip
    """Record every readable photo of ``folder`` as one frame of a new walk, with the model's proposals on it."""
    walk_id = store.start_walk(source=f"photos:{folder.name}", settings={"photos": {"folder": str(folder),
                               **(settings or {})}}, model=model, model_version=model_version)  # fmt: skip
    result = LabelResult(walk_id)
    try:
        for path in photo_files(folder):
            try:
                image, sha = read_photo(path)
            except PhotoError as exc:
                result.skipped.append(f"{path.name}: {exc}: skipped")
                echo(result.skipped[-1])
                continue
            earlier = store.photo_with_sha256(sha)
            if earlier is not None:
                result.skipped.append(
                    f"{path.name}: already labelled (walk {earlier.walk_id}, {earlier.file}): skipped")
                result.already += 1
                echo(result.skipped[-1])
                continue
            photo: PhotoRow = store.add_photo(walk_id, result.photos, path.name, image, sha256=sha)
            proposals = propose(detect, image, size)
            for det in proposals:
                store.add_photo_box(photo, det, crop_around(image, det))
            store.set_photo_proposals(photo.id, len(proposals))
            result.photos += 1
            result.proposals += len(proposals)
    except BaseException as exc:
        store.end_walk(walk_id, "failed", error=str(exc) or type(exc).__name__, frames=result.photos)
        raise
    store.end_walk(walk_id, "completed", frames=result.photos)
    return result


@click.command("label")
@click.argument("photos", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=Path("labels.db"), show_default=True,
              help="Labelling database (a walk database; photos and crops are kept next to it).")  # fmt: skip
@click.option("--model", help="Model: .pt, .onnx or an NCNN folder (default: the shipped model).")
@click.option("--conf", type=click.FloatRange(0.01, 0.9), default=PROPOSAL_CONF, show_default=True,
              help="Proposal threshold: low, since a person checks every box.")  # fmt: skip
@click.option("--imgsz", type=int, default=640, show_default=True, help="Detector input size (and tile size).")
def label(photos: Path, db: Path, model: str | None, conf: float, imgsz: int) -> None:
    """Label a folder of photos of cameras: the model proposes boxes, you verify each one in the review page.

    Each photo is its own frame (nothing is tracked across photos) and needs no GPS. The photos are kept next to
    the database and nothing in them is blurred: label only photos you may keep. A photo that cannot be read gives
    one line and is skipped, as is a photo labelled before in the same database. Exit status: 0 photos recorded
(or all of them labelled before); 1 error, or no readable photo in the folder.

    \b
    Example:
      sousveillance label ~/camera-photos --db labels.db && sousveillance review labels.db
      sousveillance model realset labels --db labels.db      # the reviewed boxes as YOLO labels
    """
    from .. import detect as detect_mod
    from ..detect import DetectorError

    try:
        detector = detect_mod.open_detector(model, imgsz=imgsz, conf=conf)
        store = Store(db)
    except (DetectorError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"labelling {photos}: the photos are kept in {store.root / 'frames'}, unblurred", err=True)
    try:
        from sousveillance.models import MODEL_VERSION

        result = label_photos(photos, store, detector.detect, size=imgsz, model=detector.model_path,
                              model_version=MODEL_VERSION, settings={"conf": conf, "imgsz": imgsz},
                              echo=lambda line: click.echo(line, err=True))  # fmt: skip
    except (StoreError, DetectorError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"walk {result.walk_id}: {result.photos} photos, {result.proposals} boxes proposed, "
               f"{len(result.skipped)} photos skipped")  # fmt: skip
    if not result.photos and not result.already:
        raise click.ClickException(f"no readable photo in {photos}")
    click.echo(f"review it: sousveillance review {store.path}  (page /walks/{result.walk_id}/photos)")
