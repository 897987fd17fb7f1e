"""Issue 10: file -> file frames travel as I420 (no colour conversion) when nothing needs BGR."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from conftest import SAMPLES, make_clip, probe
from livecut.config import Config, ConfigError, SegmentConfig
from livecut.runner import Processor, choose_pixel_format, run_video


def _cfg(yuv: str = "auto") -> Config:
    c = Config()
    return dataclasses.replace(c, video=dataclasses.replace(c.video, yuv=yuv))


@pytest.fixture(scope="module")
def yuv_clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("yuvclips")
    return {
        "plain": make_clip(d / "plain.mp4", w=320, h=180, n=12),
        # odd chroma height (242 / 2 = 121 rows): the I420 planes do not split into whole rows
        "odd": make_clip(d / "odd.mp4", w=322, h=242, n=6, seed=3),
        "audio_vfr": make_clip(d / "audio_vfr.mp4", n=12, audio=True, time_base=Fraction(1, 1000),
                               pts=[0, 40, 80, 200, 240, 260, 280, 400, 440, 480, 600, 640]),
        # full-range 4:4:4 (as MJPEG's): I420 frames are limited range, so it goes through BGR
        # (limited-range 4:4:4 takes the YUV path: test_444_video_takes_the_yuv_path_with_ffmpegs_chroma)
        "full444": make_clip(d / "full444.mp4", n=4, pix_fmt="yuvj444p"),
    }


def _decode_bgr(path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="bgr24").astype(np.int16) for f in c.decode(video=0)]


@pytest.mark.parametrize("mode,background,ext", [("composite", "blur", "mp4"), ("composite", "color:#00b140", "mp4"),
                                                 ("mask", "blur", "mp4"), ("composite", "blur", "webm"),
                                                 ("composite", "blur", "mkv")])
def test_yuv_path_is_chosen_for_yuv420p_file_to_yuv420p_file(yuv_clips, tmp_path, mode, background, ext):
    out = tmp_path / f"out.{ext}"
    st = run_video(str(yuv_clips["plain"]), str(out), _cfg(), mode=mode, background=background, progress=False)
    assert st.pixel_format == "yuv420p"
    assert st.as_dict()["pixel_format"] == "yuv420p" and "yuv420p" in st.summary()
    p = probe(out)
    assert p["frames"] == 12 and p["pix_fmt"] == "yuv420p"


@pytest.mark.parametrize("output,mode,background", [
    ("out.mov", "composite", "transparent"),   # BGRA (ProRes 4444)
    ("out.webm", "cutout", "blur"),            # BGRA (VP9 with alpha)
    ("frames/", "composite", "blur"),          # a PNG sequence takes BGR
    ("out.mp4", "side-by-side", "blur"),       # not an I420 mode
])
def test_yuv_path_is_not_chosen_where_bgr_is_needed(yuv_clips, tmp_path, output, mode, background):
    st = run_video(str(yuv_clips["plain"]), f"{tmp_path}/{output}", _cfg(), mode=mode, background=background,
                   progress=False, max_frames=3)
    assert st.pixel_format == "bgr24" and "yuv420p" not in st.summary()


def test_yuv_path_is_not_chosen_when_off_or_source_is_not_yuv420p(yuv_clips, tmp_path):
    st = run_video(str(yuv_clips["plain"]), str(tmp_path / "a.mp4"), _cfg("off"), progress=False, max_frames=2)
    assert st.pixel_format == "bgr24"
    st = run_video(str(yuv_clips["full444"]), str(tmp_path / "b.mp4"), _cfg(), progress=False)
    assert st.pixel_format == "bgr24"


def test_a_bgr_only_sink_keeps_the_bgr_path(yuv_clips, tmp_path):
    """A preview window / virtual camera has no accepts_i420: the whole run stays BGR."""
    from livecut.sinks import SinkInfo, open_sink
    from livecut.sources.file import FileSource

    cfg = _cfg()

    class BgrSink:  # what a preview or a virtual camera looks like to the runner
        main_thread = False

    with FileSource(yuv_clips["plain"]) as src, Processor(cfg) as proc:
        assert src.can_yuv420p and proc.supports_i420
        info = SinkInfo(width=320, height=180, fps=25.0)
        with open_sink(str(tmp_path / "o.mp4"), info, cfg.video) as sink:
            assert choose_pixel_format(cfg, src, proc, [sink]) == "yuv420p"
            assert choose_pixel_format(cfg, src, proc, [sink, BgrSink()]) == "bgr24"
            assert choose_pixel_format(cfg, src, proc, []) == "bgr24"
        proc.cycle_mode()  # the preview shows another view: it needs BGR frames
        assert not proc.supports_i420


# composite: the BGR path's sink takes each chroma sample from one pixel of four
# (OpenCV's I420 conversion), the YUV path keeps the decoder's chroma and blends it at half
# size: with the same mask the two differ by ~1.5 levels before encoding, ~2.2 after
@pytest.mark.parametrize("mode,tol", [("composite", 3.0), ("mask", 1.0)])
@pytest.mark.parametrize("clip", ["plain", "odd"])
def test_yuv_output_agrees_with_the_bgr_path(yuv_clips, tmp_path, mode, tol, clip):
    outs = {}
    for yuv in ("auto", "off"):
        out = tmp_path / f"{yuv}.mp4"
        st = run_video(str(yuv_clips[clip]), str(out), _cfg(yuv), mode=mode, background="blur", progress=False)
        assert st.pixel_format == ("yuv420p" if yuv == "auto" else "bgr24")
        outs[yuv] = _decode_bgr(out)
    a, b = outs["auto"], outs["off"]
    assert len(a) == len(b) == probe(yuv_clips[clip])["frames"]
    assert a[0].shape == b[0].shape
    diff = float(np.mean([np.abs(x - y).mean() for x, y in zip(a, b)]))
    assert diff < tol, f"mean abs difference {diff:.2f} between the YUV and the BGR path"
    # and the outputs are not trivially equal to the input (something was composited)
    src = _decode_bgr(yuv_clips[clip])
    assert float(np.mean([np.abs(x - s).mean() for x, s in zip(a, src)])) > 3.0


def test_yuv_path_keeps_audio_frame_count_and_pts(yuv_clips, tmp_path):
    src = yuv_clips["audio_vfr"]
    out = tmp_path / "out.mp4"
    st = run_video(str(src), str(out), _cfg(), progress=False)
    assert st.pixel_format == "yuv420p"
    a, b = probe(src), probe(out)
    assert b["frames"] == a["frames"] == 12
    assert b["pts"] == pytest.approx(a["pts"], abs=1e-3)
    assert b["audio"] == ["aac"] and b["audio_packets"] == a["audio_packets"]
    assert b["pix_fmt"] == "yuv420p"


def test_source_pool_and_sink_planes_round_trip(yuv_clips, tmp_path):
    """I420 frames from the source are the decoder's planes; the sink writes them unchanged
    (compared after a lossless encode)."""
    import av

    from livecut.sinks.file import VideoFileSink
    from livecut.sinks import SinkInfo
    from livecut.sources.file import FileSource

    clip = yuv_clips["odd"]
    with av.open(str(clip)) as c:
        ref = [f.to_ndarray() for f in c.decode(video=0)]
    cfg = dataclasses.replace(_cfg().video, crf=0, preset="ultrafast")
    out = tmp_path / "lossless.mkv"
    with FileSource(clip) as src:
        src.use_pixel_format("yuv420p")
        info = SinkInfo(width=src.info.width, height=src.info.height, fps=25.0, time_base=src.info.time_base)
        with VideoFileSink(out, info, cfg) as sink:
            sink.use_pixel_format("yuv420p")
            got = []
            while (fr := src.read()) is not None:
                assert fr.image.shape == (242 * 3 // 2, 322)
                assert np.array_equal(fr.image, ref[fr.index])
                sink.write(fr.image, fr.pts)
                got.append(fr.image)
                src.release_frame(fr.image)
    assert len(got) == len(ref) and len({id(g) for g in got}) < len(got)  # buffers were reused
    with av.open(str(out)) as c:
        back = [f.to_ndarray(format="yuv420p") for f in c.decode(video=0)]
    assert len(back) == len(ref) and all(np.array_equal(x, y) for x, y in zip(back, ref))



@pytest.mark.parametrize("clip", ["plain", "full444"])
def test_bgr_frames_given_back_are_decoded_into_again(yuv_clips, clip):
    # the rule of the hot path: buffers kept, no new full-size array each frame. A run that
    # needs BGR frames ('livecut file in.mp4 -o out.mp4 --mode side-by-side') got a new BGR
    # frame from the source for each frame decoded (2.8 MB a 720p frame); the I420 frames of
    # the YUV path came from a pool of buffers given back, as the BGR frames now do
    import livecut.i420 as i420
    from allocs import allocated_per_frame
    from livecut.sources.file import FileSource

    with FileSource(yuv_clips[clip]) as fresh:
        ref = []
        while (fr := fresh.read()) is not None:
            ref.append(fr.image.copy())
    with FileSource(yuv_clips[clip]) as src:
        got, seen = [], []

        def one(i):
            fr = src.read()
            got.append(fr.image.copy())
            seen.append(fr.image.__array_interface__["data"][0])
            src.release_frame(fr.image)

        h, w = ref[0].shape[:2]
        _, by_line = allocated_per_frame(one, i420.__file__, frames=len(ref) - 3, warm=3)
    assert len(got) == len(ref) and all(np.array_equal(a, b) for a, b in zip(got, ref))
    assert len(set(seen[1:])) == 1  # the one buffer, given back and decoded into again
    line, most = max(by_line.items(), key=lambda kv: kv[1]) if by_line else (None, 0)
    assert most < w * h // 4, f"i420.py:{line} allocates {most} bytes a frame"

def test_pixel_format_refused_where_impossible(yuv_clips):
    from livecut.errors import UsageError
    from livecut.sources.file import FileSource

    with FileSource(yuv_clips["full444"]) as src:
        assert not src.can_yuv420p
        with pytest.raises(UsageError):
            src.use_pixel_format("yuv420p")
    with Processor(_cfg(), mode="cutout") as proc:
        assert not proc.supports_i420
        with pytest.raises(UsageError):
            proc.use_pixel_format("yuv420p")


def test_bench_transcode_json_has_the_stage_keys():
    from typer.testing import CliRunner

    from livecut.cli import app

    r = CliRunner().invoke(app, ["bench", "--transcode", "--size", "192x108", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    for k in ("clip", "size", "frames", "codec", "preset", "crf", "plain_s", "plain_fps", "livecut_s",
              "livecut_fps", "ratio", "process_ms"):
        assert k in data
    assert data["size"] == "192x108" and data["frames"] == 90 and data["pixel_format"] == "yuv420p"
    stages = {"decode", "convert", "engine", "composite", "encode", "mux", "other"}
    assert set(data["stages_cpu_ms"]) == stages
    assert {"decode", "encode", "mux"} <= set(data["plain_stages_cpu_ms"])
    assert data["stages_cpu_ms"]["engine"] > 0 and data["stages_cpu_ms"]["encode"] > 0
    assert data["livecut_cpu_s"] > 0 and data["plain_cpu_s"] > 0
    from livecut.threads import thread_plan

    assert data["segmented_ahead"] is thread_plan().segment_ahead  # (the run's, as the CPUs chose it)
    r = CliRunner().invoke(app, ["bench", "--transcode", "--size", "192x108"])
    assert r.exit_code == 0, r.output
    assert "wall clock" in r.stdout and "CPU ms per frame" in r.stdout and "engine" in r.stdout


def test_thread_plan_does_not_oversubscribe_two_cpus(monkeypatch):
    import livecut.threads as th
    from livecut.sinks.file import encoder_options

    assert th.thread_plan(2) == th.ThreadPlan(cpus=2, x264_threads=2, opencv_threads=1)
    assert th.thread_plan(1).x264_threads == 1
    big = th.thread_plan(16)
    assert big.x264_threads is None and big.opencv_threads is None  # library defaults
    assert big.live_opencv_threads == 1 and th.thread_plan(2).live_opencv_threads is None
    monkeypatch.setattr(th, "usable_cpus", lambda: 2)
    assert encoder_options(Config().video, "libx264")[0]["threads"] == "2"
    assert "threads" not in encoder_options(Config().video, "libvpx-vp9")[0]
    monkeypatch.setattr(th, "usable_cpus", lambda: 16)
    assert "threads" not in encoder_options(Config().video, "libx264")[0]


def test_run_video_restores_opencv_threads(yuv_clips, tmp_path, monkeypatch):
    import cv2

    import livecut.threads as th

    import contextlib

    seen = []
    real = th.opencv_threads

    @contextlib.contextmanager
    def spy(n):
        with real(n):
            seen.append(cv2.getNumThreads())  # while the file is processed
            yield

    monkeypatch.setattr(th, "opencv_threads", spy)
    monkeypatch.setattr(th, "usable_cpus", lambda: 2)
    before = cv2.getNumThreads()
    run_video(str(yuv_clips["plain"]), str(tmp_path / "o.mp4"), _cfg(), progress=False, max_frames=2)
    assert seen == [1] and cv2.getNumThreads() == before


def test_live_threads_rise_only_when_one_falls_behind(monkeypatch):
    import cv2

    import livecut.threads as th

    before = cv2.getNumThreads()
    try:
        cv2.setNumThreads(1)
        gov = th.LiveThreads(fps=30.0, start=1, full=4)  # budget: 0.6 * 33.3 ms = 20 ms a frame
        for _ in range(3 * th.LIVE_WINDOW):
            gov(15.0)
        assert not gov.raised and cv2.getNumThreads() == 1
        for _ in range(th.LIVE_WINDOW - 1):
            gov(30.0)
        assert not gov.raised  # (a window's average, not one slow frame)
        gov(30.0)
        assert gov.raised and gov.threads == 4 and cv2.getNumThreads() == 4
        slow = th.LiveThreads(fps=None, start=1, full=1)  # nothing to raise to
        for _ in range(th.LIVE_WINDOW):
            slow(100.0)
        assert not slow.raised
    finally:
        cv2.setNumThreads(before)


def test_live_run_uses_the_live_thread_count(yuv_clips, monkeypatch):
    import cv2

    import livecut.threads as th

    monkeypatch.setattr(th, "usable_cpus", lambda: 16)
    before = cv2.getNumThreads()
    seen = []
    real_init = th.LiveThreads.__init__

    def spy(self, fps, start, full):
        real_init(self, fps, start, full)
        seen.append((start, cv2.getNumThreads()))

    monkeypatch.setattr(th.LiveThreads, "__init__", spy)
    st = run_video(str(yuv_clips["plain"]), "null:", _cfg(), live=True, progress=False)
    assert st.processed >= 1 and st.opencv_threads in (1, before)
    assert seen == [(1, before)] and cv2.getNumThreads() == before  # restored after the run
    # a file run on 16 CPUs keeps OpenCV's default
    st = run_video(str(yuv_clips["plain"]), "null:", _cfg(), progress=False)
    assert st.opencv_threads is None and len(seen) == 1


def test_null_sink_takes_every_frame_and_writes_nothing(yuv_clips, tmp_path):
    st = run_video(str(yuv_clips["plain"]), "null:", _cfg(), progress=False)
    assert st.written == st.processed == 12
    assert not list(tmp_path.iterdir())


def test_null_output_summary_names_it_once():
    """The summary line said "moving.mp4 -> null:: 5 frames ..." (the sink's colon and the
    line's); now "-> null: 5 frames"."""
    from conftest import SAMPLES, run_cli

    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", "null:", "-n", "5")
    assert r.returncode == 0, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert "-> null: 5 frames" in last and "::" not in last, last


def test_stdout_output_summary_names_it_stdout():
    """The summary line called standard output "-" ("moving.mp4 -> -: 3 frames ..."), where the
    other lines say "streaming to stdout"; now "-> stdout: 3 frames"."""
    from conftest import REPO, SAMPLES

    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-m", "livecut", "file", str(SAMPLES / "moving.mp4"), "-o", "-", "-n", "3"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert "-> stdout: 3 frames" in last and "-> -:" not in last, last


def test_bench_live_reports_the_cpu_share():
    from livecut.bench import run_live_bench

    r = run_live_bench(Config(), (320, 180), seconds=1.0, fps=30)
    assert r["size"] == "320x180" and r["clip"] == "generated, moving scene"
    assert r["processed"] + r["dropped"] >= 25  # ~30 frames at 30 fps, the newest frame wins
    assert 0.0 < r["cpu_share"] < 2.5 and r["seconds"] >= 0.9  # paced: about a second, not flat out
    assert r["process_ms"] > 0


def test_bench_still_scene_reuses_the_judgement_and_says_so():
    """--scene still: a tripod shot with sensor noise; the engine judges focus on about one
    frame in segment.still + 1 (the moving scene: every frame), and the bench says how many."""
    from typer.testing import CliRunner

    from livecut.bench import run_transcode_bench
    from livecut.cli import app

    still = run_transcode_bench(Config(), size=(192, 108), repeat=1, scene="still")
    moving = run_transcode_bench(Config(), size=(192, 108), repeat=1)
    assert still["scene"] == "still" and still["frames"] == 90
    assert 90 // 4 <= still["judged"] <= 40
    assert moving["judged"] >= 85
    off = run_transcode_bench(Config(segment=SegmentConfig(still=0)), size=(192, 108), repeat=1, scene="still")
    assert off["judged"] == 90
    r = CliRunner().invoke(app, ["bench", "--live", "--size", "192x108", "--scene", "still"])
    assert r.exit_code == 0, r.output
    assert "still scene" in r.stdout and "engine judged focus on" in r.stdout
    r = CliRunner().invoke(app, ["bench", "--live", "--size", "192x108", "--scene", "tripod"])
    assert r.exit_code == 2 and "--scene" in r.output
    r = CliRunner().invoke(app, ["bench", "--size", "192x108", "--scene", "still"])
    assert r.exit_code == 2 and "--scene" in r.output


def test_null_sink_is_found_whatever_sink_module_loaded_first():
    """The file sink takes any path; ``null:`` must not reach it even when livecut.sinks.file
    was imported before the registry loaded the others."""
    import subprocess
    import sys

    from conftest import REPO

    code = ("import livecut.sinks.file\n"
            "from livecut.sinks import SinkInfo, open_sink\n"
            "print(type(open_sink('null:', SinkInfo(64, 64, 30.0))).__name__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=str(REPO))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "NullSink"


@pytest.fixture(scope="module")
def bt709_clips(tmp_path_factory):
    """A sharp and a blurred colour clip whose YUV is BT.709 and says so (as HD footage from
    phones and cameras does)."""
    import subprocess

    d = tmp_path_factory.mktemp("bt709")
    out = {}
    for name, blur in (("sharp", ""), ("blurred", "gblur=sigma=10,")):
        p = d / f"{name}.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
                        "-t", "0.24", "-vf", f"{blur}scale=out_color_matrix=bt709:out_range=tv",
                        "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709",
                        "-color_trc", "bt709", "-c:v", "libx264", "-crf", "0", str(p)], check=True)
        out[name] = p
    return out


