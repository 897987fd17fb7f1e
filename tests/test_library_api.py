"""The Python library as an application embedding it uses it: the arrays it is given (types,
layouts, sizes, ``out=`` buffers), the buffers it returns, its configuration objects and the
typed errors it raises (a :class:`LivecutError` that says what to do, never a bare
ValueError, cv2.error or AttributeError)."""

from __future__ import annotations

import contextlib
import dataclasses

import cv2
import numpy as np
import pytest

from livecut import Compositor, Config, LivecutError, MaskSmoother, Segmenter, load_config
from livecut.config import CompositeConfig, SegmentConfig, SmoothConfig, VideoConfig
from livecut.errors import ArrayError, FrameSizeError
from livecut.segment import each_frame_judged
from livecut.sinks.base import SinkInfo
from livecut.sources.base import SourceInfo
from synth import make_scene


@pytest.fixture(scope="module")
def scene() -> tuple[np.ndarray, np.ndarray]:
    return make_scene("basic", 320, 240, seed=0)


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter(each_frame_judged(Config()))  # (no judgement reused between the calls)


# ---------------------------------------------------------------- out= buffers

def _bad_outs(h: int, w: int) -> dict[str, object]:
    ro = np.zeros((h, w), np.uint8)
    ro.flags.writeable = False
    return {
        "wrong shape": np.empty((h, w + 1), np.uint8),
        "wrong dtype": np.empty((h, w), np.float32),
        "not an array": [[0] * w] * h,
        "read-only": ro,
        "column step": np.empty((h, 2 * w), np.uint8)[:, ::2],
        "Fortran order": np.asfortranarray(np.empty((h, w), np.uint8)),
        "flipped": np.empty((h, w), np.uint8)[::-1],
    }


@pytest.mark.parametrize("case", list(_bad_outs(2, 2)))
def test_an_out_opencv_cannot_write_in_place_is_a_typed_error(seg, scene, case):
    """An out= buffer that OpenCV cannot write into in place raised cv2.error (read-only,
    Fortran order, a column step, a flip), AttributeError (a list) or a bare ValueError."""
    img, _ = scene
    h, w = img.shape[:2]
    bad = _bad_outs(h, w)[case]
    with pytest.raises(ArrayError, match="out") as e:
        seg.mask(img, out=bad)
    assert isinstance(e.value, LivecutError) and isinstance(e.value, ValueError)
    with pytest.raises(ArrayError, match="out"):
        seg.mask_i420(cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420), out=bad)


@pytest.mark.parametrize("still", [False, True])
def test_out_may_be_a_window_of_a_larger_array(scene, still):
    img, _ = scene
    h, w = img.shape[:2]
    s = Segmenter(still=still)
    ref = s.mask(img).copy()
    canvas = np.full((h + 20, w + 40), 7, np.uint8)
    roi = canvas[10:10 + h, 20:20 + w]
    assert s.mask(img, out=roi) is roi
    assert np.array_equal(roi, ref)
    assert (canvas[:10] == 7).all() and (canvas[:, :20] == 7).all()  # nothing written outside


# ---------------------------------------------------------------- frames

def test_float_frames_nan_and_ranges(seg, scene):
    """NaN in a float frame was cast to uint8 (undefined: a RuntimeWarning, any value); a
    float frame of 0-255 (img.astype(np.float32), PIL's mode "F") was clipped at 1: nearly
    all white, a wrong mask without a word.  Now NaN is 0 and another range is stretched by
    its min and max (as livecut image reads a floating-point picture)."""
    import warnings

    img, _ = scene
    ref = seg.mask(img).copy()
    f = img.astype(np.float32) / 255.0
    assert np.array_equal(seg.mask(f), ref)
    assert np.array_equal(seg.mask(f.astype(np.float16)), ref)  # was "unsupported pixel type"
    u8 = img.copy()
    u8[0, 0], u8[0, 1] = 0, 255  # (its min and max are 0 and 255: the levels are kept)
    assert np.array_equal(seg.mask(u8.astype(np.float32)), seg.mask(u8))
    nan = f.copy()
    nan[50:60, 50:60] = np.nan
    zero = f.copy()
    zero[50:60, 50:60] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the invalid cast warned
        got = seg.mask(nan).copy()
    assert np.array_equal(got, seg.mask(zero))


def test_a_float_frame_a_little_past_zero_to_one_is_clipped_to_it_not_stretched(seg, scene):
    """A 0-1 float frame that a cubic resize took a little past its range (ringing at a sharp
    edge: -0.02 or 1.0001 at a pixel) was stretched by its own extremes -- one pixel at 1.0001
    changed the mask by up to 242 levels, and a video's frames each by their own, flickering.
    Values up to FLOAT_OVERSHOOT past 0-1 are clipped to it; further out, the range is
    stretched as before."""
    from livecut.frames import FLOAT_OVERSHOOT, as_bgr

    img, _ = scene
    f = img.astype(np.float32) / 255.0
    for lo, hi in ((None, 1.0001), (-0.02, None), (-0.05, 1.03)):
        rung = f.copy()
        if hi is not None:
            rung[10, 10] = hi
        if lo is not None:
            rung[20, 20] = lo
        want = np.clip(rung, 0.0, 1.0)
        assert np.array_equal(as_bgr(rung), as_bgr(want)), (lo, hi)
        assert np.array_equal(seg.mask(rung), seg.mask(want)), (lo, hi)
    far = f.copy()
    far[10, 10] = 1.0 + 2 * FLOAT_OVERSHOOT  # (beyond: stretched by its range, as before)
    assert as_bgr(far)[10, 10, 0] == 255 and as_bgr(far).max() == 255
    assert not np.array_equal(as_bgr(far), as_bgr(np.clip(far, 0.0, 1.0)))


@pytest.mark.parametrize("offset,span", [(1e9, 100.0), (-1e6, 1.0), (0.0, 1e41)])
def test_a_float_frame_far_from_zero_for_its_range_is_stretched_exactly(seg, scene, offset, span):
    """A float64 frame of 1e9 to 1e9 + 100 is stretched by its own minimum and maximum to the
    photo's levels; OpenCV's scaling, in float32, gave it two levels, garbage (a range of 1e41,
    its scale under float32's least, all black), and a wrong mask without a word."""
    img, _ = scene
    u8 = img.copy()
    u8[0, 0], u8[0, 1] = 0, 255  # (its minimum and maximum: the levels are the photo's)
    ref = seg.mask(u8).copy()
    far = offset + u8.astype(np.float64) * (span / 255.0)
    assert np.array_equal(seg.mask(far), ref)


def test_other_pixel_types_and_layouts(seg, scene):
    img, _ = scene
    ref = seg.mask(img).copy()
    be16 = (img.astype(np.uint16) * 257).astype(">u2")  # PIL's "I;16B"
    assert np.array_equal(seg.mask(be16), ref)
    ro = img.copy()
    ro.flags.writeable = False  # np.asarray of a PIL image
    for view in (ro, np.asfortranarray(img), img[::-1][::-1], np.repeat(img, 2, axis=1)[:, ::2]):
        assert np.array_equal(seg.mask(view), ref)


def test_16_bit_pictures_become_8_bit_without_a_16_bit_copy():
    """A 16-bit picture was made 8-bit by ``(img >> 8).astype(np.uint8)``: a full-size 16-bit
    copy first (361 MB more for a 61-megapixel photo, twice the 8-bit result).  Now it is
    written into uint8 directly, no more memory than the result, each value rounded to the
    nearest, v / 257: a photo's (to_bgr8), and a library frame's (as_bgr: Segmenter.mask,
    Compositor.apply, MaskSmoother), which dropped the low byte (v >> 8, every value rounded
    down: a 16-bit frame's composite up to a level darker, half a level on average), in any
    layout and byte order."""
    from conftest import traced_peak
    from livecut.frames import as_bgr
    from livecut.imageio import to_bgr8

    rng = np.random.default_rng(5)
    img = rng.integers(0, 65536, (300, 400, 3), dtype=np.uint16)
    rounded = np.rint(img / 257).astype(np.uint8)
    assert not np.array_equal(rounded, (img >> 8).astype(np.uint8))
    # (to_bgr8 takes what OpenCV decodes; as_bgr any layout and byte order)
    for convert, givens in ((lambda x: to_bgr8(x)[0], (img,)),
                            (as_bgr, (img, img.astype(">u2"), np.asfortranarray(img), img[::-1][::-1],
                                      np.repeat(img, 2, axis=1)[:, ::2]))):
        for given in givens:
            got, peak = traced_peak(lambda: convert(given))
            assert np.array_equal(got, rounded)
            assert peak < 1.3 * rounded.nbytes, (peak, rounded.nbytes)
    every = np.arange(65536, dtype=np.uint16).reshape(256, 256)
    assert np.array_equal(as_bgr(every)[:, :, 0], np.rint(every / 257).astype(np.uint8))
    assert np.array_equal(as_bgr((img.astype(np.uint8)).astype(np.uint16) * 257), img.astype(np.uint8))


@pytest.mark.parametrize("bits", [10, 12])
def test_10_and_12_bit_frames_are_rounded_to_8_bits(bits):
    """The frames of 10- and 12-bit video (``bits=10`` / ``12``: 0-1023 / 0-4095 in uint16) were
    brought to 8 bits by v >> 2 / v >> 4, every value rounded down (0.375 / 0.47 of a level dark
    on average); each is now the nearest 8-bit code, v / 4 / v / 16 rounded (an 8-bit value v
    given as v << 2 / v << 4 is v, as before; the top of the range 255)."""
    from livecut.frames import as_bgr

    top = (1 << bits) - 1
    every = np.arange(top + 1, dtype=np.uint16)
    v = np.resize(every, (64, (top + 1) // 64 * 3)).reshape(64, -1, 3)
    want = np.clip(np.rint(v / (1 << (bits - 8))), 0, 255).astype(np.uint8)
    assert np.array_equal(as_bgr(v, bits=bits), want)
    assert np.array_equal(as_bgr(v.astype(">u2"), bits=bits), want)
    eight = np.arange(256, dtype=np.uint16)
    assert np.array_equal(as_bgr(eight[None] << (bits - 8), bits=bits)[0, :, 0], eight)


def _other_kinds(img: np.ndarray, seed: int) -> dict[str, tuple[np.ndarray, int, np.ndarray]]:
    """Frames of other pixel types than BGR uint8 made of the BGR uint8 ``img``: name ->
    (frame, its bits, the BGR uint8 frame it is read as); BGR uint8 itself among them."""
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    gray3 = cv2.merge([gray] * 3)
    own = np.random.default_rng(seed).integers(0, 256, img.shape[:2], dtype=np.uint8)
    bgra = np.dstack((img, own))
    return {"bgr": (img, 16, img), "gray": (gray, 16, gray3), "gray HxWx1": (gray[:, :, None], 16, gray3),
            "bgra": (bgra, 16, img), "uint16": (img.astype(np.uint16) * 257, 16, img),
            "uint16 gray 10-bit": (gray.astype(np.uint16) << 2, 10, gray3),
            "uint16 bgra 12-bit": (bgra.astype(np.uint16) << 4, 12, img),
            "float32": (img.astype(np.float32) / 255, 16, img), "float64": (img / 255.0, 16, img),
            "float16": ((img / 255.0).astype(np.float16), 16, img),
            "float32 gray": (gray.astype(np.float32) / 255, 16, gray3)}


@pytest.mark.parametrize("kind", list(_other_kinds(np.zeros((16, 16, 3), np.uint8), 0)))
def test_a_converted_frame_is_made_in_buffers_reused_from_frame_to_frame(kind):
    """A frame of another pixel type than BGR uint8 (gray, BGRA, 16-bit, floating point) was
    converted into new full-size arrays at every call of Segmenter.mask and Compositor.apply:
    3 to 18 bytes a pixel a frame (6 to 37 MB a 1080p frame).  It is converted into buffers
    of the Segmenter's and the Compositor's own, made for a frame size and reused: the frames
    after the first of a size take no more memory than the BGR frame they are read as (traced,
    with a quarter of a byte a pixel to spare: a full-size array is at least one), and give
    what it gives (the mask; the output of a Compositor new to the frame)."""
    from conftest import traced_peak

    h, w = 360, 640
    frames = [_other_kinds(make_scene("basic", w, h, seed=s)[0], s)[kind] for s in range(3)]
    seg, ref = (Segmenter(each_frame_judged(Config())) for _ in range(2))
    modes = ("composite", "cutout", "side-by-side")
    comps, refs = ({mode: Compositor(background="blur", mode=mode) for mode in modes} for _ in range(2))
    for i, (frame, bits, bgr) in enumerate(frames * 2):
        alpha, peak = traced_peak(lambda: seg.mask(frame, bits=bits))
        want, most = traced_peak(lambda: ref.mask(bgr))
        assert np.array_equal(alpha, want)
        if i >= 2:  # (the first frames of the size: the buffers made)
            assert peak < most + h * w // 4, f"Segmenter.mask: {(peak - most) / (h * w):.2f} bytes a pixel more"
        for mode in modes:
            out, peak = traced_peak(lambda: comps[mode].apply(frame, alpha, bits=bits))
            _, most = traced_peak(lambda: refs[mode].apply(bgr, alpha))
            assert np.array_equal(out, Compositor(background="blur", mode=mode).apply(frame, alpha, bits=bits))
            if i >= 2:
                assert peak < most + h * w // 4, \
                    f"Compositor.apply ({mode}): {(peak - most) / (h * w):.2f} bytes a pixel more"


def test_frame_buffers_are_reused_for_a_shape_up_to_a_videos_frames(monkeypatch):
    """:func:`as_bgr` and :func:`as_bgr_alpha` given :class:`FrameBuffers` convert a frame into
    the same arrays at each call of one shape, with what they gave without (new arrays);
    a frame over KEEP_PIXELS (a photo's) into new arrays, not kept."""
    import livecut.frames as frames

    h, w = 48, 64
    imgs = [make_scene("basic", w, h, seed=s)[0] for s in range(2)]
    for kind in _other_kinds(imgs[0], 0):
        if kind == "bgr":
            continue
        bufs = frames.FrameBuffers()
        got = []
        for s, img in enumerate(imgs):
            frame, bits, _ = _other_kinds(img, s)[kind]
            bgr, own = frames.as_bgr_alpha(frame, bits, bufs)
            want_bgr, want_own = frames.as_bgr_alpha(frame, bits)
            assert np.array_equal(bgr, want_bgr) and (own is None) == (want_own is None), kind
            assert own is None or np.array_equal(own, want_own), kind
            got.append((bgr, own, frames.as_bgr(frame, bits, bufs)))
            assert np.array_equal(got[-1][2], frames.as_bgr(frame, bits)), kind
        (bgr0, own0, only0), (bgr1, own1, only1) = got
        assert bgr1 is bgr0 and own1 is own0 and only1 is only0, kind
    monkeypatch.setattr(frames, "KEEP_PIXELS", h * w - 1)
    bufs = frames.FrameBuffers()
    frame = cv2.cvtColor(imgs[0], cv2.COLOR_BGR2GRAY)
    first = frames.as_bgr(frame, bufs=bufs)
    assert frames.as_bgr(frame, bufs=bufs) is not first and np.array_equal(first, frames.as_bgr(frame))

def test_10_and_12_bit_frames_in_uint16_are_read_with_bits(seg, scene):
    """A uint16 frame of 10- or 12-bit video (0-1023 / 0-4095, as some decoders give it) was
    read as 16-bit: its composite nearly black.  ``bits=10`` / ``12`` reads it as the 8-bit
    frame it holds; a value past the bits, or bits that are no bit depth, are typed errors."""
    from livecut.errors import ConfigError, ConfigTypeError

    img, _ = scene
    ref = seg.mask(img).copy()
    comp = Compositor(background="color:#00ff00")
    want = comp.apply(img, ref).copy()
    canvas = np.zeros_like(img)
    want_over = comp.blend_over(img, ref, canvas.copy()).copy()
    for bits in (10, 12, np.int64(12)):
        deep = img.astype(np.uint16) << (int(bits) - 8)
        deep[::7, ::5] |= (1 << (int(bits) - 9)) - 1  # (under half a level: rounded to the 8-bit value)
        for given in (deep, deep.astype(">u2"), deep[:, :, 0]):
            gray = given.ndim == 2
            mask_want = seg.mask(img[:, :, 0]).copy() if gray else ref
            assert np.array_equal(seg.mask(given, bits=bits), mask_want)
            if not gray:
                assert np.array_equal(comp.apply(given, ref, bits=bits), want)
                assert np.array_equal(comp.blend_over(given, ref, canvas.copy(), bits=bits), want_over)
        with pytest.raises(ArrayError, match=f"values up to 4096 is not {bits}-bit .*bits=16"):
            seg.mask(np.full((40, 40), 4096, np.uint16), bits=bits)
    # 16 is the default; uint8 and floating-point frames are what they were
    assert np.array_equal(seg.mask(img.astype(np.uint16) * 257, bits=16), ref)
    assert np.array_equal(seg.mask(img, bits=10), ref)
    for bad, error in (("10", ConfigTypeError), (10.0, ConfigTypeError), (True, ConfigTypeError),
                       (7, ConfigError), (17, ConfigError)):
        with pytest.raises(error, match="bits"):
            seg.mask(img, bits=bad)
        with pytest.raises(error, match="bits"):
            comp.apply(img, ref, bits=bad)


def test_a_uint16_frame_past_its_bits_is_told_the_bits_that_hold_it(seg):
    """12-bit values (up to 4095) given with bits=10 were told "give bits=16 for 0-65535": read
    as 16-bit they are nearly black (what bits= is for).  The message names the depth that
    holds them, 12 (or 10 for 9-bit values given bits=8), and 16 past 4095."""
    for bits, top, want in ((10, 2000, "bits=12 for 0-4095"), (10, 4095, "bits=12 for 0-4095"),
                            (8, 900, "bits=10 for 0-1023"), (12, 4096, "bits=16 for 0-65535")):
        with pytest.raises(ArrayError, match=f"values up to {top} is not {bits}-bit .*give {want}"):
            seg.mask(np.full((40, 40), top, np.uint16), bits=bits)


@pytest.mark.parametrize("bad,match", [(None, "cv2.imread"), (np.zeros((40, 40), np.int32), "uint8"),
                                       (np.zeros((40, 40, 2), np.uint8), "HxWx3"),
                                       (np.zeros((40, 40), bool), "uint16")])
def test_unsupported_frames_say_what_to_give(seg, bad, match):
    with pytest.raises(ArrayError, match=match):
        seg.mask(bad)


# ---------------------------------------------------------------- Compositor

def test_apply_i420_mask_mode_is_whole_again_after_the_caller_drew_on_it(scene):
    """apply_i420 in mask mode wrote the chroma planes (128) only when its buffer was made:
    a caller that drew on the frame it got (a timestamp, an overlay) saw its colours on
    every later frame."""
    img, _ = scene
    alpha = np.zeros(img.shape[:2], np.uint8)
    alpha[60:180, 80:240] = 255
    yuv = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)
    comp = Compositor(mode="mask")
    ref = comp.apply_i420(yuv, alpha).copy()
    comp.apply_i420(yuv, alpha)[:] = 200  # drawn on
    assert np.array_equal(comp.apply_i420(yuv, alpha), ref)


@pytest.mark.parametrize("mode,bg", [("composite", "blur"), ("composite", "color:#00b140"),
                                     ("cutout", "blur"), ("side-by-side", "blur"),
                                     ("composite", "transparent")])
def test_apply_is_whole_again_after_the_caller_drew_on_it(scene, mode, bg):
    img, _ = scene
    alpha = np.zeros(img.shape[:2], np.uint8)
    alpha[60:180, 80:240] = 255
    comp = Compositor(mode=mode, background=bg)
    ref = comp.apply(img, alpha).copy()
    comp.apply(img, alpha)[:] = 200
    assert np.array_equal(comp.apply(img, alpha), ref)


def test_apply_i420_takes_what_apply_takes_and_says_so(scene):
    """apply_i420 raised AttributeError for a list, cv2.error for a float alpha and a bare
    ValueError for an HxWx1 one."""
    img, _ = scene
    h, w = img.shape[:2]
    yuv = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)
    alpha = np.full((h, w), 128, np.uint8)
    comp = Compositor(background="blur")
    for bad in (alpha.astype(np.float32) / 255, alpha[:, :, None], alpha > 0, alpha.tolist()):
        with pytest.raises(ArrayError, match="alpha"):
            comp.apply_i420(yuv, bad)
        with pytest.raises(ArrayError, match="alpha"):
            comp.apply(img, bad)
    with pytest.raises(ArrayError, match="i420"):
        comp.apply_i420(yuv.tolist(), alpha)
    with pytest.raises(ArrayError):
        comp.apply_i420(yuv.astype(np.float32), alpha)


@pytest.mark.parametrize("shape", [(1, 1), (4, 1), (1, 4), (2, 2), (2 * 16 + 4, 16 + 1)])
def test_a_tiny_frame_or_a_thin_edge_is_blended_as_any_other(shape):
    """OpenCV 5.1 takes a number beside a 4x1 array for the column (n, 0, 0, 0): a frame 4
    pixels high and 1 wide (or a 4x1 rectangle at a frame's edge, 36x17 with tiles of 16) had
    its pixels of alpha > 0 copied over the colour, 112 levels off the blend; a 1x1 frame's
    blur was 255 for 200.  Each is the blend now."""
    rng = np.random.default_rng(3)
    img = rng.integers(0, 255, shape + (3,), dtype=np.uint8)
    alpha = rng.integers(1, 255, shape, dtype=np.uint8)
    out = Compositor(background="color:#00b140").apply(img, alpha).astype(float)
    a = alpha[..., None] / 255.0
    assert np.abs(out - (img * a + np.array([0x40, 0xB1, 0x00]) * (1 - a))).max() <= 1.0
    flat = np.full(shape + (3,), 200, np.uint8)
    assert (Compositor(background="blur").apply(flat, alpha) == 200).all()  # (the blur of a flat frame)


