"""``sousveillance basemap``: build the offline street map of the review pages from an OpenStreetMap extract."""

from __future__ import annotations

from pathlib import Path

import click


@click.group(epilog="""\b
Example:
  sousveillance basemap build marseille.osm.pbf --around ~/sousveillance/walks.db""")
def basemap() -> None:
    """The offline street map the review pages draw (streets, buildings, cameras already in OpenStreetMap)."""


@basemap.command(epilog="""\b
Example:
  sousveillance basemap build provence-alpes-cote-d-azur-latest.osm.pbf --around ~/sousveillance/walks.db
  sousveillance basemap build city.osm.pbf --around walks.db --margin 500 -o city-basemap.geojson""")
@click.argument("extract", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--around", "db", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Walk database: the map covers its walks' bounding box plus the margin.")
@click.option("--margin", "margin_m", default=250.0, show_default=True, type=click.FloatRange(0, 20_000),
              help="Metres added around the walks.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Output file (default: basemap.geojson beside the walk database, where the review page finds it).")
def build(extract: Path, db: Path, margin_m: float, output: Path | None) -> None:
    """Cut streets, footpaths, buildings and man_made=surveillance nodes around the walks out of EXTRACT.

    EXTRACT is an OpenStreetMap extract (.osm.pbf). Needs pyosmium (pip install 'sousveillance[basemap]').
    """
    from .build import build as run_build
    from .mapped import BasemapError

    try:
        result = run_build(extract, db, output, margin_m=margin_m)
    except BasemapError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result.line())
