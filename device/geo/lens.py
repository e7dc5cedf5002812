"""Lens models and bearings: from a box centre in the image to a compass bearing from the walker."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CameraProfile:
    """A camera module's horizontal field of view at its full sensor width (pinhole approximation)."""

    name: str
    hfov_deg: float
    description: str = ""

    def focal_px(self, frame_width: int) -> float:
        return (frame_width / 2.0) / math.tan(math.radians(self.hfov_deg) / 2.0)

    def angle_of(self, x: float, frame_width: int) -> float:
        """Horizontal angle in degrees of image column ``x`` from the optical axis (positive = right)."""
        return math.degrees(math.atan((x - frame_width / 2.0) / self.focal_px(frame_width)))


PROFILES: dict[str, CameraProfile] = {
    "pi3": CameraProfile("pi3", 66.0, "Raspberry Pi Camera Module 3 (standard lens)"),
    "pi3-wide": CameraProfile("pi3-wide", 102.0, "Raspberry Pi Camera Module 3 Wide"),
    "pi-hq-6mm": CameraProfile("pi-hq-6mm", 63.0, "Raspberry Pi HQ Camera with the 6 mm lens"),
    "usb": CameraProfile("usb", 70.0, "Typical USB webcam"),
}


def profile_for(name_or_fov: str | float) -> CameraProfile:
    """A named profile, or a custom one from a field of view in degrees."""
    if isinstance(name_or_fov, (int, float)):
        return CameraProfile(f"custom-{name_or_fov:g}", float(name_or_fov))
    try:
        return PROFILES[name_or_fov]
    except KeyError:
        raise ValueError(f"unknown camera profile {name_or_fov!r}; known: {', '.join(PROFILES)}") from None


def lens_profile(name: str | None, hfov_deg: float | None = None) -> CameraProfile:
    """The lens of the capture settings: a field of view in degrees when given, else the named profile."""
    return profile_for(float(hfov_deg)) if hfov_deg else profile_for(name or "pi3")


def walk_profile(settings: Mapping[str, Any]) -> CameraProfile:
    """The lens a walk was recorded with, from its stored settings (``capture.profile``, ``capture.hfov_deg``)."""
    capture = settings.get("capture") or {}
    try:
        return lens_profile(capture.get("profile"), capture.get("hfov_deg"))
    except (ValueError, TypeError) as exc:
        log.warning("walk settings name no usable lens (%s): placing with pi3", exc)
        return PROFILES["pi3"]


def bearing_to(x: float, frame_width: int, heading: float | None, profile: CameraProfile,
               mount_yaw: float = 0.0) -> float | None:
    """Bearing (degrees from north) walker -> object at image column ``x``; None without a heading."""
    if heading is None:
        return None
    return (heading + mount_yaw + profile.angle_of(x, frame_width)) % 360.0