@pytest.mark.parametrize("bg", ["blur", "color:#00b140"])
def test_compositor_tiny_and_empty_frames(bg):
    """A 1x1 frame (and a 2x2 I420 one: its chroma planes are 1x1) gave cv2.error, an empty
    one ZeroDivisionError or cv2.error."""
    comp = Compositor(background=bg)
    for shape in ((0, 0), (0, 5)):
        with pytest.raises(ArrayError, match="empty"):
            comp.apply(np.zeros(shape + (3,), np.uint8), np.zeros(shape, np.uint8))
        with pytest.raises(ArrayError, match="empty"):
            comp.apply(np.zeros(shape, np.float32), np.zeros(shape, np.uint8))
    frame = np.full((1, 1, 3), 200, np.uint8)
    for a in (0, 128, 255):
        out = comp.apply(frame, np.full((1, 1), a, np.uint8))
        if a == 255 or bg == "blur":  # (the blur of one pixel is itself)
            assert (out == 200).all()
        y = comp.apply_i420(np.full((3, 2), 200, np.uint8), np.full((2, 2), a, np.uint8))
        assert y.shape == (3, 2)
    assert tuple(comp.apply(frame, np.zeros((1, 1), np.uint8))[0, 0]) == comp.background.color or bg == "blur"


# ---------------------------------------------------------------- sizes

@pytest.mark.parametrize("shape", [(16, 20000), (20000, 16), (20, 12000)])
def test_a_frame_too_long_for_its_width_is_refused_by_focusnet(shape):
    """focusnet raised cv2.error on a frame far wider than high (its cue grid had no whole
    cell across), and on one far higher than wide computed on uninitialised buffers; now an
    ImageSizeError says how wide it must be and what to do."""
    from livecut.errors import ImageSizeError

    import re

    frame = np.random.default_rng(0).integers(0, 256, shape + (3,), dtype=np.uint8)
    with pytest.raises(ImageSizeError, match=r"short side needs at least \d+ pixels.*segment.method=focus") as e:
        Segmenter().mask(frame)
    assert Segmenter(load_config(None, ["segment.method=focus"])).mask(frame).shape == shape
    if shape[0] < shape[1]:
        with pytest.raises(ImageSizeError):
            Segmenter().mask_i420(np.zeros((shape[0] * 3 // 2, shape[1]), np.uint8))
    need = int(re.search(r"at least (\d+)", str(e.value)).group(1))  # (and that is enough)
    wide = (need, shape[1]) if shape[0] < shape[1] else (shape[0], need)
    assert Segmenter().mask(np.zeros(wide + (3,), np.uint8)).shape == wide


def test_soft_frame_too_long_for_the_coarse_level_is_judged_without_it(monkeypatch):
    """A soft frame (no sharp detail at pixel scale) is measured again at half the cue
    resolution; a 16x3000 frame has no room there (2 rows): cv2.error.  It is now judged at
    the cue resolution alone."""
    import livecut.segment.net as net

    monkeypatch.setattr(net, "COARSE_P99", 100.0)  # every frame counts as soft
    frame = np.random.default_rng(0).integers(0, 256, (16, 3000, 3), dtype=np.uint8)
    seg = Segmenter()
    assert seg.mask(frame).shape == (16, 3000)
    assert seg.method.judged_coarse == 0
    seg.mask(np.random.default_rng(0).integers(0, 256, (400, 3000, 3), dtype=np.uint8))
    assert seg.method.judged_coarse == 1  # (where it has room, it is used)


# ---------------------------------------------------------------- configuration objects

@pytest.mark.parametrize("make", [Segmenter, Compositor, MaskSmoother])
def test_a_config_of_the_wrong_type_is_a_typed_error(make):
    """Segmenter("fast") raised a bare TypeError; Compositor("fast"), MaskSmoother("fast")
    and Compositor(cfg.segment) an AttributeError."""
    from livecut.errors import ConfigTypeError

    with pytest.raises(ConfigTypeError, match=r"load_config\('fast'\)") as e:
        make("fast")
    assert isinstance(e.value, LivecutError) and isinstance(e.value, TypeError)
    cfg = load_config("fast")
    wrong = cfg.smooth if make is not MaskSmoother else cfg.segment
    with pytest.raises(ConfigTypeError, match=type(wrong).__name__):
        make(wrong)
    make(cfg)
    make(None)


def test_config_sections_check_their_values_however_they_are_made():
    """dataclasses.replace and the classes themselves took any value: work_size=5 ran,
    refine="bogus" silently meant none, threshold=NaN gave an empty mask, a motion_threshold
    of 0 a ZeroDivisionError on the second frame."""
    import dataclasses

    from livecut.config import ConfigError, SegmentConfig, SmoothConfig

    cfg = load_config("fast")
    for section, key, value, match in [
            (cfg.segment, "work_size", 5, "segment.work_size: 5 is below the minimum 64"),
            (cfg.segment, "refine", "bogus", "segment.refine: 'bogus' is not one of"),
            (cfg.segment, "threshold", float("nan"), "segment.threshold"),
            (cfg.segment, "soft", "maybe", "segment.soft: expected true or false"),
            (cfg.smooth, "motion_threshold", 0, "smooth.motion_threshold"),
            (cfg.composite, "mode", "sepia", "composite.mode")]:
        with pytest.raises(ConfigError, match=match):
            dataclasses.replace(section, **{key: value})
    with pytest.raises(ConfigError, match="segment.grid"):
        SegmentConfig(grid=10_000)
    # as in a file: numbers and booleans are converted
    assert SegmentConfig(work_size=256.0).work_size == 256 and isinstance(SegmentConfig(work_size=256.0).work_size, int)
    assert SmoothConfig(rate=1).rate == 1.0 and SegmentConfig(soft="off").soft is False
    with pytest.raises(ConfigError, match="Config.segment must be a SegmentConfig"):
        dataclasses.replace(cfg, segment=cfg.smooth)


def test_a_registered_method_can_be_named_in_the_configuration(scratch_methods):
    """register_method says a method becomes selectable as segment.method = name, but
    load_config (and so --set and a TOML file) refused every name but the shipped three."""
    from livecut.segment import register_method

    @register_method("test-everything")
    class Everything:
        summary = "keeps the whole frame"

        def __init__(self, cfg, still=False):
            pass

        def __call__(self, small, timings=None, full=None):
            return np.full(small.shape[:2], 255, np.uint8)

    cfg = load_config(None, ["segment.method=test-everything"])
    assert (Segmenter(cfg).mask(np.zeros((32, 32, 3), np.uint8)) == 255).all()
    with pytest.raises(LivecutError, match="test-everything"):
        load_config(None, ["segment.method=nope"])  # (the message lists it)


@pytest.mark.parametrize("still", [False, True])
@pytest.mark.parametrize("bad", ["float", "size"])
def test_a_registered_method_that_gives_back_no_alpha_is_a_typed_error(still, bad, scratch_methods):
    """A registered method that returned a float alpha of 0-1 gave an empty mask (a mask of 1s
    for photos), one of another size a bare ValueError from numpy (video) or an empty mask
    (photos); refused as a temporal's answer is, naming the method."""
    from livecut.segment import register_method

    @register_method("test-bad")
    class Bad:
        def __init__(self, cfg, still=False):
            pass

        def __call__(self, small, timings=None, full=None):
            return np.ones(small.shape[:2], np.float32) if bad == "float" else np.zeros((5, 5), np.uint8)

    seg = Segmenter(load_config(None, ["segment.method=test-bad"]), still=still)
    for call in (seg.mask, seg.mask_small):
        with pytest.raises(ArrayError, match=r"segment.method 'test-bad' returned .*\(160, 320\) uint8"):
            call(np.zeros((320, 640, 3), np.uint8))


def test_a_registered_method_that_gives_back_none_does_not_crash_the_process():
    """A registered method that returned None crashed the process in OpenCV for photos (a
    segmentation fault, in the colour refinement)."""
    import subprocess
    import sys

    code = """if True:
        import numpy as np
        from livecut import Segmenter, load_config
        from livecut.errors import ArrayError
        from livecut.segment import register_method

        @register_method("test-none")
        class Nothing:
            def __init__(self, cfg, still=False):
                pass

            def __call__(self, small, timings=None, full=None):
                return None

        seg = Segmenter(load_config(None, ["segment.method=test-none"]), still=True)
        try:
            seg.mask(np.zeros((240, 320, 3), np.uint8))
        except ArrayError as e:
            print(e)
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out
    assert "segment.method 'test-none' returned NoneType" in out.stdout


def test_a_method_registered_under_a_name_that_is_no_name_or_as_no_factory_is_refused(scene):
    """register_method(5)(factory) was taken, and from then on every list of the methods failed
    with a bare TypeError ('<' not supported between 'int' and 'str'): method_names(), and each
    load_config() and Segmenter of the application; register_method('') and a factory that is
    not callable (register_method('x')(5)) were taken too, and a factory that returned None
    was a bare TypeError at the first frame.  Each is refused, the registry left as it was."""
    from livecut.errors import ConfigError, ConfigTypeError
    from livecut.segment import method_names, register_method
    from livecut.segment import registry

    img, _ = scene
    before = method_names()
    with pytest.raises(ConfigTypeError, match="register_method: name must be a string"):
        register_method(5)(lambda cfg, still: None)
    for name in ("", " mine"):
        with pytest.raises(ConfigError, match="register_method: name"):
            register_method(name)(lambda cfg, still: None)
    with pytest.raises(ConfigTypeError, match=r"register_method\('not-callable'\): expected a factory"):
        register_method("not-callable")(5)
    assert method_names() == before
    assert load_config("fast").segment.method == "focusnet"
    register_method("returns-none")(lambda cfg, still: None)
    try:
        with pytest.raises(ConfigTypeError, match="segment.method 'returns-none': its factory returned NoneType"):
            Segmenter(load_config(None, ["segment.method=returns-none"]))
    finally:
        registry._METHODS.pop("returns-none")
    assert Segmenter().mask(img).shape == img.shape[:2]


@pytest.mark.parametrize("hw", [(32, 640), (16, 128), (24, 400)])
def test_video_frames_of_a_low_wide_working_size_do_not_crash_the_process(hw):
    """segment.every (the fast preset) follows the image's motion between judged frames with
    OpenCV's DIS optical flow, which crashes the process on a working size under 32 rows: a
    32x640 video through `livecut file -c fast` was a segmentation fault, exit 139, without a
    word.  Those frames are judged anew, each mask as a judged frame's."""
    import subprocess
    import sys

    code = f"""if True:
        import numpy as np
        from livecut import Segmenter, load_config

        h, w = {hw}
        rng = np.random.default_rng(0)
        wide = rng.integers(0, 256, (h, w + 40, 3), np.uint8)
        seg = Segmenter(load_config("fast"))
        judged = Segmenter(load_config("fast", ["segment.every=1"]))
        for i in range(8):  # (the image moves: every other frame is followed)
            frame = np.ascontiguousarray(wide[:, 3 * i:3 * i + w])
            a, b = seg.mask(frame).copy(), judged.mask(frame)
            print(i, int(np.abs(a.astype(int) - b).max()))
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out
    assert [line.split()[1] for line in out.stdout.splitlines()] == ["0"] * 8, out.stdout


# ---------------------------------------------------------------- MaskSmoother

def test_mask_smoother_takes_gray_frames_and_checks_alpha():
    """A gray (or BGRA) frame left the smoother's motion buffer unwritten (OpenCV wrote a
    new array instead): no motion was seen, so a scene cut was missed and the old mask
    stayed; a float alpha was taken and gave a black mask."""
    img, gt = make_scene("basic", 320, 240, seed=0)
    img2, gt2 = make_scene("basic", 320, 240, seed=1)

    def run(conv):
        sm = MaskSmoother()
        return [sm(g, conv(im)).copy() for im, g in ((img, gt), (img, gt), (img2, gt2), (img2, gt2))]

    gray = lambda im: cv2.cvtColor(im, cv2.COLOR_BGR2GRAY)  # noqa: E731
    ref = run(lambda im: cv2.cvtColor(gray(im), cv2.COLOR_GRAY2BGR))
    for conv in (gray, lambda im: cv2.cvtColor(im, cv2.COLOR_BGR2BGRA)):
        got = run(conv)
        assert np.abs(got[2].astype(int) - gt2).mean() < 1  # the cut was seen: the new mask
        if conv is gray:
            assert all(np.array_equal(a, b) for a, b in zip(got, ref))
    sm = MaskSmoother()
    for bad in (gt.astype(np.float32) / 255, gt[:, :, None], gt.tolist()):
        with pytest.raises(ArrayError, match="alpha"):
            sm(bad, img)


def test_mask_smoother_takes_10_bit_frames_with_bits():
    """The frames of 10-bit video in uint16 (0-1023), which Segmenter.mask and Compositor.apply
    take with bits=10, could only be read as 16-bit by a MaskSmoother: nearly black, so a
    subject that moved was no motion, and its mask trailed (IoU 0.24 after 7 frames at 10 px a
    frame).  ``bits=`` reads them as the 8-bit frames they hold, in hold() too."""
    rng = np.random.default_rng(3)
    bg = cv2.GaussianBlur(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8), (0, 0), 6)

    def run(deep: bool):
        sm, got = MaskSmoother(), []
        for i in range(8):
            frame, alpha = bg.copy(), np.zeros((240, 320), np.uint8)
            x = 20 + 10 * i
            cv2.rectangle(frame, (x, 60), (x + 80, 180), (250, 250, 250), -1)
            alpha[60:181, x:x + 81] = 255
            given = (frame.astype(np.uint16) << 2) if deep else frame
            got.append(sm(alpha, given, bits=10).copy())
            got.append(sm.hold(alpha, given, bits=10).copy())
        return got

    assert all(np.array_equal(a, b) for a, b in zip(run(True), run(False)))
    with pytest.raises(ArrayError, match="not 10-bit"):
        MaskSmoother()(np.zeros((40, 40), np.uint8), np.full((40, 40), 4000, np.uint16), bits=10)


@pytest.mark.parametrize("kind", ["gray", "bgra", "uint16 gray 10-bit", "float32"])
def test_a_mask_smoothers_converted_frame_is_made_in_buffers_reused_from_frame_to_frame(kind):
    """A MaskSmoother given the frames of a video in another pixel type than BGR uint8 (gray,
    BGRA, 10-bit in uint16, floating point: ``smoother(alpha, frame, bits=10)``, as the README
    shows) converted each into new full-size arrays at every call (3 to 6 bytes a pixel, twice
    in hold()), as Segmenter.mask and Compositor.apply did.  It converts them into buffers of
    its own, made for a frame size and reused: the frames after the first of a size take no
    more memory than the BGR frame they are read as (traced, a quarter of a byte a pixel to
    spare), and give what it gives."""
    from conftest import traced_peak

    h, w = 360, 640
    frames = [_other_kinds(make_scene("basic", w, h, seed=s)[0], s)[kind] for s in range(3)]
    alphas = [make_scene("basic", w, h, seed=s)[1] for s in range(3)]
    sm, ref = MaskSmoother(), MaskSmoother()
    for i, ((frame, bits, bgr), alpha) in enumerate(zip(frames * 2, alphas * 2)):
        for call in ("__call__", "hold"):
            got, peak = traced_peak(lambda: getattr(sm, call)(alpha, frame, bits=bits).copy())
            want, most = traced_peak(lambda: getattr(ref, call)(alpha, bgr).copy())
            assert np.array_equal(got, want)
            if i >= 2:  # (the first frames of the size: the buffers made)
                assert peak < most + h * w // 4, f"MaskSmoother.{call}: {(peak - most) / (h * w):.2f} bytes a pixel more"


def test_a_mask_smoother_given_a_one_pixel_alpha_says_so():
    """A 1x1 alpha (which check_alpha takes) was a bare cv2.error at the second frame (OpenCV
    reads a 1x1 array beside a number as two scalars: 'Sizes of input arguments do not
    match').  It is a FrameSizeError (an ArrayError) that says so, at the first; 1x2 and 2x1
    are smoothed as before."""
    from livecut.errors import FrameSizeError

    img, _ = make_scene("basic", 64, 48, seed=0)
    sm = MaskSmoother()
    for _ in range(2):
        with pytest.raises(FrameSizeError, match="1x1"):
            sm(np.full((1, 1), 200, np.uint8), img)
    for shape in ((1, 2), (2, 1)):
        sm = MaskSmoother()
        for i in range(3):
            assert sm(np.full(shape, 200, np.uint8), np.roll(img, i, 1)).shape == shape


def test_a_mask_smoother_smooths_a_four_by_one_alpha_as_its_row():
    """A 4x1 alpha (a column of 4) came back as given, unsmoothed, under OpenCV 5.1: it reads a
    number beside a 4x1 array as the scalar (number, 0, 0, 0), so the runs and the accumulator
    were compared with 0 (a pixel that flickers 0/255 stayed 255, where the 1x4 row's was 5,
    29, ...); OpenCV 5.0 raised a bare cv2.error.  Each frame's result is the 1x4 row's,
    turned, and so is a 4x2 one's first column."""
    flick = [np.array([[0], [255], [255 if i % 3 else 0], [128]], np.uint8) for i in range(10)]
    frames = [np.array([[[10, 20, 30]], [[200, 200, 200]], [[90, 90, 90 + 10 * i]], [[50, 60, 70]]], np.uint8)
              for i in range(10)]
    col, row, wide = MaskSmoother(), MaskSmoother(), MaskSmoother()
    for i, (a, f) in enumerate(zip(flick, frames)):
        got = col(a, f)
        assert got.shape == (4, 1)
        want = row(np.ascontiguousarray(a.T), np.ascontiguousarray(f.swapaxes(0, 1)))
        assert np.array_equal(got, want.T), (i, got.ravel(), want.ravel())
        two = wide(np.ascontiguousarray(np.repeat(a, 2, 1)), np.ascontiguousarray(np.repeat(f, 2, 1)))
        assert np.array_equal(got[:, 0], two[:, 0]), (i, got.ravel(), two[:, 0])
    assert got[2, 0] != 255  # (the flickering pixel is smoothed, not copied)


def test_a_mask_smoother_holds_a_four_by_one_alpha_as_its_row():
    """MaskSmoother.hold on a 4x1 alpha gave back the alpha it was given (the frame with
    nothing in focus: the subject dropped at once, no frame counted as held), where the 1x4
    row's held the last smoothed mask: the smoother keeps a column as its row (OpenCV 5.1, see
    above) and hold took the column for another size.  It holds it as the row, turned."""
    frame = np.array([[[10, 20, 30]], [[200, 200, 200]], [[90, 90, 90]], [[50, 60, 70]]], np.uint8)
    col, row = MaskSmoother(), MaskSmoother()
    for _ in range(8):
        col(np.full((4, 1), 255, np.uint8), frame)
        row(np.full((1, 4), 255, np.uint8), np.ascontiguousarray(frame.swapaxes(0, 1)))
    for _ in range(2):
        got = col.hold(np.zeros((4, 1), np.uint8), frame)
        want = row.hold(np.zeros((1, 4), np.uint8), np.ascontiguousarray(frame.swapaxes(0, 1)))
        assert got.shape == (4, 1)
        assert np.array_equal(got, want.T), (got.ravel(), want.ravel())
    assert col.held == row.held == 2
    with pytest.raises(ArrayError, match="expected a numpy image"):  # (as the row's is refused)
        col.hold(np.zeros((4, 1), np.uint8), [[1, 2]])


def test_a_mask_smoother_starts_anew_between_a_four_by_one_and_a_one_by_four_alpha():
    """A 4x1 column is smoothed as the 1x4 row it turns to, in the row's buffers: a 1x4 alpha
    after 4x1 ones (or the other way round) carried the columns' mask over, turned (the row of
    zeros came back 255 where the columns had been 255), where any other change of shape starts
    anew; hold() held it likewise.  Each is now a change of shape."""
    col = np.array([[[10, 20, 30]], [[200, 200, 200]], [[90, 90, 90]], [[50, 60, 70]]], np.uint8)
    row = np.ascontiguousarray(col.swapaxes(0, 1))
    for first, second in (((4, 1), (1, 4)), ((1, 4), (4, 1))):
        frames = {(4, 1): col, (1, 4): row}
        sm = MaskSmoother()
        for _ in range(8):
            sm(np.full(first, 255, np.uint8), frames[first])
        zeros = np.zeros(second, np.uint8)
        assert np.array_equal(sm.hold(zeros, frames[second]), zeros)  # (nothing of that shape to hold)
        assert sm.held == 0
        assert np.array_equal(sm(zeros, frames[second]), zeros), (first, second)
        assert sm(np.full(first, 255, np.uint8), frames[first]).max() == 255  # (and back: anew again)


def test_mask_smoother_judged_that_is_not_true_or_false_is_refused(scene):
    """smoother(alpha, frame, judged='no') was taken as it is truthy: a judgement served again
    counted as new evidence (settling after fewer frames).  As Segmenter(still=...) refuses it."""
    from livecut.errors import ConfigTypeError

    img, gt = scene
    sm = MaskSmoother()
    for bad in ("no", None, 2):
        with pytest.raises(ConfigTypeError, match="MaskSmoother: judged must be True or False"):
            sm(gt, img, judged=bad)
    for ok in (False, True, np.bool_(False), 0, 1):
        assert sm(gt, img, judged=ok).shape == gt.shape


@pytest.mark.parametrize("still", [False, True])
@pytest.mark.parametrize("bad", ["none", "float 0-1", "bool", "other size", "3-D"])
def test_a_temporal_that_gives_back_no_alpha_is_a_typed_error(scene, still, bad):
    """A ``temporal`` of one's own that gave back None crashed the process in OpenCV (photos,
    still=True: a segmentation fault) or raised a bare TypeError; a float of 0-1 or a bool gave
    an empty mask; another size a mask of nothing or a bare ValueError."""
    make = {"none": lambda a: None, "float 0-1": lambda a: a / 255.0, "bool": lambda a: a > 127,
            "other size": lambda a: a[1:], "3-D": lambda a: a[:, :, None]}[bad]
    img, _ = scene
    seg = Segmenter(temporal=lambda a, small: make(a), still=still)
    with pytest.raises(ArrayError, match=r"temporal returned .*expected the alpha it was given"):
        seg.mask(img)
    seg = Segmenter(temporal=lambda a, small: a.copy(), still=still)  # (its own alpha, copied: taken)
    assert np.array_equal(seg.mask(img), Segmenter(still=still).mask(img))


def test_mask_smoother_rate_set_at_run_time_is_checked(scene):
    """MaskSmoother.rate (adjustable at run time) = '0.5' or None was a bare TypeError at the
    next frame; -1 or NaN gave a mask of 1 or 0 where every frame said 255."""
    from livecut.errors import ConfigError, ConfigTypeError

    img, _ = scene
    h, w = img.shape[:2]
    sm = MaskSmoother()
    sm(np.full((h, w), 128, np.uint8), img)
    for bad, error in (("0.5", ConfigTypeError), (None, ConfigTypeError), (True, ConfigTypeError),
                       (-1.0, ConfigError), (float("nan"), ConfigError), (0.0, ConfigError), (1.5, ConfigError)):
        with pytest.raises(error, match="rate"):
            sm.rate = bad
    assert sm.rate == MaskSmoother().cfg.rate
    sm.rate = np.float32(0.5)  # (numbers of numpy, and 1, taken)
    assert sm.rate == 0.5 and sm(np.full((h, w), 255, np.uint8), img).max() == 191
    sm.rate = 1
    assert sm(np.full((h, w), 255, np.uint8), img).min() == 255


def test_still_and_each_frame_judged_refuse_what_they_cannot_take(scene):
    """Segmenter(still='no') was taken for True (photos' settings: the colour refinement),
    still=None for False; each_frame_judged('fast') or None was a bare TypeError from
    dataclasses.replace."""
    from livecut.config import SegmentConfig
    from livecut.errors import ConfigTypeError

    for bad in ("no", "False", None, 2, 0.5):
        with pytest.raises(ConfigTypeError, match="still must be True or False"):
            Segmenter(still=bad)
    for ok, refine in ((True, "color"), (np.bool_(True), "color"), (1, "color"), (False, "guided"), (0, "guided")):
        assert Segmenter(still=ok).refine == refine
    for bad, match in (("fast", r"load_config\('fast'\)"), (None, "NoneType"), (5, "int")):
        with pytest.raises(ConfigTypeError, match=match):
            each_frame_judged(bad)
    for cfg in (Config(), SegmentConfig()):
        seg = each_frame_judged(cfg)
        assert isinstance(seg, SegmentConfig) and seg.still == 0 and seg.every == 1


def test_a_temporal_that_is_not_a_callable_is_refused_when_given(scene):
    """Segmenter(temporal=5) was taken, and each frame then a bare TypeError ('int' object is
    not callable); temporal=MaskSmoother (the class, not MaskSmoother(cfg)) a TypeError from
    its __init__."""
    from livecut.errors import ConfigTypeError

    img, _ = scene
    for bad, match in ((5, "got int"), ("smooth", "got str"), (MaskSmoother, r"give an instance, e.g. MaskSmoother\(cfg\)")):
        with pytest.raises(ConfigTypeError, match=match):
            Segmenter(temporal=bad)
    seg = Segmenter(temporal=MaskSmoother())
    with pytest.raises(ConfigTypeError, match="temporal"):
        seg.temporal = 5
    assert isinstance(seg.temporal, MaskSmoother)
    seg.temporal = None  # (None and a callable are taken, as before)
    assert seg.mask(img).shape == img.shape[:2]


def test_blend_over_takes_frames_as_apply_and_refuses_a_wrong_background(scene):
    """Compositor.blend_over (a frame over a background of one's own) took its arrays
    unchecked: a gray or float frame, a float alpha, a background of another shape or layout
    (a Fortran-order, flipped, read-only or BGRA array) each raised a bare cv2.error."""
    img, _ = scene
    comp = Compositor(background="color:#00b140")
    alpha = Segmenter().mask(img).copy()
    bg = np.empty_like(img)
    bg[:] = (0x40, 0xB1, 0x00)
    want = comp.apply(img, alpha)
    assert np.array_equal(comp.blend_over(img.astype(np.float32) / 255, alpha, bg.copy()), want)
    canvas = np.zeros((img.shape[0] + 20, img.shape[1] + 40, 3), np.uint8)
    window = canvas[10:-10, 20:-20]
    window[:] = bg
    assert comp.blend_over(img, alpha, window) is window and np.array_equal(window, want)
    assert not canvas[:10].any() and not canvas[:, :20].any()
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    assert np.array_equal(comp.blend_over(gray, alpha, bg.copy()),
                          comp.apply(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), alpha))
    ro = bg.copy()
    ro.flags.writeable = False
    for out in (bg[:, :, 0].copy(), bg.astype(np.float32), np.asfortranarray(bg), bg.copy()[:, ::-1],
                ro, cv2.cvtColor(bg, cv2.COLOR_BGR2BGRA), bg.tolist()):
        with pytest.raises(ArrayError, match="out is"):
            comp.blend_over(img, alpha, out)
    with pytest.raises(ArrayError, match="alpha"):
        comp.blend_over(img, alpha / 255.0, bg.copy())
    with pytest.raises(ArrayError, match="does not match"):
        comp.blend_over(img, alpha[1:], bg.copy())


def test_blend_over_refuses_a_background_upside_down(scene):
    """Compositor.blend_over given a background whose rows are flipped (``bg[::-1]``: its
    pixels contiguous, its rows backwards) passed the check of its layout and raised a bare
    cv2.error ("Layout of the output array dst is incompatible with cv::Mat"); it is the
    ArrayError a column flip is, and the Compositor serves the next call."""
    img, _ = scene
    comp = Compositor(background="color:#00b140")
    alpha = Segmenter().mask(img).copy()
    bg = np.zeros_like(img)
    bg[:] = (0x40, 0xB1, 0x00)
    with pytest.raises(ArrayError, match="out is"):
        comp.blend_over(img, alpha, bg.copy()[::-1])
    assert np.array_equal(comp.blend_over(img, alpha, bg.copy()), comp.apply(img, alpha))


# ---------------------------------------------------------------- documented behaviour

def test_one_segmenter_over_unrelated_photos(scene):
    """Documented: a Segmenter takes its calls as the frames of one video (the fast preset
    reuses every other judgement, moved onto the next frame); still=True or reset() before
    each judges every photo on its own."""
    cfg = load_config("fast")
    photos = [make_scene(v, 320, 240, seed=s)[0] for v in ("basic", "several") for s in (0, 1)]
    alone = [Segmenter(cfg, still=True).mask(p).copy() for p in photos]
    shared = Segmenter(cfg, still=True)
    assert all(np.array_equal(shared.mask(p), a) for p, a in zip(photos, alone))
    video = Segmenter(cfg)
    firsts = [Segmenter(cfg).mask(p).copy() for p in photos]
    for p, a in zip(photos, firsts):
        video.reset()
        assert np.array_equal(video.mask(p), a) and video.judged_anew


def test_reset_between_two_videos_cuts_the_second_as_a_new_segmenter():
    """Documented: one Segmenter per video, seg.reset() between videos.  With segment.every (the
    fast preset) the frames between judged ones follow the image's motion by optical flow,
    which starts from the last flow found: after reset() the last video's motion started the
    next one's, and its followed frames (1, 3, 5 ...) came out unlike a new Segmenter's."""
    def video(seed: int, step: int) -> list[np.ndarray]:
        """A sharp square moving by ``step`` pixels a frame over a defocused background."""
        rng = np.random.default_rng(seed)
        bg = cv2.GaussianBlur(rng.integers(0, 256, (240, 320, 3), np.uint8), (0, 0), 6)
        fg = rng.integers(0, 256, (240, 320, 3), np.uint8)
        square = np.zeros((240, 320), bool)
        square[60:180, 100:220] = True
        frames = []
        for i in range(8):
            f, at = bg.copy(), np.roll(square, i * step, axis=1)
            f[at] = fg[at]
            frames.append(f)
        return frames

    cfg = load_config("fast")
    first, frames = video(1, -3), video(0, 2)
    for temporal in (None, MaskSmoother):
        seg = Segmenter(cfg, temporal=temporal and temporal(cfg))
        for f in first:
            seg.mask(f)
        seg.reset()
        new = Segmenter(cfg, temporal=temporal and temporal(cfg))
        for i, f in enumerate(frames):
            assert np.array_equal(seg.mask(f), new.mask(f)), (temporal, i, seg.judged_anew)


@pytest.mark.parametrize("still", [False, True])
def test_a_segmenter_pickles_as_its_settings(scene, still):
    """pickle.dumps(seg) (joblib, a process pool given seg.mask) raised a bare TypeError,
    "cannot pickle 'cv2.dnn.Net' object", and copy.deepcopy(seg) the same.  A Segmenter
    pickles as its settings -- configuration, still, temporal, matrix -- and unpickles as a new
    one made with them (its networks loaded again, no frames seen), as each process would make."""
    import copy
    import pickle

    img, _ = scene
    cfg = load_config("fast")
    seg = Segmenter(cfg, temporal=MaskSmoother(cfg), still=still)
    seg.matrix = "bt709"
    seg.mask(img)  # (frames seen: the copy starts afresh, as a new one would)
    smoother = pickle.dumps(seg.temporal)
    for other in (pickle.loads(pickle.dumps(seg)), copy.deepcopy(seg), copy.copy(seg)):
        assert isinstance(other, Segmenter) and other is not seg
        assert other.cfg == seg.cfg and other.refine == seg.refine and other.matrix == "bt709"
        assert isinstance(other.temporal, MaskSmoother) and other.temporal is not seg.temporal
        fresh = Segmenter(cfg, temporal=MaskSmoother(cfg), still=still)
        assert np.array_equal(other.mask(img), fresh.mask(img))
        assert pickle.dumps(seg.temporal) == smoother  # (the original's smoother not reset by a copy)


def test_dir_lists_each_public_name_once():
    import livecut

    livecut.Segmenter  # (cached in the module's globals once used)
    names = dir(livecut)
    assert len(names) == len(set(names)) and "Segmenter" in names and "load_config" in names


def test_video_background_frames_are_taken_as_frames_are(scene, tmp_path):
    """A video background's bg_frame that was gray, BGRA or float raised a bare ValueError
    or TypeError (a list: AttributeError); it is converted as the frame is."""
    from conftest import make_clip

    img, _ = scene
    h, w = img.shape[:2]
    alpha = np.full((h, w), 128, np.uint8)
    clip = make_clip(tmp_path / "bg.mp4", n=2)
    comp = Compositor(background=f"video:{clip}")
    bg = np.random.default_rng(1).integers(0, 256, (100, 150, 3), dtype=np.uint8)
    ref = comp.apply(img, alpha, bg_frame=bg).copy()
    for same in (cv2.cvtColor(bg, cv2.COLOR_BGR2BGRA), bg.astype(np.float32) / 255, bg.astype(np.uint16) * 257):
        assert np.array_equal(comp.apply(img, alpha, bg_frame=same), ref)
    gray = cv2.cvtColor(bg, cv2.COLOR_BGR2GRAY)
    assert comp.apply(img, alpha, bg_frame=gray).shape == (h, w, 3)
    yuv = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)
    assert comp.apply_i420(yuv, alpha, bg_frame=gray).shape == yuv.shape
    with pytest.raises(ArrayError, match="bg_frame"):
        comp.apply(img, alpha, bg_frame=[[0]])


def test_a_closed_processor_with_a_video_background_is_said_closed(scene, tmp_path):
    """`with Processor(None, background='video:bg.mp4') as p: p(img)`, then p(img) again: the
    closed Processor opened its background video again without a word, and held the file open
    until it was collected; it says it is closed (UsageError), as a closed source or sink does,
    and opens nothing."""
    import os

    from conftest import make_clip
    from livecut.errors import UsageError
    from livecut.runner import Processor

    img, _ = scene
    clip = make_clip(tmp_path / "bg.mp4", n=3)

    def held() -> int:  # (this process's descriptors open on the clip; Linux)
        fds = "/proc/self/fd"
        if not os.path.isdir(fds):
            return 0
        return sum(os.path.realpath(os.path.join(fds, fd)) == str(clip.resolve())
                   for fd in os.listdir(fds) if os.path.exists(os.path.join(fds, fd)))

    with Processor(None, mode="composite", background=f"video:{clip}") as p:
        out, _ = p(img)
        assert out.shape == img.shape
    assert held() == 0
    with pytest.raises(UsageError, match=r"^Processor: closed \(its background .*bg\.mp4 with it\)"):
        p(img)
    assert held() == 0 and p._bg_video is None


def test_a_video_background_without_its_frame_says_to_give_bg_frame(scene, tmp_path):
    """apply() of a Compositor with a video: background and no bg_frame said "video backgrounds
    need a background frame for each frame", not how to give it (the Compositor does not read
    the video: the caller does)."""
    from livecut.errors import ConfigError

    img, _ = scene
    clip = tmp_path / "bg.mp4"
    clip.write_bytes(b"")
    comp = Compositor(background=f"video:{clip}")
    alpha = np.full(img.shape[:2], 128, np.uint8)
    yuv = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)
    for call in (lambda: comp.apply(img, alpha), lambda: comp.apply_i420(yuv, alpha)):
        with pytest.raises(ConfigError, match=r"video:.*bg\.mp4 needs .*give bg_frame="):
            call()


