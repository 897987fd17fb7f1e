"""Quality measures against ground-truth masks (the definitions of the dev set's README).

- IoU of the alpha binarized at 128 against the ground truth (>= 128 is in focus).
- F-measure with beta^2 = 0.3, in-focus as the positive class, alpha binarized at 128.
- MAE: mean |alpha/255 - gt| with gt in {0, 1}.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

BETA2 = 0.3


@dataclass(frozen=True)
class Scores:
    iou: float
    f: float
    mae: float


def score(alpha: np.ndarray, gt: np.ndarray, ignore: np.ndarray | None = None) -> Scores:
    """Score one uint8 alpha against a ground-truth mask of the same size (HxW uint8 both, each
    binarised at 128; another is an :class:`~livecut.errors.ArrayError`: a bool or 0..1 mask
    scored as empty).  ``ignore``: an HxW bool array of the pixels left out of IoU, F and MAE
    (a trimap's unknown band, :func:`read_truth`)."""
    from livecut.errors import ArrayError

    for what, a in (("alpha", alpha), ("ground truth", gt)):
        if not isinstance(a, np.ndarray) or a.dtype != np.uint8 or a.ndim != 2:
            got = f"{a.shape} {a.dtype}" if isinstance(a, np.ndarray) else type(a).__name__
            raise ArrayError(f"score: expected the {what} as an HxW uint8 mask (0-255), got {got}")
    if alpha.shape != gt.shape:
        raise ArrayError(f"score: expected an alpha and a ground truth of one size, got "
                         f"{alpha.shape} and {gt.shape}")
    if ignore is not None and (not isinstance(ignore, np.ndarray) or ignore.shape != gt.shape):
        raise ArrayError(f"score: expected the pixels to ignore as an HxW array of the truth's size {gt.shape}, got "
                         f"{ignore.shape if isinstance(ignore, np.ndarray) else type(ignore).__name__}")
    if ignore is not None and ignore.any():
        keep = ~ignore.astype(bool)
        alpha, gt = alpha[keep], gt[keep]
    pred = alpha >= 128
    truth = gt >= 128
    tp = float(np.count_nonzero(pred & truth))
    fp = float(np.count_nonzero(pred & ~truth))
    fn = float(np.count_nonzero(~pred & truth))
    union = tp + fp + fn
    iou = tp / union if union else 1.0
    precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    recall = tp / (tp + fn) if tp + fn else 1.0
    denom = BETA2 * precision + recall
    f = (1 + BETA2) * precision * recall / denom if denom else 0.0
    mae = float(np.mean(np.abs(alpha.astype(np.float32) / 255.0 - truth.astype(np.float32)))) if alpha.size else 0.0
    return Scores(iou=iou, f=f, mae=mae)


def flicker(alphas: list[np.ndarray]) -> float:
    """Mean absolute change of the mask between consecutive frames, in [0, 1]."""
    if len(alphas) < 2:
        return 0.0
    diffs = [np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))) / 255.0
             for a, b in zip(alphas[:-1], alphas[1:])]
    return float(np.mean(diffs))


def rescale(img: np.ndarray, s: float) -> np.ndarray:
    """A photo rescaled by ``s`` as ``livecut eval --scales`` does: cubic up, area down."""
    import cv2

    if s == 1.0:
        return img
    h, w = rescaled_size(*img.shape[:2], s)
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC if s > 1 else cv2.INTER_AREA)


def soften(img: np.ndarray, f: float) -> np.ndarray:
    """``img`` at its own size with its detail above pixel scale, as a soft camera or an
    enlarged small picture shows a scene: reduced by ``f`` (area) and enlarged back (cubic)."""
    import cv2

    if f <= 1.0:
        return img
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(8, int(round(w / f))), max(8, int(round(h / f)))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


#: ``--bars``: black bars of this share of the photo's height (letterbox: above and below)
#: or width (pillarbox: left and right) on each side, as a film in a 16:9 frame has them
BARS_SHARE = 0.18
BARS = ("letterbox", "pillarbox")


def degrade(img: np.ndarray, noise: float = 0.0, jpeg: int = 0, seed: int = 0) -> np.ndarray:
    """``img`` as a camera or a codec may deliver it: Gaussian sensor noise of sigma ``noise``
    (gray levels; drawn from ``seed``), then JPEG compression at quality ``jpeg`` (0: none).
    ``img``: HxW or HxWxC uint8 (another is an :class:`~livecut.errors.ArrayError`); with
    ``jpeg``, of 1 to 4 channels: gray, gray + alpha, BGR or BGRA (an alpha is kept as it is)."""
    import cv2

    from livecut.errors import ArrayError
    from livecut.frames import check_u8_image

    check_degrade(noise, jpeg)
    check_u8_image(img, "degrade", empty=False)
    channels = img.shape[2] if img.ndim == 3 else 1
    if jpeg and channels > 4:  # (cv2.imencode raised cv2.error)
        raise ArrayError(f"degrade: JPEG takes gray, gray + alpha, BGR or BGRA, got {channels} channels")
    if noise > 0:
        rng = np.random.default_rng(seed)
        img = np.clip(img + rng.normal(0.0, noise, img.shape), 0, 255).astype(np.uint8)
    if jpeg:  # (JPEG has no alpha: the colour of BGRA and the gray of gray + alpha are
        # compressed, the alpha kept -- cv2.imencode refuses 2 channels; HxWx1 stays so)
        color = img[:, :, :channels - 1] if channels in (2, 4) else img
        ok, buf = cv2.imencode(".jpg", color, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg)])
        out = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED).reshape(color.shape)
        img = np.concatenate([out, img[:, :, channels - 1:]], axis=2) if color is not img else out
    return img


def check_degrade(noise: float, jpeg: int) -> None:
    """Refuse a ``noise`` that is not a sigma of 0 to 64 or a ``jpeg`` that is not a whole
    quality of 0 to 100 (:class:`~livecut.errors.UsageError`): NaN and negative noise added
    none, inf noise made salt and pepper, OpenCV clamped a quality out of range (printing a
    warning), took True as 1 and cut 50.5 to 50."""
    import numbers

    from livecut.errors import UsageError

    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not (0.0 <= noise <= 64.0):
        raise UsageError(f"--noise {noise!r}: expected a sigma of 0 to 64 gray levels")
    if isinstance(jpeg, bool) or not isinstance(jpeg, numbers.Integral) or not (0 <= jpeg <= 100):
        raise UsageError(f"--jpeg {jpeg!r}: expected a quality of 1 to 100 (0: none)")


def check_soften(f: float) -> None:
    """Refuse a soften factor ``f`` that is not a number of 1 to 8, as ``--soften`` takes
    (:class:`~livecut.errors.UsageError`): NaN failed as "cannot convert float NaN to
    integer", inf reduced each photo to 8x8 pixels, 0 and less scored it as it is."""
    import numbers

    from livecut.errors import UsageError

    if isinstance(f, bool) or not isinstance(f, numbers.Real) or not (1.0 <= f <= 8.0):
        raise UsageError(f"--soften {f!r}: expected a factor of 1 to 8 (1: the photo as it is)")


def add_bars(img: np.ndarray, kind: str, depth: int) -> np.ndarray:
    """``img`` with black bars ``depth`` pixels deep: above and below (``letterbox``) or
    left and right (``pillarbox``); another ``kind``, a negative ``depth`` or an ``img`` that is
    not an array is a :class:`~livecut.errors.UsageError` (any other kind was a pillarbox)."""
    import cv2

    from livecut.errors import ArrayError, UsageError

    if kind not in BARS:
        raise UsageError(f"bars {kind!r}: expected {' or '.join(BARS)}")
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 0:
        raise UsageError(f"bars depth {depth!r}: expected a whole number of pixels, 0 or more")
    if not isinstance(img, np.ndarray) or img.ndim not in (2, 3) or not img.size:
        raise ArrayError(f"add_bars: expected an HxW or HxWxC image, got "
                         f"{img.shape if isinstance(img, np.ndarray) else type(img).__name__}")
    t, l = (depth, 0) if kind == "letterbox" else (0, depth)
    value = 0 if img.ndim == 2 else (0,) * img.shape[2]
    return cv2.copyMakeBorder(img, t, t, l, l, cv2.BORDER_CONSTANT, value=value)


#: one scale of ``--scales``: a decimal number with one ``x`` before or after it, if any
#: (``x0.5`` as the table prints it, ``2x`` as people write it); ASCII digits and spaces only
#: (float() reads full-width "\uff12" and Arabic-Indic "\u0662" as 2)
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_SCALE = re.compile(rf"[xX]?\s*({_NUMBER})|({_NUMBER})\s*[xX]", re.ASCII)


def parse_scales(text: str) -> tuple[float, ...]:
    """``"0.5,1,2"`` -> ``(0.5, 1.0, 2.0)``, also written ``x0.5`` or ``0.5x``; a usage error
    names what is wrong.  A scale given again, or one written alike at 6 digits (as the table
    writes it: ``1`` and ``1.0000001``), is taken once, the first."""
    from livecut.errors import UsageError

    out = []
    parts = [part.strip() for part in text.split(",")]  # (quoted as given: "x" said '' once its x was stripped)
    for k, part in enumerate(parts):
        # (one x, before or after: "0.5x" was refused; "xx2" was 2, every x stripped; "0_5" was
        # 5 and "nan" "outside", Python's float() reading them)
        m = _SCALE.fullmatch(part)
        if m is None:
            # ("0.5 1" and "0.5;1", scales apart as other tools take them, said no more than "not a number")
            apart = re.split(r"\s*;\s*|\s+", part)
            hint = (f" (scales are separated by commas: --scales {','.join(apart)})"
                    if len(apart) > 1 and all(_SCALE.fullmatch(a) for a in apart) else "")
            raise UsageError(f"--scales: {part!r} is not a number{hint}")
        v = float(m[1] or m[2])
        if not 0.05 <= v <= 8.0:  # ("1e999" is inf)
            # ("0,5", a half as a decimal comma writes it: two scales, 0 and 5, "'0' is outside")
            nxt = parts[k + 1] if k + 1 < len(parts) else ""
            meant = f"{part}.{nxt}"
            hint = (f" ({part},{nxt} is two scales, {part} and {nxt}: a scale is written with a point, {meant})"
                    if v < 0.05 and part.isdigit() and nxt.isdigit() and 0.05 <= float(meant) <= 8.0 else "")
            raise UsageError(f"--scales: {part!r} is outside 0.05 .. 8{hint}")
        # (a repeated scale would count every image twice; so would one that the table prints
        # alike, 1 and 1.0000001: two rows x1 that could not be told apart)
        if format(v, "g") not in {format(o, "g") for o in out}:
            out.append(v)
    return tuple(out)


