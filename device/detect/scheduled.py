"""The detector as the survey loop sees it: a schedule of model passes per frame, merged into one list of boxes.

``ScheduledDetector`` implements the ``Detector`` seam over any model that can run a region at a given input size
(``base.RegionModel``: the NCNN and Ultralytics detectors). Each call is the next frame of the schedule: the plan's
passes (see ``schedule``) plus candidate crops (``roi``), all boxes merged across passes, those at the detector's
``conf`` returned. ``last`` also says where the model looked at which resolution (``Coverage``), so the tracker
counts a track as missed only where it could have been seen, and how far the picture moved (``motion``), so
tracks and candidates are looked for where the walker's sway took them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from ..types import Detection
from .base import RegionModel
from .mosaic import compose, pack, unpack
from .motion import GlobalMotion
from .roi import RoiWatch
from .schedule import Pass, Plan, Region, plan_for
from .tiling import merge_detections

log = logging.getLogger(__name__)

SEEN_PX = 16  # a box at least this wide in a pass's input is one the model could have found there
CANDIDATE_CONF = 0.1  # boxes between this and conf are candidates for a crop


@dataclass(frozen=True, slots=True)
class Look:
    """Part of a frame the model looked at, and the narrowest box (frame pixels) it could see there."""

    region: Region
    min_width: float


@dataclass(frozen=True, slots=True)
class Coverage:
    """Where one frame was looked at. A box whose centre left the frame counts as looked at (it is gone)."""

    width: int
    height: int
    looks: tuple[Look, ...]

    def sees(self, box: Detection) -> bool:
        cx, cy = box.center
        if not (0 <= cx < self.width and 0 <= cy < self.height):
            return True
        return any(look.region.contains(cx, cy) and box.width >= look.min_width for look in self.looks)


@dataclass(frozen=True, slots=True)
class FrameDetections:
    detections: list[Detection]  # at the detector's conf, merged across passes, in frame pixels
    coverage: Coverage
    passes: list[Pass]
    cost: float  # input pixels of all passes relative to the bare model's input
    shift: tuple[float, float] = (0.0, 0.0)  # how far the picture moved since the previous run (``motion``)
    faint: list[Detection] = field(default_factory=list)  # candidates' boxes under conf: they may continue a track


@dataclass
class ScheduledDetector:
    model: RegionModel
    schedule: str = "rotate"
    candidate_conf: float = CANDIDATE_CONF
    roi: RoiWatch | None = None
    confirm_hits: int = 3  # the tracker's min_hits: a candidate is followed until its track would be confirmed
    runs: int = 0
    last: FrameDetections | None = None
    motion: GlobalMotion = field(default_factory=GlobalMotion)
    _plans: dict[tuple[int, int], Plan] = field(default_factory=dict)
    _canvas: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.names, self.model_path = self.model.names, self.model.model_path
        if self.roi is None and self.schedule == "rotate":
            self.roi = RoiWatch(conf=self.model.conf, confirm_hits=self.confirm_hits)

    def plan(self, width: int, height: int) -> Plan:
        key = (width, height)
        if key not in self._plans:
            self._plans[key] = plan_for(self.schedule, width, height, self.model.input_hw, self.model.any_size)
            p = self._plans[key]
            log.info("schedule %s for %dx%d frames: whole frame at %s, %d tiles, every region at native resolution "
                     "every %d frames", self.schedule, width, height, p.whole.input_hw, len(p.tiles), p.period)
        return self._plans[key]

    def detect(self, image: np.ndarray) -> list[Detection]:
        return self.detect_frame(image).detections

    def detect_frame(self, image: np.ndarray) -> FrameDetections:
        h, w = image.shape[:2]
        plan = self.plan(w, h)
        passes = plan.passes(self.runs)
        self.runs += 1
        shift = self.motion.shift(image)
        if self.roi is not None:
            self.roi.move(*shift)
        wanted = self.roi.crops(w, h, plan.crop_row) if self.roi is not None and plan.crop_row else []
        low = self.candidate_conf if self.roi is not None else self.model.conf
        if plan.canvas is not None:
            found, parts, cost = self._one_input(image, plan, passes, [c for _, c in wanted], low)
        else:
            found, parts, cost = self._one_by_one(image, passes, low)
        merged = merge_detections(found, self.model.iou)
        if self.roi is not None:
            placed = {id(p) for p, _ in parts}
            self.roi.update(merged, [(c, p) for c, p in wanted if id(p) in placed], small=SEEN_PX / plan.whole.scale)
        looks = tuple(Look(p.region, SEEN_PX / scale) for p, scale in parts)
        conf = self.model.conf
        self.last = FrameDetections([d for d in merged if d.confidence >= conf], Coverage(w, h, looks),
                                    [p for p, _ in parts], cost, shift, [d for d in merged if d.confidence < conf])
        return self.last

    def _one_input(self, image: np.ndarray, plan: Plan, passes: list[Pass], crops: list[Pass],
                   low: float) -> tuple[list[Detection], list[tuple[Pass, float]], float]:
        """All passes on one canvas (``mosaic``): one forward pass. Crops that do not fit wait for a later frame."""
        assert plan.canvas is not None, "a one-input plan has a canvas"
        layout = pack([passes[:1], passes[1:], crops], plan.canvas[1], max_height=plan.canvas[0])
        canvas = self._canvas = compose(image, layout, self._canvas)
        found = [d for _, d in unpack(self.model.predict(canvas, size=layout.canvas_hw, conf=low), layout)]
        model_hw = self.model.input_hw
        cost = layout.canvas_hw[0] * layout.canvas_hw[1] / (model_hw[0] * model_hw[1])
        return found, [(p.part, p.scale) for p in layout.placements], cost

    def _one_by_one(self, image: np.ndarray, passes: list[Pass],
                    low: float) -> tuple[list[Detection], list[tuple[Pass, float]], float]:
        """Each pass letterboxed to its own input (``whole`` and the static ``tiles-N``)."""
        found: list[Detection] = []
        for p in passes:
            r = p.region
            found += [d.moved(r.x0, r.y0) for d in self.model.predict(image[r.y0 : r.y1, r.x0 : r.x1], size=p.input_hw,
                                                                      conf=low)]
        return found, [(p, p.scale) for p in passes], sum(p.cost(self.model.input_hw) for p in passes)


