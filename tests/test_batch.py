"""``livecut batch`` (issue 11): planning (mirrored tree, inputs, manifest and skip logic),
the local process pool, Ctrl-C and resume, a worker that dies, and the Ray backend (a real
local Ray head on 127.0.0.1; skipped only when the ``ray`` extra is not installed)."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import APPEND_ONLY, REPO, latin1_titled_copy, make_clip, run_cli, sigterm_through_c_code
from livecut.batch import (MANIFEST, STARTED, append_record, plan, read_manifest, run_batch, run_item,
                           settings_key)
from livecut import batch as livecut_batch
from livecut.config import load_config
from livecut.errors import UsageError, WriteError
from synth import make_scene


def _photo(path: Path, seed: int = 0, w: int = 400, h: int = 300) -> Path:
    img, _ = make_scene("basic", w=w, h=h, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)
    return path


def _records(outdir: Path, started: bool = False) -> list[dict]:
    """The manifest's result lines (``started``: its ``started`` lines too, written as each item
    is handed out)."""
    recs = [json.loads(ln) for ln in (outdir / MANIFEST).read_text().splitlines() if ln.strip()]
    return recs if started else [r for r in recs if r["status"] != STARTED]


def _batch_at_work(src: Path, out: Path, *args: str, until, manifest: bool = True) -> subprocess.Popen:
    """``livecut batch src -o out *args`` in a process group of its own (a terminal's signals go to
    the whole group), returned once ``until()`` is true (``manifest``: and the manifest is there),
    or after 120 s."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "livecut", "batch", str(src), "-o", str(out), *args],
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not ((not manifest or (out / MANIFEST).exists()) and until()):
        time.sleep(0.05)
    return proc


def _frames(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="gray") for f in c.decode(video=0)]


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """A small shoot: photos at two depths, two clips, one broken file."""
    root = tmp_path_factory.mktemp("lib") / "shoot"
    _photo(root / "a.jpg", 0)
    _photo(root / "day2" / "b.png", 1)
    _photo(root / "day2" / "deep" / "c.jpg", 2)
    make_clip(root / "day2" / "v.mp4", n=12, seed=1)
    make_clip(root / "w.mkv", n=8, seed=2)
    (root / "broken.jpg").write_bytes(b"not an image")
    (root / "notes.txt").write_text("ignored")
    return root


# ---------------------------------------------------------------- planning and manifest

def test_plan_mirrors_the_tree_and_orders_largest_first(library, tmp_path):
    p = plan([str(library)], tmp_path / "out")
    rels = {it.rel: it.kind for it in p.todo}
    assert rels == {"a.png": "image", "day2/b.png": "image", "day2/deep/c.png": "image",
                    "day2/v.mp4": "video", "w.mp4": "video", "broken.png": "image"}
    # largest first, by estimated work (frames x megapixels from the headers)
    assert [it.rel for it in p.todo][:2] == ["day2/v.mp4", "w.mp4"]
    by = {it.rel: it for it in p.todo}
    assert (by["day2/v.mp4"].frames, by["w.mp4"].frames, by["a.png"].frames) == (12, 8, 1)
    assert by["a.png"].work == pytest.approx(0.12)  # 400x300
    assert not p.refused
    # several inputs: mirrored from the deepest folder holding them all; .mov on request
    p = plan([str(library / "day2" / "deep"), str(library / "w.mkv")], tmp_path / "out", video_ext=".mov")
    assert sorted(it.rel for it in p.todo) == ["day2/deep/c.png", "w.mov"]
    # a folder given is mirrored from itself, even when all it holds is in a subfolder
    p = plan([str(library / "day2")], tmp_path / "out")
    assert sorted(it.rel for it in p.todo) == ["b.png", "deep/c.png", "v.mp4"]
    p = plan([str(library / "day2" / "deep" / "c.jpg")], tmp_path / "out")
    assert [it.rel for it in p.todo] == ["c.png"]


