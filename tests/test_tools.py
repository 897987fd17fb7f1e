"""The measuring tools in tools/ that tests can run without the datasets."""

from __future__ import annotations

import sys

import numpy as np

from conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
import clip_metrics  # noqa: E402


def test_clip_metrics_clips_move_the_truth_with_the_picture():
    """A 'photo' whose left half is the subject: in the pan clip both the picture and its
    truth move 3 px a frame; in the still clip only the noise changes."""
    rng = np.random.default_rng(0)
    img = np.zeros((427, 640, 3), np.uint8)
    img[:, :320] = 200
    gt = np.zeros((427, 640), np.uint8)
    gt[:, :320] = 255
    frames, truth = clip_metrics.clip(img, gt, 3.0, rng)
    assert len(frames) == len(truth) == clip_metrics.N
    assert frames[0].shape == (clip_metrics.H, clip_metrics.W, 3) and truth[0].shape == frames[0].shape[:2]
    edge = [int(np.argmin(t[clip_metrics.H // 2] > 0)) for t in truth]  # first column off the subject
    assert edge[0] == 704 and edge[10] == 674  # 320 * 2.2, then 3 px a frame to the left
    # the picture's edge is where the truth's is
    row = frames[10][clip_metrics.H // 2, :, 0].astype(int)
    assert row[edge[10] - 3] > 150 and row[edge[10] + 3] < 50
    still, still_truth = clip_metrics.clip(img, gt, 0.0, rng)
    assert all(np.array_equal(t, still_truth[0]) for t in still_truth)
    noise = still[1].astype(int) - still[0].astype(int)
    assert 2.0 < noise[:, 20:300].std() < 5.0  # fresh sensor noise every frame (sigma 2.5 each)
