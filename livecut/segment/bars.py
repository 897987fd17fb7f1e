"""Black bars around the picture (letterbox, pillarbox, a window box): found, so that the
engine judges only the picture inside them.

A film in a 16:9 frame, a 4:3 programme or a phone's upright video padded to 16:9: the
bars carry no focus cue, and their straight edge along the picture is the sharpest
line in the frame.  Judged with the bars, the mask of the picture suffered badly (on the
40 tuning photos of cuhk-native at x1, IoU 0.761 as they are, 0.615 with bars above and
below, 0.501 with bars at the sides); judged without them, it is the photo's own mask.

A bar is a band along one side of the frame, at least :data:`MIN_BAR` pixels deep, in
which every row (or column) is dark: at most :data:`BAR_BRIGHT` of its samples above
:data:`BAR_DARK` (sensor noise, a speck of compression or a logo's corner may stay).
The picture between the bars must keep :data:`MIN_KEEP` of the frame's height and width.
A band of that kind is black in any case, so cutting it off costs nothing where it is
not a bar (a photo's black sky): nothing in it can be told from its neighbours.

In video the bars are followed with hysteresis (:class:`BarTracker`): the box in use is
kept while each of its bars stays dark in most of every line (:data:`HOLD_BRIGHT`:
subtitles or a channel's logo in a bar do not release it), given up at once when the
picture reaches into a bar, and replaced by deeper bars (looked for on every
:data:`CHECK_EVERY` th frame) only when they have been found for :data:`ADOPT_FRAMES`
frames in a row (once found, a frame where they hold as the box in use does, a subtitle in
one, counts too): a dark scene does not make the box tighter for a moment, and a box of
another size starts the engine's buffers and smoothing anew -- but at a scene cut (see
:data:`CUT_CHANGE`), which starts the smoothing anew in any case, at once.  The first frame's bars
are taken at once, and so are those that frame a picture coming out of black (none in use since a
frame dark all over: a film that fades in), and those of a frame the source fitted otherwise onto bars
(``fit``: a picture that changed size or pixel shape mid-run; judged with its bars for a
second, their edge was a sharp subject across the frame).
"""

from __future__ import annotations

import cv2
import numpy as np

from livecut.frames import check_box, check_u8_image

#: a sample (a byte of BGR, or full-range gray) at most this bright is dark; black in
#: video is 0 (limited-range luma 16), and codecs leave it within a few levels
BAR_DARK = 24
#: the same for limited-range luma (the Y plane of I420 video): 16 + 24 * 219 / 255
BAR_DARK_LUMA = 36
#: a row or column of a bar has at most this share of its samples above the dark level
BAR_BRIGHT = 0.005
#: a bar in use is kept while each of its rows (columns) has at most this share above it
#: (a line of subtitles covers up to about 40 % of a row in its strokes; a picture that
#: reaches into the bar, most of it)
HOLD_BRIGHT = 0.5
#: a bar is at least this many pixels deep (thinner dark edges are left in the picture)
MIN_BAR = 4
#: the picture between the bars keeps at least this share of the frame's height and width
#: (a phone's upright 9:16 video in a 16:9 frame keeps 32 % of the width)
MIN_KEEP = 0.25
#: bars deeper than the ones in use must be found on this many consecutive frames
ADOPT_FRAMES = 25
#: while the bars in use hold, deeper ones are looked for on every this many frames only
CHECK_EVERY = 5
#: ... but at a scene cut they are looked for, and taken, at once: a cut starts the smoothing anew
#: in any case, and bars that came with it were judged with the picture for 25 frames, their edge
#: a sharp subject (a band of 10 % of the frame).  A cut: the picture between the bars (those in
#: use, or those found) changed by CUT_CHANGE gray levels on average since the frame before, in a
#: coarse view (CUT_SIZE pixels on the frame's long side) -- on the shipped clips 8 at the most
#: (pan.mp4's sweep, 16 px a frame); cuts between two of make_samples' scenes over one background,
#: 23, to a letterboxed one, 50, and between two of the tests' synthetic photos, 28; bars that come
#: over a picture that stays, 0.  (A cut taken for one where there is none costs little: bars found
#: then are dark bands, nothing in them told from its neighbours, given up once the picture
#: reaches into them)
CUT_SIZE = 32
CUT_CHANGE = 15.0
#: the bars on opposite sides of a picture framed in them differ by at most this share of
#: the side (or 2 pixels: odd bars rounded to even rows, a picture of odd size centred)
FRAME_SLACK = 0.01
#: rows (columns) sampled at this step when a bar's depth is searched, then refined
_STEP = 8