def test_a_file_whose_extension_lies_is_cut_as_what_it_holds(tmp_path):
    """A video renamed .jpg (an mp4 a phone app saved as clip.jpg) was taken for a photo by its
    extension and failed, 'a video, not an image (cut a video with: livecut file ...)', where
    `livecut file` cuts it; a photo named .mp4 was cut as a one-frame video, with a warning that
    `livecut image` cuts it better. Where the first bytes say otherwise than the extension,
    the content decides: given by name or found in a folder."""
    shoot = tmp_path / "shoot"
    make_clip(tmp_path / "v.mp4", w=160, h=96, n=6, seed=1)
    shoot.mkdir()
    shutil.copy(tmp_path / "v.mp4", shoot / "clip.jpg")
    shutil.copy(_photo(tmp_path / "p.png", 0, w=160, h=120), shoot / "still.mp4")
    _photo(shoot / "a.jpg", 1, w=160, h=120)
    kinds = {it.rel: it.kind for it in plan([str(shoot)], tmp_path / "out").todo}
    assert kinds == {"clip.mp4": "video", "still.png": "image", "a.png": "image"}, kinds
    kinds = {it.rel: it.kind for it in plan([str(shoot / "clip.jpg"), str(shoot / "still.mp4")],
                                          tmp_path / "out").todo}
    assert kinds == {"clip.mp4": "video", "still.png": "image"}, kinds
    r = run_cli("batch", str(shoot), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert r.returncode == 0, r.stderr
    assert "not an image" not in r.stderr and "is a picture, not a video" not in r.stderr, r.stderr
    assert len(_frames(tmp_path / "out" / "clip.mp4")) == 6
    assert cv2.imread(str(tmp_path / "out" / "still.png"), cv2.IMREAD_UNCHANGED).shape == (120, 160, 4)


def test_plan_keeps_a_linked_files_own_name_and_place(tmp_path):
    """A symbolic link in the folder is an input under its own name, where it is (its target
    elsewhere neither renames it nor moves the mirrored tree's root)."""
    shoot = tmp_path / "shoot"
    _photo(shoot / "a.jpg", 0)
    _photo(shoot / "b.jpg", 1)
    target = _photo(tmp_path / "elsewhere" / "x.tif", 2)
    (shoot / "pick.tif").symlink_to(target)
    (shoot / "a_again.jpg").symlink_to(shoot / "a.jpg")  # one file, two names: once
    p = plan([str(shoot)], tmp_path / "out")
    assert sorted(it.rel for it in p.todo) == ["a.png", "b.png", "pick.png"]
    # "link/.." is where the link leads, then up (as the system reads it), not the link's folder
    other = tmp_path / "other" / "sub"
    other.mkdir(parents=True)
    _photo(tmp_path / "other" / "c.jpg", 3)
    (shoot / "link").symlink_to(other)
    p = plan([str(shoot / "link" / ".." / "c.jpg")], tmp_path / "out")
    assert [Path(it.src).resolve() for it in p.todo] == [(tmp_path / "other" / "c.jpg").resolve()]


def test_a_file_or_folder_named_twice_is_said_done_once(tmp_path, monkeypatch):
    """One file named twice (``a.jpg ./a.jpg``, a link and its file, on the command line and in a
    --list) or one folder so was done once without a word, '1 done' of two given: a note says it,
    naming the file's output name where the first name gives it (the link's)."""
    monkeypatch.chdir(tmp_path)
    _photo(tmp_path / "a.jpg", 0)
    _photo(tmp_path / "b.jpg", 1)
    (tmp_path / "link.jpg").symlink_to("a.jpg")
    p = plan(["a.jpg", "./a.jpg"], tmp_path / "out")
    assert [it.rel for it in p.todo] == ["a.png"]
    assert p.notes == ["a.jpg and ./a.jpg are one file, given twice: done once"]
    p = plan(["link.jpg", "a.jpg"], tmp_path / "out")
    assert [it.rel for it in p.todo] == ["link.png"]
    assert p.notes == ["link.jpg and a.jpg are one file, given twice: done once (as link.jpg)"]
    (tmp_path / "list.txt").write_text("b.jpg\n")
    p = plan(["b.jpg", "a.jpg"], tmp_path / "out", list_file=str(tmp_path / "list.txt"))
    assert sorted(it.rel for it in p.todo) == ["a.png", "b.png"]
    assert p.notes == ["b.jpg given twice: done once"]
    _photo(tmp_path / "shoot" / "c.jpg", 2)
    p = plan(["shoot", "shoot/"], tmp_path / "out")
    assert [it.rel for it in p.todo] == ["c.png"]
    assert p.notes == ["shoot and shoot/ are one folder, given twice: done once"]
    p = plan(["a.jpg", "./a.jpg", "link.jpg", "shoot", "shoot/"], tmp_path / "out")  # (each said once)
    assert sorted(it.rel for it in p.todo) == ["a.png", "shoot/c.png"]
    assert p.notes == ["a.jpg, ./a.jpg and link.jpg are one file, given 3 times; shoot and shoot/ are one folder, "
                       "given twice: each done once, by the name given first"]
    assert not plan(["a.jpg", "b.jpg", "shoot"], tmp_path / "out").notes  # (each once: nothing said)
    r = run_cli("batch", "a.jpg", "a.jpg", "-o", "cut", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "livecut: note: a.jpg given twice: done once\n" in r.stderr
    assert "1 done, 0 failed" in r.stderr


def test_a_hard_link_to_a_photo_is_its_file(tmp_path, monkeypatch):
    """A hard link to a photo, named beside it or in a folder given, was a second item (the one
    picture done twice, a.png and hard.png), where a symbolic link to it is one file, said so
    and done once.  A hard link is so."""
    monkeypatch.chdir(tmp_path)
    _photo(tmp_path / "shoot" / "a.jpg", 0)
    _photo(tmp_path / "shoot" / "b.jpg", 1)
    os.link(tmp_path / "shoot" / "a.jpg", tmp_path / "shoot" / "hard.jpg")
    p = plan(["shoot/a.jpg", "shoot/hard.jpg"], tmp_path / "out")
    assert [it.rel for it in p.todo] == ["a.png"]
    assert p.notes == ["shoot/a.jpg and shoot/hard.jpg are one file, given twice: done once (as shoot/a.jpg)"]
    p = plan(["shoot"], tmp_path / "out")
    assert sorted(it.rel for it in p.todo) == ["a.png", "b.png"]

def test_plan_follows_a_linked_folder_once_and_not_round_a_loop(tmp_path):
    """A folder in the tree that is a symbolic link (a drive's folder linked into the shoot) was
    left out without a word, though named itself, or a file in it, it was read: it is walked as
    a folder, under its own name; a link back up the tree (a loop) or to a folder walked already
    is not walked again, and one to OUTDIR is not walked at all."""
    shoot = tmp_path / "shoot"
    _photo(shoot / "a.jpg", 0)
    _photo(tmp_path / "drive" / "day" / "b.jpg", 1)
    _photo(tmp_path / "drive" / "day" / "deep" / "c.jpg", 2)
    (shoot / "day").symlink_to(tmp_path / "drive" / "day")
    (shoot / "later").symlink_to(tmp_path / "drive" / "day")  # (the same folder by a second name)
    (tmp_path / "drive" / "day" / "deep" / "up").symlink_to("..")  # (a loop)
    (shoot / "loop").symlink_to(shoot)  # (another)
    out = shoot / "cut"
    _photo(out / "old.png", 3)
    (shoot / "results").symlink_to(out)
    p = plan([str(shoot)], out)
    assert sorted(it.rel for it in p.todo) == ["a.png", "day/b.png", "day/deep/c.png"]
    assert not p.refused


def test_a_pattern_that_matches_photos_in_another_case_alone_says_so(tmp_path):
    """'shoot/*.jpg' of a camera's IMG_0001.JPG said 'pattern matches no photos or videos' alone;
    it names the file that matches but for case, and the pattern that takes it, as `livecut
    image` does."""
    _photo(tmp_path / "shoot" / "IMG_0001.JPG", 5)
    pattern = str(tmp_path / "shoot" / "*.jpg")
    p = plan([pattern], tmp_path / "o")
    assert not p.todo and [e for _, e in p.refused] == [
        f"{pattern}: pattern matches no photos or videos; 1 file (IMG_0001.JPG) matches it in another case (a "
        f"pattern's case counts): give '{tmp_path / 'shoot' / '*.JPG'}'"]
    p = plan([pattern, str(tmp_path / "shoot" / "*.JPG")], tmp_path / "o")  # (given, it is not named: a warning)
    assert len(p.todo) == 1 and not p.refused and p.warnings == [
        f"{pattern}: pattern matches no photos or videos, but another input takes the photos it matches in another "
        "case (a pattern's case counts)"]


def test_either_case_s_pattern_matching_nothing_beside_the_other_is_a_warning(tmp_path):
    """`livecut batch *.JPG *.jpg -o cut/` in bash, in a folder of .JPG files alone (bash passes
    '*.jpg' on): every photo was cut, then the batch failed, '2 done, 1 failed', exit 2, for a
    pattern given for the other case. It is a warning, exit 0; one whose files in another case
    no input takes is still refused."""
    shoot = tmp_path / "shoot"
    for name in ("IMG_0001.JPG", "dsc_1.JPG"):
        _photo(shoot / name, 5)
    r = run_cli("batch", str(shoot / "*.JPG"), str(shoot / "*.jpg"), "-o", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    assert (f"livecut: warning: {shoot / '*.jpg'}: pattern matches no photos or videos, but another input takes the "
            "photos it matches in another case (a pattern's case counts)") in r.stderr.splitlines()
    assert "2 done, 0 failed" in r.stderr
    p = plan([str(shoot / "IMG_*.JPG"), str(shoot / "*.jpg")], tmp_path / "o2")
    assert not p.warnings and [e for _, e in p.refused] == [
        f"{shoot / '*.jpg'}: pattern matches no photos or videos; 1 file (dsc_1.JPG) matches it in another case "
        f"(a pattern's case counts): give '{shoot / '*.JPG'}'"]


def test_an_input_not_found_is_said_before_the_items_are_done(tmp_path, monkeypatch):
    """`livecut batch a.jpg missing.jpg b.jpg ... -o cut/`, one name mistyped among 500 photos:
    'missing.jpg: file not found' was said once every photo was done, minutes later (and above a
    progress line drawn, not glued to its end). It is said before the first item is done; the batch
    goes on and ends as before, '3 done, 1 failed', exit 2, the line said once."""
    from typer.testing import CliRunner

    import livecut.cli
    from livecut.cli import app

    out, missing = tmp_path / "o", tmp_path / "mising.jpg"
    photos = [_photo(tmp_path / "in" / f"{n}.jpg", i) for i, n in enumerate("abc")]
    said, real = [], livecut.cli.err
    # (each line with the outputs there when it was said)
    monkeypatch.setattr(livecut.cli, "err", lambda m, kind="error": (
        said.append((m, sorted(p.name for p in out.glob("*.png")))), real(m, kind)))
    r = CliRunner().invoke(app, ["batch", str(photos[0]), str(missing), *map(str, photos[1:]), "-o", str(out),
                                 "-j", "1"])
    assert r.exit_code == 2, r.output
    assert said == [(f"{missing}: file not found", [])]
    assert r.output.count("file not found") == 1 and "livecut batch: 3 done, 1 failed" in r.output


def test_a_background_s_warning_is_said_before_the_first_video(tmp_path, monkeypatch):
    """`livecut batch a.mp4 b.mov c.jpg -o cut/ -b image:bg.png`, a background with transparency:
    its warning ('shown over black') was said with the first item done, minutes into a batch of
    videos. It is said before the first item is handed out, once; a resumed batch with nothing
    left to do says nothing of it."""
    from typer.testing import CliRunner

    import livecut.cli
    from livecut.cli import app

    out = tmp_path / "o"
    bg = np.zeros((48, 64, 4), np.uint8)
    bg[:, 32:] = (255, 0, 0, 255)
    png = tmp_path / "bg.png"
    assert cv2.imwrite(str(png), bg)
    (tmp_path / "in").mkdir()
    inputs = [make_clip(tmp_path / "in" / "a.mp4", w=64, h=48, n=10),
              make_clip(tmp_path / "in" / "b.mov", w=64, h=48, n=10, seed=1), _photo(tmp_path / "in" / "c.jpg", w=64, h=48)]
    said, real = [], livecut.cli.err
    # (each line with the manifest's lines there when it was said: none, before the first item)
    monkeypatch.setattr(livecut.cli, "err", lambda m, kind="error": (
        said.append((kind, m, len(_records(out, started=True)) if (out / MANIFEST).exists() else 0)),
        real(m, kind)))
    line = f"background {png}: has transparency, shown over black (flatten it onto another colour first for that)"
    args = ["batch", *map(str, inputs), "-o", str(out), "-b", f"image:{png}", "-j", "1", "-q"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    warned = [s for s in said if s[1] == line]
    assert warned == [("warning", line, 0)], said
    said.clear()
    r = CliRunner().invoke(app, args)  # (all done: nothing is composited over it)
    assert r.exit_code == 0, r.output
    assert not [s for s in said if s[1] == line], said


def test_an_item_that_fails_is_said_as_it_fails(tmp_path, monkeypatch):
    """`livecut batch shoot/ -o cut/`, one truncated JPEG among 500 photos: 'corrupt.jpg: image
    file is truncated' was said once every item was done, minutes later. It is said as the item
    fails (above the bar), before the next one is done; the batch ends as before, '3 done, 1
    failed', exit 2, the line said once."""
    from typer.testing import CliRunner

    import livecut.cli
    from livecut.cli import app

    out, corrupt = tmp_path / "o", tmp_path / "in" / "corrupt.jpg"
    photos = [_photo(tmp_path / "in" / f"{n}.jpg", i) for i, n in enumerate("abc")]
    data = _photo(tmp_path / "big.jpg", w=800, h=600).read_bytes()  # (its header's size: done first)
    corrupt.write_bytes(data[:len(data) // 3])
    said, real = [], livecut.cli.err
    # (each line with the outputs there when it was said)
    monkeypatch.setattr(livecut.cli, "err", lambda m, kind="error": (
        said.append((m, sorted(p.name for p in out.glob("*.png")))), real(m, kind)))
    r = CliRunner().invoke(app, ["batch", str(tmp_path / "in"), "-o", str(out), "-j", "1"])
    assert r.exit_code == 2, r.output
    assert said == [(f"{corrupt}: image file is truncated", [])]
    assert r.output.count("truncated") == 1 and "livecut batch: 3 done, 1 failed" in r.output
    assert sorted(p.name for p in out.glob("*.png")) == [f"{p.stem}.png" for p in photos]


def test_an_item_s_note_is_said_as_it_is_done(tmp_path, monkeypatch):
    """`livecut batch shoot/ -o cut/`, an all-sharp photo among 500: its 'no defocused background
    found' note was said once every item was done, minutes later (and lost at Ctrl-C). It is said
    as the item is done (above the bar), before the next one is; the batch ends as before, the
    line said once."""
    from typer.testing import CliRunner

    import livecut.cli
    from livecut.cli import app
    from synth import texture

    out, sharp = tmp_path / "o", tmp_path / "in" / "sharp.png"
    for i, n in enumerate("abc"):
        _photo(tmp_path / "in" / f"{n}.jpg", i)
    # (larger than the others: done first)
    assert cv2.imwrite(str(sharp), texture(np.random.default_rng(0), 600, 800, cell=3, base=(120, 120, 120),
                                           amplitude=45.0, shapes=30))
    said, real = [], livecut.cli.err
    # (each line with the outputs there when it was said)
    monkeypatch.setattr(livecut.cli, "err", lambda m, kind="error": (
        said.append((kind, m, sorted(p.name for p in out.glob("*.png")))), real(m, kind)))
    r = CliRunner().invoke(app, ["batch", str(tmp_path / "in"), "-o", str(out), "-j", "1"])
    assert r.exit_code == 0, r.output
    note = f"{sharp}: no defocused background found: the whole image is kept"
    assert said == [("note", note, ["sharp.png"])]
    assert r.output.count("no defocused") == 1 and "livecut batch: 4 done, 0 failed" in r.output


def test_a_pattern_in_a_folder_that_is_not_there_says_so(tmp_path):
    """'nope/*.jpg' (a typo in the folder) said 'pattern matches no photos or videos' alone, as
    if the folder held none; it says the folder is not there, or is a file, as `livecut image` does."""
    (tmp_path / "notes.txt").write_text("x")
    nope, file = str(tmp_path / "nope" / "day" / "*.jpg"), str(tmp_path / "notes.txt" / "*.jpg")
    p = plan([nope, file], tmp_path / "o")
    assert [e for _, e in p.refused] == [
        f"{nope}: pattern matches no photos or videos (no folder {tmp_path / 'nope'}: not found)",
        f"{file}: pattern matches no photos or videos ({tmp_path / 'notes.txt'}: not a folder)"]


def test_plan_reads_a_list_globs_and_skips_the_output_folder(library, tmp_path):
    lst = tmp_path / "list.txt"
    lst.write_text(f"{library / 'a.jpg'}\n\n# a comment\n{library / 'day2' / 'v.mp4'}\n")
    p = plan([str(library / "day2" / "deep" / "*.jpg")], tmp_path / "o", list_file=str(lst))
    assert sorted(it.rel for it in p.todo) == ["a.png", "day2/deep/c.png", "day2/v.mp4"]
    # an OUTDIR inside the input tree is not read back as input
    inside = library / "day2" / "cut"
    _photo(inside / "old.png", 5)
    try:
        p = plan([str(library / "day2")], inside)
        assert all("cut" not in it.rel for it in p.todo) and len(p.todo) == 3
    finally:
        (inside / "old.png").unlink()
        inside.rmdir()
    p = plan([str(tmp_path / "missing.jpg"), str(tmp_path / "*.png")], tmp_path / "o")
    assert not p.todo and [e for _, e in p.refused] == [f"{tmp_path / 'missing.jpg'}: file not found",
                                                        f"{tmp_path / '*.png'}: pattern matches no photos or videos"]


def test_a_pattern_in_a_folder_whose_name_holds_brackets_reads_that_folder(tmp_path):
    """'shoot[1]/*.jpg', shoot[1]/ a folder so named, was read as shoot1/*.jpg: another folder's
    photos were cut (or 'pattern matches no photos or videos'); a folder there by its name is
    that folder."""
    _photo(tmp_path / "g[1]" / "a.jpg", 0)
    _photo(tmp_path / "g1" / "other.jpg", 1)
    p = plan([str(tmp_path / "g[1]" / "*.jpg")], tmp_path / "o")
    assert not p.refused and [str(it.src) for it in p.todo] == [str(tmp_path / "g[1]" / "a.jpg")]


def test_a_list_on_standard_input(library, tmp_path, monkeypatch):
    """`find shoot -name '*.jpg' | livecut batch --list - -o cut`: '--list -: cannot read: No such
    file or directory' (exit 2)."""
    names = f"{library / 'a.jpg'}\n{library / 'day2' / 'deep' / 'c.jpg'}\n".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(names)))
    p = plan([], tmp_path / "o", list_file="-")
    assert sorted(it.rel for it in p.todo) == ["a.png", "day2/deep/c.png"] and not p.refused


def _list_typed(tmp_path: Path, out: str, *lines: str, options: tuple[str, ...] = (),
                listed: str = "-") -> tuple[int, str]:
    """`livecut batch --list - -o OUT -q` (and ``options``; --list ``listed``) at a terminal: ``lines``
    typed, then Ctrl-D once; its exit status (-1: still waiting 60 s later) and what it wrote on stderr."""
    import pty

    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "livecut", "batch", "--list", listed, "-q", "-o",
                                 str(tmp_path / out), *options], stdin=slave, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
        os.close(slave)
        for line in lines:  # (the terminal keeps what is typed until it is read)
            os.write(master, f"{line}\n".encode())
        os.write(master, b"\x04")  # (Ctrl-D)
        try:
            return proc.wait(timeout=60), proc.stderr.read()
        except subprocess.TimeoutExpired:
            proc.kill()
            return -1, proc.communicate()[1]
    finally:
        os.close(master)


def test_a_list_typed_at_a_terminal_ends_at_one_ctrl_d(tmp_path):
    """`livecut batch --list - -o cut` typed at a terminal: Ctrl-D after the last line seemed to do
    nothing (standard input read in whole chunks: that Ctrl-D ended the chunk only); a second one
    was needed, where cat and sort end at the first."""
    src = _photo(tmp_path / "in" / "a.jpg", 0)
    code, said = _list_typed(tmp_path, "typed", str(src))
    assert code == 0, said
    assert (tmp_path / "typed" / "a.png").is_file()


def test_a_list_read_from_a_terminal_says_what_it_waits_for(tmp_path):
    """`livecut batch --list - -o cut` typed at a terminal waited without a word, as if hung; it
    says it reads the list from standard input and how to end it, there only (not from a pipe)."""
    src = _photo(tmp_path / "in" / "a.jpg", 0)
    code, said = _list_typed(tmp_path, "typed", str(src))
    assert code == 0 and said == ("livecut: note: reading the list of inputs from standard input, one path a "
                                  "line (Ctrl-D to end)\n"), said
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    piped = subprocess.run([sys.executable, "-m", "livecut", "batch", "--list", "-", "-q", "-o",
                            str(tmp_path / "piped")], input=f"{src}\n", capture_output=True, text=True,
                           env=env, timeout=120)
    assert piped.returncode == 0 and piped.stderr == "", piped.stderr


def test_a_list_file_that_is_the_terminal_says_what_it_waits_for(tmp_path):
    """`livecut batch --list /dev/stdin -o cut` at a terminal waited without a word, as --list - did
    (the note was said of - alone); a list file that is the terminal says it too, and ends at one
    Ctrl-D."""
    src = _photo(tmp_path / "in" / "a.jpg", 0)
    code, said = _list_typed(tmp_path, "typed", str(src), listed="/dev/stdin")
    assert code == 0 and said == ("livecut: note: reading the list of inputs from /dev/stdin (the terminal), one "
                                  "path a line (Ctrl-D to end)\n"), said
    assert (tmp_path / "typed" / "a.png").is_file()


def test_a_list_to_be_typed_at_a_terminal_is_not_announced_before_a_bad_option(tmp_path):
    """`livecut batch --list - -o cut --jobs 0` at a terminal said 'note: reading the list of inputs
    from standard input ...' and then the option's error, as if it went on to read the list; the
    note is said once the options are checked, just before the list is read."""
    src = _photo(tmp_path / "in" / "a.jpg", 0)
    for options, error in ((("--jobs", "0"), "--jobs must be at least 1"),
                           (("--mode", "bogus"), "--mode 'bogus': expected one of"),
                           (("--video-ext", ".gif"), "--video-ext .gif: expected one of")):
        code, said = _list_typed(tmp_path, "cut", str(src), options=options)
        assert code == 2 and said.startswith(f"livecut: error: {error}") and "note" not in said, (options, said)


def test_a_typo_in_the_video_ext_names_the_one_meant(tmp_path):
    """`livecut batch shoot/ -o cut/ --video-ext .mkvv` said "--video-ext .mkvv: expected one of
    .mp4, ..." where -o out.wemb names out.webm: the type one typo away is named; another as it was."""
    from livecut.batch import plan
    from livecut.errors import UsageError

    for given, said in ((".mkvv", "; did you mean .mkv?"), ("wemb", "; did you mean .webm?"), (".gif", "")):
        with pytest.raises(UsageError) as info:
            plan([str(tmp_path)], tmp_path / "cut", video_ext=given)
        ext = given if given.startswith(".") else "." + given
        assert str(info.value) == (f"--video-ext {ext}: expected one of .mp4, .m4v, .mkv, .mov, .avi, .webm or / "
                                   f"(PNG frames){said}"), str(info.value)
    assert not (tmp_path / "cut").exists()


def test_every_list_given_is_read(library, tmp_path):
    """`batch --list a.txt --list b.txt` cut b.txt's inputs alone, without a word (the second
    --list replaced the first, exit 0); every list is read now.  --list - twice is refused:
    standard input is read once."""
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(f"{library / 'a.jpg'}\n")
    b.write_text(f"{library / 'day2' / 'deep' / 'c.jpg'}\n")
    p = plan([], tmp_path / "o", list_file=[str(a), str(b)])
    assert sorted(it.rel for it in p.todo) == ["a.png", "day2/deep/c.png"] and not p.refused
    out = tmp_path / "cut"
    r = run_cli("batch", "--list", str(a), "--list", str(b), "-o", str(out), "--jobs", "1")
    assert r.returncode == 0 and "2 done, 0 failed" in r.stderr, r.stderr
    assert (out / "a.png").is_file() and (out / "day2" / "deep" / "c.png").is_file()
    r = run_cli("batch", "--list", "-", "--list", "-", "-o", str(tmp_path / "o2"))
    assert r.returncode == 2 and "--list - is given twice" in r.stderr, r.stderr


def test_a_folder_given_as_the_list_says_it_is_given_as_an_input(tmp_path):
    """`livecut batch --list shoot/ -o cut/` (the folder to cut given as its list) said "--list
    shoot/: cannot read: Is a directory": it says a folder is no list and how a folder is given,
    exit 2, nothing made."""
    shoot = tmp_path / "my shoot"
    shoot.mkdir()
    r = run_cli("batch", "--list", str(shoot), "-o", str(tmp_path / "cut"))
    assert r.returncode == 2, r.stderr
    assert r.stderr == (f"livecut: error: --list {shoot}: a folder, not a file of paths (one a line); a folder is "
                        f"given as an input: livecut batch '{shoot}' -o OUTDIR\n"), r.stderr
    assert not (tmp_path / "cut").exists()


@pytest.mark.parametrize("content", [b"", b"# nothing found\n\n   \n"])
def test_a_list_that_names_nothing_is_said_as_an_empty_folder_is(tmp_path, content):
    """`find shoot -name '*.MOV' > list.txt` that found nothing, or a list of comments alone: `batch
    --list list.txt` said '0 done, 0 failed', exit 0, as if the work were done, where an empty folder
    given is a failed item, 'folder holds no photos or videos', exit 2."""
    (tmp_path / "empty").mkdir()
    lst = tmp_path / "list.txt"
    lst.write_bytes(content)
    folder = run_cli("batch", str(tmp_path / "empty"), "-o", str(tmp_path / "o1"), "--jobs", "1")
    assert folder.returncode == 2 and "0 done, 1 failed" in folder.stderr, folder.stderr
    r = run_cli("batch", "--list", str(lst), "-o", str(tmp_path / "o2"), "--jobs", "1")
    assert r.returncode == 2, r.stderr
    assert r.stderr == (f"livecut: error: --list {lst}: names no photos or videos (no path in it, only "
                        "blank lines or # comments)\nlivecut batch: 0 done, 1 failed\n")
    assert not (tmp_path / "o2").exists()  # (nothing to write: no output folder left behind, as for the folder)


def test_a_named_gif_is_a_photo_as_livecut_image_takes_it(tmp_path):
    """`livecut image anim.gif` cuts its first frame (and says so); `livecut batch anim.gif`
    refused it as 'not a photo or video this tool knows'.  Named (on the command line or in
    --list) a GIF is a photo, its first frame as `livecut image` writes it; folders and globs
    give none, as in `livecut image`."""
    import shutil

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed")
    d = tmp_path / "in"
    frames = [_photo(d / f"f{i}.png", i, 160, 120) for i in range(3)]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-framerate", "5", "-i", str(d / "f%d.png"), str(d / "anim.gif")],
                   check=True, timeout=60)
    for f in frames:
        f.unlink()
    gif = d / "anim.gif"
    if cv2.imdecode(np.fromfile(gif, np.uint8), cv2.IMREAD_UNCHANGED) is None:
        pytest.skip("this OpenCV reads no GIF")
    lst = tmp_path / "list.txt"
    lst.write_text(f"{gif}\n")
    for p in (plan([str(gif)], tmp_path / "o"), plan([], tmp_path / "o", list_file=str(lst))):
        assert [(it.kind, it.rel) for it in p.todo] == [("image", "anim.png")] and not p.refused
    p = plan([str(d), str(d / "*.gif")], tmp_path / "o")
    assert not p.todo and len(p.refused) == 2  # (folder and glob: no photos or videos)
    out = tmp_path / "out"
    r = run_cli("batch", str(gif), "-o", str(out), "--jobs", "1")
    assert r.returncode == 0, r.stderr
    assert "an animated GIF of 3 frames; only the first is cut" in r.stderr
    single = tmp_path / "single"
    assert run_cli("image", str(gif), "-o", str(single), "-q").returncode == 0
    assert np.array_equal(cv2.imread(str(out / "anim.png"), cv2.IMREAD_UNCHANGED),
                          cv2.imread(str(single / "anim.png"), cv2.IMREAD_UNCHANGED))


def test_a_videos_warning_names_it_once(tmp_path):
    """A video's warnings that name it (`livecut file` says 'two.mkv has 2 video streams: ...',
    'cut.ts: the first 49 frames could not be decoded ...') were prefixed with the item's path
    by the batch: '/in/cut.ts: cut.ts: the first 49 frames ...', '/in/two.mkv: two.mkv has 2
    video streams'; the path takes the name's place, as a photo's warning names it."""
    src = tmp_path / "in"
    src.mkdir()
    ff = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=6"]
    subprocess.run([*ff, "-f", "lavfi", "-i", "testsrc=size=96x64:rate=25:duration=2", "-map", "0:v", "-map", "1:v",
                    "-c:v", "libx264", str(src / "two.mkv")], check=True)
    subprocess.run([*ff, "-c:v", "libx264", "-g", "100", "-bf", "0", str(tmp_path / "whole.ts")], check=True)
    data = (tmp_path / "whole.ts").read_bytes()
    (src / "cut.ts").write_bytes(data[len(data) // 3 // 188 * 188:])  # (between key frames)
    r = run_cli("batch", str(src), "-o", str(tmp_path / "out"), "--jobs", "1", "-q")
    assert r.returncode == 0, r.stderr
    said = r.stderr.splitlines()
    assert any(w.startswith(f"livecut: warning: {src / 'cut.ts'}: the first ") for w in said), said
    assert any(w.startswith(f"livecut: warning: {src / 'two.mkv'} has 2 video streams") for w in said), said
    assert not [w for w in said if f"{src / 'cut.ts'}: cut.ts" in w or f"{src / 'two.mkv'}: two.mkv" in w], said


def test_a_video_that_lost_frames_to_damage_is_called_partial_by_the_summary(tmp_path):
    """`livecut batch in/ -o out/` over an MKV with a stretch zeroed (frames lost to damage, which
    `livecut file` calls partial on its last line) passed the item's warning on, then summed up
    '2 done, 0 failed' as if both were whole videos.  The summary names the partial item by its
    path under the folder given, '2 done (1 partial: sub/a.mkv), 0 failed'; exit 0, as for `livecut
    file`; the whole one is not named."""
    import av

    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    ff = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=20",
          "-c:v", "libx264"]
    subprocess.run([*ff, str(tmp_path / "whole.mkv")], check=True)
    subprocess.run([*ff, "-t", "2", str(src / "b.mkv")], check=True)
    with av.open(str(tmp_path / "whole.mkv")) as c:  # (frames 60 to 99 zeroed: the demuxer passes over them)
        pos = [p.pos for p in c.demux(c.streams.video[0]) if p.size]
    data = bytearray((tmp_path / "whole.mkv").read_bytes())
    data[pos[60]:pos[100]] = bytes(pos[100] - pos[60])
    (src / "sub" / "a.mkv").write_bytes(bytes(data))
    r = run_cli("batch", str(src), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert r.returncode == 0, r.stderr
    said = r.stderr.splitlines()
    assert any(w.startswith(f"livecut: warning: {src / 'sub' / 'a.mkv'}: a stretch of ") for w in said), said
    assert said[-1].startswith("livecut batch: 2 done (1 partial: sub/a.mkv), 0 failed; "), said


def test_the_webm_codec_warning_is_said_once_not_a_video(tmp_path):
    """`livecut batch shoot/ -o cut/ --video-ext .webm --set video.codec=libx265`: 'video.codec
    libx265: a .webm is written as VP9 ...' was said for each video, a line each the same but for
    its name (a shoot of 200 clips: 200 lines); it is said once."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        make_clip(src / f"v{i}.mp4", w=96, h=64, n=3, seed=i)
    cfg = load_config(None, ["video.codec=libx265"])
    report = run_batch([str(src)], tmp_path / "out", cfg, jobs=1, video_ext=".webm")
    assert report.done == 3, report.errors
    assert report.warnings == ["video.codec libx265: a .webm is written as VP9 (video.codec libvpx-vp9, or "
                               "libvpx for VP8); .mkv or .mp4 take other codecs"]
    # (into .mkv, which takes it: nothing said)
    assert run_batch([str(src)], tmp_path / "mkv", cfg, jobs=1, video_ext=".mkv").warnings == []


def test_what_an_output_leaves_out_is_a_warning_even_when_quiet(tmp_path):
    """`livecut batch -q` of a multi-page TIFF cut its first page without a word (the item's
    warning was passed on as a note, which --quiet hides; without -q it was a "note"), where
    `livecut image -q` and `livecut file -q` say it as a warning."""
    src = _photo(tmp_path / "in" / "one.png", 0, 160, 120)
    img = cv2.imread(str(src))
    pages = tmp_path / "in" / "pages.tif"
    assert cv2.imwritemulti(str(pages), [img, img[:, ::-1].copy(), img[::-1].copy()])
    r = run_cli("batch", str(pages), str(src), "-o", str(tmp_path / "out"), "--jobs", "1", "-q")
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [f"livecut: warning: {pages}: a TIFF of 3 pages; only the first is cut"], r.stderr
    assert (tmp_path / "out" / "pages.png").is_file() and (tmp_path / "out" / "one.png").is_file()


def test_an_output_named_as_a_file_is_refused_not_made_a_folder(tmp_path):
    """`livecut batch a.jpg -o cut.png` (as `livecut image` takes -o) made a folder cut.png/
    holding a.png and the manifest, without a word; now -o with a picture's or a video's
    extension is refused (exit 2), unless it ends with / or is a folder already."""
    src = _photo(tmp_path / "in" / "a.jpg", 0, 160, 120)
    for name, points in (("cut.png", "livecut image PHOTO -o"), ("cut.mp4", "livecut file VIDEO -o")):
        r = run_cli("batch", str(src), "-o", str(tmp_path / name))
        assert r.returncode == 2 and not (tmp_path / name).exists(), r.stderr
        assert r.stderr.strip() == (f"livecut: error: -o {tmp_path / name}: livecut batch writes a folder (its outputs "
                                    f"mirror the inputs' tree), not a {name[3:]} file; give a folder (-o cut/; end -o "
                                    f"with / for a folder of this name), or for one file use `{points} "
                                    f"{tmp_path / name}`"), r.stderr
    r = run_cli("batch", str(src), "-o", str(tmp_path / "cut.png") + "/", "-q")
    assert r.returncode == 0 and (tmp_path / "cut.png" / "a.png").is_file(), r.stderr
    r = run_cli("batch", str(src), "-o", str(tmp_path / "cut.png"), "-q")  # (a folder already: as before)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("name", [".mp4", ".PNG"])
def test_an_output_of_an_extension_alone_is_refused_not_made_a_hidden_folder(tmp_path, name):
    """-o "$NAME.mp4" with NAME empty (-o .mp4) made a hidden folder .mp4/ holding the results,
    exit 0, without a word (out.mp4 is refused); it is refused, exit 2, nothing made; a final /
    still makes such a folder."""
    src = _photo(tmp_path / "in" / "a.jpg", 0, 160, 120)
    out = tmp_path / name
    r = run_cli("batch", str(src), "-o", str(out))
    assert r.returncode == 2 and not out.exists(), r.stderr
    assert r.stderr.strip() == (f"livecut: error: -o {out}: {name} with nothing before it (an empty variable?): "
                                "livecut batch writes a folder (its outputs mirror the inputs' tree); give one "
                                "(-o cut/; end -o with / for a folder of this name)"), r.stderr
    r = run_cli("batch", str(src), "-o", f"{out}/", "-q")
    assert r.returncode == 0 and (out / "a.png").is_file(), r.stderr


def test_a_named_photo_without_an_extension_is_cut_as_livecut_image_cuts_it(tmp_path):
    """`livecut image IMG_0001` reads a photo by its content, whatever its name; `livecut batch
    IMG_0001` refused it as 'not a photo or video this tool knows'.  Named, a file whose
    extension says nothing is a photo when its first bytes are a picture's; a folder still
    gives only the types its extensions name, and a named text file is still refused."""
    src = _photo(tmp_path / "in" / "a.jpg", 0, 160, 120)
    bare = tmp_path / "in" / "IMG_0001"
    src.rename(bare)
    notes = tmp_path / "in" / "notes"
    notes.write_text("not a photo\n")
    p = plan([str(bare), str(notes)], tmp_path / "out")
    assert [(it.kind, it.rel) for it in p.todo] == [("image", "IMG_0001.png")]
    assert [e for _, e in p.refused] == [f"{notes}: not a photo or video this tool knows (.jpg, .jpeg, .png, "
                                         ".mp4, .m4v, .mkv ...)"]
    assert not plan([str(tmp_path / "in")], tmp_path / "out").todo  # (a folder: by extension, as before)
    r = run_cli("batch", str(bare), "-o", str(tmp_path / "out"), "-q")
    assert r.returncode == 0, r.stderr
    assert cv2.imread(str(tmp_path / "out" / "IMG_0001.png"), cv2.IMREAD_UNCHANGED).shape == (120, 160, 4)


def test_a_list_from_a_windows_editor_or_with_latin1_names_is_read(tmp_path):
    """--list written with a BOM (Notepad, PowerShell): its first path was 'file not found'; a
    Latin-1 name in it: internal error (UnicodeDecodeError), exit 1; a picture given as the
    list: internal error (ValueError, a NUL in a path)."""
    _photo(tmp_path / "a.jpg", 0)
    latin = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.jpg"))
    latin.write_bytes((tmp_path / "a.jpg").read_bytes())
    lst = tmp_path / "list.txt"
    lst.write_bytes(b"\xef\xbb\xbf" + bytes(tmp_path / "a.jpg") + b"\r\n" + bytes(latin) + b"\r\n")
    p = plan([], tmp_path / "o", list_file=str(lst))
    assert not p.refused and sorted(it.rel for it in p.todo) == ["a.png", "caf\udce9.png"]
    with pytest.raises(UsageError, match="not a text file"):
        plan([], tmp_path / "o", list_file=str(tmp_path / "a.jpg"))


def test_a_list_of_find_print0_says_its_nul_separators(tmp_path):
    """`find shoot -print0 > list` (paths ended by NUL, as for xargs -0) given as --list said
    'not a text file of paths (one a line)', as a picture given for the list does; it says what
    the NULs are and what to write instead.  A picture given for the list: as before."""
    _photo(tmp_path / "a.jpg", 0)
    _photo(tmp_path / "b.jpg", 1)
    lst = tmp_path / "list.txt"
    lst.write_bytes(bytes(tmp_path / "a.jpg") + b"\x00" + bytes(tmp_path / "b.jpg") + b"\x00")
    with pytest.raises(UsageError, match=r"its paths are ended by NUL characters \(find -print0\); a list has "
                                         r"one path a line \(find -print\)"):
        plan([], tmp_path / "o", list_file=str(lst))
    with pytest.raises(UsageError, match=r"not a text file of paths \(one a line\)$"):
        plan([], tmp_path / "o", list_file=str(tmp_path / "a.jpg"))
    assert not (tmp_path / "o").exists()


def test_a_list_from_windows_powershell_is_read(tmp_path):
    """`dir *.jpg -Name > list.txt` in Windows PowerShell writes UTF-16 with its BOM: the list was
    "not a text file of paths (one a line)"."""
    _photo(tmp_path / "a.jpg", 0)
    _photo(tmp_path / "b.jpg", 1)
    lst = tmp_path / "list.txt"
    lst.write_bytes(f"{tmp_path / 'a.jpg'}\r\n{tmp_path / 'b.jpg'}\r\n".encode("utf-16"))
    p = plan([], tmp_path / "o", list_file=str(lst))
    assert not p.refused and sorted(it.rel for it in p.todo) == ["a.png", "b.png"]


def test_a_quoted_path_in_a_list_says_its_quotes_are_read_as_part_of_the_name(tmp_path):
    """A list of paths in quotes (Windows' "Copy as path", a spreadsheet's export) said
    '"/.../a.jpg": file not found' with the file there; the quotes are said to be the cause, with
    the path to write.  A quoted path to nothing is 'file not found' alone, as before."""
    _photo(tmp_path / "a.jpg", 0)
    lst = tmp_path / "list.txt"
    lst.write_text(f'"{tmp_path / "a.jpg"}"\n"{tmp_path / "nope.jpg"}"\n')
    r = run_cli("batch", "--list", str(lst), "-o", str(tmp_path / "o"), "--jobs", "1")
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if "file not found" in ln]
    assert lines == [f'livecut: error: "{tmp_path / "a.jpg"}": file not found (the quotes are read as part of '
                     f'its name: write the path without them, {tmp_path / "a.jpg"})',
                     f'livecut: error: "{tmp_path / "nope.jpg"}": file not found'], r.stderr


def test_a_url_in_a_list_file_is_refused_without_its_password(tmp_path):
    """A URL in --list (the command line refuses one) became a Path, its :// folded to :/ out of
    reach of redaction: "rtsp:/user:PASSWORD@host/x: file not found" on stderr."""
    from livecut.batch import expand

    lst = tmp_path / "list.txt"
    lst.write_text("rtsp://user:Hunter2pw@127.0.0.1:9/x\nhttp://127.0.0.1:9/v.mp4?token=Tok3nSecret\n")
    pairs, errors = expand([], tmp_path / "o", list_file=str(lst))
    assert pairs == [] and len(errors) == 2
    assert all("is a URL" in e for e in errors), errors
    assert not any("Hunter2pw" in e or "Tok3nSecret" in e for e in errors), errors
    r = run_cli("batch", "--list", str(lst), "-o", str(tmp_path / "o"), "--jobs", "1")
    assert r.returncode == 2
    assert "Hunter2pw" not in r.stderr and "Tok3nSecret" not in r.stderr, r.stderr


def test_a_pictures_url_points_at_livecut_image(tmp_path):
    """`livecut batch https://host/photo.jpg` was refused with '... is a URL; `livecut batch` reads
    local files (use `livecut run` for streams)', where run cuts no photo and `livecut image URL`
    fetches and cuts it; a video's URL points at run as before, one that names neither at both,
    on the command line and in a --list."""
    from livecut.batch import expand

    photo, video, neither = ("https://u:Hunter2pw@127.0.0.1:9/cam/snap.JPG?token=Tok3n",
                             "http://127.0.0.1:9/v.mp4", "http://127.0.0.1:9/snapshot.cgi")
    said = {}
    for url in (photo, video, neither):
        r = run_cli("batch", url, "-o", str(tmp_path / "o"), "--jobs", "1")
        assert r.returncode == 2 and "Hunter2pw" not in r.stderr and "Tok3n" not in r.stderr, r.stderr
        said[url] = r.stderr.strip()
    assert said[photo] == ("livecut: error: https://***@127.0.0.1:9/cam/snap.JPG?token=***: is a URL; `livecut "
                           "batch` reads local files (`livecut image URL` fetches and cuts a picture at its "
                           "http(s):// address)"), said[photo]
    assert said[video].endswith("v.mp4: is a URL; `livecut batch` reads local files (use `livecut run` for "
                                "streams)"), said[video]
    assert said[neither].endswith("snapshot.cgi: is a URL; `livecut batch` reads local files (use `livecut image "
                                  "URL` for a picture at its http(s):// address, `livecut run` for streams)")
    lst = tmp_path / "list.txt"
    lst.write_text(f"{photo}\n{video}\nrtsp://127.0.0.1:9/live.jpg\n")
    _, errors = expand([], tmp_path / "o", list_file=str(lst))
    assert ["livecut image URL" in e for e in errors] == [True, False, False], errors
    assert ["livecut run" in e for e in errors] == [False, True, True], errors


def test_inputs_inside_the_output_folder_are_not_dropped_silently(tmp_path):
    """`batch a.jpg -o .` or `batch . -o .`: every input is inside OUTDIR and was dropped as a
    result of an earlier run: 0 done, 0 failed, exit 0, nothing written, nothing said."""
    _photo(tmp_path / "a.jpg", 0)
    for inputs in ([str(tmp_path / "a.jpg")], [str(tmp_path)]):
        p = plan(inputs, tmp_path)
        assert not p.todo and len(p.refused) == 1 and "inside the output folder" in p.refused[0][1]
    # the results of an earlier run named again (a shell's glob over OUTDIR) are still left out quietly
    out = tmp_path / "cut"
    assert run_batch([str(tmp_path / "a.jpg")], out, load_config(None, []), jobs=1).done == 1
    p = plan([str(tmp_path / "a.jpg"), str(out / "a.png")], out)
    assert not p.todo and not p.refused and p.skipped_done == 1


def test_plan_refuses_two_inputs_with_one_output(tmp_path):
    _photo(tmp_path / "in" / "x.jpg", 0)
    _photo(tmp_path / "in" / "x.png", 1)
    p = plan([str(tmp_path / "in")], tmp_path / "out")
    assert len(p.todo) == 1 and len(p.refused) == 1 and "also the output of" in p.refused[0][1]


def test_plan_refuses_outputs_that_differ_only_in_case(tmp_path):
    """A.jpg and a.jpg, Day/ and day/ (as a Linux disk can hold them): two outputs here, one on a
    file system that ignores case (macOS, Windows), where the second was refused once cut
    ("exists") or replaced the first."""
    _photo(tmp_path / "in" / "A.jpg", 0)
    _photo(tmp_path / "in" / "a.jpg", 1)
    _photo(tmp_path / "in" / "Day" / "p.jpg", 2)
    _photo(tmp_path / "in" / "day" / "p.jpg", 3)
    p = plan([str(tmp_path / "in")], tmp_path / "out")
    assert sorted(it.rel for it in p.todo) == ["A.png", "Day/p.png"]
    out = tmp_path / "out"
    assert sorted(e for _, e in p.refused) == [
        f"{tmp_path / 'in' / 'a.jpg'}: output {out / 'a.png'} differs only in case from {out / 'A.png'}, the "
        f"output of {tmp_path / 'in' / 'A.jpg'}: one name on file systems that ignore case (macOS, Windows)",
        f"{tmp_path / 'in' / 'day' / 'p.jpg'}: output {out / 'day' / 'p.png'} differs only in case from "
        f"{out / 'Day' / 'p.png'}, the output of {tmp_path / 'in' / 'Day' / 'p.jpg'}: one name on file systems "
        "that ignore case (macOS, Windows)"]


def test_plan_says_outputs_one_only_in_their_accents_form_as_such(tmp_path):
    """caf\u00e9.jpg beside cafe\u0301.jpg (the same name, its accent composed and decomposed, as a
    Mac's copy writes it) was refused as 'output .../caf\u00e9.png differs only in case from
    .../cafe\u0301.png': two names that print alike and have no case to differ in."""
    nfc, nfd = "caf\u00e9", "cafe\u0301"
    _photo(tmp_path / "in" / f"{nfd}.jpg", 0)
    _photo(tmp_path / "in" / f"{nfc}.jpg", 1)
    p = plan([str(tmp_path / "in")], tmp_path / "out")
    out = tmp_path / "out"
    (first,) = [it.src for it in p.todo]
    other = ({nfc, nfd} - {first.stem}).pop()
    assert [e for _, e in p.refused] == [
        f"{tmp_path / 'in' / other}.jpg: output {out / other}.png is {out / first.stem}.png with its accents "
        f"in another Unicode form (composed or decomposed), the output of {first}: one name on macOS"]


def test_manifest_tolerates_a_truncated_last_line(tmp_path):
    m = tmp_path / MANIFEST
    append_record(m, {"input": "/a", "status": "ok"})
    with open(m, "a") as f:
        f.write('{"input": "/b", "sta')  # a crash mid-line
    assert set(read_manifest(m)) == {"/a"}
    append_record(m, {"input": "/c", "status": "failed"})
    assert set(read_manifest(m)) == {"/a", "/c"}
    assert m.read_text().splitlines()[-1] == '{"input": "/c", "status": "failed"}'


def test_a_file_name_that_is_not_utf8_is_recorded_and_skipped_next_time(tmp_path):
    """A Latin-1 name (an old archive, a camera card copied from Windows): the manifest could
    not encode it (internal error, exit 1, the item unrecorded); now escaped as JSON does."""
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    src = Path(os.fsdecode(bytes(shoot) + b"/caf\xe9.jpg"))
    src.write_bytes(_photo(tmp_path / "a.jpg", 0).read_bytes())  # (cv2.imwrite crashes on such a name)
    out = tmp_path / "out"
    cfg = load_config(None, [])
    report = run_batch([str(shoot)], out, cfg, jobs=1)
    assert report.done == 1 and not report.errors, report.errors
    assert (out / "caf\udce9.png").is_file() and (out / MANIFEST).read_text(encoding="utf-8")
    assert set(read_manifest(out / MANIFEST)) == {str(src)}
    again = run_batch([str(shoot)], out, cfg, jobs=1)
    assert again.done == 0 and again.skipped_done == 1 and again.exit_code == 0


def test_the_manifest_says_a_name_not_utf8_as_unicode_text_and_its_bytes(tmp_path):
    """The manifest wrote a Latin-1 name (caf\\xe9.jpg) as "caf\\udce9.jpg", a lone surrogate that
    is no Unicode text (jq shows another character, stricter JSON readers refuse the line).  The
    name is text with the byte written \\xe9, as livecut's messages write it, its exact bytes in
    input_base64 (output_base64); such a line, and one written the old way, are the item done."""
    import base64

    shoot = tmp_path / "shoot"
    shoot.mkdir()
    src = Path(os.fsdecode(bytes(shoot) + b"/caf\xe9.jpg"))
    src.write_bytes(_photo(tmp_path / "a.jpg", 0).read_bytes())
    out = tmp_path / "out"
    cfg = load_config(None, [])
    assert run_batch([str(shoot)], out, cfg, jobs=1).done == 1
    text = (out / MANIFEST).read_text(encoding="utf-8")
    assert "\\ud" not in text, text
    recs = [json.loads(line) for line in text.splitlines()]
    assert {r["input"] for r in recs} == {str(shoot) + "/caf\\xe9.jpg"} and {r["output"] for r in recs} == {"caf\\xe9.png"}
    assert {base64.b64decode(r["input_base64"]) for r in recs} == {bytes(src)}
    assert {base64.b64decode(r["output_base64"]) for r in recs} == {b"caf\xe9.png"}
    assert set(read_manifest(out / MANIFEST)) == {str(src)}
    assert run_batch([str(shoot)], out, cfg, jobs=1).skipped_done == 1
    # a manifest of an earlier version, the surrogate's escape in its lines: the item is still done
    old = [{k: v for k, v in r.items() if not k.endswith("_base64")} | {"input": str(src), "output": "caf\udce9.png"}
           for r in recs]
    (out / MANIFEST).write_text("".join(json.dumps(r) + "\n" for r in old), encoding="utf-8")
    again = run_batch([str(shoot)], out, cfg, jobs=1)
    assert again.done == 0 and again.skipped_done == 1 and again.exit_code == 0
    # a refusal that names it (two inputs with its one output) is the failure recorded before, not a new one
    Path(os.fsdecode(bytes(shoot) + b"/caf\xe9.png")).write_bytes(src.read_bytes())
    first = run_batch([str(shoot)], out, cfg, jobs=1)
    assert first.failed == 1 and "caf\udce9.png" in first.errors[0], first.errors
    second = run_batch([str(shoot)], out, cfg, jobs=1)
    assert second.failed == 0 and second.skipped_failed == 1 and second.skipped_done == 1


# ---------------------------------------------------------------- local runs

def test_batch_runs_mixed_inputs_records_each_and_resumes(library, tmp_path):
    out = tmp_path / "out"
    r = run_cli("batch", str(library), "-o", str(out), "--jobs", "2", timeout=180)
    assert r.returncode == 2, r.stderr  # the broken photo: bad input, the rest goes on
    assert "broken.jpg" in r.stderr and "5 done, 1 failed" in r.stderr
    for rel in ("a.png", "day2/b.png", "day2/deep/c.png", "day2/v.mp4", "w.mp4"):
        assert (out / rel).is_file(), rel
    assert not (out / "broken.png").exists()
    assert not [p for p in out.rglob(".*")]  # no temporary files left
    recs = _records(out)
    assert len(recs) == 6 and {r["status"] for r in recs} == {"ok", "failed"}
    by = {Path(r["input"]).name: r for r in recs}
    assert by["v.mp4"]["frames"] == 12 and by["w.mkv"]["frames"] == 8 and by["a.jpg"]["frames"] == 1
    assert by["broken.jpg"]["error"] and by["broken.jpg"]["exit_code"] == 2
    for r in recs:
        assert {"input", "output", "size", "mtime_ns", "frames", "seconds", "status", "error"} <= set(r)

    # the photo is what `livecut image` writes (the same code, not a second implementation)
    single = tmp_path / "single"
    assert run_cli("image", str(library / "a.jpg"), "-o", str(single)).returncode == 0
    assert np.array_equal(cv2.imread(str(single / "a.png"), cv2.IMREAD_UNCHANGED),
                          cv2.imread(str(out / "a.png"), cv2.IMREAD_UNCHANGED))

    # same command again: nothing redone, the old failure still fails the batch
    r = run_cli("batch", str(library), "-o", str(out), "--jobs", "2", timeout=120)
    assert r.returncode == 2 and "0 done, 0 failed, 5 already done, 1 failed before" in r.stderr
    assert len(_records(out)) == 6

    # a changed input is redone (its output replaced); --retry-failed retries the failure
    a = library / "a.jpg"
    os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 10**9))
    r = run_cli("batch", str(library), "-o", str(out), "--jobs", "2", "--retry-failed", timeout=120)
    assert r.returncode == 2 and "1 done, 1 failed, 4 already done" in r.stderr, r.stderr
    assert [Path(x["input"]).name for x in _records(out)[6:]] in (["a.jpg", "broken.jpg"],
                                                                  ["broken.jpg", "a.jpg"])
    # other settings make other outputs: everything is redone
    r = run_cli("batch", str(library), "-o", str(out), "--mode", "mask", "-q", timeout=120)
    assert "5 done, 1 failed" in r.stderr and r.returncode == 2
    assert cv2.imread(str(out / "a.png"), cv2.IMREAD_UNCHANGED).ndim == 2


def test_batch_refuses_to_replace_what_it_did_not_write(library, tmp_path):
    out = tmp_path / "out"
    _photo(out / "a.png", 7)
    before = (out / "a.png").read_bytes()
    report = run_batch([str(library / "a.jpg"), str(library / "day2" / "b.png")], out, load_config(None, []),
                       jobs=1)
    assert report.done == 1 and report.failed == 1 and "exists (use --force" in report.errors[0]
    assert (out / "a.png").read_bytes() == before
    report = run_batch([str(library / "a.jpg")], out, load_config(None, []), jobs=1, force=True,
                       retry_failed=True)
    assert report.done == 1 and (out / "a.png").read_bytes() != before


def test_an_earlier_batchs_output_inside_the_input_is_not_taken_for_input(tmp_path):
    """`batch shoot -o shoot/cut2` after `batch shoot -o shoot/cut`: cut/ (an output folder, it
    holds a manifest) was walked as input, and every cutout cut out again."""
    shoot = tmp_path / "shoot"
    _photo(shoot / "a.jpg", 0)
    _photo(shoot / "day" / "b.jpg", 1)
    cfg = load_config(None, [])
    assert run_batch([str(shoot)], shoot / "cut", cfg, jobs=1).done == 2
    report = run_batch([str(shoot)], shoot / "cut2", cfg, jobs=1)
    assert report.done == 2, report.errors
    assert sorted(p.relative_to(shoot / "cut2").as_posix() for p in (shoot / "cut2").rglob("*.png")) == \
        ["a.png", "day/b.png"]
    # given by name, an output folder still is an input
    assert run_batch([str(shoot / "cut")], tmp_path / "again", cfg, jobs=1).done == 2
    # a folder that holds photos and, since, another batch's outputs: only the outputs are left out
    _photo(shoot / "cut" / "original.jpg", 3)
    report = run_batch([str(shoot)], tmp_path / "all", cfg, jobs=1)
    assert report.done == 3, report.errors
    assert (tmp_path / "all" / "cut" / "original.png").is_file() and not (tmp_path / "all" / "cut" / "a.png").exists()


def test_a_failed_run_does_not_disown_an_earlier_output(library, tmp_path):
    """A run that fails on an item whose output an earlier run of the batch wrote leaves that
    output in place: a later run with other settings replaces it without --force."""
    out = tmp_path / "out"
    src = tmp_path / "in" / "a.jpg"
    good = _photo(src, 0).read_bytes()
    photo = [str(src)]
    cfg = load_config(None, [])
    assert run_batch(photo, out, cfg, jobs=1).done == 1
    first = (out / "a.png").read_bytes()
    src.write_bytes(b"not an image")  # (changed: done again, and it fails)
    report = run_batch(photo, out, cfg, jobs=1)
    assert report.failed == 1 and (out / "a.png").read_bytes() == first
    assert _records(out)[-1]["status"] == "failed" and _records(out)[-1]["written"] is True
    src.write_bytes(good)
    report = run_batch(photo, out, cfg, jobs=1, mode="mask")
    assert report.done == 1 and report.failed == 0, report.errors
    assert (out / "a.png").read_bytes() != first


def test_a_link_to_nothing_at_an_outputs_name_is_not_a_finished_output(tmp_path):
    """An output of an earlier run replaced by a link that leads nowhere (moved to a disk since
    unmounted, deleted) was counted 'already done' by the next run, and never written again; a link
    to a file there still is that output."""
    src = _photo(tmp_path / "in" / "a.jpg", 0)
    out = tmp_path / "out"
    cfg = load_config(None, [])
    assert run_batch([str(src)], out, cfg, jobs=1).done == 1
    kept = tmp_path / "archive" / "a.png"
    kept.parent.mkdir()
    shutil.move(out / "a.png", kept)
    (out / "a.png").symlink_to(kept)
    assert run_batch([str(src)], out, cfg, jobs=1).skipped_done == 1  # (a link to it: still done)
    kept.unlink()
    report = run_batch([str(src)], out, cfg, jobs=1)
    assert (report.done, report.skipped_done) == (1, 0), report.errors
    assert (out / "a.png").is_file() and cv2.imread(str(out / "a.png"), cv2.IMREAD_UNCHANGED).shape[2] == 4


def test_a_frames_folder_emptied_is_not_a_finished_output(tmp_path):
    """--video-ext /: a video's frames folder emptied since (rm cut/v/*) was counted 'already done'
    by the next run, the folder left empty for good; it is done again."""
    (tmp_path / "in").mkdir()
    src = make_clip(tmp_path / "in" / "v.mp4", w=96, h=64, n=4)
    out = tmp_path / "out"
    cfg = load_config(None, [])
    assert run_batch([str(src)], out, cfg, jobs=1, video_ext="/").done == 1
    for frame in (out / "v").iterdir():
        frame.unlink()
    report = run_batch([str(src)], out, cfg, jobs=1, video_ext="/")
    assert (report.done, report.skipped_done) == (1, 0), report.errors
    assert len(list((out / "v").glob("frame_*.png"))) == 4


def test_side_by_side_of_photos_and_videos_mixed(tmp_path):
    """--mode side-by-side on a folder of photos and videos failed every photo ("photos take
    cutout, mask, composite", exit 2): a photo becomes what `livecut image --mode side-by-side`
    writes, the photo beside its composite."""
    from livecut import images

    assert images.IMAGE_MODES == livecut_batch.IMAGE_MODES
    shoot = tmp_path / "shoot"
    _photo(shoot / "a.jpg", 0, w=160, h=120)
    make_clip(shoot / "v.mp4", n=4, seed=1)
    r = run_cli("batch", str(shoot), "-o", str(tmp_path / "out"), "--mode", "side-by-side", "-j", "1",
                timeout=120)
    assert r.returncode == 0 and "2 done, 0 failed" in r.stderr, r.stderr
    got = cv2.imread(str(tmp_path / "out" / "a.png"), cv2.IMREAD_UNCHANGED)
    assert got.shape == (120, 320, 3)
    assert run_cli("image", str(shoot / "a.jpg"), "-o", str(tmp_path / "one"), "--mode", "side-by-side").returncode == 0
    assert np.array_equal(cv2.imread(str(tmp_path / "one" / "a.png"), cv2.IMREAD_UNCHANGED), got)


def test_the_background_given_to_run_batch_is_the_photos_too(library, tmp_path):
    """run_batch(..., background='color:#00ff00') (the library call, not the command, which
    puts -b into the configuration) made the photos composites over the configuration's
    background, blur, not over green."""
    from livecut.images import process_images

    cfg = load_config(None, [])
    report = run_batch([str(library / "a.jpg")], tmp_path / "out", cfg, jobs=1, background="color:#00ff00")
    assert report.done == 1, report.errors
    got = cv2.imread(str(tmp_path / "out" / "a.png"), cv2.IMREAD_UNCHANGED)
    green = load_config(None, ["composite.background=color:#00ff00"])
    assert process_images([str(library / "a.jpg")], tmp_path / "one", green, mode="composite").written == 1
    assert tuple(got[0, 0]) == (0, 255, 0)
    assert np.array_equal(got, cv2.imread(str(tmp_path / "one" / "a.png"), cv2.IMREAD_UNCHANGED))


def test_a_bad_background_or_a_container_without_alpha_is_refused_once(library, tmp_path):
    from livecut.errors import UsageError

    out = tmp_path / "out"
    cfg = load_config(None, [])
    for bg in ("bogus", f"image:{tmp_path / 'missing.png'}"):
        with pytest.raises(UsageError, match="background"):
            run_batch([str(library)], out, cfg, jobs=1, background=bg)
    # photos composited over a video: once, not one failure a photo ("video backgrounds are for video")
    video = f"video:{library / 'w.mkv'}"
    for mode in ("composite", "side-by-side"):
        with pytest.raises(UsageError, match=f"^mode {mode} over a video background .*the 4 photos among"):
            run_batch([str(library)], out, cfg, jobs=1, mode=mode, background=video)
        with pytest.raises(UsageError, match="the 1 photo among"):  # (the configuration's too)
            run_batch([str(library / "a.jpg")], out, load_config(None, [f"composite.background={video}"]),
                      jobs=1, mode=mode)
    # the configuration's side-by-side, without --mode: said as the configuration's (it was said as
    # --mode side-by-side, with "leave --mode unset", which it was)
    with pytest.raises(UsageError) as info:
        run_batch([str(library / "a.jpg")], out, load_config(None, [f"composite.background={video}",
                                                                    "composite.mode=side-by-side"]), jobs=1)
    said = str(info.value)
    assert said.startswith("composite.mode = side-by-side (the configuration) over a video background"), said
    assert "--mode" not in said and "give -b image:PATH, or give the videos alone" in said, said
    with pytest.raises(UsageError, match="--video-ext .mov"):
        run_batch([str(library)], out, cfg, jobs=1, mode="cutout")
    with pytest.raises(UsageError, match="not standard output"):  # (it made a folder named '-')
        run_batch([str(library)], Path("-"), cfg, jobs=1)
    # a video.codec or video.preset the videos' type refuses: once, not one failure a video
    for sets, said in ((["video.codec=h265"], "video.codec 'h265': no such encoder"),
                       (["video.preset=fastest"], "video.preset 'fastest': not an x264/x265 preset")):
        with pytest.raises(UsageError, match=said):
            run_batch([str(library)], out, load_config(None, sets), jobs=1)
    # ... and a codec that exists but that the type's muxer will not take (ProRes into the
    # default .mp4, x265 into .avi: the photos were cut, then each video failed as an item)
    for sets, ext in ((["video.codec=prores"], ".mp4"), (["video.codec=libx265"], ".avi")):
        with pytest.raises(UsageError, match=f"a \\{ext} file cannot hold it"):
            run_batch([str(library)], out, load_config(None, sets), jobs=1, video_ext=ext)
    assert not out.exists()  # nothing started, no manifest line per item
    # photos alone can be cut out whatever --video-ext says
    assert run_batch([str(library / "a.jpg")], out, cfg, jobs=1, mode="cutout").done == 1


@pytest.mark.parametrize("sets,mode,background,said", [
    (["composite.mode=cutout"], None, None, "(composite.mode = cutout (the configuration))"),
    (["composite.background=none"], None, None, "(composite.background = none (the configuration))"),
    ([], "cutout", None, "(mode cutout)"),
    ([], None, "transparent", "(-b transparent)"),
    (["composite.background=transparent"], "composite", None,
     "(mode composite, composite.background = transparent (the configuration))"),
])
def test_videos_with_transparency_into_a_type_without_it_say_what_asked_for_it(library, tmp_path, sets, mode,
                                                                               background, said):
    """A cutout asked for by the configuration (-c my.toml holding composite.mode = "cutout", a
    --set) into the default .mp4 was said "videos with transparency (--mode cutout)", an option
    not given; a configuration's transparent background "(--mode composite, -b transparent)"."""
    from livecut.errors import UsageError

    with pytest.raises(UsageError) as info:
        run_batch([str(library)], tmp_path / "out", load_config(None, sets), jobs=1, mode=mode,
                  background=background)
    assert f"videos with transparency {said} cannot be .mp4 files" in str(info.value), str(info.value)


def test_run_batch_names_its_mode_argument_not_the_command_lines_option(library, tmp_path):
    """run_batch(..., mode='nope') -- the library -- said "--mode 'nope': expected one of ...", an
    option of the command line, as its other messages naming the mode ("videos with transparency
    (--mode cutout)", "--mode composite over a video background ... leave --mode unset"), where
    process_images and run_video name their argument; `livecut batch -m nope` still says --mode."""
    cfg = load_config(None, [])
    out = tmp_path / "out"
    with pytest.raises(UsageError) as info:
        run_batch([str(library)], out, cfg, jobs=1, mode="nope")
    assert str(info.value) == "mode 'nope': expected one of composite, mask, cutout, side-by-side"
    with pytest.raises(UsageError, match=r"^mode 'maks': expected one of .*; did you mean mask\?$"):
        run_batch([str(library)], out, cfg, jobs=1, mode="maks")
    with pytest.raises(UsageError) as info:
        run_batch([str(library)], out, cfg, jobs=1, mode="cutout")
    assert "videos with transparency (mode cutout) cannot be" in str(info.value), str(info.value)
    with pytest.raises(UsageError) as info:
        run_batch([str(library / "a.jpg")], out, cfg, jobs=1, mode="composite", background=f"video:{library / 'w.mkv'}")
    said = str(info.value)
    assert said.startswith("mode composite over a video background") and "leave mode unset" in said, said
    assert "--mode" not in said, said
    # (what run_item makes of a photo: never reached from the command, which checks the mode first)
    done = run_item(str(library / "a.jpg"), str(out / "a.png"), "image", False,
                    livecut_batch.Settings(cfg=cfg, mode="nope"))
    assert done["status"] == "failed" and ": mode 'nope': expected one of" in done["error"], done
    assert not out.exists()
    # the command line says its option
    r = run_cli("batch", str(library / "a.jpg"), "-o", str(tmp_path / "cut"), "-m", "nope")
    assert r.returncode == 2 and r.stderr.splitlines() == [
        "livecut: error: --mode 'nope': expected one of composite, mask, cutout, side-by-side"], r.stderr
    r = run_cli("batch", str(library), "-o", str(tmp_path / "cut"), "-m", "cutout")
    assert r.returncode == 2 and "videos with transparency (--mode cutout) cannot be" in r.stderr, r.stderr
    r = run_cli("batch", str(library / "a.jpg"), "-o", str(tmp_path / "cut"), "-m", "composite",
                "-b", f"video:{library / 'w.mkv'}")
    assert r.returncode == 2 and "--mode composite over a video background" in r.stderr, r.stderr
    assert "leave --mode unset" in r.stderr, r.stderr
    assert not (tmp_path / "cut").exists()


def test_ctrl_c_stops_keeps_the_finished_and_a_rerun_completes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(4):
        make_clip(src / f"c{i}.mp4", n=150, seed=i)
    for i in range(6):
        _photo(src / f"p{i}.jpg", i)
    out = tmp_path / "out"
    proc = _batch_at_work(src, out, "-j", "2", until=lambda: _records(out))
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    t0 = time.monotonic()
    _, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - t0 < 3, stderr
    assert proc.returncode == 130, stderr
    recs = _records(out)
    last = {x["output"]: x for x in recs}  # (an item's last line is what the next run goes by)
    done = {o for o, x in last.items() if x["status"] == "ok"}
    # an output renamed into place while Ctrl-C stopped the batch, before its result came back
    # (the timing decides whether any): this batch's, recorded to be done again
    again = {o for o, x in last.items() if x["status"] == "interrupted" and x["written"]}
    # what the stop said done is what the manifest keeps done: no "ok" is followed by
    # "interrupted" (its whole output done again, one "already done" fewer in the rerun)
    assert not {x["output"] for x in recs if x["status"] == "ok"} & again, recs
    assert f"interrupted: {len(done)} done, 0 failed;" in stderr
    assert 1 <= len(done) < 10, stderr
    assert len(done) + len(again) == len(last), recs
    # every file at a final name is whole and recorded (done, or to be done again), no
    # temporary file left
    finals = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.name != MANIFEST}
    assert finals == done | again, recs
    for name in finals:
        if name.endswith(".png"):
            assert cv2.imread(str(out / name)) is not None, name
        else:
            assert len(_frames(out / name)) == 150, name
    r = run_cli("batch", str(src), "-o", str(out), "-j", "2", timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"{10 - len(done)} done, 0 failed, {len(done)} already done" in r.stderr
    recs = _records(out)
    last = {x["input"]: x for x in recs}
    assert len(last) == 10 and {x["status"] for x in last.values()} == {"ok"}
    assert sum(x["status"] == "ok" for x in recs) == 10  # (each item done once)
    assert {p.name for p in out.iterdir()} == {MANIFEST} | {f"c{i}.mp4" for i in range(4)} | \
        {f"p{i}.png" for i in range(6)}


def test_a_hangup_stops_the_batch_with_one_line(tmp_path):
    """A terminal closed (an SSH connection lost) sends SIGHUP to the whole group: it killed
    the multiprocessing resource tracker, which the driver started again as it stopped, with a
    warning ('process died unexpectedly, relaunching') and a KeyError traceback per semaphore
    freed after (7 with -j 2), where the batch said one line."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        make_clip(src / f"c{i}.mp4", n=150, seed=i)
    out = tmp_path / "out"
    proc = _batch_at_work(src, out, "-j", "2", until=lambda: _records(out, started=True))
    time.sleep(0.5)  # (the workers at work)
    os.killpg(proc.pid, signal.SIGHUP)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 129, stderr
    assert stderr.startswith("livecut: error: stopped by SIGHUP: "), stderr
    assert len(stderr.splitlines()) == 1, stderr


def _temporaries(out: Path) -> list[str]:
    """The names of the temporary files in ``out`` (the outputs' and the batch's lock)."""
    return sorted(p.name for p in out.iterdir() if ".livecut-" in p.name)


def _two_workers_writing(tmp_path: Path):
    """(the batch's process, its OUTDIR, a function giving OUTDIR's temporaries) for a batch of
    three 150-frame clips with -j 2, once both workers write their outputs (the lock and two
    temporaries there)."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        make_clip(src / f"c{i}.mp4", n=150, seed=i)
    out = tmp_path / "out"
    proc = _batch_at_work(src, out, "-j", "2", until=lambda: len(_temporaries(out)) >= 3)
    time.sleep(0.3)
    return proc, out, lambda: _temporaries(out)


@pytest.mark.parametrize("whom", ["the driver", "the whole group"])
def test_a_batch_killed_by_sigusr1_or_sigquit_leaves_no_temporary_file(tmp_path, whom):
    """`kill -QUIT` (or -USR1) of a batch's driver while its workers wrote: it died by the signal,
    as livecut does, but the workers' ``.NAME.livecut-*`` files and ``.livecut-batch.lock`` stayed
    in OUTDIR (the workers, other processes, went without removing theirs; the driver's lock was
    not one of the temporaries it removes).  Ctrl-\\ on a terminal (the whole group) left them too."""
    proc, out, temporaries = _two_workers_writing(tmp_path)
    if whom == "the driver":
        os.kill(proc.pid, signal.SIGUSR1)
    else:
        os.killpg(proc.pid, signal.SIGUSR1)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGUSR1, stderr  # (still dies by the signal)
    deadline = time.monotonic() + 10
    while temporaries() and time.monotonic() < deadline:  # (the workers end as the driver dies)
        time.sleep(0.1)
    assert temporaries() == [], stderr


def _writer_of(folder: Path, mark: str) -> int | None:
    """The process that holds open a file of ``folder`` whose name holds ``mark`` (a worker and
    its output's temporary file), or None."""
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                target = os.readlink(fd)
                if target.startswith(str(folder)) and mark in target:
                    return int(fd_dir.parent.name)
        except OSError:
            continue
    return None


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="finds the worker through /proc")
def test_a_worker_terminated_by_the_pool_as_the_batch_is_killed_leaves_no_temporary_file(tmp_path):
    """`kill -USR1` (or Ctrl-\\) to a batch's whole group on a loaded machine: a worker that took its
    signal first died; the pool, finding it dead, stops the others with SIGTERM -- one that had not
    yet taken its own died at once (SIGTERM's default), its ``.c2.mp4.livecut-*`` left in OUTDIR,
    the driver dying too before it could remove it.  A worker removes its temporaries on SIGTERM as
    well.  (The driver is held stopped while the pool's SIGTERM ends the worker: the order of that
    race, made sure.)"""
    proc, out, temporaries = _two_workers_writing(tmp_path)
    worker = _writer_of(out, ".mp4.livecut-")
    assert worker is not None, temporaries()
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        os.kill(worker, signal.SIGTERM)  # (as the pool's terminate)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if Path(f"/proc/{worker}/stat").read_text().split(")")[-1].split()[0] == "Z":
                    break  # (dead, not yet reaped)
            except OSError:
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGUSR1)
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGUSR1, stderr
    deadline = time.monotonic() + 10
    while temporaries() and time.monotonic() < deadline:  # (the workers end as the driver dies)
        time.sleep(0.1)
    assert temporaries() == [], stderr


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGUSR1])
def test_a_batch_killed_outright_says_no_python_warning_after_it(tmp_path, sig):
    """The driver killed outright (kill -9: the out-of-memory killer; SIGUSR1 or SIGQUIT) while its
    workers ran: Python's resource tracker, which outlives it, then said 'UserWarning:
    resource_tracker: There appear to be 7 leaked semaphore objects to clean up at shutdown' and
    its source line on the batch's stderr, after the process died.  A killed process says nothing
    (the tracker still frees them)."""
    src = tmp_path / "in"
    src.mkdir()
    make_clip(src / "c.mp4", n=150, seed=0)
    out = tmp_path / "out"
    proc = _batch_at_work(src, out, "-j", "1", until=lambda: any(".c.mp4.livecut-" in p.name for p in out.iterdir()))
    time.sleep(0.3)
    os.kill(proc.pid, sig)
    _, stderr = proc.communicate(timeout=30)  # (at the end of stderr: the tracker's gone too)
    assert proc.returncode == -sig, stderr
    assert stderr == ""


