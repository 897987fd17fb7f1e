"""The Python library as an application embedding it uses it: the arrays it is given (types,
layouts, sizes, ``out=`` buffers), the buffers it returns, its configuration objects and the
typed errors it raises (a :class:`LivecutError` that says what to do, never a bare
ValueError, cv2.error or AttributeError)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from livecut import Compositor, LivecutError, MaskSmoother, Segmenter, load_config
from livecut.errors import ArrayError
from synth import make_scene


@pytest.fixture(scope="module")
def scene() -> tuple[np.ndarray, np.ndarray]:
    return make_scene("basic", 320, 240, seed=0)


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter()


# ---------------------------------------------------------------- out= buffers

def _bad_outs(h: int, w: int) -> dict[str, object]:
    ro = np.zeros((h, w), np.uint8)
    ro.flags.writeable = False
    return {
        "wrong shape": np.empty((h, w + 1), np.uint8),
        "wrong dtype": np.empty((h, w), np.float32),
        "not an array": [[0] * w] * h,
        "read-only": ro,
        "column step": np.empty((h, 2 * w), np.uint8)[:, ::2],
        "Fortran order": np.asfortranarray(np.empty((h, w), np.uint8)),
        "flipped": np.empty((h, w), np.uint8)[::-1],
    }


@pytest.mark.parametrize("case", list(_bad_outs(2, 2)))
def test_an_out_opencv_cannot_write_in_place_is_a_typed_error(seg, scene, case):
    """An out= buffer that OpenCV cannot write into in place raised cv2.error (read-only,
    Fortran order, a column step, a flip), AttributeError (a list) or a bare ValueError."""
    img, _ = scene
    h, w = img.shape[:2]
    bad = _bad_outs(h, w)[case]
    with pytest.raises(ArrayError, match="out") as e:
        seg.mask(img, out=bad)
    assert isinstance(e.value, LivecutError) and isinstance(e.value, ValueError)
    with pytest.raises(ArrayError, match="out"):
        seg.mask_i420(cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420), out=bad)


@pytest.mark.parametrize("still", [False, True])
def test_out_may_be_a_window_of_a_larger_array(scene, still):
    img, _ = scene
    h, w = img.shape[:2]
    s = Segmenter(still=still)
    ref = s.mask(img).copy()
    canvas = np.full((h + 20, w + 40), 7, np.uint8)
    roi = canvas[10:10 + h, 20:20 + w]
    assert s.mask(img, out=roi) is roi
    assert np.array_equal(roi, ref)
    assert (canvas[:10] == 7).all() and (canvas[:, :20] == 7).all()  # nothing written outside
