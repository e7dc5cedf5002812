"""De-duplication: which tracks of a walk are the same physical camera.

A tracker gives one id per object per pass, but loses objects behind a bus and finds them again, and a walk back
passes every camera a second time. Two tracks are merged when

- they are never in the same frame (two boxes in one frame are two cameras: the two on one pole stay apart),
- their positions agree within their uncertainties (Mahalanobis distance under the summed 2x2 covariances at most
  ``gate_sigma``: an estimate is long along its line of sight, so two passes from opposite sides agree on a
  cross; and at most ``max_distance_m`` apart, widened to ``GATE_SIGMAS_M`` of the summed covariance for two vague
  estimates of the same type: up to ``MAX_GATE_M`` for a track lost and re-found within ``LOST_GAP_S``, up to
  ``REVISIT_GATE_M`` for a pass on the way back), and
- their heights agree (pairs are ranked by distance and height difference, so two cameras on one pole pair up
  with themselves on the way back), and
- they have the same type (a different type merges only within half the gate, and ranks after the same type:
  the detector sometimes calls a dome a PTZ from one side).

Pairs are taken closest first (Mahalanobis distance plus the height and type penalties) and groups grow greedily; the
group's position is the information-weighted mean of its members, checked again before each merge. Pairs a reviewer has
split are never merged again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .triangulate import radius

HEIGHT_SIGMA_M = 0.5  # how well two passes agree on a camera's height (tells apart cameras on one pole)
GATE_SIGMAS_M = 2.0  # distance gate in worst-direction sigmas of the summed covariance
MAX_GATE_M = 35.0  # never merge a lost-and-refound track further apart than this
REVISIT_GATE_M = 20.0  # ... and a pass on the way back no further than this from the first one
LOST_GAP_S = 8.0  # tracks closer in time than this may be one track lost and re-found (the wide gate applies)
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
    height_m: float | None = None  # above the ground, from the box's elevation and the range
    cov: tuple[float, float, float, float] | None = None  # 2x2 (east, north) covariance; isotropic when None

    def covariance(self) -> np.ndarray:
        if self.cov is not None:
            return np.array(self.cov, dtype=float).reshape(2, 2)
        return np.eye(2) * self.uncertainty_m**2


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

    def position(self) -> tuple[np.ndarray, np.ndarray]:
        """Information-weighted mean of the members and its covariance."""
        info = [np.linalg.inv(m.covariance() + 0.01 * np.eye(2)) for m in self.members]
        cov = np.linalg.inv(sum(info))
        return cov @ sum(i @ np.array([m.east, m.north]) for i, m in zip(info, self.members, strict=True)), cov

    def classes(self) -> set[str]:
        return {m.class_name for m in self.members}


def find_merges(
    tracks: Sequence[TrackEstimate],
    *,
    gate_sigma: float = 3.0,
    max_distance_m: float = 15.0,
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
            if d <= _distance_gate(a.covariance() + b.covariance(), max_distance_m, _gap(a, b),
                                   a.class_name == b.class_name):
                dh = (abs(a.height_m - b.height_m) / HEIGHT_SIGMA_M
                      if a.height_m is not None and b.height_m is not None else 0.0)
                other_type = 0.0 if a.class_name == b.class_name else 0.5 * gate_sigma  # prefer the same type
                score = _mahalanobis(a.east - b.east, a.north - b.north, a.covariance() + b.covariance())
                pairs.append((score + dh + other_type, a, b))
    pairs.sort(key=lambda p: p[0])
    for _, a, b in pairs:
        ra, rb = owner[a.camera_id], owner[b.camera_id]
        ga, gb = groups[ra], groups[rb]
        if ra == rb or ga.frames & gb.frames:
            continue
        if any(frozenset((x.camera_id, y.camera_id)) in blocked for x in ga.members for y in gb.members):
            continue
        pa, ca = ga.position()
        pb, cb = gb.position()
        d = float(np.hypot(*(pa - pb)))
        de, dn = pa - pb
        score = _mahalanobis(float(de), float(dn), ca + cb)
        gate = gate_sigma if ga.classes() & gb.classes() else 0.5 * gate_sigma
        gap = min(_gap(x, y) for x in ga.members for y in gb.members)
        if score > gate or d > _distance_gate(ca + cb, max_distance_m, gap, bool(ga.classes() & gb.classes())):
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
        for m in sorted(g.members, key=lambda m: m.t_first):
            if m is kept:
                continue
            gap = max(m.t_first - kept.t_last, kept.t_first - m.t_last)
            d = math.hypot(m.east - kept.east, m.north - kept.north)
            score = _mahalanobis(m.east - kept.east, m.north - kept.north, m.covariance() + kept.covariance())
            merges.append(Merge(kept.camera_id, m.camera_id, "refound" if gap < REFOUND_GAP_S else "revisit",
                                round(d, 2), round(score, 3)))
    return merges


def _gap(a: TrackEstimate, b: TrackEstimate) -> float:
    """Seconds between two tracks (negative when they overlap in time)."""
    return max(a.t_first - b.t_last, b.t_first - a.t_last)


def _distance_gate(cov: np.ndarray, max_distance_m: float, gap_s: float, same_type: bool = True) -> float:
    """How far apart two estimates may be: ``max_distance_m``, widened for estimates that are themselves vague.

    Two vague estimates of one camera (a single far box, a range guessed from size) can lie further apart than
    ``max_distance_m``; the Mahalanobis gate still decides, the distance only bounds it (at ``MAX_GATE_M``).
    """
    if not same_type:  # the detector's type flips between neighbours too: no widening
        return max_distance_m
    cap = MAX_GATE_M if gap_s < LOST_GAP_S else REVISIT_GATE_M
    return min(max(max_distance_m, GATE_SIGMAS_M * radius(cov)), cap)


def _mahalanobis(de: float, dn: float, cov: np.ndarray) -> float:
    """Distance in standard deviations of a displacement under a 2x2 covariance."""
    v = np.array([de, dn])
    return math.sqrt(max(float(v @ np.linalg.solve(cov + 1e-6 * np.eye(2), v)), 0.0))
