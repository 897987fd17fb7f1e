"""Frame -> alpha.  ``Segmenter(config).mask(frame_bgr)`` is the public entry point.

The frame is reduced to ``segment.work_size`` on its long side, the selected
method (see :mod:`livecut.segment.registry`) computes an alpha there, and the
alpha is upsampled once to full size -- edge-aware (guided filter with the full
image as guide) or plain bilinear.  Buffers are kept between calls of the same
size, so one ``Segmenter`` serves a whole video without per-frame allocation of
full-size arrays.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import weakref
from typing import Callable

import cv2
import numpy as np

from livecut.config import Config, SegmentConfig, section_config
from livecut.errors import ArrayError, ConfigError, ConfigTypeError, FrameSizeError, UsageError
from livecut.frames import FrameBuffers, as_bgr as _as_bgr, bar_regions, check_bits, check_flag, check_frame_size
from livecut.imageio import MAX_PIXELS, MIN_SIDE, check_size
from livecut.resize import reduce_buffers, reduce_into, upsample_into
from livecut.segment import canny as _canny  # noqa: F401  (registers "canny")
from livecut.segment import focus as _focus  # noqa: F401  (registers "focus")
from livecut.segment import net as _net  # noqa: F401  (registers "focusnet")
from livecut.segment.bars import BAR_DARK, BAR_DARK_LUMA, BarTracker
from livecut.i420 import BT709, BgrReader, planes
from livecut.segment.cues import LUMA_TO_GRAY
from livecut.segment.refine import ColorUpsampler, GuidedUpsampler
from livecut.segment.registry import create_method, method_names, method_summaries, register_method
from livecut.smooth import MaskSmoother
from livecut.threads import one_at_a_time

#: limited-range BT.601 Y'CbCr -> BGR (rows B, G, R; columns Y, U, V, offset), for
#: :meth:`Segmenter.mask_i420` at the working size
YUV_TO_BGR = np.array([[1.164383, 2.017232, 0.0, -276.836],
                       [1.164383, -0.391762, -0.812968, 135.576],
                       [1.164383, 0.0, 1.596027, -222.921]], np.float32)
#: the same for BT.709 (HD video that says so; :attr:`Segmenter.matrix`)
YUV_TO_BGR_709 = np.array([[1.164383, 2.112402, 0.0, -289.017],
                           [1.164383, -0.213249, -0.532909, 76.878],
                           [1.164383, 0.0, 1.792741, -248.101]], np.float32)

#: regularisation of the colour refinement (its guide has three channels: a smaller
#: value than the gray one follows colour edges more closely)
COLOR_REFINE_EPS = 1e-4

#: video, a still scene (the picture within sensor noise of the last judged frame, see
#: :attr:`FocusNetMethod.last_still`): the full-size refinement of an earlier still frame is
#: kept while the smoothed alpha at the working size stays within this many levels of the one
#: refined then (the guided refinement, 1.3 ms of a 1080p frame, is then a copy: 0.1 ms).  The
#: smoother's alpha of a still scene moves by 1-3 levels a frame on its soft edge (its
#: average settling), which refined anew made the edge's noise flicker at full size.
#: Negative: refined anew every frame
REFINE_KEEP = 4

__all__ = ["Segmenter", "Pending", "each_frame_judged", "register_method", "method_names", "method_summaries",
           "MIN_SIDE", "MAX_PIXELS"]


def each_frame_judged(cfg: Config | SegmentConfig) -> SegmentConfig:
    """``cfg``'s segment settings with no judgement reused from an earlier frame
    (``segment.still`` and ``segment.every`` off): for frames that are not consecutive
    frames of one video (a set of photos), or one frame timed over and over (a bench)."""
    if cfg is None or isinstance(cfg, str):  # (a bare TypeError from dataclasses.replace)
        raise ConfigTypeError(f"each_frame_judged: expected a Config or a SegmentConfig, got {type(cfg).__name__}"
                              + (f"; for a preset or a file, load_config({cfg!r})" if isinstance(cfg, str) else ""))
    return dataclasses.replace(section_config(cfg, SegmentConfig, "each_frame_judged"), still=0, every=1)


#: ``fn``, a Segmenter's method that segments a frame, refused (:class:`UsageError`) while
#: another such call of the same instance is in progress (see :func:`livecut.threads.one_at_a_time`)
_one_at_a_time = one_at_a_time("segmenting")


class Segmenter:
    """Computes the in-focus alpha of frames; keeps buffers between calls of one size.

    ``Segmenter(config=None)`` takes a :class:`~livecut.config.Config`, a
    :class:`~livecut.config.SegmentConfig` or ``None`` (defaults).

    ``still=False`` (the default) takes the calls as the consecutive frames of one video:
    a judgement may be reused for the next frames (``segment.every``, on the moved image;
    ``segment.still``, while the picture stands still), and the refinement is the fast
    gray one.  For photos, or any frames that are not consecutive frames of one video
    (requests of a service, a folder of pictures), give ``still=True``, as ``livecut
    image`` does: each frame is judged on its own and refined against its colours; or
    call :meth:`reset` before each (each judged on its own then, but as a video frame: the
    gray refinement, and the video's lower noise levels for the noisy network).  For video, also pass
    ``temporal=MaskSmoother(config)``: the mask is then smoothed over time at the
    reduced size (cheap) and refined to full resolution afterwards.

    An instance is not thread-safe (it holds one frame's buffers, and returns one): use
    one per thread (but for :meth:`begin` in one thread and :meth:`end` in another; a call
    while another thread's is in progress is a :class:`~livecut.errors.UsageError`); instances
    in different threads run in parallel (OpenCV releases the GIL).
    """

    def __init__(self, config: Config | SegmentConfig | None = None,
                 temporal: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
                 still: bool = False):
        #: held while a frame is segmented (:func:`_one_at_a_time`), and while reset() or a
        #: property's setter runs (first: the setters below are called here)
        self._busy = threading.Lock()
        cfg = section_config(config, SegmentConfig, "Segmenter")
        # ('no' or None were taken as they are truthy: 'no' for True, photos' settings)
        still = check_flag(still, "still", "Segmenter")
        self.cfg = cfg
        self._still = still
        self.method = create_method(cfg.method, cfg, still)
        self.temporal = temporal
        #: the full-size refinement actually used (``refine = "auto"`` resolved)
        self.refine = cfg.refine if cfg.refine != "auto" else ("color" if still else "guided")
        if cfg.method == "canny":
            self.refine = "none"  # the baseline stays as it was
        self._shape: tuple[int, int] | None = None
        self._small_bgr: np.ndarray | None = None
        self._small_gray: np.ndarray | None = None
        self._mid: np.ndarray | None = None
        self._out: np.ndarray | None = None
        self._upsampler: GuidedUpsampler | ColorUpsampler | None = None
        self._kept: dict | None = None  # the refinement kept on a still scene (REFINE_KEEP)
        #: black bars around the picture (segment.bars; not for the baseline, kept as it was)
        self._bars = BarTracker(still) if cfg.bars and cfg.method != "canny" else None
        self._full: np.ndarray | None = None  # the whole frame's alpha when there are bars
        #: the part of the last frame that was judged, (y0, y1, x0, x1), when it had bars
        self.box: tuple[int, int, int, int] | None = None
        #: where the source fitted the next frame's picture onto bars (Frame.fit), None where it did
        #: not: set before the frame is given (a new fit's bars are taken at once, see segment.bars)
        self.fit: tuple[int, int, int, int] | None = None
        self.matrix = "bt601"
        self._reader: BgrReader | None = None  # (BT.709 I420 frames to BGR, see _i420_to_bgr)
        self._bgr_i420: np.ndarray | None = None  # (the BGR of an I420 frame, see _i420_to_bgr)
        self._converted = FrameBuffers()  # (a gray, BGRA, 16-bit or float frame as BGR uint8)
        #: milliseconds of the last call, by stage (downscale, focus, mask, smooth with
        #: ``temporal``, refine)
        self.timings: dict[str, float] = {}
        #: the call of :meth:`begin` in progress: the refinement it leaves to :meth:`end`
        self._deferring: Pending | None = None
        #: :meth:`begin`'s buffers, one set for each ``out`` it was given (:class:`Pending`)
        self._slots: dict[tuple, Pending] = {}

    def __reduce__(self):
        """A Segmenter pickles (and copies) as its settings: configuration, ``still``,
        ``temporal`` and :attr:`matrix`; it unpickles as a new one made with them, its networks
        loaded again and no frame seen (its ``temporal`` reset), as each process of a pool would
        make it (the networks, OpenCV objects, do not pickle: it was a bare TypeError)."""
        return _unpickle_segmenter, (self.cfg, self.temporal, self._still, self.matrix)

    def __copy__(self) -> Segmenter:
        # (a copy shares no buffers, nor the temporal, which the new one resets: as deepcopy)
        import copy

        return copy.deepcopy(self)

    @property
    def temporal(self) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
        """Optional ``temporal(alpha_small, small_bgr) -> alpha_small`` applied at the reduced
        size before the full-size refinement (video: :class:`livecut.smooth.MaskSmoother`, told
        ``judged=False`` for a frame served an earlier judgement: ``segment.every`` /
        ``segment.still``); it gives back uint8 of the shape it was given (another:
        :class:`ArrayError`).  What is
        not callable, or a class (``MaskSmoother`` for ``MaskSmoother(cfg)``), is a
        :class:`~livecut.errors.ConfigTypeError` when set."""
        return self._temporal

    @temporal.setter
    @_one_at_a_time  # (set from another thread while a frame was segmented: it was taken mid-frame)
    def temporal(self, value) -> None:
        # (5 was a bare TypeError at the first frame; the class MaskSmoother one from its
        # __init__, given the alpha for a configuration)
        if value is not None and (isinstance(value, type) or not callable(value)):
            what = (f"the class {value.__name__}; give an instance, e.g. {value.__name__}(cfg)"
                    if isinstance(value, type) else type(value).__name__)
            raise ConfigTypeError(f"Segmenter: temporal must be None or a callable temporal(alpha, frame) -> "
                                  f"alpha such as MaskSmoother(cfg), got {what}")
        self._temporal = value

    @property
    def matrix(self) -> str:
        """The YUV matrix of the frames :meth:`mask_i420` is given ("bt601" or "bt709")."""
        return self._matrix

    @matrix.setter
    @_one_at_a_time
    def matrix(self, value: str) -> None:
        from livecut.composite import check_matrix

        self._matrix = check_matrix(value)

    def small_size(self, h: int, w: int) -> tuple[int, int]:
        """(height, width) of the reduced image for a frame of ``h`` x ``w`` (whole numbers
        above 0, else a :class:`FrameSizeError`)."""
        w, h = check_frame_size("Segmenter.small_size", w, h)  # (on a new frame size only)
        scale = min(1.0, self.cfg.work_size / max(h, w))
        return max(8, int(round(h * scale))), max(8, int(round(w * scale)))

    def _prepare(self, h: int, w: int) -> None:
        check = getattr(self.method, "check_size", None)  # (a size the method cannot take)
        if check is not None:
            check(h, w)
        sh, sw = self.small_size(h, w)
        # (the size is set once all is made: a call that failed here -- a MemoryError for a large
        # photo, Ctrl-C -- left the buffers half made, taken as made by every later call of the
        # size: a bare cv2.error or ValueError)
        self._shape = None
        self._small_bgr = np.empty((sh, sw, 3), np.uint8)
        self._small_gray = np.empty((sh, sw), np.uint8)
        # a method that measures the frame at an intermediate size (focusnet: the cue
        # resolution) reduces the frame itself; the working-size image is taken from that
        guide_size = getattr(self.method, "guide_size", None)
        guide_hw = guide_size(h, w) if guide_size is not None else None
        # the part of the frame that reduction covers (from the top-left corner: the last rows and
        # columns of a side not a multiple of its factor are left out), of which the working-size
        # picture is; the alpha is brought back to it, and its last row and column repeated over
        # the rest (stretched over the whole frame, the mask was up to k-1 pixels off at the far
        # edge: 3 at 3003x2003)
        cover_size = getattr(self.method, "cover_size", None)
        self._cover = ch, cw = cover_size(h, w) if cover_size is not None else (h, w)
        # (from the guide's size, the working size is 2-4x smaller: sample to twice the
        # working size, then average 2x2 -- a plain INTER_AREA by 3 costs 3x more)
        self._mid = (reduce_buffers(guide_hw, (sh, sw), min_factor=2) if guide_hw
                     else reduce_buffers((h, w), (sh, sw)))
        self._out = np.empty((h, w), np.uint8)
        self._i420: dict | None = None  # buffers of mask_i420, made on its first call
        # (the refinement kept on a still scene, REFINE_KEEP, is its upsampler's: a new one
        # takes none; it is not dropped here, as a frame begun before may end after this)
        radius = max(1, int(round(self.cfg.refine_radius * max(sh, sw))))
        # the gray guided refinement solves the boundary at the guide's size when there is
        # one (then one bilinear upsample to full size), else at full size
        if self.refine == "color":
            self._upsampler = ColorUpsampler((sh, sw), (ch, cw), radius, COLOR_REFINE_EPS)
        elif self.refine == "guided":
            self._upsampler = GuidedUpsampler((sh, sw), guide_hw or (ch, cw), radius, self.cfg.refine_eps,
                                              out_hw=(ch, cw))
        else:
            self._upsampler = None
        self._shape = (h, w)

    @_one_at_a_time
    def mask(self, frame_bgr: np.ndarray, out: np.ndarray | None = None, *, bits: int = 16) -> np.ndarray:
        """Return the HxW uint8 alpha of ``frame_bgr`` (255 = in-focus subject).

        ``frame_bgr``: HxWx3 uint8 BGR, as OpenCV reads and decodes (taken as it is); gray
        (HxW, HxWx1), BGRA, 16-bit and floating point are converted to a BGR uint8 copy
        first, in buffers kept for the frame size as the others are (up to a 2160p frame's) --
        floating point 0-1 scaled by 255, another range stretched by its own minimum and maximum,
        NaN as 0; uint16 as 16-bit (0-65535), or with ``bits=10`` / ``12``
        as the 0-1023 / 0-4095 of 10- or 12-bit video that some decoders give in uint16
        (a value above that is an :class:`~livecut.errors.ArrayError`).  Any memory layout (views, negative strides,
        Fortran order, read-only arrays such as ``np.asarray`` of a PIL image, which is
        RGB: reverse it, ``[:, :, ::-1]``; RGBA, ``[:, :, [2, 1, 0, 3]]``: reversed it is
        ABGR).  At least 16x16 pixels, at most 200 megapixels
        (:class:`~livecut.errors.ImageSizeError`); another type or shape raises
        :class:`~livecut.errors.ArrayError`.

        The returned array is an internal buffer reused by the next call unless
        ``out`` is given; copy it if you keep it.  ``out``: an HxW uint8 array with
        contiguous rows (a C-order array, or a window ``canvas[y:y+H, x:x+W]`` of one) that
        receives the alpha and is returned; another raises :class:`~livecut.errors.ArrayError`.
        """
        return self._mask(frame_bgr, out, bits=bits)

    def _mask(self, frame_bgr: np.ndarray, out: np.ndarray | None, even: bool = False,
              bits: int = 16) -> np.ndarray:
        """:meth:`mask`; ``even``: the bars' box at even rows and columns (an I420 frame
        served in BGR: its box is cut out of the I420 planes, and composited there)."""
        frame = self._as_bgr(frame_bgr, bits)
        h, w = frame.shape[:2]
        out = self._check_out(out, h, w)
        self.timings.clear()
        box = self._find_bars(frame, BAR_DARK, even)
        if box is None:
            return self._mask_bgr(frame, out)
        y0, y1, x0, x1 = box
        dst = self._whole(h, w, out)
        self._mask_bgr(frame[y0:y1, x0:x1], dst[y0:y1, x0:x1])
        return _clear_outside(dst, box)

    @_one_at_a_time
    def begin(self, frame: np.ndarray, out: np.ndarray, *, i420: bool = False, bits: int = 16) -> Pending:
        """The first part of :meth:`mask` (``i420``: of :meth:`mask_i420`; ``bits`` as
        :meth:`mask`'s, for a 10- or 12-bit frame in uint16; with ``i420``, whose frames are uint8, another
        than 16 is a :class:`~livecut.errors.ConfigError`; an ``i420`` that is no bool a
        :class:`~livecut.errors.ConfigTypeError`) into ``out``: all but
        the full-size refinement, which :meth:`end` does.  For a pipeline that segments each
        frame in one thread while another composites the frame before: ``begin`` the frames in
        order in the one, ``end`` them in order in the other, each after its ``begin``; an
        ``out`` is not given to ``begin`` again before its frame's ``end`` (a ring of them, one
        for each frame in flight).  ``out`` then holds what :meth:`mask` gives, the same bytes.
        (Where there is no refinement to leave -- a method without a guide, the colour
        refinement of photos -- ``begin`` does the whole and ``end`` nothing.)"""
        i420 = check_flag(i420, "i420", "Segmenter.begin")  # ('no' was taken as it is truthy: read as I420)
        if i420 and check_bits(bits) not in (8, 16):  # (8: what an I420 frame is; 16: the default)
            # (taken without a word, bits=99 or '10' too: mask_i420 reads 8-bit uint8 planes only)
            raise ConfigError(f"Segmenter.begin: bits={bits} with i420=True: bits is for a BGR frame in uint16 "
                              "(10- or 12-bit video); an I420 frame is uint8 (8-bit yuv420p): give a 10- or "
                              "12-bit frame as BGR, without i420")
        if not isinstance(out, np.ndarray):
            raise ArrayError("Segmenter.begin: out must be the frame's HxW uint8 alpha buffer")
        key = (out.__array_interface__["data"][0], out.shape, out.strides)
        pending = self._slots.get(key)
        if pending is not None and pending.deferred:
            # (the frame begun into this out before is not ended yet: it keeps its own, this one
            # gets another -- they shared one, the first's end gave the second frame's alpha and
            # the second's end was "ended already")
            pending = None
        if pending is None:
            # (those in flight keep theirs: a frame of another size, or too many, are let go)
            if len(self._slots) >= MAX_SLOTS or any(k[1] != out.shape for k in self._slots):
                self._slots.clear()
            pending = self._slots[key] = Pending(out, self)
        # (another array may have the address of one ended and let go: this frame's is this one)
        pending.out, pending.deferred = out, False
        # (begin holds the instance as mask does, from its start: refused inside mask, a second
        # thread's begin had set its frame as the one to defer, then none, under the first's mask
        # -- whose refinement was then done at once, or kept for the refused frame, the first's
        # end giving an alpha never refined)
        self._deferring = pending
        try:
            if i420:
                Segmenter.mask_i420.__wrapped__(self, frame, out)
            else:  # (bits: a 10-bit frame was read as 16-bit, nearly black, where mask took it)
                self._mask(frame, out, bits=bits)
        finally:
            self._deferring = None
        return pending

    def end(self, pending: Pending) -> np.ndarray:
        """The frame's alpha, its refinement done (see :meth:`begin`): ``pending.out``.  A
        ``pending`` that is not what this Segmenter's :meth:`begin` returned (another's, whose
        refinement may be another, or no Pending at all) is a :class:`UsageError`."""
        # (another's was refined as this one's refinement, a plain resize for one of
        # refine=none, a bare TypeError for one that was; None an AttributeError)
        if not isinstance(pending, Pending):
            raise UsageError(f"Segmenter.end takes what Segmenter.begin returned (a Pending), got "
                             f"{type(pending).__name__}")
        if pending.owner() is not self:
            raise UsageError("Segmenter.end: this frame was begun by another Segmenter's begin; end "
                             "it with that one (its refinement and buffers are that one's)")
        out = pending.out
        if out is None:
            raise UsageError("Segmenter.end: this frame was ended already (end each begin once; the "
                             "alpha is the out given to begin)")
        if pending.deferred:
            t0 = time.perf_counter()
            pending.deferred = False
            self._refine(pending.small, pending.gray, pending.guide, None, None, pending.dst,
                         pending.upsampler, pending.still, pending.cover)
            pending.refine_ms = (time.perf_counter() - t0) * 1e3
        # (the Segmenter keeps the buffers, not the caller's out: a new out for each frame held
        # 32 of them, ~280 MB at 4K)
        pending.out = pending.dst = None
        return out

    def _find_bars(self, img: np.ndarray, dark: int, even: bool = False) -> tuple[int, int, int, int] | None:
        if self._bars is None:
            return None
        t0 = time.perf_counter()
        box = self._bars.update(img, dark, even, self.fit)
        fits = getattr(self.method, "fits", None)
        if box is not None and fits is not None and not fits(box[1] - box[0], box[3] - box[2]):
            # (a picture between the bars too long for its width for the method: the whole frame is
            # judged; a 6500x80 video, which it takes, failed at its first frame, "image is 6500x24:
            # too long for its width")
            box = None
        self.box = box
        self.timings["bars"] = (time.perf_counter() - t0) * 1e3
        return box

    def _whole(self, h: int, w: int, out: np.ndarray | None) -> np.ndarray:
        """Where the whole frame's alpha goes when only a part of it is judged."""
        if out is not None:
            return out
        if self._full is None or self._full.shape != (h, w):
            self._full = np.empty((h, w), np.uint8)
        return self._full

    def _mask_bgr(self, frame: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        h, w = frame.shape[:2]
        if self._shape != (h, w):
            self._prepare(h, w)
        t = self.timings
        t0 = time.perf_counter()
        small = self._downscale(frame)
        cv2.cvtColor(small, cv2.COLOR_BGR2GRAY, dst=self._small_gray)
        t["downscale"] = (time.perf_counter() - t0) * 1e3
        return self._finish(small, frame, frame, out)

    @_one_at_a_time
    def mask_i420(self, i420: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """:meth:`mask` for a frame given as planar YUV 4:2:0 (I420: the Y plane, then U,
        then V, packed as ``(H * 3 // 2, W)`` uint8, as PyAV's
        ``frame.to_ndarray(format="yuv420p")`` gives; limited range, of :attr:`matrix`), with no
        conversion of the frame to BGR: the engine's gray is the Y plane (reduced), its
        colours come from the planes at the working size.  H and W must be even.

        Photos (``refine = color``) and methods without a guide of their own are served
        by converting to BGR first.
        """
        if not isinstance(i420, np.ndarray) or i420.dtype != np.uint8 or i420.ndim != 2:
            raise ArrayError("mask_i420 expects a 2-D uint8 I420 array of shape (H * 3 // 2, W)")
        H, W = i420.shape[0] * 2 // 3, i420.shape[1]
        if H * 3 // 2 != i420.shape[0] or H % 2 or W % 2:
            raise FrameSizeError(f"mask_i420: {i420.shape} is not an I420 frame with even sides")
        check_size(i420[:H])
        if self.refine == "color" or not hasattr(self.method, "reduce_luma"):
            # (its box even, as the planes' path finds it: Compositor.apply_i420 takes no other)
            return self._mask(self._i420_to_bgr(i420, H, W), out, even=True)
        out = self._check_out(out, H, W)
        self.timings.clear()
        y, u, v = planes(np.ascontiguousarray(i420), H, W)
        box = self._find_bars(y, BAR_DARK_LUMA, even=True)
        if box is None:
            return self._mask_planes(y, u, v, out)
        y0, y1, x0, x1 = box  # (even: the chroma planes are cut at half of them)
        dst = self._whole(H, W, out)
        self._mask_planes(y[y0:y1, x0:x1], u[y0 // 2:y1 // 2, x0 // 2:x1 // 2],
                          v[y0 // 2:y1 // 2, x0 // 2:x1 // 2], dst[y0:y1, x0:x1])
        return _clear_outside(dst, box)

    def _i420_to_bgr(self, i420: np.ndarray, h: int, w: int) -> np.ndarray:
        """An I420 frame (even sides) as BGR, with :attr:`matrix` (OpenCV's conversion is BT.601),
        in a buffer kept for the size (a new frame each call was a BGR frame's bytes a frame)."""
        bgr = self._bgr_i420
        if bgr is None or bgr.shape[:2] != (h, w):
            bgr = self._bgr_i420 = np.empty((h, w, 3), np.uint8)
        if self.matrix == "bt601":
            return cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420, dst=bgr)
        if self._reader is None:
            self._reader = BgrReader()
        return self._reader.from_planes(*planes(np.ascontiguousarray(i420), h, w), BT709, dst=bgr)

    def _mask_planes(self, y: np.ndarray, u: np.ndarray, v: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        H, W = y.shape
        if self._shape != (H, W):
            self._prepare(H, W)
        b = self._i420
        sh, sw = self._small_gray.shape
        ch, cw = self._cover  # (the part of the frame the engine's reduction covers, see _prepare)
        if b is None:  # the planes at the working size, and the luma reduction's buffer
            self._i420 = b = dict(yuv=np.empty((sh, sw, 3), np.uint8), u=np.empty((sh, sw), np.uint8),
                                  v=np.empty((sh, sw), np.uint8),
                                  mid=reduce_buffers((ch, cw), (sh, sw), channels=1))
        t = self.timings
        t0 = time.perf_counter()
        self.method.reduce_luma(y)
        gray = self._small_gray
        reduce_into(y[:ch, :cw], gray, b["mid"])
        # (an odd part: its last chroma row or column, half of it in the part, is taken whole)
        cv2.resize(u[:(ch + 1) // 2, :(cw + 1) // 2], (sw, sh), dst=b["u"], interpolation=cv2.INTER_AREA)
        cv2.resize(v[:(ch + 1) // 2, :(cw + 1) // 2], (sw, sh), dst=b["v"], interpolation=cv2.INTER_AREA)
        cv2.merge((gray, b["u"], b["v"]), dst=b["yuv"])
        small = self._small_bgr
        # limited range -> BGR, saturating
        cv2.transform(b["yuv"], YUV_TO_BGR_709 if self.matrix == "bt709" else YUV_TO_BGR, dst=small)
        cv2.LUT(gray, LUMA_TO_GRAY, dst=gray)
        t["downscale"] = (time.perf_counter() - t0) * 1e3
        return self._finish(small, y, None, out)

    @staticmethod
    def _check_out(out: np.ndarray | None, h: int, w: int) -> np.ndarray | None:
        """``out`` if OpenCV can write the alpha into it in place, else :class:`ArrayError`
        (OpenCV would silently write a new array instead, and ``out`` keep its old values)."""
        if out is None:
            return None
        if not isinstance(out, np.ndarray) or out.shape != (h, w) or out.dtype != np.uint8:
            got = (f"{out.shape} {out.dtype}" if isinstance(out, np.ndarray) else type(out).__name__)
            raise ArrayError(f"out is {got}; expected ({h}, {w}) uint8, e.g. np.empty(({h}, {w}), np.uint8)")
        if not out.flags.writeable:
            raise ArrayError("out is read-only; give a writable (H, W) uint8 array")
        if not (out.flags.c_contiguous or (out.strides[1] == 1 and out.strides[0] >= w)):
            raise ArrayError(f"out has strides {out.strides}: its rows must be contiguous, as in a "
                             "C-order array or a window of one (not Fortran order, a column step "
                             "or a flip); e.g. np.empty((H, W), np.uint8)")
        return out

    def _finish(self, small: np.ndarray, full: np.ndarray, frame_bgr: np.ndarray | None,
                out: np.ndarray | None) -> np.ndarray:
        """Method, temporal smoothing and refinement, after the frame was reduced."""
        t = self.timings
        gray = self._small_gray
        sh, sw = gray.shape
        h, w = self._shape
        alpha_small = self.method(small, t, full=full)
        _check_method(alpha_small, sh, sw, self.cfg.method)
        if self.temporal is not None:
            ts = time.perf_counter()
            if self.state == "all-blurred" and hasattr(self.temporal, "hold"):
                # nothing in focus (a whip pan, a focus hunt): keep the last mask
                alpha_small = self.temporal.hold(alpha_small, small)
            elif self.judged_anew is False and isinstance(self.temporal, MaskSmoother):
                alpha_small = self.temporal(alpha_small, small, judged=False)
            else:
                alpha_small = self.temporal(alpha_small, small)
            _check_temporal(alpha_small, sh, sw)
            t["smooth"] = (time.perf_counter() - ts) * 1e3
        dst = self._out if out is None else out
        guide = getattr(self.method, "guide", None)
        still = bool(getattr(self.method, "last_still", False))
        pending = self._deferring
        if pending is not None and (self.refine == "none" or (self.refine == "guided" and guide is not None)):
            # (begin(): the refinement, which needs no more than these, is end()'s)
            pending.keep(self, alpha_small, gray, guide, still, dst)
            return dst
        t2 = time.perf_counter()
        self._refine(alpha_small, gray, guide, small, frame_bgr, dst, self._upsampler, still, self._cover)
        t["refine"] = (time.perf_counter() - t2) * 1e3
        return dst

    def _refine(self, alpha_small: np.ndarray, gray: np.ndarray, guide: np.ndarray | None,
                small: np.ndarray | None, frame_bgr: np.ndarray | None, dst: np.ndarray,
                upsampler, still: bool, cover: tuple[int, int]) -> None:
        """``dst`` = ``alpha_small`` refined to full size (``still``: the method's
        ``last_still`` for the frame, see :data:`REFINE_KEEP`; ``cover``: the part of the frame
        the working-size picture is of, see :meth:`_prepare`)."""
        whole = dst
        ch, cw = cover
        if (ch, cw) != dst.shape:
            dst = dst[:ch, :cw]
            frame_bgr = frame_bgr[:ch, :cw] if frame_bgr is not None else None
        if self.refine == "guided":
            if not self._kept_refinement(alpha_small, dst, upsampler, still):
                # (mask_i420 comes here only with a method that has a guide)
                upsampler(gray, alpha_small, frame_bgr, dst, full_gray=guide)
                self._keep_refinement(alpha_small, dst, upsampler, still)
        elif self.refine == "color":
            upsampler(small, alpha_small, frame_bgr, dst)
        elif alpha_small.shape == dst.shape:
            dst[...] = alpha_small
        else:
            upsample_into(alpha_small, dst)
        # (the rows and columns left out: the part's last repeated)
        whole[ch:] = whole[ch - 1:ch]
        whole[:, cw:] = whole[:, cw - 1:cw]

    def _kept_refinement(self, alpha_small: np.ndarray, dst: np.ndarray, upsampler, still: bool) -> bool:
        """Whether ``dst`` got the refinement kept from an earlier frame of this still scene
        (:data:`REFINE_KEEP`): this frame stands still too (``still``), and its smoothed
        ``alpha_small`` is within REFINE_KEEP levels of the one refined then (by ``upsampler``:
        a frame of another size takes none)."""
        kept = self._kept
        if (kept is None or not kept["valid"] or not still or kept["up"] is not upsampler
                or kept["full"].shape != dst.shape
                or cv2.norm(alpha_small, kept["small"], cv2.NORM_INF) > REFINE_KEEP):
            return False
        np.copyto(dst, kept["full"])
        return True

    def _keep_refinement(self, alpha_small: np.ndarray, dst: np.ndarray, upsampler, still: bool) -> None:
        """Keep the refinement of a still frame for the next ones (:data:`REFINE_KEEP`); another
        frame's is not kept, and the one kept is dropped (the picture moved)."""
        still = REFINE_KEEP >= 0 and self.temporal is not None and still
        kept = self._kept
        if not still:
            if kept is not None:
                kept["valid"] = False
            return
        if kept is None or kept["full"].shape != dst.shape or kept["small"].shape != alpha_small.shape:
            kept = self._kept = dict(small=np.empty_like(alpha_small), full=np.empty(dst.shape, np.uint8))
        kept["up"] = upsampler
        np.copyto(kept["small"], alpha_small)
        np.copyto(kept["full"], dst)
        kept["valid"] = True

    def _as_bgr(self, frame_bgr, bits: int = 16) -> np.ndarray:
        """``frame_bgr`` as BGR uint8 (in this Segmenter's buffers for another pixel type), its
        size checked (:func:`~livecut.imageio.check_size`): a frame over MAX_PIXELS before it is
        converted (a gray or float one was first copied whole into a new BGR array, 3-18 bytes
        a pixel, only to be refused)."""
        if (isinstance(frame_bgr, np.ndarray) and frame_bgr.ndim >= 2
                and frame_bgr.shape[0] * frame_bgr.shape[1] > MAX_PIXELS):
            check_size(frame_bgr)
        frame = _as_bgr(frame_bgr, bits, self._converted)
        check_size(frame)
        return frame

    @_one_at_a_time
    def mask_small(self, frame_bgr: np.ndarray) -> np.ndarray:
        """The alpha at the reduced size (no refinement); for analysis and tests."""
        frame = self._as_bgr(frame_bgr)
        h, w = frame.shape[:2]
        if self._shape != (h, w):
            self._prepare(h, w)
        alpha = self.method(self._downscale(frame), None, full=frame)
        _check_method(alpha, *self._small_gray.shape, self.cfg.method)
        return alpha

    def _downscale(self, frame: np.ndarray) -> np.ndarray:
        """The frame at the working size, in the reused buffer (through the method's own
        reduction when it has one)."""
        reduce = getattr(self.method, "reduce", None)
        src = reduce(frame) if reduce is not None else frame
        small = self._small_bgr
        if small.shape[:2] == src.shape[:2]:
            small[...] = src
        else:
            reduce_into(src, small, self._mid)
        return small

    @_one_at_a_time
    def reset(self) -> None:
        """Forget earlier frames (for frames that are not consecutive frames of one video):
        the method's state (focusnet: judgements to reuse, the soft and noisy networks'
        hysteresis), the temporal smoother's, where they have one, and the bars followed.
        Called while another thread's call of the instance is in progress (as a setter of
        ``temporal`` or ``matrix`` is), a :class:`UsageError`: it reset the state that frame was
        using, mid-frame."""
        for part in (self.method, self.temporal, self._bars):
            reset = getattr(part, "reset", None)
            if reset is not None:
                reset()
        self.box = None
        self._kept = None

    @property
    def state(self) -> str:
        """What the last frame was: "subject", "all-sharp" (nothing defocused: the whole
        frame is kept) or "all-blurred" (nothing in focus: nothing is kept)."""
        return getattr(self.method, "last_state", "subject")

    @property
    def judged_anew(self) -> bool | None:
        """Whether focus was judged anew for the last frame (False: it reused an earlier
        judgement, ``segment.still`` / ``segment.every``); None for a method that does not say."""
        return getattr(self.method, "last_judged", None)


#: most sets of buffers :meth:`Segmenter.begin` keeps (one for each ``out`` it is given)
MAX_SLOTS = 32


class Pending:
    """A frame :meth:`Segmenter.begin` left the refinement of to :meth:`Segmenter.end`: what
    that needs, in buffers of its own (the Segmenter's are the next frame's by then)."""

    def __init__(self, out: np.ndarray, owner: Segmenter):
        #: the frame's alpha (complete after :meth:`Segmenter.end`, which returns it and lets it go)
        self.out: np.ndarray | None = out
        #: the Segmenter that began it (weakly: it keeps its Pendings), the one to end it
        self.owner = weakref.ref(owner)
        #: whether the refinement is still to do
        self.deferred = False
        #: ms the refinement took in :meth:`Segmenter.end`
        self.refine_ms = 0.0
        self.small: np.ndarray | None = None
        self.gray: np.ndarray | None = None
        self.guide: np.ndarray | None = None
        self.dst: np.ndarray | None = None
        self.upsampler = None
        self.still = False
        self.cover: tuple[int, int] = (0, 0)

    def keep(self, seg: Segmenter, alpha_small: np.ndarray, gray: np.ndarray, guide: np.ndarray | None,
             still: bool, dst: np.ndarray) -> None:
        """Keep copies of what the refinement of this frame takes."""
        self.small = _copy_into(self.small, alpha_small)
        self.gray = _copy_into(self.gray, gray)
        self.guide = _copy_into(self.guide, guide) if guide is not None else None
        self.dst, self.upsampler, self.still, self.cover = dst, seg._upsampler, still, seg._cover
        self.deferred = True


def _copy_into(buf: np.ndarray | None, src: np.ndarray) -> np.ndarray:
    """``src`` copied into ``buf`` (a new buffer where ``buf`` has another shape)."""
    if buf is None or buf.shape != src.shape:
        buf = np.empty(src.shape, src.dtype)
    np.copyto(buf, src)
    return buf


def _unpickle_segmenter(cfg: SegmentConfig, temporal, still: bool, matrix: str) -> Segmenter:
    """A Segmenter of pickled settings (see :meth:`Segmenter.__reduce__`)."""
    seg = Segmenter(cfg, temporal=temporal, still=still)
    seg.matrix = matrix
    seg.reset()  # (the temporal as it was pickled: mid-video; the new one starts afresh)
    return seg


def _check_returned(alpha, sh: int, sw: int, who: str, expected: str, example: str) -> None:
    """Refuse what ``who`` gave back unless it is an alpha at the working size, ``(sh, sw)`` uint8
    (``expected``, ``example``: the message's words for it): see the two below."""
    if not (isinstance(alpha, np.ndarray) and alpha.dtype == np.uint8 and alpha.shape == (sh, sw)):
        got = f"{alpha.shape} {alpha.dtype}" if isinstance(alpha, np.ndarray) else type(alpha).__name__
        raise ArrayError(f"{who} returned {got}; expected {expected}, ({sh}, {sw}) uint8 (0-255; e.g. {example})")


def _check_temporal(alpha, sh: int, sw: int) -> None:
    """Refuse what a ``temporal`` gave back unless it is the alpha at the working size as it was
    given, ``(sh, sw)`` uint8: None crashed the process in OpenCV (photos), a float of 0-1 or a
    bool gave an empty mask, another size a mask of nothing or a bare ValueError."""
    _check_returned(alpha, sh, sw, "temporal", "the alpha it was given", "np.clip(a, 0, 255).astype(np.uint8)")


def _check_method(alpha, sh: int, sw: int, name: str) -> None:
    """Refuse what a segmentation method (:func:`register_method`) gave back unless it is an
    alpha at the working size, ``(sh, sw)`` uint8, as :func:`_check_temporal` refuses a
    temporal's: None crashed the process in OpenCV (photos: a segmentation fault), another
    size was a bare ValueError (video) or an empty mask (photos), a float of 0-1 an empty mask."""
    _check_returned(alpha, sh, sw, f"segment.method {name!r}", "an alpha of the working size it was given",
                    "np.clip(a * 255, 0, 255).astype(np.uint8)")


def _clear_outside(dst: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """``dst`` with 0 outside ``box`` (the bars), its inside kept."""
    for r in bar_regions(box):
        dst[r] = 0
    return dst
