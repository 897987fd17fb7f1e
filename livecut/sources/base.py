"""What every video source provides, and the registry that opens one from a spec.

A *spec* is what the user typed: an integer (camera index), a URL
(``rtsp://``, ``rtsps://``, ``http(s)://``, ``udp://``, ``srt://`` -> network
stream) or anything else (a file path).
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol, runtime_checkable

import numpy as np

from livecut.config import check_arguments


@dataclass
class Frame:
    """One decoded frame."""

    #: HxWx3 BGR uint8 (HxWx4 BGRA: a file's own alpha, FileSource.alpha; I420 (H*3//2)xW when
    #: the source was told "yuv420p")
    image: np.ndarray
    index: int                   #: 0-based count of frames delivered by the source
    pts: float | None = None     #: presentation time in seconds, from the source when known
    captured_at: float = 0.0     #: livecut.progress.clock() when it was read (latency stats)
    #: the frame's segmentation, when the pipeline segments ahead (see Pipeline.ahead)
    pre: object = None
    #: where the source fitted the picture onto black bars (a change of size or pixel shape
    #: mid-run), ``(y0, y1, x0, x1)``, else None: the segmenter takes a new fit's bars at once
    fit: tuple[int, int, int, int] | None = None
    #: the frame as the engine judges it where that is not ``image`` (None: ``image``), of its
    #: shape and layout: a 10- or 12-bit video's planes brought to 8 bits by a rounded shift,
    #: without the ordered dither of ``image`` (right for the encoder, but its fine pattern read
    #: as detail to the focus engine over a flat background)
    engine_image: np.ndarray | None = None


@check_arguments  # (SourceInfo(widht=1): a ConfigTypeError with a hint, not a bare TypeError)
@dataclass
class SourceInfo:
    width: int
    height: int
    fps: float | None                    #: nominal frame rate (None if unknown)
    frames: int | None = None            #: frame count if known (files)
    duration: float | None = None        #: seconds, if known
    time_base: Fraction | None = None    #: of the video stream (files)
    rotation: int = 0                    #: display rotation in degrees (files)
    #: seconds subtracted from the file's timestamps so that its video and audio start at 0 as
    #: they started together (an MPEG-TS starts at 1.4 s, say); the sink shifts the audio alike
    start: float = 0.0
    #: the YUV matrix the video says it has: "bt709", else "bt601" (what FFmpeg assumes)
    matrix: str = "bt601"
    #: its colour primaries and transfer (PyAV's codes, those it states), for the output, and
    #: its colorspace where it states a matrix other than BT.709 (BT.601, as an MJPEG's says)
    color_tags: dict = field(default_factory=dict)
    has_audio: bool = False
    #: the pixels' shape (sample aspect ratio) when not square (anamorphic video), else None
    sample_aspect: Fraction | None = None
    #: the finest regular rate the timestamps need (FFmpeg's r_frame_rate; a variable-rate
    #: video's is above its average rate), None if unknown
    tick_fps: float | None = None
    #: where the video ends (seconds, on the output's timeline: its last frame's end) when its
    #: header says so (files), else None
    end: float | None = None


@runtime_checkable
class Source(Protocol):
    """A context manager yielding frames.  ``live`` sources are read newest-first by the runner."""

    live: bool
    info: SourceInfo

    def __enter__(self) -> "Source": ...

    def __exit__(self, *exc: object) -> None: ...

    def read(self) -> Frame | None:
        """The next frame, or ``None`` at the end of the source."""
        ...

    def close(self) -> None: ...


#: FFmpeg's demuxers that make pictures of what is no video: ``tty`` draws a text file (any
#: ``.txt``, ``.nfo``, ``.asc`` ... of some length) as ANSI art, 640x400 at 25 fps
TEXT_FORMATS = frozenset({"tty"})


def text_note(name: str, fmt: str) -> str | None:
    """The refusal of a container opened by one of :data:`TEXT_FORMATS` (None for others)."""
    if fmt in TEXT_FORMATS:
        return f"{name}: a text file, not a video (FFmpeg would draw its text as pictures)"
    return None


#: seconds ``close`` waits for a read in progress in another thread before leaving the release
#: to that read (releasing the resource under a running read is unsafe: OpenCV's capture, PyAV's
#: demux and decode)
CLOSE_WAIT = 0.5


def under_lock(lock: "threading.RLock", timeout: float, fn) -> bool:
    """``fn()`` with ``lock`` (an RLock) held, if it can be had within ``timeout`` seconds; whether
    it was.  Whether it is held is asked of the lock, not told by ``acquire()``'s True: a signal
    handled the moment acquire returned, before the ``try`` of a release, left the lock held (a
    next read, in any thread, waited on it for good) and ``fn`` not run."""
    try:
        lock.acquire(timeout=timeout)
    finally:
        owned = lock._is_owned()
        if owned:
            try:
                fn()
            finally:
                lock.release()
    return owned


class PixelShapes:
    """The pixel shape (sample aspect ratio) of each frame a decoder gives, against the first
    frame's, the output's; and the line that says a frame was fitted into the output (a file's
    and a stream's alike).  A TV recording's HD programme (square pixels) after its SD advert
    (720x576 16:9, pixels 64:45), a 4:3 advert (16:15) in a 16:9 programme.

    The decoder says the newest packet's shape, a few frames ahead of the frame it gives (its
    reordering delay: the last 2 frames before a change took the shape after it), and PyAV's
    frames do not say theirs: a frame takes the shape said at the key frame before it, where a
    change can come."""

    def __init__(self) -> None:
        self.first: Fraction | None | bool = False  # (False: no frame yet; None: unsaid)
        self._key: Fraction | None = None
        self._fitted: set = set()  # (width, height, shape) of each fitted so far
        self._sizes: list[tuple[int, int]] = []

    def of(self, frame, decoder_sar) -> Fraction:
        """How much wider ``frame``'s pixels are than the first frame's (1 where either does not
        say); ``decoder_sar()``: the decoder's sample aspect ratio now, read at key frames."""
        if self.first is False or getattr(frame, "key_frame", False):
            self._key = known_sar(decoder_sar())
        if self.first is False:
            self.first = self._key
        return self._key / self.first if self._key and self.first else Fraction(1)

    def note_fitted(self, warnings: list[str], w: int, h: int, shape: Fraction, out_w: int, out_h: int,
                    bars: str = "black") -> None:
        """Say in ``warnings``, once per size and pixel shape, that a ``w`` x ``h`` picture of
        pixels ``shape`` times the output's was fitted into the output's ``out_w`` x ``out_h``."""
        from livecut.resize import SIZE_CHANGED, note_size_change

        if (w, h, shape) in self._fitted:
            return
        self._fitted.add((w, h, shape))
        self._sizes.append((w, h))
        pixels = ""
        if shape != 1:
            own, out = (f"{r.numerator}:{r.denominator}" for r in (self.first * shape, self.first))
            pixels = f" (its pixels {own}, the output's {out})"
        note_size_change(warnings, self._sizes, f"{SIZE_CHANGED}{w}x{h}{pixels}: fitted into the output's "
                         f"{out_w}x{out_h} with its shape kept ({bars} bars)")


