"""The frames livecut's library takes: any numpy image as BGR uint8 (:func:`as_bgr`; uint16
of 10- or 12-bit video with ``bits=``), and
the checks of an alpha (:func:`check_alpha`) and of a box inside black bars
(:func:`check_box`).  Shared by the Segmenter, the Compositor and the MaskSmoother, so that
each takes the same frames and refuses the same way; and a video's frames turned as its
display rotation says (:class:`Upright`), for the outputs and the backgrounds."""

from __future__ import annotations

import numbers

import cv2
import numpy as np

from livecut.errors import ArrayError, ConfigError, ConfigTypeError, FrameSizeError


#: the largest frame (pixels) whose conversion :class:`FrameBuffers` keeps: a video's, up to
#: 2160p (as the Compositor's EAGER_PIXELS).  A larger one, a photo's, is converted into arrays
#: let go with the call, as before: kept, they were 4 bytes a pixel more while a transparent
#: photo's output is encoded (``livecut image``), and until the next photo
KEEP_PIXELS = 3840 * 2160


class FrameBuffers:
    """Where :func:`as_bgr` and :func:`as_bgr_alpha` convert the frames given to one owner (a
    Segmenter, a Compositor): a buffer for each step, made on its first use and made again
    only for a frame of another shape, so that the frames of a video in another pixel type
    than BGR uint8 are converted without a new full-size array each (they were 3 to 18 bytes
    a pixel a frame).  What they return is then one of these buffers, overwritten by the next
    frame's conversion.  Frames over :data:`KEEP_PIXELS` get none (new arrays)."""

    def __init__(self):
        self._bufs: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype=np.uint8) -> np.ndarray | None:
        """The buffer ``name`` of ``shape`` and ``dtype`` (its contents are left as they were);
        None for a frame over :data:`KEEP_PIXELS`."""
        buf = self._bufs.get(name)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            self._bufs.pop(name, None)  # (let go first: a large frame's is large)
            if shape[0] * shape[1] > KEEP_PIXELS:
                return None
            buf = self._bufs[name] = np.empty(shape, dtype)
        return buf


def _dst(bufs: FrameBuffers | None, name: str, shape: tuple[int, ...], dtype=np.uint8) -> np.ndarray | None:
    """``bufs``' buffer ``name``, or None (a new array: OpenCV's ``dst=None``) without ``bufs``."""
    return None if bufs is None else bufs.get(name, shape, dtype)


def _float_to_u8(frame: np.ndarray, bufs: FrameBuffers | None = None) -> np.ndarray:
    """A floating-point image as uint8: 0-1 scaled by 255 (rounded; values up to
    :data:`FLOAT_OVERSHOOT` past it clipped to it); another range stretched
    to 0-255 by its own finite minimum and maximum, as ``livecut image`` reads a
    floating-point picture (a float copy of a 0-255 image keeps its levels).  NaN is 0,
    +-inf the top and the bottom of the range.  ``bufs``: written there (see :class:`FrameBuffers`)."""
    if frame.dtype != np.float32 and frame.dtype != np.float64:
        # (float16, and byte orders OpenCV does not take)
        f32 = _dst(bufs, "float32", frame.shape, np.float32)
        frame = frame.astype(np.float32) if f32 is None else copied_into(frame, f32)
    # (the minimum or the maximum is NaN or infinite only when a value is: the finite values are
    # picked out only then -- a full-size mask of them was made for every frame)
    lo, hi = float(frame.min()), float(frame.max())
    every = np.isfinite(lo) and np.isfinite(hi)
    if not every:
        values = frame[np.isfinite(frame)]
        lo = float(values.min()) if values.size else 0.0
        hi = float(values.max()) if values.size else 0.0
    over = lo < 0.0 or hi > 1.0
    if not over or (lo >= -FLOAT_OVERSHOOT and hi <= 1.0 + FLOAT_OVERSHOOT):
        # (0-1, or 0-1 a resampling's overshoot took a little past -- a cubic resize's ringing --
        # clipped to it: stretched by that frame's own extremes, one pixel at 1.0001 changed the
        # mask by up to 242 levels, and a video's frames each by their own)
        if over and lo < 0.0:  # (convertScaleAbs takes |v|: a value below 0 is made 0 first)
            clipped = _dst(bufs, "shifted", frame.shape, frame.dtype)
            frame = np.maximum(frame, 0.0, out=clipped)
        lo, hi, scale = 0.0, 1.0, 255.0
    else:
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
    if not every:
        frame = np.nan_to_num(frame, nan=lo, posinf=hi, neginf=lo)
    if abs(lo) * scale > FLOAT_EXACT or 0.0 < scale < FLOAT_TINY:
        # (OpenCV scales in float32: values far from 0 for their range, 1e9 to 1e9 + 100, came out
        # of two levels or none, and a scale under float32's least, a range of 1e41, all black)
        shifted = _dst(bufs, "shifted", frame.shape, frame.dtype)
        frame = np.subtract(frame, lo, out=shifted)
        np.multiply(frame, scale, out=frame)
        lo, scale = 0.0, 1.0
    # (rounds, saturates)
    return cv2.convertScaleAbs(frame, _dst(bufs, "uint8", frame.shape), alpha=scale, beta=-lo * scale)