def test_an_unknown_yuv_matrix_is_refused_when_set():
    """Segmenter.matrix = "bt2020" was taken as BT.601 without a word; Compositor.matrix
    raised a bare ValueError at the next I420 frame."""
    from livecut.errors import ConfigError

    for obj in (Segmenter(), Compositor(background="color:#00ff00")):
        obj.matrix = "bt709"
        assert obj.matrix == "bt709"
        with pytest.raises(ConfigError, match="bt601, bt709"):
            obj.matrix = "bt2020"
        assert obj.matrix == "bt709"


def test_mask_i420_refusals_are_array_errors(seg):
    for bad in (np.zeros((48, 32, 3), np.uint8), np.zeros((48, 32), np.float32), [[0]]):
        with pytest.raises(ArrayError, match="I420"):
            seg.mask_i420(bad)
    with pytest.raises(ArrayError, match="even sides"):
        seg.mask_i420(np.zeros((49, 32), np.uint8))


# ---------------------------------------------------------------- box=

@pytest.mark.parametrize("box", [(0, float("inf"), 0, 100), (10.5, 100, 0, 100), "0164", b"\x00\x10\x00\x10",
                                 ("0", "16", "0", "16"), np.array([0.5, 100, 0, 100]),
                                 (False, True, False, True), (0, True, 0, 16),
                                 np.array([False, True, False, True]), (np.False_, np.True_, np.False_, np.True_)])
def test_compositor_box_takes_whole_numbers_only(scene, box):
    """A box with inf raised a bare OverflowError; a string or bytes was taken digit by digit,
    10.5 was cut to 10 and booleans (Python's or numpy's) were taken as 0 and 1 without a word."""
    from livecut.errors import ArrayError

    img, _ = scene
    h, w = img.shape[:2]
    alpha = np.full((h, w), 255, np.uint8)
    c = Compositor(Config(), background="color:#00ff00")
    with pytest.raises(ArrayError, match="box"):
        c.apply(img, alpha, box=box)
    with pytest.raises(ArrayError, match="box"):
        c.apply_i420(cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420), alpha, box=box)
    # whole numbers of any kind stand
    ref = c.apply(img, alpha, box=(10, 100, 20, 200)).copy()
    for ok in ([10, 100, 20, 200], np.array([10, 100, 20, 200]), (10.0, 100.0, 20.0, 200.0),
               np.array([10, 100, 20, 200], np.uint16), tuple(np.int32(v) for v in (10, 100, 20, 200)),
               (np.int64(10), 100, np.uint8(20), 200)):
        assert np.array_equal(c.apply(img, alpha, box=ok), ref)


@pytest.mark.parametrize("box, error", [((10, 100, 20), "whole numbers"), (("0", "16", "0", "16"), "whole numbers"),
                                        ((False, True, False, True), "whole numbers"),
                                        ((0, 9999, 0, 16), "not inside"), ((100, 10, 0, 16), "not inside"),
                                        ((-2, 100, 0, 16), "not inside")])
@pytest.mark.parametrize("mode, background", [("mask", "color:#00ff00"), ("cutout", "color:#00ff00"),
                                              ("composite", "transparent"), ("side-by-side", "transparent")])
def test_compositor_box_is_checked_in_the_modes_that_do_not_use_it(scene, mode, background, box, error):
    """Mask, cutout and a composite over a transparent background returned before looking at
    the box: a box of three values, of strings or outside the frame passed without a word
    there, and raised in the other modes."""
    from livecut.errors import FrameSizeError

    img, _ = scene
    h, w = img.shape[:2]
    alpha = np.full((h, w), 255, np.uint8)
    alpha[:, : w // 2] = 0
    c = Compositor(Config(), background=background, mode=mode)
    with pytest.raises(ArrayError, match=error) as e:
        c.apply(img, alpha, box=box)
    assert isinstance(e.value, FrameSizeError) == (error == "not inside")
    if c.supports_i420:
        with pytest.raises(ArrayError, match=error):
            c.apply_i420(cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420), alpha, box=box)
    # a good box changes nothing where it is not used (side-by-side uses it)
    if mode != "side-by-side":
        ref = c.apply(img, alpha).copy()
        assert np.array_equal(c.apply(img, alpha, box=(10, 100, 20, 200)), ref)


def test_compositor_i420_box_is_even_in_mask_mode_too(scene):
    """apply_i420 in mask mode took a box of odd values, which composite mode refuses."""
    from livecut.errors import FrameSizeError

    img, _ = scene
    h, w = img.shape[:2]
    alpha = np.full((h, w), 255, np.uint8)
    yuv = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)
    for mode in ("composite", "mask"):
        c = Compositor(Config(), background="color:#00ff00", mode=mode)
        with pytest.raises(FrameSizeError, match="even"):
            c.apply_i420(yuv, alpha, box=(11, 101, 20, 200))
        c.apply_i420(yuv, alpha, box=(10, 100, 20, 200))


def test_cue_measures_before_extract_are_a_typed_error(scene):
    """CueExtractor.noise() and sharpest() before any extract() raised AttributeError; after a
    reduce() alone they measured buffers never written (noise 216 on a clean frame)."""
    from livecut.errors import UsageError
    from livecut.segment.cues import CueExtractor

    img, _ = scene
    c = CueExtractor()
    for when in ("new", "reduced"):
        if when == "reduced":
            c.reduce(img)
        for name in ("noise", "sharpest"):
            with pytest.raises(UsageError, match="extract"):
                getattr(c, name)()
    small = cv2.resize(img, (160, 120), interpolation=cv2.INTER_AREA)
    c.extract(img, small)
    assert 0 <= c.noise() < 20 and c.sharpest() > 0


@pytest.mark.parametrize("bad", [None, 5, b"blur", ["blur"]])
def test_a_background_of_the_wrong_type_is_a_typed_error(bad):
    """parse_background(None) and parse_background(5) raised AttributeError ('.strip'),
    parse_background(b"blur") a bare TypeError; Compositor(background=5), b"blur" or ["blur"]
    an AttributeError ('.kind') -- now a ConfigTypeError that lists what to give."""
    from livecut import parse_background
    from livecut.composite import Background
    from livecut.errors import ConfigTypeError

    with pytest.raises(ConfigTypeError, match="background: expected a string") as e:
        parse_background(bad)
    assert isinstance(e.value, LivecutError) and isinstance(e.value, TypeError)
    if bad is not None:  # (None: the configured background)
        with pytest.raises(ConfigTypeError, match=type(bad).__name__):
            Compositor(background=bad)
    assert Compositor(background=Background("color", (1, 2, 3))).background.color == (1, 2, 3)
    assert Compositor(background=None).background.kind == "blur"


def test_a_background_made_by_hand_is_checked_when_made(scene, tmp_path):
    """Compositor(background=Background(...)) takes a Background as it is: one of another kind
    was a bare TypeError at the first frame, a colour of 300 an OverflowError, '#00ff00' a
    ValueError, an image without a path a TypeError."""
    from livecut.composite import Background
    from livecut.errors import ConfigError, ConfigTypeError

    img, _ = scene
    alpha = np.zeros(img.shape[:2], np.uint8)
    for make, error, match in ((lambda: Background("sepia"), ConfigError, "kind 'sepia'"),
                               (lambda: Background("color", (300, 0, 0)), ConfigError, "0-255"),
                               (lambda: Background("color", (0, -1, 0)), ConfigError, "0-255"),
                               (lambda: Background("color", "#00ff00"), ConfigTypeError, "three whole numbers"),
                               (lambda: Background("color", (0, 255)), ConfigTypeError, "three whole numbers"),
                               (lambda: Background("color", (0, 255.5, 0)), ConfigTypeError, "three whole numbers"),
                               (lambda: Background("image"), ConfigTypeError, "path"),
                               (lambda: Background("video", path=5), ConfigTypeError, "path")):
        with pytest.raises(error, match=match):
            Compositor(background=make())
    # (a list or an array of three, and a path as a string, are taken as tuple and Path)
    comp = Compositor(background=Background("color", np.array([0, 255, 0])))
    assert comp.background == Background("color", (0, 255, 0)) and tuple(comp.apply(img, alpha)[0, 0]) == (0, 255, 0)
    pic = tmp_path / "bg.png"
    cv2.imwrite(str(pic), img)
    assert Compositor(background=Background("image", path=str(pic))).background.path == pic


@pytest.mark.parametrize("source, overrides", [(5, ()), (b"fast", ()), (Config(), ()),
                                               (None, "segment.threshold=0.5"), (None, [5]), (None, [None]),
                                               (None, 5), (None, {"segment.every": 2})])
