"""Pans followed by the MaskSmoother (livecut/smooth.py: _pan, _move): synthetic clips."""

from __future__ import annotations

import cv2
import numpy as np

from conftest import traced_peak
from livecut.config import load_config
from livecut.smooth import MaskSmoother


def _scene(h, w, seed=1):
    """A textured picture with detail at several scales (the optical flow at 160 px finds it)."""
    rng = np.random.default_rng(seed)
    acc = np.zeros((h, w, 3), np.float32)
    for s in (4, 16, 64):
        n = rng.random((h // s + 2, w // s + 2, 3)).astype(np.float32)
        acc += cv2.resize(n, (w, h), interpolation=cv2.INTER_CUBIC)[:h, :w]
    return np.clip(acc / 3 * 255, 0, 255).astype(np.uint8)


def _pan(h, w, speed, n, r, seed=1):
    """Frames of a picture panned ``speed`` px a frame to the left, and the masks of a disk fixed
    in the scene (in view throughout)."""
    big = _scene(h, w + speed * n + 2, seed)
    truth = np.zeros(big.shape[:2], np.uint8)
    cv2.circle(truth, (w // 2 + speed * n // 2, h // 2), r, 255, -1)
    return [(big[:, speed * i:speed * i + w].copy(), truth[:, speed * i:speed * i + w].copy())
            for i in range(n)]


def test_moving_the_mask_with_a_pan_allocates_no_full_size_buffer():
    """All buffers are allocated on the first frame: moving the smoothed mask and its state
    with the picture copied each of them (the float mask and four 8-bit maps) to a new array
    every panned frame, 3.7 MB at 1280x720."""
    clip = _pan(720, 1280, 8, 6, 120)
    sm = MaskSmoother(load_config())
    for f, t in clip[:4]:
        sm(t, f)
    f, t = clip[4]
    _, peak = traced_peak(lambda: sm(t, f))
    assert sm.last_pan is not None and sm.last_pan[0] < 0
    assert peak < 720 * 1280 // 4  # (a quarter of one 8-bit map)


def test_a_smoother_mid_pan_pickles_and_copies_and_goes_on_as_the_original():
    """The optical flow's OpenCV object (made on the first frame) did not pickle: pickle.dumps
    or copy.deepcopy of a MaskSmoother that had seen a frame -- or of a Segmenter with it as its
    temporal, which pickles as its settings for a process pool -- raised a bare TypeError,
    "cannot pickle 'cv2.DISOpticalFlow' object".  A copy goes on as the original does."""
    import copy
    import pickle

    clip = _pan(180, 320, 3, 10, 30)
    sm = MaskSmoother(load_config())
    for f, t in clip[:5]:
        sm(t, f)
    copies = [pickle.loads(pickle.dumps(sm)), copy.deepcopy(sm)]
    for f, t in clip[5:]:
        want = sm(t, f).copy()
        for other in copies:
            assert np.array_equal(other(t, f), want) and other.last_pan == sm.last_pan
    assert sm.last_pan is not None
