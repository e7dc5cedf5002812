"""Settings of the frame source (config section ``[capture]``), including the lens profile."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CaptureSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Literal["picamera2", "webcam", "standin"] = Field(
        "picamera2", description="Live frame source; 'standin' replays standin_video through the Picamera2 API."
    )
    standin_video: Path | None = Field(None, description="Video served by the Picamera2 stand-in (no Pi camera).")
    width: int = Field(1920, ge=160, le=4608, description="Frame width in pixels (native-resolution tiles need it).")
    height: int = Field(1080, ge=120, le=2592, description="Frame height in pixels.")
    fps: float = Field(10.0, gt=0, le=60, description="Frames per second asked of the camera.")
    profile: str = Field("pi3", description="Lens profile: pi3, pi3-wide, pi-hq-6mm, usb (horizontal field of view).")
    hfov_deg: float | None = Field(None, gt=10, lt=180, description="Override the profile's horizontal FOV (deg).")
    webcam_index: int = Field(0, ge=0, description="OpenCV device index for a USB webcam.")
    mount_yaw_deg: float = Field(0.0, ge=-180, le=180, description="Camera yaw relative to the walking direction.")
