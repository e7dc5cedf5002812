"""Settings of the GPS source and the live track (config section ``[gps]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class GpsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field("127.0.0.1", description="gpsd host.")
    port: int = Field(2947, ge=1, le=65535, description="gpsd port.")
    max_gap_s: float = Field(5.0, gt=0, le=120, description="Longest gap between fixes still interpolated.")
    heading_distance_m: float = Field(8.0, gt=0, le=100, description="Track length over which heading is smoothed.")
    fix_timeout_s: float = Field(
        120.0, ge=0, le=3600, description="At start, wait this long for a fix, then record anyway."
    )
