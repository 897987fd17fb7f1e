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


def _edges(profile: np.ndarray) -> list[float]:
    """Where a 0..255 profile crosses 127.5 (pixel i's centre at i + 0.5), rising and falling."""
    p = profile.astype(np.float64)
    cross = np.nonzero((p[:-1] < 127.5) != (p[1:] < 127.5))[0]
    return [i + 0.5 + (127.5 - p[i]) / (p[i + 1] - p[i]) for i in cross]


@pytest.mark.parametrize("src_w,dst_w,min_factor", [(1000, 320, 2), (1920, 320, 4), (3000, 320, 4),
                                                    (3840, 320, 4), (999, 320, 2)])
def test_reduce_into_puts_edges_where_an_area_reduction_does(src_w, dst_w, min_factor):
    """The sampled first step of reduce_into (the engine's working-size picture of a photo or a
    video frame) took the top-left pixel of each source block (OpenCV's INTER_NEAREST), not
    its centre: the whole picture came out a fifth of a working pixel right and down (0.17-0.26
    on average over the edges' positions), the mask worked out on it with it."""
    from livecut.resize import reduce_buffers, reduce_into

    h = 4
    offsets = []
    for e in np.linspace(0.3 * src_w, 0.7 * src_w, 41):
        x = np.arange(src_w) + 0.5
        row = np.clip(x - e + 0.5, 0.0, 1.0) * 255.0  # a step at e, each pixel its share of it
        src = np.repeat(np.rint(row).astype(np.uint8)[None], int(src_w / dst_w * h), axis=0)
        dst = np.empty((h, dst_w), np.uint8)
        mid = reduce_buffers(src.shape, dst.shape, channels=1, min_factor=min_factor)
        assert mid is not None
        reduce_into(src, dst, mid)
        (got,) = _edges(dst[1])
        offsets.append(got - e * dst_w / src_w)
    assert abs(np.mean(offsets)) < 0.05, np.mean(offsets)  # (in working pixels; 0.17-0.26 before)
    assert np.max(np.abs(offsets)) < 0.3


def test_a_mask_worked_out_at_the_working_size_is_not_shifted(scratch_methods):
    """A photo's mask worked out on the working-size picture (here a method whose alpha is that
    picture's red), brought to full size with segment.refine=none, lies on the subject: it was
    about a pixel right and down of it at 1920x1080 (a fifth of a working pixel, see above)."""
    from livecut.config import load_config
    from livecut.segment import Segmenter, register_method

    @register_method("test-red")
    class Red:
        summary = "the red of the picture"

        def __init__(self, cfg, still=False):
            pass

        def __call__(self, small, timings=None, full=None):
            return np.ascontiguousarray(small[:, :, 2])

    H, W = 1080, 1920
    img = np.full((H, W, 3), 60, np.uint8)  # (not black: no bars)
    img[:, :, 2] = 0
    truth = []  # (x0, y0) of red squares of 90 pixels, their edges at all phases of the working pixels
    for i in range(10):
        x0 = int(97 + 170.7 * i)
        y0 = int(93 + 61.3 * i)
        img[y0:y0 + 90, x0:x0 + 90, 2] = 255
        truth.append((x0, y0))
    seg = Segmenter(load_config(None, ["segment.method=test-red", "segment.refine=none"]), still=True)
    alpha = seg.mask(img)
    dx, dy = [], []
    for x0, y0 in truth:
        left, right = _edges(alpha[y0 + 45, x0 - 30:x0 + 120])
        top, bottom = _edges(alpha[y0 - 30:y0 + 120, x0 + 45])
        dx += [left - 30, right - 30 - 90]  # (the profiles start 30 pixels before the square)
        dy += [top - 30, bottom - 30 - 90]
    # (a working pixel is 6 pixels here: the bias was +1 pixel each way)
    assert abs(np.mean(dx)) < 0.3 and abs(np.mean(dy)) < 0.3, (np.mean(dx), np.mean(dy))


@pytest.mark.parametrize("H,W,refine,way", [(2003, 3003, "none", "mask"), (2003, 3003, "guided", "mask"),
                                            (2003, 3003, "color", "mask"), (2003, 3003, "guided", "begin"),
                                            (1520, 2704, "guided", "i420"), (1080, 2048, "guided", "i420")])
