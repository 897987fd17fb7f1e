"""Bad input gives one clear line (or is handled), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, SAMPLES, make_clip, probe, run_cli


def _one_line_error(r, code=2, *words):
    assert r.returncode == code, (r.returncode, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("livecut: error:"), r.stderr
    for w in words:
        assert w in lines[0]


def test_missing_file(tmp_path):
    _one_line_error(run_cli("file", str(tmp_path / "nope.mp4"), "-o", str(tmp_path / "o.mp4")), 2, "no such file")


@pytest.mark.parametrize("command", ["file", "run"])
def test_a_missing_input_is_said_before_an_output_there(tmp_path, command):
    """`livecut file nope.mp4 -o out.mp4` where out.mp4 was there (a typo in the input's name,
    the command run before) said "out.mp4: exists (use --force to overwrite)", and with --force
    then that nope.mp4 is not there: the input is said first, the output left as it was."""
    out = tmp_path / "out.mp4"
    out.write_bytes(b"mine")
    for force in ((), ("--force",)):
        _one_line_error(run_cli(command, str(tmp_path / "nope.mp4"), "-o", str(out), *force), 2,
                        f"{tmp_path / 'nope.mp4'}: no such file")
    assert out.read_bytes() == b"mine"


@pytest.mark.parametrize("command", ["file", "run"])
@pytest.mark.parametrize("kind", ["cut short", "damaged"])
def test_an_input_that_is_no_readable_video_is_said_before_an_output_there(tmp_path, command, kind):
    """`livecut file rec.mp4 -o out.mp4` of a recording cut short before its index (or a damaged
    file), out.mp4 there from a run before, said "out.mp4: exists (use --force to overwrite)", and
    with --force then that rec.mp4 has no index: what --force does not mend is said first, the
    output left as it was; a readable input over an output there is refused as before."""
    rec, out = tmp_path / "rec.mp4", tmp_path / "out.mp4"
    whole = (SAMPLES / "moving.mp4").read_bytes()
    rec.write_bytes(whole[:len(whole) // 2] if kind == "cut short" else b"\x00garbage" * 100)
    out.write_bytes(b"mine")
    said = ("the MP4/MOV file has no index" if kind == "cut short" else "not a readable video file")
    for force in ((), ("--force",)):
        _one_line_error(run_cli(command, str(rec), "-o", str(out), "-q", *force), 2, f"{rec}: {said}")
    assert out.read_bytes() == b"mine"
    _one_line_error(run_cli(command, str(SAMPLES / "moving.mp4"), "-o", str(out), "-q"), 2,
                    f"{out}: exists (use --force to overwrite)")


def test_an_svg_drawing_is_said_to_be_one_not_an_unsupported_codec(tmp_path):
    """`livecut file logo.svg -o out.mp4` (FFmpeg finds an SVG drawing, which PyAV's FFmpeg cannot
    decode) said "logo.svg: video codec not supported"; it says what the file is and what to do, as
    `livecut image` says it (and, as a background video, to put its PNG in with -b image:)."""
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
                   '<rect width="64" height="64" fill="red"/></svg>\n')
    r = run_cli("file", str(svg), "-o", str(tmp_path / "out.mp4"), "-q")
    _one_line_error(r, 2, f"{svg}: an SVG drawing (vector graphics), not a video, which livecut does not read; "
                    "export it as PNG first, and cut that with `livecut image`")
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", str(tmp_path / "out.mp4"), "-q", "-b", f"video:{svg}")
    _one_line_error(r, 2, f"background video: {svg}: an SVG drawing", "put that in with -b image:")
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize("command", ["file", "run"])
def test_an_input_name_too_long_is_one_line(tmp_path, command):
    """An input named by a name over 255 bytes (a variable pasted by mistake, a path cut wrong)
    was "internal error: OSError: [Errno 36] File name too long", exit 1, as the output's was."""
    src = tmp_path / ("v" * 260 + ".mp4")
    r = run_cli(command, str(src), "-o", str(tmp_path / "o.mp4"))
    _one_line_error(r, 2, f"{src}: file name too long")
    assert "internal error" not in r.stderr and not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize("pattern, glob", [("img%03d.png", False), ("*.png", True)])
def test_an_image_sequence_pattern_says_how_to_read_it(tmp_path, pattern, glob):
    """`livecut file 'img%03d.png'` (FFmpeg's image sequence) was "no such file", the pictures
    beside it: it says a sequence is not read, and how to make a video of it (or cut them as photos)."""
    import cv2

    for i in range(1, 4):
        cv2.imwrite(str(tmp_path / f"img{i:03d}.png"), np.full((48, 64, 3), 40 * i, np.uint8))
    r = run_cli("file", str(tmp_path / pattern), "-o", str(tmp_path / "o.mp4"))
    _one_line_error(r, 2, "no such file", "an image sequence is not read as a video", "ffmpeg -framerate 25",
                    "livecut image")
    assert ("-pattern_type glob" in r.stderr) == glob
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize("command", ["file", "run"])
def test_a_pattern_for_the_input_says_it_is_one(tmp_path, command):
    """`livecut file '*.mov' -o out.mp4` (quoted, or unquoted with nothing for the shell to
    expand it to) said "*.mov: no such file" alone -- and so with the clips it matches there: it
    says it is a pattern, and that none matches, the one that does, or livecut batch for several."""
    import shlex

    for name in ("a.mp4", "b.mp4", "solo.mkv"):
        make_clip(tmp_path / name, n=2, w=64, h=48)
    out = tmp_path / "o.mp4"
    for pattern, said in (("*.mov", "(a pattern, and no file here matches it)"),
                          ("sol?.mkv", f"(a pattern: one video is read, by its name: {shlex.quote(str(tmp_path / 'solo.mkv'))})"),
                          ("*.mp4", f"(a pattern: one video is read, by its name; for the 2 files it matches, "
                                    f"livecut batch {shlex.quote(str(tmp_path / '*.mp4'))} -o DIR/)")):
        r = run_cli(command, str(tmp_path / pattern), "-o", str(out))
        _one_line_error(r, 2, f"{tmp_path / pattern}: no such file {said}")
    assert not out.exists()


@pytest.mark.parametrize("command", ["file", "run"])
def test_a_folder_given_as_the_video_names_the_command_for_what_it_holds(tmp_path, command):
    """`livecut file shoot/ -o out.mp4` said "shoot: is a folder, not a video file" alone: the
    command that cuts what it holds is named, livecut batch for videos, livecut image for
    pictures; a folder of neither is as it was."""
    import cv2

    (tmp_path / "vids").mkdir()
    make_clip(tmp_path / "vids" / "a.mp4", n=2, w=64, h=48)
    (tmp_path / "pics").mkdir()
    cv2.imwrite(str(tmp_path / "pics" / "a.png"), np.zeros((32, 32, 3), np.uint8))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("x")
    out = tmp_path / "o.mp4"
    for folder, said in (("vids", f"; the videos in it are cut by livecut batch {tmp_path / 'vids'} -o OUTDIR"),
                         ("pics", f"; the pictures in it are cut by livecut image {tmp_path / 'pics'} -o OUTDIR"),
                         ("other", "")):
        r = run_cli(command, str(tmp_path / folder), "-o", str(out))
        _one_line_error(r, 2)
        assert r.stderr == f"livecut: error: {tmp_path / folder}: is a folder, not a video file{said}\n", r.stderr
    assert not out.exists()


def test_output_folder_missing_is_a_usage_error(tmp_path):
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", str(tmp_path / "nodir" / "o.mp4"))
    _one_line_error(r, 2, "does not exist")


@pytest.mark.parametrize("tail", ["", "day1/"])
def test_png_frames_into_a_link_to_nothing_are_refused_before_the_run(tmp_path, tail):
    """-o frames/ (or frames/day1/), frames a link to a folder moved or deleted: the whole video
    was cut, then "frames: exists and is not a folder", exit 2, the work lost (or "cannot create
    folder (File exists)", exit 1); it is refused at once, the link named, as `livecut image` does."""
    (tmp_path / "frames").symlink_to(tmp_path / "moved")
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", f"{tmp_path / 'frames'}/{tail}", "-n", "2")
    _one_line_error(r, 2, f"cannot create output folder: {tmp_path / 'frames'} is a link to {tmp_path / 'moved'}, "
                          "which is not there")
    assert [p.name for p in tmp_path.iterdir()] == ["frames"]  # (no temporary folder left beside)
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", str(tmp_path / "frames" / "x.mp4"), "-n", "2")
    _one_line_error(r, 2, f"folder {tmp_path / 'frames'} does not exist ({tmp_path / 'frames'} is a link to "
                          f"{tmp_path / 'moved'}, which is not there)")


@pytest.mark.parametrize("name", [".mp4", ".MKV"])
def test_a_video_name_of_an_extension_alone_is_refused_naming_a_file_to_give(tmp_path, name):
    """-o "$NAME.mp4" with NAME empty (-o .mp4) said "unknown video type '(no extension)'", a
    type it had; it says the name is missing, naming a file to give (a final / still writes PNG frames)."""
    clip = make_clip(tmp_path / "in.mp4", w=64, h=48, n=2)
    out = tmp_path / "o" / name
    (tmp_path / "o").mkdir()
    r = run_cli("file", str(clip), "-o", str(out), "-q")
    _one_line_error(r, 2, f"{out}: a video's name with nothing before {name} (an empty variable?): "
                    f"name it ({tmp_path / 'o' / ('out' + name)}), or end -o with / for PNG frames")
    assert "unknown video type" not in r.stderr and not out.exists()
    r = run_cli("file", str(clip), "-o", f"{out}/", "-q")
    assert r.returncode == 0 and any(out.glob("*.png")), r.stderr


@pytest.mark.parametrize("name", ["out.gif", "rec.ts", "'out.mp4 '"])
def test_an_output_there_of_a_type_livecut_does_not_write_is_refused_for_its_type(tmp_path, name):
    """`livecut file in.mp4 -o out.gif` (or -o rec.ts) where that file is there said "exists (use
    --force to overwrite)"; with --force it then said "unknown video type '.gif'": the advice led
    to another refusal. The type is said first, as without the file (as `livecut image` does)."""
    clip = make_clip(tmp_path / "in.mp4", w=64, h=48, n=2)
    out = tmp_path / name.strip("'")
    out.write_bytes(b"mine")
    for force in ((), ("--force",)):
        r = run_cli("file", str(clip), "-o", str(out), "-q", *force)
        assert r.returncode == 2 and "exists" not in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr
        assert "unknown video type" in r.stderr or "after the video's name" in r.stderr, r.stderr
    assert out.read_bytes() == b"mine"


@pytest.mark.parametrize("args, said", [
    (["-b", "transparent"], ".mp4 video cannot keep transparency"),
    (["--set", "video.codec=nonsense"], "video.codec 'nonsense': no such encoder"),
])
def test_an_output_there_that_the_run_refuses_anyway_is_refused_for_that_first(tmp_path, args, said):
    """`livecut file in.mp4 -o out.mp4 -b transparent` (or a video.codec FFmpeg lacks) where
    out.mp4 was there said "exists (use --force to overwrite)", and with --force then what no
    --force mends: that is said first, and the file is left as it was."""
    clip = make_clip(tmp_path / "in.mp4", w=64, h=48, n=2)
    out = tmp_path / "out.mp4"
    out.write_bytes(b"mine")
    for force in ((), ("--force",)):
        r = run_cli("file", str(clip), "-o", str(out), "-q", *args, *force)
        assert r.returncode == 2 and said in r.stderr and "exists" not in r.stderr, r.stderr
        assert len(r.stderr.splitlines()) == 1, r.stderr
    assert out.read_bytes() == b"mine"
    r = run_cli("file", str(clip), "-o", str(out), "-q")  # (an output there that the run takes: as before)
    _one_line_error(r, 2, f"{out}: exists (use --force to overwrite)")


@pytest.mark.parametrize("args, said, code", [
    (["--preview"], "the preview window (--preview) needs a display", 2),
    (["--vcam", "--vcam-device", "/dev/video97"], "no virtual camera /dev/video97 available", 1),
])
def test_an_output_there_with_a_display_or_virtual_camera_that_is_not_there_is_refused_for_that_first(
        tmp_path, args, said, code):
    """`livecut file clip.mp4 -o ex.mp4 --preview` with no display (or --vcam with no virtual
    camera) where ex.mp4 was there said "exists (use --force to overwrite)", and with --force
    then that the display (the virtual camera) is not there: that is said first, the file left
    as it was."""
    clip = make_clip(tmp_path / "in.mp4", w=64, h=48, n=2)
    out = tmp_path / "out.mp4"
    out.write_bytes(b"mine")
    for force in ((), ("--force",)):
        r = run_cli("file", str(clip), "-o", str(out), "-q", *args, *force)
        assert r.returncode == code and said in r.stderr and "exists" not in r.stderr, r.stderr
        assert len(r.stderr.splitlines()) == 1, r.stderr
    assert out.read_bytes() == b"mine"


@pytest.mark.parametrize("name", [".ts", ".M2TS"])
def test_an_mpegts_name_of_an_extension_alone_is_refused_naming_the_pipe(tmp_path, name):
    """-o "$NAME.ts" with NAME empty (-o .ts) said "unknown video type '(no extension)'", where
    -o .mp4 says the name is missing and -o rec.ts names the pipe that writes one; it says both."""
    clip = make_clip(tmp_path / "in.mp4", w=64, h=48, n=2)
    out = tmp_path / "o" / name
    (tmp_path / "o").mkdir()
    r = run_cli("file", str(clip), "-o", str(out), "-q")
    _one_line_error(r, 2, f"{out}: a video's name with nothing before {name} (an empty variable?): name it "
                    f"(an MPEG-TS file: -o - --set video.pipe_format=mpegts > {tmp_path / 'o' / ('out' + name)}), "
                    "or end -o with / for PNG frames")
    assert "unknown video type" not in r.stderr and not out.exists()


@pytest.mark.parametrize("name, after", [("out.mp4.", "'.'"), ("out.mkv ", "' '"), ("out.MOV,", "','")])
def test_a_video_name_with_a_stop_or_a_space_after_it_is_refused_naming_it(tmp_path, name, after):
    """-o out.mp4. (or 'out.mp4 ', a paste) said "unknown video type '(no extension)'", a type it
    had; it says what follows the video's name, and the name to give."""
    out = tmp_path / name
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", str(out), "-q")
    _one_line_error(r, 2, f"{str(out)!r}: {after} after the video's name: name it {tmp_path / name[:-1]}")
    assert "unknown video type" not in r.stderr and not out.exists() and not (tmp_path / name[:-1]).exists()


@pytest.mark.parametrize("name, meant", [("out.wemb", "out.webm"), ("out.mpp4", "out.mp4"), ("out.mvo", "out.mov"),
                                         ("out.gif", None)])
def test_a_typo_in_the_video_s_extension_names_the_one_meant(tmp_path, name, meant):
    """`livecut file in.mp4 -o out.wemb` said "unknown video type '.wemb' (use .mp4, ...)", where
    `livecut image a.jpg -o cut.pgn` says "did you mean cut.png?": the type one typo away is
    named; another type is as it was; nothing made."""
    out = tmp_path / name
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", str(out), "-q")
    said = f"did you mean {tmp_path / meant}? " if meant else ""
    _one_line_error(r, 2, f"{out}: unknown video type '{out.suffix}' ({said}use .mp4, .m4v, .mkv, .mov, .avi, .webm "
                          "or DIR/ for PNG frames)")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("tail", ["o.mp4", "frames/", "a/b/"])
def test_a_file_where_the_output_folder_should_be_is_a_usage_error(tmp_path, tail):
    """-o in.mp4/o.mp4 (a file where a folder of the path should be) failed after the run had
    started: "write failed (Not a directory)" or "cannot create folder (File exists)", exit 1."""
    blocker = tmp_path / "clip.mp4"
    blocker.write_bytes(b"not a folder")
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", f"{blocker}/{tail}")
    _one_line_error(r, 2, f"{blocker} is a file, not a folder")
    assert blocker.read_bytes() == b"not a folder"


@pytest.mark.parametrize("out", ["b" * 260 + ".mp4", "b" * 260 + "/", "b" * 260 + "/o.mp4"])
def test_an_output_name_too_long_is_a_usage_error(tmp_path, out):
    """A name over 255 bytes: "internal error: OSError: [Errno 36] File name too long" (exit 1)."""
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", str(tmp_path / out))
    _one_line_error(r, 2, "file name too long")
    assert "internal error" not in r.stderr


def test_an_output_folder_this_user_may_not_enter_is_one_line(tmp_path, monkeypatch):
    """-o /a/folder/of/another/user/o.mp4: Path.exists() and is_dir() raise PermissionError,
    which came out as "internal error: PermissionError" (as root, checked in-process)."""
    import errno
    from pathlib import Path

    from livecut.errors import VideoWriteError
    from livecut.sinks.file import check_output

    closed = tmp_path / "theirs"
    real_stat, real_lstat = Path.stat, Path.lstat

    def refuse(real):
        def look(self, *a, **k):
            if closed in self.parents:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real(self, *a, **k)
        return look

    monkeypatch.setattr(Path, "stat", refuse(real_stat))
    monkeypatch.setattr(Path, "lstat", refuse(real_lstat))
    for out in (f"{closed}/o.mp4", f"{closed}/frames/"):
        with pytest.raises(VideoWriteError, match="cannot write there"):
            check_output(out)


