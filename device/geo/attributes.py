"""Proposals for the reviewer: which way a fixed camera faces, and what it is mounted on.

Facing: a bullet (``fixed``) camera is long along its axis, so its box is narrow when seen from in front and wide
when seen from the side. Its apparent width in metres (box width times range over focal length) is fitted with
``k * (rho*|sin phi| + |cos phi|)`` (phi = angle between the camera's axis and the line of sight, ``k`` and the
length-to-diameter ratio ``rho`` free) over the track's views; the best axis is kept when it explains the widths; of the
two opposite directions the one facing the walked side is kept (cameras on walls look at the street, not the wall; on a
pole front and back cannot be told apart, so none is proposed). No direction is proposed when the views span too small
an angle, the fit does not explain the box widths, or the best directions spread over more than ``max_uncertainty_deg``.

Mount: ``pole`` when a pole box contains or adjoins the camera box in enough of the same frames; ``ceiling`` when
the camera sits above the walked path (under an arcade, in a passage); ``wall`` when it is clearly (beyond its
uncertainty) beside the path with no pole; otherwise ``unknown``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..geodesy import angle_diff
from ..types import Box


@dataclass(frozen=True, slots=True)
class View:
    """One sighting seen from the camera: the bearing camera -> walker, the box, and the box's width in metres."""

    view_bearing: float
    box: Box
    width_m: float


@dataclass(frozen=True, slots=True)
class Facing:
    direction: float  # degrees from north, integer-rounded
    uncertainty_deg: float


@dataclass(frozen=True, slots=True)
class MountProposal:
    mount: str  # pole | wall | ceiling | unknown
    evidence: str


def propose_facing(
    views: Sequence[View], *, min_views: int = 6, min_span_deg: float = 15.0, min_fit: float = 0.5,
    max_uncertainty_deg: float = 25.0
) -> Facing | None:
    """Facing of a fixed camera from the box shapes along the track, or None when the views do not tell."""
    views = [v for v in views if v.box.width > 2 and v.box.height > 2]
    if len(views) < min_views:
        return None
    vb = np.array([v.view_bearing for v in views])
    rel = angle_diff(vb, vb[0])
    if float(rel.max() - rel.min()) < min_span_deg:
        return None
    ratio = np.array([v.width_m for v in views])
    sse0 = float(np.sum((ratio - ratio.mean()) ** 2))
    if sse0 <= 1e-9:
        return None
    psi = np.arange(0.0, 360.0, 2.0)
    best_sse = np.full(len(psi), np.inf)
    for rho in (2.0, 2.5, 3.0, 3.5):
        phi = np.radians(psi[:, None] - vb[None, :])
        f = rho * np.abs(np.sin(phi)) + np.abs(np.cos(phi))
        k = np.sum(f * ratio, axis=1) / np.sum(f * f, axis=1)
        sse = np.sum((ratio[None, :] - k[:, None] * f) ** 2, axis=1)
        best_sse = np.minimum(best_sse, sse)
    mean_view = math.degrees(math.atan2(np.sin(np.radians(vb)).mean(), np.cos(np.radians(vb)).mean()))
    front = np.abs(angle_diff(psi, mean_view)) < 90.0  # facing the walked side
    sse = np.where(front, best_sse, np.inf)
    i = int(np.argmin(sse))
    if 1.0 - sse[i] / sse0 < min_fit:
        return None
    near = psi[sse <= sse[i] * 1.25 + 1e-12]
    spread = float(np.max(np.abs(angle_diff(near, psi[i])))) if len(near) else 0.0
    if spread > max_uncertainty_deg:
        return None
    return Facing(float(round(psi[i]) % 360), max(spread, 2.0))


def adjoins(camera: Box, pole: Box) -> bool:
    """A camera box inside or just beside a pole box, not above its top."""
    cx = (camera.x1 + camera.x2) / 2
    return pole.x1 - camera.width <= cx <= pole.x2 + camera.width and camera.y2 >= pole.y1 - camera.height


def propose_mount(
    camera_boxes: Mapping[int, Box],
    pole_boxes: Mapping[int, Sequence[Box]],
    *,
    lateral_m: float | None,
    uncertainty_m: float | None,
    min_fraction: float = 0.3,
) -> MountProposal:
    """Mount proposal from pole boxes in the same frames (``frame_index -> boxes``) and the distance from the path."""
    n = len(camera_boxes)
    with_pole = sum(1 for f, box in camera_boxes.items() if any(adjoins(box, p) for p in pole_boxes.get(f, ())))
    if n and with_pole and with_pole / n >= min_fraction:
        return MountProposal("pole", f"pole box beside it in {with_pole}/{n} frames")
    if lateral_m is not None and uncertainty_m is not None:
        if lateral_m < 1.5 and uncertainty_m < 2.5:
            return MountProposal("ceiling", f"above the walked path ({lateral_m:.1f} m from it)")
        if lateral_m - uncertainty_m >= 1.0:
            return MountProposal("wall", f"{lateral_m:.0f} +- {uncertainty_m:.0f} m beside the path, no pole box")
    return MountProposal("unknown", "no pole box; position too uncertain to tell")
