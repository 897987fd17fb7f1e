"""Pans followed by the MaskSmoother (livecut/smooth.py: _pan, _move): synthetic clips."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

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


def _moved_change(outs, speed):
    """Mean absolute change (0-1) of each mask from the one before moved with the picture."""
    w = outs[0].shape[1]
    return float(np.mean([np.abs(b[:, :w - speed].astype(np.int16) - a[:, speed:]).mean() / 255
                          for a, b in zip(outs[:-1], outs[1:])]))


def test_a_fast_pan_of_a_contrasty_scene_is_followed_not_taken_for_cuts():
    """A scene cut is a mean change above ``smooth.scene_cut`` -- measured from the last frame
    as it was, even when the picture was found to have moved as a whole: a pan of a contrasty
    scene at 16 px a frame (640x360; 48 levels from frame to frame, 1.1 once moved) was a cut
    on every frame, the mask reset to each judgement, its flipping regions flickering as if
    pans were not followed.  On a pan the change is measured from the last frame moved with the
    picture; a cut to another scene during the pan is still one."""
    h, w, speed, n = 360, 640, 16, 20
    rng = np.random.default_rng(3)
    frames = [np.where(_scene(h, w + speed * n + 2, seed) > 127, 255, 0).astype(np.uint8) for seed in (3, 4)]
    truth = np.zeros((h, w + speed * n + 2), np.uint8)
    cv2.circle(truth, (w // 2 + speed * n // 2, h // 2), 60, 255, -1)
    sm = MaskSmoother(load_config())
    outs, masks = [], []
    for i in range(n):
        m = truth[:, speed * i:speed * i + w].copy()
        for _ in range(3 if i >= 3 else 0):  # background blocks taken for subject on this frame alone
            by, bx = rng.integers(0, h - 60), rng.integers(0, w - 60)
            m[by:by + 60, bx:bx + 60] = 255
        masks.append(m)
        outs.append(sm(m, frames[0][:, speed * i:speed * i + w]).copy())
    assert sm.last_pan is not None and sm.resets == 0
    assert _moved_change(outs[8:], speed) < 0.3 * _moved_change(masks[8:], speed)
    sm(masks[-1], frames[1][:, speed * n:speed * n + w])  # (the other scene)
    assert sm.resets == 1


def test_last_pan_says_none_before_a_frame_after_a_hold_and_after_a_reset():
    """``last_pan`` (the whole pixels the mask was moved on the last frame) was an AttributeError
    before the first frame, and kept a pan's value through a held frame and a reset, when the
    mask was not moved."""
    sm = MaskSmoother(load_config())
    assert sm.last_pan is None
    clip = _pan(180, 320, 4, 4, 40)
    for f, a in clip:
        sm(a, f)
    assert sm.last_pan is not None
    f, a = clip[-1]
    sm.hold(a, f)
    assert sm.last_pan is None
    sm(a, f)
    sm.reset()
    assert sm.last_pan is None


def test_a_mask_held_through_frames_with_nothing_in_focus_moves_with_a_pan():
    """A held mask (frames with nothing in focus, ``hold()``) stayed where it was while the
    camera moved on: every third frame held on a pan of 8 px a frame, the mask's IoU fell to
    0.71 on them.  It is moved with the picture as a smoothed one is."""
    sm = MaskSmoother(load_config())
    ious = []
    for i, (f, t) in enumerate(_pan(180, 320, 8, 20, 30)):
        o = sm.hold(np.zeros_like(t), f) if i % 3 == 2 else sm(t, f)
        ious.append(((o >= 128) & (t > 0)).sum() / ((o >= 128) | (t > 0)).sum())
    assert min(ious[2:]) > 0.9, [round(v, 2) for v in ious]
    assert sm.held == 6


def test_a_subject_that_jumps_between_judged_frames_of_a_pan_is_taken_at_the_next_judgement():
    """segment.every: the frames between judged ones are given the last judgement moved with the
    picture (``judged=False``), and the image the motion is measured against stays the one that
    judgement saw, so a subject that jumped meanwhile is a change at the next judgement, taken at
    once.  On a pan that image was replaced by the last frame moved with the picture: the jump,
    seen at the served frames, was no change at the judgement, and the new place waited as a change
    in a still area does, for smooth.settle judged frames (24 frames here: IoU 0 on the 10 frames
    of this clip after the jump)."""
    h, w, speed, n, r, jump, every = 180, 320, 2, 16, 24, 60, 4
    rng = np.random.default_rng(2)
    big = _scene(h, w + speed * n + 2, 5)
    subject = _scene(2 * r + 1, 2 * r + 1, 9)
    disk = np.zeros((2 * r + 1, 2 * r + 1), np.uint8)
    cv2.circle(disk, (r, r), r, 255, -1)
    frames, truths = [], []
    for i in range(n):
        f = big[:, speed * i:speed * i + w].copy()
        t = np.zeros((h, w), np.uint8)
        x = w // 2 - r + (jump if i >= 6 else 0) - speed * i  # (it jumps at frame 6, a served one)
        inside = disk > 0
        f[h // 2 - r:h // 2 + r + 1, x:x + 2 * r + 1][inside] = subject[inside]
        t[h // 2 - r:h // 2 + r + 1, x:x + 2 * r + 1] = disk
        frames.append(cv2.add(f, rng.normal(0, 1.0, f.shape), dtype=cv2.CV_8U))
        truths.append(t)
    sm = MaskSmoother(load_config())
    ious = []
    for i, (f, t) in enumerate(zip(frames, truths)):
        judged = i % every == 0
        last = i - i % every  # the judgement served: the judged frame's truth moved with the picture
        a = t if judged else np.roll(truths[last], -speed * (i - last), axis=1)
        o = sm(a, f, judged=judged)
        ious.append(((o >= 128) & (t > 0)).sum() / ((o >= 128) | (t > 0)).sum())
    assert sm.last_pan is not None and sm.resets == 0
    assert min(ious[8:]) > 0.9, [round(v, 2) for v in ious]  # (from the judgement after the jump)


def test_a_mask_held_through_a_pan_with_nothing_in_focus_is_held_as_long_as_it_follows_the_picture():
    """A held mask moved with a pan was let go within ``smooth.settle`` frames of it: each frame's
    coarse view was alike the one before (a pan that is followed is no whip pan) and unlike the
    view the hold began on, which stayed where the camera was -- taken for a camera that rested on
    another scene, and the subject, still in view where the mask had followed it, dropped (a
    defocused pan of 4 px a frame at 640x360: held 13 frames, then IoU 0).  The view the hold
    began on is moved with the picture, as the mask is."""
    cfg = load_config()
    sm = MaskSmoother(cfg)
    clip = _pan(180, 320, 8, 30, 30)
    for f, t in clip[:3]:
        sm(t, f)
    ious = []
    for f, t in clip[3:]:
        o = sm.hold(np.zeros_like(t), cv2.GaussianBlur(f, (0, 0), 2))  # nothing in focus
        ious.append(((o >= 128) & (t > 0)).sum() / ((o >= 128) | (t > 0)).sum())
    assert sm.held == len(clip) - 3 and sm.resets == 0
    assert min(ious) > 0.9, [round(v, 2) for v in ious]


def _followed(fps, speed, h=180, w=320):
    """Seconds of a second's pan of ``speed`` px a second (a blurred-noise picture moved by
    sub-pixel steps) on which the mask was moved with the picture, and the pixels it was moved."""
    rng = np.random.default_rng(3)
    pano = cv2.GaussianBlur(rng.integers(0, 256, (h, w + 40, 3), dtype=np.uint8), (0, 0), 1)
    mask = np.zeros((h, w), np.uint8)
    mask[50:130, 100:200] = 255
    sm = MaskSmoother(load_config(), fps=fps)
    frames = moved = 0
    for i in range(fps):
        sm(mask, cv2.warpAffine(pano, np.float32([[1, 0, -i * speed / fps], [0, 1, 0]]), (w, h)))
        if sm.last_pan is not None:
            frames += 1
            moved += sm.last_pan[0]
    return frames / fps, moved


def test_a_slow_pan_at_60_fps_is_followed_as_long_in_seconds_as_at_25_fps():
    """A pan is the picture's motion in a frame over PAN_MIN, told from the optical flow's noise:
    at 60 fps a frame has 0.4 of the motion of a 25 fps frame, and a slow pan (25 px a second at
    1280x720, 1 px a frame of 25 fps) fell below it -- its mask was moved with the picture for 0.05
    of its second, not at all, where at 25 fps for 0.96 s, 4 px.  A frame shorter than one of 25
    fps is measured from the frame that long before it, its share of that motion its own."""
    at25, moved25 = _followed(25, 6.25)  # (320x180: 25 px a second at 1280x720)
    assert at25 > 0.8 and moved25 <= -3
    at60, moved60 = _followed(60, 6.25)
    assert abs(at60 - at25) < 0.15 and abs(moved60 - moved25) <= 1, (at60, at25, moved60, moved25)


def test_a_pan_that_stops_at_60_fps_leaves_the_mask_where_the_picture_stopped():
    """At 60 fps a frame whose motion is under PAN_MIN is measured again from the frame a 25 fps
    frame before it; the two frames after a pan stopped were measured so across its last frames,
    whose motion the mask had been moved by already: it was moved by their shares again (2 px
    twice at 640x360 after 4 px a frame, the disk's IoU 0.90 to 0.85, and left there)."""
    clip = _pan(360, 640, 4, 16, 60)
    clip += [clip[-1]] * 8  # (the camera stops)
    sm = MaskSmoother(load_config(), fps=60)
    pans, ious = [], []
    for f, t in clip:
        o = sm(t, f)
        pans.append(sm.last_pan)
        ious.append(((o >= 128) & (t > 0)).sum() / ((o >= 128) | (t > 0)).sum())
    assert all(p is not None and p[0] < 0 for p in pans[4:16]), pans  # (the pan followed)
    assert all(p is None for p in pans[16:]), pans[16:]
    assert min(ious[16:]) > 0.885, [round(v, 3) for v in ious[15:]]  # (0.90 as the pan left it)


def _centre_x(alpha):
    a = alpha.astype(np.float64)
    return float((a * np.arange(a.shape[1])).sum() / a.sum())


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("speed", [-0.35, 0.6, -1.3, 2.7])
def test_a_pan_s_judgement_is_shown_where_the_picture_is(seed, speed):
    """The smoothed mask is moved with a pan in whole pixels, and shown moved by the rest of the
    pan (a fraction of a pixel); the judgement, of the picture where it is, was averaged into it
    where it stood, so the part of it taken (most of it at the subject's edge, where the picture
    changes) was shown moved by that rest once more: a judgement exact to the picture (a sharp
    subject over a blurred background, 320x180, panned 0.35-2.7 px a frame) was shown 0.2 px off
    it on average, up to 0.5, to one side then the other, its edge wavering.  The judgement is
    averaged in where the smoothed mask is (moved back by that rest)."""
    from synth import make_scene

    img, gt = make_scene("basic", w=400, h=240, seed=seed)
    sm = MaskSmoother(load_config())
    off = []
    for i in range(25):
        m = np.float32([[1, 0, -speed * i - (40 if speed < 0 else 0)], [0, 1, -30]])
        f = cv2.warpAffine(img, m, (320, 180), flags=cv2.INTER_LINEAR)
        t = cv2.warpAffine(gt, m, (320, 180), flags=cv2.INTER_LINEAR)
        o = sm(t, f)
        if sm.last_pan is not None:
            off.append(abs(_centre_x(o) - _centre_x(t)))
    assert len(off) > 12
    assert np.mean(off) < 0.08, [round(v, 2) for v in off]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("speed", [-0.35, 2.7])
def test_the_mask_stays_where_the_picture_is_when_a_pan_stops(seed, speed):
    """The mask is shown moved by the rest of the pan not yet applied to it in whole pixels; that
    rest was dropped on the first frame that was no pan -- the camera stopped, or a frame of its
    shake moved less than PAN_MIN -- and the mask shown jumped back by it, up to half a pixel, the
    picture still (a sharp subject over a blurred background, 320x180, judged exactly: 0.1-0.4 px),
    and stayed there, to be averaged back at the still-scene rate.  It is kept."""
    from synth import make_scene

    img, gt = make_scene("basic", w=400, h=240, seed=seed)
    sm = MaskSmoother(load_config())
    centres = []
    for i in range(20):
        x = speed * min(i, 14)  # (the camera stops after 14 frames)
        m = np.float32([[1, 0, -x - (40 if speed < 0 else 0)], [0, 1, -30]])
        f = cv2.warpAffine(img, m, (320, 180), flags=cv2.INTER_LINEAR)
        t = cv2.warpAffine(gt, m, (320, 180), flags=cv2.INTER_LINEAR)
        centres.append(_centre_x(sm(t, f)))
    assert sm.last_pan is None
    assert max(abs(c - centres[14]) for c in centres[15:]) < 0.1, [round(c - centres[14], 2) for c in centres[15:]]
