"""Temporal smoothing measured on the shipped clips (ground truth from make_samples.py)."""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest

from conftest import SAMPLES
from livecut.config import load_config
from livecut.evaluate import flicker, score
from livecut.segment import Segmenter
from livecut.smooth import MaskSmoother
from livecut.sources.file import FileSource

sys.path.insert(0, str(SAMPLES))
import make_samples  # noqa: E402
from make_samples import load_masks  # noqa: E402


def _masks(name, *sets):
    cfg = load_config(None, list(sets))
    # as the video pipeline does: the smoother works at the reduced size, before refinement
    seg, seg_smooth = Segmenter(cfg), Segmenter(cfg, temporal=MaskSmoother(cfg))
    raw, smooth = [], []
    with FileSource(SAMPLES / f"{name}.mp4") as src:
        while (f := src.read()) is not None:
            raw.append(seg.mask(f.image).copy())
            smooth.append(seg_smooth.mask(f.image).copy())
    gt = load_masks(SAMPLES / f"{name}_masks.npz")
    return raw, smooth, [gt[min(i, len(gt) - 1)] for i in range(len(raw))]


def _back_and_forth(alphas):
    """The mask's change between frames beyond its net change over the clip (per pixel, the
    path from the first frame's value to the last one's, less their distance), 0-1 a frame:
    flicker, without the one-way change of a mask that follows a lasting change."""
    a = np.asarray(alphas, np.float32) / 255.0
    return float((np.abs(np.diff(a, axis=0)).sum(0) - np.abs(a[-1] - a[0])).mean() / (len(a) - 1))


def test_still_noisy_clip_flickers_5x_less():
    # the smoother's own job, on the hand-made engine, whose raw mask does flicker.  (Its
    # raw mask also changes for good at frames 12-24, a region on the subject's right taken
    # in: a change the smoother follows, once, not flicker -- whole-clip flicker counted the
    # following, and was lower while the smoother left that region half taken, in seams)
    raw, smooth, _ = _masks("still_noisy", "segment.method=focus")
    assert flicker(raw) > 0.001  # the clip does flicker without smoothing
    assert _back_and_forth(raw) / _back_and_forth(smooth) >= 5.0


def test_still_noisy_clip_default_engine_flicker_stays_low():
    # the default engine on the same clip: no more flicker than the first engine had
    # smoothed (0.0004, the figure of the 0.1 release)
    raw, smooth, _ = _masks("still_noisy")
    assert flicker(smooth) < 0.0004
    assert flicker(smooth) <= flicker(raw)


def test_moving_subject_iou_is_kept():
    raw, smooth, gt = _masks("moving")
    iou_raw = np.mean([score(a, g).iou for a, g in zip(raw, gt)])
    iou_smooth = np.mean([score(a, g).iou for a, g in zip(smooth, gt)])
    assert iou_smooth >= iou_raw - 0.02


def test_scene_cut_resets():
    sm = MaskSmoother(load_config())
    a = np.zeros((90, 160), np.uint8)
    b = np.full((90, 160), 255, np.uint8)
    dark = np.zeros((90, 160, 3), np.uint8)
    bright = np.full((90, 160, 3), 250, np.uint8)
    for _ in range(5):
        sm(a, dark)
    out = sm(b, bright)  # everything changed: take the new mask at once
    assert sm.resets == 1 and out.min() == 255


def test_a_cut_on_a_frame_served_an_earlier_judgement_takes_the_next_judgement_at_once():
    """A scene cut on a frame served an earlier judgement (``judged=False``: the old scene's mask)
    started over from that mask with this frame as the image it reflects: the next judgement, of
    the new scene, was no change against it and waited ``smooth.settle`` judged frames (IoU 0 for
    5 frames).  It is taken at once, as a judgement after a cut is."""
    cfg = load_config()
    rng = np.random.default_rng(3)
    dark = cv2.GaussianBlur(rng.integers(0, 80, (90, 160, 3), dtype=np.uint8), (0, 0), 2)
    bright = cv2.GaussianBlur(rng.integers(150, 255, (90, 160, 3), dtype=np.uint8), (0, 0), 2)
    old, new = np.zeros((90, 160), np.uint8), np.zeros((90, 160), np.uint8)
    old[20:70, 20:70] = 255
    new[20:70, 90:140] = 255
    for served in (1, 3):
        sm = MaskSmoother(cfg)
        for _ in range(5):
            sm(old, dark)
        for _ in range(served):
            out = sm(old, bright, judged=False)   # the cut, the old judgement served
            assert np.array_equal(out, old)
        out = sm(new, bright)                     # the new scene judged
        assert sm.resets == 1 and np.array_equal(out, new)


@pytest.mark.parametrize("spread", [0.0, 0.1, 0.4])
def test_motion_spread_sets_how_far_around_a_change_the_mask_follows_at_once(spread):
    # a small patch of the image changes while the mask turns on everywhere: the mask
    # follows at once where the image moved and within smooth.motion_spread (of the
    # width) of it, and at the still-scene rate beyond
    sm = MaskSmoother(load_config(None, [f"smooth.motion_spread={spread}"]))
    img = np.full((90, 160, 3), 100, np.uint8)
    sm(np.zeros((90, 160), np.uint8), img)
    moved = img.copy()
    moved[40:50, 10:20] = 200
    out = sm(np.full((90, 160), 255, np.uint8), moved)
    assert out[45, 15] > 200                             # where the image changed
    assert (out[45, 32] > 200) == (spread >= 0.1)        # 13 px (0.08 of the width) from it
    assert (out[45, 60] > 200) == (spread >= 0.4)        # 41 px (0.26 of the width) from it
    assert out[5, 155] < 20                              # far away: the still-scene rate


