"""livecut.resize: the bilinear upsample of the engine's alpha."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from livecut.resize import upsample_into


@pytest.mark.parametrize("src_hw,dst_hw", [((540, 960), (1080, 1920)), ((360, 640), (720, 1280)),
                                           ((135, 240), (540, 960)), ((181, 321), (361, 641)),
                                           ((100, 100), (100, 250))])
def test_upsample_into_is_cv2_resize_bilinear_within_a_level(src_hw, dst_hw):
    """The warp that stands for cv2.resize (INTER_LINEAR) samples at the same pixel centres:
    within 1 level everywhere (its rounding), edges included, and no shift (a step edge lands
    where the resize puts it)."""
    rng = np.random.default_rng(sum(src_hw))
    src = cv2.GaussianBlur(rng.integers(0, 256, src_hw, dtype=np.uint8), (0, 0), 1.5)
    src[:, : src_hw[1] // 2] = np.minimum(src[:, : src_hw[1] // 2], 20)  # a sharp vertical edge
    want = cv2.resize(src, dst_hw[::-1], interpolation=cv2.INTER_LINEAR)
    out = np.full(dst_hw, 7, np.uint8)
    assert upsample_into(src, out) is out
    diff = np.abs(out.astype(int) - want)
    assert diff.max() <= 1 and diff.mean() < 0.25


def test_upsample_into_a_strided_destination_and_other_types():
    """A view of a larger frame is written in place, only there; float images and
    reductions are cv2.resize's own result."""
    src = np.arange(48 * 64, dtype=np.uint8).reshape(48, 64)
    wide = np.zeros((96, 256), np.uint8)
    upsample_into(src, wide[:, 128:])
    assert not wide[:, :128].any()
    assert np.abs(wide[:, 128:].astype(int) - cv2.resize(src, (128, 96), interpolation=cv2.INTER_LINEAR)).max() <= 1
    f = np.random.default_rng(1).random((30, 40)).astype(np.float32)
    assert np.array_equal(upsample_into(f, np.empty((60, 80), np.float32)),
                          cv2.resize(f, (80, 60), interpolation=cv2.INTER_LINEAR))
    big = np.random.default_rng(2).integers(0, 256, (60, 80), dtype=np.uint8)
    assert np.array_equal(upsample_into(big, np.empty((30, 40), np.uint8)),
                          cv2.resize(big, (40, 30), interpolation=cv2.INTER_LINEAR))


def test_a_picture_fitted_mid_run_says_what_its_bars_are():
    """A cutout (BGRA) fitted into the output's size has transparent bars, not black ones (a
    virtual camera shows them key green): the warning said "black bars" for every picture."""
    from livecut.resize import Fitter

    for channels, said in ((3, "(black bars)"), (4, "(transparent bars)")):
        warnings: list[str] = []
        out = Fitter()(np.full((30, 40, channels), 200, np.uint8), 80, 40, warnings)
        assert len(warnings) == 1 and warnings[0].endswith(said), warnings
        assert not out[:, :10].any()  # (the bars: zeros, transparent in a BGRA picture)
