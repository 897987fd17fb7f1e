"""A video's own alpha as input (VP9/VP8 WebM with alpha, ProRes 4444, QuickTime Animation,
PNG in MOV, FFV1 yuva): what it leaves transparent stays transparent in a cutout, shows the
background in a composite and is out of the mask, as ``livecut image`` does with a picture's
alpha.  The clips hold a sharp texture under their transparent half: read without its alpha
(FFmpeg's own VP9 decoder drops it; the others' alpha was converted away), that half was cut
as subject."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import probe, run_cli
from synth import make_scene

W, H = 320, 240
#: columns from here on are transparent in the clips (the right half, over half the subject)
EDGE = W // 2
#: pixels left out on each side of EDGE when checking (chroma and lossy alpha at the edge)
MARGIN = 8

#: name -> (encoder, pixel format, encoder options): the kinds of video with alpha
KINDS = {
    "vp9.webm": ("libvpx-vp9", "yuva420p", {"lossless": "1"}),
    "vp8.webm": ("libvpx", "yuva420p", {"auto-alt-ref": "0", "crf": "4", "b": "0"}),
    "prores4444.mov": ("prores_ks", "yuva444p10le", {"profile": "4444"}),
    "qtrle.mov": ("qtrle", "argb", {}),
    "png.mov": ("png", "rgba", {}),
    "ffv1.mkv": ("ffv1", "yuva420p", {}),
}


def _need(codec: str) -> None:
    import av

    if codec not in av.codecs_available:
        pytest.skip(f"this FFmpeg has no {codec}")


def make_alpha_clip(path: Path, codec: str, pix_fmt: str, options: dict, *, n: int = 6,
                    margins: int = 0, rotation: int = 0) -> Path:
    """A clip of a sharp subject over a defocused background, its right half (from EDGE)
    transparent with the picture left under it; ``margins``: instead, that many columns on
    the left and the right transparent and black (as an editor stores transparency)."""
    import av

    img, _ = make_scene("basic", W, H, seed=3)
    bgra = np.dstack([img, np.full((H, W), 255, np.uint8)])
    if margins:
        bgra[:, :margins] = 0
        bgra[:, W - margins:] = 0
    else:
        bgra[:, EDGE:, 3] = 0
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=10)
        s.width, s.height, s.pix_fmt = W, H, pix_fmt
        s.options = dict(options)
        if rotation:
            s.set_display_rotation(rotation)
        for _ in range(n):
            for p in s.encode(av.VideoFrame.from_ndarray(bgra, format="bgra")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def output_alphas(path: Path) -> list[np.ndarray]:
    """The alpha of every frame of a video written with alpha (a WebM's read by libvpx, as
    FFmpeg's own VP9 decoder drops it), or of a folder of PNG frames."""
    import av
    import cv2

    if path.is_dir():
        return [cv2.imread(str(f), cv2.IMREAD_UNCHANGED)[:, :, 3] for f in sorted(path.glob("*.png"))]
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        if s.codec_context.name in ("vp9", "vp8"):
            dec = av.CodecContext.create({"vp9": "libvpx-vp9", "vp8": "libvpx"}[s.codec_context.name], "r")
            frames = [f for p in c.demux(s) for f in dec.decode(p)]
        else:
            frames = list(c.decode(s))
        return [f.to_ndarray(format="bgra")[:, :, 3] for f in frames]


def check_cut(alphas: list[np.ndarray], n: int = 6) -> None:
    assert len(alphas) == n
    for a in alphas:
        assert a.shape == (H, W)
        assert a[:, EDGE + MARGIN:].max() == 0  # transparent in the source: transparent still
        assert a[:, :EDGE - MARGIN].max() > 200  # the subject's opaque half is cut out


@pytest.mark.parametrize("kind", list(KINDS))
def test_cutout_keeps_the_sources_transparency(tmp_path, kind):
    codec, pix_fmt, options = KINDS[kind]
    _need(codec)
    _need("libvpx-vp9")
    src = make_alpha_clip(tmp_path / kind, codec, pix_fmt, options)
    out = tmp_path / "cut.webm"
    r = run_cli("file", str(src), "-o", str(out), "--mode", "cutout")
    assert r.returncode == 0, r.stderr
    check_cut(output_alphas(out))


@pytest.mark.parametrize("output", ["cut.mov", "frames/"])
def test_a_transparent_webm_cut_to_prores_or_png_frames(tmp_path, output):
    """ProRes 4444 and PNG frames keep the cut's alpha too; the WebM's rotation (which libvpx's
    frames do not carry) is kept."""
    _need("libvpx-vp9")
    src = make_alpha_clip(tmp_path / "in.webm", *KINDS["vp9.webm"], rotation=90 if output == "cut.mov" else 0)
    out = tmp_path / output
    r = run_cli("file", str(src), "-o", str(out) + ("/" if output.endswith("/") else ""), "--mode", "cutout")
    assert r.returncode == 0, r.stderr
    check_cut(output_alphas(out))
    if output == "cut.mov":
        assert probe(out)["rotation"] == 90


def test_a_transparent_webm_remuxed_to_mkv_keeps_its_transparency(tmp_path):
    """'livecut file in.mkv -o cut/ --mode cutout' of a VP9 WebM with alpha remuxed into
    Matroska (ffmpeg -i in.webm -c copy in.mkv: its track's tag is ALPHA_MODE, not alpha_mode)
    cut its transparent half as subject, opaque (alpha 255), without a word: the alpha was
    not read. It is read as the WebM's is."""
    import subprocess

    import cv2

    _need("libvpx-vp9")
    src = tmp_path / "in.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.12,"
                    "format=yuva420p,geq=lum='lum(X,Y)':cb='cb(X,Y)':cr='cr(X,Y)':a='if(lt(X,32),255,0)'",
                    "-c:v", "libvpx-vp9", "-auto-alt-ref", "0", str(tmp_path / "in.webm")], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(tmp_path / "in.webm"), "-c", "copy", str(src)], check=True)
    out = tmp_path / "cut"
    r = run_cli("file", str(src), "-o", f"{out}/", "--mode", "cutout")
    assert r.returncode == 0, r.stderr
    alphas = [cv2.imread(str(f), cv2.IMREAD_UNCHANGED)[:, :, 3] for f in sorted(out.glob("*.png"))]
    assert len(alphas) == 3
    for a in alphas:
        assert a[:, 40:].max() == 0 and a[:, :24].min() == 255, (a[:, 40:].max(), a[:, :24].min())


