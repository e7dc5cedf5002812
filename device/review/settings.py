"""Settings of the review web view."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Profile(BaseModel):
    """A one-tap profile: a common combination of tags that a single tap sets and confirms."""

    model_config = ConfigDict(extra="forbid")

    camera_type: Literal["dome", "fixed", "ptz"] = Field(..., description="camera:type of the profile.")
    mount: Literal["pole", "wall", "ceiling"] = Field(..., description="camera:mount of the profile.")
    surveillance: Literal["public", "outdoor", "indoor"] = Field(
        "public", description="What it watches (OSM surveillance=*)."
    )

    @property
    def label(self) -> str:
        return f"{self.camera_type} · {self.mount} · {self.surveillance}"


DEFAULT_PROFILES = (
    Profile(camera_type="dome", mount="wall", surveillance="public"),
    Profile(camera_type="fixed", mount="pole", surveillance="public"),
    Profile(camera_type="dome", mount="ceiling", surveillance="outdoor"),
)


class ReviewSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field("127.0.0.1", description="Address to bind; 0.0.0.0 (hotspot) requires the PIN (and HTTPS).")
    port: int = Field(8080, ge=1, le=65535, description="TCP port of the review web view.")
    read_only: bool = Field(False, description="Show everything, refuse every change.")
    tls: Literal["auto", "on", "off"] = Field(
        "auto",
        description="HTTPS with this device's self-signed certificate: auto = when bound beyond loopback (the PIN "
        "and the session cookie never cross the air in clear); off = plain HTTP even on the hotspot.",
    )
    tls_dir: Path | None = Field(
        None, description="Where the certificate and its key are kept (default: review-tls/ next to the database)."
    )
    reviewer: str = Field(
        "", max_length=80,
        description="Handle recorded with each decision and sent with confirmed cameras (empty by default; never the "
        "OS user name).",
    )
    tiles: Path | None = Field(None, description="Offline basemap: a raster .mbtiles or .pmtiles file.")
    basemap: Path | None = Field(
        None, description="Offline street map from `sousveillance basemap build` (default: basemap.geojson beside "
        "the walk database, when there is one).",
    )
    osm_tiles: bool = Field(False, description="Offer OpenStreetMap's online tiles (only when online; off by default).")
    pin: str | None = Field(
        None, min_length=4, max_length=12, pattern=r"^\d+$",
        description="PIN for non-loopback hosts; default: a random 6-digit PIN printed on the console.",
    )
    poll_s: float = Field(3.0, gt=0.2, le=60, description="How often an open page asks for new cameras (seconds).")
    view_cone_m: float = Field(25.0, gt=1, le=200, description="Length of the drawn view cone of fixed cameras (m).")
    duplicate_radius_m: float = Field(15.0, gt=0, le=200, description="Cameras this close are offered as duplicates.")
    profiles: list[Profile] = Field(
        default_factory=lambda: list(DEFAULT_PROFILES), max_length=6,
        description="One-tap profiles (type, mount, watches) shown as large buttons: one tap sets them and confirms.",
    )

    @field_validator("profiles")
    @classmethod
    def _distinct_profiles(cls, value: list[Profile]) -> list[Profile]:
        labels = [p.label for p in value]
        if len(set(labels)) != len(labels):
            raise ValueError("each profile must differ from the others")
        return value
