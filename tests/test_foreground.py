"""Foreground colour estimation (composite.decontaminate): a still image's soft edge takes the
subject's colours, not the old background's (livecut/foreground.py, blur-fusion)."""

from __future__ import annotations

import copy
import pickle

import cv2
import numpy as np
import pytest

from livecut.composite import Compositor
from livecut.config import load_config


def _scene(h: int, w: int, soft: float = 2.5):
    """A frame I = a F + (1 - a) B of a known subject F (an orange gradient with a texture), over
    a known sky B (a blue gradient), its alpha a disk with a soft edge and a few soft strands
    (hair) out of it: (I, alpha, F, B)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    rng = np.random.default_rng(3)
    f = np.empty((h, w, 3))
    f[..., 0], f[..., 1], f[..., 2] = 40 + 30 * xx / w, 140 + 40 * yy / h, 220 - 20 * xx / w
    f += cv2.GaussianBlur(rng.normal(0, 6, (h, w)), (0, 0), 2)[..., None]
    b = np.empty((h, w, 3))
    b[..., 0], b[..., 1], b[..., 2] = 235 - 20 * yy / h, 170 + 10 * xx / w, 70 + 20 * yy / h
    a = np.zeros((h, w), np.float32)
    cv2.circle(a, (w // 2, h // 2), min(h, w) // 3, 1.0, -1)
    for k in range(7):  # strands, 1 px wide, going out
        ang = 2 * np.pi * k / 7
        r0, r1 = min(h, w) // 3, min(h, w) * 0.45
        p0 = (int(w / 2 + r0 * np.cos(ang)), int(h / 2 + r0 * np.sin(ang)))
        p1 = (int(w / 2 + r1 * np.cos(ang)), int(h / 2 + r1 * np.sin(ang)))
        cv2.line(a, p0, p1, 0.6, 1)
    a = cv2.GaussianBlur(a, (0, 0), soft)
    alpha = np.clip(np.rint(a * 255), 0, 255).astype(np.uint8)
    a1 = alpha[..., None] / 255.0
    frame = np.clip(np.rint(a1 * f + (1 - a1) * b), 0, 255).astype(np.uint8)
    return frame, alpha, np.clip(f, 0, 255), b


def _error(colours, f, alpha, soft) -> float:
    """Mean error of ``colours`` against the subject's ``f`` at the ``soft`` pixels, each weighed
    by its alpha, as much as it shows (a pixel of alpha 1/255 shows nothing of F, nor can tell it)."""
    a = alpha[soft].astype(np.float64) / 255
    return float((np.abs(colours[soft].astype(np.float64) - f[soft]).mean(1) * a).sum() / a.sum())


def _cfg(value: str):
    return load_config(None, [f"composite.decontaminate={value}"])


SIZES = [(360, 640), (333, 517), (720, 1280)]


@pytest.mark.parametrize("h,w", SIZES)
def test_a_still_images_cutout_takes_the_subjects_colours_in_its_soft_edge(h, w):
    frame, alpha, f, _ = _scene(h, w)
    out = Compositor(mode="cutout", still=True).apply(frame, alpha)
    soft = (alpha > 0) & (alpha < 255)
    assert soft.sum() > 1000
    before, after = _error(frame, f, alpha, soft), _error(out[..., :3], f, alpha, soft)
    assert after < before / 3, (before, after)
    # the alpha as it was; the opaque and the transparent pixels the frame's, bit for bit
    assert np.array_equal(out[..., 3], alpha)
    assert np.array_equal(out[..., :3][~soft], frame[~soft])


@pytest.mark.parametrize("bg", ["color:white", "transparent", "blur"])
def test_a_still_images_composite_shows_no_rim_of_the_old_background(bg):
    h, w = 360, 640
    frame, alpha, f, _ = _scene(h, w)
    comp = Compositor(mode="composite", background=bg, still=True)
    out = comp.apply(frame, alpha).copy()
    base = Compositor(mode="composite", background=bg).apply(frame, alpha)  # a video's: the frame's colours
    soft = (alpha > 0) & (alpha < 255)
    assert np.array_equal(out[~soft], base[~soft])  # (only the soft edge changes)
    if bg == "color:white":  # the true composite of F over white
        a1 = alpha[..., None] / 255.0
        truth = a1 * f + (1 - a1) * 255.0
        before = np.abs(base[soft] - truth[soft]).mean()
        after = np.abs(out[soft] - truth[soft]).mean()
        assert after < before / 3, (before, after)
    elif bg == "transparent":
        assert np.array_equal(out[..., 3], alpha)
        assert _error(out[..., :3], f, alpha, soft) < _error(frame, f, alpha, soft) / 3
    else:
        # the blur background is made of the frame's own colours, as before
        inner = alpha == 0
        assert np.array_equal(out[inner], base[inner])


@pytest.mark.parametrize("mode", ["cutout", "composite", "side-by-side"])
def test_off_keeps_the_frames_own_colours_bit_for_bit(mode):
    frame, alpha, _, _ = _scene(360, 640)
    off = Compositor(_cfg("off"), mode=mode, background="color:white", still=True)
    assert not off.decontaminate
    got = off.apply(frame, alpha).copy()
    video = Compositor(mode=mode, background="color:white")  # auto, a video's frames: off
    assert not video.decontaminate
    assert np.array_equal(got, video.apply(frame, alpha))
    if mode == "cutout":
        assert np.array_equal(got[..., :3], frame)


def test_auto_is_on_for_still_images_only_and_on_estimates_in_video_too():
    frame, alpha, _, _ = _scene(180, 320)
    assert Compositor(still=True).decontaminate and not Compositor().decontaminate
    on = Compositor(_cfg("on"), mode="cutout")
    assert on.decontaminate
    assert np.array_equal(on.apply(frame, alpha), Compositor(mode="cutout", still=True).apply(frame, alpha))
    # it composites BGR frames: the I420 path keeps the frame's own colours
    assert not Compositor(_cfg("on")).supports_i420 and Compositor().supports_i420
    # true / false, as a boolean key is written, are on / off
    assert _cfg("true").composite.decontaminate == "on"
    assert _cfg("false").composite.decontaminate == "off"


def test_a_copy_and_a_pickle_keep_still():
    frame, alpha, _, _ = _scene(180, 320)
    comp = Compositor(mode="cutout", still=True)
    want = comp.apply(frame, alpha).copy()
    for other in (pickle.loads(pickle.dumps(comp)), copy.copy(comp)):
        assert other.decontaminate
        assert np.array_equal(other.apply(frame, alpha), want)


def test_a_frame_without_a_soft_pixel_is_left_as_it_is():
    frame, _, _, _ = _scene(180, 320)
    alpha = np.zeros((180, 320), np.uint8)
    alpha[40:140, 100:220] = 255
    out = Compositor(mode="cutout", still=True).apply(frame, alpha)
    assert np.array_equal(out[..., :3], frame)


def test_the_buffers_are_made_again_for_another_size():
    comp = Compositor(mode="cutout", still=True)
    for h, w in ((180, 320), (333, 517), (180, 320)):
        frame, alpha, f, _ = _scene(h, w)
        out = comp.apply(frame, alpha)
        fresh = Compositor(mode="cutout", still=True).apply(frame, alpha)
        assert np.array_equal(out, fresh)


def test_livecut_image_estimates_the_colours_of_the_soft_edge(tmp_path):
    from livecut.images import process_images

    frame, _, _, _ = _scene(240, 320)
    src = tmp_path / "in.png"
    cv2.imwrite(str(src), frame)
    outs = {}
    for value in ("auto", "on", "off"):
        cfg = load_config(None, [f"composite.decontaminate={value}"])
        dst = tmp_path / f"{value}.png"
        process_images([src], dst, cfg, mode="cutout")
        outs[value] = cv2.imread(str(dst), cv2.IMREAD_UNCHANGED)
    alpha = outs["off"][..., 3]
    soft = (alpha > 0) & (alpha < 255)
    assert soft.any()
    assert np.array_equal(outs["auto"], outs["on"])
    assert np.array_equal(outs["on"][..., 3], alpha)
    assert np.array_equal(outs["off"][..., :3], frame)  # off: the frame's own colours
    assert np.array_equal(outs["on"][..., :3][~soft], frame[~soft])
    assert not np.array_equal(outs["on"][..., :3][soft], frame[soft])


def test_a_picture_with_its_own_transparency_keeps_its_colours():
    """The colours stored under a picture's own transparency, which nothing shows, are not taken
    for the background's: its soft edge keeps the frame's colours (one opaque all over is a
    BGR frame's, estimated)."""
    frame, alpha, _, _ = _scene(180, 320)
    bgra = cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA)
    bgra[:, :40, 3] = 0
    bgra[:, :40, :3] = (0, 0, 255)  # (hidden red)
    out = Compositor(mode="cutout", still=True).apply(bgra, alpha)
    assert np.array_equal(out[..., :3], bgra[..., :3])
    bgra[..., 3] = 255
    bgra[..., :3] = frame
    assert np.array_equal(Compositor(mode="cutout", still=True).apply(bgra, alpha),
                          Compositor(mode="cutout", still=True).apply(frame, alpha))