def read_subset(spec: str) -> set[str]:
    """Names to keep: ``FILE.json:KEY`` (a list under KEY), ``FILE.json`` (a list) or a
    text file with one name a line (``-``: standard input, one name a line).  Names match with or without their extension (an image
    file's: ``a.v2`` is the photo ``a.v2.jpg``), in any letter case, and with their folder, if
    any, that photo only (:func:`subset_names`)."""
    import json
    from pathlib import Path

    from livecut.config import text_codec
    from livecut.errors import UsageError

    if not spec:  # (--subset "$SPLIT" with SPLIT unset scored every photo)
        raise UsageError("--subset is empty: give a file of names")
    from livecut.urls import not_local

    # (a URL was "--subset: https://user:s3cret@host/split.txt: no such file", its password in
    # the message, where every other path of eval refuses a URL, redacted)
    refused = not_local(spec, "--subset reads a local file of names", streams=False)
    if refused:
        raise UsageError(refused)
    # (in any letter case: split.JSON:val was "no such file", the form its own message gave)
    path, key = spec.rsplit(":", 1) if ".json:" in spec.casefold() else (spec, "")
    p = Path(path)
    # (a pipe, --subset <(ls images | head -50), was "/dev/fd/63: no such file", where -c <(...)
    # and batch's --list <(...) are read: it is read as a file of names, one a line)
    if spec == "-":
        # (standard input, one name a line, as batch's --list - reads it: `ls shoot | head -50 |
        # livecut eval ... --subset -` was "--subset: -: no such file")
        from livecut.batch import _stdin_bytes

        try:
            data = _stdin_bytes()
        except OSError as exc:
            raise UsageError(f"--subset -: cannot read standard input ({exc.strerror or exc})") from None
    else:
        if p.is_dir():
            raise UsageError(f"--subset: {path}: a folder, not a file of names")
        if not p.exists() and Path(path).parts[:2] == ("livecut", "models"):
            # (the shipped split as the README and --help name it, livecut/models/cuhk_split.json:val,
            # was "no such file" outside the checkout, where livecut is installed: read from the package)
            p = Path(__file__).resolve().parent.parent / path
        if not p.exists():
            raise UsageError(f"--subset: {path}: no such file")
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise UsageError(f"--subset: {path}: cannot read ({exc.strerror or exc})") from None
    # (-sig: a BOM, as Notepad writes; UTF-16 with its BOM, as Windows PowerShell's `>` writes:
    # it was read as names of NUL bytes, none of which named a photo)
    codec = text_codec(data, "utf-8-sig")
    # (a name's bytes that are not UTF-8, as `ls > split.txt` writes a Latin-1 one, kept as the
    # photo's name holds them, as batch's --list reads them: replaced, they named no photo)
    text = data.decode(codec, errors="replace" if codec == "utf-16" else "surrogateescape")
    if "\x00" in text:  # (a photo or a video: its bytes were quoted as the names it held)
        raise UsageError(f"--subset: {path}: not a file of names (binary data: an image or a video?); "
                         "give a text file, one name a line, or a JSON list")
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            # (names one a line in a .json, "not JSON (Expecting value: line 1 column 1 (char 0))")
            lines = "" if text.lstrip().startswith(("[", "{", '"')) or not text.strip() else \
                f"; names one a line are read from a file not named .json ({p.with_suffix('.txt').name})"
            raise UsageError(f"--subset: {path}: not JSON ({exc}){lines}") from None
        # (the lists a split file holds, said when its :KEY is missing or not one of them)
        lists = [k for k, v in data.items() if isinstance(v, list)] if isinstance(data, dict) else []
        if key:
            if not isinstance(data, dict) or key not in data:
                raise UsageError(f"--subset: {path} has no list {key!r}"
                                 + (f" (its lists: {', '.join(lists)})" if lists else ""))
            data = data[key]
        elif lists:
            more = f" (or :{', :'.join(lists[1:])})" if len(lists) > 1 else ""
            raise UsageError(f"--subset: {path} holds the list{'s' if more else ''} {', '.join(lists)}: give {path}:{lists[0]}{more}")
        if not isinstance(data, list):
            raise UsageError(f"--subset: {path}{':' + key if key else ''} is not a list of names")
        # (a null, true or {...} in the list was taken as the name 'None', 'True' or "{'a': 1}":
        # '1 name(s) of --subset not in IMAGES: None', a name the file does not hold)
        for k, n in enumerate(data, 1):
            if not isinstance(n, (str, int, float)) or isinstance(n, bool):
                raise UsageError(f"--subset: {path}{':' + key if key else ''}: entry {k} is "
                                 f"{json.dumps(n)[:40]}, not a name; give a list of names, "
                                 '["a.jpg", ...]')
        names = [str(n) for n in data]
    else:
        if text.lstrip().startswith(("[", "{")):
            # (a JSON list in names.txt was read as names one a line, '["a.jpg", "b.jpg"]' one of them:
            # "--subset names no photo", or a subset short of them all)
            try:
                listed = json.loads(text)
            except ValueError:
                listed = None
            if isinstance(listed, (list, dict)):
                key = ":KEY" if isinstance(listed, dict) else ""
                raise UsageError(f"--subset: {path}: JSON, which is read from a file named .json "
                                 + (f"(save it as names.json{key}); standard input gives names one a line"
                                    if spec == "-" else
                                    f"({p.with_suffix('.json').name}{key}); a file of another name holds names "
                                    "one a line"))
        names = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    from livecut.imageio import IMAGE_EXTS

    from pathlib import PurePosixPath

    # (an image extension dropped, not a last dot's tail: "2024.05.01 beach" was "2024.05"; a
    # folder kept: "x/a.jpg" named y/a.jpg too)
    out = set()
    for n in names:
        # (a list written on Windows, "images\\x\\a.jpg": its backslashes are its folders; it
        # named no photo. A name with a / is taken as written: a backslash is in it)
        if "\\" in n and "/" not in n:
            n = n.replace("\\", "/")
        q = PurePosixPath(n)
        if q.name:
            out.add((q.with_suffix("") if q.suffix.lower() in IMAGE_EXTS else q).as_posix())
    return out


def _fold(name: str) -> str:
    """``name`` as names are matched here, in any letter case and with its accents in either
    Unicode form (a Mac's decomposed Cafe\u0301, Linux's composed Caf\u00e9): a photo and its mask
    or split name, one from each, were 'without a mask of the same name', two names that print
    alike (:func:`livecut.imageio.folded_name`'s rule, without a path)."""
    import unicodedata

    return unicodedata.normalize("NFC", name).casefold()


def subset_names(name: str, key: str) -> bool:
    """Whether the ``--subset`` name ``name`` (:func:`read_subset`) names the photo of path
    ``key`` in IMAGES (without its extension): the same in any letter case over the path of
    the shorter, from its end (``a`` names ``x/a`` and ``y/a``; ``x/a`` names ``x/a`` only; a
    path from a folder above IMAGES, ``images/x/a``, names ``x/a``)."""
    a, b = _fold(name).split("/"), _fold(key).split("/")
    n = min(len(a), len(b))
    return a[-n:] == b[-n:]


def _photo_like(v: np.ndarray, top: float | None = None) -> bool:
    """Whether over half the pixels of ``v`` are neither dark nor bright (within a tenth of
    ``top``, the range of its type by default; a float one's 1, or 255 where it holds more): a
    photo, not a mask."""
    if top is None:
        top = (255.0 if v.max() > 1.0 else 1.0) if v.dtype.kind == "f" else float(np.iinfo(v.dtype).max)
    return np.count_nonzero((v > 0.1 * top) & (v < 0.9 * top)) > v.size // 2


def read_truth(mask_path, invert: bool = False, depth: list | None = None, meta: dict | None = None,
               soft: dict | None = None, trimap: dict | None = None) -> np.ndarray:
    """The ground truth of a mask file as HxW uint8, 255 = in focus, 0 = not.

    What is read (any format :func:`~livecut.imageio.read_image` reads, 8 or 16 bit or float,
    turned as its EXIF orientation says):

    - a mask with transparency (an alpha channel that draws a shape: a cutout PNG, gray +
      alpha) is its alpha; otherwise (no alpha, or one of one value, opaque or transparent
      everywhere) its colour, the brightest channel of each pixel (white, grey or a coloured
      subject on black; a palette PNG by its colours) -- but one transparent everywhere whose
      colours are a photo's is a cutout with nothing in it, its alpha;
    - a mask of two values (0/255, 0/1, 0 and a palette's label colour) has the higher one in
      focus; one of 0 and 1 only is a 0/1 mask, as is one of 0 to 3 (a 0/1 mask saved as
      JPEG: in focus from 1); any other (soft edges, JPEG noise) is in
      focus from half its range up (128 of 255, also of a 16-bit mask whose values are all
      0-255; 512 of one whose values are all 0-1023, 2048 of one of 0-4095: 10- and 12-bit
      masks stored in 16 bits; 0.5 of a float mask in 0..1);
    - ``invert``: the mask marks the blurred part (the CUHK benchmark's own masks do).
    - ``depth``: a list that gets 10 or 12 when a soft 16-bit mask is read as one of 10 or 12 bits.
    - ``meta``: a dict that gets what :func:`~livecut.imageio.read_image` says of the file (``"lost"``).
    - ``soft``: a dict that gets, for a soft mask (read from half its range up), its levels
      (``"levels"``, HxW float32) and the level in focus from (``"at"``): a mask at another
      size than its photo is resized on them (:func:`truth_at`), not on its binarised truth.
    - ``trimap``: a dict that gets, for a trimap -- a mask of three levels exactly, black, the
      top of its range (255 of 8 bits) and one between them, from a quarter to three quarters
      of it (0/128/255, 0/127/255: the matting sets' unknown band) --, its grey pixels
      (``"unknown"``, HxW bool), which :func:`score` leaves out (the truth: the top level; a
      trimap was in focus from 128, its unknown band counted in focus); and so for one whose
      levels are blurred by noise, a trimap saved as JPEG (:func:`_noisy_trimap`: each pixel the
      nearest of the three).  Without ``trimap``, such a mask is read as before, in focus from
      half its range.

    A file that is not a mask (half its pixels neither dark nor bright: a photo) is an
    :class:`~livecut.errors.ImageReadError`.
    """
    from livecut.errors import ImageReadError
    from livecut.imageio import read_image

    img = read_image(mask_path, meta=meta, any_float=True)  # (a float mask may be 0..255)
    floating = img.dtype.kind == "f"
    if floating:
        img = np.nan_to_num(img.astype(np.float32), nan=0.0)
    top = 1.0 if floating else float(np.iinfo(img.dtype).max)
    v = img
    if v.ndim == 3 and v.shape[2] in (2, 4):  # (gray + alpha, BGRA)
        alpha, colour = v[:, :, -1], v[:, :, :-1]
        # (an alpha of one value draws no shape: a mask saved with a blank alpha channel, 0
        # everywhere, was read as its alpha, an empty truth -- IoU 0 without a word; its colours
        # are the mask, unless they are a photo's: a cutout with nothing in it, its alpha then)
        v = alpha if alpha.min() < alpha.max() or (alpha.min() < top and _photo_like(colour.max(axis=2))) \
            else colour
    if v.ndim == 3:
        v = v.max(axis=2)
    lo, hi = v.min(), v.max()
    if floating and hi > 1.0:  # a float mask in 0..255
        top = 255.0
    elif not floating and top > 255 and hi <= 4095:
        # a 16-bit mask of 8-, 10- or 12-bit values (soft edges: a script's uint16 array, a
        # 10- or 12-bit matte): in focus from half its own range (128, 512, 2048), not 32768
        # (which made it empty, IoU 0 without a word); nothing above 4095 of 65535, in the
        # 16-bit range, is all but black: there is no other mask it can be
        top = 255.0 if hi <= 255 else 1023.0 if hi <= 1023 else 4095.0
        if depth is not None and top > 255 and not (lo < hi and not np.any((v != lo) & (v != hi))):
            depth.append(10 if top == 1023 else 12)  # (soft: two levels are read alike at any depth)
    if not floating and hi <= 1:
        truth = v >= 1  # 0/1
    elif lo < hi and not np.any((v != lo) & (v != hi)):
        truth = v == hi  # two values: the higher one
    elif not floating and hi <= 3:
        # a 0/1 mask saved as JPEG (0, 1 and 2 at quality 75 to 100): it was in focus from 128,
        # an empty truth (IoU 0 for every mask, without a word)
        truth = v >= 1
    elif trimap is not None and _trimap_band(v, lo, hi, top) is not None:
        trimap["unknown"] = _trimap_band(v, lo, hi, top)
        truth = v == hi
    elif trimap is not None and _noisy_trimap(v, top) is not None:
        # (a trimap saved as JPEG, its three levels blurred by noise: 0-7, 120-136, 248-255 at
        # quality 95; it was read in focus from 128, its unknown band cut in two at random)
        truth, trimap["unknown"] = _noisy_trimap(v, top)
    else:
        if _photo_like(v, top):
            raise ImageReadError(f"{mask_path}: not a mask (most of its pixels are neither dark nor "
                                 "bright, as in a photo): is MASKS the folder of the masks?")
        truth = v >= (top + 1) / 2 if not floating else v >= top / 2
        if soft is not None:
            soft.update(levels=v.astype(np.float32), at=(top + 1) / 2 if not floating else top / 2)
    if invert:
        truth = ~truth
    return truth.astype(np.uint8) * 255