def test_an_existing_folder_without_a_slash_is_refused(tmp_path):
    # PNG frames go to DIR/ only when asked for: a folder named without the slash (a photo
    # folder, say) is not filled with frames
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "photo.png").write_bytes(b"x")
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", str(tmp_path / "cut"))
    _one_line_error(r, 2, "is a folder", "end it with /")
    assert [p.name for p in (tmp_path / "cut").iterdir()] == ["photo.png"]


def test_unknown_url_scheme(tmp_path):
    _one_line_error(run_cli("run", "foo://user:pw@host/x", "-o", str(tmp_path / "o.mp4")), 2,
                    "unsupported URL scheme foo://", "***@host")


def test_not_a_video(tmp_path):
    p = tmp_path / "notes.mp4"
    p.write_text("hello, I am not a video\n" * 50)
    _one_line_error(run_cli("file", str(p), "-o", str(tmp_path / "o.mp4")), 2, f"{p}: a text file, not a video")


@pytest.mark.parametrize("name, codec", [("notes.txt", "utf-8"), ("notes.mp4", "utf-8"), ("notes.mov", "utf-8-sig"),
                                         ("notes.mkv", "utf-16"), ("notes.avi", "utf-16-le")])
def test_a_text_file_is_said_to_be_text_not_an_unreadable_video(tmp_path, name, codec):
    """`livecut file notes.txt -o o.mp4` (a short text, or one named as a video; UTF-8, with its
    BOM or none, or UTF-16 as Windows saves it) said "not a readable video file (Invalid data
    found when processing input)", as of a damaged video, where `livecut image notes.txt` says
    "a text file, not a picture": it says it is a text file (`run` and a background video too);
    binary junk is still an unreadable video file."""
    p = tmp_path / name
    p.write_bytes("shoot on Sunday\r\n\tcaf\u00e9 at 9\n".encode(codec))
    for command in ("file", "run"):
        r = run_cli(command, str(p), "-o", str(tmp_path / "o.mp4"), "-q")
        _one_line_error(r, 2, f"{p}: a text file, not a video")
        assert "Invalid data" not in r.stderr
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", str(tmp_path / "o.mp4"), "-q", "-b", f"video:{p}")
    _one_line_error(r, 2, f"background video: {p}: a text file, not a video")
    assert not (tmp_path / "o.mp4").exists()
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00garbage" * 100)
    _one_line_error(run_cli("file", str(junk), "-o", str(tmp_path / "o.mp4"), "-q"), 2,
                    f"{junk}: not a readable video file")


def test_a_playlist_ffmpeg_cannot_read_is_not_said_to_be_a_text_file(tmp_path):
    """A list FFmpeg reads as a video, text itself -- an ffconcat list naming a file not there,
    an HLS playlist whose segments are gone -- was said as before the text check, 'not a readable
    video file (No such file or directory)' (the ffconcat's: its file missing), and became
    '<path>: a text file, not a video', of what FFmpeg does read as a video (the missing file
    unsaid)."""
    import subprocess

    lst = tmp_path / "l.ffconcat"
    lst.write_text("ffconcat version 1.0\nfile missing.mp4\n")
    r = run_cli("file", str(lst), "-o", str(tmp_path / "o.mp4"), "-q")
    _one_line_error(r, 2, f"{lst}: not a readable video file (No such file or directory)")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "2",
                    "-g", "25", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "hls", "-hls_time", "1",
                    "-hls_list_size", "0", "-hls_playlist_type", "vod", str(tmp_path / "c.m3u8")], check=True)
    for ts in tmp_path.glob("c*.ts"):
        ts.unlink()
    r = run_cli("file", str(tmp_path / "c.m3u8"), "-o", str(tmp_path / "o.mp4"), "-q")
    _one_line_error(r, 2, f"{tmp_path / 'c.m3u8'}: not a readable video file")
    assert "a text file" not in r.stderr


@pytest.mark.parametrize("ext, what", [(".png", "video or image"), (".jpg", "video or image"),
                                       (".webp", "video or image"), (".gif", "video or image"),
                                       (".m4v", "video")])
def test_text_named_as_a_picture_or_raw_video_is_said_to_be_text(tmp_path, ext, what):
    """A text file named .png (.jpg, .m4v: a name FFmpeg picks a picture's or a raw stream's
    reader by) was "the video stream has no frame size", a .webp "an animated WebP", a .gif
    "the video has no frames (the file ends after its header)": it is said to be a text file."""
    p = tmp_path / f"notes{ext}"
    p.write_text("hello, I am not a video\n" * 50)
    r = run_cli("file", str(p), "-o", str(tmp_path / "o.mp4"))
    _one_line_error(r, 2, f"{p}: a text file, not a {what}")
    assert "stream has no frame size" not in r.stderr and "WebP" not in r.stderr and "header" not in r.stderr
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize("ext", [".txt", ".nfo"])
def test_a_long_text_file_is_not_cut_as_a_video(tmp_path, ext):
    """A text file of some length (a .txt, .nfo: names FFmpeg's tty demuxer takes) was opened as
    a 640x400 25 fps video of its text drawn as ANSI art: "notes.txt -> o.mp4: 304 frames",
    exit 0.  It is refused as a text file, exit 2, nothing written."""
    p = tmp_path / f"notes{ext}"
    p.write_text("".join(f"line {i}: some notes about the shoot\n" for i in range(2000)))
    for command in ("file", "run"):
        r = run_cli(command, str(p), "-o", str(tmp_path / "o.mp4"))
        _one_line_error(r, 2, f"{p}: a text file, not a video")
        assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize("ext", [".mp4", ".mov"])
def test_an_mp4_cut_short_before_its_index_says_so(tmp_path, ext):
    """An MP4/MOV recording interrupted before its index (the 'moov' box, written last) was
    "not a readable video file (Invalid data found when processing input)": it says the file
    has no index, most likely a recording cut short (exit 2 as before)."""
    whole = make_clip(tmp_path / f"whole{ext}", w=64, h=48, n=10, audio=True)
    data = whole.read_bytes()
    moov = data.index(b"moov") - 4  # (the box's size comes before its type)
    assert data[4:8] == b"ftyp" and moov > 0
    for name, cut in (("no_index", data[:moov]), ("mid_data", data[:moov // 2])):
        p = tmp_path / f"{name}{ext}"
        p.write_bytes(cut)
        r = run_cli("file", str(p), "-o", str(tmp_path / "o.mp4"))
        _one_line_error(r, 2, f"{p}: the MP4/MOV file has no index (no 'moov' atom)",
                        "a recording that was cut short")
    assert not (tmp_path / "o.mp4").exists()


def test_a_gif_cut_short_says_so(tmp_path):
    """A GIF cut short (``head -c``: no trailer, the byte 0x3B written last) was taken whole,
    exit 0 and no word: FFmpeg counts the frames it still holds.  It ends as another truncated
    input does (exit 3, "ends early"), the output playable with the frames read; the whole GIF
    is still complete."""
    import subprocess

    whole = tmp_path / "whole.gif"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=2",
                    str(whole)], check=True)
    data = whole.read_bytes()
    assert data.endswith(b"\x3b")
    r = run_cli("file", str(whole), "-o", str(tmp_path / "whole.mp4"), "-q")
    assert r.returncode == 0 and "ends early" not in r.stderr, r.stderr
    padded = tmp_path / "padded.gif"  # (zeros after the trailer: a file padded to a block size, whole)
    padded.write_bytes(data + bytes(-len(data) % 512 or 512))
    r = run_cli("file", str(padded), "-o", str(tmp_path / "padded.mp4"), "-q")
    assert r.returncode == 0 and "ends early" not in r.stderr, r.stderr
    for name, cut, frames in (("no_trailer", data[:-1], 20), ("half", data[:len(data) // 2], None)):
        src, out = tmp_path / f"{name}.gif", tmp_path / f"{name}.mp4"
        src.write_bytes(cut)
        r = run_cli("file", str(src), "-o", str(out), "-q")
        assert r.returncode == 3, (r.returncode, r.stderr)
        line = r.stderr.strip().splitlines()[-1]
        assert line.startswith(f"livecut: error: {src}: the video ends early (truncated: the GIF ends without "
                               "its trailer): ") and f"more expected; {out} holds the" in line, r.stderr
        got = probe(out)["frames"]
        assert got == frames if frames else 0 < got < 20, got
        assert f"holds the {got} frames written" in line


def piped(src: Path, out: Path) -> tuple[int, str]:
    """``livecut file - -o out`` with ``src``'s bytes piped in: (exit code, stderr)."""
    import subprocess

    r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(out), "-q"],
                       input=src.read_bytes(), capture_output=True, env=dict(os.environ, PYTHONPATH=str(REPO)),
                       timeout=120)
    return r.returncode, r.stderr.decode()


def named(src: Path, out: Path) -> tuple[int, str]:
    """``livecut file src -o out``: (exit code, stderr)."""
    r = run_cli("file", str(src), "-o", str(out), "-q")
    return r.returncode, r.stderr


def _padded_complete_half_ends_early(tmp_path, whole: Path, said: str, extra: int = 7) -> None:
    """``whole`` (a 4 s clip), and it with 100 zero bytes after it, are complete; cut in the middle
    (half its bytes and ``extra``), it ends early (exit 3) with ``said`` as the reason, the output holding
    the frames before the cut."""
    data, ext = whole.read_bytes(), whole.suffix
    padded = tmp_path / f"padded{ext}"
    padded.write_bytes(data + bytes(100))
    for src in (whole, padded):
        r = run_cli("file", str(src), "-o", str(tmp_path / f"{src.stem}.mp4"), "-q")
        assert r.returncode == 0 and "ends early" not in r.stderr, r.stderr
    src, out = tmp_path / f"half{ext}", tmp_path / "half.mp4"
    src.write_bytes(data[:len(data) // 2 + extra])
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 3, (r.returncode, r.stderr)
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith(f"livecut: error: {src}: the video ends early (truncated: {said}): ") \
        and f"; {out} holds the" in line, r.stderr
    assert 0 < probe(out)["frames"] < 100


@pytest.mark.parametrize("ext, m2ts", [(".ts", "0"), (".m2ts", "1")])
def test_an_mpegts_file_cut_short_says_so(tmp_path, ext, m2ts):
    """An MPEG-TS file cut short (``head -c``: its last packet cut in the middle) was taken
    whole, exit 0 and no word: FFmpeg takes its length from the timestamps left.  It ends as
    another truncated input does (exit 3, "ends early"); the whole file (plain, or BDAV's
    192-byte packets) is still complete, and so is one with bytes after its packets."""
    import subprocess

    whole = tmp_path / f"whole{ext}"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=4",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mpegts", "-mpegts_m2ts_mode", m2ts,
                    str(whole)], check=True)
    assert whole.stat().st_size % (192 if m2ts == "1" else 188) == 0
    _padded_complete_half_ends_early(tmp_path, whole, "the MPEG-TS file ends in the middle of a packet")


@pytest.mark.parametrize("fmt, vcodec, ext", [("vob", "mpeg2video", ".vob"), ("mpeg", "mpeg1video", ".mpg")])
def test_an_mpeg_ps_file_cut_short_says_so(tmp_path, fmt, vcodec, ext):
    """An MPEG-PS file (a DVD camcorder's .MPG, a .VOB) cut short (``head -c``: its last packet
    cut in the middle) was taken whole, exit 0, "1 corrupt packet skipped": FFmpeg takes its
    length from the timestamps left.  It ends as another truncated input does (exit 3, "ends
    early"); the whole file (MPEG-2 or MPEG-1 packs) is still complete, and so is one with
    zeros after its end code."""
    import subprocess

    whole = tmp_path / f"whole{ext}"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=4",
                    "-f", "lavfi", "-i", "sine=duration=4:sample_rate=48000", "-c:v", vcodec, "-c:a", "mp2",
                    "-f", fmt, str(whole)], check=True)
    _padded_complete_half_ends_early(tmp_path, whole, "the MPEG-PS file ends in the middle of a packet")


def test_an_ogg_file_cut_short_says_so(tmp_path):
    """An Ogg file (.ogv: Theora, as Wikimedia and some screen recorders write it) cut short
    (``head -c``: its last page cut in the middle) was taken whole, exit 0 and no word: FFmpeg
    takes its length from the last page left.  It ends as another truncated input does (exit 3,
    "ends early"); the whole file, and one with zeros after it, are still complete."""
    import subprocess

    whole = tmp_path / "whole.ogv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=4",
                    "-f", "lavfi", "-i", "sine=duration=4:sample_rate=48000", "-c:v", "libtheora",
                    "-c:a", "libvorbis", str(whole)], check=True)
    _padded_complete_half_ends_early(tmp_path, whole, "the Ogg file ends in the middle of a page")


@pytest.mark.parametrize("size, rate", [("720x576", "25"), ("720x480", "30000/1001")])
def test_a_raw_dv_file_cut_short_says_so(tmp_path, size, rate):
    """A raw DV file (.dv: a camcorder's tape captured over FireWire) cut short in a frame
    (``head -c``) was taken whole, exit 0 and no word, the part of its last frame written as a
    frame: FFmpeg estimates its length from its size.  It ends as another truncated input does
    (exit 3, "ends early"); the whole file (PAL or NTSC) is still complete."""
    import subprocess

    whole = tmp_path / "whole.dv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}:duration=2",
                    "-f", "lavfi", "-i", "sine=duration=2:sample_rate=48000", "-ac", "2", "-c:v", "dvvideo",
                    "-pix_fmt", "yuv420p" if size == "720x576" else "yuv411p", "-c:a", "pcm_s16le", "-f", "dv",
                    str(whole)], check=True)
    data = whole.read_bytes()
    r = run_cli("file", str(whole), "-o", str(tmp_path / "whole.mp4"), "-q")
    assert r.returncode == 0 and "ends early" not in r.stderr, r.stderr
    src, out = tmp_path / "half.dv", tmp_path / "half.mp4"
    src.write_bytes(data[:len(data) // 2 + 1000])
    r = run_cli("file", str(src), "-o", str(out), "-q")
    assert r.returncode == 3, (r.returncode, r.stderr)
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith(f"livecut: error: {src}: the video ends early (truncated: the DV file ends in "
                           "the middle of a frame): ") and f"; {out} holds the" in line, r.stderr
    assert 0 < probe(out)["frames"] < 60


def test_a_wmv_file_cut_short_says_so(tmp_path):
    """A WMV (ASF) file cut short (``head -c``: a copy broken off, a download cut) was taken
    whole, exit 0 and no word, its output holding half the video: FFmpeg drops the length its
    header states when the file is not the size the header states too.  It ends as another
    truncated input does (exit 3, "ends early"); the whole file, and one with bytes after it,
    are still complete."""
    import subprocess

    whole = tmp_path / "whole.wmv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=4",
                    "-f", "lavfi", "-i", "sine=duration=4", "-c:v", "wmv2", "-c:a", "wmav2", str(whole)],
                   check=True)
    _padded_complete_half_ends_early(tmp_path, whole, "the ASF (WMV) file is shorter than its header states",
                                     extra=0)


