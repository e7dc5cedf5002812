"""The walk database: one SQLite file (opens in Datasette as is) with crops as JPEG files next to it."""

from .db import Store, StoreError, DiskFullError

__all__ = ["Store", "StoreError", "DiskFullError"]
