"""Video files end to end: frame count, fps, timestamps, duration, rotation, audio, alpha outputs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import APPEND_ONLY, REPO, SAMPLES, killable_without_core, make_clip, probe, run_cli, skip_unless_nvenc_without_its_device


def test_transcode_keeps_frames_fps_duration_and_audio(clips, tmp_path):
    src = clips["audio"]
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    a, b = probe(src), probe(out)
    assert b["frames"] == a["frames"] == 30
    assert b["fps"] == pytest.approx(a["fps"])
    assert b["duration"] == pytest.approx(a["duration"], abs=1e-3)
    assert b["pts"] == pytest.approx(a["pts"], abs=1e-3)
    assert b["codec"] == "h264" and b["pix_fmt"] == "yuv420p"
    assert b["audio"] == ["aac"]
    assert b["audio_packets"] == a["audio_packets"]


def test_h265_output_is_quiet(clips, tmp_path):
    """`--set video.codec=libx265 -q`: x265 printed its banner and settings (~25 lines) on
    stderr at its default log level; now nothing but errors."""
    import av

    if "libx265" not in av.codecs_available:
        pytest.skip("this FFmpeg has no libx265")
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=libx265", "-q")
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and probe(out)["codec"] == "hevc" and probe(out)["frames"] == 20


def test_av1_output_is_quiet(clips, tmp_path):
    """`--set video.codec=libsvtav1 -q`: SVT-AV1 printed its banner and settings (~20 lines
    "Svt[info]: ...") and "Svt[warn]: Failed to set thread priority" on stderr; now nothing but
    errors."""
    import av

    if "libsvtav1" not in av.codecs_available:
        pytest.skip("this FFmpeg has no libsvtav1")
    out = tmp_path / "out.mp4"
    env = {k: v for k, v in os.environ.items() if k != "SVT_LOG"}
    r = subprocess.run([sys.executable, "-m", "livecut", "file", str(clips["plain"]), "-o", str(out), "--set",
                        "video.codec=libsvtav1", "-q"], capture_output=True, text=True, timeout=120,
                       env={**env, "PYTHONPATH": str(REPO)}, cwd=str(REPO))
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and probe(out)["codec"] in ("libdav1d", "av1", "libaom-av1") and probe(out)["frames"] == 20


@pytest.mark.parametrize("ext", [".mp4", ".mov"])
def test_h265_in_mp4_and_mov_is_tagged_hvc1(clips, tmp_path, ext):
    """H.265 in .mp4 and .mov was tagged 'hev1' (FFmpeg's default), which QuickTime, iOS and
    Final Cut do not play; it is tagged 'hvc1', as `ffmpeg -tag:v hvc1` writes it."""
    import av

    if "libx265" not in av.codecs_available:
        pytest.skip("this FFmpeg has no libx265")
    out = tmp_path / f"out{ext}"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=libx265", "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.codec_tag == "hvc1"
    assert probe(out)["codec"] == "hevc" and probe(out)["frames"] == 20


def test_a_crf_x265_refuses_is_bad_input(clips, tmp_path):
    """video.crf takes 0-63 (VP9's range); x265 takes 0-51: 60 with libx265 failed as a write
    error (exit 1) with x265's own line; it is bad input (exit 2), said in one line."""
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=libx265",
                "--set", "video.crf=60", "-q")
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == "livecut: error: video.crf: 60 is above 51, the most x265 takes"
    assert not out.exists()


def test_a_crf_vp8_refuses_is_bad_input(clips, tmp_path):
    """VP8 (video.codec=libvpx) takes a CRF of 4-63: 0-3, which the key allows (VP9 takes 0),
    failed at the first frame, "write failed (Invalid argument)", exit 1, libvpx's reason only
    in FFmpeg's log.  It is bad input (exit 2), said in one line before the run; 4 is taken."""
    import av

    if "libvpx" not in av.codecs_available:
        pytest.skip("this FFmpeg has no libvpx (VP8)")
    out = tmp_path / "out.webm"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=libvpx",
                "--set", "video.crf=0", "-q")
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == "livecut: error: video.crf: 0 is below 4, the least VP8 (libvpx) takes"
    assert not out.exists() and not list(tmp_path.glob(".out.webm*"))
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=libvpx",
                "--set", "video.crf=4", "-q")
    assert r.returncode == 0 and probe(out)["codec"] == "vp8", r.stderr


def test_a_webm_of_video_codec_vp8_is_vp8(clips, tmp_path):
    """`-o cut.webm --set video.codec=vp8` (FFmpeg's name for VP8, whose encoder is libvpx, as
    .mkv takes it) was written as VP9 without a word: a .webm took libvpx and libvpx-vp9 by
    those names only."""
    import av

    if "libvpx" not in av.codecs_available:
        pytest.skip("this FFmpeg has no libvpx (VP8)")
    out = tmp_path / "cut.webm"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=vp8", "-q")
    assert r.returncode == 0 and not r.stderr, r.stderr
    assert probe(out)["codec"] == "vp8"


def test_a_video_codec_is_taken_in_any_case(clips, tmp_path):
    """`-o cut.webm --set video.codec=VP8` was written as VP9 with 'warning: video.codec VP8: a .webm
    is written as VP9' (VP9 too: 'video.codec VP9: ... written as VP9'), and `-o cut.mp4 --set
    video.codec=LibX264` refused ('no such encoder'): FFmpeg's names, all lower case, are taken
    in any case."""
    import av

    if "libvpx" not in av.codecs_available:
        pytest.skip("this FFmpeg has no libvpx (VP8)")
    for codec, ext, written in (("VP8", ".webm", "vp8"), ("LibX264", ".mp4", "h264")):
        out = tmp_path / f"cut{ext}"
        r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", f"video.codec={codec}", "-q")
        assert r.returncode == 0 and not r.stderr, r.stderr
        assert probe(out)["codec"] == written


def test_a_webm_of_another_video_codec_is_vp9_and_says_so(clips, tmp_path):
    """`-o cut.webm --set video.codec=mpeg4` (or libsvtav1, libx265, a typo) was written as VP9
    without a word, as a transparent .mov's codec that cannot keep it is ProRes 4444 with one."""
    out = tmp_path / "cut.webm"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=mpeg4", "-q")
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == ("livecut: warning: video.codec mpeg4: a .webm is written as VP9 (video.codec "
                                "libvpx-vp9, or libvpx for VP8); .mkv or .mp4 take other codecs")
    assert probe(out)["codec"] == "vp9"


def test_a_webm_asked_for_as_h264_by_name_says_it_is_vp9(clips, tmp_path):
    """`-o cut.webm --set video.codec=libx264` (H.264, which WebM cannot hold) was written as VP9
    without a word, where libx265 said so: the default codec named is asked for as any other.
    Left at its default, or named by a configuration file (a copy of default.toml), it says nothing."""
    out = tmp_path / "cut.webm"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=libx264", "-q")
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == ("livecut: warning: video.codec libx264: a .webm is written as VP9 (video.codec "
                                "libvpx-vp9, or libvpx for VP8); .mkv or .mp4 take other codecs")
    assert probe(out)["codec"] == "vp9"
    conf = tmp_path / "my.toml"
    conf.write_text('[video]\ncodec = "libx264"\n')
    for args in ((), ("-c", str(conf))):
        r = run_cli("file", str(clips["plain"]), "-o", str(out), "--force", "-q", *args)
        assert r.returncode == 0 and not r.stderr, r.stderr


def test_vp8s_crf_sets_its_quality(tmp_path):
    """VP8 (video.codec=libvpx) has no constant-quality mode: its CRF is a floor under a bitrate,
    which with none given was libvpx's default, 256 kbit/s: every video.crf gave the same file,
    starved (a 640x360 composite at 25 dB PSNR, VP9's 38), a transparent one's alpha blotched
    along the subject's edge.  The CRF sets its quality, as VP9's does."""
    import av

    from livecut.config import VideoConfig
    from livecut.sinks.base import SinkInfo
    from livecut.sinks.file import VideoFileSink

    if "libvpx" not in av.codecs_available:
        pytest.skip("this FFmpeg has no libvpx (VP8)")
    rng = np.random.default_rng(5)
    texture = cv2.GaussianBlur(rng.integers(0, 256, (240, 400, 3), dtype=np.uint8), (0, 0), 3)
    texture = cv2.normalize(texture, None, 0, 255, cv2.NORM_MINMAX)
    frames = [np.ascontiguousarray(texture[:, 3 * i:3 * i + 320]) for i in range(25)]  # (a pan)
    psnr = {}
    for crf in (10, 40):
        path = tmp_path / f"crf{crf}.webm"
        with VideoFileSink(path, SinkInfo(width=320, height=240, fps=25.0), VideoConfig(codec="libvpx", crf=crf)) as sink:
            for f in frames:
                sink.write(f)
        with av.open(str(path)) as c:
            got = [f.to_ndarray(format="bgr24") for f in c.decode(video=0)]
        assert len(got) == len(frames)
        psnr[crf] = min(cv2.PSNR(g, f) for g, f in zip(got, frames))
    # (it was 22 dB at either; now 34 at 10, 26-33 at 40: libvpx's real-time mode varies run to run)
    assert psnr[10] > 30 and psnr[10] > psnr[40], psnr


def test_a_fractional_crf_goes_to_x264_and_x265_and_is_refused_where_whole(clips, tmp_path):
    """--set video.crf=18.5 was refused ("expected an integer"), though x264 and x265 take a
    fractional CRF; libvpx's is a whole number, which FFmpeg rounds 18.5 to without a word:
    refused there, before the run (a whole number is handed on as one: "20", not "20.0")."""
    from livecut.config import ConfigError, load_config
    from livecut.sinks.file import check_codec, encoder_options

    cfg = load_config(None, ["video.crf=18.5"])
    assert cfg.video.crf == 18.5
    assert encoder_options(cfg.video, "libx264", "yuv420p")[0]["crf"] == "18.5"
    assert encoder_options(cfg.video, "libx265", "yuv420p")[0]["crf"] == "18.5"
    for codec, ext in (("libvpx-vp9", ".webm"), ("libvpx", ".webm")):
        whole = f"video.crf: 18.5 is not a whole number, as {codec} takes it (x264 and x265 take fractions)"
        with pytest.raises(ConfigError, match=re.escape(whole)):
            encoder_options(cfg.video, codec, "yuv420p")
        with pytest.raises(ConfigError, match=re.escape(whole)):
            check_codec(ext, 3, load_config(None, ["video.crf=18.5", f"video.codec={codec}"]).video)
    for codec in ("vp9", "av1"):  # (FFmpeg's names for libvpx-vp9 and SVT-AV1 here)
        with pytest.raises(ConfigError, match="is not a whole number"):
            encoder_options(cfg.video, codec, "yuv420p")
    assert encoder_options(cfg.video, "ffv1", "yuv420p")[0]["crf"] == "18.5"  # (takes none: as a whole one)
    plain = load_config(None, [])
    assert encoder_options(plain.video, "libx264", "yuv420p")[0]["crf"] == "20"
    assert encoder_options(plain.video, "libvpx-vp9", "yuv420p")[0]["crf"] == "20"
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.crf=18.5", "-q")
    assert r.returncode == 0, r.stderr
    assert probe(out)["frames"] == 20
    r = run_cli("file", str(clips["plain"]), "-o", str(tmp_path / "out.webm"), "--set", "video.crf=18.5", "-q")
    assert r.returncode == 2 and r.stderr.strip() == (
        "livecut: error: video.crf: 18.5 is not a whole number, as libvpx-vp9 takes it (x264 and x265 take "
        "fractions)"), r.stderr
    assert not (tmp_path / "out.webm").exists()


def test_a_tiny_fractional_crf_is_refused_where_whole_as_any_fraction():
    """--set video.crf=0.00001 (1e-05 to Python, which wrote it without a point) passed the check
    for a fraction that a whole-number encoder (VP9, VP8) does not take, and FFmpeg rounded it
    to 0 without a word: it is refused as 18.5 is, said with its point; x264 is handed it so."""
    from livecut.config import ConfigError, load_config
    from livecut.sinks.file import encoder_options

    cfg = load_config(None, ["video.crf=1e-5"])
    for codec in ("libvpx-vp9", "libvpx"):
        with pytest.raises(ConfigError, match=r"^video\.crf: 0\.00001 is not a whole number, as "):
            encoder_options(cfg.video, codec, "yuv420p")
    assert encoder_options(cfg.video, "libx264", "yuv420p")[0]["crf"] == "0.00001"
    assert encoder_options(load_config(None, ["video.crf=1e1"]).video, "libvpx-vp9", "yuv420p")[0]["crf"] == "10"


def test_frames_limit_cuts_the_audio_too(clips, tmp_path):
    out = tmp_path / "first10.mp4"
    r = run_cli("file", str(clips["audio"]), "-o", str(out), "--frames", "10")
    assert r.returncode == 0, r.stderr
    b = probe(out)
    assert b["frames"] == 10 and b["audio"] == ["aac"]
    assert 0 < b["audio_packets"] < probe(clips["audio"])["audio_packets"]
    import av

    with av.open(str(out)) as c:
        a = c.streams.audio[0]
        last = max(float(p.pts * p.time_base) for p in c.demux(a) if p.size)
    assert last <= b["duration"] + 0.1  # no audio long after the last video frame


def test_sample_clip_end_to_end(tmp_path):
    out = tmp_path / "moving.mp4"
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", str(out), "-b", "color:#00ff00")
    assert r.returncode == 0, r.stderr
    assert "75 frames" in r.stderr
    p = probe(out)
    assert p["frames"] == 75 and p["fps"] == 25 and p["audio"] == ["aac"]


def test_livecut_file_reads_a_file_named_as_a_camera_index(clips, tmp_path):
    # `livecut file 5` beside a file named 5 (a recorder's or a download's bare number) was
    # "5: not a file (use `livecut run` for cameras and streams)": livecut file reads files only
    shutil.copy(clips["plain"], tmp_path / "5")
    r = run_cli("file", "5", "-o", "out.mp4", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "./5 -> out.mp4: 20 frames" in r.stderr
    assert probe(tmp_path / "out.mp4")["frames"] == 20
    # no such file: still the pointer to `livecut run`, and a camera's device is no file either
    r = run_cli("file", "7", "-o", "out7.mp4", cwd=tmp_path)
    assert r.returncode == 2 and "7: not a file (use `livecut run`" in r.stderr, r.stderr
    r = run_cli("file", "/dev/video7", "-o", "out7.mp4", cwd=tmp_path)
    assert r.returncode == 2 and "not a file (use `livecut run`" in r.stderr, r.stderr


def test_variable_frame_rate_timestamps_survive(clips, tmp_path):
    out = tmp_path / "vfr.mp4"
    assert run_cli("file", str(clips["vfr"]), "-o", str(out)).returncode == 0
    a, b = probe(clips["vfr"]), probe(out)
    assert b["pts"] == pytest.approx(a["pts"], abs=1e-3)
    assert b["duration"] == pytest.approx(a["duration"], abs=0.05)


def test_png_frames_of_a_variable_frame_rate_say_they_lose_its_timing(clips, tmp_path):
    """A recording that pauses (10 frames at 25 fps, 1 s without a frame, 10 more) into -o DIR/:
    PNG frames keep no times, and played at the video's rate its frames are far off their own
    (the pause gone, the sound, if any, out of step), where the README says a variable frame rate
    keeps its timestamps; it was said nowhere.  A warning says it; a constant rate says nothing."""
    from conftest import make_clip

    pts = [i * 40 for i in range(10)] + [1400 + i * 40 for i in range(10)]
    src = make_clip(tmp_path / "paused.mp4", w=96, h=64, n=20, time_base=Fraction(1, 1000), pts=pts)
    r = run_cli("file", str(src), "-o", f"{tmp_path / 'frames'}/")
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "frames").glob("frame_*.png"))) == 20
    said = [line for line in r.stderr.splitlines() if "PNG frames keep no times" in line]
    assert len(said) == 1 and re.search(r"played at [\d.]+ fps, the frames of this variable frame rate are up "
                                        r"to 0\.\d\d s off their times \(\.mp4, \.mkv, \.mov keep them\)", said[0]), r.stderr
    r = run_cli("file", str(clips["plain"]), "-o", f"{tmp_path / 'plain'}/")
    assert r.returncode == 0 and "keep no times" not in r.stderr, r.stderr


@pytest.mark.parametrize("ext", [".mp4", ".mov", ".mkv", ".webm"])
def test_variable_frame_rate_keeps_its_length(clips, tmp_path, ext):
    """A variable frame rate's last frame was as long as the average frame (the encoder's
    packets had no length: the muxer took the average), the video 12 ms longer than its source
    (0.792 s for 0.780; ffmpeg keeps 0.780); each packet has its frame's length, the last one
    up to where the source's video ends."""
    src = clips["vfr"]
    out = tmp_path / f"vfr{ext}"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    a, b = probe(src), probe(out)
    assert a["duration"] == pytest.approx(0.78, abs=1e-6)
    assert b["pts"] == pytest.approx(a["pts"], abs=1e-3) and b["duration"] == pytest.approx(0.78, abs=1e-3)


@pytest.mark.parametrize("ext, args", [(".mp4", ()), (".mov", ()), (".mkv", ()), (".webm", ()), (".avi", ()),
                                       (".mov", ("-m", "cutout")), (".mp4", ("--set", "video.codec=mpeg4"))])
def test_a_long_last_frame_keeps_its_length(tmp_path, ext, args):
    """A GIF that pauses 1 s on its last picture (nine of 0.1 s, then 1 s: 1.9 s, as ffmpeg
    keeps it) came out 1.0 s long (.mp4, .mov: the last frame a frame's 0.1 s) or 1.09 s (.mkv,
    .webm: the average frame): the source's end, from its header, was taken only within 4
    frames of the last one.  The last frame has its own length (its packet's), in MP4 and MOV
    given to the last packet in decoding order (with B-frames another frame's); an encoder
    without delay (ProRes 4444, a transparent .mov; MPEG-4) gave the last frame's packet before
    its length was known (1.09 s).  AVI, a frame a tick, held it a tick (1.0 s): empty entries
    after it hold it, as a pause in the middle is held."""
    from PIL import Image

    src, out = tmp_path / "pause.gif", tmp_path / f"pause{ext}"
    pictures = [Image.new("RGB", (96, 64), (25 * i, 120, 200)) for i in range(10)]
    pictures[0].save(src, save_all=True, append_images=pictures[1:], duration=[100] * 9 + [1000], loop=0)
    assert probe(src)["duration"] == pytest.approx(1.9, abs=1e-6)
    r = run_cli("file", str(src), "-o", str(out), "-q", *args)
    assert r.returncode == 0, r.stderr
    b = probe(out)
    assert b["frames"] == 10 and b["duration"] == pytest.approx(1.9, abs=0.01), b


@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
def test_a_clock_rate_matroskas_last_frame_keeps_its_length(tmp_path, ext):
    """A Matroska file whose stated rate is its clock's (1000 fps, frames 1 ms apart) with a
    10 s pause before its last frames, its frames of no length of their own (FFmpeg writes
    none at that rate), came out 11.12 s for 10.01 (ffmpeg 10.01): the last frame had the
    average frame's length.  It lasts up to the video's end in its DURATION tag."""
    src, out = tmp_path / "burst.mkv", tmp_path / f"out{ext}"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=1000:duration=0.01", "-vf",
            "setpts='if(gte(N,5),PTS+10/TB,PTS)'", "-c:v", "libx264", "-preset", "ultrafast", str(src))
    assert probe(src)["duration"] == pytest.approx(10.01, abs=1e-6)
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    b = probe(out)
    assert b["frames"] == 10 and b["duration"] == pytest.approx(10.01, abs=0.002), b


def test_rotation_survives(clips, tmp_path):
    out = tmp_path / "rot.mp4"
    assert run_cli("file", str(clips["rotated"]), "-o", str(out)).returncode == 0
    assert probe(out)["rotation"] == probe(clips["rotated"])["rotation"] == 90


def test_frames_option_stops_early(clips, tmp_path):
    out = tmp_path / "n.mp4"
    assert run_cli("file", str(clips["plain"]), "-o", str(out), "--frames", "7").returncode == 0
    assert probe(out)["frames"] == 7


def test_prores_4444_mov_has_alpha(clips, tmp_path):
    import av

    out = tmp_path / "cut.mov"
    r = run_cli("file", str(clips["audio"]), "-o", str(out), "--background", "transparent")
    assert r.returncode == 0, r.stderr
    p = probe(out)
    assert p["codec"] == "prores" and p["pix_fmt"].startswith("yuva444") and p["frames"] == 30
    assert p["audio"] == ["aac"]
    with av.open(str(out)) as c:
        a = next(c.decode(video=0)).to_ndarray(format="bgra")[:, :, 3]
    assert a.min() < 50 and a.max() > 200


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI for the libvpx decoder")
@pytest.mark.parametrize("codec", ["libvpx-vp9", "libvpx"])
def test_webm_vp9_has_alpha(clips, tmp_path, codec):
    """VP9, and VP8 (video.codec=libvpx), which failed at its first frame (exit 1, no file)."""
    out = tmp_path / "cut.webm"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--mode", "cutout", "--set", f"video.codec={codec}")
    assert r.returncode == 0, r.stderr
    png = tmp_path / "f.png"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-c:v", codec, "-i", str(out), "-frames:v", "1",
                    str(png)], check=True)
    img = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
    assert img.shape[2] == 4 and img[:, :, 3].min() < 50 and img[:, :, 3].max() > 200
    assert probe(out)["frames"] == 20


def test_png_sequence_and_mask_video(clips, tmp_path):
    d = tmp_path / "frames"
    r = run_cli("file", str(clips["plain"]), "-o", f"{d}/", "-b", "transparent")
    assert r.returncode == 0, r.stderr
    files = sorted(d.glob("frame_*.png"))
    assert len(files) == 20
    assert cv2.imread(str(files[0]), cv2.IMREAD_UNCHANGED).shape == (180, 320, 4)
    m = tmp_path / "mask.mp4"
    assert run_cli("file", str(clips["plain"]), "-o", str(m), "--mode", "mask").returncode == 0
    import av

    with av.open(str(m)) as c:
        f = next(c.decode(video=0))
        uv = f.to_ndarray()[180:]
    assert np.abs(uv.astype(int) - 128).max() <= 2  # gray: neutral chroma
    assert probe(m)["frames"] == 20


def test_alpha_into_mp4_is_refused(clips, tmp_path):
    r = run_cli("file", str(clips["plain"]), "-o", str(tmp_path / "x.mp4"), "-b", "transparent")
    assert r.returncode == 2 and "transparency" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.mp4").exists()


def test_overwrite_rules(clips, tmp_path):
    out = tmp_path / "o.mp4"
    out.write_bytes(b"precious")
    r = run_cli("file", str(clips["plain"]), "-o", str(out))
    assert r.returncode == 2 and "--force" in r.stderr and out.read_bytes() == b"precious"
    assert run_cli("file", str(clips["plain"]), "-o", str(out), "--force").returncode == 0
    assert probe(out)["frames"] == 20
    src = tmp_path / "in.mp4"
    shutil.copy(clips["plain"], src)
    r = run_cli("file", str(src), "-o", str(src), "--force")
    assert r.returncode == 2 and "input" in r.stderr
    assert probe(src)["frames"] == 20


def test_video_background(clips, tmp_path):
    out = tmp_path / "bg.mp4"
    r = run_cli("file", str(clips["audio"]), "-o", str(out), "-b", f"video:{clips['rotated']}")
    assert r.returncode == 0, r.stderr
    assert probe(out)["frames"] == 30  # the 10-frame background loops


@pytest.mark.parametrize("mode, warned", [("mask", True), ("cutout", True), ("side-by-side", False)])
def test_background_with_a_mode_that_ignores_it_warns(tmp_path, mode, warned):
    """`livecut file -m mask -b color:#ff0000` ignored -b without a word (`livecut image` says
    so); side-by-side shows it."""
    from typer.testing import CliRunner

    from conftest import make_clip
    from livecut.cli import app

    src = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3)
    out = tmp_path / ("o.webm" if mode == "cutout" else "o.mkv")
    r = CliRunner().invoke(app, ["file", str(src), "-o", str(out), "-m", mode,
                                 "-b", "color:#ff0000", "-q"])
    assert r.exit_code == 0, r.output
    said = [ln for ln in r.stderr.splitlines() if "--background is for --mode composite" in ln]
    assert len(said) == int(warned), r.stderr
    assert not warned or f"--mode {mode} writes" in said[0] and "ignored" in said[0]


@pytest.mark.parametrize("mode, warned", [("mask", True), ("cutout", True), ("side-by-side", False)])
def test_background_with_a_configured_mode_that_ignores_it_warns(tmp_path, mode, warned):
    """-b with composite.mode = "mask" or "cutout" from the configuration (-c, --set), which a
    video command takes without --mode, was ignored without a word, where --mode mask says so;
    the warning names the configuration's key.  --mode composite wins over it: nothing said."""
    from typer.testing import CliRunner

    from conftest import make_clip
    from livecut.cli import app

    src = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3)
    out = tmp_path / ("o.webm" if mode == "cutout" else "o.mkv")
    r = CliRunner().invoke(app, ["file", str(src), "-o", str(out), "--set", f"composite.mode={mode}",
                                 "-b", "color:#ff0000", "-q"])
    assert r.exit_code == 0, r.output
    said = [ln for ln in r.stderr.splitlines() if "--background is for --mode composite" in ln]
    assert len(said) == int(warned), r.stderr
    assert not warned or f"composite.mode = {mode} (the configuration) writes" in said[0], r.stderr
    r = CliRunner().invoke(app, ["file", str(src), "-o", str(out), "--set", f"composite.mode={mode}",
                                 "-m", "composite", "-b", "color:#ff0000", "-q", "--force"])
    assert r.exit_code == 0 and "--background is for" not in r.stderr, r.output


def test_an_empty_mode_is_refused_without_the_configured_modes_warning(tmp_path):
    """-m '' with composite.mode = "mask" from the configuration and -b: -m '' is refused, but
    the warning said first that the configuration's mask ignored -b, a mode not used."""
    from typer.testing import CliRunner

    from conftest import make_clip
    from livecut.cli import app

    src = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3)
    r = CliRunner().invoke(app, ["file", str(src), "-o", str(tmp_path / "o.mp4"), "--set", "composite.mode=mask",
                                 "-m", "", "-b", "color:#ff0000", "-q"])
    assert r.exit_code == 2 and "--mode ''" in r.stderr, r.output
    assert "--background is for" not in r.stderr, r.stderr
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize("command", ["file", "run"])
def test_an_empty_mode_is_refused_as_livecut_image_refuses_it(tmp_path, command):
    """`livecut file in.mp4 -o out.mp4 -m "$MODE"` with MODE unset (-m '') wrote the default
    composite, exit 0, where `livecut image` and `livecut batch` refuse it (--mode ''): refused
    too, exit 2, nothing written."""
    from typer.testing import CliRunner

    from conftest import make_clip
    from livecut.cli import app

    src = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3)
    out = tmp_path / "o.mp4"
    r = CliRunner().invoke(app, [command, str(src), "-o", str(out), "-m", "", "-q"])
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines() == ["livecut: error: --mode '': expected one of composite, cutout, mask, "
                                     "side-by-side"], r.stderr
    assert not out.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("command", ["file", "image"])
@pytest.mark.parametrize("mode", [0o600, 0o664])
def test_force_keeps_the_permissions_of_the_output_it_replaces(tmp_path, command, mode):
    """-o out.mp4 --force over a file of the user's own permissions: a private one (0600) was
    replaced by one every user could read (0644, the umask's), a group's shared one (0664) by
    one the group could no longer write, where ``ffmpeg -y``, writing over it in place, keeps
    them.  The new output takes the permissions of the one it replaces."""
    import stat

    import cv2
    from typer.testing import CliRunner

    from conftest import make_clip
    from livecut.cli import app

    if command == "file":
        src, out = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3), tmp_path / "out.mp4"
    else:
        src, out = tmp_path / "p.png", tmp_path / "out.png"
        cv2.imwrite(str(src), np.full((64, 96, 3), 120, np.uint8))
    out.write_bytes(b"earlier")
    os.chmod(out, mode)
    old = os.umask(0o022)
    try:
        r = CliRunner().invoke(app, [command, str(src), "-o", str(out), "--force", "-q"])
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    assert out.read_bytes() != b"earlier"
    assert stat.S_IMODE(os.stat(out).st_mode) == mode


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
@pytest.mark.parametrize("command", ["file", "image", "batch"])
def test_force_over_a_link_to_a_file_writes_that_file_through_it(tmp_path, command):
    """-o out.mp4 --force where out.mp4 is a link to a file elsewhere (a shared disk, a project's
    media folder): the link was replaced by a regular file and the file it named left as it was,
    where ``cp`` and ``ffmpeg -y`` write through the link.  The file it leads to is replaced (its
    temporary file beside it: the rename stays atomic), the link kept; livecut image and batch alike."""
    import cv2
    from typer.testing import CliRunner

    from conftest import make_clip
    from livecut.batch import run_batch
    from livecut.cli import app
    from livecut.config import load_config

    if command == "file":
        src, name = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3), "out.mp4"
    else:
        src, name = tmp_path / "p.png", "p.png" if command == "batch" else "out.png"
        cv2.imwrite(str(src), np.full((64, 96, 3), 120, np.uint8))
    target = tmp_path / "shared" / name
    target.parent.mkdir()
    target.write_bytes(b"earlier")
    out = tmp_path / "out" / name
    out.parent.mkdir()
    out.symlink_to(os.path.join("..", "shared", name))
    if command == "batch":
        report = run_batch([str(src)], out.parent, load_config(None, []), jobs=1, force=True)
        assert report.done == 1, report.errors
    else:
        r = CliRunner().invoke(app, [command, str(src), "-o", str(out), "--force", "-q"])
        assert r.exit_code == 0, r.output
    assert out.is_symlink() and os.readlink(out) == os.path.join("..", "shared", name)
    assert target.read_bytes() != b"earlier"
    if command == "file":
        assert probe(target)["frames"] == 3
    else:
        assert cv2.imread(str(target), cv2.IMREAD_UNCHANGED).shape == (64, 96, 4)
    assert not [p.name for p in (tmp_path / "shared").iterdir() if p != target]  # (no temporary file left)
    assert sorted(p.name for p in out.parent.iterdir() if not p.name.startswith("livecut-batch")) == [name]


def test_png_frames_do_not_replace_a_background_among_them(tmp_path):
    """-o frames/ --force -b image:frames/frame_000001.png (a frame of an earlier run taken as the
    background plate): the new frames replaced it, exit 0, where a background video that is the
    output file is refused as an input.  Refused alike, exit 2, every frame left as it was."""
    from conftest import make_clip

    src = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3)
    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(3):
        cv2.imwrite(str(frames / f"frame_{i:06d}.png"), np.full((64, 96, 3), 40 * (i + 1), np.uint8))
    before = {p.name: p.read_bytes() for p in frames.iterdir()}
    r = run_cli("file", str(src), "-o", f"{frames}/", "--force", "-b", f"image:{frames / 'frame_000001.png'}", "-q")
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines() == [f"livecut: error: {frames}: holds an input, frame_000001.png, which its "
                                     "frames would replace; refusing to write over it"], r.stderr
    assert {p.name: p.read_bytes() for p in frames.iterdir()} == before
    other = frames / "plate.png"  # (a picture there of another name is no frame's: written)
    other.write_bytes(before["frame_000001.png"])
    r = run_cli("file", str(src), "-o", f"{frames}/", "--force", "-b", f"image:{other}", "-q")
    assert r.returncode == 0, r.stderr
    assert other.read_bytes() == before["frame_000001.png"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.parametrize("command", ["file", "image"])
def test_force_does_not_replace_a_named_pipe_with_a_file(tmp_path, command):
    """-o out.mp4 --force where out.mp4 is a named pipe (mkfifo, a reader waiting on it) or a
    device: the finished output was renamed over it, exit 0 -- the pipe gone for a regular file,
    its reader waiting for ever (as root, -o over a device node replaced the node).  Refused
    before anything is cut, exit 2, the pipe left as it was."""
    import stat

    import cv2
    from typer.testing import CliRunner

    from conftest import make_clip
    from livecut.cli import app

    if command == "file":
        src, out = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3), tmp_path / "out.mp4"
    else:
        src, out = tmp_path / "p.png", tmp_path / "out.png"
        cv2.imwrite(str(src), np.full((64, 96, 3), 120, np.uint8))
    os.mkfifo(out)
    r = CliRunner().invoke(app, [command, str(src), "-o", str(out), "--force", "-q"])
    assert r.exit_code == 2, r.output
    assert "is a FIFO (named pipe), not a regular file" in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr
    assert stat.S_ISFIFO(os.lstat(out).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out" + out.suffix, src.name])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_force_does_not_replace_a_link_to_a_named_pipe_with_a_file(tmp_path):
    """-o out.mp4 where out.mp4 is a symbolic link to a named pipe: 'exists (use --force to
    overwrite)', and with --force the finished output was renamed over the link, exit 0 (the
    reader of the pipe waiting for ever), where the pipe itself is refused; refused alike,
    exit 2, the link left as it was."""
    from typer.testing import CliRunner

    from livecut.cli import app

    src, out = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3), tmp_path / "out.mp4"
    os.mkfifo(tmp_path / "fifo")
    out.symlink_to("fifo")
    for force in ([], ["--force"]):
        r = CliRunner().invoke(app, ["file", str(src), "-o", str(out), *force, "-q"])
        assert r.exit_code == 2, r.output
        assert r.stderr.splitlines() == [f"livecut: error: {out}: is a link to a FIFO (named pipe), not a regular "
                                         "file; livecut renames its finished output into place, which would "
                                         f"replace it: choose another -o (-o - > {out} writes a stream into it)"
                                         ], r.stderr
        assert out.is_symlink() and os.readlink(out) == "fifo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "out.mp4", "src.mp4"]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd (Linux)")
def test_standard_output_by_name_is_refused_with_the_way_to_it(tmp_path):
    """`livecut file in.mp4 -o /dev/stdout > out.mp4` (or /dev/fd/1) said '/dev/stdout: exists
    (use --force to overwrite)', and with --force renamed the finished output over the name
    (as root, /dev/stdout itself: the system's link replaced by a file; a link of the user's
    to it likewise), out.mp4 left empty, exit 0; a name of one of livecut's own open files is
    refused, exit 2, saying that -o - writes to standard output."""
    src = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3)
    link = tmp_path / "so.mp4"
    link.symlink_to("/dev/stdout")
    for name, force in (("/dev/stdout", []), ("/dev/fd/1", []), (str(link), ["--force"])):
        with open(tmp_path / "got.mp4", "wb") as got:
            r = subprocess.run([sys.executable, "-m", "livecut", "file", str(src), "-o", name, *force, "-q"],
                               stdout=got, stderr=subprocess.PIPE, text=True, timeout=60, cwd=str(REPO),
                               env={**os.environ, "PYTHONPATH": str(REPO)})
        assert r.returncode == 2, r.stderr
        assert r.stderr.splitlines() == [f"livecut: error: {name}: is standard output (file descriptor 1), not "
                                         "a file; livecut renames its finished output into place, which would "
                                         "replace it: choose another -o (-o - writes a stream to standard output)"
                                         ], r.stderr
        assert (tmp_path / "got.mp4").stat().st_size == 0
    assert link.is_symlink() and os.readlink(link) == "/dev/stdout"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_as_output_points_to_the_stream_on_standard_output(tmp_path):
    """`mkfifo live; ffplay live & livecut file in.mp4 -o live` was refused, 'choose another -o',
    without the way that writes into a pipe, -o - > live; the refusal ends with it (exit 2,
    before the run; the pipe and a link to it left as they were)."""
    from typer.testing import CliRunner

    from livecut.cli import app

    src = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3)
    fifo, link = tmp_path / "live", tmp_path / "link.mp4"
    os.mkfifo(fifo)
    link.symlink_to("live")
    for out, said in ((fifo, "is a FIFO (named pipe)"), (link, "is a link to a FIFO (named pipe)")):
        r = CliRunner().invoke(app, ["file", str(src), "-o", str(out), "-q"])
        assert r.exit_code == 2, r.output
        assert r.stderr.splitlines() == [f"livecut: error: {out}: {said}, not a regular file; livecut renames its "
                                         "finished output into place, which would replace it: choose another -o "
                                         f"(-o - > {out} writes a stream into it)"], r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.mp4", "live", "src.mp4"]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /dev/fd, /proc (Linux)")
def test_a_pipe_of_a_descriptor_as_output_is_not_told_to_take_the_stream_by_its_name(tmp_path):
    """`livecut file in.mp4 -o /dev/stderr 2>&1 | less` (standard error a pipe) was refused with
    the advice '-o - > /dev/stderr writes a stream into it', which mixes livecut's own messages
    into the video; `-o >(ffplay -)` (the shell's /dev/fd/63) with '-o - > /dev/fd/63', a
    descriptor of that one command ('No such file or directory' in another).  Standard input
    and error get no such advice, another descriptor's pipe the shell's form, -o - > >(...)."""
    src = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    refused = "not a file; livecut renames its finished output into place, which would replace it: choose another -o"
    r = subprocess.run([sys.executable, "-m", "livecut", "file", str(src), "-o", "/dev/stderr", "-q"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60, env=env)
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines() == [f"livecut: error: /dev/stderr: is standard error (file descriptor 2), {refused}"
                                     ], r.stderr
    rd, wr = os.pipe()
    try:
        r = subprocess.run([sys.executable, "-m", "livecut", "file", str(src), "-o", f"/dev/fd/{wr}", "-q"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60, env=env,
                           pass_fds=(wr,))
    finally:
        os.close(rd)
        os.close(wr)
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines() == [f"livecut: error: /dev/fd/{wr}: is an open file (file descriptor {wr}), {refused} "
                                     "(-o - > >(...) writes a stream into it)"], r.stderr


@pytest.mark.skipif(os.devnull != "/dev/null", reason="a POSIX /dev/null")
def test_dev_null_as_output_points_to_null(tmp_path):
    """`livecut file in.mp4 -o /dev/null` (to measure, as with ffmpeg) was refused as any device,
    'choose another -o', without the output that writes nothing, null:; the refusal ends with
    it (exit 2, before the run)."""
    from typer.testing import CliRunner

    from livecut.cli import app

    src = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3)
    r = CliRunner().invoke(app, ["file", str(src), "-o", "/dev/null", "--force", "-q"])
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines() == ["livecut: error: /dev/null: is a device, not a regular file; livecut renames its "
                                     "finished output into place, which would replace it: choose another -o (-o "
                                     "null: writes nothing, to measure)"], r.stderr


@pytest.mark.parametrize("command, name", [("file", "INPUT"), ("run", "SOURCE")])
def test_an_empty_input_is_said_to_be_empty(tmp_path, command, name):
    """`livecut file "$IN" -o out.mp4` with IN unset said '.: is a folder, not a video file' (the
    empty path read as the current folder); livecut image, batch and eval say 'INPUT is empty'."""
    from typer.testing import CliRunner

    from livecut.cli import app

    r = CliRunner().invoke(app, [command, "", "-o", str(tmp_path / "o.mp4"), "-q"])
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines() == [f"livecut: error: {name} is empty: give a "
                                     f"{'video file (- for a pipe)' if command == 'file' else 'camera index, a URL or a file'}"
                                     ], r.stderr
    assert not any(tmp_path.iterdir())


def test_the_summary_of_one_frame_says_frame():
    """A one-frame video's summary said '1 frames in 0.1 s' (and '1 corrupt packets skipped'),
    where livecut batch's says '1 frame' (fixed there)."""
    from livecut.runner import Stats

    st = Stats(processed=1, written=1, elapsed=0.5, corrupt=1)
    st.process_ms.append(4.0)
    assert st.summary().startswith("1 frame in 0.5 s (2.0 fps), ")
    assert "1 corrupt packet skipped" in st.summary()
    st = Stats(processed=2, written=2, elapsed=0.5, corrupt=2)
    assert st.summary().startswith("2 frames in 0.5 s") and "2 corrupt packets skipped" in st.summary()


def test_the_summary_of_a_partial_run_says_so():
    """A run whose input lost frames (damaged data skipped, an HLS segment not given) ended with
    the summary of a whole one: it says what could not be read, after the frames written."""
    from livecut.runner import Stats

    st = Stats(processed=75, written=75, elapsed=1.5, partial=["25 of the video's 100 frames"])
    assert st.summary().startswith("75 frames in 1.5 s (50.0 fps), partial: 25 of the video's 100 frames could "
                                   "not be read, latency "), st.summary()
    assert st.as_dict()["partial"] == ["25 of the video's 100 frames"]
    st = Stats(processed=50, written=50, elapsed=1.0, partial=["the video's first segment", "1 s of the video"])
    assert "partial: the video's first segment and 1 s of the video could not be read" in st.summary()
    assert "partial" not in Stats(processed=75, written=75, elapsed=1.5).summary()


@pytest.mark.parametrize("args", [("cam", "0"), ("run", "0"), ("file", "SRC", "--preview"), ("run", "SRC", "--preview")])
def test_an_empty_output_is_refused_not_taken_for_none(tmp_path, args):
    """livecut cam 0 -o "$REC" with REC unset was taken as no -o: the preview window opened and
    nothing was recorded, without a word (livecut file/run --preview -o '': the window alone);
    refused, one line, exit 2, before a camera is looked for or a window opened."""
    from typer.testing import CliRunner

    from conftest import make_clip
    from livecut.cli import app

    src = str(make_clip(tmp_path / "src.mp4", w=96, h=64, n=3))
    r = CliRunner().invoke(app, [a.replace("SRC", src) for a in args] + ["-o", "", "-q"])
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines() == ["livecut: error: -o is empty: give a video file, DIR/ (PNG frames), a "
                                     "stream URL or - (standard output)"], r.stderr


def test_transparent_background_with_cutout_is_not_warned_about(tmp_path):
    """-b transparent with -m cutout asks for what cutout writes: no 'ignored' warning (the
    warning for -b with a mode that shows no background said it of this pair too), for a
    video as for photos."""
    import cv2
    from typer.testing import CliRunner

    from conftest import make_clip
    from livecut.cli import app

    src = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3)
    img = tmp_path / "p.png"
    cv2.imwrite(str(img), np.full((64, 96, 3), 120, np.uint8))
    for args in (["file", str(src), "-o", str(tmp_path / "o.webm")], ["image", str(img), "-o", str(tmp_path / "cut/")]):
        r = CliRunner().invoke(app, [*args, "-m", "cutout", "-b", "transparent", "-q"])
        assert r.exit_code == 0, r.output
        assert "--background is for --mode" not in r.stderr, r.stderr


def _audio_seconds(path) -> float:
    import av

    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        return sum(f.samples for f in c.decode(a)) / a.codec_context.sample_rate


def _audio_end(path) -> float:
    """Where the last audio packet of ``path`` ends (s)."""
    import av

    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        return max(float((p.pts + p.duration) * p.time_base) for p in c.demux(a) if p.size)


@pytest.mark.parametrize("src_codec, out_ext, expect", [
    ("aac", ".webm", "opus"),          # the README's transparent WebM example
    ("pcm_s16le", ".mp4", "aac"),      # PCM (a camera's .mov) into MP4
])
def test_audio_that_does_not_fit_is_transcoded(tmp_path, src_codec, out_ext, expect):
    from conftest import make_clip

    ext = ".mov" if src_codec.startswith("pcm") else ".mp4"
    src = make_clip(tmp_path / f"src{ext}", n=25, audio=True, audio_codec=src_codec)
    out = tmp_path / f"out{out_ext}"
    args = ["-b", "transparent"] if out_ext == ".webm" else []
    r = run_cli("file", str(src), "-o", str(out), *args)
    assert r.returncode == 0, r.stderr
    assert "dropped" not in r.stderr and "warning" not in r.stderr, r.stderr
    p = probe(out)
    assert p["frames"] == 25 and p["audio"] == [expect]
    # AAC adds up to two frames of 1024 samples (encoder priming, padding of the last frame)
    slack = 0.02 + (2 * 1024 / 16000 if expect == "aac" else 0.0)
    assert _audio_seconds(out) == pytest.approx(_audio_seconds(src), abs=slack)


def test_transcoded_audio_is_cut_with_frames_limit(tmp_path):
    from conftest import make_clip

    src = make_clip(tmp_path / "src.mp4", n=50, audio=True)  # 2 s
    out = tmp_path / "out.webm"
    r = run_cli("file", str(src), "-o", str(out), "--frames", "10")
    assert r.returncode == 0, r.stderr
    assert probe(out)["audio"] == ["opus"]
    assert 0.3 < _audio_seconds(out) < 0.6  # 10 frames = 0.4 s


def test_audio_that_fits_is_copied(clips, tmp_path):
    out = tmp_path / "out.mkv"
    assert run_cli("file", str(clips["audio"]), "-o", str(out)).returncode == 0
    assert probe(out)["audio_packets"] == probe(clips["audio"])["audio_packets"]


def _assert_ramp_levels_kept(src, tmp_path) -> None:
    """The cutout's first frame of a 0..255 gray ramp video keeps the levels near both ends."""
    d = tmp_path / "frames"
    r = run_cli("file", str(src), "-o", f"{d}/", "--mode", "cutout")
    assert r.returncode == 0, r.stderr
    got = cv2.imread(str(sorted(d.glob("frame_*.png"))[0]), cv2.IMREAD_UNCHANGED)[32, :, :3].astype(int)
    for x in (4, 10, 245, 251):
        assert abs(got[x].mean() - x) <= 3, (x, got[x])


def test_full_range_said_by_a_yuv420p_video_is_honoured(tmp_path):
    """Full range may be said by the colour range of a yuv420p video (VP9), not its format name."""
    ramp = np.tile(np.arange(256, dtype=np.uint8), (64, 1))
    png = tmp_path / "ramp.png"
    cv2.imwrite(str(png), np.dstack([ramp] * 3))
    src = tmp_path / "full.webm"
    _ffmpeg("-loop", "1", "-i", str(png), "-t", "0.2", "-r", "25", "-vf", "scale=out_range=pc",
            "-c:v", "libvpx-vp9", "-lossless", "1", "-pix_fmt", "yuv420p", "-color_range", "pc", str(src))
    _assert_ramp_levels_kept(src, tmp_path)


def test_full_range_video_keeps_its_shadows_and_highlights(tmp_path):
    """A full-range (yuvj420p) clip -- phones, screen recorders, MJPEG cameras: its levels
    below 16 and above 235 are picture, not headroom.  Read as limited range they went to
    black and white."""
    import av

    src = tmp_path / "full.mp4"
    ramp = np.tile(np.arange(256, dtype=np.uint8), (64, 1))
    bgr = np.ascontiguousarray(np.dstack([ramp] * 3))
    with av.open(str(src), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 256, 64, "yuvj420p"
        s.options = {"crf": "0"}
        for _ in range(3):
            for p in s.encode(av.VideoFrame.from_ndarray(bgr, format="bgr24")):
                out.mux(p)
        for p in s.encode(None):
            out.mux(p)
    with av.open(str(src)) as c:
        assert next(c.decode(video=0)).format.name == "yuvj420p"
    _assert_ramp_levels_kept(src, tmp_path)


# ------------------------------------------------------- real-world files (audit)

def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def _start_times(path) -> dict[str, float]:
    import av

    with av.open(str(path)) as c:
        return {s.type: float(s.start_time * s.time_base) for s in c.streams if s.start_time is not None}


SRC = ["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-f", "lavfi", "-i", "sine=f=440:r=48000"]


def test_rotated_video_to_png_frames_is_written_upright(clips, tmp_path):
    """A PNG has no display rotation: the frames are written as the video is shown."""
    d = tmp_path / "frames"
    r = run_cli("file", str(clips["rotated"]), "-o", f"{d}/", "--mode", "cutout")
    assert r.returncode == 0, r.stderr
    got = cv2.imread(str(sorted(d.glob("*.png"))[0])).astype(int)
    import av

    with av.open(str(clips["rotated"])) as c:
        stored = next(c.decode(video=0))
        assert stored.rotation == 90  # (PyAV: degrees counter-clockwise to show it)
        upright = cv2.rotate(stored.to_ndarray(format="bgr24"), cv2.ROTATE_90_COUNTERCLOCKWISE).astype(int)
    assert got.shape == upright.shape
    assert np.abs(got - upright).mean() < 2.0  # (the other way round differs everywhere)


def test_avi_with_pcm_audio_to_mp4(tmp_path):
    """A webcam recording (MJPEG + PCM in AVI, whose demuxer gives the audio no channel order)
    goes to .mp4 with AAC audio."""
    src = tmp_path / "cam.avi"
    _ffmpeg(*SRC, "-t", "0.6", "-c:v", "mjpeg", "-pix_fmt", "yuvj422p", "-c:a", "pcm_s16le", "-ac", "2", str(src))
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert probe(out)["audio"] == ["aac"]


@pytest.mark.parametrize("b_frames", [True, False])
def test_avi_frames_are_timed_by_their_packets(tmp_path, b_frames):
    """H.264 in AVI (a screen recorder's, livecut's own .avi): AVI keeps no presentation times
    and FFmpeg guesses them a packet late; with B-frames the decoder gave them back and forth
    (0.04, 0.16, 0.12, 0.20, 0.08 ...): the output's first frame lasted three frames, every other
    one came a frame late; without, every frame came a frame late.  Each frame is at its
    packet's time, as FFmpeg's best effort takes it."""
    from conftest import make_clip

    src = tmp_path / "in.avi"
    if b_frames:
        _ffmpeg(*SRC, "-t", "1", "-c:v", "libx264", "-bf", "2", "-c:a", "libmp3lame", str(src))
    else:  # (as livecut writes one: PyAV's FFmpeg, x264 without B-frames)
        make_clip(src, n=25)
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    pts = probe(out)["pts"]
    assert len(pts) == 25
    assert np.diff(pts) == pytest.approx([0.04] * 24, abs=1e-3), pts[:5]
    if not b_frames:  # (the first frame at the start)
        assert pts[0] == pytest.approx(0.0, abs=1e-3), pts[:5]


def test_interlaced_video_is_said_to_be_written_progressive(tmp_path):
    """Interlaced video (a camcorder's 1080i, DV, a TV recording) cut as whole frames
    (video.deinterlace=off) is written progressive, its fields woven (combing where it moves):
    the run said nothing."""
    src = tmp_path / "i.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=50", "-t", "0.4", "-vf",
            "tinterlace=interleave_top,fieldorder=tff,format=yuv420p", "-c:v", "libx264", "-flags",
            "+ildct+ilme", "-x264opts", "tff=1", str(src))
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"), "--set", "video.deinterlace=off")
    assert r.returncode == 0, r.stderr
    assert "i.mp4: interlaced video (top field first) is cut as whole frames and written as progressive" in r.stderr
    assert "--set video.deinterlace=auto deinterlaces it" in r.stderr
    assert "ffmpeg -i i.mp4 -vf bwdif -c:a copy i-progressive.mp4" in r.stderr
    r = run_cli("file", str(tmp_path / "out.mp4"), "-o", str(tmp_path / "again.mp4"))  # (progressive)
    assert r.returncode == 0 and "interlaced video" not in r.stderr, r.stderr


def test_the_deinterlacing_command_said_for_a_video_without_an_extension_names_a_format(tmp_path):
    """The ffmpeg command that the run suggests to deinterlace a video (video.deinterlace=off)
    wrote to the video's name plus "-progressive": a video piped in (``livecut file - <``, its
    copy without an extension) or a file named without one was told ``ffmpeg -i - -vf bwdif
    -c:a copy piped-progressive``, which fails ("Unable to choose an output format").  It
    writes a .mkv there, as the upright command does."""
    src = tmp_path / "tape"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=50", "-t", "0.2", "-vf",
            "tinterlace=interleave_top,fieldorder=tff,format=yuv420p", "-c:v", "libx264", "-flags",
            "+ildct+ilme", "-x264opts", "tff=1", "-f", "mpegts", str(src))
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"), "--set", "video.deinterlace=off")
    assert r.returncode == 0, r.stderr
    assert "ffmpeg -i tape -vf bwdif -c:a copy tape-progressive.mkv" in r.stderr, r.stderr
    with open(src, "rb") as piped:
        r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "p.mp4"), "--set",
                            "video.deinterlace=off"], stdin=piped, capture_output=True, text=True, timeout=60,
                           env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "ffmpeg -i - -vf bwdif -c:a copy piped-progressive.mkv" in r.stderr, r.stderr


def test_the_deinterlacing_command_said_for_a_jvc_camcorders_mod_file_names_a_format_ffmpeg_writes(tmp_path):
    """A JVC camcorder's interlaced MPEG-2 (MOV001.MOD) cut woven (video.deinterlace=off) was
    told ``ffmpeg -i MOV001.MOD -vf bwdif -c:a copy MOV001-progressive.MOD``: FFmpeg reads .MOD
    but writes no format by that name, and the command failed.  It writes a .mkv there."""
    src = tmp_path / "MOV001.MOD"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=50", "-t", "0.2", "-vf",
            "tinterlace=interleave_top,fieldorder=tff", "-c:v", "mpeg2video", "-flags", "+ildct+ilme",
            "-f", "vob", str(src))
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"), "--set", "video.deinterlace=off")
    assert r.returncode == 0, r.stderr
    assert "ffmpeg -i MOV001.MOD -vf bwdif -c:a copy MOV001-progressive.mkv" in r.stderr, r.stderr
    done = subprocess.run(["ffmpeg", "-v", "error", "-i", "MOV001.MOD", "-vf", "bwdif", "-c:a", "copy",
                           "MOV001-progressive.mkv"], cwd=str(tmp_path), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr  # (the command said works)


def _combing(img: np.ndarray) -> float:
    """How much a picture combs: the mean of each row against the average of its neighbours
    (a frame's two fields from different moments differ line by line where it moves)."""
    y = (img[..., 1] if img.ndim == 3 else img).astype(np.float32)
    return float(np.mean(np.abs(2 * y[1:-1] - y[:-2] - y[2:])))


def _interlaced_box(path: Path) -> Path:
    """25i, top field first: a white box moving 8 px a field over black (woven: combs)."""
    _ffmpeg("-filter_complex", "color=c=black:s=160x96:r=50[bg];color=c=white:s=32x64:r=50[fg];"
            "[bg][fg]overlay=x='mod(t*400,120)':y=16:shortest=1,tinterlace=interleave_top,fieldorder=tff,"
            "format=yuv420p", "-t", "0.4", "-c:v", "libx264", "-flags", "+ildct+ilme", "-x264opts", "tff=1",
            "-crf", "10", str(path))
    return path


def test_interlaced_video_is_deinterlaced(tmp_path):
    """Interlaced video was cut as woven frames, combing where it moves (a mask drawn round the
    comb's teeth); it is deinterlaced (bwdif, a frame for a frame: the count and the
    timestamps kept) when it says it is interlaced (video.deinterlace=auto), or always (on);
    off keeps the woven frames."""
    from livecut.config import VideoConfig
    from livecut.sources.file import FileSource

    src = _interlaced_box(tmp_path / "box.mp4")
    got = {}
    for mode in ("auto", "on", "off"):
        with FileSource(src, VideoConfig(deinterlace=mode)) as s:
            frames = list(iter(s.read, None))
            got[mode] = ([f.pts for f in frames], [_combing(f.image) for f in frames], s.deinterlaced)
    pts = [pytest.approx(i * 0.04, abs=1e-6) for i in range(10)]
    assert got["off"][0] == pts and min(got["off"][1]) > 20 and got["off"][2] is False, got["off"]
    for mode in ("auto", "on"):
        assert got[mode][0] == pts and max(got[mode][1]) < 5 and got[mode][2] is True, (mode, got[mode])
    # a progressive video is left as it is (auto)
    from conftest import make_clip

    with FileSource(make_clip(tmp_path / "p.mp4", n=5), VideoConfig()) as s:
        assert not s.deinterlaced and len(list(iter(s.read, None))) == 5
    # looped (a preview's, a virtual camera's --loop): deinterlaced on each pass
    with FileSource(src, VideoConfig(), loop=True) as s:
        combs = [_combing(s.read().image) for _ in range(25)]
    assert max(combs) < 5, combs
    # end to end: nothing out of focus, the whole picture kept, as deinterlaced
    for mode, ok in (("auto", lambda c: c < 5), ("off", lambda c: c > 20)):
        out = tmp_path / f"{mode}.mp4"
        r = run_cli("file", str(src), "-o", str(out), "--set", f"video.deinterlace={mode}", "-q")
        assert r.returncode == 0, r.stderr
        assert ("interlaced video" in r.stderr) == (mode == "off"), r.stderr
        import av

        with av.open(str(out)) as c:
            combs = [_combing(f.to_ndarray(format="gray")) for f in c.decode(video=0)]
        assert len(combs) == 10 and all(map(ok, combs)), (mode, combs)


def test_a_deinterlaced_video_keeps_its_last_frames_length(tmp_path):
    """bwdif gives its frames in the fields' time base, half the frames': their timestamps were
    brought back, not their length, so the last frame of a deinterlaced video lasted two
    frames -- a 25i clip of 0.4 s was written 0.44 s long (its rate read 22.7 fps).  Its length
    is kept, as cut woven."""
    import av

    src = _interlaced_box(tmp_path / "box.mp4")
    for mode in ("auto", "off"):
        out = tmp_path / f"{mode}.mp4"
        r = run_cli("file", str(src), "-o", str(out), "--set", f"video.deinterlace={mode}", "-q")
        assert r.returncode == 0, r.stderr
        with av.open(str(out)) as c:
            s = c.streams.video[0]
            assert s.frames == 10 and float(s.duration * s.time_base) == pytest.approx(0.4, abs=1e-3), mode


def _progressive_then_interlaced(tmp_path: Path) -> Path:
    """An MPEG-TS of 10 progressive frames (25p) then 10 interlaced ones (25i, top field first),
    recordings joined end to end: a white box moving over black (its woven part combs)."""
    box = ("color=c=black:s=160x96:r={r}[bg];color=c=white:s=32x64:r={r}[fg];"
           "[bg][fg]overlay=x='mod(t*400,120)':y=16:shortest=1")
    _ffmpeg("-filter_complex", box.format(r=25) + ",format=yuv420p", "-t", "0.4", "-c:v", "libx264", "-crf", "10",
            "-f", "mpegts", str(tmp_path / "p.ts"))
    _ffmpeg("-filter_complex", box.format(r=50) + ",tinterlace=interleave_top,fieldorder=tff,format=yuv420p",
            "-t", "0.4", "-c:v", "libx264", "-flags", "+ildct+ilme", "-x264opts", "tff=1", "-crf", "10",
            "-output_ts_offset", "0.4", "-f", "mpegts", str(tmp_path / "i.ts"))
    joined = tmp_path / "joined.ts"
    joined.write_bytes((tmp_path / "p.ts").read_bytes() + (tmp_path / "i.ts").read_bytes())
    return joined


def test_a_video_that_turns_interlaced_after_its_start_is_deinterlaced_from_there(tmp_path):
    """A progressive part, then an interlaced one (a TV recording's progressive advert before its
    1080i programme, recordings joined end to end): whether to deinterlace was asked of the
    first frame alone, so the interlaced part was cut as woven frames, combing where it moves,
    and nothing said so (video.deinterlace=auto).  It is deinterlaced from its first frame that
    says it is interlaced, the progressive part left as it is; each frame kept, at its time."""
    from livecut.config import VideoConfig
    from livecut.sources.file import FileSource

    joined = _progressive_then_interlaced(tmp_path)
    got = {}
    for mode in ("auto", "off"):
        with FileSource(joined, VideoConfig(deinterlace=mode)) as s:
            frames = list(iter(s.read, None))
        got[mode] = ([round(f.pts, 3) for f in frames], [_combing(f.image) for f in frames])
    assert got["auto"][0] == got["off"][0] and len(got["off"][0]) == 20, got
    assert min(got["off"][1][12:]) > 20, got["off"]  # (the interlaced part, woven: it combs)
    assert max(got["auto"][1]) < 5, got["auto"]
    assert got["auto"][1][:10] == got["off"][1][:10]  # (the progressive part as it is)


def test_a_video_that_turns_interlaced_after_its_start_is_said_to_be_cut_woven(tmp_path):
    """video.deinterlace=off: interlaced video cut as woven frames is said (combing where it
    moves) -- but it was asked of the first frame alone: a video progressive at its start and
    interlaced after (a TV recording's advert before its 1080i programme) had its interlaced part
    cut woven and nothing said.  It is said once, when its first frame flagged interlaced comes."""
    from livecut.config import VideoConfig
    from livecut.sources.file import FileSource

    joined = _progressive_then_interlaced(tmp_path)
    with FileSource(joined, VideoConfig(deinterlace="off")) as s:
        start = [s.read() for _ in range(8)]
        assert all(start) and not s.warnings, s.warnings  # (the progressive part: nothing yet)
        rest = list(iter(s.read, None))
        assert len(start) + len(rest) == 20 and not s.deinterlaced
    said = [w for w in s.warnings if "interlaced video" in w]
    assert len(said) == 1 and said[0].startswith("joined.ts: interlaced video after its progressive start is cut "
                                                 "as whole frames"), s.warnings
    assert "--set video.deinterlace=auto deinterlaces it" in said[0], said
    with FileSource(joined, VideoConfig()) as s:  # (auto: deinterlaced from there, nothing to say)
        assert len(list(iter(s.read, None))) == 20 and s.deinterlaced and not s.warnings, s.warnings


def test_mp3_audio_is_copied_not_reencoded(tmp_path):
    src = tmp_path / "mp3.mp4"
    _ffmpeg(*SRC, "-t", "0.6", "-c:v", "libx264", "-c:a", "libmp3lame", str(src))
    out = tmp_path / "out.mp4"
    assert run_cli("file", str(src), "-o", str(out)).returncode == 0
    assert probe(out)["audio"] in (["mp3float"], ["mp3"])


def test_a_late_start_is_taken_off_video_and_audio_alike(tmp_path):
    """An MPEG-TS starts at 1.4 s: the output starts at 0, its audio still in sync."""
    src = tmp_path / "in.ts"
    _ffmpeg(*SRC, "-t", "1", "-c:v", "libx264", "-c:a", "aac", str(src))
    st = _start_times(src)
    assert st["video"] > 1.0
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    got = _start_times(out)
    assert got["video"] < 0.1
    assert abs((got["video"] - got["audio"]) - (st["video"] - st["audio"])) < 0.03
    assert probe(out)["duration"] < 1.2


def test_matroska_whose_video_starts_late_is_complete(tmp_path):
    """A complete .mkv whose video starts at 0.5 s (Matroska's duration counts from 0) is
    not reported as truncated."""
    base = tmp_path / "base.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-t", "1", "-c:v", "libx264", str(base))
    src = tmp_path / "late.mkv"
    _ffmpeg("-itsoffset", "0.5", "-i", str(base), "-c:v", "copy", str(src))
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"))
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("ext, acodec", [(".mkv", "libopus"), (".webm", "libopus"), (".flv", "aac")])
def test_audio_that_runs_past_the_video_is_not_truncation(tmp_path, ext, acodec):
    """Matroska/WebM (duration per stream in a tag) and FLV (none: the container's is the
    audio's) whose audio runs 4 s past the video: complete (exit 3 'truncated?' before, the
    audio tail cut); the same file cut within the video still is truncated."""
    src = tmp_path / f"long_audio{ext}"
    vcodec = "libvpx-vp9" if ext == ".webm" else "libx264"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "sine=r=48000:duration=5", "-c:v", vcodec, "-c:a", acodec, str(src))  # (4 s past: > END_WINDOW)
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    end = _audio_end(out)
    assert end > 4.9 and probe(out)["frames"] == 25
    cut = tmp_path / f"cut{ext}"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 11])  # (within the video's second)
    r = run_cli("file", str(cut), "-o", str(tmp_path / "cut_out.mp4"), "-q")
    assert r.returncode == 3 and "ends early" in r.stderr, r.stderr


def test_matroska_of_one_frame_beside_a_song_is_complete(tmp_path):
    """A still picture with a song in .mkv (``ffmpeg -i still.png -i song ... out.mkv``: one video
    frame, 3 s of audio): FFmpeg gives the video the container's length, and the file was taken
    for a truncated one (exit 3, "1 frames written, about 75 expected") and the song cut to the
    frame's 60 ms; now complete, the song whole."""
    still = tmp_path / "still.png"
    cv2.imwrite(str(still), np.full((96, 160, 3), 90, np.uint8))
    src = tmp_path / "song.mkv"
    _ffmpeg("-i", str(still), "-f", "lavfi", "-i", "sine=r=48000:duration=3", "-c:v", "libx264", "-c:a", "aac",
            str(src))
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    end = _audio_end(out)
    assert end > 2.9 and probe(out)["frames"] == 1


def test_a_song_with_cover_art_is_not_a_video(tmp_path):
    cover = tmp_path / "cover.png"
    cv2.imwrite(str(cover), np.full((64, 64, 3), 200, np.uint8))
    src = tmp_path / "song.m4a"
    _ffmpeg("-f", "lavfi", "-i", "sine=f=440:r=48000", "-i", str(cover), "-map", "0", "-map", "1", "-t", "1",
            "-c:a", "aac", "-c:v", "mjpeg", "-disposition:v", "attached_pic", str(src))
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"))
    assert r.returncode == 2
    assert "no video stream" in r.stderr


def test_a_cover_picture_track_is_not_the_video(tmp_path):
    """FFmpeg writes a cover picture into Matroska as a one-frame MJPEG video track, not flagged
    a cover: a larger one ahead of the video was cut (1 frame written, the video's 25 left out,
    exit 0); the moving video is cut and the warning names the picture.  A song so remuxed is
    refused as the song itself is (exit 2: it wrote a one-frame video)."""
    cover = tmp_path / "cover.png"
    cv2.imwrite(str(cover), np.full((320, 320, 3), 200, np.uint8))
    src = tmp_path / "covered.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "sine=f=440:r=48000:duration=1", "-i", str(cover), "-map", "2:v", "-map", "0:v", "-map", "1:a",
            "-c:v:0", "mjpeg", "-c:v:1", "libx264", "-c:a", "aac", "-disposition:v:0", "attached_pic", str(src))
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert probe(out)["frames"] == 25
    assert "video streams" not in r.stderr, r.stderr  # (a cover picture is no second video: see below)
    song = tmp_path / "song.mkv"
    _ffmpeg("-f", "lavfi", "-i", "sine=f=440:r=48000:duration=1", "-i", str(cover), "-map", "0", "-map", "1",
            "-c:a", "aac", "-c:v", "mjpeg", "-disposition:v", "attached_pic", str(song))
    r = run_cli("file", str(song), "-o", str(tmp_path / "song.mp4"))
    assert r.returncode == 2 and "no video stream (only a cover picture)" in r.stderr, r.stderr
    assert not (tmp_path / "song.mp4").exists()
    clip = tmp_path / "short.mkv"  # (a short MJPEG clip with sound is no cover: 10 frames)
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.4", "-f", "lavfi", "-i",
            "sine=f=440:r=48000:duration=0.4", "-c:v", "mjpeg", "-c:a", "aac", str(clip))
    r = run_cli("file", str(clip), "-o", str(tmp_path / "short.mp4"), "-q")
    assert r.returncode == 0 and probe(tmp_path / "short.mp4")["frames"] == 10, r.stderr


def test_a_cover_picture_beside_the_video_is_not_warned_of_as_a_second_video(tmp_path):
    """'livecut file covered.mkv -o out.mkv' of a video with a one-frame PNG track (a cover, as
    ffmpeg writes it into Matroska: DURATION 0.12 s, not flagged attached_pic) cut the video
    right but warned 'covered.mkv has 2 video streams: ... #2 (32x32, 0.1 s, one picture: cover
    art?) is left out; to cut it, extract it first: ffmpeg ...'.  It is left out unsaid, as an
    MP4's cover picture is; a second video that moves is still named."""
    cover = tmp_path / "cover.png"
    cv2.imwrite(str(cover), np.full((32, 32, 3), 200, np.uint8))
    src = tmp_path / "covered.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.2", "-f", "lavfi", "-i",
            "sine=r=48000:duration=0.2", "-i", str(cover), "-map", "0:v", "-map", "1:a", "-map", "2:v",
            "-c:v:0", "libx264", "-c:v:1", "png", "-c:a", "aac", str(src))
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "video streams" not in r.stderr and "one picture" not in r.stderr, r.stderr
    p = probe(out)
    assert p["frames"] == 5 and p["audio"] == ["aac"]
    two = tmp_path / "two.mkv"  # (and a second moving video beside it is still said, the cover not)
    _ffmpeg("-i", str(src), "-f", "lavfi", "-i", "testsrc2=size=32x24:rate=25:duration=0.2", "-map", "0",
            "-map", "1:v", "-c", "copy", "-c:v:2", "libx264", str(two))
    r = run_cli("file", str(two), "-o", str(tmp_path / "two-out.mkv"))
    assert r.returncode == 0, r.stderr
    assert "has 2 video streams" in r.stderr and "#3 (32x24" in r.stderr and "one picture" not in r.stderr, r.stderr


def test_a_cover_picture_of_no_length_or_of_a_second_is_not_warned_of_as_a_second_video(tmp_path):
    """A cover picture track whose Matroska file says no length (written to a pipe: `ffmpeg ...
    -f matroska pipe:1 > covered.mkv`, no DURATION tags) or a length of a second (the picture
    read at -framerate 1) was warned of as a second video by `livecut file` ('has 2 video
    streams: ... #2 (32x32) is left out'): its length was all that made it a cover.  A still
    picture's track of one packet is one, as its packets say; a moving MJPEG video beside the
    video, written to a pipe too, is still named."""
    cover = tmp_path / "cover.png"
    cv2.imwrite(str(cover), np.full((32, 32, 3), 200, np.uint8))

    def mux(name, *args, pipe=False):
        out = tmp_path / name
        cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.2",
               "-f", "lavfi", "-i", "sine=r=48000:duration=0.2", *args, "-map", "0:v", "-map", "1:a", "-map", "2:v",
               "-c:v:0", "libx264", "-c:a", "aac"]
        if pipe:
            with open(out, "wb") as fh:
                subprocess.run([*cmd, "-f", "matroska", "pipe:1"], check=True, stdout=fh)
        else:
            subprocess.run([*cmd, str(out)], check=True)
        return out

    for src in (mux("piped.mkv", "-i", str(cover), "-c:v:1", "png", pipe=True),
                mux("slow.mkv", "-framerate", "1", "-i", str(cover), "-c:v:1", "png"),
                mux("slow-mjpeg.mkv", "-framerate", "1", "-i", str(cover), "-c:v:1", "mjpeg", pipe=True)):
        out = tmp_path / f"out-{src.name}"
        r = run_cli("file", str(src), "-o", str(out))
        assert r.returncode == 0, r.stderr
        assert "video streams" not in r.stderr, (src.name, r.stderr)
        assert probe(out)["frames"] == 5, src.name
    moving = mux("moving.mkv", "-f", "lavfi", "-i", "testsrc2=size=32x24:rate=25:duration=0.2", "-c:v:1", "mjpeg",
                 pipe=True)
    r = run_cli("file", str(moving), "-o", str(tmp_path / "out-moving.mkv"))
    assert r.returncode == 0, r.stderr
    assert "has 2 video streams" in r.stderr and "#2 (32x24" in r.stderr, r.stderr


def test_a_file_with_two_video_streams_says_which_it_cuts(tmp_path):
    """Two video streams (a 0.4 s one first, a 1 s one second, and 1 s of audio): the first was
    cut without a word (0.4 s of video beside 1 s of audio).  The stream ffmpeg would take is
    cut (the largest picture, the default-flagged one preferred) and a warning says which, which
    are left out and how to cut another."""
    src = tmp_path / "two.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.4",
            "-f", "lavfi", "-i", "testsrc=size=160x96:rate=25:duration=1",
            "-f", "lavfi", "-i", "sine=f=440:r=48000:duration=1",
            "-map", "0:v", "-map", "1:v", "-map", "2:a", "-c:v", "libx264", "-c:a", "aac", str(src))
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    # (the same size: ffmpeg's default flag, on the first, decides)
    assert "two.mkv has 2 video streams: #0 (160x96, 0.4 s, flagged default) is cut" in r.stderr
    assert "#1 (160x96, 1.0 s) is left out" in r.stderr and "-map 0:1" in r.stderr
    assert probe(out)["frames"] == 10
    # none flagged default: the larger picture, the second stream, as ffmpeg takes it
    big = tmp_path / "big.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.4",
            "-f", "lavfi", "-i", "testsrc=size=320x192:rate=25:duration=1",
            "-map", "0:v", "-map", "1:v", "-c:v", "libx264", "-disposition:v", "0", str(big))
    out = tmp_path / "big.mp4"
    r = run_cli("file", str(big), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert "#1 (320x192, 1.0 s) is cut" in r.stderr and "#0 (160x96, 0.4 s) is left out" in r.stderr
    import av

    with av.open(str(out)) as c:
        assert (c.streams.video[0].codec_context.width, c.streams.video[0].codec_context.height) == (320, 192)
    assert probe(out)["frames"] == 25



def _two_programmes(src):
    """A TV multiplex at ``src``: programme one, 160x96 and a tone, at 0 s; programme two,
    320x192 and another tone, on a clock 30 s ahead (MPEG-2 video, MP2 audio)."""
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1",
            "-f", "lavfi", "-i", "sine=f=880:duration=1",
            "-itsoffset", "30", "-f", "lavfi", "-i", "testsrc=size=320x192:rate=25:duration=1",
            "-itsoffset", "30", "-f", "lavfi", "-i", "sine=f=440:duration=1",
            "-map", "0:v", "-map", "1:a", "-map", "2:v", "-map", "3:a", "-c:v", "mpeg2video", "-c:a", "mp2",
            "-program", "title=one:st=0:st=1", "-program", "title=two:st=2:st=3", str(src))
    return src


@pytest.mark.parametrize("ext", [".ts", ".m2ts"])
def test_an_mpeg_ts_of_two_programmes_keeps_the_audio_of_the_video_s_own(tmp_path, ext):
    """A TV multiplex of two programmes (each with its own clock: the second's times 30 s
    ahead of the first's): the second's video is cut (the larger picture), and every audio
    track was copied, the first programme's too: the output started where that one started,
    its video 30 s after its start (30 s of nothing before the first frame), beside sound of
    another programme.  The video's own programme's audio (and subtitles) are kept, as ffmpeg
    keeps them, and the run says the others are left out."""
    import av

    src = _two_programmes(tmp_path / "mux.ts")
    if ext == ".m2ts":  # (a Blu-ray's or AVCHD camera's: 4 bytes before each packet; FFmpeg writes one programme so)
        data = src.read_bytes()
        src = tmp_path / "mux.m2ts"
        src.write_bytes(b"".join(b"\0\0\0\0" + data[i:i + 188] for i in range(0, len(data), 188)))
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert "#2 (320x192, 1.0 s) is cut" in r.stderr, r.stderr
    assert f"mux{ext}: the audio of other programmes than the video's (stream #1) is left out" in r.stderr
    with av.open(str(out)) as c:
        assert len(c.streams.audio) == 1 and c.streams.video[0].codec_context.width == 320
        starts = {x.type: float(x.start_time * x.time_base) for x in c.streams}
        assert c.duration / 1e6 < 1.5
    assert starts["video"] < 0.1 and starts["audio"] < 0.1, starts
    assert probe(out)["frames"] == 25


def test_the_command_to_extract_another_programme_s_video_takes_that_programme_s_audio(tmp_path):
    """Of a TV multiplex, the two-stream warning's command to cut the other video took every
    audio track ('-map 0:0 -map '0:a?''), the cut programme's too, on a clock of its own: the
    file it made, cut, began 30 s before that video, beside another programme's sound.  It takes
    the audio of that video's programme ('0:p:1:a?')."""
    import shlex
    import subprocess

    import av

    src = _two_programmes(tmp_path / "mux.ts")
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mkv"), "-q")
    assert r.returncode == 0, r.stderr
    command = r.stderr.split("extract it first: ", 1)[1].splitlines()[0]
    assert command == "ffmpeg -i mux.ts -map 0:0 -map '0:p:1:a?' -c copy mux-0.mkv", r.stderr
    subprocess.run(["ffmpeg", "-v", "error", *shlex.split(command)[1:]], cwd=tmp_path, check=True)
    with av.open(str(tmp_path / "mux-0.mkv")) as c:
        assert len(c.streams.audio) == 1 and c.streams.video[0].codec_context.width == 160
        starts = [float(x.start_time * x.time_base) for x in c.streams]
        assert max(starts) - min(starts) < 0.5, starts

def test_a_raw_dv_file_has_its_own_frame_rate(tmp_path):
    """A camcorder's raw .dv (dvgrab): FFmpeg gives its average frame rate as 60000 (its time
    base's inverse), so a whole file was 'truncated?' (exit 3: 12 frames written, 28800
    expected) and the .mkv written said 30000 fps; its stated rate, 25, is taken."""
    src = tmp_path / "pal.dv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25:duration=0.48", "-f", "lavfi", "-i",
            "sine=f=440:r=48000:duration=0.48", "-c:v", "dvvideo", "-pix_fmt", "yuv420p",
            "-c:a", "pcm_s16le", "-ac", "2", "-f", "dv", str(src))
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    got = probe(out)
    assert got["frames"] == 12 and got["fps"] == pytest.approx(25)
    assert got["pts"][-1] == pytest.approx(11 / 25, abs=0.002)


@pytest.mark.parametrize("codec, ext", [("libx264", ".h264"), ("libx265", ".hevc")])
def test_a_raw_stream_has_the_rate_its_bitstream_states(tmp_path, codec, ext):
    """A raw H.264/H.265 stream (a DVR's or a security camera's .h264: frames without
    timestamps) at 30 fps was timed at its demuxer's default, 25 fps (1 s written as 1.2 s,
    played slowed down); the rate the bitstream states, 30, is taken."""
    src = tmp_path / f"raw{ext}"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=30:duration=0.5", "-c:v", codec,
            *(["-x265-params", "log-level=error"] if codec == "libx265" else []), str(src))
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    got = probe(out)
    assert got["frames"] == 15 and got["fps"] == pytest.approx(30)
    assert got["pts"][-1] - got["pts"][0] == pytest.approx(14 / 30, abs=0.002)


def test_a_raw_stream_into_avi_has_its_frame_rate_and_one_entry_a_frame(tmp_path):
    """A raw H.264 stream at 30 fps into .avi: FFmpeg states its rate as its field rate, 60, taken
    for the finest its frames keep (frames without times keep none): the .avi ran at 60 ticks a
    second, every other one an empty entry (29 frames said for 15, 60 fps to an editor), its last
    frame half as long (0.483 s, not 0.5).  One entry a frame at 30 fps, as `ffmpeg` writes it."""
    import av

    src = tmp_path / "raw.h264"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=30:duration=0.5", "-c:v", "libx264", str(src))
    out = tmp_path / "out.avi"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert s.time_base == Fraction(1, 30) and float(s.average_rate) == pytest.approx(30)
        assert [p.dts for p in c.demux(s) if p.size is not None and p.dts is not None] == list(range(15))
    assert probe(out)["duration"] == pytest.approx(0.5, abs=0.002)


def test_avi_output_has_the_frame_rate_and_one_entry_a_frame(clips, tmp_path):
    out = tmp_path / "out.avi"
    assert run_cli("file", str(clips["plain"]), "-o", str(out)).returncode == 0
    import av

    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert float(s.average_rate) == pytest.approx(probe(clips["plain"])["fps"], rel=0.01)
        assert sum(1 for p in c.demux(s) if p.size) == probe(clips["plain"])["frames"]


def test_odd_frame_size_is_written_one_pixel_smaller_and_says_so(tmp_path):
    src = tmp_path / "odd.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-t", "0.2", "-vf", "scale=161:97",
            "-c:v", "ffv1", "-pix_fmt", "yuv444p", str(src))
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "161x97 written as 160x96" in r.stderr
    import av

    with av.open(str(out)) as c:
        assert (c.streams.video[0].width, c.streams.video[0].height) == (160, 96)


@pytest.mark.parametrize("ext", [".mp4", ".webm"])
def test_reencoded_audio_that_starts_late_keeps_its_place(tmp_path, ext):
    """Audio starting 0.5 s after the video, re-encoded (MP2 -> AAC / Opus), is heard 0.5 s
    in, as in the source (its encoder counts from 0: it came 0.5 s early)."""
    src = tmp_path / "late.ts"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-itsoffset", "0.5", "-f", "lavfi",
            "-i", "sine=f=440:r=48000", "-t", "1.5", "-c:v", "libx264", "-c:a", "mp2", str(src))
    st = _start_times(src)
    assert st["audio"] - st["video"] == pytest.approx(0.5, abs=0.05)
    out = tmp_path / f"out{ext}"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    import av

    with av.open(str(out)) as c:
        assert c.streams.audio[0].codec_context.name in ("aac", "opus", "libopus")
        onset = None
        for f in c.decode(audio=0):
            x = np.abs(f.to_ndarray().astype(np.float64))
            x = x / (32768.0 if f.to_ndarray().dtype.kind in "iu" else 1.0)
            hit = np.nonzero(x.max(axis=0) > 0.05)[0]
            if hit.size:
                onset = float(f.pts * f.time_base) + hit[0] / f.sample_rate
                break
    assert onset == pytest.approx(0.5, abs=0.06)


# ------------------------------------------------------------------ containers and their audio

def _flash_and_beep(path) -> tuple[float, float | None]:
    """(time of the brightest video frame, time of the first loud audio sample) of a file.  An
    AVI's frames are timed by their decoding times, as FFmpeg's best effort reads AVI (it keeps
    no presentation times: FFmpeg guesses them a packet late)."""
    import av

    def time(f) -> float:
        return float(f.dts * f.time_base) if avi and f.dts is not None else f.time

    avi = str(path).endswith(".avi")
    with av.open(str(path)) as c:
        flash = max(((f.to_ndarray(format="gray").mean(), time(f)) for f in c.decode(video=0)))[1]
    beep = None
    with av.open(str(path)) as c:
        for f in c.decode(audio=0):
            x = f.to_ndarray().astype(np.float64)
            if f.format.name.startswith("s16"):
                x /= 32768
            i = np.nonzero(np.abs(x).max(axis=0) > 0.1)[0]
            if len(i):
                beep = f.time + i[0] / f.sample_rate
                break
    return flash, beep


def _flash_clip(path, *, rate="25", flash_at=1.0, beep_at=1.0, audio_offset=0.0, acodec="pcm_s16le",
                extra=()):
    """A 2 s clip with a white frame at ``flash_at`` and a 1 kHz beep at ``beep_at``."""
    vf = f"testsrc2=size=160x96:rate={rate}:duration=2,drawbox=enable='between(t,{flash_at},{flash_at + 0.039})'" \
         ":x=0:y=0:w=iw:h=ih:c=white:t=fill"
    af = f"sine=f=1000:r=48000:duration={2 - audio_offset},volume=enable='not(between(t,{beep_at - audio_offset}," \
         f"{beep_at - audio_offset + 0.1}))':volume=0"
    offset = ["-itsoffset", str(audio_offset)] if audio_offset else []
    _ffmpeg("-f", "lavfi", "-i", vf, *offset, "-f", "lavfi", "-i", af, "-c:v", "libx264", "-c:a", acodec,
            *extra, str(path))
    return path


@pytest.mark.parametrize("out_ext", [".mp4", ".mkv"])
def test_mpeg_ts_recordings_joined_end_to_end_run_on(tmp_path, out_ext):
    """Two camcorder clips joined by `cat a.mts b.mts` (each starting at 1.4 s): the second's
    timestamps go back.  The copied audio failed the run ('write failed (Invalid argument)',
    exit 1, no output) and the video alone had the second clip's frames squeezed into
    one-tick steps (50 frames in 1.0 s, exit 0).  Both run on, as ffmpeg reads them: the
    second clip's flash and beep together at 1 s + 1 s, and a warning says so."""
    a, b = tmp_path / "a.ts", tmp_path / "b.ts"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "sine=f=1000:r=48000:duration=1,volume=0", "-c:v", "libx264", "-c:a", "aac", str(a))
    _flash_clip(b, acodec="aac")  # (2 s: flash and beep at 1 s)
    joined = tmp_path / "joined.ts"
    joined.write_bytes(a.read_bytes() + b.read_bytes())
    out = tmp_path / f"out{out_ext}"
    r = run_cli("file", str(joined), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert "timestamps jump (recordings joined" in r.stderr
    got = probe(out)
    assert got["frames"] == 75 and got["pts"][-1] - got["pts"][0] == pytest.approx(74 / 25, abs=0.002)
    assert all(0.039 < y - x < 0.041 for x, y in zip(got["pts"], got["pts"][1:]))
    flash, beep = _flash_and_beep(out)
    assert flash == pytest.approx(2.0, abs=0.05) and abs(beep - flash) < 0.045, (flash, beep)
    for part in (a, b):  # (no audio: the frames alone)
        _ffmpeg("-i", str(part), "-map", "0:v", "-c", "copy", str(part.with_suffix(".v.ts")))
    video = tmp_path / "video.ts"
    video.write_bytes(a.with_suffix(".v.ts").read_bytes() + b.with_suffix(".v.ts").read_bytes())
    r = run_cli("file", str(video), "-o", str(tmp_path / f"video{out_ext}"), "-q")
    assert r.returncode == 0, r.stderr
    pts = probe(tmp_path / f"video{out_ext}")["pts"]
    assert len(pts) == 75 and pts[-1] - pts[0] == pytest.approx(74 / 25, abs=0.002)
    # a jump ahead (the second recording's clock a minute on): run on too, and the file's
    # declared length (61 s, on its own timestamps) is no truncation ('1523 expected', exit 3)
    later = tmp_path / "later.ts"
    _ffmpeg("-i", str(b), "-c", "copy", "-output_ts_offset", "60", str(later))
    ahead = tmp_path / "ahead.ts"
    ahead.write_bytes(a.read_bytes() + later.read_bytes())
    r = run_cli("file", str(ahead), "-o", str(tmp_path / f"ahead{out_ext}"), "-q")
    assert r.returncode == 0 and "could not be read" not in r.stderr, r.stderr
    assert "timestamps jump (recordings joined" in r.stderr
    pts = probe(tmp_path / f"ahead{out_ext}")["pts"]
    assert len(pts) == 75 and pts[-1] - pts[0] == pytest.approx(74 / 25, abs=0.002)


@pytest.mark.parametrize("acodec, src_ext, out_ext", [("libopus", ".webm", ".mov"), ("flac", ".mkv", ".mov"),
                                                      ("libmp3lame", ".avi", ".m4v"), ("pcm_mulaw", ".mov", ".mkv"),
                                                      ("eac3", ".mkv", ".m4v")])
def test_audio_a_container_cannot_hold_is_transcoded(tmp_path, acodec, src_ext, out_ext):
    """Opus/FLAC into .mov failed the run (exit 1); MP3 and E-AC-3 into .m4v (FFmpeg's iPod
    muxer: "'ipod' format does not support 'eac3' codec") and G.711 into .mkv were dropped with
    a warning: they become AAC."""
    src = tmp_path / f"in{src_ext}"
    vcodec = ["-c:v", "libvpx-vp9"] if src_ext == ".webm" else []
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "sine=r=48000:duration=1", *vcodec, "-c:a", acodec, str(src))
    out = tmp_path / f"out{out_ext}"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0 and "dropped" not in r.stderr, r.stderr
    assert probe(out)["audio"] == ["aac"]


@pytest.mark.parametrize("out_ext", [".webm", ".avi"])
def test_late_7_1_audio_that_is_reencoded_gets_its_lead_in(tmp_path, out_ext):
    """7.1 AAC that starts 0.5 s after the video, re-encoded (Opus for .webm; AVI, which cannot
    delay a track): its lead-in of silence wrote a ninth plane PyAV counts for 8 planar
    channels, and the run died of a segmentation fault (exit 139, no output, no message)."""
    src = tmp_path / "late71.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-itsoffset", "0.5", "-f", "lavfi",
            "-i", "sine=r=48000:duration=0.5,pan=7.1|c0=c0", "-map", "0:v", "-map", "1:a", "-c:v", "libx264",
            "-c:a", "aac", str(src))
    out = tmp_path / f"out{out_ext}"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert probe(out)["audio_packets"] > 0


def _loudest_per_channel(c) -> np.ndarray:
    """The loudest sample of each channel of open file ``c``'s first audio stream (float planar,
    as AAC and Opus decode)."""
    a = c.streams.audio[0]
    n = a.codec_context.channels  # (PyAV counts a ninth plane of 8: to_ndarray() crashes)
    return np.max([[np.abs(np.frombuffer(p, np.float32, count=f.samples)).max() for p in f.planes[:n]]
                   for f in c.decode(a)], axis=0)


@pytest.mark.parametrize("acodec, layout, src_ext, out_ext, encoder", [
    ("pcm_s24le", "5.1", ".mov", ".mp4", "aac"), ("ac3", "5.1(side)", ".mkv", ".webm", "opus"),
    ("flac", "7.1", ".mkv", ".mov", "aac")])
def test_surround_audio_that_is_transcoded_keeps_its_channels(tmp_path, acodec, layout, src_ext, out_ext, encoder):
    """5.1 PCM from an editor's .mov into .mp4, a film's 5.1 AC-3 into .webm, 7.1 FLAC into .mov
    were mixed down to stereo (AAC and Opus encode 5.1 and 7.1, as ffmpeg keeps them); each
    channel stays in its place (the front left's tone in the front left)."""
    import av

    src = tmp_path / f"in{src_ext}"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            f"sine=f=1000:r=48000:duration=1,pan={layout}|c0=c0", "-c:v", "libx264", "-c:a", acodec, str(src))
    out = tmp_path / f"out{out_ext}"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0 and "mixed down" not in r.stderr, r.stderr
    with av.open(str(out)) as c:
        a = c.streams.audio[0]
        assert a.codec_context.name == encoder
        assert a.codec_context.channels == len(av.AudioLayout(layout).channels)
        loud = _loudest_per_channel(c)
    assert loud[0] > 0.1 and loud[1:].max() < 0.01, loud


@pytest.mark.parametrize("layout, channel, freq, out_ext", [("2.1", "LFE", 60, ".mp4"), ("4.0", "BC", 1000, ".mp4"),
                                                            ("2.1", "LFE", 60, ".webm")])
def test_transcoded_audio_keeps_a_channel_the_usual_layout_of_its_count_lacks(tmp_path, layout, channel, freq,
                                                                               out_ext):
    """2.1 PCM from a .mov into .mp4 was encoded as AAC 3.0 (the usual layout of 3 channels), its
    LFE dropped by the remix and a silent centre put in its place: the bass track was lost, where
    ffmpeg keeps 2.1; 4.0's back centre was spread over a quad's two back channels.  The
    stream's own layout is kept where the encoder takes it, each channel in its place; Opus,
    which takes no 2.1, gets a 5.1 (its LFE in the LFE, the others silent)."""
    import av

    src = tmp_path / "in.mov"
    idx = [ch.name for ch in av.AudioLayout(layout).channels].index(channel)
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            f"sine=f={freq}:r=48000:duration=1,pan={layout}|c{idx}=c0", "-c:v", "libx264", "-c:a", "pcm_s16le",
            str(src))
    out = tmp_path / f"out{out_ext}"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        names = [ch.name for ch in c.streams.audio[0].codec_context.layout.channels]
        loud = _loudest_per_channel(c)
    assert loud.max() > 0.1 and np.sort(loud)[-2] < 0.01, (names, loud)
    assert names[int(loud.argmax())] == channel, (names, loud)


@pytest.mark.parametrize("layout, channel, want", [("hexagonal", "FL", "5.1"), ("7.1(wide)", "FL", "7.1"),
                                                    ("3.1", "LFE", "5.1")])
def test_aac_is_not_given_a_layout_of_the_stream_s_own_that_it_writes_unreadably(tmp_path, layout, channel, want):
    """Hexagonal or 7.1(wide) PCM from a .mov into .mp4 was encoded as AAC of its own layout,
    which AAC holds only in a channel map of its own that FFmpeg reads back as '6 channels' or
    '8 channels', each channel's place lost (a player takes 6 as 5.1: the back centre played
    as the LFE); they are in the usual layout of their count, as before, and 3.1 in the least
    usual one AAC writes readably that holds its LFE, 5.1 (it was quad, the LFE dropped)."""
    import av

    src = tmp_path / "in.mov"
    chans = [ch.name for ch in av.AudioLayout(layout).channels]
    # (the tone put in one channel, the channels then named: pan puts 3.1's LFE in the front pair)
    tone = (f"sine=f=60:r=48000:duration=1,pan={len(chans)}c|c{chans.index(channel)}=c0,"
            f"channelmap=map={'|'.join(map(str, range(len(chans))))}:channel_layout={layout}")
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i", tone,
            "-c:v", "libx264", "-c:a", "pcm_s16le", str(src))
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        lay = c.streams.audio[0].codec_context.layout
        name, names = lay.name, [ch.name for ch in lay.channels]
        loud = _loudest_per_channel(c)
    assert name == want, (name, names)
    assert loud.max() > 0.05 and np.sort(loud)[-2] < 0.01 and names[int(loud.argmax())] == channel, (names, loud)


def test_pcm_whose_channels_come_in_an_order_of_their_own_is_reencoded(tmp_path):
    """7.1 PCM in a .mov (its channels labelled FL FR FC LFE SL SR BL BR: an order of their own)
    into .mp4: PyAV freed the layout each time it was read and the run died of a double free
    (exit 134, no output, no message).  It is re-encoded, each channel in its place."""
    import av

    src = tmp_path / "in.mov"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.5", "-f", "lavfi", "-i",
            "sine=f=1000:r=48000:duration=0.5,pan=7.1|c4=c0", "-c:v", "libx264", "-c:a", "pcm_s16le", str(src))
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        a = c.streams.audio[0]
        n = a.codec_context.channels
        names = [ch.name for ch in a.codec_context.layout.channels]
        loud = _loudest_per_channel(c)
    assert n == 8 and loud.max() > 0.1 and np.sort(loud)[-2] < 0.01, loud
    assert names[int(loud.argmax())] in ("SL", "BL"), (names, loud)  # (the .mov's label of that channel)


@pytest.mark.parametrize("acodec, ext", [("pcm_s16be", ".mov"), ("pcm_s24be", ".mov"), ("pcm_s32le", ".mov"),
                                         ("pcm_u8", ".avi"), ("pcm_s24le", ".avi"), ("pcm_mulaw", ".mov"),
                                         ("pcm_alaw", ".mov"), ("pcm_u8", ".mov"), ("pcm_mulaw", ".avi"),
                                         ("pcm_alaw", ".avi")])
def test_pcm_the_container_holds_is_copied(tmp_path, acodec, ext):
    """QuickTime's own PCM (big-endian, 'twos'/'in24') and 32-bit PCM from a .mov into .mov,
    8- and 24-bit PCM from an .avi into .avi, G.711 (mu-law, A-law: 'ulaw'/'alaw', an IP
    camera's) and 8-bit PCM from a .mov into .mov, G.711 from an .avi into .avi, were
    re-encoded to AAC: lossy, where the README says .mov and .avi keep PCM.  Copied, sample
    for sample."""
    src = tmp_path / f"in{ext}"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "sine=r=48000:duration=1", "-c:v", "libx264", "-c:a", acodec, str(src))
    out = tmp_path / f"out{ext}"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert probe(out)["audio"] == [acodec]
    import av

    def samples(path):
        with av.open(str(path)) as c:
            return np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)

    assert np.array_equal(samples(out), samples(src))


@pytest.mark.parametrize("rate, out_ext, expect, acodec", [(192000, ".mp4", 96000, "pcm_s24le"),
                                                            (37800, ".avi", 44100, "pcm_s16be")])
def test_audio_at_a_rate_aac_lacks_is_resampled(tmp_path, rate, out_ext, expect, acodec):
    """PCM at 192 kHz (a field recorder) or 37.8 kHz into .mp4/.avi (big-endian: AVI keeps only
    little-endian PCM): FFmpeg's AAC encoder takes neither, and the run failed as "write failed
    (Invalid argument)" (exit 1, no file); the audio is resampled to a rate AAC takes, keeps its
    length, and the summary says so."""
    src = tmp_path / "in.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            f"sine=r={rate}:duration=1", "-c:v", "libx264", "-c:a", acodec, str(src))
    out = tmp_path / f"out{out_ext}"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert f"{rate} Hz resampled to {expect} Hz" in r.stderr
    import av

    with av.open(str(out)) as c:
        a = c.streams.audio[0]
        assert a.codec_context.name == "aac" and a.codec_context.sample_rate == expect
        samples = sum(f.samples for f in c.decode(audio=0))
    assert abs(samples / expect - 1.0) < 0.15


def test_reencoded_audio_keeps_its_timing_and_tags(tmp_path):
    """AAC made from PCM starts with the encoder's priming before 0 (as FFmpeg does), not
    21 ms late; an audio track's language and title are kept."""
    src = _flash_clip(tmp_path / "beep.mkv", extra=("-metadata:s:a:0", "language=fra",
                                                    "-metadata:s:a:0", "title=Commentaire"))
    for ext in (".mp4", ".webm"):  # (AAC, Opus)
        out = tmp_path / f"out{ext}"
        assert run_cli("file", str(src), "-o", str(out), "-q").returncode == 0
        f0, b0 = _flash_and_beep(src)
        f1, b1 = _flash_and_beep(out)
        assert abs((b1 - f1) - (b0 - f0)) < 0.005, (ext, f0, b0, f1, b1)
        import av

        with av.open(str(out)) as c:
            tags = c.streams.audio[0].metadata
        assert tags.get("language") == "fra" and (ext == ".mp4" or tags.get("title") == "Commentaire"), tags


def test_track_titles_an_m4v_cannot_hold_are_said_to_be_left_out(tmp_path):
    """.m4v (FFmpeg's iPod muxer, which writes no track's name) lost the video's and the
    audio's titles without a word, where .mp4 keeps them; the run now says so."""
    src = tmp_path / "titled.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.4", "-f", "lavfi", "-i",
            "sine=r=48000:duration=0.4", "-c:v", "libx264", "-c:a", "aac",
            "-metadata:s:v:0", "title=Plan large", "-metadata:s:a:0", "title=Commentaire", str(src))
    import av

    for ext in (".m4v", ".mp4"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out))
        assert r.returncode == 0, r.stderr
        with av.open(str(out)) as c:
            titles = [s.metadata.get("title") or s.metadata.get("name") for s in c.streams]
        said = [line for line in r.stderr.splitlines() if "warning" in line and "title" in line]
        if ext == ".mp4":
            assert titles == ["Plan large", "Commentaire"] and not said, (titles, said)
        else:
            assert titles == [None, None], titles
            assert len(said) == 1 and "'Plan large'" in said[0] and "'Commentaire'" in said[0] \
                and "a .m4v file cannot hold them" in said[0], r.stderr


def test_default_audio_track_is_kept(tmp_path):
    """Two audio tracks, the second (a dub) flagged default: the .mp4 output made the first
    the default (the player switched language) and .mkv/.webm flagged no track at all."""
    src = tmp_path / "dub.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "sine=f=440:r=48000:duration=1", "-f", "lavfi", "-i", "sine=f=880:r=48000:duration=1",
            "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-c:a", "aac",
            "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=deu",
            "-disposition:a:0", "0", "-disposition:a:1", "default", str(src))
    import av

    for ext in (".mp4", ".mkv", ".webm"):  # (copied, copied, transcoded to Opus)
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out), "-q")
        assert r.returncode == 0, r.stderr
        with av.open(str(out)) as c:
            default = int(av.stream.Disposition.default)
            flags = [(s.type, s.metadata.get("language"), bool(int(s.disposition) & default)) for s in c.streams]
        assert flags[0][0] == "video" and flags[0][2], (ext, flags)
        assert flags[1:] == [("audio", "eng", False), ("audio", "deu", True)], (ext, flags)


def test_the_first_of_several_audio_tracks_none_default_is_made_default(tmp_path):
    """A TV recording's two languages (MPEG-TS flags no track default) into .mkv and .webm
    were written with neither flagged default (Matroska's FlagDefault 0: no track a player may
    pick by itself), where ffmpeg -c copy flags the first, as MP4's muxer does; the first is
    flagged now, the languages kept."""
    src = tmp_path / "two.ts"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "sine=f=440:r=48000:duration=1", "-f", "lavfi", "-i", "sine=f=880:r=48000:duration=1",
            "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-c:a", "aac",
            "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fra", "-f", "mpegts", str(src))
    import av

    default = int(av.stream.Disposition.default)
    with av.open(str(src)) as c:
        assert not any(int(s.disposition) & default for s in c.streams.audio)
    for ext in (".mkv", ".webm", ".mp4"):  # (copied, transcoded to Opus, copied)
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out), "-q")
        assert r.returncode == 0, r.stderr
        with av.open(str(out)) as c:
            flags = [(s.metadata.get("language"), bool(int(s.disposition) & default)) for s in c.streams.audio]
        assert flags == [("eng", True), ("fra", False)], (ext, flags)


def test_an_audio_track_ffmpeg_cannot_read_is_dropped_and_said(tmp_path):
    """A .mov with an audio track in a codec FFmpeg does not know (a camera's own, an iPhone's
    spatial audio beside its AAC) failed the run, 'internal error: AttributeError' (exit 1,
    no output), into every container; the track is dropped, the run says so, and the others
    are kept."""
    src = tmp_path / "two.mov"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "sine=f=440:r=48000:duration=1", "-f", "lavfi", "-i", "sine=f=880:r=48000:duration=1",
            "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-c:a:0", "pcm_s16le", "-c:a:1", "aac",
            str(src))
    data = src.read_bytes()
    assert data.count(b"sowt") == 1
    src.write_bytes(data.replace(b"sowt", b"zzzz"))  # (the first track's codec: one FFmpeg does not know)
    for ext in (".mp4", ".mkv", ".webm"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out))
        assert r.returncode == 0, r.stderr
        assert "audio stream 1" in r.stderr and "dropped" in r.stderr, r.stderr
        assert len(probe(out)["audio"]) == 1, (ext, probe(out))


def test_a_mov_keeps_a_language_written_in_the_other_form_of_its_code(tmp_path):
    """A German dub tagged "deu" (ISO 639-2/T, as MP4 and newer Matroska write it), a French
    one "fre" (/B, as mkvmerge wrote it), a Czech subtitle "cze", into .mov: its tracks hold
    QuickTime's own language codes, whose table FFmpeg knows by one form only ("ger", "fra",
    "ces"), and the others were written as no language (the dub unnamed in a player's menu).
    Each is written in the form the .mov takes."""
    src = tmp_path / "dubs.mkv"
    srt = tmp_path / "s.srt"
    srt.write_text("1\n00:00:00,100 --> 00:00:00,500\nAhoj\n")
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "sine=f=440:r=48000:duration=1", "-f", "lavfi", "-i", "sine=f=880:r=48000:duration=1",
            "-i", str(srt), "-map", "0", "-map", "1", "-map", "2", "-map", "3", "-c:v", "libx264", "-c:a", "aac",
            "-metadata:s:v:0", "language=nld", "-metadata:s:a:0", "language=deu", "-metadata:s:a:1",
            "language=fre", "-metadata:s:s:0", "language=cze", str(src))
    import av

    out = tmp_path / "out.mov"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        langs = [(s.type, s.metadata.get("language")) for s in c.streams]
    assert langs == [("video", "dut"), ("audio", "ger"), ("audio", "fra"), ("subtitle", "ces")], langs


def test_a_mov_keeps_a_language_quicktimes_table_lacks(tmp_path):
    """Swedish, Croatian and Serbian dubs ("swe", "hrv", "srp"; "scr", "scc" in ISO 639-2/B)
    and a Swedish subtitle, into .mov, were written as no language, as ``ffmpeg -c copy`` writes
    them: FFmpeg writes a .mov's language only as QuickTime's own code, and its table has none
    of them (Swedish as "sve", Croatian as "hr ": read back as such).  Each is written as its
    ISO 639-2 code, packed, which QuickTime and FFmpeg read in a .mov too; a language the table
    holds ("nor") is as it was, a track with none has none."""
    src = tmp_path / "dubs.mkv"
    srt = tmp_path / "s.srt"
    srt.write_text("1\n00:00:00,100 --> 00:00:00,500\nHej\n")
    langs = ["swe", "nor", "hrv", "srp", "scr", "scc"]
    args = ["-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "sine=f=440:r=48000:duration=1", "-i", str(srt), "-map", "0"]
    for i, lang in enumerate(langs):
        args += ["-map", "1", f"-metadata:s:a:{i}", f"language={lang}"]
    _ffmpeg(*args, "-map", "2", "-metadata:s:s:0", "language=swe", "-c:v", "libx264", "-c:a", "aac", str(src))
    import av

    out = tmp_path / "out.mov"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        got = [(s.type, s.metadata.get("language")) for s in c.streams]
    assert got == [("video", None), *(("audio", lang) for lang in langs), ("subtitle", "swe")], got


def test_avi_output_keeps_late_audio_in_sync_and_turns_a_rotated_video_upright(tmp_path):
    """AVI has no start time per stream (audio 0.5 s late came 0.5 s early) and no display
    rotation (a portrait clip played sideways)."""
    src = _flash_clip(tmp_path / "late.mov", audio_offset=0.5)
    out = tmp_path / "late.avi"
    assert run_cli("file", str(src), "-o", str(out), "-q").returncode == 0
    f0, b0 = _flash_and_beep(src)
    f1, b1 = _flash_and_beep(out)
    # the sound where it was (its lead-in less the AAC encoder's priming, which AVI cannot
    # put before 0: it was 23 ms late); the picture within a frame (FFmpeg reads AVI so)
    assert abs(b1 - b0) < 0.005 and abs(f1 - f0) < 0.045, (f0, b0, f1, b1)
    rot = tmp_path / "rot.mp4"
    _ffmpeg("-i", str(src), "-c:v", "copy", "-c:a", "aac", "-metadata:s:v:0", "rotate=90", str(rot))
    out = tmp_path / "rot.avi"
    assert run_cli("file", str(rot), "-o", str(out), "-q").returncode == 0
    import av

    with av.open(str(out)) as c:
        f = next(c.decode(video=0))
        assert (f.width, f.height) == (96, 160) and not f.rotation


@pytest.mark.parametrize("codec", ["libx264", "mpeg2video"])
def test_avi_output_plays_its_picture_with_its_sound(tmp_path, codec):
    """AVI keeps no presentation times: x264's B-frames delayed each picture by the encoder's
    reordering (2 frames), which readers do not take back: FFmpeg (and players built on it)
    showed the flash 80 ms after its beep.  An .avi is written without B-frames.  MPEG-2 without
    them still said a decoder delay of a frame (its sequence's low_delay flag unset): each picture
    came a frame late (40 ms at 25 fps; its first at 0.04 s); it is written low-delay."""
    src = _flash_clip(tmp_path / "in.mov")
    out = tmp_path / "out.avi"
    r = run_cli("file", str(src), "-o", str(out), "-q", "--set", f"video.codec={codec}")
    assert r.returncode == 0, r.stderr
    flash, beep = _flash_and_beep(out)
    assert flash == pytest.approx(1.0, abs=0.01) and beep == pytest.approx(1.0, abs=0.01), (flash, beep)


@pytest.mark.parametrize("out_ext", [".avi", ".mkv"])
def test_audio_an_edit_list_leaves_out_is_not_copied(tmp_path, out_ext):
    """A clip cut with `ffmpeg -ss 0.5 -c copy` (an MP4 whose edit list begins mid-GOP: the half
    second of audio and video before it is in the file, not played): its audio was copied whole,
    the .avi played it, the beep 0.52 s after its flash, and the .mkv began with it, 0.52 s
    longer, its picture 0.52 s late.  The audio starts where the picture does (as in an .mp4)."""
    import av

    whole = _flash_clip(tmp_path / "whole.mp4", acodec="aac", extra=("-g", "100"))
    src = tmp_path / "cut.mp4"
    _ffmpeg("-ss", "0.5", "-i", str(whole), "-c", "copy", str(src))
    f0, b0 = _flash_and_beep(src)
    out = tmp_path / f"out{out_ext}"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    f1, b1 = _flash_and_beep(out)
    assert f1 == pytest.approx(f0, abs=0.05) and abs((b1 - f1) - (b0 - f0)) < 0.035, (f0, b0, f1, b1)
    with av.open(str(out)) as c:
        assert c.duration / 1e6 == pytest.approx(1.5, abs=0.05)


def test_avi_cut_before_late_audio_begins_has_silence_not_an_empty_audio_stream(tmp_path):
    """--frames N ending before late audio begins: AVI's silent lead-in was written with the
    first sound, which never came, and the audio stream was left without a packet (ffprobe:
    duration 0); it is silence up to the cut."""
    src = _flash_clip(tmp_path / "late.mov", audio_offset=0.5)
    out = tmp_path / "cut.avi"
    r = run_cli("file", str(src), "-o", str(out), "-n", "5", "-q")
    assert r.returncode == 0, r.stderr
    assert probe(out)["audio_packets"] > 0
    assert 0.15 < _audio_seconds(out) < 0.35  # 5 frames at 25 fps: 0.2 s
    import av

    with av.open(str(out)) as c:
        assert max(np.abs(f.to_ndarray()).max() for f in c.decode(audio=0)) < 1e-3


@pytest.mark.parametrize("acodec, src_ext, out_ext", [("aac", ".mov", ".mkv"), ("libopus", ".mkv", ".webm"),
                                                      ("aac", ".mov", ".mp4")])
def test_a_cut_before_late_copied_audio_begins_leaves_the_track_out(tmp_path, acodec, src_ext, out_ext):
    """--frames N ending before late audio begins, the audio copied: MP4's muxer leaves the
    empty track out; Matroska and WebM wrote an audio track without a packet.  The track is
    added with its first packet (the header waits): left out in every container.  A cut that
    reaches the audio, and the whole file, keep it as it was."""
    import av

    src = _flash_clip(tmp_path / f"late{src_ext}", audio_offset=0.5, acodec=acodec)
    out = tmp_path / f"cut{out_ext}"
    r = run_cli("file", str(src), "-o", str(out), "-n", "5", "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        assert [s.type for s in c.streams] == ["video"]
    assert probe(out)["frames"] == 5
    for n, frames in (("20", 20), (None, 50)):
        out = tmp_path / f"cut{n}{out_ext}"
        r = run_cli("file", str(src), "-o", str(out), "-q", *(("-n", n) if n else ()))
        assert r.returncode == 0, r.stderr
        assert probe(out)["frames"] == frames and probe(out)["audio_packets"] > 0
        assert _start_times(out)["audio"] == pytest.approx(_start_times(src)["audio"], abs=0.03)
        assert _audio_seconds(out) == pytest.approx(0.3 if n else 1.5, abs=0.05)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI to make the clip")
def test_a_cut_before_late_copied_audio_begins_says_the_track_is_left_out(tmp_path):
    """--frames 10 of a 3 s clip whose audio starts at 2 s, the audio copied: the track was left
    out without a word (the run said nothing of audio); a warning says so, whether the muxer
    leaves it out (MP4) or it is added with its first packet (Matroska). A cut that reaches the
    audio says nothing."""
    src = tmp_path / "late.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=3", "-itsoffset", "2", "-f", "lavfi",
            "-i", "sine=f=440:r=48000:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(src))
    for ext in (".mp4", ".mkv"):
        out = tmp_path / f"cut{ext}"
        r = run_cli("file", str(src), "-o", str(out), "--frames", "10", "--set", "segment.method=canny")
        assert r.returncode == 0, r.stderr
        assert probe(out)["audio_packets"] == 0
        said = [ln for ln in r.stderr.splitlines() if "audio stream 1 (aac)" in ln]
        assert len(said) == 1 and "livecut: warning:" in said[0], r.stderr
        assert "its sound begins at 1.9" in said[0] and "after the end of the output at 0.40 s; left out" in said[0]
    out = tmp_path / "reaches.mp4"
    r = run_cli("file", str(src), "-o", str(out), "--frames", "60", "--set", "segment.method=canny")
    assert r.returncode == 0, r.stderr
    assert probe(out)["audio_packets"] > 0 and "audio stream" not in r.stderr


def test_avi_with_aac_audio_has_one_entry_a_frame_from_0(tmp_path):
    """AAC's priming lies before 0, which AVI cannot hold: the muxer moved every stream by as
    much, the video by a whole frame -- a one-frame AVI said two frames (0.08 s), and without
    B-frames (two frames, video.preset=ultrafast) each frame after the first came a frame late."""
    src = _flash_clip(tmp_path / "in.mp4", acodec="aac")
    import av

    for n, extra in ((1, ()), (5, ("--set", "video.preset=ultrafast"))):
        out = tmp_path / f"cut{n}.avi"
        r = run_cli("file", str(src), "-o", str(out), "-n", str(n), "-q", *extra)
        assert r.returncode == 0, r.stderr
        with av.open(str(out)) as c:
            s = c.streams.video[0]
            assert s.frames == n and float(s.duration * s.time_base) == pytest.approx(n / 25)
            assert [p.dts for p in c.demux(s) if p.size] == list(range(n))
        assert probe(out)["audio"] == ["aac"]


@pytest.mark.parametrize("rate, preset, src_ext", [("8000", "veryfast", ".mp4"), ("16000", "ultrafast", ".mp4"),
                                                   ("8000", "veryfast", ".ts")])
def test_avi_with_aac_audio_at_a_low_rate_keeps_its_sound_with_its_picture(tmp_path, rate, preset, src_ext):
    """AAC's priming (1024 samples) copied into AVI plays from 0 as sound time: 21 ms at 48 kHz,
    but 128 ms at 8 kHz and 64 ms at 16 kHz (a phone's or an IP camera's voice track): the beep
    came that much after its flash; so did the encoder's where AAC is re-encoded (from MPEG-TS:
    ADTS).  The frames after the first are moved by its whole ticks, as FFmpeg moves the video
    (the first frame shown from 0 meanwhile)."""
    import av

    src = _flash_clip(tmp_path / f"in{src_ext}", acodec="aac", extra=("-ar", rate, "-bf", "0"))
    out = tmp_path / "out.avi"
    r = run_cli("file", str(src), "-o", str(out), "-q", "--set", f"video.preset={preset}")
    assert r.returncode == 0, r.stderr
    f0, b0 = _flash_and_beep(src)
    f1, b1 = _flash_and_beep(out)
    assert abs((b1 - f1) - (b0 - f0)) < 0.041, (f0, b0, f1, b1)  # (within the tick: 0.128 before at 8 kHz)
    with av.open(str(out)) as c:
        assert c.streams.audio[0].codec_context.name == "aac" and c.streams.audio[0].sample_rate == int(rate)
        assert sum(1 for p in c.demux(video=0) if p.size) == 50


@pytest.mark.parametrize("src_ext, acodec, out_ext", [(".webm", "libopus", ".avi"), (".mkv", "pcm_s16le", ".webm")])
def test_an_audio_track_without_sound_re_encoded_is_silence_not_an_empty_stream(tmp_path, src_ext, acodec, out_ext):
    """A track of no packet (a recorder's audio track that got no sound): re-encoded (Opus into
    .avi, PCM into .webm), its stream was written without a packet (an .avi's or a .webm's
    audio track of no length); it is silence as long as the video, as a cut before late audio
    begins is."""
    import av

    src = tmp_path / f"silent{src_ext}"
    with av.open(str(src), "w") as c:
        v = c.add_stream("libvpx-vp9" if src_ext == ".webm" else "libx264", rate=25)
        v.width, v.height, v.pix_fmt = 160, 96, "yuv420p"
        c.add_stream(acodec, rate=48000)
        for i in range(25):
            img = np.full((96, 160, 3), 40, np.uint8)
            img[30:60, i * 4:i * 4 + 30] = 255
            for p in v.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                c.mux(p)
        for p in v.encode():
            c.mux(p)
    with av.open(str(src)) as c:  # (the case: an audio track, no packet)
        assert len(c.streams.audio) == 1 and not any(p.size for p in c.demux(audio=0))
    out = tmp_path / f"out{out_ext}"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert probe(out)["frames"] == 25 and probe(out)["audio_packets"] > 0
    assert _audio_seconds(out) == pytest.approx(1.0, abs=0.06)
    with av.open(str(out)) as c:
        assert max(np.abs(f.to_ndarray()).max() for f in c.decode(audio=0)) < 1e-3


def test_adts_aac_from_mpeg_ts_into_avi(tmp_path):
    """AAC read from MPEG-TS (ADTS: no global header, as a camcorder's or a capture's .ts has)
    into .avi failed at its first audio packet ("write failed (Invalid argument)", exit 1, no
    file): AVI takes ADTS under no tag a copy keeps.  It is transcoded, its length kept."""
    src = tmp_path / "in.ts"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "sine=r=48000:duration=1", "-c:v", "libx264", "-c:a", "aac", str(src))
    out = tmp_path / "out.avi"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    p = probe(out)
    assert p["frames"] == 25 and p["audio"] == ["aac"]
    assert _audio_seconds(out) == pytest.approx(1.0, abs=0.02 + 2 * 1024 / 48000)


def test_a_relative_name_with_a_colon_is_a_file_not_a_url(tmp_path, monkeypatch):
    """-o 12:30.mp4 (a time in the name) from the current folder: FFmpeg took the temporary
    name .12:30.mp4.livecut-... for a URL of protocol ".12" ("write failed (Protocol not
    found)", exit 1), and the audio of an input so named could not be reopened (dropped)."""
    from conftest import make_clip
    from livecut.sinks.base import SinkInfo
    from livecut.sinks.file import VideoFileSink

    make_clip(tmp_path / "take:1.mp4", n=10, audio=True)
    monkeypatch.chdir(tmp_path)
    info = SinkInfo(width=320, height=180, fps=25.0, audio_from=Path("take:1.mp4"))
    with VideoFileSink("12:30.mp4", info) as sink:
        for i in range(10):
            sink.write(np.full((180, 320, 3), 20 * i, np.uint8), i / 25)
    assert sink.warnings == []
    p = probe(tmp_path / "12:30.mp4")
    assert p["frames"] == 10 and p["audio"] == ["aac"]


def test_an_input_with_a_colon_in_its_relative_name_is_read(tmp_path):
    """livecut file take:1.mp4 from the current folder: FFmpeg took the name for a URL of
    protocol "take" ("not a readable video file (Protocol not found)", exit 2)."""
    from conftest import make_clip

    make_clip(tmp_path / "take:1.mp4", n=10, audio=True)
    r = run_cli("file", "take:1.mp4", "-o", "out.mp4", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    p = probe(tmp_path / "out.mp4")
    assert p["frames"] == 10 and p["audio"] == ["aac"]


def test_resampled_audio_does_not_drift(tmp_path):
    """44.1 kHz audio into .webm (Opus at 48 kHz): each frame's length rounded to 48 kHz on
    its own added 0.44 samples a frame -- 24 ms late after a minute, 1.4 s after an hour."""
    src = tmp_path / "minute.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=96x64:rate=4:duration=60,drawbox=enable='between(t,59,59.2)'"
            ":x=0:y=0:w=iw:h=ih:c=white:t=fill", "-f", "lavfi", "-i",
            "sine=f=1000:r=44100:duration=60,volume=enable='not(between(t,59,59.1))':volume=0",
            "-c:v", "libx264", "-c:a", "aac", str(src))
    out = tmp_path / "minute.webm"
    assert run_cli("file", str(src), "-o", str(out), "-q", timeout=240).returncode == 0
    _, b0 = _flash_and_beep(src)
    _, b1 = _flash_and_beep(out)
    assert abs(b1 - b0) < 0.006, (b0, b1)


def test_a_gap_in_reencoded_audio_keeps_the_sound_after_it_in_sync(tmp_path):
    """Audio with 1 s of it missing (its packets' times jump, as in a long recording with a
    dropout) into .webm (re-encoded to Opus): the encoder's samples were counted on without
    the gap, so the sound after it came 1 s early (every gap in a long file added to it)."""
    src = tmp_path / "gap.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10:duration=4,drawbox=enable='between(t,3,3.09)'"
            ":x=0:y=0:w=iw:h=ih:c=white:t=fill", "-f", "lavfi", "-i",
            "sine=f=1000:r=48000:duration=4,volume=enable='not(between(t,3,3.1))':volume=0,"
            "aselect='not(between(t,1,2))'", "-c:v", "libx264", "-c:a", "aac", str(src))
    f0, b0 = _flash_and_beep(src)
    assert abs(b0 - f0) < 0.03 and f0 == pytest.approx(3.0, abs=0.05)  # (in sync after the gap)
    out = tmp_path / "gap.webm"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    f1, b1 = _flash_and_beep(out)
    assert abs((b1 - f1) - (b0 - f0)) < 0.03, (f0, b0, f1, b1)


def _gappy_clip(src):
    """A 5 s clip, a flash and a beep at 4 s, 40 ms of its PCM audio missing every half second
    (its packets' times jump)."""
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10:duration=5,drawbox=enable='between(t,4,4.09)'"
            ":x=0:y=0:w=iw:h=ih:c=white:t=fill", "-f", "lavfi", "-i",
            "sine=f=1000:r=48000:duration=5,volume=enable='not(between(t,4,4.1))':volume=0,"
            "asetnsamples=480,aselect='not(between(mod(t,0.5),0.2,0.239))'", "-c:v", "libx264",
            "-c:a", "pcm_s16le", str(src))
    f0, b0 = _flash_and_beep(src)
    assert abs(b0 - f0) < 0.03 and f0 == pytest.approx(4.0, abs=0.05)
    return src


def test_short_gaps_in_reencoded_audio_do_not_add_up(tmp_path):
    """40 ms of audio missing every half second (a packet lost here and there in a recording),
    PCM into .mp4 (re-encoded to AAC): each gap, under 0.1 s, went unfilled, and together they
    put the sound 0.24 s before its picture by the flash at 4 s (and on, without end, in a
    longer file); they count together now, filled once they come to over 0.1 s."""
    src = _gappy_clip(tmp_path / "gaps.mkv")
    f0, b0 = _flash_and_beep(src)
    out = tmp_path / "gaps.mp4"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    f1, b1 = _flash_and_beep(out)
    assert abs((b1 - f1) - (b0 - f0)) <= 0.1, (f0, b0, f1, b1)


def test_short_gaps_in_pcm_copied_into_avi_do_not_add_up(tmp_path):
    """The same gaps in PCM copied into .avi, whose audio has no timestamps (played on from
    packet to packet): the sound after each gap came that much early, 0.24 s before its
    picture by the flash at 4 s; the gaps are filled with silence, as a re-encoded track's."""
    src = _gappy_clip(tmp_path / "gaps.mkv")
    f0, b0 = _flash_and_beep(src)
    out = tmp_path / "gaps.avi"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert probe(out)["audio"] == ["pcm_s16le"]  # (copied)
    f1, b1 = _flash_and_beep(out)
    assert abs((b1 - f1) - (b0 - f0)) <= 0.1, (f0, b0, f1, b1)


@pytest.mark.parametrize("acodec, rate", [("pcm_s16le", 48000), ("pcm_s24be", 48000), ("pcm_mulaw", 8000)])
def test_a_gap_in_pcm_copied_into_mov_keeps_the_sound_after_it_in_sync(tmp_path, acodec, rate):
    """Half a second of a PCM track missing (a camera's, an editor's big-endian PCM, an IP
    camera's G.711) copied into .mov, which stores PCM as samples of a fixed length, played on
    whatever their times: the sound after the gap came half a second early; the gap is filled
    with silence, as in .avi."""
    src = tmp_path / "gap.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10:duration=4,drawbox=enable='between(t,3,3.09)'"
            ":x=0:y=0:w=iw:h=ih:c=white:t=fill", "-f", "lavfi", "-i",
            f"sine=f=1000:r={rate}:duration=4:samples_per_frame=80,volume=enable='not(between(t,3,3.1))'"
            ":volume=0,volume=4,asetnsamples=480,aselect='not(between(t,1,1.5))'", "-c:v", "libx264",
            "-c:a", acodec, str(src))
    f0, b0 = _flash_and_beep(src)
    assert abs(b0 - f0) < 0.03 and f0 == pytest.approx(3.0, abs=0.05)  # (in sync after the gap)
    out = tmp_path / "gap.mov"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert probe(out)["audio"] == [acodec]  # (copied)
    f1, b1 = _flash_and_beep(out)
    assert abs((b1 - f1) - (b0 - f0)) <= 0.03, (f0, b0, f1, b1)
    assert _audio_seconds(out) == pytest.approx(4.0, abs=0.05)


def _avi_chunk_sizes(path, ckid: bytes) -> list[int]:
    """The sizes of the chunks ``ckid`` (``b"01wb"``: stream 1's audio) in an AVI's idx1 index
    (FFmpeg's demuxer splits a large PCM chunk into packets of its own size)."""
    data = Path(path).read_bytes()
    i = data.rindex(b"idx1")
    n = int.from_bytes(data[i + 4:i + 8], "little") // 16
    entries = (data[i + 8 + 16 * k:i + 24 + 16 * k] for k in range(n))
    return [int.from_bytes(e[12:16], "little") for e in entries if e[:4] == ckid]


def test_a_long_gap_in_pcm_copied_into_avi_is_filled_a_second_at_a_time(tmp_path):
    """A minute of a PCM track missing (a recorder's sound that stopped), copied into .avi: the
    gap's silence was one chunk of its whole length (11 MB here at 48 kHz stereo, 0.7 GB for
    an hour, held in memory twice); it is written a second at a time, as a re-encoded track's."""
    src = tmp_path / "gap.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=2:duration=64", "-f", "lavfi", "-i",
            "sine=r=48000:duration=64,aselect='not(between(t,2,62))'", "-ac", "2", "-c:v", "libx264",
            "-c:a", "pcm_s16le", str(src))
    out = tmp_path / "gap.avi"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    sizes = _avi_chunk_sizes(out, b"01wb")
    assert sum(sizes) == pytest.approx(64 * 48000 * 4, rel=0.01)  # (the gap filled)
    assert max(sizes) <= 48000 * 4


@pytest.mark.parametrize("acodec, src_ext, rate", [("aac", ".mp4", 48000), ("libmp3lame", ".mp4", 44100),
                                                    ("libmp3lame", ".mp4", 22050), ("ac3", ".mkv", 48000)])
def test_a_gap_in_aac_or_mp3_copied_into_avi_keeps_the_sound_after_it_in_sync(tmp_path, acodec, src_ext, rate):
    """Half a second of a phone's AAC (or MP3, AC-3) missing (its packets' times jump: the
    audio dropped out), copied into .avi, whose audio has no timestamps (played on from packet
    to packet): the sound after the gap came half a second early; the gap is filled with
    silent frames of the track's own codec, the track still copied."""
    src = tmp_path / f"gap{src_ext}"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10:duration=4,drawbox=enable='between(t,3,3.09)'"
            ":x=0:y=0:w=iw:h=ih:c=white:t=fill", "-f", "lavfi", "-i",
            f"sine=f=1000:r={rate}:duration=4,volume=enable='not(between(t,3,3.1))':volume=0,"
            "aselect='not(between(t,1,1.5))'", "-c:v", "libx264", "-c:a", acodec, str(src))
    f0, b0 = _flash_and_beep(src)
    assert abs(b0 - f0) < 0.03 and f0 == pytest.approx(3.0, abs=0.05)  # (in sync after the gap)
    out = tmp_path / "gap.avi"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert probe(out)["audio"] == [{"libmp3lame": "mp3float"}.get(acodec, acodec)]  # (copied)
    f1, b1 = _flash_and_beep(out)
    # (within the encoder's priming, which AVI plays as sound: 21 ms of AAC's at 48 kHz, 50 ms
    # of MP3's at 22 kHz, and half a frame)
    assert abs((b1 - f1) - (b0 - f0)) < 0.08, (f0, b0, f1, b1)
    assert _audio_seconds(out) == pytest.approx(4.0, abs=0.1)


def test_a_gap_in_he_aac_copied_into_avi_is_said(tmp_path):
    """HE-AAC (2048 samples a frame, half of them its SBR's, which FFmpeg's encoder cannot
    write) with half a second missing, copied into .avi: no silent frame of it can be made, so
    the sound after the gap comes early, and the run says so (it said nothing)."""
    import av

    lc = tmp_path / "lc.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10:duration=3", "-f", "lavfi", "-i",
            "sine=r=24000:duration=3,aselect='not(between(t,1,1.5))'", "-c:v", "libx264", "-c:a", "aac", str(lc))
    src = tmp_path / "he.mp4"
    with av.open(str(lc)) as c, av.open(str(src), "w") as o:  # (its packets, stated as HE-AAC's at 48 kHz)
        v, a = o.add_stream_from_template(c.streams.video[0]), o.add_stream_from_template(c.streams.audio[0])
        a.codec_context.extradata = bytes.fromhex("2b098800")  # (SBR, 24 kHz core, 48 kHz out, mono)
        a.codec_context.sample_rate, a.time_base = 48000, Fraction(1, 48000)
        for p in c.demux():
            if p.dts is not None and p.stream.type == "audio":
                p.pts, p.dts, p.duration, p.time_base = 2 * p.pts, 2 * p.dts, 2 * p.duration, Fraction(1, 48000)
            if p.dts is not None:
                p.stream = v if p.stream.type == "video" else a
                o.mux(p)
    with av.open(str(src)) as c:
        assert c.streams.audio[0].codec_context.frame_size == 2048
    out = tmp_path / "gap.avi"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert probe(out)["audio"] == ["aac"]
    assert "its sound stops for 0.51 s at 1.0" in r.stderr and "the sound after it comes that much early" in r.stderr


def test_variable_frame_rate_into_avi_keeps_its_timing(tmp_path):
    """1 s at 25 fps then 1 s at 10 fps: on a tick of the average rate (17.5 fps) the frames
    of the fast part were pushed later and later (the flash 0.18 s after the beep)."""
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-c:v", "libx264", str(a))
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=10:duration=1,drawbox=enable='between(t,0.5,0.59)'"
            ":x=0:y=0:w=iw:h=ih:c=white:t=fill", "-c:v", "libx264", str(b))
    vfr = tmp_path / "vfr.mp4"
    _ffmpeg("-i", str(a), "-i", str(b), "-f", "lavfi", "-i", "sine=f=1000:r=48000:duration=2,"
            "volume=enable='not(between(t,1.5,1.6))':volume=0", "-filter_complex",
            "[0:v][1:v]concat=n=2:v=1:a=0[v]", "-map", "[v]", "-map", "2:a", "-c:v", "libx264", "-bf", "0",
            "-c:a", "aac", "-fps_mode", "passthrough", str(vfr))
    out = tmp_path / "vfr.avi"
    assert run_cli("file", str(vfr), "-o", str(out), "-q").returncode == 0
    f0, b0 = _flash_and_beep(vfr)
    f1, b1 = _flash_and_beep(out)
    assert abs(f1 - f0) < 0.045 and abs((b1 - f1) - (b0 - f0)) < 0.09, (f0, b0, f1, b1)
    assert probe(out)["frames"] == probe(vfr)["frames"]


def test_a_video_that_pauses_into_avi_keeps_its_timing(tmp_path):
    """25 fps with a 5 s pause (an average of 4 fps, its frames on a 25 fps tick, 6x the
    average): on the average's tick the frames were pushed later and later (the flash after
    the pause 2.4 s after its beep); the 25 fps tick keeps them in place."""
    src = tmp_path / "pause.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1,drawbox=enable='eq(n,20)'"
            ":x=0:y=0:w=iw:h=ih:c=white:t=fill,settb=1/1000,setpts='if(lt(N,10),N*0.04,5+N*0.04)/TB'",
            "-f", "lavfi", "-i", "sine=f=1000:r=48000:duration=6,volume=enable='not(between(t,5.8,5.9))':volume=0",
            "-c:v", "libx264", "-bf", "0", "-c:a", "aac", "-fps_mode", "passthrough", str(src))
    out = tmp_path / "pause.avi"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    f0, b0 = _flash_and_beep(src)
    f1, b1 = _flash_and_beep(out)
    assert f0 == pytest.approx(5.8, abs=0.01)
    assert abs(f1 - f0) < 0.045 and abs((b1 - f1) - (b0 - f0)) < 0.09, (f0, b0, f1, b1)
    assert probe(out)["frames"] == 25
    # (its last frame a tick long: at the average's 0.24 s it ran on with empty ticks past the
    # end, 6.2 s, and the file read again was 'ends early (truncated?)', exit 3)
    assert probe(out)["duration"] == pytest.approx(6.0, abs=0.01)
    r = run_cli("file", str(out), "-o", str(tmp_path / "again.mp4"), "-q")
    assert r.returncode == 0, r.stderr


def test_a_still_of_over_60000_ticks_into_avi_is_held(tmp_path):
    """A recording that holds a still for 35 minutes (a screen recording, a motion-triggered
    camera's) at 30 fps into .avi failed, 'write failed (Invalid argument)', exit 1: FFmpeg's AVI
    muxer writes at most 60000 empty entries before a frame.  The still is held, its frames
    after it at their times."""
    src, out = tmp_path / "still.mkv", tmp_path / "still.avi"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=30:duration=0.2",
            "-vf", "setpts='if(gte(N,3),N/30/TB+2100/TB,N/30/TB)'", "-fps_mode", "passthrough",
            "-c:v", "libx264", "-preset", "ultrafast", str(src))
    got = _avi_frame_times(src, out)
    assert got == pytest.approx([0, 1 / 30, 2 / 30, 2100.1, 2100 + 4 / 30, 2100 + 5 / 30], abs=0.002), got
    assert probe(out)["duration"] == pytest.approx(2100.2, abs=0.01)


def test_a_video_that_starts_over_60000_ticks_after_its_audio_into_avi_is_written(tmp_path):
    """A video that starts over 60000 ticks after its audio (a 1000 fps clip 61 s in; 30 fps 35
    minutes in) into .avi failed, 'finishing the file failed (Invalid argument)', exit 1:
    FFmpeg's AVI muxer, which puts the first frame first whatever its tick, refused it.  The
    first frame is put first, as after a shorter lead (shown from the start), the others at
    their times."""
    src, out = tmp_path / "late.mkv", tmp_path / "late.avi"
    _ffmpeg("-itsoffset", "61", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=1000:duration=0.01", "-f", "lavfi",
            "-i", "sine=r=8000:duration=61.01", "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast",
            "-c:a", "pcm_u8", "-ac", "1", str(src))
    got = _avi_frame_times(src, out)
    assert got == pytest.approx([0] + [61 + i / 1000 for i in range(1, 10)], abs=0.0015), got


def test_an_avi_whose_last_frame_is_held_by_empty_entries_is_whole(tmp_path):
    """An AVI whose last frame is held by empty entries (its ticks without a frame, as FFmpeg
    writes a pause and VirtualDub a dropped frame; livecut's own .avi of a GIF's pause on its
    last picture) was said 'the video ends early (truncated?): 10 frames written, 19
    expected', exit 3: its frame count is its entries.  Closed by its writer (its index in it),
    it is whole; one cut short (its index gone) still ends early."""
    import av

    src = tmp_path / "held.avi"
    with av.open(str(src), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        s.codec_context.max_b_frames = 0
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 20, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
        held = av.Packet(0)  # (the last frame held to 1.9 s: entries 10 to 18 empty)
        held.stream, held.time_base = s, Fraction(1, 10)
        held.pts = held.dts = 18
        c.mux(held)
    with av.open(str(src)) as c:
        assert c.streams.video[0].frames == 19
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"))
    assert r.returncode == 0 and "ends early" not in r.stderr, r.stderr
    assert probe(tmp_path / "out.mp4")["frames"] == 10
    data = src.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[:data.rindex(b"idx1")])  # (cut at a chunk's end: its index gone)
    r = run_cli("file", str(cut), "-o", str(tmp_path / "cut.mp4"))
    assert r.returncode == 3 and "the video ends early" in r.stderr, r.stderr


def _vfr_25_then_30(src, *codec) -> None:
    """``src``: 1 s at 25 fps then 1 s at 30 (ffmpeg's concat, a variable rate), 160x96 H.264
    with ``codec``'s options."""
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "testsrc2=size=160x96:rate=30:duration=1", "-filter_complex", "[0][1]concat=n=2:v=1[v]", "-map", "[v]",
            "-c:v", "libx264", *codec, "-fps_mode", "vfr", str(src))


def _assert_times_kept(got: list[float], want: list[float], tol: float) -> None:
    """Each frame at its time: as many frames, each within ``tol`` s."""
    assert len(got) == len(want)
    assert max(abs(a - b) for a, b in zip(got, want)) < tol


def _avi_frame_times(src, out) -> list[float]:
    """``livecut file SRC -o OUT`` (an .avi), and the times of OUT's frames, from its packets
    (AVI's frames are timed by their packets)."""
    import av

    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        return [float(p.dts * p.time_base) for p in c.demux(video=0) if p.size]


def test_a_variable_rate_matroska_states_no_tick_into_avi_keeps_its_timing(tmp_path):
    """50 fps that stalls 0.3 s every 10 frames (a screen recording, a phone under load),
    remuxed to Matroska: FFmpeg states its average, 22.96 fps, as its rate, and on that tick the
    frames of each burst were pushed later and later (212 ms off); AVI_TICK_FPS keeps them
    within half its tick."""
    import av

    pts = [0]
    for i in range(39):
        pts.append(pts[-1] + (180 if i % 10 == 9 else 12))  # (in 1/600 s)
    mov = make_clip(tmp_path / "burst.mov", n=40, pts=pts, time_base=Fraction(1, 600), fps=30)
    src = tmp_path / "burst.mkv"
    _ffmpeg("-i", str(mov), "-c", "copy", str(src))
    with av.open(str(src)) as c:  # (the case: no rate finer than the average)
        s = c.streams.video[0]
        assert s.base_rate == s.average_rate and s.base_rate.denominator > 2
    out = tmp_path / "burst.avi"
    got = _avi_frame_times(src, out)
    want = [t / 600 for t in pts]
    _assert_times_kept(got, want, 0.01)


def test_a_variable_rate_stating_less_than_its_average_into_avi_keeps_its_timing(tmp_path):
    """1 s at 25 fps then 1 s at 30 (ffmpeg's concat): FFmpeg states 25 fps, guessed from the
    first frames, below its average (27.78); on the average's tick the 30 fps frames were pushed
    later and later (85 ms off, the video 0.12 s too long); AVI_TICK_FPS keeps them within half
    its tick."""
    import av

    src = tmp_path / "vfr.mp4"
    _vfr_25_then_30(src, "-preset", "ultrafast")
    with av.open(str(src)) as c:  # (the case: a stated rate below the average)
        s = c.streams.video[0]
        assert s.base_rate == 25 and s.average_rate > 27
        want = [float(p.pts * p.time_base) for p in c.demux(video=0) if p.size]
    want.sort()
    out = tmp_path / "vfr.avi"
    got = _avi_frame_times(src, out)
    assert len(want) == 55
    _assert_times_kept(got, want, 0.005)
    assert probe(out)["duration"] == pytest.approx(want[-1], abs=0.02)


def test_a_variable_rate_stating_a_rate_too_fine_into_avi_keeps_its_timing(tmp_path):
    """1 s at 25 fps then 1 s at 30 in 1/600 s ticks (a phone's clock): FFmpeg states 150 fps,
    finer than AVI_TICK_FPS, and its average, 27.41, is no camera's rate: on the average's tick
    the 30 fps frames were pushed later and later (76 ms off); AVI_TICK_FPS keeps them within
    half its tick."""
    import av

    pts = [i * 24 for i in range(25)] + [600 + i * 20 for i in range(30)]
    src = make_clip(tmp_path / "vfr.mp4", n=len(pts), pts=pts, time_base=Fraction(1, 600), fps=25)
    with av.open(str(src)) as c:  # (the case: a stated rate over AVI_TICK_FPS, an average no camera's)
        s = c.streams.video[0]
        assert s.base_rate > 120 and s.average_rate.denominator > 2
    out = tmp_path / "vfr.avi"
    got = _avi_frame_times(src, out)
    want = [t / 600 for t in pts]
    _assert_times_kept(got, want, 0.005)


def test_a_variable_rate_matroska_with_b_frames_is_not_taken_for_1000_fps(tmp_path):
    """1 s at 25 fps then 1 s at 30 in Matroska, with B-frames (x264's default): FFmpeg states no
    average, and its clock's 1000 fps as the rate: 1967 frames were expected (one cut short was
    'about 1967 expected'), and an .avi was written at 1000 ticks a second (1968 index entries
    for 55 frames); the rate is the first packets' average (27.45: not a camera's, the .avi on
    AVI_TICK_FPS)."""
    import av

    src = tmp_path / "vfr.mkv"
    _vfr_25_then_30(src, "-preset", "veryfast", "-bf", "2")
    with av.open(str(src)) as c:  # (the case: no average, the clock's rate stated)
        s = c.streams.video[0]
        assert s.average_rate is None and s.guessed_rate == 1000
        want = sorted(float(p.pts * p.time_base) for p in c.demux(video=0) if p.size)
    out = tmp_path / "vfr.avi"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        assert c.streams.video[0].frames <= 240  # (index entries, on AVI_TICK_FPS: 1968 before)
        got = [float(p.dts * p.time_base) for p in c.demux(video=0) if p.size]
    assert len(want) == 55
    _assert_times_kept(got, want, 0.005)
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size * 3 // 4])
    r = run_cli("file", str(cut), "-o", str(tmp_path / "cut.mp4"), "-q")
    assert r.returncode == 3, r.stderr
    m = re.search(r"(\d+) frames written, about (\d+) expected", r.stderr)
    assert m and 40 <= int(m.group(2)) <= 70, r.stderr


def test_non_square_pixels_are_kept(tmp_path):
    """720x576 at 64:45 (16:9 PAL): the outputs said nothing, and played squeezed to 5:4."""
    import av

    src = tmp_path / "pal.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25:duration=0.4,setsar=64/45", "-c:v", "libx264",
            str(src))
    for ext in (".mp4", ".mkv", ".mov"):
        out = tmp_path / f"out{ext}"
        assert run_cli("file", str(src), "-o", str(out), "-q").returncode == 0
        with av.open(str(out)) as c:
            assert c.streams.video[0].sample_aspect_ratio == Fraction(64, 45), ext

def _shape(path) -> tuple[int, int, Fraction]:
    """(width, height, display aspect ratio) of a video file's first stream."""
    import av

    with av.open(str(path)) as c:
        cc = c.streams.video[0].codec_context
        sar = c.streams.video[0].sample_aspect_ratio or Fraction(1)
        return cc.width, cc.height, Fraction(cc.width * sar.numerator, cc.height * sar.denominator)


def test_non_square_pixels_are_shown_in_shape_by_libvpx_outputs(tmp_path):
    """720x576 at 64:45 (16:9 PAL) into .webm, or VP9 into .mkv: libvpx's frames carry no aspect
    ratio and PyAV cannot give it to the Matroska muxer, so the video played squeezed to 5:4
    (with a warning); it is scaled to square pixels, 1024x576, and plays 16:9 (the run says
    so); VP9 into .mp4, which takes the encoder's ratio, keeps the 720x576 pixels."""
    src = tmp_path / "pal.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25:duration=0.2,setsar=64/45", "-c:v", "libx264",
            str(src))
    for name, args, shape in (("out.webm", (), (1024, 576)), ("cut.webm", ("-b", "transparent"), (1024, 576)),
                              ("vp9.mkv", ("--set", "video.codec=libvpx-vp9"), (1024, 576)),
                              ("vp9.mp4", ("--set", "video.codec=libvpx-vp9"), (720, 576))):
        out = tmp_path / name
        r = run_cli("file", str(src), "-o", str(out), *args, "-q")
        assert r.returncode == 0, r.stderr
        assert _shape(out) == (*shape, Fraction(16, 9)), (name, _shape(out))
        said = "non-square pixels (64:45) scaled to square: 720x576 written as 1024x576" in r.stderr
        assert said == (shape == (1024, 576)), (name, r.stderr)
        assert probe(out)["frames"] == 5


@pytest.mark.parametrize("codec, ext", [("ffv1", ".mkv"), ("ffv1", ".avi"), ("prores_ks", ".mkv")])
def test_non_square_pixels_are_shown_in_shape_by_codecs_that_cannot_say_them_in_mkv_or_avi(tmp_path, codec, ext):
    """720x576 at 64:45 (16:9 PAL) with --set video.codec=ffv1 (or ProRes) into .mkv or .avi: those
    videos say no aspect ratio, as libvpx's do not, and PyAV cannot give it to the muxer, so the
    file played squeezed to 5:4, without a word; it is scaled to square pixels, 1024x576, and the
    run says so.  H.264 there keeps the 720x576 pixels (see above)."""
    src = tmp_path / "pal.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25:duration=0.2,setsar=64/45", "-c:v", "libx264",
            str(src))
    out = tmp_path / f"out{ext}"
    r = run_cli("file", str(src), "-o", str(out), "--set", f"video.codec={codec}")
    assert r.returncode == 0, r.stderr
    assert _shape(out) == (1024, 576, Fraction(16, 9)), _shape(out)
    assert "non-square pixels (64:45) scaled to square: 720x576 written as 1024x576" in r.stderr, r.stderr
    assert probe(out)["frames"] == 5


def test_outputs_that_cannot_keep_non_square_pixels_say_so(tmp_path):
    """PNG frames cannot say the pixels are not square: they were written square without a word
    (a 16:9 PAL video shown squeezed to 5:4); a warning says so now, and a square-pixel source
    or an output that keeps the shape says nothing (a .webm: see the test above)."""
    src = tmp_path / "pal.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=0.2,setsar=4/3", "-c:v", "libx264",
            str(src))
    r = run_cli("file", str(src), "-o", f"{tmp_path / 'frames'}/", "-b", "transparent")
    assert r.returncode == 0, r.stderr
    assert "non-square pixels (4:3) written as square" in r.stderr, r.stderr
    for args in (("-o", str(tmp_path / "out.mov"), "-b", "transparent"), ("-o", str(tmp_path / "out.mkv"))):
        r = run_cli("file", str(src), *args)
        assert r.returncode == 0 and "written as square" not in r.stderr, r.stderr
    square = tmp_path / "square.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.2", "-c:v", "libx264", str(square))
    r = run_cli("file", str(square), "-o", str(tmp_path / "square.webm"))
    assert r.returncode == 0 and "non-square" not in r.stderr, r.stderr
    assert _shape(tmp_path / "square.webm")[:2] == (160, 96)


def test_prores_422_for_editors(tmp_path, clips):
    """`--set video.codec=prores_ks -o cut.mov` (an editor's intermediate) was refused: "cannot
    encode yuv420p"; it writes ProRes 422 HQ (yuv422p10le), in the source's colours, its
    frames, timestamps and audio kept; a mask too."""
    import av

    for name in ("prores_ks", "libx264"):
        if name not in av.codecs_available:
            pytest.skip(f"this FFmpeg has no {name}")
    src = clips["audio"]
    ref, out = tmp_path / "ref.mov", tmp_path / "cut.mov"
    assert run_cli("file", str(src), "-o", str(ref), "-q").returncode == 0
    r = run_cli("file", str(src), "-o", str(out), "--set", "video.codec=prores_ks", "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert (v.codec_context.name, v.codec_context.profile, v.format.name) == ("prores", "HQ", "yuv422p10le")
    a, b = probe(ref), probe(out)
    assert (b["frames"], b["audio"]) == (30, ["aac"]) and b["pts"] == pytest.approx(a["pts"], abs=1e-3)

    def first(path):
        with av.open(str(path)) as c:
            return next(c.decode(video=0)).to_ndarray(format="bgr24").astype(np.float32)

    assert np.abs(first(out) - first(ref)).mean() < 3  # (as the H.264 one: no matrix mixed up)
    r = run_cli("file", str(src), "-o", str(tmp_path / "mask.mov"), "-m", "mask", "--set", "video.codec=prores_ks",
                "-q")
    assert r.returncode == 0 and probe(tmp_path / "mask.mov")["frames"] == 30, r.stderr


@pytest.mark.parametrize("codec", ["prores", "prores_aw"])
def test_prores_by_ffmpegs_other_encoder_is_422_hq_too(tmp_path, clips, codec):
    """`--set video.codec=prores -o x.mov` (FFmpeg's prores_aw encoder) wrote ProRes 422 Standard,
    where the README says ProRes is written as 422 HQ (prores_ks writes it); it is HQ too."""
    import av

    if codec not in av.codecs_available:
        pytest.skip(f"this FFmpeg has no {codec}")
    out = tmp_path / "cut.mov"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", f"video.codec={codec}", "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert (v.codec_context.name, v.codec_context.profile, v.format.name) == ("prores", "HQ", "yuv422p10le")
    assert probe(out)["frames"] == 20


def test_prores_422_keeps_an_odd_height(tmp_path):
    """ProRes 422 (4:2:2) needs an even width only: a 321x241 video lost its last row as 4:2:0
    video does, said as '4:2:0 video needs even sides'; it keeps its 241 rows."""
    import av

    if "prores_ks" not in av.codecs_available:
        pytest.skip("this FFmpeg has no prores_ks")
    src = tmp_path / "odd.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=0.2", "-vf", "scale=321:241",
            "-c:v", "ffv1", str(src))
    out = tmp_path / "odd.mov"
    r = run_cli("file", str(src), "-o", str(out), "--set", "video.codec=prores_ks", "-q")
    assert r.returncode == 0, r.stderr
    assert "frames 321x241 written as 320x241 (4:2:2 video needs an even width" in r.stderr, r.stderr
    with av.open(str(out)) as c:
        assert (c.streams.video[0].codec_context.width, c.streams.video[0].codec_context.height) == (320, 241)
    assert probe(out)["frames"] == 5


@pytest.mark.parametrize("codec", ["qtrle", "png"])
def test_an_opaque_mov_of_qtrle_or_png_is_written_in_rgb(tmp_path, codec):
    """`-o y.mov -b green --set video.codec=qtrle` (or png), which store RGB, was refused: "cannot
    encode yuv420p (it takes rgb24, ...)", though a transparent .mov takes them; the video is
    written in RGB, every pixel kept (an odd size too), the frames those of PNG frames."""
    import av

    if codec not in av.codecs_available:
        pytest.skip(f"this FFmpeg has no {codec}")
    src = make_clip(tmp_path / "odd.mp4", w=65, h=49, n=3, pix_fmt="yuv444p")
    out, frames = tmp_path / "cut.mov", tmp_path / "frames"
    r = run_cli("file", str(src), "-o", str(out), "-b", "green", "--set", f"video.codec={codec}", "-q")
    assert r.returncode == 0, r.stderr
    assert "written as" not in r.stderr, r.stderr
    assert run_cli("file", str(src), "-o", f"{frames}/", "-b", "green", "-q").returncode == 0
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert (v.codec_context.name, v.codec_context.pix_fmt) == (codec, "rgb24")
        got = [f.to_ndarray(format="bgr24") for f in c.decode(v)]
    ref = [cv2.imread(str(f)) for f in sorted(frames.glob("*.png"))]
    assert len(got) == len(ref) == 3
    for a, b in zip(got, ref):
        assert a.shape == b.shape == (49, 65, 3) and np.array_equal(a, b)


def test_a_turned_odd_sized_videos_size_is_said_as_shown(tmp_path):
    """'livecut file portrait.mkv -o cut.mp4' of a VP9 video stored 65x49, shown 49x65 (display
    rotation 90) warned 'frames 65x49 written as 64x48', the stored sizes, where the picture seen
    and the output shown are 49x65 and 48x64 (an .avi, written upright, said so). It says the
    sizes shown, as an .avi does."""
    src = make_clip(tmp_path / "portrait.mkv", w=65, h=49, n=3, codec="libvpx-vp9", rotation=90)
    for ext in ("mp4", "avi"):
        r = run_cli("file", str(src), "-o", str(tmp_path / f"cut.{ext}"), "-q")
        assert r.returncode == 0, r.stderr
        assert "frames 49x65 written as 48x64 (4:2:0 video needs even sides" in r.stderr, (ext, r.stderr)
    assert probe(tmp_path / "cut.mp4")["rotation"] == 90


def test_an_odd_size_is_said_with_a_way_that_keeps_it(tmp_path):
    """A 321x241 video written as an opaque .mov (H.264, or ProRes 422) lost a column and a row
    and said '.mov ProRes 4444 or DIR/ keep every pixel': the .mov it was writing; ProRes 4444
    is only a transparent output's.  An opaque output says DIR/ keeps them (and a transparent
    .mov, for -m cutout); a transparent .webm's still says .mov ProRes 4444."""
    src = tmp_path / "odd.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=0.2", "-vf", "scale=321:241",
            "-c:v", "ffv1", str(src))
    r = run_cli("file", str(src), "-o", str(tmp_path / "odd.mov"), "-q")
    assert r.returncode == 0, r.stderr
    said = [line for line in r.stderr.splitlines() if "written as 320x240" in line]
    assert said and ".mov ProRes 4444 or" not in said[0] and "DIR/" in said[0], r.stderr
    r = run_cli("file", str(src), "-o", str(tmp_path / "odd.webm"), "-m", "cutout", "-q")
    assert r.returncode == 0, r.stderr
    assert ".mov ProRes 4444 or DIR/ keep every pixel" in r.stderr, r.stderr


@pytest.mark.parametrize("mode", ["composite", "cutout"])
def test_ffv1_keeps_an_odd_size(tmp_path, mode):
    """FFV1 stores 4:2:0 video of any size: a 321x241 video written to .mkv with
    video.codec=ffv1 (opaque, or with its alpha) lost its last column and row all the same,
    '4:2:0 video needs even sides'; it keeps every pixel, and the odd size's line names it."""
    import av

    src = tmp_path / "odd.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=0.2", "-vf", "scale=321:241",
            "-c:v", "ffv1", str(src))
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(src), "-o", str(out), "-m", mode, "--set", "video.codec=ffv1", "-q")
    assert r.returncode == 0, r.stderr
    assert "written as" not in r.stderr, r.stderr
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="bgra") for f in c.decode(video=0)]
    assert len(frames) == 5 and frames[0].shape == (241, 321, 4)
    assert frames[2][-1].mean() > 40  # (the last row is the picture's, not padding)
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"), "-q")
    assert "written as 320x240" in r.stderr and ".mkv with video.codec=ffv1 keep every pixel" in r.stderr


def test_a_codec_only_avi_holds_is_said_so(tmp_path, clips):
    """Ut Video into .mkv (or .mov, .mp4) was refused with "write .mkv, or use libx264", .mkv
    being the very output refused: the types that take it are said (.avi)."""
    import av

    if "utvideo" not in av.codecs_available:
        pytest.skip("this FFmpeg has no utvideo encoder")
    for ext in (".mkv", ".mov"):
        r = run_cli("file", str(clips["plain"]), "-o", str(tmp_path / f"o{ext}"), "--set", "video.codec=utvideo")
        assert r.returncode == 2 and f"a {ext} file cannot hold it" in r.stderr, r.stderr
        assert r.stderr.rstrip().endswith("; write .avi, or use libx264"), r.stderr
    r = run_cli("file", str(clips["plain"]), "-o", str(tmp_path / "o.avi"), "--set", "video.codec=utvideo", "-q")
    assert r.returncode == 0, r.stderr


def test_an_encoder_that_cannot_take_the_output_is_refused(tmp_path, clips):
    # (GIF takes palettes and 8-bit RGB of 3:3:2, neither YUV nor 24-bit RGB; PNG, here before, is written as RGB)
    r = run_cli("file", str(clips["plain"]), "-o", str(tmp_path / "o.mov"), "--set", "video.codec=gif")
    assert r.returncode == 2 and "cannot encode yuv420p" in r.stderr, r.stderr
    # a codec the container cannot hold is a setting too (it was "encoder 'libx265' unavailable", exit 1)
    r = run_cli("file", str(clips["plain"]), "-o", str(tmp_path / "o.avi"), "--set", "video.codec=libx265")
    assert r.returncode == 2 and "a .avi file cannot hold it" in r.stderr, r.stderr
    assert "write .mkv or .mov or .mp4, or use libx264" in r.stderr, r.stderr
    assert not (tmp_path / "o.avi").exists() and not list(tmp_path.glob(".o.avi*"))
    out = tmp_path / "o.avi"  # MJPEG of limited-range video (it failed: 'Invalid argument')
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=mjpeg", "-q")
    assert r.returncode == 0 and probe(out)["codec"] == "mjpeg", r.stderr


@pytest.mark.parametrize("codec,name", [("libvpx-vp9", "VP9"), ("libvpx", "VP8")])
def test_a_codec_mov_cannot_hold_is_refused_up_front(tmp_path, clips, codec, name):
    """FFmpeg's MOV muxer takes VP8/VP9/AV1 as a stream and refuses them at the header: it was
    "write failed" or "finishing the file failed (Invalid argument)", exit 1, the reason
    ("vp9 only supported in MP4") only in FFmpeg's log."""
    out = tmp_path / "o.mov"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", f"video.codec={codec}")
    assert r.returncode == 2 and f"a .mov file cannot hold {name}" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists() and not list(tmp_path.glob(".o.mov*"))


def test_an_encoder_that_refuses_the_frame_size_is_a_usage_error(tmp_path):
    """--set video.codec=h263 at a size H.263 does not have (320x240; it takes 128x96, 176x144,
    352x288, 704x576, 1408x1152) was "write failed (Invalid argument)", exit 1, at the first
    frame: the encoder is opened with the output's size before the run, and its refusal is a
    setting's, exit 2, with H.263's sizes."""
    import av

    from conftest import make_clip

    if "h263" not in av.codecs_available:
        pytest.skip("this FFmpeg has no h263 encoder")
    src = make_clip(tmp_path / "c.mp4", w=320, h=240, n=4)
    out = tmp_path / "o.avi"
    r = run_cli("file", str(src), "-o", str(out), "--set", "video.codec=h263")
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "video.codec 'h263'" in lines[0] and "320x240" in lines[0], r.stderr
    assert "352x288" in lines[0] and "write failed" not in lines[0], r.stderr
    assert not out.exists() and not list(tmp_path.glob(".o.avi*"))
    good = make_clip(tmp_path / "g.mp4", w=352, h=288, n=4)  # (one of its sizes: written)
    r = run_cli("file", str(good), "-o", str(out), "--set", "video.codec=h263", "-q")
    assert r.returncode == 0 and probe(out)["codec"] == "h263" and probe(out)["frames"] == 4, r.stderr


def test_a_panorama_longer_than_x264_takes_is_a_usage_error(tmp_path):
    """A 16400x100 clip into .mp4 (libx264, which takes at most 16384 pixels a side) was "cannot
    open encoder 'libx264' (Generic error in an external library)", exit 1: it is the size's
    refusal, exit 2, naming the limit and encoders that take it; libvpx-vp9 writes it."""
    src = make_clip(tmp_path / "pano.mkv", w=16400, h=100, n=2, codec="ffv1")
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "16400x100" in lines[0] and "at most 16384 pixels a side" in lines[0], r.stderr
    assert "external library" not in lines[0], r.stderr
    assert not out.exists() and not list(tmp_path.glob(".o.mp4*"))
    r = run_cli("file", str(src), "-o", str(out), "-q", "--set", "video.codec=libvpx-vp9")
    assert r.returncode == 0 and probe(out)["frames"] == 2, r.stderr


def test_a_path_that_begins_with_the_redirected_inputs_is_said_whole(tmp_path, clips):
    """`livecut file - < clip.mp4` names the input "-" in its messages: every occurrence of the
    file's path was replaced, also inside a longer path -- a background clip.mp4.mkv that could
    not be read was said as "background video: -.mkv: the file is empty"."""
    clip = tmp_path / "clip.mp4"
    shutil.copy(clips["plain"], clip)
    bg = tmp_path / "clip.mp4.mkv"
    bg.write_bytes(b"")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with open(clip, "rb") as fh:
        r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "o.mp4"),
                            "-b", f"video:{bg}"], stdin=fh, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and f"background video: {bg}: the file is empty" in r.stderr, r.stderr
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video" * 100)
    with open(bad, "rb") as fh:  # (the input itself is still said as "-")
        r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "o.mp4")],
                           stdin=fh, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and "error: -: a text file, not a video" in r.stderr, r.stderr
    assert str(bad) not in r.stderr


@pytest.mark.parametrize("link", [False, True])
def test_an_output_that_is_the_redirected_input_is_refused_by_its_own_name(tmp_path, clips, link):
    """`livecut file - -o clip.mp4 --force < clip.mp4` (or -o a link to it) is refused, the input
    left as it was; the line named neither file the user gave: "-: is an input; refusing to write
    over it" (the output's name, the redirected input's path, said as the piped input's "-")."""
    clip = tmp_path / "clip.mp4"
    shutil.copy(clips["plain"], clip)
    before = clip.read_bytes()
    out = clip
    if link:
        out = tmp_path / "link.mp4"
        out.symlink_to(clip)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with open(clip, "rb") as fh:
        r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(out), "--force", "-q"],
                           stdin=fh, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines() == [f"livecut: error: {out}: is the input (standard input is redirected from it); "
                                     "refusing to write over it"], r.stderr
    assert clip.read_bytes() == before and out.resolve() == clip


def test_a_background_that_is_the_redirected_input_keeps_its_own_name(tmp_path):
    """`livecut file - -b image:anim.gif < anim.gif`: the piped input's file is named "-" in the
    run's messages, and so was the background, the same file: "background -: an animated GIF of
    5 frames; only the first is used (-b video:- plays it)".  The background keeps its name."""
    gif = tmp_path / "anim.gif"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=0.5", str(gif))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for named in ("anim.gif", str(gif)):
        with open(gif, "rb") as fh:
            r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", "o.mp4", "-f",
                                "-b", f"image:{named}"], stdin=fh, capture_output=True, text=True, env=env,
                               timeout=60, cwd=str(tmp_path))
        assert r.returncode == 0, r.stderr
        assert f"warning: background {named}: an animated GIF of 5 frames" in r.stderr, r.stderr
        assert f"-b video:{named} plays it" in r.stderr and "background -" not in r.stderr, r.stderr
        assert r.stderr.strip().splitlines()[-1].startswith("- -> o.mp4: "), r.stderr  # (the input: "-")


def test_a_codec_refused_is_not_sent_to_a_type_that_refuses_it_too(tmp_path, clips):
    """VP8 into .mp4 was refused with "write .mkv or .mov or .avi": the .mov suggested refuses
    VP8 as well, at its header ("a .mov file cannot hold VP8"); so for VP9 and AV1 into .m4v.
    The types suggested are those that write it."""
    import av

    if "libvpx" not in av.codecs_available:
        pytest.skip("this FFmpeg has no libvpx (VP8)")
    r = run_cli("file", str(clips["plain"]), "-o", str(tmp_path / "o.mp4"), "--set", "video.codec=libvpx")
    assert r.returncode == 2 and "a .mp4 file cannot hold it" in r.stderr, r.stderr
    assert r.stderr.rstrip().endswith("; write .mkv or .avi, or use libx264"), r.stderr
    r = run_cli("file", str(clips["plain"]), "-o", str(tmp_path / "o.m4v"), "--set", "video.codec=libvpx-vp9")
    assert r.returncode == 2 and "a .m4v file cannot hold it" in r.stderr and ".mov" not in r.stderr, r.stderr


def test_raw_video_in_a_mov_is_refused_up_front(tmp_path, clips):
    """rawvideo into .mov (yuv420p: QuickTime has no tag for it) ended with exit 0 and a file
    no player or FFmpeg could decode ("Invalid pixel format"), FFmpeg's "output file will be
    unreadable" only in its log.  It is refused as any codec the type cannot hold; .mkv and
    .avi take it."""
    out = tmp_path / "o.mov"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=rawvideo")
    assert r.returncode == 2 and "a .mov file cannot hold raw yuv420p video" in r.stderr, r.stderr
    assert r.stderr.rstrip().endswith("; write .mkv or .avi, or use libx264"), r.stderr
    assert not out.exists() and not list(tmp_path.glob(".o.mov*"))
    out = tmp_path / "o.avi"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=rawvideo", "-q")
    assert r.returncode == 0 and probe(out)["codec"] == "rawvideo", r.stderr


def test_vc2_is_written_at_its_own_quality_in_every_type(tmp_path, clips):
    """video.codec=vc2 (SMPTE VC-2, FFmpeg's dirac) failed in every type, "write failed (Invalid
    argument)", exit 1: PyAV leaves the bit rate at 0, which VC-2's rate control shares out among
    the frames.  Given FFmpeg's default, a .mkv's frames (on the input's fine time base, where
    VC-2 takes a frame a tick) came out flat gray; each type's frames are now the picture, as
    the lossless libx264 output's are (VC-2's own round trip is ~7 levels off; gray was ~120)."""
    import av

    if "vc2" not in av.codecs_available:
        pytest.skip("this FFmpeg has no vc2 encoder")

    def fifth(path):
        with av.open(str(path)) as c:
            for k, f in enumerate(c.decode(video=0)):
                if k == 5:
                    return f.to_ndarray(format="bgr24").astype(np.int16)

    ref = tmp_path / "ref.mkv"
    assert run_cli("file", str(clips["plain"]), "-o", str(ref), "--set", "video.crf=0", "-q").returncode == 0
    for ext in (".mkv", ".mov", ".avi"):
        out = tmp_path / f"o{ext}"
        r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=vc2", "-q")
        assert r.returncode == 0, (ext, r.stderr)
        assert probe(out)["codec"] == "dirac" and probe(out)["frames"] == 20, ext
        assert np.abs(fifth(out) - fifth(ref)).mean() < 15, ext


def test_realvideo_into_a_mkv_is_refused_up_front(tmp_path, clips):
    """video.codec=rv10 or rv20 into .mkv: "write failed (Not yet implemented in FFmpeg, patches
    welcome)", exit 1 -- Matroska's muxer takes the stream and refuses it at the header.  Refused
    up front now, exit 2, no type suggested where none of livecut's holds it."""
    import av

    for codec in ("rv10", "rv20"):
        if codec not in av.codecs_available:
            continue
        out = tmp_path / "o.mkv"
        r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", f"video.codec={codec}")
        assert r.returncode == 2, r.stderr
        assert f"a .mkv file cannot hold {codec.upper()}; use libx264" in r.stderr, r.stderr
        assert not out.exists() and not list(tmp_path.glob(".o.mkv*"))


@pytest.mark.parametrize("ext", [".mkv", ".mp4"])
def test_mpeg4_takes_a_source_of_a_fine_time_base(tmp_path, ext):
    """MPEG-4 Part 2 (video.codec=mpeg4, which livecut's own messages suggest) stores its time
    base in 16 bits: an MPEG-TS recording's 1/90000 (a camcorder's .mts, a TV recording) failed
    at the first frame, "write failed (Invalid argument)", exit 1.  It is written on a coarser
    base that holds the source's ticks (1/45000), every frame at its time."""
    src = tmp_path / "in.ts"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.6", "-c:v", "libx264", str(src))
    out = tmp_path / f"out{ext}"
    r = run_cli("file", str(src), "-o", str(out), "--set", "video.codec=mpeg4", "-q")
    assert r.returncode == 0, r.stderr
    a, b = probe(src), probe(out)
    assert b["codec"] == "mpeg4" and b["frames"] == a["frames"] == 15 and b["fps"] == 25, b


@pytest.mark.parametrize("codec", ["mpeg2video", "mpeg1video"])
def test_mpeg_1_and_2_get_a_frame_rate_they_store(tmp_path, clips, codec):
    """MPEG-1/2 take 1 / time base as the frame rate: the input's (1/12800, 1/1000) was
    refused ("MPEG-1/2 does not support 1000/1 fps"), "write failed", exit 1, whatever the
    input.  The frames keep their times (to the frame); a rate the codec cannot store is one
    line, exit 2."""
    src = tmp_path / "in.mkv"  # (Matroska: a 1/1000 time base)
    _ffmpeg("-i", str(clips["audio"]), "-c", "copy", str(src))
    out = tmp_path / "o.mkv"
    r = run_cli("file", str(src), "-o", str(out), "--set", f"video.codec={codec}", "-q")
    assert r.returncode == 0, r.stderr
    a, b = probe(src), probe(out)
    assert b["codec"] == codec and b["frames"] == a["frames"] and b["fps"] == 25 and b["audio"] == a["audio"]
    # (on the frame grid: the first frame, 0.064 s after the audio's start, moves to the nearest tick)
    assert np.allclose(b["pts"], a["pts"], atol=0.5 / 25 + 1e-6), (a["pts"], b["pts"])
    assert np.allclose(np.diff(b["pts"]), 1 / 25), b["pts"]
    seven = tmp_path / "7fps.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=7:duration=0.5", "-c:v", "libx264", str(seven))
    r = run_cli("file", str(seven), "-o", str(tmp_path / "o7.mkv"), "--set", f"video.codec={codec}")
    assert r.returncode == 2 and f"video.codec '{codec}': cannot store 7 fps" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_a_hardware_encoder_without_its_device_is_said(tmp_path, clips):
    """h264_nvenc on a machine without an NVIDIA GPU: it was "write failed (Operation not
    permitted)" at the first frame; the encoder is now opened with the file and named."""
    skip_unless_nvenc_without_its_device(320, 180)
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", "video.codec=h264_nvenc")
    assert r.returncode == 1, r.stderr
    assert "encoder 'h264_nvenc' unavailable: a hardware encoder whose device is missing" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists() and not list(tmp_path.glob(".o.mp4*"))


def test_a_video_piped_into_stdin(clips, tmp_path):
    """`... | livecut file - -o out.mp4`: there was no video input from a pipe.  An MP4 (its
    index at the end: a format that must seek) with audio comes out whole, and the summary
    names the input '-'; an empty pipe is one line, exit 2; no copy of the pipe is left."""
    spool = tmp_path / "tmp"  # (its own temporary folder: /tmp's spools are other runs' to make and sweep)
    spool.mkdir()
    src = clips["audio"]
    out = tmp_path / "out.mp4"
    env = dict(os.environ, PYTHONPATH=str(REPO), TMPDIR=str(spool))
    r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(out)], input=src.read_bytes(),
                       capture_output=True, env=env, timeout=120)
    err = r.stderr.decode()
    assert r.returncode == 0, err
    a, b = probe(src), probe(out)
    assert b["frames"] == a["frames"] and b["audio"] == ["aac"] and b["audio_packets"] == a["audio_packets"]
    assert err.strip().splitlines()[-1].startswith(f"- -> {out}:")
    r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "e.mp4")], input=b"",
                       capture_output=True, env=env, timeout=60)
    assert r.returncode == 2 and "standard input was empty" in r.stderr.decode()
    assert not list(spool.glob("livecut-stdin-*"))


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd")
def test_a_video_piped_in_takes_a_configuration_given_through_a_pipe(clips, tmp_path):
    """`livecut file - -c <(...)`, as the refusal of -c /dev/stdin advises: the configuration was
    read twice, the second time from the pipe already read, empty: the defaults were used without
    a word (composite.mode = "mask" wrote composites).  It is read once, and used."""
    r_fd, w_fd = os.pipe()
    os.write(w_fd, b'[composite]\nmode = "mask"\n')
    os.close(w_fd)
    out = tmp_path / "frames"
    try:
        r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", f"{out}/", "-n", "2",
                            "-c", f"/dev/fd/{r_fd}"], input=clips["plain"].read_bytes(), capture_output=True,
                           env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120, pass_fds=(r_fd,))
    finally:
        os.close(r_fd)
    assert r.returncode == 0, r.stderr.decode()
    frames = sorted(out.glob("*.png"))
    assert len(frames) == 2
    assert cv2.imread(str(frames[0]), cv2.IMREAD_UNCHANGED).ndim == 2  # (a mask: one channel)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc (Linux)")
def test_standard_input_redirected_from_a_file_is_read_in_place(clips, tmp_path, monkeypatch):
    """`livecut file - -o out.mp4 < big.mov` copied the whole file to the temporary folder
    first (and waited for the copy); a regular file on standard input, at its start, is read
    where it is: no copy made, the same output as `livecut file big.mov`.  One read from
    partway (after `head -c`) is copied from there, as a pipe is; a pipe is copied."""
    import tempfile

    import av

    import livecut.sources.stdin as stdin_mod

    src = clips["audio"]

    def no_copy(*a, **k):
        raise AssertionError("standard input was copied")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with monkeypatch.context() as m:
        m.setattr(stdin_mod.tempfile, "mkstemp", no_copy)
        with open(src, "rb") as stream, stdin_mod.spooled_stdin(stream) as path:
            assert os.path.samefile(path, src)
    assert src.exists()  # (not removed as a copy is)
    with open(src, "rb") as stream:
        stream.read(100)
        with stdin_mod.spooled_stdin(stream) as path:
            assert path.name.startswith(stdin_mod.SPOOL_PREFIX) and path.read_bytes() == src.read_bytes()[100:]
    rd, wr = os.pipe()
    os.write(wr, b"video")
    os.close(wr)
    with open(rd, "rb") as stream, stdin_mod.spooled_stdin(stream) as path:
        assert path.name.startswith(stdin_mod.SPOOL_PREFIX) and path.read_bytes() == b"video"
    assert sorted(tmp_path.iterdir()) == []
    env = dict(os.environ, PYTHONPATH=str(REPO))
    outs = []
    for arg in ("-", str(src)):
        out = tmp_path / f"out{len(outs)}.mkv"
        with open(src, "rb") as stdin:
            r = subprocess.run([sys.executable, "-m", "livecut", "file", arg, "-o", str(out), "--set", "video.crf=0"],
                               stdin=stdin, capture_output=True, env=env, timeout=120)
        err = r.stderr.decode()
        assert r.returncode == 0, err
        assert err.strip().splitlines()[-1].startswith(f"{arg} -> {out}:")
        with av.open(str(out)) as c:
            outs.append([f.to_ndarray() for f in c.decode(video=0)])
    assert len(outs[0]) == len(outs[1]) == probe(src)["frames"]
    assert all(np.array_equal(a, b) for a, b in zip(*outs))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd") or not hasattr(os, "fork"), reason="needs /proc, fork")
def test_standard_input_from_a_file_its_name_does_not_open_is_copied():
    """`sudo -u USER livecut file - -o out.mp4 < clip.mov`, systemd's StandardInput=file:...: the
    file was opened by another user (the shell), and this one reads it through standard input
    but cannot open it by its name.  It was read in place, by that name (its stat() was the
    file's): 'Permission denied', where the copy made before worked.  Such a file is copied."""
    import tempfile

    import livecut.sources.stdin as stdin_mod

    data = b"video" * 1000
    folder = Path(tempfile.mkdtemp())  # (not below tmp_path, whose folders root alone may enter)
    try:
        os.chmod(folder, 0o711)  # (the name is there, stat() sees the file; open() is refused)
        src = folder / "clip.mkv"
        src.write_bytes(data)
        os.chmod(src, 0o600)

        def check(stream) -> str:
            try:
                if stdin_mod.regular_file(stream) is not None:
                    return "read by its name"
                with stdin_mod.spooled_stdin(stream) as path:
                    return "ok" if path.read_bytes() == data else "another copy"
            except Exception as exc:  # noqa: BLE001
                return repr(exc)

        with open(src, "rb") as stream:
            if os.geteuid() != 0:
                os.chmod(src, 0)
                said = check(stream)
            else:  # (root opens any file: checked as another user, the file opened before)
                rd, wr = os.pipe()
                pid = os.fork()
                if pid == 0:
                    try:
                        os.setegid(65534)
                        os.seteuid(65534)
                        os.write(wr, check(stream).encode())
                    finally:
                        os._exit(0)
                os.close(wr)
                os.waitpid(pid, 0)
                with open(rd, "rb") as fh:
                    said = fh.read().decode()
        assert said == "ok", said
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.isdir("/proc/self/fd"), reason="needs mkfifo, /proc")
def test_a_pipe_given_by_name_points_to_livecut_file_dash(clips, tmp_path):
    """`cat in.mp4 | livecut file /dev/stdin -o out.mp4` said '/dev/stdin: is a FIFO (named
    pipe), not a regular video file' -- no pipe of the user's was named, and the way that reads
    a pipe, `livecut file -`, unsaid; a named pipe (mkfifo) given likewise.  One line each that
    says what it is and gives the command, exit 2, the pipe not read."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = tmp_path / "out.mp4"
    r = subprocess.run([sys.executable, "-m", "livecut", "file", "/dev/stdin", "-o", str(out), "-q"],
                       stdin=subprocess.PIPE, capture_output=True, env=env, timeout=60)
    assert r.returncode == 2, r.stderr
    assert r.stderr.decode().splitlines() == ["livecut: error: /dev/stdin: is standard input (a pipe), not a regular "
                                              "video file; `livecut file -` reads a video piped in: livecut file - "
                                              "-o OUTPUT"], r.stderr
    fifo = tmp_path / "cap.mp4"
    os.mkfifo(fifo)
    r = subprocess.run([sys.executable, "-m", "livecut", "file", str(fifo), "-o", str(out), "-q"],
                       stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=60)
    assert r.returncode == 2, r.stderr
    assert r.stderr.decode().splitlines() == [f"livecut: error: {fifo}: is a FIFO (named pipe), not a regular video "
                                              "file; `livecut file -` reads a video piped in: livecut file - -o "
                                              f"OUTPUT < {fifo}"], r.stderr
    assert not out.exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /dev/fd, /proc (Linux)")
def test_a_process_substitution_as_input_is_not_told_to_be_redirected_by_its_name(tmp_path):
    """`livecut file <(curl ...) -o out.mp4` (the shell gives /dev/fd/63, a pipe) said
    '/dev/fd/63: is a FIFO (named pipe) ...: livecut file - -o OUTPUT < /dev/fd/63', a command
    that fails ('No such file'): the descriptor is the shell's for that one command.  It is said
    as a pipe, with the way that reads one, and no redirection of its name."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = tmp_path / "out.mp4"
    rd, wr = os.pipe()
    try:
        r = subprocess.run([sys.executable, "-m", "livecut", "file", f"/dev/fd/{rd}", "-o", str(out), "-q"],
                           stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=60, pass_fds=(rd,))
    finally:
        os.close(rd)
        os.close(wr)
    assert r.returncode == 2, r.stderr
    assert r.stderr.decode().splitlines() == [f"livecut: error: /dev/fd/{rd}: is a pipe (file descriptor {rd}, as "
                                              "<(...) gives), not a regular video file; `livecut file -` reads a "
                                              "video piped in: livecut file - -o OUTPUT"], r.stderr
    assert not out.exists()


@pytest.mark.parametrize("what", ["input", "background"])
def test_standard_output_appending_to_an_input_is_refused(tmp_path, what):
    """`livecut file rec.mkv -o - >> rec.mkv` (a slip for > out.mkv, or a script's log
    redirection) wrote the stream into the file being read: its own output read back as input
    (an MPEG-TS or NUT recording: 'its timestamps jump', frames of its own output cut again,
    or 'finishing the stream failed'), the input grown and damaged, where -o rec.mkv is refused
    as an input; refused before anything is written, exit 2, the input left as it was (a
    video background too)."""
    src = make_clip(tmp_path / "rec.mkv", w=96, h=64, n=5)
    bg = make_clip(tmp_path / "bg.mkv", w=96, h=64, n=5, seed=1)
    target = src if what == "input" else bg
    before = target.read_bytes()
    with open(target, "ab") as out:
        r = subprocess.run([sys.executable, "-m", "livecut", "file", str(src), "-o", "-", "-b", f"video:{bg}", "-q"],
                           stdout=out, stderr=subprocess.PIPE, text=True, timeout=60, cwd=str(REPO),
                           env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines() == [f"livecut: error: -o -: standard output is {target}, an input; refusing to "
                                     "write over it"], r.stderr
    assert target.read_bytes() == before


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc (Linux)")
@pytest.mark.parametrize("output", ["file", "stdout"])
def test_an_output_over_the_file_standard_input_reads_names_that_file(tmp_path, output):
    """`livecut file - -o /abs/rec.mkv --force < /abs/rec.mkv` said '-: is an input; refusing to
    write over it', and `livecut file - -o - < rec.mkv >> rec.mkv` '-o -: standard output is -,
    an input': the file standard input reads in place was said as '-' wherever its name stood,
    the output's too, as if standard output or a typo were refused.  The output is named as
    given (by its path), as where the input is named; refused, exit 2, the file left as it was."""
    src = make_clip(tmp_path / "rec.mkv", w=96, h=64, n=5)
    before = src.read_bytes()
    args = ["-o", str(src), "--force"] if output == "file" else ["-o", "-"]
    with open(src, "rb") as stdin, open(src, "ab") as stdout:
        r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", *args, "-q"], stdin=stdin,
                           stdout=stdout if output == "stdout" else subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, timeout=60, cwd=str(REPO), env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 2, r.stderr
    said = (f"{src}: is the input (standard input is redirected from it); refusing to write over it"
            if output == "file"
            else f"-o -: standard output is {src}, an input; refusing to write over it")
    assert r.stderr.splitlines() == [f"livecut: error: {said}"], r.stderr
    assert src.read_bytes() == before


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /dev/stdin, /proc (Linux)")
@pytest.mark.parametrize("command", ["file", "batch", "batch-named"])
def test_a_configuration_on_standard_input_beside_a_reader_of_it_is_refused(tmp_path, command):
    """`... | livecut file - -c /dev/stdin` (or `batch --list - -c /dev/stdin`): both read the one
    standard input, the configuration first -- 'standard input was empty (no video was piped
    in)' after a TOML was piped, '/dev/stdin: invalid TOML: not UTF-8 text' after a video, a
    list of paths an 'invalid TOML' -- each saying the other's fault; one line saying that
    standard input carries the video (the list), exit 2, nothing read.  The list named by its
    name, `--list /dev/stdin`, likewise (it was read twice)."""
    args = (["file", "-", "-o", str(tmp_path / "o.mp4")] if command == "file"
            else ["batch", "--list", "-" if command == "batch" else "/dev/stdin", "-o", str(tmp_path / "cut")])
    r = subprocess.run([sys.executable, "-m", "livecut", *args, "-c", "/dev/stdin", "-q"], input=b'preset = "fast"\n',
                       capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60, cwd=str(REPO))
    what = ("the video (INPUT -)" if command == "file" else "the list of inputs (--list -)" if command == "batch"
            else "the list of inputs (--list /dev/stdin)")
    assert r.returncode == 2, r.stderr
    assert r.stderr.decode().splitlines() == [f"livecut: error: -c /dev/stdin: standard input carries {what}; give "
                                              "the configuration in a file, or -c <(...)"], r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_livecut_run_of_standard_input_names_livecut_file(tmp_path):
    """`... | livecut run - -o out.mp4` (run takes "anything else" as a file) said '-: no such
    file', where `livecut file -` reads a video piped in (and image and batch say what they
    read); one line naming `livecut file -`, exit 2, the pipe not read; a file named '-' is read."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "livecut", "run", "-", "-o", str(tmp_path / "out.mp4"), "-q"]
    r = subprocess.run(cmd, input=b"", capture_output=True, env=env, timeout=60, cwd=tmp_path)
    lines = r.stderr.decode().strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1, lines
    assert "`livecut file -`" in lines[0] and "no such file" not in lines[0], lines
    assert not (tmp_path / "out.mp4").exists()
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.2", "-c:v", "libx264",
            str(tmp_path / "-.mp4"))
    os.rename(tmp_path / "-.mp4", tmp_path / "-")
    r = subprocess.run(cmd, capture_output=True, env=env, timeout=60, cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "out.mp4").is_file(), r.stderr.decode()


def test_a_piped_inputs_warnings_name_it_as_the_summary_does(tmp_path):
    """A warning about a piped input named its temporary copy ('livecut-stdin-123-ab-x1y2: has
    2 video streams ... ffmpeg -i livecut-stdin-... -c copy livecut-stdin-...-1.mkv'), a name
    the user never gave; it names the input '-', as the summary line and errors do."""
    src = tmp_path / "two.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.2", "-f", "lavfi", "-i",
            "testsrc=size=320x192:rate=25:duration=0.2", "-map", "0:v", "-map", "1:v", "-c:v", "libx264",
            "-disposition:v", "0", str(src))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "out.mp4")],
                       input=src.read_bytes(), capture_output=True, env=env, timeout=120)
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert "livecut-stdin" not in err
    assert "warning: - has 2 video streams" in err and "ffmpeg -i - -map 0:0 -map '0:a?' -c copy piped-0.mkv" in err


def _signalled_while_stdin_is_copied(tmp_path, sig, **popen) -> tuple[int, str]:
    """`livecut file -` sent ``sig`` while it copied a pipe that stays open, in its own temporary
    folder (/tmp's spools are other runs' to make and sweep): its exit status and stderr, the copy
    checked gone."""
    import time

    spool = tmp_path / "tmp"
    spool.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO), TMPDIR=str(spool))
    p = subprocess.Popen([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "o.mp4")],
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env, **popen)
    try:
        p.stdin.write(b"\x1aE\xdf\xa3" + bytes(100000))  # (a pipe that stays open)
        p.stdin.flush()
        deadline = time.time() + 30
        while time.time() < deadline and not list(spool.glob("livecut-stdin-*")):
            time.sleep(0.05)
        time.sleep(0.3)
        p.send_signal(sig)
        err = p.communicate(timeout=30)[1].decode()
    finally:
        if p.poll() is None:
            p.kill()
    assert not list(spool.glob("livecut-stdin-*"))
    return p.returncode, err


def test_a_signal_while_stdin_is_read_leaves_no_copy(tmp_path):
    import signal

    code, err = _signalled_while_stdin_is_copied(tmp_path, signal.SIGTERM)
    assert code == 143 and "stopped by SIGTERM" in err, (code, err)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX signals")
@pytest.mark.parametrize("name", ["SIGQUIT", "SIGUSR1"])
def test_a_killing_signal_while_stdin_is_read_leaves_no_copy(tmp_path, name):
    """Ctrl-\\ (SIGQUIT) or a ``kill -USR1`` while the pipe was copied killed livecut, as they
    do, and left the copy (a whole video, in a tmpfs: in memory) in the temporary folder until
    the next `livecut file -`. It is removed first; the process still ends by the signal."""
    import signal

    sig = getattr(signal, name)
    code, err = _signalled_while_stdin_is_copied(tmp_path, sig, cwd=str(tmp_path), preexec_fn=killable_without_core)
    assert code == -sig, (code, err)


@pytest.mark.parametrize("flags,said,code", [
    (("--preview",), "the preview window (--preview) needs a display", 2),
    (("--vcam-device", "/dev/video63"), "no virtual camera /dev/video63 available (no such device)", 1)])
def test_stdin_runs_refuse_a_missing_display_or_virtual_camera_before_the_pipe_ends(tmp_path, flags, said, code):
    """`ffmpeg ... | livecut file - --preview` (or --vcam) without a display (or with a virtual
    camera that is not there) kept the whole pipe, up to its end, before saying so: a producer
    that never ends (a capture) was kept for ever, nothing said; it is said at once."""
    import contextlib

    if "--vcam-device" in flags:
        pytest.importorskip("pyvirtualcam")
        if not sys.platform.startswith("linux") or os.path.exists("/dev/video63"):
            pytest.skip("needs Linux without /dev/video63")
        if os.path.exists("/sys/module/v4l2loopback"):  # (another device number: the user's input)
            code = 2
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    p = subprocess.Popen([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "o.mp4"), *flags],
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        with contextlib.suppress(BrokenPipeError):  # (refused before it was read)
            p.stdin.write(b"\x1aE\xdf\xa3" + bytes(100000))  # (a pipe that stays open)
            p.stdin.flush()
        try:
            err = p.stderr.read1(4096).decode() if p.wait(timeout=30) is not None else ""
        except subprocess.TimeoutExpired:
            err = ""
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == code and said in err, (p.returncode, err)
    assert sorted(q.name for q in tmp_path.iterdir()) == []


@pytest.mark.parametrize("force", [False, True])
def test_png_frames_into_a_link_to_a_folder_on_another_disk(clips, tmp_path, force):
    """-o frames/ where frames is a link to a folder on another disk (`ln -s /mnt/disk2/frames
    frames`): the frames, made beside the link, could not be moved there: 'flink: cannot move the
    finished frames into place (Invalid cross-device link)', exit 1, the run's work lost.  They
    are made beside the folder it names, and moved into it; the link stays a link."""
    import tempfile

    elsewhere = Path("/dev/shm")
    if not elsewhere.is_dir() or os.stat(elsewhere).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no other file system to link to")
    with tempfile.TemporaryDirectory(dir=elsewhere) as disk:
        target = Path(disk) / "frames"
        target.mkdir()
        if force:  # (an earlier run's frames there, replaced)
            for i in range(30):
                (target / f"frame_{i:06d}.png").write_bytes(b"old")
        link = tmp_path / "frames"
        link.symlink_to(target, target_is_directory=True)
        r = run_cli("file", str(clips["plain"]), "-o", f"{link}/", "-q", *(["--force"] if force else []))
        assert r.returncode == 0, r.stderr
        assert link.is_symlink() and sorted(p.name for p in target.iterdir()) == [
            f"frame_{i:06d}.png" for i in range(20)]
        assert cv2.imread(str(target / "frame_000000.png")) is not None
        assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]
        assert sorted(p.name for p in Path(disk).iterdir()) == ["frames"]  # (no temporary left)


@pytest.mark.parametrize("link", [False, True])
def test_png_frames_into_the_root_of_a_mounted_disk(clips, tmp_path, link):
    """-o /media/usb/ (frames to the root of a disk mounted there; or a link to it): the frames,
    made beside it on the disk it is mounted on, could not be moved there: 'cannot move the
    finished frames into place (Device or resource busy)', exit 1, the run's work lost.  They are
    made inside it, on its disk, and moved into place there.  (Root and a mount: skipped else.)"""
    disk = tmp_path / "usb"
    disk.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a disk takes root")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20M", "tmpfs", str(disk)],
                      capture_output=True).returncode != 0:
        pytest.skip("no tmpfs could be mounted")
    try:
        out = tmp_path / "to-usb" if link else disk
        if link:
            out.symlink_to(disk, target_is_directory=True)
        r = run_cli("file", str(clips["plain"]), "-o", f"{out}/", "-q")
        assert r.returncode == 0, r.stderr
        assert sorted(p.name for p in disk.iterdir()) == [f"frame_{i:06d}.png" for i in range(20)]
        assert not [p.name for p in tmp_path.iterdir() if ".livecut-" in p.name]
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


@pytest.mark.parametrize("out", ["out.mp4", "frames/"])
def test_an_output_folder_moved_mid_run_is_left_without_the_temporary_of_the_run(clips, tmp_path, monkeypatch, out):
    """`mv shoot shoot.old` while `livecut file clip.mp4 -o shoot/out.mp4` ran: the run failed
    (exit 1: the output's folder was gone) and left the output's temporary file, a whole video,
    hidden in shoot.old/ for good (PNG frames, -o shoot/frames/: their temporary folder); it is
    removed there."""
    from typer.testing import CliRunner

    from livecut import atomic
    from livecut.cli import app

    folder, moved = tmp_path / "shoot", tmp_path / "shoot.old"
    folder.mkdir()

    def moved_first(real):  # (the folder renamed as the finished output is moved into place)
        def commit(*args, **kwargs):
            folder.rename(moved)
            return real(*args, **kwargs)
        return commit

    monkeypatch.setattr(atomic, "commit", moved_first(atomic.commit))
    monkeypatch.setattr(atomic, "commit_dir", moved_first(atomic.commit_dir))
    # (this run's own: tests before it that stand in for a killed process keep theirs, as a
    # process that ends keeps them, and the whole suite found them here)
    monkeypatch.setattr(atomic, "_FOLDERS", {})
    r = CliRunner().invoke(app, ["file", str(clips["plain"]), "-o", f"{folder}/{out}", "-q"])
    assert r.exit_code == 1, r.output
    assert not folder.exists() and sorted(p.name for p in moved.iterdir()) == [], r.output
    assert not atomic._FOLDERS, atomic._FOLDERS  # (the folders held were let go)
    # (it said '(No such file or directory)' of a file the user never named)
    what = "frames" if out.endswith("/") else "output"
    assert r.stderr == (f"livecut: error: {folder / out.rstrip('/')}: cannot move the finished {what} into place "
                        f"(its folder {folder} is gone: moved or removed during the run)\n"), r.stderr


def test_an_output_folder_removed_mid_run_is_said_gone(clips, tmp_path, monkeypatch):
    """`rm -r shoot` while `livecut file clip.mp4 -o shoot/frames/` wrote its frames: 'cannot write
    (No such file or directory)' of a frame the user never named; the folder is said gone."""
    import shutil

    from typer.testing import CliRunner

    from livecut.cli import app
    from livecut.sinks import file as file_sink

    folder = tmp_path / "shoot"
    folder.mkdir()
    real = file_sink.PngSequenceSink.write

    def write(self, *args, **kwargs):
        if self.frames == 3:
            shutil.rmtree(folder)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(file_sink.PngSequenceSink, "write", write)
    r = CliRunner().invoke(app, ["file", str(clips["plain"]), "-o", f"{folder}/frames/", "-q"])
    assert r.exit_code == 1, r.output
    assert r.stderr == (f"livecut: error: {folder / 'frames' / 'frame_000003.png'}: cannot write "
                        f"(its folder {folder} is gone: moved or removed during the run)\n"), r.stderr


def test_stdin_runs_refuse_early_keep_their_exit_codes_and_survive_a_full_disk(tmp_path, clips, monkeypatch):
    """`livecut file -`: an output that exists is refused before the pipe is read to its end
    (it was refused after the producer finished); a SIGTERM during the run exits 143 (130: the
    message's rewrite lost it); a full disk while the pipe is kept is one line, exit 1, as a full
    output disk (it was exit 2, bad input), as is a temporary folder where the copy cannot be made."""
    import errno
    import signal
    import time

    import livecut.sources.stdin as stdin_mod
    from livecut.errors import LivecutError

    env = dict(os.environ, PYTHONPATH=str(REPO))
    exists = tmp_path / "exists.mp4"
    exists.write_bytes(b"x")
    p = subprocess.Popen([sys.executable, "-m", "livecut", "file", "-", "-o", str(exists)],
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        err = p.communicate(timeout=20)[1].decode()  # (the pipe is never closed)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 2 and "exists" in err, err
    long_clip = tmp_path / "long.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=20", "-c:v", "libx264", str(long_clip))
    p = subprocess.Popen([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "o.mp4")],
                         stdin=open(long_clip, "rb"), stderr=subprocess.PIPE, env=env)
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob(".o.mp4.livecut-*")):
        time.sleep(0.05)  # (the run is under way: its output's temporary name exists)
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    err = p.communicate(timeout=30)[1].decode()
    assert p.returncode == 143 and "stopped by SIGTERM" in err and "livecut-stdin" not in err, (p.returncode, err)

    class Full:
        def __init__(self, fd, mode):
            os.close(fd)

        def __enter__(self):
            return self

        def write(self, data):
            return len(data)

        def __exit__(self, *exc):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(stdin_mod.os, "fdopen", Full)
    import io

    with pytest.raises(LivecutError) as got:
        with stdin_mod.spooled_stdin(io.BytesIO(b"data")):
            pass
    assert got.value.exit_code == 1 and "(no space left on the device)" in str(got.value), got.value
    monkeypatch.undo()

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(stdin_mod.tempfile, "mkstemp", read_only)
    with pytest.raises(LivecutError) as got:
        with stdin_mod.spooled_stdin(io.BytesIO(b"data")):
            pass
    assert got.value.exit_code == 1 and "(read-only file system)" in str(got.value), got.value


@pytest.mark.skipif(not hasattr(os, "set_blocking") or sys.platform == "win32", reason="non-blocking pipes (POSIX)")
@pytest.mark.parametrize("reader", ["file -", "batch --list -"])
def test_a_non_blocking_standard_input_is_read_to_its_end(tmp_path, monkeypatch, reader):
    """`livecut file -` given a pipe another program left non-blocking (O_NONBLOCK on the open
    file it shares) took the first moment without data for the pipe's end: 'standard input was
    empty' when the writer had not written yet, and a video cut where the writer paused, as if
    whole (a Matroska or MPEG-TS stream cut at a boundary: exit 0); `livecut batch --list -`
    likewise a list cut short; both wait for data, as for a blocking pipe, to the writer's
    close."""
    import fcntl
    import termios
    import threading
    import time

    from livecut.sources import stdin as stdin_mod

    first, rest = b"a" * 5000, b"b" * 7000
    r, w = os.pipe()
    os.set_blocking(r, False)

    def waiting() -> int:
        return int.from_bytes(fcntl.ioctl(r, termios.FIONREAD, b"\0\0\0\0"), sys.byteorder)

    def writer() -> None:  # (the rest once the first part was taken: the reader met an empty pipe)
        deadline = time.monotonic() + 30
        while waiting() and time.monotonic() < deadline:
            time.sleep(0.01)
        os.write(w, rest)
        os.close(w)

    os.write(w, first)
    t = threading.Thread(target=writer, daemon=True)
    t.start()
    with open(r, "rb") as stream:
        if reader == "file -":
            with stdin_mod.spooled_stdin(stream) as path:
                got = path.read_bytes()
        else:
            from livecut import batch

            monkeypatch.setattr(sys, "stdin", type("Stdin", (), {"buffer": stream})())
            got = batch._stdin_bytes()
    t.join(30)
    assert got == first + rest, (len(got), len(first + rest))


def test_a_read_error_on_standard_input_is_said_as_one(tmp_path, monkeypatch):
    """`livecut file - < /media/card/clip.mp4` whose card fails mid-file (EIO) said '-: cannot
    keep standard input in /tmp (Input/output error)', as if the temporary folder had failed;
    it says the read failed (a full temporary folder is still said as before); nothing left."""
    import errno
    import io
    import tempfile

    import livecut.sources.stdin as stdin_mod
    from livecut.errors import VideoOpenFailure

    class Failing(io.RawIOBase):
        def __init__(self):
            self.n = 0

        def readable(self):
            return True

        def readinto(self, b):
            self.n += 1
            if self.n > 2:
                raise OSError(errno.EIO, "Input/output error")
            b[:4] = b"data"
            return 4

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # (its own: /tmp's spools come and go with other runs)
    with pytest.raises(VideoOpenFailure) as got:
        with stdin_mod.spooled_stdin(io.BufferedReader(Failing())):
            pass
    assert str(got.value) == "-: reading standard input failed (Input/output error)"
    assert not list(tmp_path.iterdir())


def test_audio_whose_sample_rate_changes_is_transcoded_whole(tmp_path):
    """Two MPEG-TS parts put together, MP2 audio at 44.1 kHz then 48 kHz (a TV recording):
    the encoder's resampler, made from the first frame, refused the others and the run failed
    ('Frame does not match AudioResampler setup', exit 1, no output)."""
    import av

    parts = []
    for i, (f, rate) in enumerate(((440, 44100), (880, 48000))):
        part = tmp_path / f"p{i}.ts"
        _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=2", "-f", "lavfi", "-i",
                f"sine=f={f}:r={rate}:duration=2", "-c:v", "libx264", "-c:a", "mp2", "-output_ts_offset", str(2 * i),
                "-f", "mpegts", str(part))
        parts.append(part.read_bytes())
    src = tmp_path / "mixed.ts"
    src.write_bytes(b"".join(parts))
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        pcm = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
        rate = c.streams.audio[0].sample_rate
    assert abs(len(pcm) / rate - 4.0) < 0.1

    def hz(t0):  # the tone's frequency from its zero crossings over 0.5 s at t0
        x = pcm[int(t0 * rate): int((t0 + 0.5) * rate)]
        return np.count_nonzero(np.diff(np.signbit(x))) / 2 / 0.5

    assert abs(hz(0.5) - 440) < 10 and abs(hz(3.0) - 880) < 10


@pytest.mark.parametrize("acodec, first, then, out_ext", [
    ("aac", ("stereo", 48000), ("5.1", 48000), ".mkv"), ("aac", ("stereo", 44100), ("stereo", 48000), ".mp4"),
    ("libmp3lame", ("stereo", 44100), ("stereo", 48000), ".mov"),
    ("libmp3lame", ("mono", 44100), ("stereo", 44100), ".avi")])
def test_audio_whose_channels_or_rate_change_is_not_copied_unplayable(tmp_path, acodec, first, then, out_ext):
    """Two MPEG-TS parts put together, AAC in stereo then 5.1 (a TV recording's advert, then its
    film), AAC or MP3 at 44.1 kHz then 48 kHz: copied into .mkv, .mp4 or .mov, the track stated
    its first part's setup only, and the sound after the change could not be decoded ("channel
    element 1.0 is not allocated") or played at the wrong rate (440 Hz as 404 Hz); into .avi, MP3
    whose channels change failed the run ("write failed (Invalid argument)").  A scan of
    the packets' headers sees the change: the track is re-encoded whole, with a warning."""
    import av

    parts = []
    for i, (f, (layout, rate)) in enumerate(((440, first), (880, then))):
        part = tmp_path / f"p{i}.ts"
        feed = "|".join(f"c{k}=c0" for k in range(len(av.AudioLayout(layout).channels)))
        _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=2", "-f", "lavfi", "-i",
                f"sine=f={f}:r={rate}:duration=2,pan={layout}|{feed}", "-c:v", "libx264", "-c:a", acodec,
                "-output_ts_offset", str(2 * i), "-f", "mpegts", str(part))
        parts.append(part.read_bytes())
    src = tmp_path / "mixed.ts"
    src.write_bytes(b"".join(parts))
    out = tmp_path / f"out{out_ext}"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        a = c.streams.audio[0]
        frames = list(c.decode(a))  # (raises where a frame cannot be decoded)
        rate, channels = a.sample_rate, a.codec_context.channels
    pcm = np.concatenate([f.to_ndarray()[0] for f in frames])

    def hz(t0):  # the tone's frequency from its zero crossings over 0.5 s at t0
        x = pcm[int(t0 * rate): int((t0 + 0.5) * rate)]
        return np.count_nonzero(np.diff(np.signbit(x))) / 2 / 0.5

    assert abs(hz(0.5) - 440) < 10 and abs(hz(3.0) - 880) < 10, (hz(0.5), hz(3.0))
    assert abs(len(pcm) / rate - 4.0) < 0.15
    # (the part after the change neither mixed down nor resampled down)
    assert channels == max(len(av.AudioLayout(x[0]).channels) for x in (first, then))
    assert rate == max(first[1], then[1])
    assert "changes part way" in r.stderr and "re-encoded" in r.stderr, r.stderr
    if out_ext == ".mkv":  # (`-o -`'s NUT keeps each frame's header: the track is copied, decodable)
        r, piped = _pipe_out(src, tmp_path)
        assert r.returncode == 0 and "changes part way" not in r.stderr, r.stderr
        with av.open(str(piped)) as c:
            assert c.streams.audio[0].codec_context.channels == 2
            assert sum(f.samples for f in c.decode(audio=0)) > 3.9 * 48000


def test_the_scan_of_the_audio_s_headers_before_the_run_is_said(tmp_path, monkeypatch, caplog):
    """AAC from MPEG-TS (ADTS) copied into .mp4: the audio's headers are read through the whole
    file before the run (a change of channels or rate), without a word -- on a big file or a
    slow share the run seemed stuck before its first frame (481 MB: 1-4 s on the 2-core
    development machine).  Past audio.SCAN_NOTE seconds (0 here) a line says so, once; a
    small file's scan, within it, says nothing."""
    import logging

    from livecut.config import load_config
    from livecut.runner import run_video
    from livecut.sinks import audio

    src = make_clip(tmp_path / "c.ts", w=96, h=64, n=10, audio=True)
    caplog.set_level(logging.INFO, logger="livecut")
    for note, lines in ((None, 0), (0.0, 1)):
        if note is not None:
            monkeypatch.setattr(audio, "SCAN_NOTE", note)
        caplog.clear()
        run_video(str(src), str(tmp_path / "out.mp4"), load_config(), progress=False, force=True)
        said = [r.getMessage() for r in caplog.records if "frame headers" in r.getMessage()]
        assert len(said) == lines, said
        assert all(s.startswith(f"{src}: reading the audio's frame headers through the whole file (") for s in said)
        assert probe(tmp_path / "out.mp4")["audio"] == ["aac"]


def test_ctrl_c_as_the_output_opens_is_the_library_s_interrupted(tmp_path, monkeypatch):
    """From Python, Ctrl-C while run_video opened its output file (in the scan of the audio's
    headers through the whole file, above; a stream's connection) was a bare KeyboardInterrupt,
    where one later is livecut's Interrupted (exit 130; the CLI said only 'interrupted'); it is
    Interrupted, saying nothing was written, and the temporary file is removed."""
    import _thread

    from livecut.config import load_config
    from livecut.runner import Interrupted, run_video
    from livecut.sinks import audio

    def interrupted(*a, **kw):  # (a long scan, Ctrl-C as it reads)
        _thread.interrupt_main()
        time.sleep(5)
        return {}

    monkeypatch.setattr(audio, "_changing", interrupted)
    src = make_clip(tmp_path / "c.ts", w=96, h=64, n=10, audio=True)
    out = tmp_path / "out" / "o.mp4"
    out.parent.mkdir()
    with pytest.raises(Interrupted) as caught:
        run_video(str(src), str(out), load_config(), progress=False)
    assert caught.value.exit_code == 130
    assert str(caught.value) == f"interrupted (nothing was written to {out})", str(caught.value)
    assert os.listdir(out.parent) == []


def _pipe_out(src: Path, tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, Path]:
    """`livecut file SRC -o - ARGS > out.bin`: (the run, the file holding its standard output)."""
    out = tmp_path / "piped.bin"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with open(out, "wb") as f:
        r = subprocess.run([sys.executable, "-m", "livecut", "file", str(src), "-o", "-", *args],
                           stdout=f, stderr=subprocess.PIPE, text=True, timeout=120, env=env, cwd=str(REPO))
    return r, out


@pytest.mark.parametrize("fmt, src_codec, expect", [
    ("nut", "aac", "aac"),             # copied: NUT takes any codec it can store
    ("nut", "pcm_s16le", "pcm_s16le"),
    ("mpegts", "aac", "aac"),
    ("mpegts", "pcm_s16le", "aac"),    # MPEG-TS cannot carry PCM readably: transcoded
])
def test_stdout_pipe_carries_the_audio(tmp_path, fmt, src_codec, expect):
    """`livecut file in.mp4 -o - | ffmpeg -i - ...` lost the audio silently (an editor piping
    into an encoder of their own): its tracks now go with the video, as into a file."""
    import av

    from conftest import make_clip

    src = make_clip(tmp_path / ("src.mov" if src_codec.startswith("pcm") else "src.mp4"), n=30, audio=True,
                    audio_codec=src_codec)
    r, out = _pipe_out(src, tmp_path, "-q", "--set", f"video.pipe_format={fmt}")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    with av.open(str(out)) as c:
        assert [s.codec_context.name for s in c.streams.audio] == [expect]
        assert sum(1 for _ in c.decode(video=0)) == 30
    # AAC: up to two frames of 1024 samples (the encoder's priming and last frame's padding,
    # which NUT and MPEG-TS, having no edit list, do not trim)
    slack = 0.02 + (2 * 1024 / 16000 if expect == "aac" else 0.0)
    assert _audio_seconds(out) == pytest.approx(_audio_seconds(src), abs=slack)


def test_stdout_pipe_audio_stops_with_the_video(tmp_path):
    """`-o - --frames 10`: the audio stops where the video does, as in a file."""
    from conftest import make_clip

    src = make_clip(tmp_path / "src.mp4", n=50, audio=True)  # 2 s
    r, out = _pipe_out(src, tmp_path, "-q", "--frames", "10")
    assert r.returncode == 0, r.stderr
    assert 0.3 < _audio_seconds(out) < 0.6  # 10 frames = 0.4 s


@pytest.mark.parametrize("fmt", ["nut", "mpegts"])
def test_stdout_pipe_keeps_a_long_last_frames_length(tmp_path, fmt):
    """`livecut file pause.gif -o - > x.nut`, a GIF that pauses 1 s on its last picture (1.9 s),
    lasted 0.9 s + a frame where a file keeps its 1.9 s: NUT and MPEG-TS keep no frame's length,
    and the pipe's output was closed before it was told the last frame's.  The last picture is
    sent again a frame before its end; the frames counted are the GIF's 10."""
    import av
    from PIL import Image

    src = tmp_path / "pause.gif"
    pictures = [Image.new("RGB", (96, 64), (25 * i, 120, 200)) for i in range(10)]
    pictures[0].save(src, save_all=True, append_images=pictures[1:], duration=[100] * 9 + [1000], loop=0)
    r, out = _pipe_out(src, tmp_path, "--set", f"video.pipe_format={fmt}")
    assert r.returncode == 0 and "10 frames" in r.stderr, r.stderr
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        pts = [float(f.pts * f.time_base) for f in c.decode(s)]
        step = 1 / float(s.guessed_rate or s.average_rate)
    assert pts[-1] - pts[0] + step == pytest.approx(1.9, abs=0.01), (pts, step)
    assert pts[-2] - pts[0] == pytest.approx(0.9, abs=0.01), pts


@pytest.mark.parametrize("scheme, src, expect", [
    ("tcp", "aac.mp4", "aac"),         # MPEG-TS, as udp:// and srt:// send it
    ("rtsp", "pcm_s16le.mov", "aac"),  # published to an RTSP server: PCM transcoded
    ("rtsp", "aac.ts", "aac"),         # AAC without its header (from MPEG-TS): RTP cannot state it
    ("rtmp", "libmp3lame.mkv", "aac"),  # MP3 at 16 kHz: FLV cannot state the rate
])
def test_network_output_carries_the_audio(tmp_path, scheme, src, expect):
    """A file with sound sent to a stream (udp, tcp, srt, rtsp, rtmp) arrived silent; its
    audio now goes with the video (copied, or transcoded where the stream cannot state it:
    copied, those failed the stream's start). An ffmpeg listener on 127.0.0.1 receives it."""
    from conftest import make_clip

    codec, ext = src.split(".")
    src = make_clip(tmp_path / f"src.{ext}", n=30, audio=True, audio_codec=codec)
    port = _free_port()
    url = {"tcp": f"tcp://127.0.0.1:{port}", "rtsp": f"rtsp://127.0.0.1:{port}/live",
           "rtmp": f"rtmp://127.0.0.1:{port}/live/x"}[scheme]
    listen = {"tcp": ["-i", url + "?listen=1"], "rtsp": ["-rtsp_flags", "listen", "-timeout", "20", "-i", url],
              "rtmp": ["-listen", "1", "-i", url]}[scheme]
    r, got, err = _received(src, tmp_path, url, listen)
    assert r.returncode == 0, r.stderr
    assert probe(got)["audio"] == [expect], err
    assert probe(got)["frames"] == 30
    assert _audio_seconds(got) == pytest.approx(_audio_seconds(src), abs=0.02 + 2 * 1024 / 16000)


@pytest.mark.parametrize("out", ["mpegts", "rtmp"])
@pytest.mark.parametrize("frames", [None, 10])
def test_reencoded_late_audio_into_a_stream_starts_at_0(tmp_path, out, frames):
    """A file whose sound begins 1 s after its picture (PCM, re-encoded to AAC) sent as
    MPEG-TS (`-o -`, udp://, tcp://, srt://) began its audio with a packet 21 ms before 0
    (the encoder's priming), written after the video's first: MPEG-TS wrapped it, a 2 s clip
    said 26 h long (95443 s), and RTMP failed the run, 'writing failed: Invalid argument',
    exit 1 (so with --frames 10, the cut before the sound, its silence).  The lead-in of
    silence takes the priming: the audio from 0, its sound 1 s in, with its picture."""
    import av

    src = tmp_path / "late.mov"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:d=2", "-itsoffset", "1", "-f", "lavfi",
            "-i", "sine=f=440:r=48000:d=1", "-c:v", "libx264", "-c:a", "pcm_s16le", str(src))
    cut = ["--frames", str(frames)] if frames else []
    r, got, err = _sent(src, tmp_path, out, *cut)
    assert r.returncode == 0, r.stderr
    seconds = (frames or 50) / 25
    with av.open(str(got)) as c:
        a = c.streams.audio[0]
        assert a.codec_context.name == "aac"
        times = [float(p.pts * p.time_base) for p in c.demux(a) if p.pts is not None]
        assert times and 0 <= min(times) and max(times) < seconds + 0.1, (times[:3], times[-3:], err)
        assert c.duration / 1e6 < seconds + 0.1
    with av.open(str(got)) as c:
        first = next(f.time for f in c.decode(video=0))
    with av.open(str(got)) as c:
        onset = None
        for f in c.decode(audio=0):
            hit = np.nonzero(np.abs(f.to_ndarray()).max(axis=0) > 0.05)[0]
            if hit.size:
                onset = f.time + hit[0] / f.sample_rate
                break
    if frames:
        assert onset is None  # (cut before the sound: silence)
    else:
        assert onset - first == pytest.approx(1.0, abs=0.01)


def _sent(src: Path, tmp_path: Path, out: str, *args: str) -> tuple[subprocess.CompletedProcess, Path, str]:
    """`livecut file SRC` sent as MPEG-TS (`-o -`) or to rtmp:// (an ffmpeg listener on
    127.0.0.1 keeps it in a .mkv): (the run, what arrived, the listener's errors)."""
    if out == "mpegts":
        r, got = _pipe_out(src, tmp_path, "-q", "--set", "video.pipe_format=mpegts", *args)
        return r, got, ""
    url = f"rtmp://127.0.0.1:{_free_port()}/live/x"
    return _received(src, tmp_path, url, ["-listen", "1", "-i", url], *args)


def _free_port() -> int:
    """A TCP port of 127.0.0.1 free a moment ago."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _received(src: Path, tmp_path: Path, url: str, listen: list[str], *args: str):
    """`livecut file SRC -o URL --no-pace -q ARGS` received by an ffmpeg listener (its input
    options ``listen``) that keeps it in a .mkv; run again until the listener is up: (the run,
    what arrived, the listener's errors)."""
    import time

    got = tmp_path / "got.mkv"
    rx = subprocess.Popen(["ffmpeg", "-v", "error", "-y", *listen, "-c", "copy", str(got)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:  # (until the listener is up)
            r = run_cli("file", str(src), "-o", url, "--no-pace", "-q", *args)
            if r.returncode == 0 or time.monotonic() > deadline or "refused" not in r.stderr:
                break
            time.sleep(0.3)
        _, err = rx.communicate(timeout=20)
    finally:
        rx.kill()
    return r, got, err


@pytest.mark.parametrize("out", ["mpegts", "rtmp"])
def test_8_khz_audio_a_little_late_into_a_stream_stays_with_its_picture(tmp_path, out):
    """An IP camera's recording: G.711 at 8 kHz beginning 0.1 s after its picture, re-encoded
    to AAC, whose priming (1024 samples) is 128 ms there, more than that lead-in could take:
    its first packet, 28 ms before 0, came after the video's (the muxer holds the video only
    0.2 s for it): RTMP failed the run, 'writing failed: Invalid argument', exit 1, and MPEG-TS
    wrapped it (a 2 s clip said 26 h long).  The sound's first 28 ms go with the priming: the
    audio from 0, a beep with its flash."""
    import av

    src = tmp_path / "cam.mov"
    _ffmpeg("-f", "lavfi", "-i", "color=black:size=160x96:rate=25:d=2,drawbox=c=white:t=fill:enable='between(t,1,1.03)'",
            "-itsoffset", "0.1", "-f", "lavfi", "-i",
            "aevalsrc='if(between(t,0.9,1.0),0.5*sin(2*PI*1000*t),0.05*sin(2*PI*300*t))':s=8000:d=1.5",
            "-c:v", "libx264", "-c:a", "pcm_mulaw", str(src))
    r, got, err = _sent(src, tmp_path, out)
    assert r.returncode == 0, r.stderr
    with av.open(str(got)) as c:
        a = c.streams.audio[0]
        assert a.codec_context.name == "aac"
        times = [float(p.pts * p.time_base) for p in c.demux(a) if p.pts is not None]
        assert times and 0 <= min(times) and max(times) < 2.1, (times[:3], err)
    with av.open(str(got)) as c:
        flash = next(f.time for f in c.decode(video=0) if f.to_ndarray(format="gray").mean() > 100)
    with av.open(str(got)) as c:
        beep = None
        for f in c.decode(audio=0):
            hit = np.nonzero(np.abs(f.to_ndarray()).max(axis=0) > 0.25)[0]
            if hit.size:
                beep = f.time + hit[0] / f.sample_rate
                break
    assert beep is not None and beep - flash == pytest.approx(0.0, abs=0.01)


def test_rtmp_carries_one_audio_track_of_several(tmp_path):
    """A file of two audio tracks (a mix and a commentary, an OBS recording's several) sent to
    rtmp:// went as an Enhanced RTMP multitrack stream, which a receiver before it refused
    whole: FFmpeg 5.1's listener, 'Could not write header', recorded nothing.  The default
    track goes, as ffmpeg picks one, and the run says the other is left out."""
    import socket
    import time

    src = tmp_path / "two.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:d=1", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=1",
            "-f", "lavfi", "-i", "sine=f=880:r=44100:d=1", "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264",
            "-c:a", "aac", "-disposition:a:0", "0", "-disposition:a:1", "default", str(src))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"rtmp://127.0.0.1:{port}/live/x"
    got = tmp_path / "got.mkv"
    rx = subprocess.Popen(["ffmpeg", "-v", "error", "-y", "-listen", "1", "-i", url, "-map", "0", "-c", "copy", str(got)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:  # (until the listener is up)
            r = run_cli("file", str(src), "-o", url, "--no-pace", "-q")
            if r.returncode == 0 or time.monotonic() > deadline or "refused" not in r.stderr:
                break
            time.sleep(0.3)
        assert r.returncode == 0, r.stderr
        _, err = rx.communicate(timeout=20)
    finally:
        rx.kill()
    assert got.exists(), err
    info = probe(got)
    assert info["audio"] == ["aac"] and info["frames"] == 25, err
    import av

    with av.open(str(got)) as c:
        assert c.streams.audio[0].codec_context.sample_rate == 44100  # (the default track)
    assert "audio stream 1: RTMP carries one audio track (stream 2); left out" in r.stderr


def test_late_alac_audio_into_a_nut_pipe_is_carried(tmp_path):
    """`livecut file clip.mov -o -` (NUT) of a clip whose ALAC sound begins 1 s in (NUT
    cannot store ALAC: re-encoded to AAC) failed, 'stdout: writing failed: Invalid argument',
    exit 1: its encoder's priming, 21 ms before 0, came after the video's first packet.  The
    lead-in of silence takes it: the audio from 0, its sound 1 s in."""
    import av

    src = tmp_path / "late.mov"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:d=2", "-itsoffset", "1", "-f", "lavfi",
            "-i", "sine=f=440:r=48000:d=1", "-c:v", "libx264", "-c:a", "alac", str(src))
    r, got = _pipe_out(src, tmp_path, "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(got)) as c:
        assert c.format.name == "nut" and c.streams.audio[0].codec_context.name == "aac"
        times = [float(p.pts * p.time_base) for p in c.demux(audio=0) if p.pts is not None]
        assert 0 <= min(times) and max(times) < 2.1
    with av.open(str(got)) as c:
        onset = None
        for f in c.decode(audio=0):
            hit = np.nonzero(np.abs(f.to_ndarray()).max(axis=0) > 0.05)[0]
            if hit.size:
                onset = f.time + hit[0] / f.sample_rate
                break
    assert onset == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("out", [".webm", ".mov", "mpegts"])
def test_a_short_flac_track_re_encoded_is_heard_at_its_time(tmp_path, out):
    """A sound of one FLAC packet 1 s into a 2 s clip, re-encoded (Opus, AAC): its decoder,
    frame-threaded, gives its frame only when flushed at the end, so the track was taken for
    one of no sound -- 2 s of silence, then the sound, at 2 s not 1 s -- or, into `-o -`,
    the run failed, 'cannot convert float NaN to integer', exit 1.  It is heard at 1 s.
    (A machine of one core decodes it without threads: this passes there before the fix.)"""
    import av

    src = tmp_path / "late.mkv"
    _ffmpeg("-f", "lavfi", "-i", "color=black:size=160x96:rate=25:d=2", "-itsoffset", "1", "-f", "lavfi",
            "-i", "sine=f=1000:r=48000:d=0.05", "-c:v", "libx264", "-c:a", "flac", str(src))
    if out == "mpegts":
        r, got = _pipe_out(src, tmp_path, "-q", "--set", "video.pipe_format=mpegts")
    else:
        got = tmp_path / f"out{out}"
        r = run_cli("file", str(src), "-o", str(got), "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(got)) as c:
        first = next(f.time for f in c.decode(video=0))
    with av.open(str(got)) as c:
        onset, total = None, 0.0
        for f in c.decode(audio=0):
            x = f.to_ndarray()
            hit = np.nonzero(np.abs(x).max(axis=0) > (0.05 * 32768 if x.dtype.kind in "iu" else 0.05))[0]
            if onset is None and hit.size:
                onset = f.time + hit[0] / f.sample_rate
            total += f.samples / f.sample_rate
    assert onset is not None and onset - first == pytest.approx(1.0, abs=0.03)
    assert total < 2.3  # (not 2 s of silence and then the sound)


def test_the_copy_of_stdin_a_killed_run_left_is_removed_by_the_next(tmp_path, clips):
    """`livecut file -` killed outright (kill -9) left its copy of the pipe (a whole video) in
    the temporary folder for good; the next `livecut file -` removes it once its process is
    gone and it is a minute old. A live run's copy, and a fresh one, stay."""
    import signal
    import time

    from livecut.atomic import _host_tag

    env = dict(os.environ, PYTHONPATH=str(REPO), TMPDIR=str(tmp_path))
    p = subprocess.Popen([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "o.mp4")],
                         stdin=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    p.stdin.write(b"\x1aE\xdf\xa3" + bytes(100000))  # (a pipe that stays open)
    p.stdin.flush()
    deadline = time.time() + 30
    while time.time() < deadline and not list(tmp_path.glob("livecut-stdin-*")):
        time.sleep(0.05)
    time.sleep(0.3)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    p.stdin.close()
    left = list(tmp_path.glob("livecut-stdin-*"))
    assert len(left) == 1, left  # what kill -9 leaves behind
    old = time.time() - 120
    os.utime(left[0], (old, old))
    fresh = tmp_path / f"livecut-stdin-{p.pid}-{_host_tag()}-fresh"  # (gone, but written just now)
    fresh.write_bytes(b"x")
    mine = tmp_path / f"livecut-stdin-{os.getpid()}-{_host_tag()}-mine"  # (a run still going)
    mine.write_bytes(b"x")
    os.utime(mine, (old, old))
    r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "out.mp4"), "-q"],
                       input=clips["plain"].read_bytes(), capture_output=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    assert sorted(tmp_path.glob("livecut-stdin-*")) == sorted([fresh, mine])


def test_audio_that_ends_early_does_not_hold_the_video_back(tmp_path):
    """`-o -` of a file whose audio stops before its video: the muxer held up to 10 s of frames
    waiting for more audio (1.5 GB of raw 1080p frames; a stream 10 s late); now the frames go
    out as they are written."""
    src = tmp_path / "short_audio.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=s=64x64:r=25:d=6", "-f", "lavfi",
                    "-i", "sine=d=1", "-c:v", "libx264", "-c:a", "aac", str(src)], check=True, timeout=60)
    script = f"""
import os, sys, numpy as np
from pathlib import Path
from livecut.sinks import SinkInfo, open_sink
from livecut.config import VideoConfig
sink = open_sink("-", SinkInfo(64, 64, 25.0, audio_from=Path({str(src)!r})), VideoConfig())
frame = np.zeros((64, 64, 3), np.uint8)
for i in range(100):
    sink.write(frame, i / 25)
sys.stdout.flush()
print(os.fstat(1).st_size, file=sys.stderr)
sink.close()
"""
    out = tmp_path / "out.nut"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with open(out, "wb") as f:
        r = subprocess.run([sys.executable, "-c", script], stdout=f, stderr=subprocess.PIPE, text=True,
                           env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    written = int(r.stderr.strip().splitlines()[-1])
    assert written > 90 * 64 * 64 * 3, written  # (of 100 frames written, at least 90 out)


def test_a_picture_piped_in_is_advised_to_be_saved_for_livecut_image(tmp_path):
    """`livecut file - -o out.mp4 < photo.png` (or piped) was advised "`livecut image` cuts photos
    ...", which refuses standard input ('-: livecut image reads picture files, not standard
    input'): a picture piped in is advised to be saved to a file for it."""
    import subprocess

    pic = tmp_path / "photo.png"
    cv2.imwrite(str(pic), np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8))
    r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "out.mp4"), "-q"],
                       input=pic.read_bytes(), capture_output=True, timeout=60, cwd=str(REPO),
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert ("livecut: warning: - is a picture, not a video: saved to a file, `livecut image FILE` cuts it "
            "with finer edges") in err, err
    assert "`livecut image` cuts photos" not in err, err


def test_a_picture_given_as_a_video_gets_a_hint(tmp_path, clips):
    """`livecut file photo.png -o out.mp4` made a 1-frame video without a word; the run now
    says that `livecut image` cuts photos (finer edges, EXIF turn, colour profile)."""
    pic = tmp_path / "photo.png"
    cv2.imwrite(str(pic), np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8))
    r = run_cli("file", str(pic), "-o", str(tmp_path / "out.mp4"))
    assert r.returncode == 0, r.stderr
    assert "photo.png is a picture, not a video: `livecut image` cuts photos" in r.stderr
    r = run_cli("file", str(clips["plain"]), "-o", str(tmp_path / "clip.mp4"))
    assert r.returncode == 0 and "is a picture" not in r.stderr


def _png_with_icc(img: np.ndarray, icc: bytes) -> bytes:
    """``img`` as a PNG holding the colour profile ``icc`` (an iCCP chunk, as a phone's or a
    Mac's screenshot holds its Display P3 one)."""
    import struct
    import zlib

    png = cv2.imencode(".png", img)[1].tobytes()
    body = b"Display P3\x00\x00" + zlib.compress(icc)
    chunk = struct.pack(">I", len(body)) + b"iCCP" + body + struct.pack(">I", zlib.crc32(b"iCCP" + body))
    return png[:33] + chunk + png[33:]  # (after the signature and IHDR)


def test_a_picture_with_a_colour_profile_given_as_a_video_does_not_crash(tmp_path, clips):
    """`livecut file photo.png -o out.mp4` of a PNG with a colour profile (docs/photos/chelsea.png,
    the README's own photo) wrote out.mp4 and its summary, then the process died of a double free
    (Segmentation fault, exit 139), and so did `-b video:photo.png`: PyAV wraps the name FFmpeg
    gives the profile's side data in a dictionary that frees it, and the frame frees it too, once
    livecut had looked at the frame's side data (its display matrix).  Exit 0."""
    pic = tmp_path / "photo.png"
    img = np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    pic.write_bytes(_png_with_icc(img, bytes(range(256)) * 2))
    r = run_cli("file", str(pic), "-o", str(tmp_path / "out.mp4"))
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert probe(tmp_path / "out.mp4")["frames"] == 1
    r = run_cli("file", str(clips["plain"]), "-b", f"video:{pic}", "-o", str(tmp_path / "over.mp4"), "-q")
    assert r.returncode == 0, (r.returncode, r.stderr)


def test_a_picture_with_a_colour_profile_and_exif_given_as_a_video_does_not_crash(tmp_path, clips):
    """PyAV 18.1 has no name for the EXIF side data its FFmpeg (8.1) attaches to a picture with
    EXIF: reading a frame's side data raised part way, and the colour profile's metadata was freed
    twice: `livecut file photo.png -o out.mp4` of a PNG with a colour profile and EXIF died,
    Segmentation fault, exit 139.  Its display matrix (the EXIF orientation) went unread too: a
    JPEG whose orientation mirrors it was written turned 180 degrees, exit 0.  Exit 0 / refused."""
    from PIL import Image

    img = np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6  # (turned a quarter)
    pic = tmp_path / "photo.png"
    Image.fromarray(img).save(pic, icc_profile=bytes(range(256)) * 2, exif=exif)
    r = run_cli("file", str(pic), "-o", str(tmp_path / "out.mp4"), "-q")
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert probe(tmp_path / "out.mp4")["frames"] == 1
    exif[0x0112] = 2  # (mirrored left to right)
    Image.fromarray(img).save(tmp_path / "mirror.jpg", exif=exif)
    r = run_cli("file", str(tmp_path / "mirror.jpg"), "-o", str(tmp_path / "m.mp4"), "-q")
    assert r.returncode == 2 and "EXIF orientation mirrors it" in r.stderr, (r.returncode, r.stderr)
    assert "livecut image mirror.jpg" in r.stderr and not (tmp_path / "m.mp4").exists()
    r = run_cli("file", str(clips["plain"]), "-b", f"video:{tmp_path / 'mirror.jpg'}", "-o", str(tmp_path / "m.mp4"),
                "-q")
    assert r.returncode == 2 and "background video" in r.stderr and "-b image:mirror.jpg" in r.stderr, r.stderr


def test_an_avif_picture_given_as_a_video_is_said_to_be_a_picture(tmp_path, clips):
    """An AVIF still (which FFmpeg reads with its MP4 demuxer, not a picture demuxer) given to
    `livecut file pic.avif -o out.mp4` made a 1-frame video without the note a PNG or JPEG gets,
    and one whose mirror property (imir) mirrors it was refused with a video's advice, 'ffmpeg -i
    pic.avif -c:a copy pic-upright.avif'.  It is a picture as they are; an animated AVIF (brand
    avis) is still a video."""
    from PIL import Image, features

    if not features.check("avif"):
        pytest.skip("Pillow without AVIF")
    img = np.random.default_rng(0).integers(0, 256, (96, 128, 3), dtype=np.uint8)
    Image.fromarray(img).save(tmp_path / "pic.avif", quality=90)
    r = run_cli("file", str(tmp_path / "pic.avif"), "-o", str(tmp_path / "out.mp4"))
    assert r.returncode == 0 and "pic.avif is a picture, not a video: `livecut image`" in r.stderr, r.stderr
    exif = Image.Exif()
    exif[0x0112] = 2  # (mirrored left to right: Pillow writes it as the AVIF's imir)
    Image.fromarray(img).save(tmp_path / "mirror.avif", exif=exif, quality=90)
    assert b"imir" in (tmp_path / "mirror.avif").read_bytes()
    r = run_cli("file", str(tmp_path / "mirror.avif"), "-o", str(tmp_path / "m.mp4"), "-q")
    assert r.returncode == 2 and "the picture's AVIF mirror property (imir) mirrors it" in r.stderr, r.stderr
    assert "livecut image mirror.avif" in r.stderr and "ffmpeg" not in r.stderr and not (tmp_path / "m.mp4").exists()
    r = run_cli("file", str(clips["plain"]), "-b", f"video:{tmp_path / 'mirror.avif'}", "-o", str(tmp_path / "m.mp4"),
                "-q")
    assert r.returncode == 2 and "-b image:mirror.avif" in r.stderr, r.stderr
    frames = [Image.fromarray(np.full((96, 128, 3), 40 * i, np.uint8)) for i in range(4)]
    frames[0].save(tmp_path / "anim.avif", save_all=True, append_images=frames[1:], duration=100)
    r = run_cli("file", str(tmp_path / "anim.avif"), "-o", str(tmp_path / "anim.mp4"))
    assert r.returncode == 0 and "is a picture" not in r.stderr, r.stderr
    assert probe(tmp_path / "anim.mp4")["frames"] == 4


def test_an_animated_avifs_still_picture_is_not_said_to_be_a_second_video(tmp_path, clips):
    """An animated AVIF holds its picture as a still item too, which FFmpeg gives as a stream of
    one AV1 frame: `livecut file anim.avif` warned 'anim.avif has 2 video streams: #1 ... is cut
    ... and #0 (..., one picture: cover art?) is left out; to cut it, extract it first: ffmpeg
    ...' of every animated AVIF, where README says it reads one as a video; the animation is cut
    without the warning (a -b video: background alike), a still AVIF is a picture as before."""
    from PIL import Image, features

    if not features.check("avif"):
        pytest.skip("Pillow without AVIF")
    frames = [Image.fromarray(np.full((96, 128, 3), 40 * i, np.uint8)) for i in range(4)]
    frames[0].save(tmp_path / "anim.avif", save_all=True, append_images=frames[1:], duration=100)
    r = run_cli("file", str(tmp_path / "anim.avif"), "-o", str(tmp_path / "anim.mp4"))
    assert r.returncode == 0 and "video streams" not in r.stderr and "cover art" not in r.stderr, r.stderr
    assert probe(tmp_path / "anim.mp4")["frames"] == 4
    r = run_cli("file", str(clips["plain"]), "-b", f"video:{tmp_path / 'anim.avif'}", "-o", str(tmp_path / "b.mp4"))
    assert r.returncode == 0 and "video streams" not in r.stderr, r.stderr


def test_an_animated_avifs_alpha_track_is_its_transparency_not_a_second_video(tmp_path):
    """An animated AVIF with transparency holds its alpha as a track of its own (auxiliary
    video of gray frames), which FFmpeg gives as a second video stream: `livecut file animA.avif
    -o a.webm -b transparent` warned 'animA.avif has 2 video streams: #2 ... is cut ... and #3
    ... is left out; to cut it, extract it first: ffmpeg ...', advice to cut the transparency as
    a video, and cut the colours stored under it as opaque.  The alpha track is read beside the
    colours, each frame's its own (BGRA, as a WebM with alpha is read): what it leaves
    transparent is out of the mask, and no warning; not asked for alpha, or opaque, as before."""
    from PIL import Image, features

    from livecut.sources.file import FileSource

    if not features.check("avif"):
        pytest.skip("Pillow without AVIF")
    frames, opaque = [], []
    for i in range(4):
        rgba = np.zeros((96, 128, 4), np.uint8)
        rgba[..., :3] = 40 * i + 30
        rgba[:, 24 * (i + 1):, 3] = 255  # (frame i: its first 24 * (i + 1) columns transparent)
        frames.append(Image.fromarray(rgba, "RGBA"))
        opaque.append(frames[-1].convert("RGB"))
    frames[0].save(tmp_path / "animA.avif", save_all=True, append_images=frames[1:], duration=100, quality=100)
    opaque[0].save(tmp_path / "anim.avif", save_all=True, append_images=opaque[1:], duration=100)
    r = run_cli("file", str(tmp_path / "animA.avif"), "-o", str(tmp_path / "a.webm"), "-b", "transparent")
    assert r.returncode == 0 and "video streams" not in r.stderr and "extract" not in r.stderr, r.stderr
    assert "alpha track" not in r.stderr and probe(tmp_path / "a.webm")["frames"] == 4, r.stderr
    with FileSource(str(tmp_path / "animA.avif"), alpha=True) as s:
        assert s.alpha and s.pixel_format == "bgra" and not s.warnings, s.warnings
        for i in range(4):
            f = s.read()
            a = f.image[..., 3]
            assert a.shape == (96, 128) and a[:, :24 * (i + 1) - 4].max() < 8 and a[:, 24 * (i + 1) + 4:].min() > 247, i
        assert s.read() is None
    frames[0].save(tmp_path / "a444.avif", save_all=True, append_images=frames[1:], duration=100, quality=100,
                   subsampling="4:4:4")
    with FileSource(str(tmp_path / "a444.avif"), alpha=True) as s:  # (its colours 4:4:4: yuva444p)
        a = s.read().image
        assert s.alpha and a[:, :20, 3].max() < 8 and a[:, 28:, 3].min() > 247 and abs(int(a[50, 100, 0]) - 30) < 3
    for name, alpha in (("animA.avif", False), ("anim.avif", True)):
        with FileSource(str(tmp_path / name), alpha=alpha) as s:
            assert not s.alpha and not s.warnings and s.read().image.shape == (96, 128, 3), s.warnings
    r = run_cli("file", str(tmp_path / "animA.avif"), "-o", str(tmp_path / "m") + "/", "--mode", "mask")
    assert r.returncode == 0, r.stderr
    for i in range(4):
        m = cv2.imread(str(tmp_path / "m" / f"frame_{i:06d}.png"), cv2.IMREAD_GRAYSCALE)
        assert m[:, :24 * (i + 1) - 4].max() == 0, i
    rng = np.random.default_rng(0)  # (cut short: its frames' time base unknown, 'reader stage failed')
    noisy = [Image.fromarray(np.dstack([rng.integers(0, 255, (96, 128, 3), np.uint8), rgba[..., 3]]), "RGBA")
             for _ in range(12)]
    noisy[0].save(tmp_path / "noisy.avif", save_all=True, append_images=noisy[1:], duration=40)
    data = (tmp_path / "noisy.avif").read_bytes()
    (tmp_path / "cut.avif").write_bytes(data[:len(data) // 2])
    r = run_cli("file", str(tmp_path / "cut.avif"), "-o", str(tmp_path / "cut.webm"), "-b", "transparent")
    assert r.returncode == 3 and "the video ends early" in r.stderr and "failed:" not in r.stderr, r.stderr


def test_audio_that_repeats_a_time_at_a_join_is_copied_into_mp4(tmp_path):
    """Two clips joined into one .mkv (clips of two sizes, joined with their audio copied) whose
    audio gives one time twice at the join (1022 ms, then 1022 ms) while the video's times run
    on: `livecut file joined.mkv -o out.mp4` (and .mov) failed part way, 'write failed (Invalid
    argument)', exit 1 -- the MP4 muxer takes no time that is not after the last one's (.mkv took
    it).  The repeated packet is left out, as one overlapping a join where the times jump is."""
    import av

    base = make_clip(tmp_path / "base.mkv", w=192, h=108, n=25, audio=True)
    joined = tmp_path / "joined.mkv"
    times = []
    with av.open(str(base)) as inp, av.open(str(joined), "w") as out:
        vs = out.add_stream_from_template(inp.streams.video[0])
        aus = out.add_stream_from_template(inp.streams.audio[0])
        for p in inp.demux():
            if p.size == 0:
                continue
            if p.stream.type == "audio":
                if len(times) == 10:  # (the join: this packet's time is the one before's)
                    p.pts = p.dts = times[-1]
                times.append(p.dts)
                p.stream = aus
            else:
                p.stream = vs
            out.mux(p)
    assert len(times) > 11 and times[10] == times[9]
    for ext in (".mp4", ".mov"):
        r = run_cli("file", str(joined), "-o", str(tmp_path / f"out{ext}"), "-q")
        assert r.returncode == 0, (ext, r.stderr)
        info = probe(tmp_path / f"out{ext}")
        assert info["frames"] == 25 and info["audio"], (ext, info)


def test_an_animated_webp_is_said_to_be_one(tmp_path):
    """FFmpeg reads an animated WebP as a video stream it cannot decode, without a picture size:
    `livecut file anim.webp` said "the video stream has no frame size", exit 2, which tells the
    user nothing they can do.  It says what the file is, and what cuts it."""
    src = tmp_path / "anim.webp"
    try:
        _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=10:duration=0.5", "-c:v", "libwebp",
                "-loop", "0", str(src))
    except subprocess.CalledProcessError:
        pytest.skip("this ffmpeg has no libwebp encoder")
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"))
    assert r.returncode == 2 and "anim.webp: an animated WebP" in r.stderr, r.stderr
    assert "livecut image" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "out.mp4").exists()


def test_an_animated_webp_or_heic_background_is_refused_naming_the_background_picture_option(tmp_path):
    """`livecut file in.mp4 -o out.mp4 -b video:anim.webp` (a HEIC photo alike) was refused with
    the advice given to `livecut file anim.webp`: "`livecut image` cuts its first frame" ("cut it
    with: livecut image photo.heic"), a photo cutter, where a background was asked for; it names
    -b image:, which puts the picture (an animated WebP's first frame) in as the background."""
    pytest.importorskip("pillow_heif")
    from PIL import Image
    import pillow_heif

    pillow_heif.register_heif_opener()
    frames = [Image.fromarray(np.full((48, 64, 3), 40 * i, np.uint8)) for i in range(3)]
    frames[0].save(tmp_path / "anim.webp", save_all=True, append_images=frames[1:], duration=100, loop=0)
    frames[1].save(tmp_path / "photo.heic")
    clip = tmp_path / "in.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=10:duration=0.3", "-pix_fmt", "yuv420p", str(clip))
    for name, said in (("anim.webp", "-b image:{} puts in its first frame; for every frame, convert it"),
                       ("photo.heic", "-b image:{} puts it in as a picture")):
        bg = tmp_path / name
        r = run_cli("file", str(clip), "-o", str(tmp_path / "out.mp4"), "-b", f"video:{bg}")
        assert r.returncode == 2 and f"livecut: error: background video: {bg}: " in r.stderr, r.stderr
        assert said.format(bg) in r.stderr and "livecut image" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.mp4").exists(), r.stderr
        assert run_cli("file", str(clip), "-o", str(tmp_path / "over.mp4"), "-b", f"image:{bg}",
                       "--force").returncode == 0


def test_an_animated_png_with_a_long_chunk_before_its_animation_is_a_video(tmp_path):
    """`livecut file anim.png` of an APNG whose chunks before its animation control run past
    FFmpeg's first 2 KB probe (a colour profile, a comment: Pillow writes them there) cut its
    first frame alone, "anim.png is a picture, not a video", exit 0, where README says an
    animated PNG is read as a video (an APNG FFmpeg writes is); every frame is cut (and timed by
    `livecut bench --transcode`'s plain transcode alike: 'judged focus on 2 of 1 frames')."""
    from PIL import Image, PngImagePlugin

    rng = np.random.default_rng(3)
    frames = [Image.fromarray(rng.integers(0, 255, (64, 96, 3), np.uint8)) for _ in range(4)]
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "x" * 4000)
    src = tmp_path / "anim.png"
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=100, pnginfo=info)
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mkv"))
    assert r.returncode == 0, r.stderr
    assert "is a picture" not in r.stderr and "anim.png -> " in r.stderr, r.stderr
    assert probe(tmp_path / "out.mkv")["frames"] == 4
    from livecut.bench import plain_transcode  # (`livecut bench --transcode --clip anim.png`'s reference)
    from livecut.config import load_config

    assert plain_transcode(src, tmp_path / "plain.mp4", load_config("default")) == 4


def test_a_raw_mjpeg_video_is_not_taken_for_a_picture(tmp_path):
    """A raw MJPEG stream (``ffmpeg -f mjpeg``, an IP camera's recording) opens with FFmpeg's
    ``jpeg_pipe`` demuxer, as a photo does: its run said "is a picture, not a video"."""
    src = tmp_path / "cam.mjpeg"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.4", "-c:v", "mjpeg", "-f", "mjpeg", str(src))
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "is a picture" not in r.stderr and probe(out)["frames"] == 10
    one = tmp_path / "one.mjpeg"  # (one picture in the same demuxer: the hint stays)
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25", "-frames:v", "1", "-c:v", "mjpeg",
            "-f", "mjpeg", str(one))
    r = run_cli("file", str(one), "-o", str(tmp_path / "one.mp4"))
    assert r.returncode == 0 and "one.mjpeg is a picture, not a video" in r.stderr, r.stderr


def _halves(w: int, h: int) -> np.ndarray:
    """An upright BGR picture: red top half, blue bottom half."""
    img = np.zeros((h, w, 3), np.uint8)
    img[: h // 2] = (0, 0, 255)
    img[h // 2:] = (255, 0, 0)
    return img


def _first_frame_shown(path) -> np.ndarray:
    """The first frame of a video as a player shows it (turned by its display rotation)."""
    import av

    with av.open(str(path)) as c:
        f = next(c.decode(video=0))
        img = f.to_ndarray(format="bgr24")
        turn = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180,
                270: cv2.ROTATE_90_CLOCKWISE}.get((f.rotation or 0) % 360)
    return img if turn is None else cv2.rotate(img, turn)


def _is(pixels: np.ndarray, bgr: tuple[int, int, int]) -> bool:
    return bool(np.abs(pixels.reshape(-1, 3).mean(0) - bgr).max() < 40)


def test_a_picture_background_stays_upright_on_a_rotated_video(clips, tmp_path):
    """A phone's portrait clip (stored sideways, display rotation 90) over `-b image:`: the
    picture was put in as the frames are stored, so a player showed it turned a quarter and
    cropped to its middle; it is now shown upright, as over an unrotated clip."""
    bg = tmp_path / "bg.png"
    cv2.imwrite(str(bg), _halves(180, 320))  # portrait, as the clip is shown
    for extra in ((), ("--set", "video.yuv=off")):  # (I420 and BGR composites)
        out = tmp_path / f"out{len(extra)}.mp4"
        r = run_cli("file", str(clips["rotated"]), "-o", str(out), "-b", f"image:{bg}", "--force", *extra)
        assert r.returncode == 0, r.stderr
        shown = _first_frame_shown(out)
        assert shown.shape[:2] == (320, 180)
        # (corners away from the subject, which moves along the stored frame's middle rows)
        assert _is(shown[:20, :20], (0, 0, 255)) and _is(shown[:20, -20:], (0, 0, 255))
        assert _is(shown[-20:, :20], (255, 0, 0)) and _is(shown[-20:, -20:], (255, 0, 0))


def test_a_rotated_background_video_is_shown_as_a_player_shows_it(clips, tmp_path):
    """`-b video:phone.mp4` (a portrait clip stored sideways): its frames were put in as
    stored, sideways; they are now turned upright first, as a player shows them."""
    import av

    bgv = tmp_path / "bg.mp4"
    stored = cv2.rotate(_halves(180, 320), cv2.ROTATE_90_CLOCKWISE)  # 320x180, shown upright turned 90
    with av.open(str(bgv), "w") as c:
        s = c.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 320, 180, "yuv420p"
        s.set_display_rotation(90)
        for i in range(5):
            f = av.VideoFrame.from_ndarray(stored, format="bgr24")
            f.pts = i
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    assert _is(_first_frame_shown(bgv)[:20, :20], (0, 0, 255))  # (the clip is made as meant)
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "-b", f"video:{bgv}")
    assert r.returncode == 0, r.stderr
    shown = _first_frame_shown(out)  # 320x180: the upright picture's middle, red over blue
    assert _is(shown[:20, :20], (0, 0, 255)) and _is(shown[:20, -20:], (0, 0, 255))
    assert _is(shown[-20:, :20], (255, 0, 0)) and _is(shown[-20:, -20:], (255, 0, 0))


def _still_video(path, pic: np.ndarray, n: int, codec: str, pix_fmt: str):
    """``path``: ``n`` frames of ``pic`` (BGR) at 25 fps, in ``codec`` as ``pix_fmt``."""
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=25)
        s.width, s.height, s.pix_fmt = pic.shape[1], pic.shape[0], pix_fmt
        for i in range(n):
            f = av.VideoFrame.from_ndarray(pic, format="bgr24")
            f.pts = i
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    return path


def test_a_tiny_background_video_is_taken_as_a_tiny_picture_is(clips, tmp_path):
    """A background is scaled to cover the frame: `-b image:` of 2x2 pixels was taken, `-b
    video:` of 2x2 refused ("video is 2x2; livecut needs at least 16x16 pixels", the engine's
    least size, for frames it cuts); it is taken too, and shows what the picture shows."""
    tiny = np.zeros((2, 2, 3), np.uint8)
    tiny[:] = (255, 0, 0)
    cv2.imwrite(str(tmp_path / "tiny.png"), tiny)
    _still_video(tmp_path / "tiny.mkv", tiny, 3, "ffv1", "bgr0")
    shown = {}
    for kind, bg in (("image", "tiny.png"), ("video", "tiny.mkv")):
        out = tmp_path / f"{kind}.mp4"
        r = run_cli("file", str(clips["plain"]), "-o", str(out), "-b", f"{kind}:{tmp_path / bg}", "-q")
        assert r.returncode == 0, r.stderr
        shown[kind] = _first_frame_shown(out)
    assert _is(shown["video"][:20, :20], (255, 0, 0))  # (the background, blue, in the corner)
    assert np.abs(shown["video"].astype(int) - shown["image"]).mean() < 2


def _thirds(w: int, h: int) -> np.ndarray:
    """A BGR picture in three columns: red on the left quarter, green between, blue on the
    right quarter."""
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = (0, 255, 0)
    img[:, : w // 4] = (0, 0, 255)
    img[:, w - w // 4:] = (255, 0, 0)
    return img


@pytest.mark.parametrize("kind", ["image", "video"])
def test_a_background_keeps_its_shape_on_a_video_of_non_square_pixels(clips, tmp_path, kind):
    """Anamorphic footage (320x180 stored, pixels twice as wide: shown 640x180) over `-b image:`
    or `-b video:` of the shape it is shown at: the picture was fitted to the stored pixels as
    if they were square, so a player, which widens them, showed it twice as wide and cropped to
    its middle (its green half only); it now covers the frame as shown, its quarters at the
    sides."""
    src = tmp_path / "wide.mp4"
    _ffmpeg("-i", str(clips["plain"]), "-c", "copy", "-aspect", "32:9", str(src))
    pic = _thirds(640, 180)
    if kind == "image":
        bg = tmp_path / "bg.png"
        cv2.imwrite(str(bg), pic)
    else:
        bg = _still_video(tmp_path / "bg.mp4", pic, 5, "libx264", "yuv420p")
    for extra in ((), ("--set", "video.yuv=off")):  # (I420 and BGR composites)
        out = tmp_path / f"out{len(extra)}.mp4"
        r = run_cli("file", str(src), "-o", str(out), "-b", f"{kind}:{bg}", "--force", *extra)
        assert r.returncode == 0, r.stderr
        assert _shape(out) == (320, 180, Fraction(32, 9))
        stored = _first_frame_shown(out)  # (320 x 180: each pixel shown twice as wide)
        for rows in (slice(0, 20), slice(-20, None)):
            assert _is(stored[rows, :20], (0, 0, 255)), (extra, stored[rows, :20].reshape(-1, 3).mean(0))
            assert _is(stored[rows, -20:], (255, 0, 0)), (extra, stored[rows, -20:].reshape(-1, 3).mean(0))
            assert _is(stored[rows, 140:180], (0, 255, 0))


def test_a_background_video_of_non_square_pixels_is_shown_as_a_player_shows_it(clips, tmp_path):
    """`-b video:wide.mp4`, anamorphic footage (320x180 stored, pixels twice as wide: shown
    640x180): its frames were taken as square pixels, the whole of it squeezed into the frame;
    they are now widened first, as a player shows them, and their middle covers the frame."""
    import av

    bgv = tmp_path / "wide.mp4"
    stored = cv2.resize(_thirds(640, 180), (320, 180), interpolation=cv2.INTER_AREA)
    with av.open(str(bgv), "w") as c:
        s = c.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 320, 180, "yuv420p"
        s.codec_context.sample_aspect_ratio = Fraction(2)
        for i in range(5):
            f = av.VideoFrame.from_ndarray(stored, format="bgr24")
            f.pts = i
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    assert _shape(bgv) == (320, 180, Fraction(32, 9))  # (the clip is made as meant)
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(clips["plain"]), "-o", str(out), "-b", f"video:{bgv}")
    assert r.returncode == 0, r.stderr
    shown = _first_frame_shown(out)  # 320x180 square: the middle half of the 640x180 picture
    for corner in (shown[:20, :20], shown[:20, -20:], shown[-20:, :20], shown[-20:, -20:]):
        assert _is(corner, (0, 255, 0)), corner.reshape(-1, 3).mean(0)

def test_a_background_video_of_an_extreme_pixel_aspect_is_not_widened_beyond_bounds(tmp_path):
    """A background video whose file says its pixels are 100x as wide as tall (broken or crafted
    metadata: an .mkv's display size) had each frame widened to square pixels, 100x its stored
    width (a 1080p one at 143:1, 1 GB and 1.6 s a frame: 40 s for a 1 s clip); beyond a few
    times its pixels, the other side is made shorter instead, as the .webm writer does."""
    import av

    from livecut.config import load_config
    from livecut.runner import BackgroundVideo

    bgv = tmp_path / "strip.mp4"
    with av.open(str(bgv), "w") as c:
        s = c.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 320, 720, "yuv420p"
        s.codec_context.sample_aspect_ratio = Fraction(100)
        for i in range(3):
            f = av.VideoFrame.from_ndarray(_thirds(320, 720), format="bgr24")
            f.pts = i
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    assert _shape(bgv) == (320, 720, Fraction(400, 9))  # (the clip is made as meant)
    video = BackgroundVideo(bgv, load_config(None).video)
    try:
        frame = video.next()
    finally:
        video.close()
    assert frame.shape[1] / frame.shape[0] == pytest.approx(32000 / 720, rel=0.05), frame.shape
    assert frame.shape[0] * frame.shape[1] <= 4 * 320 * 720, frame.shape


def test_a_background_videos_frames_are_decoded_into_kept_buffers(tmp_path):
    """The rule of the hot path: each frame of a ``video:`` background was decoded into a new
    array (a 720p frame's 2.8 MB, every frame); the frame before is now given back to its
    source once replaced and the next decoded into it, the frames (looped too) as before."""
    import av

    import livecut.runner as runner
    from allocs import allocated_per_frame
    from livecut.config import load_config
    from livecut.runner import BackgroundVideo

    w, h, n = 640, 360, 4
    bgv = tmp_path / "bg.mp4"
    with av.open(str(bgv), "w") as c:
        s = c.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        for i in range(n):
            img = np.zeros((h, w, 3), np.uint8)
            img[:, : (i + 1) * w // (n + 1)] = (40 * i, 200, 255 - 50 * i)
            f = av.VideoFrame.from_ndarray(img, format="bgr24")
            f.pts = i
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    fresh = BackgroundVideo(bgv, load_config(None).video)
    try:
        ref = [fresh._src.read().image.copy() for _ in range(n)]
    finally:
        fresh.close()
    video = BackgroundVideo(bgv, load_config(None).video)
    got = []
    try:
        _, by_line = allocated_per_frame(lambda i: got.append(video.next().copy()), runner.__file__,
                                         frames=2 * n + 1)
    finally:
        video.close()
    line, most = max(by_line.items(), key=lambda kv: kv[1])
    assert most < w * h // 4, f"runner.py:{line} allocates {most} bytes a frame"
    assert len(got) == 3 + 2 * n + 1
    for i, g in enumerate(got):
        assert np.array_equal(g, ref[i % n]), i


@pytest.mark.parametrize("fmt", ["nut", "mpegts"])
def test_a_rotated_video_piped_out_is_upright(clips, tmp_path, fmt):
    """`-o -` of a phone's portrait clip: NUT and MPEG-TS cannot say the video is turned, so
    ffplay or an encoder downstream showed it sideways; its frames are now sent upright, as
    into AVI."""
    import av

    r, out = _pipe_out(clips["rotated"], tmp_path, "-q", "--set", f"video.pipe_format={fmt}")
    assert r.returncode == 0, r.stderr
    ref = tmp_path / "ref.mp4"  # (an MP4 keeps the rotation: as a player shows it)
    r = run_cli("file", str(clips["rotated"]), "-o", str(ref), "-q")
    assert r.returncode == 0, r.stderr
    shown = _first_frame_shown(ref)
    with av.open(str(out)) as c:
        f = next(c.decode(video=0))
        got = f.to_ndarray(format="bgr24")
        assert not f.rotation
    assert got.shape == shown.shape == (320, 180, 3)
    assert np.abs(got.astype(int) - shown).mean() < 12  # (sideways differs everywhere)


# ------------------------------------------------------- what a transcode keeps of its source

def _tags(path) -> tuple[dict, list[dict]]:
    """(the container's tags, each stream's) of ``path``, names in lower case."""
    import av

    with av.open(str(path)) as c:
        return ({k.lower(): v for k, v in c.metadata.items()},
                [{k.lower(): v for k, v in s.metadata.items()} for s in c.streams])


def test_the_source_s_tags_and_creation_time_are_kept(tmp_path):
    """A phone's clip: its title, creation time, location, make and model, and its tracks'
    names, were all dropped (the output said only the muxer's brand and encoder), so an
    editor or a photo library put the cut at today's date, without its place."""
    src = tmp_path / "phone.mov"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.6", "-f", "lavfi", "-i",
            "sine=f=440:r=48000:duration=0.6", "-f", "lavfi", "-i", "sine=f=880:r=48000:duration=0.6",
            "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-c:a", "aac",
            "-metadata", "title=Holiday", "-metadata", "creation_time=2024-05-01T12:34:56Z",
            "-metadata", "com.apple.quicktime.location.ISO6709=+48.8584+002.2945+035.000/",
            "-metadata", "com.apple.quicktime.make=Apple", "-metadata", "com.apple.quicktime.model=iPhone 12",
            "-metadata:s:v:0", "handler_name=Core Media Video", "-metadata:s:v:0", "language=eng",
            "-metadata:s:a:1", "language=fra", "-metadata:s:a:1", "title=Doublage",
            "-metadata:s:a:1", "handler_name=Doublage", "-movflags", "use_metadata_tags", str(src))
    for ext in (".mov", ".mp4", ".mkv", ".webm"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out), "-q")
        assert r.returncode == 0, r.stderr
        tags, streams = _tags(out)
        assert tags.get("title") == "Holiday", (ext, tags)
        assert tags.get("creation_time", "").startswith("2024-05-01T12:34:56"), (ext, tags)
        assert tags.get("com.apple.quicktime.location.iso6709") == "+48.8584+002.2945+035.000/", (ext, tags)
        assert tags.get("com.apple.quicktime.model") == "iPhone 12", (ext, tags)
        assert "major_brand" not in tags or ext in (".mov", ".mp4"), (ext, tags)
        assert streams[0].get("language") == "eng", (ext, streams)
        assert streams[2].get("language") == "fra", (ext, streams)
        if ext in (".mov", ".mp4"):  # (a track's name, as players show it)
            assert streams[0].get("handler_name") == "Core Media Video", (ext, streams)
            assert streams[2].get("handler_name") == "Doublage", (ext, streams)
        else:  # (FFmpeg reads an MP4 track's title as "name")
            assert streams[2].get("title") == "Doublage", (ext, streams)
    # the Apple keys as Apple spells them, from Matroska's capitals too
    again = tmp_path / "again.mp4"
    assert run_cli("file", str(tmp_path / "out.mkv"), "-o", str(again), "-q").returncode == 0
    import av

    with av.open(str(again)) as c:
        assert c.metadata.get("com.apple.quicktime.location.ISO6709") == "+48.8584+002.2945+035.000/", c.metadata
        assert c.metadata.get("title") == "Holiday", c.metadata


def test_an_android_phone_s_make_and_model_are_kept(tmp_path):
    """An Android phone's clip (a Pixel's: its make, model, Android version and capture rate as
    com.android.* keys, its location): into .mp4 and .mov the com.android keys were dropped,
    written only where an Apple key was there too, so the cut lost the phone it was shot on;
    they are kept, as ``ffmpeg -map_metadata 0 -movflags use_metadata_tags`` keeps them."""
    src = tmp_path / "pixel.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=30:duration=0.5", "-c:v", "libx264",
            "-metadata", "com.android.manufacturer=Google", "-metadata", "com.android.model=Pixel 8",
            "-metadata", "com.android.version=14", "-metadata", "com.android.capture.fps=30.0",
            "-metadata", "location=+48.8584+002.2945/", "-metadata", "creation_time=2024-05-01T12:34:56Z",
            "-movflags", "use_metadata_tags", str(src))
    assert _tags(src)[0].get("com.android.model") == "Pixel 8"
    for ext in (".mp4", ".mov", ".mkv"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out), "-q")
        assert r.returncode == 0, r.stderr
        tags, _ = _tags(out)
        assert tags.get("com.android.manufacturer") == "Google", (ext, tags)
        assert tags.get("com.android.model") == "Pixel 8", (ext, tags)
        assert tags.get("com.android.capture.fps") == "30.0", (ext, tags)
        assert tags.get("location") == "+48.8584+002.2945/", (ext, tags)
        assert tags.get("creation_time", "").startswith("2024-05-01T12:34:56"), (ext, tags)


def _cues(path) -> tuple[list[tuple], list[tuple]]:
    """(each subtitle stream's codec, language and default flag; each cue's stream (counted
    among the subtitles), seconds from the first video frame, seconds shown and text)."""
    import av

    with av.open(str(path)) as c:
        first = min(float(p.pts * p.time_base) for p in c.demux(c.streams.video[0]) if p.pts is not None)
    with av.open(str(path)) as c:
        subs = list(c.streams.subtitles)
        default = int(av.stream.Disposition.default)
        tracks = [(s.codec_context.codec.canonical_name, s.metadata.get("language"),
                   bool(int(s.disposition) & default))
                  for s in subs]
        order = {s.index: n for n, s in enumerate(subs)}
        cues = []
        for p in c.demux(*subs):
            if not p.size or p.pts is None:
                continue
            for sub in p.stream.codec_context.decode(p):
                text = sub.dialogue.decode() if hasattr(sub, "dialogue") else str(sub)
                cues.append((order[p.stream.index], round(float(p.pts * p.time_base) - first, 3),
                             round(float(p.duration * p.time_base), 3), text.strip()))
    return tracks, sorted(cues)


@pytest.mark.parametrize("ext, codecs", [(".mkv", ["subrip", "ass"]), (".webm", ["webvtt", "webvtt"]),
                                         (".mp4", ["mov_text", "mov_text"]), (".mov", ["mov_text", "mov_text"])])
def test_subtitle_tracks_are_kept(tmp_path, ext, codecs):
    """A film's subtitles (SubRip and ASS in Matroska, 1 s into its timeline): they
    were left out, without a word.  Each track is copied where the output takes its codec,
    else converted to the output's text subtitles, in order, with its language, default flag
    and timing (to the millisecond, against the video)."""
    (tmp_path / "en.srt").write_text("1\n00:00:00,100 --> 00:00:00,800\nHello\n\n"
                                     "2\n00:00:01,000 --> 00:00:01,400\nWorld\n")
    (tmp_path / "fr.srt").write_text("1\n00:00:00,300 --> 00:00:00,900\nBonjour\n")
    src = tmp_path / "film.mkv"  # (its sound 0.5 s late: the first cues come before it)
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1.5", "-itsoffset", "0.5", "-f", "lavfi", "-i",
            "sine=f=440:r=48000:duration=1", "-i", str(tmp_path / "en.srt"),
            "-i", str(tmp_path / "fr.srt"), "-map", "0", "-map", "1", "-map", "2",
            "-map", "3", "-c:v", "libx264", "-c:a", "libopus", "-c:s:0", "srt", "-c:s:1", "ass",
            "-metadata:s:s:0", "language=eng", "-metadata:s:s:1", "language=fra",
            "-disposition:s:0", "0", "-disposition:s:1", "default", "-output_ts_offset", "1", str(src))
    tracks, cues = _cues(src)
    assert [c[:2] for c in cues] == [(0, 0.1), (0, 1.0), (1, 0.3)], cues  # (as made)
    out = tmp_path / f"out{ext}"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert "subtitle" not in r.stderr, r.stderr
    got_tracks, got_cues = _cues(out)
    assert got_tracks == [(codecs[0], "eng", False), (codecs[1], "fra", True)], got_tracks
    assert [(n, t, d) for n, t, d, _ in got_cues] == [(0, 0.1, 0.7), (0, 1.0, 0.4), (1, 0.3, 0.6)], got_cues
    assert [text.rsplit(",", 1)[-1].split(">")[-1].split("<")[0] for *_, text in got_cues] == \
        ["Hello", "World", "Bonjour"], got_cues


@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
def test_subtitles_before_the_video_begin_with_it(tmp_path, ext):
    """Subtitles that begin before the video (its first frame 0.5 s in): cues written before the
    output's 0 put the next cue of an .mp4 at 0.001 s, and began a .mkv's video 0.32 s late.  A
    cue still shown at 0 is shown from 0 for what is left of it, one over by then is left out."""
    (tmp_path / "en.srt").write_text("1\n00:00:00,100 --> 00:00:00,300\nGone\n\n"
                                     "2\n00:00:00,300 --> 00:00:00,800\nHello\n\n"
                                     "3\n00:00:01,000 --> 00:00:01,300\nWorld\n")
    src = tmp_path / "late.mkv"
    _ffmpeg("-itsoffset", "0.5", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1.5",
            "-i", str(tmp_path / "en.srt"), "-map", "0", "-map", "1", "-c:v", "libx264", "-c:s", "srt", str(src))
    _, made = _cues(src)
    assert [c[1] < 0 for c in made] == [True, True, False], made  # (against the video's first frame)
    out = tmp_path / f"out{ext}"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    import av

    with av.open(str(out)) as c:
        first = min(float(p.pts * p.time_base) for p in c.demux(c.streams.video[0]) if p.pts is not None)
    assert first == 0, first
    _, got = _cues(out)
    assert [(t, d, text[-5:]) for _, t, d, text in got] == \
        [(0.0, round(made[1][1] + made[1][2], 3), "Hello"), (made[2][1], 0.3, "World")], (made, got)


def test_subtitles_an_output_cannot_hold_are_said(tmp_path):
    """A phone's or an editor's MP4 subtitles (mov_text) into .mkv are converted (SubRip); into
    .avi, which holds none, the run says they are left out."""
    (tmp_path / "en.srt").write_text("1\n00:00:00,200 --> 00:00:00,600\nHello\n")
    src = tmp_path / "clip.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-i", str(tmp_path / "en.srt"),
            "-map", "0", "-map", "1", "-c:v", "libx264", "-c:s", "mov_text", "-metadata:s:s:0", "language=eng",
            str(src))
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    tracks, cues = _cues(out)
    assert tracks == [("subrip", "eng", True)] and [c[1:3] for c in cues] == [(0.2, 0.4)], (tracks, cues)
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.avi"), "-q")
    assert r.returncode == 0, r.stderr
    assert "subtitle stream 1 (mov_text, eng): a .avi file cannot hold it; left out (.mkv keeps it)" in r.stderr


def test_subtitles_that_are_not_utf8_and_cannot_be_converted_are_said(tmp_path):
    """An old film's SubRip in Latin-1 (copied into Matroska as it is, as mkvmerge or ffmpeg
    -c:s copy keeps it): into .mp4 its every cue was left out without a word (FFmpeg's decoder
    takes UTF-8 only), an empty mov_text track, exit 0.  The run says how many are left out."""
    (tmp_path / "fr.srt").write_bytes(b"1\n00:00:00,200 --> 00:00:00,600\nCaf\xe9 cr\xe8me\n\n"
                                      b"2\n00:00:00,700 --> 00:00:00,900\nD\xe9j\xe0\n")
    src = tmp_path / "film.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-i", str(tmp_path / "fr.srt"),
            "-map", "0", "-map", "1", "-c:v", "libx264", "-c:s", "copy", str(src))
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"), "-q")
    assert r.returncode == 0, r.stderr
    assert ("subtitle stream 1 (subrip): 2 cues could not be read (text that is not UTF-8, or damaged) and are "
            "left out of its mov_text track (.mkv keeps them as they are)") in r.stderr, r.stderr
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mkv"), "-q")  # (copied as they are)
    assert r.returncode == 0 and "subtitle" not in r.stderr, r.stderr


def _chaptered(tmp_path, split_ms: int, end_ms: int):
    """A clip of ``end_ms`` with two chapters, Intro and Talk, split at ``split_ms``."""
    meta = tmp_path / "chapters.txt"
    meta.write_text(f";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND={split_ms}\ntitle=Intro\n"
                    f"[CHAPTER]\nTIMEBASE=1/1000\nSTART={split_ms}\nEND={end_ms}\ntitle=Talk\n")
    src = tmp_path / "talk.mkv"
    _ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=160x96:rate=25:duration={end_ms / 1000}", "-i", str(meta),
            "-map", "0", "-map_chapters", "1", "-c:v", "libx264", str(src))
    return src


def test_chapters_are_kept(tmp_path):
    """A recording's chapters were left out of every output; they are kept where the container
    holds them, and .avi, which holds none, says they are left out."""
    src = _chaptered(tmp_path, 600, 1200)
    import av

    for ext in (".mp4", ".mov", ".mkv", ".webm"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out), "-q")
        assert r.returncode == 0, r.stderr
        with av.open(str(out)) as c:
            got = [(round(float(ch["start"] * ch["time_base"]), 3), ch["metadata"].get("title")) for ch in c.chapters()]
        assert got == [(0.0, "Intro"), (0.6, "Talk")], (ext, got)
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.avi"), "-q")
    assert r.returncode == 0, r.stderr
    assert "2 chapters: a .avi file cannot hold them; left out" in r.stderr, r.stderr


def test_chapters_end_with_a_cut(tmp_path):
    """--frames N (or Ctrl-C): chapters past the end of the cut made an .mp4 or .mov as long as the
    source (its chapter track: 2 s for 0.4 s of video) and listed chapters the file does not
    hold; they end with the cut, those that begin after it are left out."""
    import av

    src = _chaptered(tmp_path, 1000, 2000)
    for ext in (".mp4", ".mkv"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out), "--frames", "10", "-q")
        assert r.returncode == 0, r.stderr
        with av.open(str(out)) as c:
            got = [(round(float(ch["start"] * ch["time_base"]), 3), round(float(ch["end"] * ch["time_base"]), 3),
                    ch["metadata"].get("title")) for ch in c.chapters()]
            duration = c.duration / 1e6
        assert got == [(0.0, 0.4, "Intro")], (ext, got)
        assert duration < 0.5, (ext, duration)


def test_a_subtitle_cue_ends_with_a_cut(tmp_path):
    """--frames N (or Ctrl-C) in the middle of a cue: the cue ran on past the last frame, a 0.4 s
    cut said 1.5 s long (its last frame held to the cue's end); it ends with the cut."""
    import av

    srt = tmp_path / "s.srt"
    srt.write_text("1\n00:00:00,200 --> 00:00:01,500\nHello\n")
    src = tmp_path / "talk.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=2", "-i", str(srt), "-map", "0",
            "-map", "1", "-c:v", "libx264", "-c:s", "srt", str(src))
    for ext in (".mp4", ".mkv"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out), "--frames", "10", "-q")
        assert r.returncode == 0, r.stderr
        with av.open(str(out)) as c:
            cues = [(float(p.pts * p.time_base), float(p.duration * p.time_base))
                    for p in c.demux(c.streams.subtitles[0]) if p.size > 2 and p.duration]  # (not MP4's gaps)
            duration = c.duration / 1e6
        assert cues == [(0.2, pytest.approx(0.2, abs=0.002))], (ext, cues)
        assert duration < 0.45, (ext, duration)


def test_timecode_is_kept(tmp_path):
    """A camera's or an editor's .mov starts at a timecode (a timecode track): it was left
    out, so an editor placed the cut at 00:00:00:00, away from the rest of the take.  .mov
    and .mp4 get a timecode track, .mkv the tag; .avi, which holds none, says it is left out."""
    import av

    src = tmp_path / "take.mov"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=30000/1001:duration=0.6", "-f", "lavfi", "-i",
            "sine=f=440:r=48000:duration=0.6", "-c:v", "libx264", "-c:a", "pcm_s16le",
            "-timecode", "01:02:03;04", str(src))
    for ext in (".mov", ".mp4", ".mkv"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out), "-q")
        assert r.returncode == 0, r.stderr
        with av.open(str(out)) as c:
            video = {k.lower(): v for k, v in c.streams.video[0].metadata.items()}
            tracks = [s for s in c.streams if s.type == "data" and s.metadata.get("timecode")]
        assert video.get("timecode") == "01:02:03;04", (ext, video)
        assert len(tracks) == (ext != ".mkv"), (ext, tracks)  # (a timecode track: what editors read)
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.avi"), "-q")
    assert r.returncode == 0, r.stderr
    assert "timecode 01:02:03;04: a .avi file cannot hold it; left out" in r.stderr, r.stderr
    # drop-frame timecode at 25 fps, which cannot count it (FFmpeg left it out without a word)
    odd = tmp_path / "odd.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.4", "-c:v", "libx264",
            "-metadata:s:v:0", "timecode=01:00:00;00", str(odd))
    r = run_cli("file", str(odd), "-o", str(tmp_path / "odd.mov"), "-q")
    assert r.returncode == 0, r.stderr
    assert "timecode 01:00:00;00: drop-frame, which 25.000 fps cannot count; left out" in r.stderr, r.stderr


def test_timecode_is_kept_in_an_m4v(tmp_path):
    """An .m4v (FFmpeg's iPod muxer, which writes a timecode track only when asked) lost the
    timecode an .mp4 keeps, without a word; it gets its timecode track as an .mp4 does."""
    import av

    src = tmp_path / "take.mov"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.4", "-f", "lavfi", "-i",
            "sine=f=440:r=48000:duration=0.4", "-c:v", "libx264", "-c:a", "aac", "-timecode", "01:02:03:04", str(src))
    out = tmp_path / "out.m4v"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        tracks = [s for s in c.streams if s.type == "data" and s.metadata.get("timecode")]
        assert c.streams.video[0].metadata.get("timecode") == "01:02:03:04", c.streams.video[0].metadata
    assert len(tracks) == 1, tracks


@pytest.mark.parametrize("tc, said", [("garbage", "timecode 'garbage': not a timecode (hh:mm:ss:ff); left out"),
                                      ("01:00:00,00", "timecode 01:00:00,00: drop-frame, which 25.000 fps")])
def test_a_timecode_a_mov_cannot_hold_is_said(tmp_path, tc, said):
    """A timecode FFmpeg cannot read, or drop-frame written with ',' (as FFmpeg reads ';' and '.')
    at 25 fps: FFmpeg left it out of the .mov without a word."""
    import av

    src = tmp_path / "odd.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.4", "-c:v", "libx264",
            "-metadata:s:v:0", f"timecode={tc}", str(src))
    out = tmp_path / "out.mov"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert said in r.stderr, r.stderr
    with av.open(str(out)) as c:
        assert [s.type for s in c.streams] == ["video"] and "timecode" not in c.streams.video[0].metadata


def test_chapters_beside_a_timecode_in_a_mov_without_audio_are_said(tmp_path):
    """FFmpeg refers a silent video track to its timecode track only: chapters written beside it
    came out as a subtitle track of chapter names.  The timecode is kept, the chapters are
    left out and said so."""
    import av

    meta = tmp_path / "chapters.txt"
    meta.write_text(";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=600\ntitle=Intro\n")
    src = tmp_path / "silent.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.6", "-i", str(meta), "-map", "0",
            "-map_chapters", "1", "-c:v", "libx264", "-timecode", "10:00:00:00", str(src))
    out = tmp_path / "out.mov"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert "1 chapter: FFmpeg cannot write it beside the timecode in a .mov file without audio" in r.stderr
    with av.open(str(out)) as c:
        assert [s.type for s in c.streams] == ["video", "data"], list(c.streams)
        assert c.streams.video[0].metadata.get("timecode") == "10:00:00:00"


@pytest.mark.parametrize("rate", ["24000/1001", "30000/1001", "60000/1001"])
def test_an_ntsc_rate_from_milliseconds_is_written_on_its_own_times(tmp_path, rate):
    """Matroska's millisecond timestamps of a 23.976 fps video, frames 41 and 42 ms apart, made
    an .mp4 of 23.989 fps (768000/32027; 29.97: 480000/16019) that editors take for variable
    frame rate; ffmpeg writes 24000/1001.  The frames go on the rate's own times."""
    import av

    src = tmp_path / "film.mkv"
    _ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=160x96:rate={rate}:duration=1", "-c:v", "libx264", str(src))
    for ext in (".mp4", ".mov"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out), "-q")
        assert r.returncode == 0, r.stderr
        with av.open(str(out)) as c:
            s = c.streams.video[0]
            assert s.average_rate == Fraction(rate), (ext, s.average_rate)
            pts = sorted(p.pts for p in c.demux(s) if p.pts is not None)
            assert len(set(b - a for a, b in zip(pts, pts[1:]))) == 1, (ext, pts)  # (every frame as long)
            assert abs(float((pts[-1] - pts[0]) * s.time_base) - (len(pts) - 1) / float(Fraction(rate))) < 1e-6
    if rate != "24000/1001":
        return
    # frames off the rate's times (a pause of 0.2 s in the recording) keep theirs
    true = [n * 1001 / 24000 + (n >= 12) * 0.2 for n in range(24)]
    src = tmp_path / "vfr.mkv"
    with av.open(str(src), "w") as c:
        s = c.add_stream("libx264", rate=Fraction(rate))
        s.width, s.height, s.pix_fmt = 160, 96, "yuv420p"
        s.time_base = s.codec_context.time_base = Fraction(1, 1000)
        for n, t in enumerate(true):
            f = av.VideoFrame.from_ndarray(np.full((96, 160, 3), n * 10, np.uint8), format="bgr24")
            f.pts, f.time_base = round(t * 1000), Fraction(1, 1000)
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    out = tmp_path / "vfr.mp4"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    b = probe(out)["pts"]
    assert len(b) == 24 and max(abs((y - b[0]) - t) for y, t in zip(b, true)) < 0.0011, b


def test_frames_a_millisecond_apart_keep_their_own_times(tmp_path):
    """A 23.976 fps Matroska with two frames a millisecond apart (834 and 835 ms, by the rate's
    time 834.17 ms): both were put on that time and the next tick, which an .mkv or .webm (in
    milliseconds) wrote as two frames at 834 ms and an .mp4 as 834.17 and 834.21 ms.  Each
    frame keeps a time of its own, the second its source's."""
    import av

    ms = [round(n * 1001 / 24) for n in range(20)] + [834, 835] + [round(n * 1001 / 24) for n in range(21, 30)]
    src = tmp_path / "vfr.mkv"
    with av.open(str(src), "w") as c:
        s = c.add_stream("libx264", rate=Fraction(24000, 1001))
        s.width, s.height, s.pix_fmt = 160, 96, "yuv420p"
        s.time_base = s.codec_context.time_base = Fraction(1, 1000)
        for n, t in enumerate(ms):
            f = av.VideoFrame.from_ndarray(np.full((96, 160, 3), n * 8, np.uint8), format="bgr24")
            f.pts, f.time_base = t, Fraction(1, 1000)
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    for ext in (".mkv", ".mp4"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out), "-q")
        assert r.returncode == 0, r.stderr
        got = probe(out)["pts"]
        got = [round(t - got[0], 6) for t in got]
        assert len(got) == len(ms) and len(set(got)) == len(ms), (ext, got)
        assert got[20:22] == ([0.834, 0.835] if ext == ".mkv" else [round(20 * 1001 / 24000, 6), 0.835]), (ext, got)


@pytest.mark.parametrize("spec", ["out.mp4", "frames/"])
def test_file_sinks_refuse_frames_they_cannot_write_with_a_typed_error(tmp_path, spec):
    """A file sink used from Python: a float, 16-bit (video), 2-channel, empty or missing
    frame raised a bare cv2.error, ZeroDivisionError or AttributeError, and PNG frames wrote
    a float frame as levels 0 and 1 (black); the PNG sink written to before ``with`` or after
    close raised a bare TypeError (the video sink says "not open")."""
    from livecut.errors import ArrayError, VideoWriteError
    from livecut.sinks import open_sink
    from livecut.sinks.base import SinkInfo

    img = np.full((48, 64, 3), 100, np.uint8)
    sink = open_sink(f"{tmp_path}/{spec}", SinkInfo(width=64, height=48, fps=25.0))
    with pytest.raises(VideoWriteError, match="not open"):
        sink.write(img)
    bad = [img / 255.0, img[:, :, :2], img[:0], None, img.tolist()]
    if spec.endswith(".mp4"):
        bad.append(img.astype(np.uint16))
    with sink:
        for frame in bad:
            with pytest.raises(ArrayError, match="cannot write a frame of"):
                sink.write(frame)
        sink.write(img)
        sink.write(img[:, :, 0])
        if spec == "frames/":  # (a 16-bit PNG)
            sink.write(img.astype(np.uint16) * 257)
    with pytest.raises(VideoWriteError, match="closed already"):
        sink.write(img)
    if spec == "frames/":
        names = sorted(p.name for p in (tmp_path / "frames").iterdir())
        assert names == ["frame_000000.png", "frame_000001.png", "frame_000002.png"]
        assert cv2.imread(str(tmp_path / "frames" / names[2]), cv2.IMREAD_UNCHANGED).dtype == np.uint16
    else:
        assert probe(tmp_path / spec)["frames"] == 2


def test_the_null_sink_refuses_frames_the_other_sinks_refuse():
    """``null:`` counted anything written to it as a frame (None, a list, a float or 2-channel
    array, a NaN time) where every other sink refuses it with a typed error: a pipeline tried
    against ``null:`` (``livecut bench --live``, a test of one's own) passed, then failed on a
    real output.  It checks frames and times as they do; I420 frames (its use_pixel_format)
    still go through."""
    from livecut.errors import ArrayError, ConfigError, ConfigTypeError
    from livecut.sinks import open_sink
    from livecut.sinks.base import SinkInfo

    img = np.full((48, 64, 3), 100, np.uint8)
    with open_sink("null:", SinkInfo(width=64, height=48, fps=25.0)) as sink:
        for frame in (None, img.tolist(), img / 255.0, img[:, :, :2], img[:0], img.astype(np.int16)):
            with pytest.raises(ArrayError, match="^null: cannot write a frame of"):
                sink.write(frame)
        with pytest.raises(ConfigError, match="pts nan"):
            sink.write(img, float("nan"))
        with pytest.raises(ConfigTypeError, match="pts '1'"):
            sink.write(img, "1")
        sink.write(img)
        sink.write(img[:, :, 0], 0.04)
        sink.write(np.zeros((48, 64, 4), np.uint8))
        sink.use_pixel_format("yuv420p")
        sink.write(np.zeros((72, 64), np.uint8))
    assert sink.frames == 4


@pytest.mark.parametrize("spec", ["out.mp4", "frames/"])
def test_a_file_sink_opened_again_says_so_and_loses_nothing(tmp_path, spec):
    """A file sink entered again (after its ``with``, or inside it) wrote the new frames to a
    temporary file or folder that was never renamed into place: lost without a word (its
    ``frames`` counted them), and PNG frames' hidden folder left behind."""
    from livecut.errors import VideoWriteError
    from livecut.sinks import open_sink
    from livecut.sinks.base import SinkInfo

    img = np.full((48, 64, 3), 100, np.uint8)
    sink = open_sink(f"{tmp_path}/{spec}", SinkInfo(width=64, height=48, fps=25.0))
    with sink:
        sink.write(img)
        with pytest.raises(VideoWriteError, match="already open"):
            sink.__enter__()
        sink.write(img)
    with pytest.raises(VideoWriteError, match="closed; a file sink writes one output"):
        with sink:
            sink.write(img)
    sink.close()  # (again: nothing to do)
    assert sorted(p.name for p in tmp_path.iterdir()) == [spec.rstrip("/")]  # (no hidden folder left)
    if spec == "frames/":
        assert len(list((tmp_path / "frames").iterdir())) == 2
    else:
        assert probe(tmp_path / spec)["frames"] == 2


def test_open_source_and_open_sink_take_a_config_as_the_library_does(tmp_path):
    """open_sink(spec, info, load_config(...)) -- a Config, as Segmenter and Compositor take
    one -- failed as it was opened with a bare AttributeError ('Config' object has no
    attribute 'codec'); open_source took a preset's name or any other object without a word
    (and a Config only by chance, for files).  Both take a Config (its video section), a
    VideoConfig or None; anything else is a ConfigTypeError that says what to give."""
    from conftest import make_clip
    from livecut import load_config
    from livecut.errors import ConfigTypeError
    from livecut.sinks import open_sink
    from livecut.sinks.base import SinkInfo
    from livecut.sources import open_source

    cfg = load_config("fast", ["video.crf=30"])
    info = SinkInfo(width=64, height=48, fps=25.0)
    with open_sink(str(tmp_path / "out.mp4"), info, cfg) as sink:
        assert sink.cfg == cfg.video
        for i in range(3):
            sink.write(np.full((48, 64, 3), 60 * i, np.uint8))
    assert probe(tmp_path / "out.mp4")["frames"] == 3
    make_clip(tmp_path / "in.mp4", n=3)
    with open_source(str(tmp_path / "in.mp4"), cfg) as src:
        assert src.cfg == cfg.video and src.read() is not None
    for bad in ("fast", cfg.segment):
        with pytest.raises(ConfigTypeError, match="open_sink: config must be a Config"):
            open_sink(str(tmp_path / "x.mp4"), info, bad)
        with pytest.raises(ConfigTypeError, match="open_source: config must be a Config"):
            open_source(str(tmp_path / "in.mp4"), bad)


@pytest.mark.parametrize("fps, want", [(np.float32(29.97), 30000 / 1001), (float("nan"), 30.0),
                                       (float("inf"), 30.0)])
def test_a_sink_takes_any_real_frame_rate(tmp_path, fps, want):
    """SinkInfo(fps=np.float32(29.97)) -- a rate computed with numpy -- was a bare TypeError
    from Fraction as the sink opened, NaN a bare ValueError, infinity an OverflowError; a
    numpy number is taken as the number it is, a rate that is not finite as unknown (30, as
    None and 0 are)."""
    from livecut.sinks import open_sink
    from livecut.sinks.base import SinkInfo

    out = tmp_path / "out.mp4"
    with open_sink(str(out), SinkInfo(width=64, height=48, fps=fps)) as sink:
        for i in range(3):
            sink.write(np.full((48, 64, 3), 60 * i, np.uint8))
    p = probe(out)
    assert p["frames"] == 3 and p["fps"] == pytest.approx(want, rel=1e-6)


def test_sink_info_is_checked_at_the_boundary(tmp_path):
    """A width of 320.0, an fps of '30' or a tuple where a SinkInfo goes were bare
    TypeErrors from deep inside a sink (or nothing, until a later sink choked), 100000x100000
    a MemoryError: each is a typed error naming the field; ints of numpy, a Fraction rate
    and None (unknown) are taken."""
    from livecut.errors import ConfigError, ConfigTypeError, ImageSizeError
    from livecut.sinks import open_sink
    from livecut.sinks.base import SinkInfo

    out = str(tmp_path / "out.mp4")
    with pytest.raises(ConfigTypeError, match="width 320.0"):
        SinkInfo(320.0, 240, 30)
    with pytest.raises(ConfigTypeError, match="fps '30'"):
        SinkInfo(320, 240, "30")
    with pytest.raises(ImageSizeError, match="100000x100000"):
        SinkInfo(100000, 100000, 30)
    with pytest.raises(ConfigError, match="channels 2"):
        SinkInfo(320, 240, 30, channels=2)
    with pytest.raises(ConfigError, match="rotation 45"):
        SinkInfo(320, 240, 30, rotation=45)
    with pytest.raises(ConfigTypeError, match="got tuple"):
        open_sink(out, (320, 240, 30))
    info = SinkInfo(64, 48, 25)
    info.height = 48.0  # (changed after it was made: checked again as the sink opens)
    with pytest.raises(ConfigTypeError, match="height 48.0"):
        open_sink(out, info)
    assert not os.path.exists(out)
    for fps in (Fraction(30000, 1001), None):
        with open_sink("null:", SinkInfo(np.int64(64), np.int32(48), fps, rotation=-90)) as sink:
            sink.write(np.zeros((48, 64, 3), np.uint8))


def test_a_warning_naming_a_file_with_a_newline_stays_one_line(tmp_path):
    """A warning naming the file, or the summary line, was written as it is, so a newline in the
    file's name broke it across lines ('livecut: warning: two', then 'z.mkv has 2 video streams
    ...'), where an error and `livecut image`'s warnings are written escaped (\\n)."""
    src = tmp_path / "two\nz.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.2",
            "-f", "lavfi", "-i", "testsrc=size=160x96:rate=25:duration=0.2",
            "-map", "0:v", "-map", "1:v", "-c:v", "libx264", str(src))
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"))
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert any(ln.startswith("livecut: warning: two\\nz.mkv has 2 video streams: ") for ln in lines), lines
    assert any(ln.startswith(f"{tmp_path}/two\\nz.mkv -> {tmp_path}/out.mp4: 5 frames") for ln in lines), lines
    assert all(ln.startswith(("livecut: ", str(tmp_path))) for ln in lines), lines


def test_the_command_to_extract_another_video_stream_quotes_the_name(tmp_path):
    """The two-stream warning's command named the file as it is: 'ffmpeg -i my clip.mkv -map 0:1
    ... -c copy my clip-1.mkv', which the shell splits at the space; the names are quoted, as
    the other commands a warning gives are."""
    src = tmp_path / "my clip.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.2",
            "-f", "lavfi", "-i", "testsrc=size=160x96:rate=25:duration=0.2",
            "-map", "0:v", "-map", "1:v", "-c:v", "libx264", str(src))
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"), "-q")
    assert r.returncode == 0, r.stderr
    assert "ffmpeg -i 'my clip.mkv' -map 0:1 -map '0:a?' -c copy 'my clip-1.mkv'" in r.stderr, r.stderr


def test_an_mpegts_output_name_is_pointed_to_the_pipe(tmp_path):
    """`livecut file in.mp4 -o rec.ts` was 'unknown video type' without the way the README gives
    to write one (`-o - --set video.pipe_format=mpegts > rec.ts`); the refusal says it, and
    only for an MPEG-TS name."""
    from livecut.errors import UsageError
    from livecut.sinks.file import check_output

    for name in ("rec.ts", "rec.m2ts", "rec.MTS"):
        with pytest.raises(UsageError, match=r"unknown video type .*pipe_format=mpegts > " + re.escape(name)):
            check_output(str(tmp_path / name))
    with pytest.raises(UsageError, match="unknown video type") as e:
        check_output(str(tmp_path / "rec.xyz"))
    assert "pipe_format" not in str(e.value)


def test_force_where_no_file_is_written_is_said_to_be_ignored(tmp_path):
    """`livecut file in.mp4 -o null: --force` (or -o -, a stream, no -o) ignored --force without
    a word; it is said, once, and the run goes on.  A file output takes it without a note."""
    clip = make_clip(tmp_path / "in.mp4", w=64, h=48, n=3)
    r = run_cli("file", str(clip), "-o", "null:", "--force", "-q")
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "livecut: warning: --force ignored: no file is written (-o null:)", r.stderr
    r = run_cli("file", str(clip), "-o", "rtsp://me:s3cret@127.0.0.1:9/x", "--force", "-q")
    assert r.returncode == 1 and "--force ignored: no file is written (-o rtsp://***@127.0.0.1:9/x)" in r.stderr
    assert "s3cret" not in r.stderr, r.stderr
    out = tmp_path / "out.mp4"
    out.write_bytes(b"old")
    r = run_cli("file", str(clip), "-o", str(out), "--force", "-q")
    assert r.returncode == 0 and "--force" not in r.stderr, r.stderr
    assert probe(out)["frames"] == 3


@pytest.mark.parametrize("pause", [False, True])
def test_frames_closer_than_the_avi_tick_are_said_to_be_late(tmp_path, pause):
    """Stated 30 fps (its first frames'), then a stretch at 60, with or without a pause after
    it (the 30 fps tick is taken): the 60 fps frames cannot each have their own tick, and were
    written later and later -- without the pause the video ended 1 s after its sound -- and
    nothing said so.  A warning now says how late, and what keeps the times; a Matroska output
    of the same clip (each frame's time kept) says nothing of it."""
    fast = 30 if pause else 60  # (with the pause: half a second at 60 fps, then half a second of nothing)
    ms = [round(i * 1000 / 30) for i in range(30)] + [1000 + round(i * 1000 / 60) for i in range(fast)]
    ms += [2000 + round(i * 1000 / 30) for i in range(15)]
    src = make_clip(tmp_path / "vfr.mkv", w=160, h=96, n=len(ms), pts=ms, time_base=Fraction(1, 1000), fps=30,
                    audio=True)
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.avi"))
    assert r.returncode == 0, r.stderr
    late = [line for line in r.stderr.splitlines() if "later than their time" in line]
    assert len(late) == 1, r.stderr
    if pause:  # (the frames at 60 fps take the half second of the pause: on time again after it)
        assert "up to 0.50 s (on time again by the end), out of step with the sound" in late[0], late[0]
    else:  # (the 60 at 60 fps take 2 s for 1: all but the first two late, the 15 after them 1 s)
        assert "73 frames were written later than their time, up to 1.00 s (1.00 s at the end), out of step " \
            "with the sound" in late[0], late[0]
    assert "the 30 frames a second this .avi file keeps" in late[0] and ".mkv" in late[0]
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mkv"))
    assert r.returncode == 0, r.stderr
    assert "later than their time" not in r.stderr


def test_frames_late_for_a_time_going_back_are_not_blamed_on_the_tick(tmp_path):
    """A damaged file's frames whose times go back (2.13, 3.13, 2.17, 3.17, 2.2 s ...: a frame
    of garbage time among them) are each written after the last, late; that is no frame rate
    too fine for the output, and the warning said 'their times are closer together than the
    15360 frames a second libx264 keeps'.  Frames pushed by such a one are not counted; frames
    closer than the ticks after it are."""
    from livecut.sinks.base import SinkInfo
    from livecut.sinks.file import VideoFileSink

    info = SinkInfo(width=64, height=48, fps=30.0, time_base=Fraction(1, 30))
    times = [i / 30 for i in range(10)] + [2.0, 10 / 30, 2.1, 11 / 30, 2.2] + [2.2 + i / 30 for i in range(1, 6)]
    with VideoFileSink(tmp_path / "a.avi", info) as sink:
        for t in times:
            sink.write(np.zeros((48, 64, 3), np.uint8), t)
    assert not [w for w in sink.warnings if "later than their time" in w], sink.warnings
    # (then frames at 60 fps, in order: those are the ticks')
    with VideoFileSink(tmp_path / "b.avi", info) as sink:
        for t in times + [2.4 + i / 60 for i in range(20)]:
            sink.write(np.zeros((48, 64, 3), np.uint8), t)
    late = [w for w in sink.warnings if "later than their time" in w]
    assert late and "this .avi file keeps" in late[0], sink.warnings


def test_a_video_in_an_append_only_folder_says_the_temporary_file_it_keeps(tmp_path, append_only):
    """In a folder made append-only (chattr +a) the finished video is linked to its name but its
    hidden temporary name cannot be removed, root too: it was left beside it without a word."""
    src = make_clip(tmp_path / "in.mp4", n=5)
    out = tmp_path / "out"
    out.mkdir()
    append_only(out)
    r = run_cli("file", str(src), "-o", str(out / "o.mp4"), "-q")
    assert r.returncode == 0, r.stderr
    tmp = [p for p in out.iterdir() if p.name.startswith(".o.mp4.livecut-")]
    assert len(tmp) == 1 and probe(out / "o.mp4"), sorted(out.iterdir())
    assert (f"livecut: warning: {out / 'o.mp4'}: written, but its temporary file {tmp[0]}, a second name of the "
            "same file, could not be removed (operation not permitted: a folder that takes new names but lets none "
            "be removed, append-only?): remove it once the folder allows") in r.stderr.splitlines(), r.stderr


def _left_folder(out: Path, name: str) -> str:
    """The warning of the PNG frames ``out/name`` whose empty temporary folder could not be removed."""
    (tmp,) = [p for p in out.iterdir() if p.name.startswith(f".{name}.livecut-")]
    assert tmp.is_dir() and not any(tmp.iterdir()), sorted(tmp.iterdir())
    return (f"{out / name}: written, but its temporary folder {tmp}, empty, could not be removed (operation not "
            "permitted: a folder that takes new names but lets none be removed, append-only?): remove it once "
            "the folder allows")


def test_png_frames_in_an_append_only_folder_are_moved_in_and_the_folder_left_is_said(tmp_path, append_only):
    """In a folder made append-only (chattr +a) the frames' hidden temporary folder could not be
    renamed to the output's name, root too: the whole run's frames were thrown away ('cannot move
    the finished frames into place (Operation not permitted)', exit 1) and the empty temporary
    folder left beside, unsaid; an empty DIR/ there the same. The output folder is made there (or
    taken) and the frames moved into it; the empty folder left is said."""
    src = make_clip(tmp_path / "in.mp4", n=5)
    out = tmp_path / "out"
    out.mkdir()
    append_only(out)
    (out / "given").mkdir()
    for name in ("frames", "given"):
        r = run_cli("file", str(src), "-o", f"{out / name}/", "-q")
        assert r.returncode == 0, r.stderr
        assert len(list((out / name).glob("frame_*.png"))) == 5, sorted((out / name).iterdir())
        assert f"livecut: warning: {_left_folder(out, name)}" in r.stderr.splitlines(), r.stderr


def test_png_frames_whose_temporary_folder_cannot_be_renamed_nor_removed(tmp_path, monkeypatch):
    """As in an append-only folder where chattr cannot be had (not root, tmpfs): the frames'
    temporary folder is neither renamed (EPERM) nor removed after (EPERM): the frames are moved
    into the output folder, made, and the sink's warnings name the folder left."""
    import errno

    from livecut.sinks import open_sink
    from livecut.sinks.base import SinkInfo

    real_rename, real_rmdir = os.rename, os.rmdir

    def refused(real):
        def call(path, *a, **kw):
            if ".livecut-" in Path(path).name:
                raise PermissionError(errno.EPERM, "Operation not permitted", str(path))
            return real(path, *a, **kw)
        return call

    monkeypatch.setattr(os, "rename", refused(real_rename))
    monkeypatch.setattr(os, "rmdir", refused(real_rmdir))
    sink = open_sink(f"{tmp_path}/frames/", SinkInfo(width=64, height=48, fps=25.0))
    with sink:
        for v in (10, 200):
            sink.write(np.full((48, 64, 3), v, np.uint8))
    assert [int(cv2.imread(str(p))[0, 0, 0]) for p in sorted((tmp_path / "frames").iterdir())] == [10, 200]
    assert sink.warnings == [_left_folder(tmp_path, "frames")]


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
def test_a_video_that_fails_part_way_names_the_temporary_file_it_cannot_remove(tmp_path, monkeypatch, unremovable,
                                                                              how):
    """In a folder that lets no name be removed (append-only), a run of a file that failed part
    way (the encoder's error) said the error, exit 1, but the frames written so far stayed under
    the output's hidden temporary name, without a word. A warning line names it."""
    from typer.testing import CliRunner

    from livecut.cli import app
    from livecut.errors import VideoWriteError
    from livecut.sinks.file import VideoFileSink

    src = make_clip(tmp_path / "in.mp4", n=60)
    out = tmp_path / "out"
    out.mkdir()
    unremovable(how, out, calls=("unlink", "rmdir", "rename"))
    real = VideoFileSink.write

    def write(self, image, *a, **kw):
        if self.frames == 50:  # (the encoder's first packets are in the file)
            raise VideoWriteError(f"{self.path}: write failed (Input/output error)")
        return real(self, image, *a, **kw)

    monkeypatch.setattr(VideoFileSink, "write", write)
    r = CliRunner().invoke(app, ["file", str(src), "-o", str(out / "o.mp4"), "-q"])
    assert r.exit_code == 1, r.output
    (kept,) = list(out.iterdir())
    assert kept.name.startswith(".o.mp4.livecut-") and kept.stat().st_size > 0, kept
    assert r.stderr.splitlines() == [
        f"livecut: warning: {kept}: the temporary file of {out / 'o.mp4'} could not be removed ({APPEND_ONLY}): "
        "remove it once the folder allows",
        f"livecut: error: {out / 'o.mp4'}: write failed (Input/output error)"], r.stderr


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
def test_a_video_given_up_keeps_the_earlier_and_names_the_temporary_file_it_cannot_remove(tmp_path, unremovable, how):
    """A run of a file over an earlier output (--force) stopped by Ctrl-C leaves the earlier as it
    was and throws the frames done away (keep_earlier): in a folder that lets no name be removed
    they stayed under the hidden temporary name, unsaid. The sink's warnings (said after the
    interrupt's line) name it."""
    from livecut.sinks.base import SinkInfo
    from livecut.sinks.file import VideoFileSink

    out = tmp_path / "out"
    out.mkdir()
    (out / "o.mp4").write_bytes(b"earlier")
    unremovable(how, out, calls=("unlink", "rmdir", "rename"))
    sink = VideoFileSink(out / "o.mp4", SinkInfo(width=64, height=48, fps=25.0), force=True)
    with sink:
        for v in range(60):  # (the encoder's first packets: the file is made as the first are muxed)
            sink.write(np.full((48, 64, 3), v, np.uint8))
        sink.keep_earlier = True
    assert sink.kept_earlier and (out / "o.mp4").read_bytes() == b"earlier"
    (kept,) = [p for p in out.iterdir() if p.name != "o.mp4"]
    assert sink.warnings == [f"{kept}: the temporary file of {out / 'o.mp4'} could not be removed ({APPEND_ONLY}): "
                             "remove it once the folder allows"]


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
def test_png_frames_forced_into_an_append_only_folder_say_why_and_leave_the_earlier_ones(tmp_path, unremovable, how):
    """-o frames/ --force over a folder of earlier frames made append-only (chattr +a: it takes new
    names but replaces and removes none) said 'cannot move the finished frames into place
    (Operation not permitted)', not why, where a single file says it; and the new names had
    gone in first: a folder whose first frames had been removed was left with the new run's
    beside the earlier run's.  It says why, the earlier frames as they were."""
    from typer.testing import CliRunner

    from livecut.cli import app

    src = make_clip(tmp_path / "in.mp4", n=4)
    frames = tmp_path / "frames"
    r = CliRunner().invoke(app, ["file", str(src), "-o", f"{frames}/", "-q"])
    assert r.exit_code == 0 and len(list(frames.iterdir())) == 4, r.output
    for name in ("frame_000000.png", "frame_000001.png"):
        (frames / name).unlink()
    before = {p.name: p.read_bytes() for p in frames.iterdir()}
    # (as one: a frame there not replaced, nor removed; new names taken)
    unremovable(how, frames, lambda p: p.parent == frames or (
        p.parent.name.startswith(".frames.livecut-") and (frames / p.name).exists()), calls=("unlink", "replace"))
    r = CliRunner().invoke(app, ["file", str(src), "-o", f"{frames}/", "-q", "--force"])
    assert r.exit_code == 1, r.output
    assert r.stderr.splitlines() == [f"livecut: error: {frames}: cannot move the finished frames into place "
                                     f"({APPEND_ONLY}); the earlier frames are left as they were"], r.stderr
    assert {p.name: p.read_bytes() for p in frames.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "in.mp4"]  # (no temporary folder left)


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
def test_png_frames_that_fail_part_way_name_the_temporary_folder_they_cannot_remove(tmp_path, monkeypatch,
                                                                                   unremovable, how):
    """In a folder that lets no name be removed (append-only), PNG frames to a folder that failed
    part way (a frame's write: the disk full) said the error, exit 1, but the frames' hidden
    temporary folder, emptied, stayed beside, without a word. A warning line names it."""
    from typer.testing import CliRunner

    from livecut.cli import app
    from livecut.errors import VideoWriteError
    from livecut.sinks.file import PngSequenceSink

    src = make_clip(tmp_path / "in.mp4", n=8)
    out = tmp_path / "out"
    out.mkdir()
    unremovable(how, out, calls=("unlink", "rmdir", "rename"))
    real = PngSequenceSink.write

    def write(self, image, *a, **kw):
        if self.frames == 3:
            raise VideoWriteError(f"{self.path}/frame_000003.png: cannot write (no space left on the device)")
        return real(self, image, *a, **kw)

    monkeypatch.setattr(PngSequenceSink, "write", write)
    r = CliRunner().invoke(app, ["file", str(src), "-o", f"{out / 'frames'}/", "-q"])
    assert r.exit_code == 1, r.output
    (kept,) = list(out.iterdir())
    assert kept.name.startswith(".frames.livecut-") and not any(kept.iterdir()), kept
    assert r.stderr.splitlines() == [
        f"livecut: warning: {kept}: the temporary folder of {out / 'frames'} could not be removed ({APPEND_ONLY}): "
        "remove it once the folder allows",
        f"livecut: error: {out / 'frames'}/frame_000003.png: cannot write (no space left on the device)"], r.stderr


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
@pytest.mark.parametrize("name", ["o.mp4", "frames/"])
def test_a_killed_runs_temporary_output_the_next_run_cannot_remove_is_named(tmp_path, unremovable,
                                                                            how, name):
    """The next run to a video (or PNG frames) removes the temporary file (folder) a killed run
    (kill -9) left beside it; in a folder that lets no name be removed (append-only) it stayed,
    without a word. The sink's warnings (said at the run's end) name it."""
    import re
    import time

    from livecut.atomic import temp_path
    from livecut.sinks import open_sink
    from livecut.sinks.base import SinkInfo

    out = tmp_path / "out"
    out.mkdir()
    final = out / name.rstrip("/")
    dead = 4_000_000
    while os.path.exists(f"/proc/{dead}"):
        dead += 1
    old = temp_path(final, keep_suffix=not name.endswith("/"))
    old = old.with_name(re.sub(r"-\d+-", f"-{dead}-", old.name, count=1))
    if name.endswith("/"):
        old.mkdir()
    else:
        old.write_bytes(b"half an output")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    unremovable(how, out, lambda p: p.name == old.name, calls=("unlink", "rmdir"))
    sink = open_sink(f"{out}/{name}", SinkInfo(width=64, height=48, fps=25.0))
    with sink:
        for v in (10, 200):
            sink.write(np.full((48, 64, 3), v, np.uint8))
    assert old.exists() and final.exists()
    what = "folder" if name.endswith("/") else "file"
    assert (f"{old}: a temporary {what} of {final} an earlier run left could not be removed ({APPEND_ONLY}): "
            "remove it once the folder allows") in sink.warnings, sink.warnings


def test_an_immutable_output_or_frame_replaced_says_it_is_immutable(tmp_path, immutable):
    """An output made immutable (chattr +i) cannot be replaced, root too (EPERM): '-o o.mp4 --force'
    said 'cannot move the finished output into place (Operation not permitted)', and '-o frames/
    --force' over a folder holding one immutable frame '(operation not permitted: a folder that
    takes new names but lets none be removed, append-only?)', the wrong guess.  Each now names
    the immutable file; the earlier output is left as it was."""
    src = make_clip(tmp_path / "in.mp4", n=3)
    out = tmp_path / "o.mp4"
    assert run_cli("file", str(src), "-o", str(out), "-q").returncode == 0
    before = out.read_bytes()
    immutable(out)
    r = run_cli("file", str(src), "-o", str(out), "--force", "-q")
    assert r.returncode == 1 and out.read_bytes() == before, r.stderr
    assert r.stderr.splitlines()[-1] == (f"livecut: error: {out}: cannot move the finished output into place "
                                         f"(operation not permitted: {out} is immutable, chattr +i)"), r.stderr
    frames = tmp_path / "frames"
    assert run_cli("file", str(src), "-o", f"{frames}/", "-q").returncode == 0
    first = sorted(frames.iterdir())[0]
    immutable(first)
    r = run_cli("file", str(src), "-o", f"{frames}/", "--force", "-q")
    assert r.returncode == 1, r.stderr
    assert r.stderr.splitlines()[-1] == (f"livecut: error: {frames}: cannot move the finished frames into place "
                                         f"(operation not permitted: {first} is immutable, chattr +i); the earlier "
                                         "frames are left as they were"), r.stderr


def test_non_square_pixels_of_a_turned_clip_said_as_shown(tmp_path):
    """A phone's clip stored sideways with 4:3 pixels (rotation 90) is written as PNG frames
    turned upright: its pixels are 3:4 as shown, where the warning said the stored 4:3."""
    src = tmp_path / "turned.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=0.2,setsar=4/3", "-c:v", "libx264",
            str(src))
    turned = tmp_path / "turned90.mp4"
    _ffmpeg("-i", str(src), "-c", "copy", "-metadata:s:v", "rotate=90", str(turned))
    r = run_cli("file", str(turned), "-o", f"{tmp_path / 'frames'}/", "-b", "transparent")
    assert r.returncode == 0, r.stderr
    assert "non-square pixels (3:4) written as square" in r.stderr, r.stderr


def test_a_slideshow_with_a_picture_every_20_s_is_no_cover(tmp_path):
    """A minute's MJPEG slideshow in Matroska (a picture every 20 s, its length said) with its
    audio was taken for a cover after 15 s with no second picture and refused ('only a cover
    picture'); its track is read past its length said, and it is cut."""
    src = tmp_path / "slides.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=1/20:duration=60", "-f", "lavfi", "-i",
            "sine=duration=60", "-c:v", "mjpeg", "-c:a", "aac", str(src))
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mkv"))
    assert r.returncode == 0 and "cover" not in r.stderr, r.stderr


def _piped(tmp_path: Path, fmt: str, name: str, *args: str) -> Path:
    """``ffmpeg ARGS -f FMT pipe:1 > tmp_path/name``: a file written to a pipe (no length said)."""
    out = tmp_path / name
    with open(out, "wb") as fh:
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args, "-f", fmt, "pipe:1"], check=True, stdout=fh)
    return out


def test_a_slideshow_of_no_length_said_with_a_picture_every_20_s_is_no_cover(tmp_path):
    """A minute's MJPEG slideshow with its audio written to a pipe (`ffmpeg ... -f matroska
    pipe:1 > slides.mkv`: no length said) was taken for a cover after 15 s with no second
    picture and refused ('only a cover picture'); its track is read to its second picture, and
    it is cut, its 3 pictures written.  A song with a cover so written is still refused."""
    src = _piped(tmp_path, "matroska", "slides.mkv", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=1/20:duration=60",
                 "-f", "lavfi", "-i", "sine=duration=60", "-c:v", "mjpeg", "-c:a", "aac")
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0 and "cover" not in r.stderr, r.stderr
    assert probe(out)["frames"] == 3
    cover = tmp_path / "cover.png"
    cv2.imwrite(str(cover), np.full((32, 32, 3), 200, np.uint8))
    song = _piped(tmp_path, "matroska", "song.mkv", "-f", "lavfi", "-i", "sine=duration=60", "-i", str(cover),
                  "-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "mjpeg")
    r = run_cli("file", str(song), "-o", str(tmp_path / "song.mkv.mp4"))
    assert r.returncode == 2 and "no video stream (only a cover picture)" in r.stderr, r.stderr


def test_an_avi_written_to_a_pipe_is_not_taken_for_a_truncated_one(tmp_path):
    """An AVI written to a pipe (`ffmpeg ... -f avi pipe:1 > clip.avi`) has FFmpeg's stand-in
    count, 1073741824 frames (and a length guessed from it, 50 min for 2 s): a whole clip was
    'the video ends early (truncated?): 50 frames written, 1073741824 expected', exit 3, and a
    song with its cover so written was cut as a video (the same, 1 frame written).  Its count
    and length are none: the clip is cut whole, exit 0, the song refused as a cover."""
    src = _piped(tmp_path, "avi", "clip.avi", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=2",
                 "-f", "lavfi", "-i", "sine=duration=2", "-c:v", "mjpeg", "-c:a", "pcm_s16le")
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0 and "ends early" not in r.stderr, r.stderr
    assert probe(out)["frames"] == 50
    cover = tmp_path / "cover.png"
    cv2.imwrite(str(cover), np.full((32, 32, 3), 200, np.uint8))
    song = _piped(tmp_path, "avi", "song.avi", "-f", "lavfi", "-i", "sine=duration=2", "-i", str(cover),
                  "-map", "0", "-map", "1", "-c:a", "pcm_s16le", "-c:v", "mjpeg")
    r = run_cli("file", str(song), "-o", str(tmp_path / "song.mkv"))
    assert r.returncode == 2 and "no video stream (only a cover picture)" in r.stderr, r.stderr


@pytest.mark.parametrize("codec", ["mpeg4", "mjpeg", "mpeg2video"])
def test_video_crf_sets_the_quality_of_a_quantiser_codec(clips, tmp_path, codec):
    """`--set video.codec=mpeg4` (or mjpeg, which livecut's own errors suggest): video.crf was
    passed as "crf", which these encoders do not take: crf 10 and crf 40 wrote byte-identical
    files at FFmpeg's 200 kbit/s default (~30 dB).  It is their fixed quantiser (ffmpeg -q:v):
    a lower crf writes a better, larger file."""
    import av

    def frames(path):
        with av.open(str(path)) as c:
            return [f.to_ndarray(format="rgb24").astype(np.float64) for f in c.decode(video=0)]

    ref = tmp_path / "ref.mkv"
    r = run_cli("file", str(clips["plain"]), "-o", str(ref), "--set", "video.codec=ffv1", "-q")
    assert r.returncode == 0, r.stderr
    truth = frames(ref)
    psnr, size = {}, {}
    for crf in (10, 20, 40):
        out = tmp_path / f"out{crf}.mkv"
        r = run_cli("file", str(clips["plain"]), "-o", str(out), "--set", f"video.codec={codec}",
                    "--set", f"video.crf={crf}", "-q")
        assert r.returncode == 0, r.stderr
        got = frames(out)
        assert len(got) == len(truth) == 20
        mse = np.mean([np.mean((a - b) ** 2) for a, b in zip(got, truth)])
        psnr[crf], size[crf] = 10 * np.log10(255 ** 2 / max(mse, 1e-9)), out.stat().st_size
    assert psnr[10] > psnr[20] + 3 > psnr[40] + 6, psnr
    assert size[10] > size[20] > size[40], size


@pytest.mark.parametrize("fps", [960, 1200])
def test_a_slow_motion_clip_over_1000_fps_is_written_to_avi(tmp_path, fps):
    """A phone's super slow motion (960 fps on a 1/90000 clock, which FFmpeg states as 1920: its
    frames 93 and 94 ticks apart) or a high-speed camera's 1200 fps clip into .avi was 'write
    failed (Invalid argument)', exit 1, after the first frames: FFmpeg's AVI muxer writes a
    video of over 1000 frames a second on 1/600 s ticks, where two frames fell on one.  The
    .avi is written on 1000 ticks a second at most (the source's own rate where it is finer),
    every frame kept."""
    n = 48
    src = tmp_path / "slow.mp4"
    _ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=64x48:r={fps}", "-frames:v", str(n), "-c:v", "libx264",
            "-preset", "ultrafast", "-video_track_timescale", "90000", str(src))
    out = tmp_path / "out.avi"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    import av

    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert 1 / s.time_base <= 1000
        ticks = [p.dts for p in c.demux(s) if p.size]  # (AVI: a frame a tick, in the order shown)
    assert len(ticks) == n and ticks == sorted(set(ticks))
    # (each frame on the tick nearest its time, or pushed only as far as the ticks make it)
    assert abs(float(ticks[-1] * s.time_base) - (n - 1) / fps) <= max(0, (n - 1) * (1 / 1000 - 1 / fps)) + 0.001


def test_an_action_cameras_data_track_left_out_is_said(tmp_path):
    """A GoPro's telemetry (GPS, gyro: a data track, 'GoPro MET') was left out of the output
    without a word, where subtitles, chapters or a timecode left out are said.  The run says
    which data tracks are not carried over; the timecode track beside it is kept (no word)."""
    src, data = tmp_path / "GX010001.mov", tmp_path / "gpmf.bin"
    data.write_bytes(bytes(range(256)) * 8)
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x48:r=25:d=0.4", "-f", "data", "-i", str(data), "-map", "0", "-map", "1",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:d", "copy", "-tag:d", "gpmd", "-timecode", "01:02:03:04",
            str(src))
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"))
    assert r.returncode == 0, r.stderr
    said = [line for line in r.stderr.splitlines() if "data stream" in line]
    assert len(said) == 1 and "data stream 1 (GoPro MET)" in said[0] and "left out" in said[0], r.stderr
    assert probe(tmp_path / "out.mp4")["frames"] == 10
    r = run_cli("file", str(tmp_path / "out.mp4"), "-o", str(tmp_path / "again.mp4"))  # (its timecode track alone)
    assert r.returncode == 0 and "data stream" not in r.stderr, r.stderr


def test_an_mp4s_chapter_track_is_not_said_to_be_a_data_track_left_out(tmp_path):
    """An .mp4 or .mov with chapters (as FFmpeg, HandBrake or livecut itself write them) holds them
    in a text track that FFmpeg reads as a data stream: the run said 'data stream 1
    (SubtitleHandler): livecut does not carry data streams over ...; left out' of the chapters
    it kept.  Nothing is said of it; the chapters are kept (.avi: said of the chapters alone)."""
    import av

    src = tmp_path / "talk.mp4"
    _ffmpeg("-i", str(_chaptered(tmp_path, 600, 1200)), "-c", "copy", str(src))
    with av.open(str(src)) as c:
        assert [s.type for s in c.streams] == ["video", "data"] and len(c.chapters()) == 2
    for ext in (".mp4", ".mkv"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out))
        assert r.returncode == 0 and "data stream" not in r.stderr, r.stderr
        with av.open(str(out)) as c:
            assert [ch["metadata"].get("title") for ch in c.chapters()] == ["Intro", "Talk"], ext
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.avi"))
    assert r.returncode == 0 and "data stream" not in r.stderr, r.stderr
    assert "2 chapters: a .avi file cannot hold them; left out" in r.stderr


def test_a_turned_anamorphic_videos_squaring_is_said_as_shown(tmp_path):
    """A phone's portrait clip of non-square pixels (stored 64x36 at 2:1, display rotation 90:
    shown 36x128) into .webm, which keeps the rotation but not the pixels' shape, was said
    'non-square pixels (2:1) scaled to square: 64x36 written as 128x36, as shown', the stored
    sizes, where the picture seen is 36x128 (an .avi, written upright, said its sizes shown).
    It says the sizes shown, as for an odd size."""
    flat, src = tmp_path / "flat.mp4", tmp_path / "portrait.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x36:r=25:d=0.12", "-vf", "setsar=2", "-c:v", "libx264", str(flat))
    _ffmpeg("-i", str(flat), "-c", "copy", "-metadata:s:v", "rotate=90", str(src))
    r = run_cli("file", str(src), "-o", str(tmp_path / "cut.webm"), "-q")
    assert r.returncode == 0, r.stderr
    assert "non-square pixels (2:1, stored sideways) scaled to square: 36x64 written as 36x128, as shown" in r.stderr, \
        r.stderr
    assert probe(tmp_path / "cut.webm")["rotation"] == 90


def test_a_timecode_of_over_255_fps_is_left_out_of_a_quicktime_file_not_failing_it(tmp_path):
    """A 960 fps slow-motion clip with a timecode (a high-speed camera's, in Matroska) cut to
    .mov or .mp4 was processed whole, then 'finishing the file failed (Invalid argument)', exit
    1, nothing kept: FFmpeg's timecode track counts at most 255 frames a second ('fps 960 is
    too large').  The timecode is left out there and the run says so; .mkv keeps it (a tag)."""
    src = tmp_path / "fast.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x48:r=960", "-frames:v", "24", "-c:v", "libx264", "-preset", "ultrafast",
            "-timecode", "01:00:00:00", str(src))
    for ext in ("mov", "mkv"):
        out = tmp_path / f"cut.{ext}"
        r = run_cli("file", str(src), "-o", str(out))
        assert r.returncode == 0, r.stderr
        assert probe(out)["frames"] == 24
        said = "timecode 01:00:00:00: a .mov timecode track counts at most 255 frames a second, not 960; left out"
        assert (said in r.stderr) == (ext == "mov"), r.stderr
    import av

    with av.open(str(tmp_path / "cut.mkv")) as c:
        assert {k.lower(): v for k, v in c.metadata.items()}.get("timecode") == "01:00:00:00"


def test_a_loop_of_links_as_the_input_or_the_output_is_no_internal_error(tmp_path):
    """`livecut file a.mp4 -o out.mp4` where a.mp4 is a link in a loop (`ln -s b.mp4 a.mp4; ln -s
    a.mp4 b.mp4`) said 'internal error: RuntimeError: Symlink loop from ...', exit 1, and so did
    `-o a.mp4` (with --force too); exit 2, the output's loop named, as `livecut image` says it."""
    from typer.testing import CliRunner

    from livecut.cli import app

    src = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3)
    (tmp_path / "a.mp4").symlink_to("b.mp4")
    (tmp_path / "b.mp4").symlink_to("a.mp4")
    r = CliRunner().invoke(app, ["file", str(tmp_path / "a.mp4"), "-o", str(tmp_path / "out.mp4"), "-q"])
    assert r.exit_code == 2 and "internal error" not in r.stderr, r.stderr
    for force in ([], ["--force"]):
        r = CliRunner().invoke(app, ["file", str(src), "-o", str(tmp_path / "a.mp4"), *force, "-q"])
        assert r.exit_code == 2, r.output
        assert r.stderr.splitlines() == [f"livecut: error: {tmp_path / 'a.mp4'}: a link on its way leads back to "
                                         "itself (a loop of links); name another place"], r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4", "b.mp4", "src.mp4"]
    assert os.readlink(tmp_path / "a.mp4") == "b.mp4"


def test_surround_mixed_down_for_an_mpegts_pipe_names_the_stream_not_a_ts_file(tmp_path):
    """5.1 PCM sent as MPEG-TS (`-o - --set video.pipe_format=mpegts`, as for udp://) was said
    "6 channels mixed down to stereo for .ts (.mkv keeps them as they are)": no .ts was asked
    for, and -o - as NUT, which keeps them, went unnamed; it names MPEG-TS and both."""
    src = tmp_path / "in.mov"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-f", "lavfi", "-i",
            "sine=f=1000:r=48000:duration=1,aformat=channel_layouts=5.1", "-c:v", "libx264", "-c:a",
            "pcm_s16le", str(src))
    r = subprocess.run([sys.executable, "-m", "livecut", "file", str(src), "-o", "-", "--set",
                        "video.pipe_format=mpegts"], capture_output=True, timeout=60, cwd=str(REPO),
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    err = r.stderr.decode()
    assert r.returncode == 0 and r.stdout, err
    assert ("audio stream 1: 6 channels mixed down to stereo for MPEG-TS "
            "(a .mkv file, or -o - as NUT, keeps them as they are)") in err, err


def test_a_matroskas_attachments_are_kept_or_said(tmp_path):
    """A Matroska's attachments (the fonts its ASS subtitles are drawn with) went from every output
    without a word; an .mkv keeps them, another output says in one line what it left out."""
    import av

    font = tmp_path / "Title Font.ttf"
    font.write_bytes(b"not really a font, but its bytes")
    ass = tmp_path / "s.ass"
    srt = tmp_path / "s.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n")
    _ffmpeg("-i", str(srt), str(ass))
    src = tmp_path / "talk.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1", "-i", str(ass), "-map", "0", "-map", "1",
            "-c:v", "libx264", "-c:s", "ass", "-attach", str(font),
            "-metadata:s:t", "mimetype=application/x-truetype-font", str(src))
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert "attachment" not in r.stderr, r.stderr
    with av.open(str(out)) as c:
        got = [(s.name, s.mimetype, s.data) for s in c.streams if s.type == "attachment"]
    assert got == [("Title Font.ttf", "application/x-truetype-font", font.read_bytes())], got
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mp4"), "-q")
    assert r.returncode == 0, r.stderr
    said = [ln for ln in r.stderr.splitlines() if "attachment" in ln]
    assert said == ["livecut: warning: 1 attachment (Title Font.ttf): a .mp4 file cannot hold it; left out "
                    "(.mkv keeps attachments)"], r.stderr


def test_a_cover_picture_is_kept_in_an_mkv_or_said(tmp_path):
    """An MP4's cover picture (its covr, a picture flagged attached_pic) went from every output
    without a word; an .mkv keeps it as Matroska keeps one (an attachment, cover.png), another
    output says in one line that it is left out."""
    import av

    cover = tmp_path / "art.png"
    cv2.imwrite(str(cover), np.full((32, 32, 3), 200, np.uint8))
    src = tmp_path / "covered.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.2", "-i", str(cover), "-map", "0", "-map", "1",
            "-c:v:0", "libx264", "-c:v:1", "png", "-disposition:v:1", "attached_pic", str(src))
    with av.open(str(src)) as c:
        want = bytes(next(c.demux(c.streams.video[1])))
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert "cover" not in r.stderr, r.stderr
    with av.open(str(out)) as c:
        got = [(s.metadata.get("filename"), s.metadata.get("mimetype"), bytes(next(c.demux(s))))
               for s in c.streams.video if s.disposition & av.stream.Disposition.attached_pic]
    assert got == [("cover.png", "image/png", want)], got
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mov"), "-q")
    assert r.returncode == 0, r.stderr
    said = [ln for ln in r.stderr.splitlines() if "cover" in ln]
    assert said == ["livecut: warning: the cover picture (stream 1, png): livecut keeps it only in an .mkv "
                    "or .mp4 output; left out"], r.stderr


def test_a_one_picture_track_not_flagged_as_cover_is_kept_in_an_mkv_or_said(tmp_path):
    """A Matroska's video track of one PNG picture, not flagged attached_pic (as FFmpeg writes a
    cover into Matroska from a picture), went from every output without a word where a flagged
    cover is said: it is said in one line as that one is, and an .mkv keeps it as a cover."""
    import av

    cover = tmp_path / "art.png"
    cv2.imwrite(str(cover), np.full((32, 32, 3), 200, np.uint8))
    src = tmp_path / "tracked.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.4", "-i", str(cover), "-map", "0", "-map", "1",
            "-c:v:0", "libx264", "-c:v:1", "png", str(src))
    with av.open(str(src)) as c:
        assert not c.streams.video[1].disposition & av.stream.Disposition.attached_pic
        want = bytes(next(c.demux(c.streams.video[1])))
    r = run_cli("file", str(src), "-o", str(tmp_path / "out.mov"), "-q")
    assert r.returncode == 0, r.stderr
    said = [ln for ln in r.stderr.splitlines() if "picture" in ln]
    assert said == ["livecut: warning: the cover picture (stream 1, png, a video track of one picture): livecut "
                    "keeps it only in an .mkv or .mp4 output; left out"], r.stderr
    out = tmp_path / "out.mkv"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert "picture" not in r.stderr, r.stderr
    with av.open(str(out)) as c:
        got = [(s.metadata.get("filename"), s.metadata.get("mimetype"), bytes(next(c.demux(s))))
               for s in c.streams.video if s.disposition & av.stream.Disposition.attached_pic]
    assert got == [("cover.png", "image/png", want)], got


@pytest.mark.parametrize("codec", ["png", "mjpeg"])
def test_a_cover_picture_is_kept_in_an_mp4(tmp_path, codec):
    """An MP4's cover picture (its covr: a JPEG or PNG flagged attached_pic) was left out of an
    .mp4 output ('livecut keeps it only in an .mkv output; left out'), though an MP4 holds one as
    FFmpeg writes it: an .mp4 keeps it, its bytes as they were, beside the video and the sound,
    and plays; a .mov (FFmpeg writes no cover into one) and a .m4v say it left out."""
    import av

    cover = tmp_path / "art.jpg"
    cv2.imwrite(str(cover), np.full((32, 32, 3), 200, np.uint8))
    src = tmp_path / "covered.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.4", "-f", "lavfi", "-i",
            "sine=r=48000:duration=0.4", "-i", str(cover), "-map", "0", "-map", "1", "-map", "2", "-c:v:0", "libx264",
            "-c:a", "aac", "-c:v:1", codec, "-disposition:v:1", "attached_pic", str(src))
    with av.open(str(src)) as c:
        want = bytes(next(c.demux(c.streams.video[1])))
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert "cover" not in r.stderr, r.stderr
    seen = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                           "stream=codec_type,codec_name:stream_disposition=attached_pic", "-of", "csv=p=0",
                           str(out)], capture_output=True, text=True, check=True).stdout.split()
    assert sorted(seen) == sorted(["h264,video,0", "aac,audio,0", f"{codec},video,1"]), seen
    played = subprocess.run(["ffmpeg", "-v", "error", "-i", str(out), "-map", "0:v:0", "-map", "0:a", "-f", "null",
                             "-"], capture_output=True, text=True)
    assert played.returncode == 0 and not played.stderr, played.stderr
    assert probe(out)["frames"] == 10
    with av.open(str(out)) as c:
        got = [bytes(next(c.demux(s))) for s in c.streams.video if s.disposition & av.stream.Disposition.attached_pic]
    assert got == [want]
    for ext in (".mov", ".m4v"):
        r = run_cli("file", str(src), "-o", str(tmp_path / f"out{ext}"), "-q")
        assert r.returncode == 0, r.stderr
        said = [ln for ln in r.stderr.splitlines() if "cover" in ln]
        assert said == [f"livecut: warning: the cover picture (stream 2, {codec}): livecut keeps it only in an .mkv "
                        "or .mp4 output; left out"], (ext, r.stderr)
