"""Multi-object tracker: one track per physical object across frames (ByteTrack-style, no appearance model).

Each detector run: high-confidence detections are matched to tracks first (IoU with the track's box moved by its
velocity, then a centre-distance gate for small, fast-moving boxes), then low-confidence detections may continue
unmatched tracks (they never start one). A track becomes *confirmed* after ``min_hits`` matches (anti-flicker) and
*ends* after ``max_age`` detector runs without a match. Camera classes (dome/fixed/ptz) share tracks, since the
class of a small box flickers; poles track separately.

A detection schedule looks at a small camera at native resolution only every few frames (a tile in rotation, see
``detect.schedule``): given the frame's ``Coverage``, a run counts as a miss only for tracks the model could have
seen where it looked, so a track survives the frames in between (up to ``3 * max_age`` runs unseen). Across such
gaps the box has moved: tracks move with the whole picture's measured shift (the walker's sway and turns), and
small boxes are joined by their centre distance scaled by box size and by the gap.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..detect.scheduled import Coverage
from ..detect.tiling import iou
from ..types import POLE_CLASS, Detection

GATE_GROWTH = 0.25  # the centre gate widens by this many box sizes per run unseen (up to 12 runs)


@dataclass(eq=False)
class Track:
    id: int
    box: Detection
    hits: int = 1
    misses: int = 0  # runs that looked where it should be and did not find it
    unseen: int = 0  # runs since its last match, looked or not
    vx: float = 0.0
    vy: float = 0.0
    confirmed: bool = False
    class_votes: dict[str, float] = field(default_factory=dict)
    last_frame: int = 0

    @property
    def is_pole(self) -> bool:
        return self.box.class_name == POLE_CLASS

    @property
    def class_name(self) -> str:
        """Confidence-weighted vote over the track's detections."""
        return max(self.class_votes.items(), key=lambda kv: kv[1])[0]

    def predicted(self) -> Detection:
        b = self.box
        k = self.unseen + 1
        return Detection(b.x1 + self.vx * k, b.y1 + self.vy * k, b.x2 + self.vx * k, b.y2 + self.vy * k, b.confidence,
                         b.class_id, b.class_name)

    def add(self, det: Detection, frame_index: int, *, hit: bool = True) -> None:
        (ox, oy), (nx, ny) = self.box.center, det.center
        steps = self.unseen + 1
        alpha = 0.5
        self.vx = alpha * (nx - ox) / steps + (1 - alpha) * self.vx
        self.vy = alpha * (ny - oy) / steps + (1 - alpha) * self.vy
        self.box = det
        self.hits += hit
        self.misses = self.unseen = 0
        self.last_frame = frame_index
        self.class_votes[det.class_name] = self.class_votes.get(det.class_name, 0.0) + det.confidence


@dataclass(frozen=True, slots=True)
class TrackUpdate:
    matches: list[tuple[Track, Detection]]  # every detection kept this run, with its track
    confirmed: list[Track]  # tracks that became confirmed this run
    ended: list[Track]  # tracks that ended this run (confirmed or not)


class Tracker:
    def __init__(self, *, min_hits: int = 3, max_age: int = 15, match_iou: float = 0.1, high_conf: float = 0.5):
        self.min_hits, self.max_age, self.match_iou, self.high_conf = min_hits, max_age, match_iou, high_conf
        self.tracks: list[Track] = []
        self._ids = itertools.count(1)

    def _score(self, track: Track, det: Detection) -> float:
        if track.is_pole != (det.class_name == POLE_CLASS):
            return 0.0
        pred = track.predicted()
        overlap = iou(pred, det)
        if overlap >= self.match_iou:
            return overlap
        (px, py), (dx, dy) = pred.center, det.center
        size = max(pred.width, pred.height, det.width, det.height, 4.0)
        ratio = max(det.width, 1.0) / max(pred.width, 1.0)
        dist = math.hypot(px - dx, py - dy)
        gate = size * (1.5 + GATE_GROWTH * min(track.unseen, 12))  # the longer unseen, the further it may have gone
        if dist < gate and 0.5 < ratio < 2.0:
            return 0.05 * (1.0 - dist / gate) + 1e-3
        return 0.0

    def _associate(self, tracks: list[Track], dets: list[Detection]) -> tuple[list[tuple[Track, Detection]],
                                                                              list[Track], list[Detection]]:
        pairs = sorted(
            ((self._score(t, d), ti, di) for ti, t in enumerate(tracks) for di, d in enumerate(dets)),
            key=lambda p: p[0],
            reverse=True,
        )
        used_t, used_d, matched = set(), set(), []
        for score, ti, di in pairs:
            if score <= 0.0:
                break
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            matched.append((tracks[ti], dets[di]))
        rest_t = [t for i, t in enumerate(tracks) if i not in used_t]
        rest_d = [d for i, d in enumerate(dets) if i not in used_d]
        return matched, rest_t, rest_d

    def update(self, detections: list[Detection], frame_index: int, coverage: Coverage | None = None,
               shift: tuple[float, float] = (0.0, 0.0), faint: Sequence[Detection] = ()) -> TrackUpdate:
        """One detector run. ``coverage``: where the model looked this run (None: everywhere, at full resolution);
        ``shift``: how far the whole picture moved since the last run (the walker's sway): tracks move with it;
        ``faint``: boxes under the detector's threshold, which may continue a track (never start one, never count
        as a hit: ByteTrack's second stage, one step lower)."""
        if shift != (0.0, 0.0):
            for track in self.tracks:
                track.box = track.box.moved(*shift)
        high = [d for d in detections if d.confidence >= self.high_conf]
        low = [d for d in detections if d.confidence < self.high_conf]
        matched, rest_tracks, new_dets = self._associate(self.tracks, high)
        matched_low, rest_tracks, _ = self._associate(rest_tracks, low)
        matched_faint, rest_tracks, _ = self._associate(rest_tracks, list(faint)) if faint else ([], rest_tracks, [])
        for track, det in matched_faint:
            track.add(det, frame_index, hit=False)
        confirmed = []
        for track, det in matched + matched_low:
            track.add(det, frame_index)
            if not track.confirmed and track.hits >= self.min_hits:
                track.confirmed = True
                confirmed.append(track)
        ended = []
        for track in rest_tracks:
            if coverage is None or coverage.sees(track.predicted()):
                track.misses += 1
            track.unseen += 1
            if track.misses > self.max_age or track.unseen > 3 * self.max_age:
                ended.append(track)
        for det in new_dets:
            track = Track(id=next(self._ids), box=det, last_frame=frame_index,
                          class_votes={det.class_name: det.confidence})
            if self.min_hits <= 1:
                track.confirmed = True
                confirmed.append(track)
            self.tracks.append(track)
            matched.append((track, det))
        if ended:
            gone = set(map(id, ended))
            self.tracks = [t for t in self.tracks if id(t) not in gone]
        return TrackUpdate(matches=matched + matched_low + matched_faint, confirmed=confirmed, ended=ended)

    def finish(self) -> list[Track]:
        """End every track (end of walk)."""
        ended, self.tracks = self.tracks, []
        return ended
