"""``sousveillance survey``, ``replay`` and ``demo``: one walk each, through the same loop.

Exit status: 0 walk recorded; 1 error (one line on stderr, nothing already recorded is lost); 3 the walk was
recorded but had no GPS fix at all (its cameras are stored without a position and flagged for review); 4 the live
survey refused to start because the disk is below ``service.min_free_mb``.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from sousveillance.config import ConfigError, load_config

from .capture import CaptureError, ImageFolderSource, VideoFileSource
from .detect import DetectorError
from .gps.base import GpsError
from .store import StoreError
from .survey.loop import SurveyResult
from .survey.session import align_recording, run_walk

log = logging.getLogger(__name__)

SAMPLE_WALK = Path(__file__).resolve().parent / "sample_walk"
EXIT_NO_FIX = 3


def _common_options(func):
    options = [
        click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file (TOML)."),
        click.option("--db", type=click.Path(dir_okay=False), help="Walk database (crops are stored next to it)."),
        click.option("--model", help="Model: .pt, .onnx or an NCNN folder (default: the shipped model)."),
        click.option("--imgsz", type=int, help="Detector input size in pixels."),
        click.option("--every", type=int, help="Run the detector on every Nth frame."),
        click.option("--conf", type=float, help="Minimum detection confidence."),
        click.option("--schedule", help="Detection schedule: rotate (default: native-resolution tiles in rotation, "
                     "about the bare model's time), whole (the whole frame only), tiles-1 .. tiles-4 (static tiles)."),
        click.option("--tiles", type=click.IntRange(0, 4), help="Old name: --tiles N is --schedule tiles-N."),
        click.option("--profile", help="Lens profile: pi3, pi3-wide, pi-hq-6mm, usb."),
        click.option("--hfov", type=float, help="Horizontal field of view in degrees (overrides --profile)."),
        click.option("--mount-yaw", type=float, help="Camera yaw relative to the walking direction, degrees."),
        click.option("--keep-frames", is_flag=True, default=None,
                     help="Keep full frames (training data). Off: privacy."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _config(config_path, **kw):
    if kw.get("tiles") is not None:
        if kw.get("schedule"):
            raise click.UsageError("give --schedule or --tiles (its old name), not both")
        kw["schedule"] = f"tiles-{kw['tiles']}" if kw["tiles"] else "whole"
    mapping = {
        "db": "store.database", "model": "detector.model", "imgsz": "detector.imgsz", "every": "detector.every",
        "conf": "detector.conf", "schedule": "detector.schedule", "profile": "capture.profile",
        "hfov": "capture.hfov_deg",
        "mount_yaw": "capture.mount_yaw_deg", "keep_frames": "store.keep_frames",
    }
    try:
        return load_config(config_path, {mapping[k]: v for k, v in kw.items() if k in mapping})
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _report(store, result: SurveyResult) -> None:
    cams = store.cameras(result.walk_id)
    located = sum(1 for c in cams if c.has_position)
    click.echo(f"walk {result.walk_id}: {result.status}, {result.frames} frames, {len(cams)} cameras ({located} with a "
               f"position), {result.poles} poles")
    click.echo(f"database: {store.path}")
    click.echo(f"review it: sousveillance review {store.path}")


def _finish(store, result: SurveyResult) -> None:
    _report(store, result)
    store.close()
    if result.error:
        click.echo(f"Error: {result.error}", err=True)
        sys.exit(1)
    if result.no_fix:
        click.echo("Warning: no GPS fix during the walk: cameras were stored without a position, flagged for review.",
                   err=True)
        sys.exit(EXIT_NO_FIX)


def _open_frames(path: Path, max_frames: int | None):
    if path.is_dir():
        return ImageFolderSource(path)
    return VideoFileSource(path, max_frames=max_frames)


def replay_walk(video: Path, gps_file: Path | None, config, *, gps_offset: float = 0.0,
                video_start: datetime | None = None,
                max_frames: int | None = None, progress: bool = True, detector=None):
    from .gps.file import open_gps_file

    fixes = open_gps_file(gps_file, offset_s=gps_offset) if gps_file else []
    source = _open_frames(video, max_frames)
    timing = align_recording(fixes, video_start)
    bar = None
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=source.frame_count, unit="frame", desc=video.name, file=sys.stderr)
    try:
        return run_walk(
            config, source, detector=detector, fixes=timing.fixes, video_start_utc=timing.video_start_utc,
            progress=bar.update if bar else None,
            settings_extra={"replay": {"video": str(video), "gps": str(gps_file) if gps_file else None,
                                       "gps_offset_s": gps_offset}},
        )
    finally:
        if bar:
            bar.close()


def _guard(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except (CaptureError, GpsError, DetectorError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.argument("video", type=click.Path(exists=False, path_type=Path))
@click.option("--gpx", type=click.Path(dir_okay=False, path_type=Path), help="GPS track of the walk (GPX with times).")
@click.option("--nmea", type=click.Path(dir_okay=False, path_type=Path), help="GPS log of the walk (NMEA 0183).")
@click.option("--gps-offset", type=float, default=0.0, show_default=True,
              help="Seconds added to GPS times to align them with the video.")
@click.option("--video-start", type=click.DateTime(["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"]),
              help="UTC time of the video's first frame (default: the first GPS fix).")
@click.option("--max-frames", type=int, help="Stop after this many frames.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@_common_options
def replay(video, gpx, nmea, gps_offset, video_start, max_frames, no_progress, config_path, **kw):
    """Run the survey loop on a recorded VIDEO (or a folder of images) with its GPS track.

    \b
    Examples:
      sousveillance replay walk.mp4 --gpx walk.gpx --db walks.db
      sousveillance replay phone.mp4 --gpx strava.gpx --gps-offset -2.5 --profile usb
    """
    if gpx and nmea:
        raise click.UsageError("give --gpx or --nmea, not both")
    if not video.exists():
        raise click.ClickException(f"video not found: {video}")
    for f in (gpx, nmea):
        if f and not f.exists():
            raise click.ClickException(f"GPS file not found: {f}")
    if video_start and video_start.tzinfo is None:

        video_start = video_start.replace(tzinfo=UTC)
    config = _config(config_path, **kw)
    store, result = _guard(replay_walk, video, gpx or nmea, config, gps_offset=gps_offset, video_start=video_start,
                           max_frames=max_frames, progress=not no_progress)
    _finish(store, result)


@click.command()
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=Path("sousveillance-demo/walks.db"),
              show_default=True, help="Where to write the demo's walk database.")
@click.option("--max-frames", type=int, help="Stop after this many frames.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--schedule", help="Detection schedule (default: rotate; whole: the whole frame only, to compare).")
def demo(db, max_frames, no_progress, schedule):
    """Replay the bundled sample walk (a rendered street in Marseille) with the shipped model.

    Needs no Pi and no GPS: it prints where the database is and how many cameras it found.

    \b
    Example:
      sousveillance demo && sousveillance review sousveillance-demo/walks.db
      sousveillance demo --schedule whole --db /tmp/whole/walks.db   # the whole frame only, for comparison
    """
    video = SAMPLE_WALK / "walk.mp4"
    nmea = SAMPLE_WALK / "walk.nmea"
    if not video.exists():
        raise click.ClickException(f"the sample walk is missing from this installation ({SAMPLE_WALK})")
    config = _config(None, db=str(db), schedule=schedule)
    # The renderer records when the video starts: the GPS log may begin later (a dropout), so do not guess.
    start = datetime.fromisoformat(json.loads((SAMPLE_WALK / "truth.json").read_text())["start_utc"])
    click.echo(f"replaying the sample walk {video.name} ({SAMPLE_WALK})")
    store, result = _guard(replay_walk, video, nmea, config, video_start=start, max_frames=max_frames,
                           progress=not no_progress)
    _finish(store, result)


@click.command()
@click.option("--source", type=click.Choice(["picamera2", "webcam"]), help="Frame source (default from config).")
@click.option("--service", is_flag=True, help="Run under systemd: notify READY/WATCHDOG, status file, storage guard.")
@_common_options
def survey(source, service, config_path, **kw):
    """Survey live: Pi camera (or USB webcam) + gpsd, until stopped (Ctrl-C or SIGTERM end the walk cleanly).

    \b
    Examples:
      sousveillance survey --db ~/walks/walks.db
      sousveillance survey --source webcam --profile usb
      sousveillance survey --config /etc/sousveillance/config.toml --service   # what systemd runs
    """
    config = _config(config_path, **kw)
    if source:
        config.capture.source = source
    from .service.live import run_live
    from .service.storage import EXIT_LOW_DISK, LowDiskSpaceError

    try:
        store, result = _guard(run_live, config, service=service)
    except LowDiskSpaceError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_LOW_DISK)  # the unit's RestartPreventExitStatus: no restart loop on a full card
    _finish(store, result)