def _trimap_band(v: np.ndarray, lo, hi, top: float) -> np.ndarray | None:
    """The grey pixels of ``v`` where it is a trimap (three levels exactly: 0, ``top`` and one
    from a quarter to three quarters of it), else None."""
    if lo != 0 or hi != top:
        return None
    band = (v != lo) & (v != hi)
    if not band.any():
        return None
    grey = v[band]
    if grey.min() != grey.max() or not (0.25 * top <= float(grey[0]) <= 0.75 * top):
        return None
    return band


def _noisy_trimap(v: np.ndarray, top: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(truth, unknown band) of ``v`` where it is a trimap whose levels are blurred by noise (a
    JPEG's: 0/128/255 saved at any quality comes back as values near them, and a few between
    where its levels meet), else None. Each pixel takes the nearest of its three levels: black,
    white and its grey, the median of the values from a quarter to three quarters of ``top``. It is
    one where it has black and white, most of its pixels near them (not a photo), at least 16
    pixels within a tenth of ``top`` of its grey, most of them within 3.5 % of it (a peak, not a
    slope), and at most half as many neither near it nor near black or white: a soft mask's
    edges spread evenly from black to white (three times as many away from its median as near
    it), and a two-level mask saved as JPEG has a few values between, but no grey level."""
    v = v.astype(np.float32, copy=False)
    if float(v.min()) > 0.1 * top or float(v.max()) < 0.9 * top or _photo_like(v, top):
        return None  # (a photo is said to be one, below)
    middle = v[(v >= 0.25 * top) & (v <= 0.75 * top)]
    if middle.size < 16:
        return None
    grey = float(np.median(middle))
    near = np.abs(v - grey) <= 0.1 * top
    n_near = int(np.count_nonzero(near))
    n_peak = int(np.count_nonzero(np.abs(middle - grey) <= 0.035 * top))
    n_other = int(np.count_nonzero(~near & (v > 0.1 * top) & (v < 0.9 * top)))
    if n_near < 16 or n_peak * 2 < n_near or n_other * 2 > n_near:
        return None
    bright = v >= (grey + top) / 2
    return bright, ~bright & (v > grey / 2)


def truth_at(gt: np.ndarray, w: int, h: int, soft: dict | None = None, invert: bool = False) -> np.ndarray:
    """The truth ``gt`` (:func:`read_truth`) resized to ``w`` x ``h`` (linear up, by area down, as
    the cut is brought to the truth's size, then in focus from half way again).  ``soft``: what
    :func:`read_truth` gave of a soft mask, whose levels are resized instead (``invert`` as
    read): a mask at half its photo's size with soft edges (one reduced by area, as benchmarks
    distribute theirs) was binarised at its own size first, its edge in the photo then a
    staircase of whole mask pixels (IoU 0.987 against the truth it was reduced from, 0.998 on
    its levels).  A larger mask (the truth at a camera's size, its photos reduced) is reduced by
    area, each pixel in focus where most of it is: linear sampled one mask pixel of three at
    x1/3, a thin leg in focus across a whole pixel or not at all (the truth 1 % of IoU off)."""
    import cv2

    how = cv2.INTER_AREA if w < gt.shape[1] and h < gt.shape[0] else cv2.INTER_LINEAR
    if soft and "levels" in soft:
        truth = cv2.resize(soft["levels"], (w, h), interpolation=how) >= soft["at"]
        if invert:
            truth = ~truth
        return truth.astype(np.uint8) * 255
    gt = cv2.resize(gt, (w, h), interpolation=how)
    return np.where(gt >= 128, 255, 0).astype(np.uint8)


def rescaled_size(h: int, w: int, s: float) -> tuple[int, int]:
    """(height, width) of an ``h`` x ``w`` photo rescaled by ``s`` (:func:`rescale`)."""
    if s == 1.0:
        return h, w
    return max(8, int(round(h * s))), max(8, int(round(w * s)))


#: what a mask may be besides the photo types: a GIF (a palette mask, as some segmentation sets
#: ship theirs: NAME_mask.gif); its first picture is read
MASK_ONLY_EXTS = (".gif",)


def list_images(d, skip=None, masks: bool = False, folders: set | None = None, raw: list | None = None,
                videos: list | None = None, gifs: list | None = None) -> list:
    """The image files in folder ``d`` and its subfolders, sorted by their path in it; names
    starting with a dot (hidden files and folders, macOS ``._*`` files) and the folder
    ``skip`` (the other folder of the pair, when it lies inside this one) are left out.  A
    subfolder that is a symbolic link is read under its own name, once (a second link to a
    folder read already, a link back up the tree, is not followed).
    ``masks``: a folder of masks, which may also be GIFs (:data:`MASK_ONLY_EXTS`).
    ``folders``: a set that gets each folder read, resolved (``d``, its subfolders, linked ones).
    ``raw``: a list that gets the camera raw files found on the way (:data:`~livecut.imageio.RAW_EXTS`:
    not read, but said).  ``videos``: a list that gets the video files found on the way
    (:data:`~livecut.batch.VIDEO_EXTS`: not scored, but said).  ``gifs``: a list that gets the GIFs and
    APNGs found on the way (:data:`~livecut.imageio.NAMED_ONLY_EXTS`, which a folder given to
    `livecut image` gives none of: not scored, but said; a folder of masks reads its GIFs)."""
    import os
    from pathlib import Path

    from livecut.imageio import IMAGE_EXTS, RAW_EXTS, first_visit

    exts = IMAGE_EXTS + MASK_ONLY_EXTS if masks else IMAGE_EXTS
    d = Path(d)
    skip = Path(skip).resolve() if skip is not None else None
    out = []
    first_time = first_visit()
    first_time(d)
    # (a linked subfolder, a set assembled with ln -s, was left out without a word: "no photos";
    # followed, each folder once: a second link to one, a link back up the tree, is not)
    for root, dirs, files in os.walk(d, followlinks=True):
        r = Path(root)
        if folders is not None:
            folders.add(r.resolve())
        dirs[:] = [x for x in sorted(dirs) if not x.startswith(".")
                   and (skip is None or (r / x).resolve() != skip) and first_time(r / x)]
        out += [r / f for f in files if not f.startswith(".") and Path(f).suffix.lower() in exts]
        if raw is not None:
            raw += [r / f for f in files if not f.startswith(".") and Path(f).suffix.lower() in RAW_EXTS]
        if videos is not None:
            from livecut.batch import VIDEO_EXTS

            videos += [r / f for f in files if not f.startswith(".") and Path(f).suffix.lower() in VIDEO_EXTS]
        if gifs is not None:
            from livecut.imageio import NAMED_ONLY_EXTS

            gifs += [r / f for f in files if not f.startswith(".") and Path(f).suffix.lower() in NAMED_ONLY_EXTS
                     and Path(f).suffix.lower() not in exts]
    return sorted(out, key=lambda p: p.relative_to(d).as_posix())


#: what eval says of the videos it does not score (a clip's masks are of frames, which it does
#: not cut out of a video)
VIDEOS_NOT_SCORED = "which livecut eval does not read (it scores photos): save the frames the masks are of as pictures first"


def _videos_not_scored(files: list) -> str:
    """What to add to "no photos" or "no image has a mask" where ``files`` hold videos; else ""."""
    if not files:
        return ""
    return f"; {len(files)} video{'s' * (len(files) > 1)} ({files[0].name}{', ...' * (len(files) > 1)}), {VIDEOS_NOT_SCORED}"


#: what eval says of the GIFs and APNGs among the photos, which it does not score, as `livecut image`
#: cuts none that a folder gives (animations by their type: cut only when named)
GIFS_NOT_SCORED = ("which livecut eval does not read, as livecut image cuts none from a folder (only when named): "
                   "save {them} as PNG first")


def _gifs_not_scored(files: list) -> str:
    """What to add to "no photos" or "no image has a mask" where ``files`` hold GIFs or APNGs; else ""."""
    if not files:
        return ""
    n, gifs = len(files), sum(p.suffix.lower() == ".gif" for p in files)
    what = " and ".join(x for x in (f"{gifs} GIF{'s' * (gifs > 1)}" * bool(gifs),
                                    f"{n - gifs} APNG{'s' * (n - gifs > 1)}" * bool(n - gifs)) if x)
    return f"; {what} ({files[0].name}{', ...' * (n > 1)}), " + GIFS_NOT_SCORED.format(them="them" if n > 1 else "it")


def _key(p, d) -> str:
    """The name a photo and its mask share: the path in its folder without the extension."""
    return p.relative_to(d).with_suffix("").as_posix()


#: the words a mask's name may add to its photo's (``basic_mask.png``, ``basic-GT.png`` for
#: ``basic.jpg``), after one of :data:`MASK_SEPARATORS`
MASK_WORDS = ("mask", "gt", "groundtruth", "truth", "matte", "alpha", "trimap", "label", "seg", "segmentation")
MASK_SEPARATORS = "_-. "


def _mask_affix(missing: list, masks: list) -> tuple[str, str]:
    """(ending, prefix): the ending (``_mask``, ``-gt``, ...: a separator and one of
    :data:`MASK_WORDS`, as written) or the prefix (``mask_``, ``GT-``: one of them and a
    separator) that the most of ``masks`` add to the name of a photo of ``missing``, the
    other ""; both "" when none does, or two do as often."""
    stems = {_fold(p.stem) for p in missing}
    counts: dict[tuple[str, str], int] = {}
    written: dict[tuple[str, str], str] = {}

    def count(kind: str, affix: str) -> None:
        key = (kind, _fold(affix))
        counts[key] = counts.get(key, 0) + 1
        written.setdefault(key, affix)

    for m in masks:
        st = m.stem
        for word in MASK_WORDS:
            n = len(word) + 1
            if len(st) <= n:
                continue
            if st[-n] in MASK_SEPARATORS and _fold(st[-n + 1:]) == word and _fold(st[:-n]) in stems:
                count("ending", st[-n:])
            if st[n - 1] in MASK_SEPARATORS and _fold(st[:n - 1]) == word and _fold(st[n:]) in stems:
                count("prefix", st[:n])
    if not counts:
        return "", ""
    best = max(counts.values())
    top = [k for k, n in counts.items() if n == best]
    if len(top) != 1:
        return "", ""
    return (written[top[0]], "") if top[0][0] == "ending" else ("", written[top[0]])


#: in one folder of photos and masks, a photo and its mask of one name (``0001.jpg``, ``0001.png``):
#: the photo is the JPEG, the mask the lossless picture beside it
ONE_FOLDER_PHOTO_EXTS = (".jpg", ".jpeg")
ONE_FOLDER_MASK_EXTS = (".png", ".bmp", ".gif", ".tif", ".tiff")


def _names_a_mask(st: str) -> list[tuple[str, str, str]]:
    """``(kind, affix as written, the photo's stem)`` for each way the stem ``st`` is a mask's
    name: a photo's plus an ending (``_mask``, ``-gt``: :data:`MASK_WORDS` after a separator), or
    after a prefix (``mask_``, ``GT-``)."""
    out = []
    for word in MASK_WORDS:
        n = len(word) + 1
        if len(st) <= n:
            continue
        if st[-n] in MASK_SEPARATORS and _fold(st[-n + 1:]) == word:
            out.append(("ending", st[-n:], st[:-n]))
        if st[n - 1] in MASK_SEPARATORS and _fold(st[:n - 1]) == word:
            out.append(("prefix", st[:n], st[n:]))
    return out


def _split_hint(d, files: list) -> str:
    """Where one folder ``d`` given as IMAGES and MASKS holds its photos and masks in two
    subfolders (``images/`` and ``masks/``, ``DUTS-TR-Image/`` and ``DUTS-TR-Mask/``, ``image/``
    and ``gt/``: the last word of a mask folder's name one of :data:`MASK_WORDS`, or its plural),
    the command that scores them (``: livecut eval d/images d/masks``); else ""."""
    from pathlib import Path

    d = Path(d)
    tops = sorted({p.relative_to(d).parts[0] for p in files if len(p.relative_to(d).parts) > 1})
    words = {w for word in MASK_WORDS for w in (word, word + "s")}

    def mask_like(name: str) -> bool:
        return _fold(re.split(r"[_\-. ]", name)[-1]) in words

    masky = [t for t in tops if mask_like(t)]
    others = [t for t in tops if not mask_like(t)]
    loose = any(len(p.relative_to(d).parts) == 1 for p in files)
    if len(masky) != 1 or len(others) + loose != 1:
        return ""
    import shlex

    photos = d / others[0] if others else d
    return f": livecut eval {shlex.quote(str(photos))} {shlex.quote(str(d / masky[0]))}"


def _in_doubt(d, doubts: list[str], which: str = ""):
    """The error of one folder ``d`` of photos and masks whose ``doubts`` (:func:`split_folder`'s
    lines) concern the photos of the run (``which``: of which run)."""
    from livecut.errors import UsageError

    return UsageError(f"{d}: IMAGES and MASKS are one folder, and which file is the mask of which photo is in doubt"
                      f"{which}: {doubts[0]}" + (f" (and {len(doubts) - 1} more)" if len(doubts) > 1 else "")
                      + "; put the masks in a folder of their own, named as their photos")


def split_folder(files: list, d) -> tuple[dict, list, list, list]:
    """One folder ``d`` holding photos and their masks (``0001.jpg`` + ``0001_mask.png``,
    ``img.png`` + ``img_gt.png``, ``GT_1.png`` for ``1.jpg``, or ``0001.jpg`` + ``0001.png``), its
    ``files`` told apart: ``({photo: (its mask, how it was paired: the ending or prefix as
    written, or the mask's extension where it has the photo's name)}, photos without a mask, masks
    without a photo, doubts)``.  A file named as another one of its
    subfolder plus an ending or after a prefix (:func:`_names_a_mask`), or as one whole
    (``a.jpg.png``, how ``.jpg.png``), is a mask; two files of
    one name are a photo and its mask where one is a JPEG and the other lossless
    (:data:`ONE_FOLDER_MASK_EXTS`), else a doubt; so are a photo with two masks and a mask named
    for two files or for a mask (each said in a line of ``doubts``: nothing is guessed). A doubt
    is ``(its line, the names of the photos it concerns)``, their paths without the extension,
    folded (:func:`_fold`): a ``--subset`` that names none of them is not in doubt."""
    from pathlib import Path

    d = Path(d)
    by_key: dict[str, list] = {}
    for p in files:
        by_key.setdefault(_fold(_key(p, d)), []).append(p)
    names_of: dict = {}  # a mask -> [(kind, affix, key of the photo it names)]
    for p in files:
        parent = p.relative_to(d).parent
        for kind, affix, stem in _names_a_mask(p.stem):
            key = _fold(parent.joinpath(stem).as_posix())
            if key in by_key:
                names_of.setdefault(p, []).append((kind, affix, key))
        # (a mask named as its photo whole, a.jpg.png for a.jpg, as some tools save it)
        whole = Path(p.stem)
        key = _fold(parent.joinpath(whole.stem).as_posix())
        if whole.suffix and any(_fold(q.suffix) == _fold(whole.suffix) for q in by_key.get(key, [])):
            names_of.setdefault(p, []).append(("whole", whole.suffix + p.suffix, key))
    doubts: list[tuple[str, set[str]]] = []

    def rel(p) -> str:
        return p.relative_to(d).as_posix()

    masks_of: dict = {}  # a photo -> [(mask, how)]
    photos: list = []
    for key, group in by_key.items():
        rest = [p for p in group if p not in names_of]
        if len(rest) == 1:
            photos.append(rest[0])
        elif len(rest) == 2 and sum(p.suffix.lower() in ONE_FOLDER_PHOTO_EXTS for p in rest) == 1 \
                and sum(p.suffix.lower() in ONE_FOLDER_MASK_EXTS for p in rest) == 1:
            photo, mask = sorted(rest, key=lambda p: p.suffix.lower() not in ONE_FOLDER_PHOTO_EXTS)
            photos.append(photo)
            masks_of.setdefault(photo, []).append((mask, mask.suffix.lower()))
        elif len(rest) > 1:
            doubts.append((f"{', '.join(sorted(rel(p) for p in rest))}: files of one name, which is the photo "
                           "and which its mask?", {key}))
    for m, named in names_of.items():
        targets = {key for _, _, key in named}
        if len(targets) > 1:
            doubts.append((f"{rel(m)}: named as the mask of {' and of '.join(sorted(targets))}", targets))
            continue
        kind, affix, key = named[0]
        theirs = [p for p in by_key[key] if p not in names_of]
        if not theirs:
            doubts.append((f"{rel(m)}: named as the mask of {', '.join(rel(p) for p in by_key[key])}, "
                           "itself named as a mask", {key}))
            continue
        if len(theirs) > 1 and not any(p in masks_of for p in theirs):
            continue  # (said as files of one name)
        photo = next(p for p in theirs if p in photos)
        masks_of.setdefault(photo, []).append((m, affix))
    # (named as a mask, of no file there, and without a mask of its own: a mask without its photo)
    lone = [p for p in photos if p not in masks_of and _names_a_mask(p.stem)]
    photos = [p for p in photos if p not in lone]
    for photo, ms in masks_of.items():
        if len(ms) > 1:
            doubts.append((f"{rel(photo)}: more than one mask: {', '.join(sorted(rel(m) for m, _ in ms))}",
                           {_fold(_key(photo, d))}))
    paired = {p: ms[0] for p, ms in masks_of.items() if len(ms) == 1}
    without_mask = sorted((p for p in photos if p not in masks_of), key=rel)
    return paired, without_mask, sorted(lone, key=rel), sorted(doubts)


def match_masks(images: list, images_dir, masks: list, masks_dir,
                everyone: list | None = None) -> tuple[list, list, list, set, str, str]:
    """(pairs ``(name, image, mask)``, images without a mask, errors, the masks of those errors
    (an image's, not masks without an image), ending, prefix): an image's mask has
    the same path in MASKS without the extension, in any letter case (``IMG_1.JPG`` and
    ``img_1.png``), or, when there is none, the same file name anywhere in MASKS (a flat
    folder of masks for photos in subfolders) if that is unique.  An image with two such
    masks (``a.png`` and ``a.jpg``) is an error, not a guess, as is a mask that two images
    (``a.jpg`` and ``a.png``) would take.  The images left without one
    take a mask named as they are plus an ending (``_mask``, ``-gt``) or after a prefix
    (``mask_``, ``GT-``: :func:`_mask_affix`, the one the most masks have; returned, "" when
    none was used), if no other image took it.
    ``everyone``: all the images of IMAGES, when ``images`` are some of them (``--subset``):
    a file name is unique among them (a subset naming x/a.jpg does not give it the flat
    MASKS' a.png, which may be y/a.jpg's)."""
    by_key: dict[str, list] = {}
    by_stem: dict[str, list] = {}
    for m in masks:
        by_key.setdefault(_fold(_key(m, masks_dir)), []).append(m)
        by_stem.setdefault(_fold(m.stem), []).append(m)
    stems: dict[str, list] = {}
    for p in everyone if everyone is not None else images:
        stems.setdefault(_fold(p.stem), []).append(p.relative_to(images_dir).as_posix())

    def find(p, ending: str = "", prefix: str = "") -> tuple[list, str, str]:
        key, stem = _key(p, images_dir) + ending, prefix + p.stem + ending
        if prefix:  # (before the file's name, not its folder's: x/mask_a.png for x/a.jpg)
            key = p.relative_to(images_dir).parent.joinpath(prefix + p.stem).as_posix() + ending
        found = by_key.get(_fold(key))
        if not found and len(stems[_fold(p.stem)]) == 1:
            found = by_stem.get(_fold(stem))
        return found or [], key, stem

    plain = {p: find(p) for p in images}
    for p in images:  # (a mask named as its photo whole, a.jpg.png, as some tools save it)
        if not plain[p][0] and p.suffix:
            named = find(p, p.suffix)
            if named[0]:
                plain[p] = named
    taken = {m for found, _, _ in plain.values() for m in found}
    missing = [p for p in images if not plain[p][0]]
    ending, prefix = _mask_affix(missing, [m for m in masks if m not in taken]) if missing else ("", "")
    pairs, unmatched, errors, ambiguous = [], [], [], set()
    clashes: dict = {}  # a mask named as photos in several folders -> their file name
    used_ending = False
    for p in images:
        name = p.relative_to(images_dir).as_posix()
        found, key, stem = plain[p]
        if not found and (ending or prefix):  # (a mask another photo has by its own name is not taken)
            found, key, stem = find(p, ending, prefix)
            found = [m for m in found if m not in taken]
            used_ending = used_ending or bool(found)
        if not found:
            # (x/a.jpg and y/a.jpg, a flat MASKS' a.png: both were "without a mask of the same
            # name", the mask "without an image", exit 0)
            named = dict.fromkeys((p.stem, prefix + p.stem + ending))
            clash = [m for n in named for m in by_stem.get(_fold(n), [])
                     if m not in taken] if len(stems[_fold(p.stem)]) > 1 else []
            for m in clash:
                clashes.setdefault(m, _fold(p.stem))
            if not clash:
                unmatched.append(name)
            continue
        if len(found) > 1:  # (one that matches the letter case exactly wins)
            exact = [m for m in found if _key(m, masks_dir) == key or m.stem == stem]
            if len(exact) != 1:
                errors.append(f"{p}: more than one mask of that name in {masks_dir}: "
                              + ", ".join(m.relative_to(masks_dir).as_posix() for m in found))
                ambiguous.update(found)
                continue
            found = exact
        pairs.append((name, p, found[0]))
    # (a.jpg and a.png in IMAGES, one mask a.png: both were scored against it without a word,
    # another photo's scores in the mean)
    photos_of: dict = {}
    for name, _, m in pairs:
        photos_of.setdefault(m, []).append(name)
    shared = {m for m, names in photos_of.items() if len(names) > 1}
    for m in sorted(shared):
        errors.append(f"{m}: the mask of more than one photo of that name in {images_dir}: "
                      + ", ".join(photos_of[m]) + " (none of them scored: which is it?)")
    for m in sorted(clashes):
        errors.append(f"{m}: the mask of more than one photo of that name in {images_dir}: "
                      + ", ".join(stems[clashes[m]]) + " (none of them scored: which is it?)")
    ambiguous.update(shared, clashes)
    pairs = [pr for pr in pairs if pr[2] not in shared]
    return pairs, unmatched, errors, ambiguous, *((ending, prefix) if used_ending else ("", ""))


def same_shape(mask_hw: tuple[int, int], image_hw: tuple[int, int]) -> bool:
    """Whether a mask of ``mask_hw`` is the photo's ``image_hw`` at another size (the same
    aspect, within a pixel of the mask)."""
    (hm, wm), (hi, wi) = mask_hw, image_hw
    return abs(hm * wi / wm - hi) <= max(1.0, wi / wm) and abs(wm * hi / hm - wi) <= max(1.0, hi / hm)


def _photo_alpha(seg, bgr: np.ndarray) -> np.ndarray:
    """The mask of a photo as ``livecut image`` makes it (:func:`livecut.images.photo_mask`)."""
    from livecut.images import photo_mask

    return photo_mask(seg, bgr)[0]


class _I420Windows:
    """A segmenter whose ``mask`` takes each window of a panorama (``photo_mask``) as YUV
    4:2:0 planes (``mask_i420``; an odd side left out of the planes, its mask carried to it),
    for ``eval --i420``: the photo cut in windows as ``livecut image`` cuts it, each window
    judged on the transcode path (the whole panorama was judged at 320x5 pixels for a 1000x16
    one: IoU 0.00 where without --i420 0.50)."""

    def __init__(self, seg):
        self._seg = seg

    def __getattr__(self, name):  # (state, box: the segmenter's)
        return getattr(self._seg, name)

    def mask(self, bgr: np.ndarray) -> np.ndarray:
        import cv2

        h, w = bgr.shape[:2]
        planes = cv2.cvtColor(np.ascontiguousarray(bgr[:h // 2 * 2, :w // 2 * 2]), cv2.COLOR_BGR2YUV_I420)
        alpha = self._seg.mask_i420(planes)
        if alpha.shape != (h, w):
            alpha = cv2.copyMakeBorder(alpha, 0, h - alpha.shape[0], 0, w - alpha.shape[1], cv2.BORDER_REPLICATE)
        return alpha


def evaluate_folder(images_dir, masks_dir, cfg, scales=(1.0,), subset: set[str] | None = None,
                    sheet=None, progress=None, video: bool = False, i420: bool = False,
                    soft: float = 1.0, invert: bool = False, noise: float = 0.0, jpeg: int = 0,
                    bars: str | None = None) -> dict:
    """Run the segmenter on every image of ``images_dir`` (and its subfolders) that has a
    mask of the same name in ``masks_dir`` (:func:`match_masks`; each mask read by
    :func:`read_truth`), at each of ``scales`` (the photo rescaled: cubic up, area down; the
    alpha scored against the native truth, resized back to it).  A mask of the photo's shape
    at another size is resized to it (linear, at 128 again; listed in ``resized_masks``); one of another
    shape, or under 16 pixels a side, is an error.  A photo that cannot be scored at one of the scales (too small or too
    large there, unreadable, ...) is scored at none: every scale's means are over the same
    photos.

    Returns ``{"method", "model", "as", "count", "images": [...], "mean": {...}, "scales": [{"scale",
    "images": [{name, iou, f, mae, ms}], "mean": {...}}], "errors", "without_mask",
    "without_image", "raw_photos", "videos", "gif_photos", "resized_masks", "deep_masks", "empty_masks", "clear_photos", "trimaps", "mask_ending", "mask_prefix", "one_folder", "subset_missing", "sheets", "sheets_removed"}``
    (``raw_photos``: the camera raw files in ``images_dir`` that masks of ``without_image`` are named for;
    ``videos``: likewise its video files, which are not scored; ``gif_photos``: likewise its GIFs and
    APNGs, which are not scored, as `livecut image` cuts none that a folder gives)
    (``deep_masks``: the photos whose 16-bit soft masks hold 10- or 12-bit values, read as such, :func:`read_truth`)
    (``empty_masks``: the photos whose masks have nothing in focus, as read -- with ``invert``, nothing blurred)
    (``clear_photos``: the photos transparent all over, their alpha 0 everywhere: cut to nothing)
    (``trimaps``: the photos whose masks are trimaps, 0/128/255, their unknown band left out of IoU, F
    and MAE: :func:`read_truth`, :func:`score`; shown grey in the sheet's truth)
    (``mask_ending``: ``_mask``, ``-gt``, ... where masks named so were paired, else ""; ``mask_prefix``
    likewise, ``mask_``, ``GT-``, ...; ``one_folder``: where ``images_dir`` and ``masks_dir`` are one folder
    of photos and masks, told apart by :func:`split_folder` -- its doubts a :class:`~livecut.errors.UsageError`,
    those of the photos ``subset`` names alone where it is given --, how many photos were paired each way,
    ``{"_mask": 10, ".png": 2}``, else None;
    ``resized_masks``, ``deep_masks``, ``empty_masks`` and ``clear_photos`` name photos scored, as ``images`` does);
    ``images`` and ``mean`` at the top are those of the first scale.  ``sheet``: a picture path that gets one row
    per photo (label: its number, name and scores | image | truth | mask | cutout on grey) at
    the first scale, SHEET_PAGE_ROWS rows a page (the second page ``NAME-2.png``, ...), moved
    into place from temporary names once the evaluation is complete (:class:`_SheetPages`);
    the pages of an earlier, longer sheet of that name after its last are removed
    (``sheets_removed``); a ``sheet`` in a folder the listing of ``images_dir`` or
    ``masks_dir`` reads (or below either) is a :class:`~livecut.errors.UsageError`.
    ``progress(done, total)`` is called after each image.  ``video``: segment each photo
    as a video frame is (``Segmenter(still=False)``: the gray guided refinement, no
    mirrored pass with ``segment.tta=auto``, the video's noise levels for the noisy network,
    :meth:`FocusNetMethod.noisy_level`), not as ``livecut image`` does.  ``i420``: hand the segmenter
    the photo as planar YUV 4:2:0 (:meth:`Segmenter.mask_i420`, the transcode path; the
    photo is cropped to even sides and the last row/column of the alpha repeated).
    ``soft``: soften each photo by this factor first (:func:`soften`; 1 = as it is).
    ``invert``: the masks mark the blurred part (:func:`read_truth`).  ``noise``, ``jpeg``:
    each rescaled photo degraded as :func:`degrade` does (noise drawn from the photo's
    index: the same for every scale and run).  ``bars``: ``letterbox`` or ``pillarbox``,
    black bars (:data:`BARS_SHARE` of the photo each side) around each rescaled photo; the
    truth gets the same bars as background, so a mask that keeps a bar is scored down.
    """
    import os
    import time
    from functools import partial
    from pathlib import Path

    import cv2

    from livecut.errors import ImageSizeError, LivecutError, OutputExistsError, UsageError
    from livecut.imageio import IMAGE_EXTS, MAX_PIXELS, MIN_SIDE, RAW_EXTS, read_image, to_bgr8
    from livecut.images import PANORAMA_ASPECT, as_shown
    from livecut.segment import Segmenter, each_frame_judged

    images_dir, masks_dir = Path(images_dir), Path(masks_dir)
    for d in (images_dir, masks_dir):
        try:
            there = d.is_dir()
        except OSError as exc:  # (a name too long for a file's: "internal error: OSError", exit 1)
            from livecut.atomic import lookup_reason

            raise UsageError(f"{d}: {lookup_reason(exc)}") from None
        if not there:
            # (`livecut eval photos mask` -- a typo of masks/ -- said "mask: not a folder", as of a file)
            from livecut.atomic import dangling_link, not_there

            if d.exists():
                # (`livecut eval photo.jpg mask.png`, a pair as `livecut image` takes a photo, and a
                # clip were "photo.jpg: not a folder", which did not say what is asked for)
                from livecut.batch import VIDEO_EXTS

                ext = d.suffix.lower()
                kind = ("a picture" if ext in IMAGE_EXTS + MASK_ONLY_EXTS + RAW_EXTS else
                        "a video" if ext in VIDEO_EXTS else "")
                both = ("livecut eval reads a folder of photos and a folder of their masks, of the same names, "
                        "or one folder of both (a.jpg beside a_mask.png)")
                raise UsageError(f"{d}: {kind + ', ' if kind else ''}not a folder"
                                 + (f": {both}; for one photo, put it and its mask in a folder: livecut eval "
                                    "FOLDER"
                                    if kind == "a picture" else
                                    f": {both}; save the frames the masks are of as pictures first" if kind else ""))
            why = not_there(d, "no such folder")
            dangling = dangling_link(d) if why == "no such folder" else None  # (not of a loop of links)
            raise UsageError(f"{d}: {why}" + (f" ({dangling})" if dangling else ""))
    # (one folder of photos and masks, 0001.jpg beside 0001_mask.png, as many sets ship: it was
    # refused, 'IMAGES and MASKS are the same folder'; its files are told apart by name, split_folder)
    one = images_dir.resolve() == masks_dir.resolve()
    scales = tuple(dict.fromkeys(float(s) for s in scales))
    if not scales or any(not (0.05 <= s <= 8.0) for s in scales):
        raise UsageError("--scales: each scale must be between 0.05 and 8")
    check_degrade(noise, jpeg)
    check_soften(soft)
    if isinstance(bars, str):  # (in any case, as `livecut eval --bars Letterbox` takes it)
        bars = next((b for b in BARS if b.casefold() == bars.casefold()), bars)
    if bars is not None and bars not in BARS:
        raise UsageError(f"--bars {bars!r}: expected {' or '.join(BARS)}")
    if sheet is not None:
        check_sheet_path(sheet)

    # (the other folder where it lies inside this one, or is linked into it: not its photos)
    read = {"IMAGES": set(), "MASKS": set()}
    raw_files: list = []  # (the camera raw files among the photos: said where they explain a lack)
    video_files: list = []  # (the videos among the photos, likewise: eval scores none)
    gif_files: list = []  # (the GIFs and APNGs among the photos, likewise, as `livecut image DIR` cuts none)
    in_one: dict = {}  # (one folder: each photo's mask)
    how_paired: dict[str, int] = {}
    if one:
        files = list_images(images_dir, masks=True, folders=read["IMAGES"], raw=raw_files, videos=video_files,
                            gifs=gif_files)
        read["MASKS"] = read["IMAGES"]
        in_one, alone, lone_masks, doubts = split_folder(files, images_dir)
        if doubts and subset is None:  # (with --subset, those of its photos alone: below)
            raise _in_doubt(images_dir, [line for line, _ in doubts])
        # (a.png beside a camera raw a.dng: the mask of a photo livecut does not read, said as such, not
        # a photo without a mask)
        raw_keys = {_fold(_key(p, images_dir)) for p in raw_files}
        lone_masks += [p for p in alone if p.suffix.lower() in ONE_FOLDER_MASK_EXTS
                       and _fold(_key(p, images_dir)) in raw_keys]
        alone = [p for p in alone if p not in lone_masks]
        photos = sorted(list(in_one) + alone, key=lambda p: p.relative_to(images_dir).as_posix())
        # (a GIF is a mask here, not a photo: livecut image cuts none that a folder gives)
        gif_files += [p for p in photos if p.suffix.lower() in MASK_ONLY_EXTS]
        images = [p for p in photos if p.suffix.lower() not in MASK_ONLY_EXTS]
        masks = sorted([in_one[p][0] for p in images if p in in_one] + lone_masks,
                       key=lambda p: p.relative_to(images_dir).as_posix())
    else:
        images = list_images(images_dir, skip=masks_dir, folders=read["IMAGES"], raw=raw_files,
                             videos=video_files, gifs=gif_files)
        masks = list_images(masks_dir, skip=images_dir, masks=True, folders=read["MASKS"])
    if sheet is not None:
        # (--sheet IMAGES/sheet.png was written; the next run read it as a photo without a mask
        # and refused the same command, "a photo or mask of this evaluation")
        # (the folder whose listing reads it first: with MASKS inside IMAGES, a sheet in MASKS was
        # said to be read "as photos", by IMAGES' listing, which leaves MASKS out)
        place = Path(sheet).resolve().parent
        sets = (("IMAGES", images_dir), ("MASKS", masks_dir))
        found = ([(what, d) for what, d in sets if place in read[what]]
                 or [(what, d) for what, d in sets if place.is_relative_to(d.resolve())])
        if found:
            what, d = found[0]
            raise UsageError(f"--sheet {sheet}: inside {what} ({d}): the next eval would read its pages "
                             f"as {'photos' if what == 'IMAGES' else 'masks'}; give a path outside "
                             "IMAGES and MASKS")
    inputs = {p.resolve() for p in images + masks} if sheet is not None else set()
    exts = ", ".join(IMAGE_EXTS[:5])

    def _outside(what: str, d: Path, other: Path) -> str:
        # (data/ holding nothing but data/masks/ was "no image files in it", with its masks there)
        if one:
            return ""
        return f" outside {what} ({other}), which it holds" if other.resolve().is_relative_to(d.resolve()) else ""

    if not images:
        # (a shoot in raw alone was "no image files in it", where `livecut image` and `livecut
        # batch` say that livecut reads no camera raw file)
        from livecut.imageio import raw_left_out

        raw = raw_left_out(raw_files)
        # (a folder of clips was "no photos: no image files in it", as if it were empty)
        raise UsageError(f"{images_dir}: no photos: no image files in it or its subfolders"
                         f"{_outside('MASKS', images_dir, masks_dir)} ({exts}, ...){raw}"
                         f"{_videos_not_scored(video_files)}{_gifs_not_scored(gif_files)}")
    if not masks and one:
        raise UsageError(f"{masks_dir}: no masks in it: IMAGES and MASKS are one folder, and no file in it is "
                         "named as a photo's mask (0001_mask.png, 0001_gt.png, GT_0001.png, or 0001.png beside "
                         "0001.jpg); give the folder of the masks" + _split_hint(images_dir, files))
    if not masks:
        raise UsageError(f"{masks_dir}: no masks: no image files in it or its subfolders"
                         f"{_outside('IMAGES', masks_dir, images_dir)} ({exts}, ..., .gif)")
    subset_missing: list[str] = []
    if subset is not None:
        # (in any letter case, as a mask pairs: "IMG_1.JPG" in a split named no photo img_1.jpg;
        # a name with its folder names the photo in that folder only: subset_names)
        by_stem: dict[str, list] = {}
        for p in images:
            by_stem.setdefault(_fold(p.stem), []).append(p)
        named: set = set()
        doubted: list[str] = []  # (one folder: the doubts of the photos it names)
        for n in subset:
            found = [p for p in by_stem.get(_fold(n.rsplit("/", 1)[-1]), [])
                     if subset_names(n, _key(p, images_dir))]
            # (one folder: a photo whose mask is in doubt, or a file that may be a photo, is none of
            # `images`; it is named as they are, and a name of it refuses the run as without --subset)
            found += [(line, key) for line, keys in (doubts if one else []) for key in sorted(keys)
                      if subset_names(n, key)]
            # (x/a names the photo at x/a, not a top-level a whose path it also ends with:
            # the photos that share the longest end of the name's path)
            if len(found) > 1:
                depth = {i: min(len(_fold(n).split("/")),
                                len((p[1] if isinstance(p, tuple) else _fold(_key(p, images_dir))).split("/")))
                         for i, p in enumerate(found)}
                found = [p for i, p in enumerate(found) if depth[i] == max(depth.values())]
            doubted += [p[0] for p in found if isinstance(p, tuple) and p[0] not in doubted]
            named.update(p for p in found if not isinstance(p, tuple))
            if not found:
                subset_missing.append(n)
        if doubted:  # (one ambiguous pairing refused the run of a --subset that names other photos alone)
            raise _in_doubt(images_dir, sorted(doubted), " for a photo of --subset")
        if one:  # (`ls DIR | livecut eval DIR --subset -`: its masks' names were 'not in DIR')
            subset_missing = [n for n in subset_missing
                              if not any(subset_names(n, _key(m, images_dir)) for m in masks)]
        subset_missing.sort()
        kept = [p for p in images if p in named]
        if not kept:  # (it was "no image ... has a mask of the same name", the masks not at fault)
            names = ", ".join(subset_missing[:3]) + (", ..." if len(subset_missing) > 3 else "")
            raise UsageError(f"--subset names no photo in {images_dir} ("
                             + (f"its names: {names}; photos: {images[0].stem}, ...)" if subset
                                else "it holds no name)"))
        everyone, images = images, kept
    else:
        everyone = images
    if one:
        pairs = [(p.relative_to(images_dir).as_posix(), p, in_one[p][0]) for p in images if p in in_one]
        unmatched = [p.relative_to(images_dir).as_posix() for p in images if p not in in_one]
        errors, ambiguous, ending, prefix = [], set(), "", ""
        for _, p, _ in pairs:
            how_paired[in_one[p][1]] = how_paired.get(in_one[p][1], 0) + 1
    else:
        pairs, unmatched, errors, ambiguous, ending, prefix = match_masks(images, images_dir, masks, masks_dir,
                                                                           everyone)
    used = {m for _, _, m in pairs} | ambiguous  # (two masks of one photo: its error says so)
    without_image = [] if subset is not None else \
        [m.relative_to(masks_dir).as_posix() for m in masks if m not in used]
    raw_photos: list[str] = []
    videos: list[str] = []
    gif_photos: list[str] = []
    if without_image:
        # (the mask of a camera raw photo, r1.png of r1.dng, was 'without an image of the same
        # name', the photo there: livecut reads no raw file, and said nothing of it)
        from livecut.imageio import raw_left_out

        lone = {_fold(Path(n).with_suffix("").as_posix()) for n in without_image}
        raw_photos = sorted(p.relative_to(images_dir).as_posix() for p in raw_files
                            if _fold(_key(p, images_dir)) in lone)
        # (the mask of a clip, moving.png of moving.mp4, likewise: 'without an image', the video
        # there beside it and nothing said of it)
        videos = sorted(p.relative_to(images_dir).as_posix() for p in video_files
                        if _fold(_key(p, images_dir)) in lone)
        # (the mask of a GIF photo, b.png of b.gif, likewise: 'without an image', the GIF beside it)
        gif_photos = sorted(p.relative_to(images_dir).as_posix() for p in gif_files
                            if _fold(_key(p, images_dir)) in lone)
    if not pairs and errors and not unmatched:
        # (each photo has its mask by name, but cannot be scored with it: it was 'no image has a
        # mask of the same name (images: 0.png, ...; masks: 0.png, ...)' before the errors that say why)
        raise UsageError(f"no image in {images_dir} could be paired with its mask in {masks_dir}"
                         + (" (in the subset)" if subset is not None else "") + ": " + "; ".join(errors))
    if not pairs:
        raise UsageError(f"no image in {images_dir} has a mask of the same name in {masks_dir}"
                         + (" (in the subset)" if subset is not None else "")
                         + (f" (images: {images[0].name}, ...; masks: {masks[0].name}, ...)" if images else "")
                         + ("; " + "; ".join(errors) if errors else "")
                         + (raw_left_out([Path(n) for n in raw_photos]) if raw_photos else "")
                         + _videos_not_scored([Path(n) for n in videos])
                         + _gifs_not_scored([Path(n) for n in gif_photos]))
    if sheet is not None:  # (a --sheet in MASKS was written over a truth of the set, without a word)
        for page in (sheet_page_path(sheet, k) for k in range(1, -(-len(pairs) // SHEET_PAGE_ROWS) + 1)):
            _check_page_name(sheet, page)
            if page.resolve() in inputs:
                raise OutputExistsError(f"--sheet {sheet}: {page} is a photo or mask of this evaluation; "
                                        "give a path outside IMAGES and MASKS")
            # (a FIFO was found once every photo was evaluated, "choose another -o"; a folder at
            # OUT-2.png once the first page was in place: a new first page without its second)
            kind = _not_a_file(page)
            if kind:
                raise UsageError(f"--sheet {sheet}: {page} is {kind}, not a regular file; give another path")
            # (--sheet pics/holiday.jpg was written over that photo without a word, exit 0)
            if os.path.isfile(page) and not _a_sheet_page(page):
                raise OutputExistsError(f"--sheet {sheet}: {page} is there and is not a contact sheet (a picture "
                                        "of yours?); a sheet replaces only a sheet: give another name, or move it")
    rows: dict[float, list[dict]] = {s: [] for s in scales}
    segs: dict[float, Segmenter] = {}
    pages = _SheetPages(sheet, keep=inputs) if sheet is not None else None
    resized: list[str] = []
    deep: list[str] = []  # (16-bit masks of 10- or 12-bit values, read as such)
    empty: list[str] = []  # (masks with nothing in focus)
    trimaps: list[str] = []  # (trimaps: their unknown band left out of the scores)
    clear: list[str] = []  # (photos transparent all over: cut to nothing)
    warmed: dict[float, tuple] = {}  # each scale's engine: the frame shape it was last run on
    # (what `livecut image` says of a photo read, 'its picture data may be damaged ...: check its
    # result': a photo or mask so was scored without a word, its scores in the mean)
    read_warnings: list[str] = []
    try:
        for i, (name, img_path, mask_path) in enumerate(pairs):
            mine: dict[float, dict] = {}
            try:
                photo_meta: dict = {}
                bgr, own = to_bgr8(read_image(img_path, meta=photo_meta))
                bits: list[int] = []
                mask_meta: dict = {}
                levels: dict = {}  # (a soft mask's, resized on them if its size is not the photo's)
                tri: dict = {}  # (a trimap's unknown band: left out of the scores)
                gt = read_truth(mask_path, invert=invert, depth=bits, meta=mask_meta, soft=levels, trimap=tri)
                unknown = tri.get("unknown")
                said = [f"{path}: {m['lost']}" for path, m in ((img_path, photo_meta), (mask_path, mask_meta))
                        if m.get("lost")]
                # (its notes, said once it is scored: a photo scored at no scale, its error said, was
                # named in them too, 'resized to it', 'IoU and F are 0 there', as if it had scores)
                noted: list[list] = []
                if bits:
                    noted.append(deep)
                if unknown is not None:
                    noted.append(trimaps)
                if not gt.any():  # (IoU 0 unless the cut is empty too: it was said nowhere)
                    noted.append(empty)
                if not same_shape(gt.shape, bgr.shape[:2]) and same_shape(gt.shape, bgr.shape[1::-1]):
                    # a truth drawn on the photo as stored, not as its EXIF orientation turns it
                    # (at its size or another: one at twice it was "not the same shape")
                    bgr, own = to_bgr8(read_image(img_path, upright=False))
                if own is not None and not np.count_nonzero(own != 255):
                    own = None  # (opaque all over: the photo as it is)
                if own is not None and not own.any():
                    # (transparent all over, a blank alpha channel: nothing of it shows, cut to nothing as
                    # `livecut image` cuts it, which says so; it scored IoU 0 here without a word)
                    noted.append(clear)
                if gt.shape != bgr.shape[:2]:
                    if min(gt.shape) < MIN_SIDE:
                        # (a 1x1 or 2x2 mask has any shape within a pixel: it was stretched over the
                        # photo and scored, said only 'resized to it')
                        raise ImageSizeError(
                            f"{mask_path}: the mask is {gt.shape[1]}x{gt.shape[0]}, its photo {name} "
                            f"{bgr.shape[1]}x{bgr.shape[0]}: too small to be resized to it (a mask under "
                            f"{MIN_SIDE} px a side is taken at its photo's size only)")
                    if not same_shape(gt.shape, bgr.shape[:2]):
                        raise ImageSizeError(
                            f"{mask_path}: the mask is {gt.shape[1]}x{gt.shape[0]}, its photo {name} "
                            f"{bgr.shape[1]}x{bgr.shape[0]}: not the same shape (the mask of another photo?)")
                    # (linear and in focus from half way again; a soft mask on its levels)
                    gt = truth_at(gt, bgr.shape[1], bgr.shape[0], levels, invert)
                    if unknown is not None:  # (unknown where most of a pixel is)
                        unknown = truth_at(unknown.astype(np.uint8) * 255, bgr.shape[1], bgr.shape[0]) > 0
                    noted.append(resized)
                for s in scales:  # (before any: a photo is scored at every scale or at none)
                    fh, fw = rescaled_size(*bgr.shape[:2], s)
                    framed = ""
                    if bars is not None:
                        # (the frame judged has its bars: one over 80 megapixels with them was made,
                        # then refused by the engine as 'a.png: image is 8800x11968' of a 1100 px photo)
                        side = bgr.shape[0] if bars == "letterbox" else bgr.shape[1]
                        fside = fh if bars == "letterbox" else fw
                        extra = 2 * int(round(int(round(BARS_SHARE * side)) * fside / side))
                        fh, fw = (fh + extra, fw) if bars == "letterbox" else (fh, fw + extra)
                        framed = f" with its {bars} bars"
                    if min(fh, fw) < MIN_SIDE or fh * fw > MAX_PIXELS:
                        raise ImageSizeError(
                            f"{img_path}: at x{s:g}{framed} it is {fw}x{fh}; livecut takes {MIN_SIDE}x{MIN_SIDE} "
                            f"pixels to {MAX_PIXELS // 1_000_000} megapixels (not scored at any scale)")
                bgr = soften(bgr, soft)
                if bars is not None:  # the truth's bars at the native size; the frame's at its own
                    side = gt.shape[0] if bars == "letterbox" else gt.shape[1]
                    depth = int(round(BARS_SHARE * side))
                    gt = add_bars(gt, bars, depth)
                    if unknown is not None:  # (the bars known: background)
                        unknown = add_bars(unknown.astype(np.uint8), bars, depth) > 0
                for s in scales:
                    if s not in segs:
                        # as `livecut image` (or a video frame); each photo judged on its own: no
                        # judgement reused from the photo before (segment.still, segment.every)
                        segs[s] = Segmenter(each_frame_judged(cfg), still=not video)
                    seg = segs[s]
                    frame = degrade(rescale(bgr, s), noise, jpeg, seed=i)
                    # a photo's own alpha, as livecut image takes it: the photo judged as it shows
                    # (its colours over a fill where it is transparent), the cut times that alpha
                    # (the colours stored under the transparency were judged, and the cut scored alone)
                    own_s = None if own is None else rescale(own, s)
                    if bars is not None:
                        fside = frame.shape[0] if bars == "letterbox" else frame.shape[1]
                        fdepth = int(round(depth * fside / side))
                        frame = add_bars(frame, bars, fdepth)
                        if own_s is not None:  # (the bars opaque)
                            own_s = 255 - add_bars(255 - own_s, bars, fdepth)
                    if own_s is not None and not i420:  # (a YUV 4:2:0 frame, without alpha: on its colours)
                        frame = as_shown(frame, own_s)
                    fh, fw = frame.shape[:2]
                    # (a photo as `livecut image` cuts it: a panorama in windows; it was judged whole,
                    # at 320x32 pixels for a 1000x100 one, and scored 0.58 where its cutout scores 0.93)
                    if i420 and not video and max(fh, fw) > PANORAMA_ASPECT * min(fh, fw):
                        run = partial(_photo_alpha, _I420Windows(seg))  # (its windows as planes)
                    elif i420:
                        frame = cv2.cvtColor(frame[:fh // 2 * 2, :fw // 2 * 2], cv2.COLOR_BGR2YUV_I420)
                        run = seg.mask_i420
                    else:
                        run = seg.mask if video else partial(_photo_alpha, seg)
                    if warmed.get(s) != frame.shape:  # buffers and the network are set up outside the timing
                        # (for each change of size: a photo after one of another size was timed
                        # with them set up again for its own, when its size had been seen before)
                        run(frame)
                        warmed[s] = frame.shape
                    seg.reset()  # each photo on its own, whatever the order
                    t0 = time.perf_counter()
                    alpha = run(frame)
                    ms = (time.perf_counter() - t0) * 1e3
                    if i420 and alpha.shape != (fh, fw):
                        alpha = cv2.copyMakeBorder(alpha, 0, fh - alpha.shape[0], 0, fw - alpha.shape[1],
                                                   cv2.BORDER_REPLICATE)
                    if own_s is not None:  # (what the output keeps: the cut times the photo's alpha)
                        alpha = cv2.multiply(alpha, own_s, scale=1.0 / 255.0)
                    if alpha.shape != gt.shape:
                        up = alpha.shape[0] < gt.shape[0]
                        alpha = cv2.resize(alpha, (gt.shape[1], gt.shape[0]),
                                           interpolation=cv2.INTER_LINEAR if up else cv2.INTER_AREA)
                    sc = score(alpha, gt) if unknown is None else score(alpha, gt, ignore=unknown)
                    mine[s] = {"name": name, "iou": sc.iou, "f": sc.f, "mae": sc.mae, "ms": ms}
                    if pages is not None and s == scales[0]:
                        first_alpha = alpha
            except LivecutError as exc:  # one pair that cannot be scored does not stop the evaluation
                msg = str(exc)
                errors.append(msg if str(img_path) in msg or str(mask_path) in msg else f"{img_path}: {msg}")
                if progress is not None:
                    progress(i + 1, len(pairs))
                continue
            for s in scales:
                rows[s].append(mine[s])
            read_warnings += said
            for notes in noted:
                notes.append(name)
            if pages is not None:
                shown = degrade(bgr, noise, jpeg, seed=i)  # (as degraded, at the native size)
                shown = add_bars(shown, bars, depth) if bars is not None else shown
                pages.add(_sheet_row(shown, gt if unknown is None else np.where(unknown, 128, gt).astype(np.uint8),
                                     first_alpha,
                                     sheet_caption(len(rows[scales[0]]), name, mine[scales[0]], scales[0])))
            if progress is not None:
                progress(i + 1, len(pairs))
        if pages is not None:
            # (inside: a Ctrl-C while the last page was written, the whole sheet of up to 50
            # photos, a second or so as the run ends, left its temporary page, megabytes, beside it)
            pages.close()
    except BaseException:  # (a Ctrl-C, a bug: the pages written so far are not the sheet)
        if pages is not None:
            pages.discard()
        raise
    if pages is not None:
        errors += pages.errors
    if not rows[scales[0]]:
        # (the first few: every photo's, 500 of a set given the wrong way round, made one line
        # of ~80,000 characters)
        more = f"; and {len(errors) - 3} more" if len(errors) > 3 else ""
        raise UsageError("no image could be evaluated: " + "; ".join(errors[:3]) + more)
    per_scale = []
    for s in scales:
        mean = {k: float(np.mean([r[k] for r in rows[s]])) for k in ("iou", "f", "mae", "ms")}
        per_scale.append({"scale": s, "images": rows[s], "mean": mean})
    as_ = ("video frames" if video else "photos") + (", I420" if i420 else "") + \
        (f", softened {soft:g}x" if soft > 1.0 else "") + (f", noise sigma {noise:g}" if noise > 0 else "") + \
        (f", JPEG q{jpeg}" if jpeg else "") + (f", {bars}ed" if bars else "")
    model = None
    if cfg.segment.method == "focusnet":  # (auto: the ensemble for photos, one network for video frames)
        from livecut.segment.net import resolve_model

        model = resolve_model(cfg.segment.model, still=not video)
    return {"method": cfg.segment.method, "model": model, "as": as_,
            "count": len(rows[scales[0]]), "images": per_scale[0]["images"],
            "mean": per_scale[0]["mean"], "scales": per_scale, "errors": errors,
            "without_mask": unmatched, "without_image": without_image, "raw_photos": raw_photos,
            "videos": videos, "gif_photos": gif_photos,
            "resized_masks": resized, "deep_masks": deep, "empty_masks": empty, "clear_photos": clear,
            "trimaps": trimaps, "mask_ending": ending, "mask_prefix": prefix, "one_folder": how_paired if one else None,
            "subset_missing": subset_missing,
            "sheets": [str(p) for p in pages.written] if pages is not None else [],
            "sheets_removed": [str(p) for p in pages.removed] if pages is not None else [],
            "warnings": read_warnings + (pages.warnings if pages is not None else [])}


#: height of one row of the contact sheet
SHEET_ROW = 180
#: the widest panel of a row (a panorama is reduced to it, in a white band)
SHEET_PANEL_MAX = 3 * SHEET_ROW
#: rows of one page of the contact sheet: 50 rows are 9,200 px high (a WebP takes 16,383, a
#: JPEG 65,535; 500 photos in one picture were 92,000 px, which neither could write)
SHEET_PAGE_ROWS = 50


#: width of the label panel that starts each row: the photo's number, its path in IMAGES and its
#: scores (rows without them could only be told apart by counting, 50 to a page)
SHEET_LABEL = 220


def _sheet_label(lines: list[str], height: int) -> np.ndarray:
    """A white SHEET_LABEL x ``height`` panel with ``lines`` in black (each cut to the panel's
    width; characters the Hershey font lacks drawn as ``?``; as many lines as fit)."""
    import cv2

    panel = np.full((height, SHEET_LABEL, 3), 255, np.uint8)
    font, size, step = cv2.FONT_HERSHEY_SIMPLEX, 0.5, 20
    for k, line in enumerate(lines[:max(0, (height - 4) // step)]):
        line = "".join(c if " " <= c <= "~" else "?" for c in line)
        while line and cv2.getTextSize(line, font, size, 1)[0][0] > SHEET_LABEL - 8:
            line = line[:-1]
        cv2.putText(panel, line, (4, 16 + k * step), font, size, (0, 0, 0), 1, cv2.LINE_AA)
    return panel


def sheet_caption(number: int, name: str, scores: dict, scale: float = 1.0) -> list[str]:
    """The label of a contact sheet row: ``#number``, ``name`` (the path in IMAGES) broken
    into lines of at most 22 characters (at most 5, the last ending in ``...`` if it was
    longer), and the photo's IoU, F and MAE (at ``scale``, said unless 1)."""
    parts = [name[k:k + 22] for k in range(0, len(name), 22)] or [""]
    if len(parts) > 5:
        parts = parts[:4] + [parts[4][:19] + "..."]
    return [f"#{number}", *parts, f"IoU {scores['iou']:.3f}  F {scores['f']:.3f}",
            f"MAE {scores['mae']:.3f}" + (f"  at x{scale:g}" if scale != 1.0 else "")]


def _sheet_row(bgr: np.ndarray, gt: np.ndarray, alpha: np.ndarray, caption: list[str] = ()) -> np.ndarray:
    """label | image | truth | mask | cutout on grey: the label (:func:`sheet_caption`)
    SHEET_LABEL pixels wide, each picture scaled to SHEET_ROW pixels high (at most
    SHEET_PANEL_MAX wide)."""
    import cv2

    h, w = bgr.shape[:2]
    tw = max(1, int(round(w * SHEET_ROW / h)))
    th = SHEET_ROW
    if tw > SHEET_PANEL_MAX:
        tw, th = SHEET_PANEL_MAX, max(1, int(round(h * SHEET_PANEL_MAX / w)))
    img = cv2.resize(bgr, (tw, th), interpolation=cv2.INTER_AREA)
    a = cv2.resize(alpha, (tw, th), interpolation=cv2.INTER_AREA)
    t = cv2.resize(gt, (tw, th), interpolation=cv2.INTER_AREA)
    af = (a.astype(np.float32) / 255.0)[:, :, None]
    cut = (img * af + 128 * (1 - af)).astype(np.uint8)
    gap = np.full((th, 4, 3), 255, np.uint8)
    parts = [img, gap, cv2.cvtColor(t, cv2.COLOR_GRAY2BGR), gap, cv2.cvtColor(a, cv2.COLOR_GRAY2BGR), gap, cut]
    row = np.hstack(parts)
    if th < SHEET_ROW:
        top = (SHEET_ROW - th) // 2
        row = np.pad(row, ((top, SHEET_ROW - th - top), (0, 0), (0, 0)), constant_values=255)
    return np.hstack([_sheet_label(list(caption), SHEET_ROW), row])


def sheet_page_path(path, page: int):
    """The file of page ``page`` (1, 2, ...) of a contact sheet ``path``: the first is
    ``path``, the second ``NAME-2.EXT``, and so on."""
    from pathlib import Path

    p = Path(path)
    return p if page == 1 else p.with_name(f"{p.stem}-{page}{p.suffix}")


class _SheetPages:
    """The contact sheet written a page (SHEET_PAGE_ROWS rows) at a time, as the rows come
    (no more than one page in memory), each to a temporary name beside it
    (:func:`livecut.atomic.temp_path`); :meth:`close` moves them all into place once the
    evaluation is complete, :meth:`discard` removes them when it fails (a Ctrl-C, a crash): an
    earlier sheet of that name is then left as it was, not half replaced. A page that cannot
    be written is an error in ``errors`` and ends the sheet: none of its pages is moved into
    place (the scores stand without the picture). Once the sheet is in place, the pages of an
    earlier, longer sheet of the same name after its last are removed (``removed``), but none
    of the files in ``keep`` (the photos and masks evaluated) nor a file that is not a contact
    sheet (:func:`_a_sheet_page`)."""

    def __init__(self, path, keep=frozenset()):
        self.path = path
        self.keep = keep
        self.rows: list[np.ndarray] = []
        self.temps: list = []
        self.written: list = []
        self.removed: list = []
        self.errors: list[str] = []
        self.warnings: list[str] = []  # (a page's temporary name that stayed beside it: append-only)

    def add(self, row: np.ndarray) -> None:
        if self.errors:
            return
        self.rows.append(row)
        if len(self.rows) >= SHEET_PAGE_ROWS:
            self._flush()

    def close(self) -> None:
        from livecut import atomic

        self._sweep()
        if self.rows and not self.errors:
            self._flush()
        if self.errors:
            self.discard()
            return
        # (a Ctrl-C or SIGTERM between two of these steps left this run's first page beside an
        # earlier sheet's second, or its third after this run's last: read as one sheet; held
        # back until the pages are in place, then delivered)
        with atomic.signals_held():
            self._move_into_place()

    def _move_into_place(self) -> None:
        """The pages moved to their names, then the pages of an earlier, longer sheet removed."""
        from livecut.atomic import commit
        from livecut.errors import LivecutError

        for page, tmp in enumerate(self.temps, 1):
            final = sheet_page_path(self.path, page)
            try:
                left = commit(tmp, final, force=True)  # (a sheet of that name was always replaced)
            except LivecutError as exc:
                self.errors.append(str(exc))
                self.discard(named=tmp)  # (commit's error names the page's own, left)
                return
            if left:  # (a folder that lets no name be removed, append-only: the page's temporary
                self.warnings.append(left)  # name stayed beside it, a second name of it, unsaid)
            self.written.append(final)
        self.temps = []
        if self.written:
            self._remove_stale()

    def discard(self, named=None) -> None:
        """Remove the pages not yet moved into place; those that stay (a folder that lets no name
        be removed: append-only), but ``named`` (an error names it already), are an error in
        ``errors`` (they were left beside the sheet, megabytes a page, without a word)."""
        from livecut.atomic import discard, not_removed, why_left

        left = []
        for tmp in self.temps:
            discard(tmp)
            if tmp != named and (why := not_removed(tmp)) is not None:
                left.append((tmp, why))
        self.temps = []
        if left:
            self.errors.append(f"{', '.join(str(t) for t, _ in left)}: the temporary "
                               f"file{'s' if len(left) > 1 else ''} of the contact sheet's "
                               f"page{'s' if len(left) > 1 else ''} could not be removed "
                               f"({why_left(left[0][1])}): remove {'them' if len(left) > 1 else 'it'} "
                               "once the folder allows")

    def _sweep(self) -> None:
        """Remove the temporary pages that runs to this sheet killed while they ran (kill -9, the
        out-of-memory killer) left beside it, of any page (:func:`livecut.atomic.sweep_stale`:
        this machine's, of a process that is gone): they stayed for good, megabytes a page."""
        import os
        from pathlib import Path

        from livecut.atomic import TEMP_MARK, stale_left

        p = Path(self.path)
        page = re.compile(re.escape("." + p.stem) + r"(?:-([1-9]\d{0,8}))?" + re.escape(p.suffix + TEMP_MARK))
        try:
            names = os.listdir(p.parent)
        except OSError:
            return
        for k in sorted({int(m[1] or 1) for n in names if (m := page.match(n))}):
            self.warnings += stale_left(sheet_page_path(p, k))  # (those an append-only folder keeps: said)

    def _remove_stale(self) -> None:
        """Remove NAME-k.EXT from the page after this sheet's last on, as long as they follow
        each other: left from an earlier run with more photos, they read as pages of this
        sheet. Only names this sheet would have written for more photos, and no further than
        the first missing one (a NAME-2024.EXT of the user's own is never reached)."""
        from livecut.atomic import name_too_long

        page = len(self.written) + 1
        # (a name longer than a file's may be is no page there: is_file() raised "File name too
        # long" for NAME-2.png of a sheet named in 254-255 bytes, after the scores, exit 1)
        while (not name_too_long((p := sheet_page_path(self.path, page)).name) and p.is_file()
               and p.resolve() not in self.keep and _a_sheet_page(p)):
            try:
                p.unlink()
            except OSError as exc:
                self.errors.append(f"{p}: a page of an earlier, longer contact sheet could not be "
                                   f"removed ({exc.strerror})")
                return
            self.removed.append(p)
            page += 1

    def _flush(self) -> None:
        from livecut.atomic import temp_path
        from livecut.errors import LivecutError

        page = sheet_page_path(self.path, len(self.temps) + 1)
        tmp = temp_path(page)
        self.temps.append(tmp)  # (first: a write that fails half-way leaves it to discard)
        try:
            _write_sheet(tmp, self.rows, name=page)
        except LivecutError as exc:
            self.errors.append(str(exc))
        self.rows = []


def _a_sheet_page(p) -> bool:
    """Whether the file ``p`` is a page of a contact sheet as ``--sheet`` writes one (of any
    version: rows of SHEET_ROW pixels, each with a white band 4 high under it), or empty: what
    a run to that sheet may replace or remove. Another file of a page's name (a photo of yours,
    holiday-2.jpg beside --sheet holiday.jpg) was written over, or removed as a page of an
    earlier, longer sheet."""
    import cv2

    try:
        data = np.fromfile(p, np.uint8)
    except (OSError, ValueError):
        return False
    if not data.size:
        return True
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # (not a picture: no word of OpenCV's)
    try:
        img = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    except cv2.error:
        img = None
    finally:
        cv2.utils.logging.setLogLevel(level)
    if img is not None and img.ndim == 3:  # (OpenCV reads a PFM in colour, asked for gray: a sheet.pfm
        img = img.min(axis=2)               # written by --sheet was "not a contact sheet" at the next run)
    step = SHEET_ROW + 4
    if img is None or img.ndim != 2 or not img.shape[0] or img.shape[0] % step or img.shape[1] < SHEET_LABEL:
        return False
    bands = img.reshape(-1, step, img.shape[1])[:, SHEET_ROW:]  # (near white: a JPEG's too)
    return bool(bands.mean(axis=(1, 2), dtype=np.float64).min() >= 240.0)


def _not_a_file(p) -> str:
    """What stands at ``p`` when it is not a regular file, nor a link to one ("" when it is one,
    or nothing is there): a page of the sheet is renamed over its name."""
    import os
    import stat

    from livecut.atomic import special_kind

    try:
        mode = os.stat(p).st_mode
    except (OSError, ValueError):
        return ""
    # (a FIFO in the words of every other message: it was "a named pipe" here alone)
    return ("" if stat.S_ISREG(mode) else "a folder" if stat.S_ISDIR(mode)
            else special_kind(mode) or "a special file")


def _check_page_name(sheet, page) -> None:
    """Refuse a page of the sheet whose name is longer than a file's may be: NAME-2.png, two bytes
    more than NAME.png, was refused by the system once every photo was scored, exit 1."""
    from livecut.atomic import NAME_MAX, name_too_long
    from livecut.errors import UsageError

    if name_too_long(page.name):
        raise UsageError(f"--sheet {sheet}: {page} is a file name too long (over {NAME_MAX} bytes)")


def check_sheet_path(path) -> None:
    """Refuse a ``--sheet`` path that cannot be written, before the evaluation starts."""
    import os
    from pathlib import Path

    from livecut.atomic import name_too_long
    from livecut.errors import UsageError

    import cv2

    p = Path(path)
    if os.path.isdir(p):  # (before its type: a folder, 'sheets/', was "not a colour picture OpenCV can write")
        raise UsageError(f"--sheet {p}: is a folder; --sheet takes a picture's file name, e.g. {p / 'sheet.png'}")
    if str(path).endswith(("/", os.sep)):  # (a folder's name: 'new.png/' wrote the picture new.png)
        raise UsageError(f"--sheet {path}: ends in '/', a folder's name; --sheet takes a picture's file name, "
                         f"e.g. {p if p.suffix else p.with_suffix('.png')}")
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # (its refusal is ours to say)
    try:  # (a colour picture of that type: .pbm and .pgm take gray only)
        ok = bool(p.suffix) and cv2.imencode(p.suffix, np.zeros((8, 8, 3), np.uint8))[0]
    except cv2.error:
        ok = False
    finally:
        cv2.utils.logging.setLogLevel(level)
    if not ok:
        raise UsageError(f"--sheet {p}: not a colour picture OpenCV can write (give e.g. a .png or .jpg file)")
    _check_page_name(p, p)  # (p.is_dir() raised: "internal error: OSError", exit 1)
    if name_too_long(p.parent):  # (a folder's name, likewise)
        raise UsageError(f"--sheet {p}: file name too long")
    if not p.parent.is_dir():  # (a file or named pipe there was said "no folder" too)
        there = os.path.lexists(p.parent)
        raise UsageError(f"--sheet {p}: {p.parent} is not a folder" if there else f"--sheet {p}: no folder {p.parent}")
    from livecut.errors import WriteError

    if not os.access(p.parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise WriteError(f"--sheet {p}: cannot write there (read-only folder or file); "
                         "give a path in a writable folder")


def _write_sheet(path, rows: list[np.ndarray], name=None) -> None:
    """Write the page ``rows`` to ``path``; an error names ``name`` (the page's final name)."""
    from pathlib import Path

    import cv2

    from livecut.atomic import io_reason
    from livecut.errors import LivecutError, WriteError

    width = max(r.shape[1] for r in rows)
    padded = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    # (encoded in memory, then written: cv2.imwrite to a full disk printed libpng's own 'libpng
    # error: Write Error' and said no more than False)
    try:
        ok, buf = cv2.imencode(Path(path).suffix, np.vstack(padded))
    except cv2.error as exc:
        raise LivecutError(f"{name or path}: could not write the sheet "
                           f"({str(exc).strip().splitlines()[-1]})") from None
    if not ok:
        raise LivecutError(f"{name or path}: could not write the sheet")
    try:
        with open(path, "wb") as fh:
            fh.write(memoryview(buf.reshape(-1)))
    except OSError as exc:
        raise WriteError(f"{name or path}: could not write the sheet ({io_reason(exc)})") from None


def _columns(text: str) -> int:
    """The columns ``text`` takes on a terminal: two for a wide character (Chinese, Japanese,
    Korean), none for a combining one (a Mac's decomposed accent), one for any other."""
    import unicodedata

    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def _name_cell(name: str, n: int) -> str:
    """``name`` padded to ``n`` terminal columns (:func:`_columns`; it was padded to ``n``
    characters: a name of wide or combining ones put its scores out of line)."""
    return name + " " * max(0, n - _columns(name))


def format_table(result: dict) -> str:
    model = f" (model: {result['model']})" if result.get("model") else ""
    lines = [f"method: {result['method']}{model}   images: {result['count']}"
             + (f"   segmented as: {result['as']}" if result.get("as") else "")]
    scales = result.get("scales") or [{"scale": 1.0, "images": result["images"], "mean": result["mean"]}]
    if len(scales) == 1:
        if scales[0]["scale"] != 1.0:  # (`--scales 2` printed the table of x1's, the scale nowhere)
            lines[0] += f"   scale: x{scales[0]['scale']:g}"
        from livecut.errors import one_line

        # (names as an error line says them: a newline in one broke its row in two, and a byte
        # that is not UTF-8, caf\xe9.png, written raw was a UnicodeEncodeError on a UTF-8
        # terminal, the whole table lost, exit 1)
        shown = [one_line(r["name"]) for r in result["images"]]
        # (the longest name's width: a longer one than 24 pushed its numbers out of line)
        n = max([24, *(_columns(name) for name in shown)])
        lines.append(f"{'image':{n}s} {'IoU':>6s} {'F':>6s} {'MAE':>6s} {'ms':>7s}")
        for name, r in zip(shown, result["images"]):
            lines.append(f"{_name_cell(name, n)} {r['iou']:6.3f} {r['f']:6.3f} {r['mae']:6.3f} {r['ms']:7.1f}")
        m = result["mean"]
        lines.append(f"{'mean':{n}s} {m['iou']:6.3f} {m['f']:6.3f} {m['mae']:6.3f} {m['ms']:7.1f}")
        return "\n".join(lines)
    lines.append(f"{'scale':24s} {'IoU':>6s} {'F':>6s} {'MAE':>6s} {'ms':>7s}   (means over the images)")
    for sc in scales:
        m = sc["mean"]
        lines.append(f"{'x' + format(sc['scale'], 'g'):24s} {m['iou']:6.3f} {m['f']:6.3f} {m['mae']:6.3f} {m['ms']:7.1f}")
    return "\n".join(lines)
