"""A picture that changes size mid-run (an adaptive HLS stream switching variants, a camera,
a spliced file) is fitted into the output with its shape kept, on black bars, and the run
says so.  A larger picture was cropped to its top-left corner (streams and pipes), or
stretched to the first picture's shape (files)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import run_cli, scene_clip, shape_spliced
from rtsp_helpers import env_with_repo
from livecut.resize import Fitter, fitted_size

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg command")


def test_fitter_keeps_the_shape_on_black_bars():
    fit, warnings = Fitter(), []
    img = np.zeros((360, 640, 3), np.uint8)
    img[:, :320] = (0, 0, 255)
    img[:, 320:] = (255, 0, 0)
    out = fit(img, 320, 240, warnings)
    assert out.shape == (240, 320, 3)
    assert fitted_size(640, 360, 320, 240) == (0, 30, 320, 180)
    assert out[:30].max() == 0 and out[210:].max() == 0                  # the bars
    assert tuple(out[120, 80]) == (0, 0, 255) and tuple(out[120, 240]) == (255, 0, 0)  # the whole picture
    assert len(warnings) == 1 and "640x360" in warnings[0] and "320x240" in warnings[0]
    assert fit(img, 320, 240, warnings) is out and len(warnings) == 1    # buffer reused, said once
    # a frame one pixel larger (an odd size written even) loses its last row/column, silently
    odd = np.full((241, 321), 9, np.uint8)
    assert fit(odd, 320, 240, warnings).shape == (240, 320) and len(warnings) == 1
    # a narrower one: bars left and right; BGRA bars are transparent
    tall = np.full((480, 320, 4), 200, np.uint8)
    out = fit(tall, 320, 240, warnings)
    assert out[:, :79].max() == 0 and out[:, 241:].max() == 0 and out[120, 160, 3] == 200
    assert fitted_size(320, 480, 320, 240) == (80, 0, 160, 240)
    assert fitted_size(641, 361, 320, 240, even=True) == (0, 30, 320, 180)


def test_a_picture_that_keeps_changing_size_is_said_in_a_few_lines():
    """A picture that changed size 60 times said 58 lines, one per size; the first three sizes
    are said, then one line counts the rest (a size seen before is not counted again)."""
    fit, warnings = Fitter(), []
    for w in range(202, 322, 2):
        fit(np.zeros((120, w, 3), np.uint8), 200, 120, warnings)
        fit(np.zeros((120, 202, 3), np.uint8), 200, 120, warnings)  # (one seen before)
    assert len(warnings) == 4, warnings
    assert all("changed size mid-run to" in w for w in warnings)
    assert "to 202x120" in warnings[0] and "to 206x120" in warnings[2]
    assert "57 more sizes" in warnings[3] and "320x120" in warnings[3], warnings[3]
    # one size after the first three: said as they are, not counted
    fit, warnings = Fitter(), []
    for w in (202, 204, 206, 208):
        fit(np.zeros((120, w, 3), np.uint8), 200, 120, warnings)
    assert len(warnings) == 4 and "to 208x120: fitted" in warnings[3]


@needs_ffmpeg
def test_a_file_that_keeps_changing_size_is_said_in_a_few_lines(tmp_path):
    """The same for a file's frames passed as I420 (the source fits them, not a sink)."""
    parts = []
    for i, w in enumerate(range(160, 176, 2)):
        p = tmp_path / f"{i}.ts"
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc2=size={w}x96:rate=10", "-t", "0.2",
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-output_ts_offset", str(0.2 * i),
                        "-f", "mpegts", str(p)], check=True, timeout=60)
        parts.append(p.read_bytes())
    src = tmp_path / "changing.ts"
    src.write_bytes(b"".join(parts))
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"))
    assert r.returncode == 0, r.stderr
    said = [ln for ln in r.stderr.splitlines() if "changed size mid-run" in ln]
    assert len(said) == 4, r.stderr
    assert "4 more sizes" in said[3] and "174x96" in said[3], said[3]


