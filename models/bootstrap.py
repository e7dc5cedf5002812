"""Bootstrap intervals for the card's headline metrics: how much a number could move with other photos of the kind.

The images of the evaluation set are resampled with replacement (``resamples`` times, a fixed seed, so the card is
reproducible) and each metric recomputed on each resample; the interval runs from the 5th to the 95th percentile
(a 90 % percentile interval). Each image's matches are computed once: matching never crosses images, so a resample's
AP is the AP of its images' shares concatenated (``metrics.image_matches``).

Resamples in which a metric is undefined (no small box drawn, say) are left out of that metric's interval; how
many were used is recorded with it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .metrics import CAMERA_IDS, ImageResult, average_precision, image_matches, image_recall

RESAMPLES = 1000
SEED = 0
LEVEL = 0.90


@dataclass(frozen=True, slots=True)
class Interval:
    value: float  # on the whole set
    low: float
    high: float
    resamples: int  # resamples in which the metric was defined

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile_interval(value: float, samples: np.ndarray, level: float = LEVEL) -> Interval:
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        return Interval(value, float("nan"), float("nan"), 0)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return Interval(value, float(low), float(high), int(samples.size))


def _draws(n: int, resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def ratio_interval(found: np.ndarray, total: np.ndarray, resamples: int = RESAMPLES, seed: int = SEED) -> Interval:
    """Interval of sum(found) / sum(total) over resampled items (recall: boxes found / boxes, per image)."""
    found, total = np.asarray(found, float), np.asarray(total, float)
    value = found.sum() / total.sum() if total.sum() else float("nan")
    if found.size == 0:
        return Interval(value, float("nan"), float("nan"), 0)
    idx = _draws(found.size, resamples, seed)
    t = total[idx].sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        samples = np.where(t > 0, found[idx].sum(1) / np.maximum(t, 1), np.nan)
    return percentile_interval(float(value), samples)


def mean_interval(values: np.ndarray, resamples: int = RESAMPLES, seed: int = SEED) -> Interval:
    """Interval of the mean over resampled items (false positives per negative image)."""
    values = np.asarray(values, float)
    return ratio_interval(values, np.ones_like(values), resamples, seed)


def ap_interval(
    images: list[ImageResult], classes: tuple[int, ...] = CAMERA_IDS, resamples: int = RESAMPLES, seed: int = SEED
) -> Interval:
    """Interval of the AP50 over ``classes`` merged into one, images resampled."""
    shares = [image_matches(im, classes, 0.5) for im in images]
    confs = [np.asarray(c, float) for c, _, _ in shares]
    tps = [np.asarray(t, int) for _, t, _ in shares]
    n_truth = np.array([n for _, _, n in shares])
    value = average_precision([x for c in confs for x in c], [x for t in tps for x in t], int(n_truth.sum()))
    if not images:
        return Interval(value, float("nan"), float("nan"), 0)
    samples = np.empty(resamples)
    for b, idx in enumerate(_draws(len(images), resamples, seed)):
        n = int(n_truth[idx].sum())
        c = np.concatenate([confs[i] for i in idx])
        t = np.concatenate([tps[i] for i in idx])
        samples[b] = average_precision(c.tolist(), t.tolist(), n) if n else np.nan
    return percentile_interval(value, samples)


def headline_intervals(
    val: list[ImageResult], negatives: list[ImageResult], conf: float, resamples: int = RESAMPLES, seed: int = SEED
) -> dict[str, dict[str, Any]]:
    """Camera AP50, recall at ``conf``, small-box recall at ``conf`` (val images resampled) and false positives
    per negative at ``conf`` (negatives resampled), each with its 90 % interval."""
    rec = np.array([image_recall(im, CAMERA_IDS, conf) for im in val]).reshape(-1, 2)
    small = np.array([image_recall(im, CAMERA_IDS, conf, "small") for im in val]).reshape(-1, 2)
    fps = np.array(
        [sum(b.confidence >= conf and b.class_id in CAMERA_IDS for b in im.predictions) for im in negatives], float
    )
    out = {
        "camera_ap50": ap_interval(val, CAMERA_IDS, resamples, seed),
        "camera_recall": ratio_interval(rec[:, 0], rec[:, 1], resamples, seed),
        "small_recall": ratio_interval(small[:, 0], small[:, 1], resamples, seed),
        "fp_per_negative": mean_interval(fps, resamples, seed),
    }
    return {k: {**v.as_dict(), "level": LEVEL, "seed": seed, "of": resamples} for k, v in out.items()}
