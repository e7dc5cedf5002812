"""The shipped NCNN model run directly with the ``ncnn`` runtime: no PyTorch, no Ultralytics in the device process.

This is what a Pi runs by default. It reproduces Ultralytics' own NCNN path (letterbox to the export size with
grey 114 padding, RGB 0-1 input, class-aware NMS) so its boxes match ``YoloDetector`` on the same model (a test
checks this), at a fraction of the memory: importing the PyTorch that Ultralytics needs costs hundreds of MB.

The export's last layers only work at its export size; reading the per-scale head maps before them instead
(``yolo_head``) runs the same model at any input size: a 640x384 whole frame, a tile, a mosaic of crops.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import yaml

from ..types import Detection
from .base import DetectorError
from .yolo_head import HeadOutput, decode, head_blobs

log = logging.getLogger(__name__)


def _ceil32(n: int) -> int:
    return -(-int(n) // 32) * 32  # the network's strides need multiples of 32


def is_ncnn_model(path: Path) -> bool:
    return path.is_dir() and any(path.glob("*.param")) and (path / "metadata.yaml").is_file()


class NcnnDetector:
    def __init__(self, model_dir: str | Path, *, conf: float = 0.3, iou: float = 0.5, imgsz: int | None = None,
                 threads: int = 0,
                 max_det: int = 300):
        path = Path(model_dir)
        if not is_ncnn_model(path):
            raise DetectorError(f"not an NCNN model folder (model.ncnn.param + metadata.yaml): {path}")
        try:
            import ncnn  # native runtime, only when this backend is chosen
        except ImportError as exc:
            raise DetectorError("the ncnn package is not installed (pip install ncnn)") from exc
        meta = yaml.safe_load((path / "metadata.yaml").read_text())
        self.names = {int(k): str(v) for k, v in meta["names"].items()}
        size = meta.get("imgsz", [640, 640])
        self.imgsz = (int(size[0]), int(size[1])) if isinstance(size, list) else (int(size), int(size))
        self.model_path = str(path)
        self.conf, self.iou, self.max_det = conf, iou, max_det
        self._ncnn = ncnn
        self._net = ncnn.Net()
        self._net.opt.use_vulkan_compute = False
        if threads:
            self._net.opt.num_threads = threads
        param = next(path.glob("*.param"))
        if self._net.load_param(str(param)) != 0 or self._net.load_model(str(param.with_suffix(".bin"))) != 0:
            raise DetectorError(f"cannot load NCNN model {path}")
        self._input = self._net.input_names()[0]
        self._output = sorted(self._net.output_names())[0]
        self._heads = head_blobs(param, len(self.names))
        if not self._heads:
            log.info("no per-scale head maps in %s: the model runs at its export size %s only", param, self.imgsz)
        # the whole-frame input: the export size, or detector.imgsz when the model runs at any size
        self._input_hw = (_ceil32(imgsz), _ceil32(imgsz)) if imgsz and self._heads else self.imgsz

    def _letterbox(self, image: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, float, float, float]:
        h, w = image.shape[:2]
        th, tw = size
        gain = min(th / h, tw / w)
        nw, nh = round(w * gain), round(h * gain)
        dw, dh = (tw - nw) / 2, (th - nh) / 2
        resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR) if (nw, nh) != (w, h) else image
        top, bottom = round(dh - 0.1), round(dh + 0.1)
        left, right = round(dw - 0.1), round(dw + 0.1)
        padded = cv2.copyMakeBorder(resized, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))
        return padded, gain, left, top

    def forward(self, image: np.ndarray) -> tuple[np.ndarray, float, float, float]:
        """The network's raw output (4 + classes, anchors) for one BGR image, with the letterbox geometry."""
        padded, gain, left, top = self._letterbox(image, self.imgsz)
        return self._run(padded, [self._output])[0], gain, left, top

    def _run(self, padded: np.ndarray, blobs: list[str]) -> list[np.ndarray]:
        blob = np.ascontiguousarray(padded[:, :, ::-1].transpose(2, 0, 1), dtype=np.float32) / 255.0
        mat = self._ncnn.Mat(blob)  # wraps blob's memory: both must live until the extraction is done
        with self._net.create_extractor() as ex:
            ex.input(self._input, mat)
            return [np.array(ex.extract(name)[1]) for name in blobs]

    @property
    def any_size(self) -> bool:
        """Whether the model runs at input sizes other than its export size (its head maps were found)."""
        return bool(self._heads)

    def _candidates(
        self, image: np.ndarray, size: tuple[int, int], conf: float
    ) -> tuple[HeadOutput, float, float, float]:
        if not self._heads or size == self.imgsz:
            out, gain, left, top = self.forward(image)
            scores = out[4:]
            class_ids = scores.argmax(axis=0)
            confs = scores[class_ids, np.arange(scores.shape[1])]
            keep = confs > conf
            return HeadOutput(out[:4, keep].T, confs[keep], class_ids[keep]), gain, left, top
        padded, gain, left, top = self._letterbox(image, size)
        return decode(self._run(padded, self._heads), size, conf, len(self.names)), gain, left, top

    def predict(self, image: np.ndarray, *, size: tuple[int, int] | None = None,
                conf: float | None = None) -> list[Detection]:
        """Boxes in ``image`` pixels, the image letterboxed to ``size`` (height, width; multiples of 32) when the model
        allows it (``any_size``), else to its export size; ``conf`` below the detector's own for candidates."""
        conf = self.conf if conf is None else conf
        size = ((_ceil32(size[0]), _ceil32(size[1])) if size and self._heads
                else self._input_hw if self._heads else self.imgsz)
        cands, gain, left, top = self._candidates(image, size, conf)
        if not len(cands.scores):
            return []
        xywh, confs, class_ids = cands.xywh, cands.scores, cands.class_ids
        boxes = np.column_stack([xywh[:, 0] - xywh[:, 2] / 2, xywh[:, 1] - xywh[:, 3] / 2, xywh[:, 2], xywh[:, 3]])
        idx = cv2.dnn.NMSBoxesBatched(boxes.tolist(), confs.tolist(), class_ids.tolist(), conf, self.iou)
        keep = np.array(idx, dtype=int).reshape(-1)[: self.max_det]
        h, w = image.shape[:2]
        dets = []
        for i in keep[np.argsort(-confs[keep])]:
            x, y, bw, bh = boxes[i]
            x1 = float(np.clip((x - left) / gain, 0, w))
            y1 = float(np.clip((y - top) / gain, 0, h))
            x2 = float(np.clip((x + bw - left) / gain, 0, w))
            y2 = float(np.clip((y + bh - top) / gain, 0, h))
            k = int(class_ids[i])
            dets.append(Detection(x1, y1, x2, y2, float(confs[i]), k, self.names.get(k, str(k))))
        return dets

    @property
    def input_hw(self) -> tuple[int, int]:
        """The bare model's input (height, width): the whole frame is letterboxed to it."""
        return self._input_hw

    def detect(self, image: np.ndarray) -> list[Detection]:
        """The whole frame at the export size (what the ``whole`` schedule runs)."""
        return self.predict(image)

    def predict_raw(self, image: np.ndarray) -> object:
        """The bare model call on one frame (the benchmark's baseline): letterbox + network forward + NMS."""
        return self.predict(image)
