"""Region-of-interest looks: a candidate gets native-resolution crops on the next frames until it is confirmed.

A candidate is a box the model scored between ``candidate_conf`` and the detector's ``conf`` (maybe a small camera,
maybe not), or a small camera a tile has just found, which the whole-frame pass cannot see and the tile will not
see again for a rotation. Each following frame, a crop around the candidate's predicted position (it moves as the
walker walks) is run at native resolution. A candidate that scores ``conf`` in ``confirm_hits`` looks is confirmed
(its boxes go to the tracker like any other: ``confirm_hits`` is the tracker's ``min_hits``); one that does not
within ``max_tries`` looks is dropped. A confirmed one is still followed while crops are free, so a small camera is
seen every frame rather than once a rotation, until it is missed ``max_misses`` times in a row or grows big enough
for the whole-frame pass. The crops that fit the frame's crop row run: unconfirmed candidates first, least tried first.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ..types import POLE_CLASS, Detection
from .schedule import Pass, Region

CROP_CONTEXT = 2.0  # the crop's side is this many times the candidate's box (the walker moves between frames)
MAX_ZOOM = 2.0  # a small crop is enlarged at most this much (the model sees 10 px boxes badly)


@dataclass(eq=False)
class Candidate:
    id: int
    box: Detection
    hits: int = 0  # looks that scored at least conf (a tile find counts as the first)
    tries: int = 0  # crops run for it
    misses: int = 0  # crops in a row without a box at conf
    vx: float = 0.0  # frame pixels per detector run
    vy: float = 0.0
    age: int = 0  # detector runs since it was last seen

    def predicted(self) -> tuple[float, float, float, float]:
        """Centre x, y and size (w, h) where it should be now."""
        (cx, cy), k = self.box.center, self.age
        return cx + self.vx * k, cy + self.vy * k, self.box.width, self.box.height


@dataclass
class RoiWatch:
    conf: float = 0.3
    confirm_hits: int = 3
    max_tries: int = 4
    max_misses: int = 2
    max_crops: int = 12  # offered per frame; those that fit the input run
    candidates: list[Candidate] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def move(self, dx: float, dy: float) -> None:
        """The picture moved (the walker's sway, a turn): every candidate moves with it."""
        for cand in self.candidates:
            cand.box = cand.box.moved(dx, dy)

    def confirmed(self, cand: Candidate) -> bool:
        return cand.hits >= self.confirm_hits

    def crops(self, width: int, height: int, row: int) -> list[tuple[Candidate, Pass]]:
        """The crop passes of this frame, in priority order (unconfirmed and least tried first; the caller runs
        those that fit): a square around each candidate's predicted position, ``CROP_CONTEXT`` times its box,
        enlarged up to ``MAX_ZOOM`` or shrunk to fit a crop row of ``row`` input pixels."""
        order = sorted(self.candidates, key=lambda c: (self.confirmed(c), c.tries, -c.box.confidence))
        out = []
        for cand in order[: self.max_crops]:
            cx, cy, w, h = cand.predicted()
            side = int(min(max(24.0, CROP_CONTEXT * max(w, h) + 2 * (abs(cand.vx) + abs(cand.vy))), width, height))
            size = max(16, min(row, round(side * MAX_ZOOM)))
            x0 = int(min(max(cx - side / 2, 0), width - side))
            y0 = int(min(max(cy - side / 2, 0), height - side))
            out.append((cand, Pass("roi", Region(x0, y0, x0 + side, y0 + side), (size, size))))
        return out

    def update(self, detections: list[Detection], looked: list[tuple[Candidate, Pass]], small: float) -> None:
        """Score this frame's crops and take in new candidates.

        ``detections``: every box of the frame (all passes, merged) down to the candidate threshold. ``small``:
        frame pixels; a camera narrower than this is too small for the whole-frame pass: a fresh one at ``conf``
        becomes a candidate too, and a followed one wider than twice this leaves the watch list.
        """
        crops = {id(c): p for c, p in looked}
        claimed: set[int] = set()
        for cand in sorted(self.candidates, key=lambda c: id(c) not in crops):
            crop = crops.get(id(cand))
            pool = [d for d in detections if id(d) not in claimed and (crop is None or _inside(d, crop.region))]
            best = self._nearest(cand, pool)
            if crop is not None:
                cand.tries += 1
                cand.misses = 0 if best is not None and best.confidence >= self.conf else cand.misses + 1
            if best is None:
                cand.age += 1
                continue
            claimed.add(id(best))
            self._move(cand, best)
            cand.hits += best.confidence >= self.conf
        self.candidates = [c for c in self.candidates if self._keep(c, small)]
        for det in detections:
            if id(det) in claimed or det.class_name == POLE_CLASS:  # poles are big: the whole frame shows them
                continue
            low = det.confidence < self.conf
            if low or det.width < small:
                self.candidates.append(Candidate(next(self._ids), det, hits=0 if low else 1))

    def _keep(self, cand: Candidate, small: float) -> bool:
        if cand.age > 2 * self.max_tries:
            return False  # not found for many frames, looked at or not: it is gone
        if not self.confirmed(cand):
            return cand.tries < self.max_tries
        return cand.misses < self.max_misses and cand.box.width < 2 * small

    def _move(self, cand: Candidate, det: Detection) -> None:
        """Follow ``det``. A faint box (under ``conf``) says "maybe here", not "this big": it moves the candidate's
        centre and keeps its size, so a run of faint boxes cannot drift a small candidate onto a bigger thing
        beside it (each within the size gate of the last)."""
        (px, py), (nx, ny) = cand.box.center, det.center
        steps = cand.age + 1
        cand.vx = 0.5 * (nx - px) / steps + 0.5 * cand.vx
        cand.vy = 0.5 * (ny - py) / steps + 0.5 * cand.vy
        if det.confidence < self.conf and cand.box.confidence < self.conf:
            det = cand.box.moved(nx - px, ny - py)
        cand.box, cand.age = det, 0

    @staticmethod
    def _nearest(cand: Candidate, dets: list[Detection]) -> Detection | None:
        cx, cy, w, h = cand.predicted()
        gate = 1.5 * max(w, h, 8.0) + abs(cand.vx) + abs(cand.vy)
        best, best_d = None, gate
        for d in dets:
            if d.class_name == POLE_CLASS:
                continue
            dx, dy = d.center
            dist = ((dx - cx) ** 2 + (dy - cy) ** 2) ** 0.5
            if dist < best_d and 0.4 < max(d.width, 1.0) / max(w, 1.0) < 2.5:
                best, best_d = d, dist
        return best


def _inside(det: Detection, region: Region) -> bool:
    cx, cy = det.center
    return region.contains(cx, cy)
