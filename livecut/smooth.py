"""Temporal smoothing of the video mask: no flicker on a still scene, no trail behind motion.

Per frame:

1. *Motion* is measured at a reduced size (long side ``MOTION_SIZE``): the absolute
   difference of the blurred gray frame (or of the map of its detail, whichever is larger:
   a textured subject over a background of its average colour) with a running average of the image (updated
   with the same per-pixel rates as the mask, so a slow subject accumulates a
   difference where the mask lags), spread by ``smooth.motion_spread`` of the width (a
   5x5 box filter, then a dilation, then a box filter as wide as the dilation's reach: no
   flat-topped steps) so it covers the subject's old and new place and the mask around it.
   On a *pan* (the picture moved as a whole: the median of the dense optical flow at that
   size, where the image has detail and over the whole frame alike) the smoothed mask is
   first moved with the picture (whole pixels; the strip the pan brings in is taken as
   judged) and the motion is measured against the last frame moved likewise, so only what
   moved otherwise -- a subject of its own motion, parallax -- counts; where nothing did,
   the rate is ``PAN_RATE`` (less on a slow pan: ``PAN_RATE_PER_PX``).
2. The soft mask is an exponential moving average whose *rate* is per pixel:
   ``smooth.rate`` where nothing moves, rising to ``smooth.motion_rate`` where the
   change reaches ``smooth.motion_threshold`` -- a still scene is averaged over
   many frames (sensor noise cancels), a moving subject is followed at once.
3. *Hysteresis* on the binary decision (alpha >= 128): a pixel switches on above
   ``128 + hysteresis*255`` and off below ``128 - hysteresis*255``; between the two
   it keeps its previous state (the soft value is clamped to that side of 128) -- but where
   the incoming mask has been 0 (or 255) for ``PLAIN_RUN`` judged frames in a row, the state
   follows the soft value across 128 itself (a fade shows no steps where some pixels were held at
   128 while their neighbours had left the band; a mask flickering between 0 and 255 is still held).
4. *Settling*: where the incoming mask has disagreed with the smoothed decision (or
   stayed more than ``SETTLE_LEVELS`` from the smoothed value: a ghost half faded, a
   new subject at 80 %) over a thick region for ``smooth.settle`` judged frames in a row
   (a judgement served again, ``judged=False``, is not counted again), it
   is taken as is there, its decision too (not kept by the hysteresis), the region's edge included
   -- a ghost left where a subject was, or a real change in a still area, goes
   after a fixed short delay instead of the slow still-scene average.  Where the
   incoming mask is 0 or 255, a value within ``SETTLE_LEVELS`` of it is taken at once,
   and where it is 0 for ``smooth.settle`` frames in a row, any value below the cut
   (the thin outline of a subject that left, translucent cracks in one that came).
5. A *scene cut* (mean change above ``smooth.scene_cut``; on a pan, from the last frame moved
   with the picture) resets the average (and the runs of frames settling counts).

Its times are those of a 25 fps video (``REF_FPS``): ``smooth.rate``, ``smooth.motion_rate`` and
``PAN_RATE`` are rates per frame there, ``smooth.settle`` and ``smooth.hold`` frames there; at another
frame rate (:attr:`MaskSmoother.fps`) they are made the same times (a rate r per 25 fps frame is
``1 - (1 - r) ** (25 / fps)`` a frame, N frames ``N * fps / 25``), so that a subject that leaves focus
leaves the mask as soon in seconds at 10 fps as at 60.  Frames given their times
(:meth:`MaskSmoother.at`) each last the time since the frame before (at most ``GAP_MAX``), not a
frame of the video's average rate: a variable frame rate keeps those times too.  (``segment.still`` /
``segment.every`` count frames, as the CPU they save does; a pan, ``PAN_MIN``, is told from the flow's
noise by its motion in a frame of 25 fps -- a shorter frame's is measured from an earlier frame at
least that long before it, ``PAN_PAST``, and its own the share of that one its time is.)

All buffers are allocated on the first frame (or when the size changes); the
full-size work is a handful of OpenCV passes over preallocated arrays.
"""

from __future__ import annotations

import collections
import dataclasses
import numbers
import threading

import cv2
import numpy as np

from livecut.config import Config, SmoothConfig, section_config
from livecut.errors import ConfigError, ConfigTypeError, FrameSizeError
from livecut.frames import FrameBuffers, as_bgr, check_alpha, check_flag
from livecut.threads import one_at_a_time

__all__ = ["MaskSmoother"]