def test_load_config_arguments_of_the_wrong_type_are_typed_errors(source, overrides):
    """load_config(5), load_config(b"fast") and load_config(Config()) raised a bare TypeError
    from Path(); overrides given as one string were read character by character ("--set 's':
    expected section.key=value"), a number or None among them a bare TypeError; a dict's keys
    were read as the overrides (its values dropped: "--set 'segment.every': expected ...")."""
    from pathlib import Path

    from livecut.errors import ConfigTypeError

    with pytest.raises(ConfigTypeError, match="load_config: (source|overrides)") as e:
        load_config(source, overrides)
    assert isinstance(e.value, LivecutError) and isinstance(e.value, TypeError)
    if isinstance(source, Config):
        assert "as it is" in str(e.value)
    assert load_config(Path(__file__).parent.parent / "config" / "fast.toml",
                       ("segment.threshold=0.5",)).segment.threshold == 0.5
    assert load_config("fast", (s for s in ["segment.threshold=0.5"])).segment.threshold == 0.5


@pytest.mark.parametrize("mode", ["composite", "side-by-side", "cutout"])
@pytest.mark.parametrize("size", [(240, 320), (1080, 1920)])  # (1080p: composited band by band)
def test_the_output_given_back_as_the_frame_is_composited_as_a_copy_would_be(mode, size):
    """comp.apply(comp.apply(frame, a), a) -- the frame is the buffer apply returned -- wrote
    the background over the frame before blending it: the frame was lost where alpha was
    soft or 0 (off by up to 170 levels); apply_i420 the same with its own output."""
    from livecut.composite import bgr_to_i420

    h, w = size
    rng = np.random.default_rng(0)
    frame = cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), np.uint8), (0, 0), 2)
    a = np.zeros((h, w), np.uint8)
    a[h // 4:3 * h // 4, w // 4:3 * w // 4] = 255
    a = cv2.GaussianBlur(a, (0, 0), 3)
    c = Compositor(background="color:#00b140", mode=mode)
    out = c.apply(frame, a)
    if mode == "side-by-side":
        given = out[:, w:]  # (the composite half, a window of the output)
    elif mode == "cutout":
        given = out[:, :, :3]
    else:
        given = out
    expected = Compositor(background="color:#00b140", mode=mode).apply(given.copy(), a)
    assert np.array_equal(c.apply(given, a), expected)
    if mode == "composite":
        yuv = c.apply_i420(bgr_to_i420(frame), a)
        expected = Compositor(background="color:#00b140").apply_i420(yuv.copy(), a)
        assert np.array_equal(c.apply_i420(yuv, a), expected)


@pytest.mark.parametrize("mode,background", [("cutout", "blur"), ("composite", "transparent")])
def test_the_alpha_of_the_cutout_given_back_is_used_as_a_copy_would_be(mode, background):
    """comp.apply(frame, cut[:, :, 3]) -- the alpha is the 4th channel of the cutout apply
    returned before -- filled that channel with 255 (the frame's conversion to BGRA) before it
    was read: the next cutout was opaque all over.  It is used as a copy of it would be."""
    rng = np.random.default_rng(0)
    frame = cv2.GaussianBlur(rng.integers(0, 256, (240, 320, 3), np.uint8), (0, 0), 2)
    a = np.zeros((240, 320), np.uint8)
    a[60:180, 80:240] = 255
    c = Compositor(background=background, mode=mode)
    cut = c.apply(frame, a)
    expected = Compositor(background=background, mode=mode).apply(frame, cut[:, :, 3].copy())
    assert np.array_equal(c.apply(frame, cut[:, :, 3]), expected)
    assert not c.apply(frame, a)[:60, :, 3].any()  # (and the next call as before)


def test_a_picture_of_a_far_other_shape_is_scaled_only_where_the_frame_shows_it(tmp_path):
    """A picture background was scaled whole to cover the frame, then cropped: a 70x50
    picture behind a 2x1000000 frame asked for 2.1 TB (a bare cv2.error, "Insufficient
    memory"), a 100x10000 strip behind 1080p made 1.1 GB.  Now only the window is made, within
    a level of the whole resize's crop."""
    import livecut.composite as composite

    rng = np.random.default_rng(0)
    pic = cv2.GaussianBlur(rng.integers(0, 256, (50, 70, 3), np.uint8), (0, 0), 1)
    path = tmp_path / "bg.png"
    cv2.imwrite(str(path), pic)
    h, w = 2, 1_000_000
    out = Compositor(background=f"image:{path}").apply(np.zeros((h, w, 3), np.uint8), np.zeros((h, w), np.uint8))
    assert out.shape == (h, w, 3) and out.std() > 10  # (the picture, not black)
    strip = cv2.GaussianBlur(rng.integers(0, 256, (1000, 10, 3), np.uint8), (0, 0), 1)
    made = []
    real_resize = cv2.resize

    def resize(src, dsize, *args, **kw):
        made.append(dsize[0] * dsize[1])
        return real_resize(src, dsize, *args, **kw)

    window = composite.cover(strip, 192, 108)
    assert window.shape == (108, 192, 3)
    whole = real_resize(strip, (192, 19200), interpolation=cv2.INTER_LINEAR)[9546:9654]
    assert np.abs(window.astype(int) - whole).max() <= 1
    try:
        cv2.resize = resize
        composite.cover(strip, 192, 108)
        composite.cover(pic, 192, 108)  # (a usual picture: scaled whole, as before)
    finally:
        cv2.resize = real_resize
    assert made == [192 * 137]


def test_an_empty_mode_is_refused_not_taken_for_the_configured_one():
    """Compositor(mode="") silently used the configuration's mode (``mode or cfg.mode``);
    only None means 'the configured one' now."""
    from livecut.composite import Compositor
    from livecut.errors import ConfigError

    with pytest.raises(ConfigError, match="mode ''"):
        Compositor(mode="")
    assert Compositor(mode=None).mode == "composite"


def test_a_mode_is_taken_in_any_case_as_the_configuration_s_is(scene, tmp_path):
    """The library's mode= (Compositor, Processor, run_video, process_images, run_batch)
    refused 'Cutout', 'MASK' ("mode 'Cutout': expected one of composite, cutout, ..."), while
    composite.mode = "Cutout", --mode Cutout, background="Blur" and rtsp_transport="UDP" are
    taken; a mode is taken in any case too, as the word it names."""
    import cv2

    from conftest import make_clip
    from livecut.batch import run_batch
    from livecut.images import process_images
    from livecut.runner import Processor, run_video

    cfg = load_config()
    assert Compositor(mode="MASK").mode == "mask" and Processor(cfg, mode="Cutout").mode == "cutout"
    comp = Compositor()
    comp.mode = "Side-By-Side"
    assert comp.mode == "side-by-side"
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), scene[0])
    report = process_images([str(photo)], tmp_path / "photos", cfg, mode="Mask")
    assert report.written == 1 and cv2.imread(str(tmp_path / "photos" / "photo.png"), cv2.IMREAD_UNCHANGED).ndim == 2
    clip = make_clip(tmp_path / "clip.mp4", w=64, h=48, n=3)
    assert run_video(str(clip), str(tmp_path / "cut.mp4"), cfg, mode="Mask", progress=False).written == 3
    assert run_batch([str(photo)], tmp_path / "batch", cfg, mode="MASK", jobs=1).exit_code == 0
    with pytest.raises(LivecutError, match="expected one of composite, cutout, mask, side-by-side"):
        Processor(cfg, mode="Cutouts")


def test_process_images_names_its_mode_argument_not_the_command_lines_option(tmp_path):
    """process_images(..., mode='nope') said "--mode 'nope': expected one of ...", an option of the
    command line, where run_video and Processor name their argument ("mode 'nope'"); it names its
    argument too, the close word where there is one, nothing made; `livecut image -m nope` still
    says --mode."""
    import cv2

    from livecut.errors import UsageError
    from livecut.images import process_images

    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), np.zeros((48, 64, 3), np.uint8))
    with pytest.raises(UsageError) as e:
        process_images([str(photo)], tmp_path / "out", None, mode="nope")
    assert str(e.value) == "mode 'nope': expected one of cutout, mask, composite, side-by-side"
    with pytest.raises(UsageError, match=r"^mode 'maks': expected one of .*; did you mean mask\?$"):
        process_images([str(photo)], tmp_path / "out", None, mode="maks")
    assert not (tmp_path / "out").exists()
    from typer.testing import CliRunner

    from livecut.cli import app

    r = CliRunner().invoke(app, ["image", str(photo), "-o", str(tmp_path / "cut") + "/", "-m", "nope"])
    assert r.exit_code == 2 and r.stderr.splitlines() == [
        "livecut: error: --mode 'nope': expected one of cutout, mask, composite, side-by-side"], r.output
    assert not (tmp_path / "cut").exists()


@pytest.mark.parametrize("bad", [None, b"clip.mp4", 1.5, True])
def test_sources_and_sinks_take_paths_and_refuse_other_spec_types(tmp_path, bad):
    """open_sink(Path("out.mp4"), ...) -- and check_sink, sink_kind -- was an AttributeError
    ('PosixPath' object has no attribute 'startswith'); open_source(None), (b"clip.mp4"), (1.5)
    or (True) was "None: no such file", a VideoOpenFailure for a name never given."""
    from pathlib import Path

    from livecut.errors import ConfigTypeError
    from livecut.sinks import SinkInfo, check_sink, open_sink, sink_kind
    from livecut.sources import open_source, source_kind

    out = tmp_path / "out.mp4"
    assert sink_kind(out) == "file"
    check_sink(out)
    with open_sink(out, SinkInfo(32, 32, 25.0)) as sink:
        sink.write(np.zeros((32, 32, 3), np.uint8))
    assert out.is_file()
    with open_source(Path(out)) as src:
        assert src.read().image.shape == (32, 32, 3)
    for call in (open_source, source_kind, open_sink, sink_kind, check_sink):
        args = (bad, SinkInfo(32, 32, 25.0)) if call is open_sink else (bad,)
        with pytest.raises(ConfigTypeError, match=f"{call.__name__}: spec must be a path") as e:
            call(*args)
        assert isinstance(e.value, TypeError)


@pytest.mark.parametrize("pts", ["0.04", float("nan"), float("inf")])
@pytest.mark.parametrize("out", ["clip.mp4", "frames/", "udp"])
def test_a_frame_time_that_is_no_time_is_a_typed_error(tmp_path, out, pts):
    """sink.write(frame, pts) with a pts of "0.04", NaN or infinity was a bare TypeError,
    ValueError or OverflowError from inside the file and network sinks (the PNG sequence
    took anything); a ConfigTypeError or ConfigError naming the output now, the sink still
    usable."""
    import socket

    from livecut.errors import ConfigError, ConfigTypeError
    from livecut.sinks import SinkInfo, open_sink
    from rtsp_helpers import free_port

    spec = f"udp://127.0.0.1:{free_port(socket.SOCK_DGRAM)}" if out == "udp" else f"{tmp_path}/{out}"
    frame = np.zeros((32, 32, 3), np.uint8)
    with open_sink(spec, SinkInfo(32, 32, 25.0), pace=False) as sink:
        sink.write(frame, 0.0)
        with pytest.raises(ConfigTypeError if isinstance(pts, str) else ConfigError, match="pts .*seconds") as e:
            sink.write(frame, pts)
        assert spec.rstrip("/").split("/")[-1] in str(e.value)
        sink.write(frame, 0.04)
    assert sink.frames == 2


@pytest.mark.parametrize("name", ["clip.mp4", "clip.webm"])
def test_a_bgra_frame_for_an_opaque_video_file_says_what_to_do(tmp_path, name):
    """A BGRA frame written to a video file opened for BGR frames was refused as
    "bgr_to_i420: expected an HxWx3 uint8 BGR image", naming neither the output nor a way out."""
    from livecut.sinks import SinkInfo, open_sink

    with open_sink(tmp_path / name, SinkInfo(32, 32, 25.0)) as sink:
        with pytest.raises(ArrayError, match=rf"{name}: cannot write a BGRA frame .*SinkInfo.channels.*channels=4"):
            sink.write(np.zeros((32, 32, 4), np.uint8))
        sink.write(np.zeros((32, 32, 3), np.uint8))
    assert sink.frames == 1 and (tmp_path / name).is_file()


@pytest.mark.parametrize("field, value, error", [
    ("time_base", 0.04, "ConfigTypeError"), ("time_base", "1/25", "ConfigTypeError"),
    ("time_base", -1, "ConfigError"), ("sample_aspect", 1.5, "ConfigTypeError"),
    ("end", float("nan"), "ConfigError"), ("start", "0", "ConfigTypeError"), ("tick_fps", "25", "ConfigTypeError")])
def test_sink_info_times_and_ratios_are_checked_at_the_boundary(tmp_path, field, value, error):
    """A SinkInfo with a float time base or sample aspect (1/25, 1.5) was a bare AttributeError
    ('float' object has no attribute 'numerator') at a video file's first frame, an end of NaN
    a bare ValueError at its close, a negative time base 'write failed (Invalid argument)', a
    start or tick_fps of text a bare TypeError; refused where the SinkInfo is made, naming the
    field.  A Fraction, an int and None (unknown) are taken."""
    from fractions import Fraction

    from livecut import errors
    from livecut.sinks import SinkInfo, open_sink

    with pytest.raises(getattr(errors, error), match=f"sink info: {field} "):
        SinkInfo(32, 32, 25.0, **{field: value})
    with open_sink(tmp_path / "ok.mp4", SinkInfo(32, 32, 25.0, time_base=Fraction(1, 25), sample_aspect=1,
                                                 start=0, end=Fraction(1, 25), tick_fps=25)) as sink:
        sink.write(np.zeros((32, 32, 3), np.uint8))


@pytest.mark.parametrize("option", ["live", "loop", "pace", "alpha", "reconnect"])
def test_source_flags_that_are_not_true_or_false_are_refused(tmp_path, option):
    """open_source(path, loop='no') was taken as loop=True ('no' is truthy): the file was read
    in a loop for ever; live='no' made it a live source, reconnect='no' a stream that
    reconnects; refused as Segmenter(still='no') is.  True, False, 0, 1 and numpy's bools are
    taken."""
    from conftest import make_clip
    from livecut.errors import ConfigTypeError
    from livecut.sources import open_source

    spec = "udp://127.0.0.1:9" if option == "reconnect" else str(make_clip(tmp_path / "c.mp4", n=2, w=32, h=32))
    for bad in ("no", None) if option != "reconnect" else ("no", 2):
        with pytest.raises(ConfigTypeError, match=f"open_source: {option} must be True or False"):
            open_source(spec, **{option: bad})
    for good in (False, 0, np.False_):
        open_source(spec, **{option: good}).close()


@pytest.mark.parametrize("option", ["force", "pace"])
def test_sink_flags_that_are_not_true_or_false_are_refused(tmp_path, option):
    """open_sink(existing, info, force='no') overwrote the file ('no' is truthy); pace='no'
    paced a network output; refused with a ConfigTypeError naming the option."""
    from livecut.errors import ConfigTypeError
    from livecut.sinks import SinkInfo, open_sink

    out = tmp_path / "out.mp4"
    out.write_bytes(b"kept")
    spec = out if option == "force" else "udp://127.0.0.1:9"
    with pytest.raises(ConfigTypeError, match=f"open_sink: {option} must be True or False, got 'no'"):
        open_sink(spec, SinkInfo(32, 32, 25.0), **{option: "no"})
    assert out.read_bytes() == b"kept"
    open_sink(spec, SinkInfo(32, 32, 25.0), **{option: np.True_})


@pytest.mark.parametrize("given", ["str", "Path", "bytes", "list of bytes"])
def test_an_input_given_alone_to_open_sink_is_not_written_over(tmp_path, given):
    """open_sink(out, info, force=True, inputs="in.mp4") -- the input given alone, not in a
    list -- read the name letter by letter ("i", "n", ...), none of them the input, and wrote
    over it (a Path was a bare TypeError, a name in bytes never matched); a path alone is that
    input, and what is no path a ConfigTypeError."""
    import os

    from livecut.errors import ConfigTypeError, OutputExistsError
    from livecut.sinks import open_sink

    src = tmp_path / "in.mp4"
    src.write_bytes(b"the input")
    inputs = {"str": str(src), "Path": src, "bytes": os.fsencode(src), "list of bytes": [os.fsencode(src)]}[given]
    with pytest.raises(OutputExistsError, match="is an input"):
        open_sink(src, SinkInfo(32, 32, 25.0), force=True, inputs=inputs)
    assert src.read_bytes() == b"the input"
    with pytest.raises(ConfigTypeError, match="inputs must be a path or a list of paths"):
        open_sink(tmp_path / "out.mp4", SinkInfo(32, 32, 25.0), inputs=[2.5])


def test_an_existing_output_says_what_to_give_in_the_librarys_terms(tmp_path):
    """An OutputExistsError from a library call told its caller "use --force", an option of
    the command line: it says force=True, the keyword the call takes (the CLI's line says
    --force, as before: livecut/cli.py's err)."""
    from livecut.errors import OutputExistsError
    from livecut.imageio import write_image
    from livecut.images import process_images
    from livecut.sinks import SinkInfo, open_sink

    video, frames, link = tmp_path / "out.mp4", tmp_path / "frames", tmp_path / "link.mp4"
    video.write_bytes(b"kept")
    frames.mkdir()
    (frames / "frame_000001.png").write_bytes(b"kept")
    link.symlink_to(tmp_path / "gone" / "x.mp4")
    said = []
    for spec in (video, f"{frames}/", link):
        with pytest.raises(OutputExistsError) as e:
            open_sink(spec, SinkInfo(32, 32, 25.0))
        said.append(str(e.value))
    picture = tmp_path / "a.png"
    picture.write_bytes(b"kept")
    with pytest.raises(OutputExistsError) as e:
        write_image(picture, np.zeros((32, 32, 3), np.uint8), force=False)
    said.append(str(e.value))
    photo = tmp_path / "in" / "a.png"
    photo.parent.mkdir()
    cv2.imwrite(str(photo), np.zeros((32, 32, 3), np.uint8))
    said += process_images([str(photo)], tmp_path, Config()).errors
    assert len(said) == 5 and picture.read_bytes() == b"kept"
    for text in said:
        assert "give force=True to" in text and "--force" not in text, said

    # the command line's one line says its option
    from typer.testing import CliRunner

    from livecut.cli import app

    r = CliRunner().invoke(app, ["image", str(photo), "-o", str(tmp_path)])
    assert r.exit_code == 2 and r.stderr.strip() == (
        f"livecut: error: {photo}: output {tmp_path / 'a.png'} exists (use --force to overwrite)"), r.stderr


@pytest.mark.parametrize("make, said", [
    (lambda: SegmentConfig(bogus=1),
     "SegmentConfig: unknown key segment.bogus (known: method, work_size"),
    (lambda: SegmentConfig(treshold=0.5),
     "SegmentConfig: unknown key segment.treshold; did you mean segment.threshold?"),
    (lambda: SmoothConfig(background="blur"),
     "SmoothConfig: unknown key smooth.background; background is in [composite]: composite.background"),
    (lambda: CompositeConfig("blur", mode="mask"),
     "CompositeConfig: mode given twice"),
    (lambda: VideoConfig(*range(40)),
     "VideoConfig: takes 15 settings by position, got 40"),
    (lambda: Config(segmnt=None), "Config: unknown section segmnt; did you mean segment?"),
    (lambda: dataclasses.replace(Config().video, open_timout=3),
     "VideoConfig: unknown key video.open_timout; did you mean video.open_timeout?"),
])
def test_a_config_argument_it_has_no_key_for_is_a_typed_error(make, said):
    """SegmentConfig(bogus=1) (and every configuration class, dataclasses.replace too) was
    the dataclass's bare TypeError ('__init__() got an unexpected keyword argument'); it is
    a ConfigTypeError (also a TypeError) naming the key as a file's unknown key is named."""
    from livecut.errors import ConfigTypeError

    with pytest.raises(ConfigTypeError) as e:
        make()
    assert str(e.value).startswith(said), str(e.value)
    assert isinstance(e.value, TypeError)


@pytest.mark.parametrize("make, said", [
    (lambda: SinkInfo(32, 32, 25.0, widht=64),
     "SinkInfo: unknown argument widht; did you mean width? (known: width, height, fps"),
    (lambda: dataclasses.replace(SinkInfo(32, 32, 25.0), chanels=4),
     "SinkInfo: unknown argument chanels; did you mean channels?"),
    (lambda: SourceInfo(32, 32, None, rotaton=90),
     "SourceInfo: unknown argument rotaton; did you mean rotation? (known: width, height, fps"),
    (lambda: SourceInfo(32, 32, None, bogus=1),
     "SourceInfo: unknown argument bogus (known: width"),
    (lambda: SourceInfo(*range(20)),
     "SourceInfo: takes 14 arguments by position, got 20"),
])
def test_a_sink_or_source_info_argument_it_has_no_field_for_is_a_typed_error(make, said):
    """SinkInfo(widht=64) and SourceInfo(rotaton=90) were the dataclass's bare TypeError
    ('unexpected keyword argument'); they are a ConfigTypeError (also a TypeError) naming the
    argument with a close spelling, as a configuration class's unknown key is."""
    from livecut.errors import ConfigTypeError

    with pytest.raises(ConfigTypeError) as e:
        make()
    assert str(e.value).startswith(said), str(e.value)
    assert isinstance(e.value, TypeError)


@pytest.mark.parametrize("size", [(0, 0), (-640, 480), (640.5, 480), (None, 480), ("640", 480), (True, 480),
                                  (float("nan"), 480), (float("inf"), 480)])
def test_frame_sizes_given_as_numbers_are_checked(size):
    """Segmenter.small_size(0, 0) was a ZeroDivisionError, small_size(None, 480) a TypeError;
    Compositor.output_size(w, h) gave back whatever it was given (-640, 640.5, None): each is a
    FrameSizeError that says what to give; whole numbers of any type are taken as ints."""
    from livecut.errors import FrameSizeError

    w, h = size
    with pytest.raises(FrameSizeError, match=r"Segmenter.small_size: a frame of .* expected whole numbers above 0"):
        Segmenter().small_size(h, w)
    with pytest.raises(FrameSizeError, match=r"Compositor.output_size: a frame of .* expected whole numbers above 0"):
        Compositor(mode="side-by-side").output_size(w, h)
    assert Segmenter().small_size(np.int64(1080), 1920.0) == (180, 320)
    out = Compositor(mode="side-by-side").output_size(np.int64(640), 480.0)
    assert out == (1280, 480) and all(type(v) is int for v in out)


