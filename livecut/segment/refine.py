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

import math

import cv2
import numpy as np

from livecut.resize import WARP_BILINEAR, resize_map, upsample_into
from livecut.segment.guided import ONES4, ColorGuidedFilter
from livecut.tiles import merge_runs, runs, split_rects, tile_grid


#: alpha values within this many levels (of 255) of 0 or 255 are snapped to 0 or 255
SNAP = 3.0
#: full-size pixels per strip of band work (keeps its temporaries in cache)
STRIP_PIXELS = 16384
#: guide pixels per strip of :meth:`GuidedUpsampler._scaled` (its float temporaries, 8 bytes a
#: pixel, stay in the cache)
GUIDE_STRIP_PIXELS = 65536
#: frames of up to this many pixels are refined whole, not band by band (faster there; the
#: engine's guide is at most 1000 px on the long side)
WHOLE_PIXELS = 1_000_000
#: a run of fewer working-size columns whose guide pixels clip to 0 or 255, between two of the
#: band, is worked out with the band in :meth:`GuidedUpsampler._scaled` (its own calls cost more)
MIN_CONSTANT = 4
#: the product is worked out in the band alone (:meth:`GuidedUpsampler._scaled`) where the guide is
#: this many times the working size or more (1080p, 4K: 3); at 720p (2) finding the band cost more
#: than it saved (the refinement 0.99 -> 1.10 ms, against 1.63 -> 1.48 at 1080p)
BAND_MIN_FACTOR = 3


