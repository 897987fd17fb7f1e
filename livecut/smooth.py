"""Temporal smoothing of the video mask: no flicker on a still scene, no trail behind motion.

Per frame:

1. *Motion* is measured at a reduced size (long side ``MOTION_SIZE``): the absolute
   difference of the blurred gray frame (or of the map of its detail, whichever is larger:
   a textured subject over a background of its average colour) with a running average of the image (updated
   with the same per-pixel rates as the mask, so a slow subject accumulates a
   difference where the mask lags), spread by ``smooth.motion_spread`` of the width (a
   5x5 box filter, then a dilation) so it covers the subject's old and new place and the
   mask around it.
2. The soft mask is an exponential moving average whose *rate* is per pixel:
   ``smooth.rate`` where nothing moves, rising to ``smooth.motion_rate`` where the
   change reaches ``smooth.motion_threshold`` -- a still scene is averaged over
   many frames (sensor noise cancels), a moving subject is followed at once.
3. *Hysteresis* on the binary decision (alpha >= 128): a pixel switches on above
   ``128 + hysteresis*255`` and off below ``128 - hysteresis*255``; between the two
   it keeps its previous state (the soft value is clamped to that side of 128).
4. *Settling*: where the incoming mask has disagreed with the smoothed decision (or
   stayed more than ``SETTLE_LEVELS`` from the smoothed value: a ghost half faded, a
   new subject at 80 %) over a thick region for ``smooth.settle`` judged frames in a row
   (a judgement served again, ``judged=False``, is not counted again), it
   is taken as is there, the region's edge included
   -- a ghost left where a subject was, or a real change in a still area, goes
   after a fixed short delay instead of the slow still-scene average.  Where the
   incoming mask is 0 or 255, a value within ``SETTLE_LEVELS`` of it is taken at once,
   and where it is 0 for ``smooth.settle`` frames in a row, any value below the cut
   (the thin outline of a subject that left, translucent cracks in one that came).
5. A *scene cut* (mean change above ``smooth.scene_cut``) resets the average (and the
   runs of frames settling counts).

All buffers are allocated on the first frame (or when the size changes); the
full-size work is a handful of OpenCV passes over preallocated arrays.
"""

from __future__ import annotations

import dataclasses
import numbers

import cv2
import numpy as np

from livecut.config import Config, SmoothConfig, section_config
from livecut.errors import ConfigTypeError
from livecut.frames import as_bgr, check_alpha

__all__ = ["MaskSmoother"]

#: regions of disagreement thinner than this (fraction of the long side) never settle
SETTLE_WIDTH = 0.02
#: the incoming mask also disagrees where it is this many levels (of 255) from the smoothed
#: one on the same side of the decision: a ghost fading at the still-scene rate, a subject
#: that stays at 80 % (32: an eighth of full opacity, plainly visible over a blurred background)
SETTLE_LEVELS = 32
#: long side of the image motion is measured on
MOTION_SIZE = 160
#: gray-level change (at the reduced size) below which nothing counts as moving
NOISE_FLOOR = 1.5
#: Gaussian kernel (pixels at MOTION_SIZE; sigma 1.4) smoothing the map of the image's detail
#: whose change counts as motion too (MaskSmoother._texture).  Chosen on the tune split's clips
#: (tools/clip_metrics.py --split tune) against a textured subject moving over a blurred
#: background of its average colour: kernel 3 / 7 / 11 -- pans' flicker +11 / +4 / +2 %
#: over no detail map, such a subject's IoU at 5 px a frame 0.90 / 0.90 / 0.89 (0.62 without)
TEXTURE_BLUR = 7
#: long side of the coarse view a hold compares frames by (layout and colour of the
#: scene, not its detail: defocus leaves it nearly as it was, a cut or a pan does not)
VIEW_SIZE = 32
#: coarse views correlated at least this much (zero-mean normalised) show the same scene.
#: Measured on 120 fitting photos of cuhk-native at VIEW_SIZE: a photo against itself blurred
#: by a sigma of 0.5-3 % of its long side and exposed 0.8-1.25x, 0.89 at the least; against
#: another photo, 0.59 at the most -- this is the middle
SAME_VIEW = 0.75
#: a coarse view with less contrast than this (standard deviation, gray levels) is flat (a
#: blank wall, a black frame): two flat views are alike when their brightness is within this
FLAT_VIEW = 4.0
_SQUARE = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


