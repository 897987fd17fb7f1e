"""Reading and writing still images with clear, typed errors."""

from __future__ import annotations

import contextlib
import fnmatch
import glob
import math
import numbers
import os
import re
import struct
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable

import cv2
import numpy as np

from livecut.atomic import not_there, special_kind
from livecut.frames import FLOAT_OVERSHOOT
from livecut.errors import (FORCE, ArrayError, ConfigTypeError, ImageReadError, ImageSizeError, OutputExistsError,
                            UsageError, WriteError)

#: the names of a JPEG file (.jpe: Windows' and Apple's own name for one, .jif and .jfif its
#: file format's: a folder of them was skipped without a word, and -o cut.jif was "cannot encode")
JPEG_EXTS = (".jpg", ".jpeg", ".jpe", ".jif", ".jfif")
#: extensions recognised when a folder or glob is given
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".jp2", ".pgm", ".ppm", ".pnm",
              ".jfif", ".avif", ".pbm", ".pam", ".jpe", ".jif",
              # (read with the optional heic extra, pillow-heif; without it each is refused on
              # its own, naming the extra: a folder of iPhone photos was "no images"; .hif: a
              # Canon's or Sony's HEIF, a folder of which was "no images" too)
              ".heic", ".heif", ".hif")
#: camera raw files (most TIFF-based, whose first picture is a small preview): refused by name
#: (Sony's pixel-shift .arq, Leica's .rwl, Kodak's .dcr, Hasselblad's .fff, Leaf's .mos, Mamiya's .mef,
#: GoPro's .gpr too: a TIFF-based one was cut as its first picture, a Leica's "not an image")
RAW_EXTS = (".dng", ".nef", ".nrw", ".cr2", ".cr3", ".crw", ".arw", ".srf", ".sr2", ".raf", ".orf", ".rw2",
            ".pef", ".srw", ".x3f", ".3fr", ".iiq", ".erf", ".kdc", ".mrw", ".raw", ".arq", ".rwl", ".dcr",
            ".fff", ".mos", ".mef", ".gpr")
MIN_SIDE = 16
#: the largest photo read, from its header (a decompression bomb refused before it is decoded):
#: medium-format photos, a GFX100's or X2D's 102 megapixels and an IQ4 150's 151, were refused
#: at 80 (a 151-megapixel JPEG's cutout takes 1.4 GB, a 16-bit TIFF's 2.7 GB)
MAX_PIXELS = 200_000_000
#: the largest video frame (8K is 33 megapixels; a video's pipeline takes about 130 bytes a pixel)
MAX_VIDEO_PIXELS = 80_000_000

# OpenCV checks width x height against OPENCV_IO_MAX_IMAGE_PIXELS after reading a header and
# before allocating and decoding, for every format (default 2^30).  Measured on a 12000x12000
# deflate TIFF (1 MB on disk): 60 MB and 0.3 s to refuse, against 760 MB and 1.8 s to decode
# it first (a 32000x32000 one: 16 GB, 97 s).  OpenCV reads the variable when it is loaded, so
# livecut/__init__.py sets it before cv2 is imported; an application that imported cv2 before
# livecut keeps OpenCV's own limit (the headers read below still catch PNG, JPEG and TIFF).


