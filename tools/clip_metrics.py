#!/usr/bin/env python3
"""The video pipeline on clips made from real photos (cuhk-native), with per-frame truth.

    python tools/clip_metrics.py ../shared/datasets/cuhk-native [--photos 20] [--set KEY=VALUE ...]
        [--split val|tune] [--noise SIGMA] [--crf Q] [--kinds still,slow_pan,pan] [--size WxH]

Each photo of the validation split (``livecut/models/cuhk_split.json:val``, or ``--split
tune`` to choose on; the first ``--photos`` by name) is enlarged 2.2x (cubic, about an HD
frame's scale) and three 40-frame 1280x720 clips are cut from it, each frame with fresh
sensor noise (sigma 2.5 levels, or ``--noise``; ``--crf``: the clip then goes through
H.264 at that quality, as a camera's or a phone's recording does, and is decoded back;
``--size 640x360``: clips of that size, the photo enlarged in proportion, 1.1x for 640 px
wide -- about its own scale, a frame whose cues are measured at full resolution; the pans
keep their speeds in pixels, and a photo is enlarged further where the window and its
travel do not fit). Photos and masks are read as ``livecut eval`` reads them (``masks/NAME.*``
of any image type; a 0/1, 16-bit, colour or palette mask: :func:`livecut.evaluate.read_truth`):

- ``still``: a tripod shot (the same window every frame);
- ``slow_pan``: the window drifts 0.5 px a frame (sub-pixel, bilinear);
- ``pan``: the window moves 3 px a frame;
- ``fast_pan`` (only when ``--kinds`` names it): 12 px a frame.

They run through ``Segmenter`` + ``MaskSmoother`` as ``livecut file`` does.  Reported per
clip kind: mean IoU against the moved truth (alpha >= 128), flicker (mean absolute mask
change between frames, 0-1; on ``still`` it is all noise), the flicker beyond the pan's own
motion (``moved``: each mask against the one before moved with the picture), the share of frames on which
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
from livecut.evaluate import MASK_ONLY_EXTS, flicker, read_truth, score  # noqa: E402
from livecut.imageio import IMAGE_EXTS, read_image, to_bgr8  # noqa: E402
from livecut.segment import Segmenter  # noqa: E402
from livecut.smooth import MaskSmoother  # noqa: E402

W, H, N = 1280, 720, 40
ENLARGE = 2.2
NOISE = 2.5
SPEEDS = {"still": 0.0, "slow_pan": 0.5, "pan": 3.0}
#: kinds run only when --kinds names them (not in the default set, whose draws of noise the
#: numbers of earlier runs were made with)
EXTRA = {"fast_pan": 12.0}


def moved_flicker(masks: list[np.ndarray], speed: float) -> float:
    """Flicker beyond the pan's own motion: the mean absolute change (0-1) of each mask from
    the one before moved with the picture (``speed`` px a frame to the left), the columns the
    pan brings in left out.  A mask that follows the picture exactly scores 0 on any pan."""
    if len(masks) < 2:
        return 0.0
    h, w = masks[0].shape
    keep = w - int(np.ceil(speed)) - 1
    M = np.float32([[1, 0, -speed], [0, 1, 0]])
    diffs = []
    for a, b in zip(masks[:-1], masks[1:]):
        moved = cv2.warpAffine(a.astype(np.float32), M, (w, h), flags=cv2.INTER_LINEAR) if speed else a
        diffs.append(float(np.mean(np.abs(moved[:, :keep] - b[:, :keep].astype(np.float32)))) / 255.0)
    return float(np.mean(diffs))


def clip(img: np.ndarray, gt: np.ndarray, speed: float, rng, sigma: float = NOISE) -> tuple[list, list]:
    enlarge = ENLARGE * W / 1280
    big = cv2.resize(img, None, fx=enlarge, fy=enlarge, interpolation=cv2.INTER_CUBIC)
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
        noise[...] = rng.normal(0.0, sigma, noise.shape)
        frames.append(cv2.add(f, noise, dtype=cv2.CV_8U))
        truth.append(np.where(t >= 128, 255, 0).astype(np.uint8))
    return frames, truth


def load_pair(data: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(BGR photo, truth 0/255) of ``data/images/NAME`` and its mask ``data/masks/STEM.*`` (any
    image type, any letter case), read as ``livecut eval`` reads them; a missing or unreadable
    file, or a mask of another size, ends the run with a line naming it."""
    from livecut.errors import LivecutError

    stem = Path(name).stem.casefold()
    masks = sorted(p for p in (data / "masks").iterdir()
                   if p.stem.casefold() == stem and p.suffix.lower() in IMAGE_EXTS + MASK_ONLY_EXTS) \
        if (data / "masks").is_dir() else []
    if len(masks) != 1:
        raise SystemExit(f"clip_metrics: {data / 'masks'}: " + (f"no mask of {name}" if not masks else
                         f"more than one mask of {name}: {', '.join(p.name for p in masks)}"))
    try:
        img, _ = to_bgr8(read_image(data / "images" / name))
        gt = read_truth(masks[0])
    except LivecutError as exc:
        raise SystemExit(f"clip_metrics: {exc}") from None
    if gt.shape != img.shape[:2]:
        raise SystemExit(f"clip_metrics: {masks[0]}: the mask is {gt.shape[1]}x{gt.shape[0]}, its photo "
                         f"{img.shape[1]}x{img.shape[0]}")
    return img, gt


