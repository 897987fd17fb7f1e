"""The baseline the project grew from, kept as a reference (``segment.method = "canny"``).

Grayscale, Canny, dilate (3x3) to join edges, biggest contour by area (or every
contour above ``min_area`` with ``canny_multi = true``), fill it, open it (erode then
dilate, 5 iterations), median blur (21).
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from livecut.config import SegmentConfig
from livecut.segment.registry import register_method

_KERNEL = np.ones((3, 3), np.uint8)


def canny_mask(bgr: np.ndarray, low: int = 10, high: int = 100, keep: str = "largest",
               min_area: float = 0.0, median: int = 21) -> np.ndarray:
    """The baseline pipeline on one BGR image, at whatever size it is given."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    edges = cv2.Canny(gray, low, high)
    edges = cv2.dilate(edges, _KERNEL)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    mask = np.zeros(gray.shape, np.uint8)
    if contours:
        if keep == "largest":
            chosen = [max(contours, key=cv2.contourArea)]
        else:
            limit = min_area * gray.size
            chosen = [c for c in contours if cv2.contourArea(c) >= limit]
        cv2.drawContours(mask, chosen, -1, 255, thickness=cv2.FILLED)
    mask = cv2.erode(mask, _KERNEL, iterations=5)
    mask = cv2.dilate(mask, _KERNEL, iterations=5)
    # median kernel must be odd and smaller than the image
    k = min(median, (min(mask.shape) // 2) * 2 - 1)
    if k >= 3:
        mask = cv2.medianBlur(mask, k)
    return mask


@register_method("canny")
class CannyMethod:
    summary = "baseline: Canny edges, biggest contour, open, median blur (reference only)"

    def __init__(self, cfg: SegmentConfig, still: bool = False):
        self.cfg = cfg

    def __call__(self, small_bgr: np.ndarray, timings: dict[str, float] | None = None,
                 full: np.ndarray | None = None) -> np.ndarray:
        c = self.cfg
        t0 = time.perf_counter()
        mask = canny_mask(small_bgr, c.canny_low, c.canny_high,
                          keep="all" if c.canny_multi else "largest", min_area=c.min_area)
        if timings is not None:  # (a stage of its own: `livecut bench` had it on no line)
            timings["canny"] = (time.perf_counter() - t0) * 1e3
        return mask
