"""``sousveillance model dataset`` and ``model convert``: the commands that build training data.

They assemble a YOLO dataset from the real photos, their variants, synthetic images and reviewed walks, and convert
public annotation formats. Heavy libraries load only when a command runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("dataset")
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True, help="Dataset folder to (re)write.")
@click.option("--synth", multiple=True, type=click.Path(path_type=Path), help="Synthetic YOLO folder (repeatable).")
@click.option("--extra", multiple=True, type=click.Path(path_type=Path), help="Other YOLO folder for train.")
@click.option("--walks", multiple=True, type=click.Path(path_type=Path), help="Walk database (reviewed cameras).")
@click.option("--real/--no-real", default=True, show_default=True, help="Use ../shared/data/real (train + val).")
@click.option("--realset", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="The real-photo set's fetched images (`model realset fetch`): "
                   "its train and val splits.")  # fmt: skip
@click.option("--real-repeat", default=3, show_default=True, help="Oversample the real train photos.")
@click.option("--imgsz", default=640, show_default=True, help="Training size (and tile size).")
@click.option("--tile/--no-tile", default=True, show_default=True, help="Add native-resolution tiles.")
@click.option("--synth-tiles/--no-synth-tiles", default=True, show_default=True, help="Tiles of synthetic images too.")
@click.option("--synth-max", type=int, default=None, help="Use at most this many synthetic images (evenly spread).")
@click.option("--real-soft", default=0, show_default=True,
              help="Soft (shrunk, re-enlarged, JPEG) copies of each real train photo.")  # fmt: skip
@click.option("--real-far", default=0, show_default=True,
              help="Far grids: 2x2 to 4x4 real train photos in one frame (cameras 2-4x smaller).")  # fmt: skip
@click.option("--real-backlit", default=0, show_default=True,
              help="Far grids of real train photos exposed for a bright sky (cameras as dark shapes).")  # fmt: skip
@click.option("--seed", default=0, show_default=True, help="Seed of the real variants.")
def dataset(
    out: Path,
    synth: tuple[Path, ...],
    extra: tuple[Path, ...],
    walks: tuple[Path, ...],
    real: bool,
    realset: Path | None,
    real_repeat: int,
    imgsz: int,
    tile: bool,
    synth_tiles: bool,
    synth_max: int | None,
    real_soft: int,
    real_far: int,
    real_backlit: int,
    seed: int,
) -> None:
    """Assemble a YOLO dataset: synthetic + real train photos (+ walk exports); val = the real val photos.

    \b
    Example:
      sousveillance model dataset --synth /work/runs/synth/v1 --walks ~/sousveillance/walks.db -o /work/runs/ds
      sousveillance model dataset --synth /work/runs/synth/v1 --real-soft 2 --real-far 60 -o /work/runs/ds
      sousveillance model dataset --realset /work/runs/realset/images --synth /work/runs/synth/v1 -o /work/runs/ds
    """
    from ..paths import shared_data
    from . import augment
    from .assemble import assemble, folder_source, real_sources, realset_sources
    from .walks import WalkExportError, export_walks

    sources = []
    variants_asked = bool(real_soft or real_far or real_backlit)
    try:
        if walks:
            exported = out.parent / f"{out.name}-walks"
            ws = export_walks(list(walks), exported)
            click.echo(f"walks: {ws.positives} positive images ({ws.boxes} boxes), {ws.negatives} hard negatives")
            if ws.positives + ws.negatives:
                sources.append(folder_source("walks", exported))
        if real:
            real_train, real_val = real_sources(shared_data() / "real", repeat=real_repeat)
            sources += [real_train, real_val]
            if variants_asked:  # variants of the train split only: the val photos stay untouched
                photos = augment.load_photos(real_train.images)
                variants = augment.real_variants(
                    photos, real_soft, real_far, seed=seed, imgsz=imgsz, backlit_grids=real_backlit
                )
                folder = augment.write_variants(variants, out.parent / f"{out.name}-real-variants")
                sources.append(folder_source("realvar", folder, tile=False))
        elif variants_asked:
            raise click.UsageError("--real-soft, --real-far and --real-backlit need the real photos (drop --no-real)")
        if realset:
            found, notes = realset_sources(realset, repeat=real_repeat)
            for note in notes:
                click.echo(f"realset: {note}", err=True)
            sources += found
        sources += [folder_source(f"synth{i}", p, tile=synth_tiles, limit=synth_max) for i, p in enumerate(synth)]
        sources += [folder_source(f"extra{i}", p) for i, p in enumerate(extra)]
        summary = assemble(out, sources, imgsz=imgsz, tile=tile)
    except (FileNotFoundError, ValueError, WalkExportError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(summary.as_dict(), indent=2))
    click.echo(f"data: {summary.data_yaml}")


@click.command("convert")
@click.argument("fmt", type=click.Choice(["stanford", "vistas", "coco", "voc"]))
@click.argument("annotations", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True, help="Output YOLO folder.")
@click.option("--images", type=click.Path(path_type=Path), default=None, help="Folder holding the images.")
@click.option("--camera-class", type=click.Choice(["dome", "fixed", "ptz"]), default="fixed", show_default=True,
              help="Class for cameras whose type the format does not give.")  # fmt: skip
@click.option("--split", default=None, help="stanford only: train or valid.")
def convert(
    fmt: str, annotations: tuple[Path, ...], out: Path, images: Path | None, camera_class: str, split: str | None
) -> None:
    """Convert public CCTV annotations (Stanford meta.csv, Mapillary Vistas CSV, COCO JSON, Pascal VOC) to YOLO.

    \b
    Example:
      sousveillance model convert coco ../shared/data/annotations/seaberry-resurveilling/obj365/val-coco.json \\
          --images ~/objects365/val -o /work/runs/obj365
    """
    from . import convert as cv
    from .yolo import CLASS_NAMES

    cls = CLASS_NAMES.index(camera_class)
    try:
        if fmt == "stanford":
            items = [im for a in annotations for im in cv.read_stanford(a, split)]
        elif fmt == "vistas":
            sizes = cv.image_sizes(images)
            items = [im for a in annotations for im in cv.read_vistas(a, sizes, cls)]
        elif fmt == "coco":
            items = [im for a in annotations for im in cv.read_coco(a, cls)]
        else:
            files = [f for a in annotations for f in (sorted(a.glob("*.xml")) if a.is_dir() else [a])]
            items = cv.read_voc(files, cls)
    except (cv.ConvertError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    s = cv.write_yolo(items, out, images)
    click.echo(f"{s.images} images, {s.boxes} boxes {s.per_class}; {s.written} label files in {out / 'labels'}")
    if s.missing_size:
        click.echo(f"{len(s.missing_size)} images skipped: size unknown (give --images with the image files)")
