"""Dequantise the INT8 COCO YOLOv8n TFLite export into an Ultralytics YOLOv8n PyTorch model.

Official COCO weights cannot be downloaded here, but ``../shared/data/weights/yolov8n_int8.tflite`` (Ultralytics
8.0.221 export, 192x192, 80 classes) holds the same network with batch norm folded into each convolution and the
weights quantised per output channel. We rebuild the float model:

* every TFLite ``CONV_2D`` (int8 weights, float bias) is dequantised, ``(q - zero_point) * scale``, transposed from
  OHWI to OIHW, and written into the matching Ultralytics ``Conv`` (conv + BN + SiLU);
* the BN is "folded as identity": it reproduces ``conv(x) + bias`` exactly in eval mode. By default its running
  statistics are also re-estimated on a few images (``running_mean = m``, ``running_var = v``,
  ``weight = sqrt(v + eps)``, ``bias = b + m``), which is still exactly ``conv(x) + b`` in eval mode but keeps the
  activations where they were when training switches BN to batch statistics;
* layers are mapped in graph order: convolutions are matched on (weight shape, input size, output size) and, within
  one key, in topological order (TFLite runs the detection head's scales in the reverse of PyTorch's order, which
  the key resolves). The DFL convolution is fixed in both and skipped.

``verify`` runs both models on one image and compares the raw head outputs and the detections after NMS.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

import numpy as np

from ..device.types import box_iou
from .metrics import Box
from .paths import shared_data

log = logging.getLogger(__name__)

IMGSZ = 192


def default_tflite_path() -> Path:
    return shared_data() / "weights" / "yolov8n_int8.tflite"


@dataclass(frozen=True, slots=True)
class TfliteConv:
    """One dequantised convolution of the TFLite graph."""

    op_index: int
    weight: np.ndarray  # float32 OIHW
    bias: np.ndarray  # float32 O
    in_hw: tuple[int, int]
    out_hw: tuple[int, int]

    @property
    def key(self) -> tuple[Any, ...]:
        return (tuple(self.weight.shape), self.in_hw, self.out_hw)


@dataclass(slots=True)
class Comparison:
    """How closely the imported PyTorch model reproduces the TFLite interpreter on one image."""

    image: str
    max_abs_box: float  # largest difference of the raw box outputs, in pixels of the 192 px input
    max_abs_score: float  # largest difference of the raw class scores
    tflite: list[Box] = field(default_factory=list)
    torch: list[Box] = field(default_factory=list)
    matched: int = 0  # TFLite detections with a same-class PyTorch detection at IoU >= 0.9

    @property
    def agrees(self) -> bool:
        return len(self.tflite) > 0 and self.matched == len(self.tflite) == len(self.torch)


def _interpreter(path: Path) -> Any:
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path))
    it.allocate_tensors()
    return it


def read_convolutions(path: Path) -> list[TfliteConv]:
    """All convolutions of the graph except the DFL one, in the interpreter's (topological) op order."""
    if not path.is_file():
        raise FileNotFoundError(f"TFLite model not found: {path}")
    it = _interpreter(path)
    tensors = {d["index"]: d for d in it.get_tensor_details()}
    ops = it._get_ops_details()  # the interpreter's only graph view
    pad_input = {int(op["outputs"][0]): int(op["inputs"][0]) for op in ops if op["op_name"] == "PAD"}
    convs = []
    for op in ops:
        if op["op_name"] != "CONV_2D":
            continue
        src, w_idx, b_idx = (int(i) for i in op["inputs"][:3])
        src = pad_input.get(src, src)  # explicit padding before stride-2 convs: key on the unpadded size
        src_shape, out_shape = tensors[src]["shape"], tensors[int(op["outputs"][0])]["shape"]
        if len(src_shape) != 4 or (src_shape[-1] == 16 and src_shape[1] == 4):  # DFL: [1, 4, anchors, 16]
            continue
        wd = tensors[w_idx]
        raw = it.get_tensor(w_idx)
        if wd["dtype"] == np.int8:
            q = wd["quantization_parameters"]
            scale = q["scales"].astype(np.float32).reshape(-1, 1, 1, 1)
            zero = q["zero_points"].astype(np.float32).reshape(-1, 1, 1, 1)
            weight = (raw.astype(np.float32) - zero) * scale
        else:
            weight = raw.astype(np.float32)
        bias = it.get_tensor(b_idx).astype(np.float32)
        convs.append(
            TfliteConv(
                op_index=int(op["index"]),
                weight=np.ascontiguousarray(weight.transpose(0, 3, 1, 2)),
                bias=bias,
                in_hw=(int(src_shape[1]), int(src_shape[2])),
                out_hw=(int(out_shape[1]), int(out_shape[2])),
            )
        )
    log.info("read %d convolutions from %s", len(convs), path)
    return convs


