"""The help pages read like a well-kept CLI's: no type placeholders, plain usage lines,
choices and defaults shown, options grouped; usage errors are one line."""

from __future__ import annotations

import os
import re

import pytest
from typer.testing import CliRunner

from livecut.cli import app
from livecut.composite import MODES
from livecut.config import load_config

COMMANDS = ["image", "batch", "eval", "bench", "methods", "devices", "cam", "file", "run"]
runner = CliRunner()


def help_of(*args: str) -> str:
    r = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    return r.stdout


@pytest.mark.parametrize("cmd", [None, *COMMANDS])
def test_no_type_placeholders_and_a_plain_usage_line(cmd):
    text = help_of(*([cmd] if cmd else []))
    for junk in ("<bool>", "<str>", "<int", "<float>", "<path>", "list[", "x>=", "{"):
        assert junk not in text, f"{junk!r} in `livecut {cmd or ''} --help`"
    usage = text.splitlines()[0]
    assert usage.startswith(f"Usage: livecut {cmd + ' ' if cmd else ''}[OPTIONS]"), usage
    assert re.fullmatch(r"Usage: [\w .\-\[\]|=]+", usage), usage


def test_usage_lines_name_arguments_in_capitals():
    assert help_of("image").splitlines()[0] == "Usage: livecut image [OPTIONS] -o OUTDIR INPUT..."
    assert help_of("cam").splitlines()[0] == "Usage: livecut cam [OPTIONS] [INDEX]"
    assert help_of("run").splitlines()[0] == "Usage: livecut run [OPTIONS] SOURCE"
    assert help_of("eval").splitlines()[0] == "Usage: livecut eval [OPTIONS] IMAGES [MASKS]"
    assert help_of("batch").splitlines()[0] == "Usage: livecut batch [OPTIONS] -o OUTDIR [INPUT...]"


@pytest.mark.parametrize("cmd", ["file", "cam", "run"])
def test_video_help_lists_choices_and_the_configs_defaults(cmd):
    text = " ".join(help_of(cmd).replace("│", " ").split())
    cfg = load_config()
    # (the default is -c's and --set's, which the help cannot know: it was said to be the built-in one)
    assert f"[default: the configuration's composite.mode ({cfg.composite.mode} in default.toml)]" in text
    assert (f"[default: the configuration's composite.background ({cfg.composite.background} "
            "in default.toml)]") in text
    if cmd == "run":
        assert (f"[default: the configuration's video.rtsp_transport ({cfg.video.rtsp_transport} "
                "in default.toml)]") in text
    for mode in MODES:
        assert mode in text
    for panel in ("Input", "Output", "Preview and virtual camera", "Configuration"):
        assert f"─ {panel} ─" in text


def test_options_only_where_they_apply():
    assert "--rtsp-transport" not in help_of("cam") and "--rtsp-transport" not in help_of("file")
    assert "--rtsp-transport" in help_of("run")
    assert "--pace" not in help_of("cam") and "--no-pace" in help_of("file")


def test_root_help_groups_commands_and_shows_examples():
    text = help_of()
    for panel in ("Video", "Still images", "Measure", "Information"):
        assert f"─ {panel} ─" in text
    assert text.index("─ Video ─") < text.index("─ Still images ─")
    assert "Examples:" in text


@pytest.mark.parametrize("args, needle", [(["file"], "Missing argument 'INPUT'"),
                                          (["bogus"], "No such command"),
                                          (["file", "x.mp4", "--bogus"], "No such option"),
                                          # (accepted before, the run used 1 thread / ignored --clip)
                                          (["bench", "--threads", "0"], "--threads"),
                                          (["bench", "-n", "-3"], "--frames"),
                                          (["bench", "--clip", "nowhere.mp4"], "--clip is the video of")])
def test_usage_errors_are_one_line(args, needle):
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("livecut: error: ") and needle in lines[0], r.stderr


@pytest.mark.parametrize("word, meant", [("IMAGE", "image"), ("BATCH", "batch"), ("File", "file"), ("fiel", "file")])
def test_a_command_in_capitals_is_answered_with_the_command(word, meant):
    """`livecut IMAGE ...` (caps lock) said "No such command 'IMAGE'." alone, where 'File' was
    answered "Did you mean 'file'?": a command in other case is suggested as well."""
    r = runner.invoke(app, [word, "x.jpg"])
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.exit_code == 2 and len(lines) == 1, r.stderr
    assert f"No such command '{word}'. Did you mean '{meant}'?" in lines[0], lines


@pytest.mark.parametrize("args", [["eval", "imgs", "masks", "--method", "canny"], ["bench", "--method", "canny"]])
def test_a_method_flag_is_answered_with_the_way_to_choose_one(args):
    """`livecut eval ... --method canny` said 'No such option: --method (Possible options:
    --set)', and `livecut methods` listed the methods without saying how to choose one."""
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "--set segment.method=NAME" in lines[0], r.stderr
    assert "--set segment.method=NAME" in runner.invoke(app, ["methods"]).stdout


@pytest.mark.parametrize("args, said", [
    (["file", "in.mp4", "-o", "out.mp4", "--preset", "fast"], "-c NAME (default, fast, quality)"),
    (["file", "in.mp4", "-o", "out.mp4", "--crf", "18"], "--set video.crf=VALUE"),
    (["image", "a.jpg", "-o", "cut", "--threshold", "0.5"], "--set segment.threshold=VALUE"),
    (["bench", "--work-size", "256"], "--set segment.work_size=VALUE")])
def test_an_option_named_after_a_preset_or_a_key_is_answered_with_the_way_to_it(args, said):
    """`livecut file in.mp4 -o out.mp4 --preset fast` said 'No such option: --preset (Possible
    options: --frames, --preview, --set)', and `--crf 18` pointed at --config alone."""
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and said in lines[0], r.stderr
    assert "--set" not in runner.invoke(app, ["devices", "--preset", "x"]).stderr  # (takes no --set)


@pytest.mark.parametrize("args", [["file", "-clip.mp4", "-o", "out.mp4"], ["image", "-pic.jpg", "-o", "cut/"],
                                  ["run", "-clip.mp4", "-o", "out.mp4"]])
