"""Decode a YOLOv8-style detection head from its per-scale feature maps, for any input size.

An Ultralytics NCNN export bakes the anchor grid of its export size (8400 anchors at 640x640) into the last layers,
so its final output only works at that size. The per-scale maps just before (one ``4 * reg_max + classes`` x H x W
blob per stride) are fully convolutional: reading them and decoding here (distribution focal loss box sides,
sigmoid class scores) runs the same weights on a 640x384 whole frame or a 160x160 crop. ``head_blobs`` finds those
blobs in a ``.param`` file; a model without them is run at its export size only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True, slots=True)
class HeadOutput:
    """Candidate boxes of one forward pass, in model-input pixels: centre x, y, width, height."""

    xywh: np.ndarray  # (n, 4)
    scores: np.ndarray  # (n,)
    class_ids: np.ndarray  # (n,)


def head_blobs(param_path: Path, num_classes: int) -> list[str]:
    """Names of the per-scale head blobs (finest stride first), or [] when the graph has no such layout.

    The layout looked for is the one Ultralytics' exporter writes: a Concat whose inputs are Reshape layers that
    flatten a ``4 * reg_max + num_classes`` channel map each (``Reshape ... 0=H*W 1=C``).
    """
    layers: dict[str, tuple[str, list[str], str]] = {}  # output blob -> (type, input blobs, params)
    concats: list[list[str]] = []
    for line in param_path.read_text().splitlines()[2:]:
        parts = line.split()
        if len(parts) < 4:
            continue
        kind, n_in, n_out = parts[0], int(parts[2]), int(parts[3])
        inputs, outputs = parts[4 : 4 + n_in], parts[4 + n_in : 4 + n_in + n_out]
        params = " ".join(parts[4 + n_in + n_out :])
        for blob in outputs:
            layers[blob] = (kind, inputs, params)
        if kind == "Concat" and n_in >= 2:
            concats.append(inputs)
    for inputs in concats:
        sources = [layers.get(blob) for blob in inputs]
        if not all(s and s[0] == "Reshape" for s in sources):
            continue
        channels = {m.group(1) for s in sources if s and (m := re.search(r"(?:^| )1=(\d+)", s[2]))}
        if len(channels) == 1 and (int(channels.pop()) - num_classes) % 4 == 0:
            return [s[1][0] for s in sources if s]
    return []


def decode(maps: list[np.ndarray], input_hw: tuple[int, int], conf: float, num_classes: int) -> HeadOutput:
    """Boxes scoring above ``conf`` from the per-scale maps (each C x H x W, C = 4 * reg_max + classes)."""
    ih, iw = input_hw
    xywh, scores, class_ids = [], [], []
    for fmap in maps:
        c, h, w = fmap.shape
        flat = fmap.reshape(c, h * w)
        reg = c - num_classes
        logits = flat[reg:]
        best = logits.argmax(axis=0)
        best_logit = logits[best, np.arange(h * w)]
        keep = np.nonzero(best_logit > _logit(conf))[0]
        if keep.size == 0:
            continue
        bins = reg // 4
        dist = flat[:reg, keep].reshape(4, bins, keep.size)
        dist = np.exp(dist - dist.max(axis=1, keepdims=True))
        dist = (dist * np.arange(bins, dtype=np.float32)[None, :, None]).sum(axis=1) / dist.sum(axis=1)
        stride_x, stride_y = iw / w, ih / h
        ax, ay = keep % w + 0.5, keep // w + 0.5
        x1, y1 = (ax - dist[0]) * stride_x, (ay - dist[1]) * stride_y
        x2, y2 = (ax + dist[2]) * stride_x, (ay + dist[3]) * stride_y
        xywh.append(np.column_stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1]))
        scores.append(1.0 / (1.0 + np.exp(-best_logit[keep])))
        class_ids.append(best[keep])
    if not xywh:
        return HeadOutput(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, int))
    return HeadOutput(np.concatenate(xywh), np.concatenate(scores), np.concatenate(class_ids))


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))