def test_a_transparent_webm_whose_first_frames_have_no_alpha_data_keeps_its_transparency(tmp_path):
    """A VP9 WebM that says it has alpha (alpha_mode 1) whose first frames carry no alpha
    data (an opaque clip spliced before a transparent one, ffmpeg -f concat -c copy) was read
    opaque all through: whether a video has alpha was judged on its first frame, which libvpx
    gives without one. Its transparent frames stay transparent."""
    import subprocess

    import cv2

    _need("libvpx-vp9")
    clip = "testsrc2=size=64x48:rate=25:duration=0.12,format=yuva420p,geq=lum='lum(X,Y)':cb='cb(X,Y)':cr='cr(X,Y)':a="
    for name, alpha in (("opaque", "255"), ("half", "'if(lt(X,32),255,0)'")):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", clip + alpha, "-c:v", "libvpx-vp9",
                        "-auto-alt-ref", "0", "-pix_fmt", "yuv420p" if name == "opaque" else "yuva420p",
                        str(tmp_path / f"{name}.webm")], check=True)
    (tmp_path / "list.txt").write_text("file opaque.webm\nfile half.webm\n")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-i", str(tmp_path / "list.txt"), "-c", "copy",
                    "-metadata:s:v:0", "alpha_mode=1", str(tmp_path / "in.webm")], check=True)
    out = tmp_path / "cut"
    r = run_cli("file", str(tmp_path / "in.webm"), "-o", f"{out}/", "--mode", "cutout")
    assert r.returncode == 0, r.stderr
    alphas = [cv2.imread(str(f), cv2.IMREAD_UNCHANGED)[:, :, 3] for f in sorted(out.glob("*.png"))]
    assert len(alphas) == 6
    for a in alphas[3:]:
        assert a[:, 40:].max() == 0, a[:, 40:].max()