#: regions of disagreement thinner than this (fraction of the long side) never settle
SETTLE_WIDTH = 0.02
#: the incoming mask also disagrees where it is this many levels (of 255) from the smoothed
#: one on the same side of the decision: a ghost fading at the still-scene rate, a subject
#: that stays at 80 % (32: an eighth of full opacity, plainly visible over a blurred background)
SETTLE_LEVELS = 32
#: judged frames in a row the incoming mask must have been the same plain value (0, or 255) before
#: the decision follows the smoothed value across 128 itself (see MaskSmoother._follow_evidence):
#: a judgement said three times in a row, which a mask flickering at random between 0 and 255 says
#: on a quarter of its frames (twice: on half of them, and the band held little)
PLAIN_RUN = 3
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
#: a hold whose mask was seen leaving the picture: over the last EXIT_FRAMES frames of 25 fps smoothed
#: before the hold, the whole mask touched one edge of the frame and its depth from that edge (to
#: its farthest pixel) shrank to EXIT_SHRINK of what it was or less -- a subject walking out, its
#: trailing edge coming to the border (one that goes out of focus where it is keeps its depth).
#: The hold then ends as for a subject that left (MaskSmoother._left) without comparing the held
#: mask's region: its last sliver, at the coarse view's size a pixel or two beside the unchanged
#: background, looked as the background there did, and was held for all of smooth.hold frames
#: (2 s).  30 synthetic exits through Segmenter (a textured ellipse over make_samples' defocused
#: backgrounds 11-51, out at either side, 4 / 8 / 16 px a frame at 640x360): 21 kept a sliver at
#: the edge for 1 s or more, 5 now (where the judged mask, widened by the background beside it,
#: stopped shrinking before its end).  4 frames: 2 of 30, but 3 of 20 subjects across the edge
#: defocused in place (disk blurs growing to 20 px) shrank as much and were no longer held; 2: all
#: 20 held as before
EXIT_FRAMES = 2
EXIT_SHRINK = 0.8
#: ... or over the last EXIT_LONG_FRAMES frames of 25 fps to EXIT_LONG_SHRINK or less: the judged mask
#: of a subject walking out, widened by the background beside it, can stop shrinking over its last 2
#: frames before it is judged to have nothing in focus (its depth 25 25 25 22 21 21 21 21 at 320 px
#: wide, 4 px a frame at 640x360), and that sliver was held for all of smooth.hold frames -- 4 of the 30
#: exits above (make_samples' backgrounds 21 and 51), 0 now, tools/video_metrics.py identical.  A
#: subject across the edge defocused in place keeps its depth (within a pixel or two over 8 frames:
#: 60 synthetic ones, disk blurs growing to 10-20 px over 10-50 frames, held as before)
EXIT_LONG_FRAMES = 8
EXIT_LONG_SHRINK = 0.85
#: (a hold that begins within EXIT_FRAMES frames of 25 fps of the end of one whose mask was seen
#: leaving is taken as its own: the sliver judged again in between, the background beside it taken
#: with it, had grown back, and the second hold held it for smooth.hold frames -- 2 of the 30 exits)
#: pans are followed (MaskSmoother._pan): the smoothed mask is moved with the picture first,
#: then averaged where nothing else moved, at PAN_RATE -- before, everything moved on a pan, the
#: rate rose to smooth.motion_rate everywhere and the mask was each frame's judgement nearly as
#: it was, regions the network flipped from frame to frame flickering
FOLLOW_PANS = True
#: on a pan, the rate where the picture moved as a whole (at least; smooth.rate if higher).
#: Chosen on the tune split's clips (tools/clip_metrics.py --split tune --kinds slow_pan,pan:
#: 0.5 and 3 px a frame at 1280x720); the change beyond the pan's own motion ("moved") and IoU:
#:   not followed       0.00405 / 0.01352   IoU 0.7593 / 0.7795
#:   PAN_RATE 0.02      0.00276 / 0.00609   IoU 0.7597 / 0.7798   (smooth.rate: as a still scene)
#:   PAN_RATE 0.1       0.00329 / 0.00667   IoU 0.7594 / 0.7804
#:   PAN_RATE 0.2       0.00416 / 0.00764   IoU 0.7594 / 0.7809
#: 0.1: most of the gain, with a memory of about 10 frames, not 50 -- the shipped pan clip,
#: motion-blurred while it sweeps, judged differently from frame to frame, was held near the
#: sweep's first judgement at 0.02 (IoU during the sweep 0.849 not followed, 0.825 / 0.834 /
#: 0.844 at 0.02 / 0.1 / 0.2; the mask's area changed 1796 / 95 / 180 / 288 px a frame)
PAN_RATE = 0.1
#: ... and on a slower pan at most this many times its motion a frame (pixels of the motion
#: size): a pan of 0.5 px a frame at 1280x720 (0.0625 px there) is averaged at smooth.rate,
#: one of 3 px (0.375) at 0.094.  On the same tune clips as above (PAN_RATE 0.1), 0 (off) /
#: 0.25 / 0.5: moved 0.00283 / 0.00206 / 0.00215 and 0.00615 / 0.00610 / 0.00615, IoU 0.7595 /
#: 0.7599 / 0.7598 and 0.7804 / 0.7805 / 0.7804
PAN_RATE_PER_PX = 0.25
#: a pan: the image moved as a whole between frames (the median of the dense optical flow at
#: the motion size) by at least this many of its pixels (on a tripod, sensor noise moves that
#: median by 0.003 px rms at 1280x720; a pan of 0.5 px a frame there is 0.0625) ...
PAN_MIN = 0.05
#: (in a frame of 25 fps: a frame that lasts less -- 50 / 60 fps -- is measured from the last frame
#: at least that long before it, up to PAN_PAST frames back, and its share of that motion taken as
#: its own; a slow pan at 60 fps, 0.4 of its motion at 25 fps a frame, fell below PAN_MIN and was
#: not followed where at 25 fps it was) ...
PAN_PAST = 8
#: ... (HOLD_PAN_MIN while the mask is held, MaskSmoother.hold: the frames have nothing in focus,
#: and a focus hunt's blur coming and going moved that median by up to 0.12 px -- synthetic
#: scenes blurred 3-15 px; 0.5 is 4 px a frame at 1280x720, a whip pan's many times that) ...
HOLD_PAN_MIN = 0.5
#: ... with at least this share of its pixels within PAN_SPREAD pixels of that motion (not a
#: subject of its own motion over a still scene, nor a fast zoom: a slow one, 1 % a frame off
#: the centre, passes and is followed as a pan)
PAN_SHARE = 0.5
PAN_SPREAD = 1.0
#: ... and the median where the image has detail (its detail map at or above its mean) within
#: this share of that motion of the median of the whole frame
PAN_AGREE = 0.25
#: the frame rate the smoothing's rates and frame counts are given for (smooth.rate, smooth.settle,
#: smooth.hold, PAN_RATE ...): at another rate (MaskSmoother.fps) they are scaled to the same times
REF_FPS = 25.0
#: frames given their times (:meth:`MaskSmoother.at`: a variable frame rate -- a phone's clip that
#: drops to 15 fps in low light, holds one picture for 2 s, a stream's frames that come unevenly):
#: each is taken to last the time since the frame before, not the video's average, but at most
#: this long (seconds; 5 frames of 25 fps, a 5 fps video's frame) -- after a longer pause the next
#: judgement alone moves a still area's mask at most a tenth of the way (24 levels at smooth.rate:
#: not across the hysteresis band), and never settles nor ends a hold alone (as 2 s would: a
#: still area 64 % of the way, a region one judgement flipped wrongly shown until it settled back)
GAP_MAX = 0.2
#: ... at least this share of a frame of the video's rate (a burst of frames 1 ms apart: the
#: runs of frames, counted to 255, still reach smooth.settle and smooth.hold)
GAP_MIN = 0.125
#: ... and a frame within this share of the video's frame (timestamps rounded to the
#: millisecond, a camera's jitter) is taken as one of its frames: a constant frame rate is
#: smoothed as by its rate alone
GAP_SNAP = 0.1
_SQUARE = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


def _extend_runs(runs: np.ndarray, where: np.ndarray) -> None:
    """Per pixel, frames in a row of some condition: ``runs + 1`` where ``where`` is 255
    (saturating at 255), 0 where it is 0."""
    cv2.bitwise_and(runs, where, dst=runs)
    cv2.add(runs, 1, dst=runs, mask=where)


def _check_picture(alpha: np.ndarray, frame: np.ndarray) -> None:
    """Refuse a ``frame`` whose shape is not ``alpha``'s picture at another size (within two of
    the mask's pixels of rounding): a frame turned against its mask (1080x1920 with a 180x320
    mask), or cropped, had its motion measured over other parts of the picture than the
    mask's pixels -- a subject's motion read where the background is, and the reverse."""
    h, w = alpha.shape[:2]
    fh, fw = frame.shape[:2]
    if abs(fw * h - fh * w) > 2 * (fw + fh):
        raise FrameSizeError(f"MaskSmoother: the frame is {fw}x{fh} and the mask {w}x{h}: not the same "
                             f"picture (a frame turned or cropped against its mask?); give the frame the "
                             f"mask belongs to, at its size or another of the same shape")


