"""Settings of the tracker and the crops kept per camera (config section ``[tracker]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TrackerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_hits: int = Field(3, ge=1, le=50, description="Sightings before a track counts as a camera (anti-flicker).")
    max_age: int = Field(15, ge=1, le=300, description="Detector runs a track may be unseen before it ends.")
    match_iou: float = Field(0.1, ge=0, le=1, description="Minimum IoU to continue a track.")
    crops_per_camera: int = Field(
        4, ge=1, le=20, description="Crops kept per camera (the best plus spread-out others)."
    )
