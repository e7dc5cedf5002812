"""Bodies of map pages, joined from each feature's GeoJSON, made once per revision of the feature and kept.

A reader paging the map costs a query of ids and revisions and a join of bytes already made; only features that
changed since (their ``rev`` moved) or were never asked for are read in full and encoded, by the export stack.
At most ``limit`` features are kept (oldest entries go first): about half a kilobyte each.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from .. import export
from .repo import Repository
from .respond import dumps

HEAD = b'{"type":"FeatureCollection","features":['


def feature_json(row: dict[str, Any]) -> dict[str, Any]:
    """A map feature as the GeoJSON export writes it."""
    return export.geojson([export.from_map_feature(row)])["features"][0]


class Pages:
    def __init__(self, repo: Repository, limit: int = 200_000):
        self.repo, self.limit = repo, limit
        self._made: OrderedDict[str, tuple[int, bytes]] = OrderedDict()  # feature uuid -> (rev, its GeoJSON)
        self._lock = threading.Lock()

    def features(self, keys: list[tuple[int, str, int]]) -> list[bytes]:
        """The GeoJSON of each (id, uuid, rev), from memory or read and encoded now."""
        made, found = self._made, {}
        for _, uuid, rev in keys:
            hit = made.get(uuid)
            if hit is not None and hit[0] == rev:
                found[uuid] = hit[1]
        missing = [fid for fid, uuid, _ in keys if uuid not in found]
        if missing:
            fresh = {row["uuid"]: (row["rev"], dumps(feature_json(row))) for row in self.repo.rows(missing).values()}
            with self._lock:
                made.update(fresh)
                while len(made) > self.limit:
                    made.popitem(last=False)
            found.update({uuid: body for uuid, (_, body) in fresh.items()})
        return [found[uuid] for _, uuid, _ in keys if uuid in found]  # a feature deleted meanwhile is left out

    def collection(self, keys: list[tuple[int, str, int]], members: dict[str, Any]) -> bytes:
        """A FeatureCollection of those features with the other members (numberMatched, links...)."""
        tail = b"]," + dumps(members)[1:] if members else b"]}"
        return HEAD + b",".join(self.features(keys)) + tail
