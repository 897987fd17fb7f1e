"""Foreground colour estimation: the colours of a soft edge freed of the background's.

A pixel of a soft edge (0 < alpha < 255) is a mix of the subject and what was behind it,
``I = a F + (1 - a) B``; its own colours, kept in a cutout (straight alpha) or blended over
a new background, carry the old background with them (a blue sky's tint around hair pasted on
white).  :class:`Decontaminator` estimates ``F`` there by blur-fusion (Forte & Pitie 2021,
"Approximate Fast Foreground Colour Estimation"): ``F`` and ``B`` estimated as box blurs of the
frame weighted by ``a`` and ``1 - a``, then ``F = F_blur + a (I - a F_blur - (1 - a) B_blur)``,
clipped; twice, with a large then a small box (:data:`LARGE`, :data:`SMALL` of the long side),
the second pass blurring the first's ``F`` and ``B``.  Only the soft pixels change; the opaque
and the transparent ones keep the frame's colours bit for bit.
"""
from __future__ import annotations

import cv2
import numpy as np

#: the first pass's box, a fraction of the frame's long side (the paper takes 90 px; 154 at 1080p:
#: a box well wider than a soft edge, as the tests' 10-20 px edges want)
LARGE = 0.08
#: the second pass's box, a fraction of the long side (at least :data:`SMALL_MIN` px)
SMALL = 0.006
SMALL_MIN = 3
#: the first pass's box at the reduced size it is made at (its blurs are smooth: a frame
#: reduced so that the box is about this many pixels)
LARGE_REDUCED = 31
#: the second pass's box at the reduced size it is made at, where that size is at most half the
#: frame's: the frame reduced by a whole factor (area) so that the box is about this many
#: pixels, both passes' ``F_blur`` and ``B_blur`` made there (smooth fields) and read back
#: bilinearly, the final fuse alone made at full size, at the soft pixels; a smaller frame's
#: second pass is made at full size, in tiles
SMALL_REDUCED = 9
#: side of the tiles the second pass is made in (those with a soft pixel, each row of them
#: in runs; with the halo its box needs)
TILE = 64
#: length of the rows remap reads the soft pixels' blurs in (its maps are kept under 32767 wide)
_ROW = 4096
#: pixels in a band of rows the final fuse of a reduced second pass is made in (at most)
_BAND = 1 << 18
_EPS = 1e-5


def boxes(h: int, w: int) -> tuple[int, int]:
    """The two passes' box sizes (odd, in pixels) for a frame of ``h`` x ``w``."""
    long_side = max(h, w)
    large = max(3, int(round(LARGE * long_side)) | 1)
    small = max(SMALL_MIN, int(round(SMALL * long_side)) | 1)
    return large, small


