"""``synth`` commands: render cut-outs, composite a YOLO dataset, render a simulated walk."""

from __future__ import annotations

import logging
from pathlib import Path

import click


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(name)s %(message)s")


def _need_bpy() -> None:
    import importlib.util

    if importlib.util.find_spec("bpy") is None:
        raise click.ClickException("Blender's bpy module is missing: pip install 'sousveillance[synth]' (bpy 4.5)")


@click.group()
def synth() -> None:
    """The synthetic world: rendered CCTV cameras for training, and simulated walks with ground truth.

    \b
    Example:
      sousveillance model synth render --out /work/data/synth/cutouts --count 300 --seed 1 --workers 1
      sousveillance model synth dataset --cutouts /work/data/synth/cutouts --out /work/data/synth/ds --count 1500
      sousveillance model synth walk --out /tmp/walk --seed 1 --duration 40
    """


@synth.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Cut-out folder.")
@click.option("--count", type=click.IntRange(1), required=True, help="Cut-outs wanted in the folder (indices 0..N-1).")
@click.option("--seed", type=int, default=0, show_default=True, help="Run seed; cut-out i's seed derives from it.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--samples", type=click.IntRange(1, 4096), default=16, show_default=True, help="Cycles samples.")
@click.option("--size", "long_side", type=click.IntRange(32, 2048), default=256, show_default=True,
              help="Long side of a cut-out in pixels (poles get twice this).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def render(out: Path, count: int, seed: int, workers: int, samples: int, long_side: int, verbose: bool) -> None:
    """Render transparent cut-outs (PNG + ids PNG + JSON labels) of procedural cameras, poles and hard negatives.

    Resumable: existing cut-outs are skipped. Deterministic: cut-out i is the same for a seed whatever --workers.

    \b
    Example:
      python -m sousveillance.models.synth render --out /work/data/synth/cutouts --count 300 --seed 1 --workers 2
    """
    _logging(verbose)
    _need_bpy()
    from .runner import RenderRun, run

    summary = run(RenderRun(out, count, seed, workers, samples, long_side))
    click.echo(f"rendered {summary.rendered}, already there {summary.skipped}, {summary.seconds:.0f} s "
               f"({summary.seconds_per_cutout:.2f} s per cut-out, wall clock)")


@synth.command()
@click.option("--cutouts", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="Folder of rendered cut-outs.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="YOLO dataset folder.")
@click.option("--count", type=click.IntRange(1), required=True, help="Composite images to make (train + val).")
@click.option("--seed", type=int, default=0, show_default=True, help="Composite seed.")
@click.option("--val-fraction", type=click.FloatRange(0, 0.9), default=0.15, show_default=True,
              help="Share of images (and of cut-outs) kept for validation.")
@click.option("--width", type=click.IntRange(64, 4096), default=1280, show_default=True, help="Image width.")
@click.option("--height", type=click.IntRange(64, 4096), default=720, show_default=True, help="Image height.")
@click.option("--shared", type=click.Path(path_type=Path), default=None,
              help="Shared data folder (default ../shared/data or $SOUSVEILLANCE_SHARED).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def dataset(cutouts: Path, out: Path, count: int, seed: int, val_fraction: float, width: int, height: int,
            shared: Path | None, verbose: bool) -> None:
    """Composite cut-outs onto street backgrounds into a YOLO dataset with a data card and a contact sheet.

    \b
    Example:
      python -m sousveillance.models.synth dataset --cutouts /work/data/synth/cutouts \\
          --out /work/data/synth/ds1 --count 1500 --seed 1
    """
    _logging(verbose)
    from .dataset import DatasetSpec, build_dataset

    try:
        summary = build_dataset(DatasetSpec(cutouts, out, count, seed, val_fraction, width, height, shared))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {summary.images} images ({summary.boxes} boxes) to {out}; data card {out / 'DATA_CARD.md'}")


@synth.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Walk folder.")
@click.option("--seed", type=int, default=0, show_default=True, help="Scene seed (street, cameras, GPS error).")
@click.option("--duration", type=click.FloatRange(2, 180), default=40.0, show_default=True,
              help="Seconds of walking at 1.4 m/s (longer walks start further south).")
@click.option("--fps", type=click.FloatRange(1, 30), default=5.0, show_default=True, help="Video frame rate.")
@click.option("--width", type=click.IntRange(64, 4096), default=960, show_default=True, help="Video width.")
@click.option("--height", type=click.IntRange(64, 4096), default=540, show_default=True, help="Video height.")
@click.option("--hfov", type=click.FloatRange(20, 150), default=66.0, show_default=True,
              help="Horizontal field of view (Pi Camera Module 3: 66; wide: 102).")
@click.option("--samples", type=click.IntRange(1, 4096), default=2, show_default=True,
              help="Cycles samples per pixel (denoised).")
@click.option("--start", type=str, default="2026-06-12T09:30:00Z", show_default=True, help="UTC start time.")
@click.option("--index-frames", type=click.IntRange(0, 100000), default=0, show_default=True,
              help="Also save this many object-index PNGs (evenly spread), for checking the truth.")
@click.option("--crf", type=click.IntRange(0, 51), default=None,
              help="Encode H.264 with ffmpeg at this quality (18: near lossless, 23: small) instead of MPEG-4 Part 2.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def walk(out: Path, seed: int, duration: float, fps: float, width: int, height: int, hfov: float, samples: int,
         start: str, index_frames: int, crf: int | None, verbose: bool) -> None:
    """Render a simulated walk in a street of Marseille's Vieux-Port: video, NMEA, GPX and truth.json.

    \b
    Example:
      python -m sousveillance.models.synth walk --out /tmp/walk --seed 1 --duration 40
      sousveillance model synth walk --out ~/.cache/sousveillance/walks/seed2 --seed 2 --duration 20 \\
        --width 1920 --height 1080 --crf 18
    """
    _logging(verbose)
    _need_bpy()
    import shutil

    if crf is not None and shutil.which("ffmpeg") is None:
        raise click.ClickException("--crf needs ffmpeg on the PATH (apt install ffmpeg)")
    from .walk import WalkSpec, render_walk

    try:
        summary = render_walk(WalkSpec(out=out, seed=seed, duration=duration, fps=fps, width=width, height=height,
                                       hfov_deg=hfov, samples=samples, start_utc=start,
                                       index_frames=index_frames, crf=crf))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {summary.frames} frames ({summary.seconds_per_frame:.2f} s per frame) and "
               f"{summary.cameras} cameras' truth to {out}")
