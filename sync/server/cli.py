"""``sousveillance server``: run the campaign map server and administer its devices, conflicts and exports."""

from __future__ import annotations

import json
import logging
import sys

import click

log = logging.getLogger(__name__)

DB_HELP = "Database: a SQLite file path or postgresql://user@host/db (env SOUSVEILLANCE_SERVER_DB)."


def open_repo(db: str):  # imported lazily: SQLAlchemy is not needed for --help
    from .repo import Repository

    try:
        return Repository(db)
    except Exception as exc:  # any driver error becomes one clear line
        raise click.ClickException(f"cannot open campaign database {db}: {str(exc).splitlines()[0]}") from exc


db_option = click.option(
    "--db", envvar="SOUSVEILLANCE_SERVER_DB", default="campaign.db", show_default=True, help=DB_HELP
)


@click.group(
    epilog="""\b
Example:
  sousveillance server device add alice-pi        # prints the device token once
  sousveillance server run --db campaign.db --port 8600"""
)
def server() -> None:
    """Run or administer the campaign map server (SQLite by default, PostgreSQL + PostGIS by URL)."""


@server.command(
    epilog="""\b
Example:
  sousveillance server run --db postgresql://campaign@localhost/campaign --host 0.0.0.0 --port 8600"""
)
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8600, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--title", default="Surveillance cameras", show_default=True, help="Title of the public map page.")
@click.option(
    "--tiles", default=None, help="Tile URL template of the map page (default: OpenStreetMap; 'none': no tiles)."
)
@click.option(
    "--access-log/--no-access-log", default=False, show_default=True,
    help="Log every request with the client's address (off: walkers' addresses are not kept).",
)  # fmt: skip
def run(db: str, host: str, port: int, title: str, tiles: str | None, access_log: bool) -> None:
    """Serve the device API, the public map page, OGC API Features and the exports."""
    import uvicorn

    from .app import DEFAULT_TILES, create_app

    repo = open_repo(db)
    app = create_app(repo, title=title, tiles=tiles or DEFAULT_TILES)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True, access_log=access_log)
    finally:
        repo.close()  # the writer commits what it holds before the process ends


@server.group(
    epilog="""\b
Example:
  sousveillance server device add alice-pi
  sousveillance server device revoke alice-pi"""
)
def device() -> None:
    """Enrol, list and revoke walkers' devices."""


@device.command("add", epilog="\b\nExample:\n  sousveillance server device add alice-pi --db campaign.db")
@db_option
@click.argument("name")
def device_add(db: str, name: str) -> None:
    """Enrol device NAME and print its token once (only a hash is stored: keep it safe)."""
    from .repo import RepoError

    if not name.strip() or len(name) > 100:
        raise click.ClickException("a device name of 1 to 100 characters is required")
    try:
        token = open_repo(db).add_device(name.strip())
    except RepoError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(token)
    click.echo(f"Token for {name} shown once: put it in the device's /etc/credstore/sync-token.", err=True)


@device.command("revoke", epilog="\b\nExample:\n  sousveillance server device revoke alice-pi")
@db_option
@click.argument("name")
def device_revoke(db: str, name: str) -> None:
    """Revoke device NAME: its token stops working at once; what it sent stays on the map."""
    if not open_repo(db).revoke_device(name):
        raise click.ClickException(f"no active device named {name!r}")
    click.echo(f"revoked {name}")


@device.command("list", epilog="\b\nExample:\n  sousveillance server device list --db campaign.db")
@db_option
def device_list(db: str) -> None:
    """List enrolled devices and whether they are revoked."""
    for d in open_repo(db).devices():
        state = f"revoked {d.revoked_at}" if d.revoked_at else "active"
        click.echo(f"{d.name}\t{state}\tenrolled {d.created_at}")


@server.command(
    "export",
    epilog="""\b
Example:
  sousveillance server export --format umap -o cameras.umap.geojson
  sousveillance server export --format osc -o cameras.osc""",
)
@db_option
@click.option(
    "--format", "fmt", type=click.Choice(["geojson", "umap", "csv", "gpx", "osm", "osc"]), default="geojson",
    show_default=True, help="Output format (osm: JOSM file; osc: osmChange).",
)  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="-", help="Output file (default: stdout).")
def export_cmd(db: str, fmt: str, output: str) -> None:
    """Export the merged campaign map."""
    from pathlib import Path

    from ..export import changeset_tags, drafts_from, render
    from ..osm.files import write_verified
    from .exports import map_cameras

    cams = map_cameras(open_repo(db))
    text = render(cams, fmt)
    if fmt in ("osm", "osc") and output != "-":
        write_verified(Path(output), text, drafts_from(cams), changeset_tags() if fmt == "osm" else None)
    elif output == "-":
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
    if output != "-":
        click.echo(f"wrote {output}", err=True)


@server.command("conflicts", epilog="\b\nExample:\n  sousveillance server conflicts --db campaign.db")
@db_option
def conflicts_cmd(db: str) -> None:
    """List open merge conflicts (walkers who disagree about one camera)."""
    for c in open_repo(db).open_conflicts():
        click.echo(f"{c['uuid']}\t{c['field']}\t{json.dumps(c['detail'])}")


@server.command("resolve", epilog="\b\nExample:\n  sousveillance server resolve 1f0e...c2 camera_type dome")
@db_option
@click.argument("feature_uuid")
@click.argument("field", type=click.Choice(["camera_type", "mount", "direction", "surveillance"]))
@click.argument("value")
def resolve_cmd(db: str, feature_uuid: str, field: str, value: str) -> None:
    """Settle a conflict: VALUE wins for FIELD on that map feature."""
    from .repo import RepoError

    parsed: object = float(value) % 360 if field == "direction" else value
    try:
        open_repo(db).resolve(feature_uuid, field, parsed)
    except RepoError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"{feature_uuid}: {field} = {value}")


@server.command(
    "dump",
    epilog="""\b
Example:
  sousveillance server dump --db campaign.db -o site/       # site/cameras.geojson and site/cameras.mbtiles
  sousveillance server dump --no-tiles -o backup/""",
)
@db_option
@click.option("-o", "--output", type=click.Path(file_okay=False), required=True, help="Folder to write into.")
@click.option("--tiles/--no-tiles", default=True, show_default=True, help="Write cameras.mbtiles as well.")
@click.option("--min-zoom", default=0, show_default=True, type=click.IntRange(0, 22), help="Lowest tile zoom.")
@click.option("--max-zoom", default=14, show_default=True, type=click.IntRange(0, 22), help="Highest tile zoom.")
@click.option("--title", default="Surveillance cameras", show_default=True, help="Name of the tile set.")
def dump_cmd(db: str, output: str, tiles: bool, min_zoom: int, max_zoom: int, title: str) -> None:
    """Write the whole map as GeoJSON and vector tiles (MBTiles) for offline use and static hosting."""
    from pathlib import Path

    from .dump import dump
    from .exports import map_cameras

    if min_zoom > max_zoom:
        raise click.BadParameter("--min-zoom must not be above --max-zoom")
    for line in dump(map_cameras(open_repo(db)), Path(output), tiles, min_zoom, max_zoom, title):
        click.echo(line)
