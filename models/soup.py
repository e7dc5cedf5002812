"""Average a fine-tuned run with the model it started from (``sousveillance model soup``).

A fine-tune on a little new data (a campaign's reviewed walks, a new batch of photos) learns the new cases and
forgets some of the old: on our real photos every fine-tune of the shipped model ranked cameras better and scored
fewer of them over the operating threshold. Averaging the two sets of weights, as in Wortsman et al.'s WiSE-FT
("Robust fine-tuning of zero-shot models", 2022), keeps much of both, at no cost on the device: the result is one
model of the same size. Both checkpoints must be the same architecture with the same classes, which a fine-tune
with ``model train --init`` is.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .paths import offline_env

log = logging.getLogger(__name__)


def _load(path: Path) -> tuple[dict[str, Any], Any]:
    import torch

    if not path.is_file():
        raise FileNotFoundError(f"weights not found: {path}")
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    net = (ckpt.get("ema") or ckpt.get("model")) if isinstance(ckpt, dict) else None
    if net is None or not hasattr(net, "state_dict"):
        raise ValueError(f"{path} is not an Ultralytics checkpoint")
    return ckpt, net


def average(tuned: Path, start: Path, out: Path, weight: float = 0.5) -> Path:
    """Write ``weight`` x ``tuned`` + (1 - ``weight``) x ``start`` to ``out`` (an inference-only checkpoint).

    Floating-point tensors are averaged, BatchNorm running statistics included; integer buffers come from ``tuned``.
    """
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must be between 0 and 1, got {weight}")
    offline_env()
    import torch

    ckpt, net = _load(tuned)
    _, base = _load(start)
    names_a, names_b = getattr(net, "names", None), getattr(base, "names", None)
    if names_a != names_b:
        raise ValueError(f"the two models have different classes: {names_a} and {names_b}")
    a, b = net.float().state_dict(), base.float().state_dict()
    odd = [k for k in a if k not in b or a[k].shape != b[k].shape] + [k for k in b if k not in a]
    if odd:
        raise ValueError(f"the two models differ in architecture ({len(odd)} tensors, e.g. {odd[0]})")
    mixed = {k: weight * v + (1 - weight) * b[k] if v.is_floating_point() else v for k, v in a.items()}
    net.load_state_dict(mixed)
    ckpt.update(model=net.half(), ema=None, optimizer=None, updates=None, best_fitness=None)
    ckpt["soup"] = {"tuned": str(tuned), "start": str(start), "weight": weight}
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ckpt, out)
    log.info("wrote %s = %.2f x %s + %.2f x %s", out, weight, tuned, 1 - weight, start)
    return out
