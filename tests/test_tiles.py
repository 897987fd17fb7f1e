"""livecut.tiles against brute force: tile grid, runs, merged rectangles, strips."""

from __future__ import annotations

import time

import numpy as np
import pytest

from livecut.tiles import merge_runs, runs, split_rects, tile_grid


def _cover(rects, h, w) -> np.ndarray:
    cov = np.zeros((h, w), np.int32)
    for y0, y1, x0, x1 in rects:
        assert y0 < y1 and x0 < x1
        cov[y0:y1, x0:x1] += 1
    return cov


@pytest.mark.parametrize("seed", range(4))
def test_tiles_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    for it in range(150):
        h, w = (int(v) for v in rng.integers(1, 70, 2))
        th, tw = (int(v) for v in rng.integers(1, 9, 2))
        tile = th if it % 2 else (th, tw)
        if it % 2:
            tw = th
        mask = ((rng.random((h, w)) < rng.choice([0.003, 0.03, 0.3])) * 255).astype(np.uint8)
        grid = tile_grid(mask, tile)
        R, C = -(-h // th), -(-w // tw)  # partial tiles at the border count
        want = np.array([[mask[i * th:(i + 1) * th, j * tw:(j + 1) * tw].any() for j in range(C)]
                         for i in range(R)], bool).reshape(R, C)
        assert grid.shape == (R, C) and np.array_equal(grid, want)
        active = np.kron(want, np.ones((th, tw), np.int32))[:h, :w]
        assert np.array_equal(_cover(runs(grid, tile, (h, w)).tolist(), h, w), active)
        merged = merge_runs(runs(grid, tile, (h, w)), float(rng.choice([1.0, 1.3, 3.0])))
        cov = _cover(merged, h, w)
        assert cov.max(initial=0) <= 1 and np.all(cov[active > 0] == 1)  # no overlap, all covered
        step = int(rng.integers(1, 4))
        strips = split_rects(merged, int(rng.integers(1, 400)), row_step=step)
        assert np.array_equal(_cover(strips, h, w), cov)


def test_merge_runs_grows_rectangles_and_respects_max_growth():
    grid = np.zeros((6, 10), bool)
    grid[1:5, 2:6] = True  # a block: one rectangle
    grid[2, 8] = True
    merged = merge_runs(runs(grid, 4, (24, 40)))
    assert sorted(merged) == [(4, 20, 8, 24), (8, 12, 32, 36)]
    stair = np.zeros((4, 10), bool)
    for i in range(4):
        stair[i, i:i + 2] = True  # each row shifted by one: the union would be 2.5x its parts
    assert len(merge_runs(runs(stair, 1, (4, 10)), max_growth=1.3)) == 4
    assert len(merge_runs(runs(stair, 1, (4, 10)), max_growth=3.0)) == 1


def test_merge_runs_many_scattered_runs_is_fast():
    # a noisy alpha: thousands of runs (an HD frame in 16-pixel tiles) must not take a quadratic pass
    grid = np.random.default_rng(0).random((68, 120)) < 0.3
    rects = runs(grid, 16, (1080, 1920))
    assert len(rects) > 1500
    best = float("inf")
    for _ in range(3):  # best of three: a noisy machine
        t0 = time.perf_counter()
        merged = merge_runs(rects)
        best = min(best, time.perf_counter() - t0)
    assert best < 0.03, f"{len(rects)} runs merged in {best * 1e3:.1f} ms"
    assert _cover(merged, 1080, 1920).max() == 1
