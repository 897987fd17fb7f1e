"""Compositing: backgrounds, modes, blend correctness, --background parsing."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from livecut.composite import Background, Compositor, cover, parse_background
from livecut.config import load_config
from livecut.errors import ArrayError, ConfigError, ImageReadError, ImageSizeError, UsageError


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
    opaque = tmp_path / "o.png"
    cv2.imwrite(str(opaque), np.dstack((np.full((40, 60, 3), 99, np.uint8), np.full((40, 60), 255, np.uint8))))
    frame, alpha = _frame(30, 50), np.zeros((30, 50), np.uint8)
    assert np.all(Compositor(background=f"image:{gray}").apply(frame, alpha) == 77)
    assert np.all(Compositor(background=f"image:{opaque}").apply(frame, alpha) == 99)
    # (as it shows over black: 99 * 99 / 255, not the colours stored under its transparency)
    assert np.all(Compositor(background=f"image:{bgra}").apply(frame, alpha) == 38)


def test_image_background_not_an_image(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_text("not a png")
    with pytest.raises(ImageReadError, match="bad.png"):
        Compositor(background=f"image:{bad}")


def test_image_background_errors_say_it_is_the_background(tmp_path):
    """An unreadable -b image:PATH was "X: not an image" (the input, or the background?), and a
    video given as image:PATH was told to be cut with `livecut file X -o OUT.mp4`."""
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x00\x01\x02not a png")  # (binary junk: a text file is said to be one)
    with pytest.raises(ImageReadError, match="^background image: .*bad.png: not an image"):
        Compositor(background=f"image:{bad}")
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0\0\0\x18ftypisom" + bytes(64))  # (an MP4's head: a video brand)
    with pytest.raises(ImageReadError, match="a video, not a picture") as info:
        Compositor(background=f"image:{clip}")
    assert f"video:{clip}" in str(info.value) and "livecut file" in str(info.value)
    assert "OUT.mp4" not in str(info.value)


def test_a_space_after_image_colon_is_no_part_of_the_name(tmp_path, monkeypatch):
    """"image: bg.png" (as "color: #fff" is written) was 'file not found:  bg.png'; a file whose
    name does start with a space is still taken by it."""
    monkeypatch.chdir(tmp_path)
    cv2.imwrite("bg.png", np.full((8, 8, 3), 90, np.uint8))
    assert parse_background("image: bg.png").path == Path("bg.png")
    assert parse_background("video:  bg.png", files=False).path == Path("bg.png")
    cv2.imwrite(" odd.png", np.full((8, 8, 3), 90, np.uint8))
    assert parse_background("image: odd.png").path == Path(" odd.png")
    with pytest.raises(ConfigError, match="give a path"):
        parse_background("image:   ")


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



@pytest.mark.parametrize("mode", ["composite", "side-by-side"])
def test_a_video_backgrounds_frame_is_read_with_the_frames_bits(video_bg, mode):
    """``apply(frame, alpha, bg_frame, bits=10)`` read the frame as 10-bit and the background
    video's frame, of the same 10-bit video in uint16, as 16-bit: the background nearly black
    (3 for 200).  ``bits`` is the background frame's too; a uint8 one is taken as it is."""
    h, w = 40, 60
    frame, alpha, bg = _frame(h, w), _disk_alpha(h, w), _frame(h, w, seed=5)
    comp = Compositor(background=video_bg, mode=mode)
    want = comp.apply(frame, alpha, bg).copy()
    for bits in (10, 12):
        deep = lambda img: img.astype(np.uint16) << (bits - 8)  # noqa: E731
        assert np.array_equal(comp.apply(deep(frame), alpha, deep(bg), bits=bits), want), bits
        assert np.array_equal(comp.apply(deep(frame), alpha, bg, bits=bits), want), bits
        assert np.array_equal(comp.apply(frame, alpha, deep(bg), bits=bits), want), bits
    with pytest.raises(ArrayError, match="bg_frame: .*values up to 4000 is not 10-bit"):
        comp.apply(frame, alpha, np.full((h, w, 3), 4000, np.uint16), bits=10)


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




@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_side_by_side_of_a_turned_video_is_beside_as_shown(rotation):
    # a phone's portrait clip (stored sideways, display rotation 90 or 270) was put side by side
    # as stored: shown turned, the input and its composite were one above the other (240x640
    # for 320x240 frames at 90), and at 180 the composite was on the left; the halves are laid
    # out so that, turned as the video is shown, the input is on the left, twice as wide
    from livecut.frames import Upright

    h, w = 24, 40
    frame, alpha = _frame(h, w, seed=3), np.full((h, w), 128, np.uint8)
    sbs = Compositor(background="color:#102030", mode="side-by-side")
    sbs.rotation = rotation
    want = Compositor(background="color:#102030", mode="composite").apply(frame, alpha).copy()
    ow, oh = sbs.output_size(w, h)
    out = sbs.apply(frame, alpha)
    assert out.shape == (oh, ow, 3)
    turn = Upright(rotation)
    shown = turn(out).copy()
    sw, sh = turn.size(w, h)
    assert shown.shape == (sh, 2 * sw, 3)  # (twice as wide as shown)
    assert np.array_equal(shown[:, :sw], Upright(rotation)(frame))
    assert np.array_equal(shown[:, sw:], Upright(rotation)(want))


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


def test_frames_the_segmenter_takes_are_taken_here_too():
    """Gray, BGRA, 16-bit and 0-1 float frames (cv2.imread(..., IMREAD_UNCHANGED) of a PNG),
    which Segmenter.mask takes: cutout gave uninitialised colours, composite a cv2.error; a
    wrong alpha gave an AttributeError or a cv2.error, not a livecut error."""
    frame, alpha = _frame(40, 60), _disk_alpha(40, 60)
    same = {"bgra": cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA), "16-bit": frame.astype(np.uint16) * 257,
            "float": frame.astype(np.float32) / 255.0}
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    for mode in ("cutout", "composite", "side-by-side"):
        want = Compositor(background="color:#102030", mode=mode).apply(frame, alpha).copy()
        for name, f in same.items():
            got = Compositor(background="color:#102030", mode=mode).apply(f, alpha)
            assert np.array_equal(got, want), (mode, name)
        want = Compositor(background="color:#102030", mode=mode).apply(cv2.merge([gray] * 3), alpha).copy()
        assert np.array_equal(Compositor(background="color:#102030", mode=mode).apply(gray, alpha), want), mode
    comp = Compositor()
    for bad in (None, alpha / 255.0, alpha[:10], cv2.merge([alpha] * 3)):
        with pytest.raises(UsageError):
            comp.apply(frame, bad)


def test_a_bgra_frames_own_alpha_is_kept():
    """A BGRA frame's own alpha (a transparent PNG read with IMREAD_UNCHANGED, a video's) was
    dropped: its transparent parts came out opaque in a cutout and over a transparent background,
    in front of the background in a composite.  The alpha used is the mask's times the frame's
    own / 255 (as ``livecut image`` combines a picture's), in every mode and in blend_over, of
    the frame's bits; the caller's alpha is left as it was given."""
    h, w = 40, 60
    frame, alpha = _frame(h, w), _disk_alpha(h, w)
    own = np.full((h, w), 255, np.uint8)
    own[:, :20], own[:, 20:30] = 0, 128
    bgra = np.dstack((frame, own))
    given = alpha.copy()
    want = cv2.multiply(alpha, own, scale=1 / 255)
    assert want[:, :20].max() == 0 and want[:, 20:30].max() > 0  # (the disk reaches both)
    for mode, bg in (("cutout", "blur"), ("composite", "transparent")):
        out = Compositor(background=bg, mode=mode).apply(bgra, alpha)
        assert np.array_equal(out[:, :, 3], want) and np.array_equal(out[:, :, :3], frame), mode
    assert np.array_equal(Compositor(mode="mask").apply(bgra, alpha), want)
    comp = Compositor(background="color:#102030", mode="composite")
    assert np.array_equal(comp.apply(bgra, alpha), Compositor(background="color:#102030").apply(frame, want))
    canvas = _frame(h, w, seed=9)
    assert np.array_equal(comp.blend_over(bgra, alpha, canvas.copy()), comp.blend_over(frame, want, canvas.copy()))
    deep = bgra.astype(np.uint16) << 2  # (a 10-bit video's, in uint16: its alpha 10-bit too)
    assert np.array_equal(Compositor(mode="cutout").apply(deep, alpha, bits=10)[:, :, 3], want)
    assert np.array_equal(alpha, given)
    # transparent margins are no black bars: the background shows there, as the alpha says
    bgra[:, :20] = 0
    out = comp.apply(bgra, np.full((h, w), 255, np.uint8), box=(0, h, 20, w))
    assert np.all(out[:, :20] == (0x30, 0x20, 0x10))


@pytest.mark.parametrize("background", ["color:#102030", "transparent"])
def test_side_by_side_shows_a_bgra_input_as_seen_over_black(background):
    """The input half of a BGRA frame showed the colours under its fully transparent pixels (a
    PNG's hidden red, what an editor left there); it shows the input as seen over black, its
    colours times its alpha / 255, as the composite half shows a transparent background."""
    h, w = 40, 60
    frame, alpha = _frame(h, w), _disk_alpha(h, w)
    own = np.full((h, w), 255, np.uint8)
    own[:, :20], own[:, 20:30] = 0, 128
    sbs = Compositor(background=background, mode="side-by-side")
    out = sbs.apply(np.dstack((frame, own)), alpha)
    want = _reference(frame, own, np.zeros_like(frame))
    assert np.abs(out[:, :w] - want).max() <= 1.0 and out[:, :20].max() == 0
    assert np.array_equal(out[:, 30:w], frame[:, 30:])
    both = cv2.multiply(alpha, own, scale=1 / 255)
    assert np.array_equal(out[:, w:], Compositor(background=background, mode="side-by-side").apply(frame, both)[:, w:])