def picture_path(path, who: str) -> Path:
    """``path`` (a str or a path object) as a :class:`Path`; another type (None, bytes, a number) is
    a :class:`ConfigTypeError` naming ``who`` (it was a bare TypeError from pathlib), an empty
    one a :class:`UsageError`."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if isinstance(path, str):
        if not path:  # (read: ".: is a directory"; written: pathlib's bare ValueError, "has an empty name")
            raise UsageError(f"{who}: the path is empty; give a picture file's path")
        return Path(path)
    hint = "; decode it: path.decode()" if isinstance(path, bytes) else ""
    raise ConfigTypeError(f"{who}: path must be a str or a pathlib.Path, got {type(path).__name__}{hint}")


def read_image(path: str | Path, meta: dict | None = None, upright: bool = True, any_float: bool = False) -> np.ndarray:
    """Read an image as stored (gray, BGR, BGRA; 8 or 16 bit); raise :class:`ImageReadError`.
    Colours are straight (not multiplied by the alpha): a TIFF's associated alpha (colours
    stored premultiplied) is divided out; see :func:`_unspecified_alpha` for unassociated.
    ``meta``, when given, receives ``"icc"``: the embedded colour profile (bytes) or None, and
    ``"pictures"``: ``(kind, unit, count)`` for a file of several pictures, of which only the
    first is read (an animated GIF, PNG or WebP: frames; a multi-page TIFF: pages; see
    :func:`picture_count`), else None.
    ``"lost"``: what of the picture is not read, said in words (a gray TIFF's alpha, a TIFF's extra
    channel marked unspecified: ExtraSamples 0 is no alpha, left out), else None; ``"lost_alike"``,
    where that is the file's layout (not damage, each file's own), what a run says of the other
    photos it says so of (see :class:`livecut.images.Repeats`), else None.
    ``"deep"``: True where the file holds more than 8 bits a channel but is returned at 8 (a
    TIFF of 16-bit RGB in separate planes, below), else False.
    ``"hdr"``: the high-dynamic-range transfer its values are in, ``"PQ"`` or ``"HLG"`` (see
    :func:`_hdr_transfer`), else None.
    ``"dpi"``: ``(x, y)``, the resolution it states in dots per inch (see :func:`resolution`),
    else None (a HEIC's: its EXIF's, see :func:`_exif_resolution`).
    ``upright``: turned as its EXIF orientation says (JPEG, PNG, WebP), or an AVIF as its
    rotation and mirror properties say, as viewers show it;
    False: as stored.  A HEIC/HEIF photo (read with the optional ``heic`` extra, pillow-heif;
    see :func:`_read_heif`) is its primary picture turned by its own transforms either way; an
    AVIF is cropped to its clean aperture (:func:`_avif_clap`) either way.
    A TIFF of 16-bit RGB in separate planes is read at 8 bits (OpenCV's own reader scrambles
    it); one of other such planes is refused.  Floating-point values are 0-1; a picture of
    others (light: Radiance HDR, OpenEXR, a float TIFF beyond 1) is refused, unless
    ``any_float`` (not a picture to show: a mask of floats 0-255 is read as stored)."""
    p = picture_path(path, "read_image")
    if not p.exists():
        raise ImageReadError(f"{p}: {not_there(p, _missing(p))}")
    if p.is_dir():
        raise ImageReadError(f"{p}: is a directory")
    try:
        st = p.stat()
    except OSError as exc:
        raise ImageReadError(f"{p}: cannot read: {exc.strerror}") from None
    size = st.st_size
    # (a named pipe, /dev/stdin with a photo piped in, or a device has no size: it was "file is empty")
    kind = special_kind(st.st_mode)
    if kind is not None:
        raise ImageReadError(f"{p}: is {kind}, not a picture file: save the picture to a file first")
    if size == 0:
        raise ImageReadError(f"{p}: file is empty")
    # (a NEF's or DNG's first directory is its thumbnail, which OpenCV read: a 24-megapixel raw
    # was cut as a 160x120 picture without a word; refused before it is read: 25-100 MB each)
    if p.suffix.lower() in RAW_EXTS:
        raise ImageReadError(f"{p}: a camera raw file, which livecut does not read; export it as JPEG, PNG "
                             "or TIFF first")
    try:
        with open(p, "rb") as f:  # (a video among the photos, `livecut image card/*`, refused from its
            head = f.read(16)     # first bytes: a 3 GB .mov was read whole first, 3.2 GB and 22 s)
        if _video_container(np.frombuffer(head, np.uint8)):
            raise _not_a_video(p)
        if head[:4] == b"8BPS":  # (PSD, PSB: read whole, 1-2 GB, then "not an image, or truncated/corrupt")
            raise ImageReadError(f"{p}: a Photoshop document, which livecut does not read; save it as TIFF, "
                                 "PNG or JPEG first")
        data = _tiff_mapped(p) if head[:4] in _TIFF_HEADS else None
        if data is None:
            data = np.fromfile(p, dtype=np.uint8)
    except OSError as exc:
        raise ImageReadError(f"{p}: cannot read: {exc.strerror}") from None
    if data[:2].tobytes() in _LETTER_STARTS and _text_file(data):
        # (a note that opens as a BMP's or a PNM's signature, 'BMW service ...', 'P5 notes', whose header
        # does not parse as theirs: it was 'not an image, or truncated/corrupt', or a BMP too large)
        raise ImageReadError(f"{p}: a text file, not a picture")
    # check the header before decoding: OpenCV refuses huge images with a vague error
    header = _peek_size(data)
    if header is not None:
        w, h = header
        if w * h > MAX_PIXELS:
            # (its size as it is shown, upright: a portrait stored sideways, 20000x10400 with an EXIF
            # orientation of 6, was said to be 20000x10400, its size to scale down to 19611x10198)
            raise _too_large(p, *((h, w) if _sideways(data, upright) else (w, h)))
    # a missing end marker first: libpng would print its own complaint on stderr
    unmarked = None  # (a JPEG or PNG whose picture data is whole, its end marker or chunk alone missing)
    if _truncated(data, p):
        if _jpeg_whole_unmarked(data):
            data = np.concatenate([data, np.frombuffer(b"\xff\xd9", np.uint8)])
            unmarked = "a JPEG without its end marker (EOI)"
        elif (ended := _png_whole_unended(data)) is not None:
            data, unmarked = ended, "a PNG without its end chunk (IEND)"
        else:
            raise ImageReadError(f"{p}: image file is truncated")
    if _tiff_reduced_first(data):
        raise ImageReadError(f"{p}: a TIFF whose first picture is a reduced-resolution preview (as a camera "
                             "raw file's), which is all livecut would read; export it as JPEG, PNG or TIFF first")
    hdr = _hdr_picture(data)
    if hdr:  # (a Radiance file was read as its values stretched to 8 bits: mostly black beside its sun)
        raise ImageReadError(f"{p}: a high-dynamic-range picture ({hdr}), which livecut does not tone-map; "
                             "save it as an 8- or 16-bit JPEG, PNG or TIFF first")
    if _heif_picture(data):  # (OpenCV does not decode HEVC pictures: it was "not an image")
        img, icc, count, transfer, exif = _read_heif(p, data)
        if meta is not None:
            meta["icc"] = icc
            meta["pictures"] = ("HEIF file", "pictures", count) if count > 1 else None
            meta["lost"] = None
            meta["deep"] = False
            meta["hdr"] = _HDR_TRANSFERS.get(transfer)
            meta["dpi"] = _exif_resolution(exif)
        return img
    alpha_kind = _tiff_alpha(data)
    flags = _decode_flags(data) if upright else cv2.IMREAD_UNCHANGED
    bits, samples, planar, photometric, sample_format = _tiff_layout(data)
    unread = _tiff_channels_unread(bits, samples, photometric, alpha_kind[0], sample_format)
    if unread:  # (refused as 'not an image, or truncated/corrupt', or a gray one read scrambled)
        raise ImageReadError(f"{p}: {unread}")
    deep = False  # (read at 8 bits from more: said as a deeper picture's output is)
    if planar == 2 and bits > 8 and samples > 1:
        # OpenCV reads such samples itself, taking the planes for interleaved samples: a
        # 16-bit RGB file came back scrambled; libtiff's RGBA interface (8-bit, as livecut
        # cuts) reads 16-bit RGB right, but drops an alpha and reads no float
        if bits != 16 or samples != 3:
            raise ImageReadError(f"{p}: a {bits}-bit TIFF of {samples} channels in separate planes, which "
                                 "livecut cannot read; save it with interleaved (contiguous) channels, or as PNG")
        flags = cv2.IMREAD_COLOR  # (the TIFF decoder turns it by its own orientation tag, as before)
        deep = True
    lost = alike = None  # (alike: what a run says of the other photos of that layout, see meta)
    if samples == 2 and alpha_kind[0] in (1, 2):  # (OpenCV reads gray + alpha as gray alone)
        lost = ("a gray TIFF with an alpha channel: its transparency is not read (taken as opaque; save it as "
                "PNG to keep it)")
        alike = "gray TIFFs with an alpha channel too, their transparency not read"
    # a 4th sample (a 2nd of gray) marked unspecified, ExtraSamples 0, is no alpha (the TIFF spec's
    # alpha is 1, associated, or 2, unassociated): an infrared or a scanner's extra channel, which
    # was taken for alpha, the picture cut with holes where it was low; left out, read opaque
    extra = alpha_kind[0] == 0 and samples == (2 if photometric in (0, 1) else 4 if photometric == 2 else 0)
    if extra:
        lost = (f"{'a gray' if samples == 2 else 'an RGB'} TIFF with an extra channel marked unspecified (ExtraSamples 0, "
                "not alpha: an infrared or a scanner's channel?): that channel is left out and the picture read "
                "opaque (save it with that channel as alpha to cut it with its transparency)")
        alike = (f"{'gray' if samples == 2 else 'RGB'} TIFFs with an extra channel marked unspecified too, that "
                 "channel left out")
    bitfields = _bmp_bitfields(data, p)  # (a BMP of bit masks: decoded here, by them)
    said: list[str] = []

    def decode() -> np.ndarray | None:
        with _unspecified_alpha(data, alpha_kind[1] if alpha_kind[0] == 2 else None):
            try:
                if bitfields is not None:
                    return bitfields
                if (isinstance(data, np.memmap) and alpha_kind[0] != 2 and (os.name != "nt" or str(p).isascii())
                        and _ifd0_numbers(data).get(274, 1) == 1):
                    # a TIFF decoded from its path, its file not held in memory meanwhile: a 48-megapixel
                    # float RGBA one (768 MB) peaked at 2.3 GB decoded from the file's bytes, 1.55 GB so
                    # (OpenCV decodes it through a copy of its own); not one whose ExtraSamples is
                    # changed in data for the decoder (see _unspecified_alpha), nor on Windows a path
                    # OpenCV cannot open there (not ASCII), nor one of an Orientation other than 1,
                    # which OpenCV 5.1's imread turns and then refuses ('Internal imread issue');
                    # what it refuses else is decoded from the bytes, as before, and said as they say
                    tried: list[str] = []
                    img = _stderr_captured(lambda: cv2.imread(str(p), flags), tried)
                    if img is not None:  # (what libtiff said of it: see _tiff_damaged)
                        said.extend(tried)
                        return img
                return cv2.imdecode(data, flags)
            except cv2.error as exc:
                if "CV_IO_MAX_IMAGE_PIXELS" in str(exc):  # refused from the header, before decoding
                    raise _too_large(p, None, None) from None
                return None

    img = _stderr_captured(decode, said)
    unsupported = _tiff_unsupported(data, said)
    if unsupported:  # (libtiff left the picture black, 'Compression scheme 9999 strip decoding is not
        # implemented' in OpenCV's log: cut, exit 0, unsaid; or refused it, 'not an image, or truncated/corrupt')
        raise ImageReadError(f"{p}: a TIFF compressed with {unsupported}, which this build cannot decode")
    cut_short = _jpeg_cut_short(data, said)
    if cut_short:  # (libjpeg filled the rest with gray and returned it: it was cut, exit 0, unsaid)
        raise ImageReadError(f"{p}: image file is truncated (its picture data ends early: {cut_short})")
    damaged, left_over = _jpeg_damaged(data, said)
    if damaged:  # (libjpeg decoded the rest out of step, a smear of wrong colours: cut, exit 0, unsaid)
        raise ImageReadError(f"{p}: image file is damaged (its picture data cannot be decoded: {damaged})")
    damaged = _tiff_damaged(data, said)
    if damaged:  # (libtiff left the rest of a strip black or out of step: cut, exit 0, unsaid; or
        # libjpeg refused a strip outright: 'not an image, or truncated/corrupt' without a reason)
        raise ImageReadError(f"{p}: image file is damaged (its picture data cannot be decoded: {damaged})")
    damaged = _tiff_deflate_damaged(data) if img is not None else None
    if damaged:  # (libtiff stops a strip's data where its rows are full, before the checksum: garbage
        # decoded as pixels, cut, exit 0, unsaid)
        raise ImageReadError(f"{p}: image file is damaged (its picture data cannot be decoded: {damaged})")
    left_over = left_over or _tiff_left_over(data, said)
    if img is None or img.size == 0:
        if _video_container(data):
            raise _not_a_video(p)
        other = _unread_type(data, p)
        if other:  # (a picture of a type OpenCV does not decode was 'not an image, or truncated/corrupt')
            raise ImageReadError(f"{p}: {other}, which livecut does not read; "
                                 f"{'export' if 'SVG' in other else 'save'} it as PNG first")
        if _xmp_sidecar(data):  # (a Lightroom folder cut as `livecut image shoot/*`: its sidecars were
            # 'not an image, or truncated/corrupt', as a damaged photo is)
            raise ImageReadError(f"{p}: an XMP sidecar (a photo's metadata, text), not an image")
        if _text_file(data):  # (notes.txt among the photos was 'not an image, or truncated/corrupt', as a
            # damaged photo is: there is nothing to repair)
            raise ImageReadError(f"{p}: a text file, not a picture")
        cut_short = _tiff_cut_short(data, said)
        if cut_short:  # (a TIFF cut before its directory, or in its strips: 'not an image, or
            # truncated/corrupt' without a reason, libtiff's words dropped with OpenCV's log)
            raise ImageReadError(f"{p}: image file is truncated ({cut_short})")
        detail = _decoder_message(said)
        raise ImageReadError(f"{p}: not an image, or truncated/corrupt" + (f" ({detail})" if detail else ""))
    if img.ndim == 2:
        key = _gray_key(data)
        if key is not None:  # a gray PNG's transparent value, which OpenCV does not apply
            img = cv2.merge([img, img, img, np.where(img == key, 0, np.iinfo(img.dtype).max).astype(img.dtype)])
    if img.ndim == 3 and data[:2].tobytes() == b"BM":
        img = _bmp_alpha(data, img)
    if alpha_kind[0] == 1 and img.ndim == 3 and img.shape[2] == 4:
        # associated alpha: colours stored multiplied by their alpha.  livecut's BGRA is
        # straight (unassociated, as PNG's) everywhere: the cut multiplies this alpha into its
        # own and the compositor blends the colours with it (a premultiplied colour would be
        # darkened twice); colour = stored * max / alpha, 0 where alpha is 0 (no colour kept)
        b, g, r, a = cv2.split(img)
        top = float(np.iinfo(img.dtype).max)
        img = cv2.merge([cv2.divide(c, a, scale=top) for c in (b, g, r)] + [a])
    if extra and img.ndim == 3 and img.shape[2] == 4:  # (read as stored: its colours, then that channel)
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    if img.dtype.kind == "f" and not any_float:  # (0-1 is a picture to show; beyond it, light: stretched, it came out dark)
        with warnings.catch_warnings():  # (numpy's own, on stderr: 'RuntimeWarning: All-NaN slice encountered')
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = float(np.nanmin(img)), float(np.nanmax(img))
        if math.isnan(lo):  # (it wrote an empty cutout, exit 0, after numpy's warnings thrice)
            raise ImageReadError(f"{p}: a floating-point picture of no values (every pixel is NaN)")
        # (a resampled picture's overshoot a little past 0-1 is clipped to it, as a frame's)
        if lo < -FLOAT_OVERSHOOT or hi > 1.0 + FLOAT_OVERSHOOT:
            raise ImageReadError(f"{p}: a floating-point picture of values from {lo:.3g} to {hi:.3g}, not 0-1 "
                                 "(high dynamic range?), which livecut does not tone-map; save it as an 8- or "
                                 "16-bit JPEG, PNG or TIFF first")
    pam = _pam_header(data)
    if pam is not None and pam.get("MAXVAL") == "1" and img.dtype == np.uint8:
        # a PAM of MAXVAL 1 (BLACKANDWHITE, as netpbm writes it) holds a byte a sample, which
        # OpenCV read as a PBM's bits, 8 to a byte: a scrambled picture was cut, exit 0, unsaid
        head = data[:4096].tobytes()
        start = head.find(b"\n", head.find(b"ENDHDR")) + 1
        w, h, depth = (int(pam[k]) if pam.get(k, "").isdigit() else 0 for k in ("WIDTH", "HEIGHT", "DEPTH"))
        if start > 0 and w * h * depth > 0:
            if data.size - start < w * h * depth:
                raise ImageReadError(f"{p}: image file is truncated")
            img = data[start:start + w * h * depth].reshape(h, w, depth)  # (0, 1: scaled below)
            img = img[:, :, 0].copy() if depth == 1 else img.copy()
    if img.dtype == np.uint16:
        top = _stored_max(data)
        if top is not None and 255 < top < 65535:  # e.g. 10/12-bit values: to the 16-bit range to_bgr8 takes
            img = _to_full_range(img, top)
    elif img.dtype == np.uint8 and data[:2].tobytes() in (b"P5", b"P6", b"P7"):
        # a binary PGM/PPM (or a PAM) of maxval under 255 (pnmdepth 15, a scanner's 6 bits), which
        # OpenCV returns unscaled (its text P2/P3 scaled): its cut came out dark, exit 0, unsaid
        top = _stored_max(data)
        if top is not None and 0 < top < 255:
            table = (np.minimum(np.arange(256), top) * 255 // top).astype(np.uint8)
            img = cv2.LUT(img, table)
    tupltype = (pam or {}).get("TUPLTYPE", "").upper()
    if tupltype in ("RGB", "RGB_ALPHA") and img.ndim == 3 and img.shape[2] in (3, 4):
        # a PAM's samples are stored R, G, B (netpbm, ImageMagick, GIMP write them so), which
        # OpenCV returns as they are stored, taken for B, G, R: its red and blue came out swapped
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR if img.shape[2] == 3 else cv2.COLOR_RGBA2BGRA)
    elif img.ndim == 3 and img.shape[2] == 2:
        # a gray picture with alpha in two samples (a PAM's GRAYSCALE_ALPHA), which OpenCV returns
        # as they are: refused as 'unsupported image shape (H, W, 2)', a word of livecut's code
        gray, a = cv2.split(img)
        img = cv2.merge([gray, gray, gray, a])
    orientation = _exif_orientation(data) if upright else 1
    if orientation > 1:
        img = orient(img, orientation)
    crop = _avif_clap(data, img.shape[1], img.shape[0])
    if crop is not None:  # (its clean aperture: the picture viewers show, before it is turned; an
        x, y, w, h = crop  # encoder that codes whole blocks of 64 pixels crops its padding so: it
        img = np.ascontiguousarray(img[y:y + h, x:x + w])  # was cut with that padding below it)
    for kind, value in _avif_turns(data) if upright else ():
        # (an AVIF's rotation and mirror, which OpenCV does not apply: its cutout came out
        # sideways or mirrored, where browsers show it turned)
        img = cv2.rotate(img, _IROT[value]) if kind == b"irot" else cv2.flip(img, 0 if value == 0 else 1)
    if meta is not None:
        meta["icc"] = icc_profile(data) or _dcf_icc(data) or _png_icc(data) or _avif_nclx_icc(data)
        meta["dpi"] = resolution(data, upright)
        kind, unit, count = picture_count(data)
        meta["pictures"] = (kind, unit, count) if count > 1 else None
        meta["deep"] = deep
        meta["hdr"] = _hdr_transfer(data)
        meta["lost"] = lost if not left_over else (f"its picture data may be damaged (libjpeg: {left_over}): "
                                                   "check its result")
        if unmarked and not left_over:
            meta["lost"] = f"{unmarked}, its picture data whole: read as it is"
        elif not left_over and not meta["lost"] and _jpeg_scans_short(data):
            meta["lost"] = ("a progressive JPEG whose scans stop before its picture is whole (cut between two of "
                            "them, its end marker put back?): read as it is, perhaps blurred; check its result")
        meta["lost_alike"] = alike if lost and meta["lost"] == lost else None  # (not damage said instead)
    return img


#: the first bytes of a TIFF (classic or BigTIFF, either byte order)
_TIFF_HEADS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def _tiff_mapped(p: Path) -> np.ndarray | None:
    """A TIFF's bytes mapped from its file, read from it as they are looked at (its directories:
    a few pages; copied on write, see :func:`_unspecified_alpha`), not read whole into memory,
    so that it can be decoded from its path without a copy of the file held meanwhile; None
    where it cannot be mapped (read whole then)."""
    try:
        return np.memmap(p, dtype=np.uint8, mode="c")
    except (OSError, ValueError):
        return None


#: samples of a picture rescaled at a time by :func:`_to_full_range` (their temporaries stay small)
_RESCALE_SAMPLES = 1 << 15


def _to_full_range(img: np.ndarray, top: int) -> np.ndarray:
    """A 16-bit ``img`` of values 0..``top`` (a PNM's maxval, an AVIF's bit depth) scaled to
    0..65535 in place, ``min(v, top) * 65535 // top``: through a table of the 65536 values,
    rows of :data:`_RESCALE_SAMPLES` samples at a time.  (The formula over the whole picture
    made four full-size copies, two of them 32-bit: 2.1 GB at the peak and 4 s for a
    61-megapixel 12-bit PPM.)"""
    table = np.arange(top + 1, dtype=np.uint32)
    table *= 65535
    table //= top
    table = table.astype(np.uint16)
    img = np.ascontiguousarray(img)
    rows = max(1, _RESCALE_SAMPLES // max(1, img[0].size))
    for r in range(0, img.shape[0], rows):
        # (clip: a value above top takes the table's last entry; the indices are read into
        # numpy's own index array before out is written)
        np.take(table, img[r:r + rows], out=img[r:r + rows], mode="clip")
    return img


def picture_count(data: np.ndarray) -> tuple[str, str, int]:
    """``(kind, unit, count)``: how many pictures a file holds, read from its structure without
    decoding: an animated GIF, PNG (APNG), WebP or AVIF its frames (``"frames"``), a TIFF its pages
    (``"pages"``: directories that are not reduced-resolution copies such as thumbnails).
    OpenCV decodes the first of them only.  Anything else, or a file that cannot be read so
    far, counts as 1."""
    head = data[:12].tobytes()
    try:
        if head[:6] in (b"GIF87a", b"GIF89a"):
            return "animated GIF", "frames", _gif_frames(data.tobytes())
        if head[:8] == b"\x89PNG\r\n\x1a\n":
            for kind, start, length in _png_chunks(data):
                if kind == b"acTL" and length >= 8:
                    return "animated PNG", "frames", int.from_bytes(data[start:start + 4].tobytes(), "big")
                if kind == b"IDAT":
                    break
            return "PNG", "frames", 1
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return "animated WebP", "frames", max(1, _webp_frames(data))
        if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
            # (its bytes as they are, not a copy: 768 MB more for a 48-megapixel float RGBA TIFF)
            return "TIFF", "pages", max(1, _tiff_pages(memoryview(data)))
        if b"avis" in _ftyp_brands(data[:64].tobytes()):  # (an AVIF image sequence: it was cut
            return "animated AVIF", "frames", max(1, _avif_frames(data))  # as its first frame, unsaid)
    except (IndexError, ValueError, struct.error):
        pass
    return "image", "frames", 1


def _avif_frames(data: np.ndarray) -> int:
    """The frames of an AVIF image sequence: the samples of its first track (moov, trak ...
    stsz); 0 where it has none that can be read."""
    b = memoryview(data)
    for kind, s, e in iso_boxes(b, 0, len(b)):
        if kind != b"moov":
            continue
        for trak in (box[1:] for box in iso_boxes(b, s, e) if box[0] == b"trak"):
            for want in (b"mdia", b"minf", b"stbl", b"stsz"):
                trak = next((box[1:] for box in iso_boxes(b, *trak) if box[0] == want), None)
                if trak is None:
                    break
            if trak is not None and trak[1] - trak[0] >= 12:  # (version, flags; sample size; count)
                return int.from_bytes(b[trak[0] + 8:trak[0] + 12], "big")
    return 0


def _gif_frames(b: bytes) -> int:
    """The image descriptors of a GIF (its frames), block by block up to its trailer or as far
    as the file goes."""
    flags, i, n = b[10], 13, 0
    if flags & 0x80:  # global colour table
        i += 3 * (2 << (flags & 7))
    while i < len(b):
        block = b[i]
        if block == 0x2C:  # image descriptor, [local colour table], LZW code size, data
            n += 1
            if i + 10 > len(b):
                break
            flags = b[i + 9]
            i += 10 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0) + 1
        elif block == 0x21:  # extension: label, then data sub-blocks
            i += 2
        else:  # 0x3B, the trailer (or something that is not GIF)
            break
        while i < len(b):  # data sub-blocks, up to the empty one
            size = b[i]
            i += 1 + size
            if size == 0:
                break
    return n


def _webp_frames(data: np.ndarray) -> int:
    """The ANMF (animation frame) chunks of a WebP; 0 for a still one."""
    return sum(kind == b"ANMF" for kind, _at, _size in _webp_chunks(data))


def _webp_chunks(data: np.ndarray | bytes | memoryview):
    """``(kind, data offset, size)`` of each chunk of a WebP (RIFF), in order, as far as the
    file goes (a chunk cut short is given as its header says)."""
    i, n = 12, len(data)
    while i + 8 <= n:
        size = int.from_bytes(bytes(data[i + 4:i + 8]), "little")
        yield bytes(data[i:i + 4]), i + 8, size
        i += 8 + size + (size & 1)


def _tiff_pages(b: bytes | memoryview) -> int:
    """The image directories of a TIFF (classic or BigTIFF), less those its NewSubfileType (254)
    marks as a reduced-resolution copy of another (a thumbnail, a preview).  (A BigTIFF's were
    not counted: one of several pages was cut as its first without the word a TIFF's gets.)"""
    e = "<" if b[:2] == b"II" else ">"
    big = b[2:4] in (b"+\x00", b"\x00+")
    # (BigTIFF: 8-byte offsets and entry counts, entries of 20 bytes with 8 value bytes)
    count, word, size, value_at = ("Q", 8, 20, 12) if big else ("H", 2, 12, 8)
    off_fmt, ptr = ("Q", 8) if big else ("I", 4)
    (off,) = struct.unpack(e + off_fmt, b[8:16] if big else b[4:8])
    seen: set[int] = set()
    pages = 0
    while off and off not in seen and off + word <= len(b) and len(seen) < 100_000:
        seen.add(off)
        (n,) = struct.unpack(e + count, b[off:off + word])
        n = min(n, 1 << 16)
        reduced = False
        for k in range(n):
            entry = b[off + word + size * k:off + word + size * (k + 1)]
            if len(entry) < size:
                break
            tag, typ = struct.unpack(e + "HH", entry[:4])
            if tag == 254 and typ in (3, 4):  # SHORT or LONG
                value = struct.unpack(e + ("H" if typ == 3 else "I"),
                                      entry[value_at:value_at + (2 if typ == 3 else 4)])[0]
                reduced = bool(value & 1)
        pages += not reduced
        at = off + word + size * n
        nxt = b[at:at + ptr]
        off = struct.unpack(e + off_fmt, nxt)[0] if len(nxt) == ptr else 0
    return pages


def icc_profile(data: np.ndarray) -> bytes | None:
    """The colour profile embedded in a JPEG (APP2 ICC_PROFILE segments), PNG (iCCP), WebP
    (ICCP chunk), TIFF or BigTIFF (tag 34675 of its first directory), AVIF (its primary
    picture's colr property), JPEG 2000 (its colr box) or BMP (a BITMAPV5HEADER's embedded
    profile); None if there is none or it cannot be read."""
    import zlib

    head = data[:12].tobytes()
    try:
        if head.startswith(b"\xff\xd8"):
            b = data.tobytes()
            parts: dict[int, bytes] = {}  # (a profile is split over numbered APP2 segments)
            for marker, i in _jpeg_segments(b):
                if marker == 0xE2 and b[i + 4:i + 16] == b"ICC_PROFILE\x00":
                    parts[b[i + 16]] = b[i + 18:i + 2 + int.from_bytes(b[i + 2:i + 4], "big")]
            return b"".join(parts[k] for k in sorted(parts)) or None
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            for kind, start, length in _png_chunks(data):
                if kind == b"iCCP":
                    chunk = data[start:start + length].tobytes()
                    return zlib.decompress(chunk[chunk.index(b"\x00") + 2:]) or None
                if kind == b"IDAT":
                    return None
        elif head.startswith(b"RIFF") and head[8:12] == b"WEBP":
            return _webp_chunk(data, b"ICCP")
        elif head[:4] in (b"II*\x00", b"MM\x00*"):
            return _tiff_icc(data)
        elif head[:4] in (b"II+\x00", b"MM\x00+"):
            return _bigtiff_icc(data)
        elif head == b"\x00\x00\x00\x0cjP  \r\n\x87\n":
            return _jp2_icc(data)
        elif head[:2] == b"BM":
            return _bmp_icc(data)
        elif head[4:8] == b"ftyp":  # an AVIF's colr property of an ICC profile (its nclx: see _avif_nclx_icc)
            return next((payload[4:] for kind, payload in _avif_properties(data)
                         if kind == b"colr" and payload[:4] in (b"prof", b"rICC") and payload[4:]), None)
    except (ValueError, IndexError, struct.error, zlib.error):
        return None
    return None


def _tiff_icc(data: np.ndarray) -> bytes | None:
    """The InterColorProfile (tag 34675) of a classic TIFF's first directory, or None; read
    entry by entry (the file is not copied whole)."""
    e, entries = _tiff_first_ifd(data)
    for tag, typ, count, at in entries:
        if tag == _TIFF_ICC and typ in (1, 7):  # BYTE or UNDEFINED
            if count <= 4:  # (in the entry itself)
                return data[at:at + count].tobytes() or None
            (at,) = struct.unpack(e + "I", data[at:at + 4])
            value = data[at:at + count].tobytes()
            return value if len(value) == count else None
    return None


def _bigtiff_icc(data: np.ndarray) -> bytes | None:
    """The InterColorProfile (tag 34675) of a BigTIFF's first directory (8-byte offsets and
    counts, entries of 20 bytes), or None."""
    e, entries = _bigtiff_first_ifd(data)
    for tag, typ, count, at in entries:
        if tag == _TIFF_ICC and typ in (1, 7):  # BYTE or UNDEFINED
            if count > 8:  # (else in the entry itself)
                (at,) = struct.unpack(e + "Q", data[at:at + 8])
            value = data[at:at + count].tobytes()
            return value if len(value) == count and count else None
    return None


def _bigtiff_first_ifd(data: np.ndarray):
    """``(byte order, entries)`` of a BigTIFF (as :func:`_tiff_first_ifd` of a classic one):
    ``(tag, type, count, at)`` for each entry of its first directory, ``at`` the offset of the
    entry's 8 value bytes; no entries where its offsets are not of 8 bytes; :class:`struct.error`
    where the directory runs past the end."""
    e = "<" if data[:2].tobytes() == b"II" else ">"
    size, _zero, off = struct.unpack(e + "HHQ", data[4:16])
    if size != 8:
        return e, iter(())
    (n,) = struct.unpack(e + "Q", data[off:off + 8])

    def entries():
        for at in range(off + 8, off + 8 + 20 * min(n, 1 << 16), 20):
            yield (*struct.unpack(e + "HHQ", data[at:at + 12]), at + 12)
    return e, entries()


def _jp2_icc(data: np.ndarray) -> bytes | None:
    """The colour profile of a JPEG 2000 (JP2) file: its header box's (jp2h) first colour
    specification box (colr), of method 2 or 3 (an ICC profile; 1: a colour space named, sRGB
    or gray, holds none), or None."""
    b = memoryview(data)
    for kind, start, end in iso_boxes(b, 0, len(b)):
        if kind == b"jp2h":
            for kind2, s2, e2 in iso_boxes(b, start, end):
                if kind2 == b"colr":
                    return (bytes(b[s2 + 3:e2]) or None) if e2 - s2 > 3 and b[s2] in (2, 3) else None
            return None
    return None


def _bmp_icc(data: np.ndarray) -> bytes | None:
    """The colour profile embedded in a BMP of a BITMAPV5HEADER (124 bytes) whose colour space
    says PROFILE_EMBEDDED ('MBED'), where its offset (from the header's start) and size say, or
    None (a BMP of another header, sRGB's colour space, a profile linked by file name)."""
    head = data[14:14 + 124].tobytes()
    if len(head) < 124 or int.from_bytes(head[:4], "little") < 124 or head[56:60] != b"DEBM":
        return None  # ('MBED', a DWORD little-endian)
    off, size = struct.unpack("<II", head[112:120])
    value = data[14 + off:14 + off + size].tobytes()
    return value if size and len(value) == size else None


def _tiff_first_ifd(b: bytes | np.ndarray):
    """``(byte order, entries)`` of a classic TIFF (``b``: its bytes or uint8 array): ``"<"`` or
    ``">"``, and an iterator of ``(tag, type, count, at)`` for each entry of its first
    directory, ``at`` the offset of the entry's 4 value bytes; :class:`struct.error` where the
    directory runs past the end."""
    e = "<" if bytes(b[:2]) == b"II" else ">"
    (off,) = struct.unpack(e + "I", b[4:8])
    (n,) = struct.unpack(e + "H", b[off:off + 2])

    def entries():
        for at in range(off + 2, off + 2 + 12 * n, 12):
            yield (*struct.unpack(e + "HHI", b[at:at + 8]), at + 8)
    return e, entries()


def _with_icc_png(png: bytes | memoryview, icc: bytes) -> list:
    """The parts of ``png`` with an iCCP chunk holding ``icc``, after its IHDR (where the format
    wants it); the parts, written one after the other, are the file (see :func:`write_image`)."""
    import zlib

    body = b"icc\x00\x00" + zlib.compress(icc)
    chunk = len(body).to_bytes(4, "big") + b"iCCP" + body + (zlib.crc32(b"iCCP" + body) & 0xFFFFFFFF).to_bytes(4, "big")
    end = 8 + 8 + int.from_bytes(png[8:12], "big") + 4  # signature, IHDR
    return [png[:end], chunk, png[end:]]


def _with_dpi_png(png: bytes | memoryview, dpi: tuple[float, float]) -> list:
    """The parts of ``png`` (as :func:`_with_icc_png`) with a pHYs chunk stating ``dpi`` (x, y dots per
    inch) in pixels per metre, after its IHDR; one with a pHYs already is returned as it is."""
    import zlib

    end = 8 + 8 + int.from_bytes(png[8:12], "big") + 4  # signature, IHDR
    if bytes(png[end + 4:end + 8]) == b"pHYs":
        return [png]
    body = struct.pack(">IIB", *(round(v / 0.0254) for v in dpi), 1)
    chunk = b"\x00\x00\x00\x09pHYs" + body + (zlib.crc32(b"pHYs" + body) & 0xFFFFFFFF).to_bytes(4, "big")
    return [png[:end], chunk, png[end:]]


def _with_dpi_jpeg(jpg: bytes | memoryview, dpi: tuple[float, float]) -> list:
    """The parts of ``jpg`` (as :func:`_with_icc_png`) with its JFIF segment's density (libjpeg's: 1:1,
    an aspect ratio alone) stating ``dpi`` (x, y dots per inch, whole numbers); a file without
    one first, or a resolution beyond what it holds, is returned as it is."""
    x, y = (round(v) for v in dpi)
    for marker, i in _jpeg_segments(jpg):
        if marker == 0xE0 and bytes(jpg[i + 4:i + 9]) == b"JFIF\x00" and 0 < x < 65536 and 0 < y < 65536:
            return [jpg[:i + 11], struct.pack(">BHH", 1, x, y), jpg[i + 16:]]
        break
    return [jpg]


def _with_dpi_bmp(bmp: bytes | memoryview, dpi: tuple[float, float]) -> list:
    """The parts of ``bmp`` (as :func:`_with_icc_png`) with its info header's pixels per metre
    (OpenCV's: 0, none) stating ``dpi`` (x, y dots per inch); a file without such a header,
    or a resolution beyond what it holds, is returned as it is."""
    x, y = (round(v / 0.0254) for v in dpi)
    if bytes(bmp[:2]) != b"BM" or len(bmp) < 54 or int.from_bytes(bmp[14:18], "little") < 40:
        return [bmp]
    if not (0 < x < 1 << 31 and 0 < y < 1 << 31):
        return [bmp]
    return [bmp[:38], struct.pack("<ii", x, y), bmp[46:]]


def _jp2_resolution(v: float) -> tuple[int, int, int] | None:
    """``v`` dots per inch as a JPEG 2000 resolution box's numerator, denominator (16 bits each)
    and exponent (0 up: Pillow reads it unsigned) of pixels a metre, ``n / d * 10**e``: the
    nearest they hold (300: 15000/127 x 10^2, exactly); None for one they cannot hold."""
    from fractions import Fraction

    ppm = Fraction(v) * 5000 / 127  # (pixels a metre: an inch is 0.0254 metre)
    best = None
    for e in range(8):
        q = ppm / 10**e
        if q > 65535:
            continue
        f = q.limit_denominator(max(1, 65535 // math.ceil(q)))
        if f.numerator and (best is None or abs(f - q) * 10**e < best[0]):
            best = abs(f - q) * 10**e, (f.numerator, f.denominator, e)
    return best[1] if best else None


def _with_dpi_jp2(jp2: bytes | memoryview, dpi: tuple[float, float]) -> list:
    """The parts of ``jp2`` (as :func:`_with_icc_png`) with a resolution box (res) stating ``dpi``
    (x, y dots per inch) as the capture and the default display resolution (resc, resd) at
    the end of its header box (jp2h), whose length grows by as much; a file not laid out as
    expected (no header box of a plain length, a resolution box there already) or a
    resolution beyond what the box holds is returned as it is."""
    x, y = (_jp2_resolution(v) for v in dpi)
    if x is None or y is None:
        return [jp2]
    b = memoryview(jp2)
    for kind, start, end in iso_boxes(b, 0, len(b)):
        if kind == b"jp2h":
            if start - 8 != end - int.from_bytes(b[start - 8:start - 4], "big") or any(
                    k == b"res " for k, _s, _e in iso_boxes(b, start, end)):
                return [jp2]
            body = struct.pack(">HHHHBB", y[0], y[1], x[0], x[1], y[2], x[2])  # (vertical first)
            res = b"".join((18).to_bytes(4, "big") + k + body for k in (b"resc", b"resd"))
            res = (8 + len(res)).to_bytes(4, "big") + b"res " + res
            return [jp2[:start - 8], (end - start + 8 + len(res)).to_bytes(4, "big"), jp2[start - 4:end], res,
                    jp2[end:]]
    return [jp2]


#: how an output format states a resolution (TIFF: see _tiff_tags; WebP: _with_icc_webp)
_WITH_DPI = {".png": _with_dpi_png, **dict.fromkeys(JPEG_EXTS, _with_dpi_jpeg),
             ".bmp": _with_dpi_bmp, ".jp2": _with_dpi_jp2}


#: the most profile bytes one JPEG APP2 segment holds (65535, less its length, signature, numbers)
_ICC_JPEG_CHUNK = 65519


def _with_icc_jpeg(jpg: bytes | memoryview, icc: bytes) -> list:
    """The parts of ``jpg`` (as :func:`_with_icc_png`) with ``icc`` in APP2 ``ICC_PROFILE`` segments (at most 65519 bytes each, numbered
    from 1, with their count), after its SOI and the APP0 (JFIF) and APP1 (EXIF) segments that
    follow it, as the ICC specification places them; a file not laid out as expected (no
    start of scan among its segments, a profile there already, one too large for 255
    segments) is returned as it is."""
    parts = [icc[i:i + _ICC_JPEG_CHUNK] for i in range(0, len(icc), _ICC_JPEG_CHUNK)]
    if bytes(jpg[:2]) != b"\xff\xd8" or not 0 < len(parts) <= 255:
        return [jpg]
    at = scan = None
    for marker, i in _jpeg_segments(jpg):
        if at is None and marker not in (0xE0, 0xE1):
            at = i
        if marker == 0xE2 and jpg[i + 4:i + 16] == b"ICC_PROFILE\x00":
            return [jpg]
        if marker == 0xDA:
            scan = i
    if scan is None or at is None:
        return [jpg]
    segments = b"".join(b"\xff\xe2" + (16 + len(part)).to_bytes(2, "big") + b"ICC_PROFILE\x00"
                        + bytes((k + 1, len(parts))) + part for k, part in enumerate(parts))
    return [jpg[:at], segments, jpg[at:]]


def _with_icc_webp(webp: bytes | memoryview, icc: bytes | None, exif: bytes | None = None) -> list:
    """The parts of ``webp`` (as :func:`_with_icc_png`) in the extended format with an ICCP chunk holding ``icc``: a VP8X chunk (its
    ICC flag set; the canvas size and alpha flag of a simple file's VP8 or VP8L image), the
    ICCP chunk after it, then the rest, and the RIFF size updated.  ``exif``: an EXIF chunk
    (see :func:`_dpi_exif`) after the image, where the format places it, and the VP8X's EXIF
    flag set (``icc`` None: no ICCP chunk).  A file not laid out as expected (chunks that do
    not fill the RIFF exactly, a profile or EXIF there already, a first chunk of another kind)
    is returned as it is."""
    n = len(webp)
    if n < 20 or webp[:4] != b"RIFF" or webp[8:12] != b"WEBP" or int.from_bytes(webp[4:8], "little") + 8 != n:
        return [webp]
    kinds, i = [], 12  # (i: where the chunks end)
    for kind, at, size in _webp_chunks(webp):
        kinds.append(kind)
        i = at + size + (size & 1)
    if i != n or not (icc or exif) or icc and b"ICCP" in kinds or exif and b"EXIF" in kinds:
        return [webp]
    size = int.from_bytes(webp[16:20], "little")
    image = webp[20:20 + size]
    said = (0x20 if icc else 0) | (0x08 if exif else 0)  # (the VP8X flags of the chunks added)
    if kinds[0] == b"VP8X" and size == 10:
        header, rest = bytes(webp[12:20]) + bytes((webp[20] | said,)) + bytes(webp[21:30]), webp[30:]
    else:
        if kinds == [b"VP8 "] and size >= 10 and image[3:6] == b"\x9d\x01\x2a":  # a key frame's start code
            w = int.from_bytes(image[6:8], "little") & 0x3FFF
            h = int.from_bytes(image[8:10], "little") & 0x3FFF
            flags = said
        elif kinds == [b"VP8L"] and size >= 5 and image[0] == 0x2F:  # the lossless signature
            bits = int.from_bytes(image[1:5], "little")  # 14 bits width-1, 14 height-1, 1 alpha used
            w, h = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            flags = said | (0x10 if bits >> 28 & 1 else 0)
        else:
            return [webp]
        if not w or not h:
            return [webp]
        header = (b"VP8X" + (10).to_bytes(4, "little") + bytes((flags, 0, 0, 0))
                  + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little"))
        rest = webp[12:]
    iccp = b"ICCP" + len(icc).to_bytes(4, "little") + icc + b"\x00" * (len(icc) & 1) if icc else b""
    after = b"EXIF" + len(exif).to_bytes(4, "little") + exif + b"\x00" * (len(exif) & 1) if exif else b""
    size = 4 + len(header) + len(iccp) + len(rest) + len(after)  # (the RIFF's body: WEBP, then the chunks)
    if size >= 1 << 32:
        return [webp]
    return [b"RIFF" + size.to_bytes(4, "little") + b"WEBP" + header + iccp, rest, after]


def _dpi_exif(dpi: tuple[float, float]) -> bytes:
    """An EXIF (its TIFF structure, little-endian) whose first directory states ``dpi`` (x, y
    dots per inch): XResolution and YResolution (fractions, see :func:`_rational`),
    ResolutionUnit inch."""
    ifd = (struct.pack("<H", 3) + struct.pack("<HHII", 282, 5, 1, 50) + struct.pack("<HHII", 283, 5, 1, 58)
           + struct.pack("<HHIHH", 296, 3, 1, 2, 0) + bytes(4))  # (then no next directory)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<IIII", *_rational(dpi[0]), *_rational(dpi[1]))


def orient(img: np.ndarray, orientation: int) -> np.ndarray:
    """``img`` turned as EXIF ``orientation`` (1-8) says it is to be shown (OpenCV's own mapping),
    a new array (``img`` is left as it is).  One full-size copy is made: the transposed one is
    flipped in place (flipped into a copy of its own, a 79-megapixel 16-bit RGBA PNG turned
    sideways held three, 1.97 GB at the peak against 1.36 unturned)."""
    flip = {2: 1, 3: -1, 4: 0, 6: 1, 7: -1, 8: 0}.get(orientation)
    if orientation not in (5, 6, 7, 8):
        return cv2.flip(img, flip) if flip is not None else img
    img = cv2.transpose(img)
    return cv2.flip(img, flip, dst=img) if flip is not None else img


def _exif_orientation(data: np.ndarray) -> int:
    """The EXIF orientation of a PNG (eXIf chunk) or WebP (EXIF chunk), which OpenCV does not
    apply when it keeps an alpha channel (JPEG: see _decode_flags; TIFF: its decoder applies
    its own tag); 1 (as stored) when there is none."""
    import struct

    exif = _exif(data) if data[:2].tobytes() != b"\xff\xd8" else None
    if not exif:
        return 1
    e = "<" if exif[:2] == b"II" else ">"
    try:
        (off,) = struct.unpack(e + "I", exif[4:8])
        (count,) = struct.unpack(e + "H", exif[off:off + 2])
        for k in range(count):
            tag, typ, _n = struct.unpack(e + "HHI", exif[off + 2 + 12 * k:off + 10 + 12 * k])
            if tag == 0x0112 and typ == 3:
                (value,) = struct.unpack(e + "H", exif[off + 10 + 12 * k:off + 12 + 12 * k])
                return value if 1 <= value <= 8 else 1
    except struct.error:
        pass
    return 1


#: the tags of a TIFF's (or an EXIF's) first directory :func:`resolution` reads: Orientation,
#: XResolution, YResolution, ResolutionUnit
_RESOLUTION_TAGS = (274, 282, 283, 296)


def _ifd0_numbers(b) -> dict[int, float]:
    """The values of :data:`_RESOLUTION_TAGS` in the first directory of a TIFF structure ``b`` (a
    TIFF's or BigTIFF's uint8 array, or an EXIF's bytes), as numbers (a RATIONAL's quotient); a
    tag of another type, or one that cannot be read, is left out."""
    big = bytes(b[2:4]) in (b"+\x00", b"\x00+")
    got: dict[int, float] = {}
    try:
        e, entries = _bigtiff_first_ifd(b) if big else _tiff_first_ifd(b)
        for tag, typ, count, at in entries:
            if tag not in _RESOLUTION_TAGS or count < 1:
                continue
            if typ == 3 or typ == 4 and tag != 274:  # SHORT, LONG (an orientation is read as a SHORT alone,
                # as it is applied: see _exif_orientation)
                (got[tag],) = struct.unpack(e + ("H" if typ == 3 else "I"), bytes(b[at:at + (2 if typ == 3 else 4)]))
            elif typ == 5:  # RATIONAL: elsewhere in a classic TIFF (8 bytes), in the entry in a BigTIFF
                if not big:
                    (at,) = struct.unpack(e + "I", bytes(b[at:at + 4]))
                num, den = struct.unpack(e + "II", bytes(b[at:at + 8]))
                if den:
                    got[tag] = num / den
    except struct.error:
        pass
    return got


def _per_inch(x, y, unit) -> tuple[float, float] | None:
    """``(x, y)`` pixels per ``unit`` (TIFF's ResolutionUnit: 2 inch, 3 centimetre) as dots per
    inch; None for no unit (1: an aspect ratio alone) or values that are not a resolution."""
    if unit not in (2, 3) or x is None or y is None:
        return None
    x, y = (float(v) * (2.54 if unit == 3 else 1.0) for v in (x, y))
    return (x, y) if all(0 < v < 1e6 for v in (x, y)) else None


def resolution(data: np.ndarray, upright: bool = True) -> tuple[float, float] | None:
    """``(x, y)``: the resolution a picture file states, in dots per inch (a product shot's 300,
    which print layouts size it by): a JPEG's JFIF density (or its EXIF's), a PNG's pHYs (or
    its eXIf's), a TIFF's or BigTIFF's XResolution and YResolution, a WebP's EXIF's, a BMP's
    pixels per metre, a JPEG 2000's resolution box (see :func:`_jp2_dpi`), an AVIF's Exif item's;
    None where it states none (a JFIF density of an aspect ratio alone).
    ``upright``: as :func:`read_image` turns the picture (by the EXIF orientation; a TIFF's
    decoder turns it by its own either way), x and y exchanged where it is turned sideways."""
    head = data[:12].tobytes()
    tiff = head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
    exif = None if tiff else _exif(data)
    tags = _ifd0_numbers(data if tiff else exif) if tiff or exif else {}
    dpi = None
    try:
        if head[:2] == b"\xff\xd8":  # (JFIF APP0: version, units 1 inch or 2 cm, x and y densities)
            whole = memoryview(data)
            for marker, i in _jpeg_segments(whole):
                if marker == 0xE0 and bytes(whole[i + 4:i + 9]) == b"JFIF\x00" and i + 16 <= len(whole):
                    unit, x, y = struct.unpack(">BHH", whole[i + 11:i + 16])
                    dpi = _per_inch(x, y, unit + 1)
                    break
        elif head[:8] == b"\x89PNG\r\n\x1a\n":  # (pHYs: x and y pixels per unit, 1: the metre)
            for kind, start, length in _png_chunks(data):
                if kind == b"IDAT":
                    break
                if kind == b"pHYs" and length == 9 and start + 9 <= data.size:
                    x, y, unit = struct.unpack(">IIB", data[start:start + 9].tobytes())
                    dpi = _per_inch(x / 100, y / 100, 3) if unit == 1 else None
                    break
        elif head == b"\x00\x00\x00\x0cjP  \r\n\x87\n":
            dpi = _jp2_dpi(data)
        elif head[:2] == b"BM" and data.size >= 46 and int.from_bytes(data[14:18].tobytes(), "little") >= 40:
            x, y = struct.unpack("<ii", data[38:46].tobytes())  # (an info header's pixels per metre)
            dpi = _per_inch(x / 100, y / 100, 3)
    except struct.error:
        dpi = None
    if dpi is None:
        dpi = _tags_dpi(tags)
    if dpi is not None and (upright or tiff) and tags.get(274) in (5, 6, 7, 8):
        dpi = dpi[1], dpi[0]  # (turned sideways: what was across is now up)
    if dpi is None and head[4:8] == b"ftyp":  # (an AVIF's Exif item; turned by its irot, not by the
        # EXIF's orientation, as read_image turns it)
        avif = _avif_exif(data)
        tags = _ifd0_numbers(avif) if avif else {}
        dpi = _tags_dpi(tags)
        if dpi is not None and upright and sum(n for kind, n in _avif_turns(data) if kind == b"irot") % 2:
            dpi = dpi[1], dpi[0]
    return dpi


def _sideways(data: np.ndarray, upright: bool) -> bool:
    """Whether read_image turns the picture sideways (an EXIF orientation of 5 to 8, of a JPEG, PNG
    or WebP where ``upright``; a TIFF's own, which its decoder applies either way), as
    :func:`resolution` exchanges its x and y."""
    tiff = data[:4].tobytes() in _TIFF_HEADS
    if not (upright or tiff):
        return False
    exif = None if tiff else _exif(data)
    return (_ifd0_numbers(data if tiff else exif) if tiff or exif else {}).get(274) in (5, 6, 7, 8)


def _tags_dpi(tags: dict) -> tuple[float, float] | None:
    """The resolution TIFF/EXIF tags (:func:`_ifd0_numbers`) state, in dots per inch: XResolution,
    YResolution, ResolutionUnit (inches where none is said); None where they state none."""
    return _per_inch(tags.get(282), tags.get(283), tags.get(296, 2))


def _jp2_dpi(data: np.ndarray) -> tuple[float, float] | None:
    """The resolution a JPEG 2000 (JP2) file's header box (jp2h) states in its resolution box
    (res), in dots per inch: the capture resolution (resc; as Pillow reads it), else the
    default display one (resd), each pixels a metre as n / d x 10^e; None: none."""
    b = memoryview(data)
    for kind, start, end in iso_boxes(b, 0, len(b)):
        if kind == b"jp2h":
            for kind2, s2, e2 in iso_boxes(b, start, end):
                if kind2 == b"res ":
                    found = {k: bytes(b[s:e]) for k, s, e in iso_boxes(b, s2, e2) if e - s == 10}
                    for box in (found.get(b"resc"), found.get(b"resd")):
                        if box:
                            vn, vd, hn, hd, ve, he = struct.unpack(">HHHHbb", box)
                            if vd and hd:
                                dpi = _per_inch(hn / hd * 10.0**he / 100, vn / vd * 10.0**ve / 100, 3)
                                if dpi is not None:
                                    return dpi
            return None
    return None


def _exif_resolution(exif: bytes | None) -> tuple[float, float] | None:
    """The resolution an EXIF (its TIFF structure, after an Exif header or not) states, in dots per
    inch, x and y exchanged where its orientation says the picture is stored sideways (a
    HEIC's, which libheif turns: see :func:`resolution`); None where it states none."""
    if exif and exif.startswith(b"Exif\x00\x00"):
        exif = exif[6:]
    if not exif or exif[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    tags = _ifd0_numbers(exif)
    dpi = _tags_dpi(tags)
    return (dpi[1], dpi[0]) if dpi is not None and tags.get(274) in (5, 6, 7, 8) else dpi


def _exif(data: np.ndarray) -> bytes | None:
    """The EXIF of a JPEG (APP1 Exif segment), PNG (eXIf chunk) or WebP (EXIF chunk): its TIFF
    structure, from the byte order mark on; None when there is none."""
    b = data[:12].tobytes()
    exif = None
    if b.startswith(b"\xff\xd8"):
        whole = memoryview(data)  # (segment by segment: the file is not copied)
        exif = next((bytes(whole[i + 4:i + 2 + int.from_bytes(whole[i + 2:i + 4], "big")])
                     for marker, i in _jpeg_segments(whole)
                     if marker == 0xE1 and bytes(whole[i + 4:i + 10]) == b"Exif\x00\x00"), None)
    elif b.startswith(b"\x89PNG\r\n\x1a\n"):
        for kind, start, length in _png_chunks(data):
            if kind == b"eXIf":
                exif = data[start:start + length].tobytes()
                break
    elif b.startswith(b"RIFF") and b[8:12] == b"WEBP":
        exif = _webp_chunk(data, b"EXIF")
    if not exif:
        return None
    if exif.startswith(b"Exif\x00\x00"):
        exif = exif[6:]
    return exif if exif[:4] in (b"II*\x00", b"MM\x00*") else None


def _dcf_adobe_rgb(data: np.ndarray) -> bool:
    """Whether a photo's EXIF says its colours are Adobe RGB as a camera's DCF option file says
    it, with no profile embedded (Nikon, Canon, Sony set to Adobe RGB): ColorSpace (0xA001 of
    the Exif IFD) uncalibrated (0xFFFF) and InteroperabilityIndex (0x0001 of the Interop IFD)
    "R03"; Photoshop, Lightroom, darktable and GIMP read it so.  A TIFF's EXIF is the file's
    own structure: its first directory points to the Exif IFD (read in place, not copied)."""
    exif = memoryview(data) if data[:4].tobytes() in (b"II*\x00", b"MM\x00*") else _exif(data)
    if not exif:
        return False
    e = "<" if exif[:2] == b"II" else ">"

    def entry(off: int, want: int) -> tuple[int, int, int] | None:
        """(type, count, offset of the value bytes) of tag ``want`` in the IFD at ``off``."""
        (n,) = struct.unpack(e + "H", exif[off:off + 2])
        for at in range(off + 2, off + 2 + 12 * n, 12):
            tag, typ, count = struct.unpack(e + "HHI", exif[at:at + 8])
            if tag == want:
                return typ, count, at + 8
        return None

    def pointer(off: int, tag: int) -> int | None:
        found = entry(off, tag)
        return struct.unpack(e + "I", exif[found[2]:found[2] + 4])[0] if found and found[0] in (4, 13) else None

    try:
        sub = pointer(struct.unpack(e + "I", exif[4:8])[0], 0x8769)
        space = entry(sub, 0xA001) if sub else None
        if not space or space[0] != 3 or struct.unpack(e + "H", exif[space[2]:space[2] + 2])[0] != 0xFFFF:
            return False
        iop = pointer(sub, 0xA005)
        index = entry(iop, 0x0001) if iop else None
        return bool(index) and index[0] in (2, 7) and bytes(exif[index[2]:index[2] + 3]) == b"R03"
    except struct.error:
        return False


#: Adobe RGB (1998): its primaries and white (x, y), and its gamma, 563/256
_ADOBE_RGB = ((0.64, 0.33), (0.21, 0.71), (0.15, 0.06), (0.3127, 0.3290))


def _dcf_icc(data: np.ndarray) -> bytes | None:
    """An Adobe RGB (1998) colour profile (see :func:`_matrix_icc`) for a photo whose EXIF says
    Adobe RGB without one embedded (see :func:`_dcf_adobe_rgb`): its cutout, with no EXIF and
    no profile, was taken for sRGB, its colours shown dull; else None."""
    if not _dcf_adobe_rgb(data):
        return None
    gamma = b"curv" + bytes(4) + (1).to_bytes(4, "big") + (563).to_bytes(2, "big")  # (u8Fixed8: 2.19921875)
    return _matrix_icc(_ADOBE_RGB, gamma, b"livecut: Adobe RGB (1998), from EXIF (DCF R03)")


#: sRGB's primaries and white (x, y), as a PNG's cHRM says them
_SRGB_XY = ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06), (0.3127, 0.3290))


def _png_icc(data: np.ndarray) -> bytes | None:
    """A colour profile (see :func:`_matrix_icc`) of what a PNG's gAMA and cHRM chunks say, where
    it holds neither a profile (iCCP) nor an sRGB chunk, which rule over them (Photoshop's Save
    for Web, ImageMagick, older Macs' PNGs): its cutout, with neither, was taken for sRGB; or of
    what its cICP chunk says, which rules over them (Display P3: see :func:`_cicp_icc`).
    Primaries from cHRM (sRGB's without it), the curve from gAMA (sRGB's without it); None where
    both say sRGB (a gAMA of 2.2, 45455, alone: viewers take it for sRGB), or they cannot be
    read, or for another file."""
    if data[:8].tobytes() != b"\x89PNG\r\n\x1a\n":
        return None
    gama = xy = None
    for kind, start, length in _png_chunks(data):
        if kind in (b"iCCP", b"sRGB", b"IDAT"):
            if kind != b"IDAT":
                return None
            break
        if start + length > data.size:  # (a chunk the file's end cut: it was a struct.error)
            return None
        if kind == b"cICP" and length == 4:  # (PNG's third edition: it rules over gAMA and cHRM)
            return _cicp_icc(int(data[start]), int(data[start + 1]))
        if kind == b"gAMA" and length == 4:
            gama = int.from_bytes(data[start:start + 4].tobytes(), "big")
        elif kind == b"cHRM" and length == 32:
            v = [x / 100000 for x in struct.unpack(">8I", data[start:start + 32].tobytes())]
            xy = ((v[2], v[3]), (v[4], v[5]), (v[6], v[7]), (v[0], v[1]))  # (stored white, red, green, blue)
    if xy is not None and any(not 0 < y <= 1 or not 0 <= x <= 1 for x, y in xy):
        xy = None
    srgb_xy = xy is None or max(abs(a - b) for p, q in zip(xy, _SRGB_XY) for a, b in zip(p, q)) < 0.005
    if gama is not None and not 0.1 <= 100000 / max(gama, 1) <= 10:  # (none, or not a curve of a picture)
        gama = None
    if srgb_xy and (gama is None or abs(gama - 45455) <= 500):
        return None
    if gama is None:  # the sRGB curve, as a table
        v = np.arange(1024) / 1023.0
        curve = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
        trc = b"curv" + bytes(4) + (1024).to_bytes(4, "big") + np.round(curve * 65535).astype(">u2").tobytes()
    else:  # (gAMA: the encoding exponent, times 100000; decoded, its inverse, as u8Fixed8)
        trc = b"curv" + bytes(4) + (1).to_bytes(4, "big") + round(256 * 100000 / gama).to_bytes(2, "big")
    name = b"livecut: PNG gAMA %d, cHRM %s" % (gama or 0, b"sRGB" if srgb_xy else b"given")
    return _matrix_icc(xy or _SRGB_XY, trc, name)


#: the colorants (rXYZ, gXYZ, bXYZ, adapted to D50) of sRGB, which a picture without a profile is
_SRGB_COLORANTS = ((0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141))


def _colorants(icc: bytes | None) -> np.ndarray | None:
    """The colorants of an RGB matrix profile (rXYZ, gXYZ, bXYZ, as rows), sRGB's for None (a
    picture without one is sRGB); None for a profile of another kind (gray, CMYK, tables
    alone) or one that cannot be read."""
    if icc is None:
        return np.array(_SRGB_COLORANTS)
    if icc[16:20] != b"RGB ":
        return None
    try:
        (n,) = struct.unpack(">I", icc[128:132])
        tags = {}
        for at in range(132, 132 + 12 * min(n, 1000), 12):
            sig, off, _size = struct.unpack(">4sII", icc[at:at + 12])
            tags[sig] = off
        rows = []
        for sig in (b"rXYZ", b"gXYZ", b"bXYZ"):
            body = icc[tags[sig]:tags[sig] + 20]
            if len(body) < 20 or body[:4] != b"XYZ ":
                return None
            rows.append([v / 65536 for v in struct.unpack(">3i", body[8:20])])
    except (KeyError, struct.error):
        return None
    return np.array(rows)


def other_colour_space(a: bytes | None, b: bytes | None) -> bool:
    """Whether pictures of the colour profiles ``a`` and ``b`` (None: none, sRGB) are in other
    colour spaces: matrix profiles whose primaries (colorants) differ (Display P3 and sRGB,
    Adobe RGB and none); False where they are the same, or either is not known so."""
    if a == b:
        return False
    ca, cb = _colorants(a), _colorants(b)
    return ca is not None and cb is not None and float(np.abs(ca - cb).max()) > 0.01


def _tone_curve(icc: bytes, at: int, x: np.ndarray) -> np.ndarray | None:
    """The values at ``x`` (0..1) of the ICC tone curve (curv or para) at offset ``at`` of
    ``icc``; None for one that cannot be read."""
    kind = icc[at:at + 4]
    if kind == b"curv":
        (n,) = struct.unpack(">I", icc[at + 8:at + 12])
        if n == 0:
            return x
        table = np.frombuffer(icc[at + 12:at + 12 + 2 * n], ">u2").astype(float)
        if table.size != n:
            return None
        if n == 1:
            return x ** (table[0] / 256)  # (a gamma, u8Fixed8)
        return np.interp(x, np.linspace(0, 1, n), table / 65535)
    if kind == b"para":
        (kind_n,) = struct.unpack(">H", icc[at + 8:at + 10])
        count = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}.get(kind_n)
        if count is None or len(icc) < at + 12 + 4 * count:
            return None
        g, a, b, c, d, e, f = [*(v / 65536 for v in struct.unpack(f">{count}i", icc[at + 12:at + 12 + 4 * count])),
                               *([0.0] * (7 - count))]
        if kind_n == 0:
            return x ** g
        if kind_n in (1, 2):  # (ax + b)^g (+ c) from x = -b/a, else (0 or) c
            c = c if kind_n == 2 else 0.0
            d = -b / a if a else 0.0
        lin = np.clip(a * x + b, 0, None) ** g
        return np.where(x >= d, lin + (e if kind_n == 4 else c if kind_n == 2 else 0.0),
                        c * x + f if kind_n in (3, 4) else c)
    return None


def is_srgb(icc: bytes | None) -> bool:
    """Whether the colour profile ``icc`` says what a picture without one is taken for, sRGB:
    a matrix profile of sRGB's primaries (as :func:`other_colour_space` tells them) whose tone
    curves are sRGB's, or within 0.01 of it (a gamma of 2.2, which a PNG's gAMA is taken for
    sRGB at too).  None is sRGB; a profile that cannot be read is not."""
    if icc is None:
        return True
    if other_colour_space(icc, None) or _colorants(icc) is None:
        return False
    x = np.linspace(0, 1, 257)
    srgb = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)
    try:
        (n,) = struct.unpack(">I", icc[128:132])
        tags = dict(struct.unpack(">4sI", icc[at:at + 8]) for at in range(132, 132 + 12 * min(n, 1000), 12))
        for sig in (b"rTRC", b"gTRC", b"bTRC"):
            with np.errstate(all="ignore"):  # (a curve of a negative gamma: inf, not a RuntimeWarning said)
                y = _tone_curve(icc, tags[sig], x)
            if y is None or not np.isfinite(y).all() or float(np.abs(y - srgb).max()) > 0.01:
                return False
    except (KeyError, struct.error, ValueError, ZeroDivisionError, OverflowError):
        return False
    return True


def srgb_colour_in(bgr: tuple[int, int, int], icc: bytes | None) -> tuple[int, int, int] | None:
    """The 8-bit colour ``bgr`` (B, G, R), an sRGB one (as ``color:#RRGGBB`` is, by CSS's and every
    picture tool's reading), as the RGB matrix profile ``icc`` writes it: what a picture of that
    profile holds to show that colour (sRGB to XYZ, both profiles' colorants adapted to D50 as
    ICC makes them, to the profile's linear RGB, clipped to its gamut, through the inverse of its
    tone curves). ``bgr`` itself for None or an sRGB profile (:func:`is_srgb`); None for a
    profile that is not an RGB matrix one or cannot be read."""
    if is_srgb(icc):
        return tuple(int(v) for v in bgr)
    to = _colorants(icc)
    if to is None:
        return None
    x = np.linspace(0, 1, 4097)
    try:
        (n,) = struct.unpack(">I", icc[128:132])
        tags = dict(struct.unpack(">4sI", icc[at:at + 8]) for at in range(132, 132 + 12 * min(n, 1000), 12))
        with np.errstate(all="ignore"):
            curves = [_tone_curve(icc, tags[sig], x) for sig in (b"rTRC", b"gTRC", b"bTRC")]
    except (KeyError, struct.error, ValueError, ZeroDivisionError, OverflowError):
        return None
    if any(c is None or not np.isfinite(c).all() or (np.diff(c) < 0).any() for c in curves):
        return None
    rgb = np.array(bgr[::-1], float) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array(_SRGB_COLORANTS).T @ linear
    try:
        theirs = np.clip(np.linalg.solve(to.T, xyz), 0, 1)
    except np.linalg.LinAlgError:
        return None
    out = [float(np.interp(v, c, x)) for v, c in zip(theirs, curves)]  # (each curve inverted)
    return tuple(int(round(v * 255)) for v in out[::-1])


def colour_profile(path: str | Path) -> bytes | None:
    """The colour profile that :func:`read_image` gives a picture file (embedded, made from a
    camera's EXIF, a PNG's gAMA and cHRM or a HEIC's or AVIF's nclx), read from the file's structure (a HEIF is decoded);
    None where it has none or cannot be read."""
    try:
        data = np.fromfile(path, np.uint8)
        if _heif_picture(data):
            meta: dict = {}
            read_image(path, meta)
            return meta["icc"]
    except (OSError, ImageReadError, ImageSizeError):
        return None
    return icc_profile(data) or _dcf_icc(data) or _png_icc(data) or _avif_nclx_icc(data)


#: an AVIF's irot (turns of 90 degrees anticlockwise) as OpenCV's rotation
_IROT = {1: cv2.ROTATE_90_COUNTERCLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_CLOCKWISE}


def iso_boxes(b: memoryview, i: int, end: int):
    """(type, payload offset, end) of each ISO media box from ``i`` to ``end`` of ``b``; stops
    at one that runs past ``end`` or makes no sense."""
    while i + 8 <= end:
        size, kind, head = int.from_bytes(b[i:i + 4], "big"), bytes(b[i + 4:i + 8]), 8
        if size == 1 and i + 16 <= end:
            size, head = int.from_bytes(b[i + 8:i + 16], "big"), 16
        elif size == 0:
            size = end - i
        if size < head or i + size > end:
            return
        yield kind, i + head, i + size
        i += size


#: the brands of an AVIF (a picture, a sequence) in its ftyp box
_AVIF_BRANDS = frozenset({b"avif", b"avis"})


def _ftyp_brands(head: bytes) -> set[bytes]:
    """The brands (major and compatible) of an ISO media file's ftyp box, read from its first
    bytes ``head``; empty for another file."""
    if head[4:8] != b"ftyp":
        return set()
    size = int.from_bytes(head[0:4], "big")
    return {head[j:j + 4] for j in (8, *range(16, min(size, len(head)) - 3, 4))}


def _avif_properties(data: np.ndarray) -> list[tuple[bytes, bytes]]:
    """``(type, payload)`` of each property of an AVIF's primary picture, in the order its item
    property associations list them (the order transformations are applied in); [] for
    another file."""
    if not _ftyp_brands(data[:64].tobytes()) & _AVIF_BRANDS:
        return []
    b = memoryview(data)
    meta = next(((s, e) for kind, s, e in iso_boxes(b, 0, len(b)) if kind == b"meta"), None)
    if meta is None:
        return []
    primary, props, links = None, [], {}
    for kind, s, e in iso_boxes(b, meta[0] + 4, meta[1]):  # (meta is a full box: version, flags)
        if kind == b"pitm" and e - s >= 6:
            primary = int.from_bytes(b[s + 4:s + (6 if b[s] == 0 else 8)], "big")
        elif kind == b"iprp":
            for kind2, s2, e2 in iso_boxes(b, s, e):
                if kind2 == b"ipco":
                    props = [(k, bytes(b[s3:e3])) for k, s3, e3 in iso_boxes(b, s2, e2)]
                elif kind2 == b"ipma" and e2 - s2 >= 8:  # (version 0: 16-bit item ids; flag 1: 15-bit indices)
                    id_size, step = 2 if b[s2] == 0 else 4, 2 if b[s2 + 3] & 1 else 1
                    low = 0x7FFF if step == 2 else 0x7F  # (the top bit: essential)
                    i = s2 + 8
                    for _ in range(int.from_bytes(b[s2 + 4:s2 + 8], "big")):
                        if i + id_size + 1 > e2:
                            break
                        item, n = int.from_bytes(b[i:i + id_size], "big"), b[i + id_size]
                        i += id_size + 1
                        links[item] = [int.from_bytes(b[i + k * step:i + (k + 1) * step], "big") & low
                                       for k in range(n) if i + (k + 1) * step <= e2]
                        i += n * step
    return [props[index - 1] for index in (links.get(primary, []) if primary is not None else [])
            if 1 <= index <= len(props)]


def _avif_exif(data: np.ndarray) -> bytes | None:
    """The EXIF of an AVIF (its Exif item, found by its item information, iinf, and read where
    its item location, iloc, says: extents in the file, construction method 0): its TIFF
    structure, after the offset the item starts with; None for another file or none."""
    if not _ftyp_brands(data[:64].tobytes()) & _AVIF_BRANDS:
        return None
    b = memoryview(data)
    meta = next(((s, e) for kind, s, e in iso_boxes(b, 0, len(b)) if kind == b"meta"), None)
    if meta is None:
        return None
    item, extents = None, {}
    try:
        for kind, s, e in iso_boxes(b, meta[0] + 4, meta[1]):  # (meta is a full box: version, flags)
            if kind == b"iinf":
                first = s + (6 if b[s] == 0 else 8)  # (version, flags, a 16- or 32-bit entry count)
                for kind2, s2, e2 in iso_boxes(b, first, e):
                    if kind2 == b"infe" and b[s2] in (2, 3):  # (item id of 16 or 32 bits, protection, type)
                        n = 2 if b[s2] == 2 else 4
                        if bytes(b[s2 + 6 + n:s2 + 10 + n]) == b"Exif":
                            item = int.from_bytes(b[s2 + 4:s2 + 4 + n], "big")
            elif kind == b"iloc":
                version = b[s]
                sizes = (b[s + 4] >> 4, b[s + 4] & 15, b[s + 5] >> 4, b[s + 5] & 15 if version else 0)
                offset_size, length_size, base_size, index_size = sizes
                n = 2 if version < 2 else 4
                i = s + 6 + n
                for _ in range(int.from_bytes(b[s + 6:s + 6 + n], "big")):
                    if i + n > e:  # (a count beyond the box: a damaged file, not read on for billions)
                        break
                    item_id = int.from_bytes(b[i:i + n], "big")
                    i += n
                    method = int.from_bytes(b[i:i + 2], "big") & 15 if version else 0
                    i += (2 if version else 0) + 2  # (construction method, data reference index)
                    base = int.from_bytes(b[i:i + base_size], "big")
                    i += base_size
                    count = int.from_bytes(b[i:i + 2], "big")
                    i += 2
                    spans = []
                    for _k in range(count):
                        if i > e:
                            break
                        i += index_size
                        at = int.from_bytes(b[i:i + offset_size], "big")
                        size = int.from_bytes(b[i + offset_size:i + offset_size + length_size], "big")
                        i += offset_size + length_size
                        spans.append((base + at, size))
                    if method == 0:
                        extents[item_id] = spans
    except IndexError:
        return None
    if item is None or not extents.get(item):
        return None
    exif = b"".join(bytes(b[at:at + size]) for at, size in extents[item])
    if len(exif) < 4:
        return None
    exif = exif[4 + int.from_bytes(exif[:4], "big"):]  # (past the offset of its TIFF header)
    return exif if exif[:4] in (b"II*\x00", b"MM\x00*") else None


def _avif_turns(data: np.ndarray) -> list[tuple[bytes, int]]:
    """The rotation and mirror properties of an AVIF's primary picture, in the order they are
    applied: ``(b"irot", turns of 90 degrees anticlockwise)``, ``(b"imir", 0: top and bottom
    exchanged, 1: left and right)``; [] for another file or none.  (A HEIC's are applied by
    libheif, see :func:`_read_heif`.)"""
    turns = []
    for kind, payload in _avif_properties(data):
        # (irot, imir: 8 bits, the angle or the axis in the low ones; 0 turns: as stored)
        if kind == b"irot" and payload and payload[0] & 3:
            turns.append((kind, payload[0] & 3))
        elif kind == b"imir" and payload:
            turns.append((kind, payload[0] & 1))
    return turns


def _avif_clap(data: np.ndarray, width: int, height: int) -> tuple[int, int, int, int] | None:
    """``(x, y, w, h)``: the clean aperture (clap property) of an AVIF's primary picture of
    ``width`` x ``height`` as decoded, the part of it that is shown (MIAF: cropped to it before it
    is turned); None for another file, none, or one that is not whole pixels inside the picture
    (read whole).  (A HEIC's is applied by libheif.)"""
    from fractions import Fraction

    clap = next((payload for kind, payload in _avif_properties(data) if kind == b"clap"), None)
    if clap is None or len(clap) < 32:
        return None
    # (width, height, then the centre's offset from the picture's, signed: each a fraction N / D)
    wn, wd, hn, hd, xn, xd, yn, yd = (int.from_bytes(clap[i:i + 4], "big", signed=i in (16, 24))
                                      for i in range(0, 32, 4))
    if 0 in (wd, hd, xd, yd):
        return None
    w, h = Fraction(wn, wd), Fraction(hn, hd)
    x = Fraction(xn, xd) + Fraction(width - 1, 2) - (w - 1) / 2
    y = Fraction(yn, yd) + Fraction(height - 1, 2) - (h - 1) / 2
    if any(v.denominator != 1 for v in (w, h, x, y)) or not (0 <= x and 0 <= y and 0 < w and 0 < h
                                                            and x + w <= width and y + h <= height):
        return None
    if (x, y, w, h) == (0, 0, width, height):
        return None
    return int(x), int(y), int(w), int(h)


def _webp_chunk(data: np.ndarray, kind: bytes) -> bytes | None:
    """The payload of a WebP's first chunk of type ``kind`` (``EXIF``, ``ICCP``), or None."""
    return next((data[at:at + size].tobytes() or None for k, at, size in _webp_chunks(data) if k == kind), None)


def _png_chunks(data: np.ndarray):
    """(type, data offset, data length) of each chunk of a PNG, in order, up to IEND or as far
    as the file goes (a chunk cut short is given as what is there)."""
    i, n = 8, data.size
    while i + 8 <= n:
        length = int.from_bytes(data[i:i + 4].tobytes(), "big")
        kind = data[i + 4:i + 8].tobytes()
        yield kind, i + 8, length
        if kind == b"IEND":
            return
        i += 12 + length


def _gray_key(data: np.ndarray) -> int | None:
    """The transparent value (tRNS) of a gray PNG, as OpenCV decodes its samples (1, 2 and 4
    bits scaled to 8); None when it has none or is not a gray PNG."""
    if data[:8].tobytes() != b"\x89PNG\r\n\x1a\n":
        return None
    depth = 0
    for kind, start, length in _png_chunks(data):
        if kind == b"IHDR" and length >= 13:
            depth, color_type = int(data[start + 8]), int(data[start + 9])
            if color_type != 0:
                return None
        elif kind == b"tRNS" and length >= 2 and depth:
            key = int.from_bytes(data[start:start + 2].tobytes(), "big")
            return key * (255 // ((1 << depth) - 1)) if depth < 8 else key
        elif kind == b"IDAT":
            return None
    return None


def _bmp_alpha(data: np.ndarray, img: np.ndarray) -> np.ndarray:
    """A BMP's colour picture ``img`` as OpenCV decoded it (BGR, or BGRA of an alpha mask): an
    alpha that is 0 everywhere is none, opaque, as Chromium shows it (OpenCV read a V4/V5
    header's empty alpha mask fully transparent: cut to nothing).  The 4th byte of a 32-bit
    uncompressed (BI_RGB) pixel stays unread, as OpenCV, browsers and GIMP leave it outside an
    icon: the plain 40-byte header calls it reserved, and many files hold other values there
    and are meant opaque (Chromium's words)."""
    if img.shape[2] == 4 and not img[:, :, 3].any():
        return np.ascontiguousarray(img[:, :, :3])
    return img


#: pixels of a BMP decoded at a time by :func:`_bmp_bitfields` (its temporaries stay small)
_BITFIELD_PIXELS = 1 << 20


def _bmp_bitfields(data: np.ndarray, p: Path) -> np.ndarray | None:
    """The picture (BGR, or BGRA where it has an alpha mask) of a BMP of 16 or 32 bits a pixel
    stored by bit masks (BI_BITFIELDS, BI_ALPHABITFIELDS), each channel read by its mask and
    scaled to 8 bits, ``round(v * 255 / max)``, as Chromium and GIMP read it (Firefox within a
    level); None for another file, which OpenCV decodes.  OpenCV refused every 16-bit one of a
    V3-alpha, V4 or V5 header -- GIMP's 16-bit exports, R5G6B5, A1R5G5B5, X1R5G5B5, in its
    default V5 header -- and one of other masks (4 bits a channel) in any header, as 'not an
    image, or truncated/corrupt', and read a 32-bit one of the 40-byte header as B, G, R, A
    bytes whatever its masks said (R, G, B came out red and blue swapped).  An alpha that is 0
    everywhere is none (as :func:`_bmp_alpha`): opaque, as Chromium shows it (OpenCV read one
    fully transparent, cut to nothing).  Raises :class:`ImageSizeError` over livecut's
    size, and :class:`ImageReadError` for pixels cut short."""
    head = data[:70].tobytes()
    if head[:2] != b"BM" or len(head) < 66:
        return None
    offset, size = struct.unpack("<II", head[10:18])
    w, h, _planes, bpp, compression = struct.unpack("<iiHHI", head[18:34])
    if size < 40 or compression not in (3, 6) or bpp not in (16, 32) or w <= 0 or h == 0:
        return None
    # (the masks follow a 40-byte header, and are its fields in a longer one: at 54 either way;
    # an alpha mask in a header of 56 bytes or more, or after the three of BI_ALPHABITFIELDS)
    masks = [*struct.unpack("<III", head[54:66]),
             struct.unpack("<I", head[66:70])[0] if len(head) >= 70 and (size >= 56 or compression == 6) else 0]
    rows = abs(h)
    if w * rows > MAX_PIXELS:
        raise _too_large(p, w, rows)
    stride, used = (w * bpp + 31) // 32 * 4, w * bpp // 8  # (each row padded to 4 bytes)
    if offset + stride * (rows - 1) + used > data.size:  # (the last row's padding may be left out)
        raise ImageReadError(f"{p}: image file is truncated")
    out = np.empty((rows, w, 4 if masks[3] else 3), np.uint8)
    step = max(1, _BITFIELD_PIXELS // w)
    for r in range(0, rows, step):
        n = min(step, rows - r)
        start = offset + stride * r
        chunk = data[start:start + stride * n]
        if chunk.size < stride * n:
            chunk = np.concatenate((chunk, np.zeros(stride * n - chunk.size, np.uint8)))
        words = np.ascontiguousarray(chunk.reshape(n, stride)[:, :used]).view("<u2" if bpp == 16 else "<u4")
        words = words.astype(np.uint64)
        # (rows bottom-up unless the height is negative: these are the picture's rows rows - r - n .. rows - r)
        dst = out[r:r + n] if h < 0 else out[rows - r - n:rows - r][::-1]
        for i, mask in zip((2, 1, 0, 3), masks):  # (R, G, B, A into B, G, R, A)
            if i == 3 and not mask:
                continue
            if not mask:
                dst[:, :, i] = 0
                continue
            shift = (mask & -mask).bit_length() - 1
            top = mask >> shift
            v = (words & mask) >> shift
            dst[:, :, i] = v if top == 255 else (v * 255 + top // 2) // top
    if masks[3] and not out[:, :, 3].any():
        return np.ascontiguousarray(out[:, :, :3])
    return out


def _pam_header(data: np.ndarray) -> dict[str, str] | None:
    """The fields of a PAM's (P7) header by name (WIDTH, DEPTH, MAXVAL, TUPLTYPE ...); None for
    a file of another type."""
    head = data[:4096].tobytes()
    if head[:2] != b"P7" or head[2:3] not in (b"\n", b"\r", b" ", b"\t"):
        return None
    fields: dict[str, str] = {}
    for line in head[3:].decode("latin-1").splitlines():
        words = line.split(None, 1)
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "ENDHDR":
            break
        fields[words[0]] = words[1].strip() if len(words) > 1 else ""
    return fields


def _stored_max(data: np.ndarray) -> int | None:
    """The largest sample value of a 16-bit container holding fewer bits (a PNM's maxval, an
    AVIF's bit depth in its pixi box, a JPEG 2000's precision), which OpenCV returns unscaled;
    None where the format says nothing."""
    head = data[:4096].tobytes()
    if head[:2] in (b"P2", b"P3", b"P5", b"P6"):
        fields, i = [], 2
        while len(fields) < 3 and i < len(head):  # width, height, maxval (comments skipped)
            c = head[i:i + 1]
            if c == b"#":
                i = head.find(b"\n", i) + 1 or len(head)
            elif c.isdigit():
                j = i
                while j < len(head) and head[j:j + 1].isdigit():
                    j += 1
                fields.append(int(head[i:j]))
                i = j
            else:
                i += 1
        return fields[2] if len(fields) == 3 and fields[2] > 0 else None
    pam = _pam_header(data)
    if pam is not None:  # (a PAM's MAXVAL, which OpenCV does not apply either)
        top = pam.get("MAXVAL", "")
        return int(top) if top.isdigit() and int(top) > 0 else None
    if _ftyp_brands(head) & _AVIF_BRANDS:  # (the major brand may be mif1)
        i = head.find(b"pixi")
        if i > 0 and i + 10 <= len(head) and 8 < head[i + 9] <= 16:
            return (1 << head[i + 9]) - 1
    # a JPEG 2000's bits per component, less 1 (its ihdr box's, 255 where they differ; a bare
    # codestream's SIZ marker's, its first component's): a 12-bit archive scan's values, 0-4095,
    # were taken for 16-bit ones and its cutout came out near black
    bits = None
    if head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n":
        i = head.find(b"ihdr")
        bits = head[i + 14] if i > 0 and i + 14 < len(head) and head[i + 14] != 0xFF else None
    elif head[:4] == b"\xff\x4f\xff\x51" and len(head) > 42:
        bits = head[42]
    if bits is not None and 8 < (bits & 0x7F) + 1 < 16:
        return (1 << ((bits & 0x7F) + 1)) - 1
    return None


def _decode_flags(data: np.ndarray) -> int:
    """How to decode: as stored (gray or colour, 8 or 16 bit, alpha kept), and turned
    upright by the EXIF orientation of a JPEG (a camera's or a phone's portrait shot is
    stored sideways with a tag saying so).  OpenCV's IMREAD_UNCHANGED, the only flag that
    keeps an alpha channel, ignores that tag; a JPEG has no alpha, so it is decoded with
    the flags that keep depth and colours and apply the orientation."""
    if data[:3].tobytes() == b"\xff\xd8\xff":
        return cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR
    return cv2.IMREAD_UNCHANGED


def _stderr_captured(call: Callable[[], Any], said: list[str]) -> Any:
    """``call()``, what C libraries (libpng, libjpeg, libtiff) print on file descriptor 2
    meanwhile collected: appended to ``said`` (one text) as it returns or raises.  Where file
    descriptor 2 cannot be redirected, ``call()`` alone.

    The redirection and its undoing are in this one frame, the call between them in its ``try``:
    a Ctrl-C (SIGTERM) can raise only where the ``finally`` undoes it.  It was a context manager,
    whose generator was left where the signal landed as file descriptor 2 was redirected (as the
    generator had redirected it, before its ``try``; or as its ``__enter__`` or ``__exit__`` ran,
    which left it to be undone when the generator was freed): standard error stayed in the
    temporary file, and `livecut image` stopped by Ctrl-C mid-batch exited 130 without a word,
    its 'interrupted: N written ...' line written there."""
    try:
        saved = os.dup(2)
    except OSError:
        return call()
    try:
        with tempfile.TemporaryFile() as tmp:
            if sys.stderr is not None:  # (None where Python started with it closed: a batch
                # worker of `livecut batch 2>&-`, whose photos all failed 'NoneType' has no 'flush')
                sys.stderr.flush()
            try:
                os.dup2(tmp.fileno(), 2)
                return call()
            finally:
                os.dup2(saved, 2)  # (first: no check for signals comes before it)
                tmp.seek(0)
                said.append(tmp.read(4096).decode("utf-8", "replace"))
    finally:
        os.close(saved)


#: picture types OpenCV does not decode, by the extension their files are named with
_UNREAD_EXTS = {".ico": "an icon (ICO)", ".cur": "a cursor (CUR)", ".svg": "an SVG drawing (vector graphics)",
                ".svgz": "an SVG drawing (vector graphics)", ".jxl": "a JPEG XL picture", ".tga": "a Targa (TGA) picture"}


def _unread_type(data: np.ndarray, p: Path) -> str | None:
    """What a file that OpenCV could not decode is, where it is a picture of a type livecut
    does not read (an icon, a cursor, an SVG drawing, JPEG XL, Targa): by its first bytes (an
    ICO's or CUR's header of one to 256 pictures, JPEG XL's signatures, an SVG's opening tag),
    else by its extension; None for another file (corrupt, or not a picture)."""
    head = data[:4096].tobytes()
    if head[:4] in (b"\0\0\1\0", b"\0\0\2\0") and 0 < int.from_bytes(head[4:6], "little") <= 256:
        return _UNREAD_EXTS[".ico" if head[2] == 1 else ".cur"]
    if head[:2] == b"\xff\x0a" or head[:12] == b"\0\0\0\x0cJXL \r\n\x87\n":
        return _UNREAD_EXTS[".jxl"]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"<?xml", b"<svg", b"<!DOCTYPE svg", b"<!--")) and b"<svg" in head:
        return _UNREAD_EXTS[".svg"]
    return _UNREAD_EXTS.get(p.suffix.lower())


def _xmp_sidecar(data: np.ndarray) -> bool:
    """Whether a file is an XMP sidecar, the metadata (ratings, edits) Lightroom, darktable or
    Capture One keeps in a text file beside a photo of its name: its first 4 KB open an XMP
    packet or its ``x:xmpmeta`` element, as text (a picture with XMP inside is binary before it)."""
    head = data[:4096].tobytes().lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"<?xpacket", b"<x:xmpmeta", b"<?xml")) and (b"<x:xmpmeta" in head or b"<?xpacket" in head)