@pytest.mark.parametrize("name", ["livecut.config", "livecut.composite", "livecut.smooth", "livecut.errors"])
def test_a_star_import_gives_the_public_names_only(name):
    """`from livecut.config import *` (composite, smooth, errors) gave the module's own imports
    too (os, np, cv2, Path, dataclass, annotations ...); each has an __all__ of its public
    names, which holds every name the tests, tools and README import from it."""
    import ast
    import importlib
    import re
    import types
    from pathlib import Path

    module = importlib.import_module(name)
    got: dict = {}
    exec(f"from {name} import *", got)
    got.pop("__builtins__")
    assert set(got) == set(module.__all__) and len(module.__all__) == len(got), sorted(got)
    leaked = [k for k, v in got.items() if isinstance(v, types.ModuleType) or v is annotations
              or getattr(v, "__module__", name).split(".")[0] in ("typing", "dataclasses", "pathlib")]
    assert not leaked, leaked
    repo = Path(__file__).resolve().parent.parent
    used = set()
    for path in [*(repo / "tests").glob("*.py"), *(repo / "tools").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == name:
                used |= {a.name for a in node.names}
    for names in re.findall(rf"from {re.escape(name)} import ([\w, ]+)", (repo / "README.md").read_text()):
        used |= {n.strip() for n in names.split(",")}
    assert {n for n in used if not n.startswith("_")} <= set(module.__all__), used - set(module.__all__)


@pytest.mark.parametrize("dtype, shape", [(np.float32, ()), (np.uint8, ()), (np.uint16, (4,))])
def test_a_frame_over_the_size_limit_is_refused_before_it_is_converted(monkeypatch, dtype, shape):
    """A gray, float or 16-bit frame over MAX_PIXELS was first converted whole into a new BGR
    array (3-18 bytes a pixel: ~250 MB for 81 megapixels), only to be refused by the size check
    after it; it is refused first (a broadcast view: the test itself holds no such array)."""
    import livecut.segment as segmod
    from livecut.errors import ImageSizeError

    big = np.broadcast_to(np.zeros((1, 1) + shape, dtype), (15000, 15000) + shape)  # 225 megapixels

    def converted(*a, **k):
        raise AssertionError("converted before the size check")

    seg = segmod.Segmenter(still=True)
    monkeypatch.setattr(segmod, "_as_bgr", converted)
    with pytest.raises(ImageSizeError, match="at most 200 megapixels"):
        seg.mask(big)
    with pytest.raises(ImageSizeError, match="at most 200 megapixels"):
        seg.mask_small(big)


def test_a_mask_smoother_refuses_a_frame_turned_against_its_mask():
    """A frame turned against its mask (1920x1080 given with a mask of 180 rows of 320, as a
    phone's rotated video read the wrong way round) was taken: the motion was measured on the
    frame squeezed to the mask's grid, a subject's motion read where the background is.  It is a
    FrameSizeError, in __call__ and hold; a frame of the mask's shape at another size, or
    off by its rounding, is smoothed as before."""
    from livecut.errors import FrameSizeError

    img, _ = make_scene("basic", 320, 180, seed=0)
    big = cv2.resize(img, (1920, 1080), interpolation=cv2.INTER_LINEAR)
    alpha = np.full((180, 320), 200, np.uint8)
    sm = MaskSmoother()
    for call in (sm, sm.hold):
        with pytest.raises(FrameSizeError, match="the frame is 1080x1920 and the mask 320x180"):
            call(alpha, np.ascontiguousarray(big.swapaxes(0, 1)))
        with pytest.raises(FrameSizeError, match="the frame is 320x240 and the mask 320x180"):
            call(alpha, cv2.resize(img, (320, 240)))
    for frame, a in ((img, alpha), (big, alpha), (big, np.full((136, 240), 200, np.uint8)),
                     (cv2.resize(img, (321, 181)), alpha)):
        sm = MaskSmoother()
        for i in range(3):
            assert sm(a, np.roll(frame, i, 1)).shape == a.shape
        assert sm.hold(a, frame).shape == a.shape


# ---------------------------------------------------------------- run_video

@pytest.fixture(scope="module")
def small_clip(tmp_path_factory):
    from conftest import make_clip

    return make_clip(tmp_path_factory.mktemp("clip") / "in.mp4", w=64, h=48, n=4)


def test_run_video_takes_its_output_as_a_path(small_clip, tmp_path):
    """run_video(src, Path('out.mp4'), cfg) -- a pathlib.Path, as open_sink and open_source take,
    and as its source is taken -- was an AttributeError ('PosixPath' object has no attribute
    'endswith') from the output checks; a Path is written as its text is."""
    from livecut.runner import run_video

    out = tmp_path / "out.mp4"
    assert run_video(small_clip, out, load_config(), progress=False).written == 4
    assert out.stat().st_size > 0
    with pytest.raises(LivecutError, match="run_video: spec must be a path or a URL, got bytes"):
        run_video(small_clip, b"out.mp4", load_config(), progress=False)


@pytest.mark.parametrize("cfg, said", [
    ("fast", "config must be a Config (see load_config) or None, got str; for a preset or a file, load_config('fast')"),
    (Config().segment, "config must be a Config (see load_config) or None, got SegmentConfig"),
])
def test_the_runner_takes_none_for_the_default_configuration_and_refuses_others(small_clip, tmp_path, cfg, said):
    """run_video(src, out, None) and Processor(None) -- None, as Segmenter, Compositor and
    MaskSmoother take for the defaults -- were an AttributeError ('NoneType' object has no
    attribute 'composite'), as was a preset's name or a section; None is the defaults, another
    type a ConfigTypeError saying what to give."""
    from livecut.errors import ConfigTypeError
    from livecut.runner import Processor, run_video

    assert run_video(small_clip, tmp_path / "out.mp4", None, progress=False).written == 4
    assert Processor(None).cfg == Config()
    for call, who in ((lambda: run_video(small_clip, tmp_path / "other.mp4", cfg, progress=False), "run_video"),
                      (lambda: Processor(cfg), "Processor")):
        with pytest.raises(ConfigTypeError) as e:
            call()
        assert str(e.value) == f"{who}: {said}"
    assert not (tmp_path / "other.mp4").exists()


@pytest.mark.parametrize("frames", ["3", 2.5, True, [3]])
def test_run_video_max_frames_is_a_whole_number(small_clip, tmp_path, frames):
    """run_video(..., max_frames='3') was a bare TypeError ('<' not supported between 'str'
    and 'int'), and max_frames=2.5 wrote 3 frames, True 1, without a word: each is a
    ConfigTypeError saying what to give, before anything is opened; a numpy integer is a number."""
    from livecut.errors import ConfigTypeError
    from livecut.runner import run_video

    out = tmp_path / "out.mp4"
    with pytest.raises(ConfigTypeError, match=r"max_frames .*: expected a whole number of frames, at least 1"):
        run_video(small_clip, out, load_config(), progress=False, max_frames=frames)
    assert not out.exists()
    assert run_video(small_clip, out, load_config(), progress=False, max_frames=np.int64(2)).written == 2


# ---------------------------------------------------------------- write_image

@pytest.mark.parametrize("name, picture", [
    ("a.png", np.full((32, 32, 3), 0.5, np.float32)),   # (written as levels 0 and 1: black)
    ("a.jpg", np.full((32, 32, 3), 40000, np.uint16)),  # (its levels cut at 255: white)
    ("a.webp", np.full((32, 32), 0.5)),
    ("a.png", np.full((32, 32, 3), -3, np.int16)),      # (cut at 0: black)
    ("a.png", None),                                    # (an AttributeError: 'NoneType' ... 'shape')
    ("a.png", [[0] * 32] * 32),
])
def test_write_image_refuses_a_picture_its_format_would_not_keep(tmp_path, name, picture):
    """write_image('a.png', frame) of a 0-1 float frame wrote a black picture, of a 16-bit one
    as .jpg a white one, of a signed one its levels cut at 0, without a word, and of None an
    AttributeError: each is an ArrayError that says what to give; uint8 is written as before,
    and 16 bits or floats where the format keeps them (.png, .tif)."""
    from livecut.imageio import read_image, write_image

    with pytest.raises(ArrayError, match=r"a\.(png|jpg|webp): cannot write .* (give uint8|expected an HxW)"):
        write_image(tmp_path / name, picture)
    assert not list(tmp_path.iterdir())
    deep = np.full((32, 32, 3), 40000, np.uint16)
    write_image(tmp_path / "deep.png", deep)
    write_image(tmp_path / "float.tif", np.full((32, 32, 3), 0.5, np.float32))
    write_image(tmp_path / "plain.jpg", np.full((32, 32, 3), 200, np.uint8))
    assert (read_image(tmp_path / "deep.png") == deep).all()
    assert cv2.imread(str(tmp_path / "float.tif"), cv2.IMREAD_UNCHANGED).dtype == np.float32


@pytest.mark.parametrize("path", [None, b"a.png", 3])
def test_read_and_write_image_refuse_a_path_of_another_type(tmp_path, path):
    """read_image(None), read_image(b'a.png') and write_image(None, picture) were pathlib's
    bare TypeError ('expected str, bytes or os.PathLike object'); each is a ConfigTypeError
    naming the call and what to give."""
    from livecut.errors import ConfigTypeError
    from livecut.imageio import read_image, write_image

    picture = np.zeros((32, 32, 3), np.uint8)
    for call, who in ((lambda: read_image(path), "read_image"), (lambda: write_image(path, picture), "write_image")):
        with pytest.raises(ConfigTypeError) as e:
            call()
        assert str(e.value).startswith(f"{who}: path must be a str or a pathlib.Path, got {type(path).__name__}")
    write_image(str(tmp_path / "a.png"), picture)
    assert read_image(str(tmp_path / "a.png")).shape == (32, 32, 3)


def test_a_pipeline_run_again_is_refused_not_waited_on(small_clip):
    """Pipeline.run() called a second time on the same Pipeline (a source opened again, or
    none left) waited for good: the first run's stop was set, its reader ended at once and
    never said the end. It is a UsageError saying to make another."""
    import threading

    from livecut.errors import UsageError
    from livecut.runner import Pipeline, Processor
    from livecut.sources import open_source

    with open_source(small_clip) as src:
        pipe = Pipeline(src, Processor(None), [])
        assert pipe.run().processed == 4
        said = []

        def again():
            try:
                pipe.run()
            except UsageError as exc:
                said.append(str(exc))

        t = threading.Thread(target=again, daemon=True)
        t.start()
        t.join(10)
        assert not t.is_alive(), "the second run waits for good"
    assert said == ["Pipeline.run: a Pipeline runs once; make another for another run"]


_PAIRS = "run_video: extra_sinks takes (kind, options) pairs, e.g. [('vcam', {})], got "


@pytest.mark.parametrize("kwargs, said", [
    ({"extra_sinks": [("null",)]}, _PAIRS + "('null',)"),
    ({"extra_sinks": "vcam"}, _PAIRS + "'vcam'"),
    ({"extra_sinks": [("null", None)]}, _PAIRS + "('null', None)"),
    ({"source_options": [("pace", False)]}, "run_video: source_options must be a dict of options or None, got list"),
    ({"preview_options": "imshow"}, "run_video: preview_options must be a dict of options or None, got str"),
    ({"on_start": "go"}, "run_video: on_start must be a function taking the Pipeline, or None, got str"),
])
def test_run_video_option_arguments_of_another_shape_are_typed_errors(small_clip, tmp_path, kwargs, said):
    """run_video(..., extra_sinks=[('null',)]) or extra_sinks='vcam' was a bare ValueError ('not
    enough values to unpack'), source_options=[...] a bare TypeError ('cannot convert dictionary
    update sequence element'), on_start='go' a bare TypeError once the output was open ('not
    callable'): each is a ConfigTypeError saying what to give, before anything is opened."""
    from livecut.errors import ConfigTypeError
    from livecut.runner import run_video

    with pytest.raises(ConfigTypeError) as e:
        run_video(small_clip, tmp_path / "out.mp4", None, progress=False, **kwargs)
    assert str(e.value) == said
    assert not (tmp_path / "out.mp4").exists()
    st = run_video(small_clip, tmp_path / "out.mp4", None, progress=False, extra_sinks=[["null", {}]],
                   source_options={"pace": False})
    assert st.written == 4


@pytest.mark.parametrize("options, paced, alpha", [
    ({"pace": True}, True, True),
    ({"pace": False}, False, True),
    ({"alpha": False}, False, False),
    ({}, False, True),
])
def test_run_video_honours_a_files_source_options(small_clip, tmp_path, options, paced, alpha):
    """run_video(file, 'out.mp4', cfg, source_options={'pace': True}) read the file as fast as it
    could be (pace=None's choice for a file with an output taken over it without a word), and
    source_options={'alpha': False} read the video's own alpha all the same: both are open_source's
    options, honoured as given (pace as the argument is); the same pace both ways is no conflict,
    another is a UsageError, a pace that is no flag a ConfigTypeError."""
    from livecut.errors import ConfigTypeError, UsageError
    from livecut.runner import run_video

    seen = []
    st = run_video(small_clip, tmp_path / "out.mp4", None, progress=False, source_options=options,
                   on_start=lambda pipe: seen.append((pipe.source.pace, pipe.source._want_alpha)))
    assert st.written == 4
    assert seen == [(paced, alpha)]
    st = run_video(small_clip, tmp_path / "out2.mp4", None, progress=False, pace=paced, source_options=options)
    assert st.written == 4
    if "pace" in options:
        with pytest.raises(UsageError) as e:
            run_video(small_clip, tmp_path / "out3.mp4", None, progress=False, pace=not paced,
                      source_options=options)
        assert str(e.value) == (f"run_video: pace={not paced} and source_options pace={paced}: "
                                "give one of them")
        with pytest.raises(ConfigTypeError) as e:
            run_video(small_clip, tmp_path / "out3.mp4", None, progress=False, source_options={"pace": "no"})
        assert str(e.value) == "run_video: source_options: pace must be True or False, got 'no'"
        assert not (tmp_path / "out3.mp4").exists()


def test_run_video_honours_a_live_given_in_source_options(small_clip, tmp_path):
    """run_video(file, None, cfg, source_options={'live': True}) was refused, 'nothing to write',
    where live=True plays the file in a window: the source's live went to open_source, the run's
    own choices (nothing to write, its pace) were made from the live argument, None.  It is taken
    as the argument is, as source_options' pace is: the same both ways is no conflict, another a
    UsageError, one that is no flag a ConfigTypeError."""
    from livecut.errors import ConfigTypeError, UsageError
    from livecut.runner import run_video

    def window(shown):
        return {"imshow": lambda name, image: shown.append(1), "waitkey": lambda ms: -1,
                "destroy": lambda: None, "visible": lambda: True}

    for given in ({"live": True}, {"source_options": {"live": True}},
                  {"live": True, "source_options": {"live": True}}):
        shown, seen = [], []
        st = run_video(small_clip, None, None, progress=False, preview_options=window(shown),
                       on_start=lambda pipe: seen.append((pipe.live, pipe.source.live)), **given)
        assert seen == [(True, True)] and st.processed == len(shown) > 0, given
    with pytest.raises(UsageError) as e:
        run_video(small_clip, tmp_path / "out.mp4", None, progress=False, live=False, source_options={"live": True})
    assert str(e.value) == "run_video: live=False and source_options live=True: give one of them"
    with pytest.raises(ConfigTypeError) as e:
        run_video(small_clip, tmp_path / "out.mp4", None, progress=False, source_options={"live": "no"})
    assert str(e.value) == "run_video: source_options: live must be True or False, got 'no'"
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize("kwargs, error, said", [
    ({"size": (320, 240)}, "UsageError", "run_video: size=(320, 240): what a camera is asked for; a file is read at "
                                         "its own size and frame rate (give None)"),
    ({"fps": 30}, "UsageError", "run_video: fps=30.0: what a camera is asked for; a file is read at its own size and "
                                "frame rate (give None)"),
    ({"size": (320, 240), "fps": 25.0}, "UsageError", "run_video: size=(320, 240) and fps=25.0: what a camera is "
                                                      "asked for; a file is read at its own size and frame rate "
                                                      "(give None)"),
    ({"size": "320x240"}, "ConfigTypeError", "size '320x240': expected (width, height), e.g. (1280, 720)"),
    ({"fps": "30"}, "ConfigTypeError", "fps '30': expected a number of frames a second"),
    ({"fps": 0}, "UsageError", "fps 0: expected a frame rate above 0 and below 1000"),
])
def test_run_video_size_or_fps_given_for_a_file_is_refused(small_clip, tmp_path, kwargs, error, said):
    """run_video(clip, out, cfg, size=(320, 240)) or fps=30 -- what a camera is asked for -- was
    ignored without a word for a video file (read and written at its own size and rate), as were
    size='320x240' or fps=0.  A size or fps of another type or range is refused as a camera's
    is (ConfigTypeError, UsageError), one given for a file a UsageError saying it is read at its
    own size and frame rate, before anything is opened; a camera's fps=0 (taken for none) too."""
    from livecut import errors
    from livecut.runner import run_video

    out = tmp_path / "out.mp4"
    with pytest.raises(getattr(errors, error)) as e:
        run_video(small_clip, out, None, progress=False, **kwargs)
    assert str(e.value) == said
    assert not out.exists()
    with pytest.raises(errors.UsageError, match=r"^fps 0: expected a frame rate above 0 and below 1000$"):
        run_video("0", None, None, progress=False, fps=0)  # (no camera needed: said before it is looked for)
    assert run_video(small_clip, out, None, progress=False, size=None, fps=None).written == 4


@pytest.mark.parametrize("options, error, said", [
    ({"fps": "x"}, "ConfigTypeError", "fps 'x': expected a number of frames a second"),
    ({"size": (-1, 5)}, "FrameSizeError", r"size \(-1, 5\): expected \(width, height\), whole numbers from 16 to 16384"),
    ({"size": "320x240"}, "ConfigTypeError", r"size '320x240': expected \(width, height\), e.g. \(1280, 720\)"),
    ({"fps": 0}, "UsageError", "fps 0: expected a frame rate above 0 and below 1000"),
    ({"size": (320, 240)}, "UsageError", r"open_source: size=\(320, 240\): what a camera is asked for; a file is "
                                         r"read at its own size and frame rate \(give None\)"),
    ({"size": [320, 240], "fps": 30}, "UsageError", r"open_source: size=\(320, 240\) and fps=30.0: what a camera "
                                                    r"is asked for; a file is read at its own size and frame rate"),
])
def test_open_source_of_a_file_refuses_a_cameras_size_or_fps(small_clip, options, error, said):
    """open_source(clip, fps='x') or size=(-1, 5) -- a camera's options given for a file -- were
    ignored without a word, even invalid ones (a camera refuses them), as were valid ones, which
    a file does not take (it is read at its own size and rate). An invalid one is refused as a
    camera's is, whatever the source, and a valid one for a file or a stream as run_video
    refuses it: a UsageError naming open_source, before anything is opened."""
    from livecut import errors
    from livecut.sources import open_source

    with pytest.raises(getattr(errors, error), match=f"^{said}"):
        open_source(small_clip, **options)
    if error == "UsageError" and "open_source" in said:  # (a stream's alike, before it is connected to)
        with pytest.raises(errors.UsageError, match="^open_source: .*a stream is read at its own size"):
            open_source("http://127.0.0.1:9/clip.mp4", **options)
    with open_source(small_clip, size=None, fps=None) as src:  # (None: not given)
        assert src.info.width > 0


def test_an_option_no_source_or_sink_takes_is_refused_with_its_spelling(small_clip, tmp_path):
    """open_sink(path, info, forse=True) and open_source(path, paec=True) -- a misspelt option --
    were ignored without a word (the output then refused as existing, the file read as fast as
    it decodes); a name no built-in source or sink takes is a ConfigTypeError with the close
    spelling. One kind's option is still taken by another (a file a camera's fourcc, a stream
    output force; a camera's size or fps given for a file is refused, see
    test_open_source_of_a_file_refuses_a_cameras_size_or_fps)."""
    from livecut.errors import ConfigTypeError
    from livecut.sinks import open_sink
    from livecut.sources import open_source

    out = tmp_path / "out.mp4"
    with pytest.raises(ConfigTypeError, match=r"^open_sink: unknown option forse; did you mean force\? \(known: "):
        open_sink(out, SinkInfo(64, 48, 25.0), forse=True)
    with pytest.raises(ConfigTypeError, match=r"^open_source: unknown option paec; did you mean pace\? \(known: "):
        open_source(small_clip, paec=True)
    with pytest.raises(ConfigTypeError, match=r"^open_sink: unknown option force \(known: controls, "):
        open_sink("preview", SinkInfo(64, 48, 25.0), kind="preview", force=True)
    with open_source(small_clip, fourcc="MJPG", pace=False) as src, \
            open_sink(out, SinkInfo(64, 48, 25.0), force=True, pace=False) as sink:
        while (frame := src.read()) is not None:
            sink.write(frame.image)
    assert out.stat().st_size > 0


@pytest.mark.parametrize("value,error", [("quic", "ConfigError"), (5, "ConfigTypeError")])
def test_an_rtsp_transport_option_that_is_neither_tcp_nor_udp_is_refused_when_opened(value, error):
    """open_source("rtsp://...", rtsp_transport=5) was a bare TypeError when entered (FFmpeg's
    options take text), rtsp_transport="UDP" FFmpeg's "cannot open the stream: Invalid
    argument", as if the server had refused; either is refused by open_source, as
    video.rtsp_transport is, before any connection ("UDP" is taken as udp, as the key takes it)."""
    from livecut import errors
    from livecut.sources import open_source

    with pytest.raises(getattr(errors, error), match=r"^open_source: rtsp_transport .*: expected 'tcp' or 'udp'"):
        open_source("rtsp://127.0.0.1:9/cam", rtsp_transport=value)
    open_source("rtsp://127.0.0.1:9/cam", rtsp_transport="udp").close()
    src = open_source("rtsp://127.0.0.1:9/cam", rtsp_transport="UDP")
    assert src.rtsp_transport == "udp"
    src.close()


@pytest.mark.parametrize("value,error", [("mp4", "ConfigError"), (5, "ConfigTypeError")])
def test_a_pipe_format_option_that_is_neither_nut_nor_mpegts_is_refused(value, error):
    """open_sink("-", info, pipe_format="NUT") was a bare KeyError, "mp4" a ValueError ("no
    container format") and 5 a TypeError; refused as video.pipe_format is, naming the option
    ("NUT" is taken as nut, as the key takes it)."""
    from livecut import errors
    from livecut.sinks import open_sink

    for spec in ("-", "udp://127.0.0.1:9"):
        with pytest.raises(getattr(errors, error), match=r"^open_sink: pipe_format .*: expected 'nut' or 'mpegts'"):
            open_sink(spec, SinkInfo(32, 32, 25.0), pipe_format=value)
    open_sink("udp://127.0.0.1:9", SinkInfo(32, 32, 25.0), pipe_format="mpegts").close()
    open_sink("udp://127.0.0.1:9", SinkInfo(32, 32, 25.0), pipe_format="MPEGTS").close()


def test_a_looped_file_s_frame_times_run_on_from_pass_to_pass(small_clip, tmp_path):
    """open_source(clip, loop=True) gave each pass's frames the times of the first (0, 0.04 ...
    again): a sink given them (write(frame.image, pts=frame.pts), as its frames' times) took
    them for late frames and put every one after the first pass within a millisecond of the
    first pass's last frame -- 12 frames of a 4-frame clip looped, 8 of them at 0.12 s, a
    picture that stood still.  Each pass follows the one before, a frame apart."""
    import av

    from livecut.sinks import open_sink
    from livecut.sources import open_source

    out = tmp_path / "looped.mkv"
    with open_source(small_clip, loop=True) as src:
        step = 1 / src.info.fps
        with open_sink(out, SinkInfo(src.info.width, src.info.height, src.info.fps)) as sink:
            times = []
            for _ in range(12):
                frame = src.read()
                times.append(frame.pts)
                sink.write(frame.image, pts=frame.pts)
    assert times == pytest.approx([i * step for i in range(12)], abs=1e-3)
    with av.open(str(out)) as c:
        shown = [f.time for f in c.decode(video=0)]
    assert shown == pytest.approx([i * step for i in range(12)], abs=2e-3)


def test_a_source_registered_with_no_function_to_match_is_refused(small_clip):
    """register_source('mine', 5)(factory) was taken, and from then on every open_source (and
    source_kind) of the application failed with a bare TypeError ('int' object is not
    callable); a matches, a factory or a name of the wrong type is refused when registered."""
    from livecut.errors import ConfigTypeError
    from livecut.sources import open_source, register_source

    with pytest.raises(ConfigTypeError, match=r"register_source\('mine'\): matches must be a function"):
        register_source("mine", 5)(lambda spec, cfg, **options: None)
    with pytest.raises(ConfigTypeError, match=r"register_source\('mine'\): expected a factory"):
        register_source("mine", lambda spec: False)(5)
    with pytest.raises(ConfigTypeError, match="register_source: name must be a non-empty string"):
        register_source(5, lambda spec: False)(lambda spec, cfg, **options: None)
    with open_source(small_clip) as src:
        assert src.read() is not None


def test_a_sink_registered_with_no_function_to_match_is_refused(tmp_path):
    """register_sink('mine', 5)(factory) was taken, and from then on every open_sink, check_sink
    and sink_kind of the application failed with a bare TypeError ('int' object is not
    callable); a matches, check, factory or name of the wrong type is refused when registered."""
    from livecut.errors import ConfigTypeError
    from livecut.sinks import open_sink, register_sink, sink_kind

    with pytest.raises(ConfigTypeError, match=r"register_sink\('mine'\): matches must be a function"):
        register_sink("mine", 5)(lambda spec, info, cfg, **options: None)
    with pytest.raises(ConfigTypeError, match=r"register_sink\('mine'\): check must be a function"):
        register_sink("mine", lambda spec: False, check="yes")(lambda spec, info, cfg, **options: None)
    with pytest.raises(ConfigTypeError, match=r"register_sink\('mine'\): expected a factory"):
        register_sink("mine", lambda spec: False)(5)
    with pytest.raises(ConfigTypeError, match="register_sink: name must be a non-empty string"):
        register_sink(None, lambda spec: False)(lambda spec, info, cfg, **options: None)
    assert sink_kind("out.mp4") == "file"
    with open_sink(tmp_path / "out.mp4", SinkInfo(32, 32, 25.0)) as sink:
        sink.write(np.zeros((32, 32, 3), np.uint8))


def test_a_closed_source_entered_again_says_so(small_clip):
    """A file source used in a second `with` after its first (to read the video again) read
    nothing, as at its end, without a word -- a sink entered again says it is closed; it is a
    VideoOpenFailure saying to open another. A read after the close is None, as documented."""
    from livecut.errors import VideoOpenFailure
    from livecut.sources import open_source

    src = open_source(small_clip)
    with src:
        assert sum(1 for _ in iter(src.read, None)) == 4
    with pytest.raises(VideoOpenFailure, match=r"in\.mp4: closed; a source is read once: open another"):
        with src:
            pass
    assert src.read() is None
    with open_source(small_clip) as again:
        assert again.read() is not None


@pytest.mark.parametrize("name", ["out.mp4", "out.mov", "out.mkv"])
def test_a_frame_time_before_the_start_of_a_video_file_is_refused(tmp_path, name):
    """sink.write(frame, pts=-1.0) into an .mp4 or .mov wrote a frame that no player shows (before
    the start: a file of one such frame decoded to none), without a word; it is a ConfigError
    saying what to give, and the frames written before and after it are kept."""
    import av

    from livecut.errors import ConfigError
    from livecut.sinks import open_sink

    out = tmp_path / name
    with open_sink(out, SinkInfo(64, 48, 25.0)) as sink:
        sink.write(np.full((48, 64, 3), 100, np.uint8), 0.0)
        with pytest.raises(ConfigError, match=r"pts -1\.0: expected the frame's time in seconds from the start"):
            sink.write(np.full((48, 64, 3), 100, np.uint8), -1.0)
        sink.write(np.full((48, 64, 3), 100, np.uint8), 0.04)
    with av.open(str(out)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 2


def test_read_and_write_image_refuse_an_empty_path(tmp_path, monkeypatch):
    """write_image('', picture) was pathlib's bare ValueError ("PosixPath('.') has an empty
    name"), read_image('') said ".: is a directory": each is a UsageError saying the path is
    empty."""
    from livecut.errors import UsageError
    from livecut.imageio import read_image, write_image

    monkeypatch.chdir(tmp_path)
    for call, who in ((lambda: read_image(""), "read_image"),
                      (lambda: write_image("", np.zeros((32, 32, 3), np.uint8)), "write_image")):
        with pytest.raises(UsageError) as e:
            call()
        assert str(e.value) == f"{who}: the path is empty; give a picture file's path"
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("force", ["no", "false", None])
def test_write_image_force_is_true_or_false(tmp_path, force):
    """write_image(path, picture, force='no') replaced the existing file ('no' is truthy), as
    open_sink's force='no' did before it was checked: it is a ConfigTypeError, and the file is
    left as it was."""
    from livecut.errors import ConfigTypeError
    from livecut.imageio import write_image

    kept = tmp_path / "a.png"
    kept.write_bytes(b"kept")
    with pytest.raises(ConfigTypeError, match=r"^write_image: force must be True or False, got "):
        write_image(kept, np.zeros((32, 32, 3), np.uint8), force=force)
    assert kept.read_bytes() == b"kept"
    write_image(kept, np.zeros((32, 32, 3), np.uint8), force=np.True_)
    assert kept.read_bytes() != b"kept"


@pytest.mark.parametrize("icc", ["sRGB.icc", 3])
def test_write_image_icc_is_a_profiles_bytes(tmp_path, icc):
    """write_image('a.png', picture, icc='sRGB.icc') -- a profile's file name where its bytes go
    -- was a bare TypeError from inside the PNG's parts ('a bytes-like object is required'), and
    into a .bmp, which embeds none, it went unchecked: each is a ConfigTypeError saying what to
    give, nothing written."""
    from livecut.errors import ConfigTypeError
    from livecut.imageio import write_image

    for name in ("a.png", "a.bmp"):
        with pytest.raises(ConfigTypeError, match=r"^write_image: icc must be a colour profile's bytes or None"):
            write_image(tmp_path / name, np.zeros((32, 32, 3), np.uint8), icc=icc)
    assert not list(tmp_path.iterdir())


def test_write_image_takes_a_resolution_of_numpy_or_pillow_numbers(tmp_path):
    """write_image('a.png', picture, dpi=Image.open('scan.tif').info['dpi']) -- Pillow's
    resolution of a TIFF, two IFDRationals, or numpy's numbers -- was refused, 'dpi must be (x,
    y) dots per inch, two numbers above 0, or None, got (300.0, 150.0)': any two real numbers
    above 0 are taken, as the resolution they are."""
    from fractions import Fraction

    from livecut.imageio import read_image, write_image

    for k, dpi in enumerate([(Fraction(300), Fraction(150)), (np.int64(300), np.int64(150)),
                             (np.float32(300), np.float32(150))]):
        for ext in (".png", ".jpg", ".tif"):
            path = tmp_path / f"a{k}{ext}"
            write_image(path, np.zeros((32, 32, 3), np.uint8), dpi=dpi)
            meta: dict = {}
            read_image(path, meta)
            assert meta["dpi"] == pytest.approx((300, 150), rel=1e-3), (dpi, ext)


# ---------------------------------------------------------------- process_images

@pytest.fixture(scope="module")
def photo(tmp_path_factory, scene):
    path = tmp_path_factory.mktemp("photo") / "p.jpg"
    cv2.imwrite(str(path), scene[0])
    return path


@pytest.mark.parametrize("as_text", [True, False])
def test_process_images_takes_one_path_as_one_input(photo, tmp_path, as_text):
    """process_images('photo.jpg', out, cfg) -- one path where a list goes -- read the text a
    character at a time, each an input ('/: directory holds no images', 't: file not found' ...,
    nothing written), and a pathlib.Path was a bare TypeError ('not iterable'): one path (or
    pattern) is one input."""
    from livecut.images import process_images

    report = process_images(str(photo) if as_text else photo, tmp_path, Config())
    assert report.errors == [] and (tmp_path / "p.png").exists()


def test_process_images_takes_none_for_the_default_configuration(photo, tmp_path):
    """process_images([photo], out, None) was an AttributeError ('NoneType' object has no
    attribute 'composite'), as was a preset's name: None is the defaults (as Segmenter's), another
    type a ConfigTypeError saying what to give."""
    from livecut.errors import ConfigTypeError
    from livecut.images import process_images

    assert process_images([photo], tmp_path, None).errors == [] and (tmp_path / "p.png").exists()
    with pytest.raises(ConfigTypeError, match=r"^process_images: config must be a Config .* load_config\('fast'\)"):
        process_images([photo], tmp_path / "other", "fast")


@pytest.mark.parametrize("option", ["force", "skip_existing", "progress", "one_file"])
def test_process_images_flags_are_true_or_false(photo, tmp_path, option):
    """process_images(..., skip_existing='no') skipped the photos whose output is there ('no' is
    truthy), force='no' failed each photo on its own: a flag that is not True or False is a
    ConfigTypeError naming it, before any photo is cut."""
    from livecut.errors import ConfigTypeError
    from livecut.images import process_images

    (tmp_path / "p.png").write_bytes(b"kept")
    with pytest.raises(ConfigTypeError, match=rf"^process_images: {option} must be True or False, got 'no'"):
        process_images([photo], tmp_path, Config(), **{option: "no"})
    assert (tmp_path / "p.png").read_bytes() == b"kept"


@pytest.mark.parametrize("inputs, outdir, said", [
    ("photo", None, "process_images: outdir must be a str or a pathlib.Path, got NoneType"),
    ([b"p.jpg"], "out", "process_images: an input must be a str or a pathlib.Path, got bytes; decode it: .decode()"),
    ([None], "out", "process_images: an input must be a str or a pathlib.Path, got NoneType"),
    (None, "out", "process_images: inputs must be a list of paths, got NoneType"),
])
def test_process_images_paths_of_another_type_are_typed_errors(photo, tmp_path, inputs, outdir, said):
    """process_images([photo], None, cfg), process_images([b'p.jpg'], ...) and process_images(None,
    ...) were bare TypeErrors from pathlib or the loop ('expected str, bytes or os.PathLike object',
    'not iterable'): each is a ConfigTypeError saying what to give."""
    from livecut.errors import ConfigTypeError
    from livecut.images import process_images

    with pytest.raises(ConfigTypeError) as e:
        process_images([photo] if inputs == "photo" else inputs, outdir and tmp_path / outdir, Config())
    assert str(e.value) == said


def test_write_image_over_a_file_there_before_says_it_exists(tmp_path):
    """write_image(path, picture, force=False) over a file there before the call encoded the
    picture and then said "exists (written by another run meanwhile?)", a race it was not: it
    says the file exists, as open_sink says it, before encoding anything."""
    from livecut.errors import OutputExistsError
    from livecut.imageio import write_image

    kept = tmp_path / "a.png"
    kept.write_bytes(b"kept")
    with pytest.raises(OutputExistsError) as e:
        write_image(kept, np.zeros((32, 32, 3), np.uint8), force=False)
    assert str(e.value) == f"{kept}: exists (give force=True to overwrite)"
    assert kept.read_bytes() == b"kept" and [p.name for p in tmp_path.iterdir()] == ["a.png"]


def test_change_smoothing_turned_on_sets_a_stand_in_segmenters_smoother():
    """Processor.change_smoothing, turning smoothing on (the preview's ']' with smooth.enabled off),
    sets the run's Segmenter's smoother under its lock (the reader thread may be segmenting); a
    stand-in for the Segmenter without that lock (a test's, a program's wrapper) was an
    AttributeError ('_busy'): it is given the smoother as before, by its temporal."""
    from livecut.runner import Processor
    from livecut.smooth import MaskSmoother

    from livecut.config import load_config

    proc = Processor(load_config(overrides=["smooth.enabled=false"]))
    real = proc.seg

    class StandIn:  # (a wrapper that shows the Segmenter's public names alone)
        temporal = None

        def __getattr__(self, name):
            if name.startswith("_"):
                raise AttributeError(name)
            return getattr(real, name)

    proc.seg = StandIn()
    assert proc.change_smoothing(2.0) == pytest.approx(0.5)
    assert isinstance(proc.seg.temporal, MaskSmoother) and proc.seg.temporal is proc.smoother
    proc.seg = real
    proc.smoother = None
    proc.change_smoothing(2.0)
    assert real.temporal is proc.smoother


def test_change_threshold_takes_effect_between_two_frames_of_the_reader_thread(monkeypatch):
    """Processor.change_threshold -- the preview's threshold keys, pressed in the main thread --
    set the run's Segmenter's configuration (and its method's, which reads the threshold) while
    the reader thread may be segmenting a frame ahead (video.segment_ahead): taken mid-frame, the
    frame begun at one threshold finished at the other. It waits for that frame's end and is
    taken before the next one."""
    import threading

    from livecut.runner import Processor
    from livecut.segment import Segmenter

    proc = Processor(Config())
    before = proc.seg.cfg.threshold
    frame = np.random.default_rng(3).integers(0, 255, (96, 128, 3), np.uint8)
    inside, go, seen = threading.Event(), threading.Event(), []
    real = Segmenter._mask

    def held(self, *args, **kwargs):  # the reader thread's frame, held mid-frame
        seen.append(self.cfg.threshold)
        inside.set()
        go.wait(10)
        seen.append(self.cfg.threshold)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Segmenter, "_mask", held)
    reader = threading.Thread(target=lambda: proc.segment(frame))
    reader.start()
    changed = {}
    try:
        assert inside.wait(10)
        key = threading.Thread(target=lambda: changed.setdefault("to", proc.change_threshold(+0.05)))
        key.start()
        key.join(0.5)  # (time for the key to be taken mid-frame, as it was)
    finally:
        go.set()
        reader.join(10)
    key.join(10)
    monkeypatch.undo()
    assert seen == [before, before]  # the frame in progress kept its threshold
    assert changed["to"] == pytest.approx(before + 0.05)
    assert proc.seg.cfg.threshold == pytest.approx(before + 0.05)
    assert getattr(proc.seg.method, "cfg", proc.seg.cfg).threshold == pytest.approx(before + 0.05)
    proc.segment(frame)  # the next frame, at it


@pytest.mark.parametrize("factor", [0, 0.0, -1.5, float("nan"), float("inf")])
def test_change_smoothing_by_zero_or_less_is_a_usage_error(factor):
    """Processor.change_smoothing(0) -- the preview's smoothing key control -- divided by zero
    (ZeroDivisionError), and a negative factor set the rate to its floor: a factor that is not a
    number above 0 is a UsageError, the rate left as it was."""
    from livecut.errors import ConfigTypeError, UsageError
    from livecut.runner import Processor

    for cfg in (Config(), load_config(overrides=["smooth.enabled=false"])):
        proc = Processor(cfg)
        rate = proc.smoother and proc.smoother.rate
        with pytest.raises(UsageError, match=r"^change_smoothing: factor .*: expected a number above 0"):
            proc.change_smoothing(factor)
        assert (proc.smoother and proc.smoother.rate) == rate
    with pytest.raises(ConfigTypeError, match=r"^change_smoothing: factor must be a number above 0, got str"):
        Processor(Config()).change_smoothing("2")


def test_an_empty_source_or_sink_spec_says_it_is_empty(tmp_path):
    """open_source('') said ".: is a folder, not a video file" and open_sink('', info) "no sink
    can write this": each says the spec is empty and what to give (the CLI says it of its own
    options before, as "SOURCE is empty", "-o is empty")."""
    from livecut.errors import UsageError
    from livecut.sinks import check_sink, open_sink
    from livecut.sources import open_source

    with pytest.raises(UsageError) as e:
        open_source("")
    assert str(e.value) == "open_source: spec is empty: give a path, a URL or a camera index"
    with pytest.raises(UsageError) as e:
        open_sink("", SinkInfo(64, 48, 25.0))
    assert str(e.value) == "open_sink: spec is empty: give a path, a URL or - (standard output)"
    with pytest.raises(UsageError) as e:
        check_sink("")
    assert str(e.value) == "check_sink: spec is empty: give a path, a URL or - (standard output)"
    assert list(tmp_path.iterdir()) == []


def test_a_video_background_frame_given_in_a_mode_that_shows_no_background_is_refused(scene, small_clip):
    """Compositor.apply(frame, alpha, bg_frame) with a video: background in mask or cutout mode --
    which show no background -- ignored bg_frame without a word, where one given with a blur or
    colour background is refused: it is a UsageError saying the mode shows no background (None is
    taken, as before), from apply_i420 too; composite and side-by-side take it, as before."""
    from livecut.errors import UsageError

    frame, _ = scene
    alpha = np.full(frame.shape[:2], 128, np.uint8)
    bg = np.zeros_like(frame)
    for mode in ("mask", "cutout"):
        comp = Compositor(dataclasses.replace(Config(), composite=CompositeConfig(mode=mode,
                                                                                  background=f"video:{small_clip}")))
        with pytest.raises(UsageError) as e:
            comp.apply(frame, alpha, bg)
        assert not comp.takes_bg_frame
        assert str(e.value) == (f"bg_frame: mode {mode!r} shows no background, so the video background's frame is "
                                "not used; give None")
        assert comp.apply(frame, alpha, None).shape[:2] == frame.shape[:2]
        if comp.supports_i420:
            i420 = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
            with pytest.raises(UsageError, match=f"^bg_frame: mode {mode!r} shows no background"):
                comp.apply_i420(i420, alpha, bg)
            comp.apply_i420(i420, alpha)
    for mode in ("composite", "side-by-side"):
        comp = Compositor(dataclasses.replace(Config(), composite=CompositeConfig(mode=mode,
                                                                                  background=f"video:{small_clip}")))
        assert comp.takes_bg_frame and comp.apply(frame, alpha, bg).shape[0] == frame.shape[0]


@pytest.mark.parametrize("background", ["blur", "color:#00ff00", "transparent"])
def test_a_background_frame_given_with_a_background_not_a_video_is_refused(scene, background):
    """Compositor.apply(frame, alpha, bg_frame) with a background that is not a video ignored
    bg_frame without a word (the frame composited over the blur, not over it): it is a
    UsageError saying the background is not a video (None is taken, as before), from
    apply_i420 too."""
    from livecut.errors import UsageError

    frame, _ = scene
    alpha = np.full(frame.shape[:2], 128, np.uint8)
    for mode in ("composite", "mask"):
        comp = Compositor(dataclasses.replace(Config(), composite=CompositeConfig(mode=mode, background=background)))
        with pytest.raises(UsageError) as e:
            comp.apply(frame, alpha, np.zeros_like(frame))
        kind = background.split(":")[0]
        assert str(e.value) == (f"bg_frame: the background is {kind!r}, not a video: "
                                "bg_frame is a video: background's frame; give None")
        assert comp.apply(frame, alpha, None).shape[:2] == frame.shape[:2]
        if comp.supports_i420:
            i420 = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
            with pytest.raises(UsageError, match="^bg_frame: the background is"):
                comp.apply_i420(i420, alpha, np.zeros_like(frame))
            comp.apply_i420(i420, alpha)


def test_a_segmenter_shared_by_two_threads_refuses_the_second_call_in_words():
    """One Segmenter's buffers hold one frame: a second thread's call while the first one's
    is in progress got the other's mask without a word (a bare cv2.error where the frames'
    sizes differed). It is a UsageError that says to make one for each thread; the first
    call finishes as it would have, and the instance serves calls after it."""
    import threading

    from livecut.errors import UsageError
    from livecut.segment import Segmenter

    inside, go = threading.Event(), threading.Event()

    def held(alpha, small, judged=True):  # a temporal that holds the first call inside mask()
        inside.set()
        go.wait(10)
        return alpha

    rng = np.random.default_rng(5)
    frame = rng.integers(0, 255, (96, 128, 3), np.uint8)
    other = rng.integers(0, 255, (64, 80, 3), np.uint8)
    seg = Segmenter(temporal=held)
    alone = Segmenter().mask(frame).copy()
    got = {}
    t = threading.Thread(target=lambda: got.setdefault("alpha", seg.mask(frame).copy()))
    t.start()
    try:
        assert inside.wait(10)
        for call in (lambda: seg.mask(other), lambda: seg.mask_small(other),
                     lambda: seg.mask_i420(np.zeros((96, 80), np.uint8)),
                     lambda: seg.begin(other, np.empty((64, 80), np.uint8))):
            with pytest.raises(UsageError, match="one Segmenter for each thread"):
                call()
    finally:
        go.set()
        t.join(10)
    assert np.array_equal(got["alpha"], alone)
    seg.temporal = None
    assert seg.mask(other).shape == (64, 80)  # free again once the first call returned


def test_a_begin_refused_while_another_threads_begin_runs_leaves_that_frame_as_it_was():
    """begin() took the instance only inside its mask(): a second thread's begin, refused there
    (and named Segmenter.mask), had first set its own frame as the one whose refinement is left
    to end(), then none, under the first thread's call -- whose refinement was then done in
    begin, or (the second's set at the moment the first's was kept) kept for the refused frame,
    the first's end() giving an alpha never refined.  It is refused from its start, as
    Segmenter.begin, and the first frame's begin and end go on as alone."""
    import threading

    from livecut.errors import UsageError
    from livecut.segment import Segmenter

    inside, go = threading.Event(), threading.Event()

    def held(alpha, small, judged=True):  # a temporal that holds the first begin inside its mask
        inside.set()
        go.wait(10)
        return alpha

    rng = np.random.default_rng(5)
    frame = rng.integers(0, 255, (96, 128, 3), np.uint8)
    alone = Segmenter(temporal=lambda alpha, small: alpha).mask(frame).copy()
    seg = Segmenter(temporal=held)
    got = {}
    t = threading.Thread(target=lambda: got.setdefault("pending", seg.begin(frame, np.empty((96, 128), np.uint8))))
    t.start()
    try:
        assert inside.wait(10)
        for call in (lambda: seg.begin(frame, np.empty((96, 128), np.uint8)),
                     lambda: seg.begin(np.zeros((96, 128), np.uint8), np.empty((64, 128), np.uint8), i420=True)):
            with pytest.raises(UsageError, match="^Segmenter.begin: .*one Segmenter for each thread"):
                call()
    finally:
        go.set()
        t.join(10)
    pending = got["pending"]
    assert pending.deferred  # (its refinement left to end, as begin does alone)
    assert np.array_equal(seg.end(pending), alone)


def test_open_source_of_standard_input_says_how_to_read_a_pipe(tmp_path, monkeypatch, small_clip):
    """open_source('-') said "-: no such file", as if '-' were a file name (the CLI's `livecut file
    -` keeps a copy of standard input first): it says so, and names the function that keeps one;
    a file that is really named '-' still opens."""
    import shutil

    from livecut.errors import UsageError
    from livecut.sources import open_source

    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as e:
        open_source("-")
    assert str(e.value).startswith("open_source: - (standard input) is read by `livecut file -`")
    assert "spooled_stdin()" in str(e.value)
    shutil.copy(small_clip, tmp_path / "-")
    with open_source("-") as src:
        assert src.info.width > 0


def _second_calls_refused(monkeypatch, cls, inner: str, first, calls, said: str):
    """``first()`` run in a thread, held inside ``cls.inner`` while each of ``calls`` (from
    this thread) is refused with a UsageError matching ``said``; ``first()``'s result."""
    import threading

    from livecut.errors import UsageError

    inside, go = threading.Event(), threading.Event()
    real = getattr(cls, inner)

    def held(self, *args, **kwargs):  # holds the first call inside it
        inside.set()
        go.wait(10)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(cls, inner, held)
    got = {}
    t = threading.Thread(target=lambda: got.setdefault("out", first()))
    t.start()
    try:
        assert inside.wait(10)
        for call in calls:
            with pytest.raises(UsageError, match=said):
                call()
    finally:
        go.set()
        t.join(10)
    monkeypatch.undo()
    return got["out"]


def test_a_compositor_shared_by_two_threads_refuses_the_second_call_in_words(monkeypatch):
    """One Compositor's buffers hold one frame's output (as a Segmenter's its mask): a second
    thread's call while the first one's was in progress gave either output the other's pixels
    without a word, or a bare cv2.error or ValueError where the frames differed in size (a
    service's threads sharing one). It is a UsageError that says to make one for each thread,
    as a Segmenter's; the first call finishes as it would have, and the instance serves calls
    after it, and still pickles."""
    import pickle

    from livecut.composite import Compositor

    rng = np.random.default_rng(6)
    frame = rng.integers(0, 255, (96, 128, 3), np.uint8)
    alpha = rng.integers(0, 255, (96, 128), np.uint8)
    other = rng.integers(0, 255, (64, 80, 3), np.uint8)
    other_alpha = np.full((64, 80), 128, np.uint8)
    alone = Compositor(background="blur").apply(frame, alpha).copy()
    comp = Compositor(background="blur")
    got = _second_calls_refused(monkeypatch, Compositor, "_composite", lambda: comp.apply(frame, alpha).copy(),
                                (lambda: comp.apply(other, other_alpha),
                                 lambda: comp.apply_i420(np.zeros((96, 80), np.uint8), other_alpha),
                                 lambda: comp.blend_over(other, other_alpha, other.copy())),
                                "^Compositor.[a-z_0-9]+: this Compositor is compositing another frame now .*make one "
                                "Compositor for each thread")
    assert np.array_equal(got, alone)
    assert comp.apply(other, other_alpha).shape == (64, 80, 3)  # free again once the first call returned
    again = pickle.loads(pickle.dumps(comp))
    assert np.array_equal(again.apply(frame, alpha), alone)


def test_a_compositors_setters_from_another_thread_are_refused_mid_frame(monkeypatch):
    """A Compositor's setters (mode, background, rotation, sample_aspect, matrix), called from
    another thread while an apply() or blend_over() of the same instance was in progress, were
    taken mid-frame: its buffers and background made again under the frame (apply refuses that
    thread, "make one Compositor for each thread"). They are refused the same way, the first call
    finishes as alone and the instance is as it was; once it is free they are taken."""
    from livecut.composite import Compositor
    from livecut.errors import ConfigError

    rng = np.random.default_rng(9)
    frame = rng.integers(0, 255, (96, 128, 3), np.uint8)
    alpha = rng.integers(0, 255, (96, 128), np.uint8)
    alone = Compositor(background="blur").apply(frame, alpha).copy()
    over = Compositor(background="blur").blend_over(frame, alpha, frame.copy()).copy()
    comp = Compositor(background="blur")

    def assign(name, value):
        return lambda: setattr(comp, name, value)

    calls = (assign("mode", "mask"), assign("background", "color:#ff0000"), assign("rotation", 90),
             assign("sample_aspect", 2), assign("matrix", "bt709"))
    said = "^Compositor.(mode|background|rotation|sample_aspect|matrix): this Compositor is compositing another " \
           "frame now .*make one Compositor for each thread"

    def unchanged():
        return (comp.mode, comp.background.kind, comp.rotation, comp.sample_aspect, comp.matrix) == (
            "composite", "blur", 0, 1.0, "bt601")

    got = _second_calls_refused(monkeypatch, Compositor, "_composite", lambda: comp.apply(frame, alpha).copy(),
                                calls, said)
    assert np.array_equal(got, alone) and unchanged()
    got = _second_calls_refused(monkeypatch, Compositor, "_blend_over",
                                lambda: comp.blend_over(frame, alpha, frame.copy()).copy(), calls, said)
    assert np.array_equal(got, over) and unchanged()
    for call in calls:  # free again once the call returned
        call()
    assert (comp.mode, comp.background.kind, comp.rotation, comp.sample_aspect, comp.matrix) == (
        "mask", "color", 90, 2.0, "bt709")
    with pytest.raises(ConfigError, match="^mode 'nope'"):
        comp.mode = "nope"  # (checked as before)


def test_a_segmenters_reset_and_setters_from_another_thread_are_refused_mid_frame(monkeypatch):
    """Segmenter.reset() and its setters (temporal, matrix), called from another thread while a
    mask() or begin() of the same instance was in progress, were taken without a word: the
    frame's state reset, its smoother or colour matrix changed under it (mask and begin refuse
    that thread, "make one Segmenter for each thread"). They are refused the same way, the
    first call finishes as alone and the instance is as it was; once it is free they are taken."""
    from livecut.errors import ConfigTypeError
    from livecut.segment import Segmenter
    from livecut.smooth import MaskSmoother

    rng = np.random.default_rng(8)
    frame = rng.integers(0, 255, (96, 128, 3), np.uint8)
    alone = Segmenter().mask(frame).copy()
    seg = Segmenter()

    def assign(name, value):
        return lambda: setattr(seg, name, value)

    calls = (seg.reset, assign("temporal", MaskSmoother()), assign("temporal", None), assign("matrix", "bt709"))
    said = "^Segmenter.(reset|temporal|matrix): this Segmenter is segmenting another frame now .*make one " \
           "Segmenter for each thread"
    got = _second_calls_refused(monkeypatch, Segmenter, "_mask", lambda: seg.mask(frame).copy(), calls, said)
    assert np.array_equal(got, alone)
    assert seg.temporal is None and seg.matrix == "bt601"  # (none of them taken)
    pending = _second_calls_refused(monkeypatch, Segmenter, "_mask",
                                    lambda: seg.begin(frame, np.empty((96, 128), np.uint8)), calls, said)
    assert np.array_equal(seg.end(pending), alone)
    for call in calls:  # free again once the call returned
        call()
    assert seg.temporal is None and seg.matrix == "bt709"
    with pytest.raises(ConfigTypeError, match="^Segmenter: temporal must be None or a callable"):
        seg.temporal = 5  # (checked as before)


def test_a_mask_smoother_shared_by_two_threads_refuses_the_second_call_in_words(monkeypatch):
    """One MaskSmoother's buffers and state are one video's: a second thread's call while the
    first one's was in progress (a smoother given to two threads' Segmenters) was a bare
    ValueError ('could not broadcast input array from shape ...') or cv2.error where their
    frames differed in size, or each video's mask mixed into the other's. It is a UsageError
    that says to make one for each thread; the first call finishes as it would have (its own
    calls within, hold's and a 4x1 mask's, still served), and it still pickles."""
    import pickle

    from livecut.config import SmoothConfig
    from livecut.smooth import MaskSmoother

    rng = np.random.default_rng(7)
    frame = rng.integers(0, 255, (96, 128, 3), np.uint8)
    alpha = rng.integers(0, 255, (96, 128), np.uint8)
    other = rng.integers(0, 255, (64, 80, 3), np.uint8)
    other_alpha = np.full((64, 80), 128, np.uint8)
    alone = MaskSmoother()(alpha, frame).copy()
    sm = MaskSmoother()
    got = _second_calls_refused(monkeypatch, MaskSmoother, "_motion", lambda: sm(alpha, frame).copy(),
                                (lambda: sm(other_alpha, other), lambda: sm.hold(other_alpha, other)),
                                "^MaskSmoother.[a-z_]+: this MaskSmoother is smoothing another frame now .*make one "
                                "MaskSmoother for each thread")
    assert np.array_equal(got, alone)
    assert sm(other_alpha, other).shape == (64, 80)  # free again once the first call returned
    assert sm(np.full((4, 1), 200, np.uint8), np.zeros((4, 1, 3), np.uint8)).shape == (4, 1)
    assert pickle.loads(pickle.dumps(sm))(other_alpha, other).shape == (64, 80)
    no_hold = MaskSmoother(SmoothConfig(hold=0))  # (hold() smooths alpha in, calling __call__ within)
    no_hold(alpha, frame)
    assert no_hold.hold(other_alpha[:1, :1].repeat(96, 0).repeat(128, 1), frame).shape == (96, 128)


def test_a_copy_of_a_compositor_composites_into_buffers_of_its_own():
    """copy.copy(comp) -- one for each thread, made from a configured one -- shared the
    original's output buffers: each one's output was overwritten by the other's next call
    without a word (a copy's call while the original's ran mixed their pixels). A copy shares
    no buffers, as a Segmenter's copy does (copy.deepcopy's)."""
    import copy

    from livecut.composite import Compositor

    rng = np.random.default_rng(8)
    frame = rng.integers(0, 255, (48, 64, 3), np.uint8)
    other = rng.integers(0, 255, (48, 64, 3), np.uint8)
    alpha = rng.integers(0, 255, (48, 64), np.uint8)
    for mode, background in (("composite", "color:red"), ("composite", "blur"), ("cutout", "blur"),
                             ("side-by-side", "blur")):
        comp = Compositor(background=background, mode=mode)
        comp.apply(frame, alpha)  # (its buffers made)
        twin = copy.copy(comp)
        assert twin.mode == mode and twin.background == comp.background
        out = comp.apply(frame, alpha)
        expected = out.copy()
        twin_out = twin.apply(other, alpha)
        assert np.array_equal(out, expected), (mode, background)
        assert np.array_equal(twin_out, Compositor(background=background, mode=mode).apply(other, alpha))


@pytest.mark.parametrize("mode, background", [("composite", "color:red"), ("composite", "blur"),
                                              ("composite", "image"), ("cutout", "blur"),
                                              ("side-by-side", "blur"), ("mask", "image")])
def test_a_compositor_pickles_as_its_settings_not_its_buffers(tmp_path, mode, background):
    """A Compositor that had composited a frame pickled its buffers with its settings: 45 MB after
    a 1080p frame, sent to each task of a process pool or joblib (the README: one given to other
    processes pickles as its settings, a new one in each).  It pickles as its settings -- an
    image: background's picture with them, read already -- and the new one, a copy too,
    composites as the original does."""
    import copy
    import pickle

    from livecut.composite import Compositor

    rng = np.random.default_rng(10)
    frame = rng.integers(0, 255, (480, 640, 3), np.uint8)
    alpha = rng.integers(0, 255, (480, 640), np.uint8)
    picture = rng.integers(0, 255, (30, 40, 3), np.uint8)
    if background == "image":
        cv2.imwrite(str(tmp_path / "bg.png"), picture)
        background = f"image:{tmp_path / 'bg.png'}"
    comp = Compositor(background=background, mode=mode)
    comp.matrix, comp.rotation, comp.sample_aspect = "bt709", 90, 1.5
    comp.apply(frame, alpha)  # (its buffers made)
    data = pickle.dumps(comp)
    assert len(data) < 16_000, len(data)  # (the settings and a 30x40 picture: 3.6 kB)
    (tmp_path / "bg.png").unlink(missing_ok=True)  # (the other process has not the file: the picture came along)
    expected = comp.apply(frame, alpha).copy()
    for other in (pickle.loads(data), copy.copy(comp), copy.deepcopy(comp)):
        assert (other.mode, other.background, other.matrix, other.rotation, other.sample_aspect) == (
            mode, comp.background, "bt709", 90, 1.5)
        assert np.array_equal(other.apply(frame, alpha), expected), (mode, background)
        if other.supports_i420:
            i420 = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
            assert np.array_equal(other.apply_i420(i420, alpha), comp.apply_i420(i420, alpha))


def test_a_compositor_subclass_pickles_as_its_own_class():
    """A Compositor pickled as its settings (a new plain Compositor made of them) came back a
    plain Compositor where it was a subclass -- its own methods gone in the process pool's copy,
    which a pickle of its whole state had kept.  A subclass pickles whole, as before, and comes
    back of its class, compositing as the original does."""
    import copy
    import pickle

    from livecut.composite import Compositor

    rng = np.random.default_rng(11)
    frame = rng.integers(0, 255, (96, 128, 3), np.uint8)
    alpha = rng.integers(0, 255, (96, 128), np.uint8)
    comp = _TintedCompositor(background="blur")
    comp.tint = 7
    expected = comp.apply(frame, alpha).copy()
    for other in (pickle.loads(pickle.dumps(comp)), copy.copy(comp), copy.deepcopy(comp)):
        assert type(other) is _TintedCompositor and other.tint == 7
        assert np.array_equal(other.apply(frame, alpha), expected)
    assert type(pickle.loads(pickle.dumps(Compositor(background="blur")))) is Compositor


class _TintedCompositor(__import__("livecut.composite", fromlist=["Compositor"]).Compositor):
    """A subclass (module level, as pickle wants it): its output brightened by :attr:`tint`."""

    tint = 0

    def apply(self, frame, alpha, bg_frame=None):
        out = super().apply(frame, alpha, bg_frame)
        return cv2.add(out, self.tint)


def test_a_copy_of_a_mask_smoother_smooths_on_its_own():
    """copy.copy(smoother) -- one for each video, made from a configured one (its rate or fps
    set) -- shared the original's buffers and state: each one's mask was overwritten by the
    other's next call, and each video's masks were smoothed into the other's, without a word. A
    copy smooths on its own from the state it was copied in, as copy.deepcopy's does."""
    import copy

    from livecut.smooth import MaskSmoother

    rng = np.random.default_rng(9)
    frames = [rng.integers(0, 255, (48, 64, 3), np.uint8) for _ in range(3)]
    masks = [rng.integers(0, 255, (48, 64), np.uint8) for _ in range(3)]
    sm = MaskSmoother(fps=30)
    sm(masks[0], frames[0])
    twin, alone = copy.copy(sm), copy.deepcopy(sm)
    assert twin.fps == 30 and twin.rate == sm.rate
    out = sm(masks[1], frames[1])
    expected = out.copy()
    twin_out = twin(masks[2], frames[2])
    assert np.array_equal(out, expected)  # (not overwritten by the copy's call)
    assert np.array_equal(twin_out, alone(masks[2], frames[2]))  # (smoothed from the state it was copied in)


@pytest.mark.parametrize("still", [True, False])
def test_a_segmenter_whose_call_failed_while_it_made_its_buffers_serves_the_next(monkeypatch, still):
    """A call that failed while the Segmenter made its buffers for a new size (a MemoryError for
    a large photo, Ctrl-C in a notebook) left it taking them as made: every later call of that
    size -- or of the size before -- was a bare cv2.error ('inputs not broadcast-compatible') or
    ValueError ('operands could not be broadcast together'). They are made again at the next call,
    whose mask is a new Segmenter's."""
    import livecut.segment as segment_module

    rng = np.random.default_rng(10)
    small = rng.integers(0, 255, (60, 80, 3), np.uint8)
    frame = rng.integers(0, 255, (96, 128, 3), np.uint8)
    name = "ColorUpsampler" if still else "GuidedUpsampler"
    made = getattr(segment_module, name)

    def fails(*args, **kwargs):
        raise MemoryError

    for before in (small, frame):  # the next call of the new size, then of the size before
        seg = Segmenter(still=still)
        seg.mask(before)
        monkeypatch.setattr(segment_module, name, fails)
        with pytest.raises(MemoryError):
            seg.mask(frame if before is small else small)
        monkeypatch.setattr(segment_module, name, made)
        for f in (frame, small):
            assert np.array_equal(seg.mask(f), Segmenter(still=still).mask(f))


def test_a_mask_smoother_whose_call_failed_while_it_made_its_buffers_serves_the_next(monkeypatch):
    """A call that failed while the MaskSmoother made its buffers for a new size (a MemoryError,
    Ctrl-C) left it taking them as made, and its state as the size before's: the next call of
    that size smoothed into buffers never written, a mask of garbage without a word (numpy's
    'invalid value encountered in cast'). They are made again at the next call, which starts
    over from its mask as at any new size."""
    import warnings

    import livecut.smooth as smooth_module
    from livecut.smooth import MaskSmoother

    rng = np.random.default_rng(11)
    small, small_alpha = rng.integers(0, 255, (30, 40, 3), np.uint8), np.full((30, 40), 200, np.uint8)
    frame = cv2.GaussianBlur(rng.integers(0, 255, (240, 320, 3), np.uint8), (0, 0), 2)
    alpha = rng.integers(0, 255, (240, 320), np.uint8)
    made = smooth_module.cv2.getStructuringElement

    def fails(*args, **kwargs):
        raise MemoryError

    sm, fresh = MaskSmoother(), MaskSmoother()
    for s in (sm, fresh):
        s(small_alpha, small)
    monkeypatch.setattr(smooth_module.cv2, "getStructuringElement", fails)
    with pytest.raises(MemoryError):
        sm(alpha, frame)
    monkeypatch.setattr(smooth_module.cv2, "getStructuringElement", made)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(8):  # (a block moving over the frame: the motion's spread is the size's)
            f, a = frame.copy(), alpha.copy()
            f[80:160, 20 + 15 * i:100 + 15 * i] = 255
            a[80:160, 20 + 15 * i:100 + 15 * i] = 255
            assert np.array_equal(sm(a, f), fresh(a, f)), i


def test_a_pil_image_given_as_a_frame_is_answered_with_how_to_give_it():
    """A PIL image given to mask (or apply, a smoother) was answered 'expected a numpy image
    (...), got Image', which named neither the library it came from nor that it is RGB: the
    message says how to give it, np.asarray of it reversed, as the README says."""
    from PIL import Image

    from livecut.composite import Compositor
    from livecut.errors import ArrayError
    from livecut.smooth import MaskSmoother

    rgb = np.zeros((32, 48, 3), np.uint8)
    rgb[..., 0] = 255  # red
    alpha = np.full((32, 48), 255, np.uint8)
    for mode, expected in (("RGB", "np.asarray(img)[:, :, ::-1]"), ("RGBA", "np.asarray(img)[:, :, [2, 1, 0, 3]]"),
                           ("L", "np.asarray(img)")):
        img = Image.fromarray(rgb).convert(mode)
        for call in (lambda: Segmenter(still=True).mask(img), lambda: Compositor().apply(img, alpha),
                     lambda: MaskSmoother()(alpha, img)):
            with pytest.raises(ArrayError) as e:
                call()
            assert f"got a PIL image ({mode}): give {expected}" in str(e.value), str(e.value)
    given = np.asarray(Image.fromarray(rgb))[:, :, ::-1]
    assert Compositor(mode="cutout", background="blur").apply(given, alpha)[0, 0].tolist() == [0, 0, 255, 255]


@pytest.mark.parametrize("dtype", [np.uint16, np.float32])
def test_apply_i420_says_a_frame_of_another_pixel_type_is_not_uint8(scene, dtype):
    """A uint16 I420 frame (a 10-bit video's yuv420p10le, of the right shape) was a
    FrameSizeError '... does not match alpha 320x240': its size matched; its pixel type is
    what apply_i420 does not take, and the error says so, as apply() says it."""
    img, _ = scene
    h, w = img.shape[:2]
    yuv = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420).astype(dtype)
    alpha = np.full((h, w), 128, np.uint8)
    with pytest.raises(ArrayError, match=f"unsupported pixel type {np.dtype(dtype)}.*uint8") as e:
        Compositor(background="blur").apply_i420(yuv, alpha)
    assert not isinstance(e.value, FrameSizeError) and "match" not in str(e.value)


