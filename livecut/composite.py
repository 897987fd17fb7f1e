"""Alpha + frame + background -> output frame.

Backgrounds (``composite.background``):

- ``blur`` -- the original frame blurred more strongly (computed at a reduced size; a BGRA
  frame's of what shows, its colours weighed by its own alpha, blur(colour * alpha) /
  blur(alpha): where it is transparent, the colours visible near, not black);
- ``color:#RRGGBB`` -- a flat colour;
- ``image:PATH`` -- a picture scaled to cover the frame (centre crop);
- ``video:PATH`` -- frames of a video, looped (handled by the video pipeline, which
  passes each background frame to :meth:`Compositor.apply`);
- ``transparent`` -- BGRA output with the alpha as the 4th channel.

Modes (``composite.mode``): ``composite`` (subject over background), ``cutout``
(BGRA), ``mask`` (the alpha as a gray image) and ``side-by-side`` (input | composite;
a transparent background shows as black there, and so does a transparent input: a BGRA
frame's input half is what it looks like over black, its colours times its own alpha / 255,
not the colours stored under its transparent pixels).

A :class:`Compositor` keeps its output and scratch buffers between calls of the
same size; ``apply`` returns an internal buffer (copy it to keep it) -- in ``mask``
mode, the ``alpha`` it was given.  :meth:`Compositor.apply_i420` does the same on
I420 (yuv420p) frames for the modes an encoder takes as yuv420p (``composite`` over
an opaque background, ``mask``), so a transcode need not convert to BGR and back.

Work is done where it shows: the exact blend only in the tiles where alpha is
soft, the frame copied where alpha is 255, and the blurred background computed
at a reduced size and upsampled cheaply (see :class:`_Upsampler`).
"""

from __future__ import annotations

import math
import numbers
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from livecut.config import CompositeConfig, Config, section_config
from livecut.errors import ArrayError, ConfigError, ConfigTypeError, FrameSizeError, UsageError  # noqa: F401 (FrameSizeError: importable here as before)
from livecut.errors import quoted as _quoted
from livecut.frames import (FrameBuffers, Upright, as_bgr, as_bgr_alpha, bar_regions, check_alpha, check_box,
                            check_flag, check_frame_size, copied_into, with_own_alpha)
from livecut.foreground import Decontaminator
from livecut.i420 import planes
from livecut.resize import reduce_buffers, reduce_into, resize_map, upsample_into
from livecut.threads import one_at_a_time
from livecut.tiles import runs

__all__ = ["Compositor", "Background", "parse_background", "MODES", "SHOWN_MODES", "BACKGROUND_KINDS", "MATRICES",
           "bgr_to_i420", "color_i420", "check_matrix", "check_rotation", "check_sample_aspect", "cover",
           "load_background_image", "BANDS_MIN_PIXELS", "BEHIND_EPS", "SCRATCH_SHAPES", "FrameSizeError"]

#: output modes (``composite.mode``)
MODES = ("composite", "cutout", "mask", "side-by-side")
#: the modes that show the background; ``mask`` and ``cutout`` do not, and do not need its file
SHOWN_MODES = ("composite", "side-by-side")


def mode_word(value):
    """``value`` as the word of :data:`MODES` it names in any case (``Cutout``, ``MASK``), as the
    configuration's ``composite.mode`` and ``--mode`` take it; anything else as it is (refused
    by the caller, which names the words)."""
    if not isinstance(value, str):
        return value
    return next((m for m in MODES if m.casefold() == value.casefold()), value)

#: the kinds of :class:`Background`
BACKGROUND_KINDS = ("blur", "color", "image", "video", "transparent")
_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_NAMED = {
    "black": (0, 0, 0), "white": (255, 255, 255), "green": (0, 255, 0),
    "blue": (255, 0, 0), "red": (0, 0, 255), "gray": (128, 128, 128), "grey": (128, 128, 128),
}


@dataclass(frozen=True)
class Background:
    """A parsed ``--background`` value."""

    kind: str  # blur | color | image | video | transparent
    color: tuple[int, int, int] = (0, 0, 0)  # BGR
    path: Path | None = None

    def __post_init__(self) -> None:
        # (one made by hand -- Compositor(background=Background(...)) takes it as it is -- with
        # another kind, a colour of 300 or '#00ff00', or no path was a bare TypeError,
        # OverflowError or ValueError at the first frame)
        if self.kind not in BACKGROUND_KINDS:
            raise ConfigError(f"Background kind {self.kind!r}: expected one of {', '.join(BACKGROUND_KINDS)}")
        object.__setattr__(self, "color", _check_bgr(self.color, "Background color"))
        if self.kind in ("image", "video"):
            if not isinstance(self.path, (str, os.PathLike)) or not str(self.path):
                raise ConfigTypeError(f"Background {self.kind!r}: expected the path of its file, got {self.path!r}")
            object.__setattr__(self, "path", Path(self.path))

    @property
    def has_alpha(self) -> bool:
        return self.kind == "transparent"


def _check_bgr(c, who: str) -> tuple[int, int, int]:
    """``c`` as a (B, G, R) tuple of Python ints when it is three whole numbers 0-255; else a
    :class:`ConfigTypeError` (not three whole numbers) or a :class:`ConfigError` (out of range),
    the message starting with ``who``."""
    if (isinstance(c, (str, bytes)) or not hasattr(c, "__len__") or len(c) != 3
            or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in c)):
        raise ConfigTypeError(f"{who} {c!r}: expected (B, G, R), three whole numbers 0-255 "
                              "(parse_background('color:#RRGGBB') makes one)")
    if any(not 0 <= v <= 255 for v in c):
        raise ConfigError(f"{who} {c!r}: expected (B, G, R), each 0-255")
    return tuple(int(v) for v in c)


def _exists(name: str) -> bool:
    """Whether something is at ``name`` (a name too long for a file's is nothing)."""
    try:
        return Path(os.path.expanduser(name)).exists()
    except (OSError, ValueError):
        return False


def background_file(text: str) -> tuple[str, str] | None:
    """``(kind, name)`` of an ``image:PATH`` or ``video:PATH`` background as :func:`parse_background`
    takes it (``kind`` in lower case; a space after the colon no part of the name, unless a file
    of that name is there); None for another background."""
    t = text.strip()
    if not t.lower().startswith(("image:", "video:")):
        return None
    kind, value = t.split(":", 1)
    if value[:1].isspace() and not _exists(value):
        # ("image: bg.png" was 'file not found:  bg.png', though "color: #fff" is taken: a
        # space after the colon is no part of a name, unless a file of that name is there)
        value = value.lstrip()
    return kind.lower(), value


def background_ignored(mode: str | None, background: str | None, configured: str | None = None,
                       of: str = "", there: str = "") -> str | None:
    """What to say of -b given with a mode that shows no background, mask or cutout (-b
    transparent with cutout asks for what cutout writes: nothing to say), else None.
    ``configured``: the configuration's composite.mode, which a video command takes without
    --mode (-b with composite.mode = "mask" from -c or --set was ignored without a word);
    ``of``, ``there``: what it writes of and where it is ignored (a batch: its videos)."""
    # (-m '', "$MODE" with MODE unset, is --mode's, refused: it said the configuration's was ignored)
    said = f"--mode {mode}" if mode is not None else f"composite.mode = {configured} (the configuration)"
    mode = configured if mode is None else mode
    if not background or mode not in ("mask", "cutout"):
        return None
    # (none, transparent's other name, was warned of: -b transparent was not)
    if mode == "cutout" and background.strip().lower() in ("transparent", "none"):
        return None
    return (f"--background is for --mode composite or side-by-side; {said} writes "
            f"{'transparency' if mode == 'cutout' else 'the mask'}{of}, so it is ignored{there}")


def parse_background(text: str, *, files: bool = True) -> Background:
    """Parse ``blur``, ``color:#RRGGBB``, ``image:PATH``, ``video:PATH``, ``transparent`` (or ``none``); a colour
    also bare, ``#RRGGBB``, ``#RGB`` or a name (``green``), as ``color:`` takes it.  ``files=False``:
    the file of ``image:`` / ``video:`` is not looked for (a mode that shows no background:
    :data:`SHOWN_MODES`)."""
    if not isinstance(text, str):  # (None, a number, bytes: AttributeError or TypeError from .strip())
        raise ConfigTypeError(f"background: expected a string (blur, color:#RRGGBB, image:PATH, video:PATH "
                              f"or transparent), got {type(text).__name__}")
    t = text.strip()
    low = t.lower()
    if low in ("blur", "transparent", "none"):
        return Background("transparent" if low == "none" else low)
    bare = t.startswith("#") or low in _NAMED  # (-b '#00ff00' was refused: only color:#00ff00 was taken)
    if bare or low.startswith(("color:", "colour:")):
        value = t if bare else t.split(":", 1)[1].strip()
        m = _HEX.match(value)
        if m:
            hx = m.group(1) if len(m.group(1)) == 6 else "".join(c * 2 for c in m.group(1))  # #fff = #ffffff
            r, g, b = (int(hx[i:i + 2], 16) for i in (0, 2, 4))
            return Background("color", color=(b, g, r))
        if value.lower() in _NAMED:
            return Background("color", color=_NAMED[value.lower()])
        # (it named the hex forms only, not the names README gives and -b green takes)
        raise ConfigError(f"background {_quoted(text)}: expected color:#RRGGBB, #RGB or a colour name "
                          f"({', '.join(_NAMED)}), e.g. color:#00ff00 or green")
    if low.startswith(("image:", "video:")):
        kind, value = background_file(t)
        if not value:
            raise ConfigError(f"background {_quoted(text)}: give a path after '{kind.lower()}:'")
        from livecut.urls import redact_url, url_scheme

        if url_scheme(value):  # before Path() collapses :// (and hides it from redaction)
            raise ConfigError(f"background {kind.lower()}:{redact_url(value)}: is a URL; "
                              "give a local file")
        # (~USER of a user this machine lacks: as written, as the shell leaves it; pathlib's
        # expanduser raised RuntimeError, an internal error)
        path = Path(os.path.expanduser(value))
        if not files:
            return Background(kind.lower(), path=path)
        try:
            path.is_file()
        except OSError as exc:  # (a name too long for a file's: it was "internal error: OSError", exit 1)
            raise ConfigError(f"background {kind.lower()}:{path}: {exc.strerror}") from None
        if not path.is_file():
            if path.is_dir():  # (a folder of pictures is no picture: it was 'file not found')
                raise ConfigError(f"background {_quoted(text)}: {path} is a folder, not a file")
            if path.exists():
                raise ConfigError(f"background {_quoted(text)}: {path} is not a regular file")
            from livecut.atomic import not_there

            if not_there(path, ""):  # (a loop of links)
                raise ConfigError(f"background {_quoted(text)}: {path}: {not_there(path, '')}")
            raise ConfigError(f"background {_quoted(text)}: file not found: {path}")
        return Background(kind.lower(), path=path)
    try:
        named = Path(os.path.expanduser(t)).is_file()  # (a picture's name alone: say how to give it)
    except OSError:  # (a word too long for a file's name is no picture's: it was "internal error")
        named = False
    if named:
        raise ConfigError(f"background {_quoted(text)}: for a picture give image:{t} (video:{t} for a video)")
    # (it named no colour name, though -b green is taken: -b purple read as if none were)
    raise ConfigError(f"background {_quoted(text)}: expected blur, color:#RRGGBB, a colour name "
                      f"({', '.join(_NAMED)}), image:PATH, video:PATH or transparent")


def for_photos(message: str) -> str:
    """The error of a background that is no background (:func:`parse_background`'s) as
    `livecut image` says it: without the ``video:PATH`` form, which it refuses ("video
    backgrounds are for video"): ``-b purple`` listed it among the valid forms, and ``-b
    photo.jpg`` offered ``video:photo.jpg``."""
    message = message.replace("image:PATH, video:PATH or transparent", "image:PATH or transparent")
    return re.sub(r" \(video:.*? for a video\)$", "", message)


