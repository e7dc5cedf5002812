"""Settings of the end-of-walk placement (config section ``[geo]``)."""

from pydantic import BaseModel, ConfigDict, Field


class GeoSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bridge_gap_s: float = Field(
        30.0,
        gt=0,
        le=600,
        description="After the walk, GPS dropouts up to this long are bridged (with a larger error).",
    )
    heading_span_m: float = Field(
        10.0,
        gt=0,
        le=100,
        description="After the walk, the heading at a sighting is averaged over this many metres walked around it.",
    )
    max_turn_deg: float = Field(
        25.0,
        gt=0,
        le=180,
        description="At a sharper turn (over about 8 m) a sighting's bearing uses the receiver's own course, or none.",
    )
    lens_height_m: float = Field(
        1.5, ge=0, le=5, description="Height of the walker's camera above the ground, for the height of each camera."
    )
    reheading: bool = Field(
        True, description="Re-smooth headings from the whole track after the walk (off: keep the live headings)."
    )
    dedupe: bool = Field(
        True, description="Merge the tracks of one physical camera (lost and found again, passed twice)."
    )