def _text_file(data: np.ndarray) -> bool:
    """Whether a file is text (notes, a list, a script): see :func:`text_head`, of its first 4 KB."""
    return text_head(data[:4096].tobytes(), len(data) <= 4096)


def text_head(head: bytes, whole: bool) -> bool:
    """Whether ``head``, a file's first bytes (``whole``: all of it), is text (notes, a list, a
    script): UTF-8 (ASCII included, a BOM or none) or UTF-16 (with its BOM, as Windows PowerShell's
    ``>`` and Notepad's "Unicode" save it, or without one, mostly ASCII letters), of no control
    character but tabs and line ends; not one that opens as a picture (a PNM's header is text, a
    plain PGM's picture too: a damaged one is said as damaged; nor an XPM picture or a PostScript
    drawing, which are text too)."""
    if not head or _picture_head(head) or head.lstrip().startswith((b"/* XPM */", b"%!")):
        return False
    text = _utf16_text(head, whole)
    if text is None:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as exc:  # (the head may end inside a character)
            if whole or exc.start < len(head) - 3:
                return False
            text = head[:exc.start].decode("utf-8")
    return bool(text) and not any(c < " " and c not in "\t\n\r\f\v" or c == "\x7f" for c in text)


#: the first bytes of the pictures whose signature is letters (a BMP's, a PNM's, a PFM's), which a
#: text file may open with too ('BMW service notes', 'P5 notes'): see :func:`_picture_head`
_LETTER_STARTS = (b"BM", *(b"P%d" % n for n in range(1, 8)), b"PF", b"Pf")
#: a PNM's header, P1-P6: its width and height, and a maxval but a bitmap's (P1, P4), numbers between
#: white space and comments; a PFM's: its width, height and scale (a float)
_PNM_HEADER = re.compile(rb"P([1-6])(?:\s+|#[^\n]*(?:\n|$))+\d+(?:\s+|#[^\n]*(?:\n|$))+\d+(\s|$)")
_PNM_MAXVAL = re.compile(rb"(?:\s+|#[^\n]*(?:\n|$))*\d+(\s|$)")
_PFM_HEADER = re.compile(rb"P[Ff]\s+\d+\s+\d+\s+[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(\s|$)")
#: the words of a PAM's (P7) header
_PAM_WORDS = {"WIDTH", "HEIGHT", "DEPTH", "MAXVAL", "TUPLTYPE", "ENDHDR"}


