"""``sousveillance model ...``: build datasets, import the COCO start, train, evaluate and export the detector.

Every sub-command imports its heavy libraries (torch, Ultralytics) only when it runs.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from sousveillance.lazy import LazyGroup

from ..device.extras import require
from .data.cli import convert, dataset
from .data.realset_cli import realset

log = logging.getLogger(__name__)


def _need_train(command: str, module: str = "ultralytics") -> None:
    """One line naming the extra when the training stack (Ultralytics, PyTorch) is not installed."""
    require(module, "train", f"'sousveillance model {command}'")


# Other engineers' command groups under `model`, loaded only when named.
LAZY: dict[str, tuple[str, str]] = {
    "synth": ("sousveillance.models.synth.cli:synth", "Generate synthetic training images (Blender)."),
}


@click.group(cls=LazyGroup, lazy=LAZY)
def model() -> None:
    """Build datasets, train, evaluate and export the CCTV detector.

    \b
    Example:
      sousveillance model dataset --synth /work/runs/synth/v1 -o /work/runs/datasets/main
      sousveillance model train --data /work/runs/datasets/main/data.yaml --hours 0.5
    """
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


model.add_command(dataset)
model.add_command(convert)
model.add_command(realset)


@model.command("import-tflite")
@click.option("--tflite", type=click.Path(path_type=Path), default=None, help="INT8 TFLite YOLOv8n (default: shared).")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None, help="Checkpoint to write.")
@click.option("--image", type=click.Path(path_type=Path), default=None, help="Image to compare on (bus.jpg).")
def import_tflite(tflite: Path | None, out: Path | None, image: Path | None) -> None:
    """Dequantise the COCO YOLOv8n TFLite export into an Ultralytics checkpoint and prove it matches.

    \b
    Example:
      sousveillance model import-tflite -o /work/runs/init/yolov8n_coco_tflite.pt
    """
    _need_train("import-tflite")
    from . import tflite_import as ti
    from .paths import offline_env, ultralytics_asset
    from .train import coco_init_checkpoint

    offline_env()
    tflite = tflite or ti.default_tflite_path()
    if not tflite.is_file():
        raise click.ClickException(f"TFLite model not found: {tflite}")
    model = ti.build_model(ti.read_convolutions(tflite), ti.coco_names(tflite.parent / "metadata.yaml"))
    cmp = ti.verify(model, tflite, image or ultralytics_asset("bus.jpg"))
    names = model.names
    click.echo(f"{cmp.image}: TFLite {len(cmp.tflite)} boxes, PyTorch {len(cmp.torch)} boxes, matched {cmp.matched}")
    click.echo(f"  largest raw difference: class score {cmp.max_abs_score:.4f}")
    for t in cmp.tflite:
        click.echo(f"  tflite {names[t.class_id]:<10} {t.confidence:.3f} [{t.x1:.0f} {t.y1:.0f} {t.x2:.0f} {t.y2:.0f}]")
    for t in cmp.torch:
        click.echo(f"  torch  {names[t.class_id]:<10} {t.confidence:.3f} [{t.x1:.0f} {t.y1:.0f} {t.x2:.0f} {t.y2:.0f}]")
    if not cmp.agrees:
        raise click.ClickException("the imported model does not reproduce the TFLite detections")
    if out is None:
        path = coco_init_checkpoint()
    else:
        out.unlink(missing_ok=True)
        path = coco_init_checkpoint(out)
    click.echo(f"checkpoint: {path}")


@model.command("train")
@click.option("--data", type=click.Path(path_type=Path), required=True, help="data.yaml of the dataset.")
@click.option("--recipe", type=click.Choice(["auto", "gpu", "cpu"]), default="auto", show_default=True,
              help="gpu: 1280 px, batch 32, 150 epochs; cpu: 640 px, batch 8, 30 epochs; auto: gpu when PyTorch "
              "sees a CUDA device. --imgsz, --batch, --epochs, --device and --threads override it.")  # fmt: skip
@click.option("--arch", type=click.Choice(["n", "p2"]), default="n", show_default=True,
              help="n: YOLOv8n (8.7 GFLOPs at 640 px); p2: YOLOv8n + a stride-4 head for tiny cameras, about "
              "17 GFLOPs at 640 px: OVER the device's 9 GFLOPs budget, an experiment only.")  # fmt: skip
@click.option("--name", default="sousveillance-n", show_default=True, help="Run name (resumes when it exists).")
@click.option("--init", default="coco-tflite", show_default=True,
              help="coco-tflite | scratch | weights.pt "
                   "(e.g. the shipped models/weights/sousveillance-n.pt, kept whole)")
@click.option("--epochs", type=int, default=None, help="Epochs (default: the recipe's).")
@click.option("--hours", type=float, default=None, help="Wall-clock budget (overrides --epochs).")
@click.option("--imgsz", type=int, default=None, help="Training size (default: the recipe's).")
@click.option("--batch", type=int, default=None, help="Batch size (default: the recipe's).")
@click.option("--device", default=None, help="cpu, 0, ... (default: the recipe's).")
@click.option("--threads", type=int, default=None, help="Torch CPU threads (default: the recipe's).")
@click.option("--fraction", default=1.0, show_default=True, help="Share of the train images to use.")
@click.option("--project", type=click.Path(path_type=Path), default=None, help="Runs folder (default /work/runs).")
def train_cmd(
    data: Path, recipe: str, arch: str, name: str, init: str, epochs: int | None, hours: float | None,
    imgsz: int | None, batch: int | None, device: str | None, threads: int | None, fraction: float,
    project: Path | None,
) -> None:  # fmt: skip
    """Train (or resume) the detector with Ultralytics, offline, with the GPU or the CPU recipe.

    The recipe that ran and the device are recorded with the run (RUN/sousveillance.json) and reach the model card
    when the run is shipped.

    \b
    Examples:
      sousveillance model train --data /work/runs/ds/data.yaml              # gpu recipe when a GPU is there
      nice -n 10 sousveillance model train --data /work/runs/ds/data.yaml --recipe cpu --hours 0.6
      # improve the shipped model with your reviewed walks (every weight of it is the start)
      sousveillance model train --data /work/runs/walks/data.yaml --init models/weights/sousveillance-n.pt
    """
    from .recipes import RecipeError, pick_recipe, settings_for

    try:
        r = pick_recipe(recipe, device=device)
        s = settings_for(r, data, arch=arch, imgsz=imgsz, batch=batch, epochs=epochs, device=device, threads=threads,
                         name=name, init=init, hours=hours, fraction=fraction)  # fmt: skip
    except RecipeError as exc:
        raise click.ClickException(str(exc)) from exc
    _need_train("train")  # after the recipe: "the gpu recipe needs a CUDA device" is the first thing to fix
    from .train import train

    click.echo(f"recipe {s.recipe}: {s.imgsz} px, batch {s.batch}, {s.epochs} epochs on {s.device}, {s.arch}")
    try:
        result = train(s, project)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{'resumed' if result.resumed else 'trained'} {result.run_dir} in {result.seconds:.0f} s; "
               f"best: {result.best}")  # fmt: skip


def _command_line() -> str:
    import sys

    return " ".join(["sousveillance", *sys.argv[1:]]) if sys.argv[1:2] == ["model"] else ""


@model.command("soup")
@click.option("--run", "run_dir", type=click.Path(path_type=Path), required=True, help="The fine-tuned training run.")
@click.option("--with", "start", type=click.Path(path_type=Path), default=None,
              help="The model it started from (default: the shipped .pt).")
@click.option("--weight", default=0.5, show_default=True, type=click.FloatRange(0, 1),
              help="Share of the fine-tuned run's weights.")
def soup_cmd(run_dir: Path, start: Path | None, weight: float) -> None:
    """Average a fine-tuned run's final epoch with the model it started from, into RUN/weights/soup.pt.

    A fine-tune on a little new data forgets some of what its start knew; the average (WiSE-FT) keeps much of both,
    in a model of the same size. Ship it with `model export --ship RUN --soup`.

    \b
    Example:
      sousveillance model soup --run /work/runs/walks-1 --with models/weights/sousveillance-n.pt
      sousveillance model export --ship /work/runs/walks-1 --soup
    """
    _need_train("soup", "torch")
    from . import PT_PATH
    from .soup import average

    try:
        out = average(run_dir / "weights" / "last.pt", start or PT_PATH, run_dir / "weights" / "soup.pt", weight)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {out}")


@model.command("eval")
@click.option("--model", "weights", type=click.Path(path_type=Path), default=None,
              help="Weights (.pt, .onnx, NCNN folder); default: the shipped .pt.")  # fmt: skip
@click.option("--conf", default=0.30, show_default=True, help="Operating threshold (the device's detector.conf).")
@click.option("--imgsz", default=640, show_default=True, help="Inference size (the device's default).")
@click.option("--data", default=None,
              help="Validation set: realset, shared, a data.yaml or a folder of labelled images (YOLO layout); "
              "default: the real-photo set's val split once it has 100 photos, "
              "else the shared val photos.")  # fmt: skip
@click.option("--val", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None, hidden=True,
              help="Old name of --data FOLDER.")  # fmt: skip
@click.option("--negatives", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of images without cameras; default: ../shared/data/negatives.")  # fmt: skip
@click.option("--as", "as_name", default=None, help="Record as a row of the init comparison instead (e.g. scratch).")
@click.option("--card/--no-card", default=True, show_default=True,
              help="Record the evaluation in models/card/ and rewrite models/MODEL_CARD.md; --no-card writes "
              "nothing under models/ (but --as still adds its comparison row).")  # fmt: skip
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the whole report (metrics, intervals, speed) to this file.")  # fmt: skip
@click.option("--resamples", default=1000, show_default=True, help="Bootstrap resamples of the 90 % intervals.")
@click.option("--threads", default=2, show_default=True)
def eval_cmd(
    weights: Path | None, conf: float, imgsz: int, data: str | None, val: Path | None, negatives: Path | None,
    as_name: str | None, card: bool, json_out: Path | None, resamples: int, threads: int,
) -> None:  # fmt: skip
    """Evaluate on real validation photos and street negatives, with bootstrap 90 % intervals; write the model card.

    \b
    Examples:
      sousveillance model eval --model models/weights/sousveillance-n.pt
      sousveillance model eval --model /work/runs/sv-main11/weights/last.pt --data realset --no-card --json r.json
      sousveillance model eval --model /work/runs/cmp/cmp-scratch/weights/best.pt --as scratch --no-card
    """
    _need_train("eval")
    from dataclasses import asdict

    from . import PT_PATH
    from . import card as card_mod
    from .evaluate import EvalSettings, evaluate, negative_images, validation_set

    weights = weights or PT_PATH
    if not weights.exists():
        raise click.ClickException(f"model not found: {weights}")
    record_eval = card and not as_name  # only then are the card's records and failure crops rewritten
    try:
        vs = validation_set(str(val) if val else data)
        if not vs.images:
            raise FileNotFoundError(f"no images in the validation set {vs.name}")
        negs = negative_images(negatives)
        s = EvalSettings(weights, imgsz, conf, val_images=vs.images, negatives=negs, threads=threads,
                         val_labels=vs.labels, resamples=resamples)  # fmt: skip
        report = evaluate(s, failures_dir=card_mod.records_dir() if record_eval else None)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    m, iv = report.metrics, report.intervals
    ci = {k: f"[{v['low']:.3f}, {v['high']:.3f}]" for k, v in iv.items()}
    click.echo(f"validation: {vs.description}: {m.images} photos, {m.camera_boxes} camera boxes; "
               f"{report.negatives} negatives; 90 % bootstrap intervals of {resamples} resamples")  # fmt: skip
    click.echo(
        f"camera AP50 {m.camera_ap50:.3f} {ci['camera_ap50']}  recall@{conf:.2f} {m.camera_recall:.3f} "
        f"{ci['camera_recall']}  small recall {m.by_size['small']['recall']:.3f} {ci['small_recall']}  "
        f"FP/negative {report.fp_per_negative:.3f} {ci['fp_per_negative']}"
    )
    click.echo(f"  precision {m.camera_precision:.3f}  mAP50 {m.map50:.3f}  mAP50-95 {m.map50_95:.3f}")
    for size, v in m.by_size.items():
        click.echo(f"  {size:<7} boxes {int(v['boxes']):>3}  AP50 {v['ap50']:.3f}  recall {v['recall']:.3f}")
    click.echo("  per class AP50: " + ", ".join(f"{k} {v:.3f}" for k, v in m.per_class_ap50.items()))
    for sp in report.speed:
        click.echo(f"  speed: {sp.ms_per_image:.0f} ms/image ({sp.runtime}, {sp.imgsz} px, {sp.threads} threads)")
    command = _command_line() or f"sousveillance model eval --model {weights}"
    result = {**asdict(report), "imgsz": imgsz, "command": command,
              "data": {"name": vs.name, "description": vs.description}}  # fmt: skip
    if json_out:
        json_out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
        click.echo(f"report: {json_out}")
    if as_name:
        rec = card_mod.load("compare") or {"rows": []}
        rows = [r for r in rec["rows"] if r["name"] != as_name]
        rows.append({"name": as_name, "camera_ap50": m.camera_ap50, "camera_recall": m.camera_recall,
                     "map50": m.map50, "command": command})  # fmt: skip
        rec["rows"] = rows
        card_mod.record("compare", rec)
    elif record_eval:
        card_mod.record("eval", result)
    if card:
        click.echo(f"model card: {card_mod.write_card()}")


@model.command("export")
@click.option("--weights", type=click.Path(path_type=Path), default=None, help="Default: the shipped .pt.")
@click.option("--ship", "run_dir", type=click.Path(path_type=Path), default=None,
              help="First ship this training run's best.pt into models/weights/.")  # fmt: skip
@click.option("--last", "pick_last", is_flag=True,
              help="With --ship: ship last.pt (the final epoch) rather than the epoch Ultralytics picked on val.")
@click.option("--soup", "pick_soup", is_flag=True, help="With --ship: ship soup.pt (see `model soup`).")
@click.option("--format", "formats", multiple=True, type=click.Choice(["onnx", "ncnn"]), default=("onnx", "ncnn"),
              show_default=True)  # fmt: skip
@click.option("--imgsz", default=640, show_default=True)
@click.option("--card/--no-card", default=True, show_default=True, help="Rewrite models/MODEL_CARD.md.")
def export_cmd(
    weights: Path | None, run_dir: Path | None, pick_last: bool, pick_soup: bool, formats: tuple[str, ...],
    imgsz: int, card: bool,
) -> None:
    """Export to ONNX and NCNN next to the weights and check each export agrees with the PyTorch model.

    \b
    Example:
      sousveillance model export --ship /work/runs/sousveillance-n
      sousveillance model export --ship /work/runs/sousveillance-n --last
    """
    _need_train("export")
    import cv2

    from . import PT_PATH, WEIGHTS_DIR
    from . import card as card_mod
    from .evaluate import load_model, measure_speed, negative_images, real_val_images
    from .export import check_export, export_one, ncnn_forward_ms
    from .paths import ultralytics_asset
    from .ship import ship

    try:
        if run_dir is not None:
            weights = ship(run_dir, WEIGHTS_DIR, pick="soup" if pick_soup else "last" if pick_last else "best")
            click.echo(f"shipped {weights}")
        weights = weights or PT_PATH
        if not weights.is_file():
            raise FileNotFoundError(f"weights not found: {weights}")
        probes = [ultralytics_asset("bus.jpg")]
        try:
            probes += list(real_val_images()[:4]) + list(negative_images()[:2])
        except OSError:
            pass  # a user's clone without ../shared: bus.jpg alone
        images = [cv2.imread(str(p)) for p in probes]
        checks, notes, speeds = [], [], {}
        for fmt in formats:
            try:
                path = export_one(weights, fmt, imgsz, weights.parent)
            except Exception as exc:  # noqa: BLE001 - exporters fail in many ways; report and go on
                notes.append(f"{fmt} export failed: {exc}")
                click.echo(f"{fmt}: export failed: {exc}", err=True)
                continue
            c = check_export(weights, path, images, imgsz)
            if fmt == "ncnn":
                speeds[fmt] = f"{ncnn_forward_ms(path, imgsz, threads=1):.0f} ms per forward pass (1 thread)"
            else:
                ms = measure_speed(load_model(path), images[0], imgsz, threads=2, runtime=fmt).ms_per_image
                speeds[fmt] = f"{ms:.0f} ms per image with pre/post-processing (2 threads)"
            checks.append(c)
            click.echo(
                f"{fmt}: {path}  {c.matched}/{c.reference} detections matched, {c.extra} extra, "
                f"max confidence difference {c.max_conf_delta:.4f}: {'agrees' if c.agrees else 'DIFFERS'}"
            )
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    card_mod.record(
        "export",
        {
            "command": _command_line() or "sousveillance model export",
            "checks": [
                {"format": c.format, "path": str(c.path), "images": c.images, "reference": c.reference,
                 "matched": c.matched, "extra": c.extra, "max_conf_delta": c.max_conf_delta, "agrees": c.agrees,
                 "speed": speeds.get(c.format)}
                for c in checks
            ],
            "notes": notes,
        },
    )
    if card:
        click.echo(f"model card: {card_mod.write_card()}")
    if any(not c.agrees for c in checks):
        raise click.ClickException("an export does not agree with the PyTorch model")


