"""The default method, ``focus``: a contrast-independent focus cue, propagated, plus a colour model.

At the reduced size:

1. **Focus cue (re-blur gradient ratio).**  Blurring an image with a known
   Gaussian (sigma0 = 1 px) barely changes edges that are already blurred but
   flattens sharp ones.  The ratio of local gradient energy before and after the
   re-blur, ``r = sqrt(E(grad I) / E(grad G*I))``, is about 1 for defocused
   regions and well above 1 for sharp ones, whatever their contrast (Zhuo & Sim,
   "Defocus map estimation from a single image", 2011).  The sensor/JPEG noise
   floor of both energies (a low percentile over the frame) is subtracted first,
   so flat noisy areas do not look sharp.
2. **Confidence.**  The cue only means something where there is structure: the
   confidence is the re-blurred gradient energy above the noise floor.
3. **Propagation.**  Sparse, confident measurements are spread to flat areas by
   normalised convolution (a Gaussian of the confidence-weighted cue over a
   Gaussian of the confidence, plus a constant: where little structure was
   seen nearby -- a plain wall, a flat bokeh area -- the cue stays low instead
   of becoming a ratio of noise).
4. **Colour model.**  Flat parts of a sharp subject (skin, petals) carry no focus
   cue, but share colours with its sharp parts.  Colour histograms (CIE Lab, 8
   bins a channel) of the confidently sharp and confidently blurred pixels give
   a per-pixel colour probability, blended with the propagated focus.
5. **Edge snap.**  A colour guided filter of that probability, with the image as
   guide and a wide window (10% of the long side, solved at a quarter of the
   reduced size), moves the decision boundary onto the image's own edges.
6. **Decision and clean-up.**  Threshold, subjects enclosing less than
   ``min_area`` dropped (or all but the largest), enclosed holes filled.

Everything works on buffers allocated once per frame size.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from livecut.config import SegmentConfig
from livecut.segment.guided import ColorGuidedFilter
from livecut.segment.registry import register_method

#: sigma of the re-blur, in pixels of the reduced image
REBLUR_SIGMA = 1.0
#: window (pixels) over which gradient energies are summed
ENERGY_WINDOW = 5
#: ratio at which the cue starts to count as sharp, and where it saturates
RATIO_LO, RATIO_HI = 1.05, 1.4
#: confidence saturates at this many times the noise floor
CONF_GAIN = 10.0
#: noise floor percentile
NOISE_PERCENTILE = 10
#: confidence density (after propagation) below which the focus cue is not trusted
EVIDENCE_K = 0.07
#: propagation radius (Gaussian sigma) as a fraction of the long side
PROPAGATE_SIGMA = 0.015
#: colour model: bins per Lab channel (8 -> 3 bits), weight, seed level
COLOR_BITS = 3
COLOR_WEIGHT = 0.5
SEED_LEVEL = 0.6
#: edge snap: guided-filter radius (fraction of the long side), regularisation, subsampling
EDGE_SNAP_RADIUS = 0.1
EDGE_SNAP_EPS = 3e-4
EDGE_SNAP_SUB = 4


def select_components(mask: np.ndarray, min_area: float, keep: str, fill: bool,
                      scratch: np.ndarray) -> np.ndarray:
    """Keep the subjects of a binary ``mask`` (in place): every outer region enclosing at
    least ``min_area`` of the frame (or only the largest, ``keep="largest"``), with the
    holes they enclose filled when ``fill`` is true.

    Outer contours and their enclosed areas are much cheaper than labelling
    components; drawing the kept ones filled fills their holes in the same pass.
    ``scratch`` is a buffer of the mask's size.
    """
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return mask
    areas = [cv2.contourArea(c) for c in contours]
    if keep == "largest":
        kept = [contours[int(np.argmax(areas))]]
    else:
        limit = min_area * mask.size
        kept = [c for c, a in zip(contours, areas) if a >= limit]
        if not kept:  # never return nothing when there is something
            kept = [contours[int(np.argmax(areas))]]
    if fill:
        mask[...] = 0
        cv2.drawContours(mask, kept, -1, 255, thickness=cv2.FILLED)
    elif len(kept) < len(contours):
        scratch[...] = 0
        cv2.drawContours(scratch, kept, -1, 255, thickness=cv2.FILLED)
        cv2.bitwise_and(mask, scratch, dst=mask)
    return mask


@register_method("focus")
class FocusMethod:
    # (not "the 0.1 engine": `livecut --version` says 0.1.0, and it read as the engine of this version)
    summary = ("hand-made, before focusnet: re-blur gradient ratio (contrast-independent), propagation, "
               "colour model, edge snap")

    def __init__(self, cfg: SegmentConfig, still: bool = False):
        self.cfg = cfg
        self._hw: tuple[int, int] | None = None

    def _prepare(self, h: int, w: int) -> None:
        self._hw = (h, w)
        f = np.float32
        self.gray8 = np.empty((h, w), np.uint8)
        self.g = np.empty((h, w), f)
        self.gb = np.empty((h, w), f)
        self.gx = np.empty((h, w), f)
        self.gy = np.empty((h, w), f)
        self.e1 = np.empty((h, w), f)
        self.e2 = np.empty((h, w), f)
        self.s = np.empty((h, w), f)
        self.conf = np.empty((h, w), f)
        # propagation runs at half size: it is a wide, smooth filter
        hh, hw = max(1, h // 2), max(1, w // 2)
        self.num = np.empty((hh, hw), f)
        self.den = np.empty((hh, hw), f)
        self.sc = np.empty((h, w), f)
        self.p = np.empty((h, w), f)
        self.col = np.empty((h, w), f)
        self.comb = np.empty((h, w), f)
        # the colour model runs at half size too: its output is smoothed anyway
        self.half_bgr = np.empty((hh, hw, 3), np.uint8)
        self.half_p = np.empty((hh, hw), f)
        self.half_col = np.empty((hh, hw), f)
        self.lab = np.empty((hh, hw, 3), np.uint8)
        self.idx = np.empty((hh, hw), np.int32)
        self.mask = np.empty((h, w), np.uint8)
        self.scratch = np.empty((h, w), np.uint8)
        long_side = max(h, w)
        self.sigma = max(0.5, PROPAGATE_SIGMA * long_side / 2)
        self.sample = (slice(None, None, 3), slice(None, None, 3))
        r = max(1, int(round(EDGE_SNAP_RADIUS * long_side)))
        self.snap = ColorGuidedFilter((h, w), r, EDGE_SNAP_EPS, subsample=EDGE_SNAP_SUB)
        self.snapped = np.empty((h, w), f)

    def _grad_energy(self, src: np.ndarray, dst: np.ndarray) -> None:
        cv2.Sobel(src, cv2.CV_32F, 1, 0, dst=self.gx, ksize=3, scale=0.125)
        cv2.Sobel(src, cv2.CV_32F, 0, 1, dst=self.gy, ksize=3, scale=0.125)
        cv2.multiply(self.gx, self.gx, dst=self.gx)
        cv2.multiply(self.gy, self.gy, dst=self.gy)
        cv2.add(self.gx, self.gy, dst=self.gx)
        cv2.boxFilter(self.gx, -1, (ENERGY_WINDOW, ENERGY_WINDOW), dst=dst, borderType=cv2.BORDER_REFLECT)

    def _floor(self, e: np.ndarray) -> float:
        sample = e[self.sample].ravel()
        k = max(0, int(len(sample) * NOISE_PERCENTILE / 100) - 1)
        return float(np.partition(sample, k)[k])

    def focus_map(self, small_bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The per-pixel sharpness cue (0..1) and its confidence (0..1), in internal buffers."""
        h, w = small_bgr.shape[:2]
        if self._hw != (h, w):
            self._prepare(h, w)
        g, gb, e1, e2, s, conf = self.g, self.gb, self.e1, self.e2, self.s, self.conf
        gray = cv2.cvtColor(small_bgr, cv2.COLOR_BGR2GRAY, dst=self.gray8)
        cv2.multiply(gray, 1.0 / 255.0, dst=g, dtype=cv2.CV_32F)
        cv2.GaussianBlur(g, (0, 0), REBLUR_SIGMA, dst=gb)
        self._grad_energy(g, e1)
        self._grad_energy(gb, e2)
        n1, n2 = self._floor(e1), self._floor(e2)
        cv2.subtract(e1, n1, dst=e1)
        cv2.max(e1, 0.0, dst=e1)
        cv2.subtract(e2, n2, dst=e2)
        cv2.max(e2, 0.0, dst=e2)
        # confidence from the re-blurred energy (robust to noise)
        cv2.multiply(e2, 1.0 / (CONF_GAIN * n2 + 1e-6), dst=conf)
        cv2.min(conf, 1.0, dst=conf)
        # ratio r = sqrt((e1 + t) / (e2 + t)) mapped to 0..1
        cv2.add(e1, 1e-7, dst=e1)
        cv2.add(e2, 1e-7, dst=e2)
        cv2.divide(e1, e2, dst=s)
        cv2.sqrt(s, dst=s)
        cv2.subtract(s, RATIO_LO, dst=s)
        cv2.multiply(s, 1.0 / (RATIO_HI - RATIO_LO), dst=s)
        cv2.max(s, 0.0, dst=s)
        cv2.min(s, 1.0, dst=s)
        return s, conf

    def _color_index(self, small_bgr: np.ndarray) -> None:
        """Quantised Lab colour of each pixel at half size (histogram bin index), into ``idx``."""
        hh, hw = self.half_p.shape
        cv2.resize(small_bgr, (hw, hh), dst=self.half_bgr, interpolation=cv2.INTER_AREA)
        lab = cv2.cvtColor(self.half_bgr, cv2.COLOR_BGR2LAB, dst=self.lab)
        b = COLOR_BITS
        shift = 8 - b
        idx = self.idx
        np.right_shift(lab[:, :, 0], shift, out=idx, casting="unsafe")
        np.left_shift(idx, b, out=idx)
        idx |= lab[:, :, 1] >> shift
        np.left_shift(idx, b, out=idx)
        idx |= lab[:, :, 2] >> shift

    def _color_prob(self, p: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """P(subject | colour) from histograms of the pixels ``p`` calls confidently sharp
        and confidently blurred (needs :meth:`_color_index` of this frame first)."""
        h, w = p.shape
        cv2.resize(p, self.half_p.shape[::-1], dst=self.half_p, interpolation=cv2.INTER_AREA)
        flat = self.idx.ravel()
        pf = self.half_p.ravel()
        nb = 1 << (3 * COLOR_BITS)
        fg = np.bincount(flat[pf > SEED_LEVEL], minlength=nb).astype(np.float32)
        bg = np.bincount(flat[pf < 1.0 - SEED_LEVEL], minlength=nb).astype(np.float32)
        fg /= fg.sum() + 1e-9  # densities: a small subject's colours are not outvoted
        bg /= bg.sum() + 1e-9
        lut = (fg + 1e-6) / (fg + bg + 2e-6)
        half = self.half_col
        np.take(lut, self.idx, out=half)
        cv2.GaussianBlur(half, (0, 0), 1.0, dst=half)
        cv2.resize(half, (w, h), dst=dst, interpolation=cv2.INTER_LINEAR)
        return dst

    def __call__(self, small_bgr: np.ndarray, timings: dict[str, float] | None = None,
                 full: np.ndarray | None = None) -> np.ndarray:
        t0 = time.perf_counter()
        s, conf = self.focus_map(small_bgr)
        # normalised convolution: spread confident measurements
        h, w = s.shape
        hh, hw = self.num.shape
        cv2.multiply(s, conf, dst=self.sc)
        cv2.resize(self.sc, (hw, hh), dst=self.num, interpolation=cv2.INTER_AREA)
        cv2.resize(conf, (hw, hh), dst=self.den, interpolation=cv2.INTER_AREA)
        cv2.GaussianBlur(self.num, (0, 0), self.sigma, dst=self.num)
        cv2.GaussianBlur(self.den, (0, 0), self.sigma, dst=self.den)
        # weak evidence leans towards "not sharp": p = num / (den + k).  Where little
        # structure was seen nearby (a plain wall, a flat bokeh area) the focus cue stays
        # low instead of being a ratio of noise; the colour model decides there.
        cv2.add(self.den, EVIDENCE_K, dst=self.den)
        cv2.divide(self.num, self.den, dst=self.num)
        p = cv2.resize(self.num, (w, h), dst=self.p, interpolation=cv2.INTER_LINEAR)
        cv2.min(p, 1.0, dst=p)
        t1 = time.perf_counter()
        # colour model seeded by the focus cue.  (Refitting it on focus + colour gains
        # ~0.005 IoU on stills but lets false positives persist in video; not worth it.)
        comb = self.comb
        self._color_index(small_bgr)
        col = self._color_prob(p, self.col)
        cv2.addWeighted(p, 1.0 - COLOR_WEIGHT, col, COLOR_WEIGHT, 0.0, dst=comb)
        p = self.snap(small_bgr, comb, out=self.snapped)
        mask = self.mask
        cv2.compare(p, self.cfg.threshold, cv2.CMP_GT, dst=mask)
        select_components(mask, self.cfg.min_area, self.cfg.keep, self.cfg.fill_holes, self.scratch)
        if timings is not None:
            t2 = time.perf_counter()
            timings["focus"] = (t1 - t0) * 1e3
            timings["mask"] = (t2 - t1) * 1e3
        return mask
