"""Settings of the walk database (config section ``[store]``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


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
        description="Name of this device in walks and submissions (default: its random pseudonym, never the host name).",
    )
