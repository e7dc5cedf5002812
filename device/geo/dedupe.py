"""De-duplication: which tracks of a walk are the same physical camera.

A tracker gives one id per object per pass, but loses objects behind a bus and finds them again, and a walk back
passes every camera a second time. Two tracks are merged when

- they are never in the same frame (two boxes in one frame are two cameras: the two on one pole stay apart),
- their positions agree within their uncertainties (``gate_sigma`` times the combined uncertainty, at most
  ``max_distance_m``), and
- they have the same type (a different type merges only within half the gate: the detector sometimes calls a
  dome a PTZ from one side).

Pairs are taken closest first (distance over combined uncertainty) and groups grow greedily; the group's position
is the inverse-variance mean of its members, checked again before each merge. Pairs a reviewer has split are
never merged again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

REFOUND_GAP_S = 30.0  # a gap shorter than this is the same pass (lost and re-found), longer a revisit


@dataclass(frozen=True, slots=True)
class TrackEstimate:
    """One camera row's estimate, in the local frame, as de-duplication sees it."""

    camera_id: int
    class_name: str
    east: float
    north: float
    uncertainty_m: float
    frames: frozenset[int]
    t_first: float
    t_last: float
    sightings: int


@dataclass(frozen=True, slots=True)
class Merge:
    kept_camera_id: int
    merged_camera_id: int
    reason: str
    distance_m: float
    score: float


@dataclass(slots=True)
class _Group:
    members: list[TrackEstimate]
    frames: set[int] = field(default_factory=set)

    @property
    def kept(self) -> TrackEstimate:
        return max(self.members, key=lambda m: (m.sightings, -m.t_first))

    def position(self) -> tuple[float, float, float]:
        w = [1.0 / max(m.uncertainty_m, 0.5) ** 2 for m in self.members]
        total = sum(w)
        e = sum(wi * m.east for wi, m in zip(w, self.members)) / total
        n = sum(wi * m.north for wi, m in zip(w, self.members)) / total
        return e, n, 1.0 / math.sqrt(total)

    def classes(self) -> set[str]:
        return {m.class_name for m in self.members}


def find_merges(
    tracks: Sequence[TrackEstimate],
    *,
    gate_sigma: float = 2.0,
    max_distance_m: float = 12.0,
    blocked: Iterable[frozenset[int]] = (),
) -> list[Merge]:
    """Merges (kept <- merged) that make one group per physical camera."""
    blocked = set(blocked)
    groups = {t.camera_id: _Group([t], set(t.frames)) for t in tracks}
    owner = {t.camera_id: t.camera_id for t in tracks}
    pairs = []
    for i, a in enumerate(tracks):
        for b in tracks[i + 1 :]:
            d = math.hypot(a.east - b.east, a.north - b.north)
            if d <= max_distance_m:
                pairs.append((d / math.hypot(a.uncertainty_m, b.uncertainty_m), a, b))
    pairs.sort(key=lambda p: p[0])
    for _, a, b in pairs:
        ra, rb = owner[a.camera_id], owner[b.camera_id]
        ga, gb = groups[ra], groups[rb]
        if ra == rb or ga.frames & gb.frames:
            continue
        if any(frozenset((x.camera_id, y.camera_id)) in blocked for x in ga.members for y in gb.members):
            continue
        ea, na, ua = ga.position()
        eb, nb, ub = gb.position()
        d = math.hypot(ea - eb, na - nb)
        sigma = math.hypot(ua, ub)
        gate = gate_sigma * sigma if ga.classes() & gb.classes() else 0.5 * gate_sigma * sigma
        if d > min(gate, max_distance_m):
            continue
        ga.members += gb.members
        ga.frames |= gb.frames
        for m in gb.members:
            owner[m.camera_id] = ra
        del groups[rb]
    merges = []
    for g in groups.values():
        if len(g.members) < 2:
            continue
        kept = g.kept
        e, n, _ = g.position()
        for m in sorted(g.members, key=lambda m: m.t_first):
            if m is kept:
                continue
            gap = max(m.t_first - kept.t_last, kept.t_first - m.t_last)
            d = math.hypot(m.east - kept.east, m.north - kept.north)
            score = d / math.hypot(m.uncertainty_m, kept.uncertainty_m)
            merges.append(Merge(kept.camera_id, m.camera_id, "refound" if gap < REFOUND_GAP_S else "revisit", round(d, 2), round(score, 3)))
    return merges