Box = tuple[int, int, int, int]  # y0, y1, x0, x1


def _bright_share(line: np.ndarray, dark: int) -> float:
    return np.count_nonzero(line > dark) / line.size


def _band(img: np.ndarray, axis: int, from_end: bool, n: int) -> np.ndarray:
    """The first (last) ``n`` rows (``axis`` 0) or columns (1) of ``img``."""
    if axis == 0:
        return img[-n:] if from_end else img[:n]
    return img[:, -n:] if from_end else img[:, :n]


def _first_bright(img: np.ndarray, axis: int, from_end: bool, n: int, dark: int) -> int:
    """The first line (counted from the side) of the ``n`` next to one side that is not
    dark; ``n`` when they all are."""
    band = _band(img, axis, from_end, n)
    bright = _bright_per_line(band, dark, axis)
    if from_end:
        bright = bright[::-1]
    bad = np.flatnonzero(bright > BAR_BRIGHT * (band.size // n))
    return int(bad[0]) if bad.size else n


def _depth(img: np.ndarray, axis: int, from_end: bool, limit: int, dark: int) -> int:
    """How many rows (axis 0) or columns (axis 1) from one side of ``img`` are dark; 0
    when the dark band reaches ``limit``."""
    first = img.shape[axis] - 1 if from_end else 0
    if limit < 1 or _bright_share(img[first] if axis == 0 else img[:, first], dark) > BAR_BRIGHT:
        return 0  # (most frames: one line looked at)
    # a first look on a sample (rows: every _STEP-th row; columns: every column over every
    # 4th row), then every line of the band so found
    if axis == 0:
        i = 0
        while i + _STEP < limit and _bright_share(img[-1 - i - _STEP] if from_end else img[i + _STEP],
                                                  dark) <= BAR_BRIGHT:
            i += _STEP
        n = min(limit, i + _STEP)
    else:
        n = _first_bright(img[::4], 1, from_end, limit, dark)
        n = min(limit, n + 1)
    depth = _first_bright(img, axis, from_end, n, dark)
    return depth if depth < limit else 0  # (dark beyond the limit: a dark frame, not a bar)


def _image(img) -> np.ndarray:
    """``img`` checked: H x W or H x W x C uint8; of BGRA, its colour (the alpha of an
    opaque picture is bright everywhere: no bar was ever found)."""
    check_u8_image(img, "bars")
    return img[:, :, :3] if img.ndim == 3 and img.shape[2] == 4 else img


def find_bars(img: np.ndarray, dark: int = BAR_DARK, even: bool = False) -> Box | None:
    """The picture inside dark bars of ``img`` (H x W or H x W x C uint8; BGRA by its
    colour), as ``(y0, y1, x0, x1)``, or None when there are none.  ``even``: the values
    are rounded inwards to even ones (I420 planes can be cut there).  Another array is an
    :class:`~livecut.errors.ArrayError`."""
    return _find(_image(img), dark, even)


def _find(img: np.ndarray, dark: int, even: bool) -> Box | None:
    """:func:`find_bars` of an image already checked (:func:`_image`)."""
    h, w = img.shape[:2]
    lim_y, lim_x = int(h * (1 - MIN_KEEP) / 2), int(w * (1 - MIN_KEEP) / 2)
    top = _depth(img, 0, False, lim_y, dark)
    bottom = _depth(img, 0, True, lim_y, dark)
    left = _depth(img, 1, False, lim_x, dark)
    right = _depth(img, 1, True, lim_x, dark)
    top, bottom, left, right = (d if d >= MIN_BAR else 0 for d in (top, bottom, left, right))
    if not (top or bottom or left or right):
        return None
    y0, y1, x0, x1 = top, h - bottom, left, w - right
    if even:
        y0, x0, y1, x1 = y0 + y0 % 2, x0 + x0 % 2, y1 - y1 % 2, x1 - x1 % 2
    if y1 - y0 < max(16, MIN_KEEP * h) or x1 - x0 < max(16, MIN_KEEP * w):
        return None
    return y0, y1, x0, x1


def _bright_per_line(band: np.ndarray, dark: int, axis: int) -> np.ndarray:
    """Samples above ``dark`` in each row (``axis`` 0) or column (1) of ``band`` (a view of
    an image whose pixels are contiguous: rows may be strided)."""
    flat = band.reshape(band.shape[0], -1)  # (a view: the pixels of a row are contiguous)
    # 1 where bright (cv2.threshold takes strided rows as they are; cv2.compare copies them)
    over = cv2.threshold(flat, dark, 1, cv2.THRESH_BINARY)[1]
    counts = cv2.reduce(over, 1 - axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()
    if axis == 1 and band.ndim == 3:
        counts = counts.reshape(-1, band.shape[2]).sum(axis=1)
    return counts


def bars_hold(img: np.ndarray, box: Box, dark: int = BAR_DARK, even: bool = False) -> bool:
    """Whether every row (column) of the bars around ``box`` is still mostly dark.
    ``even``: ``box`` was rounded inwards to even values (:func:`find_bars`), so the line of
    each bar next to it may be the picture's: it is left out.  ``box``: whole numbers inside
    ``img`` (:func:`~livecut.frames.check_box`: another is an
    :class:`~livecut.errors.ArrayError`)."""
    img = _image(img)
    # (checked: a box outside the image, inverted or of booleans would be read as bars that
    # hold or not, without a word; one of three values or of strings raised a bare error)
    return _hold(img, check_box(box, *img.shape[:2]), dark, even)


def _hold(img: np.ndarray, box: Box, dark: int, even: bool) -> bool:
    """:func:`bars_hold` of an image and a box already checked."""
    y0, y1, x0, x1 = box
    if even:  # (a bar of odd depth keeps one line of the picture: not the picture reaching in)
        y0, x0, y1, x1 = max(0, y0 - 1), max(0, x0 - 1), y1 + 1, x1 + 1
    # (every 4th line across the bar is enough to see a picture in it)
    for band, axis in ((img[:y0:4], 0), (img[y1::4], 0), (img[::4, :x0], 1), (img[::4, x1:], 1)):
        if band.size == 0:
            continue
        per = band.size // band.shape[axis]
        if _bright_per_line(band, dark, axis).max() > HOLD_BRIGHT * per:
            return False
    return True


class BarTracker:
    """The box the engine judges, frame after frame (see the module's notes).

    ``still=True`` (photos, unrelated frames): each frame's own bars.
    """

    def __init__(self, still: bool = False) -> None:
        self.still = still
        self.reset()

    def reset(self) -> None:
        self.box: Box | None = None
        self._frame = 0
        self._pending: Box | None = None
        self._since = 0
        self._shape: tuple[int, int] | None = None
        self._fit: Box | None = None
        self._view: np.ndarray | None = None  # the last frame's coarse view (see CUT_CHANGE)
        #: no box was in use since a frame dark all over (a picture that fades in from black)
        self._after_black = False

    def update(self, img: np.ndarray, dark: int = BAR_DARK, even: bool = False,
               fit: Box | None = None) -> Box | None:
        """The box for this frame: ``(y0, y1, x0, x1)``, or None for the whole frame
        (``dark`` and ``even`` as :func:`find_bars` takes them).  ``fit``: where the source
        fitted the picture onto bars (:attr:`livecut.sources.base.Frame.fit`), None where it
        did not: where it changes, this frame's bars are taken at once, and its own bars are
        bars however thin (``fit`` is checked as :func:`bars_hold` checks a box)."""
        img = _image(img)  # (checked once; its own box needs no check either)
        if self.still:
            self.box = _find(img, dark, even)
            return self.box
        if self._shape != img.shape[:2]:  # a new picture size: start again
            self.reset()
            self._shape = img.shape[:2]
        if fit != self._fit:  # a picture fitted otherwise onto bars (or no longer): start again
            self._fit = None if fit is None else check_box(fit, *img.shape[:2])
            self._frame = 0
        self._frame += 1
        last, self._view = self._view, _coarse(img)
        if float(self._view.max()) <= dark:
            self._after_black = True
        box = self.box
        if box is not None:
            self._after_black = False
        if self._frame == 1 or (box is not None and ((even and any(v % 2 for v in box))
                                                     or not _hold(img, box, dark, even))):
            # the first frame, or the picture reaches into a bar: this frame's bars at once;
            # also a box found for BGR frames (odd) asked for by an I420 frame (even: it was
            # kept, and Compositor.apply_i420 refused it, Segmenter.mask_i420 cut the chroma
            # half a line off)
            self.box, self._pending = self._find(img, dark, even), None
            return self.box
        if box is not None and self._frame % CHECK_EVERY and not self._cut(last, box):
            return box  # (its bars hold; deeper ones are looked for every CHECK_EVERY frames)
        found = self._find(img, dark, even)
        pending = self._pending
        if (pending is not None and found != pending and (found is None or _inside(pending, found))
                and _hold(img, pending, dark, even)):
            # (deeper bars waiting to be taken keep waiting through a frame where they hold as bars
            # in use do, dark in most of every line: found anew on every frame, a subtitle in a bar
            # sent them back to the start -- a film that began on a subtitle, its box taken without
            # that bar's rows, never took its real bars while subtitles came back within a second,
            # the bar and its subtitles judged with the picture, in the mask, throughout)
            found = pending
        if found is not None and found != box and (box is None or not _inside(box, found)):
            # deeper bars, or bars where there were none: taken once they last (bars found
            # thinner than the ones in use while those stay dark -- subtitles, a logo in a
            # bar -- change nothing)
            if found != self._pending:
                self._pending, self._since = found, self._frame
            if (self._frame - self._since + 1 >= ADOPT_FRAMES or self._cut(last, found)
                    or (box is None and self._after_black and framing(found, *img.shape[:2]) is not None)):
                # (... or at once where none were in use since a frame dark all over, and they frame
                # the picture: a film that fades in from black, whose first frames tell no bars --
                # its first bars, as a first frame's; they waited ADOPT_FRAMES frames, the fading
                # picture judged with them, their edge a sharp subject: the whole picture kept.  A
                # dim edge of a fading picture found as bars, on one side or unevenly, still waits)
                self.box, self._pending = found, None
        else:
            self._pending = None
        return self.box

    def _cut(self, last: np.ndarray | None, box: Box) -> bool:
        """Whether the picture inside ``box`` changed as at a scene cut (see CUT_CHANGE) from the
        last frame's coarse view (``last``) to this one's."""
        view = self._view
        if last is None or last.shape != view.shape:
            return False
        h, w = self._shape
        vh, vw = view.shape
        y0, y1, x0, x1 = box
        # (the cells wholly inside the box)
        cy0, cy1 = int(np.ceil(y0 * vh / h)), int(np.floor(y1 * vh / h))
        cx0, cx1 = int(np.ceil(x0 * vw / w)), int(np.floor(x1 * vw / w))
        if cy1 <= cy0 or cx1 <= cx0:
            return False
        return float(np.mean(np.abs(view[cy0:cy1, cx0:cx1] - last[cy0:cy1, cx0:cx1]))) > CUT_CHANGE

    def _find(self, img: np.ndarray, dark: int, even: bool) -> Box | None:
        """The frame's bars (:func:`_find`), and where the picture was fitted onto bars, the
        bars of the fit too: one thinner than :data:`MIN_BAR` (a 640x470 picture fitted into
        320x240, 2 rows above it) is no bar to :func:`_find`, and its edge was cut as a sharp
        subject for as long as the picture was fitted so.  A bar that holds a subtitle or a logo
        away from the picture is found as deep as the bar facing it (see :func:`_paired`)."""
        box = _find(img, dark, even)
        if box is not None:
            box = _paired(img, box, dark, even)
        if self._fit is None:
            return box
        h, w = img.shape[:2]
        y0, y1, x0, x1 = box if box is not None else (0, h, 0, w)
        fy0, fy1, fx0, fx1 = self._fit
        y0, y1, x0, x1 = max(y0, fy0), min(y1, fy1), max(x0, fx0), min(x1, fx1)
        if even:
            y0, x0, y1, x1 = y0 + y0 % 2, x0 + x0 % 2, y1 - y1 % 2, x1 - x1 % 2
        return None if (y0, y1, x0, x1) == (0, h, 0, w) or y1 <= y0 or x1 <= x0 else (y0, y1, x0, x1)


def _paired(img: np.ndarray, box: Box, dark: int, even: bool) -> Box:
    """``box``, or where the bar on one side of it is shallower than the one facing it (but a bar,
    dark along the frame's edge), and the rows (columns) down to that one's depth hold as a bar in
    use does (dark in most of every line, :data:`HOLD_BRIGHT`), the :data:`MIN_BAR` next to the
    picture dark in every line, the box with both as deep: a subtitle (a logo) in a bar, clear of
    the picture, ended the bar found there at its letters (:func:`_find` takes only dark lines) --
    a film that begins on a subtitle had the rest of that bar and the subtitle judged with the
    picture, in the mask, until bars without it had lasted ADOPT_FRAMES frames (some 3 s)."""
    h, w = img.shape[:2]
    y0, y1, x0, x1 = box
    for axis, size, (near, far) in ((0, h, (y0, h - y1)), (1, w, (x0, w - x1))):
        slack = int(max(2, FRAME_SLACK * size))
        deep = max(near, far)
        if abs(near - far) <= slack or not min(near, far) or deep < slack + MIN_BAR or size - 2 * deep < 16:
            continue

        def lines(a: int, b: int) -> np.ndarray:
            return img[a:b] if axis == 0 else img[:, a:b]

        # (the MIN_BAR lines next to the picture, short of the facing bar's depth by the slack of
        # a pair's: wholly dark; the bar ends at the picture's first line past them)
        if near < far:
            a = far - slack - MIN_BAR
            b = min(far + slack, size // 2)
            if _first_bright(lines(a, a + MIN_BAR), axis, False, MIN_BAR, dark) < MIN_BAR:
                continue
            near = a + MIN_BAR + (_first_bright(lines(a + MIN_BAR, b), axis, False, b - a - MIN_BAR, dark)
                                  if b > a + MIN_BAR else 0)
        else:
            a = size - near + slack
            b = max(size - near - slack, size - size // 2)
            if _first_bright(lines(a, a + MIN_BAR), axis, False, MIN_BAR, dark) < MIN_BAR:
                continue
            far = size - a + (_first_bright(lines(b, a), axis, True, a - b, dark) if a > b else 0)
        paired = (near, size - far, x0, x1) if axis == 0 else (y0, y1, near, size - far)
        if even:
            paired = tuple(v + v % 2 if i % 2 == 0 else v - v % 2 for i, v in enumerate(paired))
        if size - near - far >= max(16, MIN_KEEP * size) and _hold(img, paired, dark, even):
            y0, y1, x0, x1 = box = paired
    return box


def _coarse(img: np.ndarray) -> np.ndarray:
    """The coarse view of ``img`` (CUT_SIZE pixels on its long side, float32 gray): the average of
    a sample of its pixels (8 x 8 a cell, its nearest pixels: 0.1-0.4 ms at 1080p-4K), not of the
    whole frame (4-18 ms).  Another shape of image may give another shape of view."""
    h, w = img.shape[:2]
    k = CUT_SIZE * 8 / max(h, w)
    sample = img
    if k < 1:
        sample = cv2.resize(img, (max(1, int(round(w * k))), max(1, int(round(h * k)))),
                            interpolation=cv2.INTER_NEAREST)
    if sample.ndim == 3:
        sample = (cv2.cvtColor(sample, cv2.COLOR_BGR2GRAY) if sample.shape[2] == 3
                  else sample.mean(axis=2).astype(np.uint8))
    k = CUT_SIZE / max(sample.shape[:2])
    size = (max(1, int(round(sample.shape[1] * k))), max(1, int(round(sample.shape[0] * k))))
    return cv2.resize(sample, size, interpolation=cv2.INTER_AREA).astype(np.float32)


def framing(box: Box | None, h: int, w: int) -> Box | None:
    """``box`` when its bars frame the picture as letterbox, pillarbox or a window box do: in
    pairs of the same depth on opposite sides (within :data:`FRAME_SLACK`), else None (and
    None for None).  The composite keeps only such bars as they are: a black backdrop or a
    night sky, judged apart as bars (which costs nothing), is the picture's own background
    and takes the chosen one.  ``box`` is checked as :func:`bars_hold` checks it (and given
    back as a tuple of ints)."""
    if box is None:
        return None
    y0, y1, x0, x1 = box = check_box(box, h, w)
    return box if (abs(y0 - (h - y1)) <= max(2, FRAME_SLACK * h)
                   and abs(x0 - (w - x1)) <= max(2, FRAME_SLACK * w)) else None


def _inside(box: Box, other: Box) -> bool:
    """Whether ``box`` lies within ``other`` (``other`` keeps all of ``box``'s picture)."""
    return other[0] <= box[0] and other[1] >= box[1] and other[2] <= box[2] and other[3] >= box[3]