@pytest.fixture(scope="module")
def spliced(tmp_path_factory):
    """2 s at 320x240, then 2 s at 640x360 (testsrc2: bright colour bars up to its top row),
    one MPEG-TS file, as an adaptive stream or a splice gives it."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs the ffmpeg command")
    d = tmp_path_factory.mktemp("spliced")
    parts = []
    for i, (size, offset) in enumerate((("320x240", 0), ("640x360", 2))):
        p = d / f"{i}.ts"
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25", "-t", "2",
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-output_ts_offset", str(offset),
                        "-f", "mpegts", str(p)], check=True, timeout=60)
        parts.append(p.read_bytes())
    out = d / "spliced.ts"
    out.write_bytes(b"".join(parts))
    return out


def _frames(data_or_path) -> list[np.ndarray]:
    import av

    src = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else str(data_or_path)
    with av.open(src) as c:
        return [f.to_ndarray(format="bgr24") for f in c.decode(video=0)]


def _check_letterboxed(frames: list[np.ndarray], width: int) -> None:
    assert len(frames) == 100
    first, late = frames[20], frames[80]
    assert first.shape == late.shape == (240, width, 3)
    assert first[:6].mean() > 60                       # the first picture fills the frame
    assert late[:6].mean() < 8 and late[-6:].mean() < 8  # the later one: 16:9 in 4:3, bars
    assert late[100:140].mean() > 60                   # ... and its picture between them


@needs_ffmpeg
@pytest.mark.parametrize("extra", [[], ["-m", "side-by-side"]], ids=["i420", "bgr"])
def test_a_file_whose_picture_changes_size_is_fitted_not_stretched(spliced, tmp_path, extra):
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(spliced), "-o", str(out), *extra)
    assert r.returncode == 0, r.stderr
    # (side by side: the picture the output is given, the frame and its composite, 1280x360)
    assert f"changed size mid-run to {'1280x360' if extra else '640x360'}" in r.stderr
    _check_letterboxed(_frames(out), 640 if extra else 320)


@needs_ffmpeg
def test_png_frames_of_a_picture_that_changes_size_are_fitted_as_a_change_of_pixel_shape_is(spliced, tmp_path):
    """PNG frames (-o DIR/) fitted a picture whose pixels changed shape into the first frame's
    size, as every output fits a change of size, but kept a picture of another size at its own
    (the first 320x240, the later 640x360), without a word: it is fitted the same way, and said."""
    import cv2

    out = tmp_path / "frames"
    r = run_cli("file", str(spliced), "-o", f"{out}/")
    assert r.returncode == 0, r.stderr
    assert "changed size mid-run to 640x360: fitted into the output's 320x240" in r.stderr
    _check_letterboxed([cv2.imread(str(p)) for p in sorted(out.glob("frame_*.png"))], 320)


@needs_ffmpeg
def test_a_pipe_whose_picture_changes_size_is_fitted_not_cropped(spliced):
    r = subprocess.run([sys.executable, "-m", "livecut", "file", str(spliced), "-o", "-",
                        "--set", "video.pipe_format=nut"], capture_output=True, timeout=120, env=env_with_repo())
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert "changed size mid-run to 640x360" in r.stderr.decode(errors="replace")
    _check_letterboxed(_frames(r.stdout), 320)



def _range_spliced(folder, later: str, fmt: str = "yuvj420p", lum: str = "X*255/W", chroma: str = "cb=128:cr=160",
                   tags: tuple = ()):
    """1 s of limited-range yuv420p at 320x240, then 1 s of full-range yuvj420p (JPEG levels: an
    IP camera's, a phone's) at ``later`` (WxH), one MPEG-TS file: the encoder changed mid-stream.
    Each part a ramp through every level of its range, left to right.  (The later part's pixel
    format, ramp, chroma and ffmpeg's colour options ``tags`` as given.)"""
    parts = []
    for i, (pix, size, ramp, uv, opts, offset) in enumerate((
            ("yuv420p", "320x240", "16+X*219/W", chroma, (), 0), (fmt, later, lum, chroma, tags, 1))):
        p = folder / f"{i}.ts"
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                        f"color=c=gray:size={size}:rate=25,format={pix},geq=lum='{ramp}':{uv}", "-t", "1",
                        "-c:v", "libx264", "-pix_fmt", pix, *opts, "-output_ts_offset", str(offset),
                        "-f", "mpegts", str(p)], check=True, timeout=60)
        parts.append(p.read_bytes())
    out = folder / "range.ts"
    out.write_bytes(b"".join(parts))
    return out