def test_a_file_named_with_a_leading_dash_is_answered_with_the_way_to_it(tmp_path, monkeypatch, args):
    """`livecut file -clip.mp4 -o out.mp4` read -c lip.mp4 and said "Missing argument 'INPUT'",
    `livecut image -pic.jpg -o cut/` "No such option: -p", naming no file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / args[1]).write_bytes(b"x")
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"name it ./{args[1]}" in lines[0], r.stderr
    (tmp_path / args[1]).unlink()  # (no such file: nothing said of it)
    assert "name it" not in runner.invoke(app, args).stderr


def test_a_help_page_piped_into_a_pager_fits_the_terminal(monkeypatch):
    """`livecut file --help | less` on an 80-column terminal (COLUMNS not exported, as a shell
    keeps it) was drawn 100 wide, its boxes broken: the width is standard error's terminal's."""
    def size(fd=1):
        if fd != 2:  # (standard output a pipe, standard input none)
            raise OSError("not a terminal")
        return os.terminal_size((80, 24))

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(os, "get_terminal_size", size)
    r = runner.invoke(app, ["file", "--help"], env={"COLUMNS": None})
    assert r.exit_code == 0, r.output
    assert max(map(len, r.stdout.splitlines())) == 80, r.stdout
    # (COLUMNS=0 says no width, as where it is unset: the page was drawn 60 wide)
    r = runner.invoke(app, ["file", "--help"], env={"COLUMNS": "0"})
    assert r.exit_code == 0 and max(map(len, r.stdout.splitlines())) == 80, r.stdout


@pytest.mark.parametrize("args, said", [
    (["-c", "fast", "file", "in.mp4", "-o", "out.mp4"], "-c is an option of livecut file: give it after the command"),
    (["--json", "eval", "imgs", "masks"], "--json is an option of livecut eval"),
    (["-q", "image", "a.jpg", "-o", "cut/"], "-q is an option of livecut image")])
def test_an_option_before_the_command_is_answered_with_where_it_goes(args, said):
    """`livecut -c fast file in.mp4 -o out.mp4` said "No such option: -c", as if there were none."""
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and said in lines[0], r.stderr
    assert "an option of" not in runner.invoke(app, ["-v", "file", "in.mp4"]).stderr  # (no command has -v)


@pytest.mark.parametrize("cmd", ["file", "run", "cam"])
def test_an_output_given_as_a_second_argument_is_answered_with_its_option(cmd):
    """`livecut file in.mp4 out.mp4`, as ffmpeg takes them, said "Got unexpected extra
    argument(s) (out.mp4)" alone."""
    r = runner.invoke(app, [cmd, "0" if cmd == "cam" else "in.mp4", "out.mp4"])
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "an output is given with -o: -o out.mp4" in lines[0], r.stderr
    r = runner.invoke(app, [cmd, "0" if cmd == "cam" else "in.mp4", "-o", "out.mp4", "extra"])
    assert r.exit_code == 2 and "given with -o" not in r.stderr, r.stderr  # (-o there: a stray word)


@pytest.mark.parametrize("args, said", [
    (["file", "in.mp4", "-o", "out.mp4", "-m", "cutot"], "--mode 'cutot': expected one of composite, cutout, mask, "
                                                         "side-by-side; did you mean cutout?"),
    (["image", "a.jpg", "-o", "cut/", "-m", "maks"], "--mode 'maks': expected one of cutout, mask, composite, "
                                                     "side-by-side; did you mean mask?"),
    (["batch", "a.jpg", "-o", "cut/", "--mode", "compsite"], "--mode 'compsite': expected one of composite, mask, "
                                                             "cutout, side-by-side; did you mean composite?"),
    (["file", "in.mp4", "-o", "out.mp4", "-m", "sepia"], "--mode 'sepia': expected one of composite, cutout, mask, "
                                                         "side-by-side")])
def test_a_misspelt_mode_is_answered_with_the_one_meant(tmp_path, monkeypatch, args, said):
    """`livecut file in.mp4 -o out.mp4 -m cutot` said "--mode 'cutot': expected one of
    composite, cutout, mask, side-by-side", where --set segment.method=focsu and a misspelt key
    name the one meant: the mode meant is named too (image, batch, the library's Processor); a
    word like none of them is not guessed at; exit 2, nothing made."""
    from livecut.config import load_config
    from livecut.errors import UsageError
    from livecut.runner import Processor

    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"livecut: error: {said}"], r.stderr
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UsageError, match=r"^mode 'side-by-sid': expected one of .*; did you mean side-by-side\?$"):
        Processor(load_config(), mode="side-by-sid")


@pytest.mark.parametrize("args, said", [
    (["image", "a.jpg", "-o", "cut/", "--preview"], "--preview is an option of livecut cam, file and run, "
                                                    "not of livecut image"),
    (["image", "a.jpg", "-o", "cut/", "--jobs", "2"], "--jobs is an option of livecut batch, not of livecut image"),
    (["file", "in.mp4", "-o", "out.mp4", "--skip-existing"], "--skip-existing is an option of livecut image, "
                                                             "not of livecut file"),
    (["file", "--version"], "--version is an option of livecut itself: livecut --version"),
    (["batch", "shoot/", "-o", "cut/", "--skip-existing"],
     "--skip-existing is an option of livecut image: livecut batch skips the items it did before without it "
     "(OUTDIR/livecut-batch.jsonl records them) and leaves an output it did not write, its item failed "
     "(--force overwrites it)"),
    (["file", "in.mp4", "-o", "out.mp4", "--bogus"], None)])
def test_an_option_of_another_command_is_answered_with_the_commands_that_have_it(args, said):
    """`livecut image a.jpg -o cut/ --preview` (or --jobs, or `livecut file ... --skip-existing`,
    `livecut file --version`) said "No such option: --preview" alone, as if livecut had none:
    the commands that have it are named; an option of none is as it was.  `livecut batch ...
    --skip-existing` (to go on after a stop) left unsaid whether batch would do everything again:
    it says what batch skips without it."""
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    unknown = next(a for a in args if a.startswith("--"))
    tail = f"; {said}" if said else ""
    assert lines == [f"livecut: error: No such option: {unknown}{tail} (see 'livecut {args[0]} --help')"], r.stderr