class Decontaminator:
    """Writes a frame with its soft pixels' colours replaced by the estimated foreground's.

    The first pass's ``F_blur`` and ``B_blur`` are made at a reduced size (its box is
    :data:`LARGE_REDUCED` px there) and read back bilinearly; the rest at full size, in the
    tiles with a soft pixel alone (:data:`TILE`); on a large frame (its second box at least
    1.5 :data:`SMALL_REDUCED`) the second pass's blurs too, the final fuse alone at full size,
    at the soft pixels.  Its buffers are kept from one call to the next (made again for another
    size).  Not thread-safe (one per :class:`~livecut.composite.Compositor`)."""

    def __init__(self) -> None:
        self._shape: tuple[int, int] | None = None
        self._out: np.ndarray | None = None
        self._soft: np.ndarray | None = None

    def _buffers(self, h: int, w: int) -> None:
        """The buffers for frames of ``h`` x ``w``: the output, the soft pixels, and the float
        ones of a run of tiles (a row of them with its halo)."""
        if self._shape == (h, w):
            return
        self._shape = (h, w)
        large, small = boxes(h, w)
        self._soft = np.empty((h, w), np.uint8)
        self._out = np.empty((h, w, 3), np.uint8)
        #: the whole factor the second pass is reduced by (1: made at full size, in tiles)
        self._k = k = max(1, int(round(small / SMALL_REDUCED)))
        if min(h, w) < 4 * k:  # (a strip of a frame)
            self._k = k = 1
        if k >= 2:
            # its blurs made from the frame reduced by k (the last rows and columns short of
            # a whole k left out: read back from the edge); the first pass's from that too
            hk, wk = h // k, w // k
            self._small2_hw, self._small2_box = (hk, wk), max(3, int(round(small / k)) | 1)
            scale = max(1.0, large / LARGE_REDUCED / k)
            self._small_hw = (max(1, int(round(hk / scale))), max(1, int(round(wk / scale))))
            self._small_box = max(3, int(round(large * self._small_hw[1] / (wk * k))) | 1)
            return
        self._halo = halo = small // 2 + 1
        self._where = np.empty((h, w, 1), bool)
        th, tw = min(h, TILE + 2 * halo), w
        self._bufs = [np.empty((th, tw, 3), np.float32) for _ in range(8)]
        self._a, self._ba = np.empty((th, tw), np.float32), np.empty((th, tw), np.float32)
        self._mapx, self._mapy = np.empty((th, tw), np.float32), np.empty((th, tw), np.float32)
        scale = max(1.0, large / LARGE_REDUCED)
        self._small_hw = (max(1, int(round(h / scale))), max(1, int(round(w / scale))))
        self._small_box = max(3, int(round(large * self._small_hw[1] / w)) | 1)

    def __call__(self, frame: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        """``frame`` (HxWx3 uint8) with the colours of its soft pixels (``0 < alpha < 255``)
        the estimated foreground's, in a buffer of this object; ``frame`` itself where no pixel
        is soft.  ``alpha`` HxW uint8."""
        h, w = alpha.shape
        self._buffers(h, w)
        soft = cv2.inRange(alpha, 1, 254, dst=self._soft)
        if not cv2.countNonZero(soft):
            return frame
        if self._k >= 2:
            return self._reduced(frame, alpha, soft)
        where = self._where
        np.not_equal(soft[..., None], 0, out=where)
        out = self._out
        np.copyto(out, frame)
        fb, bb = self._first_blurs(frame, alpha)
        halo, small = self._halo, boxes(h, w)[1]
        sh, sw = fb.shape[:2]
        for y0 in range(0, h, TILE):
            y1 = min(h, y0 + TILE)
            cols = cv2.reduce(soft[y0:y1], 0, cv2.REDUCE_MAX).ravel()
            tiles = np.flatnonzero(cols.reshape(-1, TILE).max(1) if w % TILE == 0 else
                                   np.maximum.reduceat(cols, np.arange(0, w, TILE)))
            if not len(tiles):
                continue
            # runs of consecutive soft tiles
            breaks = np.flatnonzero(np.diff(tiles) > 1)
            for first, last in zip(np.r_[tiles[0], tiles[breaks + 1]], np.r_[tiles[breaks], tiles[-1]]):
                x0, x1 = first * TILE, min(w, (last + 1) * TILE)
                h0, h1, w0, w1 = max(0, y0 - halo), min(h, y1 + halo), max(0, x0 - halo), min(w, x1 + halo)
                f = self._tile(frame[h0:h1, w0:w1], alpha[h0:h1, w0:w1], fb, bb, (h0, w0), (h, w), small)
                np.copyto(out[y0:y1, x0:x1], f[y0 - h0:y1 - h0, x0 - w0:x1 - w0], casting="unsafe",
                          where=where[y0:y1, x0:x1])
        return out

    def _reduced(self, frame: np.ndarray, alpha: np.ndarray, soft: np.ndarray) -> np.ndarray:
        """:meth:`__call__` of a frame whose second pass is made at a reduced size: both
        passes' blurs made from the frame reduced by :attr:`_k` (area), the second's ``F`` too;
        the final fuse at the soft pixels alone, its blurs read back bilinearly."""
        k = self._k
        sh, sw = self._small2_hw
        frame_k = cv2.resize(frame[:sh * k, :sw * k], (sw, sh), interpolation=cv2.INTER_AREA)
        alpha_k = cv2.resize(alpha[:sh * k, :sw * k], (sw, sh), interpolation=cv2.INTER_AREA)
        fb, bb = self._first_blurs(frame_k, alpha_k)
        img = frame_k.astype(np.float32)
        a = alpha_k.astype(np.float32)
        a *= np.float32(1 / 255)
        a3 = cv2.merge((a, a, a))
        inv3 = np.float32(1) - a3
        # the first pass's F, then the second pass's blurs of it and of its B (box small / k)
        f = cv2.resize(fb, (sw, sh), interpolation=cv2.INTER_LINEAR)
        b = cv2.resize(bb, (sw, sh), interpolation=cv2.INTER_LINEAR)
        t, u = np.empty_like(img), np.empty_like(img)
        self._fuse(img, a3, inv3, f, b, t, u)
        # (img, read no more, the pass's buffer d)
        self._pass(img, f, b, a, np.empty_like(a), a3, inv3, t, u, img, f, b, self._small2_box, fuse=False)
        # the final fuse at the soft pixels, in bands of rows (of BAND pixels at most)
        out = self._out
        np.copyto(out, frame)
        h, w = alpha.shape
        # (contiguous: take copies a strided array whole, each time)
        flat, flat_a = np.ascontiguousarray(frame).reshape(-1, 3), np.ascontiguousarray(alpha).reshape(-1)
        flat_out = out.reshape(-1, 3)
        rows = max(1, _BAND // w)
        for y0 in range(0, h, rows):
            pts = cv2.findNonZero(soft[y0:y0 + rows])
            if pts is not None:
                self._fuse_at(pts.reshape(-1, 2), y0, k, f, b, flat, flat_a, flat_out, w)
        return out

    @staticmethod
    def _fuse_at(pts, y0, k, fb, bb, flat, flat_a, flat_out, w) -> None:
        """The final fuse at the soft pixels ``pts`` (x, y from row ``y0``) of a frame ``w``
        wide (``flat``, ``flat_a``: its colours and alpha, a row of pixels; into ``flat_out``),
        ``fb`` and ``bb`` read back from their size reduced by ``k`` (bilinear, pixel centres
        to pixel centres; remap's maps in rows of :data:`_ROW`)."""
        n = len(pts)
        rows = -(-n // _ROW)
        maps = np.zeros((2, rows * _ROW), np.float32)
        np.multiply(pts.T, np.float32(1 / k), out=maps[:, :n], casting="unsafe")
        maps[0] += np.float32(0.5 / k - 0.5)
        maps[1] += np.float32((y0 + 0.5) / k - 0.5)
        mapx, mapy = maps[0].reshape(rows, _ROW), maps[1].reshape(rows, _ROW)
        f = cv2.remap(fb, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).reshape(-1, 3)[:n]
        b = cv2.remap(bb, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).reshape(-1, 3)[:n]
        idx = pts[:, 1] + y0
        idx = idx.astype(np.intp)
        idx *= w
        idx += pts[:, 0]
        img = np.take(flat, idx, axis=0).astype(np.float32)
        a = np.take(flat_a, idx).astype(np.float32)[:, None]
        a *= np.float32(1 / 255)
        # F = F_blur + a (I - a F_blur - (1 - a) B_blur), clipped (numpy: a broadcast)
        t, u = np.multiply(f, a), np.subtract(np.float32(1), a)
        np.subtract(img, t, out=t)
        np.multiply(b, u, out=img)
        t -= img
        t *= a
        f += t
        np.clip(f, 0, 255, out=f)
        np.rint(f, out=f)
        flat_out[idx] = f

    def _first_blurs(self, frame: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The first pass's ``F_blur`` and ``B_blur`` (F and B both the frame), at the reduced
        size: frame and alpha reduced (area), blurred there with the large box."""
        sh, sw = self._small_hw
        img = cv2.resize(frame, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
        a = cv2.resize(alpha, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
        a *= np.float32(1 / 255)
        a3 = cv2.merge((a, a, a))
        box = (self._small_box, self._small_box)
        ba3 = cv2.blur(a3, box)
        fb = cv2.blur(cv2.multiply(img, a3), box)
        fb /= ba3 + np.float32(_EPS)
        bb = cv2.blur(cv2.multiply(img, np.float32(1) - a3), box)
        bb /= np.float32(1 + _EPS) - ba3
        return fb, bb

    def _tile(self, frame, alpha, fb_small, bb_small, at, hw, small: int) -> np.ndarray:
        """The foreground of a run of tiles with its halo (``frame``, ``alpha`` of it; ``at``
        its top left corner in the frame of ``hw``), rounded: a view of a float32 buffer."""
        th, tw = alpha.shape
        img, a3, inv3, f, b, t, u, d = (buf[:th, :tw] for buf in self._bufs)
        a, ba = self._a[:th, :tw], self._ba[:th, :tw]
        mapx, mapy = self._mapx[:th, :tw], self._mapy[:th, :tw]
        np.copyto(img, frame, casting="unsafe")
        np.multiply(alpha, np.float32(1 / 255), out=a, casting="unsafe")
        cv2.merge((a, a, a), dst=a3)
        np.subtract(np.float32(1), a3, out=inv3)
        # the first pass's blurs, read back from the reduced size (pixel centres to pixel centres)
        (y, x), (h, w), (sh, sw) = at, hw, fb_small.shape[:2]
        mapx[:] = (np.arange(x, x + tw, dtype=np.float32) + np.float32(0.5)) * np.float32(sw / w) - np.float32(0.5)
        mapy[:] = ((np.arange(y, y + th, dtype=np.float32) + np.float32(0.5)) * np.float32(sh / h)
                   - np.float32(0.5))[:, None]
        cv2.remap(fb_small, mapx, mapy, cv2.INTER_LINEAR, dst=f, borderMode=cv2.BORDER_REPLICATE)
        cv2.remap(bb_small, mapx, mapy, cv2.INTER_LINEAR, dst=b, borderMode=cv2.BORDER_REPLICATE)
        # the first pass's F = F_blur + a (I - a F_blur - (1 - a) B_blur), clipped
        self._fuse(img, a3, inv3, f, b, t, u)
        # the second pass: its F and blurred B, with the small box
        self._pass(img, f, b, a, ba, a3, inv3, t, u, d, f, b, small)
        np.rint(f, out=f)
        return f

    @staticmethod
    def _fuse(img, a3, inv3, f, b, t, u) -> None:
        """``f`` = ``f`` + a (I - a ``f`` - (1 - a) ``b``), clipped to 0-255."""
        cv2.multiply(f, a3, dst=t)
        cv2.subtract(img, t, dst=t)
        cv2.multiply(b, inv3, dst=u)
        cv2.subtract(t, u, dst=t)
        cv2.multiply(t, a3, dst=t)
        cv2.add(f, t, dst=f)
        np.clip(f, 0, 255, out=f)

    @staticmethod
    def _pass(img, fg, bg, a, ba, a3, inv3, t, u, d, f_out, b_out, k: int, fuse: bool = True) -> None:
        """One blur-fusion pass: ``b_out`` = B blurred (weighted by 1 - a), ``f_out`` = F
        (``fg`` and ``bg`` may be ``f_out`` and ``b_out``: each is read before it is written);
        without ``fuse``, ``f_out`` = F blurred (weighted by a)."""
        box = (k, k)
        cv2.blur(a, box, dst=ba)
        cv2.merge((ba, ba, ba), dst=d)
        # B_blur = blur(B (1 - a)) / (1 - blur(a))
        cv2.multiply(bg, inv3, dst=t)
        cv2.blur(t, box, dst=t)
        np.subtract(np.float32(1 + _EPS), d, out=u)
        cv2.divide(t, u, dst=b_out)
        # F_blur = blur(F a) / blur(a)
        cv2.multiply(fg, a3, dst=t)
        cv2.blur(t, box, dst=t)
        d += np.float32(_EPS)
        cv2.divide(t, d, dst=f_out)  # (fg read above)
        if fuse:
            Decontaminator._fuse(img, a3, inv3, f_out, b_out, t, u)
