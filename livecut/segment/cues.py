"""Focus cues for the learned method: measured where the detail is, pooled to a small grid.

The network of :mod:`livecut.segment.net` sees the frame at a small size (``NET_SIDE``
on the long side), where a defocus of 2-3 px in the original has vanished.  So the
sharpness is measured on the gray frame at *cue resolution* -- the native frame, or
an integer reduction of it whose long side is at most ``CUE_MAX_SIDE`` -- and only
pooled statistics of it (means over the cells of the network's grid) are passed on.

Channels (all float32 at the network's grid, about zero-centred):

0. ``log(1 + mean|grad|)`` relative to the frame's own 95th percentile of it: how much
   detail a cell has compared with the sharpest parts of *this* frame.
1. re-blur ratio ``log((mean|grad g| + 1) / (mean|grad G*g| + 1))`` with a Gaussian of
   sigma 1 px: sharp detail loses much of its gradient to one more blur, defocused
   detail little (contrast cancels in the ratio).
2. peakiness ``log(1 + rms|grad|) - log(1 + mean|grad|)``: sharp edges give sparse, high
   gradients (a heavy-tailed distribution), blur spreads them.
3. the re-blur ratio again at half the cue resolution (defocus that spans 2 px there
   is judged at the scale where it shows).
4. ``log(1 + mean|grad|)`` in absolute terms (scaled), so the network knows the noise level.
5. (only for a network that takes it, ``kurtosis=True``) the gradient's kurtosis,
   ``log(1 + mean g^4) - 2 log(1 + mean g^2)``: heavy tails (sparse strong edges) mark
   sharp detail whatever the contrast.

The frame itself enters as RGB at the grid, see :func:`grid_size`.  Buffers are kept
between calls of one size by :class:`CueExtractor`.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

#: long side of the network's input grid, about (pixels)
NET_SIDE = 256
#: the grid's sides are multiples of this (the network reduces by 16)
GRID_MULTIPLE = 16
#: cues are measured at the native size or an integer reduction no coarser than this
CUE_MAX_SIDE = 1000
#: number of cue channels
N_CUES = 5
#: pixels of the cue resolution a strip of :meth:`CueExtractor._level0` takes, about (its float
#: gradient, 4 bytes a pixel, stays in the cache)
CUE_STRIP_PIXELS = 65536
#: :func:`percentile` of this many values or more partitions only those near the percentile:
#: beyond a bound taken from every :data:`PERCENTILE_SAMPLE_STEP`-th value, :data:`PERCENTILE_MARGIN`
#: percent (of them) further in
PERCENTILE_SAMPLED_MIN = 4096
PERCENTILE_SAMPLE_STEP = 7
PERCENTILE_MARGIN = 3.0
#: percentile of the pooled gradient the relative channel is taken against
REL_PERCENTILE = 95
#: limited-range luma (16..235, as decoded video is) -> full-range gray (BT.601)
LUMA_TO_GRAY = np.clip(np.round((np.arange(256) - 16) * (255.0 / 219.0)), 0, 255).astype(np.uint8)


#: Immerkaer's noise kernel: second differences, ~0 on smooth content, 6 sigma on noise
_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
#: the same as the outer product of a second difference with itself, which :meth:`CueExtractor.noise`
#: applies as a separable filter: the same whole numbers (each within int16, the same border),
#: a third of filter2D's time (270x480: 0.10 -> 0.03 ms)
_NOISE_ROW = np.array([1, -2, 1], np.float32)


def cue_factor(h: int, w: int) -> int:
    """Integer reduction from the frame to the cue resolution."""
    return max(1, math.ceil(max(h, w) / CUE_MAX_SIDE))


def pool_factor(ch: int, cw: int, side: int = NET_SIDE) -> int:
    """Integer pooling from the cue resolution to the network grid (long side near ``side``)."""
    return max(1, int(max(ch, cw) / side + 0.5))


def padded(n: int) -> int:
    """``n`` rounded up to a multiple of ``GRID_MULTIPLE``."""
    m = GRID_MULTIPLE
    return -(-n // m) * m


def shrink(src: np.ndarray, k: int, dst: np.ndarray, mid: np.ndarray | None = None) -> np.ndarray:
    """``dst`` = the ``k`` x ``k`` means of ``src`` (cropped to ``k`` times ``dst``'s size).
    By 2 (an HD frame), INTER_LINEAR is the exact 2x2 mean, and faster than INTER_AREA.
    By another even factor (a 4K frame: 4), given ``mid`` (:func:`shrink_buffer`), a 2x2
    mean into it first, then the rest: at 3840x2160 3.3 ms instead of INTER_AREA's 8.6 for
    a BGR frame (each mean rounded: within 1 level of the exact 4x4 mean, 0.3 on average)."""
    h, w = dst.shape[:2]
    if mid is not None and k > 2 and k % 2 == 0:
        cv2.resize(src[:h * k, :w * k], (w * k // 2, h * k // 2), dst=mid, interpolation=cv2.INTER_LINEAR)
        return shrink(mid, k // 2, dst)
    return cv2.resize(src[:h * k, :w * k], (w, h), dst=dst,
                      interpolation=cv2.INTER_LINEAR if k == 2 else cv2.INTER_AREA)


def shrink_buffer(dst: np.ndarray, k: int) -> np.ndarray | None:
    """The intermediate buffer :func:`shrink` by ``k`` into ``dst`` takes (None: it needs none)."""
    if k > 2 and k % 2 == 0:
        h, w = dst.shape[:2]
        return np.empty((h * k // 2, w * k // 2) + dst.shape[2:], dst.dtype)
    return None


#: a buffer not made yet (a made one may be None: not needed)
_UNMADE = object()


def percentile(v: np.ndarray, q: float, scratch: np.ndarray | None = None,
               flags: np.ndarray | None = None) -> float:
    """``np.percentile(v, q)`` (linear interpolation) by a partial sort of a copy of ``v``:
    a tenth of its time on a grid of cues.  ``scratch``: a 1-D buffer of ``v``'s type and at
    least its size to copy it into (else a new array: three a frame, the cue grid's size), and
    of :func:`sample_room` for the sample of :func:`_near`; ``flags``: a 1-D bool buffer of at
    least ``v``'s size for it (else new ones)."""
    if scratch is None or scratch.dtype != v.dtype or scratch.size < v.size:
        v = v.flatten()  # a copy (sorted in part below)
        scratch = None
    else:
        flat = scratch[:v.size]
        flat.reshape(v.shape)[...] = v
        v = flat
    pos = q / 100.0 * (v.size - 1)
    lo = int(pos)
    hi = min(lo + 1, v.size - 1)
    frac = pos - lo
    if v.size >= PERCENTILE_SAMPLED_MIN:
        near = _near(v, q, lo, hi, scratch, flags)
        if near is not None:
            v, lo, hi = near
    v.partition((lo, hi))
    return float(v[lo] + frac * (v[hi] - v[lo]))


def sample_room(n: int) -> int:
    """The size of :func:`percentile`'s ``scratch`` for ``n`` values and their sample."""
    return n + -(-n // PERCENTILE_SAMPLE_STEP)


def _near(v: np.ndarray, q: float, lo: int, hi: int, scratch: np.ndarray | None = None,
          flags: np.ndarray | None = None) -> tuple[np.ndarray, int, int] | None:
    """The values of 1-D ``v`` on ``q``'s side of a bound taken from a sample of them, and the
    ranks ``lo`` and ``hi`` among them: where they hold ``v``'s ``lo``-th and ``hi``-th smallest
    (always, but for a sample far from the whole; else None), partitioning them gives the same
    two values as partitioning ``v``, a few percent of it (the 99th percentile of the cue grid,
    32k values at 1080p: 0.29 -> 0.04 ms).  NaN, which a partition puts last, stays last.
    ``scratch`` (``v`` its start) holds the sample where it has room, ``flags`` the comparison."""
    n = v.size
    every = v[::PERCENTILE_SAMPLE_STEP]
    if scratch is not None and scratch.size >= n + every.size:
        sample = scratch[n:n + every.size]
        np.copyto(sample, every)
    else:
        sample = every.copy()
    flags = flags[:n] if flags is not None and flags.dtype == np.bool_ and flags.size >= n else None
    if q >= 50:  # the largest values: those not below the bound, NaN with them (the sorted tail)
        j = max(0, int((q - PERCENTILE_MARGIN) / 100.0 * (sample.size - 1)))
        sample.partition(j)
        kept = v[np.logical_not(np.less(v, sample[j], out=flags), out=flags)]
        first = n - kept.size  # (the rank of the smallest kept)
        if first > lo:
            return None
        return kept, lo - first, hi - first
    j = min(sample.size - 1, int((q + PERCENTILE_MARGIN) / 100.0 * (sample.size - 1)) + 1)
    sample.partition(j)
    kept = v[np.less_equal(v, sample[j], out=flags)]  # (the sorted head: NaN, last, is never in it)
    if hi >= kept.size:
        return None
    return kept, lo, hi


class CueExtractor:
    """``extract(frame_bgr, small_bgr) -> blob``, the network input, in reused buffers.

    The gray frame is taken at the cue resolution in one pass over the full-size frame
    (:meth:`reduce`: an area reduction by ``k``, then gray; or :meth:`reduce_luma` from a
    decoded luma plane).

    The blob is float32 ``(1, 3 + N_CUES, PH, PW)``: RGB in [-0.5, 0.5] and the cues
    on the grid (``grid`` = (gh, gw)), replicated at the bottom/right up to multiples
    of ``GRID_MULTIPLE`` (``PH``, ``PW``); the network's output is cropped back.
    """

    def __init__(self, side: int = NET_SIDE, extra: int = 1, kurtosis: bool = False) -> None:
        #: long side of the grid, about (the pooling factor is chosen to come near it)
        self.side = int(side)
        #: also the kurtosis channel (3 + N_CUES + 1 channels in all)
        self.kurtosis = bool(kurtosis)
        self.channels = 3 + N_CUES + int(self.kurtosis)
        #: a further integer reduction after the cue factor (2: the coarse level, for frames
        #: with no sharp detail at pixel scale, see :meth:`reduce_gray`)
        self.extra = max(1, int(extra))
        self._shape: tuple[int, int] | None = None
        self._noise_buf: tuple | None = None
        self._extracted = False  # (noise, sharpest: the cues of an extract() of this size)

    def reduced_size(self, h: int, w: int) -> tuple[int, int]:
        """(height, width) of :attr:`gray` for a frame of ``h`` x ``w``."""
        k = cue_factor(h, w) * self.extra
        return max(1, h // k), max(1, w // k)

    def covered_size(self, h: int, w: int) -> tuple[int, int]:
        """(height, width) of the part of a frame of ``h`` x ``w`` that :attr:`gray` (and the
        frame :meth:`reduce` returns) covers: from its top-left corner, ``k`` times the reduced
        size (the last ``h % k`` rows and ``w % k`` columns are left out of the reduction)."""
        k = cue_factor(h, w) * self.extra
        rh, rw = self.reduced_size(h, w)
        return min(h, rh * k), min(w, rw * k)

    def fits(self, h: int, w: int) -> bool:
        """Whether the cues can be measured on a frame of ``h`` x ``w``: at the cue resolution
        it must hold a whole cell of the grid each way, and at least 2 pixels each way at
        half of it (a frame far longer than it is wide has neither)."""
        rh, rw = self.reduced_size(h, w)
        q = pool_factor(rh, rw, self.side)
        return min((rh // q) * q, (rw // q) * q) >= 4

    def _prepare(self, h: int, w: int) -> None:
        self._shape = (h, w)
        self._extracted = False
        self.k = cue_factor(h, w) * self.extra
        rh, rw = self.reduced_size(h, w)  # the frame reduced by ``k`` (the whole of it, unlike ``cue_hw``)
        q = pool_factor(rh, rw, self.side)
        self.q = q
        gh, gw = max(1, rh // q), max(1, rw // q)
        ch, cw = gh * q, gw * q  # the cue resolution, cropped to whole cells
        self.cue_hw = (ch, cw)
        self.grid = (gh, gw)
        u8, f32 = np.uint8, np.float32
        #: the gray frame reduced by ``k``: the cues' input, and the guide of the video
        #: refinement (:class:`livecut.segment.Segmenter`)
        self.gray = np.empty((rh, rw), u8)
        self.reduced = np.empty((rh, rw, 3), u8) if self.k > 1 else None
        # shrink()'s intermediate frames (by 4: a 4K frame), made on first use (BGR or luma)
        self._mid_bgr = self._mid_gray = _UNMADE  # (None, once made: the factor needs none)
        self.levels = []
        # level 0's gray is a view of the reduced gray (no copy); level 1's its 2x2 mean.  Level 0's
        # gradients are worked out and pooled a strip of rows at a time (see _level0), in the strip's
        # buffers: the level keeps its gray and its blur
        for g in (self.gray[:ch, :cw], np.empty((max(1, ch // 2), max(1, cw // 2)), u8)):
            lh, lw = g.shape
            self.levels.append(dict(g=g, gb=np.empty((lh, lw), u8)))
        L1 = self.levels[1]
        lh, lw = L1["g"].shape
        L1.update(dx=np.empty((lh, lw - 1), u8), dy=np.empty((lh - 1, lw), u8),
                  a8=np.empty((lh, lw), u8), a=np.empty((lh, lw), f32))
        #: rows of level 0 a strip of :meth:`_level0` takes: whole cells of the grid, about
        #: CUE_STRIP_PIXELS
        self._strip = n = min(ch, max(q, CUE_STRIP_PIXELS // cw // q * q))
        # pooling by a power of two is done as 2x2 halvings (OpenCV's fast INTER_AREA
        # path: half the time of one reduction by 4, the same means), each of a strip's rows
        halvings = []
        if q > 1 and q & (q - 1) == 0:
            lh, lw = n, cw
            while lh // 2 > n // q:
                lh, lw = lh // 2, lw // 2
                halvings.append(np.empty((lh, lw), f32))
        self._rows = dict(dx=np.empty((n, cw - 1), u8), dy=np.empty((n, cw), u8), a8=np.empty((n, cw), u8),
                          a=np.empty((n, cw), f32), halvings=halvings)
        ph, pw = padded(gh), padded(gw)
        self.blob = np.empty((1, self.channels, ph, pw), f32)
        self.pool = [np.empty((gh, gw), f32) for _ in range(7)]
        self.rgb = np.empty((gh, gw, 3), u8)
        # (a channel of rgb, contiguous: OpenCV took the strided view as a new copy, three a frame)
        self._channel = np.empty((gh, gw), u8)
        # the column and row replicated into the blob's padding (numpy copied the overlapping
        # source of the same array into a new one first)
        self._edge_col = np.empty((self.channels, gh, 1), f32)
        self._edge_row = np.empty((self.channels, 1, pw), f32)
        # what percentile() sorts, by type (of the cue grid's size at most, and the sample of it), and its
        # comparison's flags (under "flags")
        self._sorting: dict = {}

    def reduce(self, frame_bgr: np.ndarray) -> np.ndarray:
        """Reduce the frame by ``k`` (area) and keep its gray (:attr:`gray`); return the
        reduced BGR frame (the frame itself when ``k`` is 1), from which the working-size
        image is taken.  One pass over the full-size frame."""
        h, w = frame_bgr.shape[:2]
        if self._shape != (h, w):
            self._prepare(h, w)
        k = self.k
        if k == 1:
            cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY, dst=self.gray)
            return frame_bgr
        if self._mid_bgr is _UNMADE:
            self._mid_bgr = shrink_buffer(self.reduced, k)
        shrink(frame_bgr, k, self.reduced, self._mid_bgr)
        cv2.cvtColor(self.reduced, cv2.COLOR_BGR2GRAY, dst=self.gray)
        return self.reduced

    def reduce_luma(self, y: np.ndarray) -> None:
        """As :meth:`reduce` for a frame given as its luma plane (limited range, as decoded
        video is): :attr:`gray` is the plane reduced by ``k`` and expanded to full range."""
        h, w = y.shape[:2]
        if self._shape != (h, w):
            self._prepare(h, w)
        k = self.k
        if k == 1:
            cv2.LUT(y, LUMA_TO_GRAY, dst=self.gray)
            return
        if self._mid_gray is _UNMADE:
            self._mid_gray = shrink_buffer(self.gray, k)
        shrink(y, k, self.gray, self._mid_gray)
        cv2.LUT(self.gray, LUMA_TO_GRAY, dst=self.gray)

    def reduce_gray(self, gray: np.ndarray, frame_hw: tuple[int, int]) -> None:
        """Take :attr:`gray` from the gray of a finer extractor of the same frame (``gray``,
        the frame reduced by ``k / extra``): its ``extra`` x ``extra`` means."""
        h, w = frame_hw
        if self._shape != (h, w):
            self._prepare(h, w)
        shrink(gray, self.extra, self.gray)

    def noise(self) -> float:
        """Sensor noise of the last :meth:`extract`, about: the 10th percentile over cells of
        8 x 8 pixels of ``|g * N|`` at half the cue resolution (N: Immerkaer's 3x3 kernel of
        second differences, which smooth content leaves near 0; each cell's mean rounded to a
        whole level, the percentile interpolated between two cells).  The flattest tenth of
        the frame -- a defocused background, a wall -- shows the noise alone.  Roughly 1.3 x
        the noise sigma at x1 (the cue resolution halves it at x2)."""
        self._check_extracted("noise")
        g = self.levels[1]["g"]
        h, w = g.shape
        if self._noise_buf is None or self._noise_buf[0].shape != (h, w):
            self._noise_buf = (np.empty((h, w), np.int16), np.empty((h, w), np.uint8),
                               np.empty((max(1, h // 8), max(1, w // 8)), np.uint8))
        r16, r8, cells = self._noise_buf
        cv2.sepFilter2D(g, cv2.CV_16S, _NOISE_ROW, _NOISE_ROW, dst=r16)  # (g * _NOISE_KERNEL)
        cv2.convertScaleAbs(r16, dst=r8)  # |g * N|, saturating at 255
        ch, cw = cells.shape
        cv2.resize(r8[:ch * 8, :cw * 8], (cw, ch), dst=cells, interpolation=cv2.INTER_AREA)
        return self._percentile(cells, 10)

    def sharpest(self) -> float:
        """The 99th percentile over the grid of the re-blur ratio (channel 1) of the last
        :meth:`extract`: how sharp the frame's sharpest detail is at the cue resolution."""
        self._check_extracted("sharpest")
        gh, gw = self.grid
        return self._percentile(self.blob[0, 3 + 1, :gh, :gw], 99)

    def _percentile(self, v: np.ndarray, q: float) -> float:
        """:func:`percentile` of ``v``, sorted in a buffer kept by type (grown to the largest)."""
        buf = self._sorting.get(v.dtype)
        if buf is None or buf.size < sample_room(v.size):
            buf = self._sorting[v.dtype] = np.empty(sample_room(v.size), v.dtype)
        flags = self._sorting.get("flags")
        if flags is None or flags.size < v.size:
            flags = self._sorting["flags"] = np.empty(v.size, np.bool_)
        return percentile(v, q, buf, flags)

    def _check_extracted(self, name: str) -> None:
        """Refuse to measure before an :meth:`extract` of this frame size (an AttributeError;
        after a reduce() alone, the measure of buffers never written)."""
        if not self._extracted:
            from livecut.errors import UsageError

            raise UsageError(f"CueExtractor.{name}(): call extract() first (it measures the cues "
                             f"of the last extract of this frame size)")

    def _grad(self, lv: dict, src: np.ndarray) -> np.ndarray:
        """|forward difference in x| + |in y| of ``src`` (u8, saturating), as float32."""
        dx, dy, a8 = lv["dx"], lv["dy"], lv["a8"]
        cv2.absdiff(src[:, 1:], src[:, :-1], dst=dx)
        cv2.absdiff(src[1:], src[:-1], dst=dy)
        a8[-1, :] = 0
        a8[:, -1] = 0
        cv2.add(dx[:-1], dy[:, :-1], dst=a8[:-1, :-1])
        a8[-1, :-1] = dx[-1]
        a8[:-1, -1] = dy[:, -1]
        a = lv["a"]
        a[...] = a8
        return a

    def _grad_rows(self, src: np.ndarray, r0: int, r1: int) -> np.ndarray:
        """Rows ``r0 .. r1 - 1`` of :meth:`_grad` of ``src`` (level 0's size), in the strip's
        buffers: the differences with the row below them read from ``src`` beyond the strip
        (the last row of ``src``, which has none, as :meth:`_grad` takes it)."""
        b = self._rows
        n = r1 - r0
        last = r1 == src.shape[0]
        m = n - 1 if last else n  # (rows with a row below them)
        dx, dy, a8 = b["dx"][:n], b["dy"][:m], b["a8"][:n]
        cv2.absdiff(src[r0:r1, 1:], src[r0:r1, :-1], dst=dx)
        if m:
            cv2.absdiff(src[r0 + 1:r0 + 1 + m], src[r0:r0 + m], dst=dy)
            cv2.add(dx[:m], dy[:, :-1], dst=a8[:m, :-1])
            a8[:m, -1] = dy[:, -1]
        if last:
            a8[-1, :-1] = dx[-1]
            a8[-1, -1] = 0
        a = b["a"][:n]
        a[...] = a8
        return a

    def _pool_rows(self, src: np.ndarray, r0: int, r1: int, dst: np.ndarray) -> None:
        """The grid's rows of ``dst`` that rows ``r0 .. r1 - 1`` (whole cells) of level 0 make:
        the mean of ``src``, those rows of a level-0 measure, over each cell."""
        for half in self._rows["halvings"]:
            half = half[:src.shape[0] // 2]
            cv2.resize(src, (half.shape[1], half.shape[0]), dst=half, interpolation=cv2.INTER_AREA)
            src = half
        d = dst[r0 // self.q:r1 // self.q]
        cv2.resize(src, (d.shape[1], d.shape[0]), dst=d, interpolation=cv2.INTER_AREA)

    def _level0(self, g: np.ndarray, p_a: np.ndarray, p_e: np.ndarray, p_b: np.ndarray,
                p_4: np.ndarray) -> None:
        """Level 0's gradient (``g``'s, the cue resolution's gray), its square (and 4th power:
        ``kurtosis``) and the gradient after a re-blur, pooled to the grid (``p_a``, ``p_e``,
        ``p_4``, ``p_b``), a strip of whole cells at a time: each strip's float gradients stay in
        the cache (the whole level's, 2 MB each at 960x540, went through memory three times: 1.7
        -> 1.0 ms on one core), the same means (the differences and the 3x3 blur read the rows
        beyond a strip from ``g`` and its blur, made whole; each cell's mean made from its rows
        alone, as the whole level's)."""
        gb = cv2.blur(g, (3, 3), dst=self.levels[0]["gb"])
        h = g.shape[0]
        for r0 in range(0, h, self._strip):
            r1 = min(h, r0 + self._strip)
            a = self._grad_rows(g, r0, r1)
            self._pool_rows(a, r0, r1, p_a)
            cv2.multiply(a, a, dst=a)
            self._pool_rows(a, r0, r1, p_e)
            if self.kurtosis:  # its 4th power too
                cv2.multiply(a, a, dst=a)
                self._pool_rows(a, r0, r1, p_4)
            self._pool_rows(self._grad_rows(gb, r0, r1), r0, r1, p_b)

    def extract(self, frame_bgr: np.ndarray | None, small_bgr: np.ndarray) -> np.ndarray:
        """The network input blob for ``frame_bgr``; ``small_bgr`` is the frame reduced to
        the working size (the RGB channels are taken from it).  ``frame_bgr=None`` uses the
        frame of the last :meth:`reduce` / :meth:`reduce_luma` call."""
        if frame_bgr is not None:
            self.reduce(frame_bgr)
        elif self._shape is None:
            raise ValueError("extract(None, ...) before any reduce()")
        gh, gw = self.grid
        L0, L1 = self.levels
        g = L0["g"]
        p_a, p_e, p_b, p_a2, p_b2, tmp, p_4 = self.pool
        # gradient, its square, and the gradient after a re-blur, pooled to the grid
        self._level0(g, p_a, p_e, p_b, p_4)
        # the same ratio at half the cue resolution
        g2 = L1["g"]
        cv2.resize(g[:g2.shape[0] * 2, :g2.shape[1] * 2], g2.shape[::-1], dst=g2,
                   interpolation=cv2.INTER_AREA)
        cv2.blur(g2, (3, 3), dst=L1["gb"])
        cv2.resize(self._grad(L1, g2), (gw, gh), dst=p_a2, interpolation=cv2.INTER_AREA)
        cv2.resize(self._grad(L1, L1["gb"]), (gw, gh), dst=p_b2, interpolation=cv2.INTER_AREA)
        blob = self.blob[0]
        c = [blob[3 + i, :gh, :gw] for i in range(N_CUES)]
        # 4: absolute level (scaled); 0: relative to this frame's sharpest cells
        cv2.add(p_a, 1.0, dst=tmp)
        cv2.log(tmp, dst=c[4])
        ref = self._percentile(c[4][::2, ::2], REL_PERCENTILE)
        cv2.subtract(c[4], ref, dst=c[0])
        # 1: re-blur ratio
        cv2.add(p_b, 1.0, dst=p_b)
        cv2.divide(tmp, p_b, dst=c[1])
        cv2.log(c[1], dst=c[1])
        if self.kurtosis:  # 5: log(1 + mean g^4) - 2 log(1 + mean g^2)
            k5 = blob[3 + N_CUES, :gh, :gw]
            cv2.add(p_4, 1.0, dst=p_4)
            cv2.log(p_4, dst=k5)
            cv2.add(p_e, 1.0, dst=p_4)
            cv2.log(p_4, dst=p_4)
            cv2.scaleAdd(p_4, -2.0, k5, dst=k5)
        # 2: peakiness, log(1 + rms) - log(1 + mean)
        cv2.sqrt(p_e, dst=p_e)
        cv2.add(p_e, 1.0, dst=p_e)
        cv2.log(p_e, dst=c[2])
        cv2.subtract(c[2], c[4], dst=c[2])
        # 3: re-blur ratio at half resolution
        cv2.add(p_a2, 1.0, dst=p_a2)
        cv2.add(p_b2, 1.0, dst=p_b2)
        cv2.divide(p_a2, p_b2, dst=c[3])
        cv2.log(c[3], dst=c[3])
        cv2.multiply(c[4], 0.25, dst=c[4])
        # RGB at the grid, in [-0.5, 0.5]
        cv2.resize(small_bgr, (gw, gh), dst=self.rgb, interpolation=cv2.INTER_LINEAR)
        for i in range(3):  # BGR -> RGB planes
            cv2.extractChannel(self.rgb, 2 - i, dst=self._channel)
            cv2.multiply(self._channel, 1.0 / 255.0, dst=blob[i, :gh, :gw], dtype=cv2.CV_32F)
            cv2.subtract(blob[i, :gh, :gw], 0.5, dst=blob[i, :gh, :gw])
        # replicate into the padding
        ph, pw = blob.shape[1:]
        if pw > gw:
            np.copyto(self._edge_col, blob[:, :gh, gw - 1:gw])
            blob[:, :gh, gw:] = self._edge_col
        if ph > gh:
            np.copyto(self._edge_row, blob[:, gh - 1:gh, :])
            blob[:, gh:, :] = self._edge_row
        self._extracted = True
        return self.blob