def test_composite_shows_the_background_where_the_source_is_transparent(tmp_path):
    """Over a green background: green where the WebM is transparent; not through the I420
    path, which has no alpha (FFmpeg's own VP9 decoder gave yuv420p without it)."""
    import av

    _need("libvpx-vp9")
    src = make_alpha_clip(tmp_path / "in.webm", *KINDS["vp9.webm"])
    out = tmp_path / "comp.mp4"
    r = run_cli("file", str(src), "-o", str(out), "--mode", "composite", "-b", "color:#00ff00")
    assert r.returncode == 0, r.stderr
    assert "yuv420p" not in r.stderr.splitlines()[-1]
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="bgr24") for f in c.decode(video=0)]
    assert len(frames) == 6
    for f in frames:
        right = f[:, EDGE + MARGIN:].reshape(-1, 3).astype(int)
        assert np.abs(right - (0, 255, 0)).max() <= 12


def test_mask_is_empty_where_the_source_is_transparent(tmp_path):
    import cv2

    _need("prores_ks")
    src = make_alpha_clip(tmp_path / "in.mov", *KINDS["prores4444.mov"])
    out = tmp_path / "mask"
    r = run_cli("file", str(src), "-o", f"{out}/", "--mode", "mask")
    assert r.returncode == 0, r.stderr
    masks = [cv2.imread(str(f), cv2.IMREAD_GRAYSCALE) for f in sorted(out.glob("*.png"))]
    assert len(masks) == 6
    for m in masks:
        assert m[:, EDGE + MARGIN:].max() == 0 and m[:, :EDGE - MARGIN].max() > 200


def test_transparent_margins_are_not_black_bars(tmp_path):
    """Transparent black margins (an editor's export) were found as black bars and kept black
    in a composite; they show the background, as a picture's do in ``livecut image``."""
    import av

    _need("libvpx-vp9")
    src = make_alpha_clip(tmp_path / "in.webm", *KINDS["vp9.webm"], margins=40)
    out = tmp_path / "comp.mp4"
    r = run_cli("file", str(src), "-o", str(out), "--mode", "composite", "-b", "color:#00ff00")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        f = next(c.decode(video=0)).to_ndarray(format="bgr24")
    for side in (f[:, :40 - MARGIN], f[:, W - 40 + MARGIN:]):
        assert np.abs(side.reshape(-1, 3).astype(int) - (0, 255, 0)).max() <= 12


def test_alpha_source_frames_and_a_missing_decoder(tmp_path, monkeypatch):
    """FileSource(alpha=True): BGRA frames with the WebM's alpha, every frame, at its time; an
    ordinary video stays BGR (and may travel as I420); a transparent WebM this FFmpeg cannot
    read the alpha of (no libvpx decoder) says so, in one line, and is read without it."""
    import livecut.sources.file as file_mod
    from livecut.sources.file import FileSource

    _need("libvpx-vp9")
    src = make_alpha_clip(tmp_path / "in.webm", *KINDS["vp9.webm"])
    with FileSource(src, alpha=True) as s:
        assert s.alpha and s.pixel_format == "bgra" and not s.can_yuv420p and not s.warnings
        frames = []
        while (f := s.read()) is not None:
            frames.append(f)
    assert len(frames) == 6 and [f.pts for f in frames] == pytest.approx([i / 10 for i in range(6)])
    assert all(f.image.shape == (H, W, 4) for f in frames)
    check_cut([f.image[:, :, 3] for f in frames])
    with FileSource(src) as s:  # (not asked: BGR, as before)
        assert not s.alpha and s.read().image.shape == (H, W, 3)
    plain = tmp_path / "plain.webm"
    make_alpha_clip(plain, "libvpx-vp9", "yuv420p", {})
    with FileSource(plain, alpha=True) as s:
        assert not s.alpha and s.pixel_format == "bgr24" and s.can_yuv420p and not s.warnings
    monkeypatch.setattr(file_mod, "ALPHA_DECODERS", {"vp9": "no-such-decoder"})
    with FileSource(src, alpha=True) as s:
        assert not s.alpha and s.read().image.shape == (H, W, 3)
        assert len(s.warnings) == 1
        assert "in.webm: its VP9 video has an alpha channel that this FFmpeg cannot read" in s.warnings[0]