@pytest.mark.parametrize("args, said", [
    (["file", "in.mp4", "-o", "out.mp4", "--set", "segment.threshold", "0.5"], "--set segment.threshold=0.5"),
    (["run", "in.mp4", "--set", "composite.background", "color:#00ff00", "-o", "out.mp4"],
     "--set 'composite.background=color:#00ff00'"),
    (["bench", "--set", "segment.method", "canny"], "--set segment.method=canny")])
def test_a_set_value_given_as_a_word_of_its_own_is_answered_with_one_word(args, said):
    """`livecut file in.mp4 -o out.mp4 --set segment.threshold 0.5` said "Got unexpected extra
    argument(s) (0.5)" alone, as of a stray word: it says --set takes key=value as one word."""
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("livecut: error: Got unexpected extra argument(s) ("), r.stderr
    assert f"; --set takes the key and its value as one word: {said} (see 'livecut {args[0]} --help')" in lines[0], \
        r.stderr


@pytest.mark.parametrize("cmd", ["file", "image", "batch"])
def test_a_background_colour_the_shell_took_for_a_comment_is_answered_with_quotes(cmd):
    """`livecut file in.mp4 -o out.mp4 -b #00ff00` (unquoted: the shell drops # and what follows
    as a comment) said "Option '-b' requires an argument." alone, the colour given in plain
    sight: it says to quote it, or to write color:#00ff00; -b elsewhere without a value is as it was."""
    out = "cut/" if cmd != "file" else "out.mp4"
    r = runner.invoke(app, [cmd, "in.mp4", "-o", out, "-b"])
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"livecut: error: Option '-b' requires an argument; a colour written #RRGGBB is quoted, "
                     f"-b '#00ff00', or written -b color:#00ff00 (unquoted, the shell takes # and what follows "
                     f"for a comment) (see 'livecut {cmd} --help')"], r.stderr


@pytest.mark.parametrize("args", [["cam", "-1"], ["cam", "-q", "-2"], ["run", "-1", "-o", "out.mp4"]])
def test_a_camera_index_below_zero_is_said_so_not_taken_for_an_option(tmp_path, monkeypatch, args):
    """`livecut cam -1` said "No such option: -1" (where `livecut cam -- -1` says the index must
    be 0 or more): it says that, exit 2; a file named -1 here is still said to be named ./-1."""
    monkeypatch.chdir(tmp_path)
    given = next(a for a in args[1:] if a[1:].isdigit())
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"livecut: error: camera index {given}: expected 0 or more (see `livecut devices`)"], r.stderr
    (tmp_path / given).write_bytes(b"")
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and f"name it ./{given}" in r.stderr, r.stderr


@pytest.mark.parametrize("cmd", ["file", "run"])
def test_an_output_given_before_its_input_is_answered_with_the_order(tmp_path, monkeypatch, cmd):
    """`livecut file out.mp4 in.mp4` (the output first, as cp would not take it) said "-o in.mp4",
    the input there as the output, and so given said "out.mp4: no such file"; where the first is
    not there and the second is a file, the order is said, nothing made."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in clip.mp4").write_bytes(b"")
    r = runner.invoke(app, [cmd, "out.mp4", "in clip.mp4"])
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"livecut: error: Got unexpected extra argument(s) (in clip.mp4); out.mp4 is not there and "
                     f"in clip.mp4 is: the input comes first, livecut {cmd} 'in clip.mp4' -o out.mp4 "
                     f"(see 'livecut {cmd} --help')"], r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in clip.mp4"]


def test_an_image_s_output_given_before_its_input_is_answered_with_the_order(tmp_path, monkeypatch):
    """`livecut image cut.png shot.jpg` (the output first) said "Missing option '--output' / '-o'"
    alone: where the first is a picture's name not there and the second a file, the order is said
    (as of `livecut file out.mp4 in.mp4`), nothing made."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shot.jpg").write_bytes(b"")
    r = runner.invoke(app, ["image", "cut.png", "shot.jpg"])
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == ["livecut: error: Missing option '--output' / '-o'; cut.png is not there and shot.jpg is: the "
                     "input comes first, livecut image shot.jpg -o cut.png (see 'livecut image --help')"], r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shot.jpg"]


@pytest.mark.parametrize("args, said", [
    (["file", "a.mp4", "b.mp4", "c.mp4", "-o", "out/"], "for these 3 files, livecut batch FILE... -o out/"),
    (["file", "a.mp4", "b.mp4", "-o", "cut.mp4"], "for these 2 files, livecut batch FILE... -o DIR/"),
    (["run", "a.mp4", "b.mp4", "c.mp4"], "for these 3 files, livecut batch FILE... -o DIR/"),
    (["file", "a.mp4", "b.mp4"], None), (["file", "a.mp4", "nothere.mp4", "-o", "out/"], None)])
def test_several_videos_given_to_file_are_answered_with_batch(tmp_path, monkeypatch, args, said):
    """`livecut file *.mp4 -o out/` (the shell's list of the clips) said "Got unexpected extra
    argument(s) (b.mp4 c.mp4)" alone: where they are all files here, livecut batch is named;
    `livecut file a.mp4 b.mp4` (b.mp4 there from a run before) is still answered with -o b.mp4."""
    monkeypatch.chdir(tmp_path)
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        (tmp_path / name).write_bytes(b"")
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("livecut: error: Got unexpected extra argument(s) ("), r.stderr
    if said:
        assert f"; livecut {args[0]} cuts one video: {said} (a folder of their outputs) (see" in lines[0], r.stderr
    else:
        assert "batch" not in lines[0], r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4", "b.mp4", "c.mp4"]


@pytest.mark.parametrize("args, said", [
    (["image", "a.jpg", "b.jpg", "cut/"], "-o cut/"), (["image", "a.jpg", "cut.png"], "-o cut.png"),
    (["image", "a.jpg", "b.jpg", "cut", "-q"], "-o cut"), (["batch", "shots/", "cut/"], "-o cut/"),
    (["batch", "--list", "files.txt", "cut"], "-o cut"), (["image", "a.jpg", "b.jpg"], None),
    (["image", "a.jpg", "b.jpg", "here"], None), (["batch", "shots/", "cut.png"], None), (["image", "cut/"], None),
    (["image", "a.jpg", "shots/*.jpg"], None)])