@pytest.mark.parametrize("output", ["-", "null:"])
def test_a_run_to_stdout_or_null_cut_short_names_no_file_that_holds_frames(tmp_path, output):
    """An input cut short sent to ``-o -`` said '...: 5 frames written, more expected; - holds
    the 5 frames written' (a stream holds nothing, and '-' read as a typo), and to ``-o null:``
    '...; null: holds the 5 frames written' (nothing is kept there).  Standard output is said as
    on a signal ('stdout finalized with ...'); null:, which keeps nothing, is not said."""
    import subprocess

    whole = tmp_path / "whole.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=2",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mpegts", str(whole)], check=True)
    src = tmp_path / "half.ts"
    src.write_bytes(whole.read_bytes()[:whole.stat().st_size // 2 + 7])
    r = subprocess.run([sys.executable, "-m", "livecut", "file", str(src), "-o", output, "-q"], capture_output=True,
                       env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
    err = r.stderr.decode()
    assert r.returncode == 3, (r.returncode, err)
    line = err.strip().splitlines()[-1]
    assert line.startswith(f"livecut: error: {src}: the video ends early (truncated: the MPEG-TS file ends in the "
                           "middle of a packet): "), line
    n = int(line.split("packet): ")[1].split(" frame")[0])
    assert 0 < n < 50 and line.endswith(" expected" + (f"; stdout finalized with the {n} frames written"
                                                       if output == "-" else "")), line
    assert " holds " not in line and "null:" not in line, line


def _piped_cut_in_the_middle_ends_early(tmp_path, muxer: str, suffix: str, said: str) -> None:
    """A stream written by ffmpeg's ``muxer`` to a pipe, whole, is complete, named or piped into
    ``livecut file -``; cut in the middle (half its bytes and 7), it ends early (exit 3) with
    ``said`` as the reason and the output holding the frames before the cut."""
    import subprocess

    whole = tmp_path / f"whole{suffix}"
    whole.write_bytes(subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=2", "-f", "lavfi",
         "-i", "sine=duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-f", muxer,
         "-"], capture_output=True, check=True).stdout)
    data = whole.read_bytes()

    for how in (named, piped):
        code, err = how(whole, tmp_path / f"whole-{how.__name__}.mp4")
        assert code == 0 and "ends early" not in err, (how.__name__, err)
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(data[:len(data) // 2 + 7])
    for how in (named, piped):
        out = tmp_path / f"cut-{how.__name__}.mp4"
        code, err = how(cut, out)
        assert code == 3, (how.__name__, code, err)
        line = err.strip().splitlines()[-1]
        label = cut if how is named else "-"
        assert line.startswith(f"livecut: error: {label}: the video ends early (truncated: {said}): ") \
            and f"; {out} holds the" in line, (how.__name__, err)
        assert 0 < probe(out)["frames"] < 50


def test_an_flv_stream_cut_short_says_so(tmp_path):
    """An FLV stream written to a pipe (``ffmpeg -i rtmp://... -c copy -f flv - | livecut file -
    -o out.mp4``) cut short -- its writer killed, a copy broken off -- in the middle of a tag was
    taken whole, exit 0 and no word: it states no length, FFmpeg's is that of the timestamps left.
    Each tag states its size: one cut in a tag ends the run as another truncated input does (exit
    3, "ends early"); the whole stream, piped or named, is still complete."""
    _piped_cut_in_the_middle_ends_early(tmp_path, "flv", ".flv", "the FLV stream ends in the middle of a tag")


def _flv_cut_in_an_audio_tag_header(tmp_path, acodec: str, rate: int) -> Path:
    """A small FLV (video, ``acodec`` audio at ``rate``) cut in its last-but-two audio tag's
    header, after its timestamp and before its first data byte (the one that states its codec)."""
    import subprocess

    whole = tmp_path / f"whole_{acodec}.flv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1.5",
                    "-f", "lavfi", "-i", f"sine=sample_rate={rate}:duration=1.5", "-c:v", "libx264",
                    "-c:a", acodec, "-shortest", str(whole)], check=True)
    data = whole.read_bytes()
    pos, audio = 9 + 4, []  # (the header, then the size of no tag before)
    while pos + 11 <= len(data):
        if data[pos] == 8:
            audio.append(pos)
        pos += 11 + int.from_bytes(data[pos + 1:pos + 4], "big") + 4
    cut = tmp_path / f"cut_{acodec}.flv"
    cut.write_bytes(data[:audio[-3] + 10])
    return cut


@pytest.mark.parametrize("acodec, rate", [("aac", 44100), ("pcm_u8", 11025)])
def test_an_flv_cut_in_an_audio_tag_header_gains_no_made_up_track(tmp_path, acodec, rate):
    """An FLV cut short (``head -c``) in an audio tag's header, before the byte that states the
    tag's codec: FFmpeg reads that byte as 0 (8-bit PCM at 5512 Hz) and makes up a second audio
    stream of it, of one broken packet; it was written as a second, silent AAC track, with
    "audio stream 2: 5512 Hz resampled to 7350 Hz".  It is left out: the one real track is
    written (an FLV whose real audio is 8-bit PCM keeps it)."""
    import av

    cut = _flv_cut_in_an_audio_tag_header(tmp_path, acodec, rate)
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(cut), "-o", str(out), "-q")
    assert r.returncode == 3 and "the FLV stream ends in the middle of a tag" in r.stderr, (r.returncode, r.stderr)
    assert "5512" not in r.stderr, r.stderr
    with av.open(str(out)) as c:
        assert [a.codec_context.sample_rate for a in c.streams.audio] == [rate]


def test_an_avi_written_to_a_pipe_cut_in_a_chunk_says_so(tmp_path):
    """An AVI written to a pipe (``ffmpeg ... -f avi - | livecut file - -o out.mp4``) states no
    length: one cut short -- its writer killed, a copy broken off -- in the middle of a chunk
    (a frame) was taken whole, exit 0 and no word, the frame cut in it decoded from what was
    left.  Each chunk states its size: one cut in a chunk ends the run as another truncated
    input does (exit 3, "ends early"); the whole stream, piped or named, is still complete."""
    _piped_cut_in_the_middle_ends_early(tmp_path, "avi", ".avi", "the AVI file ends in the middle of a chunk")


def test_a_y4m_stream_cut_short_says_so(tmp_path):
    """A YUV4MPEG stream (``ffmpeg ... -f yuv4mpegpipe - | livecut file - -o out.mp4``, a .y4m
    file) cut in the middle of a frame -- its writer killed, a copy broken off -- was taken
    whole, exit 0 and no word: it states no length, and FFmpeg drops the frame cut in it and
    counts the rest.  Each of its frames is 'FRAME', a line's end and a picture of one size: one
    cut in a frame (or in its 'FRAME' line) ends the run as another truncated input does (exit
    3, "ends early"); the whole stream, piped or named, frames with parameters on their 'FRAME'
    line too, is still complete."""
    import subprocess

    whole = tmp_path / "whole.y4m"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=1",
                    "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", str(whole)], check=True)
    data = whole.read_bytes()
    frame = 64 * 48 * 3 // 2
    params = tmp_path / "params.y4m"  # (a FRAME line with parameters, as the format allows)
    params.write_bytes(data.replace(b"FRAME\n", b"FRAME Ixyz\n"))

    for src in (whole, params):
        for how in (named, piped):
            code, err = how(src, tmp_path / f"{src.stem}-{how.__name__}.mp4")
            assert code == 0 and "ends early" not in err, (src.name, how.__name__, err)
    header = data.index(b"\n") + 1
    for name, cut in (("in_a_frame", header + 10 * (6 + frame) + 6 + frame // 2),
                      ("in_its_line", header + 10 * (6 + frame) + 3)):
        src = tmp_path / f"{name}.y4m"
        src.write_bytes(data[:cut])
        for how in (named, piped):
            out = tmp_path / f"{name}-{how.__name__}.mp4"
            code, err = how(src, out)
            assert code == 3, (name, how.__name__, code, err)
            line = err.strip().splitlines()[-1]
            label = src if how is named else "-"
            assert line.startswith(f"livecut: error: {label}: the video ends early (truncated: the YUV4MPEG "
                                   "stream ends in the middle of a frame): 10 frames written, more expected; "
                                   f"{out} holds the 10 frames written"), (name, how.__name__, err)
            assert probe(out)["frames"] == 10


def test_a_nut_stream_cut_short_says_so(tmp_path):
    """A NUT stream (what ``livecut file ... -o -`` and ``ffmpeg ... -f nut -`` write) cut short --
    its writer killed, a copy broken off -- was taken whole, exit 0 and no word, piped in
    (``livecut file a.mp4 -o - | livecut file - -o b.mp4``) or read as a file: a NUT written to a
    pipe states no length.  Its writer ends it with its index, which states its own size in its
    last bytes: one without it, cut in a frame, ends the run as another truncated input does
    (exit 3, "ends early"); the whole stream, piped or not, and one with zeros after it, are
    still complete."""
    import subprocess

    clip = make_clip(tmp_path / "clip.mp4", w=64, h=48, n=60, audio=True)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    whole = tmp_path / "whole.nut"
    whole.write_bytes(subprocess.run([sys.executable, "-m", "livecut", "file", str(clip), "-o", "-", "-q"],
                                     capture_output=True, check=True, env=env, timeout=120).stdout)
    data = whole.read_bytes()
    padded, cut = tmp_path / "padded.nut", tmp_path / "cut.nut"
    padded.write_bytes(data + bytes(64))
    cut.write_bytes(data[:len(data) // 2])

    for src in (whole, padded):
        for how in (named, piped):
            code, err = how(src, tmp_path / f"{src.stem}-{how.__name__}.mp4")
            assert code == 0 and "ends early" not in err, (src.name, how.__name__, err)
    for how in (named, piped):
        out = tmp_path / f"cut-{how.__name__}.mp4"
        code, err = how(cut, out)
        assert code == 3, (how.__name__, code, err)
        spec = cut if how is named else "-"
        line = err.strip().splitlines()[-1]
        assert line.startswith(f"livecut: error: {spec}: the video ends early (truncated: the NUT stream ends "
                               "in the middle of a frame): ") and f"written, more expected; {out} holds the" in line, err
        assert 0 < probe(out)["frames"] < 60


def _remux_nut(src, dst, index=True):
    """``src`` remuxed to a NUT, as ``ffmpeg -i src -c copy dst`` (``-write_index 0``: without its index)."""
    import av

    with av.open(str(src)) as c, av.open(str(dst), "w", format="nut", options={"write_index": str(int(index))}) as out:
        streams = {s.index: out.add_stream_from_template(s) for s in c.streams}
        for packet in c.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                out.mux(packet)
    return dst


@pytest.mark.parametrize("video, audio", [("libx264", "aac"), ("mpeg4", "libmp3lame"), ("ffv1", "pcm_s16le")])
def test_a_nut_written_without_its_index_is_whole_and_one_cut_is_not(tmp_path, video, audio):
    """A NUT written without its index (``ffmpeg ... -write_index 0 x.nut``: ``ffmpeg -i x.nut``
    reads it whole, exit 0) was "the video ends early (truncated: the NUT stream ends without
    its index)", exit 3, its every frame written.  Each frame's header states its size: one
    whose frames end at the file's end is whole (FFmpeg's elided headers, MPEG-4's and MP3's,
    and FFV1 frames over 4 KiB, each with its checksum, read as FFmpeg reads them); one cut in a
    frame, or cut in the index its writer ends it with, is still cut short (exit 3)."""
    clip = make_clip(tmp_path / "clip.mkv", w=128, h=96, n=40, audio=True, codec=video, audio_codec=audio)
    whole = _remux_nut(clip, tmp_path / "whole.nut", index=False)
    r = run_cli("file", str(whole), "-o", str(tmp_path / "whole.mp4"), "-q")
    assert r.returncode == 0 and "ends early" not in r.stderr, r.stderr
    assert probe(tmp_path / "whole.mp4")["frames"] == 40
    data = whole.read_bytes()
    for at in (len(data) - 3, len(data) * 2 // 3):
        cut = tmp_path / f"cut{at}.nut"
        cut.write_bytes(data[:at])
        r = run_cli("file", str(cut), "-o", str(tmp_path / f"cut{at}.mp4"), "-q")
        assert r.returncode == 3 and "(truncated: the NUT stream ends in the middle of a frame)" in r.stderr, \
            (at, r.returncode, r.stderr)
    cut = tmp_path / "index-cut.nut"  # (its writer's index cut off in the middle)
    cut.write_bytes(_remux_nut(clip, tmp_path / "indexed.nut").read_bytes()[:-6])
    r = run_cli("file", str(cut), "-o", str(tmp_path / "index-cut.mp4"), "-q")
    assert r.returncode == 3 and "(truncated: the NUT stream ends in the middle of its index)" in r.stderr, r.stderr


def test_a_matroska_file_written_to_a_pipe_and_cut_short_says_so(tmp_path):
    """A Matroska file written to a pipe (``ffmpeg ... -f matroska -``: no length, no frame
    count, no index) and cut short was taken whole, exit 0 and no word, piped in (``cat x.mkv |
    livecut file -``) or read as a file.  Each of its clusters states its size: one that runs
    past the file's end ends the run as another truncated input does (exit 3, "ends early");
    the whole file, piped or not, and one with zeros after it, are still complete."""
    import subprocess

    whole = tmp_path / "whole.mkv"
    whole.write_bytes(subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                                      "testsrc=size=64x48:rate=25:duration=4", "-c:v", "libx264", "-pix_fmt",
                                      "yuv420p", "-g", "25", "-f", "matroska", "-"],
                                     capture_output=True, check=True).stdout)
    data = whole.read_bytes()
    padded, cut = tmp_path / "padded.mkv", tmp_path / "cut.mkv"
    padded.write_bytes(data + bytes(64))
    cut.write_bytes(data[:len(data) // 2])
    env = dict(os.environ, PYTHONPATH=str(REPO))

    def piped(src, out):
        return subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(out), "-q"],
                              input=src.read_bytes(), capture_output=True, text=False, env=env, timeout=120)

    for src in (whole, padded):
        for r in (run_cli("file", str(src), "-o", str(tmp_path / f"{src.stem}.mp4"), "-q"),
                  piped(src, tmp_path / f"{src.stem}-piped.mp4")):
            err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode()
            assert r.returncode == 0 and "ends early" not in err, err
    for name, r, out in (("file", run_cli("file", str(cut), "-o", str(tmp_path / "cut.mp4"), "-q"), tmp_path / "cut.mp4"),
                         ("pipe", piped(cut, tmp_path / "cut-piped.mp4"), tmp_path / "cut-piped.mp4")):
        err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode()
        assert r.returncode == 3, (name, r.returncode, err)
        spec = cut if name == "file" else "-"
        line = err.strip().splitlines()[-1]
        assert line.startswith(f"livecut: error: {spec}: the video ends early (truncated: the Matroska file ends "
                               "in the middle of a cluster): ") and f"more expected; {out} holds the" in line, err
        assert 0 < probe(out)["frames"] < 100


def test_a_file_cut_short_after_its_first_frame_says_one_frame(tmp_path):
    """A Matroska file of one frame a cluster, cut in its second cluster, said '1 frames
    written, more expected; out.mp4 holds the 1 frame written': the count is said as the
    rest of the line says it, one frame as one."""
    import subprocess

    data = subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1",
                           "-c:v", "libx264", "-g", "1", "-bf", "0", "-pix_fmt", "yuv420p",
                           "-cluster_time_limit", "1", "-f", "matroska", "-"], capture_output=True, check=True).stdout
    clusters = [i for i in range(len(data)) if data.startswith(bytes.fromhex("1F43B675"), i)]
    assert len(clusters) > 2
    cut, out = tmp_path / "cut.mkv", tmp_path / "out.mp4"
    cut.write_bytes(data[:clusters[1] + 12])  # (the first frame whole, the second's cluster begun)
    r = run_cli("file", str(cut), "-o", str(out), "-q")
    assert r.returncode == 3, r.stderr
    line = r.stderr.strip().splitlines()[-1]
    assert ": 1 frame written, " in line and f"{out} holds the 1 frame written" in line, line
    assert probe(out)["frames"] == 1


@pytest.mark.parametrize("vcodec, acodec, ext", [("libx264", None, ".mkv"), ("libvpx-vp9", "libopus", ".webm")])
def test_a_matroska_file_whose_last_cluster_header_is_wiped_is_not_said_truncated(tmp_path, vcodec, acodec, ext):
    """A Matroska/WebM file of its full size whose last video cluster's header is wiped (a
    damaged card): its demuxer reads no video past it, and the run ended 'the video ends early
    (truncated?)', exit 3, of a file that is all there.  It still ends early (exit 3), saying the
    file is damaged or cut short and how much of it could not be read; the same file cut off there
    (``head -c``) is still 'truncated?'."""
    import subprocess

    src = tmp_path / f"whole{ext}"
    audio = ["-f", "lavfi", "-i", "sine=duration=6", "-c:a", acodec] if acodec else []
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=6",
                    *audio, "-c:v", vcodec, "-g", "25", "-pix_fmt", "yuv420p", "-cluster_time_limit", "1000",
                    *(["-deadline", "realtime", "-cpu-used", "8"] if vcodec == "libvpx-vp9" else []), str(src)],
                   check=True)
    data = bytearray(src.read_bytes())
    clusters = [i for i in range(len(data)) if data.startswith(bytes.fromhex("1F43B675"), i)]
    # (the last cluster of video: with audio, FFmpeg ends with one of audio alone, the sine's tail)
    at = clusters[-2] if acodec else clusters[-1]
    assert len(clusters) > 4 and len(data) - at > 8000, (clusters, len(data))
    wiped, cut = tmp_path / f"wiped{ext}", tmp_path / f"cut{ext}"
    cut.write_bytes(bytes(data[:at]))
    data[at:at + 16] = bytes(16)
    wiped.write_bytes(bytes(data))
    r = run_cli("file", str(wiped), "-o", str(tmp_path / "o.mkv"), "-q")
    assert r.returncode == 3, (r.returncode, r.stderr)
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith(f"livecut: error: {wiped}: the video ends early (damaged or cut short: ") and \
        " KB of the file after its last frame could not be read): 125 frames written, about 150 expected" in line, line
    r = run_cli("file", str(cut), "-o", str(tmp_path / "c.mkv"), "-q")
    assert r.returncode == 3 and "the video ends early (truncated?): 125 frames written" in r.stderr, r.stderr


def _stsz_counting(tmp_path, n: int) -> Path:
    """An MP4 of 50 frames (its index after its frames) whose sample-size table (stsz) counts
    ``n``, its entries (and its timing table, stts) still 50: FFmpeg says 'wrong sample count'
    in its log and reads ``n`` frames, the rest of the file of its full size."""
    src = make_clip(tmp_path / "whole.mp4", w=160, h=96, n=50)
    data = bytearray(src.read_bytes())
    at = data.rindex(b"stsz") + 12  # (after its version and flags, and one size for all: 0)
    assert data.count(b"stsz") == 1 and int.from_bytes(data[at:at + 4], "big") == 50
    data[at:at + 4] = n.to_bytes(4, "big")
    p = tmp_path / "damaged.mp4"
    p.write_bytes(bytes(data))
    return p


