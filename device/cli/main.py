"""The ``sousveillance`` command line: one lazily loaded sub-command per feature.

Each sub-command lives in the folder that owns the feature; this table names it so that ``--help`` lists every
command without importing Ultralytics, Starlette or Blender.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

import click

from sousveillance import __version__

# name -> (module:attribute, one-line help). Keep in step with README "Commands".
COMMANDS: dict[str, tuple[str, str]] = {
    "survey": ("sousveillance.device.commands:survey", "Survey live from the Pi camera and gpsd until stopped."),
    "replay": ("sousveillance.device.commands:replay", "Run the survey loop on a recorded video and GPS track."),
    "demo": ("sousveillance.device.commands:demo", "Replay the bundled sample walk with the shipped model."),
    "bench": ("sousveillance.device.bench.cli:bench", "Benchmarks: survey loop speed and memory, geolocation."),
    "review": ("sousveillance.device.review.cli:review", "Open the review web view for a walk database."),
    "status": ("sousveillance.device.service.cli:status", "Print the field status line (fix, fps, disk, heat)."),
    "install-service": (
        "sousveillance.device.service.cli:install_service",
        "Install (or --uninstall) the systemd units on a Pi.",
    ),
    "model": ("sousveillance.models.cli:model", "Build datasets, train, evaluate and export the detector."),
    "server": ("sousveillance.sync.server.cli:server", "Run or administer the campaign map server."),
    "sync": ("sousveillance.sync.cli:sync", "Send confirmed cameras to the campaign server."),
    "export": ("sousveillance.sync.cli:export", "Export confirmed cameras: GeoJSON, CSV, GPX, uMap, OSM."),
    "osm": ("sousveillance.sync.cli:osm", "OpenStreetMap: files for JOSM, osmChange, reviewed upload."),
}


class LazyGroup(click.Group):
    """A click group whose commands are imported only when run (click's documented lazy-loading pattern)."""

    def __init__(self, *args, lazy: dict[str, tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self._lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self._lazy:
            target, _ = self._lazy[name]
            module_name, attr = target.split(":")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if not exc.name or not module_name.startswith(exc.name):
                    raise
                return _unavailable(name, self._lazy[name][1])
            return getattr(module, attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self._lazy[name][1]) for name in sorted(self._lazy)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _unavailable(name: str, help_text: str) -> click.Command:
    @click.command(name=name, help=f"{help_text}\n\n(Not available in this build.)")
    def _cmd() -> None:
        raise click.ClickException(f"'{name}' is not available in this installation")

    return _cmd


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
    epilog="""\b
Examples:
  sousveillance demo                          # replay the bundled sample walk
  sousveillance replay walk.mp4 --gpx walk.gpx
  sousveillance review ~/walks/sousveillance.db
  sousveillance COMMAND --help                # help and examples for one command""",
)
@click.version_option(__version__, prog_name="sousveillance")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """Map the surveillance cameras that watch your street: walk, detect, review, share."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: list[str] | None = None) -> int:
    from sousveillance.models.paths import offline_env

    offline_env()  # Ultralytics must never reach for the network or pip at run time
    # FFmpeg's own decoder chatter would bury our one-line errors about a corrupt video.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    try:
        cli.main(args=argv, prog_name="sousveillance", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
