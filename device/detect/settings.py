"""Settings of the detector (config section ``[detector]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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
    tiles: int = Field(0, ge=0, le=4, description="0: whole frame; N: also NxN/2 overlapping tiles for small cameras.")