@pytest.mark.parametrize("w,h", [(640, 360), (502, 282)])
def test_bgra_frames_reach_the_encoder_without_a_new_frame_each(tmp_path, w, h):
    # a cutout's BGRA frames (and gray or BGR ones to an encoder not of yuv420p) were made into a
    # new VideoFrame each by VideoFrame.from_ndarray, a copy of the picture besides (5.6 ms a
    # 1080p frame); one frame is refilled, holding the picture as it was given (a window of a
    # larger picture too; 502 * 4 bytes: rows padded in the frame)
    from conftest import traced_peak
    from livecut.config import VideoConfig
    from livecut.sinks.base import SinkInfo
    from livecut.sinks.file import VideoFileSink

    rng = np.random.default_rng(3)
    frames = [rng.integers(0, 256, (h, w, 4), dtype=np.uint8) for _ in range(3)]
    window = rng.integers(0, 256, (h + 3, w + 5, 4), dtype=np.uint8)[1:h + 1, 2:w + 2]
    info = SinkInfo(width=w, height=h, fps=25.0, channels=4)
    with VideoFileSink(tmp_path / "cut.webm", info, VideoConfig()) as sink:
        for f in frames[:2]:
            sink.write(f)
        for f in (frames[2], window):
            assert np.array_equal(sink._frame(f).to_ndarray(format="bgra"), f)
        _, peak = traced_peak(lambda: sink.write(frames[2]))
    assert peak < h * w * 4 / 4, f"{peak / (h * w * 4):.2f} of a BGRA frame made for one frame"


def test_a_prores_frames_rows_are_written_as_given_at_any_width(tmp_path):
    # ProRes' 10-bit frames were converted from BGR(A) by the encoder's swscale on several threads,
    # which at some widths (any odd one, 1366, 720 for 4:2:2, a portrait 1080x1920) left the first
    # pixels of the rows where its slices meet unwritten: a cutout's .mov showed a streak of 8
    # pixels of another frame's alpha and colours there in some frames, run after run other ones
    import av

    from livecut.config import VideoConfig
    from livecut.sinks.base import SinkInfo
    from livecut.sinks.file import VideoFileSink

    bad = []
    for name, channels, w, h in [("a.mov", 4, 321, 90), ("b.mov", 4, 1366, 96), ("c.mov", 4, 721, 64),
                                 ("hq.mov", 3, 720, 96)]:
        frames = []
        for i in range(24):  # (each frame other colours: the rows left held an earlier frame's)
            f = np.empty((h, w, channels), np.uint8)
            f[...] = (30 + 7 * i, 200 - 5 * i, 60 + 3 * i, 37 * i % 256)[:channels]
            frames.append(f)
        cfg = VideoConfig() if channels == 4 else VideoConfig(codec="prores_ks")
        with VideoFileSink(tmp_path / name, SinkInfo(width=w, height=h, fps=25.0, channels=channels), cfg) as sink:
            for f in frames:
                sink.write(f)
        with av.open(str(tmp_path / name)) as c:
            got = [f.to_ndarray(format="bgra")[:, :, :channels] for f in c.decode(video=0)]
        assert len(got) == len(frames)
        for i, (g, f) in enumerate(zip(got, frames)):
            off = np.abs(g.astype(int) - f[:, :g.shape[1]]).max()  # (4:2:2: an even width)
            if off > 6:  # (ProRes 422 HQ: 3 levels off, its rounding)
                bad.append(f"{name} {w}x{h} frame {i}: off by {off}")
    assert not bad


