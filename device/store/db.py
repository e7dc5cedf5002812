"""The walk database: ``Store`` is the only code that reads or writes it, and hands out typed rows (``rows.py``).

The methods are grouped by table in ``walks`` (walks, fixes), ``cameras`` (cameras, poles, sightings), ``merges``
(the end-of-walk geometry's reads and writes), ``review`` (decisions), ``photos`` (photo labelling), ``crops``
(crop files) and ``privacy`` (zones, and ``confirmed_cameras()``: what may leave the device); ``connection`` opens,
migrates and batches. The sync outbox and OSM tables belong to ``sync.repository``, on the same file.
"""

from __future__ import annotations

import os

from .connection import DiskFullError, StoreError, iso, parse_utc, utcnow
from .crops import CROPS_DIR, CropFiles
from .merges import MergeRecords
from .photos import PhotoRecords
from .privacy import PrivacyRecords
from .review import ReviewRecords
from .settings import PrivacySettings


class Store(MergeRecords, PrivacyRecords, ReviewRecords, PhotoRecords, CropFiles):
    """One walk database file and its crops folder (``crops/`` next to it).

    ``privacy``: the config's ``[privacy]`` section; its zones (with those set on the review page's map, kept in
    the database) are applied by ``confirmed_cameras()``, the read behind every export and sync.
    """

    def __init__(self, path: str | os.PathLike, *, readonly: bool = False, migrate: bool = True,
                 privacy: PrivacySettings | None = None):
        super().__init__(path, readonly=readonly, migrate=migrate)
        if privacy is not None:
            self.privacy = privacy

    def __enter__(self) -> Store:
        return self


__all__ = ["Store", "StoreError", "DiskFullError", "CROPS_DIR", "iso", "parse_utc", "utcnow"]
