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


def evaluate_folder(images_dir, masks_dir, cfg) -> dict:
    """Run the segmenter on every image of ``images_dir`` that has a mask of the same stem.

    Returns ``{"images": [{name, iou, f, mae, ms}], "mean": {...}, "method": ...}``.
    """
    import time
    from pathlib import Path

    import cv2

    from livecut.errors import LivecutError, UsageError
    from livecut.imageio import IMAGE_EXTS, read_image, to_bgr8
    from livecut.segment import Segmenter

    images_dir, masks_dir = Path(images_dir), Path(masks_dir)
    for d in (images_dir, masks_dir):
        if not d.is_dir():
            raise UsageError(f"{d}: not a folder")
    masks = {p.stem: p for p in masks_dir.iterdir() if p.suffix.lower() in IMAGE_EXTS}
    images = sorted(p for p in images_dir.iterdir() if p.suffix.lower() in IMAGE_EXTS)
    pairs = [(p, masks[p.stem]) for p in images if p.stem in masks]
    if not pairs:
        raise UsageError(f"no image in {images_dir} has a mask of the same name in {masks_dir}")
    seg = Segmenter(cfg, still=True)  # still photos: as `livecut image` does
    rows, errors = [], []
    for img_path, mask_path in pairs:
        try:
            bgr, _ = to_bgr8(read_image(img_path))
            gt = read_image(mask_path)
        except LivecutError as exc:  # one unreadable pair does not stop the evaluation
            errors.append(str(exc))
            continue
        # 8 bits first (a 16-bit mask in colour too), then one channel
        if gt.dtype == np.uint16:
            gt = (gt >> 8).astype(np.uint8)
        elif gt.dtype != np.uint8:
            gt = gt.astype(np.uint8)
        if gt.ndim == 3:
            gt = cv2.cvtColor(gt[:, :, :3], cv2.COLOR_BGR2GRAY) if gt.shape[2] >= 3 else gt[:, :, 0]
        if gt.shape != bgr.shape[:2]:
            gt = cv2.resize(gt, (bgr.shape[1], bgr.shape[0]), interpolation=cv2.INTER_NEAREST)
        t0 = time.perf_counter()
        alpha = seg.mask(bgr)
        ms = (time.perf_counter() - t0) * 1e3
        s = score(alpha, gt)
        rows.append({"name": img_path.name, "iou": s.iou, "f": s.f, "mae": s.mae, "ms": ms})
    if not rows:
        raise UsageError("no image could be evaluated: " + "; ".join(errors))
    mean = {k: float(np.mean([r[k] for r in rows])) for k in ("iou", "f", "mae", "ms")}
    return {"method": cfg.segment.method, "count": len(rows), "images": rows, "mean": mean,
            "errors": errors}


def format_table(result: dict) -> str:
    lines = [f"method: {result['method']}   images: {result['count']}",
             f"{'image':24s} {'IoU':>6s} {'F':>6s} {'MAE':>6s} {'ms':>7s}"]
    for r in result["images"]:
        lines.append(f"{r['name']:24s} {r['iou']:6.3f} {r['f']:6.3f} {r['mae']:6.3f} {r['ms']:7.1f}")
    m = result["mean"]
    lines.append(f"{'mean':24s} {m['iou']:6.3f} {m['f']:6.3f} {m['mae']:6.3f} {m['ms']:7.1f}")
    return "\n".join(lines)