def _i420_and_bgr_apart(path) -> list[float]:
    """How far (mean absolute difference, in levels) each frame of ``path`` read as I420 by the
    file source is from the frame read as BGR (each with its own matrix and range), scaled to
    320x240 where it is not."""
    import cv2

    from livecut.sources.file import FileSource

    with FileSource(path) as src:
        assert src.can_yuv420p
        src.use_pixel_format("yuv420p")
        i420 = []
        while (fr := src.read()) is not None:
            i420.append(cv2.cvtColor(fr.image, cv2.COLOR_YUV2BGR_I420).astype(np.float32))
    with FileSource(path) as src:
        bgr = []
        while (fr := src.read()) is not None:
            bgr.append(cv2.resize(fr.image, (320, 240), interpolation=cv2.INTER_AREA).astype(np.float32))
    assert len(i420) == len(bgr) == 50
    return [float(np.abs(a - b).mean()) for a, b in zip(i420, bgr)]


@needs_ffmpeg
@pytest.mark.parametrize("later", ["320x240", "640x480"])
def test_a_file_whose_frames_turn_full_range_mid_stream_keeps_their_levels_as_i420(tmp_path, later):
    """A yuv420p file is delivered as I420 (the fast path); frames that came full range
    (yuvj420p) later were copied as they are (or scaled, at another size), their 0-255 levels
    then read as 16-235: the picture's contrast stretched, blacks and whites clipped (9.5
    levels off on average).  They are brought to limited range, as the BGR path reads them."""
    off = _i420_and_bgr_apart(_range_spliced(tmp_path, later))
    assert max(off[:25]) < 1.5 and max(off[25:]) < 2.5, str([round(o, 1) for o in off])


@needs_ffmpeg
@pytest.mark.parametrize("later", ["320x240", "640x480"])
def test_a_file_whose_frames_turn_bt709_mid_stream_keeps_their_colours_as_i420(tmp_path, later):
    """A BT.601 yuv420p file is delivered as I420 and written as BT.601; frames of BT.709 later
    (an HD part spliced after an SD one, a TV recording's programme after its advert) were
    copied as they are and so read as BT.601: their colours off (swscale converts no matrix
    between YUV formats).  They are read with their own matrix, as the BGR path reads them."""
    off = _i420_and_bgr_apart(_range_spliced(tmp_path, later, fmt="yuv420p", lum="16+X*219/W",
                                              chroma="cb=90:cr=200", tags=("-colorspace", "bt709")))
    assert max(off[:25]) < 1.5 and max(off[25:]) < 2.5, str([round(o, 1) for o in off])


@needs_ffmpeg
@pytest.mark.parametrize("yuv", ["auto", "off"], ids=["i420", "bgr"])
@pytest.mark.parametrize("later, sar, bars", [("512x288", "1/1", None), ("360x288", "16/15", "sides")],
                         ids=["hd-after-sd", "4:3-after-16:9"])
def test_a_file_whose_pixels_change_shape_mid_stream_is_fitted_as_shown(tmp_path, yuv, later, sar, bars):
    """The output keeps the first picture's pixel shape (720x576 16:9, 64:45); a picture of
    another shape later was fitted by its pixels, not as it is shown: a 16:9 HD programme
    (square pixels) after an anamorphic SD advert was squeezed into 16:9 of 64:45 pixels, shown
    2.5:1 between bars; a 4:3 advert (16:15) in a 16:9 programme of the same size was shown
    stretched, without a word.  It is fitted as it is shown, and the run says so."""
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(shape_spliced(tmp_path, later, sar)), "-o", str(out), "--set", f"video.yuv={yuv}")
    assert r.returncode == 0, r.stderr
    frames = _frames(out)
    assert len(frames) == 50
    first, late = frames[10], frames[40]
    assert first.shape == late.shape == (288, 360, 3)
    assert first[:6].mean() > 60 and first[:, :6].mean() > 60  # the first picture fills the frame
    if bars is None:  # 16:9 in 16:9: it fills the frame too
        assert late[:6].mean() > 60 and late[-20:].mean() > 30 and late[:, :6].mean() > 60
    else:  # 4:3 in 16:9: bars at the sides, 45 columns each (270 of 360 between them)
        assert late[:, :40].mean() < 8 and late[:, -40:].mean() < 8 and late[:6, 50:310].mean() > 60
    assert f"changed size mid-run to {later} (its pixels {sar.replace('/', ':')}" in r.stderr
    assert "the output's 64:45): fitted into the output's 360x288" in r.stderr