@pytest.mark.parametrize("mode", ["cutout", "mask"])
def test_a_half_transparent_frames_alpha_is_taken_once(mode):
    """A BGRA frame's own alpha is combined with the cut once (by the Compositor), not once in
    the Processor and again in the Compositor: a half-transparent part (alpha 128) came out
    at a quarter."""
    import cv2

    from livecut.config import load_config
    from livecut.runner import Processor
    from livecut.segment import Segmenter

    cfg = load_config(overrides=["smooth.enabled=false"])
    img, _ = make_scene("basic", W, H, seed=3)
    own = np.full((H, W), 255, np.uint8)
    own[:, EDGE:] = 128
    cut = Segmenter(cfg).mask(img).copy()
    want = cv2.multiply(cut, own, scale=1 / 255)
    assert want[:, EDGE:].max() > 100
    out, _ = Processor(cfg, mode=mode)(np.dstack((img, own)))
    assert np.array_equal(out if mode == "mask" else out[:, :, 3], want)


def test_the_colours_hidden_under_a_videos_transparency_do_not_change_its_cut(tmp_path):
    """A video's frames with their own alpha were judged on the colours stored under the
    transparency, which nothing shows (as `livecut image` judged a picture's, see
    test_cli_image's test of the same name): the same clip with other hidden colours (noise,
    white, black) was cut otherwise where it shows.  A frame is judged as it shows, its colours
    over a fill where it is transparent, as `livecut image` judges a picture: the masks are the
    same whatever is hidden."""
    import av
    import cv2

    img, gt = make_scene("basic", W, H, seed=3)
    cuts = {}
    for fill in ("as stored", "noise", "white", "black"):
        bgra = np.dstack([img, np.full((H, W), 255, np.uint8)])
        bgra[:, EDGE:, 3] = 0
        if fill == "noise":
            bgra[:, EDGE:, :3] = np.random.default_rng(7).integers(0, 256, (H, W - EDGE, 3), dtype=np.uint8)
        elif fill != "as stored":
            bgra[:, EDGE:, :3] = 255 if fill == "white" else 0
        src = tmp_path / f"{fill[0]}.mov"
        with av.open(str(src), "w") as c:
            s = c.add_stream("png", rate=10)
            s.width, s.height, s.pix_fmt = W, H, "rgba"
            for _ in range(3):
                for p in s.encode(av.VideoFrame.from_ndarray(bgra, format="bgra")):
                    c.mux(p)
            for p in s.encode():
                c.mux(p)
        out = tmp_path / f"mask-{fill[0]}"
        r = run_cli("file", str(src), "-o", f"{out}/", "--mode", "mask", "-q")
        assert r.returncode == 0, r.stderr
        masks = [cv2.imread(str(f), cv2.IMREAD_GRAYSCALE) for f in sorted(out.glob("*.png"))]
        assert len(masks) == 3
        cuts[fill] = masks[-1].astype(int)
        kept, truth = masks[-1] >= 128, (gt > 127) & (np.arange(W) < EDGE)
        assert np.count_nonzero(kept & truth) / np.count_nonzero(kept | truth) > 0.9, fill
    for fill in ("noise", "white", "black"):
        assert np.abs(cuts[fill] - cuts["as stored"]).max() <= 2, fill


@pytest.mark.parametrize("codec,name", [("qtrle", "qtrle"), ("png", "png"), ("mpeg4", "prores"),
                                        ("libx264", "prores")])
