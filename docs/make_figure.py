"""Make the README's pictures with livecut itself, as the code on this checkout cuts.

    python docs/make_figure.py          # writes docs/before-after.png, video-strip.png, blur-behind.png
    python docs/make_figure.py OUTDIR   # or into OUTDIR

- ``before-after.png``: a real photograph with a shallow depth of field
  (``docs/photos/chelsea.png``, CC0, see ``docs/photos/README.md``), the alpha livecut
  computed, the cutout over a checkerboard and the subject over a new background --
  cut exactly as ``livecut image`` does.
- ``video-strip.png``: four frames of ``sample_videos/moving.mp4`` and the same frames
  out of the video pipeline (temporal smoothing included) as ``livecut file`` makes
  them with ``-b color:#2b6cb0``.
- ``blur-behind.png``: the photo over its blur background (the default) beside the same
  with the whole frame blurred, subject included, as livecut made it before.

Deterministic for a given livecut: re-run it after the engine changes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from livecut import Compositor, Segmenter  # noqa: E402
from livecut.config import load_config  # noqa: E402

PHOTO = HERE / "photos" / "chelsea.png"
CLIP = REPO / "sample_videos" / "moving.mp4"
NEW_BG = "color:#2b6cb0"
STRIP_FRAMES = (8, 28, 48, 68)


def checker(h: int, w: int, s: int = 12) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    v = np.where(((yy // s) + (xx // s)) % 2 == 0, 200, 150).astype(np.uint8)
    return cv2.merge((v, v, v))


def over_checker(bgra: np.ndarray) -> np.ndarray:
    a = bgra[:, :, 3:4].astype(np.float32) / 255
    h, w = bgra.shape[:2]
    return (bgra[:, :, :3] * a + checker(h, w) * (1 - a)).astype(np.uint8)


#: the height of the black bar over each picture that names it
LABEL_BAR = 22


def label(img: np.ndarray, text: str) -> np.ndarray:
    """``img`` under a black bar that names it (the picture is not covered)."""
    bar = np.zeros((LABEL_BAR, img.shape[1], 3), np.uint8)
    cv2.putText(bar, text, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.48, (255, 255, 255), 1, cv2.LINE_AA)
    return np.vstack([bar, img])


def photo_figure(cfg) -> np.ndarray:
    photo = cv2.imread(str(PHOTO))
    if photo is None:
        raise SystemExit(f"{PHOTO}: missing")
    alpha = Segmenter(cfg, still=True).mask(photo).copy()  # as `livecut image` does
    cut = Compositor(cfg, background="transparent", mode="cutout").apply(photo, alpha).copy()
    replaced = Compositor(cfg, background=NEW_BG).apply(photo, alpha).copy()
    panels = [label(photo, "photo (CC0, Stefan van der Walt)"),
              label(cv2.cvtColor(alpha, cv2.COLOR_GRAY2BGR), "alpha livecut computed"),
              label(over_checker(cut), "cutout (livecut image)"),
              label(replaced, f"new background (-b {NEW_BG})")]
    return np.vstack([np.hstack(panels[:2]), np.hstack(panels[2:])])


def blur_behind(cfg) -> np.ndarray:
    """The photo's blur composite (the default background) beside the same with the whole frame
    blurred, subject included, as livecut made it before: the subject's glow around it."""
    photo = cv2.imread(str(PHOTO))
    alpha = Segmenter(cfg, still=True).mask(photo).copy()
    comp = Compositor(cfg, background="blur")
    now = comp.apply(photo, alpha).copy()
    plain = np.empty_like(photo)
    comp._blur(photo, plain)  # (no alpha: the blur of the whole frame)
    a = alpha.astype(np.float32)[:, :, None] / 255.0
    before = np.clip(photo * a + plain * (1.0 - a) + 0.5, 0, 255).astype(np.uint8)
    return np.hstack([label(before, "blur of the whole frame (before)"),
                      label(now, "blur of what is behind the subject")])


def video_strip(cfg) -> np.ndarray:
    from livecut.runner import Processor
    from livecut.sources.file import FileSource

    inputs, outputs = {}, {}
    with FileSource(CLIP, cfg.video) as src, Processor(cfg, background=NEW_BG) as proc:
        while True:
            frame = src.read()
            if frame is None or frame.index > max(STRIP_FRAMES):
                break
            out, _ = proc(frame.image)  # every frame: the temporal smoother sees them all
            if frame.index in STRIP_FRAMES:
                inputs[frame.index] = frame.image.copy()
                outputs[frame.index] = out.copy()
    if set(inputs) != set(STRIP_FRAMES):
        raise SystemExit(f"{CLIP}: too short for frames {STRIP_FRAMES}")
    h, w = inputs[STRIP_FRAMES[0]].shape[:2]
    size = (w // 2, h // 2)
    top = [label(cv2.resize(inputs[i], size, interpolation=cv2.INTER_AREA), f"frame {i}")
           for i in STRIP_FRAMES]
    bottom = [label(cv2.resize(outputs[i], size, interpolation=cv2.INTER_AREA), f"livecut file, frame {i}")
              for i in STRIP_FRAMES]
    return np.vstack([np.hstack(top), np.hstack(bottom)])


def main(outdir: Path = HERE) -> None:
    cfg = load_config()
    outdir.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(outdir / "before-after.png"), photo_figure(cfg))
    cv2.imwrite(str(outdir / "video-strip.png"), video_strip(cfg))
    cv2.imwrite(str(outdir / "blur-behind.png"), blur_behind(cfg))
    print(f"wrote {outdir / 'before-after.png'}, {outdir / 'video-strip.png'} and {outdir / 'blur-behind.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
