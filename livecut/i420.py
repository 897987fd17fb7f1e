"""Planar YUV 4:2:0 (I420) buffers: one ``(H * 3 // 2, W)`` uint8 array holding the Y plane
(H x W), then U and V (H/2 x W/2 each), as ``VideoFrame.to_ndarray(format="yuv420p")`` and
OpenCV's ``COLOR_YUV2BGR_I420`` have it.  U and V do not split into whole rows of W when
H/2 is odd, so they are views of the flat buffer.  And decoded frames as BGR, with their
own matrix and range (:class:`BgrReader`)."""

from __future__ import annotations

import cv2
import numpy as np

#: FFmpeg's code of the BT.709 YUV matrix (AVCOL_SPC_BT709), as PyAV's frames and codec
#: contexts give and take it
BT709 = 1
#: FFmpeg's code of the BT.601 YUV matrix (AVCOL_SPC_SMPTE170M)
BT601 = 6
#: FFmpeg's code of "no matrix: RGB" (AVCOL_SPC_RGB, ffprobe's "gbr"), as an RGB video says it
RGB = 0
#: FFmpeg's code of "the matrix is not stated" (AVCOL_SPC_UNSPECIFIED), as a video that states
#: its primaries or transfer but no matrix says it (read as BT.601, as FFmpeg reads it)
UNSPECIFIED = 2
#: the matrices read as BT.601 (unspecified, BT.470BG, SMPTE 170M; 0 is RGB): any other
#: (BT.2020, as HDR video says) only swscale reads right
AS_BT601 = (0, 2, 5, 6)
#: FFmpeg's code of full-range YUV (AVCOL_RANGE_JPEG: 0-255; yuvj420p says it by its name)
FULL_RANGE = 2
#: FFmpeg's code of limited-range YUV (AVCOL_RANGE_MPEG: Y 16-235, U and V 16-240), as I420
#: frames are read
LIMITED_RANGE = 1
#: Kr and Kb of the YUV matrices :class:`BgrReader` converts itself, by FFmpeg's code
#: (BT.601 as :data:`AS_BT601`, BT.709, BT.2020 non-constant luminance)
KR_KB = {**{c: (0.299, 0.114) for c in AS_BT601}, BT709: (0.2126, 0.0722), 9: (0.2627, 0.0593)}
#: FFmpeg's code of the YCgCo matrix (AVCOL_SPC_YCGCO: U holds Cg, V Co), which
#: :class:`BgrReader` converts itself (swscale refuses it)
YCGCO = 8
#: the matrices :class:`BgrReader` converts itself
OWN_MATRICES = frozenset(KR_KB) | {YCGCO}
#: the YUV matrices swscale converts, by FFmpeg's code: it refuses a frame of any other
#: (reserved 3, YCgCo 8, BT.2020 constant luminance 10, SMPTE 2085, chroma-derived, ICtCp,
#: YCgCo-R ...) with "Operation not supported", in any conversion, one that applies no matrix
#: (4:2:2 to 4:4:4, 10 bits to 8) too
SWS_MATRICES = frozenset({0, 1, 2, 4, 5, 6, 7, 9})
#: high-bit-depth 4:2:0 pixel formats read as their 8-bit yuv420p conversion (see BgrReader)
HIGH_BIT_420 = frozenset({"yuv420p10le", "yuv420p10be", "yuv420p12le", "yuv420p12be"})
#: planar 4:2:2 YUV, 8 to 12 bits (ProRes 422, DNxHR, H.264 High 4:2:2), limited range: made
#: I420 as ``ffmpeg -pix_fmt yuv420p`` makes it (swscale, bicubic) for the YUV path
YUV_422 = frozenset(f"yuv422p{d}" for d in ("", "10le", "10be", "12le", "12be"))
#: planar 4:4:4 YUV, 8 to 12 bits (ProRes 4444 without alpha, DNxHR 444, H.264 High 4:4:4,
#: FFV1), limited range: made I420 as ``ffmpeg -pix_fmt yuv420p`` makes it (its scale filter,
#: bicubic) for the YUV path
YUV_444 = frozenset(f"yuv444p{d}" for d in ("", "10le", "10be", "12le", "12be"))
#: planar YUV with more chroma than 4:2:0 (ProRes 422/4444, DNxHR, H.264 High 4:2:2 and
#: 4:4:4, FFV1), 8 to 12 bits: read as their 8-bit 4:4:4 (see BgrReader)
YUV_422_444 = frozenset(f"yuv{s}p{d}" for s in ("422", "444", "440") for d in ("", "10le", "10be", "12le", "12be")
                        ) | {"yuvj422p", "yuvj444p", "yuvj440p"}
