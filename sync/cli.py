"""``sousveillance sync`` (send confirmed cameras to the campaign server) and ``sousveillance export`` (files).

``sousveillance osm`` lives in ``osm/cli.py``.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from .cli_common import db_argument, load, open_store

log = logging.getLogger(__name__)

__all__ = ["export", "sync"]

EXIT_QUEUED = 75  # EX_TEMPFAIL: cameras are still queued (server unreachable); the next run resumes


@click.command(
    epilog="""\b
Example:
  SOUSVEILLANCE_TOKEN=sv_... sousveillance sync ~/sousveillance/walks.db --server https://carte.example.org
  sousveillance sync --status        # what is still queued

\b
Exit status: 0 everything sent; 1 error (bad token, no server, ...); 75 cameras are still queued (the server
was unreachable or busy): run it again later, it resumes where it stopped."""
)
@db_argument
@click.option("--server", "server", default=None, help="Campaign server URL (default: sync.server_url in the config).")
@click.option("--status", is_flag=True, help="Only show the outbox: queued, sent, rejected.")
def sync(db: Path | None, server: str | None, status: bool) -> None:
    """Send the confirmed cameras of a walk database (and their crops) to the campaign server.

    Resumes where it stopped: a cut connection or a reboot never sends a camera twice. The device token comes
    from env SOUSVEILLANCE_TOKEN or the systemd credential sync-token ($CREDENTIALS_DIRECTORY/sync-token).
    Cameras inside a privacy zone are never sent (see sync/README.md for every field that is).
    """
    from . import outbox
    from .repository import SyncRepository
    from .uploader import Uploader, read_token

    config = load(server)
    store = open_store(db, config)
    if status:
        with SyncRepository.beside(store) as records:
            outbox.enqueue_confirmed(store, records)
            click.echo(" ".join(f"{k}={v}" for k, v in records.counts().items()))
        return
    if not config.sync.server_url:
        raise click.ClickException("no campaign server: pass --server URL or set sync.server_url in the config")
    token = read_token(dict(os.environ))
    if not token:
        raise click.ClickException("no device token: set SOUSVEILLANCE_TOKEN or the systemd credential sync-token")
    with Uploader(store, config.sync, token) as uploader:
        report = uploader.run()
    click.echo(report.summary())
    for line in report.rejected:
        click.echo(f"rejected: {line}", err=True)
    code = exit_status(report)
    if code == 1:
        raise click.ClickException(report.stopped or "the server refused the device token")
    if code == EXIT_QUEUED:
        why = f": {report.stopped}" if report.stopped else ""
        click.echo(f"Error: {report.pending} camera(s) still queued{why}", err=True)
    sys.exit(code)


def exit_status(report) -> int:  # a SyncReport (imported lazily)
    """0 everything sent; 1 the server refused the device token; ``EXIT_QUEUED`` (75) cameras are still queued."""
    if report.refused:
        return 1
    return EXIT_QUEUED if report.pending else 0


@click.command(
    epilog="""\b
Example:
  sousveillance export walks.db --format geojson -o cameras.geojson
  sousveillance export walks.db --format umap -o cameras.umap.geojson
  sousveillance export walks.db --format osm -o cameras.osm      # open in JOSM, review, upload"""
)
@db_argument
@click.option(
    "--format", "fmt", type=click.Choice(["geojson", "csv", "gpx", "umap", "osm", "osc"]), default="geojson",
    show_default=True, help="osm: JOSM file; osc: osmChange.",
)  # fmt: skip
@click.option("--walk", "walk_id", type=int, default=None, help="Only this walk's cameras (its id in the review page).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Default: stdout.")
def export(db: Path | None, fmt: str, walk_id: int | None, output: Path | None) -> None:
    """Export the confirmed cameras of a walk database (never pending or rejected ones).

    The same files as the review page's export links (see sync/export/formats.py for each format's shape).
    """
    from .export import device_cameras, render

    store = open_store(db, load())
    if walk_id is not None and store.walk(walk_id) is None:
        raise click.ClickException(f"no walk {walk_id} in {store.path}")
    cams = device_cameras(store, walk_id)
    if fmt in ("osm", "osc"):
        from .osm.cli import write_osm_file

        if output is None:
            raise click.ClickException("OSM files need -o FILE (they are verified after writing)")
        write_osm_file(cams, fmt, output, comment=None, existing=None, near="skip")
        return
    text = render(cams, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(cams)} camera(s) to {output}", err=True)