def test_a_transparent_mov_is_written_with_video_codec_where_it_keeps_alpha(tmp_path, codec, name):
    """A transparent .mov (`--mode cutout`, `-b transparent`) was ProRes 4444 whatever video.codec
    said, qtrle or png (which keep transparency in a .mov) too, without a word.  Those are
    written as asked, their alpha the cut's; another set codec (mpeg4) is ProRes 4444 still,
    and a warning says so (the default, libx264, named too: it was said nothing)."""
    import av

    src = make_alpha_clip(tmp_path / "in.mov", *KINDS["qtrle.mov"])
    out = tmp_path / "cut.mov"
    r = run_cli("file", str(src), "-o", str(out), "--mode", "cutout", "--set", f"video.codec={codec}")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.name == name
    check_cut(output_alphas(out))
    note = f"video.codec {codec}: cannot keep transparency in a .mov; written as ProRes 4444"
    assert (note in r.stderr) == (name == "prores"), r.stderr


@pytest.mark.parametrize("codec", ["libvpx-vp9", "ffv1"])
def test_a_transparent_mkv_of_vp9_or_ffv1_keeps_the_cut(tmp_path, codec):
    """`-o cut.mkv --mode cutout --set video.codec=libvpx-vp9` (or ffv1) was refused, ".mkv video
    cannot keep transparency", though Matroska holds VP9's alpha (as a .webm does) and FFV1's:
    it is written with the cut's alpha; with another codec (the default, libx264) it is refused
    still, in one line naming the codec and what keeps it."""
    _need(codec)
    src = make_alpha_clip(tmp_path / "in.mov", *KINDS["qtrle.mov"])
    out = tmp_path / "cut.mkv"
    r = run_cli("file", str(src), "-o", str(out), "--mode", "cutout", "--set", f"video.codec={codec}")
    assert r.returncode == 0, r.stderr
    check_cut(output_alphas(out))
    other = tmp_path / "other.mkv"
    r = run_cli("file", str(src), "-o", str(other), "--mode", "cutout")
    assert r.returncode == 2 and not other.exists()
    assert r.stderr.strip() == (f"livecut: error: {other}: .mkv video cannot keep transparency with video.codec "
                                "libx264; write .mov (ProRes 4444), .webm (VP9), .mkv with video.codec libvpx-vp9 "
                                "or ffv1, or a folder DIR/ (PNG frames)")
    folder = tmp_path / "batch"
    r = run_cli("batch", str(src), "-o", str(folder), "--mode", "cutout", "--video-ext", ".mkv",
                "--set", f"video.codec={codec}")
    assert r.returncode == 0, r.stderr
    check_cut(output_alphas(folder / "in.mkv"))


@pytest.mark.parametrize("sets,mode,background,said", [
    (["composite.mode=cutout"], None, None, "; the transparency is the configuration's: composite.mode = cutout"),
    (["composite.background=none"], None, None,
     "; the transparency is the configuration's: composite.background = none"),
    ([], "cutout", None, ""),                                 # (asked for on the command line: as it was)
    (["composite.background=transparent"], None, "transparent", ""),
])
def test_a_transparent_output_the_configuration_asks_for_says_so_where_it_is_refused(tmp_path, sets, mode,
                                                                                    background, said):
    """-c my.toml holding composite.mode = "cutout" (for photos), then `livecut file in.mp4 -o
    out.mp4 -c my.toml`: ".mp4 video cannot keep transparency", though nothing on the command line
    asked for transparency; the configuration's setting that did is said."""
    from livecut.config import load_config
    from livecut.errors import UsageError
    from livecut.runner import check_video_args

    cfg = load_config(None, sets)
    with pytest.raises(UsageError) as info:
        check_video_args(cfg, str(tmp_path / "out.mp4"), mode=mode, background=background)
    text = str(info.value)
    assert ".mp4 video cannot keep transparency" in text and text.endswith("or a folder DIR/ (PNG frames)" + said)
    if said:  # (the command line says it as the library does)
        src = make_alpha_clip(tmp_path / "in.mov", *KINDS["qtrle.mov"], n=2)
        r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"), *(a for k in sets for a in ("--set", k)))
        assert r.returncode == 2 and r.stderr.strip().endswith(said), r.stderr