def test_ctrl_c_while_a_result_is_recorded_keeps_it_done(tmp_path, monkeypatch):
    """Ctrl-C while an item's "ok" line was written (its fsync: just when a watcher sees the
    line appear) stopped the driver before it noted the item as recorded: the stop then
    recorded it "interrupted" after its "ok", so the next run did its whole output again and
    said one "already done" fewer than the stop had said done (the test above, 6 runs in 40).
    Now Ctrl-C waits until the result is counted, written and noted."""
    import livecut.batch as batch
    from livecut.runner import Interrupted

    src = _photo(tmp_path / "in" / "a.jpg", 0, w=320, h=240)
    out = tmp_path / "out"
    real_append_record = batch.append_record
    fired: list[str] = []

    def append_record(path, rec, *args):
        real_append_record(path, rec, *args)
        if rec["status"] == "ok" and not fired:
            fired.append(rec["output"])
            signal.raise_signal(signal.SIGINT)  # Ctrl-C just as the line is written

    monkeypatch.setattr(batch, "append_record", append_record)
    cfg = load_config(None, [])
    with pytest.raises(Interrupted, match="interrupted: 1 done, 0 failed;"):
        run_batch([str(src)], out, cfg, jobs=1)
    assert fired == ["a.png"]
    assert [(x["output"], x["status"]) for x in _records(out)] == [("a.png", "ok")]
    monkeypatch.setattr(batch, "append_record", real_append_record)
    report = run_batch([str(src)], out, cfg, jobs=1)
    assert (report.done, report.failed, report.skipped_done) == (0, 0, 1)


def test_a_sigterm_wrapped_by_c_code_stops_the_batch_as_the_signal(tmp_path, monkeypatch):
    """A SIGTERM raised in Python code that C code called comes out of that call as a
    SystemError over it: the batch took it for an error, its items not recorded, its line an
    internal error.  It is the signal: the batch stops as on SIGTERM, exit 143."""
    import livecut.batch as batch
    from livecut.runner import Interrupted

    srcs = [str(_photo(tmp_path / "in" / f"{n}.jpg", i, w=320, h=240)) for i, n in enumerate("ab")]
    out = tmp_path / "out"
    real_append_record, fired = batch.append_record, []

    def append_record(path, rec, *args):
        real_append_record(path, rec, *args)
        if rec["status"] == "ok" and not fired:
            fired.append(rec["output"])
            sigterm_through_c_code()

    monkeypatch.setattr(batch, "append_record", append_record)
    with pytest.raises(Interrupted, match="^stopped by SIGTERM: [12] done, 0 failed;") as info:
        run_batch(srcs, out, load_config(None, []), jobs=1)
    assert info.value.exit_code == 143 and len(fired) == 1
    assert [(x["output"], x["status"]) for x in _records(out)][:1] == [(fired[0], "ok")]


def test_the_tests_of_ctrl_c_pass_in_a_suite_started_in_the_background():
    """A suite started in the background of a shell (``pytest &``, as a script running several
    at once does) inherits SIGINT ignored, and Python then keeps it ignored: the test above, and
    every other that stands for a Ctrl-C inside the test process, failed ("DID NOT RAISE
    Interrupted") -- though it passed when run alone, in the foreground.  conftest gives each test
    Python's own Ctrl-C handler, as an interactive run has."""
    test = f"{Path(__file__).relative_to(REPO)}::test_ctrl_c_while_a_result_is_recorded_keeps_it_done"
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], cwd=REPO,
                       capture_output=True, text=True, timeout=300,
                       preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]


@pytest.mark.parametrize("when", ["in the wait", "while another is recorded"])
def test_ctrl_c_keeps_results_that_came_back_but_were_not_yet_handled(tmp_path, monkeypatch, when):
    """Two photos cut in parallel, both results back in the driver, then Ctrl-C before they
    were handled -- in the wait that returned them, or while the first one's line was written:
    the one not handled was recorded "interrupted" although its output was whole ("interrupted:
    0 done" or "1 done"), and the next run cut it again.  Now a result that came back before the
    stop is recorded done, and counted."""
    import concurrent.futures

    import livecut.batch as batch
    from livecut.runner import Interrupted

    srcs = [str(_photo(tmp_path / "in" / f"{n}.jpg", i, w=320, h=240)) for i, n in enumerate("ab")]
    out = tmp_path / "out"
    real_wait, real_append_record = concurrent.futures.wait, batch.append_record
    fired: list[str] = []

    def wait(fs, timeout=None, return_when=concurrent.futures.ALL_COMPLETED):
        if len(fs) == 2 and not fired:  # (both handed out: both results back before going on)
            real_wait(fs, timeout=120, return_when=concurrent.futures.ALL_COMPLETED)
            if when == "in the wait":
                fired.append("wait")
                signal.raise_signal(signal.SIGINT)  # Ctrl-C just as the wait returns them
        return real_wait(fs, timeout=timeout, return_when=return_when)

    def append_record(path, rec, *args):
        real_append_record(path, rec, *args)
        if when != "in the wait" and rec["status"] == "ok" and not fired:
            fired.append(rec["output"])
            signal.raise_signal(signal.SIGINT)  # Ctrl-C while the first result is recorded

    monkeypatch.setattr(concurrent.futures, "wait", wait)
    monkeypatch.setattr(batch, "append_record", append_record)
    cfg = load_config(None, [])
    with pytest.raises(Interrupted, match="interrupted: 2 done, 0 failed;"):
        run_batch(srcs, out, cfg, jobs=2)
    assert len(fired) == 1
    assert sorted((x["output"], x["status"], x["written"]) for x in _records(out)) == \
        [("a.png", "ok", True), ("b.png", "ok", True)]
    assert all(cv2.imread(str(out / n)) is not None for n in ("a.png", "b.png"))
    monkeypatch.setattr(concurrent.futures, "wait", real_wait)
    monkeypatch.setattr(batch, "append_record", real_append_record)
    report = run_batch(srcs, out, cfg, jobs=2)
    assert (report.done, report.failed, report.skipped_done) == (0, 0, 2)


def _dies_once(src, dst, kind, force, settings):
    """An item function whose worker process dies on its first try of each item."""
    marker = Path(dst).parent / f"died-{Path(src).name}"
    if not marker.exists():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        os._exit(1)
    return run_item(src, dst, kind, force, settings)


def test_a_dead_local_worker_is_replaced_and_recorded_once(library, tmp_path):
    out = tmp_path / "out"
    report = run_batch([str(library / "a.jpg"), str(library / "w.mkv")], out, load_config(None, []), jobs=2,
                       item_fn=_dies_once)
    assert report.done == 2 and report.failed == 0, report.errors
    recs = _records(out)
    assert sorted(Path(r["input"]).name for r in recs) == ["a.jpg", "w.mkv"]


def _slow_item(src, dst, kind, force, settings):
    time.sleep(0.5)  # (the first still runs as the second worker is started)
    return run_item(src, dst, kind, force, settings)


@pytest.mark.parametrize("failing, error", [(1, EOFError), (2, EOFError), (2, ConnectionRefusedError)])
def test_a_worker_the_forkserver_dies_starting_is_started_again(tmp_path, monkeypatch, failing, error):
    """The forkserver killed (the out-of-memory killer) as it started a worker: the EOFError of
    its pipe was taken by click for Ctrl-C, 'interrupted', exit 130, the batch stopped (killed
    just before, its socket refused the connection: 'internal error: ConnectionRefusedError').
    The items are done (the first worker's stopped and done again, none failed), each once."""
    from concurrent.futures import process

    real, calls = process.ProcessPoolExecutor._spawn_process, []

    def spawn(self):
        calls.append(1)
        if len(calls) == failing:
            raise error("unexpected EOF")  # (multiprocessing.forkserver.read_signed's)
        return real(self)

    monkeypatch.setattr(process.ProcessPoolExecutor, "_spawn_process", spawn)
    (tmp_path / "in").mkdir()
    clips = [make_clip(tmp_path / "in" / f"{n}.mp4", w=64, h=48, n=10, seed=i) for i, n in enumerate("ab")]
    out = tmp_path / "out"
    report = run_batch([str(c) for c in clips], out, load_config(None, []), jobs=2, item_fn=_slow_item)
    assert (report.done, report.failed) == (2, 0), report.errors
    recs = _records(out)
    assert sorted((Path(r["input"]).name, r["status"]) for r in recs) == [("a.mp4", "ok"), ("b.mp4", "ok")], recs
    assert sorted(p.name for p in out.iterdir()) == ["a.mp4", "b.mp4", MANIFEST]


def test_workers_the_forkserver_never_starts_stop_the_batch_with_an_error(tmp_path, monkeypatch):
    """A worker that cannot be started at all (its forkserver dies each time) ends the batch with
    one error, exit 1, not with a new forkserver for ever."""
    from concurrent.futures import process

    from livecut.errors import LivecutError

    def spawn(self):
        raise EOFError("unexpected EOF")

    monkeypatch.setattr(process.ProcessPoolExecutor, "_spawn_process", spawn)
    clip = make_clip(tmp_path / "a.mp4", w=64, h=48, n=10)
    with pytest.raises(LivecutError, match=r"could not be started.*\(3 attempts\)") as info:
        run_batch([str(clip)], tmp_path / "out", load_config(None, []), jobs=1)
    assert info.value.exit_code == 1
    assert not (tmp_path / "out" / "a.mp4").exists()


def _kills_its_worker_on_bad(src, dst, kind, force, settings):
    """An item function whose worker is killed (a crash, the out-of-memory killer) on bad.jpg, at
    every try, while the other items take a second."""
    if Path(src).name == "bad.jpg":
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(1.0)
    return run_item(src, dst, kind, force, settings)


def test_a_file_that_kills_its_worker_fails_alone_not_the_items_beside_it(tmp_path):
    # (largest first: bad.jpg runs beside good1.jpg, good2.jpg queued ahead, at each try)
    for i, name in enumerate(("bad", "good1", "good2", "good3")):
        _photo(tmp_path / "in" / f"{name}.jpg", i, w=480 - 40 * i, h=360 - 30 * i)
    report = run_batch([str(tmp_path / "in")], tmp_path / "out", load_config(None, []), jobs=2,
                       item_fn=_kills_its_worker_on_bad)
    assert report.errors == [f"{tmp_path / 'in' / 'bad.jpg'}: the worker process died (3 attempts)"]
    assert (report.done, report.failed) == (3, 1)
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == ["good1.png", "good2.png", "good3.png"]


def _dies_in_the_middle_of_a_message(src, dst, kind, force, settings):
    """An item function whose worker dies on bad.jpg, at every try, while it writes a message to
    the driver: the message's header and a part of it are in the pipe (killed as it wrote,
    holding the queue's lock for writers)."""
    if Path(src).name == "bad.jpg":
        import struct

        if livecut_batch._FRAMES_QUEUE._wlock is not None:
            livecut_batch._FRAMES_QUEUE._wlock.acquire()
        os.write(livecut_batch._FRAMES_QUEUE._writer.fileno(), struct.pack("!i", 100) + b"\x80\x04")
        os._exit(1)
    return run_item(src, dst, kind, force, settings)


