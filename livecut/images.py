"""Batch processing of still images (``livecut image``)."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import cv2
import numpy as np

from livecut.atomic import (LOOP_OF_LINKS, NAME_MAX, TEMP_MARK, check_not_special, dangling_link, discard,
                            folder_in_the_way, folder_stop, identity, io_reason, name_too_long, not_there,
                            raise_if_in_the_way, raise_if_link_loop, stale_left, temp_prefix)
from livecut.composite import Background, Compositor, mode_word, parse_background
from livecut.config import CompositeConfig, Config, whole_config
from livecut.errors import (FORCE, ConfigTypeError, LivecutError, OutputExistsError, UsageError, WriteError,
                            interrupt_under, stop_text)
from livecut.frames import check_flag
from livecut.imageio import (ALPHA_EXTS, ICC_EXTS, IMAGE_EXTS, RAW_EXTS, check_size, check_writable, colour_profile,
                             expand_inputs, folded_name, is_srgb, looks_like_picture, name_clash, other_colour_space,
                             read_image, srgb_colour_in, to_bgr8,
                             write_image, _peek_size)
from livecut.progress import Progress
from livecut.urls import url_scheme
from livecut.segment import Segmenter
from livecut.segment.bars import framing

IMAGE_MODES = ("cutout", "mask", "composite", "side-by-side")
#: what ``livecut image`` says of a photo with no defocused part, or no part in focus
STATE_NOTES = {
    "all-sharp": "no defocused background found: the whole image is kept",
    "all-blurred": "nothing in focus found: the mask is empty",
}
#: what it says of a photo judged to have a subject of which nothing was kept (every alpha
#: under the cut): an empty cutout, which "all-blurred"'s note did not cover
EMPTY_NOTE = "no part was kept: the mask is empty (nothing judged in focus enough)"
#: what it says of a picture transparent all over (its own alpha 0 everywhere: nothing of it
#: shows), whose output, the cut times that alpha, is empty whatever the cut: it is not judged
#: (the colours stored under the transparency are not cut), and ``{}`` is what the mode makes
CLEAR_NOTE = ("the picture is fully transparent (its alpha is 0 everywhere): nothing of it shows, so nothing is cut "
              "and {}; remove its alpha channel first to cut the colours stored under it")
#: what it says, in :data:`CLEAR_NOTE`'s place, of a picture of more than 8 bits whose alpha is
#: not 0 everywhere but under 1/255 everywhere (e.g. 0-128 of 65535): 0 at the 8 bits livecut
#: judges and writes, its output as empty (it was said to be "alpha 0 everywhere", untrue)
FAINT_NOTE = ("the picture is all but fully transparent (its alpha is under 1/255 everywhere, 0 at the 8 bits a "
              "channel livecut works at): nothing of it shows, so nothing is cut and {}; remove its alpha channel "
              "first to cut the colours stored under it")
#: what a picture transparent all over becomes in each mode, in :data:`CLEAR_NOTE`
CLEAR_OUTPUT = {"cutout": "its cutout is transparent all over", "mask": "its mask is empty",
                "composite": "its composite is the background alone",
                "side-by-side": "its composite is the background alone"}


#: what it says of a picture with its own alpha where what the mask keeps lies where the
#: picture is transparent (the cut times that alpha reaches 128 nowhere): an empty cutout
HIDDEN_NOTE = "no part was kept: what was judged in focus is where the picture is transparent (nothing of it shows)"


def photo_note(state: str, alpha: np.ndarray, own: np.ndarray | None = None) -> str | None:
    """What ``livecut image`` notes of a photo's mask (None: nothing to say): its state's
    note (:data:`STATE_NOTES`), or :data:`EMPTY_NOTE` when nothing of it reaches the cut (128),
    or :data:`HIDDEN_NOTE` when nothing of it does once times the picture's own alpha ``own``
    (HxW uint8, or None), as the output is made (it was empty without a word)."""
    if state in STATE_NOTES:
        return STATE_NOTES[state]
    if not np.count_nonzero(alpha > 127):  # (not cv2.compare: OpenCV 5.1 compares a 4x1 array
        return EMPTY_NOTE                     # with (127, 0, 0, 0), a 1x1 with nothing)
    # (alpha * own / 255 rounded over 127, as cv2.multiply makes the output's, in numpy: the same
    # OpenCV takes a 4x1 array beside another for a scalar)
    if own is not None and not np.count_nonzero(alpha.astype(np.uint16) * own >= 32513):
        return HIDDEN_NOTE
    return None


#: the fill judged where a picture is transparent (see :func:`as_shown`) is worked out on the
#: picture reduced to this many pixels on its long side, at most
FILL_SIZE = 1024
#: rows of a picture composited at a time by :func:`as_shown` (its temporaries stay small)
_FILL_ROWS = 256


class ShownBuffers:
    """The arrays :func:`as_shown` works in, kept from one call to the next: a video's frames
    (of one size) made none of their own.  Each frame of a video with its own alpha made some
    60 MB of arrays, full-size and at the fill's size (~62 ms a 1080p frame; ~22 ms in these)."""

    def __init__(self) -> None:
        self._arrays: dict = {}
        #: the last frame given to :func:`livecut.runner._as_shown` was transparent all over
        self.clear = False

    def get(self, key, shape: tuple, dtype) -> np.ndarray:
        """The array ``key`` of ``shape`` and ``dtype`` (its contents those it was left with)."""
        a = self._arrays.get(key)
        if a is None or a.shape != shape or a.dtype != dtype:
            self._arrays[key] = None  # (the old one let go before the new one is made)
            a = self._arrays[key] = np.empty(shape, dtype)
        return a


