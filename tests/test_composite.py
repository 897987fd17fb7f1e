"""Compositing: backgrounds, modes, blend correctness, --background parsing."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from livecut.composite import Background, Compositor, cover, parse_background
from livecut.config import load_config
from livecut.errors import ConfigError, ImageReadError


def _frame(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _disk_alpha(h: int, w: int) -> np.ndarray:
    a = np.zeros((h, w), np.uint8)
    cv2.circle(a, (w // 2, h // 2), min(h, w) // 3, 255, -1)
    return cv2.GaussianBlur(a, (0, 0), 2.0)


def _reference(frame: np.ndarray, alpha: np.ndarray, bg: np.ndarray) -> np.ndarray:
    a = alpha.astype(np.float64)[:, :, None] / 255.0
    return frame.astype(np.float64) * a + bg.astype(np.float64) * (1.0 - a)


@pytest.fixture
def video_bg(tmp_path) -> str:
    p = tmp_path / "bg.mp4"
    p.write_bytes(b"\0")  # parse_background only checks that the file exists
    return f"video:{p}"


# ---------------------------------------------------------------- backgrounds

def test_color_background():
    h, w = 120, 160
    frame, alpha = _frame(h, w), _disk_alpha(h, w)
    out = Compositor(background="color:#102030", mode="composite").apply(frame, alpha)
    assert out.shape == (h, w, 3) and out.dtype == np.uint8
    assert np.all(out[alpha == 0] == (0x30, 0x20, 0x10))  # BGR
    assert np.array_equal(out[alpha == 255], frame[alpha == 255])


def test_blur_background():
    h, w = 120, 160
    frame, alpha = _frame(h, w), _disk_alpha(h, w)
    out = Compositor(background="blur", mode="composite").apply(frame, alpha)
    assert out.shape == (h, w, 3)
    assert np.array_equal(out[alpha == 255], frame[alpha == 255])
    bgpix = alpha == 0
    # blurred: much smoother than the (random) frame, and about the same mean colour
    assert out[bgpix].std() < 0.5 * frame[bgpix].std()
    assert abs(float(out[bgpix].mean()) - float(frame.mean())) < 20


def test_image_background_covers_other_aspect(tmp_path):
    # 2:1 picture: red | green (middle half) | blue; covering a square frame shows the middle
    pic = np.zeros((100, 200, 3), np.uint8)
    pic[:, :50] = (0, 0, 255)
    pic[:, 50:150] = (0, 255, 0)
    pic[:, 150:] = (255, 0, 0)
    path = tmp_path / "bg.png"
    cv2.imwrite(str(path), pic)
    h, w = 90, 90
    frame = _frame(h, w)
    alpha = np.zeros((h, w), np.uint8)
    out = Compositor(background=f"image:{path}", mode="composite").apply(frame, alpha)
    assert out.shape == (h, w, 3)
    inner = out[:, 3:-3]
    assert np.all(np.abs(inner.astype(int) - (0, 255, 0)).max(axis=2) <= 2)


@pytest.mark.parametrize("src_hw,dst_wh", [((100, 200), (90, 90)), ((300, 100), (160, 90)),
                                           ((50, 50), (333, 17)), ((480, 640), (64, 48))])
def test_cover_shapes(src_hw, dst_wh):
    img = _frame(*src_hw)
    out = cover(img, *dst_wh)
    assert out.shape == (dst_wh[1], dst_wh[0], 3) and out.flags["C_CONTIGUOUS"]


def test_image_background_gray_and_alpha_pictures(tmp_path):
    gray = tmp_path / "g.png"
    cv2.imwrite(str(gray), np.full((40, 60), 77, np.uint8))
    bgra = tmp_path / "a.png"
    cv2.imwrite(str(bgra), np.full((40, 60, 4), 99, np.uint8))
    frame, alpha = _frame(30, 50), np.zeros((30, 50), np.uint8)
    assert np.all(Compositor(background=f"image:{gray}").apply(frame, alpha) == 77)
    assert np.all(Compositor(background=f"image:{bgra}").apply(frame, alpha) == 99)


def test_image_background_not_an_image(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_text("not a png")
    with pytest.raises(ImageReadError, match="bad.png"):
        Compositor(background=f"image:{bad}")


def test_transparent_background_gives_bgra():
    h, w = 50, 70
    frame, alpha = _frame(h, w), _disk_alpha(h, w)
    comp = Compositor(background="transparent", mode="composite")
    assert comp.channels == 4
    out = comp.apply(frame, alpha)
    assert out.shape == (h, w, 4)
    assert np.array_equal(out[:, :, :3], frame) and np.array_equal(out[:, :, 3], alpha)


def test_video_background_needs_frames(video_bg):
    frame, alpha = _frame(40, 60), _disk_alpha(40, 60)
    comp = Compositor(background=video_bg)
    with pytest.raises(ConfigError):
        comp.apply(frame, alpha)
    bg = _frame(80, 100, seed=5)  # another size: covered
    out = comp.apply(frame, alpha, bg_frame=bg)
    assert np.array_equal(out[alpha == 0], cover(bg, 60, 40)[alpha == 0])


# ---------------------------------------------------------------- modes

@pytest.mark.parametrize("mode,shape", [("cutout", (45, 67, 4)), ("mask", (45, 67)),
                                        ("composite", (45, 67, 3)), ("side-by-side", (45, 134, 3))])
def test_mode_shapes(mode, shape):
    frame, alpha = _frame(45, 67), _disk_alpha(45, 67)
    comp = Compositor(load_config(), mode=mode)
    out = comp.apply(frame, alpha)
    assert out.shape == shape and out.dtype == np.uint8
    assert comp.channels == (shape[2] if len(shape) == 3 else 1)
    assert comp.output_size(67, 45) == (shape[1], shape[0])
    if mode == "cutout":
        assert np.array_equal(out[:, :, 3], alpha) and np.array_equal(out[:, :, :3], frame)
    if mode == "mask":
        assert np.array_equal(out, alpha)
    if mode == "side-by-side":
        assert np.array_equal(out[:, :67], frame)


@pytest.mark.parametrize("background", ["blur", "color:#102030", "transparent"])
def test_side_by_side_is_input_and_composite(background):
    # the right half is the composite (transparent: the subject over black), frame after frame
    rng = np.random.default_rng(7)
    sbs = Compositor(background=background, mode="side-by-side")
    for h, w in ((45, 67), (45, 67), (20, 300)):
        frame, alpha = _frame(h, w, seed=h), rng.integers(0, 256, (h, w), dtype=np.uint8)
        if background == "transparent":
            want = _reference(frame, alpha, np.zeros_like(frame))
        else:
            want = Compositor(background=background, mode="composite").apply(frame, alpha).astype(np.float64)
        out = sbs.apply(frame, alpha)
        assert out.shape == (h, 2 * w, 3) and sbs.channels == 3
        assert np.array_equal(out[:, :w], frame)
        assert np.abs(out[:, w:] - want).max() <= 1.0


def test_mode_from_config():
    assert Compositor(load_config(None, ["composite.mode=cutout"])).mode == "cutout"
    with pytest.raises(ConfigError, match="sepia"):
        Compositor(mode="sepia")


def test_size_change_and_mismatch():
    comp = Compositor(background="color:#000000")
    for h, w in ((40, 60), (33, 17), (40, 60)):
        assert comp.apply(_frame(h, w), _disk_alpha(h, w)).shape == (h, w, 3)
    with pytest.raises(ValueError):
        comp.apply(_frame(40, 60), np.zeros((40, 61), np.uint8))


def test_buffers_reused():
    comp = Compositor(background="color:#000000")
    frame, alpha = _frame(40, 60), _disk_alpha(40, 60)
    assert comp.apply(frame, alpha) is comp.apply(_frame(40, 60, 1), alpha)


# ---------------------------------------------------------------- blend correctness

def _alphas(h: int, w: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    binary = (rng.random((h, w)) < 0.5).astype(np.uint8) * 255
    isolated = np.zeros((h, w), np.uint8)
    isolated[h // 3:, : w // 2] = 255
    n = max(1, h * w // 300)
    ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
    isolated[ys, xs] = rng.integers(1, 255, n)
    isolated[-1, -1] = 7  # a soft pixel in the last partial tile
    isolated[0, w - 1] = 200
    isolated[h - 1, 0] = 100
    band = _disk_alpha(h, w)
    return {
        "random": rng.integers(0, 256, (h, w), dtype=np.uint8),
        "binary": binary,
        "isolated": isolated,
        "band": band,
        "zeros": np.zeros((h, w), np.uint8),
        "ones": np.full((h, w), 255, np.uint8),
        "mid": np.full((h, w), 128, np.uint8),
    }


@pytest.mark.parametrize("h,w", [(16, 16), (17, 33), (37, 53), (100, 161), (240, 320), (47, 300)])
def test_blend_matches_float_reference(h, w, video_bg):
    rng = np.random.default_rng(h * 1000 + w)
    frame = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    bg = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    comp = Compositor(background=video_bg, mode="composite")
    for name, alpha in _alphas(h, w, rng).items():
        out = comp.apply(frame, alpha, bg_frame=bg)
        err = np.abs(out.astype(np.float64) - _reference(frame, alpha, bg)).max()
        assert err <= 1.0, f"{name} {h}x{w}: max error {err}"


def test_blend_color_background_reference():
    h, w = 75, 131
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, (h, w), dtype=np.uint8)
    out = Compositor(background="color:#ff8000").apply(frame, alpha)
    bg = np.empty_like(frame)
    bg[:] = (0, 0x80, 0xFF)
    assert np.abs(out.astype(np.float64) - _reference(frame, alpha, bg)).max() <= 1.0


# ---------------------------------------------------------------- parsing

@pytest.mark.parametrize("text,expected", [
    ("blur", Background("blur")),
    (" BLUR ", Background("blur")),
    ("transparent", Background("transparent")),
    ("none", Background("transparent")),
    ("color:#00ff00", Background("color", color=(0, 255, 0))),
    ("color:#FF0000", Background("color", color=(0, 0, 255))),
    ("colour:0000ff", Background("color", color=(255, 0, 0))),
    ("color:white", Background("color", color=(255, 255, 255))),
])
def test_parse_background(text, expected):
    assert parse_background(text) == expected


def test_parse_background_image(tmp_path):
    p = tmp_path / "x.png"
    p.write_bytes(b"x")
    bg = parse_background(f"image:{p}")
    assert bg.kind == "image" and bg.path == p and not bg.has_alpha
    assert parse_background("transparent").has_alpha


@pytest.mark.parametrize("text,match", [
    ("color:#12345", "color:#RRGGBB"),
    ("color:#12345g", "color:#RRGGBB"),
    ("color:", "color:#RRGGBB"),
    ("color:mauve", "color:#RRGGBB"),
    ("image:", "give a path"),
    ("image:/nonexistent/x.png", "file not found"),
    ("video:/nonexistent/x.mp4", "file not found"),
    ("sparkle", "expected blur"),
    ("", "expected blur"),
])
def test_parse_background_errors(text, match):
    with pytest.raises(ConfigError, match=match):
        parse_background(text)


def test_bad_background_in_config_is_refused_when_used():
    with pytest.raises(ConfigError, match="sparkle"):
        Compositor(load_config(None, ["composite.background=sparkle"]))


def test_path_type():
    assert isinstance(parse_background(f"image:{__file__}").path, Path)