def test_an_mp4_whose_index_sizes_a_frame_or_two_less_is_not_plain_success(tmp_path):
    """An MP4 whose sample-size table (stsz) counts 48 of its 50 frames (a damaged index): the
    48 it sizes were cut, 'damaged.mp4 -> out.mp4: 48 frames', exit 0, without a word (the
    loss within what is taken for a whole file's slack); the output still holds the 48, exit 0,
    and a warning says what it lacks and why."""
    p, out = _stsz_counting(tmp_path, 48), tmp_path / "out.mp4"
    r = run_cli("file", str(p), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines() == [
        "livecut: warning: damaged.mp4: 2 of the video's 50 frames could not be read (its index is damaged: its "
        "sample-size table, stsz, gives the sizes of 48 frames only): the output lacks them"], r.stderr
    assert probe(out)["frames"] == 48
    r = run_cli("file", str(tmp_path / "whole.mp4"), "-o", str(tmp_path / "whole-out.mp4"), "-q")
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr


def test_an_mp4_whose_index_sizes_a_frame_or_two_less_is_called_partial_by_the_last_line(tmp_path):
    """An MP4 whose sample-size table (stsz) counts 48 of its 50 frames: its warning says the
    output lacks 2, and the run's last line ended as a whole video's ('damaged.mp4 -> out.mp4: 48
    frames in ...'), a partial result said as plain success, as damaged data skipped is not."""
    p, out = _stsz_counting(tmp_path, 48), tmp_path / "out.mp4"
    r = run_cli("file", str(p), "-o", str(out))
    assert r.returncode == 0, r.stderr
    last = r.stderr.splitlines()[-1]
    assert ": 48 frames in " in last and ", partial: 2 of the video's 50 frames could not be read, " in last, r.stderr


def test_an_mp4_whose_index_sizes_fewer_frames_says_so_as_it_ends_early(tmp_path):
    """An MP4 whose sample-size table (stsz) counts 40 of its 50 frames ends early (exit 3), as
    before, saying it of its index, not only of the 'KB of the file after its last frame' (a
    file of its full size: not cut short)."""
    p, out = _stsz_counting(tmp_path, 40), tmp_path / "out.mp4"
    r = run_cli("file", str(p), "-o", str(out), "-q")
    assert r.returncode == 3, r.stderr
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith(f"livecut: error: {p}: the video ends early (damaged or cut short: ") and line.endswith(
        "its index is damaged, its sample-size table (stsz) giving the sizes of 40 frames only): 40 frames written, "
        f"50 expected; {out} holds the 40 frames written"), line
    assert probe(out)["frames"] == 40


def test_an_mp4_whose_timing_table_counts_fewer_frames_counts_those_it_holds(tmp_path):
    """An MP4 of 50 frames whose timing table (stts) counts 30 (damaged), its sample sizes and
    chunks all there: FFmpeg reads the 50 and gives the stream 30, which the progress took for its
    total ('50/30' at the end); the frames counted are the 50 the index sizes and places (the
    progress ends at 50/50), and the run writes them, exit 0, as before."""
    from livecut.sources.file import FileSource

    src = make_clip(tmp_path / "whole.mp4", w=160, h=96, n=50)
    data = bytearray(src.read_bytes())
    at = data.rindex(b"stts") + 4
    assert data.count(b"stts") == 1 and int.from_bytes(data[at + 4:at + 8], "big") == 1  # (one run: 50 alike)
    assert int.from_bytes(data[at + 8:at + 12], "big") == 50
    data[at + 8:at + 12] = (30).to_bytes(4, "big")
    p, out = tmp_path / "damaged.mp4", tmp_path / "out.mp4"
    p.write_bytes(bytes(data))
    with FileSource(p) as fs:
        assert fs.info.frames == 50
    r = run_cli("file", str(p), "-o", str(out), "-q")
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    assert probe(out)["frames"] == 50


def test_an_mp4_whose_timing_table_counts_more_frames_than_it_holds_lacks_none(tmp_path):
    """An MP4 of 50 frames whose timing table (stts) counts 52, its sample sizes (stsz) and its
    chunks (stsc over stco) agreeing on the 50 it holds: every frame the file holds was read, and
    the run said 'damaged.mp4: 2 of the video's 52 frames could not be read (its index is
    damaged: its sample-size table, stsz, gives the sizes of 50 frames only): the output lacks
    them', blaming the table that agrees with the file's data, of an output that lacks nothing
    (it was exit 0 and no word before that check).  The frames counted are the 50 it holds, as of
    a timing table that counts fewer (see the test above); nothing is said."""
    from livecut.sources.file import FileSource

    src = make_clip(tmp_path / "whole.mp4", w=160, h=96, n=50)
    data = bytearray(src.read_bytes())
    at = data.rindex(b"stts") + 4
    assert data.count(b"stts") == 1 and int.from_bytes(data[at + 8:at + 12], "big") == 50
    data[at + 8:at + 12] = (52).to_bytes(4, "big")
    p, out = tmp_path / "damaged.mp4", tmp_path / "out.mp4"
    p.write_bytes(bytes(data))
    with FileSource(p) as fs:
        assert fs.info.frames == 50
    r = run_cli("file", str(p), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "could not be read" not in r.stderr and "partial" not in r.stderr, r.stderr
    assert probe(out)["frames"] == 50


@pytest.mark.parametrize("acodec", ["libopus", "aac"])
def test_a_matroska_file_cut_in_the_audio_after_its_video_says_so(tmp_path, acodec):
    """A Matroska file whose audio runs 4 s past its video, cut short in that audio (its video
    whole), was taken whole, exit 0 and no word, its output's audio cut; it ends as a truncated
    input does (exit 3), saying that the video is whole and what is cut short.  With AAC (FFmpeg
    moves every stream by its priming, the video starting at 21 ms) the video's DURATION tag,
    its end counted from 0, was taken for its length: 'the video ends early ... 25 frames
    written, about 26 expected', the video whole."""
    import subprocess

    src = tmp_path / "long_audio.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=1",
                    "-f", "lavfi", "-i", "sine=r=48000:duration=5", "-c:v", "libx264", "-c:a", acodec, str(src)],
                   check=True)
    cut, out = tmp_path / "cut.mkv", tmp_path / "out.mkv"
    cut.write_bytes(src.read_bytes()[:-100])  # (in its last cluster: audio alone)
    r = run_cli("file", str(cut), "-o", str(out), "-q")
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert r.stderr.strip().splitlines()[-1] == (
        f"livecut: error: {cut}: the file ends early (truncated: the Matroska file ends in the middle of a "
        f"cluster): its video is whole (25 frames written), what runs on after it (audio) is cut short; {out} "
        "holds them and the audio beside them"), r.stderr
    assert probe(out)["frames"] == 25


@pytest.mark.parametrize("fmt, ext, said", [("mpegts", ".ts", "the MPEG-TS file ends in the middle of a packet"),
                                             ("mpeg", ".mpg", "the MPEG-PS file ends in the middle of a packet")])
def test_an_mpeg_file_cut_in_the_audio_after_its_video_says_so(tmp_path, fmt, ext, said):
    """An MPEG-TS or MPEG-PS file whose audio runs 1 s past its video, cut short in its last
    audio packets (its video whole), said 'the video ends early ... 50 frames written, more
    expected'; it says, as a Matroska file does, that the video is whole and what is cut short.
    One cut in the middle of its video still says the video ends early."""
    import subprocess

    src = tmp_path / f"long_audio{ext}"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=2",
                    "-f", "lavfi", "-i", "sine=r=48000:duration=3", "-c:v", "mpeg2video", "-c:a", "mp2",
                    "-f", fmt, str(src)], check=True)
    data = src.read_bytes()
    cut, out = tmp_path / f"cut{ext}", tmp_path / "out.mkv"
    cut.write_bytes(data[:len(data) - 3 * 188 - 50])  # (in its last packets: audio alone)
    r = run_cli("file", str(cut), "-o", str(out), "-q")
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert r.stderr.strip().splitlines()[-1] == (
        f"livecut: error: {cut}: the file ends early (truncated: {said}): its video is whole (50 frames "
        f"written), what runs on after it (audio) is cut short; {out} holds them and the audio beside them"), r.stderr
    assert probe(out)["frames"] == 50
    half, out = tmp_path / f"half{ext}", tmp_path / "half.mkv"
    half.write_bytes(data[:len(data) // 3 + 50])  # (in the middle of its video)
    r = run_cli("file", str(half), "-o", str(out), "-q")
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert f"{half}: the video ends early (truncated: {said}): " in r.stderr.strip().splitlines()[-1], r.stderr


def test_zero_frames(tmp_path):
    import av

    p = tmp_path / "empty.mkv"
    with av.open(str(p), "w") as c:
        s = c.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 64, 64, "yuv420p"
        c.start_encoding()  # header only, no frames
    assert p.stat().st_size > 0
    _one_line_error(run_cli("file", str(p), "-o", str(tmp_path / "o.mp4")), 2, "no frames")
    assert not (tmp_path / "o.mp4").exists()


def test_a_video_none_of_whose_packets_decode_says_so(tmp_path):
    """Every video packet is garbage: 'the video has no frames' read as an empty file; it says
    the frames are there but cannot be decoded.  (An empty one still says 'no frames'.)"""
    import av

    src = make_clip(tmp_path / "c.mp4", n=10, w=64, h=48)
    bad = tmp_path / "garbage.mp4"
    rng = np.random.default_rng(0)
    with av.open(str(src)) as inp, av.open(str(bad), "w") as out:
        s = out.add_stream_from_template(inp.streams.video[0])
        for p in inp.demux(inp.streams.video[0]):
            if p.size:
                q = av.Packet(rng.integers(0, 256, p.size, np.uint8).tobytes())
                q.pts, q.dts, q.time_base, q.stream = p.pts, p.dts, p.time_base, s
                out.mux(q)
    r = run_cli("file", str(bad), "-o", str(tmp_path / "o.mp4"))
    _one_line_error(r, 2, "no frames that can be decoded", "corrupt")
    assert not (tmp_path / "o.mp4").exists()


def test_a_recording_with_a_stretch_of_zeros_is_read_past_it(tmp_path):
    """An MPEG-TS recording with its middle zeroed (a damaged disk or card): past the stretch
    the demuxer says "try again" (EAGAIN), which was taken for a read error -- the rest given
    up (exit 3, 20 of 100 frames, the audio stopped there); it resumes, as ffmpeg does: the
    frames and the sound after the stretch are kept."""
    import subprocess

    import av

    src = tmp_path / "rec.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=4",
                    "-f", "lavfi", "-i", "sine=f=1000:r=48000:duration=4", "-c:v", "libx264", "-b:v", "2M",
                    "-minrate", "2M", "-maxrate", "2M", "-bufsize", "1M", "-c:a", "aac", str(src)], check=True)
    data = bytearray(src.read_bytes())
    n = len(data)
    data[int(n * 0.2):int(n * 0.8)] = bytes(int(n * 0.8) - int(n * 0.2))
    bad = tmp_path / "zeroed.ts"
    bad.write_bytes(bytes(data))
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    got = probe(out)
    assert got["frames"] >= 30 and got["pts"][-1] > 3.5, (got["frames"], got["pts"][-1])
    with av.open(str(out)) as c:
        end = max(float((p.pts + p.duration) * p.time_base) for p in c.demux(c.streams.audio[0]) if p.size)
    assert end > 3.5, end


def _zeroed_recording(tmp_path, name: str, damaged: str, rate: str, lo: float, hi: float):
    """(a 4 s recording at a constant ``rate``, a copy of it with its bytes from ``lo`` to
    ``hi`` of its length zeroed: a damaged card or disk)."""
    import subprocess

    src = tmp_path / name
    buf = f"{int(rate[:-1]) * 500}k"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=4",
                    "-c:v", "libx264", "-b:v", rate, "-minrate", rate, "-maxrate", rate, "-bufsize", buf,
                    str(src)], check=True)
    data = bytearray(src.read_bytes())
    n = len(data)
    a, b = int(n * lo), int(n * hi)
    data[a:b] = bytes(b - a)
    bad = tmp_path / damaged
    bad.write_bytes(bytes(data))
    return src, bad


def test_frames_lost_to_damage_in_the_middle_are_said(tmp_path):
    """An MP4 whose middle third is zeroed (a damaged card) is read to its end, the damaged
    frames skipped (exit 0); a third of the video missing was said only in the summary line,
    as '32 corrupt packets skipped' (nothing with -q): a warning says how many frames the
    output lacks.  A glitch of a frame or two says nothing more."""
    import subprocess

    src, bad = _zeroed_recording(tmp_path, "rec.mp4", "damaged.mp4", "1M", 1 / 3, 2 / 3)
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    lost = 100 - probe(out)["frames"]
    assert lost > 10
    assert f"damaged.mp4: {lost} of the video's 100 frames could not be read" in r.stderr, r.stderr
    r = run_cli("file", str(src), "-o", str(tmp_path / "whole.mp4"), "-q")
    assert r.returncode == 0 and "could not be read" not in r.stderr, r.stderr
    # an edit list's pre-roll (cut without re-encoding: counted, never shown) is not missing
    cut = tmp_path / "cut.mov"
    subprocess.run(["ffmpeg", "-v", "error", "-ss", "1.5", "-i", str(src), "-c", "copy", str(cut)], check=True)
    r = run_cli("file", str(cut), "-o", str(tmp_path / "cut.mp4"), "-q")
    assert r.returncode == 0 and "could not be read" not in r.stderr, r.stderr


def test_an_mpeg_ts_whose_rate_drops_is_not_said_damaged(tmp_path):
    """An MPEG-TS recording whose frame rate halves half-way (a camera's or a DVR's in the
    dark), undamaged, has fewer frames than its duration at its stated rate: it was said to
    lack them ('50 of the video's 200 frames could not be read (damaged data ...)').  The
    estimate is taken only where damage was seen: a stretch zeroed in the middle (no corrupt
    packet counted, no demuxer error: packets the decoder gave no frame for) is still said."""
    import subprocess

    from livecut.sources.file import FileSource

    def warnings(path):
        with FileSource(path) as s:
            while s.read() is not None:
                pass
            assert s.shortfall() is None
            return [w for w in s.warnings if "could not be read" in w]

    vfr = tmp_path / "dark.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    r"testsrc2=size=160x96:rate=25:duration=8,select='lt(t\,4)+mod(n\,2)'",
                    "-fps_mode", "vfr", "-c:v", "libx264", str(vfr)], check=True)
    assert warnings(vfr) == []
    _, bad = _zeroed_recording(tmp_path, "rec.ts", "zeroed.ts", "2M", 0.4, 0.6)
    said = warnings(bad)
    assert len(said) == 1 and "of the video's 100 frames could not be read" in said[0], said


def test_a_local_hls_recording_missing_a_segment_loses_no_frame_beside_it(tmp_path):
    """A local HLS recording (c.m3u8 and its 1 s segments) whose second segment is missing:
    `livecut file c.m3u8 -o o.mp4` wrote 73 frames of the 75 there and said '27 of the video's
    100 frames could not be read' -- the last packet of the segment before the gap (flagged
    corrupt) was taken for one the file's end cut (its position in its segment, past the
    playlist's few bytes), the decoder flushed before it, and it and the frame after it lost.
    Every frame there is written, the 25 missing said, exit 0 (as ffmpeg -i reads 75)."""
    import subprocess

    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "4",
                    "-g", "25", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "hls", "-hls_time", "1",
                    "-hls_list_size", "0", "-hls_playlist_type", "vod", str(tmp_path / "c.m3u8")], check=True)
    (tmp_path / "c1.ts").unlink()
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(tmp_path / "c.m3u8"), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert "25 of the video's 100 frames could not be read" in r.stderr, r.stderr
    assert probe(out)["frames"] == 75


def test_a_video_that_lost_frames_to_damage_is_called_partial_by_the_last_line(tmp_path):
    """A local HLS recording missing its second segment, an MKV with a stretch zeroed: the
    warnings said the output lacks their frames, then the run's last line ended as a whole
    video's, 'c.m3u8 -> o.mp4: 75 frames in 1.3 s (59.7 fps), ...', exit 0 -- a partial result
    said as plain success.  That line says it is partial, with what could not be read (exit 0
    still: the file was read to its end); a whole file's says nothing of the kind."""
    import subprocess

    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "4",
                    "-g", "25", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "hls", "-hls_time", "1",
                    "-hls_list_size", "0", "-hls_playlist_type", "vod", str(tmp_path / "c.m3u8")], check=True)
    r = run_cli("file", str(tmp_path / "c.m3u8"), "-o", str(tmp_path / "whole.mp4"))
    assert r.returncode == 0 and "partial" not in r.stderr, r.stderr
    (tmp_path / "c1.ts").unlink()
    r = run_cli("file", str(tmp_path / "c.m3u8"), "-o", str(tmp_path / "o.mp4"))
    assert r.returncode == 0, r.stderr
    last = r.stderr.splitlines()[-1]
    assert "-> " in last and ": 75 frames in " in last, r.stderr
    assert ", partial: 25 of the video's 100 frames could not be read, " in last, r.stderr
    src = tmp_path / "v.mkv"  # (a stretch passed over, said by its times)
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=20",
                    "-c:v", "libx264", str(src)], check=True)
    bad = _stretch_zeroed(src, tmp_path / "zeroed.mkv", 60, 100)
    r = run_cli("file", str(bad), "-o", str(tmp_path / "o.mkv"))
    assert r.returncode == 0, r.stderr
    said = [ln for ln in r.stderr.splitlines() if "a stretch of " in ln]
    assert len(said) == 1, r.stderr
    lost = said[0].split("a stretch of ")[1].split(" s ")[0]
    assert f", partial: {lost} s of the video could not be read, " in r.stderr.splitlines()[-1], r.stderr