@needs_ffmpeg
@pytest.mark.parametrize("yuv", [True, False], ids=["i420", "bgr"])
def test_the_frames_just_before_a_change_of_pixel_shape_keep_their_own(tmp_path, yuv):
    """The decoder says the pixel shape of the newest packet it read, a few frames ahead of
    the frame it gives (its reordering delay): the last 2 frames of an anamorphic SD part were
    taken as of the 4:3 part after it, shown with bars, and the run said '360x288 (its pixels
    1:1, the output's 64:45)' of an HD part's splice, a picture the file never had.  A frame
    takes the pixel shape of the key frame before it, where a decoder's shape changes."""
    from livecut.sources.file import FileSource

    src = FileSource(shape_spliced(tmp_path, "360x288", "16/15"))
    if yuv:
        src.use_pixel_format("yuv420p")
    lefts = []
    with src:
        while (frame := src.read()) is not None:
            img = frame.image[:288]
            lefts.append(float(img[:, :6].mean()))
    assert len(lefts) == 50
    assert min(lefts[:25]) > 60 and max(lefts[25:]) < 30, [round(v) for v in lefts]
    assert [w for w in src.warnings if "360x288 (its pixels 16:15" in w] and \
        not [w for w in src.warnings if "its pixels 64:45, the output's" in w or "(its pixels 1:1" in w]


@needs_ffmpeg
@pytest.mark.parametrize("later, sar, settings", [
    ("640x360", "1/1", ["video.segment_ahead=on"]), ("640x360", "1/1", ["video.segment_ahead=off"]),
    ("480x360", "4/3", ["video.yuv=off"])], ids=["i420-ahead", "i420", "bgr-pixel-shape"])
def test_the_bars_a_picture_is_fitted_onto_mid_run_are_no_subject(tmp_path, later, sar, settings):
    """A sharp 320x240 scene, then a 16:9 one blurred all over (640x360, or 480x360 of 4:3
    pixels), fitted onto black bars above and below (its picture rows 30-210).  The engine
    took bars it had not seen at the start only once they had lasted 25 frames: for a second
    the bars' edge was judged as a sharp subject, a band of ~20 % of the frame in the mask.
    The source's fit is told to the engine, whose bars are taken at once."""
    w, h = (int(v) for v in later.split("x"))
    clip = tmp_path / "spliced.ts"
    clip.write_bytes(scene_clip(tmp_path / "0.ts", 320, 240)
                     + scene_clip(tmp_path / "1.ts", w, h, blur=9.0, sar=sar, offset=1))
    out = tmp_path / "mask.mkv"
    r = run_cli("file", str(clip), "-o", str(out), "-m", "mask", "--set", "video.codec=ffv1",
                *(a for s in settings for a in ("--set", s)))
    assert r.returncode == 0, r.stderr
    masks = [f[:, :, 1] for f in _frames(out)]
    assert len(masks) == 50
    assert (masks[20] > 128).mean() > 0.05  # the sharp subject of the first scene
    for i in range(25, 50):  # the blurred one between bars: nothing sharp, least of all its top edge
        assert (masks[i] > 128).mean() < 0.01, (i, (masks[i][30:60] > 128).mean())


@needs_ffmpeg
@pytest.mark.parametrize("settings", [[], ["video.yuv=off"], "pipe"], ids=["i420", "bgr-pixel-shape", "pipe"])
def test_bars_thinner_than_a_letterbox_a_picture_is_fitted_onto_are_no_subject(tmp_path, settings):
    """A sharp 320x240 scene, then a blurred 640x470 one (as I420: fitted 320x234 at row 2, a
    bar of 2 rows above it, 4 below; 640x470 of pixels 1:1 after the first part's 4:3 pixels,
    as BGR, from a file or a pipe: fitted by the source too).  A bar thinner than 4 rows is no
    bar to the engine, and the edge of the one the source added was cut as a sharp subject, a
    band of ~20 % of the frame, for as long as the picture was fitted so.  The source's fit is
    the picture's box."""
    clip = tmp_path / "spliced.ts"
    first_sar = "4/3" if settings else "1/1"
    clip.write_bytes(scene_clip(tmp_path / "0.ts", 240 if settings else 320, 240, sar=first_sar)
                     + scene_clip(tmp_path / "1.ts", 640, 470, blur=9.0, offset=1))
    out = tmp_path / "mask.mkv"
    args = ("-o", str(out), "-m", "mask", "--set", "video.codec=ffv1")
    if settings == "pipe":
        with clip.open("rb") as f:
            r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", *args], stdin=f, capture_output=True,
                               text=True, timeout=120, env=env_with_repo())
    else:
        r = run_cli("file", str(clip), *args, *(a for s in settings for a in ("--set", s)))
    assert r.returncode == 0, r.stderr
    assert "changed size mid-run to 640x470" in r.stderr
    masks = [f[:, :, 1] for f in _frames(out)]
    assert len(masks) == 50
    assert (masks[20] > 128).mean() > 0.05  # the sharp subject of the first scene
    for i in range(25, 50):  # the blurred one between bars: nothing along its top edge (~20 % of
        # the frame, before), little anywhere (the blurred scene's own subject, as BGR: ~1 %)
        assert (masks[i][:40] > 128).mean() < 0.01 and (masks[i] > 128).mean() < 0.05, i


