"""``livecut bench``: the sizes it is given and the clips it times (audit of its inputs)."""

from __future__ import annotations

import json
import os
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from conftest import latin1_titled_copy, make_clip, skip_unless_nvenc_without_its_device
from livecut.cli import app


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])



def test_a_bench_of_one_frame_adds_up(monkeypatch):
    """-n 1's stage lines came short of 'mask (all)' by Segmenter.mask()'s work outside its timed
    stages (0.15 ms of 10.49 at 1080p), on no line, and its total could be 0.01 ms off the sum of
    the lines above it (each rounded): an 'other' line holds that work, and each sum is as printed."""
    import time

    import livecut.segment as segment

    check = segment._check_method

    def slow_check(*args):  # (work between the stages, made long enough to see)
        time.sleep(0.02)
        return check(*args)

    monkeypatch.setattr(segment, "_check_method", slow_check)
    r = invoke("bench", "--size", "160x120", "-n", "1", "--no-baseline", "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    rows = [ln.split() for ln in r.stdout.splitlines() if ln.startswith("  ")]
    ms = {" ".join(row[:row.index("ms") - 1]): round(float(row[row.index("ms") - 1]) * 100) for row in rows}
    names = list(ms)
    stages = names[:names.index("mask (all)")]
    assert ms.get("other", 0) >= 2000, r.stdout
    assert sum(ms[k] for k in stages) == ms["mask (all)"], r.stdout
    assert ms["mask (all)"] + ms["composite"] == ms["total"], r.stdout

@pytest.mark.parametrize("mode", ["--transcode", "--live"])
def test_generated_clip_of_an_odd_size_is_refused_clearly(mode):
    """The generated clip is YUV 4:2:0: an odd --size was an OpenCV assertion shown as an
    internal error."""
    r = invoke("bench", mode, "--size", "161x121")
    assert r.exit_code == 2, r.output
    assert "even width and height" in r.stderr and "internal error" not in r.stderr


@pytest.mark.parametrize("mode", ["--transcode", "--live"])
@pytest.mark.parametrize("option", [["-n", "5"], ["--threads", "2"], ["--no-baseline"], ["--baseline"]])
def test_options_of_the_one_frame_bench_are_refused_with_a_clip(monkeypatch, mode, option):
    """-n, --threads and --baseline/--no-baseline were ignored without a word by --transcode and
    --live (`-n 5 --live` played the whole clip, `--threads 2` timed livecut's own thread plan)."""
    from livecut import bench

    for name in ("run_live_bench", "run_transcode_bench"):
        monkeypatch.setattr(bench, name, lambda *a, **k: pytest.fail("the clip was timed"))
    r = invoke("bench", mode, *option)
    assert r.exit_code == 2, r.output
    flag = {"-n": "--frames"}.get(option[0], option[0])
    assert f"{flag}: only for the one-frame bench" in r.stderr and mode[2:] in r.stderr


def test_the_one_frame_bench_keeps_its_defaults(monkeypatch):
    from livecut import bench

    seen = {}

    def run_bench(cfg, size, **kw):
        seen.update(kw)
        raise bench.UsageError("not timed here")

    monkeypatch.setattr(bench, "run_bench", run_bench)
    invoke("bench")
    assert seen == {"frames": 30, "threads": 1, "baseline": True}
    invoke("bench", "-n", "3", "--threads", "2", "--no-baseline")
    assert seen == {"frames": 3, "threads": 2, "baseline": False}


@pytest.mark.parametrize("args", [("bench",), ("bench", "--live"), ("bench", "--transcode"), ("cam", "0")])
def test_an_empty_size_is_refused_not_taken_for_the_default(monkeypatch, args):
    """--size "$SIZE" with SIZE unset was taken as no --size: the bench timed 1920x1080 (exit 0),
    and livecut cam opened the camera at its own size; refused as --size 'abc' is, before a
    frame is made or a camera looked for."""
    from livecut import bench

    monkeypatch.setattr(bench, "synthetic_frame", lambda *a, **k: pytest.fail("frame made"))
    r = invoke(*args, "--size", "")
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines() == ["livecut: error: --size '': expected WxH, e.g. 1280x720"], r.stderr


def test_size_over_the_pixel_limit_is_refused_before_the_frame_is_made(monkeypatch):
    """16384x16384 (268 MP) passed the 16..16384 check: a frame of several GB was made
    before the segmenter refused it."""
    from livecut import bench

    monkeypatch.setattr(bench, "synthetic_frame", lambda *a, **k: pytest.fail("frame made"))
    r = invoke("bench", "--size", "16384x16384", "--frames", "1")
    assert r.exit_code == 2 and "megapixels" in r.stderr, r.output


@pytest.mark.parametrize("mode", [[], ["--transcode"], ["--live"]])
@pytest.mark.parametrize("size, least", [("16384x16", "16384x68"), ("16x16384", "68x16384")])
def test_a_size_too_long_for_its_width_is_refused_as_size(monkeypatch, mode, size, least):
    """`livecut bench --size 16384x16` was refused by the engine, for a picture ("image is
    16384x16: too long for its width ...; crop or split it"), not as a bad --size; with
    --transcode or --live only once their clip was made."""
    from livecut import bench

    monkeypatch.setattr(bench, "synthetic_frame", lambda *a, **k: pytest.fail("frame made"))
    monkeypatch.setattr(bench, "make_bench_clip", lambda *a, **k: pytest.fail("clip made"))
    r = invoke("bench", *mode, "--size", size)
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines() == [
        f"livecut: error: --size '{size}': too long for its width for segment.method=focusnet (at this "
        f"length the short side needs at least 68 pixels: {least}); give that, or use segment.method=focus"], r.stderr
    if mode:
        return
    monkeypatch.undo()  # (the size it names is one the bench times)
    r = invoke("bench", "--size", least, "-n", "1", "--no-baseline", "--set", "segment.method=focusnet")
    assert r.exit_code == 0 and "frame " + least in r.stdout, r.output


def test_transcode_bench_times_a_variable_frame_rate_clip(tmp_path):
    """The plain decode+encode counted the encoder in 1/average rate while it was handed the
    clip's own timestamps: a VFR clip's packets were refused by the muxer (internal error)."""
    clip = make_clip(tmp_path / "vfr.mp4", w=192, h=108, n=8, pts=[0, 1, 3, 4, 8, 9, 12, 20],
                     time_base=Fraction(1, 25))
    r = invoke("bench", "--transcode", "--clip", clip, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["frames"] == 8 and data["plain_s"] > 0


def test_transcode_bench_times_a_clip_whose_tags_are_not_utf8(tmp_path):
    """A --clip whose title is not UTF-8 (an old tool's Latin-1 'caf\xe9'), which `livecut file`
    cuts, failed the plain decode+encode's opening: 'internal error: UnicodeDecodeError', exit 1."""
    plain = make_clip(tmp_path / "plain.mkv", w=192, h=108, n=4)
    clip = latin1_titled_copy(plain, tmp_path / "latin.mkv")
    r = invoke("bench", "--transcode", "--clip", clip, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["frames"] == 4


def test_transcode_bench_json_names_no_temporary_clip():
    """--transcode --json gave the generated clip as "clip": "/tmp/livecut-bench-n2gp4cfg/clip_16x16.mp4",
    a file removed before the JSON was printed; it says what --live's does."""
    r = invoke("bench", "--transcode", "--size", "32x16", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["clip"] == "generated, moving scene" and data["scene"] == "moving", data


def test_the_library_takes_a_scene_in_any_case_as_the_command_does():
    """`livecut bench --transcode --scene Still` takes the word in any case, but the library's
    run_transcode_bench(scene="Still") (and run_live_bench, make_bench_clip) refused it, "--scene
    'Still': expected one of moving, still": it is the still scene there too; another word is
    still refused."""
    from livecut.bench import run_live_bench, run_transcode_bench
    from livecut.config import Config
    from livecut.errors import UsageError

    data = run_transcode_bench(Config(), size=(32, 16), repeat=1, scene="Still")
    assert data["clip"] == "generated, still scene" and data["scene"] == "still", data
    for run in (run_transcode_bench, run_live_bench):
        with pytest.raises(UsageError, match=r"--scene 'walking': expected one of moving, still"):
            run(Config(), size=(32, 16), scene="walking")


@pytest.mark.parametrize("codec,said,said_not", [("mpeg4", "mpeg4, ", ("crf", "preset")),
                                                 ("libx264", "libx264 crf 20 preset veryfast, ", ()),
                                                 ("libvpx-vp9", "libvpx-vp9 crf 20, ", ("preset",))])
def test_transcode_bench_says_the_settings_its_encoder_takes(codec, said, said_not):
    """--transcode --set video.codec=mpeg4 headed its times 'mpeg4 crf 20 preset veryfast'
    (and 'encoder crf=20'), settings mpeg4 has not; VP9 has no preset either."""
    r = invoke("bench", "--transcode", "--size", "64x48", "--set", f"video.codec={codec}")
    assert r.exit_code == 0, r.output
    head, last = r.stdout.splitlines()[0], r.stdout.splitlines()[-1]
    assert f"frames, {said}" in head, head
    assert not any(f" {w} " in head or f"{w}=" in last for w in said_not), (head, last)


def test_the_one_frame_bench_prints_its_times_in_one_column():
    """Every stage's time ends in the same column ("composite (i420)", longer than the
    others' names, pushed its number out of line)."""
    from livecut.bench import format_bench

    r = {"size": "640x360", "method": "focusnet", "work_size": 320, "threads": 1, "frames": 3,
         "stages_ms": {"downscale": 0.25, "composite": 1.5, "composite (i420)": 1.25},
         "mask_ms": 9.5, "total_ms": 11.0, "fps": 90.9}
    rows = [ln for ln in format_bench(r).splitlines() if " ms" in ln and ln.startswith("  ")]
    assert len(rows) == 5
    assert len({ln.index(" ms") for ln in rows}) == 1
    # the engine's stages, their sum, then the compositing after it (it was listed among the
    # stages, above "mask (all)", as if Segmenter.mask() counted it)
    assert [ln.split()[0] for ln in rows] == ["downscale", "mask", "composite", "composite", "total"]
    assert rows[1].endswith("Segmenter.mask()") and rows[2].endswith("Compositor.apply()")


def test_the_one_frame_bench_says_how_many_baseline_runs_its_median_is_of():
    """'median of 7 frames' headed the output, but the baseline is timed on every third
    frame only (interleaved): its median was of 3 runs, said nowhere."""
    r = invoke("bench", "--size", "160x120", "-n", "7", "--json", "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["baseline_runs"] == 3
    r = invoke("bench", "--size", "160x120", "-n", "7", "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    assert "baseline (canny pipeline at full size, every third frame, median of 3 runs)" in r.stdout


def test_a_bench_of_one_frame_says_one_frame_and_one_run():
    """-n 1 said 'median of 1 frames' and 'median of 1 runs'."""
    r = invoke("bench", "--size", "160x120", "-n", "1", "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    assert "median of 1 " not in r.stdout, r.stdout
    assert "1 thread(s), 1 frame (each judged anew" in r.stdout and "every third frame, 1 run)" in r.stdout


@pytest.mark.parametrize("mode", ["--transcode", "--live"])
def test_a_folder_as_clip_is_said_to_be_a_folder(tmp_path, mode):
    """`livecut bench --transcode --clip DIR` said 'DIR: no such file' of a folder that is there."""
    r = invoke("bench", mode, "--clip", tmp_path)
    assert r.exit_code == 2 and f"{tmp_path}: a folder, not a video file" in r.stderr, r.output


@pytest.mark.parametrize("mode", ["--transcode", "--live"])
def test_a_pipe_as_clip_is_said_to_be_one(tmp_path, mode):
    """`livecut bench --transcode --clip <(ffmpeg ...)`, a pipe the shell names /dev/fd/63, said
    '/dev/fd/63: no such file' of a pipe that is there (the bench reads the clip twice)."""
    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)
    r = invoke("bench", mode, "--clip", fifo)
    assert r.exit_code == 2, r.output
    assert f"{fifo}: is a FIFO (named pipe), not a regular video file" in r.stderr, r.output
    assert "no such file" not in r.stderr


@pytest.mark.parametrize("mode", ["--transcode", "--live"])
def test_a_clip_cut_short_names_no_output_of_the_bench(tmp_path, mode):
    """A --clip cut short (a Matroska file ending in the middle of a cluster) was '...: 49
    frames written, about 100 expected; /tmp/livecut-bench-3bs493yy/livecut0.mp4 holds the 49
    frames written', a file removed as the bench stopped ('null: holds ...' with --live), exit 3."""
    import subprocess

    data = subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=3",
                           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25", "-f", "matroska", "-"],
                          capture_output=True, check=True).stdout
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[:len(data) // 2])
    r = invoke("bench", mode, "--clip", cut)
    assert r.exit_code == 2, r.output
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith(f"livecut: error: {cut}: the video ends early (truncated: "), r.stderr
    assert "livecut-bench-" not in line and "null:" not in line and " holds " not in line, line
    assert line.endswith("the bench times a whole clip: give one that is not cut short"), line


def test_the_generated_clip_in_h265_is_quiet():
    """`livecut bench --transcode --set video.codec=libx265`: x265 printed its banner and
    settings (~25 lines) on stderr as the generated clip was encoded (`livecut file` and the
    plain decode+encode quiet); now nothing but errors."""
    import av

    from conftest import run_cli

    if "libx265" not in av.codecs_available:
        pytest.skip("this FFmpeg has no libx265")
    r = run_cli("bench", "--transcode", "--size", "64x48", "--set", "video.codec=libx265", "--json", timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and json.loads(r.stdout)["codec"] == "libx265"


@pytest.mark.parametrize("mode", ["--transcode", "--live"])
def test_size_is_refused_with_a_clip(monkeypatch, tmp_path, mode):
    """--size sets the generated clip's size: with --clip it was ignored without a word (the
    clip was timed at its own size, under a header saying so)."""
    from livecut import bench

    for name in ("run_live_bench", "run_transcode_bench"):
        monkeypatch.setattr(bench, name, lambda *a, **k: pytest.fail("the clip was timed"))
    clip = tmp_path / "c.mp4"
    clip.write_bytes(b"")
    r = invoke("bench", mode, "--clip", clip, "--size", "640x360")
    assert r.exit_code == 2, r.output
    assert "--size" in r.stderr and "--clip" in r.stderr and "internal error" not in r.stderr


def test_transcode_bench_times_a_clip_of_odd_size(tmp_path):
    """A --clip of odd width and height (161x121: a cropped or screen-recorded clip, 4:4:4)
    failed in the plain decode+encode, which opened x264's 4:2:0 at the clip's own size: an
    internal error (exit 1) where `livecut file` writes the clip as 160x120."""
    clip = make_clip(tmp_path / "odd.mkv", w=161, h=121, n=4, pix_fmt="yuv444p")
    r = invoke("bench", "--transcode", "--clip", clip, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["frames"] == 4 and data["plain_s"] > 0


@pytest.mark.parametrize("mode", ["--transcode", "--live"])
@pytest.mark.parametrize("setting, said", [("video.codec=nosuch", "no such encoder"),
                                           ("video.preset=bogus", "not an x264/x265 preset"),
                                           ("video.codec=libvpx", "the bench writes .mp4 clips")])
def test_an_encoder_setting_that_cannot_write_the_clip_is_refused_clearly(tmp_path, mode, setting, said):
    """A video.codec or video.preset that `livecut file` refuses in one line (exit 2) was an
    internal error (exit 1) in bench: "UnknownCodecError: nosuch", an avcodec_open2 ArgumentError,
    "'mp4' format does not support 'libvpx' codec"."""
    r = invoke("bench", mode, "--size", "64x48", "--set", setting)
    assert r.exit_code == 2, r.output
    assert said in r.stderr and "internal error" not in r.stderr
    if mode == "--transcode":  # (the clip given: the plain decode+encode writes with it too)
        clip = make_clip(tmp_path / "c.mp4", w=64, h=48, n=2)
        r = invoke("bench", mode, "--clip", clip, "--set", setting)
        assert r.exit_code == 2, r.output
        assert said in r.stderr and "internal error" not in r.stderr


def test_the_one_frame_bench_composites_over_a_video_background(tmp_path):
    """A configuration with composite.background = video:PATH (one made for `livecut file`)
    failed the one-frame bench: "video backgrounds need a background frame for each frame",
    said of no option the user gave; the frame is composited over the video's first frame (in
    mask or cutout mode, which show no background, none is given)."""
    bg = make_clip(tmp_path / "bg.mp4", w=96, h=64, n=2)
    for mode in ("composite", "mask", "cutout"):
        r = invoke("bench", "--size", "64x48", "-n", "2", "--no-baseline", "--json",
                   "--set", f"composite.background=video:{bg}", "--set", f"composite.mode={mode}")
        assert r.exit_code == 0, (mode, r.output)
        assert json.loads(r.stdout)["stages_ms"]["composite"] > 0, mode


@pytest.mark.parametrize("mode", ["--transcode", "--live"])
def test_ctrl_c_in_the_bench_names_no_temporary_output(monkeypatch, mode):
    """Ctrl-C while --transcode timed `livecut file` said 'interrupted
    (/tmp/livecut-bench-azofokg7/livecut1.mp4 finalized with 85 frames)', a temporary file of
    the bench, removed as it stops (--live: '(null: finalized with 103 frames)', an output
    never given); it says 'interrupted', exit 130, as Ctrl-C elsewhere in the bench."""
    from livecut import runner

    def interrupted(spec, output, *a, **k):  # (what run_video raises on Ctrl-C)
        raise runner.Interrupted(f"interrupted ({output} finalized with 85 frames)")

    monkeypatch.setattr(runner, "run_video", interrupted)
    r = invoke("bench", mode, "--size", "64x48")
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 130 and lines == ["livecut: error: interrupted"], (r.exit_code, r.stderr)


@pytest.mark.parametrize("mode", ["--transcode", "--live"])
def test_sigterm_in_the_run_a_bench_times_is_said_as_the_signal(monkeypatch, mode):
    """A SIGTERM while the bench timed `livecut file` was said as Ctrl-C: 'interrupted', exit
    130; it is 'stopped by SIGTERM', exit 143, as the signal elsewhere in livecut."""
    from livecut import runner

    def stopped(spec, output, *a, **k):  # (what run_video raises on SIGTERM)
        raise runner.Interrupted(f"stopped by SIGTERM ({output} finalized with 85 frames)", exit_code=143)

    monkeypatch.setattr(runner, "run_video", stopped)
    r = invoke("bench", mode, "--size", "64x48")
    assert r.exit_code == 143 and r.stderr == "livecut: error: stopped by SIGTERM\n", (r.exit_code, r.stderr)


def test_sigterm_stops_the_bench_and_removes_its_clips(tmp_path):
    """`livecut bench --transcode` stopped by SIGTERM (a job runner's timeout) died by the signal,
    without a word, and left its generated clip and outputs in /tmp (livecut-bench-*, tens of
    MB each time).  It says 'stopped by SIGTERM', exit 143, its temporary folder removed."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import REPO

    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    p = subprocess.Popen([sys.executable, "-m", "livecut", "bench", "--transcode", "--size", "640x360"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("livecut-bench-*/*")) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert p.poll() is None, p.communicate()
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 143 and err.strip().splitlines()[-1] == "livecut: error: stopped by SIGTERM", (p.returncode, err)
    assert not list(tmp_path.glob("livecut-bench-*"))


@pytest.mark.parametrize("mode", ["--transcode", "--live"])
@pytest.mark.parametrize("name", ["photo.png", "photo.mp4"])
def test_a_picture_as_clip_is_refused(tmp_path, mode, name):
    """A photo given as --clip (a .png; a picture named .mp4) was timed as a clip of one frame:
    'processed 1 frames in 0.1 s (79.0 fps)', 'CPU ... 100 % of one core', exit 0, a
    measure of nothing (and without the note `livecut file` gives a picture)."""
    import cv2
    import numpy as np

    photo = tmp_path / name
    ok, buf = cv2.imencode(".png", np.full((48, 64, 3), 128, np.uint8))
    photo.write_bytes(buf.tobytes())
    r = invoke("bench", mode, "--clip", photo)
    assert r.exit_code == 2, r.output
    assert f"{photo}: a picture, not a video" in r.stderr and "Traceback" not in r.output, r.stderr
    assert r.stdout == "", r.stdout


@pytest.mark.parametrize("n", [1, 12])
def test_live_refuses_a_clip_too_short_to_measure(monkeypatch, tmp_path, n):
    """--live --clip of one frame, or of 12 at 25 fps (0.48 s), was played and its share of a
    CPU reported, exit 0: 'processed 1 frames in 0.1 s (241.6 fps) ... CPU: 0.05 s over
    0.05 s = 100 % of one core' -- the start of the run (opening, the first judgement), not
    what playing takes (15-20 % for a second of the same frames)."""
    from livecut import runner

    monkeypatch.setattr(runner, "run_video", lambda *a, **k: pytest.fail("the clip was played"))
    clip = make_clip(tmp_path / "short.mp4", w=64, h=48, n=n, fps=25)
    r = invoke("bench", "--live", "--clip", clip)
    assert r.exit_code == 2, r.output
    assert f"{clip}: {n / 25:g} s long" in r.stderr and "a second or more" in r.stderr, r.stderr


def test_threads_beyond_the_machine_are_refused(monkeypatch):
    """--threads 100000 was handed to cv2.setNumThreads: OpenCV started threads until the
    system refused them ('Can't spawn new thread: res = 11', tens of thousands of lines, a
    minute and more), starving every other process of the machine of new threads."""
    import contextlib

    from livecut import bench, threads

    @contextlib.contextmanager
    def no_threads(n):
        pytest.fail(f"OpenCV was given {n} threads")
        yield

    monkeypatch.setattr(bench, "opencv_threads", no_threads)
    monkeypatch.setattr(threads, "usable_cpus", lambda: 4)
    r = invoke("bench", "--size", "64x64", "-n", "1", "--threads", "100000")
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == ("livecut: error: --threads 100000: OpenCV starts a thread for each; "
                                "this machine has 4 CPUs: give 1 to 16"), r.stderr


@pytest.mark.parametrize("mode", ["--transcode", "--live"])
def test_a_full_temporary_folder_is_said_plainly(monkeypatch, mode):
    """A full temporary folder (TMPDIR on a small tmpfs) was 'internal error: OSError: [Errno
    28] No space left on device: '/tmp/livecut-bench-0lxhy0e9/clip_640x480.mp4'', exit 1, as a
    bug of livecut; it names the folder and the reason, and what to do."""
    import errno
    import tempfile

    from livecut import bench

    def full(path, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(bench, "make_bench_clip", full)
    r = invoke("bench", mode, "--size", "64x48")
    assert r.exit_code == 1, r.output
    assert "internal error" not in r.stderr and "no space left on the device" in r.stderr, r.stderr
    assert tempfile.gettempdir() in r.stderr and "TMPDIR" in r.stderr, r.stderr


@pytest.mark.parametrize("method", ["canny", "focus", "focusnet"])
def test_the_one_frame_bench_has_a_stage_for_the_method_itself(method):
    """The stage lines add up to 'mask (all)': with segment.method=canny they were downscale
    and refine alone (0.29 + 0.25 ms of 3.43 ms at 1280x720), the method's own work, most of
    the time, on no line."""
    r = invoke("bench", "--size", "160x120", "-n", "1", "--no-baseline", "--json", "--set",
               f"segment.method={method}")
    assert r.exit_code == 0, r.output
    framing = {"bars", "downscale", "smooth", "refine", "composite", "composite (i420)"}
    assert set(json.loads(r.stdout)["stages_ms"]) - framing, r.stdout


def test_the_baseline_is_timed_for_its_mask_alone_as_the_engine_is(monkeypatch):
    """The baseline's time took in its cutout (cv2.bitwise_and, the image kept under the mask)
    where the engine's is Segmenter.mask() alone: the speed-up ~1 % in livecut's favour."""
    import livecut.bench as bench
    from livecut.config import load_config

    masks, cut = [], []
    real_mask, real_and = bench.canny_mask, bench.cv2.bitwise_and
    monkeypatch.setattr(bench, "canny_mask", lambda frame: masks.append(real_mask(frame)) or masks[-1])
    monkeypatch.setattr(bench.cv2, "bitwise_and", lambda *a, **k: (
        cut.append(any(k.get("mask") is m for m in masks)) or real_and(*a, **k)))
    r = bench.run_bench(load_config(None), (64, 48), frames=3)
    assert r["baseline_runs"] == 1 and masks and not any(cut)


@pytest.mark.parametrize("codec, time_base", [("mpeg2video", Fraction(1, 25)), ("mpeg4", Fraction(1, 90000))])
def test_transcode_bench_gives_the_encoder_the_time_base_livecut_file_gives_it(tmp_path, codec, time_base):
    """The plain decode+encode gave the encoder the clip's own time base, which MPEG-2 (a list of
    frame rates) and MPEG-4 Part 2 (16-bit ticks: an MPEG-TS clip's 1/90000) refuse: 'internal
    error: ArgumentError: ... avcodec_open2("mpeg2video", ...) returned 22', exit 1, where
    `livecut file` writes the clip with them on the base it gives each."""
    import av

    if codec not in av.codecs_available:
        pytest.skip(f"this FFmpeg has no {codec}")
    step = int(1 / (25 * time_base))  # (25 fps on the clip's base)
    clip = make_clip(tmp_path / "c.ts", w=64, h=48, n=4, time_base=time_base, pts=[k * step for k in range(4)])
    r = invoke("bench", "--transcode", "--clip", clip, "--set", f"video.codec={codec}", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["frames"] == 4 and data["codec"] == codec and data["plain_s"] > 0


def test_the_generated_clip_takes_the_encoder_options_livecut_file_gives():
    """The generated clip was encoded with a crf and an x264 preset added to every codec's options:
    SVT-AV1 refused to open with "preset veryfast" ('internal error: ArgumentError: ...
    avcodec_open2("libsvtav1", {'crf': '20', 'preset': 'veryfast'}) returned 22', exit 1) where
    `livecut file` writes AV1 with the same settings."""
    import av

    if "libsvtav1" not in av.codecs_available:
        pytest.skip("this FFmpeg has no libsvtav1")
    r = invoke("bench", "--transcode", "--size", "64x48", "--set", "video.codec=libsvtav1", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["codec"] == "libsvtav1" and data["frames"] == 90 and data["plain_s"] > 0


@pytest.mark.parametrize("given", [False, True])
def test_a_hardware_encoder_without_its_device_is_said_by_the_transcode_bench(tmp_path, given):
    """--transcode --set video.codec=h264_nvenc on a machine without an NVIDIA GPU was 'internal
    error: PermissionError: ... avcodec_open2("h264_nvenc", ...)', exit 1, where `livecut file`
    says the encoder is unavailable: the generated clip's encoder (or, with --clip, the plain
    decode+encode's) is opened first and said so."""
    skip_unless_nvenc_without_its_device(64, 48)
    clip = ["--clip", make_clip(tmp_path / "c.mp4", w=64, h=48, n=2)] if given else ["--size", "64x48"]
    r = invoke("bench", "--transcode", *clip, "--set", "video.codec=h264_nvenc")
    assert r.exit_code == 1, r.output
    assert "internal error" not in r.stderr
    assert "encoder 'h264_nvenc' unavailable: a hardware encoder whose device is missing" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.parametrize("given", [False, True])
def test_transcode_bench_gives_vc2_the_bit_rate_livecut_file_gives_it(tmp_path, given):
    """--transcode --set video.codec=vc2 (SMPTE VC-2, which `livecut file` writes, its bit rate
    set: PyAV leaves it at 0) was 'internal error: ArgumentError: ... avcodec_send_frame()
    returned 22', exit 1, at the generated clip's first frame (or the plain decode+encode's,
    with --clip)."""
    import av

    if "vc2" not in av.codecs_available:
        pytest.skip("this FFmpeg has no vc2")
    clip = ["--clip", make_clip(tmp_path / "c.mp4", w=64, h=48, n=3)] if given else ["--size", "64x48"]
    r = invoke("bench", "--transcode", *clip, "--set", "video.codec=vc2", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["codec"] == "vc2" and data["frames"] == (3 if given else 90) and data["plain_s"] > 0


def test_a_clip_name_that_is_not_utf8_is_text_in_json_and_in_the_live_line(tmp_path, monkeypatch):
    """A --clip named in Latin-1 (caf\\xe9.mp4): --json gave "clip": "...caf\\udce9.mp4", a lone
    surrogate that strict JSON readers refuse (eval writes such a name's byte as \\xe9, its bytes
    in NAME_base64), and --live's line printed a replacement character (a strict UTF-8 output: a
    UnicodeEncodeError, the result lost)."""
    import base64

    from livecut import bench

    raw = os.fsencode(tmp_path) + b"/caf\xe9.mp4"
    clip = os.fsdecode(raw)
    make_clip(tmp_path / "c.mp4", w=64, h=48, n=3).rename(clip)
    r = invoke("bench", "--transcode", "--clip", clip, "--json")
    assert r.exit_code == 0, r.output
    assert "\\udc" not in r.stdout
    data = json.loads(r.stdout)
    assert data["clip"].endswith("caf\\xe9.mp4") and base64.b64decode(data["clip_base64"]) == raw

    def live(cfg, size, clip=None, scene="moving"):
        return {"clip": str(clip), "judged": 1, "size": "64x48", "fps_source": 30, "seconds": 1.1, "processing_s": 1.0, "cpu_s": 0.5,
                "cpu_share": 0.5, "process_ms": 2.0, "processed": 30, "dropped": 0, "fps": 30.0, "opencv_threads": 1}

    monkeypatch.setattr(bench, "run_live_bench", live)
    r = invoke("bench", "--live", "--clip", clip)
    assert r.exit_code == 0, r.output
    assert "caf\\xe9.mp4" in r.stdout and "\ufffd" not in r.stdout, r.stdout


@pytest.mark.parametrize("setting, asked", [("composite.mode=cutout", "composite.mode = cutout"),
                                            ("composite.background=transparent",
                                             "composite.background = transparent")])
def test_transcode_bench_refuses_a_transparent_output_before_timing(monkeypatch, setting, asked):
    """--transcode with a configuration that cuts out (composite.mode = cutout, as a -c made for
    photos has it) made its clip, timed the plain decode+encode, then failed with
    '/tmp/livecut-bench-ei3in5k8/livecut0.mp4: .mp4 video cannot keep transparency; write .mov
    ...': a temporary file of the bench, gone, and an output it does not let one choose. It is
    refused first, naming the setting; --live, into a null sink, times it."""
    from livecut import bench

    monkeypatch.setattr(bench, "make_bench_clip", lambda *a, **k: pytest.fail("the clip was made"))
    r = invoke("bench", "--transcode", "--size", "64x48", "--set", setting)
    assert r.exit_code == 2, r.output
    assert asked in r.stderr and "--live" in r.stderr, r.stderr
    assert "livecut-bench-" not in r.stderr and "internal error" not in r.stderr


def test_live_frames_seconds_and_fps_are_over_one_span(monkeypatch, tmp_path):
    """--live said 'processed 180 frames in 6.1 s (30.1 fps)' (180 / 30.1 = 6.0): the fps was over
    the playing, the seconds over the whole run, the engine's loading and the source's opening
    included; with a clip of 1.5 s, '34 frames in 1.6 s at 22.7 fps'. The frames, the seconds and
    the fps of the line agree; the run's length, its start included, is said as that."""
    import re
    import time

    from livecut import runner

    def run_video(src, out, cfg, **k):
        time.sleep(0.5)  # (the start: the engine loaded, the source opened)
        return runner.Stats(processed=30, elapsed=1.0)  # (as a playing of 30 frames in 1 s says)

    monkeypatch.setattr(runner, "run_video", run_video)
    clip = make_clip(tmp_path / "c.mp4", w=64, h=48, n=30, fps=25)
    r = invoke("bench", "--live", "--clip", clip)
    assert r.exit_code == 0, r.output
    m = re.search(r"processed (\d+) frames in ([\d.]+) s \(([\d.]+) fps\)", r.stdout)
    assert m, r.stdout
    frames, seconds, fps = int(m[1]), float(m[2]), float(m[3])
    assert (frames, fps) == (30, 30.0) and abs(frames / seconds - fps) < 0.1, r.stdout
    assert "the run took" in r.stdout and "its start included" in r.stdout, r.stdout


def test_the_one_frame_and_live_benches_say_the_cpus_as_transcode_does(monkeypatch, tmp_path):
    """`livecut bench --transcode` says the machine's CPUs ('2 CPUs'); the one-frame bench and
    `bench --live`, whose times depend on them as much, did not say them (nor --json give them)."""
    from livecut import runner, threads

    monkeypatch.setattr(threads, "usable_cpus", lambda: 3)
    r = invoke("bench", "--size", "160x120", "-n", "1", "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].startswith("frame 160x120, method canny, work size "), r.stdout
    assert ", 3 CPUs, 1 thread(s), 1 frame (each judged anew" in r.stdout.splitlines()[0], r.stdout
    r = invoke("bench", "--size", "160x120", "-n", "1", "--set", "segment.method=canny", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["cpus"] == 3, r.output
    monkeypatch.setattr(runner, "run_video", lambda src, out, cfg, **k: runner.Stats(processed=30, elapsed=1.0))
    clip = make_clip(tmp_path / "c.mp4", w=64, h=48, n=30, fps=25)
    r = invoke("bench", "--live", "--clip", clip)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0] == f"live source: 64x48 at 25 fps ({clip}), null sink, no preview, 3 CPUs", r.stdout
    r = invoke("bench", "--live", "--clip", clip, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["cpus"] == 3, r.output


def test_a_bench_of_one_frame_or_one_cpu_says_it_in_the_singular(monkeypatch, tmp_path):
    """`livecut bench --transcode --clip one.mp4`, a clip of one frame, said 'file throughput,
    160x120, 1 frames, ...' and 'engine judged focus on 1 of 1 frames'; on one CPU, '1 CPUs';
    --live, a run that processed one frame, 'processed 1 frames'."""
    from livecut import runner, threads

    monkeypatch.setattr(threads, "usable_cpus", lambda: 1)
    clip = make_clip(tmp_path / "one.mp4", w=160, h=120, n=1)
    r = invoke("bench", "--transcode", "--clip", clip)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("file throughput, 160x120, 1 frame, ") and ", 1 CPU, best of " in r.stdout, r.stdout
    assert " 1 frames" not in r.stdout and "1 CPUs" not in r.stdout, r.stdout
    assert "engine judged focus on 1 of 1 frame\n" in r.stdout, r.stdout
    monkeypatch.setattr(runner, "run_video", lambda src, out, cfg, **k: runner.Stats(processed=1, elapsed=1.0))
    clip = make_clip(tmp_path / "c.mp4", w=64, h=48, n=30, fps=25)
    r = invoke("bench", "--live", "--clip", clip)
    assert r.exit_code == 0, r.output
    assert "  processed 1 frame in 1.00 s" in r.stdout and " 1 frames" not in r.stdout, r.stdout


def test_the_judged_line_speaks_of_the_others_only_where_there_are_some(monkeypatch, tmp_path):
    """`livecut bench --transcode --clip one.mp4` said 'engine judged focus on 1 of 1 frame (the
    others reused a judgement: segment.still, segment.every)': there were no others. --live the
    same, of a run whose every frame was judged; where some reused a judgement, it is said."""
    from livecut import bench, runner

    clip = make_clip(tmp_path / "one.mp4", w=64, h=48, n=1)
    r = invoke("bench", "--transcode", "--clip", clip)
    assert r.exit_code == 0, r.output
    assert "engine judged focus on 1 of 1 frame" in r.stdout and "the others" not in r.stdout, r.stdout
    for judged, others in ((30, False), (10, True)):
        monkeypatch.setattr(runner, "run_video",
                            lambda src, out, cfg, j=judged, **k: runner.Stats(processed=30, elapsed=1.0, judged=j))
        r = invoke("bench", "--live", "--clip", make_clip(tmp_path / "c.mp4", w=64, h=48, n=30, fps=25))
        assert r.exit_code == 0, r.output
        assert f"engine judged focus on {judged} of 30 frames" in r.stdout, r.stdout
        assert ("the others reused a judgement" in r.stdout) == others, r.stdout
    assert "the others" in bench.JUDGED_NOTE


@pytest.mark.parametrize("args, said", [
    (["-n", "5", "-n", "50"], "-n 5 and -n 50: livecut bench takes one --frames: give it once"),
    (["-n5", "--frames=6"], "-n 5 and --frames 6: livecut bench takes one --frames: give it once"),
    (["--size", "64x48", "--size", "32x32"], "--size 64x48 and --size 32x32: livecut bench takes one --size"),
])
def test_an_option_of_one_value_given_twice_is_refused(monkeypatch, args, said):
    """`livecut bench -n 5 -n 50` timed 50 frames, the first -n dropped without a word; given
    twice with two values, an option of one value is refused (exit 2), nothing timed."""
    import livecut.bench

    monkeypatch.setattr(livecut.bench, "run_bench", lambda *a, **k: pytest.fail("timed"))
    r = invoke("bench", *args)
    assert r.exit_code == 2 and said in r.stderr, r.output


@pytest.mark.parametrize("args, where", [
    (["--scene", "moving"], "to the one-frame bench"),
    (["--live", "--clip", "CLIP", "--scene", "Moving"], "to --clip"),
    (["--transcode", "--clip", "CLIP", "--scene", "moving"], "to --clip"),
])
def test_the_default_scene_given_where_none_applies_is_refused_as_another(monkeypatch, tmp_path, args, where):
    """`livecut bench --live --clip a.mp4 --scene moving` (or the one-frame bench with it) was
    taken without a word, the scene not generated, where --scene still is refused there: the
    default given is a --scene given."""
    import livecut.bench

    for name in ("run_bench", "run_live_bench", "run_transcode_bench"):
        monkeypatch.setattr(livecut.bench, name, lambda *a, **k: pytest.fail("timed"))
    clip = tmp_path / "a.mp4"
    clip.write_bytes(bytes(64))
    r = invoke("bench", *[clip if a == "CLIP" else a for a in args])
    assert r.exit_code == 2, r.output
    assert ("--scene chooses the clip --live/--transcode generate; it does not apply " + where) in r.stderr, r.stderr


@pytest.mark.parametrize("mode", ["--transcode", "--live"])
@pytest.mark.parametrize("clip, said", [
    ("-", "-: standard input, not a file: the bench reads the clip more than once; save it to a file and give that"),
    ("0", "0: no such file (a camera's index? the bench times a video file; --live plays it as a live source"),
])
def test_standard_input_or_a_camera_index_as_clip_is_said_so(monkeypatch, tmp_path, mode, clip, said):
    """`livecut bench --transcode --clip -` (standard input, as `livecut file -` reads it) and
    `--live --clip 0` (a camera's index, as `livecut run 0` takes it) were "-: no such file" and
    "0: no such file", as of a typo."""
    monkeypatch.chdir(tmp_path)
    r = invoke("bench", mode, "--clip", clip)
    assert r.exit_code == 2, r.output
    assert said in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.parametrize("size, meant", [
    ("1080p", "(1080p is 1920x1080)"), ("4K", "(4K is 3840x2160)"), ("720P", "(720P is 1280x720)"),
    ("1920\u00d71080", "(written with the letter x: 1920x1080)"), ("1920*1080", "(written with the letter x: 1920x1080)"),
    ("1280 720", "(written with the letter x: 1280x720)"),
])
def test_a_size_named_or_written_otherwise_says_it_as_wxh(monkeypatch, size, meant):
    """`livecut bench --size 1080p` (a size named by its height), `--size 4K` and `--size
    1920\u00d71080` (a multiplication sign, as sizes are printed) said "expected WxH, e.g. 1280x720"
    alone; the refusal says the size as WxH, nothing timed."""
    import livecut.bench

    monkeypatch.setattr(livecut.bench, "run_bench", lambda *a, **k: pytest.fail("timed"))
    r = invoke("bench", "--size", size)
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == f"livecut: error: --size {size!r}: expected WxH, e.g. 1280x720 {meant}", r.stderr
    r = invoke("bench", "--size", "480p")  # (4:3 or 16:9: not said)
    assert r.exit_code == 2 and r.stderr.strip() == "livecut: error: --size '480p': expected WxH, e.g. 1280x720"


def _real_time_threads() -> list[int]:
    rt = (os.SCHED_FIFO, os.SCHED_RR)
    found = []
    for t in os.listdir("/proc/self/task"):
        try:
            if os.sched_getscheduler(int(t)) in rt:
                found.append(int(t))
        except OSError:  # (a thread that ended meanwhile)
            pass
    return found


def test_an_svt_av1_encoder_opened_by_root_leaves_livecut_at_its_scheduling():
    """SVT-AV1 opened by root switches the calling thread to real time (SCHED_FIFO 99), and
    every thread and process started from it after inherits that: this suite's own process,
    after the bench above, ran every later test's livecut at FIFO 99, and on 2 CPUs a run
    whose two threads waited for a third held both CPUs for 25 minutes (the VP8 test that
    'timed out under load').  livecut sets such threads back to the policy it had; the bench's
    generated clip and plain transcode, and `livecut file`, open the encoder through it."""
    import av

    if "libsvtav1" not in av.codecs_available:
        pytest.skip("this FFmpeg has no libsvtav1")
    if os.geteuid() != 0 or not hasattr(os, "sched_getscheduler") or not os.path.isdir("/proc/self/task"):
        pytest.skip("SVT-AV1 switches to real time only for root, on Linux")
    if os.sched_getscheduler(0) != os.SCHED_OTHER:
        pytest.skip("this test process does not run at the normal policy")
    before = os.sched_getparam(0)
    try:
        r = invoke("bench", "--transcode", "--size", "64x48", "--set", "video.codec=libsvtav1", "--json")
        assert r.exit_code == 0, r.output
        assert os.sched_getscheduler(0) == os.SCHED_OTHER and not _real_time_threads()
    finally:  # (this process as it was, whatever the outcome: later tests inherit it)
        for t in _real_time_threads():
            try:
                os.sched_setscheduler(t, os.SCHED_OTHER, before)
            except OSError:
                pass