def test_a_transparent_mkv_of_vp8_named_as_ffmpeg_names_it_keeps_the_cut(tmp_path):
    """`--set video.codec=vp8` (FFmpeg's name for VP8, whose encoder is libvpx) into a transparent
    .mkv, which takes it, failed at the first frame: "video.codec 'vp8': the encoder refuses
    WxH yuva420p video (Invalid argument)": the settings of libvpx (alt-ref frames off for
    alpha, the CRF, the speed) were given to the names libvpx and libvpx-vp9 only."""
    _need("libvpx")
    src = make_alpha_clip(tmp_path / "in.mov", *KINDS["qtrle.mov"])
    out = tmp_path / "cut.mkv"
    r = run_cli("file", str(src), "-o", str(out), "--mode", "cutout", "--set", "video.codec=vp8")
    assert r.returncode == 0, r.stderr
    assert probe(out)["codec"] == "vp8"
    check_cut(output_alphas(out))


class _StubSegmenter:
    """A segmenter that copies each frame it is given into ``seen`` (made beforehand: ``n``
    frames of ``h`` x ``w``), its mask empty."""

    state, box, method = "subject", None, None

    def __init__(self, h, w, n):
        self.seen, self.alpha, self.n = [np.empty((h, w, 3), np.uint8) for _ in range(n)], np.zeros((h, w), np.uint8), 0

    def mask(self, image, out=None):
        np.copyto(self.seen[self.n], image)
        self.n += 1
        return self.alpha if out is None else out