#: those of 10 and 12 bits, brought to 8 with FFmpeg's dither (see BgrReader.undithered)
HIGH_BIT_422_444 = frozenset(n for n in YUV_422_444 if n[-4:-2] in ("10", "12"))


def read_description(info, described) -> None:
    """Set ``info.matrix`` and ``info.color_tags`` (a SourceInfo) from what a PyAV frame or
    codec context ``described`` says: "bt709" with its primaries and transfer (those it
    states) when it says BT.709; else the matrix is left as it is (BT.601, as FFmpeg assumes:
    the frames of another matrix, BT.2020, are read by swscale and written as BT.601) and
    the primaries and transfer it states are kept (HDR video: BT.2020, PQ or HLG); a matrix
    it states (BT.601, as an MJPEG's JPEG frames say; BT.2020, written as BT.601) is said as
    BT.601 (``colorspace`` in the tags): an output that said nothing was taken for BT.709 by
    players when HD; so is an RGB video's (its output's YUV is made with BT.601). A video
    that states its primaries or transfer but no matrix is said to state none
    (:data:`UNSPECIFIED`), as one that states nothing is: its output said BT.601, which a
    player that took the video for BT.709 (HD) showed in other colours than the video."""
    tags = {k: v for k in ("color_primaries", "color_trc")
            if (v := int(getattr(described, k, 0) or 0)) not in (0, 2)}
    space = int(getattr(described, "colorspace", 0) or 0)
    if space == BT709:
        info.matrix = "bt709"
        info.color_tags = tags
    elif space not in (0, 2):  # (stated: BT.470BG and SMPTE 170M as they are, another as BT.601)
        info.color_tags = {**tags, "colorspace": space if space in AS_BT601 else BT601}
    elif _rgb_format(described):
        # an RGB video (a screen recording, PNG or QTRLE in .mov, x264's RGB): its output's YUV
        # is livecut's own, made with BT.601 -- said, or HD players took it for BT.709
        info.color_tags = {**tags, "colorspace": BT601}
    elif tags:
        info.color_tags = {**tags, "colorspace": UNSPECIFIED}


def _rgb_format(described) -> bool:
    """Whether a PyAV frame or codec context ``described`` holds RGB pixels (rgb24, bgr0, gbrp,
    rgba64le, a palette's ...), not YUV or gray."""
    fmt = getattr(getattr(described, "format", None), "name", None) or getattr(described, "pix_fmt", None) or ""
    return rgb_pix_fmt(str(fmt))


def rgb_pix_fmt(name: str) -> bool:
    """Whether the pixel format ``name`` holds RGB pixels (rgb24, argb, gbrp, pal8 ...)."""
    return name.startswith(("rgb", "bgr", "gbr", "argb", "abgr", "0rgb", "0bgr", "x2rgb", "x2bgr", "pal8"))


def describe_bt709(target, tags: dict, matrix: str = "bt709") -> None:
    """Say BT.709 (or ``matrix`` "bt601", or "rgb": an RGB output, no YUV matrix, as
    ``ffmpeg -c:v qtrle`` says it) on a PyAV codec context or frame (``colorspace``), with the
    source's primaries and transfer (``tags``) where this PyAV can set them."""
    if matrix == "rgb":  # (a YUV matrix in the tags is the source's: not this RGB's)
        tags = {k: v for k, v in tags.items() if k != "colorspace"}
    space = {"bt709": BT709, "rgb": RGB}.get(matrix, BT601)
    for k, v in {"colorspace": space, **tags}.items():
        try:
            setattr(target, k, v)
        except (AttributeError, TypeError, ValueError):
            pass


