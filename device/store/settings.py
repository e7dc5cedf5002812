"""Settings of the walk database: config sections ``[store]`` and ``[privacy]`` (the store applies the zones in
``confirmed_cameras()``, the one read behind every export and sync; ``store/zones.py`` has their geometry)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class StoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database: Path = Field(Path("~/sousveillance/walks.db"), description="Walk database (crops go next to it).")
    keep_frames: bool = Field(False, description="Keep full frames (training data). Off by default: privacy.")
    context_crops: bool = Field(
        True, description="Keep a wider view (3x the box, at most 320 px) per camera for review, with people, faces, "
        "number plates and the street below the camera blurred before it is written.",
    )
    device_id: str = Field(
        "", max_length=80,
        description="Name of this device in walks and submissions (default: its random pseudonym, never the host "
        "name).",
    )


class PrivacyZone(BaseModel):
    """A circle inside which nothing (cameras, track, times) is shown outside this device's review page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latitude: float = Field(..., ge=-90, le=90, description="Centre latitude (WGS84).")
    longitude: float = Field(..., ge=-180, le=180, description="Centre longitude (WGS84).")
    radius_m: float = Field(..., gt=0, le=50_000, description="Radius in metres.")

    @classmethod
    def parse(cls, text: str) -> PrivacyZone:
        """``"LAT,LON,RADIUS_M"`` -> zone; ValueError with a one-line message otherwise."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 3:
            raise ValueError(f"privacy zone must be LAT,LON,RADIUS_M, got {text!r}")
        try:
            lat, lon, radius = (float(p) for p in parts)
        except ValueError:
            raise ValueError(f"privacy zone must be three numbers LAT,LON,RADIUS_M, got {text!r}") from None
        try:
            return cls(latitude=lat, longitude=lon, radius_m=radius)
        except ValidationError as exc:  # -> one line
            raise ValueError(f"invalid privacy zone {text!r}: {str(exc).splitlines()[-1].strip()}") from None


class PrivacySettings(BaseModel):
    """The config's ``[privacy]`` section."""

    model_config = ConfigDict(extra="forbid")

    zones: list[PrivacyZone] = Field(
        default_factory=list,
        description="Circles (e.g. around home) whose cameras, track and times never leave this device.",
    )
    time_margin_m: float = Field(
        200.0, ge=0, le=10_000,
        description="Cameras this close to a zone's edge are exported without review/edit times (cut to the day).",
    )
