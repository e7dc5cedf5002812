"""De-duplication: which tracks of a walk are the same physical camera.

A tracker gives one id per object per pass, but loses objects behind a bus and finds them again, and a walk back
passes every camera a second time. Two tracks are merged when

- they are never in the same frame (two boxes in one frame are two cameras: the two on one pole stay apart),
- their positions agree within their uncertainties (Mahalanobis distance under the summed 2x2 covariances at most
  ``gate_sigma``: an estimate is long along its line of sight, so two passes from opposite sides agree on a
  cross; and at most ``max_distance_m`` apart), and
- their heights agree (pairs are ranked by distance and height difference, so two cameras on one pole pair up
  with themselves on the way back), and
- they have the same type (a different type merges only within half the gate, and ranks after the same type:
  the detector sometimes calls a dome a PTZ from one side).

Pairs are taken closest first (Mahalanobis distance plus the height and type penalties) and groups grow greedily; the group's position
is the information-weighted mean of its members, checked again before each merge. Pairs a reviewer has split are
never merged again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

HEIGHT_SIGMA_M = 0.5  # how well two passes agree on a camera's height (tells apart cameras on one pole)
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
        return cov @ sum(i @ np.array([m.east, m.north]) for i, m in zip(info, self.members)), cov

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
            if d <= max_distance_m:
                dh = abs(a.height_m - b.height_m) / HEIGHT_SIGMA_M if a.height_m is not None and b.height_m is not None else 0.0
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
        score = _mahalanobis(*(pa - pb), ca + cb)
        gate = gate_sigma if ga.classes() & gb.classes() else 0.5 * gate_sigma
        if score > gate or d > max_distance_m:
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
            merges.append(Merge(kept.camera_id, m.camera_id, "refound" if gap < REFOUND_GAP_S else "revisit", round(d, 2), round(score, 3)))
    return merges


def _mahalanobis(de: float, dn: float, cov: np.ndarray) -> float:
    """Distance in standard deviations of a displacement under a 2x2 covariance."""
    v = np.array([de, dn])
    return math.sqrt(max(float(v @ np.linalg.solve(cov + 1e-6 * np.eye(2), v)), 0.0))
