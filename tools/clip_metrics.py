#!/usr/bin/env python3
"""The video pipeline on clips made from real photos (cuhk-native), with per-frame truth.

    python tools/clip_metrics.py ../shared/datasets/cuhk-native [--photos 20] [--set KEY=VALUE ...]

Each photo of the validation split (``livecut/models/cuhk_split.json:val``; the first
``--photos`` by name) is enlarged 2.2x (cubic, about an HD frame's scale) and three 40-frame
1280x720 clips are cut from it, each frame with fresh sensor noise (sigma 2.5 levels):

- ``still``: a tripod shot (the same window every frame);
- ``slow_pan``: the window drifts 0.5 px a frame (sub-pixel, bilinear);
- ``pan``: the window moves 3 px a frame.

They run through ``Segmenter`` + ``MaskSmoother`` as ``livecut file`` does.  Reported per
clip kind: mean IoU against the moved truth (alpha >= 128), flicker (mean absolute mask
change between frames, 0-1; on ``still`` it is all noise), the share of frames on which
focus was judged anew (``segment.still`` / ``segment.every`` reuse a judgement on the
others) and the mean ms per frame.  The photos are only reported on, never chosen on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from livecut.config import load_config  # noqa: E402
from livecut.evaluate import flicker, score  # noqa: E402
from livecut.segment import Segmenter  # noqa: E402
from livecut.smooth import MaskSmoother  # noqa: E402

W, H, N = 1280, 720, 40
ENLARGE = 2.2
NOISE = 2.5
SPEEDS = {"still": 0.0, "slow_pan": 0.5, "pan": 3.0}


def clip(img: np.ndarray, gt: np.ndarray, speed: float, rng) -> tuple[list, list]:
    big = cv2.resize(img, None, fx=ENLARGE, fy=ENLARGE, interpolation=cv2.INTER_CUBIC)
    tbig = cv2.resize(gt, (big.shape[1], big.shape[0]), interpolation=cv2.INTER_LINEAR)
    bh, bw = big.shape[:2]
    if bh < H or bw < W + speed * N:  # portrait photos: enlarge until the window fits
        s = max(H / bh, (W + speed * N + 1) / bw)
        big = cv2.resize(big, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)
        tbig = cv2.resize(tbig, (big.shape[1], big.shape[0]), interpolation=cv2.INTER_LINEAR)
        bh, bw = big.shape[:2]
    y0 = (bh - H) // 2
    frames, truth = [], []
    noise = np.empty((H, W, 3), np.float32)
    for i in range(N):
        M = np.float32([[1, 0, -speed * i], [0, 1, -y0]])
        f = cv2.warpAffine(big, M, (W, H), flags=cv2.INTER_LINEAR)
        t = cv2.warpAffine(tbig, M, (W, H), flags=cv2.INTER_LINEAR)
        noise[...] = rng.normal(0.0, NOISE, noise.shape)
        frames.append(cv2.add(f, noise, dtype=cv2.CV_8U))
        truth.append(np.where(t >= 128, 255, 0).astype(np.uint8))
    return frames, truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="cuhk-native folder (images/, masks/)")
    ap.add_argument("--photos", type=int, default=20)
    ap.add_argument("--set", action="append", default=[], dest="sets", metavar="KEY=VALUE")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    cfg = load_config(None, args.sets)
    names = json.loads((ROOT / "livecut" / "models" / "cuhk_split.json").read_text())["val"][:args.photos]
    rng = np.random.default_rng(7)
    rows: dict[str, dict[str, list[float]]] = {k: {} for k in SPEEDS}
    for name in names:
        img = cv2.imread(str(args.data / "images" / name), cv2.IMREAD_COLOR)
        gt = cv2.imread(str(args.data / "masks" / (Path(name).stem + ".png")), cv2.IMREAD_GRAYSCALE)
        for kind, speed in SPEEDS.items():
            frames, truth = clip(img, gt, speed, rng)
            seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
            masks, ms = [], []
            for f in frames:
                t0 = time.perf_counter()
                masks.append(seg.mask(f).copy())
                ms.append((time.perf_counter() - t0) * 1e3)
            r = rows[kind]
            r.setdefault("iou", []).append(float(np.mean([score(m, t).iou for m, t in zip(masks, truth)])))
            r.setdefault("flicker", []).append(flicker(masks))
            r.setdefault("judged", []).append(getattr(seg.method, "judged", len(frames)) / len(frames))
            r.setdefault("ms", []).append(float(np.mean(ms[1:])))
    out = {kind: {k: float(np.mean(v)) for k, v in r.items()} for kind, r in rows.items()}
    out["photos"] = len(names)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{len(names)} validation photos, {N}-frame {W}x{H} clips, noise sigma {NOISE}")
    for kind in SPEEDS:
        v = out[kind]
        print(f"{kind:9s} IoU {v['iou']:.4f}  flicker {v['flicker']:.5f}  judged {v['judged']:.2f}  "
              f"{v['ms']:.1f} ms/frame")


if __name__ == "__main__":
    main()