def _cover_resize(img: np.ndarray, w: int, h: int, big: np.ndarray | None = None,
                  sar: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(``img`` scaled to cover ``w`` x ``h``, its centred ``h`` x ``w`` window); ``big`` is
    reused as the scaled image when its shape fits.  ``sar``: the width of a pixel of the
    frame it covers, its height 1 (non-square pixels: ``img`` covers the frame as it is shown,
    ``w * sar`` x ``h``, and is squeezed as the frame's pixels are)."""
    ih, iw = img.shape[:2]
    s = max(w * sar / iw, h / ih)
    nw, nh = max(w, int(round(iw * s / sar))), max(h, int(round(ih * s)))
    shrunk, grown = nw < iw or nh < ih, nw > iw or nh > ih
    interp = cv2.INTER_AREA if shrunk else cv2.INTER_LINEAR
    if (grown or not shrunk) and nw * nh > COVER_MAX_SCALED * w * h:
        # a picture of a far other shape (a strip behind a 1080p frame, a square behind a
        # banner): the scaled picture is mostly cropped away, and was made whole first (a
        # 100x10000 strip behind 1920x1080: 1.1 GB; beyond memory, a cv2.error).  Only the
        # window is made: the same bilinear mapping as the resize's, as one warp
        if shrunk:  # (pixels of an extreme aspect: one side grown, the other shrunk first)
            img = cv2.resize(img, (min(nw, iw), min(nh, ih)), interpolation=cv2.INTER_AREA)
            ih, iw = img.shape[:2]
        m = resize_map(iw / nw, ih / nh, (nw - w) // 2, (nh - h) // 2)
        if big is None or big.shape[:2] != (h, w) or big.shape[2:] != img.shape[2:]:
            big = None  # (a video background's window is made into the same buffer each frame)
        window = cv2.warpAffine(img, m, (w, h), dst=big, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_REPLICATE)
        return window, window
    if big is None or big.shape[:2] != (nh, nw) or big.shape[2:] != img.shape[2:]:
        big = None
    big = cv2.resize(img, (nw, nh), dst=big, interpolation=interp)
    x0, y0 = (nw - w) // 2, (nh - h) // 2
    return big, big[y0:y0 + h, x0:x0 + w]


#: the pixel types :func:`cover` scales (OpenCV's resize takes these)
_COVER_DTYPES = tuple(np.dtype(t) for t in (np.uint8, np.uint16, np.int16, np.float32, np.float64))


def cover(img: np.ndarray, w: int, h: int, *, sar: float = 1.0) -> np.ndarray:
    """Scale ``img`` (HxW or HxWxC; uint8, uint16, int16 or float32/64) to cover ``w`` x ``h``
    (whole numbers above 0) and centre-crop it; ``sar``, the frame's pixel aspect (see
    :attr:`Compositor.sample_aspect`), covers it as shown.  Another picture is an
    :class:`ArrayError` (an empty one a :class:`FrameSizeError`), another size a
    :class:`FrameSizeError` (they were a cv2.error, a ZeroDivisionError, or an empty array
    given back)."""
    w, h = check_frame_size("cover", w, h)
    sar = check_sample_aspect(sar)
    if not (isinstance(img, np.ndarray) and img.ndim in (2, 3) and img.dtype in _COVER_DTYPES):
        got = f"{img.shape} {img.dtype}" if isinstance(img, np.ndarray) else type(img).__name__
        raise ArrayError(f"cover: expected an HxW or HxWxC picture of uint8, uint16, int16 or float32/64, got {got}")
    if not img.size:
        raise FrameSizeError(f"cover: the picture is {img.shape}: empty")
    return np.ascontiguousarray(_cover_resize(img, w, h, sar=sar)[1])


def load_background_image(path: Path) -> np.ndarray:
    """The picture of an ``image:PATH`` background as 8-bit BGR; its errors say that it is the
    background (the input's message, "a video, not an image (cut a video with: livecut file
    ...)", told to cut the background).  A picture with transparency is taken as it shows over
    black, its colours times its alpha / 255 (the colours stored under its transparent pixels,
    which nothing shows, were put in: a PNG transparent all over showed its hidden green);
    :func:`livecut.images.background_warning` says so."""
    from livecut.errors import LivecutError
    from livecut.imageio import _video_container, read_image, to_bgr8  # (imageio imports nothing of ours)

    try:
        # (8-bit BGR as a photo is read: a 16-bit or floating-point picture too)
        bgr, own = to_bgr8(read_image(path))
        if own is not None and own.min() < 255:
            cv2.multiply(bgr, cv2.merge((own,) * 3), dst=bgr, scale=1.0 / 255.0)
        return bgr
    except LivecutError as exc:
        try:
            video = _video_container(np.fromfile(path, np.uint8, count=12))
        except OSError:
            video = False
        if video:
            raise type(exc)(f"background image:{path}: a video, not a picture (`livecut file` plays "
                            f"it behind the subject as -b video:{path})") from None
        raise type(exc)(f"background image: {exc}") from None


#: a picture or video background scaled up to cover the frame is made only where the frame
#: shows it when it would be this many times the frame's pixels (see :func:`_cover_resize`)
COVER_MAX_SCALED = 4

#: tile size (pixels) of the soft-band search (a power of two)
BAND_TILE = 16
#: soft tiles of one row closer than this many tiles are blended as one rectangle (each
#: rectangle costs a few OpenCV calls: fewer, wider ones are cheaper than many small)
BAND_GAP = 9  # odd: a centred kernel (an even one makes the closing shift, not only grow)
#: tile rows joined into one band of rectangles (see :class:`_SoftTiles`): an I420 frame's (its
#: chroma's tiles, each rectangle blended into three planes)
BAND_ROWS = 4
#: ... and a BGR frame's, composited band by band (Compositor._composite): bands of 64 rows
#: (32 at half size), where the rows written are still in the cache when they are blended and
#: copied over, and the rectangles fit the subject's edge closer.  Timed alternately against 4
#: (128 rows) on the bench's frame and alpha: 1080p 3.05-3.08 -> 2.95 ms, 4K 11.35 -> 10.77 ms;
#: the I420 composite is slower so at 1080p (2.51-2.54 -> 2.76 ms: three planes' blends a rectangle)
BAND_ROWS_BGR = 2
#: BGR frames of at least this many pixels (and even sides) are composited band by band
#: (Compositor._composite): at 1920x1080 3.9 -> 3.1 ms, at 1280x720 the same (2.1 ms), at
#: 640x360 0.80 -> 0.84 ms (the bands' calls cost more than the cache saves).  I420 frames
#: always are (1080p 3.4 -> 2.8 ms, 720p 1.85 -> 1.65, 360p 0.93 -> 0.86)
BANDS_MIN_PIXELS = 1_000_000
#: frames up to this size (4K) have every buffer made on a size's first call, whatever the mode
#: (a video's); larger ones (photos) each on its first use: a 61-megapixel cutout made 18 bytes
#: a pixel of them, 4 of which it uses
EAGER_PIXELS = 3840 * 2160
#: blur sigma in pixels of the reduced frame the blur background is computed on
#: (it sets that frame's size: 2.5 / ``blur_strength`` on its long side, at most 160)
BLUR_SMALL_SIGMA = 2.5
#: the blur background's fallback where nothing near a pixel is background (see
#: :meth:`_BlurBackground._behind`): this share of the plain blur is added (a numerical floor
#: of the weights' blur, which is 0-1; not chosen from pictures)
BEHIND_EPS = 1e-3
#: the blur background of a picture with its own transparency (see :meth:`_BlurBackground._visible`):
#: where the blur of its own alpha (0-1) is about this or less -- a kernel's reach or more from
#: anything visible -- the picture's mean visible colour is taken (a numerical floor, as
#: BEHIND_EPS; not chosen from pictures)
VISIBLE_EPS = 1e-3
#: the blur background of a picture with its own transparency: a pixel of its reduced alpha
#: under this (of 255) is too faint to colour it (a lossy video's alpha leaves specks of 1-3
#: where it is transparent: each, the only thing visible within the blur's reach, spread its
#: colour, read from a premultiplied 8-bit value of 0-3, as a black or saturated blob as wide
#: as the blur); it is taken as transparent there
VISIBLE_FLOOR = 16
#: the sigmas its blurs reach (their kernels' half width): the blur of its alpha falls through
#: VISIBLE_EPS about 3 sigma from what is visible, and a kernel cut off there (3 sigma, the plain
#: blur's) dropped it from about VISIBLE_EPS to 0 at once -- the visible colours stopped at a
#: hard edge, half way to the mean, a box around each part
VISIBLE_REACH = 5.0
#: rows of the full-size blur background that share one upsampled row (see :class:`_Upsampler`)
BLUR_ROW_STEP = 4


class _Upsampler:
    """Upsample a small, smooth image to ``dst_hw`` at little more than a copy's cost.

    The small image is resized (bilinear, :func:`~livecut.resize.upsample_into`) to the full
    width and ``1/step`` of the height, then each of those rows is written to ``step`` consecutive output rows
    (plain row copies).  A full bilinear resize costs about 5x a copy of the output
    on one core; for a blur background whose sigma is tens of pixels, neighbouring
    rows differ by well under a level, so a step of 4 rows changes the picture by a
    fraction of a level on average (measured in ``docs/composite-blur-cheap.png``).
    """

    def __init__(self, dst_hw: tuple[int, int], channels: int, step: int = BLUR_ROW_STEP):
        h, w = dst_hw
        self.step = max(1, step) if h >= 8 * step else 1
        self.rows = -(-h // self.step)
        shape = (self.rows, w, channels) if channels > 1 else (self.rows, w)
        self.mid = np.empty(shape, np.uint8) if self.step > 1 else None

    def __call__(self, small: np.ndarray, dst: np.ndarray) -> None:
        if self.prepare(small, dst):
            self.rows_into(dst, 0, dst.shape[0])

    def prepare(self, small: np.ndarray, dst: np.ndarray) -> bool:
        """Upsample ``small`` to the rows of :attr:`mid`; True if :meth:`rows_into` is to
        write ``dst``'s rows from them, False if ``dst`` was written whole already (a step of 1)."""
        if self.mid is None:
            upsample_into(small, dst)
            return False
        upsample_into(small, self.mid)
        return True

    def rows_into(self, dst: np.ndarray, r0: int, r1: int) -> None:
        """Rows ``r0 .. r1 - 1`` of the output into ``dst`` (the whole output plane), from
        :attr:`mid` as :meth:`prepare` left it: row ``i`` is row ``i // step`` of it."""
        mid, k = self.mid, self.step
        # the first, partial group of k rows; then one broadcast copy into the whole groups
        # (splitting the first axis is a view of any dst, strided or not: ~40 % less time
        # than k strided copies); then the last, partial group
        a = min(r1, -(-r0 // k) * k)
        if a > r0:
            dst[r0:a] = mid[r0 // k]
        n = (r1 - a) // k
        if n:
            np.copyto(dst[a:a + n * k].reshape((n, k) + dst.shape[1:]), mid[a // k:a // k + n, None])
        if a + n * k < r1:
            dst[a + n * k:r1] = mid[(a + n * k) // k]


class _BlurBackground:
    """The ``blur`` background of an image or plane of one size: reduce, blur, upsample.
    ``sar``: the pixels' aspect (their width, their height 1; see
    :attr:`Compositor.sample_aspect`): the blur is round as the picture is shown, its sigma
    ``strength`` of the shown long side (it was round in the stored pixels: footage of
    pixels 4/3 as wide shown with a blur 4/3 as wide as tall)."""

    def __init__(self, hw: tuple[int, int], channels: int, strength: float, sar: float = 1.0):
        h, w = hw
        side = min(160.0, BLUR_SMALL_SIGMA / max(strength, 1e-6))
        scale = min(1.0, side / max(h, w))
        sw, sh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
        self.small = np.empty((sh, sw, channels) if channels > 1 else (sh, sw), np.uint8)
        self.mid = reduce_buffers((h, w), (sh, sw), channels)
        # (down the rows; across, in pixels sar times as wide, 1 / sar of it.  Each at most the
        # reduced frame's long side, which square pixels never reach: the kernel of a stated
        # aspect of 65535 or 1/65535 was millions of taps)
        sigma = strength * max(sh, sw * sar)
        self.sigma = min(max(0.5, sigma), max(sh, sw))
        # the Gaussian's kernel, made once (cv2.GaussianBlur makes it on every call: 3/4
        # of its time at this size); the size GaussianBlur itself picks for 8-bit images
        self.kernel = cv2.getGaussianKernel(int(round(self.sigma * 6 + 1)) | 1, self.sigma)
        sx = min(max(0.5, sigma / sar), max(sh, sw))
        self.kernel_x = self.kernel if sar == 1 else cv2.getGaussianKernel(int(round(sx * 6 + 1)) | 1, sx)
        # (:meth:`_visible`'s: the same Gaussians to 5 sigma, see VISIBLE_REACH)
        self.far = (cv2.getGaussianKernel(int(round(sx * 2 * VISIBLE_REACH + 1)) | 1, sx),
                    cv2.getGaussianKernel(int(round(self.sigma * 2 * VISIBLE_REACH + 1)) | 1, self.sigma))
        # rows of the output per upsampled row: the blur's sigma over 14 pixels (at most
        # BLUR_ROW_STEP), so a step between rows stays about a level even at strong edges
        step = max(1, min(BLUR_ROW_STEP, int(strength * max(h, w * sar) / 14.0)))
        self.up = _Upsampler((h, w), channels, step)
        self._weights: dict = {}  # buffers of _behind, by the alpha's size
        self._own: dict = {}  # buffers of _visible, by the own alpha's size

    def __call__(self, src: np.ndarray, dst: np.ndarray, alpha: np.ndarray | None = None,
                 own: np.ndarray | None = None) -> None:
        if self.prepare(src, dst, alpha, own=own):
            self.up.rows_into(dst, 0, dst.shape[0])

    def prepare(self, src: np.ndarray, dst: np.ndarray, alpha: np.ndarray | None = None,
                weights: dict | None = None, own: np.ndarray | None = None) -> bool:
        """Reduce and blur ``src``; as :meth:`_Upsampler.prepare` (``dst``'s rows are then
        written by ``self.up.rows_into``, band by band).  ``alpha`` (any size: the frame's,
        for a chroma plane too): the blur of what is behind the subject (:meth:`_behind`);
        or ``weights``, :meth:`weigh` of it by a blur of this reduced size and kernel.
        ``own``: the picture's own alpha (of ``src``'s size; ``src`` is then the picture as seen
        over black, its colours times it / 255, and ``alpha`` the alpha used, the mask's times
        it): the blur of what is visible behind the subject (:meth:`_visible`)."""
        small = self.small
        reduce_into(src, small, self.mid)
        if own is not None:
            self._visible(small, alpha, own, src if self.mid is None else self.mid)
            return self.up.prepare(small, dst)
        if alpha is not None:
            weights = self.weigh(alpha)
        if weights is None:
            cv2.sepFilter2D(small, -1, self.kernel_x, self.kernel, dst=small)
        else:
            self._behind(small, weights, src if self.mid is None else self.mid)
        return self.up.prepare(small, dst)

    def weigh(self, alpha: np.ndarray) -> dict:
        """The buffers of :meth:`_behind` for ``alpha`` (the same for every plane of this reduced
        size and kernel: U and V share them, see Compositor._over_planes): ``alpha`` itself and,
        made by :meth:`_grid_weights` on a plane's first call, for each size of the samples a
        plane is reduced from, 1 - alpha at those samples and its weights."""
        b = self._weights.get(alpha.shape)
        if b is None:
            sh, sw = self.small.shape[:2]
            b = self._weights[alpha.shape] = dict(mid=reduce_buffers(alpha.shape, (sh, sw), channels=1), grids={})
        b["alpha"] = alpha
        b["made"] = set()  # (the grids made for this alpha: each made again for the next)
        return b

    def _grid_weights(self, weights: dict, grid: np.ndarray) -> dict:
        """The weights of :meth:`_behind` for a plane reduced from the samples ``grid`` (the
        plane itself, or its nearest samples at twice the reduced size: see
        :func:`~livecut.resize.reduce_into`): ``inv``, 1 - alpha at those samples (0-1, for
        each channel), ``w``, its reduction plus ``BEHIND_EPS``, and ``den``, the blur of ``w``
        (``w3``, ``den3``: for each channel)."""
        shape = grid.shape[:2]
        g = weights["grids"].get(shape)
        small = self.small
        sh, sw = small.shape[:2]
        c = small.shape[2] if small.ndim == 3 else 1
        if g is None:
            three = (sh, sw, c) if c > 1 else (sh, sw)
            g = weights["grids"][shape] = dict(
                a=np.empty(shape, np.uint8), inv1=np.empty(shape, np.float32),
                pre=np.empty(grid.shape, np.float32), w=np.empty((sh, sw), np.float32),
                den=np.empty((sh, sw), np.float32), f=np.empty(three, np.float32), num=np.empty(three, np.float32))
            # (the weights for each channel: numpy's product and quotient of a colour image and a
            # plane broadcast over its channels took 7x those of two arrays of one shape)
            g["w3"], g["den3"] = (np.empty(three, np.float32), np.empty(three, np.float32)) if c > 1 else (g["w"], g["den"])
            g["inv"] = np.empty(grid.shape, np.float32) if c > 1 else g["inv1"]
        if shape in weights["made"]:
            return g
        alpha, mid = weights["alpha"], weights["mid"]
        a = g["a"]
        if alpha.shape == shape:
            np.copyto(a, alpha)
        elif mid is not None and mid.shape == shape:
            # (the alpha's own samples, as reduce_into took them for the plane: the same places)
            cv2.resize(alpha, (shape[1], shape[0]), dst=mid, interpolation=cv2.INTER_NEAREST_EXACT)
            np.copyto(a, mid)
        else:  # (a chroma plane, half the alpha's size, reduced whole: a small frame's)
            cv2.resize(alpha, (shape[1], shape[0]), dst=a, interpolation=cv2.INTER_AREA)
        inv1, w, den = g["inv1"], g["w"], g["den"]
        # (numpy's arithmetic, not OpenCV's: OpenCV 5.1 takes a 1x1 array beside a number for
        # a scalar and leaves dst= as it was -- a 1x1 frame's weights stayed 0, its blur came
        # out 255 for 200; these arrays are of the reduced size or twice it, a few thousand pixels)
        np.subtract(255.0, a, out=inv1)
        np.multiply(inv1, 1.0 / 255.0, out=inv1)
        cv2.resize(inv1, (sw, sh), dst=w, interpolation=cv2.INTER_AREA)
        if c > 1:
            cv2.merge((inv1,) * c, dst=g["inv"])
        # (BEHIND_EPS added to the weights, not to their blur and the colours' -- blur(w) + eps and
        # blur(colour * w) + eps * blur(colour), as :meth:`_behind` says -- the same sums, a blur
        # being linear and of a constant that constant: one blur of the colours less)
        np.add(w, BEHIND_EPS, out=w)
        cv2.sepFilter2D(w, -1, self.kernel_x, self.kernel, dst=den)
        if g["w3"] is not w:
            cv2.merge((w,) * c, dst=g["w3"])
            cv2.merge((den,) * c, dst=g["den3"])
        weights["made"].add(shape)
        return g

    def _behind(self, small: np.ndarray, weights: dict, grid: np.ndarray) -> None:
        """``small`` blurred with each pixel weighted by how much it is background, 1 - alpha
        (``weights``: :meth:`weigh`; normalised convolution): the subject's colours stay out of
        the background around it, as a lens shows what is behind a subject, not the subject
        spread.  A plain blur let a bright subject over a dark background glow into it: 90 levels at 0-4 px out, 65 at
        10-20, 41 at 20-40 (a 1280x720 scene, against the background blurred on its own).
        The colours are weighted before they are reduced, at the samples ``grid`` that ``small``
        was reduced from: a reduced pixel on the subject's edge, its colour half the subject's
        and weighted as half background, spread the subject still, 7 levels at 0-4 px out and 3
        at 20-40 (0 now).  Where the weights' blur is near 0 (deep inside a large subject, where
        the background is hidden anyway) it falls back to the plain blur: ``BEHIND_EPS`` is
        added to each weight (and ``BEHIND_EPS`` of the reduced colours to theirs)."""
        g = self._grid_weights(weights, grid)
        f, num, pre = g["f"], g["num"], g["pre"]
        np.copyto(pre, grid, casting="unsafe")
        np.multiply(pre, g["inv"], out=pre)
        cv2.resize(pre, (f.shape[1], f.shape[0]), dst=f, interpolation=cv2.INTER_AREA)
        np.copyto(num, small, casting="unsafe")  # (num: a buffer here, the colours' share of BEHIND_EPS)
        np.multiply(num, BEHIND_EPS, out=num)
        np.add(f, num, out=f)
        cv2.sepFilter2D(f, -1, self.kernel_x, self.kernel, dst=num)
        np.divide(num, g["den3"], out=num)
        cv2.convertScaleAbs(num, dst=small)  # rounds, saturates (the result is not negative)

    def _visible(self, small: np.ndarray, alpha: np.ndarray | None, own: np.ndarray, grid: np.ndarray) -> None:
        """``small`` (the picture as seen over black, reduced) made the blur of what is visible
        of a picture with its own transparency (``own``, full size), by normalised convolution:
        its colours weighted by how much each pixel is both visible and background, ``own``
        times 1 - the mask's alpha (``alpha``, the alpha used: the mask's times ``own``).  Made
        as :meth:`_behind` makes an opaque picture's, with its transparent pixels weighing
        nothing (they weighed as background, black: a cut-out photo's transparent parts blurred
        to black, and darkened the background near them).  Where no visible background is near,
        ``BEHIND_EPS`` of the blur of its visible colours, blur(colour * own) / blur(own), is taken
        (a cut-out photo, all subject: its transparent parts take the colours visible near
        them); where nothing visible is near either, ``VISIBLE_EPS`` of its mean visible colour
        (black for a picture transparent all over).  The colours are weighted before they are
        reduced, at the samples ``grid`` that ``small`` was reduced from, as :meth:`_behind`
        weights them: a reduced pixel on the subject's edge spread the subject (a bright one over
        a dark background: 10 levels brighter 0-4 px out, 5 at 20-40)."""
        b = self._own.get(own.shape)
        if b is None:
            sh, sw = small.shape[:2]
            shape = small.shape
            b = self._own[own.shape] = dict(
                own=np.empty((sh, sw), np.uint8), a=np.empty((sh, sw), np.uint8),
                mid=reduce_buffers(own.shape, (sh, sw), channels=1),
                ao=np.empty((sh, sw), np.float32), w=np.empty((sh, sw), np.float32),
                den=np.empty((sh, sw), np.float32),
                near=np.empty((sh, sw), np.float32), f=np.empty(shape, np.float32),
                num=np.empty(shape, np.float32), plain=np.empty(shape, np.float32),
                faint=np.empty((sh, sw), bool))
        kx, k = self.far
        ao, w, den, near, f, num, plain = (b[n] for n in ("ao", "w", "den", "near", "f", "num", "plain"))
        reduce_into(own, b["own"], b["mid"])
        # (the same sampling for the colours, their alpha and the alpha used: one size)
        np.multiply(b["own"], np.float32(1.0 / 255.0), out=ao)
        faint = b["faint"]  # (VISIBLE_FLOOR: weighing nothing, as a transparent pixel)
        np.less(b["own"], VISIBLE_FLOOR, out=faint)
        np.copyto(ao, 0.0, where=faint)
        if alpha is None:
            w[:] = 0.0
        else:
            reduce_into(alpha, b["a"], b["mid"])
            # visible and background: own - alpha used (the latter own times the mask's, not above it)
            np.subtract(b["own"], b["a"], out=w, dtype=np.float32)
            np.maximum(w, 0.0, out=w)
            np.multiply(w, np.float32(1.0 / 255.0), out=w)
            np.copyto(w, 0.0, where=faint)
        np.copyto(f, small, casting="unsafe")
        np.copyto(f, 0.0, where=faint[..., None] if f.ndim == 3 else faint)
        # (numpy's arithmetic on these reduced arrays, as in weigh: a 1x1 one beside OpenCV's scalars)
        c = f.shape[2] if f.ndim == 3 else 1
        total = cv2.sumElems(b["own"])[0] / 255.0
        mean = np.array(cv2.sumElems(small)[:c]) / total if total > 0 else np.zeros(c)
        cv2.sepFilter2D(f, -1, kx, k, dst=plain)
        if alpha is None:
            f[:] = 0.0
        else:
            self._visible_weighted(b, alpha, own, grid, f)
            np.copyto(f, 0.0, where=faint[..., None] if f.ndim == 3 else faint)
        cv2.sepFilter2D(f, -1, kx, k, dst=num)
        cv2.sepFilter2D(w, -1, kx, k, dst=den)
        cv2.sepFilter2D(ao, -1, kx, k, dst=near)
        # num = blur(colour * w) + BEHIND_EPS * (blur(colour * own) + VISIBLE_EPS * mean colour)
        # den = blur(w) + BEHIND_EPS * (blur(own) + VISIBLE_EPS)
        np.multiply(plain, BEHIND_EPS, out=plain)
        np.add(num, plain, out=num)
        np.add(num, (BEHIND_EPS * VISIBLE_EPS) * (mean.astype(np.float32) if f.ndim == 3 else np.float32(mean[0])),
               out=num)
        np.multiply(near, BEHIND_EPS, out=near)
        np.add(den, near, out=den)
        np.add(den, BEHIND_EPS * VISIBLE_EPS, out=den)
        np.divide(num, den[..., None] if num.ndim == 3 else den, out=num)
        cv2.convertScaleAbs(num, dst=small)

    @staticmethod
    def _visible_weighted(b: dict, alpha: np.ndarray, own: np.ndarray, grid: np.ndarray, f: np.ndarray) -> None:
        """Into ``f`` (the reduced size): the colours of what is visible and background,
        colour * (own - alpha used) / 255, made at the samples ``grid`` of the picture as seen
        (colour * own / 255) and then reduced: there ``grid`` times (own - alpha used) / own."""
        shape = grid.shape[:2]
        g = b.setdefault("grids", {}).get(shape)
        if g is None:
            g = b["grids"][shape] = dict(o=np.empty(shape, np.uint8), a=np.empty(shape, np.uint8),
                                         p=np.empty(shape, np.float32), pre=np.empty(grid.shape, np.float32))
        o, a, p, pre = g["o"], g["a"], g["p"], g["pre"]
        if own.shape == shape:
            np.copyto(o, own)
            np.copyto(a, alpha)
        else:  # (the samples reduce_into takes: see _BlurBackground._grid_weights)
            cv2.resize(own, (shape[1], shape[0]), dst=o, interpolation=cv2.INTER_NEAREST_EXACT)
            cv2.resize(alpha, (shape[1], shape[0]), dst=a, interpolation=cv2.INTER_NEAREST_EXACT)
        np.subtract(o, a, out=p, dtype=np.float32)
        np.maximum(p, 0.0, out=p)
        np.divide(p, np.maximum(o, 1, dtype=np.float32), out=p)
        np.copyto(pre, grid, casting="unsafe")
        np.multiply(pre, p[..., None] if pre.ndim == 3 else p, out=pre)
        cv2.resize(pre, (f.shape[1], f.shape[0]), dst=f, interpolation=cv2.INTER_AREA)


#: the most rectangle shapes whose work arrays a :class:`_Scratch` keeps
SCRATCH_SHAPES = 256


class _Scratch:
    """Two work arrays for :func:`_blend_rect` of a colour frame, kept between calls: of the
    size of each rectangle blended (contiguous, as new arrays are), taken from two buffers
    grown to the largest one met (a band's height by the frame's width at most).  Each blend
    made three new arrays of its rectangle (the alpha for each channel, the frame's term,
    255 - alpha): fresh memory every call."""

    def __init__(self) -> None:
        self._bufs: tuple[np.ndarray, np.ndarray] | None = None
        # the views of each shape met, kept (a frame's rectangles are mostly of the last one's
        # shapes: a dict look-up, where making the two views took 1 us, 55 times a 1080p frame's
        # BGR and I420 composites); let go when the buffers grow or there are SCRATCH_SHAPES
        self._views: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        views = self._views.get(shape)
        if views is not None:
            return views
        n = math.prod(shape)
        if self._bufs is None or self._bufs[0].size < n:
            self._bufs = (np.empty(n, np.uint8), np.empty(n, np.uint8))
            self._views.clear()
        if len(self._views) >= SCRATCH_SHAPES:
            self._views.clear()
        views = self._views[shape] = self._bufs[0][:n].reshape(shape), self._bufs[1][:n].reshape(shape)
        return views


class _SoftTiles:
    """Where an alpha of one size is soft (0 < a < 255), by tiles, and where it is 255.

    Tiles are ``2 * tile`` rows by ``tile`` columns.  The soft mask is reduced to one
    value per ``tile`` square by 2x2 area halvings (OpenCV's fast path; a single soft
    pixel stays nonzero through them), row pairs are joined, and each horizontal run
    of soft tiles becomes one rectangle to blend: a few dozen per HD frame, so the
    per-call cost of the blend stays small (merging runs further costs more in
    Python than it saves).
    """

    def __init__(self, hw: tuple[int, int], tile: int = BAND_TILE, rows: int = BAND_ROWS):
        h, w = hw
        self.hw, self.tile = hw, (2 * tile, tile)
        gh, gw = -(-h // (2 * tile)), -(-w // tile)
        self._soft = np.zeros((2 * gh * tile, gw * tile), np.uint8)  # the padding stays 0
        self._soft_view = self._soft[:h, :w]
        self._levels = []
        lh, lw = self._soft.shape
        while lw > gw:
            lh, lw = lh // 2, lw // 2
            self._levels.append(np.empty((lh, lw), np.uint8))
        self._grid = np.empty((gh, gw), np.uint8)
        self._close = np.ones((1, BAND_GAP), np.uint8)
        # tile rows are joined ``rows`` at a time (their soft columns OR-ed): a band running
        # down the subject's side becomes one tall rectangle instead of one per tile row
        self._rows = max(1, min(rows, gh))
        nb = -(-gh // self._rows)
        self._joined = np.zeros((nb * self._rows, gw), np.uint8)
        self._joined_view = self._joined[:gh]
        self._joined_tile = (self._rows * 2 * tile, tile)
        #: 255 where alpha is 255 (after :meth:`over`; the band-by-band composites write it by bands)
        self.opaque = np.empty((h, w), np.uint8)
        #: the work arrays of the blends of the rectangles found (:func:`_blend_rect`)
        self.scratch = _Scratch()

    @property
    def band_rows(self) -> int:
        """Rows of a band of joined tile rows: each rectangle :meth:`plan` gives lies in one."""
        return self._joined_tile[0]

    def plan(self, alpha: np.ndarray) -> list:
        """The rectangles (y0, y1, x0, x1) to blend."""
        cv2.inRange(alpha, 1, 254, dst=self._soft_view)
        src = self._soft
        for lv in self._levels:
            cv2.resize(src, (lv.shape[1], lv.shape[0]), dst=lv, interpolation=cv2.INTER_AREA)
            src = lv
        grid = np.maximum(src[0::2], src[1::2], out=self._grid)
        if BAND_GAP > 1:  # join runs of a row closer than BAND_GAP tiles: fewer, wider blends
            # (the default border: the image edge neither grows nor erodes the tiles)
            cv2.morphologyEx(grid, cv2.MORPH_CLOSE, self._close, dst=grid)
        if grid.any():
            self._joined_view[...] = grid
            j = self._joined.reshape(-1, self._rows, grid.shape[1]).max(axis=1)
            rects = runs(j > 0, self._joined_tile, self.hw).tolist()
        else:
            rects = []
        return rects

    def over(self, fg: np.ndarray, alpha: np.ndarray, out: np.ndarray) -> None:
        """``out = fg * a + out * (1 - a)`` (``out`` holds the background)."""
        for y0, y1, x0, x1 in self.plan(alpha):
            _blend_rect(fg[y0:y1, x0:x1], alpha[y0:y1, x0:x1], out[y0:y1, x0:x1], scratch=self.scratch)
        # (one masked copy over the whole plane costs less than finding the opaque box first)
        _at_least(alpha, 255, self.opaque)
        cv2.copyTo(fg, self.opaque, out)


def _by_band(rects, band: int) -> dict[int, list]:
    """:meth:`_SoftTiles.plan`'s rectangles by the band of ``band`` rows each lies in."""
    out: dict[int, list] = {}
    for r in rects:
        out.setdefault(r[0] // band, []).append(r)
    return out


def _doubled(rects) -> list:
    """Slices of the full-size rectangles of rectangles (y0, y1, x0, x1) found at half size."""
    return [np.s_[2 * y0:2 * y1, 2 * x0:2 * x1] for y0, y1, x0, x1 in rects]


def _fill_rows(dst: np.ndarray, fill, r0: int, r1: int) -> None:
    """Rows ``r0 .. r1 - 1`` of the background into ``dst``: ``fill`` is an :class:`_Upsampler`
    that writes them, the background's own plane or frame, or None (written whole already)."""
    if isinstance(fill, _Upsampler):
        fill.rows_into(dst, r0, r1)
    elif fill is not None:
        np.copyto(dst[r0:r1], fill[r0:r1])


def _bands(alpha, tiles, half):
    """(c0, c1, rects, full-size slices, clear, (x0, x1)) per band of ``tiles``' plan of ``alpha`` at
    half size; ``clear``: the band's alpha is 0 at half size (each 2x2 block of the full size's 0-1:
    taken as 0), so it is background alone, no blend nor copy of the frame to make there;
    ``(x0, x1)``: the half size's columns where the band's alpha is not 0 there (the subject's
    extent, its bounding box: every pixel of 2 or more at full size lies in the doubled columns,
    and so every one the frame is copied at), where the opaque copy is made."""
    h, w = alpha.shape
    cv2.resize(alpha, (w // 2, h // 2), dst=half, interpolation=cv2.INTER_AREA)
    rects = tiles.plan(half)
    band = tiles.band_rows
    by_band = _by_band(rects, band)
    for i, c0 in enumerate(range(0, h // 2, band)):
        mine = by_band.get(i, ())
        c1 = min(h // 2, c0 + band)
        x, _, bw, _ = cv2.boundingRect(half[c0:c1])
        yield c0, c1, mine, _doubled(mine), not (mine or bw), (x, x + bw)


def _full_band(src, alpha, dst, fill, opaque, y0, y1, rects, clear=False, scratch=None, cols=None) -> None:
    """Rows y0..y1 of a full-size plane (or BGR frame): background, blends, opaque copy
    (``clear``: background alone, see :func:`_bands`; ``scratch``: :class:`_Scratch`; ``cols``:
    the columns (x0, x1) outside which alpha is 0-1, the opaque copy made within them alone)."""
    _fill_rows(dst, fill, y0, y1)
    if clear:
        return
    for r in rects:
        _blend_rect(src[r], alpha[r], dst[r], scratch=scratch)
    x = np.s_[:] if cols is None else np.s_[cols[0]:cols[1]]
    _opaque(alpha[:, x], opaque[:, x], y0, y1, rects, cols)
    cv2.copyTo(src[y0:y1, x], opaque[y0:y1, x], dst[y0:y1, x])


def _same_view(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` and ``b`` are the same pixels of the same memory."""
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            and a.shape == b.shape and a.strides == b.strides)


def _at_least(alpha: np.ndarray, level: int, dst: np.ndarray) -> None:
    """``dst`` = 255 where ``alpha`` >= ``level``, else 0."""
    if alpha.size > 4:
        cv2.compare(alpha, level - 1, cv2.CMP_GT, dst=dst)  # (twice as fast as inRange)
    else:  # (OpenCV's Python binding takes a 1x1 array for a scalar there, and OpenCV 5.1 the
        # number beside a 4x1 one for the column (level - 1, 0, 0, 0): a frame 4 pixels high
        # and 1 wide, or such a rectangle at a frame's edge, was copied over where alpha > 0)
        cv2.inRange(alpha, level, 255, dst=dst)


def _opaque(alpha: np.ndarray, dst: np.ndarray, y0: int, y1: int, blended, cols=None) -> None:
    """``dst`` = where the frame is copied over the band of rows ``y0 .. y1``: alpha 253-255
    outside the ``blended`` rectangles (slices) -- where the soft tiles, found at half size,
    may have missed a lone 253 or 254 (or 1-2: taken as 0) -- and nowhere inside them, whose
    blend is the frame itself where alpha is 255 (a second comparison of their alpha, == 255,
    copied the frame over it: the same bytes; on the bench's I420 luma 93 -> 60 us a frame).
    ``cols``: (x0, x1) of the whole plane's columns that ``alpha`` and ``dst`` are (the slices
    are the whole plane's; the parts of them outside ``cols`` are left out)."""
    _at_least(alpha[y0:y1], 253, dst[y0:y1])
    for r in blended:
        if cols is not None:
            x0, x1 = max(r[1].start, cols[0]), min(r[1].stop, cols[1])
            if x0 >= x1:
                continue
            r = r[0], slice(x0 - cols[0], x1 - cols[0])
        dst[r] = 0


def _blend_rect(fg: np.ndarray, a: np.ndarray, out: np.ndarray, inv: np.ndarray | None = None,
                scratch: _Scratch | None = None) -> None:
    """out = fg * a / 255 + out * (255 - a) / 255 on one rectangle, each term rounded
    (a term is never exactly halfway, so the sum is within 254/255 of the exact blend).
    ``inv``: ``255 - a`` if the caller has it (one alpha blended into two planes);
    ``scratch``: where the rectangle is worked on (:class:`_Scratch`; else new arrays: an I420
    frame's blends made ~0.5 MB of them a 720p frame, a few dozen arrays, with an edge of usual
    softness)."""
    if fg.ndim == 3:
        t, w = scratch(out.shape) if scratch is not None else (np.empty_like(out), np.empty_like(out))
        if fg.shape[2] == 3:
            cv2.cvtColor(a, cv2.COLOR_GRAY2BGR, dst=w)
        else:
            cv2.merge((a,) * fg.shape[2], dst=w)
        cv2.multiply(fg, w, dst=t, scale=1.0 / 255.0)
        cv2.multiply(out, cv2.bitwise_not(w, dst=w), dst=out, scale=1.0 / 255.0)
        cv2.add(out, t, dst=out)
        return
    t, w = scratch(out.shape) if scratch is not None else (None, None)
    t = cv2.multiply(fg, a, dst=t, scale=1.0 / 255.0)
    cv2.multiply(out, cv2.bitwise_not(a, dst=w) if inv is None else inv, dst=out, scale=1.0 / 255.0)
    cv2.add(out, t, dst=out)


#: the YUV matrices of video (limited range): ``bt601`` (SD, and what swscale and OpenCV
#: assume when a video does not say) and ``bt709`` (HD video that says so)
MATRICES = ("bt601", "bt709")
#: BGR -> (U, V) of BT.601 limited range (what swscale and OpenCV's I420 conversion use)
_BGR2UV = np.array([[0.439, -0.291, -0.148, 128.0], [-0.071, -0.368, 0.439, 128.0]], np.float32)
#: BGR -> Y and (U, V) of BT.709 limited range (Kr 0.2126, Kb 0.0722)
_BGR2Y_709 = np.array([[0.06201, 0.61423, 0.18259, 16.0]], np.float32)
#: the luma row three times: cv2.transform's fast 3-to-3 channel path (one rounding), whose
#: first channel is the luma
_BGR2YYY_709 = np.repeat(_BGR2Y_709, 3, axis=0)
_BGR2UV_709 = np.array([[0.43922, -0.33857, -0.10064, 128.0], [-0.04027, -0.39894, 0.43922, 128.0]], np.float32)


def check_matrix(value: str) -> str:
    """``value`` if it is one of :data:`MATRICES`, else a :class:`ConfigError` (a
    :class:`ConfigTypeError` for what is not a string) naming them."""
    if not isinstance(value, str):
        raise ConfigTypeError(f"matrix {value!r}: expected a string, one of {', '.join(MATRICES)}")
    if value not in MATRICES:
        raise ConfigError(f"matrix {value!r}: expected one of {', '.join(MATRICES)}")
    return value


def check_sample_aspect(value) -> float:
    """``value`` (a pixel aspect ratio: a pixel's width, its height 1; a Fraction, a number,
    or None for square pixels) as a float; anything but a positive finite number a
    :class:`ConfigError`, a non-number a :class:`ConfigTypeError`."""
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigTypeError(f"sample aspect {value!r}: expected a number (a pixel's width, its height 1)")
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"sample aspect {value!r}: expected a number above 0 (a pixel's width, its height 1)")
    return float(value)


def check_rotation(value) -> int:
    """``value`` (a display rotation in degrees: a multiple of 90, negative or past 360 too)
    as 0, 90, 180 or 270; anything else a :class:`ConfigError` (45 was kept and ignored: the
    backgrounds were not turned), a non-number a :class:`ConfigTypeError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigTypeError(f"rotation {value!r}: expected a number of degrees (0, 90, 180 or 270)")
    if not math.isfinite(value) or value % 90:
        raise ConfigError(f"rotation {value!r}: expected a multiple of 90 degrees (0, 90, 180 or 270)")
    return int(value) % 360


def bgr_to_i420(bgr: np.ndarray, dst: np.ndarray | None = None, half: np.ndarray | None = None,
                uv: np.ndarray | None = None, matrix: str = "bt601",
                scratch: np.ndarray | None = None) -> np.ndarray:
    """BGR (even sizes) -> I420, limited range, of ``matrix`` (see :data:`MATRICES`), with
    each U and V sample taken from the 2x2 average of the pixels it covers, as swscale
    does (OpenCV's I420 conversion samples one pixel of the four).  ``dst``, ``half``
    ((H/2, W/2, 3)), ``uv`` ((H/2, W/2, 2)) and, for BT.709, ``scratch`` (H x W x 3 uint8)
    are reused when given.  Another ``matrix`` is a :class:`ConfigError` (see
    :func:`check_matrix`); a ``bgr`` that is not HxWx3 uint8 (gray, BGRA: convert it with
    :func:`~livecut.frames.as_bgr`) or a ``dst`` not a writable C-order (H * 3 // 2, W) uint8
    array an :class:`ArrayError`, odd or empty sizes a :class:`FrameSizeError`."""
    check_matrix(matrix)
    if not (isinstance(bgr, np.ndarray) and bgr.dtype == np.uint8 and bgr.ndim == 3 and bgr.shape[2] == 3):
        got = f"{bgr.shape} {bgr.dtype}" if isinstance(bgr, np.ndarray) else type(bgr).__name__
        # (a BGRA frame's chroma was made without its +128, a gray or float one a cv2.error)
        raise ArrayError(f"bgr_to_i420: expected an HxWx3 uint8 BGR image, got {got}")
    h, w = bgr.shape[:2]
    if h % 2 or w % 2 or not h * w:
        # (BT.709 wrote a frame of the wrong size without a word, BT.601 was a cv2.error)
        raise FrameSizeError(f"bgr_to_i420: a frame of {w}x{h}; I420 needs even sizes, at least 2x2")
    if dst is not None and not (isinstance(dst, np.ndarray) and dst.dtype == np.uint8
                                and dst.shape == (h * 3 // 2, w) and dst.flags.c_contiguous
                                and dst.flags.writeable):
        got = f"{dst.shape} {dst.dtype}" if isinstance(dst, np.ndarray) else type(dst).__name__
        raise ArrayError(f"bgr_to_i420: dst is {got}; expected a writable C-order ({h * 3 // 2}, {w}) uint8 array")
    if matrix == "bt709":
        if dst is None:
            dst = np.empty((h * 3 // 2, w), np.uint8)
        if not (isinstance(scratch, np.ndarray) and scratch.shape == (h, w, 3) and scratch.dtype == np.uint8):
            scratch = np.empty((h, w, 3), np.uint8)
        # the luma rounded once, as FFmpeg's conversion is: cv2.transform's 3-to-3 path (its
        # 1-channel one costs twice as much) and its first channel.  Two weighted sums of the
        # planes (G and R, then B), each rounded to 8 bits, were a level off on a quarter of
        # the pixels, on a flat colour all of them
        cv2.transform(bgr, _BGR2YYY_709, dst=scratch)
        cv2.extractChannel(scratch, 0, dst=dst[:h])
        to_uv = _BGR2UV_709
    else:
        dst = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420, dst=dst)  # its luma; chroma is redone below
        to_uv = _BGR2UV
    half = cv2.resize(bgr, (w // 2, h // 2), dst=half, interpolation=cv2.INTER_AREA)
    uv = cv2.transform(half, to_uv, dst=uv)
    _, u, v = planes(dst, h, w)
    cv2.split(uv, [u, v])
    return dst



class ToI420:
    """A sink's frames, BGR or gray (a mask: limited-range luma, neutral chroma), as one I420
    array of ``matrix`` (:func:`bgr_to_i420`: chroma from the 2x2 average), in buffers kept from
    frame to frame (made anew for another size)."""

    def __init__(self, matrix: str):
        self.matrix = matrix
        self.yuv: np.ndarray | None = None
        self._half = self._uv = self._scratch = None

    def __call__(self, img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        if self.yuv is None or self.yuv.shape != (h * 3 // 2, w):
            self.yuv = np.empty((h * 3 // 2, w), np.uint8)
            self.yuv[h:] = 128  # (a mask's neutral chroma)
            self._half = np.empty((h // 2, w // 2, 3), np.uint8)
            self._uv = np.empty((h // 2, w // 2, 2), np.uint8)
            self._scratch = np.empty((h, w, 3), np.uint8) if self.matrix == "bt709" else None
        if img.ndim == 2 or img.shape[2] == 1:  # mask -> limited-range luma
            cv2.convertScaleAbs(img, dst=self.yuv[:h], alpha=219.0 / 255.0, beta=16.0)
        else:
            bgr_to_i420(img, self.yuv, self._half, self._uv, self.matrix, self._scratch)
        return self.yuv

def _unpickle_compositor(cfg: CompositeConfig, mode: str, background: Background, picture: np.ndarray | None,
                         matrix: str, rotation: int, sar: float, still: bool = False) -> "Compositor":
    """A Compositor of pickled settings (see :meth:`Compositor.__reduce__`): its picture as it
    was pickled, not read again (another process, another machine, may not have the file)."""
    comp = Compositor(cfg, background=Background("color"), mode=mode, still=still)
    comp._background, comp._bg_source = background, picture
    comp.matrix, comp.rotation, comp.sample_aspect = matrix, rotation, sar
    return comp


class Compositor:
    """Applies one mode and background to frames; reuses buffers for one frame size.

    Not thread-safe (it returns its own buffers): one per thread; a call of :meth:`apply`,
    :meth:`apply_i420` or :meth:`blend_over` while another thread's call of the same instance is
    in progress is a :class:`~livecut.errors.UsageError`, and so is setting :attr:`mode`,
    :attr:`background`, :attr:`rotation`, :attr:`sample_aspect` or :attr:`matrix` then (it was
    taken mid-frame); nothing is changed.

    ``still=True``: the frames are still images (``livecut image``), not a video's: with
    ``composite.decontaminate = "auto"`` the colours of the soft edge (alpha 1-254) are the
    estimated subject's (:mod:`livecut.foreground`) in a cutout and a composite; a video's
    (``still=False``, the default) keep the frame's own, as ``"off"`` does (``"on"``: both estimate).
    """

    def __init__(self, config: Config | CompositeConfig | None = None,
                 background: Background | str | None = None, mode: str | None = None, *, still: bool = False):
        #: held while a frame is composited (:func:`~livecut.threads.one_at_a_time`), and while a
        #: property's setter runs (first: the setters below are called here)
        self._busy = threading.Lock()
        cfg = section_config(config, CompositeConfig, "Compositor")
        self.cfg = cfg
        self._still = check_flag(still, "still", "Compositor")
        #: whether the colours of the frame's soft edge are the estimated foreground's
        #: (``composite.decontaminate``, ``"auto"`` resolved: on for ``still=True``, still images)
        self.decontaminate = cfg.decontaminate == "on" or (cfg.decontaminate == "auto" and self._still)
        self._fg = Decontaminator() if self.decontaminate else None
        self._shape: tuple[int, int] | None = None
        self._i420_shape: tuple | None = None  # (h, w, matrix)
        self._inner: Compositor | None = None  # the picture's inside black bars (see _inner_compositor)
        self._mode = None
        self._background: Background | None = None
        self.mode = cfg.mode if mode is None else mode
        self.background = background if background is not None else cfg.background
        self._bg: np.ndarray | None = None
        self._cover_big: np.ndarray | None = None  # video backgrounds of another size, scaled
        self._cover_big_i420: np.ndarray | None = None
        self.matrix = "bt601"
        self._rotation = 0
        self._to_stored = Upright(0)  # (the inverse of the turn that shows the frames upright)
        self._sar = 1.0
        # (a gray, BGRA, 16-bit or float frame, and a video background's frame, as BGR uint8)
        self._converted, self._bg_converted = FrameBuffers(), FrameBuffers()

    def __reduce__(self):
        """A Compositor pickles (and copies) as its settings: configuration, mode, background
        (an ``image:`` one with its picture, read already), :attr:`matrix`, :attr:`rotation` and
        :attr:`sample_aspect`; it unpickles as a new one with them, its buffers made again for
        its first frame (they were pickled too: 45 MB for one that had composited a 1080p
        frame, sent to a process pool or joblib with each task)."""
        if type(self) is not Compositor:  # (a subclass, whose state this cannot know: all of it, as
            import copyreg  # before, its class kept -- it came back a plain Compositor)

            state = self.__dict__.copy()
            del state["_busy"]  # (the lock does not pickle: a new one for the copy, see __setstate__)
            return copyreg.__newobj__, (type(self),), state
        return _unpickle_compositor, (self.cfg, self._mode, self._background, self._bg_source, self.matrix,
                                      self._rotation, self._sar, self._still)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._busy = threading.Lock()

    def __copy__(self) -> Compositor:
        # (a shallow copy shared the buffers it composites into: each one's output overwritten
        # by the other's next call -- one for each thread, made from a configured one, mixed)
        import copy

        return copy.deepcopy(self)

    @property
    def mode(self) -> str:
        """The output: one of :data:`MODES`; another is a :class:`ConfigError` when set (a
        :class:`ConfigTypeError` for what is not a string: 'x' was kept, and made composites)."""
        return self._mode

    @mode.setter
    @one_at_a_time("compositing")  # (set from another thread while a frame was composited: it was taken mid-frame)
    def mode(self, value: str) -> None:
        if not isinstance(value, str):
            raise ConfigTypeError(f"mode {value!r}: expected a string, {', '.join(MODES[:-1])} or {MODES[-1]}")
        value = mode_word(value)  # (mode="Cutout" was refused, where composite.mode = "Cutout" is taken)
        if value not in MODES:
            raise ConfigError(f"mode {value!r}: expected {', '.join(MODES[:-1])} or {MODES[-1]}")
        if value != self._mode:
            if self._background is not None and self._bg_source is None:  # (read if it now shows it)
                self._bg_source = self._picture(self._background, value)
            self._mode = value
            self._shape = self._i420_shape = None  # (the I420 buffers are made for a mode)
            self._inner = None

    @property
    def background(self) -> Background:
        """What is behind the subject: set as a :class:`Background` or a string
        (:func:`parse_background`: a picture is read then; a bad one a :class:`ConfigError`,
        another type a :class:`ConfigTypeError`; a string was kept, and the next frame an
        AttributeError).  In a mode that shows none (``mask``, ``cutout``: see
        :data:`SHOWN_MODES`) the file of a picture or video is not looked for (a missing
        one refused a mask, whose command said the background was ignored), the picture is read
        when the mode is set to one that shows it."""
        return self._background

    @background.setter
    @one_at_a_time("compositing")
    def background(self, value: Background | str) -> None:
        # (a Background as it is; anything else parsed: a string, or a ConfigTypeError)
        bg = value if isinstance(value, Background) else parse_background(value, files=self._mode in SHOWN_MODES)
        self._background, self._bg_source = bg, self._picture(bg, self._mode)
        self._shape = self._i420_shape = None  # (the background made again for the next frame)
        self._inner = None

    @staticmethod
    def _picture(bg: Background, mode: str) -> np.ndarray | None:
        """The picture of an ``image:`` background, read when ``mode`` shows it; else None."""
        return load_background_image(bg.path) if bg.kind == "image" and mode in SHOWN_MODES else None

    @property
    def rotation(self) -> int:
        """The display rotation of the frames (degrees, as a video's ``SourceInfo.rotation``
        says: a phone's portrait clip is stored sideways, 90 or 270): picture and video
        backgrounds, which are upright, are turned the way the frames are stored, so the
        output shows them upright where the video is shown turned (they were put in as
        stored, and played sideways and cropped).  0 by default."""
        return self._rotation

    @rotation.setter
    @one_at_a_time("compositing")
    def rotation(self, value: int) -> None:
        value = check_rotation(value)
        if value != self._rotation:
            self._rotation = value
            self._to_stored = Upright(-value)
            self._shape = self._i420_shape = None  # (backgrounds made again, turned)
            self._inner = None

    @property
    def sample_aspect(self) -> float:
        """The frames' pixel aspect (a stored pixel's width, its height 1, as a video's
        ``SourceInfo.sample_aspect`` says: 64/45 for 720x576 16:9, 2 for footage squeezed by an
        anamorphic lens): picture and video backgrounds, of square pixels, cover the frame as it
        is shown and are squeezed as its pixels are, so the output shows them in their shape
        (they were fitted to the stored pixels, and shown as much wider).  1 by default; None
        is 1."""
        return self._sar

    @sample_aspect.setter
    @one_at_a_time("compositing")
    def sample_aspect(self, value) -> None:
        value = check_sample_aspect(value)
        if value != self._sar:
            self._sar = value
            self._shape = self._i420_shape = None  # (backgrounds made again, squeezed)
            self._inner = None

    def _stored(self, picture: np.ndarray) -> np.ndarray:
        """An upright ``picture`` turned the way the frames are stored (see :attr:`rotation`;
        a buffer reused by the next call)."""
        return self._to_stored(picture)

    @property
    def matrix(self) -> str:
        """The YUV matrix of :meth:`apply_i420`'s frames (the video's own: see :data:`MATRICES`);
        its colour, picture and video backgrounds are converted with it."""
        return self._matrix

    @matrix.setter
    @one_at_a_time("compositing")
    def matrix(self, value: str) -> None:
        self._matrix = check_matrix(value)

    @property
    def channels(self) -> int:
        """Channels of the output: 4 (BGRA), 3 (BGR) or 1 (mask)."""
        if self.mode == "mask":
            return 1
        if self.mode == "cutout" or (self.mode == "composite" and self.background.has_alpha):
            return 4
        return 3

    @property
    def supports_i420(self) -> bool:
        """Whether :meth:`apply_i420` can make this output (``composite`` over an opaque
        background, or ``mask``, without :attr:`decontaminate`); transparent, cutout and side-by-side keep BGR(A)."""
        return self.mode == "mask" or (self.mode == "composite" and not self.background.has_alpha
                                       and not self.decontaminate)

    def output_size(self, w: int, h: int) -> tuple[int, int]:
        """(width, height) of the output for a frame of ``w`` x ``h`` (whole numbers above 0,
        else a :class:`FrameSizeError`): side-by-side is twice as wide as shown (twice as tall as
        stored for a quarter :attr:`rotation`)."""
        w, h = check_frame_size("Compositor.output_size", w, h)  # (once a run, not a frame)
        if self.mode != "side-by-side":
            return (w, h)
        return (w, 2 * h) if self._rotation in (90, 270) else (2 * w, h)

    def _sbs_halves(self, h: int, w: int) -> tuple[tuple[int, int, int], tuple[slice, slice], tuple[slice, slice]]:
        """The side-by-side buffer's shape for ``h`` x ``w`` frames, and where the input and the
        composite go in it: laid out as stored so that, turned as the video is shown (its
        :attr:`rotation`), the input is on the left (a phone's portrait clip was put beside as
        stored: shown one above the other, twice as tall; at 180 the composite on the left)."""
        every = slice(None)
        if self._rotation in (90, 270):  # (shown turned 90 counterclockwise: the top goes left)
            top, bottom = (slice(0, h), every), (slice(h, None), every)
            return (2 * h, w, 3), *((top, bottom) if self._rotation == 90 else (bottom, top))
        left, right = (every, slice(0, w)), (every, slice(w, None))
        return (h, 2 * w, 3), *((right, left) if self._rotation == 180 else (left, right))

    # ------------------------------------------------------------ BGR
    def _prepare(self, h: int, w: int) -> None:
        self._shape = (h, w)
        # the outputs' buffers, the full-size soft tiles and what a composite needs (below) are
        # made on their first use: a mode uses a part of them (all were made for every mode:
        # 1 GB for a 61-megapixel photo's cutout, which uses the BGRA buffer, 240 MB)
        self._comp = self._bgra = self._sbs = None
        self._own_alpha = self._seen = None  # (a BGRA frame's: made on its first use)
        self._full_tiles: _SoftTiles | None = None
        self._composite_ready = False
        if h * w <= EAGER_PIXELS:
            # a video frame's: all made now, in this order.  Made on first use, the same buffers
            # came elsewhere in memory and the 1080p blur composite took 0.2-0.35 ms more a
            # frame (livecut bench, 3 alternated runs: 3.25-3.38 against 2.99-3.10 ms)
            self._comp = np.empty((h, w, 3), np.uint8)
            self._bgra = np.empty((h, w, 4), np.uint8)
            self._sbs = np.empty(self._sbs_halves(h, w)[0], np.uint8)
            self._full_tiles = _SoftTiles((h, w))
            self._prepare_composite()

    def _prepare_composite(self) -> None:
        """What a composite of this size needs besides its output: the soft tiles at half size
        and the background."""
        h, w = self._shape
        # the soft tiles found at half size, for frames of even sides (see _composite)
        even = h % 2 == 0 and w % 2 == 0 and h * w >= BANDS_MIN_PIXELS
        self._half_tiles = _SoftTiles((h // 2, w // 2), BAND_TILE // 2, BAND_ROWS_BGR) if even else None
        self._alpha_half = np.empty((h // 2, w // 2), np.uint8) if even else None
        self._bg = None
        if self.background.kind == "color":
            self._bg = np.empty((h, w, 3), np.uint8)
            self._bg[:] = self.background.color
        elif self.background.kind == "image" and self._bg_source is not None:  # (None: not shown)
            self._bg = cover(self._stored(self._bg_source), w, h, sar=self._sar)
        elif self.background.kind == "transparent":  # only side-by-side gets here: over black
            self._bg = np.zeros((h, w, 3), np.uint8)
        elif self.background.kind == "blur":
            self._blur = _BlurBackground((h, w), 3, self.cfg.blur_strength, self._sar)
        # (made once all is: a MemoryError above -- caught by livecut image, which goes on to
        # the next picture -- left it marked made, and the next call of this size failed on
        # what was missing: AttributeError, a traceback)
        self._composite_ready = True

    def _buffer(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The buffer ``name`` (the outputs ``_comp``, ``_bgra``, ``_sbs``; a BGRA frame's
        ``_own_alpha`` and ``_seen``), made on its first use."""
        buf = getattr(self, name)
        if buf is None:
            buf = np.empty(shape, np.uint8)
            setattr(self, name, buf)
        return buf

    @property
    def _tiles(self) -> _SoftTiles:
        """The soft tiles of this compositor's size, made on their first use."""
        if self._full_tiles is None:
            self._full_tiles = _SoftTiles(self._shape)
        return self._full_tiles

    def _background_into(self, frame: np.ndarray, dst: np.ndarray, bg_frame: np.ndarray | None,
                         alpha: np.ndarray | None = None, own: np.ndarray | None = None) -> None:
        """Write the background for this frame into ``dst`` (``alpha``: the frame's, for the blur
        of what is behind the subject; ``own``: a BGRA frame's own alpha, ``frame`` then as seen
        over black, for the blur of what is visible)."""
        if not self._composite_ready:
            self._prepare_composite()
        kind = self.background.kind
        h, w = frame.shape[:2]
        if kind == "blur":
            self._blur(frame, dst, alpha, own)
        elif kind == "video":
            bg_frame = self._video_frame(bg_frame, w, h, "_cover_big")
            np.copyto(dst, bg_frame)
        else:
            np.copyto(dst, self._bg)

    def _composite(self, frame: np.ndarray, alpha: np.ndarray, out: np.ndarray, bg_frame: np.ndarray | None,
                   seen: np.ndarray | None = None, own: np.ndarray | None = None) -> None:
        """The background and the frame over it into ``out`` (all of this compositor's size);
        ``seen``: what the blur background is made of where not ``frame`` (a BGRA frame as seen
        over black: see :meth:`apply`), ``own`` its own alpha (the blur weighs its pixels by it).

        Frames of even sides and at least BANDS_MIN_PIXELS are done band by band, as :meth:`_over_planes` does the I420
        planes (the soft tiles found on the alpha at half size; the blend within 2 levels of
        exact); others as :meth:`_background_into`, then :meth:`_blend_over`."""
        h, w = alpha.shape
        if not self._composite_ready:
            self._prepare_composite()
        half = self._half_tiles
        if half is None:
            self._background_into(frame if seen is None else seen, out, bg_frame, alpha, own)
            self._blend_over(frame, alpha, out)
            return
        kind = self.background.kind
        if kind == "blur":
            blur = self._blur
            fill = blur.up if blur.prepare(frame if seen is None else seen, out, alpha, own=own) else None
        else:
            fill = self._video_frame(bg_frame, w, h, "_cover_big") if kind == "video" else self._bg
        opaque = self._tiles.opaque
        for c0, c1, _, luma, clear, (x0, x1) in _bands(alpha, half, self._alpha_half):
            _full_band(frame, alpha, out, fill, opaque, 2 * c0, 2 * c1, luma, clear, half.scratch, (2 * x0, 2 * x1))

    def _video_frame(self, bg_frame: np.ndarray | None, w: int, h: int, slot: str) -> np.ndarray:
        if bg_frame is None:  # (the Compositor does not read the video: its caller does)
            raise ConfigError(f"background video:{self.background.path} needs its frame with each frame: give "
                              "bg_frame=, the background video's frame (BGR, any size: it is scaled to cover)")
        bg_frame = self._stored(_as_bg_frame(bg_frame, bufs=self._bg_converted))
        if bg_frame.shape[:2] != (h, w) or self._sar != 1:
            big, bg_frame = _cover_resize(bg_frame, w, h, getattr(self, slot), sar=self._sar)
            setattr(self, slot, big)
        return bg_frame

    @property
    def takes_bg_frame(self) -> bool:
        """Whether :meth:`apply` takes a ``bg_frame``: a ``video:`` background in a mode that
        shows it (``composite``, ``side-by-side``; ``mask`` and ``cutout`` show no background)."""
        return self.background.kind == "video" and self.mode not in ("mask", "cutout")

    def _check_bg_frame(self, bg_frame: object) -> None:
        """A ``bg_frame`` given with a background that is not a ``video:`` one, or in a mode that
        shows no background (mask, cutout), is a :class:`UsageError` (it was ignored without a
        word: the frame was not composited over it)."""
        if bg_frame is None:
            return
        if self.background.kind != "video":
            raise UsageError(f"bg_frame: the background is {self.background.kind!r}, not a video: "
                             "bg_frame is a video: background's frame; give None")
        if not self.takes_bg_frame:  # (a video background's frame in mask or cutout mode: unused)
            raise UsageError(f"bg_frame: mode {self.mode!r} shows no background, so the video background's frame "
                             "is not used; give None")

    @one_at_a_time("compositing")
    def apply(self, frame: np.ndarray, alpha: np.ndarray, bg_frame: np.ndarray | None = None,
              box: tuple[int, int, int, int] | None = None, *, bits: int = 16) -> np.ndarray:
        """Return the output for ``frame`` (HxWx3 uint8; gray, BGRA, 16-bit and floating
        point are converted as :meth:`Segmenter.mask` takes them, ``bits`` too: 10 or 12 for a
        uint16 frame of 10- or 12-bit video; ``bg_frame``, a ``video:`` background's frame, is
        read with the same ``bits``; None for another background or a mode that shows none, mask or cutout,
        which refuse one) and ``alpha`` (HxW uint8): an
        internal buffer, or ``alpha`` itself in ``mask`` mode.  A BGRA frame's own alpha is
        kept: the alpha used (and written: cutout, transparent, mask) is ``alpha`` times it / 255,
        as ``livecut image`` combines a picture's, in an internal buffer (``alpha`` is left as given).

        ``box``: ``(y0, y1, x0, x1)``, the picture inside black bars (:attr:`Segmenter.box`).
        Over an opaque background the bars are kept as they are and the background is made
        for the picture alone (a blur does not darken its edges with the bars; a picture
        or video background covers the picture, not the bars).  It is checked in every mode,
        used or not (:func:`~livecut.frames.check_box`: whole numbers inside the frame); a BGRA
        frame's transparent margins are no bars (:func:`~livecut.frames.with_own_alpha`)."""
        self._check_bg_frame(bg_frame)
        # (gray, BGRA ... gave garbage or cv2.error)
        frame, own = _frame_with_alpha(frame, alpha, bits, self._converted)
        h, w = frame.shape[:2]
        if h * w == 0:
            raise FrameSizeError(f"frame is {w}x{h}: empty")
        if self._shape != (h, w):
            self._prepare(h, w)
        if any(b is not None and np.may_share_memory(frame, b) for b in (self._comp, self._sbs, self._bgra)):
            # (the output of the last call given back: it was overwritten by the background
            # before it was blended -- the frame lost where alpha was soft or 0)
            frame = frame.copy()
        if any(b is not None and np.may_share_memory(alpha, b) for b in (self._comp, self._sbs, self._bgra)):
            # (the alpha of the last cutout given back, out[:, :, 3]: the frame's conversion
            # filled that channel with 255 before it was read -- a cutout opaque all over)
            alpha = alpha.copy()
        mode = self.mode
        box = self._box(box, h, w)
        if own is not None:  # (it was dropped: a transparent PNG's transparent parts came out opaque)
            alpha = copied_into(alpha, self._buffer("_own_alpha", (h, w)))
            box = with_own_alpha(alpha, own, box)
        if mode == "mask":
            return alpha
        shown = frame  # (the frame's own colours: the input half of side-by-side, the blur background's)
        if self._fg is not None and (own is None or cv2.minMaxLoc(own)[0] == 255):
            # the soft edge's colours the subject's (foreground.py); not a picture with its own
            # transparency (one opaque all over is a BGR frame): the colours stored under it, which
            # nothing shows, would be taken for the background's; its soft edge keeps its own colours
            frame = self._fg(frame, alpha)
        if mode == "cutout" or (mode == "composite" and self.background.has_alpha):
            # (one conversion and one channel write: a merge of the frame's channel views copies
            # each of them first, ~4x the time)
            bgra = self._buffer("_bgra", (h, w, 4))
            cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA, dst=bgra)
            cv2.insertChannel(alpha, bgra, 3)
            return bgra
        if bg_frame is not None and self.background.kind == "video":
            # (of the frame's bits: a 10-bit video's uint16 frame was read as 16-bit, nearly black)
            bg_frame = _as_bg_frame(bg_frame, bits, self._bg_converted)
        seen = None
        if own is not None and (mode == "side-by-side" or self.background.kind == "blur"):
            if cv2.minMaxLoc(own)[0] == 255:
                own = None  # (opaque all over: a BGR frame, as seen; its blur made as a BGR frame's)
            else:
                # as seen over black, its colours times its own alpha / 255: what the input half shows
                # and the blur background is made of, each pixel weighed by that alpha (the colours
                # stored under its transparent pixels, a PNG's hidden red, were shown there, and
                # blurred into the background; as seen, they were blurred into it as black)
                seen = cv2.merge((own,) * 3, dst=self._buffer("_seen", (h, w, 3)))
                cv2.multiply(shown, seen, dst=seen, scale=1.0 / 255.0)
        blur_own = own if seen is not None and self.background.kind == "blur" else None
        if seen is None and frame is not shown:
            seen = shown
        # (side-by-side composites straight into its right half, as shown)
        if mode == "side-by-side":
            shape, into, composite = self._sbs_halves(h, w)
            comp = self._buffer("_sbs", shape)[composite]
        else:
            comp = self._buffer("_comp", (h, w, 3))
        if box is None:
            self._composite(frame, alpha, comp, bg_frame, seen, blur_own)
        else:  # the bars as they are; the picture composited on its own
            y0, y1, x0, x1 = box
            _copy_outside(frame, comp, box)
            inner = self._inner_compositor(y1 - y0, x1 - x0, i420=False)
            inner._composite(frame[y0:y1, x0:x1], alpha[y0:y1, x0:x1], comp[y0:y1, x0:x1], bg_frame,
                             None if seen is None else seen[y0:y1, x0:x1],
                             None if blur_own is None else blur_own[y0:y1, x0:x1])
        if mode == "side-by-side":
            self._sbs[into] = frame if seen is None else seen
            return self._sbs
        return comp

    def _box(self, box, h: int, w: int, even: bool = False) -> tuple[int, int, int, int] | None:
        """``box`` checked (:func:`~livecut.frames.check_box`; ``even``: at even rows and
        columns, as I420 frames are cut) in every mode, so that a bad box is refused whether or
        not this output uses it; None when it is the whole frame or the output has no
        background to keep the bars from (mask, cutout, transparent)."""
        if box is None:
            return None
        given, box = box, check_box(box, h, w)
        if even and any(v % 2 for v in box):
            raise FrameSizeError(f"box {given!r}: I420 frames are cut at even rows and columns")
        if box == (0, h, 0, w) or self.mode in ("mask", "cutout") or (
                self.background.has_alpha and self.mode == "composite"):
            return None
        return box

    def _inner_compositor(self, h: int, w: int, i420: bool) -> "Compositor":
        """The compositor of the picture inside black bars (its own buffers, for its size; as
        :meth:`apply` or :meth:`apply_i420` prepares them)."""
        inner = self._inner
        if inner is None:
            inner = self._inner = Compositor(self.cfg, background=self.background, mode="composite",
                                             still=self._still)
            if inner.background.kind == "transparent":  # (side-by-side: over black, as here)
                inner.background = Background("color")
        inner.matrix = self.matrix
        inner.rotation = self.rotation
        inner.sample_aspect = self.sample_aspect
        if i420:
            if inner._i420_shape != (h, w, inner.matrix):
                inner._prepare_i420(h, w)
        elif inner._shape != (h, w):
            inner._prepare(h, w)
        return inner

    @one_at_a_time("compositing")
    def blend_over(self, frame: np.ndarray, alpha: np.ndarray, out: np.ndarray, *, bits: int = 16) -> np.ndarray:
        """``out = (frame * a + out * (255 - a)) / 255`` where ``out`` holds the background;
        returns ``out``.

        ``frame`` (and ``bits``) as :meth:`apply` takes it, ``alpha`` HxW uint8, ``out`` HxWx3 uint8 (BGR)
        with contiguous pixels (a C-order array, or a window ``canvas[y:y+H, x:x+W]`` of one);
        another (Fortran order, its rows or columns flipped) is an :class:`~livecut.errors.ArrayError`.  The exact blend is computed only
        in the tiles where alpha is soft (its boundary band); elsewhere the frame is copied
        where alpha is 255.  A BGRA frame's own alpha is kept, as :meth:`apply` keeps it.
        """
        frame, own = _frame_with_alpha(frame, alpha, bits, self._converted)
        h, w = frame.shape[:2]
        if own is not None:
            if self._shape != (h, w):
                self._prepare(h, w)
            alpha = cv2.multiply(alpha, own, dst=self._buffer("_own_alpha", (h, w)), scale=1.0 / 255.0)
        if (not isinstance(out, np.ndarray) or out.shape != (h, w, 3) or out.dtype != np.uint8
                or not out.flags.writeable or out.strides[1:] != (3, 1) or out.strides[0] < 3 * w):
            # (rows upside down, out[::-1], passed for contiguous pixels: a bare cv2.error)
            got = (f"{out.shape} {out.dtype}, strides {out.strides}{'' if out.flags.writeable else ', read-only'}"
                   if isinstance(out, np.ndarray) else type(out).__name__)
            raise ArrayError(f"out is {got}; expected a writable ({h}, {w}, 3) uint8 BGR array with "
                             "contiguous pixels (the background), e.g. background.copy()")
        if np.may_share_memory(frame, out) and frame is not out:
            frame = frame.copy()  # (the blend reads the frame where it has written out)
        return self._blend_over(frame, alpha, out)

    def _blend_over(self, frame: np.ndarray, alpha: np.ndarray, out: np.ndarray) -> np.ndarray:
        """:meth:`blend_over` of arrays known to be right."""
        h, w = alpha.shape
        if self._shape != (h, w):
            self._prepare(h, w)
        self._tiles.over(frame, alpha, out)
        return out

    # ------------------------------------------------------------ I420
    def _prepare_i420(self, h: int, w: int) -> None:
        ch, cw = h // 2, w // 2
        self._yuv = np.empty((h * 3 // 2, w), np.uint8)
        self._yuv_planes = planes(self._yuv, h, w)
        self._opaque_y = np.empty((h, w), np.uint8)  # (the plan is the chroma's: _over_planes)
        self._tiles_c = _SoftTiles((ch, cw), BAND_TILE // 2)
        self._inv_c = _Scratch()  # (255 - the chroma's alpha, of each rectangle blended)
        self._alpha_c = np.empty((ch, cw), np.uint8)
        self._bg_i420: np.ndarray | None = None
        kind = self.background.kind
        if kind == "video":
            self._half = np.empty((ch, cw, 3), np.uint8)
            self._uv = np.empty((ch, cw, 2), np.uint8)
            self._bgr_scratch = np.empty((h, w, 3), np.uint8) if self.matrix == "bt709" else None
        if self.mode == "mask":
            self._yuv[h:] = 128
        elif kind == "color":
            y, u, v = color_i420(self.background.color, self.matrix)
            self._bg_i420 = np.empty_like(self._yuv)
            by, bu, bv = planes(self._bg_i420, h, w)
            by[:], bu[:], bv[:] = y, u, v
        elif kind == "image":
            self._bg_i420 = bgr_to_i420(cover(self._stored(self._bg_source), w, h, sar=self._sar),
                                        matrix=self.matrix)
        elif kind == "blur":
            self._blur_y = _BlurBackground((h, w), 1, self.cfg.blur_strength, self._sar)
            # (U and V each their own: the planes' rows are written band by band, after both are blurred)
            self._blur_u = _BlurBackground((ch, cw), 1, self.cfg.blur_strength, self._sar)
            self._blur_v = _BlurBackground((ch, cw), 1, self.cfg.blur_strength, self._sar)
            y, u = self._blur_y, self._blur_u
            #: whether the luma's blur takes the chroma's weights (:meth:`_BlurBackground.weigh`): the
            #: same numbers, where it is reduced to their size and blurred with their kernels
            self._blur_y_shares = (y.small.shape == u.small.shape and np.array_equal(y.kernel, u.kernel)
                                   and np.array_equal(y.kernel_x, u.kernel_x))
        self._i420_shape = (h, w, self.matrix)  # (once all is made: as _prepare_composite)

    @one_at_a_time("compositing")
    def apply_i420(self, i420: np.ndarray, alpha: np.ndarray, bg_frame: np.ndarray | None = None,
                   box: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """The output for an I420 frame, as I420: an internal ``(H*3//2, W)`` buffer.

        ``i420`` is uint8 ``(H*3//2, W)``: the Y plane (H x W), then U and V (H/2 x W/2
        each), as ``VideoFrame.to_ndarray(format="yuv420p")`` gives it; H and W are even
        (another pixel type is an :class:`ArrayError`, another shape a :class:`FrameSizeError`).
        ``alpha`` is H x W uint8.  For ``video:`` backgrounds ``bg_frame`` is the
        background frame as BGR, of any size (as :meth:`apply` takes it).  The result
        matches :meth:`apply` followed by the video sink's BGR -> I420 conversion
        (luma within 2 levels: the soft band is found on the alpha at the chroma's size, see
        :meth:`_over_planes`; chroma is blended at half resolution with the
        alpha averaged 2x2, so it differs a little along soft edges).  ``box``: as
        :meth:`apply` takes it, with even values (in ``mask`` mode too, which does not use it).
        """
        if not self.supports_i420:
            raise UsageError(f"mode {self.mode!r} with background {self.background.kind!r} "
                             "has no I420 output; use apply()")
        self._check_bg_frame(bg_frame)
        check_alpha(alpha)
        h, w = alpha.shape
        if h % 2 or w % 2 or h < 2 or w < 2:
            raise FrameSizeError(f"I420 frames need an even width and height, got {w}x{h}")
        if not isinstance(i420, np.ndarray):
            raise ArrayError(f"i420: expected a uint8 array of shape ({h * 3 // 2}, {w}) (Y, then U and V), "
                             f"got {type(i420).__name__}")
        if i420.dtype != np.uint8:  # (was "... does not match alpha", of a frame whose size matched)
            raise ArrayError(f"i420: unsupported pixel type {i420.dtype}: I420 frames are uint8 (8-bit "
                             "yuv420p); give a 10- or 12-bit frame to apply() as BGR, with bits=10 / 12")
        if i420.shape != (h * 3 // 2, w):
            raise FrameSizeError(f"I420 frame {i420.shape} does not match alpha {w}x{h}: "
                                 f"expected uint8 ({h * 3 // 2}, {w})")
        if self._i420_shape != (h, w, self.matrix):
            self._prepare_i420(h, w)
        if np.may_share_memory(i420, self._yuv):  # (the last output given back: as apply())
            i420 = i420.copy()
        out = self._yuv
        oy, ou, ov = self._yuv_planes
        box = self._box(box, h, w, even=True)
        if box is not None:
            return self._apply_i420_box(i420, alpha, bg_frame, box)
        if self.mode == "mask":  # as the video sink writes a gray frame: limited-range luma
            cv2.convertScaleAbs(alpha, dst=oy, alpha=219.0 / 255.0, beta=16.0)
            out[h:] = 128  # (again: the caller may have drawn on the buffer it was given)
            return out
        self._over_planes(planes(np.ascontiguousarray(i420), h, w), alpha, self._yuv_planes, bg_frame)
        return out

    def _over_planes(self, src, alpha: np.ndarray, dst, bg_frame) -> None:
        """The composite of the I420 planes ``src`` (Y, U, V) into the planes ``dst``, both of
        this compositor's I420 size (views of larger planes welcome: the picture inside
        black bars); ``alpha`` is the luma's size."""
        fy, fu, fv = src
        h, w = alpha.shape
        kind = self.background.kind
        # the background of each plane, written into it band by band below: (plane, the
        # background's plane or the upsampler writing its rows; None: written whole already)
        fills = []
        if kind == "blur":
            # (the alpha's weights made once for U and V: one reduced size, one kernel; and for Y
            # where its reduced size and kernel are theirs, as at 1080p: 83x47 for each plane)
            weights = self._blur_u.weigh(alpha)
            for s, o, blur in zip(src, dst, (self._blur_y, self._blur_u, self._blur_v)):
                own = blur is self._blur_y and not self._blur_y_shares
                made = dict(alpha=alpha) if own else dict(weights=weights)
                fills.append((o, blur.up if blur.prepare(s, o, **made) else None))
        else:  # (the video frame converted into this compositor's own buffer first)
            if kind == "video":
                bg = bgr_to_i420(self._video_frame(bg_frame, w, h, "_cover_big_i420"), self._yuv, self._half,
                                 self._uv, self.matrix, self._bgr_scratch)
            else:
                bg = self._bg_i420
            # (a plane of the video frame converted into the output is there already: planes()
            # makes new views each call, so `is` never told, and each band copied onto itself)
            fills = [(o, None if _same_view(o, b) else b) for o, b in zip(dst, planes(bg, h, w))]
        # one plan for the three planes, found on the alpha at the chroma's size: the chroma's
        # soft tiles (0 < alpha < 255 there) are the luma's too (the same grid, in 2x the
        # pixels).  Outside them each 2x2 block of the luma's alpha averages (rounded) to 0
        # or 255: its values are 0-1 or 253-255, taken as 0 and 255 -- the blend within 2
        # levels of exact, and the frame's own luma exact where alpha is 255
        ac = self._alpha_c
        oy, ou, ov = dst
        op_c = self._tiles_c.opaque
        (_, yfill), (_, ufill), (_, vfill) = fills
        for c0, c1, mine, luma, clear, (x0, x1) in _bands(alpha, self._tiles_c, ac):
            _full_band(fy, alpha, oy, yfill, self._opaque_y, 2 * c0, 2 * c1, luma, clear,
                       self._tiles_c.scratch, (2 * x0, 2 * x1))
            _fill_rows(ou, ufill, c0, c1)
            _fill_rows(ov, vfill, c0, c1)
            if clear:
                continue
            for r0, r1, rx0, rx1 in mine:
                a = ac[r0:r1, rx0:rx1]
                inv = cv2.bitwise_not(a, dst=self._inv_c(a.shape)[0])
                for f, o in ((fu, ou), (fv, ov)):
                    _blend_rect(f[r0:r1, rx0:rx1], a, o[r0:r1, rx0:rx1], inv, self._tiles_c.scratch)
            # (alpha is 0 outside the columns x0 .. x1 at this size: nothing to copy there)
            rows = np.s_[c0:c1, x0:x1]
            _at_least(ac[rows], 255, op_c[rows])
            cv2.copyTo(fu[rows], op_c[rows], ou[rows])
            cv2.copyTo(fv[rows], op_c[rows], ov[rows])

    def _apply_i420_box(self, i420: np.ndarray, alpha: np.ndarray, bg_frame, box) -> np.ndarray:
        """:meth:`apply_i420` of the picture inside black bars, on views of the planes (no
        copy of the picture); the bars as they are."""
        h, w = alpha.shape
        y0, y1, x0, x1 = box
        inner = self._inner_compositor(y1 - y0, x1 - x0, i420=True)
        src = planes(np.ascontiguousarray(i420), h, w)
        half = (y0 // 2, y1 // 2, x0 // 2, x1 // 2)
        inside = []
        for s, o, b in zip(src, self._yuv_planes, (box, half, half)):
            _copy_outside(s, o, b)
            inside.append((s[b[0]:b[1], b[2]:b[3]], o[b[0]:b[1], b[2]:b[3]]))
        inner._over_planes([s for s, _ in inside], alpha[y0:y1, x0:x1], [o for _, o in inside], bg_frame)
        return self._yuv


def _frame_with_alpha(frame, alpha, bits: int = 16, bufs: FrameBuffers | None = None
                      ) -> tuple[np.ndarray, np.ndarray | None]:
    """(``frame`` as BGR uint8, its own alpha or None: :func:`~livecut.frames.as_bgr_alpha`, of
    ``bits``, into ``bufs``), ``alpha`` checked to be HxW uint8 of its size (else
    :class:`ArrayError` / :class:`FrameSizeError`)."""
    frame, own = as_bgr_alpha(frame, bits, bufs)
    check_alpha(alpha)
    if alpha.shape != frame.shape[:2]:
        raise FrameSizeError(f"alpha {alpha.shape} does not match frame {frame.shape[:2]}")
    return frame, own


def _as_bg_frame(bg_frame, bits: int = 16, bufs: FrameBuffers | None = None) -> np.ndarray:
    """A video background's frame as BGR uint8 (gray, BGRA ...: as a frame is taken, of ``bits``,
    into ``bufs``); its errors say that it is the background's."""
    try:
        return as_bgr(bg_frame, bits, bufs)
    except ArrayError as exc:
        raise type(exc)(f"bg_frame: {exc}") from None


def _copy_outside(src: np.ndarray, dst: np.ndarray, box: tuple[int, int, int, int]) -> None:
    """``dst`` = ``src`` outside ``box`` (the bars)."""
    for r in bar_regions(box):
        dst[r] = src[r]


def color_i420(bgr: tuple[int, int, int], matrix: str = "bt601") -> tuple[int, int, int]:
    """(Y, U, V) of a BGR colour (three whole numbers 0-255, else a :class:`ConfigTypeError` or
    :class:`ConfigError`, as :class:`Background` takes its colour), as :func:`bgr_to_i420`
    converts it."""
    bgr = _check_bgr(bgr, "color_i420: color")
    check_matrix(matrix)
    patch = np.empty((2, 2, 3), np.uint8)
    patch[:] = bgr
    yuv = bgr_to_i420(patch, matrix=matrix)
    return int(yuv[0, 0]), int(yuv[2, 0]), int(yuv[2, 1])