def _picture_head(head: bytes) -> bool:
    """Whether ``head``, a file's first bytes, opens as a picture livecut reads: its signature
    (:data:`_PICTURE_STARTS`), and where that is letters (:data:`_LETTER_STARTS`) a header that
    parses as that type's -- a BMP's header size (12, or 36 and more: a text's letters there
    make one of 538 MB and more), a PNM's width, height and maxval (:data:`_PNM_HEADER`), a PAM's
    header words (:data:`_PAM_WORDS`), a PFM's (:data:`_PFM_HEADER`): a note that opens 'BMW
    service' or 'P5 notes' is no picture, damaged or not."""
    if not head.startswith(_PICTURE_STARTS):
        return False
    if not head.startswith(_LETTER_STARTS):
        return True
    if head[:2] == b"BM":
        size = int.from_bytes(head[14:18], "little")
        return size == 12 or 36 <= size < 1 << 16  # (a file cut before it: 0, to the text check)
    if head[:2] in (b"PF", b"Pf"):
        return _PFM_HEADER.match(head) is not None
    if head[:2] == b"P7":
        if head[2:3] not in (b"\n", b"\r", b" ", b"\t"):
            return False
        words = [line.split(None, 1)[0] for line in head[3:].decode("latin-1").splitlines()
                 if line.split() and not line.lstrip().startswith("#")]
        return bool(words) and all(w in _PAM_WORDS for w in words[:words.index("ENDHDR") if "ENDHDR" in words else None])
    m = _PNM_HEADER.match(head)
    if m is None:
        return False
    return m[1] in b"14" or bool(m[2]) and _PNM_MAXVAL.match(head, m.end()) is not None