@pytest.mark.parametrize("ext", [".mkv", ".mp4"])
def test_a_video_whose_first_frames_were_lost_to_damage_is_called_partial_by_the_last_line(tmp_path, ext):
    """A video whose first key frame's data is damaged (zeroed): the decoder fails on it and
    drops the frames that refer to it, up to the next key frame -- 25 of 100 lost.  It was said
    'the first 24 frames could not be decoded (the video starts between key frames: a cut or
    open-GOP clip)', the packet that failed not counted, and the run's last line ended as a
    whole video's, the 'partial' of frames lost in the middle not said.  The frames lost are
    the packets read before the first frame, counted; a clip cut between key frames (no
    packet fails) is said as before."""
    import subprocess

    src = tmp_path / f"v{ext}"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=10",
                    "-c:v", "libx264", "-g", "25", "-bf", "2", str(src)], check=True)
    bad = tmp_path / f"bad{ext}"
    _packets_zeroed(src, bad, 0, 0)
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert probe(out)["frames"] == 75
    assert (f"livecut: warning: {bad.name}: the video's first 25 frames could not be read (damaged data at its "
            "start, skipped): the output lacks them") in r.stderr, r.stderr
    last = r.stderr.splitlines()[-1]
    assert ": 75 frames in " in last and ", partial: the video's first 25 frames could not be read, " in last, r.stderr
    assert "between key frames" not in r.stderr and "undecodable frames" not in r.stderr, r.stderr
    r = run_cli("file", str(src), "-o", str(tmp_path / "whole.mp4"))
    assert r.returncode == 0 and "partial" not in r.stderr and "could not be" not in r.stderr, r.stderr


def test_frames_an_mkv_lost_to_damage_passed_over_in_silence_are_said(tmp_path):
    """An MKV with a stretch zeroed in the middle: FFmpeg's Matroska demuxer passes over it to
    its next cluster in silence (no error, no corrupt packet, every packet read decoded), and
    the frames lost were said of an MP4 but not of it (exit 0, 68 of 100 frames gone, nothing
    said).  The file's packets leave a stretch of it unread: said as of an MP4.  An undamaged
    MKV whose frames stop for 2 s (variable rate, as short of its estimate) says nothing."""
    import subprocess

    src = tmp_path / "rec.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=10",
                    "-f", "lavfi", "-i", "sine=duration=10", "-c:v", "libx264", "-c:a", "aac", str(src)], check=True)
    bad = _stretch_zeroed(src, tmp_path / "zeroed.mkv", 30, 60)  # (frames 30 to 59, and the cluster after them)
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    lost = 100 - probe(out)["frames"]
    assert lost >= 30
    # (its frames there not known -- it states no count, a pause there could not be seen --, said
    # as those its rate elsewhere gives)
    assert f"could not be read, {lost} frames if the video's rate held there (damaged" in r.stderr, r.stderr
    freeze = tmp_path / "freeze.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    r"testsrc2=size=160x120:rate=10:duration=10,select='lt(t\,3)+gt(t\,5)'",
                    "-f", "lavfi", "-i", "sine=duration=10", "-fps_mode", "vfr", "-c:v", "libx264", "-c:a", "aac",
                    str(freeze)], check=True)
    for clean in (src, freeze):
        r = run_cli("file", str(clean), "-o", str(tmp_path / f"{clean.stem}.mp4"), "-q")
        assert r.returncode == 0 and "could not be read" not in r.stderr, r.stderr



def test_a_stretch_an_mkv_even_elsewhere_lost_to_damage_is_not_counted_from_its_estimate(tmp_path):
    """An MKV whose frames stop for 2 s (variable rate, FFmpeg stating its nominal 10 fps as the
    average; 79 frames over 10 s), its rate even but for that pause, with a stretch zeroed over
    the pause: said '57 of the video's 100 frames could not be read' of one that lost 36, the
    estimate taken for a count.  What the stretch held is not known: its times are said, and the
    frames the video's rate elsewhere gives it, as that."""
    import subprocess

    freeze = tmp_path / "freeze.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    r"testsrc2=size=160x120:rate=10:duration=10,select='lt(t\,3)+gt(t\,5)'",
                    "-f", "lavfi", "-i", "sine=duration=10", "-fps_mode", "vfr", "-c:v", "libx264", "-c:a", "aac",
                    str(freeze)], check=True)
    frames = probe(freeze)["frames"]
    bad = _stretch_zeroed(freeze, tmp_path / "zeroed.mkv", 20, 40)
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    times = probe(out)["pts"]
    start = min(times)
    before, after = max(t for t in times if t < 2.5) - start, min(t for t in times if t > 2.5) - start
    unread = 100 - _video_packets(bad)  # (its 10 fps from its first frame to its last: 100)
    assert after - before > 5 and frames - len(times) < unread - 10  # (the pause among what it lost)
    assert (f"zeroed.mkv: a stretch of {after - before:.1f} s (from {before:.1f} s to {after:.1f} s) could not be "
            f"read, {unread} frames if the video's rate held there (damaged data in the middle, skipped): the output "
            "lacks its frames") in r.stderr, r.stderr
    assert "of the video's" not in r.stderr, r.stderr
    # (at the mean of its steps: a 29.97 fps video's, 33 and 34 ms in Matroska's 1 ms clock; B-frames
    # lost beside the stretch among them, those read there that could not be decoded said apart)
    src = tmp_path / "ntsc.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30000/1001:duration=15",
                    "-c:v", "libx264", str(src)], check=True)
    _stretch_zeroed(src, bad, 100, 300)
    r = run_cli("file", str(bad), "-o", str(out), "-q", "--force")
    assert r.returncode == 0, r.stderr
    frames, read = probe(src)["frames"], _video_packets(bad)
    undecoded = read - probe(out)["frames"]
    assert frames - read > 200
    assert (f"could not be read, {frames - read} frames if the video's rate held there, and {undecoded} frames read "
            "beside it could not be decoded") in r.stderr, r.stderr


def _video_packets(path: Path) -> int:
    """How many video packets with data FFmpeg's demuxer reads of ``path``."""
    import av

    with av.open(str(path)) as c:
        return sum(1 for p in c.demux(c.streams.video[0]) if p.size)


def _stretch_zeroed(src: Path, dst: Path, first: int, end: int) -> Path:
    """``src`` copied to ``dst`` with the bytes from its video packet ``first`` to packet ``end``
    zeroed (headers, other streams' packets and cluster headers among them too: damage the
    demuxer passes over); ``dst``."""
    import av

    with av.open(str(src)) as c:
        pos = [p.pos for p in c.demux(c.streams.video[0]) if p.size]
    data = bytearray(src.read_bytes())
    data[pos[first]:pos[end]] = bytes(pos[end] - pos[first])
    dst.write_bytes(bytes(data))
    return dst


def _packets_zeroed(src: Path, dst: Path, first: int, last: int) -> None:
    """``src`` copied to ``dst`` with the data of its video packets ``first`` to ``last`` zeroed
    (their headers left: the demuxer reads every packet, the decoder gets zeros)."""
    import av

    data = bytearray(src.read_bytes())
    with av.open(str(src)) as c:
        packets = [(p.pos, bytes(p)) for p in c.demux(c.streams.video[0]) if p.size]
    for pos, body in packets[first:last + 1]:
        at = data.find(body, pos)
        assert 0 <= at - pos < 64
        data[at:at + len(body)] = bytes(len(body))
    dst.write_bytes(bytes(data))


def test_frames_a_variable_rate_mkv_lost_to_damage_are_counted_from_its_frames(tmp_path):
    """A variable-rate MKV (89 frames over 10 s, FFmpeg stating its nominal 10 fps as the average)
    with the data of 21 packets zeroed said '41 of the video's 100 frames could not be read', its
    estimate taken for a count; every packet was read: its frames are counted, '30 of the video's
    89 frames'."""
    import subprocess

    src = tmp_path / "vfr.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    r"testsrc2=size=160x120:rate=10:duration=10,select='lt(t\,3)+gt(t\,5)+mod(n\,2)'",
                    "-fps_mode", "vfr", "-c:v", "libx264", str(src)], check=True)
    frames = probe(src)["frames"]
    assert frames < 95
    bad = tmp_path / "zeroed.mkv"
    _packets_zeroed(src, bad, 50, 70)
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    lost = frames - probe(out)["frames"]
    assert lost >= 21
    assert f"zeroed.mkv: {lost} of the video's {frames} frames could not be read" in r.stderr, r.stderr


def test_a_stretch_a_variable_rate_mkv_lost_to_damage_is_said_by_its_times(tmp_path):
    """A variable-rate MKV (its frames every 0.2 s from 3 s to 5 s, FFmpeg stating its nominal
    10 fps as the average) with a stretch of it zeroed, which FFmpeg's Matroska demuxer passes
    over to its next cluster, said '78 of the video's 200 frames could not be read' of a file of
    189 frames that lost 67: its frames there cannot be known; the stretch is said by its times."""
    import subprocess

    import av

    src = tmp_path / "vfr.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    r"testsrc2=size=160x120:rate=10:duration=20,select='lt(t\,3)+gt(t\,5)+mod(n\,2)'",
                    "-f", "lavfi", "-i", "sine=duration=20", "-fps_mode", "vfr", "-c:v", "libx264", "-c:a", "aac",
                    str(src)], check=True)
    bad = _stretch_zeroed(src, tmp_path / "zeroed.mkv", 60, 100)
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    times = probe(out)["pts"]
    start = min(times)
    before, after = max(t for t in times if t < 10) - start, min(t for t in times if t > 10) - start
    assert after - before > 4
    assert (f"zeroed.mkv: a stretch of {after - before:.1f} s (from {before:.1f} s to {after:.1f} s) "
            "could not be read (damaged data in the middle, skipped): the output lacks its frames") in r.stderr, r.stderr
    assert "of the video's" not in r.stderr, r.stderr
    # (B-frames read past it whose references it held, lost too: counted)
    src = tmp_path / "vfr25.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    r"testsrc2=size=160x120:rate=25:duration=20,select='lt(t\,3)+gt(t\,5)+mod(n\,2)'",
                    "-fps_mode", "vfr", "-c:v", "libx264", "-bf", "3", str(src)], check=True)
    with av.open(str(src)) as c:
        packets = [(p.pos, p.size) for p in c.demux(c.streams.video[0]) if p.size]
    data = bytearray(src.read_bytes())
    for at, size in packets[145:156]:  # (their blocks' headers too: passed over)
        data[at:at + size] = bytes(size)
    bad.write_bytes(bytes(data))
    with av.open(str(bad)) as c:
        read = sum(1 for p in c.demux(c.streams.video[0]) if p.size)
    r = run_cli("file", str(bad), "-o", str(out), "-q", "--force")
    assert r.returncode == 0, r.stderr
    undecoded = read - probe(out)["frames"]
    assert undecoded > 0
    assert f"could not be read, and {undecoded} frames read beside it could not be decoded" in r.stderr, r.stderr


def test_an_mkv_whose_last_frames_are_read_but_not_decoded_is_not_said_cut_short(tmp_path):
    """A variable-rate MKV with audio whose last 40 frames' data is zeroed (every packet read to
    the file's end, none of them decoded), or with a stretch zeroed after which the decoder gives
    almost no frame (B-frames whose references it held), said 'the video ends early
    (truncated?): 148 frames written, about 200 expected', exit 3, of a file of its full size:
    its packets reach the video's end; the frames it lacks are said, exit 0."""
    import subprocess

    import av

    src = tmp_path / "vfr.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    r"testsrc2=size=160x120:rate=10:duration=20,select='lt(t\,3)+gt(t\,5)+mod(n\,2)'",
                    "-f", "lavfi", "-i", "sine=duration=20", "-fps_mode", "vfr", "-c:v", "libx264", "-c:a", "aac",
                    str(src)], check=True)
    frames = probe(src)["frames"]
    bad, out = tmp_path / "zeroed.mkv", tmp_path / "o.mp4"
    _packets_zeroed(src, bad, frames - 40, frames - 1)
    r = run_cli("file", str(bad), "-o", str(out), "-q")
    assert r.returncode == 0 and "ends early" not in r.stderr, r.stderr
    lost = frames - probe(out)["frames"]
    assert lost >= 40
    assert f"zeroed.mkv: {lost} of the video's {frames} frames could not be read" in r.stderr, r.stderr
    _stretch_zeroed(src, bad, 127, 130)
    with av.open(str(bad)) as c:
        read = sum(1 for p in c.demux(c.streams.video[0]) if p.size)
    r = run_cli("file", str(bad), "-o", str(out), "-q", "--force")
    assert r.returncode == 0 and "ends early" not in r.stderr, r.stderr
    undecoded = read - probe(out)["frames"]
    assert undecoded > 2
    assert f"could not be read, and {undecoded} frames read beside it could not be decoded" in r.stderr, r.stderr


def test_a_variable_rate_mkv_short_of_its_estimate_is_not_read_again_at_its_end(tmp_path, monkeypatch):
    """An MKV whose frames stop for 2 s (variable rate: short of the estimate its stated rate
    gives) was read through a second time at its end, to see whether its packets had passed over
    damaged data (a big recording's whole length again); that is seen as its packets are read.  One
    with a stretch zeroed is still said, and is not read again either."""
    import subprocess

    import av

    from livecut.sources import file as source_file
    from livecut.sources.file import FileSource

    freeze = tmp_path / "freeze.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    r"testsrc2=size=160x120:rate=10:duration=10,select='lt(t\,3)+gt(t\,5)'",
                    "-f", "lavfi", "-i", "sine=duration=10", "-fps_mode", "vfr", "-c:v", "libx264", "-c:a", "aac",
                    str(freeze)], check=True)
    bad = _stretch_zeroed(freeze, tmp_path / "zeroed.mkv", 20, 40)
    for path, said in ((freeze, False), (bad, True)):
        with FileSource(path) as s:
            opened = []
            monkeypatch.setattr(source_file, "open_local", lambda p: opened.append(p) or av.open(str(p)))
            n = 0
            while s.read() is not None:
                n += 1
            assert s.shortfall() is None and n < s.info.frames - 2  # (short of its estimate)
            assert any("could not be read" in w for w in s.warnings) == said, s.warnings
            assert opened == []  # (not read again)
            monkeypatch.undo()

def test_corrupt_packets_are_skipped(tmp_path):
    src = make_clip(tmp_path / "c.ts", n=40, w=320, h=180)
    data = bytearray(src.read_bytes())
    mid = len(data) // 2
    for i in range(mid, mid + 2000, 5):  # scribble over packets in the middle
        data[i] = 0xFF
    bad = tmp_path / "bad.ts"
    bad.write_bytes(bytes(data))
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    n = probe(out)["frames"]
    assert 20 <= n <= 40
    assert "corrupt" in r.stderr


@pytest.mark.parametrize("pix_fmt,w,h", [("yuv444p", 321, 181), ("yuv420p10le", 320, 180)])
def test_odd_size_444_and_10bit(tmp_path, pix_fmt, w, h):
    src = make_clip(tmp_path / "in.mkv", n=8, w=w, h=h, pix_fmt=pix_fmt)
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    p = probe(out)
    assert p["frames"] == 8 and p["pix_fmt"] == "yuv420p"


def test_missing_camera():
    _one_line_error(run_cli("run", "97"), 2, "camera 97")


def test_a_missing_camera_whose_index_names_a_file_here_says_how_to_read_the_file(tmp_path):
    """`livecut run 97` with a file named 97 in the current folder: an integer is a camera, and
    the error was "camera 97: not found" without a word of the file; it says the file is there
    and how to name it as one (./97)."""
    (tmp_path / "97").write_bytes(b"")
    r = run_cli("run", "97", "-o", "o.mp4", cwd=tmp_path)
    _one_line_error(r, 2, "camera 97: not found", "a file named 97 is here", "./97")
    r = run_cli("run", "97", "-o", str(tmp_path / "o.mp4"))  # (none in the current folder: as before)
    _one_line_error(r, 2, "camera 97: not found")
    assert "a file named" not in r.stderr


def test_preview_without_display(tmp_path):
    src = make_clip(tmp_path / "p.mp4", n=5)
    _one_line_error(run_cli("run", str(src), "--preview"), 2, "display")


def test_file_needs_an_output(tmp_path):
    src = make_clip(tmp_path / "p.mp4", n=5)
    _one_line_error(run_cli("run", str(src)), 2, "-o")


def test_bad_mode_and_background(tmp_path):
    src = make_clip(tmp_path / "p.mp4", n=5)
    _one_line_error(run_cli("file", str(src), "-o", str(tmp_path / "o.mp4"), "--mode", "bogus"), 2, "mode")
    _one_line_error(run_cli("file", str(src), "-o", str(tmp_path / "o.mp4"), "-b", "video:/nope.mp4"), 2)


def test_an_existing_output_is_refused_before_a_stream_is_opened(tmp_path):
    # nothing sends to the port: the refusal comes at once, not after the open timeout
    import time

    out = tmp_path / "o.mp4"
    out.write_bytes(b"earlier")
    t0 = time.monotonic()
    r = run_cli("run", "udp://127.0.0.1:9", "-o", str(out), "--set", "video.open_timeout=20")
    _one_line_error(r, 2, "exists")
    assert time.monotonic() - t0 < 10 and out.read_bytes() == b"earlier"


