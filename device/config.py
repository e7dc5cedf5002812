"""One validated configuration, read once: CLI options -> config file -> constructors.

Every field has a default, a description and bounds; unknown keys are errors. Secrets (the sync token) never live
here: they come from the environment or a systemd credential.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..sync.settings import SyncSettings
from .geo.settings import GeoSettings
from .review.settings import ReviewSettings
from .service.settings import ServiceSettings

DEFAULT_CONFIG_PATHS = (Path("/etc/sousveillance/config.toml"), Path("~/.config/sousveillance/config.toml"))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaptureSettings(_Section):
    source: Literal["picamera2", "webcam", "standin"] = Field(
        "picamera2", description="Live frame source; 'standin' replays standin_video through the Picamera2 API."
    )
    standin_video: Path | None = Field(None, description="Video served by the Picamera2 stand-in (no Pi camera).")
    width: int = Field(1280, ge=160, le=4608, description="Frame width in pixels.")
    height: int = Field(720, ge=120, le=2592, description="Frame height in pixels.")
    fps: float = Field(10.0, gt=0, le=60, description="Frames per second asked of the camera.")
    profile: str = Field("pi3", description="Lens profile: pi3, pi3-wide, pi-hq-6mm, usb (horizontal field of view).")
    hfov_deg: float | None = Field(None, gt=10, lt=180, description="Override the profile's horizontal FOV (deg).")
    webcam_index: int = Field(0, ge=0, description="OpenCV device index for a USB webcam.")
    mount_yaw_deg: float = Field(0.0, ge=-180, le=180, description="Camera yaw relative to the walking direction.")


class GpsSettings(_Section):
    host: str = Field("127.0.0.1", description="gpsd host.")
    port: int = Field(2947, ge=1, le=65535, description="gpsd port.")
    max_gap_s: float = Field(5.0, gt=0, le=120, description="Longest gap between fixes still interpolated.")
    heading_distance_m: float = Field(8.0, gt=0, le=100, description="Track length over which heading is smoothed.")
    fix_timeout_s: float = Field(120.0, ge=0, le=3600, description="At start, wait this long for a fix, then record anyway.")


class DetectorSettings(_Section):
    model: str | None = Field(None, description="Model file (.pt, .onnx) or NCNN folder; default: the shipped model.")
    backend: Literal["auto", "ncnn", "ultralytics"] = Field(
        "auto", description="auto: NCNN models run on the ncnn runtime alone (no PyTorch), others through Ultralytics."
    )
    imgsz: int = Field(640, ge=160, le=2048, description="Inference size in pixels (long side).")
    every: int = Field(1, ge=1, le=30, description="Run the detector on every Nth frame.")
    conf: float = Field(0.30, gt=0, lt=1, description="Minimum confidence of a detection.")
    iou: float = Field(0.5, gt=0, lt=1, description="NMS IoU threshold.")
    tiles: int = Field(0, ge=0, le=4, description="0: whole frame; N: also NxN/2 overlapping tiles for small cameras.")


class TrackerSettings(_Section):
    min_hits: int = Field(3, ge=1, le=50, description="Sightings before a track counts as a camera (anti-flicker).")
    max_age: int = Field(15, ge=1, le=300, description="Detector runs a track may be unseen before it ends.")
    match_iou: float = Field(0.1, ge=0, le=1, description="Minimum IoU to continue a track.")
    crops_per_camera: int = Field(4, ge=1, le=20, description="Crops kept per camera (the best plus spread-out others).")


class StoreSettings(_Section):
    database: Path = Field(Path("~/sousveillance/walks.db"), description="Walk database (crops go next to it).")
    keep_frames: bool = Field(False, description="Keep full frames (training data). Off by default: privacy.")
    device_id: str = Field("", description="Name of this device in walks and submissions (default: hostname).")


class Config(_Section):
    capture: CaptureSettings = CaptureSettings()
    gps: GpsSettings = GpsSettings()
    detector: DetectorSettings = DetectorSettings()
    tracker: TrackerSettings = TrackerSettings()
    geo: GeoSettings = GeoSettings()
    store: StoreSettings = StoreSettings()
    review: ReviewSettings = ReviewSettings()
    service: ServiceSettings = ServiceSettings()
    sync: SyncSettings = SyncSettings()


class ConfigError(Exception):
    pass


def load_config(path: str | os.PathLike | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Read the config file (explicit path, $SOUSVEILLANCE_CONFIG, or the default places) and apply overrides.

    ``overrides`` uses dotted keys: ``{"detector.imgsz": 960}``; None values are ignored.
    """
    data: dict[str, Any] = {}
    candidates = [Path(path)] if path else []
    if not path and os.environ.get("SOUSVEILLANCE_CONFIG"):
        candidates = [Path(os.environ["SOUSVEILLANCE_CONFIG"])]
    if not candidates:
        candidates = [p.expanduser() for p in DEFAULT_CONFIG_PATHS if p.expanduser().exists()][:1]
    for candidate in candidates:
        try:
            data = tomllib.loads(candidate.expanduser().read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {candidate}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {candidate} is not valid TOML: {exc}") from None
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid setting {where}: {first['msg']}") from None
