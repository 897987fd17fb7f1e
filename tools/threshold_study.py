#!/usr/bin/env python3
"""Can a photo's best decision level be read from its own focus probabilities?

    python tools/threshold_study.py ../shared/datasets/cuhk-native [--scale 1] [--set KEY=VALUE ...]

For every photo of the fitting and tuning splits (``livecut/models/cuhk_split.json``) the mask
is made as ``livecut image`` makes it at each of 11 levels (``segment.threshold`` 0.20-0.70)
and scored (IoU, as ``livecut eval``); the network's probability at the default level's run is
summarised (a 20-bin histogram, its cumulative sums, mean, spread and percentiles).  A ridge
regression fitted on the fitting photos predicts each level's gain over 0.45 from that
summary and a photo takes the level of the largest predicted gain (kept at 0.45 unless the
gain passes a margin).  Reported: 5-fold cross-validation on the fitting photos and the
tuning photos, for a few regularisations and margins, against the fixed level and the best
level chosen afterwards (which no method can know).  (The fitting photos are the network's
own, where its probabilities are surer than on photos it has not seen: the tuning photos are
the test.)  The validation photos take no part.
(The result, in the README's "Where the gap to IoU 0.85 lies": no gain.)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from livecut.config import load_config  # noqa: E402
from livecut.evaluate import list_images, match_masks, read_truth, rescale, score  # noqa: E402
from livecut.images import photo_mask  # noqa: E402
from livecut.segment import Segmenter  # noqa: E402
from livecut.segment import net as focusnet  # noqa: E402
from clip_metrics import check_dataset  # noqa: E402  (tools/, this script's folder)

LEVELS = [round(0.20 + 0.05 * i, 2) for i in range(11)]
BASE = 0.45


def measure(dataset: Path, names: list[str], scale: float, overrides: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(IoU per photo and level, probability summary per photo)."""
    segs = {t: Segmenter(load_config(None, [*overrides, f"segment.threshold={t}"]), still=True) for t in LEVELS}
    owner = next(c for c in vars(focusnet).values() if isinstance(c, type) and "_to_alpha" in vars(c))
    real = owner._to_alpha
    seen: list[np.ndarray] = []

    def capture(self, prob, mask):
        seen.append(prob.copy())
        return real(self, prob, mask)

    # (a wrong path, or a folder without the split's photos, was a traceback: KeyError 'out_of_focus0002.jpg')
    check_dataset(dataset, "threshold_study")
    images = list_images(dataset / "images")
    masks = list_images(dataset / "masks", masks=True)
    pairs = {Path(i).name: m for _, i, m in match_masks(images, dataset / "images", masks, dataset / "masks")[0]}
    missing = [name for name in names if name not in pairs]
    if missing:
        raise SystemExit(f"threshold_study: {dataset}: {len(missing)} of the split's {len(names)} photos have no "
                         f"photo in images/ with its mask in masks/, e.g. {missing[0]}")
    ious, summary = [], []
    for name in names:
        img = cv2.imread(str(dataset / "images" / name), cv2.IMREAD_COLOR)
        if img is None:
            raise SystemExit(f"threshold_study: {dataset / 'images' / name}: cannot be read")
        gt = read_truth(pairs[name])
        if scale != 1:
            img = rescale(img, scale)
        row = []
        for t in LEVELS:
            owner._to_alpha = capture if t == BASE else real
            try:
                a = photo_mask(segs[t], img)[0]
            finally:
                owner._to_alpha = real
            if a.shape != gt.shape:
                a = cv2.resize(a, (gt.shape[1], gt.shape[0]), interpolation=cv2.INTER_LINEAR)
            row.append(score(a, gt).iou)
        p = seen[-1]
        hist = np.histogram(p, bins=20, range=(0, 1))[0] / p.size
        stats = [p.mean(), p.std(), *np.percentile(p, (10, 50, 90))]
        summary.append(np.hstack([hist, np.cumsum(hist), stats, 1.0]))
        ious.append(row)
    return np.array(ious), np.array(summary)


def ridge(f: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    return np.linalg.solve(f.T @ f + lam * np.eye(f.shape[1]), f.T @ y)


def chosen(f: np.ndarray, w: np.ndarray, margin: float) -> np.ndarray:
    gain = f @ w
    return np.where(gain.max(1) > margin, gain.argmax(1), LEVELS.index(BASE))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", type=Path, help="cuhk-native: images/ and masks/")
    ap.add_argument("--scale", type=float, default=1.0, help="photos rescaled as livecut eval --scales does")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a config override")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    split = json.loads((ROOT / "livecut" / "models" / "cuhk_split.json").read_text())
    t0 = time.time()
    yf, ff = measure(args.dataset, split["fit"], args.scale, args.set)
    yt, ft = measure(args.dataset, split["tune"], args.scale, args.set)
    b = LEVELS.index(BASE)
    print(f"{len(yf)} fitting and {len(yt)} tuning photos at x{args.scale:g} in {time.time() - t0:.0f} s")
    print(f"mean IoU by level {LEVELS}:\n  fitting {np.round(yf.mean(0), 4)}\n  tuning  {np.round(yt.mean(0), 4)}")
    print(f"fixed {BASE}: fitting {yf[:, b].mean():.4f}, tuning {yt[:, b].mean():.4f}; best level per photo "
          f"afterwards: {yf.max(1).mean():.4f}, {yt.max(1).mean():.4f}")
    folds = np.random.default_rng(0).permutation(len(yf)) % 5
    for lam in (0.01, 0.1, 1.0, 10.0):
        for margin in (0.0, 0.01, 0.02):
            cv = np.zeros(len(yf))
            for k in range(5):
                tr, te = folds != k, folds == k
                w = ridge(ff[tr], yf[tr] - yf[tr, b:b + 1], lam)
                cv[te] = yf[te][np.arange(te.sum()), chosen(ff[te], w, margin)]
            w = ridge(ff, yf - yf[:, b:b + 1], lam)
            tune = yt[np.arange(len(yt)), chosen(ft, w, margin)].mean()
            print(f"ridge {lam:5g}, margin {margin:.2f}: fitting (5-fold) {cv.mean():.4f} "
                  f"({cv.mean() - yf[:, b].mean():+.4f}), tuning {tune:.4f} ({tune - yt[:, b].mean():+.4f})")


if __name__ == "__main__":
    main()
