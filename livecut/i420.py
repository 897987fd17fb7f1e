"""Planar YUV 4:2:0 (I420) buffers: one ``(H * 3 // 2, W)`` uint8 array holding the Y plane
(H x W), then U and V (H/2 x W/2 each), as ``VideoFrame.to_ndarray(format="yuv420p")`` and
OpenCV's ``COLOR_YUV2BGR_I420`` have it.  U and V do not split into whole rows of W when
H/2 is odd, so they are views of the flat buffer."""

from __future__ import annotations

import numpy as np

#: FFmpeg's code of the BT.709 YUV matrix (AVCOL_SPC_BT709), as PyAV's frames and codec
#: contexts give and take it
BT709 = 1
#: FFmpeg's code of the BT.601 YUV matrix (AVCOL_SPC_SMPTE170M)
BT601 = 6
#: the matrices read as BT.601 (unspecified, BT.470BG, SMPTE 170M; 0 is RGB): any other
#: (BT.2020, as HDR video says) only swscale reads right
AS_BT601 = (0, 2, 5, 6)


def read_description(info, described) -> None:
    """Set ``info.matrix`` and ``info.color_tags`` (a SourceInfo) from what a PyAV frame or
    codec context ``described`` says: "bt709" with its primaries and transfer (those it
    states) when it says BT.709; else the matrix is left as it is (BT.601, as FFmpeg assumes:
    the frames of another matrix, BT.2020, are read by swscale and written as BT.601) and
    the primaries and transfer it states are kept (HDR video: BT.2020, PQ or HLG)."""
    tags = {k: v for k in ("color_primaries", "color_trc")
            if (v := int(getattr(described, k, 0) or 0)) not in (0, 2)}
    if int(getattr(described, "colorspace", 0) or 0) == BT709:
        info.matrix = "bt709"
        info.color_tags = tags
    elif tags:
        info.color_tags = tags


def describe_bt709(target, tags: dict, matrix: str = "bt709") -> None:
    """Say BT.709 (or ``matrix`` "bt601") on a PyAV codec context or frame (``colorspace``),
    with the source's primaries and transfer (``tags``) where this PyAV can set them."""
    for k, v in {"colorspace": BT709 if matrix == "bt709" else BT601, **tags}.items():
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


def frame_planes(frame, h: int, w: int) -> tuple[np.ndarray, ...]:
    """(Y, U, V) views of a PyAV yuv420p ``VideoFrame``'s planes, line padding skipped
    (writable where the frame is)."""
    out = []
    for plane, (ph, pw) in zip(frame.planes, ((h, w), (h // 2, w // 2), (h // 2, w // 2))):
        ls = plane.line_size
        flat = np.frombuffer(plane, np.uint8, count=ls * (ph - 1) + pw)
        out.append(np.lib.stride_tricks.as_strided(flat, (ph, pw), (ls, 1)))
    return tuple(out)