@pytest.mark.parametrize("hysteresis", [0.0, 0.1])
def test_a_subject_that_came_stays_steady_with_or_without_hysteresis(hysteresis):
    # a still picture; a subject turns on with a noisy soft alpha (170-230) and stays: the
    # smoothed decision follows it (with no hysteresis band too: it once stayed at the first
    # frame's, and settling re-took the noisy mask every few frames: 3.8 levels of flicker)
    sm = MaskSmoother(load_config(None, [f"smooth.hysteresis={hysteresis}"]))
    rng = np.random.default_rng(0)
    frame = np.full((90, 160, 3), 100, np.uint8)
    sm(np.zeros((90, 160), np.uint8), frame)
    outs = []
    for _ in range(60):
        a = np.zeros((90, 160), np.uint8)
        a[20:70, 40:120] = rng.integers(170, 231, (50, 80))
        outs.append(sm(a, frame)[30:60, 50:110].astype(np.float32))
    assert np.abs(np.diff(outs[-30:], axis=0)).mean() < 1.0  # levels a frame
    assert np.mean(outs[-1]) > 180


def test_still_scene_ignores_a_one_frame_glitch():
    sm = MaskSmoother(load_config())
    frame = np.random.default_rng(0).integers(0, 256, (90, 160, 3), dtype=np.uint8)
    a = np.zeros((90, 160), np.uint8)
    for _ in range(5):
        sm(a, frame)
    glitch = a.copy()
    glitch[30:60, 60:100] = 255
    out = sm(glitch, frame)
    assert (out >= 128).sum() == 0  # hysteresis + low still rate: no pop-in