@pytest.mark.parametrize("name", ["preview", "force", "progress", "live", "pace"])
def test_run_video_says_a_flag_that_is_no_bool_by_its_own_name(small_clip, tmp_path, name):
    """run_video(..., preview='no') -- 'no' is truthy -- was taken for a preview and refused as
    "open_source: pace must be True or False, got 'no'", an argument the caller never gave;
    force='yes' was said as open_sink's, progress='no' showed the bar: each is said as
    run_video's own, before anything is opened or written."""
    from livecut.errors import ConfigTypeError
    from livecut.runner import run_video

    out = tmp_path / "out.mp4"
    with pytest.raises(ConfigTypeError) as e:
        run_video(small_clip, out, load_config(), **{"progress": False, name: "no"})
    assert str(e.value) == f"run_video: {name} must be True or False, got 'no'"
    assert not out.exists()


@pytest.mark.parametrize("spec", ["out.mp4", "frames/"])
def test_a_file_sink_written_unopened_or_closed_says_which_and_what_to_do(tmp_path, spec):
    """sink = open_sink('out.mp4', info); sink.write(frame) -- the sink just opened, by its
    name -- said only "out.mp4: not open", as it did once the sink was closed: before ``with``
    the error says to write within ``with open_sink(...) as sink:``, after close that the sink
    is closed and another is opened for another output."""
    from livecut.errors import VideoWriteError
    from livecut.sinks import SinkInfo, open_sink

    img = np.full((48, 64, 3), 100, np.uint8)
    path = f"{tmp_path}/{spec}"
    sink = open_sink(path, SinkInfo(width=64, height=48, fps=25.0))
    with pytest.raises(VideoWriteError) as e:
        sink.write(img)
    assert str(e.value) == (f"{path.rstrip('/')}: not open yet: open_sink gives the sink unopened; write its "
                            "frames within `with open_sink(...) as sink:`, which opens the file and finishes it")
    with sink:
        sink.write(img)
    with pytest.raises(VideoWriteError) as e:
        sink.write(img)
    assert str(e.value) == (f"{path.rstrip('/')}: closed already; a file sink writes one output: "
                            "open another (livecut.sinks.open_sink)")


