"""Edge-aware upsampling of a reduced alpha to full resolution (fast guided filter).

The guided-filter coefficients ``a, b`` are solved at the reduced size with the
reduced gray image as guide, upsampled bilinearly, and applied to the full-size
gray image: ``alpha = a * I + b``.  The alpha then follows the real boundary of
the subject at full resolution, with no blocky steps (He & Sun, "Fast Guided
Filter", 2015).

To keep the full-size work small, only tiles that hold a boundary (a reduced
alpha strictly between 0 and 1 after smoothing) are computed at full size; the
rest is a plain bilinear upsample of the reduced alpha, which is exactly 0 or
255 there anyway.
"""

from __future__ import annotations

import cv2
import numpy as np


class GuidedUpsampler:
    """Reusable buffers for one (small size, full size) pair."""

    def __init__(self, small_hw: tuple[int, int], full_hw: tuple[int, int],
                 radius: int, eps: float, tile: int = 16):
        self.small_hw = small_hw
        self.full_hw = full_hw
        self.radius = max(1, int(radius))
        self.eps = float(eps)
        h, w = small_hw
        H, W = full_hw
        f32 = np.float32
        self._I = np.empty((h, w), f32)
        self._p = np.empty((h, w), f32)
        self._tmp = [np.empty((h, w), f32) for _ in range(6)]
        self._a = np.empty((h, w), f32)
        self._b = np.empty((h, w), f32)
        self._full_gray = np.empty((H, W), np.uint8)
        self.tile = tile
        # tile grid in small coordinates and the matching full-size rectangles
        self.sy, self.sx = H / h, W / w

    def __call__(self, small_gray: np.ndarray, small_alpha: np.ndarray, full_bgr: np.ndarray,
                 out: np.ndarray) -> np.ndarray:
        """``out`` (HxW uint8) receives the full-size alpha."""
        r = self.radius
        ksize = (2 * r + 1, 2 * r + 1)
        I, p = self._I, self._p
        np.multiply(small_gray, 1.0 / 255.0, out=I, casting="unsafe")
        np.multiply(small_alpha, 1.0 / 255.0, out=p, casting="unsafe")
        mI, mp, mIp, mII, t1, t2 = self._tmp
        cv2.boxFilter(I, -1, ksize, dst=mI, borderType=cv2.BORDER_REFLECT)
        cv2.boxFilter(p, -1, ksize, dst=mp, borderType=cv2.BORDER_REFLECT)
        cv2.multiply(I, p, dst=t1)
        cv2.boxFilter(t1, -1, ksize, dst=mIp, borderType=cv2.BORDER_REFLECT)
        cv2.multiply(I, I, dst=t1)
        cv2.boxFilter(t1, -1, ksize, dst=mII, borderType=cv2.BORDER_REFLECT)
        # a = cov(I,p) / (var(I) + eps); b = mean(p) - a mean(I)
        cv2.multiply(mI, mp, dst=t1)
        cv2.subtract(mIp, t1, dst=t1)            # cov
        cv2.multiply(mI, mI, dst=t2)
        cv2.subtract(mII, t2, dst=t2)            # var
        cv2.add(t2, self.eps, dst=t2)
        cv2.divide(t1, t2, dst=t1)               # a
        cv2.multiply(t1, mI, dst=t2)
        cv2.subtract(mp, t2, dst=t2)             # b
        cv2.boxFilter(t1, -1, ksize, dst=self._a, borderType=cv2.BORDER_REFLECT)
        cv2.boxFilter(t2, -1, ksize, dst=self._b, borderType=cv2.BORDER_REFLECT)

        H, W = self.full_hw
        # plain upsample everywhere (cheap, uint8), then guided where the edge is
        cv2.resize(small_alpha, (W, H), dst=out, interpolation=cv2.INTER_LINEAR)
        # tiles where the smoothed alpha is neither 0 nor 1
        soft = (mp > 0.004) & (mp < 0.996)
        T = self.tile
        h, w = self.small_hw
        ty = (h + T - 1) // T
        tx = (w + T - 1) // T
        pad = np.zeros((ty * T, tx * T), bool)
        pad[:h, :w] = soft
        active = pad.reshape(ty, T, tx, T).any(axis=(1, 3))
        if not active.any():
            return out
        a, b = self._a, self._b
        for j, i in zip(*np.nonzero(active)):
            y0s, x0s = j * T, i * T
            y1s, x1s = min(h, y0s + T), min(w, x0s + T)
            Y0, X0 = int(round(y0s * self.sy)), int(round(x0s * self.sx))
            Y1, X1 = int(round(y1s * self.sy)), int(round(x1s * self.sx))
            if Y1 <= Y0 or X1 <= X0:
                continue
            # bilinear sample of a, b at full-size pixel centres of this tile
            ys = (np.arange(Y0, Y1, dtype=np.float32) + 0.5) / self.sy - 0.5
            xs = (np.arange(X0, X1, dtype=np.float32) + 0.5) / self.sx - 0.5
            mx, my = np.meshgrid(xs, ys)
            A = cv2.remap(a, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            B = cv2.remap(b, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            g = cv2.cvtColor(full_bgr[Y0:Y1, X0:X1], cv2.COLOR_BGR2GRAY)
            q = A * (g.astype(np.float32) * (255.0 / 255.0)) + B * 255.0
            np.clip(q, 0, 255, out=q)
            out[Y0:Y1, X0:X1] = q.astype(np.uint8)
        return out
