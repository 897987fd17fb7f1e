"""Generate the short clips livecut ships in ``sample_videos/`` (and their ground truth).

    python sample_videos/make_samples.py            # writes next to this script
    python sample_videos/make_samples.py OUTDIR     # or somewhere else

Clips (640x360, H.264 yuv420p):

- ``moving.mp4`` -- 3 s at 25 fps, two sharp textured subjects moving over a
  disk-blurred (defocused) textured background, with a mono AAC audio track;
  ground truth in ``moving_masks.npz`` (``masks``: N x H x W bool, bit-packed).
- ``still_noisy.mp4`` -- 2 s at 25 fps, one sharp still subject over a blurred
  background with fresh sensor noise in every frame (no audio); ground truth
  in ``still_noisy_masks.npz`` (one mask, the subject does not move).
- ``rack_focus.mp4`` -- 4 s at 25 fps, a synthetic rack focus: two still subjects
  over a defocused background; the left one is sharp and the right one blurred,
  then over 0.32 s (frames 40-48) the focus moves and their blur is swapped.
  Ground truth per frame in ``rack_focus_masks.npz`` (the subject whose blur is
  the smaller of the two).
- ``pan.mp4`` -- 3 s at 25 fps, a camera pan: a sharp subject over a defocused
  background; from frame 25 to 50 the camera sweeps sideways and the *whole* frame
  is motion-blurred (nothing is in focus), then it settles on the shifted view.
  Ground truth per frame in ``pan_masks.npz`` (the subject, blurred or not).

Everything is deterministic (fixed seeds), so the ground truth is exact and the
functions here (:func:`render`, :func:`load_masks`) are reused by the tests.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

W, H, FPS = 640, 360, 25
HERE = Path(__file__).resolve().parent


def disk_blur(img: np.ndarray, radius: int) -> np.ndarray:
    """Defocus blur: convolution with a flat disk (what a lens does), not a Gaussian."""
    k = np.zeros((2 * radius + 1, 2 * radius + 1), np.float32)
    cv2.circle(k, (radius, radius), radius, 1.0, -1, lineType=cv2.LINE_AA)
    k /= k.sum()
    return cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT)


def textured(h: int, w: int, rng: np.random.Generator, cell: int) -> np.ndarray:
    """Colourful texture with detail at several scales."""
    out = np.zeros((h, w, 3), np.float32)
    for c, weight in ((cell * 4, 0.5), (cell, 0.3), (max(1, cell // 4), 0.2)):
        small = rng.integers(0, 256, (h // c + 2, w // c + 2, 3)).astype(np.float32)
        out += weight * cv2.resize(small, (w + 2 * c, h + 2 * c), interpolation=cv2.INTER_CUBIC)[c:c + h, c:c + w]
    return np.clip(out, 0, 255).astype(np.uint8)


def background(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    bg = textured(H, W, rng, 8)
    for _ in range(12):  # a few shapes so the blurred background is not uniform
        color = tuple(int(v) for v in rng.integers(0, 256, 3))
        cv2.rectangle(bg, tuple(int(v) for v in rng.integers(0, [W, H])),
                      tuple(int(v) for v in rng.integers(0, [W, H])), color, -1)
    return disk_blur(bg, 9)


def subject_texture(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    tex = textured(H, W, rng, 4)
    # fine stripes: high-frequency detail any focus measure sees
    yy, xx = np.mgrid[0:H, 0:W]
    stripes = ((xx // 3 + yy // 5) % 2).astype(np.uint8) * 60
    return cv2.add(tex, np.dstack([stripes] * 3))


def moving_masks(n: int) -> list[np.ndarray]:
    """Ground truth of ``moving.mp4``: an ellipse crossing the frame and a bobbing rectangle."""
    masks = []
    for i in range(n):
        t = i / max(1, n - 1)
        m = np.zeros((H, W), np.uint8)
        cx = int(150 + 300 * t)
        cy = int(180 + 40 * np.sin(2 * np.pi * t))
        cv2.ellipse(m, (cx, cy), (70, 110), 15 * np.sin(4 * t), 0, 360, 255, -1)
        rx = int(470 - 80 * t)
        ry = int(60 + 30 * np.sin(2 * np.pi * t * 1.5))
        cv2.rectangle(m, (rx, ry), (rx + 110, ry + 90), 255, -1)
        masks.append(m)
    return masks


def render(name: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(frames BGR, ground-truth masks) of a sample clip, before encoding."""
    if name == "moving":
        n = 3 * FPS
        bg = background(1)
        tex = subject_texture(2)
        masks = moving_masks(n)
        frames = []
        for i, m in enumerate(masks):
            shift = np.roll(tex, 2 * i, axis=1)  # the subject's texture moves with it
            frames.append(np.where(m[:, :, None] > 0, shift, bg))
        return frames, masks
    if name == "still_noisy":
        n = 2 * FPS
        bg = background(3)
        tex = subject_texture(4)
        m = np.zeros((H, W), np.uint8)
        cv2.ellipse(m, (320, 180), (120, 140), 0, 0, 360, 255, -1)
        clean = np.where(m[:, :, None] > 0, tex, bg).astype(np.int16)
        rng = np.random.default_rng(5)
        frames = [np.clip(clean + rng.normal(0, 5, clean.shape), 0, 255).astype(np.uint8) for _ in range(n)]
        return frames, [m] * n
    if name == "rack_focus":
        return rack_focus()
    if name == "pan":
        return pan()
    raise ValueError(f"unknown sample {name!r} (moving, still_noisy, rack_focus, pan)")


#: rack focus: frames over which the blur of the two subjects is swapped
RACK_START, RACK_END = 40, 48
#: largest blur (disk radius, px) of the subject out of focus
RACK_BLUR = 7


