"""Writes one walk into the store: fixes, sightings of confirmed tracks, camera and pole rows, crops.

Writes are batched: ``flush()`` commits everything pending in one transaction and is called about once a second,
so a killed walk keeps all but its last second. Sightings of a track are held back until the track is confirmed
(``min_hits``), so flicker never reaches the database. Only crops of detected objects are kept.
"""

from __future__ import annotations

import logging
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..geo.locator import Locator, sighting_quality
from ..store import Store
from ..store.crops import crop_around
from ..store.db import iso, utcnow
from ..store.redact import context_of
from ..track import Track
from ..types import Box, Fix, Located, Sighting

log = logging.getLogger(__name__)

@dataclass(eq=False)
class _Candidate:
    sighting: Sighting
    quality: float
    image: np.ndarray
    context: tuple[np.ndarray, Box] | None = None  # the wider view, kept for the track's best sighting only


@dataclass(eq=False)
class _TrackState:
    track: Track
    row_id: int | None = None  # cameras.id or poles.id once confirmed
    uuid: str = ""
    sightings: list[Sighting] = field(default_factory=list)
    unsaved: list[Sighting] = field(default_factory=list)
    candidates: list[_Candidate] = field(default_factory=list)
    best: _Candidate | None = None
    best_written: _Candidate | None = None
    dirty: bool = False


def crop_of(image: np.ndarray, s: Sighting) -> np.ndarray:
    return crop_around(image, s.detection)


class WalkRecorder:
    def __init__(self, store: Store, walk_id: int, locator: Locator, *, crops_per_camera: int = 4,
                 context_crops: bool = True):
        self.store, self.walk_id, self.locator = store, walk_id, locator
        self.crops_per_camera = crops_per_camera
        self.context_crops = context_crops
        self._states: dict[int, _TrackState] = {}
        self._fixes: list[Fix] = []
        self._last_flush = time.monotonic()
        self.cameras = 0
        self.poles = 0

    # -- inputs from the loop ----------------------------------------------------------------------------
    def add_fixes(self, fixes: list[Fix]) -> None:
        self._fixes.extend(fixes)

    def observe(self, track: Track, sighting: Sighting, image: np.ndarray) -> None:
        state = self._states.get(track.id)
        if state is None:
            state = self._states[track.id] = _TrackState(track=track, uuid=str(uuidlib.uuid4()))
        state.sightings.append(sighting)
        state.unsaved.append(sighting)
        state.dirty = True
        quality = sighting_quality(sighting)
        if state.best is None or quality > state.best.quality or len(state.candidates) < 2 * self.crops_per_camera:
            cand = _Candidate(sighting, quality, crop_of(image, sighting))
            state.candidates.append(cand)
            if state.best is None or quality > state.best.quality:
                if state.best is not None:
                    state.best.context = None
                if self.context_crops and not track.is_pole:
                    d = sighting.detection
                    cand.context = context_of(image, Box(d.x1, d.y1, d.x2, d.y2))
                state.best = cand
            if len(state.candidates) > 3 * self.crops_per_camera:
                keep = state.candidates[::2]
                if state.best not in keep:
                    keep.append(state.best)
                state.candidates = keep

    def confirm(self, track: Track) -> None:
        state = self._states.get(track.id)
        if state is None:
            return
        self._insert_row(state)
        state.dirty = True

    def end(self, track: Track) -> None:
        state = self._states.pop(track.id, None)
        if state is None or state.row_id is None:
            return  # never confirmed: flicker, nothing stored
        self._flush_state(state, final=True)

    def flush(self, *, force: bool = False, interval: float = 1.0) -> None:
        now = time.monotonic()
        if not force and now - self._last_flush < interval:
            return
        self._last_flush = now
        if self._fixes:
            self.store.add_fixes(self.walk_id, self._fixes)
            self._fixes = []
        for state in list(self._states.values()):
            if state.row_id is not None and state.dirty:
                self._flush_state(state, final=False)

    def finish(self, tracks: list[Track]) -> None:
        for track in tracks:
            self.end(track)
        self.flush(force=True)

    # -- writing -------------------------------------------------------------------------------------------
    def _insert_row(self, state: _TrackState) -> None:
        track = state.track
        first_seen = iso(state.sightings[0].utc)
        if track.is_pole:
            state.row_id = self.store.add_pole(self.walk_id, track.id, first_seen)
            self.poles += 1
        else:
            state.row_id = self.store.add_camera(self.walk_id, track.id, state.uuid, track.class_name, first_seen)
            self.cameras += 1

    def _flush_state(self, state: _TrackState, *, final: bool) -> None:
        track = state.track
        crop_paths: dict[int, str] = {}
        best = state.best
        if not track.is_pole and best is not None and (final or best is not state.best_written):
            crop_paths[id(best.sighting)] = self.store.save_crop(self.walk_id, f"cam-{state.uuid}", best.image)
            state.best_written = best
        if final and not track.is_pole:
            for cand in self._spread(state):
                if cand is not best:
                    crop_paths[id(cand.sighting)] = self.store.save_crop(
                        self.walk_id, f"cam-{state.uuid}-{cand.sighting.frame_index}", cand.image
                    )
        context_crop = None
        if final and best is not None and best.context is not None:
            context_crop = self.store.save_context(self.walk_id, f"cam-{state.uuid}-context", *best.context)
            best.context = None
        located = self.locator.locate(state.sightings, track.class_name)
        camera_id = None if track.is_pole else state.row_id
        with self.store.batch():
            for s in state.unsaved:
                s.id = self.store.add_sighting(self.walk_id, camera_id, s)
            state.unsaved = []
            for s in state.sightings:
                if id(s) in crop_paths and s.id is not None:
                    self.store.set_sighting_crop(s.id, crop_paths[id(s)])
            self._update_row(state, located, crop_paths.get(id(best.sighting)) if best else None, context_crop)
        state.dirty = False

    def _spread(self, state: _TrackState) -> list[_Candidate]:
        cands = sorted(state.candidates, key=lambda c: c.sighting.t)
        n = min(self.crops_per_camera, len(cands))
        if n <= 1:
            return cands[:n]
        picks = [cands[round(i * (len(cands) - 1) / (n - 1))] for i in range(n)]
        if state.best is not None and state.best not in picks:
            picks[-1] = state.best
        return picks

    def _update_row(self, state: _TrackState, located: Located | None, best_crop: str | None,
                    context_crop: str | None = None) -> None:
        track, last = state.track, state.sightings[-1]
        assert state.row_id is not None, "rows are updated once confirmed"
        values: dict[str, Any] = {
            "sightings_count": len(state.sightings),
            "last_seen": iso(last.utc),
            "confidence": max(s.detection.confidence for s in state.sightings),
        }
        if located is not None:
            values.update(latitude=located.latitude, longitude=located.longitude, uncertainty_m=located.uncertainty_m)
        if track.is_pole:
            self.store.update_pole(state.row_id, values)
            return
        values.update(
            camera_type=track.class_name,
            position_method=located.method if located else "none",
            has_position=1 if located else 0,
            updated_at=utcnow(),
        )
        if best_crop:
            values["best_crop"] = best_crop
        if context_crop:
            values["context_crop"] = context_crop
        if state.best is not None and state.best.sighting.id is not None:
            values["best_sighting_id"] = state.best.sighting.id
        self.store.update_camera(state.row_id, values)