def _first_frame(path):
    import av

    with av.open(str(path)) as c:
        f = next(c.decode(video=0))
        return f.colorspace, f.to_ndarray(format="bgr24").astype(np.int16)


@pytest.mark.parametrize("output,mode,background", [
    ("frames/", "cutout", "blur"),            # BGR frames as PNG: the colours themselves
    ("sbs.mp4", "side-by-side", "blur"),      # BGR -> yuv420p by livecut
    ("cut.mov", "cutout", "blur"),            # BGRA -> ProRes 4444 (yuva444p10le) by swscale
])
def test_bt709_video_keeps_its_colours(bt709_clips, tmp_path, output, mode, background):
    """A BT.709 video's colours survive: read with its own matrix (OpenCV's conversion took
    BT.601: reds 20 levels dark), and a YUV output is converted with it and says so."""
    import cv2

    from conftest import run_cli

    _, want = _first_frame(bt709_clips["sharp"])
    out = tmp_path / output
    r = run_cli("file", str(bt709_clips["sharp"]), "-o", str(out) + ("/" if output.endswith("/") else ""),
                "--mode", mode, "-b", background)
    assert r.returncode == 0, r.stderr
    if output.endswith("/"):
        got = cv2.imread(str(sorted(out.glob("frame_*.png"))[0]), cv2.IMREAD_COLOR).astype(np.int16)
    else:
        space, got = _first_frame(out)
        assert space == 1  # BT.709, as the source
        import av

        with av.open(str(out)) as c:  # (ProRes takes the description from its frames)
            cc = c.streams.video[0].codec_context
            assert (cc.color_primaries, cc.color_trc) == (1, 1)
        got = got[:, :320]
    # (4:2:0 chroma differs at the test pattern's sharp colour edges: the mean, not the max)
    assert np.abs(got - want).mean() < 2.0