def _pull_push(num: np.ndarray, den: np.ndarray, bufs: ShownBuffers | None = None, level: int = 0) -> np.ndarray:
    """The colours ``num / den`` (premultiplied colours HxWx3, their weights HxW, float32)
    where the weights are whole, filled in from ever coarser averages where they are not (a
    pull-push pyramid: each level the weighted average of the one before, halved).  In arrays
    of ``bufs`` (the result too), else new ones."""
    if max(den.shape[:2]) <= 1:
        total = float(den.sum())
        mean = num.reshape(-1, 3).sum(0) / total if total > 0 else np.full(3, 127.5, np.float32)
        return np.broadcast_to(mean.astype(np.float32), num.shape).copy()
    bufs = ShownBuffers() if bufs is None else bufs
    f32 = np.float32
    h, w = den.shape
    size = ((w + 1) // 2, (h + 1) // 2)
    coarse = _pull_push(
        cv2.resize(num, size, dst=bufs.get(("num", level + 1), (size[1], size[0], 3), f32),
                   interpolation=cv2.INTER_AREA).reshape(size[1], size[0], 3),
        cv2.resize(den, size, dst=bufs.get(("den", level + 1), (size[1], size[0]), f32),
                   interpolation=cv2.INTER_AREA).reshape(size[1], size[0]), bufs, level + 1)
    up = cv2.resize(coarse, (w, h), dst=bufs.get(("up", level), (h, w, 3), f32),
                    interpolation=cv2.INTER_LINEAR).reshape(h, w, 3)
    # num / max(den, 1e-30) * own + up * (1 - own), the operations in that order (in float32),
    # each weight given to the three colours (cv2's, fast: numpy broadcast over 3 is slow)
    own = bufs.get(("own", level), (h, w), f32)
    np.minimum(np.multiply(den, 4.0, out=own), 1.0, out=own)  # (a quarter of a pixel's weight: its own colour)
    # (a weight of one visible pixel among many, averaged down, is far below 1e-6: kept)
    d = np.maximum(den, 1e-30, out=bufs.get(("d", level), (h, w), f32))
    w3 = bufs.get(("w3", level), (h, w, 3), f32)
    out = np.divide(num, cv2.merge([d, d, d], dst=w3).reshape(h, w, 3), out=bufs.get(("out", level), (h, w, 3), f32))
    np.multiply(out, cv2.merge([own, own, own], dst=w3).reshape(h, w, 3), out=out)
    np.subtract(1.0, own, out=own)
    np.multiply(up, cv2.merge([own, own, own], dst=w3).reshape(h, w, 3), out=up)
    return np.add(out, up, out=out)


def as_shown(bgr: np.ndarray, own: np.ndarray | None, buffers: ShownBuffers | None = None,
             dst: np.ndarray | None = None) -> np.ndarray:
    """The colours of a picture of its own alpha ``own`` (HxW uint8, or None) as the engine is
    to judge them: as the picture shows, its colours composited over a smooth fill where it is
    transparent (``bgr`` itself where it has no alpha, or is opaque all over).  The engine judged
    the colours stored under the transparency, which nothing shows: the same picture with other
    hidden colours (noise, white, black) was cut otherwise where it shows (intersection over union
    0.00-0.99 on synthetic scenes against the truth that shows).  The fill is the visible colours
    continued into the transparency by a pull-push pyramid (:func:`_pull_push`): fine near them,
    ever smoother away from them, with no sharp edge of its own at the alpha's boundary, where a
    defocused background meets it (0.987 on average on those scenes, 0.995 for their own colours
    under the alpha; a flat grey 0.977, a Gaussian blur of the visible colours 0.988, but both kept
    1-4 % of what shows of a picture whose subject was erased, a ring around the hole, this none).
    Worked in the arrays of ``buffers`` (:class:`ShownBuffers`: a video's, kept from frame to
    frame), else new ones; the result is ``dst`` when given (HxWx3 uint8; it may be ``bgr``
    itself), else a new array."""
    if own is None or own.min() == 255:  # (opaque all over)
        return bgr
    bufs = ShownBuffers() if buffers is None else buffers
    h, w = own.shape
    scale = min(1.0, FILL_SIZE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    rows_n = min(h, _FILL_ROWS)
    own3 = bufs.get("own3", (rows_n, w, 3), np.uint8)  # (a few rows of the alpha, for each colour)
    # the colours times their alpha, reduced (in 16 bits: at 8, a few visible pixels among
    # many transparent ones were rounded away, their fill black)
    product = bufs.get("product", bgr.shape, np.uint16)
    for y in range(0, h, _FILL_ROWS):
        rows = slice(y, y + _FILL_ROWS)
        a3 = cv2.merge([own[rows]] * 3, dst=own3[:len(own[rows])]).reshape(-1, w, 3)
        cv2.multiply(bgr[rows], a3, dst=product[rows], dtype=cv2.CV_16U)
    num16 = cv2.resize(product, size, dst=bufs.get("num16", (size[1], size[0], 3), np.uint16),
                       interpolation=cv2.INTER_AREA)
    num = np.divide(num16.reshape(size[1], size[0], 3), np.float32(255.0),
                    out=bufs.get("numf", (size[1], size[0], 3), np.float32))
    if buffers is None:
        del product, bufs._arrays["product"]  # (a photo's: not kept to the end)
    own16 = np.multiply(own, np.uint16(257), out=bufs.get("own16", (h, w), np.uint16))
    den16 = cv2.resize(own16, size, dst=bufs.get("den16", (size[1], size[0]), np.uint16),
                       interpolation=cv2.INTER_AREA)
    den = np.divide(den16.reshape(size[1], size[0]), np.float32(65535.0),
                    out=bufs.get("denf", (size[1], size[0]), np.float32))
    if buffers is None:
        del own16, bufs._arrays["own16"]
    small = _pull_push(num, den, bufs)
    np.clip(np.add(small, 0.5, out=small), 0, 255, out=small)
    small8 = bufs.get("small8", small.shape, np.uint8)
    np.copyto(small8, small, casting="unsafe")
    if buffers is None:  # (a photo's pyramid let go before its full-size fill is made)
        del small, num, den, num16, den16
        bufs = ShownBuffers()
    fill = cv2.resize(small8, (w, h), dst=bufs.get("fill", (h, w, 3), np.uint8),
                      interpolation=cv2.INTER_LINEAR).reshape(h, w, 3)
    shown = np.empty_like(bgr) if dst is None else dst
    for y in range(0, h, _FILL_ROWS):  # the colours over the fill, as the picture shows
        rows = slice(y, y + _FILL_ROWS)
        a3 = cv2.merge([own[rows]] * 3, dst=own3[:len(own[rows])]).reshape(-1, w, 3)
        cv2.multiply(bgr[rows], a3, dst=shown[rows], scale=1.0 / 255.0)
        cv2.bitwise_not(a3, dst=a3)
        cv2.multiply(fill[rows], a3, dst=fill[rows], scale=1.0 / 255.0)
        cv2.add(shown[rows], fill[rows], dst=shown[rows])
    return shown


#: a photo longer than this many times its width (a panorama) is cut in windows (see photo_mask)
PANORAMA_ASPECT = 4.0
#: the length of each window, in times the photo's short side, and their overlap
PANORAMA_WINDOW = 3.0
PANORAMA_OVERLAP = 0.5


def photo_mask(segmenter: Segmenter, bgr: np.ndarray, on_window: Callable[[int, int], None] | None = None
               ) -> tuple[np.ndarray, str, tuple | None]:
    """``(alpha, state, box)`` of a photo: ``segmenter.mask(bgr)``, its ``state`` and ``box``.
    A panorama, over :data:`PANORAMA_ASPECT` times as long as it is wide, is cut in windows of
    :data:`PANORAMA_WINDOW` times its short side along its length, spread evenly from end to
    end, each overlapping the next by at least :data:`PANORAMA_OVERLAP` times its short side,
    where the two masks are blended (a linear ramp); its state is that of every window when
    they agree (all-sharp, all-blurred), else ``"subject"``, and no box (bars) is kept.  The
    segmenter reduces a picture to ``segment.work_size`` on its long side: a 20000x200
    panorama was judged at 320x8 pixels, a 6000x1000 one at 320x53, and its subjects were lost
    (intersection over union 0.04 and 0.003 on synthetic ones; in windows 0.99 and 0.98).  The
    baseline (``segment.method = "canny"``) is judged whole, as it was.  ``on_window(k, n)``: called
    as each window of a panorama is judged, the k-th of n (a 1000000x16 strip is 25000 windows,
    minutes of work)."""
    h, w = bgr.shape[:2]
    short, long_ = min(h, w), max(h, w)
    # (the baseline, segment.method = canny, is kept as it was, whole: in windows each kept its own
    # biggest contour, two subjects of a 2400x300 photo where it keeps the biggest alone)
    if long_ <= PANORAMA_ASPECT * short or getattr(getattr(segmenter, "cfg", None), "method", None) == "canny":
        alpha = segmenter.mask(bgr)
        return alpha, segmenter.state, segmenter.box
    vertical = h > w
    size = int(round(PANORAMA_WINDOW * short))
    step = size - int(round(PANORAMA_OVERLAP * short))
    n = -(-(long_ - size) // step) + 1  # (windows of `step` apart at most, the last at the end)
    starts = [round(k * (long_ - size) / (n - 1)) for k in range(n)]
    out = np.empty((h, w), np.uint8)
    along = out.T if vertical else out  # (short side x long side: a view of out)
    states = set()
    end = 0  # where the last window ended
    for k, start in enumerate(starts, 1):
        a = segmenter.mask(bgr[start:start + size] if vertical else bgr[:, start:start + size])
        states.add(segmenter.state)
        if on_window is not None:
            on_window(k, n)
        a = a.T if vertical else a
        both = end - start  # (columns shared with the window before: blended)
        if both > 0:
            ramp = (np.arange(both, dtype=np.float32) + 0.5) / both
            mixed = along[:, start:end] * (1.0 - ramp) + a[:, :both] * ramp
            along[:, start:end] = np.rint(mixed).astype(np.uint8)
        along[:, start + max(both, 0):start + size] = a[:, max(both, 0):]
        end = start + size
    state = next(iter(states)) if len(states) == 1 else "subject"
    return out, state, None


def image_mode(mode, said: str = "mode") -> str:
    """``mode`` as the word of :data:`IMAGE_MODES` it names in any case (``mode="Cutout"`` was
    refused, where ``composite.mode = "Cutout"`` is taken), or a :class:`UsageError` naming it as
    ``said``: the library's argument, ``mode``, or the command line's ``--mode``."""
    mode = mode_word(mode)
    if mode not in IMAGE_MODES:
        from livecut.config import _did_you_mean

        raise UsageError(f"{said} {mode!r}: expected one of {', '.join(IMAGE_MODES)}"
                         f"{_did_you_mean(str(mode), IMAGE_MODES)}")
    return mode


def photo_mode(mode: str | None, background: str | None, cfg: Config) -> str:
    """What a photo becomes (``livecut image``, photos in ``livecut batch``), in this order:
    ``mode`` (--mode) when given; ``composite`` when -b is given; the configuration's
    ``composite.mode`` when it is ``mask``, ``cutout`` or ``side-by-side``; ``composite`` when the
    configuration's ``composite.background`` is another picture background than the default
    (``blur``; a ``video:`` one is for video); else ``cutout`` -- a photo's default is the
    subject on transparency, not the video default (the subject over its blurred photo)."""
    if mode is not None:
        return mode
    if background:
        return "composite"
    if cfg.composite.mode in ("mask", "cutout", "side-by-side"):
        return cfg.composite.mode
    # (Blur, or " blur " in a file, is the default blur as the compositor reads it: it made a composite)
    bg = cfg.composite.background.strip().lower()
    if bg != CompositeConfig().background and not bg.startswith("video:"):
        return "composite"
    return "cutout"


@dataclass
class ImageReport:
    written: int = 0
    outputs: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: the exceptions behind ``errors`` (for LIVECUT_DEBUG=1 tracebacks)
    exceptions: list[BaseException] = field(default_factory=list)
    #: remarks on single images that were processed (e.g. nothing was defocused)
    notes: list[str] = field(default_factory=list)
    #: what of an input was left out of its output (the frames of an animated GIF after the
    #: first, the pages of a TIFF after the first): said even when the run is quiet
    warnings: list[str] = field(default_factory=list)
    #: images not cut because their output was there already (``skip_existing``)
    skipped: int = 0
    #: images not cut because the run stopped before them at an output that could not be
    #: written, as none after it could be (a full or read-only disk: one line of ``errors`` says so)
    left: int = 0
    #: the images to cut, found (known as ``early`` is called: none, and the run is over)
    to_cut: int = 0
    #: the output folder as the run's last line says it: -o as given, or where a note said the
    #: name, which reads as a picture's, became a new folder (-o cut.webpp), that folder, cut.webpp/
    folder: str | None = None

    @property
    def failed(self) -> int:
        """The inputs that failed: ``errors``, less the line of the images ``left`` at a full
        disk (counted as one more failed: '1 written, 2 failed' of 4, one of which failed)."""
        return len(self.errors) - (1 if self.left else 0)

    @property
    def exit_code(self) -> int:
        """0, or 1 when an image failed at run time (an output that could not be written),
        else 2 (bad input: unreadable, missing, an output that exists)."""
        if not self.errors:
            return 0
        codes = {getattr(exc, "exit_code", 2) for exc in self.exceptions} or {2}
        return 1 if 1 in codes else max(codes)


class _OutdirError(WriteError):
    """The output folder cannot be made (a read-only or full disk): the whole run stops (exit 1);
    ``report``: what was done before it (the errors of the images that failed)."""


def _make_outdir(outdir: Path, made: list[Path] | None = None) -> None:
    """Make ``outdir`` (and its parents); ``made``: the folders made are added to it."""
    if not outdir.is_dir():
        missing, folder = [], outdir
        while not os.path.lexists(folder) and folder != folder.parent:
            missing.append(folder)
            folder = folder.parent
        try:
            outdir.mkdir(parents=True, exist_ok=True)
            if made is not None:
                made.extend(f for f in missing if f not in made)  # (deepest first)
        except OSError as exc:
            raise_if_in_the_way(outdir, exc)
            raise _OutdirError(f"{outdir}: cannot create output folder: {io_reason(exc)}") from None


def _check_folder_kept(folder: Path, folders: dict, report: ImageReport, left: int, made: list[Path]) -> None:
    """:class:`_OutdirError` where ``folder``, an output folder written to (its identity in
    ``folders``), is gone or another (``mv out out2``, ``rm -r out`` during the run): it was made
    again, and the run said 'N written to out/', exit 0, of outputs that went with the folder.
    A folder there now in its place is not the one this run made: taken out of ``made``, kept."""
    if folder in folders and identity(folder) != folders[folder]:
        made[:] = [f for f in made if f != folder and folder not in f.parents]
        error = _OutdirError(f"{folder}: the output folder was moved or removed during the run, after "
                             f"{report.written} image{'s' * (report.written != 1)} "
                             f"{'were' if report.written != 1 else 'was'} written to it: {left} not cut")
        error.report = report  # (the errors of the images before it are said first)
        raise error


def pictures_warning(src: str | Path, pictures: tuple[str, str, int] | None) -> str | None:
    """What to say of an input whose file holds several pictures (``meta["pictures"]`` of
    :func:`livecut.imageio.read_image`), of which only the first is cut; None for one."""
    if not pictures:
        return None
    kind, unit, count = pictures
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    # (FFmpeg reads an animated GIF, PNG or AVIF as a video; a TIFF's pages or an animated WebP not)
    video = " (use `livecut file` for video)" if kind in ("animated GIF", "animated PNG", "animated AVIF") else ""
    which = "its primary one" if kind == "HEIF file" else "the first"  # (a HEIF names its own)
    return f"{src}: {article} {kind} of {count} {unit}; only {which} is cut{video}"


def background_warning(cfg: Config, background: str | None = None, mode: str | None = None,
                       video: bool = False) -> str | None:
    """What to say of a picture background (``image:PATH``: ``background``, else the
    configuration's) whose file holds several pictures (an animated GIF, a multi-page TIFF),
    of which only the first is used, as :func:`pictures_warning` says of an input, or whose
    picture has transparency, which is shown over black (see
    :func:`~livecut.composite.load_background_image`); None for one opaque picture, another
    background, or a ``mode`` (else the configuration's) that shows no background.
    ``video``: for a video run (an animated GIF, PNG or AVIF plays as ``video:PATH``).
    A background that cannot be read is said where it is used, not here."""
    import numpy as np

    from livecut.composite import parse_background
    from livecut.imageio import picture_count, read_image, to_bgr8

    if (mode or cfg.composite.mode) not in ("composite", "side-by-side"):
        return None
    try:
        bg = parse_background(background if background is not None else cfg.composite.background)
        if bg.kind != "image":
            return None
        kind, unit, count = picture_count(np.fromfile(bg.path, np.uint8))
        # (its transparent pixels showed the colours stored under them, without a word)
        own = to_bgr8(read_image(bg.path))[1]
        clear = own is not None and own.min() < 255
    except (LivecutError, OSError, ValueError):
        return None
    black = "has transparency, shown over black (flatten it onto another colour first for that)"
    if count < 2:
        return f"background {bg.path}: {black}" if clear else None
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    # (an animated AVIF, which FFmpeg reads as a video too, went without it)
    plays = (f" (-b video:{bg.path} plays it)" if video and kind in ("animated GIF", "animated PNG", "animated AVIF")
             else "")
    return (f"background {bg.path}: {article} {kind} of {count} {unit}; only the first is used{plays}"
            + (f"; it {black}" if clear else ""))


#: picture types ``-o`` may name that livecut does not write (it reads GIF and APNG, and knows HEIC and
#: others by name): refused rather than taken for a folder's name, as another suffix is
UNWRITTEN_EXTS = (".gif", ".apng", ".heic", ".heif", ".hif", ".jxl", ".exr", ".hdr", ".svg", ".ico", ".psd",
                  ".tga") + RAW_EXTS
#: JPEG 2000's bare codestreams and its other file types: OpenCV writes .jp2 alone ("could not
#: find encoder" for the others), so that -o cut.j2k became a folder cut.j2k/, with a note
J2K_EXTS = (".j2k", ".j2c", ".jpc", ".jpf", ".jpx")
UNWRITTEN_EXTS += J2K_EXTS


def one_typo(a: str, b: str) -> bool:
    """Whether ``a`` is ``b`` with one typo: a letter added, left out, changed, or two
    neighbours swapped (``.webpp``, ``.jpg2``, ``.pgn`` of ``.webp``, ``.jpg``, ``.png``)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def output_path(src: Path, outdir: Path) -> Path:
    return outdir / f"{src.stem}.png"


def single_output(out: str | Path) -> bool:
    """Whether ``-o`` names one output file (``cut.png``: an image extension, not an existing
    folder, no final ``/``) rather than a folder for ``<stem>.png`` files."""
    text = str(out)
    if text.endswith(("/", os.sep)):
        return False
    suffix = Path(text).suffix.lower()  # (.heic is read, not written: refused as UNWRITTEN_EXTS says)
    return suffix in IMAGE_EXTS and suffix not in UNWRITTEN_EXTS and not Path(text).is_dir()


@contextlib.contextmanager
def _said_at_the_end(report: ImageReport, repeats: Repeats, noted: Callable[[ImageReport], None] | None):
    """As the run ends, the warnings of ``repeats`` not said yet (of the photos after the first of
    each kind) go to ``report``'s, and ``noted`` is called; stopped (Ctrl-C, a folder that cannot be
    made), they are left for the command line to say with what else it says then, before its
    line (it said them not at all)."""
    try:
        yield
    except BaseException:
        report.warnings.extend(repeats.summary())
        raise
    lines = repeats.summary()
    if lines:
        report.warnings.extend(lines)
        if noted is not None:
            noted(report)


@contextlib.contextmanager
def _counted_stop(report: ImageReport, total: int | Callable[[], int], outdir: str, earlier=lambda: 0,
                  made: list[Path] = ()):
    """Ctrl-C (SIGTERM, SIGHUP under :func:`~livecut.runner.finalize_on_signals`) in it becomes
    :class:`livecut.runner.Interrupted`, whose message counts the images of ``total`` (those of
    ``report`` from when it is entered) written, failed and not cut, and whose ``report`` is
    ``report``, with the errors of the images before the stop: it said "interrupted" alone, and
    an unreadable photo among those cut before it went unsaid.  What was written stays (nothing
    partial at a final name: :func:`~livecut.imageio.write_image`).  ``earlier()``: how many of
    the images not cut have an output there from before the run, which a run with ``--force`` was
    to replace; the message then says to go on with ``--force``, not ``--skip-existing``, which
    would keep them (it said --skip-existing, and the rerun kept them all, "there already").
    The output folders of ``made`` left empty are removed as it ends, whatever ended it.
    ``total`` may be a function, called at the stop (see :func:`_fetching`)."""
    failed_before = len(report.errors)  # (inputs not found, patterns that matched nothing)

    def remove_made() -> None:
        # (the output folders this run made, left empty: stopped as the first photo was written,
        # cut/ stayed behind, empty, where `livecut batch` removes its own; so did it where no
        # photo could be written, the disk full)
        for folder in made:
            try:
                folder.rmdir()
            except OSError:  # (not empty, or gone: kept)
                pass

    try:
        yield
    except BaseException as caught:
        # (a signal raised in Python code that C code called -- numpy asking a path for its
        # name -- comes as a SystemError: it said "interrupted", exit 130, and no count)
        exc = interrupt_under(caught)
        if exc is None:
            remove_made()
            raise
        from livecut.runner import Interrupted

        remove_made()

        if callable(total):
            total = total()
        failed = len(report.errors) - failed_before
        left = max(0, total - report.written - failed - report.skipped)
        # (failed: those not found too, as a run that ends counts them: 'interrupted: 194 written, 0
        # failed' came under 'missing.jpg: file not found')
        failed += failed_before
        skipped = f", {report.skipped} there already" if report.skipped else ""
        # (a rerun refused each output written before the stop, "exists"; said with none counted
        # written too: the signal can come between an output's rename and its count)
        there = min(earlier(), left) if left else 0
        again = ("" if not left else " (run it again with --skip-existing to go on)" if not there else
                 f" (run it again with --force to go on: --skip-existing would keep the earlier outputs of {there} "
                 f"of them)")
        stop = Interrupted(f"{stop_text(exc)}: {report.written} written to {outdir}{skipped}, {failed} failed, "
                           f"{left} not cut{again}", exit_code=getattr(exc, "exit_code", 130))
        stop.report = report
        # (an output's temporary file the stop left, in a folder that lets no name be removed)
        report.warnings.extend(getattr(exc, "warnings", None) or getattr(caught, "warnings", None) or [])
        raise stop from None
    remove_made()


def _temporary_names(folder: Path) -> list[str]:
    """The names in ``folder`` that may be livecut's temporary files (``.NAME.livecut-*``); none
    where it cannot be listed (not made yet)."""
    try:
        with os.scandir(folder) as entries:
            return [e.name for e in entries if e.name.startswith(".") and TEMP_MARK in e.name]
    except OSError:
        return []


def _refuse_results_found(paths: list[Path], inputs: Iterable[str], outdir: Path, text: str) -> None:
    """:class:`UsageError` where a folder or a pattern given (not a file named) found, in the
    output folder, the output of another photo given (``shoot/ -o shoot/`` run again: a.png
    beside a.jpg): it was taken for a photo, and each photo's output 'would overwrite an input'
    and each result its own, '0 written, 4 failed', --skip-existing and --force alike.  A result
    cannot be told from a photo there (a.png may be one, never written over): refused up front,
    as `livecut batch` refuses an output folder among its inputs."""
    def resolved(p: Path) -> Path:
        # (an output there that is a link in a loop, ln -s a.png a.png: 'internal error: RuntimeError:
        # Symlink loop' before Python 3.13; said where it is written)
        try:
            return p.resolve()
        except RuntimeError:
            return Path(os.path.abspath(p))

    named = set()
    for t in inputs:
        with contextlib.suppress(OSError, ValueError):
            if Path(t).is_file():
                named.add(resolved(Path(t)))
    given = {resolved(p): p for p in paths}
    for p in paths:
        q = given.get(resolved(output_path(p, outdir)))
        if q is not None and q is not p and resolved(q) not in named:
            raise UsageError(f"-o {text}: the output folder is a folder of photos given, and holds {q}, the output "
                             f"of {p} (a run before?), which would be cut as a photo: write the results elsewhere "
                             f"(-o {Path(text) / 'cut'}{os.sep}), or name the photos ({Path(text) / ('*' + p.suffix)})")


#: the size from which a photo cut alone shows the progress bar, whose time goes on, as several
#: photos do (a 151-megapixel one takes 7-30 s, which passed without a sign at the terminal)
LONG_PHOTO_PIXELS = 40_000_000


def _long_photo(path: Path) -> bool:
    """Whether the header of the file ``path`` says a photo of :data:`LONG_PHOTO_PIXELS` or more
    (False where it says nothing, or ``path`` is no file: the cut says why)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # (a FIFO: opened, it would wait for a writer)
            return False
        # (mapped, not read: only the pages of its header are, a TIFF's directory after its pixels too)
        size = _peek_size(np.memmap(path, np.uint8, mode="r"))
    except Exception:  # (an empty file, a header cut short: no bar; the photo's read says what is wrong)
        return False
    return size is not None and size[0] * size[1] >= LONG_PHOTO_PIXELS


def one_file_for_several(outdir: str | Path, n: int) -> UsageError:
    """The refusal of ``n`` images (two or more) given for one output file, ``-o outdir``."""
    return UsageError(f"-o {Path(outdir)} names one file, but {n} images were given; "
                      "give a folder (-o DIR) for several")


def _fetching(inputs: list, cut: Callable[..., ImageReport], outdir: str | Path, single: bool, force: bool,
              **calls) -> ImageReport:
    """``cut(given, errors, early=..., failed=..., noted=...)`` (:func:`process_images`) with
    each ``http(s)://`` address of ``inputs`` fetched into a temporary folder, removed after, and
    given as that file; ``errors``: the lines of the addresses that gave no picture (another
    scheme's is refused, as a stream's).  The report's lines, as the callbacks of ``calls`` are
    given them and as it is returned (or an error raised, with its report), name each fetched
    picture by its URL, redacted, not by its temporary file.  Ctrl-C while they are fetched is
    said as between the pictures (:func:`_counted_stop`): none written to ``outdir``, those
    that gave no picture failed, the others and the images of the local inputs (``single``: -o
    names one file) not cut."""
    import tempfile

    from livecut.fetch import FetchError, fetch_picture, is_picture_url, picture_names, same_address
    from livecut.urls import not_local, redact_url

    given: list = []
    errors: list[str] = []
    # (each URL, as same_address says it: its file; one given twice is fetched once, said given
    # twice, by two spellings too: HTTP://cam/a.jpg after http://cam/a.jpg, or with a #fragment, was
    # fetched again, 'output cut/a.png was already written for http://cam/a.jpg', the same address)
    fetched: dict[str, str] = {}
    # (each URL that gave no picture: its first spelling, redacted; one given twice was tried twice, a
    # dead camera's 30 s waited twice, and said failed twice: tried once, said given twice as a file is)
    failures: dict[str, str] = {}
    twice: list[tuple[str, str, bool]] = []
    shown: dict[str, str] = {}  # (each file: its URL as said)

    def said(report: ImageReport) -> None:
        for lines in (report.errors, report.warnings, report.notes):
            lines[:] = [_as_given(line, shown) for line in lines]

    def stopped() -> int:  # (the images of the stopped run: the URLs, the local inputs' images)
        failed = len(errors)  # (the addresses that gave no picture)
        pending = {same_address(text) for text in inputs[at[0]:] if isinstance(text, str) and url_scheme(text)
                   } - set(fetched) - set(failures)
        local = [text for text in inputs if not (isinstance(text, str) and url_scheme(text))]
        try:
            paths, missing = expand_inputs(local, None if single else outdir, [], []) if local else ([], [])
        except Exception:  # (the stop is said all the same, those inputs' images not counted)
            paths, missing = [], []
        errors.extend(missing)  # (said, and counted failed, as a run stopped between pictures says them)
        if force:  # (the outputs there from before, which --force was to replace: see _counted_stop)
            names = [Path(named[u]) for u in pending if u in named] + [*map(Path, fetched.values()), *paths]
            dsts = [Path(outdir)] if single and names else [output_path(n, Path(outdir)) for n in names]
            there[0] = sum(1 for d in dsts if os.path.lexists(d))
        return failed + len(fetched) + len(pending) + len(paths) + len(missing)

    if single:  # (-o one.png: two pictures refused before either is fetched, as two local photos are; each
        # was fetched first, up to 5 minutes apiece, to be refused after)
        local = [text for text in inputs if not (isinstance(text, str) and url_scheme(text))]
        try:
            paths = expand_inputs(local, None, [], [])[0] if local else []
        except Exception:  # (said by the cut, as without a URL)
            paths = []
        addresses = {same_address(text) for text in inputs if isinstance(text, str) and is_picture_url(text)}
        if len(addresses) + len(paths) > 1:
            raise one_file_for_several(outdir, len(addresses) + len(paths))
    # (each picture's name, by its address, before any is fetched: two of one name, a camera's
    # snap.jpg?chn=1 and ?chn=2, were both snap.png, the second refused 'already written for' the first)
    urls = [text for text in inputs if isinstance(text, str) and is_picture_url(text)]
    # (a local photo of a URL's name, snap.jpg beside http://cam/snap.jpg: the URL's told apart,
    # snap_cam.png; it was fetched, then refused 'output cut/snap.png was already written for snap.jpg')
    local = [text for text in inputs if not (isinstance(text, str) and url_scheme(text))]
    taken: list[str] = []
    if urls and local and not single:
        try:
            taken = [p.stem for p in expand_inputs(local, outdir, [], [])[0]]
        except Exception:  # (said by the cut, as without a URL)
            taken = []
    named = picture_names(urls, taken)
    at, there = [0], [0]
    with tempfile.TemporaryDirectory(prefix="livecut-fetched-") as folder:
        with _counted_stop(ImageReport(errors=errors), stopped, str(outdir), lambda: there[0]):
            for index, text in enumerate(inputs):
                at[0] = index
                if not (isinstance(text, str) and url_scheme(text)):
                    given.append(text)
                elif not is_picture_url(text):
                    errors.append(not_local(text, "`livecut image` reads image files and pictures' http(s):// "
                                                  "addresses"))
                elif same_address(text) in fetched:
                    given.append(fetched[same_address(text)])
                elif same_address(text) in failures:
                    twice.append((failures[same_address(text)], failures[same_address(text)], False))
                else:
                    into = Path(folder) / str(index)
                    into.mkdir()
                    try:
                        name = named.get(same_address(text))
                        path = str((None if force else _output_there(text, into, outdir, single, name))
                                   or fetch_picture(text, into, name=name))
                    except FetchError as exc:
                        errors.append(str(exc))
                        failures[same_address(text)] = redact_url(text)
                        continue
                    fetched[same_address(text)], shown[path] = path, redact_url(text)
                    given.append(path)
        wrapped = {name: (lambda report, fn=fn: (said(report), fn(report))[1]) if fn is not None else None
                   for name, fn in calls.items()}
        try:
            report = cut(given, errors, twice, **wrapped)
        except LivecutError as exc:
            if getattr(exc, "report", None) is not None:
                said(exc.report)
            if exc.args and isinstance(exc.args[0], str):
                exc.args = (_as_given(exc.args[0], shown), *exc.args[1:])
            raise
    said(report)
    return report


#: a picture of one pixel, the stand-in of a picture not fetched (see :func:`_output_there`)
_STAND_IN = cv2.imencode(".png", np.zeros((1, 1), np.uint8))[1].tobytes()


def _output_there(url: str, into: Path, outdir: str | Path, single: bool, name: str | None = None) -> Path | None:
    """Where the output of the picture at ``url`` is a file there already (``single``: ``outdir``
    is that output): a stand-in of one pixel in ``into``, of the name the picture would come
    under, which process_images leaves (``skip_existing``) or refuses ('exists') as it would the
    picture, without reading it; else None (fetch it).  Each was fetched first, the whole of it:
    a run of 500 cameras' URLs stopped part way and run again with --skip-existing fetched the
    500 pictures again to leave those cut before; without it, one to be refused.  ``name``: the
    picture's (None: :func:`livecut.fetch.picture_name`)."""
    from livecut.fetch import picture_name

    try:  # (an address that is none, http://[x/a.jpg: fetch_picture says so, where its name was an internal error)
        stand_in = into / (name or picture_name(url))
        dst = Path(outdir) if single else output_path(stand_in, Path(outdir))
        if not os.path.isfile(dst) or os.path.islink(dst):  # (a folder or a link there: said once fetched)
            return None
        stand_in.write_bytes(_STAND_IN)
    except (OSError, ValueError):
        return None
    if looks_like_picture(stand_in):
        return stand_in
    stand_in.unlink()  # (a name read as a camera raw file's, IMG_1.CR2: fetched, and said as such)
    return None


def _as_given(line: str, shown: dict[str, str]) -> str:
    """``line`` with each fetched picture's temporary file (see :func:`_fetching`) named by its URL."""
    for path, url in shown.items():
        line = line.replace(path, url)
    return line


#: the deep pictures said once a run (see :class:`Repeats`), and what the line of the others calls them
DEEP_ALIKE = {"a picture of more than 8 bits a channel": "pictures of more than 8 bits a channel",
              "a floating-point picture": "floating-point pictures"}


class Repeats:
    """The warnings a run says of many photos alike (a CMYK photo, a gray profile, an HDR one ...):
    each kind said of the first photo, as it is cut, then once at the end, :meth:`summary`, as
    'N more photos (a, b, c and K more): ...' -- a batch of 500 CMYK photos said the same line 500
    times, the photo's name alone changing.  One :class:`Repeats` a run.  ``deferred``: say none,
    only keep each (``kind``, photo, warning, summary) in :attr:`kept`, for a driver to pass on to
    its own."""

    def __init__(self, deferred: bool = False) -> None:
        self.deferred = deferred
        #: of each kind said of a photo: its summary and the photos after the first (said at the end)
        self.more: dict[str, tuple[str, list[str]]] = {}
        #: ``deferred``: the (kind, photo, warning, summary) of each, in order
        self.kept: list[tuple[str, str, str, str]] = []

    def say(self, kind: str, src: str | Path, warning: str, summary: str) -> str | None:
        """``warning`` (of the photo ``src``) when it is the first of its ``kind`` this run, else
        None (the photo is counted for the summary; ``summary``: what it says of them, their
        names before it, the same for every photo of the kind)."""
        if self.deferred:
            self.kept.append((kind, str(src), warning, summary))
            return None
        if kind in self.more:
            self.more[kind][1].append(str(src))
            return None
        self.more[kind] = (summary, [])
        return warning

    def summary(self, shown: Callable[[str], str] = str) -> list[str]:
        """The lines of the photos after the first of each kind, not said yet (each once: a run
        stopped as it says them does not say them again); ``shown``: a photo's name as said."""
        lines = []
        for kind, (summary, more) in self.more.items():
            if more:
                names = [shown(p) for p in more]
                listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                lines.append(f"{len(names)} more photo{'s' * (len(names) > 1)} ({listed}): {summary}")
                self.more[kind] = (summary, [])
        return lines


def process_images(inputs: Iterable[str], outdir: Path, cfg: Config | None, mode: str = "cutout",
                   progress: bool = False, force: bool = False, one_file: bool | None = None,
                   skip_existing: bool = False, early: Callable[[ImageReport], None] | None = None,
                   failed: Callable[[ImageReport], None] | None = None,
                   windows: Callable[[int, int], None] | None = None,
                   noted: Callable[[ImageReport], None] | None = None, _fetched: list[str] | None = None,
                   _twice: list[tuple[str, str, bool]] | None = None,
                   repeats: Repeats | None = None) -> ImageReport:
    """Cut out every image of ``inputs`` into ``outdir/<stem>.png``; errors are collected, not raised.
    An input may be a picture's ``http://`` or ``https://`` address (a camera's ``snapshot.jpg``):
    it is fetched first (see :func:`livecut.fetch.fetch_picture`: a time limit, a size cap, a web
    page refused), its output named from the URL's path (``.../photo.jpg?w=800``: ``photo.png``;
    two of one name told apart, ``snap_chn=1.png``: see :func:`livecut.fetch.picture_names`),
    the URL redacted wherever it is said; one that cannot be fetched is an error line, as a file
    not found is.
    ``skip_existing``: an image whose output is there already is left as it is and counted in
    ``skipped`` (a run stopped part way goes on where it stopped), not an error.
    ``early``: called once, before the first image is cut, with the report as it is then (the
    inputs not found, the folders and patterns that gave no images ...: its ``errors``,
    ``warnings`` and ``notes`` so far), for a command line to say them at once, not after the
    whole run; they stay in the report.
    ``failed``: called after each image that failed (its error the last of the report's
    ``errors``), with the report as it is then, for a command line to say it at once, not
    after the whole run; it stays in the report.
    ``noted``: called after each image written, or that added ``warnings`` or ``notes`` to the
    report (what its output leaves out, a photo with no defocused part ...), after ``failed``,
    with the report as it is then, for a command line to say them at once, not after the whole
    run (and what it says of the outputs with the first one written); they stay in the report.
    ``windows``: called as each window of a panorama is judged, ``windows(k, n)`` the k-th of n
    (see :func:`photo_mask`), for a caller that shows no bar of its own to show how far the
    photo is (a worker of ``livecut batch``).
    ``outdir`` is created before the first output is written (not at all when every input fails).
    ``one_file``: ``outdir`` is the output file of the one input (None: when
    :func:`single_output` says so, as ``-o cut.png``).
    ``repeats``: the warnings said of many photos alike, said of the first, then, as the run ends
    (stopped or not), of the rest at once (see :class:`Repeats`; a new one when None).

    Raises :class:`UsageError` only for problems that concern the whole run
    (a bad mode, an output folder that cannot be made), and :class:`livecut.runner.Interrupted`
    on Ctrl-C (see :func:`_counted_stop`).
    """
    cfg = whole_config(cfg, "process_images")  # (None: an AttributeError, 'composite')
    # (None, bytes: pathlib's bare TypeError, from the output folder's checks or an input's)
    if isinstance(inputs, (str, os.PathLike)):  # (one path, or a pattern: a str was read a character
        inputs = [inputs]                          # at a time, '/', 't', 'm' each an input; a Path a TypeError)
    if not isinstance(inputs, Iterable):
        raise ConfigTypeError(f"process_images: inputs must be a list of paths, got {type(inputs).__name__}")
    inputs = list(inputs)
    for what, value in [("outdir", outdir)] + [("an input", i) for i in inputs]:
        if not isinstance(value, (str, os.PathLike)) or isinstance(os.fspath(value), bytes):
            hint = "; decode it: .decode()" if isinstance(value, bytes) else ""
            raise ConfigTypeError(f"process_images: {what} must be a str or a pathlib.Path, "
                                  f"got {type(value).__name__}{hint}")
    # ('no' is truthy: skip_existing='no' skipped the photos done, force='no' failed each photo)
    force, skip_existing, progress = (check_flag(v, k, "process_images") for k, v in
                                      (("force", force), ("skip_existing", skip_existing), ("progress", progress)))
    if one_file is not None:
        one_file = check_flag(one_file, "one_file", "process_images")
    for name, fn in (("early", early), ("failed", failed), ("windows", windows), ("noted", noted)):
        if fn is not None and not callable(fn):  # (a bare TypeError once the inputs were gathered)
            raise ConfigTypeError(f"process_images: {name} must be a function or None, got {type(fn).__name__}")
    if _fetched is None and any(isinstance(i, str) and url_scheme(i) for i in inputs):
        return _fetching(inputs, lambda given, errors, twice, **calls: process_images(
            given, outdir, cfg, mode, progress, force, one_file, skip_existing, windows=windows, _fetched=errors,
            _twice=twice, repeats=repeats, **calls), outdir, single_output(outdir) if one_file is None else one_file,
            force, early=early, failed=failed, noted=noted)
    mode = image_mode(mode)  # (mode='nope' was said as "--mode 'nope'", an option of the command line)
    # (before the Compositor looks for its file: a video: background named wrongly was 'file not
    # found', and once found, refused as a video's)
    background = parse_background(cfg.composite.background, files=False)
    if mode in ("composite", "side-by-side") and background.kind == "video":
        # (said as the background, not as --background: a configuration's was named an option not given)
        raise UsageError(f"background video:{background.path}: video backgrounds are for "
                         "video; for still images use image:PATH")
    compositor = Compositor(cfg, mode=mode, still=True)  # (composite.decontaminate auto: on)
    report = ImageReport()
    if one_file is None and str(outdir) == "-":
        raise UsageError("-o -: livecut image writes files, not standard output; give a folder "
                         "(-o cut/) or, for one image, a file (-o cut.png)")
    if name_too_long(outdir):
        # (bad input, as `livecut file` says it: in a folder still to be made it was found once
        # the photo was cut, "cannot write: File name too long", exit 1; in one there, exit 1 too)
        raise UsageError(f"{Path(outdir)}: file name too long")
    try:
        os.stat(outdir)
    except (FileNotFoundError, NotADirectoryError):  # (made when written; a file in the way: said below)
        pass
    except OSError as exc:  # (a folder on the way without permission, chmod 000: Path.is_dir raises, and
        # it was 'internal error: PermissionError: [Errno 13] Permission denied', exit 1)
        raise_if_link_loop(Path(outdir), exc)
        raise WriteError(f"{Path(outdir)}: cannot write there: {io_reason(exc)}") from None
    single = single_output(outdir) if one_file is None else one_file  # -o cut.png: that file, for one input
    paths, report.errors = expand_inputs(inputs, None if single else outdir, report.warnings, report.notes,
                                         _twice=_twice)
    report.errors[:0] = _fetched or []  # (the pictures whose URL gave none, said first)
    text = str(outdir)
    suffix = Path(text).suffix
    # -o is a folder still to be made, not marked as one by a trailing / (cut.gif, cut.pgn: checked below)
    new_folder = one_file is None and not single and not text.endswith(("/", os.sep)) and not Path(text).exists()
    # (or a file there already, not a folder: -o out.mp4 over the video `livecut file` made said
    # 'output exists and is not a folder', --force too, as if a folder were wanted)
    no_folder = new_folder or (one_file is None and not single and not text.endswith(("/", os.sep))
                               and not Path(text).is_dir())
    if no_folder and suffix.lower() in UNWRITTEN_EXTS:
        # (-o cut.gif became a folder cut.gif/ holding cut.png, with a note calling .gif no
        # image extension: a picture type livecut reads or knows, but does not write)
        # (from ALPHA_EXTS, .tiff as .tif: a literal list here left out .pam, which livecut writes)
        alpha = [ext for ext in ALPHA_EXTS if ext != ".tiff"]
        kinds = (f"{', '.join(alpha[:-1])} or {alpha[-1]}" if compositor.channels == 4 else
                 ".jp2 (JPEG 2000), .png, .jpg ..." if suffix.lower() in J2K_EXTS else ".png, .jpg, .webp, .tif ...")
        raise UsageError(f"-o {text}: livecut does not write {suffix} pictures ({mode}); name a {kinds} "
                         "file, or end -o with / for a folder of that name")
    # (-o 'cut.png ', a paste, or cut.png. made a new folder of that name holding NAME.png, exit 0,
    # without a word: the note below reads an extension of letters only)
    typo = re.fullmatch(r"(.*\.[A-Za-z0-9]+)([\s.,;:]+)", Path(text).name) if new_folder else None
    if typo and Path(typo[1]).suffix.lower() in IMAGE_EXTS:
        raise UsageError(f"-o '{text}': {typo[2]!r} after the picture's name: name it {Path(text).parent / typo[1]} "
                         "(or end -o with / for a folder of that name)")
    if new_folder and Path(text).name.lower() in IMAGE_EXTS:
        # (-o "$NAME.png" with NAME empty: -o .png made a hidden folder .png/ holding NAME.png, exit 0,
        # without a word)
        ext = Path(text).name if Path(text).name.lower() not in UNWRITTEN_EXTS else ".png"
        raise UsageError(f"-o {text}: a picture's name with nothing before {Path(text).name} (an empty variable?): "
                         f"name it ({Path(text).parent / ('cut' + ext)}), or end -o with / for a folder of that name")
    from livecut.batch import VIDEO_EXTS  # (batch imports this module lazily)

    if no_folder and suffix.lower() in VIDEO_EXTS:
        # (-o out.mp4, a video's command, became a folder out.mp4/ holding NAME.png without a
        # word: .mp4's digit passed the check below; livecut batch refuses it)
        raise UsageError(f"-o {text}: names a video, but livecut image writes pictures; name a picture "
                         f"file (-o cut.png) or a folder (end -o with /), or cut a video with `livecut file`")
    # (-o cut.webpp, cut.jpegg: a typo of a longer extension made a folder without a word; the note
    # below was for 4 letters at most)
    # (of those one typo away, the first in IMAGE_EXTS: .pgn is .png's before .pgm's)
    near = [e for e in IMAGE_EXTS if e not in UNWRITTEN_EXTS and one_typo(suffix.lower(), e)] if new_folder else []
    # (-o cut.heicc, a typo of a type livecut does not write, made a folder without a word)
    unwritten = [e for e in UNWRITTEN_EXTS if one_typo(suffix.lower(), e)] if new_folder and not near else []
    if new_folder and (near or unwritten or 2 <= len(suffix) <= 5 and suffix[1:].isalnum()
                       and not suffix[1:].isdigit()):
        # (-o cut.pgn: a typo of a file name, or a folder meant so; say which it became; cut.jpg2
        # too, which was made a folder without a word: a number alone, shoot.2024, is a folder's)
        meant = (f"did you mean {Path(text).with_suffix(near[0])}?" if near else
                 f"did you mean {Path(text).with_suffix(unwritten[0])}? livecut does not write {unwritten[0]} "
                 f"pictures" if unwritten else f"{', '.join(IMAGE_EXTS[:4])} ...")
        report.notes.append(f"-o {text}: {suffix} is not an image extension ({meant}): "
                            f"writing into a new folder {text}/ (end -o with / to say it is a folder)")
        # (the last line said '1 written to cut.webpp', as of a file, under the note's folder)
        report.folder = f"{text}/"
    outdir = Path(outdir)
    if single:
        if len(paths) > 1:
            raise one_file_for_several(outdir, len(paths))
        if not outdir.parent.exists():
            # (-o nodir/cut.png made nodir/, a typo's folder, where livecut file's -o nodir/out.mp4
            # is refused: a folder -o names is made, not the folder of a file it names)
            dangling = dangling_link(outdir.parent)
            raise UsageError(f"{outdir}: folder {outdir.parent} does not exist"
                             + (f" ({dangling})" if dangling else ""))
        if compositor.channels == 4 and outdir.suffix.lower() not in ALPHA_EXTS:
            instead = ("--mode mask" if outdir.suffix.lower() in (".pgm", ".pbm")  # (gray only: a composite
                       # was refused there in turn, "holds gray pictures only")
                       else "another background (-b color:#RRGGBB, -b blur) or --mode mask" if mode == "composite"
                       else "--mode composite or mask")
            raise UsageError(f"-o {outdir}: {outdir.suffix} cannot hold transparency ({mode}); write "
                             f"{', '.join(ALPHA_EXTS)}, or use {instead}")
        if compositor.channels == 3 and outdir.suffix.lower() in (".pgm", ".pbm"):
            holds = "black and white" if outdir.suffix.lower() == ".pbm" else "gray"  # (a PBM: 1 bit a pixel)
            raise UsageError(f"-o {outdir}: {outdir.suffix} holds {holds} pictures only ({mode}); write .ppm, .png, "
                             ".jpg ..., or use --mode mask")
    elif outdir.exists() and not outdir.is_dir():
        raise UsageError(f"{outdir}: output exists and is not a folder")
    else:
        _refuse_results_found(paths, inputs, outdir, text)
    inputs_resolved = {p.resolve() for p in paths}
    # (and each input's file: one name of it that resolve() does not lead to -- a.png by a bind
    # mount of its folder, another hard link -- had the cutout renamed over the photo, exit 0)
    inputs_ids = {identity(p) for p in paths} - {None}
    # (the picture behind the subject is an input too: -o bg.png -b image:bg.png --force
    # wrote the composite over it)
    bg_path = compositor.background.path
    bg_resolved = bg_path.resolve() if bg_path is not None else None
    bg_id = identity(bg_path) if bg_path is not None else None  # (its file, by a bind mount too: inputs_ids)
    # (the colour profile of a picture shown behind the subject, whose pixels are put in as they are;
    # None: it has none, sRGB; False: no picture is shown)
    bg_icc = (colour_profile(bg_path) if compositor.background.kind == "image" and mode in ("composite", "side-by-side")
              else False)
    given_bg = compositor.background  # (a colour's: converted to each photo's colour profile, see below)
    repeats = Repeats() if repeats is None else repeats  # (said of the first photo, of the rest at the end)

    def once(kind: str, src: Path, warning: str, summary: str) -> None:  # (see Repeats)
        line = repeats.say(kind, src, warning, summary)
        if line:
            report.warnings.append(line)
    segmenter = Segmenter(cfg, still=True)
    stems: dict[Path, Path] = {}
    folded: dict[str, Path] = {}  # (the outputs of stems by folded_name)
    left_there: set[Path] = set()  # (outputs of stems --skip-existing left as they were)
    temps: dict[Path, list[str]] = {}  # (livecut's temporary names in each output folder, at its first output)
    at = [0]  # (the image being cut)
    made: list[Path] = []  # (the output folders this run made, deepest first)
    kept: dict[Path, tuple[int, int] | None] = {}  # (the output folders written to, as they were)

    def earlier() -> int:  # (of the images not cut at a stop, those whose output is there from before
        # the run, --force: the one being cut too, whose output, not counted written, is not replaced)
        if not force:
            return 0
        dsts = [outdir if single else output_path(src, outdir) for src in paths[at[0]:]]
        return sum(1 for d in dsts if d not in stems and os.path.lexists(d))

    report.to_cut = len(paths)
    if early is not None:  # (a name mistyped among 500 photos was said once all were cut, minutes later)
        early(report)
    with (_counted_stop(report, len(paths), report.folder or text, earlier, made),  # (-o as given: cut/
          # keeps its slash; cut.webpp, said a new folder, cut.webpp/)
          Progress(total=len(paths), label="images", unit="photo", narrow_extra=True,
                   enabled=progress and (len(paths) > 1 or (len(paths) == 1 and _long_photo(paths[0])))) as bar,
          _said_at_the_end(report, repeats, noted)):  # (Ctrl-C, a folder that cannot be made too)
        def said_at_once(errors: int, remarks: tuple[int, int, int]) -> None:
            if failed is not None and len(report.errors) > errors:
                # (a corrupt JPEG among 500 photos was said once they were all cut, minutes later)
                failed(report)
            if noted is not None and (len(report.warnings), len(report.notes), report.written) != remarks:
                # (the note of an all-sharp photo among 500 was said once they were all cut, minutes later;
                # a background's warning, of the outputs, with the first written)
                noted(report)

        for i, src in enumerate(paths):
            dst, at[0], errors = None, i, len(report.errors)
            remarks = (len(report.warnings), len(report.notes), report.written)
            try:
                dst = outdir if single else output_path(src, outdir)
                if name_too_long(dst.name):
                    # (a photo of no extension and a 252-byte name: NAME.png was refused by the system
                    # once the photo was cut, "cannot write: File name too long", exit 1)
                    alone = ", or cut it alone into a file of a shorter name (-o cut.png)" if one_file is None else ""
                    raise UsageError(f"{src}: its output {dst.name} is a file name too long "
                                     f"({len(os.fsencode(dst.name))} bytes, at most {NAME_MAX}): rename the photo"
                                     f"{alone}")
                if not single and os.path.islink(dst) and not_there(dst, "") == LOOP_OF_LINKS:
                    # (ln -s a.png a.png in the output folder: 'internal error: RuntimeError: Symlink loop')
                    raise UsageError(f"{src}: output {dst}: {LOOP_OF_LINKS}; remove it or choose another -o")
                if dst.resolve() in inputs_resolved or identity(dst) in inputs_ids:
                    raise OutputExistsError(f"{src}: output {dst} would overwrite an input; choose another -o")
                if bg_resolved is not None and (dst.resolve() == bg_resolved
                                                or (bg_id is not None and identity(dst) == bg_id)):
                    raise OutputExistsError(f"{src}: output {dst} would overwrite the background image "
                                            f"{bg_path}; choose another -o")
                if dst in stems or folded_name(dst) in folded:
                    # (a video or a sidecar beside the photo of its name, `livecut image card/*`: an
                    # iPhone's IMG_1.MOV beside IMG_1.HEIC, Lightroom's IMG_1.xmp, was said to clash
                    # with that photo's output, 'rename one'; what it is is said first)
                    read_image(src)
                if dst in stems:  # (one --skip-existing left was said 'already written', not cut by this run)
                    done = "is there already for" if dst in left_there else "was already written for"
                    # (a camera's numbers begun again on another card, DCIM/100CANON/IMG_0001.JPG and
                    # 101CANON/IMG_0001.JPG, 'DCIM/**': said with no word of how to cut both; `livecut
                    # batch` keeps two folders' apart, not x.jpg and x.tif of one)
                    tree = " (`livecut batch` mirrors the tree)" if src.parent != stems[dst].parent else ""
                    raise OutputExistsError(f"{src}: output {dst} {done} {stems[dst]} (same file name); rename "
                                            f"one, or cut them into two folders{tree}")
                first = folded.get(folded_name(dst))
                if first is not None:
                    verb, how, where = name_clash(dst, first)
                    done = "there already for" if first in left_there else "written for"
                    raise OutputExistsError(f"{src}: output {dst} {verb} {first}{how}, {done} {stems[first]}: "
                                            f"{where}; rename one, or cut them into two folders")
                if os.path.isdir(dst):  # (--force could not replace it: it failed once cut, exit 1)
                    raise folder_in_the_way(src, dst)
                check_not_special(dst)
                # what a run killed while it wrote this output (kill -9, the out-of-memory killer)
                # left beside it: removed, as `livecut file` removes its own (it stayed for good);
                # looked for in one listing of each output folder (a listing per photo made a
                # folder of n photos cost n listings of up to n names)
                if dst.parent not in temps:
                    temps[dst.parent] = _temporary_names(dst.parent)
                if any(name.startswith(temp_prefix(dst)) for name in temps[dst.parent]):
                    report.warnings.extend(stale_left(dst))  # (those an append-only folder keeps: said)
                if not force and os.path.lexists(dst):
                    if not looks_like_picture(src):
                        # (what it is is said first, as --force would say it next: `card/*` of a camera's
                        # IMG_1.CR2 beside IMG_1.JPG, or an iPhone's IMG_1.AAE beside IMG_1.HEIC, run
                        # again: the raw file or sidecar took the photo's output as its own, 'there
                        # already', and the photo failed, 'is there already for IMG_1.CR2')
                        read_image(src)
                    if os.path.islink(dst) and not os.path.exists(dst):
                        # (no output there, its name taken: --skip-existing counted it 'there already', as
                        # done; said as `livecut file` says it)
                        raise OutputExistsError(f"{src}: output {dst} exists, a symbolic link to {os.readlink(dst)} "
                                                f"that is missing (give {FORCE} to replace the link)")
                    if skip_existing:
                        stems[dst], folded[folded_name(dst)] = src, dst
                        left_there.add(dst)
                        report.skipped += 1
                        bar.skip(1)  # (not in the rate nor the ETA)
                        said_at_once(errors, remarks)  # (a temporary file left beside it: said)
                        continue
                    raise OutputExistsError(f"{src}: output {dst} exists (give {FORCE} to overwrite)")
                meta: dict = {}
                img = read_image(src, meta)
                check_size(img, src)
                # (before the cut, not after it; side-by-side: the photo and its composite)
                check_writable(dst, img.shape[1] * (2 if mode == "side-by-side" else 1), img.shape[0])
                # (a 16-bit TIFF's cutout was written at 8 bits a channel without a word; one in
                # planes, read at 8 bits, too)
                deep = (None if (img.dtype == np.uint8 and not meta.get("deep")) or mode == "mask"
                        else "a floating-point picture" if img.dtype.kind == "f"
                        else "a picture of more than 8 bits a channel" if img.dtype.kind == "u" and img.itemsize <= 2
                        # (signed or 32-bit values, which to_bgr8 stretches from their own lowest to
                        # highest: said as 'more than 8 bits' only, of a signed 8-bit picture too)
                        else f"a picture of {'signed ' if img.dtype.kind == 'i' else ''}{8 * img.itemsize}-bit "
                             f"values, stretched from their own range ({img.min()} to {img.max()}) to 0-255")
                bgr, own_alpha = to_bgr8(img)
                clear = own_alpha is not None and not own_alpha.any()
                # (judged on the values as read: a 16-bit alpha under 1/255 everywhere, 0 at 8 bits,
                # was said to be 0 everywhere)
                faint = clear and img.dtype != np.uint8 and bool(np.count_nonzero(img[:, :, 3] > 0))
                # (a 16-bit or 4-channel picture as read is not needed past here: kept to the
                # end of the image, it was 361 MB more at the peak for a 61-megapixel 16-bit TIFF)
                del img
                if clear:
                    # (a picture transparent all over: its cut, times its alpha, is empty whatever
                    # the engine finds in the colours under it; it was written so without a word,
                    # or with a note of what was found there, "the whole image is kept")
                    alpha, box = np.zeros(bgr.shape[:2], np.uint8), None
                    remark = f"{src}: {(FAINT_NOTE if faint else CLEAR_NOTE).format(CLEAR_OUTPUT[mode])}"
                else:
                    # (judged as it shows: the colours under its transparency were judged too)
                    # (a panorama cut in windows, minutes for a long strip, showed no progress: its
                    # windows are counted on the bar of the photos, or on one of their own)
                    own: list[Progress] = []

                    def on_window(k: int, n: int) -> None:
                        if windows is not None:
                            windows(k, n)
                        if bar.enabled:
                            bar.update(0, extra=f"window {k}/{n}")
                        elif progress:
                            if not own:
                                own.append(Progress(total=n, label="windows", unit="window"))
                            own[0].update(1)

                    try:
                        alpha, state, box = photo_mask(segmenter, as_shown(bgr, own_alpha), on_window)
                    finally:  # (a cut that failed part way too: 'window 1/5' stayed beside the next photos)
                        for counted in own:  # (not `windows`: the callback's name, the next panorama's
                            counted.close()  # calls of it were this Progress's, a TypeError)
                        bar.extra = ""
                    note = photo_note(state, alpha, own_alpha)
                    remark = f"{src}: {note}" if note else None
                # (black bars kept as they are; a black backdrop's bands are not)
                box = framing(box, *alpha.shape)
                # what the picture itself leaves transparent stays so: its alpha goes to the
                # Compositor with it, which combines the two (and shows it over black in a
                # side-by-side: it showed the colours under its transparent pixels)
                frame = bgr if own_alpha is None else np.dstack((bgr, own_alpha))
                del bgr, own_alpha
                unconverted = False
                if given_bg.kind == "color" and mode in ("composite", "side-by-side"):
                    # (-b color:#RRGGBB is an sRGB colour, as CSS and every picture tool read it, and
                    # the output carries the photo's profile: behind a Display P3 or Adobe RGB photo
                    # its values were written as they are, and shown shifted, more saturated, a
                    # product shot's brand colour off; written as that profile shows that colour)
                    # (not where the output keeps no profile, a BMP: shown as sRGB, as given)
                    photo_icc = meta.get("icc") if dst.suffix.lower() in ICC_EXTS else None
                    shown = srgb_colour_in(given_bg.color, photo_icc if photo_icc and photo_icc[16:20] == b"RGB "
                                           else None)
                    if shown is None:  # (a profile of tables: its values as they are, said once written)
                        shown, unconverted = given_bg.color, True
                    if compositor.background.color != shown:
                        compositor.background = Background("color", color=shown)
                out = compositor.apply(frame, alpha, box=box)
                # (the output is the compositor's own buffer, or the alpha: the frame is let go
                # before the output is encoded, which needs as much again as the file it makes)
                del frame
                _check_folder_kept(dst.parent, kept, report, len(paths) - i, made)
                _make_outdir(dst.parent, made)  # only once there is something to write
                kept.setdefault(dst.parent, identity(dst.parent))
                # (its colour profile stays with the photo's pixels; a mask has no colours)
                icc = meta.get("icc")
                # (a CMYK photo's colours are converted to RGB by the decoder, plainly: its own
                # profile, which says what its inks look like, is not applied -- and was dropped
                # without a word, where a profile an output type cannot keep is said)
                cmyk = mode != "mask" and bool(icc) and icc[16:20] == b"CMYK"
                # (a gray photo's gray profile, Photoshop's Dot Gain 20 %, does not describe the
                # RGB output either: it was dropped without a word)
                gray = mode != "mask" and bool(icc) and icc[16:20] == b"GRAY"
                if mode == "mask" or not icc or icc[16:20] != b"RGB ":  # (a gray or CMYK profile
                    icc = None                                        # does not describe RGB output)
                before, placed = identity(dst, follow=False), False
                try:
                    left = write_image(dst, out, force=force, icc=icc, dpi=meta.get("dpi"),
                                       jpeg_quality=cfg.composite.jpeg_quality)
                    if identity(dst.parent) not in (kept[dst.parent], None) and os.path.lexists(dst):
                        # (moved as it was written: write_image made the folder again, for this
                        # photo alone, which the run then said written to it; taken back)
                        discard(dst)
                        with contextlib.suppress(OSError):
                            dst.parent.rmdir()
                        _check_folder_kept(dst.parent, kept, report, len(paths) - i, made)
                    placed = True
                except BaseException as exc:
                    # (a stop once the output was in place, as its folder was synced or its temporary
                    # name removed: it is there whole; it was counted not cut, "0 written, 2 not cut")
                    placed = interrupt_under(exc) is not None and identity(dst, follow=False) not in (None, before)
                    raise
                finally:
                    if placed:  # (counted at once: a stop in what follows left it there uncounted)
                        stems[dst], folded[folded_name(dst)] = src, dst
                        report.written += 1
                        report.outputs.append(dst)
                if remark:  # (once it is written: one that failed, the disk full, was said "the whole image is kept")
                    report.notes.append(remark)
                if left:  # (an append-only folder: the temporary name stayed beside it, unsaid)
                    report.warnings.append(left)
                if unconverted:  # (said of the first photo; of the others, their count at the end: a
                    once("unconverted", src,  # batch of 500 such photos said it 500 times)
                         f"{src}: the background colour is written as its sRGB values in the photo's colour "
                         "profile, which livecut cannot convert it to: colour-managed viewers may show it shifted",
                         "the background colour is written as its sRGB values in their colour profiles too, which "
                         "livecut cannot convert it to")
                if cmyk:  # (a print job's 300 CMYK photos: said 300 times)
                    once("cmyk", src, f"{src}: a CMYK photo: its colours were converted to RGB without its colour "
                         "profile, which livecut does not apply, and may differ from what colour-managed viewers "
                         "show (convert it to RGB first)",
                         "CMYK photos too, their colours converted to RGB without their colour profiles")
                if gray:  # (a black-and-white series: said of each)
                    once("gray", src, f"{src}: a gray photo: its {mode} is written in RGB without its gray colour "
                         "profile, which does not describe RGB, and its tones may differ from what colour-managed "
                         "viewers show (convert it to RGB first)",
                         "gray photos too, written in RGB without their gray colour profiles")
                if dst.suffix.lower() == ".pbm" and mode == "mask" and ((out > 0) & (out < 255)).any():
                    report.warnings.append(f"{dst}: .pbm holds black and white only: the mask's soft edges "
                                           "were cut at half (write .pgm or .png to keep them)")
                if icc and dst.suffix.lower() not in ICC_EXTS and not is_srgb(icc):
                    # (BMP, JPEG 2000 ...: left out, not unsaid; but an sRGB one, what a picture without
                    # one is taken for, loses nothing: the shipped chelsea.png's was warned of)
                    report.warnings.append(f"{dst}: {dst.suffix} does not keep {src}'s colour profile: colour-managed "
                                           "viewers take its colours for sRGB (write .png, .jpg, .webp, .tif or .avif "
                                           "to keep it)")
                if bg_icc is not False and other_colour_space(meta.get("icc"), bg_icc):
                    # (the output carries the photo's profile: a backdrop in another colour space
                    # was shown with its colours shifted, without a word)
                    # (a phone's Display P3 photos behind an sRGB backdrop: said of each)
                    once("background space", src, f"{src}: the background {bg_path} is in another colour space "
                         "(colour profile): its colours are written as the photo's and shown shifted by "
                         "colour-managed viewers (livecut converts no colours: convert the background to the photo's "
                         "profile first)",
                         f"the background {bg_path} is in another colour space than theirs too, its colours shown "
                         "shifted")
                if meta.get("lost") and meta.get("lost_alike"):  # (a scanner's TIFFs: said of each)
                    once(f"lost {meta['lost']}", src, f"{src}: {meta['lost']}", meta["lost_alike"])
                elif meta.get("lost"):  # (damage: each photo's own, to check)
                    report.warnings.append(f"{src}: {meta['lost']}")
                if deep in DEEP_ALIKE:  # (a shoot's 16-bit TIFFs: said of each; a picture's range, said
                    once(f"deep {deep}", src,  # of the stretched ones below, is its own)
                         f"{src}: {deep}; its {mode} is written at 8 bits a channel (livecut writes 8-bit pictures)",
                         f"{DEEP_ALIKE[deep]} too, written at 8 bits a channel")
                elif deep:
                    report.warnings.append(f"{src}: {deep}; its {mode} is written at 8 bits a channel (livecut "
                                           "writes 8-bit pictures)")
                if meta.get("hdr") and mode != "mask":  # (a PQ photo's cutout was shown washed out, unsaid;
                    hdr = meta["hdr"]                      # a phone's HDR HEIFs: said of each)
                    once(f"hdr {hdr}", src, f"{src}: a high-dynamic-range photo ({hdr} transfer): its {mode} holds "
                         f"its {hdr} values as they are, without what says they are, and viewers show them as SDR, "
                         "flat and dull (livecut does not tone-map: export the photo as SDR first)",
                         f"high-dynamic-range photos ({hdr} transfer) too, their {hdr} values written as they are, "
                         "shown as SDR, flat and dull")
                several = pictures_warning(src, meta.get("pictures"))
                if several:  # (said of an output written: what it leaves out)
                    report.warnings.append(several)
            except _OutdirError as exc:  # (the errors of the images before it are said, then its line:
                exc.report = report      # they went unsaid, as those before a Ctrl-C did)
                raise
            except LivecutError as exc:
                if dst is not None:  # (moved as the photo was written: 'No such file or directory')
                    _check_folder_kept(dst.parent, kept, report, len(paths) - i, made)
                msg = str(exc)
                # (a message of its output, 'out/a.png: cannot write', holds 'a.png' given from
                # its own folder: it went without the photo's name; one that starts with the photo's
                # name is named, its output there of the same name: 'b.png: b.png: output b.png ...')
                named = msg.startswith(f"{src}:") or (
                    str(src) in msg and not (dst is not None and msg.startswith(f"{dst}:")))
                report.errors.append(msg if named else f"{src}: {msg}")
                report.exceptions.append(exc)
                # the next ones would fail alike: a full disk, and a read-only one (a memory card
                # locked: every photo was cut, each for nothing, and refused one by one), a quota
                # or a folder without write permission
                stop = folder_stop(exc)
                if stop:
                    left = len(paths) - i - 1
                    if left > 0:
                        report.left = left
                        report.errors.append(f"{outdir}: {stop}: {left} more image{'s' * (left > 1)} not processed")
                    break
            except (cv2.error, ValueError, MemoryError) as exc:  # one odd image must not stop the batch
                report.errors.append(f"{src}: cannot process: {type(exc).__name__}: "
                                     f"{str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}")
                report.exceptions.append(exc)
            said_at_once(errors, remarks)
            bar.update(1)
    return report
