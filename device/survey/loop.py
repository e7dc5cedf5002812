"""The survey loop: frames + fixes -> detections -> tracks -> sightings, cameras and crops in the walk database.

The same loop runs live (Pi camera + gpsd) and on a recording (video + NMEA/GPX). It never blocks on the GPS: live
fixes are polled without waiting, and a frame without a fix is still recorded (its sightings have no position).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..capture import CaptureError, FrameSource
from ..detect import Detector
from ..detect.scheduled import ScheduledDetector
from ..geo import CameraProfile, GeoSettings, bearing_to, default_locator, finalize_walk
from ..geo.locator import Locator
from ..gps.base import GpsSource
from ..gps.track import GpsTrack
from ..store import DiskFullError, Store
from ..track import Tracker
from ..types import Frame, Sighting
from .observer import LoopStats, SurveyObserver
from .recorder import WalkRecorder

log = logging.getLogger(__name__)


@dataclass
class SurveyOptions:
    every: int = 1  # run the detector on every Nth frame
    min_hits: int = 3
    max_age: int = 15
    match_iou: float = 0.1
    crops_per_camera: int = 4
    mount_yaw: float = 0.0
    keep_frames: bool = False
    context_crops: bool = True
    flush_interval_s: float = 1.0
    geo: GeoSettings = field(default_factory=GeoSettings)  # the end-of-walk placement


@dataclass
class SurveyResult:
    walk_id: int
    status: str  # completed | interrupted (stopped by the user, or a full disk: ``error`` says) | failed
    frames: int
    cameras: int
    poles: int
    fixes: int
    frames_with_fix: int
    error: str | None = None
    finalize_s: float = 0.0  # the end-of-walk placement (triangulation, de-duplication), once per walk

    @property
    def no_fix(self) -> bool:
        return self.frames > 0 and self.frames_with_fix == 0


class Survey:
    def __init__(
        self,
        source: FrameSource,
        detector: Detector,
        store: Store,
        walk_id: int,
        *,
        profile: CameraProfile,
        gps_track: GpsTrack,
        gps_source: GpsSource | None = None,
        locator: Locator | None = None,
        options: SurveyOptions | None = None,
        observers: Sequence[SurveyObserver] = (),
        video_start_utc: datetime | None = None,
        progress: Callable[[int], None] | None = None,
    ):
        self.source, self.detector, self.store, self.walk_id = source, detector, store, walk_id
        self.profile, self.gps_track, self.gps_source = profile, gps_track, gps_source
        self.options = options or SurveyOptions()
        self.locator = locator or default_locator(profile)
        self.observers = list(observers)
        self.video_start_utc = video_start_utc
        self.progress = progress
        o = self.options
        self.tracker = Tracker(min_hits=o.min_hits, max_age=o.max_age, match_iou=o.match_iou)
        self.recorder = WalkRecorder(store, walk_id, self.locator, crops_per_camera=o.crops_per_camera,
                                     context_crops=o.context_crops)
        self._stop = threading.Event()
        self.stop_reason: str | None = None
        self.frames = self.detected_frames = self.frames_with_fix = self.fixes = 0
        self._fps = 0.0
        self._last_mode = 0
        self._disk_was_full = False

    # -- control -------------------------------------------------------------------------------------------
    def stop(self, reason: str = "stopped") -> None:
        """Ask the loop to end the walk cleanly after the current frame (signal handlers call this)."""
        self.stop_reason = reason
        self._stop.set()

    def install_signal_handlers(self) -> None:
        def handler(signum: int, _frame: object) -> None:
            self.stop(signal.Signals(signum).name)
            try:
                self.source.close()  # unblock a live camera waiting for its next frame
            except Exception:
                log.debug("closing the source on signal failed", exc_info=True)

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    # -- the loop ------------------------------------------------------------------------------------------
    def _stats(self, frame_t: float = 0.0) -> LoopStats:
        return LoopStats(
            walk_id=self.walk_id, frames=self.frames, detected_frames=self.detected_frames, fps=self._fps,
            cameras=self.recorder.cameras, fix_mode=self._last_mode, last_frame_t=frame_t,
        )

    def _poll_gps(self) -> None:
        if self.gps_source is None:
            return
        fixes = self.gps_source.poll()
        if fixes:
            self.gps_track.extend(fixes)
            self.recorder.add_fixes(fixes)
            self.fixes += len(fixes)

    def _frame_utc(self, frame: Frame) -> datetime | None:
        if frame.utc is not None:
            return frame.utc
        if self.video_start_utc is not None:
            return self.video_start_utc + timedelta(seconds=frame.t)
        return None

    def _process(self, frame: Frame) -> None:
        position = self.gps_track.position_at(frame.t)
        if position is not None:
            self.frames_with_fix += 1
            self._last_mode = 3
        else:
            self._last_mode = 0
        if self.options.keep_frames:
            self._keep_frame(frame)
        if frame.index % self.options.every:
            return
        self.detected_frames += 1
        if isinstance(self.detector, ScheduledDetector):  # knows where it looked: tracks survive the other frames
            seen = self.detector.detect_frame(frame.image)
            update = self.tracker.update(seen.detections, frame.index, seen.coverage, seen.shift, seen.faint)
        else:
            update = self.tracker.update(self.detector.detect(frame.image), frame.index)
        utc = self._frame_utc(frame)
        if position is not None and position.utc is not None:
            utc = position.utc
        for track, det in update.matches:
            x = (det.x1 + det.x2) / 2.0
            heading = position.heading if position else None
            sighting = Sighting(
                track_id=track.id, frame_index=frame.index, t=frame.t, utc=utc, detection=det,
                frame_width=frame.width, frame_height=frame.height, position=position,
                bearing=bearing_to(x, frame.width, heading, self.profile, self.options.mount_yaw),
            )
            self.recorder.observe(track, sighting, frame.image)
        for track in update.confirmed:
            self.recorder.confirm(track)
        for track in update.ended:
            self.recorder.end(track)

    def _keep_frame(self, frame: Frame) -> None:
        import cv2

        folder = self.store.root / "frames" / str(self.walk_id)
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / f"{frame.index:06d}.jpg"), frame.image)

    def run(self, frames: Iterable[Frame] | None = None) -> SurveyResult:
        status, error = "completed", None
        ready = False
        window_start, window_frames = time.monotonic(), 0
        try:
            for frame in frames if frames is not None else self.source:
                self._poll_gps()
                self._process(frame)
                self.frames += 1
                window_frames += 1
                now = time.monotonic()
                if now - window_start >= 2.0:
                    self._fps, window_start, window_frames = window_frames / (now - window_start), now, 0
                if not ready:
                    ready = True
                    for obs in self.observers:
                        obs.on_ready(self._stats(frame.t))
                for obs in self.observers:
                    obs.on_frame(self._stats(frame.t))
                    if getattr(obs, "stop_requested", False):
                        self.stop(getattr(obs, "stop_reason", None) or "stopped by " + type(obs).__name__)
                self.recorder.flush(interval=self.options.flush_interval_s)
                if self.progress:
                    self.progress(1)
                if self._stop.is_set():
                    break
        except DiskFullError as exc:
            status, error = self._disk_full(f"walk stopped after {self.frames} frames ({exc})")
        except CaptureError as exc:
            if not self._stop.is_set():
                status, error = "failed", str(exc)
        except KeyboardInterrupt:
            status, error = "interrupted", "interrupted by the user"
        try:
            self.recorder.finish(self.tracker.finish())
        except DiskFullError as exc:
            if not self._disk_was_full:
                status, error = self._disk_full(f"walk stopped after {self.frames} frames ({exc})")
        for obs in self.observers:  # before the walk-level work, which sends no watchdog pings
            obs.on_end(self._stats(), status)
        finalize_start = time.perf_counter()
        try:
            if status != "failed" and not self._disk_was_full:
                self._finalize()
        except DiskFullError as exc:
            status, error = self._disk_full(f"while placing the cameras ({exc})")
        if not self._disk_was_full:
            try:
                self.store.end_walk(self.walk_id, status, error=error, frames=self.frames)
            except DiskFullError:
                status, error = self._disk_full("while ending the walk")
        return SurveyResult(
            walk_id=self.walk_id, status=status, frames=self.frames, cameras=self.recorder.cameras,
            poles=self.recorder.poles, fixes=self.fixes, frames_with_fix=self.frames_with_fix, error=error,
            finalize_s=time.perf_counter() - finalize_start,
        )

    def _disk_full(self, detail: str) -> tuple[str, str]:
        """The disk is full: mark the walk ``interrupted`` now (what was committed stays reviewable)."""
        error = f"disk full: {detail}"
        if not self._disk_was_full:
            self._disk_was_full = True
            self.store.interrupt_walk(self.walk_id, error, frames=self.frames)
        return "interrupted", error

    def _finalize(self) -> None:
        """Walk-level geolocation: re-smoothed headings, triangulation, de-duplication, facing and mount."""
        finalize_walk(self.store, self.walk_id, self.options.geo)
