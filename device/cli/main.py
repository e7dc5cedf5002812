"""The ``sousveillance`` command line: one lazily loaded sub-command per feature.

Each sub-command lives in the folder that owns the feature; this table names it so that ``--help`` lists every
command without importing Ultralytics, Starlette or Blender.
"""

from __future__ import annotations

import logging
import os
import sys

import click

from sousveillance import __version__
from sousveillance.lazy import LazyGroup

# name -> (module:attribute, one-line help). Keep in step with docs/commands.md (tests/test_docs.py checks it).
COMMANDS: dict[str, tuple[str, str]] = {
    "survey": ("sousveillance.device.commands:survey", "Survey live from the Pi camera and gpsd until stopped."),
    "replay": ("sousveillance.device.commands:replay", "Run the survey loop on a recorded video and GPS track."),
    "demo": ("sousveillance.device.commands:demo", "Replay the bundled sample walk with the shipped model."),
    "label": ("sousveillance.device.survey.photos:label", "Label photos of cameras: the model proposes, you verify."),
    "bench": ("sousveillance.device.bench.cli:bench", "Benchmarks: survey loop speed and memory, geolocation."),
    "review": ("sousveillance.device.review.cli:review", "Open the review web view for a walk database."),
    "basemap": ("sousveillance.device.basemap.cli:basemap",
                "Build the review map's offline street map from an OSM extract."),
    "status": ("sousveillance.device.service.cli:status", "Print the field status line (fix, fps, disk, heat)."),
    "install-service": (
        "sousveillance.device.service.cli:install_service",
        "Install (or --uninstall) the systemd units on a Pi.",
    ),
    "model": ("sousveillance.models.cli:model", "Build datasets, train, evaluate and export the detector."),
    "server": ("sousveillance.sync.server.cli:server", "Run or administer the campaign map server."),
    "sync": ("sousveillance.sync.cli:sync", "Send confirmed cameras to the campaign server."),
    "export": ("sousveillance.sync.cli:export", "Export confirmed cameras: GeoJSON, CSV, GPX, uMap, OSM."),
    "osm": ("sousveillance.sync.osm.cli:osm", "OpenStreetMap: files for JOSM, osmChange, reviewed upload."),
}


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