class MaskSmoother:
    """``smoother(alpha, frame) -> alpha`` (an internal buffer, reused by the next call).

    ``alpha`` is HxW uint8; ``frame`` the picture it belongs to, of its size or another of
    the same shape (the motion is measured on it reduced; a frame of another shape, turned or
    cropped against the mask, is a FrameSizeError): BGR uint8, or what :meth:`Segmenter.mask` takes
    (gray, BGRA, 16-bit, floating point; ``bits=10`` / ``12`` for uint16 frames of 10- or
    12-bit video, as there), converted first.  Given to a
    :class:`~livecut.segment.Segmenter` as ``temporal``, it gets the frames at the
    working size.  One per video, as the Segmenter (:meth:`reset` between videos); not
    thread-safe: a call (or :meth:`hold`) while another thread's call of the same instance is in
    progress is a :class:`~livecut.errors.UsageError`.

    ``smoother(alpha, frame, judged=False)``: ``alpha`` is an earlier frame's judgement
    served again (the Segmenter says so for ``segment.every`` / ``segment.still``): the
    image the motion is measured against stays the one that judgement saw (on a pan, moved
    with the picture), so a change between judged frames (a subject that jumped) is still a
    change at the next judgement, taken at once, instead of a change in a still area that
    waits ``smooth.settle`` frames.  A scene cut on such a frame starts over from ``alpha`` (the
    old scene's judgement) and again at the next frame: the new scene's judgement is taken at once.
    """

    def __init__(self, config: Config | SmoothConfig | None = None, fps: float | None = None):
        self.cfg = section_config(config, SmoothConfig, "MaskSmoother")
        self.fps = fps
        self.rate = self.cfg.rate  # adjustable at run time (preview keys [ and ]; see rate)
        # (frames given their times, see at: the next frame's, the last frame's, and what the frame
        # smoothed lasts in frames of the video's rate; what the last judged frames, and the last
        # frames whose zeros were counted, lasted -- the runs' limits, see _run_frames)
        self._t_next: float | None = None
        self._t_last: float | None = None
        self._q = 1.0
        self._q_judged: collections.deque = collections.deque(maxlen=255)
        self._q_zeros: collections.deque = collections.deque(maxlen=255)
        self._in_hold = False  # (within hold's call of __call__: the frame's time already taken)
        self._held_q = 0.0  # frames of the video's rate the hold has lasted (see hold)
        self._settled_q = 0.0  # ... of a hold in a row alike the frame before (see _view_changed)
        self._shape: tuple[int, int] | None = None
        #: the masks are 4x1 columns, smoothed as the 1x4 rows they are turned to (see __call__):
        #: a change between the two is a change of shape, the state not carried over
        self._turned = False
        self._turning = False  # (within the call that smooths a column as its row)
        self.resets = 0
        #: frames for which the last mask was held (nothing in focus)
        self.held = 0
        self._held_run = 0  # frames in a row given to hold() (held or, past smooth.hold, not)
        self._settled_run = 0  # frames of a hold in a row that were alike the frame before
        #: mean motion (0-255) of the last frame, for diagnostics
        self.last_motion = 0.0
        #: the whole pixels the smoothed mask was moved with the picture on the last frame (a pan),
        #: or None (not a pan; a held frame)
        self.last_pan: tuple[int, int] | None = None
        # (a gray, BGRA, 16-bit or float frame as BGR uint8: converted into new full-size arrays
        # at every call, as the Segmenter's and the Compositor's were)
        self._converted = FrameBuffers()
        #: held while a frame is smoothed (:func:`~livecut.threads.one_at_a_time`; a hold's
        #: call of __call__, a 4x1 mask's of itself, within it)
        self._busy = threading.RLock()

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

    @property
    def fps(self) -> float | None:
        """The frame rate of the video smoothed (None: 25 fps, ``REF_FPS``): the configuration's
        rates and frame counts are for 25 fps, and are scaled to the same times at this rate (a
        subject that left focus, 6 frames at 25 fps, leaves the mask in 0.24 s at 10 fps too, 2
        frames, not 0.6 s).  A number above 0, as a video's rate; another is a
        :class:`~livecut.errors.ConfigError`."""
        return self._fps

    @fps.setter
    def fps(self, value: float | None) -> None:
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ConfigTypeError(f"MaskSmoother.fps {value!r}: expected a frame rate (a number above 0) or None")
            value = float(value)
            if not (np.isfinite(value) and value > 0):
                raise ConfigError(f"MaskSmoother.fps {value!r}: expected a frame rate above 0 (or None: 25 fps)")
        self._fps = value
        #: frames of this rate a frame of 25 fps lasts (1: the configuration's values as they are)
        self._per = 1.0 if value is None else value / REF_FPS
        cfg = self.cfg
        # (the runs of frames are counted in uint8, saturating at 255)
        self._settle_n = self._frames(cfg.settle, 255)
        self._hold_n = self._frames(cfg.hold)

    def at(self, t: float | None) -> None:
        """The next frame given (to the call or :meth:`hold`) is shown at ``t`` seconds (its
        timestamp; None: not known).  Frames given their times are each taken to last the time
        since the frame before (at most GAP_MAX, at least GAP_MIN of a frame of :attr:`fps`, and
        one of its frames within GAP_SNAP of it), not a frame of the video's rate: the rates and
        frame counts are kept in seconds where the frames come unevenly (a variable frame rate:
        a phone's clip that drops to 15 fps in low light; a live source's frames, delayed or
        dropped).  A time not after the last frame's (a stream that starts its clock again) is
        a frame of :attr:`fps`.  Not a number: a :class:`~livecut.errors.ConfigError`."""
        if t is not None:
            if isinstance(t, bool) or not isinstance(t, numbers.Real) or not np.isfinite(t):
                raise ConfigTypeError(f"MaskSmoother.at {t!r}: expected a frame's time in seconds or None")
            t = float(t)
        self._t_next = t

    def _timing(self) -> None:
        """``_q`` = what the frame about to be smoothed lasts, in frames of the video's rate (see
        :meth:`at`; 1 where its time is not known)."""
        t, self._t_next = self._t_next, None
        last, self._t_last = self._t_last, t
        q = 1.0
        if t is not None and last is not None and t > last:
            q = (t - last) * (self._fps or REF_FPS)
            if abs(q - 1.0) <= GAP_SNAP:
                q = 1.0
            q = min(max(q, GAP_MIN), max(1.0, GAP_MAX * (self._fps or REF_FPS)))
        self._q = q

    @staticmethod
    def _run_frames(qs: collections.deque, n: int) -> int:
        """The frames a run must count to have lasted ``n`` frames of the video's rate: the fewest of
        the last frames (``qs``, what each lasted, the newest last) that last as long -- ``n`` for
        frames of that rate --, those to come taken as of that rate; at most 255 (the runs' count)."""
        if n <= 0:
            return 0
        total = 0.0
        i = 0
        for i, q in enumerate(reversed(qs), 1):
            total += q
            if total >= n - 1e-9:
                return min(255, i)
        return min(255, i + int(np.ceil(n - total)))

    def _frames(self, n: int, most: int | None = None) -> int:
        """``n`` frames of 25 fps as frames of this rate (0 stays 0, another at least 1)."""
        if n == 0 or self._per == 1.0:
            return n
        n = max(1, int(round(n * self._per)))
        return n if most is None else min(most, n)

    def _per_frame(self, rates: np.ndarray) -> None:
        """Rates per frame of 25 fps made, in place, rates per frame of this rate: the same average
        over time, ``1 - (1 - rate) ** (25 / fps)`` (1, no averaging, stays 1); to the power of
        ``_q`` more, a frame that lasts ``_q`` frames of this rate (see :meth:`at`)."""
        with np.errstate(divide="ignore"):  # (log(1 - 1) = -inf: the rate stays 1)
            np.negative(rates, out=rates)
            np.log1p(rates, out=rates)
        np.multiply(rates, self._q / self._per, out=rates)  # (and as long as this frame lasts)
        np.expm1(rates, out=rates)
        np.negative(rates, out=rates)

    def reset(self) -> None:
        self._have_prev = False
        if self._shape is not None:
            self._depths.clear()
            self._exiting = False
        self._held_run = 0
        self._held_q = 0.0
        self._t_next = self._t_last = None  # (another video: its first frame's time has no frame before)
        self.last_pan = None

    def _prepare(self, h: int, w: int) -> None:
        # (the size is set once all is made: a call that failed here -- a MemoryError, Ctrl-C --
        # left the buffers half made and the state the size before's, taken as made by the next
        # call of the size: smoothed into buffers never written, a mask of garbage)
        self._shape = None
        s = min(1.0, MOTION_SIZE / max(h, w))
        self._sw, self._sh = max(4, int(round(w * s))), max(4, int(round(h * s)))
        self._small = np.empty((self._sh, self._sw, 3), np.uint8)
        self._gray = np.empty((self._sh, self._sw), np.float32)
        self._prev = np.empty_like(self._gray)
        self._prev8 = np.empty((self._sh, self._sw), np.uint8)
        self._gray8 = np.empty_like(self._prev8)
        self._tex_prev = np.empty_like(self._gray)
        self._flow = np.zeros((self._sh, self._sw, 2), np.float32)
        # (the small grays of the last frames and what each lasted, in frames of 25 fps, the newest
        # last: a short frame's pan is measured from one a frame of 25 fps before it, see _pan)
        self._past: collections.deque = collections.deque()
        self._past_free = [np.empty_like(self._prev8) for _ in range(PAN_PAST + 1)]
        self._dis = self._new_flow()
        self._pan_left = [0.0, 0.0]  # the pan's motion not yet applied to the mask (its pixels)
        self.last_pan = None
        self._ref = np.empty_like(self._gray)
        self._diff = np.empty_like(self._gray)
        self._rate_small = np.empty_like(self._gray)
        self._tex = np.empty_like(self._gray)
        self._tex_ref = np.empty_like(self._gray)
        # (segment.every / segment.still: the references of the judgement served again, its small
        # gray, and whether the picture panned since)
        self._ref_judged = np.empty_like(self._gray)
        self._tex_ref_judged = np.empty_like(self._gray)
        self._judged8 = np.empty_like(self._prev8)
        self._flow_judged = np.zeros_like(self._flow)
        self._served = self._served_pan = False
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
        self._plain0 = np.zeros((h, w), np.uint8)  # consecutive judged frames of incoming 0
        self._plain255 = np.zeros((h, w), np.uint8)  # ... of incoming 255
        self._faint = np.empty((h, w), np.uint8)
        self._shifted = np.empty((h, w), np.uint8)  # (the judgement where the smoothed mask is, see __call__)
        ks = max(3, int(round(SETTLE_WIDTH * max(h, w))) | 1)
        self._settle_kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (ks, ks))
        self._settle_square = cv2.getStructuringElement(cv2.MORPH_RECT, (ks, ks))
        # the motion's spread (smooth.motion_spread of the width): a dilation by an octagon of
        # that radius, made of 3x3 squares then 3x3 crosses -- the disk's reach along the axes,
        # 6 % more along the diagonals (a pixel at the default spread), at a tenth of an
        # elliptic kernel's time
        r = max(0, int(round(self.cfg.motion_spread * self._sw)))
        self._spread = (r // 2, r - r // 2)
        # ... then a box filter as wide as that octagon (see _motion; 0: none)
        self._spread_blur = 2 * r + 1 if r else 0
        v = VIEW_SIZE / max(self._sw, self._sh)
        view_hw = (max(2, int(round(self._sh * v))), max(2, int(round(self._sw * v))))
        # the coarse views of a hold: the last frame smoothed, the frame before, this one
        self._view_held, self._view_prev, self._view = (np.empty(view_hw, np.float32) for _ in range(3))
        self._view_region = np.zeros(view_hw, np.uint8)  # where the held mask is (see _left)
        self._held_shift = [0.0, 0.0]  # the pan the held mask was moved with (pixels of the motion size)
        # (the last frames smoothed: what each lasted and its mask's depth from each edge, see _exit_seen)
        self._depths: collections.deque = collections.deque(maxlen=4 * EXIT_LONG_FRAMES + 1)
        self._exiting = False
        self._since_hold = 0.0  # (frames of the video's rate smoothed since the last hold, see _exit_seen)
        self._have_prev = False
        self._shape = (h, w)

    def _new_flow(self):
        """The dense optical flow of a pan (MaskSmoother._pan), None where the motion size is too
        small for it (under 32 pixels) or pans are not followed."""
        return (cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
                if min(self._sw, self._sh) >= 32 and FOLLOW_PANS else None)

    def __getstate__(self) -> dict:
        # (the optical flow, an OpenCV object, does not pickle: a bare TypeError for pickle.dumps
        # or copy.deepcopy of a smoother that had seen a frame, and of a Segmenter with it; it
        # keeps nothing from frame to frame, and is made again)
        state = self.__dict__.copy()
        state.pop("_dis", None)
        state.pop("_busy", None)  # (nor does the lock: a new one)
        state["_converted"] = FrameBuffers()  # (the last frame's conversion: no state, made again)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._busy = threading.RLock()
        if self._shape is not None:
            self._dis = self._new_flow()

    def __copy__(self) -> MaskSmoother:
        # (a shallow copy shared the buffers and the state: each one's mask overwritten by the
        # other's next call, and two videos' masks smoothed into each other's)
        import copy

        return copy.deepcopy(self)

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
        g8 = self._gray8
        g8[...] = self._small_gray(frame)
        g[...] = g8
        cv2.GaussianBlur(g, (3, 3), 0, dst=g)
        self._texture(frame)
        self.last_pan = None
        if not self._have_prev:
            self._prev[...] = g
            self._ref[...] = g
            self._tex_ref[...] = self._tex
            self._tex_prev[...] = self._tex
            self._prev8[...] = g8
            self._keep_past(g8, True)
            self._served = False
            self._no_pan()
            return float("inf")
        if not judged and not self._served:
            # a judgement served again from here on: the references it saw are kept (below)
            np.copyto(self._ref_judged, self._ref)
            np.copyto(self._tex_ref_judged, self._tex_ref)
            np.copyto(self._judged8, self._prev8)
            self._served_pan = False
        pan = self._pan(g8)
        self._served_pan |= pan is not None
        if pan is not None:
            # the references: the last frame moved with the picture (what has not moved with
            # it -- a subject of its own motion, parallax -- still shows as motion)
            m = np.float32([[1, 0, pan[0]], [0, 1, pan[1]]])
            cv2.warpAffine(self._prev, m, (self._sw, self._sh), dst=self._ref, borderMode=cv2.BORDER_REPLICATE)
            cv2.warpAffine(self._tex_prev, m, (self._sw, self._sh), dst=self._tex_ref,
                           borderMode=cv2.BORDER_REPLICATE)
        jumped = judged and self._served and self._served_pan
        self._served = not judged
        # frame-to-frame change: scene cuts (on a pan from the last frame moved with the picture,
        # the reference just made: a fast pan of a contrasty scene, 48 levels from frame to frame
        # and 1.1 once moved, was a cut on every frame, the mask reset to each judgement)
        cv2.absdiff(g, self._prev if pan is None else self._ref, dst=self._diff)
        mean = float(cv2.mean(self._diff)[0])
        self._prev[...] = g
        self._tex_prev[...] = self._tex
        # change against the image the smoothed mask reflects (an EMA of the image with the
        # same rates): a slow subject accumulates a difference where the mask lags behind
        cv2.absdiff(g, self._ref, dst=self._diff)
        # ... or of its detail (a textured subject over a background of its average colour)
        cv2.absdiff(self._tex, self._tex_ref, dst=self._tex_diff)
        cv2.max(self._diff, self._tex_diff, dst=self._diff)
        if jumped:
            # judged again after frames served an earlier judgement during a pan: a change since
            # that judgement (the image it saw moved with the picture since) counts too, where it
            # is a subject's (smooth.motion_threshold or more; a pan's measure is not exact) -- a
            # subject that jumped between judged frames is taken here at once (against the last
            # frame it was no change, and it waited as a change in a still area does).  The pan
            # since is measured anew, from that judgement's frame (as _pan measures one: the
            # frames' pans added up were off by enough to show the scene's edges as change)
            self._flow_judged[...] = 0.0
            flow = self._dis.calc(self._judged8, g8, self._flow_judged)
            sh, sw = g8.shape
            b = max(1, min(sh, sw) // 16)
            dx, dy = (float(v) for v in np.median(flow[b:sh - b:2, b:sw - b:2].reshape(-1, 2), axis=0))
            m = np.float32([[1, 0, dx], [0, 1, dy]])
            for img, ref in ((g, self._ref_judged), (self._tex, self._tex_ref_judged)):
                cv2.warpAffine(ref, m, (self._sw, self._sh), dst=self._tex_diff, borderMode=cv2.BORDER_REPLICATE)
                cv2.absdiff(img, self._tex_diff, dst=self._tex_diff)
                cv2.threshold(self._tex_diff, self.cfg.motion_threshold, 0, cv2.THRESH_TOZERO, dst=self._tex_diff)
                cv2.max(self._diff, self._tex_diff, dst=self._diff)
        cv2.blur(self._diff, (5, 5), dst=self._diff)
        squares, crosses = self._spread
        if squares:
            cv2.dilate(self._diff, _SQUARE, dst=self._diff, iterations=squares)
        if crosses:
            cv2.dilate(self._diff, _CROSS, dst=self._diff, iterations=crosses)
        if self._spread_blur:
            # (a dilation is a maximum: its map is flat-topped octagons, one around each local
            # maximum of the change, meeting in straight steps.  Where the change is under
            # smooth.motion_threshold -- a subject going out of focus or coming in, a rack focus --
            # the rate rose with it, step for step: a ghost faded, and a new subject came in, in
            # facets, octagons of other greys, for the 4-5 frames before settling, steps of up to
            # 50 levels; a 5x5 blur only rounded their corners.  Blurred as wide as the octagon,
            # the steps are ramps; a strong change (a subject that moves, tens of levels) keeps its
            # full rate well into the blur.  tools/video_metrics.py: still_noisy's flicker 0.0000369 ->
            # 0.0000364, rack_focus IoU after 0.98591 -> 0.98592, pan's during 0.8419 -> 0.8436,
            # moving 0.97124 -> 0.97123; tools/clip_metrics.py, 20 val photos: slow_pan flicker
            # 0.00230 -> 0.00226, pan 0.01000 -> 0.00992, IoU 0.68111 / 0.66998 -> 0.68112 /
            # 0.66991, still unchanged)
            k = self._spread_blur
            cv2.blur(self._diff, (k, k), dst=self._diff, borderType=cv2.BORDER_REPLICATE)
        # rate = rate + (motion_rate - rate) * clip(diff / threshold, 0, 1)
        cfg = self.cfg
        if pan is None:
            lo = self.rate
        else:  # (a slow pan is averaged longer: its view changes less from frame to frame; its
            # motion a frame of 25 fps, as the rates are given for)
            lo = max(self.rate, min(PAN_RATE, PAN_RATE_PER_PX * max(abs(pan[0]), abs(pan[1])) * self._per / self._q))
        hi = max(lo, cfg.motion_rate)
        # changes below NOISE_FLOOR gray levels are sensor/codec noise, not motion
        cv2.subtract(self._diff, NOISE_FLOOR, dst=self._diff)
        cv2.multiply(self._diff, 1.0 / cfg.motion_threshold, dst=self._rate_small)
        cv2.min(self._rate_small, 1.0, dst=self._rate_small)
        cv2.max(self._rate_small, 0.0, dst=self._rate_small)
        cv2.multiply(self._rate_small, hi - lo, dst=self._rate_small)
        cv2.add(self._rate_small, lo, dst=self._rate_small)
        if self._q != self._per:  # (rates per frame of 25 fps: as rates per frame of this one, pixel by pixel)
            self._per_frame(self._rate_small)
        if not judged:  # (the mask reflects an earlier image: the reference stays with it)
            return mean
        # ref += rate * (g - ref)
        for img, ref in ((g, self._ref), (self._tex, self._tex_ref)):
            cv2.subtract(img, ref, dst=self._diff)
            cv2.multiply(self._diff, self._rate_small, dst=self._diff)
            cv2.add(ref, self._diff, dst=ref)
        return mean

    def _pan(self, g8: np.ndarray, least: float = PAN_MIN) -> tuple[float, float] | None:
        """The motion (dx, dy), in pixels of the motion size, of a picture that moved as a whole
        since the last frame (a pan: ``least``, PAN_MIN, or more, PAN_SHARE of the pixels within
        PAN_SPREAD of it; the median of the dense optical flow), else None.  Adds it to the motion the
        mask is to be moved by (``last_pan``, whole pixels of the mask).  ``least`` is a motion in a
        frame of 25 fps: a frame that lasts less (50 / 60 fps) and moved less since the last is measured
        again from the last frame at least that long before it (PAN_PAST), its own motion the share of
        that one its time is (a pan of 0.4 px a frame at 60 fps at 1280x720, 1 px a frame of 25 fps, was
        told from the flow's noise on 1 in 20 of its frames; over 0.04 s, on most)."""
        if self._dis is None:
            return None
        inner, dx, dy = self._median_flow(self._prev8, g8)
        ref8, lasted = self._prev8, self._q / self._per  # (what this frame lasted, frames of 25 fps)
        since = lasted
        if max(abs(dx), abs(dy)) < least and lasted < 1.0:
            # a frame shorter than one of 25 fps, its motion from the last below ``least``: measured
            # again from the last frame at least a frame of 25 fps before it (PAN_PAST back at most)
            past, i = self._past, len(self._past) - 1  # (the last frame's, the newest, is past[-1])
            while since < 1.0 and i > 0:
                since += past[i][1]
                i -= 1
                ref8 = past[i][0]
            if ref8 is not self._prev8:
                inner, dx, dy = self._median_flow(ref8, g8)
        np.copyto(self._prev8, g8)
        self._keep_past(g8)
        if max(abs(dx), abs(dy)) < (least if ref8 is self._prev8 else least * max(1.0, since)):
            return self._no_pan()
        # the flow where the image has detail is measured; elsewhere (a defocused background)
        # it is spread from there: a sharp subject crossing a still blurred scene moved the
        # median of the whole frame by a third of its own motion
        sh, sw = g8.shape
        b = max(1, min(sh, sw) // 16)
        tex = self._tex[b:sh - b:2, b:sw - b:2].reshape(-1)
        detailed = inner[tex >= float(tex.mean())]
        tx, ty = (float(v) for v in np.median(detailed, axis=0)) if len(detailed) else (dx, dy)
        near = np.count_nonzero((np.abs(inner[:, 0] - dx) <= PAN_SPREAD) & (np.abs(inner[:, 1] - dy) <= PAN_SPREAD))
        if near < PAN_SHARE * len(inner) or max(abs(tx - dx), abs(ty - dy)) > PAN_AGREE * max(abs(dx), abs(dy)):
            return self._no_pan()
        if ref8 is not self._prev8:  # (measured over frames before this one: this one's share)
            dx, dy = dx * lasted / since, dy * lasted / since
        else:  # (the motion since the last frame taken whole: a later frame's is not measured across
            # it -- at 60 fps the two frames after a pan stopped took their shares of its last frames'
            # motion again, the mask moved 4 px on past the picture and left there)
            self._restart_past()
        h, w = self._shape
        left = self._pan_left
        left[0] += dx * w / sw
        left[1] += dy * h / sh
        kx, ky = int(round(left[0])), int(round(left[1]))
        left[0] -= kx
        left[1] -= ky
        self.last_pan = (kx, ky)
        return dx, dy

    def _median_flow(self, ref8: np.ndarray, g8: np.ndarray) -> tuple[np.ndarray, float, float]:
        """The dense optical flow from ``ref8`` to ``g8`` (small grays) away from the border, every
        other pixel each way (n x 2), and its median (dx, dy)."""
        # (DIS reads the flow it is given: a NaN there crashes it, as np.empty's garbage did)
        self._flow[...] = 0.0
        flow = self._dis.calc(ref8, g8, self._flow)
        sh, sw = g8.shape
        b = max(1, min(sh, sw) // 16)  # (the border's flow is extrapolated)
        # (every other pixel each way: a quarter of the medians' time, 0.5 -> 0.13 ms)
        inner = flow[b:sh - b:2, b:sw - b:2].reshape(-1, 2)
        dx, dy = (float(v) for v in np.median(inner, axis=0))
        return inner, dx, dy

    def _keep_past(self, g8: np.ndarray, first: bool = False) -> None:
        """This frame's small gray (``g8``) kept with what it lasted, for the next frames' pans
        (see :meth:`_pan`); ``first``: none before it is (the first frame, after a cut)."""
        past = self._past
        if first:
            self._past_free.extend(a for a, _ in past)
            past.clear()
        buf = self._past_free.pop() if self._past_free else past.popleft()[0]
        np.copyto(buf, g8)
        past.append((buf, self._q / self._per))

    def _restart_past(self) -> None:
        """The small grays kept of the frames before this one (see :meth:`_keep_past`) dropped: its
        motion from them is taken (a pan measured from the last frame, a scene cut), and a later
        frame's pan is measured from this one at most."""
        past = self._past
        while len(past) > 1:
            self._past_free.append(past.popleft()[0])

    def _no_pan(self) -> None:
        """Not a pan (None).  The rest of the pans before, not yet applied to the mask in whole
        pixels, is kept: the mask is still shown moved by it, as the picture still is (dropped, the
        mask shown jumped back by up to half a pixel as a pan stopped -- or on a frame of a camera's
        shake that moved less than PAN_MIN -- and stayed there, a subject's edge off the picture)."""

    def _move(self, alpha: np.ndarray, kx: int, ky: int) -> None:
        """The smoothed mask and its state moved by (kx, ky) whole pixels with the picture; the
        strip the pan brought in takes ``alpha`` as it is (as on a first frame)."""
        h, w = alpha.shape
        if abs(kx) >= w or abs(ky) >= h:
            self._take(alpha)
            return
        dst = np.s_[max(0, ky):h + min(0, ky), max(0, kx):w + min(0, kx)]
        src = np.s_[max(0, -ky):h + min(0, -ky), max(0, -kx):w + min(0, -kx)]
        new = []
        if ky > 0:
            new.append(np.s_[:ky, :])
        elif ky < 0:
            new.append(np.s_[h + ky:, :])
        if kx > 0:
            new.append(np.s_[:, :kx])
        elif kx < 0:
            new.append(np.s_[:, w + kx:])
        # (through a free buffer of the same type -- _rate and _hi are written afresh after the
        # move -- as a copy of the overlapping window was a new full-size array each frame)
        for a, tmp in ((self._acc, self._rate), (self._state, self._hi), (self._count, self._hi),
                       (self._runs, self._hi), (self._zeros, self._hi), (self._plain0, self._hi),
                       (self._plain255, self._hi)):
            tmp[dst] = a[src]
            a[dst] = tmp[dst]
        for r in new:
            self._take(alpha, r)

    def _take(self, alpha: np.ndarray, r=np.s_[:, :]) -> None:
        """The smoothed mask and its state start over from ``alpha`` in the region ``r`` (all of
        it: a first frame, a scene cut; the strip a pan brings in): the mask is ``alpha``, the
        decision its own, no run of disagreement or of zeros counted."""
        self._acc[r] = alpha[r]
        cv2.threshold(alpha[r], 127, 255, cv2.THRESH_BINARY, dst=self._state[r])
        for a in (self._count, self._runs, self._zeros, self._plain0, self._plain255):
            a[r] = 0

    def _settle(self, alpha: np.ndarray) -> None:
        """Where the incoming mask has disagreed with the smoothed decision for
        ``smooth.settle`` frames in a row, take the incoming value: a real change in a
        still area (or a ghost left by a passing subject) is adopted after a short,
        fixed delay instead of the slow still-scene average; one-frame flicker never
        lasts that long.  (Frames given their times: judged frames that have lasted as long, see
        :meth:`at`.)"""
        self._q_judged.append(self._q)
        settle_n = self._run_frames(self._q_judged, self._settle_n)
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
        cv2.compare(self._count, settle_n, cv2.CMP_GE, dst=self._hi)
        if cv2.countNonZero(self._hi):
            # the region settles whole: the erosion's margin grown back (by the kernel's square,
            # which reaches the corners the disk cut off too) where it has disagreed as long --
            # else a rim the kernel's radius wide was left to the still-scene rate (the old
            # subject's outline on for 35 frames more, the new one's border off for 54), while a
            # jittering edge beside it, not steadily off, is still averaged
            cv2.dilate(self._hi, self._settle_square, dst=self._hi)
            cv2.compare(self._runs, settle_n, cv2.CMP_GE, dst=self._lo)
            cv2.bitwise_and(self._hi, self._lo, dst=self._hi)
            settled = self._hi > 0
            self._acc[settled] = alpha[settled]
            # ... its decision too (the hysteresis kept the old one where ``alpha`` stays within
            # its band: a flat patch of a subject gone soft, judged 110, was shown at 128 -- on --
            # for as long as it lasted, and one that came, judged 140, at 127)
            cv2.threshold(alpha, 127, 255, cv2.THRESH_BINARY, dst=self._lo)
            np.copyto(self._state, self._lo, where=settled)
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
        self._q_zeros.append(self._q)
        cv2.compare(alpha, 0, cv2.CMP_EQ, dst=now)
        _extend_runs(self._zeros, now)                              # another value resets the run
        cv2.compare(self._zeros, self._run_frames(self._q_zeros, self._settle_n), cv2.CMP_GE, dst=take)
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

    @one_at_a_time("smoothing")
    def hold(self, alpha: np.ndarray, frame: np.ndarray, *, bits: int = 16) -> np.ndarray:
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
        frame = as_bgr(frame, bits, self._converted)
        _check_picture(alpha, frame)
        if not self._turning:
            self._timing()
        if alpha.shape == (4, 1):  # (kept as its row by __call__: taken for another size, not held)
            return self._turned_call(self.hold, alpha, frame, bits)
        if self._shape != alpha.shape[:2] or not self._have_prev or self._turned != self._turning:
            return alpha
        ended = self._held_q >= self._hold_n  # (frames of the video's rate: in time, see at)
        if not ended and self._view_changed(frame, bits):
            ended = True
            self._have_prev = False  # another scene: start over from this mask, as after a cut
            self.resets += 1
        if ended:
            self._in_hold = True
            try:
                out = self(alpha, frame, bits=bits)
            finally:
                self._in_hold = False
            self._held_run = self._hold_n  # (still in the run: __call__ ended it)
            self._held_q = float(self._hold_n)
            return out
        self._held_run += 1
        self._held_q += self._q
        self.held += 1
        self.last_pan = None
        if self._dis is not None:
            # the held mask moves with a pan (it stayed where it was while the camera moved on:
            # IoU 0.71 after held frames of a pan of 8 px a frame at 320x180); the strip the pan
            # brings in takes ``alpha`` (nothing in focus there)
            self._texture(as_bgr(frame, bits, self._converted))
            pan = self._pan(self._gray8, HOLD_PAN_MIN)
            if pan is not None:
                # (the view the hold began on moves with it: see _view_changed)
                self._held_shift[0] += pan[0]
                self._held_shift[1] += pan[1]
                if self.last_pan != (0, 0):
                    self._move(alpha, *self.last_pan)
                return self._show()
        return self._out

    def _coarse_view(self, gray: np.ndarray, dst: np.ndarray) -> tuple[float, float]:
        """``dst`` = the small gray image reduced to the coarse view; its (mean, deviation)."""
        dst[...] = cv2.resize(gray, dst.shape[::-1], interpolation=cv2.INTER_AREA)
        return self._stats(dst)

    @staticmethod
    def _alike(a: np.ndarray, sa: tuple[float, float], b: np.ndarray, sb: tuple[float, float]) -> bool:
        """Whether coarse views ``a`` and ``b`` (with their mean and deviation) show one scene."""
        flat_a, flat_b = sa[1] < FLAT_VIEW, sb[1] < FLAT_VIEW
        if flat_a or flat_b:
            return flat_a and flat_b and abs(sa[0] - sb[0]) < FLAT_VIEW
        ncc = cv2.matchTemplate(a, b, cv2.TM_CCOEFF_NORMED)[0, 0]
        return bool(ncc >= SAME_VIEW)

    def _view_changed(self, frame: np.ndarray, bits: int = 16) -> bool:
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
            self._settled_q = 0.0
            self._held_shift = [0.0, 0.0]
            self._exiting = self._exit_seen() or (self._exiting and self._since_hold <= self._frames(EXIT_FRAMES) + 1e-9)
            self._since_hold = 0.0
            # (where the held mask is, at the coarse view's size, a view's pixel around it: see _left)
            self._view_region[...] = cv2.resize(self._out, self._view.shape[::-1], interpolation=cv2.INTER_AREA) > 0
            cv2.dilate(self._view_region, _SQUARE, dst=self._view_region)
        g8 = self._gray8  # (this frame's small gray: hold() follows a pan with it)
        g8[...] = self._small_gray(as_bgr(frame, bits, self._converted))
        stats = self._coarse_view(g8, self._view)
        settled = self._alike(self._view, stats, self._view_prev, self._prev_stats)
        self._settled_run = self._settled_run + 1 if settled else 0
        self._settled_q = self._settled_q + self._q if settled else 0.0
        self._view_prev[...] = self._view
        self._prev_stats = stats
        return self._settled_q >= max(1, self._settle_n) and (not self._alike_held(stats) or self._left())

    def _left(self) -> bool:
        """Whether the subject whose mask is held left the picture while the rest of the scene
        stayed: the coarse view unlike the hold's first one where the held mask is (a view's pixel
        around it included: what defocus spreads its light over), and alike it elsewhere.  A
        subject gone out of focus in place keeps its coarse look, as a focus hunt keeps the
        scene's; one that walked out leaves the background in its place.  (Where the background
        there looks as the subject's last sliver did at that size, the hold lasts as before.)"""
        if self._held_shift != [0.0, 0.0]:  # (a pan the mask followed: the whole view is compared)
            return False
        inside = self._view_region.view(bool)
        if not inside.any() or inside.all():
            return False
        if self._exiting:  # (seen leaving across an edge: the rest of the scene alone is compared)
            a = np.ascontiguousarray(self._view[~inside][None])
            b = np.ascontiguousarray(self._view_held[~inside][None])
            return self._alike(a, self._stats(a), b, self._stats(b))
        views = []
        for where in (inside, ~inside):
            a = np.ascontiguousarray(self._view[where][None])
            b = np.ascontiguousarray(self._view_held[where][None])
            views.append(self._alike(a, self._stats(a), b, self._stats(b)))
        return not views[0] and views[1]

    def _alike_held(self, stats: tuple[float, float]) -> bool:
        """Whether this frame's coarse view (``_view``, with its ``stats``) shows the scene the hold
        began on, moved as the held mask was with a pan (``_held_shift``, pixels of the motion size):
        compared where the two overlap.  (Against the view as it was, a pan the mask followed was
        taken for a camera that rested on another scene once ``smooth.settle`` frames of it were
        alike each other, and the subject the mask had followed dropped.)"""
        sx, sy = self._held_shift
        if not (sx or sy):
            return self._alike(self._view, stats, self._view_held, self._held_stats)
        vh, vw = self._view.shape
        cx, cy = sx * vw / self._sw, sy * vh / self._sh
        x0, x1 = int(np.ceil(max(0.0, cx))), vw + int(np.floor(min(0.0, cx)))
        y0, y1 = int(np.ceil(max(0.0, cy))), vh + int(np.floor(min(0.0, cy)))
        if x1 - x0 < 2 or y1 - y0 < 2:  # (panned out of the view it began on)
            return False
        m = np.float32([[1, 0, cx], [0, 1, cy]])
        moved = cv2.warpAffine(self._view_held, m, (vw, vh), flags=cv2.INTER_LINEAR)[y0:y1, x0:x1]
        now = np.ascontiguousarray(self._view[y0:y1, x0:x1])
        moved = np.ascontiguousarray(moved)
        return self._alike(now, self._stats(now), moved, self._stats(moved))

    @staticmethod
    def _stats(view: np.ndarray) -> tuple[float, float]:
        mean, dev = cv2.meanStdDev(view)
        return float(mean[0, 0]), float(dev[0, 0])

    @one_at_a_time("smoothing")
    def __call__(self, alpha: np.ndarray, frame: np.ndarray, *, judged: bool = True, bits: int = 16) -> np.ndarray:
        check_alpha(alpha, empty=False)
        if alpha.size == 1:  # (OpenCV reads a 1x1 array beside a number as two scalars: a bare cv2.error)
            raise FrameSizeError("MaskSmoother: alpha is 1x1; a mask to smooth has at least 2 pixels")
        judged = check_flag(judged, "judged", "MaskSmoother")  # ('no' was taken as it is truthy)
        self._held_run = 0
        self._held_q = 0.0
        # (a gray or BGRA frame left the motion buffer unwritten: no motion, no scene cut; a
        # uint16 frame of 10-bit video, read as 16-bit, nearly black: no motion, the mask trailed)
        frame = as_bgr(frame, bits, self._converted)
        _check_picture(alpha, frame)
        if not (self._turning or self._in_hold):
            self._timing()
        if alpha.shape == (4, 1):
            # (OpenCV 5.1 reads a number beside a 4x1 array as the scalar (number, 0, 0, 0): the
            # runs and the accumulator were compared with 0 for their limits, and a 4x1 mask came
            # back as given, unsmoothed -- 250 levels off the 1x4 one's; OpenCV 5.0 raised a bare
            # cv2.error. The column is smoothed as the row it is, every buffer a 1x4 one, and
            # given back turned: each step is per pixel, or turns with it, a resize and a shift)
            return self._turned_call(self, alpha, frame, bits, judged=judged)
        h, w = alpha.shape[:2]
        if self._shape != (h, w) or self._turned != self._turning:
            # (a 1x4 row after 4x1 columns, or one after the other: the same buffers, another
            # shape -- the columns' mask was carried over to the row, turned)
            self._turned = self._turning
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
                self._restart_past()  # (the frames before the cut: another scene's)
            self._have_prev = True
            self._ref[...] = self._gray
            self._tex_ref[...] = self._tex
            # (the runs of disagreement and of zeros were counted against the old mask)
            self._take(alpha)
            self._pan_left = [0.0, 0.0]  # (the mask is this judgement, where the picture is)
            self._out[...] = alpha
            self._depths.clear()  # (the frames before the cut: another scene's)
            self._exiting = False
            self._note_depths()
            if not judged:
                # (an earlier frame's judgement, of the scene before the cut: the next frame starts
                # over too -- the reference was this frame, the mask the old scene's, and the next
                # judgement, no change against it, waited smooth.settle judged frames)
                self._have_prev = False
            return self._out
        lx, ly = self._pan_left
        if lx or ly:
            # (the smoothed mask is moved in whole pixels and shown moved by the rest of the pan,
            # see _show: the judgement, of the picture where it is, is taken where the smoothed mask
            # is, moved back by that rest -- averaged in as it was, it was shown moved by the rest
            # once more, up to half a pixel off the picture: on a camera's shake a steady subject's
            # edge, followed at motion_rate, went from side to side frame after frame)
            m = np.float32([[1, 0, -lx], [0, 1, -ly]])
            cv2.warpAffine(alpha, m, alpha.shape[::-1], dst=self._shifted, flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
            alpha = self._shifted
            cur[...] = alpha
        if self.last_pan is not None and self.last_pan != (0, 0):
            self._move(alpha, *self.last_pan)
        # EMA with a per-pixel rate: acc += rate * (alpha - acc)
        cv2.resize(self._rate_small, (w, h), dst=self._rate, interpolation=cv2.INTER_LINEAR)
        cv2.subtract(cur, self._acc, dst=cur)
        cv2.multiply(cur, self._rate, dst=cur)
        cv2.add(self._acc, cur, dst=self._acc)
        if self._settle_n > 0:
            if judged:  # (a judgement served again is the same evidence: not counted again)
                self._settle(alpha)
            self._clear_residue(alpha)
        self._follow_evidence(alpha, judged)
        out = self._show()
        self._note_depths()
        return out

    def _follow_evidence(self, alpha: np.ndarray, judged: bool = True) -> None:
        """The decision follows the smoothed value across the cut (128) itself, not only past the
        hysteresis band, where the incoming mask is plain about it: off where it has been 0 for
        PLAIN_RUN judged frames in a row and the smoothed value is under 128, on where it has been
        255 as long and the smoothed value is 128 or more (as :meth:`_clear_residue` takes those
        values).  The band still keeps a decision the incoming mask does not plainly contradict (a
        soft value that wavers about the cut).  A subject that leaves focus (judged 0) or comes in
        (255) faded or grew through the band with each pixel held at 128 (or 127) until its own
        value left the band, while the pixel beside it, past the band's edge already, showed its
        own: steps of up to the band's 26 levels along the curves the fade had reached, wedges and
        facets across the ghost and the subject coming in for the frames of a rack focus
        (make_samples' rack_focus, frames 44-48).  Crossing at 128, the value shown is the smoothed
        one, continuous.  (Following a single frame's 0 or 255 undid the hysteresis where the mask
        is only ever 0 or 255 -- the canny method, a pixel of the focus engine flickering between
        the two: each frame's value pulled the decision across 128 as a mask with no band would --
        a strip flickering at random on a still picture flipped 515 times in 250 frames, 571 with no
        band, 111 before that following.)"""
        if self.cfg.hysteresis <= 0:  # (no band: the runs are not needed, not counted)
            return
        if judged:  # (a judgement served again is the same evidence: not counted again)
            cv2.compare(alpha, 0, cv2.CMP_EQ, dst=self._lo)
            _extend_runs(self._plain0, self._lo)
            cv2.compare(alpha, 255, cv2.CMP_EQ, dst=self._lo)
            _extend_runs(self._plain255, self._lo)
        tmp, keep, acc = self._faint, self._lo, self._acc
        cv2.compare(acc, 127.5, cv2.CMP_GE, dst=tmp)
        # off where alpha has been 0 long enough and acc under the cut:
        # state &= ~(plain0 >= PLAIN_RUN) | (acc >= 127.5)
        cv2.compare(self._plain0, PLAIN_RUN, cv2.CMP_LT, dst=keep)
        cv2.bitwise_or(keep, tmp, dst=keep)
        cv2.bitwise_and(self._state, keep, dst=self._state)
        # on where alpha has been 255 long enough and acc at the cut or more
        cv2.compare(self._plain255, PLAIN_RUN, cv2.CMP_GE, dst=keep)
        cv2.bitwise_and(keep, tmp, dst=keep)
        cv2.bitwise_or(self._state, keep, dst=self._state)

    def _note_depths(self) -> None:
        """Keeps what the frame just smoothed lasted and its mask's (``_state``'s) depth from each
        edge of the frame -- left, right, top, bottom: 0 where it does not touch that edge."""
        self._since_hold += self._q
        h, w = self._state.shape
        cols = cv2.reduce(self._state, 0, cv2.REDUCE_MAX).ravel()
        xs = np.flatnonzero(cols)
        if not len(xs):
            self._depths.append((self._q, (0, 0, 0, 0)))
            return
        rows = cv2.reduce(self._state, 1, cv2.REDUCE_MAX).ravel()
        ys = np.flatnonzero(rows)
        self._depths.append((self._q, (int(xs[-1]) + 1 if cols[0] else 0, w - int(xs[0]) if cols[-1] else 0,
                                       int(ys[-1]) + 1 if rows[0] else 0, h - int(ys[0]) if rows[-1] else 0)))

    def _exit_seen(self) -> bool:
        """Whether the mask held was seen leaving the picture (see EXIT_FRAMES): on the last frame
        smoothed and on the one EXIT_FRAMES frames of 25 fps before it, the whole mask touched one
        edge, and its depth from there shrank to EXIT_SHRINK of what it was or less (or over
        EXIT_LONG_FRAMES to EXIT_LONG_SHRINK)."""
        return self._shrunk(EXIT_FRAMES, EXIT_SHRINK) or self._shrunk(EXIT_LONG_FRAMES, EXIT_LONG_SHRINK)

    def _shrunk(self, frames: int, shrink: float) -> bool:
        """Whether on the last frame smoothed and on the one ``frames`` frames of 25 fps before it the
        whole mask touched one edge, and its depth from there shrank to ``shrink`` of what it was or less."""
        if len(self._depths) < 2:
            return False
        newest = self._depths[-1][1]
        need = self._frames(frames)
        total = 0.0
        for i in range(len(self._depths) - 1, 0, -1):
            total += self._depths[i][0]
            if total >= need - 1e-9:
                before = self._depths[i - 1][1]
                return any(0 < now <= shrink * then for now, then in zip(newest, before))
        return False

    def _turned_call(self, method, alpha: np.ndarray, frame: np.ndarray, bits: int, **kw) -> np.ndarray:
        """``method`` (__call__ or hold) on a 4x1 ``alpha`` as the 1x4 row it is turned to, the
        result turned back (see __call__)."""
        frame = as_bgr(frame, bits, self._converted)
        self._turning = True
        try:
            return method(alpha.T, frame.swapaxes(0, 1), bits=bits, **kw).T
        finally:
            self._turning = False

    def _show(self) -> np.ndarray:
        """``_out`` = the smoothed mask as shown: ``_acc`` with the hysteresis on its decision
        (``_state`` updated), moved by the rest of a pan."""
        cfg = self.cfg
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
        lx, ly = self._pan_left
        if lx or ly:
            # (the mask is moved in whole pixels, so that moving it does not blur it frame after
            # frame; it is shown moved by the rest of the pan too, so that its edges move as the
            # picture does, not in steps of a working-size pixel)
            m = np.float32([[1, 0, lx], [0, 1, ly]])
            cv2.warpAffine(out, m, out.shape[::-1], dst=self._hi, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            np.copyto(out, self._hi)
        return out