#: how far past 0-1 a floating-point frame's values may lie and still be read as 0-1, clipped to it
#: (a cubic resize's overshoot at a sharp edge: a few hundredths); further out, its range is stretched
FLOAT_OVERSHOOT = 0.1

#: :func:`_float_to_u8` shifts a frame to its minimum first where that minimum, scaled, is larger
#: than this (float32's 24 bits keep a hundredth of a level up to about 1e5), or the scale is
#: under :data:`FLOAT_TINY` (float32's least normal number is 1.2e-38)
FLOAT_EXACT = 1e4
FLOAT_TINY = 1e-30


def copied_into(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """``dst`` holding ``src``'s values, converted to its type (nothing to copy when ``dst`` is
    ``src``: a buffer given back)."""
    if dst is not src:
        np.copyto(dst, src, casting="unsafe")
    return dst


def check_bits(bits) -> int:
    """``bits`` (the bit depth of a uint16 frame's values: 16, or 10 / 12 for the frames of
    10- or 12-bit video that some decoders give as 0-1023 / 0-4095 in uint16) as an int from
    8 to 16; another number a :class:`~livecut.errors.ConfigError`, a non-number a
    :class:`~livecut.errors.ConfigTypeError`."""
    if isinstance(bits, bool) or not isinstance(bits, numbers.Integral):
        raise ConfigTypeError(f"bits {bits!r}: expected a whole number of bits, 8 to 16 (16 for uint16 "
                              "0-65535, 10 or 12 for 10- or 12-bit video)")
    if not 8 <= bits <= 16:
        raise ConfigError(f"bits {bits!r}: expected 8 to 16 (16 for uint16 0-65535, 10 or 12 for 10- or "
                          "12-bit video)")
    return int(bits)


def as_bgr(frame: np.ndarray, bits: int = 16, bufs: FrameBuffers | None = None) -> np.ndarray:
    """Accept BGR uint8, gray (HxW or HxWx1), BGRA, 16-bit and floating-point (0-1)
    images, of any memory layout; return a BGR uint8 view or copy (``frame`` itself when
    it is BGR uint8 already).  ``bits``: the bit depth of a uint16 frame's values, 16 (0-65535)
    by default; 10 or 12 for the frames of 10- or 12-bit video given as 0-1023 or 0-4095 in
    uint16 (read as 16-bit they were nearly black), a value above ``2 ** bits - 1`` an
    :class:`~livecut.errors.ArrayError`; each rounded to the nearest 8-bit value (v / 257, v / 4,
    v / 16).  Other pixel types ignore it.  ``bufs``: the copy is
    made in its buffers, reused from call to call (:class:`FrameBuffers`), not in new arrays."""
    frame = _as_u8(frame, bits, bufs)
    if frame.ndim == 3 and frame.shape[2] == 3:
        return frame
    dst = _dst(bufs, "bgr", (*frame.shape[:2], 3))
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR, dst)
    if frame.shape[2] == 1:
        return cv2.cvtColor(frame[:, :, 0], cv2.COLOR_GRAY2BGR, dst)
    return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR, dst)


