"""Multi-view triangulation: the least-squares intersection of one track's bearing rays in a local metric frame.

Each sighting gives a ray from the walker's (GPS) position along the bearing to the box. The camera is the point
that minimises the weighted squared perpendicular distances to all rays, each ray weighted by its expected lateral
error (the fix's ``eph`` plus the bearing error times the range), with a weak prior from the box-size range guess
(counted as one measurement, so it only matters where the rays barely cross). Robust re-weighting (Huber) damps
rays taken while the heading was wrong (a corner, a stumble).

Solutions are rejected (and the size-based ``RangeLocator`` used instead) when the rays span too small an angle,
the point lies behind the walker, the residuals are large, or the point is implausibly far. Every result carries
an uncertainty in metres: the least-squares spread combined with the GPS error, which is correlated over a track
and so does not average out within it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..types import Located, Sighting
from .lens import PROFILES, CameraProfile
from .local import LocalFrame, angle_diff, unit
from .locator import MAX_RANGE_M, RangeLocator, range_guess

log = logging.getLogger(__name__)

DEFAULT_EPH_M = 5.0  # a fix without an error estimate counts as this bad


@dataclass(frozen=True, slots=True)
class Solution:
    """A located camera with the diagnostics that decided how it was located."""

    located: Located | None
    rays: int = 0
    spread_deg: float | None = None  # angle spanned by the bearing rays
    residual_m: float | None = None  # weighted RMS distance of the rays from the point
    reason: str = ""  # why triangulation was not used ("" when it was)


@dataclass(frozen=True, slots=True)
class Ray:
    """One bearing ray in the local frame."""

    east: float
    north: float
    bearing: float
    eph: float
    range_guess: float


class TriangulatingLocator:
    """``Locator`` that triangulates a track's rays and falls back to ``RangeLocator``."""

    def __init__(
        self,
        profile: CameraProfile | None = None,
        *,
        min_spread_deg: float = 6.0,
        max_residual_m: float = 4.0,
        bearing_sigma_deg: float = 3.0,
        range_prior_weight: float = 1.0,
        fallback: RangeLocator | None = None,
    ):
        self.profile = profile or PROFILES["pi3"]
        self.min_spread_deg = min_spread_deg
        self.max_residual_m = max_residual_m
        self.bearing_sigma = math.radians(bearing_sigma_deg)
        self.range_prior_weight = range_prior_weight
        self.fallback = fallback or RangeLocator(self.profile)

    def locate(self, sightings: Sequence[Sighting], class_name: str) -> Located | None:
        return self.solve(sightings, class_name).located

    def rays(self, sightings: Sequence[Sighting], class_name: str, frame: LocalFrame) -> list[Ray]:
        rays = []
        for s in sightings:
            if s.position is None or s.bearing is None:
                continue
            e, n = frame.to_local(s.position.latitude, s.position.longitude)
            eph = s.position.eph if s.position.eph and s.position.eph > 0 else DEFAULT_EPH_M
            rng = range_guess(s.detection.width, s.frame_width, class_name, self.profile)
            rays.append(Ray(float(e), float(n), float(s.bearing), float(eph), rng))
        return rays

    def solve(self, sightings: Sequence[Sighting], class_name: str, frame: LocalFrame | None = None) -> Solution:
        placed = [s for s in sightings if s.position is not None and s.bearing is not None]
        if len(placed) < 2:
            return self._fallback(sightings, class_name, len(placed), None, None, "too few rays")
        if frame is None:
            frame = LocalFrame.around([s.position.latitude for s in placed], [s.position.longitude for s in placed])
        rays = self.rays(placed, class_name, frame)
        bearings = np.array([r.bearing for r in rays])
        mean = math.degrees(math.atan2(np.sin(np.radians(bearings)).mean(), np.cos(np.radians(bearings)).mean()))
        rel = angle_diff(bearings, mean)
        spread = float(rel.max() - rel.min())
        if spread < self.min_spread_deg:
            return self._fallback(sightings, class_name, len(rays), spread, None, "rays too parallel")
        point, cov, residual, ahead = self._least_squares(rays)
        if point is None:
            return self._fallback(sightings, class_name, len(rays), spread, None, "singular")
        if ahead < 0.8:
            return self._fallback(sightings, class_name, len(rays), spread, residual, "behind the walker")
        if residual > self.max_residual_m:
            return self._fallback(sightings, class_name, len(rays), spread, residual, "large residuals")
        p = np.array([[r.east, r.north] for r in rays])
        dist = np.hypot(p[:, 0] - point[0], p[:, 1] - point[1])
        if float(np.min(dist)) > MAX_RANGE_M:
            return self._fallback(sightings, class_name, len(rays), spread, residual, "too far")
        sigma_ls = math.sqrt(max(float(np.linalg.eigvalsh(cov).max()), 0.0))
        gps = float(np.mean([r.eph for r in rays]))
        uncertainty = math.hypot(sigma_ls, gps)
        lat, lon = frame.to_wgs84(point[0], point[1])
        located = Located(float(lat), float(lon), uncertainty_m=round(uncertainty, 2), method="triangulation")
        return Solution(located, len(rays), round(spread, 2), round(residual, 3), "")

    def _least_squares(self, rays: list[Ray]) -> tuple[np.ndarray | None, np.ndarray, float, float]:
        """Iteratively re-weighted intersection; returns (point, covariance, RMS residual m, fraction ahead)."""
        p = np.array([[r.east, r.north] for r in rays])
        d = unit(np.array([r.bearing for r in rays]))
        eph = np.array([r.eph for r in rays])
        guess = np.array([r.range_guess for r in rays])
        n = len(rays)
        perp = np.eye(2)[None, :, :] - d[:, :, None] * d[:, None, :]  # (n, 2, 2) projectors across each ray
        along = d[:, :, None] * d[:, None, :]
        rng = guess.copy()
        robust = np.ones(n)
        point = None
        cov = np.full((2, 2), np.inf)
        # The GPS error is mostly a bias shared by the whole track; only its jitter (about a fifth) spreads rays.
        jitter = 0.2 * eph
        prior_w = self.range_prior_weight / (n * (0.5 * guess) ** 2)
        for _ in range(5):
            sigma2 = jitter**2 + (np.maximum(rng, 1.0) * self.bearing_sigma) ** 2
            w = robust / sigma2
            a = np.einsum("i,ijk->jk", w, perp) + np.einsum("i,ijk->jk", prior_w, along)
            b = np.einsum("i,ijk,ik->j", w, perp, p) + np.einsum("i,ij->j", prior_w * (np.einsum("ij,ij->i", d, p) + guess), d)
            if np.linalg.cond(a) > 1e10:
                return None, cov, math.inf, 0.0
            point = np.linalg.solve(a, b)
            cov = np.linalg.inv(a)
            delta = point[None, :] - p
            t = np.einsum("ij,ij->i", delta, d)
            e = np.abs(d[:, 0] * delta[:, 1] - d[:, 1] * delta[:, 0])
            rng = np.clip(t, 1.0, MAX_RANGE_M)
            k = 2.0 * np.sqrt(sigma2)
            robust = np.where(e > k, k / np.maximum(e, 1e-9), 1.0)
        w = 1.0 / sigma2
        residual = float(np.sqrt(np.sum(w * e**2) / np.sum(w)))
        ahead = float(np.sum(w * (t > 0)) / np.sum(w))
        return point, cov, residual, ahead

    def _fallback(
        self, sightings: Sequence[Sighting], class_name: str, rays: int, spread: float | None, residual: float | None, why: str
    ) -> Solution:
        located = self.fallback.locate(sightings, class_name)
        log.debug("triangulation not used (%s): %d rays", why, rays)
        return Solution(located, rays, None if spread is None else round(spread, 2), residual, why)