def _extend_runs(runs: np.ndarray, where: np.ndarray) -> None:
    """Per pixel, frames in a row of some condition: ``runs + 1`` where ``where`` is 255
    (saturating at 255), 0 where it is 0."""
    cv2.bitwise_and(runs, where, dst=runs)
    cv2.add(runs, 1, dst=runs, mask=where)


class MaskSmoother:
    """``smoother(alpha, frame) -> alpha`` (an internal buffer, reused by the next call).

    ``alpha`` is HxW uint8; ``frame`` the picture it belongs to, of its size or another
    (the motion is measured on it reduced): BGR uint8, or what :meth:`Segmenter.mask` takes
    (gray, BGRA, 16-bit, floating point), converted first.  Given to a
    :class:`~livecut.segment.Segmenter` as ``temporal``, it gets the frames at the
    working size.  One per video, as the Segmenter (:meth:`reset` between videos); not
    thread-safe.

    ``smoother(alpha, frame, judged=False)``: ``alpha`` is an earlier frame's judgement
    served again (the Segmenter says so for ``segment.every`` / ``segment.still``): the
    image the motion is measured against stays the one that judgement saw, so a change
    between judged frames (a subject that jumped) is still a change at the next judgement,
    taken at once, instead of a change in a still area that waits ``smooth.settle`` frames.
    """

    def __init__(self, config: Config | SmoothConfig | None = None):
        self.cfg = section_config(config, SmoothConfig, "MaskSmoother")
        self.rate = self.cfg.rate  # adjustable at run time (preview keys [ and ]; see rate)
        self._shape: tuple[int, int] | None = None
        self.resets = 0
        #: frames for which the last mask was held (nothing in focus)
        self.held = 0
        self._held_run = 0  # frames in a row given to hold() (held or, past smooth.hold, not)
        self._settled_run = 0  # frames of a hold in a row that were alike the frame before
        #: mean motion (0-255) of the last frame, for diagnostics
        self.last_motion = 0.0

    @property
    def rate(self) -> float:
        """The base rate on a still scene (``smooth.rate``), adjustable at run time (the
        preview's keys [ and ]): a number from 0.01 to 1, as the configuration takes it;
        another is a :class:`~livecut.errors.ConfigError` when set (a string was a bare
        TypeError at the next frame, -1 or NaN a mask of 1 or 0 where the frames had 255)."""
        return self._base_rate

    @rate.setter
    def rate(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ConfigTypeError(f"MaskSmoother.rate {value!r}: expected a number, as smooth.rate takes")
        # (the range is smooth.rate's, checked as the configuration checks it: NaN is refused too)
        self._base_rate = dataclasses.replace(self.cfg, rate=float(value)).rate

    def reset(self) -> None:
        self._have_prev = False
        self._held_run = 0

    def _prepare(self, h: int, w: int) -> None:
        self._shape = (h, w)
        s = min(1.0, MOTION_SIZE / max(h, w))
        self._sw, self._sh = max(4, int(round(w * s))), max(4, int(round(h * s)))
        self._small = np.empty((self._sh, self._sw, 3), np.uint8)
        self._gray = np.empty((self._sh, self._sw), np.float32)
        self._prev = np.empty_like(self._gray)
        self._ref = np.empty_like(self._gray)
        self._diff = np.empty_like(self._gray)
        self._rate_small = np.empty_like(self._gray)
        self._tex = np.empty_like(self._gray)
        self._tex_ref = np.empty_like(self._gray)
        self._tex_diff = np.empty_like(self._gray)
        self._tex_bufs: dict = {}  # the frame's gray and its Laplacian, by the frame's size
        self._rate = np.empty((h, w), np.float32)
        self._acc = np.empty((h, w), np.float32)
        self._cur = np.empty((h, w), np.float32)
        self._out = np.empty((h, w), np.uint8)
        self._state = np.empty((h, w), np.uint8)
        self._hi = np.empty((h, w), np.uint8)
        self._lo = np.empty((h, w), np.uint8)
        self._count = np.zeros((h, w), np.uint8)  # consecutive frames of disagreement (thick regions)
        self._runs = np.zeros((h, w), np.uint8)  # ... of each pixel's own disagreement
        self._zeros = np.zeros((h, w), np.uint8)  # consecutive frames of incoming 0
        self._faint = np.empty((h, w), np.uint8)
        ks = max(3, int(round(SETTLE_WIDTH * max(h, w))) | 1)
        self._settle_kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (ks, ks))
        self._settle_square = cv2.getStructuringElement(cv2.MORPH_RECT, (ks, ks))
        # the motion's spread (smooth.motion_spread of the width): a dilation by an octagon of
        # that radius, made of 3x3 squares then 3x3 crosses -- the disk's reach along the axes,
        # 6 % more along the diagonals (a pixel at the default spread), at a tenth of an
        # elliptic kernel's time
        r = max(0, int(round(self.cfg.motion_spread * self._sw)))
        self._spread = (r // 2, r - r // 2)
        v = VIEW_SIZE / max(self._sw, self._sh)
        view_hw = (max(2, int(round(self._sh * v))), max(2, int(round(self._sw * v))))
        # the coarse views of a hold: the last frame smoothed, the frame before, this one
        self._view_held, self._view_prev, self._view = (np.empty(view_hw, np.float32) for _ in range(3))
        self._have_prev = False

    def _small_gray(self, frame: np.ndarray) -> np.ndarray:
        """``frame`` (BGR uint8) reduced to the small size (into ``_small``), as gray uint8."""
        cv2.resize(frame, (self._sw, self._sh), dst=self._small, interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(self._small, cv2.COLOR_BGR2GRAY)

    def _texture(self, frame: np.ndarray) -> None:
        """``_tex`` = the frame's detail (absolute Laplacian of its gray, at the frame's own
        size) reduced to the small size.  A textured subject that moves over a background of
        the same average colour changes the small gray image little (its texture is averaged
        away there) but this map much: its sharp detail comes and goes."""
        h, w = frame.shape[:2]
        b = self._tex_bufs
        if b.get("hw") != (h, w):
            b.clear()
            b.update(hw=(h, w), gray=np.empty((h, w), np.uint8), lap=np.empty((h, w), np.int16),
                     abs=np.empty((h, w), np.uint8), small=np.empty((self._sh, self._sw), np.uint8))
        cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY, dst=b["gray"])
        cv2.Laplacian(b["gray"], cv2.CV_16S, dst=b["lap"])
        cv2.convertScaleAbs(b["lap"], dst=b["abs"])
        cv2.resize(b["abs"], (self._sw, self._sh), dst=b["small"], interpolation=cv2.INTER_AREA)
        self._tex[...] = b["small"]
        # (smoothed more than the gray: the detail of a region, not of each pixel -- a pan's
        # sub-pixel shifts of fine texture are not motion of a subject; TEXTURE_BLUR)
        cv2.GaussianBlur(self._tex, (TEXTURE_BLUR, TEXTURE_BLUR), 0, dst=self._tex)

    def _motion(self, frame: np.ndarray, judged: bool = True) -> float:
        """Per-pixel rate map at the small size from the image change; returns the mean change.
        ``judged``: the mask is this frame's (not an earlier judgement reused), so the image
        reference moves to it."""
        g = self._gray
        g[...] = self._small_gray(frame)
        cv2.GaussianBlur(g, (3, 3), 0, dst=g)
        self._texture(frame)
        if not self._have_prev:
            self._prev[...] = g
            self._ref[...] = g
            self._tex_ref[...] = self._tex
            return float("inf")
        cv2.absdiff(g, self._prev, dst=self._diff)
        mean = float(cv2.mean(self._diff)[0])  # frame-to-frame change: scene cuts
        self._prev[...] = g
        # change against the image the smoothed mask reflects (an EMA of the image with the
        # same rates): a slow subject accumulates a difference where the mask lags behind
        cv2.absdiff(g, self._ref, dst=self._diff)
        # ... or of its detail (a textured subject over a background of its average colour)
        cv2.absdiff(self._tex, self._tex_ref, dst=self._tex_diff)
        cv2.max(self._diff, self._tex_diff, dst=self._diff)
        cv2.blur(self._diff, (5, 5), dst=self._diff)
        squares, crosses = self._spread
        if squares:
            cv2.dilate(self._diff, _SQUARE, dst=self._diff, iterations=squares)
        if crosses:
            cv2.dilate(self._diff, _CROSS, dst=self._diff, iterations=crosses)
        # rate = rate + (motion_rate - rate) * clip(diff / threshold, 0, 1)
        cfg = self.cfg
        lo, hi = self.rate, max(self.rate, cfg.motion_rate)
        # changes below NOISE_FLOOR gray levels are sensor/codec noise, not motion
        cv2.subtract(self._diff, NOISE_FLOOR, dst=self._diff)
        cv2.multiply(self._diff, 1.0 / cfg.motion_threshold, dst=self._rate_small)
        cv2.min(self._rate_small, 1.0, dst=self._rate_small)
        cv2.max(self._rate_small, 0.0, dst=self._rate_small)
        cv2.multiply(self._rate_small, hi - lo, dst=self._rate_small)
        cv2.add(self._rate_small, lo, dst=self._rate_small)
        if not judged:  # (the mask reflects an earlier image: the reference stays with it)
            return mean
        # ref += rate * (g - ref)
        for img, ref in ((g, self._ref), (self._tex, self._tex_ref)):
            cv2.subtract(img, ref, dst=self._diff)
            cv2.multiply(self._diff, self._rate_small, dst=self._diff)
            cv2.add(ref, self._diff, dst=ref)
        return mean

    def _settle(self, alpha: np.ndarray) -> None:
        """Where the incoming mask has disagreed with the smoothed decision for
        ``smooth.settle`` frames in a row, take the incoming value: a real change in a
        still area (or a ghost left by a passing subject) is adopted after a short,
        fixed delay instead of the slow still-scene average; one-frame flicker never
        lasts that long."""
        cv2.threshold(alpha, 127, 255, cv2.THRESH_BINARY, dst=self._hi)
        cv2.compare(self._hi, self._state, cv2.CMP_NE, dst=self._lo)   # 255 where they disagree
        # ... or where the soft values are far apart (a ghost fading at the still-scene rate)
        cv2.convertScaleAbs(self._acc, dst=self._hi)
        cv2.absdiff(alpha, self._hi, dst=self._hi)
        cv2.threshold(self._hi, SETTLE_LEVELS, 255, cv2.THRESH_BINARY, dst=self._hi)
        cv2.bitwise_or(self._lo, self._hi, dst=self._lo)
        _extend_runs(self._runs, self._lo)
        # only thick regions of disagreement (a whole object, not a jittering edge)
        cv2.erode(self._lo, self._settle_kernel, dst=self._hi)
        _extend_runs(self._count, self._hi)                           # agreement resets the count
        cv2.compare(self._count, self.cfg.settle, cv2.CMP_GE, dst=self._hi)
        if cv2.countNonZero(self._hi):
            # the region settles whole: the erosion's margin grown back (by the kernel's square,
            # which reaches the corners the disk cut off too) where it has disagreed as long --
            # else a rim the kernel's radius wide was left to the still-scene rate (the old
            # subject's outline on for 35 frames more, the new one's border off for 54), while a
            # jittering edge beside it, not steadily off, is still averaged
            cv2.dilate(self._hi, self._settle_square, dst=self._hi)
            cv2.compare(self._runs, self.cfg.settle, cv2.CMP_GE, dst=self._lo)
            cv2.bitwise_and(self._hi, self._lo, dst=self._hi)
            settled = self._hi > 0
            self._acc[settled] = alpha[settled]
            self._count[settled] = 0
            self._runs[settled] = 0

    def _clear_residue(self, alpha: np.ndarray) -> None:
        """Where the incoming mask is exactly 0, take the 0 if the smoothed value is faint
        (under SETTLE_LEVELS), or below the cut after ``smooth.settle`` frames of 0 in a
        row; where it is exactly 255, take the 255 if the smoothed value is within
        SETTLE_LEVELS of it.  The residue of a subject that left (a thin outline, a
        half-faded part: settling takes thick, far-off regions only) goes, and a subject
        that came has no translucent cracks, instead of fading at the still-scene rate
        over seconds.  Elsewhere (soft edges, an alpha that flickers) the average is as
        before.  (Taking 255 after a run of 255s too made a flickering mask flicker more.)"""
        acc, now, tmp, take = self._acc, self._lo, self._hi, self._faint
        cv2.compare(alpha, 0, cv2.CMP_EQ, dst=now)
        _extend_runs(self._zeros, now)                              # another value resets the run
        cv2.compare(self._zeros, self.cfg.settle, cv2.CMP_GE, dst=take)
        cv2.compare(acc, 128.0, cv2.CMP_LT, dst=tmp)
        cv2.bitwise_and(take, tmp, dst=take)                        # steadily 0, below the cut
        cv2.compare(acc, float(SETTLE_LEVELS), cv2.CMP_LT, dst=tmp)
        cv2.bitwise_and(tmp, now, dst=tmp)                          # 0 now, faint
        cv2.bitwise_or(take, tmp, dst=take)
        acc[take.view(bool)] = 0.0
        cv2.compare(alpha, 255, cv2.CMP_EQ, dst=now)
        cv2.compare(acc, 255.0 - SETTLE_LEVELS, cv2.CMP_GT, dst=tmp)
        cv2.bitwise_and(tmp, now, dst=tmp)                          # 255 now, nearly opaque
        acc[tmp.view(bool)] = 255.0

    def hold(self, alpha: np.ndarray, frame: np.ndarray) -> np.ndarray:
        """The last smoothed mask, unchanged (a frame with nothing in focus: a whip pan, a
        focus hunt); ``alpha`` itself before any frame was smoothed.  For at most
        ``smooth.hold`` frames in a row: a camera that stays defocused, or a subject that
        left a blurred background behind, then has ``alpha`` smoothed in as any other
        frame's (the mask empties within ``smooth.settle`` frames), not the ghost of the
        last subject for ever.  Nor once the picture shows another scene and has settled
        there (:meth:`_view_changed`: a cut, or a pan that ended, to a view with nothing in
        focus): ``alpha`` is then taken (as after a scene cut) instead of the last subject's
        ghost held over another picture for ``smooth.hold`` frames."""
        check_alpha(alpha, empty=False)
        if self._shape != alpha.shape[:2] or not self._have_prev:
            return alpha
        ended = self._held_run >= self.cfg.hold
        if not ended and self._view_changed(frame):
            ended = True
            self._have_prev = False  # another scene: start over from this mask, as after a cut
            self.resets += 1
        if ended:
            out = self(alpha, frame)
            self._held_run = self.cfg.hold  # (still in the run: __call__ ended it)
            return out
        self._held_run += 1
        self.held += 1
        return self._out

    def _coarse_view(self, gray: np.ndarray, dst: np.ndarray) -> tuple[float, float]:
        """``dst`` = the small gray image reduced to the coarse view; its (mean, deviation)."""
        dst[...] = cv2.resize(gray, dst.shape[::-1], interpolation=cv2.INTER_AREA)
        mean, dev = cv2.meanStdDev(dst)
        return float(mean[0, 0]), float(dev[0, 0])

    @staticmethod
    def _alike(a: np.ndarray, sa: tuple[float, float], b: np.ndarray, sb: tuple[float, float]) -> bool:
        """Whether coarse views ``a`` and ``b`` (with their mean and deviation) show one scene."""
        flat_a, flat_b = sa[1] < FLAT_VIEW, sb[1] < FLAT_VIEW
        if flat_a or flat_b:
            return flat_a and flat_b and abs(sa[0] - sb[0]) < FLAT_VIEW
        ncc = cv2.matchTemplate(a, b, cv2.TM_CCOEFF_NORMED)[0, 0]
        return bool(ncc >= SAME_VIEW)

    def _view_changed(self, frame: np.ndarray) -> bool:
        """For a frame given to :meth:`hold`: whether the picture has left the scene of the last
        frame smoothed and stayed on its new view for ``smooth.settle`` frames (its coarse view
        unlike that frame's, and alike the frame before's that many times in a row).  A focus
        hunt or a subject gone out of focus leaves the coarse view as it was; a whip pan holds
        until the camera rests."""
        if self._held_run == 0:  # the hold begins: the scene it holds the mask of
            self._held_stats = self._coarse_view(self._gray, self._view_held)
            self._prev_stats = self._held_stats
            self._view_prev[...] = self._view_held
            self._settled_run = 0
        stats = self._coarse_view(self._small_gray(as_bgr(frame)), self._view)
        settled = self._alike(self._view, stats, self._view_prev, self._prev_stats)
        self._settled_run = self._settled_run + 1 if settled else 0
        self._view_prev[...] = self._view
        self._prev_stats = stats
        return (self._settled_run >= max(1, self.cfg.settle)
                and not self._alike(self._view, stats, self._view_held, self._held_stats))

    def __call__(self, alpha: np.ndarray, frame: np.ndarray, *, judged: bool = True) -> np.ndarray:
        check_alpha(alpha, empty=False)
        self._held_run = 0
        # (a gray or BGRA frame left the motion buffer unwritten: no motion, no scene cut)
        frame = as_bgr(frame)
        h, w = alpha.shape[:2]
        if self._shape != (h, w):
            self._prepare(h, w)
        cfg = self.cfg
        mean = self._motion(frame, judged)
        self.last_motion = mean
        cur = self._cur
        cur[...] = alpha
        if mean == float("inf") or mean > cfg.scene_cut:
            # first frame or scene cut: start over from this mask
            if mean != float("inf"):
                self.resets += 1
            self._have_prev = True
            self._acc[...] = cur
            self._ref[...] = self._gray
            self._tex_ref[...] = self._tex
            # the runs of disagreement and of zeros were counted against the old mask
            self._count[...] = 0
            self._runs[...] = 0
            self._zeros[...] = 0
            cv2.threshold(alpha, 127, 255, cv2.THRESH_BINARY, dst=self._state)
            self._out[...] = alpha
            return self._out
        # EMA with a per-pixel rate: acc += rate * (alpha - acc)
        cv2.resize(self._rate_small, (w, h), dst=self._rate, interpolation=cv2.INTER_LINEAR)
        cv2.subtract(cur, self._acc, dst=cur)
        cv2.multiply(cur, self._rate, dst=cur)
        cv2.add(self._acc, cur, dst=self._acc)
        if cfg.settle > 0:
            if judged:  # (a judgement served again is the same evidence: not counted again)
                self._settle(alpha)
            self._clear_residue(alpha)
        out = self._out
        np.copyto(out, self._acc, casting="unsafe")  # acc stays within 0..255
        band = cfg.hysteresis * 255.0
        # state = (out >= hi) | (state & (out >= lo)); with no band, out >= 128 (the state is
        # the smoothed decision settling compares with: it is kept up to date in any case)
        cv2.threshold(out, min(254.0, 127.5 + band), 255, cv2.THRESH_BINARY, dst=self._hi)
        cv2.threshold(out, max(0.0, 127.5 - band), 255, cv2.THRESH_BINARY, dst=self._lo)
        cv2.bitwise_and(self._state, self._lo, dst=self._state)
        cv2.bitwise_or(self._state, self._hi, dst=self._state)
        if band > 0:  # keep the soft value on the side of 128 the state says
            cv2.bitwise_and(self._state, 128, dst=self._lo)       # 128 where on, 0 where off
            cv2.max(out, self._lo, dst=out)
            cv2.bitwise_or(self._state, 127, dst=self._hi)        # 255 where on, 127 where off
            cv2.min(out, self._hi, dst=out)
        return out