def test_an_output_given_as_the_last_argument_of_image_or_batch_is_answered_with_its_option(tmp_path, monkeypatch,
                                                                                         args, said):
    """`livecut image shots/*.jpg cut/` said "Missing option '--output' / '-o'" alone, where
    `livecut file in.mp4 out.mp4` names -o out.mp4; the last argument is named where it is a
    folder's (a final /, or no extension and not there) or a picture's that is not there; an
    input there is not."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here").mkdir()
    for name in ("a.jpg", "b.jpg"):
        (tmp_path / name).write_bytes(b"")
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Missing option '--output' / '-o'" in lines[0], r.stderr
    if said:
        assert f"; an output is given with -o: {said} (see 'livecut {args[0]} --help')" in lines[0], r.stderr
    else:
        assert "given with -o" not in lines[0], r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg", "b.jpg", "here"]


@pytest.mark.parametrize("args, said", [
    (["file", "in.mp4", "-o", "a.mp4", "-o", "b.mp4"], "-o a.mp4 and -o b.mp4: livecut file takes one -o"),
    (["run", "in.mp4", "-o", "a.mp4", "-q", "--output=rtmp://u:pw@host/live/key"],
     "-o a.mp4 and -o rtmp://***@host/live/***: livecut run takes one -o"),
    (["cam", "0", "-oa.mp4", "-c", "fast", "-o", "b.mp4"], "-o a.mp4 and -o b.mp4: livecut cam takes one -o"),
    (["image", "a.jpg", "-o", "cut/", "-o", "out/"], "-o cut/ and -o out/: livecut image takes one -o"),
    (["batch", "shots/", "-o", "cut/", "-o", "out/"], "-o cut/ and -o out/: livecut batch takes one -o")])
def test_an_output_given_twice_is_refused_not_dropped(tmp_path, monkeypatch, args, said):
    """`livecut file in.mp4 -o a.mp4 -o b.mp4` wrote b.mp4 alone and ended with exit 0, the first
    output dropped without a word.  It is refused, naming both (a URL's secrets hidden), nothing
    made; the same name twice, or -o given as another option's value, is no second output."""
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and said in lines[0] and "pw" not in lines[0], r.stderr
    assert list(tmp_path.iterdir()) == []
    r = runner.invoke(app, ["file", "in.mp4", "-o", "a.mp4", "--output=a.mp4", "--set", "-o"])
    assert r.exit_code == 2 and "one -o" not in r.stderr and "--set '-o'" in r.stderr, r.stderr


@pytest.mark.parametrize("args, said", [
    (["file", "in.mp4", "-o", "out.mp4", "-c", "fast", "-c", "quality"], "-c fast and -c quality: livecut file takes one -c"),
    (["run", "in.mp4", "-cfast", "--config=my.toml", "-o", "out.mp4"], "-c fast and -c my.toml: livecut run takes one -c"),
    (["image", "a.jpg", "-o", "cut/", "--config", "quality", "-c", "fast"],
     "-c quality and -c fast: livecut image takes one -c"),
    (["batch", "shots/", "-o", "cut/", "-c", "fast", "-c", "quality"], "-c fast and -c quality: livecut batch takes one -c")])
def test_a_config_given_twice_is_refused_not_dropped(tmp_path, monkeypatch, args, said):
    """`livecut file in.mp4 -o out.mp4 -c fast -c quality` ran with quality alone, exit 0, the
    first preset dropped without a word (a file, -c my.toml, as well).  It is refused as -o given
    twice is, naming both and how a file starts from a preset, nothing made; the same one twice,
    or -c given as another option's value, is no second one."""
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and said in lines[0] and 'preset = "NAME"' in lines[0], r.stderr
    assert list(tmp_path.iterdir()) == []
    r = runner.invoke(app, ["file", "in.mp4", "-o", "a.mp4", "-c", "fast", "--config=fast", "--set", "-c"])
    assert r.exit_code == 2 and "one -c" not in r.stderr and "--set '-c'" in r.stderr, r.stderr


@pytest.mark.parametrize("args, said", [
    (["file", "in.mp4", "-O", "out.mp4"], "No such option: -O; options are lower case: -o"),
    (["image", "a.jpg", "-o", "cut/", "-F"], "No such option: -F; options are lower case: -f"),
    (["batch", "shots/", "-o", "cut/", "--FORCE"], "No such option: --FORCE; options are lower case: --force"),
    (["--VERSION"], "No such option: --VERSION; options are lower case: --version")])
def test_an_option_in_capitals_is_answered_with_the_option_meant(args, said):
    """`livecut file in.mp4 -O out.mp4` (or -F, --FORCE) said "No such option: -O" alone: click
    suggests nothing for a short option; the option in lower case is named.  One that is no
    option in any case is as it was."""
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and said in lines[0], r.stderr
    assert "lower case" not in runner.invoke(app, ["image", "a.jpg", "-o", "cut/", "-X"]).stderr


@pytest.mark.parametrize("args, said", [
    (["file", "in.mp4", "-o", "out.mp4", "--frames", "clip.mp4"], "--frames 'clip.mp4': expected a whole number"),
    (["bench", "-n", "clip.mp4"], "--frames 'clip.mp4': expected a whole number"),
    (["batch", "a.jpg", "-o", "cut/", "-j", "two"], "--jobs 'two': expected a whole number"),
    (["eval", "photos", "masks", "--soften", "x"], "--soften 'x': expected a number"),
    (["bench", "--frames", "0"], "--frames must be at least 1"),
    (["bench", "--threads=-1"], "--threads must be at least 1")])
def test_a_number_option_given_no_number_says_so_in_livecut_s_words(args, said):
    """`livecut file in.mp4 -o out.mp4 --frames clip.mp4` said Typer's "Invalid value for
    '--frames' / '-n': Input should be a valid integer, unable to parse string as an integer";
    bench's --frames 0 "Input should be greater than or equal to 1" where file's said "--frames
    must be at least 1": one line in livecut's words, naming the value given, exit 2."""
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"livecut: error: {said}"], r.stderr


@pytest.mark.parametrize("args", [["image", "a.jpg", "-o", "-q"], ["batch", "a.jpg", "-o", "-h"],
                                  ["file", "in.mp4", "-o", "--force"], ["run", "in.mp4", "--output=-m", "-q"]])
