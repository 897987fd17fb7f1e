"""Synthetic still images with known in-focus masks (issue 2 tests).

A scene is a random texture blurred with a *disk* kernel (a defocused
background) with one or more *sharp* textured subjects pasted over it.
``make_scene(variant, ...)`` returns ``(bgr uint8 HxWx3, gt uint8 HxW 0/255)``;
everything is seeded and deterministic.

Import from tests as ``from synth import make_scene`` (tests/ is on sys.path,
like ``from conftest import ...``).
"""

from __future__ import annotations

import cv2
import numpy as np

VARIANTS = ("basic", "low_contrast", "several", "border")


def disk_kernel(radius: float) -> np.ndarray:
    """A normalised flat disk (the point-spread function of defocus)."""
    r = int(np.ceil(radius))
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    k = (x * x + y * y <= radius * radius).astype(np.float32)
    return k / k.sum()


def texture(rng: np.random.Generator, h: int, w: int, *, cell: int = 8, base=(128, 128, 128),
            amplitude: float = 60.0, shapes: int = 0) -> np.ndarray:
    """Colour texture: upsampled noise around ``base`` (BGR), plus random filled shapes."""
    small = rng.normal(0.0, 1.0, (max(2, h // cell), max(2, w // cell), 3)).astype(np.float32)
    tex = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    fine = rng.normal(0.0, 0.5, (h, w, 3)).astype(np.float32)  # pixel-level detail
    img = np.asarray(base, np.float32) + amplitude * (tex + fine)
    for _ in range(shapes):
        color = tuple(float(c) for c in np.clip(np.asarray(base) + rng.normal(0, amplitude * 1.5, 3), 0, 255))
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
        if rng.random() < 0.5:
            r = int(rng.integers(max(2, min(h, w) // 40), max(3, min(h, w) // 8)))
            cv2.circle(img, (cx, cy), r, color, -1)
        else:
            dx, dy = int(rng.integers(4, max(5, w // 6))), int(rng.integers(4, max(5, h // 6)))
            cv2.rectangle(img, (cx, cy), (cx + dx, cy + dy), color, -1)
    return np.clip(img, 0, 255).astype(np.uint8)


def defocused_background(rng: np.random.Generator, h: int, w: int, radius: float,
                         base=(120, 140, 110)) -> np.ndarray:
    bg = texture(rng, h, w, cell=6, base=base, amplitude=45.0, shapes=25)
    return cv2.filter2D(bg, -1, disk_kernel(radius), borderType=cv2.BORDER_REFLECT)


def _polygon(rng: np.random.Generator, cx: float, cy: float, rx: float, ry: float, n: int = 9) -> np.ndarray:
    """A star-free random polygon around (cx, cy): angles sorted, radii jittered."""
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = rng.uniform(0.7, 1.0, n)
    pts = np.stack([cx + rx * rad * np.cos(ang), cy + ry * rad * np.sin(ang)], axis=1)
    return np.round(pts).astype(np.int32)


def _subject_mask(rng: np.random.Generator, h: int, w: int, cx: float, cy: float, rx: float, ry: float,
                  kind: str) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    if kind == "ellipse":
        cv2.ellipse(m, (int(cx), int(cy)), (int(rx), int(ry)), float(rng.uniform(0, 180)), 0, 360, 255, -1)
    else:
        cv2.fillPoly(m, [_polygon(rng, cx, cy, rx, ry)], 255)
    return m


def make_scene(variant: str = "basic", w: int = 400, h: int = 300, seed: int = 0,
               blur_radius: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One synthetic photo and its ground truth (255 = sharp subject).

    Variants: ``basic`` (one sharp subject), ``low_contrast`` (a sharp subject
    whose texture spans only ~15 gray levels), ``several`` (three subjects),
    ``border`` (a subject cut by the bottom and left edges).
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; one of {VARIANTS}")
    rng = np.random.default_rng(seed + 1000 * VARIANTS.index(variant))
    # defocus radius 4-8 px at 400 px wide (scaled up for larger frames, so the
    # blur stays visible at the segmenter's working size)
    radius = blur_radius if blur_radius is not None else \
        float(rng.uniform(4.0, 8.0)) * max(1.0, max(w, h) / 400.0)
    img = defocused_background(rng, h, w, radius)
    gt = np.zeros((h, w), np.uint8)
    s = min(h, w)

    def paste(mask: np.ndarray, base, amplitude: float, cell: int = 3) -> None:
        tex = texture(rng, h, w, cell=cell, base=base, amplitude=amplitude, shapes=0)
        sel = mask > 0
        img[sel] = tex[sel]
        gt[sel] = 255

    if variant == "basic":
        m = _subject_mask(rng, h, w, w * 0.5, h * 0.5, s * 0.30, s * 0.38, "polygon")
        paste(m, (60, 90, 200), 40.0)
    elif variant == "low_contrast":
        # gentle texture: +-~7 gray levels around a mid colour close to the background's
        m = _subject_mask(rng, h, w, w * 0.5, h * 0.5, s * 0.32, s * 0.36, "ellipse")
        paste(m, (110, 130, 150), 5.0, cell=2)
    elif variant == "several":
        spots = [(0.22, 0.3, "ellipse", (200, 80, 60)), (0.72, 0.35, "polygon", (40, 180, 220)),
                 (0.48, 0.75, "ellipse", (150, 60, 160))]
        for fx, fy, kind, base in spots:
            m = _subject_mask(rng, h, w, w * fx, h * fy, s * 0.15, s * 0.17, kind)
            paste(m, base, 40.0)
    elif variant == "border":
        # a subject cut by the bottom and left edges of the frame
        m = _subject_mask(rng, h, w, w * 0.12, h * 0.85, s * 0.42, s * 0.45, "polygon")
        paste(m, (70, 70, 190), 40.0)
    return img, gt


def iou(alpha: np.ndarray, gt: np.ndarray) -> float:
    a, b = alpha >= 128, gt >= 128
    union = np.count_nonzero(a | b)
    return np.count_nonzero(a & b) / union if union else 1.0
