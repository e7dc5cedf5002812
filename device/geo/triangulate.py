"""Multi-view triangulation of one track in a local metric frame, with the box size as a second witness.

Each sighting gives a ray from the walker's (GPS) position along the bearing to the box, and a range guess from
the box size and the class's typical size. One weighted least-squares solve finds the point and the camera's size
relative to the typical one (``k``): across each ray the error is the bearing error times the range plus the GPS
jitter; along it the box size says ``k`` times the guess. Walking past a camera, the crossing rays fix the point;
walking towards it, the growing box fixes ``k``; where neither does, the prior ``k = 1 +- range_error`` does and
the result is labelled ``range`` rather than ``triangulation``. Bearing errors (stride sway, heading) are
correlated over seconds, so a track's rays count as ``duration / correlation_s`` independent ones. Robust
re-weighting (Cauchy, from a start at the median size-based point) damps rays taken while the heading was wrong.

Solutions are rejected (and the median size-based point used instead, or ``RangeLocator`` for one sighting) when
the rays neither cross nor the box grows, the point lies behind the walker, the residuals are large, or the point
is implausibly far. Every result carries a 2x2 covariance and an uncertainty in metres (its worst direction): the
least-squares spread plus the GPS error, which is mostly a bias shared by the whole track and so does not average
out within it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..geodesy import LocalFrame, angle_diff, bearing_of, unit
from ..types import Located, Sighting
from .lens import PROFILES, CameraProfile
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
    cov: tuple[float, float, float, float] | None = None  # 2x2 covariance (east, north) in m^2, GPS bias included

    def covariance(self) -> np.ndarray:
        """The 2x2 covariance; isotropic from ``uncertainty_m`` when the solver gave none."""
        if self.cov is not None:
            return np.array(self.cov, dtype=float).reshape(2, 2)
        u = self.located.uncertainty_m if self.located else 50.0
        return np.eye(2) * u * u


def depth_covariance(bearing_deg: float, depth_sd: float, across_sd: float, gps_sd: float) -> np.ndarray:
    """Covariance of a point placed along a bearing: long along the line of sight, narrow across it."""
    u = unit(bearing_deg)
    along = np.outer(u, u)
    return depth_sd**2 * along + across_sd**2 * (np.eye(2) - along) + gps_sd**2 * np.eye(2)


def radius(cov: np.ndarray) -> float:
    """1-sigma radius of the worst direction of a 2x2 covariance."""
    return math.sqrt(max(float(np.linalg.eigvalsh(cov).max()), 0.0))


@dataclass(frozen=True, slots=True)
class Ray:
    """One bearing ray in the local frame."""

    east: float
    north: float
    bearing: float
    eph: float
    range_guess: float
    t: float


class TriangulatingLocator:
    """``Locator`` that triangulates a track's rays and falls back to ``RangeLocator``."""

    def __init__(
        self,
        profile: CameraProfile | None = None,
        *,
        min_spread_deg: float = 3.0,
        max_residual_m: float = 4.0,
        bearing_sigma_deg: float = 5.0,
        range_error: float = 0.2,
        correlation_s: float = 3.0,
        max_depth_share: float = 0.5,
        size_noise: float = 0.4,
        size_views: float = 2.0,
        fallback: RangeLocator | None = None,
    ):
        self.profile = profile or PROFILES["pi3"]
        self.min_spread_deg = min_spread_deg  # below this the rays must be helped by a growing box
        self.max_residual_m = max_residual_m
        self.bearing_sigma = math.radians(bearing_sigma_deg)  # one bearing's error (sway, heading, lens)
        self.range_error = range_error  # relative spread of the class's physical size (prior on k)
        self.correlation_s = correlation_s  # bearing errors closer in time than this count as one
        # "triangulation" when the range is known this much better than from size
        self.max_depth_share = max_depth_share
        self.size_noise = size_noise  # relative noise of one box's size
        self.size_views = size_views  # box sizes of a track count as at most this many independent ones
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
            d = s.detection
            rng = range_guess(d.width, s.frame_width, class_name, self.profile, d.height, d.center[0])
            rays.append(Ray(float(e), float(n), float(s.bearing), float(eph), rng, float(s.t)))
        return rays

    def solve(self, sightings: Sequence[Sighting], class_name: str, frame: LocalFrame | None = None) -> Solution:
        placed = [s for s in sightings if s.position is not None and s.bearing is not None]
        if len(placed) < 2:
            return self._fallback(sightings, class_name, len(placed), None, None, "too few rays")
        if frame is None:
            frame = _frame_around(placed)
        rays = self.rays(placed, class_name, frame)
        bearings = np.array([r.bearing for r in rays])
        mean = math.degrees(math.atan2(np.sin(np.radians(bearings)).mean(), np.cos(np.radians(bearings)).mean()))
        rel = angle_diff(bearings, mean)
        spread = float(rel.max() - rel.min())
        growth = max(r.range_guess for r in rays) / min(r.range_guess for r in rays)
        if spread < self.min_spread_deg and growth < 1.3:
            return self._fallback(sightings, class_name, len(rays), spread, None, "rays too parallel", frame)
        point, cov, residual, ahead, rays_fix_range = self._least_squares(rays)
        if point is None:
            return self._fallback(sightings, class_name, len(rays), spread, None, "singular", frame)
        if ahead < 0.8:
            return self._fallback(sightings, class_name, len(rays), spread, residual, "behind the walker", frame)
        if residual > self.max_residual_m:
            return self._fallback(sightings, class_name, len(rays), spread, residual, "large residuals", frame)
        p = np.array([[r.east, r.north] for r in rays])
        dist = np.hypot(p[:, 0] - point[0], p[:, 1] - point[1])
        if float(np.min(dist)) > MAX_RANGE_M:
            return self._fallback(sightings, class_name, len(rays), spread, residual, "too far", frame)
        gps = float(np.mean([r.eph for r in rays]))
        total = cov + gps**2 * np.eye(2)
        lat, lon = frame.to_wgs84(point[0], point[1])
        method = "triangulation" if rays_fix_range else "range"
        located = Located(float(lat), float(lon), uncertainty_m=round(radius(total), 2), method=method)
        note = "" if rays_fix_range else "range mostly from box size"
        return Solution(located, len(rays), round(spread, 2), round(residual, 3), note, tuple(total.ravel()))

    def _least_squares(self, rays: list[Ray]) -> tuple[np.ndarray | None, np.ndarray, float, float, bool]:
        """Iteratively re-weighted solve for the point (east, north) and the size scale ``k``.

        Each ray says the point lies on it (across-ray error: bearing error times range, plus GPS jitter) and at
        ``k`` times the size-based range guess along it (box-size noise); ``k`` (the camera's size relative to the
        class's typical size) has a prior of 1 +- ``range_error``. Walking towards a camera fixes ``k`` from how the
        box grows over the metres walked, walking past it fixes the point from the bearings.

        Returns (point, 2x2 covariance, RMS residual m, fraction of rays with the point ahead, whether the
        measurements rather than the size prior fix the range).
        """
        p = np.array([[r.east, r.north] for r in rays])
        d = unit(np.array([r.bearing for r in rays]))
        eph = np.array([r.eph for r in rays])
        guess = np.array([r.range_guess for r in rays])
        t_obs = np.array([r.t for r in rays])
        n = len(rays)
        perp = np.zeros((n, 3, 3))
        perp[:, :2, :2] = np.eye(2)[None, :, :] - d[:, :, None] * d[:, None, :]
        row = np.concatenate([d, -guess[:, None]], axis=1)  # d . (x - p) - k g = 0
        along = row[:, :, None] * row[:, None, :]
        pd = np.einsum("ij,ij->i", d, p)
        # Bearing errors (camera sway, heading) are correlated over seconds: n rays are worth fewer.
        n_eff = min(float(n), max(2.0, (t_obs.max() - t_obs.min()) / self.correlation_s + 1.0))
        deflate = n_eff / n
        # The GPS error is mostly a bias shared by the whole track; only its jitter (about a fifth) spreads rays.
        jitter = 0.2 * eph
        prior_k = 1.0 / self.range_error**2
        # one weight for all boxes: weighting each by its own guess would favour the boxes that noise made big
        size_w = np.full(n, min(deflate, self.size_views / n) / (self.size_noise * float(np.median(guess))) ** 2)
        # start from the median of the size-based points: robust to rays taken while the heading was wrong
        point = np.median(p + guess[:, None] * d, axis=0)
        k = 1.0
        cov = np.full((3, 3), np.inf)
        a_data = np.zeros((3, 3))
        e = t = np.zeros(n)
        sigma2 = np.ones(n)
        for _ in range(7):
            delta = point[None, :] - p
            t = np.einsum("ij,ij->i", delta, d)
            e = np.abs(d[:, 0] * delta[:, 1] - d[:, 1] * delta[:, 0])
            rng = np.clip(t, 1.0, MAX_RANGE_M)
            sigma2 = jitter**2 + (rng * self.bearing_sigma) ** 2
            robust = 1.0 / (1.0 + e**2 / (4.0 * sigma2))  # Cauchy: rays far off count little
            size_res = (t - k * guess) / (self.size_noise * float(np.median(guess)))
            robust_size = 1.0 / (1.0 + size_res**2 / 9.0)
            w = deflate * robust / sigma2
            v = size_w * robust_size
            a_data = np.einsum("i,ijk->jk", w, perp) + np.einsum("i,ijk->jk", v, along)
            a = a_data + np.diag([0.0, 0.0, prior_k])
            b = np.einsum("i,ijk,ik->j", w, perp[:, :, :2], p) + np.einsum("i,ij->j", v * pd, row)
            b[2] += prior_k
            if np.linalg.cond(a) > 1e12:
                return None, cov[:2, :2], math.inf, 0.0, False
            z = np.linalg.solve(a, b)
            point, k = z[:2], float(np.clip(z[2], 0.3, 3.0))
            cov = np.linalg.inv(a)
        w = robust / sigma2
        residual = float(np.sqrt(np.sum(w * e**2) / np.sum(w)))
        ahead = float(np.sum(w * (t > -1.0)) / np.sum(w))
        # depth variance along the mean line of sight, against what the size prior alone would give
        mean_dir = unit(float(bearing_of(*(point - p.mean(axis=0)))))
        depth_sd = math.sqrt(max(float(mean_dir @ cov[:2, :2] @ mean_dir), 0.0))
        prior_sd = self.range_error * float(np.median(np.clip(t, 1.0, MAX_RANGE_M)))
        return point, cov[:2, :2], residual, ahead, depth_sd < self.max_depth_share * prior_sd

    def range_point(self, sightings: Sequence[Sighting], class_name: str,
                    frame: LocalFrame | None = None) -> Located | None:
        """Median of the size-based points of several sightings (walker + bearing + range); None below two rays."""
        found = self._range_point(sightings, class_name, frame)
        return found[0] if found else None

    def _range_point(
        self, sightings: Sequence[Sighting], class_name: str, frame: LocalFrame | None
    ) -> tuple[Located, np.ndarray] | None:
        placed = [s for s in sightings if s.position is not None and s.bearing is not None]
        if len(placed) < 2:
            return None
        frame = frame or _frame_around(placed)
        rays = self.rays(placed, class_name, frame)
        p = np.array([[r.east, r.north] for r in rays])
        guess = np.array([r.range_guess for r in rays])
        points = p + guess[:, None] * unit(np.array([r.bearing for r in rays]))
        e, n = np.median(points, axis=0)
        rng = float(np.median(guess))
        gps = float(np.mean([r.eph for r in rays]))
        lat, lon = frame.to_wgs84(e, n)
        b = np.radians([r.bearing for r in rays])
        mean_bearing = math.degrees(math.atan2(np.sin(b).mean(), np.cos(b).mean()))
        cov = depth_covariance(mean_bearing, self.range_error * rng, rng * self.bearing_sigma, gps)
        return Located(float(lat), float(lon), round(radius(cov), 2), "range"), cov

    def _fallback(
        self, sightings: Sequence[Sighting], class_name: str, rays: int, spread: float | None, residual: float | None,
        why: str,
        frame: LocalFrame | None = None,
    ) -> Solution:
        found = self._range_point(sightings, class_name, frame)
        located, cov = found if found else (self.fallback.locate(sightings, class_name), None)
        log.debug("triangulation not used (%s): %d rays", why, rays)
        spread = None if spread is None else round(spread, 2)
        return Solution(located, rays, spread, residual, why, None if cov is None else tuple(cov.ravel()))


def _frame_around(sightings: Sequence[Sighting]) -> LocalFrame:
    """A local frame around the walker positions of some sightings (those without one left out)."""
    positions = [s.position for s in sightings if s.position is not None]
    return LocalFrame.around([p.latitude for p in positions], [p.longitude for p in positions])