def _torch_convs_in_order(model: Any, imgsz: int) -> list[tuple[Any, tuple[Any, ...]]]:
    """Ultralytics ``Conv`` modules in forward execution order with their (weight shape, in, out) keys."""
    import torch

    order: list[tuple[Any, tuple[Any, ...]]] = []

    def hook(module: Any, args: tuple[Any, ...], out: Any) -> None:
        key = (tuple(module.weight.shape), tuple(args[0].shape[2:]), tuple(out.shape[2:]))
        order.append((module, key))

    handles = [c.register_forward_hook(hook) for c in _mappable_convs(model)]
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, 3, imgsz, imgsz))
    finally:
        for h in handles:
            h.remove()
    return order


def _mappable_convs(model: Any) -> list[Any]:
    """Every ``nn.Conv2d`` except the fixed DFL one: the convs inside ``Conv`` blocks and the head's last layers."""
    from torch import nn
    from ultralytics.nn.modules.block import DFL

    dfl = {id(m.conv) for m in model.modules() if isinstance(m, DFL)}
    return [m for m in model.modules() if isinstance(m, nn.Conv2d) and id(m) not in dfl]


def _bn_after(model: Any) -> dict[int, Any]:
    """conv id -> the BatchNorm of its Ultralytics ``Conv`` block (absent for the head's biased output convs)."""
    from ultralytics.nn.modules.conv import Conv

    return {id(m.conv): m.bn for m in model.modules() if isinstance(m, Conv)}


def build_model(convs: list[TfliteConv], names: dict[int, str]) -> Any:
    """A YOLOv8n ``DetectionModel`` carrying the TFLite weights (BN as identity)."""
    import torch
    from ultralytics.nn.tasks import DetectionModel

    model: Any = DetectionModel("yolov8n.yaml", nc=len(names), verbose=False)  # torch modules: attributes set freely
    order = _torch_convs_in_order(model, IMGSZ)
    pools: dict[tuple[Any, ...], list[TfliteConv]] = defaultdict(list)
    for c in convs:
        pools[c.key].append(c)
    if len(order) != len(convs):
        raise ValueError(f"layer count differs: PyTorch {len(order)} convolutions, TFLite {len(convs)}")
    bns = _bn_after(model)
    with torch.no_grad():
        for conv, key in order:
            if not pools.get(key):
                raise ValueError(f"no TFLite convolution left for PyTorch layer {key}")
            src = pools[key].pop(0)
            conv.weight.copy_(torch.from_numpy(src.weight))
            bn = bns.get(id(conv))
            if bn is None:  # the head's output convolutions carry their own bias
                conv.bias.copy_(torch.from_numpy(src.bias))
                continue
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(src.bias))
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
    model.names = dict(names)
    model.args = {"imgsz": IMGSZ}
    return model.eval()


def calibrate_bn(model: Any, images: list[np.ndarray], imgsz: int = 640) -> None:
    """Re-estimate each BN's statistics without changing the eval-mode output (see the module docstring)."""
    import torch
    from ultralytics.nn.modules.conv import Conv

    sums: dict[Any, list[Any]] = {}

    def hook(conv: Any, args: tuple[Any, ...], out: Any) -> None:
        y = out.double()
        acc = sums.setdefault(conv, [0.0, 0.0, 0])
        acc[0] = acc[0] + y.sum(dim=(0, 2, 3))
        acc[1] = acc[1] + (y * y).sum(dim=(0, 2, 3))
        acc[2] += y.shape[0] * y.shape[2] * y.shape[3]

    convs: dict[Any, Any] = {m.conv: m.bn for m in model.modules() if isinstance(m, Conv)}
    handles = [c.register_forward_hook(hook) for c in convs]
    try:
        with torch.no_grad():
            for img in images:
                model.eval()(_to_tensor(letterbox(img, imgsz)))
    finally:
        for h in handles:
            h.remove()
    with torch.no_grad():
        for conv, (s, ss, n) in sums.items():
            bn = convs[conv]
            mean = s / n
            var = (ss / n - mean * mean).clamp(min=1e-6)
            bias = bn.bias.double() - bn.weight.double() * (bn.running_mean.double()) / torch.sqrt(
                bn.running_var.double() + bn.eps
            )  # the current additive term, b
            bn.running_mean.copy_(mean.float())
            bn.running_var.copy_(var.float())
            bn.weight.copy_(torch.sqrt(var + bn.eps).float())
            bn.bias.copy_((bias + mean).float())
    log.info("re-estimated %d batch norms on %d images", len(sums), len(images))


