#!/usr/bin/env python3
"""Temporal quality of the engine on the shipped synthetic clips (sample_videos/).

    python tools/video_metrics.py [--set segment.method=focus ...]

For each clip, the frames are decoded from the shipped .mp4 (codec noise included)
and run through ``Segmenter`` + ``MaskSmoother`` as ``livecut file`` does:

- ``still_noisy``: flicker (mean absolute mask change between frames, 0-1), with and
  without smoothing;
- ``moving``: mean IoU against the per-frame truth;
- ``rack_focus``: frames after the end of the rack until the mask holds the new
  subject (IoU > 0.8 from then on), and the largest share of the old subject still
  in the mask after 0.5 s (a ghost);
- ``pan``: mean IoU before and after the sweep, and during it;
- for each clip, ``judged_share``: the share of frames on which cues and network ran
  (``segment.every`` and ``segment.still`` let the others reuse a judgement).

``--pipeline`` measures the masks ``livecut file CLIP --mode mask -o DIR/`` writes instead (the
command's own decoding, frame times and YUV path): the default decodes with PyAV to BGR,
whose picture differs from livecut's by about a grey level, and calls the engine directly.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "sample_videos"))

import make_samples  # noqa: E402

from livecut.config import load_config  # noqa: E402
from livecut.evaluate import flicker, score  # noqa: E402
from livecut.segment import Segmenter  # noqa: E402
from livecut.smooth import MaskSmoother  # noqa: E402


def decode(name: str) -> list[np.ndarray]:
    import av

    with av.open(str(ROOT / "sample_videos" / f"{name}.mp4")) as c:
        return [f.to_ndarray(format="bgr24") for f in c.decode(video=0)]


JUDGED: dict[str, float] = {}


PIPELINE: list[str] | None = None  #: the --set options, when masks come from `livecut file` (--pipeline)


def pipeline_masks(name: str, smooth: bool = True) -> list[np.ndarray]:
    """The masks ``livecut file`` writes for the shipped clip ``name`` (PNG frames)."""
    import subprocess
    import tempfile

    import cv2

    sets = [a for kv in PIPELINE + ([] if smooth else ["smooth.enabled=false"]) for a in ("--set", kv)]
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([sys.executable, "-m", "livecut", "file", str(ROOT / "sample_videos" / f"{name}.mp4"),
                            "--mode", "mask", "-o", f"{tmp}/", "-q", *sets], cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"livecut file {name}.mp4 failed: {r.stderr.strip()}")
        return [cv2.imread(str(f), cv2.IMREAD_GRAYSCALE) for f in sorted(Path(tmp).glob("*.png"))]


def run(frames, cfg, smooth: bool = True, clip: str | None = None) -> list[np.ndarray]:
    if isinstance(frames, str):  # (--pipeline: the clip's name)
        return pipeline_masks(frames, smooth)
    seg = Segmenter(cfg, temporal=MaskSmoother(cfg) if smooth else None)
    masks = [seg.mask(f).copy() for f in frames]
    if clip is not None and hasattr(seg.method, "judged"):  # share of frames cues + network ran on
        JUDGED[clip] = seg.method.judged / len(frames)
    return masks


def iou(a, t) -> float:
    return score(a, t).iou


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", action="append", default=[], dest="sets", metavar="KEY=VALUE")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--pipeline", action="store_true",
                    help="score the masks `livecut file --mode mask` writes (its decoding and YUV path)")
    args = ap.parse_args()
    cfg = load_config(None, args.sets)
    out: dict[str, dict] = {"method": cfg.segment.method}
    global PIPELINE, decode
    if args.pipeline:
        PIPELINE = list(args.sets)
        decode = str  # (frames stand for the clip's name: run() asks livecut file for its masks)
        out["source"] = "livecut file"

    frames = decode("still_noisy")
    out["still_noisy"] = {"flicker_smoothed": flicker(run(frames, cfg, clip="still_noisy")),
                          "flicker_raw": flicker(run(frames, cfg, smooth=False))}

    frames = decode("moving")
    truth = make_samples.load_masks(ROOT / "sample_videos" / "moving_masks.npz")
    masks = run(frames, cfg, clip="moving")
    out["moving"] = {"iou": float(np.mean([iou(m, t) for m, t in zip(masks, truth)]))}

    frames = decode("rack_focus")
    truth = make_samples.load_masks(ROOT / "sample_videos" / "rack_focus_masks.npz")
    masks = run(frames, cfg, clip="rack_focus")
    end, fps = make_samples.RACK_END, make_samples.FPS
    ious = [iou(m, t) for m, t in zip(masks, truth)]
    lag = next((i - end for i in range(end, len(masks)) if min(ious[i:]) > 0.8), None)
    old = truth[0] > 0
    new = truth[-1] > 0
    after = masks[end + fps // 2:]
    ghost = max(float(np.mean(m[old] >= 128)) for m in after)
    ghost_alpha = max(float(np.mean(m[old & ~new])) / 255.0 for m in after)  # soft ghost too
    new_alpha = min(float(np.mean(m[new])) / 255.0 for m in after)
    out["rack_focus"] = {"iou_before": float(np.mean(ious[10:make_samples.RACK_START])),
                         "frames_to_follow_after_rack": lag,
                         "seconds_to_follow": None if lag is None else lag / fps,
                         "old_subject_share_after_0.5s": ghost,
                         "old_subject_mean_alpha_after_0.5s": ghost_alpha,
                         "new_subject_mean_alpha_after_0.5s": new_alpha,
                         "iou_after": float(np.mean(ious[end + fps // 2:]))}

    frames = decode("pan")
    truth = make_samples.load_masks(ROOT / "sample_videos" / "pan_masks.npz")
    masks = run(frames, cfg, clip="pan")
    ious = [iou(m, t) for m, t in zip(masks, truth)]
    s, e = make_samples.PAN_START, make_samples.PAN_END
    out["pan"] = {"iou_before": float(np.mean(ious[:s])), "iou_during": float(np.mean(ious[s:e])),
                  "iou_after": float(np.mean(ious[e + fps // 2:]))}
    for clip, share in JUDGED.items():  # segment.every / segment.still: frames judged anew
        out[clip]["judged_share"] = share
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for clip, vals in out.items():
        if isinstance(vals, dict):
            print(f"{clip:12s} " + "  ".join(f"{k} {v:.5f}" if isinstance(v, float) else f"{k} {v}"
                                             for k, v in vals.items()))
        else:
            print(f"{clip:12s} {vals}")


if __name__ == "__main__":
    main()