def _ts_part(path, frames: list[np.ndarray], offset: float) -> bytes:
    h, w = frames[0].shape[:2]
    subprocess.run(["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}", "-r", "25",
                    "-i", "-", "-c:v", "libx264", "-crf", "14", "-pix_fmt", "yuv420p", "-output_ts_offset",
                    str(offset), "-f", "mpegts", str(path)], input=b"".join(f.tobytes() for f in frames),
                   check=True, timeout=60)
    return path.read_bytes()


def _sharp_disc_over_blur(w: int, h: int, n: int, seed: int) -> list[np.ndarray]:
    """``n`` frames: a sharp textured disc over a blurred backdrop of colour blobs, still."""
    import cv2

    rng = np.random.default_rng(seed)
    back = np.zeros((h, w, 3), np.float32)
    for _ in range(30):
        cv2.circle(back, (int(rng.integers(0, w)), int(rng.integers(0, h))), int(rng.integers(h // 10, h // 3)),
                   rng.integers(40, 255, 3).tolist(), -1)
    back = cv2.GaussianBlur(back, (0, 0), h * 0.03)
    yy, xx = np.mgrid[:h, :w]
    disc = (xx - w / 2) ** 2 + (yy - h / 2) ** 2 < (h * 0.3) ** 2
    back[disc] = rng.integers(0, 255, (int(disc.sum()), 3))
    frame = back.clip(0, 255).astype(np.uint8)
    return [frame] * n


@needs_ffmpeg
@pytest.mark.parametrize("extra", [["--set", "video.segment_ahead=off"], ["--set", "video.segment_ahead=on"],
                                   ["--set", "video.yuv=off"]], ids=["i420", "i420-ahead", "bgr"])
def test_a_picture_that_changes_size_is_judged_inside_its_bars_at_once(tmp_path, extra):
    # a 16:9 clip, then a square one fitted between black bars at the sides (360x360 in the
    # 640x360 output, bars 140 px wide): its straight edges along the bars, the sharpest lines
    # in the frame, were judged as the subject for ~10 frames as I420 (the bars taken only
    # after 25 frames, as a dark scene's), a wedge of white down the picture's side in the
    # mask, the blur of the composite spilling into the bars; as BGR they were taken at once
    src = tmp_path / "spliced.ts"
    src.write_bytes(_ts_part(tmp_path / "0.ts", _sharp_disc_over_blur(640, 360, 25, 1), 0)
                    + _ts_part(tmp_path / "1.ts", _sharp_disc_over_blur(360, 360, 25, 2), 1))
    out = tmp_path / "mask.mp4"
    r = run_cli("file", str(src), "-o", str(out), "--mode", "mask", *extra)
    assert r.returncode == 0, r.stderr
    assert "changed size mid-run to 360x360" in r.stderr
    masks = [f[..., 1] for f in _frames(out)]
    assert len(masks) == 50
    # (the disc is judged: the mask is not empty)
    assert all(m[150:210, 300:340].mean() > 200 for m in masks[26:])
    # the picture's side strips, between its edge and the disc, and the bars: background
    edges = [max(m[:, 140:200].mean(), m[:, 440:500].mean()) for m in masks[26:]]
    assert max(edges) < 20, [round(e) for e in edges]
    assert max(max(m[:, :136].max(), m[:, 504:].max()) for m in masks[26:]) < 20
