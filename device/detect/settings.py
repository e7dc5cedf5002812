"""Settings of the detector (config section ``[detector]``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The detection schedules (device/detect/schedule.py builds them), named here so the setting can check its value.
SCHEDULES: dict[str, str] = {
    "whole": "the whole frame at the model's square input every frame (cost 1.0x the bare model; the old default)",
    "rotate": "whole frame at a rectangular input + one native-resolution tile of the band above the horizon in "
              "rotation + crops that confirm candidates (cost at most 1.2x; the default)",
    "tiles-1": "whole frame + 1 static tile every frame (old detector.tiles = 1; about 1.9x)",
    "tiles-2": "whole frame + the 2 static tiles of the old detector.tiles = 2, every frame (about 2.8x)",
    "tiles-3": "whole frame + 6 static tiles every frame (old detector.tiles = 3; about 7x)",
    "tiles-4": "whole frame + 8 static tiles every frame (old detector.tiles = 4; about 9x)",
}
DEFAULT_SCHEDULE = "rotate"


class DetectorSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(None, description="Model file (.pt, .onnx) or NCNN folder; default: the shipped model.")
    backend: Literal["auto", "ncnn", "ultralytics"] = Field(
        "auto", description="auto: NCNN models run on the ncnn runtime alone (no PyTorch), others through Ultralytics."
    )
    imgsz: int = Field(640, ge=160, le=2048, description="Inference size in pixels (long side).")
    every: int = Field(1, ge=1, le=30, description="Run the detector on every Nth frame.")
    conf: float = Field(0.30, gt=0, lt=1, description="Minimum confidence of a detection.")
    iou: float = Field(0.5, gt=0, lt=1, description="NMS IoU threshold.")
    schedule: str = Field(DEFAULT_SCHEDULE, description="Which parts of each frame the model looks at: "
                          + "; ".join(f"{k}: {v}" for k, v in SCHEDULES.items()) + ".")

    @model_validator(mode="before")
    @classmethod
    def _old_tiles(cls, data: Any) -> Any:
        """``tiles = N`` (before ``schedule``) still works: it means ``schedule = "tiles-N"`` (0: ``"whole"``)."""
        if not isinstance(data, dict) or "tiles" not in data:
            return data
        data = dict(data)
        tiles = data.pop("tiles")
        if not isinstance(tiles, int) or not 0 <= tiles <= 4:
            raise ValueError(f"tiles = {tiles!r} is replaced by schedule: use schedule = \"rotate\" (native-resolution "
                             "tiles in rotation, the default) or \"tiles-1\" .. \"tiles-4\"")
        wanted = f"tiles-{tiles}" if tiles else "whole"
        if data.get("schedule", wanted) != wanted:
            raise ValueError(f"tiles = {tiles} and schedule = {data['schedule']!r} disagree: keep only schedule "
                             "(tiles is the old name of the tiles-N schedules)")
        data["schedule"] = wanted
        return data

    @field_validator("schedule")
    @classmethod
    def _known_schedule(cls, value: str) -> str:
        if value not in SCHEDULES:
            raise ValueError(f"unknown schedule {value!r}: one of {', '.join(SCHEDULES)}")
        return value