def _utf16_text(head: bytes, whole: bool) -> str | None:
    """``head`` read as UTF-16 where it is so: it opens with UTF-16's byte-order mark, or (none)
    with an ASCII letter, most of its first 256 characters ASCII (a zero byte beside each); ""
    where it is not UTF-16 text after all (a mark, then what UTF-16 does not decode); None where it
    does not look like UTF-16 (UTF-8 is tried then)."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        codec, body = ("utf-16-le" if head[0] == 0xFF else "utf-16-be"), head[2:]
    elif len(head) >= 4 and (head[0] == 0) != (head[1] == 0):
        codec, body = ("utf-16-le" if head[1] == 0 else "utf-16-be"), head
        zeros = body[1:512:2] if codec == "utf-16-le" else body[0:512:2]
        if zeros.count(0) * 2 < len(zeros):
            return None
    else:
        return None
    if len(body) % 2:
        if whole:  # (a UTF-16 file holds whole 2-byte units)
            return ""
        body = body[:-1]
    if not whole and body:  # (the head may end between the two halves of a surrogate pair)
        last = body[-2:] if codec == "utf-16-be" else body[-1:] + body[-2:-1]
        if 0xD8 <= last[0] <= 0xDB:
            body = body[:-2]
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        return ""


def _decoder_message(said: list[str]) -> str:
    """The first line a decoder printed (``libpng error: ...``), not OpenCV's own log; its first
    error where warnings came before it (a PNG's damaged picture data after a chunk libpng warned
    of and dropped was said as 'libpng warning: tEXt: CRC error')."""
    lines = [line.strip() for line in "".join(said).splitlines()]
    # (libtiff's errors come only through OpenCV's log: ``[ERROR:0@0.1] ... TIFF_Error TIFFFetchDirectory:
    # ...``, said as 'libtiff: ...' (libjpeg's in a JPEG-compressed TIFF, 'libjpeg: ...'), where no
    # decoder printed a line of its own; OpenCV's own lines are dropped)
    tiff = [m.group(1).strip() for m in map(_TIFF_ERROR.search, lines) if m]
    tiff = [f"libjpeg: {t[9:]}" if t.startswith("JPEGLib: ") else f"libtiff: {t}" for t in tiff]
    lines = [line for line in lines if line and not line.startswith(("[ WARN", "[ERROR", "[ INFO"))] or tiff
    # ('libpng warning: ...', libtiff's 'TIFFReadDirectory: Warning, ...')
    errors = [line for line in lines if not re.match(r"[^:]*(warning|:\s*warning)", line, re.IGNORECASE)]
    return (errors or lines or [""])[0][:200]


#: ISO media brands of video files (MP4, MOV, M4V, 3GP); HEIF/AVIF pictures use others
_VIDEO_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"qt  ",
                 b"M4V ", b"M4VP", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"dash", b"MSNV", b"f4v "}


#: ISO media brands of HEIF pictures coded in HEVC (HEIC: iPhones, many Android phones)
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}


def _heif_picture(data: np.ndarray) -> bool:
    """Whether ``data`` is a HEIF picture coded in HEVC (a HEIC brand; or HEIF's general brands
    alone, mif1/msf1, and an HEVC configuration (hvcC) among its first boxes; an AVIF, which
    OpenCV reads, is not one)."""
    brands = _ftyp_brands(bytes(data[:64]))  # (empty for a file of another kind)
    if brands & _AVIF_BRANDS:
        return False
    if brands & _HEIC_BRANDS:
        return True
    # (a HEIF of HEVC pictures need not name its codec's brand: one that did not was "not an
    # image, or truncated/corrupt", OpenCV's AVIF reader taking it)
    return bool(brands & {b"mif1", b"msf1"}) and b"hvcC" in data[:1 << 16].tobytes()


def too_large_hint(w: int | None, h: int | None) -> str:
    """What to do with a picture of ``w`` x ``h`` pixels over MAX_PIXELS (None: its size not read):
    its megapixels and the size it may be scaled down to (it said the limit alone: '16000x15600;
    livecut handles at most 200 megapixels', the photo's own 250 and what to do left to work out)."""
    limit = f"livecut handles at most {MAX_PIXELS // 1_000_000} megapixels"
    if w is None or h is None:
        return f"{limit}: scale it down first"
    scale = math.sqrt(MAX_PIXELS / (w * h))
    sw, sh = int(w * scale), int(h * scale)
    todo = (f"scale it down first, to {sw}x{sh} or smaller" if min(sw, sh) >= MIN_SIDE
            else f"cut it into parts of at most {MAX_PIXELS // 1_000_000} megapixels first")
    return f"{limit}: {todo}"


def _megapixels(w: int, h: int) -> str:
    """' (249.6 megapixels)': the tenths rounded up (one just over the limit is not '200')."""
    return f" ({math.ceil(w * h / 100_000) / 10:.1f} megapixels)"


def _too_large(p: Path, w, h) -> ImageSizeError:
    """The error for a picture of ``w`` x ``h`` pixels, over MAX_PIXELS (said from its header;
    None, None: refused by OpenCV's own check, its size not read here)."""
    size = "too large" if w is None else f"{w}x{h}"
    limit = os.environ.get("OPENCV_IO_MAX_IMAGE_PIXELS")
    if w is None and limit and limit != str(MAX_PIXELS):
        # (OpenCV's limit, another one this process was started with: a 0.08-megapixel photo under
        # OPENCV_IO_MAX_IMAGE_PIXELS=1000 was said to be over livecut's own limit)
        return ImageSizeError(f"{p}: image is larger than OPENCV_IO_MAX_IMAGE_PIXELS={limit}, the limit OpenCV "
                              f"was given in this process (livecut's own is {MAX_PIXELS // 1_000_000} megapixels)")
    return ImageSizeError(f"{p}: image is {size}{'' if w is None else _megapixels(w, h)}; {too_large_hint(w, h)}")


#: how to install what reads HEIC/HEIF photos (livecut is not on PyPI: from the checkout)
HEIC_INSTALL = "pip install -e '.[heic]' in the livecut checkout, or pip install pillow-heif"


def _read_heif(p: Path, data: np.ndarray) -> tuple[np.ndarray, bytes | None, int, int | None, bytes | None]:
    """The primary picture of a HEIC/HEIF file (``data``: its bytes), its colour profile (ICC,
    or None), how many pictures the file holds (a burst's; a depth map or a thumbnail is not
    one), the transfer its nclx colour description says (H.273's code; None: none) and its
    EXIF (see :func:`_exif_resolution`; None: none), read
    with pillow-heif, the optional ``heic`` extra; raise :class:`ImageReadError` without it, or
    for a file it cannot decode.  The picture is BGR or BGRA, 8-bit, or 16-bit
    for 10- and 12-bit photos (an HDR iPhone's), their values scaled to 0-65535 as other
    16-bit inputs are; colours under an alpha marked premultiplied are divided by it (BGRA is
    straight everywhere in livecut).  libheif turns it by the file's own transforms (irot, imir; a crop,
    clap), which is how a HEIF is to be shown; an EXIF orientation beside them (an iPhone
    writes both, saying the same) is not applied again, as HEIF viewers do not (it turned a
    portrait twice).  The size is checked before decoding."""
    try:
        import pillow_heif
    except ImportError:
        raise ImageReadError(f"{p}: a HEIC/HEIF picture, which livecut reads with its heic extra: "
                             f"{HEIC_INSTALL} (or convert it to JPEG or PNG first)") from None
    try:
        heif = pillow_heif.open_heif(data.tobytes(), convert_hdr_to_8bit=False, bgr_mode=True, hdr_to_16bit=False)
        w, h = heif.size
        if w * h > MAX_PIXELS:
            raise _too_large(p, w, h)
        info, premultiplied = heif.info, heif.premultiplied_alpha
        img = np.array(heif)  # (decoded here; a copy of its own, which the rescaling below writes)
    except (ValueError, RuntimeError, OSError, EOFError, SyntaxError) as exc:
        detail = str(exc).strip().splitlines()[-1][:200] if str(exc).strip() else type(exc).__name__
        # (a size beyond libheif's own limit, a gigapixel, is refused by it as the file is opened:
        # it was "cannot be decoded, or truncated/corrupt (Memory allocation error: Security
        # limit exceeded: Image size 60000x60000 exceeds ...)")
        big = re.search(r"Security limit exceeded: Image size (\d+)x(\d+)", detail)
        if big:
            raise _too_large(p, int(big[1]), int(big[2])) from None
        raise ImageReadError(f"{p}: a HEIC/HEIF picture that cannot be decoded, or truncated/corrupt "
                             f"({detail})") from None
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    depth = int(info.get("bit_depth") or 8)
    if img.dtype == np.uint16 and 8 < depth < 16:  # (10 or 12 bits, as an AVIF's: to the 16-bit range)
        img = _to_full_range(img, (1 << depth) - 1)
    if premultiplied and img.ndim == 3 and img.shape[2] == 4:
        # its alpha marked premultiplied ('prem'): libheif returns the colours as stored, which
        # were taken for straight ones and darkened twice (200 at half alpha cut as 100);
        # divided out, as a TIFF's associated alpha is (0 where transparent)
        b, g, r, a = cv2.split(img)
        top = float(np.iinfo(img.dtype).max)
        img = cv2.merge([cv2.divide(c, a, scale=top) for c in (b, g, r)] + [a])
    icc = info.get("icc_profile") if info.get("icc_profile_type") in ("prof", "rICC") else None
    nclx = info.get("nclx_profile") or {}
    exif = info.get("exif")
    return (img, (bytes(icc) if icc else _nclx_icc(info.get("nclx_profile"))), len(heif),
            nclx.get("transfer_characteristics"), bytes(exif) if isinstance(exif, (bytes, bytearray)) else None)


def _nclx_icc(nclx: dict | None) -> bytes | None:
    """A colour profile (ICC v2, matrix and curves) saying what a HEIF's colour description
    (nclx: primaries, transfer) says where it holds no ICC profile, as libheif's and Android's
    writers leave it: its cutout was taken for sRGB, a Display P3 photo's colours shown dull.
    Only the sRGB transfer (13, Display P3's) with primaries other than sRGB's (1) or
    unspecified (2) is made one; else None (sRGB needs none; PQ/HLG are not curves of this
    kind)."""
    if not nclx or nclx.get("transfer_characteristics") != 13 or nclx.get("color_primaries") in (None, 1, 2):
        return None
    try:
        xy = [(float(nclx[f"color_primary_{c}_x"]), float(nclx[f"color_primary_{c}_y"]))
              for c in ("red", "green", "blue", "white")]
    except (KeyError, TypeError, ValueError):
        return None
    if any(not 0 < y <= 1 or not 0 <= x <= 1 for x, y in xy):
        return None
    v = np.arange(1024) / 1023.0  # the sRGB curve, as a table
    curve = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    trc = b"curv" + bytes(4) + (1024).to_bytes(4, "big") + np.round(curve * 65535).astype(">u2").tobytes()
    return _matrix_icc(xy, trc, b"livecut: HEIF nclx %d/13" % nclx["color_primaries"])


def _matrix_icc(xy, trc: bytes, name: bytes) -> bytes | None:
    """A colour profile (ICC v2, matrix and curves) of the primaries and white ``xy`` (red,
    green, blue, white: (x, y) each) and the tone curve ``trc`` (a curv tag, shared by the
    three channels), described as ``name``; None where the primaries make no matrix."""
    xyz = np.array([[x / y, 1.0, (1 - x - y) / y] for x, y in xy])  # (columns below: XYZ of each)
    rgb = xyz[:3].T
    white = xyz[3]
    try:
        rgb = rgb * np.linalg.solve(rgb, white)  # the primaries scaled so that 1, 1, 1 is the white
        # adapted to the profile connection space's white, D50 (Bradford)
        brad = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])
        d50 = np.array([0.9642, 1.0, 0.8249])
        adapt = np.linalg.solve(brad, np.diag((brad @ d50) / (brad @ white)) @ brad)
    except np.linalg.LinAlgError:
        return None
    rgb = adapt @ rgb

    def s15(v) -> bytes:
        return b"".join(int(round(float(c) * 65536)).to_bytes(4, "big", signed=True) for c in v)

    def xyz_tag(v) -> bytes:
        return b"XYZ " + bytes(4) + s15(v)

    tags = [(b"desc", b"desc" + bytes(4) + (len(name) + 1).to_bytes(4, "big") + name + bytes(1 + 8 + 3 + 67)),
            (b"cprt", b"text" + bytes(4) + b"No copyright\0"),
            (b"wtpt", xyz_tag(d50)),
            (b"rXYZ", xyz_tag(rgb[:, 0])), (b"gXYZ", xyz_tag(rgb[:, 1])), (b"bXYZ", xyz_tag(rgb[:, 2])),
            (b"rTRC", trc)]
    table, body, at = [], b"", 128 + 4 + 12 * (len(tags) + 2)
    for sig, data in tags:
        table.append(sig + (at + len(body)).to_bytes(4, "big") + len(data).to_bytes(4, "big"))
        body += data + bytes(-len(data) % 4)
    trc = table[-1][4:]
    table += [b"gTRC" + trc, b"bTRC" + trc]  # (the one curve, shared)
    size = at + len(body)
    header = (size.to_bytes(4, "big") + bytes(4) + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ " + bytes(12)
              + b"acsp" + bytes(24) + bytes(4) + s15(d50) + bytes(4) + bytes(16) + bytes(28))
    return header + len(table).to_bytes(4, "big") + b"".join(table) + body


#: the primaries and white (x, y) of the colour primaries codes of an nclx colour description
#: (ITU-T H.273), as libheif gives a HEIC's: 1 BT.709 (sRGB), 4 BT.470 M, 5 BT.470 BG, 6 and 7
#: BT.601 (SMPTE 170M, 240M), 8 generic film, 9 BT.2020, 11 DCI-P3, 12 Display P3, 22 EBU 3213
_NCLX_PRIMARIES = {
    1: ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06), (0.3127, 0.3290)),
    4: ((0.67, 0.33), (0.21, 0.71), (0.14, 0.08), (0.310, 0.316)),
    5: ((0.64, 0.33), (0.29, 0.60), (0.15, 0.06), (0.3127, 0.3290)),
    6: ((0.630, 0.340), (0.310, 0.595), (0.155, 0.070), (0.3127, 0.3290)),
    7: ((0.630, 0.340), (0.310, 0.595), (0.155, 0.070), (0.3127, 0.3290)),
    8: ((0.681, 0.319), (0.243, 0.692), (0.145, 0.049), (0.310, 0.316)),
    9: ((0.708, 0.292), (0.170, 0.797), (0.131, 0.046), (0.3127, 0.3290)),
    11: ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060), (0.314, 0.351)),
    12: ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060), (0.3127, 0.3290)),
    22: ((0.630, 0.340), (0.295, 0.605), (0.155, 0.077), (0.3127, 0.3290)),
}


def _avif_nclx_icc(data: np.ndarray) -> bytes | None:
    """A colour profile (see :func:`_nclx_icc`) of what an AVIF's nclx colour description (its
    primary picture's colr property of type nclx: primaries, transfer) says, as a HEIC's is
    made one, where it holds no ICC profile (libavif's writers leave it so: a Display P3 AVIF's
    cutout, without one, was taken for sRGB, its colours shown dull); None for another file."""
    for kind, payload in _avif_properties(data):
        if kind == b"colr" and payload[:4] == b"nclx" and len(payload) >= 8:
            return _cicp_icc(*struct.unpack(">HH", payload[4:8]))
    return None


def _cicp_icc(primaries: int, transfer: int) -> bytes | None:
    """:func:`_nclx_icc` of the colour primaries and transfer codes (H.273) of an AVIF's nclx or
    a PNG's cICP: None for primaries not in :data:`_NCLX_PRIMARIES`."""
    xy = _NCLX_PRIMARIES.get(primaries)
    if xy is None:
        return None
    nclx = {"color_primaries": primaries, "transfer_characteristics": transfer}
    for c, (x, y) in zip(("red", "green", "blue", "white"), xy):
        nclx[f"color_primary_{c}_x"], nclx[f"color_primary_{c}_y"] = x, y
    return _nclx_icc(nclx)


#: the transfers (H.273's codes) of an nclx or cICP colour description that are high dynamic
#: range: values of light (PQ, SMPTE ST 2084) or hybrid log-gamma (HLG), not a curve to show as SDR
_HDR_TRANSFERS = {16: "PQ", 18: "HLG"}


def _hdr_transfer(data: np.ndarray) -> str | None:
    """The name of the high-dynamic-range transfer (see :data:`_HDR_TRANSFERS`) that an AVIF's
    nclx colour description or a PNG's cICP chunk says its values are in (a Lightroom HDR
    export's, PQ), else None.  (A HEIC's: see :func:`_read_heif`.)"""
    if data[:8].tobytes() == b"\x89PNG\r\n\x1a\n":
        for kind, start, length in _png_chunks(data):
            if kind == b"IDAT":
                break
            if kind == b"cICP" and length == 4 and start + 4 <= data.size:
                return _HDR_TRANSFERS.get(int(data[start + 1]))
        return None
    for kind, payload in _avif_properties(data):
        if kind == b"colr" and payload[:4] == b"nclx" and len(payload) >= 8:
            return _HDR_TRANSFERS.get(int.from_bytes(payload[6:8], "big"))
    return None


def _hdr_picture(data: np.ndarray) -> str | None:
    """The name of a high-dynamic-range format ``data`` is in (values of light, not of a
    picture to show: Radiance HDR, which OpenCV reads as floats far above 1, or OpenEXR, which
    this OpenCV does not read), else None."""
    head = bytes(data[:10])
    if head.startswith((b"#?RADIANCE", b"#?RGBE")):
        return "Radiance HDR"
    if head[:4] == b"\x76\x2f\x31\x01":
        return "OpenEXR"
    return None


def _not_a_video(p: Path) -> ImageReadError:
    import shlex

    return ImageReadError(f"{p}: a video, not an image (cut a video with: livecut file "
                          f"{shlex.quote(str(p))} -o OUT.mp4)")


def _video_container(data: np.ndarray) -> bool:
    """Whether ``data`` (a file's bytes) opens like a video container: MP4/MOV/3GP (an ISO
    media ``ftyp`` of a video brand), Matroska/WebM (EBML), AVI (RIFF)."""
    head = bytes(data[:12])
    if head[4:8] == b"ftyp":
        return head[8:12] in _VIDEO_BRANDS
    return head[:4] == b"\x1a\x45\xdf\xa3" or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")


#: the first bytes of the picture files livecut reads (PNM's P1-P7, PFM's PF/Pf; an ISO media
#: ``ftyp``, AVIF or HEIF, and a RIFF WebP are told by :func:`looks_like_picture`)
_PICTURE_STARTS = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\0", b"MM\0*",
                   b"II+\0", b"MM\0+", b"\0\0\0\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51",
                   *(b"P%d" % n for n in range(1, 8)), b"PF", b"Pf")