def _alpha_frames(h, w, n, seed=0):
    import cv2

    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n):
        f = np.empty((h, w, 4), np.uint8)
        f[..., :3] = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        a = np.zeros((h, w), np.uint8)
        cv2.ellipse(a, (w // 2 + 7 * i, h // 2), (w // 4, h // 3), 0, 0, 360, 255, -1)
        f[..., 3] = cv2.GaussianBlur(a, (0, 0), 6)
        frames.append(f)
    return frames


def test_a_transparent_videos_frames_are_judged_as_shown_without_new_arrays_each_frame():
    """The rule of the hot path: a frame with its own alpha, judged as it shows (its colours
    over a fill where it is transparent), made ~100 MB of arrays each 720p frame (its colours
    and alpha copied out, their products, the fill's pyramid in float, ~65 ms a 1080p frame);
    its buffers are now the Processor's, kept from frame to frame, and what is judged is the
    same, byte for byte, as a picture's (images.as_shown)."""
    import livecut.runner as runner
    from allocs import allocated_per_frame
    from livecut.config import load_config
    from livecut.images import as_shown
    from livecut.runner import Processor

    h, w = 720, 1280
    frames = _alpha_frames(h, w, 7)
    proc = Processor(load_config(overrides=["smooth.enabled=false"]), mode="cutout")
    proc.seg = stub = _StubSegmenter(h, w, len(frames))
    _, by_line = allocated_per_frame(lambda i: proc.segment(frames[i]), runner.__file__)
    line, most = max(by_line.items(), key=lambda kv: kv[1])
    assert most < w * h // 4, f"runner.py:{line} allocates {most} bytes a frame"
    assert stub.n == len(frames)
    for f, seen in zip(frames, stub.seen):
        assert np.array_equal(seen, as_shown(np.ascontiguousarray(f[..., :3]), np.ascontiguousarray(f[..., 3])))


def test_a_transparent_frame_as_shown_in_kept_buffers_is_as_a_fresh_one():
    """as_shown's buffers kept from frame to frame (a Processor's) give each frame what a
    fresh call gives, through frames of other sizes (odd ones, a row, a column) and opaque
    ones (left as they are)."""
    from livecut.images import ShownBuffers, as_shown
    from livecut.runner import _as_shown

    bufs = ShownBuffers()
    for h, w in [(120, 200), (120, 200), (1, 37), (37, 1), (4, 1), (301, 517), (120, 200)]:
        for f in _alpha_frames(h, w, 2, seed=h * w):
            want = as_shown(f[..., :3].copy(), f[..., 3].copy())
            assert np.array_equal(_as_shown(f, bufs), want if f[..., 3].min() < 255 else f)
    opaque = _alpha_frames(50, 60, 1)[0]
    opaque[..., 3] = 255
    assert _as_shown(opaque, bufs) is opaque


def make_palette_clip(path: Path, n: int = 6) -> Path:
    """A .mov of PNG frames with a palette (pal8): the scene of :func:`make_alpha_clip` in 125
    colours, its right half (from EDGE) the same colours made transparent (a tRNS chunk)."""
    import av

    img, _ = make_scene("basic", W, H, seed=3)
    q = (img.astype(np.uint16) * 5 // 256).astype(np.uint8)  # (0-4 a channel)
    idx = q[:, :, 0] * 25 + q[:, :, 1] * 5 + q[:, :, 2]
    idx[:, EDGE:] += 125
    b, g, r = np.meshgrid(*[np.arange(5) * 60] * 3, indexing="ij")
    bgra = np.zeros((256, 4), np.uint8)
    bgra[:250, 0], bgra[:250, 1], bgra[:250, 2] = np.tile(b.ravel(), 2), np.tile(g.ravel(), 2), np.tile(r.ravel(), 2)
    bgra[:125, 3] = 255
    palette = np.ascontiguousarray(bgra[:, [3, 2, 1, 0]])  # (PyAV's from_ndarray takes a palette's colours as A, R, G, B)
    frame = av.VideoFrame.from_ndarray((idx, palette), format="pal8")
    assert np.array_equal(frame.to_ndarray(format="bgra"), bgra[idx])
    with av.open(str(path), "w") as c:
        s = c.add_stream("png", rate=10)
        s.width, s.height, s.pix_fmt = W, H, "pal8"
        for _ in range(n):
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


@pytest.mark.parametrize("output", ["cut.mov", "frames/"])
def test_a_mov_of_palette_pngs_keeps_its_transparency(tmp_path, output):
    """A .mov of PNG frames with a palette whose transparency is the palette's (pal8, as a
    palette PNG's tRNS) was read without its alpha: the sharp picture under its transparent
    half was cut as subject and written opaque, where `livecut image` leaves each frame's
    transparent part transparent."""
    _need("png")
    src = make_palette_clip(tmp_path / "pal.mov")
    out = tmp_path / output
    r = run_cli("file", str(src), "-o", str(out) + ("/" if output.endswith("/") else ""), "--mode", "cutout")
    assert r.returncode == 0, r.stderr
    check_cut(output_alphas(out))


def test_frames_transparent_all_over_are_said_so_not_out_of_focus(tmp_path):
    """A clip that opens transparent all over (an overlay's fade-in) was said to have 'nothing
    in focus in 50 % of the frames: the subject was lost there': nothing of them shows, as
    `livecut image` says of a picture transparent all over."""
    import av

    _need("qtrle")
    img, _ = make_scene("basic", W, H, seed=3)
    shown = np.dstack([img, np.full((H, W), 255, np.uint8)])
    shown[:, EDGE:, 3] = 0
    clear = shown.copy()
    clear[:, :, 3] = 0
    src = tmp_path / "fade.mov"
    with av.open(str(src), "w") as c:
        s = c.add_stream("qtrle", rate=10)
        s.width, s.height, s.pix_fmt = W, H, "argb"
        for f in [clear] * 3 + [shown] * 3:
            for p in s.encode(av.VideoFrame.from_ndarray(f, format="bgra")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    r = run_cli("file", str(src), "-o", str(tmp_path / "cut.mov"), "--mode", "cutout")
    assert r.returncode == 0, r.stderr
    assert "fully transparent (its alpha 0 everywhere) in 50 % of the frames" in r.stderr, r.stderr
    assert "nothing was in focus" not in r.stderr, r.stderr
    alphas = output_alphas(tmp_path / "cut.mov")
    assert len(alphas) == 6 and max(a.max() for a in alphas[:3]) == 0 and alphas[3][:, :EDGE - MARGIN].max() > 200