def as_bgr_alpha(frame: np.ndarray, bits: int = 16, bufs: FrameBuffers | None = None
                 ) -> tuple[np.ndarray, np.ndarray | None]:
    """(:func:`as_bgr` of ``frame``, its own alpha): the 4th channel of a BGRA ``frame`` as HxW
    uint8, converted as its colours are (``bits`` and ``bufs`` too); None for a frame of 1 or 3
    channels."""
    frame = _as_u8(frame, bits, bufs)
    if frame.ndim == 3 and frame.shape[2] == 4:
        h, w = frame.shape[:2]
        return (cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR, _dst(bufs, "bgr", (h, w, 3))),
                cv2.extractChannel(frame, 3, _dst(bufs, "alpha", (h, w))))
    return as_bgr(frame, bufs=bufs), None


#: how to give a PIL image of each mode (RGB and RGBA reversed, as BGR and BGRA)
_PIL_GIVE = {"RGB": "np.asarray(img)[:, :, ::-1]", "RGBA": "np.asarray(img)[:, :, [2, 1, 0, 3]]", "L": "np.asarray(img)"}


def _pil_image(frame: object) -> str | None:
    """What to say of a PIL image given as a frame ("got Image" named neither its library nor
    that it is RGB), None for anything else."""
    mode = getattr(frame, "mode", None)
    if not type(frame).__module__.startswith("PIL.") or not isinstance(mode, str):
        return None
    give = _PIL_GIVE.get(mode, "np.asarray(img.convert('RGB'))[:, :, ::-1]")
    return f"a PIL image ({mode}): give {give}" + {"L": " (gray)", "RGBA": " (BGRA)"}.get(mode, " (BGR)")


def _as_u8(frame: np.ndarray, bits: int, bufs: FrameBuffers | None = None) -> np.ndarray:
    """``frame`` checked and in uint8 (:func:`as_bgr` but for its channels; ``bufs`` too)."""
    bits = check_bits(bits)
    if isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3:
        if frame.size == 0:
            raise FrameSizeError(f"image is {frame.shape[1]}x{frame.shape[0]}: empty")
        return frame
    if not isinstance(frame, np.ndarray):
        hint = " (cv2.imread gives None for a file it cannot read)" if frame is None else ""
        raise ArrayError(f"expected a numpy image (HxW gray, HxWx3 BGR or HxWx4 BGRA), got "
                         f"{_pil_image(frame) or type(frame).__name__}{hint}")
    if not (frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] in (1, 3, 4))):
        raise ArrayError(f"unsupported image shape {frame.shape}: expected HxW or HxWx1 (gray), "
                         "HxWx3 (BGR) or HxWx4 (BGRA)")
    if frame.size == 0:
        raise FrameSizeError(f"image is {frame.shape[1]}x{frame.shape[0]}: empty")
    kind, size = frame.dtype.kind, frame.dtype.itemsize
    if kind == "u" and size == 1:
        pass
    elif kind == "u" and size == 2:  # (either byte order: PIL's "I;16B" is big-endian)
        if bits < 16:  # (a larger value would wrap round in the shift below)
            top = int(frame.max())
            if top >= 1 << bits:
                # (the depth that holds them: 12-bit values given bits=10 were told bits=16, which
                # reads them nearly black)
                fits = next(b for b in (10, 12, 16) if top < 1 << b)
                raise ArrayError(f"a uint16 frame with values up to {top} is not {bits}-bit (0-{(1 << bits) - 1}): "
                                 f"give bits={fits} for 0-{(1 << fits) - 1}")
        # the nearest 8-bit value: v / 257 (16 bits, as livecut image reads a photo), v / 4 or v / 16
        # (10- or 12-bit video's codes); the low bits dropped, v >> (bits - 8), rounded each down: a
        # frame's composite came out up to a level darker.  Into uint8 directly (no full-size copy)
        u8 = _dst(bufs, "uint8", frame.shape)
        frame = _rounded_u8(frame, 257 if bits == 16 else 1 << (bits - 8),
                            np.empty(frame.shape, np.uint8) if u8 is None else u8)
    elif kind == "f":
        frame = _float_to_u8(frame, bufs)
    else:
        raise ArrayError(f"unsupported pixel type {frame.dtype}: give uint8 (0-255), uint16 "
                         "(0-65535, or 10- or 12-bit with bits=10 / 12) or floating point (0-1), "
                         "e.g. frame.astype(np.uint8)")
    return frame