def rack_focus(n: int = 4 * FPS) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Two still subjects whose focus is swapped over frames RACK_START..RACK_END."""
    bg = background(6)
    tex_a, tex_b = subject_texture(7), subject_texture(8)
    ma = np.zeros((H, W), np.uint8)
    cv2.ellipse(ma, (180, 190), (100, 130), 10, 0, 360, 255, -1)
    mb = np.zeros((H, W), np.uint8)
    cv2.rectangle(mb, (390, 80), (560, 290), 255, -1)
    frames, masks = [], []
    cache: dict[tuple[int, int], np.ndarray] = {}
    for i in range(n):
        t = min(1.0, max(0.0, (i - RACK_START) / (RACK_END - RACK_START)))
        ra, rb = int(round(RACK_BLUR * t)), int(round(RACK_BLUR * (1 - t)))
        key = (ra, rb)
        if key not in cache:
            img = bg.copy()
            for tex, m, r in ((tex_a, ma, ra), (tex_b, mb, rb)):
                layer = np.where(m[:, :, None] > 0, tex, img)
                if r > 0:  # a defocused subject: its edge is blurred too
                    soft = disk_blur(m.astype(np.float32) / 255.0, r)[:, :, None]
                    layer = (disk_blur(layer, r) * soft + img * (1 - soft)).astype(np.uint8)
                img = layer
            cache[key] = img
        frames.append(cache[key])
        masks.append(ma if ra < rb else mb)
    return frames, masks


#: pan: frames during which the whole frame is motion-blurred, and the sweep in pixels a frame
PAN_START, PAN_END, PAN_SPEED = 25, 50, 16


def pan(n: int = 3 * FPS) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A sharp subject over a defocused background; the camera sweeps sideways in between."""
    pad = PAN_SPEED * (PAN_END - PAN_START)
    rng = np.random.default_rng(9)
    bigw = W + pad
    bg = textured(H, bigw, rng, 8)
    for _ in range(20):
        color = tuple(int(v) for v in rng.integers(0, 256, 3))
        cv2.rectangle(bg, tuple(int(v) for v in rng.integers(0, [bigw, H])),
                      tuple(int(v) for v in rng.integers(0, [bigw, H])), color, -1)
    bg = disk_blur(bg, 9)
    tex = np.tile(subject_texture(10), (1, 3, 1))[:, :bigw]
    m = np.zeros((H, bigw), np.uint8)
    cv2.ellipse(m, (320 + pad // 2, 180), (90, 120), 0, 0, 360, 255, -1)
    world = np.where(m[:, :, None] > 0, tex, bg)
    k = np.zeros((1, PAN_SPEED * 2 + 1), np.float32)
    k[0, :] = 1.0 / k.size
    frames, masks = [], []
    for i in range(n):
        step = min(max(i - PAN_START, 0), PAN_END - PAN_START)
        x0 = step * PAN_SPEED
        view = world[:, x0:x0 + W]
        if PAN_START <= i < PAN_END:
            view = cv2.filter2D(world, -1, k, borderType=cv2.BORDER_REFLECT)[:, x0:x0 + W]
        frames.append(np.ascontiguousarray(view))
        masks.append(np.ascontiguousarray(m[:, x0:x0 + W]))
    return frames, masks


def encode(path: Path, frames: list[np.ndarray], fps: int = FPS, audio: bool = False, crf: int = 26) -> None:
    import av

    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height = frames[0].shape[1], frames[0].shape[0]
        vs.pix_fmt = "yuv420p"
        vs.options = {"crf": str(crf), "preset": "medium"}
        as_ = None
        if audio:
            as_ = out.add_stream("aac", rate=44100)
            as_.layout = "mono"
            as_.bit_rate = 48000
        for i, img in enumerate(frames):
            f = av.VideoFrame.from_ndarray(img, format="bgr24")
            f.pts = i
            f.time_base = Fraction(1, fps)
            out.mux(vs.encode(f))
        out.mux(vs.encode(None))
        if as_ is not None:
            sr = 44100
            total = int(sr * len(frames) / fps)
            t = np.arange(total) / sr
            tone = (0.2 * np.sin(2 * np.pi * 440 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t))).astype(np.float32)
            chunk = 1024
            for s in range(0, total, chunk):
                af = av.AudioFrame.from_ndarray(tone[None, s:s + chunk], format="fltp", layout="mono")
                af.sample_rate = sr
                af.pts = s
                af.time_base = Fraction(1, sr)
                out.mux(as_.encode(af))
            out.mux(as_.encode(None))


def save_masks(path: Path, masks: list[np.ndarray]) -> None:
    arr = np.stack([m > 127 for m in masks])
    np.savez_compressed(path, masks=np.packbits(arr, axis=-1), shape=np.array(arr.shape))


def load_masks(path: str | Path) -> list[np.ndarray]:
    """Ground-truth masks (uint8, 255 = subject) saved by this script; one per frame."""
    with np.load(path) as z:
        shape = tuple(int(v) for v in z["shape"])
        bits = np.unpackbits(z["masks"], axis=-1, count=shape[-1]).astype(bool)
    return [(m * 255).astype(np.uint8) for m in bits]


def main(outdir: Path = HERE) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    frames, masks = render("moving")
    encode(outdir / "moving.mp4", frames, audio=True)
    save_masks(outdir / "moving_masks.npz", masks)
    frames, masks = render("still_noisy")
    encode(outdir / "still_noisy.mp4", frames, crf=23)
    save_masks(outdir / "still_noisy_masks.npz", masks[:1])
    for name in ("rack_focus", "pan"):
        frames, masks = render(name)
        encode(outdir / f"{name}.mp4", frames)
        save_masks(outdir / f"{name}_masks.npz", masks)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