@pytest.mark.parametrize("h,w", [(1440, 2560), (1443, 2565)])
def test_a_large_frames_second_pass_made_at_a_reduced_size_is_as_good_as_at_full_size(h, w, monkeypatch):
    """A large frame's second pass is made at a reduced size (its blurs read back bilinearly, the
    final fuse alone at full size): its colours within a small error of the full-size pass's,
    its soft edge as close to the subject's, the other pixels the frame's bit for bit (a size
    not a whole number of the reduction's blocks too: its last rows and columns read back from the edge)."""
    from livecut import foreground

    # the subject across the frame's corners (its soft edge reaching each side)
    frame, alpha, f = (np.roll(x, (h // 2, w // 2), (0, 1)) for x in _scene(h, w, 5)[:3])
    soft = (alpha > 0) & (alpha < 255)
    reduced = foreground.Decontaminator()
    got = reduced(frame, alpha).copy()
    assert reduced._k >= 2
    monkeypatch.setattr(foreground, "SMALL_REDUCED", 1e9)  # the second pass at full size, in tiles
    full = foreground.Decontaminator()
    want = full(frame, alpha).copy()
    assert full._k == 1
    assert np.array_equal(got[~soft], frame[~soft])
    diff = np.abs(got.astype(np.int16) - want.astype(np.int16))[soft]
    assert diff.mean() < 0.5, diff.mean()
    # weighed by alpha (where the colours show), within 5 % of the full-size pass's error
    assert _error(got, f, alpha, soft) < 1.05 * _error(want, f, alpha, soft)
    assert _error(got, f, alpha, soft) < _error(frame, f, alpha, soft) / 5
    # the last rows and columns (short of a whole block) are estimated too
    edge = soft.copy()
    edge[: h - 4, : w - 4] = False
    assert edge.sum() > 50
    assert np.abs(got[edge].astype(int) - want[edge].astype(int)).mean() < 1.0