def test_run_video_refuses_a_clock_that_is_no_stage_clock_before_it_runs(small_clip, tmp_path):
    """run_video(..., clock=5) opened the source and the output, then failed as "reader stage
    failed: AttributeError: 'int' object has no attribute 'now'", Python's words; it is a
    ConfigTypeError saying what to give, before anything is opened; a StageClock runs."""
    from livecut.errors import ConfigTypeError
    from livecut.runner import run_video
    from livecut.stageclock import StageClock

    out = tmp_path / "out.mp4"
    with pytest.raises(ConfigTypeError) as e:
        run_video(small_clip, out, load_config(), progress=False, clock=5)
    assert str(e.value) == "run_video: clock must be a livecut.stageclock.StageClock or None, got int"
    assert not out.exists()
    clock = StageClock()
    assert run_video(small_clip, out, load_config(), progress=False, clock=clock).written == 4
    assert clock.ms_per_frame(4)


def test_run_video_never_writes_an_extra_file_output_over_its_input(small_clip, tmp_path):
    """run_video(src, out, cfg, force=True, extra_sinks=[('file', {'spec': src, 'force': True})])
    -- a second output file, named as the input by mistake -- wrote the cut over the input,
    which was lost (the output is refused there: "is an input"); the extra one is refused as
    the output is, the input left as it was, nothing else written."""
    import shutil

    from livecut.errors import OutputExistsError
    from livecut.runner import run_video

    src = tmp_path / "in.mp4"
    shutil.copyfile(small_clip, src)
    before = src.read_bytes()
    out = tmp_path / "out.mp4"
    with pytest.raises(OutputExistsError, match="is an input; refusing to write over it"):
        run_video(src, out, load_config(), progress=False, force=True,
                  extra_sinks=[("file", {"spec": str(src), "force": True})])
    assert src.read_bytes() == before
    assert not out.exists()


