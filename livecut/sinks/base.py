"""What every output sink provides, and the registry that opens one from a spec.

A spec is ``-`` (stdout pipe), a URL (``udp://``, ``srt://``, ``rtsp://``), a
folder ending in ``/`` (PNG sequence), a file path (by extension), or one of the
special sinks (``preview``, ``vcam``) chosen by flags.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from livecut.config import check_arguments


def fps_fraction(fps: float | None) -> Fraction:
    """A frame rate as an exact fraction (29.97 -> 30000/1001); 30 when unknown (None, 0,
    negative, NaN or infinite).  Any real number: a numpy float32 was a bare TypeError
    (Fraction takes no such number), NaN a bare ValueError."""
    fps = float(fps) if fps else 0.0
    if not math.isfinite(fps) or fps <= 0:
        return Fraction(30)
    return Fraction(fps).limit_denominator(1001)


def fps_text(fps: float) -> str:
    """A frame rate as a log line says it: whole as such ("30"), else to two decimals ("29.97",
    "23.98", "12.5"); "%.3g" said 29.97 as "30"."""
    fps = float(fps)
    return f"{fps:.0f}" if fps.is_integer() else f"{fps:.2f}".rstrip("0")


#: PyAV's pixel format of a frame of 1, 3 or 4 channels (gray, BGR, BGRA)
PACKED_FORMATS = {1: "gray", 3: "bgr24", 4: "bgra"}
#: the longest side x264 (libx264) encodes: a longer one it refuses, saying only "Generic error in
#: an external library"
X264_MAX_SIDE = 16384


def packed_frame(frames: dict, image: np.ndarray):
    """A PyAV ``VideoFrame`` holding ``image`` (H x W gray, H x W x 3 BGR or H x W x 4 BGRA
    uint8, any strides): one frame of each format and size, kept in ``frames`` and refilled for
    each image (``make_writable``: a new buffer only while an encoder holds the old one).
    ``VideoFrame.from_ndarray`` made a new frame and a copy of the picture for each: 0.48 ms a
    1080p BGR frame against 0.18, 10.9 ms a BGRA one against 0.27."""
    import av

    h, w = image.shape[:2]
    ch = 1 if image.ndim == 2 else image.shape[2]
    key = (PACKED_FORMATS[ch], h, w)
    f = frames.get(key)
    if f is None:
        f = frames[key] = av.VideoFrame(w, h, key[0])
    else:
        f.make_writable()
    p = f.planes[0]
    rows = np.frombuffer(p, np.uint8, count=p.line_size * (h - 1) + w * ch)
    np.copyto(np.lib.stride_tricks.as_strided(rows, (h, w, ch), (p.line_size, ch, 1)), image.reshape(h, w, ch))
    return f


@check_arguments  # (SinkInfo(widht=1): a ConfigTypeError with a hint, not a bare TypeError)
@dataclass
class SinkInfo:
    """What a sink needs to know before the first frame."""

    width: int
    height: int
    fps: float                           #: nominal output frame rate
    channels: int = 3                    #: 3 = BGR, 4 = BGRA, 1 = gray mask
    time_base: Fraction | None = None    #: source time base, so pts survive
    rotation: int = 0                    #: display rotation to carry over
    #: seconds the source took off its timestamps (SourceInfo.start): the audio copied from
    #: ``audio_from`` is shifted by as much
    start: float = 0.0
    #: the YUV matrix of the frames' source ("bt601" or "bt709", see livecut.composite.MATRICES):
    #: a YUV output is converted with it and says so, as the source did
    matrix: str = "bt601"
    #: the source's colour description to write back (colour_primaries, color_trc, and the
    #: colorspace of a stated BT.601; PyAV's codes)
    color_tags: dict = field(default_factory=dict)
    audio_from: Path | None = None       #: file whose audio streams are copied untouched
    #: the file the frames come from: a video file output keeps its tags (title, creation time,
    #: a phone's location, make and model) and its video stream's language and name
    source_file: Path | None = None
    #: the source's sample aspect ratio (non-square pixels) to write back; None: square
    sample_aspect: Fraction | None = None
    #: the source's finest regular frame rate (SourceInfo.tick_fps): AVI's tick
    tick_fps: float | None = None
    #: where the source's video ends (SourceInfo.end): its last frame lasts up to there
    end: float | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_sink_info(self)


def check_sink_info(info) -> None:
    """Refuse, before any sink is opened, an ``info`` that is not a :class:`SinkInfo` or whose
    size, frame rate, channels, rotation, matrix, time base, sample aspect or times (start, end,
    tick_fps) no sink can take: a width of 320.0, an fps of '30'
    or a tuple were a bare TypeError from deep inside a sink, 100000x100000 a MemoryError.
    A wrong type is a :class:`~livecut.errors.ConfigTypeError`, a size of none or past
    twice :data:`~livecut.imageio.MAX_VIDEO_PIXELS` (side by side) an
    :class:`~livecut.errors.ImageSizeError`, another value a :class:`~livecut.errors.ConfigError`."""
    from livecut.composite import check_matrix, check_rotation
    from livecut.errors import ConfigError, ConfigTypeError, ImageSizeError
    from livecut.imageio import MAX_VIDEO_PIXELS

    if not isinstance(info, SinkInfo):
        raise ConfigTypeError(f"sink info: expected a SinkInfo(width, height, fps, ...), got {type(info).__name__}")
    w, h, fps = info.width, info.height, info.fps
    for name, value in (("width", w), ("height", h), ("channels", info.channels)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ConfigTypeError(f"sink info: {name} {value!r}: expected a whole number")
    if w < 1 or h < 1 or w * h > 2 * MAX_VIDEO_PIXELS:
        raise ImageSizeError(f"sink info: a frame of {w}x{h}: expected at least 1x1 and at most "
                             f"{2 * MAX_VIDEO_PIXELS // 1_000_000} megapixels")
    if fps is not None and (isinstance(fps, bool) or not isinstance(fps, numbers.Real)):
        raise ConfigTypeError(f"sink info: fps {fps!r}: expected a number of frames a second")
    if info.channels not in (1, 3, 4):
        raise ConfigError(f"sink info: channels {info.channels!r}: expected 1 (mask), 3 (BGR) or 4 (BGRA)")
    check_rotation(info.rotation)
    check_matrix(info.matrix)  # ('bt2020' went through, to a bare ValueError at the first frame)
    # (a float time base or sample aspect, 1/25 or 1.5, was a bare AttributeError ('numerator') at
    # the first frame, an end of NaN a bare ValueError at the close, a negative time base a
    # "write failed (Invalid argument)")
    for name in ("time_base", "sample_aspect"):
        value = getattr(info, name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Rational):
            raise ConfigTypeError(f"sink info: {name} {value!r}: expected a Fraction, e.g. Fraction(1, 25), or None")
        if value < 0:
            raise ConfigError(f"sink info: {name} {value}: expected a Fraction of 0 or more (0: unknown) or None")
    for name in ("start", "end", "tick_fps"):
        value = getattr(info, name)
        if value is None and name != "start":
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ConfigTypeError(f"sink info: {name} {value!r}: expected a number of seconds" if name != "tick_fps"
                                  else f"sink info: tick_fps {value!r}: expected a number of frames a second or None")
        if not math.isfinite(value):
            raise ConfigError(f"sink info: {name} {value!r}: expected a finite number")


def check_frame(image, who: str, dtypes: tuple = (np.uint8,)) -> None:
    """Refuse, as an :class:`~livecut.errors.ArrayError` whose message starts with ``who``, an
    ``image`` a sink cannot write: not an HxW, HxWx1, HxWx3 (BGR) or HxWx4 (BGRA) array of
    one of ``dtypes``, or an empty one."""
    from livecut.errors import ArrayError

    if (isinstance(image, np.ndarray) and image.dtype in dtypes and image.size
            and (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3, 4)))):
        return
    got = f"{image.shape} {image.dtype}" if isinstance(image, np.ndarray) else type(image).__name__
    kinds = " or ".join(np.dtype(d).name for d in dtypes)
    raise ArrayError(f"{who}: cannot write a frame of {got}; expected an HxW, HxWx3 (BGR) or HxWx4 "
                     f"(BGRA) {kinds} image, as Compositor.apply returns")


def input_paths(inputs, who: str) -> tuple:
    """``inputs`` (the files an output must not be written over: ``open_sink(..., inputs=...)``)
    as a tuple: a path alone (a string, bytes or ``os.PathLike``) is that one input, an
    iterable of them (None among them is passed over) its items.  Another is a
    :class:`~livecut.errors.ConfigTypeError` naming ``who``: a path given alone was read
    character by character, "in.mp4" as "i", "n", ... -- none of them the input, which was then
    written over (a ``Path`` was a bare TypeError)."""
    import os

    from livecut.errors import ConfigTypeError

    if inputs is None:
        return ()
    if isinstance(inputs, (str, bytes, os.PathLike)):
        inputs = (inputs,)
    try:
        items = tuple(inputs)
    except TypeError:
        items = None
    # (a camera's index among them, as run_video gives its source, names no file)
    if items is None or not all(v is None or isinstance(v, (str, bytes, os.PathLike, int)) for v in items):
        raise ConfigTypeError(f"{who}: inputs must be a path or a list of paths (the files not to write "
                              f"over), got {type(inputs).__name__}")
    # (as text: a name in bytes was compared as "b'in.mp4'", not the input)
    return tuple(None if v is None or isinstance(v, int) else os.fsdecode(os.fspath(v)) for v in items)


def check_pts(pts, who: str) -> None:
    """Refuse a frame time (``write``'s ``pts``) that is neither None nor a finite number of
    seconds, naming ``who``: a string, NaN or infinity was a bare TypeError, ValueError or
    OverflowError from inside the sink.  A wrong type is a
    :class:`~livecut.errors.ConfigTypeError`, NaN or infinity a :class:`~livecut.errors.ConfigError`."""
    if pts is None:
        return
    from livecut.errors import ConfigError, ConfigTypeError

    if isinstance(pts, bool) or not isinstance(pts, numbers.Real):
        raise ConfigTypeError(f"{who}: pts {pts!r}: expected the frame's time in seconds (a number) or None")
    if not math.isfinite(pts):
        raise ConfigError(f"{who}: pts {pts!r}: expected the frame's time in seconds (a finite number) or None")


@runtime_checkable
class Sink(Protocol):
    def __enter__(self) -> "Sink": ...

    def __exit__(self, *exc: object) -> None: ...

    def write(self, image: np.ndarray, pts: float | None = None) -> None:
        """Write one frame (HxWx{1,3,4} uint8); ``pts`` in seconds from the source."""
        ...

    def close(self) -> None:
        """Flush and finalize (idempotent)."""
        ...