def _still_frame(seed, level, h=90, w=160):
    return np.random.default_rng(seed).integers(level, level + 100, (h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("restart", ["scene_cut", "reset"])
def test_a_restart_forgets_the_runs_of_disagreement_before_it(restart):
    """A scene cut (or reset()) starts over from the new mask: the frames of disagreement
    counted before it are not carried over, so one glitch right after the cut is not
    taken as settled (it was, where the old scene's run was one frame short)."""
    cfg = load_config()
    sm = MaskSmoother(cfg)
    a_frame, b_frame = _still_frame(1, 20), _still_frame(2, 140)
    empty = np.zeros((90, 160), np.uint8)
    square = empty.copy()
    square[20:70, 40:120] = 255
    sm(empty, a_frame)
    for _ in range(cfg.smooth.settle - 1):  # a change in a still area, one frame short of settling
        sm(square, a_frame)
    if restart == "reset":
        sm.reset()
        sm(empty, a_frame)
    else:
        sm(empty, b_frame)
        assert sm.resets == 1
    out = sm(square, b_frame if restart == "scene_cut" else a_frame)  # a one-frame glitch
    assert out[30:60, 60:100].max() < 128


def test_a_change_that_settles_is_taken_whole_its_edge_included():
    """A still scene where one subject goes out of focus as another comes in (a rack focus):
    once the change has lasted ``smooth.settle`` frames it is taken -- all of it.  Only the
    region eroded by the settling kernel was: a rim the kernel's radius wide (3 px at 320x180)
    was left to the still-scene rate, the old subject's outline on for 35 frames more (1.4 s
    at 25 fps), the new one's border off for 54; seams showed where settled parts met."""
    cfg = load_config()
    sm = MaskSmoother(cfg)
    frame = _still_frame(1, 20, 180, 320)
    old, new = np.zeros((180, 320), np.uint8), np.zeros((180, 320), np.uint8)
    old[40:140, 30:130] = 255
    new[40:140, 190:290] = 255
    for _ in range(5):
        sm(old, frame)
    for _ in range(cfg.smooth.settle):
        out = sm(new, frame)
    assert np.array_equal(out, new)


def test_a_rack_focus_fades_the_subjects_smoothly_not_in_facets():
    """A rack focus (make_samples' clip: focus swapped between two still textured subjects over
    8 frames), the mask the truth -- flat inside each subject, from one to the other at once.
    The image changes there by less than smooth.motion_threshold (a defocus), so the rate rose
    with the change -- spread by a dilation, flat-topped octagons meeting in straight steps: the
    old subject faded out, and the new one in, in facets of other greys (steps of up to 50
    levels, 80 px long) for the frames before settling.  Inside the subjects the fade has no
    step now, but where the smoother pins a value on purpose (0, 127, 128, 255: the clearing
    of residue, the hysteresis keeping the decision's side of 128; curved lines there)."""
    frames, truth = make_samples.render("rack_focus")
    sm = MaskSmoother(load_config())
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (25, 25))
    inside = (cv2.erode(truth[0], disk) | cv2.erode(truth[-1], disk)) > 0
    fade = range(make_samples.RACK_START, make_samples.RACK_END + make_samples.FPS // 2)
    steps = {}
    for i, (frame, t) in enumerate(zip(frames[:fade.stop], truth)):
        out = sm(t, frame)
        if i not in fade:
            continue
        pinned = np.isin(out, (0, 127, 128, 255)).astype(np.uint8)
        seen = inside & (cv2.dilate(pinned, np.ones((7, 7), np.uint8)) == 0)
        a = out.astype(np.int16)  # (12 levels over 3 px: a facet's edge, the rate map's 4x upscaled)
        n = (np.count_nonzero((np.abs(a[3:] - a[:-3]) > 12) & seen[3:] & seen[:-3])
             + np.count_nonzero((np.abs(a[:, 3:] - a[:, :-3]) > 12) & seen[:, 3:] & seen[:, :-3]))
        if n:
            steps[i] = int(n)
    assert not steps, f"steps inside the fading subjects (frame: pixels): {steps}"
    assert out[truth[0] > truth[-1]].max() == 0 and out[truth[-1] > 0].min() == 255  # (and it ends)


def test_a_fading_subject_crosses_the_cut_at_128_with_no_step_where_the_judgement_is_plain():
    """The rack focus above (the mask the truth: the old subject judged 0 at once, the new one
    255): the hysteresis kept each pixel's decision until the smoothed value left its band
    (102-153), the value shown pinned to 128 (on) or 127 (off) meanwhile -- so part of a fading
    subject showed 128 while the part beside it, past the band's edge, showed its own 101: steps of
    up to 26 levels along the curve the fade had reached, wedges and facets across the ghost and
    the subject coming in (make_samples' rack_focus through livecut file, frames 44-48).  Where the
    judgement is plainly 0 (or 255), the decision now follows the value across 128 itself: no step
    inside the fading subjects but at the clearing of residue (0, 255)."""
    frames, truth = make_samples.render("rack_focus")
    sm = MaskSmoother(load_config())
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (25, 25))
    inside = (cv2.erode(truth[0], disk) | cv2.erode(truth[-1], disk)) > 0
    fade = range(make_samples.RACK_START, make_samples.RACK_END + make_samples.FPS // 2)
    steps = {}
    for i, (frame, t) in enumerate(zip(frames[:fade.stop], truth)):
        out = sm(t, frame)
        if i not in fade:
            continue
        pinned = np.isin(out, (0, 255)).astype(np.uint8)
        seen = inside & (cv2.dilate(pinned, np.ones((7, 7), np.uint8)) == 0)
        a = out.astype(np.int16)
        n = (np.count_nonzero((np.abs(a[3:] - a[:-3]) > 12) & seen[3:] & seen[:-3])
             + np.count_nonzero((np.abs(a[:, 3:] - a[:, :-3]) > 12) & seen[:, 3:] & seen[:, :-3]))
        if n:
            steps[i] = int(n)
    assert not steps, f"steps inside the fading subjects (frame: pixels): {steps}"


@pytest.mark.parametrize("hysteresis", [0.1, 0.3])
def test_a_strip_flickering_between_0_and_255_keeps_the_hysteresis(hysteresis):
    """A mask that is only ever 0 or 255 (the canny method; a pixel of the focus engine that
    flickers between the two) on a still picture: a 6-pixel-wide strip flickering at random.  The
    decision followed the smoothed value across 128 wherever the incoming mask was 0 or 255 (the
    fade above), so the band held nothing there: as many flips as with no hysteresis (515 against
    571).  It follows only a value said PLAIN_RUN judged frames in a row now: the flips at most half
    those with no band."""
    def flips(h):
        sm = MaskSmoother(load_config(None, [f"smooth.hysteresis={h}"]))
        rng = np.random.default_rng(0)
        frame = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
        mask = np.zeros((120, 160), np.uint8)
        mask[20:100, 20:70] = 255
        strip = np.s_[40:70, 100:106]
        prev, n = None, 0
        for i in range(250):
            m = mask.copy()
            m[strip] = 128 if i == 0 else rng.choice(np.array([0, 255], np.uint8), (30, 6))
            on = sm(m, frame)[strip] >= 128
            if prev is not None:
                n += int(np.count_nonzero(on != prev))
            prev = on
        return n

    free, held = flips(0.0), flips(hysteresis)
    assert free > 300, free  # (the strip does flicker about the cut)
    assert held < free / 2, (held, free)


def test_a_rack_focus_s_flat_patches_judged_unsure_follow_the_judgement_within_half_a_second():
    """A rack focus (make_samples' clip) whose subjects have flat interiors: no texture, so the
    engine cannot tell them sharp or soft, and judges them unsure -- the old subject's 110 (below
    the cut, within the hysteresis band, 102-153), the new one's 145 -- their textured rims 0 and
    255.  Settling took those values after smooth.settle frames, but the hysteresis kept each
    pixel's old decision, the soft value pinned to its side of 128: the old subject's flat
    interior was shown at 128 (in the mask) for as long as it lasted, the new one's at 127.  A
    settled region takes the judgement's decision too: both follow within half a second."""
    frames, truth = make_samples.render("rack_focus")
    cfg = load_config()
    sm = MaskSmoother(cfg)
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (31, 31))
    old, new = truth[0] > 0, truth[-1] > 0
    old_flat, new_flat = cv2.erode(truth[0], disk) > 0, cv2.erode(truth[-1], disk) > 0
    judged = np.zeros_like(truth[0])
    judged[new] = 255
    judged[new_flat] = 145
    judged[old_flat] = 110
    mid = (make_samples.RACK_START + make_samples.RACK_END) // 2
    after = make_samples.RACK_END + make_samples.FPS // 2  # (half a second after the rack)
    for i, frame in enumerate(frames):
        out = sm(truth[0] if i < mid else judged, frame)
        if i >= after:
            assert out[old].max() < 128, i
            assert out[new].min() >= 128, i


@pytest.mark.parametrize("speed", [1, 2, 5])
def test_a_textured_subject_over_a_background_of_its_average_colour_is_followed(speed):
    """Motion was measured on the gray image reduced to 160 px only: a finely textured subject
    moving over a blurred background of its average colour (foliage over defocused foliage)
    changed it by little, so its mask moved at the still-scene rate -- IoU 0.85 / 0.80 / 0.74
    against a mask that follows it exactly, at 1 / 2 / 5 px a frame at 320x180 (the whole
    engine at 1280x720, 19 px a frame: 0.40, its raw masks 0.93).  The change of the image's
    detail counts as motion too."""
    rng = np.random.default_rng(5)
    h, w = 180, 320
    bg = cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), (0, 0), 3)
    tex = (rng.integers(0, 256, (h, w, 3)) // 2 + 64).astype(np.uint8)  # mean 127.5, as bg's
    sm = MaskSmoother(load_config())
    ious = []
    for i in range(30):
        m = np.zeros((h, w), np.uint8)
        cv2.circle(m, (60 + speed * i, 90), 35, 255, -1)
        out = sm(m, np.where(m[..., None] > 0, tex, bg))
        ious.append(((out >= 128) & (m > 0)).sum() / ((out >= 128) | (m > 0)).sum())
    assert min(ious[5:]) > 0.95


def _pan_clip(speed, n=24, h=180, w=320, seed=11):
    """A textured scene panned ``speed`` px a frame to the left, its subject (a disk fixed in
    the scene) as truth, and masks that judge it with whole regions flipping from frame to
    frame (a network's judgement of an ambiguous background during a pan)."""
    rng = np.random.default_rng(seed)
    big = cv2.GaussianBlur(rng.integers(0, 256, (h, w + speed * n, 3), dtype=np.uint8), (0, 0), 1.5)
    truth_big = np.zeros(big.shape[:2], np.uint8)
    cv2.circle(truth_big, (w // 2 + speed * n // 2, h // 2), 35, 255, -1)  # in view throughout
    frames, truths, masks = [], [], []
    for i in range(n):
        x = speed * i
        frames.append(big[:, x:x + w].copy())
        t = truth_big[:, x:x + w].copy()
        m = t.copy()
        for _ in range(3 if i >= 3 else 0):  # background blocks taken for subject on this frame alone
            by, bx = rng.integers(0, h - 40), rng.integers(0, w - 40)
            m[by:by + 40, bx:bx + 40] = 255
        truths.append(t)
        masks.append(m)
    return frames, truths, masks


def _moved_change(outs, speed):
    """Mean absolute change (0-1) of each mask from the one before moved with the picture."""
    w = outs[0].shape[1]
    return float(np.mean([np.abs(b[:, :w - speed - 1].astype(np.int16) - a[:, speed:w - 1]).mean() / 255
                          for a, b in zip(outs[:-1], outs[1:])]))


@pytest.mark.parametrize("speed", [1, 3, 8])
def test_a_pan_moves_the_mask_with_the_picture_and_averages_it(speed):
    """On a pan everything moves, so the rate rose to ``smooth.motion_rate`` everywhere and the
    mask was each frame's judgement nearly as it was: regions the network flipped from frame to
    frame flickered (on the tuning photos' clips, 3 px a frame at 1280x720, 0.0135 beyond the
    pan's own motion against 0.00025 on a tripod).  The picture's motion as a whole (the median
    of the optical flow) moves the smoothed mask first; it is then averaged as on a still scene
    where nothing else moved (PAN_RATE).  Here the flipped blocks change the masks by 0.11-0.15
    beyond the pan's motion (their IoU 0.48-0.52); the smoothed mask changed by 0.048 / 0.085 /
    0.11 at 1 / 3 / 8 px a frame (IoU 0.79 / 0.63 / 0.52), and now by 0.016-0.019 (0.88-0.94)."""
    frames, truths, masks = _pan_clip(speed)
    sm = MaskSmoother(load_config())
    outs, ious = [], []
    for f, t, m in zip(frames, truths, masks):
        outs.append(sm(m, f).copy())
        ious.append(((outs[-1] >= 128) & (t > 0)).sum() / ((outs[-1] >= 128) | (t > 0)).sum())
    raw = _moved_change(masks[8:], speed)
    assert _moved_change(outs[8:], speed) < 0.2 * raw
    # (a block judged in the strip the pan brings in is taken there, as on a first frame, and
    # stays until it settles: the dips)
    assert min(ious[8:]) > 0.7 and np.mean(ious[8:]) > 0.85
    assert sm.last_pan is not None


def test_a_subject_moving_over_a_still_background_is_not_a_pan():
    """Only the picture moving as a whole is a pan: a subject crossing a still scene leaves the
    median of the flow at 0, and its mask is followed as before (no pan, no move)."""
    rng = np.random.default_rng(5)
    h, w = 180, 320
    bg = cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), (0, 0), 3)
    sm = MaskSmoother(load_config())
    for i in range(12):
        m = np.zeros((h, w), np.uint8)
        cv2.circle(m, (60 + 6 * i, 90), 35, 255, -1)
        frame = bg.copy()
        frame[m > 0] = 230
        out = sm(m, frame)
        assert sm.last_pan is None
    assert ((out >= 128) == (m > 0)).mean() > 0.99


def test_a_judgement_served_again_is_not_counted_again_towards_settling():
    """A change in a still area is taken once ``smooth.settle`` *judgements* have agreed on it:
    an earlier frame's judgement served again (``segment.still`` / ``segment.every``:
    ``judged=False``) is the same evidence, not new.  One judgement that flipped a thick region
    (sensor noise on a tripod shot) and was then served for 5 frames settled as if six had
    agreed -- and flipped back at the next judgement: the still clips' flicker (0.00024 on 20
    validation photos, 0.00019 counting judgements)."""
    cfg = load_config()
    n = cfg.smooth.settle
    frame = _still_frame(1, 20, 180, 320)
    old, new = np.zeros((180, 320), np.uint8), np.zeros((180, 320), np.uint8)
    old[40:140, 30:130] = 255
    new[40:140, 190:290] = 255
    sm = MaskSmoother(cfg)
    for _ in range(5):
        sm(old, frame)
    out = sm(new, frame)                          # judged once ...
    for _ in range(n + 2):
        out = sm(new, frame, judged=False)        # ... and served again
    assert out[50:130, 200:280].max() < 128 and out[50:130, 40:120].min() >= 128
    for _ in range(n - 1):                        # n judgements in all: taken
        out = sm(new, frame)
    assert np.array_equal(out, new)


def test_the_hold_through_frames_with_nothing_in_focus_ends():
    """Frames with nothing in focus (a whip pan, a focus hunt) hold the last mask, but
    not for ever: a camera that stays defocused, or a subject that left a blurred
    background behind, empties the mask after ``smooth.hold`` frames (then as any
    change: within ``smooth.settle`` more) -- it held the subject's ghost indefinitely."""
    cfg = load_config()
    sm = MaskSmoother(cfg)
    frame = _still_frame(1, 20)
    square = np.zeros((90, 160), np.uint8)
    square[20:70, 40:120] = 255
    for _ in range(3):
        sm(square, frame)
    empty = np.zeros_like(square)
    blurred = cv2.blur(frame, (9, 9))  # the camera lost focus
    for i in range(cfg.smooth.hold):  # held, as before
        assert np.array_equal(sm.hold(empty, blurred), square), i
    assert sm.held == cfg.smooth.hold
    for _ in range(cfg.smooth.settle + 1):
        out = sm.hold(empty, blurred)
    assert out.max() < 128
    assert sm.held == cfg.smooth.hold  # (frames actually held)
    # frames in focus end the run: the next hold holds again
    for _ in range(cfg.smooth.settle + 2):
        before = sm(square, frame).copy()
    assert before.max() == 255 and np.array_equal(sm.hold(empty, blurred), before)
    assert sm.held == cfg.smooth.hold + 1


def _scene(seed, h=90, w=160):
    """A picture with a layout (smooth shapes of light and dark) and fine texture on it."""
    rng = np.random.default_rng(seed)
    layout = cv2.resize(rng.integers(0, 200, (5, w // 20, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_CUBIC)
    return cv2.add(layout, rng.integers(0, 50, (h, w, 3), dtype=np.uint8))


def _smoothed_subject(sm, frame):
    square = np.zeros(frame.shape[:2], np.uint8)
    square[20:70, 40:120] = 255
    for _ in range(3):
        sm(square, frame)
    return square


def test_a_cut_to_a_scene_with_nothing_in_focus_ends_the_hold_once_it_settles():
    """A cut (or a pan that ended) to another scene with nothing in focus held the last
    subject's mask over the new picture for smooth.hold frames (2 s at 25 fps): a ghost.
    Now it is held only until the new view has stayed ``smooth.settle`` frames, then the
    smoother starts over from the new mask, as after a scene cut."""
    cfg = load_config()
    sm = MaskSmoother(cfg)
    square = _smoothed_subject(sm, _scene(1))
    empty = np.zeros_like(square)
    other = cv2.GaussianBlur(_scene(2), (0, 0), 3)
    for i in range(cfg.smooth.settle):  # the first frames after the cut: held
        assert np.array_equal(sm.hold(empty, other), square), i
    assert sm.hold(empty, other).max() == 0  # the new view settled: its own (empty) mask
    assert sm.held == cfg.smooth.settle
    assert sm.hold(empty, other).max() == 0  # and after it


def test_a_whip_pan_holds_until_the_camera_rests_on_another_view():
    """Through a whip pan (each frame another view) the mask is held; ``smooth.settle``
    frames after the camera rests on a view with nothing in focus, it is let go."""
    cfg = load_config()
    sm = MaskSmoother(cfg)
    pano = cv2.GaussianBlur(_scene(3, 90, 1600), (0, 0), 2)
    square = _smoothed_subject(sm, _scene(1))
    empty = np.zeros_like(square)
    pan = [pano[:, x:x + 160] for x in range(0, 1440, 120)]  # 3/4 of a frame a frame
    for i, view in enumerate(pan):
        assert np.array_equal(sm.hold(empty, view), square), i
    rest = pano[:, 1440:]
    for i in range(cfg.smooth.settle):
        assert np.array_equal(sm.hold(empty, rest), square), i
    assert sm.hold(empty, rest).max() == 0


@pytest.mark.parametrize("change", ["focus hunt", "exposure"])
def test_a_focus_hunt_on_the_same_scene_holds_for_smooth_hold_frames(change):
    """The scene as it was, defocused by varying amounts (a focus hunt), or with the
    exposure moving too: the same view, held for all of ``smooth.hold`` frames."""
    cfg = load_config()
    sm = MaskSmoother(cfg)
    scene = _scene(4)
    square = _smoothed_subject(sm, scene)
    empty = np.zeros_like(square)
    for i in range(cfg.smooth.hold):
        frame = cv2.GaussianBlur(scene, (0, 0), 1 + (i % 7))
        if change == "exposure":
            frame = cv2.convertScaleAbs(frame, alpha=0.8 + 0.4 * (i % 5) / 4)
        assert np.array_equal(sm.hold(empty, frame), square), i
    assert sm.held == cfg.smooth.hold


def test_a_fade_to_black_ends_the_hold_once_black():
    cfg = load_config()
    sm = MaskSmoother(cfg)
    scene = cv2.GaussianBlur(_scene(5), (0, 0), 3)
    square = _smoothed_subject(sm, scene)
    empty = np.zeros_like(square)
    for i, k in enumerate((0.8, 0.6, 0.4, 0.2)):
        assert np.array_equal(sm.hold(empty, cv2.convertScaleAbs(scene, alpha=k)), square), i
    black = np.zeros_like(scene)
    outs = [sm.hold(empty, black).max() for _ in range(cfg.smooth.settle + 1)]
    assert outs[:-1] == [255] * cfg.smooth.settle and outs[-1] == 0


def _subject_over_blurred(seed):
    """A still scene with nothing in focus but a sharp textured subject near its right edge
    (a sliver of one walking out): the picture, the picture without it, the subject's mask."""
    background = cv2.GaussianBlur(_scene(seed), (0, 0), 3)
    mask = np.zeros(background.shape[:2], np.uint8)
    mask[30:70, 130:150] = 255
    subject = _scene(seed + 10)  # (sharp: light and dark parts, fine texture on them)
    return np.where(mask[:, :, None] > 0, subject, background), background, mask


def _smoothing_a_subject(seed):
    """(cfg, a MaskSmoother that has smoothed three frames of _subject_over_blurred(seed)'s subject,
    and that scene's picture, background and mask)."""
    cfg = load_config()
    sm = MaskSmoother(cfg)
    frame, background, mask = _subject_over_blurred(seed)
    for _ in range(3):
        sm(mask, frame)
    return cfg, sm, frame, background, mask


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_subject_that_walked_out_leaves_no_ghost_for_smooth_hold_frames(seed):
    """A subject walked out of a still shot: the empty frame has nothing in focus, and the last
    mask -- the subject's last sliver -- was held for all of smooth.hold frames (2 s at 25 fps) over
    the background that took its place: a ghost.  Its region no longer looks as it did while the
    rest of the scene does: the hold ends once the view has settled (smooth.settle frames).
    (Not always: of seeds 1-10, 5 and 7 leave a background that, at the coarse view's size, looks
    as the subject did there -- held as before.)"""
    cfg, sm, frame, background, mask = _smoothing_a_subject(seed)
    empty = np.zeros_like(mask)
    # (the view, alike the last frame smoothed away from the subject, has stayed from the first)
    outs = [sm.hold(empty, background).max() for _ in range(cfg.smooth.settle)]
    assert outs[:-1] == [255] * (cfg.smooth.settle - 1) and outs[-1] == 0, outs
    assert sm.hold(empty, background).max() == 0  # (and after it)


def _walking_out(seed, x, h=90, w=160):
    """A still scene with nothing in focus but a sharp subject whose left edge is at ``x``, its
    right edge past the frame's: fine detail on the background's own colours, so that at the
    coarse view's size the subject looks as the background does (the picture, its mask)."""
    background = cv2.GaussianBlur(_scene(seed), (0, 0), 3)
    yy, xx = np.mgrid[0:h, 0:w]
    detail = np.where((xx // 2 + yy // 2) % 2 == 0, 40, -40).astype(np.int16)[:, :, None]
    mask = np.zeros((h, w), np.uint8)
    mask[20:70, max(0, x):] = 255
    subject = np.clip(background.astype(np.int16) + detail, 0, 255).astype(np.uint8)
    return np.where(mask[:, :, None] > 0, subject, background), mask


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_subject_seen_walking_out_across_the_edge_leaves_no_ghost_for_smooth_hold_frames(seed):
    """A subject walking out across the frame's right edge (4 px a frame at 160x90), its detail on
    the background's own colours: once its last sliver is judged to have nothing in focus, that
    sliver was held for all of smooth.hold frames (2 s) -- its region, a pixel or two of the
    coarse view, looked as the background does there, taken for a subject gone out of focus in
    place.  Its mask was seen leaving (touching the edge, its depth from it shrinking): the hold
    ends once the view has settled (smooth.settle frames), as for any subject that left."""
    cfg = load_config()
    sm = MaskSmoother(cfg)
    for x in range(100, 148, 4):  # (in focus: judged as it is, its mask narrowing at the edge)
        frame, mask = _walking_out(seed, x)
        sm(mask, frame)
    empty = np.zeros((90, 160), np.uint8)
    outs = []
    for x in range(148, 148 + 4 * cfg.smooth.hold, 4):  # (its last sliver, then the background alone)
        frame, _ = _walking_out(seed, x)
        outs.append(int(sm.hold(empty, frame).max()))
    gone = outs.index(0) if 0 in outs else None
    assert gone is not None and gone <= cfg.smooth.settle + 1, outs
    assert max(outs[gone:]) == 0, outs


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_sliver_judged_again_between_two_holds_of_a_subject_walking_out_leaves_no_ghost(seed):
    """The same subject walking out, its last sliver judged to have nothing in focus, then judged
    again for a frame (the background beside it taken with it: its mask deeper than before), then
    not again: the second hold, its mask no longer seen shrinking, held that sliver for all of
    smooth.hold frames.  It is the first hold's subject, still leaving: the hold ends once the
    view has settled (smooth.settle frames)."""
    cfg = load_config()
    sm = MaskSmoother(cfg)
    for x in range(100, 148, 4):
        frame, mask = _walking_out(seed, x)
        sm(mask, frame)
    empty = np.zeros((90, 160), np.uint8)
    frame, _ = _walking_out(seed, 148)
    assert sm.hold(empty, frame).max() == 255  # (the first hold: the sliver was seen leaving)
    frame, mask = _walking_out(seed, 152)
    mask[20:70, 140:] = 255  # (judged again, wider than it is)
    sm(mask, frame)
    outs = []
    for x in range(156, 156 + 4 * cfg.smooth.hold, 4):
        frame, _ = _walking_out(seed, x)
        outs.append(int(sm.hold(empty, frame).max()))
    gone = outs.index(0) if 0 in outs else None
    assert gone is not None and gone <= cfg.smooth.settle + 1, outs
    assert max(outs[gone:]) == 0, outs


@pytest.mark.parametrize("seed, speed, side", [(21, 4, 1), (21, 8, 1), (51, 4, -1), (51, 8, -1)])
def test_a_subject_walking_out_whose_mask_stopped_shrinking_at_the_edge_leaves_no_sliver(seed, speed, side):
    """A sharp subject walking out of a still shot across the frame's edge (640x360, over
    make_samples' defocused backgrounds 21 and 51), through Segmenter and MaskSmoother: its last
    judged masks, widened by the background beside it, stopped shrinking over the last 2 frames
    before it was judged to have nothing in focus, so it was not seen leaving, and that sliver was
    held at the edge for all of smooth.hold frames (2 s; 4 of 30 such exits).  Its depth from the
    edge shrank by far more over the 8 frames before: the hold ends once the view has settled."""
    cfg = load_config()
    seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
    bg, tex = make_samples.background(seed), make_samples.subject_texture(2)
    x0 = make_samples.W - 200 if side > 0 else 200
    outs, gone = [], None
    for i in range(300 // speed + 60):
        m = np.zeros((make_samples.H, make_samples.W), np.uint8)
        cv2.ellipse(m, (x0 + side * speed * i, 180), (70, 110), 0, 0, 360, 255, -1)
        if gone is None and not m.any():
            gone = i
        frame = np.where(m[:, :, None] > 0, np.roll(tex, side * speed * i, axis=1), bg)
        outs.append(np.count_nonzero(seg.mask(frame) > 127))
    held = next(k for k, n in enumerate(outs[gone:]) if n == 0)
    assert held <= cfg.smooth.settle + 2 and max(outs[gone + held:]) == 0, outs[gone:]

@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_subject_at_the_edge_that_goes_out_of_focus_in_place_is_held_for_smooth_hold_frames(seed):
    """A subject across the frame's edge that stays where it is (its mask's depth from the edge
    as it was) and goes out of focus is a focus hunt's, not one walking out: held for all of
    smooth.hold frames, as one inside the frame is."""
    cfg = load_config()
    sm = MaskSmoother(cfg)
    frame, mask = _walking_out(seed, 120)
    background = cv2.GaussianBlur(_scene(seed), (0, 0), 3)
    for _ in range(3):
        sm(mask, frame)
    empty = np.zeros_like(mask)
    for i in range(cfg.smooth.hold):
        r = (2, 4, 6, 4)[i % 4]
        soft = make_samples.disk_blur(mask.astype(np.float32) / 255.0, r)[:, :, None]
        defocused = (make_samples.disk_blur(frame, r) * soft + background * (1 - soft)).astype(np.uint8)
        assert np.array_equal(sm.hold(empty, defocused), mask), i
    assert sm.held == cfg.smooth.hold


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_subject_at_the_edge_that_moved_a_little_then_goes_out_of_focus_is_held(seed):
    """A subject across the frame's edge that moved a little toward it (its depth from the edge 60 ->
    55 px over 8 frames, not the 15 % of one walking out) and then goes out of focus where it is
    is held for all of smooth.hold frames, as one that did not move."""
    cfg = load_config()
    sm = MaskSmoother(cfg)
    background = cv2.GaussianBlur(_scene(seed), (0, 0), 3)
    for x in (100, 100, 100, 101, 101, 102, 103, 104, 105):
        frame, mask = _walking_out(seed, x)
        sm(mask, frame)
    empty = np.zeros_like(mask)
    for i in range(cfg.smooth.hold):
        r = (2, 4, 6, 4)[i % 4]
        soft = make_samples.disk_blur(mask.astype(np.float32) / 255.0, r)[:, :, None]
        defocused = (make_samples.disk_blur(frame, r) * soft + background * (1 - soft)).astype(np.uint8)
        assert np.array_equal(sm.hold(empty, defocused), mask), i
    assert sm.held == cfg.smooth.hold

@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_subject_that_goes_out_of_focus_in_place_is_held_for_smooth_hold_frames(seed):
    """The same subject defocused where it is (a focus hunt, blurs of 1 to 4 % of the width): its
    coarse look stays -- the mask is held for all of smooth.hold frames."""
    cfg, sm, frame, background, mask = _smoothing_a_subject(seed)
    empty = np.zeros_like(mask)
    for i in range(cfg.smooth.hold):
        r = (2, 4, 6, 4)[i % 4]
        soft = make_samples.disk_blur(mask.astype(np.float32) / 255.0, r)[:, :, None]
        defocused = (make_samples.disk_blur(frame, r) * soft + background * (1 - soft)).astype(np.uint8)
        assert np.array_equal(sm.hold(empty, defocused), mask), i
    assert sm.held == cfg.smooth.hold


def _frames_to_leave(cfg, fps, h=180, w=320):
    """Frames a subject that went out of focus on a still scene (the mask empty from then on,
    the picture as it was) stays in the smoothed mask, at ``fps``."""
    sm = MaskSmoother(cfg)
    sm.fps = fps  # (as the runner tells it the video's rate)
    frame = _still_frame(1, 20, h, w)
    old = np.zeros((h, w), np.uint8)
    old[40:140, 30:130] = 255
    for _ in range(int(fps)):  # a second in focus
        sm(old, frame)
    empty = np.zeros_like(old)
    for i in range(1, 10 * int(fps)):
        if sm(empty, frame).max() < 128:
            return i
    return None


@pytest.mark.parametrize("sets", [(), ("smooth.settle=0", "smooth.hysteresis=0")], ids=["settle", "rate"])
@pytest.mark.parametrize("fps", [10, 60])
def test_a_subject_that_leaves_focus_leaves_the_mask_as_soon_in_seconds_at_any_frame_rate(fps, sets):
    """The smoothing counted frames, its times chosen for 25 fps: a subject that went out of
    focus left the mask after smooth.settle (6) frames -- 0.24 s at 25 fps, 0.6 s at 10 fps
    (past the half second promised), 0.1 s at 60 -- and the still-scene average
    (smooth.rate, settling off) took 1.4 s at 25 fps, 3.5 s at 10, 0.58 s at 60.  Given the
    video's rate, the smoother keeps those times in seconds (25 fps as it was)."""
    cfg = load_config(None, list(sets))
    at25 = _frames_to_leave(cfg, 25)
    assert at25 == (cfg.smooth.settle or 35)  # (as before: 6 frames, 1.4 s)
    n = _frames_to_leave(cfg, fps)
    assert abs(n / fps - at25 / 25) <= 1 / min(fps, 25), (n, at25)  # (within a frame of the coarser rate)


@pytest.mark.parametrize("fps", [10, 60])
def test_the_hold_through_frames_with_nothing_in_focus_lasts_as_long_in_seconds_at_any_frame_rate(fps):
    """smooth.hold (50) counted frames: the last mask was held through 2 s with nothing in focus
    at 25 fps, 5 s at 10 fps, 0.83 s at 60; now 2 s at any rate."""
    cfg = load_config()
    sm = MaskSmoother(cfg, fps=fps)
    assert sm.fps == fps
    frame = _still_frame(1, 20)
    square = np.zeros((90, 160), np.uint8)
    square[20:70, 40:120] = 255
    for _ in range(3):
        sm(square, frame)
    empty, blurred = np.zeros_like(square), cv2.blur(frame, (9, 9))
    while sm.held < 10 * fps and np.array_equal(sm.hold(empty, blurred), square):
        pass
    assert sm.held == cfg.smooth.hold * fps // 25


def test_a_video_file_gives_the_smoother_its_frame_rate(tmp_path):
    """`livecut file` tells the smoother the video's rate (its times are kept in seconds at it)."""
    from conftest import make_clip
    from livecut.runner import run_video

    pipes = []
    run_video(str(make_clip(tmp_path / "in.mp4", fps=10, n=5)), str(tmp_path / "out.mp4"), load_config(),
              progress=False, on_start=pipes.append)
    assert pipes[0].process.smoother.fps == 10


def test_the_smoothers_frame_rate_is_a_number_above_0():
    from livecut.errors import ConfigError

    sm = MaskSmoother(load_config())
    assert sm.fps is None
    for bad in (0, -25, float("nan"), float("inf")):
        with pytest.raises(ConfigError):
            sm.fps = bad
    for bad in ("25", True):
        with pytest.raises(ConfigError):
            MaskSmoother(load_config(), fps=bad)


def _pan_keep_per_second(fps, step):
    """The share of the smoothed mask a second keeps (1 - the rate, over a second's frames) where
    the picture pans by ``step`` px a frame of 1280x720 (a slow pan: below PAN_RATE) at ``fps``."""
    rng = np.random.default_rng(3)
    h, w = 720, 1280
    pano = cv2.GaussianBlur(rng.integers(0, 256, (h, w + 200, 3), dtype=np.uint8), (0, 0), 4)
    mask = np.zeros((h, w), np.uint8)
    mask[200:500, 400:800] = 255
    sm = MaskSmoother(load_config(), fps=fps)
    for i in range(12):
        sm(mask, pano[:, i * step:i * step + w].copy())
    assert sm.last_pan is not None
    return (1 - float(np.median(sm._rate))) ** fps


def test_a_slow_pan_is_averaged_as_long_in_seconds_at_any_frame_rate():
    """A slow pan is averaged at a rate that grows with its motion a frame of 25 fps
    (PAN_RATE_PER_PX): the same pan at 10 fps, 2.5 times the motion a frame, had that motion
    divided by 0.4 where it is multiplied by it -- its rate 6 times too high, clipped to PAN_RATE
    (0.23 a frame), the mask keeping 7 % of itself a second where at 25 fps it keeps 24 %; now
    25 % (the pan measured a little off)."""
    at25 = _pan_keep_per_second(25, 2)
    at10 = _pan_keep_per_second(10, 5)  # (the same pan, 50 px a second)
    assert abs(np.log(at10) / np.log(at25) - 1) < 0.25, (at10, at25)


def _seconds_to_leave(cfg, times, left, fps=None, h=90, w=160):
    """Seconds after ``left`` (the first frame without it) that a subject which went out of focus
    on a still scene stays in the smoothed mask, its frames shown at ``times`` (given to the
    smoother, MaskSmoother.at, where ``fps`` is the video's average rate)."""
    sm = MaskSmoother(cfg, fps=fps)
    frame = _still_frame(1, 20, h, w)
    old = np.zeros((h, w), np.uint8)
    old[20:70, 40:120] = 255
    empty = np.zeros_like(old)
    for t in times:
        sm.at(t)
        if sm(old if t < left else empty, frame).max() < 128:
            return round(t - left, 3)
    return None


@pytest.mark.parametrize("sets", [(), ("smooth.settle=0", "smooth.hysteresis=0")], ids=["settle", "rate"])
def test_a_subject_that_leaves_focus_in_a_slow_part_of_a_variable_frame_rate_video_leaves_as_soon_in_seconds(sets):
    """A variable frame rate (a phone's clip: 1 s at 30 fps, then 5 fps in low light) was smoothed
    as if every frame lasted the average (17.5 fps): a subject that left focus in the slow part
    stayed 0.6 s in the mask (4 frames of 0.2 s where the settling counted 4 of 17.5 fps), 0.2 s
    at 25 fps; the still-scene average (settling off) took 4.6 s where it takes 1.36 s at 25 fps.  Given the
    frames' times, each frame is taken to last its own time."""
    cfg = load_config(None, list(sets))
    at25 = _seconds_to_leave(cfg, [i / 25 for i in range(200)], 1.0)
    assert at25 == (0.2 if not sets else 1.36)  # (6 frames; 35)
    times = [i / 30 for i in range(30)] + [1.0 + 0.2 * i for i in range(40)]
    vfr = _seconds_to_leave(cfg, times, 1.0, fps=17.5)
    assert abs(vfr - at25) <= 0.201, (vfr, at25)  # (within a frame of the slow part)


def _defocus_clip(path, times, left, w=320, h=180):
    """A sharp textured square over a blurred background, the whole picture out of focus from
    ``left`` seconds on (nothing in focus: the last mask is held smooth.hold, 2 s), its frames
    at ``times`` (an H.264 .mp4 of millisecond timestamps: a variable frame rate)."""
    from fractions import Fraction

    import av

    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (h // 10, w // 10, 3), dtype=np.uint8)
    sharp = cv2.GaussianBlur(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC), (0, 0), 4)
    tex = cv2.resize(rng.integers(0, 256, (h // 3, w // 3, 3), dtype=np.uint8), (w, h),
                     interpolation=cv2.INTER_NEAREST)
    sharp[50:130, 120:200] = tex[50:130, 120:200]
    blurred = cv2.GaussianBlur(sharp, (0, 0), 4)
    ms = Fraction(1, 1000)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.time_base = vs.codec_context.time_base = ms
        vs.options = {"preset": "ultrafast", "crf": "12"}
        for t in times:
            f = av.VideoFrame.from_ndarray(sharp if t < left else blurred, format="bgr24")
            f.pts, f.time_base = int(round(t * 1000)), ms
            out.mux(vs.encode(f))
        out.mux(vs.encode())
    return path


def _seconds_held(tmp_path, name, times, ahead):
    """Seconds after the picture went out of focus (at 1 s) that `livecut file -m mask` kept the
    square in the mask, the clip's frames at ``times``."""
    from livecut.runner import run_video

    src = _defocus_clip(tmp_path / f"{name}.mp4", times, 1.0)
    run_video(str(src), str(tmp_path / name) + "/", load_config(None, [f"video.segment_ahead={ahead}"]),
              mode="mask", progress=False)
    frames = sorted((tmp_path / name).glob("*.png"))
    assert len(frames) == len(times)
    for t, f in zip(times, frames):
        if t >= 1.0 and cv2.imread(str(f), cv2.IMREAD_GRAYSCALE)[60:120, 130:190].mean() < 128:
            return round(t - 1.0, 3)
    return None


@pytest.mark.parametrize("ahead", ["off", "on"])
def test_a_variable_frame_rate_file_holds_the_mask_through_nothing_in_focus_as_long_in_seconds(tmp_path, ahead):
    """`livecut file` of a variable frame rate (1 s at 30 fps, then 5 fps: a phone's clip in low
    light) held the last mask through frames with nothing in focus for smooth.hold frames of its
    average rate (11.4 fps: 23 frames, 4.6 s of the 5 fps part) where a 25 fps clip holds it 2 s;
    the smoother is given each frame's time, the hold lasts 2 s in either."""
    cfr = _seconds_held(tmp_path, "cfr", [i / 25 for i in range(90)], ahead)
    assert cfr == 2.0  # (smooth.hold, 50 frames)
    vfr = _seconds_held(tmp_path, "vfr", [i / 30 for i in range(30)] + [1.0 + 0.2 * i for i in range(16)], ahead)
    assert vfr is not None and abs(vfr - cfr) <= 0.201, (vfr, cfr)  # (within a frame of the 5 fps part)


def test_a_frame_after_a_long_pause_does_not_flip_a_still_mask_alone():
    """A frame given its time after a pause (a phone's clip holding one picture 2 s) lasts at most
    GAP_MAX: one judgement after it (a glitch: the subject missed) moves the still scene's mask a
    tenth of the way and does not settle alone -- at 2 s it would have taken 64 % of it, and
    settled at once (the subject gone from the mask for the frames that followed)."""
    cfg = load_config()
    sm = MaskSmoother(cfg, fps=25)
    frame = _still_frame(1, 20)
    square = np.zeros((90, 160), np.uint8)
    square[20:70, 40:120] = 255
    for i in range(25):
        sm.at(i / 25)
        sm(square, frame)
    sm.at(0.96 + 2.0)
    assert sm(np.zeros_like(square), frame)[45, 80] >= 230
    for i in range(1, 25):
        sm.at(2.96 + i / 25)
        assert np.array_equal(sm(square, frame), square), i