@pytest.mark.parametrize("extra", ["out.mp4", "./out.mp4", "other.mp4"])
def test_run_video_refuses_one_file_given_as_two_outputs(small_clip, tmp_path, extra):
    """run_video(src, 'out.mp4', cfg, extra_sinks=[('file', {'spec': 'out.mp4'})]) finished the
    output into out.mp4, then refused the other's file there, "exists (written by another run
    meanwhile?)": the run failed with out.mp4 left complete.  One file given as two outputs
    (the output and one of extra_sinks, or two of them) is a UsageError before anything is
    opened or written."""
    from livecut.errors import UsageError
    from livecut.runner import run_video

    out = tmp_path / "out.mp4"
    if extra == "other.mp4":  # (two of extra_sinks)
        sinks = [("file", {"spec": str(tmp_path / extra)}), ("file", {"spec": str(tmp_path / extra)})]
        said = str(tmp_path / extra)
    else:
        sinks = [("file", {"spec": f"{tmp_path}/{extra}"})]
        said = f"{tmp_path}/{extra}"
    with pytest.raises(UsageError) as e:
        run_video(small_clip, out, load_config(), progress=False, extra_sinks=sinks)
    assert str(e.value) == (f"run_video: {said}: given as two outputs (output, extra_sinks), which would write "
                            "one file: give each output a file of its own")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


class _Managed:
    """A context manager that holds nothing, not live: the registered sources and sinks of the
    tests below (a subclass gives read() or write(), and info)."""
    live = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def close(self):
        pass


@contextlib.contextmanager
def _registered_source(name, factory):
    """``factory`` registered as the source ``name`` while the block runs; the spec it opens."""
    from livecut.sources import _SOURCES, register_source

    register_source(name, lambda spec: spec.startswith(f"{name}:"))(factory)
    try:
        yield f"{name}:x"
    finally:
        del _SOURCES[name]


def test_a_registered_source_whose_read_gives_no_frame_is_said_so(tmp_path):
    """A source registered with register_source whose read() gave the picture itself (an
    ndarray, not a Frame) failed as "processing stage failed: AttributeError: 'numpy.ndarray'
    object has no attribute 'pts'", Python's words, the source not named: the error names the
    source and what its read() is to give; no output is left."""
    from livecut.errors import UsageError
    from livecut.runner import run_video
    from livecut.sources.base import SourceInfo

    class Pictures(_Managed):
        info = SourceInfo(width=64, height=48, fps=10.0)

        def read(self):
            return np.full((48, 64, 3), 100, np.uint8)

    with _registered_source("pictures-test", lambda spec, cfg, **o: Pictures()) as spec:
        out = tmp_path / "out.mp4"
        with pytest.raises(UsageError) as e:
            run_video(spec, out, load_config(), progress=False)
        assert str(e.value) == ("source Pictures: read() returned ndarray; expected a livecut.sources.base.Frame "
                                "(Frame(image=..., index=..., pts=...)), or None at the end")
        assert not out.exists()


@pytest.mark.parametrize("pts", ["0", float("nan")])
def test_a_registered_source_whose_frame_has_no_time_in_seconds_is_said_so(tmp_path, pts):
    """A registered source's Frame with pts='0' (or NaN) failed run_video as "MaskSmoother.at
    '0': expected a frame's time in seconds or None", a call the caller never made; the error
    names the source and what its frames' pts is to be."""
    from livecut.errors import UsageError
    from livecut.runner import run_video
    from livecut.sources.base import Frame, SourceInfo

    class Timed(_Managed):
        info = SourceInfo(width=64, height=48, fps=10.0)

        def read(self):
            return Frame(image=np.full((48, 64, 3), 100, np.uint8), index=0, pts=pts)

    with _registered_source("timed-test", lambda spec, cfg, **o: Timed()) as spec:
        out = tmp_path / "out.mp4"
        with pytest.raises(UsageError) as e:
            run_video(spec, out, load_config(), progress=False)
        assert str(e.value) == (f"source Timed: read() gave a Frame with pts {pts!r}; expected its time in seconds "
                                "(a finite number) or None")
        assert not out.exists()


@pytest.mark.parametrize("made, lacks", [
    (None, "returned NoneType, which has no read, __enter__, __exit__"),
    ("dict info", "returned Made, which has an info of dict, no SourceInfo"),
])
def test_a_registered_source_factory_that_makes_no_source_is_said_so(tmp_path, made, lacks):
    """A factory registered with register_source that returned None, or an object without its
    info (or with a dict for it), failed run_video as Python's "'NoneType' object does not
    support the context manager protocol", "'Made' object has no attribute 'info'", "'dict'
    object has no attribute 'width'", the source not named: open_source says which kind's
    factory gave what, and what a source has."""
    from livecut.errors import ConfigTypeError
    from livecut.runner import run_video
    from livecut.sources import open_source

    closed = []

    class Made(_Managed):
        def read(self):
            return None

        def close(self):  # (a refused source was left open: a file or a camera held till collected)
            closed.append(True)

    def factory(spec, cfg, **options):
        if made is None:
            return None
        m = Made()
        if made == "dict info":
            m.info = {"width": 64, "height": 48, "fps": 10.0}
        return m

    with _registered_source("made-test", factory):
        said = (f"open_source: the 'made-test' source's factory {lacks}; a source has read(), "
                "__enter__/__exit__ and info (a livecut.sources.SourceInfo)")
        with pytest.raises(ConfigTypeError) as e:
            open_source("made-test:x")
        assert str(e.value) == said
        out = tmp_path / "out.mp4"
        with pytest.raises(ConfigTypeError) as e:
            run_video("made-test:x", out, load_config(), progress=False)
        assert str(e.value) == said
        assert not out.exists()
        assert len(closed) == (0 if made is None else 2)


def test_a_registered_source_that_sets_its_info_as_it_is_entered_is_read(tmp_path):
    """A registered source that opens (and sets its info) in __enter__ -- as a context manager
    may -- was refused by open_source, "the 'entered-test' source's factory returned Lazy, which
    has no info", though run_video reads the info of the source entered; it is read.  One that
    has none once entered is said so, by run_video, the source closed."""
    import numpy as np

    from livecut.errors import ConfigTypeError
    from livecut.runner import run_video
    from livecut.sources import Frame, SourceInfo, open_source

    closed = []

    class Lazy(_Managed):
        def __init__(self, sets_info):
            self.sets_info, self.n = sets_info, 0

        def __enter__(self):
            if self.sets_info:
                self.info = SourceInfo(width=64, height=48, fps=10.0)
            return self

        def __exit__(self, *exc):
            closed.append(True)

        def read(self):
            self.n += 1
            if self.n > 3:
                return None
            return Frame(image=np.full((48, 64, 3), 40 * self.n, np.uint8), index=self.n - 1, pts=None)

    with _registered_source("entered-test", lambda spec, cfg, **o: Lazy(spec.endswith("info"))):
        assert isinstance(open_source("entered-test:info"), Lazy)
        out = tmp_path / "out.mp4"
        stats = run_video("entered-test:info", out, load_config(), progress=False)
        assert stats.written == 3 and out.exists()
        with pytest.raises(ConfigTypeError) as e:
            run_video("entered-test:none", tmp_path / "o2.mp4", load_config(), progress=False)
        assert str(e.value) == ("run_video: the 'entered-test' source, Lazy, has no info once entered; a source has "
                                "read(), __enter__/__exit__ and info (a livecut.sources.SourceInfo)")
        assert not (tmp_path / "o2.mp4").exists() and len(closed) == 2


@pytest.mark.parametrize("made, lacks", [
    (None, "returned NoneType, which has no write, __enter__, __exit__"),
    ("no write", "returned Made, which has no write"),
])
def test_a_registered_sink_factory_that_makes_no_sink_is_said_so(small_clip, tmp_path, made, lacks):
    """A factory registered with register_sink that returned None, or an object without
    write(), failed run_video as Python's "'NoneType' object does not support the context
    manager protocol", or "writer stage failed: AttributeError: 'Made' object has no attribute
    'write'" once the video was read, the sink not named: open_sink says which kind's factory
    gave what, and what a sink has."""
    from livecut.errors import ConfigTypeError
    from livecut.runner import run_video
    from livecut.sinks import SinkInfo, _SINKS, open_sink, register_sink

    closed = []

    class Made(_Managed):
        def close(self):  # (a refused sink was left open: its file held till collected)
            closed.append(True)

    register_sink("made-test", lambda spec: spec.startswith("made-test:"))(
        lambda spec, info, cfg, **options: None if made is None else Made())
    try:
        said = (f"open_sink: the 'made-test' sink's factory {lacks}; a sink has write(image, pts=None) and "
                "__enter__/__exit__")
        with pytest.raises(ConfigTypeError) as e:
            open_sink("made-test:x", SinkInfo(width=64, height=48, fps=10.0))
        assert str(e.value) == said
        with pytest.raises(ConfigTypeError) as e:
            run_video(small_clip, "made-test:x", load_config(), progress=False)
        assert str(e.value) == said
        assert len(closed) == (0 if made is None else 2)
    finally:
        del _SINKS["made-test"]


# ---------------------------------------------------------------- sources given to another process

def test_an_open_source_given_to_another_process_says_to_give_its_path(small_clip):
    """pickle.dumps(open_source(path)) -- a process pool or joblib given the source -- and
    copy.copy of one raised a bare TypeError from deep inside ("cannot pickle '_thread.RLock'
    object"); Segmenters and Compositors pickle as their settings, an open source cannot: a
    ConfigTypeError (a TypeError too) that names it and says to give its path, URL or index
    instead, a URL's password hidden."""
    import copy
    import pickle

    from livecut.errors import ConfigTypeError
    from livecut.sources import open_source
    from livecut.sources.camera import CameraSource
    from livecut.sources.stream import StreamSource

    tail = (": an open source cannot be pickled or copied (for another process: a process pool, joblib): give "
            "the other process {} and open it there (livecut.sources.open_source)")
    src = open_source(small_clip)
    for entered in (False, True):
        with contextlib.ExitStack() as stack:
            if entered:
                stack.enter_context(src)
            for how in (pickle.dumps, copy.copy, copy.deepcopy):
                with pytest.raises(ConfigTypeError) as e:
                    how(src)
                assert str(e.value) == f"{small_clip}" + tail.format("its path")
                assert isinstance(e.value, TypeError)
    stream = StreamSource("rtsp://user:secret@127.0.0.1:9/live")
    with pytest.raises(ConfigTypeError) as e:
        pickle.dumps(stream)
    assert str(e.value) == "rtsp://***@127.0.0.1:9/live" + tail.format("its URL")
    camera = CameraSource.__new__(CameraSource)  # (no camera here: one opened, as its fields are)
    camera.index = 0
    camera._init_reading()
    with pytest.raises(ConfigTypeError) as e:
        pickle.dumps(camera)
    assert str(e.value) == "camera 0" + tail.format("its index")


def test_preview_options_without_a_preview_are_refused(small_clip, tmp_path):
    """run_video(..., preview=False, preview_options={'imshow': show}) wrote the output and never
    showed a frame, the options ignored without a word (a misspelt one too): a UsageError, before
    anything is opened; with preview=True (or a live source with no output, which is previewed)
    they are the window's."""
    from livecut.errors import UsageError
    from livecut.runner import run_video

    shown = []
    window = {"imshow": lambda name, img: shown.append(1), "waitkey": lambda ms: -1, "destroy": lambda: None}
    out = tmp_path / "out.mp4"
    for options in (window, {"imshwo": print}):
        with pytest.raises(UsageError) as e:
            run_video(small_clip, out, None, progress=False, preview_options=options)
        assert str(e.value) == (f"run_video: preview_options ({', '.join(options)}) are the preview window's: give "
                                "preview=True with them, or leave them out")
        assert not out.exists()
    assert run_video(small_clip, out, None, progress=False, preview_options={}).written == 4
    assert run_video(small_clip, out, None, progress=False, force=True, preview=True,
                     preview_options=window).written == 4
    assert len(shown) == 4


@pytest.mark.parametrize("key, said", [
    ("controls", "preview_options controls: run_video gives the window its own (the run's keyboard controls); "
                 "leave it out"),
    ("stats", "preview_options stats: run_video gives the window its own (the run's Stats); leave it out"),
    ("others", "preview_options others: run_video gives the window its own (whether the run writes elsewhere); "
               "leave it out"),
    ("kind", "preview_options: unknown option kind (known: destroy, imshow, overlay, screen, snapshot_dir, visible, "
             "waitkey)"),
])
def test_preview_options_run_video_gives_itself_are_said_so(small_clip, tmp_path, key, said):
    """run_video(..., preview=True, preview_options={'controls': ...}) -- a key run_video gives the
    window itself, or one of open_sink's own arguments (kind) -- was a bare TypeError once the
    source was open, "open_sink() got multiple values for keyword argument 'controls'": a
    ConfigTypeError that says so, before anything is opened."""
    from livecut.errors import ConfigTypeError
    from livecut.runner import run_video

    window = {"imshow": lambda name, img: None, "waitkey": lambda ms: -1, "destroy": lambda: None}
    with pytest.raises(ConfigTypeError) as e:
        run_video(small_clip, tmp_path / "out.mp4", None, progress=False, preview=True,
                  preview_options={**window, key: None})
    assert str(e.value) == "run_video: " + said
    assert not (tmp_path / "out.mp4").exists()


# ---------------------------------------------------------------- bits=

_I420_BITS = ("Segmenter.begin: bits={} with i420=True: bits is for a BGR frame in uint16 (10- or 12-bit video); "
              "an I420 frame is uint8 (8-bit yuv420p): give a 10- or 12-bit frame as BGR, without i420")


@pytest.mark.parametrize("bits, error, said", [
    (10, "ConfigError", _I420_BITS.format(10)),
    (12, "ConfigError", _I420_BITS.format(12)),
    (99, "ConfigError", "bits 99: expected 8 to 16 (16 for uint16 0-65535, 10 or 12 for 10- or 12-bit video)"),
    ("10", "ConfigTypeError", "bits '10': expected a whole number of bits, 8 to 16 (16 for uint16 0-65535, 10 or "
                              "12 for 10- or 12-bit video)"),
])
def test_begin_with_i420_refuses_bits_it_cannot_read(scene, bits, error, said):
    """seg.begin(i420_frame, out, i420=True, bits=10) -- a 10-bit video's frame given as I420 --
    took the bits without a word (99 or '10' too) and read the uint8 planes as they are: bits is
    for a BGR frame in uint16, and an I420 frame is 8-bit; a ConfigError says so (bits that are no
    bit depth as mask says them), and the frame is not begun."""
    from livecut import errors

    img, _ = scene
    h, w = img.shape[:2]
    i420 = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)
    seg = Segmenter(load_config(None, []))
    out = np.empty((h, w), np.uint8)
    with pytest.raises(getattr(errors, error)) as e:
        seg.begin(i420, out, i420=True, bits=bits)
    assert str(e.value) == said
    assert not seg._slots
    want = Segmenter(load_config(None, [])).mask_i420(i420).copy()
    assert np.array_equal(seg.end(seg.begin(i420, out, i420=True)), want)  # (bits=16, the default: as before)


def test_begin_with_i420_takes_bits_8_the_depth_its_frames_have(scene):
    """seg.begin(i420_frame, out, i420=True, bits=8) -- an I420 frame said to be what it is, 8-bit --
    was refused as bits=10 is ('an I420 frame is uint8 (8-bit yuv420p)'): it is taken, the same mask
    as the default."""
    img, _ = scene
    h, w = img.shape[:2]
    i420 = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)
    want = Segmenter(load_config(None, [])).mask_i420(i420).copy()
    seg = Segmenter(load_config(None, []))
    out = np.empty((h, w), np.uint8)
    assert np.array_equal(seg.end(seg.begin(i420, out, i420=True, bits=8)), want)


@pytest.mark.parametrize("flag", ["no", "yes", None, 2])
def test_begin_refuses_an_i420_that_is_no_flag(scene, flag):
    """seg.begin(frame, out, i420='no') took 'no' for True (it is truthy): a BGR frame was read
    as I420 planes; a ConfigTypeError names the flag as Segmenter(still='no') is, and nothing is begun."""
    from livecut.errors import ConfigTypeError

    img, _ = scene
    h, w = img.shape[:2]
    seg = Segmenter(load_config(None, []))
    out = np.empty((h, w), np.uint8)
    with pytest.raises(ConfigTypeError) as e:
        seg.begin(img, out, i420=flag)
    assert str(e.value) == f"Segmenter.begin: i420 must be True or False, got {flag!r}"
    assert not seg._slots
    want = Segmenter(load_config(None, [])).mask(img).copy()
    assert np.array_equal(seg.end(seg.begin(img, out, i420=0)), want)  # (0, a flag: as before)