@pytest.mark.parametrize("yuv", ["auto", "off"])
def test_bt709_colour_background_is_the_colour_asked_for(bt709_clips, tmp_path, yuv):
    """A colour background over a BT.709 video shows as the colour given, on the I420 path
    (the colour converted with the video's matrix) and on the BGR path alike."""
    from conftest import run_cli

    out = tmp_path / "green.mp4"
    r = run_cli("file", str(bt709_clips["blurred"]), "-o", str(out), "-b", "color:#00b140",
                "--set", f"video.yuv={yuv}")
    assert r.returncode == 0, r.stderr
    space, got = _first_frame(out)
    assert space == 1
    assert np.abs(got[90, 160] - np.array([0x40, 0xb1, 0x00])).max() <= 3


@pytest.fixture(scope="module")
def bt2020_clip(tmp_path_factory):
    """A sharp 8-bit yuv420p clip whose YUV is BT.2020 and says so, with HDR's primaries and
    transfer (PQ)."""
    import subprocess

    p = tmp_path_factory.mktemp("bt2020") / "pq.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
                    "-t", "0.24", "-vf", "scale=out_color_matrix=bt2020:out_range=tv", "-pix_fmt", "yuv420p",
                    "-colorspace", "bt2020nc", "-color_primaries", "bt2020", "-color_trc", "smpte2084",
                    "-c:v", "libx264", "-crf", "0", str(p)], check=True)
    return p


@pytest.mark.parametrize("output,mode", [
    ("frames/", "cutout"),            # BGR frames as PNG (OpenCV read them as BT.601)
    ("comp.mp4", "composite"),        # yuv420p -> yuv420p (passed on as I420, said nothing)
    ("sbs.mp4", "side-by-side"),      # BGR -> yuv420p by livecut
    ("cut.mov", "cutout"),            # BGRA -> ProRes 4444 by swscale
])
def test_bt2020_video_keeps_its_colours_and_says_its_primaries_and_transfer(bt2020_clip, tmp_path,
                                                                             output, mode):
    """A BT.2020 video (HDR) is read with its matrix (taken for BT.601: blues 12 levels off)
    and written as BT.601 that says so, with the source's primaries and transfer (they were
    dropped: PQ shown as SDR, washed out)."""
    import av
    import cv2

    from conftest import run_cli

    space, want = _first_frame(bt2020_clip)
    assert space == 9
    out = tmp_path / output
    r = run_cli("file", str(bt2020_clip), "-o", str(out) + ("/" if output.endswith("/") else ""),
                "--mode", mode)
    assert r.returncode == 0, r.stderr
    if output.endswith("/"):
        got = cv2.imread(str(sorted(out.glob("frame_*.png"))[0]), cv2.IMREAD_COLOR).astype(np.int16)
    else:
        space, got = _first_frame(out)
        assert space == 6  # BT.601, as written
        with av.open(str(out)) as c:
            cc = c.streams.video[0].codec_context
            assert (cc.color_primaries, cc.color_trc) == (9, 16)  # BT.2020, PQ
        got = got[:, :320]
    assert np.abs(got - want).mean() < 2.0


@pytest.mark.parametrize("codec,space,ext", [("mjpeg", 5, "avi"), ("libx264", 6, "mp4")])
@pytest.mark.parametrize("output,mode", [("comp.mp4", "composite"), ("sbs.webm", "side-by-side")])
def test_a_video_that_says_bt601_is_written_saying_it(tmp_path, codec, space, ext, output, mode):
    """'livecut file cam.avi -o comp.mp4' of a webcam's MJPEG recording (its JPEG frames say
    BT.601: BT.470BG, full range) or of an H.264 that says SMPTE 170M wrote a BT.601 video that
    said no matrix, which players take for BT.709 when it is HD (colours off); it says the
    source's matrix, as a BT.709 one does, and keeps its colours."""
    import subprocess

    from conftest import run_cli

    src = tmp_path / f"cam.{ext}"
    fmt = ["-pix_fmt", "yuvj420p", "-q:v", "2"] if codec == "mjpeg" else ["-pix_fmt", "yuv420p", "-crf", "0"]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x3070c0:size=64x48:rate=25", "-t",
                    "0.16", *fmt, "-colorspace", "bt470bg" if space == 5 else "smpte170m", "-c:v", codec, str(src)],
                   check=True)
    was, want = _first_frame(src)
    assert was == space
    out = tmp_path / output
    r = run_cli("file", str(src), "-o", str(out), "--mode", mode)
    assert r.returncode == 0, r.stderr
    said, got = _first_frame(out)
    assert said == space, said  # (it said nothing: 2)
    assert np.abs(got[:, :64].mean((0, 1)) - want.mean((0, 1))).max() < 2.0  # (a flat colour)


@pytest.mark.parametrize("codec,ext", [("mjpeg", "avi"), ("mjpeg", "mkv"), ("libvpx", "webm"), ("mpeg4", "avi"),
                                       ("mpeg1video", "avi"), ("ffv1", "avi"), ("libx264", "avi"), ("mpeg4", "mp4")])