def test_an_option_taken_for_the_output_as_its_name_was_left_out_is_refused(tmp_path, monkeypatch, args):
    """`livecut image a.jpg -o -q` (the output's name left out) took -q for it: a folder -q/
    was made, "1 written to -q", exit 0; `livecut file in.mp4 -o --force` said "--force: unknown
    video type".  It is refused, naming the option taken, nothing made; a file of that name
    there is still an output."""
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, args)
    name = next(a for a in args[2:] if a.startswith("-") and a != "-o").split("=")[-1]
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"livecut: error: -o {name}: an option, not an output: give the output's name after -o "
                     f"(-o NAME {name}) (see 'livecut {args[0]} --help')"], r.stderr
    assert list(tmp_path.iterdir()) == []
    (tmp_path / name).mkdir()
    assert "an option, not an output" not in runner.invoke(app, args).stderr


@pytest.mark.parametrize("args, said", [
    (["help"], "No such command 'help'; help is an option: livecut --help, or livecut COMMAND --help"),
    (["help", "file"], "No such command 'help'; help is an option: livecut file --help"),
    (["version"], "No such command 'version'; the version is said by livecut --version")])
def test_help_or_version_given_as_a_command_is_answered_with_its_option(args, said):
    """`livecut help` and `livecut version` (as git and docker take them) said "No such command"
    alone; they name the option meant.  Another unknown command is as it was."""
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"livecut: error: {said} (see 'livecut --help')"], r.stderr
    assert "is an option" not in runner.invoke(app, ["helpp"]).stderr


@pytest.mark.parametrize("name, said", [("out .mp4", "-o 'out .mp4'"), ("my clip (1).mp4", "-o 'my clip (1).mp4'"),
                                         ("clip(1).mp4", "-o 'clip(1).mp4'"), ("it's.mp4", "-o 'it'\"'\"'s.mp4'")])
def test_an_output_with_a_space_given_as_a_second_argument_is_answered_with_its_option(name, said):
    """`livecut file in.mp4 'out .mp4'` said "Got unexpected extra argument(s) (out .mp4)" alone,
    without the "-o" hint `livecut file in.mp4 out.mp4` gets (the name was read as two words); it
    gets it, quoted as the shell takes it; so did a name with brackets, 'clip(1).mp4'.  Two
    words given are still no output."""
    r = runner.invoke(app, ["file", "in.mp4", name])
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"; an output is given with -o: {said} (see" in lines[0], r.stderr
    if " " in name:
        assert "given with -o" not in runner.invoke(app, ["file", "in.mp4", *name.split(" ", 1)]).stderr


@pytest.mark.parametrize("args, said", [
    (["file", "-clip.avi", "in.mp4", "-o", "out.mp4"], "lip.avi: config file not found"),
    (["image", "-cat.jpg", "dog.jpg", "-o", "cut/"], "at.jpg: config file not found"),
    (["file", "-movie.mp4", "in.mp4", "-o", "out.mp4"], "--mode 'ovie.mp4': expected one of"),
    (["file", "-big.mp4", "in.mp4", "-o", "out.mp4"], "--background: composite.background: 'ig.mp4': expected")])
