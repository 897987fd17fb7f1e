"""``livecut image / eval / bench / methods`` through Typer's CliRunner, and every bad input of issue 2."""

from __future__ import annotations

import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from livecut.cli import app
from conftest import APPEND_ONLY, open_that_stops, run_cli, sigterm_through_c_code, traced_peak
from synth import make_scene

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


def invoke(*args: str, env: dict | None = None):
    return runner.invoke(app, [str(a) for a in args], env=env)


# ---------------------------------------------------------------- files

def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(arr: np.ndarray, color_type: int, depth: int = 8, *, size: tuple[int, int] | None = None) -> bytes:
    """A PNG written by hand (any colour type/depth); ``size`` forges the IHDR's width/height."""
    h, w = arr.shape[:2]
    dtype = ">u2" if depth == 16 else np.uint8
    raw = b"".join(b"\0" + arr[y].astype(dtype).tobytes() for y in range(h))
    W, H = size or (w, h)
    ihdr = struct.pack(">IIBBBBB", W, H, depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")


def huge_png(path: Path) -> Path:
    """A 118-byte PNG whose header says 15000x15000 (225 MP): must be refused without decoding."""
    path.write_bytes(png_bytes(np.zeros((1, 1), np.uint8), 0, size=(15000, 15000)))
    return path


def huge_jpeg(path: Path) -> Path:
    """A small JPEG whose SOF0 says 15000x15000."""
    ok, buf = cv2.imencode(".jpg", np.zeros((16, 16, 3), np.uint8))
    b = bytearray(buf.tobytes())
    i = b.index(b"\xff\xc0")
    b[i + 5:i + 7] = (15000).to_bytes(2, "big")
    b[i + 7:i + 9] = (15000).to_bytes(2, "big")
    path.write_bytes(bytes(b))
    return path


@pytest.fixture(scope="module")
def scene() -> tuple[np.ndarray, np.ndarray]:
    return make_scene("basic", 160, 120, seed=0)


@pytest.fixture
def good(tmp_path, scene) -> dict[str, Path]:
    img, _ = scene
    d = tmp_path / "in"
    d.mkdir()
    out = {}
    for name in ("a.jpg", "b.png"):
        cv2.imwrite(str(d / name), img)
        out[name] = d / name
    return out


@pytest.fixture
def bad(tmp_path, scene) -> dict[str, Path]:
    """Every bad input of issue 2, in a folder of its own."""
    img, _ = scene
    d = tmp_path / "bad"
    d.mkdir()
    files = {}
    files["empty"] = d / "empty.jpg"
    files["empty"].write_bytes(b"")
    files["text"] = d / "notes.jpg"
    files["text"].write_text("this is not an image\n")
    ok, jpg = cv2.imencode(".jpg", img)
    files["trunc_jpg"] = d / "trunc.jpg"
    files["trunc_jpg"].write_bytes(jpg.tobytes()[: len(jpg) // 2])
    ok, png = cv2.imencode(".png", img)
    files["trunc_png"] = d / "trunc.png"
    files["trunc_png"].write_bytes(png.tobytes()[: len(png) // 2])
    corrupt = bytearray(png.tobytes())
    corrupt[100:110] = b"\xff" * 10
    files["corrupt_png"] = d / "corrupt.png"
    files["corrupt_png"].write_bytes(bytes(corrupt))
    files["tiny"] = d / "tiny.png"
    cv2.imwrite(str(files["tiny"]), img[:1, :1])
    files["huge_png"] = huge_png(d / "huge.png")
    files["huge_jpg"] = huge_jpeg(d / "huge.jpg")
    return files


def _stderr_lines(result) -> list[str]:
    return [ln for ln in result.stderr.splitlines() if ln.strip()]


def _no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


# ---------------------------------------------------------------- image command

def test_image_files(tmp_path, good):
    out = tmp_path / "out" / "deeper"  # created, parents too
    r = invoke("image", good["a.jpg"], good["b.png"], "-o", out)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png"]
    a = cv2.imread(str(out / "a.png"), cv2.IMREAD_UNCHANGED)
    assert a.shape == (120, 160, 4)  # cutout is the default mode
    assert "2 written" in r.stderr
    _no_traceback(r)


def test_image_folder_and_glob(tmp_path, good):
    r = invoke("image", good["a.jpg"].parent, "-o", tmp_path / "o1", "-q")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "o1").iterdir()) == ["a.png", "b.png"]
    r = invoke("image", str(good["a.jpg"].parent / "*.jpg"), "-o", tmp_path / "o2", "-q")
    assert r.exit_code == 0, r.output
    assert [p.name for p in (tmp_path / "o2").iterdir()] == ["a.png"]
    assert r.stderr == ""  # -q: nothing on stderr when all is well


def test_image_glob_with_two_stars_reaches_every_depth(tmp_path, good):
    """'shots/**/*.jpg' matched one folder level only (the photos directly in shots/ and two
    levels down were left out, said nowhere), though `livecut batch` takes ** at any depth."""
    img = cv2.imread(str(good["a.jpg"]))
    tree = tmp_path / "shots"
    for rel in ("top.jpg", "x/mid.jpg", "x/y/deep.jpg"):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tree / rel), img)
    r = invoke("image", str(tree / "**" / "*.jpg"), "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["deep.png", "mid.png", "top.png"]


def test_a_pattern_leaves_out_the_results_in_an_output_folder_below_it(tmp_path, good):
    """'shoot/**' -o shoot/cut/: the second run's pattern found the first run's results in
    shoot/cut/ and took them for photos: '--skip-existing' ended '0 written, 4 failed', each
    photo's output 'would overwrite an input' and each result its own input; as `livecut
    batch` does, what a pattern finds in an output folder below where it starts is left out."""
    img = cv2.imread(str(good["a.jpg"]))
    shoot = tmp_path / "shoot"
    for rel in ("c.tif", "day1/a.jpg"):
        (shoot / rel).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(shoot / rel), img)
    pattern, out = str(shoot / "**"), str(shoot / "cut") + os.sep
    r = invoke("image", pattern, "-o", out, "-q")
    assert r.exit_code == 0, r.output
    r = invoke("image", pattern, "-o", out, "--skip-existing")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [f"0 written to {out}, 2 there already (left), 0 failed"]
    r = invoke("image", str(shoot / "**" / "*.png"), "-o", out, "-q")
    assert r.exit_code == 2
    assert _stderr_lines(r) == [f"livecut: error: {shoot / '**' / '*.png'}: pattern matches no images (2 files "
                                "in the output folder left out: results of a run before)"]
    r = invoke("image", str(shoot / "cut" / "*.png"), "-o", out, "-q")  # (the output folder's own pattern)
    assert r.exit_code == 2 and r.stderr.count("would overwrite an input") == 2, r.stderr


def test_a_pattern_that_matches_photos_in_another_case_alone_says_so(tmp_path, good):
    """`livecut image *.jpg -o cut/` in a camera's folder (IMG_0001.JPG: bash passes the pattern
    on, matching nothing) said 'pattern matches no images' alone, a folder of photos there; it
    names the files that match but for case and the pattern that takes them."""
    img = cv2.imread(str(good["a.jpg"]))
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for name in ("IMG_0001.JPG", "IMG_0002.JPG"):
        cv2.imwrite(str(shoot / name), img)
    (shoot / "notes.TXT").write_text("x")
    r = invoke("image", str(shoot / "*.jpg"), "-o", tmp_path / "o", "-q")
    assert r.exit_code == 2
    assert _stderr_lines(r) == [f"livecut: error: {shoot / '*.jpg'}: pattern matches no images; 2 files (IMG_0001.JPG, "
                                f"IMG_0002.JPG) match it in another case (a pattern's case counts): give '{shoot / '*.JPG'}'"]
    r = invoke("image", str(shoot / "*.txt"), "-o", tmp_path / "o", "-q")  # (not a picture: nothing more said)
    assert _stderr_lines(r) == [f"livecut: error: {shoot / '*.txt'}: pattern matches no images"]
    r = invoke("image", str(shoot / "*.JPG"), "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["IMG_0001.png", "IMG_0002.png"]
    # (beside '*.JPG', which takes them, '*.jpg' names no pattern to give: it was given; and it is
    # a warning: test_either_case_s_pattern_matching_nothing_beside_the_other_is_a_warning)
    r = invoke("image", str(shoot / "*.jpg"), str(shoot / "*.JPG"), "-o", tmp_path / "o2", "-q")
    assert _stderr_lines(r) == [f"livecut: warning: {shoot / '*.jpg'}: pattern matches no images, but another input "
                                "takes the photos it matches in another case (a pattern's case counts)"]
    (shoot / "IMG_0001.JPG").rename(shoot / "img_0001.JPG")  # (no pattern named: 'IMG_*.JPG' takes no img_0001.JPG)
    r = invoke("image", str(shoot / "IMG_*.jpg"), "-o", tmp_path / "o3", "-q")
    assert _stderr_lines(r) == [f"livecut: error: {shoot / 'IMG_*.jpg'}: pattern matches no images; 2 files (IMG_0002.JPG, "
                                "img_0001.JPG) match it in another case (a pattern's case counts)"]


def test_a_pattern_in_a_folder_that_is_not_there_says_so(tmp_path, good):
    """`livecut image 'nope/*.jpg' -o c/` (a typo in the folder) said 'pattern matches no images'
    alone, as if the folder held none; it says the folder is not there, or is a file."""
    (tmp_path / "notes.txt").write_text("x")
    nope, file = tmp_path / "nope" / "day" / "*.jpg", tmp_path / "notes.txt" / "*.jpg"
    r = invoke("image", str(nope), str(file), good["a.jpg"], "-o", tmp_path / "o", "-q")
    assert r.exit_code == 2
    assert _stderr_lines(r) == [f"livecut: error: {nope}: pattern matches no images (no folder {tmp_path / 'nope'}: "
                                "not found)",
                                f"livecut: error: {file}: pattern matches no images ({tmp_path / 'notes.txt'}: "
                                "not a folder)"]


def test_either_case_s_pattern_matching_nothing_beside_the_other_is_a_warning(tmp_path, good):
    """`livecut image *.JPG *.jpg -o cut/` in bash, in a camera's folder of .JPG files alone (bash
    passes '*.jpg' on, matching nothing): every photo was cut, then the run failed, 'pattern
    matches no images', '2 written, 1 failed', exit 2 -- a pattern given for the other case, all
    of whose photos were cut. It is a warning, exit 0; a photo it matches that no input takes
    (IMG_*.JPG beside 'IMG_*.jpg', 'DSC_*.JPG') is still an error, as a file not found is."""
    img = cv2.imread(str(good["a.jpg"]))
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for name in ("IMG_0001.JPG", "IMG_0002.JPG", "dsc_1.JPG"):
        cv2.imwrite(str(shoot / name), img)
    r = invoke("image", str(shoot / "*.JPG"), str(shoot / "*.jpg"), "-o", tmp_path / "o")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r)[0] == (f"livecut: warning: {shoot / '*.jpg'}: pattern matches no images, but another input "
                                   "takes the photos it matches in another case (a pattern's case counts)")
    assert _stderr_lines(r)[-1] == f"3 written to {tmp_path / 'o'}, 0 failed"
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["IMG_0001.png", "IMG_0002.png", "dsc_1.png"]
    r = invoke("image", str(shoot / "IMG_*.JPG"), str(shoot / "*.jpg"), "-o", tmp_path / "o2", "-q")
    assert r.exit_code == 2
    assert _stderr_lines(r) == [f"livecut: error: {shoot / '*.jpg'}: pattern matches no images; 1 file (dsc_1.JPG) "
                                f"matches it in another case (a pattern's case counts): give '{shoot / '*.JPG'}'"]


def test_an_input_not_found_is_said_before_the_photos_are_cut(tmp_path, good, monkeypatch):
    """`livecut image a.jpg missing.jpg b.jpg ... -o cut/`, one name mistyped among 500 photos:
    'missing.jpg: file not found' was said once every photo was cut, minutes later. What is known
    before the first photo is cut (a file not found, a pattern matching nothing) is said then; the
    others are cut, and the run ends as before, '3 written, 2 failed', exit 2, the lines said once."""
    import livecut.cli

    out, missing, nothing = tmp_path / "o", tmp_path / "mising.jpg", str(tmp_path / "x*.jpg")
    c = tmp_path / "c.jpg"
    c.write_bytes(good["a.jpg"].read_bytes())
    said, real = [], livecut.cli.err
    # (each line with the outputs there when it was said)
    monkeypatch.setattr(livecut.cli, "err", lambda m, kind="error": (
        said.append((m, sorted(p.name for p in out.glob("*.png")))), real(m, kind)))
    r = invoke("image", good["a.jpg"], missing, nothing, good["b.png"], c, "-o", out)
    assert r.exit_code == 2, r.output
    assert said == [(f"{missing}: file not found", []), (f"{nothing}: pattern matches no images", [])]
    assert _stderr_lines(r) == [f"livecut: error: {missing}: file not found",
                                f"livecut: error: {nothing}: pattern matches no images",
                                f"3 written to {out}, 2 failed"]
    from livecut.config import load_config
    from livecut.errors import ConfigTypeError
    from livecut.images import process_images

    with pytest.raises(ConfigTypeError, match="early must be a function or None, got str"):
        process_images([good["a.jpg"]], tmp_path / "o2", load_config(), early="print")


def test_a_photo_that_fails_as_it_is_cut_is_said_then(tmp_path, good, monkeypatch):
    """`livecut image many/*.jpg corrupt.jpg more/*.jpg -o cut/`, one truncated JPEG among 500
    photos: 'corrupt.jpg: image file is truncated' was said once every photo was cut, minutes later
    (an output there without --force too). Each failure is said as the photo fails (above the bar),
    before the next photo is cut; the run ends as before, '3 written, 2 failed', exit 2, each line
    said once."""
    import livecut.cli

    out, corrupt, c = tmp_path / "o", tmp_path / "corrupt.jpg", tmp_path / "c.jpg"
    data = good["a.jpg"].read_bytes()
    corrupt.write_bytes(data[:len(data) // 3])
    c.write_bytes(data)
    out.mkdir()
    (out / "d.png").write_bytes(b"there before")
    d = tmp_path / "d.jpg"
    d.write_bytes(data)
    said, real = [], livecut.cli.err
    # (each line with the outputs there when it was said)
    monkeypatch.setattr(livecut.cli, "err", lambda m, kind="error": (
        said.append((m, sorted(p.name for p in out.glob("*.png")))), real(m, kind)))
    r = invoke("image", good["a.jpg"], corrupt, good["b.png"], d, c, "-o", out)
    assert r.exit_code == 2, r.output
    assert said == [(f"{corrupt}: image file is truncated", ["a.png", "d.png"]),
                    (f"{d}: output {out / 'd.png'} exists (give force=True to overwrite)", ["a.png", "b.png", "d.png"])]
    assert _stderr_lines(r) == [f"livecut: error: {corrupt}: image file is truncated",
                                f"livecut: error: {d}: output {out / 'd.png'} exists (use --force to overwrite)",
                                f"3 written to {out}, 2 failed"]
    from livecut.config import load_config
    from livecut.errors import ConfigTypeError
    from livecut.images import process_images

    with pytest.raises(ConfigTypeError, match="failed must be a function or None, got str"):
        process_images([good["a.jpg"]], tmp_path / "o2", load_config(), failed="print")


def test_a_photo_s_note_and_warning_are_said_as_it_is_cut(tmp_path, good, monkeypatch):
    """`livecut image shoot/*.png -o cut/`, an all-sharp photo (or a 16-bit one) among 500: its
    'no defocused background found' note (its '8 bits a channel' warning) was said once every
    photo was cut, minutes later, with no error to say before it. Each is said as its photo is
    done (above the bar), before the next photo is cut; the run ends as before, each line said
    once; -q leaves the note out, not the warning."""
    import livecut.cli
    from synth import texture

    out, sharp, deep, c = tmp_path / "o", tmp_path / "sharp.png", tmp_path / "deep.png", tmp_path / "c.jpg"
    assert cv2.imwrite(str(sharp), texture(np.random.default_rng(0), 300, 400, cell=3, base=(120, 120, 120),
                                           amplitude=45.0, shapes=30))
    assert cv2.imwrite(str(deep), cv2.imread(str(good["a.jpg"])).astype(np.uint16) * 257)
    c.write_bytes(good["a.jpg"].read_bytes())
    said, real = [], livecut.cli.err
    # (each line with the outputs there when it was said)
    monkeypatch.setattr(livecut.cli, "err", lambda m, kind="error": (
        said.append((kind, m, sorted(p.name for p in out.glob("*.png")))), real(m, kind)))
    note = f"{sharp}: no defocused background found: the whole image is kept"
    warning = f"{deep}: a picture of more than 8 bits a channel; its cutout is written at 8 bits a channel"
    r = invoke("image", sharp, deep, c, "-o", out)
    assert r.exit_code == 0, r.output
    assert [(kind, m.split(" (livecut")[0], there) for kind, m, there in said] == [
        ("note", note, ["sharp.png"]), ("warning", warning, ["deep.png", "sharp.png"])]
    assert _stderr_lines(r) == [f"livecut: note: {note}", f"livecut: warning: {said[1][1]}",
                                f"3 written to {out}, 0 failed"]
    said.clear()
    r = invoke("image", sharp, deep, c, "-o", tmp_path / "o2", "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [f"livecut: warning: {said[0][1]}"] and len(said) == 1
    from livecut.config import load_config
    from livecut.errors import ConfigTypeError
    from livecut.images import process_images

    with pytest.raises(ConfigTypeError, match="noted must be a function or None, got str"):
        process_images([good["a.jpg"]], tmp_path / "o3", load_config(), noted="print")


def test_a_pattern_in_a_folder_whose_name_holds_brackets_reads_that_folder(tmp_path, good):
    """'shoot[1]/*.jpg' (a folder so named: a download's copy, an export's) was read as the pattern
    shoot1/*.jpg: the photos of another folder, shoot1/, were cut, or 'pattern matches no images';
    and the hint for a folder given whose photos are in its subfolders, "give 'h[1]/**'", named
    nothing.  A folder that is there by its name is that folder, as the name of a file is."""
    img = cv2.imread(str(good["a.jpg"]))
    for rel in ("g[1]/a.jpg", "g1/other.jpg", "h[1]/sub/x.jpg"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / rel), img)
    r = invoke("image", str(tmp_path / "g[1]" / "*.jpg"), "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["a.png"]
    r = invoke("image", str(tmp_path / "h[1]"), "-o", tmp_path / "o2", "-q")
    assert r.exit_code == 2 and f"give '{tmp_path / 'h[1]'}/**' for their images" in r.stderr, r.stderr
    r = invoke("image", f"{tmp_path / 'h[1]'}/**", "-o", tmp_path / "o2", "-q")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "o2").iterdir()) == ["x.png"]
    r = invoke("image", str(tmp_path / "g[1]" / "*.png"), "-o", tmp_path / "o3", "-q")
    assert r.exit_code == 2
    assert _stderr_lines(r) == [f"livecut: error: {tmp_path / 'g[1]' / '*.png'}: pattern matches no images"]


def test_a_folder_that_cannot_be_read_is_one_error_not_an_internal_one(tmp_path, good, monkeypatch):
    """A folder without permission (chmod 000, a card copied as another user) given, or a
    photo or pattern in it, stopped the whole run: 'internal error: PermissionError: [Errno 13]
    Permission denied', exit 1, the other photos not cut.  Each is one error line now."""
    private = tmp_path / "private"
    private.mkdir()
    cv2.imwrite(str(private / "x.jpg"), cv2.imread(str(good["a.jpg"])))
    real_stat, real_scandir = os.stat, os.scandir

    def denied(path) -> bool:  # (as chmod 000 does, also where the tests run as root)
        return private in Path(os.fsdecode(path)).parents or Path(os.fsdecode(path)) == private

    def stat(path, *a, **kw):
        if isinstance(path, (str, bytes, os.PathLike)) and private in Path(os.fsdecode(path)).parents:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_stat(path, *a, **kw)

    def scandir(path="."):
        if denied(path):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "o"
    r = invoke("image", private, private / "x.jpg", str(private / "*.jpg"), good["a.jpg"], "-o", out, "-q")
    assert r.exit_code == 2, r.output
    assert _stderr_lines(r) == [f"livecut: error: {private}: cannot read the folder: Permission denied",
                                f"livecut: error: {private / 'x.jpg'}: cannot read: Permission denied",
                                f"livecut: error: {private / '*.jpg'}: pattern matches no images ({private}: cannot "
                                "read the folder: Permission denied)"], r.output
    assert (out / "a.png").is_file()


@pytest.mark.parametrize("name", ["cut/", "cut", "cut.png"])
def test_an_output_in_a_folder_that_cannot_be_read_is_one_error(tmp_path, good, monkeypatch, name):
    """-o into a folder without permission (chmod 000) was 'internal error: PermissionError:
    [Errno 13] Permission denied', exit 1 (Path.is_dir and exists raise EACCES there)."""
    private = tmp_path / "private"
    private.mkdir()
    real_stat = os.stat

    def stat(path, *a, **kw):  # (as chmod 000 does, also where the tests run as root)
        if isinstance(path, (str, bytes, os.PathLike)) and private in Path(os.fsdecode(path)).parents:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_stat(path, *a, **kw)

    monkeypatch.setattr(os, "stat", stat)
    out = str(private / name)
    r = invoke("image", good["a.jpg"], "-o", out, "-q")
    assert r.exit_code == 1, r.output
    assert _stderr_lines(r) == [f"livecut: error: {out.rstrip('/')}: cannot write there: Permission denied"], r.output


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_image_output_name_taken_by_a_folder(tmp_path, good, force, monkeypatch):
    """OUTDIR/a.png a folder: "exists (use --force to overwrite)", and with --force the photo
    was cut, then "cannot move the finished output into place (Is a directory)", exit 1."""
    from livecut import images

    (tmp_path / "o" / "a.png").mkdir(parents=True)
    monkeypatch.setattr(images, "read_image", lambda *a, **k: pytest.fail("the photo was read"))
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "o", *force)
    assert r.exit_code == 2, r.output
    assert f"output {tmp_path / 'o' / 'a.png'} is a folder" in r.stderr and "--force" not in r.stderr
    assert (tmp_path / "o" / "a.png").is_dir()


@pytest.mark.parametrize("args,name", [
    (["image", "IN", "-o", ""], "-o"),
    (["image", "", "-o", "OUT"], "INPUT"),
    (["batch", "IN", "-o", ""], "-o"),
    (["eval", "IN", ""], "MASKS"),
    (["bench", "--live", "--clip", ""], "--clip"),
])
def test_an_empty_path_is_refused_not_taken_for_the_current_folder(tmp_path, good, monkeypatch, args, name):
    """-o "$OUT" with OUT unset wrote the cutouts into the current folder ("1 written to , 0
    failed"); an empty INPUT cut every picture there."""
    monkeypatch.chdir(good["a.jpg"].parent)
    args = [{"IN": "a.jpg", "OUT": str(tmp_path / "o")}.get(a, a) for a in args]
    r = invoke(*args)
    assert r.exit_code == 2, r.output
    assert f"{name} is empty" in r.stderr
    assert sorted(p.name for p in good["a.jpg"].parent.iterdir()) == ["a.jpg", "b.png"]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("vertical", [False, True])
def test_a_panorama_is_cut_in_windows(tmp_path, vertical):
    """A panorama was reduced to segment.work_size (320) on its long side: 3840x160 was
    judged at 320x13 pixels and its subjects were lost (IoU 0.0-0.1); now a photo over 4:1 is
    cut in overlapping windows of 3:1, each judged as a photo of its own."""
    from synth import iou

    tiles = [make_scene("basic", 320, 160, seed=s) for s in range(12)]
    pano, truth = np.hstack([t[0] for t in tiles]), np.hstack([t[1] for t in tiles])
    if vertical:  # (a tall one: the same scenes, turned)
        pano, truth = np.ascontiguousarray(np.rot90(pano)), np.ascontiguousarray(np.rot90(truth))
    src = tmp_path / "pano.png"
    cv2.imwrite(str(src), pano)
    r = invoke("image", src, "-o", tmp_path / "o", "--mode", "mask", "-q")
    assert r.exit_code == 0, r.output
    mask = cv2.imread(str(tmp_path / "o" / "pano.png"), cv2.IMREAD_UNCHANGED)
    assert mask.shape == truth.shape and iou(mask, truth) > 0.9, iou(mask, truth)


@pytest.mark.parametrize("mode,channels", [("cutout", 4), ("mask", 1), ("composite", 3), ("side-by-side", 3)])
def test_image_modes(tmp_path, good, mode, channels):
    """side-by-side (the photo | its composite) was refused: "expected one of cutout, mask, composite"."""
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "--mode", mode, "-q")
    assert r.exit_code == 0, r.output
    img = cv2.imread(str(tmp_path / "o" / "b.png"), cv2.IMREAD_UNCHANGED)
    assert img.shape[:2] == (120, 160 * (2 if mode == "side-by-side" else 1))
    assert (img.shape[2] if img.ndim == 3 else 1) == channels
    if mode == "side-by-side":  # the photo as it is, then the composite over -b's default
        photo = cv2.imread(str(good["b.png"]))
        assert np.array_equal(img[:, :160], photo)
        r = invoke("image", good["b.png"], "-o", tmp_path / "c", "--mode", "composite", "-q")
        assert np.array_equal(img[:, 160:], cv2.imread(str(tmp_path / "c" / "b.png")))


@pytest.mark.parametrize("sets,channels", [
    ((), 4),                                                       # a photo's default: cutout
    (("--set", "composite.mode=mask"), 1),                         # the configuration's mode
    (("--set", "composite.background=color:#00ff00"), 3),          # ... or its background
    (("--set", "composite.mode=mask", "--mode", "cutout"), 4),     # --mode wins
    (("--set", "composite.mode=mask", "--set", "composite.background=color:#00ff00"), 1),  # the mode first
    (("--set", "composite.mode=side-by-side"), 3),                  # (it was a cutout)
    (("--set", "composite.background=Blur"), 4),                   # the default, as the compositor reads it
    (("--set", "composite.background=\" BLUR \""), 4),            # (both were composites over the blur)
])
def test_image_follows_the_configured_mode_and_background(tmp_path, good, sets, channels):
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", *sets, "-q")
    assert r.exit_code == 0, r.output
    img = cv2.imread(str(tmp_path / "o" / "b.png"), cv2.IMREAD_UNCHANGED)
    assert (img.shape[2] if img.ndim == 3 else 1) == channels


def test_image_mask_quality(tmp_path, scene):
    img, gt = make_scene("low_contrast", 320, 240, seed=0)
    cv2.imwrite(str(tmp_path / "s.png"), img)
    r = invoke("image", tmp_path / "s.png", "-o", tmp_path / "o", "--mode", "mask", "-q")
    assert r.exit_code == 0, r.output
    m = cv2.imread(str(tmp_path / "o" / "s.png"), cv2.IMREAD_UNCHANGED)
    inter = np.count_nonzero((m >= 128) & (gt > 0))
    assert inter / np.count_nonzero((m >= 128) | (gt > 0)) > 0.85


@pytest.mark.parametrize("background,check", [
    ("color:#00ff00", lambda px: tuple(px) == (0, 255, 0)),
    ("transparent", lambda px: len(px) == 4),
])
def test_image_backgrounds(tmp_path, good, background, check):
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "--mode", "composite", "-b", background, "-q")
    assert r.exit_code == 0, r.output
    img = cv2.imread(str(tmp_path / "o" / "b.png"), cv2.IMREAD_UNCHANGED)
    assert check(img[0, 0])  # the corner is background


def test_image_background_picture(tmp_path, good):
    pic = tmp_path / "bg.jpg"
    cv2.imwrite(str(pic), np.full((50, 200, 3), (255, 0, 0), np.uint8))
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "--mode", "composite", "-b", f"image:{pic}", "-q")
    assert r.exit_code == 0, r.output
    img = cv2.imread(str(tmp_path / "o" / "b.png"))
    assert np.abs(img[0, 0].astype(int) - (255, 0, 0)).max() <= 3


def test_image_bad_background(tmp_path, good):
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "-b", "sparkle")
    assert r.exit_code == 2
    assert _stderr_lines(r) == ["livecut: error: --background: composite.background: 'sparkle': expected "
                                "blur, color:#RRGGBB, a colour name (black, white, green, blue, red, gray, grey), image:PATH "
                                "or transparent"]
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "-b", "image:/nonexistent/bg.png")
    assert r.exit_code == 2 and "/nonexistent/bg.png" in r.stderr
    _no_traceback(r)


def test_a_bad_background_of_livecut_image_offers_no_video_background(tmp_path, good):
    """`livecut image x.jpg -b purple` listed video:PATH among the valid forms, and -b photo.jpg
    said "give image:photo.jpg (video:photo.jpg for a video)"; then -b video:x.mp4 was refused,
    "video backgrounds are for video". What livecut image says offers the forms it takes, from
    -b, --set and a configuration file alike; `livecut file` still offers video:PATH."""
    cfg = tmp_path / "my.toml"
    cfg.write_text('[composite]\nbackground = "purple"\n')
    for args in (("-b", "purple"), ("--set", "composite.background=purple"), ("-c", cfg), ("-b", good["b.png"])):
        r = invoke("image", good["b.png"], "-o", tmp_path / "o", *args)
        assert r.exit_code == 2 and len(_stderr_lines(r)) == 1, r.output
        assert "video:" not in r.stderr and "image:" in r.stderr, (args, r.stderr)
        assert not (tmp_path / "o").exists()
    r = invoke("file", str(REPO / "sample_videos" / "moving.mp4"), "-o", tmp_path / "o.mp4", "-b", "purple")
    assert r.exit_code == 2 and "image:PATH, video:PATH or transparent" in r.stderr, r.stderr


def test_image_video_background_is_refused_up_front(tmp_path, good):
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "--mode", "composite",
               "-b", f"video:{REPO / 'sample_videos' / 'moving.mp4'}")
    assert r.exit_code == 2 and "for still images use image:PATH" in r.stderr
    assert len(_stderr_lines(r)) == 1 and not (tmp_path / "o").exists()
    _no_traceback(r)
    # a video background that is not there is said to be a video's first (it was 'file not found')
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "-b", f"video:{tmp_path / 'missing.mp4'}")
    assert r.exit_code == 2 and "for still images use image:PATH" in r.stderr, r.stderr
    assert "not found" not in r.stderr


def test_a_video_background_of_the_configuration_is_not_said_as_an_option(tmp_path, good):
    """A configuration's composite.background = "video:..." with --mode composite was refused as
    "--background video:...: video backgrounds are for video": an option not given."""
    cfg = tmp_path / "my.toml"
    cfg.write_text(f'[composite]\nbackground = "video:{REPO / "sample_videos" / "moving.mp4"}"\n')
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "--mode", "composite", "-c", cfg)
    assert r.exit_code == 2 and "for still images use image:PATH" in r.stderr, r.stderr
    assert "--background" not in r.stderr and "background video:" in r.stderr, r.stderr


def test_image_bad_mode(tmp_path, good):
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "--mode", "sepia")
    assert r.exit_code == 2 and "--mode 'sepia'" in r.stderr
    _no_traceback(r)


def test_progress_bar_many_files(tmp_path, scene):
    d = tmp_path / "many"
    d.mkdir()
    for i in range(3):
        cv2.imwrite(str(d / f"{i}.png"), scene[0])
    r = invoke("image", d, "-o", tmp_path / "o")
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "o").iterdir())) == 3
    assert "3 written" in r.stderr


# ---------------------------------------------------------------- bad inputs

BAD_MESSAGES = {
    "empty": "file is empty",
    "text": "a text file, not a picture",
    "trunc_jpg": "truncated",
    "trunc_png": "truncated",
    "corrupt_png": "not an image, or truncated/corrupt",
    "tiny": "1x1",
    "huge_png": "15000x15000",
    "huge_jpg": "15000x15000",
}


@pytest.mark.parametrize("kind", sorted(BAD_MESSAGES))
def test_each_bad_input_alone(tmp_path, good, bad, kind):
    out = tmp_path / "o"
    r = invoke("image", bad[kind], good["b.png"], "-o", out, "-q")
    assert r.exit_code == 2, r.output
    lines = _stderr_lines(r)
    assert len(lines) == 1, lines
    assert lines[0].startswith("livecut: error: ")
    assert str(bad[kind]) in lines[0] and BAD_MESSAGES[kind] in lines[0]
    assert (out / "b.png").is_file()  # the good input was still processed
    assert not (out / f"{bad[kind].stem}.png").exists() or bad[kind].stem == "b"
    _no_traceback(r)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes (POSIX)")
def test_a_pipe_or_a_device_is_said_to_be_no_picture_file_not_empty(tmp_path, good):
    """A named pipe (`/dev/stdin` with a photo piped in, `<(...)`) or a device given as a photo
    was 'file is empty' (its size, 0, was taken for its content's); it is said for what it is."""
    fifo = tmp_path / "shot.jpg"
    os.mkfifo(fifo)
    out = tmp_path / "o"
    r = invoke("image", fifo, "/dev/zero", good["a.jpg"], "-o", out, "-q")
    assert r.exit_code == 2, r.output
    assert _stderr_lines(r) == [
        f"livecut: error: {fifo}: is a FIFO (named pipe), not a picture file: save the picture to a file first",
        "livecut: error: /dev/zero: is a device, not a picture file: save the picture to a file first"]
    assert (out / "a.png").is_file()


def _refused_unread(path, match):
    """read_image refuses ``path`` (ImageReadError matching ``match``) having read under 1 MB."""
    import tracemalloc

    from livecut.errors import ImageReadError
    from livecut.imageio import read_image

    tracemalloc.start()
    try:
        with pytest.raises(ImageReadError, match=match):
            read_image(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_a_video_among_the_photos_is_refused_unread(tmp_path):
    """`livecut image card/*` with the card's clips among its photos read each clip whole
    before it was refused as 'a video, not an image': 3.2 GB of memory and 22 s for a 3 GB
    .mov; it is refused from its first bytes."""
    clip = tmp_path / "MVI_0001.MOV"
    with open(clip, "wb") as f:
        f.write(struct.pack(">I", 20) + b"ftypqt  " + bytes(4) + b"qt  ")
        f.truncate(300 << 20)  # (sparse: 300 MB that cost nothing to write)
    _refused_unread(clip, "a video, not an image")


def test_a_photoshop_document_is_said_to_be_one_unread(tmp_path):
    """A Photoshop document among the photos (`livecut image shoot/*`: the retouched .psd
    beside each JPEG, often 1-2 GB) was read whole, then called 'not an image, or
    truncated/corrupt', as if the file were damaged; it is named for what it is, from its
    first bytes."""
    import tracemalloc

    from livecut.errors import ImageReadError
    from livecut.imageio import read_image

    psd = tmp_path / "IMG_0001.psd"
    with open(psd, "wb") as f:
        f.write(b"8BPS" + struct.pack(">H", 1) + bytes(6) + struct.pack(">HIIHH", 3, 4000, 6000, 16, 3))
        f.truncate(200 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(ImageReadError) as caught:
            read_image(psd)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(caught.value) == (f"{psd}: a Photoshop document, which livecut does not read; save it as TIFF, "
                                 "PNG or JPEG first")
    assert peak < 1_000_000


def test_a_warning_or_a_note_naming_a_file_with_a_newline_stays_one_line(tmp_path, scene):
    """An error naming a file with a newline or an escape sequence in its name is written
    escaped (one line), but a warning or a note was not: '.../deep' then 'shot.png: a picture of
    more than 8 bits a channel ...' on a line of its own; \\x1b[31m coloured the terminal."""
    img, _ = scene
    d = tmp_path / "in"
    d.mkdir()
    cv2.imwrite(str(d / "deep\nshot.png"), img.astype(np.uint16) * 257)
    cv2.imwrite(str(d / "flat\x1b[31m.png"), np.full((64, 64, 3), 128, np.uint8))
    r = invoke("image", d, "-o", tmp_path / "o")
    assert r.exit_code == 0, r.output
    lines = r.stderr.splitlines()
    assert f"livecut: warning: {d}/deep\\nshot.png: a picture of more than 8 bits a channel; its cutout is written " \
           "at 8 bits a channel (livecut writes 8-bit pictures)" in lines, lines
    assert any(ln.startswith(f"livecut: note: {d}/flat\\x1b[31m.png: ") for ln in lines), lines
    assert "\x1b" not in r.stderr and len(lines) == 3, lines


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="file names of any bytes (Linux)")
def test_a_file_name_that_is_not_utf8_is_said_by_its_bytes(tmp_path, bad):
    """A file named in Latin-1 (an old camera's, a Windows archive's: 'caf\\xe9.jpg') was named
    in messages as Python holds it, 'caf\\udce9.jpg', a character it does not have; its byte is
    said, 'caf\\xe9.jpg'."""
    d = tmp_path / "old"
    d.mkdir()
    name = os.fsdecode(b"caf\xe9.jpg")
    (d / name).write_bytes(bad["trunc_jpg"].read_bytes())
    r = _run("image", str(d), "-o", str(tmp_path / "o"), "-q", debug=False)
    assert r.returncode == 2
    assert r.stderr == f"livecut: error: {d}/caf\\xe9.jpg: image file is truncated\n", r.stderr


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="file names of any bytes (Linux)")
def test_the_summary_line_names_an_odd_output_folder_as_an_error_does(tmp_path, good):
    """The last line, 'N written to OUTDIR, M failed', was written as it is: an -o holding a
    newline broke it across two lines, and one of a byte that is not UTF-8 (a Latin-1 folder,
    'caf\\xe9/') was said as Python holds it, 'caf\\udce9/', where every error says the byte."""
    for name, shown in (("o\nut", "o\\nut"), (os.fsdecode(b"caf\xe9"), "caf\\xe9")):
        out = tmp_path / name
        r = invoke("image", good["a.jpg"], good["b.png"], "-o", f"{out}/")
        assert r.exit_code == 0, r.output
        assert r.stderr == f"2 written to {tmp_path}/{shown}/, 0 failed\n", r.stderr
        assert sorted(os.listdir(out)) == ["a.png", "b.png"]


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="file names of any bytes (Linux)")
def test_a_background_name_that_is_not_utf8_is_said_by_its_bytes(tmp_path, good):
    """-b image:NAME of a byte that is not UTF-8 (a Latin-1 backdrop, 'n\\xe9on.png') was quoted
    as Python writes the text, 'image:n\\udce9on.png', in the very line that then says the name
    as 'n\\xe9on.png'; a name holding a backslash as it is written keeps it."""
    cases = ((os.fsdecode(b"n\xe9on.png"), "n\\xe9on.png", "n\\xe9on.png"),
             ("back\\udce9.png", "back\\\\udce9.png", "back\\udce9.png"))
    for name, quoted, plain in cases:
        r = _run("image", str(good["a.jpg"]), "-o", str(tmp_path / "o") + "/", "-b", f"image:{name}",
                 debug=False)
        assert r.returncode == 2
        assert r.stderr == f"livecut: error: background 'image:{quoted}': file not found: {plain}\n", r.stderr


def test_a_camera_raw_file_is_refused_by_its_name_unread(tmp_path):
    """`livecut image shoot/*` of a shoot in raw + JPEG read each raw file whole (25-100 MB)
    before refusing it by its name."""
    raw = tmp_path / "IMG_0001.CR2"
    with open(raw, "wb") as f:
        f.write(b"II*\x00" + struct.pack("<I", 16) + b"CR\x02\x00")
        f.truncate(100 << 20)
    _refused_unread(raw, "a camera raw file, which livecut does not read")


@pytest.mark.parametrize("name", ["DSC00001.ARQ", "L1000001.RWL", "DCP_0001.DCR", "B0000001.fff", "CF000001.MOS",
                                  "_M000001.MEF", "GOPR0001.GPR"])
def test_a_camera_raw_file_of_a_rarer_maker_is_refused(tmp_path, scene, name):
    """Sony's pixel-shift ARQ, Leica's RWL, Kodak's DCR, Hasselblad's FFF, Leaf's MOS, Mamiya's MEF
    and GoPro's GPR were not known as camera raw files: one of a TIFF whose first picture is not
    marked a preview was cut as that picture, exit 0 (a Leica's, of Panasonic's header, was 'not an
    image, or truncated/corrupt').  Each is refused as the NEF is, by its name."""
    img, _ = scene
    raw = tmp_path / name
    raw.write_bytes(b"IIU\x00" + bytes(4096) if name.endswith("RWL") else
                    _tiff(np.ascontiguousarray(img[:, :, ::-1]), None))
    r = invoke("image", raw, "-o", tmp_path / "cut")
    assert r.exit_code == 2 and r.stderr == (f"livecut: error: {raw}: a camera raw file, which livecut does not "
                                             "read; export it as JPEG, PNG or TIFF first\n"), r.output
    assert not (tmp_path / "cut").exists()


def test_huge_image_is_refused_without_decoding(bad):
    import tracemalloc

    from livecut.errors import ImageSizeError
    from livecut.imageio import read_image

    tracemalloc.start()
    try:
        with pytest.raises(ImageSizeError, match="at most 200 megapixels"):
            read_image(bad["huge_png"])
        with pytest.raises(ImageSizeError, match="15000x15000"):
            read_image(bad["huge_jpg"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_a_webp_bmp_gif_or_netpbm_too_large_says_its_size_as_jpeg_png_and_tiff_do(tmp_path):
    """A JPEG, PNG or TIFF over the limit said 'image is WxH; livecut handles at most 80
    megapixels', a WebP, BMP, GIF or PPM 'image is larger than livecut's limit of 80
    megapixels' (OpenCV's own check): each says its size from its header, in the same words;
    one whose size is not read here (a Sun raster) says the same, without it.  Each says its megapixels
    and what to do, the size to scale it down to (it said the limit alone)."""
    w, h = 16000, 15000
    vp8l = b"\x2f" + ((w - 1) | (h - 1) << 14).to_bytes(4, "little") + bytes(40)
    vp8 = b"\x10\x02\x00\x9d\x01\x2a" + w.to_bytes(2, "little") + h.to_bytes(2, "little") + bytes(40)
    vp8x = bytes(4) + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")

    def riff(*chunks):
        body = b"WEBP" + b"".join(k + len(d).to_bytes(4, "little") + d for k, d in chunks)
        return b"RIFF" + len(body).to_bytes(4, "little") + body

    files = {
        "lossless.webp": riff((b"VP8L", vp8l)),
        "lossy.webp": riff((b"VP8 ", vp8)),
        "extended.webp": riff((b"VP8X", vp8x), (b"VP8L", vp8l)),
        "topdown.bmp": b"BM" + struct.pack("<IHHI", 54 + w * h * 3, 0, 0, 54)
        + struct.pack("<IiiHHIIiiII", 40, w, -h, 1, 24, 0, 0, 0, 0, 0, 0) + bytes(100),
        "screen.gif": b"GIF89a" + struct.pack("<HH", w, h) + b"\x00\x00\x00," + struct.pack("<HHHH", 0, 0, w, h)
        + b"\x00\x02\x02\x44\x01\x00;",
        "scan.ppm": b"P6\n# a scanner's\n%d %d\n255\n" % (w, h) + bytes(100),
        "scan.pam": b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n" % (w, h) + bytes(100),
    }
    for name, data in files.items():
        p = _write_bytes(tmp_path / name, data)
        r = invoke("image", p, "-o", tmp_path / "o", "-q")
        assert r.exit_code == 2 and r.stderr == (f"livecut: error: {p}: image is {w}x{h} (240.0 megapixels); livecut "
                                                 "handles at most 200 megapixels: scale it down first, to 14605x13693 "
                                                 "or smaller\n"), r.output
    # (OpenCV's check, of the limit livecut sets before cv2 is imported: in a process of its own)
    p = _write_bytes(tmp_path / "sun.ras", struct.pack(">8I", 0x59A66A95, w, h, 24, w * h * 3, 1, 0, 0) + bytes(100))
    r = _run("image", str(p), "-o", str(tmp_path / "o"), "-q", debug=False)
    assert r.returncode == 2 and r.stderr == (f"livecut: error: {p}: image is too large; livecut handles at most 200 "
                                              "megapixels: scale it down first\n"), r.stderr


@pytest.mark.parametrize("big", [False, True])
def test_a_tiff_too_large_says_its_size_wherever_its_directory_is(tmp_path, big):
    """A BigTIFF over the limit, or a classic TIFF whose directory follows its pixels (as libtiff
    writes it) more than 64 KiB in, was refused by OpenCV's own check, without its size ('image
    is larger than livecut's limit'); each says it as other TIFFs do: 'image is WxH; ...'."""
    w, h = 16000, 15000
    pixels = bytes(70000)  # (what the directory follows)
    if big:
        entries = [(256, 4, w), (257, 4, h), (258, 3, 8), (262, 3, 1), (273, 16, 16), (277, 3, 1), (279, 16, w * h)]
        ifd = struct.pack("<Q", len(entries)) + b"".join(
            struct.pack("<HHQ", t, k, 1) + struct.pack({3: "<H", 4: "<I", 16: "<Q"}[k], v).ljust(8, b"\0")
            for t, k, v in entries) + struct.pack("<Q", 0)
        data = b"II+\0" + struct.pack("<HHQ", 8, 0, 16 + len(pixels)) + pixels + ifd
    else:
        entries = [(256, 4, w), (257, 4, h), (258, 3, 8), (262, 3, 1), (273, 4, 8), (277, 3, 1), (279, 4, w * h)]
        ifd = struct.pack("<H", len(entries)) + b"".join(
            struct.pack("<HHI", t, k, 1) + struct.pack({3: "<H", 4: "<I"}[k], v).ljust(4, b"\0")
            for t, k, v in entries) + struct.pack("<I", 0)
        data = b"II*\0" + struct.pack("<I", 8 + len(pixels)) + pixels + ifd
    p = _write_bytes(tmp_path / "big.tif", data)
    r = _run("image", str(p), "-o", str(tmp_path / "o"), "-q", debug=False)
    assert r.returncode == 2 and r.stderr == (f"livecut: error: {p}: image is {w}x{h} (240.0 megapixels); livecut "
                                              "handles at most 200 megapixels: scale it down first, to 14605x13693 "
                                              "or smaller\n"), r.stderr


def test_a_photo_too_large_stored_sideways_says_its_size_upright(tmp_path):
    """A photo over the limit stored sideways, its EXIF (or a TIFF's own) orientation 6 saying so
    (a portrait of 15000x16000 upright, as every viewer shows it and as livecut reads it), said its
    size as stored, 'image is 15000x16000 ... scale it down first, to 13693x14605', where one too
    small says its upright size ('image is 640x1'). It says it upright, and the size to scale it
    down to upright, as a photo of that size stored upright says it."""
    from PIL import Image

    exif = Image.Exif()
    exif[274] = 6
    stored = Image.fromarray(np.zeros((48, 64, 3), np.uint8))  # (64 wide: its size patched below)
    files = {}
    for ext in ("jpg", "png", "webp"):
        path = tmp_path / f"small.{ext}"
        stored.save(path, exif=exif.tobytes(), **({"lossless": True} if ext == "webp" else {}))
        data = bytearray(path.read_bytes())
        if ext == "jpg":  # (SOF0: precision, height, width)
            at = data.find(b"\xff\xc0") + 5
            data[at:at + 4] = struct.pack(">HH", 16000, 15000)
        elif ext == "png":  # (IHDR: width, height)
            data[16:24] = struct.pack(">II", 15000, 16000)
        else:  # (VP8X: width - 1, height - 1, 24 bits each)
            assert data[12:16] == b"VP8X", bytes(data[:40])
            data[24:30] = (15000 - 1).to_bytes(3, "little") + (16000 - 1).to_bytes(3, "little")
        files[f"sideways.{ext}"] = bytes(data)
    entries = [(256, 4, 15000), (257, 4, 16000), (258, 3, 8), (262, 3, 1), (273, 4, 200), (274, 3, 6), (277, 3, 1),
               (279, 4, 15000 * 16000)]
    files["sideways.tif"] = (b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHI", t, k, 1) + struct.pack({3: "<H", 4: "<I"}[k], v).ljust(4, b"\0") for t, k, v in entries)
        + struct.pack("<I", 0) + bytes(100))
    for name, data in files.items():
        p = _write_bytes(tmp_path / name, data)
        r = invoke("image", p, "-o", tmp_path / "o", "-q")
        assert r.exit_code == 2 and r.stderr == (f"livecut: error: {p}: image is 16000x15000 (240.0 megapixels); livecut "
                                                 "handles at most 200 megapixels: scale it down first, to 14605x13693 "
                                                 "or smaller\n"), r.output


def test_an_avif_too_large_says_its_size(tmp_path):
    """An AVIF over the limit was refused by the decoder's check without its size ('image is
    larger than livecut's limit'); its primary picture's size (ispe) is read and said as a
    JPEG's is.  One within it is read, its size as before."""
    from livecut.imageio import read_image

    ok, coded = cv2.imencode(".avif", np.full((64, 96, 3), 128, np.uint8))
    assert ok
    data = bytearray(coded.tobytes())
    at = data.find(b"ispe")  # (type, version and flags, width, height)
    assert at > 0 and data.count(b"ispe") == 1
    assert read_image(_write_bytes(tmp_path / "small.avif", bytes(data))).shape[:2] == (64, 96)
    _said_too_large(tmp_path, data, at + 8, "big.avif")


def _said_too_large(tmp_path, data: bytearray, at: int, name: str) -> None:
    """``data``, a coded photo, with 16000 and 15000 written big-endian at ``at`` (its stated
    width and height), cut by `livecut image`: refused before it is decoded, saying its size."""
    data[at:at + 8] = struct.pack(">II", 16000, 15000)
    p = _write_bytes(tmp_path / name, bytes(data))
    r = _run("image", str(p), "-o", str(tmp_path / "o"), "-q", debug=False)
    assert r.returncode == 2 and r.stderr == (f"livecut: error: {p}: image is 16000x15000 (240.0 megapixels); livecut "
                                              "handles at most 200 megapixels: scale it down first, to 14605x13693 "
                                              "or smaller\n"), r.stderr


def test_a_jpeg_2000_too_large_says_its_size(tmp_path):
    """A JPEG 2000 over the limit (a scanned map's, 16000x15000) was refused by OpenCV's own check,
    4.7 s and 570 MB into its decoder, without its size ('image is too large'); its codestream's
    size (SIZ) is read, in a JP2 or bare, and said as a JPEG's is, before it is decoded.  One within
    it is read as before."""
    from livecut.imageio import _peek_size, read_image

    if cv2.imencode(".jp2", np.zeros((16, 16), np.uint8))[1] is None:
        pytest.skip("this OpenCV writes no JPEG 2000")
    ok, coded = cv2.imencode(".jp2", np.full((64, 96, 3), 128, np.uint8))
    assert ok
    data = bytearray(coded.tobytes())
    at = data.find(b"\xff\x4f\xff\x51")  # (SOC, SIZ: its length and capabilities, then the grid)
    assert at > 0 and _peek_size(np.frombuffer(bytes(data[at:]), np.uint8)) == (96, 64)
    assert read_image(_write_bytes(tmp_path / "small.jp2", bytes(data))).shape[:2] == (64, 96)
    _said_too_large(tmp_path, data, at + 8, "big.jp2")


def test_a_medium_format_photo_is_cut(tmp_path):
    """A Fujifilm GFX100's photo (11648x8736, 102 megapixels) was refused, 'image is 11648x8736;
    livecut handles at most 80 megapixels': it is cut.  In a process of its own, where OpenCV's
    limit is the one livecut sets; a flat gray JPEG (1.2 MB) cut as a mask, so the test is cheap."""
    w, h = 11648, 8736
    p = tmp_path / "gfx100.jpg"
    assert cv2.imwrite(str(p), np.full((h, w), 128, np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 50])
    r = _run("image", str(p), "-o", str(tmp_path / "mask.png"), "-m", "mask", "-q", debug=False)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    head = (tmp_path / "mask.png").read_bytes()[:24]  # (its size from the IHDR: not decoded here)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", head[16:24]) == (w, h)


@pytest.mark.parametrize("w, h", [(11656, 8742), (14204, 10652), (16330, 12247)])
def test_photos_up_to_200_megapixels_are_within_livecut_s_size(w, h):
    """A Hasselblad X2D's (102 megapixels), a Phase One IQ4 150's (151) and a 200-megapixel photo
    are within livecut's size; a pixel more is not (from the array's shape: nothing allocated)."""
    from livecut.errors import ImageSizeError
    from livecut.imageio import check_size

    check_size(np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (h, w, 3)))
    with pytest.raises(ImageSizeError, match=r"image is 12500001x16 \(200.1 megapixels\); livecut handles at most 200 "
                                             "megapixels: cut it into parts of at most 200 megapixels first"):
        check_size(np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (16, 12_500_001, 3)))


def test_all_bad_inputs_together(tmp_path, good, bad):
    missing = tmp_path / "missing.png"
    empty_dir = tmp_path / "nothing_here"
    empty_dir.mkdir()
    (empty_dir / "readme.txt").write_text("no images")
    args = [*bad.values(), missing, empty_dir, str(tmp_path / "nomatch" / "*.png"), good["a.jpg"], good["b.png"]]
    out = tmp_path / "o"
    r = invoke("image", *args, "-o", out)
    assert r.exit_code == 2
    errors = [ln for ln in _stderr_lines(r) if ln.startswith("livecut: error: ")]
    assert len(errors) == len(bad) + 3, errors
    for p in (*bad.values(), missing, empty_dir):
        assert any(str(p) in ln for ln in errors), p
    assert any("matches no images" in ln for ln in errors)
    assert any("holds no images" in ln for ln in errors)
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png"]
    assert f"2 written to {out}, {len(bad) + 3} failed" in r.stderr
    _no_traceback(r)


@pytest.mark.parametrize("kind", ["gray", "gray16", "rgb16", "alpha", "gray_alpha", "gray_alpha16", "rgba16",
                                  "bgr_bmp", "tiff16"])
def test_unusual_formats_are_processed(tmp_path, scene, kind):
    img, _ = scene
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    p = tmp_path / f"{kind}.png"
    if kind == "gray":
        cv2.imwrite(str(p), gray)
    elif kind == "gray16":
        cv2.imwrite(str(p), gray.astype(np.uint16) * 257)
    elif kind == "rgb16":
        cv2.imwrite(str(p), img.astype(np.uint16) * 257)
    elif kind == "alpha":
        cv2.imwrite(str(p), cv2.cvtColor(img, cv2.COLOR_BGR2BGRA))
    elif kind == "gray_alpha":
        p.write_bytes(png_bytes(np.dstack([gray, np.full_like(gray, 200)]), 4))
    elif kind == "gray_alpha16":
        g16 = gray.astype(np.uint16) * 257
        p.write_bytes(png_bytes(np.dstack([g16, np.full_like(g16, 65535)]), 4, 16))
    elif kind == "rgba16":
        rgb = img[:, :, ::-1].astype(np.uint16) * 257
        p.write_bytes(png_bytes(np.dstack([rgb, np.full(gray.shape, 65535, np.uint16)]), 6, 16))
    elif kind == "bgr_bmp":
        p = tmp_path / "x.bmp"
        cv2.imwrite(str(p), img)
    elif kind == "tiff16":
        p = tmp_path / "x.tif"
        cv2.imwrite(str(p), img.astype(np.uint16) * 257)
    out = tmp_path / "o"
    r = invoke("image", p, "-o", out, "-q")
    assert r.exit_code == 0, r.output
    res = cv2.imread(str(out / f"{p.stem}.png"), cv2.IMREAD_UNCHANGED)
    assert res.shape == (120, 160, 4) and res.dtype == np.uint8


def _with_orientation(jpg: bytes, orientation: int) -> bytes:
    """``jpg`` with an EXIF APP1 segment whose IFD0 holds only the Orientation tag."""
    tiff = (b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1)
            + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0))
    app1 = b"Exif\x00\x00" + tiff
    return jpg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpg[2:]


@pytest.mark.parametrize("gray", [False, True])
def test_jpeg_exif_orientation_is_applied(tmp_path, scene, gray):
    """A portrait photo stored sideways with EXIF orientation 6 (rotate 90 degrees clockwise to
    show) is cut out upright, as every viewer shows it, not on its side."""
    img, _ = scene  # 160 x 120
    if gray:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 98])
    p = tmp_path / "portrait.jpg"
    p.write_bytes(_with_orientation(jpg.tobytes(), 6))
    out = tmp_path / "o"
    r = invoke("image", p, "-o", out, "-q", "--mode", "cutout")
    assert r.exit_code == 0, r.output
    res = cv2.imread(str(out / "portrait.png"), cv2.IMREAD_UNCHANGED)
    assert res.shape[:2] == (160, 120)
    upright = cv2.rotate(cv2.imdecode(jpg, cv2.IMREAD_COLOR), cv2.ROTATE_90_CLOCKWISE)
    assert np.abs(res[:, :, :3].astype(int) - upright.astype(int)).mean() < 2.0


def test_a_photo_or_folder_named_twice_is_said_cut_once(tmp_path, good, monkeypatch):
    """One photo named twice (`a.jpg ./a.jpg`, a link and its file) or one folder so was cut
    once without a word, '1 written' of two given: a note says it, as `livecut batch`'s, naming
    the output's name where the first name gives it (the link's); --quiet leaves it out."""
    monkeypatch.chdir(good["a.jpg"].parent)
    (good["a.jpg"].parent / "link.jpg").symlink_to("a.jpg")
    r = invoke("image", "a.jpg", "./a.jpg", "-o", tmp_path / "o1")
    assert r.exit_code == 0, r.stderr
    assert "livecut: note: a.jpg and ./a.jpg are one file, given twice: done once\n" in r.stderr, r.stderr
    assert sorted(q.name for q in (tmp_path / "o1").iterdir()) == ["a.png"]
    r = invoke("image", "link.jpg", "a.jpg", "-o", tmp_path / "o2")
    assert r.exit_code == 0, r.stderr
    assert ("livecut: note: link.jpg and a.jpg are one file, given twice: done once (as link.jpg)\n"
            in r.stderr), r.stderr
    assert sorted(q.name for q in (tmp_path / "o2").iterdir()) == ["link.png"]
    r = invoke("image", ".", "./", "-o", tmp_path / "o3")
    assert r.exit_code == 0, r.stderr
    assert "livecut: note: . and ./ are one folder, given twice: done once\n" in r.stderr, r.stderr
    r = invoke("image", "a.jpg", "a.jpg", "-o", tmp_path / "o4", "-q")
    assert r.exit_code == 0 and "given twice" not in r.stderr, r.stderr
    r = invoke("image", "a.jpg", "b.png", "-o", tmp_path / "o5")
    assert r.exit_code == 0 and "given twice" not in r.stderr, r.stderr


def test_a_photo_named_three_times_is_said_once(tmp_path, good, monkeypatch):
    """One photo named three times (`a.jpg ./a.jpg link.jpg`, a link to it) was said in a clause
    for each later name: 'a.jpg and ./a.jpg are one file, given twice; a.jpg and link.jpg are
    one file, given twice: each done once'.  Each file is said once, with all its names."""
    monkeypatch.chdir(good["a.jpg"].parent)
    (good["a.jpg"].parent / "link.jpg").symlink_to("a.jpg")
    r = invoke("image", "a.jpg", "./a.jpg", "link.jpg", "-o", tmp_path / "o1")
    assert r.exit_code == 0, r.stderr
    assert [line for line in r.stderr.splitlines() if "given" in line] == [
        "livecut: note: a.jpg, ./a.jpg and link.jpg are one file, given 3 times: done once (as a.jpg)"], r.stderr
    assert sorted(q.name for q in (tmp_path / "o1").iterdir()) == ["a.png"]
    r = invoke("image", "a.jpg", "b.png", "a.jpg", "./b.png", "a.jpg", "-o", tmp_path / "o2")
    assert r.exit_code == 0, r.stderr
    assert [line for line in r.stderr.splitlines() if "given" in line] == [
        "livecut: note: a.jpg given 3 times; b.png and ./b.png are one file, given twice: each done once"], r.stderr


def test_a_hard_link_to_a_photo_is_its_file(tmp_path, good, monkeypatch):
    """A hard link to a photo (as `jdupes -L` or a backup leaves duplicates) is the photo itself,
    its bytes and all: `livecut image a.jpg hard.jpg`, or their folder, cut it twice, a.png and
    hard.png, where a symbolic link to it is one file, said so and done once.  A hard link is so."""
    d = good["a.jpg"].parent
    monkeypatch.chdir(d)
    os.link("a.jpg", "hard.jpg")
    r = invoke("image", "a.jpg", "hard.jpg", "-o", tmp_path / "o1", "--mode", "mask")
    assert r.exit_code == 0, r.stderr
    assert [line for line in r.stderr.splitlines() if "given" in line] == [
        "livecut: note: a.jpg and hard.jpg are one file, given twice: done once (as a.jpg)"], r.stderr
    assert sorted(q.name for q in (tmp_path / "o1").iterdir()) == ["a.png"]
    r = invoke("image", d, "-o", tmp_path / "o2", "--mode", "mask")  # (a folder: as a symbolic link there)
    assert r.exit_code == 0, r.stderr
    assert sorted(q.name for q in (tmp_path / "o2").iterdir()) == ["a.png", "b.png"]

def test_an_input_cut_into_its_own_folder_is_named_once(tmp_path, good, monkeypatch):
    """`livecut image b.png -o .` in the photo's folder: its output, b.png, is the input; the line
    said the name twice, 'b.png: b.png: output b.png would overwrite an input'."""
    monkeypatch.chdir(good["b.png"].parent)
    r = invoke("image", "b.png", "-o", ".", "-q")
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if "would overwrite an input" in ln]
    assert lines == ["livecut: error: b.png: output b.png would overwrite an input; choose another -o"], r.stderr


def test_output_never_overwrites_an_input(tmp_path, good):
    d = good["b.png"].parent
    before = good["b.png"].read_bytes()
    r = invoke("image", good["b.png"], good["a.jpg"], "-o", d, "-q")
    assert r.exit_code == 2
    assert good["b.png"].read_bytes() == before
    assert "would overwrite an input" in r.stderr and str(good["b.png"]) in r.stderr
    assert (d / "a.png").is_file()  # a.jpg -> a.png is fine
    _no_traceback(r)
    # the same via the folder itself: b.png is an input, a.png now is one too
    before_a = (d / "a.png").read_bytes()
    r = invoke("image", d, "-o", d, "-q")
    assert r.exit_code == 2
    assert good["b.png"].read_bytes() == before and (d / "a.png").read_bytes() == before_a


@pytest.mark.parametrize("again", [(), ("--skip-existing",), ("--force",)])
def test_a_folder_cut_into_itself_twice_is_one_refusal_not_its_results_cut(tmp_path, good, again):
    """`livecut image shoot/ -o shoot/` writes a.png beside a.jpg; run again, the folder's
    a.png was taken for a photo: each photo's output 'would overwrite an input' and each
    result its own, '0 written, 4 failed', --skip-existing and --force alike.  livecut cannot
    tell a result from a photo there (a.png may be a photo: it is never written over): the
    run is refused up front, in one line, saying what to do."""
    shoot = good["a.jpg"].parent
    (good["b.png"]).rename(shoot / "b.jpg")
    cv2.imwrite(str(shoot / "b.jpg"), cv2.imread(str(good["a.jpg"])))
    r = invoke("image", shoot, "-o", shoot, "-q")
    assert r.exit_code == 0, r.output
    before = {q.name: q.read_bytes() for q in shoot.iterdir()}
    assert sorted(before) == ["a.jpg", "a.png", "b.jpg", "b.png"]
    r = invoke("image", shoot, "-o", shoot, "-q", *again)
    assert r.exit_code == 2, r.output
    assert _stderr_lines(r) == [f"livecut: error: -o {shoot}: the output folder is a folder of photos given, and "
                                f"holds {shoot / 'a.png'}, the output of {shoot / 'a.jpg'} (a run before?), which "
                                f"would be cut as a photo: write the results elsewhere (-o {shoot / 'cut'}{os.sep}), "
                                f"or name the photos ({shoot / '*.jpg'})"], r.stderr
    assert {q.name: q.read_bytes() for q in shoot.iterdir()} == before
    # named, the photos are cut as before (their outputs there already)
    r = invoke("image", shoot / "*.jpg", "-o", shoot, "--skip-existing", "-q")
    assert r.exit_code == 0, r.output


def test_output_never_overwrites_the_background_image_by_another_name(tmp_path, good):
    """-o naming the background picture's own file by a name resolve() does not lead to (a bind
    mount of its folder: the composite was renamed over the picture, exit 0; another hard link of
    it) 'would overwrite the background image', as its own name does."""
    bg = tmp_path / "bg.png"
    cv2.imwrite(str(bg), np.full((40, 60, 3), (30, 160, 60), np.uint8))
    before = bg.read_bytes()
    os.link(bg, tmp_path / "alias.png")
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "alias.png", "-b", f"image:{bg}", "--force", "-q")
    assert r.exit_code == 2 and "would overwrite the background image" in r.stderr, r.stderr
    assert os.path.samefile(bg, tmp_path / "alias.png")
    view = tmp_path / "view"
    view.mkdir()
    if os.geteuid() == 0 and subprocess.run(["mount", "--bind", str(tmp_path), str(view)],
                                            capture_output=True).returncode == 0:
        try:
            r = invoke("image", good["a.jpg"], "-o", view / "bg.png", "-b", f"image:{bg}", "--force", "-q")
            assert r.exit_code == 2 and "would overwrite the background image" in r.stderr, r.stderr
        finally:
            subprocess.run(["umount", str(view)], check=True)
    assert bg.read_bytes() == before


def test_output_never_overwrites_the_background_image(tmp_path, good, scene):
    """-b image:PATH names an input too: --force (which never writes over an input) must not
    write the composite over the picture it was composed on, as -o FILE or as OUTDIR/<stem>.png."""
    bg = tmp_path / "bg.png"
    cv2.imwrite(str(bg), np.full((40, 60, 3), (30, 160, 60), np.uint8))
    before = bg.read_bytes()
    r = invoke("image", good["a.jpg"], "-o", bg, "-b", f"image:{bg}", "--force", "-q")
    assert r.exit_code == 2, r.output
    assert bg.read_bytes() == before
    assert "would overwrite the background image" in r.stderr
    _no_traceback(r)
    # as OUTDIR/<stem>.png: a.jpg -> tmp_path/a.png, the background's name
    bg2 = tmp_path / "a.png"
    bg2.write_bytes(before)
    r = invoke("image", good["a.jpg"], "-o", tmp_path, "-b", f"image:{bg2}", "--force", "-q")
    assert r.exit_code == 2, r.output
    assert bg2.read_bytes() == before
    # another output name is fine
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "cut.png", "-b", f"image:{bg}", "-q")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "cut.png").is_file() and bg.read_bytes() == before


def test_same_stem_twice(tmp_path, scene):
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        cv2.imwrite(str(tmp_path / sub / "p.png"), scene[0])
    r = invoke("image", tmp_path / "x" / "p.png", tmp_path / "y" / "p.png", "-o", tmp_path / "o", "-q")
    assert r.exit_code == 2 and "already written" in r.stderr
    assert (tmp_path / "o" / "p.png").is_file()


def test_two_photos_of_one_name_in_two_folders_are_refused_saying_how_to_cut_both(tmp_path, scene):
    """A camera numbers its photos again on each card or folder (DCIM/100CANON/IMG_0001.JPG,
    DCIM/101CANON/IMG_0001.JPG): `livecut image 'DCIM/**' -o cut/` refused the second with
    'output cut/IMG_0001.png was already written for ... (same file name)' and no word of how to
    cut it, where two names that differ only in case are answered 'rename one, or cut them into
    two folders'.  It says so too, and names `livecut batch`, which mirrors the tree (not of two
    photos of one folder, x.jpg and x.tif, which it refuses too)."""
    dcim = tmp_path / "DCIM"
    for sub in ("100CANON", "101CANON"):
        (dcim / sub).mkdir(parents=True)
        cv2.imwrite(str(dcim / sub / "IMG_0001.JPG"), scene[0])
    out = tmp_path / "cut"
    r = invoke("image", f"{dcim}/**", "-o", out, "-q")
    assert r.exit_code == 2, r.output
    first, second = dcim / "100CANON" / "IMG_0001.JPG", dcim / "101CANON" / "IMG_0001.JPG"
    assert _stderr_lines(r) == [
        f"livecut: error: {second}: output {out / 'IMG_0001.png'} was already written for {first} (same file "
        "name); rename one, or cut them into two folders (`livecut batch` mirrors the tree)"], r.stderr
    assert sorted(f.name for f in out.iterdir()) == ["IMG_0001.png"]
    # (two of one folder, x.jpg and x.tif: `livecut batch` would refuse them too, and is not named)
    cv2.imwrite(str(tmp_path / "x.jpg"), scene[0])
    cv2.imwrite(str(tmp_path / "x.tif"), scene[0])
    r = invoke("image", tmp_path / "x.jpg", tmp_path / "x.tif", "-o", tmp_path / "cut2", "-q")
    assert r.exit_code == 2, r.output
    assert _stderr_lines(r) == [
        f"livecut: error: {tmp_path / 'x.tif'}: output {tmp_path / 'cut2' / 'x.png'} was already written for "
        f"{tmp_path / 'x.jpg'} (same file name); rename one, or cut them into two folders"], r.stderr


def test_a_video_or_sidecar_beside_the_photo_of_its_name_is_said_for_what_it_is(tmp_path, scene):
    """`livecut image card/*` over an iPhone's Live Photo (IMG_1.JPG beside its video IMG_1.MOV)
    or a Lightroom folder (IMG_2.xmp beside IMG_2.JPG): the video and the sidecar were refused
    as 'output out/IMG_1.png was already written for IMG_1.JPG (same file name)', 'rename one',
    where alone they are said to be a video and not an image.  They are said so beside the photo
    too; two photos of one name are refused as before.  The sidecar was 'not an image, or
    truncated/corrupt', as a damaged photo is: it is said to be a sidecar (Lightroom's, and
    darktable's, which opens with an XML declaration)."""
    card = tmp_path / "card"
    card.mkdir()
    for name in ("IMG_1.JPG", "IMG_2.JPG", "IMG_3.JPG", "img_3.png"):
        cv2.imwrite(str(card / name), scene[0])
    mov = _write_bytes(card / "IMG_1.MOV", b"\0\0\0\x14ftypqt  \0\0\0\0qt  " + bytes(64))
    xmp = _write_bytes(card / "IMG_2.xmp", b'<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>\n')
    dt = _write_bytes(card / "IMG_3.JPG.xmp", b'<?xml version="1.0" encoding="UTF-8"?>\n<x:xmpmeta '
                      b'xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">\n</x:xmpmeta>\n')
    out = tmp_path / "o"
    r = invoke("image", *sorted(card.iterdir()), "-o", out, "-q")
    assert r.exit_code == 2, r.output
    assert _stderr_lines(r) == [
        f"livecut: error: {mov}: a video, not an image (cut a video with: livecut file {mov} -o OUT.mp4)",
        f"livecut: error: {xmp}: an XMP sidecar (a photo's metadata, text), not an image",
        f"livecut: error: {dt}: an XMP sidecar (a photo's metadata, text), not an image",
        f"livecut: error: {card / 'img_3.png'}: output {out / 'img_3.png'} differs only in case from "
        f"{out / 'IMG_3.png'}, written for {card / 'IMG_3.JPG'}: one name on file systems that ignore case (macOS, "
        "Windows); rename one, or cut them into two folders"], r.stderr
    assert sorted(f.name for f in out.iterdir()) == ["IMG_1.png", "IMG_2.png", "IMG_3.png"]


def test_outputs_that_differ_only_in_case_are_refused(tmp_path, scene):
    """x/A.jpg and y/a.jpg: out/A.png and out/a.png, two files on Linux but one on a file system
    that ignores case (macOS, Windows), where the second was refused only once cut ("exists"),
    or with --force replaced the first without a word.  Refused as the same name is, wherever
    the run is (an output folder is copied, synced, shared)."""
    for sub, name in (("x", "A.jpg"), ("y", "a.jpg"), ("z", "b.jpg")):
        (tmp_path / sub).mkdir()
        cv2.imwrite(str(tmp_path / sub / name), scene[0])
    out = tmp_path / "o"
    r = invoke("image", tmp_path / "x" / "A.jpg", tmp_path / "y" / "a.jpg", tmp_path / "z" / "b.jpg", "-o", out,
               "--force", "-q")
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == (f"livecut: error: {tmp_path / 'y' / 'a.jpg'}: output {out / 'a.png'} differs only in "
                                f"case from {out / 'A.png'}, written for {tmp_path / 'x' / 'A.jpg'}: one name on "
                                "file systems that ignore case (macOS, Windows); rename one, or cut them into "
                                "two folders")
    assert sorted(p.name for p in out.iterdir()) == ["A.png", "b.png"]


def test_outputs_one_only_in_their_accents_form_are_said_as_such(tmp_path, scene):
    """A Mac's copy (cafe\u0301.jpg, its accent decomposed) beside the same name typed on Linux
    (caf\u00e9.jpg): refused as one name on macOS, but as 'output .../caf\u00e9.png differs only in
    case from .../cafe\u0301.png', two names that print alike and have no case to differ in."""
    nfd, nfc = "cafe\u0301", "caf\u00e9"
    for sub, name in (("x", nfd), ("y", nfc)):
        (tmp_path / sub).mkdir()
        cv2.imwrite(str(tmp_path / sub / f"{name}.jpg"), scene[0])
    out = tmp_path / "o"
    r = invoke("image", tmp_path / "x" / f"{nfd}.jpg", tmp_path / "y" / f"{nfc}.jpg", "-o", out, "-q")
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == (f"livecut: error: {tmp_path / 'y' / nfc}.jpg: output {out / nfc}.png is "
                                f"{out / nfd}.png with its accents in another Unicode form (composed or "
                                f"decomposed), written for {tmp_path / 'x' / nfd}.jpg: one name on macOS; "
                                "rename one, or cut them into two folders")
    assert [p.name for p in out.iterdir()] == [f"{nfd}.png"]


@pytest.mark.parametrize("there", [False, True])
def test_an_output_name_too_long_is_refused_before_the_cut(tmp_path, good, there):
    """-o new/NAME.png of a name over 255 bytes (a long caption pasted as the name) in a folder
    still to be made was cut, then 'cannot write: File name too long', exit 1, with the folder
    made and left empty; in a folder there, 'cannot write there: File name too long', exit 1.
    Both are bad input, as `livecut file` says it: refused before the cut, exit 2."""
    folder = tmp_path / "new"
    if there:
        folder.mkdir()
    out = folder / ("q" * 252 + ".png")
    r = invoke("image", good["a.jpg"], "-o", out)
    assert r.exit_code == 2, r.output
    assert r.stderr == f"livecut: error: {out}: file name too long\n", r.stderr
    assert (not any(folder.iterdir())) if there else not folder.exists()


def test_an_input_whose_output_name_is_too_long_is_refused_before_the_cut(tmp_path, good):
    """A photo of no extension and a 252-byte name (a long caption saved as the name) has an
    output NAME.png of 256 bytes: it was cut, then 'cannot write: File name too long', exit 1.
    It is bad input, refused before the cut (exit 2); the other photo is cut."""
    import shutil

    long = tmp_path / ("y" * 252)
    shutil.copy(good["a.jpg"], long)
    out = tmp_path / "o"
    r = invoke("image", long, good["b.png"], "-o", out, "-q")
    assert r.exit_code == 2, r.output
    assert _stderr_lines(r) == [f"livecut: error: {long}: its output {'y' * 252}.png is a file name too long "
                                "(256 bytes, at most 255): rename the photo, or cut it alone into a file of a "
                                "shorter name (-o cut.png)"]
    assert [p.name for p in out.iterdir()] == ["b.png"]


def test_output_is_a_file(tmp_path, good):
    f = tmp_path / "file.txt"
    f.write_text("x")
    r = invoke("image", good["b.png"], "-o", f)
    assert r.exit_code == 2 and "not a folder" in r.stderr
    _no_traceback(r)


def test_only_bad_inputs(tmp_path):
    r = invoke("image", tmp_path / "nope.png", "-o", tmp_path / "o", "-q")
    assert r.exit_code == 2
    assert _stderr_lines(r) == [f"livecut: error: {tmp_path / 'nope.png'}: file not found"]


def test_one_failed_input_is_one_line(tmp_path):
    """One input that failed printed its error, then "0 written to o, 1 failed" (not --quiet):
    one line for one input; with several inputs the summary stays."""
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x00\x01\x02junk")  # (binary junk: a text file is said to be one)
    r = invoke("image", bad, "-o", tmp_path / "o")
    assert r.exit_code == 2
    assert _stderr_lines(r) == [f"livecut: error: {bad}: not an image, or truncated/corrupt"]
    r = invoke("image", bad, tmp_path / "nope.png", "-o", tmp_path / "o")
    assert r.exit_code == 2 and _stderr_lines(r)[-1] == f"0 written to {tmp_path / 'o'}, 2 failed"


# ---------------------------------------------------------------- config on the command line

def test_set_unknown_key(tmp_path, good):
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "--set", "segment.bogus=1")
    assert r.exit_code == 2
    lines = _stderr_lines(r)
    assert len(lines) == 1 and "segment.bogus" in lines[0]
    assert not (tmp_path / "o").exists()
    _no_traceback(r)


def test_set_out_of_range(tmp_path, good):
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "--set", "segment.threshold=3")
    assert r.exit_code == 2 and "segment.threshold" in r.stderr


def test_config_missing_file(tmp_path, good):
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "--config", tmp_path / "missing.toml")
    assert r.exit_code == 2
    assert _stderr_lines(r) == [f"livecut: error: {tmp_path / 'missing.toml'}: config file not found"]


def test_config_file_and_preset(tmp_path, good):
    cfg = tmp_path / "my.toml"
    cfg.write_text('preset = "fast"\n[composite]\nbackground = "color:#0000ff"\n')
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "-m", "composite", "-c", cfg, "-q")
    assert r.exit_code == 0, r.output
    img = cv2.imread(str(tmp_path / "o" / "b.png"))
    assert tuple(img[0, 0]) == (255, 0, 0)
    r = invoke("image", good["b.png"], "-o", tmp_path / "o2", "-c", "quality", "-q")
    assert r.exit_code == 0, r.output
    r = invoke("image", good["b.png"], "-o", tmp_path / "o3", "-c", "turbo")
    assert r.exit_code == 2 and "unknown preset 'turbo'" in r.stderr


@pytest.mark.parametrize("cmd", [["eval", ".", "."], ["bench", "--size", "64x64", "--frames", "1"]])
def test_set_on_other_commands(cmd):
    r = invoke(*cmd, "--set", "segment.bogus=1")
    assert r.exit_code == 2 and "segment.bogus" in r.stderr
    r = invoke(*cmd, "--config", "missing.toml")
    assert r.exit_code == 2 and "missing.toml" in r.stderr


# ---------------------------------------------------------------- debug tracebacks (real process)

def _run(*args: str, debug: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("LIVECUT_DEBUG", None)
    if debug:
        env["LIVECUT_DEBUG"] = "1"
    return subprocess.run([sys.executable, "-m", "livecut", *args], capture_output=True, text=True,
                          env=env, timeout=60, cwd=str(REPO))


def test_debug_shows_traceback(tmp_path, bad, good):
    args = ("image", str(bad["tiny"]), str(good["b.png"]), "-o", str(tmp_path / "o"), "-q")
    plain = _run(*args, debug=False)
    assert plain.returncode == 2
    assert "Traceback" not in plain.stderr
    assert plain.stderr.strip().splitlines() == [f"livecut: error: {bad['tiny']}: image is 1x1; "
                                                 "livecut needs at least 16x16 pixels"]
    dbg = _run(*args, debug=True)
    assert dbg.returncode == 2
    assert "Traceback" in dbg.stderr and "ImageSizeError" in dbg.stderr
    assert dbg.stderr.strip().splitlines()[-1].startswith("livecut: error: ")
    cfg = _run("image", str(good["b.png"]), "-o", str(tmp_path / "o"), "--set", "segment.bogus=1", debug=True)
    assert cfg.returncode == 2 and "Traceback" in cfg.stderr and "segment.bogus" in cfg.stderr


@pytest.mark.parametrize("value", ["false", "Off", "no", " 0 "])
def test_debug_set_to_false_shows_no_traceback(tmp_path, bad, value):
    """LIVECUT_DEBUG=false (or off, no, 0 with spaces) turned tracebacks on: only '' and '0' were off."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), LIVECUT_DEBUG=value)
    res = subprocess.run([sys.executable, "-m", "livecut", "image", str(bad["tiny"]), "-o", str(tmp_path / "o"), "-q"],
                         capture_output=True, text=True, env=env, timeout=60, cwd=str(REPO))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines() == [f"livecut: error: {bad['tiny']}: image is 1x1; "
                                               "livecut needs at least 16x16 pixels"]


# ---------------------------------------------------------------- eval

@pytest.fixture
def dataset(tmp_path) -> tuple[Path, Path]:
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    for i, variant in enumerate(("basic", "low_contrast", "several")):
        img, gt = make_scene(variant, 240, 180, seed=i)
        cv2.imwrite(str(images / f"{variant}.jpg"), img)
        cv2.imwrite(str(masks / f"{variant}.png"), gt)
    cv2.imwrite(str(images / "unmatched.jpg"), img)  # no mask: skipped
    return images, masks


def test_eval_json(dataset):
    r = invoke("eval", *dataset, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["count"] == 3 and data["method"] == "focusnet"
    assert [row["name"] for row in data["images"]] == ["basic.jpg", "low_contrast.jpg", "several.jpg"]
    for row in data["images"]:
        assert set(row) == {"name", "iou", "f", "mae", "ms"}
        assert 0 <= row["iou"] <= 1 and 0 <= row["f"] <= 1 and 0 <= row["mae"] <= 1 and row["ms"] > 0
    assert data["mean"]["iou"] > 0.7
    assert data["mean"]["iou"] == pytest.approx(np.mean([row["iou"] for row in data["images"]]))


@pytest.mark.parametrize("truth", ["stored", "upright"])
def test_eval_pairs_a_turned_photo_with_its_truth_either_way(tmp_path, truth):
    """A photo with EXIF orientation 6 is scored against a truth drawn on it as stored or as
    shown (it scored against a truth turned the other way before: a mismatch resized)."""
    img, gt = make_scene("basic", 240, 180, seed=0)
    ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    scores = {}
    for tagged in (False, True):
        images, masks = tmp_path / f"i{tagged}", tmp_path / f"m{tagged}"
        images.mkdir()
        masks.mkdir()
        (images / "a.jpg").write_bytes(_with_orientation(jpg.tobytes(), 6) if tagged else jpg.tobytes())
        t = cv2.rotate(gt, cv2.ROTATE_90_CLOCKWISE) if tagged and truth == "upright" else gt
        cv2.imwrite(str(masks / "a.png"), t)
        r = invoke("eval", images, masks, "--json")
        assert r.exit_code == 0, r.output
        scores[tagged] = json.loads(r.stdout)["mean"]["iou"]
    assert scores[False] > 0.7
    assert scores[True] == pytest.approx(scores[False], abs=0.05)


def test_eval_text_and_canny(dataset):
    r = invoke("eval", *dataset)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("method: focusnet") and "images: 3" in lines[0]
    assert lines[1].split() == ["image", "IoU", "F", "MAE", "ms"]
    assert lines[-1].startswith("mean") and len(lines) == 6
    c = json.loads(invoke("eval", *dataset, "--json", "--set", "segment.method=canny").stdout)
    f = json.loads(invoke("eval", *dataset, "--json").stdout)
    assert c["method"] == "canny" and f["mean"]["iou"] > c["mean"]["iou"]
    # the network that judged: the ensemble for photos (segment.model = auto), one for video frames
    assert lines[0].startswith("method: focusnet (model: ensemble)")
    assert f["model"] == "ensemble" and c["model"] is None
    v = json.loads(invoke("eval", *dataset, "--json", "--video").stdout)
    assert v["model"] == "standard"
    s = json.loads(invoke("eval", *dataset, "--json", "--set", "segment.model=small").stdout)
    assert s["model"] == "small"


@pytest.mark.parametrize("alpha, gt", [
    (np.ones((10, 10), bool), np.full((10, 10), 255, np.uint8)),            # a bool mask: IoU 0
    (np.ones((10, 10), np.float32), np.full((10, 10), 255, np.uint8)),      # alpha in 0..1: IoU 0
    (np.full((10, 10), 255, np.uint8), np.ones((10, 10), bool)),            # a bool truth: empty
    (np.full((10, 10, 1), 255, np.uint8), np.full((10, 10), 255, np.uint8)),
    (np.full((10, 10), 255, np.uint8), np.full((10, 12), 255, np.uint8)),
])
def test_score_refuses_what_is_not_two_uint8_masks_of_one_size(alpha, gt):
    """score() binarises both at 128 of 255: a bool or 0..1 float mask scored as empty (a perfect
    mask IoU 0.0, F 0.0, without a word), and two sizes were a bare ValueError; both are an
    ArrayError (a ValueError still) naming what it got."""
    from livecut.errors import ArrayError
    from livecut.evaluate import score

    with pytest.raises(ArrayError, match="score: expected"):
        score(alpha, gt)


def test_eval_scores_known_masks(tmp_path):
    from livecut.evaluate import score

    gt = np.zeros((10, 10), np.uint8)
    gt[:5] = 255
    s = score(gt.copy(), gt)
    assert s.iou == 1 and s.f == pytest.approx(1) and s.mae == 0
    alpha = np.zeros_like(gt)
    alpha[:5, :5] = 255  # half the subject, no false positive
    s = score(alpha, gt)
    assert s.iou == pytest.approx(0.5)
    p, rc = 1.0, 0.5
    assert s.f == pytest.approx(1.3 * p * rc / (0.3 * p + rc))
    assert s.mae == pytest.approx(0.25)


def test_eval_bad_folders(tmp_path, dataset):
    images, masks = dataset
    r = invoke("eval", tmp_path / "nope", masks)
    assert r.exit_code == 2 and "nope: no such folder" in r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    r = invoke("eval", images, empty)
    assert r.exit_code == 2 and "no image" in r.stderr
    (images / "basic.jpg").write_text("garbage")
    r = invoke("eval", images, masks)
    assert r.exit_code == 2 and "basic.jpg" in r.stderr
    errors = [ln for ln in _stderr_lines(r) if not ln.startswith("livecut: note:")]
    assert len(errors) == 1  # (and a note naming unmatched.jpg, which has no mask)
    assert "unmatched.jpg" in r.stderr
    _no_traceback(r)


# ---------------------------------------------------------------- bench, methods, misc

def test_bench_json():
    r = invoke("bench", "--size", "320x240", "--frames", "5", "--json", "--set", "segment.every=2")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert {"downscale", "cues", "network", "mask", "refine", "composite"} <= set(data["stages_ms"])
    # the one frame is judged anew each time: a repeated frame is a still scene, and
    # segment.still / segment.every would otherwise time a reused judgement (no network)
    assert data["stages_ms"]["network"] > 0 and data["stages_ms"]["cues"] > 0
    assert data["size"] == "320x240" and data["fps"] > 0 and data["total_ms"] > 0
    assert "baseline_ms" in data


def test_bench_text():
    r = invoke("bench", "--size", "160x120", "--frames", "1", "--no-baseline")
    assert r.exit_code == 0, r.output
    assert "fps" in r.stdout and "downscale" in r.stdout and "composite" in r.stdout


@pytest.mark.parametrize("args,match", [(["--size", "big"], "--size 'big'"), (["--size", "8x8"], "16..16384"),
                                        (["--frames", "0"], "--frames")])
def test_bench_bad_args(args, match):
    r = invoke("bench", *args)
    assert r.exit_code == 2 and match in r.stderr
    _no_traceback(r)


def test_methods():
    r = invoke("methods")
    assert r.exit_code == 0
    names = [ln.split()[0] for ln in r.stdout.splitlines() if not ln.startswith("presets:")]
    assert {"focus", "canny"} <= set(names)
    assert "presets: default, fast, quality" in r.stdout


def test_version_and_help():
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout.startswith("livecut ")
    r = invoke("image", "--help")
    assert r.exit_code == 0 and "--mode" in r.stdout


def test_missing_required_args():
    r = invoke("image")
    assert r.exit_code == 2
    r = invoke("image", "x.png")  # no -o
    assert r.exit_code == 2 and "--output" in r.stderr


def test_decoder_noise_does_not_reach_stderr(tmp_path, bad, good):
    """libpng prints its own complaints on file descriptor 2: a real process shows one line per file."""
    files = [str(bad[k]) for k in ("corrupt_png", "trunc_png", "trunc_jpg", "text", "huge_png")]
    r = _run("image", *files, str(good["b.png"]), "-o", str(tmp_path / "o"), "-q", debug=False)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == len(files), lines
    for f, line in zip(files, lines):
        assert line.startswith(f"livecut: error: {f}: ")
    assert "libpng error" in lines[0]  # folded into the message instead
    assert (tmp_path / "o" / "b.png").is_file()


def test_a_corrupt_png_is_said_by_its_error_not_a_warning_before_it(tmp_path):
    """A PNG whose picture data is damaged (a filter byte libpng refuses) after a text chunk
    whose checksum is wrong (libpng warns and drops it): the line said the warning, the first
    thing libpng printed, 'tEXt: CRC error', as if that had made it unreadable."""
    arr = np.full((32, 32, 3), 128, np.uint8)
    good = png_bytes(arr, 2)
    raw = b"".join(b"\7" + arr[y].tobytes() for y in range(32))  # (filter type 7: there is none)
    text = b"Comment\0hello"
    bad_text = struct.pack(">I", len(text)) + b"tEXt" + text + b"\0\0\0\0"
    head = good[:8 + 25]  # (the signature and IHDR)
    f = tmp_path / "a.png"
    f.write_bytes(head + bad_text + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b""))
    r = invoke("image", f, "-o", tmp_path / "o", "-q")
    assert r.exit_code == 2
    assert "bad adaptive filter value" in r.stderr and "CRC" not in r.stderr, r.stderr
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- front door (issue 9)

def test_background_alone_implies_composite(tmp_path, good):
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "-b", "color:#00ff00", "-q")
    assert r.exit_code == 0, r.output
    img = cv2.imread(str(tmp_path / "o" / "b.png"), cv2.IMREAD_UNCHANGED)
    assert img.ndim == 3 and img.shape[2] == 3 and tuple(img[0, 0]) == (0, 255, 0)
    assert "warning" not in r.stderr


@pytest.mark.parametrize("mode", ["cutout", "mask"])
def test_background_with_a_mode_that_ignores_it_warns(tmp_path, good, mode):
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "--mode", mode, "-b", "color:#00ff00", "-q")
    assert r.exit_code == 0, r.output
    warnings = [ln for ln in _stderr_lines(r) if ln.startswith("livecut: warning:")]
    assert len(warnings) == 1 and "--background" in warnings[0] and "ignored" in warnings[0]


def test_no_output_folder_when_every_input_fails(tmp_path, bad):
    out = tmp_path / "never"
    r = invoke("image", bad["text"], tmp_path / "nope.png", "-o", out, "-q")
    assert r.exit_code == 2
    assert not out.exists()


def test_output_folder_made_for_the_first_good_image(tmp_path, good):
    out = tmp_path / "deep" / "er"
    r = invoke("image", good["b.png"], "-o", out, "-q")
    assert r.exit_code == 0, r.output
    assert (out / "b.png").is_file()


def test_the_folder_of_one_output_file_that_is_not_there_is_refused_as_livecut_file_refuses_it(tmp_path, good):
    """`livecut image a.jpg -o nodir/cut.png` made nodir/ (a typo in a folder's name, made
    without a word) where `livecut file in.mp4 -o nodir/out.mp4` says "folder nodir does not
    exist": it says so too, before the photo is cut, and makes nothing; a folder -o names is
    made, with those above it, as before."""
    out = tmp_path / "nodir" / "cut.png"
    r = invoke("image", good["b.png"], "-o", out)
    assert r.exit_code == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"livecut: error: {out}: folder {out.parent} does not exist"], r.stderr
    assert not out.parent.exists()
    (tmp_path / "gone").symlink_to(tmp_path / "moved")  # (a link to a folder moved: named)
    r = invoke("image", good["b.png"], "-o", tmp_path / "gone" / "cut.png", "-q")
    assert r.exit_code == 2 and f"gone is a link to {tmp_path / 'moved'}, which is not there" in r.stderr, r.stderr
    r = invoke("image", good["b.png"], "-o", f"{tmp_path / 'nodir' / 'cut'}/", "-q")
    assert r.exit_code == 0 and (tmp_path / "nodir" / "cut" / "b.png").is_file(), r.output


# ---------------------------------------------------------------- real-world files (audit)

def _cutout(tmp_path, src, *args):
    out = tmp_path / "o"
    r = invoke("image", src, "-o", out, "-q", "--force", *args)
    assert r.exit_code == 0, r.output
    return cv2.imread(str(out / f"{Path(src).stem}.png"), cv2.IMREAD_UNCHANGED)


def test_input_transparency_stays_transparent(tmp_path, scene):
    """An RGBA photo's own transparent parts stay transparent (the cut is combined with it)."""
    img, _ = scene
    ref = _cutout(tmp_path, _write(tmp_path / "ref.png", img))
    assert ref[:, :80, 3].max() == 255  # the subject shows on the left
    rgba = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    rgba[:, :80, 3] = 0
    rgba[:, 80:100, 3] = 128
    res = _cutout(tmp_path, _write(tmp_path / "rgba.png", rgba))
    assert res[:, :80, 3].max() == 0
    assert res[:, 80:100, 3].max() <= 129
    # (judged as it shows, over a fill where it is transparent: the cut may differ near that edge)
    assert (np.abs(res[:, 80:100, 3].astype(int) - ref[:, 80:100, 3] // 2) <= 1).mean() > 0.9
    assert np.array_equal(res[:, 110:, 3], ref[:, 110:, 3])


@pytest.mark.parametrize("shape", ["oval", "band"])
def test_the_colours_hidden_under_a_pictures_transparency_do_not_change_its_cut(tmp_path, shape):
    """The engine judged the colours stored under a PNG's transparent pixels, which nothing
    shows: the same picture with other hidden colours (noise, white, black) was cut otherwise
    where it shows.  It judges the picture as it shows: the cutouts are the same, and the
    cutout's colours stay those stored."""
    img, gt = make_scene("basic", 320, 240, seed=1)
    own = np.zeros(gt.shape, np.uint8)
    if shape == "oval":  # (rounded corners, as a vignette or a sticker leaves them)
        cv2.ellipse(own, (160, 120), (144, 108), 0, 0, 360, 255, -1)
    else:  # (a band erased, through the subject)
        own[:] = 255
        own[:, :96] = 0
        own[:, 96:104] = 128
    hidden = own == 0
    cuts = []
    for i, fill in enumerate(["as stored", "noise", "white", "black"]):
        rgba = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
        rgba[:, :, 3] = own
        if fill == "noise":
            rgba[hidden, :3] = np.random.default_rng(7).integers(0, 256, (int(hidden.sum()), 3), dtype=np.uint8)
        elif fill != "as stored":
            rgba[hidden, :3] = 255 if fill == "white" else 0
        cut = _cutout(tmp_path, _write(tmp_path / f"p{i}.png", rgba))
        shows = own == 255
        assert np.array_equal(cut[shows, :3], img[shows]), fill  # (its colours as stored)
        kept, truth = cut[:, :, 3] >= 128, (gt > 127) & (own >= 128)
        assert np.count_nonzero(kept & truth) / np.count_nonzero(kept | truth) > 0.95, fill
        cuts.append(cut[:, :, 3].astype(int))
    for fill, cut in zip(["noise", "white", "black"], cuts[1:]):
        assert np.abs(cut - cuts[0]).max() <= 1, fill


def test_side_by_side_of_a_transparent_png_shows_it_as_seen(tmp_path, scene):
    """The photo's half of a side-by-side showed the colours under a PNG's transparent pixels
    (red here, as an editor may leave them); it shows the photo over black, as the composite's
    half shows a transparent background; the composite's half shows the background there."""
    img, _ = scene
    rgba = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    rgba[:, :40] = (0, 0, 255, 0)
    src = _write(tmp_path / "rgba.png", rgba)
    out = tmp_path / "o"
    r = invoke("image", src, "-o", out, "-q", "--mode", "side-by-side", "-b", "color:#00ff00")
    assert r.exit_code == 0, r.output
    res = cv2.imread(str(out / "rgba.png"), cv2.IMREAD_UNCHANGED)
    w = img.shape[1]
    assert res.shape == (img.shape[0], 2 * w, 3)
    assert res[:, :40].max() == 0 and np.array_equal(res[:, 40:w], img[:, 40:])
    assert np.all(res[:, w:w + 40] == (0, 255, 0))


@pytest.mark.parametrize("how", [("-m", "composite"), ("-b", "blur")])
def test_a_cut_out_png_over_the_blur_background_is_not_black_where_it_is_transparent(tmp_path, scene, how):
    """`livecut image cut.png -m composite` of a picture already cut out (its own transparency)
    over the blur background came out black where it is transparent (the background made of it
    as seen over black); it shows its visible colours blurred there, out of the blur's reach
    their mean, the colours hidden under its transparency (red here) in none of it; an opaque
    picture's output is as it was, the same as of the picture without an alpha channel."""
    img, _ = scene
    rgba = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    rgba[:, :60] = (0, 0, 255, 0)
    out = tmp_path / "o"
    r = invoke("image", _write(tmp_path / "cut.png", rgba), "-o", out, "-q", *how)
    assert r.exit_code == 0, r.output
    res = cv2.imread(str(out / "cut.png"), cv2.IMREAD_UNCHANGED)
    assert res.shape == img.shape
    shown = img[:, 60:].reshape(-1, 3).mean(axis=0)
    clear = res[:, :60].astype(int)
    assert clear.min() > 15 and np.abs(clear[:, :30] - shown).max() <= 12  # (blurred: near the mean)
    opaque = _write(tmp_path / "opaque.png", cv2.cvtColor(img, cv2.COLOR_BGR2BGRA))
    plain = _write(tmp_path / "plain.png", img)
    assert invoke("image", opaque, plain, "-o", out, "-q", *how).exit_code == 0
    assert cv2.imread(str(out / "opaque.png")).tobytes() == cv2.imread(str(out / "plain.png")).tobytes()


@pytest.mark.parametrize("mode", ["mask", "cutout"])
def test_a_mode_that_shows_no_background_does_not_need_its_file(tmp_path, good, mode):
    """`livecut image x.jpg --mode mask -b image:missing.png` said that the background is ignored,
    then failed for it: 'file not found' (exit 2).  A mask or cutout is written as without -b
    (the warning stays); a composite still needs the picture."""
    missing = tmp_path / "missing.png"
    ref = tmp_path / "ref"
    assert invoke("image", good["a.jpg"], "-o", f"{ref}/", "--mode", mode, "-q").exit_code == 0
    out = tmp_path / "o"
    r = invoke("image", good["a.jpg"], "-o", f"{out}/", "--mode", mode, "-b", f"image:{missing}", "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [f"livecut: warning: --background is for --mode composite or side-by-side; --mode {mode} "
                                f"writes {'the mask' if mode == 'mask' else 'transparency'}, so it is ignored"]
    assert (out / "a.png").read_bytes() == (ref / "a.png").read_bytes()
    r = invoke("image", good["a.jpg"], "-o", f"{out}/", "--mode", "composite", "-b", f"image:{missing}", "-q")
    assert r.exit_code == 2 and f"file not found: {missing}" in r.stderr


@pytest.mark.parametrize("background", ["transparent", "none", " None "])
def test_a_transparent_background_with_cutout_is_not_said_to_be_ignored(tmp_path, good, background):
    """-b transparent --mode cutout asks for what a cutout writes: no word; -b none, its other
    name, said the background is ignored."""
    r = invoke("image", good["a.jpg"], "-o", f"{tmp_path}/", "--mode", "cutout", "-b", background, "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == []


#: the frame's own colours in the soft edge (a picture with its own transparency keeps them;
#: one without has them estimated, composite.decontaminate)
_OWN_COLOURS = ("--set", "composite.decontaminate=off")


def test_a_gray_pngs_transparent_value_stays_transparent(tmp_path, scene):
    """A gray PNG says its transparent value in a tRNS chunk, which OpenCV does not apply: the
    hole of a sticker, a scan's paper, came out opaque (the subject's enclosed holes are filled)."""
    img, gt = scene
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    ys, xs = np.nonzero(cv2.erode(gt, np.ones((15, 15), np.uint8)))
    hole = np.zeros_like(gt)
    cv2.circle(hole, (int(xs.mean()), int(ys.mean())), 4, 255, -1)
    gray = np.where(gray == 7, 8, gray).astype(np.uint8)
    gray[hole > 0] = 7
    for depth, pixels, key in ((8, gray, 7), (16, gray.astype(np.uint16) * 257, 7 * 257)):
        plain = png_bytes(pixels, 0, depth)
        ref = _cutout(tmp_path, _write_bytes(tmp_path / f"plain{depth}.png", plain), *_OWN_COLOURS)
        assert ref[hole > 0, 3].min() == 255  # (filled: the hole is enclosed by the subject)
        keyed = plain[:33] + _chunk(b"tRNS", struct.pack(">H", key)) + plain[33:]
        res = _cutout(tmp_path, _write_bytes(tmp_path / f"keyed{depth}.png", keyed), *_OWN_COLOURS)
        assert res[hole > 0, 3].max() == 0, depth
        # (the rest as before: the hole is judged as it shows, its own colour not seen, and the
        # soft edges of the cut may move by a few levels -- a few pixels along them more: the
        # colours GrabCut settles the unsure band by, segment.grabcut, are the hole's fill's too)
        assert np.array_equal(res[hole == 0, :3], ref[hole == 0, :3]), depth
        moved = np.abs(res[:, :, 3].astype(int) - ref[:, :, 3])[hole == 0]
        assert (moved > 8).mean() < 0.005, depth


def _bmp32(bgra: np.ndarray, header: int = 40, alpha_mask: bool = False, top_down: bool = False) -> bytes:
    """A 32-bit BMP written by hand: ``header`` 40 (BITMAPINFOHEADER, BI_RGB: the 4th byte of a
    pixel 'reserved'), 108 or 124 (V4, V5; ``alpha_mask``: BI_BITFIELDS with the masks of
    B, G, R, A bytes, else BI_RGB); rows bottom-up unless ``top_down``."""
    h, w = bgra.shape[:2]
    pixels = np.ascontiguousarray(bgra if top_down else bgra[::-1]).tobytes()
    info = struct.pack("<IiiHHIIiiII", header, w, -h if top_down else h, 1, 32, 3 if alpha_mask else 0,
                       len(pixels), 2835, 2835, 0, 0)
    if header > 40:
        masks = (0xFF0000, 0xFF00, 0xFF, 0xFF000000) if alpha_mask else (0, 0, 0, 0)
        info += struct.pack("<IIII", *masks) + b"sRGB" + bytes(header - 60)
    offset = 14 + len(info)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + pixels


def test_a_32_bit_bmps_alpha_is_its_alpha_mask_unless_empty(tmp_path, scene):
    """A 32-bit BMP whose V4/V5 header's alpha mask holds 0 everywhere was read fully
    transparent, and cut to nothing: an alpha that is 0 everywhere is none (opaque, as Chromium
    shows it).  An alpha mask's alpha is kept; the 4th byte of a BI_RGB pixel (the 40-byte
    header calls it reserved) is not read, as browsers and GIMP leave it outside an icon."""
    from livecut.imageio import read_image

    img, _ = scene
    bgra = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    bgra[:, :40] = (0, 0, 255, 0)  # (red hidden under the transparency)
    bgra[:, 40:50, 3] = 128
    for name, kw in {"v3": {}, "v3top": {"top_down": True}, "v5rgb": {"header": 124},
                     "v4": {"header": 108, "alpha_mask": True}, "v5": {"header": 124, "alpha_mask": True}}.items():
        got = read_image(_write_bytes(tmp_path / f"{name}.bmp", _bmp32(bgra, **kw)))
        assert np.array_equal(got, bgra if kw.get("alpha_mask") else bgra[:, :, :3]), name
        clear = bgra.copy()
        clear[:, :, 3] = 0  # (an alpha of 0 everywhere: no transparency)
        got = read_image(_write_bytes(tmp_path / f"{name}0.bmp", _bmp32(clear, **kw)))
        assert np.array_equal(got, clear[:, :, :3]), name
    ref = _cutout(tmp_path, _write(tmp_path / "ref.png", bgra))
    assert ref[:, :40, 3].max() == 0
    assert np.array_equal(_cutout(tmp_path, tmp_path / "v5.bmp"), ref)


def _bmp_masked(bgra: np.ndarray, bpp: int, masks: tuple, header: int) -> tuple[bytes, np.ndarray]:
    """A BMP of ``bpp`` (16, 32) bits a pixel stored by bit ``masks`` (R, G, B, A: BI_BITFIELDS,
    the masks after a 40-byte ``header``, in a longer one), and what it holds: ``bgra``'s
    values to each mask's bits and back, round(v * 255 / max), without alpha where A is 0."""
    h, w = bgra.shape[:2]
    word, want = np.zeros((h, w), np.uint32), np.zeros((h, w, 4), np.uint8)
    for i, mask in zip((2, 1, 0, 3), masks):
        if mask:
            shift = (mask & -mask).bit_length() - 1
            top = mask >> shift
            v = (bgra[:, :, i].astype(np.uint32) * top + 127) // 255
            word |= v << shift
            want[:, :, i] = (v * 255 + top // 2) // top
    pixels = word[::-1].astype("<u2" if bpp == 16 else "<u4")
    pixels = np.pad(pixels.view(np.uint8).reshape(h, -1), ((0, 0), (0, (-pixels[0].nbytes) % 4))).tobytes()
    info = struct.pack("<IiiHHIIiiII", header, w, h, 1, bpp, 3, len(pixels), 2835, 2835, 0, 0)
    info += struct.pack("<IIII", *masks)[:12 if header == 40 else 16] + (b"sRGB" + bytes(header - 60) if header > 56 else b"")
    offset = 14 + len(info)
    data = b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + pixels
    return data, want if masks[3] else want[:, :, :3]


def test_a_bmp_of_bit_masks_is_read_by_its_masks(tmp_path, scene):
    """A BMP stored by bit masks (BI_BITFIELDS) was refused as 'not an image, or truncated/corrupt'
    (exit 2) when 16-bit in a V4/V5 header -- GIMP's 16-bit exports, R5G6B5, A1R5G5B5, in its
    default V5 header -- or of 4 bits a channel in any header; and a 32-bit one of the 40-byte
    header was read as B, G, R bytes whatever its masks: R, G, B ones came out red and blue
    swapped.  Each channel is read by its mask now, as browsers and GIMP read it (an alpha mask's
    alpha too, none where it is 0 everywhere)."""
    from livecut.imageio import read_image

    img, _ = scene
    bgra = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    bgra[:, :40, 3] = 0
    bgra[:, 40:50, 3] = 200
    cases = {"565v5": (16, (0xF800, 0x7E0, 0x1F, 0), 124), "1555v5": (16, (0x7C00, 0x3E0, 0x1F, 0x8000), 124),
             "565v3a": (16, (0xF800, 0x7E0, 0x1F, 0), 56), "4444v4": (16, (0xF00, 0xF0, 0xF, 0xF000), 108),
             "444v3": (16, (0xF00, 0xF0, 0xF, 0), 40), "rgb32v3": (32, (0xFF, 0xFF00, 0xFF0000, 0), 40),
             "rgba32v4": (32, (0xFF, 0xFF00, 0xFF0000, 0xFF000000), 108), "odd16": (16, (0xF800, 0x7E0, 0x1F, 0), 124)}
    for name, (bpp, masks, header) in cases.items():
        pic = bgra[:, :157] if name == "odd16" else bgra  # (rows of 314 bytes, padded to 316)
        data, want = _bmp_masked(pic, bpp, masks, header)
        got = read_image(_write_bytes(tmp_path / f"{name}.bmp", data))
        assert got.shape == want.shape and np.array_equal(got, want), name
    clear = bgra.copy()
    clear[:, :, 3] = 0  # (an alpha mask's alpha 0 everywhere: no transparency)
    data, want = _bmp_masked(clear, 16, cases["1555v5"][1], 124)
    assert np.array_equal(read_image(_write_bytes(tmp_path / "clear.bmp", data)), want[:, :, :3])
    r = invoke("image", tmp_path / "1555v5.bmp", "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0, r.output
    assert cv2.imread(str(tmp_path / "o" / "1555v5.png"), cv2.IMREAD_UNCHANGED)[:, :40, 3].max() == 0
    data, _ = _bmp_masked(bgra, 16, cases["565v5"][1], 124)
    r = invoke("image", _write_bytes(tmp_path / "short.bmp", data[:-400]), "-o", tmp_path / "o", "-q")
    assert r.exit_code == 2 and "image file is truncated" in r.stderr


def test_a_fully_transparent_picture_says_nothing_is_cut(tmp_path, scene):
    """A picture whose alpha is 0 everywhere (nothing of it shows) gave an empty cutout without
    a word, exit 0, after the engine judged the colours stored under the transparency.  It is
    not judged; a note says that nothing is cut and what its output is, exit 0 as other notes,
    and its output is what it shows: a cutout transparent all over, an empty mask, the background
    alone (a gray picture with alpha, a 16-bit one alike)."""
    img, _ = scene
    bgra = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    bgra[:, :, 3] = 0
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    for name, data in (("clear.png", cv2.imencode(".png", bgra)[1].tobytes()),
                       ("clear16.png", cv2.imencode(".png", bgra.astype(np.uint16) * 257)[1].tobytes()),
                       ("gray.png", png_bytes(np.dstack((gray, np.zeros_like(gray))), 4))):
        src = _write_bytes(tmp_path / name, data)
        for mode, args, want in (("cutout", [], lambda o: o.shape[2] == 4 and o[:, :, 3].max() == 0),
                                 ("mask", ["--mode", "mask"], lambda o: o.max() == 0),
                                 ("composite", ["-b", "color:#00ff00"], lambda o: np.all(o == (0, 255, 0)))):
            out = tmp_path / mode
            r = invoke("image", src, "-o", out, "--force", *args)
            assert r.exit_code == 0, r.output
            what = {"cutout": "its cutout is transparent all over", "mask": "its mask is empty",
                    "composite": "its composite is the background alone"}[mode]
            lines = [ln for ln in _stderr_lines(r) if "more than 8 bits" not in ln]  # (clear16's own warning)
            assert lines == [f"livecut: note: {src}: the picture is fully transparent (its alpha is 0 everywhere): "
                             f"nothing of it shows, so nothing is cut and {what}; remove its alpha channel first to "
                             "cut the colours stored under it", f"1 written to {out}, 0 failed"], (name, mode)
            assert want(cv2.imread(str(out / f"{src.stem}.png"), cv2.IMREAD_UNCHANGED)), (name, mode)


def test_a_sixteen_bit_picture_of_alpha_under_1_255_is_not_said_to_be_alpha_0_everywhere(tmp_path, scene):
    """A 16-bit picture whose alpha is 0-128 of 65535 (under 1/255 everywhere, 0 at 8 bits) was
    said to be 'fully transparent (its alpha is 0 everywhere)', untrue of its values as read.
    The note says its alpha is under 1/255 everywhere, 0 at the 8 bits livecut works at; its
    output is as empty (a 16-bit TIFF alike); one of alpha 0 everywhere is said as before."""
    img, _ = scene
    bgra = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA).astype(np.uint16) * 257
    bgra[:, :, 3] = 0
    bgra[30:90, 40:120, 3] = 128
    for src in (_write(tmp_path / "faint.png", bgra), _write(tmp_path / "faint.tif", bgra)):
        for mode, args, what in (("cutout", [], "its cutout is transparent all over"),
                                 ("mask", ["--mode", "mask"], "its mask is empty")):
            out = tmp_path / mode
            r = invoke("image", src, "-o", out, "--force", *args)
            assert r.exit_code == 0, r.output
            lines = [ln for ln in _stderr_lines(r) if "more than 8 bits" not in ln]
            assert lines == [f"livecut: note: {src}: the picture is all but fully transparent (its alpha is under "
                             "1/255 everywhere, 0 at the 8 bits a channel livecut works at): nothing of it shows, so "
                             f"nothing is cut and {what}; remove its alpha channel first to cut the colours stored "
                             f"under it", f"1 written to {out}, 0 failed"], (src.name, mode)
            got = cv2.imread(str(out / f"{src.stem}.png"), cv2.IMREAD_UNCHANGED)
            assert (got[:, :, 3] if mode == "cutout" else got).max() == 0, (src.name, mode)


def _write_bytes(path, data):
    path.write_bytes(data)
    return path


def _write(path, img):
    cv2.imwrite(str(path), img)
    return path


def test_sixteen_bit_background_picture(tmp_path, good):
    bg = tmp_path / "bg16.png"
    cv2.imwrite(str(bg), np.full((120, 160, 3), (0, 0, 40000), np.uint16))
    res = _cutout(tmp_path, good["b.png"], "--mode", "composite", "-b", f"image:{bg}")
    assert np.abs(res[0, 0].astype(int) - (0, 0, 40000 >> 8)).max() <= 1  # not 40000 mod 256


def test_ten_bit_ppm_keeps_its_brightness(tmp_path, scene):
    """A PPM of maxval 1023 is read as the same picture as its 8-bit version."""
    img, _ = scene
    rgb10 = img[:, :, ::-1].astype(np.uint32) * 1023 // 255
    p = tmp_path / "ten.ppm"
    p.write_bytes(b"P6\n160 120\n1023\n" + rgb10.astype(">u2").tobytes())
    res = _cutout(tmp_path, p)
    ref = _cutout(tmp_path, _write(tmp_path / "eight.png", img))
    assert ref[:, :, 3].mean() > 10
    assert np.abs(res.astype(int) - ref).mean() < 1.0


@pytest.mark.parametrize("pix_fmt", ["gbrp12le", "gray10le"])
def test_a_jpeg_2000_of_fewer_than_16_bits_keeps_its_brightness(tmp_path, scene, pix_fmt):
    """A 12-bit JPEG 2000 (an archive scan's; 10-bit gray too) was read with its values, 0-4095,
    taken for 16-bit ones: its cutout came out near black (8 of 255 on average), exit 0.  It is
    scaled by its precision (its ihdr box's; a bare codestream's SIZ marker's), as a 12-bit PPM
    is, and cut as its 8-bit version."""
    import shutil

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed")
    img, _ = scene
    gray = pix_fmt.startswith("gray")
    ref = _cutout(tmp_path, _write(tmp_path / "eight.png", cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if gray else img))
    src = tmp_path / "deep.jp2"
    r = subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(tmp_path / "eight.png"), "-c:v", "libopenjpeg",
                        "-pix_fmt", pix_fmt, "-format", "jp2", str(src)], capture_output=True, timeout=60)
    if r.returncode != 0:
        pytest.skip(f"this ffmpeg writes no {pix_fmt} JPEG 2000")
    data = src.read_bytes()
    bare = _write_bytes(tmp_path / "deep.j2k", data[data.index(b"\xff\x4f\xff\x51"):])
    for p in (src, bare):
        res = _cutout(tmp_path, p)
        assert np.abs(res.astype(int) - ref).mean() < 1.0, p


def test_a_binary_pnm_of_maxval_under_255_keeps_its_brightness(tmp_path, scene):
    """A binary PPM of maxval 100 (a PGM of 15 alike) was read unscaled, its values 0..100 taken
    for 0..255: its cutout came out dark, exit 0 (OpenCV scales the text P3 only).  Now read as
    the same picture as its 8-bit version, and as its text twin."""
    from livecut.imageio import read_image

    img, _ = scene
    rgb = img[:, :, ::-1].astype(np.uint32) * 100 // 255
    p = tmp_path / "hundred.ppm"
    p.write_bytes(b"P6\n160 120\n100\n" + rgb.astype(np.uint8).tobytes())
    text = tmp_path / "hundred_text.ppm"
    text.write_bytes(b"P3\n160 120\n100\n" + " ".join(map(str, rgb.ravel())).encode() + b"\n")
    assert np.array_equal(read_image(p), read_image(text))
    gray = tmp_path / "fifteen.pgm"
    gray.write_bytes(b"P5\n2 1\n15\n" + bytes([15, 7]))
    assert read_image(gray).tolist() == [[255, 119]]
    res = _cutout(tmp_path, p)
    ref = _cutout(tmp_path, _write(tmp_path / "eight.png", img))
    assert ref[:, :, 3].mean() > 10
    assert np.abs(res.astype(int) - ref).mean() < 2.0


def test_a_ppm_of_fewer_bits_is_scaled_without_full_size_32_bit_copies(tmp_path):
    """A 16-bit PNM of maxval 4095 (AVIF of 10/12 bits alike) was scaled to 0..65535 over the
    whole picture in 32 bits: four full-size copies (2.1 GB at the peak for 61 megapixels).
    Now through a table, a few rows at a time, in place: the same values, and no more
    memory than the file's bytes and the picture."""
    from livecut.imageio import read_image

    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 4096, (300, 400, 3), dtype=np.uint16)
    rgb[0, :3] = (4095, 4095, 0)
    rgb[1, :3] = (4200, 65535, 1)  # (above maxval: the top)
    p = tmp_path / "twelve.ppm"
    p.write_bytes(b"P6\n400 300\n4095\n" + rgb.astype(">u2").tobytes())
    got, peak = traced_peak(lambda: read_image(p))
    want = (np.minimum(rgb[:, :, ::-1], 4095).astype(np.uint32) * 65535 // 4095).astype(np.uint16)
    assert np.array_equal(got, want)
    assert peak < 3 * rgb.nbytes, (peak, rgb.nbytes)  # (the file's bytes, the picture, a few rows)


def test_float_tiff_in_zero_to_one_is_not_stretched(tmp_path, scene):
    img, _ = scene
    p = tmp_path / "half.tif"
    cv2.imwrite(str(p), (img.astype(np.float32) / 255.0) * 0.5)
    res = _cutout(tmp_path, p)
    opaque = res[:, :, 3] == 255
    assert opaque.mean() > 0.05
    assert np.abs(res[opaque][:, :3].astype(int) - (img[opaque].astype(int) // 2)).mean() < 1.5


def test_a_float_tiff_a_little_past_zero_to_one_is_cut_clipped_to_it(tmp_path, scene):
    """A float TIFF resampled (cubic) in an editor holds values a little past 0-1 at its sharp
    edges (-0.02, 1.03): it was refused as 'a floating-point picture of values from -0.02 to
    1.03, not 0-1 (high dynamic range?)', exit 2.  Such an overshoot is clipped to 0-1 and the
    photo cut as the clipped one is; light far past 1 is still refused."""
    img, _ = scene
    f = img.astype(np.float32) / 255.0
    f[:4, :4] = 1.03
    f[4:8, :4] = -0.02
    rung, clipped = tmp_path / "rung.tif", tmp_path / "clipped.tif"
    assert cv2.imwrite(str(rung), f) and cv2.imwrite(str(clipped), np.clip(f, 0.0, 1.0))
    got = _cutout(tmp_path, rung)
    want = _cutout(tmp_path, clipped)
    assert np.array_equal(got, want)


def test_a_float_picture_is_made_8_bit_without_a_full_size_copy():
    """A floating-point picture in 0..1 was turned 8-bit through a copy of it whole, NaN made 0
    (np.nan_to_num): 16 bytes a pixel more for RGBA, 3.2 GB of the 10 GB a 200-megapixel float
    TIFF took; it is made in strips of rows, its values (NaN as 0) as before."""
    from livecut.imageio import to_bgr8

    rng = np.random.default_rng(5)
    img = rng.random((2000, 1000, 4), np.float32)
    img[3, 4, 1] = img[900, 6, 3] = np.nan
    (bgr, alpha), peak = traced_peak(lambda: to_bgr8(img))
    want = cv2.convertScaleAbs(np.nan_to_num(img), alpha=255.0)
    assert np.array_equal(bgr, want[:, :, :3]) and np.array_equal(alpha, want[:, :, 3])
    assert bgr[3, 4, 1] == 0 and alpha[900, 6] == 0
    assert peak < img.nbytes * 0.75, f"{peak / 1e6:.1f} MB traced for a {img.nbytes / 1e6:.1f} MB picture"


def test_a_float_tiff_is_read_without_its_file_held_in_memory_whole_or_copied(tmp_path):
    """An uncompressed floating-point RGBA TIFF (an HDR merge's, 16 bytes a pixel on disk) was
    read whole, decoded from those bytes, then copied whole again to count its pages: 2.3 GB of
    memory at the peak for a 48-megapixel one (768 MB), where its picture is 768 MB; it is
    decoded from its path, its bytes mapped from the file (1.55 GB), its pages counted in place."""
    from livecut.imageio import read_image

    img = np.zeros((500, 1000, 4), np.float32)
    img[..., 0], img[..., 1], img[..., 3] = 0.25, np.linspace(0, 1, 1000, dtype=np.float32), 1.0
    img[100:200, 300:400, 3] = 0.5
    p = tmp_path / "hdr merge.tif"
    assert cv2.imwrite(str(p), img, [cv2.IMWRITE_TIFF_COMPRESSION, 1])
    meta: dict = {}
    got, peak = traced_peak(lambda: read_image(p, meta))
    assert got.dtype == np.float32 and np.array_equal(got, img) and meta["pictures"] is None
    size = p.stat().st_size
    assert peak < size * 1.5, f"{peak / 1e6:.1f} MB traced for a {size / 1e6:.1f} MB file"


def test_a_float_picture_of_one_channel_in_three_dimensions_is_made_8_bit():
    """A floating-point picture of one channel with its channel axis, height x width x 1 (as
    to_bgr8 takes any picture of one channel), in 0..1: made 8-bit in strips of rows, it was a
    ValueError, 'could not broadcast input array from shape (40,30) into shape (40,30,1)'; it is
    gray, as the same picture without its axis."""
    from livecut.imageio import to_bgr8

    img = np.random.default_rng(6).random((40, 30), np.float32)
    bgr, alpha = to_bgr8(img[:, :, None])
    assert alpha is None and np.array_equal(bgr, to_bgr8(img)[0])


def test_deep_pictures_are_said_once_a_run(tmp_path, scene):
    """A shoot's 16-bit TIFFs (or floating-point ones) said '... a picture of more than 8 bits a
    channel; its cutout is written at 8 bits a channel' once per photo, the same line but for
    its name; it is said of the first of each, then the others' count and names once at the end.
    A signed or 32-bit picture's, which says its own range, is said of each."""
    img, _ = scene
    d = tmp_path / "in"
    d.mkdir()
    for i in range(3):
        cv2.imwrite(str(d / f"deep{i}.tif"), img.astype(np.uint16) * 257)
        cv2.imwrite(str(d / f"float{i}.tif"), img.astype(np.float32) / 255)
    names = [f"{kind}{i}.tif" for i in range(3) for kind in ("deep", "float")]
    r = invoke("image", *(d / n for n in names), "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0, r.output
    said = "its cutout is written at 8 bits a channel (livecut writes 8-bit pictures)"
    assert _stderr_lines(r) == [
        f"livecut: warning: {d / 'deep0.tif'}: a picture of more than 8 bits a channel; {said}",
        f"livecut: warning: {d / 'float0.tif'}: a floating-point picture; {said}",
        f"livecut: warning: 2 more photos ({d / 'deep1.tif'}, {d / 'deep2.tif'}): pictures of more than 8 bits a "
        "channel too, written at 8 bits a channel",
        f"livecut: warning: 2 more photos ({d / 'float1.tif'}, {d / 'float2.tif'}): floating-point pictures too, "
        "written at 8 bits a channel"], r.output


def test_a_deep_picture_says_its_output_is_eight_bit(tmp_path, scene):
    """A 16-bit TIFF or PNG (or a floating-point TIFF) was cut into an 8-bit PNG without a word
    (README said "8 to 16 bit" of the inputs alone); now a warning says so, even with -q.  Its
    mask (8-bit whatever the photo) and an 8-bit photo say nothing."""
    img, _ = scene
    d = tmp_path / "in"
    d.mkdir()
    cv2.imwrite(str(d / "deep.tif"), img.astype(np.uint16) * 257)
    cv2.imwrite(str(d / "deep16.png"), img.astype(np.uint16) * 257)
    cv2.imwrite(str(d / "float.tif"), img.astype(np.float32) / 255)
    cv2.imwrite(str(d / "eight.png"), img)
    r = invoke("image", d / "deep.tif", d / "deep16.png", d / "float.tif", d / "eight.png", "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0, r.output
    said = "is written at 8 bits a channel (livecut writes 8-bit pictures)"
    assert _stderr_lines(r) == [f"livecut: warning: {d / 'deep.tif'}: a picture of more than 8 bits a channel; its "
                                f"cutout {said}",
                                f"livecut: warning: {d / 'float.tif'}: a floating-point picture; its cutout {said}",
                                # (said once a run: see the test below)
                                f"livecut: warning: 1 more photo ({d / 'deep16.png'}): pictures of more than 8 bits "
                                "a channel too, written at 8 bits a channel"]
    assert cv2.imread(str(tmp_path / "o" / "deep.png"), cv2.IMREAD_UNCHANGED).dtype == np.uint8
    r = invoke("image", d / "deep.tif", "-o", tmp_path / "m", "--mode", "mask", "-q")
    assert r.exit_code == 0 and not _stderr_lines(r), r.output


def test_a_signed_8_bit_tiff_is_stretched_whole_not_cut_at_half(tmp_path, scene):
    """A TIFF of signed 8-bit values is stretched from its own lowest value to its highest to
    0-255, as one of signed 16-bit values is; the stretch was made in its own type, of
    -128..127, and every value in the upper half of its range came out 127: its cutout's light
    colours flat mid-gray, exit 0, unsaid.  Its cutout's colours are its values stretched."""
    img, _ = scene
    values = (img.astype(np.int16) // 2 - 64).astype(np.int8)
    p = tmp_path / "signed8.tif"
    assert cv2.imwrite(str(p), values)
    lo, hi = float(values.min()), float(values.max())
    res = _cutout(tmp_path, p)
    opaque = res[:, :, 3] == 255
    assert opaque.mean() > 0.05
    want = (values[opaque].astype(np.float64) - lo) * 255 / (hi - lo)
    assert np.abs(res[opaque][:, :3] - want).max() <= 1


def test_a_tiff_of_signed_or_32_bit_values_says_they_are_stretched_from_their_own_range(tmp_path, scene):
    """A TIFF of signed 8, 16 or 32-bit or of 32-bit values (a scientific camera's, a tool's) is
    read stretched from its own lowest value to its highest to 0-255, not by its type's range
    (README); it was said as 'a picture of more than 8 bits a channel', a signed 8-bit one too,
    its colours changed without a word.  The warning says the values were stretched, and from
    what range; its cutout's colours are those values stretched."""
    img, _ = scene
    d = tmp_path / "in"
    d.mkdir()
    for dtype, scale, offset, kind in ((np.int16, 100, -12000, "signed 16-bit"), (np.uint32, 1000, 7, "32-bit"),
                                       (np.int8, 0.25, -40, "signed 8-bit"), (np.int32, 1000, -100000, "signed 32-bit")):
        values = (img.astype(np.float64) * scale + offset).astype(dtype)
        p = d / f"{np.dtype(dtype).name}.tif"
        assert cv2.imwrite(str(p), values)
        lo, hi = values.min(), values.max()
        out = tmp_path / f"{np.dtype(dtype).name}.png"
        r = invoke("image", p, "-o", out, "-q")
        assert r.exit_code == 0, r.output
        assert _stderr_lines(r) == [f"livecut: warning: {p}: a picture of {kind} values, stretched from their own "
                                    f"range ({lo} to {hi}) to 0-255; its cutout is written at 8 bits a channel "
                                    "(livecut writes 8-bit pictures)"], kind
        res = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
        opaque = res[:, :, 3] == 255
        assert opaque.mean() > 0.05
        want = (values[opaque].astype(np.float64) - lo) * 255 / (float(hi) - float(lo))
        assert np.abs(res[opaque][:, :3] - want).max() <= 1, kind


def test_a_sixteen_bit_photo_is_rounded_to_eight_bits(tmp_path, scene):
    """A 16-bit photo was brought to 8 bits by dropping its low byte (v >> 8): every value
    rounded down, its cutout up to a level darker than the photo (19700 came out 76, not 77, the
    nearest).  Each value is now the nearest 8-bit one, v / 257 rounded: a PNG's and a TIFF's cutout
    alike; a photo of 8-bit values made 16-bit (v * 257) is as before."""
    from livecut.imageio import to_bgr8

    every = np.arange(65536, dtype=np.uint16).reshape(256, 256)
    assert np.array_equal(to_bgr8(every)[0][:, :, 0], np.rint(every / 257).astype(np.uint8))
    img, _ = scene
    low = (img.astype(np.uint16) * 257 + 200).clip(0, 65535).astype(np.uint16)  # (the top of each level's range)
    want = np.rint(low / 257).astype(np.uint8)
    assert not np.array_equal(want, (low >> 8).astype(np.uint8))
    for name in ("deep.png", "deep.tif"):
        res = _cutout(tmp_path, _write(tmp_path / name, low))
        opaque = res[:, :, 3] == 255
        assert opaque.mean() > 0.05
        assert np.array_equal(res[opaque][:, :3], want[opaque]), name
    res = _cutout(tmp_path, _write(tmp_path / "exact.png", img.astype(np.uint16) * 257))
    opaque = res[:, :, 3] == 255
    assert np.array_equal(res[opaque][:, :3], img[opaque])


def test_a_picture_of_a_type_livecut_does_not_read_says_what_it_is(tmp_path, scene):
    """An icon (.ico, a PNG inside), a cursor, an SVG drawing, a JPEG XL or Targa picture, which
    this OpenCV does not decode, was 'not an image, or truncated/corrupt', as a damaged file is.
    Each is refused as what it is, by its first bytes (whatever its name) or its extension, with
    what to do (exit 2); a damaged PNG is still 'not an image, or truncated/corrupt'."""
    img, _ = scene
    png = cv2.imencode(".png", img)[1].tobytes()
    entry = struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(png), 22)
    files = {"app.ico": struct.pack("<HHH", 0, 1, 1) + entry + png, "hand.cur": struct.pack("<HHH", 0, 2, 1) + entry + png,
             "logo.svg": b'\xef\xbb\xbf<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>\n',
             "photo.jxl": b"\xff\x0a" + bytes(30), "boxed.jxl": b"\0\0\0\x0cJXL \r\n\x87\n" + bytes(30),
             "icon": struct.pack("<HHH", 0, 1, 1) + entry + png, "old.tga": bytes(18) + b"\x80" * 64}
    said = {"app.ico": "an icon (ICO)", "hand.cur": "a cursor (CUR)", "logo.svg": "an SVG drawing (vector graphics)",
            "photo.jxl": "a JPEG XL picture", "boxed.jxl": "a JPEG XL picture", "icon": "an icon (ICO)",
            "old.tga": "a Targa (TGA) picture"}
    for name, data in files.items():
        src = _write_bytes(tmp_path / name, data)
        r = invoke("image", src, "-o", tmp_path / "o", "-q")
        verb = "export" if name.endswith(".svg") else "save"
        assert r.exit_code == 2 and _stderr_lines(r) == [
            f"livecut: error: {src}: {said[name]}, which livecut does not read; {verb} it as PNG first"], r.output
    bad = _write_bytes(tmp_path / "bad.png", b"\x00\x01\x02junk")  # (binary junk: text is said to be text)
    r = invoke("image", bad, "-o", tmp_path / "o", "-q")
    assert r.exit_code == 2 and _stderr_lines(r) == [f"livecut: error: {bad}: not an image, or truncated/corrupt"]
    assert not (tmp_path / "o").exists()


def test_a_high_dynamic_range_picture_is_refused(tmp_path, scene):
    """A Radiance .hdr (values of light: a sun at 40 beside a photo in 0..1) was read as its
    values stretched to 8 bits and cut: mostly black, without a word; an OpenEXR file, which
    this OpenCV does not read, was "not an image, or truncated/corrupt".  Both are refused as
    what they are, in one line each (exit 2)."""
    img, _ = scene
    light = (img.astype(np.float32) / 255) ** 2.2
    light[:8, :8] = 40.0
    hdr, exr = tmp_path / "sun.hdr", tmp_path / "film.exr"
    assert cv2.imwrite(str(hdr), light)
    exr.write_bytes(b"\x76\x2f\x31\x01\x02\x00\x00\x00" + bytes(64))  # (its magic and version)
    r = invoke("image", hdr, exr, "-o", tmp_path / "cut")
    assert r.exit_code == 2 and r.stderr.count("livecut: error") == 2, r.stderr
    assert f"{hdr}: a high-dynamic-range picture (Radiance HDR)" in r.stderr, r.stderr
    assert f"{exr}: a high-dynamic-range picture (OpenEXR)" in r.stderr and "tone-map" in r.stderr, r.stderr
    assert not (tmp_path / "cut").exists()


def test_a_float_tiff_beyond_zero_to_one_is_refused(tmp_path, scene):
    """A 32-bit float TIFF of light (a sun at 40 beside a photo in 0..1, as an HDR editor
    saves it) was stretched to 8 bits by its largest value and cut: mostly black, without a
    word; it is refused in one line, with its range (exit 2)."""
    img, _ = scene
    light = (img.astype(np.float32) / 255) ** 2.2
    light[:8, :8] = 40.0
    p = tmp_path / "light.tif"
    assert cv2.imwrite(str(p), light)
    r = invoke("image", p, "-o", tmp_path / "cut")
    assert r.exit_code == 2 and r.stderr.count("livecut: error") == 1, r.stderr
    assert f"{p}: a floating-point picture of values from 0 to 40, not 0-1" in r.stderr and "tone-map" in r.stderr
    assert not (tmp_path / "cut").exists()


def _png_with_exif(img: np.ndarray, orientation: int) -> bytes:
    ok, png = cv2.imencode(".png", img)
    png = png.tobytes()
    tiff = (b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 1)
            + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0))
    i = png.index(b"IDAT") - 4
    return png[:i] + _chunk(b"eXIf", tiff) + png[i:]


@pytest.mark.parametrize("orientation", [6, 7])
def test_a_png_turned_by_its_exif_is_turned_with_one_full_size_copy(tmp_path, orientation):
    """A 16-bit RGBA PNG with EXIF orientation 6 (a portrait shot) was turned into a transposed
    copy, then that flipped into another while both were held: three full-size 16-bit copies at
    once (1.97 GB at the peak for 79 megapixels, against 1.36 unturned).  The transposed copy
    is flipped in place: the decoded picture and one copy.  (Memory traced by numpy, in units
    of the picture's size: decoding it holds about one.)"""
    import tracemalloc

    from livecut.imageio import orient, read_image

    h, w = 300, 400
    img = np.zeros((h, w, 4), np.uint16)
    img[:, :, 0], img[:, :, 3] = np.arange(w, dtype=np.uint16) * 150, 65535
    p = _write_bytes(tmp_path / "turned.png", _png_with_exif(img, orientation))
    tracemalloc.start()
    try:
        got = read_image(p)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.array_equal(got, orient(img, orientation))
    assert peak < 2.5 * img.nbytes, peak / img.nbytes


@pytest.mark.parametrize("orientation", range(1, 9))
def test_png_exif_orientation_is_applied_as_for_jpeg(tmp_path, scene, orientation):
    """A PNG's eXIf orientation turns it as OpenCV turns a JPEG with that orientation."""
    img, _ = scene
    p = tmp_path / "o.png"
    p.write_bytes(_png_with_exif(img, orientation))
    res = _cutout(tmp_path, p, *_OWN_COLOURS)  # (the frame's colours, as the JPEG's)
    ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 100])
    want = cv2.imdecode(np.frombuffer(_with_orientation(jpg.tobytes(), orientation), np.uint8), cv2.IMREAD_COLOR)
    assert res.shape[:2] == want.shape[:2]
    assert np.abs(res[:, :, :3].astype(int) - want).mean() < 3.0


@pytest.mark.parametrize("orientation", range(1, 9))
def test_an_avifs_rotation_and_mirror_are_applied(tmp_path, scene, orientation):
    """An AVIF says how it is shown by its rotation and mirror properties (irot, imir: Pillow
    writes a photo's EXIF orientation so, and browsers turn it by them); OpenCV decodes it as
    stored, and its cutout came out sideways or mirrored (1 of 8 upright)."""
    from PIL import Image, features

    from livecut.imageio import orient

    if not features.check("avif"):
        pytest.skip("Pillow without AVIF")
    img, _ = scene
    stored = orient(img, {6: 8, 8: 6}.get(orientation, orientation))  # (shown upright by `orientation`)
    exif = Image.Exif()
    exif[0x0112] = orientation
    p = tmp_path / "o.avif"
    Image.fromarray(stored[:, :, ::-1]).save(p, exif=exif, quality=100)
    assert (b"irot" in p.read_bytes() or b"imir" in p.read_bytes()) == (orientation > 1)
    res = _cutout(tmp_path, p)
    assert res.shape[:2] == img.shape[:2]
    assert np.abs(res[:, :, :3].astype(int) - img).mean() < 4.0


def _with_clap(avif: bytes, width: int, height: int, dx: int, dy: int) -> bytes:
    """Pillow's AVIF (one picture: its meta, then its data in mdat, at an offset of 4 bytes in
    iloc) with a clean aperture (clap) of ``width`` x ``height``, its centre (``dx``, ``dy``)
    from the coded picture's, associated with it before any rotation or mirror (MIAF's order)."""
    size = lambda b, at: int.from_bytes(b[at:at + 4], "big")  # noqa: E731
    meta, iloc, iprp, ipco, ipma = (avif.find(k) - 4 for k in (b"meta", b"iloc", b"iprp", b"ipco", b"ipma"))
    assert avif[iloc + 8:iloc + 14] == bytes(4) + b"\x44\x00" and avif[iloc + 14:iloc + 16] == b"\0\x01"
    assert avif[ipma + 8:ipma + 16] == bytes(4) + b"\0\0\0\x01" and meta < iprp < ipco < ipma < avif.find(b"mdat")
    kinds, i = [], ipco + 8
    while i < ipco + size(avif, ipco):
        kinds.append(avif[i + 4:i + 8])
        i += size(avif, i)
    clap = struct.pack(">I4sIIIIiIiI", 40, b"clap", width, 1, height, 1, dx, 1, dy, 1)
    count = avif[ipma + 18]
    links = avif[ipma + 19:ipma + 19 + count]
    at = next((k for k, link in enumerate(links) if kinds[(link & 0x7F) - 1] in (b"irot", b"imir")), count)
    links = links[:at] + bytes([0x80 | (len(kinds) + 1)]) + links[at:]  # (essential, as Pillow's irot)
    b = bytearray(avif[:ipco + size(avif, ipco)] + clap + avif[ipco + size(avif, ipco):ipma + 18]
                  + bytes([count + 1]) + links + avif[ipma + 19 + count:])
    for box, grow in ((meta, 41), (iprp, 41), (ipco, 40), (ipma + 40, 1)):
        b[box:box + 4] = (size(b, box) + grow).to_bytes(4, "big")
    b[iloc + 22:iloc + 26] = (size(avif, iloc + 22) + 41).to_bytes(4, "big")  # (the data moved on)
    return bytes(b)


@pytest.mark.parametrize("orientation", [1, 6])
def test_an_avifs_clean_aperture_crops_it(tmp_path, scene, orientation):
    """An AVIF whose encoder codes whole blocks (a hardware encoder's, of 64 pixels) is coded
    larger than the photo and says the part shown by its clean aperture (clap), which browsers
    crop it to; OpenCV decodes the whole coded picture, and its cutout came out with the padding
    below it (16 rows more here).  It is cropped to its clean aperture, then turned."""
    from PIL import Image, features

    from livecut.imageio import orient

    if not features.check("avif"):
        pytest.skip("Pillow without AVIF")
    img, _ = scene
    coded = np.vstack([img, np.full((16, img.shape[1], 3), (255, 0, 255), np.uint8)])  # (padding: magenta)
    exif = Image.Exif()
    exif[0x0112] = orientation
    p = tmp_path / "o.avif"
    Image.fromarray(orient(coded, {6: 8}.get(orientation, 1))[:, :, ::-1]).save(p, exif=exif, quality=100)
    h, w = img.shape[:2]
    dx, dy = ((0, -8) if orientation == 1 else (-8, 0))  # (the aperture at the coded picture's top left)
    p.write_bytes(_with_clap(p.read_bytes(), *((w, h) if orientation == 1 else (h, w)), dx, dy))
    res = _cutout(tmp_path, p)
    assert res.shape[:2] == img.shape[:2]
    assert np.abs(res[:, :, :3].astype(int) - img).mean() < 4.0


def test_png_with_data_after_its_end_is_read(tmp_path, good):
    p = tmp_path / "trail.png"
    p.write_bytes(good["b.png"].read_bytes() + b"\0" * 100)
    _cutout(tmp_path, p)


def test_truncated_png_is_still_refused(tmp_path, good):
    data = good["b.png"].read_bytes()
    p = tmp_path / "cut.png"
    p.write_bytes(data[:len(data) - 30])  # IEND and the end of the last IDAT gone
    r = invoke("image", p, "-o", tmp_path / "o", "-q")
    assert r.exit_code == 2 and "truncated" in r.stderr


@pytest.mark.parametrize("progressive", [False, True])
def test_a_jpeg_cut_short_but_ended_is_refused_not_cut_with_its_rest_gray(tmp_path, progressive):
    """A JPEG whose picture data stops early but which has its end marker (a copy broken off
    and 'repaired', bytes lost on a card): libjpeg fills what is missing with gray, says so on
    stderr and returns the picture; it was cut (a gray band in the cutout), exit 0, unsaid."""
    src, data = _whole_jpeg(tmp_path, progressive)
    p = tmp_path / "short.jpg"
    p.write_bytes(data[:len(data) // 2] + b"\xff\xd9")
    _refused_beside_whole(tmp_path, p, src, "image file is truncated (its picture data ends early: Corrupt JPEG "
                          "data: premature end of data segment)")


def _read_as_whole_with_a_warning(tmp_path, src: Path, cut: bytes, name: str, lacking: str) -> None:
    """``cut``, the bytes of the picture file ``src`` less its end, written as ``name``: read as
    the whole file is, and `livecut image` cuts it with the one warning that says what it lacks."""
    from livecut.imageio import read_image

    p = _write_bytes(tmp_path / name, cut)
    assert np.array_equal(read_image(p), read_image(src))
    out = tmp_path / "o"
    r = _run("image", str(p), "-o", str(out), "-q", debug=False)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [f"livecut: warning: {p}: {lacking}, its picture data whole: read as it is"], r.stderr
    assert (out / name).with_suffix(".png").is_file()


def _unmarked_jpeg_read_with_a_warning(tmp_path, progressive: bool) -> bytes:
    """A whole JPEG's bytes (see _whole_jpeg); written without its end marker, it is read as the
    whole file is, and `livecut image` cuts it with the one warning that says so."""
    src, data = _whole_jpeg(tmp_path, progressive)
    _read_as_whole_with_a_warning(tmp_path, src, data[:-2], "unmarked.jpg", "a JPEG without its end marker (EOI)")
    return data


def test_a_jpeg_whose_end_marker_alone_is_missing_is_read_with_a_warning(tmp_path):
    """A JPEG that lacks only its end marker (EOI, its last 2 bytes: many cameras and tools
    write such files, viewers show them whole) was refused as 'image file is truncated', though
    every row of its picture is there.  It is read as the whole file is, with a warning; one cut
    short in its picture data is still refused (a progressive one: below)."""
    data = _unmarked_jpeg_read_with_a_warning(tmp_path, False)
    out = tmp_path / "o"
    r = _run("image", str(_write_bytes(tmp_path / "short.jpg", data[:len(data) // 2])), "-o", str(out), "-q",
             debug=False)
    assert r.returncode == 2 and r.stderr == f"livecut: error: {tmp_path / 'short.jpg'}: image file is truncated\n", r.stderr


def test_a_progressive_jpeg_whose_end_marker_alone_is_missing_is_read_as_a_sequential_one(tmp_path):
    """A progressive JPEG lacking only its end marker was refused as 'image file is truncated'
    where a sequential one is read with a warning.  Its scans' headers show its picture whole
    (every coefficient brought to its last bit): it is read as the whole file is, with the same
    warning; one cut between its scans (which libjpeg decodes blurred, without a word) is
    refused still, as is one cut within its last scan's data."""
    from livecut.errors import ImageReadError
    from livecut.imageio import read_image

    data = _unmarked_jpeg_read_with_a_warning(tmp_path, True)
    scans = [i for i in range(len(data) - 1) if data[i:i + 2] == b"\xff\xda"]
    assert len(scans) > 2
    for name, cut in (("between.jpg", data[:scans[-1]]), ("within.jpg", data[:(scans[-1] + len(data)) // 2])):
        q = _write_bytes(tmp_path / name, cut)
        with pytest.raises(ImageReadError, match="image file is truncated$"):
            read_image(q)


def test_a_progressive_jpeg_cut_between_its_scans_and_ended_says_so(tmp_path):
    """A progressive JPEG cut exactly between two of its scans and its end marker put back
    (a broken-off copy 'repaired'): libjpeg decodes it blurred without a word, and it was cut
    so, exit 0, unsaid.  Its scans' headers show it short of its last bits: it is read with a
    warning (not refused: an encoder may stop a progression short on purpose).  Whole ones,
    Pillow's and OpenCV's, are read without it."""
    src, data = _whole_jpeg(tmp_path, True)
    scans = [i for i in range(len(data) - 1) if data[i:i + 2] == b"\xff\xda"]
    assert len(scans) > 2
    p = _write_bytes(tmp_path / "between.jpg", data[:scans[-2]] + b"\xff\xd9")
    out = tmp_path / "o"
    r = _run("image", str(p), "-o", str(out), "-q", debug=False)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [f"livecut: warning: {p}: a progressive JPEG whose scans stop before its picture "
                                     "is whole (cut between two of them, its end marker put back?): read as it is, "
                                     "perhaps blurred; check its result"], r.stderr
    img, _ = make_scene("basic", 320, 240, seed=1)
    ok, coded = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    whole = _write_bytes(tmp_path / "whole.jpg", coded.tobytes())
    r = _run("image", str(src), str(whole), "-o", str(out), "-q", debug=False)
    assert r.returncode == 0 and r.stderr == "", r.stderr


def _refused_beside_whole(tmp_path, p: Path, src: Path, why: str) -> None:
    """``livecut image P SRC``: P refused in one line, ``P: why``, exit 2; SRC cut."""
    out = tmp_path / "o"
    r = _run("image", str(p), str(src), "-o", str(out), "-q", debug=False)
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines() == [f"livecut: error: {p}: {why}"], r.stderr
    assert not (out / f"{p.stem}.png").exists() and (out / "src.png").is_file()


@pytest.mark.parametrize("interlaced", [False, True])
def test_a_png_whose_end_chunk_alone_is_missing_is_read_with_a_warning(tmp_path, interlaced):
    """A PNG that lacks only its end chunk (IEND, its last 12 bytes), its image data whole, was
    refused as 'image file is truncated' where a JPEG lacking only its end marker is read with a
    warning.  It is read as the whole file is, with the same kind of warning; one cut between
    its IDAT chunks, or within one, is still refused."""
    from PIL import Image

    from livecut.errors import ImageReadError
    from livecut.imageio import read_image

    img, _ = make_scene("basic", 640, 480, seed=1)
    src = tmp_path / "src.png"
    Image.fromarray(img[:, :, ::-1]).save(src, interlace=interlaced)  # (Pillow: IDAT chunks of 64 KiB)
    data = src.read_bytes()
    assert data.endswith(PNG_END)
    _read_as_whole_with_a_warning(tmp_path, src, data[:-12], "unended.png", "a PNG without its end chunk (IEND)")
    idats = [i - 4 for i in range(len(data) - 4) if data[i:i + 4] == b"IDAT"]
    assert len(idats) >= 2
    for name, cut in (("between.png", data[:idats[-1]]), ("within.png", data[:(idats[-1] + len(data)) // 2])):
        q = _write_bytes(tmp_path / name, cut)
        with pytest.raises(ImageReadError, match="image file is truncated$"):
            read_image(q)


@pytest.mark.parametrize("cut", [1, 4, 8, 11])
def test_a_png_cut_within_its_end_chunk_is_read_as_one_without_it(tmp_path, cut):
    """A PNG cut within its end chunk (IEND: its length, type or CRC, the last 12 bytes; a copy
    broken off a few bytes before its end), its image data whole, was refused as 'image file is
    truncated', where one lacking IEND whole is read with a warning; it is read alike."""
    from livecut.imageio import read_image

    img, _ = make_scene("basic", 320, 240, seed=1)
    src = _write_bytes(tmp_path / "src.png", cv2.imencode(".png", img)[1].tobytes())
    data = src.read_bytes()
    p = _write_bytes(tmp_path / "cut.png", data[:-cut])
    assert np.array_equal(read_image(p), read_image(src))
    r = _run("image", str(p), "-o", str(tmp_path / "o"), "-q", debug=False)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [f"livecut: warning: {p}: a PNG without its end chunk (IEND), its picture "
                                     "data whole: read as it is"], r.stderr


def _whole_jpeg(tmp_path, progressive: bool) -> tuple[Path, bytes]:
    """A whole JPEG of a test scene, ``tmp_path/src.jpg``, and its bytes."""
    from PIL import Image

    img, _ = make_scene("basic", 320, 240, seed=1)
    src = tmp_path / "src.jpg"
    Image.fromarray(img[:, :, ::-1]).save(src, quality=90, progressive=progressive)
    return src, src.read_bytes()


def _damaged_jpeg(tmp_path, progressive: bool, at: float) -> tuple[Path, Path]:
    """A JPEG (and its source, whole) whose picture data at ``at`` of its bytes is overwritten
    by 80 bytes of ones (FF 00, a stuffed FF: no marker, a code no Huffman table holds)."""
    src, data = _whole_jpeg(tmp_path, progressive)
    i = int(len(data) * at)
    p = tmp_path / "damaged.jpg"
    p.write_bytes(data[:i] + b"\xff\x00" * 40 + data[i + 80:])
    return p, src


@pytest.mark.parametrize("progressive, at", [(False, 0.9), (True, 0.5)])
def test_a_jpeg_whose_picture_data_is_damaged_is_refused(tmp_path, progressive, at):
    """A JPEG overwritten in the middle of its picture data (a bad sector, a copy gone wrong):
    libjpeg says 'Corrupt JPEG data: bad Huffman code' on stderr, decodes the rest out of step
    (a smear of wrong colours) and returns it; it was cut, exit 0, without a word."""
    p, src = _damaged_jpeg(tmp_path, progressive, at)
    _refused_beside_whole(tmp_path, p, src, "image file is damaged (its picture data cannot be decoded: Corrupt "
                          "JPEG data: bad Huffman code)")


@pytest.mark.parametrize("name", ["scan 01.tif", "scan: 01.tif"])
def test_a_tiff_whose_picture_data_is_damaged_is_refused(tmp_path, name):
    """An LZW TIFF overwritten in the middle of its picture data (a bad sector, a copy gone
    wrong): libtiff says 'Using code not yet in table' (OpenCV logs it as TIFF_Error, after the
    file's name where it is read from its path), leaves the rest of the strip black and OpenCV
    returns the picture; it was cut, exit 0, without a word.  It is refused as a damaged JPEG is."""
    from PIL import Image

    img, _ = make_scene("basic", 320, 240, seed=1)
    src = tmp_path / "src.jpg"
    Image.fromarray(img[:, :, ::-1]).save(src, quality=90)
    ok, tif = cv2.imencode(".tif", img)  # (LZW; its directory after its strips)
    data = bytearray(tif.tobytes())
    assert ok and data[:4] == b"II*\x00" and int.from_bytes(data[4:8], "little") > len(data) // 2
    i = len(data) // 3
    data[i:i + 2000] = np.random.default_rng(1).integers(0, 256, 2000, dtype=np.uint8).tobytes()
    p = tmp_path / name
    p.write_bytes(bytes(data))
    _refused_beside_whole(tmp_path, p, src, "image file is damaged (its picture data cannot be decoded: libtiff: "
                          "Using code not yet in table)")


@pytest.mark.parametrize("compression", ["tiff_adobe_deflate", "tiff_deflate"])
def test_a_deflate_tiff_whose_picture_data_is_damaged_is_refused(tmp_path, compression):
    """A deflate (zip) TIFF overwritten in the middle of a strip (Pillow's: strips of 64 KiB)
    with 16 zero bytes, which inflate as data all the same: libtiff stops each strip where its
    rows are full, before its checksum, and says nothing; the picture, wrong from there, was
    cut, exit 0, without a word.  It is refused by the strip's checksum (zlib's Adler-32)."""
    import io

    from PIL import Image

    img, _ = make_scene("basic", 320, 240, seed=1)
    src = tmp_path / "src.jpg"
    Image.fromarray(img[:, :, ::-1]).save(src, quality=90)
    b = io.BytesIO()
    Image.fromarray(img[:, :, ::-1]).save(b, "TIFF", compression=compression)
    data = bytearray(b.getvalue())
    with Image.open(io.BytesIO(bytes(data))) as im:
        offsets, counts = im.tag_v2[273], im.tag_v2[279]
    assert len(offsets) == 4, offsets
    data[offsets[1] + counts[1] // 2:offsets[1] + counts[1] // 2 + 16] = bytes(16)
    p = tmp_path / "scan.tif"
    p.write_bytes(bytes(data))
    assert cv2.imdecode(np.frombuffer(bytes(data), np.uint8), cv2.IMREAD_COLOR) is not None
    _refused_beside_whole(tmp_path, p, src, "image file is damaged (its picture data cannot be decoded: zlib: "
                          "incorrect data check, in strip 2 of 4)")
    whole = tmp_path / "whole.tif"  # (and the whole one read)
    whole.write_bytes(b.getvalue())
    r = _run("image", str(whole), "-o", str(tmp_path / "w"), "-q", debug=False)
    assert r.returncode == 0 and not r.stderr.strip() and (tmp_path / "w" / "whole.png").is_file(), r.stderr


def test_a_deflate_tiff_whose_strips_lack_their_checksum_is_read(tmp_path):
    """A deflate TIFF whose strips' zlib streams end without their checksum (Adler-32, the 4
    bytes after the deflate data, which some writers leave out), its data whole, was refused,
    'image file is damaged (... zlib: incomplete or truncated stream, in strip 1 of 5)', where
    libtiff (OpenCV), and so other viewers, read it whole.  It is read; one whose deflate data
    is cut short is refused as before."""
    from PIL import Image

    img, _ = make_scene("basic", 53, 37, seed=1)
    rgb = np.ascontiguousarray(img[:, :, ::-1])
    p = _write_bytes(tmp_path / "scan.tif", _tiff(rgb, None, cut=4))
    assert np.array_equal(cv2.imread(str(p)), img)  # (libtiff reads it whole)
    r = _run("image", str(p), "-o", str(tmp_path / "w"), "--mode", "mask", "-q", debug=False)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    assert (tmp_path / "w" / "scan.png").is_file()
    src = tmp_path / "src.jpg"
    Image.fromarray(rgb).save(src, quality=90)
    short = _write_bytes(tmp_path / "short.tif", _tiff(rgb, None, cut=12))
    r = _run("image", str(short), str(src), "-o", str(tmp_path / "o"), "-q", debug=False)
    assert r.returncode == 2 and "image file is" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert (tmp_path / "o" / "src.png").is_file() and not (tmp_path / "o" / "short.png").exists()

def _damaged_jpeg_tiff(tmp_path, name: str, what: str) -> tuple[Path, Path]:
    """A JPEG-compressed TIFF (OpenCV's: a JPEG stream a strip of 8 rows) whose middle strip is
    overwritten (``what``: 'marker bytes' at a third of it, 'random' bytes at its middle, 'zeros'
    at its middle) and SRC, the same picture as a JPEG."""
    import io

    from PIL import Image

    img, _ = make_scene("basic", 320, 240, seed=1)
    src = tmp_path / "src.jpg"
    Image.fromarray(img[:, :, ::-1]).save(src, quality=90)
    ok, tif = cv2.imencode(".tif", img, [cv2.IMWRITE_TIFF_COMPRESSION, 7])
    data = bytearray(tif.tobytes())
    with Image.open(io.BytesIO(bytes(data))) as im:
        assert ok and im.tag_v2[259] == 7
        offsets, counts = im.tag_v2[273], im.tag_v2[279]
    at, count = offsets[len(offsets) // 2], counts[len(offsets) // 2]
    part = {"marker bytes": (count // 3, b"\xff\x00" * 40), "zeros": (count // 2, bytes(16)),
            "random": (count // 2, np.random.default_rng(1).integers(0, 256, 200, dtype=np.uint8).tobytes())}
    i, wrong = part[what]
    data[at + i:at + i + len(wrong)] = wrong
    p = tmp_path / name
    p.write_bytes(bytes(data))
    return p, src


@pytest.mark.parametrize("what, said", [("marker bytes", "bad Huffman code"),
                                        ("random", "premature end of data segment")])
def test_a_jpeg_tiff_whose_picture_data_is_damaged_is_refused(tmp_path, what, said):
    """A JPEG-compressed TIFF overwritten in the middle of a strip: libjpeg says 'Corrupt JPEG
    data: ...' (OpenCV logs it as TIFF_Warning JPEGLib: ...), leaves the rest of the strip gray
    or a smear of wrong colours, and OpenCV returns the picture; it was cut, exit 0, without a
    word.  It is refused as a damaged JPEG file is."""
    p, src = _damaged_jpeg_tiff(tmp_path, "scan: 01.tif", what)
    _refused_beside_whole(tmp_path, p, src, f"image file is damaged (its picture data cannot be decoded: libjpeg: "
                          f"Corrupt JPEG data: {said})")


def test_a_jpeg_tiff_with_picture_data_left_over_is_cut_and_said(tmp_path):
    """A JPEG-compressed TIFF overwritten with zeros in a strip, whose decoding ends before the
    strip's data does: libjpeg says 'N extraneous bytes before marker 0xd9'; it was cut, exit
    0, without a word; it is cut and said, as a JPEG file of the same is."""
    p, _ = _damaged_jpeg_tiff(tmp_path, "scan.tif", "zeros")
    out = tmp_path / "o"
    r = _run("image", str(p), "-o", str(out), "-q", debug=False)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and re.fullmatch(
        rf"livecut: warning: {re.escape(str(p))}: its picture data may be damaged \(libjpeg: Corrupt JPEG data: "
        r"\d+ extraneous bytes before marker 0xd9\): check its result", lines[0]), r.stderr
    assert (out / "scan.png").is_file()


@pytest.mark.parametrize("what", ["jpeg strip overwritten", "cut before its directory", "cut in its directory",
                                  "cut in its strip", "directory count overwritten"])
def test_a_tiff_that_cannot_be_read_says_why(tmp_path, what):
    """A TIFF that OpenCV refuses outright was 'not an image, or truncated/corrupt' without a
    reason (libtiff's words dropped with OpenCV's log): a JPEG-compressed one whose middle strip
    is overwritten from its start (libjpeg: 'Not a JPEG file'), one cut before its directory (IFD,
    after its strips: OpenCV's, libtiff's) or inside it, one whose directory comes first cut in its
    strip (Pillow's, uncompressed).  Each says why, as a TIFF damaged in its strips does."""
    import io

    from PIL import Image

    img, _ = make_scene("basic", 320, 240, seed=1)
    src = tmp_path / "src.jpg"
    Image.fromarray(img[:, :, ::-1]).save(src, quality=90)
    ok, tif = cv2.imencode(".tif", img, [cv2.IMWRITE_TIFF_COMPRESSION, 7])
    data = bytearray(tif.tobytes())
    ifd = int.from_bytes(data[4:8], "little")
    with Image.open(io.BytesIO(bytes(data))) as im:
        assert ok and im.tag_v2[259] == 7 and ifd > max(im.tag_v2[273])
        offsets = im.tag_v2[273]
    p = tmp_path / "scan.tif"
    if what == "jpeg strip overwritten":
        at = offsets[len(offsets) // 2]
        data[at:at + 16] = b"\x00" * 16
        p.write_bytes(bytes(data))
        why = ("image file is damaged (its picture data cannot be decoded: libjpeg: Not a JPEG file: starts with "
               "0x00 0x00)")
    elif what == "cut before its directory":
        p.write_bytes(bytes(data[:len(data) // 2]))
        why = (f"image file is truncated (its directory (IFD), at byte {ifd}, lies past its end, at byte "
               f"{len(data) // 2})")
    elif what == "directory count overwritten":
        data[ifd:ifd + 2] = b"\xff\xff"
        p.write_bytes(bytes(data))
        why = ("not an image, or truncated/corrupt (libtiff: TIFFFetchDirectory: Sanity check on directory count "
               "failed, this is probably not a valid IFD offset)")
    elif what == "cut in its directory":
        p.write_bytes(bytes(data[:ifd + 20]))
        why = f"image file is truncated (its directory (IFD), at byte {ifd}, runs past its end, at byte {ifd + 20})"
    else:
        b = io.BytesIO()
        Image.fromarray(img[:, :, ::-1]).save(b, "TIFF")  # (uncompressed: its directory first, one strip)
        whole = b.getvalue()
        assert int.from_bytes(whole[4:8], "little") == 8
        p.write_bytes(whole[:len(whole) // 2])
        why = (f"image file is truncated (its picture data ends early: strip 1 of 1 runs past its end, at byte "
               f"{len(whole) // 2})")
    assert cv2.imdecode(np.fromfile(p, np.uint8), cv2.IMREAD_UNCHANGED) is None
    _refused_beside_whole(tmp_path, p, src, why)


@pytest.mark.parametrize("name", ["scan.tif", "scan: 01.tif"])
def test_a_packbits_tiff_whose_picture_data_is_damaged_is_refused(tmp_path, name):
    """A PackBits TIFF (OpenCV's: strips of 8 rows) overwritten in the middle of a strip: its data
    read out of step decodes to more than the strip holds, and libtiff says only 'Discarding N
    bytes to avoid buffer overrun' (a warning, in OpenCV's log) and returns the strip, garbage from
    there; it was cut, exit 0, without a word.  It is refused as a damaged LZW TIFF is; the whole
    file is cut, without a word."""
    import io

    from PIL import Image

    img, _ = make_scene("basic", 320, 240, seed=1)
    src = tmp_path / "src.jpg"
    Image.fromarray(img[:, :, ::-1]).save(src, quality=90)
    ok, tif = cv2.imencode(".tif", img, [cv2.IMWRITE_TIFF_COMPRESSION, 32773])
    data = bytearray(tif.tobytes())
    with Image.open(io.BytesIO(bytes(data))) as im:
        assert ok and im.tag_v2[259] == 32773
        offsets, counts = im.tag_v2[273], im.tag_v2[279]
    at, count = offsets[len(offsets) // 2], counts[len(offsets) // 2]
    data[at + count // 2:at + count // 2 + 200] = np.random.default_rng(1).integers(0, 256, 200, np.uint8).tobytes()
    p = tmp_path / name
    p.write_bytes(bytes(data))
    assert cv2.imdecode(np.frombuffer(bytes(data), np.uint8), cv2.IMREAD_UNCHANGED) is not None
    _refused_beside_whole(tmp_path, p, src, "image file is damaged (its picture data cannot be decoded: libtiff: "
                          "Discarding 64 bytes to avoid buffer overrun)")
    whole = tmp_path / "whole.tif"
    whole.write_bytes(tif.tobytes())
    r = _run("image", str(whole), "-o", str(tmp_path / "w"), "-q", debug=False)
    assert r.returncode == 0 and not r.stderr.strip() and (tmp_path / "w" / "whole.png").is_file(), r.stderr


@pytest.mark.parametrize("scheme, said", [(9999, "scheme 9999"), (34661, "ISO JBIG (scheme 34661)")])
def test_a_tiff_of_a_compression_scheme_this_build_cannot_decode_is_refused(tmp_path, scheme, said):
    """A TIFF whose Compression tag names a scheme libtiff does not know (9999) was cut, exit 0,
    from the black picture OpenCV returned (libtiff's 'Compression scheme 9999 strip decoding is
    not implemented' in its log); one of a scheme this build leaves out (ISO JBIG) was 'not an
    image, or truncated/corrupt'.  Each is refused, naming its scheme, as a damaged TIFF is."""
    from PIL import Image

    img, _ = make_scene("basic", 320, 240, seed=1)
    src = tmp_path / "src.jpg"
    Image.fromarray(img[:, :, ::-1]).save(src, quality=90)
    ok, tif = cv2.imencode(".tif", img)
    data = bytearray(tif.tobytes())
    assert ok and data[:4] == b"II*\0"
    ifd = int.from_bytes(data[4:8], "little")
    for i in range(int.from_bytes(data[ifd:ifd + 2], "little")):
        at = ifd + 2 + 12 * i
        if int.from_bytes(data[at:at + 2], "little") == 259:
            data[at + 8:at + 10] = scheme.to_bytes(2, "little")
            break
    else:
        raise AssertionError("no Compression tag")
    p = tmp_path / "scan.tif"
    p.write_bytes(bytes(data))
    _refused_beside_whole(tmp_path, p, src, f"a TIFF compressed with {said}, which this build cannot decode")


def test_a_tiff_marked_webp_whose_strips_are_not_webp_is_refused(tmp_path):
    """A TIFF whose Compression tag says WebP (50001) and whose strips are not WebP data was
    returned by OpenCV as a picture and cut, exit 0, libtiff's 'WebPDecode: WebPGetInfo()
    failed' only in its log.  It is refused as a damaged TIFF is."""
    from PIL import Image

    img, _ = make_scene("basic", 320, 240, seed=1)
    src = tmp_path / "src.jpg"
    Image.fromarray(img[:, :, ::-1]).save(src, quality=90)
    ok, tif = cv2.imencode(".tif", img)
    data = bytearray(tif.tobytes())
    assert ok and data[:4] == b"II*\0"
    ifd = int.from_bytes(data[4:8], "little")
    for i in range(int.from_bytes(data[ifd:ifd + 2], "little")):
        at = ifd + 2 + 12 * i
        if int.from_bytes(data[at:at + 2], "little") == 259:
            data[at + 8:at + 10] = (50001).to_bytes(2, "little")
            break
    else:
        raise AssertionError("no Compression tag")
    if cv2.imdecode(np.frombuffer(bytes(data), np.uint8), cv2.IMREAD_UNCHANGED) is None:
        pytest.skip("this OpenCV's libtiff has no WebP codec")
    p = tmp_path / "scan.tif"
    p.write_bytes(bytes(data))
    _refused_beside_whole(tmp_path, p, src, "image file is damaged (its picture data cannot be decoded: libtiff: "
                          "WebPGetInfo() failed)")


def test_a_jpeg_with_picture_data_left_over_is_cut_and_said(tmp_path):
    """A JPEG overwritten in the middle of its picture data whose decoding ends before its data
    does: libjpeg says 'Corrupt JPEG data: N extraneous bytes before marker 0xd9' and returns
    the picture, wrong from where it was overwritten; it was cut, exit 0, without a word.  Some
    cameras and scanners write whole pictures that libjpeg says so of: it is cut, and said."""
    p, src = _damaged_jpeg(tmp_path, False, 0.5)
    out = tmp_path / "o"
    r = _run("image", str(p), "-o", str(out), "-q", debug=False)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and re.fullmatch(
        rf"livecut: warning: {re.escape(str(p))}: its picture data may be damaged \(libjpeg: Corrupt JPEG data: "
        r"\d+ extraneous bytes before marker 0xd9\): check its result", lines[0]), r.stderr
    assert (out / "damaged.png").is_file()


def test_jpeg_with_large_metadata_and_a_trailer_is_read(tmp_path, scene):
    """More than 1 MB of metadata before the picture, and bytes after it (a motion photo)."""
    img, _ = scene
    ok, jpg = cv2.imencode(".jpg", img)
    jpg = jpg.tobytes()
    apps = b"".join(b"\xff\xe2" + struct.pack(">H", 65535) + bytes(65533) for _ in range(20))
    p = tmp_path / "big.jpg"
    p.write_bytes(jpg[:2] + apps + jpg[2:] + b"ftypmp42" + bytes(5000))
    _cutout(tmp_path, p)


def test_hidden_files_in_a_folder_are_skipped(tmp_path, good):
    d = good["a.jpg"].parent
    (d / "._a.jpg").write_bytes(b"\x00\x05\x16\x07" + bytes(4000))  # a macOS AppleDouble file
    r = invoke("image", d, "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0, r.output
    assert sorted(q.name for q in (tmp_path / "o").iterdir()) == ["a.png", "b.png"]


def test_three_digit_colour(tmp_path, good):
    res = _cutout(tmp_path, good["b.png"], "--mode", "composite", "-b", "color:#f80")
    assert tuple(res[0, 0]) in ((0, 136, 255),) or np.abs(res[0, 0].astype(int) - (0, 0x88, 0xff)).max() <= 1


def _jpeg_with_icc(img: np.ndarray, icc: bytes) -> bytes:
    ok, jpg = cv2.imencode(".jpg", img)
    jpg = jpg.tobytes()
    seg = b"ICC_PROFILE\x00\x01\x01" + icc
    return jpg[:2] + b"\xff\xe2" + struct.pack(">H", len(seg) + 2) + seg + jpg[2:]


@pytest.mark.parametrize("mode,kept", [("cutout", True), ("composite", True), ("mask", False)])
def test_colour_profile_is_kept(tmp_path, scene, mode, kept):
    """A photo's embedded colour profile (a phone's Display P3) goes with its pixels into the PNG."""
    from livecut.imageio import icc_profile

    img, _ = scene
    # (the header of an RGB display profile: size, CMM, version, class "mntr", space "RGB ")
    icc = struct.pack(">I", 784) + b"lcms" + bytes(4) + b"mntrRGB XYZ " + bytes(256) * 3
    p = tmp_path / "p3.jpg"
    p.write_bytes(_jpeg_with_icc(img, icc))
    out = tmp_path / "o"
    r = invoke("image", p, "-o", out, "-q", "--mode", mode)
    assert r.exit_code == 0, r.output
    data = np.fromfile(out / "p3.png", np.uint8)
    assert icc_profile(data) == (icc if kept else None)
    assert cv2.imdecode(data, cv2.IMREAD_UNCHANGED) is not None
    # a gray profile does not describe the RGB output: not embedded
    gray = icc[:16] + b"GRAY" + icc[20:]
    p.write_bytes(_jpeg_with_icc(img, gray))
    assert invoke("image", p, "-o", out, "-q", "--force", "--mode", mode).exit_code == 0
    assert icc_profile(np.fromfile(out / "p3.png", np.uint8)) is None


def _shots_of_a_resolution(tmp_path: Path, img: np.ndarray, Image) -> list[Path]:
    """The photo ``img`` as a JPEG (JFIF density), PNG (pHYs) and TIFF (in pixels a centimetre)
    that say 300 dots per inch across and 150 up (made by Pillow)."""
    rgb = Image.fromarray(np.ascontiguousarray(img[:, :, ::-1]))
    made = {"shot.jpg": {"dpi": (300, 150)}, "shot.png": {"dpi": (300, 150)},
            "shot.tif": {"tiffinfo": {282: 300 / 2.54, 283: 150 / 2.54, 296: 3}}}
    for name, kw in made.items():
        rgb.save(tmp_path / name, **kw)
    return [tmp_path / name for name in made]


def test_a_photo_s_resolution_is_kept(tmp_path, scene):
    """A photo's resolution (a product shot's 300 dpi, by which print layouts size it) is stated
    in its outputs, whatever its type and theirs: it was left out (a JPEG's JFIF said an aspect
    ratio alone), and InDesign or Word placed the cutout of a 300 dpi photo at 72, four times as
    large; a side-by-side, twice as wide, keeps it too, and so does a mask."""
    Image = pytest.importorskip("PIL.Image")
    img, _ = scene
    runs = [(src, "composite", ext) for src in _shots_of_a_resolution(tmp_path, img, Image)
            for ext in (".png", ".jpg", ".tif")]
    runs += [(tmp_path / "shot.jpg", "cutout", ".tif"), (tmp_path / "shot.png", "mask", ".jpg"),
             (tmp_path / "shot.tif", "side-by-side", ".png")]
    (tmp_path / "o").mkdir()
    for src, mode, ext in runs:
        dst = tmp_path / "o" / f"{src.suffix[1:]}_{mode}{ext}"
        r = invoke("image", src, "-o", dst, "-q", "--mode", mode)
        assert r.exit_code == 0, r.output
        with Image.open(dst) as out:
            assert out.width == img.shape[1] * (2 if mode == "side-by-side" else 1)
            assert np.allclose(out.info.get("dpi", (0, 0)), (300, 150), atol=0.1), (dst.name, out.info.get("dpi"))


def test_a_tiff_output_keeps_a_resolution_of_a_fraction_of_a_dot_per_inch(tmp_path, scene):
    """A TIFF's resolution is a fraction (RATIONAL): a photo at 299.5 by 72.27 dpi (a scan, a
    typographer's points) was cut into a TIFF said to be 300 by 72, its print 0.2 % and 0.4 %
    off; it states the photo's own values (read by Pillow), and a TIFF's, to a TIFF, again."""
    Image = pytest.importorskip("PIL.Image")
    img, _ = scene
    src = tmp_path / "scan.tif"
    Image.fromarray(np.ascontiguousarray(img[:, :, ::-1])).save(src, tiffinfo={282: 299.5, 283: 72.27, 296: 2})
    for mode, name in (("composite", "comp.tif"), ("cutout", "cut.tiff"), ("mask", "mask.tif")):
        r = invoke("image", src, "-o", tmp_path / name, "-q", "--mode", mode)
        assert r.exit_code == 0, r.output
        with Image.open(tmp_path / name) as out:
            assert out.tag_v2[296] == 2, name  # (inches)
            assert float(out.tag_v2[282]) == 299.5 and abs(float(out.tag_v2[283]) - 72.27) < 1e-9, (
                name, out.tag_v2[282], out.tag_v2[283])
            assert (out.tag_v2[282].numerator, out.tag_v2[282].denominator) == (599, 2)
    # a PNG's (pixels a metre: 11811, 299.9994 dpi) is stated as it is, not rounded
    png = tmp_path / "shot.png"
    Image.fromarray(np.ascontiguousarray(img[:, :, ::-1])).save(png, dpi=(300, 300))
    r = invoke("image", png, "-o", tmp_path / "png.tif", "-q", "--mode", "composite")
    assert r.exit_code == 0, r.output
    with Image.open(tmp_path / "png.tif") as out:
        assert abs(float(out.tag_v2[282]) - 11811 * 0.0254) < 1e-9


def _ffprobe_resolution(path: Path) -> dict[str, str]:
    """The resolution tags FFmpeg finds in the EXIF of the picture at ``path`` (XResolution ...)."""
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "frame_tags", "-of", "json", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    tags = json.loads(r.stdout)["frames"][0].get("tags", {})
    return {k: " ".join(v.split()) for k, v in tags.items() if "Resolution" in k}


def test_a_webp_output_states_the_photo_s_resolution(tmp_path, scene):
    """A WebP output stated no resolution (JPEG, PNG and TIFF ones did): a 300 dpi product
    shot's cutout was placed at 72 dpi, four times as large.  It is in an EXIF chunk, as WebP
    holds it (the extended format: its VP8X says so), read by Pillow, FFmpeg and livecut; with
    the photo's colour profile too, and with transparency, the picture decodes as before."""
    Image = pytest.importorskip("PIL.Image")
    from livecut.imageio import icc_profile, read_image

    img, _ = scene
    shot = _shots_of_a_resolution(tmp_path, img, Image)[0]  # (a JPEG: 300 by 150 dpi)
    icc = _rgb_profile(2000)
    p3 = tmp_path / "p3.jpg"
    with Image.open(shot) as im:
        im.save(p3, dpi=(300, 72), icc_profile=icc)
    for src, mode, dpi in ((shot, "cutout", (300, 150)), (shot, "composite", (300, 150)),
                           (shot, "mask", (300, 150)), (p3, "cutout", (300, 72))):
        out = tmp_path / f"{src.stem}_{mode}.webp"
        r = invoke("image", src, "-o", out, "-q", "--mode", mode)
        assert r.exit_code == 0, r.output
        raw = out.read_bytes()
        assert int.from_bytes(raw[4:8], "little") == len(raw) - 8 and raw[12:16] == b"VP8X" and raw[20] & 0x08
        with Image.open(out) as got:
            exif = got.getexif()
            assert (exif.get(282), exif.get(283), exif.get(296)) == (*dpi, 2), (out.name, dict(exif))
            assert got.size == (img.shape[1], img.shape[0])
        assert _ffprobe_resolution(out) == {"XResolution": f"{dpi[0]}:1", "YResolution": f"{dpi[1]}:1",
                                            "ResolutionUnit": "2"}
        meta: dict = {}
        back = read_image(out, meta, any_float=True)
        assert meta["dpi"] == dpi
        assert back.shape == ((*img.shape[:2], 4) if mode == "cutout" else img.shape)
        assert bool(raw[20] & 0x10) == (mode == "cutout")  # (the alpha flag)
        assert (icc_profile(np.fromfile(out, np.uint8)) == icc) == (src == p3)


def test_a_bmp_output_states_the_photo_s_resolution(tmp_path, scene):
    """A BMP output said 0 pixels a metre across and up (OpenCV's), no resolution: a 300 dpi
    product shot's composite was placed at 72 dpi (96 in some programs); its header states the
    photo's, as Pillow and livecut read it, a mask's too."""
    Image = pytest.importorskip("PIL.Image")
    from livecut.imageio import read_image

    img, _ = scene
    shot = _shots_of_a_resolution(tmp_path, img, Image)[0]  # (a JPEG: 300 by 150 dpi)
    for mode in ("composite", "mask"):
        out = tmp_path / f"{mode}.bmp"
        r = invoke("image", shot, "-o", out, "-q", "--mode", mode)
        assert r.exit_code == 0, r.output
        assert struct.unpack("<ii", out.read_bytes()[38:46]) == (11811, 5906)  # (pixels a metre)
        with Image.open(out) as got:
            assert np.allclose(got.info.get("dpi", (0, 0)), (300, 150), atol=0.1), got.info.get("dpi")
        meta: dict = {}
        back = read_image(out, meta)
        assert np.allclose(meta["dpi"], (300, 150), atol=0.1) and back.shape[:2] == img.shape[:2]


def test_a_jpeg_2000_output_states_the_photo_s_resolution(tmp_path, scene):
    """A JPEG 2000 output stated no resolution: a 300 dpi product shot's composite was placed
    at 72 dpi.  Its header box (jp2h) holds a resolution box with the photo's as capture and
    default display resolution (resc, resd: pixels a metre, 300 dpi exactly as 15000/127 x
    10^2), read by Pillow; a fraction of a TIFF's too (299.5 by 72.27)."""
    Image = pytest.importorskip("PIL.Image")
    from livecut.imageio import iso_boxes

    img, _ = scene
    shot = _shots_of_a_resolution(tmp_path, img, Image)[0]  # (a JPEG: 300 by 150 dpi)
    scan = tmp_path / "scan.tif"
    Image.fromarray(np.ascontiguousarray(img[:, :, ::-1])).save(scan, tiffinfo={282: 299.5, 283: 72.27, 296: 2})
    for src, mode, dpi in ((shot, "composite", (300, 150)), (shot, "mask", (300, 150)),
                           (scan, "composite", (299.5, 72.27))):
        out = tmp_path / f"{src.stem}_{mode}.jp2"
        r = invoke("image", src, "-o", out, "-q", "--mode", mode)
        assert r.exit_code == 0, r.output
        with Image.open(out) as got:
            assert np.allclose(got.info.get("dpi", (0, 0)), dpi, rtol=1e-9), got.info.get("dpi")
            assert got.size == (img.shape[1], img.shape[0])
        raw = memoryview(out.read_bytes())
        found = {}
        for kind, start, end in iso_boxes(raw, 0, len(raw)):
            if kind == b"jp2h":
                for kind2, s2, e2 in iso_boxes(raw, start, end):
                    if kind2 == b"res ":
                        for kind3, s3, e3 in iso_boxes(raw, s2, e2):
                            vn, vd, hn, hd, ve, he = struct.unpack(">HHHHbb", raw[s3:e3])
                            found[kind3] = (hn / hd * 10.0 ** he * 0.0254, vn / vd * 10.0 ** ve * 0.0254)
        assert set(found) == {b"resc", b"resd"} and all(np.allclose(v, dpi, rtol=1e-9) for v in found.values())
        back = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
        assert back is not None and back.shape[:2] == img.shape[:2]


def test_an_avif_cutout_s_transparency_is_exact(tmp_path, scene):
    """`livecut image photo.jpg -o cut.avif` coded its alpha as lossily as its colours (quality
    95): background that the PNG cutout leaves wholly transparent showed faintly (alpha 1-3,
    the photo's background behind the subject, ghosted), and the subject had pinholes (alpha
    249); its alpha is lossless now, as the PNG's (Pillow reads the same)."""
    img, _ = scene
    src = tmp_path / "photo.png"
    cv2.imwrite(str(src), img)
    for name in ("cut.png", "cut.avif"):
        r = invoke("image", src, "-o", tmp_path / name, "-q")
        assert r.exit_code == 0, r.output
    png = cv2.imread(str(tmp_path / "cut.png"), cv2.IMREAD_UNCHANGED)
    avif = cv2.imread(str(tmp_path / "cut.avif"), cv2.IMREAD_UNCHANGED)
    assert png.shape == avif.shape == (*img.shape[:2], 4)
    assert (png[:, :, 3] == 0).any() and (png[:, :, 3] == 255).any()
    assert np.array_equal(avif[:, :, 3], png[:, :, 3]), np.abs(avif[:, :, 3].astype(int) - png[:, :, 3]).max()
    Image = pytest.importorskip("PIL.Image")
    from PIL import features
    if features.check("avif"):
        with Image.open(tmp_path / "cut.avif") as got:
            assert np.array_equal(np.asarray(got.convert("RGBA"))[:, :, 3], png[:, :, 3])


def _jp2_with_res(img: np.ndarray, boxes: bytes) -> bytes:
    """``img`` as a JP2 (OpenJPEG's, through OpenCV) with a resolution box (res) holding
    ``boxes`` (resc, resd) at the end of its header box (jp2h)."""
    jp2 = cv2.imencode(".jp2", img)[1].tobytes()
    at = jp2.find(b"jp2h") - 4
    size = struct.unpack(">I", jp2[at:at + 4])[0]
    res = struct.pack(">I", 8 + len(boxes)) + b"res " + boxes
    return jp2[:at] + struct.pack(">I", size + len(res)) + jp2[at + 4:at + size] + res + jp2[at + size:]


def _res_box(kind: bytes, x: tuple[int, int, int], y: tuple[int, int, int]) -> bytes:
    """A JPEG 2000 resc or resd box: pixels a metre across ``x`` and up ``y``, each (n, d, e): n / d x 10^e."""
    return struct.pack(">I", 18) + kind + struct.pack(">HHHHbb", y[0], y[1], x[0], x[1], y[2], x[2])


def test_a_jpeg_2000_photo_s_resolution_is_kept(tmp_path, scene):
    """A JPEG 2000 photo's resolution (a library's scan at 400 dpi, in its resolution box: the
    capture resolution, resc, or the default display one, resd) was not read: its cutout stated
    none.  It is read (capture first, as Pillow reads it; an exponent below 0 too) and stated in
    the output (read by Pillow)."""
    Image = pytest.importorskip("PIL.Image")
    from livecut.imageio import read_image

    img, _ = scene
    files = {  # (400 dpi: 15748.03 pixels a metre, 2000000/127; 200: 1000000/127)
        "capture.jp2": (_res_box(b"resc", (20000, 127, 2), (10000, 127, 2))
                        + _res_box(b"resd", (7200, 254, 2), (7200, 254, 2)), (400, 200)),
        "display.jp2": (_res_box(b"resd", (20000, 127, 2), (10000, 127, 2)), (400, 200)),
        "small.jp2": (_res_box(b"resc", (15748, 1, 0), (39370, 1, -1)), (399.9992, 99.9998)),
    }
    for name, (boxes, dpi) in files.items():
        src = tmp_path / name
        src.write_bytes(_jp2_with_res(img, boxes))
        meta: dict = {}
        assert read_image(src, meta).shape == img.shape
        assert meta["dpi"] is not None and np.allclose(meta["dpi"], dpi, rtol=1e-6), (name, meta["dpi"])
        out = tmp_path / f"{name}.png"
        r = invoke("image", src, "-o", out, "-q")
        assert r.exit_code == 0, r.output
        with Image.open(out) as got:
            assert np.allclose(got.info.get("dpi", (0, 0)), dpi, atol=0.02), (name, got.info.get("dpi"))
    src = tmp_path / "none.jp2"
    src.write_bytes(cv2.imencode(".jp2", img)[1].tobytes())
    meta = {}
    read_image(src, meta)
    assert meta["dpi"] is None


def test_an_avif_output_states_the_photo_s_resolution(tmp_path, scene):
    """An AVIF output stated no resolution: a 300 dpi product shot's cutout was placed at 72
    dpi, four times as large.  It is in an Exif item (XResolution, YResolution, inches), read
    by Pillow; the picture decodes as before, its alpha too."""
    Image = pytest.importorskip("PIL.Image")
    from PIL import features

    if not features.check("avif"):
        pytest.skip("this Pillow reads no AVIF")
    img, _ = scene
    shot = _shots_of_a_resolution(tmp_path, img, Image)[0]  # (a JPEG: 300 by 150 dpi)
    for mode in ("cutout", "composite", "mask"):
        out, png = tmp_path / f"{mode}.avif", tmp_path / f"{mode}.png"
        for dst in (out, png):
            r = invoke("image", shot, "-o", dst, "-q", "--mode", mode)
            assert r.exit_code == 0, r.output
        with Image.open(out) as got:
            exif = got.getexif()
            assert (exif.get(282), exif.get(283), exif.get(296)) == (300, 150, 2), (mode, dict(exif))
            assert got.size == (img.shape[1], img.shape[0])
        back = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
        assert back.shape == {"cutout": (*img.shape[:2], 4), "mask": img.shape[:2]}.get(mode, img.shape), back.shape
        if mode == "cutout":  # (its alpha as the PNG's)
            assert np.array_equal(back[:, :, 3], cv2.imread(str(png), cv2.IMREAD_UNCHANGED)[:, :, 3])


def test_an_avif_photo_s_resolution_is_kept(tmp_path, scene):
    """An AVIF photo's resolution (its Exif item's XResolution and YResolution: a Lightroom
    export's 300 ppi) was not read: its cutout stated none.  It is read (Pillow writes the
    photos), x and y exchanged where the AVIF is turned a quarter (its irot), and stated in
    the output (read by Pillow)."""
    from PIL import Image, features

    from livecut.imageio import read_image, resolution

    if not features.check("avif"):
        pytest.skip("Pillow without AVIF")
    img, _ = scene
    rgb = Image.fromarray(np.ascontiguousarray(img[:, :, ::-1]))
    for name, orientation, dpi in (("plain.avif", 1, (300, 150)), ("turned.avif", 6, (150, 300))):
        exif = Image.Exif()
        exif.update({0x0112: orientation, 282: 300.0, 283: 150.0, 296: 2})
        src = tmp_path / name
        rgb.save(src, exif=exif.tobytes(), quality=90)
        assert (b"irot" in src.read_bytes()) == (orientation == 6)  # (Pillow turns it so)
        meta: dict = {}
        assert read_image(src, meta).shape[:2] == (img.shape[1::-1] if orientation == 6 else img.shape[:2])
        assert meta["dpi"] == dpi, (name, meta["dpi"])
        out = tmp_path / f"{name}.png"
        r = invoke("image", src, "-o", out, "-q")
        assert r.exit_code == 0, r.output
        with Image.open(out) as got:
            assert np.allclose(got.info.get("dpi", (0, 0)), dpi, atol=0.1), (name, got.info.get("dpi"))
    rgb.save(tmp_path / "none.avif", quality=90)
    meta = {}
    read_image(tmp_path / "none.avif", meta)
    assert meta["dpi"] is None
    # a damaged item location box (4 billion items, its version 2's 32-bit count) is not read on
    damaged = bytearray((tmp_path / "plain.avif").read_bytes())
    at = damaged.index(b"iloc") + 4
    damaged[at] = 2
    damaged[at + 6:at + 10] = struct.pack(">I", 0xFFFFFFFF)
    started = time.monotonic()
    assert resolution(np.frombuffer(bytes(damaged), np.uint8)) is None
    assert time.monotonic() - started < 5


def test_a_photo_turned_sideways_keeps_its_resolution_turned(tmp_path, scene):
    """A photo stored sideways (EXIF orientation 6: a camera held upright) whose resolution
    differs across and up (a scan at 300 by 150 dpi) is written upright, and so is its resolution:
    what was across is up (its 300 and 150 were stated as stored, its print stretched)."""
    Image = pytest.importorskip("PIL.Image")
    img, _ = scene
    rgb = Image.fromarray(np.ascontiguousarray(img[:, :, ::-1]))
    exif = Image.Exif()
    exif[0x0112] = 6  # (turn it a quarter clockwise to show it)
    made = {"turned.jpg": {"dpi": (300, 150), "exif": exif}, "turned.png": {"dpi": (300, 150), "exif": exif},
            "turned.tif": {"tiffinfo": {274: 6, 282: 300.0, 283: 150.0, 296: 2}}}
    (tmp_path / "o").mkdir()
    for name, kw in made.items():
        rgb.save(tmp_path / name, **kw)
        for ext in (".png", ".jpg", ".tif"):
            dst = tmp_path / "o" / f"{name[-3:]}{ext}"
            r = invoke("image", tmp_path / name, "-o", dst, "-q", "--mode", "composite")
            assert r.exit_code == 0, r.output
            with Image.open(dst) as out:
                assert out.size == (img.shape[0], img.shape[1])  # (upright: as tall as it was wide)
                assert np.allclose(out.info.get("dpi", (0, 0)), (150, 300), atol=0.1), (dst.name, out.info.get("dpi"))


def _jpeg_with_dcf_exif(img: np.ndarray, colour_space: int, interop: bytes | None, bo: str = "<") -> bytes:
    """A JPEG of ``img`` with an EXIF (APP1) that says its colours as a camera's DCF files do:
    ColorSpace (0xA001 of the Exif IFD; 1 sRGB, 0xFFFF uncalibrated) and, where given, the
    InteroperabilityIndex (0x0001 of the Interop IFD: ``b"R98"`` sRGB, ``b"R03"`` Adobe RGB)."""
    head = (b"II*\0" if bo == "<" else b"MM\0*") + struct.pack(bo + "I", 8)
    ifd0 = struct.pack(bo + "HHHII", 1, 0x8769, 4, 1, 26) + bytes(4)  # (-> the Exif IFD, at 26)
    n = 2 if interop else 1
    exif = struct.pack(bo + "HHHIHH", n, 0xA001, 3, 1, colour_space, 0)
    if interop:
        exif += struct.pack(bo + "HHII", 0xA005, 4, 1, 26 + 2 + 12 * n + 4)
    exif += bytes(4)
    iop = struct.pack(bo + "HHHI", 1, 0x0001, 2, 4) + interop + b"\0" + bytes(4) if interop else b""
    seg = b"Exif\0\0" + head + ifd0 + exif + iop
    ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 98])
    jpg = jpg.tobytes()
    return jpg[:2] + b"\xff\xe1" + struct.pack(">H", len(seg) + 2) + seg + jpg[2:]


@pytest.mark.parametrize("mode", ["cutout", "composite"])
def test_a_cameras_adobe_rgb_jpeg_said_in_its_exif_keeps_its_colours(tmp_path, scene, mode):
    """A camera set to Adobe RGB (Nikon, Canon, Sony: DCF's option files, _DSC0001.JPG) embeds no
    colour profile: its EXIF says so, ColorSpace uncalibrated and InteroperabilityIndex R03,
    which Photoshop, Lightroom, darktable and GIMP read.  Its cutout, with no EXIF and no
    profile, was taken for sRGB: its colours shown dull.  It carries an Adobe RGB (1998)
    profile, which a colour manager (littlecms) maps to sRGB as Adobe RGB's formulas do; an
    sRGB one (ColorSpace 1, R98), or uncalibrated without R03, carries none, as before; its
    mask none."""
    from livecut.imageio import icc_profile

    img, _ = scene
    for name, colour_space, interop, bo in (("adobe.jpg", 0xFFFF, b"R03", "<"), ("adobe_mm.jpg", 0xFFFF, b"R03", ">"),
                                            ("srgb.jpg", 1, b"R98", "<"), ("uncal.jpg", 0xFFFF, None, "<")):
        (tmp_path / name).write_bytes(_jpeg_with_dcf_exif(img, colour_space, interop, bo))
    r = invoke("image", *(tmp_path / n for n in ("adobe.jpg", "adobe_mm.jpg", "srgb.jpg", "uncal.jpg")),
               "-o", tmp_path / "o", "--mode", mode, "-q")
    assert r.exit_code == 0 and not _stderr_lines(r), r.output
    assert icc_profile(np.fromfile(tmp_path / "o" / "srgb.png", np.uint8)) is None
    assert icc_profile(np.fromfile(tmp_path / "o" / "uncal.png", np.uint8)) is None
    icc = icc_profile(np.fromfile(tmp_path / "o" / "adobe.png", np.uint8))
    assert icc is not None and icc[16:20] == b"RGB "
    assert icc_profile(np.fromfile(tmp_path / "o" / "adobe_mm.png", np.uint8)) == icc
    r = invoke("image", tmp_path / "adobe.jpg", "-o", tmp_path / "m", "--mode", "mask", "-q")
    assert r.exit_code == 0 and icc_profile(np.fromfile(tmp_path / "m" / "adobe.png", np.uint8)) is None
    cms = pytest.importorskip("PIL.ImageCms")
    import io

    from PIL import Image

    to_srgb = cms.buildTransform(cms.ImageCmsProfile(io.BytesIO(icc)), cms.createProfile("sRGB"), "RGB", "RGB")
    colours = np.array([[[200, 100, 50], [128, 128, 128], [60, 160, 70], [40, 90, 220]]], np.uint8)
    got = np.asarray(cms.applyTransform(Image.fromarray(colours), to_srgb)).astype(int)
    adobe = np.array([[0.5767309, 0.1855540, 0.1881852], [0.2973769, 0.6273491, 0.0752741],
                      [0.0270343, 0.0706872, 0.9911085]])
    srgb = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                     [0.0193339, 0.1191920, 0.9503041]])
    lin = (colours[0] / 255.0) ** (563 / 256)
    out = np.clip(lin @ adobe.T @ np.linalg.inv(srgb).T, 0, 1)
    want = 255 * np.where(out <= 0.0031308, out * 12.92, 1.055 * out ** (1 / 2.4) - 0.055)
    assert np.abs(got[0] - want).max() <= 2, (got, want.round())


def _png_with_chunks(img: np.ndarray, *chunks: tuple[bytes, bytes]) -> bytes:
    """A PNG of ``img`` with ``chunks`` (type, data) after its IHDR."""
    png = cv2.imencode(".png", img)[1].tobytes()
    return png[:33] + b"".join(_chunk(kind, data) for kind, data in chunks) + png[33:]


def _chrm(xy) -> bytes:
    """A PNG's cHRM data of (red, green, blue, white) (x, y) pairs."""
    (r, g, b, w) = xy
    return struct.pack(">8I", *(round(v * 100000) for v in (*w, *r, *g, *b)))


@pytest.mark.parametrize("ext", [".png", ".jpg"])
def test_a_pngs_gamma_and_chromaticities_keep_its_colours(tmp_path, scene, ext):
    """A PNG that says its colours in gAMA and cHRM chunks, with no profile (iCCP) nor sRGB
    chunk (as Photoshop's Save for Web, ImageMagick and older Macs' PNGs do): its cutout was
    written with neither, taken for sRGB, its colours and tones shifted.  It carries a colour
    profile made of them, as a profile is carried: Adobe RGB primaries at gamma 1.8 are
    mapped to sRGB by a colour manager (littlecms) as their formulas say.  A gAMA of sRGB's
    2.2 alone, or beside an sRGB or iCCP chunk (which rule), makes none; a mask has none."""
    from livecut.imageio import _ADOBE_RGB, icc_profile

    img, _ = scene
    gama = struct.pack(">I", 55556)  # (1 / 1.8)
    files = {"adobe18.png": [(b"gAMA", gama), (b"cHRM", _chrm(_ADOBE_RGB))],
             "gamma18.png": [(b"gAMA", gama)],
             "srgb22.png": [(b"gAMA", struct.pack(">I", 45455))],
             "srgbchunk.png": [(b"sRGB", b"\0"), (b"gAMA", gama), (b"cHRM", _chrm(_ADOBE_RGB))],
             "iccp.png": [(b"iCCP", b"p\0\0" + zlib.compress(_rgb_profile(600))), (b"gAMA", gama)]}
    for name, chunks in files.items():
        (tmp_path / name).write_bytes(_png_with_chunks(img, *chunks))
    out = tmp_path / "o"
    r = invoke("image", *(tmp_path / n for n in files), "-o", out, "-q", "--mode", "composite")
    assert r.exit_code == 0 and not _stderr_lines(r), r.output
    if ext == ".jpg":
        for name in files:
            assert invoke("image", tmp_path / name, "-o", out / Path(name).with_suffix(ext).name, "-q", "--force",
                          "--mode", "composite").exit_code == 0
    got = {n: icc_profile(np.fromfile(out / Path(n).with_suffix(ext).name, np.uint8)) for n in files}
    assert got["srgb22.png"] is None and got["srgbchunk.png"] is None
    assert got["iccp.png"] == _rgb_profile(600)
    assert got["adobe18.png"] is not None and got["gamma18.png"] is not None
    r = invoke("image", tmp_path / "adobe18.png", "-o", tmp_path / "m", "--mode", "mask", "-q")
    assert r.exit_code == 0 and icc_profile(np.fromfile(tmp_path / "m" / "adobe18.png", np.uint8)) is None
    cms = pytest.importorskip("PIL.ImageCms")
    import io

    from PIL import Image

    colours = np.array([[[200, 100, 50], [128, 128, 128], [60, 160, 70], [40, 90, 220]]], np.uint8)
    adobe = np.array([[0.5767309, 0.1855540, 0.1881852], [0.2973769, 0.6273491, 0.0752741],
                      [0.0270343, 0.0706872, 0.9911085]])
    srgb = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                     [0.0193339, 0.1191920, 0.9503041]])
    for name, primaries in (("adobe18.png", adobe), ("gamma18.png", srgb)):
        to_srgb = cms.buildTransform(cms.ImageCmsProfile(io.BytesIO(got[name])), cms.createProfile("sRGB"),
                                     "RGB", "RGB")
        seen = np.asarray(cms.applyTransform(Image.fromarray(colours), to_srgb)).astype(int)
        lin = np.clip((colours[0] / 255.0) ** 1.8 @ primaries.T @ np.linalg.inv(srgb).T, 0, 1)
        want = 255 * np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)
        assert np.abs(seen[0] - want).max() <= 2, (name, seen, want.round())


def _bigtiff(img: np.ndarray, icc: bytes, bo: str = "<") -> bytes:
    """An uncompressed BigTIFF of ``img`` (BGR) with the colour profile ``icc`` (tag 34675), by hand."""
    h, w, _ = img.shape
    px = img[:, :, ::-1].tobytes()
    short = (256, 257, 259, 262, 277, 278)
    entries = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 3, 0), (259, 3, 1, 1), (262, 3, 1, 2), (273, 16, 1, 0),
               (277, 3, 1, 3), (278, 3, 1, h), (279, 16, 1, len(px)), (34675, 7, len(icc), 0)]
    at = 16 + 8 + 20 * len(entries) + 8  # (the profile, then the pixels)
    out = (b"II+\0" if bo == "<" else b"MM\0+") + struct.pack(bo + "HHQ", 8, 0, 16) + struct.pack(bo + "Q", len(entries))
    for tag, typ, count, v in entries:
        value = (struct.pack(bo + "HHH", 8, 8, 8) if tag == 258 else struct.pack(bo + "H", v) if tag in short
                 else struct.pack(bo + "Q", {273: at + len(icc), 34675: at}.get(tag, v)))
        out += struct.pack(bo + "HHQ", tag, typ, count) + value.ljust(8, b"\0")
    return out + struct.pack(bo + "Q", 0) + icc + px


def _bmp_v5(img: np.ndarray, icc: bytes, space: bytes = b"MBED") -> bytes:
    """A BMP of ``img`` with a BITMAPV5HEADER whose colour space is ``space`` (MBED: the
    profile ``icc`` embedded after the pixels, as Photoshop and GIMP write one)."""
    b = cv2.imencode(".bmp", img)[1].tobytes()
    px = b[int.from_bytes(b[10:14], "little"):]
    v5 = bytearray(b[14:54] + bytes(84))
    v5[0:4] = (124).to_bytes(4, "little")
    v5[56:60] = space[::-1]  # (a DWORD, little-endian)
    if space == b"MBED":
        v5[112:120] = struct.pack("<II", 124 + len(px), len(icc))  # (from the header's start)
    after = icc if space == b"MBED" else b""
    return b"BM" + struct.pack("<III", 14 + 124 + len(px) + len(after), 0, 14 + 124) + bytes(v5) + px + after


def _jp2_with_icc(img: np.ndarray, icc: bytes) -> bytes:
    """A JPEG 2000 (JP2) of ``img`` whose colour specification box (colr, in jp2h) holds ``icc``
    (method 2), as Photoshop and Kakadu write one."""
    b = cv2.imencode(".jp2", img)[1].tobytes()
    i = b.index(b"jp2h") - 4
    n = int.from_bytes(b[i:i + 4], "big")
    sub, j, boxes = b[i + 8:i + n], 0, []
    while j < len(sub):
        m = int.from_bytes(sub[j:j + 4], "big")
        box = sub[j:j + m]
        if box[4:8] == b"colr":
            box = (11 + len(icc)).to_bytes(4, "big") + b"colr" + bytes((2, 0, 0)) + icc
        boxes.append(box)
        j += m
    body = b"jp2h" + b"".join(boxes)
    return b[:i] + (len(body) + 4).to_bytes(4, "big") + body + b[i + n:]


def test_the_colour_profile_of_a_bigtiff_bmp_or_jpeg_2000_is_kept(tmp_path, scene):
    """A BigTIFF's colour profile (tag 34675, as in a TIFF), a BMP's embedded in its
    BITMAPV5HEADER (PROFILE_EMBEDDED) and a JPEG 2000's (its colr box, method 2) were not read:
    the cutout of such a Display P3 or Adobe RGB photo was written without it, unsaid, and
    taken for sRGB.  Each is kept; a BMP of the sRGB colour space and a plain JP2 carry none."""
    from livecut.imageio import icc_profile

    img, _ = scene
    icc = _rgb_profile(700, seed=9)
    files = {"big.tif": _bigtiff(img, icc), "bigmm.tif": _bigtiff(img, icc, ">"), "v5.bmp": _bmp_v5(img, icc),
             "icc.jp2": _jp2_with_icc(img, icc), "srgb.bmp": _bmp_v5(img, icc, b"sRGB"),
             "plain.jp2": cv2.imencode(".jp2", img)[1].tobytes()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    out = tmp_path / "o"
    r = invoke("image", *(tmp_path / n for n in files), "-o", out, "-q")
    assert r.exit_code == 0 and not _stderr_lines(r), r.output
    got = {n: icc_profile(np.fromfile(out / Path(n).with_suffix(".png").name, np.uint8)) for n in files}
    assert got == {"big.tif": icc, "bigmm.tif": icc, "v5.bmp": icc, "icc.jp2": icc, "srgb.bmp": None,
                   "plain.jp2": None}
    assert np.array_equal(_cutout(tmp_path, tmp_path / "big.tif"), _cutout(tmp_path, _write(tmp_path / "b.png", img)))


def _tiff_with_dcf_exif(img: np.ndarray, colour_space: int, interop: bytes, bo: str = "<") -> bytes:
    """A TIFF of ``img`` whose first directory points (0x8769) to an Exif IFD that says its
    colours as :func:`_jpeg_with_dcf_exif`'s does (a camera's TIFF, Nikon's and Canon's)."""
    rgb = img[:, :, ::-1]
    size = len(_tiff(rgb, None, bo=bo, more=((0x8769, 4, [0]),)))
    at = size + size % 2
    exif = struct.pack(bo + "HHHIHH", 2, 0xA001, 3, 1, colour_space, 0) + struct.pack(bo + "HHII", 0xA005, 4, 1, at + 30)
    iop = struct.pack(bo + "HHHI", 1, 0x0001, 2, 4) + interop + b"\0"
    return (_tiff(rgb, None, bo=bo, more=((0x8769, 4, [at]),)) + bytes(size % 2) + exif + bytes(4)
            + iop + bytes(4))


def test_a_cameras_adobe_rgb_tiff_said_in_its_exif_keeps_its_colours(tmp_path, scene):
    """A camera's TIFF set to Adobe RGB says so in its EXIF alone, as its JPEG does (ColorSpace
    uncalibrated, InteroperabilityIndex R03): the JPEG's cutout carried an Adobe RGB (1998)
    profile, the TIFF's none, taken for sRGB.  It carries the JPEG's profile now (either byte
    order); an sRGB one (R98) none; an embedded profile rules over its EXIF."""
    from livecut.imageio import _tiff_tags, icc_profile

    img, _ = scene
    icc = _rgb_profile(800, seed=2)
    adobe = _tiff_with_dcf_exif(img, 0xFFFF, b"R03")
    files = {"adobe.tif": adobe, "adobe_mm.tif": _tiff_with_dcf_exif(img, 0xFFFF, b"R03", ">"),
             "srgb.tif": _tiff_with_dcf_exif(img, 1, b"R98"),
             "embedded.tif": b"".join(bytes(part) for part in _tiff_tags(adobe, False, icc)),
             "camera.jpg": _jpeg_with_dcf_exif(img, 0xFFFF, b"R03")}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    r = invoke("image", *(tmp_path / n for n in files), "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0 and not _stderr_lines(r), r.output
    got = {n: icc_profile(np.fromfile(tmp_path / "o" / Path(n).with_suffix(".png").name, np.uint8)) for n in files}
    assert got["camera.jpg"] is not None and got["camera.jpg"][16:20] == b"RGB "
    assert got["adobe.tif"] == got["adobe_mm.tif"] == got["camera.jpg"]
    assert got["srgb.tif"] is None
    assert got["embedded.tif"] == icc


def test_a_png_cut_short_in_its_chromaticities_has_no_profile(tmp_path, scene):
    """colour_profile (what -b image: is compared by) of a PNG cut short inside its cHRM chunk
    raised struct.error ('unpack requires a buffer of 32 bytes'), where a file that cannot be
    read has none (None), as one cut anywhere else has."""
    from livecut.imageio import _ADOBE_RGB, colour_profile

    img, _ = scene
    png = _png_with_chunks(img, (b"gAMA", struct.pack(">I", 55556)), (b"cHRM", _chrm(_ADOBE_RGB)))
    at = png.index(b"cHRM") + 4
    for cut in (at, at + 10, at + 31):
        (tmp_path / "cut.png").write_bytes(png[:cut])
        assert colour_profile(tmp_path / "cut.png") is None, cut
    (tmp_path / "whole.png").write_bytes(png)
    assert colour_profile(tmp_path / "whole.png") is not None


@pytest.mark.parametrize("mode,said", [("cutout", True), ("side-by-side", True), ("mask", False)])
def test_a_gray_photos_profile_left_out_is_said(tmp_path, scene, mode, said):
    """A gray JPEG with its gray profile (Photoshop's Dot Gain 20 %, black-and-white work) was cut
    into RGB with the profile dropped without a word, where a CMYK one is said and an output
    type that cannot keep an RGB one too; a warning says so (not of a mask: no colours)."""
    from livecut.imageio import icc_profile

    img, _ = scene
    icc = struct.pack(">I", 784) + b"lcms" + bytes(4) + b"mntrGRAYXYZ " + bytes(256) * 3
    p = tmp_path / "bw.jpg"
    p.write_bytes(_jpeg_with_icc(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), icc))
    out = tmp_path / "o"
    r = invoke("image", p, "-o", out, "-q", "--mode", mode)
    assert r.exit_code == 0, r.output
    assert icc_profile(np.fromfile(out / "bw.png", np.uint8)) is None
    warning = (f"livecut: warning: {p}: a gray photo: its {mode} is written in RGB without its gray colour "
               "profile, which does not describe RGB, and its tones may differ from what colour-managed "
               "viewers show (convert it to RGB first)")
    assert _stderr_lines(r) == ([warning] if said else []), r.output


def test_gray_photos_are_said_once_a_run(tmp_path, scene):
    """A black-and-white series of gray JPEGs with their gray profile said the gray warning once
    per photo, the same line but for its name; it is said of the first, then the others' count
    and names once at the end, the first three named."""
    img, _ = scene
    icc = struct.pack(">I", 784) + b"lcms" + bytes(4) + b"mntrGRAYXYZ " + bytes(256) * 3
    d = tmp_path / "in"
    d.mkdir()
    names = [f"bw{i}.jpg" for i in range(6)]
    for name in names:
        (d / name).write_bytes(_jpeg_with_icc(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), icc))
    r = invoke("image", *(d / name for name in names), "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [
        f"livecut: warning: {d / 'bw0.jpg'}: a gray photo: its cutout is written in RGB without its gray colour "
        "profile, which does not describe RGB, and its tones may differ from what colour-managed viewers show "
        "(convert it to RGB first)",
        f"livecut: warning: 5 more photos ({d / 'bw1.jpg'}, {d / 'bw2.jpg'}, {d / 'bw3.jpg'} and 2 more): gray "
        "photos too, written in RGB without their gray colour profiles"], r.output


@pytest.mark.parametrize("mode,said", [("cutout", True), ("composite", True), ("mask", False)])
def test_a_cmyk_photos_profile_not_applied_is_said(tmp_path, scene, mode, said):
    """A CMYK JPEG (print work, Photoshop's Adobe JPEG) with its CMYK profile was cut with its
    colours converted to RGB plainly by the decoder and the profile dropped without a word;
    now a warning says so (not of a mask: no colours).  An RGB profile says nothing."""
    Image = pytest.importorskip("PIL.Image")
    import io

    img, _ = scene
    icc = struct.pack(">I", 784) + b"lcms" + bytes(4) + b"prtrCMYKLab " + bytes(256) * 3
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img[:, :, ::-1])).convert("CMYK").save(buf, "JPEG", icc_profile=icc)
    p = tmp_path / "print.jpg"
    p.write_bytes(buf.getvalue())
    out = tmp_path / "o"
    r = invoke("image", p, "-o", out, "-q", "--mode", mode)
    assert r.exit_code == 0, r.output
    assert cv2.imread(str(out / "print.png"), cv2.IMREAD_UNCHANGED) is not None
    warning = (f"livecut: warning: {p}: a CMYK photo: its colours were converted to RGB without its colour "
               "profile, which livecut does not apply, and may differ from what colour-managed viewers show "
               "(convert it to RGB first)")
    assert _stderr_lines(r) == ([warning] if said else []), r.output
    rgb = tmp_path / "rgb.jpg"
    rgb.write_bytes(_jpeg_with_icc(img, icc[:16] + b"RGB XYZ " + icc[24:]))
    r = invoke("image", rgb, "-o", out, "-q", "--mode", mode)
    assert r.exit_code == 0 and not _stderr_lines(r), r.output


def test_cmyk_photos_are_said_once_a_run(tmp_path, scene):
    """`livecut image print/*.jpg -o cut/` of a print job's CMYK photos said the CMYK warning once
    per photo, the same line but for its name; it is said of the first, then the others' count
    and names once at the end."""
    Image = pytest.importorskip("PIL.Image")
    import io

    img, _ = scene
    icc = struct.pack(">I", 784) + b"lcms" + bytes(4) + b"prtrCMYKLab " + bytes(256) * 3
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img[:, :, ::-1])).convert("CMYK").save(buf, "JPEG", icc_profile=icc)
    d = tmp_path / "in"
    d.mkdir()
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (d / name).write_bytes(buf.getvalue())
    cv2.imwrite(str(d / "rgb.jpg"), img)
    r = invoke("image", d / "a.jpg", d / "rgb.jpg", d / "b.jpg", d / "c.jpg", "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [
        f"livecut: warning: {d / 'a.jpg'}: a CMYK photo: its colours were converted to RGB without its colour "
        "profile, which livecut does not apply, and may differ from what colour-managed viewers show (convert it "
        "to RGB first)",
        f"livecut: warning: 2 more photos ({d / 'b.jpg'}, {d / 'c.jpg'}): CMYK photos too, their colours converted "
        "to RGB without their colour profiles"], r.output


def test_a_background_picture_in_another_colour_space_is_said(tmp_path, scene):
    """The composite carries the photo's colour profile; a -b image: backdrop's pixels are put in
    as they are, so a backdrop in another colour space (an sRGB studio backdrop behind a phone's
    Display P3 photo, an Adobe RGB one behind an sRGB photo) was shown with its colours shifted
    in every colour-managed viewer, without a word.  A warning says so (livecut converts no
    colours); the same space (the same primaries; none is sRGB) says nothing, nor does a cutout
    or a mask, which show no backdrop."""
    from livecut.imageio import _ADOBE_RGB, _matrix_icc

    img, _ = scene
    curve = b"curv" + bytes(4) + (1).to_bytes(4, "big") + (563).to_bytes(2, "big")  # (a gamma: 2.2)
    p3 = _matrix_icc(((0.68, 0.32), (0.265, 0.69), (0.15, 0.06), (0.3127, 0.3290)), curve, b"P3")
    adobe = _matrix_icc(_ADOBE_RGB, curve, b"Adobe RGB")
    srgb = _matrix_icc(((0.64, 0.33), (0.30, 0.60), (0.15, 0.06), (0.3127, 0.3290)), curve, b"sRGB")
    files = {"p3.jpg": _jpeg_with_icc(img, p3), "plain.jpg": cv2.imencode(".jpg", img)[1].tobytes(),
             "srgb.jpg": _jpeg_with_icc(img, srgb), "adobe.jpg": _jpeg_with_icc(img, adobe),
             "p3b.jpg": _jpeg_with_icc(img[::-1].copy(), p3)}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "o").mkdir()

    def said(photo, backdrop, mode="composite"):
        r = invoke("image", tmp_path / photo, "-o", tmp_path / "o" / f"{photo}-{backdrop}-{mode}.png", "-q",
                   "--mode", mode, "-b", f"image:{tmp_path / backdrop}")
        assert r.exit_code == 0, r.output
        return _stderr_lines(r)

    for photo, backdrop in (("p3.jpg", "plain.jpg"), ("plain.jpg", "adobe.jpg"), ("p3.jpg", "adobe.jpg"),
                            ("srgb.jpg", "p3b.jpg")):
        assert said(photo, backdrop) == [
            f"livecut: warning: {tmp_path / photo}: the background {tmp_path / backdrop} is in another colour "
            "space (colour profile): its colours are written as the photo's and shown shifted by colour-managed "
            "viewers (livecut converts no colours: convert the background to the photo's profile first)"], \
            (photo, backdrop)
    assert said("p3.jpg", "plain.jpg", "side-by-side")
    for photo, backdrop in (("p3.jpg", "p3b.jpg"), ("plain.jpg", "srgb.jpg"), ("srgb.jpg", "plain.jpg"),
                            ("plain.jpg", "plain.jpg")):
        assert said(photo, backdrop) == [], (photo, backdrop)
    assert not any("colour space" in line for line in said("p3.jpg", "plain.jpg", "cutout"))
    assert not any("colour space" in line for line in said("p3.jpg", "plain.jpg", "mask"))


def test_a_background_picture_in_another_colour_space_is_said_once_a_run(tmp_path, scene):
    """A phone's Display P3 photos over one sRGB studio backdrop (-b image:) said the backdrop's
    warning once per photo, the same line but for its name; it is said of the first, then the
    others' count and names once at the end."""
    from livecut.imageio import _matrix_icc

    img, _ = scene
    curve = b"curv" + bytes(4) + (1).to_bytes(4, "big") + (563).to_bytes(2, "big")  # (a gamma: 2.2)
    p3 = _matrix_icc(((0.68, 0.32), (0.265, 0.69), (0.15, 0.06), (0.3127, 0.3290)), curve, b"P3")
    d = tmp_path / "in"
    d.mkdir()
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (d / name).write_bytes(_jpeg_with_icc(img, p3))
    bg = tmp_path / "plain.jpg"
    cv2.imwrite(str(bg), img)
    r = invoke("image", d / "a.jpg", d / "b.jpg", d / "c.jpg", "-o", tmp_path / "o", "-q", "-b", f"image:{bg}")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [
        f"livecut: warning: {d / 'a.jpg'}: the background {bg} is in another colour space (colour profile): its "
        "colours are written as the photo's and shown shifted by colour-managed viewers (livecut converts no "
        "colours: convert the background to the photo's profile first)",
        f"livecut: warning: 2 more photos ({d / 'b.jpg'}, {d / 'c.jpg'}): the background {bg} is in another colour "
        "space than theirs too, its colours shown shifted"], r.output


@pytest.mark.parametrize("ext,mode,said", [(".bmp", "composite", True), (".ppm", "composite", True),
                                           (".jpg", "composite", False), (".bmp", "mask", False)])
def test_colour_profile_left_out_is_said(tmp_path, scene, ext, mode, said):
    """-o cut.bmp (or .jp2, .ppm) of a photo with a colour profile dropped it without a word."""
    img, _ = scene
    icc = struct.pack(">I", 784) + b"lcms" + bytes(4) + b"mntrRGB XYZ " + bytes(256) * 3
    p = tmp_path / "p3.jpg"
    p.write_bytes(_jpeg_with_icc(img, icc))
    out = tmp_path / f"cut{ext}"
    r = invoke("image", p, "-o", out, "-q", "--mode", mode)
    assert r.exit_code == 0, r.output
    warned = [ln for ln in _stderr_lines(r) if "colour profile" in ln]
    assert warned == ([f"livecut: warning: {out}: {ext} does not keep {p}'s colour profile: colour-managed "
                       "viewers take its colours for sRGB (write .png, .jpg, .webp, .tif or .avif to keep it)"]
                      if said else []), r.stderr


def test_an_srgb_colour_profile_left_out_is_not_said(tmp_path, scene):
    """-o cut.bmp (or .ppm; .avif before AVIF outputs kept a profile) of a photo whose profile is sRGB (as most exported JPEGs and
    the shipped chelsea.png carry: a curv table or LittleCMS's para curve) warned 'colour-managed
    viewers take its colours for sRGB', which they are: nothing is lost.  A gamma 1.8 or linear
    curve on sRGB's primaries, or another space's primaries, is still said."""
    from PIL import ImageCms

    from livecut.imageio import _matrix_icc

    img, _ = scene
    srgb_xy = ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06), (0.3127, 0.3290))
    x = np.linspace(0, 1, 1024)
    table = np.round(np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4) * 65535).astype(">u2")
    gamma = lambda g: b"curv" + bytes(4) + (1).to_bytes(4, "big") + round(g * 256).to_bytes(2, "big")  # noqa: E731
    profiles = {"table": (_matrix_icc(srgb_xy, b"curv" + bytes(4) + (1024).to_bytes(4, "big") + table.tobytes(),
                                      b"sRGB IEC61966-2.1"), False),
                "lcms": (ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(), False),
                "g18": (_matrix_icc(srgb_xy, gamma(1.8), b"sRGB primaries, gamma 1.8"), True),
                "linear": (_matrix_icc(srgb_xy, b"curv" + bytes(8), b"linear sRGB"), True),
                "p3": (_matrix_icc(((0.68, 0.32), (0.265, 0.69), (0.15, 0.06), (0.3127, 0.3290)), gamma(2.2),
                                   b"P3"), True)}
    for name, (icc, said) in profiles.items():
        p = tmp_path / f"{name}.jpg"
        p.write_bytes(_jpeg_with_icc(img, icc))
        for ext in (".bmp", ".ppm"):
            out = tmp_path / f"{name}{ext}"
            r = invoke("image", p, "-o", out, "-q", "--mode", "composite")
            assert r.exit_code == 0, r.output
            warned = [ln for ln in _stderr_lines(r) if "colour profile" in ln]
            assert warned == ([f"livecut: warning: {out}: {ext} does not keep {p}'s colour profile: colour-managed "
                               "viewers take its colours for sRGB (write .png, .jpg, .webp, .tif or .avif to keep it)"]
                              if said else []), (name, ext, r.stderr)


def test_an_avifs_colour_profile_is_kept(tmp_path, scene):
    """An AVIF's ICC profile (its colr property, as Pillow and libavif's avifenc write it) was
    not read: the cutout of a Display P3 AVIF was written without it, unsaid, and taken for sRGB."""
    from PIL import Image, features

    if not features.check("avif"):
        pytest.skip("Pillow without AVIF")
    img, _ = scene
    icc = _rgb_profile(3000, seed=4)
    p = tmp_path / "p3.avif"
    Image.fromarray(img[:, :, ::-1]).save(p, icc_profile=icc, quality=90)
    res = _cutout(tmp_path, p)
    assert res.shape[:2] == img.shape[:2]
    assert Image.open(tmp_path / "o" / "p3.png").info.get("icc_profile") == icc


def test_a_pngs_cicp_colour_description_is_kept(tmp_path, scene):
    """A PNG whose colours are described by a cICP chunk alone (PNG's third edition: Display P3,
    primaries 12, sRGB transfer 13; no iCCP) was cut with no profile, shown as sRGB, dull; it
    carries the one a HEIC's or AVIF's such nclx is made.  cICP rules over gAMA: an sRGB one
    (1/13) beside a gamma of 1.8 carries none."""
    from livecut.imageio import icc_profile, other_colour_space

    img, _ = scene
    ok, png = cv2.imencode(".png", img)
    end = 8 + 25  # (the signature, IHDR)
    for name, chunks in (("p3.png", _chunk(b"cICP", bytes((12, 13, 0, 1)))),
                         ("srgb.png", _chunk(b"cICP", bytes((1, 13, 0, 1))) + _chunk(b"gAMA", struct.pack(">I", 55556)))):
        (tmp_path / name).write_bytes(png.tobytes()[:end] + chunks + png.tobytes()[end:])
        _cutout(tmp_path, tmp_path / name)
    icc = icc_profile(np.fromfile(tmp_path / "o" / "p3.png", np.uint8))
    assert icc is not None and icc[16:20] == b"RGB " and other_colour_space(icc, None)  # (P3's primaries)
    assert icc_profile(np.fromfile(tmp_path / "o" / "srgb.png", np.uint8)) is None


def test_high_dynamic_range_photos_are_said_once_a_run(tmp_path, scene):
    """A phone's HDR photos (PQ, HLG) said the HDR warning once per photo, the same line but for
    its name; each transfer is said of its first photo, then the others' count and names once
    at the end."""
    img, _ = scene
    ok, png = cv2.imencode(".png", img.astype(np.uint16) * 257)
    end = 8 + 25  # (the signature, IHDR)
    d = tmp_path / "in"
    d.mkdir()
    for name, transfer in (("pq0.png", 16), ("hlg0.png", 18), ("pq1.png", 16), ("pq2.png", 16), ("hlg1.png", 18)):
        (d / name).write_bytes(png.tobytes()[:end] + _chunk(b"cICP", bytes((9, transfer, 0, 1)))
                               + png.tobytes()[end:])
    r = invoke("image", *(d / n for n in ("pq0.png", "hlg0.png", "pq1.png", "pq2.png", "hlg1.png")),
               "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0, r.output
    said = [line for line in _stderr_lines(r) if "high-dynamic-range" in line]
    assert said == [f"livecut: warning: {d / f'{hdr.lower()}0.png'}: a high-dynamic-range photo ({hdr} transfer): "
                    f"its cutout holds its {hdr} values as they are, without what says they are, and viewers show "
                    "them as SDR, flat and dull (livecut does not tone-map: export the photo as SDR first)"
                    for hdr in ("PQ", "HLG")] + [
        f"livecut: warning: 2 more photos ({d / 'pq1.png'}, {d / 'pq2.png'}): high-dynamic-range photos (PQ "
        "transfer) too, their PQ values written as they are, shown as SDR, flat and dull",
        f"livecut: warning: 1 more photo ({d / 'hlg1.png'}): high-dynamic-range photos (HLG transfer) too, their "
        "HLG values written as they are, shown as SDR, flat and dull"], r.output


def test_a_high_dynamic_range_photo_is_said_to_be_written_as_its_values(tmp_path, scene):
    """An AVIF whose nclx says its values are PQ or HLG (BT.2020: a Lightroom HDR export), or a
    16-bit PNG whose cICP says so, was cut and written as if SDR, without that description: its
    cutout shown flat and dull, exit 0, unsaid.  A warning says so (its mask, of no colours,
    none; an SDR AVIF none)."""
    img, _ = scene
    ok, buf = cv2.imencode(".avif", img, [cv2.IMWRITE_AVIF_QUALITY, 100])
    at = buf.tobytes().index(b"nclx") + 4
    for name, transfer in (("pq.avif", 16), ("hlg.avif", 18), ("sdr.avif", 13)):
        data = bytearray(buf.tobytes())
        data[at:at + 4] = struct.pack(">HH", 9, transfer)
        (tmp_path / name).write_bytes(data)
    ok, png = cv2.imencode(".png", img.astype(np.uint16) * 257)
    end = 8 + 25  # (the signature, IHDR)
    (tmp_path / "cicp.png").write_bytes(png.tobytes()[:end] + _chunk(b"cICP", bytes((9, 16, 0, 1)))
                                      + png.tobytes()[end:])
    said = {}
    for name in ("pq.avif", "hlg.avif", "sdr.avif", "cicp.png"):
        for mode in ("cutout", "mask"):
            r = invoke("image", tmp_path / name, "-o", tmp_path / mode, "-m", mode, "-q")
            assert r.exit_code == 0, r.output
            said[name, mode] = [line for line in r.stderr.splitlines() if "high-dynamic-range" in line]
    for name, hdr in (("pq.avif", "PQ"), ("hlg.avif", "HLG"), ("cicp.png", "PQ")):
        assert said[name, "cutout"] == [f"livecut: warning: {tmp_path / name}: a high-dynamic-range photo ({hdr} "
                                        f"transfer): its cutout holds its {hdr} values as they are, without what "
                                        "says they are, and viewers show them as SDR, flat and dull (livecut does "
                                        "not tone-map: export the photo as SDR first)"], said
        assert said[name, "mask"] == []
    assert said["sdr.avif", "cutout"] == said["sdr.avif", "mask"] == []


def test_a_display_p3_avif_described_by_nclx_keeps_its_colours(tmp_path, scene):
    """An AVIF whose colours are described by nclx alone (its colr property: Display P3,
    primaries 12, sRGB transfer 13; no ICC profile, as libavif's writers leave it) was cut to a
    PNG with no profile, shown as sRGB, dull (a HEIC's such nclx was made one); it carries one
    made from the nclx, which a colour manager (littlecms) maps to sRGB as the P3 formulas do.
    An sRGB one (1/13) carries none, as before."""
    pytest.importorskip("PIL.ImageCms")
    from test_heic import assert_display_p3

    from livecut.imageio import icc_profile

    img, _ = scene
    ok, buf = cv2.imencode(".avif", img, [cv2.IMWRITE_AVIF_QUALITY, 100])
    at = buf.tobytes().index(b"nclx") + 4  # (OpenCV's: primaries and transfer 2, unspecified)
    for name, primaries in (("p3.avif", 12), ("srgb.avif", 1)):
        data = bytearray(buf.tobytes())
        data[at:at + 4] = struct.pack(">HH", primaries, 13)
        (tmp_path / name).write_bytes(data)
        _cutout(tmp_path, tmp_path / name)
    assert icc_profile(np.fromfile(tmp_path / "o" / "srgb.png", np.uint8)) is None
    icc = icc_profile(np.fromfile(tmp_path / "o" / "p3.png", np.uint8))
    assert icc is not None
    assert_display_p3(icc)


def _rgb_profile(size: int, seed: int = 0) -> bytes:
    """An ICC profile's bytes: the header of an RGB display profile, then ``size`` in all."""
    head = struct.pack(">I", size) + b"lcms" + bytes(4) + b"mntrRGB XYZ "
    return head + np.random.default_rng(seed).integers(0, 256, size - len(head), dtype=np.uint8).tobytes()


def _ffprobe_icc(path: Path) -> tuple[tuple[int, int], int | None]:
    """(width, height) of the picture FFmpeg decodes from ``path`` and the size of the colour
    profile it finds there (None: none): an independent reader of each format."""
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                        "frame=width,height:frame_side_data=side_data_type,size", "-of", "json", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    frame = json.loads(r.stdout)["frames"][0]
    sizes = [s["size"] for s in frame.get("side_data_list", []) if s["side_data_type"] == "ICC profile"]
    return (frame["width"], frame["height"]), (sizes[0] if sizes else None)


def _bgra(img: np.ndarray) -> np.ndarray:
    out = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    out[:, :, 3] = np.linspace(0, 255, img.shape[1], dtype=np.uint8)  # (every level of transparency)
    return out


@pytest.mark.parametrize("ext,alpha,params,layout", [
    (".jpg", False, [], b"JFIF"),
    (".webp", False, [], b"VP8L"),  # (OpenCV's default: lossless, what livecut writes)
    (".webp", True, [], b"VP8L"),
    (".webp", False, [cv2.IMWRITE_WEBP_QUALITY, 90], b"VP8 "),  # a simple lossy file
    (".webp", True, [cv2.IMWRITE_WEBP_QUALITY, 90], b"VP8X"),  # extended already (ALPH, VP8)
    (".tif", False, [], b"II*\x00"),
    (".tif", True, [], b"II*\x00"),
])
def test_colour_profile_is_embedded_in_each_format(tmp_path, scene, monkeypatch, ext, alpha, params, layout):
    """A photo's colour profile was embedded in a PNG output only: a Display P3 photo cut into a
    JPEG, WebP or TIFF was shown as sRGB.  It is in each now (APP2 segments, an ICCP chunk in
    the extended WebP format, TIFF tag 34675), read back as written, by livecut and by FFmpeg,
    and the pixels decode as without it."""
    from livecut import imageio
    from livecut.imageio import icc_profile, write_image

    img = scene[0][:64, :80]
    if alpha:
        img = _bgra(img)
    real = cv2.imencode
    monkeypatch.setattr(imageio.cv2, "imencode", lambda e, a, *_: real(e, a, params))
    icc = _rgb_profile(3144)
    plain, out = tmp_path / f"plain{ext}", tmp_path / f"p3{ext}"
    write_image(plain, img)
    write_image(out, img, icc=icc)
    assert layout in plain.read_bytes()[:40]  # (the layout this case is about)
    data = np.fromfile(out, np.uint8)
    assert icc_profile(data) == icc
    assert icc_profile(np.fromfile(plain, np.uint8)) is None
    back = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    assert np.array_equal(back, cv2.imdecode(np.fromfile(plain, np.uint8), cv2.IMREAD_UNCHANGED))
    assert back.shape == img.shape
    assert _ffprobe_icc(out) == ((80, 64), len(icc))
    if ext == ".webp":  # RIFF size, then VP8X (ICC flag; alpha flag as the image has it), ICCP
        raw = out.read_bytes()
        assert int.from_bytes(raw[4:8], "little") == len(raw) - 8
        assert raw[12:16] == b"VP8X" and raw[30:34] == b"ICCP"
        assert raw[20] & 0x20 and bool(raw[20] & 0x10) == alpha
        assert (int.from_bytes(raw[24:27], "little") + 1, int.from_bytes(raw[27:30], "little") + 1) == (80, 64)
    if ext == ".tif" and alpha:  # the alpha is still stated (ExtraSamples), in the same directory
        raw = out.read_bytes()
        off = struct.unpack("<I", raw[4:8])[0]
        tags = [struct.unpack("<H", raw[off + 2 + 12 * i:off + 4 + 12 * i])[0]
                for i in range(struct.unpack("<H", raw[off:off + 2])[0])]
        assert 338 in tags and 34675 in tags and tags == sorted(tags)


def test_a_large_colour_profile_spans_jpeg_segments(tmp_path, scene, monkeypatch):
    """A profile larger than one APP2 segment holds (65519 bytes) is split over numbered
    segments, placed after the JFIF (APP0) and EXIF (APP1) segments."""
    from livecut import imageio
    from livecut.imageio import _jpeg_segments, icc_profile, write_image

    img = scene[0]
    icc = _rgb_profile(140_000)
    real = cv2.imencode
    app1 = _with_orientation(b"\xff\xd8", 1)[2:]

    def with_exif(e, a, *params):  # SOI, APP0 (JFIF: 18 bytes), APP1 (EXIF), ...
        ok, buf = real(e, a, *params)
        b = buf.tobytes()
        assert b[2:4] == b"\xff\xe0" and b[4:6] == b"\x00\x10"
        return ok, np.frombuffer(b[:20] + app1 + b[20:], np.uint8)

    monkeypatch.setattr(imageio.cv2, "imencode", with_exif)
    out = tmp_path / "big.jpg"
    write_image(out, img, icc=icc)
    raw = out.read_bytes()
    segments = list(_jpeg_segments(raw))
    assert [m for m, _ in segments][:5] == [0xE0, 0xE1, 0xE2, 0xE2, 0xE2]
    app2 = [raw[i + 4:i + 18] for m, i in segments if m == 0xE2]
    assert app2 == [b"ICC_PROFILE\x00" + bytes((k, 3)) for k in (1, 2, 3)]
    assert max(int.from_bytes(raw[i + 2:i + 4], "big") for m, i in segments if m == 0xE2) == 65535
    assert icc_profile(np.fromfile(out, np.uint8)) == icc
    assert np.array_equal(cv2.imread(str(out)), cv2.imdecode(real(".jpg", img, imageio._ENCODE_PARAMS[".jpg"])[1], cv2.IMREAD_COLOR))
    assert _ffprobe_icc(out) == ((160, 120), len(icc))


@pytest.mark.parametrize("ext", [".png", ".jpg", ".tif"])
def test_a_profile_or_tiff_tags_are_added_without_copies_of_the_file(tmp_path, ext):
    """The profile (and a TIFF cutout's alpha tag) was added by copying the encoded file two or
    three times over (250 MB more at the peak of a 61-megapixel cutout PNG with a profile);
    now the file is written in parts around what is added: traced memory is the encoder's
    bytes and little more, and the file reads back with its profile and pixels."""
    from livecut.imageio import _ENCODE_PARAMS, icc_profile, read_image, write_image

    rng = np.random.default_rng(9)  # (noise: a file about as large as its pixels)
    img = rng.integers(0, 256, (400, 600, 3 if ext == ".jpg" else 4), dtype=np.uint8)
    icc = _rgb_profile(3000)
    out = tmp_path / f"cut{ext}"
    size = cv2.imencode(ext, img, *([_ENCODE_PARAMS[ext]] if ext in _ENCODE_PARAMS else []))[1].size
    _, peak = traced_peak(lambda: write_image(out, img, icc=icc))
    assert peak < 1.5 * size, (peak, size)
    assert icc_profile(np.fromfile(out, np.uint8)) == icc
    back = read_image(out)  # (an 8-bit TIFF's unassociated alpha as stored: see read_image)
    assert back.shape == img.shape and (ext == ".jpg" or np.array_equal(back, img))


@pytest.mark.parametrize("ext", [".jpg", ".webp", ".tif"])
def test_a_file_not_laid_out_as_expected_is_written_without_the_profile(tmp_path, scene, monkeypatch, ext):
    """The profile goes into the encoder's file as it is laid out; one laid out otherwise (here:
    a JPEG whose segments do not reach its image, a WebP with data after its RIFF, a TIFF whose
    directory lies beyond its end) is written as the encoder made it, not broken."""
    from livecut import imageio
    from livecut.imageio import icc_profile, write_image

    img = scene[0]
    icc = _rgb_profile(1000)
    write_image(tmp_path / f"good{ext}", img, icc=icc)  # (its usual layout takes the profile)
    assert icc_profile(np.fromfile(tmp_path / f"good{ext}", np.uint8)) == icc
    real = cv2.imencode
    odd = {".jpg": lambda b: b[:2] + b"\x00\x00" + b[2:],
           ".webp": lambda b: b + b"\x00" * 8,
           ".tif": lambda b: b[:4] + struct.pack("<I", len(b) + 100) + b[8:]}[ext]
    made = []

    def encode(e, a, *params):
        ok, buf = real(e, a, *params)
        made.append(odd(buf.tobytes()))
        return ok, np.frombuffer(made[-1], np.uint8)

    monkeypatch.setattr(imageio.cv2, "imencode", encode)
    out = tmp_path / f"odd{ext}"
    write_image(out, img, icc=icc)
    assert out.read_bytes() == made[0]


def _tiff_with_icc(img: np.ndarray, icc: bytes) -> bytes:
    """An uncompressed big-endian RGB TIFF written by hand, with ``icc`` in tag 34675."""
    h, w = img.shape[:2]
    pixels = cv2.cvtColor(img, cv2.COLOR_BGR2RGB).tobytes()
    n = 11
    bps_at = 8 + 2 + 12 * n + 4
    icc_at = bps_at + 6
    pix_at = icc_at + len(icc) + len(icc) % 2
    entries = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 3, bps_at), (259, 3, 1, 1), (262, 3, 1, 2),
               (273, 4, 1, pix_at), (277, 3, 1, 3), (278, 4, 1, h), (279, 4, 1, len(pixels)),
               (284, 3, 1, 1), (34675, 7, len(icc), icc_at)]
    ifd = struct.pack(">H", n) + b"".join(
        struct.pack(">HHIHH", t, k, c, v, 0) if k == 3 and c == 1 else struct.pack(">HHII", t, k, c, v)
        for t, k, c, v in entries) + struct.pack(">I", 0)
    return (b"MM\x00*" + struct.pack(">I", 8) + ifd + struct.pack(">HHH", 8, 8, 8)
            + icc + b"\x00" * (len(icc) % 2) + pixels)


@pytest.mark.parametrize("src,dst,mode", [
    ("p3.jpg", "cut.webp", "cutout"),
    ("p3.jpg", "cut.tif", "cutout"),
    ("p3.jpg", "comp.jpg", "composite"),
    ("p3.tif", "cut.png", "cutout"),
    ("p3.tif", "comp.tiff", "composite"),
])
def test_colour_profile_is_kept_in_each_output_format(tmp_path, scene, src, dst, mode):
    """`livecut image p3.jpg -o cut.webp` (and JPEG, TIFF outputs; a TIFF input's profile, tag
    34675) keeps the photo's colour profile, as a PNG output did."""
    from livecut.imageio import icc_profile

    img, _ = scene
    icc = _rgb_profile(2000)
    p = tmp_path / src
    p.write_bytes(_jpeg_with_icc(img, icc) if src.endswith(".jpg") else _tiff_with_icc(img, icc))
    assert icc_profile(np.fromfile(p, np.uint8)) == icc
    out = tmp_path / dst
    r = invoke("image", p, "-o", out, "-q", "--mode", mode)
    assert r.exit_code == 0, r.output
    assert icc_profile(np.fromfile(out, np.uint8)) == icc
    assert _ffprobe_icc(out) == ((160, 120), len(icc))
    assert cv2.imread(str(out), cv2.IMREAD_UNCHANGED).shape == ((120, 160, 4) if mode == "cutout" else (120, 160, 3))


@pytest.mark.parametrize("mode", ["cutout", "composite"])
def test_an_avif_output_keeps_the_photo_s_colour_profile(tmp_path, scene, mode):
    """`livecut image p3.jpg -o cut.avif` wrote no colour profile (a warning said '.avif does not
    keep p3.jpg's colour profile'): a Display P3 photo's cutout was shown as sRGB, dull.  The
    AVIF holds it (its colr property, as Pillow and livecut read it), without a warning."""
    from livecut.imageio import icc_profile

    img, _ = scene
    icc = _rgb_profile(2000)
    p = tmp_path / "p3.jpg"
    p.write_bytes(_jpeg_with_icc(img, icc))
    out, plain = tmp_path / "cut.avif", tmp_path / "plain.avif"
    r = invoke("image", p, "-o", out, "-q", "--mode", mode)
    assert r.exit_code == 0, r.output
    assert not [ln for ln in _stderr_lines(r) if "colour profile" in ln], r.stderr
    assert icc_profile(np.fromfile(out, np.uint8)) == icc
    Image = pytest.importorskip("PIL.Image")
    from PIL import features
    if features.check("avif"):
        with Image.open(out) as got:
            assert got.info.get("icc_profile") == icc
    (tmp_path / "plain.jpg").write_bytes(cv2.imencode(".jpg", img)[1].tobytes())
    r = invoke("image", tmp_path / "plain.jpg", "-o", plain, "-q", "--mode", mode)
    assert r.exit_code == 0, r.output
    assert icc_profile(np.fromfile(plain, np.uint8)) is None


def test_output_can_be_one_file(tmp_path, good):
    out = tmp_path / "sub" / "one.png"
    out.parent.mkdir()  # (a file's folder is not made: see test_the_folder_of_one_output_file_that_is_not_there_...)
    r = invoke("image", good["a.jpg"], "-o", out, "-q")
    assert r.exit_code == 0, r.output
    assert out.is_file() and cv2.imread(str(out), cv2.IMREAD_UNCHANGED).shape == (120, 160, 4)
    jpg = tmp_path / "one.jpg"
    r = invoke("image", good["a.jpg"], "-o", jpg, "-q", "-b", "color:#fff")
    assert r.exit_code == 0 and cv2.imread(str(jpg)).shape == (120, 160, 3)
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "cut.jpg")  # a cutout has alpha
    assert r.exit_code == 2 and "cannot hold transparency" in r.stderr
    assert "--mode composite or mask" in r.stderr
    assert not (tmp_path / "cut.jpg").exists()
    # a composite over a transparent background has alpha too: another background is the way
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "t.jpg", "-b", "transparent")
    assert r.exit_code == 2 and "cannot hold transparency" in r.stderr
    assert "another background" in r.stderr and "--mode composite" not in r.stderr
    r = invoke("image", good["a.jpg"], good["b.png"], "-o", tmp_path / "two.png")
    assert r.exit_code == 2 and "names one file" in r.stderr
    assert not (tmp_path / "two.png").exists()
    r = invoke("image", good["a.jpg"], "-o", f"{tmp_path / 'folder.png'}/", "-q")  # a final / : a folder
    assert r.exit_code == 0 and (tmp_path / "folder.png" / "a.png").is_file()


def test_output_files_of_the_jpeg_and_netpbm_names(tmp_path, good):
    """-o cut.jfif (a JPEG) could not be encoded at all; -o mask.ppm failed after the work and
    -o comp.pgm too, each with OpenCV's own [ERROR] log line on stderr besides livecut's."""
    a = str(good["a.jpg"])
    for name, mode, shape in (("c.jfif", "composite", (120, 160, 3)), ("m.jfif", "mask", (120, 160)),
                              ("m.ppm", "mask", (120, 160, 3)), ("m.pgm", "mask", (120, 160))):
        r = _run("image", a, "-o", str(tmp_path / name), "-q", "--mode", mode, debug=False)
        assert r.returncode == 0 and not r.stderr, (name, r.stderr)
        assert cv2.imread(str(tmp_path / name), cv2.IMREAD_UNCHANGED).shape == shape, name
    assert (tmp_path / "c.jfif").read_bytes()[:3] == b"\xff\xd8\xff"
    r = _run("image", a, "-o", str(tmp_path / "c.pgm"), "--mode", "composite", debug=False)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "gray" in r.stderr, r.stderr
    assert not (tmp_path / "c.pgm").exists()
    # a cutout into a gray-only type: its refusal named --mode composite (or, of -b transparent,
    # another background), which was refused in turn as gray only; the mask is the way
    for name, args in (("c.pgm", []), ("t.pbm", ["-b", "transparent"])):
        r = _run("image", a, "-o", str(tmp_path / name), *args, debug=False)
        assert r.returncode == 2 and "cannot hold transparency" in r.stderr, r.stderr
        assert r.stderr.rstrip().endswith("or use --mode mask"), r.stderr
        assert "composite" not in r.stderr.split("or use")[-1] and "background" not in r.stderr, r.stderr


def test_output_to_stdout_is_refused_and_a_mistyped_extension_noted(tmp_path, good, monkeypatch):
    """`-o -` made a folder named '-'; `-o cut.pgn` (a typo) silently made a folder."""
    monkeypatch.chdir(tmp_path)
    r = invoke("image", good["a.jpg"], "-o", "-")
    assert r.exit_code == 2 and "standard output" in r.stderr and not (tmp_path / "-").exists()
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "cut.pgn")
    assert r.exit_code == 0 and (tmp_path / "cut.pgn" / "a.png").is_file()
    assert "note: -o" in r.stderr and ".pgn is not an image extension" in r.stderr
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "cut.pgn", "--force")  # the folder exists now
    assert r.exit_code == 0 and "not an image extension" not in r.stderr
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "plain", "--force")
    assert r.exit_code == 0 and "note" not in r.stderr


def test_an_output_of_a_picture_type_livecut_does_not_write_is_refused(tmp_path, good, monkeypatch):
    """`-o cut.gif` made a folder cut.gif/ holding a.png, with a note calling .gif no image
    extension; a picture type livecut does not write is refused (exit 2, one line naming what
    it writes); an existing folder of that name, or a final /, is still a folder."""
    monkeypatch.chdir(tmp_path)
    for name, mode, says in (("cut.gif", "cutout", ".png, .webp, .tif, .avif or .pam"), ("cut.HEIC", "mask", ".jpg")):
        r = invoke("image", good["a.jpg"], "-o", tmp_path / name, "--mode", mode)
        assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.stderr
        assert f"does not write {Path(name).suffix} pictures" in r.stderr and says in r.stderr, r.stderr
        assert not (tmp_path / name).exists()
    # (the types named for a cutout were a literal, .pam left out: each named is written, and each
    # livecut writes a cutout in is named)
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "cut.gif")
    named = re.search(r"name a (.*) file", r.stderr)[1].replace(" or ", ", ").split(", ")
    for ext in named:
        r = invoke("image", good["a.jpg"], "-o", tmp_path / f"named{ext}", "-q")
        assert r.exit_code == 0 and (tmp_path / f"named{ext}").is_file(), (ext, r.stderr)
    from livecut.imageio import ALPHA_EXTS
    assert set(named) == set(ALPHA_EXTS) - {".tiff"}, named
    r = invoke("image", good["a.jpg"], "-o", f"{tmp_path / 'cut.gif'}/")
    assert r.exit_code == 0 and (tmp_path / "cut.gif" / "a.png").is_file(), r.stderr
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "cut.gif", "--force")  # the folder exists now
    assert r.exit_code == 0 and "does not write" not in r.stderr, r.stderr


@pytest.mark.parametrize("name, mode, says", [("cut.j2k", "mask", "name a .jp2 (JPEG 2000), .png, .jpg ... file"),
                                              ("cut.J2C", "cutout", "name a .png, .webp, .tif, .avif or .pam file")])
def test_a_jpeg_2000_codestream_output_is_refused_as_not_written(tmp_path, good, name, mode, says):
    """-o cut.j2k or cut.j2c (JPEG 2000's bare codestream, which OpenCV does not write: it writes
    .jp2) made a folder cut.j2k/ holding a.png, with a note calling it no image extension; it is
    refused as a picture type livecut does not write, naming .jp2 where it can hold the output."""
    r = invoke("image", good["a.jpg"], "-o", tmp_path / name, "--mode", mode)
    assert r.exit_code == 2, r.stderr
    assert _stderr_lines(r) == [f"livecut: error: -o {tmp_path / name}: livecut does not write {Path(name).suffix} "
                                f"pictures ({mode}); {says}, or end -o with / for a folder of that name"]
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("name", [".png", ".JPG"])
def test_a_picture_name_of_an_extension_alone_is_refused(tmp_path, good, name):
    """-o "$NAME.png" with NAME empty (-o .png) made a hidden folder .png/ holding a.png, exit 0,
    without a word; it is refused, exit 2, nothing made (a final / still makes such a folder)."""
    out = tmp_path / "o" / name
    r = invoke("image", good["a.jpg"], "-o", out, "-m", "composite", "-b", "blur")
    assert r.exit_code == 2, r.stderr
    assert _stderr_lines(r) == [f"livecut: error: -o {out}: a picture's name with nothing before {name} (an empty "
                                f"variable?): name it ({tmp_path / 'o' / ('cut' + name)}), or end -o with / for a "
                                "folder of that name"]
    assert not (tmp_path / "o").exists()
    r = invoke("image", good["a.jpg"], "-o", f"{out}/")
    assert r.exit_code == 0 and (out / "a.png").is_file(), r.stderr


def test_a_picture_name_with_a_space_or_a_stop_after_it_is_refused(tmp_path, good):
    """`-o 'cut.png '` (a paste) or `-o cut.png.` made a new folder of that name holding a.png,
    exit 0, without a word (the note on an odd extension reads letters only); it is refused, exit
    2, naming the file meant; a final /, or a folder there already, is still a folder."""
    for name in ("cut.png ", "cut.png.", "cut.JPG,", "cut.tif\t"):
        meant = tmp_path / name.rstrip(" .,\t")
        r = invoke("image", good["a.jpg"], "-o", tmp_path / name, "--mode", "mask")
        assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.stderr
        assert f"name it {meant}" in r.stderr, r.stderr
        assert not (tmp_path / name).exists() and not meant.exists()
    r = invoke("image", good["a.jpg"], "-o", f"{tmp_path / 'cut.png.'}/", "-q")
    assert r.exit_code == 0 and (tmp_path / "cut.png." / "a.png").is_file(), r.stderr
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "cut.png.", "--force", "-q")  # the folder exists now
    assert r.exit_code == 0, r.stderr


def test_a_pattern_that_matches_folders_says_so(tmp_path, scene, monkeypatch):
    """`livecut image '[ab]' -o cut/` (quoted: the shell would have given the folders a and b,
    each holding a photo) said 'pattern matches no images' alone, as if nothing were there; it
    names the folders matched and the pattern that takes their files. batch too."""
    img, _ = scene
    monkeypatch.chdir(tmp_path)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        cv2.imwrite(str(tmp_path / name / f"{name}.jpg"), img)
    for cmd, what in (("image", "images"), ("batch", "photos or videos")):
        r = invoke(cmd, "[ab]", "-o", "cut/", "-q")
        assert r.exit_code == 2, r.output
        assert (f"[ab]: pattern matches no {what}; it matches 2 folders (a, b), whose files a pattern does not "
                "take: name them, or give '[ab]/*'") in r.stderr, r.stderr
    r = invoke("image", "[ab]/*", "-o", "cut/", "-q")
    assert r.exit_code == 0 and (tmp_path / "cut" / "a.png").is_file() and (tmp_path / "cut" / "b.png").is_file()


def test_a_same_name_clash_with_an_output_left_by_skip_existing_says_it_was_left(tmp_path, scene):
    """a/x.jpg b/x.jpg -o out/ --skip-existing, out/x.png there from a run before: b/x.jpg was
    refused as 'output out/x.png was already written for a/x.jpg', which this run did not cut (it
    left it); it says the output is there already for a/x.jpg. Written by the run, as before."""
    img, _ = scene
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        cv2.imwrite(str(tmp_path / name / "x.jpg"), img)
    a, b, out = tmp_path / "a" / "x.jpg", tmp_path / "b" / "x.jpg", tmp_path / "out"
    assert invoke("image", a, "-o", f"{out}/", "-q").exit_code == 0
    r = invoke("image", a, b, "-o", f"{out}/", "--skip-existing", "-q")
    assert r.exit_code == 2, r.output
    assert f"{b}: output {out / 'x.png'} is there already for {a} (same file name)" in r.stderr, r.stderr
    r = invoke("image", a, b, "-o", f"{tmp_path / 'new'}/", "--skip-existing", "-q")
    assert f"{b}: output {tmp_path / 'new' / 'x.png'} was already written for {a} (same file name)" in r.stderr
    big = tmp_path / "b" / "X.jpg"  # (one name where case is ignored: said so, 'there already' too)
    b.rename(big)
    r = invoke("image", a, big, "-o", f"{out}/", "--skip-existing", "-q")
    assert f"differs only in case from {out / 'x.png'}, there already for {a}:" in r.stderr, r.stderr


@pytest.mark.parametrize("other", ["IMG_1.CR2", "IMG_1.AAE"])
def test_a_raw_file_or_sidecar_beside_its_photo_run_again_is_said_as_itself(tmp_path, scene, other):
    """`livecut image card/* -o cut/` of a camera's IMG_1.CR2 (or ARW, DNG) beside IMG_1.JPG, or an
    iPhone's IMG_1.AAE beside its photo, run again with --skip-existing: the raw file or sidecar,
    first by name, took cut/IMG_1.png (the JPEG's) as its own, 'there already', and the JPEG was
    failed, 'output cut/IMG_1.png is there already for card/IMG_1.CR2'; without a flag the raw
    file was told 'exists (use --force to overwrite)', which --force does not mend. What it is is
    said, as in the first run, and the JPEG's output is the JPEG's."""
    img, _ = scene
    card, out = tmp_path / "card", tmp_path / "cut"
    card.mkdir()
    cv2.imwrite(str(card / "IMG_1.JPG"), img)
    # (a raw file: TIFF-based, a JPEG inside would do as well; a sidecar: an XML plist)
    (card / other).write_bytes(b"II*\0" + bytes(64) if other.endswith("CR2") else
                               b'<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict/></plist>\n')
    said = (f"{card / other}: a camera raw file, which livecut does not read" if other.endswith("CR2")
            else f"{card / other}: a text file, not a picture")
    r = invoke("image", card / other, card / "IMG_1.JPG", "-o", f"{out}/", "-q")
    assert r.exit_code == 2 and said in r.stderr and (out / "IMG_1.png").is_file(), r.output
    r = invoke("image", card / other, card / "IMG_1.JPG", "-o", f"{out}/", "--skip-existing")
    assert r.exit_code == 2, r.output
    assert said in r.stderr and "there already for" not in r.stderr, r.stderr
    assert "0 written to" in r.stderr and "1 there already (left), 1 failed" in r.stderr, r.stderr
    r = invoke("image", card / other, card / "IMG_1.JPG", "-o", f"{out}/", "-q")
    assert r.exit_code == 2 and said in r.stderr, r.stderr
    assert f"{card / other}: output" not in r.stderr, r.stderr  # (not 'exists (use --force ...)')
    assert f"{card / 'IMG_1.JPG'}: output {out / 'IMG_1.png'} exists" in r.stderr, r.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes (POSIX)")
def test_a_named_pipe_whose_output_is_there_is_said_at_once(tmp_path):
    """`livecut image shot.jpg -o cut/` of a named pipe (no writer) with cut/shot.png there from
    an earlier run: its first bytes were read to tell whether it is a picture (see 4926ea7), and
    the open waited for a writer for ever; it is said at once, as a pipe given alone is."""
    fifo, out = tmp_path / "shot.jpg", tmp_path / "cut"
    os.mkfifo(fifo)
    out.mkdir()
    (out / "shot.png").write_bytes(b"")
    for flag in ([], ["--skip-existing"]):
        r = run_cli("image", str(fifo), "-o", f"{out}/", "-q", *flag, timeout=60)
        assert r.returncode == 2, r.stderr
        assert f"{fifo}: is a FIFO (named pipe), not a picture file: save the picture to a file first" in r.stderr


def test_a_quoted_tilde_is_the_home_folder_as_livecut_file_takes_it(tmp_path, good, monkeypatch):
    """-o '~/cut/' (quoted, or --output=~/cut/ in zsh, which leaves it) made a folder named '~' in
    the current one (livecut image, livecut batch), and `livecut image '~/p.jpg'` or `livecut eval
    '~/photos' ...` read (or did not find) one there, where livecut file, its -b image: and -c take
    ~ as the home folder; all of them do."""
    import shutil

    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    shutil.copy(good["a.jpg"], home / "p.jpg")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    r = invoke("image", "~/p.jpg", "-o", "~/cut/")
    assert r.exit_code == 0, r.stderr
    assert (home / "cut" / "p.png").is_file()
    r = invoke("batch", "~/p.jpg", "-o", "~/bcut/", "-q", "--jobs", "1")
    assert r.exit_code == 0, r.stderr
    assert (home / "bcut" / "p.png").is_file()
    (home / "masks").mkdir()
    cv2.imwrite(str(home / "masks" / "p.png"), np.full(cv2.imread(str(home / "p.jpg")).shape[:2], 255, np.uint8))
    (home / "photos").mkdir()
    shutil.copy(home / "p.jpg", home / "photos" / "p.jpg")
    r = invoke("eval", "~/photos", "~/masks")
    assert r.exit_code == 0, r.stderr
    assert not any(work.iterdir())


def test_a_floating_point_picture_of_nan_alone_is_refused_in_one_line(tmp_path):
    """A float TIFF whose every pixel is NaN (a no-data tile of a scientific picture) printed
    numpy's 'RuntimeWarning: All-NaN slice encountered' with its source lines three times on
    stderr and wrote an empty cutout, exit 0; refused, one line, exit 2, nothing written (as a
    background too).  A picture with some NaN pixels is still cut."""
    import cv2

    img = np.full((64, 96, 3), np.nan, np.float32)
    cv2.imwrite(str(tmp_path / "nan.tif"), img)
    r = invoke("image", tmp_path / "nan.tif", "-o", tmp_path / "cut/")
    assert r.exit_code == 2, r.stderr
    assert r.stderr.splitlines() == [f"livecut: error: {tmp_path / 'nan.tif'}: a floating-point picture of no "
                                     "values (every pixel is NaN)"], r.stderr
    assert not (tmp_path / "cut").exists()
    ok = np.full((64, 96, 3), 0.5, np.float32)
    cv2.imwrite(str(tmp_path / "p.tif"), ok)
    r = invoke("image", tmp_path / "p.tif", "-o", tmp_path / "c.png", "-b", f"image:{tmp_path / 'nan.tif'}")
    assert r.exit_code == 2 and "every pixel is NaN" in r.stderr and "RuntimeWarning" not in r.stderr, r.stderr
    ok[:8, :8] = np.nan
    cv2.imwrite(str(tmp_path / "some.tif"), ok)
    r = invoke("image", tmp_path / "some.tif", "-o", tmp_path / "some.png")
    assert r.exit_code == 0 and "RuntimeWarning" not in r.stderr, r.stderr


@pytest.mark.parametrize("command", ["image", "batch"])
def test_standard_input_as_input_says_what_to_do(tmp_path, good, monkeypatch, command):
    """`cat p.jpg | livecut image - -o cut.png` (as `livecut file -` takes a video) said
    '-: file not found' (livecut batch: the same and '0 done, 1 failed'); one line saying that
    it reads files (batch: that --list - reads their names), exit 2; a file named '-' is read."""
    import shutil

    monkeypatch.chdir(tmp_path)
    r = invoke(command, "-", "-o", tmp_path / ("c.png" if command == "image" else "cut/"))
    assert r.exit_code == 2, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and "standard input" in lines[0] and "not found" not in lines[0], r.stderr
    assert command == "image" or "--list -" in lines[0]
    shutil.copy(good["a.jpg"], tmp_path / "-")
    r = invoke(command, "-", "-o", tmp_path / ("c.png" if command == "image" else "cut/"), "-q")
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize("name, noted", [("cut.jpg2", True), ("cut.png1", True), ("out.mp3", True),
                                         ("shoot.2024", False), ("v1.2", False)])
def test_a_mistyped_extension_with_a_digit_is_noted_too(tmp_path, good, name, noted):
    """-o cut.jpg2 (a typo of a file name) made a folder cut.jpg2/ without the note that -o cut.pgn
    gets ('.pgn is not an image extension ...: writing into a new folder'): a digit in the suffix
    passed the check; noted as well (a number alone, shoot.2024, is a folder's name: no note)."""
    r = invoke("image", good["a.jpg"], "-o", tmp_path / name)
    assert r.exit_code == 0 and (tmp_path / name / "a.png").is_file(), r.stderr
    assert (f"{Path(name).suffix} is not an image extension" in r.stderr) == noted, r.stderr


@pytest.mark.parametrize("name, meant", [("cut.webpp", "cut.webp"), ("cut.jpegg", "cut.jpeg"),
                                         ("cut.tiff2", "cut.tiff"), ("cut.pgn", "cut.png")])
def test_a_mistyped_long_extension_is_noted_with_the_one_meant(tmp_path, good, name, meant):
    """-o cut.webpp, cut.jpegg (a typo of a 4-letter extension) made a folder without a word: the
    note that -o cut.pgn gets was for extensions of 4 letters at most.  A suffix one typo away from
    an image extension is noted, naming it."""
    r = invoke("image", good["a.jpg"], "-o", tmp_path / name)
    assert r.exit_code == 0 and (tmp_path / name / "a.png").is_file(), r.stderr
    assert (f"note: -o {tmp_path / name}: {Path(name).suffix} is not an image extension (did you mean "
            f"{tmp_path / meant}?): writing into a new folder {tmp_path / name}/") in r.stderr, r.stderr


def test_the_last_line_names_the_new_folder_a_note_said_a_mistyped_name_became(tmp_path, good):
    """-o cut.webpp: a note said 'writing into a new folder cut.webpp/', and the last line then
    '1 written to cut.webpp, 0 failed', as of a file of that name.  It names the folder as the
    note did, with its /; a folder named plainly (-o cut) is said as given."""
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "cut.webpp")
    assert r.exit_code == 0 and (tmp_path / "cut.webpp" / "a.png").is_file(), r.stderr
    assert f"writing into a new folder {tmp_path / 'cut.webpp'}/ " in r.stderr, r.stderr
    assert _stderr_lines(r)[-1] == f"1 written to {tmp_path / 'cut.webpp'}/, 0 failed", r.stderr
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "cut")
    assert r.exit_code == 0 and _stderr_lines(r)[-1] == f"1 written to {tmp_path / 'cut'}, 0 failed", r.stderr


@pytest.mark.parametrize("name, meant", [("cut.heicc", ".heic"), ("cut.avif.psdd", ".psd")])
def test_a_mistyped_extension_of_a_type_not_written_is_noted(tmp_path, good, name, meant):
    """-o cut.heicc (a typo of .heic, which livecut does not write) made a folder without a word:
    the "did you mean" note named extensions written only, and others of 4 letters at most.  It
    is noted, naming the type meant and that it is not written; the folder is still made."""
    r = invoke("image", good["a.jpg"], "-o", tmp_path / name)
    assert r.exit_code == 0 and (tmp_path / name / "a.png").is_file(), r.stderr
    assert (f"note: -o {tmp_path / name}: {Path(name).suffix} is not an image extension (did you mean "
            f"{(tmp_path / name).with_suffix(meant)}? livecut does not write {meant} pictures): writing into a new "
            f"folder {tmp_path / name}/") in r.stderr, r.stderr


def test_an_empty_list_file_name_is_said_to_be_empty(tmp_path, good):
    """livecut batch --list "$LIST" with LIST unset said '--list : cannot read: Is a directory'
    (the empty name read as the current folder); it says that it is empty, exit 2."""
    r = invoke("batch", good["a.jpg"], "-o", tmp_path / "cut/", "--list", "")
    assert r.exit_code == 2, r.stderr
    assert r.stderr.splitlines() == ["livecut: error: --list is empty: give a file of paths, one a line "
                                     "(- for standard input)"], r.stderr
    assert not (tmp_path / "cut").exists()


def test_an_empty_video_ext_is_said_to_be_empty(tmp_path, good):
    """livecut batch --video-ext "$EXT" with EXT unset said '--video-ext .: expected one of .mp4,
    ...' (a dot put before nothing); it says that it is empty, exit 2, nothing written."""
    r = invoke("batch", good["a.jpg"], "-o", tmp_path / "cut/", "--video-ext", "")
    assert r.exit_code == 2, r.stderr
    assert r.stderr.splitlines() == ["livecut: error: --video-ext is empty: give one of .mp4, .m4v, .mkv, .mov, "
                                     ".avi, .webm or / (PNG frames)"], r.stderr
    assert not (tmp_path / "cut").exists()


@pytest.mark.parametrize("name", ["out.mp4", "clip.MOV", "x.m4v"])
def test_an_output_named_as_a_video_is_refused(tmp_path, good, monkeypatch, name):
    """`livecut image photo.jpg -o out.mp4` (the command of a video) made a folder out.mp4/
    holding photo.png, exit 0, '1 written to out.mp4', without a word (.mp4's digit passed
    the check for a mistyped extension; .mov was only a note), where `livecut batch -o out.mp4`
    refuses it; refused (exit 2, one line naming livecut file), nothing made; a final / or an
    existing folder of that name is still a folder."""
    monkeypatch.chdir(tmp_path)
    r = invoke("image", good["a.jpg"], "-o", tmp_path / name)
    assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "names a video" in r.stderr and "livecut file" in r.stderr, r.stderr
    assert not (tmp_path / name).exists()
    r = invoke("image", good["a.jpg"], "-o", f"{tmp_path / name}/")
    assert r.exit_code == 0 and (tmp_path / name / "a.png").is_file(), r.stderr


def test_an_output_named_apng_is_refused_as_gif_is(tmp_path, good):
    """`livecut image a.jpg -o cut.apng` (an animated PNG's name, which livecut reads but does
    not write) made a folder cut.apng/ holding a.png, with a note calling .apng no image
    extension, exit 0; refused as -o cut.gif is (exit 2, one line), nothing made; a final / is
    still a folder."""
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "cut.apng")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "livecut does not write .apng pictures (cutout); name a .png" in r.stderr, r.stderr
    assert not (tmp_path / "cut.apng").exists()
    r = invoke("image", good["a.jpg"], "-o", f"{tmp_path / 'cut.apng'}/")
    assert r.exit_code == 0 and (tmp_path / "cut.apng" / "a.png").is_file(), r.stderr


@pytest.mark.parametrize("name, says", [("out.mp4", "names a video, but livecut image writes pictures"),
                                        ("anim.gif", "livecut does not write .gif pictures")])
def test_an_output_named_as_a_video_or_unwritten_picture_that_exists_is_refused_as_such(tmp_path, good, name, says):
    """`livecut image a.jpg -o out.mp4` where out.mp4 is there (the video `livecut file` made)
    said 'out.mp4: output exists and is not a folder', --force too, as if a folder were wanted,
    where the same name not there says what is wrong; it says so there too, the file untouched."""
    out = tmp_path / name
    out.write_bytes(b"not a picture")
    for force in ((), ("--force",)):
        r = invoke("image", good["a.jpg"], "-o", out, *force)
        assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.stderr
        assert says in r.stderr and "is not a folder" not in r.stderr, r.stderr
        assert out.read_bytes() == b"not a picture"


@pytest.mark.parametrize("case", [
    # a panorama over 16383 pixels wide into .webp (WebP's limit)
    dict(size=(16, 16400), out="pano.webp", mode=(), said=("16383", "16400x16"),
         too=(16384, 16), fits=(16383, 16)),
    # a strip with a side under 32 pixels into .jp2 (OpenJPEG's 6 resolution levels need 32)
    dict(size=(24, 40), out="strip.jp2", mode=("--mode", "mask"), said=("at least 32 pixels", "40x24"),
         too=(31, 40), fits=(32, 32)),
    # a panorama's side-by-side over 32768 pixels wide into .avif (libavif's readers refuse more:
    # OpenCV wrote it, exit 0, and neither it nor Pillow could open it)
    dict(size=(16, 16400), out="pano.avif", mode=("--mode", "side-by-side"), said=("an AVIF picture is at most 32768",
                                                                                "32800x16"),
         too=(32769, 16), fits=(32768, 16)),
], ids=["webp-largest", "jp2-smallest", "avif-largest"])
def test_a_picture_of_a_size_its_format_cannot_hold_is_refused_before_the_cut(tmp_path, monkeypatch, case):
    """A picture larger (`-o pano.webp`) or smaller (`-o strip.jp2`) than its output's format
    holds was cut, then failed as "cannot encode an image as .webp/.jp2"; it is refused before
    the cut, saying the format's limit, the picture's size and what holds it (exit 2, one
    line); the library's write_image says the same."""
    import livecut.images
    from livecut.errors import UsageError
    from livecut.imageio import write_image

    src = tmp_path / "src.png"
    cv2.imwrite(str(src), np.full((*case["size"], 3), 128, np.uint8))
    monkeypatch.setattr(livecut.images.Segmenter, "mask", lambda *a: pytest.fail("cut before the refusal"))
    out = tmp_path / case["out"]
    r = invoke("image", src, "-o", out, *case["mode"])
    assert r.exit_code == 2 and r.stderr.count("livecut: error") == 1, r.stderr
    assert all(t in r.stderr for t in case["said"]) and ".png" in r.stderr, r.stderr
    ext = out.suffix
    with pytest.raises(UsageError, match=case["said"][0]):
        write_image(tmp_path / f"w{ext}", np.zeros(case["too"], np.uint8))
    write_image(tmp_path / f"w{ext}", np.zeros(case["fits"], np.uint8))  # (the limit itself is written,
    assert cv2.imread(str(tmp_path / f"w{ext}"), cv2.IMREAD_UNCHANGED).shape[:2] == case["fits"]  # and read back)
    assert not out.exists()


def test_a_cutout_can_be_written_as_avif(tmp_path, good):
    """`-o cut.avif` of a cutout was refused as "cannot hold transparency"; AVIF holds an alpha
    (OpenCV writes it), so the cutout is written with it, as into .png."""
    png, avif = tmp_path / "cut.png", tmp_path / "cut.avif"
    assert invoke("image", good["a.jpg"], "-o", png, "-q").exit_code == 0
    r = invoke("image", good["a.jpg"], "-o", avif, "-q")
    assert r.exit_code == 0 and not r.stderr, r.stderr
    want, got = cv2.imread(str(png), cv2.IMREAD_UNCHANGED), cv2.imread(str(avif), cv2.IMREAD_UNCHANGED)
    assert got.shape == want.shape == (120, 160, 4)
    assert np.abs(got[:, :, 3].astype(int) - want[:, :, 3]).mean() < 2  # (lossy, as AVIF is)


def test_an_avif_output_is_written_at_the_quality_of_a_jpeg_one(tmp_path):
    """`-o cut.avif` was written at OpenCV's own default quality, about 50: a side-by-side's colours
    were off by 4.2 levels on average, 1.45 times a JPEG's (2.9, at 95), in a quarter of its
    bytes; it is written at 95, as a JPEG was (2.9 levels; a JPEG output is 4:4:4 since, 1.1: the
    JPEG compared is one at 95 and 4:2:0, as OpenCV writes it)."""
    img, _ = make_scene("basic", 400, 300, seed=1)
    src = _write(tmp_path / "src.png", img)
    error = {}
    for ext in (".png", ".jpg", ".avif"):
        out = tmp_path / f"cut{ext}"
        assert invoke("image", src, "-o", out, "-q", "-m", "side-by-side").exit_code == 0
        error[ext] = np.abs(cv2.imread(str(out)).astype(int) - cv2.imread(str(tmp_path / "cut.png"))).mean()
    png = cv2.imread(str(tmp_path / "cut.png"))
    jpeg420 = cv2.imdecode(cv2.imencode(".jpg", png, [cv2.IMWRITE_JPEG_QUALITY, 95])[1], cv2.IMREAD_COLOR)
    error["4:2:0"] = np.abs(jpeg420.astype(int) - png).mean()
    assert error[".avif"] < 1.2 * error["4:2:0"], error
    assert error[".jpg"] < error["4:2:0"], error


def test_a_pbm_mask_is_cut_at_half_and_says_so(tmp_path, good):
    """`--mode mask -o m.pbm`: OpenCV's PBM writer takes every value above 0 for white, so the
    mask's whole soft edge, however faint, became subject, without a word; it is cut at half
    (what is at least half subject) and a warning says the soft edges were lost."""
    gray, bits = tmp_path / "m.pgm", tmp_path / "m.pbm"
    assert invoke("image", good["a.jpg"], "-o", gray, "--mode", "mask").exit_code == 0
    r = invoke("image", good["a.jpg"], "-o", bits, "--mode", "mask", "-q")
    soft = cv2.imread(str(gray), cv2.IMREAD_UNCHANGED)
    assert ((soft > 0) & (soft < 128)).any()  # (a soft edge, that was made white)
    assert r.exit_code == 0 and np.array_equal(cv2.imread(str(bits), cv2.IMREAD_UNCHANGED) > 0, soft >= 128)
    assert r.stderr == f"livecut: warning: {bits}: .pbm holds black and white only: the mask's soft edges " \
                       "were cut at half (write .pgm or .png to keep them)\n", r.stderr


@pytest.mark.parametrize("major", [b"avif", b"mif1"])
def test_ten_bit_avif_depth_is_read_from_its_header(major):
    """The bit depth of a 10-bit AVIF (its pixi box), whatever its major brand."""
    from livecut.imageio import _stored_max

    ftyp = struct.pack(">I", 24) + b"ftyp" + major + bytes(4) + b"mif1avif"
    pixi = struct.pack(">I", 14) + b"pixi" + bytes(4) + bytes([3, 10, 10, 10])
    assert _stored_max(np.frombuffer(ftyp + pixi + bytes(64), np.uint8)) == 1023
    assert _stored_max(np.frombuffer(b"\x89PNG\r\n\x1a\n" + bytes(64), np.uint8)) is None


def _photos_of(scene, tmp_path, n):
    """A folder of ``n`` copies of the scene's photo, p0.png ..."""
    img, _ = scene
    d = tmp_path / "many"
    d.mkdir()
    for i in range(n):
        cv2.imwrite(str(d / f"p{i}.png"), img)
    return d


def _disk_full_after(n, monkeypatch):
    """livecut.images writes ``n`` images, then finds the disk full (ENOSPC); the paths it was
    asked to write, as a list that grows."""
    import errno as _errno

    import livecut.images as images
    from livecut.errors import WriteError

    real, calls = images.write_image, []

    def full_after(path, *a, **kw):
        calls.append(path)
        if len(calls) > n:
            err = WriteError(f"{path}: cannot write: no space left on the device")
            err.errno = _errno.ENOSPC
            raise err
        return real(path, *a, **kw)

    monkeypatch.setattr(images, "write_image", full_after)
    return calls


def test_a_photo_that_could_not_be_written_is_not_noted_as_kept(tmp_path, good, monkeypatch):
    """`livecut image sharp.png b.jpg -o cut/` on a full disk: 'sharp.png: cannot write: no space
    left', then 'note: sharp.png: no defocused background found: the whole image is kept' -- of
    a photo of which nothing was written. A photo's note is said of its output once written."""
    from synth import texture

    sharp = tmp_path / "sharp.png"
    assert cv2.imwrite(str(sharp), texture(np.random.default_rng(0), 300, 400, cell=3, base=(120, 120, 120),
                                           amplitude=45.0, shapes=30))
    r = invoke("image", sharp, good["a.jpg"], "-o", tmp_path / "o")
    assert r.exit_code == 0 and "no defocused background found" in r.stderr, r.output
    _disk_full_after(0, monkeypatch)
    r = invoke("image", sharp, good["a.jpg"], "-o", tmp_path / "o2")
    assert r.exit_code == 1, r.output
    assert _stderr_lines(r) == [f"livecut: error: {sharp}: {tmp_path / 'o2' / 'sharp.png'}: cannot write: no space "
                                "left on the device",
                                f"livecut: error: {tmp_path / 'o2'}: the disk is full: 1 more image not processed",
                                f"0 written to {tmp_path / 'o2'}, 1 failed, 1 not cut"]


def test_a_full_disk_stops_the_run_with_one_line(tmp_path, scene, monkeypatch):
    """After the disk is full the next images would fail alike: one line for them, exit 1."""
    import livecut.images as images
    from livecut.config import load_config

    d = _photos_of(scene, tmp_path, 6)
    calls = _disk_full_after(2, monkeypatch)
    report = images.process_images([str(d)], tmp_path / "out", load_config())
    assert report.written == 2 and len(calls) == 3
    assert report.errors[-1].endswith("the disk is full: 3 more images not processed")
    assert report.exit_code == 1


def test_an_output_folder_moved_as_a_photo_is_written_stops_the_run(tmp_path, scene, monkeypatch):
    """`mv out out2` as the third photo was being written (its encoding: most of a photo's
    write): write_image made out/ again for it alone, and the run stopped saying 3 written to out,
    of which 2 were in out2 and one in a new out/; that one is taken back, and 2 said."""
    import livecut.imageio as imageio

    d = _photos_of(scene, tmp_path, 4)
    out = tmp_path / "out"
    real, calls = imageio.cv2.imencode, []

    def moved_at_the_third(*a, **kw):
        calls.append(1)
        if len(calls) == 3:
            out.rename(tmp_path / "out2")
        return real(*a, **kw)

    monkeypatch.setattr(imageio.cv2, "imencode", moved_at_the_third)
    r = invoke("image", d, "-o", f"{out}/", "-q")
    assert r.exit_code == 1, r.output
    assert r.stderr == (f"livecut: error: {out}: the output folder was moved or removed during the run, "
                        "after 2 images were written to it: 2 not cut\n"), r.stderr
    assert not out.exists(), os.listdir(out)
    assert sorted(os.listdir(tmp_path / "out2")) == ["p0.png", "p1.png"]


@pytest.mark.parametrize("how, at", [("moved", "read_image"), ("replaced", "read_image"),
                                     ("removed", "read_image")])
def test_an_output_folder_moved_mid_run_stops_the_run(tmp_path, scene, monkeypatch, how, at):
    """`mv out out2` while `livecut image many/* -o out/` ran: out/ was made again for the rest,
    and it said '4 written to out/', exit 0, of which 2 were in out2 (moved as a photo was written:
    that photo failed, 'No such file or directory', and the rest went to a new out/); the run
    stops, saying so."""
    import shutil

    import livecut.images as images

    d = _photos_of(scene, tmp_path, 4)
    out = tmp_path / "out"
    real, calls = getattr(images, at), []

    def moved_at_the_third(path, *a, **kw):
        calls.append(path)
        if len(calls) == 3:
            if how == "removed":
                shutil.rmtree(out)
            else:
                out.rename(tmp_path / "out2")
                if how == "replaced":
                    out.mkdir()
        return real(path, *a, **kw)

    monkeypatch.setattr(images, at, moved_at_the_third)
    r = invoke("image", d, "-o", f"{out}/", "-q")
    assert r.exit_code == 1, r.output
    assert r.stderr == (f"livecut: error: {out}: the output folder was moved or removed during the run, "
                        "after 2 images were written to it: 2 not cut\n"), r.stderr
    assert os.listdir(out) == [] if how == "replaced" else not out.exists()
    if how == "moved":
        assert sorted(os.listdir(tmp_path / "out2")) == ["p0.png", "p1.png"]


@pytest.mark.parametrize("photos, cut, left", [(4, 1, "2 more images"), (2, 0, "1 more image")])
def test_a_full_disk_counts_the_images_left_as_not_cut_not_failed(tmp_path, scene, monkeypatch, photos, cut, left):
    """The summary counted the line for the images left at a full disk as one more failed:
    '1 written to out, 2 failed' of 4 images, where one failed and two were not cut; and one
    left was 'the disk is full: 1 more images not processed': one is counted as one."""
    d = _photos_of(scene, tmp_path, photos)
    _disk_full_after(cut, monkeypatch)
    out = tmp_path / "out"
    r = invoke("image", d, "-o", out)
    assert r.exit_code == 1, r.output
    lines = _stderr_lines(r)
    assert lines[-2] == f"livecut: error: {out}: the disk is full: {left} not processed", lines
    assert lines[-1] == f"{cut} written to {out}, 1 failed, {photos - cut - 1} not cut", lines


@pytest.mark.parametrize("code, said", [("EROFS", "the file system is read-only"),
                                        ("EDQUOT", "the disk quota is exceeded"),
                                        ("EACCES", "the folder cannot be written to (permission denied)")])
def test_a_read_only_or_over_quota_disk_stops_the_run_as_a_full_one(tmp_path, scene, monkeypatch, code, said):
    """A memory card locked read-only (or a quota reached, or a folder of another user's, chmod
    555): every photo was cut, each for nothing, and refused one by one ('cannot write: read-only
    file system' 4 times of 4), where a full disk stops the run at the first: the next ones, all
    written into the same folder, would fail alike."""
    import errno as _errno

    import livecut.images as images
    from livecut.errors import WriteError

    img, _ = scene
    d = tmp_path / "many"
    d.mkdir()
    for i in range(4):
        cv2.imwrite(str(d / f"p{i}.png"), img)
    calls = []

    def refused(path, *a, **kw):
        calls.append(path)
        err = WriteError(f"{path}: cannot write: {said}")
        err.errno = getattr(_errno, code)
        raise err

    monkeypatch.setattr(images, "write_image", refused)
    out = tmp_path / "out"
    r = invoke("image", d, "-o", out)
    assert r.exit_code == 1 and len(calls) == 1, r.output
    lines = _stderr_lines(r)
    assert lines[-2] == f"livecut: error: {out}: {said}: 3 more images not processed", lines
    assert lines[-1] == f"0 written to {out}, 1 failed, 3 not cut", lines


def test_an_immutable_output_folder_stops_the_run_as_a_read_only_one(tmp_path, scene, immutable):
    """A folder made immutable (chattr +i) refuses the temporary file of each output, root too,
    'Operation not permitted' (EPERM, not EACCES): every photo was cut, each for nothing, and
    refused one by one; the run stops at the first, as for a read-only folder."""
    d = _photos_of(scene, tmp_path, 4)
    out = tmp_path / "out"
    out.mkdir()
    immutable(out)
    r = invoke("image", d, "-o", out)
    assert r.exit_code == 1, r.output
    lines = _stderr_lines(r)
    assert lines[0] == f"livecut: error: {d / 'p0.png'}: {out / 'p0.png'}: cannot write: Operation not permitted", lines
    assert lines[1:] == [f"livecut: error: {out}: the folder takes no new files (operation not permitted: made "
                         "immutable?): 3 more images not processed",
                         f"0 written to {out}, 1 failed, 3 not cut"], lines


def _left_warning(out: Path, name: str, why: str) -> str:
    """The warning of a written output ``out/name`` whose temporary name could not be removed."""
    tmp = [p for p in out.iterdir() if p.name.startswith(f".{name}.livecut-")]
    assert len(tmp) == 1, sorted(out.iterdir())
    return (f"livecut: warning: {out / name}: written, but its temporary file {tmp[0]}, a second name of the same "
            f"file, could not be removed ({why}): remove it once the folder allows")


def test_an_append_only_output_folder_says_the_temporary_files_it_keeps(tmp_path, scene, append_only):
    """A folder made append-only (chattr +a) takes the outputs' temporary files and their links to
    the final names, but lets none of them be removed, root too: each output was written with its
    hidden temporary name left beside it, a second name of it, without a word (exit 0); and with
    --force a new name was refused ('cannot move the finished output into place (Operation not
    permitted)'), its finished output left under the temporary name, unsaid."""
    d = _photos_of(scene, tmp_path, 2)
    out = tmp_path / "out"
    out.mkdir()
    append_only(out)
    r = invoke("image", d, "-o", out, "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [_left_warning(out, "p0.png", APPEND_ONLY), _left_warning(out, "p1.png", APPEND_ONLY)]
    assert cv2.imread(str(out / "p0.png")) is not None
    # --force to a new name: linked into place as without it
    r = invoke("image", d / "p0.png", "-o", out / "new.png", "--force", "-q")
    assert r.exit_code == 0 and _stderr_lines(r) == [_left_warning(out, "new.png", APPEND_ONLY)], r.output
    # --force over an output there: it cannot be replaced; the finished one left is named
    before = set(out.iterdir())
    r = invoke("image", d / "p0.png", "-o", out / "new.png", "--force", "-q")
    kept = [p for p in set(out.iterdir()) - before]
    assert r.exit_code == 1 and len(kept) == 1, r.output
    assert _stderr_lines(r) == [f"livecut: error: {d / 'p0.png'}: {out / 'new.png'}: cannot move the finished output "
                                f"into place (Operation not permitted); the finished output is left at {kept[0]}, "
                                f"which could not be removed ({APPEND_ONLY})"], r.output


def test_a_temporary_file_that_cannot_be_removed_is_said(tmp_path, scene, monkeypatch):
    """As in an append-only folder where chattr cannot be had (not root, tmpfs): the removal of
    the temporary name after its link to the output fails with EPERM: said, the output kept."""
    import errno as _errno

    real_unlink = Path.unlink

    def unlink(self, *a, **kw):
        if ".livecut-" in self.name:
            raise PermissionError(_errno.EPERM, "Operation not permitted", str(self))
        return real_unlink(self, *a, **kw)

    d = _photos_of(scene, tmp_path, 1)
    out = tmp_path / "out"
    monkeypatch.setattr(Path, "unlink", unlink)
    r = invoke("image", d, "-o", out, "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [_left_warning(out, "p0.png", APPEND_ONLY)]
    assert cv2.imread(str(out / "p0.png")) is not None


def test_an_immutable_output_file_fails_alone_with_force(tmp_path, scene, immutable):
    """With --force, an output file made immutable is not replaced ('Operation not permitted'
    too, on its rename): that file's failure, not its folder's: the other photos are written."""
    d = _photos_of(scene, tmp_path, 3)
    out = tmp_path / "out"
    assert invoke("image", d, "-o", out).exit_code == 0
    immutable(out / "p0.png")
    r = invoke("image", d, "-o", out, "--force")
    assert r.exit_code == 1, r.output
    assert _stderr_lines(r) == [f"livecut: error: {d / 'p0.png'}: {out / 'p0.png'}: cannot move the finished output "
                                f"into place (operation not permitted: {out / 'p0.png'} is immutable, chattr +i)",
                                f"2 written to {out}, 1 failed"]


def test_an_output_folder_that_cannot_be_made_still_says_the_errors_before_it(tmp_path, good, bad, monkeypatch):
    """The output folder is made for the first photo cut; when it cannot be (a read-only disk)
    the run stops with that line alone: the photos that failed before it (not found, truncated)
    went unsaid, as those before a Ctrl-C did."""
    import errno as _errno

    real_mkdir = Path.mkdir

    def mkdir(self, *a, **kw):
        if self.name == "cut":
            raise OSError(_errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *a, **kw)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    missing, out = tmp_path / "missing.jpg", tmp_path / "cut"
    r = invoke("image", missing, bad["trunc_jpg"], good["a.jpg"], "-o", out)
    assert r.exit_code == 1, r.output
    assert _stderr_lines(r) == [f"livecut: error: {missing}: file not found",
                                f"livecut: error: {bad['trunc_jpg']}: image file is truncated",
                                f"livecut: error: {out}: cannot create output folder: read-only file system"]


@pytest.mark.parametrize("depth", [16, 8])
def test_the_picture_as_read_and_its_frame_are_let_go_before_the_output_is_encoded(tmp_path, scene,
                                                                                  monkeypatch, depth):
    """The picture as read (16-bit: twice the 8-bit frame cut) was kept to the end of its
    image, and the 8-bit frame too: 361 MB and 180 MB more at the peak of a 61-megapixel
    photo, while the output was encoded (which needs as much again as the file it makes).
    Neither is needed past the output's making."""
    import weakref

    import livecut.images as images
    from livecut.config import load_config

    img, _ = scene
    src = tmp_path / f"p{depth}.png"
    cv2.imwrite(str(src), img.astype(np.uint16) * 257 if depth == 16 else img)

    class Tracked(np.ndarray):  # (a plain ndarray takes no weak reference)
        pass

    read, to_bgr8, write, seen = images.read_image, images.to_bgr8, images.write_image, []

    def tracked_read(path, meta=None):
        decoded = read(path, meta).view(Tracked)
        seen.append(weakref.ref(decoded))
        return decoded

    def tracked_bgr8(picture):
        bgr, own = to_bgr8(picture)
        bgr = bgr.view(Tracked) if type(bgr) is np.ndarray else bgr
        seen.append(weakref.ref(bgr))
        return bgr, own

    def checked_write(path, out, **kw):
        assert len(seen) == 2 and not any(ref() is not None for ref in seen), "the picture or its frame is held"
        return write(path, out, **kw)

    monkeypatch.setattr(images, "read_image", tracked_read)
    monkeypatch.setattr(images, "to_bgr8", tracked_bgr8)
    monkeypatch.setattr(images, "write_image", checked_write)
    report = images.process_images([str(src)], tmp_path / "out", load_config())
    assert report.written == 1, report.errors


@pytest.mark.parametrize("command", ["image", "batch"])
@pytest.mark.parametrize("redirect", ["2>&-", "2>&1 | true"])
def test_a_closed_or_broken_stderr_does_not_fail_the_run(tmp_path, good, redirect, command):
    """Standard error closed (cron, `2>&-`) or a log pipe that ends: the last summary line
    could not be written and a complete run exited 1 ('internal error').  `livecut batch`
    with it closed failed every photo, exit 1 ('cannot process: AttributeError: 'NoneType'
    object has no attribute 'flush'': a worker's sys.stderr is None, and the decoder's
    capture of what C libraries print flushed it)."""
    _cut_in_bash(tmp_path, good, command, redirect)


def _cut_in_bash(tmp_path, good, command, redirect, **env_changes):
    """`livecut COMMAND a.jpg -o cut/ REDIRECT` run by bash (its status read past a pipe): exit 0
    and the cutout made.  ``env_changes``: variables set (None: removed)."""
    import shlex

    out = tmp_path / "cut"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    cmd = (f"{shlex.quote(sys.executable)} -m livecut {command} {shlex.quote(str(good['a.jpg']))} "
           f"-o {shlex.quote(str(out))}/")
    r = subprocess.run(["bash", "-c", f"{cmd} {redirect}; echo rc=${{PIPESTATUS[0]}}"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert "rc=0" in r.stdout, (r.stdout, r.stderr)
    assert (out / "a.png").is_file()


@pytest.mark.parametrize("redirect", ["2>&1 | true", "2>/dev/full"])
def test_a_closed_or_broken_stderr_does_not_fail_the_run_in_an_ascii_locale(tmp_path, good, redirect):
    """The same in the C locale with Python's UTF-8 mode off (`LC_ALL=C PYTHONUTF8=0`: standard
    error in ASCII): click wrote the summary line past livecut's tolerant stderr, to the file
    under it, and a complete run exited 1."""
    if redirect.endswith("/dev/full") and not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    _cut_in_bash(tmp_path, good, "image", redirect, LC_ALL="C", PYTHONUTF8="0", PYTHONIOENCODING=None)


def test_sigterm_stops_image_with_one_line(tmp_path, scene):
    """`livecut image` over many photos, SIGTERM: the process was killed by the signal with
    no word (and on a terminal the hidden cursor stayed hidden); now it stops as on Ctrl-C."""
    import signal
    import time

    img, _ = scene
    src = tmp_path / "in"
    src.mkdir()
    big = cv2.resize(img, (1200, 900))
    for i in range(60):
        cv2.imwrite(str(src / f"p{i:02d}.png"), big)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    p = subprocess.Popen([sys.executable, "-m", "livecut", "image", str(src), "-o", str(tmp_path / "out") + "/"],
                         stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 60
    while time.time() < deadline and not [q for q in (tmp_path / "out").glob("*.png")
                                           if not q.name.startswith(".")]:
        time.sleep(0.05)  # (the first photo is written: the run is under way; not its hidden temporary)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    last = err.strip().splitlines()[-1]
    said = re.fullmatch(rf"livecut: error: stopped by SIGTERM: (\d+) written to "
                        rf"{re.escape(str(tmp_path / 'out'))}/, 0 failed, (\d+) not cut"
                        r" \(run it again with --skip-existing to go on\)", last)
    assert p.returncode == 143 and said, (p.returncode, err)
    written, left = (int(v) for v in said.groups())
    pngs = len(list((tmp_path / "out").glob("*.png")))  # (+1: the signal between a rename and its count)
    assert written <= pngs <= written + 1 and written + left == 60, (last, pngs)
    assert not [q for q in (tmp_path / "out").iterdir() if q.name.startswith(".")]  # no temporary left


_STOP_IN_THE_ENCODING = r"""
import os, signal, sys, threading, time
import cv2, numpy as np
import livecut.images as images
from livecut.cli import main

photo = cv2.imread(sys.argv[1])
images.photo_mask = lambda seg, bgr, on_window=None: (np.full(bgr.shape[:2], 255, np.uint8), "subject", None)
t = time.perf_counter()
cv2.imencode(".png", np.dstack((photo, photo[:, :, 0])))  # (the cutout's encoding, whole)
print("encoding", time.perf_counter() - t, flush=True)
real = images.write_image

def write_image(*args, **kwargs):  # (Ctrl-C 0.1 s into the encoding)
    def stop():
        print("stopped", time.time(), flush=True)
        os.kill(os.getpid(), signal.SIGINT)
    threading.Timer(0.1, stop).start()
    return real(*args, **kwargs)

images.write_image = write_image
main(["image", sys.argv[1], "-o", sys.argv[2]])
"""


def test_ctrl_c_in_a_huge_png_s_encoding_stops_at_once(tmp_path):
    """`livecut image thin.png -o cut/` of a very long photo (200000x200), Ctrl-C as its cutout was
    encoded: the run stopped once the encoder was done, ~9 s later on a busy machine (OpenCV's
    call held the main thread, where Python runs the signal's handler). It stops at once, the
    encoder left to end with the process, nothing written (no temporary file, nothing at the
    final name), exit 130, one line."""
    photo = np.random.default_rng(0).integers(0, 255, (200, 120000, 3), np.uint8)  # (noise: a slow encoding)
    assert cv2.imwrite(str(tmp_path / "thin.ppm"), photo)  # (read at once)
    out = tmp_path / "cut"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.run([sys.executable, "-c", _STOP_IN_THE_ENCODING, str(tmp_path / "thin.ppm"), str(out) + "/"],
                       capture_output=True, text=True, env=env, timeout=120)
    ended = time.time()
    said = dict(line.split() for line in p.stdout.splitlines())
    took, encoding = ended - float(said["stopped"]), float(said["encoding"])
    assert p.returncode == 130, (p.returncode, p.stderr)
    assert p.stderr.splitlines() == [f"livecut: error: interrupted: 0 written to {out}/, 0 failed, 1 not cut "
                                     "(run it again with --skip-existing to go on)"], p.stderr
    assert not out.exists() or not list(out.iterdir())
    assert took < encoding / 3, (took, encoding)


def _stopped_at_the_second(monkeypatch) -> list:
    """livecut.images writes its first output, then Ctrl-C comes as it writes the second; the
    paths it was asked to write, as a list that grows."""
    from livecut import images

    real, calls = images.write_image, []

    def stopped_at_the_second(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(images, "write_image", stopped_at_the_second)
    return calls


def test_ctrl_c_counts_an_input_not_found_among_the_failed(tmp_path, good, monkeypatch):
    """Ctrl-C in `livecut image a.jpg missing.jpg b.png c.png -o cut/` said 'interrupted: 1 written,
    0 failed, 2 not cut' under 'missing.jpg: file not found', where a run that ends counts it
    failed ('3 written, 1 failed')."""
    d = good["a.jpg"].parent
    cv2.imwrite(str(d / "c.png"), cv2.imread(str(good["b.png"])))
    _stopped_at_the_second(monkeypatch)
    out = tmp_path / "o"
    r = invoke("image", good["a.jpg"], d / "missing.jpg", good["b.png"], d / "c.png", "-o", out)
    assert r.exit_code == 130, r.output
    assert _stderr_lines(r) == [f"livecut: error: {d / 'missing.jpg'}: file not found",
                                f"livecut: error: interrupted: 1 written to {out}, 1 failed, 2 not cut (run it again with "
                                "--skip-existing to go on)"], r.output


def test_ctrl_c_says_what_was_written_and_the_errors_before_it(tmp_path, good, monkeypatch):
    """Ctrl-C in `livecut image` over many photos said "interrupted" alone: neither how many
    were written nor the errors collected before the stop (an empty photo among those cut)."""
    d = good["a.jpg"].parent
    (d / "empty.jpg").write_bytes(b"")
    cv2.imwrite(str(d / "c.png"), cv2.imread(str(good["b.png"])))
    _stopped_at_the_second(monkeypatch)
    out = tmp_path / "o"
    r = invoke("image", good["a.jpg"], d / "empty.jpg", good["b.png"], d / "c.png", "-o", out)
    assert r.exit_code == 130, r.output
    assert _stderr_lines(r) == [f"livecut: error: {d / 'empty.jpg'}: file is empty",
                                f"livecut: error: interrupted: 1 written to {out}, 1 failed, 2 not cut (run it again with "
                                "--skip-existing to go on)"], r.output
    assert sorted(q.name for q in out.iterdir()) == ["a.png"]


def test_a_sigterm_wrapped_by_c_code_says_what_was_written(tmp_path, good, monkeypatch):
    """A SIGTERM landing while numpy's fromfile asked a photo's path for its name came out of
    it as a SystemError: `livecut image` said "interrupted" alone, exit 130, neither the signal
    nor what was written (1 run in 60 on a loaded machine).  It is the signal: its line, 143."""
    from livecut import images

    real, calls = images.read_image, []

    def stopped_at_the_second(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            sigterm_through_c_code()
        return real(*args, **kwargs)

    monkeypatch.setattr(images, "read_image", stopped_at_the_second)
    out = tmp_path / "o"
    r = invoke("image", good["a.jpg"], good["b.png"], "-o", out)
    assert r.exit_code == 143, r.output
    assert _stderr_lines(r) == [f"livecut: error: stopped by SIGTERM: 1 written to {out}, 0 failed, 1 not cut "
                                "(run it again with --skip-existing to go on)"], r.output
    assert sorted(q.name for q in out.iterdir()) == ["a.png"]


@pytest.mark.parametrize("ext", [".mp4", ".mkv", ".avi"])
def test_a_video_given_to_livecut_image_points_to_livecut_file(tmp_path, ext):
    """``livecut image clip.mp4`` said "not an image, or truncated/corrupt"; it now says it is
    a video and how to cut one."""
    import av

    from conftest import run_cli

    src = tmp_path / f"my clip{ext}"
    with av.open(str(src), "w") as c:
        vs = c.add_stream("mpeg4", rate=10)
        vs.width, vs.height, vs.pix_fmt = 160, 120, "yuv420p"
        for i in range(3):
            fr = av.VideoFrame.from_ndarray(np.full((120, 160, 3), 40 * i, np.uint8), format="bgr24")
            c.mux(vs.encode(fr))
        c.mux(vs.encode(None))
    r = run_cli("image", str(src), "-o", str(tmp_path / "out.png"))
    assert r.returncode == 2
    assert f"a video, not an image (cut a video with: livecut file '{src}' -o OUT.mp4)" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("major, compatible", [(b"heic", b"mif1heic"), (b"mif1", b"mif1heicmiaf")])
def test_a_heic_photo_is_said_to_be_heic(tmp_path, major, compatible, monkeypatch):
    """An iPhone's HEIC photo (HEVC in HEIF, which OpenCV does not decode) was "not an image,
    or truncated/corrupt": it is an image, which livecut reads with its heic extra (here
    without it; tests/test_heic.py reads them with it)."""
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # (import pillow_heif: ImportError)
    ftyp = major + b"\0\0\0\0" + compatible
    head = (8 + len(ftyp)).to_bytes(4, "big") + b"ftyp" + ftyp
    src = tmp_path / "IMG_0001.HEIC"
    src.write_bytes(head + struct.pack(">I", 40) + b"meta" + bytes(32))
    r = invoke("image", src, "-o", tmp_path / "out")
    assert r.exit_code == 2, r.output
    assert "a HEIC/HEIF picture, which livecut reads with its heic extra: pip install -e '.[heic]' in the " \
           "livecut checkout, or pip install pillow-heif (or convert it to JPEG or PNG first)" in r.stderr, r.stderr
    assert "truncated" not in r.stderr
    _no_traceback(r)
    # an AVIF (which OpenCV reads) that cannot be decoded is not called HEIC
    avif = tmp_path / "bad.avif"
    avif.write_bytes(head.replace(b"heic", b"avif") + bytes(40))
    r = invoke("image", avif, "-o", tmp_path / "out")
    assert r.exit_code == 2 and "HEIC" not in r.stderr and "not an image" in r.stderr, r.stderr


def test_ctrl_c_wrapped_by_python_is_one_line(monkeypatch, capsys):
    """Python 3.11 wraps an exception raised in a __set_name__ in a RuntimeError: a Ctrl-C
    landing while pydantic builds its classes (imported in the first tenth of a second) was
    "internal error: RuntimeError: Error calling __set_name__ ..." and exit 1 (seen once in
    test_ctrl_c_while_starting_is_one_line).  It is an interrupt: one line, exit 130."""
    import pytest

    import livecut.cli as cli

    def app(**_kw):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'Field' instance 'validators'") from exc

    monkeypatch.setattr(cli, "app", app)
    with pytest.raises(SystemExit) as info:
        cli.main([])
    assert info.value.code == 130
    assert capsys.readouterr().err.strip() == "livecut: error: interrupted"

    def sigterm(**_kw):  # (a SIGTERM so wrapped outside a run: its own name and exit code)
        sigterm_through_c_code()

    monkeypatch.setattr(cli, "app", sigterm)
    with pytest.raises(SystemExit) as info:
        cli.main([])
    assert info.value.code == 143
    assert capsys.readouterr().err.strip() == "livecut: error: stopped by SIGTERM"

    def bug(**_kw):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "app", bug)
    with pytest.raises(SystemExit) as info:
        cli.main([])
    assert info.value.code == 1 and "internal error: RuntimeError: a bug" in capsys.readouterr().err


def test_ctrl_c_while_starting_is_one_line(tmp_path, scene):
    """Ctrl-C in the first tenths of a second (while numpy and OpenCV are imported) printed a
    Python traceback; now one line and exit 130, whenever it lands."""
    import signal
    import time

    img, _ = scene
    src = tmp_path / "in"
    src.mkdir()
    for i in range(20):
        cv2.imwrite(str(src / f"p{i:02d}.png"), img)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    for delay in (0.1, 0.25, 0.4):
        for _ in range(3):
            p = subprocess.Popen([sys.executable, "-m", "livecut", "image", str(src), "-o",
                                  str(tmp_path / "out") + "/", "--force"], stderr=subprocess.PIPE, text=True, env=env)
            time.sleep(delay)
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=30)
            # (on a loaded machine the signal may land while Python itself starts, before any
            # of livecut runs: Python's own "Fatal Python error: init_import_site"; again)
            if "init_import_site" not in err:
                break
        else:
            continue
        assert "Traceback" not in err, (delay, err)
        # 130, or ended by the SIGINT itself (a shell sees 130 either way: Python re-raises an
        # interrupt that lands while it is still starting up or shutting down)
        assert p.returncode in (0, 130, -signal.SIGINT), (delay, p.returncode, err)


def test_the_exit_after_a_signal_imports_nothing(monkeypatch):
    """A Ctrl-C that lands while numpy is being imported leaves it half imported: the exit
    path must not import the stream module (and numpy with it), or ImportError "cannot load
    module more than once per process" follows the one-line message as a traceback."""
    import builtins

    from livecut.cli import _exit_now_if_an_open_waits

    monkeypatch.delitem(sys.modules, "livecut.sources.stream", raising=False)
    real = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name.startswith("livecut.sources"):
            raise ImportError("cannot load module more than once per process")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    assert _exit_now_if_an_open_waits(130) is None  # (no open waits: it returns)


def test_a_tiff_cutout_states_its_alpha(good, tmp_path):
    """`-o cut.tif`: OpenCV wrote the cutout's 4th sample without the ExtraSamples tag, so
    programs took the transparency for an unnamed channel (libtiff warned); it is stated as
    unassociated alpha now, and the alpha reads back as written."""
    out = tmp_path / "cut.tif"
    r = invoke("image", str(good["a.jpg"]), "-o", str(out))
    assert r.exit_code == 0, r.output
    data = out.read_bytes()
    bo = "<" if data[:2] == b"II" else ">"
    off = struct.unpack(bo + "I", data[4:8])[0]
    n = struct.unpack(bo + "H", data[off:off + 2])[0]
    tags = {}
    for i in range(n):
        tag, kind, count = struct.unpack(bo + "HHI", data[off + 2 + 12 * i:off + 10 + 12 * i])
        tags[tag] = struct.unpack(bo + "H", data[off + 10 + 12 * i:off + 12 + 12 * i])[0]
    assert tags.get(338) == 2 and tags.get(277) == 4  # ExtraSamples: unassociated alpha, of 4 samples
    back = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    png = tmp_path / "cut.png"
    assert invoke("image", str(good["a.jpg"]), "-o", str(png)).exit_code == 0
    assert back.shape[2] == 4 and np.array_equal(back[:, :, 3], cv2.imread(str(png), cv2.IMREAD_UNCHANGED)[:, :, 3])


def test_a_tiff_cutout_reads_back_with_its_colours(good, tmp_path):
    """`livecut image cut.tif -o again.png` darkened a livecut cutout: OpenCV multiplied the
    colours of the TIFF's unassociated alpha into them (200 at alpha 129 came back as 101;
    a transparent pixel's colour as 0).  A cutout TIFF reads back as written (its PNG twin),
    and cutting it again keeps its colours."""
    from livecut.imageio import read_image

    tif, png, again = tmp_path / "cut.tif", tmp_path / "cut.png", tmp_path / "again.png"
    for out in (tif, png):
        r = invoke("image", str(good["b.png"]), "-o", str(out), "--mode", "cutout")
        assert r.exit_code == 0, r.output
    written = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
    assert np.any((written[:, :, 3] > 0) & (written[:, :, 3] < 255))  # (soft edges: some alpha between)
    assert np.array_equal(read_image(tif), written)
    r = invoke("image", str(tif), "-o", str(again))
    assert r.exit_code == 0, r.output
    assert np.array_equal(cv2.imread(str(again), cv2.IMREAD_UNCHANGED)[:, :, :3], written[:, :, :3])


def _tiff(samples: np.ndarray, extra: int | None, planar: bool = False, tile: int = 0, bo: str = "<",
          more: tuple = (), photometric: int | None = None, cut: int = 0) -> bytes:
    """A deflate TIFF written by hand: ``samples`` HxWxS (gray + alpha, RGB or RGBA, in file
    order; 8 or 16 bit), ExtraSamples ``extra`` (None: no such tag), planes or interleaved,
    strips of 8 rows or square tiles of side ``tile``; ``more``: other entries, ``(tag, type,
    [values])`` (SHORT or LONG); ``photometric``: its tag's value (None: RGB from 3 samples, else gray);
    ``cut``: the bytes each strip's zlib stream is cut short by (4: its Adler-32)."""
    h, w, s = samples.shape
    a = samples.astype(samples.dtype.newbyteorder(bo))
    planes = [a[:, :, c:c + 1] for c in range(s)] if planar else [a]
    step = tile or 8
    chunks = []
    for pl in planes:
        for y in range(0, h, step):
            for x in range(0, w, tile or w):
                part = pl[y:y + step, x:x + (tile or w)]
                if tile:  # (a tile at the edge is padded to its full size)
                    part = np.pad(part, ((0, tile - part.shape[0]), (0, tile - part.shape[1]), (0, 0)))
                chunks.append(zlib.compress(part.tobytes())[:-cut or None])
    where = (322, 323, 324, 325) if tile else (278, 273, 279)
    entries = [(256, 4, [w]), (257, 4, [h]), (258, 3, [a.itemsize * 8] * s), (259, 3, [8]),
               (262, 3, [photometric if photometric is not None else 2 if s >= 3 else 1]), (277, 3, [s]), (284, 3, [2 if planar else 1])]
    entries += ([(338, 3, [extra])] if extra is not None else []) + list(more)
    entries += [(322, 4, [tile]), (323, 4, [tile])] if tile else [(278, 4, [step])]
    entries += [(where[-2], 4, [0] * len(chunks)), (where[-1], 4, [len(c) for c in chunks])]
    entries.sort()
    at = 8 + 2 + 12 * len(entries) + 4  # values that do not fit their entry, then the pixels
    values = {t: struct.pack(bo + ("H" if k == 3 else "I") * len(v), *v) for t, k, v in entries}
    spill = sum(len(b) for b in values.values() if len(b) > 4)
    offsets, pos = [], at + spill
    for c in chunks:
        offsets.append(pos)
        pos += len(c)
    values[where[-2]] = struct.pack(bo + "I" * len(offsets), *offsets)
    ifd, extra_bytes = struct.pack(bo + "H", len(entries)), b""
    for t, k, v in entries:
        b = values[t]
        if len(b) > 4:
            ifd += struct.pack(bo + "HHII", t, k, len(v), at + len(extra_bytes))
            extra_bytes += b
        else:
            ifd += struct.pack(bo + "HHI", t, k, len(v)) + b.ljust(4, b"\0")
    head = (b"II*\0" if bo == "<" else b"MM\0*") + struct.pack(bo + "I", 8)
    return head + ifd + struct.pack(bo + "I", 0) + extra_bytes + b"".join(chunks)


def _samples(channels: int, dtype, seed: int = 0) -> np.ndarray:
    """Random samples of 37x53 pixels, the last channel an alpha with transparent and opaque
    columns."""
    top = np.iinfo(dtype).max
    a = np.random.default_rng(seed).integers(0, top + 1, (37, 53, channels), dtype=dtype)
    a[:, :3, -1], a[:, 3:6, -1] = 0, top
    return a


def test_a_tiff_of_channels_livecut_does_not_read_is_refused_in_words(tmp_path):
    """A TIFF of more channels than its colours and an alpha (Photoshop's alpha channels, saved
    selections, or spot colours kept as extra samples) was refused as 'not an image, or
    truncated/corrupt (> Unsupported number of channels:)', a 16-bit gray one's gray, alpha and
    other channel were read as B, G, R and cut scrambled, exit 0, and a 16-bit CMYK one was 'not
    an image'.  Each is refused saying what it holds (exit 2); the readable ones are read."""
    from livecut.imageio import read_image

    cases = {"rgbae8": (_samples(5, np.uint8), [2, 0], None, "5 channels (RGB, an alpha and 1 other)"),
             "rgbe16": (_samples(5, np.uint16), [0, 0], None, "5 channels (RGB and 2 others)"),
             "gae16": (_samples(3, np.uint16), [2, 0], 1, "3 channels (gray, an alpha and 1 other)"),
             "cmyka8": (_samples(5, np.uint8), [2], 5, "5 channels (CMYK and an alpha)"),
             "cmyk16": (_samples(4, np.uint16), None, 5, "a 16-bit CMYK TIFF")}
    for name, (samples, extra, photometric, said) in cases.items():
        src = _write_bytes(tmp_path / f"{name}.tif", _tiff(samples, None, more=[(338, 3, extra)] if extra else (),
                                                          photometric=photometric))
        r = invoke("image", src, "-o", tmp_path / "o", "-q")
        assert r.exit_code == 2 and said in r.stderr and "which livecut does not read" in r.stderr, (name, r.output)
        assert not (tmp_path / "o").exists()
    for name, (samples, extra, photometric) in {"rgba": (_samples(4, np.uint8), 2, None),
                                                "cmyk": (_samples(4, np.uint8), None, 5),
                                                "ga": (_samples(2, np.uint16), 2, None)}.items():
        read_image(_write_bytes(tmp_path / f"{name}.tif", _tiff(samples, extra, photometric=photometric)))


def test_a_tiff_of_half_floats_is_refused_in_words(tmp_path):
    """A TIFF of 16-bit floating-point (half) samples (darktable's and Affinity's option) was
    refused as 'not an image, or truncated/corrupt (> :)', a line of OpenCV's assertion; it
    is refused saying what it holds (exit 2).  A 32-bit floating-point one is read, as before."""
    from livecut.imageio import read_image

    rgb = _samples(3, np.uint8) / 255.0
    for name, samples in (("rgb.tif", rgb), ("gray.tif", rgb[:, :, :1])):
        src = _write_bytes(tmp_path / name, _tiff(np.ascontiguousarray(samples.astype(np.float16)), None,
                                                  more=[(339, 3, [3] * samples.shape[2])]))
        r = invoke("image", src, "-o", tmp_path / "o", "-q")
        assert r.exit_code == 2 and r.stderr == (f"livecut: error: {src}: a TIFF of 16-bit floating-point (half) "
                                                 "samples, which livecut does not read; save it as a 16-bit integer "
                                                 "or 32-bit floating-point TIFF, or as PNG, first\n"), r.output
    src = _write_bytes(tmp_path / "f32.tif", _tiff(rgb.astype(np.float32), None, more=[(339, 3, [3] * 3)]))
    assert np.abs(read_image(src)[:, :, ::-1] - rgb).max() < 1e-6


def test_a_tiff_with_unassociated_alpha_is_read_as_stored(tmp_path):
    """A TIFF whose ExtraSamples (338) says unassociated alpha (2: livecut's cutouts, GIMP,
    Photoshop, FFmpeg) was read with its colours multiplied by the alpha: OpenCV decodes 8-bit
    files through libtiff's RGBA interface, which does that (contiguous or planar, strips or
    tiles, any compression; a planar gray + alpha one too).  They are read as stored now; a
    16-bit file, which OpenCV reads itself, was and is."""
    import shutil

    from livecut.imageio import read_image

    cases = {"rgba8": (_samples(4, np.uint8), {}),
             "rgba8 planar tiles": (_samples(4, np.uint8, 1), {"planar": True, "tile": 16, "bo": ">"}),
             "gray+alpha8 planar": (_samples(2, np.uint8, 2), {"planar": True}),
             "rgba16": (_samples(4, np.uint16, 3), {"bo": ">"})}
    for name, (stored, layout) in cases.items():
        p = tmp_path / f"{name}.tif"
        p.write_bytes(_tiff(stored, 2, **layout))
        got = read_image(p)
        want = stored[:, :, [2, 1, 0, 3]] if stored.shape[2] == 4 else stored[:, :, 0]  # (BGRA; gray: OpenCV
        assert got.dtype == stored.dtype and np.array_equal(got, want), name           # drops its alpha)
    if shutil.which("ffmpeg"):  # FFmpeg's own file (LZW) of the same kind
        stored = _samples(4, np.uint8, 4)
        p = tmp_path / "ffmpeg.tif"
        subprocess.run(["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgba", "-s", "53x37", "-i", "-",
                        "-compression_algo", "lzw", "-y", str(p)], input=stored.tobytes(), check=True, timeout=60)
        assert np.array_equal(read_image(p), stored[:, :, [2, 1, 0, 3]])


def test_a_bigtiff_with_unassociated_alpha_is_read_as_stored(tmp_path):
    """A BigTIFF (GIMP's and Pillow's option for large pictures) of RGBA, unassociated alpha,
    was read with its colours multiplied by the alpha, as a classic TIFF's were (its
    ExtraSamples was not looked for: BigTIFF's directory is of 20-byte entries): a cutout's half
    transparent (200, 100, 50) came back as (100, 50, 25).  It is read as stored, in either byte
    order."""
    from livecut.imageio import read_image

    stored = _samples(4, np.uint8, 5)
    h, w, _ = stored.shape
    for bo in "<>":
        entries = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 4, 0), (259, 3, 1, 1), (262, 3, 1, 2), (273, 16, 1, 0),
                   (277, 3, 1, 4), (278, 3, 1, h), (279, 16, 1, stored.size), (338, 3, 1, 2)]
        at = 16 + 8 + 20 * len(entries) + 8  # (the pixels)
        out = ((b"II+\0" if bo == "<" else b"MM\0+") + struct.pack(bo + "HHQ", 8, 0, 16)
               + struct.pack(bo + "Q", len(entries)))
        for tag, typ, count, v in entries:
            value = (struct.pack(bo + "HHHH", 8, 8, 8, 8) if tag == 258 else struct.pack(bo + "H", v) if typ == 3
                     else struct.pack(bo + "Q", at if tag == 273 else v))
            out += struct.pack(bo + "HHQ", tag, typ, count) + value.ljust(8, b"\0")
        p = _write_bytes(tmp_path / f"big{'le' if bo == '<' else 'be'}.tif",
                         out + struct.pack(bo + "Q", 0) + stored.tobytes())
        assert np.array_equal(read_image(p), stored[:, :, [2, 1, 0, 3]]), bo


def test_a_bigtiff_of_16_bit_rgb_in_planes_is_read_unscrambled(tmp_path):
    """A BigTIFF of 16-bit RGB in separate planes (PlanarConfiguration 2: GDAL's, a scanner's
    large files) came back scrambled, exit 0 (OpenCV takes the planes for interleaved samples),
    where a classic TIFF's is read at 8 bits: its layout was looked for in classic TIFFs only.
    It is read as the classic one is, in either byte order, and said to be deeper than its output."""
    from livecut.imageio import read_image

    stored = _samples(3, np.uint16, 6)
    h, w, _ = stored.shape
    want = cv2.convertScaleAbs(stored[:, :, ::-1], alpha=1 / 257)
    for bo in "<>":
        planes = [np.ascontiguousarray(stored[:, :, c]).astype(stored.dtype.newbyteorder(bo)).tobytes()
                  for c in range(3)]
        entries = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 3, 0), (259, 3, 1, 1), (262, 3, 1, 2), (273, 16, 3, 0),
                   (277, 3, 1, 3), (278, 3, 1, h), (279, 16, 3, 0), (284, 3, 1, 2)]
        at = 16 + 8 + 20 * len(entries) + 8  # (the strips' offsets, their counts, then the planes)
        out = ((b"II+\0" if bo == "<" else b"MM\0+") + struct.pack(bo + "HHQ", 8, 0, 16)
               + struct.pack(bo + "Q", len(entries)))
        for tag, typ, count, v in entries:
            value = (struct.pack(bo + "HHH", 16, 16, 16) if tag == 258 else struct.pack(bo + "H", v) if typ == 3
                     else struct.pack(bo + "Q", at if tag == 273 else at + 24))
            out += struct.pack(bo + "HHQ", tag, typ, count) + value.ljust(8, b"\0")
        out += struct.pack(bo + "Q", 0) + struct.pack(bo + "QQQ", *(at + 48 + k * len(planes[0]) for k in range(3)))
        out += struct.pack(bo + "QQQ", *(len(pl) for pl in planes)) + b"".join(planes)
        p = _write_bytes(tmp_path / f"planes{'le' if bo == '<' else 'be'}.tif", out)
        meta: dict = {}
        got = read_image(p, meta)
        assert np.abs(got.astype(int) - want).max() <= 1 and meta["deep"], bo


def test_a_16_bit_palette_tiff_is_refused_in_words_and_an_8_bit_one_read_in_its_colours(tmp_path):
    """A TIFF of 16-bit palette indices (PhotometricInterpretation 3, a ColorMap of 65536
    entries; unsigned or signed) was refused as 'not an image, or truncated/corrupt', though the
    file is whole (libtiff's RGBA interface that OpenCV decodes palettes with takes 8 bits at
    most).  It is refused saying what it is (exit 2); an 8-bit one is read in its colours."""
    colours = [(65535, 0, 0), (0, 65535, 0), (0, 0, 65535), (65535, 65535, 65535)]
    idx = (np.arange(37 * 53).reshape(37, 53, 1) % 4).astype(np.uint16)
    for bits, dtype in ((16, np.uint16), (8, np.uint8)):
        n = 1 << bits
        cmap = [0] * (3 * n)
        for i, rgb in enumerate(colours):
            for c in range(3):
                cmap[c * n + i] = rgb[c]
        for signed in ((), ((339, 3, [2]),)) if bits == 16 else ((),):
            name = f"pal{bits}{'s' if signed else ''}.tif"
            src = _write_bytes(tmp_path / name, _tiff(idx.astype(dtype), None, photometric=3,
                                                      more=((320, 3, cmap),) + signed))
            r = invoke("image", src, "-o", tmp_path / "o", "--mode", "mask", "-q")
            if bits == 8:
                from livecut.imageio import read_image

                assert r.exit_code == 0, r.output
                want = np.array([[c // 257 for c in rgb[::-1]] for rgb in colours], np.uint8)[idx[:, :, 0]]
                assert np.array_equal(read_image(src), want)
                continue
            assert r.exit_code == 2, r.output
            assert _stderr_lines(r) == [f"livecut: error: {src}: a 16-bit palette (indexed-colour) TIFF, which "
                                        "livecut does not read; save it as RGB, or with a palette of at most 256 "
                                        "colours, first"], r.stderr


def _bigtiff_pages(pages: list, kinds: list, bo: str = "<") -> bytes:
    """An uncompressed BigTIFF of 8-bit gray ``pages``, a directory each, by hand; ``kinds``:
    their NewSubfileType (254) values (1: a reduced-resolution copy, a thumbnail)."""
    out = bytearray((b"II+\0" if bo == "<" else b"MM\0+") + struct.pack(bo + "HHQ", 8, 0, 16))
    for k, (px, kind) in enumerate(zip(pages, kinds)):
        ph, pw = px.shape
        entries = [(254, 4, 1, kind), (256, 3, 1, pw), (257, 3, 1, ph), (258, 3, 1, 8), (259, 3, 1, 1),
                   (262, 3, 1, 1), (273, 16, 1, 0), (277, 3, 1, 1), (278, 3, 1, ph), (279, 16, 1, px.size)]
        at = len(out) + 8 + 20 * len(entries) + 8  # (this directory, then its pixels)
        out += struct.pack(bo + "Q", len(entries))
        for tag, typ, count, v in entries:
            value = (struct.pack(bo + "H", v) if typ == 3 else struct.pack(bo + "I", v) if typ == 4
                     else struct.pack(bo + "Q", at if tag == 273 else v))
            out += struct.pack(bo + "HHQ", tag, typ, count) + value.ljust(8, b"\0")
        out += struct.pack(bo + "Q", 0 if k == len(pages) - 1 else at + px.size) + px.tobytes()
    return bytes(out)


def test_a_bigtiff_whose_first_picture_is_a_thumbnail_is_refused_as_a_tiff_is(tmp_path):
    """A BigTIFF whose first directory is marked a reduced-resolution copy (NewSubfileType 1: a
    thumbnail before its full picture, as a camera raw file's) had its thumbnail cut, exit 0,
    unsaid, where a classic TIFF's is refused saying so: that mark was looked for in classic
    TIFFs only.  It is refused alike, in either byte order."""
    full = np.random.default_rng(4).integers(0, 256, (64, 80), dtype=np.uint8)
    for bo in "<>":
        src = _write_bytes(tmp_path / f"thumb{'le' if bo == '<' else 'be'}.tif",
                           _bigtiff_pages([full[::4, ::4].copy(), full], [1, 0], bo))
        r = invoke("image", src, "-o", tmp_path / "o", "-q")
        assert r.exit_code == 2, r.output
        assert f"{src}: a TIFF whose first picture is a reduced-resolution preview" in r.stderr, r.stderr


def test_a_multipage_bigtiff_says_only_its_first_page_is_cut(tmp_path):
    """A BigTIFF of several pages (GDAL's, a microscope's or a scanner's large files) was cut as
    its first page without a word, where a classic TIFF of several pages says so: its pages were
    counted in classic TIFFs only.  It says so alike, in either byte order; a directory marked a
    reduced-resolution copy (a thumbnail) is no page."""
    rng = np.random.default_rng(3)
    for bo in "<>":
        pages = [rng.integers(0, 256, (40, 56), dtype=np.uint8) for _ in range(3)]
        pages.insert(2, pages[0][::2, ::2].copy())  # (NewSubfileType 1: the 3rd directory a thumbnail)
        name = f"pages{'le' if bo == '<' else 'be'}.tif"
        src = _write_bytes(tmp_path / name, _bigtiff_pages(pages, [0, 0, 1, 0], bo))
        r = invoke("image", src, "-o", tmp_path / "o", "-q")
        assert r.exit_code == 0, r.output
        assert _stderr_lines(r) == [f"livecut: warning: {src}: a TIFF of 3 pages; only the first is cut"], r.stderr


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_a_tiff_with_associated_alpha_is_read_with_straight_colours(tmp_path, dtype):
    """ExtraSamples 1, associated alpha: the colours are stored multiplied by it.  livecut's
    BGRA is straight everywhere (the cut multiplies this alpha into its own, the compositor
    blends the colours with it), so they are divided by it (they were used premultiplied:
    darkened where the picture is half transparent); 0 where the alpha is 0."""
    from livecut.imageio import read_image

    top = np.iinfo(dtype).max
    straight = _samples(4, dtype, 5)
    a = straight[:, :, 3:].astype(np.float64)
    stored = straight.copy()
    stored[:, :, :3] = np.round(straight[:, :, :3] * a / top)
    p = tmp_path / "assoc.tif"
    p.write_bytes(_tiff(stored, 1))
    got = read_image(p)
    assert got.dtype == dtype and np.array_equal(got[:, :, 3], stored[:, :, 3])
    bgr = stored[:, :, [2, 1, 0]].astype(np.float64)
    exact = np.where(a > 0, np.minimum(bgr * top / np.maximum(a, 1), top), 0)
    assert np.abs(got[:, :, :3] - exact).max() < 1  # (the nearest value, or next to it: cv2.divide
    #                                                    computes 16 bits in single precision)
    opaque = straight[:, :, 3] == top
    assert np.array_equal(got[opaque][:, :3], straight[opaque][:, [2, 1, 0]])


def test_a_tiff_of_deep_samples_in_planes_is_read_right_or_refused(tmp_path, scene):
    """A TIFF whose channels are in separate planes (PlanarConfiguration 2) of 16-bit samples:
    OpenCV took the planes for interleaved samples, and an RGB one came back scrambled, cut
    without a word.  16-bit RGB is read at 8 bits through libtiff (as livecut cuts it); with
    an alpha, which that drops, it is refused in one line (exit 2)."""
    from livecut.imageio import read_image

    rng = np.random.default_rng(6)
    rgb = rng.integers(0, 65536, (37, 53, 3), dtype=np.uint16)
    for name, layout in (("strips", {}), ("tiles", {"tile": 16, "bo": ">"})):
        p = tmp_path / f"{name}.tif"
        p.write_bytes(_tiff(rgb, None, planar=True, **layout))
        got = read_image(p)
        assert got.shape == rgb.shape and np.abs(got.astype(int) - (rgb[:, :, ::-1] >> 8)).max() <= 1, name
    img, _ = scene  # (a photo cut from planes as from interleaved samples)
    deep = img[:, :, ::-1].astype(np.uint16) * 257
    (tmp_path / "planes.tif").write_bytes(_tiff(deep, None, planar=True))
    (tmp_path / "samples.tif").write_bytes(_tiff(deep, None))
    assert np.array_equal(_cutout(tmp_path, tmp_path / "planes.tif"), _cutout(tmp_path, tmp_path / "samples.tif"))
    p = tmp_path / "rgba.tif"
    p.write_bytes(_tiff(_samples(4, np.uint16, 7), 2, planar=True))
    r = invoke("image", p, "-o", tmp_path / "rgba.png")
    assert r.exit_code == 2 and r.stderr.count("livecut: error") == 1, r.stderr
    assert "separate planes" in r.stderr and "interleaved" in r.stderr and not (tmp_path / "rgba.png").exists()


def test_a_deep_tiff_in_planes_says_its_output_is_eight_bit(tmp_path, scene):
    """A 16-bit RGB TIFF in separate planes is read at 8 bits (through libtiff): its cutout was
    written at 8 bits without the warning the same photo in interleaved samples gives (the
    warning looked at the depth as read, 8); it is said alike now, and its mask says nothing."""
    img, _ = scene
    deep = img[:, :, ::-1].astype(np.uint16) * 257
    (tmp_path / "planes.tif").write_bytes(_tiff(deep, None, planar=True))
    r = invoke("image", tmp_path / "planes.tif", "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [f"livecut: warning: {tmp_path / 'planes.tif'}: a picture of more than 8 bits a "
                                "channel; its cutout is written at 8 bits a channel (livecut writes 8-bit pictures)"]
    r = invoke("image", tmp_path / "planes.tif", "-o", tmp_path / "m", "--mode", "mask", "-q")
    assert r.exit_code == 0 and not _stderr_lines(r), r.output


def test_a_camera_raw_file_is_refused_not_cut_as_its_preview(tmp_path, scene):
    """A NEF or DNG is a TIFF whose first directory is a small preview (NewSubfileType 1);
    OpenCV read that, and a raw photo was cut as a 160x120 picture without a word.  A raw
    file (by its name, or a TIFF whose first picture is a preview) is refused in one line."""
    img, _ = scene
    preview = _tiff(np.ascontiguousarray(img[:, :, ::-1]), None, more=[(254, 4, [1])])  # (NewSubfileType:
    #                                                                    reduced resolution, RGB)
    for p in (tmp_path / "DSC_0001.NEF", tmp_path / "preview.tif"):
        p.write_bytes(preview)
    r = invoke("image", tmp_path / "DSC_0001.NEF", tmp_path / "preview.tif", "-o", tmp_path / "cut")
    assert r.exit_code == 2 and r.stderr.count("livecut: error") == 2, r.stderr
    assert f"{tmp_path / 'DSC_0001.NEF'}: a camera raw file, which livecut does not read" in r.stderr, r.stderr
    assert f"{tmp_path / 'preview.tif'}: a TIFF whose first picture is a reduced-resolution preview" in r.stderr
    assert not (tmp_path / "cut").exists()


def test_a_folder_of_raw_files_says_so(tmp_path):
    """`livecut image shoot/` of a shoot in raw alone said the folder "holds no images"; it says
    it holds camera raw files, which livecut does not read (a glob alike)."""
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for name in ("DSC_0001.NEF", "DSC_0002.nef", "notes.txt"):
        (shoot / name).write_bytes(b"II*\x00" + bytes(16))
    r = invoke("image", shoot, f"{shoot}/*.NEF", "-o", tmp_path / "cut")
    assert r.exit_code == 2 and r.stderr.count("livecut: error") == 2, r.stderr
    assert f"{shoot}: directory holds no images (.jpg, .jpeg, .png, .bmp ...); 2 camera raw files, which livecut " \
           "does not read: export them as JPEG, PNG or TIFF first" in r.stderr, r.stderr
    assert f"{shoot}/*.NEF: pattern matches no images; 1 camera raw file, which livecut does not read: export " \
           "it as" in r.stderr, r.stderr


def test_a_folder_of_videos_names_the_command_that_cuts_them(tmp_path):
    """`livecut image clips/ -o cut/` (or 'clips/*') of videos alone said the folder "holds no
    images", as if nothing were there: it says how many videos, which livecut image does not
    cut, and that livecut batch does; nothing made."""
    clips = tmp_path / "clips"
    clips.mkdir()
    for name in ("a.mp4", "b.MOV"):
        (clips / name).write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(16))
    r = invoke("image", clips, f"{clips}/a*", "-o", tmp_path / "cut")
    assert r.exit_code == 2, r.output
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("livecut: error")]
    assert errors == [f"livecut: error: {clips}: directory holds no images (.jpg, .jpeg, .png, .bmp ...); 2 videos, "
                      f"which livecut image does not cut: livecut batch {clips} -o OUTDIR cuts them",
                      f"livecut: error: {clips}/a*: pattern matches no images; 1 video, which livecut image does not "
                      f"cut: livecut batch '{clips}/a*' -o OUTDIR cuts it"], r.stderr
    assert not (tmp_path / "cut").exists()


def test_a_folder_of_subfolders_and_a_glob_of_gifs_say_what_they_left_out(tmp_path, scene):
    """`livecut image shoot/` of a shoot kept in day folders said the folder "holds no images",
    and `livecut image 'anims/*.gif'` (livecut batch too) that the pattern "matches no images",
    as if nothing were there: a folder's subfolders are not read, and a GIF is cut only when
    named (README). The error says so, and what to give instead."""
    from livecut.batch import plan

    img, _ = scene
    shoot = tmp_path / "shoot"
    (shoot / "day1").mkdir(parents=True)
    cv2.imwrite(str(shoot / "day1" / "a.png"), img)
    anims = tmp_path / "anims"
    anims.mkdir()
    for name in ("x.gif", "y.gif"):
        (anims / name).write_bytes(b"GIF89a" + bytes(16))
    r = invoke("image", shoot, f"{anims}/*.gif", "-o", tmp_path / "cut")
    assert r.exit_code == 2 and r.stderr.count("livecut: error") == 2, r.stderr
    assert f"{shoot}: directory holds no images (.jpg, .jpeg, .png, .bmp ...); its subfolders are not read: " \
           f"give '{shoot}/**' for their images, or use `livecut batch`" in r.stderr, r.stderr
    assert f"{anims}/*.gif: pattern matches no images; 2 GIFs, cut only when named: name each on its own" \
        in r.stderr, r.stderr
    p = plan([f"{anims}/x*"], tmp_path / "o")
    assert not p.todo and any("matches no photos or videos; 1 GIF, cut only when named: name it on its own" in e
                              for _, e in p.refused), p.refused
    r = invoke("image", anims, "-o", tmp_path / "cut")
    assert r.exit_code == 2 and f"{anims}: directory holds no images (.jpg, .jpeg, .png, .bmp ...); 2 GIFs, cut only " \
                                "when named: name each on its own" in r.stderr, r.stderr
    r = invoke("image", f"{shoot}/**", "-o", tmp_path / "cut2", "-q")  # (as the error says)
    assert r.exit_code == 0 and (tmp_path / "cut2" / "a.png").is_file(), r.stderr


def test_a_gray_tiff_with_alpha_says_its_transparency_is_not_read(tmp_path, scene):
    """OpenCV reads a gray + alpha TIFF as gray alone: what it left transparent was cut as
    opaque without a word; it is still cut (the gray is read right), and a warning says so."""
    from livecut.imageio import read_image

    img, _ = scene
    ga = np.dstack([cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), np.full(img.shape[:2], 255, np.uint8)])
    p = tmp_path / "ga.tif"
    p.write_bytes(_tiff(ga, 2))
    meta: dict = {}
    assert np.array_equal(read_image(p, meta), ga[:, :, 0]) and "transparency is not read" in meta["lost"]
    r = invoke("image", p, "-o", tmp_path / "ga.png", "-q")
    assert r.exit_code == 0 and (tmp_path / "ga.png").is_file()
    assert r.stderr == (f"livecut: warning: {p}: a gray TIFF with an alpha channel: its transparency is not "
                        "read (taken as opaque; save it as PNG to keep it)\n"), r.stderr
    p = tmp_path / "gray.tif"  # (a gray one without alpha: nothing said)
    p.write_bytes(_tiff(ga[:, :, :1], None))
    r = invoke("image", p, "-o", tmp_path / "gray.png", "-q")
    assert r.exit_code == 0 and not r.stderr, r.stderr


def test_tiffs_of_a_channel_not_read_are_said_once_a_run(tmp_path, scene):
    """A scanner's TIFFs, each with an extra channel marked unspecified (or gray TIFFs with an
    alpha), said what is not read of them once per photo, the same line but for its name (it is
    the files' layout, not damage); it is said of the first, then the others' count and names
    once at the end."""
    img, _ = scene
    rgb = np.ascontiguousarray(img[:, :, ::-1])
    infrared = np.full(img.shape[:2], 200, np.uint8)
    gray = np.dstack([cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), np.full(img.shape[:2], 255, np.uint8)])
    d = tmp_path / "in"
    d.mkdir()
    for i in range(3):
        (d / f"scan{i}.tif").write_bytes(_tiff(np.dstack([rgb, infrared]), 0))
        (d / f"ga{i}.tif").write_bytes(_tiff(gray, 2))
    names = [f"{kind}{i}.tif" for i in range(3) for kind in ("scan", "ga")]
    r = invoke("image", *(d / n for n in names), "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [
        f"livecut: warning: {d / 'scan0.tif'}: an RGB TIFF with an extra channel marked unspecified (ExtraSamples 0, "
        "not alpha: an infrared or a scanner's channel?): that channel is left out and the picture read opaque (save "
        "it with that channel as alpha to cut it with its transparency)",
        f"livecut: warning: {d / 'ga0.tif'}: a gray TIFF with an alpha channel: its transparency is not read (taken "
        "as opaque; save it as PNG to keep it)",
        f"livecut: warning: 2 more photos ({d / 'scan1.tif'}, {d / 'scan2.tif'}): RGB TIFFs with an extra channel "
        "marked unspecified too, that channel left out",
        f"livecut: warning: 2 more photos ({d / 'ga1.tif'}, {d / 'ga2.tif'}): gray TIFFs with an alpha channel too, "
        "their transparency not read"], r.output


def test_a_tiffs_extra_channel_marked_unspecified_is_not_its_alpha(tmp_path, scene):
    """A TIFF whose 4th sample (a gray one's 2nd) is marked unspecified, ExtraSamples 0 -- an
    infrared channel, a scanner's extra one -- was taken for alpha: cut with holes where that
    channel was low, without a word.  The TIFF spec's alpha is 1 (associated) or 2
    (unassociated): it is read opaque, its colours as stored, and a warning names the channel
    left out."""
    from livecut.imageio import read_image

    img, _ = scene
    rgb = np.ascontiguousarray(img[:, :, ::-1])  # (stored R, G, B)
    infrared = np.zeros(img.shape[:2], np.uint8)
    infrared[:, img.shape[1] // 2:] = 200  # (as an alpha: the left half transparent)
    said = ("TIFF with an extra channel marked unspecified (ExtraSamples 0, not alpha: an infrared or a scanner's "
            "channel?): that channel is left out and the picture read opaque (save it with that channel as alpha to "
            "cut it with its transparency)")
    plain = _cutout(tmp_path, _write_bytes(tmp_path / "plain.tif", _tiff(rgb, None)))
    for depth, scale in ((8, 1), (16, 257)):
        dtype = np.uint8 if depth == 8 else np.uint16
        p = _write_bytes(tmp_path / f"rgbx{depth}.tif", _tiff(np.dstack([rgb, infrared]).astype(dtype) * dtype(scale), 0))
        meta: dict = {}
        got = read_image(p, meta)
        assert got.shape == img.shape and np.array_equal(got, img.astype(dtype) * dtype(scale)), depth
        assert meta["lost"] == f"an RGB {said}", depth
        out = tmp_path / f"rgbx{depth}.png"
        r = invoke("image", p, "-o", out, "-q")
        assert r.exit_code == 0, r.output
        warned = [f"livecut: warning: {p}: an RGB {said}"]
        if depth == 16:
            warned.append(f"livecut: warning: {p}: a picture of more than 8 bits a channel; its cutout is written at "
                          "8 bits a channel (livecut writes 8-bit pictures)")
        assert r.stderr.splitlines() == warned, r.stderr
        assert np.array_equal(cv2.imread(str(out), cv2.IMREAD_UNCHANGED), plain), depth
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    p = _write_bytes(tmp_path / "grayx.tif", _tiff(np.dstack([gray, infrared]), 0))
    meta = {}
    assert np.array_equal(read_image(p, meta), gray) and meta["lost"] == f"a gray {said}"
    # (a 4th sample of alpha, 2, or without the tag, as OpenCV writes it, is alpha as before)
    for extra in (2, None):
        got = read_image(_write_bytes(tmp_path / "rgba.tif", _tiff(np.dstack([rgb, infrared]), extra)))
        assert got.shape[2] == 4 and np.array_equal(got[:, :, 3], infrared), extra


def test_ctrl_c_before_the_command_takes_it_over_is_one_line():
    """A Ctrl-C after the imports but before the command handles it (while the arguments are
    read: a loaded machine makes that window tenths of a second) printed a traceback."""
    code = ("import sys, livecut.cli as c\n"
            "def interrupted(args):\n"
            "    raise KeyboardInterrupt\n"
            "c._argv_secrets = interrupted\n"
            "sys.argv = ['livecut', 'image', 'x.jpg', '-o', 'out/']\n"
            "from livecut._entry import main\n"
            "main()\n")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 130, (r.returncode, r.stderr)
    assert r.stderr == "livecut: error: interrupted\n"


def test_a_ctrl_c_in_a_set_name_as_livecut_starts_is_one_line(tmp_path):
    """A Ctrl-C in livecut's first 0.05 s, landing in a class's __set_name__ as typer imported
    platform: Python 3.11 wraps it ('RuntimeError: Error calling __set_name__ on ...'), which was a
    traceback and exit 1, not 'interrupted' and 130."""
    r = _run_as_module(tmp_path, "livecut_set_name", "import sys\n"
                       "class Stopped:\n"
                       "    def __set_name__(self, owner, name):\n"
                       "        raise KeyboardInterrupt\n"
                       "class Importing:\n"
                       "    def find_spec(self, name, path=None, target=None):\n"
                       "        if name == 'livecut.cli':\n"
                       "            class Built:\n"
                       "                field = Stopped()\n"
                       "sys.meta_path.insert(0, Importing())\n"
                       "sys.argv = ['livecut', 'image', 'x.jpg', '-o', 'out/']\n")
    assert (r.returncode, r.stderr) == (130, "livecut: error: interrupted\n")


def test_a_second_ctrl_c_as_the_first_is_said_is_taken(tmp_path):
    """Ctrl-C twice (0.1 s apart) in livecut's first tenths of a second: the first was said,
    'interrupted', and the second, landing as livecut told Python it had taken the first (its
    import of ctypes), was a traceback ('KeyboardInterrupt') and status -2, not 130."""
    r = _run_as_module(tmp_path, "livecut_twice", "import sys, livecut.cli as c\n"
                       "class Second:\n"
                       "    def find_spec(self, name, path=None, target=None):\n"
                       "        if name == 'ctypes' and not self.__dict__.get('done'):\n"
                       "            self.done = True\n"
                       "            raise KeyboardInterrupt\n"
                       "def interrupted(args):\n"
                       "    sys.meta_path.insert(0, Second())\n"
                       "    raise KeyboardInterrupt\n"
                       "c._argv_secrets = interrupted\n"
                       "sys.argv = ['livecut', 'image', 'x.jpg', '-o', 'out/']\n")
    assert (r.returncode, r.stderr) == (130, "livecut: error: interrupted\n")


@pytest.mark.parametrize("where", ["before Typer", "while the arguments are read"])
@pytest.mark.parametrize("sig, code, said", [(signal.SIGTERM, 143, "stopped by SIGTERM"),
                                             (signal.SIGHUP, 129, "stopped by SIGHUP")])
def test_a_signal_before_the_command_takes_it_over_is_one_line(tmp_path, where, sig, code, said):
    """SIGTERM or SIGHUP while livecut still imported its modules or read its arguments (its
    first few tenths of a second; a job runner that stops it at once) killed the process by
    the signal: status -15 (a shell's 143) and nothing on stderr. Now, as Ctrl-C then: one line,
    exit 128 + the signal."""
    hook = ("import livecut.cli as c\nc._argv_secrets = stopped\n" if where == "before Typer" else
            "import typer.core\nreal = typer.core.TyperGroup.make_context\n"
            "def make_context(*a, **k):\n    stopped(None)\n    return real(*a, **k)\n"
            "typer.core.TyperGroup.make_context = make_context\n")
    code_ = ("import os, sys\n"
             "def stopped(args):\n"
             f"    os.kill(os.getpid(), {int(sig)})\n"
             "    return []\n"
             + hook +
             f"sys.argv = ['livecut', 'image', 'x.jpg', '-o', {str(tmp_path / 'out')!r} + '/']\n"
             "from livecut._entry import main\n"
             "main()\n")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    r = subprocess.run([sys.executable, "-c", code_], capture_output=True, text=True, env=env, timeout=60)
    assert (r.returncode, r.stderr) == (code, f"livecut: error: {said}\n")


def _run_as_module(tmp_path, name: str, code: str) -> subprocess.CompletedProcess:
    """``code`` then livecut's entry point, run as the module ``name`` (as `python -m livecut` is:
    a script or -c exits before CPython's check of an interrupt that escaped)."""
    (tmp_path / f"{name}.py").write_text(code + "from livecut._entry import main\nmain()\n")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent) + os.pathsep + str(tmp_path))
    return subprocess.run([sys.executable, "-m", name], capture_output=True, text=True, env=env, timeout=60)


def test_a_ctrl_c_in_code_run_by_exec_ends_with_130(tmp_path):
    """`python -m livecut ...`, a Ctrl-C landing in code Python runs with exec (a dataclass's
    methods, made as a module is imported in livecut's first tenths of a second): it was said,
    'interrupted', and the process then killed itself with SIGINT at exit (CPython took it for
    one that escaped): status -2, not 130."""
    r = _run_as_module(tmp_path, "livecut_stopped", "import sys, livecut.cli as c\n"
                       "def interrupted(args):\n"
                       "    exec('raise KeyboardInterrupt')\n"
                       "c._argv_secrets = interrupted\n"
                       "sys.argv = ['livecut', 'image', 'x.jpg', '-o', 'out/']\n")
    assert (r.returncode, r.stderr) == (130, "livecut: error: interrupted\n")


def test_a_ctrl_c_in_code_run_by_exec_ends_with_130_on_python_3_12_and_newer(tmp_path):
    """The same on Python 3.12 and 3.13 (README: 3.11 or newer), where the interpreter's mark is
    no _Py_UnhandledKeyboardInterrupt that ctypes finds: status -2, not 130.  Such a Python is
    stood for here by ctypes finding no such symbol, as there."""
    r = _run_as_module(tmp_path, "livecut_stopped_312", "import ctypes, sys, livecut.cli as c\n"
                       "class NoMark(ctypes.c_int):\n"
                       "    @classmethod\n"
                       "    def in_dll(cls, dll, name):\n"
                       "        raise ValueError(f'undefined symbol: {name}')\n"
                       "ctypes.c_int = NoMark\n"
                       "def interrupted(args):\n"
                       "    exec('raise KeyboardInterrupt')\n"
                       "c._argv_secrets = interrupted\n"
                       "sys.argv = ['livecut', 'image', 'x.jpg', '-o', 'out/']\n")
    assert (r.returncode, r.stderr) == (130, "livecut: error: interrupted\n")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_once_the_command_is_over_leaves_its_exit_code(tmp_path, sig):
    """A Ctrl-C (SIGTERM) in Python's teardown, once the command was over -- its summary said, its
    exit code set; the tens of milliseconds a batch's modules take to be freed -- killed the
    process by the signal: status -2 (-15), not 0. It is ignored then."""
    # (the signal comes as the program's own module is freed, late in the teardown)
    r = _run_as_module(tmp_path, "livecut_late", "import os, sys\n"
                       "class Late:\n"
                       "    def __del__(self):\n"
                       f"        os.kill(os.getpid(), {int(sig)})\n"
                       "late = Late()\n"
                       "sys.argv = ['livecut', 'methods']\n")
    assert (r.returncode, r.stderr) == (0, ""), (r.returncode, r.stderr)


@pytest.mark.parametrize("command, sig", [
    (["file", "{clip}", "-o", "out.mp4"], signal.SIGINT),
    (["file", "{clip}", "-o", "-"], signal.SIGTERM),  # (a stream on standard output)
    (["file", "-", "-o", "out.mkv"], signal.SIGHUP),  # (the video piped in: its copy removed after the summary)
    (["image", "{photo}", "-o", "cut/"], signal.SIGINT),
], ids=["file-mp4", "file-stdout", "file-stdin", "image"])
def test_a_signal_right_after_the_summary_leaves_the_summary_and_the_exit_code(tmp_path, scene, command, sig):
    """A Ctrl-C (SIGTERM, SIGHUP) that lands once a run that finished has said its summary -- as
    the CLI ends, before Python's shutdown -- said a bare 'livecut: error: interrupted' under the
    summary and exited 130 (143, 129), the output whole. The summary stands and the exit code
    is the run's, 0. (The signal is sent by the process itself the moment the summary is written.)"""
    from conftest import make_clip

    clip = make_clip(tmp_path / "clip.mp4", w=160, h=120, n=5)
    cv2.imwrite(str(tmp_path / "photo.png"), scene[0])
    argv = [a.format(clip=clip, photo=tmp_path / "photo.png") for a in command]
    (tmp_path / "livecut_summary.py").write_text(
        "import os, sys, typer\n"
        "echo = typer.echo\n"
        "def said(message=None, *args, **kwargs):\n"
        "    echo(message, *args, **kwargs)\n"
        "    if kwargs.get('err') and re.search(r'frames in|written to', str(message)):\n"
        f"        os.kill(os.getpid(), {int(sig)})\n"
        "import re\n"
        "typer.echo = said\n"
        f"sys.argv = ['livecut', *{argv!r}]\n"
        "from livecut._entry import main\n"
        "main()\n")
    temp = tmp_path / "temp"  # (where the copy of a piped video is kept)
    temp.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + str(tmp_path), TMPDIR=str(temp))
    with open(clip, "rb") as stdin:
        r = subprocess.run([sys.executable, "-m", "livecut_summary"], stdin=stdin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path, timeout=120)
    lines = r.stderr.splitlines()
    assert (r.returncode, [line for line in lines if "error" in line]) == (0, []), r.stderr
    assert re.search(r"frames in|written to", lines[-1]), r.stderr  # (the summary, the last line)
    assert not [n for n in os.listdir(temp) if n.startswith("livecut-stdin-")]  # (the copy removed all the same)


def _signalled_as_it_prints(tmp_path, argv: list, sig: int) -> subprocess.CompletedProcess:
    """`livecut ARGV` whose process sends itself ``sig`` the moment it starts to write on standard
    output (once: as its first output is about to be written), run as a module as `python -m livecut` is."""
    return _signalled_at_echo(tmp_path, argv, sig, "not kwargs.get('err')",
                              "import typer._click.decorators as decorators\n",
                              "typer.echo = decorators.echo = signalling  # (the commands' output; --help's)\n")


def _signalled_at_echo(tmp_path, argv: list, sig: int, when: str, before: str, patch: str) -> subprocess.CompletedProcess:
    """`livecut ARGV`, run as a module as `python -m livecut` is, whose process sends itself ``sig``
    the first time ``typer.echo`` (as ``patch`` puts ``signalling`` in its place) is called where
    ``when`` (an expression of its ``message`` and ``kwargs``) holds; ``before``: code run first."""
    (tmp_path / "livecut_signalling.py").write_text(
        "import os, sys, typer\n"
        + before +
        "echo, sent = typer.echo, []\n"
        "def signalling(message=None, *args, **kwargs):\n"
        f"    if {when} and not sent:\n"
        "        sent.append(True)\n"
        f"        os.kill(os.getpid(), {int(sig)})\n"
        "    echo(message, *args, **kwargs)\n"
        + patch +
        f"sys.argv = ['livecut', *{argv!r}]\n"
        "from livecut._entry import main\n"
        "main()\n")
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + str(tmp_path))
    return subprocess.run([sys.executable, "-m", "livecut_signalling"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)


@pytest.mark.parametrize("command, sig, shown", [
    (["eval", "img", "masks", "--json", "--set", "segment.method=canny"], signal.SIGINT, "json"),
    (["eval", "img", "masks", "--set", "segment.method=canny"], signal.SIGTERM, r"(?m)^mean\s"),
    (["bench", "--size", "160x120", "-n", "1", "--no-baseline", "--set", "segment.method=canny", "--json"],
     signal.SIGHUP, "json"),
    (["methods"], signal.SIGINT, r"(?m)^presets: "),
    (["devices", "--json"], signal.SIGTERM, "json"),
], ids=["eval-json", "eval", "bench-json", "methods", "devices-json"])
def test_a_signal_as_a_command_prints_its_results_leaves_them_and_the_exit_code(tmp_path, scene, command, sig,
                                                                                 shown):
    """`livecut eval`, `bench`, `methods`, `devices`: a Ctrl-C (SIGTERM, SIGHUP) that landed once
    the command had done its work, as it printed its results -- or once they were printed, before
    Python's shutdown -- said a bare 'livecut: error: interrupted' and exited 130 (143, 129), the
    results (--json's JSON) not printed or printed in part. As a run's summary (3b215b9): they are
    printed whole and the exit code is the command's, 0."""
    for folder, picture in (("img", scene[0]), ("masks", scene[1])):
        (tmp_path / folder).mkdir()
        cv2.imwrite(str(tmp_path / folder / "a.png"), picture)
    r = _signalled_as_it_prints(tmp_path, command, sig)
    assert (r.returncode, [line for line in r.stderr.splitlines() if "error" in line]) == (0, []), r.stderr
    if shown == "json":
        assert isinstance(json.loads(r.stdout), dict), r.stdout  # (whole)
    else:
        assert re.search(shown, r.stdout), r.stdout  # (its last line)


@pytest.mark.parametrize("command, sig, code", [
    (["--help"], signal.SIGINT, 0),
    (["eval", "--help"], signal.SIGTERM, 0),
    (["methods", "-h"], signal.SIGHUP, 0),
    ([], signal.SIGINT, 2),  # (plain `livecut`: its page, exit 2)
    (["--version"], signal.SIGTERM, 0),
], ids=["help", "eval-help", "methods-h", "plain", "version"])
def test_a_signal_as_a_help_page_is_printed_leaves_it_and_the_exit_code(tmp_path, command, sig, code):
    """A --help page (plain `livecut`'s, --version's line): a Ctrl-C (SIGTERM, SIGHUP) that landed as
    it was printed, or once it was, before Python's shutdown, said a bare 'livecut: error:
    interrupted' and exited 130 (143, 129), the page not printed. It is printed whole and the exit
    code is 0 (2 for plain `livecut`), as a command's results (above)."""
    r = _signalled_as_it_prints(tmp_path, command, sig)
    assert (r.returncode, r.stderr) == (code, ""), (r.returncode, r.stderr)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    page = subprocess.run([sys.executable, "-m", "livecut", *command], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120).stdout
    assert r.stdout == page and page.strip(), r.stdout  # (whole: as without the signal)


def _signalled_as_it_errs(tmp_path, argv: list, sig: int, before: str = "") -> subprocess.CompletedProcess:
    """`livecut ARGV` whose process sends itself ``sig`` the moment it starts to write its error
    line (once: as its first 'livecut: error:' line is about to be written on standard error),
    run as a module as `python -m livecut` is; ``before``: code run first."""
    return _signalled_at_echo(tmp_path, argv, sig, "kwargs.get('err') and str(message).startswith('livecut: error:')",
                              before, "typer.echo = signalling\n")


#: a disk that refuses every folder made under a folder named ro (as a read-only disk does; also as root)
_READ_ONLY_RO = (
    "import errno, os\n"
    "mkdir = os.mkdir\n"
    "def refused(path, *args, **kwargs):\n"
    "    if 'ro' in os.fsdecode(path).split(os.sep):\n"
    "        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))\n"
    "    return mkdir(path, *args, **kwargs)\n"
    "os.mkdir = refused\n")


@pytest.mark.parametrize("command, sig, code, said", [
    (["image", "--bogus"], signal.SIGINT, 2, "No such option: --bogus"),  # (a usage error, click's)
    (["file", "nope.mp4", "-o", "o.mp4"], signal.SIGTERM, 2, "nope.mp4: no such file"),  # (a LivecutError)
    (["image", "missing.jpg", "-o", "out/"], signal.SIGHUP, 2, "missing.jpg: file not found"),  # (nothing to cut)
    (["batch", "missing.jpg", "-o", "bout/"], signal.SIGINT, 2, "missing.jpg: "),  # (no item to do)
    (["image", "{photo}", "-o", "ro/cut/"], signal.SIGINT, 1, "cannot create output folder"),  # (a runtime failure)
    (["file", "{cut}", "-o", "o.mkv", "-q"], signal.SIGTERM, 3, "the video ends early"),  # (its output kept)
], ids=["usage", "file-missing", "image-missing", "batch-missing", "image-read-only", "file-ends-early"])
def test_a_signal_as_an_error_is_said_leaves_it_and_the_exit_code(tmp_path, scene, command, sig, code, said):
    """A Ctrl-C (SIGTERM, SIGHUP) that landed once livecut had decided that the command failed, as
    its error line was written (or once it was, before Python's shutdown), said 'livecut: error:
    interrupted' under it, or in its place, and exited 130 (143, 129): the error came first, so
    it stands -- its line alone, and its exit code (2, 1; 3 with the output kept). (The signal is
    sent by the process itself as the error line is about to be written.)"""
    from conftest import make_clip

    cv2.imwrite(str(tmp_path / "photo.png"), scene[0])
    clip = make_clip(tmp_path / "clip.mkv", w=160, h=120, n=20)
    data = clip.read_bytes()
    (tmp_path / "cut.mkv").write_bytes(data[:len(data) * 6 // 10])  # (in the middle of a cluster)
    (tmp_path / "ro").mkdir()
    argv = [a.format(photo=tmp_path / "photo.png", cut=tmp_path / "cut.mkv") for a in command]
    r = _signalled_as_it_errs(tmp_path, argv, sig, _READ_ONLY_RO)
    errors = [line for line in r.stderr.splitlines() if "error" in line]
    assert (r.returncode, len(errors)) == (code, 1) and said in errors[0], (r.returncode, r.stderr)
    assert "interrupted" not in r.stderr, r.stderr
    if code == 3:
        assert (tmp_path / "o.mkv").is_file()  # (the frames written, kept)


def test_a_folder_of_pnm_family_pictures_is_read(tmp_path, scene):
    """The README: `livecut image` reads "the PNM family"; a folder or glob of PBM (P4) and PAM
    (P7) pictures was taken for a folder holding no images (and `livecut batch` refused them
    as files of no known kind), though each one named on its own was read."""
    img, _ = scene
    d = tmp_path / "scans"
    d.mkdir()
    cv2.imwrite(str(d / "a.pbm"), cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    cv2.imwrite(str(d / "b.pam"), img)
    out = tmp_path / "o"
    r = invoke("image", d, "-o", out, "-q")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png"]
    r = invoke("image", str(d / "*"), "-o", tmp_path / "g", "-q")
    assert r.exit_code == 0, r.output
    from livecut.batch import kind_of
    assert kind_of(d / "a.pbm") == kind_of(d / "b.pam") == "image"
    # (-o x.pbm: one output file now, and a colour composite is refused before the work)
    # (a PBM holds black and white alone: it was said to hold 'gray pictures', as a PGM does)
    r = invoke("image", d / "b.pam", "-o", tmp_path / "c.pbm", "-b", "color:#00b140")
    assert r.exit_code == 2 and "black and white pictures only" in r.output, r.output
    assert not (tmp_path / "c.pbm").exists()
    r = invoke("image", d / "b.pam", "-o", tmp_path / "c.pgm", "-b", "color:#00b140")
    assert r.exit_code == 2 and ".pgm holds gray pictures only" in r.output, r.output


def test_a_pam_of_rgb_samples_keeps_its_colours(tmp_path, scene):
    """A PAM's samples are R, G, B (TUPLTYPE RGB, RGB_ALPHA: as netpbm, ImageMagick and GIMP
    write it); OpenCV returns them as stored, and livecut took them for B, G, R: the cutout of a
    red subject came out blue, exit 0.  Now read as its PNG twin (one OpenCV wrote, B, G, R with
    no TUPLTYPE, as before)."""
    from livecut.imageio import read_image

    img, _ = scene
    h, w = img.shape[:2]
    rgb = img[:, :, ::-1]
    p = tmp_path / "rgb.pam"
    p.write_bytes(b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n" % (w, h) + rgb.tobytes())
    assert np.array_equal(read_image(p), img)
    alpha = np.full((h, w), 255, np.uint8)
    alpha[:, : w // 4] = 0
    pa = tmp_path / "rgba.pam"
    pa.write_bytes(b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n" % (w, h)
                   + np.dstack((rgb, alpha)).tobytes())
    assert np.array_equal(read_image(pa), np.dstack((img, alpha)))
    cv2.imwrite(str(tmp_path / "cv.pam"), img)  # (OpenCV's own: no TUPLTYPE, read as it wrote it)
    assert np.array_equal(read_image(tmp_path / "cv.pam"), img)
    res = _cutout(tmp_path, p)
    ref = _cutout(tmp_path, _write(tmp_path / "twin.png", img))
    assert ref[:, :, 3].mean() > 10
    assert np.abs(res.astype(int) - ref).mean() < 1.0


def test_a_cutout_into_a_pam_keeps_its_transparency(tmp_path, scene):
    """`-o cut.pam` (netpbm's PAM, which livecut reads and writes with an alpha, TUPLTYPE
    RGB_ALPHA) was refused for a cutout, '.pam cannot hold transparency'; now it is written, the
    cutout's PNG twin."""
    from livecut.imageio import read_image

    img, _ = scene
    src = _write(tmp_path / "a.png", img)
    r = invoke("image", src, "-o", tmp_path / "cut.pam", "-q")
    assert r.exit_code == 0, r.output
    assert b"TUPLTYPE RGB_ALPHA" in (tmp_path / "cut.pam").read_bytes()[:80]
    ref = _cutout(tmp_path, src)
    assert ref[:, :, 3].mean() > 10 and ref[:, :, 3].min() == 0
    assert np.array_equal(read_image(tmp_path / "cut.pam"), ref)


def test_a_pam_of_maxval_under_its_container_keeps_its_brightness(tmp_path, scene):
    """A PAM's MAXVAL was not applied: one of 10 bits (MAXVAL 1023, 16-bit samples) was read as
    values of 0..65535, its cutout nearly black, and one of MAXVAL 15 as 0..255, exit 0 both.  Now
    each is read as its PPM twin (P6, scaled by its maxval)."""
    from livecut.imageio import read_image

    img, _ = scene
    h, w = img.shape[:2]
    rgb = img[:, :, ::-1].astype(np.uint32)
    for top, kind in ((1023, ">u2"), (15, np.uint8)):
        v = (rgb * top // 255).astype(kind).tobytes()
        pam = tmp_path / f"m{top}.pam"
        pam.write_bytes(b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH 3\nMAXVAL %d\nTUPLTYPE RGB\nENDHDR\n" % (w, h, top) + v)
        ppm = tmp_path / f"m{top}.ppm"
        ppm.write_bytes(b"P6\n%d %d\n%d\n" % (w, h, top) + v)
        assert np.array_equal(read_image(pam), read_image(ppm)), top
    res = _cutout(tmp_path, tmp_path / "m1023.pam")
    ref = _cutout(tmp_path, _write(tmp_path / "twin.png", img))
    assert ref[:, :, 3].mean() > 10
    assert np.abs(res.astype(int) - ref).mean() < 1.0


def test_a_gray_pam_with_alpha_is_cut_keeping_its_transparency(tmp_path, scene):
    """A PAM of TUPLTYPE GRAYSCALE_ALPHA (two samples a pixel) was refused, exit 2, with a word of
    livecut's code: 'unsupported image shape (120, 160, 2): expected HxW ...'.  Now read as a
    gray picture with its alpha, which stays transparent in the cut, as a gray PNG's does."""
    img, _ = scene
    h, w = img.shape[:2]
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    alpha = np.full((h, w), 255, np.uint8)
    alpha[:, : w // 4] = 0
    p = tmp_path / "ga.pam"
    p.write_bytes(b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n" % (w, h)
                  + np.dstack((gray, alpha)).tobytes())
    res = _cutout(tmp_path, p)
    ref = _cutout(tmp_path, _write(tmp_path / "twin.png", cv2.merge([gray, gray, gray, alpha])))
    assert (res[:, : w // 4, 3] == 0).all()
    assert np.abs(res.astype(int) - ref).mean() < 1.0


def test_a_black_and_white_pam_is_read_a_byte_a_sample(tmp_path, scene):
    """A PAM of MAXVAL 1 (TUPLTYPE BLACKANDWHITE, as netpbm writes it: a byte a sample, 0 or 1)
    was read by OpenCV as a PBM's packed bits: a scrambled picture, mostly black, cut with exit 0.
    Now read as its 8-bit twin of 0 and 255."""
    from livecut.imageio import read_image

    img, _ = scene
    h, w = img.shape[:2]
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    bw = (gray > np.median(gray)).astype(np.uint8)
    p = tmp_path / "bw.pam"
    p.write_bytes(b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH 1\nMAXVAL 1\nTUPLTYPE BLACKANDWHITE\nENDHDR\n" % (w, h)
                  + bw.tobytes())
    assert 0.1 < bw.mean() < 0.9
    assert np.array_equal(read_image(p), bw * 255)


def test_a_pam_output_is_written_r_g_b(tmp_path, scene):
    """'-o comp.pam' wrote OpenCV's B, G, R samples as they are (TUPLTYPE absent): netpbm,
    ImageMagick and GIMP, which read a PAM's samples as R, G, B, showed the composite's red and
    blue swapped.  Now its samples are R, G, B, said so (TUPLTYPE RGB), and it reads back as the
    PNG composite."""
    from livecut.imageio import read_image

    img, _ = scene
    src = _write(tmp_path / "in.png", img)
    for name in ("comp.pam", "comp.png"):
        r = invoke("image", src, "-o", tmp_path / name, "-b", "color:#2040e0", "-q")
        assert r.exit_code == 0, r.output
    png = cv2.imread(str(tmp_path / "comp.png"))
    data = (tmp_path / "comp.pam").read_bytes()
    assert b"\nTUPLTYPE RGB\n" in data
    stored = np.frombuffer(data[data.index(b"ENDHDR\n") + 7:], np.uint8).reshape(png.shape)
    assert np.array_equal(stored, png[:, :, ::-1])
    assert np.array_equal(read_image(tmp_path / "comp.pam"), png)


def test_ctrl_c_while_the_arguments_are_read_says_so(monkeypatch, capsys):
    # Typer turns a KeyboardInterrupt in its argument parsing into exit 130 with no message
    import typer.core

    from livecut.cli import main

    def interrupted(self, ctx, args):
        raise KeyboardInterrupt

    monkeypatch.setattr(typer.core.TyperGroup, "parse_args", interrupted)
    with pytest.raises(SystemExit) as exc:
        main(["methods"])
    assert exc.value.code == 130
    assert capsys.readouterr().err.strip() == "livecut: error: interrupted"


def test_a_file_where_the_output_folder_should_be_is_said_plainly(good, tmp_path):
    """`image p.jpg -o afile/cut/` (afile a file): 'cannot create output folder: File exists',
    exit 1, as if the disk had failed; now it names the file in the way, exit 2. batch too."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    r = invoke("image", str(good["a.jpg"]), "-o", str(afile / "cut") + "/")
    assert r.exit_code == 2 and f"{afile} is a file, not a folder" in r.stderr, r.stderr
    r = invoke("batch", str(good["a.jpg"]), "-o", str(afile / "cut"), "-q")
    assert r.exit_code == 2 and f"{afile} is a file, not a folder" in r.stderr, r.stderr


def test_a_broken_link_where_the_output_folder_should_be_is_said_plainly(good, tmp_path):
    """`image p.jpg -o cut/` (cut a link to a folder moved away): 'cannot create output folder:
    File exists', exit 1, where `ls cut/` says there is nothing; now it names the link and its
    target, exit 2, the one output file and a folder below it alike; batch too."""
    link = tmp_path / "cut"
    link.symlink_to(tmp_path / "moved")
    for out in (str(link) + "/", str(link / "x.png"), str(link / "sub") + "/"):
        r = invoke("image", str(good["a.jpg"]), "-o", out, "-q")
        assert r.exit_code == 2 and f"{link} is a link to {tmp_path / 'moved'}, which is not there" in r.stderr, r.stderr
    r = invoke("batch", str(good["a.jpg"]), "-o", str(link) + "/", "-q")
    assert r.exit_code == 2 and f"{link} is a link to {tmp_path / 'moved'}, which is not there" in r.stderr, r.stderr
    assert not (tmp_path / "moved").exists()


def test_an_animated_gif_or_a_multipage_tiff_says_only_the_first_is_cut(tmp_path, scene):
    """`livecut image anim.gif` cut its first frame, and a multi-page TIFF its first page,
    without a word; now one warning line says so (even with -q); `livecut batch` passes it on.
    One-picture GIF and TIFF files say nothing."""
    import shutil

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed")
    img, _ = scene
    d = tmp_path / "in"
    d.mkdir()
    frames = d / "f%02d.png"
    for i in range(5):
        cv2.imwrite(str(frames).replace("%02d", f"{i:02d}"), np.roll(img, 4 * i, axis=1))
    for name, n in (("anim.gif", 5), ("still.gif", 1)):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-framerate", "5", "-i", str(frames), "-frames:v", str(n),
                        str(d / name)], check=True, timeout=60)
    if cv2.imdecode(np.fromfile(d / "anim.gif", np.uint8), cv2.IMREAD_UNCHANGED) is None:
        pytest.skip("this OpenCV reads no GIF")
    assert cv2.imwritemulti(str(d / "pages.tif"), [img, img[:, ::-1].copy(), img[::-1].copy()])
    assert cv2.imwrite(str(d / "one.tif"), img)
    out = tmp_path / "o"
    r = invoke("image", d / "anim.gif", d / "pages.tif", d / "still.gif", d / "one.tif", "-o", out, "-q")
    assert r.exit_code == 0, r.output
    lines = _stderr_lines(r)
    assert lines == [f"livecut: warning: {d / 'anim.gif'}: an animated GIF of 5 frames; only the first "
                     "is cut (use `livecut file` for video)",
                     f"livecut: warning: {d / 'pages.tif'}: a TIFF of 3 pages; only the first is cut"], lines
    assert all((out / f"{s}.png").is_file() for s in ("anim", "pages", "still", "one"))
    r = invoke("batch", d / "pages.tif", d / "one.tif", "-o", tmp_path / "b", "--jobs", "1")
    assert r.exit_code == 0, r.output
    said = [ln for ln in _stderr_lines(r) if "only the first" in ln]
    assert said == [f"livecut: warning: {d / 'pages.tif'}: a TIFF of 3 pages; only the first is cut"], r.stderr


def test_an_animated_avif_says_only_its_first_frame_is_cut(tmp_path, scene):
    """An animated AVIF (an image sequence: brand avis) was cut as its first frame without a word,
    where an animated GIF, PNG or WebP says so; it says so too, naming `livecut file`, which
    reads it as a video.  A still AVIF says nothing."""
    from PIL import Image, features

    if not features.check("avif"):
        pytest.skip("Pillow without AVIF")
    img, _ = scene
    frames = [Image.fromarray(np.roll(img, 4 * i, axis=1)[:, :, ::-1]) for i in range(3)]
    anim, still = tmp_path / "anim.avif", tmp_path / "still.avif"
    frames[0].save(anim, save_all=True, append_images=frames[1:], duration=200)
    frames[0].save(still)
    out = tmp_path / "o"
    r = invoke("image", anim, still, "-o", out, "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [f"livecut: warning: {anim}: an animated AVIF of 3 frames; only the first is cut "
                                "(use `livecut file` for video)"], r.stderr
    assert (out / "anim.png").is_file() and (out / "still.png").is_file()


def test_a_background_pictures_transparency_shows_black_and_is_said(tmp_path):
    """-b image:bg.png of a PNG with transparency showed the colours stored under its transparent
    pixels, which nothing shows (a PNG transparent all over: its hidden green), without a word;
    the picture is now put in as it shows over black, and one line says so: livecut image and
    livecut file alike. Its opaque part is as it was; an opaque picture with an alpha channel
    says nothing."""
    from conftest import make_clip

    bg = np.zeros((120, 160, 4), np.uint8)
    bg[..., :3] = (0, 255, 0)  # (hidden: transparent on the left)
    bg[:, 80:] = (255, 0, 0, 255)  # (blue, opaque, on the right)
    bg[:, 40:80, 3] = 128  # (half transparent)
    png, opaque = tmp_path / "bg.png", tmp_path / "opaque.png"
    assert cv2.imwrite(str(png), bg)
    assert cv2.imwrite(str(opaque), np.dstack((bg[..., :3], np.full((120, 160), 255, np.uint8))))
    flat = tmp_path / "flat.png"  # (nothing in focus: the background shows all over)
    assert cv2.imwrite(str(flat), np.full((120, 160, 3), 128, np.uint8))
    said = (f"livecut: warning: background {png}: has transparency, shown over black "
            "(flatten it onto another colour first for that)")
    out = tmp_path / "o.png"
    r = invoke("image", flat, "-o", out, "-b", f"image:{png}", "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [said], r.stderr
    got = cv2.imread(str(out)).astype(int)
    assert np.abs(got[:, :30] - 0).max() <= 2, got[:, :30].max()  # (it was green: 0, 255, 0)
    assert np.abs(got[:, 50:70] - (0, 128, 0)).max() <= 2, got[60, 60]
    assert np.abs(got[:, 90:] - (255, 0, 0)).max() <= 2, got[60, 120]
    r = invoke("image", flat, "-o", out, "--force", "-b", f"image:{opaque}", "-q")
    assert r.exit_code == 0 and _stderr_lines(r) == [], r.stderr
    clip = make_clip(tmp_path / "clip.mp4", w=160, h=120, n=3)
    video = tmp_path / "out.mkv"
    r = invoke("file", clip, "-o", video, "-b", f"image:{png}", "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [said], r.stderr
    cap = cv2.VideoCapture(str(video))
    ok, frame = cap.read()
    cap.release()
    assert ok
    assert frame[2:12, 2:12].astype(int).max() <= 20, frame[5, 5]  # (a corner: background)
    assert np.abs(frame[-12:-2, -12:-2].astype(int) - (255, 0, 0)).max() <= 20, frame[-5, -5]


def test_a_background_s_warning_is_said_with_the_first_output(tmp_path, good, monkeypatch):
    """`livecut image shoot/*.jpg -o cut/ -b image:bg.png` (or `livecut batch`), a background
    with transparency or of several pages, 500 photos: its warning ('shown over black') was said
    once every photo was cut, minutes later, and not at all at Ctrl-C. It is said once the first
    output is written (above the bar), before the next photo is cut, once."""
    import livecut.cli

    bg = np.zeros((120, 160, 4), np.uint8)
    bg[:, 80:] = (255, 0, 0, 255)
    png = tmp_path / "bg.png"
    assert cv2.imwrite(str(png), bg)
    said, real = [], livecut.cli.err
    out = tmp_path / "o"
    # (each line with the outputs there when it was said)
    monkeypatch.setattr(livecut.cli, "err", lambda m, kind="error": (
        said.append((kind, m, sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")))), real(m, kind)))
    line = f"background {png}: has transparency, shown over black (flatten it onto another colour first for that)"
    r = invoke("image", good["a.jpg"], good["b.png"], "-o", out, "-b", f"image:{png}")
    assert r.exit_code == 0, r.output
    assert said == [("warning", line, ["a.png"])]
    assert _stderr_lines(r) == [f"livecut: warning: {line}", f"2 written to {out}, 0 failed"]
    said.clear()
    out = tmp_path / "b"
    r = invoke("batch", good["a.jpg"], good["b.png"], "-o", out, "-b", f"image:{png}", "-j", "1", "-q")
    assert r.exit_code == 0, r.output
    # (a batch's: before its first item, see test_batch.py::test_a_background_s_warning_is_said_before_the_first_video)
    assert len(said) == 1 and said[0][:2] == ("warning", line) and len(said[0][2]) == 0, said
    assert _stderr_lines(r) == [f"livecut: warning: {line}"]


def test_a_background_s_warning_is_said_before_a_video_s_first_frame(tmp_path, monkeypatch):
    """`livecut file in.mp4 -o out.mp4 -b image:bg.png`, a background with transparency (file,
    cam and run alike): its warning ('shown over black') was said once the whole video was cut,
    minutes later. It is said before the first frame is processed (above the bar), once."""
    from conftest import make_clip

    import livecut.cli
    import livecut.runner

    bg = np.zeros((120, 160, 4), np.uint8)
    bg[:, 80:] = (255, 0, 0, 255)
    png = tmp_path / "bg.png"
    assert cv2.imwrite(str(png), bg)
    clip = make_clip(tmp_path / "clip.mp4", w=160, h=120, n=3)
    said, real, run = [], livecut.cli.err, livecut.runner.Pipeline.run
    monkeypatch.setattr(livecut.cli, "err", lambda m, kind="error": (said.append((kind, m)), real(m, kind)))
    monkeypatch.setattr(livecut.runner.Pipeline, "run", lambda self: (said.append("run"), run(self))[1])
    line = f"background {png}: has transparency, shown over black (flatten it onto another colour first for that)"
    r = invoke("file", clip, "-o", tmp_path / "out.mkv", "-b", f"image:{png}", "-q")
    assert r.exit_code == 0, r.output
    assert said == [("warning", line), "run"], said
    assert _stderr_lines(r) == [f"livecut: warning: {line}"], r.stderr


def test_a_picture_background_of_several_pictures_says_only_the_first_is_used(tmp_path, scene, good):
    """-b image:pages.tif (a multi-page TIFF) or image:anim.gif used the first page/frame
    without a word, though `livecut image pages.tif` says so of an input; the same one line
    now says it of the background: livecut image (even with -q), livecut file, livecut batch
    (once, not once an item). A background the output does not show (--mode mask) and a
    one-picture file say nothing."""
    import shutil

    from conftest import make_clip

    img, _ = scene
    pages, one = tmp_path / "pages.tif", tmp_path / "one.tif"
    assert cv2.imwritemulti(str(pages), [img, img[::-1].copy(), img[:, ::-1].copy()])
    assert cv2.imwrite(str(one), img)
    said = f"livecut: warning: background {pages}: a TIFF of 3 pages; only the first is used"
    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "-b", f"image:{pages}", "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [said], r.stderr
    for args in (("-b", f"image:{one}"), ("-b", f"image:{pages}", "--mode", "mask")):
        r = invoke("image", good["b.png"], "-o", tmp_path / "o", "--force", "-q", *args)
        assert r.exit_code == 0 and not any("only the first" in ln for ln in _stderr_lines(r)), r.stderr
    r = invoke("batch", good["a.jpg"], good["b.png"], "-o", tmp_path / "b", "--jobs", "1",
               "-b", f"image:{pages}")
    assert r.exit_code == 0, r.output
    assert [ln for ln in _stderr_lines(r) if "only the first" in ln] == [said], r.stderr
    clip = make_clip(tmp_path / "clip.mp4", w=160, h=120, n=3)
    r = invoke("file", clip, "-o", tmp_path / "out.mp4", "-b", f"image:{pages}", "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [said], r.stderr
    if shutil.which("ffmpeg") is None:
        return
    gif = _animated_gif(tmp_path, img)
    if gif is None:
        return  # (this OpenCV reads no GIF)
    r = invoke("file", clip, "-o", tmp_path / "out2.mp4", "-b", f"image:{gif}", "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [f"livecut: warning: background {gif}: an animated GIF of 4 frames; only "
                                f"the first is used (-b video:{gif} plays it)"], r.stderr


def _animated_gif(tmp_path, img):
    """tmp_path/anim.gif, 4 frames of ``img`` moved 4 px each (ffmpeg); None where OpenCV reads no GIF."""
    frames = tmp_path / "f%02d.png"
    for i in range(4):
        cv2.imwrite(str(frames).replace("%02d", f"{i:02d}"), np.roll(img, 4 * i, axis=1))
    gif = tmp_path / "anim.gif"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-framerate", "5", "-i", str(frames), str(gif)],
                   check=True, timeout=60)
    return None if cv2.imdecode(np.fromfile(gif, np.uint8), cv2.IMREAD_UNCHANGED) is None else gif


def test_a_batch_of_videos_over_an_animated_gif_says_how_to_play_it(tmp_path, scene, good):
    """`livecut batch vids/ -o out/ -b image:anim.gif` said 'only the first is used' without
    `livecut file`'s '(-b video:anim.gif plays it)': a batch with videos to cut says it too; one
    of photos alone (which a video background leaves cutouts) does not."""
    import shutil

    from conftest import make_clip

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg")
    img, _ = scene
    gif = _animated_gif(tmp_path, img)
    if gif is None:
        pytest.skip("this OpenCV reads no GIF")
    vids = tmp_path / "vids"
    vids.mkdir()
    make_clip(vids / "clip.mp4", w=160, h=120, n=3)
    said = f"livecut: warning: background {gif}: an animated GIF of 4 frames; only the first is used"
    r = invoke("batch", vids, "-o", tmp_path / "out", "--jobs", "1", "-b", f"image:{gif}", "-q")
    assert r.exit_code == 0, r.output
    assert [ln for ln in _stderr_lines(r) if "only the first" in ln] == [f"{said} (-b video:{gif} plays it)"], \
        r.stderr
    r = invoke("batch", good["a.jpg"], "-o", tmp_path / "photos", "--jobs", "1", "-b", f"image:{gif}", "-q")
    assert r.exit_code == 0, r.output
    assert [ln for ln in _stderr_lines(r) if "only the first" in ln] == [said], r.stderr


def test_a_video_over_an_animated_avif_says_how_to_play_it(tmp_path, scene):
    """`livecut file clip.mp4 -b image:anim.avif` said 'only the first is used' without the
    '(-b video:anim.avif plays it)' an animated GIF's says, though FFmpeg reads an animated AVIF as
    a video too (`livecut file` cuts one): it says it, and -b video:anim.avif plays it."""
    import shutil

    from PIL import Image, features

    from conftest import make_clip

    if shutil.which("ffmpeg") is None or not features.check("avif"):
        pytest.skip("ffmpeg, or Pillow with AVIF")
    img, _ = scene
    frames = [Image.fromarray(np.roll(img, 4 * i, axis=1)[:, :, ::-1]) for i in range(3)]
    anim = tmp_path / "anim.avif"
    frames[0].save(anim, save_all=True, append_images=frames[1:], duration=200)
    clip = make_clip(tmp_path / "clip.mp4", w=160, h=120, n=3)
    r = invoke("file", clip, "-o", tmp_path / "out.mp4", "-b", f"image:{anim}", "-q")
    assert r.exit_code == 0, r.output
    assert _stderr_lines(r) == [f"livecut: warning: background {anim}: an animated AVIF of 3 frames; only "
                                f"the first is used (-b video:{anim} plays it)"], r.stderr
    r = invoke("file", clip, "-o", tmp_path / "played.mp4", "-b", f"video:{anim}", "-q")
    assert r.exit_code == 0 and (tmp_path / "played.mp4").is_file(), r.output


def test_picture_count_reads_the_structure_of_animations_and_pages():
    from livecut.imageio import picture_count

    def gif(frames: int) -> bytes:  # a 1x1 GIF89a of ``frames`` frames (with a graphic control each)
        head = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
        frame = (b"\x21\xf9\x04\x00\x0a\x00\x00\x00" + b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
                 + b"\x02\x02\x44\x01\x00")
        return head + b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00" + frame * frames + b"\x3b"

    as_array = lambda b: np.frombuffer(b, np.uint8)  # noqa: E731
    assert picture_count(as_array(gif(7))) == ("animated GIF", "frames", 7)
    assert picture_count(as_array(gif(1)))[2] == 1
    assert picture_count(as_array(gif(3)[:-3]))[2] == 3  # (cut short: as far as it goes)
    ok, png = cv2.imencode(".png", np.zeros((4, 4), np.uint8))
    b = png.tobytes()
    assert picture_count(as_array(b))[2] == 1
    apng = b[:33] + _chunk(b"acTL", struct.pack(">II", 9, 0)) + b[33:]
    assert picture_count(as_array(apng)) == ("animated PNG", "frames", 9)
    ok, tif = cv2.imencode(".tif", np.zeros((4, 4), np.uint8))
    assert picture_count(as_array(tif.tobytes())) == ("TIFF", "pages", 1)
    ok, tif3 = cv2.imencodemulti(".tif", [np.zeros((4, 4), np.uint8)] * 3)
    assert picture_count(as_array(tif3.tobytes())) == ("TIFF", "pages", 3)
    ok, jpg = cv2.imencode(".jpg", np.zeros((16, 16, 3), np.uint8))
    assert picture_count(as_array(jpg.tobytes()))[2] == 1


def test_a_photo_of_which_nothing_is_kept_says_its_mask_is_empty(tmp_path, scratch_methods):
    """A photo judged to have a subject ("subject") of which no pixel reached the cut was
    written as an empty cutout without a word: only the "all-blurred" state had a note."""
    from livecut import images
    from livecut.config import load_config
    from livecut.segment import register_method

    @register_method("test-nothing")
    class Nothing:
        summary = "keeps nothing, states a subject"
        last_state = "subject"

        def __init__(self, cfg, still=False):
            pass

        def __call__(self, small, timings=None, full=None):
            out = np.zeros(small.shape[:2], np.uint8)
            out[0, 0] = 127  # (soft, under the cut)
            return out

    src = tmp_path / "p.png"
    cv2.imwrite(str(src), np.full((40, 60, 3), 90, np.uint8))
    report = images.process_images([str(src)], tmp_path / "out",
                                   load_config(None, ["segment.method=test-nothing"]))
    assert report.written == 1
    assert any("p.png" in n and "mask is empty" in n for n in report.notes), report.notes


def test_photo_note_says_nothing_of_a_mask_with_a_subject():
    from livecut.images import EMPTY_NOTE, STATE_NOTES, photo_note
    a = np.zeros((10, 10), np.uint8)
    assert photo_note("subject", a) == EMPTY_NOTE
    a[3, 3] = 128
    assert photo_note("subject", a) is None
    assert photo_note("all-blurred", a) == STATE_NOTES["all-blurred"]
    # a photo 1 pixel wide and 4 high: OpenCV 5.1 compared its mask with (127, 0, 0, 0), and
    # 1x1 with nothing; a mask of 10s was no empty one there
    for shape in ((4, 1), (1, 1)):
        assert photo_note("subject", np.full(shape, 10, np.uint8)) == EMPTY_NOTE, shape
        assert photo_note("subject", np.full(shape, 200, np.uint8)) is None, shape


def test_a_picture_whose_subject_is_where_it_is_transparent_says_nothing_shows(tmp_path, scene):
    """A picture whose own alpha hides what is judged in focus (the subject erased, its
    defocused background left) gave an empty cutout without a word, exit 0: the mask kept the
    subject, and the picture's alpha took it away.  A note says so (exit 0, as other notes)."""
    img, gt = scene
    bgra = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    bgra[cv2.dilate(gt, np.ones((9, 9), np.uint8)) > 0, 3] = 0
    src = _write(tmp_path / "erased.png", bgra)
    r = invoke("image", src, "-o", tmp_path / "o")
    assert r.exit_code == 0, r.output
    # (judged as it shows, the subject erased is not seen: nothing is judged in focus; the mask
    # kept the hidden subject before, which the note below said)
    assert _stderr_lines(r) == [f"livecut: note: {src}: no part was kept: the mask is empty (nothing judged in "
                                "focus enough)", f"1 written to {tmp_path / 'o'}, 0 failed"]
    assert cv2.imread(str(tmp_path / "o" / "erased.png"), cv2.IMREAD_UNCHANGED)[:, :, 3].max() <= 127
    from livecut.images import HIDDEN_NOTE, photo_note

    # (as the output is made: 255 * 128 / 255 reaches the cut, 255 * 127 / 255 and 200 * 162 / 255 not)
    for shape in ((4, 1), (1, 1), (3, 5)):
        kept = np.full(shape, 255, np.uint8)
        assert photo_note("subject", kept, np.full(shape, 128, np.uint8)) is None, shape
        assert photo_note("subject", kept, np.full(shape, 127, np.uint8)) == HIDDEN_NOTE, shape
        assert photo_note("subject", np.full(shape, 200, np.uint8), np.full(shape, 162, np.uint8)) == HIDDEN_NOTE
        assert photo_note("subject", kept) is None


def test_skip_existing_goes_on_where_a_run_stopped(tmp_path, good):
    """A run stopped part way (Ctrl-C over 1000 photos) could not be taken up: run again, each
    photo already cut was an error, "exists (use --force to overwrite)", exit 2 -- or --force
    cut them all again.  --skip-existing leaves those and cuts the rest."""
    out = tmp_path / "o"
    r = invoke("image", good["a.jpg"], "-o", out, "-q")
    assert r.exit_code == 0, r.output
    before = (out / "a.png").stat().st_mtime_ns
    r = invoke("image", good["a.jpg"], good["b.png"], "-o", out, "--skip-existing")
    assert r.exit_code == 0, r.output
    assert "1 written to" in r.stderr and "1 there already (left)" in r.stderr, r.stderr
    assert (out / "b.png").is_file() and (out / "a.png").stat().st_mtime_ns == before
    r = invoke("image", good["a.jpg"], "-o", out, "--skip-existing", "--force")
    assert r.exit_code == 2 and "--force and --skip-existing" in r.stderr


def test_skip_existing_does_not_count_a_link_to_nothing_there_already(tmp_path, good):
    """An output replaced by a link that leads nowhere (moved to a disk since unmounted): --skip-existing
    counted it '1 there already (left)', as done, where no output is; it is refused as `livecut file`
    refuses it, naming the link (--force replaces it)."""
    out = tmp_path / "o"
    out.mkdir()
    (out / "a.png").symlink_to("/nonexistent/a.png")
    r = invoke("image", good["a.jpg"], good["b.png"], "-o", out, "--skip-existing")
    assert r.exit_code == 2, r.output
    assert (f"livecut: error: {good['a.jpg']}: output {out / 'a.png'} exists, a symbolic link to /nonexistent/a.png "
            "that is missing (use --force to replace the link)") in r.stderr.splitlines(), r.stderr
    assert "1 written to" in r.stderr and "there already" not in r.stderr and (out / "b.png").is_file()
    assert invoke("image", good["a.jpg"], "-o", out, "--force", "-q").exit_code == 0
    assert (out / "a.png").is_file() and not (out / "a.png").is_symlink()


def test_a_rerun_refused_output_by_output_names_skip_existing(tmp_path, good):
    out = tmp_path / "o"
    assert invoke("image", good["a.jpg"], good["b.png"], "-o", out, "-q").exit_code == 0
    r = invoke("image", good["a.jpg"], good["b.png"], "-o", out)
    assert r.exit_code == 2 and "--skip-existing leaves the outputs there" in r.stderr, r.stderr


def test_an_interrupted_run_says_how_to_go_on():
    from livecut.images import ImageReport, _counted_stop
    from livecut.runner import Interrupted

    report = ImageReport()
    with pytest.raises(Interrupted, match=r"2 written to cut/, 0 failed, 3 not cut \(run it again with "
                                          r"--skip-existing to go on\)"):
        with _counted_stop(report, 5, "cut/"):
            report.written = 2
            raise KeyboardInterrupt


def test_an_interrupted_run_with_none_counted_written_still_says_how_to_go_on():
    """The signal can come between an output's rename and its count: "0 written", one on disk,
    and the line said nothing of --skip-existing (the SIGTERM test failed so, once in CI)."""
    from livecut.images import ImageReport, _counted_stop
    from livecut.runner import Interrupted

    with pytest.raises(Interrupted, match=r"0 written to cut/, 0 failed, 5 not cut \(run it again with "
                                          r"--skip-existing to go on\)"):
        with _counted_stop(ImageReport(), 5, "cut/"):
            raise KeyboardInterrupt


def test_a_killed_runs_temporary_files_go_with_the_next_run_to_that_output(tmp_path, good):
    """kill -9 (the out-of-memory killer, a power cut) while a photo's output was written left
    its temporary file (``.a.png.livecut-PID-HOST-TOKEN.png``) beside it for good: `livecut file`
    removes what a killed run left for its output, `livecut image` did not.  Now the next run to
    that output does, whether it writes it or leaves it (--skip-existing) -- only livecut's own
    names for that output, of a process of this machine that is gone, unchanged for a minute."""
    from livecut.atomic import STALE_SECONDS, _host_tag

    out = tmp_path / "o"
    out.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    old = time.time() - 2 * STALE_SECONDS
    tag = _host_tag()
    stale = out / f".a.png.livecut-{gone.pid}-{tag}-0123abcd.png"
    keep = [out / f".a.png.livecut-1-{tag}-00000000.png",  # (pid 1 runs: not ours)
            out / f".a.png.livecut-{gone.pid}-{tag}-11111111.png",  # (changed just now)
            out / f".a.png.livecut-{gone.pid}-abcdef-22222222.png",  # (another machine's)
            out / f".ab.png.livecut-{gone.pid}-{tag}-33333333.png",  # (another output's)
            out / f".a.png.livecut-{gone.pid}-{tag}-0123abcd.png.mine"]  # (not livecut's name)
    for p in [stale, *keep]:
        p.write_bytes(b"half a picture")
        if p != keep[1]:
            os.utime(p, (old, old))
    r = invoke("image", good["a.jpg"], "-o", out, "-q")
    assert r.exit_code == 0, r.output
    assert not stale.exists() and all(p.exists() for p in keep)
    # (and when the output is there already, left as it is)
    stale.write_bytes(b"half a picture")
    os.utime(stale, (old, old))
    r = invoke("image", good["a.jpg"], "-o", out, "-q", "--skip-existing")
    assert r.exit_code == 0, r.output
    assert not stale.exists() and all(p.exists() for p in keep)


def test_a_broken_link_in_a_folder_or_pattern_is_said(tmp_path, good):
    """A photo of a folder (or a pattern) that is a symbolic link to nothing -- its target moved
    or deleted -- was left out without a word, exit 0 (`livecut batch` says it): one error line
    naming the link and its target, the other photos cut, exit 2 as for an input not found."""
    d = good["a.jpg"].parent
    os.symlink(tmp_path / "gone.jpg", d / "c.jpg")
    os.symlink(tmp_path / "gone.txt", d / "notes.txt")  # (not a picture's name: nothing said)
    for given in (str(d), str(d / "*")):
        out = tmp_path / ("o1" if given == str(d) else "o2")
        r = invoke("image", given, "-o", out)
        assert r.exit_code == 2, r.output
        said = [ln for ln in _stderr_lines(r) if "c.jpg" in ln]
        assert len(said) == 1 and "a link to" in said[0] and "gone.jpg" in said[0], r.stderr
        assert "notes.txt" not in r.stderr
        assert sorted(q.name for q in out.iterdir()) == ["a.png", "b.png"]


def test_a_named_pipe_in_a_folder_or_pattern_is_said(tmp_path, good):
    """A named pipe with a picture's name in a folder (or a pattern) was left out without a word,
    exit 0 (`livecut batch` says it, a failed item), and a pattern that matched it alone said
    'pattern matches no images': it fails as it does named, the other photos cut, exit 2."""
    d = good["a.jpg"].parent
    os.mkfifo(d / "x.png")
    os.mkfifo(d / "notes.txt")  # (not a picture's name: nothing said)
    for given in (str(d), str(d / "*"), str(d / "x.*")):
        out = tmp_path / f"o{len(given)}"
        r = invoke("image", given, "-o", out)
        assert r.exit_code == 2, r.output
        said = [ln for ln in _stderr_lines(r) if "livecut: error:" in ln]
        assert said == [f"livecut: error: {d / 'x.png'}: is a FIFO (named pipe), not a picture file: save the "
                        "picture to a file first"], r.stderr
        assert "notes.txt" not in r.stderr
        written = sorted(q.name for q in out.iterdir()) if out.exists() else []
        assert written == ([] if given.endswith("x.*") else ["a.png", "b.png"])


def test_a_signal_while_the_temporary_file_is_removed_still_removes_it(tmp_path, monkeypatch):
    """SIGTERM in `livecut image` just after a photo's output was linked into place, while its
    temporary file was being removed: the run stopped with the temporary file left beside the
    output (.p00.png.livecut-...png next to p00.png; 1 run in 25 on a loaded machine).  The
    signal's exception now goes on only once the temporary file is gone."""
    from livecut import atomic

    tmp, final = tmp_path / ".o.png.livecut-1-h-0.png", tmp_path / "o.png"
    tmp.write_bytes(b"done")
    real, hit = Path.is_dir, []

    def is_dir(self):
        if self == tmp and not hit:  # (the signal lands inside the removal)
            hit.append(self)
            raise KeyboardInterrupt
        return real(self)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    with pytest.raises(KeyboardInterrupt):
        atomic.commit(tmp, final, force=False)
    assert hit and final.read_bytes() == b"done" and not tmp.exists()


def test_a_signal_as_the_output_is_moved_into_place_leaves_no_temporary_file(tmp_path, good, monkeypatch):
    """SIGTERM landing as a photo's finished output was handed to commit (raised on entering
    it, before its own cleanup): the run stopped with the temporary file left in the output
    folder and nothing at the final name (1 run in 150 on a loaded machine).  It is removed."""
    from livecut import atomic

    def commit(tmp, final, force):  # (the signal, raised as commit is entered)
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "commit", commit)
    out = tmp_path / "o"
    r = invoke("image", good["a.jpg"], "-o", f"{out}/")
    assert r.exit_code == 130, r.output
    assert "interrupted: 0 written" in r.stderr, r.stderr
    assert not out.exists()  # (no temporary file in it; the folder the run made, left empty, removed)




def test_an_output_that_is_an_input_s_own_file_by_another_name_is_refused(good, tmp_path):
    """-o naming a photo's own file by a name resolve() does not lead to -- another hard link of
    it, or (root) the same name by a bind mount of its folder -- was taken, `--force`, exit 0: by
    the bind mount the cutout was renamed over the photo itself, lost.  It 'would overwrite an
    input', as `livecut file` refuses it; `livecut batch` alike."""
    src = good["b.png"]
    before = src.read_bytes()
    os.link(src, tmp_path / "alias.png")
    r = invoke("image", str(src), "-o", str(tmp_path / "alias.png"), "--force", "-q")
    assert r.exit_code == 2 and "would overwrite an input" in r.stderr, r.stderr
    (tmp_path / "out").mkdir()
    os.link(src, tmp_path / "out" / "b.png")
    r = invoke("batch", str(src), "-o", str(tmp_path / "out"), "--force", "-q")
    assert r.exit_code == 2 and "would overwrite an input" in r.stderr, r.stderr
    assert os.path.samefile(src, tmp_path / "alias.png") and os.path.samefile(src, tmp_path / "out" / "b.png")
    view = tmp_path / "view"
    view.mkdir()
    if os.geteuid() == 0 and subprocess.run(["mount", "--bind", str(src.parent), str(view)],
                                            capture_output=True).returncode == 0:
        try:
            r = invoke("image", str(src), "-o", str(view / "b.png"), "--force", "-q")
            assert r.exit_code == 2 and "would overwrite an input" in r.stderr, r.stderr
        finally:
            subprocess.run(["umount", str(view)], check=True)
    assert src.read_bytes() == before


def test_a_photo_that_is_a_loop_of_links_is_said_to_be_one(good, tmp_path):
    """A photo named, or in a folder, that is a link in a loop (`ln -s b.jpg a.jpg; ln -s a.jpg
    b.jpg`) was "a.jpg: file not found" or "cannot read: a link to b.jpg, which is not there",
    where `ls` lists both; the loop is named, `livecut batch` alike."""
    import shutil

    src = tmp_path / "links"
    src.mkdir()
    shutil.copy(good["a.jpg"], src / "good.jpg")
    (src / "a.jpg").symlink_to("b.jpg")
    (src / "b.jpg").symlink_to("a.jpg")
    loop = "a link on its way leads back to itself (a loop of links)"
    r = invoke("image", str(src / "a.jpg"), "-o", str(tmp_path / "o.png"), "-q")
    assert r.exit_code == 2 and f"{src / 'a.jpg'}: {loop}" in r.stderr, r.stderr
    r = invoke("image", str(src), "-o", str(tmp_path / "o"), "-q")
    assert r.exit_code == 2 and f"{src / 'a.jpg'}: cannot read: {loop}" in r.stderr, r.stderr
    assert "not there" not in r.stderr and (tmp_path / "o" / "good.png").is_file()
    r = invoke("batch", str(src / "a.jpg"), "-o", str(tmp_path / "b1"), "-q")
    assert r.exit_code == 2 and f"{src / 'a.jpg'}: {loop}" in r.stderr, r.stderr
    r = invoke("batch", str(src), "-o", str(tmp_path / "b2"), "-q")
    assert r.exit_code == 2 and f"{src / 'a.jpg'}: cannot read: {loop}" in r.stderr, r.stderr
    assert "not there" not in r.stderr and (tmp_path / "b2" / "good.png").is_file()


def test_a_loop_of_links_where_the_output_should_be_is_said_plainly(good, tmp_path):
    """`-o a/x.png` (a and b links to each other) or `-o lp/loop.png` (a link to itself): 'cannot
    write there: Too many levels of symbolic links', exit 1, as a disk's failure; it is the
    command's mistake, exit 2, the loop named; `livecut file` and batch alike."""
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    (tmp_path / "lp").mkdir()
    (tmp_path / "lp" / "loop.png").symlink_to("loop.png")
    for out in (tmp_path / "a" / "x.png", tmp_path / "lp" / "loop.png", str(tmp_path / "a") + "/"):
        r = invoke("image", str(good["a.jpg"]), "-o", str(out), "-q", "--force")
        assert r.exit_code == 2 and "a loop of links" in r.stderr, r.stderr
    r = invoke("batch", str(good["a.jpg"]), "-o", str(tmp_path / "a") + "/", "-q")
    assert r.exit_code == 2 and "a loop of links" in r.stderr, r.stderr
    clip = tmp_path / "c.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=64x48:d=0.2", str(clip)], check=True)
    r = invoke("file", str(clip), "-o", str(tmp_path / "a" / "x.mp4"), "-q")
    assert r.exit_code == 2 and "a loop of links" in r.stderr, r.stderr


@pytest.mark.parametrize("flag", [(), ("--force",), ("--skip-existing",)])
def test_a_loop_of_links_at_a_photos_output_in_the_folder_is_said_plainly(good, tmp_path, flag):
    """`livecut image a.jpg b.png -o out/` where out/a.png is a link to itself (ln -s a.png a.png):
    'internal error: RuntimeError: Symlink loop from out/a.png', exit 1, nothing cut; that photo
    fails, the loop named, and the others are cut."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.png").symlink_to("a.png")
    r = invoke("image", str(good["a.jpg"]), str(good["b.png"]), "-o", f"{out}/", *flag)
    assert r.exit_code == 2, r.output
    assert (f"livecut: error: {good['a.jpg']}: output {out / 'a.png'}: a link on its way leads back to itself "
            "(a loop of links); remove it or choose another -o") in r.stderr.splitlines(), r.stderr
    assert "internal error" not in r.stderr and (out / "b.png").is_file() and (out / "a.png").is_symlink()


def test_a_failed_write_names_its_photo_given_from_its_own_folder(tmp_path, scene, monkeypatch):
    """`livecut image a.png b.png -o out` from the photos' folder, where out/a.png could not be
    written (an I/O error), said 'out/a.png: cannot write: ...' without naming the photo, as the
    other photos' lines do ('b.png: out/b.png: cannot write: ...'): 'a.png' is in 'out/a.png',
    which was taken for the line naming it already."""
    import errno as _errno

    import livecut.images as images
    from livecut.config import load_config
    from livecut.errors import WriteError

    d = _photos_of(scene, tmp_path, 1)
    monkeypatch.chdir(d)

    def broken(path, *a, **kw):
        err = WriteError(f"{path}: cannot write: Input/output error")
        err.errno = _errno.EIO
        raise err

    monkeypatch.setattr(images, "write_image", broken)
    report = images.process_images(["p0.png"], "out", load_config())
    assert report.errors == [f"p0.png: {Path('out', 'p0.png')}: cannot write: Input/output error"]


def test_a_full_disk_leaves_no_empty_output_folder_made_by_the_run(tmp_path, scene, monkeypatch):
    """`livecut image a.png b.png -o shoot/cut/` on a full disk (no photo could be written) said
    so, exit 1, but left shoot/cut/, made by the run, empty behind it (as `livecut file -o DIR/`
    and `livecut batch` do not, nor a run stopped by Ctrl-C); it is removed, a folder there
    before is kept."""
    import errno as _errno

    import livecut.imageio as imageio

    d = _photos_of(scene, tmp_path, 2)
    monkeypatch.setattr(imageio, "open", open_that_stops(OSError(_errno.ENOSPC, "No space left on device")),
                        raising=False)
    there = tmp_path / "there"
    there.mkdir()
    for out in (tmp_path / "shoot" / "cut", there):
        r = invoke("image", d / "p0.png", d / "p1.png", "-o", f"{out}/", "-q")
        assert r.exit_code == 1, r.output
        assert "cannot write: no space left on the device" in r.stderr, r.stderr
    assert not (tmp_path / "shoot").exists()
    assert there.is_dir() and not any(there.iterdir())


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
def test_an_output_that_fails_half_written_names_the_temporary_file_it_cannot_remove(tmp_path, scene, monkeypatch,
                                                                                    unremovable, how):
    """In a folder that lets no name be removed (append-only), an output whose write failed part
    way (the disk full) was said not written, 'cannot write: no space left on the device', but its
    part written stayed under its hidden temporary name, without a word. The error names it."""
    import errno as _errno

    import livecut.imageio as imageio

    full_open = open_that_stops(OSError(_errno.ENOSPC, "No space left on device"))

    d = _photos_of(scene, tmp_path, 1)
    out = tmp_path / "out"
    out.mkdir()
    unremovable(how, out)
    monkeypatch.setattr(imageio, "open", full_open, raising=False)
    r = invoke("image", d / "p0.png", "-o", out / "p0.png", "-q")
    assert r.exit_code == 1, r.output
    (kept,) = list(out.iterdir())
    assert kept.name.startswith(".p0.png.livecut-"), kept
    assert _stderr_lines(r)[0] == (f"livecut: error: {d / 'p0.png'}: {out / 'p0.png'}: cannot write: no space left on "
                                   f"the device; its temporary file {kept} could not be removed ({APPEND_ONLY})"), r.output


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
def test_an_output_stopped_half_written_names_the_temporary_file_it_cannot_remove(tmp_path, scene, monkeypatch,
                                                                                  unremovable, how):
    """In a folder that lets no name be removed (append-only), Ctrl-C while an output was written
    said 'interrupted: 0 written ...', exit 130, but the part written stayed under its hidden
    temporary name, without a word. A warning line names it."""
    import livecut.imageio as imageio

    stopped_open = open_that_stops(KeyboardInterrupt())

    d = _photos_of(scene, tmp_path, 1)
    out = tmp_path / "out"
    out.mkdir()
    unremovable(how, out)
    monkeypatch.setattr(imageio, "open", stopped_open, raising=False)
    r = invoke("image", d / "p0.png", "-o", out / "p0.png", "-q")
    assert r.exit_code == 130, r.output
    (kept,) = list(out.iterdir())
    assert kept.name.startswith(".p0.png.livecut-"), kept
    lines = _stderr_lines(r)
    assert lines[0] == (f"livecut: warning: {kept}: the temporary file of {out / 'p0.png'} could not be removed "
                        f"({APPEND_ONLY}): remove it once the folder allows"), r.output
    assert len(lines) == 2 and lines[1].startswith("livecut: error: interrupted"), r.output


def _stale_temporary(final: Path) -> Path:
    """A temporary file of ``final`` that a killed run of this machine left: its process gone,
    unchanged for long (see livecut.atomic.sweep_stale)."""
    import re

    from livecut.atomic import temp_path

    dead = 4_000_000
    while os.path.exists(f"/proc/{dead}"):
        dead += 1
    tmp = temp_path(final)
    tmp = tmp.with_name(re.sub(r"-\d+-", f"-{dead}-", tmp.name, count=1))
    tmp.write_bytes(b"half an output")
    os.utime(tmp, (time.time() - 3600, time.time() - 3600))
    return tmp


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
def test_a_killed_runs_temporary_file_the_next_run_cannot_remove_is_named(tmp_path, scene, unremovable, how):
    """The next run to an output removes the temporary file a killed run (kill -9) left beside it;
    in a folder that lets no name be removed (append-only) it stayed, and the run said nothing of
    it. A warning line names it."""

    d = _photos_of(scene, tmp_path, 1)
    out = tmp_path / "out"
    out.mkdir()
    old = _stale_temporary(out / "p0.png")
    unremovable(how, out, lambda p: p == old)
    r = invoke("image", d / "p0.png", "-o", out / "p0.png", "-q")
    assert r.exit_code == 0, r.output
    assert old.exists() and cv2.imread(str(out / "p0.png")) is not None
    assert (f"livecut: warning: {old}: a temporary file of {out / 'p0.png'} an earlier run left could not be removed "
            f"({APPEND_ONLY}): remove it once the folder allows") in _stderr_lines(r), r.output


# ---------------------------------------------------------------- a batch of photos stopped part way

#: the end of a whole PNG file (its IEND chunk): a file cut short while written lacks it
PNG_END = b"IEND\xaeB`\x82"
#: the photos of the runs below: enough that a run is mid-way when the signal comes (0.1-0.2 s
#: a photo here), big enough that a good part of that is the cut and its writing
BATCH_PHOTOS, BATCH_SIZE = 30, (1200, 900)


def _batch_of_photos(folder: Path, n: int = BATCH_PHOTOS) -> list[Path]:
    """``n`` JPEG photos of ``BATCH_SIZE`` in ``folder`` (p00.jpg ...): four scenes, each shifted."""
    folder.mkdir(parents=True, exist_ok=True)
    scenes = [make_scene("basic", *BATCH_SIZE, seed=s)[0] for s in range(4)]
    paths = []
    for i in range(n):
        paths.append(folder / f"p{i:02d}.jpg")
        assert cv2.imwrite(str(paths[-1]), np.roll(scenes[i % 4], 7 * i, axis=1))
    return paths


def _inodes(folder: Path) -> dict[str, int]:
    """The inode of each file in ``folder`` but livecut's temporary files (one is renamed away
    between the listing and its stat)."""
    return {q.name: q.lstat().st_ino for q in folder.iterdir() if not q.name.startswith(".")} if folder.is_dir() else {}


def _stopped_part_way(args: list[str], out: Path, sig: int) -> tuple[int, str]:
    """``livecut image ARGS`` in a process group of its own, sent ``sig`` as a terminal sends
    Ctrl-C (to the whole group) once its first output is at its final name (a name new in
    ``out``, or one replaced there: another file); its exit code and its stderr."""
    before = _inodes(out)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    p = subprocess.Popen([sys.executable, "-m", "livecut", "image", *args], stderr=subprocess.PIPE, text=True,
                         env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and p.poll() is None:
            now = _inodes(out)
            if any(name.endswith(".png") and before.get(name) != ino for name, ino in now.items()):
                break
            time.sleep(0.02)
        if p.poll() is None:  # (else it ended before any output: the checks say how)
            os.killpg(p.pid, sig)
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return p.returncode, err


def _a_whole_cutout(path: Path) -> bool:
    data = path.read_bytes()
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    return data.endswith(PNG_END) and img is not None and img.shape == (BATCH_SIZE[1], BATCH_SIZE[0], 4)


@pytest.mark.parametrize("given", ["files", "pattern", "folder"])
def test_ctrl_c_mid_batch_keeps_the_photos_cut_whole(tmp_path, given):
    """Ctrl-C in the middle of `livecut image *.jpg -o cut/` (the files the shell expanded, the
    pattern quoted for livecut, or the folder): exit 130, as `livecut file`; one line that counts
    the photos written before the stop, those not cut, and how to go on; every output at its final
    name whole, no temporary file left; and the same command with --skip-existing cuts the rest."""
    photos = _batch_of_photos(tmp_path / "in")
    out = tmp_path / "cut"
    args = {"files": [str(q) for q in photos], "pattern": [str(tmp_path / "in" / "*.jpg")],
            "folder": [str(tmp_path / "in")]}[given] + ["-o", f"{out}/"]
    code, err = _stopped_part_way(args, out, signal.SIGINT)
    said = re.fullmatch(rf"livecut: error: interrupted: (\d+) written to {re.escape(str(out))}/, 0 failed, (\d+) "
                        r"not cut \(run it again with --skip-existing to go on\)\n", err)
    assert code == 130 and said, (code, err)
    written, left = (int(v) for v in said.groups())
    assert written + left == BATCH_PHOTOS and left > 0, err  # (stopped mid-way)
    names = sorted(q.name for q in out.iterdir())
    assert not [n for n in names if not n.endswith(".png") or n.startswith(".")], names  # no temporary file
    assert 1 <= written == len(names), (err, names)  # (see test_a_stop_just_after_an_output_went_into_place_...)
    assert names == [f"p{i:02d}.png" for i in range(len(names))], names  # (in their order)
    assert all(_a_whole_cutout(out / n) for n in names), names
    kept = {n: (out / n).read_bytes() for n in names}
    r = subprocess.run([sys.executable, "-m", "livecut", "image", *args, "--skip-existing"], capture_output=True,
                       text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines()[-1] == (f"{BATCH_PHOTOS - len(names)} written to {out}/, {len(names)} there already "
                                         "(left), 0 failed"), r.stderr
    assert sorted(q.name for q in out.iterdir()) == [f"p{i:02d}.png" for i in range(BATCH_PHOTOS)]
    assert all((out / n).read_bytes() == data for n, data in kept.items())


@pytest.mark.parametrize("sig, code, said", [(signal.SIGINT, 130, "interrupted"),
                                             (signal.SIGTERM, 143, "stopped by SIGTERM")])
def test_a_signal_mid_batch_with_force_leaves_the_earlier_outputs_whole(tmp_path, sig, code, said):
    """Ctrl-C (SIGTERM) in `livecut image DIR -o OUT/ --force` over the outputs of an earlier run
    (masks): each photo cut before the stop has its new output, whole; each other its earlier one,
    byte for byte (the one being written when it came too: nothing half-written at its name); no
    temporary file; one line counting what was written, which says to go on with --force (see
    test_a_run_with_force_stopped_part_way_says_to_go_on_with_force)."""
    photos = _batch_of_photos(tmp_path / "in")
    out = tmp_path / "cut"
    out.mkdir()
    for q in photos:  # (the earlier run's outputs: gray pictures, quick to make)
        assert cv2.imwrite(str(out / f"{q.stem}.png"), np.full((BATCH_SIZE[1], BATCH_SIZE[0]), 200, np.uint8))
    earlier = {q.name: q.read_bytes() for q in out.iterdir()}
    got, err = _stopped_part_way([str(tmp_path / "in"), "-o", f"{out}/", "--force"], out, sig)
    line = re.fullmatch(rf"livecut: error: {said}: (\d+) written to {re.escape(str(out))}/, 0 failed, (\d+) "
                        r"not cut \(run it again with --force to go on: --skip-existing would keep the earlier "
                        r"outputs of (\d+) of them\)\n", err)
    assert got == code and line, (got, err)
    written, left = int(line[1]), int(line[2])
    assert int(line[3]) == left, err  # (each photo not cut has its earlier output)
    assert written + left == BATCH_PHOTOS and left > 0, err
    assert sorted(earlier) == sorted(q.name for q in out.iterdir()), "a name added or lost (a temporary file?)"
    new = sorted(n for n, data in earlier.items() if (out / n).read_bytes() != data)
    assert 1 <= written == len(new), (err, new)
    assert new == [f"p{i:02d}.png" for i in range(len(new))], new
    assert all(_a_whole_cutout(out / n) for n in new), new


_SIGNAL_AS_STDERR_IS_REDIRECTED = r"""
import os, signal, sys
import numpy as np
import livecut.images as images

# (the cut itself is not what is stopped here: quick)
images.photo_mask = lambda seg, bgr, on_window=None: (np.full(bgr.shape[:2], 255, np.uint8), "subject", None)
at, sig = int(sys.argv[1]), getattr(signal, sys.argv[2])
real, seen = os.dup2, [0]

def dup2(fd, fd2, inheritable=True):  # (the signal comes as file descriptor 2 is redirected, the at-th time)
    done = real(fd, fd2, inheritable)
    if fd2 == 2 and fd != 2:
        seen[0] += 1
        if seen[0] == 2 * at - 1:  # (each redirection is undone by the next dup2 onto 2)
            signal.raise_signal(sig)  # (handled as this returns: where the dup2 was called)
    return done

os.dup2 = dup2
sys.argv = ["livecut", "image", *sys.argv[3:]]
from livecut._entry import main

main()
"""


@pytest.mark.parametrize("at, sig, written", [(1, "SIGINT", 0), (2, "SIGTERM", 0), (3, "SIGINT", 1)])
def test_a_signal_as_stderr_is_redirected_for_a_decoder_leaves_the_line(tmp_path, at, sig, written):
    """`livecut image` collects what the C libraries say on file descriptor 2 as a photo is
    decoded and its output encoded (2 is a temporary file meanwhile).  A Ctrl-C (SIGTERM) that
    landed as 2 was redirected -- before the redirection's undoing was armed, or in the context
    manager's own steps -- left it so: the run exited 130 (143) with nothing on stderr, its
    'interrupted: N written ...' line written to that file (the CI's fresh clone:
    test_a_signal_mid_batch_with_force_leaves_the_earlier_outputs_whole, once).  ``at``: the
    redirection it lands in (the first photo's decoding, its encoding, the second's decoding)."""
    photos = _batch_of_photos(tmp_path / "in", 3)
    out = tmp_path / "cut"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    r = subprocess.run([sys.executable, "-c", _SIGNAL_AS_STDERR_IS_REDIRECTED, str(at), sig, str(tmp_path / "in"),
                        "-o", f"{out}/"], capture_output=True, text=True, env=env, timeout=120)
    said = "interrupted" if sig == "SIGINT" else "stopped by SIGTERM"
    assert (r.returncode, r.stderr) == (
        130 if sig == "SIGINT" else 143,
        f"livecut: error: {said}: {written} written to {out}/, 0 failed, {len(photos) - written} not cut "
        "(run it again with --skip-existing to go on)\n")
    # (each written whole, no temporary file; the folder made for the run removed where it is empty)
    assert (sorted(q.name for q in out.iterdir()) if out.is_dir() else []) == [f"p{i:02d}.png" for i in range(written)]


def test_a_run_with_force_stopped_part_way_says_to_go_on_with_force(tmp_path, good, monkeypatch):
    """`livecut image ... --force` over the outputs of an earlier run, stopped part way, said "run
    it again with --skip-existing to go on": that rerun kept the earlier outputs of the photos not
    cut ("3 there already (left)", exit 0), which --force was to replace.  It says to go on with
    --force, counting those --skip-existing would keep; without them it still says --skip-existing."""
    d = good["a.jpg"].parent
    for name in ("c.jpg", "d.jpg"):
        cv2.imwrite(str(d / name), cv2.imread(str(good["a.jpg"])))
    inputs = [good["a.jpg"], good["b.png"], d / "c.jpg", d / "d.jpg"]
    out = tmp_path / "o"
    out.mkdir()
    for name in ("a.png", "b.png", "d.png"):  # (an earlier run's outputs: c's is not there)
        (out / name).write_bytes(b"earlier")
    calls = _stopped_at_the_second(monkeypatch)
    r = invoke("image", *inputs, "-o", f"{out}/", "--force")
    assert r.exit_code == 130, r.output
    # (b's output is there from before, and d's; c has none)
    assert _stderr_lines(r) == [f"livecut: error: interrupted: 1 written to {out}/, 0 failed, 3 not cut (run it again "
                                "with --force to go on: --skip-existing would keep the earlier outputs of 2 of them)"]
    assert [(out / n).read_bytes() == b"earlier" for n in ("a.png", "b.png", "d.png")] == [False, True, True]
    calls.clear()
    r = invoke("image", *inputs, "-o", f"{tmp_path / 'new'}/", "--force")  # (no output there before)
    assert r.exit_code == 130, r.output
    assert _stderr_lines(r)[-1].endswith("3 not cut (run it again with --skip-existing to go on)"), r.output


@pytest.mark.parametrize("force", [False, True])
def test_a_stop_just_after_an_output_went_into_place_counts_it_written(tmp_path, good, monkeypatch, force):
    """Ctrl-C (SIGTERM) just after a photo's output was moved into place, while its folder was
    synced (or its temporary name removed): the line said "0 written ..., 2 not cut" with the
    output there, whole (1 run in 10 of the test above, the signal sent as the first output
    appears).  It is counted written; the photo after it is not cut."""
    from livecut import atomic

    out = tmp_path / "o"
    out.mkdir()
    if force:  # (over an earlier output: replaced)
        (out / "a.png").write_bytes(b"earlier")
    real = atomic.sync_folder

    def stopped_once_in_place(folder):
        real(folder)
        if (out / "a.png").exists() and (out / "a.png").read_bytes() != b"earlier":
            raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "sync_folder", stopped_once_in_place)
    r = invoke("image", good["a.jpg"], good["b.png"], "-o", f"{out}/", *(["--force"] if force else []))
    assert r.exit_code == 130, r.output
    assert _stderr_lines(r) == [f"livecut: error: interrupted: 1 written to {out}/, 0 failed, 1 not cut (run it again "
                                "with --skip-existing to go on)"], r.output
    assert sorted(q.name for q in out.iterdir()) == ["a.png"]
    assert cv2.imread(str(out / "a.png"), cv2.IMREAD_UNCHANGED).shape[2] == 4


@pytest.mark.parametrize("stop", ["Ctrl-C", "EIO"])
def test_a_stop_as_an_output_goes_into_place_without_hard_links_leaves_no_empty_file(tmp_path, good, monkeypatch,
                                                                                      stop):
    """Where the output folder takes no hard links (a memory card's FAT or exFAT), an output's name
    is reserved by an empty file, then the finished output renamed over it: Ctrl-C (SIGTERM), or a
    failed rename, between the two left that empty file at the output's final name, a rerun with
    --skip-existing keeping it as done ("there already").  It is removed with the temporary file."""
    import errno

    from livecut import atomic

    out = tmp_path / "o"
    real_replace = os.replace

    def no_link(src, dst, *a, **k):
        raise OSError(errno.EPERM, "Operation not permitted")

    def replace(src, dst, *a, **k):
        if Path(dst) == out / "b.png":
            if stop == "Ctrl-C":
                raise KeyboardInterrupt
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(atomic.os, "link", no_link)
    monkeypatch.setattr(atomic.os, "replace", replace)
    r = invoke("image", good["a.jpg"], good["b.png"], "-o", f"{out}/")
    if stop == "Ctrl-C":
        assert r.exit_code == 130, r.output
        assert _stderr_lines(r) == [f"livecut: error: interrupted: 1 written to {out}/, 0 failed, 1 not cut (run it "
                                    "again with --skip-existing to go on)"], r.output
    else:
        assert r.exit_code == 1, r.output
        assert _stderr_lines(r)[0] == (f"livecut: error: {good['b.png']}: {out / 'b.png'}: cannot move the finished "
                                       "output into place (Input/output error)"), r.output
    assert sorted(q.name for q in out.iterdir()) == ["a.png"]  # (no empty b.png, no temporary file)


@pytest.mark.parametrize("out", ["cut", "shoot/cut"])
def test_a_stop_as_the_first_photo_is_written_leaves_no_empty_output_folder(tmp_path, scene, monkeypatch, out):
    """Ctrl-C as `livecut image photos/ -o cut/` writes its first photo (the folder made for it,
    nothing in it yet) left cut/ behind empty (and shoot/ above it, made for it too), where
    `livecut batch` removes the folders it made; a folder that was there before is kept."""
    import livecut.images as images
    from livecut.config import load_config
    from livecut.runner import Interrupted

    d = _photos_of(scene, tmp_path, 3)

    def stopped(path, *a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(images, "write_image", stopped)
    with pytest.raises(Interrupted, match="0 written"):
        images.process_images([str(d)], tmp_path / out, load_config())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in [d]), list(tmp_path.iterdir())
    (tmp_path / "kept").mkdir()
    with pytest.raises(Interrupted, match="0 written"):
        images.process_images([str(d)], tmp_path / "kept", load_config())
    assert (tmp_path / "kept").is_dir()


@pytest.mark.parametrize("args, takes", [
    (["image", "{photo}", "-o", "rtsp://user:s3cret@host/live"], "-o takes a folder, or for one input a picture's path"),
    (["batch", "{photo}", "-o", "srt://user:s3cret@host:9000"], "-o takes a folder's path"),
    (["bench", "--live", "--clip", "rtsp://user:s3cret@host/cam"], "--clip takes a local video file"),
])
def test_a_url_where_no_stream_serves_does_not_point_at_livecut_run(tmp_path, args, takes):
    """`livecut image x.jpg -o rtsp://...`, `livecut batch ... -o URL` and `livecut bench --clip URL`
    were refused with '... (use `livecut run` for streams)': run writes no photo's cut, no batch's
    folder, and times nothing. The refusal says what the option takes instead."""
    photo = tmp_path / "a.png"
    cv2.imwrite(str(photo), np.full((48, 64, 3), 128, np.uint8))
    r = invoke(*[a.format(photo=photo) for a in args])
    assert r.exit_code == 2, r.output
    assert "is a URL; " in r.stderr and takes in r.stderr, r.stderr
    assert "livecut run" not in r.stderr and "s3cret" not in r.stderr, r.stderr


def test_the_baseline_keeps_the_biggest_contour_of_a_panorama_not_each_windows(tmp_path):
    """--set segment.method=canny keeps the biggest contour (canny_multi: every one above
    min_area); a photo over 4:1 was cut in windows, each keeping its own biggest contour: a
    2400x300 photo with a large sharp subject at the left and a small one at the right kept both.
    The baseline is judged whole, as it was."""
    rng = np.random.default_rng(1)
    tex = cv2.resize(rng.integers(0, 256, (50, 400, 3), dtype=np.uint8), (2400, 300),
                     interpolation=cv2.INTER_NEAREST)
    photo = cv2.GaussianBlur(tex, (0, 0), 6)
    photo[50:250, 100:400] = tex[50:250, 100:400]      # the biggest subject
    photo[100:200, 2000:2100] = tex[100:200, 2000:2100]  # a small one, far from it
    src = tmp_path / "pano.png"
    cv2.imwrite(str(src), photo)
    for multi, small in (("false", 0), ("true", 255)):
        out = tmp_path / f"m{multi}.png"
        r = invoke("image", src, "-o", out, "--mode", "mask", "-q", "--set", "segment.method=canny",
                   "--set", "segment.work_size=2048", "--set", f"segment.canny_multi={multi}")
        assert r.exit_code == 0, r.output
        mask = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
        assert mask[50:250, 100:400].mean() > 240, multi
        assert abs(mask[100:200, 2000:2100].mean() - small) < 15, (multi, mask[100:200, 2000:2100].mean())


def test_a_mode_is_taken_in_any_case_as_a_configurations_is(tmp_path, good):
    """--mode Mask, -m CUTOUT were refused ("--mode 'Mask': expected one of cutout, mask, ...")
    while --set composite.mode=Mask and -b Transparent are taken: the word, in any case, for
    `livecut image`, `file` and `batch`; another word still refused."""
    from conftest import make_clip, probe

    r = invoke("image", good["b.png"], "-o", tmp_path / "o", "--mode", "Mask", "-q")
    assert r.exit_code == 0, r.output
    assert cv2.imread(str(tmp_path / "o" / "b.png"), cv2.IMREAD_UNCHANGED).ndim == 2
    r = invoke("batch", good["b.png"], "-o", tmp_path / "b", "-m", "CUTOUT", "-q")
    assert r.exit_code == 0, r.output
    assert cv2.imread(str(tmp_path / "b" / "b.png"), cv2.IMREAD_UNCHANGED).shape[2] == 4
    src = make_clip(tmp_path / "src.mp4", w=96, h=64, n=3)
    r = invoke("file", src, "-o", tmp_path / "cut.mov", "--mode", "CutOut", "-q")
    assert r.exit_code == 0, r.output
    assert probe(tmp_path / "cut.mov")["pix_fmt"].startswith(("yuva", "rgba", "argb", "bgra"))
    r = invoke("image", good["b.png"], "-o", tmp_path / "x", "--mode", "Masks", "-q")
    assert r.exit_code == 2 and "--mode 'Masks': expected one of cutout, mask" in r.stderr, r.output


def test_an_input_in_a_loop_of_links_is_said_to_be_one_not_missing(good, tmp_path):
    """`livecut image a.png` where a.png is a link in a loop (`ln -s b.png a.png; ln -s a.png b.png`)
    said 'a.png: file not found' (`livecut file`: 'no such file'; a background: 'file not found'),
    where `ls` shows it; the loop is named, as for an output, exit 2 alike."""
    (tmp_path / "a.png").symlink_to("b.png")
    (tmp_path / "b.png").symlink_to("a.png")
    loop, out = tmp_path / "a.png", tmp_path / "out"
    said = f"{loop}: a link on its way leads back to itself (a loop of links)"
    r = invoke("image", str(loop), "-o", f"{out}/", "-q")
    assert r.exit_code == 2 and said in r.stderr, r.stderr
    r = invoke("batch", str(loop), "-o", f"{out}/", "-q")
    assert r.exit_code == 2 and said in r.stderr, r.stderr
    r = invoke("file", str(loop), "-o", str(tmp_path / "x.mp4"), "-q")
    assert r.exit_code == 2 and said in r.stderr, r.stderr
    r = invoke("image", str(good["a.jpg"]), "-b", f"image:{loop}", "-o", f"{out}/", "-q")
    assert r.exit_code == 2 and said in r.stderr, r.stderr
    assert not (tmp_path / "x.mp4").exists() and not any(out.glob("*.png"))


def test_a_loop_of_links_in_a_folder_is_not_said_to_lead_to_nothing(good, tmp_path):
    """`livecut image shoot/` (or batch) where shoot/x.png and y.png are links to each other said
    'x.png: cannot read: a link to y.png, which is not there', where y.png is there (a link back);
    the loop is named, and a link to nothing is still said to be one."""
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    (shoot / "a.jpg").write_bytes(Path(good["a.jpg"]).read_bytes())
    (shoot / "x.png").symlink_to("y.png")
    (shoot / "y.png").symlink_to("x.png")
    (shoot / "d.png").symlink_to("gone.png")
    for cmd in ("image", "batch"):
        r = invoke(cmd, str(shoot), "-o", str(tmp_path / cmd) + "/", "-q")
        assert r.exit_code == 2, r.output
        for name in ("x.png", "y.png"):
            said = f"{name}: cannot read: a link on its way leads back to itself (a loop of links)"
            assert said in r.stderr, r.stderr
        assert "d.png: cannot read: a link to gone.png, which is not there" in r.stderr, r.stderr
        assert "which is not there" not in r.stderr.replace("a link to gone.png, which is not there", ""), r.stderr
        assert (tmp_path / cmd / "a.png").is_file()


def test_a_double_star_pattern_over_links_back_up_the_tree_ends(good, tmp_path):
    """`livecut image 'shoot/**/*.png'` where a folder holds two links back up (`up -> ..`,
    `self -> .`, as some photo tools leave) ran for ever, a core busy: glob followed them again
    and again, 2**40 paths; each folder is gone into once on a way, and the photo is cut once,
    by `livecut batch` too."""
    sub = tmp_path / "shoot" / "sub"
    sub.mkdir(parents=True)
    (sub / "a.png").write_bytes(Path(good["a.jpg"]).read_bytes())
    (sub / "up").symlink_to("..")
    (sub / "self").symlink_to(".")
    for cmd in ("image", "batch"):
        r = run_cli(cmd, str(tmp_path / "shoot" / "**" / "*.png"), "-o", str(tmp_path / cmd) + "/", "-q",
                    timeout=40)
        assert r.returncode == 0, r.stderr
        assert sorted(p.name for p in (tmp_path / cmd).glob("*.png")) == ["a.png"]


def test_a_text_file_is_said_to_be_text_not_a_damaged_picture(tmp_path):
    """`livecut image notes.txt -o cut/` said 'not an image, or truncated/corrupt', as a damaged
    photo is, and a user looked for what to repair; it is said to be a text file (UTF-8 too, its
    4 KB cut inside a character).  A damaged plain PGM, whose picture is text, is said as before (an XPM too)."""
    notes = _write_bytes(tmp_path / "notes.txt", b"shoot on Sunday\r\n\tcaf\xc3\xa9 at 9\n")
    long = _write_bytes(tmp_path / "long.md", b"a" * 4095 + "\u00e9".encode() * 10)
    pgm = _write_bytes(tmp_path / "bad.pgm", b"P2\n2 2\n255\n1 2")
    binary = _write_bytes(tmp_path / "blob.bin", b"abc\x00\x01def")
    xpm = _write_bytes(tmp_path / "icon.xpm", b'/* XPM */\nstatic char *icon[] = {\n"1 1 1 1",\n". c #000000",\n"."};\n')
    r = invoke("image", notes, long, pgm, binary, xpm, "-o", tmp_path / "cut", "-q")
    assert r.exit_code == 2, r.output
    assert _stderr_lines(r) == [
        f"livecut: error: {notes}: a text file, not a picture",
        f"livecut: error: {long}: a text file, not a picture",
        f"livecut: error: {pgm}: not an image, or truncated/corrupt",
        f"livecut: error: {binary}: not an image, or truncated/corrupt",
        f"livecut: error: {xpm}: not an image, or truncated/corrupt"], r.stderr


def test_a_text_file_that_opens_as_a_bmp_or_pnm_signature_is_said_to_be_text(tmp_path):
    """A note that opens with a BMP's or a netpbm picture's signature ('BMW service ...', 'P5
    notes'), given to `livecut image`, was said as a damaged picture, 'not an image, or
    truncated/corrupt' (the BMW note too large: its letters read as its size); where its header
    does not parse as that type's, it is said to be a text file.  A damaged plain PBM or PGM, a
    PAM cut after its header, whose headers parse, are not."""
    texts = [_write_bytes(tmp_path / name, data) for name, data in (
        ("bmw.txt", b"BMW service notes\nOil changed at 40000 km, next at 60000 km.\n"),
        ("todo.txt", b"P5 notes: things to do\n- call Bob\n"), ("plan.md", b"P1 is the plan, P2 the fallback\n"),
        ("p7.txt", b"P7 notes\nmore\n"), ("pfa.txt", b"PFA meeting at 9\n"), ("bm.txt", b"BM"))]
    damaged = [_write_bytes(tmp_path / name, data) for name, data in (
        ("bad.pbm", b"P1\n# a comment\n3 2\n0 1"), ("bad.pgm", b"P2 2 2 255\n1 2"),
        ("bad.pam", b"P7\nWIDTH 2\nHEIGHT 2\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR\n"))]
    r = invoke("image", *texts, *damaged, "-o", tmp_path / "cut", "-q")
    assert r.exit_code == 2, r.output
    lines = _stderr_lines(r)
    assert lines[:len(texts)] == [f"livecut: error: {p}: a text file, not a picture" for p in texts], r.stderr
    assert len(lines) == len(texts) + len(damaged) and not any("a text file" in line for line in lines[len(texts):]), \
        r.stderr


def test_a_utf16_text_file_is_said_to_be_text_not_a_damaged_picture(tmp_path):
    """A text file in UTF-16 (with its BOM, as Windows PowerShell's `>` and Notepad's "Unicode"
    save it, little- or big-endian, or without one), given to `livecut image`, said 'not an image,
    or truncated/corrupt', as a damaged photo is: it is said to be a text file, as a UTF-8 one is
    (with its BOM too); binary junk of zero bytes between letters is still said as damaged."""
    text = "shoot on Sunday\r\n\tcaf\u00e9 at 9\n"
    files = [_write_bytes(tmp_path / name, data) for name, data in (
        ("notes.txt", text.encode("utf-16")), ("be.txt", b"\xfe\xff" + text.encode("utf-16-be")),
        ("plain.txt", text.encode("utf-16-le")), ("photo.jpg", text.encode("utf-16-be")),
        ("bom8.png", text.encode("utf-8-sig")))]
    junk = _write_bytes(tmp_path / "junk.png", b"a\x00b\x00\x01\x00\x02\x00" * 20)
    r = invoke("image", *files, junk, "-o", tmp_path / "cut", "-q")
    assert r.exit_code == 2, r.output
    assert _stderr_lines(r) == [f"livecut: error: {p}: a text file, not a picture" for p in files] + [
        f"livecut: error: {junk}: not an image, or truncated/corrupt"], r.stderr


def test_a_folder_of_jpe_and_jif_photos_is_cut_and_they_are_written_as_jpeg(tmp_path, scene):
    """A JPEG named .jpe (Windows' and Apple's other name for one) or .jif (JFIF's) was skipped
    by a folder or a glob without a word ('1 written', of a folder of three), and -o cut.jif was
    'cannot encode an image as .jif'."""
    img, _ = scene
    d = tmp_path / "shoot"
    d.mkdir()
    for name in ("a.jpg", "b.jpe", "c.JIF"):
        cv2.imwrite(str(d / "x.jpg"), img)
        (d / "x.jpg").rename(d / name)
    r = invoke("image", str(d), "-o", str(tmp_path / "cut") + "/", "-q")
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "cut").iterdir()) == ["a.png", "b.png", "c.png"]
    for name in ("c.jpe", "c.jif"):
        r = invoke("image", str(d / "b.jpe"), "-o", str(tmp_path / name), "--mode", "composite", "-q")
        assert r.exit_code == 0, r.stderr
        assert (tmp_path / name).read_bytes()[:3] == b"\xff\xd8\xff"
        assert cv2.imread(str(tmp_path / name)).shape == img.shape


def _jpeg_sampling(data: bytes) -> list[int]:
    """The sampling byte (H << 4 | V) of each component of a JPEG's frame header (SOF0-SOF2)."""
    i = 2
    while i + 4 <= len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            n = data[i + 9]
            return [data[i + 11 + 3 * k] for k in range(n)]
        i += 2 + length
    raise AssertionError("no frame header")


def test_a_jpeg_composite_keeps_its_colour_at_full_resolution(tmp_path, good):
    """A composite written as JPEG had its colour halved each way (OpenCV's 4:2:0), which smeared
    the hard edge of a saturated subject over a new background (-b color:...): tens of levels off
    along it. It is 4:4:4 now, at quality 95."""
    png, jpg = tmp_path / "c.png", tmp_path / "c.jpg"
    for out in (png, jpg):
        r = invoke("image", str(good["a.jpg"]), "-o", str(out), "--mode", "composite", "-b", "color:#ffe000", "-q")
        assert r.exit_code == 0, r.stderr
    assert _jpeg_sampling(jpg.read_bytes()) == [0x11, 0x11, 0x11]
    a, b = cv2.imread(str(png)).astype(int), cv2.imread(str(jpg)).astype(int)
    assert np.percentile(np.abs(a - b).max(axis=2), 99.9) < 20


def test_composite_jpeg_quality_sets_a_jpeg_outputs_quality(tmp_path, good):
    """A JPEG output was written at 95 whatever the user wanted (a smaller file for the web, or
    100): composite.jpeg_quality sets it, 4:4:4 from 90 up, 4:2:0 below; out of 1-100 refused."""
    sizes = {}
    for q in (None, 60, 100):
        out = tmp_path / f"c{q}.jpg"
        args = ["--set", f"composite.jpeg_quality={q}"] if q else []
        r = invoke("image", str(good["a.jpg"]), "-o", str(out), "--mode", "composite", "-q", *args)
        assert r.exit_code == 0, r.stderr
        sizes[q] = out.stat().st_size
    assert sizes[60] < sizes[None] < sizes[100], sizes
    assert _jpeg_sampling((tmp_path / "c60.jpg").read_bytes()) == [0x22, 0x11, 0x11]
    assert _jpeg_sampling((tmp_path / "c100.jpg").read_bytes()) == [0x11, 0x11, 0x11]
    r = invoke("image", str(good["a.jpg"]), "-o", str(tmp_path / "x.jpg"), "--mode", "composite",
               "--set", "composite.jpeg_quality=101")
    assert r.exit_code == 2 and "composite.jpeg_quality" in r.stderr and not (tmp_path / "x.jpg").exists()
    from livecut.errors import ConfigTypeError
    from livecut.imageio import write_image

    for bad in (True, 0, 101, 95.0, "95"):
        with pytest.raises(ConfigTypeError, match="jpeg_quality"):
            write_image(tmp_path / "y.jpg", np.zeros((16, 16, 3), np.uint8), jpeg_quality=bad)


def test_a_background_colour_is_written_as_the_photos_profile_shows_it(tmp_path, scene):
    """-b color:#ff0000 is sRGB red (as CSS and every picture tool read a hex colour), and the
    composite carries the photo's colour profile: behind a Display P3 photo its values were
    written as they are, (255, 0, 0), which a colour-managed viewer shows as P3's own red, a
    deeper one than asked (a brand colour behind a product shot off). Written as P3 shows sRGB
    red now, (234, 51, 35), as LittleCMS converts it; a photo without a profile, or an output that
    keeps none (BMP), gets it as given."""
    from livecut.imageio import _cicp_icc, icc_profile, write_image

    img = scene[0]
    p3 = _cicp_icc(12, 13)
    write_image(tmp_path / "p3.png", img, icc=p3)
    write_image(tmp_path / "plain.png", img)
    r = invoke("image", str(tmp_path / "plain.png"), "-o", str(tmp_path / "m.png"), "--mode", "mask", "-q")
    assert r.exit_code == 0, r.stderr
    behind = cv2.imread(str(tmp_path / "m.png"), cv2.IMREAD_GRAYSCALE) == 0
    assert behind.mean() > 0.2
    for name, out, want in (("p3.png", "c.png", (35, 51, 234)), ("p3.png", "c.jpg", (35, 51, 234)),
                            ("plain.png", "d.png", (0, 0, 255)), ("p3.png", "c.bmp", (0, 0, 255))):
        r = invoke("image", str(tmp_path / name), "-o", str(tmp_path / out), "--mode", "composite",
                   "-b", "color:#ff0000", "-q")
        assert r.exit_code == 0, r.stderr
        got = cv2.imread(str(tmp_path / out))[behind].astype(int)
        assert np.abs(np.median(got, axis=0) - want).max() <= 1, (out, np.median(got, axis=0))
    assert icc_profile(np.fromfile(tmp_path / "c.png", np.uint8)) == p3
    # a profile it cannot convert to (tables, not a matrix): as given, and said
    write_image(tmp_path / "odd.png", img, icc=_rgb_profile(3000))
    r = invoke("image", str(tmp_path / "odd.png"), "-o", str(tmp_path / "o.png"), "--mode", "composite",
               "-b", "color:#ff0000")
    assert r.exit_code == 0 and "background colour is written as its sRGB values" in r.stderr, r.stderr
    assert np.abs(np.median(cv2.imread(str(tmp_path / "o.png"))[behind].astype(int), axis=0) - (0, 0, 255)).max() <= 1


def test_a_background_colour_not_converted_is_said_once_for_a_run_of_such_photos(tmp_path, scene):
    """Photos whose colour profile livecut cannot convert -b color: to (tables, not a matrix):
    the warning was said once per photo, a batch of 500 such photos 500 identical lines.  It is
    said of the first, then the others' count and names once at the end; one alone is said alone."""
    from livecut.imageio import write_image

    for name in ("p0.png", "p1.png", "p2.png", "p3.png", "p4.png"):
        write_image(tmp_path / "in" / name, scene[0], icc=_rgb_profile(3000))
    write_image(tmp_path / "in" / "plain.png", scene[0])
    r = invoke("image", *sorted(map(str, (tmp_path / "in").iterdir())), "-o", str(tmp_path / "o") + "/", "-q",
               "--mode", "composite", "-b", "color:#ff0000")
    assert r.exit_code == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if "sRGB values" in line]
    assert lines == [
        f"livecut: warning: {tmp_path / 'in' / 'p0.png'}: the background colour is written as its sRGB values in the "
        "photo's colour profile, which livecut cannot convert it to: colour-managed viewers may show it shifted",
        f"livecut: warning: 4 more photos ({', '.join(str(tmp_path / 'in' / f'p{i}.png') for i in (1, 2, 3))} and 1 "
        "more): the background colour is written as its sRGB values in their colour profiles too, which livecut "
        "cannot convert it to"], r.stderr
    assert len(r.stderr.splitlines()) == 2, r.stderr
    r = invoke("image", str(tmp_path / "in" / "p0.png"), str(tmp_path / "in" / "plain.png"), "-o",
               str(tmp_path / "one") + "/", "-q", "--mode", "composite", "-b", "color:#ff0000")
    assert r.exit_code == 0 and len(r.stderr.splitlines()) == 1 and "p0.png: the background colour" in r.stderr, r.stderr


def test_the_count_of_more_photos_warned_alike_is_said_when_the_run_is_stopped(tmp_path, scene, monkeypatch):
    """Ctrl-C among photos of a profile -b color: cannot be converted to: the photos after the
    first, counted for the line said at the end, went unsaid; they are said before the
    'interrupted' line, once."""
    from livecut import images
    from livecut.imageio import write_image

    for name in ("p0.png", "p1.png", "p2.png", "p3.png", "p4.png"):
        write_image(tmp_path / "in" / name, scene[0], icc=_rgb_profile(3000))
    real, calls = images.write_image, []

    def stopped_at_the_fourth(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(images, "write_image", stopped_at_the_fourth)
    r = invoke("image", *sorted(map(str, (tmp_path / "in").iterdir())), "-o", str(tmp_path / "o") + "/", "-q",
               "--mode", "composite", "-b", "color:#ff0000")
    assert r.exit_code == 130, r.stderr
    d = tmp_path / "in"
    assert _stderr_lines(r) == [
        f"livecut: warning: {d / 'p0.png'}: the background colour is written as its sRGB values in the photo's "
        "colour profile, which livecut cannot convert it to: colour-managed viewers may show it shifted",
        f"livecut: warning: 2 more photos ({d / 'p1.png'}, {d / 'p2.png'}): the background colour is written as its "
        "sRGB values in their colour profiles too, which livecut cannot convert it to",
        f"livecut: error: interrupted: 3 written to {tmp_path / 'o'}/, 0 failed, 2 not cut (run it again with "
        "--skip-existing to go on)"], r.stderr


def test_the_modes_that_one_jpeg_output_takes_are_the_ones_the_help_and_readme_name(tmp_path, good):
    """`livecut image PHOTO -o cut.jpg --mode side-by-side` writes the photo beside its composite as
    a JPEG (composite.jpeg_quality names it), but -o's help said '.jpg for composite or mask' and the
    README '`-o cut.jpg` for a composite or a mask': a user with a side-by-side to send thought it
    refused.  Each mode that a JPEG takes is named in both, and the one it refuses (cutout) is not."""
    help_text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", invoke("image", "--help").output).split())
    readme = " ".join((REPO / "README.md").read_text().split())
    assert ".jpg for composite, side-by-side or mask" in help_text, help_text
    assert "`-o cut.jpg` for a composite, a side-by-side or a mask" in readme
    for mode in ("composite", "side-by-side", "mask"):
        out = tmp_path / f"{mode}.jpg"
        r = invoke("image", good["a.jpg"], "-o", out, "-q", "--mode", mode)
        assert r.exit_code == 0 and cv2.imread(str(out)) is not None, (mode, r.output)
    r = invoke("image", good["a.jpg"], "-o", tmp_path / "cutout.jpg", "-q", "--mode", "cutout")
    assert r.exit_code == 2 and "cannot hold transparency" in r.stderr