def _rounded_u8(frame: np.ndarray, div: int, out: np.ndarray) -> np.ndarray:
    """uint16 ``frame`` / ``div``, rounded to the nearest (and at most 255), written into the
    contiguous uint8 ``out`` of its shape: by OpenCV, whole, where it is C-contiguous in this
    machine's byte order; else a few rows at a time (any layout, PIL's big-endian "I;16B")."""
    h = frame.shape[0]
    if frame.flags.c_contiguous and frame.dtype.isnative:
        cv2.convertScaleAbs(frame.reshape(h, -1), out.reshape(h, -1), 1.0 / div)
        return out
    step = max(1, max(16384, frame.size // 16) // max(1, frame[0].size))  # (a 16th of the frame, or 16384 values)
    for y in range(0, h, step):
        rows = np.ascontiguousarray(frame[y:y + step], dtype=np.uint16)
        cv2.convertScaleAbs(rows.reshape(len(rows), -1), out[y:y + step].reshape(len(rows), -1), 1.0 / div)
    return out


def check_alpha(alpha, empty: bool = True) -> None:
    """Refuse an ``alpha`` that is not an HxW uint8 array (``empty=False``: nor an empty one)."""
    if (not isinstance(alpha, np.ndarray) or alpha.dtype != np.uint8 or alpha.ndim != 2
            or (not empty and not alpha.size)):
        got = (f"{alpha.shape} {alpha.dtype}" if isinstance(alpha, np.ndarray) else type(alpha).__name__)
        raise ArrayError(f"alpha: expected an HxW uint8 array (as Segmenter.mask returns), got {got}")


def check_u8_image(img, who: str, empty: bool = True) -> None:
    """Refuse an ``img`` that is not an HxW or HxWxC uint8 array (``empty=False``: nor an
    empty one) as :class:`~livecut.errors.ArrayError`, the message starting with ``who``."""
    if (not isinstance(img, np.ndarray) or img.dtype != np.uint8 or img.ndim not in (2, 3)
            or (not empty and not img.size)):
        got = f"{img.shape} {img.dtype}" if isinstance(img, np.ndarray) else type(img).__name__
        raise ArrayError(f"{who}: expected an HxW or HxWxC uint8 image, got {got}")


def check_flag(value, name: str, owner: str) -> bool:
    """``value`` as a bool when it is one (a numpy bool, 0 or 1 too); else a
    :class:`~livecut.errors.ConfigTypeError` naming ``owner`` and ``name`` (``loop='no'`` was
    taken as it is truthy: a file read in a loop for ever; ``Segmenter(still='no')`` photos'
    settings)."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Integral) and value in (0, 1)):
        return bool(value)
    raise ConfigTypeError(f"{owner}: {name} must be True or False, got {value!r}")


def check_frame_size(who: str, w, h) -> tuple[int, int]:
    """``w``, ``h`` as Python ints when both are whole numbers above 0 (ints, numpy integers,
    floats of whole value), else a :class:`~livecut.errors.FrameSizeError` naming ``who``
    (a frame size given as a number: None, text, 10.5, 0 or -1 was a ZeroDivisionError, a
    TypeError, or a size given back as if it were one)."""
    try:
        if any(isinstance(v, bool) or not isinstance(v, numbers.Real) for v in (w, h)):
            raise TypeError
        iw, ih = int(w), int(h)  # (OverflowError for inf, ValueError for NaN)
        if iw != w or ih != h or iw < 1 or ih < 1:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise FrameSizeError(f"{who}: a frame of {w!r} x {h!r} (width x height); expected whole numbers "
                             "above 0") from None
    return iw, ih


def check_box(box, h: int, w: int) -> tuple[int, int, int, int]:
    """``box``, ``(y0, y1, x0, x1)``, as a tuple of Python ints when it is four whole numbers
    (ints, numpy integers, floats of whole value) with ``0 <= y0 < y1 <= h`` and
    ``0 <= x0 < x1 <= w``.  Anything else is an :class:`~livecut.errors.ArrayError` (``int()``
    would take a string or bytes digit by digit, booleans as 0 and 1, and cut 10.5 to 10), a
    box that is empty or not inside the ``w`` x ``h`` frame a
    :class:`~livecut.errors.FrameSizeError`.  The Compositor's ``box=`` and the bars'
    :func:`~livecut.segment.bars.bars_hold` and :func:`~livecut.segment.bars.framing` take
    what it takes."""
    try:
        if isinstance(box, (str, bytes, bytearray)):
            raise TypeError
        vals = tuple(box)
        # (numpy's bool_ is no numbers.Real; Python's bool is one, named apart)
        if len(vals) != 4 or any(isinstance(v, bool) or not isinstance(v, numbers.Real) for v in vals):
            raise TypeError
        y0, y1, x0, x1 = ints = tuple(int(v) for v in vals)  # (OverflowError for inf, ValueError NaN)
        if any(v != i for v, i in zip(vals, ints)):
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise ArrayError(f"box {box!r}: expected (y0, y1, x0, x1), whole numbers") from None
    if not (0 <= y0 < y1 <= h and 0 <= x0 < x1 <= w):
        raise FrameSizeError(f"box {box!r} is not inside the {w}x{h} frame "
                             "(expected 0 <= y0 < y1 <= height, 0 <= x0 < x1 <= width)")
    return y0, y1, x0, x1


def bar_regions(box: tuple[int, int, int, int]) -> tuple[tuple[slice, slice], ...]:
    """The index pairs of the four bars around ``box``: above, below, left, right (any may
    be empty): ``img[r]`` for each ``r`` is a bar of ``img``."""
    y0, y1, x0, x1 = box
    return ((slice(None, y0), slice(None)), (slice(y1, None), slice(None)),
            (slice(y0, y1), slice(None, x0)), (slice(y0, y1), slice(x1, None)))


def with_own_alpha(alpha: np.ndarray, own: np.ndarray, box: tuple[int, int, int, int] | None
                   ) -> tuple[int, int, int, int] | None:
    """What a picture's own alpha ``own`` (HxW uint8: a PNG's, a video's) makes of the engine's
    ``alpha`` and of ``box`` (the picture inside black bars, or None): ``alpha`` is multiplied
    by ``own`` in place (what the picture leaves transparent stays so), and the box returned
    is None when ``own`` is not opaque all over the bars (the picture's transparent margins,
    black under alpha 0 as editors store them, were found as bars: they show the background,
    as the alpha says), else ``box``."""
    cv2.multiply(alpha, own, dst=alpha, scale=1.0 / 255.0)
    if box is not None and not all(own[r].min() == 255 for r in bar_regions(box) if own[r].size):
        return None
    return box


def blend_weights(alpha: np.ndarray, w_fg: np.ndarray, w_bg: np.ndarray) -> None:
    """``w_fg`` = ``alpha`` (HxW uint8) / 255 and ``w_bg`` = 1 - ``w_fg``, float32 planes of
    its size: the weights :func:`cv2.blendLinear` takes for a picture over another."""
    if alpha.size > 4:
        cv2.multiply(alpha, 1 / 255, dst=w_fg, dtype=cv2.CV_32F)
        cv2.subtract(1.0, w_fg, dst=w_bg)
    else:  # (OpenCV 5.1 takes a 1x1 array beside a number for a scalar, dst= left as it was,
        # and 1.0 beside a 4x1 one for the column (1, 0, 0, 0): numpy's arithmetic there)
        np.multiply(alpha, np.float32(1 / 255), out=w_fg)
        np.subtract(np.float32(1.0), w_fg, out=w_bg)


#: a video's display rotation (degrees counter-clockwise, as PyAV gives it) -> the turn that
#: shows its frames upright
_UPRIGHT = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


class Upright:
    """Frames turned as a video's display rotation says, for outputs that cannot state it
    (PNG frames, AVI): one turn chosen once, into a buffer reused from frame to frame."""

    def __init__(self, rotation: int):
        self.turn = _UPRIGHT.get(rotation % 360)
        #: a quarter turn: width and height swap
        self.quarter = self.turn in (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE)
        self._buf: np.ndarray | None = None

    def size(self, w: int, h: int) -> tuple[int, int]:
        """(width, height) of a ``w`` x ``h`` frame once turned."""
        return (h, w) if self.quarter else (w, h)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        if self.turn is None:
            return image
        self._buf = cv2.rotate(image, self.turn, dst=self._buf)
        return self._buf
