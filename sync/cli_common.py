"""What the ``sync``, ``export`` and ``osm`` commands share: the config and the walk database, as one-line errors."""

from __future__ import annotations

from pathlib import Path

import click

from sousveillance.config import Config, ConfigError, load_config
from sousveillance.device.store import Store, StoreError

db_argument = click.argument("db", required=False, type=click.Path(dir_okay=False, path_type=Path))


def load(server: str | None = None) -> Config:
    """The configuration (``--server`` overriding ``sync.server_url``), or a one-line error."""
    try:
        return load_config(overrides={"sync.server_url": server})
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def open_store(db: Path | None, config: Config) -> Store:
    """The walk database given (default ``store.database``); it must exist. It comes with the config's privacy
    zones: every way out (sync, export, osm) opens it here."""
    path = db or config.store.database.expanduser()
    if not Path(path).exists():
        raise click.ClickException(f"no walk database at {path}")
    try:
        return Store(path, privacy=config.privacy)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