def letterbox(img_bgr: np.ndarray, size: int) -> np.ndarray:
    """Ultralytics-style letterbox (grey 114 padding, centred) to ``size`` x ``size``, returned as RGB float 0..1."""
    import cv2

    h, w = img_bgr.shape[:2]
    r = min(size / h, size / w)
    nh, nw = round(h * r), round(w * r)
    resized = cv2.resize(img_bgr, (nw, nh), interpolation=cv2.INTER_LINEAR)
    out = np.full((size, size, 3), 114, np.uint8)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top : top + nh, left : left + nw] = resized
    return out[:, :, ::-1].astype(np.float32) / 255.0


def _to_tensor(rgb01: np.ndarray) -> Any:
    import torch

    return torch.from_numpy(np.ascontiguousarray(rgb01.transpose(2, 0, 1)))[None]


def _nms(raw: np.ndarray, conf: float, iou: float) -> list[Box]:
    """raw: [4 + nc, anchors], xywh in pixels of the network input."""
    import torch
    import torchvision

    scores = raw[4:].max(0)
    cls = raw[4:].argmax(0)
    keep = scores >= conf
    xywh, scores, cls = raw[:4, keep].T, scores[keep], cls[keep]
    xyxy = np.concatenate([xywh[:, :2] - xywh[:, 2:] / 2, xywh[:, :2] + xywh[:, 2:] / 2], 1)
    idx = torchvision.ops.batched_nms(
        torch.from_numpy(xyxy).float(), torch.from_numpy(scores).float(), torch.from_numpy(cls), iou
    ).numpy()
    return [Box(float(xyxy[i][0]), float(xyxy[i][1]), float(xyxy[i][2]), float(xyxy[i][3]), class_id=int(cls[i]),
                confidence=float(scores[i])) for i in idx]


def verify(model: Any, tflite_path: Path, image_path: Path, conf: float = 0.25, iou: float = 0.45) -> Comparison:
    """Run the TFLite interpreter and the PyTorch model on one image at 192 px and compare."""
    import torch

    from .evaluate import read_image

    x = letterbox(read_image(image_path), IMGSZ)
    it = _interpreter(tflite_path)
    it.set_tensor(it.get_input_details()[0]["index"], x[None])
    it.invoke()
    raw_tfl = it.get_tensor(it.get_output_details()[0]["index"])[0].copy()
    raw_tfl[:4] *= IMGSZ  # the TFLite export normalises boxes by the input size
    with torch.no_grad():
        out = model.eval()(_to_tensor(x))
    raw_pt = (out[0] if isinstance(out, (list, tuple)) else out)[0].numpy()
    cmp = Comparison(
        image=image_path.name,
        max_abs_box=float(np.abs(raw_tfl[:4] - raw_pt[:4]).max()),
        max_abs_score=float(np.abs(raw_tfl[4:] - raw_pt[4:]).max()),
        tflite=_nms(raw_tfl, conf, iou),
        torch=_nms(raw_pt, conf, iou),
    )
    cmp.matched = sum(
        any(p.class_id == t.class_id and box_iou(p, t) >= 0.9 for p in cmp.torch) for t in cmp.tflite
    )
    return cmp


def coco_names(metadata: Path) -> dict[int, str]:
    import yaml

    meta = yaml.safe_load(metadata.read_text(encoding="utf-8"))
    return {int(k): str(v) for k, v in meta["names"].items()}


def save_checkpoint(model: Any, path: Path, source: Path) -> Path:
    """Save in Ultralytics' checkpoint layout so ``YOLO(path)`` and ``train(pretrained=path)`` load it."""
    from copy import deepcopy
    from datetime import datetime

    import torch
    import ultralytics

    path.parent.mkdir(parents=True, exist_ok=True)
    ckpt = {
        "date": datetime.now(UTC).isoformat(),
        "version": ultralytics.__version__,
        "license": "AGPL-3.0 (weights dequantised from the Ultralytics YOLOv8n COCO TFLite export)",
        "docs": f"imported from {source.name} by sousveillance.models.tflite_import",
        "epoch": -1,
        "best_fitness": None,
        "model": deepcopy(model).float(),
        "ema": None,
        "updates": None,
        "optimizer": None,
        "train_args": {"task": "detect", "imgsz": IMGSZ},
    }
    torch.save(ckpt, path)
    return path