@pytest.mark.parametrize("mode", ["composite", "side-by-side"])
@pytest.mark.parametrize("h, w, boxed", [(40, 60, False), (40, 60, True), (1080, 1920, False)])
def test_a_blur_background_is_made_of_a_bgra_input_as_seen(mode, h, w, boxed):
    """The blur background of a BGRA frame was made of the colours stored under its fully
    transparent pixels (a PNG's hidden red, what an editor left there): they were blurred into
    the background, shown where it is transparent and around it.  It is made of the input as seen
    (its colours times its own alpha / 255, each weighed by that alpha: see the test below), as
    the side-by-side input half shows it over black: what is hidden under alpha 0 changes
    nothing; an opaque BGRA frame is a BGR one."""
    frame, alpha = _frame(h, w), _disk_alpha(h, w)
    y0, y1 = h // 10, h - h // 10
    box = (y0, y1, 0, w) if boxed else None  # (black bars above and below: opaque)
    own = np.full((h, w), 255, np.uint8)
    own[y0:y1, : w // 3], own[y0:y1, w // 3: w // 2] = 0, 128
    hidden = frame.copy()
    hidden[own == 0] = (0, 0, 255)
    comp = Compositor(background="blur", mode=mode)
    out = comp.apply(np.dstack((frame, own)), alpha, box=box).copy()
    assert np.array_equal(comp.apply(np.dstack((hidden, own)), alpha, box=box), out)
    seen = cv2.multiply(frame, cv2.merge((own,) * 3), scale=1 / 255)
    if mode == "side-by-side":
        assert np.array_equal(out[:, :w], seen)
    opaque = np.dstack((frame, np.full((h, w), 255, np.uint8)))
    assert np.array_equal(comp.apply(opaque, alpha, box=box),
                          Compositor(background="blur", mode=mode).apply(frame, alpha, box=box))


@pytest.mark.parametrize("mode", ["composite", "side-by-side"])
@pytest.mark.parametrize("h, w, boxed", [(120, 200, False), (120, 200, True), (1080, 1920, False)])
@pytest.mark.parametrize("judged", ["subject", "background"])
def test_the_blur_background_of_a_half_transparent_picture_takes_its_visible_colours(mode, h, w, boxed, judged):
    """A picture with its own transparency (an already cut-out photo) over the blur background
    came out black where it is transparent: the background was made of the picture as seen over
    black, its transparent pixels blurred in as black (and darkening it near them).  It is made
    by normalised convolution, blur(colour * alpha) / blur(alpha): its transparent parts take the
    colours visible near them, and those out of the blur's reach its mean visible colour;
    whether the mask took what is visible for the subject or the background."""
    a, b = (40, 160, 220), (200, 90, 30)
    y0, y1 = (h // 10, h - h // 10) if boxed else (0, h)  # (black bars above and below: opaque)
    edge, mid = w * 3 // 5, (y0 + y1) // 2
    frame = np.zeros((h, w, 3), np.uint8)
    frame[y0:mid], frame[mid:y1] = a, b  # (the visible right part: a above, b below)
    own = np.full((h, w), 255, np.uint8)
    own[y0:y1, :edge] = 0
    frame[own == 0] = (0, 0, 255)  # (hidden red)
    alpha = own.copy() if judged == "subject" else np.zeros((h, w), np.uint8)
    out = Compositor(background="blur", mode=mode).apply(np.dstack((frame, own)), alpha,
                                                         box=(y0, y1, 0, w) if boxed else None)[:, -w:]
    if judged == "subject":
        assert np.array_equal(out[own == 255], frame[own == 255])
    clear = out[y0:y1, :edge].astype(int)
    top, bottom = (y1 - y0) // 8, (y1 - y0) * 7 // 8
    # near the visible part, its colours there; out of the blur's reach (a quarter of the way
    # across), their mean; nowhere black
    assert np.abs(clear[top, -3:] - a).max() <= 3 and np.abs(clear[bottom, -3:] - b).max() <= 3
    assert np.abs(clear[:, : edge // 4] - np.add(a, b) / 2).max() <= 3
    assert clear.min() >= 30


def test_faint_specks_of_a_transparent_part_do_not_colour_the_blur_background():
    """A lossy video's alpha (livecut's own VP9 with alpha, read back: `livecut file cut.webm -o
    out.mp4`) leaves specks of 1-3 where the picture is transparent; each, the only thing visible
    within the blur's reach, was taken for the colour of everything around it -- from its colour
    times its alpha at 8 bits, 0 to 3 levels -- and came out a black or saturated blob as wide as
    the blur (a 3x3 speck of alpha 1-3: a green disc 120 pixels wide, (2, 254, 0)).  A pixel too
    faint to see colours nothing: there, the mean visible colour, as where nothing is visible."""
    h, w = 360, 640
    a = (40, 160, 220)
    frame = np.zeros((h, w, 3), np.uint8)
    frame[:] = (0, 0, 255)  # (hidden red)
    own = np.zeros((h, w), np.uint8)
    frame[:, w * 3 // 5:], own[:, w * 3 // 5:] = a, 255  # (the visible part, out of the specks' blur's reach)
    rng = np.random.default_rng(1)
    for y, x in ((90, 60), (250, 120)):
        own[y:y + 3, x:x + 3] = rng.integers(1, 4, (3, 3))
        frame[y:y + 3, x:x + 3] = (30, 230, 90)  # (what the video held there, as good as unseen)
    out = Compositor(background="blur").apply(np.dstack((frame, own)), own.copy())
    assert np.abs(out[:, : w // 3].astype(int) - a).max() <= 3


@pytest.mark.parametrize("h, w", [(360, 640), (300, 451)])
def test_the_visible_colours_of_a_half_transparent_picture_fade_into_their_mean_without_an_edge(h, w):
    """Over the blur background, the transparent part of a picture with its own transparency
    (an already cut-out photo: `livecut image cut.png -m composite`, or livecut's own VP9 with
    alpha read back) kept the colours visible near it up to a hard edge, about 3 sigma of the blur
    out, and the mean visible colour beyond: the blurs' kernels stopped there (the plain blur's, 3
    sigma), and the blur of its alpha dropped from about VISIBLE_EPS to 0 at once -- a box around
    each visible part (a cut-out cat: a seam down the picture, a step of 12 levels).  They reach 5
    sigma: the colours fade into the mean.  The bend of each row, its second difference over a
    1/80 of the picture, was 33-46 levels at that edge; 15-18 now, where the colours fade."""
    a, b = (40, 160, 220), (200, 90, 30)
    frame = np.zeros((h, w, 3), np.uint8)
    edge = w * 3 // 5
    frame[: h // 2], frame[h // 2:] = a, b  # (the visible right part: a above, b below)
    own = np.full((h, w), 255, np.uint8)
    own[:, :edge] = 0
    frame[own == 0] = (0, 0, 255)  # (hidden red)
    out = Compositor(background="blur").apply(np.dstack((frame, own)), own.copy())
    k = max(2, round(max(h, w) / 80))
    for y in (h // 8, h * 7 // 8):
        row = out[y, :edge].astype(int)
        assert np.abs(row[: edge // 4] - np.add(a, b) / 2).max() <= 3  # (out of reach: the mean)
        assert np.abs(row[-3:] - (a if y < h // 2 else b)).max() <= 3  # (near: the colour there)
        bend = np.abs(row[2 * k:] - 2 * row[k:-k] + row[:-2 * k]).max()
        assert bend <= 24, (y, bend)


def test_the_blur_background_of_a_half_transparent_picture_makes_no_new_full_size_arrays_each_frame():
    # the rule of the hot path (a video with its own alpha goes through apply as BGRA): its
    # weights are made at the blur's reduced size, in buffers kept per size
    from allocs import allocated_per_frame

    import livecut.composite as composite

    h, w = 720, 1280
    frame = np.dstack((_frame(h, w), np.full((h, w), 255, np.uint8)))
    frame[:, : w // 3, 3], frame[:, w // 3: w // 2, 3] = 0, 128
    alpha = np.zeros((h, w), np.uint8)
    cv2.ellipse(alpha, (w // 2, h // 2), (w // 5, h // 3), 0, 0, 360, 255, -1)
    comp = Compositor(background="blur")
    _, by_line = allocated_per_frame(lambda i: comp.apply(frame, alpha), composite.__file__)
    line, most = max(by_line.items(), key=lambda kv: kv[1])
    assert most < w * h // 4, f"composite.py:{line} allocates {most} bytes a frame"


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
    # a colour given bare, as most tools take it (-b '#00ff00' was refused)
    ("#00ff00", Background("color", color=(0, 255, 0))),
    (" #f80 ", Background("color", color=(0, 0x88, 0xFF))),
    ("Green", Background("color", color=(0, 255, 0))),
])
def test_parse_background(text, expected):
    assert parse_background(text) == expected


def test_parse_background_image(tmp_path):
    p = tmp_path / "x.png"
    p.write_bytes(b"x")
    bg = parse_background(f"image:{p}")
    assert bg.kind == "image" and bg.path == p and not bg.has_alpha
    assert parse_background("transparent").has_alpha


def test_a_picture_named_alone_says_how_to_give_it(tmp_path, monkeypatch):
    """-b beach.jpg said only "expected blur, color:#RRGGBB, image:PATH...": it names the form."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "beach.jpg").write_bytes(b"x")
    with pytest.raises(ConfigError, match="give image:beach.jpg"):
        parse_background("beach.jpg")


@pytest.mark.parametrize("text,match", [
    ("color:#12345", "color:#RRGGBB"),
    ("color:#12345g", "color:#RRGGBB"),
    ("color:", "color:#RRGGBB"),
    ("color:mauve", "color:#RRGGBB"),
    ("image:", "give a path"),
    ("image:/nonexistent/x.png", "file not found"),
    ("video:/nonexistent/x.mp4", "file not found"),
    ("sparkle", "expected blur"),
    ("#12345", "color:#RRGGBB"),
    ("", "expected blur"),
])
def test_parse_background_errors(text, match):
    with pytest.raises(ConfigError, match=match):
        parse_background(text)


@pytest.mark.parametrize("text", ["color:#00b14", "#00b14", "colour:grren"])
def test_a_bad_colour_names_the_colour_names_too(text):
    """-b color:#00b14 said 'expected color:#RRGGBB or #RGB': the names README gives and
    -b takes (green, red, ...) were not among the forms it named."""
    with pytest.raises(ConfigError) as info:
        parse_background(text)
    assert "#RRGGBB" in str(info.value) and "green" in str(info.value) and "red" in str(info.value)


@pytest.mark.parametrize("kind", ["image", "video"])
def test_parse_background_folder_is_not_file_not_found(tmp_path, kind):
    """-b image:DIR (a folder of backgrounds, say) exists: 'file not found' sent the user
    looking for a typo."""
    with pytest.raises(ConfigError, match="is a folder, not a file") as info:
        parse_background(f"{kind}:{tmp_path}")
    assert "not found" not in str(info.value)


def test_bad_background_in_config_is_refused_when_used():
    with pytest.raises(ConfigError, match="sparkle"):
        Compositor(load_config(None, ["composite.background=sparkle"]))


def test_path_type():
    assert isinstance(parse_background(f"image:{__file__}").path, Path)


# ---------------------------------------------------------------- I420 compositing

from livecut.composite import FrameSizeError, color_i420  # noqa: E402


def _scene(h: int, w: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """A smooth-ish textured frame (like video) and a soft-edged alpha with a hard part."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 8 + 1, w // 8 + 1, 3), dtype=np.uint8)
    frame = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    frame = cv2.add(frame, rng.integers(0, 20, (h, w, 3), dtype=np.uint8))
    alpha = _disk_alpha(h, w)
    alpha[: h // 6, : w // 5] = 255  # an opaque block with hard edges
    return frame, alpha


def _swscale_i420(bgr: np.ndarray) -> np.ndarray:
    """BGR -> yuv420p by PyAV/swscale (what a bgr24 VideoFrame is reformatted to)."""
    av = pytest.importorskip("av")
    f = av.VideoFrame.from_ndarray(np.ascontiguousarray(bgr), format="bgr24")
    return f.reformat(format="yuv420p").to_ndarray()


def _planes(i420: np.ndarray, h: int, w: int):
    flat = i420.reshape(-1)
    n, c = h * w, (h // 2) * (w // 2)
    return (flat[:n].reshape(h, w).astype(np.float64), flat[n:n + c].reshape(h // 2, w // 2).astype(np.float64),
            flat[n + c:n + 2 * c].reshape(h // 2, w // 2).astype(np.float64))


@pytest.mark.parametrize("color", [(0, 0, 0), (255, 255, 255), (0, 255, 0), (48, 32, 16), (200, 80, 240)])
def test_color_i420_matches_swscale(color):
    # the sink's conversion (cv2) and swscale's agree within 2 levels on flat colours
    patch = np.empty((4, 4, 3), np.uint8)
    patch[:] = color
    ref = _swscale_i420(patch)
    y, u, v = color_i420(color)
    assert abs(y - int(ref[0, 0])) <= 2
    assert abs(u - int(ref.reshape(-1)[16])) <= 2 and abs(v - int(ref.reshape(-1)[20])) <= 2


def test_i420_background_planes_match_swscale(tmp_path):
    # colour and image backgrounds prepared in I420 (alpha 0 everywhere) vs swscale of the BGR
    h, w = 64, 96
    pic = _scene(90, 130, seed=9)[0]
    path = tmp_path / "bg.png"
    cv2.imwrite(str(path), pic)
    frame, alpha = _frame(h, w), np.zeros((h, w), np.uint8)
    i420 = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
    for bg in ("color:#3366cc", f"image:{path}"):
        comp = Compositor(background=bg)
        ref = _planes(_swscale_i420(comp.apply(frame, alpha)), h, w)
        got = _planes(comp.apply_i420(i420, alpha), h, w)
        for name, g, r in zip("YUV", got, ref):
            assert np.abs(g - r).max() <= 2, f"{bg} {name}: max diff {np.abs(g - r).max()}"


def _background_case(background: str, tmp_path, picture_hw, video_hw):
    """(the background spec, the background frame) for a test case: "image" -> a picture of
    ``picture_hw`` written to a file, "video" -> a video background with a frame of
    ``video_hw``; anything else as it is, with no frame."""
    if background == "image":
        path = tmp_path / "bg.png"
        cv2.imwrite(str(path), _scene(*picture_hw, seed=4)[0])
        return f"image:{path}", None
    if background == "video":
        path = tmp_path / "bg.mp4"
        path.write_bytes(b"\0")
        return f"video:{path}", _scene(*video_hw, seed=5)[0]
    return background, None


@pytest.mark.parametrize("background", ["blur", "color:#10ff40", "image", "video"])
def test_apply_i420_agrees_with_bgr_path(background, tmp_path):
    h, w = 120, 176
    frame, alpha = _scene(h, w)
    background, bg_frame = _background_case(background, tmp_path, (100, 150), (90, 100))  # (another size: covered)
    comp = Compositor(background=background, mode="composite")
    assert comp.supports_i420
    want = _planes(_swscale_i420(comp.apply(frame, alpha, bg_frame)), h, w)
    src = _swscale_i420(frame)  # the frame as a decoder of a swscale-converted video gives it
    got = _planes(comp.apply_i420(src, alpha, bg_frame), h, w)
    for name, g, r in zip("YUV", got, want):
        mad = np.abs(g - r).mean()
        assert mad <= 1.5, f"{background} {name}: mean abs diff {mad:.2f}"
    # where alpha is 255, the frame's own luma comes through exactly
    assert np.array_equal(got[0][alpha == 255], src[:h][alpha == 255])


def test_apply_i420_blur_agrees_with_bgr_path_where_the_background_is_written_by_bands():
    """With a strong blur (rows of the background repeated 4 at a time, in the chroma too)
    each plane's background rows are written band by band: U and V took each other's
    background once they were blurred before the bands were written."""
    from livecut.config import CompositeConfig

    h, w = 360, 640
    frame, alpha = _scene(h, w)
    comp = Compositor(CompositeConfig(blur_strength=0.2), background="blur", mode="composite")
    comp.apply_i420(_swscale_i420(frame), alpha)
    assert comp._blur_y.up.step > 1 and comp._blur_u.up.step > 1
    want = _planes(_swscale_i420(comp.apply(frame, alpha)), h, w)
    got = _planes(comp.apply_i420(_swscale_i420(frame), alpha), h, w)
    for name, g, r in zip("YUV", got, want):
        mad = np.abs(g - r).mean()
        assert mad <= 1.5, f"{name}: mean abs diff {mad:.2f}"


def _speckled_alpha(h: int, w: int, seed: int = 7) -> np.ndarray:
    """A soft disk, with lone 1, 2, 253 and 254 values in its flat parts (which the soft-tile
    search at half size rounds away)."""
    rng = np.random.default_rng(seed)
    alpha = _disk_alpha(h, w)
    flat = alpha.reshape(-1)
    for v in (1, 2, 253, 254):
        at = rng.choice(np.flatnonzero(flat == (0 if v < 128 else 255)), 300, replace=False)
        flat[at] = v
    return alpha


@pytest.mark.parametrize("background", ["blur", "color:#204060", "image", "video", "side-by-side"])
def test_bgr_bands_agree_with_the_whole_frame_blend(background, tmp_path):
    """BGR frames of a megapixel or more are composited band by band (background rows, blends,
    opaque copy), their soft tiles found at half size: within 2 levels of the background
    written whole and blended exactly, and the frame itself exactly where alpha is 255."""
    from livecut.composite import BANDS_MIN_PIXELS

    h, w = 800, 1280
    assert h * w >= BANDS_MIN_PIXELS
    frame, alpha = _scene(h, w)[0], _speckled_alpha(h, w)
    mode = "composite"
    background, bg_frame = _background_case(background, tmp_path, (300, 400), (200, 300))
    if background == "side-by-side":
        background, mode = "blur", "side-by-side"
    comp = Compositor(background=background, mode=mode)
    got = comp.apply(frame, alpha, bg_frame)[:, -w:].astype(np.float64)
    assert comp._half_tiles is not None  # (the bands' path)
    ref = Compositor(background=background, mode="composite")
    want = np.empty((h, w, 3), np.uint8)
    ref.apply(frame, alpha, bg_frame)  # (its buffers for this size)
    ref._background_into(frame, want, bg_frame, alpha)
    bg = want.astype(np.float64)
    a = alpha.astype(np.float64)[:, :, None] / 255.0
    exact = frame.astype(np.float64) * a + bg * (1.0 - a)
    assert np.abs(got - exact).max() <= 2.5
    assert np.array_equal(got[alpha == 255], frame[alpha == 255])


def _tiled_alpha(h: int, w: int, rng: np.random.Generator, tile: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, where a lone soft pixel is) of tiles of ``tile`` pixels: all 0, all 255, soft
    all over (1-254), or 0 or 255 with one soft pixel (64-191) somewhere in it; lone soft pixels
    also at the frame's corners and edges and on each side of the bands' borders (64 rows), in
    rows of flat tiles."""
    gh, gw = -(-h // tile), -(-w // tile)
    kind = rng.choice(4, (gh, gw), p=[0.45, 0.3, 0.1, 0.15])
    # (the first two bands and the last tile rows flat but for the lone pixels put there below)
    kind[:128 // tile] %= 2
    kind[-64 // tile:] %= 2
    base = np.where(kind == 1, 255, 0).astype(np.uint8)
    alpha = np.kron(base, np.ones((tile, tile), np.uint8))[:h, :w].copy()
    soft = np.kron(kind == 2, np.ones((tile, tile), bool))[:h, :w]
    alpha[soft] = rng.integers(1, 255, int(soft.sum()), dtype=np.uint8)
    lone = np.zeros((h, w), bool)
    ty, tx = np.nonzero(kind == 3)
    ys = np.minimum(h - 1, ty * tile + rng.integers(0, tile, ty.size))
    xs = np.minimum(w - 1, tx * tile + rng.integers(0, tile, tx.size))
    lone[ys, xs] = True
    for i, y in enumerate((0, 63, 64, 127, 128, h - 2, h - 1)):  # (in columns of their own)
        x = 160 * i
        lone[y, [x % w, w - 1 - x % w, (w // 3 + x) % w]] = True
    alpha[lone] = rng.integers(64, 192, int(lone.sum()), dtype=np.uint8)
    return alpha, lone


@pytest.mark.parametrize("i420", [False, True])
@pytest.mark.parametrize("h, w", [(1080, 1920), (1088, 1000)])
def test_the_band_path_blends_every_soft_pixel_of_a_tiled_alpha(h, w, i420, tmp_path):
    """Frames of a megapixel or more are composited band by band, the work skipped in the tiles
    where alpha is 0 (background) or 255 (the frame copied): on an alpha of such tiles, soft
    ones, and lone soft pixels in flat ones (at the frame's edges and the bands' borders too),
    where the frame is white and the background black, every pixel is within 2 levels of the
    float blend (1 of the chroma, blended with the alpha averaged 2x2), and exactly the frame
    or the background where alpha is 255 or 0: a soft pixel left out of the blends is off by 64
    or more."""
    from livecut.composite import BANDS_MIN_PIXELS, bgr_to_i420

    assert h * w >= BANDS_MIN_PIXELS
    rng = np.random.default_rng(h + w)
    alpha, lone = _tiled_alpha(h, w, rng)
    frame = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    bg = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    frame[lone], bg[lone] = 255, 0
    path = tmp_path / "bg.mp4"
    path.write_bytes(b"\0")
    comp = Compositor(background=f"video:{path}", mode="composite")
    a = alpha.astype(np.float64) / 255.0
    if not i420:
        got = comp.apply(frame, alpha, bg)
        assert comp._half_tiles is not None  # (the bands' path)
        exact = frame * a[:, :, None] + bg * (1.0 - a[:, :, None])
        assert np.abs(got - exact).max() <= 2.5
        assert np.array_equal(got[alpha == 255], frame[alpha == 255])
        assert np.array_equal(got[alpha == 0], bg[alpha == 0])
        return
    src = bgr_to_i420(frame)
    got = _planes(comp.apply_i420(src, alpha, bg), h, w)
    fp, bp = _planes(src, h, w), _planes(bgr_to_i420(bg), h, w)
    ac = cv2.resize(alpha, (w // 2, h // 2), interpolation=cv2.INTER_AREA).astype(np.float64) / 255.0
    for name, g, f, b, x, tol in zip("YUV", got, fp, bp, (a, ac, ac), (2.5, 1.0, 1.0)):
        assert np.abs(g - (f * x + b * (1.0 - x))).max() <= tol, name
    assert np.array_equal(got[0][alpha == 255], fp[0][alpha == 255])
    assert np.array_equal(got[0][alpha == 0], bp[0][alpha == 0])


@pytest.mark.parametrize("strength,steps", [(0.045, (3, 3, 1)), (0.09, (4, 4, 3))])  # (BGR, Y, chroma)
def test_blur_background_written_by_bands_is_the_whole_frame_one(strength, steps):
    """The bands (32 rows of the half-size plan: 64 of a BGR frame; 64 of the chroma, 128 of the
    luma) write the blur background's rows from the upsampler's; with a row step of 3, which does
    not divide the band, a band starts inside a group of repeated rows.  Where alpha is 0 each
    plane is exactly the background written whole."""
    from livecut.composite import BANDS_MIN_PIXELS
    from livecut.config import CompositeConfig
    from livecut.i420 import planes

    h, w = 1000, 1000
    assert h * w >= BANDS_MIN_PIXELS
    frame, alpha = _scene(h, w)
    comp = Compositor(CompositeConfig(blur_strength=strength), background="blur", mode="composite")
    got = comp.apply(frame, alpha)
    assert comp._half_tiles is not None and comp._half_tiles.band_rows == 32
    want = np.empty_like(got)
    comp._blur(frame, want, alpha)
    assert np.array_equal(got[alpha == 0], want[alpha == 0])
    i420 = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
    out = comp.apply_i420(i420, alpha)
    assert comp._tiles_c.band_rows == 64
    blurs = (comp._blur_y, comp._blur_u, comp._blur_v)
    # (the rows per upsampled row: BGR, Y, U and V)
    assert (comp._blur.up.step,) + tuple(b.up.step for b in blurs) == steps + steps[-1:]
    zero = (alpha == 0, comp._alpha_c == 0, comp._alpha_c == 0)
    for name, g, s, blur, z in zip("YUV", planes(out, h, w), planes(i420, h, w), blurs, zero):
        want = np.empty_like(g)
        blur(s, want, alpha)
        assert np.array_equal(g[z], want[z]), name


def test_apply_i420_luma_within_two_levels_of_the_exact_blend():
    """The luma's soft tiles are found on the alpha reduced to the chroma's size: an alpha of
    1-2 or 253-254 among 0s or 255s (which that reduction rounds away) is blended as 0 or 255,
    within 2 levels of the exact blend; the frame's luma comes through exactly where alpha is 255."""
    h, w = 256, 384
    frame, alpha = _frame(h, w, seed=5), _speckled_alpha(h, w)
    comp = Compositor(background="color:#204060", mode="composite")
    i420 = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
    got = comp.apply_i420(i420, alpha)[:h].astype(np.float64)
    by = float(color_i420((0x60, 0x40, 0x20))[0])
    a = alpha.astype(np.float64) / 255.0
    exact = i420[:h].astype(np.float64) * a + by * (1.0 - a)
    assert np.abs(got - exact).max() <= 2.5
    assert np.array_equal(got[alpha == 255], i420[:h][alpha == 255])


def test_apply_i420_mask_is_what_the_sink_writes():
    h, w = 40, 64
    frame, alpha = _scene(h, w)
    comp = Compositor(mode="mask")
    assert comp.supports_i420
    got = comp.apply_i420(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420), alpha)
    # the sink writes a gray frame as limited-range luma and neutral chroma
    gray = comp.apply(frame, alpha)
    want = np.full((h * 3 // 2, w), 128, np.uint8)
    cv2.convertScaleAbs(gray, dst=want[:h], alpha=219.0 / 255.0, beta=16.0)
    assert np.array_equal(got, want)
    assert got[:h].min() >= 16 and got[:h].max() <= 235
    # and swscale's gray -> yuv420p agrees within 2 levels
    av = pytest.importorskip("av")
    sw = av.VideoFrame.from_ndarray(gray, format="gray").reformat(format="yuv420p").to_ndarray()
    assert np.abs(sw.astype(int) - got.astype(int)).max() <= 2


@pytest.mark.parametrize("mode,background,ok", [("composite", "blur", True), ("composite", "transparent", False),
                                                ("cutout", "blur", False), ("side-by-side", "blur", False),
                                                ("mask", "transparent", True)])
def test_supports_i420(mode, background, ok):
    comp = Compositor(background=background, mode=mode)
    assert comp.supports_i420 is ok
    if not ok:
        with pytest.raises(UsageError, match="apply"):
            comp.apply_i420(np.zeros((6, 4), np.uint8), np.zeros((4, 4), np.uint8))


@pytest.mark.parametrize("background", ["blur", "color:#102030"])
def test_apply_i420_reuses_buffers(background):
    comp = Compositor(background=background)
    h, w = 64, 80
    frame, alpha = _scene(h, w)
    i420 = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
    first = comp.apply_i420(i420, alpha)
    bufs = [first, comp._alpha_c, comp._opaque_y, comp._tiles_c.opaque]
    if background == "blur":
        bufs += [comp._blur_y.small, comp._blur_y.up.mid, comp._blur_u.small, comp._blur_v.small]
    for seed in (1, 2):
        f2, a2 = _scene(h, w, seed)
        out = comp.apply_i420(cv2.cvtColor(f2, cv2.COLOR_BGR2YUV_I420), a2)
        assert out is first
        now = [out, comp._alpha_c, comp._opaque_y, comp._tiles_c.opaque]
        if background == "blur":
            now += [comp._blur_y.small, comp._blur_y.up.mid, comp._blur_u.small, comp._blur_v.small]
        assert all(a is b for a, b in zip(now, bufs))
    # a new size gets new buffers, the old size afterwards works again
    assert comp.apply_i420(np.zeros((48, 32), np.uint8), np.zeros((32, 32), np.uint8)).shape == (48, 32)


@pytest.mark.parametrize("i420_shape,alpha_shape", [((22, 20), (15, 20)), ((21, 21), (14, 21)),
                                                    ((24, 20), (15, 20)), ((30, 20), (14, 20))])
def test_apply_i420_refuses_odd_or_mismatched_sizes(i420_shape, alpha_shape):
    comp = Compositor(background="color:#000000")
    with pytest.raises(FrameSizeError) as e:
        comp.apply_i420(np.zeros(i420_shape, np.uint8), np.zeros(alpha_shape, np.uint8))
    assert isinstance(e.value, ValueError) and isinstance(e.value, ImageSizeError)


def test_cheap_blur_close_to_full_gaussian():
    # The blur background is computed on a reduced frame and upsampled in 4-row steps.
    # Against an exact full-size Gaussian of the same sigma (strength x long side) on a
    # smooth-textured frame, it differs by a few levels on average: the reduction's
    # box footprint and the row steps (each under a level here) are small next to the
    # blur itself, while any error in the blur (wrong sigma, no blur, misplaced
    # upsample) shows as tens of levels (checked below on an unblurred copy).
    h, w = 270, 480
    frame = _scene(h, w, seed=11)[0]
    comp = Compositor(background="blur")
    out = comp.apply(frame, np.zeros((h, w), np.uint8)).astype(np.float64)
    sigma = comp.cfg.blur_strength * max(h, w)
    ref = cv2.GaussianBlur(frame, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE).astype(np.float64)
    inner = (slice(h // 10, -h // 10), slice(w // 10, -w // 10))  # borders are handled differently
    mad = np.abs(out - ref)[inner].mean()
    assert mad <= 3.0, mad
    assert np.abs(frame.astype(np.float64) - ref)[inner].mean() > 5 * mad  # the bound means something
    # neighbouring rows never jump by more than a few levels (no visible steps)
    assert np.abs(np.diff(out, axis=0)).max() <= 4


@pytest.mark.parametrize("h", [64, 66, 67])
@pytest.mark.parametrize("channels", [1, 3])
def test_row_step_upsampler_repeats_each_resized_row(h, channels):
    """Output rows i*k .. i*k+k-1 are row i of the small image resized to (width, rows)
    (bilinear, as livecut.resize.upsample_into makes it: cv2.resize's samples, placed to 1/32 of
    a source pixel), for heights that are and are not a multiple of the step, into a plain or a
    strided destination (the right half of a side-by-side frame)."""
    from livecut.composite import _Upsampler
    from livecut.resize import upsample_into

    w = 40
    rng = np.random.default_rng(h)
    small = rng.integers(0, 256, (9, 7, channels) if channels > 1 else (9, 7), dtype=np.uint8)
    up = _Upsampler((h, w), channels, step=4)
    assert up.step == 4
    rows = -(-h // 4)
    want = upsample_into(small, np.empty((rows, w) + small.shape[2:], np.uint8))
    resized = cv2.resize(small, (w, rows), interpolation=cv2.INTER_LINEAR)
    assert np.abs(want.astype(int) - resized).max() <= 255 // 32 + 1  # (these random pixels' steepest steps)
    want = np.repeat(want, 4, axis=0)[:h]
    plain = np.zeros((h, w, channels) if channels > 1 else (h, w), np.uint8)
    up(small, plain)
    assert np.array_equal(plain, want)
    wide = np.zeros((h, 2 * w, channels) if channels > 1 else (h, 2 * w), np.uint8)
    up(small, wide[:, w:])
    assert np.array_equal(wide[:, w:], want) and not wide[:, :w].any()


@pytest.mark.parametrize("mode,most", [("cutout", 4.5), ("mask", 0.5), ("composite", 10.0), ("side-by-side", 13.0)])
def test_a_mode_makes_only_the_buffers_it_uses(mode, most, monkeypatch):
    """Every output buffer (composite, BGRA, side-by-side) and the full-size soft tiles were
    made for every mode on a frame's first call: 16 bytes a pixel, 950 MB for a 61-megapixel
    photo's cutout, which fills its 4-byte BGRA buffer only.  Traced memory of the first call,
    in bytes a pixel: the mode's own buffers and little more.  (Frames up to EAGER_PIXELS, a
    video's, have all made at once; a small frame stands for a photo here.)"""
    import livecut.composite
    from conftest import traced_peak

    monkeypatch.setattr(livecut.composite, "EAGER_PIXELS", 0)
    h, w = 1000, 1200
    frame, alpha = _frame(h, w), _disk_alpha(h, w)
    comp = Compositor(background="blur", mode=mode)
    out, peak = traced_peak(lambda: comp.apply(frame, alpha))
    assert out.shape[:2] == (h, w * (2 if mode == "side-by-side" else 1))
    assert peak < most * h * w, peak / (h * w)  # (18 bytes a pixel in every mode before)


@pytest.mark.parametrize("i420", [False, True])
def test_a_preparation_cut_short_by_memory_is_made_again(monkeypatch, i420):
    """A MemoryError while a size's background was made (livecut image catches it and goes on
    to the next picture) left the compositor marked prepared for that size: the next call
    failed on what was never made (AttributeError: no '_blur'), a traceback.  It is made again."""
    import livecut.composite as composite

    h, w = 240, 320
    frame, alpha = _frame(h, w), _disk_alpha(h, w)
    run = ((lambda c: c.apply_i420(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420), alpha)) if i420
           else (lambda c: c.apply(frame, alpha)))
    want = run(Compositor(background="blur")).copy()
    real, failed = composite._BlurBackground, []

    def once(*args, **kwargs):
        if not failed:
            failed.append(True)
            raise MemoryError
        return real(*args, **kwargs)

    monkeypatch.setattr(composite, "_BlurBackground", once)
    comp = Compositor(background="blur")
    with pytest.raises(MemoryError):
        run(comp)
    assert np.array_equal(run(comp), want)


def test_rotation_only_quarter_turns():
    """A rotation of 45 was kept and ignored (the backgrounds were not turned); 'x', None
    and NaN were a bare ValueError / TypeError."""
    from livecut.errors import ConfigTypeError

    comp = Compositor(mode="composite", background="color:#00ff00")
    for value, want in ((90, 90), (-90, 270), (450, 90), (np.int64(180), 180), (270.0, 270), (360, 0)):
        comp.rotation = value
        assert comp.rotation == want
    for value in (45, 90.5, float("nan"), float("inf")):
        with pytest.raises(ConfigError, match="multiple of 90"):
            comp.rotation = value
    for value in ("x", None, True):
        with pytest.raises(ConfigTypeError, match="rotation"):
            comp.rotation = value
    assert comp.rotation == 0


def test_a_picture_covers_a_frame_of_non_square_pixels_as_it_is_shown(tmp_path):
    """A square-pixel picture behind a frame of pixels twice as wide (anamorphic footage): it
    was fitted to the stored pixels as if square, and shown twice as wide, its middle only;
    it covers the frame as shown now, squeezed as the frame's pixels are.  A sample aspect
    that is no positive number is refused."""
    from fractions import Fraction

    from livecut.errors import ConfigTypeError

    pic = np.zeros((100, 400, 3), np.uint8)  # red left quarter, blue right quarter, green between
    pic[:] = (0, 255, 0)
    pic[:, :100], pic[:, 300:] = (0, 0, 255), (255, 0, 0)
    got = cover(pic, 100, 50, sar=2)  # (shown 200x50: the picture at half size, squeezed)
    assert got.shape == (50, 100, 3)
    assert (got[:, :20] == (0, 0, 255)).all() and (got[:, -20:] == (255, 0, 0)).all()
    assert (cover(pic, 100, 50)[:, :20] == (0, 255, 0)).all()  # (square pixels: its middle)
    path = tmp_path / "bg.png"
    cv2.imwrite(str(path), pic)
    frame, alpha = np.zeros((50, 100, 3), np.uint8), np.zeros((50, 100), np.uint8)
    for kind in ("image", "video"):  # (a video's frame given as its caller reads it)
        comp = Compositor(mode="composite", background=f"{kind}:{path}")
        comp.sample_aspect = Fraction(2)
        out = comp.apply(frame, alpha, bg_frame=pic if kind == "video" else None)
        assert (out[:, :20] == (0, 0, 255)).all() and (out[:, -20:] == (255, 0, 0)).all(), kind
    comp.sample_aspect = None
    assert comp.sample_aspect == 1
    for value in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ConfigError, match="sample aspect"):
            comp.sample_aspect = value
    for value in ("x", True):
        with pytest.raises(ConfigTypeError, match="sample aspect"):
            comp.sample_aspect = value

def test_a_picture_behind_pixels_of_an_extreme_aspect_is_not_scaled_whole():
    """A frame whose pixels a file says are 100x as wide as tall (broken or crafted metadata)
    squeezes a picture background in width and stretches it in height: the picture was scaled
    whole first, 100x as tall as the frame shows (a 4000x3000 photo behind 1080p at 143:1,
    1.2 GB; at 65535:1, a bare cv2.error, 'Insufficient memory'), where a picture of a far
    other shape is scaled only where the frame shows it; now so here too, within a level."""
    from conftest import traced_peak

    rng = np.random.default_rng(0)
    pic = cv2.GaussianBlur(rng.integers(0, 256, (300, 400, 3), np.uint8), (0, 0), 3)
    got, peak = traced_peak(lambda: cover(pic, 64, 48, sar=100))  # (the whole: 64 x 4800)
    assert got.shape == (48, 64, 3)
    assert peak < 64 * 4800 * 3 // 4, peak
    narrow = cv2.resize(pic, (64, 300), interpolation=cv2.INTER_AREA)  # (the width shrunk, then the height grown)
    whole = cv2.resize(narrow, (64, 4800), interpolation=cv2.INTER_LINEAR)[2376:2424]
    assert np.abs(got.astype(int) - whole).max() <= 1
    assert cover(pic, 64, 48, sar=65535).shape == (48, 64, 3)


def test_an_unknown_yuv_matrix_is_a_config_error_naming_the_matrices():
    """bgr_to_i420(..., matrix='bt2020') and color_i420 raised a bare ValueError; a SinkInfo
    with matrix 'bt2020' went through to that error at its first frame; a matrix that is not a
    string (a list, an array) was a bare ValueError or an error without its type."""
    from livecut.composite import bgr_to_i420, color_i420
    from livecut.errors import ConfigTypeError
    from livecut.sinks.base import SinkInfo

    bgr = _frame(4, 6)
    for call in (lambda m: bgr_to_i420(bgr, matrix=m), lambda m: color_i420((10, 20, 30), m),
                 lambda m: SinkInfo(6, 4, 30.0, matrix=m)):
        with pytest.raises(ConfigError, match="matrix 'bt2020': expected one of bt601, bt709"):
            call("bt2020")
        for value in (None, ["bt601"], np.array(["bt601", "bt709"])):
            with pytest.raises(ConfigTypeError, match="bt601, bt709"):
                call(value)
    comp = Compositor()
    with pytest.raises(ConfigTypeError, match="matrix"):
        comp.matrix = np.array(["bt601", "bt709"])
    assert comp.matrix == "bt601"
    # the two matrices still convert, as before
    assert bgr_to_i420(bgr, matrix="bt709").shape == (6, 6) and color_i420((0, 0, 0), "bt601") == (16, 128, 128)


def test_bgr_to_i420_refuses_what_it_cannot_convert():
    """bgr_to_i420 of an odd-sized frame was a cv2.error (BT.601) or an I420 array of the wrong
    size without a word (BT.709); of a gray or float frame a cv2.error, of a list an
    AttributeError; of a BGRA frame chroma without its +128 offset; a ``dst`` of the wrong size
    was left as it was (BT.601: a new array returned) or written wrongly (BT.709)."""
    from livecut.composite import bgr_to_i420
    from livecut.errors import ArrayError, FrameSizeError

    bgr = _frame(6, 8)
    for matrix in ("bt601", "bt709"):
        want = bgr_to_i420(bgr, matrix=matrix)
        for bad in (bgr[:, :, 0], bgr.astype(np.float32), bgr.tolist(), cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)):
            with pytest.raises(ArrayError, match="HxWx3 uint8"):
                bgr_to_i420(bad, matrix=matrix)
        for odd in (bgr[:5], bgr[:, :7], bgr[:0]):
            with pytest.raises(FrameSizeError, match="even"):
                bgr_to_i420(odd, matrix=matrix)
        for dst in (np.zeros((3, 3), np.uint8), np.zeros((9, 8), np.float32), np.zeros((9, 16), np.uint8)[:, ::2]):
            with pytest.raises(ArrayError, match=r"dst is .*\(9, 8\) uint8"):
                bgr_to_i420(bgr, dst=dst, matrix=matrix)
        dst = np.zeros((9, 8), np.uint8)  # (one of the right size is written and returned)
        assert bgr_to_i420(bgr, dst=dst, matrix=matrix) is dst and np.array_equal(dst, want)


def test_cover_and_color_i420_refuse_what_they_cannot_take():
    """cover() of a width of 0 or -1 gave an empty or odd array without a word, of 5.0 or None a
    cv2.error or a TypeError, of an empty, int64 or 1-D picture a ZeroDivisionError, cv2.error or
    ValueError; color_i420() of two values, 300, None or 'red' a ValueError, OverflowError or
    TypeError.  Each is a livecut error saying what to give; what they took is as it was."""
    from livecut.errors import ArrayError, ConfigTypeError, FrameSizeError

    img = _frame(10, 20)
    for w, h in ((0, 5), (-1, 5), (5, -2), (5.5, 5), (None, 5), (True, 5), ("5", 5), (float("nan"), 5)):
        with pytest.raises(FrameSizeError, match="cover: a frame of"):
            cover(img, w, h)
    for bad in (None, img.tolist(), img.astype(np.int64), img.astype(bool), img.astype(">u2"), img[0, :, 0]):
        with pytest.raises(ArrayError, match="cover: expected an HxW or HxWxC picture"):
            cover(bad, 5, 5)
    for empty in (img[:0], img[:, :0], img[:, :, :0]):
        with pytest.raises(FrameSizeError, match="cover: .*empty"):
            cover(empty, 5, 5)
    assert np.array_equal(cover(img, 5.0, np.int64(4)), cover(img, 5, 4))
    for other in (img[:, :, 0], img.astype(np.uint16), img.astype(np.float32), np.dstack((img, img[:, :, 0]))):
        assert cover(other, 7, 3).shape[:2] == (3, 7)
    for bad in ((1, 2), (1, 2, 3, 4), None, "red", "#ff0000", (1.5, 2, 3), (True, 2, 3)):
        with pytest.raises(ConfigTypeError, match="color_i420: color .*three whole numbers 0-255"):
            color_i420(bad)
    for bad in ((1, 2, 300), (-1, 0, 0)):
        with pytest.raises(ConfigError, match="color_i420: color .*each 0-255"):
            color_i420(bad)
    with pytest.raises(ConfigError, match="matrix 'bt2020'"):
        color_i420((0, 0, 0), "bt2020")
    assert color_i420(np.array([255, 255, 255], np.uint8)) == color_i420((255, 255, 255)) == (235, 128, 128)


def test_mode_and_background_set_later_are_checked_and_used():
    """comp.mode = 'x' was kept and made composites; comp.background = 'color:#00ff00' (a
    string, as the constructor takes it) was kept and the next frame an AttributeError; a mode
    or a background set after frames were made left the I420 buffers of the old one (mask ->
    composite: no background).  Both are checked when set, and used from the next frame as a
    new Compositor would."""
    from livecut.composite import bgr_to_i420
    from livecut.errors import ConfigTypeError

    frame, alpha = _frame(64, 80), _disk_alpha(64, 80)
    i420 = bgr_to_i420(frame)
    comp = Compositor(mode="mask")
    comp.apply(frame, alpha), comp.apply_i420(i420, alpha)
    for value, error in (("x", ConfigError), ("", ConfigError), (None, ConfigTypeError), (np.array(["mask"]), ConfigTypeError)):
        with pytest.raises(error, match="mode"):
            comp.mode = value
    for value, error in ((5, ConfigTypeError), ("color:#12", ConfigError), ("image:", ConfigError)):
        with pytest.raises(error, match="background"):
            comp.background = value
    assert comp.mode == "mask" and comp.background.kind == "blur"
    comp.mode = "composite"
    with pytest.raises(ConfigError, match="background"):  # (shown here: its file is looked for)
        comp.background = "image:/nonexistent.png"
    comp.background = "color:#00ff00"
    fresh = Compositor(mode="composite", background="color:#00ff00")
    assert np.array_equal(comp.apply(frame, alpha), fresh.apply(frame, alpha))
    assert np.array_equal(comp.apply_i420(i420, alpha), fresh.apply_i420(i420, alpha))
    comp.mode = "side-by-side"
    assert np.array_equal(comp.apply(frame, alpha), Compositor(mode="side-by-side", background="color:#00ff00").apply(frame, alpha))


@pytest.mark.parametrize("mode", ["mask", "cutout"])
def test_a_mode_that_shows_no_background_does_not_need_its_file(tmp_path, mode):
    """A mask or a cutout was refused for a background picture not there (or not a picture),
    which it never shows, while the command said the background was ignored.  The file is
    looked for, and the picture read, when the mode is one that shows it."""
    from livecut.errors import ImageReadError

    frame, alpha = _frame(40, 60), _disk_alpha(40, 60)
    bad = tmp_path / "bad.png"
    bad.write_text("not a png")
    want = Compositor(mode=mode).apply(frame, alpha).copy()
    for bg in (f"image:{tmp_path / 'missing.png'}", f"video:{tmp_path / 'missing.mp4'}", f"image:{bad}"):
        comp = Compositor(background=bg, mode=mode)
        assert comp.background.kind == bg.split(":")[0]
        assert np.array_equal(comp.apply(frame, alpha), want)
        if bg.startswith("image:"):
            with pytest.raises(ImageReadError, match="background image: .*(missing.png: file not found|bad.png)"):
                comp.mode = "composite"
            assert comp.mode == mode
        with pytest.raises(UsageError, match="background"):
            Compositor(background=bg, mode="side-by-side")
    picture = tmp_path / "green.png"
    cv2.imwrite(str(picture), np.full((30, 30, 3), (0, 255, 0), np.uint8))
    comp = Compositor(background=f"image:{picture}", mode=mode)
    comp.apply(frame, alpha)
    comp.mode = "composite"  # (read now)
    assert np.all(comp.apply(frame, np.zeros_like(alpha)) == (0, 255, 0))


@pytest.mark.parametrize("path", ["bgr", "i420"])
def test_the_blur_background_is_what_is_behind_the_subject_not_its_glow(path):
    """A plain blur of the whole frame spread a bright subject into the dark background around
    it: 90 levels brighter at 0-4 px out, 65 at 10-20 (1280x720), where a lens shows what is
    behind.  Against the background blurred on its own, the rings outside stay close."""
    rng = np.random.default_rng(3)
    h, w = 720, 1280
    back = cv2.GaussianBlur((rng.random((h, w, 3)) * 90).astype(np.uint8), (0, 0), 6)
    mask = np.zeros((h, w), np.uint8)
    cv2.circle(mask, (640, 360), 180, 255, -1)
    frame = np.where(mask[..., None] > 0, np.uint8(235), back)
    comp, ref = Compositor(background="blur"), Compositor(background="blur")
    if path == "bgr":
        out = comp.apply(frame, mask).astype(np.float32)
        want = ref.apply(back, np.zeros_like(mask)).astype(np.float32)
    else:
        def bgr(c, f, a):
            return cv2.cvtColor(c.apply_i420(cv2.cvtColor(f, cv2.COLOR_BGR2YUV_I420), a),
                                cv2.COLOR_YUV2BGR_I420).astype(np.float32)
        out, want = bgr(comp, frame, mask), bgr(ref, back, np.zeros_like(mask))
    dist = cv2.distanceTransform(255 - mask, cv2.DIST_L2, 5)
    diff = np.abs(out - want).mean(axis=2)
    for lo, hi in ((0.5, 4), (4, 10), (10, 20), (20, 40)):
        ring = (dist > lo) & (dist <= hi)
        assert diff[ring].mean() < 12, (lo, hi, diff[ring].mean())
    if path == "bgr":  # (the subject itself as it was; I420's round trip rounds it)
        assert np.array_equal(out[mask == 255], frame[mask == 255].astype(np.float32))


@pytest.mark.parametrize("path", ["bgr", "i420"])
@pytest.mark.parametrize("size", [(1280, 720), (640, 360), (320, 180)])
def test_the_blur_background_takes_no_colour_of_the_subject_at_its_edge(path, size):
    """The blur of what is behind the subject weighed each reduced pixel by how much it is
    background, but took its colour from the frame reduced whole: a reduced pixel on the
    subject's edge, its colour part the subject's, spread the subject still -- a white disk over
    a flat dark background (20) left it 7-8 levels brighter 0-4 px out, 3 at 20-40 (a glow).
    The colours are weighted before they are reduced: the background stays its own colour."""
    w, h = size
    mask = np.zeros((h, w), np.uint8)
    cv2.circle(mask, (w // 2 + 7, h // 2 + 5), h // 4, 255, -1)
    frame = np.full((h, w, 3), 20, np.uint8)
    frame[mask > 0] = 235
    comp = Compositor(background="blur")
    if path == "bgr":
        out = comp.apply(frame, mask).astype(np.float32)
        want = np.full_like(out, 20)
    else:
        yuv = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
        out = comp.apply_i420(yuv, mask)[:h].astype(np.float32)  # (the luma)
        want = np.full_like(out, yuv[0, 0])
    dist = cv2.distanceTransform(255 - mask, cv2.DIST_L2, 5)
    diff = np.abs(out - want) if out.ndim == 2 else np.abs(out - want).max(axis=2)
    for lo, hi in ((0.5, 4), (4, 10), (10, 20), (20, 40)):
        ring = (dist > lo) & (dist <= hi)
        assert diff[ring].max() <= 1, (lo, hi, diff[ring].mean(), diff[ring].max())


@pytest.mark.parametrize("size", [(1280, 720), (320, 180)])
def test_the_blur_background_of_a_picture_with_transparency_takes_no_colour_of_the_subject(size):
    """As the test above, for a picture with its own transparency (a PNG's, a video's with
    alpha: the blur of what is visible behind the subject): its colours were reduced whole, then
    weighted, and a white disk over a flat dark background (20) left it 10 levels brighter 0-4 px
    out, 5 at 20-40.  They are weighted before they are reduced: the background its own colour."""
    w, h = size
    mask = np.zeros((h, w), np.uint8)
    cv2.circle(mask, (w // 2 + 7, h // 2 + 5), h // 4, 255, -1)
    frame = np.full((h, w, 4), 20, np.uint8)
    frame[..., 3] = 255
    frame[mask > 0, :3] = 235
    frame[:h // 8, :w // 12, 3] = 0  # (a transparent corner, far from the subject)
    out = Compositor(background="blur").apply(frame, mask).astype(np.float32)
    dist = cv2.distanceTransform(255 - mask, cv2.DIST_L2, 5)
    diff = np.abs(out - 20).max(axis=2)
    for lo, hi in ((0.5, 4), (4, 10), (10, 20), (20, 40)):
        ring = (dist > lo) & (dist <= hi)
        assert diff[ring].max() <= 1, (lo, hi, diff[ring].mean(), diff[ring].max())


def test_a_background_name_too_long_for_a_file_is_a_config_error():
    """-b image:NAME (or a bare word, or composite.background) with a name longer than a file's
    may be was "internal error: OSError: [Errno 36] File name too long", exit 1: looking for
    the file raised.  It is a ConfigError saying so, exit 2."""
    from conftest import run_cli

    long = "x" * 5000
    for kind in ("image", "video"):
        with pytest.raises(ConfigError, match=f"^background {kind}:x+: File name too long$"):
            parse_background(f"{kind}:{long}")
    with pytest.raises(ConfigError, match="expected blur, color:#RRGGBB"):
        parse_background(long)
    with pytest.raises(ConfigError, match=r"composite.background: 'x+'\.\.\. \(5000 characters\): expected blur"):
        load_config(None, [f"composite.background={long}"])
    r = run_cli("bench", "-c", "fast", "--set", f"composite.background=image:{long}", "--frames", "1")
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "File name too long" in lines[0], r.stderr


def test_bt709_luma_is_rounded_once():
    """BGR -> BT.709 I420's luma is the exact value rounded once, as FFmpeg's conversion
    (``scale=out_color_matrix=bt709``) gives it: made as two weighted sums, each rounded to 8
    bits, it was a level off on a quarter of the pixels (and on a flat colour, all of them)."""
    from livecut.composite import bgr_to_i420

    rng = np.random.default_rng(7)
    bgr = rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
    b, g, r = (bgr[..., i].astype(np.float64) for i in range(3))
    exact = np.floor(16 + 219 / 255 * (0.2126 * r + 0.7152 * g + 0.0722 * b) + 0.5)
    # (the reused buffers too, as the sink and the compositor pass them)
    for y in (bgr_to_i420(bgr, matrix="bt709")[:64], bgr_to_i420(
            bgr, np.empty((96, 96), np.uint8), np.empty((32, 48, 3), np.uint8), np.empty((32, 48, 2), np.uint8),
            "bt709", np.empty((64, 96, 3), np.uint8))[:64]):
        d = y.astype(int) - exact
        assert np.abs(d).max() <= 1 and np.abs(d).mean() < 0.1, np.abs(d).mean()
    flat = np.full((4, 4, 3), (200, 60, 30), np.uint8)  # a blue: Y 70.73 (it was 70)
    assert set(bgr_to_i420(flat, matrix="bt709")[:4].ravel()) == {71}


@pytest.mark.parametrize("sar", [4 / 3, 3 / 4, 2.0])
@pytest.mark.parametrize("i420", [False, True])
def test_blur_background_of_non_square_pixels_is_round_as_shown(sar, i420):
    """Anamorphic video (a pixel ``sar`` times as wide as tall, shown so): the blur background's
    spread is the same across and down as the picture is shown.  It was round in the stored
    pixels: 4/3 shown 1.35 times as wide as tall, 3/4 0.76, 2 twice."""
    from livecut.i420 import planes

    h, w = 360, 480
    frame = np.full((h, w, 3), 40, np.uint8)
    # a bright square as shown, all background (24 px: one of 12 px blurred to a bump 8 levels
    # high, where a level's rounding moved the measured spread by a few percent)
    r = int(round(12 / sar))
    frame[h // 2 - 12:h // 2 + 12, w // 2 - r:w // 2 + r] = 250
    alpha = np.zeros((h, w), np.uint8)
    comp = Compositor()
    comp.sample_aspect = sar
    if i420:
        out = planes(comp.apply_i420(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420), alpha), h, w)[0]
    else:
        out = comp.apply(frame, alpha)[..., 1]
    d = out.astype(float) - np.median(out)
    d[d < 0] = 0
    ys, xs = np.mgrid[:h, :w]
    m = d.sum()
    sx = np.sqrt((d * (xs - (d * xs).sum() / m) ** 2).sum() / m)
    sy = np.sqrt((d * (ys - (d * ys).sum() / m) ** 2).sum() / m)
    assert sx * sar / sy == pytest.approx(1.0, abs=0.04)


def test_blur_background_of_an_extreme_pixel_aspect_stays_small():
    """A stated pixel aspect of 65535 (or its inverse) blurs within the reduced frame's size:
    its kernel across or down is not millions of taps."""
    from livecut.composite import _BlurBackground

    for sar in (65535.0, 1 / 65535):
        blur = _BlurBackground((360, 480), 3, 0.03, sar)
        assert max(blur.kernel.size, blur.kernel_x.size) <= 6 * max(blur.small.shape[:2]) + 1
        comp = Compositor()
        comp.sample_aspect = sar
        assert comp.apply(np.full((36, 48, 3), 90, np.uint8), np.zeros((36, 48), np.uint8)).shape == (36, 48, 3)


@pytest.mark.parametrize("h, w", [(1080, 1920), (481, 641)])  # (band by band; the soft tiles whole)
def test_a_colour_frames_blends_make_no_new_arrays_once_its_size_is_met(h, w):
    """The blend of each soft rectangle of a BGR frame made three new arrays of it (the alpha for
    each channel, the frame's term, 255 - alpha): a 1080p frame with a soft edge, every call,
    1.1 bytes a pixel traced at its peak (2.4 at 481x641), fresh memory each time.  They are worked on in the
    compositor's own arrays, kept between calls; the output the same as a blend made anew."""
    from conftest import traced_peak

    frame, alpha = _frame(h, w), _disk_alpha(h, w)
    alpha[h // 8:h // 4, :] = 128  # (a soft band as wide as the frame: the largest rectangle)
    comp = Compositor(background="color:#204060")
    first = comp.apply(frame, alpha).copy()
    out, peak = traced_peak(lambda: comp.apply(frame, alpha))
    assert np.array_equal(out, first)
    assert peak < 0.02 * h * w, peak / (h * w)
    bg = np.empty_like(frame)
    bg[:] = (0x60, 0x40, 0x20)
    assert np.abs(out.astype(int) - _reference(frame, alpha, bg)).max() <= 1


@pytest.mark.parametrize("background", ["blur", "color:#00b140"])
def test_apply_i420_makes_no_new_arrays_for_its_blends_each_frame(background):
    # the rule of the hot path: buffers kept per size, no new arrays each frame; the I420 blends
    # made a new one for each soft rectangle (its product, and 255 - alpha): ~0.3 MB of a 720p
    # frame on one line (~0.5 MB in all), where the BGR route makes none
    from allocs import allocated_per_frame

    import livecut.composite as composite

    h, w = 720, 1280
    frame = _frame(h, w)
    alpha = np.zeros((h, w), np.uint8)
    cv2.ellipse(alpha, (w // 2, h // 2), (w // 5, h // 3), 0, 0, 360, 255, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 8.0)
    i420 = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
    comp = Compositor(background=background)
    _, by_line = allocated_per_frame(lambda i: comp.apply_i420(i420, alpha), composite.__file__)
    line, most = max(by_line.items(), key=lambda kv: kv[1])
    assert most < w * h // 4, f"composite.py:{line} allocates {most} bytes a frame"


@pytest.mark.parametrize("i420", [False, True])
def test_the_opaque_copy_is_made_within_the_subjects_columns(monkeypatch, i420):
    """Frames composited band by band copy the frame where alpha is 255 with one masked copy a
    band (of each plane), and find where with a comparison of the band's alpha: both were made
    over the frame's whole width, where the subject spans under half of it.  They are made
    within the columns where the band's alpha is not 0 at half size (every pixel of alpha 2 or
    more lies in them); the output as it was: the frame itself where alpha is 255, the
    background where it is 0."""
    h, w = 1080, 1920
    frame, alpha = _frame(h, w), _disk_alpha(h, w)
    cols = np.flatnonzero(alpha.any(axis=0))
    extent = cols[-1] + 1 - cols[0]
    assert extent < w // 2
    comp = Compositor(background="color:#204060")
    src = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420) if i420 else frame
    run = comp.apply_i420 if i420 else comp.apply
    want = run(src, alpha).copy()
    widths, compared = [], []
    copy_to, compare = cv2.copyTo, cv2.compare

    def spy_copy(s, mask, dst):
        widths.append(s.shape[1])
        return copy_to(s, mask, dst)

    def spy_compare(a, b, op, dst):
        compared.append(a.shape[1])
        return compare(a, b, op, dst=dst)

    monkeypatch.setattr(cv2, "copyTo", spy_copy)
    monkeypatch.setattr(cv2, "compare", spy_compare)
    got = run(src, alpha)
    assert widths and compared
    # (at half size, a 2x2 block's mean: the columns are found to 2 pixels; the chroma's are half)
    assert max(widths) <= extent + 4 and max(compared) <= extent + 4, (max(widths), max(compared), extent)
    assert np.array_equal(got, want)
    y = got[:h] if i420 else got
    assert np.array_equal(y[alpha == 255], src[:h][alpha == 255])
    bg = color_i420((0x60, 0x40, 0x20))[0] if i420 else (0x60, 0x40, 0x20)
    assert (y[alpha == 0] == bg).all()


def test_the_luma_blur_takes_the_chromas_weights_where_they_are_the_same(monkeypatch):
    """The I420 blur background weighs each plane's pixels by how much they are background, from
    the alpha reduced to the plane's blur size (:meth:`_BlurBackground.weigh`): U and V shared
    theirs, and the luma made its own, the same numbers where its reduced size and kernel are
    theirs (1080p: 83x47 for each plane), every frame.  It takes the chroma's there: one
    weighing a frame, the output the same, bit for bit."""
    from livecut.composite import _BlurBackground

    h, w = 1080, 1920
    frame, alpha = _scene(h, w)
    i420 = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
    comp = Compositor(background="blur")
    comp.apply_i420(i420, alpha)
    calls = []
    weigh = _BlurBackground.weigh
    monkeypatch.setattr(_BlurBackground, "weigh", lambda self, a: calls.append(a.shape) or weigh(self, a))
    got = comp.apply_i420(i420, alpha).copy()
    assert calls == [(h, w)]
    monkeypatch.setattr(comp, "_blur_y_shares", False)
    assert np.array_equal(comp.apply_i420(i420, alpha), got)
    assert len(calls) == 3
    # (a frame whose chroma is not reduced, 160x120: the luma's blur of another size weighs its own)
    small = Compositor(background="blur")
    small.apply_i420(cv2.cvtColor(_frame(120, 160), cv2.COLOR_BGR2YUV_I420), _disk_alpha(120, 160))
    assert small._blur_y.small.shape != small._blur_u.small.shape and not small._blur_y_shares


def test_a_bgr_frames_blends_fit_the_subjects_edge(monkeypatch):
    """A BGR frame composited band by band blends the soft tiles of each band, their columns
    joined over the band's rows: bands of 128 rows blended 16 % of a 1080p frame whose soft edge
    is 5 % of it (the bench's subject, an ellipse), much of it where alpha is 0 or 255 above and
    below the edge's slope.  Bands of 64 rows blend 11 %, (timed: 1080p 3.28 -> 3.13 ms, 4K
    11.30 -> 10.71 ms), the blend as exact as it was."""
    import livecut.composite as composite

    h, w = 1080, 1920
    alpha = np.zeros((h, w), np.uint8)
    cv2.ellipse(alpha, (w // 2, h // 2), (w // 5, h // 3), 0, 0, 360, 255, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 8.0)
    frame = _frame(h, w)
    areas = []
    blend = composite._blend_rect

    def spy(fg, a, out, inv=None, scratch=None):
        areas.append(a.size)
        return blend(fg, a, out, inv, scratch)

    monkeypatch.setattr(composite, "_blend_rect", spy)
    comp = Compositor(background="color:#204060")
    out = comp.apply(frame, alpha)
    assert comp._half_tiles is not None  # (the bands' path)
    assert sum(areas) <= 0.13 * h * w, sum(areas) / (h * w)
    bg = np.empty_like(frame)
    bg[:] = (0x60, 0x40, 0x20)
    assert np.abs(out.astype(int) - _reference(frame, alpha, bg)).max() <= 1
    assert np.array_equal(out[alpha == 255], frame[alpha == 255])


def test_the_blur_behind_the_subject_blurs_the_colours_once(monkeypatch):
    """The blur of what is behind the subject (normalised convolution: blur(colour * w) /
    blur(w), w = 1 - alpha, with BEHIND_EPS of the plain blur added to both) blurred the reduced
    colours twice, weighted and plain, and broadcast the weights over the channels in each
    product and quotient; the weights take BEHIND_EPS themselves (a blur is linear: the same
    sums) and are made for each channel once: two blurs a frame, of the weights and of the
    weighted colours, the result within 1 level of those sums in float64 (the colours weighted
    at the samples they are reduced from, then reduced, as the weights are)."""
    from livecut.composite import BEHIND_EPS
    from livecut.resize import reduce_into

    h, w = 1080, 1920
    frame, alpha = _scene(h, w)
    comp = Compositor(background="blur")
    comp.apply(frame, alpha)
    blurs = []
    sep = cv2.sepFilter2D
    monkeypatch.setattr(cv2, "sepFilter2D", lambda *a, **k: blurs.append(a[0].shape) or sep(*a, **k))
    comp.apply(frame, alpha)
    blur = comp._blur
    assert len(blurs) == 2, blurs
    small = np.empty_like(blur.small)
    reduce_into(frame, small, blur.mid)  # (blur.mid: the frame's samples it is reduced from)
    sh, sw = small.shape[:2]
    samples = cv2.resize(alpha, blur.mid.shape[1::-1], interpolation=cv2.INTER_NEAREST_EXACT)
    inv = (255.0 - samples) / 255.0
    wt = cv2.resize(inv, (sw, sh), interpolation=cv2.INTER_AREA)
    weighted = cv2.resize(blur.mid.astype(np.float64) * inv[..., None], (sw, sh), interpolation=cv2.INTER_AREA)

    def g(x):
        return sep(x.astype(np.float64), cv2.CV_64F, blur.kernel_x, blur.kernel)

    f = small.astype(np.float64)
    num = np.dstack([g(weighted[..., c]) + BEHIND_EPS * g(f[..., c]) for c in range(3)])
    want = num / (g(wt) + BEHIND_EPS)[..., None]
    assert np.abs(blur.small.astype(np.float64) - want).max() <= 1.0


@pytest.mark.parametrize("i420", [False, True])
def test_the_blended_rectangles_alpha_is_not_compared_again(monkeypatch, i420):
    """Band by band, the frame is copied where alpha is 253-255 outside the blended rectangles
    and, inside them, where it was exactly 255: a second comparison of each rectangle's alpha,
    whose copy put the frame over its blend where the blend is the frame itself.  The rectangles
    are left out of the copy: one comparison a band of the frame's (the luma's) alpha, at 253;
    the frame itself where alpha is 255 as before."""
    h, w = 1080, 1920
    frame, alpha = _scene(h, w)[0], _speckled_alpha(h, w)
    comp = Compositor(background="color:#204060")
    src = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420) if i420 else frame
    run = comp.apply_i420 if i420 else comp.apply
    run(src, alpha)
    compared = []
    compare = cv2.compare

    def spy(a, level, op, dst):
        compared.append((a.shape[0], level))
        return compare(a, level, op, dst=dst)

    monkeypatch.setattr(cv2, "compare", spy)
    got = run(src, alpha)
    tiles = comp._tiles_c if i420 else comp._half_tiles
    # (the frame's alpha compared at 253, its bands' rows; I420: the chroma's at 255, at half size)
    assert compared and all(lv == 252 for n, lv in compared if n > tiles.band_rows), compared
    assert all(n <= tiles.band_rows for n, lv in compared if lv == 254) and (i420 or all(lv == 252 for _, lv in compared))
    y = got[:h] if i420 else got
    assert np.array_equal(y[alpha == 255], src[:h][alpha == 255])


def test_the_blends_work_arrays_of_a_shape_met_are_kept():
    """The work arrays of each rectangle blended (:class:`_Scratch`: views of two buffers grown
    to the largest rectangle) were made anew for every rectangle, 55 pairs of views a 1080p
    frame's BGR and I420 composites, about 1 us each; those of a shape met before are kept (a
    frame's rectangles are mostly of the last one's shapes), let go when the buffers grow, at
    most SCRATCH_SHAPES of them."""
    from livecut.composite import SCRATCH_SHAPES, _Scratch

    s = _Scratch()
    t, w = s((64, 160, 3))
    again = s((64, 160, 3))
    assert again[0] is t and again[1] is w
    assert s((32, 48))[0].shape == (32, 48) and np.shares_memory(s((32, 48))[0], t)
    big = s((128, 1920, 3))  # (the buffers grow: the views of the smaller ones made again)
    t2, w2 = s((64, 160, 3))
    assert t2 is not t and np.shares_memory(t2, big[0]) and np.shares_memory(w2, big[1])
    for i in range(2 * SCRATCH_SHAPES):
        assert s((1, i + 1))[0].shape == (1, i + 1)
    assert len(s._views) <= SCRATCH_SHAPES
