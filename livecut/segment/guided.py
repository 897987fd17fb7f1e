"""Colour guided filter (He, Sun & Tang 2010/2013) with OpenCV primitives.

``ColorGuidedFilter`` keeps its buffers for one image size; the 3x3 covariance
inverse is written out in closed form (cofactors), so the whole filter is a
fixed sequence of box filters and element-wise operations.  With ``subsample``
> 1 the coefficients are solved on a reduced copy and upsampled bilinearly
("fast guided filter", He & Sun 2015).
"""

from __future__ import annotations

import cv2
import numpy as np


#: channel sum of a 4-channel float image as one matrix product
ONES4 = np.ones(4, np.float32)


def _ab_minus_cd(a, b, c, d, out, tmp):
    np.multiply(a, b, out=out)
    np.multiply(c, d, out=tmp)
    return np.subtract(out, tmp, out=out)


def _dot3(x0, x1, x2, y0, y1, y2, out, tmp):
    np.multiply(x0, y0, out=out)
    np.multiply(x1, y1, out=tmp)
    out += tmp
    np.multiply(x2, y2, out=tmp)
    out += tmp
    return out


class ColorGuidedFilter:
    def __init__(self, hw: tuple[int, int], radius: int, eps: float, subsample: int = 1):
        self.hw = hw
        self.s = max(1, int(subsample))
        h, w = hw
        self.lhw = (max(1, h // self.s), max(1, w // self.s))
        lh, lw = self.lhw
        self.r = max(1, int(round(radius / self.s)))
        self.eps = float(eps)
        f = np.float32
        self.bgra = np.empty((h, w, 4), np.uint8)
        self.I = np.empty((h, w, 4), f)           # (b, g, r, 1) guide at full size, 0..1
        self.Il = np.empty((lh, lw, 4), f)        # the same at the solve size
        self.pl = np.empty((lh, lw), f)
        self.buf = {name: np.empty((lh, lw), f) for name in (
            "mr", "mg", "mb", "mp", "rr", "rg", "rb", "gg", "gb", "bb", "pr", "pg", "pb", "t",
            "irr", "irg", "irb", "igg", "igb", "ibb", "det", "ar", "ag", "ab", "b")}
        self.chans = [np.empty((lh, lw), f) for _ in range(4)]
        self.ab = np.empty((lh, lw, 4), f)        # a_b, a_g, a_r, b (solve size)
        self.ab_full = np.empty((h, w, 4), f) if self.s > 1 else self.ab

    def _box(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        k = 2 * self.r + 1
        return cv2.boxFilter(src, -1, (k, k), dst=dst, borderType=cv2.BORDER_REFLECT)

    def __call__(self, bgr: np.ndarray, p: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Filter ``p`` (float32, HxW) guided by ``bgr`` (uint8, HxWx3)."""
        h, w = self.hw
        AB = self.solve(bgr, p)
        if self.s > 1:
            full = cv2.resize(AB, (w, h), dst=self.ab_full, interpolation=cv2.INTER_LINEAR)
        else:
            full = AB  # solved at full size already (overwritten below: solve refills it)
        # q = a . (b, g, r) + b * 1, as one 4-channel product and a channel sum
        if out is None:
            out = np.empty((h, w), np.float32)
        q = cv2.multiply(full, self.I, dst=full)
        np.matmul(q.reshape(-1, 4), ONES4, out=out.reshape(-1))  # channel sum (BLAS)
        return out

    def solve(self, bgr: np.ndarray, p: np.ndarray) -> np.ndarray:
        """The box-filtered coefficients (a_b, a_g, a_r, b) at the solve size, for
        ``q = a . (b, g, r) / 255 + b`` (an internal buffer)."""
        lh, lw = self.lhw
        cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA, dst=self.bgra)  # alpha 255 -> constant 1 below
        np.multiply(self.bgra, np.float32(1.0 / 255.0), out=self.I, casting="unsafe")
        if self.s > 1:
            cv2.resize(self.I, (lw, lh), dst=self.Il, interpolation=cv2.INTER_AREA)
            cv2.resize(p, (lw, lh), dst=self.pl, interpolation=cv2.INTER_AREA)
            I, pp = self.Il, self.pl
        else:
            I, pp = self.I, p
        B = self.buf
        box, t = self._box, B["t"]
        cb, cg, cr, _ = cv2.split(I, self.chans)
        box(cr, B["mr"]); box(cg, B["mg"]); box(cb, B["mb"]); box(pp, B["mp"])
        mr, mg, mb, mp = B["mr"], B["mg"], B["mb"], B["mp"]

        def var(x, y, mx, my, dst):
            cv2.multiply(x, y, dst=t)
            box(t, dst)
            cv2.multiply(mx, my, dst=t)
            cv2.subtract(dst, t, dst=dst)
            return dst

        vrr = var(cr, cr, mr, mr, B["rr"]); vrg = var(cr, cg, mr, mg, B["rg"])
        vrb = var(cr, cb, mr, mb, B["rb"]); vgg = var(cg, cg, mg, mg, B["gg"])
        vgb = var(cg, cb, mg, mb, B["gb"]); vbb = var(cb, cb, mb, mb, B["bb"])
        cpr = var(cr, pp, mr, mp, B["pr"]); cpg = var(cg, pp, mg, mp, B["pg"])
        cpb = var(cb, pp, mb, mp, B["pb"])
        e = self.eps
        vrr += e
        vgg += e
        vbb += e
        # inverse of the symmetric 3x3 covariance by cofactors, in preallocated buffers
        i_rr = _ab_minus_cd(vgg, vbb, vgb, vgb, B["irr"], t)
        i_rg = _ab_minus_cd(vgb, vrb, vrg, vbb, B["irg"], t)
        i_rb = _ab_minus_cd(vrg, vgb, vgg, vrb, B["irb"], t)
        i_gg = _ab_minus_cd(vrr, vbb, vrb, vrb, B["igg"], t)
        i_gb = _ab_minus_cd(vrb, vrg, vrr, vgb, B["igb"], t)
        i_bb = _ab_minus_cd(vrr, vgg, vrg, vrg, B["ibb"], t)
        det = _dot3(vrr, vrg, vrb, i_rr, i_rg, i_rb, B["det"], t)
        np.divide(1.0, det, out=det)
        ar = _dot3(i_rr, i_rg, i_rb, cpr, cpg, cpb, B["ar"], t)
        ag = _dot3(i_rg, i_gg, i_gb, cpr, cpg, cpb, B["ag"], t)
        ab = _dot3(i_rb, i_gb, i_bb, cpr, cpg, cpb, B["ab"], t)
        ar *= det
        ag *= det
        ab *= det
        # b = mean(p) - a . mean(I)
        b = _dot3(ar, ag, ab, mr, mg, mb, B["b"], t)
        np.subtract(mp, b, out=b)
        AB = self.ab
        cv2.merge((ab, ag, ar, b), dst=AB)   # in b, g, r order to match the guide
        k = 2 * self.r + 1
        cv2.boxFilter(AB, -1, (k, k), dst=AB, borderType=cv2.BORDER_REFLECT)
        return AB