def test_a_bt709_videos_output_that_cannot_say_bt709_is_written_bt601(tmp_path, codec, ext):
    """'livecut file hd.mp4 -o cut.avi --set video.codec=mjpeg' of a BT.709 video wrote its
    BT.709 YUV where a reader takes BT.601 (MJPEG's and VP8's frames are read as BT.601 whatever
    the container says; AVI says no matrix of MPEG-4, MPEG-1 or FFV1): the background asked for,
    #3060c0, was shown as (53, 95, 188); it is converted to BT.601 there, and kept BT.709 where
    it can be said (x264's in AVI, any in MP4)."""
    import subprocess

    import av

    from conftest import run_cli

    src = tmp_path / "hd.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x808080:size=64x48:rate=25",
                    "-t", "0.16", "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709",
                    "-color_trc", "bt709", "-c:v", "libx264", str(src)], check=True)
    out = tmp_path / f"cut.{ext}"
    r = run_cli("file", str(src), "-o", str(out), "-b", "color:#3060c0", "--set", f"video.codec={codec}")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        f = next(c.decode(video=0))
        y, u, v = (float(np.frombuffer(p, np.uint8).reshape(p.height, -1)[:, :p.width].mean()) for p in f.planes)
        space = f.colorspace
    kr, kb = (0.2126, 0.0722) if space == 1 else (0.299, 0.114)  # (what the reader takes: BT.601 unless said)
    full = f.color_range == 2
    y, u, v = (y, u - 128, v - 128) if full else ((y - 16) * 255 / 219, (u - 128) * 255 / 224, (v - 128) * 255 / 224)
    red, blue = y + 2 * (1 - kr) * v, y + 2 * (1 - kb) * u
    green = (y - kr * red - kb * blue) / (1 - kr - kb)
    assert np.abs(np.array([red, green, blue]) - (0x30, 0x60, 0xc0)).max() < 2.0, (space, red, green, blue)
    assert (space == 1) == (codec == "libx264" or ext == "mp4"), space  # (BT.709 where it is said)


@pytest.mark.parametrize("codec,fmt,ext", [("png", "rgb24", "mov"), ("qtrle", "rgb24", "mov"),
                                           ("libx264rgb", "bgr24", "mkv")])
def test_an_rgb_videos_output_says_its_matrix(tmp_path, codec, fmt, ext):
    """'livecut file screen.mov -o comp.mp4' of an RGB video (a screen recording: PNG or QTRLE in
    .mov, x264's RGB) wrote its YUV, made by livecut with BT.601, saying no matrix, which players
    take for BT.709 when it is HD (colours off); it says BT.601 and keeps the colours."""
    import subprocess

    from conftest import run_cli

    src = tmp_path / f"screen.{ext}"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x3070c0:size=64x48:rate=25", "-t",
                    "0.16", "-pix_fmt", fmt, "-c:v", codec, str(src)], check=True)
    _, want = _first_frame(src)
    out = tmp_path / "comp.mp4"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    said, got = _first_frame(out)
    assert said == 6, said  # (it said nothing: 2)
    assert np.abs(got.mean((0, 1)) - want.mean((0, 1))).max() < 2.0  # (a flat colour)


@pytest.mark.parametrize("codec,background", [("qtrle", "green"), ("png", "green"), ("qtrle", "transparent"),
                                                ("png", "transparent")])
def test_a_bt709_videos_rgb_output_says_rgb_not_a_yuv_matrix(bt709_clips, tmp_path, codec, background):
    """'livecut file hd.mp4 -o o.mov --set video.codec=qtrle' (or png; opaque or transparent)
    wrote rgb24 (argb, rgba) video tagged with the source's YUV matrix, BT.709, which an RGB
    stream has not; it is tagged RGB ("gbr"), with the source's primaries and transfer, as
    ``ffmpeg -i hd.mp4 -c:v qtrle o.mov`` writes it."""
    import subprocess

    import av

    from conftest import run_cli

    if codec not in av.codecs_available:
        pytest.skip(f"this FFmpeg has no {codec}")
    out = tmp_path / "o.mov"
    r = run_cli("file", str(bt709_clips["sharp"]), "-o", str(out), "-b", background, "--set", f"video.codec={codec}")
    assert r.returncode == 0, r.stderr
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=pix_fmt,color_space,color_primaries,color_transfer", "-of", "default=nw=1",
                            str(out)], capture_output=True, text=True, check=True).stdout.split()
    assert probe[0].startswith("pix_fmt=") and probe[0] != "pix_fmt=yuv420p", probe
    assert "color_space=gbr" in probe, probe  # (it was bt709)
    assert {"color_primaries=bt709", "color_transfer=bt709"} <= set(probe), probe
    with av.open(str(out)) as c:
        assert next(c.decode(video=0)).colorspace == 0  # (RGB: as read back)


def test_hdr_video_is_said_to_be_processed_as_8_bit(tmp_path):
    """A PQ video (BT.2020) was written as 8-bit that keeps its HDR tags, with nothing said at
    run time; one warning says so now, and says what the output carries (checked: .mp4, .mkv
    and .mov keep PQ and BT.2020, with the BT.601 matrix, in 8 bits); a BT.709 clip says nothing."""
    import subprocess

    import av

    from conftest import run_cli

    src = tmp_path / "pq.mkv"
    tags = ["-colorspace", "bt2020nc", "-color_primaries", "bt2020", "-color_trc", "smpte2084"]
    lavfi = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.2"]
    if subprocess.run([*lavfi, "-pix_fmt", "yuv420p10le", *tags, "-c:v", "libx265", "-x265-params",
                       "log-level=error", str(src)]).returncode:  # (no x265 here: the tags on 8-bit H.264)
        subprocess.run([*lavfi, "-pix_fmt", "yuv420p", *tags, "-c:v", "libx264", str(src)], check=True)
    said = ("pq.mkv: HDR video (PQ, BT.2020) is processed as 8-bit: the output keeps its PQ, BT.2020 tags "
            "(with the BT.601 matrix); a mask, PNG frames and raw frames "
            "(-o - as NUT) have none")
    for ext in (".mp4", ".mkv", ".mov"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out), "-q")
        assert r.returncode == 0, r.stderr
        assert r.stderr.count("HDR video") == 1 and said in r.stderr, r.stderr
        with av.open(str(out)) as c:
            cc = c.streams.video[0].codec_context
            assert (cc.pix_fmt, cc.color_primaries, cc.color_trc, cc.colorspace) == ("yuv420p", 9, 16, 6)
    sdr = tmp_path / "hd.mp4"
    subprocess.run([*lavfi, "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709",
                    "-color_trc", "bt709", "-c:v", "libx264", str(sdr)], check=True)
    r = run_cli("file", str(sdr), "-o", str(tmp_path / "sdr.mp4"), "-q")
    assert r.returncode == 0 and "HDR" not in r.stderr, r.stderr


def test_hdr_videos_warning_names_only_the_metadata_it_has(tmp_path):
    """An HLG clip (no mastering display: HLG has none) was warned '... not the mastering-display
    metadata', which it never had; the warning names HDR10's static metadata only where the
    video holds it (x265's SEI: the mastering display, MaxCLL/MaxFALL), and those are indeed not
    in the output."""
    import subprocess

    from conftest import run_cli

    lavfi = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=128x72:rate=25", "-t", "0.12",
             "-pix_fmt", "yuv420p10le", "-colorspace", "bt2020nc", "-color_primaries", "bt2020", "-c:v", "libx265"]
    hlg, pq = tmp_path / "hlg.mov", tmp_path / "hdr10.mp4"
    hdr10 = ("log-level=error:hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)"
             "L(10000000,1):max-cll=1000,400")
    if (subprocess.run([*lavfi, "-color_trc", "arib-std-b67", "-x265-params", "log-level=error", str(hlg)]).returncode
            or subprocess.run([*lavfi, "-color_trc", "smpte2084", "-x265-params", hdr10, str(pq)]).returncode):
        pytest.skip("no libx265 in this FFmpeg")
    r = run_cli("file", str(hlg), "-o", str(tmp_path / "hlg.mp4"), "-q")
    assert r.returncode == 0, r.stderr
    assert ("hlg.mov: HDR video (HLG, BT.2020) is processed as 8-bit: the output keeps its HLG, BT.2020 tags "
            "(with the BT.601 matrix); a mask") in r.stderr, r.stderr
    assert "mastering" not in r.stderr and "light level" not in r.stderr, r.stderr
    out = tmp_path / "pq.mp4"
    r = run_cli("file", str(pq), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert ("(with the BT.601 matrix, not its mastering-display metadata and content light levels); a mask"
            in r.stderr), r.stderr
    said = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-read_intervals", "%+#1",
                           "-show_frames", "-show_streams", str(out)], capture_output=True, text=True, check=True)
    assert "Mastering" not in said.stdout and "light level" not in said.stdout, said.stdout