def through_h264(frames: list[np.ndarray], crf: int, threads: int = 0) -> list[np.ndarray]:
    """``frames`` encoded as H.264 (yuv420p, crf ``crf``, preset veryfast; ``threads`` x264
    threads, 0: its choice, which follows the CPU count -- and so does its output) and decoded
    back."""
    import io

    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        st = out.add_stream("libx264", rate=25, options={"crf": str(crf), "preset": "veryfast",
                                                            "threads": str(threads)})
        st.height, st.width = frames[0].shape[:2]
        st.pix_fmt = "yuv420p"
        for f in frames:
            for p in st.encode(av.VideoFrame.from_ndarray(f, format="bgr24")):
                out.mux(p)
        for p in st.encode(None):
            out.mux(p)
    buf.seek(0)
    with av.open(buf) as inp:
        return [fr.to_ndarray(format="bgr24") for fr in inp.decode(video=0)]


def check_dataset(data: Path, prog: str) -> None:
    """Exit with one line if ``data`` lacks the benchmark's images/ or masks/ folder (also
    used by tools/threshold_study.py)."""
    lacking = [sub for sub in ("images", "masks") if not (data / sub).is_dir()]
    if lacking:
        raise SystemExit(f"{prog}: {data}: no {' or '.join(s + '/' for s in lacking)} folder in it "
                         "(give the cuhk-native folder, which holds images/ and masks/)")


def main() -> None:
    global W, H
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="cuhk-native folder (images/, masks/)")
    ap.add_argument("--photos", type=int, default=20)
    ap.add_argument("--set", action="append", default=[], dest="sets", metavar="KEY=VALUE")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--split", choices=("val", "tune"), default="val")
    ap.add_argument("--noise", type=float, default=NOISE, help="sensor noise sigma (gray levels)")
    ap.add_argument("--crf", type=int, default=0, help="H.264 quality the clip goes through (0: none)")
    ap.add_argument("--kinds", default=",".join(SPEEDS), help="clip kinds, comma-separated")
    ap.add_argument("--size", default=f"{W}x{H}", help="clip frame size WxH (the photo is enlarged "
                    f"{ENLARGE} x W / 1280)")
    args = ap.parse_args()
    try:
        W, H = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        ap.error(f"--size: WxH expected, not {args.size!r}")
    if W < 64 or H < 64 or W % 2 or H % 2:
        ap.error(f"--size: even sides of 64 or more expected, not {args.size!r}")
    # (an unknown kind was a KeyError after the first photo's clips; --photos 0 a KeyError 'iou')
    speeds = {**SPEEDS, **EXTRA}
    unknown = [k for k in args.kinds.split(",") if k not in speeds]
    if unknown:
        ap.error(f"--kinds: {', '.join(map(repr, unknown))}: expected some of {', '.join(speeds)}")
    if args.photos < 1:
        ap.error(f"--photos {args.photos}: expected 1 or more")
    cv2.setNumThreads(1)
    cfg = load_config(None, args.sets)
    # (a wrong path was said as '.../masks: no mask of out_of_focus0006.jpg', as if the folder lacked one mask)
    check_dataset(args.data, "clip_metrics")
    names = json.loads((ROOT / "livecut" / "models" / "cuhk_split.json").read_text())[args.split][:args.photos]
    rng = np.random.default_rng(7)
    kinds = {k: speeds[k] for k in dict.fromkeys(args.kinds.split(","))}
    rows: dict[str, dict[str, list[float]]] = {k: {} for k in kinds}
    for name in names:
        # (cv2.imread's gray at 128 in clip(): a 0/1 mask was an empty truth, IoU 0 without a
        # word; a missing file a cv2 assertion)
        img, gt = load_pair(args.data, name)
        for kind, speed in kinds.items():
            frames, truth = clip(img, gt, speed, rng, args.noise)
            if args.crf:
                frames = through_h264(frames, args.crf)
            seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
            masks, ms = [], []
            for f in frames:
                t0 = time.perf_counter()
                masks.append(seg.mask(f).copy())
                ms.append((time.perf_counter() - t0) * 1e3)
            r = rows[kind]
            r.setdefault("iou", []).append(float(np.mean([score(m, t).iou for m, t in zip(masks, truth)])))
            r.setdefault("flicker", []).append(flicker(masks))
            r.setdefault("moved", []).append(moved_flicker(masks, speed))
            r.setdefault("judged", []).append(getattr(seg.method, "judged", len(frames)) / len(frames))
            r.setdefault("ms", []).append(float(np.mean(ms[1:])))
            r.setdefault("noisy", []).append(getattr(seg.method, "judged_noisy", 0) / len(frames))
    out = {kind: {k: float(np.mean(v)) for k, v in r.items()} for kind, r in rows.items()}
    out["photos"] = len(names)
    out.update(split=args.split, size=f"{W}x{H}", noise=args.noise, crf=args.crf)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{len(names)} {args.split} photos, {N}-frame {W}x{H} clips, noise sigma {args.noise}"
          + (f", H.264 crf {args.crf}" if args.crf else ""))
    for kind in kinds:
        v = out[kind]
        print(f"{kind:9s} IoU {v['iou']:.4f}  flicker {v['flicker']:.5f}  moved {v['moved']:.5f}  judged {v['judged']:.2f}  noisy net {v['noisy']:.2f}  "
              f"{v['ms']:.1f} ms/frame")


if __name__ == "__main__":
    main()
