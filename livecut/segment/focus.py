"""Default method placeholder (replaced below by the real one)."""
from __future__ import annotations
import cv2
import numpy as np
from livecut.config import SegmentConfig
from livecut.segment.registry import register_method


@register_method("focus")
class FocusMethod:
    summary = "focus"

    def __init__(self, cfg: SegmentConfig):
        self.cfg = cfg

    def __call__(self, small_bgr, timings=None):
        g = cv2.cvtColor(small_bgr, cv2.COLOR_BGR2GRAY)
        lap = np.abs(cv2.Laplacian(g, cv2.CV_32F))
        lap = cv2.GaussianBlur(lap, (0, 0), 8)
        return (lap > lap.mean()).astype(np.uint8) * 255