def test_hdr_video_piped_out_as_raw_frames_is_not_said_to_keep_its_tags(tmp_path):
    """'livecut file pq.mkv -o - | ...' (raw NUT frames, BGR) was told 'the output keeps its PQ,
    BT.2020 tags', which raw frames do not hold: a reader took them for SDR BT.601 without a
    word; the warning says raw frames have none, as it says of a mask and PNG frames."""
    import io
    import os
    import subprocess
    import sys

    import av

    from conftest import REPO

    src = tmp_path / "pq.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-t", "0.12",
                    "-pix_fmt", "yuv420p", "-colorspace", "bt2020nc", "-color_primaries", "bt2020", "-color_trc",
                    "smpte2084", "-c:v", "libx264", str(src)], check=True)
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    r = subprocess.run([sys.executable, "-m", "livecut", "file", str(src), "-o", "-", "-q"], capture_output=True,
                       env=env, timeout=60)
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 0, err
    with av.open(io.BytesIO(r.stdout)) as c:
        cc = c.streams.video[0].codec_context
        assert (cc.name, cc.color_primaries, cc.color_trc) == ("rawvideo", 2, 2)  # (none held)
    assert "raw frames (-o - as NUT) have none" in err, err


def _ahead(on: bool, yuv: str = "auto") -> Config:
    c = _cfg(yuv)
    return dataclasses.replace(c, video=dataclasses.replace(c.video, segment_ahead=on))


@pytest.mark.parametrize("yuv, mode", [("auto", None), ("off", None), ("auto", "cutout")])
def test_segmenting_ahead_gives_the_same_output(yuv_clips, tmp_path, monkeypatch, yuv, mode):
    """video.segment_ahead: the reader thread segments each frame while the processing thread
    composites the one before; the frames stay in order, so the frames handed to the file are
    the same, byte for byte, and so are the run's counts (also with --frames, which stops
    ahead of the reader).  (The encoded files are compared through what the encoder is
    given: x264's frame threads may round a few levels differently under load, either way.)"""
    import zlib

    from livecut.sinks.file import VideoFileSink

    written: list[int] = []
    real = VideoFileSink.write

    def write(self, image, pts=None):
        written.append((zlib.crc32(np.ascontiguousarray(image).tobytes()), pts))
        return real(self, image, pts)

    monkeypatch.setattr(VideoFileSink, "write", write)
    ext = ".mov" if mode == "cutout" else ".mp4"
    runs = {}
    for on in (False, True):
        written.clear()
        # (the shipped clip: its subject moves, so each frame's alpha is its own)
        st = run_video(str(SAMPLES / "moving.mp4"), str(tmp_path / f"o_{on}{ext}"), _ahead(on, yuv), mode=mode,
                       progress=False, max_frames=20)
        assert st.segmented_ahead is on and st.processed == st.written == 20
        # (the summary's processing time takes in the segmentation done ahead, in the reader
        # thread: it was the compositing's alone, 1.6 ms a frame for 13 one after the other)
        assert (len(st.segment_ms) > 0) is on and ("segmenting ahead, in the reader thread" in st.summary()) is on
        if on:
            total = st.process_ms_mean + st.segment_ms_mean
            assert f"processing {total:.1f} ms/frame ({st.segment_ms_mean:.1f} of it" in st.summary()
        runs[on] = (list(written), st.judged, st.pixel_format)
    assert runs[False] == runs[True] and len(runs[True][0]) == 20
    assert runs[True][2] == ("bgr24" if yuv == "off" or mode else "yuv420p")


@pytest.mark.parametrize("cpus", [2, 16])
def test_segment_ahead_auto_follows_the_cpus(yuv_clips, tmp_path, monkeypatch, cpus):
    """video.segment_ahead = "auto" (the default): a file run segments ahead on more than 2 CPUs
    (measured faster on 4, 8 and 16: docs/transcode-threads.md), not on 2 (slower there);
    true/false (it was a boolean key) still mean on/off."""
    import livecut.threads as th

    assert Config().video.segment_ahead == "auto"
    assert th.thread_plan(2).segment_ahead is False and th.thread_plan(4).segment_ahead is True
    assert [_ahead(v).video.segment_ahead for v in (True, False, "true", "off", 1)] == ["on", "off", "on", "off", "on"]
    with pytest.raises(ConfigError, match="segment_ahead"):
        _ahead("sometimes")
    monkeypatch.setattr(th, "usable_cpus", lambda: cpus)
    st = run_video(str(SAMPLES / "moving.mp4"), str(tmp_path / "o.mp4"), _cfg("auto"), progress=False,
                   max_frames=6)
    assert st.segmented_ahead is (cpus > 2) and st.written == 6
    st = run_video(str(SAMPLES / "moving.mp4"), str(tmp_path / "o2.mp4"), _ahead("off"), progress=False,
                   max_frames=6)
    assert st.segmented_ahead is False


@pytest.mark.parametrize("on", [False, True])
def test_segmenting_ahead_counts_the_networks_of_the_frames_written(tmp_path, on):
    """--frames with video.segment_ahead: the reader thread has segmented a few frames past the
    last one written when the run stops; the engine's counts took them in: 'livecut file
    blurred.mp4 -o out/ -n 5' said "5 frames ..., 8 judged by the soft network" (5 without
    segmenting ahead).  The counts are those of the frames composited."""
    import subprocess

    clip = tmp_path / "soft.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(SAMPLES / "moving.mp4"), "-t", "1", "-vf",
                    "gblur=sigma=8", "-an", "-c:v", "libx264", str(clip)], check=True)
    st = run_video(str(clip), str(tmp_path / "o.mp4"), _ahead(on), progress=False, max_frames=3)
    assert st.segmented_ahead is on and st.written == 3
    assert st.judged_soft == 3, st.summary()
    assert "3 judged by the soft network" in st.summary()


def test_a_segmentation_that_fails_ahead_ends_the_run(yuv_clips, tmp_path, monkeypatch):
    import time

    from livecut.errors import StageError
    from livecut.runner import Processor

    calls = []
    real = Processor.segment

    def segment(self, image, out=None, **kw):
        calls.append(1)
        if len(calls) == 4:
            raise ValueError("bad pixel")
        return real(self, image, out, **kw)

    monkeypatch.setattr(Processor, "segment", segment)
    t0 = time.perf_counter()
    with pytest.raises(StageError, match="processing stage failed: ValueError: bad pixel"):
        run_video(str(yuv_clips["plain"]), str(tmp_path / "o.mp4"), _ahead(True), progress=False)
    assert time.perf_counter() - t0 < 3.0
    assert not (tmp_path / "o.mp4").exists()


@pytest.fixture(scope="module")
def high_bit_clips(tmp_path_factory):
    """One picture (sharp right half, blurred left half, 10-bit master) as FFmpeg writes it in
    yuv420p10le, yuv420p12le and yuv420p (ffv1: lossless), BT.601 and BT.709."""
    import subprocess

    d = tmp_path_factory.mktemp("highbit")
    graph = ("testsrc2=size=320x180:rate=25:duration=0.4,format=yuv420p10le,split[a][b];"
             "[a]crop=160:180:0:0,gblur=sigma=4[l];[b]crop=160:180:160:0,gblur=sigma=0.7[r];[l][r]hstack")
    clips = {}
    for matrix in ("bt470bg", "bt709"):
        master = d / f"{matrix}-master.mkv"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", graph, "-colorspace", matrix,
                        "-pix_fmt", "yuv420p10le", "-c:v", "ffv1", str(master)], check=True)
        for fmt in ("yuv420p", "yuv420p10le", "yuv420p12le"):
            out = d / f"{matrix}-{fmt}.mkv"
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(master), "-colorspace", matrix,
                            "-pix_fmt", fmt, "-c:v", "ffv1", str(out)], check=True)
            clips[matrix, fmt] = out
    return clips


@pytest.mark.parametrize("matrix", ["bt470bg", "bt709"])
@pytest.mark.parametrize("fmt", ["yuv420p10le", "yuv420p12le"])
def test_high_bit_video_reads_and_cuts_as_its_8_bit_version(high_bit_clips, matrix, fmt):
    from livecut.segment import Segmenter
    from livecut.sources.file import FileSource

    def read(path):
        seg = Segmenter(_cfg())
        with FileSource(path) as src:
            frames = [f.image for f in iter(src.read, None)]
        return frames, [seg.mask(img) for img in frames]

    frames8, masks8 = read(high_bit_clips[matrix, "yuv420p"])
    frames, masks = read(high_bit_clips[matrix, fmt])
    assert len(frames) == len(frames8) >= 5
    for a, b, ma, mb in zip(frames8, frames, masks8, masks):
        diff = np.abs(a.astype(int) - b)
        assert diff.max() <= 1, diff.max()  # (was up to 179 at colour edges)
        assert np.abs(ma.astype(int) - mb).mean() < 1.0


