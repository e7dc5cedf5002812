"""Detection metrics, computed here (numpy only) so that every number of the model card can be checked by hand.

* Matching: per image and class, predictions in decreasing confidence take the unmatched ground-truth box of highest
  IoU >= the threshold (COCO/VOC greedy matching); the rest are false positives.
* AP: area under the precision envelope, all-point interpolation (VOC 2010+, no 101-point sampling), so a small
  hand-made case has an exact answer.
* "camera" = class-agnostic over the camera classes (dome, fixed, ptz); poles are scored as their own class.
* Box sizes follow COCO: small < 32² px, medium 32²..96², large > 96² (area in pixels of the original image). For a
  size's AP, ground truth of other sizes is ignored (a prediction matching it counts neither way) and unmatched
  predictions of other sizes are ignored, as COCO does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..device.types import Box as PixelBox

CAMERA_IDS = (0, 1, 2)
SIZES = {"small": (0.0, 32.0**2), "medium": (32.0**2, 96.0**2), "large": (96.0**2, float("inf"))}
IOU_RANGE = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))


@dataclass(frozen=True, slots=True)
class Box(PixelBox):
    """A box in pixels with its class; ``confidence`` is 1 for ground truth."""

    class_id: int
    confidence: float = 1.0


@dataclass(slots=True)
class ImageResult:
    """Ground truth and predictions of one image."""

    name: str
    truth: list[Box] = field(default_factory=list)
    predictions: list[Box] = field(default_factory=list)


def iou_matrix(a: list[Box], b: list[Box]) -> np.ndarray:
    if not a or not b:
        return np.zeros((len(a), len(b)))
    A = np.array([[x.x1, x.y1, x.x2, x.y2] for x in a])
    B = np.array([[x.x1, x.y1, x.x2, x.y2] for x in b])
    lt = np.maximum(A[:, None, :2], B[None, :, :2])
    rb = np.minimum(A[:, None, 2:], B[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(2)
    area_a = (A[:, 2:] - A[:, :2]).clip(0).prod(1)
    area_b = (B[:, 2:] - B[:, :2]).clip(0).prod(1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def _match(
    preds: list[Box], truth: list[Box], iou_thr: float, ignore_truth: list[bool], ignore_pred: list[bool]
) -> tuple[list[float], list[int]]:
    """(confidences, outcome) per counted prediction; outcome 1 = TP, 0 = FP."""
    order = sorted(range(len(preds)), key=lambda i: -preds[i].confidence)
    ious = iou_matrix([preds[i] for i in order], truth)
    taken = [False] * len(truth)
    confs, tps = [], []
    for row, i in enumerate(order):
        best, best_iou = -1, iou_thr
        for j in range(len(truth)):  # a counted truth first; an ignored one only when no counted one matches
            if not taken[j] and not ignore_truth[j] and ious[row, j] >= best_iou:
                best, best_iou = j, ious[row, j]
        if best < 0:
            for j in range(len(truth)):
                if not taken[j] and ignore_truth[j] and ious[row, j] >= iou_thr:
                    best = j
                    break
        if best >= 0:
            taken[best] = True
            if ignore_truth[best]:
                continue
            confs.append(preds[i].confidence)
            tps.append(1)
        elif not ignore_pred[i]:
            confs.append(preds[i].confidence)
            tps.append(0)
    return confs, tps


def average_precision(confs: list[float], tps: list[int], n_truth: int) -> float:
    """All-point interpolated AP of one class; NaN when there is no ground truth."""
    if n_truth == 0:
        return float("nan")
    if not confs:
        return 0.0
    order = np.argsort(-np.asarray(confs), kind="stable")
    tp = np.asarray(tps, dtype=float)[order]
    ctp, cfp = np.cumsum(tp), np.cumsum(1 - tp)
    recall = ctp / n_truth
    precision = ctp / (ctp + cfp)
    r = np.concatenate([[0.0], recall])
    p = np.concatenate([[1.0], precision])
    p = np.maximum.accumulate(p[::-1])[::-1]  # precision envelope
    return float(np.sum((r[1:] - r[:-1]) * p[1:]))


def _select(box: Box, classes: tuple[int, ...]) -> bool:
    return box.class_id in classes


def image_matches(
    im: ImageResult, classes: tuple[int, ...], iou_thr: float = 0.5, size: str | None = None
) -> tuple[list[float], list[int], int]:
    """One image's share of an AP: (confidences, outcomes 1 TP / 0 FP, counted ground-truth boxes).

    Matching never crosses images, so an AP over any multiset of images (a bootstrap resample) is the AP of their
    concatenated shares.
    """
    lo, hi = SIZES[size] if size else (0.0, float("inf"))
    truth = [b for b in im.truth if _select(b, classes)]
    preds = [b for b in im.predictions if _select(b, classes)]
    ig_t = [not lo <= b.area < hi for b in truth]
    ig_p = [not lo <= b.area < hi for b in preds]
    c, t = _match(preds, truth, iou_thr, ig_t, ig_p)
    return c, t, ig_t.count(False)


def ap(
    images: list[ImageResult], classes: tuple[int, ...], iou_thr: float = 0.5, size: str | None = None
) -> float:
    """AP over ``classes`` merged into one (class-agnostic when several), optionally for one box size."""
    confs: list[float] = []
    tps: list[int] = []
    n_truth = 0
    for im in images:
        c, t, n = image_matches(im, classes, iou_thr, size)
        confs += c
        tps += t
        n_truth += n
    return average_precision(confs, tps, n_truth)


def image_recall(im: ImageResult, classes: tuple[int, ...], conf: float, size: str | None = None) -> tuple[int, int]:
    """(ground-truth boxes found at IoU >= 0.5 by predictions with confidence >= ``conf``, boxes counted)."""
    lo, hi = SIZES[size] if size else (0.0, float("inf"))
    truth = [b for b in im.truth if _select(b, classes)]
    preds = [b for b in im.predictions if _select(b, classes) and b.confidence >= conf]
    counted = [lo <= b.area < hi for b in truth]
    _, t = _match(preds, truth, 0.5, [not x for x in counted], [True] * len(preds))
    return sum(t), sum(counted)


def recall_at(images: list[ImageResult], classes: tuple[int, ...], conf: float, size: str | None = None) -> float:
    """Share of ground-truth boxes found at IoU >= 0.5 by predictions with confidence >= ``conf``."""
    found = total = 0
    for im in images:
        f, n = image_recall(im, classes, conf, size)
        found += f
        total += n
    return found / total if total else float("nan")


def precision_at(images: list[ImageResult], classes: tuple[int, ...], conf: float) -> float:
    tp = n = 0
    for im in images:
        truth = [b for b in im.truth if _select(b, classes)]
        preds = [b for b in im.predictions if _select(b, classes) and b.confidence >= conf]
        _c, t = _match(preds, truth, 0.5, [False] * len(truth), [False] * len(preds))
        tp += sum(t)
        n += len(t)
    return tp / n if n else float("nan")


@dataclass(slots=True)
class Metrics:
    """Every number the model card reports for one evaluation set."""

    images: int
    camera_boxes: int
    conf: float
    camera_ap50: float
    camera_recall: float
    camera_precision: float
    map50: float  # mean over classes with ground truth
    map50_95: float
    per_class_ap50: dict[str, float]
    per_class_boxes: dict[str, int]
    by_size: dict[str, dict[str, float]]  # size -> {"boxes", "ap50", "recall"}


def compute(images: list[ImageResult], names: tuple[str, ...], conf: float) -> Metrics:
    present = [k for k in range(len(names)) if any(b.class_id == k for im in images for b in im.truth)]
    per_class = {names[k]: ap(images, (k,)) for k in present}
    map5095 = [float(np.mean([ap(images, (k,), t) for t in IOU_RANGE])) for k in present]
    cams = [b for im in images for b in im.truth if b.class_id in CAMERA_IDS]
    by_size = {
        s: {
            "boxes": float(sum(lo <= b.area < hi for b in cams)),
            "ap50": ap(images, CAMERA_IDS, 0.5, s),
            "recall": recall_at(images, CAMERA_IDS, conf, s),
        }
        for s, (lo, hi) in SIZES.items()
    }
    return Metrics(
        images=len(images),
        camera_boxes=len(cams),
        conf=conf,
        camera_ap50=ap(images, CAMERA_IDS),
        camera_recall=recall_at(images, CAMERA_IDS, conf),
        camera_precision=precision_at(images, CAMERA_IDS, conf),
        map50=float(np.mean(list(per_class.values()))) if per_class else float("nan"),
        map50_95=float(np.mean(map5095)) if map5095 else float("nan"),
        per_class_ap50=per_class,
        per_class_boxes={names[k]: sum(b.class_id == k for im in images for b in im.truth) for k in present},
        by_size=by_size,
    )


def false_positives_per_image(images: list[ImageResult], conf: float, classes: tuple[int, ...] = CAMERA_IDS) -> float:
    """On images without cameras: camera detections at ``conf`` or above, per image."""
    if not images:
        return float("nan")
    return sum(b.confidence >= conf and b.class_id in classes for im in images for b in im.predictions) / len(images)