def test_a_dangling_link_as_output_is_refused_before_the_run(tmp_path):
    """An output name held by a symbolic link to a missing file passed the check (it does not
    "exist"), the whole video was processed, then the finished file could not take the name:
    "exists (written by another run meanwhile?)".  It is refused at once; --force replaces it."""
    src = make_clip(tmp_path / "in.mp4", n=5)
    out = tmp_path / "o.mp4"
    out.symlink_to(tmp_path / "gone" / "x.mp4")
    r = run_cli("file", str(src), "-o", str(out))
    _one_line_error(r, 2, "symbolic link", "--force")
    assert "meanwhile" not in r.stderr and out.is_symlink()
    r = run_cli("file", str(src), "-o", str(out), "--force", "-q")
    assert r.returncode == 0, r.stderr
    assert not out.is_symlink() and probe(out)["frames"] == 5


def test_png_frames_into_the_current_or_root_folder(tmp_path):
    # -o ./ or DIR/sub/../ writes the frames into that folder itself; -o / is refused with one
    # line (all were an internal error or a failed rename after the whole run)
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", "/", "--frames", "2")
    _one_line_error(r, 2, "folder of their own")
    (tmp_path / "sub").mkdir()
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", f"{tmp_path}/sub/../", "--frames", "2")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frame_000000.png", "frame_000001.png", "sub"]


def test_a_tilde_output_is_written_where_it_was_checked(tmp_path):
    # -o '~/o.mp4' (quoted, or from a script): checked as HOME/o.mp4 but written to ./~/o.mp4,
    # which failed after the input was opened ('write failed', exit 1)
    r = run_cli("file", str(SAMPLES / "moving.mp4"), "-o", "~/o.mp4", "--frames", "2",
                env={"HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert probe(tmp_path / "o.mp4")["frames"] == 2


@pytest.mark.parametrize("container", [".ts", ".mp4"])
def test_frames_before_the_first_key_frame_are_counted_and_said(tmp_path, container):
    """A clip cut between key frames (its first packets reference frames it does not hold):
    the decoder drops them without an error, and the run ended with exit 0 and a summary of
    the frames it wrote, as if that was every frame of the input."""
    import subprocess

    import av

    full = tmp_path / "full.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                    "-frames:v", "100", "-c:v", "libx264", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
                    "-bf", "2", "-pix_fmt", "yuv420p", str(full)], check=True, timeout=60)
    with av.open(str(full)) as c:  # cut at the 20th packet (of 50 before the second key frame)
        pos = next(p.pos for i, p in enumerate(c.demux(video=0)) if i == 20)
    cut = tmp_path / "cut.ts"
    cut.write_bytes(full.read_bytes()[pos // 188 * 188:])
    if container == ".mp4":  # (its header then says 80 frames: the packets, undecodable ones too)
        mp4 = tmp_path / "cut.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(cut), "-c", "copy", "-copyinkf", str(mp4)],
                       check=True, timeout=60)
        cut = mp4
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(cut), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert probe(out)["frames"] == 50
    assert (f"livecut: warning: {cut.name}: the first 30 frames could not be decoded (the video starts "
            "between key frames: a cut or open-GOP clip) and are not in the output") in r.stderr, r.stderr
    assert "50 frames in" in r.stderr and "30 undecodable frames before the first key frame dropped" in r.stderr
    # a clip that starts at a key frame says nothing of the kind
    r = run_cli("file", str(full), "-o", str(tmp_path / "o2.mp4"), "-q")
    assert r.returncode == 0 and "could not be decoded" not in r.stderr, r.stderr


def test_an_edit_lists_hidden_lead_in_is_not_counted_as_dropped(tmp_path):
    """`ffmpeg -ss 1.3 -c copy` keeps the frames from the key frame before 1.3 s, marked not to
    be shown (an edit list): those are no loss."""
    import subprocess

    full = make_clip(tmp_path / "full.mp4", n=60)
    cut = tmp_path / "cut.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "1.3", "-i", str(full), "-c", "copy", str(cut)],
                   check=True, timeout=60)
    from livecut.sources.file import FileSource

    with FileSource(cut) as src:
        n = 0
        while src.read() is not None:
            n += 1
    assert 0 < n < 60 and src.lead_dropped == 0


@pytest.mark.parametrize("command", ["file", "run", "cam"])
def test_a_bad_background_option_is_named_as_the_option(tmp_path, command):
    """README: the options that set a key (--mode, --background, --rtsp-transport) win over
    -c and --set, and "an error in one names the option"; `livecut image` and `batch` said
    "--background: ...", the video commands only "background 'sparkle': ..."."""
    src = str(make_clip(tmp_path / "p.mp4", n=5)) if command != "cam" else "0"
    r = run_cli(command, src, "-o", str(tmp_path / "o.mp4"), "-b", "sparkle")
    _one_line_error(r, 2, "sparkle")
    assert r.stderr.strip() == ("livecut: error: --background: composite.background: 'sparkle': expected "
                                "blur, color:#RRGGBB, a colour name (black, white, green, blue, red, gray, grey), image:PATH, "
                                "video:PATH or transparent")
    assert not (tmp_path / "o.mp4").exists()



def test_an_audio_warning_does_not_carry_ffmpeg_s_last_error_log(monkeypatch, tmp_path):
    """While a log level is set (the HTTP probation's log watch), PyAV appends FFmpeg's last
    error lines -- from any thread, perhaps another stream's URL -- to an FFmpegError's text;
    a dropped track's warning keeps the error's own words only."""
    import av

    from livecut.sinks import audio

    exc = av.error.InvalidDataError(1094995529, "Invalid data found when processing input", "a.ts",
                                    (16, "tcp", "Connection to tcp://user:secret@cam:554 failed"))

    def refuse(*a, **k):
        raise exc

    monkeypatch.setattr(audio, "_audio_encoder", refuse)
    monkeypatch.setattr(audio, "_copyable", lambda *a, **k: False)  # (re-encoded: the encoder refuses)
    warnings: list[str] = []
    with av.open(str(tmp_path / "o.mkv"), "w") as out:
        audio.AudioCopy.open(out, SAMPLES / "moving.mp4", ".mkv", 0.0, warnings)
    assert any("dropped" in w for w in warnings), warnings
    assert not any("secret" in w or "last error log" in w for w in warnings), warnings


def test_a_display_rotation_that_is_no_quarter_turn_is_said_as_the_video_s(tmp_path):
    """A video whose display matrix turns it 45 degrees was refused as 'rotation 45: expected a
    multiple of 90 degrees (0, 90, 180 or 270)', as a setting of the user's is (there is none):
    the refusal names the video and says that its display rotation is what livecut cannot do."""
    src = make_clip(tmp_path / "tilted.mp4", n=3, rotation=45)
    plain = make_clip(tmp_path / "plain.mp4", n=3)
    for args in ([str(src)], [str(plain), "-b", f"video:{src}"]):  # (the input, a background video)
        r = run_cli("file", *args, "-o", str(tmp_path / "out.mp4"))
        _one_line_error(r, 2, str(src), "display rotation of 45 degrees", "quarter turns")
    assert not (tmp_path / "out.mp4").exists()


def _with_display_matrix(src, dst, a: int, b: int, c: int, d: int):
    """``src`` (an MP4 of one video track, 320x180) written to ``dst`` with the display matrix
    whose 2x2 part is ``a b / c d`` (in the track's header, tkhd, as a phone or an editor writes it)."""
    import struct

    data = bytearray(src.read_bytes())
    at = data.index(b"tkhd") + 4
    at += 4 + (28 if data[at] == 1 else 20) + 16  # (version and flags, times, id, duration; layer ...)
    move = (320 if a < 0 or c < 0 else 0, 180 if b < 0 or d < 0 else 0)
    data[at:at + 36] = struct.pack(">9i", a << 16, b << 16, 0, c << 16, d << 16, 0, move[0] << 16, move[1] << 16,
                                   1 << 30)
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("matrix, rotation", [((-1, 0, 0, 1), -180), ((1, 0, 0, -1), 0), ((0, 1, 1, 0), -90)])
def test_a_video_whose_display_matrix_mirrors_it_is_refused(tmp_path, matrix, rotation):
    """A display matrix that flips the picture (left to right, top to bottom, or turned and
    flipped, as a front camera's or an editor's can) had only its rotation read: flipped left
    to right, the video was written and shown upside down, exit 0; flipped top to bottom, as it
    is stored.  livecut does not mirror: it is refused, one line, exit 2, with the ffmpeg
    command that makes it as shown; a video only turned is cut as before."""
    import subprocess

    import av

    plain = make_clip(tmp_path / "plain.mp4", n=3)
    src = _with_display_matrix(plain, tmp_path / "flipped.mp4", *matrix)
    with av.open(str(src)) as c:
        assert next(c.decode(video=0)).rotation == rotation  # (all of it PyAV says)
    for args in ([str(src)], [str(plain), "-b", f"video:{src}"]):  # (the input, a background video)
        r = run_cli("file", *args, "-o", str(tmp_path / "out.mp4"))
        _one_line_error(r, 2, str(src), "display matrix mirrors it", "ffmpeg -i flipped.mp4 -c:a copy flipped-upright.mp4")
    # piped in: its temporary copy named by neither
    r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "out.mp4")],
                       input=src.read_bytes(), capture_output=True, env=dict(os.environ, PYTHONPATH=str(REPO)),
                       timeout=120)
    assert r.returncode == 2 and r.stderr.decode().endswith(
        "livecut: error: -: the video's display matrix mirrors it (as a front camera's can); livecut turns a video "
        "but does not mirror it: make it as shown first, ffmpeg -i - -c:a copy piped-upright.mkv\n"), r.stderr
    with open(src, "rb") as fh:  # (redirected from the file, read in place: the command names it)
        r = subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(tmp_path / "out.mp4")],
                           stdin=fh, capture_output=True, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
    assert r.returncode == 2 and r.stderr.decode().endswith(
        "livecut: error: -: the video's display matrix mirrors it (as a front camera's can); livecut turns a video "
        "but does not mirror it: make it as shown first, ffmpeg -i flipped.mp4 -c:a copy flipped-upright.mp4\n"), r.stderr
    assert not (tmp_path / "out.mp4").exists()
    turned = _with_display_matrix(plain, tmp_path / "turned.mp4", 0, -1, 1, 0)
    r = run_cli("file", str(turned), "-o", str(tmp_path / "out.mp4"), "-q")
    assert r.returncode == 0, r.stderr
    assert probe(tmp_path / "out.mp4")["rotation"] == 90


@pytest.mark.parametrize("n, said", [(1, "the first frame could not be decoded (the video starts between key "
                                         "frames: a cut or open-GOP clip) and is not in the output"),
                                     (2, "the first 2 frames could not be decoded (the video starts between key "
                                         "frames: a cut or open-GOP clip) and are not in the output")])
def test_one_undecodable_first_frame_is_said_as_one(n, said):
    """'the first 1 frame could not be decoded (...) and are not in the output'."""
    import collections
    import types

    from livecut.runner import Stats, _note_warnings

    stats = Stats()
    stats.lead_dropped = n
    processor = types.SimpleNamespace(states=collections.Counter(), smoother=None, counts=lambda: (0, 0, 0))
    _note_warnings(stats, "/v/cut.ts", object(), [], processor)
    assert stats.warnings == [f"cut.ts: {said}"]


@pytest.mark.parametrize("w, h", [(4001, 17), (17, 3001)])
def test_a_video_too_long_for_its_width_is_said_as_the_video(tmp_path, w, h):
    """A video far longer than it is wide (4001x17, a strip) was refused at its first frame as
    'image is 4001x17: too long for its width ...', naming no video (and calling it an image);
    it is said of the video, before an output is made."""
    src = make_clip(tmp_path / "strip.mkv", w=w, h=h, n=3, codec="ffv1", pix_fmt="yuv420p")
    out = tmp_path / "out.mp4"
    r = run_cli("file", str(src), "-o", str(out))
    assert r.returncode == 2, r.stderr
    assert f"{src}: video is {w}x{h}: too long for its width for segment.method=focusnet" in r.stderr, r.stderr
    assert "image is" not in r.stderr and not out.exists() and list(tmp_path.iterdir()) == [src]


@pytest.mark.parametrize("ext", [".jpg", ".png"])
def test_a_picture_cut_short_is_refused_as_livecut_image_refuses_it(tmp_path, ext):
    """A photo cut short (``head -c 1000 a.jpg``) given to `livecut file` was written as a video
    of one frame, its rest gray, exit 0 (a PNG's was 'FFmpeg finds no frame size in it'), where
    `livecut image` says 'image file is truncated', exit 2: it is refused so, nothing written."""
    import cv2

    whole = tmp_path / f"whole{ext}"
    cv2.imwrite(str(whole), np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8))
    data = whole.read_bytes()
    cuts = {"head": data[:1000]}
    if ext == ".jpg":  # (its end marker put back: libjpeg says its data ends early)
        cuts["marked"] = data[:len(data) // 2] + b"\xff\xd9"
    for name, cut in cuts.items():
        p = tmp_path / f"{name}{ext}"
        p.write_bytes(cut)
        said = run_cli("image", str(p), "-o", str(tmp_path / "o.png")).stderr.strip()
        assert said.startswith(f"livecut: error: {p}: image file is truncated"), said
        r = run_cli("file", str(p), "-o", str(tmp_path / "o.mp4"))
        _one_line_error(r, 2)
        assert r.stderr.strip() == said, r.stderr
        assert not (tmp_path / "o.mp4").exists()
    r = run_cli("file", str(whole), "-o", str(tmp_path / "o.mp4"))
    assert r.returncode == 0 and (tmp_path / "o.mp4").exists(), r.stderr


def _opening_clusters_wiped(src: Path, bad: Path) -> Path:
    """``bad``: the MKV ``src`` zeroed from where its first cluster begins into its second."""
    data = bytearray(src.read_bytes())
    cluster = b"\x1f\x43\xb6\x75"
    first = data.find(cluster)
    second = data.find(cluster, first + 4)
    assert 0 < first < second
    data[first:second + 200] = bytes(second + 200 - first)
    bad.write_bytes(bytes(data))
    return bad


def test_an_mkv_whose_opening_clusters_were_wiped_is_called_partial(tmp_path):
    """An MKV whose first clusters were wiped (zeroed from where its first cluster begins into its
    second): FFmpeg's Matroska demuxer passes over the damage to the next cluster it finds, in
    silence, and the video seemed to start there -- its first second's frames lost without a
    word, exit 0, the last line a whole video's.  The file's index (its Cues) places its first
    frame at 0 s: the frames before the first read are said, and the last line calls the output
    partial.  An undamaged MKV, and one whose video starts at 1 s as written, say nothing."""
    import subprocess

    src = tmp_path / "rec.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                    "-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-g", "25", "-c:a", "aac", str(src)],
                   check=True)
    bad = _opening_clusters_wiped(src, tmp_path / "wiped.mkv")
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out))
    assert r.returncode == 0, r.stderr
    lost = 100 - probe(out)["frames"]
    assert 25 <= lost < 100, r.stderr
    said = [ln for ln in r.stderr.splitlines() if "could not be read" in ln]
    assert said[0].startswith(f"livecut: warning: wiped.mkv: the video's first {lost} of its 100 frames could not be "
                              "read (damaged data where its first clusters were, passed over: its index places its "
                              "first frame at 0.0 s, the first read at "), r.stderr
    assert f", partial: {lost} of the video's 100 frames could not be read, " in r.stderr.splitlines()[-1], r.stderr
    shifted = tmp_path / "late.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=3",
                    "-c:v", "libx264", "-g", "25", "-output_ts_offset", "1", str(shifted)], check=True)
    for whole in (src, shifted):
        r = run_cli("file", str(whole), "-o", str(tmp_path / f"{whole.stem}.mp4"))
        assert r.returncode == 0 and "partial" not in r.stderr and "could not be" not in r.stderr, r.stderr


def test_an_mkv_whose_opening_clusters_were_wiped_is_not_said_to_hold_two_videos(tmp_path):
    """FFmpeg's Matroska demuxer, finding no cluster where its first should begin (wiped), reads
    the header again and makes each track a second stream, which holds no packet: a file of one
    video track was said to hold two, 'has 2 video streams: #0 (160x120, 4.0 s) is cut ... and
    #2 (160x120, 4.0 s) is left out; to cut it, extract it first: ffmpeg -i wiped.mkv -map 0:2
    ...' (a stream with nothing in it).  Its Tracks declare one video track: the copy is no
    video; a file of two video tracks is still said to hold them."""
    import subprocess

    src = tmp_path / "rec.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                    "-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-g", "25", "-c:a", "aac", str(src)],
                   check=True)
    bad = _opening_clusters_wiped(src, tmp_path / "wiped.mkv")
    r = run_cli("file", str(bad), "-o", str(tmp_path / "o.mp4"))
    assert r.returncode == 0, r.stderr
    assert "video streams" not in r.stderr and "extract it" not in r.stderr, r.stderr
    assert "partial: " in r.stderr.splitlines()[-1], r.stderr
    two = tmp_path / "two.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                    "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4", "-map", "0", "-map", "1",
                    "-c:v", "libx264", "-g", "25", str(two)], check=True)
    r = run_cli("file", str(_opening_clusters_wiped(two, tmp_path / "two-wiped.mkv")), "-o", str(tmp_path / "t.mp4"))
    assert r.returncode == 0, r.stderr
    assert "has 2 video streams" in r.stderr, r.stderr


def _piped(path: Path, out: Path) -> subprocess.CompletedProcess:
    """``livecut file - -o out`` with ``path``'s bytes piped in (copied to a temporary file: read as one)."""
    return subprocess.run([sys.executable, "-m", "livecut", "file", "-", "-o", str(out)], input=path.read_bytes(),
                          capture_output=True, text=False, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)