def planes(buf: np.ndarray, h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Y, U, V) views of a contiguous I420 buffer of an ``h`` x ``w`` frame (even sides)."""
    flat = buf.reshape(-1)
    n, c = h * w, (h // 2) * (w // 2)
    return (flat[:n].reshape(h, w), flat[n:n + c].reshape(h // 2, w // 2),
            flat[n + c:n + 2 * c].reshape(h // 2, w // 2))


def has_alpha_plane(fmt) -> bool:
    """Whether a PyAV ``VideoFormat`` has an alpha component (yuva420p, rgba, argb ...)."""
    return any(c.is_alpha for c in fmt.components)


def has_alpha(frame) -> bool:
    """Whether a PyAV ``VideoFrame`` has an alpha of its own: a component of its format (see
    :func:`has_alpha_plane`), or a palette (pal8: a palette PNG's tRNS in a .mov) of which it
    shows a colour that is not opaque (its alpha was not read: the colours under it were judged
    and kept; a palette's unused colours may be 0, alpha too, in an opaque video)."""
    if has_alpha_plane(frame.format):
        return True
    return frame.format.name == "pal8" and int(frame.to_ndarray(format="bgra")[..., 3].min()) < 255


def frame_planes(frame, h: int, w: int) -> tuple[np.ndarray, ...]:
    """(Y, U, V) views of a PyAV yuv420p (or yuvj420p) ``VideoFrame``'s planes, line padding
    skipped (writable where the frame is); an odd side's chroma has the half rounded up."""
    ch, cw = (h + 1) // 2, (w + 1) // 2  # (an odd side's last chroma sample covers one pixel)
    return tuple(_plane(p, ph, pw) for p, (ph, pw) in zip(frame.planes, ((h, w), (ch, cw), (ch, cw))))


def _plane(plane, h: int, w: int) -> np.ndarray:
    """An h x w view of a PyAV 8-bit plane, line padding skipped."""
    ls = plane.line_size
    return np.lib.stride_tricks.as_strided(np.frombuffer(plane, np.uint8, count=ls * (h - 1) + w), (h, w), (ls, 1))


def undithered_planes(f, dst: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Y, U, V) of a 10- or 12-bit planar YUV PyAV frame ``f`` (:data:`HIGH_BIT_420`,
    :data:`HIGH_BIT_422_444`) brought to 8 bits by a rounded shift (its value / 4 or / 16,
    rounded, 255 at most), no dither; into ``dst`` (a contiguous I420 buffer of the frame's even
    sides: 4:2:2 and 4:4:4 chroma averaged to 4:2:0) when given, else new arrays of its own sizes.
    (The planes :meth:`BgrReader.undithered` and the engine's I420 take.)"""
    h, w = f.height, f.width
    name = f.format.name
    ch = h if name.startswith(("yuv422", "yuv444")) else (h + 1) // 2
    cw = w if name.startswith(("yuv444", "yuv440")) else (w + 1) // 2
    if dst is not None and (ch, cw) != ((h + 1) // 2, (w + 1) // 2):  # (4:2:2, 4:4:4 into I420)
        y, u, v = planes(dst, h, w)
        _shifted(f.planes[0], name, h, w, y)
        for p, out in zip(f.planes[1:3], (u, v)):
            a = _plane16(p, name, ch, cw)
            if cw == w:  # (4:4:4: each 2 x 2 averaged)
                cv2.convertScaleAbs(cv2.resize(a, (w // 2, h // 2), interpolation=cv2.INTER_AREA), out,
                                   alpha=_scale(name))
            else:  # (4:2:2: each pair of rows summed, halved with the shift)
                cv2.convertScaleAbs(cv2.add(a[0::2], a[1::2]), out, alpha=_scale(name) / 2)
        return y, u, v
    outs = planes(dst, h, w) if dst is not None else (None, None, None)
    return tuple(_shifted(p, name, ph, pw, out)
                 for p, (ph, pw), out in zip(f.planes, ((h, w), (ch, cw), (ch, cw)), outs))


def undithered_frame(f):
    """The 8-bit twin of a 10- or 12-bit planar YUV PyAV frame ``f`` (:data:`HIGH_BIT_420`,
    :data:`HIGH_BIT_422_444`): a new PyAV frame of its 8-bit format (yuv420p, yuv422p ...),
    its planes those of :func:`undithered_planes` (no dither), its matrix and range said as
    ``f`` says them; None for any other frame.  Converted (scaled, made limited range, read with
    another matrix) as an 8-bit frame is, it is what the engine judges where ``f`` is converted
    so: swscale dithers any frame of more than 8 bits it brings to 8."""
    name = f.format.name
    if name not in HIGH_BIT_420 and name not in HIGH_BIT_422_444:
        return None
    import av

    g = av.VideoFrame(f.width, f.height, name[:7])
    for p, a in zip(g.planes, undithered_planes(f)):
        _plane(p, *a.shape)[...] = a
    for k in ("colorspace", "color_range"):
        try:
            setattr(g, k, getattr(f, k))
        except (AttributeError, TypeError, ValueError):
            pass
    return g


def _shifted(plane, name: str, h: int, w: int, out: np.ndarray | None = None) -> np.ndarray:
    """An h x w PyAV plane of 10 or 12 bits (pixel format ``name``) brought to 8 bits by a
    rounded shift, into ``out`` when given (see :func:`undithered_planes`)."""
    if out is None:
        out = np.empty((h, w), np.uint8)
    return cv2.convertScaleAbs(_plane16(plane, name, h, w), out, alpha=_scale(name))


def _scale(name: str) -> float:
    """What a 10- or 12-bit pixel format's values are multiplied by to be 8-bit."""
    return 1 / 4 if "p10" in name else 1 / 16


def _plane16(plane, name: str, h: int, w: int) -> np.ndarray:
    """An h x w uint16 view of a PyAV 10- or 12-bit plane (a copy where big-endian: OpenCV
    reads the machine's byte order only), line padding skipped."""
    dtype = np.dtype(">u2" if name.endswith("be") else "<u2")
    ls = plane.line_size
    a = np.lib.stride_tricks.as_strided(np.frombuffer(plane, dtype, count=(ls * (h - 1)) // 2 + w), (h, w), (ls, 2))
    return a if dtype.isnative else a.astype(np.uint16)


def yuv_to_bgr_matrix(kr: float, kb: float, full: bool) -> np.ndarray:
    """Y'CbCr -> BGR of the matrix of ``kr`` and ``kb`` (see :data:`KR_KB`), full range (0-255)
    or limited (Y 16-235, U and V 16-240), as a 3 x 4 float32 matrix for ``cv2.transform``
    (rows B, G, R; columns Y, U, V, offset)."""
    ys, cs, y0 = (1.0, 1.0, 0.0) if full else (255 / 219, 255 / 224, 16.0)
    kg = 1.0 - kr - kb
    m = np.array([[ys, 2 * (1 - kb) * cs, 0.0],
                  [ys, -2 * (1 - kb) * kb / kg * cs, -2 * (1 - kr) * kr / kg * cs],
                  [ys, 0.0, 2 * (1 - kr) * cs]])
    return _with_offset(m, y0)


def ycgco_to_bgr_matrix(full: bool) -> np.ndarray:
    """YCgCo (U: Cg, V: Co) -> BGR, full or limited range (quantized as the other matrices),
    as :func:`yuv_to_bgr_matrix` gives it: G = Y + Cg, B = Y - Cg - Co, R = Y - Cg + Co."""
    ys, cs, y0 = (1.0, 1.0, 0.0) if full else (255 / 219, 255 / 224, 16.0)
    m = np.array([[ys, -cs, -cs], [ys, cs, 0.0], [ys, -cs, cs]])
    return _with_offset(m, y0)


def _with_offset(m: np.ndarray, y0: float) -> np.ndarray:
    """A 3 x 3 matrix of Y, U, V about (``y0``, 128, 128) with its offset column, float32."""
    return np.hstack([m, -(m @ [y0, 128.0, 128.0])[:, None]]).astype(np.float32)


def read_matrix(space: int) -> int:
    """The matrix :class:`BgrReader` reads a frame that says ``space`` (FFmpeg's code) with:
    ``space`` itself where it or swscale converts it, else the nearest one it converts:
    BT.2020 non-constant luminance for its constant-luminance form (10: the same
    coefficients), BT.601 for the others (reserved, SMPTE 2085, ICtCp ...: taken as
    unspecified, as swscale did before it refused them)."""
    if space in SWS_MATRICES or space == YCGCO:
        return space
    return 9 if space == 10 else BT601


class BgrReader:
    """Decoded PyAV video frames as BGR (H x W x 3 uint8, a new array each), read with the
    matrix and range each frame says: BT.601 limited range where it says nothing (HD too, as
    FFmpeg assumes), full range for yuvj420p or a frame that says so.

    8-bit 4:2:0 frames of BT.601, BT.709 or BT.2020 (and 10- and 12-bit ones, brought to 8
    bits first) are converted by OpenCV: limited-range BT.601 of even size by its I420
    conversion, the others from their planes with the same chroma (each sample on the 2 x 2
    pixels it covers) and the frame's own coefficients, in one ``cv2.transform`` (1-1.5 ms a
    720p frame, 2.6-3.2 ms at 1080p).  swscale's default conversion, which PyAV uses and
    which read those before, was biased dark: 0.55-0.7 of a level on average for BT.709,
    0.2-0.5 for full range, 0.7 for an odd width (up to 2.6 levels on flat colour); its exact
    one (accurate rounding, full chroma interpolation) costs 5 ms a 720p frame and 11 ms at
    1080p, 10 times its default.  4:2:2 and 4:4:4 frames (8 to 12 bits) of those matrices are
    brought to 8-bit 4:4:4 by swscale (its chroma interpolated, no matrix applied) and then
    converted the same way: 5.5 ms a 1080p ProRes 422 HQ frame against 12 ms for the exact
    conversion (within 0.04 of a level of it on average; the default, 4.4 ms, was 0.5-0.8
    dark).  YCgCo frames are converted the same way, with its own matrix.  Other frames
    (another matrix, RGB) go to swscale's exact conversion; a matrix swscale refuses (see
    :data:`SWS_MATRICES`) is read as :func:`read_matrix` says, not raised as OSError for
    each frame (a YCgCo or BT.2020 constant-luminance video could not be read at all).
    """

    def __init__(self):
        self._bufs: dict = {}  # the frame's Y'CbCr as one image, for one size
        self._i420_buf: np.ndarray | None = None  # (see _i420)
        self._undithered_buf: np.ndarray | None = None  # (see undithered)
        self._matrices: dict = {}
        self._flags = None

    def __call__(self, f, dst: np.ndarray | None = None) -> np.ndarray:
        """The BGR of frame ``f`` (H x W x 3 uint8): into ``dst`` when given, of that shape and
        C-contiguous, where the conversion is OpenCV's (8-bit 4:2:0, 4:2:2 and 4:4:4 of the
        matrices it converts), else a new array."""
        if dst is not None and not (dst.shape == (f.height, f.width, 3) and dst.dtype == np.uint8
                                    and dst.flags.c_contiguous and dst.flags.writeable):
            dst = None
        name = f.format.name
        space, sws = self._read_as(f)
        if name in HIGH_BIT_420:
            # 10- and 12-bit 4:2:0 to 8 bits first, as FFmpeg writes the same video as yuv420p
            # (byte for byte, its ordered dither included; matrix and range kept), then read
            # as 8-bit frames are.  Straight to BGR, swscale's high-bit path interpolates the
            # chroma between rows: colour edges up to 179 levels off and a mask 1-40 of 255
            # off the 8-bit video's
            f = f.reformat(format="yuv420p", **sws)
            name = "yuv420p"
        if name in YUV_422_444 and space in OWN_MATRICES:
            full = name.startswith("yuvj") or int(getattr(f, "color_range", 0) or 0) == FULL_RANGE
            g = f.reformat(format="yuvj444p" if name.startswith("yuvj") else "yuv444p", **sws)
            return cv2.transform(self._merged(g, 3), self._matrix(space, full), dst=dst)
        if name not in ("yuv420p", "yuvj420p") or space not in OWN_MATRICES:
            return f.to_ndarray(format="bgr24", interpolation=self._sws_flags(), **sws)
        full = name == "yuvj420p" or int(getattr(f, "color_range", 0) or 0) == FULL_RANGE
        h, w = f.height, f.width
        if space in AS_BT601 and not full and h % 2 == 0 and w % 2 == 0:
            return cv2.cvtColor(self._i420(f, h, w), cv2.COLOR_YUV2BGR_I420, dst=dst)
        return self.from_planes(*frame_planes(f, h, w), space, full, dst=dst)

    def undithered(self, f) -> np.ndarray | None:
        """The BGR the engine judges for a 10- or 12-bit frame ``f`` (H x W x 3 uint8, a new
        array each) of the matrices converted here: its planes brought to 8 bits by a rounded
        shift (:func:`undithered_planes`; 4:2:2 and 4:4:4 chroma averaged to 4:2:0 where the
        sides are even: the engine reduces it further), without the ordered dither of
        :meth:`__call__`'s (FFmpeg's, right for an encoder), then converted as an 8-bit frame
        is; None for any other frame (judged as :meth:`__call__` reads it).  The dither's fine
        pattern read as detail to the focus engine over a flat background."""
        name = f.format.name
        if name not in HIGH_BIT_420 and name not in HIGH_BIT_422_444:
            return None
        space, _ = self._read_as(f)
        if space not in OWN_MATRICES:
            return None
        full = int(getattr(f, "color_range", 0) or 0) == FULL_RANGE
        h, w = f.height, f.width
        if h % 2 == 0 and w % 2 == 0:  # (as I420: 4:2:2 and 4:4:4 chroma averaged to 4:2:0)
            buf = self._undithered_buf
            if buf is None or buf.shape != (h * 3 // 2, w):
                buf = self._undithered_buf = np.empty((h * 3 // 2, w), np.uint8)
            undithered_planes(f, buf)
            if space in AS_BT601 and not full:
                return cv2.cvtColor(buf, cv2.COLOR_YUV2BGR_I420)
            return cv2.transform(self._yuv(*planes(buf, h, w)), self._matrix(space, full))
        y, u, v = undithered_planes(f)
        if name in HIGH_BIT_420:
            return cv2.transform(self._yuv(y, u, v), self._matrix(space, full))
        # (an odd side's 4:2:2 or 4:4:4: each chroma sample on the pixels it covers)
        fy, fx = -(-h // u.shape[0]), -(-w // u.shape[1])
        u, v = (cv2.resize(c, (c.shape[1] * fx, c.shape[0] * fy), interpolation=cv2.INTER_NEAREST)[:h, :w]
                for c in (u, v))
        return cv2.transform(cv2.merge((y, u, v)), self._matrix(space, full))

    def bgra(self, f) -> np.ndarray:
        """A frame of a video with an alpha of its own as BGRA (H x W x 4 uint8, a new array
        each): its colours as :meth:`__call__` reads them, its alpha as stored (8 bits).
        4:2:0 YUV with alpha (yuva420p: VP8/VP9 by libvpx, FFV1) and 4:2:2 or 4:4:4 (ProRes
        4444's yuva444p10le; brought to 8-bit 4:4:4 by swscale first) of the matrices it
        converts go through one ``cv2.transform`` with the alpha as a 4th channel: swscale's
        default conversion to BGRA, which read them before, was 1.15 levels dark on average
        for 4:2:0 and 4:2:2 (as :meth:`__call__`'s frames were).  RGB with alpha (QuickTime
        Animation, PNG) is taken as it is; a frame without alpha (a VP9 frame without its
        alpha data) is opaque."""
        name = f.format.name
        if not name.startswith("yuva"):
            if has_alpha_plane(f.format) or name == "pal8":  # (RGB, a palette's: no matrix, no chroma)
                return f.to_ndarray(format="bgra")
            return cv2.cvtColor(self(f), cv2.COLOR_BGR2BGRA)
        space, sws = self._read_as(f)
        if space not in OWN_MATRICES:
            return f.to_ndarray(format="bgra", interpolation=self._sws_flags(), **sws)
        full = int(getattr(f, "color_range", 0) or 0) == FULL_RANGE
        if name != "yuva420p":  # (10 bits and more to 8 as __call__ does; 4:2:2, 4:4:4 to 4:4:4)
            f = f.reformat(format="yuva420p" if name.startswith("yuva420p") else "yuva444p", **sws)
        h, w = f.height, f.width
        if f.format.name == "yuva420p":
            yuva = self._yuv(*frame_planes(f, h, w), _plane(f.planes[3], h, w))
        else:
            yuva = self._merged(f, 4)
        return cv2.transform(yuva, self._matrix(space, full, alpha=True))

    def _i420(self, f, h: int, w: int) -> np.ndarray:
        """A yuv420p frame of even sides as one contiguous I420 image (Y, U, V), for OpenCV's
        conversion: a buffer reused for one size (``f.to_ndarray()`` made a new one each frame,
        half a BGR frame's bytes)."""
        buf = self._i420_buf
        if buf is None or buf.shape != (h * 3 // 2, w):
            buf = self._i420_buf = np.empty((h * 3 // 2, w), np.uint8)
        flat, at = buf.reshape(-1), 0
        for p, (ph, pw) in zip(f.planes, ((h, w), (h // 2, w // 2), (h // 2, w // 2))):
            n = ph * pw
            if p.line_size == pw:  # (no line padding: one flat copy)
                flat[at:at + n] = np.frombuffer(p, np.uint8, count=n)
            else:
                flat[at:at + n].reshape(ph, pw)[...] = _plane(p, ph, pw)
            at += n
        return buf

    def from_planes(self, y: np.ndarray, u: np.ndarray, v: np.ndarray, space: int = BT601,
                    full: bool = False, dst: np.ndarray | None = None) -> np.ndarray:
        """BGR of a frame's 8-bit 4:2:0 planes (the chroma's sides half the luma's, rounded
        up) of the matrix ``space`` (FFmpeg's code, one of :data:`KR_KB` or :data:`YCGCO`), full
        or limited range; into ``dst`` (H x W x 3 uint8) when given, else a new array."""
        return cv2.transform(self._yuv(y, u, v), self._matrix(space, full), dst=dst)

    def _matrix(self, space: int, full: bool, alpha: bool = False) -> np.ndarray:
        """The 3 x 4 matrix of ``space`` (FFmpeg's code) and range for ``cv2.transform``;
        ``alpha``: 4 x 5, the alpha (the 4th channel) kept as it is."""
        key = (space, full, alpha)
        m = self._matrices.get(key)
        if m is None:
            m = (ycgco_to_bgr_matrix(full) if space == YCGCO else yuv_to_bgr_matrix(*KR_KB[space], full))
            if alpha:
                m = np.insert(np.vstack([m, np.zeros(4, np.float32)]), 3, 0.0, axis=1)
                m[3, 3] = 1.0
            self._matrices[key] = m
        return m

    def _yuv(self, y: np.ndarray, u: np.ndarray, v: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
        """Y, U, V as one H x W x 3 image (a reused buffer), each chroma sample given to the
        2 x 2 pixels it covers, as OpenCV's I420 conversion does: the inverse of
        :func:`livecut.composite.bgr_to_i420`'s average of the 2 x 2 pixels; with ``a`` (the
        alpha plane), H x W x 4."""
        h, w = y.shape
        ch, cw = u.shape
        b = self._bufs
        if b.get("size") != (h, w):
            b.clear()
            b.update(size=(h, w), u=np.empty((2 * ch, 2 * cw), np.uint8), v=np.empty((2 * ch, 2 * cw), np.uint8),
                     yuv=np.empty((h, w, 3), np.uint8))
        # (an odd side: the last sample's second row or column left off)
        cv2.resize(u, (2 * cw, 2 * ch), dst=b["u"], interpolation=cv2.INTER_NEAREST)
        cv2.resize(v, (2 * cw, 2 * ch), dst=b["v"], interpolation=cv2.INTER_NEAREST)
        if a is not None:
            if "yuva" not in b:
                b["yuva"] = np.empty((h, w, 4), np.uint8)
            return cv2.merge((y, b["u"][:h, :w], b["v"][:h, :w], a), dst=b["yuva"])
        return cv2.merge((y, b["u"][:h, :w], b["v"][:h, :w]), dst=b["yuv"])

    def _read_as(self, f) -> tuple[int, dict]:
        """The matrix a frame is read with (:func:`read_matrix`), and reformat()'s arguments
        for swscale: none where it converts the frame's own matrix, else the one it is read
        with told (BT.601 for YCgCo, which it has not: a conversion between YUV formats
        applies none, one to BGR reads it so)."""
        said = int(getattr(f, "colorspace", 0) or 0)
        space = read_matrix(said)
        return space, ({} if said in SWS_MATRICES else self._told(space))

    def _merged(self, f, n: int) -> np.ndarray:
        """The first ``n`` planes (8-bit, 4:4:4) of frame ``f`` as one H x W x n image (a
        reused buffer, one for each ``n`` and size)."""
        h, w = f.height, f.width
        b = self._bufs
        key = f"yuv444x{n}"
        if b.get(key + "size") != (h, w):
            b[key + "size"], b[key] = (h, w), np.empty((h, w, n), np.uint8)
        return cv2.merge([_plane(p, h, w) for p in f.planes[:n]], dst=b[key])

    @staticmethod
    def _told(space: int) -> dict:
        """reformat()'s arguments that tell swscale a frame is BT.2020 (``space`` 9) or
        BT.601 (any other), whatever the frame says."""
        from av.video.reformatter import Colorspace

        cs = Colorspace.BT2020 if space == 9 else Colorspace.ITU601
        return {"src_colorspace": cs, "dst_colorspace": cs}

    def _sws_flags(self):
        """swscale's flags for the frames it converts: without accurate rounding and full
        chroma interpolation its fast path is biased dark (see above)."""
        if self._flags is None:
            from av.video.reformatter import Interpolation

            self._flags = Interpolation.BILINEAR | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT
        return self._flags