def test_a_worker_that_dies_in_the_middle_of_a_message_fails_its_item_and_the_batch_ends(tmp_path):
    # (the driver waited for the rest of the message for good: the batch hung, the item neither
    # tried again nor failed; a process of its own, killed with its workers if it hangs)
    for i, name in enumerate(("bad", "good")):
        _photo(tmp_path / "in" / f"{name}.jpg", i, w=400 - 40 * i)
    code = (f"import json, sys\nsys.path[:0] = [{str(REPO)!r}, {str(REPO / 'tests')!r}]\n"
            "from test_batch import _dies_in_the_middle_of_a_message as fn\n"
            "from livecut.batch import run_batch\nfrom livecut.config import load_config\n"
            f"r = run_batch([{str(tmp_path / 'in')!r}], {str(tmp_path / 'out')!r}, load_config(None, []), "
            "jobs=1, item_fn=fn)\nprint(json.dumps([r.done, r.failed, r.errors]))\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the batch hung after its worker died in the middle of a message")
    assert proc.returncode == 0, err
    assert json.loads(out.splitlines()[-1]) == \
        [1, 1, [f"{tmp_path / 'in' / 'bad.jpg'}: the worker process died (3 attempts)"]]


def _dies_or_takes_8s(src, dst, kind, force, settings):
    """An item function whose worker dies at once on bad.jpg; the other items take 8 s."""
    if Path(src).name == "bad.jpg":
        os._exit(1)
    time.sleep(8)
    return run_item(src, dst, kind, force, settings)


def test_a_worker_started_last_that_dies_is_noticed_at_once(tmp_path):
    # (ProcessPoolExecutor.submit wakes the pool's manager thread before it starts the worker,
    # which the manager then does not watch: its death went unnoticed until another worker's
    # item ended -- hours for a long video, never where the others waited on a lock it held;
    # the start is slowed here, 0.3 s, so that it comes after the manager looked, as it does
    # at times unslowed)
    _photo(tmp_path / "in" / "good.jpg", 0, w=400)
    _photo(tmp_path / "in" / "bad.jpg", 1, w=200)
    out = tmp_path / "out"
    code = (f"import sys, time\nsys.path[:0] = [{str(REPO)!r}, {str(REPO / 'tests')!r}]\n"
            "from concurrent.futures import ProcessPoolExecutor as P\n"
            "start = P._adjust_process_count\n"
            "P._adjust_process_count = lambda self: (time.sleep(0.3), start(self))[1]\n"
            "from test_batch import _dies_or_takes_8s as fn\n"
            "from livecut.batch import run_batch\nfrom livecut.config import load_config\n"
            f"run_batch([{str(tmp_path / 'in')!r}], {str(out)!r}, load_config(None, []), jobs=2, item_fn=fn)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    # bad.jpg failed while good.jpg's 8 s went on (after them, when each death waited for them)
    assert [(r["output"], r["status"]) for r in _records(out)] == [("bad.png", "failed"), ("good.png", "ok")]


def _notes_its_pid_then_takes_60s(src, dst, kind, force, settings):
    """An item function that writes its worker's pid beside the output, then takes 60 s."""
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    (Path(dst).parent / "worker.pid").write_text(str(os.getpid()))
    time.sleep(60)
    return run_item(src, dst, kind, force, settings)


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (Linux: /proc)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_driver_killed_outright_stops_its_workers_before_it_is_reaped(tmp_path):
    """kill -9 of the driver (the out-of-memory killer) stops its workers within a second, also
    while the killed driver is not yet reaped: a program that reads the batch's output to its end
    before it waits for it (Python's subprocess.run(capture_output=True), communicate(), a CI
    runner) reaps it only once that output closes -- which the workers hold open.  They took
    the zombie for a running driver (a signal 0 reaches it) and did the whole batch, unrecorded,
    the caller hanging until they ended."""
    _photo(tmp_path / "in" / "a.jpg", 0, w=200)
    out = tmp_path / "out"
    code = (f"import sys\nsys.path[:0] = [{str(REPO)!r}, {str(REPO / 'tests')!r}]\n"
            "from test_batch import _notes_its_pid_then_takes_60s as fn\n"
            "from livecut.batch import run_batch\nfrom livecut.config import load_config\n"
            f"run_batch([{str(tmp_path / 'in')!r}], {str(out)!r}, load_config(None, []), jobs=1, item_fn=fn)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while worker is None and time.monotonic() < deadline:
            try:
                worker = int((out / "worker.pid").read_text())
            except (OSError, ValueError):
                time.sleep(0.05)
        assert worker is not None, "the worker never started its item"
        os.kill(proc.pid, signal.SIGKILL)  # (not reaped: the zombie stays until proc.wait below)
        deadline = time.monotonic() + 10
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(worker), "the worker went on with its item after its driver was killed"
    finally:
        if worker is not None and _running(worker):
            os.kill(worker, signal.SIGKILL)
        proc.kill()
        proc.communicate(timeout=30)
    assert not (out / "a.png").exists()


# ---------------------------------------------------------------- Ray

@pytest.fixture(scope="module")
def ray_head():
    ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install -e '.[ray]')")
    # (a head of its own: ray.init() joined a cluster started on this machine by `ray start --head`,
    # and refused num_cpus there -- every Ray test an error, "num_cpus ... must not be provided")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1", object_store_memory=100 * 2**20)
    yield ray
    ray.shutdown()


def test_ray_gives_the_same_outputs_as_the_local_pool(ray_head, library, tmp_path):
    cfg = load_config(None, ["video.codec=\"ffv1\""])
    inputs = [str(library / "a.jpg"), str(library / "day2"), str(library / "w.mkv")]
    kw = dict(mode="mask", video_ext=".mkv")
    local = run_batch(inputs, tmp_path / "local", cfg, jobs=2, **kw)
    viaray = run_batch(inputs, tmp_path / "ray", cfg, ray="auto", **kw)
    assert (local.done, local.failed) == (viaray.done, viaray.failed) == (5, 0)
    for rel in ("a.png", "day2/b.png", "day2/deep/c.png"):
        a = cv2.imread(str(tmp_path / "local" / rel), cv2.IMREAD_UNCHANGED)
        b = cv2.imread(str(tmp_path / "ray" / rel), cv2.IMREAD_UNCHANGED)
        assert a is not None and np.array_equal(a, b), rel
    for rel, n in (("day2/v.mkv", 12), ("w.mkv", 8)):
        fa, fb = _frames(tmp_path / "local" / rel), _frames(tmp_path / "ray" / rel)
        assert len(fa) == len(fb) == n
        assert all(np.array_equal(x, y) for x, y in zip(fa, fb)), rel
    assert len(_records(tmp_path / "ray")) == 5


def test_ray_retries_an_item_whose_worker_died_and_records_it_once(ray_head, library, tmp_path):
    ray_head.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    out = tmp_path / "out"
    report = run_batch([str(library / "a.jpg"), str(library / "w.mkv")], out, load_config(None, []),
                       ray="auto", item_fn=_dies_once)
    assert report.done == 2 and report.failed == 0, report.errors
    recs = _records(out)
    assert sorted(Path(r["input"]).name for r in recs) == ["a.jpg", "w.mkv"]
    assert all(r["status"] == "ok" for r in recs)


def _reports_a_window(src, dst, kind, force, settings):
    """An item function that reports a panorama's first window of 4 judged, as process_images does
    through batch._window_reporter, then does the item."""
    from livecut import batch

    on_window = batch._window_reporter(src)
    if on_window is not None:
        time.sleep(0.6)  # (it reports every half second at most)
        on_window(1, 4)
    return run_item(src, dst, kind, force, settings)


def test_ray_tasks_report_their_progress(ray_head, library, tmp_path, monkeypatch):
    """`livecut batch pano.jpg -o cut/ --ray auto` showed 'ETA -:--:--' to its end (a 30000x3000
    panorama, its windows unreported; a video's frames alike), where the local pool's workers
    send them through its queue: Ray's tasks send them through a queue of Ray's."""
    import livecut.batch

    ray_head.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    seen = []
    monkeypatch.setattr(livecut.batch._BatchBar, "frames", lambda self, src, n: seen.append((Path(src).name, n)))
    report = run_batch([str(library / "a.jpg")], tmp_path / "out", load_config(None, []), ray="auto",
                       item_fn=_reports_a_window)
    assert report.done == 1 and report.failed == 0, report.errors
    assert seen == [("a.jpg", 0.25)], seen


def _dies_once_writing(src, dst, kind, force, settings):
    """An item function whose worker process dies on its first try of each item, half-way
    through its output (a temporary file written, not yet renamed into place)."""
    from livecut.atomic import temp_path

    marker = Path(dst).parent / f"died-{Path(src).name}"
    if not marker.exists():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        temp_path(Path(dst)).write_bytes(b"half an output")
        os._exit(1)
    return run_item(src, dst, kind, force, settings)


def test_ray_removes_the_temporary_file_of_a_try_whose_worker_died(ray_head, tmp_path):
    """A Ray worker killed mid-item (its task retried by Ray, then done) left its temporary file
    (.a.png.livecut-PID-*) beside the output for good: the item is done, so no later run
    removed it; the local backend removes those of a broken pool's items."""
    ray_head.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    out = tmp_path / "out"
    report = run_batch([str(_photo(tmp_path / "in" / "a.jpg"))], out, load_config(None, []), ray="auto",
                       item_fn=_dies_once_writing)
    assert (report.done, report.failed) == (1, 0), report.errors
    assert (out / "died-a.jpg").exists() and (out / "a.png").is_file()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".a.png")) == []


def test_ray_writes_a_relative_outdir_where_the_command_runs(ray_head, tmp_path, monkeypatch):
    """-o cut (a relative folder) with --ray: each task wrote its output relative to its Ray
    worker's folder (where `ray start` ran, or the driver when Ray started), not the command's:
    '1 done', exit 0, the manifest in ./cut and the output elsewhere."""
    import shutil
    import uuid

    name = f"cut-{uuid.uuid4().hex[:8]}"
    workers = Path(ray_head.get(ray_head.remote(lambda: os.getcwd()).remote()))
    src = _photo(tmp_path / "in" / "a.jpg")
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert workers != Path.cwd()
    try:
        report = run_batch([str(src)], name, load_config(None, []), ray="auto")
        assert report.done == 1, report.errors
        assert not (workers / name).exists()
        assert (tmp_path / "here" / name / "a.png").is_file()
    finally:
        shutil.rmtree(workers / name, ignore_errors=True)


def _hangs_on_c(src, dst, kind, force, settings):
    """An item function that never finishes the item named ``c`` (stopped by the driver)."""
    if Path(src).stem == "c":
        time.sleep(60)
    return run_item(src, dst, kind, force, settings)


@pytest.mark.parametrize("when", ["in the wait", "while another is recorded"])
def test_ray_ctrl_c_keeps_results_that_came_back_but_were_not_yet_handled(ray_head, tmp_path, monkeypatch,
                                                                          when):
    """The Ray backend as the local one above: two photos done, their results back in the
    driver, a third still running, then Ctrl-C before the two were handled -- in the wait that
    returned them, or while the first one's line was written: the stop cancelled their refs and
    recorded them "interrupted" although their outputs were whole ("interrupted: 0 done" or "1
    done"), and the next run cut them again.  Now a result that came back before the stop is
    recorded done, and counted; the item still running is not waited for."""
    import livecut.batch as batch
    from livecut.runner import Interrupted

    ray_head.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    srcs = [str(_photo(tmp_path / "in" / f"{n}.jpg", i, w=320, h=240)) for i, n in enumerate("abc")]
    out = tmp_path / "out"
    real_wait, real_append_record = ray_head.wait, batch.append_record
    fired: list[float] = []

    def wait(refs, *, num_returns=1, timeout=None, fetch_local=True):
        if len(refs) == 3 and not fired:  # (all handed out: a's and b's results back before going on)
            ready, _ = real_wait(refs, num_returns=2, timeout=120)
            assert len(ready) == 2
            if when == "in the wait":
                fired.append(time.monotonic())
                signal.raise_signal(signal.SIGINT)  # Ctrl-C just as the wait returns them
        return real_wait(refs, num_returns=num_returns, timeout=timeout, fetch_local=fetch_local)

    def append_record(path, rec, *args):
        real_append_record(path, rec, *args)
        if when != "in the wait" and rec["status"] == "ok" and not fired:
            fired.append(time.monotonic())
            signal.raise_signal(signal.SIGINT)  # Ctrl-C while the first result is recorded

    monkeypatch.setattr(ray_head, "wait", wait)
    monkeypatch.setattr(batch, "append_record", append_record)
    cfg = load_config(None, [])
    with pytest.raises(Interrupted, match="interrupted: 2 done, 0 failed;"):
        run_batch(srcs, out, cfg, ray="auto", item_fn=_hangs_on_c)
    assert len(fired) == 1 and time.monotonic() - fired[0] < 2  # (c's worker is not waited for)
    assert sorted((x["output"], x["status"], x["written"]) for x in _records(out)) == \
        [("a.png", "ok", True), ("b.png", "ok", True)]
    assert all(cv2.imread(str(out / n)) is not None for n in ("a.png", "b.png"))
    assert not (out / "c.png").exists()
    monkeypatch.setattr(ray_head, "wait", real_wait)
    monkeypatch.setattr(batch, "append_record", real_append_record)
    report = run_batch(srcs, out, cfg, ray="auto")
    assert (report.done, report.failed, report.skipped_done) == (1, 0, 2), report.errors


def test_hash_tells_changed_content_not_a_new_mtime(tmp_path):
    src = tmp_path / "in"
    a, b = _photo(src / "a.jpg", 0), _photo(src / "b.jpg", 1)
    out, cfg = tmp_path / "out", load_config(None, [])
    assert run_batch([str(src)], out, cfg, jobs=1, use_hash=True).done == 2
    assert all(r["hash"].startswith("sha256:") for r in _records(out))
    os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 10**9))  # touched, same content
    _photo(b, 2)  # new content
    report = run_batch([str(src)], out, cfg, jobs=1, use_hash=True)
    assert (report.done, report.skipped_done) == (1, 1)
    assert Path(_records(out)[-1]["input"]).name == "b.jpg"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_counts_an_input_not_found_among_the_items(tmp_path, monkeypatch):
    """A name mistyped (or a glob that matches nothing) is a failed item in the summary; the
    progress line counted it failed but not among the items, and said '1 done, 1 failed, -1
    left' at the end."""
    monkeypatch.setattr(sys, "stderr", terminal := _Terminal())
    monkeypatch.setenv("COLUMNS", "150")
    report = run_batch([str(_photo(tmp_path / "in" / "a.jpg")), str(tmp_path / "in" / "typo.jpg")],
                       tmp_path / "out", load_config(None, []), jobs=1, progress=True)
    assert (report.done, report.failed) == (1, 1)
    shown = terminal.getvalue()
    assert "1 done, 1 failed, 0 left" in shown and "-1 left" not in shown, shown


def test_local_workers_report_the_frames_of_the_video_in_flight(tmp_path):
    from livecut.batch import Settings, _Local

    clip = make_clip(tmp_path / "long.mp4", w=640, h=360, n=120)  # a few seconds: several reports
    item = plan([str(clip)], tmp_path / "out").todo[0]
    seen, results = [], []
    _Local(1, 1).run([item], Settings(cfg=load_config(None, [])), tmp_path / "out",
                     lambda it, r: results.append(r), on_frames=lambda src, n: seen.append((src, n)))
    assert results[0]["status"] == "ok" and results[0]["frames"] == 120
    assert seen and all(src == str(clip.resolve()) for src, _ in seen)
    assert [n for _, n in seen] == sorted(n for _, n in seen) and 0 <= seen[-1][1] <= 120


def test_local_workers_report_the_windows_of_the_panorama_in_flight(tmp_path, monkeypatch):
    """`livecut batch thin.png -o b/` of a very long photo (200000x200: 400 windows, minutes)
    showed no progress within it, 'ETA -:--:--', to its end, where `livecut image` counts its
    windows: the worker reports the share of its windows judged, which the bar counts in the
    work done (not in the frames)."""
    from livecut.batch import Settings, _BatchBar, _Local

    from conftest import Tty

    strip = np.random.default_rng(0).integers(0, 255, (100, 30000, 3), np.uint8)  # (~2 s of windows)
    assert cv2.imwrite(str(tmp_path / "thin.png"), strip)
    item = plan([str(tmp_path / "thin.png")], tmp_path / "out").todo[0]
    seen, results = [], []
    _Local(1, 1).run([item], Settings(cfg=load_config(None, [])), tmp_path / "out",
                     lambda it, r: results.append(r), on_frames=lambda src, n: seen.append((src, n)))
    assert results[0]["status"] == "ok", results
    assert seen and all(src == str(item.src) for src, _ in seen), seen
    shares = [n for _, n in seen]
    assert shares == sorted(shares) and all(0 < n < 1 for n in shares), shares
    monkeypatch.setenv("TERM", "xterm")
    bar = _BatchBar([item], 1, True, stream=Tty())
    bar.start -= 10  # (10 s in)
    bar.frames(str(item.src), 0.25)
    task = bar._bar.tasks[0]
    assert task.completed == pytest.approx(0.25 * item.work), task.completed
    assert task.fields["eta"] == "0:00:30" and task.fields["fps"] == "0.0 photo/s", task.fields
    bar.close()
    from livecut.errors import ConfigTypeError
    from livecut.images import process_images

    with pytest.raises(ConfigTypeError, match="windows must be a function or None, got str"):
        process_images([str(tmp_path / "thin.png")], tmp_path / "o2", load_config(None, []), windows="print")


def test_videos_as_folders_of_png_frames(library, tmp_path):
    out, cfg = tmp_path / "out", load_config(None, [])
    report = run_batch([str(library / "w.mkv")], out, cfg, jobs=1, video_ext="/", mode="mask")
    assert report.done == 1, report.errors
    assert len(list((out / "w").glob("*.png"))) == 8 and _records(out)[0]["output"] == "w/"
    assert run_batch([str(library / "w.mkv")], out, cfg, jobs=1, video_ext="/", mode="mask").skipped_done == 1


def test_ray_cli_connects_to_a_running_cluster_by_address(ray_head, library, tmp_path):
    address = ray_head.get_runtime_context().gcs_address  # the head on 127.0.0.1 of this module
    out = tmp_path / "out"
    r = run_cli("batch", str(library / "a.jpg"), str(library / "w.mkv"), "-o", str(out), "--ray", address,
                timeout=180)
    assert r.returncode == 0, r.stderr
    assert "2 done, 0 failed" in r.stderr and len(_records(out)) == 2
    assert (out / "a.png").is_file() and len(_frames(out / "w.mp4")) == 8