class GuidedUpsampler:
    """Reusable buffers for one (small size, full size) pair."""

    def __init__(self, small_hw: tuple[int, int], full_hw: tuple[int, int],
                 radius: int, eps: float, tile: int | tuple[int, int] = (8, 2),
                 out_hw: tuple[int, int] | None = None):
        self.small_hw = small_hw
        #: the guide's size (where ``a * I + b`` is evaluated)
        self.full_hw = full_hw
        #: the output's size: the guide's, or larger (the guide is the frame reduced, as
        #: the engine's cue image): the boundary is then solved at the guide's size and
        #: only its band is upsampled bilinearly to the output
        self.out_hw = tuple(out_hw or full_hw)
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
        self.tile = tile
        self._soft = np.empty((h, w), np.uint8)
        self._lo = np.empty((h, w), f32)
        self._hi = np.empty((h, w), f32)
        self._base = np.empty((h, w), np.uint8)
        self.sy, self.sx = H / h, W / w
        # full-size coordinate of each reduced pixel edge (python ints, for slicing)
        self._ymap = np.minimum(H, np.round(np.arange(h + 1) * self.sy)).astype(np.int64)
        self._xmap = np.minimum(W, np.round(np.arange(w + 1) * self.sx)).astype(np.int64)
        #: a frame of up to WHOLE_PIXELS is worked out whole (see __call__)
        self.whole = self.out_hw == (H, W) and H * W <= WHOLE_PIXELS
        if self.whole:
            self._gray = np.empty((H, W), np.uint8)
        if self.out_hw != (H, W):  # _scaled's result at the guide's size
            self._mid = np.empty((H, W), np.uint8)
        #: working-size rows of a strip of :meth:`_scaled` (None: it is done whole), where the guide
        #: is a whole number of times the working size's height and the output at least the guide
        self._strip_rows = None
        OH, OW = self.out_hw
        if self.out_hw != (H, W) and H % h == 0 and OH >= H and OW >= W:
            k = H // h
            self._strip_rows = n = max(1, GUIDE_STRIP_PIXELS // (k * W))
            # (a strip's a and b, with the working-size row above and below it: see _scaled)
            self._A = np.empty((k * (min(n, h) + 2), W), f32)
            self._B = np.empty_like(self._A)
            self._b255 = np.empty((h, w), f32)
            self._zero = np.empty((h, w), np.uint8)  # (see _constant)
            self._full = np.empty((h, w), np.uint8)
            self._kind = np.empty((h, w), np.uint8)
        elif self.whole or self.out_hw != (H, W):  # buffers of _product
            self._A = np.empty((H, W), f32)
            self._B = np.empty((H, W), f32)
            self._b255 = np.empty((h, w), f32)

    def __call__(self, small_gray: np.ndarray, small_alpha: np.ndarray, full_bgr: np.ndarray,
                 out: np.ndarray, full_gray: np.ndarray | None = None) -> np.ndarray:
        """``out`` (HxW uint8) receives the full-size alpha.  ``full_gray``, the full-size
        gray frame if one is at hand, saves converting the boundary tiles."""
        r = self.radius
        ksize = (2 * r + 1, 2 * r + 1)
        I, p = self._I, self._p
        # (a float32 scalar: numpy keeps the loop in float32, a third of the float64 loop's time)
        np.multiply(small_gray, np.float32(1.0 / 255.0), out=I, casting="unsafe")
        np.multiply(small_alpha, np.float32(1.0 / 255.0), out=p, casting="unsafe")
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
        # snap the faint tails (within SNAP/255 of 0 or 1) to exactly 0 or 1: folded
        # into a and b, so it costs nothing at full size and narrows the soft band
        s = 1.0 / (1.0 - 2.0 * SNAP / 255.0)
        cv2.multiply(self._a, s, dst=self._a)
        cv2.multiply(self._b, s, dst=self._b)
        cv2.subtract(self._b, SNAP / 255.0 * s, dst=self._b)

        H, W = self.full_hw
        a, b = self._a, self._b
        OH, OW = self.out_hw
        if (OH, OW) != (H, W):
            return self._scaled(a, b, full_gray, out)
        if self.whole:
            if full_gray is None:
                full_gray = cv2.cvtColor(full_bgr, cv2.COLOR_BGR2GRAY, dst=self._gray)
            # (:meth:`_product` is the answer: faster at that size than finding the band's
            # tiles and sampling them, half the time at 640x360 and 960x540, band 7 % of the frame)
            return self._product(a, b, full_gray, out)
        # the guided result at the reduced size, upsampled bilinearly, is the answer
        # wherever a*I + b clips to a constant 0 or 1 (and its neighbours do too)
        base = self._base
        cv2.multiply(a, I, dst=t1)
        cv2.add(t1, b, dst=t1)
        cv2.multiply(t1, 255.0, dst=t1)
        cv2.max(t1, 0.0, dst=t1)
        cv2.convertScaleAbs(t1, dst=base)  # rounds, saturates at 255 (as the band below)
        if (OH, OW) == self.small_hw:  # nothing to upsample: the guided result is the answer
            out[...] = base
            return out
        upsample_into(base, out)
        active = self._active_tiles(a, b)
        if not active.any():
            return out
        rects = merge_runs(runs(active, self.tile, self.small_hw))
        # strips of about STRIP_PIXELS full-size pixels (sx * sy of them a reduced pixel)
        rects = split_rects(rects, STRIP_PIXELS, scale=math.sqrt(self.sx * self.sy))
        rects = np.array(rects, np.int64).reshape(-1, 4)
        for Y0, Y1, X0, X1 in self._full_rects(rects).tolist():
            if Y1 <= Y0 or X1 <= X0:
                continue
            A, B = self._sample(a, b, Y0, Y1, X0, X1)
            g = (full_gray[Y0:Y1, X0:X1] if full_gray is not None
                 else cv2.cvtColor(full_bgr[Y0:Y1, X0:X1], cv2.COLOR_BGR2GRAY))
            q = cv2.multiply(A, g, dtype=cv2.CV_32F)
            q = cv2.scaleAdd(B, 255.0, q)
            cv2.max(q, 0.0, dst=q)
            cv2.convertScaleAbs(q, dst=out[Y0:Y1, X0:X1])  # saturates at 255
        return out

    def _product(self, a: np.ndarray, b: np.ndarray, gray: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """``dst`` = ``a * I + b`` over the whole guide (``gray``): (a, b) resized, one product
        and one sum, rounded and saturated to 0..255 -- the band's result everywhere."""
        H, W = self.full_hw
        A, B = self._A, self._B
        cv2.resize(a, (W, H), dst=A, interpolation=cv2.INTER_LINEAR)
        cv2.multiply(b, 255.0, dst=self._b255)  # (at the small size: the resize is linear)
        cv2.resize(self._b255, (W, H), dst=B, interpolation=cv2.INTER_LINEAR)
        cv2.multiply(A, gray, dst=A, dtype=cv2.CV_32F)
        cv2.add(A, B, dst=dst, dtype=cv2.CV_8U)  # rounds and saturates to 0..255 in one pass
        return dst

    def _scaled(self, a: np.ndarray, b: np.ndarray, guide: np.ndarray, out: np.ndarray) -> np.ndarray:
        """A guide smaller than the output (the frame reduced by the engine): :meth:`_product`
        over the whole guide (cheaper at that size than finding the boundary's tiles), then
        one bilinear upsample to the output.

        Where the guide is a whole number ``k`` of times the working size's height (1080p, 720p,
        4K), both are done a strip of rows at a time (:data:`GUIDE_STRIP_PIXELS`), the strip's
        ``a`` and ``b`` resized, multiplied and upsampled while they are in the cache: the same
        bytes as the whole (a strip of ``a`` with the row above and below it, resized to ``k``
        times its rows, gives the whole resize's rows; the upsample's rows are the whole one's,
        :func:`~livecut.resize.resize_map`), where the whole-frame ``a`` and ``b`` (2 MB each
        at 1080p) went through memory: 2.1 -> 1.7 ms at 1080p on one core."""
        n = self._strip_rows
        if n is None:
            return upsample_into(self._product(a, b, guide, self._mid), out)
        h, w = self.small_hw
        H, W = self.full_hw
        OH, OW = self.out_hw
        k = H // h
        A, B, mid, b255 = self._A, self._B, self._mid, self._b255
        cv2.multiply(b, 255.0, dst=b255)  # (at the small size: the resize is linear)
        strips = chunks = None
        if W == k * w and k >= BAND_MIN_FACTOR:
            strips, chunks = self._constant(a, n)
        sx, sy = W / OW, H / OH
        done = 0  # output rows written
        for s0 in range(0, h, n):
            s1 = min(h, s0 + n)
            lo, hi = max(0, s0 - 1), min(h, s1 + 1)
            rows = k * (hi - lo)
            i, j = k * (s0 - lo), k * (s1 - lo)  # (the strip's own rows of them)
            for c0, c1, value in ((0, w, None),) if strips is None else strips[s0 // n]:
                if value is not None:  # (every guide pixel of these columns clips to 0, or to 255)
                    mid[k * s0:k * s1, k * c0:k * c1] = value
                    continue
                # the band's columns' a and b with the column left and right of them resized (as
                # the rows: the whole resize's samples)
                l, r = max(0, c0 - 1), min(w, c1 + 1)
                if (l, r) == (0, w):  # (the whole width: the guide's, which may be no multiple of k)
                    cols, x0, X0, X1 = W, 0, 0, W
                else:
                    cols, x0, X0, X1 = k * (r - l), k * (c0 - l), k * c0, k * c1
                x1 = x0 + X1 - X0
                cv2.resize(a[lo:hi, l:r], (cols, rows), dst=A[:rows, :cols], interpolation=cv2.INTER_LINEAR)
                cv2.resize(b255[lo:hi, l:r], (cols, rows), dst=B[:rows, :cols], interpolation=cv2.INTER_LINEAR)
                cv2.multiply(A[i:j, x0:x1], guide[k * s0:k * s1, X0:X1], dst=A[i:j, x0:x1], dtype=cv2.CV_32F)
                cv2.add(A[i:j, x0:x1], B[i:j, x0:x1], dst=mid[k * s0:k * s1, X0:X1], dtype=cv2.CV_8U)
            # the output rows whose samples lie in the guide's rows made so far (bilinear, an
            # output row takes the guide's row below its centre too; a row's margin for the
            # upsample's rounding of where it samples, 1/32 of a row)
            Y1 = OH if s1 == h else max(0, k * s1 - 2) * OH // H
            if Y1 > done:
                # (where the guide's rows of this strip and the one above are constant, so are the
                # output's, by whole powers of two: filled, the rest warped as the whole would be)
                for X0, X1, value in ((0, OW, None),) if chunks is None else chunks[s0 // n]:
                    if value is not None:
                        out[done:Y1, X0:X1] = value
                    else:
                        cv2.warpAffine(mid, resize_map(sx, sy, X0, done), (X1 - X0, Y1 - done),
                                       dst=out[done:Y1, X0:X1], flags=WARP_BILINEAR,
                                       borderMode=cv2.BORDER_REPLICATE)
                done = Y1
        return out

    def _constant(self, a: np.ndarray, n: int) -> tuple[list, list | None]:
        """Each strip of ``n`` working-size rows of :meth:`_scaled` (``a`` and :attr:`_b255` made)
        as runs of columns ``(c0, c1, value)``: ``value`` 0 or 255 where all the strip's guide
        pixels in them clip to it, None in the band, where the product is worked out (a
        constant run of under :data:`MIN_CONSTANT` columns after one of the band is taken into
        it); and the output rows each strip's upsample makes as runs of output columns, alike
        (None where the output is no power-of-two multiple of the guide: upsampled whole).  ``a * g + 255 b`` lies between ``255 b`` and ``255 (a + b)`` for every gray ``g`` of
        0..255, and a bilinear sample of a and b between the values of the 3x3 pixels around it
        (each eroded 3x3): below 0.4, rounded and saturated, 0; above 254.6, 255 (a margin of a
        tenth of a level for the float rounding)."""
        lo, hi, b255 = self._lo, self._hi, self._b255
        cv2.scaleAdd(a, 255.0, b255, dst=hi)
        cv2.min(hi, b255, dst=lo)
        cv2.max(hi, b255, dst=hi)
        zero = cv2.erode(cv2.compare(hi, 0.4, cv2.CMP_LT, dst=self._zero), None, dst=self._zero)
        full = cv2.erode(cv2.compare(lo, 254.6, cv2.CMP_GT, dst=self._full), None, dst=self._full)
        # 1: all clip to 0, 2: to 255, 0: the band; a pixel eroded to 0 is never beside one of
        # 255, so the least over a strip's rows is a column's kind, and a run of constant columns
        # is of one value
        kind = cv2.addWeighted(zero, 1.0 / 255.0, full, 2.0 / 255.0, 0.0, dst=self._kind)
        h, w = kind.shape
        m = h // n  # (whole strips; the last strip's rows, fewer, apart)
        ns = -(-h // n)
        # each strip's kinds, then the kinds of the output rows each strip's upsample makes, which
        # take the 3 guide rows above the strip too: where it and the strip above agree
        kinds = np.empty((2 * ns, w), np.uint8)
        kind[:m * n].reshape(m, n, w).min(axis=1, out=kinds[:m])
        if m < ns:
            kind[m * n:].min(axis=0, out=kinds[m])
        kinds[ns] = kinds[0]
        np.copyto(kinds[ns + 1:], kinds[1:ns])
        kinds[ns + 1:][kinds[1:ns] != kinds[:ns - 1]] = 0
        starts = np.ones(kinds.shape, bool)  # (where a run begins: column 0, and each change)
        np.not_equal(kinds[:, 1:], kinds[:, :-1], out=starts[:, 1:])
        rows, cols = np.nonzero(starts)
        runs: list[list[tuple[int, int, int | None]]] = [[] for _ in range(2 * ns)]
        ends = cols[1:].tolist() + [w]
        for r, c0, c1, kd in zip(rows.tolist(), cols.tolist(), ends, kinds[rows, cols].tolist()):
            if c1 <= c0:  # (the next row's first run: this one ends at the row's end)
                c1 = w
            spans = runs[r]
            value = None if kd == 0 else (0 if kd == 1 else 255)
            if spans and spans[-1][2] is None and (value is None or (c1 - c0 < MIN_CONSTANT and c1 < w)):
                spans[-1] = (spans[-1][0], c1, None)  # (the band goes on)
            else:
                spans.append((c0, c1, value))
        strips = runs[:ns]
        OH, OW = self.out_hw
        H, W = self.full_hw
        f = OW // W
        if not (OW == f * W and OH == f * H and f & (f - 1) == 0):
            return strips, None  # (the output no power-of-two multiple of the guide: warped whole)
        # the output's columns: a constant run of guide columns, short of f output columns at each
        # end inside the frame (an output column samples the guide's column at and after its
        # centre), is constant; the rest is warped
        k = self.full_hw[0] // self.small_hw[0]
        chunks = []
        for spans in runs[ns:]:
            cols_out: list[tuple[int, int, int | None]] = []
            pos = 0
            for c0, c1, value in spans:
                if value is None:
                    continue
                X0 = 0 if c0 == 0 else f * k * c0 + f
                X1 = OW if c1 == w else f * k * c1 - f
                if X1 - X0 < f * MIN_CONSTANT:
                    continue
                if X0 > pos:
                    cols_out.append((pos, X0, None))
                cols_out.append((X0, X1, value))
                pos = X1
            if pos < OW:
                cols_out.append((pos, OW, None))
            chunks.append(cols_out)
        return strips, chunks

    def _full_rects(self, rects: np.ndarray) -> np.ndarray:
        """Reduced-pixel rectangles -> full-size rectangles (same rounding everywhere)."""
        full = np.empty_like(rects)
        full[:, 0:2] = self._ymap[rects[:, 0:2]]
        full[:, 2:4] = self._xmap[rects[:, 2:4]]
        return full

    def _sample(self, a: np.ndarray, b: np.ndarray, Y0: int, Y1: int, X0: int, X1: int
                ) -> tuple[np.ndarray, np.ndarray]:
        """Bilinear samples of (a, b) at the full-size pixels [Y0, Y1) x [X0, X1).

        The same values a whole-frame ``cv2.resize`` gives (to 1/32 of a reduced
        pixel): the affine map is the resize's own, full pixel centre
        ``X + 0.5`` -> reduced ``(X + 0.5) / sx - 0.5``.  (Resizing a patch and
        cropping it instead shifts each patch by up to half a pixel: seams.)
        """
        M = resize_map(1.0 / self.sx, 1.0 / self.sy, X0, Y0)
        size = (X1 - X0, Y1 - Y0)
        A = cv2.warpAffine(a, M, size, flags=WARP_BILINEAR, borderMode=cv2.BORDER_REPLICATE)
        B = cv2.warpAffine(b, M, size, flags=WARP_BILINEAR, borderMode=cv2.BORDER_REPLICATE)
        return A, B

    def _active_tiles(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Tiles (of ``tile`` reduced pixels) where ``clip(a*I + b, 0, 1)`` is not constant.

        With I in [0, 1], a*I + b lies between b and a + b: it clips to 0 for
        every I when both are <= 0, and to 1 when both are >= 1.  The test is
        dilated by one reduced pixel, the reach of the bilinear upsample.
        """
        lo, hi, soft = self._lo, self._hi, self._soft
        cv2.add(a, b, dst=hi)
        cv2.min(hi, b, dst=lo)
        cv2.max(hi, b, dst=hi)
        # soft where hi > 0 and lo < 1
        cv2.bitwise_and(cv2.compare(hi, 0.0, cv2.CMP_GT), cv2.compare(lo, 1.0, cv2.CMP_LT), dst=soft)
        cv2.dilate(soft, None, dst=soft)
        return tile_grid(soft, self.tile)


class ColorUpsampler:
    """Colour-guided upsampling for still images: the guided-filter coefficients are
    solved on the reduced colour image, upsampled, and applied to the full-size
    colour image, in strips of rows (bounded memory, whatever the photo's size).

    Finer edges than the gray :class:`GuidedUpsampler` where subject and background
    differ in colour more than in brightness, at a few times its cost.
    """

    def __init__(self, small_hw: tuple[int, int], full_hw: tuple[int, int], radius: int, eps: float):
        self.small_hw, self.full_hw = small_hw, full_hw
        self.gf = ColorGuidedFilter(small_hw, max(1, int(radius)), eps)
        self._p = np.empty(small_hw, np.float32)
        # full-size rows per strip: ab (4 floats a pixel) stays within 4 * STRIP_PIXELS
        self._rows = rows = max(1, STRIP_PIXELS * 4 // full_hw[1])
        # a strip's buffers, kept between strips and calls (made for each strip, they were
        # 2.6 MB of allocations a strip, 84 MB a 1080p frame); the product is made in ab
        rows, W = min(rows, full_hw[0]), full_hw[1]
        self._ab = np.empty((rows, W, 4), np.float32)
        self._guide = np.empty((rows, W, 4), np.uint8)
        self._q = np.empty((rows, W), np.float32)

    def __call__(self, small_bgr: np.ndarray, small_alpha: np.ndarray, full_bgr: np.ndarray,
                 out: np.ndarray) -> np.ndarray:
        h, w = self.small_hw
        H, W = self.full_hw
        cv2.multiply(small_alpha, 1.0 / 255.0, dst=self._p, dtype=cv2.CV_32F)
        AB = self.gf.solve(small_bgr, self._p)
        for Y0 in range(0, H, self._rows):
            Y1 = min(H, Y0 + self._rows)
            M = resize_map(w / W, h / H, 0, Y0)  # (the samples a whole-frame resize gives at these rows)
            n = Y1 - Y0  # (the strip's buffers are the first n rows of the kept ones)
            ab = cv2.warpAffine(AB, M, (W, n), dst=self._ab[:n], flags=WARP_BILINEAR, borderMode=cv2.BORDER_REPLICATE)
            # 4th channel 255 -> b * 1
            guide = cv2.cvtColor(full_bgr[Y0:Y1], cv2.COLOR_BGR2BGRA, dst=self._guide[:n])
            q4 = cv2.multiply(ab, guide, dst=ab, dtype=cv2.CV_32F, scale=1.0)  # (in place)
            # a . (b, g, r) + b*255, all scaled by 255: one channel sum (BLAS)
            q = self._q[:n]
            np.matmul(q4.reshape(-1, 4), ONES4, out=q.reshape(-1))
            cv2.max(q, 0.0, dst=q)
            cv2.convertScaleAbs(q, dst=out[Y0:Y1])  # rounds, saturates at 255
        return out

