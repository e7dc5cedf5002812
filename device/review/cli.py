"""``sousveillance review``: serve the review web view for a walk database."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

log = logging.getLogger(__name__)


def _zones(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]):
    from ..store.settings import PrivacyZone

    try:
        return [PrivacyZone.parse(v) for v in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command(
    epilog="""\b
Example:
  sousveillance review ~/sousveillance/walks.db
  sousveillance review walks.db --host 0.0.0.0 --port 8080        # on the Pi's hotspot: HTTPS and the PIN
  sousveillance review walks.db --tiles marseille.mbtiles --privacy-zone 43.2965,5.3698,150
  sousveillance review new.db --create                             # an empty database, for walks to come
  sousveillance basemap build marseille.osm.pbf --around walks.db && sousveillance review walks.db"""
)
@click.argument("db", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1; any other address requires the PIN).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="TCP port (default 8080).")
@click.option("--read-only", is_flag=True, default=None, help="Show everything, refuse every change (read-only media).")
@click.option("--create", is_flag=True, help="Create the walk database when it does not exist yet.")
@click.option("--tls", type=click.Choice(["auto", "on", "off"]), default=None,
              help="HTTPS with this device's certificate: auto (default) = when bound beyond loopback.")
@click.option("--tiles", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Offline basemap: a raster .mbtiles or .pmtiles file.")
@click.option("--basemap", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Offline street map from `sousveillance basemap build` (default: basemap.geojson beside DB).")
@click.option("--osm-tiles", is_flag=True, default=None, help="Offer OpenStreetMap's online tiles (needs internet).")
@click.option("--privacy-zone", "zones", multiple=True, callback=_zones, metavar="LAT,LON,RADIUS_M",
              help="Add a privacy zone (repeatable), e.g. around home: its cameras, track and times stay here.")
@click.option("--reviewer", default=None,
              help="Handle recorded with each decision and sent with cameras (default: none).")
@click.option("--pin", default=None, help="PIN to use instead of a random one (non-loopback hosts).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (default: $SOUSVEILLANCE_CONFIG or ~/.config/sousveillance/config.toml).")
def review(db, host, port, read_only, create, tls, tiles, basemap, osm_tiles, zones, reviewer, pin,
           config_path) -> None:
    """Open the review web view for a walk database: confirm, fix or reject every camera.

    Prints the addresses to open; bound to anything but 127.0.0.1 it serves HTTPS with this device's own
    certificate (check the printed SHA-256 fingerprint when the phone warns about it) and prints the PIN the page
    asks for. A database that does not exist is refused unless --create.
    """
    from sousveillance.config import ConfigError, load_config

    from ..basemap import BasemapError
    from ..store import StoreError
    from .addresses import review_urls
    from .app import build_app
    from .security import is_loopback
    from .tiles import TilesError
    from .tls import TlsError, default_folder, device_certificate

    overrides = {"review.host": host, "review.port": port, "review.read_only": read_only or None,
                 "review.tiles": str(tiles) if tiles else None,
                 "review.basemap": str(basemap) if basemap else None, "review.osm_tiles": osm_tiles or None,
                 "review.reviewer": reviewer, "review.pin": pin, "review.tls": tls}
    try:
        config = load_config(config_path, overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    config.privacy.zones.extend(zones)  # the config's zones and these
    settings = config.review
    db_path = (db or config.store.database).expanduser()
    if not db_path.exists():
        if settings.read_only or not create:
            raise click.ClickException(f"no walk database at {db_path} (check the path; --create makes an empty one)")
        click.echo(f"New walk database at {db_path}: walks will appear here as they are recorded.")
    try:
        app = build_app(db_path, settings, geo=config.geo, privacy=config.privacy)
    except (StoreError, TilesError, BasemapError) as exc:
        raise click.ClickException(str(exc)) from None
    guard = app.state.review.guard
    use_tls = settings.tls == "on" or (settings.tls == "auto" and not is_loopback(settings.host))
    ssl_files: dict[str, Any] = {}
    if use_tls:
        from .addresses import interface_addresses

        try:
            cert = device_certificate(settings.tls_dir or default_folder(db_path),
                                      [a.address for a in interface_addresses()])
        except TlsError as exc:
            raise click.ClickException(str(exc)) from None
        ssl_files = {"ssl_certfile": str(cert.cert), "ssl_keyfile": str(cert.key)}
    urls = review_urls(settings.host, settings.port, "https" if use_tls else "http")
    mode = "  (read-only)" if settings.read_only else ""
    if not urls:
        click.echo(f"Review web view on port {settings.port}: no network address yet (is the hotspot up?){mode}")
    for i, url in enumerate(urls):
        click.echo(("Review web view: " if i == 0 else "                 ") + url + (mode if i == 0 else ""))
    if use_tls:
        click.echo(f"Certificate SHA-256: {cert.sha256}")
        click.echo("  (the phone warns about this self-signed certificate: check that it shows this fingerprint)")
    elif not is_loopback(settings.host):
        click.echo("Warning: plain HTTP beyond loopback (review.tls = off): the PIN crosses the air in clear", err=True)
    if not is_loopback(settings.host):
        click.echo(f"PIN: {guard.pin}")
    import uvicorn

    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False, **ssl_files)
