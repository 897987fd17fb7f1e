"""Make the README's before/after picture with livecut itself.

    python docs/make_figure.py          # writes docs/sample.jpg and docs/before-after.png

The "photo" is rendered here (no third-party images ship with livecut): a sharp,
detailed flower-like subject in front of a defocused garden of bokeh discs and
leaves.  livecut then cuts it out exactly as ``livecut image`` does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from livecut import Compositor, Segmenter  # noqa: E402
from livecut.config import load_config  # noqa: E402


def disk_blur(img: np.ndarray, radius: int) -> np.ndarray:
    k = np.zeros((2 * radius + 1, 2 * radius + 1), np.float32)
    cv2.circle(k, (radius, radius), radius, 1.0, -1, lineType=cv2.LINE_AA)
    return cv2.filter2D(img, -1, k / k.sum(), borderType=cv2.BORDER_REFLECT)


def render(w: int = 960, h: int = 640, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """The rendered photo and its ground-truth mask (255 = the sharp flower)."""
    rng = np.random.default_rng(seed)
    # background: leaves, stems and light spots, then a strong defocus blur
    bg = np.zeros((h, w, 3), np.float32)
    bg[:] = (40, 90, 60)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    bg[..., 1] += 60 * (1 - yy / h)[..., None][..., 0]
    for _ in range(120):
        c = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        axes = (int(rng.integers(20, 90)), int(rng.integers(8, 30)))
        col = (float(rng.integers(20, 90)), float(rng.integers(90, 200)), float(rng.integers(30, 120)))
        cv2.ellipse(bg, c, axes, float(rng.integers(0, 180)), 0, 360, col, -1, cv2.LINE_AA)
    for _ in range(40):
        c = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(bg, c, int(rng.integers(6, 22)), (200, 235, 245), -1, cv2.LINE_AA)
    bg = disk_blur(np.clip(bg, 0, 255).astype(np.uint8), 14)

    # subject: a flower with veined petals and a seeded centre, sharp
    cx, cy = int(w * 0.55), int(h * 0.5)
    img = bg.copy()
    stem = np.zeros((h, w), np.uint8)
    cv2.line(stem, (cx, cy), (cx - 60, h), 255, 14, cv2.LINE_AA)
    img[stem > 0] = (40, 120, 60)
    gt = stem.copy()
    for k in range(9):
        ang = k * 2 * np.pi / 9 + 0.2
        px, py = cx + 120 * np.cos(ang), cy + 120 * np.sin(ang)
        petal = np.zeros((h, w), np.uint8)
        cv2.ellipse(petal, (int(px), int(py)), (105, 42), np.degrees(ang), 0, 360, 255, -1, cv2.LINE_AA)
        m = petal > 0
        gt[m] = 255
        tone = 0.85 + 0.15 * np.sin((xx - cx) * np.sin(ang) * 0.9 - (yy - cy) * np.cos(ang) * 0.9)
        shade = np.stack([120 * tone, 80 * tone, 230 * tone], -1)
        img[m] = np.clip(shade[m] + rng.normal(0, 6, (m.sum(), 3)), 0, 255)
        edge = cv2.morphologyEx(petal, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
        img[edge] = (90, 50, 170)
    centre = np.zeros((h, w), np.uint8)
    cv2.circle(centre, (cx, cy), 48, 255, -1, cv2.LINE_AA)
    m = centre > 0
    gt[m] = 255
    img[m] = (30, 170, 230)
    for _ in range(260):
        r, t = 46 * np.sqrt(rng.random()), rng.random() * 2 * np.pi
        cv2.circle(img, (int(cx + r * np.cos(t)), int(cy + r * np.sin(t))), 2, (10, 80, 120), -1, cv2.LINE_AA)
    noise = rng.normal(0, 2.0, img.shape)
    return np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8), np.where(gt > 127, 255, 0).astype(np.uint8)


def checker(h: int, w: int, s: int = 16) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    v = np.where(((yy // s) + (xx // s)) % 2 == 0, 200, 150).astype(np.uint8)
    return cv2.merge((v, v, v))


def main() -> None:
    photo, _ = render()
    cv2.imwrite(str(HERE / "sample.jpg"), photo, [cv2.IMWRITE_JPEG_QUALITY, 92])
    photo = cv2.imread(str(HERE / "sample.jpg"))
    cfg = load_config()
    alpha = Segmenter(cfg, still=True).mask(photo).copy()  # as `livecut image` does
    h, w = alpha.shape
    cut = Compositor(cfg, background="transparent", mode="cutout").apply(photo, alpha)
    a = cut[:, :, 3:4].astype(np.float32) / 255
    on_checker = (cut[:, :, :3] * a + checker(h, w) * (1 - a)).astype(np.uint8)
    replaced = Compositor(cfg, background="color:#2b6cb0").apply(photo, alpha).copy()
    panels = [photo, cv2.cvtColor(alpha, cv2.COLOR_GRAY2BGR), on_checker, replaced]
    labels = ["input (sharp subject, defocused background)", "livecut alpha", "cutout", "new background"]
    small = []
    for img, label in zip(panels, labels):
        p = cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        cv2.rectangle(p, (0, 0), (p.shape[1], 26), (0, 0, 0), -1)
        cv2.putText(p, label, (8, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1, cv2.LINE_AA)
        small.append(p)
    grid = np.vstack([np.hstack(small[:2]), np.hstack(small[2:])])
    cv2.imwrite(str(HERE / "before-after.png"), grid)


if __name__ == "__main__":
    main()