def test_an_mkv_written_to_a_pipe_whose_opening_clusters_were_wiped_is_called_partial(tmp_path):
    """An MKV as ffmpeg writes it to a pipe (``ffmpeg ... -f matroska - | livecut file -``) has no
    index (Cues) to place its first frame: its opening clusters wiped, FFmpeg passed over them to
    the next cluster it found, in silence, the video seeming to start there -- exit 0, the run's
    last line a whole video's, and the frames read first, between key frames, said to be a cut
    clip's.  The damage where its first cluster should begin is known, how many frames it held
    is not: the frames before the first read are said lost, and the last line calls it partial.
    The same stream undamaged says nothing."""
    whole = tmp_path / "piped.mkv"
    with open(whole, "wb") as fh:
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                        "-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-g", "25", "-c:a", "aac",
                        "-f", "matroska", "-"], check=True, stdout=fh)
    data = bytearray(whole.read_bytes())
    assert b"\x1c\x53\xbb\x6b" not in data  # (no Cues: written to a pipe)
    cluster = b"\x1f\x43\xb6\x75"
    first = data.find(cluster)
    second = data.find(cluster, first + 4)
    assert 0 < first < second
    data[first:second + 200] = bytes(second + 200 - first)
    bad = tmp_path / "wiped.mkv"
    bad.write_bytes(bytes(data))
    out = tmp_path / "o.mp4"
    r = _piped(bad, out)
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert probe(out)["frames"] < 100
    said = [ln for ln in err.splitlines() if "could not be read" in ln]
    assert said and said[0].startswith("livecut: warning: -: the video's frames before its first read, at "), err
    assert ("s, could not be read (damaged data where its first clusters were, " in said[0]
            and "KB, passed over; it has no index (Cues), as one written to a pipe: how many frames it held is not "
                "known" in said[0] and said[0].endswith("): the output lacks them")), err
    assert "starts between key frames" not in err and "undecodable" not in err, err
    last = err.splitlines()[-1]
    assert ", partial: the video's frames before " in last and " s could not be read, " in last, err
    r = _piped(whole, tmp_path / "whole.mp4")
    assert r.returncode == 0 and b"partial" not in r.stderr and b"could not be" not in r.stderr, r.stderr


def test_an_mpeg_ts_stream_whose_first_packets_were_zeroed_is_called_partial(tmp_path):
    """An MPEG-TS stream piped in (``ffmpeg ... -f mpegts - | livecut file -``) whose first packets
    after its tables were zeroed: FFmpeg passes over the zeros to the next packet it finds, in
    silence, the video seeming to start there -- exit 0, the run's last line a whole video's,
    and the frames read first, between key frames, said to be a cut clip's.  MPEG-TS has no
    index to count the frames the zeros held: the bytes before the first packet read that are
    no packets are damage, and the frames before the first read are said lost.  The stream
    undamaged says nothing, and one that starts in the middle of a packet (a capture joined
    late, ``tail -c``) is a cut clip still."""
    whole = tmp_path / "rec.ts"
    with open(whole, "wb") as fh:
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                        "-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-g", "25", "-c:a", "aac",
                        "-f", "mpegts", "-"], check=True, stdout=fh)
    data = bytearray(whole.read_bytes())
    assert data[0] == data[188] == data[376] == 0x47
    data[3 * 188:40000] = bytes(40000 - 3 * 188)  # (its tables kept, the packets after them zeroed)
    bad = tmp_path / "zeroed.ts"
    bad.write_bytes(bytes(data))
    out = tmp_path / "o.mp4"
    r = _piped(bad, out)
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert probe(out)["frames"] < 100
    said = [ln for ln in err.splitlines() if "could not be read" in ln]
    assert said and said[0].startswith("livecut: warning: -: the video's frames before its first read, at "), err
    assert ("s, could not be read (damaged data at its start, 39 KB, passed over; MPEG-TS has no index: how many "
            "frames it held is not known" in said[0] and said[0].endswith("): the output lacks them")), err
    assert "starts between key frames" not in err and "undecodable" not in err, err
    last = err.splitlines()[-1]
    assert ", partial: the video's frames before " in last and " s could not be read, " in last, err
    r = _piped(whole, tmp_path / "whole.mp4")
    assert r.returncode == 0 and b"partial" not in r.stderr and b"could not be" not in r.stderr, r.stderr
    late = tmp_path / "late.ts"
    late.write_bytes(whole.read_bytes()[40000 + 100:])
    r = _piped(late, tmp_path / "late.mp4")
    assert r.returncode == 0 and b"partial" not in r.stderr and b"could not be read" not in r.stderr, r.stderr


def _piped_fragments(tmp_path) -> tuple[Path, bytearray, list[int]]:
    """A 4 s fragmented MP4 as ffmpeg writes it to a pipe (``-movflags frag_keyframe+empty_moov -f
    mp4 -``, a fragment a second, 25 frames each): its path, its bytes, and where each of its
    fragments (its moof box) begins."""
    whole = tmp_path / "frag.mp4"
    with open(whole, "wb") as fh:
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                        "-c:v", "libx264", "-g", "25", "-sc_threshold", "0", "-movflags", "frag_keyframe+empty_moov",
                        "-f", "mp4", "-"], check=True, stdout=fh)
    data = bytearray(whole.read_bytes())
    at = [data.find(b"moof")]
    while (nxt := data.find(b"moof", at[-1] + 4)) >= 0:
        at.append(nxt)
    return whole, data, [a - 4 for a in at]


def test_a_fragmented_mp4_whose_first_fragment_was_wiped_says_what_is_there_unread(tmp_path):
    """A fragmented MP4 as ffmpeg writes it to a pipe (``-movflags frag_keyframe+empty_moov -f mp4
    -``) whose first fragment was wiped (zeroed into the second's header): FFmpeg's demuxer takes
    the box of zeros to run to the file's end and reads nothing past it.  It was 'the video has
    no frames', of a stream whose last two fragments, 50 of its 100 frames, are all there: the
    damage is said, and what lies past it unread.  The stream undamaged is read whole."""
    whole, data, fragments = _piped_fragments(tmp_path)
    first, second, third = fragments[:3]  # (third: where FFmpeg could read on)
    assert 0 < first < second < third
    data[first:second + 200] = bytes(second + 200 - first)
    bad = tmp_path / "wiped.mp4"
    bad.write_bytes(bytes(data))
    r = _piped(bad, tmp_path / "o.mp4")
    assert r.returncode == 2 and r.stderr.decode() == (
        f"livecut: error: -: no frame of the video could be read: damaged data where its first fragment should begin "
        f"({(third - first) / 1024:.0f} KB from byte {first}), which FFmpeg does not read past; the 2 fragments after it, 50 frames, are there but unread\n"), \
        r.stderr
    assert not (tmp_path / "o.mp4").exists()
    r = _piped(whole, tmp_path / "whole.mp4")
    assert r.returncode == 0 and probe(tmp_path / "whole.mp4")["frames"] == 100, r.stderr


def test_a_fragmented_mp4_whose_second_fragment_was_wiped_ends_early_with_the_rest_unread(tmp_path):
    """A fragmented MP4 as ffmpeg writes it to a pipe whose second fragment was wiped (zeroed
    into the third's header): FFmpeg's demuxer takes the box of zeros to run to the file's end
    and reads nothing past it -- and, the stream stating no count of its frames (FFmpeg's the
    fragment read's), the video seemed whole: 25 of its 100 frames written, exit 0, nothing
    said.  The fourth fragment, 25 frames, is all there past the damage: the video ends early,
    exit 3, the output holding what was read.  The stream undamaged is read whole."""
    whole, data, fragments = _piped_fragments(tmp_path)
    second, third, fourth = fragments[1:4]
    assert 0 < second < third < fourth
    data[second:third + 200] = bytes(third + 200 - second)
    bad = tmp_path / "wiped.mp4"
    bad.write_bytes(bytes(data))
    out = tmp_path / "o.mp4"
    r = _piped(bad, out)
    assert r.returncode == 3 and r.stderr.decode().splitlines()[-1] == (
        f"livecut: error: -: the video ends early (damaged data at byte {second}, {(fourth - second) / 1024:.0f} KB, "
        f"which FFmpeg does not read past; the fragment after it, 25 frames, is there but unread): 25 frames "
        f"written, more expected; {out} holds the 25 frames written"), r.stderr
    assert probe(out)["frames"] == 25
    r = _piped(whole, tmp_path / "whole.mp4")
    assert r.returncode == 0 and probe(tmp_path / "whole.mp4")["frames"] == 100, r.stderr


def test_a_fragmented_mp4_wiped_from_inside_a_fragments_data_ends_early_with_the_rest_unread(tmp_path):
    """A fragmented MP4 as ffmpeg writes it to a pipe wiped from the middle of its second
    fragment's data into its third's header: FFmpeg reads the second fragment's zeroed frames as
    corrupt packets and reads nothing past the box of zeros.  It was '21 of the video's 50 frames
    could not be read (damaged data in the middle, skipped)', exit 0, of a stream of 100 whose
    fourth fragment, 25 frames, is all there past the damage, unread: the video ends early, exit
    3, as where the wipe begins at a fragment's start, the output holding what was read."""
    whole, data, fragments = _piped_fragments(tmp_path)
    second, third, fourth = fragments[1:4]
    assert 0 < second < third < fourth
    middle = (second + third) // 2  # (in the second fragment's frames: its mdat)
    data[middle:third + 200] = bytes(third + 200 - middle)
    bad = tmp_path / "wiped.mp4"
    bad.write_bytes(bytes(data))
    out = tmp_path / "o.mp4"
    r = _piped(bad, out)
    err = r.stderr.decode()
    assert r.returncode == 3, err
    written = probe(out)["frames"]
    assert 25 < written < 50, err
    assert err.splitlines()[-1] == (
        f"livecut: error: -: the video ends early (damaged data at byte {third}, {(fourth - third) / 1024:.0f} KB, "
        f"which FFmpeg does not read past; the fragment after it, 25 frames, is there but unread): {written} frames "
        f"written, more expected; {out} holds the {written} frames written"), err


def test_a_fragmented_mp4_whose_end_was_wiped_ends_early(tmp_path):
    """A fragmented MP4 (``ffmpeg ... -movflags frag_keyframe+empty_moov in.mp4``, a camera's or
    OBS's recording) whose last 30 % were wiped to its end (zeroed: a recording cut off by a
    crash, padded by the file system): FFmpeg reads the last fragment's zeroed frames as corrupt
    packets and nothing past the box of zeros, and the stream states no count of its frames --
    it was 75 of a recording's 100 frames written, exit 0, nothing said (or, the zeros begun
    further inside a fragment's frames, '6 of the video's 75 frames could not be read (damaged
    data in the middle, skipped)'), the fragment the zeros held lost without a word.  The video
    ends early, exit 3, as a later fragment's wipe, the zeros said and the output holding what
    was read.  Zeros after its whole last box (a preallocated file's) say nothing, as before."""
    whole = tmp_path / "frag.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                    "-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-g", "25", "-sc_threshold", "0",
                    "-c:a", "aac", "-movflags", "frag_keyframe+empty_moov", str(whole)], check=True)
    data = whole.read_bytes()
    cut = len(data) * 7 // 10
    where = len(data[:cut].rstrip(b"\0"))  # (where the zeros begin)
    bad = tmp_path / "wiped.mp4"
    bad.write_bytes(data[:cut] + bytes(len(data) - cut))
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out))
    assert r.returncode == 3, r.stderr
    written = probe(out)["frames"]
    assert 25 <= written < 90, r.stderr
    assert r.stderr.splitlines()[-1] == (
        f"livecut: error: {bad}: the video ends early (damaged data from byte {where} to the file's end, "
        f"{(len(data) - where) / 1024:.0f} KB of zeros, which FFmpeg does not read past: how many frames it held is "
        f"not known): {written} frames written, more expected; {out} holds the {written} frames written"), r.stderr
    padded = tmp_path / "padded.mp4"  # (a preallocated file's zeros, after its last box)
    padded.write_bytes(data + bytes(100_000))
    r = run_cli("file", str(padded), "-o", str(tmp_path / "padded-o.mp4"))
    assert r.returncode == 0 and "could not be" not in r.stderr and "partial" not in r.stderr, r.stderr
    assert probe(tmp_path / "padded-o.mp4")["frames"] == 100


def test_a_preallocated_fragmented_mov_ending_in_silence_is_whole(tmp_path):
    """A fragmented MOV (``-movflags frag_keyframe+empty_moov``, as a recorder writes it) whose
    PCM audio ends in silence -- its last fragment's data ending in zeros after its video's --
    with zeros after its whole last box (a preallocated file's) is whole: it was 'the video ends
    early (damaged data from byte N to the file's end, ... of zeros, which FFmpeg does not read
    past ...)', exit 3, all its frames written, as a wiped end.  Zeros begun inside the video's
    data read (a wipe) are still said."""
    whole = tmp_path / "rec.mov"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                    "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=4", "-c:v", "libx264", "-g", "25",
                    "-sc_threshold", "0", "-c:a", "pcm_s16le", "-movflags", "frag_keyframe+empty_moov+skip_trailer",
                    "-f", "mov", str(whole)], check=True)
    data = whole.read_bytes()
    assert data.endswith(bytes(1000))  # (its silence, the last fragment's data)
    padded = tmp_path / "padded.mov"
    padded.write_bytes(data + bytes(100_000))
    r = run_cli("file", str(padded), "-o", str(tmp_path / "padded-o.mp4"))
    assert r.returncode == 0 and not _damage_said(r.stderr), r.stderr
    assert probe(tmp_path / "padded-o.mp4")["frames"] == 100
    # (a wipe begun inside the last fragment's video data: its frames in the zeros)
    mdat = data.rindex(b"mdat") + 4
    bad = tmp_path / "wiped.mov"
    where = _wiped_end(whole, bad, mdat + 2000)
    r = run_cli("file", str(bad), "-o", str(tmp_path / "wiped-o.mp4"))
    assert r.returncode == 3 and f"damaged data from byte {where} to the file's end" in r.stderr, r.stderr


