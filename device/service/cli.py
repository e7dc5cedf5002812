"""``sousveillance status`` and ``sousveillance install-service``."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import click

log = logging.getLogger(__name__)


@click.command(
    epilog="""\b
Examples:
  sousveillance status                       # one line: fix, fps, cameras, disk, temperature
  sousveillance status --json                # everything, for scripts
  sousveillance status --db /var/lib/sousveillance/walks.db""",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full status as JSON.")
@click.option(
    "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help="Walk database (default: from the config)."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: /etc/sousveillance/config.toml).",
)
def status(as_json: bool, db_path: Path | None, config_path: Path | None) -> None:
    """Print the field status line: recording or not, GPS fix, frames per second, cameras found, free disk,
    temperature and throttling (on a Raspberry Pi).

    Exits with status 1 when the status carries a warning (low disk, no fix, hot, throttled, survey stuck).
    """
    from sousveillance.config import ConfigError, load_config

    from .status import field_status

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    st = field_status(db_path or config.store.database, config.service)
    click.echo(json.dumps(st, indent=2, ensure_ascii=False) if as_json else st["line"])
    if st["warnings"]:
        raise SystemExit(1)


@click.command(
    "install-service",
    epilog="""\b
Examples:
  sudo /opt/sousveillance/venv/bin/sousveillance install-service
  sousveillance install-service --dry-run      # show what would change
  sudo sousveillance install-service --uninstall          # keeps recorded walks
  sudo sousveillance install-service --uninstall --purge  # deletes them too""",
)
@click.option("--user", default="sousveillance", show_default=True, help="System user the services run as.")
@click.option(
    "--prefix",
    type=click.Path(path_type=Path),
    default=Path("/"),
    show_default=True,
    help="Units go to /etc/systemd/system for '/', else PREFIX/lib/systemd/system.",
)
@click.option("--uninstall", is_flag=True, help="Disable and remove the units, config and user.")
@click.option("--purge", is_flag=True, help="With --uninstall: also delete recorded walks and the sync token.")
@click.option("--dry-run", is_flag=True, help="Print the steps without changing anything.")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/"),
    show_default=True,
    help="Install into this folder as if it were / (packaging, tests).",
)
@click.option("--exec-path", default="", help="The sousveillance command the units run (default: this one).")
def install_service(
    user: str, prefix: Path, uninstall: bool, purge: bool, dry_run: bool, root: Path, exec_path: str
) -> None:
    """Install the survey, review and sync units on a Raspberry Pi: writes /etc/sousveillance/config.toml, creates
    the system user (groups video, dialout) and /var/lib/sousveillance, installs and enables the units.
    --uninstall undoes it all, keeping recorded walks unless --purge.
    """
    from .install import InstallError, InstallOptions, install_plan, uninstall_plan

    if purge and not uninstall:
        raise click.UsageError("--purge only goes with --uninstall")
    options = InstallOptions(user=user, prefix=prefix, root=root, exec_path=exec_path, purge=purge)
    if options.real_root and not dry_run and os.geteuid() != 0:
        raise click.ClickException("install-service changes the system: run it with sudo (or try --dry-run)")
    try:
        plan = uninstall_plan(options) if uninstall else install_plan(options)
        plan.run(click.echo, dry_run=dry_run)
    except (InstallError, ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