def looks_like_picture(path: str | Path) -> bool:
    """Whether the file opens as a picture that :func:`read_image` may read, by its name and
    first bytes alone (nothing decoded): False for what it refuses so -- a camera raw file (most
    are TIFF-based), a video, a Photoshop document, an icon, an SVG drawing, a sidecar (an
    iPhone's .AAE, Lightroom's .xmp) -- and for a file it cannot open; a False is no verdict
    (read_image then says what the file is, or reads a picture of a rarer kind).  False, unopened,
    for a pipe or a device, which read_image refuses unopened: a FIFO with no writer waited for
    one for ever (an output there was said to exist at once)."""
    p = Path(path)
    if p.suffix.lower() in RAW_EXTS:
        return False
    try:
        if special_kind(os.stat(p).st_mode):
            return False
        with open(p, "rb") as f:
            head = f.read(16)
    except OSError:
        return False
    if _video_container(np.frombuffer(head, np.uint8)):
        return False
    return (head.startswith(_PICTURE_STARTS) or head[4:8] == b"ftyp"
            or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"))


def _truncated(data: np.ndarray, p: Path) -> bool:
    """JPEG without an end marker, PNG without IEND, a HEIF whose boxes run past its end:
    their decoders decode those partly, silently."""
    head = data[:8].tobytes()
    if head.startswith(b"\xff\xd8"):
        if b"\xff\xd9" in data[-1024:].tobytes():
            return False
        # data after the image (e.g. the video of a "motion photo"): look for the end
        # marker after the main image's start of scan (entropy-coded data cannot hold it)
        sos = _jpeg_scan_start(data)
        return sos is None or data[sos:].tobytes().find(b"\xff\xd9") < 0
    if head.startswith(b"\x89PNG"):  # its chunks, to IEND (data may follow it)
        last = None
        for last, start, length in _png_chunks(data):
            if start + length + 4 > data.size:
                return True
        return last != b"IEND"
    if _heif_picture(data):
        return _boxes_cut_short(data)
    return False


def _jpeg_whole_unmarked(data: np.ndarray) -> bool:
    """Whether ``data``, a JPEG without its end marker (EOI; see :func:`_truncated`), holds its
    whole picture: sequential (baseline or extended), or progressive with every scan its
    headers call for there (:func:`_jpeg_scans_whole`: one cut between its scans decodes
    blurred, unsaid), and decoded with the marker put back, libjpeg says nothing of data
    ending early or damaged.  Many cameras and tools write such files, which viewers show
    whole; they were refused as 'image file is truncated'.  (OpenCV decodes none of them
    from memory as they are: the marker is put back to read one.)"""
    if data[:3].tobytes() != b"\xff\xd8\xff":
        return False
    b = data.tobytes()
    frames = [marker for marker, _ in _jpeg_segments(b) if 0xC0 <= marker <= 0xCF
              and marker not in (0xC4, 0xC8, 0xCC)]  # (start-of-frame markers; not DHT, JPG, DAC)
    if frames[:1] not in ([0xC0], [0xC1]) and not (frames[:1] == [0xC2] and _jpeg_scans_whole(b)):
        return False
    size = _peek_size(data)
    if size is None or size[0] * size[1] > MAX_PIXELS:
        return False
    whole = np.concatenate([data, np.frombuffer(b"\xff\xd9", np.uint8)])
    said: list[str] = []  # (libjpeg decodes all its data at 1/8 scale too, and says the same)
    try:
        img = _stderr_captured(lambda: cv2.imdecode(whole, cv2.IMREAD_REDUCED_GRAYSCALE_8), said)
    except cv2.error:
        return False
    return img is not None and not _jpeg_cut_short(whole, said) and not any(_jpeg_damaged(whole, said))


#: a PNG's end chunk (IEND: no data, its CRC)
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _png_whole_unended(data: np.ndarray) -> np.ndarray | None:
    """``data``, a PNG without its end chunk (IEND; see :func:`_truncated`), or cut within it,
    with IEND put back, where it holds its whole picture: every other chunk whole, and decoded
    so, libpng finds all its image data (one cut between two IDAT chunks it refuses: 'Not
    enough image data'); else None.  It was refused as 'image file is truncated', where a JPEG
    lacking only its end marker is read (:func:`_jpeg_whole_unmarked`); OpenCV decodes none of
    them as they are."""
    if data[:8].tobytes() != b"\x89PNG\r\n\x1a\n":
        return None
    end, idat = 8, False
    for kind, start, length in _png_chunks(data):
        if kind == b"IEND" or start + length + 4 > data.size:
            break
        end, idat = start + length + 4, idat or kind == b"IDAT"
    size = _peek_size(data)
    if not _PNG_IEND.startswith(data[end:end + 12].tobytes()) or data.size - end >= 12 or not idat \
            or size is None or size[0] * size[1] > MAX_PIXELS:
        return None
    whole = np.concatenate([data[:end], np.frombuffer(_PNG_IEND, np.uint8)])
    try:  # (libpng's own complaint, on stderr, collected)
        img = _stderr_captured(lambda: cv2.imdecode(whole, cv2.IMREAD_REDUCED_GRAYSCALE_8), [])
    except cv2.error:
        return None
    return whole if img is not None else None


#: a marker in a JPEG's entropy-coded data: 0xFF not followed by a stuffed 0, a restart marker or a fill byte
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _jpeg_scans_whole(b: bytes) -> bool:
    """Whether the scans of ``b``, a progressive JPEG (its first frame SOF2), bring every
    coefficient of every component of its frame to its last bit (successive approximation 0),
    read from the scans' headers, scan to scan over their data.  A progressive JPEG cut between
    two scans decodes without a word from libjpeg, blurred or with its colours faint; one cut
    within a scan's data libjpeg says is cut short."""
    comps, i = None, None
    for marker, at in _jpeg_segments(b):
        if marker == 0xC2 and comps is None and at + 10 <= len(b):
            comps = {b[at + 10 + 3 * c] for c in range(b[at + 9]) if at + 10 + 3 * c < len(b)}
        elif marker == 0xDA:
            i = at
    if not comps or i is None:
        return False
    bits = dict.fromkeys(((c, k) for c in comps for k in range(64)), -1)  # (the last bit each has had)
    while i + 4 <= len(b) and b[i] == 0xFF and b[i + 1] != 0xD9:
        length = int.from_bytes(b[i + 2:i + 4], "big")
        if b[i + 1] != 0xDA:  # (a table between scans, DHT, DQT, DRI; a comment)
            i += 2 + length
            continue
        ns = b[i + 4] if i + 4 < len(b) else 0
        head = b[i + 5:i + 8 + 2 * ns]
        if ns == 0 or len(head) < 2 * ns + 3:
            break
        ss, se, al = head[2 * ns], min(head[2 * ns + 1], 63), head[2 * ns + 2] & 0x0F
        for c in head[0:2 * ns:2]:
            for k in range(ss, se + 1):
                if (c, k) in bits:
                    bits[c, k] = al
        found = _JPEG_MARKER.search(b, i + 2 + length)
        if found is None:
            break
        i = found.start()
    return all(bit == 0 for bit in bits.values())


def _jpeg_scans_short(data: np.ndarray) -> bool:
    """Whether ``data`` is a progressive JPEG (its first frame SOF2) whose scans do not bring
    every coefficient to its last bit (:func:`_jpeg_scans_whole`): one cut between two scans
    and its end marker put back, which libjpeg decodes blurred or faint without a word (it was
    cut so, exit 0, unsaid).  Not refused: an encoder may stop a progression short on purpose
    (jpegtran -scans), a whole picture libjpeg decodes alike; none of cv2's, Pillow's, cjpeg's,
    jpegtran's or mozjpeg's progressions does."""
    if data[:3].tobytes() != b"\xff\xd8\xff":
        return False
    b = data.tobytes()
    frames = [marker for marker, _ in _jpeg_segments(b) if 0xC0 <= marker <= 0xCF
              and marker not in (0xC4, 0xC8, 0xCC)]  # (as in _jpeg_whole_unmarked)
    return frames[:1] == [0xC2] and not _jpeg_scans_whole(b)


def picture_fault(path: str | Path) -> str | None:
    """Why :func:`read_image` refuses the picture file at ``path`` as cut short or damaged (its
    words, as in "image file is truncated"), which FFmpeg decodes partly without an error (the
    rest gray: `livecut file cut.jpg` wrote it as a video of one frame, exit 0); None otherwise,
    or where it cannot be read (the video reader says why)."""
    p = Path(path)
    try:
        data = np.fromfile(p, dtype=np.uint8)
    except OSError:
        return None
    if _truncated(data, p) and not _jpeg_whole_unmarked(data) and _png_whole_unended(data) is None:
        return "image file is truncated"
    if data[:3].tobytes() != b"\xff\xd8\xff":
        return None
    size = _peek_size(data)
    if size is None or size[0] * size[1] > MAX_PIXELS:
        return None
    said: list[str] = []  # (libjpeg decodes all its data at 1/8 scale too, and says the same)
    try:
        _stderr_captured(lambda: cv2.imdecode(data, cv2.IMREAD_REDUCED_GRAYSCALE_8), said)
    except cv2.error:
        return None
    cut_short = _jpeg_cut_short(data, said)
    if cut_short:
        return f"image file is truncated (its picture data ends early: {cut_short})"
    damaged, _ = _jpeg_damaged(data, said)
    return f"image file is damaged (its picture data cannot be decoded: {damaged})" if damaged else None


#: what libjpeg says (a warning, on stderr) of a picture whose data stops before its end, the
#: rest of which it fills with gray: the data of its scan ends early at a marker (the file
#: broken off and its end marker put back, bytes lost), or the file itself ends
_JPEG_CUT_SHORT = ("Corrupt JPEG data: premature end of data segment", "Premature end of JPEG file")


def _jpeg_cut_short(data: np.ndarray, said: list[str]) -> str | None:
    """What libjpeg said (``said``: its stderr while ``data`` was decoded) of a JPEG whose
    picture data ends early, which it decodes with the rest gray; None for any other file or
    message (a few extraneous bytes before a marker leave the picture whole)."""
    if data[:3].tobytes() != b"\xff\xd8\xff":
        return None
    return next((line.strip() for line in "".join(said).splitlines()
                 if line.strip().startswith(_JPEG_CUT_SHORT)), None)


#: what libjpeg says (its first warning only) of picture data it cannot decode: a code that no
#: Huffman table holds, a restart marker out of place; what follows is decoded out of step
_JPEG_DAMAGED = ("Corrupt JPEG data: bad Huffman code", "Corrupt JPEG data: found marker")
#: what it says of picture data left over where the picture was decoded: data overwritten (the
#: picture wrong from there), or bytes some cameras and scanners add to a whole one
_JPEG_LEFT_OVER = re.compile(r"Corrupt JPEG data: \d+ extraneous bytes before marker 0x[0-9a-f]{2}")


def _jpeg_damaged(data: np.ndarray, said: list[str]) -> tuple[str | None, str | None]:
    """``(damaged, left_over)``: what libjpeg said (``said``, as :func:`_jpeg_cut_short`) of a
    JPEG whose picture data it could not decode (:data:`_JPEG_DAMAGED`: refused), or of data it
    left over (:data:`_JPEG_LEFT_OVER`: said, as the picture may be whole); None for each else."""
    if data[:3].tobytes() != b"\xff\xd8\xff":
        return None, None
    lines = [line.strip() for line in "".join(said).splitlines()]
    damaged = next((line for line in lines if line.startswith(_JPEG_DAMAGED)), None)
    left_over = next((line for line in lines if _JPEG_LEFT_OVER.fullmatch(line)), None)
    return damaged, left_over


#: what libtiff says (an error, which OpenCV logs as ``TIFF_Error ...``) of a strip or tile whose
#: compressed data it cannot decode (LZW, deflate, PackBits; WebP: 'WebPDecode: WebPGetInfo() failed'
#: of a strip that is not WebP data), OpenCV returning the picture all the same, the rest of that
#: strip black or wrong
#: (after the file's name, where it was decoded from its path, or a codec's: 'ZIPDecode: ')
_TIFF_DAMAGED = re.compile(r"TIFF_Error\s+(?:.*?: )?((?:Using code not yet in table|Corrupted LZW table|"
                           r"Decoding error|Not enough data)\b.*|WebPGetInfo\(\) failed.*)")


#: what libtiff says (a warning) of a PackBits strip or tile whose data decodes to more than it
#: holds (its data overwritten: a run's length byte changed, the rest read out of step), the excess
#: dropped and OpenCV returning the picture all the same, that strip garbage from there; the
#: counterpart of its 'Not enough data for scanline N' (:data:`_TIFF_DAMAGED`)
_TIFF_OVERRUN = re.compile(r"TIFF_(?:Warning|Error)\s+(?:.*?: )?(Discarding \d+ bytes to avoid buffer overrun\b.*)")


#: what libjpeg says (through libtiff, which OpenCV logs as ``TIFF_Warning JPEGLib: ...``) of a
#: JPEG-compressed TIFF's strip or tile
_TIFF_JPEGLIB = re.compile(r"TIFF_(?:Warning|Error)\s+(?:.*?: )?JPEGLib: (.*)")


#: what OpenCV logs of an error of libtiff's (``[ERROR:0@0.1] global grfmt_tiff.cpp:117 TIFF_Error ...``)
_TIFF_ERROR = re.compile(r"TIFF_Error\s+(.*)")
#: what libjpeg says (an error, through libtiff) of a JPEG-compressed TIFF's strip or tile it refuses
#: outright (its data overwritten from its start: 'Not a JPEG file: starts with 0xff 0xe4'), OpenCV
#: then refusing the picture
_TIFF_JPEGLIB_REFUSED = re.compile(r"TIFF_Error\s+(?:.*?: )?JPEGLib: (Not a JPEG file\b.*)")


#: what libtiff says (an error) of a TIFF compressed with a scheme it does not know ('Compression
#: scheme 9999 strip decoding is not implemented', a picture then returned black), or with one this
#: build of it leaves out ('ZSTD compression support is not configured', the picture refused)
_TIFF_UNKNOWN_SCHEME = re.compile(r"TIFF_Error\s+(?:.*?: )?Compression scheme (\d+) \w+ decoding is not implemented")
_TIFF_SCHEME_LEFT_OUT = re.compile(r"TIFF_Error\s+(?:.*?: )?(.+?) compression support is not configured")


def _tiff_unsupported(data: np.ndarray, said: list[str]) -> str | None:
    """The compression scheme of a TIFF that libtiff (``said``: its log while ``data`` was
    decoded) cannot decode, in words: 'scheme 9999' (one it does not know: :data:`_TIFF_UNKNOWN_SCHEME`),
    'ZSTD (scheme 50000)' (one this build leaves out: :data:`_TIFF_SCHEME_LEFT_OUT`); None for any
    other file or message."""
    if data[:4].tobytes() not in _TIFF_HEADS:
        return None
    lines = "".join(said).splitlines()
    found = next((m.group(1) for m in map(_TIFF_UNKNOWN_SCHEME.search, lines) if m), None)
    if found:
        return f"scheme {found}"
    found = next((m.group(1).strip() for m in map(_TIFF_SCHEME_LEFT_OUT.search, lines) if m), None)
    if not found:
        return None
    code = _tiff_strips(data)[0]
    return f"{found} (scheme {code})" if code else found


def _tiff_damaged(data: np.ndarray, said: list[str]) -> str | None:
    """What libtiff said (``said``: its log while ``data`` was decoded) of a TIFF whose picture
    data it could not decode (:data:`_TIFF_DAMAGED`, :data:`_TIFF_OVERRUN`: 'libtiff: ...'), or
    what libjpeg said of a JPEG-compressed one's that ends early or cannot be decoded (:data:`_JPEG_CUT_SHORT`,
    :data:`_JPEG_DAMAGED`: 'libjpeg: ...'; the rest of its strip gray or a smear of wrong
    colours: cut, exit 0, unsaid), though a picture was returned, or of one's it refused
    outright (:data:`_TIFF_JPEGLIB_REFUSED`: OpenCV refused the picture, 'not an image, or
    truncated/corrupt' without a reason); None for any other file or message."""
    if data[:4].tobytes() not in _TIFF_HEADS:
        return None
    lines = "".join(said).splitlines()
    found = next((m.group(1).strip() for m in map(_TIFF_DAMAGED.search, lines) if m), None)
    found = found or next((m.group(1).strip() for m in map(_TIFF_OVERRUN.search, lines) if m), None)
    if found:
        return f"libtiff: {found}"
    jpeg = [m.group(1).strip() for m in map(_TIFF_JPEGLIB.search, lines) if m]
    found = next((f"libjpeg: {line}" for line in jpeg if line.startswith(_JPEG_CUT_SHORT + _JPEG_DAMAGED)), None)
    return found or next((f"libjpeg: {m.group(1).strip()}" for m in map(_TIFF_JPEGLIB_REFUSED.search, lines) if m),
                         None)


#: what libtiff says (an error) of a strip or tile whose data runs past the file's end, which
#: OpenCV then refuses: 'Read error on strip 20; got 262 bytes, expected 7744' (or 'at scanline N'
#: where it is decoded from the file's bytes)
_TIFF_READ_ERROR = re.compile(r"TIFF_Error\s+(?:.*?: )?(Read error (?:on|at) .*)")


def _tiff_cut_short(data: np.ndarray, said: list[str]) -> str | None:
    """Why a TIFF that could not be read is cut short, in words: its first directory (IFD),
    where its header says, lies or runs past its end (a file cut before it or in it: libtiff,
    which OpenCV refuses it from, says only 'Failed to read directory at offset N'; not one of
    more entries than libtiff takes for a directory), or a strip or tile's data does
    (:data:`_TIFF_READ_ERROR`: 'its picture data ends early: strip 21 of 30 runs past its end ...',
    or libtiff's words where its directory does not say so); None for any other file or message."""
    if data[:4].tobytes() not in _TIFF_HEADS:
        return None
    big = data[:4].tobytes() in (b"II+\x00", b"MM\x00+")
    e = "<" if data[:2].tobytes() == b"II" else ">"
    try:
        if big:
            size, _zero, at = struct.unpack(e + "HHQ", data[4:16])
            head, entry = 8, 20
        else:
            (at,) = struct.unpack(e + "I", data[4:8])
            size, head, entry = 8, 2, 12
    except struct.error:  # (a header cut short: left to the decoder's words)
        return None
    if size == 8 and at >= 8:
        if at + head > data.size:
            return f"its directory (IFD), at byte {at}, lies past its end, at byte {data.size}"
        count = int.from_bytes(data[at:at + head].tobytes(), "little" if e == "<" else "big")
        # (not where its count of entries is beyond libtiff's sanity check: that is no directory)
        if count <= 4096 and at + head + entry * count > data.size:
            return f"its directory (IFD), at byte {at}, runs past its end, at byte {data.size}"
    found = next((m.group(1).strip() for m in map(_TIFF_READ_ERROR.search, "".join(said).splitlines()) if m), None)
    if not found:
        return None
    _compression, kind, strips = _tiff_strips(data)
    past = next(((n, at) for n, (at, count) in enumerate(strips, 1) if at + count > data.size), None)
    if past:  # (libtiff's own numbers are a scanline's, from 0, or 4294967295 for a single strip)
        return f"its picture data ends early: {kind} {past[0]} of {len(strips)} runs past its end, at byte {data.size}"
    return f"its picture data ends early: libtiff: {found}"


#: TIFF's deflate (zip) compressions: 8, and Adobe's older code for it
_TIFF_DEFLATE = (8, 32946)
#: the bytes of a deflate strip or tile inflated at a time in checking it (see :func:`_tiff_deflate_damaged`)
_INFLATE_STEP = 1 << 22


def _tiff_strips(data: np.ndarray) -> tuple[int, str, list[tuple[int, int]]]:
    """``(compression, 'strip' or 'tile', [(offset, byte count), ...])`` of a TIFF's (or a
    BigTIFF's) first directory; ``(0, 'strip', [])`` where it cannot be read."""
    big = data[:4].tobytes() in (b"II+\x00", b"MM\x00+")
    got: dict[int, list[int]] = {}
    try:
        e, entries = _bigtiff_first_ifd(data) if big else _tiff_first_ifd(data)
        for tag, typ, count, at in entries:
            if tag not in (259, 273, 279, 324, 325) or typ not in (3, 4, 16) or not 0 < count < 1 << 24:
                continue
            code, size = {3: ("H", 2), 4: ("I", 4), 16: ("Q", 8)}[typ]
            if count * size > (8 if big else 4):  # (values that do not fit the entry are elsewhere)
                (at,) = struct.unpack(e + ("Q" if big else "I"), data[at:at + (8 if big else 4)])
            got[tag] = list(struct.unpack(f"{e}{count}{code}", data[at:at + count * size]))
    except struct.error:
        return 0, "strip", []
    kind, offsets, counts = ("tile", got.get(324), got.get(325)) if 324 in got else ("strip", got.get(273), got.get(279))
    if not got.get(259) or not offsets or not counts or len(offsets) != len(counts):
        return 0, kind, []
    return got[259][0], kind, list(zip(offsets, counts))


def _tiff_deflate_damaged(data: np.ndarray) -> str | None:
    """What zlib says of the first strip (or tile) of a deflate-compressed TIFF's first picture
    whose data fails its checksum (Adler-32) or ends before its stream does: libtiff stops
    inflating a strip where its rows are full, before the checksum, and so decodes data
    overwritten in it (a bad sector, a copy gone wrong) as pixels, without a word; None for any
    other file, or one whose strips are whole.  Each strip is inflated again, a few MB at a time
    (as long again as libtiff's own inflating: 0.6 s for a 72 MB picture's, read in 3 s)."""
    import zlib

    if data[:4].tobytes() not in _TIFF_HEADS:
        return None
    compression, kind, strips = _tiff_strips(data)
    if compression not in _TIFF_DEFLATE:
        return None
    for n, (at, count) in enumerate(strips, 1):
        if count == 0 or at >= data.size:  # (none: a sparse file's; past the end: libtiff says it)
            continue
        d = zlib.decompressobj()
        try:
            for i in range(at, min(at + count, data.size), _INFLATE_STEP):
                d.decompress(memoryview(data[i:min(i + _INFLATE_STEP, at + count)]), _INFLATE_STEP)
                while d.unconsumed_tail and not d.eof:
                    d.decompress(d.unconsumed_tail, _INFLATE_STEP)
                if d.eof:
                    break
        except zlib.error as exc:
            return f"zlib: {str(exc).rpartition(': ')[2]}, in {kind} {n} of {len(strips)}"
        if not d.eof and not _deflate_whole(data[at:min(at + count, data.size)]):
            return f"zlib: incomplete or truncated stream, in {kind} {n} of {len(strips)}"
    return None


def _deflate_whole(chunk: np.ndarray) -> bool:
    """Whether a zlib stream that ends before its checksum (the 4 bytes of Adler-32 after the
    deflate data, which some writers leave out) has its deflate data whole: it ends, its last
    block's end reached, with under 4 bytes after it. libtiff, and the viewers that read TIFF,
    take such a strip, its rows full before the checksum; it was refused, 'incomplete or
    truncated stream'. A stream cut within its deflate data is not whole."""
    import zlib

    d = zlib.decompressobj(-zlib.MAX_WBITS)  # (raw deflate: past the stream's 2-byte header)
    end = 2
    try:
        while end < chunk.size and not d.eof:
            d.decompress(memoryview(chunk[end:end + _INFLATE_STEP]), _INFLATE_STEP)
            end = min(end + _INFLATE_STEP, chunk.size)
            while d.unconsumed_tail and not d.eof:
                d.decompress(d.unconsumed_tail, _INFLATE_STEP)
    except zlib.error:
        return False
    return d.eof and len(d.unused_data) + chunk.size - end < 4  # (bytes after its end: a checksum's part)


def _tiff_left_over(data: np.ndarray, said: list[str]) -> str | None:
    """What libjpeg said of picture data left over in a JPEG-compressed TIFF's strip or tile
    (:data:`_JPEG_LEFT_OVER`: the picture wrong from where it was overwritten, or whole), as
    :func:`_jpeg_damaged` says it of a JPEG's; None for any other file or message."""
    if data[:4].tobytes() not in _TIFF_HEADS:
        return None
    jpeg = [m.group(1).strip() for m in map(_TIFF_JPEGLIB.search, "".join(said).splitlines()) if m]
    return next((line for line in jpeg if _JPEG_LEFT_OVER.fullmatch(line)), None)


def _boxes_cut_short(data: np.ndarray) -> bool:
    """Whether a HEIF file's top-level boxes (ftyp, meta, mdat ...) run past its end: libheif
    decodes a grid picture (an iPhone's 12 MP photo: 48 tiles of 512x512) whose tiles are cut
    off with them filled with one colour and no error (a photo cut at a tenth of its bytes was
    98% green, cut with exit 0).  Only a box of a kind a HEIF holds at its top counts: bytes
    after its boxes that are none (a trailer some phones append) are left to libheif."""
    i, n = 0, data.size
    while i + 8 <= n:
        size = int.from_bytes(data[i:i + 4].tobytes(), "big")
        kind = data[i + 4:i + 8].tobytes()
        if size == 1:  # a 64-bit size follows the type
            if i + 16 > n:
                return kind in _HEIF_TOP_BOXES
            size = int.from_bytes(data[i + 8:i + 16].tobytes(), "big")
        elif size == 0:  # to the end of the file
            return False
        if size < 8 or kind not in _HEIF_TOP_BOXES:  # not a box of a HEIF: libheif says what is wrong
            return False
        if i + size > n:
            return True
        i += size
    return False


#: the boxes a HEIF file holds at its top level (an image sequence's moov; a Samsung motion
#: photo's mpvd, its video)
_HEIF_TOP_BOXES = {b"ftyp", b"meta", b"mdat", b"moov", b"free", b"skip", b"uuid", b"idat", b"mpvd", b"wide",
                   b"pdin", b"bloc", b"styp", b"sidx", b"moof", b"mfra", b"meco", b"etyp", b"otyp"}


def _jpeg_segments(b: bytes):
    """(marker, offset) of each top-level segment of a JPEG from its start to its first
    start-of-scan (0xDA, given last), segment to segment: a few reads, however large the
    metadata; stops early at anything that is not a marker."""
    i = 2
    while i + 4 <= len(b):
        if b[i] != 0xFF:
            return
        marker = b[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        yield marker, i
        if marker in (0xDA, 0xD9):
            return
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        i += 2 + int.from_bytes(b[i + 2:i + 4], "big")


def _jpeg_scan_start(data: np.ndarray) -> int | None:
    """Offset of the first top-level start-of-scan segment of a JPEG (skips APPn, e.g. EXIF thumbnails)."""
    return next((i for marker, i in _jpeg_segments(data.tobytes()) if marker == 0xDA), None)


def _tiff_alpha(data: np.ndarray) -> tuple[int, int]:
    """``(kind, offset)``: the first ExtraSamples (tag 338) value of a TIFF's (or a BigTIFF's) first
    directory -- 0 unspecified, 1 associated alpha (colours premultiplied), 2 unassociated
    alpha -- and the offset of that value in the file; ``(-1, 0)`` for a file that is not a
    TIFF or has no such tag.  (A BigTIFF's was not read: its unassociated alpha's colours came
    back multiplied by it, darkened, and its associated alpha's were not divided out.)"""
    big = data[:4].tobytes() in (b"II+\x00", b"MM\x00+")
    if data[:4].tobytes() not in (b"II*\x00", b"MM\x00*") and not big:
        return -1, 0
    try:
        e, entries = _bigtiff_first_ifd(data) if big else _tiff_first_ifd(data)
        for tag, typ, count, at in entries:
            if tag == 338 and typ == 3 and count >= 1:  # SHORT, one per extra sample
                if count > (4 if big else 2):  # (values that do not fit the entry are elsewhere)
                    (at,) = struct.unpack(e + ("Q" if big else "I"), data[at:at + (8 if big else 4)])
                (kind,) = struct.unpack(e + "H", data[at:at + 2])
                return kind, at
    except struct.error:  # (a directory beyond the end: OpenCV says what is wrong)
        pass
    return -1, 0


def _tiff_reduced_first(data: np.ndarray) -> bool:
    """Whether a TIFF's (or a BigTIFF's) first directory is marked (NewSubfileType, 254) as a
    reduced-resolution copy of another picture: a raw file's thumbnail, the one OpenCV reads.
    (A BigTIFF's was not read: its thumbnail was cut, exit 0, unsaid.)"""
    big = data[:4].tobytes() in (b"II+\x00", b"MM\x00+")
    if data[:4].tobytes() not in (b"II*\x00", b"MM\x00*") and not big:
        return False
    try:
        e, entries = _bigtiff_first_ifd(data) if big else _tiff_first_ifd(data)
        for tag, typ, count, at in entries:
            if tag == 254 and typ in (3, 4) and count == 1:  # SHORT or LONG
                (value,) = struct.unpack(e + ("H" if typ == 3 else "I"), data[at:at + (2 if typ == 3 else 4)])
                return bool(value & 1)
    except struct.error:
        pass
    return False


def _tiff_layout(data: np.ndarray) -> tuple[int, int, int, int, int]:
    """``(bits per sample, samples per pixel, planar configuration, photometric, sample format)``
    of a TIFF's (or a BigTIFF's) first directory (the TIFF defaults where a tag is missing: 1, 1, 1;
    photometric -1; sample format 1, unsigned integers: 3 is floating point); ``(0, 0, 0, -1,
    1)`` for a file that is not a TIFF or a directory that cannot be read.  (A BigTIFF's was not
    read: one of 16-bit RGB in planes came back scrambled, exit 0.)"""
    big = data[:4].tobytes() in (b"II+\x00", b"MM\x00+")
    if data[:4].tobytes() not in (b"II*\x00", b"MM\x00*") and not big:
        return 0, 0, 0, -1, 1
    got = {258: 1, 277: 1, 284: 1, 262: -1, 339: 1}
    try:
        e, entries = _bigtiff_first_ifd(data) if big else _tiff_first_ifd(data)
        for tag, typ, count, at in entries:
            if tag in got and typ == 3 and count >= 1:  # SHORT (BitsPerSample: one per sample)
                if count > (4 if big else 2):  # (values that do not fit the entry are elsewhere)
                    (at,) = struct.unpack(e + ("Q" if big else "I"), data[at:at + (8 if big else 4)])
                (got[tag],) = struct.unpack(e + "H", data[at:at + 2])
    except struct.error:  # (OpenCV says what is wrong)
        return 0, 0, 0, -1, 1
    return got[258], got[277], got[284], got[262], got[339]


#: the colour channels of a TIFF's photometric interpretation (0, 1: gray; 2: RGB; 5: CMYK)
_TIFF_COLOURS = {0: (1, "gray"), 1: (1, "gray"), 2: (3, "RGB"), 5: (4, "CMYK")}


def _tiff_channels_unread(bits: int, samples: int, photometric: int, alpha: int, sample_format: int = 1) -> str | None:
    """What to say of a TIFF (:func:`_tiff_layout`, :func:`_tiff_alpha`'s kind) whose channels
    livecut does not read, else None: more than its colours and an alpha (CMYK: than its four)
    -- Photoshop's alpha channels (saved selections) or spot colours, kept as extra samples --
    which OpenCV refused as 'not an image, or truncated/corrupt (> Unsupported number of
    channels)', and of which it read a 16-bit gray one's gray, alpha and other channel as B, G,
    R (scrambled, exit 0); a 16-bit CMYK one, which it refused alike, and a 16-bit palette one; and one of 16-bit floating-point
    samples (half: darktable's, Affinity's option), which OpenCV refused as 'not an image, or
    truncated/corrupt (> :)', a line of its own assertion's."""
    colours, name = _TIFF_COLOURS.get(photometric, (0, ""))
    if colours and samples > colours + (colours < 4):
        parts = ["an alpha"] if alpha in (1, 2) else []
        others = samples - colours - len(parts)
        if others:
            parts.append(f"{others} other{'s' * (others > 1)}")
        kept = f"{name}, {parts[0]} and {parts[1]}" if len(parts) == 2 else f"{name} and {parts[0]}"
        without = " without its other channels (alpha channels, spot colours)" if others else ""
        return (f"a TIFF of {samples} channels ({kept}), which livecut does not read; save it as RGB or RGBA"
                f"{without}, or as PNG")
    if photometric == 5 and bits > 8:
        return "a 16-bit CMYK TIFF, which livecut does not read; save it at 8 bits or convert it to RGB first"
    if photometric == 3 and bits > 8:  # (libtiff's RGBA interface takes palettes of up to 8 bits: it was 'not an image')
        return (f"a {bits}-bit palette (indexed-colour) TIFF, which livecut does not read; save it as RGB, or "
                "with a palette of at most 256 colours, first")
    if sample_format == 3 and bits == 16:
        return ("a TIFF of 16-bit floating-point (half) samples, which livecut does not read; save it as a 16-bit "
                "integer or 32-bit floating-point TIFF, or as PNG, first")
    return None


@contextlib.contextmanager
def _unspecified_alpha(data: np.ndarray, at: int | None):
    """While in it, a TIFF's ExtraSamples value at ``at`` (see :func:`_tiff_alpha`; None:
    nothing to do) is 0, unspecified, in ``data`` itself (a copy of the file doubled the
    memory of a large TIFF for a moment: up to 640 MB more); put back on leaving.  OpenCV decodes an 8-bit TIFF through libtiff's RGBA interface,
    which multiplies the colours of unassociated alpha (2: what livecut writes, as GIMP,
    Photoshop and FFmpeg do) by it: a half-transparent (200, 100, 50) came back as
    (100, 50, 25), a transparent pixel's colour as 0 (in every layout: contiguous or planar,
    strips or tiles, any compression).  An unspecified alpha of a 4-sample file it takes as
    associated, and returns as stored; 16-bit files it reads itself, as stored either way."""
    if at is None:
        yield
        return
    stored = data[at:at + 2].copy()
    data[at:at + 2] = 0
    try:
        yield
    finally:
        data[at:at + 2] = stored


def _peek_tiff(data: np.ndarray) -> tuple[int, int] | None:
    """Width and height of a TIFF's first image (classic TIFF or BigTIFF, either byte order;
    a BigTIFF's were not read: one over the limit was refused without its size)."""
    big = data[:4].tobytes() in (b"II+\x00", b"MM\x00+")
    if data[:4].tobytes() not in (b"II*\x00", b"MM\x00*") and not big:
        return None
    try:
        e, entries = _bigtiff_first_ifd(data) if big else _tiff_first_ifd(data)
        size = {}
        for tag, typ, _cnt, at in entries:
            if tag in (256, 257) and typ in (3, 4, 16):  # SHORT, LONG, LONG8
                kind = {3: "H", 4: "I", 16: "Q"}[typ]
                size[tag] = struct.unpack(e + kind, data[at:at + struct.calcsize(kind)])[0]
        return (size[256], size[257]) if len(size) == 2 else None
    except (struct.error, KeyError):
        return None  # IFD beyond what was read, or malformed: OpenCV's own limit still applies


#: a netpbm header's width and height (P1-P6; PF, Pf: PFM), comments and whitespace between
_NETPBM_SIZE = re.compile(rb"P[1-6Ff](?:\s+|#[^\n]*\n)+(\d+)(?:\s+|#[^\n]*\n)+(\d+)\s")


def _peek_size(data: np.ndarray) -> tuple[int, int] | None:
    """Width and height from a PNG, JPEG, TIFF, WebP, BMP, GIF, netpbm (PPM, PGM, PBM, PAM,
    PFM), AVIF or JPEG 2000 header, without decoding.  (A WebP, BMP, GIF or netpbm picture over the limit was
    refused by OpenCV's own check, "larger than livecut's limit", without its size.)"""
    tiff = _peek_tiff(data)  # (its first directory, wherever it is: libtiff writes it after the pixels)
    b = data[:65536].tobytes()
    if tiff is not None:
        return tiff
    if b[:4] == b"RIFF" and b[8:12] == b"WEBP" and len(b) >= 30:
        kind = b[12:16]
        if kind == b"VP8X":
            return int.from_bytes(b[24:27], "little") + 1, int.from_bytes(b[27:30], "little") + 1
        if kind == b"VP8L" and b[20] == 0x2F:
            bits = int.from_bytes(b[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if kind == b"VP8 " and b[23:26] == b"\x9d\x01\x2a":
            return int.from_bytes(b[26:28], "little") & 0x3FFF, int.from_bytes(b[28:30], "little") & 0x3FFF
        return None
    if b[:2] == b"BM" and len(b) >= 26:
        if int.from_bytes(b[14:18], "little") == 12:  # (OS/2's header: 16-bit sizes)
            return int.from_bytes(b[18:20], "little"), int.from_bytes(b[20:22], "little")
        return abs(int.from_bytes(b[18:22], "little", signed=True)), abs(int.from_bytes(b[22:26], "little", signed=True))
    if b[:6] in (b"GIF87a", b"GIF89a") and len(b) >= 10:
        return int.from_bytes(b[6:8], "little"), int.from_bytes(b[8:10], "little")
    pam = _pam_header(data)
    if pam is not None:
        w, h = pam.get("WIDTH", ""), pam.get("HEIGHT", "")
        return (int(w), int(h)) if w.isdigit() and h.isdigit() else None
    netpbm = _NETPBM_SIZE.match(b[:4096])
    if netpbm:
        return int(netpbm[1]), int(netpbm[2])
    if b[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n" or b[:4] == b"\xff\x4f\xff\x51":
        # a JPEG 2000's codestream's SIZ marker (a JP2's in its jp2c box): its grid less its offset
        # (one over the limit was refused by OpenCV's own check without its size, 4.7 s and 570 MB
        # into it for 16000x15600)
        i = b.find(b"\xff\x4f\xff\x51")
        if i < 0 or i + 24 > len(b):
            return None
        x, y, x0, y0 = struct.unpack(">IIII", b[i + 8:i + 24])
        return (x - x0, y - y0) if x > x0 and y > y0 else None
    for kind, payload in _avif_properties(data):  # (an AVIF's primary picture: its ispe, as coded)
        if kind == b"ispe" and len(payload) >= 12:
            return int.from_bytes(payload[4:8], "big"), int.from_bytes(payload[8:12], "big")
    if b.startswith(b"\x89PNG\r\n\x1a\n") and len(b) >= 24:
        return int.from_bytes(b[16:20], "big"), int.from_bytes(b[20:24], "big")
    if b.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(b):
            if b[i] != 0xFF:
                i += 1
                continue
            marker = b[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h = int.from_bytes(b[i + 5:i + 7], "big")
                w = int.from_bytes(b[i + 7:i + 9], "big")
                return w, h
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            seg = int.from_bytes(b[i + 2:i + 4], "big")
            i += 2 + seg
    return None


def to_bgr8(img: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Convert any decoded image to BGR uint8; also return its own alpha channel, if any."""
    if img.dtype == np.uint16:
        # the nearest 8-bit value, v / 257 rounded (the low byte dropped, v >> 8, rounded each
        # down: a 16-bit photo's cutout came out up to a level darker), written straight into
        # uint8 (no full-size 16-bit or float copy; as fast as the shift was)
        img = cv2.convertScaleAbs(img, alpha=1 / 257)
    elif (img.dtype in (np.float32, np.float64) and np.nanmin(img) >= -FLOAT_OVERSHOOT
          and np.nanmax(img) <= 1.0 + FLOAT_OVERSHOOT):
        # 0..1, the floating-point convention, NaN as 0: in strips of rows (np.nan_to_num of the
        # whole was a copy of it, 16 bytes a pixel more for RGBA: 3.2 GB at 200 megapixels)
        # (one channel with its axis, H x W x 1, made H x W as OpenCV gives it: it was a ValueError)
        # (a resampling's overshoot a little past 0..1 clipped to it: below 0 made 0 -- convertScaleAbs
        # takes |v| --, above 1 saturated)
        out = np.empty(img.shape[:2] if img.ndim == 3 and img.shape[2] == 1 else img.shape, np.uint8)
        step = max(1, (1 << 16) // max(1, img.shape[1]))  # (1 MB of RGBA float32 at a time)
        for r in range(0, img.shape[0], step):
            rows = np.nan_to_num(img[r:r + step])
            out[r:r + step] = cv2.convertScaleAbs(np.maximum(rows, 0.0, out=rows), alpha=255.0)
        img = out
    elif img.dtype != np.uint8:  # other ranges: stretched to 0..255
        # (straight into uint8: in its own type, a signed 8-bit picture's upper half was cut at 127)
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX, dtype=cv2.CV_8U)
    own_alpha = None
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif img.shape[2] == 4:
        own_alpha = img[:, :, 3].copy()
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    elif img.shape[2] == 1:
        img = cv2.cvtColor(img[:, :, 0], cv2.COLOR_GRAY2BGR)
    return img, own_alpha


def check_size(img: np.ndarray, path: str | Path | None = None) -> None:
    """Raise :class:`ImageSizeError` for an image smaller than MIN_SIDE or larger than MAX_PIXELS."""
    h, w = img.shape[:2]
    where = "" if path is None else f"{path}: "
    if min(h, w) < MIN_SIDE:
        raise ImageSizeError(f"{where}image is {w}x{h}; livecut needs at least {MIN_SIDE}x{MIN_SIDE} pixels")
    if h * w > MAX_PIXELS:
        raise ImageSizeError(f"{where}image is {w}x{h}{_megapixels(w, h)}; {too_large_hint(w, h)}")


#: the extensions of single output files whose format keeps an alpha channel (netpbm's PAM:
#: TUPLTYPE RGB_ALPHA, as write_image writes it; a cutout there was refused, "cannot hold transparency")
ALPHA_EXTS = (".png", ".webp", ".tif", ".tiff", ".avif", ".pam")

#: the longest side a format holds, by extension: WebP's 14-bit sizes, libjpeg's JPEG_MAX_DIMENSION
#: (AVIF: libavif's readers, OpenCV's and Pillow's, refuse more than 32768 a side; AV1 holds
#: 65536, so OpenCV wrote a wider one that nothing here could open)
MAX_SIDES = {".webp": (16383, "WebP"), **dict.fromkeys(JPEG_EXTS, (65500, "JPEG")),
             ".avif": (32768, "AVIF")}

#: the shortest side a format's encoder writes, by extension: OpenCV's JPEG 2000 writer asks
#: OpenJPEG for 6 resolution levels, which need 2**5 = 32 pixels each way
MIN_SIDES = {".jp2": (32, "JPEG 2000")}


def check_writable(path: str | Path, width: int, height: int) -> None:
    """Raise :class:`UsageError` when a ``width`` x ``height`` picture is larger than the
    format of ``path`` (by its extension) holds (a panorama into WebP), or smaller than its
    encoder writes (a 24-pixel-high strip into JPEG 2000); the encoder only failed, and it was
    said as "cannot encode an image as .webp"."""
    p = Path(path)
    limit, name = MAX_SIDES.get(p.suffix.lower(), (0, ""))
    if limit and max(width, height) > limit:
        raise UsageError(f"{p}: {'an' if name[:1] in 'AEIOU' else 'a'} {name} picture is at most {limit} pixels "
                         f"wide and high; this one is {width}x{height} (write .png or .tif)")
    least, name = MIN_SIDES.get(p.suffix.lower(), (0, ""))
    if min(width, height) < least:
        raise UsageError(f"{p}: a {name} picture is at least {least} pixels wide and high; this one is "
                         f"{width}x{height} (write .png or .tif)")


#: the extensions whose format keeps each pixel type but 8 bits (uint8: all): others written of
#: such a picture were wrong without a word (a 0-1 float PNG black, a 16-bit JPEG's levels cut)
DEPTH_EXTS = {np.dtype(np.uint16): (".png", ".tif", ".tiff", ".ppm", ".pgm", ".pnm", ".pam", ".jp2"),
              np.dtype(np.float32): (".tif", ".tiff", ".pfm", ".hdr"),
              np.dtype(np.float64): (".tif", ".tiff", ".pfm")}


def check_picture(path: Path, ext: str, img) -> None:
    """Refuse, as an :class:`ArrayError`, a picture :func:`write_image` cannot write as given:
    not an array, or of a pixel type the format of ``ext`` does not keep (see :data:`DEPTH_EXTS`)."""
    if not isinstance(img, np.ndarray):
        raise ArrayError(f"{path}: cannot write {type(img).__name__} as a picture; expected an HxW, HxWx3 (BGR) "
                         "or HxWx4 (BGRA) uint8 array, as Compositor.apply returns")
    if img.dtype == np.uint8 or ext in DEPTH_EXTS.get(img.dtype, ()):
        return
    kept = DEPTH_EXTS.get(img.dtype)
    other = f" (a {img.dtype} one: {', '.join(kept)})" if kept else ""
    raise ArrayError(f"{path}: cannot write a {img.dtype} picture as {ext}: give uint8 (0-255){other}, "
                     "e.g. np.clip(img * 255, 0, 255).round().astype(np.uint8) for 0-1 floats")


def write_image(path: str | Path, img: np.ndarray, force: bool = True, icc: bytes | None = None,
                dpi: tuple[float, float] | None = None, jpeg_quality: int = 95) -> str | None:
    """Encode ``img`` and write it to a temporary name next to ``path``, renamed into place
    when complete; without ``force`` an existing ``path`` is never replaced.  ``icc``: the
    colour profile of the pixels, embedded in a PNG, JPEG, WebP, TIFF or AVIF (the input's, so
    colour-managed viewers show its colours: a phone's Display P3 photo is not taken as
    sRGB); an encoder's file not laid out as expected is written without it.  ``dpi``: ``(x,
    y)`` dots per inch, stated in a PNG (pHYs), JPEG (JFIF density), TIFF, WebP or AVIF (EXIF),
    BMP or JPEG 2000 (the input's, so a print layout places it at its size: a 300 dpi product
    shot's cutout was placed at 72 dpi, four times as large).  ``jpeg_quality``: a JPEG's, 1-100
    (``composite.jpeg_quality``), its colour at full resolution (4:4:4) from 90 up, 4:2:0 below
    (see :data:`_ENCODE_PARAMS`).  Returns None,
    or a warning naming the temporary file left beside the written ``path`` (a folder that
    lets no name be removed: append-only; see :func:`~livecut.atomic.commit`)."""
    from livecut.atomic import commit, discard, io_reason, not_removed, temp_path, why_left

    from livecut.frames import check_flag

    p = picture_path(path, "write_image")
    force = check_flag(force, "force", "write_image")  # ('no' replaced the file: it is truthy)
    if icc is not None and not isinstance(icc, (bytes, bytearray, memoryview)):
        # (a str was a bare TypeError from the encoder's part; a Path embedded nothing)
        hint = "; read the file: Path(...).read_bytes()" if isinstance(icc, (str, os.PathLike)) else ""
        raise ConfigTypeError(f"write_image: icc must be a colour profile's bytes or None, "
                              f"got {type(icc).__name__}{hint}")
    # (any real numbers: Pillow's resolution of a TIFF, two IFDRationals, or numpy's were refused,
    # 'two numbers above 0 ... got (300.0, 150.0)')
    if dpi is not None and not (isinstance(dpi, (tuple, list)) and len(dpi) == 2 and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) and 0 < v < 1e6 for v in dpi)):
        raise ConfigTypeError(f"write_image: dpi must be (x, y) dots per inch, two numbers above 0, or None, "
                              f"got {dpi!r}")
    if dpi is not None:
        dpi = float(dpi[0]), float(dpi[1])
    if (isinstance(jpeg_quality, bool) or not isinstance(jpeg_quality, numbers.Integral)
            or not 1 <= jpeg_quality <= 100):
        raise ConfigTypeError(f"write_image: jpeg_quality must be a whole number of 1 to 100, got {jpeg_quality!r}")
    ext = p.suffix.lower() or ".png"
    check_picture(p, ext, img)
    if not force and os.path.lexists(p):  # (found only once written: "exists (written by another run
        # meanwhile?)", of a file there before the call, after the picture was encoded for nothing)
        raise OutputExistsError(f"{p}: exists (give {FORCE} to overwrite)")
    check_writable(p, img.shape[1], img.shape[0])
    if ext == ".ppm" and img.ndim == 2:  # (a mask: PPM holds colour only)
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif ext == ".pbm" and img.ndim == 2 and img.dtype == np.uint8:
        # black and white only: OpenCV's writer took every value above 0 for white, so a
        # mask's soft edge, however faint, became subject; cut at half instead
        img = cv2.threshold(img, 127, 255, cv2.THRESH_BINARY)[1]
    pam_rgb = ext == ".pam" and img.ndim == 3 and img.shape[2] in (3, 4)
    if pam_rgb:  # (a PAM's samples are R, G, B: OpenCV wrote its B, G, R as they are, and other
        # readers, netpbm, ImageMagick, GIMP, showed the composite's red and blue swapped)
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB if img.shape[2] == 3 else cv2.COLOR_BGRA2RGBA)

    def encode() -> tuple:
        try:
            params = [_ENCODE_PARAMS[ext]] if ext in _ENCODE_PARAMS else []
            if ext in JPEG_EXTS and jpeg_quality != 95:  # (composite.jpeg_quality)
                params = [[cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality), cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                           cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444 if jpeg_quality >= 90
                           else cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420]]
            if pam_rgb:  # (TUPLTYPE RGB or RGB_ALPHA: they are said R, G, B)
                params = [[cv2.IMWRITE_PAM_TUPLETYPE, cv2.IMWRITE_PAM_FORMAT_RGB if img.shape[2] == 3
                           else cv2.IMWRITE_PAM_FORMAT_RGB_ALPHA]]
            # (an AVIF's colour profile and resolution: its colr property and an Exif item, which
            # OpenCV's writer adds)
            metadata = [] if ext != ".avif" else [
                *([(cv2.IMAGE_METADATA_ICCP, bytes(icc))] if icc else []),
                *([(cv2.IMAGE_METADATA_EXIF, _dpi_exif(dpi))] if dpi is not None else [])]
            return _encode(".jpg" if ext in JPEG_EXTS else ext, img, params, metadata)  # (JFIF is JPEG's file format)
        except cv2.error:  # no writer for this extension, or a layout the format cannot hold
            return False, None

    ok, buf = _stderr_captured(encode, [])  # (OpenCV logs its refusal: the error below says it in one line)
    if not ok:
        raise UsageError(f"{p}: cannot encode an image as {ext}")
    # the file: the encoder's bytes, with tags or a profile added between parts of them (no
    # copy of the file: two or three were made, 250 MB more at the peak of a 61-megapixel
    # photo's cutout PNG with a profile)
    data = memoryview(buf.reshape(-1))
    parts = [data]
    if ext in (".tif", ".tiff"):
        alpha = img.ndim == 3 and img.shape[2] == 4
        if alpha or icc or dpi is not None:
            parts = _tiff_tags(data, alpha, icc, dpi)
    elif ext == ".webp" and (icc or dpi is not None):  # (WebP: the resolution in an EXIF chunk, after the image)
        parts = _with_icc_webp(data, icc or None, _dpi_exif(dpi) if dpi is not None else None)
    elif icc and ext in _EMBED_ICC:
        parts = _EMBED_ICC[ext](data, icc)
    if dpi is not None and ext in _WITH_DPI:  # (where the encoder's own header is: in the first part)
        parts = _WITH_DPI[ext](parts[0], dpi) + parts[1:]
    tmp, creating = None, True
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path(p)
        with open(tmp, "wb") as fh:  # (ndarray.tofile hides ENOSPC)
            creating = False
            for part in parts:
                fh.write(part)
        # (in here: a signal raised as commit was entered, before its own cleanup could, left
        # the temporary file beside the output, nothing at the final name: once in ~70 runs of
        # `livecut image` stopped by SIGTERM on a loaded machine; commit raises no OSError)
        return commit(tmp, p, force)
    except OSError as exc:
        discard(tmp)
        # (a folder that lets no name be removed, append-only: the part written stayed there
        # under its hidden name, unsaid)
        left = not_removed(tmp) if tmp is not None else None
        kept = f"; its temporary file {tmp} could not be removed ({why_left(left)})" if left else ""
        error = WriteError(f"{p}: cannot write: {io_reason(exc)}{kept}")
        error.errno = exc.errno  # (a full disk stops a run of many images: see process_images)
        error.creating = creating  # (EPERM there: the folder takes no new files, see folder_stop)
        raise error from None
    except BaseException as exc:
        discard(tmp)
        left = not_removed(tmp) if tmp is not None else None
        if left is not None:  # (Ctrl-C in an append-only folder: the part written stayed, unsaid; see
            # images._counted_stop, which makes it one of the run's warnings)
            exc.warnings = [*(getattr(exc, "warnings", None) or []),  # type: ignore[attr-defined]
                            f"{tmp}: the temporary file of {p} could not be removed ({why_left(left)}): "
                            "remove it once the folder allows"]
        raise


#: the name of the thread that encodes a picture (see :func:`_encode`)
ENCODE_THREAD = "livecut-encode"


def _encode(ext: str, img: np.ndarray, params: list, metadata: list | None = None) -> tuple:
    """``cv2.imencode(ext, img, *params)`` (with ``metadata``, ``(cv2.IMAGE_METADATA_..., bytes)``
    pairs: ``cv2.imencodeWithMetadata``, which puts them in the file) in a thread of its own,
    waited for: a signal stops the
    wait at once (Ctrl-C during a huge picture's encoding, a 200000x200 PNG's, waited seconds for
    the encoder to finish before the run stopped: Python runs its handler once OpenCV's call has
    returned).  The encoder left then ends with the process (the command line ends it, see
    ``livecut.cli._exit_now_if_an_open_waits``; from Python it is waited for a while at the
    exit, see :class:`livecut.threads.Worker`); its picture is not written."""
    from livecut.threads import Worker

    got: list = []

    def encode() -> None:
        try:
            if not metadata:
                got.append(cv2.imencode(ext, img, *params))
            else:
                got.append(cv2.imencodeWithMetadata(ext, img, [kind for kind, _ in metadata],
                                                    [np.frombuffer(b, np.uint8) for _, b in metadata], *params))
        except BaseException as exc:  # (cv2.error: no writer, a layout it cannot hold; MemoryError)
            got.append(exc)

    t = Worker(target=encode, name=ENCODE_THREAD, daemon=True)
    t.start()
    t.join()
    if isinstance(got[0], BaseException):
        raise got[0]
    return got[0]


#: what an encoder is given beyond OpenCV's defaults: an AVIF at the quality of a JPEG, 95
#: (OpenCV's own, about 50, put a cutout's colours 11-18 levels off on average; a JPEG's at 95:
#: 1.2; WebP, PNG and TIFF are lossless), its alpha lossless (at 95 too, a cutout's background
#: showed faintly, alpha up to 3, and its subject had pinholes; 1.4 % larger a file)
#: A JPEG: at OpenCV's quality, 95, with its colour at full resolution, 4:4:4 (OpenCV's own, 4:2:0,
#: halves it each way: a composite's hard edge between a saturated subject and a new background,
#: `-b color:...`, was smeared, a red product's on white 44 levels off at the 99th percentile of
#: its edge, a blue one's on yellow 103; 12 at 4:4:4. ImageMagick writes 4:4:4 from quality 90 up
#: for this; the file is 25-50 % larger, a photo's composite over blue 40 -> 51 KiB)
_ENCODE_PARAMS = {".avif": [cv2.IMWRITE_AVIF_QUALITY, 95, cv2.IMWRITE_AVIF_ALPHA_QUALITY, 100],
                  **dict.fromkeys(JPEG_EXTS, [cv2.IMWRITE_JPEG_QUALITY, 95,
                                              cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444])}

#: the TIFF tag of an embedded colour profile (InterColorProfile, type UNDEFINED)
_TIFF_ICC = 34675


def _rational(v: float) -> tuple[int, int]:
    """``v`` (above 0) as a TIFF RATIONAL's numerator and denominator, 32 bits each: the fraction
    nearest to it that they hold (299.5: 599/2; 72.27: 7227/100)."""
    from fractions import Fraction

    f = Fraction(v).limit_denominator(max(1, (2**32 - 1) // math.ceil(v)))
    return (f.numerator, f.denominator) if f.numerator else (1, 2**32 - 1)  # (the least it holds)


def _tiff_tags(data: bytes | memoryview, alpha: bool, icc: bytes | None = None,
               dpi: tuple[float, float] | None = None) -> list:
    """The parts (as :func:`_with_icc_png`) of a TIFF from OpenCV with tags it does not write
    added to its first directory.
    ``alpha``: its 4th sample stated as (unassociated) alpha: OpenCV writes no ExtraSamples
    tag, so programs took the cutout's transparency for a 4th, unnamed channel (libtiff warns
    about it).  ``icc``: the colour profile, in tag 34675.  ``dpi``: XResolution and
    YResolution in inches, fractions as they are (OpenCV's own parameters take whole numbers:
    a 299.5 dpi scan's was said as 300).  The directory is written again at
    the end of the file with the tags added (after the profile's bytes), and the header
    pointed at it; a tag there already is left as it is; a file not laid out as expected
    (BigTIFF, a directory beyond the end) is returned as it is."""
    if len(data) < 8 or data[:2] not in (b"II", b"MM"):
        return [data]
    bo = "<" if data[:2] == b"II" else ">"
    if struct.unpack(bo + "H", data[2:4])[0] != 42:
        return [data]
    off = struct.unpack(bo + "I", data[4:8])[0]
    if off + 2 > len(data):
        return [data]
    n = struct.unpack(bo + "H", data[off:off + 2])[0]
    end = off + 2 + 12 * n
    if end + 4 > len(data):
        return [data]
    entries = [bytes(data[off + 2 + 12 * i:off + 14 + 12 * i]) for i in range(n)]
    tags = {struct.unpack(bo + "H", e[:2])[0] for e in entries}
    # what follows the file's bytes: a pad (a directory or value starts on a word boundary),
    # the profile, the new directory; ``size`` is where the next of them starts
    after = [b"\0"] if len(data) % 2 else []
    size = len(data) + len(after)
    if alpha and 338 not in tags:
        entries.append(struct.pack(bo + "HHIH", 338, 3, 1, 2) + b"\0\0")  # SHORT 2: unassociated alpha
    if icc and _TIFF_ICC not in tags:
        if len(icc) <= 4:
            entries.append(struct.pack(bo + "HHI", _TIFF_ICC, 7, len(icc)) + icc.ljust(4, b"\0"))
        else:
            entries.append(struct.pack(bo + "HHII", _TIFF_ICC, 7, len(icc), size))
            after.append(icc + b"\0" * (len(icc) % 2))
            size += len(after[-1])
    if dpi is not None and not {282, 283, 296} & tags:
        for tag, v in ((282, dpi[0]), (283, dpi[1])):
            entries.append(struct.pack(bo + "HHII", tag, 5, 1, size))
            after.append(struct.pack(bo + "II", *_rational(v)))
            size += 8
        entries.append(struct.pack(bo + "HHIH", 296, 3, 1, 2) + b"\0\0")  # ResolutionUnit: inch
    if len(entries) == n or size + 6 + 12 * len(entries) >= 1 << 32:
        return [data]
    entries.sort(key=lambda e: struct.unpack(bo + "H", e[:2])[0])
    ifd = struct.pack(bo + "H", len(entries)) + b"".join(entries) + bytes(data[end:end + 4])
    return [data[:4], struct.pack(bo + "I", size), data[8:], *after, ifd]


#: how an output format holds a colour profile (TIFF: see _tiff_tags)
_EMBED_ICC = {".png": _with_icc_png, **dict.fromkeys(JPEG_EXTS, _with_icc_jpeg),
              ".webp": _with_icc_webp}
#: the picture types whose files :func:`write_image` embeds a colour profile in (not BMP, JPEG
#: 2000 or the netpbm ones; AVIF: OpenCV's writer, see write_image)
ICC_EXTS = (*_EMBED_ICC, ".tif", ".tiff", ".avif")


def raw_left_out(files: list[Path]) -> str:
    """What to add to "no images" where ``files`` hold camera raw files (a shoot in raw
    alone): that livecut reads none of them, not that there is nothing there; else ""."""
    raw = sum(q.suffix.lower() in RAW_EXTS for q in files)
    if not raw:
        return ""
    them = "it" if raw == 1 else "them"
    return (f"; {raw} camera raw file{'s' * (raw > 1)}, which livecut does not read: export {them} as JPEG, PNG "
            "or TIFF first")


#: picture types cut only when named, not taken from a folder or by a glob: animations by their
#: name, a GIF and an APNG (an animated PNG named .apng: a folder of them "held no images")
NAMED_ONLY_EXTS = (".gif", ".apng")


def _videos_left_out(files: list[Path], given: str) -> str:
    """What to add to "no images" of livecut image's folder or pattern ``given`` whose ``files``
    hold videos (`livecut image clips/ -o cut/` said the folder holds no images alone): the
    command that cuts them; else ""."""
    import shlex

    from livecut.batch import VIDEO_EXTS

    videos = sum(q.suffix.lower() in VIDEO_EXTS for q in files)
    if not videos:
        return ""
    return (f"; {videos} video{'s' * (videos > 1)}, which livecut image does not cut: livecut batch "
            f"{shlex.quote(given)} -o OUTDIR cuts {'them' if videos > 1 else 'it'}")


def gifs_left_out(files: list[Path]) -> str:
    """What to add to "no images" of a folder or a pattern that holds GIFs or APNGs alone
    (``files``: its files): they are cut only when named, and a folder or a pattern names none;
    else ""."""
    gifs = sum(q.suffix.lower() == ".gif" for q in files)
    apngs = sum(q.suffix.lower() == ".apng" for q in files)
    if not gifs + apngs:
        return ""
    what = " and ".join(x for x in (f"{gifs} GIF{'s' * (gifs > 1)}" * bool(gifs),
                                    f"{apngs} APNG{'s' * (apngs > 1)} (animated PNG)" * bool(apngs)) if x)
    return f"; {what}, cut only when named: name {'it' if gifs + apngs == 1 else 'each'} on its own"


def folders_matched(matched: list[Path], pattern: str) -> str:
    """What to add to "pattern matches no images" of a pattern that matches folders alone
    (``'shoot*'`` quoted, where the shell would have given the folders themselves): that a
    pattern takes the files it matches, not a folder's; else ""."""
    try:
        folders = sorted(q for q in matched if q.is_dir())
    except OSError:  # (a folder that can be listed, not searched: chmod 444; said as such)
        return ""
    if not folders or len(folders) < len(matched):  # (files matched too: what they are is said)
        return ""
    n = len(folders)
    named = ", ".join(str(q) for q in folders[:3]) + (" ..." if n > 3 else "")
    return (f"; it matches {n} folder{'s' * (n > 1)} ({named}), whose files a pattern does not take: name "
            f"{'it' if n == 1 else 'them'}, or give '{pattern.rstrip('/' + os.sep)}/*'")


def case_matched(pattern: str, wanted) -> str:
    """What to add to "pattern matches no images" of a pattern whose last part matches files
    that ``wanted`` (a test of a path) takes but for case: ``'*.jpg'`` of a camera's
    ``IMG_0001.JPG`` (glob's case counts, as the shell's does: a shoot of JPEGs was "no images",
    unsaid why), naming the pattern that takes them where their extension alone differs; else ""."""
    head, tail = os.path.split(os.path.expanduser(pattern))
    if not glob.has_magic(tail) or "**" in tail:
        return ""
    folded = tail.casefold()
    try:
        folders = [Path(q) for q in glob_paths(head)] if glob.has_magic(head) else [Path(head or ".")]
        hits = sorted(f / name for f in folders if f.is_dir() for name in os.listdir(f)
                      if (tail.startswith(".") or not name.startswith("."))
                      and fnmatch.fnmatchcase(name.casefold(), folded) and wanted(f / name))
    except OSError:
        return ""
    if not hits:
        return ""
    n = len(hits)
    named = ", ".join(q.name for q in hits[:3]) + (" ..." if n > 3 else "")
    suffixes = {q.suffix for q in hits}
    ext = suffixes.pop() if len(suffixes) == 1 else ""
    fixed = pattern[:-len(ext)] + ext if ext and pattern.casefold().endswith(ext.casefold()) else pattern
    fix = (f": give '{fixed}'" if fixed != pattern  # (one that takes them all: 'IMG_*.JPG' takes no img_1.JPG)
           and all(fnmatch.fnmatchcase(q.name, os.path.basename(fixed)) for q in hits) else "")
    return f"; {n} file{'s' * (n > 1)} ({named}) match{'es' * (n == 1)} it in another case (a pattern's case counts){fix}"


OTHER_CASE_TAKEN = ", but another input takes the photos it matches in another case (a pattern's case counts)"


def say_other_case(unmatched, errors: list[str], warnings: list[str] | None, taken) -> None:
    """For each ``(at, pattern, wanted)`` of ``unmatched`` (a pattern that matched nothing, its
    error line ``errors[at]``, ``wanted`` a test of the paths it was for), add to its line the
    files it matches but for case that no input takes (``taken``, a test of a path: see
    :func:`case_matched`); where it matches but for case only files another input takes, and
    ``warnings`` is given, its line goes there instead, with :data:`OTHER_CASE_TAKEN`:
    ``*.JPG *.jpg`` as bash passes it in a camera's folder, the second matching nothing: all of
    its photos were cut, then the run failed (exit 2), '1 failed', for a pattern given for either
    case."""
    said: list[int] = []
    for at, pattern, wanted in unmatched:
        untaken = case_matched(pattern, lambda q: wanted(q) and not taken(q))
        errors[at] += untaken
        if warnings is not None and not untaken and case_matched(pattern, lambda q: wanted(q) and taken(q)):
            warnings.append(errors[at] + OTHER_CASE_TAKEN)
            said.append(at)
    for at in reversed(said):
        del errors[at]


def _subfolders_unread(folder: Path) -> str:
    """What to add to "no images" of a folder whose images may be in its subfolders, which
    `livecut image` does not read; else ""."""
    try:
        subs = any(q.is_dir() and not q.name.startswith(".") for q in folder.iterdir())
    except OSError:
        return ""
    return (f"; its subfolders are not read: give '{folder}/**' for their images, or use `livecut batch`, "
            "which mirrors the tree") if subs else ""


def unreadable(folder: Path) -> str:
    """What to add to "pattern matches no images" of a pattern whose folder cannot be read
    (glob finds nothing there, unsaid) or is not there (a typo: 'nope/*.jpg' said "matches no
    images" alone, as if the folder held none); else ""."""
    try:
        with os.scandir(folder):
            return ""
    except (FileNotFoundError, NotADirectoryError):
        # (the first part on the way that is missing, or is a file)
        for part in (*reversed(folder.parents[:-1]), folder):
            if not os.path.lexists(part):
                return f" (no folder {part}: not found)"
            if part.is_symlink() and not part.exists():
                return f" ({part}: a broken link)"
            if not part.is_dir():
                return f" ({part}: not a folder)"
        return ""
    except OSError as exc:
        return f" ({folder}: cannot read the folder: {exc.strerror or exc})"


def _literal_head(parts: tuple[str, ...]) -> int:
    """How many of a pattern's leading ``parts`` name a folder that is there by that name though
    it holds a wildcard character (``shoot[1]``, ``best?``): 0 where none does."""
    for n in range(len(parts) - 1, 0, -1):
        head = os.path.join(*parts[:n])
        if glob.has_magic(head) and os.path.isdir(head):
            return n
    return 0


def glob_paths(pattern: str) -> list[str]:
    """``glob.glob(pattern, recursive=True)``, the folder its leading parts name taken by its name
    where it is there (``'shoot[1]/*.jpg'``, the folder ``shoot[1]/``: it was the pattern
    ``shoot1/*.jpg``, another folder's photos), as a file named is; a pattern matching nothing is
    kept for the pattern it is. Raises OSError."""
    parts = Path(pattern).parts
    n = _literal_head(parts)
    if n:
        pattern = os.path.join(glob.escape(os.path.join(*parts[:n])), *parts[n:])
    return _glob(pattern)


def _glob(pattern: str) -> list[str]:
    """``glob.glob(pattern, recursive=True)``, where ``**`` goes into no folder that is one of its
    own on the way (a link back up the tree, ``ln -s .. up``): there glob follows the link again
    and again, until the system's 40 links in a row, and two such links in one folder make that
    2**40 paths ('shoot/**/*.jpg' ran for ever, a core busy)."""
    segs = pattern.split(os.sep)
    if "**" not in segs:
        return glob.glob(pattern, recursive=True)
    i = segs.index("**")
    head, rest = os.sep.join(segs[:i]) or (os.sep if i else ""), os.sep.join(segs[i + 1:])
    heads = [h for h in glob.glob(head) if os.path.isdir(h)] if head else [""]
    found: list[str] = []
    for top in heads:
        for d in _folders_below(top):
            if segs[i + 1:]:  # (more after it; '' alone: 'x/**/', the folders)
                found.extend(_glob(os.path.join(glob.escape(d), rest)))
                continue
            if d != top or top:  # ('x/**': x/ itself, then what is below it, as glob gives them)
                found.append(os.path.join(d, "") if d == top else d)
            try:
                names = sorted(os.listdir(d or "."))
            except OSError:
                continue
            found.extend(q for q in (os.path.join(d, name) for name in names if not name.startswith("."))
                         if not os.path.isdir(q))
    return found


def _folders_below(top: str):
    """``top`` and each folder below it, its hidden ones left out (as glob's ``**``): through links
    to folders, but into none that is one of its own on the way there (a link back up)."""
    def walk(d: str, ancestors: frozenset):
        yield d
        try:
            entries = sorted(os.scandir(d or "."), key=lambda e: e.name)
        except OSError:
            return
        for e in entries:
            try:
                if e.name.startswith(".") or not e.is_dir():
                    continue
                st = e.stat()
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key not in ancestors:
                yield from walk(os.path.join(d, e.name), ancestors | {key})

    try:
        st = os.stat(top or ".")
    except OSError:
        return
    yield from walk(top, frozenset({(st.st_dev, st.st_ino)}))


def pattern_base(pattern: str) -> Path:
    """The folder a glob pattern starts from: its parts before the first that holds a wildcard
    (past those of a folder there by its name, :func:`glob_paths`)."""
    parts = Path(pattern).parts
    n = _literal_head(parts)
    fixed = next((i for i, part in enumerate(parts) if i >= n and glob.has_magic(part)), len(parts))
    return Path(*parts[:fixed]) if fixed else Path(".")


def first_visit():
    """A test for a walk that follows symbolic links (``os.walk(..., followlinks=True)``): called
    with a folder, True the first time that folder is met -- by its device and inode, so a second
    link to it, or a link back up the tree, is False -- and for one that cannot be read (walked,
    to say why)."""
    walked: set[tuple[int, int]] = set()

    def first_time(path) -> bool:
        try:
            st = os.stat(path)
        except OSError:
            return True
        key = (st.st_dev, st.st_ino)
        if key in walked:
            return False
        walked.add(key)
        return True

    return first_time


def folded_name(path: str | Path) -> str:
    """``path`` as a file system that ignores case takes it (macOS, Windows): two outputs with
    one folded name are one file there (``A.png``, ``a.png``; and composed or decomposed accents,
    which macOS takes for one name too)."""
    import unicodedata

    return unicodedata.normalize("NFC", str(path)).casefold()


def name_clash(path: str | Path, first: str | Path) -> tuple[str, str, str]:
    """How ``path`` is one name with ``first`` (their :func:`folded_name` the same), in the words
    of a refusal: what it is (before ``first``'s name, after it) and where the two are one.  Names
    alike but for their accents' Unicode form (café composed beside a Mac's decomposed one) print
    alike: they were said to differ 'only in case'."""
    import unicodedata

    if unicodedata.normalize("NFC", str(path)) == unicodedata.normalize("NFC", str(first)):
        return "is", " with its accents in another Unicode form (composed or decomposed)", "one name on macOS"
    return "differs only in case from", "", "one name on file systems that ignore case (macOS, Windows)"


def _missing(p: Path) -> str:
    """Why ``p``, which ``exists()`` said is not there, is not: "file not found", or of a symbolic
    link to nothing (its target moved or deleted: `ls` lists it, and eval's photo, `livecut image
    gone.jpg`, was said "file not found") "a link to T, which is not there"."""
    try:
        if p.is_symlink():
            return f"a link to {os.readlink(p)}, which is not there"
    except OSError:
        pass
    return "file not found"


def _broken_links(paths: list[Path]) -> list[str]:
    """An error line for each of ``paths`` with a picture's extension that is a symbolic link to
    nothing (its target moved or deleted): left out without a word, a photo of a folder or a
    pattern was missing from the results, exit 0 (`livecut batch` says it, a failed item)."""
    out = []
    for q in paths:
        if q.suffix.lower() in IMAGE_EXTS:
            try:
                broken = q.is_symlink() and not q.exists()
                target = os.readlink(q) if broken else ""
            except OSError:
                continue
            if broken:
                out.append(f"{q}: cannot read: {not_there(q, f'a link to {target}, which is not there')}")
    return out


def _file_or_special(path: Path) -> bool:
    """Whether ``path`` is a file, or a named pipe, a device or a socket: one of those with a
    picture's name, in a folder or a pattern, is an input that fails as it does named ("is a FIFO
    (named pipe), not a picture file"), as `livecut batch` says it; it was left out without a word,
    and a pattern that matched it alone said "matches no images"."""
    if path.is_file():
        return True
    try:
        return special_kind(path.stat().st_mode) is not None
    except OSError:
        return False


def same_file(path: Path) -> Any:
    """What ``path`` is, for telling two names of one file or folder apart from two files: its
    device and inode where the system gives them, so that a hard link is its file, as a
    symbolic link is (``livecut image a.jpg hard.jpg``, ``hard.jpg`` a hard link to ``a.jpg``,
    or a folder holding both -- as ``jdupes -L`` or a backup leaves duplicates -- cut the one
    picture twice, a.png and hard.png); else its resolved path (its absolute one where a loop
    of symbolic links stops that)."""
    try:
        st = os.stat(path)
        if st.st_ino:  # (0: a file system that gives none)
            return st.st_dev, st.st_ino
    except (OSError, ValueError):
        pass
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def given_twice(twice: list[tuple[str, str, bool]]) -> str:
    """The note of the files and folders named twice or more (``(first name, later name,
    folder)``, one for each later name), each done once, a file under the name it was given by
    first; one line for them all, each file or folder said once in it: 'a.jpg, ./a.jpg and
    link.jpg are one file, given 3 times' (each later name was said with the first, in a clause
    of its own: 'a.jpg and ./a.jpg are one file, given twice; a.jpg and link.jpg are ...')."""
    groups: dict[tuple[str, bool], list[str]] = {}  # ((first name, folder): its later names)
    for first, later, folder in twice:
        groups.setdefault((first, folder), []).append(later)

    def one(first: str, folder: bool, later: list[str]) -> str:
        names = list(dict.fromkeys([first, *later]))  # (each name once, in the order given)
        times = "twice" if len(later) == 1 else f"{len(later) + 1} times"
        if len(names) == 1:
            return f"{first} given {times}"
        return f"{', '.join(names[:-1])} and {names[-1]} are one {'folder' if folder else 'file'}, given {times}"

    # (a link's name and its file's: the output is named after the first, link.png)
    renamed = [first for (first, folder), later in groups.items()
               if not folder and any(Path(first).name != Path(q).name for q in later)]
    said = [one(first, folder, later) for (first, folder), later in groups.items()]
    if len(said) == 1:
        return f"{said[0]}: done once" + (f" (as {renamed[0]})" if renamed else "")
    more = f" and {len(said) - 3} more" if len(said) > 3 else ""
    return (f"{'; '.join(said[:3])}{more}: each done once"
            + (", by the name given first" if renamed else ""))


def expand_inputs(inputs: Iterable[str], outdir: str | Path | None = None,
                  warnings: list[str] | None = None, notes: list[str] | None = None, *,
                  _twice: list[tuple[str, str, bool]] | None = None) -> tuple[list[Path], list[str]]:
    """Files, folders (their images, sorted) and globs (`**` at any depth) -> (image paths, error lines).
    ``outdir``: the output folder; what a glob finds in it, when it is below the folder the
    pattern starts from, is left out (the results of an earlier run, as `livecut batch` leaves
    them: 'shoot/**' -o shoot/cut/ took them for photos again, each 'would overwrite an input').
    ``warnings``: where a pattern that matches no images but photos another input takes in
    another case is said (see :func:`say_other_case`); else it is an error line.  ``notes``:
    where a file or folder named twice (``a.jpg ./a.jpg``, a link and its file) is said, done
    once (see :func:`given_twice`); ``_twice``: inputs named twice before these (a picture's URL
    that gave none, tried once: see :func:`livecut.images._fetching`), said in the same note."""
    paths: list[Path] = []
    # (one file or folder named twice was cut once without a word, '1 written' of two given)
    named: dict[Any, int] = {}  # (each file or folder named, by same_file: the index of its first name)
    twice: list[tuple[str, str, bool]] = list(_twice or [])
    errors: list[str] = []
    unmatched: list = []  # (patterns that matched no images: see say_other_case below)
    results = Path(os.path.expanduser(str(outdir))).resolve() if outdir is not None else None
    inputs = list(inputs)
    for index, text in enumerate(inputs):
        p = Path(text)
        # (a folder without permission, chmod 000, given or on the way to a photo or a pattern,
        # stopped the whole run: 'internal error: PermissionError', exit 1, the others not cut)
        try:
            is_dir, exists = p.is_dir(), p.exists()
        except OSError as exc:
            if not glob.has_magic(text):
                errors.append(f"{p}: cannot read: {exc.strerror or exc}")
                continue
            is_dir = exists = False
        if is_dir:
            try:
                entries = [q for q in p.iterdir() if not q.name.startswith(".")]
                files = [q for q in entries if _file_or_special(q)]
            except OSError as exc:
                errors.append(f"{p}: cannot read the folder: {exc.strerror or exc}")
                continue
            errors.extend(_broken_links(entries))
            found = sorted(q for q in files if q.suffix.lower() in IMAGE_EXTS)
            if not found:
                errors.append(f"{p}: directory holds no images ({', '.join(IMAGE_EXTS[:4])} ...)" + raw_left_out(files)
                              + gifs_left_out(files) + _videos_left_out(files, text) + _subfolders_unread(p))
            elif (first := named.setdefault(same_file(p), index)) != index:
                twice.append((inputs[first], text, True))
            paths.extend(found)
        elif exists:
            if (first := named.setdefault(same_file(p), index)) != index:
                twice.append((inputs[first], text, False))
            paths.append(p)
        elif glob.has_magic(text):
            base = pattern_base(os.path.expanduser(text))
            try:
                matched = [Path(q) for q in glob_paths(os.path.expanduser(text))]
                files = [q for q in matched if _file_or_special(q)]
            except OSError as exc:  # (a folder that can be listed, not searched: chmod 444)
                errors.append(f"{text}: cannot read the folder: {exc.strerror or exc}")
                continue
            in_results = results is not None and base.resolve() in results.parents
            if in_results:  # (as the results below)
                matched = [q for q in matched if results not in (q.parent.resolve(), *q.parent.resolve().parents)]
            errors.extend(_broken_links(matched))
            results_too = len(files)
            if in_results:
                files = [q for q in files if results not in q.resolve().parents]
            results_too -= len(files)
            found = sorted(q for q in files if q.suffix.lower() in IMAGE_EXTS)
            if not found:
                left = (f" ({results_too} file{'s' * (results_too > 1)} in the output folder left out: "
                        "results of a run before)") if results_too else ""
                errors.append(f"{text}: pattern matches no images{left}{unreadable(base)}" + raw_left_out(files)
                              + gifs_left_out(files) + _videos_left_out(files, text) + folders_matched(matched, text))
                unmatched.append((len(errors) - 1, text, lambda q, in_results=in_results: (
                    q.suffix.lower() in IMAGE_EXTS and _file_or_special(q)
                    and not (in_results and results in q.resolve().parents))))
            paths.extend(found)
        else:
            errors.append(f"{p}: {not_there(p, _missing(p))}")
    if twice and notes is not None:
        notes.append(given_twice(twice))
    if unmatched:  # (photos that another input takes, '*.JPG' given beside '*.jpg', are not said)
        taken = {same_file(q) for q in paths}
        say_other_case(unmatched, errors, warnings, lambda q: same_file(q) in taken)
    # de-duplicate, keep order (a hard link to a photo too: one file)
    seen: set = set()
    unique = []
    for q in paths:
        key = same_file(q)
        if key not in seen:
            seen.add(key)
            unique.append(q)
    return unique, errors