def test_a_file_named_with_a_leading_dash_read_as_an_options_value_is_answered_with_the_way_to_it(
        tmp_path, monkeypatch, args, said):
    """`livecut file -clip.avi in.mp4 -o out.mp4` read -c lip.avi and said "lip.avi: config file
    not found" (the ./-clip.avi hint was a usage error's only), naming no file -clip.avi; so did
    -movie.mp4, read as -m ovie.mp4, and -big.mp4, -b ig.mp4."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / args[1]).write_bytes(b"x")
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"livecut: error: {said}"), r.stderr
    assert f"{args[1]} is a file here: name it ./{args[1]}" in lines[0], r.stderr
    (tmp_path / args[1]).unlink()  # (no such file: nothing said of it, nor of -c given apart)
    assert "name it" not in runner.invoke(app, args).stderr
    (tmp_path / args[1]).write_bytes(b"x")
    assert "name it" not in runner.invoke(app, [args[0], "-c", args[1][2:], *args[2:]]).stderr


@pytest.mark.parametrize("args, said", [
    (["file", "in.mp4", "-o", "out.mp4", "--set"], "Option '--set' requires an argument. (see 'livecut file --help')"),
    (["image", "a.jpg", "-c"], "Option '-c' requires an argument. (see 'livecut image --help')"),
    (["file", "in.mp4", "-o", "out.mp4", "--force=1"],
     "Option '--force' does not take a value. (see 'livecut file --help')"),
    (["--version=3"], "Option '--version' does not take a value. (see 'livecut --help')")])
def test_an_option_without_its_value_ends_as_other_usage_errors(args, said):
    """`--set` given last said "Option '--set' requires an argument." without the "(see 'livecut
    file --help')" every other usage error ends with (the parser's errors came without their
    command)."""
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"livecut: error: {said}"], r.stderr


def test_a_name_in_a_usage_error_is_escaped_as_livecuts_messages_escape_it():
    """A newline in an unknown option was said ``--fo\\x0ao`` (click's escape), in an unknown
    command ``'fi\\nle'``, in a --set key ``'a\\nb'``; a byte that is not UTF-8 ``\\xe9`` in an
    option and ``\\udce9`` in a command: each is said as livecut's messages say it."""
    def line(*args: str) -> str:
        r = runner.invoke(app, list(args))
        assert r.exit_code == 2
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, r.stderr
        return lines[0]

    assert "--set 'a\\nb'" in line("file", "in.mp4", "-o", "out.mp4", "--set", "a\nb")
    assert "No such option: --fo\\no " in line("file", "in.mp4", "--fo\no")
    assert "No such command 'fi\\nle'" in line("fi\nle")
    assert "(extra\\narg)" in line("file", "in.mp4", "-o", "out.mp4", "extra\narg")
    assert "(out\\n.mp4); an output is given with -o: -o out\\n.mp4 " in line("file", "in.mp4", "out\n.mp4")
    assert "'fi\\x1ble'" in line("fi\x1ble")
    assert "(extra\\x1b[31m)" in line("file", "in.mp4", "-o", "o.mp4", "extra\x1b[31m")
    bad = os.fsdecode(b"fi\xe9le")  # (a byte that is not UTF-8, as Python holds it)
    assert "No such command 'fi\\xe9le'" in line(bad), line(bad)
    assert "No such option: --fi\\xe9le " in line("file", "in.mp4", "--" + bad)
    assert "'fi\\\\x0ale'" in line("fi\\x0ale")  # (typed so: kept)


def test_file_help_names_every_output_the_readme_lists():
    """The README's `livecut file INPUT -o OUTPUT` row lists udp:// tcp:// srt:// rtsp:// rtmp://
    and null: outputs; `livecut file --help` named only udp://, srt:// and rtsp://.  Every video
    file type livecut writes is named there and in the row (.avi and .m4v were in neither)."""
    from livecut.sinks.file import VIDEO_EXTS

    from rtsp_helpers import REPO

    text = " ".join(help_of("file").split())
    row = next(ln for ln in (REPO / "README.md").read_text().splitlines()
               if ln.startswith("| `livecut file INPUT -o OUTPUT`"))
    for out in ("udp://", "tcp://", "srt://", "rtsp://", "rtmp://", "null:", "DIR/", *VIDEO_EXTS):
        assert out in text, out
    for ext in VIDEO_EXTS:
        assert re.search(re.escape(ext) + r"\b", row), ext


def test_run_help_and_the_readme_name_every_input_scheme():
    """`livecut run` reads every scheme of livecut.urls.INPUT_SCHEMES; its --help and the
    README's `livecut run SOURCE` row named only rtsp:// rtsps:// http(s):// udp:// srt://,
    not tcp:// rtmp:// rtmps://."""
    import re

    from livecut.urls import INPUT_SCHEMES

    from rtsp_helpers import REPO

    text = " ".join(help_of("run").split())
    row = next(ln for ln in (REPO / "README.md").read_text().splitlines()
               if ln.startswith("| `livecut run SOURCE"))
    for scheme in INPUT_SCHEMES:
        said = "http(s)://" if scheme.startswith("http") else f"{scheme}://"
        assert said in text, scheme
        assert f"`{said}`" in row, scheme
    named = set(re.findall(r"\b([a-z]+)(?:\(s\))?://", row))
    assert named <= set(INPUT_SCHEMES), named  # (and nothing it does not read)


def test_file_help_and_the_readme_name_every_output_scheme():
    """livecut writes every scheme of livecut.urls.OUTPUT_SCHEMES; `livecut file --help`, the
    README's `livecut file INPUT -o OUTPUT` row and video.stream_bitrate's doc named neither
    rtmps:// (nor the doc tcp://)."""
    from dataclasses import fields

    from livecut.config import VideoConfig
    from livecut.urls import OUTPUT_SCHEMES

    from rtsp_helpers import REPO

    text = " ".join(help_of("file").split())
    row = next(ln for ln in (REPO / "README.md").read_text().splitlines()
               if ln.startswith("| `livecut file INPUT -o OUTPUT`"))
    doc = next(f.metadata["doc"] for f in fields(VideoConfig) if f.name == "stream_bitrate")
    for scheme in OUTPUT_SCHEMES:
        assert f"{scheme}://" in text, scheme
        assert f"`{scheme}://`" in row, scheme
        assert f"{scheme}://" in doc, scheme


def test_a_flag_that_sets_a_key_is_named_in_its_error():
    """`livecut run --rtsp-transport http` said '--set: video.rtsp_transport: ...' though no
    --set was given."""
    r = runner.invoke(app, ["run", "x.mp4", "-o", "null:", "--rtsp-transport", "http"])
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("livecut: error: --rtsp-transport: "), r.stderr
    assert "--set" not in r.stderr


@pytest.mark.parametrize("source, output, transport, said", [
    ("x.mp4", "null:", "udp", "neither x.mp4 nor null: is an rtsp:// stream"),
    ("0", "null:", "tcp", "neither 0 nor null: is an rtsp:// stream"),
    ("http://u:secret@cam/live", "null:", "udp", "neither http://***@cam/live nor null: is"),
    ("rtsps://u:secret@cam/live", "null:", "udp", "rtsps://***@cam/live is always TCP"),
])
def test_an_rtsp_transport_for_no_rtsp_stream_is_refused(source, output, transport, said):
    """`livecut run clip.mp4 -o out.mp4 --rtsp-transport udp` (a camera, an http:// stream, an
    rtsps:// one, always TCP) ran, exit 0, the option ignored without a word."""
    r = runner.invoke(app, ["run", source, "-o", output, "--rtsp-transport", transport])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"livecut: error: --rtsp-transport {transport}: "), r.stderr
    assert said in r.stderr and "secret" not in r.stderr


@pytest.mark.parametrize("source, output", [("rtsp://cam/live", "x/"), ("x.mp4", "rtsp://127.0.0.1:9/live"),
                                            ("rtsps://cam/live", "rtsp://127.0.0.1:9/live")])
def test_an_rtsp_transport_for_an_rtsp_source_or_output_is_taken(monkeypatch, source, output):
    """The option sets video.rtsp_transport, which an rtsp:// output takes too."""
    import livecut.runner

    seen = {}

    def run_video(spec, out, cfg, **kwargs):
        seen["transport"] = cfg.video.rtsp_transport
        raise livecut.errors.UsageError("stop here")

    monkeypatch.setattr(livecut.runner, "run_video", run_video)
    r = runner.invoke(app, ["run", source, "-o", output, "--rtsp-transport", "udp"])
    assert "stop here" in r.stderr and seen == {"transport": "udp"}, r.stderr


def test_a_background_flag_is_taken_as_given(tmp_path):
    """`livecut image -b image:PATH` went through --set text (JSON-quoted): a file name that is
    not UTF-8 (kept by Python as surrogates) came out as '"image:caf\\udce9.png"' and was
    refused; the flag wins over --set."""
    import os

    import cv2
    import numpy as np

    from conftest import run_cli

    cv2.imwrite(str(tmp_path / "a.png"), np.random.default_rng(0).integers(0, 255, (40, 48, 3), np.uint8))
    name = os.fsdecode(b"caf\xe9.png")
    cv2.imwrite(str(tmp_path / "bg.png"), np.full((40, 48, 3), 200, np.uint8))
    os.rename(tmp_path / "bg.png", os.path.join(os.fsencode(tmp_path), b"caf\xe9.png"))
    out = tmp_path / "out"
    r = run_cli("image", str(tmp_path / "a.png"), "-o", f"{out}/", "-q",
                "--set", "composite.background=color:#ff0000", "-b", f"image:{tmp_path / name}")
    assert r.returncode == 0, r.stderr
    assert (out / "a.png").is_file()