def test_a_quiet_ray_batch_says_nothing_of_ray_s_own(tmp_path, monkeypatch):
    """`livecut batch --ray auto -q` printed Ray's own start-up warning ("Token authentication is
    enabled for this Ray cluster. Set RAY_AUTH_MODE=disabled to opt out ...": Ray turns it on for
    each local cluster it starts and for one it joins where a token exists) over the progress
    line; -q says nothing at all (Ray's errors are still said)."""
    import shutil
    import tempfile

    pytest.importorskip("ray", reason="the ray extra is not installed (pip install -e '.[ray]')")
    for name in ("RAY_AUTH_MODE", "RAY_ADDRESS"):  # (as a shell that never set them)
        monkeypatch.delenv(name, raising=False)
    # (a Ray of its own, none running there; a short folder: Ray's socket paths have a limit)
    ray_tmp = tempfile.mkdtemp(prefix="lcray", dir="/tmp")
    try:
        r = run_cli("batch", str(_photo(tmp_path / "in" / "a.jpg")), "-o", str(tmp_path / "out"), "--ray", "auto",
                    "-q", timeout=180, env={"RAY_TMPDIR": ray_tmp})
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and r.stdout == "", r.stderr
    assert len(_records(tmp_path / "out")) == 1


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_ray_batch_stopped_by_sigterm_or_sighup_says_so(ray_head, tmp_path, sig, code):
    """SIGTERM (timeout, systemd, a scheduler's stop) or SIGHUP to a --ray batch stops it as Ctrl-C
    does, with its one line and 128 + the signal, as without Ray: ray.init put its own handler on
    SIGTERM (sys.exit(15): exit 15, no line, the items stopped not recorded), and a SIGHUP in
    Ray's wait came out as Ray's own KeyboardInterrupt ('interrupted', exit 130)."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(2):
        make_clip(src / f"c{i}.mp4", n=150, seed=i)
    out = tmp_path / "out"
    proc = _batch_at_work(src, out, "--ray", ray_head.get_runtime_context().gcs_address,
                          until=lambda: _records(out, started=True))
    time.sleep(0.5)  # (the tasks at work)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    name = signal.Signals(sig).name
    assert proc.returncode == code, stderr
    assert stderr.strip().splitlines()[-1].startswith(f"livecut: error: stopped by {name}: "), stderr


def test_without_ray_the_message_says_how_to_install_it(monkeypatch):
    """--ray without Ray said `pip install 'livecut[ray]'`: livecut is not on PyPI, so that finds
    no such package; the extra is installed from the checkout (or Ray itself)."""
    import builtins

    from livecut.batch import _Ray

    real_import = builtins.__import__

    def fake_import(name, *args, **kw):
        if name == "ray":
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(UsageError) as info:
        _Ray("auto", 1)
    msg = str(info.value)
    assert "livecut[" not in msg and "pip install -e '.[ray]' in the livecut checkout" in msg, msg


def test_without_ray_a_folder_named_ray_is_not_taken_for_it(monkeypatch, tmp_path):
    """Without Ray, `python -m livecut batch ... --ray auto` run where a folder named ray lies
    (/tmp, where Ray leaves /tmp/ray) imported that folder as an empty namespace package: it
    said 'internal error: AttributeError: module 'ray' has no attribute 'is_initialized''."""
    import builtins
    import importlib.machinery
    import importlib.util

    from livecut.batch import _Ray

    (tmp_path / "ray").mkdir()
    spec = importlib.machinery.PathFinder.find_spec("ray", [str(tmp_path)])
    folder = importlib.util.module_from_spec(spec)  # what `import ray` gives there without Ray
    real_import = builtins.__import__

    def fake_import(name, *args, **kw):
        return folder if name == "ray" else real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(UsageError) as info:
        _Ray("auto", 1)
    assert "--ray needs Ray (the ray extra)" in str(info.value), info.value


def test_ray_address_nothing_answers_on_is_refused_at_once(tmp_path):
    pytest.importorskip("ray", reason="the ray extra is not installed (pip install -e '.[ray]')")
    _photo(tmp_path / "in" / "a.jpg")
    t = time.monotonic()
    r = run_cli("batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--ray", "127.0.0.1:1")
    assert r.returncode == 2 and "no Ray cluster answers there" in r.stderr
    assert time.monotonic() - t < 20


def test_ray_cluster_that_wants_a_token_says_so(ray_head, tmp_path):
    """A head with token authentication (what `ray start --head` starts where ~/.ray/auth_token
    exists, as this module's does) named by address from a shell without RAY_AUTH_MODE=token
    (Ray sends no token to an address then): 'cannot connect to the Ray cluster: Failed to
    connect to Ray cluster at HOST:PORT', nothing on why."""
    address = ray_head.get_runtime_context().gcs_address
    _photo(tmp_path / "in" / "a.jpg")
    r = run_cli("batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--ray", address, timeout=120,
                env={"RAY_AUTH_MODE": "disabled", "RAY_gcs_server_port_wait_time_s": "1"})
    assert r.returncode == 2, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith(f"livecut: error: --ray {address}: the Ray cluster there wants its authentication "
                           "token") and "RAY_AUTH_MODE=token" in last, r.stderr
    assert not (tmp_path / "out").exists()


def test_an_empty_ray_address_is_refused(tmp_path):
    """--ray "$HEAD" with HEAD unset (--ray '') ran the batch on this machine's cores alone, exit 0,
    where a cluster was asked for."""
    _photo(tmp_path / "in" / "a.jpg")
    r = run_cli("batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--ray", "")
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("livecut: error: --ray '': give auto") and len(r.stderr.splitlines()) == 1, r.stderr
    assert not (tmp_path / "out").exists()


def test_ray_auto_is_taken_in_any_case(tmp_path, monkeypatch):
    """--ray Auto was taken for a cluster's address: 'cannot connect to the Ray cluster: Invalid
    address format: Auto', where --mode Mask and -b Transparent are taken in any case."""
    from typer.testing import CliRunner

    from livecut.cli import app

    asked = []

    def seen(*args, ray=None, **kw):
        asked.append(ray)
        raise UsageError("stop here")

    monkeypatch.setattr(livecut_batch, "run_batch", seen)
    for given in ("Auto", "AUTO", "10.0.0.5:6379"):
        CliRunner().invoke(app, ["batch", str(_photo(tmp_path / "in" / "a.jpg")), "-o", str(tmp_path / "out"),
                                 "--ray", given])
    assert asked == ["auto", "auto", "10.0.0.5:6379"]


def test_going_back_to_an_earlier_video_type_skips_what_that_run_wrote(tmp_path):
    (tmp_path / "in").mkdir()
    clip = make_clip(tmp_path / "in" / "v.mp4", n=4)
    out, cfg = tmp_path / "out", load_config(None, [])
    for ext in (".mp4", ".mkv"):
        assert run_batch([str(clip)], out, cfg, jobs=1, video_ext=ext).done == 1
    # the same command as the first: v.mp4 is this batch's, done with the same input and settings
    report = run_batch([str(clip)], out, cfg, jobs=1, video_ext=".mp4")
    assert report.exit_code == 0 and report.skipped_done == 1, report.errors
    # changed: redone, the output being the batch's own to replace
    os.utime(clip, ns=(clip.stat().st_atime_ns, clip.stat().st_mtime_ns + 10**9))
    report = run_batch([str(clip)], out, cfg, jobs=1, video_ext=".mp4")
    assert report.exit_code == 0 and report.done == 1, report.errors


def test_a_library_moved_or_renamed_is_already_done_not_refused(tmp_path):
    shoot, out, cfg = tmp_path / "shoot", tmp_path / "cut", load_config(None, [])
    _photo(shoot / "a.jpg", 0)
    _photo(shoot / "day2" / "b.png", 1)
    assert run_batch([str(shoot)], out, cfg, jobs=1).done == 2
    moved = shoot.rename(tmp_path / "shoot 2026-11")  # (or a drive mounted elsewhere)
    report = run_batch([str(moved)], out, cfg, jobs=1)
    assert (report.done, report.failed, report.skipped_done) == (0, 0, 2), report.errors
    # its outputs are still the batch's: other settings do them again, without --force
    report = run_batch([str(moved)], out, cfg, mode="mask", jobs=1)
    assert (report.done, report.failed) == (2, 0), report.errors
    # a file of that name with other content is not taken for the one moved
    _photo(moved / "a.jpg", 5, w=320, h=240)
    (tmp_path / "elsewhere").mkdir()
    moved.rename(tmp_path / "elsewhere" / moved.name)
    report = run_batch([str(tmp_path / "elsewhere" / moved.name)], out, cfg, mode="mask", jobs=1)
    assert (report.skipped_done, report.failed) == (1, 1)
    assert report.errors[0].endswith(f"{out / 'a.png'} exists (use --force to overwrite)")


def test_force_alone_takes_up_an_item_refused_because_its_output_existed(library, tmp_path):
    """"exists (use --force to overwrite)", then the same command with --force: the item was
    skipped as 'failed before' (it took --force --retry-failed)."""
    out = tmp_path / "out"
    _photo(out / "a.png", 7)
    before = (out / "a.png").read_bytes()
    cfg = load_config(None, [])
    report = run_batch([str(library / "a.jpg")], out, cfg, jobs=1)
    assert report.failed == 1 and "exists (use --force" in report.errors[0]
    report = run_batch([str(library / "a.jpg")], out, cfg, jobs=1, force=True)
    assert report.done == 1, report.errors
    assert (out / "a.png").read_bytes() != before


def _cut_short(tmp_path, **clip):
    """in/cut.mp4: the first half of a clip (make_clip's ``clip`` options) made faststart, its
    index first: a video that ends early, read up to where it was cut (exit 3)."""
    long = make_clip(tmp_path / "long.mp4", **clip)
    fast = tmp_path / "fast.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(long), "-c", "copy", "-movflags", "+faststart",
                    str(fast)], check=True, timeout=60)
    src = tmp_path / "in" / "cut.mp4"
    src.parent.mkdir()
    data = fast.read_bytes()
    src.write_bytes(data[: len(data) // 2])
    return src


def test_a_video_cut_short_is_recorded_with_the_frames_it_holds(tmp_path):
    """A truncated video (exit 3, its output finalised with the frames read) was recorded in
    the manifest with "frames": 0."""
    src = _cut_short(tmp_path, n=60)
    out = tmp_path / "out"
    r = run_cli("batch", str(src), "-o", str(out), "-q")
    assert r.returncode == 3, r.stderr
    rec = [json.loads(ln) for ln in (out / "livecut-batch.jsonl").read_text().splitlines() if ln.strip()][-1]
    assert rec["exit_code"] == 3 and rec["written"] is True
    assert 0 < rec["frames"] < 60, rec


def test_the_frames_of_a_video_cut_short_count_in_the_summary_and_the_bar(tmp_path, monkeypatch):
    """`livecut batch half.mp4 a.mp4 -o cut/`, half.mp4 cut short half-way (its 469 frames written
    kept, exit 3): the summary said '1 done, 1 failed; 10 frames in 15.6 s (0.6 fps)', the frames it
    wrote left out of the rate but its time in, and the bar's rate fell as it failed. They count."""
    src = _cut_short(tmp_path, w=64, h=48, n=40)
    good = make_clip(tmp_path / "in" / "good.mp4", w=64, h=48, n=10, seed=1)
    shown = []
    real = livecut_batch._BatchBar.finished

    def finished(self, item, ok, frames):
        real(self, item, ok, frames)
        shown.append(self.frames_done)

    monkeypatch.setattr(livecut_batch._BatchBar, "finished", finished)
    out = tmp_path / "out"
    report = run_batch([str(src), str(good)], out, load_config(None, []), jobs=1)
    assert (report.done, report.failed, report.exit_code) == (1, 1, 3), report.errors
    kept = read_manifest(out / MANIFEST)[str(src)]["frames"]
    assert 0 < kept < 40
    assert report.frames == 10 + kept and shown[-1] == 10 + kept, (report.frames, shown)
    assert f"{10 + kept} frames in " in report.summary(), report.summary()


def test_inputs_all_missing_leave_no_output_folder(tmp_path):
    """`batch nothere.jpg -o out`: exit 2, and an empty out/ was made all the same."""
    r = run_cli("batch", str(tmp_path / "nothere.jpg"), "-o", str(tmp_path / "out"), "-q")
    assert r.returncode == 2 and "file not found" in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_refused_collision_is_recorded_once_not_at_every_rerun(tmp_path):
    """Two inputs with one output (x.jpg, x.png): the second was refused and recorded again in
    the manifest at every rerun; now a rerun counts it among the failures skipped (exit 2
    still), and --retry-failed tries (and records) it again."""
    _photo(tmp_path / "in" / "x.jpg", 0)
    _photo(tmp_path / "in" / "x.png", 1)
    out = tmp_path / "out"
    cfg = load_config(None, [])
    first = run_batch([str(tmp_path / "in")], out, cfg, jobs=1)
    assert (first.done, first.failed, first.exit_code) == (1, 1, 2)
    assert len(_records(out)) == 2
    for _ in range(2):
        again = run_batch([str(tmp_path / "in")], out, cfg, jobs=1)
        assert (again.done, again.failed, again.skipped_done, again.skipped_failed) == (0, 0, 1, 1)
        assert again.exit_code == 2
        assert len(_records(out)) == 2
    retried = run_batch([str(tmp_path / "in")], out, cfg, jobs=1, retry_failed=True)
    assert (retried.failed, retried.skipped_done) == (1, 1) and "also the output of" in retried.errors[0]
    assert len(_records(out)) == 3


def test_an_input_added_with_the_output_of_one_done_leaves_that_one_done(tmp_path):
    """x.png done, then x.jpg added beside it: x.jpg (first by name) was refused as "exists" and
    x.png, done and unchanged, failed as "also the output of x.jpg" at every run after."""
    out, cfg = tmp_path / "out", load_config(None, [])
    _photo(tmp_path / "in" / "x.png", 1)
    assert run_batch([str(tmp_path / "in")], out, cfg, jobs=1).done == 1
    made = (out / "x.png").read_bytes()
    _photo(tmp_path / "in" / "x.jpg", 0)
    for _ in range(2):
        again = run_batch([str(tmp_path / "in")], out, cfg, jobs=1)
        assert (again.skipped_done, again.failed + again.skipped_failed) == (1, 1), again.errors
    assert again.exit_code == 2
    assert read_manifest(out / MANIFEST)[str(tmp_path / "in" / "x.png")]["status"] == "ok"
    refused = read_manifest(out / MANIFEST)[str(tmp_path / "in" / "x.jpg")]
    assert f"also the output of {tmp_path / 'in' / 'x.png'}" in refused["error"]
    assert (out / "x.png").read_bytes() == made


def test_a_failed_item_leaves_no_empty_mirrored_folder(tmp_path):
    _photo(tmp_path / "in" / "a.jpg", 0)
    bad = tmp_path / "in" / "day2" / "deep" / "broken.mp4"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"not a video at all" * 100)
    out = tmp_path / "out"
    report = run_batch([str(tmp_path / "in")], out, load_config(None, []), jobs=1)
    assert (report.done, report.failed) == (1, 1)
    assert sorted(p.name for p in out.iterdir()) == ["a.png", MANIFEST]


def test_ctrl_c_leaves_no_empty_mirrored_folders(tmp_path):
    """Ctrl-C while videos in subfolders are cut: their temporary files were removed, but the
    mirrored folders made for them stayed behind, empty."""
    src = tmp_path / "in"
    for i, sub in enumerate(("day1", "day2/deep")):
        (src / sub).mkdir(parents=True)
        make_clip(src / sub / f"c{i}.mp4", n=400, seed=i)
    _photo(src / "p.jpg", 0)
    (tmp_path / "out" / "kept-empty").mkdir(parents=True)  # (not made by the batch: stays)
    out = tmp_path / "out"
    proc = _batch_at_work(src, out, "-j", "2", until=lambda: len(list(out.rglob(".c*.mp4.livecut-*"))) >= 2,
                          manifest=False)
    assert (out / "day1").is_dir() and (out / "day2" / "deep").is_dir()
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    left = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    # (the manifest holds the items' "started" lines, written before they were handed out)
    done = {r["output"] for r in _records(out) if r["status"] == "ok"}
    assert not {"day1/c0.mp4", "day2/deep/c1.mp4"} & done, stderr  # (both were stopped)
    assert left == sorted({"kept-empty", MANIFEST, *done}), left


def _writes_then_hangs(src, dst, kind, force, settings):
    """An item function whose result never comes back after its output is in place (the
    moment Ctrl-C can fall in: renamed, not yet recorded by the driver)."""
    run_item(src, dst, kind, force, settings)
    time.sleep(60)  # (stopped by the driver)


def test_ctrl_c_after_an_output_was_renamed_into_place_does_not_disown_it(tmp_path):
    """Ctrl-C between an item's rename into place and the driver's manifest line left a whole
    output that no line named: the same command again refused it ("exists (use --force ...)",
    exit 2) at every run.  Now it is recorded as this batch's ("interrupted"); a photo's output is
    only ever renamed there whole, so the next run counts it already done and keeps it."""
    import threading

    from livecut.runner import Interrupted

    src = _photo(tmp_path / "in" / "a.jpg", 0)
    out = tmp_path / "out"
    cfg = load_config(None, [])
    main = os.getpid()

    def interrupt_once_written() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (out / "a.png").exists():
            time.sleep(0.01)
        os.kill(main, signal.SIGINT)  # (the driver: KeyboardInterrupt in its wait)

    watcher = threading.Thread(target=interrupt_once_written, daemon=True)
    watcher.start()
    with pytest.raises(Interrupted):
        run_batch([str(src)], out, cfg, jobs=1, item_fn=_writes_then_hangs)
    watcher.join(5)
    assert (out / "a.png").is_file()
    assert _records(out)[-1]["status"] == "interrupted"
    kept = (out / "a.png").read_bytes()
    again = run_batch([str(src)], out, cfg, jobs=1)
    assert (again.done, again.failed, again.skipped_done, again.exit_code) == (0, 0, 1, 0), again.errors
    assert (out / "a.png").read_bytes() == kept


def test_a_symbolic_link_loop_is_a_failed_item_not_the_end_of_the_batch(tmp_path):
    """A folder holding a symbolic link loop named like a photo (a.jpg -> b.jpg -> a.jpg) made
    the whole batch fail with "internal error: RuntimeError: Symlink loop" (exit 1), nothing
    done; now the loop is one failed item (exit 2) and the rest is done."""
    src = tmp_path / "in"
    _photo(src / "good.jpg", 0)
    (src / "loop1.jpg").symlink_to("loop2.jpg")
    (src / "loop2.jpg").symlink_to("loop1.jpg")
    out = tmp_path / "out"
    report = run_batch([str(src)], out, load_config(None, []), jobs=1)
    assert (report.done, report.failed, report.exit_code) == (1, 2, 2), report.errors
    assert all("cannot read" in e for e in report.errors), report.errors
    assert (out / "good.png").is_file()


def _waits_for_go(src, dst, kind, force, settings):
    """An item function that says it started, then waits for the test's word."""
    base = Path(dst).parent.parent
    (base / "started").touch()
    deadline = time.monotonic() + 60
    while not (base / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return run_item(src, dst, kind, force, settings)


def test_a_second_batch_into_the_same_output_folder_is_refused_while_one_runs(tmp_path):
    """The same command twice at once (two terminals, an overlapping cron job): both did every
    item, each refused the other's outputs as "exists" and recorded those failures after the
    successes, so that every later run said "N failed before" and --retry-failed "exists (use
    --force ...)" for outputs the batch had written.  Now the second is refused at once."""
    import threading

    src = _photo(tmp_path / "in" / "a.jpg", 0)
    out = tmp_path / "out"
    out.mkdir()
    cfg = load_config(None, [])
    first: dict = {}

    def run_first() -> None:
        try:
            first["report"] = run_batch([str(src)], out, cfg, jobs=1, item_fn=_waits_for_go)
        except BaseException as exc:  # (shown by the asserts below)
            first["error"] = exc

    thread = threading.Thread(target=run_first, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        with pytest.raises(UsageError, match="another livecut batch"):
            run_batch([str(src)], out, cfg, jobs=1)
    finally:
        (tmp_path / "go").touch()
        thread.join(60)
    assert "error" not in first, first
    assert (first["report"].done, first["report"].failed) == (1, 0), first["report"].errors
    assert [r["status"] for r in _records(out)] == ["ok"]
    assert sorted(p.name for p in out.iterdir()) == ["a.png", MANIFEST]  # (no lock file left)
    again = run_batch([str(src)], out, cfg, jobs=1)
    assert (again.skipped_done, again.failed, again.exit_code) == (1, 0, 0)


def test_an_input_that_cannot_be_read_is_recorded_once_not_at_every_rerun(tmp_path):
    """A link to a photo since removed (a card's copy gone): refused "cannot read" and recorded
    again at every rerun, counted as a new failure each time, where any other failure is
    counted among the failures before; now as those (exit 2 still), retried with --retry-failed."""
    src = tmp_path / "in"
    _photo(src / "good.jpg", 0)
    (src / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    out = tmp_path / "out"
    cfg = load_config(None, [])
    first = run_batch([str(src)], out, cfg, jobs=1)
    assert (first.done, first.failed, first.exit_code) == (1, 1, 2) and "cannot read" in first.errors[0]
    assert len(_records(out)) == 2
    again = run_batch([str(src)], out, cfg, jobs=1)
    assert (again.done, again.failed, again.skipped_done, again.skipped_failed) == (0, 0, 1, 1)
    assert again.exit_code == 2 and len(_records(out)) == 2
    retried = run_batch([str(src)], out, cfg, jobs=1, retry_failed=True)
    assert (retried.failed, retried.skipped_done) == (1, 1) and len(_records(out)) == 3


def test_a_link_to_a_photo_gone_is_said_as_livecut_image_says_it(tmp_path):
    """A link to a photo since removed: the batch said 'cannot read: No such file or directory'
    of a name that `ls` lists; now it names the link's target, as `livecut image` does."""
    src = tmp_path / "in"
    _photo(src / "good.jpg", 0)
    (src / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    report = run_batch([str(src)], tmp_path / "out", load_config(None, []), jobs=1)
    assert (report.done, report.failed, report.exit_code) == (1, 1, 2), report.errors
    assert report.errors == [f"{src / 'gone.jpg'}: cannot read: a link to {tmp_path / 'nowhere.jpg'}, "
                             "which is not there"]


def test_an_output_renamed_into_place_before_a_crash_is_the_batchs_own_on_the_rerun(tmp_path):
    """A crash, SIGKILL, SIGTERM or Ctrl-C between an item's rename into place and its manifest
    line left an output no result line named.  Each item gets a "started" line (fsync'ed, with
    whether something stood at its final name) before it is handed out.  The rerun did such a
    photo again (cut once more, renamed over its finished output); a photo is only ever renamed
    there whole, so one found where nothing stood is now its finished output, "already done"."""
    src = tmp_path / "in"
    a = _photo(src / "a.jpg", 0, w=320, h=240)
    b = _photo(src / "b.jpg", 1, w=320, h=240)
    out = tmp_path / "out"
    cfg = load_config(None, [])
    first = run_batch([str(src)], out, cfg, jobs=1)
    assert (first.done, first.failed, first.exit_code) == (2, 0, 0), first.errors
    journal = _records(out, started=True)

    # the state a crash leaves: the last item's output at its final name, its result line lost
    lines = (out / MANIFEST).read_text().splitlines(keepends=True)
    last = json.loads(lines[-1])
    (out / MANIFEST).write_text("".join(lines[:-1]))
    crashed = out / last["output"]
    assert crashed.is_file()
    inode, before = crashed.stat().st_ino, crashed.read_bytes()
    p = plan([str(src)], out, settings=json.loads(lines[0])["settings"])
    assert not p.todo and not p.refused and (p.skipped_done, p.skipped_failed) == (2, 0)

    again = run_batch([str(src)], out, cfg, jobs=1)
    assert (again.done, again.failed, again.skipped_done, again.skipped_failed, again.exit_code) == (0, 0, 2, 0, 0), \
        again.errors
    assert crashed.stat().st_ino == inode and crashed.read_bytes() == before  # (kept, not done again)
    assert not [q for q in out.rglob(".*")]
    for path in (a, b):  # each item: its "started" line (nothing at its final name then), then its result
        mine = [r for r in journal if r["input"] == str(path)]
        assert [r["status"] for r in mine] == [STARTED, "ok"], journal
        assert mine[0]["existed"] is False and mine[0]["output"] == mine[1]["output"]
    # stopped by Ctrl-C before its result came back: recorded "interrupted", kept the same way
    rec = dict(last, status="interrupted", exit_code=130, written=True, error="stopped")
    append_record(out / MANIFEST, rec)
    assert plan([str(src)], out, settings=last["settings"]).skipped_done == 2
    # its input changed since: done again, over the batch's own output
    os.utime(src / Path(last["input"]).name, ns=(1, 1))
    redo = run_batch([str(src)], out, cfg, jobs=1)
    assert (redo.done, redo.failed, redo.exit_code) == (1, 0, 0) and crashed.stat().st_ino != inode
    (out / MANIFEST).write_text("".join(lines[:-1]))
    os.utime(src / Path(last["input"]).name, ns=(last["mtime_ns"], last["mtime_ns"]))

    # the crash cut the started line too (it was being written): nothing was handed out then;
    # an output there is not the batch's -- refused, as one no line names
    (out / MANIFEST).write_text("".join(ln for ln in lines if json.loads(ln)["input"] != last["input"]))
    before = crashed.read_bytes()
    refused = run_batch([str(src)], out, cfg, jobs=1)
    assert (refused.done, refused.failed, refused.exit_code) == (0, 1, 2)
    assert "exists (use --force" in refused.errors[0] and crashed.read_bytes() == before


def test_a_crash_after_force_over_another_programs_file_leaves_that_output_refused(tmp_path):
    """An item started over something that stood at its final name and was not the batch's
    (--force) and stopped by a crash: what is there may still be the other program's, so the
    rerun without --force refuses it, as before; an older manifest (no "started" lines) reads
    as it did."""
    src = _photo(tmp_path / "in" / "a.jpg", 0, w=320, h=240)
    out = tmp_path / "out"
    foreign = _photo(out / "a.png", 5, w=64, h=48).read_bytes()
    cfg = load_config(None, [])
    # the journal of a --force run stopped by a crash before the item ran: its "started" line only
    rec = {"input": str(src), "output": "a.png", "kind": "image", "size": src.stat().st_size,
           "mtime_ns": src.stat().st_mtime_ns, "settings": settings_key(cfg, None, None), "status": STARTED,
           "error": None,
           "existed": True, "written": False, "started": "2026-01-01T00:00:00Z"}
    append_record(out / MANIFEST, rec)
    report = run_batch([str(src)], out, cfg, jobs=1)
    assert (report.done, report.failed, report.exit_code) == (0, 1, 2), report.errors
    assert "exists (use --force" in report.errors[0] and (out / "a.png").read_bytes() == foreign
    # an older manifest, results only: skipped as done
    (out / "a.png").unlink()
    (out / MANIFEST).unlink()
    assert run_batch([str(src)], out, cfg, jobs=1).done == 1
    (out / MANIFEST).write_text("".join(ln + "\n" for ln in (out / MANIFEST).read_text().splitlines()
                                        if json.loads(ln)["status"] != STARTED))
    old = run_batch([str(src)], out, cfg, jobs=1)
    assert (old.done, old.skipped_done, old.exit_code) == (0, 1, 0)


def test_a_video_background_is_for_the_videos_of_a_mixed_batch(tmp_path):
    """`batch DIR -b video:BG.mp4` on photos and videos failed every photo ("video backgrounds
    are for video", exit 2), where the help says "video:PATH for the videos only" and the same
    background set in the configuration leaves the photos as cutouts.  Now -b does what the
    configuration does: the photos are cutouts, the videos composited over BG.mp4, exit 0."""
    src = tmp_path / "in"
    _photo(src / "p.jpg", 0, w=320, h=240)
    make_clip(src / "v.mp4", w=320, h=240, n=25, seed=1)
    bg = make_clip(tmp_path / "bg.mp4", w=320, h=240, n=25, seed=2)
    out, conf = tmp_path / "out", tmp_path / "conf"
    r = run_cli("batch", str(src), "-o", str(out), "-b", f"video:{bg}", "-j", "2", "-q", timeout=180)
    assert r.returncode == 0, r.stderr
    assert "video backgrounds are for video" not in r.stderr
    r = run_cli("batch", str(src), "-o", str(conf), "--set", f'composite.background="video:{bg}"', "-j", "2",
                "-q", timeout=180)
    assert r.returncode == 0, r.stderr
    photo = cv2.imread(str(out / "p.png"), cv2.IMREAD_UNCHANGED)
    assert photo.shape == (240, 320, 4)  # a cutout, as with the configuration's video: background
    assert np.array_equal(photo, cv2.imread(str(conf / "p.png"), cv2.IMREAD_UNCHANGED))
    assert len(_frames(out / "v.mp4")) == 25
    assert {r["status"] for r in _records(out)} == {"ok"}


def test_a_folder_that_cannot_be_read_is_said_not_left_out_silently(tmp_path, monkeypatch):
    """A subfolder without read permission (a card copied as another user, chmod 000) was
    left out without a word: its photos were missing from the output tree, the summary said
    nothing failed, exit 0; the folder given itself unreadable was "holds no photos or
    videos".  Now each is one error line "cannot read the folder" (exit 2), the rest done."""
    src = tmp_path / "in"
    _photo(src / "good.jpg", 0)
    _photo(src / "private" / "x.jpg", 1)
    real_scandir = os.scandir

    def scandir(path=None):  # (as chmod 000 does, also where the tests run as root)
        if path is not None and Path(os.fsdecode(path)).name == "private":
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path) if path is not None else real_scandir()

    monkeypatch.setattr(os, "scandir", scandir)
    cfg = load_config(None, [])
    report = run_batch([str(src)], tmp_path / "out", cfg, jobs=1)
    assert (report.done, report.failed, report.exit_code) == (1, 1, 2), report.errors
    assert report.errors == [f"{src / 'private'}: cannot read the folder: Permission denied"]
    report = run_batch([str(src / "private")], tmp_path / "out2", cfg, jobs=1)
    assert report.errors == [f"{src / 'private'}: cannot read the folder: Permission denied"]


def _children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux: /proc)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text.rsplit(")", 1)[1].split()[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_ctrl_c_while_a_worker_starts_leaves_no_worker_behind(tmp_path, monkeypatch, capfd):
    """Ctrl-C in the first half second of a batch (the forkserver still importing livecut, the
    driver waiting for the new worker's pid) stopped the driver before it knew that worker, so
    that it was never stopped: it outlived the batch and printed a traceback after the
    "interrupted" line (FileNotFoundError unpickling its queue), or the forkserver did, stopped
    by the same Ctrl-C in its imports (KeyboardInterrupt).  Now the signal waits for the start
    to end (the worker is then stopped with the others), and the forkserver and its workers
    ignore SIGINT from their start (the driver stops them)."""
    from multiprocessing import forkserver

    from livecut.runner import Interrupted

    src = _photo(tmp_path / "in" / "a.jpg", 0)
    forkserver._forkserver._stop()  # (this batch starts it: as the CLI's first batch does)
    real_read_signed = forkserver.read_signed
    fired: list[int] = []

    def read_signed(fd):  # (the driver waits here for the new worker's pid)
        if not fired:
            fired.append(1)
            signal.raise_signal(signal.SIGINT)  # Ctrl-C just then
        return real_read_signed(fd)

    monkeypatch.setattr(forkserver, "read_signed", read_signed)
    with pytest.raises(Interrupted):
        run_batch([str(src)], tmp_path / "out", load_config(None, []), jobs=1)
    assert fired
    server = forkserver._forkserver._forkserver_pid
    assert server is not None
    status = Path(f"/proc/{server}/status").read_text()
    ignored = int(status.split("SigIgn:")[1].split()[0], 16)
    assert ignored & (1 << (signal.SIGINT - 1)), "the forkserver can be stopped by a Ctrl-C"
    deadline = time.monotonic() + 5
    while _children_of(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _children_of(server)
    for pid in left:  # (not to outlive the test)
        os.kill(pid, signal.SIGKILL)
    assert not left, "a worker started at Ctrl-C was left running"
    assert "Traceback" not in capfd.readouterr().err


def test_a_crashed_runs_temporary_files_go_when_the_rerun_does_its_items(tmp_path):
    """kill -9 (or a power cut) mid-batch left the workers' temporary files beside the outputs
    (``.v.mp4.livecut-PID-HOST-TOKEN.mp4``); the same command again at once (as the README asks)
    did the items but left those files for good: they go only once 60 s old, when an output
    is opened again, and the next runs skip the items.  Now the rerun removes them as it does
    the items (a live process's temporary file stays)."""
    from livecut.atomic import _host_tag

    src = tmp_path / "in"
    _photo(src / "a.jpg", 0)
    make_clip(src / "v.mp4", n=6, seed=1)
    out = tmp_path / "out"
    out.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # (a worker of the crashed run: its process is gone)
    left = [out / f".v.mp4.livecut-{gone.pid}-{_host_tag()}-0123abcd.mp4",
            out / f".a.png.livecut-{gone.pid}-{_host_tag()}-89abcdef.png"]
    for p in left:
        p.write_bytes(b"half a video")
    alive = out / f".v.mp4.livecut-1-{_host_tag()}-00000000.mp4"  # (pid 1 runs: not ours to remove)
    alive.write_bytes(b"being written")
    report = run_batch([str(src)], out, load_config(None, []), jobs=1)
    assert (report.done, report.failed) == (2, 0), report.errors
    assert not any(p.exists() for p in left)
    assert alive.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([alive.name, "a.png", "v.mp4", MANIFEST])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="a zombie is told by /proc")
def test_a_killed_runs_temporary_file_goes_while_its_worker_is_still_a_zombie(tmp_path):
    """`kill -9` to a batch's group, then the same command at once: its workers were zombies
    a second or two longer (for good in a container whose PID 1 does not reap them), found by
    signal 0 as running, so the rerun did the video and left '.v.mp4.livecut-PID-...' beside
    it for good.  A zombie writes nothing: its temporary file goes as a gone process's does."""
    from livecut.atomic import _host_tag

    src = tmp_path / "in"
    _photo(src / "a.jpg", 0)
    out = tmp_path / "out"
    out.mkdir()
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])  # (ended, not waited for: a zombie)
    try:
        deadline = time.monotonic() + 30
        while Path(f"/proc/{zombie.pid}/stat").read_bytes().rsplit(b")", 1)[1][1:2] != b"Z":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        left = out / f".a.png.livecut-{zombie.pid}-{_host_tag()}-89abcdef.png"
        left.write_bytes(b"half a photo")
        report = run_batch([str(src)], out, load_config(None, []), jobs=1)
    finally:
        zombie.wait()
    assert (report.done, report.failed) == (1, 0), report.errors
    assert not left.exists()
    assert sorted(p.name for p in out.iterdir()) == ["a.png", MANIFEST]


def test_the_default_jobs_count_a_floating_point_tiff_s_own_peak():
    """A batch of uncompressed floating-point TIFFs (a raw developer's 8000x6000 RGB: 576 MB on disk,
    1.8 GB at `livecut image`'s peak, the file read whole and decoded through a second copy) was
    given workers of 16 bytes a pixel, 0.9 GB each: 8 of them in 8 GB, twice what fits; a photo's
    worker counts 3 times its file where that is more.  A JPEG of the same size counts as before."""
    from livecut.batch import Item, default_jobs, worker_need

    floats = Item(Path("f.tif"), "image", "f.png", size=8000 * 6000 * 12 + 8000, frames=1, work=48.0)
    jpeg = Item(Path("j.jpg"), "image", "j.png", size=20_000_000, frames=1, work=48.0)
    assert worker_need([floats])[0] >= 1.8e9 and worker_need([floats])[1] == "photos up to 48 MP"
    assert worker_need([jpeg])[0] == pytest.approx(0.13e9 + 16 * 48e6)
    assert default_jobs(16, [jpeg, floats], int(8e9))[0] == 4
    assert default_jobs(16, [jpeg], int(8e9))[0] == 8


def test_the_default_jobs_count_a_compressed_floating_point_tiff_s_picture(tmp_path):
    """A deflated floating-point RGBA TIFF (an HDR merge's) of 48 megapixels, 69 MB on disk, peaks
    at 1.6 GB in `livecut image` (its 768 MB picture decoded through a second copy), where its
    worker was counted 16 bytes a pixel, 0.9 GB: 8 workers in 8 GB, 13 GB needed.  A TIFF's worker
    counts twice its picture decoded, from its directory (float RGBA: 16 bytes a pixel); a 16-bit
    RGB one's (6 bytes a pixel) stays at 16 bytes a pixel."""
    from livecut.batch import WORKER_BASE_BYTES, default_jobs, plan, worker_need

    src = tmp_path / "src"
    src.mkdir()
    rgba = np.zeros((300, 400, 4), np.float32)
    rgba[..., 3] = 1.0
    assert cv2.imwrite(str(src / "hdr.tif"), rgba, [cv2.IMWRITE_TIFF_COMPRESSION, 8])
    assert (src / "hdr.tif").stat().st_size < rgba.nbytes / 10  # (deflated: its file says nothing)
    assert cv2.imwrite(str(src / "deep.tif"), np.zeros((300, 400, 3), np.uint16), [cv2.IMWRITE_TIFF_COMPRESSION, 1])
    items = {it.src.name: it for it in plan([str(src)], tmp_path / "out").todo}
    px = 300 * 400
    assert worker_need([items["hdr.tif"]])[0] == pytest.approx(WORKER_BASE_BYTES + 2 * 16 * px)
    assert worker_need([items["deep.tif"]])[0] == pytest.approx(WORKER_BASE_BYTES + 16 * px)
    big = items["hdr.tif"]
    big.work = 48.0  # (its header's 48 megapixels, as a real one's)
    assert default_jobs(8, [big], int(8e9))[0] == 4


def test_the_default_jobs_count_a_16_bit_rgba_png_s_file_and_picture(tmp_path):
    """A 16-bit RGBA PNG (Photoshop's or GIMP's export at 16 bits) of 48 megapixels, 227 MB on
    disk, peaks at 1.09 GB in `livecut image` (its file read whole, its 384 MB picture decoded
    through a second copy), where its worker was counted 16 bytes a pixel, 0.9 GB.  A PNG's worker
    counts its file and twice its picture decoded, from its header; an 8-bit one's as before."""
    from livecut.batch import PHOTO_BYTES_PER_PIXEL, WORKER_BASE_BYTES, plan, worker_need

    src = tmp_path / "src"
    src.mkdir()
    ramp = np.linspace(0, 65535, 400, dtype=np.float64).astype(np.uint16)
    deep = np.dstack([np.tile(ramp, (300, 1))] * 4)
    assert cv2.imwrite(str(src / "deep.png"), deep) and cv2.imwrite(str(src / "flat.png"), (deep >> 8).astype(np.uint8))
    items = {it.src.name: it for it in plan([str(src)], tmp_path / "out").todo}
    px, size = 300 * 400, (src / "deep.png").stat().st_size
    assert 3 * size < PHOTO_BYTES_PER_PIXEL * px  # (its file alone says less than 16 bytes a pixel)
    assert worker_need([items["deep.png"]])[0] == pytest.approx(WORKER_BASE_BYTES + size + 2 * 8 * px)
    assert worker_need([items["flat.png"]])[0] == pytest.approx(WORKER_BASE_BYTES + PHOTO_BYTES_PER_PIXEL * px)


def test_a_tiff_s_size_is_read_from_its_directory_after_its_pixels(tmp_path):
    """A TIFF written by libtiff (OpenCV's, a raw developer's) holds its directory after its pixels:
    the batch read its first 256 KB alone, found no size and guessed its work from the file's, 4
    megapixels a MB (an 8000x6000 float TIFF: 2304), which ordered the items, weighed the ETA and
    sized the workers' memory as a 200-megapixel photo's, 'for photos up to 200 MP'; its size is
    read wherever its directory is."""
    from livecut.batch import Item, estimate, worker_need

    p = tmp_path / "f.tif"
    assert cv2.imwrite(str(p), np.random.default_rng(0).random((400, 600, 3), np.float32))
    assert p.stat().st_size > 1 << 20 and p.read_bytes()[4:8] != (8).to_bytes(4, "little")  # (directory last)
    assert estimate(p, "image") == (1, 0.24)
    it = Item(p, "image", "f.png", size=p.stat().st_size, frames=1, work=0.24)
    assert worker_need([it])[1] == "photos up to 0.2 MP"


def test_the_default_jobs_are_bounded_by_the_memory_available():
    """--jobs unset: one worker a core, each needing the memory of the largest photo or video
    frame (16 and 130 bytes a pixel and 0.13 GB, the README's measured peaks) -- 16 workers of
    61-megapixel photos in 3.2 GB ran out of memory; now 2, and said (memory injected)."""
    from livecut.batch import Item, default_jobs

    big = Item(Path("a.tif"), "image", "a.png", frames=1, work=9504 * 6336 / 1e6)
    small = Item(Path("b.jpg"), "image", "b.png", frames=1, work=1.0)
    uhd = Item(Path("v.mp4"), "video", "v.mp4", frames=100, work=100 * 3840 * 2160 / 1e6)
    unknown = Item(Path("w.mkv"), "video", "w.mkv", frames=0, work=500.0)  # (no header: not counted)
    jobs, note = default_jobs(16, [small, big, unknown], int(3.2e9))
    assert jobs == 2
    assert note == "2 jobs, not 16: about 1.1 GB each for photos up to 60 MP and 3.2 GB available (--jobs N to choose)"
    assert default_jobs(16, [small, big], int(64e9)) == (16, None)  # room for all: the cores, nothing said
    assert default_jobs(16, [small, big], None) == (16, None)  # unknown (Windows): the cores
    assert default_jobs(16, [small, big], int(0.5e9))[0] == 1  # never below one
    assert default_jobs(16, [unknown], int(0.5e9)) == (16, None)
    jobs, note = default_jobs(8, [small, uhd], int(4e9))
    assert jobs == 3 and "about 1.2 GB each for videos with frames up to 8.3 MP" in note


def test_a_default_lowered_for_memory_is_said_in_the_summary(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import livecut.batch
    from livecut.cli import app

    _photo(tmp_path / "in" / "a.jpg")
    monkeypatch.setattr(livecut.batch, "usable_cpus", lambda: 4)
    monkeypatch.setattr(livecut.batch, "available_memory", lambda: 300_000_000)
    r = CliRunner().invoke(app, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert ("1 done, 0 failed; 1 photo in" in r.output
            and "; 2 jobs, not 4: about 0.13 GB each for photos up to 0.1 MP and 0.30 GB available" in r.output)
    r = CliRunner().invoke(app, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out2"), "-j", "4"])
    assert r.exit_code == 0 and "jobs, not" not in r.output  # (given: kept, nothing said)


def test_jobs_given_beyond_the_memory_are_kept_and_said(tmp_path, monkeypatch):
    """`livecut batch IN -o OUT -j 64` on a machine without the memory for 64 workers started
    them all without a word (workers killed for memory, or the machine swapping); the jobs
    given are kept, and a warning says how many fit."""
    from typer.testing import CliRunner

    import livecut.batch
    from livecut.cli import app

    for name in "abc":
        _photo(tmp_path / "in" / f"{name}.jpg")
    monkeypatch.setattr(livecut.batch, "usable_cpus", lambda: 4)
    monkeypatch.setattr(livecut.batch, "available_memory", lambda: 300_000_000)
    r = CliRunner().invoke(app, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-j", "64"])
    assert r.exit_code == 0 and "3 done, 0 failed" in r.output, r.output
    assert ("warning: --jobs 64: 3 workers need about 0.13 GB each for photos up to 0.1 MP, and 0.30 GB is "
            "available: they may run out of memory (about 2 fit)") in r.output, r.output
    r = CliRunner().invoke(app, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out2"), "-j", "2"])
    assert r.exit_code == 0 and "--jobs" not in r.output, r.output  # (2 fit: nothing said)
    monkeypatch.setattr(livecut.batch, "available_memory", lambda: 100_000_000)
    r = CliRunner().invoke(app, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out3"), "-j", "1"])
    assert r.exit_code == 0 and "--jobs" not in r.output, r.output  # (one: the least there is; "1 workers")


def test_the_summary_reads_naturally_for_one_frame_and_for_nothing_done():
    """It said "1 frames", and a batch all already done "0 frames in 0.0 s (0.0 fps)"."""
    from livecut.batch import BatchReport

    assert BatchReport(done=1, frames=1, seconds=0.5).summary() == "1 done, 0 failed; 1 frame in 0.5 s (2.0 fps)"
    assert BatchReport(done=2, frames=20, seconds=2.0).summary() == "2 done, 0 failed; 20 frames in 2.0 s (10.0 fps)"
    assert BatchReport(skipped_done=3, seconds=0.01).summary() == "0 done, 0 failed, 3 already done"


def test_photos_are_said_as_photos_not_frames(tmp_path):
    """A batch of photos ended '3 done, 0 failed; 3 frames in 1.0 s (3.1 fps)': photos are not
    frames.  They are said as photos, a mixed batch's beside its videos' frames (no one rate for
    the two); the manifest still counts a photo's one frame."""
    from livecut.batch import BatchReport

    for i in range(3):
        _photo(tmp_path / "in" / f"p{i}.jpg", i, w=160, h=120)
    photos = run_batch([str(tmp_path / "in")], tmp_path / "out", load_config(None, []), jobs=1)
    said = photos.summary()
    assert said.startswith("3 done, 0 failed; 3 photos in ") and said.endswith(" photo/s)"), said
    assert "frame" not in said and "fps" not in said, said
    assert [r["frames"] for r in read_manifest(tmp_path / "out" / MANIFEST).values()] == [1, 1, 1]
    make_clip(tmp_path / "in" / "v.mp4", w=160, h=96, n=6, seed=1)
    mixed = run_batch([str(tmp_path / "in")], tmp_path / "out2", load_config(None, []), jobs=1)
    said = mixed.summary()
    assert said.startswith("4 done, 0 failed; 3 photos and 6 video frames in ") and said.endswith(" s"), said
    assert BatchReport(done=1, frames=1, photos=1, seconds=0.5).summary() == "1 done, 0 failed; 1 photo in 0.5 s (2.0 photo/s)"
    assert BatchReport(done=2, frames=2, photos=2, seconds=45.8).summary() == (
        "2 done, 0 failed; 2 photos in 45.8 s (23 s/photo)")
    assert BatchReport(done=2, frames=2, photos=1, seconds=1.0).summary() == (
        "2 done, 0 failed; 1 photo and 1 video frame in 1.0 s")


@pytest.mark.parametrize("kinds, rate", [(("image",) * 3, "0.3 photo/s"), (("video",) * 3, "0.3 fps"),
                                         (("image", "image", "video"), None)])
def test_the_progress_line_says_photos_as_photos_as_the_summary(monkeypatch, kinds, rate):
    """The summary of a batch of photos says '15 photos in 4.1 s (3.7 photo/s)' (16f7704), but its
    progress line still drew '3.7 fps' above it, and a mixed batch's one rate of photos and video
    frames summed, which the summary does not give.  The line says photos a second for a batch
    of photos only, frames a second for videos only, and no rate for a mixed one."""
    import re

    from livecut.batch import Item, _BatchBar

    from conftest import Tty

    for name in ("COLORTERM", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("TERM", "xterm")
    items = [Item(src=Path(f"in/x{i}.{'png' if kind == 'image' else 'mp4'}"), kind=kind, rel=f"x{i}.png")
             for i, kind in enumerate(kinds)]
    for item in items:
        item.frames, item.work = 1, 1.0
    stream = Tty()
    bar = _BatchBar(items, len(items), True, stream=stream)
    bar.start -= 10  # (10 s in)
    for item in items:
        bar.finished(item, True, 1)
    bar.close()
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue()).strip().splitlines()[-1]
    assert "3 done, 0 failed, 0 left" in drawn, drawn
    if rate is None:
        assert "fps" not in drawn and "photo/s" not in drawn and "/s" not in drawn, drawn
    else:
        assert rate in drawn and ("fps" in rate) == ("fps" in drawn), drawn


def test_the_summary_leaves_out_a_count_of_none_skipped():
    """A batch whose items were done but one that failed before said '4 done, 0 failed, 0 already
    done, 1 failed before': a count of items skipped is said only where there are some, as
    `livecut image` says its outputs 'there already'."""
    from livecut.batch import BatchReport

    assert BatchReport(done=4, skipped_failed=1).summary() == (
        "4 done, 0 failed, 1 failed before (--retry-failed retries them)")
    assert BatchReport(done=4, skipped_done=2, skipped_failed=1).summary() == (
        "4 done, 0 failed, 2 already done, 1 failed before (--retry-failed retries them)")
    assert BatchReport(done=4, failed=1).summary() == "4 done, 1 failed"


def test_items_refused_for_an_output_there_are_said_to_wait_for_force_not_retry_failed(tmp_path):
    """A rerun after items were refused for an output the batch did not write said '2 failed
    before (--retry-failed retries them)', and --retry-failed refused them again, as before: the
    summary says --force is what they wait for (beside a failure --retry-failed does retry)."""
    for i, name in enumerate(("a", "b")):
        _photo(tmp_path / "in" / f"{name}.jpg", i)
        (tmp_path / "out").mkdir(exist_ok=True)
        (tmp_path / "out" / f"{name}.png").write_bytes(b"mine")
    (tmp_path / "in" / "bad.jpg").write_bytes(b"junk")
    named = [str(tmp_path / "in" / n) for n in ("a.jpg", "b.jpg")]
    out = tmp_path / "out"
    first = run_batch([*named, str(tmp_path / "in" / "bad.jpg")], out, load_config(None, []), jobs=1)
    assert (first.done, first.failed) == (0, 3)
    again = run_batch(named, out, load_config(None, []), jobs=1)
    assert again.summary() == "0 done, 0 failed, 2 failed before (their outputs were there: --force overwrites them)"
    one = run_batch(named[:1], out, load_config(None, []), jobs=1)
    assert one.summary() == "0 done, 0 failed, 1 failed before (its output was there: --force overwrites it)"
    every = run_batch([*named, str(tmp_path / "in" / "bad.jpg")], out, load_config(None, []), jobs=1)
    assert every.summary() == ("0 done, 0 failed, 3 failed before (--retry-failed retries them, --force the 2 "
                               "whose output was there)")
    assert (out / "a.png").read_bytes() == b"mine"


def test_photos_of_many_seconds_each_are_not_said_to_go_at_0_fps(monkeypatch):
    """A batch of 151-megapixel photos, 23 s each, said '2 frames in 45.8 s (0.0 fps)', and its
    line '0.0 fps', as if none were cut: under 0.1 a second it says the seconds each."""
    from livecut.batch import BatchReport, _BatchBar

    from conftest import Tty

    assert BatchReport(done=2, frames=2, seconds=45.8).summary() == "2 done, 0 failed; 2 frames in 45.8 s (23 s/frame)"
    assert BatchReport(done=1, frames=1, seconds=10.0).summary() == "1 done, 0 failed; 1 frame in 10.0 s (0.1 fps)"
    monkeypatch.setenv("TERM", "xterm")
    bar = _BatchBar([], 2, True, stream=Tty())
    bar.start -= 46
    bar.finished(None, True, 1)
    bar.finished(None, True, 1)
    assert bar._bar.tasks[0].fields["fps"] == "23 s/frame"
    bar.close()


def test_memory_available_counts_a_containers_limit(tmp_path):
    """In a container /proc/meminfo's MemAvailable is the host's: the control group's limit
    (cgroup v2 memory.max, v1 memory.limit_in_bytes) less its use bounds it; "max" or v1's
    no-limit value does not."""
    from livecut.batch import _cgroup_room, available_memory

    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "memory.max").write_text("2147483648\n")
    (v2 / "memory.current").write_text("536870912\n")
    assert _cgroup_room(str(v2)) == 1610612736
    host = available_memory(str(tmp_path / "none"))
    if host is not None and host > 1610612736:  # (Linux: MemAvailable read, bounded by the group)
        assert available_memory(str(v2)) == 1610612736
    (v2 / "memory.max").write_text("max\n")
    assert _cgroup_room(str(v2)) is None
    v1 = tmp_path / "v1"
    (v1 / "memory").mkdir(parents=True)
    (v1 / "memory" / "memory.limit_in_bytes").write_text("1073741824\n")
    (v1 / "memory" / "memory.usage_in_bytes").write_text("2147483648\n")
    assert _cgroup_room(str(v1)) == 0
    (v1 / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert _cgroup_room(str(v1)) is None
    assert _cgroup_room(str(tmp_path / "none")) is None


def test_a_video_cut_short_keeps_the_warnings_of_its_run(tmp_path, monkeypatch):
    """An item that ended early with its output kept (exit 3) lost what its run had noted
    (exc.warnings: `livecut file` prints them before the error); the batch warns of them as it
    does an item's that ends."""
    from livecut import runner
    from livecut.batch import Settings
    from livecut.errors import IncompleteError

    def cut_short(src, dst, cfg, **kwargs):
        Path(dst).write_bytes(b"kept")
        raise runner._with_frames(IncompleteError(f"{src}: the video ends early (truncated?)"), 5,
                                  ["the first 2 frames could not be decoded"])

    monkeypatch.setattr(runner, "run_video", cut_short)
    src = tmp_path / "cut.mp4"
    src.write_bytes(b"x")
    result = run_item(str(src), str(tmp_path / "out.mp4"), "video", False, Settings(cfg=load_config(None, [])))
    assert result["exit_code"] == 3 and result["frames"] == 5, result
    assert result["warnings"] == [f"{src}: the first 2 frames could not be decoded"], result


@pytest.mark.parametrize("mode, warned", [("mask", True), ("composite", False)])
def test_background_with_a_mode_that_ignores_it_warns_as_image_does(tmp_path, mode, warned):
    """`livecut batch --mode mask -b red` ignored -b without a word, where `livecut image` and
    `livecut file` say that --mode mask writes the mask and -b is ignored."""
    src = _photo(tmp_path / "in" / "one.png", 0, 160, 120)
    r = run_cli("batch", str(src), "-o", str(tmp_path / "out"), "--jobs", "1", "-q", "-m", mode, "-b", "red")
    assert r.returncode == 0, r.stderr
    said = [ln for ln in r.stderr.splitlines() if "--background is for --mode composite" in ln]
    assert len(said) == int(warned), r.stderr
    assert not warned or "--mode mask writes the mask, so it is ignored" in said[0]


@pytest.mark.parametrize("video", [True, False])
def test_background_with_the_configuration_s_mask_mode_warns_for_the_videos(tmp_path, video):
    """`livecut batch -b red --set composite.mode=mask` (no --mode) cut the videos as masks, -b
    ignored without a word, where `livecut file` says so (the photos are composited over -b, as
    `livecut image` does: nothing to say of a batch of photos alone)."""
    src = tmp_path / "in"
    _photo(src / "one.png", 0, 160, 120)
    if video:
        make_clip(src / "v.mp4", w=160, h=120, n=3)
    r = run_cli("batch", str(src), "-o", str(tmp_path / "out"), "--jobs", "1", "-q", "-b", "red",
                "--set", "composite.mode=mask")
    assert r.returncode == 0, r.stderr
    said = [ln for ln in r.stderr.splitlines() if "--background is for --mode composite" in ln]
    assert len(said) == int(video), r.stderr
    assert not video or said[0] == (
        "livecut: warning: --background is for --mode composite or side-by-side; composite.mode = mask (the "
        "configuration) writes the mask of the videos, so it is ignored there (the photos are composited over "
        "it, as `livecut image` does)"), said


def test_a_file_in_a_folder_without_search_permission_is_a_failed_item(tmp_path, monkeypatch):
    """A photo named inside a folder without permission (chmod 000: shoot/noread/a.jpg, a glob or
    a --list line there too) stopped the whole batch, 'internal error: PermissionError' (exit 1),
    as asking whether the name is a folder raised; a folder that can be listed but not entered
    (chmod 444) too, as its manifest was looked for.  Each is now a failed item, 'cannot read:
    Permission denied', and the rest is planned."""
    _photo(tmp_path / "in" / "good.jpg", 0)
    _photo(tmp_path / "in" / "noread" / "a.jpg", 1)
    _photo(tmp_path / "in" / "listable" / "b.jpg", 2)
    noread, listable = tmp_path / "in" / "noread", tmp_path / "in" / "listable"
    real_stat = os.stat

    def stat(path, *args, **kwargs):  # (as a folder without x permission does, also as root)
        p = Path(os.fsdecode(path))
        if noread in p.parents or listable in p.parents:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "lstat", stat)
    listed = tmp_path / "list.txt"
    listed.write_text(f"{noread / 'a.jpg'}\n")
    p = plan([str(tmp_path / "in" / "good.jpg"), str(noread / "a.jpg"), str(noread / "*.jpg")],
             tmp_path / "out", list_file=str(listed))
    assert [it.src.name for it in p.todo] == ["good.jpg"]
    assert sorted(e for _, e in p.refused) == sorted([
        f"{noread / 'a.jpg'}: cannot read: Permission denied",
        f"{noread / '*.jpg'}: cannot read: Permission denied",
        f"{noread / 'a.jpg'}: cannot read: Permission denied"])
    for given in ("in", "in/**"):  # (a folder, or a glob that reaches into one)
        p = plan([str(tmp_path / given)], tmp_path / "out2")
        assert [it.src.name for it in p.todo] == ["good.jpg"]
        assert sorted(e for _, e in p.refused) == [f"{listable / 'b.jpg'}: cannot read: Permission denied",
                                                   f"{noread / 'a.jpg'}: cannot read: Permission denied"]


def test_a_warning_or_a_note_naming_a_file_with_a_newline_stays_one_line(tmp_path):
    """An error naming a file with a newline in its name is written escaped (one line), as
    `livecut image` writes its warnings and notes, but batch wrote a warning or a note as it is:
    '.../deep' then 'shot.png: a picture of more than 8 bits a channel ...' on a line of its own."""
    img, _ = make_scene("basic", w=160, h=120, seed=0)
    d = tmp_path / "in"
    d.mkdir()
    cv2.imwrite(str(d / "deep\nshot.png"), img.astype(np.uint16) * 257)
    cv2.imwrite(str(d / "flat\nx.png"), np.full((64, 64, 3), 128, np.uint8))
    r = run_cli("batch", str(d), "-o", str(tmp_path / "o"), "--jobs", "1")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert f"livecut: warning: {d}/deep\\nshot.png: a picture of more than 8 bits a channel; its cutout is " \
           "written at 8 bits a channel (livecut writes 8-bit pictures)" in lines, lines
    assert any(ln.startswith(f"livecut: note: {d}/flat\\nx.png: ") for ln in lines), lines
    assert len(lines) == 3, lines


def test_a_warning_said_alike_of_every_photo_is_said_once_a_batch(tmp_path):
    """`livecut batch` cuts each photo as `livecut image` cuts one, so a warning that `livecut
    image` says once a run (a gray photo's profile left out: of the first, then 'N more photos
    (...)' at the end) was said of every photo of the batch, the same line but for its name.
    Said once a batch now, the photos named as given."""
    import struct

    img, _ = make_scene("basic", w=160, h=120, seed=0)
    icc = struct.pack(">I", 784) + b"lcms" + bytes(4) + b"mntrGRAYXYZ " + bytes(256) * 3
    seg = b"ICC_PROFILE\x00\x01\x01" + icc
    jpg = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))[1].tobytes()
    d = tmp_path / "in"
    d.mkdir()
    for i in range(5):
        (d / f"bw{i}.jpg").write_bytes(jpg[:2] + b"\xff\xe2" + struct.pack(">H", len(seg) + 2) + seg + jpg[2:])
    cv2.imwrite(str(d / "rgb.jpg"), img)
    r = run_cli("batch", "in", "-o", "o", "--jobs", "1", "-q", cwd=tmp_path, timeout=180)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    firsts = [ln for ln in lines if ": a gray photo: " in ln]
    assert len(firsts) == 1 and firsts[0].startswith("livecut: warning: in/bw") and firsts[0].endswith(
        ".jpg: a gray photo: its cutout is written in RGB without its gray colour profile, which does not "
        "describe RGB, and its tones may differ from what colour-managed viewers show (convert it to RGB "
        "first)"), lines
    first = firsts[0].split(": ")[2]
    more = sorted({f"in/bw{i}.jpg" for i in range(5)} - {first})
    summary = [ln for ln in lines if ln.startswith("livecut: warning: 4 more photos (")]
    assert len(summary) == 1 and summary[0].endswith(" and 1 more): gray photos too, written in RGB without their "
                                                     "gray colour profiles"), lines
    named = summary[0][len("livecut: warning: 4 more photos ("):].split(" and 1 more")[0].split(", ")
    assert len(named) == 3 and set(named) < set(more), lines
    assert len(lines) == 2, lines


def test_a_photo_without_an_extension_that_cannot_be_read_is_said_so(tmp_path, monkeypatch):
    """A photo named without an extension (IMG_0001), which is told by its first bytes, that could
    not be read (chmod 000) was 'not a photo or video this tool knows', as if its content had been
    seen; `livecut image IMG_0001` says 'cannot read: Permission denied', and so does batch."""
    import builtins

    src = _photo(tmp_path / "in" / "IMG_0001.jpg", 0).rename(tmp_path / "in" / "IMG_0001")
    real_open = builtins.open

    def no_read(path, *args, **kwargs):  # (as chmod 000 does, also where the tests run as root)
        if Path(os.fsdecode(path)) == src:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", no_read)
    p = plan([str(src)], tmp_path / "out")
    assert [e for _, e in p.refused] == [f"{src}: cannot read: Permission denied"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes (POSIX)")
def test_a_named_pipe_among_the_inputs_is_refused_not_waited_on(tmp_path):
    """A named pipe among the inputs (capture.mp4 a recorder writes to, named or found in a
    folder; one named without an extension) was opened while planning, its header read for the
    estimate or its first bytes for its kind: the batch waited for a writer for ever, before it
    started.  It is refused at once as the worker refused it ('is a FIFO (named pipe), not a
    regular video file'), the rest done."""
    src = tmp_path / "in"
    _photo(src / "a.jpg", 0)
    os.mkfifo(src / "capture.mp4")
    os.mkfifo(tmp_path / "pipe")
    r = run_cli("batch", str(src), str(tmp_path / "pipe"), "-o", str(tmp_path / "out"), "--jobs", "1", "-q",
                timeout=60)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.splitlines()
    assert f"livecut: error: {src / 'capture.mp4'}: is a FIFO (named pipe), not a photo or video file" in lines, lines
    assert f"livecut: error: {tmp_path / 'pipe'}: is a FIFO (named pipe), not a photo or video file" in lines, lines
    assert lines[-1] == "livecut batch: 1 done, 2 failed; 1 photo" + lines[-1].split("1 photo", 1)[1], lines


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes (POSIX)")
def test_a_named_pipe_where_an_output_goes_is_refused_without_a_stream_to_write(tmp_path):
    """A named pipe where a video's output goes (out/v.mp4 a player reads) said `livecut file`'s
    "(-o - > out/v.mp4 writes a stream into it)", which no batch writes; it is refused as a
    photo's is, before the cut, the way out not offered, the rest done."""
    src = tmp_path / "in"
    _photo(src / "a.jpg", 0)
    make_clip(src / "v.mp4", w=64, h=48, n=3)
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "v.mp4")
    r = run_cli("batch", str(src), "-o", str(out), "--jobs", "1", "-q", "--force", timeout=60)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.splitlines()
    assert f"livecut: error: {src / 'v.mp4'}: {out / 'v.mp4'}: is a FIFO (named pipe), not a regular file; livecut " \
           "renames its finished output into place, which would replace it: choose another -o" in lines, lines
    assert "writes a stream" not in r.stderr and (out / "a.png").is_file()
    assert lines[-1] == "livecut batch: 1 done, 1 failed; 1 photo" + lines[-1].split("1 photo", 1)[1], lines


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes (POSIX)")
def test_a_named_pipe_of_the_manifest_s_name_is_refused_not_waited_on(tmp_path):
    """A named pipe of the manifest's name in the output folder (OUTDIR/livecut-batch.jsonl) was
    opened to read the records: the batch waited for a writer for ever, before it started.  It is
    refused at once, one line, exit 2, nothing done."""
    src = tmp_path / "in"
    _photo(src / "a.jpg", 0)
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "livecut-batch.jsonl")
    r = run_cli("batch", str(src), "-o", str(out), "--jobs", "1", "-q", timeout=60)
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines() == [f"livecut: error: {out / 'livecut-batch.jsonl'}: is a FIFO (named pipe), not "
                                     "the batch's manifest (a file it writes); remove it, or give another -o"]
    assert sorted(p.name for p in out.iterdir()) == ["livecut-batch.jsonl"]


def test_a_folder_of_gifs_alone_says_they_are_cut_only_when_named(tmp_path):
    """A folder holding GIFs alone was 'folder holds no photos or videos', as if it were empty,
    where the same GIFs by a pattern, and `livecut image` of the folder, say that a GIF is cut
    only when named; the folder says it too (its subfolders' GIFs counted, as they are walked)."""
    from PIL import Image

    src = tmp_path / "gifs"
    (src / "sub").mkdir(parents=True)
    for name in ("a.gif", "sub/b.gif"):
        Image.new("RGB", (32, 32), (200, 0, 0)).save(src / name)
    p = plan([str(src)], tmp_path / "out")
    assert [e for _, e in p.refused] == [f"{src}: folder holds no photos or videos; 2 GIFs, cut only when "
                                         "named: name each on its own"]


def test_a_folder_of_apngs_alone_says_they_are_cut_only_when_named_as_gifs_are(tmp_path):
    """An animated PNG named .apng in a folder (`livecut image apd/`, `livecut batch apd/`) was
    'holds no images' / 'holds no photos or videos', as if the folder were empty, though each is
    cut when named; an .apng, an animation by its name, is a GIF's kin: cut only when named, and
    a folder or a glob that gives nothing else says so."""
    from PIL import Image

    from livecut.imageio import expand_inputs

    src = tmp_path / "apd"
    src.mkdir()
    frames = [Image.new("RGB", (32, 32), (60 * i, 0, 0)) for i in range(3)]
    frames[0].save(src / "anim.apng", save_all=True, append_images=frames[1:], duration=100)
    said = "1 APNG (animated PNG), cut only when named: name it on its own"
    p = plan([str(src)], tmp_path / "out")
    assert [e for _, e in p.refused] == [f"{src}: folder holds no photos or videos; {said}"], p.refused
    p = plan([str(src / "anim.apng")], tmp_path / "out")  # (named: a photo, its first frame)
    assert [(it.kind, it.rel) for it in p.todo] == [("image", "anim.png")] and not p.refused
    paths, errors = expand_inputs([str(src), f"{src}/*"])
    assert not paths and errors == [f"{src}: directory holds no images (.jpg, .jpeg, .png, .bmp ...); {said}",
                                    f"{src}/*: pattern matches no images; {said}"], errors
    Image.new("RGB", (32, 32)).save(src / "b.gif")
    assert plan([str(src)], tmp_path / "out").refused[0][1].endswith(
        "; 1 GIF and 1 APNG (animated PNG), cut only when named: name each on its own")


def _says_its_threads(src, dst, kind, force, settings):
    """An item function that reports the OpenCV threads its worker was given."""
    import cv2

    return {"status": "ok", "error": None, "exit_code": 0, "frames": 1, "written": False, "seconds": 0.0,
            "notes": [f"{Path(src).name}: {settings.threads} threads, OpenCV {cv2.getNumThreads()}"],
            "warnings": []}


def test_fewer_items_than_cores_share_the_cores_out(tmp_path, monkeypatch):
    """2 photos on 8 cores: 8 workers were planned, each given 8 // 8 = 1 thread, and the 2 that
    ran left 6 cores idle; the threads go to the workers that run (8 // 2 = 4 each)."""
    _photo(tmp_path / "in" / "a.jpg", 0)
    _photo(tmp_path / "in" / "b.jpg", 1)
    monkeypatch.setattr(livecut_batch, "usable_cpus", lambda: 8)
    monkeypatch.setattr(livecut_batch, "available_memory", lambda: None)
    report = run_batch([str(tmp_path / "in")], tmp_path / "out", load_config(None, []), item_fn=_says_its_threads)
    assert sorted(report.notes) == ["a.jpg: 4 threads, OpenCV 4", "b.jpg: 4 threads, OpenCV 4"], report.errors
    # more items than workers: as before, cores // jobs
    report = run_batch([str(tmp_path / "in")], tmp_path / "out2", load_config(None, []), jobs=2,
                       item_fn=_says_its_threads)
    assert sorted(report.notes) == ["a.jpg: 4 threads, OpenCV 4", "b.jpg: 4 threads, OpenCV 4"]
    report = run_batch([str(tmp_path / "in" / "a.jpg")], tmp_path / "out3", load_config(None, []), jobs=3,
                       item_fn=_says_its_threads)
    assert report.notes == ["a.jpg: 8 threads, OpenCV 8"]


@pytest.mark.parametrize("address, expected", [("127.0.0.1:99999", "outside 1-65535"), ("127.0.0.1:0", "outside")])
def test_a_ray_address_with_a_port_out_of_range_is_refused(address, expected):
    """--ray HOST:PORT with a port outside 1-65535 was socket's OverflowError, an internal
    error; a port of digits int() cannot read ('²') is left to Ray, as other non-ports are."""
    from livecut.batch import _check_reachable
    from livecut.errors import UsageError

    with pytest.raises(UsageError, match=expected):
        _check_reachable(address, timeout=0.5)
    _check_reachable("127.0.0.1:\u00b2", timeout=0.5)  # (no error: not HOST:PORT)


def test_a_folder_or_pattern_of_raw_files_alone_says_livecut_does_not_read_them(tmp_path):
    """A shoot in raw alone (`livecut batch shoot/` of .NEF files) was 'folder holds no photos
    or videos', as if it were empty (a pattern, 'shoot/*', 'matches no photos or videos'),
    where `livecut image` of the same folder or pattern says the raw files are there and to
    export them first; the batch says it too (a subfolder's raw files counted, as walked)."""
    src = tmp_path / "shoot"
    (src / "day2").mkdir(parents=True)
    for name in ("a.nef", "day2/b.CR2"):
        (src / name).write_bytes(b"II*\x00" + bytes(64))
    p = plan([str(src), str(src / "*")], tmp_path / "out")
    assert [e for _, e in p.refused] == [
        f"{src}: folder holds no photos or videos; 2 camera raw files, which livecut does not read: export "
        "them as JPEG, PNG or TIFF first",
        f"{src / '*'}: pattern matches no photos or videos; 1 camera raw file, which livecut does not read: "
        "export it as JPEG, PNG or TIFF first"]


@pytest.mark.parametrize("name, points", [("cut.gif", "livecut image PHOTO -o cut.png"),
                                          ("cut.heic", "livecut image PHOTO -o cut.png"),
                                          ("cut.ts", "livecut file VIDEO -o cut.mp4"),
                                          ("cut.mpg", "livecut file VIDEO -o cut.mp4")])
def test_an_output_named_as_a_file_livecut_does_not_write_points_to_one_it_writes(tmp_path, name, points):
    """`livecut batch a.jpg -o cut.gif` (or .heic, .ts, .mpg ...) was refused with 'for one file use
    `livecut image PHOTO -o cut.gif`' (`livecut file VIDEO -o cut.ts`), a command that refuses
    that output in turn ('livecut does not write .gif pictures', 'unknown video type'); the
    advice names the type the command writes (.png, .mp4) in its place."""
    src = _photo(tmp_path / "in" / "a.jpg", 0, 160, 120)
    out = tmp_path / name
    r = run_cli("batch", str(src), "-o", str(out))
    assert r.returncode == 2 and not out.exists(), r.stderr
    stem = points.rsplit(" ", 1)[0]
    assert r.stderr.strip().endswith(f"for one file use `{stem} {tmp_path / points.rsplit(' ', 1)[1]}`"), r.stderr


def test_a_background_picture_changed_since_the_last_run_has_the_composites_done_again(tmp_path):
    """`livecut batch shoot/ -o cut/ -b image:backdrop.jpg` run again after backdrop.jpg was
    edited (the same name, another picture) skipped every photo as 'already done': the settings'
    fingerprint held the background's name only, so the composites kept the old backdrop without
    a word (so did the same command run from another folder, whose backdrop.jpg is another
    file).  The fingerprint holds the background file's size and modification time (with
    --hash its SHA-256, as the inputs': touched alone, it is the same backdrop)."""
    src = _photo(tmp_path / "in" / "a.jpg", 0, 160, 120)
    backdrop = tmp_path / "backdrop.png"
    assert cv2.imwrite(str(backdrop), np.full((120, 160, 3), (0, 0, 255), np.uint8))
    out = tmp_path / "out"
    args = ("batch", str(src), "-o", str(out), "-b", f"image:{backdrop}", "--jobs", "1")
    r = run_cli(*args)
    assert r.returncode == 0 and r.stderr.startswith("livecut batch: 1 done"), r.stderr
    before = cv2.imread(str(out / "a.png"))
    r = run_cli(*args)  # (nothing changed: skipped, as before)
    assert r.returncode == 0 and "0 done, 0 failed, 1 already done" in r.stderr, r.stderr
    assert cv2.imwrite(str(backdrop), np.full((120, 160, 3), (255, 0, 0), np.uint8))
    os.utime(backdrop, ns=(backdrop.stat().st_atime_ns, backdrop.stat().st_mtime_ns + 10**9))
    r = run_cli(*args)
    assert r.returncode == 0 and r.stderr.startswith("livecut batch: 1 done"), r.stderr
    after = cv2.imread(str(out / "a.png"))
    corner = (slice(0, 8), slice(0, 8))  # (background there: red before, blue after)
    assert before[corner].mean(axis=(0, 1))[2] > 200 and after[corner].mean(axis=(0, 1))[0] > 200
    hashed = (*args[:3], str(tmp_path / "out2"), *args[4:], "--hash")
    assert run_cli(*hashed).returncode == 0
    os.utime(backdrop, ns=(backdrop.stat().st_atime_ns, backdrop.stat().st_mtime_ns + 10**9))
    r = run_cli(*hashed)  # (the same content: skipped)
    assert r.returncode == 0 and "0 done, 0 failed, 1 already done" in r.stderr, r.stderr
    assert cv2.imwrite(str(backdrop), np.full((120, 160, 3), (0, 255, 0), np.uint8))
    r = run_cli(*hashed)
    assert r.returncode == 0 and r.stderr.startswith("livecut batch: 1 done"), r.stderr



def test_the_same_background_file_named_another_way_is_the_same_setting(tmp_path, monkeypatch):
    """The settings' fingerprint held the background file's path as written: the same command run
    again from another folder, its configuration's background = "image:bg.png" read beside the
    file (-c conf/my.toml, then -c my.toml from conf/), or -b image:bg.png then -b
    image:/abs/bg.png, did every item again, though the backdrop was the same file (the
    fingerprint counts it by its content, its size and modification time, "not its path").  The
    path counts no more; its content still does."""
    conf = tmp_path / "conf"
    conf.mkdir()
    cv2.imwrite(str(conf / "bg.png"), np.full((30, 40, 3), (0, 200, 0), np.uint8))
    (conf / "my.toml").write_text('[composite]\nbackground = "image:bg.png"\n')
    monkeypatch.chdir(tmp_path)
    cfg = load_config(None, [])
    keys = {settings_key(cfg, None, text) for text in
            ("image:conf/bg.png", f"image:{conf / 'bg.png'}", "image:./conf/../conf/bg.png")}
    assert len(keys) == 1
    assert settings_key(load_config("conf/my.toml"), None, None) == settings_key(
        load_config(str(conf / "my.toml")), None, None)
    src = _photo(tmp_path / "in" / "a.jpg", 0, 160, 120)
    out = tmp_path / "out"
    r = run_cli("batch", str(src), "-o", str(out), "-c", "conf/my.toml", "--jobs", "1", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr.startswith("livecut batch: 1 done"), r.stderr
    r = run_cli("batch", str(src), "-o", str(out), "-c", "my.toml", "--jobs", "1", cwd=conf)
    assert r.returncode == 0 and "0 done, 0 failed, 1 already done" in r.stderr, r.stderr
    before = next(iter(keys))
    cv2.imwrite(str(conf / "bg.png"), np.full((30, 40, 3), (0, 0, 200), np.uint8))
    os.utime(conf / "bg.png", ns=(1, 1))
    assert settings_key(cfg, None, "image:conf/bg.png") != before  # (its content still counts)


_FILLED: list = []


def _fills_the_disk(src, dst, kind, force, settings):
    """An item function whose first item in its worker finds the disk full, as run_item says it;
    the worker's next items wait (stopped with the batch; failed after 30 s where it goes on)."""
    if _FILLED:
        import threading

        threading.Event().wait(30)
        return {"status": "failed", "error": f"{src}: not stopped", "exit_code": 1, "frames": 0,
                "written": False, "seconds": 0.0, "notes": [], "warnings": []}
    _FILLED.append(src)
    return {"status": "failed", "error": f"{src}: {dst}: cannot write: no space left on the device",
            "exit_code": 1, "frames": 0, "written": False, "seconds": 0.0, "notes": [], "warnings": [],
            "stop": "the disk is full"}


def test_a_full_disk_stops_the_batch_as_livecut_image_stops(tmp_path, monkeypatch):
    """A batch whose output disk filled up (a photographer's card or external drive) went on
    cutting every item left, each for nothing, one 'no space left on the device' line each, where
    `livecut image` stops at once, saying how many were not processed.  run_item marks a photo's
    failure of a full (read-only, over-quota) disk, and the batch stops there: the items not run
    are said in one line, exit 1, and the next run does them."""
    from livecut import images as livecut_images
    from livecut.errors import WriteError

    src = _photo(tmp_path / "in" / "a.jpg", 0, 160, 120)

    def full(path, *args, **kwargs):
        error = WriteError(f"{path}: cannot write: no space left on the device")
        error.errno = 28  # (ENOSPC)
        raise error

    monkeypatch.setattr(livecut_images, "write_image", full)
    settings = livecut_batch.Settings(cfg=load_config(None, []), mode=None, background=None, threads=1)
    result = run_item(str(src), str(tmp_path / "o" / "a.png"), "image", False, settings)
    assert result["status"] == "failed" and result["stop"] == "the disk is full", result
    for i in range(1, 5):
        _photo(tmp_path / "in" / f"b{i}.jpg", i, 160, 120)
    out = tmp_path / "out"
    report = run_batch([str(tmp_path / "in")], out, load_config(None, []), jobs=1, item_fn=_fills_the_disk)
    assert (report.done, report.failed, report.exit_code) == (0, 1, 1), report.errors
    assert report.errors[-1] == (f"{out}: the disk is full: 4 more items not processed (run the same command "
                                 "again with --retry-failed once it can take them)")
    assert [r["status"] for r in _records(out)] == ["failed"]


def _moves_the_output_folder_at_p2(src, dst, kind, force, settings, remove=False):
    """run_item where ``mv out out2`` (``remove``: ``rm -r out``) comes once three photos are in
    out (the folder of ``dst``): as the last of four is cut, whose output then goes to out/ made
    again."""
    out = Path(dst).parent
    if out.name == "out" and len(list(out.glob("*.png"))) == 3:
        deadline = time.monotonic() + 30
        while (time.monotonic() < deadline and  # (once the three are recorded: the batch waits on this one)
               sum(r["status"] == "ok" for r in map(json.loads, (out / MANIFEST).read_text().splitlines())) < 3):
            time.sleep(0.05)
        time.sleep(0.5)  # (and the last of them looked at: the move is found as the fourth is recorded)
        if remove:
            shutil.rmtree(out)
        else:
            out.rename(out.with_name("out2"))
    return run_item(src, dst, kind, force, settings)


def _removes_the_output_folder_at_p2(src, dst, kind, force, settings):
    """:func:`_moves_the_output_folder_at_p2`, ``rm -r out`` in place of the move."""
    return _moves_the_output_folder_at_p2(src, dst, kind, force, settings, remove=True)


def test_an_output_folder_moved_mid_batch_stops_the_batch(tmp_path):
    """`mv out out2` while `livecut batch in/ -o out/` ran: the worker made out/ again for the
    rest, the manifest went on there, and the batch said all done, exit 0, its outputs and
    manifest split between out2 and out; it stops, saying so (exit 1), its manifest in out2
    holding what was done, and the same batch into out2 goes on there."""
    for i in range(4):
        _photo(tmp_path / "in" / f"p{i}.jpg", i, 160, 120)
    out, moved = tmp_path / "out", tmp_path / "out2"
    with pytest.raises(WriteError) as caught:
        run_batch([str(tmp_path / "in")], out, load_config(None, []), jobs=1,
                  item_fn=_moves_the_output_folder_at_p2)
    done = [r["output"] for r in _records(moved) if r["status"] == "ok"]
    assert len(done) == 3 and set(done) <= set(os.listdir(moved)), done  # (those recorded before the stop)
    assert str(caught.value) == (f"{out}: the output folder was moved or removed during the run, after {len(done)} "
                                 f"item{'s' * (len(done) != 1)} done (recorded in its manifest, which went with it): "
                                 f"the batch stopped, {4 - len(done)} not processed (give -o where it is now to go "
                                 "on)"), str(caught.value)
    assert not out.exists(), os.listdir(out)  # (an output a worker wrote to a new out/: taken back)
    assert len([n for n in os.listdir(moved) if n.endswith(".png")]) == 3
    report = run_batch([str(tmp_path / "in")], moved, load_config(None, []), jobs=1)
    assert (report.skipped_done, report.done, report.failed) == (len(done), 4 - len(done), 0), report.errors
    assert len([n for n in os.listdir(moved) if n.endswith(".png")]) == 4


def test_an_output_folder_removed_mid_batch_is_said_removed(tmp_path):
    """`rm -r out` while `livecut batch in/ -o out/` ran stopped it saying the items done were
    "recorded in its manifest, which went with it" and to "give -o where it is now to go on":
    a folder moved, not one removed, which is nowhere, its outputs and manifest gone.  The
    line says it was removed and that the batch run again does them all, which it does."""
    for i in range(4):
        _photo(tmp_path / "in" / f"p{i}.jpg", i, 160, 120)
    out = tmp_path / "out"
    with pytest.raises(WriteError) as caught:
        run_batch([str(tmp_path / "in")], out, load_config(None, []), jobs=1,
                  item_fn=_removes_the_output_folder_at_p2)
    assert str(caught.value) == (f"{out}: the output folder was removed during the run, after 3 items done (their "
                                 "outputs and its manifest gone with it): the batch stopped, 1 not processed (run it "
                                 "again to do them all)"), str(caught.value)
    assert not out.exists(), os.listdir(out)  # (an output a worker wrote to a new out/: taken back)
    report = run_batch([str(tmp_path / "in")], out, load_config(None, []), jobs=1)
    assert (report.skipped_done, report.done, report.failed) == (0, 4, 0), report.errors


@pytest.mark.parametrize("refused", [False, True])
def test_a_batch_onto_a_full_disk_leaves_no_output_folder_behind(tmp_path, monkeypatch, refused):
    """`livecut batch in/ -o out/` onto a disk already full: the manifest's first line could not be
    written, and the batch stopped (exit 1), leaving out/, which it made, holding an empty
    livecut-batch.jsonl; nothing was done, and what it made is removed (the first line a refused
    item's too: a.jpg and a.png, one output).  A manifest there before is kept."""
    import builtins
    import errno as errno_codes

    for i in range(2):
        _photo(tmp_path / "in" / "day1" / f"p{i}.jpg", i, 160, 120)
    if refused:
        _photo(tmp_path / "in" / "day1" / "p0.png", 5, 160, 120)

    def full(file, mode="r", *args, **kwargs):
        f = builtins.open(file, mode, *args, **kwargs)
        if "a" in mode or "w" in mode:  # (made, as a full disk lets a name be made, but takes no data)
            f.close()
            raise OSError(errno_codes.ENOSPC, "No space left on device", str(file))
        return f

    monkeypatch.setattr(livecut_batch, "open", full, raising=False)
    out = tmp_path / "out"
    with pytest.raises(WriteError, match="cannot write the manifest"):
        run_batch([str(tmp_path / "in")], out, load_config(None, []), jobs=1, item_fn=_fills_the_disk)
    assert not out.exists(), os.listdir(out)
    out.mkdir()
    (out / MANIFEST).touch()  # (an empty manifest there before: the user's, kept)
    with pytest.raises(WriteError, match="cannot write the manifest"):
        run_batch([str(tmp_path / "in")], out, load_config(None, []), jobs=1, item_fn=_fills_the_disk)
    assert os.listdir(out) == [MANIFEST]


@pytest.mark.skipif(not hasattr(signal, "SIGTSTP"), reason="job control")
def test_a_batch_that_cannot_write_a_refused_items_line_leaves_no_ctrl_z_watcher_behind(tmp_path, monkeypatch):
    """A batch whose first manifest line, a refused item's (a.jpg and a.png, one output), could not
    be written (a full disk) raised WriteError with its count of Ctrl-Z's stops still on: the
    SIGTSTP handler and the thread that stops the process at a Ctrl-Z were left behind the run,
    in the process that called run_batch (each later run's progress found them there)."""
    import builtins
    import errno as errno_codes
    import threading

    for i in range(2):
        _photo(tmp_path / "in" / f"p{i}.jpg", i, 160, 120)
    _photo(tmp_path / "in" / "p0.png", 5, 160, 120)

    def full(file, mode="r", *args, **kwargs):
        f = builtins.open(file, mode, *args, **kwargs)
        if "a" in mode or "w" in mode:
            f.close()
            raise OSError(errno_codes.ENOSPC, "No space left on device", str(file))
        return f

    monkeypatch.setattr(livecut_batch, "open", full, raising=False)
    assert signal.getsignal(signal.SIGTSTP) is signal.SIG_DFL
    with pytest.raises(WriteError, match="cannot write the manifest"):
        run_batch([str(tmp_path / "in")], tmp_path / "out", load_config(None, []), jobs=1, item_fn=_fills_the_disk)
    deadline = time.monotonic() + 2.0
    while any(t.name == "livecut-ctrl-z" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(t.name == "livecut-ctrl-z" for t in threading.enumerate())
    assert signal.getsignal(signal.SIGTSTP) is signal.SIG_DFL


def test_a_video_that_finds_the_disk_full_stops_the_batch_too(tmp_path, monkeypatch):
    """An editor's folder of footage onto a drive that filled up: each video left was cut (its
    frames decoded, segmented and encoded up to its first write) for nothing, one 'write failed
    (no space left on the device)' line each, where a photo's full disk stops the batch.  The
    video's write error keeps the disk's errno, and run_item marks it as a photo's."""
    import errno as errno_codes

    from livecut.sinks import file as file_sink

    (tmp_path / "in").mkdir()
    src = make_clip(tmp_path / "in" / "v.mp4", n=6)

    def full(self, packet):
        raise OSError(errno_codes.ENOSPC, "No space left on device")

    monkeypatch.setattr(file_sink.VideoFileSink, "_mux", full)
    settings = livecut_batch.Settings(cfg=load_config(None, []), mode=None, background=None, threads=1)
    (tmp_path / "o").mkdir()
    result = run_item(str(src), str(tmp_path / "o" / "v.mp4"), "video", False, settings)
    assert result["status"] == "failed" and "no space left on the device" in result["error"], result
    assert result["exit_code"] == 1 and result.get("stop") == "the disk is full", result
    assert not (tmp_path / "o" / "v.mp4").exists() and os.listdir(tmp_path / "o") == []


def test_a_folder_of_mxf_footage_is_cut_as_livecut_file_cuts_it(tmp_path):
    """A professional camera's footage (Sony XDCAM/XAVC, Canon, Panasonic P2: MXF), which
    `livecut file` transcodes: `livecut batch` left it out of a folder ("folder holds no photos or
    videos", exit 2) and refused it named ("not a photo or video this tool knows")."""
    (tmp_path / "card" / "CLIP").mkdir(parents=True)
    make_clip(tmp_path / "card" / "CLIP" / "A001C001.MXF", codec="mpeg2video", w=320, h=240, n=6)
    _photo(tmp_path / "card" / "still.jpg", 0, 160, 120)
    p = plan([str(tmp_path / "card")], tmp_path / "out")
    assert {it.rel: it.kind for it in p.todo} == {"CLIP/A001C001.mp4": "video", "still.png": "image"}
    assert p.todo[0].frames == 6
    r = run_cli("batch", str(tmp_path / "card" / "CLIP" / "A001C001.MXF"), "-o", str(tmp_path / "o"), "-q")
    assert r.returncode == 0, r.stderr
    assert len(_frames(tmp_path / "o" / "A001C001.mp4")) == 6


def test_a_videos_output_folder_that_cannot_be_made_is_said_as_a_photos(tmp_path, monkeypatch):
    """A video whose mirrored folder could not be made (a read-only or full disk mounted below
    OUTDIR) failed as 'cannot process: OSError: [Errno 30] Read-only file system: ...', Python's
    words, where a photo's says 'cannot create output folder: read-only file system'."""
    import errno as errno_codes

    (tmp_path / "in").mkdir()
    src = make_clip(tmp_path / "in" / "v.mp4", n=3)
    blocked = tmp_path / "o" / "sub"
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self == blocked:
            raise OSError(errno_codes.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    settings = livecut_batch.Settings(cfg=load_config(None, []), mode=None, background=None, threads=1)
    result = run_item(str(src), str(blocked / "v.mp4"), "video", False, settings)
    assert result["status"] == "failed" and result["exit_code"] == 1, result
    assert result["error"] == f"{src}: {blocked}: cannot create output folder: read-only file system"


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_at_an_output_is_said_alike_for_photos_and_videos(tmp_path, force):
    """A folder where a photo's or a video's output goes: the photo's was 'output ... is a
    folder; move it or choose another -o', the video's '...: is a folder (end it with / for a PNG
    sequence)', `livecut file`'s advice, and without --force each was 'exists (use --force to
    overwrite)', which --force does not do; both are said alike, when planned."""
    src = tmp_path / "shoot"
    _photo(src / "a.jpg", w=160, h=120)
    make_clip(src / "v.mp4", n=4, seed=1)
    out = tmp_path / "out"
    (out / "a.png").mkdir(parents=True)
    (out / "v.mp4").mkdir()
    p = plan([str(src)], out, force=force)
    assert not p.todo
    assert sorted(e for _, e in p.refused) == [f"{src / name}: output {out / dst} is a folder; move it or choose "
                                               "another -o" for name, dst in (("a.jpg", "a.png"), ("v.mp4", "v.mp4"))]
    # a PNG sequence's output is a folder: not in the way
    assert [it.rel for it in plan([str(src / "v.mp4")], out, force=force, video_ext="/").todo] == ["v/"]


def _writes_fail_in_day1(error, src, dst, kind, force, settings):
    """run_item where a file written in the folder ``day1`` of the outputs fails with
    ``error(errno, text)``, an OSError's class, its errno's name and its text."""
    import builtins
    import errno as errno_codes

    from livecut import imageio

    def failing(file, mode="r", *args, **kwargs):
        if "w" in mode and Path(file).parent.name == "day1":
            cls, code, text = error
            raise cls(getattr(errno_codes, code), text, str(file))
        return builtins.open(file, mode, *args, **kwargs)

    imageio.open = failing  # (the module's own name for open: write_image's file)
    return run_item(src, dst, kind, force, settings)


def _in_a_read_only_folder(src, dst, kind, force, settings):
    """run_item where the folder ``day1`` of the outputs cannot be written to (as a folder
    without write permission refuses a user other than root): its files are not created."""
    return _writes_fail_in_day1((PermissionError, "EACCES", "Permission denied"), src, dst, kind, force, settings)


def _read_only_day1(tmp_path: Path) -> tuple[Path, Path]:
    for i in range(4):
        _photo(tmp_path / "in" / "day1" / f"p{i}.jpg", i, 160, 120)
    out = tmp_path / "out"
    (out / "day1").mkdir(parents=True)
    return tmp_path / "in", out


def test_a_read_only_output_folder_stops_the_batch_as_a_full_disk_does(tmp_path):
    """An output folder of the mirrored tree that cannot be written to (made read-only, or by
    another user): each photo was cut, for nothing, and failed on its own, one 'cannot write:
    Permission denied' line each, where `livecut image` stops there, as a batch stops at a
    full disk; the batch stops, saying so of that folder in one line, exit 1."""
    src, out = _read_only_day1(tmp_path)
    report = run_batch([str(src)], out, load_config(None, []), jobs=1, item_fn=_in_a_read_only_folder)
    assert (report.done, report.failed, report.exit_code) == (0, 1, 1), report.errors
    assert len(report.errors) == 2 and "Permission denied" in report.errors[0], report.errors
    assert report.errors[-1] == (f"{out / 'day1'}: the folder cannot be written to (permission denied): 3 more "
                                 "items not processed (run the same command again with --retry-failed once it "
                                 "can take them)")


def _on_a_full_disk_in_day1(src, dst, kind, force, settings):
    """run_item where the folder ``day1`` of the outputs is on a full disk: its files take no data."""
    return _writes_fail_in_day1((OSError, "ENOSPC", "No space left on device"), src, dst, kind, force, settings)


def test_a_full_disk_mounted_in_the_output_tree_is_said_of_its_folder(tmp_path):
    """out/day1 a disk of its own (a share mounted there; here a link to another file system),
    full: the batch stopped saying 'out: the disk is full', of OUTDIR, whose disk had room; it
    is said of out/day1.  (A full OUTDIR's own disk is still said of OUTDIR.)"""
    elsewhere = Path("/dev/shm")
    if not elsewhere.is_dir() or os.stat(elsewhere).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no other file system to link to")
    for i in range(4):
        _photo(tmp_path / "in" / "day1" / f"p{i}.jpg", i, 160, 120)
    out = tmp_path / "out"
    out.mkdir()
    import tempfile

    with tempfile.TemporaryDirectory(dir=elsewhere) as disk:
        (out / "day1").symlink_to(disk, target_is_directory=True)
        report = run_batch([str(tmp_path / "in")], out, load_config(None, []), jobs=1, item_fn=_on_a_full_disk_in_day1)
    assert (report.done, report.failed, report.exit_code) == (0, 1, 1), report.errors
    assert report.errors[-1] == (f"{out / 'day1'}: the disk is full: 3 more items not processed (run the same "
                                 "command again with --retry-failed once it can take them)"), report.errors


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into a folder without write permission")
def test_a_read_only_output_folder_stops_the_batch_on_the_command_line(tmp_path):
    src, out = _read_only_day1(tmp_path)
    (out / "day1").chmod(0o555)
    try:
        r = run_cli("batch", str(src), "-o", str(out), "--jobs", "1", "-q")
    finally:
        (out / "day1").chmod(0o755)
    assert r.returncode == 1, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 3 and "Permission denied" in lines[0], r.stderr
    assert lines[1] == (f"livecut: error: {out / 'day1'}: the folder cannot be written to (permission denied): 3 "
                        "more items not processed (run the same command again with --retry-failed once it can "
                        "take them)"), r.stderr


def test_an_immutable_output_folder_stops_the_batch_as_a_read_only_one(tmp_path, immutable):
    """A folder of the mirrored tree made immutable (chattr +i) refuses the temporary file of each
    output, root too, 'Operation not permitted' (EPERM, not EACCES): each photo was cut for
    nothing and failed on its own; the batch stops, saying so of that folder in one line."""
    src, out = _read_only_day1(tmp_path)
    immutable(out / "day1")
    r = run_cli("batch", str(src), "-o", str(out), "--jobs", "1", "-q")
    assert r.returncode == 1, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 3 and lines[0].endswith(".png: cannot write: Operation not permitted"), r.stderr
    assert lines[1] == (f"livecut: error: {out / 'day1'}: the folder takes no new files (operation not permitted: "
                        "made immutable?): 3 more items not processed (run the same command again with "
                        "--retry-failed once it can take them)"), r.stderr


def _videos_in_day1(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "in" / "day1").mkdir(parents=True)
    for i in range(3):
        make_clip(tmp_path / "in" / "day1" / f"v{i}.mp4", w=160, h=120, n=3, seed=i)
    out = tmp_path / "out"
    (out / "day1").mkdir(parents=True)
    return tmp_path / "in", out


def _videos_in_a_read_only_folder(src, dst, kind, force, settings):
    """run_item where the folder ``day1`` of the outputs cannot be written to, as os.access
    says of a folder without write permission to a user other than root."""
    real = os.access
    os.access = lambda p, mode, *a, **k: False if Path(p).name == "day1" else real(p, mode, *a, **k)
    return run_item(src, dst, kind, force, settings)


def test_a_video_in_a_read_only_output_folder_stops_the_batch_as_a_photo_does(tmp_path):
    """A video whose folder of the mirrored tree cannot be written to is refused before it is
    cut ('cannot write in out/day1 (permission denied)'), but the error kept no error number:
    each video of that folder was tried and refused in turn, where a photo's stops the batch."""
    src, out = _videos_in_day1(tmp_path)
    report = run_batch([str(src)], out, load_config(None, []), jobs=1, item_fn=_videos_in_a_read_only_folder)
    # (the pool holds one item ahead of its worker: on a busy machine the worker may have begun,
    # and been refused, the next video before the first one's result stopped the batch)
    failed = report.failed
    assert failed in (1, 2) and (report.done, report.exit_code) == (0, 1), report.errors
    assert len(report.errors) == failed + 1, report.errors
    for error in report.errors[:failed]:
        assert error.endswith(f"cannot write in {out / 'day1'} (permission denied)"), report.errors
    more = f"{3 - failed} more item{'s' * (failed == 1)}"
    assert report.errors[-1] == (f"{out / 'day1'}: the folder cannot be written to (permission denied): {more} "
                                 "not processed (run the same command again with --retry-failed once it "
                                 "can take them)")
    assert sorted(p.name for p in (out / "day1").iterdir()) == []


@pytest.mark.parametrize("video_ext", [".mp4", "/"])
def test_a_video_in_an_immutable_output_folder_stops_the_batch(tmp_path, immutable, video_ext):
    """A folder made immutable (chattr +i) refuses new files to root too, 'Operation not
    permitted': a video's output there was said 'cannot write in out/day1 (permission denied)',
    and each video of that folder was refused in turn; the batch stops, as for a photo."""
    src, out = _videos_in_day1(tmp_path)
    immutable(out / "day1")
    r = run_cli("batch", str(src), "-o", str(out), "--jobs", "1", "-q", "--video-ext", video_ext)
    assert r.returncode == 1, r.stderr
    lines = r.stderr.splitlines()
    # (the pool holds one item ahead of its worker: on a busy machine the worker may have begun,
    # and failed, the next video before the first one's result stopped the batch)
    failed = len(lines) - 2
    assert failed in (1, 2) and lines[-1] == f"livecut batch: 0 done, {failed} failed", r.stderr
    for line in lines[:failed]:
        assert line.endswith(f"cannot write in {out / 'day1'} (operation not permitted)"), r.stderr
    more = f"{3 - failed} more item{'s' * (failed == 1)}"
    assert lines[failed] == (f"livecut: error: {out / 'day1'}: the folder takes no new files (operation not "
                             f"permitted: made immutable?): {more} not processed (run the same command again "
                             "with --retry-failed once it can take them)"), r.stderr


def test_a_space_after_the_colon_of_a_picture_background_is_no_part_of_its_name(tmp_path, monkeypatch):
    """-b 'image: bg.png', which `livecut image` takes as bg.png (parse_background): the batch
    made it 'image:/CWD/ bg.png', and every photo failed 'file not found: /CWD/ bg.png'; and
    its settings fingerprint counted the text, not bg.png's file, so the run after one of
    -b image:bg.png did every item again, and an edited bg.png went unseen."""
    from livecut.batch import absolute_background

    monkeypatch.chdir(tmp_path)
    cv2.imwrite(str(tmp_path / "bg.png"), np.full((30, 40, 3), (0, 200, 0), np.uint8))
    cfg = load_config(None, [])
    assert absolute_background("image: bg.png") == absolute_background("image:bg.png") == f"image:{tmp_path / 'bg.png'}"
    assert settings_key(cfg, None, "image: bg.png") == settings_key(cfg, None, "image:bg.png")
    before = settings_key(cfg, None, "image: bg.png")
    cv2.imwrite(str(tmp_path / "bg.png"), np.full((30, 40, 3), (0, 0, 200), np.uint8))
    os.utime(tmp_path / "bg.png", ns=(1, 1))
    assert settings_key(cfg, None, "image: bg.png") != before  # (its file counts, not a name not found)
    _photo(tmp_path / "in" / "a.jpg", 0, 160, 120)
    r = run_cli("batch", "in", "-o", "out", "-b", "image: bg.png", "--jobs", "1", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_cli("batch", "in", "-o", "out", "-b", "image:bg.png", "--jobs", "1", cwd=tmp_path)
    assert r.returncode == 0 and "0 done" in r.stderr and "1 already done" in r.stderr, r.stderr


def test_a_colour_spelt_another_way_does_not_redo_the_batch(tmp_path):
    """`livecut batch in -o out -b '#ff0000'`, then the same with -b red (the README's bare colour)
    or color:#FF0000: the same composites, but the settings fingerprint counted the text, and
    every item was done again; so did Blur after blur.  Another colour still does them."""
    cfg = load_config(None, [])
    red = settings_key(cfg, None, "#ff0000")
    for same in ("red", "color:#FF0000", "colour: #f00", "#F00"):
        assert settings_key(cfg, None, same) == red, same
        assert settings_key(load_config(None, [f"composite.background={same}"]), None, None) == \
            settings_key(load_config(None, ["composite.background=#ff0000"]), None, None), same
    assert settings_key(cfg, None, "Blur") == settings_key(cfg, None, "blur")
    assert settings_key(cfg, None, "#ff0001") != red
    _photo(tmp_path / "in" / "a.jpg", 0, 160, 120)
    r = run_cli("batch", "in", "-o", "out", "-b", "#ff0000", "--jobs", "1", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for same in ("red", "color:#FF0000"):
        r = run_cli("batch", "in", "-o", "out", "-b", same, "--jobs", "1", cwd=tmp_path)
        assert r.returncode == 0 and "0 done" in r.stderr and "1 already done" in r.stderr, (same, r.stderr)


@pytest.mark.parametrize("mode", ["mask", "cutout"])
def test_a_background_ignored_by_a_mask_or_cutout_batch_does_not_redo_it(tmp_path, mode):
    """`livecut batch in -o out --mode mask`, then the same with -b red (said to be ignored) or
    another composite.blur_strength: no byte of a mask or cutout changes, but the settings
    fingerprint counted them, and every item was done again.  Another threshold still does them;
    so does a background where the mode shows it."""
    cfg = load_config(None, [])
    key = settings_key(cfg, mode, None)
    assert settings_key(cfg, mode, "red") == settings_key(cfg, mode, f"image:{tmp_path / 'none.png'}") == key
    for override in ("composite.blur_strength=0.1", "composite.background=color:#ff0000", "composite.mode=mask"):
        assert settings_key(load_config(None, [override]), mode, None) == key, override
    assert settings_key(load_config(None, ["segment.threshold=0.5"]), mode, None) != key
    assert settings_key(cfg, "composite", "red") != settings_key(cfg, "composite", None)
    _photo(tmp_path / "in" / "a.jpg", 0, 160, 120)
    make_clip(tmp_path / "in" / "v.mp4", w=160, h=96, n=6)
    ext = [] if mode == "mask" else ["--video-ext", ".webm"]
    r = run_cli("batch", "in", "-o", "out", "--mode", mode, *ext, "--jobs", "1", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for more in (["-b", "red"], ["--set", "composite.blur_strength=0.1"]):
        r = run_cli("batch", "in", "-o", "out", "--mode", mode, *ext, *more, "--jobs", "1", cwd=tmp_path)
        assert r.returncode == 0 and "0 done" in r.stderr and "2 already done" in r.stderr, (more, r.stderr)


def test_settings_that_change_no_byte_of_an_output_do_not_redo_the_batch(tmp_path):
    """video.segment_ahead (where the segmentation runs, the frames the same byte for byte) and
    video.queue_size (frames buffered between a file run's threads; its reader blocks, no frame
    dropped) were part of the settings fingerprint: a batch run again with only
    --set video.segment_ahead=off did every item again; so were the network streams' and
    pipes' settings (video.open_timeout ...), which a batch never reads.  Another threshold
    still does them."""
    cfg = load_config(None, [])
    key = settings_key(cfg, None, None)
    for override in ("video.segment_ahead=on", "video.segment_ahead=off", "video.queue_size=16",
                     "video.open_timeout=30", "video.read_timeout=20", "video.reconnect=false",
                     "video.reconnect_limit=0", "video.rtsp_transport=udp", "video.tls_verify=false",
                     "video.stream_bitrate=8000", "video.pipe_format=mpegts"):
        assert settings_key(load_config(None, [override]), None, None) == key, override
    assert settings_key(load_config(None, ["segment.threshold=0.5"]), None, None) != key
    _photo(tmp_path / "in" / "a.jpg", 0, 160, 120)
    make_clip(tmp_path / "in" / "v.mp4", w=160, h=96, n=6)
    r = run_cli("batch", "in", "-o", "out", "--jobs", "1", "-q", "--set", "video.segment_ahead=on", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for override in ("video.segment_ahead=off", "video.segment_ahead=auto", "video.open_timeout=30"):
        r = run_cli("batch", "in", "-o", "out", "--jobs", "1", "--set", override, cwd=tmp_path)
        assert r.returncode == 0 and "0 done" in r.stderr and "2 already done" in r.stderr, r.stderr
    r = run_cli("batch", "in", "-o", "out", "--jobs", "1", "--set", "segment.threshold=0.5", cwd=tmp_path)
    assert r.returncode == 0 and "2 done" in r.stderr, r.stderr


@pytest.mark.parametrize("there", [False, True])
def test_an_output_folder_name_too_long_is_one_line_exit_2(tmp_path, there):
    """-o OUTDIR/ with a name over 255 bytes (a folder named after a long caption) was 'internal
    error: OSError: [Errno 36] File name too long', exit 1, from its first look-up; it is bad
    input, said in one line, exit 2, as livecut file and livecut image say it."""
    from typer.testing import CliRunner

    from livecut.cli import app

    _photo(tmp_path / "in" / "a.jpg")
    parent = tmp_path / "out"
    if there:
        parent.mkdir()
    out = parent / ("q" * 260)
    r = CliRunner().invoke(app, ["batch", str(tmp_path / "in"), "-o", f"{out}/", "-j", "1"])
    assert r.exit_code == 2, r.output
    assert r.stderr == f"livecut: error: {out}: file name too long\n", r.stderr



@pytest.mark.skipif(sys.platform != "linux", reason="PATH_MAX of 4096 bytes (Linux)")
def test_an_output_path_longer_than_the_system_takes_is_one_line_exit_2(tmp_path):
    """-o OUTDIR/ whose names each fit but whose whole path is over 4096 bytes (folders nested
    deep, a generated path) was 'internal error: OSError: [Errno 36] File name too long', exit 1;
    bad input, one line, exit 2, as a name too long is said."""
    from typer.testing import CliRunner

    from livecut.cli import app

    _photo(tmp_path / "in" / "a.jpg")
    out = tmp_path.joinpath(*["d" * 200] * 21)
    r = CliRunner().invoke(app, ["batch", str(tmp_path / "in"), "-o", f"{out}/", "-j", "1"])
    assert r.exit_code == 2, r.output
    assert r.stderr == f"livecut: error: {out}: file name too long\n", r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]

def test_a_photo_whose_output_name_is_too_long_is_refused_before_the_cut(tmp_path):
    """A photo named without an extension (read by its content), its name 252 bytes: its output
    NAME.png (256 bytes) was refused once the photo was cut, 'cannot write: File name too long',
    exit 1; it is bad input, refused before the cut, exit 2 (no -o FILE advice: batch takes none)."""
    from typer.testing import CliRunner

    from livecut.cli import app

    src = _photo(tmp_path / "a.jpg").rename(tmp_path / ("y" * 252))
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["batch", str(src), "-o", f"{out}/", "-j", "1"])
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines()[0] == (f"livecut: error: {src}: its output {'y' * 252}.png is a file name too long "
                                        "(256 bytes, at most 255): rename the photo"), r.stderr


@pytest.mark.parametrize("listed", [["x.png.mp4", "x.png"], ["x.png", "x.png.mp4"]])
def test_a_photo_named_as_a_videos_frames_folder_is_refused_as_a_clash(tmp_path, listed):
    """--video-ext /: a photo x.png beside a video x.png.mp4: the video's frames go to the folder
    x.png/, the photo's cutout to x.png: one name.  The second failed with "output x.png is a
    folder; move it or choose another -o", a folder this very batch had made.  It is refused as
    the clash it is, naming the other input."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.png.mp4").write_bytes(b"\0" * 1000)  # (the plan reads no frame)
    _photo(tmp_path / "in" / "x.png", 0)
    p = plan([str(tmp_path / "in" / name) for name in listed], tmp_path / "out", video_ext="/")
    [kept] = p.todo
    [(item, error)] = p.refused
    assert {kept.rel, item.src.name} in ({"x.png/", "x.png"}, {"x.png", "x.png.mp4"})
    assert f"has the name of {tmp_path / 'out' / 'x.png'}" in error and f"the output of {kept.src}" in error, error


@pytest.mark.parametrize("video_first", [True, False])
def test_plan_refuses_photos_inside_a_videos_frames_folder(tmp_path, video_first):
    """--video-ext /: x.mp4's frames go to the folder x/, where the photos of a folder x/ beside
    it go too: each run wrote the second into the first's folder (frame_000001.png's cutout
    refused as existing, or with --force replaced by the video's frame, exit 0)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.mp4").write_bytes(b"\0" * 1000)  # (the plan reads no frame)
    _photo(tmp_path / "in" / "x" / "frame_000001.png", 0)
    _photo(tmp_path / "in" / "x" / "b.png", 1)
    inputs = [str(tmp_path / "in" / "x.mp4"), str(tmp_path / "in" / "x")]
    p = plan(inputs if video_first else inputs[::-1], tmp_path / "out", video_ext="/")
    rels = sorted(it.rel for it in p.todo)
    assert rels == (["x/"] if video_first else ["x/b.png", "x/frame_000001.png"])
    assert len(p.refused) == 3 - len(rels)
    assert all("frames folder" in error for _, error in p.refused)


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
@pytest.mark.parametrize("left_by", ["a worker that died", "a killed run"])
def test_a_batchs_temporary_files_it_cannot_remove_are_named(tmp_path, unremovable, how, left_by):
    """In a folder that lets no name be removed (append-only), the temporary file of a worker
    that died half-way through its item (removed by the driver, the item done again), or one a
    run killed earlier left (swept at the start), stayed beside the output, without a word. A
    warning names it."""
    import re

    from livecut.atomic import temp_path

    src = _photo(tmp_path / "in" / "a.jpg")
    out = tmp_path / "out"
    out.mkdir()
    if left_by == "a killed run":  # (a process of this machine that is gone)
        dead = 4_000_000
        while os.path.exists(f"/proc/{dead}"):
            dead += 1
        old = temp_path(out / "a.png")
        old = old.with_name(re.sub(r"-\d+-", f"-{dead}-", old.name, count=1))
        old.write_bytes(b"half an output")
    unremovable(how, out)
    report = run_batch([str(src)], out, load_config(None, []), jobs=1,
                       item_fn=_dies_once_writing if left_by == "a worker that died" else run_item)
    assert (report.done, report.failed) == (1, 0), report.errors
    assert (out / "a.png").is_file()
    named = [w for w in report.warnings if "a temporary file of" in w]
    kept = [p for p in out.iterdir() if p.name.startswith(".a.png.livecut-")
            if not any(str(p) in w for w in report.warnings if "written, but" in w)]
    assert len(kept) == 1, (sorted(out.iterdir()), report.warnings)
    assert named == [f"{kept[0]}: a temporary file of {out / 'a.png'} could not be removed ({APPEND_ONLY}): "
                     "remove it once the folder allows"], report.warnings


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
def test_a_stopped_batch_names_the_temporary_files_it_cannot_remove(tmp_path, monkeypatch, unremovable, how):
    """A batch stopped by Ctrl-C removes what its killed workers left (their temporary files): in
    a folder that lets no name be removed (append-only) it stayed, and the line said only
    'interrupted: ...'. A warning line before it names the file."""
    from typer.testing import CliRunner

    from livecut.atomic import temp_path
    from livecut.cli import app

    src = _photo(tmp_path / "in" / "a.jpg")
    out = tmp_path / "out"
    out.mkdir()
    unremovable(how, out)

    def run(self, items, settings, outdir, on_result, on_frames=None, on_start=None):
        if on_start is not None:
            on_start(list(items))
        temp_path(Path(outdir) / items[0].rel).write_bytes(b"half an output")  # (a worker's, killed)
        raise KeyboardInterrupt

    monkeypatch.setattr(livecut_batch._Local, "run", run)
    r = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "-q"])
    assert r.exit_code == 130, r.output
    (kept,) = [p for p in out.iterdir() if p.name.startswith(".a.png.livecut-")]
    lines = r.stderr.splitlines()
    assert lines[0] == (f"livecut: warning: {kept}: a temporary file of {out / 'a.png'} could not be removed "
                        f"({APPEND_ONLY}): remove it once the folder allows"), r.stderr
    assert len(lines) == 2 and lines[1].startswith("livecut: error: interrupted"), r.stderr


def test_a_stopped_batch_says_what_the_items_done_before_leave_out(tmp_path, monkeypatch):
    """A batch stopped by Ctrl-C said only 'interrupted: ...': the warnings of the items done before
    the stop (what their outputs leave out, said even with --quiet by a batch that ends) went
    unsaid.  They come before the line."""
    from typer.testing import CliRunner

    from livecut.cli import app

    srcs = [_photo(tmp_path / "in" / f"{n}.jpg", seed=i) for i, n in enumerate("ab")]
    out = tmp_path / "out"
    done = []

    def run(self, items, settings, outdir, on_result, on_frames=None, on_start=None):
        if on_start is not None:
            on_start(list(items))
        done.append(items[0].src)
        on_result(items[0], {"status": "ok", "error": None, "exit_code": 0, "frames": 1, "seconds": 0.1,
                             "written": False, "notes": [], "warnings": [f"{items[0].src}: a warning of its own"]})
        raise KeyboardInterrupt

    monkeypatch.setattr(livecut_batch._Local, "run", run)
    r = CliRunner().invoke(app, ["batch", *map(str, srcs), "-o", str(out), "-q"])
    assert r.exit_code == 130, r.output
    lines = r.stderr.splitlines()
    assert lines[0] == f"livecut: warning: {done[0]}: a warning of its own", r.stderr
    assert len(lines) == 2 and lines[1].startswith("livecut: error: interrupted"), r.stderr


def test_a_stopped_batch_says_the_count_of_more_photos_warned_alike(tmp_path, monkeypatch):
    """A warning said once a batch (of the first photo, then 'N more photos (...)' as it ends) is
    said so too when Ctrl-C stops the batch, before the 'interrupted' line, once."""
    from typer.testing import CliRunner

    from livecut.cli import app

    srcs = [_photo(tmp_path / "in" / f"{n}.jpg", seed=i) for i, n in enumerate("abcd")]
    out = tmp_path / "out"
    done = []  # (in the order the batch hands them out)

    def run(self, items, settings, outdir, on_result, on_frames=None, on_start=None):
        if on_start is not None:
            on_start(list(items))
        for item in items[:3]:
            src = str(item.src)
            done.append(src)
            on_result(item, {"status": "ok", "error": None, "exit_code": 0, "frames": 1, "seconds": 0.1,
                             "written": False, "notes": [], "warnings": [],
                             "once": [["kind", src, f"{src}: the warning", "the same warning too"]]})
        raise KeyboardInterrupt

    monkeypatch.setattr(livecut_batch._Local, "run", run)
    r = CliRunner().invoke(app, ["batch", *map(str, srcs), "-o", str(out), "-q"])
    assert r.exit_code == 130, r.output
    lines = r.stderr.splitlines()
    assert lines[:2] == [f"livecut: warning: {done[0]}: the warning",
                         f"livecut: warning: 2 more photos ({done[1]}, {done[2]}): the same warning too"], r.stderr
    assert len(lines) == 3 and lines[2].startswith("livecut: error: interrupted"), r.stderr


def test_a_stopped_batch_names_the_items_that_failed_before(tmp_path, monkeypatch):
    """A batch stopped by Ctrl-C said 'interrupted: 1 done, 1 failed; ...' alone: the item that had
    failed before the stop (a photo that could not be read) was named nowhere, where a batch that
    ends says one error line a failure, as `livecut image` says them at a stop.  They come
    before the line."""
    from typer.testing import CliRunner

    from livecut.cli import app

    srcs = [_photo(tmp_path / "in" / f"{n}.jpg", seed=i) for i, n in enumerate("abc")]
    out = tmp_path / "out"
    done = []

    def run(self, items, settings, outdir, on_result, on_frames=None, on_start=None):
        if on_start is not None:
            on_start(list(items))
        done.extend(it.src for it in items[:2])
        on_result(items[0], {"status": "failed", "error": f"{items[0].src}: cannot read: broken", "exit_code": 2,
                             "frames": 0, "seconds": 0.1, "written": False, "notes": [], "warnings": []})
        on_result(items[1], {"status": "ok", "error": None, "exit_code": 0, "frames": 1, "seconds": 0.1,
                             "written": False, "notes": [], "warnings": []})
        raise KeyboardInterrupt

    monkeypatch.setattr(livecut_batch._Local, "run", run)
    r = CliRunner().invoke(app, ["batch", *map(str, srcs), "-o", str(out), "-q"])
    assert r.exit_code == 130, r.output
    lines = r.stderr.splitlines()
    assert lines[0] == f"livecut: error: {done[0]}: cannot read: broken", r.stderr
    assert len(lines) == 2 and lines[1].startswith("livecut: error: interrupted: 1 done, 1 failed"), r.stderr


def test_a_video_whose_tags_are_not_utf8_has_its_frames_counted(tmp_path):
    """A video whose title is not UTF-8 (an old tool's Latin-1 'caf\xe9'), which `livecut file`
    cuts, failed the header's reading: no frame count and no frame size (a guess from the file's
    size: its progress not counted until done, its frames left out of the workers' memory)."""
    from livecut.batch import estimate

    plain = make_clip(tmp_path / "plain.mkv", w=192, h=108, n=4)
    clip = latin1_titled_copy(plain, tmp_path / "old.mkv")
    assert estimate(plain, "video") == estimate(clip, "video")
    assert estimate(clip, "video") == (4, pytest.approx(4 * 192 * 108 / 1e6))


def test_an_avi_written_to_a_pipe_is_no_billion_frames_of_work(tmp_path):
    """An AVI written to a pipe (`ffmpeg ... -f avi pipe:1 > clip.avi`) says 1073741824 frames,
    FFmpeg's stand-in for a count it could not go back to write: a 2 s clip was counted that
    long, the batch's progress stuck near 0 % until it was done.  Its count is not known: the
    guess from its size, as for another file whose header says nothing."""
    from livecut.batch import estimate

    src = tmp_path / "clip.avi"
    with open(src, "wb") as fh:
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=25:duration=2",
                        "-c:v", "mjpeg", "-f", "avi", "pipe:1"], check=True, stdout=fh)
    frames, work = estimate(src, "video")
    assert frames == 0 and work == pytest.approx(max(0.1, src.stat().st_size / 1e6 * 20))


def test_ctrl_c_in_a_photo_batch_with_jobs_keeps_the_outputs_there_before_whole(tmp_path):
    """Ctrl-C in `livecut batch DIR -o OUT --jobs 2 --force` over photos whose outputs another run
    left there (not this batch's): exit 130, one line counting the photos done; each output at its
    final name either this batch's, whole, or the earlier one byte for byte (the ones the workers
    were writing when it came too); no temporary file; and the same command again does the rest,
    keeping what was done."""
    w, h = 1200, 900
    scenes = [make_scene("basic", w=w, h=h, seed=s)[0] for s in range(4)]
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    n = 24
    for i in range(n):
        assert cv2.imwrite(str(src / f"p{i:02d}.jpg"), np.roll(scenes[i % 4], 7 * i, axis=1))
        assert cv2.imwrite(str(out / f"p{i:02d}.png"), np.full((h, w), 200, np.uint8))  # (the earlier run's)
    earlier = {q.name: q.read_bytes() for q in out.iterdir()}
    inodes = {q.name: q.stat().st_ino for q in out.iterdir()}

    def replaced() -> set[str]:  # (outputs at their final names that are not the earlier ones)
        return {q.name for q in out.iterdir() if q.name in earlier and q.read_bytes() != earlier[q.name]}

    # (once one is in place: another file at its name)
    proc = _batch_at_work(src, out, "-j", "2", "--force", until=lambda: any(
        q.name in inodes and q.stat().st_ino != inodes[q.name] for q in out.iterdir()))
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert len(stderr.splitlines()) == 1 and stderr.endswith("; run the same command again to finish\n"), stderr
    last = {x["output"]: x for x in _records(out)}
    done = {o for o, x in last.items() if x["status"] == "ok"}
    assert stderr.startswith(f"livecut: error: interrupted: {len(done)} done, 0 failed; "), stderr
    assert sorted(q.name for q in out.iterdir()) == sorted([*earlier, MANIFEST])  # no temporary file
    new = replaced()
    # (up to one more a worker: an output renamed into place before its result came back is not
    # counted done, and the next run, with --force, does it again)
    assert done <= new and 1 <= len(new) <= len(done) + 2 and len(done) < n, (new, last)
    for name in new:
        data = (out / name).read_bytes()
        img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        assert data.endswith(b"IEND\xaeB`\x82") and img is not None and img.shape == (h, w, 4), name
    kept = {name: (out / name).read_bytes() for name in done}
    r = run_cli("batch", str(src), "-o", str(out), "-j", "2", "--force", timeout=300)
    assert r.returncode == 0, r.stderr
    already = f", {len(done)} already done" if done else ""
    assert f"livecut batch: {n - len(done)} done, 0 failed{already};" in r.stderr, r.stderr
    assert all((out / name).read_bytes() == data for name, data in kept.items())
    assert all(cv2.imread(str(out / name), cv2.IMREAD_UNCHANGED).shape == (h, w, 4) for name in earlier)


def test_debug_shows_the_traceback_of_an_items_internal_error(tmp_path, clips):
    """LIVECUT_DEBUG=1 showed no traceback for a batch item that failed with an internal error
    ('cannot process: RuntimeError: ...'): it happened in a worker process, whose traceback never
    reached the driver; it is shown now (and only with LIVECUT_DEBUG=1), as `livecut image`
    shows a photo's."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import livecut.runner\n"
        "def _broken(*args, **kwargs):\n"
        "    raise RuntimeError('boom in the worker')\n"
        "livecut.runner.run_video = _broken\n")
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.mp4").write_bytes(Path(clips["plain"]).read_bytes())
    path = os.pathsep.join([str(hook), str(REPO), os.environ.get("PYTHONPATH", "")])
    for debug in ("", "1"):
        out = tmp_path / f"out{debug}"
        r = run_cli("batch", str(src), "-o", str(out), "--jobs", "1", "-q",
                    env={"PYTHONPATH": path, "LIVECUT_DEBUG": debug})
        assert r.returncode == 1, r.stderr
        assert "cannot process: RuntimeError: boom in the worker" in r.stderr
        if debug:
            assert "Traceback (most recent call last)" in r.stderr and "_broken" in r.stderr
        else:
            assert "Traceback" not in r.stderr


def _bar_lines(monkeypatch) -> list[str]:
    """The lines a batch's bar (60 items: 12 done, 1 failed) draws on a terminal (an xterm: none on
    a dumb one) of the COLUMNS set, as shown."""
    import re

    from livecut.batch import _BatchBar

    from conftest import Tty

    monkeypatch.setenv("TERM", "xterm")
    stream = Tty()
    bar = _BatchBar([], 60, True, stream=stream)
    bar.done, bar.failed = 12, 1
    bar._show()
    bar.close()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue()).replace("\r", "\n")
    return [ln for ln in text.splitlines() if ln.strip()]


def test_the_bar_on_a_narrow_terminal_keeps_the_counts_whole(monkeypatch):
    """On 40 columns rich cut the line to 'bat... 12 done, 1 failed, 47 l... ETA -:--:...': the
    label goes first, then the ETA; the counts stay whole."""

    def last(columns: int) -> str:
        monkeypatch.setenv("COLUMNS", str(columns))
        return _bar_lines(monkeypatch)[-1]

    for columns, label, eta in ((80, True, True), (40, False, True), (30, False, False)):
        line = last(columns)
        assert "12 done, 1 failed, 47 left" in line and "\u2026" not in line, (columns, line)
        assert line.startswith("batch") == label and ("ETA" in line) == eta, (columns, line)
        assert len(line.rstrip()) <= columns, (columns, line)


def test_the_bar_on_a_terminal_made_narrower_keeps_the_counts_whole(monkeypatch):
    """A terminal made narrower during the batch (SIGWINCH) kept the line laid out for its first
    width, which rich cut ('b... 12 done, 1 failed, 47 ... 0.0... ETA -:-...'); it is laid out again for the width it is
    drawn on."""
    import re

    from livecut.batch import _BatchBar

    from conftest import Tty

    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "120")
    stream = Tty()
    bar = _BatchBar([], 60, True, stream=stream)
    bar.done, bar.failed = 12, 1
    bar._show()
    bar._bar.refresh()
    bar._bar.console.width = 40  # (what rich reads from the terminal after a SIGWINCH)
    bar.close()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue()).replace("\r", "\n")
    line = [ln for ln in text.splitlines() if ln.strip()][-1]
    assert "12 done, 1 failed, 47 left" in line and "ETA" in line and "\u2026" not in line, line
    assert len(line.rstrip()) <= 40, line


def test_the_bar_with_columns_0_is_drawn_as_where_columns_is_unset(monkeypatch):
    """COLUMNS=0 (no width said) drew no batch line at all (rich took it for 0 columns): it is
    drawn as where COLUMNS is unset."""
    monkeypatch.setenv("COLUMNS", "0")
    zero = _bar_lines(monkeypatch)
    monkeypatch.delenv("COLUMNS")
    assert zero and "12 done, 1 failed, 47 left" in zero[-1] and zero == _bar_lines(monkeypatch), zero


@pytest.mark.skipif(not hasattr(signal, "SIGTSTP"), reason="job control")
def test_a_batch_without_a_progress_line_stopped_by_ctrl_z_leaves_the_time_stopped_out(tmp_path, monkeypatch):
    """`livecut batch shoot -o cut 2>log` (no progress line) stopped by Ctrl-Z for a minute and
    resumed by fg said '4 done, 0 failed; 600 frames in 68.5 s (8.8 fps)', the minute counted in,
    where with a line the time stopped is left out; it is left out as well without one."""
    import re

    from conftest import JobShell

    src, out, log, pid = tmp_path / "shoot", tmp_path / "cut", tmp_path / "log", tmp_path / "pid"
    src.mkdir()
    for i in range(4):
        make_clip(src / f"c{i}.mp4", w=160, h=96, n=60, seed=i)
    held = 4.0
    monkeypatch.setenv("PYTHONPATH", str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = f"echo $$ > '{pid}'; exec '{sys.executable}' -m livecut batch '{src}' -o '{out}' -j 1 2>'{log}'"
    with JobShell(["/bin/sh", "-c", command], held=held):
        deadline = time.monotonic() + 120
        while not (out / MANIFEST).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        t0 = time.monotonic()  # (the batch's time starts)
        while not (out / MANIFEST).read_text().strip() and time.monotonic() < deadline:
            time.sleep(0.02)  # (an item done: the others to do)
        os.killpg(int(pid.read_text()), signal.SIGTSTP)  # (as the terminal sends it: the workers too)
        while "frames in" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
            time.sleep(0.02)
        wall = time.monotonic() - t0
    said = log.read_text()
    seconds = float(re.search(r"frames in ([\d.]+) s", said).group(1))
    assert "4 done, 0 failed" in said and seconds <= wall - held + 0.5, (said, wall)


def test_a_worker_that_does_not_take_the_pools_sigterm_is_killed_when_the_batch_stops():
    """A worker takes the pool's SIGTERM in Python, to remove its temporary file first (see
    _init_worker); one whose main thread is inside a long C call (a 140-megapixel PNG's encode,
    seconds) takes it only when the call returns, and the batch stopped (Ctrl-C, a failed item's
    stop) left it running on, the interpreter's exit waiting for it.  A worker still alive 2 s
    after its SIGTERM is killed."""
    from livecut.batch import _Local

    backend = _Local(1, 1)
    backend.pool = backend._new_pool()
    # (SIGTERM blocked: as a handler that cannot run until a C call returns)
    backend.pool.submit(signal.pthread_sigmask, signal.SIG_BLOCK, [signal.SIGTERM]).result(timeout=60)
    busy = backend.pool.submit(time.sleep, 60)
    deadline = time.monotonic() + 30
    while not busy.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    procs = list(backend.pool._processes.values())
    try:
        t0 = time.monotonic()
        backend.stop()
        took = time.monotonic() - t0
        assert not any(p.is_alive() for p in procs), "a worker that did not take its SIGTERM ran on"
        assert took < 5, took
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join(5)


def test_a_batch_says_its_inputs_as_given(tmp_path):
    """`livecut batch photos/ -o cut/` with a damaged photos/b.jpg said
    '/home/me/.../photos/b.jpg: image file is truncated', where `livecut image photos/b.jpg`
    says 'photos/b.jpg: ...': its lines name an input as it was given (relative stays relative,
    a file named outright too); the manifest, whose `input` is the absolute path (its key), keeps
    it in its `error` as well."""
    (tmp_path / "photos").mkdir()
    cv2.imwrite(str(tmp_path / "photos" / "a.jpg"), make_scene(seed=1)[0])
    (tmp_path / "photos" / "b.jpg").write_bytes((tmp_path / "photos" / "a.jpg").read_bytes()[:400])
    (tmp_path / "notes.txt").write_text("no picture\n")
    r = run_cli("batch", "photos/", "notes.txt", "-o", "cut/", "--jobs", "1", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "livecut: error: photos/b.jpg: " in r.stderr and "livecut: error: notes.txt: " in r.stderr, r.stderr
    assert str(tmp_path) not in r.stderr, r.stderr
    failed = [rec for rec in map(json.loads, (tmp_path / "cut" / MANIFEST).read_text().splitlines())
              if rec["status"] == "failed"]
    assert [rec["error"].split(": ")[0] for rec in failed] == [str(tmp_path / "photos" / "b.jpg")], failed
    r = run_cli("batch", str(tmp_path / "photos"), "-o", "cut2", "--jobs", "1", cwd=tmp_path)
    assert f"livecut: error: {tmp_path / 'photos' / 'b.jpg'}: " in r.stderr, r.stderr  # (absolute as given)
