"""Decoded video frames as BGR: each kind of video (BT.601 or BT.709, limited or full range,
odd size) gives the colours its planes hold, with no bias, from a file and from a stream.
swscale's default conversion (PyAV's) was 0.3-0.7 of a level dark on average for those,
up to 2.6 levels on flat colour.

The reference is worked out here from the decoded planes, with the matrix and range the
clip was written with; it is compared where the chroma is flat (the same whichever way it is
upsampled), on a picture of every luma level and many colours."""

from __future__ import annotations

import numpy as np
import pytest

from livecut.config import VideoConfig

#: Kr, Kb
KRB = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722)}
#: FFmpeg's codes of the matrices (AVCOL_SPC_*); YCgCo has no Kr, Kb (see _reference)
SPACE = {"bt601": 6, "bt709": 1, "ycgco": 8}
BLOCK = 16  # pixels of one colour (8 x 8 chroma samples)


#: chroma subsampling (rows, columns) of the pixel formats
SUB = {"yuv420p": (2, 2), "yuvj420p": (2, 2), "yuv422p": (1, 2), "yuv444p": (1, 1), "yuva420p": (2, 2),
       "yuva422p": (1, 2)}


def _planes(w: int, h: int, full: bool, sub: tuple[int, int] = (2, 2)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y: a ramp through every level of the range; U and V: one pair of values a block,
    spread over the range (limited: 16-235 and 16-240, full: 0-255)."""
    lo, hi, chi = (0, 255, 255) if full else (16, 235, 240)
    y = np.linspace(lo, hi, h * w).reshape(h, w)
    ch, cw = -(-h // sub[0]), -(-w // sub[1])
    rng = np.random.default_rng(7)
    n = BLOCK // 2
    blocks = rng.integers(lo + 20, chi - 20, (2, -(-ch // n), -(-cw // n)))
    u, v = (np.repeat(np.repeat(b, n, 0), n, 1)[:ch, :cw] for b in blocks)
    return tuple(np.round(a).astype(np.uint8) for a in (y, u, v))


def _write(path, w: int, h: int, matrix: str, full: bool, codec: str = "ffv1", fmt: str = "yuv420p") -> None:
    import av

    fmt = "yuvj420p" if codec == "libx264" and full else fmt
    y, u, v = _planes(w, h, full, SUB[fmt])
    a = _alpha(w, h)
    with av.open(str(path), "w") as out:
        s = out.add_stream(codec, rate=25)
        s.width, s.height, s.pix_fmt = w, h, fmt
        s.codec_context.colorspace = SPACE[matrix] if matrix != "bt601" else 2  # (BT.601: unsaid)
        s.codec_context.color_range = 2 if full else 1
        if codec == "libx264":
            s.options = {"qp": "0", "preset": "ultrafast"}
        for i in range(3):
            f = av.VideoFrame(w, h, fmt)
            for plane, data in zip(f.planes, (y, u, v, a)):  # (an alpha plane: yuva)
                rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
                rows[:data.shape[0], :data.shape[1]] = data
            f.pts = i
            for p in s.encode(f):
                out.mux(p)
        for p in s.encode(None):
            out.mux(p)


def _alpha(w: int, h: int) -> np.ndarray:
    """An alpha plane of every level."""
    return (np.arange(h * w) % 256).astype(np.uint8).reshape(h, w)


def _reference(frame, matrix: str, full: bool) -> tuple[np.ndarray, np.ndarray]:
    """The exact BGR (float) of a decoded frame's planes, and where its chroma is flat."""
    h, w = frame.height, frame.width
    sy, sx = SUB[frame.format.name]
    ch, cw = -(-h // sy), -(-w // sx)
    y, u, v = (np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:ph, :pw].astype(float)
               for p, (ph, pw) in zip(frame.planes, ((h, w), (ch, cw), (ch, cw))))
    flat = np.ones((ch, cw), bool)
    for c in (u, v):
        e = np.pad(c, 1, mode="edge")
        for dy in (0, 1, 2):
            for dx in (0, 1, 2):
                flat &= e[dy:dy + ch, dx:dx + cw] == c
    u, v, flat = (np.repeat(np.repeat(a, sy, 0), sx, 1)[:h, :w] for a in (u, v, flat))
    if full:
        yy, cb, cr = y, u - 128, v - 128
    else:
        yy, cb, cr = (y - 16) * 255 / 219, (u - 128) * 255 / 224, (v - 128) * 255 / 224
    if matrix == "ycgco":  # (U: Cg, V: Co)
        return np.clip(np.dstack([yy - cb - cr, yy + cb, yy - cb + cr]), 0, 255), flat
    kr, kb = KRB[matrix]
    kg = 1 - kr - kb
    r = yy + 2 * (1 - kr) * cr
    b = yy + 2 * (1 - kb) * cb
    g = (yy - kr * r - kb * b) / kg
    return np.clip(np.dstack([b, g, r]), 0, 255), flat


def _read(path, how: str) -> list[np.ndarray]:
    import av

    from livecut.sources.file import FileSource
    from livecut.sources.stream import StreamSource

    if how == "file":
        src = FileSource(path, alpha=True)  # (BGRA where the video has an alpha)
    else:  # (a stream's frames, as a URL's: the file handed over by the opener)
        src = StreamSource("http://127.0.0.1:9/clip.mkv", VideoConfig(),
                           opener=lambda url, **kw: av.open(str(path)))
    with src:
        return [f.image for f in iter(src.read, None)]


def _check(path, matrix: str, full: bool) -> None:
    import av

    with av.open(str(path)) as c:
        frame = next(c.decode(video=0))
        assert (frame.color_range == 2) == full
    want, flat = _reference(frame, matrix, full)
    assert flat.mean() > 0.5
    alpha = frame.format.name.startswith("yuva")
    for how in ("file",) if alpha else ("file", "stream"):
        got = _read(path, how)
        if alpha:  # (BGRA: its alpha as stored)
            assert got[0].shape == (*want.shape[:2], 4)
            assert np.array_equal(got[0][..., 3], _alpha(frame.width, frame.height))
            got = [g[..., :3] for g in got]
        assert len(got) == 3 and got[0].shape == want.shape
        err = got[0].astype(float)[flat] - want[flat]
        bias = err.mean(axis=0)
        # (rounding to whole levels: within half a level, no bias; swscale's default was
        # 0.3-0.7 dark on average, up to 2.6 levels off)
        assert np.abs(bias).max() < 0.15, (how, bias)
        assert np.abs(err).mean() < 0.3 and np.abs(err).max() <= 1.0, (how, np.abs(err).mean(), np.abs(err).max())


def test_bt601_limited_range_video_reads_without_bias(tmp_path):
    path = tmp_path / "bt601.mkv"
    _write(path, 320, 180, "bt601", full=False)
    _check(path, "bt601", False)


def test_bt709_video_reads_without_bias(tmp_path):
    path = tmp_path / "bt709.mkv"
    _write(path, 320, 180, "bt709", full=False)
    _check(path, "bt709", False)


@pytest.mark.parametrize("codec,matrix", [("libx264", "bt601"), ("ffv1", "bt709")])
def test_full_range_video_reads_without_bias(tmp_path, codec, matrix):
    # (yuvj420p from H.264, as phones and MJPEG cameras give it; yuv420p that says full range)
    path = tmp_path / f"full-{matrix}.mkv"
    _write(path, 320, 180, matrix, full=True, codec=codec)
    _check(path, matrix, True)


@pytest.mark.parametrize("w,h,matrix", [(321, 180, "bt601"), (320, 181, "bt709")])
def test_odd_sized_video_reads_without_bias(tmp_path, w, h, matrix):
    path = tmp_path / f"odd-{w}x{h}.mkv"
    _write(path, w, h, matrix, full=False)
    _check(path, matrix, False)


@pytest.mark.parametrize("fmt,matrix,full", [("yuv422p", "bt709", False), ("yuv444p", "bt601", False),
                                             ("yuv422p", "bt601", True)])
def test_422_and_444_video_reads_without_bias(tmp_path, fmt, matrix, full):
    # (ProRes 422 / 4444, DNxHR, H.264 4:2:2 and 4:4:4: swscale's default conversion was
    # 0.5-0.8 of a level dark)
    path = tmp_path / f"{fmt}-{matrix}.mkv"
    _write(path, 320, 180, matrix, full=full, fmt=fmt)
    _check(path, matrix, full)


@pytest.mark.parametrize("fmt,full", [("yuv420p", False), ("yuv420p", True), ("yuv422p", False)])
def test_ycgco_video_reads_with_its_matrix(tmp_path, fmt, full):
    # (swscale refuses a frame that says YCgCo: every frame raised OSError 'Operation not
    # supported', `livecut file` ended with 'reader stage failed')
    path = tmp_path / f"ycgco-{fmt}.mkv"
    _write(path, 320, 180, "ycgco", full=full, fmt=fmt)
    _check(path, "ycgco", full)


@pytest.mark.parametrize("space", [10, 3, 11, 14])
def test_matrices_swscale_refuses_are_read(tmp_path, space):
    # BT.2020 constant luminance (10) as its non-constant form (the same coefficients);
    # reserved, SMPTE 2085, ICtCp as BT.601: each frame raised OSError before, in every
    # pixel format (4:2:0, 10-bit, 4:2:2 and the ones swscale converts to BGR)
    import av

    from livecut.i420 import BgrReader

    w, h = 33, 17
    y, u, v = _planes(w, h, False)
    f = av.VideoFrame(w, h, "yuv420p")
    for plane, data in zip(f.planes, (y, u, v)):
        np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:data.shape[0], :data.shape[1]] = data
    same = 9 if space == 10 else 6
    reader = BgrReader()
    for fmt in ("yuv420p", "yuv420p10le", "yuv422p", "nv12"):
        f.colorspace = 2  # (a yuv420p "conversion" is the frame itself)
        g = f.reformat(format=fmt)
        g.colorspace = same
        want = reader(g)
        g.colorspace = space
        got = reader(g)
        assert got.shape == (h, w, 3)
        assert np.array_equal(got, want), fmt