@pytest.mark.parametrize("matrix", ["bt601", "bt709"])
def test_bgr_frames_get_the_chroma_of_the_2x2_average(tmp_path, matrix):
    # a BGR frame (the side-by-side mode's, a full-range or odd-sized video's) written to a
    # yuv420p file: each U and V sample is the average of the 2x2 pixels it covers, as the
    # I420 composite and swscale make it.  OpenCV's own conversion took one pixel of the
    # four: a red | blue edge at an odd column came out a whole chroma sample off
    import av

    from livecut.composite import bgr_to_i420
    from livecut.i420 import planes
    from livecut.sinks.base import SinkInfo
    from livecut.sinks.file import VideoFileSink

    h, w = 32, 48
    frame = np.empty((h, w, 3), np.uint8)
    frame[:] = (40, 40, 200)
    frame[:, 21:] = (200, 60, 30)  # the edge inside a chroma sample's pair of columns
    frame[9::2, :8] = (30, 180, 40)  # colour on every other row, finer than the chroma
    out = tmp_path / "edge.mkv"
    cfg = dataclasses.replace(Config().video, codec="ffv1")
    with VideoFileSink(out, SinkInfo(width=w, height=h, fps=25.0, matrix=matrix), cfg) as sink:
        for _ in range(2):
            sink.write(frame)
    with av.open(str(out)) as c:
        got = c.decode(video=0).__next__().to_ndarray(format="yuv420p")
    want = bgr_to_i420(frame, matrix=matrix)
    for g, e in zip(planes(got, h, w)[1:], planes(want, h, w)[1:]):
        assert np.abs(g.astype(int) - e).max() <= 1


def _through_the_yuv_path(src, ref, tmp_path) -> list:
    """(livecut's I420 frame, FFmpeg's) of video ``src`` and ``ref``, ``ffmpeg -pix_fmt yuv420p``'s
    version of it, 6 each; ``src`` is taken onto the YUV path, and cut through it to a file."""
    import av

    from livecut.sources.file import FileSource

    with av.open(str(ref)) as c:
        want = [f.to_ndarray() for f in c.decode(video=0)]
    with FileSource(src) as s:
        assert s.can_yuv420p
        s.use_pixel_format("yuv420p")
        got = [f.image.copy() for f in iter(s.read, None)]
    assert len(got) == len(want) == 6
    st = run_video(str(src), str(tmp_path / "out.mp4"), _cfg(), progress=False)
    assert st.pixel_format == "yuv420p" and "yuv420p" in st.summary()
    assert probe(tmp_path / "out.mp4")["frames"] == 6
    return list(zip(got, want))


def _clips_and_ffmpegs_420(d: Path, fmts: tuple[str, ...], filters: str = "") -> dict:
    """{(matrix, pixel format): (clip, ``ffmpeg -pix_fmt yuv420p``'s version of it)}: 6 frames of
    testsrc2 (after ``filters``) in each of ``fmts``, BT.601 and BT.709, FFV1 (lossless), in ``d``."""
    import subprocess

    clips = {}
    for matrix, cm in (("bt470bg", "bt601"), ("bt709", "bt709")):
        for fmt in fmts:
            src, ref = d / f"{matrix}-{fmt}.mkv", d / f"{matrix}-{fmt}-420.mkv"
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                            "testsrc2=size=320x180:rate=25:duration=0.24", "-vf",
                            f"{filters}scale=out_color_matrix={cm}:out_range=tv,format={fmt}",
                            "-colorspace", matrix, "-c:v", "ffv1", str(src)], check=True)
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-pix_fmt", "yuv420p",
                            "-colorspace", matrix, "-c:v", "ffv1", str(ref)], check=True)
            clips[matrix, fmt] = src, ref
    return clips


@pytest.fixture(scope="module")
def yuv422_clips(tmp_path_factory):
    """4:2:2 clips (ProRes / DNxHR / H.264 High 4:2:2 alike: 8 and 10 bits, BT.601 and BT.709,
    ffv1: lossless) and FFmpeg's own 4:2:0 conversion of each (``-pix_fmt yuv420p``)."""
    return _clips_and_ffmpegs_420(tmp_path_factory.mktemp("yuv422"), ("yuv422p", "yuv422p10le"))


@pytest.mark.parametrize("matrix", ["bt470bg", "bt709"])
@pytest.mark.parametrize("fmt", ["yuv422p", "yuv422p10le"])
def test_422_video_takes_the_yuv_path_with_ffmpegs_chroma(yuv422_clips, tmp_path, matrix, fmt):
    """A 4:2:2 video (ProRes 422, DNxHR, H.264 High 4:2:2) to a 4:2:0 file: its frames are made
    4:2:0 as ``ffmpeg -pix_fmt yuv420p`` makes them and stay YUV.  Through BGR (its chroma
    interpolated to 4:4:4, then averaged 2 x 2) U and V came out ~0.5 of a level off
    FFmpeg's, softer across."""
    h = 180
    for g, e in _through_the_yuv_path(*yuv422_clips[matrix, fmt], tmp_path):
        d = np.abs(g.astype(int) - e)
        assert d[:h].max() == 0  # (the luma as it is, or dithered to 8 bits as FFmpeg does)
        assert d[h:].mean() < 0.05, d[h:].mean()


@pytest.fixture(scope="module")
def high_bit_420_clips(tmp_path_factory):
    """10- and 12-bit 4:2:0 clips (HEVC Main 10, AV1 or VP9 profile 2 alike; FFV1: lossless) with
    fine detail (noise: a smooth picture's dither hides little), BT.601 and BT.709, and FFmpeg's
    own 8-bit conversion of each (``-pix_fmt yuv420p``)."""
    return _clips_and_ffmpegs_420(tmp_path_factory.mktemp("yuv420high"), ("yuv420p10le", "yuv420p12le"),
                                  "noise=alls=12:allf=t,")


@pytest.mark.parametrize("matrix", ["bt470bg", "bt709"])
@pytest.mark.parametrize("fmt", ["yuv420p10le", "yuv420p12le"])
def test_high_bit_420_video_takes_the_yuv_path_as_ffmpeg_makes_it_8_bit(high_bit_420_clips, tmp_path,
                                                                         matrix, fmt):
    """A 10- or 12-bit 4:2:0 video (HEVC Main 10 from a phone or a camera, AV1, VP9 profile 2)
    to an 8-bit 4:2:0 file: its frames are brought to 8 bits as ``ffmpeg -pix_fmt yuv420p``
    brings them (its dither included) and stay YUV.  They went through BGR (~0.3 of a level off
    FFmpeg's on average in Y, U and V on detailed pictures, and ~7x the time a 1080p frame)."""
    for g, e in _through_the_yuv_path(*high_bit_420_clips[matrix, fmt], tmp_path):
        assert np.array_equal(g, e), np.abs(g.astype(int) - e).mean()


@pytest.fixture(scope="module")
def yuv444_clips(tmp_path_factory):
    """4:4:4 clips with fine chroma (noise: a smooth picture's chroma comes out alike however it
    is halved) -- H.264 High 4:4:4 (its decoder says left-sited chroma), ProRes 4444 without
    alpha (12 bits decoded), FFV1 10-bit -- and FFmpeg's own 4:2:0 conversion of each
    (``-pix_fmt yuv420p``)."""
    import subprocess

    d = tmp_path_factory.mktemp("yuv444")
    clips = {}
    for name, matrix, fmt, codec in (("h264.mp4", "bt709", "yuv444p", ["libx264", "-preset", "ultrafast"]),
                                     ("prores.mov", "bt470bg", "yuv444p10le", ["prores_ks", "-profile:v", "4444"]),
                                     ("ffv1.mkv", "bt709", "yuv444p10le", ["ffv1"])):
        cm = "bt709" if matrix == "bt709" else "bt601"
        src, ref = d / name, d / f"{name}-420.mkv"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=320x180:rate=25:duration=0.24,noise=alls=12:allf=t", "-vf",
                        f"scale=out_color_matrix={cm}:out_range=tv,format={fmt}", "-colorspace", matrix,
                        "-c:v", *codec, str(src)], check=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-pix_fmt", "yuv420p",
                        "-colorspace", matrix, "-c:v", "ffv1", str(ref)], check=True)
        clips[name] = src, ref
    return clips


@pytest.mark.parametrize("name", ["h264.mp4", "prores.mov", "ffv1.mkv"])
def test_444_video_takes_the_yuv_path_with_ffmpegs_chroma(yuv444_clips, tmp_path, name):
    """A 4:4:4 video (H.264 High 4:4:4, ProRes 4444 without alpha, DNxHR 444, FFV1) to a 4:2:0
    file: its frames are made 4:2:0 as ``ffmpeg -pix_fmt yuv420p`` makes them and stay YUV.
    Through BGR U and V came out 0.3-1.1 of a level off FFmpeg's on average, more where colours
    lie outside RGB (clipped); reformat() would site H.264's chroma left of its pixels, not
    centred as FFmpeg does (0.4-0.9 off)."""
    h = 180
    for g, e in _through_the_yuv_path(*yuv444_clips[name], tmp_path):
        d = np.abs(g.astype(int) - e)
        assert d[:h].max() == 0  # (the luma as it is, or dithered to 8 bits as FFmpeg does)
        assert d[h:].mean() < 0.05, d[h:].mean()