def test_a_padded_mpeg_ts_file_whose_last_packet_ends_in_silence_is_whole(tmp_path):
    """An MPEG-TS recording whose last packet, the end of an audio PES (SMPTE 302M silence, as a
    broadcast recording's), ends in zeros, padded with zeros after its whole packets (a
    preallocated file's): it was 'the video ends early (damaged data from byte N to the file's
    end, ... of zeros: how many frames it held is not known)', exit 3, all its frames written --
    the zeros taken to begin inside a packet, a wipe's.  It is whole, no word said; a wipe begun
    inside a packet whose PES goes on is still said."""
    whole = tmp_path / "rec.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                    "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=4.5", "-c:v", "libx264", "-g", "25",
                    "-c:a", "s302m", "-strict", "-2", "-f", "mpegts", str(whole)], check=True)
    data = whole.read_bytes()
    assert len(data) % 188 == 0 and len(data) - 188 < len(data.rstrip(b"\0")) < len(data) - 16  # (its silence)
    padded = tmp_path / "padded.ts"
    padded.write_bytes(data + bytes(20_000))
    r = run_cli("file", str(padded), "-o", str(tmp_path / "padded-o.mp4"))
    assert r.returncode == 0 and not _damage_said(r.stderr), r.stderr
    assert probe(tmp_path / "padded-o.mp4")["frames"] == 100
    bad = tmp_path / "wiped.ts"  # (zeros from a sector's start in the middle of a packet of the video, to the end)
    video = [o for o in range(len(data) * 6 // 10 // 512 * 512, len(data), 512)
             if o % 188 > 40 and int.from_bytes(data[o - o % 188 + 1:o - o % 188 + 3], "big") & 0x1FFF == 0x100][0]
    where = _wiped_end(whole, bad, video)
    r = run_cli("file", str(bad), "-o", str(tmp_path / "wiped-o.mp4"))
    assert r.returncode == 3 and f"damaged data from byte {where} to the file's end" in r.stderr, r.stderr



def test_a_padded_mpeg_ts_file_whose_last_video_packet_ends_in_zeros_is_whole(tmp_path):
    """A constant-rate MPEG-TS recording (``-muxrate``, null packets among its own, as a
    broadcast recorder's) whose last packet, the end of its video's last frame, ends in zeros (the
    frame's trailing zero bytes, H.264's trailing_zero_8bits), padded with zeros after its whole
    packets: it was 'the video ends early (damaged data from byte N to the file's end, ... of
    zeros: how many frames it held is not known): 100 frames written, more expected', exit 3, of
    a file ffmpeg plays whole -- the zeros taken for a wipe begun inside a packet, though no
    sector of the file starts in them.  It is whole, no word said; a wipe begun at a sector's
    start inside a packet is still said."""
    src = tmp_path / "cbr.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                    "-f", "lavfi", "-i", "sine=duration=3.5", "-c:v", "libx264", "-g", "25", "-c:a", "mp2",
                    "-f", "mpegts", "-muxrate", "1500000", str(src)], check=True)
    data = bytearray(src.read_bytes())
    pids = [int.from_bytes(data[o + 1:o + 3], "big") & 0x1FFF for o in range(0, len(data), 188)]
    assert 0x1FFF in pids  # (its null packets)
    last = max(i for i, pid in enumerate(pids) if pid == 0x100) * 188
    data = data[:last + 188]  # (its video's last packet the file's last)
    # (a packet more of the last frame's PES, which states no length: 173 bytes of stuffing, then
    # the frame's 10 trailing zero bytes)
    header = bytes([0x47, data[last + 1] & 0x1F, data[last + 2], 0x30 | (data[last + 3] + 1) & 0xF])
    data += header + bytes([173, 0]) + b"\xff" * 172 + bytes(10)
    null = b"\x47\x1f\xff\x10" + b"\xff" * 184
    zeros, end = len(data.rstrip(b"\0")), len(data)
    lead = next(k for k in range(8) if -(-(zeros + 188 * k) // 512) * 512 >= end + 188 * k)
    data = null * lead + data  # (no sector's start in the frame's zeros: see TS_WIPE_BLOCK)
    assert len(data.rstrip(b"\0")) % 188 and len(data) % 188 == 0
    whole = tmp_path / "whole.ts"
    whole.write_bytes(bytes(data))
    padded = tmp_path / "padded.ts"
    padded.write_bytes(bytes(data) + bytes(20_000))
    for f in (whole, padded):
        r = run_cli("file", str(f), "-o", str(tmp_path / f"{f.stem}-o.mp4"))
        assert r.returncode == 0 and not _damage_said(r.stderr), r.stderr
        assert probe(tmp_path / f"{f.stem}-o.mp4")["frames"] == 100
    bad = tmp_path / "wiped.ts"  # (zeros from a sector's start inside a packet of the video, to the end)
    cut = next(k * 512 for k in range(len(data) * 6 // 10 // 512, len(data) // 512)
               if (k * 512) % 188 > 40 and pids[(k * 512 - 188 * lead) // 188] == 0x100)
    where = _wiped_end(whole, bad, cut)
    r = run_cli("file", str(bad), "-o", str(tmp_path / "wiped-o.mp4"))
    assert r.returncode == 3 and f"damaged data from byte {where} to the file's end" in r.stderr, r.stderr

def _damage_said(err: str) -> bool:
    """Whether livecut's ``err`` says the input is damaged, lacks frames or ends early."""
    return any(w in err for w in ("damaged", "could not be", "partial", "ends early", "expected"))


def _wiped_end(whole: Path, bad: Path, cut: int) -> int:
    """``bad``: ``whole`` with its bytes from ``cut`` zeroed to its end; where its zeros begin."""
    data = whole.read_bytes()
    bad.write_bytes(data[:cut] + bytes(len(data) - cut))
    return len(data[:cut].rstrip(b"\0"))


def test_an_mp4_with_its_index_at_its_start_whose_end_was_wiped_ends_early(tmp_path):
    """An MP4 with its index at its start (``ffmpeg ... -movflags +faststart``) whose last 30 %
    were wiped to its end (zeroed: a recording cut off by a crash, padded by the file system):
    FFmpeg reads the zeros as the frames its index places there, none of which decodes -- it was
    '30 of the video's 100 frames could not be read (damaged data in the middle, skipped)',
    partial, exit 0, of damage that runs to the file's end.  The video ends early, exit 3, as a
    fragmented MP4's wiped end, the zeros said and the output holding what was read; the whole
    file, its audio beside its video, is complete, no word said."""
    whole = tmp_path / "fast.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                    "-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-g", "25", "-sc_threshold", "0",
                    "-c:a", "aac", "-movflags", "+faststart", str(whole)], check=True)
    r = run_cli("file", str(whole), "-o", str(tmp_path / "whole-o.mp4"))
    assert r.returncode == 0 and not _damage_said(r.stderr), r.stderr
    size = whole.stat().st_size
    bad = tmp_path / "wiped.mp4"
    where = _wiped_end(whole, bad, size * 7 // 10)
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out))
    assert r.returncode == 3, r.stderr
    written = probe(out)["frames"]
    assert 50 <= written < 90, r.stderr
    assert "in the middle" not in r.stderr, r.stderr
    assert r.stderr.splitlines()[-1] == (
        f"livecut: error: {bad}: the video ends early (damaged data from byte {where} to the file's end, "
        f"{(size - where) / 1024:.0f} KB of zeros): {written} frames written, 100 expected; {out} holds the "
        f"{written} frames written"), r.stderr


@pytest.mark.parametrize("boundary", [False, True])
def test_an_mpeg_ts_file_whose_end_was_wiped_ends_early(tmp_path, boundary):
    """An MPEG-TS file whose last 30 % were wiped to its end (zeroed: a recording cut off by a
    crash, padded by the file system), from inside a packet or at a packet's start: FFmpeg finds
    no packet in the zeros and takes the file's length from the timestamps left -- it was 74 of
    its 100 frames written, exit 0, nothing said.  The video ends early, exit 3, as a fragmented
    MP4's wiped end, the zeros said and the output holding what was read.  Zeros begun at a
    packet's start cannot be told from a padded or preallocated recording's (whole packets, then
    zeros) and are said nothing, as a fragmented MP4's zeros after a whole box.  The whole file,
    its audio beside its video, is complete, and so is one that ends with null packets (PID
    0x1FFF, padding: 0x47 1F FF, their payload 0xFF, or zeros), no word said."""
    whole = tmp_path / "rec.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                    "-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-g", "25", "-sc_threshold", "0",
                    "-c:a", "aac", str(whole)], check=True)
    size = whole.stat().st_size
    cut = size * 7 // 10 // 512 * 512  # (a wipe begins at a sector's start: see TS_WIPE_BLOCK)
    cut -= cut % 188 if boundary else 0
    bad = tmp_path / "wiped.ts"
    where = _wiped_end(whole, bad, cut)
    assert (where % 188 == 0) == boundary
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out))
    written = probe(out)["frames"]
    assert 50 <= written < 90, r.stderr
    if boundary:  # (a padded recording's zeros, as far as can be told)
        assert r.returncode == 0 and not _damage_said(r.stderr), r.stderr
        return
    assert r.returncode == 3, r.stderr
    assert r.stderr.splitlines()[-1] == (
        f"livecut: error: {bad}: the video ends early (damaged data from byte {where} to the file's end, "
        f"{(size - where) / 1024:.0f} KB of zeros: how many frames it held is not known): {written} frames written, "
        f"more expected; {out} holds the {written} frames written"), r.stderr
    data = whole.read_bytes()
    for payload in (b"\xff", b"\0"):  # (50 null packets, 9 KB, after the whole file)
        nulls = tmp_path / f"nulls-{payload.hex()}.ts"
        nulls.write_bytes(data + (b"\x47\x1f\xff\x10" + payload * 184) * 50)
        for src in (whole, nulls) if payload == b"\xff" else (nulls,):
            r = run_cli("file", str(src), "-o", str(tmp_path / f"{src.stem}-o.mp4"))
            assert r.returncode == 0 and not _damage_said(r.stderr), r.stderr
            assert probe(tmp_path / f"{src.stem}-o.mp4")["frames"] == 100


def test_an_mpeg_ts_file_damaged_in_the_middle_whose_end_was_wiped_says_both(tmp_path):
    """An MPEG-TS file with a stretch of zeros in its middle and its end wiped (zeroed from inside
    a packet to the file's end): it said only the end, 'the video ends early ... zeros', exit 3,
    the frames the middle stretch held lost without a word -- the file with the middle damage
    alone says them ('24 of the video's 200 frames could not be read (damaged data in the
    middle, skipped)').  Both are said, the middle's frames counted among those before the zeros
    (how many the zeros held is not known); exit 3 still."""
    whole = tmp_path / "rec.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=8",
                    "-f", "lavfi", "-i", "sine=duration=8", "-c:v", "libx264", "-g", "25", "-sc_threshold", "0",
                    "-c:a", "aac", str(whole)], check=True)
    data = bytearray(whole.read_bytes())
    size = len(data)
    a, b = size * 3 // 10 + 37, size * 3 // 10 + 37 + size // 8
    data[a:b] = bytes(b - a)
    middle = tmp_path / "middle.ts"
    middle.write_bytes(bytes(data))
    r = run_cli("file", str(middle), "-o", str(tmp_path / "m.mp4"))
    assert r.returncode == 0, r.stderr
    said = [ln for ln in r.stderr.splitlines() if "(damaged data in the middle, skipped)" in ln]
    assert len(said) == 1 and said[0].startswith("livecut: warning: middle.ts: "), r.stderr
    lost = int(said[0].split("middle.ts: ")[1].split(" of ")[0])
    assert 10 <= lost <= 40, r.stderr
    bad = tmp_path / "both.ts"
    where = _wiped_end(middle, bad, size * 8 // 10 // 512 * 512)  # (at a sector's start)
    assert where % 188 and where > b, where
    out = tmp_path / "o.mp4"
    r = run_cli("file", str(bad), "-o", str(out))
    written = probe(out)["frames"]
    assert r.returncode == 3, r.stderr
    lines = r.stderr.splitlines()
    assert lines[-1] == (
        f"livecut: error: {bad}: the video ends early (damaged data from byte {where} to the file's end, "
        f"{(size - where) / 1024:.0f} KB of zeros: how many frames it held is not known): {written} frames written, "
        f"more expected; {out} holds the {written} frames written"), r.stderr
    said = [ln for ln in lines if "(damaged data in the middle, skipped)" in ln]
    assert len(said) == 1 and said[0].startswith("livecut: warning: both.ts: "), r.stderr
    assert said[0].endswith(" frames before the zeros at its end could not be read (damaged data in the middle, "
                            "skipped): the output lacks them"), r.stderr
    assert abs(int(said[0].split("both.ts: ")[1].split(" of ")[0]) - lost) <= 2, (lost, r.stderr)


def test_frames_an_mpeg_ts_stream_lost_after_its_first_packet_was_zeroed_are_all_said(tmp_path):
    """An MPEG-TS stream whose packets were zeroed just after its first video packet: FFmpeg
    reads that one (its frame cut off), passes over the zeros, and the frames read after them,
    up to a key frame, cannot be decoded -- they were said to be a cut clip's ('the video
    starts between key frames: a cut or open-GOP clip'), not in the run's last line's partial,
    which counted the stretch alone (29 of 50 lost).  Zeros that are no packets before the first
    frame are damage: every frame lost is said.  A stream that starts in the middle of a packet
    (a capture joined late) is a cut clip still."""
    whole = tmp_path / "rec.ts"
    with open(whole, "wb") as fh:
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                        "-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-g", "25", "-c:a", "aac",
                        "-f", "mpegts", "-"], check=True, stdout=fh)
    data = bytearray(whole.read_bytes())
    first = next(k for k in range(20) if data[k * 188 + 1] == 0x41 and data[k * 188 + 2] == 0)  # (PID 0x100's start)
    data[(first + 1) * 188:40000] = bytes(40000 - (first + 1) * 188)
    bad = tmp_path / "zeroed.ts"
    bad.write_bytes(bytes(data))
    out = tmp_path / "o.mp4"
    r = _piped(bad, out)
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert "starts between key frames" not in err and "undecodable" not in err, err
    lost = [int(w) for w in err.splitlines()[-1].split(", partial: ")[1].split(" could not be read")[0].split()
            if w.isdigit() and w != "100"]
    assert sum(lost) == 100 - probe(out)["frames"], err
    late = tmp_path / "late.ts"
    late.write_bytes(whole.read_bytes()[1000:])
    r = _piped(late, tmp_path / "late.mp4")
    assert r.returncode == 0 and b"starts between key frames" in r.stderr and b"partial" not in r.stderr, r.stderr


def test_an_mpeg_ts_stream_zeroed_after_its_first_packet_says_its_first_frames_lost(tmp_path):
    """An MPEG-TS stream whose packets were zeroed just after its first video packet lost its
    first 50 frames: it was said as '29 of the video's 100 frames could not be read (damaged data
    in the middle, skipped)' and 'the video's first 21 frames could not be read', frames 29 to 49
    (the 29 lost to the zeros came before them).  They are the video's first frames, said as
    one; damage in the middle as well is said apart, the counts adding up to those lost."""
    whole = tmp_path / "rec.ts"
    with open(whole, "wb") as fh:
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=4",
                        "-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-g", "25", "-c:a", "aac",
                        "-f", "mpegts", "-"], check=True, stdout=fh)
    data = bytearray(whole.read_bytes())
    first = next(k for k in range(20) if data[k * 188 + 1] == 0x41 and data[k * 188 + 2] == 0)  # (PID 0x100's start)
    data[(first + 1) * 188:40000] = bytes(40000 - (first + 1) * 188)
    bad = tmp_path / "zeroed.ts"
    bad.write_bytes(bytes(data))
    r = _piped(bad, tmp_path / "o.mp4")
    err = r.stderr.decode()
    lost = 100 - probe(tmp_path / "o.mp4")["frames"]
    assert r.returncode == 0 and lost > 30, err
    assert f"-: the video's first {lost} frames could not be read (damaged data at its start" in err, err
    assert "in the middle" not in err and f"partial: the video's first {lost} frames could not be read," in err, err
    at = (len(data) * 7 // 10) // 188 * 188 + 14 * 188
    data[at:at + 30000] = bytes(30000)  # (and a stretch in the middle)
    bad.write_bytes(bytes(data))
    r = _piped(bad, tmp_path / "both.mp4")
    err = r.stderr.decode()
    assert r.returncode == 0, err
    middle = int(err.split(" of the video's 100 frames could not be read (damaged data in the middle")[0].split()[-1])
    assert f"-: the video's first {lost} frames could not be read" in err, err
    assert lost + middle == 100 - probe(tmp_path / "both.mp4")["frames"], err



def _non_adts_packets(path: Path) -> int:
    """How many of the packets FFmpeg's demuxer reads of ``path``'s audio (AAC in MPEG-TS) are
    neither flagged corrupt nor an ADTS frame."""
    import av

    with av.open(str(path)) as c:
        return sum(1 for p in c.demux(c.streams.audio[0])
                   if p.size and not p.is_corrupt and (bytes(p)[:2] != b"\xff\xf1" and bytes(p)[:2] != b"\xff\xf9"))


def _audio_damaged(src: Path, dst: Path, how: str) -> None:
    """``src`` (MPEG-TS, AAC audio) copied to ``dst`` with its audio damaged so that the demuxer
    reads a packet of it that is no ADTS frame, not flagged corrupt: ``header``, the ADTS header
    of the frame that opens its audio's tenth PES packet zeroed; ``stretch``, 30 KB zeroed in
    the middle, ending 550 bytes before an audio PES packet's start -- the first, from the file's
    middle on, where it gives such a packet (where the zeros land in the PES packet they cut
    decides it)."""
    import av

    with av.open(str(src)) as c:
        pid = c.streams.audio[0].id
    data = bytes(src.read_bytes())
    starts = [o for o in range(0, len(data), 188) if data[o] == 0x47 and data[o + 1] & 0x40
              and ((data[o + 1] & 0x1F) << 8 | data[o + 2]) == pid]
    if how == "header":
        o = starts[10]
        at = o + 4 + (1 + data[o + 4] if data[o + 3] & 0x20 else 0)  # (past the adaptation field)
        assert data[at:at + 3] == b"\0\0\1"
        at += 9 + data[at + 8]  # (past the PES header)
        assert data[at] == 0xFF and data[at + 1] & 0xF0 == 0xF0
        damaged = bytearray(data)
        damaged[at:at + 7] = bytes(7)
        dst.write_bytes(bytes(damaged))
        assert _non_adts_packets(dst) == 1
        return
    for o in starts:
        if o - 30550 < len(data) // 3:
            continue
        damaged = bytearray(data)
        damaged[o - 30550:o - 550] = bytes(30000)
        dst.write_bytes(bytes(damaged))
        if _non_adts_packets(dst):
            return
    raise AssertionError("no stretch of zeros gave a packet that is no ADTS frame")


@pytest.mark.parametrize("how, ext", [("stretch", ".mp4"), ("stretch", ".mkv"), ("header", ".mp4")])
def test_an_mpeg_ts_file_whose_audio_was_damaged_is_cut_without_the_damaged_packet(tmp_path, how, ext):
    """An MPEG-TS file (AAC audio) with 30 KB zeroed in the middle (or one audio frame's ADTS
    header zeroed): the demuxer reads a packet of audio that is no ADTS frame, which the
    bitstream filter taking ADTS to MP4's or Matroska's AAC refused, and the run failed, 'write
    failed (Invalid data found when processing input)', exit 1, nothing written.  The packet is
    left out and said in one line; the frames the zeros took are said as before."""
    whole = tmp_path / "rec.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4",
                    "-f", "lavfi", "-i", "sine=duration=4:sample_rate=48000", "-c:v", "libx264", "-g", "25",
                    "-c:a", "aac", "-b:a", "256k", "-f", "mpegts", str(whole)], check=True)
    bad = tmp_path / "in.ts"
    _audio_damaged(whole, bad, how)
    out = tmp_path / ("o" + ext)
    r = run_cli("file", str(bad), "-o", str(out))
    err = r.stderr
    assert r.returncode == 0, err
    said = [ln for ln in err.splitlines() if "could not be copied" in ln]
    assert said == ["livecut: warning: audio stream 1 (aac): 1 damaged packet could not be copied and was left "
                    "out (the sound has a gap there)"], err
    assert "write failed" not in err, err
    last = err.splitlines()[-1]
    assert (", partial: " in last and " frames could not be read" in last) == (how == "stretch"), err
    p = probe(out)
    assert 0 < p["frames"] <= 100 and p["audio"] == ["aac"], p
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(["rec.ts", "in.ts", out.name])
