"""Split ``livecut bench --transcode``'s ratio: the engine's part and the rest.

Runs the transcode bench four times on one clip: the engine as it is and the engine
replaced by a constant mask (a centred disc: no focus judged, no CPU), each with the
``blur`` background and with a flat colour.  With the constant mask the ratio is what the
pipeline, the compositor and the encoder's work on the composited picture cost (x264 spends
less on a flat background than on a blurred one, which keeps its gradients); the engine's
part is the difference.  Measurements: docs/transcode-threads.md ("Where the ratio goes")::

    python tools/transcode_split.py --size 1920x1080
    python tools/transcode_split.py --make-pan pan.mp4 --photo PHOTO.jpg --size 1280x720
    python tools/transcode_split.py --clip pan.mp4

``--make-pan`` writes a clip closer to camera footage than the bench's generated one (whose
pan moves the picture by whole pixels, which x264 predicts exactly): ``PHOTO`` enlarged,
panned by 2.37 x 0.61 pixels a frame (bilinear), with sensor noise (sigma 2), 90 frames at
30 fps, libx264 crf 18.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

#: the flat colour of the colour rows
COLOUR = "color:#2b6cb0"


def make_pan(out: str, photo: str, size: tuple[int, int], frames: int = 90, noise: float = 2.0) -> None:
    """Write ``out``: ``photo`` enlarged to 1.4x the width, panned by (2.37, 0.61) pixels a
    frame, sensor noise of ``noise`` levels, yuv420p H.264 crf 18 at 30 fps."""
    import av

    w, h = size
    img = cv2.imread(photo, cv2.IMREAD_COLOR)
    if img is None:
        raise SystemExit(f"{photo}: not a picture OpenCV reads")
    bw = int(w * 1.4)
    big = cv2.resize(img, (bw, max(h, int(bw * img.shape[0] / img.shape[1]))), interpolation=cv2.INTER_CUBIC)
    rng = np.random.default_rng(0)
    with av.open(out, "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"crf": "18", "preset": "veryfast"}
        for i in range(frames):
            m = np.float32([[1, 0, -2.37 * i], [0, 1, -0.61 * i]])
            f = cv2.warpAffine(big, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
            f = cv2.add(f, rng.normal(0.0, noise, f.shape).astype(np.int16), dtype=cv2.CV_8U)
            vf = av.VideoFrame.from_ndarray(cv2.cvtColor(f, cv2.COLOR_BGR2YUV_I420), format="yuv420p")
            vf.pts = i
            c.mux(s.encode(vf))
        c.mux(s.encode(None))


class ConstantEngine:
    """Replace :meth:`Segmenter.mask_i420` and :meth:`Segmenter.mask` by a centred disc
    (radius a third of the height) while in use."""

    def __enter__(self):
        import livecut.segment as S

        self._S, self._saved, bufs = S, (S.Segmenter.mask_i420, S.Segmenter.mask), {}

        def disc(h: int, w: int) -> np.ndarray:
            a = bufs.get((h, w))
            if a is None:
                a = bufs[(h, w)] = np.zeros((h, w), np.uint8)
                cv2.circle(a, (w // 2, h // 2), h // 3, 255, -1)
            return a

        S.Segmenter.mask_i420 = lambda self, i420, out=None: disc(i420.shape[0] * 2 // 3, i420.shape[1])
        S.Segmenter.mask = lambda self, frame, *a, **k: disc(*frame.shape[:2])
        return self

    def __exit__(self, *exc):
        self._S.Segmenter.mask_i420, self._S.Segmenter.mask = self._saved
        return False


def split(clip: str | None, size: tuple[int, int], repeat: int) -> list[dict]:
    from livecut.bench import run_transcode_bench
    from livecut.config import load_config

    rows = []
    for background in ("blur", COLOUR):
        cfg = load_config("default", [f"composite.background={background}"])
        for engine in ("focusnet", "constant"):
            if engine == "constant":
                with ConstantEngine():
                    r = run_transcode_bench(cfg, clip=clip, size=size, repeat=repeat)
            else:
                r = run_transcode_bench(cfg, clip=clip, size=size, repeat=repeat)
            st = r["stages_cpu_ms"]
            rows.append({"background": background, "engine": engine, "size": r["size"], "ratio": r["ratio"],
                         "plain_cpu_ms": r["plain_cpu_s"] * 1e3 / max(1, r["frames"]),
                         "livecut_cpu_ms": r["livecut_cpu_s"] * 1e3 / max(1, r["frames"]),
                         "plain_other_ms": r["plain_stages_cpu_ms"]["other"], "other_ms": st["other"],
                         "engine_ms": st["engine"], "composite_ms": st["composite"]})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", help="video to transcode (default: the bench's generated moving clip)")
    ap.add_argument("--size", default="1280x720", help="WxH of the generated clip or of --make-pan")
    ap.add_argument("--repeat", type=int, default=2, help="best of N runs of each setting")
    ap.add_argument("--make-pan", metavar="OUT", help="write a sub-pixel pan clip of --photo and stop")
    ap.add_argument("--photo", help="the picture --make-pan pans over")
    ap.add_argument("--json", action="store_true", help="one JSON list instead of a table")
    a = ap.parse_args()
    w, h = (int(x) for x in a.size.lower().split("x"))
    if a.make_pan:
        if not a.photo:
            ap.error("--make-pan needs --photo")
        make_pan(a.make_pan, a.photo, (w, h))
        return
    rows = split(a.clip, (w, h), a.repeat)
    if a.json:
        print(json.dumps(rows))
        return
    print(f"{'background':15s} {'engine':9s} {'ratio':>6s} {'plain ms':>9s} {'livecut ms':>10s} "
          f"{'engine':>7s} {'composite':>9s} {'other (plain)':>14s}   (CPU ms a frame, {rows[0]['size']})")
    for r in rows:
        print(f"{r['background']:15s} {r['engine']:9s} {r['ratio']:5.2f}x {r['plain_cpu_ms']:9.2f} "
              f"{r['livecut_cpu_ms']:10.2f} {r['engine_ms']:7.2f} {r['composite_ms']:9.2f} "
              f"{r['other_ms']:6.2f} ({r['plain_other_ms']:.2f})")


if __name__ == "__main__":
    main()