def test_the_stage_clock_loses_no_time_added_from_two_threads():
    """With segmentation ahead the engine's time is added from two threads (its refinement in
    the processing thread, the rest in the reader thread): the clock's read-and-add lost some of
    them (400,000 adds from two threads counted ~386,000), the bench's engine row too low."""
    import threading

    from livecut.stageclock import StageClock

    clock = StageClock()

    def work():
        for _ in range(200_000):
            clock.add("engine", clock.now())

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.calls["engine"] == 400_000


def test_a_signal_during_a_run_to_null_names_no_output(tmp_path):
    """Ctrl-C during `livecut file clip -o null:` (to measure) said 'interrupted (null: finalized
    with 39 frames)', or '(nothing was written to null:)', as of a file kept; null: keeps
    nothing: 'interrupted', exit 130, as the bench says it."""
    import os
    import signal
    import subprocess
    import sys

    from conftest import REPO, signal_after

    clip = make_clip(tmp_path / "clip.mp4", w=64, h=48, n=250)
    p = subprocess.Popen([sys.executable, "-m", "livecut", "file", str(clip), "-o", "null:", "--pace"],
                         stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        err, _ = signal_after(p, 3.0, signal.SIGINT)
    finally:
        p.kill()
    assert p.returncode == 130 and err.strip().splitlines() == ["livecut: error: interrupted"], (p.returncode, err)


@pytest.mark.parametrize("transfer", ["bt709", "smpte2084"])
def test_a_video_that_states_its_primaries_but_no_matrix_is_written_stating_none(tmp_path, transfer):
    """A video that states its primaries and transfer but no matrix (``ffmpeg ... -color_primaries
    bt709 -color_trc bt709``; a PQ one, BT.2020, likewise) was written stating the BT.601 matrix,
    where one that states nothing is written stating none: a player that took the video for
    BT.709 (HD: mpv, browsers) showed the output, the same YUV, in other colours. Its output
    states no matrix either, with the video's primaries and transfer; a PQ one's warning says so."""
    import av

    from conftest import run_cli

    src = tmp_path / "nomatrix.mkv"
    prim = "bt709" if transfer == "bt709" else "bt2020"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "0.2",
                    "-pix_fmt", "yuv420p", "-color_primaries", prim, "-color_trc", transfer, "-c:v", "libx264",
                    str(src)], check=True)
    with av.open(str(src)) as c:
        assert c.streams.video[0].codec_context.colorspace == 2  # (unspecified: none stated)
    want = (1, 1) if transfer == "bt709" else (9, 16)
    for ext in (".mp4", ".mkv"):
        out = tmp_path / f"out{ext}"
        r = run_cli("file", str(src), "-o", str(out), "-q")
        assert r.returncode == 0, r.stderr
        with av.open(str(out)) as c:
            cc = c.streams.video[0].codec_context
            assert (cc.color_primaries, cc.color_trc, cc.colorspace) == (*want, 2), ext  # (it said 6, BT.601)
        if transfer == "smpte2084":
            assert "(with no matrix, as the video states none); a mask" in r.stderr, r.stderr


