"""Tiles and runs: do full-resolution work only where a mask is soft (its boundary band)."""

from __future__ import annotations

import bisect

import cv2
import numpy as np


def _hw(tile: int | tuple[int, int]) -> tuple[int, int]:
    return (tile, tile) if isinstance(tile, int) else (int(tile[0]), int(tile[1]))


def tile_grid(mask: np.ndarray, tile: int | tuple[int, int]) -> np.ndarray:
    """Boolean (rows, cols) grid: True where any pixel of a tile is nonzero.

    ``tile`` is a side or a (height, width) pair.

    A dilation whose window starts at the anchor pixel gives, at each tile's
    top-left pixel, the maximum over that tile (partial tiles at the border
    included), so the grid is one cheap OpenCV call and a strided view.
    """
    th, tw = _hw(tile)
    k = np.ones((th, tw), np.uint8)
    grown = cv2.dilate(mask, k, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return grown[::th, ::tw] > 0


def runs(active: np.ndarray, tile: int | tuple[int, int], hw: tuple[int, int]) -> np.ndarray:
    """Horizontal runs of active tiles as an (n, 4) int array of pixel rectangles
    (y0, y1, x0, x1), clipped to ``hw``."""
    h, w = hw
    th, tw = _hw(tile)
    rows, cols = active.shape
    padded = np.zeros((rows, cols + 2), np.int8)
    padded[:, 1:-1] = active
    d = np.diff(padded, axis=1)
    sj, si = np.nonzero(d == 1)
    _, ei = np.nonzero(d == -1)   # row-major order: ends pair with starts
    out = np.empty((len(sj), 4), np.int64)
    out[:, 0] = sj * th
    out[:, 1] = np.minimum(h, (sj + 1) * th)
    out[:, 2] = si * tw
    out[:, 3] = np.minimum(w, ei * tw)
    return out


def merge_runs(rects: np.ndarray, max_growth: float = 1.3) -> list[tuple[int, int, int, int]]:
    """Merge runs of consecutive rows into taller rectangles where their x-ranges overlap.

    ``rects`` are the rows of :func:`runs` (row-major order).  Fewer, larger
    rectangles mean fewer calls per frame; a merge is refused when the union
    would exceed ``max_growth`` times the area of its parts, or would overlap
    another rectangle or run (the results never overlap, so work done per
    rectangle, such as blending, is done once per pixel).

    The overlap test looks up an occupancy grid over the runs' own coordinates,
    so a frame with thousands of scattered runs costs milliseconds, not a
    quadratic pass over all rectangles.
    """
    if len(rects) == 0:
        return []
    ys = np.unique(rects[:, 0:2])
    xs = np.unique(rects[:, 2:4])
    yi = {int(v): i for i, v in enumerate(ys)}
    xi = {int(v): i for i, v in enumerate(xs)}
    # occupied[i, j]: cell [ys[i], ys[i+1]) x [xs[j], xs[j+1]) belongs to a rectangle or run
    occupied = np.zeros((len(ys), len(xs)), np.uint8)
    out: list[list[int]] = []  # [y0, y1, x0, x1, covered_area, creation index]
    last: list[list[int]] = []  # rectangles that end where the previous row of runs ended
    rows: dict[int, list[tuple[int, int, int, int]]] = {}
    for r in rects.tolist():
        rows.setdefault(r[0], []).append(tuple(r))
    for y0, row in rows.items():
        ry = yi[y0]
        for _, _, x0, x1 in row:
            occupied[ry, xi[x0]:xi[x1]] = 1
        # rectangles ending at y0 are disjoint in x: sorted by x, those overlapping a run
        # are found by bisection, then tried in the order they were made
        candidates = sorted((r for r in last if r[1] == y0), key=lambda r: r[2])
        cand_x1 = [r[3] for r in candidates]
        last = []
        for _, y1, x0, x1 in row:
            target = None
            k0 = bisect.bisect_right(cand_x1, x0)
            k1 = k0
            while k1 < len(candidates) and candidates[k1][2] < x1:
                k1 += 1
            for r in sorted(candidates[k0:k1], key=lambda r: r[5]):
                if r[1] != y0:  # already grown by another run of this row
                    continue
                nx0, nx1 = min(r[2], x0), max(r[3], x1)
                covered = r[4] + (y1 - y0) * (x1 - x0)
                if (y1 - r[0]) * (nx1 - nx0) > max_growth * covered:
                    continue
                # nothing but r and this run inside the union
                cx0, cx1 = xi[nx0], xi[nx1]
                own = (ry - yi[r[0]]) * (xi[r[3]] - xi[r[2]]) + (xi[x1] - xi[x0])
                if int(np.count_nonzero(occupied[yi[r[0]]:ry + 1, cx0:cx1])) != own:
                    continue
                occupied[yi[r[0]]:ry + 1, cx0:cx1] = 1
                target = r
                r[1], r[2], r[3], r[4] = y1, nx0, nx1, covered
                break
            if target is None:
                target = [y0, y1, x0, x1, (y1 - y0) * (x1 - x0), len(out)]
                out.append(target)
            last.append(target)
    return [tuple(r[:4]) for r in out]


def split_rects(rects, max_pixels: int, row_step: int = 1, scale: float = 1.0) -> list[tuple[int, int, int, int]]:
    """Cut rectangles into horizontal strips of at most ``max_pixels`` (after ``scale``).

    Strips keep the temporaries of per-rectangle work in the CPU cache; strip
    heights are multiples of ``row_step`` rows.
    """
    out = []
    for y0, y1, x0, x1 in rects:
        width = max(1.0, (x1 - x0) * scale)
        rows = max(row_step, int(max_pixels / (width * scale)) // row_step * row_step)
        for ys in range(y0, y1, rows):
            out.append((ys, min(y1, ys + rows), x0, x1))
    return out
