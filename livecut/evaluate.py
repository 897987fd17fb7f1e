"""Quality measures against ground-truth masks (the definitions of the dev set's README).

- IoU of the alpha binarized at 128 against the ground truth (>= 128 is in focus).
- F-measure with beta^2 = 0.3, in-focus as the positive class, alpha binarized at 128.
- MAE: mean |alpha/255 - gt| with gt in {0, 1}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BETA2 = 0.3


@dataclass(frozen=True)
class Scores:
    iou: float
    f: float
    mae: float


def score(alpha: np.ndarray, gt: np.ndarray) -> Scores:
    """Score one uint8 alpha against a ground-truth mask of the same size."""
    if alpha.shape != gt.shape:
        raise ValueError(f"alpha {alpha.shape} and ground truth {gt.shape} differ in size")
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
    mae = float(np.mean(np.abs(alpha.astype(np.float32) / 255.0 - truth.astype(np.float32))))
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
    h, w = img.shape[:2]
    size = (max(8, int(round(w * s))), max(8, int(round(h * s))))
    return cv2.resize(img, size, interpolation=cv2.INTER_CUBIC if s > 1 else cv2.INTER_AREA)


def soften(img: np.ndarray, f: float) -> np.ndarray:
    """``img`` at its own size with its detail above pixel scale, as a soft camera or an
    enlarged small picture shows a scene: reduced by ``f`` (area) and enlarged back (cubic)."""
    import cv2

    if f <= 1.0:
        return img
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(8, int(round(w / f))), max(8, int(round(h / f)))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def parse_scales(text: str) -> tuple[float, ...]:
    """``"0.5,1,2"`` -> ``(0.5, 1.0, 2.0)``; a usage error names what is wrong."""
    import math

    from livecut.errors import UsageError

    out = []
    for part in text.split(","):
        part = part.strip().lstrip("xX")
        try:
            v = float(part)
        except ValueError:
            raise UsageError(f"--scales: {part!r} is not a number") from None
        if not math.isfinite(v) or not 0.05 <= v <= 8.0:
            raise UsageError(f"--scales: {part!r} is outside 0.05 .. 8")
        if v not in out:  # (a repeated scale would count every image twice)
            out.append(v)
    return tuple(out)


def read_subset(spec: str) -> set[str]:
    """Names to keep: ``FILE.json:KEY`` (a list under KEY), ``FILE.json`` (a list) or a
    text file with one name a line.  Names match with or without their extension."""
    import json
    from pathlib import Path

    from livecut.errors import UsageError

    path, key = spec.rsplit(":", 1) if ".json:" in spec else (spec, "")
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"--subset: {path}: no such file")
    text = p.read_text(encoding="utf-8", errors="replace")
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"--subset: {path}: not JSON ({exc})") from None
        if key:
            if not isinstance(data, dict) or key not in data:
                raise UsageError(f"--subset: {path} has no list {key!r}")
            data = data[key]
        if not isinstance(data, list):
            raise UsageError(f"--subset: {path}{':' + key if key else ''} is not a list of names")
        names = [str(n) for n in data]
    else:
        names = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return {Path(n).stem for n in names}


def _read_gt(mask_path):
    import cv2

    from livecut.imageio import read_image

    gt = read_image(mask_path)
    # 8 bits first (a 16-bit mask in colour too), then one channel
    if gt.dtype == np.uint16:
        gt = (gt >> 8).astype(np.uint8)
    elif gt.dtype != np.uint8:
        gt = gt.astype(np.uint8)
    if gt.ndim == 3:
        gt = cv2.cvtColor(gt[:, :, :3], cv2.COLOR_BGR2GRAY) if gt.shape[2] >= 3 else gt[:, :, 0]
    return gt


def evaluate_folder(images_dir, masks_dir, cfg, scales=(1.0,), subset: set[str] | None = None,
                    sheet=None, progress=None, video: bool = False, i420: bool = False,
                    soft: float = 1.0) -> dict:
    """Run the segmenter on every image of ``images_dir`` that has a mask of the same stem,
    at each of ``scales`` (the photo rescaled: cubic up, area down; the alpha scored
    against the native truth, resized back to it).

    Returns ``{"method", "count", "images": [...], "mean": {...}, "scales": [{"scale",
    "images": [{name, iou, f, mae, ms}], "mean": {...}}], "errors"}``; ``images`` and
    ``mean`` at the top are those of the first scale.  ``sheet``: a PNG path that gets one
    row per photo (image | truth | mask | cutout on grey) at the first scale.
    ``progress(done, total)`` is called after each image.  ``video``: segment each photo
    as a video frame is (``Segmenter(still=False)``: the gray guided refinement, no
    mirrored pass with ``segment.tta=auto``), not as ``livecut image`` does.  ``i420``: hand the segmenter
    the photo as planar YUV 4:2:0 (:meth:`Segmenter.mask_i420`, the transcode path; the
    photo is cropped to even sides and the last row/column of the alpha repeated).
    ``soft``: soften each photo by this factor first (:func:`soften`; 1 = as it is).
    """
    import time
    from pathlib import Path

    import cv2

    from livecut.errors import LivecutError, UsageError
    from livecut.imageio import IMAGE_EXTS, read_image, to_bgr8
    from livecut.segment import Segmenter, each_frame_judged

    images_dir, masks_dir = Path(images_dir), Path(masks_dir)
    for d in (images_dir, masks_dir):
        if not d.is_dir():
            raise UsageError(f"{d}: not a folder")
    scales = tuple(dict.fromkeys(float(s) for s in scales))
    if not scales or any(not (0.05 <= s <= 8.0) for s in scales):
        raise UsageError("--scales: each scale must be between 0.05 and 8")
    if sheet is not None:
        check_sheet_path(sheet)

    def listed(d: Path) -> list[Path]:  # (names starting with a dot: macOS ._* files, hidden files)
        return [p for p in d.iterdir() if p.suffix.lower() in IMAGE_EXTS and not p.name.startswith(".")]

    masks = {p.stem: p for p in listed(masks_dir)}
    images = sorted(listed(images_dir))
    if subset is not None:
        images = [p for p in images if p.stem in subset]
    pairs = [(p, masks[p.stem]) for p in images if p.stem in masks]
    unmatched = [p.name for p in images if p.stem not in masks]
    if not pairs:
        raise UsageError(f"no image in {images_dir} has a mask of the same name in {masks_dir}"
                         + (" (in the subset)" if subset is not None else ""))
    rows: dict[float, list[dict]] = {s: [] for s in scales}
    errors: list[str] = []
    segs: dict[float, Segmenter] = {}
    sheet_rows = []
    warmed: set[tuple] = set()
    for i, (img_path, mask_path) in enumerate(pairs):
        try:
            bgr, _ = to_bgr8(read_image(img_path))
            gt = _read_gt(mask_path)
            if gt.shape == bgr.shape[1::-1] and gt.shape != bgr.shape[:2]:
                # a truth drawn on the photo as stored, not as its EXIF orientation turns it
                bgr, _ = to_bgr8(read_image(img_path, upright=False))
        except LivecutError as exc:  # one unreadable pair does not stop the evaluation
            errors.append(str(exc))
            continue
        if gt.shape != bgr.shape[:2]:
            gt = cv2.resize(gt, (bgr.shape[1], bgr.shape[0]), interpolation=cv2.INTER_NEAREST)
        bgr = soften(bgr, soft)
        for s in scales:
            if s not in segs:
                # as `livecut image` (or a video frame); each photo judged on its own: no
                # judgement reused from the photo before (segment.still, segment.every)
                segs[s] = Segmenter(each_frame_judged(cfg), still=not video)
            seg = segs[s]
            frame = rescale(bgr, s)
            if i420:
                fh, fw = frame.shape[:2]
                frame = cv2.cvtColor(frame[:fh // 2 * 2, :fw // 2 * 2], cv2.COLOR_BGR2YUV_I420)
            run = seg.mask_i420 if i420 else seg.mask
            key = (s, frame.shape)
            if key not in warmed:  # buffers and the network are set up outside the timing
                run(frame)
                warmed.add(key)
            seg.reset()  # each photo on its own, whatever the order
            t0 = time.perf_counter()
            alpha = run(frame)
            ms = (time.perf_counter() - t0) * 1e3
            if i420 and alpha.shape != (fh, fw):
                alpha = cv2.copyMakeBorder(alpha, 0, fh - alpha.shape[0], 0, fw - alpha.shape[1],
                                           cv2.BORDER_REPLICATE)
            if alpha.shape != gt.shape:
                up = alpha.shape[0] < gt.shape[0]
                alpha = cv2.resize(alpha, (gt.shape[1], gt.shape[0]),
                                   interpolation=cv2.INTER_LINEAR if up else cv2.INTER_AREA)
            sc = score(alpha, gt)
            rows[s].append({"name": img_path.name, "iou": sc.iou, "f": sc.f, "mae": sc.mae, "ms": ms})
            if sheet is not None and s == scales[0]:
                sheet_rows.append(_sheet_row(bgr, gt, alpha))
        if progress is not None:
            progress(i + 1, len(pairs))
    if not rows[scales[0]]:
        raise UsageError("no image could be evaluated: " + "; ".join(errors))
    per_scale = []
    for s in scales:
        mean = {k: float(np.mean([r[k] for r in rows[s]])) for k in ("iou", "f", "mae", "ms")}
        per_scale.append({"scale": s, "images": rows[s], "mean": mean})
    if sheet is not None:
        try:  # (the scores stand without the picture)
            _write_sheet(sheet, sheet_rows)
        except LivecutError as exc:
            errors.append(str(exc))
    as_ = ("video frames" if video else "photos") + (", I420" if i420 else "") + \
        (f", softened {soft:g}x" if soft > 1.0 else "")
    return {"method": cfg.segment.method, "as": as_,
            "count": len(rows[scales[0]]), "images": per_scale[0]["images"],
            "mean": per_scale[0]["mean"], "scales": per_scale, "errors": errors,
            "without_mask": unmatched}


#: height of one row of the contact sheet
SHEET_ROW = 180


def _sheet_row(bgr: np.ndarray, gt: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """image | truth | mask | cutout on grey, each scaled to SHEET_ROW pixels high."""
    import cv2

    h, w = bgr.shape[:2]
    tw = max(1, int(round(w * SHEET_ROW / h)))
    img = cv2.resize(bgr, (tw, SHEET_ROW), interpolation=cv2.INTER_AREA)
    a = cv2.resize(alpha, (tw, SHEET_ROW), interpolation=cv2.INTER_AREA)
    t = cv2.resize(gt, (tw, SHEET_ROW), interpolation=cv2.INTER_AREA)
    af = (a.astype(np.float32) / 255.0)[:, :, None]
    cut = (img * af + 128 * (1 - af)).astype(np.uint8)
    gap = np.full((SHEET_ROW, 4, 3), 255, np.uint8)
    parts = [img, gap, cv2.cvtColor(t, cv2.COLOR_GRAY2BGR), gap, cv2.cvtColor(a, cv2.COLOR_GRAY2BGR), gap, cut]
    return np.hstack(parts)


def check_sheet_path(path) -> None:
    """Refuse a ``--sheet`` path that cannot be written, before the evaluation starts."""
    from pathlib import Path

    from livecut.errors import UsageError

    import cv2

    p = Path(path)
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
    if not p.parent.is_dir():
        raise UsageError(f"--sheet {p}: no folder {p.parent}")
    if p.is_dir():
        raise UsageError(f"--sheet {p}: is a folder")
    import os

    from livecut.errors import WriteError

    if not os.access(p.parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise WriteError(f"--sheet {p}: cannot write there (read-only folder or file); "
                         "give a path in a writable folder")


def _write_sheet(path, rows: list[np.ndarray]) -> None:
    import cv2

    from livecut.errors import LivecutError

    width = max(r.shape[1] for r in rows)
    padded = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    try:
        ok = cv2.imwrite(str(path), np.vstack(padded))
    except cv2.error as exc:
        raise LivecutError(f"{path}: could not write the sheet ({str(exc).strip().splitlines()[-1]})") from None
    if not ok:
        raise LivecutError(f"{path}: could not write the sheet")


def format_table(result: dict) -> str:
    lines = [f"method: {result['method']}   images: {result['count']}"
             + (f"   segmented as: {result['as']}" if result.get("as") else "")]
    scales = result.get("scales") or [{"scale": 1.0, "images": result["images"], "mean": result["mean"]}]
    if len(scales) == 1:
        lines.append(f"{'image':24s} {'IoU':>6s} {'F':>6s} {'MAE':>6s} {'ms':>7s}")
        for r in result["images"]:
            lines.append(f"{r['name']:24s} {r['iou']:6.3f} {r['f']:6.3f} {r['mae']:6.3f} {r['ms']:7.1f}")
        m = result["mean"]
        lines.append(f"{'mean':24s} {m['iou']:6.3f} {m['f']:6.3f} {m['mae']:6.3f} {m['ms']:7.1f}")
        return "\n".join(lines)
    lines.append(f"{'scale':24s} {'IoU':>6s} {'F':>6s} {'MAE':>6s} {'ms':>7s}   (means over the images)")
    for sc in scales:
        m = sc["mean"]
        lines.append(f"{'x' + format(sc['scale'], 'g'):24s} {m['iou']:6.3f} {m['f']:6.3f} {m['mae']:6.3f} {m['ms']:7.1f}")
    return "\n".join(lines)