def known_sar(sar) -> Fraction | None:
    """A sample aspect ratio as a Fraction, None where it says nothing (0, 0/0, None)."""
    try:
        return Fraction(sar) if sar and sar > 0 else None
    except (TypeError, ValueError, ZeroDivisionError):
        return None


class FramePool:
    """Frames' buffers given back by the caller once done with them (a source's
    ``release_frame``), for the next frames to be decoded into instead of new arrays each.  Safe
    between the thread that gives back and the one that reads (a deque's append and popleft)."""

    def __init__(self, most: int):
        self.most = most
        self._bufs: collections.deque = collections.deque()

    def give(self, image: np.ndarray) -> None:
        if len(self._bufs) < self.most:
            self._bufs.append(image)

    def take(self, shape: tuple[int, ...] | None = None) -> np.ndarray | None:
        """A buffer given back (uint8, C-contiguous, writable) of ``shape`` (None: any), or None;
        one of another shape -- a frame of another size or format -- is let go."""
        while self._bufs:
            buf = self._bufs.popleft()
            if (isinstance(buf, np.ndarray) and buf.dtype == np.uint8 and buf.flags.c_contiguous
                    and buf.flags.writeable and (shape is None or buf.shape == shape)):
                return buf
        return None


def refuse_pickle(what: str, give: str) -> None:
    """Raise the :class:`~livecut.errors.ConfigTypeError` (also a ``TypeError``, as pickle's own
    is) for pickling or copying an open source, ``what`` (its kind and where it reads, a URL's
    password hidden): its decoder, connection or camera, and the threads and locks that read it,
    belong to this process; the other process is given ``give`` (the path, URL or index) and opens
    it there.  (It was a bare TypeError from deep inside, "cannot pickle '_thread.RLock' object".)"""
    from livecut.errors import ConfigTypeError

    raise ConfigTypeError(f"{what}: an open source cannot be pickled or copied (for another process: a "
                          f"process pool, joblib): give the other process {give} and open it there "
                          "(livecut.sources.open_source)")


class ClosesWhileReading:
    """``read()`` and ``close()`` for a source whose ``close()`` is safe from another thread
    while ``read()`` waits (a stuck camera, a file on a dead mount): the pipeline does not
    wait for such a read to end.  ``read()`` holds a lock while it runs :meth:`_read`;
    ``close()`` releases the resource (:meth:`_release`) if it gets the lock within
    :data:`CLOSE_WAIT`, else the read releases it when it returns.  Subclasses call
    :meth:`_init_reading` and provide ``_read()`` and ``_release()``."""

    close_while_reading = True

    def _init_reading(self) -> None:
        # held by read() while it runs (an RLock: close() asks whether it has it, _is_owned)
        self._reading = threading.RLock()
        self._closed = False

    def read(self) -> "Frame | None":
        with self._reading:
            try:
                return self._read()
            finally:
                if self._closed:  # closed while this read waited: released here
                    self._release()

    def close(self) -> None:
        self._closed = True
        self._stop_reading()
        under_lock(self._reading, CLOSE_WAIT, self._release)

    def _stop_reading(self) -> None:
        """Make a read that waits give up, where the source can (thread-safe)."""

    def _read(self) -> "Frame | None":
        raise NotImplementedError

    def _release(self) -> None:
        raise NotImplementedError