def test_pace_help_names_the_network_outputs_it_paces():
    """A file sent to a network output (udp://, tcp://, rtmp:// ...) plays at its own speed
    unless --no-pace, as the README says (75 frames at 25 fps to udp://: 3.7 s, 1.8 s with
    --no-pace); `--pace/--no-pace`'s default said "paced with --preview or --vcam" only."""
    for cmd in ("file", "run"):
        text = " ".join(help_of(cmd).replace("│", " ").split())
        default = text.split("--pace / --no-pace", 1)[1].split("[default: ", 1)[1].split("]", 1)[0]
        assert "--preview" in default and "--vcam" in default and "network" in default, default


def test_cam_help_says_a_recording_has_no_window_without_preview():
    """`livecut cam -o rec.mp4` shows no window (a recording runs headless); its help said
    "Also record", as if the preview went on beside it."""
    text = " ".join(help_of("cam").replace("│", " ").split())
    assert "Also record" not in text
    assert "the preview window is then shown only with --preview" in text
    # (and -o takes what `livecut file -o` does, a stream too: `livecut cam 0 -o
    # udp://127.0.0.1:5000` feeds OBS in docs/virtual-camera.md; it said "a video file or DIR/")
    assert "stream URL" in text.split("-o, --output", 1)[1].split("-m, --mode", 1)[0]


def test_the_readme_and_the_timeouts_name_every_network_output():
    """A file sent to an rtmps:// output is paced and its audio goes as to rtmp:// (FLV,
    through the same relay), and video.read_timeout ends an rtsp:// (over TCP) or rtmps://
    output whose server takes no data, as it does a tcp:// or rtmp:// one; the README's
    list of the paced network outputs, its audio codecs per output, and the key's doc left
    rtmps:// (and the doc rtsp://) out."""
    from dataclasses import fields

    from livecut.config import VideoConfig
    from livecut.urls import OUTPUT_SCHEMES

    from rtsp_helpers import REPO

    readme = " ".join((REPO / "README.md").read_text().split())
    paced = readme.split("A file sent to a network output (", 1)[1].split(")", 1)[0]
    for scheme in OUTPUT_SCHEMES:
        assert f"`{scheme}://`" in paced, scheme
    audio = readme.split("MPEG-TS (`-o -` with `video.pipe_format=mpegts`", 1)[1].split("so `livecut file", 1)[0]
    for scheme in ("rtsp", "rtmp", "rtmps"):
        assert f"`{scheme}://`" in audio, scheme
    doc = next(f.metadata["doc"] for f in fields(VideoConfig) if f.name == "read_timeout")
    for scheme in ("tcp", "rtsp", "rtmp", "rtmps"):  # (the outputs it governs: sinks/network.py)
        assert f"{scheme}://" in doc, scheme


def test_nothing_to_write_names_every_output_the_command_takes():
    """`livecut run clip.mp4` (no output) said 'give -o OUTPUT (a video file or DIR/) and/or
    --preview', leaving out --vcam, which run takes as file does (`livecut file clip.mp4`: 'give
    -o OUTPUT, --vcam and/or --preview')."""
    from rtsp_helpers import REPO

    for cmd in ("file", "run"):
        r = runner.invoke(app, [cmd, str(REPO / "sample_videos" / "moving.mp4")])
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.exit_code == 2 and len(lines) == 1 and "nothing to write" in lines[0], r.stderr
        for flag in ("-o OUTPUT", "--vcam", "--preview"):
            assert flag in lines[0], (cmd, lines[0])


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_the_methods_name_no_version_but_the_one_livecut_is():
    """`livecut methods` called focus "the 0.1 engine" while `livecut --version` says 0.1.0:
    it read as this version's engine, where the default is focusnet.  No method's line names a
    version number."""
    import re

    r = runner.invoke(app, ["methods"])
    assert r.exit_code == 0, r.output
    focus = next(ln for ln in r.stdout.splitlines() if ln.startswith("focus "))
    assert "hand-made" in focus, r.stdout
    assert not re.search(r"\b\d+\.\d+\b", r.stdout.split("method:")[0]), r.stdout


@pytest.mark.parametrize("args", [["methods"], ["--help"], ["file", "--help"], ["devices", "--json"]])
def test_a_full_disk_for_standard_output_is_said_as_such(tmp_path, args):
    """`livecut methods > /dev/full` (the results of eval, bench, a help page redirected to a
    full disk) said 'internal error: OSError: [Errno 28] No space left on device (set
    LIVECUT_DEBUG=1 for a traceback)', a bug's words; it is a write that failed, exit 1, as
    for -o -: 'stdout: writing failed: No space left on device'."""
    import subprocess
    import sys

    from rtsp_helpers import REPO

    env = dict(os.environ, PYTHONPATH=str(REPO))
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "livecut", *args], stdout=full, stderr=subprocess.PIPE,
                           text=True, env=env, timeout=60)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 1 and len(lines) == 1, (r.returncode, r.stderr)
    assert lines[0] == "livecut: error: stdout: writing failed: No space left on device", lines


@pytest.mark.parametrize("args", [["--help"], ["file", "--help"]])
def test_a_help_page_with_standard_output_closed_is_no_internal_error(args):
    """`livecut --help >&-` (standard output closed: sys.stdout is None) said 'internal error:
    AttributeError: 'NoneType' object has no attribute 'isatty'', exit 1: the page asked it
    whether it is a terminal; it goes nowhere, as `livecut methods >&-` prints nowhere, exit 0."""
    import subprocess
    import sys

    from rtsp_helpers import REPO

    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-m", "livecut", *args], stdout=None, stderr=subprocess.PIPE, text=True,
                       env=env, timeout=60, preexec_fn=lambda: os.close(1))
    assert r.returncode == 0 and r.stderr == "", (r.returncode, r.stderr)