def test_the_engine_s_mask_lies_on_the_subject_at_the_far_edge_of_any_size(scratch_methods, H, W, refine, way):
    """focusnet's working picture and guide are taken from the frame reduced by its cue factor k
    (ceil(long side / 1000)), which leaves out the last rows and columns of a side not a multiple
    of k: stretched over the whole frame, the mask was up to k-1 pixels right and down of the
    subject near the far edge (3003x2003, k = 4: 2.5 pixels at x = 2500; 2048x1080 in I420: 1
    pixel), with segment.refine=none or guided (a video's), and colour (a photo's).  Here
    focusnet's reduction, and a method whose alpha is the working picture's red."""
    from livecut.config import load_config
    from livecut.segment import Segmenter, register_method
    from livecut.segment.net import FocusNetMethod

    @register_method("test-red-focusnet")
    class RedFocusNet(FocusNetMethod):
        summary = "the red of the picture, taken as focusnet takes it"

        def __call__(self, small, timings=None, full=None):
            return np.ascontiguousarray(small[:, :, 2])

    img = np.full((H, W, 3), 60, np.uint8)  # (not black: no bars)
    img[:, :, 2] = 0
    truth = []  # (x0, y0) of red squares of 60 pixels near the far edge, at all phases of the working pixels
    for i in range(8):
        x0 = int(W - 720 + 80.3 * i)
        y0 = int(H - 700 + 77.1 * i)
        img[y0:y0 + 60, x0:x0 + 60, 2] = 255
        truth.append((x0, y0))
    seg = Segmenter(load_config(None, ["segment.method=test-red-focusnet", f"segment.refine={refine}",
                                    "segment.work_size=640"]),
                    still=True)
    if way == "begin":  # (a video's pipeline: the refinement done by end())
        alpha = seg.end(seg.begin(img, np.empty((H, W), np.uint8)))
    else:
        alpha = seg.mask_i420(cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)) if way == "i420" else seg.mask(img)
    dx, dy = [], []
    for x0, y0 in truth:
        left, right = _edges(alpha[y0 + 30, x0 - 30:x0 + 90])
        top, bottom = _edges(alpha[y0 - 30:y0 + 90, x0 + 30])
        dx += [left - 30, right - 30 - 60]  # (the profiles start 30 pixels before the square)
        dy += [top - 30, bottom - 30 - 60]
    assert abs(np.mean(dx)) < 0.4 and abs(np.mean(dy)) < 0.4, (np.mean(dx), np.mean(dy))
    # the rows and columns past the part the reduction covers repeat its last
    assert alpha.shape == (H, W) and (alpha[-1] == alpha[-4]).all() and (alpha[:, -1] == alpha[:, -4]).all()


@pytest.mark.parametrize("H,W,axis,i420", [(2003, 3003, 1, False), (2003, 3003, 0, False), (1520, 2704, 1, True)])
def test_focusnet_s_judgement_lies_where_the_working_picture_is_at_any_size(scratch_methods, H, W, axis, i420):
    """The network's answer is brought to the working size by where each working pixel is in the
    frame: of the part the cue factor's reduction covers (3003x2003: 3000x2000), as the working
    picture is.  A network that answers each of its cells' position in the frame (a ramp crossing
    segment.threshold at x = 2500) gives an alpha that crosses the middle there (taken over the
    whole frame, 2.5 pixels right of it)."""
    from livecut.config import load_config
    from livecut.segment import Segmenter, register_method
    from livecut.segment.net import FocusNetMethod

    cross = 2500.5 if axis else 1500.5

    class Ramp:  # (logits of p = threshold + (position - cross) / 1000 at each output cell's centre)
        def __init__(self, method):
            self.method = method

        def setInput(self, blob):  # noqa: N802
            self.shape = (blob.shape[2] // 2, blob.shape[3] // 2)

        def forward(self):
            cell = 2 * self.method.cues.q * self.method.cues.k
            pos = (np.arange(self.shape[axis]) + 0.5) * cell
            p = np.clip(self.method.cfg.threshold + (pos - cross) / 1000, 0.01, 0.99)
            logit = np.log(p / (1 - p)).astype(np.float32)
            logit = logit[None, :] if axis else logit[:, None]
            return np.ascontiguousarray(np.broadcast_to(logit, self.shape))[None, None]

    @register_method("test-ramp-focusnet")
    class RampFocusNet(FocusNetMethod):
        summary = "focusnet with a network that answers the position in the frame"

        def __init__(self, cfg, still=False):
            super().__init__(cfg, still)
            self.net = Ramp(self)

    rng = np.random.default_rng(5)  # (sharp all over: judged at the cue resolution, not the coarse level)
    img = rng.integers(0, 256, (H, W, 3), np.uint8)
    seg = Segmenter(load_config(None, ["segment.method=test-ramp-focusnet", "segment.refine=none",
                                       "segment.snap=0", "segment.soft=false", "segment.noisy=false",
                                       "segment.min_area=0", "segment.fill_holes=false"]))
    alpha = seg.mask_i420(cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)) if i420 else seg.mask(img)
    assert not seg.method.last_coarse
    profile = (alpha if axis else alpha.T)[H // 3 if axis else W // 3].astype(np.float64)
    x = np.arange(int(cross) - 40, int(cross) + 40)  # (the alpha's ramp: 255 * gain / 1000 a pixel)
    slope, level = np.polyfit(x + 0.5, profile[x], 1)
    assert abs((127.5 - level) / slope - cross) < 0.3, ((127.5 - level) / slope, cross)
