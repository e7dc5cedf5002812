"""``sousveillance review``: serve the review web view for a walk database."""

from __future__ import annotations

import logging
from pathlib import Path

import click

log = logging.getLogger(__name__)


def _zones(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]):
    from .settings import PrivacyZone

    try:
        return [PrivacyZone.parse(v) for v in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command(
    epilog="""\b
Example:
  sousveillance review ~/sousveillance/walks.db
  sousveillance review walks.db --host 0.0.0.0 --port 8080        # on the Pi's hotspot: asks for the PIN
  sousveillance review walks.db --tiles marseille.mbtiles --privacy-zone 43.2965,5.3698,150
  sousveillance basemap build marseille.osm.pbf --around walks.db && sousveillance review walks.db"""
)
@click.argument("db", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1; any other address requires the PIN).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="TCP port (default 8080).")
@click.option("--read-only", is_flag=True, default=None, help="Show everything, refuse every change.")
@click.option("--tiles", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Offline basemap: a raster .mbtiles or .pmtiles file.")
@click.option("--basemap", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Offline street map from `sousveillance basemap build` (default: basemap.geojson beside DB).")
@click.option("--osm-tiles", is_flag=True, default=None, help="Offer OpenStreetMap's online tiles (needs internet).")
@click.option("--privacy-zone", "zones", multiple=True, callback=_zones, metavar="LAT,LON,RADIUS_M",
              help="Hide the track inside this circle (repeatable), e.g. around home.")
@click.option("--reviewer", default=None, help="Name recorded with each decision (default: the user name).")
@click.option("--pin", default=None, help="PIN to use instead of a random one (non-loopback hosts).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (default: $SOUSVEILLANCE_CONFIG or ~/.config/sousveillance/config.toml).")
def review(db, host, port, read_only, tiles, basemap, osm_tiles, zones, reviewer, pin, config_path) -> None:
    """Open the review web view for a walk database: confirm, fix or reject every camera.

    Prints the address to open; bound to anything but 127.0.0.1 it also prints the PIN the page asks for.
    """
    from sousveillance.config import ConfigError, load_config
    from ..store import StoreError
    from .app import build_app
    from .security import is_loopback
    from ..basemap import BasemapError
    from .tiles import TilesError

    overrides = {"review.host": host, "review.port": port, "review.read_only": read_only or None,
                 "review.tiles": str(tiles) if tiles else None,
                 "review.basemap": str(basemap) if basemap else None, "review.osm_tiles": osm_tiles or None,
                 "review.reviewer": reviewer, "review.pin": pin,
                 "review.privacy_zones": [z.model_dump() for z in zones] or None}
    try:
        config = load_config(config_path, overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    settings = config.review
    db_path = (db or config.store.database).expanduser()
    if not db_path.exists():
        if settings.read_only:
            raise click.ClickException(f"no walk database at {db_path}")
        click.echo(f"No walk database yet at {db_path}: walks will appear here as they are recorded.")
    try:
        app = build_app(db_path, settings, geo=config.geo)
    except (StoreError, TilesError, BasemapError) as exc:
        raise click.ClickException(str(exc)) from None
    guard = app.state.review.guard
    shown_host = settings.host if settings.host not in ("0.0.0.0", "::") else "<this device's address>"
    click.echo(f"Review web view: http://{shown_host}:{settings.port}/" + ("  (read-only)" if settings.read_only else ""))
    if not is_loopback(settings.host):
        click.echo(f"PIN: {guard.pin}")
    import uvicorn

    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
