"""The walk database: one SQLite file (opens in Datasette as is) with crops as JPEG files next to it."""

from .db import DiskFullError, Store, StoreError
from .photos import PhotoBox, PhotoRow
from .rows import (
    CameraRow,
    ConfirmedCamera,
    Decision,
    MergeRow,
    NewMerge,
    PoleRow,
    PrunableCrop,
    ReviewedSighting,
    SightingRow,
    WalkRecord,
    WalkRow,
)

__all__ = [
    "Store",
    "StoreError",
    "DiskFullError",
    "CameraRow",
    "ConfirmedCamera",
    "Decision",
    "MergeRow",
    "NewMerge",
    "PoleRow",
    "PrunableCrop",
    "ReviewedSighting",
    "SightingRow",
    "WalkRecord",
    "WalkRow",
    "PhotoBox",
    "PhotoRow",
]
