"""Bootstrap intervals on constructed sets whose answer is known."""

import json
import math

import pytest

from sousveillance.models.bootstrap import ap_interval, headline_intervals, mean_interval, ratio_interval
from sousveillance.models.metrics import Box, ImageResult

# A resampled mean of n items of which half are 1: Normal(0.5, sqrt(0.25 / n)) to within a few thousandths for
# n = 400, so its 90 % interval is 0.5 +- 1.645 * 0.025.
N = 400
HALF_WIDTH = 1.645 * math.sqrt(0.25 / N)


def _found(i: int) -> ImageResult:
    """A 60 px camera, found (even i) or missed (odd i)."""
    truth = [Box(100, 100, 160, 160, 1)]
    return ImageResult(f"{i}.jpg", truth, [Box(100, 100, 160, 160, 1, 0.9)] if i % 2 == 0 else [])


def test_recall_interval_of_a_fair_coin_set():
    iv = ratio_interval([i % 2 == 0 for i in range(N)], [1] * N)
    assert iv.value == 0.5 and iv.resamples == 1000
    assert iv.low == pytest.approx(0.5 - HALF_WIDTH, abs=0.008)
    assert iv.high == pytest.approx(0.5 + HALF_WIDTH, abs=0.008)


def test_ap_interval_of_found_and_missed_images():
    # each image is either found at precision 1 or missed: the pooled AP is the share of found images
    iv = ap_interval([_found(i) for i in range(N)])
    assert iv.value == pytest.approx(0.5)
    assert iv.low == pytest.approx(0.5 - HALF_WIDTH, abs=0.008)
    assert iv.high == pytest.approx(0.5 + HALF_WIDTH, abs=0.008)


def test_copies_of_one_image_give_no_spread():
    # every image: a false camera at 0.9 before the true one at 0.8, so any pooled set has AP 1/2 exactly
    image = ImageResult("x.jpg", [Box(10, 10, 70, 70, 0)],
                        [Box(300, 300, 360, 360, 0, 0.9), Box(10, 10, 70, 70, 0, 0.8)])
    iv = ap_interval([image] * 30)
    assert (iv.value, iv.low, iv.high) == (0.5, 0.5, 0.5)
    assert ratio_interval([3] * 20, [3] * 20).low == 1.0  # everything found: [1, 1]
    assert mean_interval([0] * 52).high == 0.0  # no false positive on any negative: [0, 0]


def test_fixed_seed_and_undefined_resamples():
    images = [_found(i) for i in range(40)]
    negatives = [ImageResult(f"n{i}", [], [Box(0, 0, 30, 30, 1, 0.5)] if i < 5 else []) for i in range(50)]
    a = headline_intervals(images, negatives, conf=0.3)
    same, other = (json.dumps(headline_intervals(images, negatives, conf=0.3, seed=k)) for k in (0, 1))
    assert json.dumps(a) == same != other  # the same card from the same run; another seed moves the bounds
    assert a["fp_per_negative"]["value"] == pytest.approx(0.1)
    assert a["fp_per_negative"]["low"] < 0.1 < a["fp_per_negative"]["high"]
    assert a["camera_recall"]["level"] == 0.9 and a["camera_recall"]["of"] == 1000
    small = a["small_recall"]  # no camera under 32 px anywhere: undefined, not zero
    assert math.isnan(small["value"]) and math.isnan(small["low"]) and small["resamples"] == 0
