"""Alpha + frame + background -> output frame.

Backgrounds (``composite.background``):

- ``blur`` -- the original frame blurred more strongly (computed at a reduced size);
- ``color:#RRGGBB`` -- a flat colour;
- ``image:PATH`` -- a picture scaled to cover the frame (centre crop);
- ``video:PATH`` -- frames of a video, looped (handled by the video pipeline, which
  passes each background frame to :meth:`Compositor.apply`);
- ``transparent`` -- BGRA output with the alpha as the 4th channel.

Modes (``composite.mode``): ``composite`` (subject over background), ``cutout``
(BGRA), ``mask`` (the alpha as a gray image) and ``side-by-side`` (input | composite;
a transparent background shows as black there).

A :class:`Compositor` keeps its output and scratch buffers between calls of the
same size; ``apply`` returns an internal buffer (copy it to keep it) -- in ``mask``
mode, the ``alpha`` it was given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from livecut.config import CompositeConfig, Config
from livecut.errors import ConfigError
from livecut.resize import reduce_buffers, reduce_into
from livecut.tiles import merge_runs, runs, split_rects

#: output modes (``composite.mode``)
MODES = ("composite", "cutout", "mask", "side-by-side")
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")
_NAMED = {
    "black": (0, 0, 0), "white": (255, 255, 255), "green": (0, 255, 0),
    "blue": (255, 0, 0), "red": (0, 0, 255), "gray": (128, 128, 128), "grey": (128, 128, 128),
}


@dataclass(frozen=True)
class Background:
    """A parsed ``--background`` value."""

    kind: str  # blur | color | image | video | transparent
    color: tuple[int, int, int] = (0, 0, 0)  # BGR
    path: Path | None = None

    @property
    def has_alpha(self) -> bool:
        return self.kind == "transparent"


def parse_background(text: str) -> Background:
    """Parse ``blur``, ``color:#RRGGBB``, ``image:PATH``, ``video:PATH``, ``transparent``."""
    t = text.strip()
    low = t.lower()
    if low in ("blur", "transparent", "none"):
        return Background("transparent" if low == "none" else low)
    if low.startswith(("color:", "colour:")):
        value = t.split(":", 1)[1].strip()
        m = _HEX.match(value)
        if m:
            r, g, b = (int(m.group(1)[i:i + 2], 16) for i in (0, 2, 4))
            return Background("color", color=(b, g, r))
        if value.lower() in _NAMED:
            return Background("color", color=_NAMED[value.lower()])
        raise ConfigError(f"background {text!r}: expected color:#RRGGBB (e.g. color:#00ff00)")
    if low.startswith(("image:", "video:")):
        kind, value = t.split(":", 1)
        if not value:
            raise ConfigError(f"background {text!r}: give a path after '{kind.lower()}:'")
        from livecut.urls import redact_url, url_scheme

        if url_scheme(value):  # before Path() collapses :// (and hides it from redaction)
            raise ConfigError(f"background {kind.lower()}:{redact_url(value)}: is a URL; "
                              "give a local file")
        path = Path(value).expanduser()
        if not path.is_file():
            raise ConfigError(f"background {text!r}: file not found: {path}")
        return Background(kind.lower(), path=path)
    raise ConfigError(f"background {text!r}: expected blur, color:#RRGGBB, image:PATH, "
                      "video:PATH or transparent")