@pytest.mark.parametrize("fmt,matrix,full,w", [("yuva420p", "bt709", False, 320), ("yuva420p", "bt601", False, 321),
                                               ("yuva420p", "bt601", True, 320), ("yuva422p", "bt709", False, 320)])
def test_video_with_alpha_reads_without_bias(tmp_path, fmt, matrix, full, w):
    # (VP8/VP9 by libvpx, FFV1: BGRA frames; swscale's default conversion to BGRA was 1.15
    # levels dark on average for 4:2:0 and 4:2:2, up to 3 off)
    path = tmp_path / f"{fmt}-{matrix}.mkv"
    _write(path, w, 180, matrix, full=full, fmt=fmt)
    _check(path, matrix, full)


@pytest.mark.parametrize("w,h", [(1280, 720), (1000, 562)])
def test_bt601_frames_read_without_a_copy_of_the_frame(w, h):
    # limited-range BT.601 4:2:0 (the frames of most files): OpenCV's I420 conversion was given
    # f.to_ndarray(), a new I420 array each frame (half a BGR frame's bytes) besides the BGR it
    # returns; its planes go into a buffer kept for the size, and the BGR is the same
    import av
    import cv2

    from conftest import traced_peak
    from livecut.i420 import BgrReader

    y, u, v = _planes(w, h, False)
    f = av.VideoFrame(w, h, "yuv420p")
    for plane, data in zip(f.planes, (y, u, v)):
        np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:data.shape[0], :data.shape[1]] = data
    assert w != 1000 or f.planes[1].line_size != w // 2  # (line padding: read as it is)
    reader = BgrReader()
    want = cv2.cvtColor(f.to_ndarray(), cv2.COLOR_YUV2BGR_I420)
    assert np.array_equal(reader(f), want)
    got, peak = traced_peak(lambda: reader(f))
    assert np.array_equal(got, want)
    assert peak < h * w * 3 * 1.125, f"{peak / (h * w * 3):.2f} of a BGR frame made for one frame"
