"""``sousveillance model realset ...``: fetch, split, check and label the real-photo set described by its manifest."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import realset as rs


def _manifest(path: Path) -> rs.Manifest:
    try:
        m = rs.read_manifest(path)
    except rs.ManifestError as exc:
        raise click.ClickException(str(exc)) from exc
    for r in m.refused:
        click.echo(str(r), err=True)
    return m


@click.group("realset")
def realset() -> None:
    """The real-photo set: rebuild its images from the manifest, split it by source, check it, write its labels.

    \b
    Example:
      sousveillance model realset fetch --mirror /work/.mirror
      sousveillance model realset check
    """


@realset.command("fetch")
@click.option("--mirror", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of local git mirrors, one owner+name/ git directory per repository.")  # fmt: skip
@click.option("--online", is_flag=True, help="Download from raw.githubusercontent.com at the recorded commits.")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Image folder to fill (default: $SOUSVEILLANCE_REALSET or RUNS/realset/images).")  # fmt: skip
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default=rs.MANIFEST, show_default=True)
@click.option("--force", is_flag=True, help="Fetch again files that are already there.")
def fetch_cmd(mirror: Path | None, online: bool, out: Path | None, manifest: Path, force: bool) -> None:
    """Rebuild the image folder from the manifest; refuse every file whose sha256 does not match.

    Each original blob is read at its recorded commit, checked against the manifest's sha256, then normalised
    (EXIF orientation applied, long side at most 2048 px, JPEG). A refused file gives one line and the others are
    still fetched; the exit status is then 1.

    \b
    Examples:
      sousveillance model realset fetch --mirror /work/.mirror
      sousveillance model realset fetch --online -o ~/realset/images
    """
    from ..paths import realset_images
    from .fetch import fetch_all, from_mirror, over_https

    if bool(mirror) == online:
        raise click.UsageError("give --mirror DIR or --online (one of them)")
    m = _manifest(manifest)
    out = out or realset_images()
    s = fetch_all(m.photos, out, from_mirror(mirror) if mirror else over_https(), force=force)
    for line in s.refused:
        click.echo(line, err=True)
    click.echo(f"{len(s.fetched)} fetched, {len(s.kept)} already there, {len(s.refused)} refused, "
               f"{len(m.refused)} manifest rows refused: {out}")  # fmt: skip
    if s.refused or m.refused:
        sys.exit(1)


@realset.command("split")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default=rs.MANIFEST, show_default=True)
@click.option("--split-file", type=click.Path(dir_okay=False, path_type=Path), default=rs.SPLIT, show_default=True)
@click.option("--val-share", default=rs.VAL_SHARE, show_default=True, type=click.FloatRange(0.05, 0.95),
              help="Share of the photos to put in val (whole repositories only).")  # fmt: skip
def split_cmd(manifest: Path, split_file: Path, val_share: float) -> None:
    """Split the set by source repository (deterministic; no repository in both) and write the split file.

    \b
    Example:
      sousveillance model realset split --val-share 0.3
    """
    data = rs.write_split(_manifest(manifest).photos, split_file, val_share)
    click.echo(f"val: {len(data['val'])} photos of {len(data['val_repos'])} repositories; "
               f"train: {len(data['train'])} photos of {len(data['train_repos'])}: {split_file}")  # fmt: skip


@realset.command("check")
@click.option("--images", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The fetched image folder (default: as `fetch`).")  # fmt: skip
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default=rs.MANIFEST, show_default=True)
@click.option("--labels", "labels_dir", type=click.Path(file_okay=False, path_type=Path), default=rs.LABELS_DIR,
              show_default=True)  # fmt: skip
@click.option("--split-file", type=click.Path(dir_okay=False, path_type=Path), default=rs.SPLIT, show_default=True)
def check_cmd(images: Path | None, manifest: Path, labels_dir: Path, split_file: Path) -> None:
    """Say what of the set is usable: photos, camera boxes and small boxes per split, against the val targets.

    \b
    Example:
      sousveillance model realset check
    """
    from ..paths import realset_images

    m = _manifest(manifest)
    expected = rs.assign_splits(m.photos, *_rule(split_file))
    try:
        if rs.read_split(split_file) != expected:
            click.echo(f"{split_file.name} is out of date with the manifest: run `sousveillance model realset split`",
                       err=True)  # fmt: skip
        s = rs.load_set(images or realset_images(), manifest, labels_dir, split_file)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    for note in s.notes:
        click.echo(note, err=True)
    for name in ("train", "val"):
        st = rs.split_stats(s.split(name))
        per_class = ", ".join(f"{k} {st[k]}" for k in ("dome", "fixed", "ptz", "pole"))
        click.echo(
            f"{name}: {st['photos']} photos, {st['boxes']} camera boxes ({st['small']} under 32 px), {per_class}")
    st = rs.split_stats(s.split("val"))
    short = [f"{k} {st[k]} < {v}" for k, v in rs.VAL_TARGETS.items() if st[k] < v]
    short += [f"no {k} box" for k in ("dome", "ptz") if not st[k]]
    click.echo("val targets (issue 18): " + ("met" if not short else "not met: " + "; ".join(short)))


@realset.command("labels")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Labelling database made by `sousveillance label` "
                   "and reviewed in `sousveillance review`.")  # fmt: skip
@click.option("--labels", "labels_dir", type=click.Path(file_okay=False, path_type=Path), default=rs.LABELS_DIR,
              show_default=True)  # fmt: skip
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default=rs.MANIFEST, show_default=True)
def labels_cmd(db: Path, labels_dir: Path, manifest: Path) -> None:
    """Write the YOLO labels of every fully reviewed photo: confirmed boxes with their reviewed type.

    Rejected boxes are dropped; a photo with a box still pending, or with no box, gives one line and is skipped.

    \b
    Example:
      sousveillance label RUNS/realset/images --db labels.db && sousveillance review labels.db
      sousveillance model realset labels --db labels.db
    """
    from .photolabels import LabelsError, export_labels

    try:
        s = export_labels(db, labels_dir, manifest)
    except (LabelsError, rs.ManifestError) as exc:
        raise click.ClickException(str(exc)) from exc
    for line in s.skipped:
        click.echo(line, err=True)
    click.echo(f"{len(s.written)} label files ({s.boxes} camera boxes) written to {labels_dir}; "
               f"{len(s.skipped)} photos skipped")  # fmt: skip


def _rule(split_file: Path) -> tuple[float, str]:
    import yaml

    try:
        rule = (yaml.safe_load(split_file.read_text(encoding="utf-8")) or {}).get("rule") or {}
    except OSError:
        rule = {}
    return float(rule.get("val_share", rs.VAL_SHARE)), str(rule.get("seed", rs.SPLIT_SEED))