def _cover_resize(img: np.ndarray, w: int, h: int, big: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(``img`` scaled to cover ``w`` x ``h``, its centred ``h`` x ``w`` window); ``big`` is
    reused as the scaled image when its shape fits."""
    ih, iw = img.shape[:2]
    s = max(w / iw, h / ih)
    nw, nh = max(w, int(round(iw * s))), max(h, int(round(ih * s)))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    if big is None or big.shape[:2] != (nh, nw) or big.shape[2:] != img.shape[2:]:
        big = None
    big = cv2.resize(img, (nw, nh), dst=big, interpolation=interp)
    x0, y0 = (nw - w) // 2, (nh - h) // 2
    return big, big[y0:y0 + h, x0:x0 + w]


def cover(img: np.ndarray, w: int, h: int) -> np.ndarray:
    """Scale ``img`` to cover ``w`` x ``h`` and centre-crop it."""
    return np.ascontiguousarray(_cover_resize(img, w, h)[1])


def load_background_image(path: Path) -> np.ndarray:
    from livecut.imageio import read_image  # local import: imageio imports nothing of ours

    img = read_image(path)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    return img


class Compositor:
    """Applies one mode and background to frames; reuses buffers for one frame size."""

    def __init__(self, config: Config | CompositeConfig | None = None,
                 background: Background | str | None = None, mode: str | None = None):
        if config is None:
            cfg = CompositeConfig()
        elif isinstance(config, Config):
            cfg = config.composite
        else:
            cfg = config
        self.cfg = cfg
        self.mode = mode or cfg.mode
        if self.mode not in MODES:
            raise ConfigError(f"mode {self.mode!r}: expected {', '.join(MODES[:-1])} or {MODES[-1]}")
        bg = background if background is not None else cfg.background
        self.background = parse_background(bg) if isinstance(bg, str) else bg
        self._bg_source: np.ndarray | None = None
        if self.background.kind == "image":
            self._bg_source = load_background_image(self.background.path)
        self._shape: tuple[int, int] | None = None
        self._bg: np.ndarray | None = None
        self._cover_big: np.ndarray | None = None  # video backgrounds of another size, scaled

    @property
    def channels(self) -> int:
        """Channels of the output: 4 (BGRA), 3 (BGR) or 1 (mask)."""
        if self.mode == "mask":
            return 1
        if self.mode == "cutout" or (self.mode == "composite" and self.background.has_alpha):
            return 4
        return 3

    def output_size(self, w: int, h: int) -> tuple[int, int]:
        return (2 * w, h) if self.mode == "side-by-side" else (w, h)

    def _prepare(self, h: int, w: int) -> None:
        self._shape = (h, w)
        self._comp = np.empty((h, w, 3), np.uint8)
        self._bgra = np.empty((h, w, 4), np.uint8)
        self._sbs = np.empty((h, 2 * w, 3), np.uint8)
        self._sbs_right = self._sbs[:, w:]  # side-by-side composites straight into its right half
        # soft-band detection grid: alpha reduced by BAND_TILE
        T = BAND_TILE
        self._grid = np.zeros(((h + T - 1) // T, (w + T - 1) // T), np.uint8)
        self._grid_whole = self._grid[:h // T, :w // T]
        self._mask = np.empty((h, w), np.uint8)
        self._bg = None
        if self.background.kind == "color":
            self._bg = np.empty((h, w, 3), np.uint8)
            self._bg[:] = self.background.color
        elif self.background.kind == "image":
            self._bg = cover(self._bg_source, w, h)
        elif self.background.kind == "transparent":  # only side-by-side gets here: over black
            self._bg = np.zeros((h, w, 3), np.uint8)
        elif self.background.kind == "blur":
            # blur at a reduced size (cheap), then upsample: the result is smooth anyway
            scale = min(1.0, 160.0 / max(h, w))
            sw, sh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
            self._blur_small = np.empty((sh, sw, 3), np.uint8)
            self._blur_mid = reduce_buffers((h, w), (sh, sw))
            self._blur_sigma = max(0.5, self.cfg.blur_strength * max(sh, sw))

    def _background_into(self, frame: np.ndarray, dst: np.ndarray, bg_frame: np.ndarray | None) -> None:
        """Write the background for this frame into ``dst``."""
        kind = self.background.kind
        h, w = frame.shape[:2]
        if kind == "blur":
            small = self._blur_small
            reduce_into(frame, small, self._blur_mid)
            cv2.GaussianBlur(small, (0, 0), self._blur_sigma, dst=small)
            cv2.resize(small, (w, h), dst=dst, interpolation=cv2.INTER_LINEAR)
        elif kind == "video":
            if bg_frame is None:
                raise ConfigError("video backgrounds need a background frame for each frame")
            if bg_frame.shape[:2] != (h, w):
                self._cover_big, bg_frame = _cover_resize(bg_frame, w, h, self._cover_big)
            np.copyto(dst, bg_frame)
        else:
            np.copyto(dst, self._bg)

    def apply(self, frame: np.ndarray, alpha: np.ndarray, bg_frame: np.ndarray | None = None) -> np.ndarray:
        """Return the output for ``frame`` (HxWx3 uint8) and ``alpha`` (HxW uint8): an
        internal buffer, or ``alpha`` itself in ``mask`` mode."""
        h, w = frame.shape[:2]
        if alpha.shape != (h, w):
            raise ValueError(f"alpha {alpha.shape} does not match frame {frame.shape[:2]}")
        if self._shape != (h, w):
            self._prepare(h, w)
        mode = self.mode
        if mode == "mask":
            return alpha
        if mode == "cutout" or (mode == "composite" and self.background.has_alpha):
            cv2.merge((frame[:, :, 0], frame[:, :, 1], frame[:, :, 2], alpha), dst=self._bgra)
            return self._bgra
        comp = self._sbs_right if mode == "side-by-side" else self._comp
        self._background_into(frame, comp, bg_frame)
        self.blend_over(frame, alpha, comp)
        if mode == "side-by-side":
            self._sbs[:, :w] = frame
            return self._sbs
        return comp

    def blend_over(self, frame: np.ndarray, alpha: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out = (frame * a + out * (255 - a)) / 255`` where ``out`` holds the background.

        The exact blend is computed only in the tiles where alpha is soft (its
        boundary band); elsewhere the frame is copied where alpha is 255.
        """
        h, w = alpha.shape
        T = BAND_TILE
        grid = self._grid
        gh, gw = grid.shape
        # soft pixels (255 where 0 < alpha < 255), averaged by tile: one soft pixel
        # is enough to make its tile's mean nonzero
        soft = cv2.inRange(alpha, 1, 254, dst=self._mask)
        fh, fw = h // T, w // T  # whole tiles: an exact INTER_AREA reduction
        if fh and fw:
            cv2.resize(soft[:fh * T, :fw * T], (fw, fh), dst=self._grid_whole, interpolation=cv2.INTER_AREA)
        if fh < gh:  # a partial last row of tiles: mark it where any pixel is soft
            grid[fh, :] = _tile_any(soft[fh * T:], T, gw)
        if fw < gw:  # a partial last column
            grid[:, fw] = _tile_any(soft[:, fw * T:].T, T, gh)
        if grid.any():
            for y0, y1, x0, x1 in split_rects(merge_runs(runs(grid > 0, T, (h, w))), 32768):
                _blend_rect(frame[y0:y1, x0:x1], alpha[y0:y1, x0:x1], out[y0:y1, x0:x1])
        cv2.compare(alpha, 255, cv2.CMP_EQ, dst=self._mask)
        cv2.copyTo(frame, self._mask, out)
        return out

    # TEMP(issue10): replaced by the real supports_i420 / apply_i420 (converts to BGR and back)
    @property
    def supports_i420(self) -> bool:
        """Whether :meth:`apply_i420` handles this mode and background (composite over an
        opaque background, or mask)."""
        return self.mode == "mask" or (self.mode == "composite" and not self.background.has_alpha)

    # TEMP(issue10): replaced by the real apply_i420
    def apply_i420(self, i420: np.ndarray, alpha: np.ndarray, bg_frame: np.ndarray | None = None) -> np.ndarray:
        """:meth:`apply` on an I420 frame ((H*3//2) x W uint8); returns an I420 frame (the mask
        as limited-range luma with neutral chroma in ``mask`` mode).  ``bg_frame`` is BGR."""
        out = self.apply(cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420), alpha, bg_frame)
        if out.ndim == 2:
            out = cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)
        return cv2.cvtColor(out, cv2.COLOR_BGR2YUV_I420)


#: tile size (pixels) of the soft-band search in :meth:`Compositor.blend_over`
BAND_TILE = 16


def _tile_any(strip: np.ndarray, T: int, n: int) -> np.ndarray:
    """For a strip of fewer than T rows, whether each T-wide block of columns has a nonzero."""
    cols = strip.max(axis=0)
    padded = np.zeros(n * T, cols.dtype)
    padded[:cols.shape[0]] = cols
    return padded.reshape(n, T).max(axis=1)


def _blend_rect(fg: np.ndarray, a: np.ndarray, out: np.ndarray) -> None:
    """out = (fg * a + out * (255 - a)) / 255 on one rectangle (integer arithmetic)."""
    a3 = cv2.merge((a, a, a))
    inv = cv2.bitwise_not(a3)
    acc = cv2.multiply(fg, a3, dtype=cv2.CV_16U)
    cv2.add(acc, cv2.multiply(out, inv, dtype=cv2.CV_16U), dst=acc)
    cv2.convertScaleAbs(acc, dst=out, alpha=1.0 / 255.0)