@pytest.mark.parametrize("args", [["--help"], ["file", "--help"]])
def test_a_help_page_into_an_output_not_in_utf_8_draws_its_boxes_in_ascii(args):
    """A help page into a standard output whose encoding has no box drawing characters (Windows'
    cp1252 into a file, PYTHONIOENCODING=latin-1) said 'internal error: UnicodeEncodeError:
    'latin-1' codec can't encode characters', exit 1 (then, escaped: '\\u256d\\u2500 Options
    \\u2500\\u2500...'); its boxes are drawn in ASCII there."""
    import subprocess
    import sys

    from rtsp_helpers import REPO

    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONIOENCODING="latin-1")
    r = subprocess.run([sys.executable, "-m", "livecut", *args], capture_output=True, env=env, timeout=60)
    page = r.stdout.decode("latin-1")
    assert r.returncode == 0 and r.stderr == b"", (r.returncode, r.stderr)
    assert page.startswith("Usage: livecut") and "+- Options -" in page and "\\u2" not in page, page


@pytest.mark.parametrize("args", [["file", "nowhere.mp4", "-o", "-"], ["image", "nowhere.png", "-o", "cut/"]])
def test_the_debug_traceback_never_goes_to_standard_output(tmp_path, args):
    """LIVECUT_DEBUG=1 with standard error closed (2>&-): Python's traceback module, given no
    stderr, wrote the traceback to standard output -- into the stream of -o - (2235 bytes of
    text where a video was piped); it goes nowhere then, as the error line does."""
    import subprocess
    import sys

    from rtsp_helpers import REPO

    env = dict(os.environ, PYTHONPATH=str(REPO), LIVECUT_DEBUG="1")
    with open(tmp_path / "stdout", "wb") as out:
        r = subprocess.run([sys.executable, "-m", "livecut", *args], stdout=out, env=env, timeout=60,
                           cwd=tmp_path, preexec_fn=lambda: os.close(2))
    assert r.returncode == 2 and (tmp_path / "stdout").read_bytes() == b""


def test_rtsp_transport_help_says_it_sets_an_rtsp_output_too():
    """`livecut run --help` said "RTSP transport for rtsp:// sources", though the option sets
    video.rtsp_transport, which an rtsp:// output takes too (the test above; the README and the
    option's own error say "of an rtsp:// source or output")."""
    text = " ".join(help_of("run").split())
    line = text[text.index("--rtsp-transport tcp|udp"):]
    assert re.match(r"--rtsp-transport tcp\|udp [^│]*rtsp:// source or output", line), line[:160]


def test_an_unknown_option_s_suggestions_are_said_as_a_list_not_a_tuple(monkeypatch):
    """With Typer 0.26.0 to 0.26.7, which pyproject.toml allows (typer>=0.26), a misspelt option
    was said 'No such option: --forc ('(Possible options: --force)',)': its NoSuchOption put the
    suggestions in a tuple.  Here NoSuchOption formats its message as those versions do."""
    from typer._click.exceptions import NoSuchOption

    def as_typer_0_26_0(self):
        if not self.possibilities:
            return self.message
        suggest = (f"(Possible options: {', '.join(sorted(self.possibilities))})",)
        return f"{self.message} {suggest}"

    monkeypatch.setattr(NoSuchOption, "format_message", as_typer_0_26_0)
    r = runner.invoke(app, ["file", "in.mp4", "-o", "out.mp4", "--forc"])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == ("livecut: error: No such option: --forc (Possible options: --force) "
                                "(see 'livecut file --help')"), r.stderr


def test_an_end_of_data_a_command_meets_is_no_interrupt(tmp_path, monkeypatch, capsys):
    """An EOFError out of a command (a pipe to a process that died, PyAV's end of a stream,
    pickle's 'Ran out of input'; livecut asks nothing at a prompt, where it would be Ctrl-D) was
    made click's Abort: 'livecut: error: interrupted', exit 130, a bug said as a stop.  It is an
    internal error, exit 1."""
    import livecut.runner
    from livecut.cli import main

    def run_video(*args, **kwargs):
        raise EOFError("Ran out of input")

    monkeypatch.setattr(livecut.runner, "run_video", run_video)
    video = tmp_path / "in.mp4"
    video.write_bytes(b"")
    with pytest.raises(SystemExit) as exc:
        main(["file", str(video), "-o", str(tmp_path / "out.mp4")])
    err = capsys.readouterr().err
    assert exc.value.code == 1, (exc.value.code, err)
    assert "internal error: EOFError: Ran out of input" in err and "interrupted" not in err, err


@pytest.mark.parametrize("columns", ["80", "60"])
def test_the_examples_of_livecut_help_keep_their_columns_on_a_narrow_terminal(columns):
    """`livecut --help` on an 80-column terminal wrapped an example's description to the left
    edge, under the commands ("keep the audio", "videos, every core"): each description stays
    beside or under its command, indented, and no line is wider than the terminal."""
    from livecut.cli import _EXAMPLES

    r = runner.invoke(app, ["--help"], env={"COLUMNS": columns, "NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    lines = r.stdout.split("Examples:\n", 1)[1].splitlines()
    assert max(map(len, lines)) <= int(columns), r.stdout
    starts = [next(i for i, ln in enumerate(lines) if ln.strip().startswith(cmd)) for cmd, _ in _EXAMPLES]
    for (cmd, what), start, end in zip(_EXAMPLES, starts, [*starts[1:], len(lines) - 1]):
        rows = lines[start:end]
        assert all(ln.startswith("   ") for ln in rows), rows
        assert " ".join(" ".join(rows).split()) == f"{cmd} {what}", rows


@pytest.mark.parametrize("cmd", [None, *COMMANDS])
def test_a_help_page_at_the_narrowest_width_cuts_no_word_short(cmd):
    """At 60 columns, the narrowest page drawn, `livecut eval --help` showed its --subset
    example as "livecut/models/cuhk_split.j…": a word wider than the help column is folded onto
    the next line, whole, not cut."""
    r = runner.invoke(app, [*([cmd] if cmd else []), "--help"], env={"COLUMNS": "60", "NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    assert "…" not in r.stdout, r.stdout
    if cmd == "eval":
        folded = "".join(ln.strip("│ ") for ln in r.stdout.splitlines())
        assert "livecut/models/cuhk_split.json:val" in folded, r.stdout
