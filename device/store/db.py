"""The walk database: ``Store`` is the only code that reads or writes it, and hands out typed rows (``rows.py``).

The methods are grouped by table in ``walks`` (walks, fixes), ``cameras`` (cameras, poles, sightings), ``merges``
(the end-of-walk geometry's reads and writes), ``review`` (decisions), ``photos`` (photo labelling) and ``crops``
(crop files); ``connection`` opens, migrates and batches. The sync outbox and OSM tables belong to ``sync.repository``, on the same file.
"""

from __future__ import annotations

from .connection import DiskFullError, StoreError, iso, parse_utc, utcnow
from .crops import CROPS_DIR, CropFiles
from .merges import MergeRecords
from .photos import PhotoRecords
from .review import ReviewRecords


class Store(MergeRecords, ReviewRecords, PhotoRecords, CropFiles):
    """One walk database file and its crops folder (``crops/`` next to it)."""

    def __enter__(self) -> "Store":
        return self


__all__ = ["Store", "StoreError", "DiskFullError", "CROPS_DIR", "iso", "parse_utc", "utcnow"]
