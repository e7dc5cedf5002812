"""Assemble a walk from settings: store, detector, sources, observers; run it; report the outcome.

Shared by ``sousveillance survey`` (live), ``replay`` and ``demo`` so that all three run the same loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sousveillance.config import Config

from ..capture import FrameSource
from ..detect import Detector, open_detector
from ..detect.scheduled import ScheduledDetector
from ..geo import CameraProfile, lens_profile
from ..gps.base import GpsSource, rebase, t_to_utc, utc_to_t
from ..gps.track import GpsTrack
from ..store import Store
from ..store.identity import device_pseudonym
from ..types import Fix
from .loop import Survey, SurveyOptions, SurveyResult
from .observer import SurveyObserver

log = logging.getLogger(__name__)


def _pseudonym(store: Store) -> str:
    """This device's random pseudonym (never the host name); empty when it cannot be kept (read-only media)."""
    try:
        return device_pseudonym(store.path)
    except OSError as exc:
        log.warning("no device pseudonym (%s): the walk records no device name", exc)
        return ""


def profile_from(config: Config) -> CameraProfile:
    return lens_profile(config.capture.profile, config.capture.hfov_deg)


def build_detector(config: Config) -> ScheduledDetector:
    """The configured model behind the configured schedule (``detector.schedule``)."""
    d = config.detector
    model = open_detector(d.model, backend=d.backend, imgsz=d.imgsz, conf=d.conf, iou=d.iou)
    return ScheduledDetector(model, d.schedule, confirm_hits=config.tracker.min_hits)


def options_from(config: Config) -> SurveyOptions:
    return SurveyOptions(
        every=config.detector.every,
        min_hits=config.tracker.min_hits,
        max_age=config.tracker.max_age,
        match_iou=config.tracker.match_iou,
        crops_per_camera=config.tracker.crops_per_camera,
        mount_yaw=config.capture.mount_yaw_deg,
        keep_frames=config.store.keep_frames,
        geo=config.geo,
        context_crops=config.store.context_crops,
    )


@dataclass
class ReplayTiming:
    """How a recording's frames line up with its GPS file."""

    fixes: list[Fix]  # re-based: t = seconds since video start
    video_start_utc: datetime | None


def align_recording(fixes: list[Fix], video_start: datetime | None = None) -> ReplayTiming:
    """Put file fixes (t = POSIX time) on the video's timeline; the video starts at the first fix unless told."""
    if not fixes:
        return ReplayTiming([], video_start)
    start = video_start or fixes[0].utc or t_to_utc(fixes[0].t)
    return ReplayTiming(rebase(fixes, utc_to_t(start)), start)


def run_walk(
    config: Config,
    source: FrameSource,
    *,
    detector: Detector | None = None,
    fixes: list[Fix] | None = None,
    gps_source: GpsSource | None = None,
    video_start_utc: datetime | None = None,
    observers: Sequence[SurveyObserver] = (),
    progress: Callable[[int], None] | None = None,
    handle_signals: bool = True,
    settings_extra: dict | None = None,
    store: Store | None = None,
) -> tuple[Store, SurveyResult]:
    """Open the store, record one walk from ``source`` and return the store (still open) and the result."""
    from ...models import MODEL_VERSION

    store = store or Store(Path(config.store.database).expanduser())
    detector = detector or build_detector(config)
    profile = profile_from(config)
    settings = config.model_dump(mode="json")
    settings.update(settings_extra or {})
    walk_id = store.start_walk(
        source=source.name,
        settings=settings,
        model=Path(detector.model_path).name,
        model_version=MODEL_VERSION,
        device_id=config.store.device_id or _pseudonym(store),
    )
    track = GpsTrack(fixes or (), max_gap_s=config.gps.max_gap_s, heading_distance_m=config.gps.heading_distance_m)
    survey = Survey(
        source, detector, store, walk_id, profile=profile, gps_track=track, gps_source=gps_source,
        options=options_from(config), observers=observers,
        video_start_utc=video_start_utc, progress=progress,
    )
    if fixes:
        survey.recorder.add_fixes(list(fixes))
        survey.fixes = len(fixes)
    if handle_signals:
        survey.install_signal_handlers()
    try:
        result = survey.run()
    finally:
        source.close()
    return store, result

