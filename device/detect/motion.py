"""How far the picture moved since the previous frame: the walker's sway and turns, measured, not guessed.

A chest-worn camera swings with every step (about 1.5 degrees, 40 px of a 1920 px frame, from one frame to the
next) and turns with the walker. Far cameras move with the picture, so a box predicted from its own past motion
lands a box-width or more off: tracks break and crops miss. The shift of the whole picture between two frames is
measured by phase correlation on a small grey copy (320 px wide, about a millisecond), and every track and
candidate is moved by it before it is looked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

WIDTH = 320  # the grey copy's width
MIN_RESPONSE = 0.05  # phase correlation peaks lower than this are no shift (a blank wall, a bus filling the view)


@dataclass
class GlobalMotion:
    _last: np.ndarray | None = None
    _window: np.ndarray | None = field(default=None, repr=False)

    def shift(self, image: np.ndarray) -> tuple[float, float]:
        """The picture's shift (dx, dy) in ``image`` pixels since the previous call ((0, 0) on the first)."""
        h, w = image.shape[:2]
        scale = WIDTH / w
        small = cv2.resize(image, (WIDTH, max(8, round(h * scale))), interpolation=cv2.INTER_LINEAR)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
        last, self._last = self._last, grey
        if last is None or last.shape != grey.shape:
            return 0.0, 0.0
        if self._window is None or self._window.shape != grey.shape:
            self._window = cv2.createHanningWindow(grey.shape[::-1], cv2.CV_32F)
        (dx, dy), response = cv2.phaseCorrelate(last, grey, self._window)
        if response < MIN_RESPONSE:
            return 0.0, 0.0
        return dx / scale, dy / scale
