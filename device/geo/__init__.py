"""Geolocation: bearings through the lens, camera positions, de-duplication of tracks."""

from .lens import PROFILES, CameraProfile, bearing_to, profile_for
from .locator import Locator, RangeLocator, offset

__all__ = ["PROFILES", "CameraProfile", "bearing_to", "profile_for", "Locator", "RangeLocator", "offset"]