def _flat_clip(path: Path, fmt: str, w: int = 640, h: int = 360, n: int = 4) -> Path:
    """A textured square (blurred noise, moving) over a perfectly flat grey whose 10-bit level,
    403 (100.75 in 8 bits), lies between two 8-bit ones, FFV1 (lossless) in ``fmt``: the 10- and
    12-bit picture is the same, the 8-bit one rounded."""
    import av
    import cv2

    rng = np.random.default_rng(0)
    tex = cv2.GaussianBlur(rng.integers(0, 1024, (h, w)).astype(np.float64), (0, 0), 3) * 7
    tex -= tex.mean()
    yy, xx = np.mgrid[0:h, 0:w]
    shift = {"yuv420p": 0.25, "yuv420p10le": 1, "yuv420p12le": 4}[fmt]
    with av.open(str(path), "w") as c:
        s = c.add_stream("ffv1", rate=25)
        s.width, s.height, s.pix_fmt = w, h, fmt
        for i in range(n):
            inside = (np.abs(xx - w / 2 - 2 * i) < w / 6) & (np.abs(yy - h / 2) < h / 4)
            y10 = np.where(inside, 403 + tex, 403.0)
            f = av.VideoFrame(w, h, fmt)
            for p, a in zip(f.planes, (y10, np.full((h // 2, w // 2), 520.0), np.full((h // 2, w // 2), 506.0))):
                a = np.clip(np.round(a * shift), 0, 1023 * shift).astype(np.uint8 if fmt == "yuv420p" else "<u2")
                row = np.zeros((a.shape[0], p.line_size // a.itemsize), a.dtype)
                row[:, :a.shape[1]] = a
                p.update(row.tobytes())
            for pk in s.encode(f):
                c.mux(pk)
        for pk in s.encode():
            c.mux(pk)
    return path


@pytest.mark.parametrize("yuv", ["auto", "off"])
@pytest.mark.parametrize("fmt", ["yuv420p10le", "yuv420p12le", "yuv422p10le", "yuv444p12le"])
def test_high_bit_video_over_a_flat_background_is_cut_as_its_8_bit_version(tmp_path, fmt, yuv):
    """A 10- or 12-bit video (4:2:0: HEVC Main 10, AV1; 4:2:2, 4:4:4: ProRes, DNxHR, FFV1) is
    brought to 8 bits with FFmpeg's ordered dither (right for the encoder), whose fine pattern
    over a flat background read as detail to the focus engine: the mask of a textured square
    over flat grey was empty (0 % of the frame against 17 % for the same clip in 8 bits).  The
    engine judges the planes shifted to 8 bits without the dither now, on the YUV path (auto)
    and through BGR (off); the output's pixels are as before."""
    import av

    def coverage(src):
        out = tmp_path / f"{src.stem}-{yuv}.mkv"
        cfg = _cfg(yuv)
        # (segmented ahead in the reader thread on one path, in the processing thread on the other)
        ahead = "on" if yuv == "auto" else "off"
        cfg = dataclasses.replace(cfg, composite=dataclasses.replace(cfg.composite, mode="mask"),
                                  video=dataclasses.replace(cfg.video, codec="ffv1", segment_ahead=ahead))
        st = run_video(str(src), str(out), cfg, progress=False)
        assert st.pixel_format == ("yuv420p" if yuv == "auto" else "bgr24")
        assert st.segmented_ahead == (ahead == "on")
        with av.open(str(out)) as c:
            return [float((f.to_ndarray(format="gray") > 127).mean()) for f in c.decode(video=0)]

    eight = coverage(_flat_clip(tmp_path / "8.mkv", "yuv420p"))
    high = _flat_clip(tmp_path / "high.mkv", fmt if fmt.startswith("yuv420p") else "yuv420p10le")
    if not fmt.startswith("yuv420p"):  # (its chroma flat: the same picture)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(high), "-pix_fmt", fmt, "-c:v", "ffv1",
                        str(tmp_path / "high2.mkv")], check=True)
        high = tmp_path / "high2.mkv"
    high = coverage(high)
    assert len(eight) == len(high) == 4
    for a, b in zip(eight, high):
        assert 0.1 < a < 0.25, a  # (the square: a sixth of the frame)
        assert abs(a - b) < 0.02, (a, b)


def test_a_high_bit_frame_is_judged_undithered_from_a_file_and_a_stream(tmp_path):
    """The frames of a 10-bit video carry what the engine judges (Frame.engine_image): the planes
    shifted to 8 bits without the dither, through BGR (a file's, a stream's, whose reader is
    the same) and as I420; the frames delivered keep FFmpeg's dither.  An 8-bit video's carry
    none (judged as delivered)."""
    import av

    from livecut.config import VideoConfig
    from livecut.sources.file import FileSource
    from livecut.sources.stream import StreamSource

    high = _flat_clip(tmp_path / "high.mkv", "yuv420p10le")
    flat = np.zeros((360, 640), bool)
    flat[:60] = True  # (above the square: grey at 100.75 in 8 bits, 101 undithered)
    sources = {"file": lambda p: FileSource(p),
               "stream": lambda p: StreamSource("http://127.0.0.1:9/clip.mkv", VideoConfig(),
                                                opener=lambda url, **kw: av.open(str(p)))}
    for how, make in sources.items():
        with make(high) as src:
            frame = src.read()
        assert frame.engine_image is not None and frame.engine_image.shape == frame.image.shape, how
        assert len(np.unique(frame.image[flat][:, 1])) > 1, how  # (the dither: levels mixed)
        assert len(np.unique(frame.engine_image[flat], axis=0)) == 1, how  # (one colour, as 8-bit's)
    with FileSource(high) as src:
        src.use_pixel_format("yuv420p")
        frame = src.read()
    assert frame.engine_image.shape == frame.image.shape == (540, 640)
    assert len(np.unique(frame.image[:60])) == 2 and np.unique(frame.engine_image[:60]).tolist() == [101]
    for how, make in sources.items():
        with make(_flat_clip(tmp_path / "8.mkv", "yuv420p")) as src:
            assert src.read().engine_image is None, how


def _flat_spliced(folder: Path, later: tuple, fmt: str = "yuv420p10le") -> Path:
    """25 frames of :func:`_flat_clip` in ``fmt``, then 6 more converted by ffmpeg with ``later``
    (its options: another size, pixel shape, range or matrix), lossless H.264 in one MPEG-TS
    file, as a splice gives it."""
    parts = []
    for i, opts in enumerate((("-vf", "setsar=1/1"), later)):
        src = _flat_clip(folder / f"flat{i}.mkv", fmt, n=(25, 6)[i])
        p = folder / f"{i}.ts"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), *opts, "-c:v", "libx264", "-qp", "0",
                        "-pix_fmt", fmt, "-output_ts_offset", str(i), "-f", "mpegts", str(p)], check=True, timeout=60)
        parts.append(p.read_bytes())
    out = folder / f"spliced-{fmt}.ts"
    out.write_bytes(b"".join(parts))
    return out


#: what the later part of :func:`_flat_spliced` is made with, for each way its frames are converted
_LATER = {"letterboxed": ("-vf", "scale=640:480,setsar=1/1"), "pixel-shape": ("-vf", "setsar=4/3"),
          "full-range": ("-vf", "setsar=1/1", "-color_range", "pc"),
          "bt709": ("-vf", "setsar=1/1", "-colorspace", "bt709")}


@pytest.mark.parametrize("later, how", [("letterboxed", "i420"), ("pixel-shape", "i420"), ("full-range", "i420"),
                                        ("bt709", "i420"), ("pixel-shape", "bgr"), ("pixel-shape", "stream")])
def test_a_high_bit_frame_fitted_onto_bars_or_converted_mid_stream_is_judged_undithered(tmp_path, later, how):
    """The engine judged a 10-bit frame undithered (Frame.engine_image) only where it is brought
    to 8 bits as it is: one that changed size or pixel shape mid-stream, fitted onto bars (as
    I420, through BGR, from a stream), or came full range or of BT.709 after a BT.601 start (on
    the YUV path: made limited range, read with its matrix), was judged as delivered, dithered
    by swscale's scaling or conversion: over a flat background its fine pattern read as detail
    (see the next test).  Its engine_image is now its 8-bit twin (planes shifted, rounded)
    converted so: the flat grey of one level, where the frame delivered mixes two."""
    import av

    from livecut.config import VideoConfig
    from livecut.sources.file import FileSource
    from livecut.sources.stream import StreamSource

    clip = _flat_spliced(tmp_path, _LATER[later])
    if how == "stream":
        src = StreamSource("http://127.0.0.1:9/clip.ts", VideoConfig(), opener=lambda url, **kw: av.open(str(clip)))
    else:
        src = FileSource(clip)
        src.use_pixel_format("yuv420p" if how == "i420" else "bgr24")
    with src:
        frames = [src.read() for _ in range(31)]
    assert all(f is not None for f in frames)
    for f in frames[26:]:   # (the later part's)
        assert (f.fit is not None) == (later in ("letterboxed", "pixel-shape")), (later, f.fit)
        y0, y1, x0, x1 = f.fit or (0, 360, 0, 640)
        assert f.engine_image is not None and f.engine_image.shape == f.image.shape, (later, how, f.index)
        # (the flat grey above the square: its picture's top fifth, away from its edges)
        area = np.s_[y0 + 4:y0 + (y1 - y0) // 5, x0 + 4:x1 - 4]
        shown, judged = f.image[area], f.engine_image[area]
        assert len(np.unique(shown.reshape(-1, shown.shape[-1] if shown.ndim == 3 else 1), axis=0)) > 1
        assert len(np.unique(judged.reshape(-1, judged.shape[-1] if judged.ndim == 3 else 1), axis=0)) == 1
        if f.fit is not None:   # (the bars black)
            bars = np.ones((360, 640), bool)
            bars[y0:y1, x0:x1] = False
            luma = f.engine_image[:360] if how == "i420" else f.engine_image
            assert luma[bars].max() == (16 if how == "i420" else 0) and luma[bars].min() == luma[bars].max()


def test_a_high_bit_video_letterboxed_mid_stream_is_cut_as_its_8_bit_version(tmp_path):
    """`livecut file` of a 10-bit video whose picture changes size mid-stream (fitted onto bars
    on the YUV path): the frames after the change were judged dithered, the textured square over
    flat grey cut to 6-8 % of the frame against 10-12 % for the same video in 8 bits; now as the
    8-bit one's."""
    import av

    def coverage(fmt):
        folder = tmp_path / fmt
        folder.mkdir()
        out = folder / "mask.mkv"
        cfg = _cfg("auto")
        cfg = dataclasses.replace(cfg, composite=dataclasses.replace(cfg.composite, mode="mask"),
                                  video=dataclasses.replace(cfg.video, codec="ffv1"))
        st = run_video(str(_flat_spliced(folder, _LATER["letterboxed"], fmt)), str(out), cfg, progress=False)
        assert st.pixel_format == "yuv420p"
        with av.open(str(out)) as c:
            return [float((f.to_ndarray(format="gray") > 127).mean()) for f in c.decode(video=0)]

    eight, high = coverage("yuv420p"), coverage("yuv420p10le")
    assert len(eight) == len(high) == 31
    for a, b in zip(eight[26:], high[26:]):
        assert 0.08 < a < 0.15, a
        assert abs(a - b) < 0.02, (a, b)


@pytest.mark.parametrize("kind", ["bt601", "bt709", "full", "odd", "12-bit", "big-endian", "422", "444-bt709",
                                  "422-odd"])
def test_an_undithered_frame_reads_as_its_rounded_8_bit_planes(kind):
    """BgrReader.undithered: a 10- or 12-bit frame's BGR is that of its planes divided by 4
    (16), rounded, read as an 8-bit frame is: its matrix, range, and an odd size's chroma
    (4:2:2 and 4:4:4: their chroma flat here, as it is made 4:2:0 for the engine)."""
    import av

    from livecut.i420 import BgrReader

    w, h = (321, 181) if kind.endswith("odd") else (320, 180)
    bits = 12 if kind in ("12-bit", "444-bt709") else 10
    sub = kind[:3] if kind[:3] in ("422", "444") else "420"
    fmt = f"yuv{sub}p{bits}{'be' if kind == 'big-endian' else 'le'}"
    rng = np.random.default_rng(1)
    ch, cw = (h if sub != "420" else (h + 1) // 2), (w if sub == "444" else (w + 1) // 2)
    sides = ((h, w), (ch, cw), (ch, cw))
    values = [rng.integers(64 << (bits - 8), 940 << (bits - 8), s) for s in sides]
    if sub != "420":
        values[1:] = [np.full((ch, cw), 400 << (bits - 8)), np.full((ch, cw), 610 << (bits - 8))]
    f, f8 = av.VideoFrame(w, h, fmt), av.VideoFrame(w, h, f"yuv{sub}p")
    for p, p8, v in zip(f.planes, f8.planes, values):
        a = np.zeros((v.shape[0], p.line_size // 2), ">u2" if kind == "big-endian" else "<u2")
        a[:, :v.shape[1]] = v
        p.update(a.tobytes())
        a8 = np.zeros((v.shape[0], p8.line_size), np.uint8)
        a8[:, :v.shape[1]] = np.clip(np.round(v / (1 << (bits - 8))), 0, 255)
        p8.update(a8.tobytes())
    for g in (f, f8):
        g.colorspace = 1 if "bt709" in kind else 6
        g.color_range = 2 if kind == "full" else 1
    r = BgrReader()
    got = r.undithered(f)
    assert got.shape == (h, w, 3)
    d = np.abs(got.astype(int) - r(f8))
    if sub == "420":
        assert d.max() == 0, d.mean()
    else:  # (OpenCV's I420 conversion or the matrix's, the 8-bit frame's: its rounding apart)
        assert d.max() <= 1 and d.mean() < 0.01, (d.max(), d.mean())
    assert not np.array_equal(r(f), got)  # (delivered dithered, as before)
